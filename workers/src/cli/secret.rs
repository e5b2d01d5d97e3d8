//! `aos-worker secret set|list`.

use std::io::Read;

use clap::Subcommand;
use eyre::{Context, Result};

use super::secrets_path;
use crate::config::WorkerConfig;
use crate::secrets::SecretStore;

/// Secret commands.
#[derive(Debug, Subcommand)]
pub enum SecretCmd {
    /// Store a secret read from standard input (e.g. an API key).
    Set {
        /// Its name (referenced by `api_key_secret` in the config).
        name: String,
    },
    /// List stored secret names.
    List,
}

pub(super) fn run(cfg: WorkerConfig, cmd: SecretCmd) -> Result<()> {
    let store = SecretStore::new(secrets_path(&cfg));
    match cmd {
        SecretCmd::Set { name } => {
            let pass =
                std::env::var("AOS_SECRETS_PASSPHRASE").wrap_err("set $AOS_SECRETS_PASSPHRASE")?;
            let mut value = String::new();
            std::io::stdin().read_to_string(&mut value)?;
            store.set(&name, value.trim(), &pass)?;
            println!("stored {name:?} in {}", store.path().display());
        }
        SecretCmd::List => {
            for n in store.names()? {
                println!("{n}");
            }
        }
    }
    Ok(())
}
