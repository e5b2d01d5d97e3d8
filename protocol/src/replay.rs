//! Replay protection with bounded memory: a sliding nonce window per sender, and a table
//! of senders with least-recently-used eviction.
//!
//! # Bounds
//!
//! * Per sender: the highest nonce seen and a 128-bit bitmap of the [`NONCE_WINDOW`]
//!   nonces at and below it (24 bytes of state plus the last timestamp). A nonce more than
//!   127 below the highest is refused as too old even if never seen: senders should use
//!   increasing nonces.
//! * Senders: at most `max_senders` entries (default [`DEFAULT_MAX_SENDERS`]). Inserting
//!   one more evicts the least recently *accepted* sender. To stay sound after an eviction,
//!   the table keeps a watermark: the largest message timestamp ever accepted from an
//!   evicted sender. A sender not in the table is only accepted with a timestamp strictly
//!   above that watermark, so a message accepted before its sender's eviction can never be
//!   accepted again. The cost is that, while more than `max_senders` identities are active
//!   within one `max_age` window, newly seen senders whose clocks lag are refused (fail
//!   closed) — size `max_senders` above the expected number of senders per window.

use std::collections::{BTreeMap, HashMap};

use crate::identity::AgentId;

/// Number of nonces remembered per sender below and including the highest.
pub const NONCE_WINDOW: u64 = 128;
/// Default number of senders remembered.
pub const DEFAULT_MAX_SENDERS: usize = 10_000;

/// Why a (sender, nonce) pair was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
pub enum ReplayError {
    /// This nonce was already accepted from this sender.
    #[error("nonce {0} already seen from this sender")]
    Replayed(u64),
    /// The nonce is [`NONCE_WINDOW`] or more below the highest seen from this sender.
    #[error("nonce {nonce} is below the replay window (highest seen {highest})")]
    TooOld {
        /// The refused nonce.
        nonce: u64,
        /// Highest nonce accepted from this sender.
        highest: u64,
    },
    /// The sender is not in the table and the timestamp is not above the eviction
    /// watermark (see module docs).
    #[error("timestamp {timestamp_ms} not above the eviction watermark {watermark_ms}")]
    BelowEvictionWatermark {
        /// The message timestamp, Unix ms.
        timestamp_ms: u64,
        /// The watermark, Unix ms.
        watermark_ms: u64,
    },
}

#[derive(Debug, Clone, Copy)]
struct SenderState {
    highest: u64,
    /// Bit i set ⇔ nonce `highest - i` was accepted.
    seen: u128,
    max_timestamp_ms: u64,
    lru_tick: u64,
}

impl SenderState {
    fn check(&self, nonce: u64) -> Result<(), ReplayError> {
        if nonce > self.highest {
            return Ok(());
        }
        let back = self.highest - nonce;
        if back >= NONCE_WINDOW {
            return Err(ReplayError::TooOld {
                nonce,
                highest: self.highest,
            });
        }
        if self.seen & (1u128 << back) != 0 {
            return Err(ReplayError::Replayed(nonce));
        }
        Ok(())
    }

    fn record(&mut self, nonce: u64, ts: u64) {
        if nonce > self.highest {
            let shift = nonce - self.highest;
            self.seen = if shift >= NONCE_WINDOW {
                0
            } else {
                self.seen << shift
            };
            self.highest = nonce;
            self.seen |= 1;
        } else {
            self.seen |= 1u128 << (self.highest - nonce);
        }
        self.max_timestamp_ms = self.max_timestamp_ms.max(ts);
    }
}

/// The bounded replay table (see the module docs for the exact bounds).
#[derive(Debug)]
pub struct ReplayTable {
    senders: HashMap<AgentId, SenderState>,
    lru: BTreeMap<u64, AgentId>,
    tick: u64,
    max_senders: usize,
    watermark_ms: u64,
}

impl ReplayTable {
    /// An empty table remembering at most `max_senders` senders (at least 1).
    pub fn new(max_senders: usize) -> Self {
        Self {
            senders: HashMap::new(),
            lru: BTreeMap::new(),
            tick: 0,
            max_senders: max_senders.max(1),
            watermark_ms: 0,
        }
    }

    /// Number of senders currently remembered.
    pub fn len(&self) -> usize {
        self.senders.len()
    }

    /// Whether no sender is remembered.
    pub fn is_empty(&self) -> bool {
        self.senders.is_empty()
    }

    /// Largest timestamp (Unix ms) accepted from any evicted sender.
    pub fn eviction_watermark_ms(&self) -> u64 {
        self.watermark_ms
    }

    /// Checks whether (`sender`, `nonce`, `timestamp_ms`) would be accepted, without
    /// recording it.
    ///
    /// # Errors
    /// A [`ReplayError`] saying why not.
    pub fn check(
        &self,
        sender: &AgentId,
        nonce: u64,
        timestamp_ms: u64,
    ) -> Result<(), ReplayError> {
        match self.senders.get(sender) {
            Some(s) => s.check(nonce),
            None if self.watermark_ms > 0 && timestamp_ms <= self.watermark_ms => {
                Err(ReplayError::BelowEvictionWatermark {
                    timestamp_ms,
                    watermark_ms: self.watermark_ms,
                })
            }
            None => Ok(()),
        }
    }

    /// Records an accepted message; returns the sender evicted to make room, if any.
    /// Call only after [`ReplayTable::check`] succeeded.
    pub fn record(&mut self, sender: AgentId, nonce: u64, timestamp_ms: u64) -> Option<AgentId> {
        self.tick += 1;
        let tick = self.tick;
        if let Some(s) = self.senders.get_mut(&sender) {
            self.lru.remove(&s.lru_tick);
            s.lru_tick = tick;
            s.record(nonce, timestamp_ms);
            self.lru.insert(tick, sender);
            return None;
        }
        let mut evicted = None;
        if self.senders.len() >= self.max_senders
            && let Some((_, old)) = self.lru.pop_first()
        {
            if let Some(st) = self.senders.remove(&old) {
                self.watermark_ms = self.watermark_ms.max(st.max_timestamp_ms);
            }
            evicted = Some(old);
        }
        self.senders.insert(
            sender,
            SenderState {
                highest: nonce,
                seen: 1,
                max_timestamp_ms: timestamp_ms,
                lru_tick: tick,
            },
        );
        self.lru.insert(tick, sender);
        evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> AgentId {
        AgentId::from_bytes([n; 32])
    }

    #[test]
    fn window_semantics() {
        let mut t = ReplayTable::new(4);
        let a = id(1);
        t.check(&a, 10, 1).unwrap();
        t.record(a, 10, 1);
        assert_eq!(t.check(&a, 10, 1), Err(ReplayError::Replayed(10)));
        t.check(&a, 9, 1).unwrap();
        t.record(a, 9, 1);
        assert_eq!(t.check(&a, 9, 1), Err(ReplayError::Replayed(9)));
        t.record(a, 200, 1);
        assert_eq!(
            t.check(&a, 10, 1),
            Err(ReplayError::TooOld {
                nonce: 10,
                highest: 200
            })
        );
        t.check(&a, 73, 1).unwrap();
        assert_eq!(
            t.check(&a, 72, 1),
            Err(ReplayError::TooOld {
                nonce: 72,
                highest: 200
            })
        );
        t.record(a, 73, 1);
        assert_eq!(t.check(&a, 73, 1), Err(ReplayError::Replayed(73)));
    }

    #[test]
    fn eviction_is_bounded_and_sound() {
        let mut t = ReplayTable::new(2);
        t.record(id(1), 0, 100);
        t.record(id(2), 0, 50);
        t.record(id(1), 1, 60); // id(2) is now least recently used
        assert_eq!(t.record(id(3), 0, 70), Some(id(2)));
        assert_eq!(t.len(), 2);
        assert_eq!(t.eviction_watermark_ms(), 50);
        // id(2)'s old message (ts 50) cannot come back
        assert!(matches!(
            t.check(&id(2), 0, 50),
            Err(ReplayError::BelowEvictionWatermark { .. })
        ));
        t.check(&id(2), 0, 51).unwrap();
    }
}
