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
    #[error("dial failed: {0}")]
    Dial(String),
    /// Publishing failed (for example no peer subscribed yet: `NoPeersSubscribedToTopic`).
    #[error("publish failed: {0}")]
    Publish(String),
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
    /// A key could not be converted between aos-protocol and libp2p.
    #[error("invalid key: {0}")]
    Key(String),
}
