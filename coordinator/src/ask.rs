//! `ask`: plan → route → delegate → aggregate → attest (white paper §3.3 data flow).
//!
//! Per step: the router picks a service (§4.2); with `redundancy = 2` a second service (the
//! router's choice with the first excluded) answers too. Answers are aggregated by karma
//! (§4.4); on a conflict one more service is queried if there is one, else the step is
//! marked for human review. Every contribution gets a signed attestation.
//!
//! Verified work (issue 13): a step with acceptance criteria has every answer evaluated by
//! aos-verify (mesh answers by the market's review, [`crate::market`]; local and cloud
//! answers here); an answer that fails its checks is not aggregated. A mesh step whose
//! acceptance names an agreement contributes one answer, the majority's representative
//! ([`crate::market`], *Agreement*); the verdicts of the other paid results are reported
//! with it, and its tasks left unsettled are reported as errors. A step's confidence is
//! the score of its verdict (or, without criteria, the karma-weighted agreement of §4.4).
//! A plan of several steps ends with a synthesis: the local model composes the final answer
//! from the accepted step results only, and that answer is checked too
//! ([`synthesis_acceptance`]); when it fails, the answer is the accepted results rendered
//! step by step, and the report says why. The request's confidence is the mean of the
//! steps' (0 for a step without an accepted answer), times the synthesis score.

use std::sync::Arc;

use aos_llm::{ChatMessage, GenOptions, LocalClient, Role};
use aos_protocol::{
    AgentKey, ContentId,
    messages::{
        Acceptance, Check, Delegation, KarmaAttestation, Message, PlanStep, ResultBlob, TaskSpec,
        Timing, Verdict,
    },
};
use aos_verify::Evaluator;
use serde::Serialize;

use crate::{
    aggregate::{Aggregated, ConflictAction, Contribution, aggregate},
    attest::{attest, service_id},
    delegation::{DelegationOptions, prepare},
    market::{MarketError, Rejection},
    planner::{PlanOutcome, Planner, PlannerOptions},
    router::{RouteDecision, RouteError, Router},
    service::{ServiceError, Services, error_chain},
};

/// Options of one request.
#[derive(Debug, Clone)]
pub struct AskOptions {
    /// Planner options (budget, privacy, token limit).
    pub planner: PlannerOptions,
    /// Services per step (1 or 2) whose answers are aggregated.
    pub redundancy: usize,
    /// Agreement below which answers conflict.
    pub conflict_below: f64,
    /// Delegation options (strip_pii, logging, limits).
    pub delegation: DelegationOptions,
}

impl Default for AskOptions {
    fn default() -> Self {
        Self {
            planner: PlannerOptions::default(),
            redundancy: 1,
            conflict_below: 0.35,
            delegation: DelegationOptions::default(),
        }
    }
}

/// What happened to one step.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// The step.
    pub step: PlanStep,
    /// Every routing decision made for it, with reasons.
    pub routes: Vec<RouteDecision>,
    /// Answers received.
    pub contributions: Vec<Contribution>,
    /// Signed delegations sent (prompts already stripped of PII when asked).
    pub delegations: Vec<Delegation>,
    /// Failures of individual services, and why no (further) service could take the step.
    pub errors: Vec<String>,
    /// Why no service could take the step at all (no route), if so.
    pub unroutable: Option<String>,
    /// The aggregate (absent when no service answered).
    pub aggregated: Option<Aggregated>,
    /// One signed attestation per contribution.
    pub attestations: Vec<KarmaAttestation>,
    /// Every verdict on an answer to this step (passing and failing), by source.
    pub verdicts: Vec<StepVerdict>,
    /// Market results of this step rejected with evidence (each opened a dispute).
    pub rejections: Vec<Rejection>,
}

/// A verdict on one source's answer.
#[derive(Debug, Clone, Serialize)]
pub struct StepVerdict {
    /// Registry service name.
    pub source: String,
    /// The worker account that answered, for a market step.
    pub worker: Option<alloy::primitives::Address>,
    /// The verdict (signed by the coordinator's key).
    pub verdict: Verdict,
}

/// The final answer's composition.
#[derive(Debug, Clone, Serialize)]
pub struct Synthesis {
    /// The model's composition.
    pub text: String,
    /// Its verdict against [`synthesis_acceptance`].
    pub verdict: Option<Verdict>,
    /// Why it was not used, when it was not.
    pub rejected_because: Option<String>,
}

/// The result of a request.
#[derive(Debug, Clone, Serialize)]
pub struct AskReport {
    /// The plan and whether the fallback was used.
    pub plan: PlanOutcome,
    /// Per-step reports.
    pub steps: Vec<StepReport>,
    /// The final answer.
    pub answer: String,
    /// Confidence in `[0, 1]` (module docs).
    pub confidence: f64,
    /// The synthesis step, for plans of several steps.
    pub synthesis: Option<Synthesis>,
    /// Steps marked for human review.
    pub needs_human_review: Vec<String>,
}

/// Progress events for a CLI.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    /// The plan is ready.
    Planned(&'a PlanOutcome),
    /// A step was routed.
    Routed(&'a RouteDecision),
    /// A service answered (step id, service, ms).
    Answered(&'a str, &'a str, u64),
    /// A service failed (step id, service, error).
    Failed(&'a str, &'a str, &'a str),
    /// No service can take the step (the router's reason).
    Unroutable(&'a RouteError),
    /// A verdict on a service's answer (step id, service, verdict).
    Verdict(&'a str, &'a str, &'a Verdict),
    /// A market result was rejected with evidence (step id, rejection).
    Rejected(&'a str, &'a Rejection),
}

/// The coordinator: its key, model, router and service clients.
#[derive(Debug)]
pub struct Coordinator {
    key: AgentKey,
    model: LocalClient,
    router: Router,
    services: Services,
    evaluator: Arc<Evaluator>,
}

/// The request could not be handled at all.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// Planning failed.
    #[error(transparent)]
    Plan(#[from] crate::planner::PlannerError),
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

impl Coordinator {
    /// A coordinator. Services without a client are marked unavailable in the router;
    /// `evaluator` judges local and cloud answers and the synthesis (the market's
    /// delegate judges mesh answers with its own).
    pub fn new(
        key: AgentKey,
        model: LocalClient,
        router: Router,
        services: Services,
        evaluator: Arc<Evaluator>,
    ) -> Self {
        let names: Vec<String> = router.registry().services.keys().cloned().collect();
        let router = names
            .iter()
            .filter(|n| !services.has(n))
            .fold(router, |r, n| r.without(n));
        Self {
            key,
            model,
            router,
            services,
            evaluator,
        }
    }

    /// The router in use.
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// Handle `request` (module docs), reporting progress to `on`.
    ///
    /// # Errors
    /// [`AskError`] only when planning cannot run; service failures are reported per step.
    pub async fn ask(
        &self,
        request: &str,
        opts: &AskOptions,
        on: impl FnMut(Progress<'_>),
    ) -> Result<AskReport, AskError> {
        let plan = Planner::new(&self.model)
            .plan(request, &opts.planner)
            .await?;
        Ok(self.execute(request, plan, opts, on).await)
    }

    /// Route, delegate, aggregate and attest the steps of an existing `plan` (what
    /// [`Coordinator::ask`] does after planning).
    pub async fn execute(
        &self,
        request: &str,
        plan: PlanOutcome,
        opts: &AskOptions,
        mut on: impl FnMut(Progress<'_>),
    ) -> AskReport {
        on(Progress::Planned(&plan));
        let mut steps = Vec::new();
        for step in &plan.plan.steps {
            steps.push(self.run_step(request, step, opts, &mut on).await);
        }
        let confs: Vec<f64> = steps
            .iter()
            .filter_map(|s| s.aggregated.as_ref().map(|a| a.confidence))
            .collect();
        let mut confidence = if steps.is_empty() {
            0.0
        } else {
            confs.iter().sum::<f64>() / steps.len() as f64
        };
        let mut synthesis = None;
        let answer = if steps.len() == 1 {
            steps[0]
                .aggregated
                .as_ref()
                .map(|a| a.answer.clone())
                .unwrap_or_else(|| no_answer(&steps[0]))
        } else {
            let rendered = render_steps(&steps);
            let s = self.synthesize(request, &steps).await;
            let answer = match (&s.rejected_because, &s.verdict) {
                (None, Some(v)) => {
                    confidence *= f64::from(v.score_bps) / 10_000.0;
                    s.text.clone()
                }
                _ => rendered,
            };
            synthesis = Some(s);
            answer
        };
        let needs_human_review = steps
            .iter()
            .filter(|s| {
                s.aggregated
                    .as_ref()
                    .is_none_or(|a| a.action == ConflictAction::HumanReview)
            })
            .map(|s| s.step.id.clone())
            .collect();
        AskReport {
            plan,
            steps,
            answer,
            confidence,
            synthesis,
            needs_human_review,
        }
    }

    async fn run_step(
        &self,
        request: &str,
        step: &PlanStep,
        opts: &AskOptions,
        on: &mut impl FnMut(Progress<'_>),
    ) -> StepReport {
        let prompt = format!(
            "Request: {request}\n\nYour step ({}): {}",
            step.step_type, step.description
        );
        let mut report = StepReport {
            step: step.clone(),
            routes: Vec::new(),
            contributions: Vec::new(),
            delegations: Vec::new(),
            errors: Vec::new(),
            unroutable: None,
            aggregated: None,
            attestations: Vec::new(),
            verdicts: Vec::new(),
            rejections: Vec::new(),
        };
        let mut router = self.router.clone();
        let mut wanted = opts.redundancy.clamp(1, 2);
        let mut asked_again = false;
        loop {
            while report.contributions.len() < wanted {
                let route = match router.route(step) {
                    Ok(r) => r,
                    Err(e) => {
                        // the first route failing means nobody can take the step: say why
                        if report.routes.is_empty() {
                            on(Progress::Unroutable(&e));
                            report.unroutable = Some(e.why.clone());
                            report.errors.push(e.to_string());
                        }
                        break;
                    }
                };
                router = router.without(&route.service);
                on(Progress::Routed(&route));
                self.delegate(step, &prompt, &route, opts, &mut report, on)
                    .await;
                report.routes.push(route);
            }
            let more_available = router.route(step).is_ok() && !asked_again;
            report.aggregated =
                aggregate(&report.contributions, opts.conflict_below, more_available);
            match &report.aggregated {
                Some(a) if a.action == ConflictAction::QueryAgain => {
                    asked_again = true;
                    wanted = report.contributions.len() + 1;
                }
                _ => break,
            }
        }
        if let Some(agg) = report.aggregated.as_mut() {
            let chosen = &report.contributions[agg.chosen].source;
            if let Some(v) = report.verdicts.iter().find(|v| &v.source == chosen) {
                agg.confidence = f64::from(v.verdict.score_bps) / 10_000.0;
            }
        }
        if let Some(agg) = &report.aggregated {
            let subjects: Vec<_> = report
                .contributions
                .iter()
                .map(|c| service_id(&c.source))
                .collect();
            match attest(
                &self.key,
                step.step_type.as_str(),
                &report.contributions,
                &subjects,
                agg,
                now_ms(),
            ) {
                Ok(a) => report.attestations = a,
                Err(e) => report.errors.push(format!("attestation: {e}")),
            }
        }
        report
    }

    async fn delegate(
        &self,
        step: &PlanStep,
        prompt: &str,
        route: &RouteDecision,
        opts: &AskOptions,
        report: &mut StepReport,
        on: &mut impl FnMut(Progress<'_>),
    ) {
        // the local model sees the raw prompt (nothing leaves the machine); others get it stripped
        let mut dopts = opts.delegation.clone();
        if route.kind == crate::registry::ServiceKind::Local {
            dopts.strip_pii = false;
        }
        let prepared = match prepare(&self.key, step, route, prompt, &dopts) {
            Ok(p) => p,
            Err(e) => {
                let msg = format!("not sent: {}", error_chain(&e));
                on(Progress::Failed(&step.id, &route.service, &msg));
                report.errors.push(format!("{}: {msg}", route.service));
                return;
            }
        };
        match self.services.call(&prepared.delegation).await {
            Ok(answer) => {
                on(Progress::Answered(
                    &step.id,
                    &route.service,
                    answer.elapsed_ms,
                ));
                report.rejections.extend(answer.rejected.iter().cloned());
                for r in &answer.rejected {
                    on(Progress::Rejected(&step.id, r));
                }
                let verdict = match (answer.verdict.clone(), &step.acceptance) {
                    (Some(v), _) => Some(v),
                    (None, Some(a)) => {
                        match self
                            .check(&step.id, a, prompt, &route.service, &answer.text)
                            .await
                        {
                            Ok(v) => Some(v),
                            Err(e) => {
                                let msg = format!("its answer could not be checked: {e}");
                                on(Progress::Failed(&step.id, &route.service, &msg));
                                report.errors.push(format!("{}: {msg}", route.service));
                                report.delegations.push(prepared.delegation);
                                return;
                            }
                        }
                    }
                    (None, None) => None,
                };
                for u in &answer.unsettled {
                    report.errors.push(format!("{}: {u}", route.service));
                }
                if let Some(v) = verdict {
                    on(Progress::Verdict(&step.id, &route.service, &v));
                    let pass = v.pass;
                    // the answer's verdict first: the step's confidence is read from it
                    report.verdicts.push(StepVerdict {
                        source: route.service.clone(),
                        worker: answer.worker,
                        verdict: v,
                    });
                    for a in &answer.agreeing {
                        on(Progress::Verdict(&step.id, &route.service, &a.verdict));
                        report.verdicts.push(StepVerdict {
                            source: route.service.clone(),
                            worker: Some(a.worker),
                            verdict: a.verdict.clone(),
                        });
                    }
                    if !pass {
                        report
                            .errors
                            .push(format!("{}: the answer failed its checks", route.service));
                        report.delegations.push(prepared.delegation);
                        return;
                    }
                }
                let karma = self
                    .router
                    .registry()
                    .services
                    .get(&route.service)
                    .map_or(0.5, |s| s.karma);
                report.contributions.push(Contribution {
                    source: route.service.clone(),
                    answer: answer.text,
                    karma,
                });
            }
            Err(e) => {
                let (rejections, unsettled) = match &e {
                    ServiceError::Market {
                        source: MarketError::AllRejected { rejections, .. },
                        ..
                    } => (rejections.as_slice(), &[][..]),
                    ServiceError::Market {
                        source: MarketError::NoAgreedAnswer(u),
                        ..
                    } => (u.rejections.as_slice(), u.unsettled.as_slice()),
                    _ => (&[][..], &[][..]),
                };
                for r in rejections {
                    on(Progress::Rejected(&step.id, r));
                }
                report.rejections.extend(rejections.iter().cloned());
                for u in unsettled {
                    report.errors.push(format!("{}: {u}", route.service));
                }
                let msg = error_chain(&e);
                on(Progress::Failed(&step.id, &route.service, &msg));
                report.errors.push(format!("{}: {msg}", route.service));
            }
        }
        report.delegations.push(prepared.delegation);
    }

    /// The coordinator's verdict on a local or cloud `answer` to step `step_id`, evaluated
    /// against `acceptance` as if it were a market result: the spec is the step's prompt
    /// with the criteria, the result blob names `service` as its executor.
    async fn check(
        &self,
        step_id: &str,
        acceptance: &Acceptance,
        prompt: &str,
        service: &str,
        answer: &str,
    ) -> Result<Verdict, CheckError> {
        let mut spec = TaskSpec::prompt(step_id, "step", self.key.agent_id(), prompt, 1, 0);
        spec.acceptance = Some(acceptance.clone());
        let spec_id = ContentId::of(&spec.to_json()?);
        let now = now_ms();
        let result = ResultBlob {
            task_id: step_id.to_owned(),
            spec_hash: hex_id(spec_id),
            worker: self.key.agent_id(),
            executor: service.to_owned(),
            model: None,
            output: answer.to_owned(),
            timing: Timing {
                started_at_ms: now,
                finished_at_ms: now,
                input_tokens: None,
                output_tokens: None,
            },
        };
        let result_id = ContentId::of(&result.to_json()?);
        Ok(self
            .evaluator
            .evaluate(&spec, &hex_id(spec_id), &hex_id(result_id), &result)
            .await?)
    }

    /// The synthesis step (module docs): the local model composes the final answer from
    /// the accepted step results, checked against [`synthesis_acceptance`].
    async fn synthesize(&self, request: &str, steps: &[StepReport]) -> Synthesis {
        let results: String = steps
            .iter()
            .filter_map(|s| {
                s.aggregated
                    .as_ref()
                    .map(|a| format!("## {}\n{}\n", s.step.description, a.answer))
            })
            .collect::<Vec<_>>()
            .join("\n");
        if results.is_empty() {
            return Synthesis {
                text: String::new(),
                verdict: None,
                rejected_because: Some("no step has an accepted answer".into()),
            };
        }
        let question = request.split("\n\n---\n").next().unwrap_or(request);
        let prompt = format!(
            "Request: {question}\n\nVerified results:\n\n{results}\n\
             Write the answer to the request using only the verified results above. \
             Add no fact that is not in them."
        );
        let generated = self
            .model
            .chat(
                vec![
                    ChatMessage::new(Role::System, SYNTHESIS_SYSTEM),
                    ChatMessage::new(Role::User, prompt.clone()),
                ],
                GenOptions {
                    max_tokens: 384,
                    repeat_penalty: 1.15,
                    ..GenOptions::default()
                },
            )
            .await;
        let text = match generated {
            Ok(g) => g.text.trim().to_owned(),
            Err(e) => {
                return Synthesis {
                    text: String::new(),
                    verdict: None,
                    rejected_because: Some(format!("the local model failed: {e}")),
                };
            }
        };
        match self
            .check(
                "synthesis",
                &synthesis_acceptance(results.chars().count()),
                &results,
                "local",
                &text,
            )
            .await
        {
            Ok(v) if v.pass => Synthesis {
                text,
                verdict: Some(v),
                rejected_because: None,
            },
            Ok(v) => {
                let why = v
                    .checks
                    .iter()
                    .filter(|c| !c.pass)
                    .map(|c| format!("{}: {}", c.kind, c.reason))
                    .collect::<Vec<_>>()
                    .join("; ");
                Synthesis {
                    text,
                    verdict: Some(v),
                    rejected_because: Some(format!("it failed its checks ({why})")),
                }
            }
            Err(e) => Synthesis {
                text,
                verdict: None,
                rejected_because: Some(format!("it could not be checked: {e}")),
            },
        }
    }
}

/// The system message of the synthesis step.
const SYNTHESIS_SYSTEM: &str =
    "You compose a final answer from verified results. Use only facts stated in them.";

/// What the synthesis of `results_chars` characters of step results must pass: at least a
/// third of their length (a shorter text has dropped most of them; at least 40) and at
/// most 4,000 characters, every quoted span present in the results (nothing invented in
/// quotes), and English (the demo's requests are; a request in another language gets its
/// answer rendered step by step).
pub fn synthesis_acceptance(results_chars: usize) -> Acceptance {
    let min = u32::try_from(results_chars / 3)
        .unwrap_or(u32::MAX)
        .clamp(40, 3000);
    Acceptance {
        checks: vec![
            Check::Length {
                min_chars: Some(min),
                max_chars: Some(4000),
            },
            Check::QuotesInInput { field: None },
            Check::Language { code: "eng".into() },
        ],
        ..Acceptance::default()
    }
}

/// A check of an answer could not run.
#[derive(Debug, thiserror::Error)]
enum CheckError {
    #[error(transparent)]
    Encode(#[from] aos_protocol::messages::MessageError),
    #[error(transparent)]
    Evaluate(#[from] aos_verify::EvalError),
}

/// `0x` + the 64 hex digits of `id`.
fn hex_id(id: ContentId) -> String {
    format!("0x{}", hex::encode(id.0))
}

/// The accepted results, step by step (the answer when the synthesis fails).
fn render_steps(steps: &[StepReport]) -> String {
    steps
        .iter()
        .map(|s| {
            let a = s
                .aggregated
                .as_ref()
                .map(|a| a.answer.clone())
                .unwrap_or_else(|| no_answer(s));
            format!(
                "[{} · {}] {}\n{a}",
                s.step.id, s.step.step_type, s.step.description
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The answer text of a step nobody answered: why (no route, or every service failed).
fn no_answer(s: &StepReport) -> String {
    match (&s.unroutable, s.errors.last()) {
        (Some(why), _) => format!("(no answer: no service can take this step: {why})"),
        (None, Some(e)) => format!("(no answer: {e})"),
        (None, None) => "(no answer)".to_owned(),
    }
}
