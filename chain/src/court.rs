//! Typed calls to `DisputeCourt` (the ERC-792 jury court), and the vote commitment computed
//! locally: a juror's choice and salt never leave the machine before the reveal.

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    rpc::types::{Filter, TransactionReceipt},
    sol_types::{SolEvent, SolValue},
};

use crate::{
    AosContracts, ChainError, TxOutcome,
    client::{mined, outcome},
    dispute_court::{DisputeCourt, IDisputeCourt},
};

/// `keccak256(abi.encode(choice, salt, juror, disputeId, round))`, exactly as
/// `DisputeCourt.commitmentOf` computes it, without asking the node (an `eth_call` would
/// show the RPC operator the vote and salt before the commit).
pub fn commitment_of(
    dispute_id: U256,
    round: U256,
    juror: Address,
    choice: U256,
    salt: B256,
) -> B256 {
    keccak256((choice, salt, juror, dispute_id, round).abi_encode_params())
}

/// Send `call` and wait for the receipt; status 0 is [`ChainError::TxFailed`]. The receipt
/// is the value, for callers that read its events.
///
/// # Errors
/// [`ChainError`] (reverts decoded).
pub async fn send_call<P, D>(
    call: alloy::contract::CallBuilder<P, D>,
) -> Result<TxOutcome<TransactionReceipt>, ChainError>
where
    P: alloy::providers::Provider,
    D: alloy::contract::CallDecoder,
{
    let r = mined(call).await?;
    let o = outcome((), &r)?;
    Ok(TxOutcome {
        value: r,
        tx_hash: o.tx_hash,
        gas_used: o.gas_used,
        block_number: o.block_number,
    })
}

/// `call` with a gas limit of twice its estimate. A commit (reveal) estimated while other
/// jurors' are still pending may land as the round's last one and also move the phase (tally):
/// more gas than estimated, and an out-of-gas failure close to a deadline loses the vote.
///
/// # Errors
/// The estimate's error (a revert, decoded).
pub(crate) async fn with_margin<P, D>(
    call: alloy::contract::CallBuilder<P, D>,
) -> Result<alloy::contract::CallBuilder<P, D>, ChainError>
where
    P: alloy::providers::Provider,
    D: alloy::contract::CallDecoder,
{
    let estimate = call.estimate_gas().await?;
    Ok(call.gas(estimate.saturating_mul(2).min(30_000_000)))
}

/// Every `E` emitted by `emitter` in a receipt.
pub fn events_of<E: SolEvent>(r: &TransactionReceipt, emitter: Address) -> Vec<E> {
    r.inner
        .logs()
        .iter()
        .filter(|l| l.address() == emitter)
        .filter_map(|l| E::decode_log(&l.inner).ok())
        .map(|l| l.data)
        .collect()
}

impl AosContracts {
    /// `disputeOf(id)`; phase `None` (0) for an unknown id.
    ///
    /// # Errors
    /// RPC errors.
    pub async fn dispute(&self, id: u64) -> Result<IDisputeCourt::Dispute, ChainError> {
        Ok(self.court.disputeOf(U256::from(id)).call().await?)
    }

    /// How many disputes the court has opened (ids are `1..=count`).
    ///
    /// # Errors
    /// RPC errors.
    pub async fn dispute_count(&self) -> Result<U256, ChainError> {
        Ok(self.court.disputeCount().call().await?)
    }

    /// `seatOf(id, round, juror)`.
    ///
    /// # Errors
    /// RPC errors.
    pub async fn seat(
        &self,
        id: u64,
        round: u64,
        juror: Address,
    ) -> Result<IDisputeCourt::Seat, ChainError> {
        Ok(self
            .court
            .seatOf(U256::from(id), U256::from(round), juror)
            .call()
            .await?)
    }

    /// `partiesOf(id)`: the dispute's karma domain, requester and worker.
    ///
    /// # Errors
    /// RPC errors.
    pub async fn dispute_parties(
        &self,
        id: u64,
    ) -> Result<DisputeCourt::partiesOfReturn, ChainError> {
        Ok(self.court.partiesOf(U256::from(id)).call().await?)
    }

    /// `roundOf(id, round)`.
    ///
    /// # Errors
    /// RPC errors.
    pub async fn dispute_round(
        &self,
        id: u64,
        round: u64,
    ) -> Result<IDisputeCourt::Round, ChainError> {
        Ok(self
            .court
            .roundOf(U256::from(id), U256::from(round))
            .call()
            .await?)
    }

    /// `votesFor(id, round, choice)`: revealed votes for `choice`.
    ///
    /// # Errors
    /// RPC errors.
    pub async fn votes_for(&self, id: u64, round: u64, choice: u64) -> Result<U256, ChainError> {
        Ok(self
            .court
            .votesFor(U256::from(id), U256::from(round), U256::from(choice))
            .call()
            .await?)
    }

    /// The market task a dispute is about (`TaskMarket.taskOfDispute`).
    ///
    /// # Errors
    /// RPC errors.
    pub async fn task_of_dispute(&self, id: u64) -> Result<B256, ChainError> {
        Ok(self.market.taskOfDispute(U256::from(id)).call().await?)
    }

    /// The court's stake token (zero address: ETH).
    ///
    /// # Errors
    /// RPC errors.
    pub async fn stake_token(&self) -> Result<Address, ChainError> {
        Ok(self.court.stakeToken().call().await?)
    }

    /// `jurorOf(account)`: stake, locked stake, leave request.
    ///
    /// # Errors
    /// RPC errors.
    pub async fn juror(&self, account: Address) -> Result<IDisputeCourt::Juror, ChainError> {
        Ok(self.court.jurorOf(account).call().await?)
    }

    /// The court's parameters (minimum stake, periods, …).
    ///
    /// # Errors
    /// RPC errors.
    pub async fn court_params(&self) -> Result<IDisputeCourt::CourtParams, ChainError> {
        Ok(self.court.params().call().await?)
    }

    /// What the court owes `account` in `asset` (asset units).
    ///
    /// # Errors
    /// RPC errors.
    pub async fn court_balance(
        &self,
        account: Address,
        asset: Address,
    ) -> Result<U256, ChainError> {
        Ok(self.court.balanceOf(account, asset).call().await?)
    }

    /// `join(amount)`, sending `value` wei (the amount when the stake token is ETH).
    ///
    /// # Errors
    /// [`ChainError::Reverted`] (`DisputeCourtBadStake`, `DisputeCourtNotRegistered`, …).
    pub async fn court_join(&self, amount: U256, value: U256) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(self.court.join(amount).value(value)).await?;
        outcome((), &r)
    }

    /// `requestLeave()`.
    ///
    /// # Errors
    /// [`ChainError::Reverted`].
    pub async fn court_request_leave(&self) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(self.court.requestLeave()).await?;
        outcome((), &r)
    }

    /// `executeLeave()` once the leave delay passed.
    ///
    /// # Errors
    /// [`ChainError::Reverted`] (`DisputeCourtLeaveNotReady`, `DisputeCourtNothingFree`).
    pub async fn court_execute_leave(&self) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(self.court.executeLeave()).await?;
        outcome((), &r)
    }

    /// `withdraw(asset, to)` of what the court owes the sender.
    ///
    /// # Errors
    /// [`ChainError::Reverted`] (`DisputeCourtNothingToWithdraw`).
    pub async fn court_withdraw(
        &self,
        asset: Address,
        to: Address,
    ) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(self.court.withdraw(asset, to)).await?;
        outcome((), &r)
    }

    /// Commit `choice` with `salt` for `juror` in round `round` of dispute `id`: the
    /// commitment is computed locally ([`commitment_of`]) and only it is sent. Returns the
    /// commitment.
    ///
    /// # Errors
    /// [`ChainError::Reverted`] (`DisputeCourtWrongPhase`, `DisputeCourtWrongSeat`, …).
    pub async fn commit_vote(
        &self,
        id: u64,
        round: u64,
        juror: Address,
        choice: u64,
        salt: B256,
    ) -> Result<TxOutcome<B256>, ChainError> {
        let commitment = commitment_of(
            U256::from(id),
            U256::from(round),
            juror,
            U256::from(choice),
            salt,
        );
        self.commit_commitment(id, commitment).await
    }

    /// `commit(id, commitment)` with a commitment computed before (see [`commitment_of`]).
    ///
    /// # Errors
    /// [`ChainError::Reverted`].
    pub async fn commit_commitment(
        &self,
        id: u64,
        commitment: B256,
    ) -> Result<TxOutcome<B256>, ChainError> {
        let call = self.court.commit(U256::from(id), commitment);
        let r = mined(with_margin(call).await?).await?;
        outcome(commitment, &r)
    }

    /// `reveal(id, choice, salt)`.
    ///
    /// # Errors
    /// [`ChainError::Reverted`] (`DisputeCourtBadReveal`, `DisputeCourtWrongPhase`, …).
    pub async fn reveal_vote(
        &self,
        id: u64,
        choice: u64,
        salt: B256,
    ) -> Result<TxOutcome<()>, ChainError> {
        let call = self.court.reveal(U256::from(id), U256::from(choice), salt);
        let r = mined(with_margin(call).await?).await?;
        outcome((), &r)
    }

    /// One `draw(id, iterations)` transaction; the receipt carries the `JurorDrawn` events.
    /// Its gas depends on the seed, which the block it is mined in may fix differently from
    /// the estimate's simulated block, so the limit gets a wide margin: the estimate twice, at
    /// least 300k + 25k per iteration (≈ 13k is used per iteration). The estimate runs
    /// first, so a revert (e.g. `DisputeCourtRandomnessPending`) comes back decoded.
    ///
    /// # Errors
    /// [`ChainError::Reverted`].
    pub async fn draw_jury(
        &self,
        id: u64,
        iterations: u64,
    ) -> Result<TxOutcome<TransactionReceipt>, ChainError> {
        let call = self.court.draw(U256::from(id), U256::from(iterations));
        let estimate = call.estimate_gas().await?;
        let floor = 300_000u64.saturating_add(iterations.saturating_mul(25_000));
        send_call(call.gas(estimate.saturating_mul(2).max(floor).min(30_000_000))).await
    }

    /// How many seats `draw(id, iterations)` would fill now: an `eth_call`, nothing sent.
    /// A keeper sends the transaction only when it fills a seat (a draw that fills none
    /// costs gas and, on anvil, a block).
    ///
    /// # Errors
    /// [`ChainError::Reverted`] (`DisputeCourtRandomnessPending`, `DisputeCourtWrongPhase`, …).
    pub async fn draw_preview(&self, id: u64, iterations: u64) -> Result<u64, ChainError> {
        let n = self
            .court
            .draw(U256::from(id), U256::from(iterations))
            .call()
            .await?;
        Ok(n.saturating_to())
    }

    /// `advance(id)`: end the current phase after its deadline (or when complete).
    ///
    /// # Errors
    /// [`ChainError::Reverted`].
    pub async fn advance_dispute(&self, id: u64) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(self.court.advance(U256::from(id))).await?;
        outcome((), &r)
    }

    /// `settle(id, round, juror)`; the receipt carries the `SeatSettled` event.
    ///
    /// # Errors
    /// [`ChainError::Reverted`].
    pub async fn settle_seat(
        &self,
        id: u64,
        round: u64,
        juror: Address,
    ) -> Result<TxOutcome<TransactionReceipt>, ChainError> {
        send_call(self.court.settle(U256::from(id), U256::from(round), juror)).await
    }

    /// `(disputeId, round, juror)` of every `JurorDrawn` since the deployment block,
    /// optionally for one dispute and/or one juror, without repeats, oldest first.
    ///
    /// # Errors
    /// The scan's error.
    pub async fn drawn_seats(
        &self,
        dispute: Option<u64>,
        juror: Option<Address>,
    ) -> Result<Vec<(u64, u64, Address)>, ChainError> {
        let mut f = Filter::new()
            .address(self.deployments().dispute_court)
            .event_signature(DisputeCourt::JurorDrawn::SIGNATURE_HASH);
        if let Some(id) = dispute {
            f = f.topic1(B256::from(U256::from(id)));
        }
        if let Some(j) = juror {
            f = f.topic2(j.into_word());
        }
        let mut out = Vec::new();
        for l in self.scan_logs(&f).await? {
            if let Ok(e) = DisputeCourt::JurorDrawn::decode_log(&l.inner) {
                let key = (
                    e.data.disputeId.saturating_to::<u64>(),
                    e.data.round.saturating_to::<u64>(),
                    e.data.juror,
                );
                if !out.contains(&key) {
                    out.push(key);
                }
            }
        }
        Ok(out)
    }
}

/// What a juror agent learns from one scan of the court's logs ([`AosContracts::court_news`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CourtNews {
    /// `(disputeId, round)` of every `JurorDrawn` naming the juror.
    pub seats: Vec<(u64, u64)>,
    /// `(disputeId, round)` of every `RoundOpened` (rounds somebody must draw).
    pub rounds: Vec<(u64, u64)>,
    /// The last block scanned: the next scan starts after it.
    pub to_block: u64,
}

impl AosContracts {
    /// The court's `JurorDrawn` events naming `juror` and all `RoundOpened` events from
    /// block `from` to the head, through the shared adaptive [`LogScanner`](crate::LogScanner)
    /// (ranges shrink on a provider's cap, transient errors are retried), so a juror agent
    /// that keeps `to_block` misses no seat, whether or not an indexer is up.
    ///
    /// # Errors
    /// The scan's error.
    pub async fn court_news(&self, juror: Address, from: u64) -> Result<CourtNews, ChainError> {
        let court = self.deployments().dispute_court;
        let head = self.scanner().head(from).await?;
        let mut news = CourtNews {
            to_block: head,
            ..CourtNews::default()
        };
        if from > head {
            news.to_block = from.saturating_sub(1);
            return Ok(news);
        }
        let drawn = Filter::new()
            .address(court)
            .event_signature(DisputeCourt::JurorDrawn::SIGNATURE_HASH)
            .topic2(juror.into_word());
        for l in self.scanner().scan(&drawn, from, head).await? {
            if let Ok(e) = DisputeCourt::JurorDrawn::decode_log(&l.inner) {
                news.seats.push((
                    e.data.disputeId.saturating_to(),
                    e.data.round.saturating_to(),
                ));
            }
        }
        let opened = Filter::new()
            .address(court)
            .event_signature(DisputeCourt::RoundOpened::SIGNATURE_HASH);
        for l in self.scanner().scan(&opened, from, head).await? {
            if let Ok(e) = DisputeCourt::RoundOpened::decode_log(&l.inner) {
                news.rounds.push((
                    e.data.disputeId.saturating_to(),
                    e.data.round.saturating_to(),
                ));
            }
        }
        Ok(news)
    }

    /// `penalty()`: what an incoherent or absent seat loses (stake-asset units).
    ///
    /// # Errors
    /// RPC errors.
    pub async fn court_penalty(&self) -> Result<U256, ChainError> {
        Ok(self.court.penalty().call().await?)
    }

    /// `appealCost(id, "")`: wei to fund the next round, `U256::MAX` when not appealable.
    ///
    /// # Errors
    /// RPC errors.
    pub async fn appeal_cost(&self, id: u64) -> Result<U256, ChainError> {
        Ok(self
            .court
            .appealCost(U256::from(id), Default::default())
            .call()
            .await?)
    }

    /// `appeal(id, "")` paying `cost` wei ([`AosContracts::appeal_cost`]): a new, larger
    /// round opens in Drawing.
    ///
    /// # Errors
    /// [`ChainError::Reverted`] (`DisputeCourtNotAppealable`, `DisputeCourtWrongValue`).
    pub async fn fund_appeal(&self, id: u64, cost: U256) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(
            self.court
                .appeal(U256::from(id), Default::default())
                .value(cost),
        )
        .await?;
        outcome((), &r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitment_is_the_abi_encoding_hashed() {
        // abi.encode of five static words: 160 bytes, in the contract's order
        let salt = B256::repeat_byte(0x5a);
        let juror = Address::repeat_byte(0x11);
        let mut enc = Vec::new();
        enc.extend(U256::from(2).to_be_bytes::<32>());
        enc.extend(salt.0);
        enc.extend(juror.into_word().0);
        enc.extend(U256::from(7).to_be_bytes::<32>());
        enc.extend(U256::from(1).to_be_bytes::<32>());
        assert_eq!(
            commitment_of(U256::from(7), U256::from(1), juror, U256::from(2), salt),
            keccak256(&enc)
        );
    }
}
