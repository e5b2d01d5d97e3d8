//! How results reach the person (tables, notes on stderr, spinners) or the machine (one JSON
//! document on stdout with `--json`).

use std::time::Duration;

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// Output mode, from `--json`, `-v`, `-q`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    /// One JSON document on stdout; nothing else on stdout.
    pub(crate) json: bool,
    /// 0 normal, 1+ more detail.
    pub(crate) verbose: u8,
    /// Results and errors only.
    pub(crate) quiet: bool,
}

impl Output {
    /// A note for people on stderr (progress, next steps); silent with `-q` or `--json`.
    pub(crate) fn note(&self, msg: impl AsRef<str>) {
        if !self.quiet && !self.json {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// A detail shown with `-v`.
    pub(crate) fn detail(&self, msg: impl AsRef<str>) {
        if self.verbose > 0 && !self.json {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// A spinner on stderr while `msg` happens (hidden with `--json`/`-q` or off a terminal).
    pub(crate) fn spinner(&self, msg: impl Into<String>) -> ProgressBar {
        if self.json || self.quiet {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            pb.set_style(style);
        }
        pb.set_message(msg.into());
        pb.enable_steady_tick(Duration::from_millis(100));
        pb
    }

    /// Print `human` for people, or `machine` as JSON with `--json`.
    pub(crate) fn emit<T: Serialize>(&self, machine: &T, human: impl FnOnce() -> String) {
        if self.json {
            match serde_json::to_string_pretty(machine) {
                Ok(s) => println!("{s}"),
                Err(e) => eprintln!("error: cannot encode the output as JSON: {e}"),
            }
        } else {
            let s = human();
            if !s.is_empty() {
                println!("{s}");
            }
        }
    }
}

/// A two-column table of `(field, value)` rows.
pub(crate) fn kv_table<K: ToString, V: ToString>(rows: impl IntoIterator<Item = (K, V)>) -> Table {
    let mut t = table();
    for (k, v) in rows {
        t.add_row(vec![k.to_string(), v.to_string()]);
    }
    t
}

/// An empty table in the house style, with `header` when not empty.
pub(crate) fn table_with(header: &[&str]) -> Table {
    let mut t = table();
    if !header.is_empty() {
        t.set_header(header.to_vec());
    }
    t
}

fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    t
}
