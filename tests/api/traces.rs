//! Traces: a gateway process exports its spans over OTLP/HTTP (JSON) to a receiver written for
//! this test, and the spans form the request's tree: `graphql` → `operation` (name, tenant) →
//! the pipeline steps → one `sql` span per statement.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::helpers::{http_client, seeded_database, token};
use crate::processes::GatewayProcess;

const ACME: &str = "22222222-2222-2222-2222-222222222222";

/// One exported span: its ids, name and attributes (as strings).
#[derive(Debug, Clone)]
struct Span {
    trace: String,
    id: String,
    parent: String,
    name: String,
    attributes: HashMap<String, String>,
}

/// The spans in OTLP's JSON encoding (`resourceSpans[].scopeSpans[].spans[]`).
fn spans_of(body: &Value) -> Vec<Span> {
    let mut out = Vec::new();
    for resource in body["resourceSpans"].as_array().into_iter().flatten() {
        for scope in resource["scopeSpans"].as_array().into_iter().flatten() {
            for span in scope["spans"].as_array().into_iter().flatten() {
                let attributes = span["attributes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| {
                        let value = &a["value"];
                        let text = value["stringValue"]
                            .as_str()
                            .map(str::to_owned)
                            .or_else(|| value["intValue"].as_str().map(str::to_owned))
                            .unwrap_or_else(|| value.to_string());
                        (a["key"].as_str().unwrap_or_default().to_owned(), text)
                    })
                    .collect();
                let text = |k: &str| span[k].as_str().unwrap_or_default().to_owned();
                out.push(Span {
                    trace: text("traceId"),
                    id: text("spanId"),
                    parent: text("parentSpanId"),
                    name: text("name"),
                    attributes,
                });
            }
        }
    }
    out
}

#[tokio::test]
async fn spans_reach_an_otlp_receiver_as_one_tree_per_request() {
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = received.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let receiver = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let server = HttpServer::new(move || {
        let sink = sink.clone();
        App::new().app_data(web::PayloadConfig::new(16 << 20)).route(
            "/v1/traces",
            web::post().to(move |body: web::Bytes| {
                let sink = sink.clone();
                async move {
                    match serde_json::from_slice::<Value>(&body) {
                        Ok(v) => {
                            sink.lock().unwrap().push(v);
                            HttpResponse::Ok().content_type("application/json").body("{}")
                        }
                        Err(_) => HttpResponse::BadRequest().finish(),
                    }
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);

    let db = seeded_database().await;
    let mut gateway = GatewayProcess::start(&db.url, &[("REGISTRY_OTLP_ENDPOINT", &receiver)]).await;
    let query = "query TracedAgents { agents(first: 2) { nodes { id prompts(first: 1) { nodes { id } } } } }";
    let resp = http_client()
        .post(format!("{}/graphql", gateway.address))
        .bearer_auth(token(ACME, "owner"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body:#}");

    // Stopping sends the batched spans.
    gateway.signal(libc::SIGTERM);
    let started = Instant::now();
    while gateway.child.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(15), "the gateway did not exit:\n{}", gateway.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let spans: Vec<Span> = received.lock().unwrap().iter().flat_map(spans_of).collect();

    let operation = spans
        .iter()
        .find(|s| {
            s.name == "operation"
                && s.attributes.get("graphql.operation.name").map(String::as_str) == Some("TracedAgents")
        })
        .unwrap_or_else(|| panic!("an `operation` span named TracedAgents among {spans:#?}\n{}", gateway.log()));
    assert_eq!(operation.attributes.get("tenant").map(String::as_str), Some(ACME), "{operation:?}");
    let in_trace: Vec<&Span> = spans.iter().filter(|s| s.trace == operation.trace).collect();
    let root = in_trace.iter().find(|s| s.id == operation.parent).expect("the operation's parent span");
    assert_eq!(root.name, "graphql");
    assert!(root.parent.is_empty(), "the request span is the root: {root:?}");
    assert_eq!(root.attributes.get("tenant").map(String::as_str), Some(ACME), "{root:?}");
    let children: Vec<&str> = in_trace.iter().filter(|s| s.parent == operation.id).map(|s| s.name.as_str()).collect();
    for step in ["parse", "validate", "plan", "execute"] {
        assert!(children.contains(&step), "step `{step}` under the operation: {children:?}");
    }
    let execute = in_trace.iter().find(|s| s.parent == operation.id && s.name == "execute").unwrap();
    let statements: Vec<&&Span> = in_trace.iter().filter(|s| s.name == "sql").collect();
    // agents, then their prompts: two statements, each under `execute`.
    assert_eq!(statements.len(), 2, "{statements:#?}");
    let ancestors = |span: &Span| {
        let mut names = Vec::new();
        let mut parent = span.parent.clone();
        while let Some(p) = in_trace.iter().find(|s| s.id == parent) {
            names.push((p.id.clone(), p.name.clone()));
            parent = p.parent.clone();
        }
        names
    };
    for s in &statements {
        let up = ancestors(s);
        assert!(up.iter().any(|(id, _)| *id == execute.id), "a statement span sits under `execute`: {s:?} in {up:?}");
        assert!(s.attributes.get("db.query.text").is_some_and(|t| t.starts_with("SELECT")), "{s:?}");
        assert!(s.attributes.contains_key("db.response.returned_rows"), "{s:?}");
        assert_eq!(s.attributes.get("db.system.name").map(String::as_str), Some("postgresql"));
    }
    let texts: Vec<&str> =
        statements.iter().filter_map(|s| s.attributes.get("db.query.text")).map(String::as_str).collect();
    assert!(texts.iter().any(|t| t.contains(r#"FROM "agents""#)), "{texts:#?}");
    assert!(texts.iter().any(|t| t.contains(r#"JOIN "prompts""#)), "{texts:#?}");
}
