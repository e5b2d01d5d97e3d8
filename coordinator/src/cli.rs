//! `aos-coordinator` command line.

use std::{io::Write, path::PathBuf, sync::Arc};

use anyhow::{Context, bail};
use aos_llm::{LocalClient, ModelOptions};
use aos_protocol::{AgentKey, KeyFile};
use clap::{Args, Parser, Subcommand};

use crate::{
    AskOptions, Coordinator, LlmRegistry, PlannerOptions, Progress, Router, Services,
    delegation::DelegationOptions,
};

/// sha256 of the Qwen2.5-Coder-0.5B-Instruct GGUF assembled by `script/fetch-model.sh --qwen`.
pub const QWEN_SHA256: &str = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32";

const EXAMPLES: &str = "Examples:
  aos-coordinator ask \"Summarise this incident report and list the three most urgent follow-ups\" --file report.txt
  aos-coordinator ask \"Compare these two offers\" --file offers.txt --private
  OPENAI_API_KEY=sk-… ANTHROPIC_API_KEY=… aos-coordinator ask \"…\" --redundancy 2 --budget 0.50
  aos-coordinator ask \"…\" --json | jq .answer
  aos-coordinator ask \"…\" --qwen --threads 2
  aos-coordinator ask \"…\" --rpc http://127.0.0.1:8545 --deployments .devnet/deployments.json \\
      --private-key $KEY --indexer http://127.0.0.1:8080 --bootstrap /ip4/127.0.0.1/tcp/4001/p2p/12D3…";

/// The AOS coordinator: plans a request with the local model, routes each step to the best
/// model or worker (white paper §4.2), delegates with signed messages (§4.3) and aggregates
/// the answers by karma (§4.4).
#[derive(Debug, Parser)]
#[command(name = "aos-coordinator", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    log: aos_args::LogArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Plan, route, delegate and aggregate one request.
    #[command(after_help = EXAMPLES)]
    Ask(AskArgs),
}

/// Options of `ask`.
#[derive(Debug, Args)]
struct AskArgs {
    /// The request.
    request: String,
    /// A text file appended to the request (e.g. the report to summarise).
    #[arg(long)]
    file: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
    /// LLM registry file (white paper §4.1 format); default: the paper's table.
    #[arg(long, env = "AOS_REGISTRY")]
    registry: Option<PathBuf>,
    /// Total budget for the request, USD.
    #[arg(long, default_value_t = 0.10)]
    budget: f64,
    /// Keep every step on the local model.
    #[arg(long, conflicts_with = "public")]
    private: bool,
    /// The request holds nothing private: ignore the planner's privacy flags (prompts are
    /// still stripped of PII on delegation). Without it, a step the planner flags private
    /// stays local only when the PII detector finds personal data in the request; the plan
    /// says why for each step.
    #[arg(long)]
    public: bool,
    /// Execute this plan (aos-protocol `Plan` JSON, schema protocol/schemas/plan.json)
    /// instead of planning with the model; its steps may carry acceptance criteria
    /// (`examples/incident-plan.json`). The plan's `request` is replaced by this request.
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// What to do with each mesh result's verdict: `auto` (accept on pass, reject with
    /// the verdict as evidence on fail and post the step again), `ask` (leave it for
    /// `aos task review`), `accept-all` (pay whatever the verdict says).
    #[arg(long, default_value = "auto", value_name = "POLICY")]
    review: aos_verify::ReviewPolicy,
    /// Services per step whose answers are aggregated (1 or 2).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    redundancy: u8,
    /// Send prompts to services unredacted (default: strip e-mails, phones, cards, names).
    #[arg(long)]
    no_strip_pii: bool,
    /// Let services log prompts.
    #[arg(long)]
    allow_logging: bool,
    /// The agent key signing delegations and attestations (`--agent-key`, passphrase in
    /// `AOS_AGENT_PASSPHRASE`); without it an ephemeral key signs this run's messages.
    #[command(flatten)]
    agent: aos_args::AgentKeyArgs,
    /// Cloud request timeout, seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Machine-readable output (the whole report as JSON on stdout).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    mesh: MarketArgs,
}

/// Delegation to mesh workers (on-chain sub-tasks). All of `--rpc`, `--deployments` and a
/// key (`--private-key`, or `--keystore` with `--password-file` / `AOS_PASSWORD`) enable it;
/// `--indexer` adds the workers it ranks for `--mesh-domain` to the registry. The chain,
/// wallet, indexer and mesh settings are the shared groups of `aos-args`.
#[derive(Debug, Args)]
struct MarketArgs {
    #[command(flatten)]
    chain: aos_args::RpcArgs,
    #[command(flatten)]
    wallet: aos_args::WalletArgs,
    #[command(flatten)]
    indexer: aos_args::IndexerArgs,
    #[command(flatten)]
    mesh: aos_args::MeshArgs,
    /// Karma domain of mesh sub-tasks.
    #[arg(long, default_value = "summarisation")]
    mesh_domain: String,
    /// Payment per mesh sub-task, wei.
    #[arg(long, default_value_t = 10_000_000_000_000_000)]
    mesh_payment_wei: u128,
    /// Most this run escrows on chain in total, wei (the budget in the chain's asset:
    /// `--budget` is USD and prices mesh steps at $0). Default: 10 sub-tasks' payments.
    #[arg(long)]
    max_escrow_wei: Option<u128>,
    /// The task this coordinator works on (sub-tasks hang below it).
    #[arg(long)]
    parent_task: Option<alloy::primitives::B256>,
    /// Send every public step to the market (on-chain sub-tasks) instead of the local model
    /// or a cloud API; private steps stay local.
    #[arg(long)]
    prefer_mesh: bool,
    /// Where the coordinator keeps its state: the mesh node's blobs and the announcement
    /// nonce (`announce.nonce`, which must survive restarts).
    #[arg(
        long,
        env = "AOS_DATA_DIR",
        default_value = ".aos-coordinator",
        value_name = "DIR"
    )]
    data_dir: PathBuf,
}

/// The local model.
#[derive(Debug, Args)]
struct ModelArgs {
    /// Any GGUF model (default: the SmolLM2 preset from script/fetch-model.sh).
    #[arg(long, env = "AOS_MODEL", conflicts_with = "qwen")]
    model: Option<PathBuf>,
    /// The Qwen2.5-Coder-0.5B preset (script/fetch-model.sh --qwen), verified by sha256.
    #[arg(long)]
    qwen: bool,
    /// CPU threads for llama.cpp (explicit: its default of 4 is slow on 2 cores).
    #[arg(long, default_value_t = 1)]
    threads: u16,
}

fn models_dir() -> PathBuf {
    std::env::var_os("AOS_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".models")
}

fn sha256_file(path: &std::path::Path) -> anyhow::Result<String> {
    use sha2::Digest;
    let mut f = std::fs::File::open(path).with_context(|| format!("open {}", path.display()))?;
    let mut h = sha2::Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

fn load_model(m: &ModelArgs) -> anyhow::Result<LocalClient> {
    let path = match (&m.model, m.qwen) {
        (Some(p), _) => p.clone(),
        (None, true) => {
            let p = models_dir().join("qwen2.5-coder-0.5b-instruct.gguf");
            if !p.is_file() {
                bail!(
                    "{} is missing: run script/fetch-model.sh --qwen",
                    p.display()
                );
            }
            let got = sha256_file(&p)?;
            if got != QWEN_SHA256 {
                bail!(
                    "{} has sha256 {got}, expected {QWEN_SHA256}: refetch it",
                    p.display()
                );
            }
            p
        }
        (None, false) => models_dir().join("SmolLM2-135M-Instruct.Q4_1.gguf"),
    };
    if !path.is_file() {
        bail!(
            "model {} not found: run script/fetch-model.sh (or pass --model PATH)",
            path.display()
        );
    }
    LocalClient::spawn(
        &path,
        ModelOptions {
            threads: m.threads,
            n_ctx: 4096,
        },
    )
    .with_context(|| format!("loading {}", path.display()))
}

fn load_key(path: &Option<PathBuf>) -> anyhow::Result<AgentKey> {
    match path {
        None => Ok(AgentKey::generate()),
        Some(p) => {
            let pass = std::env::var("AOS_AGENT_PASSPHRASE")
                .context("AOS_AGENT_PASSPHRASE must hold the agent key file's passphrase")?;
            let kf =
                KeyFile::read(p).with_context(|| format!("reading key file {}", p.display()))?;
            Ok(kf
                .decrypt(pass.as_bytes())
                .with_context(|| format!("decrypting {}", p.display()))?)
        }
    }
}

/// Run the command line.
///
/// # Errors
/// Any failure, with context for the user.
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    cli.log.init("warn");
    match cli.command {
        Command::Ask(a) => ask(a).await,
    }
}

async fn mesh_delegate(
    m: &MarketArgs,
    key: &AgentKey,
    review: aos_verify::ReviewPolicy,
    evaluator: Arc<aos_verify::Evaluator>,
) -> anyhow::Result<Option<Arc<crate::MarketDelegate>>> {
    let (Some(rpc), Some(deployments)) = (&m.chain.rpc, &m.chain.deployments) else {
        return Ok(None);
    };
    let w = &m.wallet;
    let signer: alloy::signers::local::PrivateKeySigner = match (&w.private_key, &w.keystore) {
        (Some(k), _) => k
            .trim()
            .parse()
            .context("--private-key is not a hex secp256k1 key")?,
        (None, Some(ks)) => {
            let Some(pass) = w.password()? else {
                bail!("--keystore needs its password: --password-file FILE or AOS_PASSWORD")
            };
            aos_chain::load_keystore(ks, &pass)?
        }
        (None, None) => bail!("mesh delegation needs a key: --private-key or --keystore"),
    };
    let account = signer.address();
    let deployments = aos_chain::Deployments::load(deployments)?;
    let chain_id = deployments.chain_id;
    let contracts =
        aos_chain::AosContracts::new(aos_chain::provider_for(rpc, signer)?, deployments);
    let mesh_cfg = aos_mesh::MeshConfig::new(chain_id, m.data_dir.join("blobs"))
        .with_addresses(
            m.mesh.listen.as_deref().unwrap_or_default(),
            m.mesh.bootstrap.as_deref().unwrap_or_default(),
        )
        .context("bad mesh settings (--listen / --bootstrap)")?;
    let (mesh, _) = aos_mesh::spawn(key, mesh_cfg)
        .await
        .context("starting the mesh node")?;
    let settings = crate::MarketSettings {
        payment_wei: m.mesh_payment_wei,
        max_escrow_wei: m
            .max_escrow_wei
            .unwrap_or(m.mesh_payment_wei.saturating_mul(10)),
        parent_task_id: m.parent_task,
        review,
        ..crate::MarketSettings::default()
    };
    let nonce = crate::NonceFile::open(m.data_dir.join("announce.nonce"))?;
    Ok(Some(Arc::new(crate::MarketDelegate::new(
        contracts,
        account,
        mesh,
        key.clone(),
        settings,
        nonce,
        evaluator,
    ))))
}

async fn ask(a: AskArgs) -> anyhow::Result<()> {
    let mut request = a.request.clone();
    if let Some(f) = &a.file {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        request = format!("{request}\n\n---\n{text}");
    }
    let mut registry = match &a.registry {
        Some(p) => LlmRegistry::load(p)?,
        None => LlmRegistry::default_registry(),
    };
    let model = load_model(&a.model)?;
    let key = load_key(&a.agent.agent_key)?;
    let plan = match &a.plan {
        None => None,
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            let mut plan =
                <aos_protocol::messages::Plan as aos_protocol::Message>::from_json(&bytes)
                    .with_context(|| {
                        format!("{} is not a plan (protocol/schemas/plan.json)", p.display())
                    })?;
            plan.request = request.clone();
            for st in &plan.steps {
                if let Some(acc) = &st.acceptance {
                    aos_verify::check_acceptance(acc)
                        .with_context(|| format!("{}: step {}", p.display(), st.id))?;
                }
            }
            Some(plan)
        }
    };
    // one evaluator for every answer: mesh results, local and cloud answers, the synthesis;
    // the local model judges rubrics
    let judge = aos_verify::LlmJudge::local(model.clone()).context("the local model as judge")?;
    let evaluator =
        Arc::new(aos_verify::Evaluator::new(Some(key.clone())).with_judge(Box::new(judge)));
    let mesh = mesh_delegate(&a.mesh, &key, a.review, evaluator.clone()).await?;
    if let Some(url) = &a.mesh.indexer.indexer {
        if mesh.is_none() {
            bail!(
                "--indexer adds mesh workers, which need --rpc, --deployments and a key (--private-key or --keystore)"
            );
        }
        for (agent, score) in crate::workers_from_indexer(url, &a.mesh.mesh_domain).await? {
            registry.add_mesh_worker(&agent, &a.mesh.mesh_domain, score, 0.0);
        }
    }
    if mesh.is_some() && !registry.services.keys().any(|k| k.starts_with("mesh:")) {
        // No ranked worker (no --indexer, or nobody with karma yet): the task is open to
        // every worker on the market anyway.
        registry.add_mesh_worker("any", &a.mesh.mesh_domain, 0.0, 0.0);
    }
    let mut services = Services::new(
        &registry,
        model.clone(),
        |env| std::env::var(env).ok().filter(|k| !k.is_empty()),
        a.timeout,
        512,
    );
    let mesh_on = mesh.is_some();
    if let Some(m) = mesh {
        services = services.with_mesh(m);
    }
    let mut router = Router::new(registry);
    if a.mesh.prefer_mesh {
        if !mesh_on {
            bail!("--prefer-mesh needs mesh delegation: --rpc, --deployments and a key");
        }
        router = router.prefer(crate::registry::ServiceKind::Mesh);
    }
    let coordinator = Coordinator::new(key, model, router, services, evaluator);
    let opts = AskOptions {
        planner: PlannerOptions {
            budget_usd: a.budget,
            private: a.private,
            public: a.public,
            confirm_privacy: true,
            ..PlannerOptions::default()
        },
        redundancy: a.redundancy as usize,
        delegation: DelegationOptions {
            strip_pii: !a.no_strip_pii,
            allow_logging: a.allow_logging,
            timeout_ms: a.timeout * 1000,
            ..DelegationOptions::default()
        },
        ..AskOptions::default()
    };
    let human = !a.json;
    let mut err = std::io::stderr();
    let on_progress = |p: Progress<'_>| {
        if !human {
            return;
        }
        let _ = match p {
            Progress::Planned(plan) => {
                let mut s = String::from("plan:\n");
                if let Some(why) = &plan.fallback {
                    s += &format!(
                        "  (the model's plan was unusable — {why}; using a one-step plan)\n"
                    );
                }
                for st in &plan.plan.steps {
                    s += &format!(
                        "  {} [{}]{} ~{} tokens, budget ${:.4}: {}\n",
                        st.id,
                        st.step_type,
                        if st.privacy_required { " private" } else { "" },
                        st.estimated_tokens,
                        st.budget,
                        st.description
                    );
                    if let Some(why) = plan.privacy.get(&st.id)
                        && st.privacy_required
                    {
                        s += &format!("     stays local — {why}\n");
                    }
                }
                write!(err, "{s}")
            }
            Progress::Routed(r) => writeln!(
                err,
                "route {} → {} ({:?}): {}",
                r.step_id, r.service, r.kind, r.reason
            ),
            Progress::Answered(step, svc, ms) => {
                writeln!(err, "  {step}: {svc} answered in {ms} ms")
            }
            Progress::Failed(step, svc, e) => writeln!(err, "  {step}: {svc} failed: {e}"),
            Progress::Unroutable(e) => writeln!(err, "  {e}"),
            Progress::Verdict(step, svc, v) => {
                let mut s = format!(
                    "  {step}: verdict on {svc}'s answer: {} (score {} bps)\n",
                    if v.pass { "pass" } else { "FAIL" },
                    v.score_bps
                );
                for c in &v.checks {
                    s += &format!(
                        "     {} {}: {}\n",
                        if c.pass { "✓" } else { "✗" },
                        c.kind,
                        c.reason
                    );
                }
                write!(err, "{s}")
            }
            Progress::Rejected(step, r) => writeln!(
                err,
                "  {step}: task {:#x} by {:#x} rejected with verdict {:#x} as evidence (dispute {})",
                r.task_id, r.worker, r.verdict_blob, r.dispute_id
            ),
        };
    };
    let report = match plan {
        Some(plan) => {
            let outcome = crate::PlanOutcome {
                plan,
                fallback: None,
                merged_duplicates: 0,
                raw: String::new(),
                tokens_per_second: 0.0,
                privacy: Default::default(),
            };
            coordinator
                .execute(&request, outcome, &opts, on_progress)
                .await
        }
        None => coordinator.ask(&request, &opts, on_progress).await?,
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("\n{}\n", report.answer);
        if let Some(why) = report
            .synthesis
            .as_ref()
            .and_then(|s| s.rejected_because.as_ref())
        {
            println!("(the synthesis was not used: {why}; above are the accepted step results)\n");
        }
        println!("confidence: {:.2} (from the verdicts)", report.confidence);
        if !report.needs_human_review.is_empty() {
            println!(
                "needs human review: {}",
                report.needs_human_review.join(", ")
            );
        }
        let n: usize = report.steps.iter().map(|s| s.attestations.len()).sum();
        println!("signed karma attestations: {n}");
    }
    Ok(())
}
