//! Deploying AOS with the real deploy script (`script/Deploy.s.sol` through `forge script`),
//! so the tests and `aos devnet up` exercise exactly what users deploy.

use std::{path::Path, process::Stdio};

use alloy::signers::local::PrivateKeySigner;

use super::DevnetError;
use crate::Deployments;

/// Serialises `forge script` runs within a process (they share forge's cache and broadcast
/// folders).
static DEPLOY_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Deploy the contracts to `rpc_url` with `forge script script/Deploy.s.sol --broadcast`,
/// signed by `deployer`, and write the deployments JSON to `out`.
///
/// forge may only write under `<root>/.devnet` (foundry.toml `fs_permissions`), so it writes
/// there under a name unique to this process and `out`'s file name, and the file is moved to
/// `out` when `out` is elsewhere.
///
/// # Errors
/// [`DevnetError::ToolMissing`] without forge, [`DevnetError::Deploy`] with forge's output
/// when the script fails, [`DevnetError::Io`], [`DevnetError::Deployments`].
pub async fn deploy(
    root: &Path,
    rpc_url: &str,
    deployer: &PrivateKeySigner,
    out: &Path,
) -> Result<Deployments, DevnetError> {
    let forge = super::tool(root, "forge")?;
    let staging = root.join(".devnet");
    std::fs::create_dir_all(&staging)?;
    let forge_out = if out.parent() == Some(staging.as_path()) {
        out.to_owned()
    } else {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "deployments.json".into());
        staging.join(format!("{}-{name}", std::process::id()))
    };
    let key = format!("0x{}", alloy::hex::encode(deployer.to_bytes()));
    let output = {
        let _guard = DEPLOY_LOCK.lock().await;
        tokio::process::Command::new(forge)
            .current_dir(root)
            .args(["script", "script/Deploy.s.sol", "--broadcast", "--rpc-url"])
            .arg(rpc_url)
            .args(["--private-key", &key])
            .env("FOUNDRY_SOLC", root.join("script/solc"))
            .env("AOS_DEPLOYMENTS_OUT", &forge_out)
            .stdin(Stdio::null())
            .output()
            .await?
    };
    if !output.status.success() {
        return Err(DevnetError::Deploy {
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        });
    }
    if forge_out != out {
        std::fs::copy(&forge_out, out)?;
        let _ = std::fs::remove_file(&forge_out);
    }
    Ok(Deployments::load(out)?)
}
