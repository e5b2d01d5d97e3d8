//! The deployments JSON written by `script/Deploy.s.sol`.

use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};

/// Addresses of one AOS deployment.
///
/// Shape (camelCase JSON): `{"chainId", "startBlock", "deployer", "owner", "agentRegistry",
/// "karmaRegistry", "randomness", "disputeCourt", "taskMarket"}`. `startBlock` is the block
/// number when deployment began: indexers backfill from there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployments {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// First block that can hold AOS events.
    pub start_block: u64,
    /// Account that deployed.
    pub deployer: Address,
    /// Owner of the market's fee and the court's treasury.
    pub owner: Address,
    /// `AgentRegistry`.
    pub agent_registry: Address,
    /// `KarmaRegistry`.
    pub karma_registry: Address,
    /// `PrevrandaoRandomness` (the court's randomness source).
    pub randomness: Address,
    /// `DisputeCourt`.
    pub dispute_court: Address,
    /// `TaskMarket`.
    pub task_market: Address,
}

/// Reading a deployments file failed.
#[derive(Debug, thiserror::Error)]
pub enum DeploymentsError {
    /// The file could not be read.
    #[error("cannot read deployments file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a deployments JSON.
    #[error("deployments file {path} is malformed: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error (names the missing or bad field).
        source: serde_json::Error,
    },
}

impl Deployments {
    /// Read and parse a deployments JSON.
    ///
    /// # Errors
    /// [`DeploymentsError::Io`] or [`DeploymentsError::Json`], naming the file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, DeploymentsError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| DeploymentsError::Io {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| DeploymentsError::Json {
            path: path.to_owned(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_file_names_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.json");
        std::fs::write(&p, r#"{"chainId": 1}"#).unwrap();
        let e = Deployments::load(&p).unwrap_err().to_string();
        assert!(e.contains("d.json") && e.contains("missing field"), "{e}");
        assert!(Deployments::load(dir.path().join("none.json")).is_err());
    }
}
