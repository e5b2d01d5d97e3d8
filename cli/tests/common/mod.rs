//! Helpers shared by the `aos` integration tests: run the real binary with a clean
//! environment (no user config, a private data dir) and parse its JSON.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;

use assert_cmd::Command;

/// `aos` with no inherited AOS_* settings, HOME and the data dir under `home`.
pub fn aos(home: &Path) -> Command {
    let mut c = Command::cargo_bin("aos").expect("the aos binary is built");
    for (k, _) in std::env::vars() {
        if k.starts_with("AOS_") && k != "AOS_ROOT" {
            c.env_remove(k);
        }
    }
    c.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("AOS_DATA_DIR", home.join("data"))
        .env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(120));
    c
}

/// Run, require success, parse stdout as JSON.
pub fn json(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().expect("aos runs");
    assert!(
        out.status.success(),
        "aos failed ({:?}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Run, require failure, return (exit code, stderr).
pub fn fails(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().expect("aos runs");
    assert!(
        !out.status.success(),
        "aos should have failed:\nstdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
