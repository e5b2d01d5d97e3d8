//! The event loop that owns the swarm, and the [`Client`] handle that talks to it
//! (rust-libp2p `examples/file-sharing/src/network.rs`): each command carries a `oneshot`
//! for its reply; every channel is bounded.

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

impl Client {
    async fn call<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, MeshError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(make(tx))
            .await
            .map_err(|_| MeshError::Stopped)?;
        rx.await.map_err(|_| MeshError::Stopped)
    }

    /// This node's peer id (= its agent id, see [`crate::peer_id_of`]).
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// The local blob store.
    pub fn blob_store(&self) -> &BlobStore {
        &self.store
    }

    /// Publishes a signed envelope on `topic`.
    ///
    /// # Errors
    /// [`MeshError::TooLarge`]; [`MeshError::Publish`] (e.g. `NoPeersSubscribedToTopic`
    /// while the node has no peer on the topic yet); [`MeshError::Stopped`].
    pub async fn publish(&self, topic: Topic, envelope: &Envelope) -> Result<(), MeshError> {
        let data = envelope.encode();
        if data.len() > self.max_gossip_bytes {
            return Err(MeshError::TooLarge {
                len: data.len(),
                max: self.max_gossip_bytes,
            });
        }
        self.call(|reply| Command::Publish { topic, data, reply })
            .await?
    }

    /// Publishes arbitrary bytes on `topic` without building an envelope: for tests and
    /// tools that probe other nodes' validation (other nodes reject anything that is not a
    /// valid envelope and penalise this node for it).
    ///
    /// # Errors
    /// As [`Client::publish`].
    pub async fn publish_raw(&self, topic: Topic, data: Vec<u8>) -> Result<(), MeshError> {
        self.call(|reply| Command::PublishRaw { topic, data, reply })
            .await?
    }

    /// A new bounded receiver of the validated messages on `topic` (capacity
    /// [`MeshConfig::subscriber_capacity`]; when it is full, new messages are dropped for
    /// this receiver and counted in [`MeshStats::dropped_full`]).
    ///
    /// # Errors
    /// [`MeshError::Stopped`].
    pub async fn subscribe(&self, topic: Topic) -> Result<mpsc::Receiver<Gossip>, MeshError> {
        self.call(|reply| Command::Subscribe { topic, reply }).await
    }

    /// Dials `addr` and waits until the connection is up; returns the remote peer id.
    ///
    /// # Errors
    /// [`MeshError::Dial`], [`MeshError::Stopped`].
    pub async fn dial(&self, addr: Multiaddr) -> Result<PeerId, MeshError> {
        self.call(|reply| Command::Dial { addr, reply }).await?
    }

    /// Addresses this node listens on, each ending in `/p2p/<peer id>` (ready to be
    /// another node's bootstrap address).
    ///
    /// # Errors
    /// [`MeshError::Stopped`].
    pub async fn listen_addrs(&self) -> Result<Vec<Multiaddr>, MeshError> {
        self.call(|reply| Command::ListenAddrs { reply }).await
    }

    /// Peers with an open connection.
    ///
    /// # Errors
    /// [`MeshError::Stopped`].
    pub async fn connected_peers(&self) -> Result<Vec<PeerId>, MeshError> {
        self.call(|reply| Command::ConnectedPeers { reply }).await
    }

    /// How many peers are known to be subscribed to `topic` (publishing needs ≥ 1).
    ///
    /// # Errors
    /// [`MeshError::Stopped`].
    pub async fn topic_peers(&self, topic: Topic) -> Result<usize, MeshError> {
        self.call(|reply| Command::TopicPeers { topic, reply })
            .await
    }

    /// Waits until at least `n` peers are subscribed to `topic`, or `timeout` passes.
    ///
    /// # Errors
    /// [`MeshError::Publish`] on timeout, [`MeshError::Stopped`].
    pub async fn wait_for_topic_peers(
        &self,
        topic: Topic,
        n: usize,
        timeout: Duration,
    ) -> Result<(), MeshError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.topic_peers(topic).await? >= n {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(MeshError::Publish(format!(
                    "fewer than {n} peers on topic {} after {timeout:?}",
                    topic.kind()
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The gossipsub score this node gives `peer` (`None` if unknown).
    ///
    /// # Errors
    /// [`MeshError::Stopped`].
    pub async fn peer_score(&self, peer: PeerId) -> Result<Option<f64>, MeshError> {
        self.call(|reply| Command::PeerScore { peer, reply }).await
    }

    /// Counters.
    ///
    /// # Errors
    /// [`MeshError::Stopped`].
    pub async fn stats(&self) -> Result<MeshStats, MeshError> {
        self.call(|reply| Command::Stats { reply }).await
    }

    /// Stores `bytes` locally and announces this node as a provider on Kademlia; returns
    /// the BLAKE3 id once the provider record has been sent to the closest peers (or the
    /// query ended: with no peer the record stays local).
    ///
    /// # Errors
    /// [`MeshError::BlobTooLarge`], [`MeshError::Io`], [`MeshError::Stopped`].
    pub async fn put_blob(&self, bytes: &[u8]) -> Result<ContentId, MeshError> {
        let id = self.store.put(bytes).await?;
        self.call(|reply| Command::StartProviding { id, reply })
            .await?;
        Ok(id)
    }

    /// The blob with this id: from the local store, else from a provider found on
    /// Kademlia, else from any connected peer. Bytes from the network are checked against
    /// the id (a peer sending other bytes is skipped), size-capped, stored, and this node
    /// then provides them too.
    ///
    /// # Errors
    /// [`MeshError::BlobNotFound`] when no peer served matching bytes; store errors.
    pub async fn get_blob(&self, id: ContentId) -> Result<Vec<u8>, MeshError> {
        if let Some(b) = self.store.get(&id).await? {
            return Ok(b);
        }
        let mut peers: Vec<PeerId> = self
            .call(|reply| Command::GetProviders { id, reply })
            .await?
            .into_iter()
            .filter(|p| *p != self.peer_id)
            .collect();
        for p in self.connected_peers().await? {
            if !peers.contains(&p) {
                peers.push(p);
            }
        }
        for peer in peers.into_iter().take(32) {
            let got = self
                .call(|reply| Command::RequestBlob { peer, id, reply })
                .await?;
            match got {
                Ok(Some(bytes)) => match id.verify(&bytes) {
                    Ok(()) => {
                        self.put_blob(&bytes).await?;
                        return Ok(bytes);
                    }
                    Err(e) => {
                        tracing::warn!(%peer, %e, "peer served a blob that does not match its id")
                    }
                },
                Ok(None) => {}
                Err(e) => tracing::debug!(%peer, %e, "blob request failed"),
            }
        }
        Err(MeshError::BlobNotFound(id))
    }

    /// Stops the event loop (other clones then fail with [`MeshError::Stopped`]).
    pub async fn shutdown(&self) {
        let _ = self.tx.send(Command::Shutdown).await;
    }
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
    let (served_tx, served_rx) = mpsc::channel(64);
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
        stats: MeshStats::default(),
        config,
    };
    let handle = tokio::spawn(ev.run());
    Ok((client, handle))
}

type BlobReply = oneshot::Sender<Result<Option<Vec<u8>>, MeshError>>;
type Served = (
    request_response::ResponseChannel<BlobResponse>,
    BlobResponse,
);

struct EventLoop {
    swarm: Swarm<Behaviour>,
    rx: mpsc::Receiver<Command>,
    served_tx: mpsc::Sender<Served>,
    served_rx: mpsc::Receiver<Served>,
    store: BlobStore,
    validator: GossipValidator,
    listen_addrs: Vec<Multiaddr>,
    subscribers: HashMap<Topic, Vec<mpsc::Sender<Gossip>>>,
    pending_dial: HashMap<ConnectionId, oneshot::Sender<Result<PeerId, MeshError>>>,
    pending_providers: HashMap<kad::QueryId, oneshot::Sender<HashSet<PeerId>>>,
    pending_providing: HashMap<kad::QueryId, oneshot::Sender<()>>,
    pending_requests: HashMap<OutboundRequestId, BlobReply>,
    stats: MeshStats,
    config: MeshConfig,
}

impl EventLoop {
    async fn run(mut self) {
        let mut bootstrap = tokio::time::interval(Duration::from_secs(30));
        loop {
            tokio::select! {
                ev = self.swarm.select_next_some() => self.on_swarm_event(ev),
                cmd = self.rx.recv() => match cmd {
                    Some(Command::Shutdown) | None => break,
                    Some(c) => self.on_command(c),
                },
                Some((channel, resp)) = self.served_rx.recv() => {
                    if resp.data.is_some() {
                        self.stats.blobs_served += 1;
                    }
                    let _ = self.swarm.behaviour_mut().blobs.send_response(channel, resp);
                }
                _ = bootstrap.tick() => {
                    if self.swarm.connected_peers().next().is_some() {
                        let _ = self.swarm.behaviour_mut().kad.bootstrap();
                    }
                }
            }
        }
        tracing::debug!(peer = %self.swarm.local_peer_id(), "mesh event loop stopped");
    }

    fn publish(&mut self, topic: Topic, data: Vec<u8>) -> Result<(), MeshError> {
        self.swarm
            .behaviour_mut()
            .gossipsub
            .publish(topic.ident(self.config.chain_id), data)
            .map(|_| ())
            .map_err(|e| MeshError::Publish(e.to_string()))
    }

    fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::Publish { topic, data, reply }
            | Command::PublishRaw { topic, data, reply } => {
                let _ = reply.send(self.publish(topic, data));
            }
            Command::Subscribe { topic, reply } => {
                let (tx, rx) = mpsc::channel(self.config.subscriber_capacity.max(1));
                self.subscribers.entry(topic).or_default().push(tx);
                let _ = reply.send(rx);
            }
            Command::Dial { addr, reply } => {
                let opts = DialOpts::from(addr.clone());
                let id = opts.connection_id();
                match self.swarm.dial(opts) {
                    Ok(()) => {
                        self.pending_dial.insert(id, reply);
                    }
                    Err(e) => {
                        let _ = reply.send(Err(MeshError::Dial(format!("{addr}: {e}"))));
                    }
                }
            }
            Command::ListenAddrs { reply } => {
                let me = *self.swarm.local_peer_id();
                let addrs = self
                    .listen_addrs
                    .iter()
                    .map(|a| a.clone().with(Protocol::P2p(me)))
                    .collect();
                let _ = reply.send(addrs);
            }
            Command::ConnectedPeers { reply } => {
                let _ = reply.send(self.swarm.connected_peers().copied().collect());
            }
            Command::TopicPeers { topic, reply } => {
                let h = topic.hash(self.config.chain_id);
                let n = self
                    .swarm
                    .behaviour()
                    .gossipsub
                    .all_peers()
                    .filter(|(_, ts)| ts.contains(&&h))
                    .count();
                let _ = reply.send(n);
            }
            Command::StartProviding { id, reply } => {
                match self
                    .swarm
                    .behaviour_mut()
                    .kad
                    .start_providing(kad::RecordKey::new(id.as_bytes()))
                {
                    Ok(q) => {
                        self.pending_providing.insert(q, reply);
                    }
                    Err(e) => {
                        tracing::warn!(%id, %e, "cannot record provider");
                        let _ = reply.send(());
                    }
                }
            }
            Command::GetProviders { id, reply } => {
                let q = self
                    .swarm
                    .behaviour_mut()
                    .kad
                    .get_providers(kad::RecordKey::new(id.as_bytes()));
                self.pending_providers.insert(q, reply);
            }
            Command::RequestBlob { peer, id, reply } => {
                let r = self
                    .swarm
                    .behaviour_mut()
                    .blobs
                    .send_request(&peer, BlobRequest { id: id.0 });
                self.pending_requests.insert(r, reply);
            }
            Command::PeerScore { peer, reply } => {
                let _ = reply.send(self.swarm.behaviour().gossipsub.peer_score(&peer));
            }
            Command::Stats { reply } => {
                let mut s = self.stats.clone();
                s.tracked_senders = self.validator.tracked_senders();
                s.connected_peers = self.swarm.connected_peers().count();
                let _ = reply.send(s);
            }
            Command::Shutdown => {}
        }
    }

    fn on_swarm_event(&mut self, ev: SwarmEvent<BehaviourEvent>) {
        match ev {
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(e)) => self.on_gossip(e),
            SwarmEvent::Behaviour(BehaviourEvent::Blobs(e)) => self.on_blobs(e),
            SwarmEvent::Behaviour(BehaviourEvent::Kad(e)) => self.on_kad(e),
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                for a in info.listen_addrs {
                    self.swarm.behaviour_mut().kad.add_address(&peer_id, a);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Discovered(list))) => {
                for (peer, addr) in list {
                    self.swarm
                        .behaviour_mut()
                        .kad
                        .add_address(&peer, addr.clone());
                    let _ = self.swarm.dial(addr);
                }
            }
            SwarmEvent::NewListenAddr { address, .. } if !self.listen_addrs.contains(&address) => {
                self.listen_addrs.push(address);
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                connection_id,
                ..
            } => {
                if let Some(r) = self.pending_dial.remove(&connection_id) {
                    let _ = r.send(Ok(peer_id));
                }
            }
            SwarmEvent::OutgoingConnectionError {
                connection_id,
                error,
                ..
            } => {
                if let Some(r) = self.pending_dial.remove(&connection_id) {
                    let _ = r.send(Err(MeshError::Dial(error.to_string())));
                }
            }
            _ => {}
        }
    }

    fn on_gossip(&mut self, e: gossipsub::Event) {
        let gossipsub::Event::Message {
            propagation_source,
            message_id,
            message,
        } = e
        else {
            return;
        };
        let verdict = self.validator.check(&message, now_ms());
        let acceptance = match verdict {
            Verdict::Accept(env) => {
                self.stats.accepted += 1;
                if let (Some(topic), Some(author)) =
                    (self.validator.topic(&message.topic), message.source)
                {
                    self.deliver(Gossip {
                        topic,
                        envelope: *env,
                        author,
                        via: propagation_source,
                    });
                }
                gossipsub::MessageAcceptance::Accept
            }
            Verdict::Reject(why) => {
                self.stats.rejected += 1;
                tracing::debug!(peer = %propagation_source, %why, "gossip rejected");
                gossipsub::MessageAcceptance::Reject
            }
            Verdict::Ignore(why) => {
                self.stats.ignored += 1;
                tracing::trace!(peer = %propagation_source, %why, "gossip ignored");
                gossipsub::MessageAcceptance::Ignore
            }
        };
        self.swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(&message_id, &propagation_source, acceptance);
    }

    fn deliver(&mut self, g: Gossip) {
        let Some(subs) = self.subscribers.get_mut(&g.topic) else {
            return;
        };
        subs.retain(|tx| match tx.try_send(g.clone()) {
            Ok(()) => {
                self.stats.delivered += 1;
                true
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.stats.dropped_full += 1;
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
    }

    fn on_blobs(&mut self, e: request_response::Event<BlobRequest, BlobResponse>) {
        match e {
            request_response::Event::Message { message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => {
                    let store = self.store.clone();
                    let tx = self.served_tx.clone();
                    tokio::spawn(async move {
                        let data = store
                            .get(&ContentId(request.id))
                            .await
                            .ok()
                            .flatten()
                            .map(serde_bytes::ByteBuf::from);
                        let _ = tx.send((channel, BlobResponse { data })).await;
                    });
                }
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    if let Some(r) = self.pending_requests.remove(&request_id) {
                        let _ = r.send(Ok(response.data.map(|b| b.into_vec())));
                    }
                }
            },
            request_response::Event::OutboundFailure {
                request_id, error, ..
            } => {
                if let Some(r) = self.pending_requests.remove(&request_id) {
                    let _ = r.send(Err(MeshError::Dial(error.to_string())));
                }
            }
            _ => {}
        }
    }

    fn on_kad(&mut self, e: kad::Event) {
        let kad::Event::OutboundQueryProgressed { id, result, .. } = e else {
            return;
        };
        let r = match result {
            kad::QueryResult::GetProviders(r) => r,
            kad::QueryResult::StartProviding(_) => {
                if let Some(reply) = self.pending_providing.remove(&id) {
                    let _ = reply.send(());
                }
                return;
            }
            _ => return,
        };
        match r {
            Ok(kad::GetProvidersOk::FoundProviders { providers, .. }) => {
                if let Some(reply) = self.pending_providers.remove(&id) {
                    let _ = reply.send(providers);
                    if let Some(mut q) = self.swarm.behaviour_mut().kad.query_mut(&id) {
                        q.finish();
                    }
                }
            }
            Ok(kad::GetProvidersOk::FinishedWithNoAdditionalRecord { .. }) | Err(_) => {
                if let Some(reply) = self.pending_providers.remove(&id) {
                    let _ = reply.send(HashSet::new());
                }
            }
        }
    }
}
