//! # aos-protocol
//!
//! The pure core of Amorphous OS (AOS): agent identities, signed envelopes, content ids,
//! message types and karma math. No async runtime, database, network or HTTP crate: the
//! only I/O is reading and writing key files through `std` (DESIGN.md "Parts").
//!
//! | module | what | source rule |
//! |---|---|---|
//! | [`identity`] | Ed25519 [`AgentId`] / [`AgentKey`], registry binding signature | WP §3.1, DESIGN "Identity" |
//! | [`keyfile`] | passphrase-encrypted key files (Argon2id + XChaCha20-Poly1305) | RFC 9106 |
//! | [`envelope`] | signed [`Envelope`], deterministic CBOR wire form, batch verify | WP §8.2, RFC 8949 §4.2.1 |
//! | [`verifier`] | [`Verifier`]: signature, timestamp window, replay, rate | WP §8.2 |
//! | [`replay`] | bounded per-sender nonce windows | |
//! | [`content`], [`dag`] | BLAKE3 [`ContentId`], [`DagNode`] | WP §3.1 |
//! | [`delegation_chain`] | audited delegation hops | WP §6.4 |
//! | [`messages`] | task spec, human task, delegation, result, attestation, plan, acceptance criteria, verdict | WP §4.3, §6.2, §6.3, §8.1 |
//! | [`karma`] | karma vector, WAD math (EMA, attenuation, decay), requirements, weights | WP §5 |
//! | [`signing`] | detached signatures over canonical CBOR of messages | |
//! | [`cbor`] | deterministic CBOR helpers | RFC 8949 §4.2.1 |

pub mod cbor;
pub mod content;
pub mod dag;
pub mod delegation_chain;
pub mod envelope;
pub mod identity;
pub mod karma;
pub mod keyfile;
pub mod messages;
pub mod replay;
pub mod signing;
pub mod verifier;

pub use cbor::{CborError, to_canonical_cbor};
pub use content::{ContentError, ContentId};
pub use dag::{DagError, DagNode};
pub use delegation_chain::{Delegate, DelegationChain, DelegationError, DelegationHop};
pub use envelope::{Envelope, EnvelopeError, verify_signatures_batch};
pub use identity::{
    AgentId, AgentKey, AgentSignature, IdentityError, binding_message, sign_binding,
    verify_binding, verify_with_key,
};
pub use keyfile::{KdfParams, KeyFile, KeyFileError};
pub use messages::{Message, MessageError};
pub use replay::{ReplayError, ReplayTable};
pub use signing::{SignError, SignedMessage};
pub use verifier::{Verifier, VerifierConfig, VerifyError};
