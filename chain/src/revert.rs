//! Revert data → readable messages, for every custom error of every AOS contract, plus
//! Solidity's `Error(string)` and `Panic(uint256)`.

use std::{collections::HashMap, sync::OnceLock};

use alloy::{
    dyn_abi::{DynSolValue, ErrorExt},
    json_abi::{Error as AbiError, JsonAbi},
    primitives::Selector,
};

const ABIS: [&str; 4] = [
    include_str!("../abi/TaskMarket.json"),
    include_str!("../abi/AgentRegistry.json"),
    include_str!("../abi/KarmaRegistry.json"),
    include_str!("../abi/DisputeCourt.json"),
];

fn errors() -> &'static HashMap<Selector, AbiError> {
    static ERRORS: OnceLock<HashMap<Selector, AbiError>> = OnceLock::new();
    ERRORS.get_or_init(|| {
        let mut map = HashMap::new();
        for text in ABIS {
            // The ABIs are checked in and parsed by `sol!` at compile time too.
            let abi: JsonAbi = serde_json::from_str(text).expect("checked-in ABI parses");
            for e in abi.errors() {
                map.insert(e.selector(), e.clone());
            }
        }
        map
    })
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

/// Decode revert data: `TaskMarketDeadlinePassed(taskId: 0x…, deadline: 1800003600)`,
/// `Error("…")`, `Panic(0x11: arithmetic overflow)`. `None` for empty data or an unknown
/// selector (the caller shows the raw hex).
pub fn decode_revert(data: &[u8]) -> Option<String> {
    if data.len() < 4 {
        return None;
    }
    let selector = Selector::from_slice(&data[..4]);
    if let Some(err) = errors().get(&selector) {
        let decoded = err.decode_error(data).ok()?;
        let args = err
            .inputs
            .iter()
            .zip(decoded.body.iter())
            .map(|(p, v)| format!("{}: {}", p.name, fmt_value(v)))
            .collect::<Vec<_>>()
            .join(", ");
        return Some(format!("{}({args})", err.name));
    }
    let std_err = AbiError::parse("Error(string)").ok()?;
    if selector == std_err.selector() {
        let v = std_err.decode_error(data).ok()?;
        return Some(format!(
            "Error({})",
            v.body.first().map(fmt_value).unwrap_or_default()
        ));
    }
    let panic = AbiError::parse("Panic(uint256)").ok()?;
    if selector == panic.selector() {
        let v = panic.decode_error(data).ok()?;
        let code = v.body.first().map(fmt_value).unwrap_or_default();
        let what = match code.as_str() {
            "1" => "assertion failed",
            "17" => "arithmetic overflow or underflow",
            "18" => "division by zero",
            "33" => "invalid enum value",
            "50" => "array index out of bounds",
            _ => "panic",
        };
        return Some(format!("Panic({code}: {what})"));
    }
    None
}

/// What to do next after an error, by error name (for CLIs). `None` when there is nothing
/// better to say than the error itself.
pub fn hint_for(decoded: &str) -> Option<&'static str> {
    let name = decoded.split('(').next()?;
    Some(match name {
        "TaskMarketNotRegistered" | "DisputeCourtNotRegistered" => {
            "register the account's agent key first (AgentRegistry.register)"
        }
        "TaskMarketKarmaTooLow" => {
            "the account's karma in this domain is below the task's minimum; earn it on open tasks"
        }
        "TaskMarketUnknownTask" => {
            "the terms do not hash to a posted task; take them from the TaskPosted event"
        }
        "TaskMarketFeeMismatch" => "read the market's feeBps() and put it in the terms",
        "TaskMarketWrongValue" => "send exactly the value the error names (wei)",
        "TaskMarketDeadlinePassed" => "the stage's deadline passed; call expire/finalize instead",
        "TaskMarketDeadlineNotPassed" => "wait until the deadline named in the error",
        "TaskMarketNothingToWithdraw" => "nothing is owed to this account in this asset",
        "TaskMarketTransferFailed" => {
            "the receiver refused the transfer; withdraw to another address"
        }
        "TaskMarketTransferShortfall" => "fee-on-transfer tokens are refused; use another asset",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use alloy::{
        primitives::{B256, U256, aliases::U40},
        sol_types::SolError,
    };

    use super::*;
    use crate::task_market::TaskMarket;

    #[test]
    fn decodes_custom_errors() {
        let data = TaskMarket::TaskMarketDeadlinePassed {
            taskId: B256::repeat_byte(0xab),
            deadline: U40::from(1_800_003_600u64),
        }
        .abi_encode();
        let s = decode_revert(&data).unwrap();
        assert!(
            s.starts_with("TaskMarketDeadlinePassed(taskId: 0xabab"),
            "{s}"
        );
        assert!(s.ends_with("deadline: 1800003600)"), "{s}");
        assert!(hint_for(&s).is_some());
    }

    #[test]
    fn decodes_error_string_and_panic_and_rejects_junk() {
        let mut d = AbiError::parse("Error(string)")
            .unwrap()
            .selector()
            .to_vec();
        d.extend(
            alloy::dyn_abi::DynSolValue::Tuple(vec![DynSolValue::String("no ETH".into())])
                .abi_encode_params(),
        );
        assert_eq!(decode_revert(&d).unwrap(), "Error(\"no ETH\")");
        let mut p = AbiError::parse("Panic(uint256)")
            .unwrap()
            .selector()
            .to_vec();
        p.extend(U256::from(0x11).to_be_bytes::<32>());
        assert_eq!(
            decode_revert(&p).unwrap(),
            "Panic(17: arithmetic overflow or underflow)"
        );
        assert_eq!(decode_revert(&[1, 2]), None);
        assert_eq!(decode_revert(&[1, 2, 3, 4, 5]), None);
        // a known selector with truncated data does not panic
        let data = TaskMarket::TaskMarketUnknownTask { taskId: B256::ZERO }.abi_encode();
        assert_eq!(decode_revert(&data[..10]), None);
    }
}
