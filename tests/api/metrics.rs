//! `/metrics`: Prometheus text from a real gateway, on its own address or behind a token, counting
//! what the requests did.
//!
//! The recorder is process-wide, so other tests running at the same time add to its counters: the
//! operations here have names of their own, and shared counters are checked as lower bounds.

use serde_json::json;

use crate::helpers::{build_app, http_client, seeded_database, test_server_settings, test_settings};

/// The value of the sample `name{labels}` (labels as rendered, in order), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

#[tokio::test]
async fn metrics_count_operations_refusals_sql_and_the_pool() {
    let db = seeded_database().await;
    let client = http_client();

    // Metrics on an address of their own, no token.
    let mut server = test_server_settings();
    server.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    let mut settings = test_settings();
    settings.rate_limit_per_ip = 10; // a burst of one
    let app = build_app(&db.url, db.conn.clone(), &settings, &server).await;
    let (base, metrics) = (format!("http://127.0.0.1:{}", app.port()), app.metrics_port().expect("a metrics port"));
    tokio::spawn(app.run_until_stopped());
    let scrape = || async {
        let resp = client.get(format!("http://127.0.0.1:{metrics}/metrics")).send().await.expect("a scrape");
        assert_eq!(resp.status(), 200);
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
        resp.text().await.unwrap()
    };
    let post = |query: &'static str, bearer: Option<&'static str>| {
        let mut req = client.post(format!("{base}/graphql")).json(&json!({ "query": query }));
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        async move { req.send().await.expect("an answer").status().as_u16() }
    };
    assert_eq!(
        post("query MetricsProbeAgents { agents(first: 2) { nodes { id prompts(first: 2) { nodes { id } } } } }", None)
            .await,
        200
    );
    // The burst was one: the next request from this address is refused, then one comes back per 6 s.
    assert_eq!(post("query MetricsProbeAgents { agents(first: 1) { nodes { id } } }", None).await, 429);
    let text = scrape().await;
    assert_eq!(
        sample(&text, r#"registry_operations_total{operation="MetricsProbeAgents",outcome="ok"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"registry_operation_duration_seconds_count{operation="MetricsProbeAgents"}"#),
        Some(1.0),
        "{text}"
    );
    assert!(
        text.contains(r#"registry_operation_duration_seconds_bucket{operation="MetricsProbeAgents",le="0.005"}"#),
        "{text}"
    );
    assert!(sample(&text, "registry_sql_statements_per_operation_count").is_some_and(|n| n >= 1.0), "{text}");
    assert!(sample(&text, "registry_sql_statements_per_operation_sum").is_some_and(|n| n >= 2.0), "{text}");
    assert!(sample(&text, "registry_sql_time_per_operation_seconds_sum").is_some_and(|s| s > 0.0), "{text}");
    assert!(
        sample(&text, r#"registry_rate_limit_refusals_total{limit="address"}"#).is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        sample(&text, r#"registry_requests_refused_total{code="RATE_LIMITED"}"#).is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert_eq!(sample(&text, r#"registry_db_pool_connections{state="max"}"#), Some(12.0), "{text}");
    assert!(sample(&text, r#"registry_db_pool_connections{state="open"}"#).is_some_and(|n| n >= 1.0), "{text}");
    assert!(sample(&text, "registry_executions_waiting").is_some(), "{text}");
    assert!(sample(&text, r#"registry_audit_events_total{result="dropped"}"#).is_some(), "{text}");
    assert!(text.contains("# TYPE registry_operation_duration_seconds histogram"), "{text}");
    // Not on the main address.
    let main = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(main.status(), 404);

    // Behind a token on the main address.
    let mut server = test_server_settings();
    server.metrics_token = Some(registry_gateway::config::Secret::new("metrics-token-0123".to_owned()));
    let app = build_app(&db.url, db.conn.clone(), &test_settings(), &server).await;
    let base = format!("http://127.0.0.1:{}", app.port());
    assert_eq!(app.metrics_port(), None);
    tokio::spawn(app.run_until_stopped());
    for _ in 0..2 {
        let status = client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": "query MetricsProbeInvalid { agents(first: 1) { nope } }" }))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
    let status = client
        .post(format!("{base}/graphql"))
        .bearer_auth("not-a-jwt")
        .json(&json!({"query": "{ __typename }"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    for bad in [None, Some("wrong")] {
        let mut req = client.get(format!("{base}/metrics"));
        if let Some(t) = bad {
            req = req.bearer_auth(t);
        }
        assert_eq!(req.send().await.unwrap().status(), 401, "metrics without the right token");
    }
    let text = client
        .get(format!("{base}/metrics"))
        .bearer_auth("metrics-token-0123")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        sample(
            &text,
            r#"registry_operations_total{operation="MetricsProbeInvalid",outcome="GRAPHQL_VALIDATION_FAILED"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert!(
        sample(&text, r#"registry_requests_refused_total{code="UNAUTHENTICATED"}"#).is_some_and(|n| n >= 1.0),
        "{text}"
    );
}
