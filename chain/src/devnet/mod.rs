//! A real local chain for tests and the devnet: anvil (the binary the repo's npm toolchain
//! installs) plus the contracts deployed by the real deploy script (`script/Deploy.s.sol`
//! through `forge script`), so tests exercise exactly what users deploy.
//!
//! The one devnet of the workspace: [`Devnet`] is anvil attached to its owner (tests; it dies
//! with them), [`DetachedAnvil`] is anvil that outlives its starter (`aos devnet up`, which
//! the end-to-end tests drive too); both deploy with [`deploy`] and find the toolchain with
//! [`find_root`] and [`tool`].

mod anvil;
mod deploy;
mod root;

pub use anvil::{AnvilReady, DetachedAnvil, DetachedAnvilConfig};
pub use deploy::deploy;
pub use root::{find_root, is_repo_root, tool};

use std::{
    path::{Path, PathBuf},
    time::Duration,
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
    #[error("anvil did not start")]
    Anvil(#[source] alloy::node_bindings::NodeError),
    /// A binary could not be started (or its log file not created).
    #[error("cannot start {}", bin.display())]
    Spawn {
        /// The binary.
        bin: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A detached anvil exited before it served.
    #[error("anvil exited ({status}) before serving: {log}")]
    AnvilExited {
        /// Its exit status.
        status: String,
        /// Its log.
        log: String,
    },
    /// A detached anvil did not answer in time.
    #[error("anvil did not answer on {url} within {within:?} (log: {})", log.display())]
    AnvilTimeout {
        /// Its RPC URL.
        url: String,
        /// How long it was given.
        within: Duration,
        /// Its log file.
        log: PathBuf,
    },
    /// anvil's `--config-out` file (its keys) is unreadable.
    #[error("anvil's key file {} is unusable: {why}", path.display())]
    AnvilConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// `--root`/`AOS_ROOT` is not the AOS repository.
    #[error("{} holds no script/Deploy.s.sol (not the AOS repository)", .0.display())]
    NotARepo(PathBuf),
    /// No AOS repository around.
    #[error(
        "cannot find the AOS repository (script/Deploy.s.sol): run from inside it or pass --root"
    )]
    RepoNotFound,
    /// The deploy script failed; `output` is forge's output.
    #[error("forge script Deploy.s.sol failed: {output}")]
    Deploy {
        /// forge's stdout + stderr.
        output: String,
    },
    /// Running forge, or a file of the devnet, failed.
    #[error("devnet I/O: {0}")]
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
        let root = root::test_root();
        let anvil_bin = tool(&root, "anvil")?;
        // alloy's default is 10 s to see anvil listening; on a loaded 2-core CI machine the
        // npm-wrapped anvil has taken longer (Anvil(Timeout) in a clean-clone run)
        let anvil = Anvil::at(anvil_bin)
            .timeout(60_000)
            .mnemonic(ANVIL_MNEMONIC)
            .args(args.iter().copied())
            .try_spawn()
            .map_err(DevnetError::Anvil)?;
        let deployments_path = root
            .join(".devnet")
            .join(format!("deployments-{}.json", anvil.port()));
        let deployer = PrivateKeySigner::from(anvil.keys()[0].clone());
        let deployments = deploy(&root, &anvil.endpoint(), &deployer, &deployments_path).await?;
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
