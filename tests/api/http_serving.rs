//! GraphQL over HTTP: methods, media types, batching, persisted queries, probes, the exported
//! schema, and clear coded errors for bad input, after which the server keeps serving.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{PLATFORM_TENANT, TestApp, spawn_app, token};

const GOOD: &str = "{ industries(first: 6) { totalCount nodes { name } } }";

async fn post_raw(app: &TestApp, body: &str, content_type: &str) -> (u16, Value) {
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The server still answers a good query.
async fn still_serving(app: &TestApp) {
    let v = app.graphql(GOOD, json!({}), None).await;
    assert_eq!(v["data"]["industries"]["totalCount"], json!(6), "{v:#}");
}

fn first_error(v: &Value) -> (&str, &str) {
    let e = &v["errors"][0];
    (e["extensions"]["code"].as_str().unwrap_or("<none>"), e["message"].as_str().unwrap_or(""))
}

fn no_database_text(message: &str) {
    for leak in ["SELECT", "relation \"", "syntax error at", "column \"", "sqlx", "pg_"] {
        assert!(!message.contains(leak), "database text leaked: {message}");
    }
}

#[tokio::test]
async fn bad_input_gets_a_coded_error_naming_the_problem_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    let platform = token(PLATFORM_TENANT, "owner");

    let (status, v) = post_raw(&app, r#"{"query": "{ agents { totalCount } "#, "application/json").await;
    assert_eq!(status, 400);
    let (code, message) = first_error(&v);
    assert_eq!(code, "BAD_REQUEST");
    assert!(message.contains("malformed JSON"), "{message}");
    still_serving(&app).await;

    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("{ agents { totalCount noSuchField } }", json!({}), "GRAPHQL_VALIDATION_FAILED", "noSuchField"),
        ("query($n: Int) { agents(first: $n) { totalCount } }", json!({"n": "ten"}), "BAD_USER_INPUT", "n"),
        ("{ agent(id: \"not-a-uuid\") { id } }", json!({}), "BAD_USER_INPUT", "id"),
        ("{ agents(after: \"bm90LWEtY3Vyc29y.AAAA\") { totalCount } }", json!({}), "BAD_USER_INPUT", "after"),
        ("{ agents(first: 100000) { totalCount } }", json!({}), "BAD_USER_INPUT", "first"),
        ("{ agents(first: -1) { totalCount } }", json!({}), "BAD_USER_INPUT", "first"),
        (
            "{ agents(filter: { createdAt: { gt: \"yesterday\" } }) { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
            "createdAt",
        ),
        (
            "{ agent(id: \"00000000-0000-0000-0000-0000000000ff\") { id } }",
            json!({}),
            "NOT_FOUND",
            "00000000-0000-0000-0000-0000000000ff",
        ),
        ("{ agents { ", json!({}), "GRAPHQL_PARSE_FAILED", ""),
    ];
    for (query, variables, expected_code, named) in cases {
        let v = app.graphql(query, variables, Some(&platform)).await;
        let (code, message) = first_error(&v);
        assert_eq!(code, expected_code, "{query}: {v:#}");
        assert!(message.contains(named), "{query}: the message should name {named:?}: {message}");
        no_database_text(message);
        still_serving(&app).await;
    }

    // A tampered cursor: take a real one and change its payload.
    let v = app.graphql("{ agents(first: 1) { pageInfo { endCursor } } }", json!({}), Some(&platform)).await;
    let cursor = v["data"]["agents"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
    let (payload, mac) = cursor.split_once('.').unwrap();
    let mut bytes = base64_decode(payload);
    bytes[3] ^= 1;
    let tampered = format!("{}.{mac}", base64_encode(&bytes));
    let v = app
        .graphql("query($c: String) { agents(after: $c) { totalCount } }", json!({"c": tampered}), Some(&platform))
        .await;
    assert_eq!(first_error(&v).0, "BAD_USER_INPUT");
    // A cursor of another ordering is refused too.
    let v = app
        .graphql(
            "query($c: String) { agents(after: $c, orderBy: [NAME_DESC]) { totalCount } }",
            json!({"c": cursor}),
            Some(&platform),
        )
        .await;
    assert_eq!(first_error(&v).0, "BAD_USER_INPUT");

    // 32 levels deep.
    let mut deep = String::from("id");
    for _ in 0..8 {
        deep = format!("parentAgent {{ children(first: 1) {{ nodes {{ {deep} }} }} }}");
    }
    let v = app.graphql(&format!("{{ agents(first: 1) {{ nodes {{ {deep} }} }} }}"), json!({}), Some(&platform)).await;
    assert_eq!(first_error(&v).0, "QUERY_TOO_DEEP", "{v:#}");
    still_serving(&app).await;

    // A 1 MB query.
    let huge = format!("{{ agents {{ totalCount }} }} # {}", "x".repeat(1_000_000));
    let (status, v) = post_raw(&app, &json!({ "query": huge }).to_string(), "application/json").await;
    assert_eq!(status, 413);
    assert_eq!(first_error(&v).0, "PAYLOAD_TOO_LARGE");
    still_serving(&app).await;

    // Bad and expired tokens: 401 with the reason.
    let expired = registry_gateway::access::identity::sign_hs256(
        &json!({"sub": "u", "tenant_id": PLATFORM_TENANT, "exp": 1_000_000}),
        &registry_gateway::config::Secret::new(crate::helpers::JWT_SECRET.to_owned()),
    );
    for (bad, reason) in [("not.a.jwt", "JWT"), ("abc", "JWT"), (expired.as_str(), "expired")] {
        let resp = app
            .client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(bad)
            .json(&json!({"query": GOOD}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 401);
        let v: Value = resp.json().await.unwrap();
        let (code, message) = first_error(&v);
        assert_eq!(code, "UNAUTHENTICATED");
        assert!(message.contains(reason), "{message}");
    }
    still_serving(&app).await;
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[tokio::test]
async fn get_post_batches_media_types_and_persisted_queries() {
    let app = spawn_app().await;
    // GET
    let resp = app.client.get(format!("{}/graphql", app.address)).query(&[("query", GOOD)]).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["data"]["industries"]["totalCount"], json!(6));

    // application/graphql-response+json
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": GOOD}))
        .send()
        .await
        .unwrap();
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/graphql-response+json"));

    // Batch
    let (status, v) = post_raw(
        &app,
        &json!([{"query": GOOD}, {"query": "{ servicesRegistries { totalCount } }"}]).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v[0]["data"]["industries"]["totalCount"], json!(6));
    assert_eq!(v[1]["data"]["servicesRegistries"]["totalCount"], json!(4));

    // APQ: unknown hash, then hash + query, then hash only.
    let hash = hex(&Sha256::digest(GOOD.as_bytes()));
    let ext = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
    let (_, v) = post_raw(&app, &json!({"extensions": ext}).to_string(), "application/json").await;
    assert_eq!(first_error(&v), ("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound"));
    let (_, v) = post_raw(&app, &json!({"query": GOOD, "extensions": ext}).to_string(), "application/json").await;
    assert_eq!(v["data"]["industries"]["totalCount"], json!(6));
    let (_, v) = post_raw(&app, &json!({"extensions": ext}).to_string(), "application/json").await;
    assert_eq!(v["data"]["industries"]["totalCount"], json!(6));

    // GraphiQL and probes
    let page = app.client.get(format!("{}/", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("graphiql") || page.contains("GraphiQL"));
    for probe in ["healthz", "readyz"] {
        assert_eq!(app.client.get(format!("{}/{probe}", app.address)).send().await.unwrap().status().as_u16(), 200);
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[test]
fn schema_graphql_is_the_output_of_the_schema_command() {
    let exported = std::fs::read_to_string(crate::helpers::project_dir().join("schema.graphql"))
        .expect("schema.graphql at the root");
    let run = crate::helpers::run_cli(&["schema"], &[]);
    assert!(run.status.success(), "{}", run.stderr);
    assert!(
        run.stdout == exported,
        "schema.graphql differs from `registry-gateway schema`: regenerate it with `cargo run -- schema > schema.graphql`"
    );
    assert!(
        exported.contains("type Agent implements Node {")
            && exported.contains("type JobToBeDone implements Node {")
            && exported.contains("type KnowledgeChunk implements Node {")
    );
}

#[tokio::test]
async fn a_statement_over_the_timeout_is_a_coded_error_not_a_hang() {
    let mut settings = crate::helpers::test_settings();
    settings.statement_timeout_ms = 1;
    let app = crate::helpers::spawn_app_with(settings).await;
    let platform = token(PLATFORM_TENANT, "owner");
    // Relation filters over every agent and prompt take well over a millisecond.
    let q = "{ agents(first: 100, filter: { prompts: { some: { name: { ilike: \"%a%\" } } }, or: [{ name: { ilike: \"%e%\" } }] }) { totalCount nodes { prompts(first: 100) { totalCount } } } }";
    let v = app.graphql(q, json!({}), Some(&platform)).await;
    let (code, message) = first_error(&v);
    assert_eq!(code, "TIMEOUT", "{v:#}");
    no_database_text(message);
}

#[tokio::test]
async fn database_failures_reach_clients_as_internal_with_a_request_id_and_no_database_text() {
    let app = spawn_app().await;
    // Break the database under the gateway.
    app.db.query_strings("ALTER TABLE industries RENAME COLUMN name TO name_gone").await;
    let v = app.graphql(GOOD, json!({}), None).await;
    let (code, message) = first_error(&v);
    assert_eq!(code, "INTERNAL");
    assert!(message.contains("request "), "the message should give the request id: {message}");
    no_database_text(message);
    assert!(!message.contains("name_gone") && !message.contains("does not exist"), "{message}");
    // Other tables keep working.
    let v = app.graphql("{ servicesRegistries { totalCount } }", json!({}), None).await;
    assert_eq!(v["data"]["servicesRegistries"]["totalCount"], json!(4));
}

#[tokio::test]
async fn introspection_can_be_switched_off() {
    let mut settings = crate::helpers::test_settings();
    settings.introspection = false;
    let app = crate::helpers::spawn_app_with(settings).await;
    let v = app.graphql("{ __schema { queryType { name } } }", json!({}), None).await;
    assert!(v.get("errors").is_some(), "{v:#}");
    still_serving(&app).await;
    let on = spawn_app().await;
    let v = on.graphql("{ __schema { queryType { name } } }", json!({}), None).await;
    assert_eq!(v["data"]["__schema"]["queryType"]["name"], json!("Query"));
}

#[tokio::test]
async fn with_one_execution_at_a_time_concurrent_requests_and_batches_all_get_their_answers() {
    let mut settings = crate::helpers::test_settings();
    settings.max_concurrent_executions = 1;
    let app = crate::helpers::spawn_app_with(settings).await;
    let platform = token(PLATFORM_TENANT, "owner");
    let walk = "{ agents(first: 20, orderBy: [NAME_ASC]) { nodes { name prompts(first: 3) { nodes { name } } } } }";
    let alone = app.graphql(walk, json!({}), Some(&platform)).await;
    assert!(alone.get("errors").is_none(), "{alone:#}");
    let batch = json!([{ "query": walk }, { "query": GOOD }]).to_string();
    let (singles, batched) =
        tokio::join!(futures::future::join_all((0..6).map(|_| app.graphql(walk, json!({}), Some(&platform)))), async {
            let response = app
                .client
                .post(format!("{}/graphql", app.address))
                .bearer_auth(&platform)
                .header("content-type", "application/json")
                .body(batch)
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.json::<Value>().await.unwrap())
        });
    for answer in singles {
        assert_eq!(answer["data"], alone["data"]);
    }
    let (status, body) = batched;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body[0]["data"], alone["data"]);
    assert_eq!(body[1]["data"]["industries"]["totalCount"], 6, "{body:#}");
}
