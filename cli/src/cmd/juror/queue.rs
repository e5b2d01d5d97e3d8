//! `aos juror queue list|vote`: seats an agent run with `--policy person` waits on. The
//! evaluator has run (its verdict is the suggestion); a person's choice goes to the juror
//! store, and the running agent commits it (salt stored first, as for any vote).

use clap::{Args, Subcommand};
use eyre::{Result, bail};
use serde_json::json;

use crate::{
    ctx::Ctx,
    ids::parse_dispute_id,
    jury::{self, store::SeatPhase},
    logs::ruling_name,
    output::table_with,
};

/// `juror queue` commands.
#[derive(Debug, Subcommand)]
pub(crate) enum QueueCmd {
    /// Seats waiting for a person's choice, with the evaluator's verdict.
    #[command(after_help = "Examples:\n  aos juror queue list\n  aos --json juror queue list")]
    List,
    /// Choose for a queued seat; `aos juror run` commits it on its next pass.
    #[command(
        after_help = "Examples:\n  aos juror queue vote 3 --choice 1    # 1 = requester wins, \
                      2 = worker wins, 0 = refuse to rule"
    )]
    Vote(VoteArgs),
}

/// `juror queue vote` arguments.
#[derive(Debug, Args)]
pub(crate) struct VoteArgs {
    /// Dispute id.
    #[arg(value_parser = parse_dispute_id)]
    dispute: u64,
    /// 0 refuse, 1 requester wins, 2 worker wins.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=2))]
    choice: u8,
    /// The round (default: the seat's only queued round).
    #[arg(long)]
    round: Option<u64>,
}

/// Run a queue command.
pub(super) async fn run(ctx: &Ctx, cmd: QueueCmd) -> Result<()> {
    let me = ctx.account_or(None)?;
    let store = jury::open_store(ctx, me).await?;
    let queued: Vec<_> = store
        .seats()
        .await?
        .into_iter()
        .filter(|s| s.phase == SeatPhase::Queued)
        .collect();
    match cmd {
        QueueCmd::List => {
            let rows: Vec<_> = queued
                .iter()
                .map(|s| {
                    let v: serde_json::Value = s
                        .verdict
                        .as_deref()
                        .and_then(|v| serde_json::from_str(v).ok())
                        .unwrap_or_default();
                    json!({
                        "dispute_id": s.dispute,
                        "round": s.round,
                        "task_id": s.task_id,
                        "suggested_choice": s.choice,
                        "verdict": v,
                    })
                })
                .collect();
            ctx.out.emit(&json!({ "juror": me, "queued": rows }), || {
                if rows.is_empty() {
                    return "no seat is waiting for a choice".into();
                }
                let mut t = table_with(&["dispute", "round", "task", "evaluator", "suggests"]);
                for r in &rows {
                    let v = &r["verdict"];
                    t.add_row(vec![
                        r["dispute_id"].to_string(),
                        r["round"].to_string(),
                        r["task_id"].as_str().unwrap_or("-").to_owned(),
                        format!(
                            "{} ({} bps)",
                            if v["pass"].as_bool() == Some(true) {
                                "pass"
                            } else {
                                "fail"
                            },
                            v["score_bps"]
                        ),
                        r["suggested_choice"]
                            .as_u64()
                            .map_or("-".into(), ruling_name),
                    ]);
                }
                format!(
                    "{t}\nthe evidence: `aos juror review <dispute>`; choose: `aos juror queue \
                     vote <dispute> --choice N`"
                )
            });
            Ok(())
        }
        QueueCmd::Vote(a) => {
            let mine: Vec<_> = queued.iter().filter(|s| s.dispute == a.dispute).collect();
            let round = match (a.round, mine.as_slice()) {
                (Some(r), _) => r,
                (None, [one]) => one.round,
                (None, []) => bail!(
                    "no seat of dispute {} is waiting for a choice (`aos juror queue list`)",
                    a.dispute
                ),
                (None, _) => bail!(
                    "several rounds of dispute {} are queued: pass --round",
                    a.dispute
                ),
            };
            // a choice after the commit period cannot be committed: say so now
            let c = ctx.reader().await?;
            let d = crate::court::dispute_of(&c, a.dispute).await?;
            let now = c.chain_time().await?;
            let deadline = d.deadline.to::<u64>();
            if u64::from(d.round) != round
                || d.phase != aos_chain::Phase::Commit as u8
                || now > deadline
            {
                bail!(
                    "too late to choose for dispute {} round {round}: the dispute is in round {}, \
                     phase {} (the commit period ended {}); the seat settles as absent",
                    a.dispute,
                    d.round,
                    aos_chain::Phase::name_of(d.phase),
                    crate::units::fmt_deadline(deadline, now)
                );
            }
            if !store.person_votes(a.dispute, round, a.choice).await? {
                bail!(
                    "seat {}/{round} is not waiting for a choice (`aos juror queue list`)",
                    a.dispute
                );
            }
            ctx.out.emit(
                &json!({ "dispute_id": a.dispute, "round": round, "choice": a.choice }),
                || {
                    format!(
                        "choice {} recorded for dispute {} round {round}; the running `aos juror \
                         run` commits it",
                        ruling_name(u64::from(a.choice)),
                        a.dispute
                    )
                },
            );
            Ok(())
        }
    }
}
