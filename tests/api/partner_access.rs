//! Partner access over HTTP: API keys (valid, expired, revoked, malformed, wrong scope), per-key
//! rate limits with 429 and Retry-After, stricter limits for key callers, and the audit log of
//! refusals and private reads.

use std::time::Duration;

use registry_gateway::access::api_keys::{NewKey, READ_CONVERSATIONS, READ_REGISTRY, create_key, revoke_key};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app, token};

const ACME: &str = "22222222-2222-2222-2222-222222222222";

async fn new_key(app: &TestApp, scopes: &[&str], per_minute: Option<i32>) -> (Uuid, String) {
    create_key(
        &app.db.conn,
        NewKey {
            tenant_id: Uuid::parse_str(ACME).unwrap(),
            name: format!("test key {}", Uuid::new_v4()),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            expires_at: None,
            rate_limit_per_minute: per_minute,
        },
    )
    .await
    .expect("create a key")
}

async fn with_key(app: &TestApp, key: &str, query: &str) -> (u16, Option<String>, Value) {
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("x-api-key", key)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (status, retry, resp.json().await.unwrap())
}

fn code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>")
}

const PRIVATE_AGENTS: &str = "{ agents(filter: { isPublic: { eq: false } }) { totalCount } }";

#[tokio::test]
async fn api_keys_authenticate_partners_and_refuse_bad_keys_with_codes() {
    let app = spawn_app().await;
    let (_, good) = new_key(&app, &[READ_REGISTRY], None).await;
    let (status, _, v) = with_key(&app, &good, PRIVATE_AGENTS).await;
    assert_eq!(status, 200, "{v:#}");
    let acme_private: i64 = app
        .db
        .scalar(&format!(
            "SELECT count(*)::text FROM agents WHERE NOT is_public AND deleted_at IS NULL AND tenant_id IN
             (WITH RECURSIVE s(id) AS (SELECT '{ACME}'::uuid UNION ALL SELECT t.id FROM tenants t JOIN s ON t.parent_tenant_id = s.id) SELECT id FROM s)"
        ))
        .await
        .parse()
        .unwrap();
    assert_eq!(
        v["data"]["agents"]["totalCount"].as_i64().unwrap(),
        acme_private,
        "a key sees its tenant's private assets"
    );

    // Malformed, unknown, revoked, expired: 401 with the reason. Wrong scope: 403.
    let (status, _, v) = with_key(&app, "not-a-key", PRIVATE_AGENTS).await;
    assert_eq!((status, code(&v)), (401, "UNAUTHENTICATED"));
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("malformed"));
    let unknown = format!("{}x", &good[..good.len() - 1]);
    let (status, _, v) = with_key(&app, &unknown, PRIVATE_AGENTS).await;
    assert_eq!((status, code(&v)), (401, "UNAUTHENTICATED"), "{v:#}");

    let (revoked_id, revoked) = new_key(&app, &[READ_REGISTRY], None).await;
    revoke_key(&app.db.conn, revoked_id, "test").await.unwrap();
    let (status, _, v) = with_key(&app, &revoked, PRIVATE_AGENTS).await;
    assert_eq!((status, code(&v)), (401, "UNAUTHENTICATED"));
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("revoked"));

    let (expired_id, expired) = new_key(&app, &[READ_REGISTRY], None).await;
    app.db
        .query_strings(&format!(
            "UPDATE api_keys SET expires_at = now() - interval '1 hour' WHERE id = '{expired_id}' RETURNING id::text"
        ))
        .await;
    let (status, _, v) = with_key(&app, &expired, PRIVATE_AGENTS).await;
    assert_eq!((status, code(&v)), (401, "UNAUTHENTICATED"));
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("expired"));

    let (_, conversations_only) = new_key(&app, &[READ_CONVERSATIONS], None).await;
    let (status, _, v) = with_key(&app, &conversations_only, PRIVATE_AGENTS).await;
    assert_eq!((status, code(&v)), (403, "FORBIDDEN"));
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("read:registry"));

    // Private conversations need read:conversations.
    let (_, registry_only) = new_key(&app, &[READ_REGISTRY], None).await;
    let (_, _, v) = with_key(&app, &registry_only, "{ expertConsultations { totalCount } }").await;
    assert_eq!(v["data"]["expertConsultations"]["totalCount"], json!(0));
    let (_, both) = new_key(&app, &[READ_REGISTRY, READ_CONVERSATIONS], None).await;
    let (_, _, v) = with_key(&app, &both, "{ expertConsultations { totalCount } }").await;
    let own: i64 = app
        .db
        .scalar(&format!("SELECT count(*)::text FROM expert_consultations WHERE tenant_id = '{ACME}'"))
        .await
        .parse()
        .unwrap();
    assert_eq!(v["data"]["expertConsultations"]["totalCount"].as_i64().unwrap(), own);

    // Only hashes reach the database.
    let stored = app.db.query_strings("SELECT key_prefix || '|' || key_hash FROM api_keys").await;
    assert!(stored.iter().all(|r| !r[0].contains(&good[good.len() - 20..])), "a key's secret reached the database");
}

#[tokio::test]
async fn a_burst_over_one_keys_limit_gets_429_while_other_keys_are_served() {
    let app = spawn_app().await;
    let (_, slow) = new_key(&app, &[READ_REGISTRY], Some(6)).await;
    let (_, other) = new_key(&app, &[READ_REGISTRY], None).await;
    let q = "{ industries { totalCount } }";
    let mut statuses = Vec::new();
    let mut retry = None;
    for _ in 0..5 {
        let (status, r, v) = with_key(&app, &slow, q).await;
        if status == 429 {
            assert_eq!(code(&v), "RATE_LIMITED");
            retry = r;
        }
        statuses.push(status);
    }
    assert_eq!(statuses[0], 200);
    assert!(statuses.iter().filter(|s| **s == 429).count() >= 3, "{statuses:?}");
    let secs: u64 = retry.expect("a Retry-After header").parse().unwrap();
    assert!((1..=60).contains(&secs), "Retry-After {secs}");
    for _ in 0..5 {
        let (status, _, v) = with_key(&app, &other, q).await;
        assert_eq!(status, 200, "another key is still served: {v:#}");
    }
}

#[tokio::test]
async fn key_callers_get_the_stricter_partner_limits() {
    let app = spawn_app().await;
    let (_, key) = new_key(&app, &[READ_REGISTRY], None).await;
    // 9 levels: fine for a user (limit 12), too deep for a partner key (limit 8).
    let q = "{ agents(first: 1) { nodes { tenant { agents(first: 1) { nodes { tenant { agents(first: 1) { nodes { name } } } } } } } } }";
    let (_, _, v) = with_key(&app, &key, q).await;
    assert_eq!(code(&v), "QUERY_TOO_DEEP", "{v:#}");
    let v = app.graphql(q, json!({}), Some(&token(ACME, "owner"))).await;
    assert!(v.get("errors").is_none(), "{v:#}");
}

#[tokio::test]
async fn refusals_and_private_reads_land_in_the_audit_log() {
    let app = spawn_app().await;
    let (status, _, _) = with_key(&app, "rgk_deadbeef_nope", "{ industries { totalCount } }").await;
    assert_eq!(status, 401);
    let v = app.graphql("{ expertConsultations { totalCount } }", json!({}), Some(&token(ACME, "owner"))).await;
    assert!(v["data"]["expertConsultations"]["totalCount"].as_i64().unwrap() > 0);
    let mut found = (0, 0);
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let refused: i64 = app
            .db
            .scalar("SELECT count(*)::text FROM audit_log WHERE action = 'graphql.refused' AND outcome = 'denied'")
            .await
            .parse()
            .unwrap();
        let reads: i64 = app
            .db
            .scalar(&format!("SELECT count(*)::text FROM audit_log WHERE action = 'graphql.read_private' AND tenant_id = '{ACME}' AND details->'tables' ? 'expert_consultations'"))
            .await
            .parse()
            .unwrap();
        found = (refused, reads);
        if refused >= 1 && reads >= 1 {
            break;
        }
    }
    assert!(found.0 >= 1 && found.1 >= 1, "audit rows (refused, private reads): {found:?}");
}

#[tokio::test]
async fn anonymous_callers_see_only_the_shared_registry_or_are_refused_as_configured() {
    let app = spawn_app().await;
    let v = app.graphql("{ agents(filter: { isPublic: { eq: false }, tenantId: { isNull: false } }) { totalCount } expertConsultations { totalCount } }", json!({}), None).await;
    assert_eq!(v["data"]["agents"]["totalCount"], json!(0), "{v:#}");
    assert_eq!(v["data"]["expertConsultations"]["totalCount"], json!(0));
    let public: i64 = app
        .db
        .scalar("SELECT count(*)::text FROM agents WHERE deleted_at IS NULL AND (is_public OR tenant_id IS NULL)")
        .await
        .parse()
        .unwrap();
    let v = app.graphql("{ agents { totalCount } }", json!({}), None).await;
    assert_eq!(v["data"]["agents"]["totalCount"].as_i64().unwrap(), public);

    let mut settings = crate::helpers::test_settings();
    settings.anonymous = registry_gateway::config::AnonymousAccess::Deny;
    let url = crate::helpers::serve(&app.db, &settings).await;
    let resp = app
        .client
        .post(format!("{url}/graphql"))
        .json(&json!({"query": "{ agents { totalCount } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(code(&v), "UNAUTHENTICATED");
    let resp = app
        .client
        .post(format!("{url}/graphql"))
        .bearer_auth(token(ACME, "owner"))
        .json(&json!({"query": "{ agents { totalCount } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "credentials still work");
}

#[tokio::test]
async fn one_address_over_its_limit_gets_429() {
    let db = crate::helpers::seeded_database().await;
    let mut settings = crate::helpers::test_settings();
    settings.rate_limit_per_ip = 20; // burst of 2
    let url = crate::helpers::serve(&db, &settings).await;
    let client = crate::helpers::http_client();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let resp = client
            .post(format!("{url}/graphql"))
            .json(&json!({"query": "{ industries { totalCount } }"}))
            .send()
            .await
            .unwrap();
        statuses.push((resp.status().as_u16(), resp.headers().contains_key("retry-after")));
    }
    assert_eq!(statuses[0], (200, false));
    assert!(statuses.iter().filter(|(s, retry)| *s == 429 && *retry).count() >= 3, "{statuses:?}");
}
