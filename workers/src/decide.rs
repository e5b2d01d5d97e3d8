//! Whether to claim a task: the checks a worker makes before staking (DESIGN.md
//! "worker": "checks requirements against its own karma and skills").

use std::sync::Arc;

use alloy::primitives::Address;
use aos_chain::{TaskParams, bytes32_to_domain};
use aos_protocol::ContentId;
use aos_protocol::karma::wad_from_f64;
use aos_protocol::messages::{MessageError, TaskSpec};

use crate::config::WorkerConfig;

/// The worker's own on-chain karma in the task's domain, WAD (1e18 = 1.0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OwnKarma {
    /// Decayed accuracy EMA.
    pub accuracy_wad: u128,
    /// Decayed completion-rate EMA.
    pub completion_wad: u128,
}

/// Why a task's spec blob cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpecError {
    /// Not inline, not in the local store, and neither the mesh nor the HTTP gateway
    /// served bytes that hash to `specHash` (after three tries).
    #[error("blob {0} not found")]
    NotFound(ContentId),
    /// The blob is not a valid `TaskSpec` (shared so [`Refusal`] stays `Clone`).
    #[error(transparent)]
    Parse(Arc<MessageError>),
}

/// Why a task is not for this worker.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    /// We posted it.
    #[error("we are the requester")]
    OwnTask,
    /// Domain not in the configured list.
    #[error("domain {0:?} not served")]
    Domain(String),
    /// Asset not accepted or payment below the minimum.
    #[error("payment {payment} of asset {asset} below the minimum or asset not accepted")]
    Payment {
        /// Asset address.
        asset: Address,
        /// Payment, asset units.
        payment: u128,
    },
    /// Not enough time left.
    #[error("deadline too close: {left_s} s left, margin {margin_s} s")]
    Deadline {
        /// Seconds left to the completion deadline.
        left_s: i64,
        /// Required margin.
        margin_s: u64,
    },
    /// Claim window closed.
    #[error("claim deadline passed")]
    ClaimClosed,
    /// Missing skill.
    #[error("missing skill {0:?}")]
    Skill(String),
    /// No executor takes this task type.
    #[error("no executor for task type {0:?}")]
    TaskType(String),
    /// Karma below a minimum (or a dimension this worker cannot prove).
    #[error("karma requirement {0} not met")]
    Karma(String),
    /// We already took a task with the same spec: the requester posted it k times for k
    /// independent answers (white paper §6.2 spec; issue 13 "agreement"), and a second answer
    /// from us would be rejected as a duplicate vote.
    #[error("we already took a task with the same spec (redundant tasks want independent workers)")]
    SameSpec,
    /// Our claim of another task with the same spec is in flight: looked at again later (if
    /// that claim is lost, this one may be ours).
    #[error("our claim of a task with the same spec is in flight")]
    SameSpecPending,

    /// The requester excluded this worker (`requirements.excluded_workers`, e.g. after
    /// rejecting its result on the same step).
    #[error("the requester excluded this worker")]
    Excluded,
    /// The task's acceptance checks cannot run here (e.g. a rubric and no judge), so the
    /// result could not be checked before submitting it.
    #[error("cannot run the task's acceptance checks: {0}")]
    Unverifiable(String),
    /// The spec blob is missing or does not parse.
    #[error("spec: {0}")]
    Spec(#[source] SpecError),
}

/// The checks that need only the terms and the clock (`now_s`, unix seconds).
///
/// # Errors
/// The first [`Refusal`].
pub fn check_terms(
    cfg: &WorkerConfig,
    me: Address,
    p: &TaskParams,
    now_s: u64,
) -> Result<(), Refusal> {
    if p.requester == me {
        return Err(Refusal::OwnTask);
    }
    let domain = bytes32_to_domain(p.domain).unwrap_or_else(|_| format!("{}", p.domain));
    if !cfg.domains.is_empty() && !cfg.domains.contains(&domain) {
        return Err(Refusal::Domain(domain));
    }
    match cfg.min_payment_for(p.asset) {
        Some(min) if p.payment >= min => {}
        _ => {
            return Err(Refusal::Payment {
                asset: p.asset,
                payment: p.payment,
            });
        }
    }
    let claim_deadline: u64 = p.claimDeadline.to();
    if now_s > claim_deadline {
        return Err(Refusal::ClaimClosed);
    }
    let done_by: u64 = p.completionDeadline.to();
    let left_s = done_by as i64 - now_s as i64;
    if left_s < cfg.deadline_margin_s as i64 {
        return Err(Refusal::Deadline {
            left_s,
            margin_s: cfg.deadline_margin_s,
        });
    }
    Ok(())
}

/// The checks that need the spec and our karma: the requester's exclusions, skills, task type, on-chain minimums and
/// the spec's `karma_min` (dimensions the chain witnesses — `accuracy.<task domain>`,
/// `reliability.task_completion` — are compared with `karma`; any other dimension cannot
/// be proven by this worker, so the task is refused rather than claimed and failed).
///
/// # Errors
/// The first [`Refusal`].
pub fn check_spec(
    cfg: &WorkerConfig,
    p: &TaskParams,
    spec: &TaskSpec,
    karma: OwnKarma,
    me: Address,
    accepts_type: impl Fn(&str) -> bool,
) -> Result<(), Refusal> {
    if spec.requirements.excludes(&format!("{me:#x}")) {
        return Err(Refusal::Excluded);
    }
    for s in &spec.requirements.required_skills {
        if !cfg.skills.contains(s) {
            return Err(Refusal::Skill(s.clone()));
        }
    }
    if !accepts_type(&spec.task_type) {
        return Err(Refusal::TaskType(spec.task_type.clone()));
    }
    if u128::from(p.minAccuracy) > karma.accuracy_wad {
        return Err(Refusal::Karma(format!(
            "on-chain minAccuracy {}",
            p.minAccuracy
        )));
    }
    if u128::from(p.minCompletion) > karma.completion_wad {
        return Err(Refusal::Karma(format!(
            "on-chain minCompletion {}",
            p.minCompletion
        )));
    }
    let domain = bytes32_to_domain(p.domain).unwrap_or_default();
    for (dim, min) in &spec.requirements.karma_min {
        let min_wad = wad_from_f64(*min).map(u128::from).unwrap_or(u128::MAX);
        let have = if *dim == format!("accuracy.{domain}") {
            karma.accuracy_wad
        } else if dim == "reliability.task_completion" {
            karma.completion_wad
        } else {
            return Err(Refusal::Karma(format!(
                "{dim} (not provable by this worker)"
            )));
        };
        if have < min_wad {
            return Err(Refusal::Karma(format!("{dim} ≥ {min}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn spec_refusal_keeps_its_source_and_text() {
        use aos_protocol::messages::Message;
        let e = TaskSpec::from_json(b"{").unwrap_err();
        let text = e.to_string();
        let r = Refusal::Spec(SpecError::Parse(Arc::new(e)));
        assert_eq!(r.to_string(), format!("spec: {text}"));
        let source = std::error::Error::source(&r).map(ToString::to_string);
        assert_eq!(source, Some(text));
        let id = ContentId::of(b"x");
        assert_eq!(
            Refusal::Spec(SpecError::NotFound(id)).to_string(),
            format!("spec: blob {id} not found")
        );
    }

    #[test]
    fn terms() {
        let cfg = WorkerConfig {
            domains: vec!["summarisation".into()],
            ..Default::default()
        };
        let p = TaskParams::builder(Address::repeat_byte(1), 0)
            .with_payment(10)
            .with_claim_in(Duration::from_secs(1000))
            .with_complete_in(Duration::from_secs(2000))
            .with_domain(aos_chain::domain_to_bytes32("summarisation").unwrap())
            .build();
        assert_eq!(check_terms(&cfg, Address::repeat_byte(2), &p, 100), Ok(()));
        assert_eq!(
            check_terms(&cfg, Address::repeat_byte(1), &p, 100),
            Err(Refusal::OwnTask)
        );
        assert_eq!(
            check_terms(&cfg, Address::repeat_byte(2), &p, 1001),
            Err(Refusal::ClaimClosed)
        );
        let mut q = p.clone();
        q.domain = aos_chain::domain_to_bytes32("law").unwrap();
        assert!(matches!(
            check_terms(&cfg, Address::repeat_byte(2), &q, 100),
            Err(Refusal::Domain(_))
        ));
        q = p;
        q.asset = Address::repeat_byte(9);
        assert!(matches!(
            check_terms(&cfg, Address::repeat_byte(2), &q, 100),
            Err(Refusal::Payment { .. })
        ));
    }

    /// A worker the requester excluded (after rejecting its result) does not claim the
    /// re-posted step; every other worker still may.
    #[test]
    fn excluded_workers_do_not_claim() {
        let cfg = WorkerConfig::default();
        let p = TaskParams::builder(Address::repeat_byte(1), 0).build();
        let mut spec = TaskSpec::prompt(
            "t",
            "summarisation",
            aos_protocol::AgentId::from_bytes([1; 32]),
            "x",
            1000,
            1,
        );
        let rejected = Address::repeat_byte(0xab);
        spec.requirements.excluded_workers =
            vec![format!("{rejected:#x}").to_uppercase().replace("0X", "0x")];
        let any = |_: &str| true;
        assert_eq!(
            check_spec(&cfg, &p, &spec, OwnKarma::default(), rejected, any),
            Err(Refusal::Excluded)
        );
        assert_eq!(
            check_spec(
                &cfg,
                &p,
                &spec,
                OwnKarma::default(),
                Address::repeat_byte(2),
                any
            ),
            Ok(())
        );
    }
}
