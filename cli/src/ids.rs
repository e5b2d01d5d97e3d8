//! Parsers of the ids and addresses a person types (clap `value_parser`s), with messages
//! that say what a good value looks like.

use alloy::primitives::{Address, B256};

/// A 32-byte id: `0x` + 64 hex digits.
pub(crate) fn parse_b256(s: &str) -> Result<B256, String> {
    s.trim()
        .parse::<B256>()
        .map_err(|_| format!("{s:?} is not a 32-byte id (0x followed by 64 hex digits)"))
}

/// An Ethereum address: `0x` + 40 hex digits.
pub(crate) fn parse_address(s: &str) -> Result<Address, String> {
    s.trim()
        .parse::<Address>()
        .map_err(|_| format!("{s:?} is not an address (0x followed by 40 hex digits)"))
}

/// A dispute id: a decimal number (1, 2, …) as `aos task reject` prints it.
pub(crate) fn parse_dispute_id(s: &str) -> Result<u64, String> {
    s.trim().parse::<u64>().map_err(|_| {
        format!(
            "{s:?} is not a dispute id: dispute ids are decimal numbers (1, 2, …) as `aos task \
             reject` prints them; a task's dispute is in `aos task show <task id>`"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispute_ids_are_decimal_and_a_task_id_gets_a_pointer() {
        assert_eq!(parse_dispute_id(" 3 "), Ok(3));
        let e = parse_dispute_id("0x11aa").unwrap_err();
        assert!(
            e.contains("not a dispute id") && e.contains("aos task show"),
            "{e}"
        );
    }
}
