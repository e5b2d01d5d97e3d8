//! Where the AOS repository and its toolchain are: the deploy script lives in the repository
//! and anvil/forge in its `node_modules` (installed by `script/setup.sh`).

use std::path::{Path, PathBuf};

use super::DevnetError;

/// Whether `dir` is the AOS repository (it holds `script/Deploy.s.sol`).
pub fn is_repo_root(dir: &Path) -> bool {
    dir.join("script/Deploy.s.sol").is_file()
}

/// The AOS repository: `explicit` (e.g. `--root` or `$AOS_ROOT`) when given, else the first
/// ancestor of the current folder that holds `script/Deploy.s.sol`, else the workspace this
/// crate was built in.
///
/// # Errors
/// [`DevnetError::NotARepo`] when `explicit` holds no deploy script;
/// [`DevnetError::RepoNotFound`] when no candidate does.
pub fn find_root(explicit: Option<&Path>) -> Result<PathBuf, DevnetError> {
    if let Some(r) = explicit {
        return if is_repo_root(r) {
            Ok(r.to_owned())
        } else {
            Err(DevnetError::NotARepo(r.to_owned()))
        };
    }
    if let Ok(cwd) = std::env::current_dir()
        && let Some(r) = cwd.ancestors().find(|p| is_repo_root(p))
    {
        return Ok(r.to_owned());
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if is_repo_root(&built) {
        return Ok(built);
    }
    Err(DevnetError::RepoNotFound)
}

/// The repository the tests use: `$AOS_ROOT`, else the workspace this crate was built in.
pub(crate) fn test_root() -> PathBuf {
    std::env::var_os("AOS_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
}

/// A foundry binary (`anvil`, `forge`, `cast`) from the repository's npm toolchain: the real
/// ELF binary, not npm's Node wrapper.
///
/// # Errors
/// [`DevnetError::ToolMissing`] naming where it was looked for.
pub fn tool(root: &Path, name: &'static str) -> Result<PathBuf, DevnetError> {
    let path = root.join(format!(
        "node_modules/@foundry-rs/{name}-linux-amd64/bin/{name}"
    ));
    if path.is_file() {
        Ok(path)
    } else {
        Err(DevnetError::ToolMissing { tool: name, path })
    }
}
