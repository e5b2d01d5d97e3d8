//! Gossipsub topics and the envelope domains each accepts.

use aos_protocol::envelope::domains;
use libp2p::gossipsub::{IdentTopic, TopicHash};

/// Domain tag of a task announcement
/// ([`aos_protocol::messages::TaskAnnouncement`]): the terms of a task posted on chain
/// plus its spec blob. Accepted on [`Topic::Tasks`].
pub use aos_protocol::envelope::domains::TASK_ANNOUNCEMENT;

/// A gossip topic. Names carry the chain id so deployments do not mix:
/// `aos/<chain id>/<kind>/1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// Task announcements ([`TASK_ANNOUNCEMENT`], `aos/human-task/v1`).
    Tasks,
    /// Task results (`aos/result/v1`).
    Results,
    /// Karma attestations (`aos/karma-attestation/v1`).
    Karma,
}

impl Topic {
    /// Every topic.
    pub const ALL: [Topic; 3] = [Topic::Tasks, Topic::Results, Topic::Karma];

    /// Short kind name (`tasks`, `results`, `karma`).
    pub fn kind(self) -> &'static str {
        match self {
            Self::Tasks => "tasks",
            Self::Results => "results",
            Self::Karma => "karma",
        }
    }

    /// The gossipsub topic for `chain_id`.
    pub fn ident(self, chain_id: u64) -> IdentTopic {
        IdentTopic::new(format!("aos/{chain_id}/{}/1", self.kind()))
    }

    /// Its hash (for an `IdentTopic`, the name itself).
    pub fn hash(self, chain_id: u64) -> TopicHash {
        self.ident(chain_id).hash()
    }

    /// The envelope domain tags a message on this topic may carry; any other is rejected.
    pub fn domains(self) -> &'static [&'static str] {
        match self {
            Self::Tasks => &[TASK_ANNOUNCEMENT, domains::HUMAN_TASK],
            Self::Results => &[domains::RESULT],
            Self::Karma => &[domains::KARMA_ATTESTATION],
        }
    }
}
