//! Shared option groups, flattened into every command, and the configuration file.
//!
//! Every global setting has one name used three ways: a flag (`--rpc`), an environment
//! variable (`AOS_RPC`) and a key in the TOML config file (`rpc = "…"`). Precedence: flag,
//! then environment, then the config file, then the built-in default.

use std::path::{Path, PathBuf};

use clap::Args;
use eyre::{Result, WrapErr, bail};
use figment::{
    Figment,
    providers::{Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

/// Where the chain, the contracts, the indexer, the mesh and the model are: the shared
/// groups of `aos-args` (the names every AOS binary uses) plus what only `aos` reads.
///
/// Named apart from the flattened `aos_args::RpcArgs`: clap names a struct's argument group
/// after the struct, and two groups named `RpcArgs` made a debug build of `aos` panic at
/// start (`cli::tests::the_command_line_is_well_formed` guards it).
#[derive(Debug, Clone, Default, Args, Serialize)]
pub(crate) struct EndpointArgs {
    /// Chain endpoint and deployments [config `rpc`, `deployments`; default
    /// http://127.0.0.1:8545 and .devnet/deployments.json].
    #[command(flatten)]
    #[serde(flatten)]
    pub(crate) chain: aos_args::RpcArgs,
    /// The indexer's API.
    #[command(flatten)]
    #[serde(flatten)]
    pub(crate) indexer: aos_args::IndexerArgs,
    /// Mesh addresses of the node `aos` starts to fetch blobs.
    #[command(flatten)]
    #[serde(flatten)]
    pub(crate) mesh: aos_args::MeshArgs,
    /// Folder a blob gateway serves: `aos task post` publishes the spec there as
    /// `<0x content id>` so workers can fetch it [config `blob_dir`].
    #[arg(long, env = "AOS_BLOB_DIR", global = true, value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) blob_dir: Option<PathBuf>,
    /// Local GGUF model for `aos ask`, and the rubric judge of `aos task review` and `aos
    /// juror review` [config `model`].
    #[arg(long, env = "AOS_MODEL", global = true, value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) model: Option<PathBuf>,
}

/// Which account signs: the shared group (`--keystore`, `--password-file`, `--private-key`).
pub(crate) type WalletArgs = aos_args::WalletArgs;

/// Which agent key signs off-chain messages (`--agent-key`): registered by `aos worker
/// register`, signing the verdicts of `aos task review` and `aos juror review`.
pub(crate) type AgentKeyArgs = aos_args::AgentKeyArgs;

/// Where state lives and how output looks.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub(crate) struct OutputArgs {
    /// TOML config file with the same keys as the flags (rpc, deployments, keystore,
    /// password_file, private_key, agent_key, data_dir, json, indexer, blob_dir, listen,
    /// bootstrap, model)
    /// [default ./.devnet/config.toml (written by `aos devnet up`), else
    /// ~/.config/aos/config.toml, if present].
    #[arg(long, env = "AOS_CONFIG", global = true, value_name = "FILE")]
    #[serde(skip)]
    pub(crate) config: Option<PathBuf>,
    /// Folder for local state: juror vote salts, agent keys [config `data_dir`; default
    /// $XDG_DATA_HOME/aos or ~/.local/share/aos].
    #[arg(long, env = "AOS_DATA_DIR", global = true, value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Machine output: one JSON document on stdout, no spinners [config `json`].
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) json: bool,
    /// More detail (transaction hashes, gas); repeat for debug logs.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    #[serde(skip)]
    pub(crate) verbose: u8,
    /// Only results and errors: no progress, no hints on success.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    #[serde(skip)]
    pub(crate) quiet: bool,
}

/// The resolved global settings (flags > environment > config file > defaults).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Settings {
    /// JSON-RPC endpoint.
    pub(crate) rpc: String,
    /// Deployments JSON.
    pub(crate) deployments: PathBuf,
    /// Keystore of the signing account.
    pub(crate) keystore: Option<PathBuf>,
    /// Keystore password file.
    pub(crate) password_file: Option<PathBuf>,
    /// Raw private key (dev only).
    pub(crate) private_key: Option<String>,
    /// Agent key file (Ed25519, aos-protocol's encrypted key file).
    pub(crate) agent_key: Option<PathBuf>,
    /// Local state folder.
    pub(crate) data_dir: PathBuf,
    /// Machine output.
    pub(crate) json: bool,
    /// aos-indexer API base URL.
    pub(crate) indexer: Option<String>,
    /// Folder a blob gateway serves.
    pub(crate) blob_dir: Option<PathBuf>,
    /// Mesh listen multiaddrs of the node `aos` starts (empty: one loopback port).
    pub(crate) listen: Vec<String>,
    /// Mesh bootstrap multiaddrs.
    pub(crate) bootstrap: Vec<String>,
    /// Local GGUF model.
    pub(crate) model: Option<PathBuf>,
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

fn xdg(var: &str, fallback: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(fallback)))
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            rpc: "http://127.0.0.1:8545".into(),
            deployments: PathBuf::from(".devnet/deployments.json"),
            keystore: None,
            password_file: None,
            private_key: None,
            agent_key: None,
            data_dir: xdg("XDG_DATA_HOME", ".local/share")
                .map(|d| d.join("aos"))
                .unwrap_or_else(|| PathBuf::from(".aos")),
            json: false,
            indexer: None,
            blob_dir: None,
            listen: Vec::new(),
            bootstrap: Vec::new(),
            model: None,
        }
    }
}

/// The config file to read: `--config` (must exist), else `./.devnet/config.toml` (written
/// by `aos devnet up` in this folder), else `~/.config/aos/config.toml`, when present.
fn config_path(explicit: Option<&Path>) -> Result<Option<PathBuf>> {
    if let Some(p) = explicit {
        if !p.is_file() {
            bail!(
                "config file {} does not exist (drop --config/AOS_CONFIG to use defaults)",
                p.display()
            );
        }
        return Ok(Some(p.to_owned()));
    }
    let devnet = PathBuf::from(".devnet/config.toml");
    if devnet.is_file() {
        return Ok(Some(devnet));
    }
    Ok(xdg("XDG_CONFIG_HOME", ".config")
        .map(|d| d.join("aos/config.toml"))
        .filter(|p| p.is_file()))
}

impl Settings {
    /// Merge defaults, the config file, then flags/environment (clap has already merged
    /// those two).
    ///
    /// # Errors
    /// A missing explicit config file, or a file with unknown keys or wrong types.
    pub(crate) fn resolve(
        rpc: &EndpointArgs,
        wallet: &WalletArgs,
        agent: &AgentKeyArgs,
        out: &OutputArgs,
    ) -> Result<Self> {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        let path = config_path(out.config.as_deref())?;
        if let Some(p) = &path {
            fig = fig.merge(Toml::file(p));
        }
        fig = fig
            .merge(Serialized::defaults(rpc))
            .merge(Serialized::defaults(wallet))
            .merge(Serialized::defaults(agent))
            .merge(Serialized::defaults(out));
        fig.extract().wrap_err_with(|| match &path {
            Some(p) => format!(
                "bad config file {} (keys: rpc, deployments, keystore, password_file, \
                 private_key, agent_key, data_dir, json, indexer, blob_dir, listen, bootstrap, \
                 model)",
                p.display()
            ),
            None => "bad settings".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_file_which_beats_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, "rpc = \"http://file:1\"\ndata_dir = \"/tmp/x\"\n").unwrap();
        let out = OutputArgs {
            config: Some(cfg.clone()),
            ..Default::default()
        };
        let s = Settings::resolve(
            &EndpointArgs::default(),
            &WalletArgs::default(),
            &AgentKeyArgs::default(),
            &out,
        )
        .unwrap();
        assert_eq!(s.rpc, "http://file:1");
        assert_eq!(s.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(s.deployments, PathBuf::from(".devnet/deployments.json"));
        let rpc = EndpointArgs {
            chain: aos_args::RpcArgs {
                rpc: Some("http://flag:2".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let s = Settings::resolve(&rpc, &WalletArgs::default(), &AgentKeyArgs::default(), &out)
            .unwrap();
        assert_eq!(s.rpc, "http://flag:2");

        std::fs::write(&cfg, "rcp = \"typo\"\n").unwrap();
        let e = Settings::resolve(
            &EndpointArgs::default(),
            &WalletArgs::default(),
            &AgentKeyArgs::default(),
            &out,
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("rcp"), "{e:#}");
        let missing = OutputArgs {
            config: Some(dir.path().join("none.toml")),
            ..Default::default()
        };
        assert!(
            Settings::resolve(
                &EndpointArgs::default(),
                &WalletArgs::default(),
                &AgentKeyArgs::default(),
                &missing
            )
            .is_err()
        );
    }
}
