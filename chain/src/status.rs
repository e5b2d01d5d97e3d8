//! The one list of the contracts' enums as Rust: task statuses (`ITaskMarket.Status`),
//! court phases (`IDisputeCourt.Phase`), seat states (`IDisputeCourt.SeatState`), seat
//! verdicts (`IDisputeCourt.Verdict`) and the market's rulings (`ITaskMarket.RULING_CHOICES`).
//!
//! Each enum converts from the `uint8` the contract stores (`from_u8`), prints its Solidity
//! name (`Display`, e.g. `RuledForWorker`), and parses that name in any case, with or
//! without `-`/`_` (`FromStr`: `ruled-for-worker`, `RULED_FOR_WORKER`). `NAMES` lists the
//! names by number for stores that keep them as text (the indexer's SQL columns).

use std::{fmt, str::FromStr};

/// A name that is not one of an enum's variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {given:?}; one of {}", .names.join(", "))]
pub struct UnknownName {
    /// What was parsed (`task status`, `court phase`, …).
    pub what: &'static str,
    /// The text given.
    pub given: String,
    /// The accepted names.
    pub names: &'static [&'static str],
}

/// Lower-case, without `-`, `_` or spaces: `Ruled-For_worker` → `ruledforworker`.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

macro_rules! contract_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal, [$($(#[$vmeta:meta])* $variant:ident),+ $(,)?]
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[repr(u8)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every variant, by on-chain number.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// The Solidity names, by on-chain number.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($variant)),+];

            /// From the `uint8` the contract stores; `None` when out of range.
            pub fn from_u8(v: u8) -> Option<Self> {
                Self::ALL.get(usize::from(v)).copied()
            }

            /// The on-chain number.
            pub fn as_u8(self) -> u8 {
                self as u8
            }

            /// The Solidity name, e.g. `"Open"`.
            pub fn name(self) -> &'static str {
                Self::NAMES[usize::from(self as u8)]
            }

            /// The name of the `uint8` `v`, or `"Unknown"` when out of range (for display of
            /// raw values read from the chain).
            pub fn name_of(v: u8) -> &'static str {
                Self::from_u8(v).map_or("Unknown", Self::name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, UnknownName> {
                let n = norm(s);
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| norm(v.name()) == n)
                    .ok_or_else(|| UnknownName {
                        what: $what,
                        given: s.to_owned(),
                        names: Self::NAMES,
                    })
            }
        }

        impl TryFrom<u8> for $name {
            type Error = u8;

            fn try_from(v: u8) -> Result<Self, u8> {
                Self::from_u8(v).ok_or(v)
            }
        }
    };
}

contract_enum!(
    /// `ITaskMarket.Status`, by its on-chain number (DESIGN.md "Task lifecycle").
    TaskStatus,
    "task status",
    [
        /// No such task.
        None,
        /// Posted, waiting for a claim.
        Open,
        /// Claimed by a worker.
        Claimed,
        /// The worker submitted a result hash.
        Submitted,
        /// The requester rejected; the court decides.
        Disputed,
        /// The court refused to rule.
        RuledRefused,
        /// The court ruled for the requester.
        RuledForRequester,
        /// The court ruled for the worker.
        RuledForWorker,
        /// Paid (accepted or finalized).
        Accepted,
        /// Cancelled before a claim.
        Cancelled,
        /// Unclaimed past the claim deadline.
        Expired,
        /// The worker missed the completion deadline.
        Failed,
        /// A ruling was executed.
        Resolved,
    ]
);

impl TaskStatus {
    /// Whether nothing more can happen to the task.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Accepted | Self::Cancelled | Self::Expired | Self::Failed | Self::Resolved
        )
    }

    /// The status a ruling puts a disputed task in (`TaskMarket.rule`).
    pub fn of_ruling(ruling: Ruling) -> Self {
        match ruling {
            Ruling::Refused => Self::RuledRefused,
            Ruling::ForRequester => Self::RuledForRequester,
            Ruling::ForWorker => Self::RuledForWorker,
        }
    }
}

contract_enum!(
    /// `IDisputeCourt.Phase`, by its on-chain number.
    Phase,
    "court phase",
    [
        /// No such dispute.
        None,
        /// Waiting for the jury draw.
        Drawing,
        /// Jurors commit `keccak256(abi.encode(choice, salt, juror, disputeId, round))`.
        Commit,
        /// Jurors reveal choice and salt.
        Reveal,
        /// The round's ruling may be appealed.
        Appeal,
        /// Final ruling delivered.
        Solved,
    ]
);

contract_enum!(
    /// `IDisputeCourt.SeatState`: a juror's seat in one round.
    SeatState,
    "seat state",
    [
        /// Not drawn.
        None,
        /// Drawn, not committed.
        Drawn,
        /// Committed a vote.
        Committed,
        /// Revealed its vote.
        Revealed,
        /// Paid out or penalised.
        Settled,
    ]
);

contract_enum!(
    /// `IDisputeCourt.Verdict`: how a settled seat voted relative to the ruling.
    Verdict,
    "seat verdict",
    [
        /// Released without a verdict (the round was appealed or refused).
        Released,
        /// Voted with the ruling.
        Coherent,
        /// Voted against the ruling.
        Incoherent,
        /// Did not reveal.
        Absent,
    ]
);

contract_enum!(
    /// The market's rulings (`ITaskMarket.RULING_CHOICES` = 2; ERC-792 ruling 0 = refused).
    Ruling,
    "ruling",
    [
        /// 0: the court refused to rule: payment back to the requester, stake to the worker.
        Refused,
        /// 1: the requester wins.
        ForRequester,
        /// 2: the worker wins.
        ForWorker,
    ]
);

impl Ruling {
    /// `0 (refused: payment to requester, stake to worker)`, `1 (requester wins)`,
    /// `2 (worker wins)`; other numbers as they are (for people).
    pub fn describe(r: u64) -> String {
        match u8::try_from(r).ok().and_then(Self::from_u8) {
            Some(Self::Refused) => "0 (refused: payment to requester, stake to worker)".into(),
            Some(Self::ForRequester) => "1 (requester wins)".into(),
            Some(Self::ForWorker) => "2 (worker wins)".into(),
            None => r.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_names_and_parsing_agree() {
        assert_eq!(TaskStatus::from_u8(1), Some(TaskStatus::Open));
        assert_eq!(TaskStatus::from_u8(13), None);
        assert_eq!(TaskStatus::NAMES.len(), 13);
        assert_eq!(TaskStatus::RuledForWorker.to_string(), "RuledForWorker");
        assert_eq!(
            "ruled-for-worker".parse::<TaskStatus>(),
            Ok(TaskStatus::RuledForWorker)
        );
        assert_eq!("OPEN".parse::<TaskStatus>(), Ok(TaskStatus::Open));
        let e = "bogus".parse::<TaskStatus>().unwrap_err().to_string();
        assert!(e.contains("bogus") && e.contains("RuledRefused"), "{e}");
        for (i, s) in TaskStatus::ALL.iter().enumerate() {
            assert_eq!(usize::from(s.as_u8()), i);
        }
        assert_eq!(
            Phase::NAMES,
            ["None", "Drawing", "Commit", "Reveal", "Appeal", "Solved"]
        );
        assert_eq!(Phase::name_of(9), "Unknown");
        assert_eq!(SeatState::name_of(4), "Settled");
        assert_eq!(
            Verdict::NAMES,
            ["Released", "Coherent", "Incoherent", "Absent"]
        );
        assert_eq!(Ruling::describe(2), "2 (worker wins)");
        assert_eq!(Ruling::describe(7), "7");
        assert_eq!(
            TaskStatus::of_ruling(Ruling::Refused),
            TaskStatus::RuledRefused
        );
        assert!(TaskStatus::Resolved.is_final() && !TaskStatus::Disputed.is_final());
    }
}
