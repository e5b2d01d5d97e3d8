//! Every event kind is mirrored and the API returns what the chain holds: a full task
//! lifecycle, a cancel, an expire, a failed task, and a dispute through the real court
//! (jurors earn karma through real tasks, join with a stake, are drawn, commit, reveal, the
//! ruling is executed and seats settled). Run on SQLite and PostgreSQL.

mod common;

use std::collections::BTreeSet;

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
};
use aos_chain::{Devnet, TaskStatus, task_id_of};
use common::*;

async fn mined<T>(c: T)
where
    T: std::future::IntoFuture<
            Output = Result<
                alloy::providers::PendingTransactionBuilder<alloy::network::Ethereum>,
                alloy::contract::Error,
            >,
        >,
{
    let r = c.await.unwrap().get_receipt().await.unwrap();
    assert!(r.status(), "tx reverted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_kind_is_mirrored_and_served() {
    let net = Devnet::spawn().await.expect("devnet");
    let p0 = net.provider(0);
    let requester = net.contracts(1);
    let worker = net.contracts(2);
    let mut salt = 0u64;
    let mut all_params = Vec::new();
    let pay = 50_000_000_000_000_000u128;

    // register the worker and three jurors
    for i in [2usize, 3, 4, 5] {
        net.contracts(i)
            .register_agent([i as u8; 32], B256::repeat_byte(i as u8), [0u8; 64])
            .await
            .unwrap();
    }
    // each of the three jurors completes 3 tasks (accuracy 1 − 0.9³ = 0.271 ≥ floor 0.1)
    for j in [3usize, 4, 5] {
        let c = net.contracts(j);
        for _ in 0..3 {
            salt += 1;
            let now = requester.chain_time().await.unwrap();
            let p = params(net.address(1), now, salt, pay);
            let id = requester.post_task(&p).await.unwrap().value;
            c.claim(&p).await.unwrap();
            c.submit(id, B256::repeat_byte(0xaa)).await.unwrap();
            requester.accept(&p).await.unwrap();
            all_params.push(p);
        }
        let stake = U256::from(10u128 * 10u128.pow(18));
        mined(c.court.join(stake).value(stake).send()).await;
    }

    // A: claim → submit → accept → withdraw
    let now = requester.chain_time().await.unwrap();
    salt += 1;
    let a = params(net.address(1), now, salt, pay);
    let a_id = requester.post_task(&a).await.unwrap().value;
    worker.claim(&a).await.unwrap();
    worker.submit(a_id, B256::repeat_byte(0xee)).await.unwrap();
    requester.accept(&a).await.unwrap();
    worker
        .withdraw(Address::ZERO, net.address(2))
        .await
        .unwrap();
    // B: cancel
    salt += 1;
    let b = params(net.address(1), now, salt, pay);
    let b_id = requester.post_task(&b).await.unwrap().value;
    requester.cancel(&b).await.unwrap();
    // E: disputed (submitted, then rejected)
    salt += 1;
    let e = params(net.address(1), now, salt, pay);
    let e_id = requester.post_task(&e).await.unwrap().value;
    worker.claim(&e).await.unwrap();
    worker.submit(e_id, B256::repeat_byte(0xef)).await.unwrap();
    let verdict = aos_protocol::ContentId::of(b"verdict: the summary invents a date");
    let reply = aos_protocol::ContentId::of(b"reply: the date is in the report");
    let rejected = requester.reject(&e, verdict).await.unwrap();
    let dispute_id = rejected.value;
    let replied = worker.submit_evidence(&e, reply).await.unwrap();
    // C: expires unclaimed; D: claimed, never delivered → Failed
    salt += 1;
    let c = params(net.address(1), now, salt, pay);
    let c_id = requester.post_task(&c).await.unwrap().value;
    salt += 1;
    let d = params(net.address(1), now, salt, pay);
    let d_id = requester.post_task(&d).await.unwrap().value;
    worker.claim(&d).await.unwrap();
    // F: stays open (worth more, other domain)
    salt += 1;
    let mut f = params(net.address(1), now, salt, 3 * pay);
    f.domain = aos_chain::domain_to_bytes32("translation").unwrap();
    let f_id = requester.post_task(&f).await.unwrap().value;

    // the court: draw (randomness needs a later block), commit, reveal for the worker
    raw(&p0, "evm_mine", serde_json::json!([])).await;
    let court = net.contracts(6).court;
    for _ in 0..50 {
        if court.disputeOf(dispute_id).call().await.unwrap().phase != 1 {
            break;
        }
        // fixed gas: the iterations depend on the block the draw lands in, not the estimate's
        mined(
            court
                .draw(dispute_id, U256::from(200))
                .gas(10_000_000)
                .send(),
        )
        .await;
    }
    assert_eq!(
        court.disputeOf(dispute_id).call().await.unwrap().phase,
        2,
        "all seats drawn → Commit"
    );
    let choice = U256::from(2);
    let salt_of = |j: usize| B256::repeat_byte(0x40 + j as u8);
    let mut seated = Vec::new();
    for j in [3usize, 4, 5] {
        let seat = court
            .seatOf(dispute_id, U256::ZERO, net.address(j))
            .call()
            .await
            .unwrap();
        if seat.state != 0 {
            seated.push(j);
        }
    }
    assert_eq!(seated.len(), 3);
    for &j in &seated {
        let cj = net.contracts(j).court;
        let commitment = cj
            .commitmentOf(dispute_id, U256::ZERO, net.address(j), choice, salt_of(j))
            .call()
            .await
            .unwrap();
        mined(cj.commit(dispute_id, commitment).send()).await;
    }
    for &j in &seated {
        mined(
            net.contracts(j)
                .court
                .reveal(dispute_id, choice, salt_of(j))
                .send(),
        )
        .await;
    }
    increase_time(&p0, 200).await; // past the appeal period (120 s on the devnet)
    mined(court.advance(dispute_id).send()).await;
    requester.execute_ruling(&e).await.unwrap();
    for &j in &seated {
        mined(court.settle(dispute_id, U256::ZERO, net.address(j)).send()).await;
    }
    mined(
        net.contracts(3)
            .court
            .withdraw(Address::ZERO, net.address(3))
            .send(),
    )
    .await;
    mined(net.contracts(4).court.requestLeave().send()).await;

    // time passes: C expires, D fails
    increase_time(&p0, 7300).await;
    requester.expire(&c).await.unwrap();
    requester.expire(&d).await.unwrap();

    let truth = chain_logs(&net).await;
    let latest = p0
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap();
    let at = latest.header.timestamp;
    for db in TestDb::both().await {
        let (ix, store) = index_to_head(&net, &db).await;
        assert_eq!(ix.metrics().skipped_total(), 0);
        assert_eq!(
            db_logs(&store).await,
            truth,
            "[{}] every log mirrored once",
            db.kind
        );
        let kinds: BTreeSet<String> = {
            use sqlx::Row;
            sqlx::query("SELECT DISTINCT kind FROM events")
                .fetch_all(store.pool())
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>(0))
                .collect()
        };
        for k in [
            "TaskPosted",
            "TaskClaimed",
            "TaskSubmitted",
            "TaskAccepted",
            "TaskCancelled",
            "TaskExpired",
            "TaskFailed",
            "TaskDisputed",
            "Evidence",
            "TaskRuled",
            "TaskResolved",
            "Withdrawn",
            "Ruling",
            "AgentRegistered",
            "KarmaRecorded",
            "EarningsRecorded",
            "WritersSet",
            "KarmaParametersSet",
            "DisputeCreation",
            "RoundOpened",
            "JurorDrawn",
            "PhaseChanged",
            "VoteCommitted",
            "VoteRevealed",
            "RoundTallied",
            "DisputeSolved",
            "SeatSettled",
            "JurorStaked",
            "JurorLeaveRequested",
            "AppealPossible",
        ] {
            assert!(
                kinds.contains(k),
                "[{}] {k} mirrored (have {kinds:?})",
                db.kind
            );
        }

        let api = serve_api(store.clone(), &net, ix.metrics().clone()).await;
        // every task's status is the chain's
        let mut ids: Vec<B256> = all_params.iter().map(task_id_of).collect();
        ids.extend([a_id, b_id, c_id, d_id, e_id, f_id]);
        for id in &ids {
            let (code, t) = get(&api, &format!("/tasks/{id}")).await;
            assert_eq!(code, 200, "{t}");
            let chain = requester.task_status(*id).await.unwrap();
            assert_eq!(
                t["status"],
                format!("{chain:?}"),
                "[{}] status of {id}",
                db.kind
            );
        }
        let (_, ta) = get(&api, &format!("/tasks/{a_id}")).await;
        assert_eq!(ta["worker"], format!("{:#x}", net.address(2)));
        assert_eq!(ta["resultHash"], format!("{:#x}", B256::repeat_byte(0xee)));
        assert_eq!(u(&ta["payment"]), U256::from(pay));
        assert_eq!(
            u(&ta["workerAmount"]),
            U256::from(pay) + aos_chain::stake_of(&a),
            "payment + stake back"
        );
        assert_eq!(ta["domainName"], "summarisation");
        let hist: Vec<&str> = ta["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["event"].as_str().unwrap())
            .collect();
        assert_eq!(
            hist,
            ["TaskPosted", "TaskClaimed", "TaskSubmitted", "TaskAccepted"]
        );
        let (_, te) = get(&api, &format!("/tasks/{e_id}")).await;
        assert_eq!(te["status"], "Resolved");
        assert_eq!(u(&te["disputeId"]), dispute_id);
        assert_eq!(te["ruling"], 2);
        // the verdict (in the reject transaction) and the worker's reply, in chain order
        let ev = te["evidence"].as_array().unwrap();
        let got: Vec<(&str, &str, &str)> = ev
            .iter()
            .map(|x| {
                (
                    x["party"].as_str().unwrap(),
                    x["evidence"].as_str().unwrap(),
                    x["txHash"].as_str().unwrap(),
                )
            })
            .collect();
        let (req, wrk) = (
            format!("{:#x}", net.address(1)),
            format!("{:#x}", net.address(2)),
        );
        let (v, r) = (verdict.to_string(), reply.to_string());
        let (vt, rt) = (
            format!("{:#x}", rejected.tx_hash),
            format!("{:#x}", replied.tx_hash),
        );
        assert_eq!(
            got,
            [
                (req.as_str(), v.as_str(), vt.as_str()),
                (wrk.as_str(), r.as_str(), rt.as_str())
            ],
            "[{}] evidence of the disputed task",
            db.kind
        );
        assert_eq!(ev[0]["blockNumber"], rejected.block_number);
        assert_eq!(ev[1]["blockNumber"], replied.block_number);
        assert!(ev[0]["logIndex"].is_u64());
        let (_, tb) = get(&api, &format!("/tasks/{b_id}")).await;
        assert_eq!(
            tb["evidence"],
            serde_json::json!([]),
            "no evidence: an empty list"
        );
        let hist_e: Vec<&str> = te["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["event"].as_str().unwrap())
            .collect();
        assert_eq!(
            hist_e[..6],
            [
                "TaskPosted",
                "TaskClaimed",
                "TaskSubmitted",
                "TaskDisputed",
                "Evidence",
                "Evidence"
            ],
            "the evidence is in the task's history"
        );

        // open tasks by domain / payment
        let (_, open) = get(&api, "/tasks?status=Open").await;
        let open_ids: Vec<&str> = open["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["taskId"].as_str().unwrap())
            .collect();
        assert_eq!(open_ids, [format!("{f_id}")]);
        let (_, none) = get(
            &api,
            &format!(
                "/tasks?status=Open&domain=summarisation&min_payment={}",
                3 * pay
            ),
        )
        .await;
        assert!(none["tasks"].as_array().unwrap().is_empty());
        let (_, tr) = get(
            &api,
            &format!(
                "/tasks?status=Open&domain=translation&asset=eth&min_payment={}",
                3 * pay
            ),
        )
        .await;
        assert_eq!(tr["tasks"].as_array().unwrap().len(), 1);
        let (_, all) = get(&api, "/tasks?status=any&limit=1000").await;
        assert_eq!(all["tasks"].as_array().unwrap().len(), ids.len());
        // issue 12: without `status`, /tasks lists every task (it listed only Open ones),
        // newest first, paginated
        let (_, dflt) = get(&api, "/tasks?limit=1000").await;
        let dflt = dflt["tasks"].as_array().unwrap();
        assert_eq!(dflt.len(), ids.len(), "the default lists every status");
        let posted: Vec<i64> = dflt
            .iter()
            .map(|t| t["postedBlock"].as_i64().unwrap())
            .collect();
        assert!(
            posted.windows(2).all(|w| w[0] >= w[1]),
            "newest first: {posted:?}"
        );
        let (_, page) = get(&api, "/tasks?limit=2&offset=1").await;
        let page: Vec<&serde_json::Value> = page["tasks"].as_array().unwrap().iter().collect();
        assert_eq!(
            page,
            dflt[1..3].iter().collect::<Vec<_>>(),
            "pages of the same order"
        );

        // karma and earnings equal the chain's, decayed to the latest block
        for i in [2usize, 3, 4, 5] {
            let (code, ag) = get(&api, &format!("/agents/{}?at={at}", net.address(i))).await;
            assert_eq!(code, 200, "{ag}");
            assert_eq!(ag["registered"], true);
            let k = ag["karma"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["domainName"] == "summarisation")
                .unwrap();
            let (acc, comp) = worker.karma_scores(net.address(i), a.domain).await.unwrap();
            assert_eq!(
                u(&k["accuracyDecayedWad"]),
                acc,
                "[{}] accuracy of {i}",
                db.kind
            );
            assert_eq!(
                u(&k["completionDecayedWad"]),
                comp,
                "[{}] completion of {i}",
                db.kind
            );
            let rec = worker
                .karma
                .karmaOf(net.address(i), a.domain)
                .call()
                .await
                .unwrap();
            assert_eq!(k["tasks"], rec.tasks as i64);
            assert_eq!(k["disputesWon"], rec.disputesWon.to::<u64>() as i64);
            let earned = worker
                .karma
                .earningsOf(net.address(i), Address::ZERO)
                .call()
                .await
                .unwrap();
            let mirrored = ag["earnings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["asset"] == format!("{:#x}", Address::ZERO))
                .map(|e| u(&e["total"]))
                .unwrap_or_default();
            assert_eq!(mirrored, earned, "[{}] earnings of {i}", db.kind);
        }
        let (_, j4) = get(&api, &format!("/agents/{}", net.address(4))).await;
        assert!(j4["juror"]["leaveAvailableAt"].as_i64().unwrap() > 0);

        // routing: ranked by accuracy × completion
        let (_, r) = get(
            &api,
            &format!("/route?domain=summarisation&min_accuracy=0.2&skills=pdf&at={at}"),
        )
        .await;
        let ranked = r["agents"].as_array().unwrap();
        assert!(!ranked.is_empty());
        let scores: Vec<U256> = ranked.iter().map(|x| u(&x["scoreWad"])).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
        assert!(ranked.iter().all(
            |x| u(&x["karma"]["accuracyDecayedWad"]) >= U256::from(200_000_000_000_000_000u64)
        ));
        assert_eq!(r["uncheckedRequirements"][0], "skills.pdf");

        // the dispute with its votes
        let (_, ds) = get(&api, "/disputes").await;
        assert_eq!(ds["disputes"].as_array().unwrap().len(), 1);
        let (code, dd) = get(&api, &format!("/disputes/{dispute_id}")).await;
        assert_eq!(code, 200, "{dd}");
        assert_eq!(dd["taskId"], format!("{e_id}"));
        assert_eq!(dd["ruling"], 2);
        assert_eq!(dd["solved"], true);
        assert_eq!(dd["delivered"], true);
        let votes = dd["votes"].as_array().unwrap();
        assert_eq!(votes.len(), 3);
        assert!(
            votes
                .iter()
                .all(|v| v["choice"] == 2 && v["verdict"] == "Coherent" && v["state"] == "Settled"),
            "{votes:?}"
        );

        // the typed client (aos-indexer-api, what the CLI, demo and coordinator use) reads
        // every route of the real server: server and clients share one set of types
        let client = aos_indexer_api::IndexerClient::new(&api);
        let h = client.health().await.unwrap();
        assert_eq!(h.status, "ok");
        let typed_all = client
            .tasks(&aos_indexer_api::TasksQuery {
                limit: Some(1000),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(typed_all.tasks.len(), ids.len());
        let ta_typed = client.task(a_id).await.unwrap();
        assert_eq!(ta_typed.task.worker, Some(net.address(2)));
        assert_eq!(ta_typed.task.payment, U256::from(pay));
        assert_eq!(ta_typed.history.len(), 4);
        let ag = client.agent(net.address(2), Some(at)).await.unwrap();
        assert!(ag.registered && !ag.karma.is_empty());
        let r_typed = client
            .route(&aos_indexer_api::RouteQuery {
                domain: Some("summarisation".into()),
                min_accuracy: Some("0.2".into()),
                at: Some(at),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(r_typed.agents.len(), ranked.len());
        let dl = client.disputes(&Default::default()).await.unwrap();
        assert_eq!(dl.disputes.len(), 1);
        let dd_typed = client.dispute(dispute_id).await.unwrap();
        let te_typed = client.task(e_id).await.unwrap();
        assert_eq!(
            te_typed
                .evidence
                .iter()
                .map(|x| (x.party, x.evidence))
                .collect::<Vec<_>>(),
            [
                (net.address(1), B256::from(verdict.0)),
                (net.address(2), B256::from(reply.0))
            ]
        );
        assert_eq!(te_typed.evidence[0].tx_hash, rejected.tx_hash);

        // re-scanning from the deployment block inserts no evidence twice (rows keyed by
        // block and log index, ON CONFLICT DO NOTHING)
        let evidence_rows = |d: Vec<String>| -> Vec<String> {
            d.into_iter()
                .filter(|l| l.starts_with("evidence:"))
                .collect()
        };
        let before = evidence_rows(dump(&store).await);
        assert_eq!(before.len(), 2, "{before:?}");
        sqlx::query("DELETE FROM cursor")
            .execute(store.pool())
            .await
            .unwrap();
        let (ix2, store2) = index_to_head(&net, &db).await;
        assert_eq!(ix2.metrics().skipped_total(), 0);
        assert_eq!(
            evidence_rows(dump(&store2).await),
            before,
            "[{}] a re-scan adds no evidence row",
            db.kind
        );
        assert_eq!(db_logs(&store2).await, truth);
        assert_eq!(dd_typed.votes.len(), 3);
        let missing = client.task(B256::repeat_byte(1)).await.unwrap_err();
        assert!(
            missing.is_not_found() && !missing.is_retryable(),
            "{missing}"
        );

        // errors are JSON with a code, no SQL
        let (code, err) = get(&api, "/tasks/0xzz").await;
        assert_eq!(
            (code, err["error"]["code"].as_str()),
            (400, Some("bad_request"))
        );
        let (code, err) = get(&api, &format!("/tasks/{}", B256::repeat_byte(1))).await;
        assert_eq!(
            (code, err["error"]["code"].as_str()),
            (404, Some("not_found"))
        );
        let (code, _) = get(&api, "/tasks?status=Bogus").await;
        assert_eq!(code, 400);
        // a malformed query string is the same JSON error shape, not axum's plain text
        let (code, err) = get(&api, "/tasks?limit=many").await;
        assert_eq!(
            (code, err["error"]["code"].as_str()),
            (400, Some("bad_request")),
            "{err}"
        );
        let (code, h) = get(&api, "/health").await;
        assert_eq!((code, h["status"].as_str()), (200, Some("ok")));
        let m = reqwest::get(format!("{api}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            m.contains("aos_indexer_last_block") && m.contains("aos_indexer_lag_blocks 0"),
            "{m}"
        );
        let _ = TaskStatus::Open;
    }
}
