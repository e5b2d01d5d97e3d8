//! The task that owns the swarm: commands, swarm events, gossip validation, blob serving.

use super::*;

pub(super) type BlobReply = oneshot::Sender<Result<Option<Vec<u8>>, MeshError>>;
pub(super) type Served = (
    PeerId,
    request_response::ResponseChannel<BlobResponse>,
    BlobResponse,
);

pub(super) struct EventLoop {
    pub(super) swarm: Swarm<Behaviour>,
    pub(super) rx: mpsc::Receiver<Command>,
    pub(super) served_tx: mpsc::Sender<Served>,
    pub(super) served_rx: mpsc::Receiver<Served>,
    pub(super) store: BlobStore,
    pub(super) validator: GossipValidator,
    pub(super) listen_addrs: Vec<Multiaddr>,
    pub(super) subscribers: HashMap<Topic, Vec<mpsc::Sender<Gossip>>>,
    pub(super) pending_dial: HashMap<ConnectionId, oneshot::Sender<Result<PeerId, MeshError>>>,
    pub(super) pending_providers: HashMap<kad::QueryId, oneshot::Sender<HashSet<PeerId>>>,
    pub(super) pending_providing: HashMap<kad::QueryId, oneshot::Sender<()>>,
    pub(super) pending_requests: HashMap<OutboundRequestId, (PeerId, BlobReply)>,
    /// Inbound blob requests being served, all peers and per peer.
    pub(super) inbound: usize,
    pub(super) inbound_per_peer: HashMap<PeerId, usize>,
    pub(super) stats: MeshStats,
    pub(super) config: MeshConfig,
}

impl EventLoop {
    pub(super) async fn run(mut self) {
        let mut bootstrap = tokio::time::interval(Duration::from_secs(30));
        loop {
            tokio::select! {
                ev = self.swarm.select_next_some() => self.on_swarm_event(ev),
                cmd = self.rx.recv() => match cmd {
                    Some(Command::Shutdown) | None => break,
                    Some(c) => self.on_command(c),
                },
                Some((peer, channel, resp)) = self.served_rx.recv() => {
                    self.inbound_done(peer);
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
                        let _ = reply.send(Err(MeshError::Dial {
                            target: addr.to_string(),
                            source: Box::new(e),
                        }));
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
                self.pending_requests.insert(r, (peer, reply));
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
                peer_id,
                error,
            } => {
                if let Some(r) = self.pending_dial.remove(&connection_id) {
                    let target = peer_id.map_or_else(|| "peer".to_string(), |p| p.to_string());
                    let _ = r.send(Err(MeshError::Dial {
                        target,
                        source: Box::new(error),
                    }));
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

    /// Serves inbound blob requests within [`MeshConfig::max_inbound_blob_requests`] (all
    /// peers) and [`MeshConfig::max_inbound_blob_requests_per_peer`]; a request beyond either
    /// is refused by dropping its channel (the requester sees the stream closed), so a peer
    /// that opens thousands of requests costs a counter, not a task each.
    fn on_blobs(&mut self, e: request_response::Event<BlobRequest, BlobResponse>) {
        match e {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => {
                    let mine = self.inbound_per_peer.get(&peer).copied().unwrap_or(0);
                    if self.inbound >= self.config.max_inbound_blob_requests
                        || mine >= self.config.max_inbound_blob_requests_per_peer
                    {
                        self.stats.blob_requests_refused += 1;
                        tracing::debug!(%peer, inflight = self.inbound, "blob request refused: limit reached");
                        drop(channel);
                        return;
                    }
                    self.inbound += 1;
                    *self.inbound_per_peer.entry(peer).or_default() += 1;
                    self.stats.blob_requests_inflight_peak =
                        self.stats.blob_requests_inflight_peak.max(self.inbound);
                    let store = self.store.clone();
                    let tx = self.served_tx.clone();
                    tokio::spawn(async move {
                        let data = match store.get(&ContentId(request.id)).await {
                            Ok(d) => d.map(serde_bytes::ByteBuf::from),
                            Err(e) => {
                                tracing::warn!(%e, "blob store read failed; answering none");
                                None
                            }
                        };
                        // cannot block: the channel's capacity equals the permits
                        let _ = tx.send((peer, channel, BlobResponse { data })).await;
                    });
                }
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    if let Some((_, r)) = self.pending_requests.remove(&request_id) {
                        let _ = r.send(Ok(response.data.map(|b| b.into_vec())));
                    }
                }
            },
            request_response::Event::OutboundFailure {
                request_id, error, ..
            } => {
                if let Some((peer, r)) = self.pending_requests.remove(&request_id) {
                    let _ = r.send(Err(MeshError::Request {
                        peer: peer.to_string(),
                        source: error,
                    }));
                }
            }
            _ => {}
        }
    }

    fn inbound_done(&mut self, peer: PeerId) {
        self.inbound = self.inbound.saturating_sub(1);
        if let Some(n) = self.inbound_per_peer.get_mut(&peer) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.inbound_per_peer.remove(&peer);
            }
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
