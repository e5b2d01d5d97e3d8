//! Reviewing a submission: the one home of "load a task's evidence and evaluate it", shared by
//! `aos task review` (the requester), `aos juror review` (a juror) and the juror agent.
//!
//! * [`load_submission`]: the task's terms (its `TaskPosted` event), its last `TaskSubmitted`,
//!   the spec blob (`specHash`) and the result blob (`resultHash`) read through
//!   [`blobs::fetch`] (blob folder, cache, gateway, mesh; each copy BLAKE3-verified against
//!   its id, white paper §8.2) and parsed as aos-protocol's [`TaskSpec`] and [`ResultBlob`].
//! * [`evidence_of`]: the task's ERC-1497-style `Evidence` records (aos-chain
//!   [`AosContracts::task_evidence`]), each with its party's role and agent and the blob when
//!   it can be read; [`read_verdict`] reads the ones that are [`Verdict`]s and checks their
//!   ed25519 signatures ([`SignedMessage::verify_signature`]).
//! * [`evaluator`] and [`evaluate`]: aos-verify's [`Evaluator`] — the same call the worker's
//!   self-check and the coordinator make, so everyone reaches the same verdict on the same
//!   evidence (issue 13 "One evaluator, used by everyone"). No check logic lives here.
//! * [`compare`]: whether a party's verdict agrees with this evaluation; [`choice_for`]: the
//!   ruling a verdict implies.
//!
//! # Who a verdict speaks for
//! With `--agent-key` (`AOS_AGENT_KEY`, config `agent_key`; the passphrase in
//! `$AOS_AGENT_PASSPHRASE`, else the keystore password) the verdict is signed by that agent (`evaluator` is its id). Without
//! one it is unsigned (`evaluator` all zeros): a wallet-only requester's verdict is then
//! authenticated by the `Evidence` event's sender, the account that put it on record, which
//! the market only lets be the task's requester or worker.

use std::{path::PathBuf, sync::Arc};

use alloy::primitives::{Address, B256};
use aos_chain::{AosContracts, Ruling, TaskEvidence, TaskParams, TaskStatus};
use aos_protocol::{
    AgentId, AgentKey, ContentId, SignedMessage,
    messages::{Message, ResultBlob, TaskSpec, Verdict},
};
use aos_verify::{BlobError, BlobSource, BoxFuture, Evaluator, Unsupported};
use clap::Args;
use eyre::{Result, WrapErr, bail, eyre};
use serde::Serialize;

use crate::{
    agents::{agent_passphrase, load_agent_key},
    blobs::{self, FetchArgs, Sources},
    ctx::Ctx,
    logs::task_terms,
    output::table_with,
};

/// Threads the judge model runs on by default: one, because a second llama.cpp thread on a
/// busy 2-core machine is slower than one (TOOLCHAIN.md).
const JUDGE_THREADS: u16 = 1;
/// The judge model's context window, tokens: the judge prompt is sized for SmolLM2's 4 096
/// (aos-verify `JUDGE_TEXT_LIMIT_CHARS`).
#[cfg(feature = "llama")]
const JUDGE_CONTEXT_TOKENS: u32 = 4096;

/// How a review evaluates: which model judges rubrics, where blobs come from (the verdict is
/// signed with the global `--agent-key` when given). Flattened into `aos task review` and
/// `aos juror review`.
#[derive(Debug, Clone, Args)]
pub(crate) struct EvalArgs {
    /// GGUF model that scores the spec's rubric, if it has one (loaded only then)
    /// [default: the global --model (AOS_MODEL, config `model`)]. A spec with a rubric cannot
    /// be reviewed without a judge.
    #[arg(long, value_name = "FILE")]
    pub(crate) judge_model: Option<PathBuf>,
    /// CPU threads of the judge model (≥ 1).
    #[arg(long, default_value_t = JUDGE_THREADS, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) judge_threads: u16,
    /// Score rubrics with a cloud model instead of the local one: `openai` (any OpenAI-style
    /// Chat Completions API: OpenAI, xAI, Gemini's OpenAI endpoint, a llama.cpp server,
    /// ollama) or `anthropic` (Messages API). The key is read from $AOS_JUDGE_API_KEY (the
    /// reviewer's own).
    #[arg(long, value_enum, requires = "judge_api_model")]
    pub(crate) judge_api: Option<JudgeApi>,
    /// Base URL of --judge-api [default: https://api.openai.com, https://api.anthropic.com].
    #[arg(long, value_name = "URL", requires = "judge_api")]
    pub(crate) judge_api_url: Option<String>,
    /// Model name of --judge-api, e.g. gpt-4o-mini, claude-sonnet-4-5.
    #[arg(long, value_name = "NAME", requires = "judge_api")]
    pub(crate) judge_api_model: Option<String>,
    /// Where blobs come from besides the blob folder and the cache.
    #[command(flatten)]
    pub(crate) fetch: FetchArgs,
}

/// A cloud API a rubric judge can run on (aos-llm's remote clients).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum JudgeApi {
    /// OpenAI Chat Completions wire format.
    Openai,
    /// Anthropic Messages wire format.
    Anthropic,
}

/// Tokens a cloud judge may write (its reply is one small JSON object).
const JUDGE_REPLY_TOKENS: u32 = 512;

/// A judge on a cloud API (aos-verify's `LlmJudge::openai` / `anthropic`), keyed by
/// $AOS_JUDGE_API_KEY.
///
/// # Errors
/// No key in the environment; a client that cannot be built (bad URL).
fn cloud_judge(
    api: JudgeApi,
    url: Option<&str>,
    model: &str,
) -> Result<Box<dyn aos_verify::Judge>> {
    let key = std::env::var("AOS_JUDGE_API_KEY").map_err(|_| {
        eyre!("--judge-api needs the API key in $AOS_JUDGE_API_KEY (never on the command line)")
    })?;
    let cfg = |default: &str| aos_llm::RemoteConfig {
        base_url: url.unwrap_or(default).to_owned(),
        model: model.to_owned(),
        max_tokens: JUDGE_REPLY_TOKENS,
        timeout: std::time::Duration::from_secs(60),
    };
    let key = zeroize::Zeroizing::new(key);
    Ok(match api {
        JudgeApi::Openai => Box::new(aos_verify::LlmJudge::openai(
            aos_llm::OpenAiClient::new(cfg("https://api.openai.com"), key)
                .wrap_err("cannot build the OpenAI judge client")?,
        )),
        JudgeApi::Anthropic => Box::new(aos_verify::LlmJudge::anthropic(
            aos_llm::AnthropicClient::new(cfg("https://api.anthropic.com"), key)
                .wrap_err("cannot build the Anthropic judge client")?,
        )),
    })
}

/// A submitted result with its task, ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct Submission {
    /// The task id.
    pub(crate) task_id: B256,
    /// The task's terms (from `TaskPosted`).
    pub(crate) params: TaskParams,
    /// The worker who submitted (the last `TaskSubmitted`).
    pub(crate) worker: Address,
    /// The spec blob's id (`specHash`).
    pub(crate) spec_id: ContentId,
    /// The spec.
    pub(crate) spec: TaskSpec,
    /// The result blob's id (`resultHash` of the last `TaskSubmitted`).
    pub(crate) result_id: ContentId,
    /// The worker's result blob.
    pub(crate) result: ResultBlob,
    /// Where each blob came from: `(spec source, result source)`.
    pub(crate) sources: (String, String),
    /// What a reader should know that is not a check: the result blob names another task.
    pub(crate) notes: Vec<String>,
}

impl Submission {
    /// Whether the spec sets acceptance criteria (without them the verdict has no checks and
    /// passes).
    pub(crate) fn has_acceptance(&self) -> bool {
        self.spec.acceptance.is_some()
    }
}

/// Load task `id`'s last submission: terms, `TaskSubmitted`, spec and result blobs (fetched
/// from `sources`, verified against their ids, parsed).
///
/// # Errors
/// No such task, no submission, a blob no source has (or only tampered copies of), a spec
/// that is not a §6.2 [`TaskSpec`], a result that is not a [`ResultBlob`], RPC errors.
pub(crate) async fn load_submission(
    ctx: &Ctx,
    c: &AosContracts,
    id: B256,
    sources: &Sources,
) -> Result<Submission> {
    let params = task_terms(c, id).await?.params;
    let (result_hash, worker) = c
        .last_submission(id)
        .await
        .wrap_err("cannot read the task's TaskSubmitted events")?
        .ok_or_else(|| {
            eyre!(
                "task {id:#x} has no submission (no TaskSubmitted event since block {}): \
                 nothing to review yet",
                c.deployments().start_block
            )
        })?;
    let spec_id = ContentId(params.specHash.0);
    let spec_blob = blobs::fetch(ctx, spec_id, sources)
        .await
        .wrap_err_with(|| format!("cannot read the spec (specHash {spec_id}) of task {id:#x}"))?;
    let spec = parse_spec(&spec_blob.bytes)
        .wrap_err_with(|| format!("the spec blob {spec_id} of task {id:#x}"))?;
    let result_id = ContentId(result_hash.0);
    let result_blob = blobs::fetch(ctx, result_id, sources)
        .await
        .wrap_err_with(|| {
            format!("cannot read the result (resultHash {result_id}) of task {id:#x}")
        })?;
    let result = parse_result(&result_blob.bytes)
        .wrap_err_with(|| format!("the result blob {result_id} of task {id:#x}"))?;
    let mut notes = Vec::new();
    if result.task_id.parse::<B256>().ok() != Some(id) {
        notes.push(format!(
            "the result blob names task {:?}, not {id:#x} (the verdict repeats what the blob \
             says)",
            result.task_id
        ));
    }
    Ok(Submission {
        task_id: id,
        params,
        worker,
        spec_id,
        spec,
        result_id,
        result,
        sources: (spec_blob.source, result_blob.source),
        notes,
    })
}

/// Parse a spec blob as a white-paper §6.2 [`TaskSpec`] (acceptance criteria included).
///
/// # Errors
/// Not JSON, or not a valid task spec (the error names the field).
pub(crate) fn parse_spec(bytes: &[u8]) -> Result<TaskSpec> {
    TaskSpec::from_json(bytes).map_err(|e| {
        eyre!(
            "is not a white-paper §6.2 task spec (aos-protocol TaskSpec: {e}), so its result \
             cannot be evaluated; read the result with `aos task result <id>`"
        )
    })
}

/// Parse a result blob as the [`ResultBlob`] every AOS worker writes.
///
/// # Errors
/// Not JSON, or not a valid result blob (the error names the field).
pub(crate) fn parse_result(bytes: &[u8]) -> Result<ResultBlob> {
    ResultBlob::from_json(bytes).map_err(|e| {
        eyre!(
            "is not an AOS worker's result (aos-protocol ResultBlob: {e}), so it cannot be \
             evaluated; read it with `aos task result <id>` and judge it yourself"
        )
    })
}

/// Who put a piece of evidence on record, relative to the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The task's requester.
    Requester,
    /// The task's worker.
    Worker,
    /// Neither (the market refuses anyone else, so this should never be seen).
    Other,
}

impl Role {
    /// `requester`, `worker` or `other`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Requester => "requester",
            Self::Worker => "worker",
            Self::Other => "other",
        }
    }

    fn of(party: Address, requester: Address, worker: Address) -> Self {
        if party == requester {
            Self::Requester
        } else if party == worker {
            Self::Worker
        } else {
            Self::Other
        }
    }
}

/// One piece of evidence on record for a task, with what can be learnt about it here.
#[derive(Debug, Clone)]
pub(crate) struct PartyEvidence {
    /// The `Evidence` log: party, blob id, block, transaction, log index.
    pub(crate) record: TaskEvidence,
    /// The party's role in the task.
    pub(crate) role: Role,
    /// The party's agent in the AgentRegistry, when registered.
    pub(crate) agent: Option<AgentId>,
    /// The blob's bytes (verified against its id), or why it cannot be read here.
    pub(crate) blob: Result<Vec<u8>, String>,
}

/// Task `id`'s evidence in chain order, each with its party's role and agent, and its blob
/// fetched from `sources` (a blob that cannot be read is recorded, not an error).
///
/// # Errors
/// The chain cannot be read.
pub(crate) async fn evidence_of(
    ctx: &Ctx,
    c: &AosContracts,
    id: B256,
    requester: Address,
    worker: Address,
    sources: &Sources,
) -> Result<Vec<PartyEvidence>> {
    let list = c
        .task_evidence(id)
        .await
        .wrap_err("cannot read the task's evidence")?;
    let mut agents: Vec<(Address, Option<AgentId>)> = Vec::new();
    let mut out = Vec::with_capacity(list.len());
    for record in list {
        let agent = match agents.iter().find(|(a, _)| *a == record.party) {
            Some((_, agent)) => *agent,
            None => {
                let key = c
                    .agent_key_of(record.party)
                    .await
                    .wrap_err("AgentRegistry.agentKeyOf failed")?;
                let agent = (key != B256::ZERO).then(|| AgentId::from_bytes(key.0));
                agents.push((record.party, agent));
                agent
            }
        };
        let blob = blobs::fetch(ctx, record.evidence, sources)
            .await
            .map(|f| f.bytes)
            .map_err(|e| format!("{e:#}"));
        out.push(PartyEvidence {
            role: Role::of(record.party, requester, worker),
            agent,
            blob,
            record,
        });
    }
    Ok(out)
}

/// Whether a verdict's signature holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Signature {
    /// Signed by its `evaluator`, and the signature verifies.
    Valid,
    /// Signed, but the signature does not verify (tampered, or signed by another key).
    Invalid(String),
    /// Not signed: it speaks only for the account that put it on record.
    Unsigned,
}

impl Signature {
    /// `valid`, `invalid: <why>` or `unsigned`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Valid => "valid".into(),
            Self::Invalid(why) => format!("invalid: {why}"),
            Self::Unsigned => "unsigned".into(),
        }
    }
}

/// A piece of evidence that is a [`Verdict`], with its signature checked.
#[derive(Debug, Clone)]
pub(crate) struct PartyVerdict {
    /// The verdict.
    pub(crate) verdict: Verdict,
    /// Its signature ([`SignedMessage::verify_signature`]).
    pub(crate) signature: Signature,
}

/// The evidence blob as a [`Verdict`] with its signature checked; `None` when the blob is
/// something else (a reply in prose, a file).
pub(crate) fn read_verdict(bytes: &[u8]) -> Option<PartyVerdict> {
    let verdict = Verdict::from_json(bytes).ok()?;
    let signature = match verdict.signature {
        None => Signature::Unsigned,
        Some(_) => match verdict.verify_signature() {
            Ok(()) => Signature::Valid,
            Err(e) => Signature::Invalid(e.to_string()),
        },
    };
    Some(PartyVerdict { verdict, signature })
}

/// Whether another evaluator's verdict agrees with ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Agreement {
    /// Same result, same overall pass, and the same checks (by kind) passing and failing in
    /// the same order. Scores and reasons may differ (a rubric's judge may).
    pub(crate) agrees: bool,
    /// Where they part, for people (empty when they agree).
    pub(crate) differences: Vec<String>,
}

/// Compare `theirs` against `mine` (module docs of [`Agreement`]).
pub(crate) fn compare(mine: &Verdict, theirs: &Verdict) -> Agreement {
    let mut d = Vec::new();
    if !theirs.result_hash.eq_ignore_ascii_case(&mine.result_hash) {
        d.push(format!(
            "it judges result {}, not the submitted {}",
            theirs.result_hash, mine.result_hash
        ));
    }
    if !theirs.spec_hash.eq_ignore_ascii_case(&mine.spec_hash) {
        d.push(format!(
            "it judges against spec {}, not the task's {}",
            theirs.spec_hash, mine.spec_hash
        ));
    }
    if theirs.pass != mine.pass {
        d.push(format!(
            "it says {}, this review says {}",
            pass_word(theirs.pass),
            pass_word(mine.pass)
        ));
    }
    let n = mine.checks.len().max(theirs.checks.len());
    for i in 0..n {
        match (mine.checks.get(i), theirs.checks.get(i)) {
            (Some(m), Some(t)) if m.kind != t.kind => d.push(format!(
                "check {}: it ran {}, this review ran {}",
                i + 1,
                t.kind,
                m.kind
            )),
            (Some(m), Some(t)) if m.pass != t.pass => d.push(format!(
                "check {} ({}): it says {}, this review says {}",
                i + 1,
                m.kind,
                pass_word(t.pass),
                pass_word(m.pass)
            )),
            (Some(_), Some(_)) => {}
            (Some(m), None) => d.push(format!("check {} ({}) is missing from it", i + 1, m.kind)),
            (None, Some(t)) => d.push(format!(
                "check {} ({}) is not in the spec's criteria",
                i + 1,
                t.kind
            )),
            (None, None) => {}
        }
    }
    Agreement {
        agrees: d.is_empty(),
        differences: d,
    }
}

fn pass_word(pass: bool) -> &'static str {
    if pass { "pass" } else { "fail" }
}

/// The ruling a verdict implies (ITaskMarket.RULING_CHOICES): a failing result →
/// [`Ruling::ForRequester`] (1), a passing one → [`Ruling::ForWorker`] (2).
pub(crate) fn choice_for(v: &Verdict) -> Ruling {
    if v.pass {
        Ruling::ForWorker
    } else {
        Ruling::ForRequester
    }
}

/// A [`BlobSource`] over [`blobs::fetch`], for the blobs a spec names (a checker module, a
/// photo): the same sources and BLAKE3 verification as the spec and the result.
struct FetchedBlobs {
    ctx: Ctx,
    sources: Sources,
}

impl BlobSource for FetchedBlobs {
    fn get<'a>(
        &'a self,
        id: &'a ContentId,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, BlobError>> {
        Box::pin(async move {
            let f = blobs::fetch(&self.ctx, *id, &self.sources)
                .await
                .map_err(|e| BlobError::Unavailable {
                    id: *id,
                    reason: format!("{e:#}"),
                    retryable: true,
                })?;
            BlobError::within(id, f.bytes, max_bytes)
        })
    }
}

/// The evaluator for `spec`: signing with `--agent-key` when given (else unsigned; module
/// docs), fetching the blobs the spec names through [`blobs::fetch`], and — only when the
/// spec has a rubric — judging with the local model of `--judge-model` (else the global
/// `--model`).
///
/// # Errors
/// The agent key cannot be read or decrypted; a rubric without a judge model (the error names
/// `--judge-model`), or a model that does not load; criteria this evaluator cannot run.
pub(crate) async fn evaluator(ctx: &Ctx, a: &EvalArgs, spec: &TaskSpec) -> Result<Evaluator> {
    let key: Option<AgentKey> = match &ctx.s.agent_key {
        Some(path) => Some(load_agent_key(path, &agent_passphrase(ctx)?)?),
        None => None,
    };
    let mut ev = Evaluator::new(key).with_blobs(Arc::new(FetchedBlobs {
        ctx: ctx.clone(),
        sources: a.fetch.sources(),
    }));
    let Some(acceptance) = &spec.acceptance else {
        return Ok(ev);
    };
    if let (Some(api), Some(model), true) = (
        a.judge_api,
        a.judge_api_model.as_deref(),
        acceptance.rubric.is_some(),
    ) {
        ev = ev.with_judge(cloud_judge(api, a.judge_api_url.as_deref(), model)?);
    } else if acceptance.rubric.is_some() {
        let model = a
            .judge_model
            .clone()
            .or_else(|| ctx.s.model.clone())
            .filter(|p| !p.as_os_str().is_empty())
            .ok_or_else(|| {
                eyre!(
                    "the spec's acceptance criteria have a rubric, which a judge scores: pass \
                     --judge-model FILE (a GGUF model; script/fetch-model.sh fetches SmolLM2), \
                     or set the global --model (AOS_MODEL, config `model`)"
                )
            })?;
        ev = ev.with_judge(local_judge(model, a.judge_threads).await?);
    }
    ev.can_evaluate(acceptance).map_err(|e| match e {
        Unsupported::NoJudge => eyre!("{e}: pass --judge-model FILE"),
        e => eyre!("this review cannot run the spec's acceptance criteria: {e}"),
    })?;
    Ok(ev)
}

/// A judge on the local GGUF model at `path` (aos-verify's `LlmJudge::local`).
#[cfg(feature = "llama")]
async fn local_judge(path: PathBuf, threads: u16) -> Result<Box<dyn aos_verify::Judge>> {
    if !path.is_file() {
        bail!(
            "judge model {} not found: run script/fetch-model.sh, or pass --judge-model PATH",
            path.display()
        );
    }
    let shown = path.display().to_string();
    // loading blocks for seconds: off the async threads
    let client = tokio::task::spawn_blocking(move || {
        aos_llm::LocalClient::spawn(
            &path,
            aos_llm::ModelOptions {
                threads,
                n_ctx: JUDGE_CONTEXT_TOKENS,
            },
        )
    })
    .await
    .wrap_err("the model loading thread failed")?
    .wrap_err_with(|| format!("cannot load the judge model {shown}"))?;
    let judge = aos_verify::LlmJudge::local(client)
        .wrap_err_with(|| format!("cannot make a judge of {shown}"))?;
    Ok(Box::new(judge))
}

/// Without the `llama` feature there is no local judge.
#[cfg(not(feature = "llama"))]
async fn local_judge(path: PathBuf, _threads: u16) -> Result<Box<dyn aos_verify::Judge>> {
    bail!(
        "this aos was built without the `llama` feature, so it cannot run the judge model {} \
         that the spec's rubric needs (rebuild with default features)",
        path.display()
    )
}

/// Evaluate `sub` with `ev` (aos-verify's [`Evaluator::evaluate`]): the verdict, signed when
/// `ev` has a key.
///
/// # Errors
/// aos-verify's `EvalError`, with the task named and whether trying again may help.
pub(crate) async fn evaluate(ev: &Evaluator, sub: &Submission) -> Result<Verdict> {
    ev.evaluate(
        &sub.spec,
        &sub.spec_id.to_string(),
        &sub.result_id.to_string(),
        &sub.result,
    )
    .await
    .map_err(|e| {
        let again = if e.is_retryable() {
            " (this may pass on another try: a blob, a judge or a checker was not available)"
        } else {
            ""
        };
        eyre::Report::new(e).wrap_err(format!(
            "cannot evaluate the result {} of task {:#x}{again}",
            sub.result_id, sub.task_id
        ))
    })
}

/// A verdict for people: one row per check (kind, pass/fail, score in bps, reason), the
/// judge's identity, score and rationale when a rubric was judged, then the overall pass and
/// score. `has_acceptance` false says the spec sets no criteria.
pub(crate) fn verdict_text(v: &Verdict, has_acceptance: bool) -> String {
    let mut out = String::new();
    if !has_acceptance {
        out.push_str(
            "the spec sets no acceptance criteria: there is nothing to check, so the result \
             passes\n",
        );
    } else {
        let mut t = table_with(&["check", "result", "score (bps)", "reason"]);
        for c in &v.checks {
            t.add_row(vec![
                c.kind.clone(),
                pass_word(c.pass).to_owned(),
                c.score_bps.to_string(),
                c.reason.clone(),
            ]);
        }
        out.push_str(&format!("{t}\n"));
    }
    if let Some(j) = &v.judge {
        out.push_str(&format!(
            "judge {}: {} bps (threshold {} bps): {}\n",
            j.judge, j.score_bps, j.threshold_bps, j.rationale
        ));
    }
    let by = if v.signature.is_some() {
        format!("signed by agent {}", v.evaluator)
    } else {
        "unsigned".to_owned()
    };
    out.push_str(&format!(
        "overall: {}, score {} bps ({by})",
        if v.pass { "PASS" } else { "FAIL" },
        v.score_bps
    ));
    out
}

/// The status a task must be in to be reviewed by its requester, with the next step when it
/// is not.
///
/// # Errors
/// Any status but Submitted.
pub(crate) fn require_submitted(id: B256, status: TaskStatus) -> Result<()> {
    match status {
        TaskStatus::Submitted => Ok(()),
        TaskStatus::None => {
            bail!("no task {id:#x} on this deployment: check the id with `aos task list`")
        }
        TaskStatus::Open | TaskStatus::Claimed => bail!(
            "task {id:#x} is {status}, not Submitted: there is no result to review yet (`aos \
             task show {id:#x}` follows it)"
        ),
        TaskStatus::Disputed => bail!(
            "task {id:#x} is Disputed, not Submitted: the review is over and the court decides \
             (`aos task show {id:#x}` names the dispute; jurors use `aos juror review`)"
        ),
        _ => bail!(
            "task {id:#x} is {status}, not Submitted: it is settled, there is nothing to \
             review"
        ),
    }
}

#[cfg(test)]
mod tests {
    use aos_protocol::messages::{CheckOutcome, JudgeRecord, Timing};

    use super::*;

    fn verdict(pass: bool, checks: Vec<CheckOutcome>) -> Verdict {
        Verdict {
            task_id: format!("0x{}", "01".repeat(32)),
            spec_hash: format!("0x{}", "02".repeat(32)),
            result_hash: format!("0x{}", "03".repeat(32)),
            evaluator: AgentId::from_bytes([0; 32]),
            pass,
            score_bps: if pass { 10_000 } else { 5_000 },
            checks,
            judge: None,
            signature: None,
        }
    }

    fn failing() -> Verdict {
        verdict(
            false,
            vec![
                CheckOutcome::passed("json_schema", "valid"),
                CheckOutcome::failed("pattern", "missing required pattern `\\d{4}`"),
            ],
        )
    }

    #[test]
    fn the_same_outcomes_agree_even_with_other_scores_and_reasons() {
        let mine = failing();
        let mut theirs = failing();
        theirs.checks[0].reason = "the output matches the schema".into();
        theirs.score_bps = 4_000;
        let a = compare(&mine, &theirs);
        assert!(a.agrees, "{a:?}");
        assert!(a.differences.is_empty());
    }

    #[test]
    fn a_lying_verdict_is_named_where_it_parts() {
        let mine = failing();
        let theirs = verdict(
            true,
            vec![
                CheckOutcome::passed("json_schema", "valid"),
                CheckOutcome::passed("pattern", "found"),
            ],
        );
        let a = compare(&mine, &theirs);
        assert!(!a.agrees);
        assert_eq!(
            a.differences,
            vec![
                "it says pass, this review says fail".to_owned(),
                "check 2 (pattern): it says pass, this review says fail".to_owned(),
            ]
        );
        // another result, fewer checks, another order
        let mut other = failing();
        other.result_hash = format!("0x{}", "04".repeat(32));
        other.checks.swap(0, 1);
        other.checks.push(CheckOutcome::passed("length", "ok"));
        let a = compare(&mine, &other);
        assert!(!a.agrees);
        assert!(a.differences[0].contains("judges result 0x0404"), "{a:?}");
        assert!(
            a.differences
                .iter()
                .any(|d| d.contains("it ran pattern, this review ran json_schema")),
            "{a:?}"
        );
        assert!(
            a.differences
                .iter()
                .any(|d| d.contains("check 3 (length) is not in the spec's criteria")),
            "{a:?}"
        );
        let a = compare(&other, &mine);
        assert!(
            a.differences
                .iter()
                .any(|d| d.contains("check 3 (length) is missing from it")),
            "{a:?}"
        );
    }

    #[test]
    fn a_failing_result_is_choice_one_and_a_passing_one_choice_two() {
        assert_eq!(choice_for(&failing()).as_u8(), 1);
        assert_eq!(choice_for(&verdict(true, vec![])).as_u8(), 2);
    }

    #[test]
    fn verdict_signatures_are_checked() {
        let key = AgentKey::from_secret_bytes(&[5; 32]);
        let mut v = failing();
        v.evaluator = key.agent_id();
        let unsigned = read_verdict(&v.to_json().unwrap()).unwrap();
        assert_eq!(unsigned.signature, Signature::Unsigned);
        v.sign_with(&key).unwrap();
        let signed = read_verdict(&v.to_json().unwrap()).unwrap();
        assert_eq!(signed.signature, Signature::Valid);
        // a party that flips the outcome after signing is caught
        v.pass = true;
        v.checks[1].pass = true;
        let forged = read_verdict(&v.to_json().unwrap()).unwrap();
        assert!(
            matches!(&forged.signature, Signature::Invalid(_)),
            "{:?}",
            forged.signature
        );
        assert!(forged.signature.describe().starts_with("invalid: "));
        // not a verdict
        assert!(read_verdict(b"the result is wrong").is_none());
        assert!(read_verdict(br#"{"kind": "verdict"}"#).is_none());
    }

    #[test]
    fn specs_and_results_that_are_something_else_are_named() {
        let e = parse_spec(br#"{"task":"summarise"}"#).unwrap_err();
        assert!(
            format!("{e}").contains("not a white-paper §6.2 task spec"),
            "{e}"
        );
        let spec = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/task-spec.json"
        ))
        .unwrap();
        assert!(parse_spec(&spec).unwrap().acceptance.is_none());
        let e = parse_result(b"plain text answer").unwrap_err();
        assert!(format!("{e}").contains("not an AOS worker's result"), "{e}");
        let r = ResultBlob {
            task_id: format!("0x{}", "11".repeat(32)),
            spec_hash: format!("0x{}", "22".repeat(32)),
            worker: AgentId::from_bytes([7; 32]),
            executor: "human".into(),
            model: None,
            output: "42".into(),
            timing: Timing {
                started_at_ms: 1,
                finished_at_ms: 2,
                input_tokens: None,
                output_tokens: None,
            },
        };
        assert_eq!(parse_result(&r.to_json().unwrap()).unwrap().output, "42");
    }

    #[test]
    fn the_verdict_text_has_every_check_the_judge_and_the_total() {
        let mut v = failing();
        v.judge = Some(JudgeRecord {
            judge: "local:SmolLM2".into(),
            score_bps: 3000,
            threshold_bps: 6000,
            rationale: "misses the date".into(),
        });
        let t = verdict_text(&v, true);
        for want in [
            "json_schema",
            "pattern",
            "missing required pattern",
            "fail",
            "judge local:SmolLM2: 3000 bps (threshold 6000 bps): misses the date",
            "overall: FAIL, score 5000 bps (unsigned)",
        ] {
            assert!(t.contains(want), "{want:?} not in\n{t}");
        }
        let none = verdict_text(&verdict(true, vec![]), false);
        assert!(none.contains("sets no acceptance criteria"), "{none}");
        assert!(none.contains("overall: PASS, score 10000 bps"), "{none}");
    }

    #[test]
    fn only_a_submitted_task_is_reviewed() {
        let id = B256::repeat_byte(0xab);
        assert!(require_submitted(id, TaskStatus::Submitted).is_ok());
        for (status, want) in [
            (TaskStatus::Open, "no result to review yet"),
            (TaskStatus::Disputed, "aos juror review"),
            (TaskStatus::Accepted, "settled"),
            (TaskStatus::None, "aos task list"),
        ] {
            let e = require_submitted(id, status).unwrap_err().to_string();
            assert!(e.contains(want), "{status}: {e}");
        }
    }
}
