//! After the README's setup (`source script/env.sh`, `cargo build`), the README's usage
//! lines run as written: `aos` and the other binaries are on PATH, with forge, anvil and cast.

use std::process::Command;

use aos_tests::{bin, root};

#[test]
fn sourcing_env_sh_puts_the_built_binaries_and_foundry_on_path() {
    let aos = bin("aos");
    let debug = aos.parent().expect("target/debug");
    let target = debug.parent().expect("target");
    let out = Command::new("bash")
        .arg("-c")
        .arg(
            "source script/env.sh && for b in aos aos-worker aos-indexer aos-coordinator anvil \
             forge cast; do command -v $b || echo missing $b; done",
        )
        .current_dir(root())
        .env("PATH", "/usr/bin:/bin")
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("run bash");
    assert!(out.status.success(), "{out:?}");
    let found = String::from_utf8_lossy(&out.stdout);
    assert!(!found.contains("missing"), "{found}");
    let first = found.lines().next().unwrap_or_default();
    assert_eq!(std::path::Path::new(first), aos, "{found}");
}
