//! `aos task …`: post, show, list, result, review, claim, submit, accept, reject, evidence,
//! cancel, finalize, expire, execute-ruling. Every call after `post` takes only the task id (and what the call
//! adds: a result, evidence): the terms come from the task's `TaskPosted` event (tasks are
//! content-addressed, ITaskMarket).
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | arguments and dispatch |
//! | `post.rs` | `post` and the hint after it |
//! | `show.rs` | `show`, `list` |
//! | `result.rs` | `result`: the worker's answer, verified, before paying |
//! | `review.rs` | `review`: the answer evaluated against the spec's acceptance, then a policy |
//! | `act.rs` | the calls that take only the id |
//! | `evidence.rs` | `evidence`, `reject`'s `--evidence`, the evidence in `show` |
//! | `terms.rs` | the terms as rows and JSON |

use std::{path::PathBuf, time::Duration};

use alloy::primitives::{Address, B256};
use aos_chain::TaskStatus;
use clap::{Args, Subcommand};
use eyre::Result;

mod act;
mod evidence;
mod post;
mod result;
mod review;
mod show;
mod terms;

use crate::{
    ctx::Ctx,
    ids::{parse_address, parse_b256},
    units::{Amount, parse_duration, parse_fraction},
};

const POST_EXAMPLES: &str = "\
Examples:
  aos task post --payment 0.05eth --domain summarisation --spec spec.json
  aos task post --payment 50000000gwei --domain translation --spec spec.json \\
      --stake-bps 2000 --claim-in 30m --complete-in 4h --review 2h --min-accuracy 0.5
  # an ERC-20 payment (approves the market first), amount in the token's base units
  aos task post --payment 1000000 --token 0xA0b8…eB48 --domain code --spec spec.json";

const ID_EXAMPLES: &str = "\
Examples:
  aos task show 0x3f9c…9a            # terms, state, history, evidence
  aos --json task show 0x3f9c…9a     # the same as JSON";

const REJECT_EXAMPLES: &str = "\
Examples:
  aos task reject 0x3f9c…9a --evidence verdict.json     # published as a blob, its id on chain
  aos task reject 0x3f9c…9a --evidence 0x5be1…c2        # a blob already published
  aos dispute show 1    # the dispute id it prints";

const EVIDENCE_EXAMPLES: &str = "\
Examples:
  aos task evidence 0x3f9c…9a reply.txt      # the worker answers the requester's verdict
  aos task evidence 0x3f9c…9a 0x5be1…c2      # a blob already published
  aos task show 0x3f9c…9a                    # the evidence on record";

/// Task commands.
#[derive(Debug, Subcommand)]
pub(crate) enum TaskCmd {
    /// Post a task, escrowing its payment; prints the task id and the full terms.
    #[command(after_help = POST_EXAMPLES)]
    Post(PostArgs),
    /// The task's terms (from its TaskPosted event), state, history of events, and the
    /// evidence on record (party, blob id, and the blob's kind when it can be read here).
    #[command(after_help = ID_EXAMPLES)]
    Show(ShowArgs),
    /// Tasks posted on this deployment (from TaskPosted events), with their status.
    #[command(after_help = "Examples:\n  aos task list --status open\n  \
                            aos task list --domain summarisation --requester 0x7099…79C8\n  \
                            aos --json task list --limit 10")]
    List(ListArgs),
    /// Read a task's result before settling it: fetches the result blob (blob folder, cache,
    /// --gateway, mesh), checks it against the resultHash on chain, prints the answer.
    #[command(after_help = result::EXAMPLES)]
    Result(result::ResultArgs),
    /// Evaluate the submitted result against the spec's acceptance criteria (the same
    /// evaluator as workers and jurors), publish the verdict as a blob, and act by --policy:
    /// `ask` (default) prints the verdict and the command to run, `auto` accepts a pass and
    /// rejects a failure within the review window with the verdict as evidence, `accept-all`
    /// accepts whatever it says (the requester only, for auto and accept-all).
    #[command(after_help = review::EXAMPLES)]
    Review(review::ReviewCmdArgs),
    /// Claim an open task, staking its stake (payment × stakeBps / 10 000, rounded up).
    #[command(after_help = "Examples:\n  aos task claim 0x3f9c…9a")]
    Claim(IdArg),
    /// Submit the result file's BLAKE3 id as the result hash (the worker only).
    #[command(after_help = "Examples:\n  aos task submit 0x3f9c…9a --result answer.txt")]
    Submit(SubmitArgs),
    /// Accept a submitted result: payment and stake to the worker (the requester only).
    #[command(after_help = "Examples:\n  aos task accept 0x3f9c…9a")]
    Accept(IdArg),
    /// Reject a submitted result within the review window, paying the court's arbitration
    /// cost, with the verdict as evidence: opens a dispute (the requester only).
    #[command(after_help = REJECT_EXAMPLES)]
    Reject(RejectArgs),
    /// Put evidence on record for a submitted or disputed task (the requester or the worker):
    /// the file is published as a blob and its BLAKE3 id goes on chain (ERC-1497-style
    /// Evidence event) for the jurors.
    #[command(after_help = EVIDENCE_EXAMPLES)]
    Evidence(EvidenceArgs),
    /// Cancel an unclaimed task; the payment is credited back (the requester only).
    #[command(after_help = "Examples:\n  aos task cancel 0x3f9c…9a && aos withdraw")]
    Cancel(IdArg),
    /// Settle a submitted task as accepted once its review window has passed (anyone).
    #[command(after_help = "Examples:\n  aos task finalize 0x3f9c…9a")]
    Finalize(IdArg),
    /// Time out a task past its deadline: unclaimed → Expired, claimed but not submitted →
    /// Failed (anyone).
    #[command(after_help = "Examples:\n  aos task expire 0x3f9c…9a")]
    Expire(IdArg),
    /// Execute the court's ruling on a disputed task (anyone).
    #[command(after_help = "Examples:\n  aos task execute-ruling 0x3f9c…9a")]
    ExecuteRuling(IdArg),
}

/// A task id.
#[derive(Debug, Args)]
pub(crate) struct IdArg {
    /// Task id (0x + 64 hex digits), as printed by `aos task post` / `aos task list`.
    #[arg(value_parser = parse_b256)]
    id: B256,
}

/// `task show` arguments.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// Task id (0x + 64 hex digits), as printed by `aos task post` / `aos task list`.
    #[arg(value_parser = parse_b256)]
    id: B256,
    /// An HTTP blob gateway (`GET <URL>/<0x id>`) to read evidence blobs from, besides the
    /// blob folder and the cache (for their kind).
    #[arg(long, env = "AOS_BLOB_GATEWAY", value_name = "URL")]
    gateway: Option<String>,
}

/// `task reject` arguments.
#[derive(Debug, Args)]
pub(crate) struct RejectArgs {
    /// Task id.
    #[arg(value_parser = parse_b256)]
    id: B256,
    /// Why: the verdict, as a file (published as a blob like `aos blob put`) or the BLAKE3 id
    /// of a published blob (0x + 64 hex digits). Required: a rejection carries its reason.
    #[arg(long, value_name = "FILE|BLOB_ID", value_parser = evidence::parse_evidence)]
    evidence: evidence::EvidenceArg,
}

/// `task evidence` arguments.
#[derive(Debug, Args)]
pub(crate) struct EvidenceArgs {
    /// Task id.
    #[arg(value_parser = parse_b256)]
    id: B256,
    /// The evidence: a file (published as a blob like `aos blob put`) or the BLAKE3 id of a
    /// published blob (0x + 64 hex digits).
    #[arg(value_name = "FILE|BLOB_ID", value_parser = evidence::parse_evidence)]
    evidence: evidence::EvidenceArg,
}

/// `task submit` arguments.
#[derive(Debug, Args)]
pub(crate) struct SubmitArgs {
    /// Task id.
    #[arg(value_parser = parse_b256)]
    id: B256,
    /// The result file; its BLAKE3 id goes on chain.
    #[arg(long, value_name = "FILE")]
    result: PathBuf,
}

/// `task post` arguments.
#[derive(Debug, Args)]
pub(crate) struct PostArgs {
    /// Payment escrowed: 0.05eth, 50gwei, 123wei or plain wei (token base units with --token).
    #[arg(long)]
    payment: Amount,
    /// Karma domain, e.g. summarisation (≤ 32 bytes).
    #[arg(long)]
    domain: String,
    /// The task spec file (a white-paper §6.2 task spec, see examples/task-spec.json); its
    /// BLAKE3 id becomes specHash, and it is published in the blob folder when one is set.
    #[arg(long, value_name = "FILE")]
    spec: PathBuf,
    /// Post even when the spec is not a §6.2 task spec (workers of other software).
    #[arg(long)]
    any_spec: bool,
    /// Worker stake in bps of the payment (1..=10000).
    #[arg(long, default_value_t = 1000)]
    stake_bps: u16,
    /// Claims allowed for this long from now.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    claim_in: Duration,
    /// The result is due this long from now.
    #[arg(long, default_value = "2h", value_parser = parse_duration)]
    complete_in: Duration,
    /// Review window after submission (the requester may reject within it).
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    review: Duration,
    /// Minimum decayed accuracy of the claimant in the domain, 0..=1.
    #[arg(long, default_value = "0", value_parser = parse_fraction)]
    min_accuracy: u64,
    /// Minimum decayed completion rate of the claimant in the domain, 0..=1.
    #[arg(long, default_value = "0", value_parser = parse_fraction)]
    min_completion: u64,
    /// Levels of sub-tasks allowed below this task (≤ 8).
    #[arg(long, default_value_t = 2)]
    max_depth: u8,
    /// Parent task id for a sub-task (you must be the parent's worker).
    #[arg(long, value_parser = parse_b256)]
    parent: Option<B256>,
    /// ERC-20 token to pay in (default: ETH).
    #[arg(long, value_parser = parse_address, value_name = "ADDR")]
    token: Option<Address>,
}

/// `task list` arguments.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only tasks in this status (open, claimed, submitted, disputed, accepted, cancelled,
    /// expired, failed, resolved, ruled-refused, ruled-for-requester, ruled-for-worker).
    #[arg(long, value_parser = parse_status)]
    status: Option<TaskStatus>,
    /// Only tasks in this domain.
    #[arg(long)]
    domain: Option<String>,
    /// Only tasks posted by this account.
    #[arg(long, value_parser = parse_address)]
    requester: Option<Address>,
    /// Show at most this many (the most recent).
    #[arg(long, default_value_t = 50)]
    limit: usize,
}

fn parse_status(s: &str) -> Result<TaskStatus, String> {
    s.parse::<TaskStatus>()
        .ok()
        .filter(|st| *st != TaskStatus::None)
        .ok_or_else(|| {
            format!(
                "unknown status {s:?}; one of open, claimed, submitted, disputed, accepted, \
                 cancelled, expired, failed, resolved, ruled-refused, ruled-for-requester, \
                 ruled-for-worker"
            )
        })
}

/// Run a task command.
pub(crate) async fn run(ctx: &Ctx, cmd: TaskCmd) -> Result<()> {
    match cmd {
        TaskCmd::Post(a) => post::post(ctx, a).await,
        TaskCmd::Show(a) => show::show(ctx, a.id, a.gateway).await,
        TaskCmd::List(a) => show::list(ctx, a).await,
        TaskCmd::Result(a) => result::run(ctx, a).await,
        TaskCmd::Review(a) => review::run(ctx, a).await,
        TaskCmd::Claim(a) => act::act(ctx, a.id, act::Action::Claim).await,
        TaskCmd::Submit(a) => act::act(ctx, a.id, act::Action::Submit(a.result)).await,
        TaskCmd::Accept(a) => act::act(ctx, a.id, act::Action::Accept).await,
        TaskCmd::Reject(a) => act::act(ctx, a.id, act::Action::Reject(a.evidence)).await,
        TaskCmd::Evidence(a) => evidence::submit(ctx, a.id, a.evidence).await,
        TaskCmd::Cancel(a) => act::act(ctx, a.id, act::Action::Cancel).await,
        TaskCmd::Finalize(a) => act::act(ctx, a.id, act::Action::Finalize).await,
        TaskCmd::Expire(a) => act::act(ctx, a.id, act::Action::Expire).await,
        TaskCmd::ExecuteRuling(a) => act::act(ctx, a.id, act::Action::ExecuteRuling).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names() {
        assert_eq!(parse_status("open").unwrap(), TaskStatus::Open);
        assert_eq!(
            parse_status("ruled-for-worker").unwrap(),
            TaskStatus::RuledForWorker
        );
        assert!(parse_status("none").is_err());
        assert!(parse_status("bogus").is_err());
    }
}
