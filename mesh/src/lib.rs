//! # aos-mesh — the AOS peer-to-peer network
//!
//! A libp2p swarm whose identity is the agent's Ed25519 key, so a peer id *is* an agent
//! (DESIGN.md "Identity"; white paper §3.1). One task owns the swarm ([`network`]); the rest
//! of the program holds a cloneable [`Client`] that sends commands over a bounded channel
//! (rust-libp2p `examples/file-sharing`).
//!
//! | module | what |
//! |---|---|
//! | [`config`] | [`MeshConfig`]: listen and bootstrap addresses, limits, rates |
//! | [`keys`] | [`AgentKey`](aos_protocol::AgentKey) → libp2p keypair, [`AgentId`](aos_protocol::AgentId) ⇄ [`PeerId`] |
//! | [`topic`] | gossipsub [`Topic`]s: task announcements, results, karma attestations |
//! | [`validation`] | [`GossipValidator`]: envelope decode, author = sender, domain per topic, [`Verifier`](aos_protocol::Verifier) (WP §8.2) |
//! | [`scoring`] | gossipsub peer-score parameters that punish invalid messages |
//! | [`blob_store`] | [`BlobStore`]: content-addressed blobs on disk (BLAKE3, WP §3.1, §8.2) |
//! | [`behaviour`] | the composed `NetworkBehaviour`: identify, ping, Kademlia, request-response, gossipsub, mDNS |
//! | [`network`] | [`Client`], the event loop, [`spawn`] |
//!
//! Transports: TCP + Noise + Yamux, and QUIC. Every queue is bounded: commands
//! ([`MeshConfig::command_capacity`]), each subscriber ([`MeshConfig::subscriber_capacity`];
//! a full subscriber loses the message and [`MeshStats::dropped_full`] counts it), the
//! verifier's per-sender state (`max_senders`), blobs ([`MeshConfig::max_blob_bytes`]) and
//! gossip messages ([`MeshConfig::max_gossip_bytes`]).

pub mod behaviour;
pub mod blob_store;
pub mod config;
pub mod error;
pub mod keys;
pub mod network;
pub mod scoring;
pub mod topic;
pub mod validation;

pub use blob_store::BlobStore;
pub use config::MeshConfig;
pub use error::MeshError;
pub use keys::{agent_id_of, keypair_of, peer_id_of};
pub use network::{Client, Gossip, MeshStats, spawn};
pub use topic::{TASK_ANNOUNCEMENT, Topic};
pub use validation::{GossipValidator, Verdict};

/// Re-export of the libp2p version this crate is built on (for `Multiaddr`, `PeerId`).
pub use libp2p;
pub use libp2p::{Multiaddr, PeerId};
