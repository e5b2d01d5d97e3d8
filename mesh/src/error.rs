//! Errors of the mesh.

use aos_protocol::ContentId;

/// A mesh operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MeshError {
    /// The event loop has stopped (shut down or crashed); the [`crate::Client`] is dead.
    #[error("the mesh event loop is not running")]
    Stopped,
    /// Building the swarm or its transports failed.
    #[error("cannot build the swarm: {0}")]
    Build(String),
    /// Listening on an address failed.
    #[error("cannot listen on {addr}: {reason}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
    /// Dialing failed.
    #[error("dial {target} failed")]
    Dial {
        /// The address or peer dialed.
        target: String,
        /// Why (unreachable, wrong peer id, transport error, …).
        #[source]
        source: Box<libp2p::swarm::DialError>,
    },
    /// Publishing failed (for example no peer subscribed yet: `NoPeersSubscribedToTopic`).
    #[error("publish failed: {0}")]
    Publish(String),
    /// A blob request to a peer failed: refused (the peer is at its inbound limit), timed out,
    /// the connection closed, or the peer does not speak the protocol.
    #[error("blob request to {peer} failed")]
    Request {
        /// The peer asked.
        peer: String,
        /// The request-response failure.
        #[source]
        source: libp2p::request_response::OutboundFailure,
    },
    /// Waiting for a condition of the mesh timed out.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long it waited.
        after: std::time::Duration,
    },
    /// The envelope is larger than [`crate::MeshConfig::max_gossip_bytes`].
    #[error("message of {len} bytes exceeds the gossip limit of {max} bytes")]
    TooLarge {
        /// Encoded size, bytes.
        len: usize,
        /// Limit, bytes.
        max: usize,
    },
    /// The blob is larger than [`crate::MeshConfig::max_blob_bytes`].
    #[error("blob of {len} bytes exceeds the limit of {max} bytes")]
    BlobTooLarge {
        /// Size, bytes.
        len: u64,
        /// Limit, bytes.
        max: u64,
    },
    /// No peer served the blob (none provides it, or every provider failed).
    #[error("blob {0} not found on the mesh")]
    BlobNotFound(ContentId),
    /// A peer sent bytes that do not hash to the requested id (the peer is not trusted
    /// again for that request; other providers are tried first).
    #[error(transparent)]
    Content(#[from] aos_protocol::ContentError),
    /// Disk I/O of the blob store failed.
    #[error("blob store {path}: {source}")]
    Io {
        /// File or folder.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A `--listen` / `--bootstrap` setting is not a multiaddr.
    #[error("{setting} address {value:?} is not a multiaddr")]
    Address {
        /// Which setting (`listen`, `bootstrap`).
        setting: &'static str,
        /// The string given.
        value: String,
        /// Why it does not parse.
        #[source]
        source: libp2p::multiaddr::Error,
    },
    /// A key could not be converted between aos-protocol and libp2p.
    #[error("invalid key: {0}")]
    Key(String),
}

impl MeshError {
    /// Whether trying again later can succeed: a dial, a request, a publish before peers
    /// joined, a timeout or a blob nobody serves yet. Settings, keys, size limits, stopped
    /// nodes and mismatching content are not retryable.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Dial { .. }
                | Self::Publish(_)
                | Self::Request { .. }
                | Self::Timeout { .. }
                | Self::BlobNotFound(_)
        )
    }
}
