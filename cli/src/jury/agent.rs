//! The juror agent's loop (`aos juror run`): every `poll` it
//!
//! 1. **learns** of its seats from the court's `JurorDrawn` logs naming it (aos-chain
//!    [`AosContracts::court_news`], the shared log scanner, from a cursor kept in the store,
//!    so none is missed while an indexer is down) and, when an indexer is configured, from
//!    its disputes in Drawing/Commit;
//! 2. **keeps** the court moving: draws rounds that are open (`draw`; on anvil it mines the
//!    seed block) and calls `advance` on its disputes when a period is over and nobody has;
//! 3. **judges** each new seat: refuses it when this juror is interested (its account, its
//!    agent key or an account in the disputed task's delegation chain is a party), else
//!    loads the task's spec, result and the parties' evidence (each blob checked against its
//!    hash) and runs the evaluator ([`crate::review`], the requester's and the worker's own
//!    code) — or queues the seat for a person (`aos juror queue`);
//! 4. **votes** by commit–reveal: the choice and salt go to the store (synced) before the
//!    commit transaction; the reveal comes from the store in the reveal period;
//! 5. **settles** its seats once the dispute is solved, withdraws its rewards, and funds an
//!    appeal when its policy says so (white paper §7.2; IDisputeCourt).
//!
//! Every chain read is fresh each tick, so a restart (even `kill -9`) picks up where the
//! chain and the store are: a seat committing on disk but not on chain is committed again
//! with the stored salt; a committed seat is revealed.

use std::{collections::BTreeSet, time::Duration};

use alloy::primitives::{Address, B256, U256};
use aos_chain::{
    AosContracts, ChainError, Phase, Revert, Ruling, SeatState, commitment_of,
    dispute_court::DisputeCourt, events_of,
};
use eyre::{Result, WrapErr, eyre};
use tokio::sync::watch;

use super::{
    metrics::Metrics,
    store::{JuryStore, SeatPhase, SeatRow, now_ms},
};
use crate::{
    court::{is_randomness_pending, next_block},
    ctx::Ctx,
    review::{self, EvalArgs},
};

/// How a seat's choice is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum VotePolicy {
    /// The evaluator's verdict decides: a failing result → 1 (requester wins), a passing
    /// one → 2 (worker wins).
    Evaluator,
    /// The evaluator runs and its verdict is shown, but a person decides: the seat waits in
    /// `aos juror queue list` until `aos juror queue vote`.
    Person,
    /// Always 2 (worker wins), whatever the evidence: a colluding juror, for tests and
    /// simulations of the court's incentives. It loses its penalty when outvoted.
    AlwaysWorker,
}

impl VotePolicy {
    fn name(self) -> &'static str {
        match self {
            Self::Evaluator => "evaluator",
            Self::Person => "person",
            Self::AlwaysWorker => "always-worker",
        }
    }
}

/// When the agent funds an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AppealPolicy {
    /// Never.
    Never,
    /// When the round's ruling differs from this juror's revealed vote and the appeal costs
    /// at most `--max-appeal`.
    WhenOutvoted,
}

/// What the agent does beyond voting.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub(crate) vote: VotePolicy,
    pub(crate) appeal: AppealPolicy,
    /// Most wei one appeal may cost.
    pub(crate) max_appeal_wei: U256,
    /// Draw open rounds and advance expired periods (anyone may; somebody must).
    pub(crate) keeper: bool,
    /// Withdraw the court balance whenever it is above zero.
    pub(crate) withdraw: bool,
}

/// The running agent.
pub(crate) struct JurorAgent<'a> {
    ctx: &'a Ctx,
    c: AosContracts,
    me: Address,
    store: JuryStore,
    policy: Policy,
    eval: EvalArgs,
    metrics: Metrics,
    indexer: Option<aos_indexer_api::IndexerClient>,
    /// Disputes with a round in Drawing (from `RoundOpened` and the indexer).
    drawing: BTreeSet<u64>,
    /// Time between ticks.
    poll: Duration,
    /// Rounds whose last draw would have filled no seat: not tried again before then.
    draw_after: std::collections::HashMap<u64, std::time::Instant>,
}

const CURSOR: &str = "court_logs";
/// Draw iterations per `draw` transaction.
const DRAW_ITERATIONS: u64 = 64;
/// Wait before trying again a round a draw could not fill a seat of.
const DRAW_BACKOFF: Duration = Duration::from_secs(5);

impl<'a> JurorAgent<'a> {
    /// An agent for the signing account of `ctx`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        ctx: &'a Ctx,
        c: AosContracts,
        me: Address,
        store: JuryStore,
        policy: Policy,
        eval: EvalArgs,
        metrics: Metrics,
        indexer: Option<aos_indexer_api::IndexerClient>,
        poll: Duration,
    ) -> Self {
        Self {
            ctx,
            c,
            me,
            store,
            policy,
            eval,
            metrics,
            indexer,
            drawing: BTreeSet::new(),
            poll,
            draw_after: std::collections::HashMap::new(),
        }
    }

    /// Runs until `shutdown` turns true. A failing tick is logged and the next one tries
    /// again (an RPC outage is a pause, not an exit).
    pub(crate) async fn run(&mut self, mut shutdown: watch::Receiver<bool>) -> Result<()> {
        tracing::info!(juror = %self.me, policy = self.policy.vote.name(), "juror agent running");
        match self.c.juror(self.me).await {
            Ok(j) if j.stake == 0 => tracing::warn!(
                juror = %self.me,
                "this account has no stake in the juror pool, so it is never drawn: `aos juror \
                 join --stake 1eth`"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(%e, "cannot read this juror's stake"),
        }
        loop {
            if let Err(e) = self.tick().await {
                tracing::warn!(error = %format!("{e:#}"), "juror tick failed; trying again");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.poll) => {}
                _ = shutdown.changed() => if *shutdown.borrow() { break },
            }
        }
        tracing::info!("juror agent stopped");
        Ok(())
    }

    /// One pass: learn, keep, judge, vote, settle, withdraw.
    pub(crate) async fn tick(&mut self) -> Result<()> {
        self.discover().await?;
        if self.policy.keeper {
            self.keep().await;
        }
        for seat in self.store.open_seats().await? {
            if let Err(e) = self.step(&seat).await {
                let msg = format!("{e:#}");
                if seat.reason.as_deref() == Some(msg.as_str()) {
                    // said already: once per new error, not once per tick
                    tracing::debug!(dispute = seat.dispute, round = seat.round, error = %msg, "seat step failed again");
                } else {
                    tracing::warn!(dispute = seat.dispute, round = seat.round, error = %msg, "seat step failed; trying again");
                }
                self.store
                    .note_error(seat.dispute, seat.round, &msg)
                    .await?;
            }
        }
        for seat in self.store.refused_unsettled().await? {
            if let Err(e) = self.settle_if_solved(&seat).await {
                tracing::warn!(dispute = seat.dispute, error = %format!("{e:#}"), "settling a refused seat failed");
            }
        }
        self.metrics.set_seats(&self.store.seats().await?);
        if self.policy.withdraw {
            self.withdraw().await?;
        }
        Ok(())
    }

    /// New seats and open rounds since the cursor (and from the indexer).
    async fn discover(&mut self) -> Result<()> {
        let from = match self.store.cursor(CURSOR).await? {
            Some(b) => b + 1,
            None => self.c.deployments().start_block,
        };
        let news = self
            .c
            .court_news(self.me, from)
            .await
            .wrap_err("cannot scan the court's logs")?;
        for (d, r) in news.seats {
            if self.store.notice(d, r).await? {
                tracing::info!(dispute = d, round = r, "drawn into a seat");
            }
        }
        self.drawing.extend(news.rounds.iter().map(|(d, _)| *d));
        self.store.set_cursor(CURSOR, news.to_block).await?;
        if let Some(ix) = &self.indexer {
            // a second source, not the only one: its failure is logged, not fatal
            for phase in ["Drawing", "Commit"] {
                let q = aos_indexer_api::DisputesQuery {
                    phase: Some(phase.into()),
                    ..Default::default()
                };
                match ix.disputes(&q).await {
                    Ok(list) => {
                        for d in list.disputes {
                            let id: u64 = d.dispute_id.saturating_to();
                            if phase == "Drawing" {
                                self.drawing.insert(id);
                            } else {
                                let s = self.c.seat(id, d.round, self.me).await?;
                                if s.state != SeatState::None as u8 {
                                    self.store.notice(id, d.round).await?;
                                }
                            }
                        }
                    }
                    Err(e) => tracing::debug!(%e, "indexer unavailable; the chain's logs suffice"),
                }
            }
        }
        Ok(())
    }

    /// Draw rounds still in Drawing; end the ones past their draw deadline. A round that
    /// cannot fill a seat now is looked at again after [`DRAW_BACKOFF`].
    async fn keep(&mut self) {
        let ids: Vec<u64> = self.drawing.iter().copied().collect();
        for id in ids {
            if self
                .draw_after
                .get(&id)
                .is_some_and(|t| *t > std::time::Instant::now())
            {
                continue;
            }
            match self.draw_round(id).await {
                Ok(true) => {}
                Ok(false) => {
                    self.drawing.remove(&id);
                    self.draw_after.remove(&id);
                }
                Err(e) => {
                    tracing::debug!(dispute = id, error = %format!("{e:#}"), "draw failed; trying again");
                }
            }
        }
    }

    /// One draw step for dispute `id`; whether it is still drawing.
    async fn draw_round(&mut self, id: u64) -> Result<bool> {
        let d = self.c.dispute(id).await?;
        if d.phase != Phase::Drawing as u8 {
            return Ok(false);
        }
        let now = self.c.chain_time().await?;
        if now > d.deadline.to::<u64>() {
            self.advance(id, "draw period over: the round ends unstaffed")
                .await?;
            return Ok(false);
        }
        // simulate first: a draw that fills no seat (every eligible juror seated, or out of
        // free stake) is not worth a transaction; try again later
        match self.c.draw_preview(id, DRAW_ITERATIONS).await {
            Ok(0) => {
                tracing::debug!(dispute = id, "a draw now would fill no seat");
                self.draw_after
                    .insert(id, std::time::Instant::now() + DRAW_BACKOFF);
                return Ok(true);
            }
            Ok(_) => {}
            Err(e) if is_randomness_pending(&e) => {
                next_block(&self.c, Duration::from_secs(1)).await.ok();
                return Ok(true);
            }
            Err(e) if is_stale(&e) => return Ok(true),
            Err(e) => return Err(e.into()),
        }
        match self.c.draw_jury(id, DRAW_ITERATIONS).await {
            Ok(o) => {
                let n = events_of::<DisputeCourt::JurorDrawn>(
                    &o.value,
                    self.c.deployments().dispute_court,
                )
                .len();
                tracing::info!(dispute = id, seats = n, "drew jurors");
            }
            Err(e) if is_randomness_pending(&e) => {
                next_block(&self.c, Duration::from_secs(1)).await.ok();
            }
            Err(e) if is_stale(&e) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(true)
    }

    /// `advance(id)`, tolerating another account having done it first.
    async fn advance(&self, id: u64, why: &str) -> Result<()> {
        match self.c.advance_dispute(id).await {
            Ok(_) => {
                tracing::info!(dispute = id, why, "advanced");
                Ok(())
            }
            Err(e) if is_stale(&e) => Ok(()),
            Err(e) => Err(eyre::Report::new(e).wrap_err(format!("advance({id}) failed"))),
        }
    }

    /// Moves one seat forward from what the chain says now.
    async fn step(&self, seat: &SeatRow) -> Result<()> {
        let (id, round) = (seat.dispute, seat.round);
        let d = self.c.dispute(id).await?;
        let r = self.c.dispute_round(id, round).await?;
        if d.phase == Phase::Solved as u8 || r.unstaffed {
            return self.settle_if_solved(seat).await;
        }
        if u64::from(d.round) != round {
            // an appeal opened a later round: this seat settles when the dispute is solved
            return Ok(());
        }
        let now = self.c.chain_time().await?;
        let past = now > d.deadline.to::<u64>();
        let on_chain = self.c.seat(id, round, self.me).await?;
        let state = SeatState::from_u8(on_chain.state);
        if seat.phase == SeatPhase::Queued && (d.phase != Phase::Commit as u8 || past) {
            self.refuse(
                seat,
                "no choice from a person before the commit deadline (`aos juror queue vote`): \
                 the seat is absent",
            )
            .await?;
            return Ok(());
        }
        if state == Some(SeatState::Committed) && !stored_commitment_is(seat, &on_chain) {
            self.refuse(
                seat,
                "the seat was committed on chain with a commitment this store did not make \
                 (another agent or data dir for this juror?): only that store can reveal it",
            )
            .await?;
            return Ok(());
        }
        match (Phase::from_u8(d.phase), state) {
            (Some(Phase::Commit), Some(SeatState::Drawn)) => {
                if past {
                    return self.advance(id, "commit period over").await;
                }
                self.vote(seat, &d).await
            }
            (Some(Phase::Commit), Some(SeatState::Committed)) => {
                if seat.phase == SeatPhase::Committing {
                    self.store.committed(id, round, None).await?;
                }
                if past {
                    self.advance(id, "commit period over").await?;
                }
                Ok(())
            }
            (Some(Phase::Reveal), Some(SeatState::Committed)) => {
                if past {
                    return self.advance(id, "reveal period over").await;
                }
                self.reveal(seat).await
            }
            (Some(Phase::Reveal), Some(SeatState::Revealed)) => {
                if seat.phase != SeatPhase::Revealed {
                    self.store.revealed(id, round, None).await?;
                }
                if past {
                    self.advance(id, "reveal period over").await?;
                }
                Ok(())
            }
            (Some(Phase::Appeal), _) => {
                if state == Some(SeatState::Revealed) && seat.phase != SeatPhase::Revealed {
                    self.store.revealed(id, round, None).await?;
                }
                if past {
                    return self
                        .advance(id, "appeal period over: the ruling is final")
                        .await;
                }
                self.maybe_appeal(seat, &d).await
            }
            _ => Ok(()),
        }
    }

    /// Judge (once) and commit (until on chain) a seat in the commit phase.
    async fn vote(
        &self,
        seat: &SeatRow,
        d: &aos_chain::dispute_court::IDisputeCourt::Dispute,
    ) -> Result<()> {
        let (id, round) = (seat.dispute, seat.round);
        let seat = if seat.phase == SeatPhase::Noticed {
            if !self.judge(seat).await? {
                return Ok(());
            }
            self.store
                .seat(id, round)
                .await?
                .ok_or_else(|| eyre!("seat {id}/{round} vanished from the store"))?
        } else {
            seat.clone()
        };
        match seat.phase {
            SeatPhase::Judged | SeatPhase::Committing => {}
            // waiting for a person, refused, or done
            _ => return Ok(()),
        }
        let choice = seat
            .choice
            .ok_or_else(|| eyre!("seat {id}/{round} is judged without a choice"))?;
        if choice > d.choices {
            eyre::bail!("choice {choice} is above the dispute's {}", d.choices);
        }
        let salt = B256::from(rand::random::<[u8; 32]>());
        let commitment = commitment_of(
            U256::from(id),
            U256::from(round),
            self.me,
            U256::from(choice),
            salt,
        );
        // the store keeps the first salt: a restart sends the same commitment again
        let source = seat.source.as_deref().unwrap_or("evaluator");
        let (_, _, commitment) = self
            .store
            .begin_commit(id, round, choice, salt, commitment, source)
            .await?;
        match self.c.commit_commitment(id, commitment).await {
            Ok(o) => {
                self.store.committed(id, round, Some(o.tx_hash)).await?;
                self.metrics.votes.inc();
                let secs = now_ms().saturating_sub(seat.noticed_ms) as f64 / 1000.0;
                self.metrics.seat_to_commit.observe(secs);
                tracing::info!(
                    dispute = id,
                    round,
                    choice,
                    seat_to_commit_s = secs,
                    "committed"
                );
                Ok(())
            }
            Err(e) if is_stale(&e) => Ok(()), // committed already, or the phase moved: re-read
            Err(e) => Err(eyre::Report::new(e).wrap_err(format!("commit on dispute {id} failed"))),
        }
    }

    /// Decide a new seat's choice. `Ok(false)` when there is nothing to commit (refused or
    /// queued for a person).
    async fn judge(&self, seat: &SeatRow) -> Result<bool> {
        let (id, round) = (seat.dispute, seat.round);
        let task = self
            .c
            .task_of_dispute(id)
            .await
            .wrap_err("TaskMarket.taskOfDispute failed")?;
        if task == B256::ZERO {
            return self
                .refuse(
                    seat,
                    "not a dispute about a task of this market: nothing to evaluate",
                )
                .await;
        }
        self.store.set_task(id, round, task).await?;
        if let Some(why) = self.interest(task).await? {
            return self.refuse(seat, &why).await;
        }
        let started = std::time::Instant::now();
        let sources = self.eval.fetch.sources();
        let sub = review::load_submission(self.ctx, &self.c, task, &sources).await?;
        let ev = review::evaluator(self.ctx, &self.eval, &sub.spec).await?;
        let verdict = review::evaluate(&ev, &sub).await?;
        // the parties' evidence is read (each blob verified against its id) and any
        // verdict that disagrees with this one is logged for the juror's record
        let evidence = review::evidence_of(
            self.ctx,
            &self.c,
            task,
            sub.params.requester,
            sub.worker,
            &sources,
        )
        .await?;
        for e in &evidence {
            if let Ok(bytes) = &e.blob
                && let Some(pv) = review::read_verdict(bytes)
            {
                let a = review::compare(&verdict, &pv.verdict);
                if !a.agrees {
                    tracing::info!(dispute = id, party = %e.record.party, role = e.role.as_str(), differences = ?a.differences, "a party's verdict differs from this juror's");
                }
            }
        }
        let judge_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.metrics.judge.observe(judge_ms as f64 / 1000.0);
        let implied = review::choice_for(&verdict).as_u8();
        let choice = match self.policy.vote {
            VotePolicy::AlwaysWorker => Ruling::ForWorker.as_u8(),
            _ => implied,
        };
        let queue = self.policy.vote == VotePolicy::Person;
        self.store
            .judged(
                id,
                round,
                &serde_json::to_string(&verdict)?,
                judge_ms,
                choice,
                self.policy.vote.name(),
                queue,
            )
            .await?;
        tracing::info!(
            dispute = id,
            round,
            pass = verdict.pass,
            score_bps = verdict.score_bps,
            choice,
            queued = queue,
            judge_ms,
            "judged"
        );
        if queue {
            tracing::info!(
                dispute = id,
                "waiting for a person: `aos juror queue vote {id} --choice N`"
            );
        }
        Ok(!queue)
    }

    async fn refuse(&self, seat: &SeatRow, why: &str) -> Result<bool> {
        tracing::warn!(
            dispute = seat.dispute,
            round = seat.round,
            why,
            "refusing the seat"
        );
        self.store.refuse(seat.dispute, seat.round, why).await?;
        self.metrics.refused.inc();
        Ok(false)
    }

    /// Why this juror may not judge task `task`'s dispute, if it may not: its account or
    /// its agent key is the requester's or the worker's of the task or of any task above it
    /// in the delegation chain (`parentTaskId`), whose karma the ruling can move.
    pub(crate) async fn interest(&self, task: B256) -> Result<Option<String>> {
        let my_key = self.c.agent_key_of(self.me).await?;
        let mut t = task;
        for depth in 0..32 {
            let terms = self.c.task_terms(t).await?;
            let state = self.c.task_state(t).await?;
            let which = if depth == 0 {
                "the disputed task".to_owned()
            } else {
                format!("task {t:#x}, {depth} level(s) up the disputed task's delegation chain")
            };
            for (role, account) in [
                ("requester", terms.params.requester),
                ("worker", state.worker),
            ] {
                if account == Address::ZERO {
                    continue;
                }
                if account == self.me {
                    return Ok(Some(format!(
                        "this juror's account {} is the {role} of {which}",
                        self.me
                    )));
                }
                if my_key != B256::ZERO && self.c.agent_key_of(account).await? == my_key {
                    return Ok(Some(format!(
                        "this juror's agent key is also the {role}'s ({account}) of {which}"
                    )));
                }
            }
            if terms.params.parentTaskId == B256::ZERO {
                return Ok(None);
            }
            t = terms.params.parentTaskId;
        }
        Ok(Some(
            "the delegation chain is deeper than 32 tasks: cannot rule out an interest".into(),
        ))
    }

    /// Reveal the stored vote.
    async fn reveal(&self, seat: &SeatRow) -> Result<()> {
        let (id, round) = (seat.dispute, seat.round);
        let (Some(choice), Some(salt)) = (seat.choice, seat.salt) else {
            eyre::bail!(
                "seat {id}/{round} is committed on chain but this store has no salt for it (was \
                 it committed from another data dir?)"
            );
        };
        match self.c.reveal_vote(id, u64::from(choice), salt).await {
            Ok(o) => {
                self.store.revealed(id, round, Some(o.tx_hash)).await?;
                self.metrics.reveals.inc();
                tracing::info!(dispute = id, round, choice, "revealed");
                Ok(())
            }
            Err(e) if is_stale(&e) => Ok(()),
            Err(e) => Err(eyre::Report::new(e).wrap_err(format!("reveal on dispute {id} failed"))),
        }
    }

    /// Fund an appeal when the policy says so.
    async fn maybe_appeal(
        &self,
        seat: &SeatRow,
        d: &aos_chain::dispute_court::IDisputeCourt::Dispute,
    ) -> Result<()> {
        if self.policy.appeal == AppealPolicy::Never || seat.appealed {
            return Ok(());
        }
        let Some(mine) = seat.choice else {
            return Ok(());
        };
        if seat.phase != SeatPhase::Revealed || mine == d.ruling {
            return Ok(());
        }
        let cost = self.c.appeal_cost(seat.dispute).await?;
        if cost > self.policy.max_appeal_wei {
            // not recorded as appealed: a restart with a higher --max-appeal inside the
            // window may still fund it
            tracing::debug!(dispute = seat.dispute, %cost, "outvoted, but the appeal costs more than --max-appeal");
            return Ok(());
        }
        match self.c.fund_appeal(seat.dispute, cost).await {
            Ok(_) => {
                tracing::info!(dispute = seat.dispute, %cost, ruling = d.ruling, mine, "outvoted: funded an appeal");
                self.store.appealed(seat.dispute, seat.round).await
            }
            Err(e) if is_stale(&e) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Once solved (or the round unstaffed): deliver the ruling if nobody has, settle this
    /// juror's seat, record the verdict and rewards.
    async fn settle_if_solved(&self, seat: &SeatRow) -> Result<()> {
        let (id, round) = (seat.dispute, seat.round);
        let d = self.c.dispute(id).await?;
        let r = self.c.dispute_round(id, round).await?;
        if d.phase != Phase::Solved as u8 && !r.unstaffed {
            return Ok(());
        }
        if d.phase == Phase::Solved as u8 && !d.delivered {
            self.advance(id, "deliver the ruling").await?;
        }
        let on_chain = self.c.seat(id, round, self.me).await?;
        if on_chain.state == SeatState::Settled as u8 || on_chain.state == SeatState::None as u8 {
            if seat.settle_tx.is_none() {
                self.store.settled(id, round, None, "?", "0", "0").await?;
            }
            return Ok(());
        }
        let o = match self.c.settle_seat(id, round, self.me).await {
            Ok(o) => o,
            Err(e) if is_stale(&e) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let ev =
            events_of::<DisputeCourt::SeatSettled>(&o.value, self.c.deployments().dispute_court);
        let (verdict, fee, stake) = ev
            .first()
            .map(|e| {
                (
                    aos_chain::Verdict::name_of(e.verdict).to_owned(),
                    e.feeReward,
                    e.stakeReward,
                )
            })
            .unwrap_or_else(|| ("?".into(), U256::ZERO, U256::ZERO));
        if verdict == "Absent" {
            self.metrics.missed.inc();
        }
        self.metrics.rewarded(fee, stake);
        self.store
            .settled(
                id,
                round,
                Some(o.tx_hash),
                &verdict,
                &fee.to_string(),
                &stake.to_string(),
            )
            .await?;
        tracing::info!(dispute = id, round, verdict, fee_reward_wei = %fee, stake_reward = %stake, "seat settled");
        Ok(())
    }

    async fn withdraw(&self) -> Result<()> {
        let owed = self.c.court_balance(self.me, Address::ZERO).await?;
        if owed.is_zero() {
            return Ok(());
        }
        match self.c.court_withdraw(Address::ZERO, self.me).await {
            Ok(_) => {
                tracing::info!(amount_wei = %owed, "withdrew the court balance");
                Ok(())
            }
            Err(e) if is_stale(&e) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Whether the commitment on chain (its low 240 bits, IDisputeCourt `Seat.commitment`) is
/// the one this store made for `seat`.
fn stored_commitment_is(
    seat: &SeatRow,
    on_chain: &aos_chain::dispute_court::IDisputeCourt::Seat,
) -> bool {
    let Some(mine) = seat.commitment else {
        return false;
    };
    let low240 = U256::from_be_bytes(mine.0) & (U256::MAX >> 16);
    low240 == U256::from_limbs(on_chain.commitment.into_limbs())
}

/// A revert that means "someone else got there first" (phase moved, seat already
/// committed/revealed/settled, deadline just passed, nothing to withdraw): the next tick
/// re-reads the chain.
fn is_stale(e: &ChainError) -> bool {
    use aos_chain::dispute_court::DisputeCourt::DisputeCourtErrors as E;
    matches!(
        e.revert(),
        Some(Revert::DisputeCourt(
            E::DisputeCourtWrongPhase(_)
                | E::DisputeCourtWrongSeat(_)
                | E::DisputeCourtDeadlinePassed(_)
                | E::DisputeCourtDeadlineNotPassed(_)
                | E::DisputeCourtNothingToWithdraw(_)
                | E::DisputeCourtNotAppealable(_)
                | E::DisputeCourtRoundNotSettleable(_)
        ))
    )
}
