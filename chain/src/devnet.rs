//! A real local chain for tests and the devnet: anvil (the binary the repo's npm toolchain
//! installs) plus the contracts deployed by the real deploy script (`script/Deploy.s.sol`
//! through `forge script`), so tests exercise exactly what users deploy.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
};

use alloy::{
    network::EthereumWallet,
    node_bindings::{Anvil, AnvilInstance},
    primitives::Address,
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};

use crate::{AosContracts, Deployments, DeploymentsError};

/// anvil's default mnemonic: its accounts 0..9 are funded with 10,000 ETH each.
pub const ANVIL_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// Starting the devnet failed.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// anvil or forge is missing; run `script/setup.sh`.
    #[error("{tool} not found at {path} (run script/setup.sh, or set AOS_ROOT to the repository)")]
    ToolMissing {
        /// `anvil` or `forge`.
        tool: &'static str,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// anvil did not start.
    #[error("anvil did not start: {0}")]
    Anvil(String),
    /// The deploy script failed; `output` is forge's output.
    #[error("forge script Deploy.s.sol failed: {output}")]
    Deploy {
        /// forge's stdout + stderr.
        output: String,
    },
    /// Running forge failed.
    #[error("cannot run forge: {0}")]
    Io(#[from] std::io::Error),
    /// The deployments file is unreadable.
    #[error(transparent)]
    Deployments(#[from] DeploymentsError),
    /// A bad RPC URL.
    #[error("bad RPC URL {0}")]
    Url(String),
}

/// anvil with AOS deployed. Dropping it kills anvil.
#[derive(Debug)]
pub struct Devnet {
    anvil: AnvilInstance,
    /// Where the contracts are.
    pub deployments: Deployments,
    deployments_path: PathBuf,
}

/// The repository root: `$AOS_ROOT`, else the workspace this crate was built in.
fn repo_root() -> PathBuf {
    std::env::var_os("AOS_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
}

fn tool(root: &Path, name: &'static str) -> Result<PathBuf, DevnetError> {
    let path = root.join(format!(
        "node_modules/@foundry-rs/{name}-linux-amd64/bin/{name}"
    ));
    if path.is_file() {
        Ok(path)
    } else {
        Err(DevnetError::ToolMissing { tool: name, path })
    }
}

/// Serialises `forge script` runs within a process (they share forge's cache and broadcast
/// folders).
static DEPLOY_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl Devnet {
    /// Start anvil on a free loopback port and deploy with `forge script`.
    ///
    /// # Errors
    /// [`DevnetError`] naming the missing tool or forge's output.
    pub async fn spawn() -> Result<Self, DevnetError> {
        Self::spawn_with_args(&[]).await
    }

    /// Like [`Devnet::spawn`], passing extra anvil arguments (e.g. `--block-time 1`).
    ///
    /// # Errors
    /// See [`Devnet::spawn`].
    pub async fn spawn_with_args(args: &[&str]) -> Result<Self, DevnetError> {
        let root = repo_root();
        let anvil_bin = tool(&root, "anvil")?;
        let forge_bin = tool(&root, "forge")?;
        let anvil = Anvil::at(anvil_bin)
            .mnemonic(ANVIL_MNEMONIC)
            .args(args.iter().copied())
            .try_spawn()
            .map_err(|e| DevnetError::Anvil(e.to_string()))?;
        let out_dir = root.join(".devnet");
        std::fs::create_dir_all(&out_dir)?;
        let deployments_path = out_dir.join(format!("deployments-{}.json", anvil.port()));
        let key = format!("0x{}", alloy::hex::encode(anvil.keys()[0].to_bytes()));
        let _guard = DEPLOY_LOCK.lock().await;
        let output = tokio::process::Command::new(forge_bin)
            .current_dir(&root)
            .args(["script", "script/Deploy.s.sol", "--broadcast", "--rpc-url"])
            .arg(anvil.endpoint())
            .args(["--private-key", &key])
            .env("FOUNDRY_SOLC", root.join("script/solc"))
            .env("AOS_DEPLOYMENTS_OUT", &deployments_path)
            .stdin(Stdio::null())
            .output()
            .await?;
        if !output.status.success() {
            return Err(DevnetError::Deploy {
                output: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            });
        }
        let deployments = Deployments::load(&deployments_path)?;
        Ok(Self {
            anvil,
            deployments,
            deployments_path,
        })
    }

    /// HTTP RPC URL, e.g. `http://localhost:34567`.
    pub fn rpc_url(&self) -> String {
        self.anvil.endpoint()
    }

    /// Path of the deployments JSON of this devnet.
    pub fn deployments_path(&self) -> &Path {
        &self.deployments_path
    }

    /// anvil's funded dev account `i` (0..10) as a signer.
    ///
    /// # Panics
    /// If `i >= 10`.
    pub fn signer(&self, i: usize) -> PrivateKeySigner {
        PrivateKeySigner::from(self.anvil.keys()[i].clone())
    }

    /// Address of dev account `i`.
    ///
    /// # Panics
    /// If `i >= 10`.
    pub fn address(&self, i: usize) -> Address {
        self.anvil.addresses()[i]
    }

    /// A provider that signs with dev account `i`.
    ///
    /// # Panics
    /// If `i >= 10`.
    pub fn provider(&self, i: usize) -> DynProvider {
        provider_for(&self.rpc_url(), self.signer(i)).expect("anvil's endpoint is a valid URL")
    }

    /// [`AosContracts`] signing with dev account `i`.
    ///
    /// # Panics
    /// If `i >= 10`.
    pub fn contracts(&self, i: usize) -> AosContracts {
        AosContracts::new(self.provider(i), self.deployments.clone())
    }
}

/// An HTTP provider at `rpc_url` that signs with `signer`: gas estimation, chain id, and
/// the nonce asked of the node before every transaction. alloy's recommended (cached) nonce
/// manager hands out a nonce even when the transaction then fails at estimation (a lost
/// claim race, any revert), and every later transaction from the account waits behind the
/// gap for ever; asking the node costs one RPC call and never gaps.
///
/// # Errors
/// [`DevnetError::Url`] for a malformed URL.
pub fn provider_for(rpc_url: &str, signer: PrivateKeySigner) -> Result<DynProvider, DevnetError> {
    let url = rpc_url
        .parse()
        .map_err(|_| DevnetError::Url(rpc_url.to_owned()))?;
    Ok(ProviderBuilder::new()
        .disable_recommended_fillers()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url)
        .erased())
}
