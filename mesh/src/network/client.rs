//! [`Client`]: the cloneable handle to a running node.

use super::*;

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
    /// [`MeshError::Timeout`], [`MeshError::Stopped`].
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
                return Err(MeshError::Timeout {
                    what: format!("{n} peers on topic {}", topic.kind()),
                    after: timeout,
                });
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
            let got = match self.request_blob_from(peer, id).await {
                Err(MeshError::Stopped) => return Err(MeshError::Stopped),
                other => other,
            };
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

    /// Asks `peer` (connected) for the blob with this id and returns its answer unchecked:
    /// `None` when the peer does not have it. [`Client::get_blob`] is the checked fetch;
    /// this is for tools and tests that talk to one peer.
    ///
    /// # Errors
    /// [`MeshError::Request`] (the peer refused, timed out or is unreachable),
    /// [`MeshError::Stopped`].
    pub async fn request_blob_from(
        &self,
        peer: PeerId,
        id: ContentId,
    ) -> Result<Option<Vec<u8>>, MeshError> {
        self.call(|reply| Command::RequestBlob { peer, id, reply })
            .await?
    }

    /// Stops the event loop (other clones then fail with [`MeshError::Stopped`]).
    pub async fn shutdown(&self) {
        let _ = self.tx.send(Command::Shutdown).await;
    }
}
