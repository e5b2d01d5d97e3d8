//! Mesh settings.

use std::path::PathBuf;
use std::time::Duration;

use aos_protocol::VerifierConfig;
use libp2p::Multiaddr;

use crate::{MeshError, Topic};

/// Settings for [`crate::spawn`]. Build with [`MeshConfig::new`] and the `with_*` methods;
/// fields are public for configuration files.
#[derive(Debug, Clone)]
#[must_use]
pub struct MeshConfig {
    /// EIP-155 chain id: names the topics and is checked in every envelope.
    pub chain_id: u64,
    /// Addresses to listen on, e.g. `/ip4/0.0.0.0/tcp/4001`, `/ip4/0.0.0.0/udp/4001/quic-v1`.
    /// Default: one loopback TCP port chosen by the OS.
    pub listen: Vec<Multiaddr>,
    /// Peers to dial at start, with their `/p2p/<peer id>` suffix so Kademlia can use them.
    pub bootstrap: Vec<Multiaddr>,
    /// Discover peers on the local network with mDNS (default off).
    pub mdns: bool,
    /// Folder of the blob store.
    pub blob_dir: PathBuf,
    /// Largest blob stored, served or fetched, bytes (default 8 MiB).
    pub max_blob_bytes: u64,
    /// Largest gossip message, bytes (default 256 KiB; blobs travel by request-response).
    pub max_gossip_bytes: usize,
    /// Capacity of the command channel (default 256).
    pub command_capacity: usize,
    /// Capacity of each subscriber's channel (default 1024 messages).
    pub subscriber_capacity: usize,
    /// Topics to join at start (default all: a node relays every topic).
    pub topics: Vec<Topic>,
    /// Envelope checks: time window, replay, rate per sender (white paper §8.2).
    pub verifier: VerifierConfig,
    /// Gossipsub heartbeat (default 500 ms).
    pub heartbeat: Duration,
    /// Timeout of one blob request (default 10 s).
    pub request_timeout: Duration,
    /// Close connections idle for this long (default 60 s).
    pub idle_timeout: Duration,
    /// Inbound blob requests served at once by this node, all peers together (default 64);
    /// a request beyond it is refused (its stream closed unanswered) and counted in
    /// [`crate::MeshStats::blob_requests_refused`], so a flood cannot grow memory or tasks.
    pub max_inbound_blob_requests: usize,
    /// Inbound blob requests served at once for one peer (default 8), so one peer cannot
    /// take the whole [`MeshConfig::max_inbound_blob_requests`] budget.
    pub max_inbound_blob_requests_per_peer: usize,
}

impl MeshConfig {
    /// Defaults for `chain_id`, storing blobs under `blob_dir`.
    pub fn new(chain_id: u64, blob_dir: impl Into<PathBuf>) -> Self {
        Self {
            chain_id,
            listen: vec!["/ip4/127.0.0.1/tcp/0".parse().expect("valid multiaddr")],
            bootstrap: Vec::new(),
            mdns: false,
            blob_dir: blob_dir.into(),
            max_blob_bytes: 8 << 20,
            max_gossip_bytes: 256 << 10,
            command_capacity: 256,
            subscriber_capacity: 1024,
            topics: Topic::ALL.to_vec(),
            verifier: VerifierConfig::new(chain_id),
            heartbeat: Duration::from_millis(500),
            request_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_inbound_blob_requests: 64,
            max_inbound_blob_requests_per_peer: 8,
        }
    }

    /// Listen on these addresses instead of the default.
    pub fn with_listen(mut self, addrs: Vec<Multiaddr>) -> Self {
        self.listen = addrs;
        self
    }

    /// Dial these peers at start.
    pub fn with_bootstrap(mut self, addrs: Vec<Multiaddr>) -> Self {
        self.bootstrap = addrs;
        self
    }

    /// Turn mDNS discovery on or off.
    pub fn with_mdns(mut self, on: bool) -> Self {
        self.mdns = on;
        self
    }

    /// Envelope verifier settings (its chain id should equal [`MeshConfig::chain_id`]).
    pub fn with_verifier(mut self, v: VerifierConfig) -> Self {
        self.verifier = v;
        self
    }

    /// Capacity of each subscriber's channel, messages.
    pub fn with_subscriber_capacity(mut self, n: usize) -> Self {
        self.subscriber_capacity = n.max(1);
        self
    }

    /// Largest blob, bytes.
    pub fn with_max_blob_bytes(mut self, n: u64) -> Self {
        self.max_blob_bytes = n;
        self
    }

    /// Listen on and bootstrap from the shared `--listen` / `--bootstrap` settings
    /// (`aos-args` `MeshArgs`, multiaddr strings); an empty `listen` keeps the default (one
    /// loopback TCP port).
    ///
    /// # Errors
    /// [`MeshError::Address`] naming the setting and the string that is not a multiaddr.
    pub fn with_addresses(
        mut self,
        listen: &[String],
        bootstrap: &[String],
    ) -> Result<Self, MeshError> {
        let parse = |setting: &'static str, list: &[String]| {
            list.iter()
                .map(|a| {
                    a.parse::<Multiaddr>().map_err(|source| MeshError::Address {
                        setting,
                        value: a.clone(),
                        source,
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        };
        if !listen.is_empty() {
            self.listen = parse("listen", listen)?;
        }
        self.bootstrap = parse("bootstrap", bootstrap)?;
        Ok(self)
    }

    /// Inbound blob requests served at once: `total` for all peers, `per_peer` for one
    /// (each at least 1).
    pub fn with_inbound_blob_limits(mut self, total: usize, per_peer: usize) -> Self {
        self.max_inbound_blob_requests = total.max(1);
        self.max_inbound_blob_requests_per_peer = per_peer.max(1);
        self
    }
}
