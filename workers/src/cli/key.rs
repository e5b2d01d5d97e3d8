//! `aos-worker key new|show`.

use aos_protocol::{AgentKey, KdfParams, KeyFile};
use clap::Subcommand;
use eyre::{Context, Result};

use super::secret_from;
use crate::config::WorkerConfig;

/// Key commands.
#[derive(Debug, Subcommand)]
pub enum KeyCmd {
    /// Create a new agent key file (refuses to overwrite).
    New,
    /// Print the agent id and peer id of the key file.
    Show,
}

pub(super) fn run(cfg: WorkerConfig, cmd: KeyCmd) -> Result<()> {
    match cmd {
        KeyCmd::New => {
            let pass = secret_from(&cfg.agent_key_passphrase_env, None)?;
            let key = AgentKey::generate();
            KeyFile::encrypt(&key, pass.as_bytes(), KdfParams::default())?
                .write_new(&cfg.agent_key)
                .wrap_err_with(|| format!("cannot write {}", cfg.agent_key.display()))?;
            println!(
                "agent {} written to {}",
                key.agent_id(),
                cfg.agent_key.display()
            );
        }
        KeyCmd::Show => {
            let f = KeyFile::read(&cfg.agent_key)?;
            let id = f.agent_id();
            println!("agent {id}\npeer  {}", aos_mesh::peer_id_of(&id)?);
        }
    }
    Ok(())
}
