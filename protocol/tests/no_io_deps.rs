//! The protocol crate must stay pure (DESIGN.md "Parts": no tokio, sqlx, libp2p): fail if
//! any I/O runtime crate appears among its normal (non-dev) dependencies.

use std::process::Command;

const FORBIDDEN: &[&str] = &[
    "tokio",
    "sqlx",
    "libp2p",
    "reqwest",
    "hyper",
    "mio",
    "async-std",
];

#[test]
fn no_io_runtime_dependencies() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "-p",
            "aos-protocol",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    let mut names: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    names.sort_unstable();
    names.dedup();
    assert!(
        names.contains(&"aos-protocol"),
        "unexpected cargo tree output:\n{tree}"
    );
    let bad: Vec<&&str> = names
        .iter()
        .filter(|n| {
            FORBIDDEN
                .iter()
                .any(|f| n == &f || n.starts_with(&format!("{f}-")))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "I/O crates in aos-protocol's dependency tree: {bad:?}"
    );
}
