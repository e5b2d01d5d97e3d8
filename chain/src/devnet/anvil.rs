//! anvil as a detached process: its own process group (ctrl-c on the parent does not reach
//! it), stdin closed, output to a log file, its funded keys read from `--config-out`. The
//! parent may exit and leave it running; `aos devnet down` stops it by pid.
//!
//! The attached devnet of the tests ([`super::Devnet`]) uses alloy's `Anvil`, which kills
//! anvil when dropped; a devnet that outlives its starter needs this one.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use serde::Deserialize;

use super::{ANVIL_MNEMONIC, DevnetError};

/// How to start a detached anvil.
#[derive(Debug, Clone)]
pub struct DetachedAnvilConfig {
    /// The anvil binary ([`super::tool`]`(root, "anvil")`).
    pub bin: PathBuf,
    /// Port on 127.0.0.1.
    pub port: u16,
    /// Funded dev accounts to create (from [`ANVIL_MNEMONIC`]).
    pub accounts: usize,
    /// anvil's stdout and stderr go here.
    pub log: PathBuf,
    /// anvil writes its accounts and keys here (`--config-out`).
    pub config_out: PathBuf,
}

/// A detached anvil that has been started but may not serve yet.
#[derive(Debug)]
pub struct DetachedAnvil {
    child: Child,
    rpc_url: String,
    cfg: DetachedAnvilConfig,
}

/// What a serving anvil offers.
#[derive(Debug, Clone)]
pub struct AnvilReady {
    /// Its chain id.
    pub chain_id: u64,
    /// Its funded dev accounts' keys, account 0 first.
    pub keys: Vec<PrivateKeySigner>,
}

#[derive(Deserialize)]
struct ConfigOut {
    private_keys: Vec<String>,
}

impl DetachedAnvil {
    /// Start anvil on `127.0.0.1:<port>`, detached.
    ///
    /// # Errors
    /// [`DevnetError::Spawn`] when anvil cannot be started or its log not created.
    pub fn spawn(cfg: DetachedAnvilConfig) -> Result<Self, DevnetError> {
        let spawn_err = |source| DevnetError::Spawn {
            bin: cfg.bin.clone(),
            source,
        };
        let _ = std::fs::remove_file(&cfg.config_out);
        let log = std::fs::File::create(&cfg.log).map_err(spawn_err)?;
        let mut cmd = Command::new(&cfg.bin);
        cmd.args(["--host", "127.0.0.1", "--port", &cfg.port.to_string()])
            .args(["--accounts", &cfg.accounts.to_string()])
            .args(["--mnemonic", ANVIL_MNEMONIC])
            .arg("--config-out")
            .arg(&cfg.config_out)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(spawn_err)?)
            .stderr(log);
        // Its own process group: ctrl-c on the parent (or its exit) does not reach anvil.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().map_err(spawn_err)?;
        Ok(Self {
            child,
            rpc_url: format!("http://127.0.0.1:{}", cfg.port),
            cfg,
        })
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its HTTP RPC URL.
    pub fn rpc_url(&self) -> &str {
        &self.rpc_url
    }

    /// Its log file.
    pub fn log(&self) -> &Path {
        &self.cfg.log
    }

    /// Wait until it answers `eth_chainId` and has written its keys, for at most `within`.
    ///
    /// # Errors
    /// [`DevnetError::AnvilExited`] with its log when it exits first,
    /// [`DevnetError::AnvilTimeout`], [`DevnetError::AnvilConfig`] when its key file is
    /// unreadable or has fewer keys than asked for.
    pub async fn wait_ready(&mut self, within: Duration) -> Result<AnvilReady, DevnetError> {
        let url = self
            .rpc_url
            .parse()
            .map_err(|_| DevnetError::Url(self.rpc_url.clone()))?;
        let reader = ProviderBuilder::new().connect_http(url);
        let until = Instant::now() + within;
        let chain_id = loop {
            if let Ok(id) = reader.get_chain_id().await
                && self.cfg.config_out.is_file()
            {
                break id;
            }
            if let Some(status) = self.child.try_wait()? {
                return Err(DevnetError::AnvilExited {
                    status: status.to_string(),
                    log: std::fs::read_to_string(&self.cfg.log)
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                });
            }
            if Instant::now() > until {
                return Err(DevnetError::AnvilTimeout {
                    url: self.rpc_url.clone(),
                    within,
                    log: self.cfg.log.clone(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let bad = |why: String| DevnetError::AnvilConfig {
            path: self.cfg.config_out.clone(),
            why,
        };
        let text = std::fs::read_to_string(&self.cfg.config_out)?;
        let cfg: ConfigOut = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let keys = cfg
            .private_keys
            .iter()
            .map(|k| k.parse::<PrivateKeySigner>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        if keys.len() < self.cfg.accounts {
            return Err(bad(format!(
                "{} keys, {} asked for",
                keys.len(),
                self.cfg.accounts
            )));
        }
        Ok(AnvilReady { chain_id, keys })
    }
}
