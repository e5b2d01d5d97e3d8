//! The one error body of the API.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A stable, machine-readable error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// HTTP 400: a parameter does not parse or is out of bounds (the message says which).
    BadRequest,
    /// HTTP 404: no such task, agent, dispute or route.
    NotFound,
    /// HTTP 500 (503 on `/health`): the database could not answer. No SQL text is shown;
    /// the server logs the cause.
    Internal,
}

impl ErrorCode {
    /// The HTTP status the server answers with this code (500 for `internal`, which
    /// `/health` turns into 503).
    pub fn http_status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::NotFound => 404,
            Self::Internal => 500,
        }
    }
}

/// Every error answer: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The inside of an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code.
    pub code: ErrorCode,
    /// Human-readable explanation (which parameter, what it must look like).
    #[schema(example = "task id must be 0x-hex bytes32")]
    pub message: String,
}

impl ErrorBody {
    /// An error body with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code,
                message: message.into(),
            },
        }
    }
}
