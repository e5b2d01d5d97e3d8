//! The README's settings table says, once, which flag and environment variable each of the
//! four binaries takes. This test reads the table and each binary's `--help` and fails when
//! they disagree in either direction: a ✓ whose flag or variable the binary lacks, or an
//! `AOS_*` variable in a binary's help that the table does not list for it.

use std::collections::BTreeSet;
use std::process::Command;

/// The binaries, in the table's column order, with the arguments that print the help
/// holding their settings (the indexer's and coordinator's live on their main subcommand).
const BINARIES: [(&str, &[&str]); 4] = [
    ("aos", &["--help"]),
    ("aos-worker", &["--help"]),
    ("aos-indexer", &["run", "--help"]),
    ("aos-coordinator", &["ask", "--help"]),
];

struct Row {
    flag: String,
    env: String,
    takes: [bool; 4],
}

fn table() -> Vec<Row> {
    let readme = std::fs::read_to_string(aos_tests::root().join("README.md")).expect("README.md");
    let start = readme
        .find("<!-- settings-table -->")
        .expect("README has <!-- settings-table -->");
    let end = readme
        .find("<!-- /settings-table -->")
        .expect("README has <!-- /settings-table -->");
    let mut rows = Vec::new();
    for line in readme[start..end].lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        // | setting | flag | environment | config key | aos | aos-worker | aos-indexer | aos-coordinator |
        if cells.len() != 8 || !cells[1].starts_with("`--") {
            continue;
        }
        // the first `code` of a cell: "`--rpc` (alias `--rpc-url`)" is --rpc
        let unquote = |s: &str| s.split('`').nth(1).unwrap_or_default().to_string();
        let mut takes = [false; 4];
        for (i, t) in takes.iter_mut().enumerate() {
            *t = cells[4 + i] == "✓";
        }
        rows.push(Row {
            flag: unquote(cells[1]),
            env: unquote(cells[2]),
            takes,
        });
    }
    assert!(
        rows.len() >= 8,
        "the settings table has {} rows",
        rows.len()
    );
    rows
}

fn help(bin: &str, args: &[&str]) -> String {
    let out = Command::new(aos_tests::bin(bin))
        .args(args)
        .env_clear()
        .env("PATH", aos_tests::path_env())
        .output()
        .unwrap_or_else(|e| panic!("run {bin}: {e}"));
    assert!(out.status.success(), "{bin} {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every `AOS_*` name inside an `[env: …]` note of a help text.
fn env_vars(help: &str) -> BTreeSet<String> {
    help.split("[env: ")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect::<String>()
        })
        .filter(|v| v.starts_with("AOS_"))
        .collect()
}

#[test]
fn readme_settings_table_matches_every_binarys_help() {
    let rows = table();
    let mut problems = Vec::new();
    for (col, (bin, args)) in BINARIES.iter().enumerate() {
        let h = help(bin, args);
        let listed: BTreeSet<String> = rows
            .iter()
            .filter(|r| r.takes[col])
            .map(|r| r.env.clone())
            .collect();
        for r in rows.iter().filter(|r| r.takes[col]) {
            let flag_shown = h.contains(&format!("{} ", r.flag))
                || h.contains(&format!("{}=", r.flag))
                || h.contains(&format!("{}\n", r.flag));
            if !flag_shown {
                problems.push(format!(
                    "{bin}: the README says it takes {}, its help does not show it",
                    r.flag
                ));
            }
            if !h.contains(&format!("[env: {}", r.env)) {
                problems.push(format!(
                    "{bin}: the README says {} reads {}, its help does not",
                    r.flag, r.env
                ));
            }
        }
        for v in env_vars(&h).difference(&listed) {
            problems.push(format!(
                "{bin}: its help reads {v}, the README's table does not say so"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "README settings table vs --help:\n{}",
        problems.join("\n")
    );
}
