//! The worker's SQLite state (sqlx): tasks and their phase, the human queue, counters
//! (envelope nonce, chain cursor). Every phase change is written before the next side
//! effect, so a crash leaves a row that says what to do on restart.

use std::path::Path;
use std::str::FromStr;

use alloy::primitives::B256;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};

/// Where a task stands for this worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskPhase {
    /// A claim transaction is being sent (on restart: ask the chain who owns it).
    Claiming,
    /// Claimed by us; the executor has to run.
    Claimed,
    /// Waiting for a person (`aos-worker human submit`).
    AwaitingHuman,
    /// The result blob is stored; `submit` has to be sent.
    Executed,
    /// Submitted on chain; waiting for acceptance, then withdrawal.
    Submitted,
    /// Accepted and withdrawn (or credited when auto-withdraw is off). Final.
    Paid,
    /// Someone else claimed first. Final.
    Lost,
    /// Requirements not met or terms unacceptable. Final.
    Skipped,
    /// Could not be completed (deadline passed, executor error, dispute lost…). Final.
    Failed,
}

impl TaskPhase {
    /// Its name in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claiming => "claiming",
            Self::Claimed => "claimed",
            Self::AwaitingHuman => "awaiting_human",
            Self::Executed => "executed",
            Self::Submitted => "submitted",
            Self::Paid => "paid",
            Self::Lost => "lost",
            Self::Skipped => "skipped",
            Self::Failed => "failed",
        }
    }

    /// Whether the task still needs work from this worker.
    pub fn in_flight(self) -> bool {
        matches!(
            self,
            Self::Claiming | Self::Claimed | Self::AwaitingHuman | Self::Executed | Self::Submitted
        )
    }
}

impl FromStr for TaskPhase {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "claiming" => Self::Claiming,
            "claimed" => Self::Claimed,
            "awaiting_human" => Self::AwaitingHuman,
            "executed" => Self::Executed,
            "submitted" => Self::Submitted,
            "paid" => Self::Paid,
            "lost" => Self::Lost,
            "skipped" => Self::Skipped,
            "failed" => Self::Failed,
            other => return Err(StoreError::Corrupt(format!("unknown phase {other:?}"))),
        })
    }
}

/// A task row.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    /// Task id.
    pub task_id: B256,
    /// `abi.encode(TaskParams)`.
    pub params: Vec<u8>,
    /// Phase.
    pub phase: TaskPhase,
    /// Executor kind that ran it.
    pub executor: Option<String>,
    /// Result blob id.
    pub result_hash: Option<B256>,
    /// The worker's own verdict blob id (its self-check), if it ran one.
    pub verdict_hash: Option<B256>,
    /// Whether the verdict went on chain as the worker's evidence.
    pub evidence_sent: bool,
    /// Last error, if any.
    pub error: Option<String>,
    /// Execution attempts.
    pub attempts: i64,
}

/// A human-queue entry.
#[derive(Debug, Clone, PartialEq)]
pub struct HumanItem {
    /// Task id.
    pub task_id: B256,
    /// Task type.
    pub task_type: String,
    /// What to do.
    pub prompt: String,
    /// The submitted result, once there.
    pub result: Option<Vec<u8>>,
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (the message never includes SQL text).
    #[error("worker database: {0}")]
    Sql(#[from] sqlx::Error),
    /// A migration failed.
    #[error("worker database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A row does not parse.
    #[error("worker database is corrupt: {0}")]
    Corrupt(String),
    /// A stored hash (task id, result hash) is not 32 bytes of hex.
    #[error("worker database is corrupt: bad hash {value:?}")]
    BadHash {
        /// The stored text.
        value: String,
        /// Why it does not parse.
        #[source]
        source: alloy::hex::FromHexError,
    },
}

/// The worker database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn parse_b256(s: &str) -> Result<B256, StoreError> {
    s.parse().map_err(|source| StoreError::BadHash {
        value: s.to_owned(),
        source,
    })
}

impl Store {
    /// Opens (creating) `path` in WAL mode and runs the migrations.
    ///
    /// # Errors
    /// [`StoreError`].
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }

    /// Inserts a task in `phase` unless it is already known; returns whether it was new.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub async fn insert_task(
        &self,
        task_id: B256,
        params: &[u8],
        phase: TaskPhase,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let r = sqlx::query(
            "INSERT INTO tasks (task_id, params, status, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT(task_id) DO NOTHING",
        )
        .bind(format!("{task_id:#x}"))
        .bind(params)
        .bind(phase.as_str())
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Moves a task to `phase`, optionally recording an error.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub async fn set_phase(
        &self,
        task_id: B256,
        phase: TaskPhase,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE tasks SET status = ?, error = COALESCE(?, error), updated_ms = ? WHERE task_id = ?")
            .bind(phase.as_str())
            .bind(error)
            .bind(now_ms())
            .bind(format!("{task_id:#x}"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records the result (and the worker's verdict on it, if it checked it) and moves to
    /// [`TaskPhase::Executed`].
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub async fn set_executed(
        &self,
        task_id: B256,
        executor: &str,
        result_hash: B256,
        verdict_hash: Option<B256>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE tasks SET status = 'executed', executor = ?, result_hash = ?, verdict_hash = ?, updated_ms = ? WHERE task_id = ?")
            .bind(executor)
            .bind(format!("{result_hash:#x}"))
            .bind(verdict_hash.map(|h| format!("{h:#x}")))
            .bind(now_ms())
            .bind(format!("{task_id:#x}"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks the verdict as sent on chain (the worker's reply to a dispute).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub async fn set_evidence_sent(&self, task_id: B256) -> Result<(), StoreError> {
        sqlx::query("UPDATE tasks SET evidence_sent = 1, updated_ms = ? WHERE task_id = ?")
            .bind(now_ms())
            .bind(format!("{task_id:#x}"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Counts an execution attempt; returns the new count.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub async fn bump_attempts(&self, task_id: B256) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "UPDATE tasks SET attempts = attempts + 1 WHERE task_id = ? RETURNING attempts",
        )
        .bind(format!("{task_id:#x}"))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    fn row(r: &sqlx::sqlite::SqliteRow) -> Result<TaskRow, StoreError> {
        let result_hash: Option<String> = r.try_get("result_hash")?;
        let verdict_hash: Option<String> = r.try_get("verdict_hash")?;
        Ok(TaskRow {
            task_id: parse_b256(&r.try_get::<String, _>("task_id")?)?,
            params: r.try_get("params")?,
            phase: r.try_get::<String, _>("status")?.parse()?,
            executor: r.try_get("executor")?,
            result_hash: result_hash.as_deref().map(parse_b256).transpose()?,
            verdict_hash: verdict_hash.as_deref().map(parse_b256).transpose()?,
            evidence_sent: r.try_get::<i64, _>("evidence_sent")? != 0,
            error: r.try_get("error")?,
            attempts: r.try_get("attempts")?,
        })
    }

    /// One task.
    ///
    /// # Errors
    /// [`StoreError`].
    pub async fn task(&self, task_id: B256) -> Result<Option<TaskRow>, StoreError> {
        let r = sqlx::query("SELECT * FROM tasks WHERE task_id = ?")
            .bind(format!("{task_id:#x}"))
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(Self::row).transpose()
    }

    /// Every task, oldest first.
    ///
    /// # Errors
    /// [`StoreError`].
    pub async fn tasks(&self) -> Result<Vec<TaskRow>, StoreError> {
        let rows = sqlx::query("SELECT * FROM tasks ORDER BY created_ms")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::row).collect()
    }

    /// Tasks still in flight (to resume after a restart).
    ///
    /// # Errors
    /// [`StoreError`].
    pub async fn in_flight(&self) -> Result<Vec<TaskRow>, StoreError> {
        Ok(self
            .tasks()
            .await?
            .into_iter()
            .filter(|t| t.phase.in_flight())
            .collect())
    }

    /// Next envelope nonce (persisted, strictly increasing across restarts).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub async fn next_nonce(&self) -> Result<u64, StoreError> {
        // Start from the clock in ms so a lost database never reuses a nonce in practice.
        let row = sqlx::query(
            "INSERT INTO kv (key, value) VALUES ('nonce', ?) ON CONFLICT(key) DO UPDATE SET value = value + 1 RETURNING value",
        )
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>(0)? as u64)
    }

    /// A stored counter (`None` if never set).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub async fn get_counter(&self, key: &str) -> Result<Option<u64>, StoreError> {
        let r = sqlx::query("SELECT value FROM kv WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| r.try_get::<i64, _>(0))
            .transpose()?
            .map(|v| v as u64))
    }

    /// Sets a counter.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub async fn set_counter(&self, key: &str, value: u64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value as i64)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Queues a task for a person (idempotent).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub async fn enqueue_human(
        &self,
        task_id: B256,
        task_type: &str,
        prompt: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO human_queue (task_id, task_type, prompt, created_ms) VALUES (?, ?, ?, ?) ON CONFLICT(task_id) DO NOTHING")
            .bind(format!("{task_id:#x}"))
            .bind(task_type)
            .bind(prompt)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a person's result; returns false when the task is not queued.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub async fn submit_human(&self, task_id: B256, result: &[u8]) -> Result<bool, StoreError> {
        let r = sqlx::query("UPDATE human_queue SET result = ?, submitted_ms = ? WHERE task_id = ? AND result IS NULL")
            .bind(result)
            .bind(now_ms())
            .bind(format!("{task_id:#x}"))
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The human queue (pending first).
    ///
    /// # Errors
    /// [`StoreError`].
    pub async fn human_queue(&self) -> Result<Vec<HumanItem>, StoreError> {
        let rows = sqlx::query("SELECT task_id, task_type, prompt, result FROM human_queue ORDER BY result IS NOT NULL, created_ms")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(HumanItem {
                    task_id: parse_b256(&r.try_get::<String, _>(0)?)?,
                    task_type: r.try_get(1)?,
                    prompt: r.try_get(2)?,
                    result: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// The human result for a task, once submitted.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub async fn human_result(&self, task_id: B256) -> Result<Option<Vec<u8>>, StoreError> {
        let r = sqlx::query("SELECT result FROM human_queue WHERE task_id = ?")
            .bind(format!("{task_id:#x}"))
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| r.try_get::<Option<Vec<u8>>, _>(0))
            .transpose()?
            .flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn phases_nonces_and_human_queue() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("w.db")).await.unwrap();
        let id = B256::repeat_byte(1);
        assert!(s.insert_task(id, b"p", TaskPhase::Claiming).await.unwrap());
        assert!(!s.insert_task(id, b"p", TaskPhase::Claiming).await.unwrap());
        s.set_phase(id, TaskPhase::Claimed, None).await.unwrap();
        assert_eq!(s.bump_attempts(id).await.unwrap(), 1);
        s.set_executed(id, "echo", B256::repeat_byte(2), Some(B256::repeat_byte(3)))
            .await
            .unwrap();
        let t = s.task(id).await.unwrap().unwrap();
        assert_eq!(t.phase, TaskPhase::Executed);
        assert_eq!(t.result_hash, Some(B256::repeat_byte(2)));
        assert_eq!(t.verdict_hash, Some(B256::repeat_byte(3)));
        assert!(!t.evidence_sent);
        s.set_evidence_sent(id).await.unwrap();
        assert!(s.task(id).await.unwrap().unwrap().evidence_sent);
        assert_eq!(s.in_flight().await.unwrap().len(), 1);
        let n1 = s.next_nonce().await.unwrap();
        let n2 = s.next_nonce().await.unwrap();
        assert_eq!(n2, n1 + 1);
        drop(s);
        // reopen: state survives
        let s = Store::open(&dir.path().join("w.db")).await.unwrap();
        assert_eq!(s.next_nonce().await.unwrap(), n2 + 1);
        s.enqueue_human(id, "photo", "take a photo").await.unwrap();
        assert!(s.human_result(id).await.unwrap().is_none());
        assert!(s.submit_human(id, b"done").await.unwrap());
        assert!(!s.submit_human(id, b"again").await.unwrap());
        assert_eq!(s.human_result(id).await.unwrap().unwrap(), b"done");
    }
}
