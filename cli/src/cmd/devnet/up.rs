//! `aos devnet up`: anvil detached on loopback (it outlives `aos`; its pid is recorded), the
//! contracts deployed with the real deploy script, N workers and J jurors registered from
//! anvil's dev accounts (real Ed25519 binding signatures), the jurors' karma earned above the
//! court's floor with real tasks (post → claim → submit → accept; no admin path writes
//! karma), their stakes, the services, and `<dir>/devnet.json`. anvil and the deploy come
//! from `aos_chain::devnet`, the same code the tests' devnet runs.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::{
    primitives::{Address, B256},
    signers::local::PrivateKeySigner,
};
use aos_chain::{
    AosContracts, Deployments, TaskParams, create_keystore,
    devnet::{AnvilReady, DetachedAnvil, DetachedAnvilConfig, deploy, find_root, tool},
    domain_to_bytes32, provider_for,
};
use aos_protocol::{ContentId, KdfParams};
use eyre::{Result, WrapErr, bail};
use serde_json::json;

use super::UpArgs;
use crate::{
    agents::{join_with, load_or_create_agent_key, register_with},
    ctx::Ctx,
    devnet_file::{Account, DevnetFile, abs},
    output::{kv_table, table_with},
    procs::{Proc, StopOnDrop, free_port, stop},
    tx::send,
};

/// Password of the devnet's keystores and agent key files (development only).
const PASSWORD: &str = "devnet";

/// `aos devnet up`: each step below in order; on an error, what was started is stopped.
pub(super) async fn up(ctx: &Ctx, a: UpArgs) -> Result<()> {
    let dir = abs(&a.dir);
    std::fs::create_dir_all(&dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    replace_stale(ctx, &dir, &a)?;
    let domain =
        domain_to_bytes32(&a.domain).wrap_err_with(|| format!("--domain {:?}", a.domain))?;
    let root = find_root(a.root.as_deref())?;
    let accounts = (2 + a.workers + a.defectors + a.jurors).max(10);
    let (mut anvil, anvil_proc) = spawn_anvil(&root, &dir, a.port, accounts)?;
    let mut guard = StopOnDrop(vec![anvil_proc.clone()]);
    let rpc_url = anvil.rpc_url().to_owned();

    // 1. wait for the RPC
    let pb = ctx.out.spinner(format!("starting anvil on {rpc_url}"));
    let ready = anvil.wait_ready(Duration::from_secs(20)).await;
    pb.finish_and_clear();
    let AnvilReady { chain_id, keys } = ready?;
    ctx.out
        .note(format!("✓ anvil on {rpc_url} (pid {})", anvil_proc.pid));

    // 2. deploy with the real script
    let pb = ctx
        .out
        .spinner("deploying the contracts (forge script script/Deploy.s.sol)");
    let deployments_path = dir.join("deployments.json");
    let deployed = deploy(&root, &rpc_url, &keys[0], &deployments_path).await;
    pb.finish_and_clear();
    let deployments = deployed?;
    ctx.out.note(format!(
        "✓ contracts deployed (TaskMarket {})",
        deployments.task_market
    ));

    // 3. keys: a keystore per account, agent keys for workers and jurors
    let password_file = dir.join("password");
    std::fs::write(&password_file, format!("{PASSWORD}\n"))?;
    let mut accts = write_keystores(ctx, &dir, &a, &keys, accounts)?;

    // 4. register workers and jurors with real Ed25519 bindings
    let dev = DevChain {
        rpc_url: &rpc_url,
        keys: &keys,
        deployments: &deployments,
    };
    register_agents(ctx, &a, &dir, &dev, &mut accts).await?;

    // 5. jurors earn karma above the court's floor with real tasks, then stake; each worker
    // does one real task too, so the indexer's /route ranks it from the start
    warm_up(ctx, &a, &dev, &accts, domain).await?;

    // 6. record, hook, config
    let config = write_config(&dir, &rpc_url, &deployments_path)?;
    let mut net = DevnetFile {
        rpc_url: rpc_url.clone(),
        chain_id,
        anvil: anvil_proc,
        services: Vec::new(),
        indexer_url: None,
        blob_gateway: None,
        blob_dir: None,
        web_url: None,
        workers: Vec::new(),
        bootstrap: Vec::new(),
        model: None,
        deployments_path,
        deployments: deployments.clone(),
        password_file,
        config,
        juror_domain: a.domain.clone(),
        accounts: accts,
    };
    if !a.no_services {
        super::services::start_services(ctx, &a, &root, &dir, &mut net, &mut guard).await?;
        add_services_to_config(&net)?;
        if !a.no_juror_agents {
            super::services::start_juror_agents(ctx, &a, &dir, &mut net, &mut guard).await?;
        }
        net.web_url =
            crate::cmd::web::start_for_devnet(ctx, &root, &dir, &mut net, &mut guard).await?;
    }
    net.write(&dir)?;
    guard.disarm();
    ctx.out.emit(&net, || summary(&net));
    Ok(())
}

/// Refuse a folder whose devnet still runs (or whose devnet.json is malformed); stop the
/// leftover services of a dead one.
fn replace_stale(ctx: &Ctx, dir: &Path, a: &UpArgs) -> Result<()> {
    if dir.join("devnet.json").exists() && DevnetFile::read(dir).is_err() {
        bail!(
            "{}/devnet.json is malformed, so the processes it recorded cannot be stopped by \
             pid: find them with `ps aux | grep -E 'anvil|aos-|http.server'`, stop them, remove \
             the file, then retry",
            dir.display()
        );
    }
    let Ok(old) = DevnetFile::read(dir) else {
        return Ok(());
    };
    if old.anvil.alive() {
        bail!(
            "a devnet is already running from {} (anvil pid {}, {}): `aos devnet down --dir \
             {}` first",
            dir.display(),
            old.anvil.pid,
            old.rpc_url,
            a.dir.display()
        );
    }
    // its anvil is gone; its services may not be (they would share this folder's
    // SQLite files and worker state with the new ones)
    for p in &old.services {
        if stop(p) {
            ctx.out.note(format!(
                "stopped {} (pid {}) left over from the previous devnet",
                p.name, p.pid
            ));
        }
    }
    ctx.out
        .note("a stale devnet.json (its anvil is gone) will be replaced");
    Ok(())
}

/// Start anvil detached on `port` (0: a free one) with `accounts` funded accounts.
fn spawn_anvil(
    root: &Path,
    dir: &Path,
    port: u16,
    accounts: usize,
) -> Result<(DetachedAnvil, Proc)> {
    let anvil_bin = tool(root, "anvil")?;
    let port = if port == 0 { free_port()? } else { port };
    if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        bail!("port {port} on 127.0.0.1 is in use: pass --port 0 for a free one");
    }
    let anvil = DetachedAnvil::spawn(DetachedAnvilConfig {
        bin: anvil_bin,
        port,
        accounts,
        log: dir.join("anvil.log"),
        config_out: dir.join("anvil.json"),
    })?;
    let proc = Proc {
        name: "anvil".into(),
        pid: anvil.pid(),
        log: anvil.log().to_owned(),
        marker: None,
        service: None,
        launch: None,
    };
    Ok((anvil, proc))
}

/// The devnet's chain as `up` uses it: its RPC, anvil's dev keys, the deployment.
struct DevChain<'a> {
    rpc_url: &'a str,
    keys: &'a [PrivateKeySigner],
    deployments: &'a Deployments,
}

impl DevChain<'_> {
    /// The contracts, signing with dev account `i`.
    fn contracts(&self, i: usize) -> Result<AosContracts> {
        Ok(AosContracts::new(
            provider_for(self.rpc_url, self.keys[i].clone())
                .wrap_err("a provider for the devnet")?,
            self.deployments.clone(),
        ))
    }
}

/// A keystore per dev account (`<dir>/keys/<role>-<i>.json`), roles by index: deployer,
/// requester, the workers, the lazy defectors, the jurors, spares.
fn write_keystores(
    ctx: &Ctx,
    dir: &Path,
    a: &UpArgs,
    keys: &[PrivateKeySigner],
    accounts: usize,
) -> Result<Vec<Account>> {
    let keys_dir = dir.join("keys");
    std::fs::create_dir_all(&keys_dir)?;
    let role = |i: usize| match i {
        0 => "deployer",
        1 => "requester",
        i if i < 2 + a.workers => "worker",
        i if i < 2 + a.workers + a.defectors => "defector",
        i if i < 2 + a.workers + a.defectors + a.jurors => "juror",
        _ => "spare",
    };
    let pb = ctx.out.spinner("writing keystores");
    let mut accts = Vec::new();
    for (i, k) in keys.iter().enumerate().take(accounts) {
        let name = format!("{}-{i}.json", role(i));
        let _ = std::fs::remove_file(keys_dir.join(&name));
        let keystore = create_keystore(&keys_dir, &name, k, PASSWORD)
            .wrap_err_with(|| format!("cannot write the keystore {name}"))?;
        accts.push(Account {
            role: role(i).into(),
            index: i,
            address: k.address(),
            private_key: format!("0x{}", alloy::hex::encode(k.to_bytes())),
            keystore,
            agent_key: None,
            agent_id: None,
        });
    }
    pb.finish_and_clear();
    Ok(accts)
}

/// An agent key file for each worker, defector and juror, registered in the AgentRegistry.
async fn register_agents(
    ctx: &Ctx,
    a: &UpArgs,
    dir: &Path,
    dev: &DevChain<'_>,
    accts: &mut [Account],
) -> Result<()> {
    let agents_dir = dir.join("agents");
    for acct in accts
        .iter_mut()
        .filter(|x| matches!(x.role.as_str(), "worker" | "defector" | "juror"))
    {
        let path = agents_dir.join(format!("{}-{}.key", acct.role, acct.index));
        let _ = std::fs::remove_file(&path);
        // Dev keys on a throwaway chain: cheap KDF parameters keep `up` fast. Real keys
        // (`aos worker register`) use aos-protocol's defaults.
        let (key, _) = load_or_create_agent_key(&path, PASSWORD, KdfParams::insecure_for_tests())?;
        let c = dev.contracts(acct.index)?;
        let manifest = serde_json::to_vec(&json!({
            "agent": key.agent_id().to_string(),
            "role": acct.role,
            "domains": [a.domain],
            "version": 1
        }))?;
        register_with(ctx, &c, acct.address, &key, &manifest).await?;
        acct.agent_key = Some(path);
        acct.agent_id = Some(key.agent_id().to_string());
    }
    Ok(())
}

/// One real task per worker, two per juror (karma above the court's floor), then the
/// jurors' stakes.
async fn warm_up(
    ctx: &Ctx,
    a: &UpArgs,
    dev: &DevChain<'_>,
    accts: &[Account],
    domain: B256,
) -> Result<()> {
    let requester = dev.contracts(1)?;
    let requester_addr = dev.keys[1].address();
    let mut salt = 0u64;
    for acct in accts
        .iter()
        .filter(|x| x.role == "worker" || x.role == "defector")
    {
        salt += 1;
        let wc = dev.contracts(acct.index)?;
        warm_up_task(ctx, &requester, &wc, requester_addr, domain, salt).await?;
    }
    for acct in accts.iter().filter(|x| x.role == "juror") {
        let jc = dev.contracts(acct.index)?;
        for _ in 0..2 {
            salt += 1;
            warm_up_task(ctx, &requester, &jc, requester_addr, domain, salt).await?;
        }
        join_with(ctx, &jc, acct.address, a.juror_stake.0).await?;
    }
    Ok(())
}

/// `<dir>/config.toml` for `aos --config`: the RPC and the deployments.
fn write_config(dir: &Path, rpc_url: &str, deployments_path: &Path) -> Result<PathBuf> {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "# aos settings for the devnet in {d} (aos --config {c})\nrpc = \"{rpc_url}\"\n\
             deployments = \"{dep}\"\n",
            d = dir.display(),
            c = config.display(),
            dep = deployments_path.display()
        ),
    )?;
    Ok(config)
}

/// The services for every `aos` command pointed at the devnet's config.
fn add_services_to_config(net: &DevnetFile) -> Result<()> {
    let mut text = std::fs::read_to_string(&net.config)?;
    let extra = toml::toml! {
        indexer = (net.indexer_url.clone().unwrap_or_default())
        blob_dir = (net.blob_dir.as_deref().map(|p| p.display().to_string()).unwrap_or_default())
        bootstrap = (net.bootstrap.clone())
        model = (net.model.as_deref().map(|p| p.display().to_string()).unwrap_or_default())
    };
    text += &toml::to_string(&extra)?;
    std::fs::write(&net.config, text)?;
    Ok(())
}

/// One real task: the requester posts, `worker` claims, submits, the requester accepts.
async fn warm_up_task(
    ctx: &Ctx,
    requester: &AosContracts,
    worker: &AosContracts,
    requester_addr: Address,
    domain: B256,
    salt: u64,
) -> Result<()> {
    let now = requester.chain_time().await?;
    let p = TaskParams::builder(requester_addr, now)
        .with_payment(10_000_000_000_000_000) // 0.01 ETH
        .with_fee_bps(requester.fee_bps().await?)
        .with_domain(domain)
        .with_spec_hash(B256::from(
            ContentId::of(format!("devnet warm-up spec {salt}").as_bytes()).0,
        ))
        .with_salt(salt)
        .build();
    let q = crate::output::Output {
        quiet: true,
        ..ctx.out
    };
    let id = send(&q, "warm-up post", requester.post_task(&p))
        .await?
        .value;
    send(&q, "warm-up claim", worker.claim(&p)).await?;
    let result = ContentId::of(format!("devnet warm-up result {salt}").as_bytes());
    send(
        &q,
        "warm-up submit",
        worker.submit(id, B256::from(result.0)),
    )
    .await?;
    send(&q, "warm-up accept", requester.accept(&p)).await?;
    ctx.out.detail(format!("  warm-up task {id:#x} accepted"));
    Ok(())
}

pub(super) fn summary(net: &DevnetFile) -> String {
    let mut t = table_with(&["role", "#", "address", "agent", "keystore"]);
    for a in &net.accounts {
        t.add_row(vec![
            a.role.clone(),
            a.index.to_string(),
            a.address.to_string(),
            a.agent_id.clone().unwrap_or_else(|| "-".into()),
            a.keystore.display().to_string(),
        ]);
    }
    let d = &net.deployments;
    format!(
        "{}\n{t}\npassword of every keystore and agent key: {} (dev keys: no protection)\n\
         use it: aos --config {} --keystore <keystore> --password-file {} task list",
        kv_table([
            ("rpc", net.rpc_url.clone()),
            ("chain id", net.chain_id.to_string()),
            ("anvil pid", net.anvil.pid.to_string()),
            ("anvil log", net.anvil.log.display().to_string()),
            ("deployments", net.deployments_path.display().to_string()),
            ("TaskMarket", d.task_market.to_string()),
            ("DisputeCourt", d.dispute_court.to_string()),
            ("AgentRegistry", d.agent_registry.to_string()),
            ("KarmaRegistry", d.karma_registry.to_string()),
            ("jurors' karma domain", net.juror_domain.clone()),
            (
                "web app",
                net.web_url
                    .clone()
                    .unwrap_or_else(|| "not started (web/dist not built)".into()),
            ),
        ]),
        net.password_file.display(),
        net.config.display(),
        net.password_file.display(),
    )
}
