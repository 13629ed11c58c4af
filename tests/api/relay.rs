//! Relay global ids over every table: each type's `nodeId` reads back through `node` and `nodes` as
//! the same row, `nodes` costs one statement per type whatever the number of ids, and bad, forged
//! or foreign ids answer as documented (the generated leak test covers other tenants' ids,
//! `tenancy_leaks.rs`).

use registry_gateway::catalog::Catalog;
use registry_gateway::plan::node_id;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{PLATFORM_TENANT, TestApp, spawn_app, token};

/// One visible row of every table, as `(type name, id, nodeId)`, read through the root lists.
async fn one_row_per_table(app: &TestApp, catalog: &Catalog) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    // Aliases `t0`… so that all 106 lists go in two requests.
    for chunk in catalog.tables.chunks(60) {
        let fields: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, t)| format!("t{i}: {}(first: 1) {{ nodes {{ __typename id nodeId }} }}", t.list_field))
            .collect();
        let v = app.platform(&format!("{{ {} }}", fields.join(" ")), json!({})).await;
        assert!(v.get("errors").is_none(), "{:#}", v["errors"]);
        for (i, t) in chunk.iter().enumerate() {
            let node = &v["data"][format!("t{i}")]["nodes"][0];
            assert!(node.is_object(), "the demo data has no {} row", t.name);
            assert_eq!(node["__typename"], json!(t.type_name));
            let (id, nid) = (node["id"].as_str().unwrap(), node["nodeId"].as_str().unwrap());
            assert_eq!(nid, node_id::encode(&t.name, id.parse().unwrap()), "{}", t.name);
            out.push((t.type_name.clone(), id.to_owned(), nid.to_owned()));
        }
    }
    out
}

#[tokio::test]
async fn every_types_node_id_reads_back_through_node_and_nodes() {
    let app = spawn_app().await;
    let catalog = Catalog::from_entities();
    let rows = one_row_per_table(&app, &catalog).await;
    assert_eq!(rows.len(), catalog.tables.len());
    let unique: std::collections::HashSet<&String> = rows.iter().map(|r| &r.2).collect();
    assert_eq!(unique.len(), rows.len(), "two rows share a node id");

    // `nodes`: one request per 100 ids (the limit), answers in the order asked, a statement per type.
    for chunk in rows.chunks(node_id::MAX_NODE_IDS) {
        let ids: Vec<&String> = chunk.iter().map(|r| &r.2).collect();
        let v = app
            .platform(
                "query($ids: [ID!]!) { nodes(nodeIds: $ids) { __typename nodeId ... on Agent { name } } }",
                json!({ "ids": ids }),
            )
            .await;
        assert!(v.get("errors").is_none(), "{:#}", v["errors"]);
        let got = v["data"]["nodes"].as_array().unwrap();
        assert_eq!(got.len(), chunk.len());
        for ((ty, _, nid), node) in chunk.iter().zip(got) {
            assert_eq!(node["__typename"], json!(ty));
            assert_eq!(node["nodeId"], json!(nid));
            assert_eq!(node.get("name").is_some(), ty == "Agent", "{node}");
        }
        assert_eq!(v["extensions"]["sqlStatements"], json!(chunk.len()), "one statement per type");
    }

    // `node`: a fragment per type, and `id` is still the UUID.
    for (ty, id, nid) in rows.iter().step_by(7) {
        let v = app
            .platform(
                &format!("query($id: ID!) {{ node(nodeId: $id) {{ __typename ... on {ty} {{ id nodeId }} }} }}"),
                json!({ "id": nid }),
            )
            .await;
        assert_eq!(v["data"]["node"], json!({ "__typename": ty, "id": id, "nodeId": nid }), "{v:#}");
    }
}

#[tokio::test]
async fn fifty_node_ids_of_five_types_cost_five_statements_with_their_relations_below() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for list in ["agents", "prompts", "tools", "skills", "knowledgeSources"] {
        let v = app.platform(&format!("{{ {list}(first: 10) {{ nodes {{ nodeId }} }} }}"), json!({})).await;
        let nodes = v["data"][list]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 10, "fewer than 10 {list}");
        ids.extend(nodes.iter().map(|n| n["nodeId"].as_str().unwrap().to_owned()));
    }
    // Interleaved, so that grouping by type is the gateway's work.
    let mut mixed: Vec<String> =
        (0..10).flat_map(|i| (0..5).map(move |t| (t, i))).map(|(t, i)| ids[t * 10 + i].clone()).collect();
    mixed.swap(0, 49);
    let v = app
        .platform(
            "query($ids: [ID!]!) { nodes(nodeIds: $ids) { nodeId ... on Agent { name } ... on Prompt { name } } }",
            json!({ "ids": mixed }),
        )
        .await;
    assert!(v.get("errors").is_none(), "{:#}", v["errors"]);
    let got: Vec<&str> = v["data"]["nodes"].as_array().unwrap().iter().map(|n| n["nodeId"].as_str().unwrap()).collect();
    assert_eq!(got, mixed.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(v["extensions"]["sqlStatements"], json!(5));

    // A relation below the nodes adds one statement per type that has it, not one per id.
    let v = app
        .platform(
            "query($ids: [ID!]!) { nodes(nodeIds: $ids) { ... on Agent { prompts(first: 2) { nodes { name } } } } }",
            json!({ "ids": mixed }),
        )
        .await;
    assert!(v.get("errors").is_none(), "{:#}", v["errors"]);
    assert_eq!(v["extensions"]["sqlStatements"], json!(6));
}

#[tokio::test]
async fn bad_forged_and_invisible_node_ids() {
    let app = spawn_app().await;
    let platform = token(PLATFORM_TENANT, "owner");
    let ask = |query: &'static str, variables: serde_json::Value| app.graphql(query, variables, Some(&platform));
    let query = "query($id: ID!) { node(nodeId: $id) { __typename } }";
    // Not a node id: BAD_USER_INPUT naming the argument; `nodes` fails as a whole the same way.
    for bad in ["", "agents", "%%%", "YWdlbnRzOjQy" /* agents:42 */] {
        let v = ask(query, json!({ "id": bad })).await;
        assert_eq!(v["errors"][0]["extensions"]["code"], json!("BAD_USER_INPUT"), "{bad:?}: {v:#}");
        assert!(v["errors"][0]["message"].as_str().unwrap().contains("nodeId"), "{v:#}");
        assert_eq!(v["data"], json!({ "node": null }));
    }
    let v = ask("query($ids: [ID!]!) { nodes(nodeIds: $ids) { __typename } }", json!({ "ids": ["nope"] })).await;
    assert_eq!(v["errors"][0]["extensions"]["code"], json!("BAD_USER_INPUT"), "{v:#}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("nodeIds"), "{v:#}");
    // Too many ids.
    let many: Vec<String> = (0..=node_id::MAX_NODE_IDS).map(|_| node_id::encode("agents", Uuid::new_v4())).collect();
    let v = ask("query($ids: [ID!]!) { nodes(nodeIds: $ids) { __typename } }", json!({ "ids": many })).await;
    assert_eq!(v["errors"][0]["extensions"]["code"], json!("BAD_USER_INPUT"), "{v:#}");

    // Well-formed ids of no row, or of no table: null, no error, and no statement for the latter.
    for forged in [node_id::encode("agents", Uuid::new_v4()), node_id::encode("no_such_table", Uuid::new_v4())] {
        let v = app.platform(query, json!({ "id": forged })).await;
        assert_eq!(v, json!({ "data": { "node": null }, "extensions": v["extensions"] }), "{forged}");
    }
    let v = app
        .platform(
            "query($ids: [ID!]!) { nodes(nodeIds: $ids) { __typename } }",
            json!({ "ids": [node_id::encode("no_such_table", Uuid::new_v4())] }),
        )
        .await;
    assert_eq!(v["data"], json!({ "nodes": [null] }));
    assert_eq!(v["extensions"]["sqlStatements"], json!(0));

    // A tenant-private row: its owner reads it by node id, an anonymous caller reads null.
    let row = app
        .db
        .query_strings("SELECT id::text, tenant_id::text FROM expert_consultations WHERE tenant_id IS NOT NULL LIMIT 1")
        .await;
    let (id, tenant) = (&row[0][0], &row[0][1]);
    let nid = node_id::encode("expert_consultations", id.parse().unwrap());
    let owner = token(tenant, "owner");
    let v = app
        .graphql(
            "query($id: ID!) { node(nodeId: $id) { ... on ExpertConsultation { id } } }",
            json!({ "id": nid }),
            Some(&owner),
        )
        .await;
    assert_eq!(v["data"]["node"]["id"], json!(id), "{v:#}");
    let v = app
        .graphql(
            "query($id: ID!) { node(nodeId: $id) { ... on ExpertConsultation { id } } }",
            json!({ "id": nid }),
            None,
        )
        .await;
    assert_eq!(v["data"], json!({ "node": null }), "{v:#}");
    assert!(v.get("errors").is_none(), "{v:#}");
}
