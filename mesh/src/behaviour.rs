//! The composed libp2p behaviour and the swarm builder.

use std::time::Duration;

use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::{
    StreamProtocol, Swarm, gossipsub, identify, identity::Keypair, kad, mdns, noise, ping,
    request_response, tcp, yamux,
};
use serde::{Deserialize, Serialize};

use crate::{MeshConfig, MeshError, scoring};

/// Protocol of blob requests.
pub const BLOB_PROTOCOL: &str = "/aos/blob/1";
/// Protocol of the AOS Kademlia DHT (separate from the public IPFS DHT).
pub const KAD_PROTOCOL: &str = "/aos/kad/1.0.0";
/// Identify protocol version string.
pub const IDENTIFY_VERSION: &str = "/aos/1";

/// A request for the blob with this BLAKE3 id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlobRequest {
    /// The id's 32 bytes.
    pub id: [u8; 32],
}

/// The answer: the blob, or `None` when the peer does not have it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlobResponse {
    /// The bytes (checked against the id by the receiver).
    pub data: Option<serde_bytes::ByteBuf>,
}

pub use composed::{Behaviour, BehaviourEvent};

/// The derive generates `BehaviourEvent` (one variant per field, named after it).
#[allow(missing_docs)]
mod composed {
    use libp2p::swarm::NetworkBehaviour;
    use libp2p::swarm::behaviour::toggle::Toggle;
    use libp2p::{gossipsub, identify, kad, mdns, ping, request_response};

    use super::{BlobRequest, BlobResponse};

    /// Everything a mesh node speaks.
    #[derive(NetworkBehaviour)]
    pub struct Behaviour {
        /// Exchange of listen addresses and protocols (feeds Kademlia).
        pub identify: identify::Behaviour,
        /// Liveness.
        pub ping: ping::Behaviour,
        /// Peer discovery and blob provider records.
        pub kad: kad::Behaviour<kad::store::MemoryStore>,
        /// Blob fetch by id, size-capped by the codec.
        pub blobs: request_response::cbor::Behaviour<BlobRequest, BlobResponse>,
        /// Topics.
        pub gossipsub: gossipsub::Behaviour,
        /// Local discovery, when enabled.
        pub mdns: Toggle<mdns::tokio::Behaviour>,
    }
}

/// The gossipsub settings: strict signing, application validation, size cap.
///
/// # Errors
/// [`MeshError::Build`] for inconsistent settings.
pub fn gossipsub_config(cfg: &MeshConfig) -> Result<gossipsub::Config, MeshError> {
    gossipsub::ConfigBuilder::default()
        .heartbeat_interval(cfg.heartbeat)
        .validation_mode(gossipsub::ValidationMode::Strict)
        .validate_messages()
        .max_transmit_size(cfg.max_gossip_bytes + 1024)
        .duplicate_cache_time(Duration::from_secs(120))
        .build()
        .map_err(|e| MeshError::Build(format!("gossipsub config: {e}")))
}

/// Builds the behaviour for `keypair`.
///
/// # Errors
/// [`MeshError::Build`].
pub fn behaviour(keypair: &Keypair, cfg: &MeshConfig) -> Result<Behaviour, MeshError> {
    let peer_id = keypair.public().to_peer_id();
    let mut gossipsub = gossipsub::Behaviour::new(
        gossipsub::MessageAuthenticity::Signed(keypair.clone()),
        gossipsub_config(cfg)?,
    )
    .map_err(|e| MeshError::Build(format!("gossipsub: {e}")))?;
    gossipsub
        .with_peer_score(
            scoring::params(cfg.chain_id, &cfg.topics),
            scoring::thresholds(),
        )
        .map_err(|e| MeshError::Build(format!("peer score: {e}")))?;

    let mut kad_cfg = kad::Config::new(StreamProtocol::new(KAD_PROTOCOL));
    kad_cfg.set_query_timeout(Duration::from_secs(5));
    let mut kad =
        kad::Behaviour::with_config(peer_id, kad::store::MemoryStore::new(peer_id), kad_cfg);
    kad.set_mode(Some(kad::Mode::Server));

    let codec = request_response::cbor::codec::Codec::default()
        .set_request_size_maximum(1024)
        .set_response_size_maximum(cfg.max_blob_bytes + 1024);
    let blobs = request_response::Behaviour::with_codec(
        codec,
        [(
            StreamProtocol::new(BLOB_PROTOCOL),
            request_response::ProtocolSupport::Full,
        )],
        request_response::Config::default().with_request_timeout(cfg.request_timeout),
    );

    let mdns = if cfg.mdns {
        Some(
            mdns::tokio::Behaviour::new(mdns::Config::default(), peer_id)
                .map_err(|e| MeshError::Build(format!("mdns: {e}")))?,
        )
    } else {
        None
    };

    Ok(Behaviour {
        identify: identify::Behaviour::new(identify::Config::new(
            IDENTIFY_VERSION.into(),
            keypair.public(),
        )),
        ping: ping::Behaviour::default(),
        kad,
        blobs,
        gossipsub,
        mdns: Toggle::from(mdns),
    })
}

/// Builds the swarm: TCP + Noise + Yamux, and QUIC, on tokio.
///
/// # Errors
/// [`MeshError::Build`].
pub fn build_swarm(keypair: Keypair, cfg: &MeshConfig) -> Result<Swarm<Behaviour>, MeshError> {
    let b = behaviour(&keypair, cfg)?;
    let swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| MeshError::Build(format!("tcp: {e}")))?
        .with_quic()
        .with_behaviour(|_| b)
        .map_err(|e| MeshError::Build(format!("behaviour: {e}")))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(cfg.idle_timeout))
        .build();
    Ok(swarm)
}
