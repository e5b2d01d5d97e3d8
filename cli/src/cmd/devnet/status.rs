//! `aos devnet status|down|warp`: read devnet.json and check its processes, stop them by
//! pid, move anvil's clock.

use std::{path::Path, time::Duration};

use alloy::providers::{Provider, ProviderBuilder};
use eyre::{Result, WrapErr, bail, eyre};
use serde_json::json;

use super::{services::service_name, up::summary};
use crate::devnet_file::DevnetFile;
use crate::{
    ctx::Ctx,
    output::kv_table,
    procs::{Proc, stop},
};

pub(super) async fn status(ctx: &Ctx, dir: &Path) -> Result<()> {
    let net = DevnetFile::read(dir)?;
    let running = net.anvil.alive();
    let provider = ProviderBuilder::new()
        .connect_http(net.rpc_url.parse().wrap_err("bad RPC URL in devnet.json")?)
        .erased();
    let block = if running {
        provider.get_block_number().await.ok()
    } else {
        None
    };
    let services: Vec<_> = net
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "name": s.name, "service": service_name(&net, i), "pid": s.pid,
                "running": s.alive(), "log": s.log,
            })
        })
        .collect();
    let healthy = running && block.is_some() && net.services.iter().all(Proc::alive);
    ctx.out.emit(
        &json!({ "running": running, "rpc_ok": block.is_some(), "block": block, "services": services, "devnet": net }),
        || {
            format!(
                "{}\n{}",
                kv_table([
                    (
                        "anvil",
                        format!(
                            "pid {} {}",
                            net.anvil.pid,
                            if running { "running" } else { "NOT running" }
                        ),
                    ),
                    (
                        "rpc",
                        match block {
                            Some(b) => format!("{} (block {b})", net.rpc_url),
                            None => format!("{} not answering", net.rpc_url),
                        },
                    ),
                    ("services", if services.is_empty() { "none (up --no-services)".into() } else {
                        net.services.iter().enumerate().map(|(i, s)| format!("{} ({}) pid {} {}", service_name(&net, i), s.name, s.pid, if s.alive() { "running" } else { "NOT running" })).collect::<Vec<_>>().join("\n")
                    }),
                    ("indexer", net.indexer_url.clone().unwrap_or_else(|| "-".into())),
                ]),
                summary(&net)
            )
        },
    );
    if !healthy {
        let dead: Vec<String> = std::iter::once(&net.anvil)
            .chain(&net.services)
            .filter(|p| !p.alive())
            .map(|p| format!("{} (pid {}, log {})", p.name, p.pid, p.log.display()))
            .collect();
        bail!(
            "the devnet in {d} is not healthy{}: restart a dead service with `aos devnet restart \
             <service> --dir {d}`, or, when anvil is dead, `aos devnet down --dir {d}` then `aos \
             devnet up --dir {d}`",
            if dead.is_empty() {
                String::new()
            } else {
                format!("; not running: {}", dead.join(", "))
            },
            d = dir.display()
        );
    }
    Ok(())
}

pub(super) fn down(ctx: &Ctx, dir: &Path) -> Result<()> {
    if !dir.join("devnet.json").exists() {
        // idempotent: nothing recorded, nothing to stop
        ctx.out
            .note(format!("no devnet in {} (already down)", dir.display()));
        ctx.out.emit(&json!({ "stopped": [] }), String::new);
        return Ok(());
    }
    let net = DevnetFile::read(dir)?;
    let mut stopped = Vec::new();
    for p in net.services.iter().chain(std::iter::once(&net.anvil)) {
        if stop(p) {
            stopped.push(json!({ "name": p.name, "pid": p.pid }));
            ctx.out
                .note(format!("✓ stopped {} (pid {})", p.name, p.pid));
        } else {
            ctx.out
                .note(format!("{} (pid {}) was not running", p.name, p.pid));
        }
    }
    std::fs::remove_file(dir.join("devnet.json")).wrap_err("cannot remove devnet.json")?;
    let _ = std::fs::remove_file(dir.join("anvil.json"));
    ctx.out.emit(&json!({ "stopped": stopped }), || {
        format!("devnet in {} is down (keys and logs kept)", dir.display())
    });
    Ok(())
}

pub(super) async fn warp(ctx: &Ctx, by: Duration) -> Result<()> {
    let p = ctx.read_provider()?;
    let client = p
        .get_client_version()
        .await
        .wrap_err_with(|| format!("cannot reach the RPC at {} (`aos devnet up`?)", ctx.s.rpc))?;
    if !client.to_ascii_lowercase().starts_with("anvil") {
        bail!(
            "`aos devnet warp` only works on anvil; {} is {client}",
            ctx.s.rpc
        );
    }
    p.raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (by.as_secs(),))
        .await
        .wrap_err("evm_increaseTime failed")?;
    p.raw_request::<_, String>("evm_mine".into(), ())
        .await
        .wrap_err("evm_mine failed")?;
    let b = p
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await?
        .ok_or_else(|| eyre!("no latest block"))?;
    ctx.out.emit(
        &json!({ "timestamp": b.header.timestamp, "block": b.header.number }),
        || {
            format!(
                "chain time is now {} (block {})",
                b.header.timestamp, b.header.number
            )
        },
    );
    Ok(())
}
