//! The devnet's services: `aos-indexer` on a SQLite file in the devnet folder, an HTTP blob
//! gateway over `<dir>/blobs`, and one `aos-worker` per registered worker with the local
//! model. Each is recorded in devnet.json with its command line ([`Launch`]), so
//! `aos devnet restart <service>` starts it again the same way.

use std::path::{Path, PathBuf};

use eyre::{Result, WrapErr, bail, eyre};

use super::UpArgs;
use crate::{
    ctx::Ctx,
    devnet_file::{Account, DevnetFile, WorkerProc, abs},
    procs::{Launch, Ready, StopOnDrop, find_binary, free_port, require_binary, start_service},
};

/// Start the services. Each is pushed onto `guard` as soon as it runs, so a failure half-way
/// stops the ones already started.
pub(super) async fn start_services(
    ctx: &Ctx,
    a: &UpArgs,
    root: &Path,
    dir: &Path,
    net: &mut DevnetFile,
    guard: &mut StopOnDrop,
) -> Result<()> {
    let model = workers_model(a, root)?;
    let indexer_bin = require_binary("aos-indexer", "aos-indexer")?;
    let worker_bin = require_binary("aos-worker", "aos-worker")?;
    start_indexer(ctx, dir, indexer_bin, net, guard).await?;
    let gateway = start_gateway(ctx, dir, net, guard).await?;
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
        .filter(|x| x.role == "worker" || x.role == "defector")
        .cloned()
        .collect();
    let mut bootstrap: Vec<String> = Vec::new();
    for w in &workers {
        let worker = WorkerSetup {
            a,
            dir,
            bin: &worker_bin,
            model: &model,
            gateway: &gateway,
            bootstrap: &bootstrap,
        };
        let addr = worker.start(ctx, w, net, guard).await?;
        bootstrap.push(addr);
    }
    net.bootstrap = bootstrap;
    net.model = Some(model);
    Ok(())
}

/// One `aos juror run` per juror account (issue 14): each judges its seats with the
/// evaluator, votes by commit–reveal, keeps the court's periods moving, settles and
/// withdraws; the last `--colluders` of them always vote for the worker. Their stores live in
/// the juror's data folder (`<dir>/data/juror-<index>`, the one `aos demo` runs that
/// account's commands with), so `aos juror status` there shows their votes. Started after
/// the config names the indexer, the blob folder and the mesh peers.
pub(super) async fn start_juror_agents(
    ctx: &Ctx,
    a: &UpArgs,
    dir: &Path,
    net: &mut DevnetFile,
    guard: &mut StopOnDrop,
) -> Result<()> {
    let aos = std::env::current_exe().wrap_err("cannot find the running aos binary")?;
    let jurors: Vec<Account> = net
        .accounts
        .iter()
        .filter(|x| x.role == "juror")
        .cloned()
        .collect();
    let colluders = a.colluders.min(jurors.len());
    for (n, j) in jurors.iter().enumerate() {
        let colluding = n >= jurors.len() - colluders;
        let policy = if colluding {
            "always-worker"
        } else {
            "evaluator"
        };
        let pb = ctx.out.spinner(format!(
            "starting the juror agent of juror-{} ({})",
            j.index, j.address
        ));
        let port = free_port()?;
        let data = dir.join(format!("data/juror-{}", j.index));
        std::fs::create_dir_all(&data)?;
        let mut args = vec![
            "--config".to_owned(),
            net.config.display().to_string(),
            "--keystore".into(),
            j.keystore.display().to_string(),
            "--password-file".into(),
            net.password_file.display().to_string(),
            "--data-dir".into(),
            data.display().to_string(),
        ];
        if let Some(k) = &j.agent_key {
            args.extend(["--agent-key".into(), k.display().to_string()]);
        }
        args.extend([
            "juror".into(),
            "run".into(),
            "--policy".into(),
            policy.into(),
            "--poll-interval".into(),
            "500ms".into(),
            "--metrics-listen".into(),
            format!("127.0.0.1:{port}"),
        ]);
        if let Some(g) = &net.blob_gateway {
            args.extend(["--gateway".into(), g.clone()]);
        }
        let launch = Launch {
            bin: aos.clone(),
            args,
            env: vec![("AOS_AGENT_PASSPHRASE".into(), "devnet".into())],
            ready: Ready::TcpAndLog {
                port,
                line: "juror agent running".into(),
            },
            ready_within_s: 60,
        };
        let log = dir.join(format!("logs/juror-{}.log", j.index));
        let service = format!("juror-{}", j.index);
        let marker = Some(format!("juror-{}", j.index));
        let p = start_service("aos", &service, marker, launch, &log, guard).await?;
        pb.finish_and_clear();
        ctx.out.note(format!(
            "✓ aos juror run juror-{} (pid {}) for {}: policy {policy}, metrics on 127.0.0.1:{port}",
            j.index, p.pid, j.address
        ));
        net.services.push(p);
    }
    Ok(())
}

/// The GGUF model the workers run: `--model`, else SmolLM2 from script/fetch-model.sh.
fn workers_model(a: &UpArgs, root: &Path) -> Result<PathBuf> {
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
    Ok(model)
}

/// `aos-indexer` on a fresh SQLite file in `dir`, on a free loopback port.
async fn start_indexer(
    ctx: &Ctx,
    dir: &Path,
    bin: PathBuf,
    net: &mut DevnetFile,
    guard: &mut StopOnDrop,
) -> Result<()> {
    let pb = ctx.out.spinner("starting aos-indexer (SQLite)");
    let db = dir.join("indexer.sqlite");
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let port = free_port()?;
    let url = format!("http://127.0.0.1:{port}");
    let launch = Launch {
        bin,
        args: vec![
            "run".into(),
            "--rpc".into(),
            net.rpc_url.clone(),
            "--deployments".into(),
            net.deployments_path.display().to_string(),
            "--db".into(),
            db.display().to_string(),
            "--api-listen".into(),
            format!("127.0.0.1:{port}"),
            "--poll-interval-ms".into(),
            "250".into(),
        ],
        env: Vec::new(),
        ready: Ready::Http {
            url: format!("{url}/health"),
        },
        ready_within_s: 60,
    };
    let log = dir.join("logs/indexer.log");
    let p = start_service("aos-indexer", "indexer", None, launch, &log, guard).await?;
    pb.finish_and_clear();
    ctx.out.note(format!(
        "✓ aos-indexer on {url} (pid {}, {})",
        p.pid,
        db.display()
    ));
    net.indexer_url = Some(url);
    net.services.push(p);
    Ok(())
}

/// The blob gateway: `GET /<0x content id>` over `<dir>/blobs`; its URL.
async fn start_gateway(
    ctx: &Ctx,
    dir: &Path,
    net: &mut DevnetFile,
    guard: &mut StopOnDrop,
) -> Result<String> {
    let blobs = dir.join("blobs");
    std::fs::create_dir_all(&blobs)?;
    let port = free_port()?;
    let python = find_binary("python3")
        .ok_or_else(|| eyre!("python3 (the blob gateway's HTTP server) is not on PATH"))?;
    let launch = Launch {
        bin: python,
        args: vec![
            "-m".into(),
            "http.server".into(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--directory".into(),
            blobs.display().to_string(),
            port.to_string(),
        ],
        env: Vec::new(),
        ready: Ready::Tcp { port },
        ready_within_s: 20,
    };
    let log = dir.join("logs/blob-gateway.log");
    let marker = Some("http.server".to_owned());
    let p = start_service("blob-gateway", "gateway", marker, launch, &log, guard).await?;
    let gateway = format!("http://127.0.0.1:{port}");
    ctx.out.note(format!(
        "✓ blob gateway on {gateway} (pid {}, {})",
        p.pid,
        blobs.display()
    ));
    net.blob_gateway = Some(gateway.clone());
    net.blob_dir = Some(blobs);
    net.services.push(p);
    Ok(gateway)
}

/// The skills a devnet defector claims to have: every one the demo's tasks ask for (an
/// honest devnet worker claims only the devnet's domain).
pub(crate) const DEFECTOR_SKILLS: &[&str] = &[
    "summarisation",
    "timeline_extraction",
    "translation",
    "code_review",
];

/// What every devnet worker shares: the binary, the model, the gateway, the peers started
/// before it.
struct WorkerSetup<'a> {
    a: &'a UpArgs,
    dir: &'a Path,
    bin: &'a Path,
    model: &'a Path,
    gateway: &'a str,
    bootstrap: &'a [String],
}

impl WorkerSetup<'_> {
    /// Start `aos-worker` for worker account `w`; its mesh address (with `/p2p/<peer id>`).
    async fn start(
        &self,
        ctx: &Ctx,
        w: &Account,
        net: &mut DevnetFile,
        guard: &mut StopOnDrop,
    ) -> Result<String> {
        let pb = ctx.out.spinner(format!(
            "starting aos-worker worker-{} ({})",
            w.index, w.address
        ));
        let (Some(agent_key), Some(agent_id)) = (&w.agent_key, &w.agent_id) else {
            bail!("worker {} has no agent key", w.address);
        };
        let agent: aos_protocol::AgentId = agent_id
            .parse()
            .wrap_err_with(|| format!("agent id {agent_id}"))?;
        let peer = aos_mesh::peer_id_of(&agent).wrap_err("the worker's mesh peer id")?;
        let port = free_port()?;
        let addr = format!("/ip4/127.0.0.1/tcp/{port}/p2p/{peer}");
        let data = self.dir.join(format!("workers/worker-{}", w.index));
        std::fs::create_dir_all(&data)?;
        let cfg_path = self.write_config(net, w, agent_key, &data, port)?;
        let launch = Launch {
            bin: self.bin.to_owned(),
            args: vec!["-c".into(), cfg_path.display().to_string(), "run".into()],
            env: vec![
                ("AOS_AGENT_PASSPHRASE".into(), "devnet".into()),
                (
                    "RUST_LOG".into(),
                    "warn,aos_worker=debug,aos_mesh=info".into(),
                ),
            ],
            ready: Ready::TcpAndLog {
                port,
                line: "worker starting".into(),
            },
            ready_within_s: 60,
        };
        let log = self.dir.join(format!("logs/worker-{}.log", w.index));
        let service = format!("worker-{}", w.index);
        let marker = Some(cfg_path.display().to_string());
        let p = start_service("aos-worker", &service, marker, launch, &log, guard).await?;
        pb.finish_and_clear();
        let lazy = if w.role == "defector" {
            " — lazy defector: invents answers, claims every skill"
        } else {
            ""
        };
        ctx.out.note(format!(
            "✓ aos-worker worker-{} (pid {}) for {} on {addr}{lazy}",
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
        Ok(addr)
    }

    /// `<data>/worker.toml` for worker `w` listening on loopback `port`.
    fn write_config(
        &self,
        net: &DevnetFile,
        w: &Account,
        agent_key: &Path,
        data: &Path,
        port: u16,
    ) -> Result<PathBuf> {
        let mut cfg = toml::toml! {
            rpc = (net.rpc_url.clone())
            deployments = (net.deployments_path.display().to_string())
            keystore = (w.keystore.display().to_string())
            password_file = (net.password_file.display().to_string())
            agent_key = (agent_key.display().to_string())
            domains = [(net.juror_domain.clone())]
            data_dir = (data.display().to_string())
            listen = [(format!("/ip4/127.0.0.1/tcp/{port}"))]
            bootstrap = (self.bootstrap.to_vec())
            poll_interval_ms = 500
            blob_gateway = (self.gateway.to_owned())
            auto_withdraw = true
            max_concurrent_tasks = 1
        };
        let role = if w.role == "defector" {
            // claims every skill, answers without reading, never checks its own work
            toml::toml! {
                skills = (DEFECTOR_SKILLS.to_vec())

                [verify]
                self_check = false

                [[executors]]
                kind = "lazy"
            }
        } else {
            toml::toml! {
                skills = [(net.juror_domain.clone())]

                [verify]
                self_check = true
                judge = "local_llama"

                [[executors]]
                kind = "local_llama"
                model = (self.model.display().to_string())
                threads = 1
                max_tokens = (i64::from(self.a.max_tokens))
            }
        };
        cfg.extend(role);
        let cfg_path = data.join("worker.toml");
        std::fs::write(
            &cfg_path,
            format!(
                "# aos-worker settings written by `aos devnet up`\n{}",
                toml::to_string_pretty(&cfg)?
            ),
        )?;
        Ok(cfg_path)
    }
}

/// The name `aos devnet restart` takes for a service: its recorded name, else (devnet.json of
/// an older `aos`) one derived from its process name and position.
pub(super) fn service_name(net: &DevnetFile, i: usize) -> String {
    if let Some(s) = &net.services[i].service {
        return s.clone();
    }
    match net.services[i].name.as_str() {
        "aos-indexer" => "indexer".into(),
        "blob-gateway" => "gateway".into(),
        other => net
            .workers
            .iter()
            .find(|w| w.proc_index == i)
            .and_then(|w| net.accounts.iter().find(|a| a.address == w.address))
            .map(|a| format!("worker-{}", a.index))
            .unwrap_or_else(|| other.to_owned()),
    }
}

/// Restart service `name` of the devnet in `dir`: stop it when it runs, start it again with
/// the command line `up` recorded (same ports, same data; its old log kept as `<log>.prev`),
/// wait until it serves, record its new pid. The chain is untouched.
pub(super) async fn restart(ctx: &Ctx, dir: &Path, name: &str) -> Result<()> {
    let mut net = DevnetFile::read(dir)?;
    if !net.anvil.alive() {
        bail!(
            "the devnet's anvil (pid {}) is not running, so its chain is gone: `aos devnet down \
             --dir {d}` then `aos devnet up --dir {d}`",
            net.anvil.pid,
            d = dir.display()
        );
    }
    let names: Vec<String> = (0..net.services.len())
        .map(|i| service_name(&net, i))
        .collect();
    let Some(i) = names.iter().position(|n| n == name) else {
        bail!(
            "the devnet in {} has no service {name:?}; its services: {}",
            dir.display(),
            if names.is_empty() {
                "none (it was started with --no-services)".to_owned()
            } else {
                names.join(", ")
            }
        );
    };
    let old = net.services[i].clone();
    let Some(launch) = old.launch.clone() else {
        bail!(
            "devnet.json records no command line for {name} (written by an older aos): `aos \
             devnet down --dir {d}` then `aos devnet up --dir {d}`",
            d = dir.display()
        );
    };
    let was_running = crate::procs::stop(&old);
    if was_running {
        ctx.out.note(format!("stopped {name} (pid {})", old.pid));
    }
    if old.log.is_file() {
        let prev = old.log.with_extension("log.prev");
        let _ = std::fs::rename(&old.log, &prev);
    }
    let pb = ctx.out.spinner(format!("starting {name}"));
    let mut guard = StopOnDrop::default();
    let p = start_service(
        &old.name,
        name,
        old.marker.clone(),
        launch,
        &old.log,
        &mut guard,
    )
    .await?;
    pb.finish_and_clear();
    net.services[i] = p.clone();
    net.write(dir)?;
    guard.disarm();
    ctx.out.emit(
        &serde_json::json!({
            "service": name, "pid": p.pid, "was_running": was_running, "log": p.log,
        }),
        || {
            format!(
                "✓ {name} restarted (pid {}, log {})",
                p.pid,
                p.log.display()
            )
        },
    );
    Ok(())
}
