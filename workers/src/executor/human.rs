//! The human executor: a task waits in the worker's SQLite queue until a person runs
//! `aos-worker human submit <task> <file>` (white paper §6.3). The worker loop polls it.

use async_trait::async_trait;

use super::{ExecError, Executor, Job, Output};
use crate::store::Store;

/// The executor.
#[derive(Debug, Clone)]
pub struct HumanExecutor {
    store: Store,
    task_types: Vec<String>,
}

impl HumanExecutor {
    /// Over the worker's database.
    pub fn new(store: Store, task_types: Vec<String>) -> Self {
        Self { store, task_types }
    }
}

#[async_trait]
impl Executor for HumanExecutor {
    fn kind(&self) -> &'static str {
        "human"
    }
    fn task_types(&self) -> &[String] {
        &self.task_types
    }
    async fn run(&self, job: &Job) -> Result<Output, ExecError> {
        if let Some(r) = self.store.human_result(job.task_id).await? {
            return Ok(Output {
                text: String::from_utf8_lossy(&r).into_owned(),
                model: Some("human".into()),
                input_tokens: None,
                output_tokens: None,
            });
        }
        self.store
            .enqueue_human(job.task_id, &job.spec.task_type, &job.prompt())
            .await?;
        Err(ExecError::Pending)
    }
}
