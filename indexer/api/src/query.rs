//! Query strings of the routes, shared by the server (which deserialises and validates
//! them) and the client (which serialises them). Text fields stay text so that the server
//! answers a malformed one with the documented `bad_request` body naming the parameter.

use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

/// Largest `limit` the list routes accept.
pub const MAX_LIMIT: u32 = 1000;
/// `limit` when none is given.
pub const DEFAULT_LIMIT: u32 = 100;

/// `GET /tasks`: every filter is optional and they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TasksQuery {
    /// Only tasks in this status (case-insensitive): Open, Claimed, Submitted, Disputed,
    /// RuledRefused, RuledForRequester, RuledForWorker, Accepted, Cancelled, Expired, Failed,
    /// Resolved; `any` (or no value) lists every status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(example = "Open")]
    pub status: Option<String>,
    /// Domain name (`summarisation`, at most 32 bytes) or 0x bytes32.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(min_length = 1, example = "summarisation")]
    pub domain: Option<String>,
    /// ERC-20 address, or `eth` / the zero address for ETH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^(eth|ETH|0x[0-9a-fA-F]{40})$")]
    pub asset: Option<String>,
    /// Minimum payment in base units (decimal uint256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^[0-9]{1,78}$")]
    pub min_payment: Option<String>,
    /// Requester address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^0x[0-9a-fA-F]{40}$")]
    pub requester: Option<String>,
    /// Worker address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^0x[0-9a-fA-F]{40}$")]
    pub worker: Option<String>,
    /// Page size (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Rows to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 0)]
    pub offset: Option<u64>,
}

/// `GET /agents/{address}`: the time karma is decayed to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AtQuery {
    /// Unix seconds to decay karma to (default: now, or the last mirrored block's time if
    /// later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 0)]
    pub at: Option<u64>,
}

/// `GET /route`: agents ranked for a domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RouteQuery {
    /// Domain name or 0x bytes32 (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(required = true, min_length = 1, example = "summarisation")]
    pub domain: Option<String>,
    /// Comma-separated off-chain skills (echoed as `uncheckedRequirements`: the chain mirror
    /// cannot check them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<String>,
    /// Minimum decayed accuracy, a fraction in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(example = "0.75")]
    pub min_accuracy: Option<String>,
    /// Minimum decayed completion, a fraction in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_completion: Option<String>,
    /// Most agents to return (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Unix seconds to decay karma to (default: now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 0)]
    pub at: Option<u64>,
}

/// `GET /disputes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisputesQuery {
    /// Only disputes in this court phase (case-insensitive): Drawing, Commit, Reveal,
    /// Appeal, Solved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Only the dispute of this task (0x bytes32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^0x[0-9a-fA-F]{64}$")]
    pub task_id: Option<String>,
    /// Page size (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Rows to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 0)]
    pub offset: Option<u64>,
}
