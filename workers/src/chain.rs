//! The worker's chain connection.
//!
//! Nonces are read from the node before every transaction (`SimpleNonceManager`), not
//! cached: with alloy's default cached nonce manager a transaction that fails gas
//! estimation — every lost claim race (`TaskMarketWrongStatus`) does — still consumes a
//! cached nonce, the next transaction then carries a nonce gap, sits in the node's queue
//! and its receipt never arrives (measured here on anvil: workers hung in `Claiming`).
//! A worker sends one transaction at a time per account, so reading the pending nonce
//! each time is both correct and cheap.

use alloy::network::EthereumWallet;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use aos_chain::{AosContracts, Deployments};

/// A bad RPC URL.
#[derive(Debug, thiserror::Error)]
#[error("bad RPC URL {0:?}")]
pub struct BadUrl(pub String);

/// An HTTP provider signing with `signer`, with gas estimation, per-transaction nonces and
/// the chain id filled in.
///
/// # Errors
/// [`BadUrl`].
pub fn provider(rpc_url: &str, signer: PrivateKeySigner) -> Result<DynProvider, BadUrl> {
    let url = rpc_url.parse().map_err(|_| BadUrl(rpc_url.to_owned()))?;
    Ok(ProviderBuilder::new()
        .disable_recommended_fillers()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url)
        .erased())
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
