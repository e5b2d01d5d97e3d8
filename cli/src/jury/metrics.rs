//! The juror agent's Prometheus metrics (text format at `GET /metrics` on
//! `--metrics-listen`), with the `prometheus` crate the indexer uses.
//!
//! | metric | type | meaning |
//! |---|---|---|
//! | `aos_juror_seats{state}` | gauge | seats in the store by state (`noticed` … `settled`) |
//! | `aos_juror_votes_total` | counter | commitments this agent sent |
//! | `aos_juror_reveals_total` | counter | reveals this agent sent |
//! | `aos_juror_refused_seats_total` | counter | seats refused (interested, not a market task) |
//! | `aos_juror_missed_deadlines_total` | counter | seats settled `Absent` (a commit or reveal missed) |
//! | `aos_juror_fee_rewards_wei_total` | counter | arbitration fees earned, wei |
//! | `aos_juror_stake_rewards_total` | counter | other jurors' penalties earned, stake units |
//! | `aos_juror_seat_to_commit_seconds` | histogram | seat noticed → commit transaction mined |
//! | `aos_juror_judge_seconds` | histogram | the evaluator's time on one seat |

use std::net::SocketAddr;

use alloy::primitives::U256;
use eyre::{Result, WrapErr};
use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntGaugeVec, Opts, Registry, TextEncoder,
};

use super::store::SeatRow;

/// The registry and its metrics.
#[derive(Clone)]
pub(crate) struct Metrics {
    registry: Registry,
    seats: IntGaugeVec,
    pub(crate) votes: IntCounter,
    pub(crate) reveals: IntCounter,
    pub(crate) refused: IntCounter,
    pub(crate) missed: IntCounter,
    fee_rewards: prometheus::Counter,
    stake_rewards: prometheus::Counter,
    pub(crate) seat_to_commit: Histogram,
    pub(crate) judge: Histogram,
}

fn wei_f64(v: U256) -> f64 {
    f64::from(v)
}

impl Metrics {
    /// Registers every metric.
    ///
    /// # Errors
    /// A metric name registered twice (a bug).
    pub(crate) fn new() -> Result<Self> {
        let registry = Registry::new();
        let seats = IntGaugeVec::new(
            Opts::new("aos_juror_seats", "seats in the juror store, by state"),
            &["state"],
        )?;
        let counter = |name: &str, help: &str| IntCounter::new(name, help);
        let votes = counter("aos_juror_votes_total", "commitments sent")?;
        let reveals = counter("aos_juror_reveals_total", "reveals sent")?;
        let refused = counter("aos_juror_refused_seats_total", "seats refused")?;
        let missed = counter(
            "aos_juror_missed_deadlines_total",
            "seats settled Absent: a commit or reveal deadline missed",
        )?;
        let fee_rewards = prometheus::Counter::new(
            "aos_juror_fee_rewards_wei_total",
            "arbitration fees earned, wei",
        )?;
        let stake_rewards = prometheus::Counter::new(
            "aos_juror_stake_rewards_total",
            "other jurors' penalties earned, stake-asset units",
        )?;
        let buckets = vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0];
        let seat_to_commit = Histogram::with_opts(
            HistogramOpts::new(
                "aos_juror_seat_to_commit_seconds",
                "seat noticed to commit transaction mined, seconds",
            )
            .buckets(buckets.clone()),
        )?;
        let judge = Histogram::with_opts(
            HistogramOpts::new(
                "aos_juror_judge_seconds",
                "evaluator time per seat, seconds",
            )
            .buckets(buckets),
        )?;
        registry.register(Box::new(seats.clone()))?;
        for c in [&votes, &reveals, &refused, &missed] {
            registry.register(Box::new(c.clone()))?;
        }
        registry.register(Box::new(fee_rewards.clone()))?;
        registry.register(Box::new(stake_rewards.clone()))?;
        registry.register(Box::new(seat_to_commit.clone()))?;
        registry.register(Box::new(judge.clone()))?;
        Ok(Self {
            registry,
            seats,
            votes,
            reveals,
            refused,
            missed,
            fee_rewards,
            stake_rewards,
            seat_to_commit,
            judge,
        })
    }

    /// Sets the seat gauges from the store's rows.
    pub(crate) fn set_seats(&self, rows: &[SeatRow]) {
        self.seats.reset();
        for p in super::store::SeatPhase::ALL {
            self.seats.with_label_values(&[p.as_str()]).set(0);
        }
        for r in rows {
            self.seats.with_label_values(&[r.phase.as_str()]).inc();
        }
    }

    /// Adds a settled seat's rewards.
    pub(crate) fn rewarded(&self, fee_wei: U256, stake: U256) {
        self.fee_rewards.inc_by(wei_f64(fee_wei));
        self.stake_rewards.inc_by(wei_f64(stake));
    }

    /// The text exposition.
    pub(crate) fn render(&self) -> String {
        let mut buf = Vec::new();
        if TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .is_err()
        {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }

    /// Serves `GET /metrics` on `addr` until the process ends.
    ///
    /// # Errors
    /// The address cannot be bound.
    pub(crate) async fn serve(self, addr: SocketAddr) -> Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .wrap_err_with(|| format!("cannot listen on {addr} for metrics"))?;
        let bound = listener.local_addr()?;
        let app = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let m = self.clone();
                async move { m.render() }
            }),
        );
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(%e, "metrics server stopped");
            }
        });
        Ok(bound)
    }
}
