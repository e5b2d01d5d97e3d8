//! The juror's SQLite store: one row per seat (dispute, round) and the log cursor.
//!
//! A vote's choice and salt are written — and the write synced to disk (`synchronous =
//! FULL`) — **before** the commit transaction is sent, so a juror killed at any point
//! either has no commitment on chain (and sends the stored one again: never a second salt)
//! or can reveal what it committed (issue 14 "Restart safety"). `aos juror commit` / `reveal`
//! by hand use the same store, so a seat has one home whichever way it is voted.

use std::path::Path;

use alloy::primitives::B256;
use eyre::{Result, WrapErr};
use sqlx::{
    Row, SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

/// Where a seat is, as this juror sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeatPhase {
    /// Drawn; not judged yet.
    Noticed,
    /// Waiting for a person's choice (`aos juror queue vote`).
    Queued,
    /// A choice is made; no salt yet.
    Judged,
    /// Choice and salt stored; the commit transaction may or may not have been sent.
    Committing,
    /// The commitment is on chain.
    Committed,
    /// The vote is revealed.
    Revealed,
    /// This juror will not vote on it (interested, or not a market task): logged why.
    Refused,
    /// Settled on chain.
    Settled,
}

impl SeatPhase {
    pub(crate) const ALL: [Self; 8] = [
        Self::Noticed,
        Self::Queued,
        Self::Judged,
        Self::Committing,
        Self::Committed,
        Self::Revealed,
        Self::Refused,
        Self::Settled,
    ];

    /// The stored name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Noticed => "noticed",
            Self::Queued => "queued",
            Self::Judged => "judged",
            Self::Committing => "committing",
            Self::Committed => "committed",
            Self::Revealed => "revealed",
            Self::Refused => "refused",
            Self::Settled => "settled",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// One seat row.
#[derive(Debug, Clone)]
pub(crate) struct SeatRow {
    pub(crate) dispute: u64,
    pub(crate) round: u64,
    pub(crate) task_id: Option<String>,
    pub(crate) phase: SeatPhase,
    /// Who chose: `evaluator`, `person`, `always-worker` or `manual`.
    pub(crate) source: Option<String>,
    pub(crate) choice: Option<u8>,
    pub(crate) salt: Option<B256>,
    pub(crate) commitment: Option<B256>,
    /// The evaluator's verdict (JSON), when it ran.
    pub(crate) verdict: Option<String>,
    /// Why refused, or the last error.
    pub(crate) reason: Option<String>,
    pub(crate) noticed_ms: u64,
    pub(crate) judge_ms: Option<u64>,
    pub(crate) commit_sent_ms: Option<u64>,
    pub(crate) commit_tx: Option<String>,
    pub(crate) reveal_tx: Option<String>,
    pub(crate) settle_tx: Option<String>,
    /// `Coherent`, `Incoherent`, `Absent` or `Released` once settled.
    pub(crate) seat_verdict: Option<String>,
    pub(crate) fee_reward: Option<String>,
    pub(crate) stake_reward: Option<String>,
    pub(crate) appealed: bool,
}

/// The juror's store.
#[derive(Debug, Clone)]
pub(crate) struct JuryStore {
    pool: SqlitePool,
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(u64::MAX)
}

fn b256(v: Option<Vec<u8>>) -> Option<B256> {
    v.filter(|b| b.len() == 32).map(|b| B256::from_slice(&b))
}

fn u64_of(v: Option<i64>) -> Option<u64> {
    v.and_then(|x| u64::try_from(x).ok())
}

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl JuryStore {
    /// Opens (creating) the store at `path` and migrates it.
    ///
    /// # Errors
    /// The folder or file cannot be created, the database is not a juror store.
    pub(crate) async fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .wrap_err_with(|| format!("cannot create {}", dir.display()))?;
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // every commit reaches the disk before it returns: the salt is durable before
            // the commit transaction leaves
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(opts)
            .await
            .wrap_err_with(|| format!("cannot open the juror store {}", path.display()))?;
        sqlx::migrate!("./migrations/jury")
            .run(&pool)
            .await
            .wrap_err_with(|| format!("{} is not a juror store", path.display()))?;
        Ok(Self { pool })
    }

    /// The log cursor `name` (last block scanned).
    pub(crate) async fn cursor(&self, name: &str) -> Result<Option<u64>> {
        let r = sqlx::query("SELECT block FROM cursors WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.and_then(|r| u64_of(Some(r.get::<i64, _>(0)))))
    }

    /// Sets the log cursor `name`.
    pub(crate) async fn set_cursor(&self, name: &str, block: u64) -> Result<()> {
        sqlx::query(
            "INSERT INTO cursors (name, block) VALUES (?, ?) \
             ON CONFLICT(name) DO UPDATE SET block = excluded.block",
        )
        .bind(name)
        .bind(i64_of(block))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a seat (once); returns whether it was new.
    pub(crate) async fn notice(&self, dispute: u64, round: u64) -> Result<bool> {
        let now = i64_of(now_ms());
        let r = sqlx::query(
            "INSERT INTO seats (dispute, round, state, noticed_ms, updated_ms) \
             VALUES (?, ?, 'noticed', ?, ?) ON CONFLICT(dispute, round) DO NOTHING",
        )
        .bind(i64_of(dispute))
        .bind(i64_of(round))
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The seat, if known.
    pub(crate) async fn seat(&self, dispute: u64, round: u64) -> Result<Option<SeatRow>> {
        let r = sqlx::query("SELECT * FROM seats WHERE dispute = ? AND round = ?")
            .bind(i64_of(dispute))
            .bind(i64_of(round))
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| row(&r)).transpose()
    }

    /// Every seat, newest dispute first.
    pub(crate) async fn seats(&self) -> Result<Vec<SeatRow>> {
        let rows = sqlx::query("SELECT * FROM seats ORDER BY dispute DESC, round DESC")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row).collect()
    }

    /// Seats not yet settled or refused (the agent's work list), oldest first.
    pub(crate) async fn open_seats(&self) -> Result<Vec<SeatRow>> {
        let rows = sqlx::query(
            "SELECT * FROM seats WHERE state NOT IN ('settled', 'refused') \
             ORDER BY dispute, round",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row).collect()
    }

    /// Refused seats not yet settled on chain (they still need a `settle` once solved).
    pub(crate) async fn refused_unsettled(&self) -> Result<Vec<SeatRow>> {
        let rows = sqlx::query(
            "SELECT * FROM seats WHERE state = 'refused' AND settle_tx IS NULL ORDER BY dispute",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row).collect()
    }

    async fn update(&self, dispute: u64, round: u64, set: &str, binds: Vec<Bind>) -> Result<()> {
        let sql = format!("UPDATE seats SET {set}, updated_ms = ? WHERE dispute = ? AND round = ?");
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = match b {
                Bind::Text(t) => q.bind(t),
                Bind::Int(i) => q.bind(i),
                Bind::OptText(t) => q.bind(t),
            };
        }
        q.bind(i64_of(now_ms()))
            .bind(i64_of(dispute))
            .bind(i64_of(round))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets the task id the seat is about.
    pub(crate) async fn set_task(&self, dispute: u64, round: u64, task: B256) -> Result<()> {
        self.update(
            dispute,
            round,
            "task_id = ?",
            vec![Bind::Text(format!("{task:#x}"))],
        )
        .await
    }

    /// The seat will not be voted on, because `reason`.
    pub(crate) async fn refuse(&self, dispute: u64, round: u64, reason: &str) -> Result<()> {
        self.update(
            dispute,
            round,
            "state = 'refused', reason = ?",
            vec![Bind::Text(reason.into())],
        )
        .await
    }

    /// Records the last error on a seat (its phase unchanged).
    pub(crate) async fn note_error(&self, dispute: u64, round: u64, reason: &str) -> Result<()> {
        self.update(
            dispute,
            round,
            "reason = ?",
            vec![Bind::Text(reason.into())],
        )
        .await
    }

    /// The evaluator ran: its verdict (JSON) and time; the seat waits for a person's choice
    /// when `queue`, else `choice` (chosen by `source`) is the vote.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn judged(
        &self,
        dispute: u64,
        round: u64,
        verdict: &str,
        judge_ms: u64,
        choice: u8,
        source: &str,
        queue: bool,
    ) -> Result<()> {
        let state = if queue { "queued" } else { "judged" };
        self.update(
            dispute,
            round,
            &format!(
                "state = '{state}', verdict = ?, judge_ms = ?, choice = ?, source = ?, \
                 reason = NULL"
            ),
            vec![
                Bind::Text(verdict.into()),
                Bind::Int(i64_of(judge_ms)),
                Bind::Int(i64::from(choice)),
                Bind::Text(source.into()),
            ],
        )
        .await
    }

    /// A person's choice for a queued seat (`aos juror queue vote`), or a new one before the
    /// agent commits it; returns whether the seat could take it.
    pub(crate) async fn person_votes(&self, dispute: u64, round: u64, choice: u8) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE seats SET state = 'judged', choice = ?, source = 'person', updated_ms = ? \
             WHERE dispute = ? AND round = ? \
             AND (state = 'queued' OR (state = 'judged' AND source = 'person'))",
        )
        .bind(i64::from(choice))
        .bind(i64_of(now_ms()))
        .bind(i64_of(dispute))
        .bind(i64_of(round))
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Stores the vote — choice, salt and the commitment they make — before the commit
    /// transaction is sent (synced: `synchronous = FULL`). Creates the row for a seat voted
    /// by hand. A seat that already has a vote keeps it: one conditional `UPDATE`, so of two
    /// writers (an agent and a hand commit, or two agents on one store) the first wins and
    /// both get its vote back.
    pub(crate) async fn begin_commit(
        &self,
        dispute: u64,
        round: u64,
        choice: u8,
        salt: B256,
        commitment: B256,
        source: &str,
    ) -> Result<(u8, B256, B256)> {
        self.notice(dispute, round).await?;
        sqlx::query(
            "UPDATE seats SET state = 'committing', choice = ?, salt = ?, commitment = ?, \
             source = COALESCE(source, ?), commit_sent_ms = ?, updated_ms = ? \
             WHERE dispute = ? AND round = ? AND salt IS NULL",
        )
        .bind(i64::from(choice))
        .bind(salt.to_vec())
        .bind(commitment.to_vec())
        .bind(source)
        .bind(i64_of(now_ms()))
        .bind(i64_of(now_ms()))
        .bind(i64_of(dispute))
        .bind(i64_of(round))
        .execute(&self.pool)
        .await?;
        let s = self
            .seat(dispute, round)
            .await?
            .ok_or_else(|| eyre::eyre!("seat {dispute}/{round} vanished from the juror store"))?;
        match (s.choice, s.salt, s.commitment) {
            (Some(c), Some(salt), Some(cm)) => Ok((c, salt, cm)),
            _ => eyre::bail!("seat {dispute}/{round}: the stored vote is incomplete"),
        }
    }

    /// The commitment is on chain (`tx` when this juror sent it now).
    pub(crate) async fn committed(&self, dispute: u64, round: u64, tx: Option<B256>) -> Result<()> {
        self.update(
            dispute,
            round,
            "state = 'committed', commit_tx = COALESCE(?, commit_tx), reason = NULL",
            vec![Bind::OptText(tx.map(|t| format!("{t:#x}")))],
        )
        .await
    }

    /// The vote is revealed (`tx` when this juror sent it now).
    pub(crate) async fn revealed(&self, dispute: u64, round: u64, tx: Option<B256>) -> Result<()> {
        self.update(
            dispute,
            round,
            "state = 'revealed', reveal_tx = COALESCE(?, reveal_tx), reason = NULL",
            vec![Bind::OptText(tx.map(|t| format!("{t:#x}")))],
        )
        .await
    }

    /// An appeal was funded by this juror for the seat's dispute.
    pub(crate) async fn appealed(&self, dispute: u64, round: u64) -> Result<()> {
        self.update(dispute, round, "appealed = 1", vec![]).await
    }

    /// Settled on chain: the seat's verdict and rewards (wei, stake units).
    pub(crate) async fn settled(
        &self,
        dispute: u64,
        round: u64,
        tx: Option<B256>,
        seat_verdict: &str,
        fee_reward: &str,
        stake_reward: &str,
    ) -> Result<()> {
        self.update(
            dispute,
            round,
            "state = CASE WHEN state = 'refused' THEN state ELSE 'settled' END, \
             settle_tx = ?, seat_verdict = ?, fee_reward = ?, stake_reward = ?",
            vec![
                Bind::Text(tx.map_or_else(|| "by another account".into(), |t| format!("{t:#x}"))),
                Bind::Text(seat_verdict.into()),
                Bind::Text(fee_reward.into()),
                Bind::Text(stake_reward.into()),
            ],
        )
        .await
    }
}

enum Bind {
    Text(String),
    Int(i64),
    OptText(Option<String>),
}

fn row(r: &sqlx::sqlite::SqliteRow) -> Result<SeatRow> {
    let state: String = r.get("state");
    Ok(SeatRow {
        dispute: u64_of(Some(r.get("dispute"))).unwrap_or_default(),
        round: u64_of(Some(r.get("round"))).unwrap_or_default(),
        task_id: r.get("task_id"),
        phase: SeatPhase::parse(&state)
            .ok_or_else(|| eyre::eyre!("unknown seat state {state:?} in the juror store"))?,
        source: r.get("source"),
        choice: r
            .get::<Option<i64>, _>("choice")
            .and_then(|c| u8::try_from(c).ok()),
        salt: b256(r.get("salt")),
        commitment: b256(r.get("commitment")),
        verdict: r.get("verdict"),
        reason: r.get("reason"),
        noticed_ms: u64_of(Some(r.get("noticed_ms"))).unwrap_or_default(),
        judge_ms: u64_of(r.get("judge_ms")),
        commit_sent_ms: u64_of(r.get("commit_sent_ms")),
        commit_tx: r.get("commit_tx"),
        reveal_tx: r.get("reveal_tx"),
        settle_tx: r.get("settle_tx"),
        seat_verdict: r.get("seat_verdict"),
        fee_reward: r.get("fee_reward"),
        stake_reward: r.get("stake_reward"),
        appealed: r.get::<i64, _>("appealed") != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_salt_stays_whatever_is_sent_again() {
        let dir = tempfile::tempdir().unwrap();
        let s = JuryStore::open(&dir.path().join("j.sqlite")).await.unwrap();
        assert!(s.notice(4, 0).await.unwrap());
        assert!(!s.notice(4, 0).await.unwrap());
        let first = s
            .begin_commit(
                4,
                0,
                1,
                B256::repeat_byte(1),
                B256::repeat_byte(2),
                "evaluator",
            )
            .await
            .unwrap();
        let again = s
            .begin_commit(
                4,
                0,
                2,
                B256::repeat_byte(9),
                B256::repeat_byte(8),
                "evaluator",
            )
            .await
            .unwrap();
        assert_eq!(first, again, "a second call returns the stored vote");
        let row = s.seat(4, 0).await.unwrap().unwrap();
        assert_eq!(row.phase, SeatPhase::Committing);
        assert_eq!(row.salt, Some(B256::repeat_byte(1)));
        // survives a reopen
        drop(s);
        let s = JuryStore::open(&dir.path().join("j.sqlite")).await.unwrap();
        assert_eq!(s.seat(4, 0).await.unwrap().unwrap().choice, Some(1));
        assert_eq!(s.open_seats().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_person_votes_only_on_a_queued_seat() {
        let dir = tempfile::tempdir().unwrap();
        let s = JuryStore::open(&dir.path().join("j.sqlite")).await.unwrap();
        s.notice(1, 0).await.unwrap();
        assert!(!s.person_votes(1, 0, 2).await.unwrap(), "not queued yet");
        s.judged(1, 0, "{}", 3, 1, "evaluator", true).await.unwrap();
        assert!(s.person_votes(1, 0, 2).await.unwrap());
        let row = s.seat(1, 0).await.unwrap().unwrap();
        assert_eq!(
            (row.phase, row.choice, row.source.as_deref()),
            (SeatPhase::Judged, Some(2), Some("person"))
        );
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_store_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.sqlite");
        std::fs::write(&p, b"not a database at all, just text").unwrap();
        let e = JuryStore::open(&p).await.unwrap_err();
        assert!(format!("{e:#}").contains("j.sqlite"), "{e:#}");
    }
}
