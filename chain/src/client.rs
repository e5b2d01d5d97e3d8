//! Typed calls to a deployed AOS: one handle over the four contracts, with the market's
//! rules for values (stake, bond) computed the way the contracts compute them.

use std::sync::Arc;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::{Filter, Log, TransactionReceipt},
    sol_types::{SolEvent, SolValue},
};

use aos_protocol::ContentId;

use crate::{
    ChainError, Deployments, LogScanner, ScanError, TaskParams, TaskState, TaskStatus,
    agent_registry::AgentRegistry, dispute_court::DisputeCourt, karma_registry::KarmaRegistry,
    task_market::TaskMarket,
};

/// A mined transaction's result.
#[derive(Debug, Clone)]
pub struct TxOutcome<T> {
    /// What the call produced (a task id, a dispute id, an amount, or `()`).
    pub value: T,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Gas used by the whole transaction (21,000 intrinsic included).
    pub gas_used: u64,
    /// Block it was mined in.
    pub block_number: u64,
}

/// `ceil(payment × stakeBps / 10_000)`: the stake a claim must lock (TaskMarket `_stake`).
pub fn stake_of(params: &TaskParams) -> U256 {
    (U256::from(params.payment) * U256::from(params.stakeBps) + U256::from(9_999u64))
        / U256::from(10_000u64)
}

/// The status of a task state read from the market.
///
/// # Errors
/// [`ChainError::Malformed`] for a status number the contract does not define.
pub fn status_of(state: &TaskState) -> Result<TaskStatus, ChainError> {
    TaskStatus::from_u8(state.status)
        .ok_or_else(|| ChainError::Malformed(format!("status {}", state.status)))
}

/// `keccak256(abi.encode(params))`: the task id (TaskMarket's content-addressed ids).
pub fn task_id_of(params: &TaskParams) -> B256 {
    alloy::primitives::keccak256(params.abi_encode())
}

/// One handle over a deployment's contracts, signing with the provider's wallet.
#[derive(Debug, Clone)]
pub struct AosContracts {
    provider: DynProvider,
    deployments: Deployments,
    scanner: Arc<LogScanner>,
    /// `TaskMarket` instance.
    pub market: TaskMarket::TaskMarketInstance<DynProvider>,
    /// `AgentRegistry` instance.
    pub registry: AgentRegistry::AgentRegistryInstance<DynProvider>,
    /// `KarmaRegistry` instance.
    pub karma: KarmaRegistry::KarmaRegistryInstance<DynProvider>,
    /// `DisputeCourt` instance.
    pub court: DisputeCourt::DisputeCourtInstance<DynProvider>,
}

pub(crate) fn outcome<T>(value: T, r: &TransactionReceipt) -> Result<TxOutcome<T>, ChainError> {
    if !r.status() {
        return Err(ChainError::TxFailed(r.transaction_hash));
    }
    Ok(TxOutcome {
        value,
        tx_hash: r.transaction_hash,
        gas_used: r.gas_used,
        block_number: r.block_number.unwrap_or_default(),
    })
}

/// Send `call`, wait for its receipt.
pub(crate) async fn mined<P: Provider, D: alloy::contract::CallDecoder>(
    call: alloy::contract::CallBuilder<P, D>,
) -> Result<TransactionReceipt, ChainError> {
    Ok(call.send().await?.get_receipt().await?)
}

pub(crate) fn event<E: SolEvent>(
    r: &TransactionReceipt,
    emitter: Address,
) -> Result<E, ChainError> {
    r.inner
        .logs()
        .iter()
        .filter(|l| l.address() == emitter)
        .find_map(|l| E::decode_log(&l.inner).ok())
        .map(|l| l.data)
        .ok_or(ChainError::MissingEvent(E::SIGNATURE))
}

impl AosContracts {
    /// Bind to `deployments` through `provider` (which should carry a wallet for sends).
    pub fn new(provider: DynProvider, deployments: Deployments) -> Self {
        Self {
            market: TaskMarket::new(deployments.task_market, provider.clone()),
            registry: AgentRegistry::new(deployments.agent_registry, provider.clone()),
            karma: KarmaRegistry::new(deployments.karma_registry, provider.clone()),
            court: DisputeCourt::new(deployments.dispute_court, provider.clone()),
            scanner: Arc::new(LogScanner::new(provider.clone())),
            provider,
            deployments,
        }
    }

    /// The provider.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The deployment addresses.
    pub fn deployments(&self) -> &Deployments {
        &self.deployments
    }

    /// The adaptive log scanner over this provider (shared by clones of this handle, so the
    /// range it learnt carries over).
    pub fn scanner(&self) -> &LogScanner {
        &self.scanner
    }

    /// Use `scanner` (e.g. tuned with [`LogScanner::with_range_bounds`]) for log scans.
    #[must_use]
    pub fn with_scanner(mut self, scanner: LogScanner) -> Self {
        self.scanner = Arc::new(scanner);
        self
    }

    /// All logs matching `filter` from the deployment's `startBlock` to the latest block.
    ///
    /// # Errors
    /// [`ScanError`].
    pub async fn scan_logs(&self, filter: &Filter) -> Result<Vec<Log>, ScanError> {
        self.scanner
            .scan_to_head(filter, self.deployments.start_block)
            .await
    }

    /// Bind `AgentRegistry.register(agentKey, manifestHash, bindingSignature)`.
    ///
    /// # Errors
    /// [`ChainError::Reverted`] with e.g. `AgentRegistryKeyTaken`.
    pub async fn register_agent(
        &self,
        agent_key: [u8; 32],
        manifest_hash: B256,
        binding_signature: [u8; 64],
    ) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(self.registry.register(
            agent_key.into(),
            manifest_hash,
            Bytes::copy_from_slice(&binding_signature),
        ))
        .await?;
        outcome((), &r)
    }

    /// The 92-byte message an agent key signs to bind `account` (AgentRegistry).
    ///
    /// # Errors
    /// RPC errors.
    pub async fn binding_message(&self, account: Address) -> Result<Bytes, ChainError> {
        Ok(self.registry.bindingMessage(account).call().await?)
    }

    /// `postTask`, paying the escrow in ETH when `params.asset` is zero (an ERC-20 needs an
    /// allowance first). Returns the task id from `TaskPosted`.
    ///
    /// # Errors
    /// [`ChainError::Reverted`] with the market's error (bad terms, fee mismatch, value…).
    pub async fn post_task(&self, params: &TaskParams) -> Result<TxOutcome<B256>, ChainError> {
        let value = if params.asset == Address::ZERO {
            U256::from(params.payment)
        } else {
            U256::ZERO
        };
        let r = mined(self.market.postTask(params.clone()).value(value)).await?;
        let ev: TaskMarket::TaskPosted = event(&r, self.deployments.task_market)?;
        outcome(ev.taskId, &r)
    }

    /// `claim`, locking [`stake_of`] (in ETH when the asset is ETH).
    ///
    /// # Errors
    /// [`ChainError::Reverted`]: `TaskMarketWrongStatus` when someone else won the race,
    /// `TaskMarketNotRegistered`, `TaskMarketKarmaTooLow`, …
    pub async fn claim(&self, params: &TaskParams) -> Result<TxOutcome<()>, ChainError> {
        let value = if params.asset == Address::ZERO {
            stake_of(params)
        } else {
            U256::ZERO
        };
        let r = mined(self.market.claim(params.clone()).value(value)).await?;
        outcome((), &r)
    }

    /// `submit(taskId, resultHash)`.
    ///
    /// # Errors
    /// [`ChainError::Reverted`].
    pub async fn submit(
        &self,
        task_id: B256,
        result_hash: B256,
    ) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(self.market.submit(task_id, result_hash)).await?;
        outcome((), &r)
    }

    /// `accept(params)` by the requester.
    ///
    /// # Errors
    /// [`ChainError::Reverted`].
    pub async fn accept(&self, params: &TaskParams) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(self.market.accept(params.clone())).await?;
        outcome((), &r)
    }

    /// `finalize(params)` after the review window (anyone).
    ///
    /// # Errors
    /// [`ChainError::Reverted`].
    pub async fn finalize(&self, params: &TaskParams) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(self.market.finalize(params.clone())).await?;
        outcome((), &r)
    }

    /// `expire(params)` after a missed deadline (anyone).
    ///
    /// # Errors
    /// [`ChainError::Reverted`].
    pub async fn expire(&self, params: &TaskParams) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(self.market.expire(params.clone())).await?;
        outcome((), &r)
    }

    /// `cancel(params)` before a claim, by the requester.
    ///
    /// # Errors
    /// [`ChainError::Reverted`].
    pub async fn cancel(&self, params: &TaskParams) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(self.market.cancel(params.clone())).await?;
        outcome((), &r)
    }

    /// `reject(params, evidence)` within the review window, paying the court's arbitration
    /// cost for this task (wei), with `evidence` (the BLAKE3 id of the requester's verdict
    /// blob) put on record in the same transaction (`Evidence`, ERC-1497 style). Returns the
    /// dispute id.
    ///
    /// # Errors
    /// [`ChainError::Reverted`]: `TaskMarketEmptyEvidence` for the zero id,
    /// `TaskMarketDeadlinePassed` after the review window, `TaskMarketWrongStatus`, …
    pub async fn reject(
        &self,
        params: &TaskParams,
        evidence: ContentId,
    ) -> Result<TxOutcome<U256>, ChainError> {
        let worker = self.task_state(task_id_of(params)).await?.worker;
        let extra = (params.domain, params.requester, worker).abi_encode_params();
        let cost = self.court.arbitrationCost(extra.into()).call().await?;
        let r = mined(
            self.market
                .reject(params.clone(), B256::from(evidence.0))
                .value(cost),
        )
        .await?;
        let ev: TaskMarket::TaskDisputed = event(&r, self.deployments.task_market)?;
        outcome(ev.disputeId, &r)
    }

    /// `submitEvidence(params, evidence)`: put the BLAKE3 id of an evidence blob on record for
    /// the task (the requester's verdict or arguments, the worker's reply), for the court's
    /// jurors to read from the `Evidence` events (ERC-1497 style; no state changes).
    ///
    /// # Errors
    /// [`ChainError::Reverted`]: `TaskMarketUnauthorized` unless the caller is the requester
    /// or the worker, `TaskMarketWrongStatus` unless the task is Submitted or Disputed,
    /// `TaskMarketEmptyEvidence` for the zero id.
    pub async fn submit_evidence(
        &self,
        params: &TaskParams,
        evidence: ContentId,
    ) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(
            self.market
                .submitEvidence(params.clone(), B256::from(evidence.0)),
        )
        .await?;
        outcome((), &r)
    }

    /// `executeRuling(params)` once the court ruled (anyone).
    ///
    /// # Errors
    /// [`ChainError::Reverted`].
    pub async fn execute_ruling(&self, params: &TaskParams) -> Result<TxOutcome<()>, ChainError> {
        let r = mined(self.market.executeRuling(params.clone())).await?;
        outcome((), &r)
    }

    /// `withdraw(asset, to)`; returns the amount sent (asset units).
    ///
    /// # Errors
    /// [`ChainError::Reverted`]: `TaskMarketNothingToWithdraw`, `TaskMarketTransferFailed`.
    pub async fn withdraw(
        &self,
        asset: Address,
        to: Address,
    ) -> Result<TxOutcome<U256>, ChainError> {
        let r = mined(self.market.withdraw(asset, to)).await?;
        let ev: TaskMarket::Withdrawn = event(&r, self.deployments.task_market)?;
        outcome(ev.amount, &r)
    }

    /// The task's mutable state.
    ///
    /// # Errors
    /// RPC errors.
    pub async fn task_state(&self, task_id: B256) -> Result<TaskState, ChainError> {
        Ok(self.market.taskState(task_id).call().await?)
    }

    /// The task's status.
    ///
    /// # Errors
    /// RPC errors; [`ChainError::Malformed`] for an unknown status number.
    pub async fn task_status(&self, task_id: B256) -> Result<TaskStatus, ChainError> {
        status_of(&self.task_state(task_id).await?)
    }

    /// Withdrawable balance of `account` in `asset` (asset units).
    ///
    /// # Errors
    /// RPC errors.
    pub async fn market_balance(
        &self,
        account: Address,
        asset: Address,
    ) -> Result<U256, ChainError> {
        Ok(self.market.balanceOf(account, asset).call().await?)
    }

    /// `(accuracy, completion)` of `agent` in `domain`, WAD, decayed to the latest block.
    ///
    /// # Errors
    /// RPC errors.
    pub async fn karma_scores(
        &self,
        agent: Address,
        domain: B256,
    ) -> Result<(U256, U256), ChainError> {
        let r = self.karma.scores(agent, domain).call().await?;
        Ok((r.accuracy, r.completion))
    }

    /// `karmaOf(agent, domain)`: the raw counters (tasks, disputes won/lost, last update).
    ///
    /// # Errors
    /// RPC errors.
    pub async fn karma_record(
        &self,
        agent: Address,
        domain: B256,
    ) -> Result<crate::karma_registry::IKarmaRegistry::Karma, ChainError> {
        Ok(self.karma.karmaOf(agent, domain).call().await?)
    }

    /// `earningsOf(agent, asset)`: lifetime earnings recorded for `agent` (asset units).
    ///
    /// # Errors
    /// RPC errors.
    pub async fn earnings_of(&self, agent: Address, asset: Address) -> Result<U256, ChainError> {
        Ok(self.karma.earningsOf(agent, asset).call().await?)
    }

    /// The market's current protocol fee in bps (to put in new terms).
    ///
    /// # Errors
    /// RPC errors.
    pub async fn fee_bps(&self) -> Result<u16, ChainError> {
        Ok(self.market.feeBps().call().await?)
    }

    /// The latest block's timestamp (unix seconds), for deadlines.
    ///
    /// # Errors
    /// RPC errors.
    pub async fn chain_time(&self) -> Result<u64, ChainError> {
        let b = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await?
            .ok_or_else(|| ChainError::Malformed("no latest block".into()))?;
        Ok(b.header.timestamp)
    }
}

/// Event history reads: the scans run through [`AosContracts::scan_logs`] (from the
/// deployment block, adaptive ranges).
impl AosContracts {
    /// Every TaskMarket event about `task_id`, in chain order (block, log index), decoded and
    /// with its log (block, transaction): the `Task*` events (the id is their first indexed
    /// topic) and the `Evidence` events (the id is their evidence group, the second indexed
    /// topic; see [`crate::TaskEvidence`]). A log this binding cannot decode is skipped.
    ///
    /// # Errors
    /// [`ChainError::Scan`] when the logs cannot be read.
    pub async fn task_events(
        &self,
        task_id: B256,
    ) -> Result<Vec<(Log, TaskMarket::TaskMarketEvents)>, ChainError> {
        use alloy::sol_types::SolEventInterface as _;
        let f = Filter::new()
            .address(self.deployments().task_market)
            .topic1(task_id);
        // topics are matched by position, so the evidence (topic 2) is a second scan
        let mut logs = self.scan_logs(&f).await?;
        logs.extend(self.scan_logs(&self.evidence_filter(task_id)).await?);
        logs.sort_by_key(|l| (l.block_number, l.log_index));
        logs.dedup_by_key(|l| (l.block_hash, l.log_index));
        Ok(logs
            .into_iter()
            .filter_map(|l| {
                let ev = TaskMarket::TaskMarketEvents::decode_log(&l.inner).ok()?;
                Some((l, ev.data))
            })
            .collect())
    }

    /// The latest `TaskSubmitted` of `task_id`: `(result hash, worker)`; `None` when no
    /// worker submitted since the deployment block.
    ///
    /// # Errors
    /// [`ChainError::Scan`] when the logs cannot be read.
    pub async fn last_submission(
        &self,
        task_id: B256,
    ) -> Result<Option<(B256, Address)>, ChainError> {
        let f = Filter::new()
            .address(self.deployments().task_market)
            .event_signature(TaskMarket::TaskSubmitted::SIGNATURE_HASH)
            .topic1(task_id);
        Ok(self
            .scan_logs(&f)
            .await?
            .iter()
            .filter_map(|l| TaskMarket::TaskSubmitted::decode_log(&l.inner).ok())
            .rfind(|e| e.taskId == task_id)
            .map(|e| (e.resultHash, e.worker)))
    }

    /// The domains and assets `agent` has karma or earnings in, from KarmaRegistry's
    /// `KarmaRecorded` / `EarningsRecorded` events, in first-seen order; the assets always
    /// start with ETH (the zero address).
    ///
    /// # Errors
    /// [`ChainError::Scan`] when the logs cannot be read.
    pub async fn karma_footprint(
        &self,
        agent: Address,
    ) -> Result<(Vec<B256>, Vec<Address>), ChainError> {
        let f = Filter::new()
            .address(self.deployments().karma_registry)
            .event_signature(vec![
                KarmaRegistry::KarmaRecorded::SIGNATURE_HASH,
                KarmaRegistry::EarningsRecorded::SIGNATURE_HASH,
            ])
            .topic1(agent.into_word());
        let mut domains = Vec::new();
        let mut assets = vec![Address::ZERO];
        for l in self.scan_logs(&f).await? {
            if let Ok(e) = KarmaRegistry::KarmaRecorded::decode_log(&l.inner) {
                if !domains.contains(&e.data.domain) {
                    domains.push(e.data.domain);
                }
            } else if let Ok(e) = KarmaRegistry::EarningsRecorded::decode_log(&l.inner)
                && !assets.contains(&e.data.asset)
            {
                assets.push(e.data.asset);
            }
        }
        Ok((domains, assets))
    }
}

/// Naming transactions for people (gas reports, histories).
impl AosContracts {
    /// `Contract.function` of a transaction to `to` with calldata `input`, by the selector in
    /// this deployment's bindings (`Contract.?` for an unknown selector); `contract creation`
    /// when `to` is `None`; `other` for any other address or calldata without a selector.
    pub fn call_name(&self, to: Option<Address>, input: &[u8]) -> String {
        let d = self.deployments();
        let sel: Option<[u8; 4]> = input.get(..4).and_then(|s| s.try_into().ok());
        match (to, sel) {
            (Some(t), Some(s)) if t == d.task_market => format!(
                "TaskMarket.{}",
                TaskMarket::TaskMarketCalls::name_by_selector(s).unwrap_or("?")
            ),
            (Some(t), Some(s)) if t == d.dispute_court => format!(
                "DisputeCourt.{}",
                DisputeCourt::DisputeCourtCalls::name_by_selector(s).unwrap_or("?")
            ),
            (Some(t), Some(s)) if t == d.agent_registry => format!(
                "AgentRegistry.{}",
                AgentRegistry::AgentRegistryCalls::name_by_selector(s).unwrap_or("?")
            ),
            (Some(t), Some(s)) if t == d.karma_registry => format!(
                "KarmaRegistry.{}",
                KarmaRegistry::KarmaRegistryCalls::name_by_selector(s).unwrap_or("?")
            ),
            (None, _) => "contract creation".into(),
            _ => "other".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy::{providers::ProviderBuilder, sol_types::SolCall};

    use super::*;

    fn contracts() -> AosContracts {
        let d = Deployments {
            chain_id: 31337,
            start_block: 0,
            deployer: Address::ZERO,
            owner: Address::ZERO,
            agent_registry: Address::repeat_byte(3),
            karma_registry: Address::repeat_byte(4),
            randomness: Address::repeat_byte(5),
            dispute_court: Address::repeat_byte(2),
            task_market: Address::repeat_byte(1),
        };
        let p = ProviderBuilder::new()
            .connect_http("http://127.0.0.1:1".parse().expect("url"))
            .erased();
        AosContracts::new(p, d)
    }

    #[test]
    fn a_transaction_is_named_by_its_contract_and_selector() {
        let c = contracts();
        let sel = TaskMarket::feeBpsCall::SELECTOR;
        assert_eq!(
            c.call_name(Some(Address::repeat_byte(1)), &sel),
            "TaskMarket.feeBps"
        );
        assert_eq!(
            c.call_name(Some(Address::repeat_byte(1)), &[0xde, 0xad, 0xbe, 0xef]),
            "TaskMarket.?"
        );
        assert_eq!(c.call_name(None, &[]), "contract creation");
        assert_eq!(c.call_name(Some(Address::repeat_byte(9)), &sel), "other");
        assert_eq!(c.call_name(Some(Address::repeat_byte(1)), &[1, 2]), "other");
    }
}
