//! JSON-RPC access with a per-request timeout, retries with exponential backoff (`backon`)
//! on transient failures (transport errors, HTTP 429 and 5xx, timeouts, generic JSON-RPC
//! server errors), and recognition of the "range too large / too many results" errors that
//! providers return for `eth_getLogs` ([`RpcError::RangeTooLarge`]), which the caller
//! answers by shrinking its block range instead of retrying.

use std::{future::IntoFuture, time::Duration};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256},
    providers::{Provider, RootProvider},
    rpc::types::{Filter, Log},
    transports::{RpcError as AlloyRpcError, TransportErrorKind},
};
use backon::{ExponentialBuilder, Retryable};

use crate::{decode::RawLog, metrics::Metrics, store::BlockRow};

/// An RPC failure, classified.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RpcError {
    /// The provider refused the `eth_getLogs` range (too many results, range cap, response
    /// too large). `suggested_to` is the end block the provider proposed, if it did.
    #[error("eth_getLogs range too large: {message}")]
    RangeTooLarge {
        /// The provider's message.
        message: String,
        /// End block suggested by the provider (Infura, Alchemy), if any.
        suggested_to: Option<u64>,
    },
    /// The request did not answer within the timeout.
    #[error("{method} timed out after {timeout:?}")]
    Timeout {
        /// JSON-RPC method.
        method: &'static str,
        /// The per-request timeout.
        timeout: Duration,
    },
    /// A failure that may go away (429, 5xx, connection, generic server error).
    #[error("{method}: transient RPC error: {message}")]
    Transient {
        /// JSON-RPC method.
        method: &'static str,
        /// Description.
        message: String,
    },
    /// A failure retrying will not fix (bad request, method missing).
    #[error("{method}: RPC error: {message}")]
    Fatal {
        /// JSON-RPC method.
        method: &'static str,
        /// Description.
        message: String,
    },
    /// The node answered something impossible (missing block, log without a hash).
    #[error("inconsistent RPC answer: {0}")]
    Inconsistent(String),
}

impl RpcError {
    /// Whether trying again (possibly with a smaller range) can succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, Self::Fatal { .. })
    }
}

/// The providers' "range too large" answers are recognised by aos-chain's scanner module, so
/// the indexer and every other log scan agree on them.
pub use aos_chain::{is_range_error, suggested_range_end};

fn classify(method: &'static str, e: AlloyRpcError<TransportErrorKind>) -> RpcError {
    let transient = |message: String| RpcError::Transient { method, message };
    match &e {
        AlloyRpcError::ErrorResp(p) => {
            let msg = format!("{} (code {})", p.message, p.code);
            if method == "eth_getLogs" && is_range_error(&p.message) {
                return RpcError::RangeTooLarge {
                    suggested_to: suggested_range_end(&p.message),
                    message: msg,
                };
            }
            match p.code {
                -32601 | -32600 => RpcError::Fatal {
                    method,
                    message: msg,
                },
                _ => transient(msg),
            }
        }
        AlloyRpcError::Transport(TransportErrorKind::HttpError(h))
        | AlloyRpcError::Transport(TransportErrorKind::HttpErrorWithRetryAfter {
            error: h, ..
        }) => {
            let msg = format!(
                "HTTP {}: {}",
                h.status,
                h.body.chars().take(200).collect::<String>()
            );
            if method == "eth_getLogs" && (h.status == 413 || is_range_error(&h.body)) {
                RpcError::RangeTooLarge {
                    suggested_to: suggested_range_end(&h.body),
                    message: msg,
                }
            } else if h.status == 429 || h.status >= 500 || h.status == 408 {
                transient(msg)
            } else {
                RpcError::Fatal {
                    method,
                    message: msg,
                }
            }
        }
        _ => transient(e.to_string()),
    }
}

/// Tuning of the RPC client.
#[derive(Debug, Clone)]
pub struct RpcConfig {
    /// Per-request timeout (a hung request is abandoned and retried).
    pub timeout: Duration,
    /// Attempts per request, the first included.
    pub max_attempts: usize,
    /// First backoff delay; doubles per attempt (with jitter) up to `max_backoff`.
    pub min_backoff: Duration,
    /// Largest backoff delay.
    pub max_backoff: Duration,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_attempts: 8,
            min_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// A JSON-RPC client for the indexer (HTTP).
#[derive(Debug, Clone)]
pub struct Rpc {
    provider: RootProvider,
    cfg: RpcConfig,
    metrics: Metrics,
}

impl Rpc {
    /// A client for `url` (`http://…` or `https://…`).
    ///
    /// # Errors
    /// [`RpcError::Fatal`] for a malformed URL.
    pub fn new(url: &str, cfg: RpcConfig, metrics: Metrics) -> Result<Self, RpcError> {
        let u = url.parse().map_err(|e| RpcError::Fatal {
            method: "connect",
            message: format!("bad RPC URL {url:?}: {e}"),
        })?;
        Ok(Self {
            provider: RootProvider::new_http(u),
            cfg,
            metrics,
        })
    }

    /// The underlying provider.
    pub fn provider(&self) -> &RootProvider {
        &self.provider
    }

    async fn once<T, F, Fut>(&self, method: &'static str, f: &F) -> Result<T, RpcError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, AlloyRpcError<TransportErrorKind>>>,
    {
        self.metrics.rpc_requests.with_label_values(&[method]).inc();
        match tokio::time::timeout(self.cfg.timeout, f()).await {
            Err(_) => Err(RpcError::Timeout {
                method,
                timeout: self.cfg.timeout,
            }),
            Ok(r) => r.map_err(|e| classify(method, e)),
        }
    }

    /// Call `f` with timeout and retries; range errors are returned at once when
    /// `range_errors_final` (so the caller can shrink).
    async fn call<T, F, Fut>(
        &self,
        method: &'static str,
        range_errors_final: bool,
        f: F,
    ) -> Result<T, RpcError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, AlloyRpcError<TransportErrorKind>>>,
    {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.cfg.min_backoff)
            .with_max_delay(self.cfg.max_backoff)
            .with_max_times(self.cfg.max_attempts.saturating_sub(1))
            .with_jitter();
        (|| self.once(method, &f))
            .retry(backoff)
            .when(|e: &RpcError| match e {
                RpcError::RangeTooLarge { .. } | RpcError::Timeout { .. } if range_errors_final => {
                    false
                }
                e => e.is_retryable(),
            })
            .notify(|e: &RpcError, d: Duration| {
                self.metrics.rpc_retries.with_label_values(&[method]).inc();
                tracing::warn!(%e, delay_ms = d.as_millis() as u64, "RPC call failed, retrying");
            })
            .await
    }

    /// `eth_chainId`.
    ///
    /// # Errors
    /// [`RpcError`] after retries.
    pub async fn chain_id(&self) -> Result<u64, RpcError> {
        self.call("eth_chainId", false, || self.provider.get_chain_id())
            .await
    }

    /// `eth_blockNumber`.
    ///
    /// # Errors
    /// [`RpcError`] after retries.
    pub async fn block_number(&self) -> Result<u64, RpcError> {
        self.call("eth_blockNumber", false, || {
            self.provider.get_block_number()
        })
        .await
    }

    /// The header of block `n`, `None` if the chain is shorter.
    ///
    /// # Errors
    /// [`RpcError`] after retries.
    pub async fn header(&self, n: u64) -> Result<Option<BlockRow>, RpcError> {
        let b = self
            .call("eth_getBlockByNumber", false, || {
                self.provider
                    .get_block_by_number(BlockNumberOrTag::Number(n))
                    .into_future()
            })
            .await?;
        Ok(b.map(|b| BlockRow {
            number: b.header.number,
            hash: b.header.hash,
            parent_hash: b.header.parent_hash,
            timestamp: b.header.timestamp,
        }))
    }

    /// `eth_getLogs` over `[from, to]` for `addresses`, in chain order. Range-cap errors and
    /// timeouts come back at once (shrink the range); other failures are retried.
    ///
    /// # Errors
    /// [`RpcError::RangeTooLarge`], [`RpcError::Timeout`], others after retries;
    /// [`RpcError::Inconsistent`] for a pending log (no block hash).
    pub async fn logs(
        &self,
        from: u64,
        to: u64,
        addresses: &[Address],
    ) -> Result<Vec<RawLog>, RpcError> {
        let filter = Filter::new()
            .from_block(from)
            .to_block(to)
            .address(addresses.to_vec());
        let logs: Vec<Log> = self
            .call("eth_getLogs", true, || self.provider.get_logs(&filter))
            .await?;
        logs.into_iter()
            .map(|l| {
                let missing = |what: &str| {
                    RpcError::Inconsistent(format!("log without {what} in [{from}, {to}]"))
                };
                Ok(RawLog {
                    block_number: l.block_number.ok_or_else(|| missing("blockNumber"))?,
                    block_hash: l.block_hash.ok_or_else(|| missing("blockHash"))?,
                    block_timestamp: l.block_timestamp,
                    log_index: l.log_index.ok_or_else(|| missing("logIndex"))?,
                    tx_hash: l.transaction_hash.unwrap_or(B256::ZERO),
                    address: l.inner.address,
                    topics: l.inner.data.topics().to_vec(),
                    data: l.inner.data.data.clone(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_providers_range_errors() {
        for m in [
            "query returned more than 10000 results. Try with this block range [0x1, 0x2].",
            "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range",
            "exceed maximum block range: 5000",
            "block range is too wide",
            "eth_getLogs is limited to a 10,000 range",
            "query exceeds max block range 100000",
            "limit exceeded",
        ] {
            assert!(is_range_error(m), "{m}");
        }
        assert!(!is_range_error("header not found"));
        assert!(!is_range_error("internal error"));
        assert_eq!(
            suggested_range_end("Try with this block range [0x10, 0x1f]."),
            Some(0x1f)
        );
        assert_eq!(suggested_range_end("no suggestion"), None);
    }
}
