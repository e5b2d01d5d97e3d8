//! `aos demo`: the main job, end to end, on a fresh devnet — what AOS is for.
//!
//! 1. `aos devnet up`: anvil, the contracts, the indexer (SQLite), a blob gateway, N workers
//!    running the local model, J staked jurors whose karma came from real tasks;
//! 2. a real request (a text file in the repo) goes to the coordinator (`aos ask`): planned
//!    with the local model, every public step posted on chain as an escrowed task;
//! 3. workers hear of them over the mesh, claim with stakes, run the model, submit result
//!    hashes; the result blobs travel over the mesh; the coordinator accepts; workers
//!    withdraw;
//! 4. a task posted by plain `cast send` (spec published on the blob gateway) is taken and
//!    paid the same way;
//! 5. one more task is rejected by the requester: a jury is drawn, each juror checks the
//!    evidence (the result blob fetched over the mesh against the hash on chain) and votes
//!    by commit–reveal; the ruling executes; stakes and fees move;
//! 6. the indexer's API is read back (tasks, dispute, karma before and after);
//! 7. a closing summary: answer, balances, karma deltas, gas per step; `devnet down`.
//!
//! Every action runs the `aos` binary itself as its participant would (`aos --keystore
//! juror-7.json juror commit …`), so the demo exercises the same commands a person types.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
};
use aos_chain::{
    AosContracts, TaskStatus, agent_registry::AgentRegistry, dispute_court::DisputeCourt,
    karma_registry::KarmaRegistry, task_market::TaskMarket,
};
use aos_indexer_api::{DisputesQuery, IndexerClient, Task, TasksQuery};
use aos_protocol::{AgentKey, ContentId, Message, messages::ResultBlob};
use clap::Args;
use eyre::{Result, WrapErr, bail, eyre};
use serde::Serialize;
use serde_json::{Value, json};

use super::devnet::{Account, DevnetFile};
use crate::{ctx::Ctx, output::table_with, units::fmt_eth};

/// `demo` arguments.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aos demo                                   # the README's first command runs this
  aos demo --keep                            # leave the devnet up to look around
  aos --json demo --model .models/tiny-random-llama.gguf  # JSON summary, any GGUF model")]
pub(crate) struct DemoArgs {
    /// Folder of the devnet it starts (must not hold a running one).
    #[arg(long, default_value = ".devnet")]
    dir: PathBuf,
    /// The request.
    #[arg(long, default_value = "examples/request.txt", value_name = "FILE")]
    request: PathBuf,
    /// The document the request is about.
    #[arg(
        long,
        default_value = "examples/incident-report.txt",
        value_name = "FILE"
    )]
    file: PathBuf,
    /// GGUF model for the coordinator and the workers (default: SmolLM2 from
    /// script/fetch-model.sh).
    #[arg(long, env = "AOS_MODEL", value_name = "FILE")]
    model: Option<PathBuf>,
    /// Most tokens a worker generates per task.
    #[arg(long, default_value_t = 192)]
    max_tokens: u32,
    /// Leave the devnet running at the end (`aos devnet down` stops it).
    #[arg(long)]
    keep: bool,
    /// How long to wait for a worker's result.
    #[arg(long, default_value = "10m", value_parser = crate::units::parse_duration)]
    wait: Duration,
}

/// One participant's ETH balance.
#[derive(Debug, Serialize)]
struct Balance {
    role: String,
    address: Address,
    before_wei: String,
    after_wei: String,
    delta_wei: String,
}

/// A karma vector entry (indexer `/agents/{address}`).
#[derive(Debug, Serialize, Clone, Default)]
struct KarmaPoint {
    accuracy: f64,
    completion: f64,
    tasks: u64,
}

/// Gas of one step (contract function) in one phase.
#[derive(Debug, Serialize)]
struct GasRow {
    phase: String,
    step: String,
    calls: u64,
    gas: u64,
}

struct Demo<'a> {
    ctx: &'a Ctx,
    dir: PathBuf,
    net: DevnetFile,
    provider: DynProvider,
    reader: AosContracts,
    aos: PathBuf,
    root: PathBuf,
    wait: Duration,
}

fn say(ctx: &Ctx, msg: impl AsRef<str>) {
    ctx.out.note(msg);
}

fn short(id: &str) -> String {
    if id.len() > 12 {
        format!("{}…", &id[..10])
    } else {
        id.to_owned()
    }
}

impl Demo<'_> {
    fn account(&self, role: &str) -> Vec<&Account> {
        self.net
            .accounts
            .iter()
            .filter(|a| a.role == role)
            .collect()
    }

    fn requester(&self) -> Result<&Account> {
        self.account("requester")
            .into_iter()
            .next()
            .ok_or_else(|| eyre!("the devnet has no requester account"))
    }

    /// Run `aos --json <args>` as `who`, stderr shown, stdout parsed.
    fn aos(&self, who: &Account, args: &[&str]) -> Result<Value> {
        let data = self.dir.join(format!("data/{}-{}", who.role, who.index));
        let out = Command::new(&self.aos)
            .arg("--config")
            .arg(&self.net.config)
            .arg("--keystore")
            .arg(&who.keystore)
            .arg("--password-file")
            .arg(&self.net.password_file)
            .arg("--data-dir")
            .arg(&data)
            .arg("--json")
            .args(args)
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .wrap_err("cannot run aos")?;
        if !out.status.success() {
            bail!(
                "`aos {}` as {} {} failed ({})",
                args.join(" "),
                who.role,
                who.address,
                out.status
            );
        }
        serde_json::from_slice(&out.stdout)
            .wrap_err_with(|| format!("`aos {}` printed no JSON", args.join(" ")))
    }

    async fn block(&self) -> Result<u64> {
        Ok(self.provider.get_block_number().await?)
    }

    async fn balances(&self) -> Result<BTreeMap<Address, U256>> {
        let mut m = BTreeMap::new();
        for a in &self.net.accounts {
            if matches!(a.role.as_str(), "requester" | "worker" | "juror") {
                m.insert(a.address, self.provider.get_balance(a.address).await?);
            }
        }
        Ok(m)
    }

    /// The devnet's indexer, through the typed client of its API.
    fn indexer(&self) -> Result<IndexerClient> {
        let base = self
            .net
            .indexer_url
            .as_deref()
            .ok_or_else(|| eyre!("the devnet runs no indexer"))?;
        Ok(IndexerClient::new(base))
    }

    /// Wait until the indexer has mirrored the chain's current head.
    async fn indexer_caught_up(&self) -> Result<()> {
        let head = self.block().await?;
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let h = self.indexer()?.health().await?;
            if h.last_block.is_some_and(|b| b >= head) {
                return Ok(());
            }
            if Instant::now() > until {
                bail!("the indexer did not reach block {head} within 60 s: {h:?}");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Karma per (agent, domain) from the indexer.
    async fn karma(&self) -> Result<BTreeMap<(Address, String), KarmaPoint>> {
        self.indexer_caught_up().await?;
        let mut m = BTreeMap::new();
        for a in &self.net.accounts {
            if !matches!(a.role.as_str(), "worker" | "juror") {
                continue;
            }
            let v = self.indexer()?.agent(a.address, None).await?;
            for k in v.karma {
                m.insert(
                    (a.address, k.domain_name),
                    KarmaPoint {
                        accuracy: k.accuracy_decayed,
                        completion: k.completion_decayed,
                        tasks: k.tasks,
                    },
                );
            }
        }
        Ok(m)
    }

    async fn wait_status(&self, id: B256, want: &[TaskStatus], what: &str) -> Result<TaskStatus> {
        let until = Instant::now() + self.wait;
        let pb = self.ctx.out.spinner(what.to_owned());
        loop {
            let s = self.reader.task_status(id).await?;
            if want.contains(&s) {
                pb.finish_and_clear();
                return Ok(s);
            }
            if s.is_final() || Instant::now() > until {
                pb.finish_and_clear();
                bail!(
                    "task {id:#x} is {s:?}, waited for {want:?} ({what}); the workers' logs are in {}",
                    self.dir.join("logs").display()
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Gas per (contract.function) of every transaction in blocks `from..=to`.
    async fn gas(&self, phase: &str, from: u64, to: u64) -> Result<Vec<GasRow>> {
        let d = &self.net.deployments;
        let mut rows: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for n in from..=to {
            let Some(b) = self
                .provider
                .get_block_by_number(BlockNumberOrTag::Number(n))
                .full()
                .await?
            else {
                continue;
            };
            let receipts = self
                .provider
                .get_block_receipts(n.into())
                .await?
                .unwrap_or_default();
            for tx in b.transactions.txns() {
                use alloy::consensus::Transaction as _;
                let to = tx.inner.to();
                let input = tx.inner.input();
                let sel: Option<[u8; 4]> = input.get(..4).and_then(|s| s.try_into().ok());
                let name = match (to, sel) {
                    (Some(t), Some(s)) if t == d.task_market => format!(
                        "TaskMarket.{}",
                        TaskMarket::TaskMarketCalls::name_by_selector(s).unwrap_or("?")
                    ),
                    (Some(t), Some(s)) if t == d.dispute_court => format!(
                        "DisputeCourt.{}",
                        DisputeCourt::DisputeCourtCalls::name_by_selector(s).unwrap_or("?")
                    ),
                    (Some(t), Some(s)) if t == d.agent_registry => format!(
                        "AgentRegistry.{}",
                        AgentRegistry::AgentRegistryCalls::name_by_selector(s).unwrap_or("?")
                    ),
                    (Some(t), Some(s)) if t == d.karma_registry => format!(
                        "KarmaRegistry.{}",
                        KarmaRegistry::KarmaRegistryCalls::name_by_selector(s).unwrap_or("?")
                    ),
                    (None, _) => "contract creation".into(),
                    _ => "other".into(),
                };
                let gas = receipts
                    .iter()
                    .find(|r| r.transaction_hash == *tx.inner.tx_hash())
                    .map(|r| r.gas_used)
                    .unwrap_or_default();
                let e = rows.entry(name).or_default();
                e.0 += 1;
                e.1 += gas;
            }
        }
        Ok(rows
            .into_iter()
            .map(|(step, (calls, gas))| GasRow {
                phase: phase.to_owned(),
                step,
                calls,
                gas,
            })
            .collect())
    }

    /// A white-paper §6.2 task spec for a summarisation step, published on the blob
    /// gateway; returns its file.
    fn spec_file(&self, name: &str, prompt: &str) -> Result<PathBuf> {
        use aos_protocol::messages::{Message as _, TaskSpec};
        let spec = TaskSpec::prompt(
            format!("demo-{name}"),
            self.net.juror_domain.clone(),
            AgentKey::generate().agent_id(),
            prompt,
            1_800_000,
            0.01,
        );
        let bytes = spec.to_json().map_err(|e| eyre!("spec: {e}"))?;
        let path = self.dir.join(format!("specs/{name}.json"));
        std::fs::create_dir_all(path.parent().unwrap_or(&self.dir))?;
        std::fs::write(&path, bytes)?;
        Ok(path)
    }

    /// The juror's check of a disputed task: the result blob, fetched over the mesh, must
    /// hash to the `resultHash` on chain and hold a non-empty answer. Returns (choice, why):
    /// 2 (worker wins) when it does, 1 (requester wins) otherwise.
    async fn review(&self, result_hash: B256) -> (u8, String) {
        match self.fetch_blob(ContentId(result_hash.0)).await {
            Ok(b) => match ResultBlob::from_json(&b) {
                Ok(v) if !v.output.trim().is_empty() => (
                    2,
                    format!(
                        "result blob {} ({} bytes) matches the hash on chain and answers: \"{}…\"",
                        short(&format!("{result_hash:#x}")),
                        b.len(),
                        v.output
                            .chars()
                            .take(60)
                            .collect::<String>()
                            .replace('\n', " ")
                    ),
                ),
                _ => (1, "the result blob holds no answer".into()),
            },
            Err(e) => (1, format!("the result blob is unavailable: {e}")),
        }
    }

    async fn fetch_blob(&self, id: ContentId) -> Result<Vec<u8>> {
        let key = AgentKey::generate();
        let tmp = tempfile::tempdir()?;
        let boot = self
            .net
            .bootstrap
            .iter()
            .map(|b| b.parse().map_err(|e| eyre!("bootstrap {b}: {e}")))
            .collect::<Result<Vec<_>>>()?;
        let cfg = aos_mesh::MeshConfig::new(self.net.chain_id, tmp.path().join("blobs"))
            .with_bootstrap(boot);
        let (mesh, _task) = aos_mesh::spawn(&key, cfg).await.map_err(|e| eyre!("{e}"))?;
        let r = tokio::time::timeout(Duration::from_secs(45), mesh.get_blob(id)).await;
        mesh.shutdown().await;
        let b = r
            .map_err(|_| eyre!("no peer served blob {id} within 45 s"))?
            .map_err(|e| eyre!("{e}"))?;
        id.verify(&b)
            .map_err(|_| eyre!("blob {id} does not hash to its id"))?;
        Ok(b)
    }
}

/// Run the main job.
pub(crate) async fn run(ctx: &Ctx, a: DemoArgs) -> Result<()> {
    let started = Instant::now();
    let root = super::devnet::find_root(None)?;
    let request = std::fs::read_to_string(root.join(&a.request))
        .or_else(|_| std::fs::read_to_string(&a.request))
        .wrap_err_with(|| format!("cannot read the request file {}", a.request.display()))?;
    let file = if a.file.is_file() {
        a.file.clone()
    } else {
        root.join(&a.file)
    };
    if !file.is_file() {
        bail!("the document {} does not exist", a.file.display());
    }
    let dir = std::path::absolute(&a.dir)?;
    let aos = std::env::current_exe().wrap_err("cannot find the aos binary")?;

    // 1. devnet up
    say(
        ctx,
        "== 1. devnet up: anvil, contracts, indexer, blob gateway, workers, jurors",
    );
    let mut up = Command::new(&aos);
    up.args(["devnet", "up", "--port", "0", "--dir"])
        .arg(&dir)
        .arg("--max-tokens")
        .arg(a.max_tokens.to_string())
        .arg("--root")
        .arg(&root)
        .current_dir(&root)
        .stdout(Stdio::null());
    if let Some(m) = &a.model {
        up.arg("--model").arg(std::path::absolute(m)?);
    }
    if !up.status().wrap_err("cannot run aos devnet up")?.success() {
        bail!("`aos devnet up` failed (its messages are above)");
    }
    let net: DevnetFile = serde_json::from_slice(&std::fs::read(dir.join("devnet.json"))?)?;
    let provider = ProviderBuilder::new()
        .connect_http(net.rpc_url.parse()?)
        .erased();
    let reader = AosContracts::new(provider.clone(), net.deployments.clone());
    let demo = Demo {
        ctx,
        dir: dir.clone(),
        net,
        provider,
        reader,
        aos: aos.clone(),
        root: root.clone(),
        wait: a.wait,
    };
    let outcome = main_job(&demo, &request, &file, started).await;
    if !a.keep {
        let st = Command::new(&aos)
            .args(["devnet", "down", "--dir"])
            .arg(&dir)
            .stdout(Stdio::null())
            .status();
        if !st.is_ok_and(|s| s.success()) {
            eprintln!("warning: `aos devnet down --dir {}` failed", dir.display());
        }
    } else {
        say(
            ctx,
            format!(
                "devnet left running: `aos devnet down --dir {}` stops it",
                dir.display()
            ),
        );
    }
    outcome
}

async fn main_job(demo: &Demo<'_>, request: &str, file: &Path, started: Instant) -> Result<()> {
    let ctx = demo.ctx;
    let req = demo.requester()?.clone();
    let workers: Vec<Account> = demo.account("worker").into_iter().cloned().collect();
    let jurors: Vec<Account> = demo.account("juror").into_iter().cloned().collect();
    let role_of = |addr: Address| {
        demo.net
            .accounts
            .iter()
            .find(|x| x.address == addr)
            .map(|x| format!("{}-{}", x.role, x.index))
            .unwrap_or_else(|| "?".into())
    };
    let mut gas = demo.gas("1 devnet up", 0, demo.block().await?).await?;
    let bal0 = demo.balances().await?;
    let karma0 = demo.karma().await?;

    // 2–3. the request through the coordinator and the market
    say(
        ctx,
        format!(
            "== 2. request → coordinator (plans with the local model, posts each step on chain)\n   \"{}\" + {}",
            request.trim(),
            file.display()
        ),
    );
    let b0 = demo.block().await? + 1;
    let mut s = ctx.s.clone();
    s.rpc = demo.net.rpc_url.clone();
    s.deployments = demo.net.deployments_path.clone();
    s.keystore = Some(req.keystore.clone());
    s.password_file = Some(demo.net.password_file.clone());
    s.private_key = None;
    s.indexer = demo.net.indexer_url.clone();
    s.bootstrap = demo.net.bootstrap.clone();
    s.model = demo.net.model.clone();
    s.data_dir = demo.dir.join("data/coordinator");
    let cctx = Ctx {
        s,
        out: crate::output::Output {
            json: true,
            ..ctx.out
        },
    };
    let ask = super::ask::AskArgs::for_demo(request.trim(), file, &demo.net.juror_domain);
    let mut cmd = super::ask::coordinator_command(&cctx, &ask)?;
    let pb = ctx.out.spinner(
        "coordinator: planning, posting sub-tasks; workers: claiming, running the model, submitting",
    );
    let out = tokio::task::spawn_blocking(move || {
        cmd.stdin(Stdio::null()).stderr(Stdio::inherit()).output()
    })
    .await?
    .wrap_err("cannot run aos-coordinator")?;
    pb.finish_and_clear();
    if !out.status.success() {
        bail!(
            "aos-coordinator ask failed ({}); the workers' logs are in {}",
            out.status,
            demo.dir.join("logs").display()
        );
    }
    let report: Value =
        serde_json::from_slice(&out.stdout).wrap_err("the coordinator's report is not JSON")?;
    let answer = report["answer"].as_str().unwrap_or_default().to_owned();
    for st in report["steps"].as_array().into_iter().flatten() {
        let route = &st["routes"][0];
        say(
            ctx,
            format!(
                "   step {} [{}] → {} ({})",
                st["step"]["id"].as_str().unwrap_or("?"),
                st["step"]["type"]
                    .as_str()
                    .or(st["step"]["step_type"].as_str())
                    .unwrap_or("?"),
                route["service"].as_str().unwrap_or("?"),
                route["reason"].as_str().unwrap_or("")
            ),
        );
    }
    demo.indexer_caught_up().await?;
    let sub_tasks: Vec<Task> = demo
        .indexer()?
        .tasks(&TasksQuery {
            requester: Some(req.address.to_string()),
            limit: Some(1000),
            ..TasksQuery::default()
        })
        .await?
        .tasks
        .into_iter()
        .filter(|t| t.posted_block >= b0)
        .collect();
    if sub_tasks.is_empty() {
        bail!(
            "the coordinator posted no task on chain: every step stayed local (see the routes above)"
        );
    }
    for t in &sub_tasks {
        say(
            ctx,
            format!(
                "   task {} {} by {} (received {}: payment + stake back)",
                short(&format!("{:#x}", t.task_id)),
                t.status,
                t.worker.map(&role_of).unwrap_or_default(),
                fmt_eth(t.worker_amount.unwrap_or_default())
            ),
        );
    }
    say(
        ctx,
        format!(
            "   answer ({} chars, confidence {:.2})",
            answer.len(),
            report["confidence"].as_f64().unwrap_or_default()
        ),
    );
    let b1 = demo.block().await?;
    gas.extend(demo.gas("2 request", b0, b1).await?);

    // 4. a task posted by plain cast
    say(
        ctx,
        "== 3. a task posted by plain `cast send` against the published ABI",
    );
    let b0 = b1 + 1;
    let spec = demo.spec_file(
        "followups",
        &format!(
            "List the three most urgent follow-ups from this incident report.\n\n{}",
            std::fs::read_to_string(file)?
        ),
    )?;
    let put = demo.aos(&req, &["blob", "put", &spec.display().to_string()])?;
    let spec_id = put["id"]
        .as_str()
        .ok_or_else(|| eyre!("aos blob put printed no id"))?
        .to_owned();
    let now = demo.reader.chain_time().await?;
    let fee = demo.reader.fee_bps().await?;
    let tuple = format!(
        "({},0x0000000000000000000000000000000000000000,10000000000000000,1000,{fee},{},{},3600,0,0,0,{},{spec_id},0x{},{})",
        req.address,
        now + 600,
        now + 2400,
        alloy::primitives::FixedBytes::<32>::right_padding_from(demo.net.juror_domain.as_bytes()),
        "0".repeat(64),
        now
    );
    let cast = super::devnet::tool(&demo.root, "cast")?;
    let sig = format!("postTask({})", TASK_PARAMS_TUPLE);
    say(
        ctx,
        format!(
            "   cast send {} '{sig}' '{tuple}' --value 0.01ether --private-key $REQUESTER_KEY --rpc-url {}",
            demo.net.deployments.task_market, demo.net.rpc_url
        ),
    );
    let o = Command::new(&cast)
        .args([
            "send",
            "--json",
            "--rpc-url",
            &demo.net.rpc_url,
            "--private-key",
            &req.private_key,
        ])
        .arg(demo.net.deployments.task_market.to_string())
        .arg(&sig)
        .arg(&tuple)
        .args(["--value", "0.01ether"])
        .stderr(Stdio::inherit())
        .output()
        .wrap_err("cannot run cast")?;
    if !o.status.success() {
        bail!("cast send postTask failed");
    }
    let receipt: Value =
        serde_json::from_slice(&o.stdout).wrap_err("cast printed no JSON receipt")?;
    let cast_task = receipt["logs"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| {
            l["address"].as_str().is_some_and(|x| {
                x.eq_ignore_ascii_case(&demo.net.deployments.task_market.to_string())
            })
        })
        .and_then(|l| l["topics"][1].as_str())
        .ok_or_else(|| eyre!("the cast receipt has no TaskPosted log"))?
        .parse::<B256>()?;
    say(ctx, format!("   ✓ posted task {cast_task:#x}"));
    demo.wait_status(
        cast_task,
        &[TaskStatus::Submitted],
        "waiting for a worker to claim, run and submit the cast-posted task",
    )
    .await?;
    let cast_worker = demo.reader.task_state(cast_task).await?.worker;
    say(
        ctx,
        format!("   ✓ {} claimed and submitted", role_of(cast_worker)),
    );
    demo.aos(&req, &["task", "accept", &format!("{cast_task:#x}")])?;
    say(
        ctx,
        "   ✓ requester accepted: payment and stake to the worker, who withdraws",
    );
    wait_withdrawn(demo, cast_worker).await?;
    let b1 = demo.block().await?;
    gas.extend(demo.gas("3 cast task", b0, b1).await?);

    // 5. a rejected task and its dispute
    say(
        ctx,
        "== 4. a rejected task: jury drawn, commit–reveal, ruling executed",
    );
    let b0 = b1 + 1;
    let spec = demo.spec_file(
        "severity",
        &format!(
            "Rate the severity of this incident (low, medium or high) and justify it in one sentence.\n\n{}",
            std::fs::read_to_string(file)?
        ),
    )?;
    let posted = demo.aos(
        &req,
        &[
            "task",
            "post",
            "--payment",
            "0.01eth",
            "--domain",
            &demo.net.juror_domain,
            "--spec",
            &spec.display().to_string(),
        ],
    )?;
    let tid = posted["task_id"]
        .as_str()
        .ok_or_else(|| eyre!("task post printed no task_id"))?
        .to_owned();
    let id: B256 = tid.parse()?;
    say(ctx, format!("   ✓ requester posted task {}", short(&tid)));
    demo.wait_status(
        id,
        &[TaskStatus::Submitted],
        "waiting for a worker to claim, run and submit",
    )
    .await?;
    let worker = demo.reader.task_state(id).await?.worker;
    demo.indexer_caught_up().await?;
    let t = demo.indexer()?.task(id).await?.task;
    let result_hash: B256 = t
        .result_hash
        .ok_or_else(|| eyre!("the indexer's task {tid} has no resultHash: {t:?}"))?;
    say(
        ctx,
        format!(
            "   ✓ {} submitted result {}",
            role_of(worker),
            short(&format!("{result_hash:#x}"))
        ),
    );
    let r = demo.aos(&req, &["task", "reject", &tid])?;
    let dispute: u64 = r["dispute_id"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| eyre!("task reject printed no dispute_id"))?;
    say(
        ctx,
        format!("   ✓ requester rejected it (arbitration fee paid): dispute {dispute}"),
    );
    let spare = jurors
        .first()
        .ok_or_else(|| eyre!("the devnet has no jurors"))?
        .clone();
    let drawn = demo.aos(&spare, &["dispute", "draw", &dispute.to_string()])?;
    let seated: Vec<Address> = drawn["drawn"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|j| j.as_str()?.parse().ok())
        .collect();
    say(
        ctx,
        format!(
            "   ✓ jury drawn: {}",
            seated
                .iter()
                .map(|j| role_of(*j))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    let mut votes = Vec::new();
    for j in &seated {
        let acct = jurors
            .iter()
            .find(|x| x.address == *j)
            .ok_or_else(|| eyre!("juror {j} is not a devnet account"))?;
        let (choice, why) = demo.review(result_hash).await;
        say(
            ctx,
            format!(
                "   {} reviews the evidence: {why} → votes {choice}",
                role_of(*j)
            ),
        );
        demo.aos(
            acct,
            &[
                "juror",
                "commit",
                &dispute.to_string(),
                "--choice",
                &choice.to_string(),
            ],
        )?;
        votes.push((acct.clone(), choice, why));
    }
    say(ctx, "   ✓ every juror committed");
    for (acct, _, _) in &votes {
        demo.aos(acct, &["juror", "reveal", &dispute.to_string()])?;
    }
    say(ctx, "   ✓ every juror revealed");
    let d = super::dispute::dispute_of(&demo.reader, dispute).await?;
    let now = demo.reader.chain_time().await?;
    let deadline: u64 = d.deadline.to::<u64>();
    demo.aos(
        &spare,
        &[
            "devnet",
            "warp",
            &format!("{}s", deadline.saturating_sub(now) + 1),
        ],
    )?;
    let adv = demo.aos(&spare, &["dispute", "advance", &dispute.to_string()])?;
    let ruling = adv["ruling"].as_u64().unwrap_or_default();
    say(
        ctx,
        format!(
            "   ✓ appeal window over: ruling {ruling} ({})",
            match ruling {
                1 => "requester wins",
                2 => "worker wins",
                _ => "refused",
            }
        ),
    );
    demo.aos(&spare, &["task", "execute-ruling", &tid])?;
    demo.aos(&spare, &["dispute", "settle", &dispute.to_string()])?;
    for (acct, _, _) in &votes {
        demo.aos(acct, &["juror", "withdraw"])?;
    }
    // the parties withdraw what the ruling gave them (payment and stake, or the refund)
    for party in workers
        .iter()
        .filter(|x| x.address == worker)
        .chain(std::iter::once(&req))
    {
        if demo
            .reader
            .market_balance(party.address, Address::ZERO)
            .await?
            > U256::ZERO
        {
            demo.aos(party, &["worker", "withdraw"])?;
        }
    }
    say(
        ctx,
        "   ✓ ruling executed, seats settled; jurors and parties withdrew",
    );
    let final_status = demo.reader.task_status(id).await?;
    let b1 = demo.block().await?;
    gas.extend(demo.gas("4 dispute", b0, b1).await?);

    // 6. the indexer's view
    say(ctx, "== 5. the indexer's API");
    let karma1 = demo.karma().await?;
    let indexer = demo.indexer()?;
    let tasks = indexer
        .tasks(&TasksQuery {
            limit: Some(1000),
            ..TasksQuery::default()
        })
        .await?
        .tasks;
    let disputes = indexer.disputes(&DisputesQuery::default()).await?.disputes;
    let idx_dispute = indexer.dispute(U256::from(dispute)).await?.dispute;
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    for t in &tasks {
        *by_status.entry(t.status.clone()).or_default() += 1;
    }
    say(
        ctx,
        format!(
            "   GET /tasks: {} tasks ({})",
            tasks.len(),
            by_status
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    say(
        ctx,
        format!(
            "   GET /disputes/{dispute}: phase {}, ruling {}",
            idx_dispute.phase,
            idx_dispute.ruling.unwrap_or_default()
        ),
    );

    // 7. summary
    let bal1 = demo.balances().await?;
    let balances: Vec<Balance> = demo
        .net
        .accounts
        .iter()
        .filter(|x| bal0.contains_key(&x.address))
        .map(|x| {
            let b = bal0[&x.address];
            let c = bal1.get(&x.address).copied().unwrap_or_default();
            let delta = if c >= b {
                format!("+{}", c - b)
            } else {
                format!("-{}", b - c)
            };
            Balance {
                role: format!("{}-{}", x.role, x.index),
                address: x.address,
                before_wei: b.to_string(),
                after_wei: c.to_string(),
                delta_wei: delta,
            }
        })
        .collect();
    let mut karma_rows = Vec::new();
    let keys: std::collections::BTreeSet<_> = karma0.keys().chain(karma1.keys()).cloned().collect();
    for k in keys {
        let before = karma0.get(&k).cloned().unwrap_or_default();
        let after = karma1.get(&k).cloned().unwrap_or_default();
        karma_rows.push(json!({
            "agent": k.0, "role": role_of(k.0), "domain": k.1,
            "before": before, "after": after,
        }));
    }
    let summary = json!({
        "answer": answer,
        "plan": report["plan"],
        "steps": report["steps"].as_array().map(|s| s.len()).unwrap_or_default(),
        "sub_tasks": sub_tasks,
        "cast_task": { "task_id": cast_task, "worker": cast_worker, "status": format!("{:?}", demo.reader.task_status(cast_task).await?) },
        "dispute": {
            "dispute_id": dispute, "task_id": tid, "worker": worker, "result_hash": result_hash,
            "votes": votes.iter().map(|(a, c, why)| json!({ "juror": a.address, "choice": c, "why": why })).collect::<Vec<_>>(),
            "ruling": ruling, "task_status": format!("{final_status:?}"), "indexer": idx_dispute,
        },
        "indexer": { "tasks": tasks.len(), "by_status": by_status, "disputes": disputes.len() },
        "balances": balances,
        "karma": karma_rows,
        "gas": gas,
        "seconds": started.elapsed().as_secs(),
        "devnet": demo.dir.join("devnet.json"),
    });
    ctx.out
        .emit(&summary, || human_summary(&summary, &balances, &gas));
    Ok(())
}

/// `ITaskMarket.TaskParams` as a cast tuple type.
pub(crate) const TASK_PARAMS_TUPLE: &str = "(address,address,uint128,uint16,uint16,uint40,uint40,uint32,uint8,uint64,uint64,bytes32,bytes32,bytes32,uint96)";

/// Wait until `worker` has withdrawn what the market owed it (aos-worker's auto_withdraw).
async fn wait_withdrawn(demo: &Demo<'_>, worker: Address) -> Result<()> {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if demo.reader.market_balance(worker, Address::ZERO).await? == U256::ZERO {
            demo.ctx.out.note("   ✓ the worker withdrew its earnings");
            return Ok(());
        }
        if Instant::now() > until {
            bail!("worker {worker} did not withdraw within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn human_summary(s: &Value, balances: &[Balance], gas: &[GasRow]) -> String {
    let mut out = String::from("\n== summary\n\nanswer:\n");
    out += s["answer"].as_str().unwrap_or_default().trim();
    out += "\n\nbalances (ETH, gas included):\n";
    let mut t = table_with(&["participant", "address", "before", "after", "delta"]);
    for b in balances {
        let before: U256 = b.before_wei.parse().unwrap_or_default();
        let after: U256 = b.after_wei.parse().unwrap_or_default();
        let delta = if after >= before {
            format!("+{}", fmt_eth(after - before))
        } else {
            format!("-{}", fmt_eth(before - after))
        };
        t.add_row(vec![
            b.role.clone(),
            b.address.to_string(),
            fmt_eth(before),
            fmt_eth(after),
            delta,
        ]);
    }
    out += &t.to_string();
    out += "\n\nkarma (indexer /agents, decayed; accuracy / completion / tasks):\n";
    let mut t = table_with(&["agent", "domain", "before", "after"]);
    for k in s["karma"].as_array().into_iter().flatten() {
        let f = |v: &Value| {
            format!(
                "{:.3} / {:.3} / {}",
                v["accuracy"].as_f64().unwrap_or_default(),
                v["completion"].as_f64().unwrap_or_default(),
                v["tasks"].as_u64().unwrap_or_default()
            )
        };
        t.add_row(vec![
            k["role"].as_str().unwrap_or("?").to_owned(),
            k["domain"].as_str().unwrap_or("?").to_owned(),
            f(&k["before"]),
            f(&k["after"]),
        ]);
    }
    out += &t.to_string();
    out += "\n\ngas used per step:\n";
    let mut t = table_with(&["phase", "step", "calls", "gas"]);
    for g in gas {
        t.add_row(vec![
            g.phase.clone(),
            g.step.clone(),
            g.calls.to_string(),
            g.gas.to_string(),
        ]);
    }
    out += &t.to_string();
    out += &format!(
        "\n\ndispute {}: ruling {}, task {}; {} tasks in the indexer; {} s in all",
        s["dispute"]["dispute_id"],
        s["dispute"]["ruling"],
        s["dispute"]["task_status"].as_str().unwrap_or("?"),
        s["indexer"]["tasks"],
        s["seconds"]
    );
    out
}
