//! Models for the coordinator's tests, fetched by script/fetch-model.sh and loaded once per
//! test binary with 1 thread (TOOLCHAIN.md).
#![allow(dead_code, unreachable_pub)]

use std::sync::OnceLock;

use aos_llm::{LocalClient, ModelOptions};

/// Path printed by `script/fetch-model.sh <arg>` (`--default` or `--tiny`).
pub fn fetch(arg: &str) -> String {
    let out = std::process::Command::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../script/fetch-model.sh"
    ))
    .arg(arg)
    .output()
    .expect("script/fetch-model.sh runs");
    assert!(
        out.status.success(),
        "fetch-model {arg}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The model behind aos-llm's actor (the path the coordinator's CLI takes).
fn load(arg: &str) -> LocalClient {
    LocalClient::spawn(
        fetch(arg),
        ModelOptions {
            threads: 1,
            n_ctx: 2048,
        },
    )
    .unwrap()
}

/// The default SmolLM2 model.
pub fn default_model() -> LocalClient {
    static M: OnceLock<LocalClient> = OnceLock::new();
    M.get_or_init(|| load("--default")).clone()
}

/// The tiny random-weight model.
pub fn tiny_model() -> LocalClient {
    static M: OnceLock<LocalClient> = OnceLock::new();
    M.get_or_init(|| load("--tiny")).clone()
}
