//! Becoming a participant, shared by `aos worker register`, `aos juror join` and
//! `aos devnet up`: the agent key file and its passphrase (also read by the review commands,
//! which sign their verdicts with it), the registry's binding, the juror stake. The chain
//! calls are aos-chain's ([`AosContracts::register_agent_key`], [`AosContracts::court_join`]).

use std::path::Path;

use alloy::primitives::{Address, U256};
use aos_chain::{AosContracts, RegisterError, TxOutcome};
use aos_protocol::{AgentKey, KdfParams, KeyFile};
use eyre::{Result, WrapErr, eyre};

use crate::{
    ctx::Ctx,
    tx::{ensure_allowance, send},
    units::fmt_asset,
};

/// The agent key passphrase: $AOS_AGENT_PASSPHRASE, else the keystore password
/// ($AOS_PASSWORD, else the first line of --password-file).
///
/// # Errors
/// None of them is set, or the password file cannot be read.
pub(crate) fn agent_passphrase(ctx: &Ctx) -> Result<String> {
    if let Ok(p) = std::env::var("AOS_AGENT_PASSPHRASE") {
        return Ok(p);
    }
    ctx.password()?.ok_or_else(|| {
        eyre!(
            "the agent key file needs a passphrase: set AOS_AGENT_PASSPHRASE (or AOS_PASSWORD \
             / --password-file)"
        )
    })
}

/// Load the agent key file at `path` (aos-protocol's encrypted [`KeyFile`]).
///
/// # Errors
/// The file is missing or unreadable, or `passphrase` does not decrypt it.
pub(crate) fn load_agent_key(path: &Path, passphrase: &str) -> Result<AgentKey> {
    let f = KeyFile::read(path)
        .wrap_err_with(|| format!("cannot read the agent key file {}", path.display()))?;
    f.decrypt(passphrase.as_bytes())
        .wrap_err_with(|| format!("cannot decrypt the agent key file {}", path.display()))
}

/// Load the agent key at `path`, or create it (encrypted with `params`) when missing.
/// Returns the key and whether it was created.
pub(crate) fn load_or_create_agent_key(
    path: &Path,
    passphrase: &str,
    params: KdfParams,
) -> Result<(AgentKey, bool)> {
    if path.exists() {
        return Ok((load_agent_key(path, passphrase)?, false));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    }
    let k = AgentKey::generate();
    KeyFile::encrypt(&k, passphrase.as_bytes(), params)
        .and_then(|f| f.write_new(path))
        .wrap_err_with(|| format!("cannot write the agent key file {}", path.display()))?;
    Ok((k, true))
}

/// Register `me` with `key` (aos-chain's [`AosContracts::register_agent_key`]: the binding
/// message checked against aos-protocol's layout, signed, and `register` sent).
pub(crate) async fn register_with(
    ctx: &Ctx,
    c: &AosContracts,
    me: Address,
    key: &AgentKey,
    manifest: &[u8],
) -> Result<aos_chain::TxOutcome<()>> {
    send(
        &ctx.out,
        &format!("register agent {}", key.agent_id()),
        async {
            c.register_agent_key(me, key, manifest)
                .await
                .map(|(_, o)| o)
                // the ChainError itself in the report's chain, so `report` finds its hint
                .map_err(|e| match e {
                    RegisterError::Chain(e) => eyre::Report::new(e),
                    e => eyre::Report::new(e),
                })
        },
    )
    .await
}

/// Stake `amount` for `c`'s signer (approving an ERC-20 stake token first).
pub(crate) async fn join_with(
    ctx: &Ctx,
    c: &AosContracts,
    me: Address,
    amount: U256,
) -> Result<TxOutcome<()>> {
    let token = c
        .stake_token()
        .await
        .wrap_err("DisputeCourt.stakeToken failed")?;
    let value = if token == Address::ZERO {
        amount
    } else {
        ensure_allowance(ctx, c, me, token, c.deployments().dispute_court, amount).await?;
        U256::ZERO
    };
    send(
        &ctx.out,
        &format!("join the juror pool with {}", fmt_asset(token, amount)),
        c.court_join(amount, value),
    )
    .await
}
