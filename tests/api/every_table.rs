//! One generated test over the whole schema: every table has a root list, a single fetch and, where
//! it has one, a natural-key fetch; every relation (each foreign key and junction, both directions)
//! is walkable and returns the related rows.

use registry_gateway::catalog::{Catalog, Tenancy};
use serde_json::{Value, json};

use crate::helpers::{PLATFORM_TENANT, TestApp, spawn_app, token};

/// A token that can see `table`'s rows: the platform for shared data, a tenant that owns rows for
/// tenant-private tables.
async fn token_for(app: &TestApp, catalog: &Catalog, table: usize) -> String {
    let t = &catalog.tables[table];
    if t.tenancy == Tenancy::Private {
        let tenant = app.db.scalar(&format!("SELECT x.tenant_id::text FROM \"{}\" x JOIN tenants t ON t.id = x.tenant_id WHERE t.deleted_at IS NULL ORDER BY x.id LIMIT 1", t.name)).await;
        token(&tenant, "owner")
    } else {
        token(PLATFORM_TENANT, "owner")
    }
}

#[tokio::test]
async fn every_table_is_reachable_and_every_relation_walkable_both_ways() {
    let app = spawn_app().await;
    let catalog = Catalog::from_entities();
    let mut walked = 0;
    let mut empty = Vec::new();
    for table in &catalog.tables {
        let tok = token_for(&app, &catalog, table.id).await;
        // Root list, then single fetch (and natural key) of its first row.
        let list = format!("{{ {}(first: 2) {{ totalCount edges {{ cursor node {{ id }} }} }} }}", table.list_field);
        let v = app.graphql(&list, json!({}), Some(&tok)).await;
        assert!(v.get("errors").is_none(), "{}: {v:#}", table.list_field);
        let total = v["data"][&table.list_field]["totalCount"].as_i64().unwrap();
        assert!(total > 0, "{} shows no rows to a caller that should see some", table.list_field);
        let id = v["data"][&table.list_field]["edges"][0]["node"]["id"].as_str().unwrap().to_owned();
        let keys: Vec<&str> = table.natural_keys().map(|c| c.field.as_str()).collect();
        let single = format!("{{ {}(id: \"{id}\") {{ id {} }} }}", table.single_field, keys.join(" "));
        let v = app.graphql(&single, json!({}), Some(&tok)).await;
        assert_eq!(v["data"][&table.single_field]["id"], json!(id), "{}: {v:#}", table.single_field);
        for key in table.natural_keys() {
            let value = v["data"][&table.single_field][&key.field].clone();
            let by_key = format!(
                "{{ {}By{}({}: {value}) {{ id }} }}",
                table.single_field,
                registry_gateway::catalog::pascal(&key.name),
                key.field
            );
            let r = app.graphql(&by_key, json!({}), Some(&tok)).await;
            assert!(r.get("errors").is_none(), "{by_key}: {r:#}");
        }

        // Every relation, one aliased root field each, restricted to parents that have related rows.
        let mut fields = Vec::new();
        for (i, &r) in table.relations.iter().enumerate() {
            let rel = &catalog.relations[r];
            let (filter, selection) = if rel.is_list() {
                (
                    format!("{{ {}: {{ some: {{}} }} }}", rel.field),
                    format!("{}(first: 2) {{ totalCount nodes {{ id }} }}", rel.field),
                )
            } else {
                (format!("{{ {}: {{}} }}", rel.field), format!("{} {{ id }}", rel.field))
            };
            fields.push(format!(
                "r{i}: {}(first: 2, filter: {filter}) {{ nodes {{ id {selection} }} }}",
                table.list_field
            ));
        }
        if fields.is_empty() {
            continue;
        }
        let query = format!("{{ {} }}", fields.join("\n"));
        let v = app.graphql(&query, json!({}), Some(&tok)).await;
        assert!(v.get("errors").is_none(), "relations of {}: {:#}", table.type_name, v["errors"]);
        for (i, &r) in table.relations.iter().enumerate() {
            let rel = &catalog.relations[r];
            let parents = v["data"][format!("r{i}")]["nodes"].as_array().cloned().unwrap_or_default();
            if parents.is_empty() {
                empty.push(format!("{}.{}", table.type_name, rel.field));
                continue;
            }
            walked += 1;
            for p in &parents {
                let related = &p[&rel.field];
                let ok = if rel.is_list() {
                    related["totalCount"].as_i64().unwrap_or(0) > 0 && !related["nodes"].as_array().unwrap().is_empty()
                } else {
                    related["id"].is_string()
                };
                assert!(
                    ok,
                    "{}.{} filtered to parents with related rows returned none: {p:#}",
                    table.type_name, rel.field
                );
            }
        }
    }
    let total = catalog.relations.len();
    // Relations whose columns the demo data leaves empty (optional references) cannot be walked;
    // they must stay the exception.
    assert!(walked * 100 >= total * 90, "only {walked} of {total} relations returned rows; empty: {empty:?}");
    eprintln!("walked {walked} of {total} relations; without data: {empty:?}");
}

#[tokio::test]
async fn junction_columns_ride_on_the_edge_and_junction_rows_are_objects() {
    let app = spawn_app().await;
    let q = r"{ agents(first: 5, filter: { prompts: { some: {} } }) { nodes { id prompts(first: 5) {
        edges { isPrimary priority link { id agentId promptId isPrimary } node { id name roleType } } } } } }";
    let v = app.platform(q, json!({})).await;
    let agents = v["data"]["agents"]["nodes"].as_array().unwrap();
    assert_eq!(agents.len(), 5);
    for a in agents {
        for e in a["prompts"]["edges"].as_array().unwrap() {
            assert!(e["isPrimary"].is_boolean() && e["priority"].is_i64(), "{e:#}");
            assert_eq!(e["link"]["agentId"], a["id"]);
            assert_eq!(e["link"]["promptId"], e["node"]["id"]);
            assert_eq!(e["link"]["isPrimary"], e["isPrimary"]);
            let sql = format!(
                "SELECT is_primary::text || '/' || priority::text FROM agent_prompts WHERE agent_id = '{}' AND prompt_id = '{}'",
                a["id"].as_str().unwrap(),
                e["node"]["id"].as_str().unwrap()
            );
            assert_eq!(app.db.scalar(&sql).await, format!("{}/{}", e["isPrimary"], e["priority"]));
        }
    }
    // The other direction of the same junction, and the junction as a root list.
    let v = app.platform("{ prompts(first: 3, filter: { agents: { some: {} } }) { nodes { agents(first: 3) { edges { isPrimary node { id } } } } } agentPrompts(first: 3) { totalCount nodes { agent { id } prompt { id } } } }", json!({})).await;
    assert!(!v["data"]["prompts"]["nodes"][0]["agents"]["edges"].as_array().unwrap().is_empty());
    assert!(v["data"]["agentPrompts"]["totalCount"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn the_embedding_is_left_out_unless_asked_for() {
    let app = spawn_app().await;
    let v = app.platform("{ knowledgeChunks(first: 1) { nodes { id embedding } } }", json!({})).await;
    assert_eq!(v["data"]["knowledgeChunks"]["nodes"][0]["embedding"].as_array().unwrap().len(), 1536);
    let sdl = registry_gateway::graphql::sdl().unwrap();
    assert!(sdl.contains("embedding: [Float!]"), "the embedding is an explicit field");
    let v: Value = app.platform("{ knowledgeChunks(first: 1) { nodes { id content } } }", json!({})).await;
    assert!(v["data"]["knowledgeChunks"]["nodes"][0].get("embedding").is_none());
}
