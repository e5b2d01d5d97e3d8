//! The cloud HTTP clients: OpenAI-compatible Chat Completions ([`OpenAiClient`]) and the
//! Anthropic Messages API ([`AnthropicClient`]), over one [`CloudClient`] (settings, API key,
//! HTTP client with a timeout) and one error, [`RemoteError`].

mod anthropic;
mod openai;

use std::time::Duration;

pub use anthropic::{ANTHROPIC_VERSION, AnthropicClient};
pub use openai::OpenAiClient;

/// Settings of a cloud model endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteConfig {
    /// Base URL: `https://api.openai.com`, `https://api.x.ai`,
    /// `https://generativelanguage.googleapis.com/v1beta/openai` (Gemini),
    /// `http://127.0.0.1:8080` (llama.cpp server), `http://127.0.0.1:11434` (ollama),
    /// `https://api.anthropic.com`. The path (`/v1/chat/completions`, `/v1/messages`) is
    /// appended by [`join_url`].
    pub base_url: String,
    /// Model name, e.g. `gpt-4o-mini`, `grok-3`, `gemini-2.0-flash`, `claude-sonnet-4-5`.
    pub model: String,
    /// Most tokens generated per request.
    pub max_tokens: u32,
    /// Request timeout.
    pub timeout: Duration,
}

/// A cloud API call failed.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The API answered with an error status.
    #[error("{service} returned HTTP {status}: {message}")]
    Api {
        /// Service name.
        service: &'static str,
        /// HTTP status.
        status: u16,
        /// The API's error message (`error.message`).
        message: String,
    },
    /// The request timed out.
    #[error("{service} timed out after {after:?}")]
    Timeout {
        /// Service name.
        service: &'static str,
        /// The timeout.
        after: Duration,
    },
    /// Connecting, sending or reading the answer failed.
    #[error("{service}: {source}")]
    Transport {
        /// Service name.
        service: &'static str,
        /// The HTTP client's error.
        source: reqwest::Error,
    },
    /// A 2xx answer without the field the API puts the text in.
    #[error("{service}: response has no {missing}")]
    Malformed {
        /// Service name.
        service: &'static str,
        /// The missing field, e.g. `choices[0].message.content`.
        missing: &'static str,
    },
    /// The HTTP client could not be built (TLS backend).
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
}

impl RemoteError {
    /// Whether trying again later may succeed: timeouts, transport failures, malformed
    /// answers (a proxy or overloaded server), HTTP 429 and 5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Timeout { .. } | Self::Transport { .. } | Self::Malformed { .. } => true,
            Self::Api { status, .. } => *status == 429 || *status >= 500,
            Self::Client(_) => false,
        }
    }
}

/// Joins a base URL and an API path, not doubling a `/v1` the base already ends with
/// (`https://api.openai.com` + `/v1/chat/completions`; `http://x/v1` + the same →
/// `http://x/v1/chat/completions`; Gemini's `…/v1beta/openai` + `/chat/completions`).
pub fn join_url(base: &str, path_with_v1: &str) -> String {
    let base = base.trim_end_matches('/');
    let rest = path_with_v1.trim_start_matches("/v1");
    if base.ends_with("/v1") || base.ends_with("/openai") {
        format!("{base}{rest}")
    } else {
        format!("{base}{path_with_v1}")
    }
}

/// What the cloud clients share: their settings, the API key (zeroised on drop, never
/// printed) and an HTTP client with the configured timeout.
#[derive(Clone)]
pub struct CloudClient {
    cfg: RemoteConfig,
    key: zeroize::Zeroizing<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for CloudClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudClient")
            .field("base_url", &self.cfg.base_url)
            .field("model", &self.cfg.model)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl CloudClient {
    /// A client for `cfg` with the API key `key`.
    ///
    /// # Errors
    /// [`RemoteError::Client`] when the HTTP client cannot be built.
    pub fn new(cfg: RemoteConfig, key: zeroize::Zeroizing<String>) -> Result<Self, RemoteError> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .build()
            .map_err(RemoteError::Client)?;
        Ok(Self { cfg, key, http })
    }

    /// The settings.
    pub fn config(&self) -> &RemoteConfig {
        &self.cfg
    }

    pub(crate) fn key(&self) -> &str {
        self.key.as_str()
    }

    /// POST `body` to `path` (joined to the base URL) with `headers`; the JSON of a 2xx
    /// answer, else [`RemoteError::Api`] with the API's `error.message` (where both the
    /// OpenAI and the Anthropic formats put it).
    ///
    /// # Errors
    /// [`RemoteError::Api`], [`RemoteError::Timeout`], [`RemoteError::Transport`].
    pub async fn post(
        &self,
        service: &'static str,
        path: &str,
        headers: &[(&str, String)],
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, RemoteError> {
        let after = self.cfg.timeout;
        let map = |source: reqwest::Error| {
            if source.is_timeout() {
                RemoteError::Timeout { service, after }
            } else {
                RemoteError::Transport { service, source }
            }
        };
        let mut req = self
            .http
            .post(join_url(&self.cfg.base_url, path))
            .json(body);
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        let resp = req.send().await.map_err(map)?;
        let status = resp.status();
        let v: serde_json::Value = resp.json().await.map_err(map)?;
        if !status.is_success() {
            let message = v["error"]["message"]
                .as_str()
                .unwrap_or("no error message")
                .to_owned();
            return Err(RemoteError::Api {
                service,
                status: status.as_u16(),
                message,
            });
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            join_url("https://api.openai.com", "/v1/chat/completions"),
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(
            join_url("http://127.0.0.1:8080/v1/", "/v1/chat/completions"),
            "http://127.0.0.1:8080/v1/chat/completions"
        );
        assert_eq!(
            join_url(
                "https://generativelanguage.googleapis.com/v1beta/openai",
                "/v1/chat/completions"
            ),
            "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
        );
    }
}
