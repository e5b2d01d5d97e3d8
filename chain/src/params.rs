//! [`TaskParamsBuilder`]: the task terms with the common defaults, so callers name only what
//! differs (alloy builder style: `with_x()`).

use std::time::Duration;

use alloy::primitives::{
    Address, B256,
    aliases::{U40, U96},
};

use crate::TaskParams;

/// Builds [`TaskParams`] (`ITaskMarket.TaskParams`; rules in `TaskMarket.postTask`).
///
/// Defaults: paid in ETH (`asset` zero), `stakeBps` 1,000 (10 %), `feeBps` 0 (read the
/// market's `feeBps()` for real posts), claim deadline 1 h and completion deadline 2 h after
/// `now`, review window 1 h, no delegation, no karma minimums, no parent, salt 0. Deadlines
/// are unix seconds, computed from the chain time `now` given to [`TaskParams::builder`].
///
/// ```
/// # use alloy::primitives::{Address, B256};
/// # use aos_chain::TaskParams;
/// let p = TaskParams::builder(Address::repeat_byte(1), 1_000)
///     .with_payment(10_000_000_000_000_000) // 0.01 ETH in wei
///     .with_spec_hash(B256::repeat_byte(7))
///     .with_salt(3)
///     .build();
/// assert_eq!(p.claimDeadline.to::<u64>(), 1_000 + 3_600);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct TaskParamsBuilder {
    params: TaskParams,
    now: u64,
    claim_in: Duration,
    complete_in: Duration,
}

impl TaskParams {
    /// A [`TaskParamsBuilder`] for a task posted by `requester` at chain time `now` (unix
    /// seconds, e.g. [`AosContracts::chain_time`](crate::AosContracts::chain_time)).
    pub fn builder(requester: Address, now: u64) -> TaskParamsBuilder {
        TaskParamsBuilder {
            params: TaskParams {
                requester,
                stakeBps: 1_000,
                reviewWindow: 3_600,
                ..TaskParams::default()
            },
            now,
            claim_in: Duration::from_secs(3_600),
            complete_in: Duration::from_secs(7_200),
        }
    }
}

impl TaskParamsBuilder {
    /// The ERC-20 to pay in (zero address: ETH).
    pub fn with_asset(mut self, asset: Address) -> Self {
        self.params.asset = asset;
        self
    }

    /// The payment escrowed, in the asset's smallest unit (wei for ETH).
    pub fn with_payment(mut self, payment: u128) -> Self {
        self.params.payment = payment;
        self
    }

    /// The worker's stake in bps of the payment (10,000 = 100 %).
    pub fn with_stake_bps(mut self, stake_bps: u16) -> Self {
        self.params.stakeBps = stake_bps;
        self
    }

    /// The protocol fee in bps; must equal the market's `feeBps()` at post time.
    pub fn with_fee_bps(mut self, fee_bps: u16) -> Self {
        self.params.feeBps = fee_bps;
        self
    }

    /// Time from `now` until the claim deadline.
    pub fn with_claim_in(mut self, claim_in: Duration) -> Self {
        self.claim_in = claim_in;
        self
    }

    /// Time from `now` until the completion deadline.
    pub fn with_complete_in(mut self, complete_in: Duration) -> Self {
        self.complete_in = complete_in;
        self
    }

    /// The review window after submission, in seconds.
    pub fn with_review_window(mut self, seconds: u32) -> Self {
        self.params.reviewWindow = seconds;
        self
    }

    /// How many times the task may be delegated on.
    pub fn with_max_delegation_depth(mut self, depth: u8) -> Self {
        self.params.maxDelegationDepth = depth;
        self
    }

    /// Minimum decayed accuracy karma to claim (WAD, `1e18 = 1.0`).
    pub fn with_min_accuracy(mut self, wad: u64) -> Self {
        self.params.minAccuracy = wad;
        self
    }

    /// Minimum decayed completion karma to claim (WAD, `1e18 = 1.0`).
    pub fn with_min_completion(mut self, wad: u64) -> Self {
        self.params.minCompletion = wad;
        self
    }

    /// The karma domain (see [`domain_to_bytes32`](crate::domain_to_bytes32)).
    pub fn with_domain(mut self, domain: B256) -> Self {
        self.params.domain = domain;
        self
    }

    /// The spec blob's content id (BLAKE3).
    pub fn with_spec_hash(mut self, spec_hash: B256) -> Self {
        self.params.specHash = spec_hash;
        self
    }

    /// The parent task when this one is delegated work (zero: none).
    pub fn with_parent_task(mut self, parent: B256) -> Self {
        self.params.parentTaskId = parent;
        self
    }

    /// The salt that makes otherwise identical terms a new task (96 bits used).
    pub fn with_salt(mut self, salt: u64) -> Self {
        self.params.salt = U96::from(salt);
        self
    }

    /// The terms. Deadlines saturate at `uint40`'s maximum.
    pub fn build(self) -> TaskParams {
        let at = |d: Duration| {
            let t = self.now.saturating_add(d.as_secs());
            U40::saturating_from(t)
        };
        TaskParams {
            claimDeadline: at(self.claim_in),
            completionDeadline: at(self.complete_in),
            ..self.params
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let p = TaskParams::builder(Address::repeat_byte(1), 100).build();
        assert_eq!(p.requester, Address::repeat_byte(1));
        assert_eq!(p.asset, Address::ZERO);
        assert_eq!(p.stakeBps, 1_000);
        assert_eq!(p.feeBps, 0);
        assert_eq!(p.claimDeadline.to::<u64>(), 3_700);
        assert_eq!(p.completionDeadline.to::<u64>(), 7_300);
        assert_eq!(p.reviewWindow, 3_600);
        assert_eq!(p.maxDelegationDepth, 0);
        assert_eq!(p.parentTaskId, B256::ZERO);
        let q = TaskParams::builder(Address::ZERO, 0)
            .with_claim_in(Duration::from_secs(10))
            .with_complete_in(Duration::from_secs(20))
            .with_salt(5)
            .with_max_delegation_depth(2)
            .build();
        assert_eq!(
            (
                q.claimDeadline.to::<u64>(),
                q.completionDeadline.to::<u64>()
            ),
            (10, 20)
        );
        assert_eq!(q.salt, U96::from(5));
        assert_eq!(q.maxDelegationDepth, 2);
        let far = TaskParams::builder(Address::ZERO, u64::MAX).build();
        assert_eq!(far.claimDeadline, U40::MAX);
    }
}
