//! `aos web`: the web app (`web/dist`, issue 17) on one loopback origin together with
//! everything it reads, so a browser wallet needs nothing but this address:
//!
//! | route | what |
//! |---|---|
//! | `GET /` … | the built app (`--dist`, default `$AOS_ROOT/web/dist`), tower-http `ServeDir` |
//! | `GET /config.json` | [`WebConfig`]: chain id, contracts, the routes below |
//! | `GET /api/indexer/<path>` | the indexer API (`--indexer`), proxied; 502 when it is down |
//! | `POST /rpc` | the chain's JSON-RPC (`--rpc`), proxied (reads; the wallet signs) |
//! | `GET /blobs/<0x id>` | a blob, from the blob folder, cache, `--gateway` or the mesh, BLAKE3-verified ([`crate::blobs::fetch`]) |
//! | `PUT /blobs/<0x id>` | publish a blob into the blob folder (`--blob-dir`); the body must hash to the id |
//! | `POST /api/verdicts/<task id>` | evaluate the task's submission with aos-verify ([`crate::review`]) and publish the verdict as a blob: the evidence a rejection carries |
//!
//! Settings come as for every `aos` command (flags, `AOS_*`, the config file: `--rpc`,
//! `--deployments`, `--indexer`, `--blob-dir`); what they leave unset comes from the devnet
//! folder's `devnet.json` (`--dir`, default `.devnet`), so `aos web` next to `aos devnet up`
//! needs no flags. Errors answer with the indexer's error body (`{"error": {"code",
//! "message"}}`, `aos_indexer_api::ErrorBody`).

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use alloy::primitives::B256;
use aos_chain::{AosContracts, Deployments};
use aos_indexer_api::{ErrorBody, ErrorCode};
use aos_protocol::{ContentId, messages::Verdict};
use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Path as UrlPath, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use clap::Args;
use eyre::{Result, WrapErr, bail, eyre};
use serde::Serialize;
use tower_http::{compression::CompressionLayer, services::ServeDir};

use crate::{
    blobs::{self, Sources},
    ctx::Ctx,
    devnet_file::{DevnetFile, abs},
    opts::Settings,
    procs::{Launch, Ready, StopOnDrop, free_port, start_service},
    review::{self, EvalArgs},
};

/// Largest blob accepted by `PUT /blobs/<id>`, bytes (the mesh's limit, as `aos blob put`).
const MAX_BLOB_BYTES: usize = 8 << 20;
/// Largest JSON-RPC request body proxied, bytes.
const MAX_RPC_BYTES: usize = 1 << 20;
/// How long a proxied indexer or RPC request may take.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

const EXAMPLES: &str = "\
Examples:
  # next to `aos devnet up` (reads .devnet/devnet.json and .devnet/config.toml)
  aos web

  # a devnet in another folder, on a chosen port
  aos --config /tmp/d/config.toml web --dir /tmp/d --bind 127.0.0.1:8090

  # any deployment: name every part
  aos --rpc http://127.0.0.1:8545 --deployments deployments/31337.json \\
      --indexer http://127.0.0.1:8080 --blob-dir /srv/blobs web --gateway http://127.0.0.1:9000

Then open the printed address in a browser with a wallet (MetaMask, Brave, Rabby…).";

/// `aos web` arguments.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct WebArgs {
    /// Address to serve on (loopback by default; port 0 picks a free port, printed).
    #[arg(
        long,
        env = "AOS_WEB_BIND",
        default_value = "127.0.0.1:8090",
        value_name = "ADDR"
    )]
    bind: SocketAddr,
    /// The built web app [default: $AOS_ROOT/web/dist, else ./web/dist] (`npm run build` in
    /// web/, or script/setup.sh).
    #[arg(long, env = "AOS_WEB_DIST", value_name = "DIR")]
    dist: Option<PathBuf>,
    /// Devnet folder whose devnet.json supplies what the settings leave unset (indexer, blob
    /// folder, gateway; the RPC and deployments while they are at their defaults).
    #[arg(long, default_value = ".devnet", value_name = "DIR")]
    dir: PathBuf,
    /// How verdicts are computed and where blobs are fetched (`--gateway` is the blob gateway).
    #[command(flatten)]
    eval: EvalArgs,
}

/// `GET /config.json`: what the page needs to know about the deployment (shape mirrored by
/// web/src/lib/config.ts `AppConfig`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebConfig {
    /// EIP-155 chain id (from the deployments file, checked against the RPC at start).
    chain_id: u64,
    /// The chain's own JSON-RPC URL.
    chain_rpc_url: String,
    /// Same-origin JSON-RPC proxy.
    rpc_path: &'static str,
    /// Same-origin prefix of the indexer API.
    indexer_path: &'static str,
    /// Same-origin blob route.
    blobs_path: &'static str,
    /// Same-origin verdict route.
    verdicts_path: &'static str,
    /// Whether `PUT /blobs/<id>` can store (a blob folder is set).
    blobs_writable: bool,
    /// The contracts.
    deployments: Deployments,
}

/// What every handler shares.
struct Shared {
    ctx: Ctx,
    contracts: AosContracts,
    eval: EvalArgs,
    sources: Sources,
    indexer: Option<String>,
    http: reqwest::Client,
    config: WebConfig,
}

type St = State<Arc<Shared>>;

/// An error answer: the indexer API's error body with an HTTP status.
struct ApiError(StatusCode, ErrorBody);

impl ApiError {
    fn new(status: StatusCode, code: ErrorCode, msg: impl Into<String>) -> Self {
        Self(status, ErrorBody::new(code, msg))
    }
    fn bad(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, msg)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

/// Fill what the settings leave unset from `<dir>/devnet.json`, when there is one.
fn with_devnet_defaults(mut s: Settings, dir: &Path, gateway: &mut Option<String>) -> Settings {
    let Ok(net) = DevnetFile::read(dir) else {
        return s;
    };
    let defaults = Settings::default();
    if s.rpc == defaults.rpc {
        s.rpc = net.rpc_url.clone();
    }
    if s.deployments == defaults.deployments {
        s.deployments = net.deployments_path.clone();
    }
    if s.indexer.as_deref().is_none_or(str::is_empty) {
        s.indexer = net.indexer_url.clone();
    }
    if s.blob_dir
        .as_deref()
        .is_none_or(|p| p.as_os_str().is_empty())
    {
        s.blob_dir = net.blob_dir.clone();
    }
    if s.bootstrap.is_empty() {
        s.bootstrap = net.bootstrap.clone();
    }
    if gateway.is_none() {
        *gateway = net.blob_gateway;
    }
    s
}

/// The folder the app is served from: `--dist`, else `$AOS_ROOT/web/dist`, else `./web/dist`.
fn dist_dir(explicit: Option<PathBuf>) -> Result<PathBuf> {
    let d = explicit.unwrap_or_else(|| {
        std::env::var_os("AOS_ROOT")
            .filter(|r| !r.is_empty())
            .map_or_else(
                || PathBuf::from("web/dist"),
                |r| PathBuf::from(r).join("web/dist"),
            )
    });
    if !d.join("index.html").is_file() {
        bail!(
            "{} holds no built web app (index.html missing): run script/setup.sh (or `npm ci && \
             npm run build` in web/), or pass --dist DIR",
            d.display()
        );
    }
    Ok(abs(&d))
}

/// Run `aos web` until interrupted.
///
/// # Errors
/// No built app, deployments or RPC problems (checked at start), the address in use.
pub(crate) async fn run(ctx: &Ctx, a: WebArgs) -> Result<()> {
    let (listener, app, url) = prepare(ctx, a).await?;
    ctx.out
        .note(format!("✓ AOS web app on {url} (Ctrl-C stops it)"));
    ctx.out
        .emit(&serde_json::json!({ "url": url }), || url.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .wrap_err("the web server stopped")
}

/// Bind, check the deployment, build the router; the URL it serves on.
async fn prepare(ctx: &Ctx, a: WebArgs) -> Result<(tokio::net::TcpListener, Router, String)> {
    let mut gateway = a.eval.fetch.sources().gateway;
    let s = with_devnet_defaults(ctx.s.clone(), &a.dir, &mut gateway);
    let ctx = Ctx { s, out: ctx.out };
    let dist = dist_dir(a.dist.clone())?;
    let contracts = ctx.reader().await?;
    let deployments = contracts.deployments().clone();
    let mut sources = a.eval.fetch.sources();
    sources.gateway = gateway;
    let blobs_writable = ctx.s.blob_dir.is_some();
    if let Some(d) = &ctx.s.blob_dir {
        std::fs::create_dir_all(d)
            .wrap_err_with(|| format!("cannot create the blob folder {}", d.display()))?;
    }
    let config = WebConfig {
        chain_id: deployments.chain_id,
        chain_rpc_url: ctx.s.rpc.clone(),
        rpc_path: "/rpc",
        indexer_path: "/api/indexer",
        blobs_path: "/blobs",
        verdicts_path: "/api/verdicts",
        blobs_writable,
        deployments,
    };
    if ctx.s.indexer.is_none() {
        ctx.out.note(
            "note: no indexer (--indexer, config `indexer`): the market and history pages will \
             say so",
        );
    }
    let shared = Arc::new(Shared {
        indexer: ctx.s.indexer.clone().filter(|u| !u.is_empty()),
        ctx,
        contracts,
        eval: a.eval,
        sources,
        http: reqwest::Client::builder()
            .timeout(UPSTREAM_TIMEOUT)
            .build()
            .wrap_err("cannot build the HTTP client")?,
        config,
    });
    let listener = tokio::net::TcpListener::bind(a.bind)
        .await
        .wrap_err_with(|| format!("cannot listen on {} (in use? pass --bind)", a.bind))?;
    let local = listener.local_addr().wrap_err("no local address")?;
    let app = router(shared, &dist, local);
    Ok((listener, app, format!("http://{local}")))
}

fn router(shared: Arc<Shared>, dist: &Path, local: SocketAddr) -> Router {
    let api = Router::new()
        .route("/config.json", get(config_json))
        .route("/api/indexer/{*path}", get(indexer_proxy))
        .route(
            "/rpc",
            post(rpc_proxy).layer(DefaultBodyLimit::max(MAX_RPC_BYTES)),
        )
        .route(
            "/blobs/{id}",
            get(blob_get)
                .put(blob_put)
                .layer(DefaultBodyLimit::max(MAX_BLOB_BYTES)),
        )
        .route("/api/verdicts/{task}", post(verdict))
        .with_state(shared);
    let mut app = api
        .fallback_service(ServeDir::new(dist))
        .layer(CompressionLayer::new());
    if local.ip().is_loopback() {
        // DNS rebinding: a page on another name that resolves to 127.0.0.1 must not reach
        // this origin (and the wallet's blob folder) as if it were it.
        app = app.layer(middleware::from_fn(move |req: Request, next: Next| {
            loopback_host(req, next, local.port())
        }));
    }
    app
}

/// Refuses requests whose `Host` is not a loopback name of this server.
async fn loopback_host(req: Request, next: Next, port: u16) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let ok = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|n| host == *n || host == format!("{n}:{port}"));
    if ok {
        next.run(req).await
    } else {
        ApiError::bad(format!(
            "Host {host:?} is not this loopback server (open http://127.0.0.1:{port})"
        ))
        .into_response()
    }
}

async fn config_json(State(s): St) -> Json<WebConfig> {
    Json(s.config.clone())
}

/// `GET /api/indexer/<path>?<query>` → `GET <indexer>/<path>?<query>`, status and body as they
/// come; 502 with an error body when the indexer cannot be reached.
async fn indexer_proxy(
    State(s): St,
    UrlPath(path): UrlPath<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let Some(base) = &s.indexer else {
        return Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::Internal,
            "no indexer configured: start aos web with --indexer URL (or next to `aos devnet up`)",
        ));
    };
    let mut url = format!("{}/{}", base.trim_end_matches('/'), path);
    if let Some(q) = req.uri().query() {
        url.push('?');
        url.push_str(q);
    }
    let r = s.http.get(&url).send().await.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::Internal,
            format!("the indexer at {base} is not answering ({e}): is aos-indexer running?"),
        )
    })?;
    let status = StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut headers = HeaderMap::new();
    if let Some(ct) = r.headers().get(reqwest::header::CONTENT_TYPE)
        && let Ok(v) = HeaderValue::from_bytes(ct.as_bytes())
    {
        headers.insert(header::CONTENT_TYPE, v);
    }
    let body = r.bytes().await.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::Internal,
            format!("the indexer's answer was cut off: {e}"),
        )
    })?;
    Ok((status, headers, body).into_response())
}

/// `POST /rpc` → the chain's JSON-RPC endpoint.
async fn rpc_proxy(State(s): St, body: Bytes) -> Result<Response, ApiError> {
    let r = s
        .http
        .post(&s.ctx.s.rpc)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                ErrorCode::Internal,
                format!("the chain's RPC at {} is not answering ({e})", s.ctx.s.rpc),
            )
        })?;
    let status = StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let body = r.bytes().await.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::Internal,
            format!("the RPC's answer was cut off: {e}"),
        )
    })?;
    Ok((status, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}

fn parse_id(id: &str) -> Result<ContentId, ApiError> {
    id.parse().map_err(|_| {
        ApiError::bad(format!(
            "{id:?} is not a blob id (0x + 64 hex digits, the BLAKE3 of the bytes)"
        ))
    })
}

/// `GET /blobs/<id>`: verified bytes; text as `text/plain; charset=utf-8`, anything else as
/// `application/octet-stream` (never sniffed: a blob is data, not a page of this origin).
async fn blob_get(State(s): St, UrlPath(id): UrlPath<String>) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let f = blobs::fetch(&s.ctx, id, &s.sources)
        .await
        .map_err(|e| ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, format!("{e:#}")))?;
    let ct = if std::str::from_utf8(&f.bytes).is_ok() {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    };
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        f.bytes,
    )
        .into_response())
}

/// `PUT /blobs/<id>`: stores the body in the blob folder when it hashes to `id`.
async fn blob_put(
    State(s): St,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    if s.ctx.s.blob_dir.is_none() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::BadRequest,
            "this server has no blob folder to publish into: start aos web with --blob-dir DIR",
        ));
    }
    if body.is_empty() {
        return Err(ApiError::bad("an empty blob names nothing"));
    }
    let got = ContentId::of(&body);
    if got != id {
        return Err(ApiError::bad(format!(
            "the body hashes to {got}, not {id} (BLAKE3): refused"
        )));
    }
    let p = blobs::publish(&s.ctx, &body).await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            format!("{e:#}"),
        )
    })?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": p.id.to_string(), "bytes": body.len() })),
    )
        .into_response())
}

/// `POST /api/verdicts/<task id>`'s answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct VerdictAnswer {
    /// aos-verify's verdict on the last submission (unsigned: a wallet requester's verdict
    /// is authenticated by the `Evidence` event's sender, crate::review's module docs).
    verdict: Verdict,
    /// The verdict's blob id (published): the evidence `reject` carries.
    verdict_blob: String,
    /// What a reader should know that is not a check.
    notes: Vec<String>,
}

async fn verdict(State(s): St, UrlPath(task): UrlPath<String>) -> Result<Response, ApiError> {
    let id: B256 = task
        .parse()
        .map_err(|_| ApiError::bad(format!("{task:?} is not a task id (0x + 64 hex digits)")))?;
    let unprocessable = |e: eyre::Report| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BadRequest,
            format!("{e:#}"),
        )
    };
    let sub = review::load_submission(&s.ctx, &s.contracts, id, &s.sources)
        .await
        .map_err(unprocessable)?;
    let ev = review::evaluator(&s.ctx, &s.eval, &sub.spec)
        .await
        .map_err(unprocessable)?;
    let verdict = review::evaluate(&ev, &sub).await.map_err(unprocessable)?;
    let (bytes, _) = verdict
        .to_blob()
        .map_err(|e| unprocessable(eyre!("cannot encode the verdict: {e}")))?;
    let published = blobs::publish(&s.ctx, &bytes).await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            format!("{e:#}"),
        )
    })?;
    Ok(Json(VerdictAnswer {
        verdict,
        verdict_blob: published.id.to_string(),
        notes: sub.notes,
    })
    .into_response())
}

/// Start `aos web` as one of the devnet's detached services (for `aos devnet up`): serving
/// `<root>/web/dist` on a free loopback port, with the devnet's config file (`net.config`,
/// which must already name the indexer and the blob folder: call it after
/// `add_services_to_config`) and `<dir>/devnet.json` for the rest, logging to
/// `<dir>/logs/web.log`. The process is pushed onto `net.services` (so `down` stops it and
/// `restart web` starts it again) and onto `guard`. Returns its URL, or `None` (with a note
/// saying how to build it) when the app is not built: the devnet is useful without it.
///
/// # Errors
/// The `aos` binary cannot be found, or the server does not answer `/config.json` within
/// 20 s (its log says why).
pub(crate) async fn start_for_devnet(
    ctx: &Ctx,
    root: &Path,
    dir: &Path,
    net: &mut DevnetFile,
    guard: &mut StopOnDrop,
) -> Result<Option<String>> {
    let dist = match dist_dir(Some(root.join("web/dist"))) {
        Ok(d) => d,
        Err(e) => {
            ctx.out.note(format!("– web app not started: {e:#}"));
            return Ok(None);
        }
    };
    let port = free_port()?;
    let me = std::env::current_exe().wrap_err("cannot find the running aos binary")?;
    let launch = Launch {
        bin: me,
        args: vec![
            "--config".into(),
            net.config.display().to_string(),
            "web".into(),
            "--dir".into(),
            abs(dir).display().to_string(),
            "--dist".into(),
            dist.display().to_string(),
            "--bind".into(),
            format!("127.0.0.1:{port}"),
        ],
        env: Vec::new(),
        ready: Ready::Http {
            url: format!("http://127.0.0.1:{port}/config.json"),
        },
        ready_within_s: 20,
    };
    let log = dir.join("logs/web.log");
    let p = start_service("aos-web", "web", Some("web".into()), launch, &log, guard).await?;
    let url = format!("http://127.0.0.1:{port}");
    ctx.out.note(format!(
        "✓ web app on {url} (pid {}, {})",
        p.pid,
        log.display()
    ));
    net.services.push(p);
    Ok(Some(url))
}

#[cfg(test)]
mod tests {
    use alloy::{
        primitives::Address,
        providers::{Provider, ProviderBuilder},
    };
    use axum::body::Body;
    use tower::ServiceExt;

    use super::*;
    use crate::output::Output;

    /// A server over a temporary blob folder and dist; the chain is never called by the routes
    /// tested here.
    fn app(blob_dir: Option<PathBuf>, dist: &Path, port: u16) -> Router {
        let s = Settings {
            blob_dir,
            ..Settings::default()
        };
        let ctx = Ctx {
            s,
            out: Output {
                json: true,
                verbose: 0,
                quiet: true,
            },
        };
        let deployments = Deployments {
            chain_id: 31337,
            start_block: 0,
            deployer: Address::repeat_byte(1),
            owner: Address::repeat_byte(1),
            agent_registry: Address::repeat_byte(2),
            karma_registry: Address::repeat_byte(3),
            randomness: Address::repeat_byte(4),
            dispute_court: Address::repeat_byte(5),
            task_market: Address::repeat_byte(6),
        };
        let provider = ProviderBuilder::new()
            .connect_http("http://127.0.0.1:1".parse().unwrap())
            .erased();
        let shared = Arc::new(Shared {
            contracts: AosContracts::new(provider, deployments.clone()),
            eval: eval_args(),
            sources: Sources {
                gateway: None,
                mesh_timeout: None,
            },
            indexer: Some("http://127.0.0.1:1".into()),
            http: reqwest::Client::new(),
            config: WebConfig {
                chain_id: 31337,
                chain_rpc_url: ctx.s.rpc.clone(),
                rpc_path: "/rpc",
                indexer_path: "/api/indexer",
                blobs_path: "/blobs",
                verdicts_path: "/api/verdicts",
                blobs_writable: ctx.s.blob_dir.is_some(),
                deployments,
            },
            ctx,
        });
        router(shared, dist, SocketAddr::from(([127, 0, 0, 1], port)))
    }

    #[derive(clap::Parser)]
    struct EvalOnly {
        #[command(flatten)]
        eval: EvalArgs,
    }

    /// The evaluation flags at their defaults, the mesh off.
    fn eval_args() -> EvalArgs {
        <EvalOnly as clap::Parser>::parse_from(["x", "--mesh-timeout", "0s"]).eval
    }

    async fn call(app: &Router, method: &str, uri: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "127.0.0.1:8090")
            .body(Body::from(body))
            .unwrap();
        let r = app.clone().oneshot(req).await.unwrap();
        let status = r.status();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 24).await.unwrap();
        (status, bytes.to_vec())
    }

    fn dist() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("index.html"),
            "<!doctype html><title>AOS</title>",
        )
        .unwrap();
        d
    }

    #[tokio::test]
    async fn blobs_are_stored_only_under_their_blake3_id_and_read_back() {
        let blobs = tempfile::tempdir().unwrap();
        let dist = dist();
        let app = app(Some(blobs.path().to_owned()), dist.path(), 8090);
        let bytes = b"{\"hello\":\"blob\"}".to_vec();
        let id = ContentId::of(&bytes);

        let wrong = ContentId::of(b"other");
        let (s, body) = call(&app, "PUT", &format!("/blobs/{wrong}"), bytes.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(String::from_utf8_lossy(&body).contains("refused"));
        assert!(!blobs.path().join(wrong.to_string()).exists());

        let (s, _) = call(&app, "PUT", &format!("/blobs/{id}"), bytes.clone()).await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(
            std::fs::read(blobs.path().join(id.to_string())).unwrap(),
            bytes
        );

        let (s, body) = call(&app, "GET", &format!("/blobs/{id}"), Vec::new()).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(body, bytes);

        let (s, body) = call(&app, "GET", "/blobs/0x1234", Vec::new()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let e: ErrorBody = serde_json::from_slice(&body).unwrap();
        assert_eq!(e.error.code, ErrorCode::BadRequest);

        let (s, _) = call(
            &app,
            "PUT",
            &format!("/blobs/{}", ContentId::of(b"")),
            Vec::new(),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "an empty blob is refused");
    }

    #[tokio::test]
    async fn without_a_blob_folder_publishing_is_refused_with_what_to_do() {
        let dist = dist();
        let app = app(None, dist.path(), 8090);
        let bytes = b"x".to_vec();
        let (s, body) = call(
            &app,
            "PUT",
            &format!("/blobs/{}", ContentId::of(&bytes)),
            bytes,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(String::from_utf8_lossy(&body).contains("--blob-dir"));
        let (s, body) = call(&app, "GET", "/config.json", Vec::new()).await;
        assert_eq!(s, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["blobsWritable"], false);
        assert_eq!(v["chainId"], 31337);
        assert_eq!(
            v["deployments"]["taskMarket"],
            format!("{:#x}", Address::repeat_byte(6))
        );
    }

    #[tokio::test]
    async fn an_unreachable_indexer_is_a_502_with_an_error_body() {
        let dist = dist();
        let app = app(None, dist.path(), 8090);
        let (s, body) = call(&app, "GET", "/api/indexer/health", Vec::new()).await;
        assert_eq!(s, StatusCode::BAD_GATEWAY);
        let e: ErrorBody = serde_json::from_slice(&body).unwrap();
        assert!(
            e.error.message.contains("not answering"),
            "{}",
            e.error.message
        );
    }

    #[tokio::test]
    async fn the_app_is_served_and_foreign_hosts_are_refused() {
        let dist = dist();
        let app = app(None, dist.path(), 8090);
        let (s, body) = call(&app, "GET", "/index.html", Vec::new()).await;
        assert_eq!(s, StatusCode::OK);
        assert!(String::from_utf8_lossy(&body).contains("AOS"));
        let req = Request::builder()
            .uri("/config.json")
            .header(header::HOST, "attacker.example:8090")
            .body(Body::empty())
            .unwrap();
        let r = app.clone().oneshot(req).await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn devnet_json_fills_only_what_the_settings_leave_unset() {
        let dir = tempfile::tempdir().unwrap();
        let net = serde_json::json!({
            "rpc_url": "http://127.0.0.1:9999",
            "chain_id": 31337,
            "anvil": {"name": "anvil", "pid": 1, "log": "/x"},
            "services": [],
            "indexer_url": "http://127.0.0.1:7777",
            "blob_gateway": "http://127.0.0.1:6666",
            "blob_dir": "/tmp/devnet-blobs",
            "deployments_path": "/tmp/devnet/deployments.json",
            "deployments": {
                "chainId": 31337, "startBlock": 0,
                "deployer": format!("{:#x}", Address::ZERO), "owner": format!("{:#x}", Address::ZERO),
                "agentRegistry": format!("{:#x}", Address::ZERO), "karmaRegistry": format!("{:#x}", Address::ZERO),
                "randomness": format!("{:#x}", Address::ZERO), "disputeCourt": format!("{:#x}", Address::ZERO),
                "taskMarket": format!("{:#x}", Address::ZERO)
            },
            "password_file": "/x", "config": "/x/config.toml", "juror_domain": "summarisation",
            "accounts": []
        });
        std::fs::write(dir.path().join("devnet.json"), net.to_string()).unwrap();
        let mut gateway = None;
        let s = with_devnet_defaults(Settings::default(), dir.path(), &mut gateway);
        assert_eq!(s.rpc, "http://127.0.0.1:9999");
        assert_eq!(s.indexer.as_deref(), Some("http://127.0.0.1:7777"));
        assert_eq!(s.blob_dir, Some(PathBuf::from("/tmp/devnet-blobs")));
        assert_eq!(s.deployments, PathBuf::from("/tmp/devnet/deployments.json"));
        assert_eq!(gateway.as_deref(), Some("http://127.0.0.1:6666"));

        let mine = Settings {
            rpc: "http://chain:1".into(),
            indexer: Some("http://indexer:2".into()),
            ..Settings::default()
        };
        let mut gateway = Some("http://gw:3".to_owned());
        let s = with_devnet_defaults(mine, dir.path(), &mut gateway);
        assert_eq!(s.rpc, "http://chain:1");
        assert_eq!(s.indexer.as_deref(), Some("http://indexer:2"));
        assert_eq!(gateway.as_deref(), Some("http://gw:3"));

        let none = with_devnet_defaults(Settings::default(), &dir.path().join("no"), &mut None);
        assert_eq!(
            none.rpc,
            Settings::default().rpc,
            "no devnet.json: defaults stay"
        );
    }

    #[test]
    fn a_missing_build_says_how_to_make_it() {
        let empty = tempfile::tempdir().unwrap();
        let e = dist_dir(Some(empty.path().to_owned())).unwrap_err();
        assert!(format!("{e:#}").contains("npm run build"), "{e:#}");
    }
}
