//! The LLM registry (white paper §4.1): capability profiles of the services a step can be
//! routed to. The paper's table ships as `data/llm-registry.json` (edit it, or pass your own
//! file); mesh workers found through the indexer's `/route` join it at run time.
//!
//! Additions to the paper's fields: `endpoint` (how to reach the service) and `karma` (WAD
//! score of the source, used by routing and aggregation; cloud and local services default
//! to 0.5). `best_for` of grok-2 and gemini-pro also list the §4.2 type names
//! `social_sentiment` / `long_document` so the table and the rules use one vocabulary.

use std::{collections::BTreeMap, path::Path};

use serde::{Deserialize, Serialize};

const DEFAULT_REGISTRY: &str = include_str!("../data/llm-registry.json");

/// Where a service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    /// The local llama.cpp model.
    Local,
    /// A cloud API reached with the user's own key.
    Cloud,
    /// A worker on the AOS mesh, paid through the TaskMarket.
    Mesh,
}

/// How to reach a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Endpoint {
    /// The coordinator's own model.
    Local,
    /// OpenAI-compatible Chat Completions (`POST {base_url}/chat/completions`).
    Openai {
        /// e.g. `https://api.openai.com/v1`.
        base_url: String,
        /// Model name sent in the request.
        model: String,
        /// Environment variable holding the API key.
        api_key_env: String,
    },
    /// Anthropic Messages API (`POST {base_url}/v1/messages`).
    Anthropic {
        /// e.g. `https://api.anthropic.com`.
        base_url: String,
        /// Model name.
        model: String,
        /// Environment variable holding the API key.
        api_key_env: String,
    },
    /// A mesh worker: an on-chain sub-task in `domain`, for `worker`.
    Mesh {
        /// The worker's Ethereum address.
        worker: String,
        /// Karma domain of the sub-task.
        domain: String,
    },
}

/// One service's capability profile (white paper §4.1 fields + `endpoint`, `karma`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceProfile {
    /// local / cloud / mesh.
    #[serde(rename = "type")]
    pub kind: ServiceKind,
    /// What it is good at.
    #[serde(default)]
    pub strengths: Vec<String>,
    /// What it is bad at.
    #[serde(default)]
    pub weaknesses: Vec<String>,
    /// USD per 1,000 tokens.
    pub cost_per_1k_tokens: f64,
    /// Context window in tokens.
    pub max_context: u64,
    /// Typical latency in ms.
    pub latency_ms: u64,
    /// Step types it suits.
    #[serde(default)]
    pub best_for: Vec<String>,
    /// How to reach it.
    pub endpoint: Endpoint,
    /// Karma of the source in `[0, 1]` (default 0.5).
    #[serde(default = "half")]
    pub karma: f64,
}

fn half() -> f64 {
    0.5
}

/// The registry: service name → profile, in name order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LlmRegistry {
    /// Services by name.
    pub services: BTreeMap<String, ServiceProfile>,
}

/// A registry file is unusable.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Unreadable file.
    #[error("cannot read registry {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not a registry JSON.
    #[error("registry {path} is malformed: {source}")]
    Json {
        /// The file.
        path: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A profile is out of range.
    #[error("registry entry {name}: {problem}")]
    Invalid {
        /// Service name.
        name: String,
        /// What is wrong.
        problem: String,
    },
}

impl LlmRegistry {
    /// The white paper's §4.1 table.
    pub fn default_registry() -> Self {
        Self::from_json("data/llm-registry.json", DEFAULT_REGISTRY)
            .expect("the shipped registry is valid")
    }

    /// Load a registry file.
    ///
    /// # Errors
    /// [`RegistryError`] naming the file and the problem.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, RegistryError> {
        let p = path.as_ref();
        let text = std::fs::read_to_string(p).map_err(|source| RegistryError::Io {
            path: p.display().to_string(),
            source,
        })?;
        Self::from_json(&p.display().to_string(), &text)
    }

    fn from_json(path: &str, text: &str) -> Result<Self, RegistryError> {
        let r: Self = serde_json::from_str(text).map_err(|source| RegistryError::Json {
            path: path.to_owned(),
            source,
        })?;
        for (name, s) in &r.services {
            let bad = |problem: &str| RegistryError::Invalid {
                name: name.clone(),
                problem: problem.into(),
            };
            if !(s.cost_per_1k_tokens.is_finite() && s.cost_per_1k_tokens >= 0.0) {
                return Err(bad("cost_per_1k_tokens must be a finite number >= 0"));
            }
            if !(0.0..=1.0).contains(&s.karma) {
                return Err(bad("karma must be in [0, 1]"));
            }
            if s.max_context == 0 {
                return Err(bad("max_context must be > 0"));
            }
        }
        Ok(r)
    }

    /// The first local service (the coordinator's own model).
    pub fn local(&self) -> Option<(&str, &ServiceProfile)> {
        self.services
            .iter()
            .find(|(_, s)| s.kind == ServiceKind::Local)
            .map(|(n, s)| (n.as_str(), s))
    }

    /// Add (or replace) a mesh worker as service `mesh:<address>`.
    pub fn add_mesh_worker(
        &mut self,
        address: &str,
        domain: &str,
        karma: f64,
        cost_per_1k_tokens: f64,
    ) {
        self.services.insert(
            format!("mesh:{address}"),
            ServiceProfile {
                kind: ServiceKind::Mesh,
                strengths: vec!["karma-verified".into()],
                weaknesses: vec!["latency".into()],
                cost_per_1k_tokens,
                max_context: 8192,
                latency_ms: 30_000,
                best_for: vec![
                    domain.to_owned(),
                    "simple_analysis".into(),
                    "fast_generation".into(),
                ],
                endpoint: Endpoint::Mesh {
                    worker: address.to_owned(),
                    domain: domain.to_owned(),
                },
                karma: karma.clamp(0.0, 1.0),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_registry_is_the_papers_table() {
        let r = LlmRegistry::default_registry();
        let names: Vec<&str> = r.services.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "claude-opus",
                "gemini-pro",
                "gpt-4o",
                "grok-2",
                "wasm-llama"
            ]
        );
        let opus = &r.services["claude-opus"];
        assert_eq!(opus.cost_per_1k_tokens, 0.015);
        assert_eq!(opus.max_context, 200_000);
        assert_eq!(opus.latency_ms, 2000);
        assert_eq!(r.local().unwrap().0, "wasm-llama");
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let e = LlmRegistry::from_json("x", r#"{"a": {"type":"cloud","cost_per_1k_tokens":-1,"max_context":1,"latency_ms":1,"endpoint":{"kind":"local"}}}"#).unwrap_err();
        assert!(e.to_string().contains("cost_per_1k_tokens"), "{e}");
        assert!(LlmRegistry::from_json("x", "[").is_err());
    }
}
