//! Calling a routed service with a signed delegation: the local model (aos-llm's model
//! actor, the one the worker uses), an OpenAI-compatible or Anthropic API with the user's
//! own key (aos-llm's clients, shared with the worker), or a mesh worker through an
//! on-chain task ([`crate::market`]).

use std::{collections::BTreeMap, sync::Arc, time::Instant};

use aos_llm::{
    AnthropicClient, ChatMessage, GenOptions, LocalClient, OpenAiClient, RemoteConfig, Role,
};
use aos_protocol::messages::Delegation;
use zeroize::Zeroizing;

use crate::{
    market::MarketDelegate,
    registry::{Endpoint, LlmRegistry},
};

/// System message sent with every delegated step.
pub const STEP_SYSTEM: &str =
    "You are one step of a larger plan. Do only this step, concisely and accurately.";

/// A service call failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The service is not configured (no key, unknown name).
    #[error("service {0} is not available (missing API key or unknown service)")]
    Unavailable(String),
    /// The local model failed.
    #[error("local model")]
    Local(#[from] aos_llm::LlmError),
    /// The remote API failed.
    #[error("{service}")]
    Remote {
        /// Registry name.
        service: String,
        /// The client's error (status, timeout, transport).
        source: aos_llm::RemoteError,
    },
    /// A mesh worker was routed to but no wallet and mesh node are configured.
    #[error(
        "service {0} is a mesh worker, but no wallet and mesh node are configured for on-chain delegation"
    )]
    MeshUnavailable(String),
    /// The on-chain delegation failed.
    #[error("{service}")]
    Market {
        /// Registry name.
        service: String,
        /// What failed.
        source: crate::market::MarketError,
    },
}

impl ServiceError {
    /// Whether asking the same service again later may succeed (a cloud timeout, 429 or
    /// 5xx; a chain or mesh hiccup).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Remote { source, .. } => source.is_retryable(),
            Self::Market { source, .. } => source.is_retryable(),
            Self::Local(e) => e.is_retryable(),
            Self::Unavailable(_) | Self::MeshUnavailable(_) => false,
        }
    }
}

/// The message of `e` and of every source below it, joined by `: ` (for one-line reports).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.ends_with(&m) {
            s = format!("{s}: {m}");
        }
        cur = c.source();
    }
    s
}

/// An answer from a service.
#[derive(Debug, Clone)]
pub struct ServiceAnswer {
    /// The text.
    pub text: String,
    /// Wall time, ms.
    pub elapsed_ms: u64,
    /// The coordinator's verdict on it, when the market evaluated it (mesh workers).
    pub verdict: Option<aos_protocol::messages::Verdict>,
    /// The worker account paid for it (mesh workers).
    pub worker: Option<alloy::primitives::Address>,
    /// Results of the step the market rejected (mesh workers): earlier postings, or the
    /// outliers of a redundant step.
    pub rejected: Vec<crate::market::Rejection>,
    /// The other accepted results of a redundant step (mesh workers, agreement).
    pub agreeing: Vec<crate::market::Accepted>,
    /// The redundant step's tasks neither accepted nor rejected (mesh workers,
    /// agreement).
    pub unsettled: Vec<crate::market::Unsettled>,
}

enum Client {
    Local(LocalClient),
    OpenAi(OpenAiClient),
    Anthropic(AnthropicClient),
    Mesh(String),
}

/// Clients for the registry's services.
pub struct Services {
    clients: BTreeMap<String, Client>,
    mesh: Option<Arc<MarketDelegate>>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("names", &self.clients.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Services {
    /// Build clients: the local model for `local` services; cloud services whose key
    /// `key_for(api_key_env)` returns (keys stay in memory, zeroised on drop); mesh entries.
    /// Services without a key are left out (the router must mark them unavailable).
    pub fn new(
        registry: &LlmRegistry,
        local: LocalClient,
        key_for: impl Fn(&str) -> Option<String>,
        timeout_s: u64,
        max_tokens: u32,
    ) -> Self {
        let mut clients = BTreeMap::new();
        for (name, s) in &registry.services {
            let cloud = |base_url: &str, model: &str| RemoteConfig {
                base_url: base_url.to_owned(),
                model: model.to_owned(),
                max_tokens,
                timeout: std::time::Duration::from_secs(timeout_s),
            };
            let client = match &s.endpoint {
                Endpoint::Local => Some(Client::Local(local.clone())),
                Endpoint::Openai {
                    base_url,
                    model,
                    api_key_env,
                } => key_for(api_key_env)
                    .and_then(|k| OpenAiClient::new(cloud(base_url, model), Zeroizing::new(k)).ok())
                    .map(Client::OpenAi),
                Endpoint::Anthropic {
                    base_url,
                    model,
                    api_key_env,
                } => key_for(api_key_env)
                    .and_then(|k| {
                        AnthropicClient::new(cloud(base_url, model), Zeroizing::new(k)).ok()
                    })
                    .map(Client::Anthropic),
                Endpoint::Mesh { domain, .. } => Some(Client::Mesh(domain.clone())),
            };
            if let Some(c) = client {
                clients.insert(name.clone(), c);
            }
        }
        Self {
            clients,
            mesh: None,
        }
    }

    /// Enable delegation to mesh workers through `delegate` (builder).
    #[must_use]
    pub fn with_mesh(mut self, delegate: Arc<MarketDelegate>) -> Self {
        self.mesh = Some(delegate);
        self
    }

    /// Names of usable services.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.clients.keys().map(String::as_str)
    }

    /// Whether `name` has a client.
    pub fn has(&self, name: &str) -> bool {
        self.clients.contains_key(name)
    }

    /// Send `d` (already signed and, if asked, stripped of PII) to its `to_service`.
    ///
    /// # Errors
    /// [`ServiceError`].
    pub async fn call(&self, d: &Delegation) -> Result<ServiceAnswer, ServiceError> {
        let started = Instant::now();
        let name = d.to_service.clone();
        let mut verdict = None;
        let mut worker = None;
        let mut rejected = Vec::new();
        let mut agreeing = Vec::new();
        let mut unsettled = Vec::new();
        let text = match self.clients.get(&name) {
            None => return Err(ServiceError::Unavailable(name)),
            Some(Client::Mesh(domain)) => {
                let Some(m) = &self.mesh else {
                    return Err(ServiceError::MeshUnavailable(name));
                };
                let got = m
                    .delegate(d, domain)
                    .await
                    .map_err(|source| ServiceError::Market {
                        service: name.clone(),
                        source,
                    })?;
                verdict = Some(got.verdict);
                worker = Some(got.worker);
                rejected = got.rejected;
                agreeing = got.agreeing;
                unsettled = got.unsettled;
                got.output
            }
            Some(Client::Local(m)) => {
                let msgs = vec![
                    ChatMessage::new(Role::System, STEP_SYSTEM),
                    ChatMessage::new(Role::User, d.task.prompt.clone()),
                ];
                let opts = GenOptions {
                    max_tokens: d.task.max_tokens,
                    temperature: 0.0,
                    repeat_penalty: 1.15,
                    ..GenOptions::default()
                };
                m.chat(msgs, opts).await?.text
            }
            Some(Client::OpenAi(x)) => {
                remote(&name, x.complete(STEP_SYSTEM, &d.task.prompt).await)?
            }
            Some(Client::Anthropic(x)) => {
                remote(&name, x.complete(STEP_SYSTEM, &d.task.prompt).await)?
            }
        };
        Ok(ServiceAnswer {
            text: text.trim().to_owned(),
            elapsed_ms: started.elapsed().as_millis() as u64,
            verdict,
            worker,
            rejected,
            agreeing,
            unsettled,
        })
    }
}

/// A cloud API's answer text, or its error named after the registry service.
fn remote(
    service: &str,
    r: Result<aos_llm::Completion, aos_llm::RemoteError>,
) -> Result<String, ServiceError> {
    r.map(|o| o.text).map_err(|source| ServiceError::Remote {
        service: service.to_owned(),
        source,
    })
}
