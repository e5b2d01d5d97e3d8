//! # aos — the one command a person types
//!
//! `aos` drives a deployed AOS (Amorphous OS) from a terminal: post and settle tasks, register
//! and pay workers, sit on juries, read karma, and run a local devnet. Every value it sends or
//! reads goes through `aos-chain` (bindings, typed calls, revert decoding) and
//! `aos-protocol` (agent keys, content ids); this crate holds no business rules of its own
//! (DESIGN.md "Parts": `cli/` must not duplicate logic that lives in a library).
//!
//! | module | what |
//! |---|---|
//! | `cli` | the one clap [`Parser`](clap::Parser), dispatch, error reporting |
//! | `opts` | shared option groups (`EndpointArgs`, `WalletArgs`, `OutputArgs`) and the config file |
//! | `ctx` | resolved settings → deployments, signer, contracts |
//! | `units` | amounts (`0.05eth`, `50gwei`, `123wei`), durations (`1h`), WAD fractions |
//! | `output` | tables (comfy-table), `--json`, spinners (indicatif) |
//! | `tx` | sending a transaction with a spinner, reverts decoded with next-step hints |
//! | `logs` | a task's history and terms, through aos-chain's scanner |
//! | `blobs` | reading a blob by id (blob folder, cache, gateway, mesh), BLAKE3-verified |
//! | `devnet_file` | `<dir>/devnet.json`: what `aos devnet up` made, read by `aos demo` |
//! | `procs` | the devnet's detached services: start, wait until serving, stop by pid |
//! | `ids` | parsers of ids and addresses (`0x…`, dispute numbers) |
//! | `agents` | agent key file, registration, juror stake (worker, juror, devnet) |
//! | `court` | dispute records and seats with next-step errors (dispute, juror) |
//! | `karma` | an agent's on-chain karma and earnings, and their table (karma, worker) |
//! | `coordinator` | the `aos-coordinator ask` command line (ask, demo) |
//! | `review` | a task's submission and evidence loaded and evaluated by aos-verify (task review, juror review, juror agent) |
//! | `jury` | the juror agent of `aos juror run`: seat store (SQLite), loop, Prometheus metrics |
//! | `cmd::*` | one file per subcommand group |

mod agents;
mod blobs;
mod cli;
mod cmd;
mod coordinator;
mod court;
mod ctx;
mod devnet_file;
mod ids;
mod jury;
mod karma;
mod logs;
mod opts;
mod output;
mod procs;
mod review;
mod tx;
mod units;

pub use cli::run;
