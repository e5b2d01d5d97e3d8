//! `aos devnet up|status|restart|down|warp`: a local AOS on one machine, on top of the
//! workspace's one devnet (`aos_chain::devnet`: detached anvil, the real deploy script).
//!
//! | file | what |
//! |---|---|
//! | `up.rs` | anvil, deploy, keys, registrations, jurors' karma, config |
//! | `services.rs` | indexer, blob gateway, workers, juror agents; `restart` |
//! | `status.rs` | `status`, `down`, `warp` |
//!
//! `devnet.json` (what `up` made, read by the others and by `aos demo`) is
//! [`crate::devnet_file`].

mod services;
mod status;
mod up;

use std::{path::PathBuf, time::Duration};

use clap::{Args, Subcommand};
use eyre::Result;

use crate::{
    ctx::Ctx,
    units::{Amount, parse_duration},
};

/// Devnet commands.
#[derive(Debug, Subcommand)]
pub(crate) enum DevnetCmd {
    /// Start anvil, deploy, register workers and jurors (jurors earn karma with real tasks,
    /// then stake), write <dir>/devnet.json.
    #[command(after_help = "Examples:\n  aos devnet up\n  \
                            aos devnet up --port 0 --workers 2 --jurors 5 --dir /tmp/aos-devnet\n\n\
                            Then point aos at it with the printed config:\n  \
                            aos --config .devnet/config.toml task list")]
    Up(UpArgs),
    /// Read <dir>/devnet.json and check that its processes and RPC are alive.
    #[command(
        after_help = "Examples:\n  aos devnet status\n  aos --json devnet status --dir /tmp/aos-devnet"
    )]
    Status(DirArg),
    /// Restart one service (`indexer`, `gateway`, `worker-<index>`, `juror-<index>`) of a running devnet, dead
    /// or alive, with the command line `up` recorded; the chain and its state stay.
    #[command(after_help = "Examples:\n  aos devnet restart worker-2\n  \
                            aos devnet restart indexer --dir /tmp/aos-devnet\n\n\
                            `aos devnet status` names the services.")]
    Restart(RestartArgs),
    /// Stop, by pid, every process `up` started; remove devnet.json (keys and logs stay).
    #[command(after_help = "Examples:\n  aos devnet down")]
    Down(DirArg),
    /// Move the devnet's clock forward and mine a block (anvil only), e.g. past a deadline.
    #[command(
        after_help = "Examples:\n  aos devnet warp 2m\n  aos --rpc http://127.0.0.1:8545 devnet warp 1d"
    )]
    Warp(WarpArgs),
}

/// `devnet up` arguments.
#[derive(Debug, Args)]
pub(crate) struct UpArgs {
    /// Folder for devnet.json, deployments.json, keys and logs.
    #[arg(long, default_value = ".devnet")]
    dir: PathBuf,
    /// RPC port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 8545)]
    port: u16,
    /// Registered workers to create.
    #[arg(long, default_value_t = 3)]
    workers: usize,
    /// Lazy defectors to create: registered workers whose executor invents answers without
    /// reading the task and who claim to have every skill (aos-worker's `lazy` executor).
    /// The main job shows their results rejected by the acceptance checks and the jury.
    #[arg(long, default_value_t = 1)]
    pub(crate) defectors: usize,
    /// Staked jurors to create (each first earns karma with two real tasks).
    #[arg(long, default_value_t = 3)]
    jurors: usize,
    /// Jurors whose agent always votes for the worker (`aos juror run --policy
    /// always-worker`): colluders, to watch the court outvote and penalise them.
    #[arg(long, default_value_t = 0, conflicts_with = "no_juror_agents")]
    pub(crate) colluders: usize,
    /// Start no `aos juror run` agents: the jurors are staked but vote by hand
    /// (`aos juror review --commit`, `aos juror reveal`).
    #[arg(long)]
    pub(crate) no_juror_agents: bool,
    /// Each juror's stake.
    #[arg(long, default_value = "1eth")]
    juror_stake: Amount,
    /// Domain the jurors earn their karma in (disputes in other domains find no jury).
    #[arg(long, default_value = "summarisation")]
    domain: String,
    /// The AOS repository (holds script/Deploy.s.sol and node_modules with anvil/forge).
    #[arg(long, env = "AOS_ROOT", value_name = "DIR")]
    root: Option<PathBuf>,
    /// GGUF model the workers run (default: <root>/.models/SmolLM2-135M-Instruct.Q4_1.gguf,
    /// fetched by script/fetch-model.sh).
    #[arg(long, env = "AOS_MODEL", value_name = "FILE")]
    model: Option<PathBuf>,
    /// Most tokens a worker generates per task.
    #[arg(long, default_value_t = 256)]
    max_tokens: u32,
    /// Chain and accounts only: start no indexer, blob gateway or workers.
    #[arg(long)]
    no_services: bool,
}

/// A devnet folder.
#[derive(Debug, Args)]
pub(crate) struct DirArg {
    /// Folder holding devnet.json.
    #[arg(long, default_value = ".devnet")]
    dir: PathBuf,
}

/// `devnet restart` arguments.
#[derive(Debug, Args)]
pub(crate) struct RestartArgs {
    /// The service: `indexer`, `gateway`, `worker-<index>` or `juror-<index>` (as `aos devnet status` names
    /// them).
    service: String,
    /// Folder holding devnet.json.
    #[arg(long, default_value = ".devnet")]
    dir: PathBuf,
}

/// `devnet warp` arguments.
#[derive(Debug, Args)]
pub(crate) struct WarpArgs {
    /// How far: 90s, 2m, 1h, 1d.
    #[arg(value_parser = parse_duration)]
    by: Duration,
}

/// Run a devnet command.
pub(crate) async fn run(ctx: &Ctx, cmd: DevnetCmd) -> Result<()> {
    match cmd {
        DevnetCmd::Up(a) => up::up(ctx, a).await,
        DevnetCmd::Status(a) => status::status(ctx, &a.dir).await,
        DevnetCmd::Restart(a) => services::restart(ctx, &a.dir, &a.service).await,
        DevnetCmd::Down(a) => status::down(ctx, &a.dir),
        DevnetCmd::Warp(a) => status::warp(ctx, a.by).await,
    }
}
