//! # aos-indexer-api — the indexer's HTTP API as types
//!
//! One home for what `aos-indexer` answers and what its clients (the `aos` CLI, the demo,
//! the coordinator, the tests) read, so no client reads the API by string keys and the
//! server cannot answer a shape the clients do not know:
//!
//! * [`types`]: the response bodies (serde, camelCase on the wire, [`utoipa::ToSchema`]).
//! * [`query`]: the query strings, shared by the server (deserialise) and the client
//!   (serialise), with their bounds.
//! * [`error`]: the one error body every route answers with, and its codes.
//! * [`doc`]: the OpenAPI document generated from the above; `indexer/openapi.yaml` is its
//!   checked-in copy and a test fails when they differ.
//! * [`client`]: [`IndexerClient`], a typed async client over `reqwest`.
//!
//! Wire conventions: uint256 values (amounts in base units, WAD scores, dispute ids) are
//! decimal strings; addresses and hashes lower-case 0x hex; times unix seconds.
//!
//! This crate is a library of types: no axum, no SQL, so services can depend on it without
//! depending on the indexer service.

pub mod client;
pub mod doc;
pub mod error;
pub mod query;
pub mod types;
mod wire;

pub use client::{ClientError, IndexerClient};
pub use doc::{ApiDoc, openapi_yaml};
pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use query::{AtQuery, DisputesQuery, RouteQuery, TasksQuery};
pub use types::{
    Agent, Dispute, DisputeDetail, DisputeList, Earning, Health, HistoryEvent, JurorStake, Karma,
    RankedAgent, Route, Task, TaskDetail, TaskEvidence, TaskList, Vote,
};
