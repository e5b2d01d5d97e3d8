//! Logs written to a pipe (a log file, `2>&1 | less`, a CI job) carry no ANSI colour codes:
//! each of the four binaries, run with a verbose filter and stderr piped, writes plain log
//! lines.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use aos_tests::{bin, model};

/// The first few stderr lines of `cmd` (stderr a pipe), then the process is killed.
fn first_stderr_lines(mut cmd: Command) -> String {
    let mut child = cmd
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::sync_channel(16);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok).take(5) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    while let Ok(l) = rx.recv_timeout(Duration::from_secs(60)) {
        lines.push(l);
    }
    let _ = child.kill();
    let _ = child.wait();
    lines.join("\n")
}

fn assert_plain(what: &str, text: &str) {
    assert!(
        text.contains("DEBUG") || text.contains("INFO"),
        "{what} wrote no log line to stderr: {text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "{what} wrote colour codes to a pipe: {text:?}"
    );
}

#[test]
fn no_binary_writes_colour_codes_to_a_pipe() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let deployments = d.join("deployments.json");
    std::fs::write(
        &deployments,
        r#"{"chainId":31337,"startBlock":0,"deployer":"0x0000000000000000000000000000000000000001",
        "owner":"0x0000000000000000000000000000000000000001",
        "agentRegistry":"0x0000000000000000000000000000000000000002",
        "karmaRegistry":"0x0000000000000000000000000000000000000003",
        "randomness":"0x0000000000000000000000000000000000000004",
        "disputeCourt":"0x0000000000000000000000000000000000000005",
        "taskMarket":"0x0000000000000000000000000000000000000006"}"#,
    )
    .unwrap();

    let mut aos = Command::new(bin("aos"));
    aos.env("AOS_LOG", "debug")
        .env("AOS_DATA_DIR", d.join("aos"))
        .arg("--blob-dir")
        .arg(d)
        .args(["blob", "get", &format!("0x{}", "ab".repeat(32))])
        .args(["--gateway", "http://127.0.0.1:1", "--mesh-timeout", "0"]);
    assert_plain("aos", &first_stderr_lines(aos));

    std::fs::create_dir_all(d.join("worker")).unwrap();
    let mut worker = Command::new(bin("aos-worker"));
    worker
        .args(["--log", "debug", "--data-dir"])
        .arg(d.join("worker"))
        .args(["human", "list"]);
    assert_plain("aos-worker", &first_stderr_lines(worker));

    let mut indexer = Command::new(bin("aos-indexer"));
    indexer
        .env("AOS_LOG", "debug")
        .args([
            "run",
            "--rpc",
            "http://127.0.0.1:1",
            "--no-api",
            "--deployments",
        ])
        .arg(&deployments)
        .arg("--db")
        .arg(d.join("indexer.sqlite"));
    assert_plain("aos-indexer", &first_stderr_lines(indexer));

    let mut coordinator = Command::new(bin("aos-coordinator"));
    coordinator
        .env("AOS_LOG", "debug")
        .args(["ask", "hi", "--timeout", "1", "--model"])
        .arg(model("--tiny"));
    assert_plain("aos-coordinator", &first_stderr_lines(coordinator));
}
