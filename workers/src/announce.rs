//! Gossip payloads the worker reads and writes.
//!
//! **Task announcement** (domain
//! [`TASK_ANNOUNCEMENT`](aos_protocol::envelope::domains::TASK_ANNOUNCEMENT), topic
//! `tasks`): an aos-protocol [`TaskAnnouncement`]; [`decode`] turns it into typed terms and
//! checks the inline spec against `specHash`, [`announcement`] builds one from terms.
//!
//! **Result** (domain `aos/result/v1`, topic `results`): an aos-protocol
//! [`TaskResult`](aos_protocol::messages::TaskResult) as JSON, `task_id` = `0x<taskId>`.

use alloy::primitives::B256;
use alloy::sol_types::SolValue;
use aos_chain::TaskParams;
use aos_protocol::MessageError;
pub use aos_protocol::messages::TaskAnnouncement;

/// A malformed announcement.
#[derive(Debug, thiserror::Error)]
pub enum AnnounceError {
    /// Not the JSON shape.
    #[error("announcement")]
    Message(#[from] MessageError),
    /// `params` is not an ABI-encoded `TaskParams`.
    #[error("announcement params")]
    Abi(#[source] alloy::sol_types::Error),
    /// The inline spec does not hash to `specHash`.
    #[error("inline spec does not match specHash")]
    SpecMismatch,
}

/// The announcement of a task posted with `params`, with its spec blob inline if given.
pub fn announcement(params: &TaskParams, spec: Option<Vec<u8>>) -> TaskAnnouncement {
    TaskAnnouncement {
        params: params.abi_encode(),
        spec,
    }
}

/// Parses a payload into the terms and the inline spec, checking the spec's hash.
///
/// # Errors
/// [`AnnounceError`].
pub fn decode(payload: &[u8]) -> Result<(TaskParams, Option<Vec<u8>>), AnnounceError> {
    let a = TaskAnnouncement::decode(payload)?;
    let params = TaskParams::abi_decode(&a.params).map_err(AnnounceError::Abi)?;
    if !a.spec_matches(&params.specHash.0) {
        return Err(AnnounceError::SpecMismatch);
    }
    Ok((params, a.spec))
}

/// `0x`-prefixed lowercase hex of a task id (the `task_id` of results).
pub fn task_id_string(id: B256) -> String {
    format!("{id:#x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::Address;
    use aos_protocol::ContentId;

    #[test]
    fn round_trip_and_mismatch() {
        let spec = b"{\"x\":1}".to_vec();
        let params = TaskParams::builder(Address::repeat_byte(1), 0)
            .with_payment(5)
            .with_spec_hash(B256::from(ContentId::of(&spec).0))
            .build();
        let a = announcement(&params, Some(spec.clone()));
        let back = decode(&a.encode()).unwrap();
        assert_eq!(back, (params.clone(), Some(spec)));
        let bad = announcement(&params, Some(b"other".to_vec()));
        assert!(matches!(
            decode(&bad.encode()),
            Err(AnnounceError::SpecMismatch)
        ));
    }
}
