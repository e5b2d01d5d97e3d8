//! `aos juror …`: stake into the court's pool, review a dispute's evidence (`review.rs`), vote
//! by commit–reveal (the salt is kept in the juror store under the data dir between the two),
//! run the juror agent (`run.rs`) and its person queue (`queue.rs`), leave, withdraw.

use alloy::primitives::{Address, B256, U256};
use aos_chain::{AosContracts, Phase, SeatState, commitment_of};
use clap::{Args, Subcommand};
use eyre::{Result, bail};
use serde_json::json;

mod queue;
mod review;
mod run;

use crate::{
    agents::join_with,
    court::{SEAT_SETTLED, dispute_of, drawn_seats, no_seat, phase_name, seat_name},
    ctx::Ctx,
    ids::parse_address,
    jury,
    output::{kv_table, table_with},
    tx::send,
    units::{Amount, fmt_deadline, fmt_duration, fmt_eth},
};

/// Juror commands.
#[derive(Debug, Subcommand)]
pub(crate) enum JurorCmd {
    /// Stake into the juror pool (or top up). The account must be a registered agent, and to
    /// be drawn needs karma above the court's floor in the dispute's domain.
    #[command(after_help = "Examples:\n  aos juror join --stake 1eth")]
    Join(JoinArgs),
    /// Leave the pool: the first call requests, a call after the leave delay takes the free
    /// stake out and withdraws it.
    #[command(after_help = "Examples:\n  aos juror leave        # request\n  \
                            aos juror leave        # again after the delay: stake back")]
    Leave,
    /// Review a dispute: evaluate its task's submitted result against the spec's acceptance
    /// criteria (the same evaluator as requesters and workers), list the parties' evidence
    /// (whose verdict, signed or not, agreeing with yours or not) and the choice your verdict
    /// implies: 1 (requester wins) when the result fails, 2 (worker wins) when it passes.
    /// --commit commits that choice as `aos juror commit` does.
    #[command(after_help = review::EXAMPLES)]
    Review(review::JurorReviewArgs),
    /// Run the juror agent: learn of seats, judge each with the evaluator (or queue it for a
    /// person), commit and reveal in time, keep the court's periods moving, settle, withdraw.
    #[command(after_help = run::EXAMPLES)]
    Run(run::RunArgs),
    /// Seats waiting for a person's choice (`aos juror run --policy person`).
    #[command(subcommand)]
    Queue(queue::QueueCmd),
    /// Commit a vote on a dispute where you hold a seat (a random salt is generated and kept
    /// in the juror store under <data-dir>/jury for `reveal`).
    #[command(
        after_help = "Examples:\n  aos juror commit 1 --choice 2    # 2 = worker wins, \
                            1 = requester wins, 0 = refuse"
    )]
    Commit(CommitArgs),
    /// Reveal the vote committed from this data dir.
    #[command(after_help = "Examples:\n  aos juror reveal 1")]
    Reveal(RevealArgs),
    /// Stake, locked stake, leave request, withdrawable balance, open seats and the votes in
    /// this data dir's juror store.
    #[command(
        after_help = "Examples:\n  aos juror status\n  aos --json juror status --address 0x9965…A4dc"
    )]
    Status(StatusArgs),
    /// Withdraw what the court owes the account (rewards, stake after leaving).
    #[command(after_help = "Examples:\n  aos juror withdraw")]
    Withdraw,
}

/// `juror join` arguments.
#[derive(Debug, Args)]
pub(crate) struct JoinArgs {
    /// Stake to add: 1eth, 100000000gwei, or plain wei (stake-token units for an ERC-20 court).
    #[arg(long)]
    stake: Amount,
}

/// `juror commit` arguments.
#[derive(Debug, Args)]
pub(crate) struct CommitArgs {
    /// Dispute id.
    #[arg(value_parser = crate::ids::parse_dispute_id)]
    dispute: u64,
    /// Your vote: for a market dispute 0 refuse, 1 requester wins, 2 worker wins.
    #[arg(long)]
    choice: u8,
}

/// `juror reveal` arguments.
#[derive(Debug, Args)]
pub(crate) struct RevealArgs {
    /// Dispute id.
    #[arg(value_parser = crate::ids::parse_dispute_id)]
    dispute: u64,
}

/// `juror status` arguments.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The juror (default: the signing account).
    #[arg(long, value_parser = parse_address)]
    address: Option<Address>,
}

impl JurorCmd {
    /// Whether the command runs until stopped (it logs its progress).
    pub(crate) fn is_service(&self) -> bool {
        matches!(self, Self::Run(_))
    }
}

/// Run a juror command.
pub(crate) async fn run(ctx: &Ctx, cmd: JurorCmd) -> Result<()> {
    match cmd {
        JurorCmd::Join(a) => join(ctx, a).await,
        JurorCmd::Leave => leave(ctx).await,
        JurorCmd::Review(a) => review::run(ctx, a).await,
        JurorCmd::Run(a) => run::run(ctx, a).await,
        JurorCmd::Queue(q) => queue::run(ctx, q).await,
        JurorCmd::Commit(a) => {
            let doc = commit_vote(ctx, a.dispute, a.choice).await?;
            let (id, path) = (a.dispute, doc["store"].as_str().unwrap_or_default());
            ctx.out.emit(&doc, || {
                format!(
                    "committed (salt kept in {path}); reveal in the reveal phase: `aos juror \
                     reveal {id}`"
                )
            });
            Ok(())
        }
        JurorCmd::Reveal(a) => reveal(ctx, a).await,
        JurorCmd::Status(a) => status(ctx, a).await,
        JurorCmd::Withdraw => withdraw(ctx).await.map(|_| ()),
    }
}

async fn join(ctx: &Ctx, a: JoinArgs) -> Result<()> {
    let (c, me) = ctx.writer().await?;
    let o = join_with(ctx, &c, me, a.stake.0).await?;
    let j = c.juror(me).await?;
    let stake = U256::from(j.stake);
    ctx.out.emit(
        &json!({ "juror": me, "stake": stake.to_string(), "tx": o.tx_hash }),
        || format!("{me} stakes {} in the juror pool", fmt_eth(stake)),
    );
    Ok(())
}

async fn leave(ctx: &Ctx) -> Result<()> {
    let (c, me) = ctx.writer().await?;
    let j = c.juror(me).await?;
    let p = c.court_params().await?;
    let now = c.chain_time().await?;
    if j.leaveRequestedAt == 0 {
        if j.stake.is_zero() {
            bail!("{me} has no stake in the juror pool");
        }
        let o = send(
            &ctx.out,
            "request to leave the juror pool",
            c.court_request_leave(),
        )
        .await?;
        let available = now + u64::from(p.leaveDelay);
        ctx.out.emit(
            &json!({ "juror": me, "requested": true, "available_at": available, "tx": o.tx_hash }),
            || {
                format!(
                    "leave requested; run `aos juror leave` again after {} (in {})",
                    available,
                    fmt_duration(u64::from(p.leaveDelay))
                )
            },
        );
        return Ok(());
    }
    let available = u64::from(j.leaveRequestedAt) + u64::from(p.leaveDelay);
    if now < available {
        bail!(
            "leave pending: the stake can be taken out at {}; run `aos juror leave` again then",
            fmt_deadline(available, now)
        );
    }
    send(&ctx.out, "take the free stake out", c.court_execute_leave()).await?;
    let amount = withdraw_inner(ctx, &c, me).await?;
    let left = c.juror(me).await?;
    ctx.out.emit(
        &json!({ "juror": me, "withdrawn": amount.to_string(), "stake_left": U256::from(left.stake).to_string() }),
        || {
            format!(
                "left the pool: {} withdrawn, {} still staked (locked in open disputes)",
                fmt_eth(amount),
                fmt_eth(U256::from(left.stake))
            )
        },
    );
    Ok(())
}

/// Commit `choice` on dispute `id` for the signing account (its salt kept under the data dir
/// first) and return what happened as JSON: `{dispute_id, round, choice, commitment, salt_file,
/// tx}`.
/// `aos juror commit` and `aos juror review --commit` both vote through here.
///
/// # Errors
/// No such dispute, not in the commit phase, a choice above the dispute's, no drawn seat, the
/// salt cannot be stored, the transaction reverts.
pub(super) async fn commit_vote(ctx: &Ctx, id: u64, choice: u8) -> Result<serde_json::Value> {
    let (c, me) = ctx.writer().await?;
    let d = dispute_of(&c, id).await?;
    if d.phase != Phase::Commit as u8 {
        bail!(
            "dispute {id} is in phase {}, not Commit{}",
            phase_name(d.phase),
            if d.phase == Phase::Drawing as u8 {
                format!(": the jury is not drawn yet (`aos dispute draw {id}`)")
            } else {
                String::new()
            }
        );
    }
    if choice > d.choices {
        bail!(
            "--choice {choice} is above the dispute's {} choices",
            d.choices
        );
    }
    let seat = c.seat(id, u64::from(d.round), me).await?;
    if seat.state != SeatState::Drawn as u8 {
        return Err(no_seat(id, d.round, seat.state));
    }
    let salt = B256::from(rand::random::<[u8; 32]>());
    // Computed here, not with DisputeCourt.commitmentOf: an eth_call would show the RPC
    // operator the vote and its salt before the commit.
    let commitment = commitment_of(
        U256::from(id),
        U256::from(d.round),
        me,
        U256::from(choice),
        salt,
    );
    // The salt is stored (and synced) before the commitment is sent: losing it would forfeit
    // the vote. A seat already committing from this store keeps its first salt.
    let store = jury::open_store(ctx, me).await?;
    let (choice, _, commitment) = store
        .begin_commit(id, u64::from(d.round), choice, salt, commitment, "manual")
        .await?;
    let o = send(
        &ctx.out,
        &format!("commit vote on dispute {id}"),
        c.commit_commitment(id, commitment),
    )
    .await?;
    store
        .committed(id, u64::from(d.round), Some(o.tx_hash))
        .await?;
    Ok(json!({
        "dispute_id": id,
        "round": d.round,
        "choice": choice,
        "commitment": commitment,
        "store": jury::store_path(ctx, me)?,
        "tx": o.tx_hash,
    }))
}

async fn reveal(ctx: &Ctx, a: RevealArgs) -> Result<()> {
    let (c, me) = ctx.writer().await?;
    let id = a.dispute;
    let d = dispute_of(&c, id).await?;
    let store = jury::open_store(ctx, me).await?;
    let round = u64::from(d.round);
    let (choice, salt) = match store.seat(id, round).await? {
        Some(jury::store::SeatRow {
            choice: Some(choice),
            salt: Some(salt),
            ..
        }) => (choice, salt),
        _ => bail!(
            "no stored vote for dispute {id} round {round} of {me} in {}: reveal with the \
             --data-dir (AOS_DATA_DIR) used to commit",
            jury::store_path(ctx, me)?.display()
        ),
    };
    if d.phase != Phase::Reveal as u8 {
        bail!(
            "dispute {id} is in phase {}, not Reveal{}",
            phase_name(d.phase),
            if d.phase == Phase::Commit as u8 {
                format!(
                    ": wait for every juror to commit, or for the commit deadline and `aos dispute advance {id}`"
                )
            } else {
                String::new()
            }
        );
    }
    let o = send(
        &ctx.out,
        &format!("reveal vote {choice} on dispute {id}"),
        c.reveal_vote(id, u64::from(choice), salt),
    )
    .await?;
    store.revealed(id, round, Some(o.tx_hash)).await?;
    ctx.out.emit(
        &json!({ "dispute_id": id, "round": d.round, "choice": choice, "tx": o.tx_hash }),
        || format!("revealed choice {choice} on dispute {id}"),
    );
    Ok(())
}

async fn withdraw_inner(ctx: &Ctx, c: &AosContracts, me: Address) -> Result<U256> {
    let owed = c.court_balance(me, Address::ZERO).await?;
    if owed.is_zero() {
        return Ok(U256::ZERO);
    }
    send(
        &ctx.out,
        &format!("withdraw {} from the court", fmt_eth(owed)),
        c.court_withdraw(Address::ZERO, me),
    )
    .await?;
    Ok(owed)
}

async fn withdraw(ctx: &Ctx) -> Result<U256> {
    let (c, me) = ctx.writer().await?;
    let owed = c.court_balance(me, Address::ZERO).await?;
    if owed.is_zero() {
        bail!(
            "the court owes {me} nothing (settled seats credit rewards: `aos dispute settle <id>`)"
        );
    }
    let amount = withdraw_inner(ctx, &c, me).await?;
    ctx.out.emit(
        &json!({ "juror": me, "amount": amount.to_string() }),
        || format!("withdrew {}", fmt_eth(amount)),
    );
    Ok(amount)
}

async fn status(ctx: &Ctx, a: StatusArgs) -> Result<()> {
    let c = ctx.reader().await?;
    let who = ctx.account_or(a.address)?;
    let j = c.juror(who).await?;
    let p = c.court_params().await?;
    let owed = c.court_balance(who, Address::ZERO).await?;
    let now = c.chain_time().await?;
    let mut seats = Vec::new();
    for (id, round, _) in drawn_seats(&c, None, Some(who)).await? {
        let s = c.seat(id, round, who).await?;
        if s.state == SEAT_SETTLED {
            continue;
        }
        let d = dispute_of(&c, id).await?;
        let todo = match (d.phase, s.state) {
            (2, 1) => format!("aos juror commit {id} --choice N"),
            (3, 2) => format!("aos juror reveal {id}"),
            (5, _) => format!("aos dispute settle {id}"),
            _ => "wait".into(),
        };
        seats.push(json!({
            "dispute_id": id,
            "round": round,
            "seat": seat_name(s.state),
            "phase": phase_name(d.phase),
            "deadline": d.deadline.to::<u64>(),
            "next": todo,
        }));
    }
    // this data dir's juror store (the agent's and the manual commits' votes), if any
    let path = jury::store_path(ctx, who)?;
    let votes: Vec<serde_json::Value> = if path.exists() {
        jury::store::JuryStore::open(&path)
            .await?
            .seats()
            .await?
            .into_iter()
            .map(|s| {
                let pass = s
                    .verdict
                    .as_deref()
                    .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
                    .and_then(|v| v["pass"].as_bool());
                json!({
                    "dispute_id": s.dispute,
                    "round": s.round,
                    "state": s.phase.as_str(),
                    "choice": s.choice,
                    "source": s.source,
                    "verdict_pass": pass,
                    "reason": s.reason,
                    "judge_ms": s.judge_ms,
                    "seat_to_commit_ms": s.commit_sent_ms.map(|c| c.saturating_sub(s.noticed_ms)),
                    "commit_tx": s.commit_tx,
                    "reveal_tx": s.reveal_tx,
                    "settle_tx": s.settle_tx,
                    "seat_verdict": s.seat_verdict,
                    "fee_reward_wei": s.fee_reward,
                    "stake_reward": s.stake_reward,
                    "appealed": s.appealed,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let (stake, locked) = (U256::from(j.stake), U256::from(j.locked));
    let leave_at =
        (j.leaveRequestedAt != 0).then(|| u64::from(j.leaveRequestedAt) + u64::from(p.leaveDelay));
    ctx.out.emit(
        &json!({
            "juror": who,
            "stake": stake.to_string(),
            "locked": locked.to_string(),
            "min_stake": U256::from(p.minStake).to_string(),
            "karma_floor": p.karmaFloor.to_string(),
            "leave_available_at": leave_at,
            "withdrawable": owed.to_string(),
            "open_seats": seats,
            "votes": votes,
        }),
        || {
            let rows = vec![
                ("juror".to_owned(), who.to_string()),
                ("stake".into(), fmt_eth(stake)),
                ("locked".into(), fmt_eth(locked)),
                (
                    "minimum stake per seat".into(),
                    fmt_eth(U256::from(p.minStake)),
                ),
                (
                    "karma floor".into(),
                    crate::units::fmt_wad(U256::from(p.karmaFloor)),
                ),
                (
                    "leave".into(),
                    leave_at.map_or("not requested".into(), |t| {
                        format!("requested; stake free at {}", fmt_deadline(t, now))
                    }),
                ),
                ("withdrawable".into(), fmt_eth(owed)),
            ];
            let mut t = table_with(&["dispute", "round", "seat", "phase", "next"]);
            for s in &seats {
                t.add_row(vec![
                    s["dispute_id"].to_string(),
                    s["round"].to_string(),
                    s["seat"].as_str().unwrap_or_default().to_owned(),
                    s["phase"].as_str().unwrap_or_default().to_owned(),
                    s["next"].as_str().unwrap_or_default().to_owned(),
                ]);
            }
            let mut out = if seats.is_empty() {
                format!("{}\nopen seats: none", kv_table(rows))
            } else {
                format!("{}\nopen seats\n{t}", kv_table(rows))
            };
            if !votes.is_empty() {
                let mut v = table_with(&[
                    "dispute",
                    "round",
                    "state",
                    "choice",
                    "by",
                    "verdict",
                    "seat",
                    "fee reward",
                ]);
                for x in &votes {
                    let text = |k: &str| x[k].as_str().unwrap_or("-").to_owned();
                    v.add_row(vec![
                        x["dispute_id"].to_string(),
                        x["round"].to_string(),
                        text("state"),
                        x["choice"].as_u64().map_or("-".into(), |c| c.to_string()),
                        text("source"),
                        match x["verdict_pass"].as_bool() {
                            Some(true) => "pass".into(),
                            Some(false) => "fail".into(),
                            None => "-".into(),
                        },
                        text("seat_verdict"),
                        x["fee_reward_wei"]
                            .as_str()
                            .and_then(|w| w.parse::<U256>().ok())
                            .map_or("-".into(), fmt_eth),
                    ]);
                }
                out.push_str(&format!("\nvotes in this data dir's juror store\n{v}"));
            }
            out
        },
    );
    Ok(())
}
