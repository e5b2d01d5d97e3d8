//! The HTTP routing API (axum). The request and response types are
//! [`aos_indexer_api`]'s, shared with every client; `indexer/openapi.yaml` is generated
//! from them.
//!
//! Errors are [`ErrorBody`] `{"error": {"code": "...", "message": "..."}}` with a stable
//! [`ErrorCode`] — also for a malformed query string or an unknown path; database errors are
//! logged and answered with `internal`: no SQL text leaves the server.
//!
//! * [`tasks`](self::tasks): `/tasks`, `/tasks/{id}`.
//! * [`agents`](self::agents): `/agents/{address}` and the ranking of `/route`.
//! * [`disputes`](self::disputes): `/disputes`, `/disputes/{id}`.
//! * [`params`](self::params): parsing of path and query values into their typed forms.

mod agents;
mod disputes;
mod params;
mod tasks;

use std::time::SystemTime;

use aos_indexer_api::{ErrorBody, ErrorCode, Health};
use axum::{
    Json, Router,
    extract::{FromRequestParts, Query, State},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Metrics, Store, karma::KarmaParameters, store::StoreError};

/// Shared state of the API.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// The mirror.
    pub store: Store,
    /// The indexer's metrics (served on `/metrics`, read by `/health`).
    pub metrics: Metrics,
    /// Chain id mirrored.
    pub chain_id: u64,
    /// `KarmaRegistry`'s parameters, read from the chain (decay of karma to now).
    pub karma: KarmaParameters,
}

/// An API error: HTTP status and the documented [`ErrorBody`].
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(code.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body: ErrorBody::new(code, message),
        }
    }
    fn bad(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }
    fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }
    fn internal() -> Self {
        Self::new(ErrorCode::Internal, "the database could not answer")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "API query failed");
        Self::internal()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// A query string in the documented shape; a malformed one answers `bad_request` with the
/// same [`ErrorBody`] as every other error (axum's own rejection is plain text).
#[derive(Debug)]
pub(crate) struct Q<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Q(q))
            .map_err(|e| ApiError::bad(format!("query string: {}", e.body_text())))
    }
}

/// Rows read as JSON objects → the API's typed rows. A row that does not fit is a corrupt
/// database: logged, answered `internal`.
fn typed<T: DeserializeOwned>(rows: Vec<Value>) -> Result<Vec<T>, ApiError> {
    rows.into_iter()
        .map(|r| {
            serde_json::from_value(r).map_err(|e| {
                tracing::error!(error = %e, "a stored row does not fit the API type");
                ApiError::internal()
            })
        })
        .collect()
}

/// The router: `/health`, `/metrics`, `/tasks`, `/tasks/{id}`, `/agents/{address}`,
/// `/route`, `/disputes`, `/disputes/{id}`. Unknown paths answer a JSON `not_found`.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/tasks", get(tasks::list))
        .route("/tasks/{id}", get(tasks::one))
        .route("/agents/{address}", get(agents::agent))
        .route("/route", get(agents::route))
        .route("/disputes", get(disputes::list))
        .route("/disputes/{id}", get(disputes::one))
        .fallback(|| async { ApiError::not_found("no such route") })
        .with_state(state)
}

/// `at`, or the later of the wall clock and the last mirrored block's time.
async fn now_s(st: &ApiState, at: Option<u64>) -> Result<u64, ApiError> {
    if let Some(t) = at {
        return Ok(t);
    }
    let wall = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let chain = st
        .store
        .cursor(st.chain_id)
        .await?
        .map(|c| c.timestamp)
        .unwrap_or_default();
    Ok(wall.max(chain))
}

async fn health(State(st): State<ApiState>) -> Response {
    match st.store.cursor(st.chain_id).await {
        Ok(c) => Json(Health {
            status: "ok".into(),
            chain_id: st.chain_id,
            last_block: c.map(|c| c.number),
            head_block: st.metrics.head_block.get(),
            lag_blocks: st.metrics.lag_blocks.get(),
        })
        .into_response(),
        Err(e) => {
            let mut r = ApiError::from(e).into_response();
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            r
        }
    }
}

async fn metrics(State(st): State<ApiState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(),
    )
        .into_response()
}

/// Columns of the `events` table served as a [`HistoryEvent`](aos_indexer_api::HistoryEvent).
const HISTORY_COLS: &str =
    "contract, kind, block_number, block_hash, log_index, tx_hash, block_timestamp, args";

fn history_spec() -> Vec<(&'static str, crate::store::K)> {
    use crate::store::K;
    vec![
        ("contract", K::T),
        ("event", K::T),
        ("blockNumber", K::I),
        ("blockHash", K::T),
        ("logIndex", K::I),
        ("txHash", K::T),
        ("blockTimestamp", K::I),
        ("args", K::J),
    ]
}
