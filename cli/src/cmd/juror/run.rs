//! `aos juror run`: the juror agent ([`crate::jury`]) for the signing account, until
//! ctrl-c or SIGTERM.

use std::{net::SocketAddr, time::Duration};

use clap::Args;
use eyre::{Result, WrapErr};
use tokio::sync::watch;

use crate::{
    ctx::Ctx,
    jury::{
        self,
        agent::{AppealPolicy, JurorAgent, Policy, VotePolicy},
        metrics::Metrics,
    },
    review::EvalArgs,
    units::{Amount, parse_duration},
};

/// The shortest `--poll-interval`.
const MIN_POLL: Duration = Duration::from_millis(100);

/// `juror run` examples.
pub(crate) const EXAMPLES: &str = "\
Examples:
  aos juror run                                   # judge every seat with the evaluator
  aos juror run --metrics-listen 127.0.0.1:9464   # and serve Prometheus metrics
  aos juror run --policy person                   # a person decides: `aos juror queue`
  aos juror run --appeal when-outvoted --max-appeal 0.01eth";

/// `juror run` arguments.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// How each seat's choice is made: the evaluator's verdict (`evaluator`), a person after
    /// seeing it (`person`: `aos juror queue`), or always for the worker (`always-worker`: a
    /// colluding juror, for tests and simulations).
    #[arg(long, value_enum, default_value_t = VotePolicy::Evaluator)]
    policy: VotePolicy,
    /// When to fund an appeal: never, or when the round ruled against this juror's vote.
    #[arg(long, value_enum, default_value_t = AppealPolicy::Never)]
    appeal: AppealPolicy,
    /// Most one appeal may cost (wei units: 0.01eth, 10000000gwei).
    #[arg(long, default_value = "0.05eth")]
    max_appeal: Amount,
    /// Time between two passes over the chain.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    poll_interval: Duration,
    /// Serve Prometheus metrics at http://ADDR/metrics.
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
    /// Do not draw open rounds or advance expired periods (somebody else does).
    #[arg(long)]
    no_keeper: bool,
    /// Leave rewards in the court instead of withdrawing them as they are credited.
    #[arg(long)]
    no_withdraw: bool,
    #[command(flatten)]
    eval: EvalArgs,
}

/// Run the agent until ctrl-c / SIGTERM.
pub(super) async fn run(ctx: &Ctx, a: RunArgs) -> Result<()> {
    if a.poll_interval < MIN_POLL {
        eyre::bail!(
            "--poll-interval {:?} is below {:?}: the agent would flood the RPC (the court's \
             periods are minutes; 1s is plenty)",
            a.poll_interval,
            MIN_POLL
        );
    }
    let (c, me) = ctx.writer().await?;
    let store = jury::open_store(ctx, me).await?;
    let metrics = Metrics::new()?;
    if let Some(addr) = a.metrics_listen {
        let bound = metrics.clone().serve(addr).await?;
        tracing::info!(%bound, "metrics at http://{bound}/metrics");
    }
    let indexer = ctx
        .s
        .indexer
        .as_ref()
        .map(aos_indexer_api::IndexerClient::new);
    let policy = Policy {
        vote: a.policy,
        appeal: a.appeal,
        max_appeal_wei: a.max_appeal.0,
        keeper: !a.no_keeper,
        withdraw: !a.no_withdraw,
    };
    let (stop, shutdown) = watch::channel(false);
    tokio::spawn(async move {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(%e, "cannot watch SIGTERM; ctrl-c still stops");
                    let _ = tokio::signal::ctrl_c().await;
                    let _ = stop.send(true);
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        let _ = stop.send(true);
    });
    ctx.out.note(format!(
        "juror agent for {me} (store {})",
        jury::store_path(ctx, me)?.display()
    ));
    let mut agent = JurorAgent::new(
        ctx,
        c,
        me,
        store,
        policy,
        a.eval,
        metrics,
        indexer,
        a.poll_interval,
    );
    agent
        .run(shutdown)
        .await
        .wrap_err("the juror agent stopped")
}
