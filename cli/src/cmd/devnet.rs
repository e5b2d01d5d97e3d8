//! `aos devnet up|status|down|warp`: a local AOS on one machine. `up` starts anvil on
//! loopback as a detached process (it outlives `aos`; its pid is recorded), deploys with the
//! real deploy script (script/Deploy.s.sol through `forge script`), registers N workers and J
//! jurors from anvil's dev accounts (real Ed25519 binding signatures), lets the jurors earn
//! karma above the court's floor with real tasks (post → claim → submit → accept; no admin
//! path writes karma), stakes them, and writes `<dir>/devnet.json`. `down` stops, by pid,
//! what `up` started.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, B256},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use aos_chain::{
    ANVIL_MNEMONIC, AosContracts, Deployments, TaskParams, create_keystore, domain_to_bytes32,
    provider_for,
};
use aos_protocol::{ContentId, KdfParams};
use clap::{Args, Subcommand};
use eyre::{Result, WrapErr, bail, eyre};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    ctx::Ctx,
    output::{kv_table, table_with},
    procs::{
        Proc, StopOnDrop, free_port, require_binary, spawn_detached, stop, tcp_open, wait_ready,
    },
    tx::send,
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
    /// Staked jurors to create (each first earns karma with two real tasks).
    #[arg(long, default_value_t = 3)]
    jurors: usize,
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

/// `devnet warp` arguments.
#[derive(Debug, Args)]
pub(crate) struct WarpArgs {
    /// How far: 90s, 2m, 1h, 1d.
    #[arg(value_parser = parse_duration)]
    by: Duration,
}

/// One dev account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Account {
    /// `deployer`, `requester`, `worker`, `juror` or `spare`.
    pub(crate) role: String,
    /// anvil account index.
    pub(crate) index: usize,
    /// Address.
    pub(crate) address: Address,
    /// anvil's well-known dev key (hex): development only.
    pub(crate) private_key: String,
    /// Encrypted keystore (password in `password_file`).
    pub(crate) keystore: PathBuf,
    /// Agent key file (workers, jurors; passphrase in `password_file`).
    pub(crate) agent_key: Option<PathBuf>,
    /// Agent id (base58 Ed25519 public key).
    pub(crate) agent_id: Option<String>,
}

/// A running worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WorkerProc {
    /// Its account.
    pub(crate) address: Address,
    /// Its mesh address.
    pub(crate) mesh_addr: String,
    /// Its aos-worker config file.
    pub(crate) config: PathBuf,
    /// Its data folder (SQLite state, blobs).
    pub(crate) data_dir: PathBuf,
    /// Index of its process in `services`.
    pub(crate) proc_index: usize,
}

/// `<dir>/devnet.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DevnetFile {
    /// HTTP RPC URL.
    pub(crate) rpc_url: String,
    /// Chain id.
    pub(crate) chain_id: u64,
    /// anvil.
    pub(crate) anvil: Proc,
    /// Services `up` started (indexer, blob gateway, workers), stopped by `down`.
    pub(crate) services: Vec<Proc>,
    /// The indexer's API base URL.
    #[serde(default)]
    pub(crate) indexer_url: Option<String>,
    /// The blob gateway's base URL (`GET <url>/<0x content id>`).
    #[serde(default)]
    pub(crate) blob_gateway: Option<String>,
    /// The folder the gateway serves: a spec written here as `<0x content id>` is public.
    #[serde(default)]
    pub(crate) blob_dir: Option<PathBuf>,
    /// The running workers.
    #[serde(default)]
    pub(crate) workers: Vec<WorkerProc>,
    /// Mesh bootstrap addresses (the workers' multiaddrs with `/p2p/<peer id>`).
    #[serde(default)]
    pub(crate) bootstrap: Vec<String>,
    /// The model the workers (and `aos ask`) run.
    #[serde(default)]
    pub(crate) model: Option<PathBuf>,
    /// Deployments JSON.
    pub(crate) deployments_path: PathBuf,
    /// The addresses.
    pub(crate) deployments: Deployments,
    /// Password of the keystores and agent key files.
    pub(crate) password_file: PathBuf,
    /// Config file for `aos --config`.
    pub(crate) config: PathBuf,
    /// Domain the jurors have karma in.
    pub(crate) juror_domain: String,
    /// Dev accounts.
    pub(crate) accounts: Vec<Account>,
}

/// Run a devnet command.
pub(crate) async fn run(ctx: &Ctx, cmd: DevnetCmd) -> Result<()> {
    match cmd {
        DevnetCmd::Up(a) => up(ctx, a).await,
        DevnetCmd::Status(a) => status(ctx, &a.dir).await,
        DevnetCmd::Down(a) => down(ctx, &a.dir),
        DevnetCmd::Warp(a) => warp(ctx, a.by).await,
    }
}

pub(crate) fn find_root(explicit: Option<PathBuf>) -> Result<PathBuf> {
    let is_root = |p: &Path| p.join("script/Deploy.s.sol").is_file();
    if let Some(r) = explicit {
        if is_root(&r) {
            return Ok(r);
        }
        bail!(
            "--root/AOS_ROOT {} holds no script/Deploy.s.sol",
            r.display()
        );
    }
    let cwd = std::env::current_dir().wrap_err("cannot read the current folder")?;
    if let Some(r) = cwd.ancestors().find(|p| is_root(p)) {
        return Ok(r.to_owned());
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if is_root(&built) {
        return Ok(built);
    }
    bail!("cannot find the AOS repository (script/Deploy.s.sol): run from inside it or pass --root")
}

pub(crate) fn tool(root: &Path, name: &str) -> Result<PathBuf> {
    let p = root.join(format!(
        "node_modules/@foundry-rs/{name}-linux-amd64/bin/{name}"
    ));
    if p.is_file() {
        Ok(p)
    } else {
        bail!("{name} not found at {} (run script/setup.sh)", p.display())
    }
}

fn read_devnet(dir: &Path) -> Result<DevnetFile> {
    let p = dir.join("devnet.json");
    let text = std::fs::read_to_string(&p).map_err(|_| {
        eyre!(
            "no devnet in {} ({} missing): start one with `aos devnet up`",
            dir.display(),
            p.display()
        )
    })?;
    serde_json::from_str(&text).wrap_err_with(|| format!("{} is malformed", p.display()))
}

fn abs(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_owned())
}

/// Start the services: `aos-indexer` on a SQLite file in `dir`, an HTTP blob gateway over
/// `dir/blobs` (specs of tasks posted outside the mesh, e.g. by `cast send`), and one
/// `aos-worker` per registered worker with the local model, listening on a loopback mesh
/// address and bootstrapping from the first. Each is pushed onto `guard` as soon as it
/// runs, so a failure half-way stops the ones already started.
async fn start_services(
    ctx: &Ctx,
    a: &UpArgs,
    root: &Path,
    dir: &Path,
    net: &mut DevnetFile,
    guard: &mut StopOnDrop,
) -> Result<()> {
    let out = ctx.out;
    let model = match &a.model {
        Some(m) => abs(m),
        None => root.join(".models/SmolLM2-135M-Instruct.Q4_1.gguf"),
    };
    if !model.is_file() {
        bail!(
            "the workers' model {} is missing: run script/fetch-model.sh (or pass --model FILE, \
             or --no-services for a chain without workers)",
            model.display()
        );
    }
    let indexer_bin = require_binary("aos-indexer", "aos-indexer")?;
    let worker_bin = require_binary("aos-worker", "aos-worker")?;
    let logs = dir.join("logs");

    // the indexer
    let pb = out.spinner("starting aos-indexer (SQLite)");
    let db = dir.join("indexer.sqlite");
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let port = free_port()?;
    let url = format!("http://127.0.0.1:{port}");
    let log = logs.join("indexer.log");
    let (p, mut child) = spawn_detached(
        "aos-indexer",
        &indexer_bin,
        [
            "run".as_ref(),
            "--rpc".as_ref(),
            net.rpc_url.as_ref(),
            "--deployments".as_ref(),
            net.deployments_path.as_os_str(),
            "--db".as_ref(),
            db.as_os_str(),
            "--listen".as_ref(),
            format!("127.0.0.1:{port}").as_ref(),
            "--poll-interval-ms".as_ref(),
            "250".as_ref(),
        ] as [&std::ffi::OsStr; 11],
        &[],
        &log,
    )?;
    guard.0.push(p.clone());
    let http = reqwest::Client::new();
    let health = format!("{url}/health");
    wait_ready(
        "aos-indexer",
        &mut child,
        &log,
        Duration::from_secs(60),
        || {
            let r = http.get(&health).timeout(Duration::from_secs(2)).send();
            async move { r.await.is_ok_and(|r| r.status().is_success()) }
        },
    )
    .await?;
    pb.finish_and_clear();
    out.note(format!(
        "✓ aos-indexer on {url} (pid {}, {})",
        p.pid,
        db.display()
    ));
    net.indexer_url = Some(url);
    net.services.push(p);

    // the blob gateway: GET /<0x content id> over dir/blobs
    let blobs = dir.join("blobs");
    std::fs::create_dir_all(&blobs)?;
    let port = free_port()?;
    let log = logs.join("blob-gateway.log");
    let python = crate::procs::find_binary("python3")
        .ok_or_else(|| eyre!("python3 (the blob gateway's HTTP server) is not on PATH"))?;
    let (mut p, mut child) = spawn_detached(
        "blob-gateway",
        &python,
        [
            "-m".as_ref(),
            "http.server".as_ref(),
            "--bind".as_ref(),
            "127.0.0.1".as_ref(),
            "--directory".as_ref(),
            blobs.as_os_str(),
            port.to_string().as_ref(),
        ] as [&std::ffi::OsStr; 7],
        &[],
        &log,
    )?;
    p.marker = Some("http.server".into());
    guard.0.push(p.clone());
    wait_ready(
        "the blob gateway",
        &mut child,
        &log,
        Duration::from_secs(20),
        || std::future::ready(tcp_open(port)),
    )
    .await?;
    let gateway = format!("http://127.0.0.1:{port}");
    out.note(format!(
        "✓ blob gateway on {gateway} (pid {}, {})",
        p.pid,
        blobs.display()
    ));
    net.blob_gateway = Some(gateway.clone());
    net.blob_dir = Some(blobs);
    net.services.push(p);

    // the workers: fresh state (a previous devnet's SQLite cursor and blobs belong to
    // another chain)
    for old in ["workers", "data"] {
        let p = dir.join(old);
        if p.exists() {
            std::fs::remove_dir_all(&p)
                .wrap_err_with(|| format!("cannot clear {} of a previous devnet", p.display()))?;
        }
    }
    let workers: Vec<Account> = net
        .accounts
        .iter()
        .filter(|x| x.role == "worker")
        .cloned()
        .collect();
    let mut bootstrap: Vec<String> = Vec::new();
    for w in &workers {
        let pb = out.spinner(format!(
            "starting aos-worker worker-{} ({})",
            w.index, w.address
        ));
        let (Some(agent_key), Some(agent_id)) = (&w.agent_key, &w.agent_id) else {
            bail!("worker {} has no agent key", w.address);
        };
        let agent: aos_protocol::AgentId = agent_id
            .parse()
            .map_err(|e| eyre!("agent id {agent_id}: {e}"))?;
        let peer = aos_mesh::peer_id_of(&agent).map_err(|e| eyre!("{e}"))?;
        let port = free_port()?;
        let addr = format!("/ip4/127.0.0.1/tcp/{port}/p2p/{peer}");
        let data = dir.join(format!("workers/worker-{}", w.index));
        std::fs::create_dir_all(&data)?;
        let cfg = toml::toml! {
            rpc_url = (net.rpc_url.clone())
            deployments = (net.deployments_path.display().to_string())
            keystore = (w.keystore.display().to_string())
            keystore_password_file = (net.password_file.display().to_string())
            agent_key = (agent_key.display().to_string())
            domains = [(net.juror_domain.clone())]
            data_dir = (data.display().to_string())
            listen = [(format!("/ip4/127.0.0.1/tcp/{port}"))]
            bootstrap = (bootstrap.clone())
            poll_interval_ms = 500
            blob_gateway = (gateway.clone())
            auto_withdraw = true
            max_concurrent_tasks = 1

            [[executors]]
            kind = "local_llama"
            model = (model.display().to_string())
            threads = 1
            max_tokens = (i64::from(a.max_tokens))
        };
        let cfg_path = data.join("worker.toml");
        std::fs::write(
            &cfg_path,
            format!(
                "# aos-worker settings written by `aos devnet up`\n{}",
                toml::to_string_pretty(&cfg)?
            ),
        )?;
        let log = logs.join(format!("worker-{}.log", w.index));
        let (mut p, mut child) = spawn_detached(
            "aos-worker",
            &worker_bin,
            ["-c".as_ref(), cfg_path.as_os_str(), "run".as_ref()] as [&std::ffi::OsStr; 3],
            &[
                ("AOS_AGENT_PASSPHRASE", "devnet".as_ref()),
                ("RUST_LOG", "warn,aos_worker=debug,aos_mesh=info".as_ref()),
            ],
            &log,
        )?;
        p.marker = Some(cfg_path.display().to_string());
        guard.0.push(p.clone());
        wait_ready(
            "aos-worker",
            &mut child,
            &log,
            Duration::from_secs(60),
            || {
                let log = log.clone();
                async move {
                    tcp_open(port)
                        && std::fs::read_to_string(&log)
                            .is_ok_and(|t| t.contains("worker starting"))
                }
            },
        )
        .await?;
        pb.finish_and_clear();
        out.note(format!(
            "✓ aos-worker worker-{} (pid {}) for {} on {addr}",
            w.index, p.pid, w.address
        ));
        net.workers.push(WorkerProc {
            address: w.address,
            mesh_addr: addr.clone(),
            config: cfg_path,
            data_dir: data,
            proc_index: net.services.len(),
        });
        net.services.push(p);
        bootstrap.push(addr);
    }
    net.bootstrap = bootstrap;
    net.model = Some(model);
    Ok(())
}

async fn up(ctx: &Ctx, a: UpArgs) -> Result<()> {
    let out = ctx.out;
    let dir = abs(&a.dir);
    std::fs::create_dir_all(&dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    if dir.join("devnet.json").exists() && read_devnet(&dir).is_err() {
        bail!(
            "{}/devnet.json is malformed, so the processes it recorded cannot be stopped by \
             pid: find them with `ps aux | grep -E 'anvil|aos-|http.server'`, stop them, remove \
             the file, then retry",
            dir.display()
        );
    }
    if let Ok(old) = read_devnet(&dir) {
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
                out.note(format!(
                    "stopped {} (pid {}) left over from the previous devnet",
                    p.name, p.pid
                ));
            }
        }
        out.note("a stale devnet.json (its anvil is gone) will be replaced");
    }
    let domain = domain_to_bytes32(&a.domain).map_err(|e| eyre!("--domain: {e}"))?;
    let root = find_root(a.root.clone())?;
    let anvil_bin = tool(&root, "anvil")?;
    let forge_bin = tool(&root, "forge")?;
    let port = if a.port == 0 { free_port()? } else { a.port };
    if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        bail!("port {port} on 127.0.0.1 is in use: pass --port 0 for a free one");
    }
    let accounts = (2 + a.workers + a.jurors).max(10);
    let log = dir.join("anvil.log");
    let anvil_cfg = dir.join("anvil.json");
    let _ = std::fs::remove_file(&anvil_cfg);
    let log_file =
        std::fs::File::create(&log).wrap_err_with(|| format!("cannot create {}", log.display()))?;
    let mut cmd = Command::new(&anvil_bin);
    cmd.args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args([
            "--accounts",
            &accounts.to_string(),
            "--mnemonic",
            ANVIL_MNEMONIC,
        ])
        .arg("--config-out")
        .arg(&anvil_cfg)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    // Its own process group: ctrl-c on `aos` (or its exit) does not reach anvil.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .spawn()
        .wrap_err_with(|| format!("cannot start {}", anvil_bin.display()))?;
    let anvil = Proc {
        name: "anvil".into(),
        pid: child.id(),
        log: log.clone(),
        marker: None,
    };
    let mut guard = StopOnDrop(vec![anvil.clone()]);
    let rpc_url = format!("http://127.0.0.1:{port}");

    // 1. wait for the RPC
    let pb = out.spinner(format!("starting anvil on {rpc_url}"));
    let reader = ProviderBuilder::new()
        .connect_http(rpc_url.parse().wrap_err("bad RPC URL")?)
        .erased();
    let until = Instant::now() + Duration::from_secs(20);
    let chain_id = loop {
        if let Ok(id) = reader.get_chain_id().await
            && anvil_cfg.is_file()
        {
            break id;
        }
        if let Some(st) = child.try_wait()? {
            pb.finish_and_clear();
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            bail!("anvil exited ({st}) before serving: {}", tail.trim());
        }
        if Instant::now() > until {
            pb.finish_and_clear();
            bail!(
                "anvil did not answer on {rpc_url} within 20 s (log: {})",
                log.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    pb.finish_and_clear();
    out.note(format!("✓ anvil on {rpc_url} (pid {})", anvil.pid));
    let cfg: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&anvil_cfg).wrap_err("cannot read anvil's --config-out")?,
    )?;
    let keys: Vec<PrivateKeySigner> = cfg["private_keys"]
        .as_array()
        .ok_or_else(|| eyre!("anvil's config has no private_keys"))?
        .iter()
        .filter_map(|k| k.as_str()?.parse().ok())
        .collect();
    if keys.len() < accounts {
        bail!("anvil made {} accounts, {accounts} needed", keys.len());
    }

    // 2. deploy with the real script. forge may only write under <root>/.devnet
    // (foundry.toml fs_permissions), so it writes there and the file is copied.
    let pb = out.spinner("deploying the contracts (forge script script/Deploy.s.sol)");
    std::fs::create_dir_all(root.join(".devnet"))?;
    let forge_out = root.join(format!(".devnet/deployments-{port}-{}.json", anvil.pid));
    let deployer_key = format!("0x{}", alloy::hex::encode(keys[0].to_bytes()));
    let res = tokio::process::Command::new(&forge_bin)
        .current_dir(&root)
        .args([
            "script",
            "script/Deploy.s.sol",
            "--broadcast",
            "--rpc-url",
            &rpc_url,
        ])
        .args(["--private-key", &deployer_key])
        .env("FOUNDRY_SOLC", root.join("script/solc"))
        .env("AOS_DEPLOYMENTS_OUT", &forge_out)
        .stdin(Stdio::null())
        .output()
        .await
        .wrap_err("cannot run forge")?;
    pb.finish_and_clear();
    if !res.status.success() {
        bail!(
            "forge script Deploy.s.sol failed:\n{}{}",
            String::from_utf8_lossy(&res.stdout),
            String::from_utf8_lossy(&res.stderr)
        );
    }
    let deployments_path = dir.join("deployments.json");
    std::fs::copy(&forge_out, &deployments_path).wrap_err("cannot copy the deployments JSON")?;
    if forge_out != deployments_path {
        let _ = std::fs::remove_file(&forge_out);
    }
    let deployments = Deployments::load(&deployments_path).map_err(|e| eyre!("{e}"))?;
    out.note(format!(
        "✓ contracts deployed (TaskMarket {})",
        deployments.task_market
    ));

    // 3. keys: a keystore per account, agent keys for workers and jurors
    let password = "devnet";
    let password_file = dir.join("password");
    std::fs::write(&password_file, format!("{password}\n"))?;
    let keys_dir = dir.join("keys");
    std::fs::create_dir_all(&keys_dir)?;
    let role = |i: usize| match i {
        0 => "deployer",
        1 => "requester",
        i if i < 2 + a.workers => "worker",
        i if i < 2 + a.workers + a.jurors => "juror",
        _ => "spare",
    };
    let pb = out.spinner("writing keystores");
    let mut accts = Vec::new();
    for (i, k) in keys.iter().enumerate().take(accounts) {
        let name = format!("{}-{i}.json", role(i));
        let _ = std::fs::remove_file(keys_dir.join(&name));
        let keystore = create_keystore(&keys_dir, &name, k, password).map_err(|e| eyre!("{e}"))?;
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

    // 4. register workers and jurors with real Ed25519 bindings
    let contracts = |i: usize| -> Result<AosContracts> {
        Ok(AosContracts::new(
            provider_for(&rpc_url, keys[i].clone()).map_err(|e| eyre!("{e}"))?,
            deployments.clone(),
        ))
    };
    let agents_dir = dir.join("agents");
    for acct in accts
        .iter_mut()
        .filter(|x| x.role == "worker" || x.role == "juror")
    {
        let path = agents_dir.join(format!("{}-{}.key", acct.role, acct.index));
        let _ = std::fs::remove_file(&path);
        // Dev keys on a throwaway chain: cheap KDF parameters keep `up` fast. Real keys
        // (`aos worker register`) use aos-protocol's defaults.
        let (key, _) = super::worker::load_or_create_agent_key(
            &path,
            password,
            KdfParams::insecure_for_tests(),
        )?;
        let c = contracts(acct.index)?;
        let manifest = serde_json::to_vec(&json!({
            "agent": key.agent_id().to_string(),
            "role": acct.role,
            "domains": [a.domain],
            "version": 1
        }))?;
        super::worker::register_with(ctx, &c, acct.address, &key, &manifest).await?;
        acct.agent_key = Some(path);
        acct.agent_id = Some(key.agent_id().to_string());
    }

    // 5. jurors earn karma above the court's floor with real tasks, then stake; each worker
    // does one real task too, so the indexer's /route ranks it from the start
    let requester = contracts(1)?;
    let mut salt = 0u64;
    for acct in accts.iter().filter(|x| x.role == "worker") {
        salt += 1;
        let wc = contracts(acct.index)?;
        warm_up_task(ctx, &requester, &wc, keys[1].address(), domain, salt).await?;
    }
    for acct in accts.iter().filter(|x| x.role == "juror") {
        let jc = contracts(acct.index)?;
        for _ in 0..2 {
            salt += 1;
            warm_up_task(ctx, &requester, &jc, keys[1].address(), domain, salt).await?;
        }
        super::juror::join_with(ctx, &jc, acct.address, a.juror_stake.0).await?;
    }

    // 6. record, hook, config
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
    let mut net = DevnetFile {
        rpc_url: rpc_url.clone(),
        chain_id,
        anvil: anvil.clone(),
        services: Vec::new(),
        indexer_url: None,
        blob_gateway: None,
        blob_dir: None,
        workers: Vec::new(),
        bootstrap: Vec::new(),
        model: None,
        deployments_path: deployments_path.clone(),
        deployments: deployments.clone(),
        password_file: password_file.clone(),
        config,
        juror_domain: a.domain.clone(),
        accounts: accts,
    };
    if !a.no_services {
        start_services(ctx, &a, &root, &dir, &mut net, &mut guard).await?;
        // the services for every `aos` command pointed at this config
        let mut text = std::fs::read_to_string(&net.config)?;
        let extra = toml::toml! {
            indexer = (net.indexer_url.clone().unwrap_or_default())
            blob_dir = (net.blob_dir.as_deref().map(|p| p.display().to_string()).unwrap_or_default())
            bootstrap = (net.bootstrap.clone())
            model = (net.model.as_deref().map(|p| p.display().to_string()).unwrap_or_default())
        };
        text += &toml::to_string(&extra)?;
        std::fs::write(&net.config, text)?;
    }
    std::fs::write(dir.join("devnet.json"), serde_json::to_vec_pretty(&net)?)?;
    guard.disarm();
    out.emit(&net, || summary(&net));
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

fn summary(net: &DevnetFile) -> String {
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
        ]),
        net.password_file.display(),
        net.config.display(),
        net.password_file.display(),
    )
}

async fn status(ctx: &Ctx, dir: &Path) -> Result<()> {
    let net = read_devnet(dir)?;
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
        .map(|s| json!({ "name": s.name, "pid": s.pid, "running": s.alive(), "log": s.log }))
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
                        net.services.iter().map(|s| format!("{} pid {} {}", s.name, s.pid, if s.alive() { "running" } else { "NOT running" })).collect::<Vec<_>>().join("\n")
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
            "the devnet in {d} is not healthy{}: `aos devnet down --dir {d}` then `aos devnet up \
             --dir {d}`",
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

fn down(ctx: &Ctx, dir: &Path) -> Result<()> {
    if !dir.join("devnet.json").exists() {
        // idempotent: nothing recorded, nothing to stop
        ctx.out
            .note(format!("no devnet in {} (already down)", dir.display()));
        ctx.out.emit(&json!({ "stopped": [] }), String::new);
        return Ok(());
    }
    let net = read_devnet(dir)?;
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

async fn warp(ctx: &Ctx, by: Duration) -> Result<()> {
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
