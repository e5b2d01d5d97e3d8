//! Dispute records and seats as `aos` shows them (the `dispute` and `juror` commands share
//! these): the reads are aos-chain's ([`AosContracts::dispute`],
//! [`AosContracts::drawn_seats`]), with errors that say what to do next.

use std::time::Duration;

use alloy::{primitives::Address, providers::Provider};
use aos_chain::{
    AosContracts, ChainError, Phase, Revert, SeatState,
    dispute_court::DisputeCourt::DisputeCourtErrors,
};
use eyre::{Result, WrapErr, bail, eyre};

/// IDisputeCourt.Phase by number.
pub(crate) fn phase_name(p: u8) -> &'static str {
    Phase::name_of(p)
}

/// IDisputeCourt.SeatState by number.
pub(crate) fn seat_name(s: u8) -> &'static str {
    SeatState::name_of(s)
}

/// Phase numbers.
pub(crate) const PHASE_DRAWING: u8 = Phase::Drawing as u8;
/// Seat state numbers.
pub(crate) const SEAT_SETTLED: u8 = SeatState::Settled as u8;

/// Seats drawn, from `JurorDrawn` events: `(dispute, round, juror)`, optionally for one
/// dispute and/or one juror, in draw order.
pub(crate) async fn drawn_seats(
    c: &AosContracts,
    dispute: Option<u64>,
    juror: Option<Address>,
) -> Result<Vec<(u64, u64, Address)>> {
    c.drawn_seats(dispute, juror)
        .await
        .wrap_err("cannot read the court's JurorDrawn events")
}

/// The dispute record, with an error naming the id when it does not exist.
pub(crate) async fn dispute_of(
    c: &AosContracts,
    id: u64,
) -> Result<aos_chain::dispute_court::IDisputeCourt::Dispute> {
    let d = c
        .dispute(id)
        .await
        .wrap_err("DisputeCourt.disputeOf failed")?;
    if d.phase == Phase::None as u8 {
        let n = c.dispute_count().await.unwrap_or_default();
        bail!("no dispute {id} (this court has {n}; ids start at 1)");
    }
    Ok(d)
}

/// The error for a juror without a votable seat in the current round.
pub(crate) fn no_seat(id: u64, round: u8, state: u8) -> eyre::Report {
    eyre!(
        "this account's seat in round {round} of dispute {id} is {} — only drawn jurors vote \
         (`aos juror status` lists your seats)",
        seat_name(state)
    )
}

/// Whether `e` is the court's "the round's seed is not available yet".
pub(crate) fn is_randomness_pending(e: &ChainError) -> bool {
    matches!(
        e.revert(),
        Some(Revert::DisputeCourt(
            DisputeCourtErrors::DisputeCourtRandomnessPending(_)
        ))
    )
}

/// Get past the seed block: on anvil mine one block, elsewhere wait for the next one (at
/// most `wait`).
///
/// # Errors
/// RPC errors; no new block within `wait`.
pub(crate) async fn next_block(c: &AosContracts, wait: Duration) -> Result<()> {
    let p = c.provider();
    let client = p.get_client_version().await.unwrap_or_default();
    if client.to_ascii_lowercase().starts_with("anvil") {
        p.raw_request::<_, String>("evm_mine".into(), ())
            .await
            .wrap_err("evm_mine failed")?;
        return Ok(());
    }
    let start = p.get_block_number().await?;
    let until = std::time::Instant::now() + wait;
    while std::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(2)).await;
        if p.get_block_number().await? > start {
            return Ok(());
        }
    }
    bail!(
        "no new block within {}s: the draw's seed block is not there yet; retry later",
        wait.as_secs()
    )
}
