//! The detached devnet `aos devnet up` builds on: anvil outliving its handle, keys from its
//! `--config-out`, the real deploy script writing outside `<root>/.devnet`.

use std::time::Duration;

use alloy::providers::{Provider, ProviderBuilder};
use aos_chain::devnet::{DetachedAnvil, DetachedAnvilConfig, DevnetError, deploy, find_root, tool};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills anvil by pid when the test ends (the handle does not: it is detached).
struct Kill(u32);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .arg(self.0.to_string())
            .status();
    }
}

#[tokio::test]
async fn a_detached_anvil_serves_after_its_handle_is_gone_and_deploys_anywhere() {
    let root = find_root(None).expect("the repository");
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut anvil = DetachedAnvil::spawn(DetachedAnvilConfig {
        bin: tool(&root, "anvil").expect("anvil"),
        port,
        accounts: 12,
        log: tmp.path().join("anvil.log"),
        config_out: tmp.path().join("anvil.json"),
    })
    .expect("spawn");
    let _kill = Kill(anvil.pid());
    let ready = anvil
        .wait_ready(Duration::from_secs(20))
        .await
        .expect("ready");
    assert_eq!(ready.chain_id, 31337);
    assert_eq!(ready.keys.len(), 12);
    // the mnemonic's first account, anvil's well-known 0xf39F…2266
    assert_eq!(
        ready.keys[0].address(),
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
            .parse::<alloy::primitives::Address>()
            .unwrap()
    );

    let rpc = anvil.rpc_url().to_owned();
    let out = tmp.path().join("deployments.json");
    let d = deploy(&root, &rpc, &ready.keys[0], &out)
        .await
        .expect("deploy");
    assert!(out.is_file());
    assert_eq!(d.chain_id, 31337);

    drop(anvil);
    let p = ProviderBuilder::new().connect_http(rpc.parse().unwrap());
    let code = p
        .get_code_at(d.task_market)
        .await
        .expect("anvil still serves");
    assert!(!code.is_empty());
}

#[test]
fn a_folder_without_the_deploy_script_is_not_the_repository() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(matches!(
        find_root(Some(tmp.path())),
        Err(DevnetError::NotARepo(_))
    ));
    assert!(matches!(
        tool(tmp.path(), "anvil"),
        Err(DevnetError::ToolMissing { tool: "anvil", .. })
    ));
}
