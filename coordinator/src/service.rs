//! Calling a routed service with a signed delegation: the local model (aos-llm), an
//! OpenAI-compatible or Anthropic API with the user's own key (the worker's executors, so the
//! wire code is shared), or a mesh worker through an on-chain task ([`crate::mesh`]).

use std::{collections::BTreeMap, sync::Arc, time::Instant};

use aos_llm::{ChatMessage, GenOptions, LocalModel, Role};
use aos_protocol::messages::Delegation;
use aos_worker::{
    config::CloudConfig,
    executor::{anthropic::AnthropicExecutor, openai::OpenAiExecutor},
};
use zeroize::Zeroizing;

use crate::{
    mesh::MeshDelegate,
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
    #[error("local model: {0}")]
    Local(#[from] aos_llm::LlmError),
    /// The remote API failed.
    #[error("{service}: {source}")]
    Remote {
        /// Registry name.
        service: String,
        /// The executor's error (status, timeout, transport).
        source: aos_worker::executor::ExecError,
    },
    /// A mesh worker was routed to but no wallet and mesh node are configured.
    #[error(
        "service {0} is a mesh worker, but no wallet and mesh node are configured for on-chain delegation"
    )]
    MeshUnavailable(String),
    /// The on-chain delegation failed.
    #[error("{service}: {source}")]
    Mesh {
        /// Registry name.
        service: String,
        /// What failed.
        source: crate::mesh::MeshError,
    },
    /// The local model thread panicked.
    #[error("local model task failed: {0}")]
    Join(String),
}

/// An answer from a service.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceAnswer {
    /// The text.
    pub text: String,
    /// Wall time, ms.
    pub elapsed_ms: u64,
}

enum Client {
    Local(Arc<LocalModel>),
    OpenAi(OpenAiExecutor),
    Anthropic(AnthropicExecutor),
    Mesh(String),
}

/// Clients for the registry's services.
pub struct Services {
    clients: BTreeMap<String, Client>,
    mesh: Option<Arc<MeshDelegate>>,
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
        local: Arc<LocalModel>,
        key_for: impl Fn(&str) -> Option<String>,
        timeout_s: u64,
        max_tokens: u32,
    ) -> Self {
        let mut clients = BTreeMap::new();
        for (name, s) in &registry.services {
            let cloud = |base_url: &str, model: &str| CloudConfig {
                base_url: base_url.to_owned(),
                model: model.to_owned(),
                api_key_secret: name.clone(),
                max_tokens,
                timeout_s,
                task_types: Vec::new(),
            };
            let client = match &s.endpoint {
                Endpoint::Local => Some(Client::Local(local.clone())),
                Endpoint::Openai {
                    base_url,
                    model,
                    api_key_env,
                } => key_for(api_key_env)
                    .and_then(|k| {
                        OpenAiExecutor::new(cloud(base_url, model), Zeroizing::new(k)).ok()
                    })
                    .map(Client::OpenAi),
                Endpoint::Anthropic {
                    base_url,
                    model,
                    api_key_env,
                } => key_for(api_key_env)
                    .and_then(|k| {
                        AnthropicExecutor::new(cloud(base_url, model), Zeroizing::new(k)).ok()
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
    pub fn with_mesh(mut self, delegate: Arc<MeshDelegate>) -> Self {
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
        let text = match self.clients.get(&name) {
            None => return Err(ServiceError::Unavailable(name)),
            Some(Client::Mesh(domain)) => {
                let Some(m) = &self.mesh else {
                    return Err(ServiceError::MeshUnavailable(name));
                };
                m.delegate(d, domain)
                    .await
                    .map_err(|source| ServiceError::Mesh {
                        service: name.clone(),
                        source,
                    })?
                    .0
            }
            Some(Client::Local(m)) => {
                let m = m.clone();
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
                tokio::task::spawn_blocking(move || m.chat(&msgs, &opts))
                    .await
                    .map_err(|e| ServiceError::Join(e.to_string()))??
                    .text
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
        })
    }
}

/// A cloud API's answer text, or its error named after the registry service.
fn remote(
    service: &str,
    r: Result<aos_worker::executor::Output, aos_worker::executor::ExecError>,
) -> Result<String, ServiceError> {
    r.map(|o| o.text).map_err(|source| ServiceError::Remote {
        service: service.to_owned(),
        source,
    })
}
