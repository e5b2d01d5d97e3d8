//! The event loop that owns the swarm, and the [`Client`] handle that talks to it
//! (rust-libp2p `examples/file-sharing/src/network.rs`): each command carries a `oneshot`
//! for its reply; every channel is bounded.
//!
//! `client.rs` holds the handle's methods, `event_loop.rs` the task that owns the swarm;
//! this file the types they share and [`spawn`].

mod client;
mod event_loop;

use event_loop::EventLoop;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aos_protocol::{AgentKey, ContentId, Envelope};
use futures::StreamExt;
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::swarm::{ConnectionId, SwarmEvent};
use libp2p::{Multiaddr, PeerId, Swarm, gossipsub, identify, kad, mdns, multiaddr::Protocol};
use libp2p::{request_response, request_response::OutboundRequestId};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::behaviour::{BehaviourEvent, BlobRequest, BlobResponse, build_swarm};
use crate::{
    BlobStore, GossipValidator, MeshConfig, MeshError, Topic, Verdict, behaviour::Behaviour,
    keys::keypair_of,
};

/// A validated gossip message.
#[derive(Debug, Clone)]
pub struct Gossip {
    /// The topic it arrived on.
    pub topic: Topic,
    /// The envelope (signature, window, replay and rate already checked).
    pub envelope: Envelope,
    /// Peer id of the author (= the envelope's sender).
    pub author: PeerId,
    /// The peer that forwarded it to us.
    pub via: PeerId,
}

/// Counters of one node, for tests, metrics and the flood bound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeshStats {
    /// Gossip messages accepted.
    pub accepted: u64,
    /// Gossip messages rejected (peer penalised).
    pub rejected: u64,
    /// Gossip messages ignored (rate limit; no penalty).
    pub ignored: u64,
    /// Accepted messages handed to a subscriber.
    pub delivered: u64,
    /// Accepted messages lost because a subscriber's channel was full.
    pub dropped_full: u64,
    /// Senders with replay/rate state (≤ the verifier's `max_senders`).
    pub tracked_senders: usize,
    /// Peers with an open connection.
    pub connected_peers: usize,
    /// Blob requests answered with data.
    pub blobs_served: u64,
    /// Inbound blob requests refused because [`MeshConfig::max_inbound_blob_requests`] or
    /// [`MeshConfig::max_inbound_blob_requests_per_peer`] were already being served.
    pub blob_requests_refused: u64,
    /// Most inbound blob requests ever served at once (≤ the configured total).
    pub blob_requests_inflight_peak: usize,
}

enum Command {
    Publish {
        topic: Topic,
        data: Vec<u8>,
        reply: oneshot::Sender<Result<(), MeshError>>,
    },
    PublishRaw {
        topic: Topic,
        data: Vec<u8>,
        reply: oneshot::Sender<Result<(), MeshError>>,
    },
    Subscribe {
        topic: Topic,
        reply: oneshot::Sender<mpsc::Receiver<Gossip>>,
    },
    Dial {
        addr: Multiaddr,
        reply: oneshot::Sender<Result<PeerId, MeshError>>,
    },
    ListenAddrs {
        reply: oneshot::Sender<Vec<Multiaddr>>,
    },
    ConnectedPeers {
        reply: oneshot::Sender<Vec<PeerId>>,
    },
    TopicPeers {
        topic: Topic,
        reply: oneshot::Sender<usize>,
    },
    StartProviding {
        id: ContentId,
        reply: oneshot::Sender<()>,
    },
    GetProviders {
        id: ContentId,
        reply: oneshot::Sender<HashSet<PeerId>>,
    },
    RequestBlob {
        peer: PeerId,
        id: ContentId,
        reply: oneshot::Sender<Result<Option<Vec<u8>>, MeshError>>,
    },
    PeerScore {
        peer: PeerId,
        reply: oneshot::Sender<Option<f64>>,
    },
    Stats {
        reply: oneshot::Sender<MeshStats>,
    },
    Shutdown,
}

/// A cloneable handle to a running mesh node. Dropping every clone (or calling
/// [`Client::shutdown`]) stops the node.
#[derive(Debug, Clone)]
pub struct Client {
    tx: mpsc::Sender<Command>,
    peer_id: PeerId,
    store: BlobStore,
    max_gossip_bytes: usize,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Command")
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Starts a mesh node for `key`: builds the swarm, listens on
/// [`MeshConfig::listen`] (waiting until each address is bound), joins the topics, dials
/// the bootstrap peers, and spawns the event loop on the current tokio runtime.
///
/// # Errors
/// [`MeshError::Build`], [`MeshError::Listen`], [`MeshError::Io`] (blob folder).
pub async fn spawn(
    key: &AgentKey,
    config: MeshConfig,
) -> Result<(Client, JoinHandle<()>), MeshError> {
    let store = BlobStore::open(&config.blob_dir, config.max_blob_bytes)?;
    let keypair = keypair_of(key);
    let peer_id = keypair.public().to_peer_id();
    let mut swarm = build_swarm(keypair, &config)?;
    for t in &config.topics {
        swarm
            .behaviour_mut()
            .gossipsub
            .subscribe(&t.ident(config.chain_id))
            .map_err(|e| MeshError::Build(format!("subscribe: {e}")))?;
    }
    for addr in &config.listen {
        swarm
            .listen_on(addr.clone())
            .map_err(|e| MeshError::Listen {
                addr: addr.to_string(),
                reason: e.to_string(),
            })?;
    }
    // Wait until every listener has an address, so `listen_addrs` is complete at once.
    let mut listen_addrs = Vec::new();
    let bind = async {
        while listen_addrs.len() < config.listen.len() {
            match swarm.select_next_some().await {
                SwarmEvent::NewListenAddr { address, .. } => listen_addrs.push(address),
                SwarmEvent::ListenerError { error, .. } => {
                    return Err(MeshError::Listen {
                        addr: "?".into(),
                        reason: error.to_string(),
                    });
                }
                _ => {}
            }
        }
        Ok(())
    };
    tokio::time::timeout(Duration::from_secs(10), bind)
        .await
        .map_err(|_| MeshError::Listen {
            addr: format!("{:?}", config.listen),
            reason: "timed out".into(),
        })??;
    for addr in &config.bootstrap {
        if let Some(Protocol::P2p(peer)) = addr.iter().last() {
            swarm.behaviour_mut().kad.add_address(&peer, addr.clone());
        }
        if let Err(e) = swarm.dial(addr.clone()) {
            tracing::warn!(%addr, %e, "cannot dial bootstrap peer");
        }
    }
    let (tx, rx) = mpsc::channel(config.command_capacity.max(1));
    // Every served request holds a permit (see `EventLoop::on_blobs`), so the answers in
    // flight never exceed this capacity and a sender never waits.
    let (served_tx, served_rx) = mpsc::channel(config.max_inbound_blob_requests.max(1));
    let client = Client {
        tx,
        peer_id,
        store: store.clone(),
        max_gossip_bytes: config.max_gossip_bytes,
    };
    let ev = EventLoop {
        validator: GossipValidator::new(
            config.verifier.clone(),
            &config.topics,
            config.max_gossip_bytes,
        ),
        swarm,
        rx,
        served_tx,
        served_rx,
        store,
        listen_addrs,
        subscribers: HashMap::new(),
        pending_dial: HashMap::new(),
        pending_providers: HashMap::new(),
        pending_providing: HashMap::new(),
        pending_requests: HashMap::new(),
        inbound: 0,
        inbound_per_peer: HashMap::new(),
        stats: MeshStats::default(),
        config,
    };
    let handle = tokio::spawn(ev.run());
    Ok((client, handle))
}
