//! A document that passed validation is not validated again; only the values of its variables are
//! checked against the arguments they are passed to (`src/pipeline/argument_values.rs`). This test
//! asks each document with bad variables twice: once before the gateway has seen it (async-graphql
//! validates it), once after a good request put it in the cache (the gateway's own check). Both
//! answers must be the same request error, byte for byte, and good variables must still answer.

use serde_json::{Value, json};

use crate::helpers::{PLATFORM_TENANT, spawn_app, token};

/// (document, good variables, bad variables, what the message must name)
fn cases(agent_id: &str) -> Vec<(&'static str, Value, Value, &'static str)> {
    // Lists of scalars are checked item by item with the item type resolved once
    // (`argument_values::scalar_items`): an embedding, and global ids.
    let embedding = |bad: Option<(usize, Value)>| {
        let mut e: Vec<Value> = (0..1536).map(|i| json!(f64::from(i % 7) / 10.0)).collect();
        if let Some((i, v)) = bad {
            e[i] = v;
        }
        json!({ "e": e })
    };
    let search = "query($e: [Float!]!) { searchKnowledge(embedding: $e, first: 1) { score } }";
    let nodes = "query($ids: [ID!]!) { nodes(nodeIds: $ids) { nodeId } }";
    vec![
        (search, embedding(None), embedding(Some((1535, json!("x")))), "\"embedding.1535\", expected type \"Float\""),
        (search, embedding(None), embedding(Some((2, Value::Null))), "\"embedding.2\", expected type \"Float\""),
        (search, embedding(None), embedding(Some((0, json!([1.0])))), "\"embedding.0\""),
        (nodes, json!({"ids": []}), json!({"ids": ["a", null]}), "\"nodeIds.1\", expected type \"ID\""),
        (nodes, json!({"ids": []}), json!({"ids": ["a", 2.5]}), "\"nodeIds.1\", expected type \"ID\""),
        ("query($id: UUID!) { agent(id: $id) { id } }", json!({"id": agent_id}), json!({"id": "not-a-uuid"}), "\"id\""),
        ("query($n: Int) { agents(first: $n) { totalCount } }", json!({"n": 2}), json!({"n": "ten"}), "\"first\""),
        ("query($n: Int) { agents(first: $n) { totalCount } }", json!({"n": 2}), json!({"n": 1.5}), "\"first\""),
        (
            "query($f: AgentFilter) { agents(filter: $f) { totalCount } }",
            json!({"f": {"tier": {"lte": 2}}}),
            json!({"f": {"noSuchColumn": {"eq": 1}}}),
            "noSuchColumn",
        ),
        (
            "query($f: AgentFilter) { agents(filter: $f) { totalCount } }",
            json!({"f": {"tier": {"lte": 2}}}),
            json!({"f": {"tier": {"lte": "two"}}}),
            "\"filter.tier.lte\"",
        ),
        (
            "query($o: [AgentOrderBy!]) { agents(orderBy: $o, first: 1) { totalCount } }",
            json!({"o": ["NAME_ASC"]}),
            json!({"o": ["NAME_ASC", "SIDEWAYS"]}),
            "SIDEWAYS",
        ),
        (
            "query($o: [AgentOrderBy!]) { agents(orderBy: $o, first: 1) { totalCount } }",
            json!({"o": ["NAME_ASC"]}),
            json!({"o": ["NAME_ASC", null]}),
            "\"orderBy.1\"",
        ),
        (
            "query($t: Int) { agents(filter: { tier: { lte: $t } }) { totalCount } }",
            json!({"t": 1}),
            json!({"t": "one"}),
            "\"filter.tier.lte\"",
        ),
        (
            "query($s: Boolean!) { agents(first: 1) @skip(if: $s) { totalCount } }",
            json!({"s": false}),
            json!({"s": "yes"}),
            "\"if\"",
        ),
        (
            "query($n: Int) { ...Page } fragment Page on Query { agents(first: $n) { totalCount } }",
            json!({"n": 1}),
            json!({"n": "one"}),
            "\"first\"",
        ),
        (
            "query($n: Int) { agents(first: 1) { nodes { ... on Agent { prompts(first: $n) { totalCount } } } } }",
            json!({"n": 1}),
            json!({"n": false}),
            "\"first\"",
        ),
    ]
}

#[tokio::test]
async fn variables_are_checked_alike_before_and_after_the_document_is_cached() {
    let app = spawn_app().await;
    let platform = token(PLATFORM_TENANT, "owner");
    let v = app.graphql("{ agents(first: 1) { nodes { id } } }", json!({}), Some(&platform)).await;
    let agent_id = v["data"]["agents"]["nodes"][0]["id"].as_str().expect("an agent").to_owned();
    for (query, good, bad, named) in cases(&agent_id) {
        // A copy the gateway has not seen (one more space: another cache key), asked first with
        // the bad variables: async-graphql's validation answers.
        let fresh = app.graphql(&format!("{query} "), bad.clone(), Some(&platform)).await;
        // The document itself, first with good variables (it passes and is cached), then bad.
        let ok = app.graphql(query, good.clone(), Some(&platform)).await;
        assert!(ok.get("errors").is_none(), "{query} with {good}: {ok:#}");
        let cached = app.graphql(query, bad.clone(), Some(&platform)).await;

        assert_eq!(cached, fresh, "{query} with {bad}: cached and fresh answers differ");
        assert!(cached.get("data").is_none(), "{query} with {bad}: a request error has no data: {cached:#}");
        let error = &cached["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{query} with {bad}: {cached:#}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("Invalid value for argument"), "{query} with {bad}: {message}");
        assert!(message.contains(named), "{query} with {bad}: the message should name {named}: {message}");

        // And good variables still answer after the refusal.
        let again = app.graphql(query, good.clone(), Some(&platform)).await;
        assert_eq!(again, ok, "{query} with {good}");
    }
}
