//! `aos dispute …`: inspect a dispute and move it along — draw the jury, advance past a
//! deadline, settle seats. All of these are open to anyone (IDisputeCourt).

use std::time::Duration;

use alloy::primitives::{Address, B256};
use aos_chain::{
    AosContracts, Phase, Verdict, bytes32_to_domain, dispute_court::DisputeCourt, events_of,
};
use clap::{Args, Subcommand};
use eyre::{Result, WrapErr, bail};
use serde_json::{Value, json};

use crate::ids::parse_address;
use crate::{
    court::{
        PHASE_DRAWING, SEAT_SETTLED, dispute_of, drawn_seats, is_randomness_pending, next_block,
        phase_name, seat_name,
    },
    ctx::Ctx,
    logs::ruling_name,
    output::{kv_table, table_with},
    tx::send,
    units::{fmt_deadline, fmt_eth, parse_duration},
};

/// Dispute commands.
#[derive(Debug, Subcommand)]
pub(crate) enum DisputeCmd {
    /// Phase, ruling, parties, rounds, seats and votes of a dispute.
    #[command(after_help = "Examples:\n  aos dispute show 1\n  aos --json dispute show 1")]
    Show(DisputeId),
    /// Draw the jury of the current round (repeats `draw` until every seat is filled). On an
    /// anvil devnet it mines the block the draw's seed comes from; on other chains it waits
    /// for it.
    #[command(
        after_help = "Examples:\n  aos dispute draw 1\n  aos dispute draw 1 --iterations 100 --wait 5m"
    )]
    Draw(DrawArgs),
    /// Move a dispute past an expired deadline (commit → reveal → tally, appeal window →
    /// ruling delivered, unstaffed round → refused), or retry delivering the ruling.
    #[command(after_help = "Examples:\n  aos dispute advance 1")]
    Advance(DisputeId),
    /// Appeal the current ruling within its appeal window, paying the next round's
    /// arbitration cost (`appealCost`, wei): a new round with 2n+1 jurors is drawn. Anyone may
    /// fund it; usually the losing party does.
    #[command(after_help = "Examples:\n  aos dispute appeal 1")]
    Appeal(DisputeId),
    /// Settle the seats of a solved dispute: stakes unlocked, rewards and penalties credited,
    /// jury karma recorded.
    #[command(after_help = "Examples:\n  aos dispute settle 1\n  \
                            aos dispute settle 1 --round 0 --juror 0x9965…A4dc")]
    Settle(SettleArgs),
}

/// A dispute id.
#[derive(Debug, Args)]
pub(crate) struct DisputeId {
    /// Dispute id (1, 2, …), as printed by `aos task reject`.
    #[arg(value_parser = crate::ids::parse_dispute_id)]
    id: u64,
}

/// `dispute draw` arguments.
#[derive(Debug, Args)]
pub(crate) struct DrawArgs {
    /// Dispute id.
    #[arg(value_parser = crate::ids::parse_dispute_id)]
    id: u64,
    /// Candidates tried per transaction.
    #[arg(long, default_value_t = 60)]
    iterations: u64,
    /// How long to wait for the seed block on a live chain.
    #[arg(long, default_value = "2m", value_parser = parse_duration)]
    wait: Duration,
}

/// `dispute settle` arguments.
#[derive(Debug, Args)]
pub(crate) struct SettleArgs {
    /// Dispute id.
    #[arg(value_parser = crate::ids::parse_dispute_id)]
    id: u64,
    /// Only this round.
    #[arg(long)]
    round: Option<u64>,
    /// Only this juror's seats.
    #[arg(long, value_parser = parse_address)]
    juror: Option<Address>,
}

/// IDisputeCourt.Verdict by number.
fn verdict_name(v: u8) -> &'static str {
    Verdict::name_of(v)
}

const PHASE_SOLVED: u8 = Phase::Solved as u8;

/// Run a dispute command.
pub(crate) async fn run(ctx: &Ctx, cmd: DisputeCmd) -> Result<()> {
    match cmd {
        DisputeCmd::Show(a) => show(ctx, a.id).await,
        DisputeCmd::Draw(a) => draw(ctx, a).await,
        DisputeCmd::Advance(a) => advance(ctx, a.id).await,
        DisputeCmd::Appeal(a) => appeal(ctx, a.id).await,
        DisputeCmd::Settle(a) => settle(ctx, a).await,
    }
}

async fn show(ctx: &Ctx, id: u64) -> Result<()> {
    let c = ctx.reader().await?;
    let d = dispute_of(&c, id).await?;
    let now = c.chain_time().await?;
    let parties = c
        .dispute_parties(id)
        .await
        .wrap_err("DisputeCourt.partiesOf failed")?;
    let task = if d.arbitrable == c.deployments().task_market {
        Some(
            c.task_of_dispute(id)
                .await
                .wrap_err("TaskMarket.taskOfDispute failed")?,
        )
    } else {
        None
    };
    let seats = drawn_seats(&c, Some(id), None).await?;
    let mut rounds = Vec::new();
    for r in 0..=u64::from(d.round) {
        rounds.push(round_doc(&c, id, r, d.choices, &seats).await?);
    }
    let domain =
        bytes32_to_domain(parties.domain).unwrap_or_else(|_| format!("{:#x}", parties.domain));
    let deadline: u64 = d.deadline.to();
    let doc = json!({
        "dispute_id": id,
        "phase": phase_name(d.phase),
        "round": d.round,
        "choices": d.choices,
        "ruling": d.ruling,
        "deadline": deadline,
        "delivered": d.delivered,
        "arbitrable": d.arbitrable,
        "task_id": task,
        "domain": domain,
        "requester": parties.requester,
        "worker": parties.worker,
        "rounds": rounds,
    });
    ctx.out.emit(&doc, || {
        let mut rows = vec![
            ("dispute".to_owned(), id.to_string()),
            ("phase".into(), phase_name(d.phase).to_owned()),
            ("phase deadline".into(), fmt_deadline(deadline, now)),
            ("round".into(), d.round.to_string()),
            ("ruling".into(), ruling_name(u64::from(d.ruling))),
            ("ruling delivered".into(), d.delivered.to_string()),
            ("domain".into(), domain.clone()),
            ("requester".into(), parties.requester.to_string()),
            ("worker".into(), parties.worker.to_string()),
        ];
        if let Some(t) = task {
            rows.insert(1, ("task".into(), format!("{t:#x}")));
        }
        let next = next_step(id, d.phase, d.delivered, task);
        let seats = if seats.is_empty() {
            "seats: none drawn yet".to_owned()
        } else {
            format!("seats\n{}", seats_table(&rounds))
        };
        format!("{}\n{seats}\n{next}", kv_table(rows))
    });
    Ok(())
}

/// Round `r` of dispute `id` as JSON: its counters, the votes per choice, its seats.
async fn round_doc(
    c: &AosContracts,
    id: u64,
    r: u64,
    choices: u8,
    seats: &[(u64, u64, Address)],
) -> Result<Value> {
    let rd = c
        .dispute_round(id, r)
        .await
        .wrap_err("DisputeCourt.roundOf failed")?;
    let mut votes = Vec::new();
    for choice in 0..=u64::from(choices) {
        let v = c
            .votes_for(id, r, choice)
            .await
            .wrap_err("DisputeCourt.votesFor failed")?;
        votes.push(v.saturating_to::<u64>());
    }
    let mut round_seats = Vec::new();
    for (_, sr, j) in seats.iter().filter(|s| s.1 == r) {
        let s = c
            .seat(id, *sr, *j)
            .await
            .wrap_err("DisputeCourt.seatOf failed")?;
        round_seats.push(json!({
            "juror": j,
            "state": seat_name(s.state),
            "choice": (s.state >= 3).then_some(s.choice),
        }));
    }
    Ok(json!({
        "round": r,
        "jurors": rd.jurors,
        "drawn": rd.drawn,
        "commits": rd.commits,
        "unstaffed": rd.unstaffed,
        "votes": votes,
        "seats": round_seats,
    }))
}

/// The seats of every round (from [`round_doc`]), for people.
fn seats_table(rounds: &[Value]) -> String {
    let mut t = table_with(&["round", "juror", "seat", "vote"]);
    for r in rounds {
        for s in r["seats"].as_array().into_iter().flatten() {
            t.add_row(vec![
                r["round"].to_string(),
                s["juror"].as_str().unwrap_or_default().to_owned(),
                s["state"].as_str().unwrap_or_default().to_owned(),
                match &s["choice"] {
                    Value::Null => "-".to_owned(),
                    v => v.to_string(),
                },
            ]);
        }
    }
    t.to_string()
}

/// What moves dispute `id` on from `phase`.
fn next_step(id: u64, phase: u8, delivered: bool, task: Option<B256>) -> String {
    match phase {
        1 => format!("next: `aos dispute draw {id}`"),
        2 => format!("next: seated jurors `aos juror commit {id} --choice N`"),
        3 => format!("next: seated jurors `aos juror reveal {id}`"),
        4 => format!("next: after the appeal window, `aos dispute advance {id}`"),
        5 if !delivered => format!("next: `aos dispute advance {id}` delivers the ruling"),
        5 => match task {
            Some(t) => {
                format!("next: `aos task execute-ruling {t:#x}` and `aos dispute settle {id}`")
            }
            None => format!("next: `aos dispute settle {id}`"),
        },
        _ => String::new(),
    }
}

async fn draw(ctx: &Ctx, a: DrawArgs) -> Result<()> {
    let (c, _) = ctx.writer().await?;
    let id = a.id;
    let mut d = dispute_of(&c, id).await?;
    if d.phase != PHASE_DRAWING {
        bail!(
            "dispute {id} is in phase {}, not Drawing: nothing to draw (`aos dispute show {id}`)",
            phase_name(d.phase)
        );
    }
    let mut drawn: Vec<Address> = Vec::new();
    let mut txs = 0u32;
    let pb = ctx.out.spinner(format!("drawing the jury of dispute {id}"));
    for _ in 0..64 {
        match c.draw_jury(id, a.iterations).await {
            Ok(o) => {
                txs += 1;
                drawn.extend(
                    events_of::<DisputeCourt::JurorDrawn>(&o.value, c.deployments().dispute_court)
                        .into_iter()
                        .map(|e| e.juror),
                );
                pb.set_message(format!(
                    "drawing the jury of dispute {id}: {} seats filled",
                    drawn.len()
                ));
            }
            Err(e) if is_randomness_pending(&e) => {
                pb.set_message(format!("dispute {id}: waiting for the seed block"));
                next_block(&c, a.wait).await?;
            }
            Err(e) => {
                pb.finish_and_clear();
                return Err(eyre::Report::new(e).wrap_err(format!("draw for dispute {id} failed")));
            }
        }
        d = dispute_of(&c, id).await?;
        if d.phase != PHASE_DRAWING {
            break;
        }
    }
    pb.finish_and_clear();
    if d.phase == PHASE_DRAWING {
        bail!(
            "dispute {id}: seats still open after {txs} draw transactions — too few eligible \
             jurors (registered, staked ≥ the minimum, karma above the floor in the dispute's \
             domain, not a party)? After the draw deadline `aos dispute advance {id}` ends the \
             round unstaffed"
        );
    }
    ctx.out.note(format!("✓ jury drawn ({txs} transactions)"));
    ctx.out.emit(
        &json!({ "dispute_id": id, "phase": phase_name(d.phase), "drawn": drawn, "transactions": txs }),
        || {
            format!(
                "dispute {id} is now {}; seated: {}\nnext: jurors `aos juror commit {id} --choice N`",
                phase_name(d.phase),
                drawn.iter().map(|j| j.to_string()).collect::<Vec<_>>().join(", ")
            )
        },
    );
    Ok(())
}

async fn appeal(ctx: &Ctx, id: u64) -> Result<()> {
    let (c, _) = ctx.writer().await?;
    let d = dispute_of(&c, id).await?;
    if d.phase != Phase::Appeal as u8 {
        bail!(
            "dispute {id} is in phase {}, not Appeal: only a tallied ruling inside its appeal \
             window can be appealed (`aos dispute show {id}`)",
            phase_name(d.phase)
        );
    }
    let cost = c.appeal_cost(id).await?;
    if cost == alloy::primitives::U256::MAX {
        bail!(
            "dispute {id} cannot be appealed: its appeal window is over or this was its last \
             round (`aos dispute advance {id}` makes the ruling final)"
        );
    }
    let o = send(
        &ctx.out,
        &format!("appeal dispute {id} ({})", fmt_eth(cost)),
        c.fund_appeal(id, cost),
    )
    .await?;
    let after = dispute_of(&c, id).await?;
    let seats = c.dispute_round(id, u64::from(after.round)).await?.jurors;
    ctx.out.emit(
        &json!({
            "dispute_id": id,
            "appealed_ruling": d.ruling,
            "round": after.round,
            "jurors": seats,
            "cost_wei": cost.to_string(),
            "tx": o.tx_hash,
        }),
        || {
            format!(
                "dispute {id}: ruling {} appealed for {}; round {} draws {seats} jurors\nnext: \
                 `aos dispute draw {id}` (juror agents do it themselves)",
                ruling_name(u64::from(d.ruling)),
                fmt_eth(cost),
                after.round
            )
        },
    );
    Ok(())
}

async fn advance(ctx: &Ctx, id: u64) -> Result<()> {
    let (c, _) = ctx.writer().await?;
    let before = dispute_of(&c, id).await?;
    let o = send(
        &ctx.out,
        &format!("advance dispute {id}"),
        c.advance_dispute(id),
    )
    .await?;
    let d = dispute_of(&c, id).await?;
    ctx.out.emit(
        &json!({
            "dispute_id": id,
            "from": phase_name(before.phase),
            "phase": phase_name(d.phase),
            "ruling": d.ruling,
            "delivered": d.delivered,
            "tx": o.tx_hash,
        }),
        || {
            let mut s = format!(
                "dispute {id}: {} → {}, ruling {}",
                phase_name(before.phase),
                phase_name(d.phase),
                ruling_name(u64::from(d.ruling))
            );
            if d.phase == PHASE_SOLVED && d.delivered {
                s.push_str(
                    "\nnext: `aos task execute-ruling <task>` and `aos dispute settle <id>`",
                );
            }
            s
        },
    );
    Ok(())
}

async fn settle(ctx: &Ctx, a: SettleArgs) -> Result<()> {
    let (c, _) = ctx.writer().await?;
    let id = a.id;
    dispute_of(&c, id).await?;
    let seats = drawn_seats(&c, Some(id), a.juror).await?;
    let mut done = Vec::new();
    for (_, round, juror) in seats {
        if a.round.is_some_and(|r| r != round) {
            continue;
        }
        let s = c
            .seat(id, round, juror)
            .await
            .wrap_err("DisputeCourt.seatOf failed")?;
        if s.state == SEAT_SETTLED || s.state == 0 {
            continue;
        }
        let o = send(
            &ctx.out,
            &format!("settle round {round} seat of {juror}"),
            c.settle_seat(id, round, juror),
        )
        .await?;
        for e in events_of::<DisputeCourt::SeatSettled>(&o.value, c.deployments().dispute_court) {
            done.push(json!({
                "round": round,
                "juror": juror,
                "verdict": verdict_name(e.verdict),
                "stake_back": e.stakeBack.to_string(),
                "fee_reward": e.feeReward.to_string(),
                "stake_reward": e.stakeReward.to_string(),
            }));
        }
    }
    if done.is_empty() {
        ctx.out.note(format!("dispute {id}: no unsettled seats"));
    }
    ctx.out
        .emit(&json!({ "dispute_id": id, "settled": done }), || {
            if done.is_empty() {
                return String::new();
            }
            let mut t = table_with(&["round", "juror", "verdict", "fee reward", "stake reward"]);
            for s in &done {
                let amount = |k: &str| {
                    fmt_eth(
                        s[k].as_str()
                            .and_then(|v| v.parse().ok())
                            .unwrap_or_default(),
                    )
                };
                t.add_row(vec![
                    s["round"].to_string(),
                    s["juror"].as_str().unwrap_or_default().to_owned(),
                    s["verdict"].as_str().unwrap_or_default().to_owned(),
                    amount("fee_reward"),
                    amount("stake_reward"),
                ]);
            }
            format!("{t}\nnext: jurors `aos juror withdraw`")
        });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_step_follows_the_phase() {
        assert!(next_step(3, 1, false, None).contains("aos dispute draw 3"));
        assert!(next_step(3, 2, false, None).contains("aos juror commit 3"));
        assert!(next_step(3, 5, false, None).contains("delivers the ruling"));
        let t = B256::repeat_byte(0xab);
        let s = next_step(3, 5, true, Some(t));
        assert!(
            s.contains(&format!("aos task execute-ruling {t:#x}")) && s.contains("settle 3"),
            "{s}"
        );
        assert_eq!(next_step(3, 5, true, None), "next: `aos dispute settle 3`");
        assert_eq!(next_step(3, 0, false, None), "");
    }
}
