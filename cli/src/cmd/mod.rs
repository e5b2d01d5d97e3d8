//! One file per subcommand group (they share helpers through the crate-level modules, never
//! through each other).

pub(crate) mod ask;
pub(crate) mod blob;
pub(crate) mod demo;
pub(crate) mod devnet;
pub(crate) mod dispute;
pub(crate) mod juror;
pub(crate) mod karma;
pub(crate) mod task;
pub(crate) mod web;
pub(crate) mod withdraw;
pub(crate) mod worker;
