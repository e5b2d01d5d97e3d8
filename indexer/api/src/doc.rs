//! The OpenAPI document, generated from the types of this crate.
//!
//! The route functions below are documentation stubs: the handlers live in the
//! `aos-indexer` service (which this crate must not depend on), and they deserialise the
//! same [`query`](crate::query) types and answer the same [`types`](crate::types), so the
//! document describes what the server does. `indexer/openapi.yaml` is the checked-in copy;
//! `cargo test -p aos-indexer-api --test openapi` fails when it differs from
//! [`openapi_yaml`], and `AOS_BLESS=1` with the same command rewrites it.
#![allow(dead_code)] // the stubs exist only for their `#[utoipa::path]` documentation

use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use crate::{error::*, query::*, types::*};

/// The API's OpenAPI 3.1 document (`ApiDoc::openapi()`).
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "AOS indexer routing API",
        description = "Read-only view of the AOS contracts mirrored by `aos-indexer` (events \
are the source of truth). Amounts are uint256 as decimal strings in base units (wei for ETH); \
karma scores are WAD (1e18 = 1.0) decimal strings, with float conveniences. Addresses and \
hashes are lower-case 0x hex (inputs may be checksummed). Every error is an `ErrorBody` \
`{\"error\": {\"code\", \"message\"}}`; codes: `bad_request` (400), `not_found` (404), \
`internal` (500, 503 on /health; no database text is ever shown)."
    ),
    servers((url = "http://127.0.0.1:8080")),
    paths(health, metrics, tasks, task, agent, route, disputes, dispute),
    components(schemas(ErrorBody, ErrorDetail, ErrorCode))
)]
pub struct ApiDoc;

/// The document as YAML, exactly as `indexer/openapi.yaml` holds it.
///
/// # Errors
/// The YAML serialiser's error (not expected for this static document).
pub fn openapi_yaml() -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    Ok(ApiDoc::openapi().to_yaml()?)
}

/// Path parameter of `/tasks/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct TaskPath {
    /// Task id, 0x bytes32.
    #[param(pattern = "^0x[0-9a-fA-F]{64}$")]
    id: String,
}

/// Path parameter of `/agents/{address}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct AgentPath {
    /// Account address, 0x + 20 bytes hex.
    #[param(pattern = "^0x[0-9a-fA-F]{40}$")]
    address: String,
}

/// Path parameter of `/disputes/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct DisputePath {
    /// Dispute id, a decimal uint256.
    #[param(pattern = "^[0-9]{1,78}$")]
    id: String,
}

/// Liveness and progress.
#[utoipa::path(get, path = "/health", responses(
    (status = 200, description = "The database answers.", body = Health),
    (status = 503, description = "The database does not answer.", body = ErrorBody),
))]
fn health() {}

/// Prometheus metrics: `aos_indexer_last_block`, `aos_indexer_head_block`,
/// `aos_indexer_lag_blocks`, `aos_indexer_events_total`, `aos_indexer_events_per_second`,
/// `aos_indexer_skipped_logs_total{reason}`, `aos_indexer_reorgs_total`,
/// `aos_indexer_rpc_requests_total{method}`, `aos_indexer_rpc_retries_total{method}`,
/// `aos_indexer_log_range_blocks`.
#[utoipa::path(get, path = "/metrics", responses(
    (status = 200, description = "Text exposition format 0.0.4.", body = String, content_type = "text/plain"),
))]
fn metrics() {}

/// Tasks, newest first (by posting block), every status unless `status` filters.
#[utoipa::path(get, path = "/tasks", params(TasksQuery), responses(
    (status = 200, description = "A page of tasks, newest first.", body = TaskList),
    (status = 400, description = "A parameter is malformed or out of bounds.", body = ErrorBody),
    (status = 500, description = "The database could not answer.", body = ErrorBody),
))]
fn tasks() {}

/// One task with its full terms, state and event history.
#[utoipa::path(get, path = "/tasks/{id}", params(TaskPath), responses(
    (status = 200, description = "The task.", body = TaskDetail),
    (status = 400, description = "The id is not 0x bytes32.", body = ErrorBody),
    (status = 404, description = "No such task.", body = ErrorBody),
    (status = 500, description = "The database could not answer.", body = ErrorBody),
))]
fn task() {}

/// An agent: registration, karma per domain decayed to `at`, earnings, juror stake.
#[utoipa::path(get, path = "/agents/{address}", params(AgentPath, AtQuery), responses(
    (status = 200, description = "The agent.", body = Agent),
    (status = 400, description = "The address is malformed.", body = ErrorBody),
    (status = 404, description = "The account has no registration, karma or juror stake.", body = ErrorBody),
    (status = 500, description = "The database could not answer.", body = ErrorBody),
))]
fn agent() {}

/// Registered agents with karma in a domain, ranked by decayed accuracy × completion
/// (ties: more tasks first, then address); below the floors dropped.
#[utoipa::path(get, path = "/route", params(RouteQuery), responses(
    (status = 200, description = "The ranking.", body = Route),
    (status = 400, description = "No domain, or a malformed parameter.", body = ErrorBody),
    (status = 500, description = "The database could not answer.", body = ErrorBody),
))]
fn route() {}

/// Disputes by id.
#[utoipa::path(get, path = "/disputes", params(DisputesQuery), responses(
    (status = 200, description = "A page of disputes.", body = DisputeList),
    (status = 400, description = "A parameter is malformed or out of bounds.", body = ErrorBody),
    (status = 500, description = "The database could not answer.", body = ErrorBody),
))]
fn disputes() {}

/// One dispute with its votes and history.
#[utoipa::path(get, path = "/disputes/{id}", params(DisputePath), responses(
    (status = 200, description = "The dispute.", body = DisputeDetail),
    (status = 400, description = "The id is not a decimal integer.", body = ErrorBody),
    (status = 404, description = "No such dispute.", body = ErrorBody),
    (status = 500, description = "The database could not answer.", body = ErrorBody),
))]
fn dispute() {}
