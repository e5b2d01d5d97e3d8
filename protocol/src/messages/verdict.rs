//! Verdicts: an evaluator's signed judgement of one result against its spec's
//! [`Acceptance`](super::Acceptance) (issue 13). A verdict is stored as a blob and
//! referenced from chain as evidence (ERC-1497 `Evidence`), so it holds no floats: every
//! score is an integer in basis points and its JSON bytes are the same on every machine.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::acceptance::{BPS, MAX_KIND_LEN, check_bps};
use super::common::{MAX_ID_LEN, Message, check_str};
use super::error::MessageError;
use super::result_blob::check_hash;
use crate::content::ContentId;
use crate::identity::{AgentId, AgentSignature};
use crate::signing::SignedMessage;

/// Most outcomes in one verdict.
pub const MAX_VERDICT_CHECKS: usize = 64;
/// Longest [`CheckOutcome::reason`], bytes.
pub const MAX_REASON_LEN: usize = 1024;
/// Longest [`JudgeRecord::rationale`], bytes.
pub const MAX_RATIONALE_LEN: usize = 2048;
/// Longest [`JudgeRecord::judge`] identity, bytes.
pub const MAX_JUDGE_ID_LEN: usize = 256;

/// The outcome of one check.
///
/// Rules: `kind` non-empty ≤ 128 bytes; `score_bps ≤ 10 000`; `reason` ≤
/// [`MAX_REASON_LEN`] bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckOutcome {
    /// What was checked: a [`Check`](super::Check) kind (`"json_schema"`, …) or
    /// `"injection_screen"`, `"wasm_checker"`, `"photo_geolocation"`, `"rubric"`.
    pub kind: String,
    /// Whether the output passed.
    pub pass: bool,
    /// Score, basis points (10 000 = full marks; pass/fail checks give 10 000 or 0).
    pub score_bps: u16,
    /// Why, specific enough to act on (`"missing required pattern `\d{4}`"`).
    pub reason: String,
}

impl CheckOutcome {
    /// A passing outcome with full marks.
    pub fn passed(kind: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            pass: true,
            score_bps: BPS,
            reason: reason.into(),
        }
    }

    /// A failing outcome with score 0.
    pub fn failed(kind: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            pass: false,
            score_bps: 0,
            reason: reason.into(),
        }
    }

    fn validate(&self) -> Result<(), MessageError> {
        check_str("checks.kind", &self.kind, MAX_KIND_LEN, true)?;
        check_bps("checks.score_bps", self.score_bps)?;
        check_str("checks.reason", &self.reason, MAX_REASON_LEN, false)
    }
}

/// What a rubric's judge said.
///
/// Rules: `judge` non-empty ≤ [`MAX_JUDGE_ID_LEN`] bytes; both scores ≤ 10 000;
/// `rationale` ≤ [`MAX_RATIONALE_LEN`] bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JudgeRecord {
    /// Who judged: `"local:SmolLM2-135M-Instruct.Q4_1.gguf"`, `"openai:gpt-4o"`,
    /// `"person:0xabc…"`.
    pub judge: String,
    /// The judge's score, basis points.
    pub score_bps: u16,
    /// The rubric's passing threshold, basis points.
    pub threshold_bps: u16,
    /// The judge's reasons, in its own words.
    pub rationale: String,
}

impl JudgeRecord {
    fn validate(&self) -> Result<(), MessageError> {
        check_str("judge.judge", &self.judge, MAX_JUDGE_ID_LEN, true)?;
        check_bps("judge.score_bps", self.score_bps)?;
        check_bps("judge.threshold_bps", self.threshold_bps)?;
        check_str("judge.rationale", &self.rationale, MAX_RATIONALE_LEN, false)
    }
}

/// An evaluator's verdict on one result (issue 13): which checks ran, how each went, the
/// judge's record for a rubric, and the overall `pass` and `score_bps`. Signed by
/// `evaluator`; stored as a blob (see [`Verdict::to_blob`]) and referenced from chain as
/// evidence.
///
/// Rules ([`Message::validate`]): `task_id` non-empty ≤ 128 bytes; `spec_hash` and
/// `result_hash` `0x` + 64 hex digits; `score_bps ≤ 10 000`; at most
/// [`MAX_VERDICT_CHECKS`] outcomes, each valid ([`CheckOutcome`]); `pass` is true exactly
/// when every outcome passed; the judge record valid ([`JudgeRecord`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// The on-chain task id (the result blob's `task_id`).
    pub task_id: String,
    /// The spec blob's id (`specHash` on chain), `0x` + 64 hex digits.
    pub spec_hash: String,
    /// The result blob's id (`resultHash` on chain), `0x` + 64 hex digits.
    pub result_hash: String,
    /// Who evaluated (the all-zero id for an unsigned self-check).
    pub evaluator: AgentId,
    /// Whether the result is accepted: every outcome passed.
    pub pass: bool,
    /// Overall score, basis points (the `aos-verify` evaluator: the floor of the mean of
    /// the outcomes' scores).
    pub score_bps: u16,
    /// One outcome per check, in the order they ran.
    pub checks: Vec<CheckOutcome>,
    /// The rubric judge's record, when a rubric was judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge: Option<JudgeRecord>,
    /// `evaluator`'s signature ([`SignedMessage`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<AgentSignature>,
}

impl Verdict {
    /// The verdict's blob: its compact JSON bytes (field order fixed by the type, no maps
    /// and no floats, so the same verdict gives the same bytes everywhere) and their
    /// content id.
    ///
    /// # Errors
    /// [`MessageError::Json`] (not expected: every field serialises).
    pub fn to_blob(&self) -> Result<(Vec<u8>, ContentId), MessageError> {
        let bytes = self.to_json()?;
        let id = ContentId::of(&bytes);
        Ok((bytes, id))
    }
}

impl Message for Verdict {
    const NAME: &'static str = "verdict";

    fn validate(&self) -> Result<(), MessageError> {
        check_str("task_id", &self.task_id, MAX_ID_LEN, true)?;
        check_hash("spec_hash", &self.spec_hash)?;
        check_hash("result_hash", &self.result_hash)?;
        check_bps("score_bps", self.score_bps)?;
        if self.checks.len() > MAX_VERDICT_CHECKS {
            return Err(MessageError::invalid(
                "checks",
                format!("more than {MAX_VERDICT_CHECKS} outcomes"),
            ));
        }
        self.checks.iter().try_for_each(CheckOutcome::validate)?;
        if self.pass != self.checks.iter().all(|c| c.pass) {
            return Err(MessageError::invalid(
                "pass",
                "must be true exactly when every check passed",
            ));
        }
        if let Some(j) = &self.judge {
            j.validate()?;
        }
        Ok(())
    }
}

impl SignedMessage for Verdict {
    const DOMAIN: &'static str = "aos/verdict/v1";

    fn signer(&self) -> &AgentId {
        &self.evaluator
    }

    fn signature(&self) -> Option<&AgentSignature> {
        self.signature.as_ref()
    }

    fn set_signature(&mut self, sig: Option<AgentSignature>) {
        self.signature = sig;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AgentKey;

    fn verdict() -> Verdict {
        Verdict {
            task_id: format!("0x{}", "01".repeat(32)),
            spec_hash: format!("0x{}", "02".repeat(32)),
            result_hash: format!("0x{}", "03".repeat(32)),
            evaluator: AgentKey::from_secret_bytes(&[9; 32]).agent_id(),
            pass: false,
            score_bps: 5000,
            checks: vec![
                CheckOutcome::passed("length", "120 chars, within 1..=500"),
                CheckOutcome::failed("pattern", "missing required pattern `\\d{4}`"),
            ],
            judge: Some(JudgeRecord {
                judge: "openai:gpt-4o".into(),
                score_bps: 7000,
                threshold_bps: 6000,
                rationale: "covers the timeline".into(),
            }),
            signature: None,
        }
    }

    #[test]
    fn signs_round_trips_and_gives_stable_blob_bytes() {
        let mut v = verdict();
        v.validate().unwrap();
        v.sign_with(&AgentKey::from_secret_bytes(&[9; 32])).unwrap();
        let (bytes, id) = v.to_blob().unwrap();
        let back = Verdict::from_json(&bytes).unwrap();
        back.verify_signature().unwrap();
        assert_eq!(back, v);
        assert_eq!(back.to_blob().unwrap(), (bytes.clone(), id));
        id.verify(&bytes).unwrap();
        let mut tampered = back;
        tampered.pass = true;
        tampered.checks[1].pass = true;
        assert!(tampered.verify_signature().is_err());
        // a key other than the evaluator's cannot sign
        let mut other = verdict();
        assert!(
            other
                .sign_with(&AgentKey::from_secret_bytes(&[1; 32]))
                .is_err()
        );
    }

    #[test]
    fn refuses_what_breaks_the_rules() {
        let mut v = verdict();
        v.pass = true;
        assert!(v.validate().is_err(), "pass with a failing check");
        let mut v = verdict();
        v.score_bps = 10_001;
        assert!(v.validate().is_err());
        let mut v = verdict();
        v.result_hash = "blake3:00".into();
        assert!(v.validate().is_err());
        let mut v = verdict();
        v.checks[0].reason = "x".repeat(MAX_REASON_LEN + 1);
        assert!(v.validate().is_err());
        let mut v = verdict();
        if let Some(j) = v.judge.as_mut() {
            j.judge.clear();
        }
        assert!(v.validate().is_err());
        let mut j = serde_json::to_value(verdict()).unwrap();
        j["score"] = serde_json::json!(0.5);
        assert!(Verdict::from_json(&serde_json::to_vec(&j).unwrap()).is_err());
    }
}
