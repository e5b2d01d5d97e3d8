//! Revert data → a typed [`Revert`]: the custom errors of every AOS contract, decoded with the
//! error enums `sol!` generates from the ABIs (`TaskMarket::TaskMarketErrors`, …), plus
//! Solidity's `Error(string)` and `Panic(uint256)`.
//!
//! Callers match on variants (`Revert::TaskMarket(TaskMarketErrors::TaskMarketWrongStatus(_))`);
//! [`Display`](std::fmt::Display) prints the error with its argument names and values, enum
//! arguments by name (`TaskMarketWrongStatus(taskId: 0x…, status: Claimed)`), and
//! [`Revert::hint`] says what to do next.

use std::{collections::HashMap, fmt, sync::OnceLock};

use alloy::{
    dyn_abi::{DynSolValue, ErrorExt},
    json_abi::{Error as AbiError, InternalType, JsonAbi},
    primitives::{Bytes, Selector, U256},
    sol_types::{Panic, Revert as ErrorString, SolError, SolInterface},
};

use crate::{
    agent_registry::AgentRegistry::AgentRegistryErrors,
    dispute_court::DisputeCourt::DisputeCourtErrors,
    karma_registry::KarmaRegistry::KarmaRegistryErrors,
    status::{Phase, SeatState, TaskStatus},
    task_market::TaskMarket::TaskMarketErrors,
};

/// A decoded revert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revert {
    /// A `TaskMarket` custom error.
    TaskMarket(TaskMarketErrors),
    /// An `AgentRegistry` custom error.
    AgentRegistry(AgentRegistryErrors),
    /// A `KarmaRegistry` custom error.
    KarmaRegistry(KarmaRegistryErrors),
    /// A `DisputeCourt` custom error.
    DisputeCourt(DisputeCourtErrors),
    /// Solidity's `Error(string)` (`require` with a message, or a library's revert string).
    Message(String),
    /// Solidity's `Panic(uint256)` with its code (0x11 = arithmetic overflow, …).
    Panic(U256),
    /// Data no AOS ABI knows (a foreign contract, or empty data).
    Unknown(Bytes),
}

impl Revert {
    /// Decode revert data. Never fails: unknown selectors and malformed data become
    /// [`Revert::Unknown`].
    pub fn decode(data: &[u8]) -> Self {
        if let Ok(e) = TaskMarketErrors::abi_decode(data) {
            return Self::TaskMarket(e);
        }
        if let Ok(e) = DisputeCourtErrors::abi_decode(data) {
            return Self::DisputeCourt(e);
        }
        if let Ok(e) = AgentRegistryErrors::abi_decode(data) {
            return Self::AgentRegistry(e);
        }
        if let Ok(e) = KarmaRegistryErrors::abi_decode(data) {
            return Self::KarmaRegistry(e);
        }
        if let Ok(e) = ErrorString::abi_decode(data) {
            return Self::Message(e.reason);
        }
        if let Ok(p) = Panic::abi_decode(data) {
            return Self::Panic(p.code);
        }
        Self::Unknown(Bytes::copy_from_slice(data))
    }

    /// The error's name, e.g. `TaskMarketWrongStatus`, `Error`, `Panic`; `Unknown` for
    /// undecodable data.
    pub fn name(&self) -> &'static str {
        let name = match self {
            Self::TaskMarket(e) => TaskMarketErrors::name_by_selector(e.selector()),
            Self::AgentRegistry(e) => AgentRegistryErrors::name_by_selector(e.selector()),
            Self::KarmaRegistry(e) => KarmaRegistryErrors::name_by_selector(e.selector()),
            Self::DisputeCourt(e) => DisputeCourtErrors::name_by_selector(e.selector()),
            Self::Message(_) => Some("Error"),
            Self::Panic(_) => Some("Panic"),
            Self::Unknown(_) => None,
        };
        name.unwrap_or("Unknown")
    }

    /// The ABI-encoded revert data (selector + arguments).
    pub fn data(&self) -> Bytes {
        match self {
            Self::TaskMarket(e) => e.abi_encode().into(),
            Self::AgentRegistry(e) => e.abi_encode().into(),
            Self::KarmaRegistry(e) => e.abi_encode().into(),
            Self::DisputeCourt(e) => e.abi_encode().into(),
            Self::Message(s) => ErrorString { reason: s.clone() }.abi_encode().into(),
            Self::Panic(code) => Panic { code: *code }.abi_encode().into(),
            Self::Unknown(b) => b.clone(),
        }
    }

    /// What to do next, for people; `None` when there is nothing better to say than the
    /// error itself. CLIs may phrase more of them as their own commands.
    pub fn hint(&self) -> Option<&'static str> {
        use DisputeCourtErrors as C;
        use TaskMarketErrors as M;
        Some(match self {
            Self::TaskMarket(M::TaskMarketNotRegistered(_))
            | Self::DisputeCourt(C::DisputeCourtNotRegistered(_)) => {
                "register the account's agent key first (AgentRegistry.register)"
            }
            Self::TaskMarket(e) => match e {
                M::TaskMarketKarmaTooLow(_) => {
                    "the account's karma in this domain is below the task's minimum; earn it on \
                     open tasks"
                }
                M::TaskMarketUnknownTask(_) => {
                    "the terms do not hash to a posted task; take them from the TaskPosted event"
                }
                M::TaskMarketFeeMismatch(_) => "read the market's feeBps() and put it in the terms",
                M::TaskMarketWrongValue(_) => "send exactly the value the error names (wei)",
                M::TaskMarketDeadlinePassed(_) => {
                    "the stage's deadline passed; call expire/finalize instead"
                }
                M::TaskMarketDeadlineNotPassed(_) => "wait until the deadline named in the error",
                M::TaskMarketNothingToWithdraw(_) => {
                    "nothing is owed to this account in this asset"
                }
                M::TaskMarketTransferFailed(_) => {
                    "the receiver refused the transfer; withdraw to another address"
                }
                M::TaskMarketTransferShortfall(_) => {
                    "fee-on-transfer tokens are refused; use another asset"
                }
                M::TaskMarketEmptyEvidence(_) => {
                    "evidence is the BLAKE3 id of a published blob; the zero id is refused"
                }
                _ => return None,
            },
            _ => return None,
        })
    }
}

impl fmt::Display for Revert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Message(s) => write!(f, "Error({s:?})"),
            Self::Panic(code) => {
                let what = match code.saturating_to::<u64>() {
                    0x01 => "assertion failed",
                    0x11 => "arithmetic overflow or underflow",
                    0x12 => "division by zero",
                    0x21 => "invalid enum value",
                    0x32 => "array index out of bounds",
                    _ => "panic",
                };
                write!(f, "Panic({code}: {what})")
            }
            Self::Unknown(b) => write!(f, "unknown error 0x{}", alloy::hex::encode(b)),
            _ => {
                let data = self.data();
                match describe(&data) {
                    Some(s) => f.write_str(&s),
                    None => f.write_str(self.name()),
                }
            }
        }
    }
}

const ABIS: [&str; 4] = [
    include_str!("../abi/TaskMarket.json"),
    include_str!("../abi/AgentRegistry.json"),
    include_str!("../abi/KarmaRegistry.json"),
    include_str!("../abi/DisputeCourt.json"),
];

/// The ABIs' errors by selector, with their parameter names and internal types (which the
/// `sol!` structs do not carry), for [`Display`](fmt::Display).
fn errors() -> &'static HashMap<Selector, AbiError> {
    static ERRORS: OnceLock<HashMap<Selector, AbiError>> = OnceLock::new();
    ERRORS.get_or_init(|| {
        let mut map = HashMap::new();
        for text in ABIS {
            // The ABIs are checked in and were parsed by `sol!` at compile time, so a
            // parse failure cannot happen; an empty table would only make Display terser.
            let Ok(abi) = serde_json::from_str::<JsonAbi>(text) else {
                continue;
            };
            for e in abi.errors() {
                map.insert(e.selector(), e.clone());
            }
        }
        map
    })
}

/// The name of enum value `v` of the contracts' enum `ty` (`Status`, `Phase`, `SeatState`).
fn enum_name(ty: &str, v: &DynSolValue) -> Option<&'static str> {
    let DynSolValue::Uint(u, _) = v else {
        return None;
    };
    let n = u8::try_from(*u).ok()?;
    match ty {
        "Status" => TaskStatus::from_u8(n).map(TaskStatus::name),
        "Phase" => Phase::from_u8(n).map(Phase::name),
        "SeatState" => SeatState::from_u8(n).map(SeatState::name),
        _ => None,
    }
}

fn fmt_value(v: &DynSolValue) -> String {
    match v {
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::FixedBytes(w, size) => format!("0x{}", alloy::hex::encode(&w[..*size])),
        DynSolValue::Address(a) => a.to_checksum(None),
        DynSolValue::Bytes(b) => format!("0x{}", alloy::hex::encode(b)),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::Array(a) | DynSolValue::FixedArray(a) | DynSolValue::Tuple(a) => {
            format!(
                "[{}]",
                a.iter().map(fmt_value).collect::<Vec<_>>().join(", ")
            )
        }
        other => format!("{other:?}"),
    }
}

/// `TaskMarketDeadlinePassed(taskId: 0x…, deadline: 1800003600)`, enum arguments by name.
fn describe(data: &[u8]) -> Option<String> {
    let selector = Selector::try_from(data.get(..4)?).ok()?;
    let err = errors().get(&selector)?;
    let decoded = err.decode_error(data).ok()?;
    let args = err
        .inputs
        .iter()
        .zip(decoded.body.iter())
        .map(|(p, v)| {
            let named = match &p.internal_type {
                Some(InternalType::Enum { ty, .. }) => enum_name(ty, v).map(str::to_owned),
                _ => None,
            };
            format!("{}: {}", p.name, named.unwrap_or_else(|| fmt_value(v)))
        })
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!("{}({args})", err.name))
}

/// Decode revert data into text: `TaskMarketDeadlinePassed(taskId: 0x…, deadline: 1800003600)`,
/// `Error("…")`, `Panic(17: arithmetic overflow or underflow)`. `None` for data that is not
/// an AOS error, `Error` or `Panic` (the caller shows the raw hex).
pub fn decode_revert(data: &[u8]) -> Option<String> {
    match Revert::decode(data) {
        Revert::Unknown(_) => None,
        r => Some(r.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{Address, B256, aliases::U40};

    use super::*;
    use crate::{dispute_court::DisputeCourt, task_market::TaskMarket};

    #[test]
    fn decodes_custom_errors() {
        let data = TaskMarket::TaskMarketDeadlinePassed {
            taskId: B256::repeat_byte(0xab),
            deadline: U40::from(1_800_003_600u64),
        }
        .abi_encode();
        let r = Revert::decode(&data);
        assert!(matches!(
            r,
            Revert::TaskMarket(TaskMarketErrors::TaskMarketDeadlinePassed(_))
        ));
        let s = decode_revert(&data).unwrap();
        assert!(
            s.starts_with("TaskMarketDeadlinePassed(taskId: 0xabab"),
            "{s}"
        );
        assert!(s.ends_with("deadline: 1800003600)"), "{s}");
        assert!(r.hint().is_some());
        assert_eq!(r.name(), "TaskMarketDeadlinePassed");
        assert_eq!(r.data().as_ref(), data.as_slice());
    }

    #[test]
    fn enum_arguments_show_their_names() {
        let data = TaskMarket::TaskMarketWrongStatus {
            taskId: B256::ZERO,
            status: 2,
        }
        .abi_encode();
        let s = Revert::decode(&data).to_string();
        assert!(s.ends_with("status: Claimed)"), "{s}");
        let data = DisputeCourt::DisputeCourtWrongPhase {
            disputeId: U256::from(1),
            phase: 3,
        }
        .abi_encode();
        let s = Revert::decode(&data).to_string();
        assert_eq!(s, "DisputeCourtWrongPhase(disputeId: 1, phase: Reveal)");
        let data = DisputeCourt::DisputeCourtWrongSeat {
            disputeId: U256::from(1),
            round: U256::ZERO,
            juror: Address::ZERO,
            state: 4,
        }
        .abi_encode();
        let s = Revert::decode(&data).to_string();
        assert!(s.ends_with("state: Settled)"), "{s}");
        // an out-of-range enum value shows its number
        let data = TaskMarket::TaskMarketWrongStatus {
            taskId: B256::ZERO,
            status: 99,
        }
        .abi_encode();
        assert!(Revert::decode(&data).to_string().ends_with("status: 99)"));
    }

    #[test]
    fn decodes_error_string_and_panic_and_rejects_junk() {
        let d = ErrorString {
            reason: "no ETH".into(),
        }
        .abi_encode();
        assert_eq!(decode_revert(&d).unwrap(), "Error(\"no ETH\")");
        assert_eq!(Revert::decode(&d), Revert::Message("no ETH".into()));
        let p = Panic {
            code: U256::from(0x11),
        }
        .abi_encode();
        assert_eq!(
            decode_revert(&p).unwrap(),
            "Panic(17: arithmetic overflow or underflow)"
        );
        assert_eq!(decode_revert(&[1, 2]), None);
        assert_eq!(decode_revert(&[1, 2, 3, 4, 5]), None);
        assert!(matches!(Revert::decode(&[1, 2, 3, 4]), Revert::Unknown(_)));
        // a known selector with truncated data does not panic
        let data = TaskMarket::TaskMarketUnknownTask { taskId: B256::ZERO }.abi_encode();
        assert_eq!(decode_revert(&data[..10]), None);
    }
}
