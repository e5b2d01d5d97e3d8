//! The `aos` command line: one clap parser with flattened option groups, one file per
//! subcommand group under `cmd/` (foundry's `opts.rs` / `cmd/` layout).

use std::process::ExitCode;

use aos_chain::ChainError;
use clap::{Parser, Subcommand};
use eyre::{Result, WrapErr};

use crate::{
    cmd::{ask, blob, demo, devnet, dispute, juror, karma, task, web, withdraw, worker},
    ctx::Ctx,
    opts::{AgentKeyArgs, EndpointArgs, OutputArgs, Settings, WalletArgs},
    output::Output,
    tx::hint,
};

const EXAMPLES: &str = "\
Examples:
  # the main job end to end (devnet up … summary … devnet down)
  aos demo

  # a local AOS: chain, contracts, indexer, 3 workers running the local model, 3 jurors
  aos devnet up && aos devnet status

  # a request through the coordinator; its steps become paid tasks for the workers
  aos ask \"Summarise this report and list the three most urgent follow-ups\" --file report.txt

  # post a task paying 0.05 ETH (the spec file's BLAKE3 id goes on chain)
  aos --keystore me.json --password-file pw task post --payment 0.05eth \\
      --domain summarisation --spec spec.json

  # follow it, settle it
  aos task show 0x3f…9a
  aos task accept 0x3f…9a

  # a worker's side
  aos worker register && aos task claim 0x3f…9a
  aos task submit 0x3f…9a --result answer.txt && aos withdraw

  # the requester reads the answer (verified against the hash on chain), then settles
  aos task result 0x3f…9a

  # or evaluates it against the spec's acceptance criteria: pass → accept, fail → reject
  aos task review 0x3f…9a --policy auto

  # a juror weighs the parties' verdicts against its own, then votes
  aos juror review 1 --commit

  # read karma as JSON
  aos --json karma 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --domain summarisation

Settings: every global flag has an environment variable (AOS_RPC, AOS_DEPLOYMENTS,
AOS_KEYSTORE, AOS_PASSWORD_FILE, AOS_PASSWORD, AOS_PRIVATE_KEY, AOS_AGENT_KEY, AOS_DATA_DIR,
AOS_INDEXER, AOS_BLOB_DIR, AOS_BOOTSTRAP, AOS_MODEL, AOS_CONFIG) and a key of the same name
in the TOML config file (./.devnet/config.toml when `aos devnet up` wrote one here, else
~/.config/aos/config.toml):
  rpc = \"http://127.0.0.1:8545\"
  deployments = \".devnet/deployments.json\"
  keystore = \"/home/me/.aos/me.json\"
  password_file = \"/home/me/.aos/pw\"
Flags beat the environment, which beats the file.";

/// aos — the one command of Amorphous OS: post paid tasks, work them, judge disputes, read
/// karma, run a local devnet.
#[derive(Debug, Parser)]
#[command(name = "aos", version, after_help = EXAMPLES, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    rpc: EndpointArgs,
    #[command(flatten)]
    wallet: WalletArgs,
    #[command(flatten)]
    agent: AgentKeyArgs,
    #[command(flatten)]
    out: OutputArgs,
    #[command(flatten)]
    log: aos_args::LogArgs,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Post, inspect, claim, submit and settle tasks.
    #[command(subcommand)]
    Task(task::TaskCmd),
    /// Register an agent, check its standing, withdraw earnings, run the worker.
    #[command(subcommand)]
    Worker(worker::WorkerCmd),
    /// Sit on juries: stake, vote (commit–reveal), leave.
    #[command(subcommand)]
    Juror(juror::JurorCmd),
    /// Inspect and move disputes along (anyone may).
    #[command(subcommand)]
    Dispute(dispute::DisputeCmd),
    /// On-chain karma of an account: decayed scores, counts, earnings.
    Karma(karma::KarmaArgs),
    /// Withdraw what the market owes the account: payments, returned stakes, refunds.
    #[command(after_help = "Examples:\n  aos withdraw\n  \
                            aos withdraw --asset 0xA0b8…eB48 --to 0x1234…abcd")]
    Withdraw(withdraw::WithdrawArgs),
    /// A local AOS: anvil, the contracts, indexer, blob gateway, workers, staked jurors.
    #[command(subcommand)]
    Devnet(devnet::DevnetCmd),
    /// One request through the coordinator: planned by the local model, each public step a
    /// paid task for the market's workers, answers aggregated.
    Ask(ask::AskArgs),
    /// Publish a file on the blob gateway's folder (content-addressed by BLAKE3), or fetch
    /// one by its id, verified.
    #[command(subcommand)]
    Blob(blob::BlobCmd),
    /// The main job end to end on a fresh devnet: request → coordinator → workers → payment,
    /// a cast-posted task, a dispute to its ruling, the indexer's view, a summary.
    Demo(demo::DemoArgs),
    /// The web app on one loopback origin, with the indexer API, the chain's RPC and the
    /// blobs it reads: post, review, judge and work from any browser wallet.
    Web(web::WebArgs),
}

/// Parse the command line, run it, print errors with what to do next. Exit code 0 on
/// success, 1 on failure, 2 on a usage error.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let out = Output {
        json: cli.out.json,
        verbose: cli.out.verbose,
        quiet: cli.out.quiet,
    };
    let level = match (cli.out.quiet, cli.out.verbose) {
        (true, _) => "error",
        (_, 0 | 1) => "warn",
        (_, 2) => "info",
        _ => "debug",
    };
    // a long-running service logs what it does (info) unless asked otherwise
    let level = match &cli.cmd {
        Cmd::Juror(c) if c.is_service() && !cli.out.quiet && cli.out.verbose < 2 => {
            "warn,aos_cli=info"
        }
        _ => level,
    };
    cli.log.init(level);
    match run_inner(cli, out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::FAILURE
        }
    }
}

fn run_inner(cli: Cli, mut out: Output) -> Result<()> {
    let s = Settings::resolve(&cli.rpc, &cli.wallet, &cli.agent, &cli.out)?;
    out.json |= s.json;
    let ctx = Ctx { s, out };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the tokio runtime")?;
    rt.block_on(async move {
        match cli.cmd {
            Cmd::Task(c) => task::run(&ctx, c).await,
            Cmd::Worker(c) => worker::run(&ctx, c).await,
            Cmd::Juror(c) => juror::run(&ctx, c).await,
            Cmd::Dispute(c) => dispute::run(&ctx, c).await,
            Cmd::Karma(a) => karma::run(&ctx, a).await,
            Cmd::Withdraw(a) => withdraw::run(&ctx, a).await,
            Cmd::Devnet(c) => devnet::run(&ctx, c).await,
            Cmd::Ask(a) => ask::run(&ctx, a),
            Cmd::Blob(c) => blob::run(&ctx, c).await,
            Cmd::Demo(a) => demo::run(&ctx, a).await,
            Cmd::Web(a) => web::run(&ctx, a).await,
        }
    })
}

/// `error: …` with the whole context chain, then the decoded revert's next step.
fn report(e: &eyre::Report) {
    eprintln!("error: {e:#}");
    let revert = e
        .chain()
        .find_map(|c| c.downcast_ref::<ChainError>())
        .and_then(ChainError::revert);
    if let Some(h) = revert.and_then(hint) {
        eprintln!("hint: {h}");
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// clap's own consistency checks (unique group and argument names, …), which a debug
    /// build otherwise runs only when `aos` starts.
    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
