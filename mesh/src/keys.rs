//! Key conversions between aos-protocol (ed25519-dalek 2) and libp2p-identity
//! (ed25519-dalek 3): through the 32 raw bytes, as TOOLCHAIN.md advises.

use aos_protocol::{AgentId, AgentKey};
use libp2p::PeerId;
use libp2p::identity::{Keypair, PublicKey, ed25519};

use crate::MeshError;

/// The libp2p keypair of an agent key: same Ed25519 secret, so
/// `PeerId::from(keypair.public()) == peer_id_of(&key.agent_id())`.
pub fn keypair_of(key: &AgentKey) -> Keypair {
    let mut secret = *key.secret_bytes();
    // `try_from_bytes` zeroises `secret`; it only fails on a length other than 32.
    let sk = ed25519::SecretKey::try_from_bytes(&mut secret)
        .expect("an Ed25519 secret seed is 32 bytes");
    Keypair::from(ed25519::Keypair::from(sk))
}

/// The peer id of an agent.
///
/// # Errors
/// [`MeshError::Key`] when the 32 bytes are not a valid Ed25519 point.
pub fn peer_id_of(agent: &AgentId) -> Result<PeerId, MeshError> {
    let pk = ed25519::PublicKey::try_from_bytes(agent.as_bytes())
        .map_err(|e| MeshError::Key(e.to_string()))?;
    Ok(PeerId::from_public_key(&PublicKey::from(pk)))
}

/// The agent behind a peer id, when the peer id inlines an Ed25519 key (identity
/// multihash, as every Ed25519 peer id does); `None` otherwise.
pub fn agent_id_of(peer: &PeerId) -> Option<AgentId> {
    let mh = peer.as_ref();
    if mh.code() != 0 {
        return None;
    }
    let pk = PublicKey::try_decode_protobuf(mh.digest()).ok()?;
    let ed = pk.try_into_ed25519().ok()?;
    Some(AgentId::from_bytes(ed.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_identity() {
        let key = AgentKey::generate();
        let kp = keypair_of(&key);
        let pid = PeerId::from(kp.public());
        assert_eq!(pid, peer_id_of(&key.agent_id()).unwrap());
        assert_eq!(agent_id_of(&pid), Some(key.agent_id()));
        let other = PeerId::random();
        assert_eq!(agent_id_of(&other), None);
    }
}
