//! Prometheus metrics of one indexer (its own registry, so several indexers can live in a
//! process, as in the tests).

use prometheus::{
    Encoder, Gauge, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The indexer's metrics. Cheap to clone (handles).
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    /// Last block mirrored (`aos_indexer_last_block`).
    pub last_block: IntGauge,
    /// Chain head minus confirmations (`aos_indexer_head_block`).
    pub head_block: IntGauge,
    /// `head − last` in blocks (`aos_indexer_lag_blocks`).
    pub lag_blocks: IntGauge,
    /// Events written (`aos_indexer_events_total`).
    pub events: IntCounter,
    /// Events per second over the last batch (`aos_indexer_events_per_second`).
    pub events_per_second: Gauge,
    /// Logs skipped, by reason (`aos_indexer_skipped_logs_total{reason}`).
    pub skipped: IntCounterVec,
    /// Reorgs handled (`aos_indexer_reorgs_total`).
    pub reorgs: IntCounter,
    /// RPC requests by method (`aos_indexer_rpc_requests_total{method}`).
    pub rpc_requests: IntCounterVec,
    /// RPC retries by method (`aos_indexer_rpc_retries_total{method}`).
    pub rpc_retries: IntCounterVec,
    /// Current `eth_getLogs` range in blocks (`aos_indexer_log_range_blocks`).
    pub range: IntGauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Fresh metrics in a new registry.
    ///
    /// # Panics
    /// Never in practice: the names are static and distinct.
    pub fn new() -> Self {
        let registry = Registry::new();
        let g = |n: &str, h: &str| {
            let m = IntGauge::new(n, h).expect("valid metric");
            registry
                .register(Box::new(m.clone()))
                .expect("unique metric");
            m
        };
        let cv = |n: &str, h: &str, l: &str| {
            let m = IntCounterVec::new(Opts::new(n, h), &[l]).expect("valid metric");
            registry
                .register(Box::new(m.clone()))
                .expect("unique metric");
            m
        };
        let c = |n: &str, h: &str| {
            let m = IntCounter::new(n, h).expect("valid metric");
            registry
                .register(Box::new(m.clone()))
                .expect("unique metric");
            m
        };
        let eps = Gauge::new(
            "aos_indexer_events_per_second",
            "Events per second over the last batch",
        )
        .expect("valid metric");
        registry
            .register(Box::new(eps.clone()))
            .expect("unique metric");
        Self {
            last_block: g("aos_indexer_last_block", "Last block mirrored"),
            head_block: g("aos_indexer_head_block", "Chain head minus confirmations"),
            lag_blocks: g(
                "aos_indexer_lag_blocks",
                "Blocks between the head and the last mirrored block",
            ),
            events: c("aos_indexer_events_total", "Events written"),
            events_per_second: eps,
            skipped: cv(
                "aos_indexer_skipped_logs_total",
                "Logs skipped (unknown topic, malformed data)",
                "reason",
            ),
            reorgs: c("aos_indexer_reorgs_total", "Reorgs rolled back"),
            rpc_requests: cv(
                "aos_indexer_rpc_requests_total",
                "RPC requests sent",
                "method",
            ),
            rpc_retries: cv(
                "aos_indexer_rpc_retries_total",
                "RPC requests retried",
                "method",
            ),
            range: g(
                "aos_indexer_log_range_blocks",
                "Current eth_getLogs range in blocks",
            ),
            registry,
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }

    /// Total skipped logs (all reasons).
    pub fn skipped_total(&self) -> u64 {
        ["unknown_address", "unknown_topic", "malformed"]
            .iter()
            .map(|r| self.skipped.with_label_values(&[r]).get())
            .sum()
    }
}
