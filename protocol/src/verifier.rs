//! The receiver-side envelope check (white paper §8.2): signature, timestamp window,
//! replay, rate per identity, in that order.
//!
//! Order matters: the signature comes first so nobody can spend another identity's rate
//! budget or nonces with forged envelopes; replays are refused before the rate limiter so
//! they do not consume the sender's budget; a nonce is recorded only when the message is
//! accepted, so a rate-limited message may be sent again later.
//!
//! Time is an argument (`now_ms`, Unix milliseconds) so the check is pure and testable.
//!
//! # Defaults
//!
//! | setting | default | |
//! |---|---|---|
//! | `max_age_ms` | 300 000 (5 min) | older messages refused |
//! | `max_skew_ms` | 30 000 (30 s) | messages further in the future refused |
//! | `max_senders` | 10 000 | senders remembered for replay and rate (see [`crate::replay`]) |
//! | rate | 20 messages/s per sender, bursts of 50 | GCRA via `governor` |
//!
//! Memory is bounded by `max_senders`: the rate limiter's per-key state and the cache of
//! decoded sender keys are removed when the replay table evicts a sender, so all three hold
//! the same (bounded) set of keys. An evicted sender regains a full burst; it was the least
//! recently active one.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ed25519_dalek::VerifyingKey;
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::envelope::{Envelope, EnvelopeError, verify_signatures_batch};
use crate::identity::AgentId;
use crate::replay::{DEFAULT_MAX_SENDERS, ReplayError, ReplayTable};

/// Why an envelope was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// Bad domain, bad key or bad signature.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The envelope is for another chain.
    #[error("envelope for chain {got}, expected {expected}")]
    WrongChain {
        /// The verifier's chain id.
        expected: u64,
        /// The envelope's chain id.
        got: u64,
    },
    /// The domain tag is not one this verifier accepts.
    #[error("domain tag {0:?} not accepted")]
    UnexpectedDomain(String),
    /// Older than `max_age_ms`.
    #[error("stale: timestamp {timestamp_ms} is more than {max_age_ms} ms before now {now_ms}")]
    Stale {
        /// Envelope timestamp, Unix ms.
        timestamp_ms: u64,
        /// Verifier clock, Unix ms.
        now_ms: u64,
        /// Allowed age, ms.
        max_age_ms: u64,
    },
    /// Further in the future than `max_skew_ms`.
    #[error(
        "from the future: timestamp {timestamp_ms} is more than {max_skew_ms} ms after now {now_ms}"
    )]
    Future {
        /// Envelope timestamp, Unix ms.
        timestamp_ms: u64,
        /// Verifier clock, Unix ms.
        now_ms: u64,
        /// Allowed skew, ms.
        max_skew_ms: u64,
    },
    /// Replayed or out-of-window nonce.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// The sender exceeded its rate; retry after `retry_after_ms`.
    #[error("rate limited; retry after {retry_after_ms} ms")]
    RateLimited {
        /// Earliest wait before the sender's next message is accepted, ms.
        retry_after_ms: u64,
    },
}

impl VerifyError {
    /// Whether the same envelope may succeed later (only a rate limit is temporary).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. })
    }
}

/// Settings for a [`Verifier`] (defaults in the [module docs](self)).
#[derive(Debug, Clone)]
#[must_use]
pub struct VerifierConfig {
    chain_id: u64,
    domains: Option<Vec<String>>,
    max_age_ms: u64,
    max_skew_ms: u64,
    max_senders: usize,
    rate_per_second: NonZeroU32,
    rate_burst: NonZeroU32,
}

impl VerifierConfig {
    /// Defaults for `chain_id` (EIP-155), accepting any domain tag.
    pub fn new(chain_id: u64) -> Self {
        Self {
            chain_id,
            domains: None,
            max_age_ms: 300_000,
            max_skew_ms: 30_000,
            max_senders: DEFAULT_MAX_SENDERS,
            rate_per_second: NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN),
            rate_burst: NonZeroU32::new(50).unwrap_or(NonZeroU32::MIN),
        }
    }

    /// Accept only these domain tags.
    pub fn with_domains<I: IntoIterator<Item = S>, S: Into<String>>(mut self, d: I) -> Self {
        self.domains = Some(d.into_iter().map(Into::into).collect());
        self
    }

    /// Oldest accepted message age, ms.
    pub fn with_max_age_ms(mut self, ms: u64) -> Self {
        self.max_age_ms = ms;
        self
    }

    /// Largest accepted clock skew into the future, ms.
    pub fn with_max_skew_ms(mut self, ms: u64) -> Self {
        self.max_skew_ms = ms;
        self
    }

    /// Number of senders remembered for replay and rate limiting.
    pub fn with_max_senders(mut self, n: usize) -> Self {
        self.max_senders = n;
        self
    }

    /// Sustained rate per sender (messages per second) and burst size (messages).
    pub fn with_rate(mut self, per_second: NonZeroU32, burst: NonZeroU32) -> Self {
        self.rate_per_second = per_second;
        self.rate_burst = burst;
        self
    }

    /// The chain id this verifier accepts.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }
}

/// A governor clock driven by the `now_ms` arguments, relative to the first one seen.
#[derive(Debug, Clone)]
struct ExplicitClock {
    now_ms: Arc<AtomicU64>,
}

impl Clock for ExplicitClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        Duration::from_millis(self.now_ms.load(Ordering::Relaxed))
    }
}

/// A keyed state store shared with the verifier so evicted senders can be removed.
#[derive(Debug, Clone)]
struct SharedStore(Arc<HashMapStateStore<AgentId>>);

impl StateStore for SharedStore {
    type Key = AgentId;

    fn measure_and_replace<T, F, E>(&self, key: &AgentId, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        self.0.measure_and_replace(key, f)
    }
}

/// Checks incoming envelopes (module docs). One per receiving node; `&mut self` because
/// it records nonces.
#[derive(Debug)]
pub struct Verifier {
    config: VerifierConfig,
    replay: ReplayTable,
    limiter: RateLimiter<AgentId, SharedStore, ExplicitClock, NoOpMiddleware<Duration>>,
    store: Arc<HashMapStateStore<AgentId>>,
    /// Decoded keys of the senders in `replay` (same bound, same eviction).
    keys: HashMap<AgentId, VerifyingKey>,
    clock_ms: Arc<AtomicU64>,
    base_ms: Option<u64>,
}

impl Verifier {
    /// A verifier with empty replay and rate state.
    pub fn new(config: VerifierConfig) -> Self {
        let clock_ms = Arc::new(AtomicU64::new(0));
        let store: Arc<HashMapStateStore<AgentId>> = Arc::default();
        let quota = Quota::per_second(config.rate_per_second).allow_burst(config.rate_burst);
        let limiter = RateLimiter::new(
            quota,
            SharedStore(store.clone()),
            ExplicitClock {
                now_ms: clock_ms.clone(),
            },
        );
        Self {
            replay: ReplayTable::new(config.max_senders),
            config,
            limiter,
            store,
            keys: HashMap::new(),
            clock_ms,
            base_ms: None,
        }
    }

    /// The settings.
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// Number of senders with replay state (≤ `max_senders`).
    pub fn tracked_senders(&self) -> usize {
        self.replay.len()
    }

    /// Number of senders with rate-limit state (≤ `max_senders`).
    pub fn rate_limited_senders(&self) -> usize {
        self.store.lock().len()
    }

    /// Fully checks one envelope at time `now_ms` (Unix ms) and, if accepted, records its
    /// nonce and charges the sender's rate.
    ///
    /// # Errors
    /// The first failed check as a [`VerifyError`].
    pub fn verify(&mut self, env: &Envelope, now_ms: u64) -> Result<(), VerifyError> {
        self.precheck(env, now_ms)?;
        let vk = match self.keys.get(&env.sender) {
            Some(vk) => *vk,
            None => env
                .sender
                .verifying_key()
                .map_err(|e| VerifyError::Envelope(e.into()))?,
        };
        env.verify_signature_with_key(&vk)?;
        self.admit(env, now_ms, vk)
    }

    /// Checks many envelopes, verifying their signatures as one Ed25519 batch (falling back
    /// to single verification to find bad ones), then applying the window, replay and rate
    /// checks in order. One result per envelope.
    pub fn verify_batch(&mut self, envs: &[Envelope], now_ms: u64) -> Vec<Result<(), VerifyError>> {
        let sigs = verify_signatures_batch(envs);
        envs.iter()
            .zip(sigs)
            .map(|(e, sig)| {
                self.precheck(e, now_ms)?;
                sig?;
                let vk = e
                    .sender
                    .verifying_key()
                    .map_err(|err| VerifyError::Envelope(err.into()))?;
                self.admit(e, now_ms, vk)
            })
            .collect()
    }

    /// Stateless checks: chain, domain, timestamp window.
    fn precheck(&self, env: &Envelope, now_ms: u64) -> Result<(), VerifyError> {
        let c = &self.config;
        if env.chain_id != c.chain_id {
            return Err(VerifyError::WrongChain {
                expected: c.chain_id,
                got: env.chain_id,
            });
        }
        if let Some(ds) = &c.domains
            && !ds.contains(&env.domain)
        {
            return Err(VerifyError::UnexpectedDomain(env.domain.clone()));
        }
        if now_ms.saturating_sub(env.timestamp_ms) > c.max_age_ms {
            return Err(VerifyError::Stale {
                timestamp_ms: env.timestamp_ms,
                now_ms,
                max_age_ms: c.max_age_ms,
            });
        }
        if env.timestamp_ms.saturating_sub(now_ms) > c.max_skew_ms {
            return Err(VerifyError::Future {
                timestamp_ms: env.timestamp_ms,
                now_ms,
                max_skew_ms: c.max_skew_ms,
            });
        }
        Ok(())
    }

    /// Stateful checks after a good signature: replay, rate; then record.
    fn admit(&mut self, env: &Envelope, now_ms: u64, vk: VerifyingKey) -> Result<(), VerifyError> {
        self.replay
            .check(&env.sender, env.nonce, env.timestamp_ms)?;
        let base = *self.base_ms.get_or_insert(now_ms);
        self.clock_ms
            .fetch_max(now_ms.saturating_sub(base), Ordering::Relaxed);
        if let Err(not_until) = self.limiter.check_key(&env.sender) {
            let wait = not_until.wait_time_from(self.limiter_now());
            return Err(VerifyError::RateLimited {
                retry_after_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1),
            });
        }
        if let Some(evicted) = self.replay.record(env.sender, env.nonce, env.timestamp_ms) {
            self.store.lock().remove(&evicted);
            self.keys.remove(&evicted);
        }
        self.keys.insert(env.sender, vk);
        Ok(())
    }

    fn limiter_now(&self) -> Duration {
        Duration::from_millis(self.clock_ms.load(Ordering::Relaxed))
    }
}
