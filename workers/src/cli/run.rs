//! `aos-worker run`.

use aos_chain::{AosContracts, Deployments, load_keystore};
use aos_mesh::{BlobStore, MeshConfig};
use aos_protocol::{AgentKey, KeyFile};
use eyre::{Context, Result};
use tokio::sync::watch;

use super::{db_path, secret_from, secrets_path};
use crate::config::WorkerConfig;
use crate::engine::{Worker, WorkerParts};
use crate::secrets::SecretStore;
use crate::store::Store;

/// Opens the account, the agent key and the contracts.
pub(super) fn open_identity(
    cfg: &WorkerConfig,
) -> Result<(AosContracts, alloy::primitives::Address, AgentKey)> {
    let signer = match &cfg.private_key {
        Some(k) => {
            k.0.trim()
                .parse::<alloy::signers::local::PrivateKeySigner>()
                .wrap_err("--private-key (AOS_PRIVATE_KEY) is not a 32-byte hex private key")?
        }
        None => {
            let password = secret_from(&cfg.keystore_password_env, cfg.password_file.as_deref())
                .wrap_err("keystore password")?;
            load_keystore(&cfg.keystore, &password)?
        }
    };
    let account = signer.address();
    let deployments = Deployments::load(&cfg.deployments)?;
    let contracts = crate::chain::contracts(&cfg.rpc, signer, deployments)?;
    let pass = secret_from(&cfg.agent_key_passphrase_env, None).wrap_err("agent key passphrase")?;
    let key = KeyFile::read(&cfg.agent_key)
        .wrap_err_with(|| format!("agent key file {}", cfg.agent_key.display()))?
        .decrypt(pass.as_bytes())
        .wrap_err("cannot decrypt the agent key")?;
    Ok((contracts, account, key))
}

pub(super) async fn run(cfg: WorkerConfig) -> Result<()> {
    std::fs::create_dir_all(&cfg.data_dir)
        .wrap_err_with(|| format!("cannot create {}", cfg.data_dir.display()))?;
    let (contracts, account, key) = open_identity(&cfg)?;
    let store = Store::open(&db_path(&cfg)).await?;
    let chain_id = contracts.deployments().chain_id;
    let mesh_cfg = MeshConfig::new(chain_id, cfg.data_dir.join("blobs"))
        .with_mdns(cfg.mdns)
        .with_addresses(&cfg.listen, &cfg.bootstrap)
        .wrap_err("bad mesh settings (listen / bootstrap)")?;
    let (mesh, _mesh_task) = aos_mesh::spawn(&key, mesh_cfg).await?;
    for a in mesh.listen_addrs().await? {
        tracing::info!(%a, "mesh listening");
    }
    let blobs = BlobStore::open(cfg.data_dir.join("blobs"), 8 << 20)?;
    let secrets = SecretStore::new(secrets_path(&cfg));
    let pass = std::env::var("AOS_SECRETS_PASSPHRASE").ok();
    let executors = crate::executor::build(&cfg.executors, &store, &secrets, pass.as_deref())?;
    let judge = match &cfg.verify.judge {
        None => None,
        Some(kind) => {
            let j = executors
                .iter()
                .find(|e| e.kind() == kind)
                .and_then(|e| e.judge());
            if j.is_none() {
                eyre::bail!("verify.judge = {kind:?}: that executor cannot judge");
            }
            j
        }
    };
    tracing::info!(
        %account,
        agent = %key.agent_id(),
        executors = executors.len(),
        judge = judge.as_ref().map(|j| j.identity()),
        self_check = cfg.verify.self_check,
        "worker starting"
    );
    let worker = Worker::new(WorkerParts {
        config: cfg,
        contracts,
        account,
        agent_key: key,
        store,
        mesh: Some(mesh.clone()),
        blobs,
        executors,
        judge,
        events: None,
    });
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing the current step of each task");
        let _ = tx.send(true);
    });
    worker.run(rx).await?;
    mesh.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
