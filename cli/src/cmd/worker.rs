//! `aos worker …`: register an agent (Ed25519 key bound to the account), status, withdraw,
//! and `run`, which hands over to the `aos-worker` binary.

use std::path::PathBuf;

use alloy::primitives::{Address, B256};
use aos_protocol::{AgentId, ContentId, KdfParams};
use clap::{Args, Subcommand};
use eyre::{Result, WrapErr, bail, eyre};
use serde_json::json;

use crate::{
    agents::{agent_passphrase, load_or_create_agent_key, register_with},
    ctx::Ctx,
    ids::parse_address,
    karma,
    output::kv_table,
    units::{fmt_asset, fmt_eth},
};

/// Worker commands.
#[derive(Debug, Subcommand)]
pub(crate) enum WorkerCmd {
    /// Register the account as an agent: creates (or loads) an Ed25519 agent key file, signs
    /// the registry's binding message with it, and registers key + manifest hash.
    #[command(
        after_help = "Examples:\n  AOS_AGENT_PASSPHRASE=pw aos worker register\n  \
                            aos worker register --agent-key keys/agent.key --manifest manifest.json\n\n\
                            The agent key file (--agent-key, AOS_AGENT_KEY, config `agent_key`) is \
                            created when missing, encrypted with $AOS_AGENT_PASSPHRASE (else the \
                            keystore password).\nDefault file: <data-dir>/agents/<account>.key."
    )]
    Register(RegisterArgs),
    /// Withdraw what the market owes the account (payments, returned stakes, refunds); the
    /// same as `aos withdraw`.
    #[command(after_help = "Examples:\n  aos worker withdraw\n  \
                            aos worker withdraw --asset 0xA0b8…eB48 --to 0x1234…abcd")]
    Withdraw(super::withdraw::WithdrawArgs),
    /// Registration, karma per domain and withdrawable balances of an account.
    #[command(after_help = "Examples:\n  aos worker status\n  \
                            aos --json worker status --address 0x7099…79C8")]
    Status(StatusArgs),
    /// Run the worker loop: executes the `aos-worker` binary (crate aos-worker) with the
    /// global --rpc/--deployments/--keystore and any arguments after `--`.
    #[command(after_help = "Examples:\n  aos worker run -- -c worker.toml\n  \
                            aos worker run -- --skills summarisation --max-concurrent-tasks 2")]
    Run(RunArgs),
}

/// `worker register` arguments.
#[derive(Debug, Args)]
pub(crate) struct RegisterArgs {
    /// Manifest file (JSON describing skills, executors…); its BLAKE3 id goes on chain.
    /// Default: a minimal manifest naming the agent key.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
}

/// `worker status` arguments.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The account (default: the signing account).
    #[arg(long, value_parser = parse_address)]
    address: Option<Address>,
    /// Domains to show karma in (default: all the account has).
    #[arg(long)]
    domain: Vec<String>,
    /// ERC-20 assets to show balances of, besides ETH.
    #[arg(long, value_parser = parse_address, value_name = "ADDR")]
    asset: Vec<Address>,
}

/// `worker run` arguments.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Arguments passed to `aos-worker` (see `aos-worker --help`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Run a worker command.
pub(crate) async fn run(ctx: &Ctx, cmd: WorkerCmd) -> Result<()> {
    match cmd {
        WorkerCmd::Register(a) => register(ctx, a).await,
        WorkerCmd::Withdraw(a) => super::withdraw::run(ctx, a).await,
        WorkerCmd::Status(a) => status(ctx, a).await,
        WorkerCmd::Run(a) => run_worker(ctx, a),
    }
}

async fn register(ctx: &Ctx, a: RegisterArgs) -> Result<()> {
    let manifest_file = a
        .manifest
        .as_ref()
        .map(|p| {
            std::fs::read(p).wrap_err_with(|| format!("cannot read the manifest {}", p.display()))
        })
        .transpose()?;
    let (c, me) = ctx.writer().await?;
    // the global --agent-key (AOS_AGENT_KEY, config `agent_key`); created when missing
    let path = match ctx.s.agent_key.clone() {
        Some(p) => p,
        None => ctx.data_path("agents")?.join(format!("{me}.key")),
    };
    let (key, created) =
        load_or_create_agent_key(&path, &agent_passphrase(ctx)?, KdfParams::default())?;
    if created {
        ctx.out.note(format!(
            "created agent key {} in {}",
            key.agent_id(),
            path.display()
        ));
    }
    let current = c
        .agent_key_of(me)
        .await
        .wrap_err("AgentRegistry.agentKeyOf failed")?;
    if current != B256::ZERO {
        if current.0 == *key.agent_id().as_bytes() {
            ctx.out.emit(
                &json!({ "account": me, "agent": key.agent_id().to_string(), "already_registered": true }),
                || format!("{me} is already registered with agent {}", key.agent_id()),
            );
            return Ok(());
        }
        bail!(
            "{me} is already registered with another agent key ({}); this file holds {}: use \
             that key's file, or AgentRegistry.update to rotate",
            AgentId::from_bytes(current.0),
            key.agent_id()
        );
    }
    let manifest = manifest_file.unwrap_or_else(|| {
        serde_json::to_vec(&json!({ "agent": key.agent_id().to_string(), "version": 1 }))
            .unwrap_or_default()
    });
    let o = register_with(ctx, &c, me, &key, &manifest).await?;
    let manifest_id = ContentId::of(&manifest);
    ctx.out.emit(
        &json!({
            "account": me,
            "agent": key.agent_id().to_string(),
            "agent_key_file": path,
            "manifest_hash": B256::from(manifest_id.0),
            "tx": o.tx_hash,
            "gas_used": o.gas_used,
        }),
        || {
            kv_table([
                ("account", me.to_string()),
                ("agent", key.agent_id().to_string()),
                ("agent key file", path.display().to_string()),
                ("manifest hash", manifest_id.to_string()),
            ])
            .to_string()
        },
    );
    Ok(())
}

async fn status(ctx: &Ctx, a: StatusArgs) -> Result<()> {
    let c = ctx.reader().await?;
    let who = ctx.account_or(a.address)?;
    let agent = c
        .agent_of(who)
        .await
        .wrap_err("AgentRegistry.agentOf failed")?;
    let registered = agent.agentKey != B256::ZERO;
    let (karma_rows, earnings) = karma::karma_of(&c, who, &a.domain).await?;
    let mut balances = Vec::new();
    for asset in std::iter::once(Address::ZERO).chain(a.asset.iter().copied()) {
        balances.push((asset, c.market_balance(who, asset).await?));
    }
    let court_eth = c
        .court_balance(who, Address::ZERO)
        .await
        .wrap_err("DisputeCourt.balanceOf failed")?;
    let eth = alloy::providers::Provider::get_balance(c.provider(), who)
        .await
        .wrap_err("eth_getBalance failed")?;
    ctx.out.emit(
        &json!({
            "address": who,
            "registered": registered,
            "agent": registered.then(|| AgentId::from_bytes(agent.agentKey.0).to_string()),
            "manifest_hash": registered.then_some(agent.manifestHash),
            "karma": karma_rows,
            "earnings": earnings,
            "market_balances": balances.iter().map(|(a, v)| json!({"asset": a, "amount": v.to_string()})).collect::<Vec<_>>(),
            "court_balance_eth": court_eth.to_string(),
            "eth_balance": eth.to_string(),
        }),
        || {
            let mut rows = vec![
                ("account".to_owned(), who.to_string()),
                ("wallet balance".into(), fmt_eth(eth)),
                (
                    "registered".into(),
                    if registered {
                        format!("yes, agent {}", AgentId::from_bytes(agent.agentKey.0))
                    } else {
                        "no (`aos worker register`)".into()
                    },
                ),
            ];
            for (asset, v) in &balances {
                rows.push(("withdrawable (market)".into(), fmt_asset(*asset, *v)));
            }
            rows.push(("withdrawable (court)".into(), fmt_eth(court_eth)));
            format!("{}\nkarma\n{}", kv_table(rows), karma::karma_table(&karma_rows))
        },
    );
    Ok(())
}

/// Where the `aos-worker` binary is: next to `aos`, else on PATH.
fn run_worker(ctx: &Ctx, a: RunArgs) -> Result<()> {
    let Some(bin) = crate::procs::find_binary("aos-worker") else {
        bail!(
            "`aos worker run` hands over to the `aos-worker` binary (crate aos-worker in \
             workers/), which is neither next to `aos` nor on PATH: build it with `cargo build \
             -p aos-worker` (or install it), then retry"
        );
    };
    let mut cmd = std::process::Command::new(&bin);
    cmd.arg("--rpc")
        .arg(&ctx.s.rpc)
        .arg("--deployments")
        .arg(&ctx.s.deployments);
    if let Some(ks) = &ctx.s.keystore {
        cmd.arg("--keystore").arg(ks);
        if std::env::var_os("AOS_PASSWORD").is_none()
            && let Some(pw) = ctx.password()?
        {
            cmd.env("AOS_PASSWORD", pw);
        }
    } else if let Some(k) = &ctx.s.private_key {
        // by environment, not argv, so it does not show in `ps`
        cmd.env("AOS_PRIVATE_KEY", k);
    }
    cmd.args(&a.args).arg("run");
    ctx.out.note(format!("running {}", bin.display()));
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    Err(eyre!("cannot execute {}: {err}", bin.display()))
}
