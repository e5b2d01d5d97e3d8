//! `ask`: plan → route → delegate → aggregate → attest (white paper §3.3 data flow).
//!
//! Per step: the router picks a service (§4.2); with `redundancy = 2` a second service (the
//! router's choice with the first excluded) answers too. Answers are aggregated by karma
//! (§4.4); on a conflict one more service is queried if there is one, else the step is
//! marked for human review. Every contribution gets a signed attestation. The final answer
//! joins the steps' answers; its confidence is the mean of the steps'.

use aos_llm::LocalClient;
use aos_protocol::{
    AgentKey,
    messages::{Delegation, KarmaAttestation, PlanStep},
};
use serde::Serialize;

use crate::{
    aggregate::{Aggregated, ConflictAction, Contribution, aggregate},
    attest::{attest, service_id},
    delegation::{DelegationOptions, prepare},
    planner::{PlanOutcome, Planner, PlannerOptions},
    router::{RouteDecision, RouteError, Router},
    service::{Services, error_chain},
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
    /// Mean step confidence in `[0, 1]`.
    pub confidence: f64,
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
}

/// The coordinator: its key, model, router and service clients.
#[derive(Debug)]
pub struct Coordinator {
    key: AgentKey,
    model: LocalClient,
    router: Router,
    services: Services,
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
    /// A coordinator. Services without a client are marked unavailable in the router.
    pub fn new(key: AgentKey, model: LocalClient, router: Router, services: Services) -> Self {
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
        let confidence = if steps.is_empty() {
            0.0
        } else {
            confs.iter().sum::<f64>() / steps.len() as f64
        };
        let answer = if steps.len() == 1 {
            steps[0]
                .aggregated
                .as_ref()
                .map(|a| a.answer.clone())
                .unwrap_or_else(|| no_answer(&steps[0]))
        } else {
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
                let msg = error_chain(&e);
                on(Progress::Failed(&step.id, &route.service, &msg));
                report.errors.push(format!("{}: {msg}", route.service));
            }
        }
        report.delegations.push(prepared.delegation);
    }
}

/// The answer text of a step nobody answered: why (no route, or every service failed).
fn no_answer(s: &StepReport) -> String {
    match (&s.unroutable, s.errors.last()) {
        (Some(why), _) => format!("(no answer: no service can take this step: {why})"),
        (None, Some(e)) => format!("(no answer: {e})"),
        (None, None) => "(no answer)".to_owned(),
    }
}
