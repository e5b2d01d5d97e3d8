//! The worker's chain connection: `aos_chain::provider_for`, whose nonces are read from the
//! node before every transaction. With alloy's default cached nonce manager a transaction
//! that fails gas estimation — every lost claim race (`TaskMarketWrongStatus`) does — still
//! consumed a cached nonce, and the next one waited behind the gap for ever (measured here
//! on anvil: workers hung in `Claiming`).

use alloy::providers::DynProvider;
use alloy::signers::local::PrivateKeySigner;
use aos_chain::{AosContracts, Deployments};

/// A bad RPC URL (not a chain-call failure: those are `aos_chain::ChainError`).
#[derive(Debug, thiserror::Error)]
#[error("bad RPC URL {url:?}")]
pub struct BadUrl {
    /// The URL given.
    pub url: String,
    /// Why it was refused.
    #[source]
    pub source: aos_chain::DevnetError,
}

impl BadUrl {
    /// Always `false`: the same URL is refused again.
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// An HTTP provider signing with `signer`, with gas estimation, per-transaction nonces and
/// the chain id filled in.
///
/// # Errors
/// [`BadUrl`].
pub fn provider(rpc_url: &str, signer: PrivateKeySigner) -> Result<DynProvider, BadUrl> {
    aos_chain::provider_for(rpc_url, signer).map_err(|source| BadUrl {
        url: rpc_url.to_owned(),
        source,
    })
}

/// [`AosContracts`] over [`provider`].
///
/// # Errors
/// [`BadUrl`].
pub fn contracts(
    rpc_url: &str,
    signer: PrivateKeySigner,
    deployments: Deployments,
) -> Result<AosContracts, BadUrl> {
    Ok(AosContracts::new(provider(rpc_url, signer)?, deployments))
}
