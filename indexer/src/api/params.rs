//! Path and query values → their typed forms, each failure a `bad_request` naming the
//! parameter and what it must look like (the patterns `indexer/openapi.yaml` states).

use std::str::FromStr;

use alloy::primitives::{Address, B256, U256};
use aos_indexer_api::query::{DEFAULT_LIMIT, MAX_LIMIT};
use aos_protocol::karma::wad_from_f64;

use super::ApiError;
use crate::{Dialect, Store, decode::h256};

pub(super) fn addr(what: &str, s: &str) -> Result<Address, ApiError> {
    Address::from_str(s.trim())
        .map_err(|_| ApiError::bad(format!("{what} must be a 0x-prefixed 20-byte hex address")))
}

pub(super) fn bytes32(what: &str, s: &str) -> Result<B256, ApiError> {
    B256::from_str(s.trim()).map_err(|_| ApiError::bad(format!("{what} must be 0x-hex bytes32")))
}

pub(super) fn u256(what: &str, s: &str) -> Result<U256, ApiError> {
    U256::from_str_radix(s.trim(), 10)
        .map_err(|_| ApiError::bad(format!("{what} must be a decimal integer (base units)")))
}

/// A domain given as its name (`summarisation`) or as 0x-hex bytes32: the `domain` column.
pub(super) fn domain(s: &str) -> Result<String, ApiError> {
    if s.trim().is_empty() {
        return Err(ApiError::bad("domain must not be empty"));
    }
    if s.starts_with("0x") {
        B256::from_str(s)
            .map(h256)
            .map_err(|_| ApiError::bad("domain must be a name or 0x-hex bytes32"))
    } else {
        aos_chain::domain_to_bytes32(s)
            .map(h256)
            .map_err(|e| ApiError::bad(format!("domain: {e}")))
    }
}

/// A fraction in [0, 1] as WAD; absent = 0.
pub(super) fn fraction(what: &str, s: Option<&str>) -> Result<u64, ApiError> {
    match s {
        None => Ok(0),
        Some(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| (0.0..=1.0).contains(x))
            .and_then(wad_from_f64)
            .ok_or_else(|| {
                ApiError::bad(format!(
                    "{what} must be a fraction between 0 and 1 (e.g. 0.75)"
                ))
            }),
    }
}

/// `limit` (1..=1000, default 100) and `offset` (default 0).
pub(super) fn page(limit: Option<u32>, offset: Option<u64>) -> Result<(u32, u64), ApiError> {
    let l = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&l) {
        return Err(ApiError::bad("limit must be 1..=1000 and offset ≥ 0"));
    }
    let o = offset.unwrap_or(0);
    if i64::try_from(o).is_err() {
        return Err(ApiError::bad("offset is too large"));
    }
    Ok((l, o))
}

/// The `k`-th placeholder; a uint256 one is cast on PostgreSQL.
pub(super) fn ph(s: &Store, k: usize, numeric: bool) -> String {
    if numeric && s.dialect() == Dialect::Postgres {
        format!("${k}::numeric")
    } else {
        format!("${k}")
    }
}
