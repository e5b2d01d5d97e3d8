//! `KarmaRegistry`'s parameters, read from the chain.
//!
//! The mirror stores karma records as `KarmaRegistry` emits them (the `KarmaRecorded`
//! event carries the whole stored record, so no update rule is re-applied here); what it
//! needs besides is the decay half-life to serve scores decayed to now, and it reads it
//! from the contract (an immutable constructor parameter, also in the `KarmaParametersSet`
//! event) rather than assuming one: if the call keeps failing the indexer does not start
//! its API.

use std::time::Duration;

use alloy::{primitives::Address, providers::Provider};
use aos_chain::karma_registry::KarmaRegistry;
use backon::{ExponentialBuilder, Retryable};

/// `KarmaRegistry`'s immutable parameters (`alpha()`, `halfLife()`, `attenuation()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KarmaParameters {
    /// EMA learning rate, WAD (1e18 = 1.0; white paper §5.3: 0.1).
    pub alpha_wad: u64,
    /// Decay half-life in seconds (0 = no decay).
    pub half_life_s: u64,
    /// Attenuation per delegation level, WAD.
    pub attenuation_wad: u64,
}

/// Why the parameters could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KarmaParametersError {
    /// The view call failed (after retries).
    #[error("calling KarmaRegistry.{what}() at {address}")]
    Call {
        /// Which getter.
        what: &'static str,
        /// The registry.
        address: Address,
        /// The contract call's error.
        #[source]
        source: alloy::contract::Error,
    },
    /// A value does not fit the type the rule uses (the contract bounds them: not this
    /// contract?).
    #[error("KarmaRegistry.{what}() at {address} is out of range")]
    OutOfRange {
        /// Which getter.
        what: &'static str,
        /// The registry.
        address: Address,
    },
}

impl KarmaParametersError {
    /// Whether trying again later can succeed (the RPC failed, not the contract).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Call { source, .. } if matches!(source, alloy::contract::Error::TransportError(_)))
    }
}

impl KarmaParameters {
    /// Read the parameters of the `KarmaRegistry` at `address`, each call retried with
    /// backoff (5 attempts, from 200 ms).
    ///
    /// # Errors
    /// [`KarmaParametersError`].
    pub async fn read<P: Provider + Clone>(
        provider: &P,
        address: Address,
    ) -> Result<Self, KarmaParametersError> {
        let k = KarmaRegistry::new(address, provider.clone());
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_times(4);
        let call = |what: &'static str| {
            let k = k.clone();
            let f = move || {
                let k = k.clone();
                async move {
                    let v = match what {
                        "alpha" => k.alpha().call().await,
                        "halfLife" => k.halfLife().call().await,
                        _ => k.attenuation().call().await,
                    };
                    v.map_err(|source| KarmaParametersError::Call {
                        what,
                        address,
                        source,
                    })
                }
            };
            async move {
                let v = f
                    .retry(backoff)
                    .notify(|e, after| tracing::warn!(error = %e, ?after, "retrying"))
                    .await?;
                u64::try_from(v).map_err(|_| KarmaParametersError::OutOfRange { what, address })
            }
        };
        Ok(Self {
            alpha_wad: call("alpha").await?,
            half_life_s: call("halfLife").await?,
            attenuation_wad: call("attenuation").await?,
        })
    }
}
