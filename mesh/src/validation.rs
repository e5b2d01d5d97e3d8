//! Application validation of gossip (white paper §8.2): every message must be one of our
//! signed envelopes, authored by the envelope's sender, with a domain its topic accepts,
//! passing the [`Verifier`] (signature, chain, time window, replay, rate per identity).
//!
//! Gossipsub runs with `ValidationMode::Strict` (every message signed by its libp2p author,
//! unsigned ones dropped by gossipsub itself and counted against the peer) and
//! `validate_messages()`, so nothing is forwarded until [`GossipValidator::check`] has
//! spoken. [`Verdict::Reject`] applies the P4 penalty to the peer that delivered the
//! message ([`crate::scoring`]); [`Verdict::Ignore`] drops without penalty, used for a
//! sender over its rate (an honest relay cannot know our rate state) and unknown topics.

use std::collections::HashMap;

use aos_protocol::{Envelope, Verifier, VerifierConfig, VerifyError};
use libp2p::gossipsub::{self, TopicHash};

use crate::{Topic, agent_id_of};

/// What to do with a gossip message.
#[derive(Debug)]
pub enum Verdict {
    /// Valid: deliver and forward.
    Accept(Box<Envelope>),
    /// Invalid: drop and penalise the delivering peer. The string says why.
    Reject(String),
    /// Drop without penalty (rate limit, unknown topic). The string says why.
    Ignore(String),
}

/// Checks gossip messages against the envelope rules. One per node.
#[derive(Debug)]
pub struct GossipValidator {
    verifier: Verifier,
    topics: HashMap<TopicHash, Topic>,
    max_bytes: usize,
}

impl GossipValidator {
    /// A validator for `topics` on the verifier's chain, refusing messages above
    /// `max_bytes`.
    pub fn new(verifier: VerifierConfig, topics: &[Topic], max_bytes: usize) -> Self {
        let chain_id = verifier.chain_id();
        Self {
            verifier: Verifier::new(verifier),
            topics: topics.iter().map(|t| (t.hash(chain_id), *t)).collect(),
            max_bytes,
        }
    }

    /// The topic a hash names, if it is one of ours.
    pub fn topic(&self, hash: &TopicHash) -> Option<Topic> {
        self.topics.get(hash).copied()
    }

    /// Number of senders with replay/rate state (bounded by the verifier's `max_senders`).
    pub fn tracked_senders(&self) -> usize {
        self.verifier.tracked_senders()
    }

    /// Checks `msg` at `now_ms` (Unix ms). On [`Verdict::Accept`] the nonce is recorded.
    pub fn check(&mut self, msg: &gossipsub::Message, now_ms: u64) -> Verdict {
        let Some(topic) = self.topic(&msg.topic) else {
            return Verdict::Ignore(format!("unknown topic {}", msg.topic));
        };
        let Some(author) = msg.source.as_ref().and_then(agent_id_of) else {
            return Verdict::Reject("no Ed25519 author".into());
        };
        let env = match Envelope::decode_with_limit(&msg.data, self.max_bytes) {
            Ok(e) => e,
            Err(e) => return Verdict::Reject(format!("not an envelope: {e}")),
        };
        if env.sender != author {
            return Verdict::Reject(format!(
                "envelope sender {} is not the gossip author {author}",
                env.sender
            ));
        }
        if !topic.domains().contains(&env.domain.as_str()) {
            return Verdict::Reject(format!(
                "domain {:?} not accepted on topic {}",
                env.domain,
                topic.kind()
            ));
        }
        match self.verifier.verify(&env, now_ms) {
            Ok(()) => Verdict::Accept(Box::new(env)),
            Err(e @ VerifyError::RateLimited { .. }) => Verdict::Ignore(e.to_string()),
            Err(e) => Verdict::Reject(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aos_protocol::AgentKey;
    use aos_protocol::envelope::domains;

    fn msg(key: &AgentKey, data: Vec<u8>, topic: Topic) -> gossipsub::Message {
        gossipsub::Message {
            source: Some(crate::peer_id_of(&key.agent_id()).unwrap()),
            data,
            sequence_number: Some(1),
            topic: topic.hash(1),
        }
    }

    #[test]
    fn verdicts() {
        let key = AgentKey::generate();
        let mut v = GossipValidator::new(VerifierConfig::new(1), &Topic::ALL, 1 << 16);
        let now = 1_800_000_000_000;
        let env = |nonce, ts, domain: &str| {
            Envelope::sign(&key, domain, 1, nonce, ts, b"x".to_vec())
                .unwrap()
                .encode()
        };
        assert!(matches!(
            v.check(
                &msg(&key, env(1, now, domains::RESULT), Topic::Results),
                now
            ),
            Verdict::Accept(_)
        ));
        // replay
        assert!(matches!(
            v.check(
                &msg(&key, env(1, now, domains::RESULT), Topic::Results),
                now
            ),
            Verdict::Reject(_)
        ));
        // stale
        assert!(matches!(
            v.check(
                &msg(
                    &key,
                    env(2, now - 3_600_000, domains::RESULT),
                    Topic::Results
                ),
                now
            ),
            Verdict::Reject(_)
        ));
        // wrong domain for the topic
        assert!(matches!(
            v.check(&msg(&key, env(3, now, domains::RESULT), Topic::Tasks), now),
            Verdict::Reject(_)
        ));
        // garbage
        assert!(matches!(
            v.check(&msg(&key, b"hello".to_vec(), Topic::Tasks), now),
            Verdict::Reject(_)
        ));
        // author is not the sender
        let other = AgentKey::generate();
        assert!(matches!(
            v.check(
                &msg(&other, env(4, now, domains::RESULT), Topic::Results),
                now
            ),
            Verdict::Reject(_)
        ));
        // bad signature
        let mut e = Envelope::sign(&key, domains::RESULT, 1, 5, now, b"x".to_vec()).unwrap();
        e.payload = b"y".to_vec();
        assert!(matches!(
            v.check(&msg(&key, e.encode(), Topic::Results), now),
            Verdict::Reject(_)
        ));
    }
}

#[cfg(test)]
mod rate_tests {
    use super::*;
    use aos_protocol::AgentKey;
    use std::num::NonZeroU32;

    #[test]
    fn sustained_rate_is_enforced() {
        let key = AgentKey::generate();
        let ten = NonZeroU32::new(10).unwrap();
        let mut v = Verifier::new(VerifierConfig::new(1).with_rate(ten, ten));
        let t0 = 1_800_000_000_000u64;
        let mut ok = 0;
        for n in 0..200u64 {
            let now = t0 + 10 * n;
            let e = Envelope::sign(&key, "d", 1, n + 1, now, vec![]).unwrap();
            if v.verify(&e, now).is_ok() {
                ok += 1;
            }
        }
        // 2 s at 10/s plus a burst of 10
        assert!(ok <= 31, "accepted {ok}");
    }
}
