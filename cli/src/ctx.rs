//! The resolved settings turned into what commands need: deployments, a signer, contract
//! handles (read-only or signing).

use std::path::PathBuf;

use alloy::{
    primitives::Address,
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use aos_chain::{AosContracts, Deployments, load_keystore, provider_for};
use eyre::{Result, WrapErr, bail, eyre};

use crate::{opts::Settings, output::Output};

/// Everything a command runs with.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// Global settings.
    pub(crate) s: Settings,
    /// Output mode.
    pub(crate) out: Output,
}

impl Ctx {
    /// The deployments JSON.
    ///
    /// # Errors
    /// Missing or malformed file, with what to do next.
    pub(crate) fn deployments(&self) -> Result<Deployments> {
        let p = &self.s.deployments;
        if !p.exists() {
            bail!(
                "deployments file {} not found: start a local chain with `aos devnet up`, or \
                 point --deployments (AOS_DEPLOYMENTS) at the JSON written by \
                 script/Deploy.s.sol",
                p.display()
            );
        }
        Deployments::load(p)
            .wrap_err_with(|| format!("cannot load the deployments file {}", p.display()))
    }

    /// The keystore password ($AOS_PASSWORD, else the first line of --password-file; the
    /// rule lives in `aos_args::keystore_password`).
    pub(crate) fn password(&self) -> Result<Option<String>> {
        Ok(aos_args::keystore_password(
            self.s.password_file.as_deref(),
        )?)
    }

    /// `explicit` (an `--address` flag), else the signing account's address.
    ///
    /// # Errors
    /// Neither given, or the account cannot be opened.
    pub(crate) fn account_or(&self, explicit: Option<Address>) -> Result<Address> {
        match explicit {
            Some(a) => Ok(a),
            None => Ok(self
                .signer()
                .map_err(|_| eyre!("pass --address, or an account (--keystore / --private-key)"))?
                .address()),
        }
    }

    /// The signing account: --private-key, else --keystore with its password.
    ///
    /// # Errors
    /// No account configured, a malformed key, a wrong password.
    pub(crate) fn signer(&self) -> Result<PrivateKeySigner> {
        if let Some(k) = &self.s.private_key {
            return k.trim().parse::<PrivateKeySigner>().map_err(|_| {
                eyre!("--private-key (AOS_PRIVATE_KEY) is not a 32-byte hex private key")
            });
        }
        if let Some(ks) = &self.s.keystore {
            let pw = self.password()?.ok_or_else(|| {
                eyre!(
                    "keystore {} needs a password: set AOS_PASSWORD or --password-file",
                    ks.display()
                )
            })?;
            return load_keystore(ks, &pw).map_err(|e| {
                let text = e.to_string();
                if text.to_ascii_lowercase().contains("mac mismatch") {
                    eyre!("{text} (wrong password?)")
                } else {
                    eyre!("{text} (is it an Ethereum keystore JSON file?)")
                }
            });
        }
        bail!(
            "this command sends a transaction and needs an account: pass --keystore FILE with \
             --password-file FILE (or AOS_KEYSTORE + AOS_PASSWORD), or --private-key HEX for \
             development (`aos devnet status` lists the devnet's keys)"
        )
    }

    fn url(&self) -> Result<alloy::transports::http::reqwest::Url> {
        self.s.rpc.parse().map_err(|_| {
            eyre!(
                "--rpc {:?} is not a URL (e.g. http://127.0.0.1:8545)",
                self.s.rpc
            )
        })
    }

    /// A provider without a wallet.
    pub(crate) fn read_provider(&self) -> Result<DynProvider> {
        Ok(ProviderBuilder::new().connect_http(self.url()?).erased())
    }

    async fn check(&self, provider: &DynProvider, d: &Deployments) -> Result<()> {
        let chain_id = provider.get_chain_id().await.wrap_err_with(|| {
            format!(
                "cannot reach the RPC at {} (is the node running? `aos devnet up` starts a \
                 local one)",
                self.s.rpc
            )
        })?;
        if chain_id != d.chain_id {
            bail!(
                "the RPC at {} is chain {chain_id} but {} is for chain {}: point --rpc and \
                 --deployments at the same chain",
                self.s.rpc,
                self.s.deployments.display(),
                d.chain_id
            );
        }
        let code = provider
            .get_code_at(d.task_market)
            .await
            .wrap_err("eth_getCode failed")?;
        if code.is_empty() {
            bail!(
                "no TaskMarket at {} on {}: {} belongs to another deployment (a devnet that was \
                 restarted?); run `aos devnet up` again or fix --deployments",
                d.task_market,
                self.s.rpc,
                self.s.deployments.display()
            );
        }
        Ok(())
    }

    /// Read-only contract handles (no account needed).
    ///
    /// # Errors
    /// Deployments or RPC problems.
    pub(crate) async fn reader(&self) -> Result<AosContracts> {
        let d = self.deployments()?;
        let p = self.read_provider()?;
        self.check(&p, &d).await?;
        Ok(AosContracts::new(p, d))
    }

    /// Signing contract handles and the signer's address.
    ///
    /// # Errors
    /// Deployments, account or RPC problems.
    pub(crate) async fn writer(&self) -> Result<(AosContracts, Address)> {
        let signer = self.signer()?;
        let me = signer.address();
        let d = self.deployments()?;
        let p = provider_for(&self.s.rpc, signer)
            .wrap_err_with(|| format!("cannot use the RPC {}", self.s.rpc))?;
        self.check(&p, &d).await?;
        Ok((AosContracts::new(p, d), me))
    }

    /// `data_dir/sub`, created.
    pub(crate) fn data_path(&self, sub: &str) -> Result<PathBuf> {
        let p = self.s.data_dir.join(sub);
        std::fs::create_dir_all(&p)
            .wrap_err_with(|| format!("cannot create the data folder {}", p.display()))?;
        Ok(p)
    }
}
