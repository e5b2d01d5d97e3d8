//! `aos-worker human list|submit`.

use std::path::PathBuf;

use alloy::primitives::B256;
use clap::Subcommand;
use eyre::{Context, Result};

use super::db_path;
use crate::config::WorkerConfig;
use crate::store::Store;

/// Human queue commands.
#[derive(Debug, Subcommand)]
pub enum HumanCmd {
    /// List queued tasks (pending first).
    List,
    /// Submit the result of a queued task from a file; the running worker picks it up,
    /// stores it as the result blob and submits its hash.
    Submit {
        /// Task id (0x…).
        task: B256,
        /// File with the result.
        file: PathBuf,
    },
}

pub(super) async fn run(cfg: WorkerConfig, cmd: HumanCmd) -> Result<()> {
    let store = Store::open(&db_path(&cfg)).await?;
    match cmd {
        HumanCmd::List => {
            let q = store.human_queue().await?;
            if q.is_empty() {
                println!("the human queue is empty");
            }
            for item in q {
                let state = if item.result.is_some() {
                    "submitted"
                } else {
                    "pending"
                };
                println!(
                    "{:#x}  {state}  [{}]\n    {}",
                    item.task_id,
                    item.task_type,
                    item.prompt.replace('\n', "\n    ")
                );
            }
        }
        HumanCmd::Submit { task, file } => {
            let bytes =
                std::fs::read(&file).wrap_err_with(|| format!("cannot read {}", file.display()))?;
            if store.submit_human(task, &bytes).await? {
                println!("submitted {} bytes for {task:#x}", bytes.len());
            } else {
                eyre::bail!(
                    "{task:#x} is not waiting in the human queue (see `aos-worker human list`)"
                );
            }
        }
    }
    Ok(())
}
