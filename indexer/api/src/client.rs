//! A typed async client of the indexer API.

use std::time::Duration;

use alloy_primitives::{Address, B256, U256};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    error::{ErrorBody, ErrorCode},
    query::{AtQuery, DisputesQuery, RouteQuery, TasksQuery},
    types::{Agent, DisputeDetail, DisputeList, Health, Route, TaskDetail, TaskList},
};

/// Per-request timeout of [`IndexerClient::new`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a call to the indexer failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The request did not get an answer (connection refused, timeout, TLS).
    #[error("indexer {url}: {source}")]
    Transport {
        /// The URL asked.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The indexer answered with an error status.
    #[error("indexer {url} answered {status}: {message}")]
    Api {
        /// The URL asked.
        url: String,
        /// HTTP status.
        status: u16,
        /// The error body's code (`None` when the body was not an [`ErrorBody`], e.g. a
        /// proxy's page).
        code: Option<ErrorCode>,
        /// The error body's message (or the start of the raw body).
        message: String,
    },
    /// The answer was not the documented shape (another service on that port, or a
    /// version mismatch).
    #[error("indexer {url}: unexpected answer: {source}")]
    Decode {
        /// The URL asked.
        url: String,
        /// The JSON decoder's error.
        #[source]
        source: serde_json::Error,
    },
}

impl ClientError {
    /// Whether asking again later can succeed: no answer, or a server-side error (5xx).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { .. } => true,
            Self::Api { status, .. } => *status >= 500,
            Self::Decode { .. } => false,
        }
    }

    /// Whether the indexer said the thing does not exist (`not_found`).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Self::Api {
                code: Some(ErrorCode::NotFound),
                ..
            }
        )
    }
}

/// A client of one indexer (cheap to clone: a connection pool handle).
#[derive(Debug, Clone)]
pub struct IndexerClient {
    base: String,
    http: reqwest::Client,
}

impl IndexerClient {
    /// A client of the indexer at `base_url` (e.g. `http://127.0.0.1:8080`; a trailing `/`
    /// is ignored) with a [`DEFAULT_TIMEOUT`] per request.
    pub fn new(base_url: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(DEFAULT_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self::with_http(base_url, http)
    }

    /// A client that sends its requests through `http` (its timeouts, proxies, TLS).
    pub fn with_http(base_url: impl Into<String>, http: reqwest::Client) -> Self {
        Self {
            base: base_url.into().trim_end_matches('/').to_owned(),
            http,
        }
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `GET /health`.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn health(&self) -> Result<Health, ClientError> {
        self.get("/health", None::<&()>).await
    }

    /// `GET /tasks`.
    ///
    /// # Errors
    /// [`ClientError`]; `bad_request` for a malformed filter.
    pub async fn tasks(&self, q: &TasksQuery) -> Result<TaskList, ClientError> {
        self.get("/tasks", Some(q)).await
    }

    /// `GET /tasks/{id}`.
    ///
    /// # Errors
    /// [`ClientError`]; [`ClientError::is_not_found`] when the indexer has no such task.
    pub async fn task(&self, id: B256) -> Result<TaskDetail, ClientError> {
        self.get(&format!("/tasks/{id:#x}"), None::<&()>).await
    }

    /// `GET /agents/{address}`, karma decayed to `at` (unix seconds; `None` = now).
    ///
    /// # Errors
    /// [`ClientError`]; [`ClientError::is_not_found`] for an account the chain never saw.
    pub async fn agent(&self, account: Address, at: Option<u64>) -> Result<Agent, ClientError> {
        self.get(&format!("/agents/{account:#x}"), Some(&AtQuery { at }))
            .await
    }

    /// `GET /route`.
    ///
    /// # Errors
    /// [`ClientError`]; `bad_request` without a domain.
    pub async fn route(&self, q: &RouteQuery) -> Result<Route, ClientError> {
        self.get("/route", Some(q)).await
    }

    /// `GET /disputes`.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn disputes(&self, q: &DisputesQuery) -> Result<DisputeList, ClientError> {
        self.get("/disputes", Some(q)).await
    }

    /// `GET /disputes/{id}`.
    ///
    /// # Errors
    /// [`ClientError`]; [`ClientError::is_not_found`] when the indexer has no such dispute.
    pub async fn dispute(&self, id: U256) -> Result<DisputeDetail, ClientError> {
        self.get(&format!("/disputes/{id}"), None::<&()>).await
    }

    async fn get<T: DeserializeOwned, Q: Serialize + ?Sized>(
        &self,
        path: &str,
        query: Option<&Q>,
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base);
        let transport = |source| ClientError::Transport {
            url: url.clone(),
            source,
        };
        let mut req = self.http.get(&url);
        if let Some(q) = query {
            req = req.query(q);
        }
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(transport)?;
        if !status.is_success() {
            let (code, message) = match serde_json::from_slice::<ErrorBody>(&body) {
                Ok(e) => (Some(e.error.code), e.error.message),
                Err(_) => (
                    None,
                    String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
                ),
            };
            return Err(ClientError::Api {
                url,
                status: status.as_u16(),
                code,
                message,
            });
        }
        serde_json::from_slice(&body).map_err(|source| ClientError::Decode { url, source })
    }
}
