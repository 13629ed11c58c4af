//! SIGTERM during slow requests: the gateway stops accepting, finishes the requests in flight,
//! writes the audit events they recorded and the batched API-key usage, and exits 0.
//!
//! The requests are made slow by a lock: a test transaction holds `expert_consultations` in ACCESS
//! EXCLUSIVE mode, so the gateway's reads of it wait until it commits.

use std::time::Duration;

use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;

use crate::helpers::{http_client, read_key, seeded_database, token};
use crate::processes::GatewayProcess;

const ACME: &str = "22222222-2222-2222-2222-222222222222";
const SLOW_REQUESTS: usize = 5;

#[tokio::test]
async fn sigterm_lets_slow_requests_finish_and_loses_no_audit_row() {
    let db = seeded_database().await;
    let gateway = GatewayProcess::start(&db.url, &[("REGISTRY_SHUTDOWN_GRACE_SECS", "20")]).await;
    let audited = "SELECT count(*)::text FROM audit_log WHERE action = 'graphql.read_private'";
    assert_eq!(db.scalar(audited).await, "0");

    let (key_id, key) = read_key(&db.conn, ACME, "shutdown test").await;
    let lock = db.conn.begin().await.expect("a transaction");
    lock.execute_unprepared("LOCK TABLE expert_consultations IN ACCESS EXCLUSIVE MODE").await.expect("the lock");
    let client = http_client();
    let t = token(ACME, "owner");
    let slow: Vec<_> = (0..SLOW_REQUESTS)
        .map(|_| {
            let req = client
                .post(format!("{}/graphql", gateway.address))
                .bearer_auth(&t)
                .json(&json!({ "query": "{ expertConsultations { totalCount } }" }));
            tokio::spawn(async move {
                let resp = req.send().await.map_err(|e| e.to_string())?;
                let status = resp.status().as_u16();
                let body: serde_json::Value = resp.json().await.map_err(|e| e.to_string())?;
                Ok::<_, String>((status, body))
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(slow.iter().all(|h| !h.is_finished()), "the requests wait for the lock");
    // A partner's request just before the signal: its use is counted in memory, written in batches.
    let used = client
        .post(format!("{}/graphql", gateway.address))
        .header("x-api-key", &key)
        .json(&json!({ "query": "{ industries { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(used.status(), 200);

    gateway.signal(libc::SIGTERM);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // A new connection is no longer accepted (a fresh client: no pooled connection to reuse).
    let late = reqwest::Client::new().get(format!("{}/healthz", gateway.address)).send().await;
    assert!(late.is_err(), "a new connection after SIGTERM is refused: {late:?}");
    assert!(slow.iter().all(|h| !h.is_finished()), "the in-flight requests are still waiting");

    lock.commit().await.expect("release the lock");
    for handle in slow {
        let (status, body) = handle.await.unwrap().unwrap_or_else(|e| panic!("an in-flight request failed: {e}"));
        assert_eq!(status, 200, "{body:#}");
        assert!(body["data"]["expertConsultations"]["totalCount"].as_i64().unwrap() > 0, "{body:#}");
    }

    let mut gateway = gateway;
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = gateway.child.try_wait().expect("wait for the gateway") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "the gateway did not exit:\n{}", gateway.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}:\n{}", gateway.log());
    assert_eq!(db.scalar(audited).await, SLOW_REQUESTS.to_string(), "one audit row per request:\n{}", gateway.log());
    let uses = db.scalar(&format!("SELECT usage_count::text FROM api_keys WHERE id = '{key_id}'")).await;
    assert_eq!(uses, "1", "the key's use is written before exit");
}
