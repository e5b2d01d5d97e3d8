//! `<dir>/devnet.json`: what `aos devnet up` started and made, read by `status`, `restart`,
//! `down`, `aos demo` and the end-to-end tests.

use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use aos_chain::Deployments;
use eyre::{Result, WrapErr, eyre};
use serde::{Deserialize, Serialize};

use crate::procs::Proc;

/// One dev account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Account {
    /// `deployer`, `requester`, `worker`, `defector` (a lazy worker), `juror` or `spare`.
    pub(crate) role: String,
    /// anvil account index.
    pub(crate) index: usize,
    /// Address.
    pub(crate) address: Address,
    /// anvil's well-known dev key (hex): development only.
    pub(crate) private_key: String,
    /// Encrypted keystore (password in `password_file`).
    pub(crate) keystore: PathBuf,
    /// Agent key file (workers, jurors; passphrase in `password_file`).
    pub(crate) agent_key: Option<PathBuf>,
    /// Agent id (base58 Ed25519 public key).
    pub(crate) agent_id: Option<String>,
}

/// A running worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WorkerProc {
    /// Its account.
    pub(crate) address: Address,
    /// Its mesh address.
    pub(crate) mesh_addr: String,
    /// Its aos-worker config file.
    pub(crate) config: PathBuf,
    /// Its data folder (SQLite state, blobs).
    pub(crate) data_dir: PathBuf,
    /// Index of its process in `services`.
    pub(crate) proc_index: usize,
}

/// `<dir>/devnet.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DevnetFile {
    /// HTTP RPC URL.
    pub(crate) rpc_url: String,
    /// Chain id.
    pub(crate) chain_id: u64,
    /// anvil.
    pub(crate) anvil: Proc,
    /// Services `up` started (indexer, blob gateway, workers), stopped by `down`.
    pub(crate) services: Vec<Proc>,
    /// The indexer's API base URL.
    #[serde(default)]
    pub(crate) indexer_url: Option<String>,
    /// The blob gateway's base URL (`GET <url>/<0x content id>`).
    #[serde(default)]
    pub(crate) blob_gateway: Option<String>,
    /// The folder the gateway serves: a spec written here as `<0x content id>` is public.
    #[serde(default)]
    pub(crate) blob_dir: Option<PathBuf>,
    /// The web app (`aos web`) when `web/dist` is built: one loopback origin for the app,
    /// the indexer API, the RPC and the blobs.
    #[serde(default)]
    pub(crate) web_url: Option<String>,
    /// The running workers.
    #[serde(default)]
    pub(crate) workers: Vec<WorkerProc>,
    /// Mesh bootstrap addresses (the workers' multiaddrs with `/p2p/<peer id>`).
    #[serde(default)]
    pub(crate) bootstrap: Vec<String>,
    /// The model the workers (and `aos ask`) run.
    #[serde(default)]
    pub(crate) model: Option<PathBuf>,
    /// Deployments JSON.
    pub(crate) deployments_path: PathBuf,
    /// The addresses.
    pub(crate) deployments: Deployments,
    /// Password of the keystores and agent key files.
    pub(crate) password_file: PathBuf,
    /// Config file for `aos --config`.
    pub(crate) config: PathBuf,
    /// Domain the jurors have karma in.
    pub(crate) juror_domain: String,
    /// Dev accounts.
    pub(crate) accounts: Vec<Account>,
}

impl DevnetFile {
    /// Read `<dir>/devnet.json`.
    pub(crate) fn read(dir: &Path) -> Result<Self> {
        let p = dir.join("devnet.json");
        let text = std::fs::read_to_string(&p).map_err(|_| {
            eyre!(
                "no devnet in {} ({} missing): start one with `aos devnet up`",
                dir.display(),
                p.display()
            )
        })?;
        serde_json::from_str(&text).wrap_err_with(|| format!("{} is malformed", p.display()))
    }

    /// Write `<dir>/devnet.json` (to a temporary name, then renamed: a reader never sees a
    /// partial file).
    pub(crate) fn write(&self, dir: &Path) -> Result<()> {
        let p = dir.join("devnet.json");
        let tmp = dir.join(".devnet.json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)
            .wrap_err_with(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &p).wrap_err_with(|| format!("cannot write {}", p.display()))
    }
}

/// `p` made absolute (unchanged when that fails).
pub(crate) fn abs(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_owned())
}
