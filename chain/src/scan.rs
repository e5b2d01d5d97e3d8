//! The one adaptive `eth_getLogs` scanner: block ranges that shrink when the provider
//! refuses them (range caps, "too many results", timeouts) and grow back after successes,
//! with retries and exponential backoff (`backon`) on transient failures.
//!
//! Public RPCs cap a query's block range or result count (geth/Infura 10,000 results,
//! Alchemy's response size, QuickNode/Ankr block ranges); a scan from the deployment block
//! to the head is cut into ranges of [`LogScanner::range`] blocks. Scans start at the
//! deployment's `startBlock` (see [`crate::AosContracts::scan_logs`]), never at block 0.
//!
//! The indexer keeps its own scanner (`indexer/src/sync.rs`): it sizes ranges by events per
//! range, fetches reorg-window headers with each range and exports metrics; it shares this
//! module's recognition of range-cap errors ([`is_range_error`], [`suggested_range_end`]).

use std::{
    sync::atomic::{AtomicU32, AtomicU64, Ordering},
    time::Duration,
};

use alloy::{
    providers::{DynProvider, Provider},
    rpc::types::{Filter, Log},
    transports::{RpcError, TransportError, TransportErrorKind},
};
use backon::{ExponentialBuilder, Retryable};

/// Substrings of the range-cap errors of common providers (lower-cased):
/// geth/Infura "query returned more than 10000 results", Alchemy "Log response size
/// exceeded", "block range", QuickNode/Ankr/BSC "exceed maximum block range", erigon
/// "limit exceeded", Cloudflare/others "too many", HTTP 413 bodies. Providers say this only
/// in prose, so the message is all there is to match.
const RANGE_PATTERNS: &[&str] = &[
    "query returned more than",
    "response size exceeded",
    "log response size",
    "block range",
    "range too large",
    "range is too large",
    "too large",
    "exceed maximum block range",
    "max block range",
    "maximum block range",
    "limit exceeded",
    "too many results",
    "too many logs",
    "more than 10000",
    "response is too big",
    "query timeout exceeded",
    "range limit",
    "exceeds the range",
    "is limited to",
];

/// Whether `message` is a provider's "range too large" answer to `eth_getLogs`.
pub fn is_range_error(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    RANGE_PATTERNS.iter().any(|p| m.contains(p))
}

/// The end block of a range the provider suggests, as in Infura's
/// "Try with this block range [0x1, 0x2]" or Alchemy's "this block range should work:
/// [0x1, 0x2]".
pub fn suggested_range_end(message: &str) -> Option<u64> {
    let open = message.find('[')?;
    let close = open + message[open..].find(']')?;
    let inner = &message[open + 1..close];
    let end = inner.split(',').nth(1)?.trim();
    let hex = end.strip_prefix("0x")?;
    u64::from_str_radix(hex, 16).ok()
}

/// A log scan failed.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The provider refused even the smallest range (`min_range` blocks).
    #[error("eth_getLogs for blocks {from}..={to} refused even at the smallest range: {source}")]
    RangeTooLarge {
        /// First block of the refused range.
        from: u64,
        /// Last block of the refused range.
        to: u64,
        /// The provider's answer.
        #[source]
        source: Box<TransportError>,
    },
    /// The smallest range did not answer in time, after the retries.
    #[error("eth_getLogs for blocks {from}..={to} timed out after {timeout:?}")]
    Timeout {
        /// First block.
        from: u64,
        /// Last block.
        to: u64,
        /// The per-request timeout.
        timeout: Duration,
    },
    /// Another RPC failure (after the retries, when it was transient).
    #[error("{method} failed (blocks {from}..={to}): {source}")]
    Rpc {
        /// JSON-RPC method (`eth_getLogs`, `eth_blockNumber`).
        method: &'static str,
        /// First block.
        from: u64,
        /// Last block.
        to: u64,
        /// The transport or JSON-RPC error.
        #[source]
        source: Box<TransportError>,
    },
}

impl ScanError {
    /// Whether scanning again later may succeed (a node that is down, rate limits, timeouts,
    /// ranges refused now): everything but a request the node will always refuse.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RangeTooLarge { .. } | Self::Timeout { .. } => true,
            Self::Rpc { source, .. } => is_transient(source),
        }
    }
}

/// Transport trouble, rate limits, 5xx and generic server errors; not "method not found"
/// or "invalid request".
fn is_transient(e: &TransportError) -> bool {
    match e {
        // -32600 invalid request, -32601 method not found, -32602 invalid params
        RpcError::ErrorResp(p) => !matches!(p.code, -32602..=-32600),
        RpcError::Transport(TransportErrorKind::HttpError(h)) => {
            h.status == 429 || h.status == 408 || h.status >= 500
        }
        RpcError::Transport(_) | RpcError::NullResp => true,
        _ => false,
    }
}

/// The provider's "range too large" answer, if `e` is one (with the end block it suggests).
fn range_refusal(e: &TransportError) -> Option<Option<u64>> {
    match e {
        RpcError::ErrorResp(p) if is_range_error(&p.message) || p.code == -32005 => {
            Some(suggested_range_end(&p.message))
        }
        RpcError::Transport(TransportErrorKind::HttpError(h))
            if h.status == 413 || is_range_error(&h.body) =>
        {
            Some(suggested_range_end(&h.body))
        }
        _ => None,
    }
}

/// One attempt's failure, before classification into [`ScanError`].
enum Attempt {
    Refused(TransportError, Option<u64>),
    Timeout,
    Rpc(TransportError),
}

/// The adaptive `eth_getLogs` scanner. Cheap to share (`&self` methods, atomics inside);
/// the range it learnt carries over from one call to the next.
///
/// Defaults: first range 2,000 blocks, between 1 and 10,000; double after 2 successes in a
/// row; 20 s per request; 4 retries of transient failures, backoff from 200 ms to 5 s.
#[derive(Debug)]
#[must_use]
pub struct LogScanner {
    provider: DynProvider,
    range: AtomicU64,
    successes: AtomicU32,
    min_range: u64,
    max_range: u64,
    grow_after: u32,
    timeout: Duration,
    backoff: ExponentialBuilder,
}

impl LogScanner {
    /// A scanner over `provider` with the defaults above.
    pub fn new(provider: DynProvider) -> Self {
        Self {
            provider,
            range: AtomicU64::new(2_000),
            successes: AtomicU32::new(0),
            min_range: 1,
            max_range: 10_000,
            grow_after: 2,
            timeout: Duration::from_secs(20),
            backoff: ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(200))
                .with_max_delay(Duration::from_secs(5))
                .with_max_times(4)
                .with_jitter(),
        }
    }

    /// First range in blocks (clamped to the bounds when scanning).
    pub fn with_range(self, blocks: u64) -> Self {
        self.range.store(blocks.max(1), Ordering::Relaxed);
        self
    }

    /// Smallest and largest range in blocks (`min` at least 1, `max` at least `min`).
    pub fn with_range_bounds(mut self, min: u64, max: u64) -> Self {
        self.min_range = min.max(1);
        self.max_range = max.max(self.min_range);
        self
    }

    /// Successes in a row after which the range doubles (at least 1).
    pub fn with_grow_after(mut self, successes: u32) -> Self {
        self.grow_after = successes.max(1);
        self
    }

    /// Per-request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retry policy for transient failures (backoff delays and how many times).
    pub fn with_backoff(mut self, backoff: ExponentialBuilder) -> Self {
        self.backoff = backoff;
        self
    }

    /// The range the next query will ask for, in blocks.
    pub fn range(&self) -> u64 {
        self.range
            .load(Ordering::Relaxed)
            .clamp(self.min_range, self.max_range)
    }

    /// The provider.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    fn shrink(&self, from: u64, suggested_to: Option<u64>) {
        let old = self.range();
        let new = suggested_to
            .filter(|&to| to >= from && to - from + 1 < old)
            .map_or(old / 2, |to| to - from + 1)
            .max(self.min_range);
        self.range.store(new, Ordering::Relaxed);
        self.successes.store(0, Ordering::Relaxed);
        tracing::debug!(old, new, "eth_getLogs range shrunk");
    }

    fn succeeded(&self) {
        let n = self.successes.fetch_add(1, Ordering::Relaxed) + 1;
        if n >= self.grow_after {
            self.successes.store(0, Ordering::Relaxed);
            let new = self.range().saturating_mul(2).min(self.max_range);
            self.range.store(new, Ordering::Relaxed);
        }
    }

    async fn attempt(&self, filter: &Filter, from: u64, to: u64) -> Result<Vec<Log>, Attempt> {
        let f = filter.clone().from_block(from).to_block(to);
        match tokio::time::timeout(self.timeout, self.provider.get_logs(&f)).await {
            Ok(Ok(logs)) => Ok(logs),
            Ok(Err(e)) => match range_refusal(&e) {
                Some(suggested) => Err(Attempt::Refused(e, suggested)),
                None => Err(Attempt::Rpc(e)),
            },
            Err(_) => Err(Attempt::Timeout),
        }
    }

    /// Logs matching `filter` in one range starting at `from` and ending at most at `to`:
    /// returns the range's last block and its logs. The range adapts: a refusal or a
    /// timeout shrinks it (without waiting) down to the smallest range; transient failures
    /// are retried with backoff; successes grow it.
    ///
    /// # Errors
    /// [`ScanError`] once the smallest range is refused or times out, or a failure outlasts
    /// the retries.
    pub async fn chunk(
        &self,
        filter: &Filter,
        from: u64,
        to: u64,
    ) -> Result<(u64, Vec<Log>), ScanError> {
        loop {
            let end = from.saturating_add(self.range() - 1).min(to);
            let r = (|| self.attempt(filter, from, end))
                .retry(self.backoff)
                .when(|e| matches!(e, Attempt::Rpc(e) if is_transient(e)))
                .notify(|e, wait| {
                    if let Attempt::Rpc(e) = e {
                        tracing::debug!(%e, ?wait, "eth_getLogs failed; retrying");
                    }
                })
                .await;
            let at_min = end - from < self.min_range;
            match r {
                Ok(logs) => {
                    self.succeeded();
                    return Ok((end, logs));
                }
                Err(Attempt::Refused(e, suggested)) if !at_min => {
                    tracing::debug!(%e, from, end, "eth_getLogs range refused");
                    self.shrink(from, suggested);
                }
                Err(Attempt::Timeout) if !at_min => self.shrink(from, None),
                Err(Attempt::Refused(e, _)) => {
                    return Err(ScanError::RangeTooLarge {
                        from,
                        to: end,
                        source: Box::new(e),
                    });
                }
                Err(Attempt::Timeout) => {
                    return Err(ScanError::Timeout {
                        from,
                        to: end,
                        timeout: self.timeout,
                    });
                }
                Err(Attempt::Rpc(e)) => {
                    return Err(ScanError::Rpc {
                        method: "eth_getLogs",
                        from,
                        to: end,
                        source: Box::new(e),
                    });
                }
            }
        }
    }

    /// All logs matching `filter` in blocks `from..=to`, in order.
    ///
    /// # Errors
    /// As [`LogScanner::chunk`].
    pub async fn scan(&self, filter: &Filter, from: u64, to: u64) -> Result<Vec<Log>, ScanError> {
        let mut out = Vec::new();
        let mut start = from;
        while start <= to {
            let (end, logs) = self.chunk(filter, start, to).await?;
            out.extend(logs);
            match end.checked_add(1) {
                Some(next) => start = next,
                None => break,
            }
        }
        Ok(out)
    }

    /// All logs matching `filter` from block `from` to the latest block.
    ///
    /// # Errors
    /// As [`LogScanner::chunk`]; [`ScanError::Rpc`] when the head cannot be read.
    pub async fn scan_to_head(&self, filter: &Filter, from: u64) -> Result<Vec<Log>, ScanError> {
        let head = self.head(from).await?;
        self.scan(filter, from, head).await
    }

    /// The latest block number, with the same retries.
    ///
    /// # Errors
    /// [`ScanError::Rpc`] (`eth_blockNumber`); `from` only labels the error.
    pub async fn head(&self, from: u64) -> Result<u64, ScanError> {
        (|| async { self.provider.get_block_number().await })
            .retry(self.backoff)
            .when(is_transient)
            .await
            .map_err(|e| ScanError::Rpc {
                method: "eth_blockNumber",
                from,
                to: from,
                source: Box::new(e),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_range_errors_and_suggestions() {
        assert!(is_range_error("query returned more than 10000 results"));
        assert!(is_range_error(
            "Log response size exceeded. this block range should work"
        ));
        assert!(!is_range_error("execution reverted"));
        assert_eq!(
            suggested_range_end("Try with this block range [0x1, 0x2f]"),
            Some(0x2f)
        );
        assert_eq!(suggested_range_end("no range here"), None);
    }
}
