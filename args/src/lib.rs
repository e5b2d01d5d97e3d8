//! # aos-args — one settings vocabulary for the AOS binaries
//!
//! `aos`, `aos-worker`, `aos-indexer` and `aos-coordinator` flatten these option groups
//! into their clap parsers (foundry's `foundry-cli` `opts/` layout), so a setting has one
//! name everywhere: a flag (`--rpc`), an environment variable (`AOS_RPC`) and, for the
//! binaries that read a TOML file, a config key (`rpc`). Precedence where a file exists:
//! flag, then environment, then file, then default.
//!
//! | group | flags (environment) |
//! |---|---|
//! | [`RpcArgs`] | `--rpc` (`AOS_RPC`), `--deployments` (`AOS_DEPLOYMENTS`) |
//! | [`WalletArgs`] | `--keystore` (`AOS_KEYSTORE`), `--password-file` (`AOS_PASSWORD_FILE`), `--private-key` (`AOS_PRIVATE_KEY`) |
//! | [`AgentKeyArgs`] | `--agent-key` (`AOS_AGENT_KEY`) |
//! | [`MeshArgs`] | `--listen` (`AOS_LISTEN`), `--bootstrap` (`AOS_BOOTSTRAP`) |
//! | [`IndexerArgs`] | `--indexer` (`AOS_INDEXER`) |
//! | [`DbArgs`] | `--db` (`AOS_DB`) |
//! | [`LogArgs`] | `--log` (`AOS_LOG`) and [`LogArgs::init`] |
//!
//! The README's settings table lists every one with the binaries that take it; the
//! `settings_table` test in `tests/` checks it against each binary's `--help`.
//!
//! Groups only carry values (every field optional, so a config file can fill it in); the
//! crates that own a concept turn them into things (`aos-chain` a provider or a signer,
//! `aos-mesh` a `MeshConfig`).

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

/// Where the chain and the contracts are.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct RpcArgs {
    /// JSON-RPC endpoint of the chain (HTTP) [config `rpc`; default http://127.0.0.1:8545
    /// where a binary has one].
    #[arg(
        long,
        visible_alias = "rpc-url",
        env = "AOS_RPC",
        global = true,
        value_name = "URL"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpc: Option<String>,
    /// Deployments JSON written by script/Deploy.s.sol or `aos devnet up` (contract
    /// addresses, chain id, deployment block) [config `deployments`].
    #[arg(long, env = "AOS_DEPLOYMENTS", global = true, value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployments: Option<PathBuf>,
}

/// Which Ethereum account signs transactions.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct WalletArgs {
    /// Encrypted Ethereum keystore (geth/foundry JSON) of the signing account; its
    /// password comes from --password-file or $AOS_PASSWORD [config `keystore`].
    #[arg(long, env = "AOS_KEYSTORE", global = true, value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keystore: Option<PathBuf>,
    /// File whose first line is the keystore password (and the agent key passphrase when
    /// $AOS_AGENT_PASSPHRASE is unset) [config `password_file`].
    #[arg(long, env = "AOS_PASSWORD_FILE", global = true, value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    /// Raw private key, hex (development only: it shows in `ps` and shell history)
    /// [config `private_key`].
    #[arg(
        long,
        env = "AOS_PRIVATE_KEY",
        global = true,
        hide_env_values = true,
        value_name = "HEX"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
}

/// The keystore password by the rule every AOS binary documents: `$AOS_PASSWORD` if set,
/// else the first line of `password_file`, else `None`.
///
/// # Errors
/// The password file cannot be read (the error names the file).
pub fn keystore_password(
    password_file: Option<&std::path::Path>,
) -> Result<Option<String>, std::io::Error> {
    if let Ok(p) = std::env::var("AOS_PASSWORD") {
        return Ok(Some(p));
    }
    let Some(f) = password_file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(f).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot read the password file {}: {e}", f.display()),
        )
    })?;
    Ok(Some(text.lines().next().unwrap_or_default().to_owned()))
}

impl WalletArgs {
    /// The keystore password ([`keystore_password`] over `--password-file`).
    ///
    /// # Errors
    /// As [`keystore_password`].
    pub fn password(&self) -> Result<Option<String>, std::io::Error> {
        keystore_password(self.password_file.as_deref())
    }
}

/// The agent's Ed25519 key: its identity on the mesh and in signed envelopes.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct AgentKeyArgs {
    /// Agent key file (Ed25519, encrypted; passphrase in $AOS_AGENT_PASSPHRASE)
    /// [config `agent_key`].
    #[arg(long, env = "AOS_AGENT_KEY", global = true, value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_key: Option<PathBuf>,
}

/// Where this node sits on the mesh.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct MeshArgs {
    /// Mesh listen multiaddrs, comma-separated (e.g. /ip4/0.0.0.0/tcp/4001)
    /// [config `listen`, a list; default one loopback TCP port].
    #[arg(
        long,
        env = "AOS_LISTEN",
        global = true,
        value_name = "MULTIADDR",
        value_delimiter = ','
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<Vec<String>>,
    /// Mesh bootstrap peers, comma-separated multiaddrs ending in /p2p/<peer id>
    /// [config `bootstrap`, a list].
    #[arg(
        long,
        env = "AOS_BOOTSTRAP",
        global = true,
        value_name = "MULTIADDR",
        value_delimiter = ','
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<Vec<String>>,
}

/// Where the indexer's API is.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct IndexerArgs {
    /// aos-indexer API base URL (task lists, karma, routing) [config `indexer`].
    #[arg(long, env = "AOS_INDEXER", global = true, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indexer: Option<String>,
}

/// Where a service keeps its SQL mirror.
#[derive(Debug, Clone, Args, Serialize)]
pub struct DbArgs {
    /// Database: a SQLite file path, sqlite://path, or postgres://user@host/db.
    #[arg(
        long,
        env = "AOS_DB",
        default_value = "aos-indexer.sqlite",
        value_name = "URL"
    )]
    pub db: String,
}

/// How much a binary logs.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct LogArgs {
    /// Log filter in tracing `EnvFilter` syntax, e.g. `info`, `aos_worker=debug`
    /// [default: the binary's own level].
    #[arg(long, env = "AOS_LOG", global = true, value_name = "FILTER")]
    #[serde(skip)]
    pub log: Option<String>,
}

impl LogArgs {
    /// Installs the global `tracing` subscriber: logs go to stderr, filtered by `--log` /
    /// `AOS_LOG` (else `default_filter`), with colour only when stderr is a terminal, so a
    /// log file or a pipe gets plain text. A filter that does not parse falls back to
    /// `default_filter` with a warning. Calling it twice keeps the first subscriber.
    pub fn init(&self, default_filter: &str) {
        let (filter, bad) = match self.log.as_deref() {
            Some(f) => match tracing_subscriber::EnvFilter::try_new(f) {
                Ok(filter) => (filter, None),
                Err(e) => (
                    tracing_subscriber::EnvFilter::new(default_filter),
                    Some((f.to_owned(), e)),
                ),
            },
            None => (tracing_subscriber::EnvFilter::new(default_filter), None),
        };
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .try_init();
        if let Some((f, e)) = bad {
            eprintln!("warning: --log {f:?} is not a valid filter ({e}); using {default_filter:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Debug, Parser)]
    struct All {
        #[command(flatten)]
        rpc: RpcArgs,
        #[command(flatten)]
        wallet: WalletArgs,
        #[command(flatten)]
        agent: AgentKeyArgs,
        #[command(flatten)]
        mesh: MeshArgs,
        #[command(flatten)]
        indexer: IndexerArgs,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        log: LogArgs,
    }

    #[test]
    fn groups_compose_without_clashes_and_parse() {
        All::command().debug_assert();
        let a = All::parse_from([
            "x",
            "--rpc-url",
            "http://h:1",
            "--bootstrap",
            "/ip4/1.2.3.4/tcp/1,/ip4/1.2.3.5/tcp/2",
            "--db",
            "postgres://u@h/d",
        ]);
        assert_eq!(a.rpc.rpc.as_deref(), Some("http://h:1"));
        assert_eq!(a.mesh.bootstrap.map(|b| b.len()), Some(2));
        assert_eq!(a.db.db, "postgres://u@h/d");
        // only what was given is serialised, so a config file fills in the rest
        let v = serde_json::to_value(&a.rpc).unwrap();
        assert_eq!(v, serde_json::json!({"rpc": "http://h:1"}));
    }

    #[test]
    fn the_password_is_the_files_first_line_and_a_missing_file_is_named() {
        // $AOS_PASSWORD wins over the file; the test process does not set it
        assert!(
            std::env::var_os("AOS_PASSWORD").is_none(),
            "unset AOS_PASSWORD to run this"
        );
        let dir = std::env::temp_dir().join(format!("aos-args-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("pw");
        std::fs::write(&f, "secret\nignored\n").unwrap();
        assert_eq!(
            keystore_password(Some(&f)).unwrap().as_deref(),
            Some("secret")
        );
        assert_eq!(keystore_password(None).unwrap(), None);
        let e = keystore_password(Some(&dir.join("none"))).unwrap_err();
        assert!(e.to_string().contains("none"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_flag_has_an_aos_environment_variable() {
        for arg in All::command().get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            let env = arg.get_env().and_then(|e| e.to_str()).unwrap_or_default();
            let want = format!("AOS_{}", id.to_uppercase());
            assert_eq!(env, want, "--{id}");
        }
    }
}
