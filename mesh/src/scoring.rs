//! Gossipsub peer scoring (gossipsub v1.1 spec, "Peer Scoring"): a peer that delivers
//! invalid messages (bad or missing signature, stale, replayed, wrong author, wrong domain)
//! falls below the graylist threshold after a few and is then ignored.
//!
//! Weights chosen for a market where topics are quiet most of the time: the mesh-delivery
//! deficit penalties (P3, P3b) are off, because a quiet honest peer would otherwise be
//! punished; P4 (invalid deliveries) is the penalty that matters: −10 × count² per topic,
//! so 3 invalid messages (−90) graylist a peer, and the count decays by ×0.9 per
//! second-long decay interval. Loopback is exempt from the IP-colocation penalty (P6) so
//! local test meshes and `aos devnet` work; a real deployment sees distinct IPs.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use libp2p::gossipsub::{PeerScoreParams, PeerScoreThresholds, TopicScoreParams};

use crate::Topic;

/// Weight of one invalid message delivery, squared per count (P4).
pub const INVALID_MESSAGE_WEIGHT: f64 = -10.0;

/// Score parameters for `topics` on `chain_id`.
pub fn params(chain_id: u64, topics: &[Topic]) -> PeerScoreParams {
    let topic = TopicScoreParams {
        topic_weight: 1.0,
        time_in_mesh_weight: 0.01,
        time_in_mesh_quantum: Duration::from_secs(1),
        time_in_mesh_cap: 100.0,
        first_message_deliveries_weight: 0.5,
        first_message_deliveries_decay: 0.9,
        first_message_deliveries_cap: 20.0,
        mesh_message_deliveries_weight: 0.0,
        mesh_failure_penalty_weight: 0.0,
        invalid_message_deliveries_weight: INVALID_MESSAGE_WEIGHT,
        invalid_message_deliveries_decay: 0.9,
        ..TopicScoreParams::default()
    };
    let topics: HashMap<_, _> = topics
        .iter()
        .map(|t| (t.hash(chain_id), topic.clone()))
        .collect();
    let mut p = PeerScoreParams {
        topics,
        topic_score_cap: 50.0,
        decay_interval: Duration::from_secs(1),
        ..PeerScoreParams::default()
    };
    p.ip_colocation_factor_whitelist.extend([
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ]);
    p
}

/// Thresholds: below −10 no gossip to/from the peer, below −50 we do not publish to it,
/// below −80 its messages are ignored (graylist).
pub fn thresholds() -> PeerScoreThresholds {
    PeerScoreThresholds {
        gossip_threshold: -10.0,
        publish_threshold: -50.0,
        graylist_threshold: -80.0,
        accept_px_threshold: 10.0,
        opportunistic_graft_threshold: 5.0,
    }
}
