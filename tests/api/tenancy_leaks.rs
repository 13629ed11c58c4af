//! The leak test, generated over the whole schema: tenant A's credentials never return a row
//! private to tenant B — through root lists, single fetches, relations (depth 1, 2 and 3), junction
//! edges, relation filters on B's ids, or counts — with both layers on, with only the gateway's
//! filter (RLS off), and with only row-level security (gateway filter off).

use std::collections::{HashMap, HashSet};

use registry_gateway::catalog::{Catalog, Table, Tenancy};
use registry_gateway::config::TenantScoping;
use serde_json::{Value, json};

use crate::helpers::{TestDb, seeded_database, serve, test_settings, token};

/// Acme Pharmaceuticals (003's enterprise client) and another enterprise tenant outside its subtree.
const A: &str = "22222222-2222-2222-2222-222222222222";

async fn subtree(db: &TestDb, root: &str) -> Vec<String> {
    db.query_strings(&format!(
        "WITH RECURSIVE s(id) AS (SELECT '{root}'::uuid UNION ALL SELECT t.id FROM tenants t JOIN s ON t.parent_tenant_id = s.id) SELECT id::text FROM s"
    ))
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

fn has(table: &Table, column: &str) -> bool {
    table.column(column).is_some()
}

fn list(ids: &[String]) -> String {
    ids.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(",")
}

/// Makes sure A and B each own private rows in every tenant-scoped table, and that nothing of B's is
/// shared to A. Returns B and, per GraphQL type, the ids private to B.
async fn prepare(db: &TestDb, catalog: &Catalog) -> (String, HashMap<String, HashSet<String>>) {
    let a_tree = subtree(db, A).await;
    let b = db
        .scalar(&format!(
            "SELECT id::text FROM tenants WHERE tenant_level = 'enterprise_client' AND deleted_at IS NULL AND id NOT IN ({}) ORDER BY name LIMIT 1",
            list(&a_tree)
        ))
        .await;
    let b_tree = subtree(db, &b).await;
    assert!(!b_tree.iter().any(|t| a_tree.contains(t)), "A and B must not share a subtree");
    db.query_strings(&format!("DELETE FROM asset_sharing WHERE '{A}' = ANY (shared_with_tenant_ids) RETURNING id::text")).await;
    let both: Vec<String> = a_tree.iter().chain(&b_tree).cloned().collect();
    for table in catalog.tables.iter().filter(|t| !matches!(t.tenancy, Tenancy::Global | Tenancy::Tenants)) {
        for owner in [A.to_owned(), b.clone()] {
            let mut mine = format!("tenant_id = '{owner}'");
            if has(table, "is_public") {
                mine.push_str(" AND NOT is_public");
            }
            if has(table, "deleted_at") {
                mine.push_str(" AND deleted_at IS NULL");
            }
            let n: i64 = db.scalar(&format!("SELECT count(*)::text FROM \"{}\" WHERE {mine}", table.name)).await.parse().unwrap();
            if n > 0 {
                continue;
            }
            let mut set = format!("tenant_id = '{owner}'");
            for (col, value) in [("owner_tenant_id", format!("'{owner}'")), ("is_public", "false".to_owned())] {
                if has(table, col) {
                    set.push_str(&format!(", {col} = {value}"));
                }
            }
            let live = if has(table, "deleted_at") { " AND deleted_at IS NULL" } else { "" };
            let sql = format!(
                "UPDATE \"{t}\" SET {set} WHERE id = (SELECT id FROM \"{t}\" WHERE (tenant_id IS NULL OR tenant_id NOT IN ({both})){live} ORDER BY id LIMIT 1) RETURNING id::text",
                t = table.name,
                both = list(&both)
            );
            let moved = db.query_strings(&sql).await;
            assert_eq!(moved.len(), 1, "could not give {owner} a private row in {}", table.name);
        }
    }
    let mut private = HashMap::new();
    for table in &catalog.tables {
        let ids: HashSet<String> = match table.tenancy {
            Tenancy::Global => continue,
            Tenancy::Tenants => b_tree.iter().cloned().collect(),
            Tenancy::Registry => {
                let sql = format!("SELECT id::text FROM \"{}\" WHERE tenant_id IN ({}) AND NOT is_public", table.name, list(&b_tree));
                db.query_strings(&sql).await.into_iter().map(|r| r[0].clone()).collect()
            }
            Tenancy::Child | Tenancy::Private => {
                let sql = format!("SELECT id::text FROM \"{}\" WHERE tenant_id IN ({})", table.name, list(&b_tree));
                db.query_strings(&sql).await.into_iter().map(|r| r[0].clone()).collect()
            }
        };
        assert!(!ids.is_empty(), "B has no private rows in {}", table.name);
        private.insert(table.type_name.clone(), ids);
    }
    (b, private)
}

/// Every `{__typename, id}` object in a response.
fn objects(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(o) => {
            if let (Some(Value::String(t)), Some(Value::String(id))) = (o.get("__typename"), o.get("id")) {
                out.push((t.clone(), id.clone()));
            }
            o.values().for_each(|x| objects(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| objects(x, out)),
        _ => {}
    }
}

struct Probe<'a> {
    client: reqwest::Client,
    url: String,
    token: String,
    private: &'a HashMap<String, HashSet<String>>,
    mode: &'static str,
    queries: usize,
}

impl Probe<'_> {
    async fn run(&mut self, query: &str) -> Value {
        self.queries += 1;
        let resp = self.client.post(&self.url).bearer_auth(&self.token).json(&json!({ "query": query })).send().await.unwrap();
        let v: Value = resp.json().await.unwrap();
        let mut seen = Vec::new();
        objects(&v["data"], &mut seen);
        for (ty, id) in seen {
            assert!(
                !self.private.get(&ty).is_some_and(|ids| ids.contains(&id)),
                "[{}] LEAK: {ty} {id}, private to B, reached A through:\n{query}",
                self.mode
            );
        }
        v
    }
}

/// Selection of a relation field with `inner` inside its nodes.
fn rel_selection(catalog: &Catalog, rel: usize, inner: &str) -> String {
    let r = &catalog.relations[rel];
    if r.is_list() {
        format!("{}(first: 20) {{ totalCount edges {{ node {{ __typename id {inner} }} }} }}", r.field)
    } else {
        format!("{} {{ __typename id {inner} }}", r.field)
    }
}

async fn probe_everything(probe: &mut Probe<'_>, catalog: &Catalog) {
    for table in &catalog.tables {
        let Some(b_ids) = probe.private.get(&table.type_name) else { continue };
        let b_list: Vec<&String> = b_ids.iter().take(50).collect();
        // Root list filtered on B's ids, with its count; single fetch of one of B's ids.
        let v = probe
            .run(&format!(
                "{{ {}(first: 100, filter: {{ id: {{ in: {} }} }}) {{ totalCount nodes {{ __typename id }} }} }}",
                table.list_field,
                serde_json::to_string(&b_list).unwrap()
            ))
            .await;
        assert_eq!(v["data"][&table.list_field]["totalCount"], json!(0), "[{}] {} counts B's rows: {v:#}", probe.mode, table.list_field);
        let v = probe.run(&format!("{{ {}(id: \"{}\") {{ __typename id }} }}", table.single_field, b_list[0])).await;
        assert_eq!(v["errors"][0]["extensions"]["code"], json!("NOT_FOUND"), "[{}] {}: {v:#}", probe.mode, table.single_field);

        // Depth 1 to 3 from this table's visible rows: every relation, then every relation of the
        // target (depth 2), then, for the first few, every relation again (depth 3).
        for (i, &r1) in table.relations.iter().enumerate() {
            let t1 = &catalog.tables[catalog.relations[r1].target];
            let depth2: Vec<String> = t1.relations.iter().map(|&r2| rel_selection(catalog, r2, "")).collect();
            let v = probe
                .run(&format!("{{ {}(first: 20) {{ nodes {{ __typename id {} }} }} }}", table.list_field, rel_selection(catalog, r1, &depth2.join(" "))))
                .await;
            assert!(v.get("errors").is_none(), "[{}] {}: {:#}", probe.mode, table.list_field, v["errors"]);
            if i < 2 {
                for &r2 in t1.relations.iter().take(2) {
                    let t2 = &catalog.tables[catalog.relations[r2].target];
                    let depth3: Vec<String> = t2.relations.iter().map(|&r3| rel_selection(catalog, r3, "")).collect();
                    let inner = rel_selection(catalog, r2, &depth3.join(" "));
                    probe.run(&format!("{{ {}(first: 5) {{ nodes {{ __typename id {} }} }} }}", table.list_field, rel_selection(catalog, r1, &inner))).await;
                }
            }
            // A relation filter on B's ids of the target matches nothing.
            if let Some(target_ids) = probe.private.get(&t1.type_name) {
                let ids = serde_json::to_string(&target_ids.iter().take(50).collect::<Vec<_>>()).unwrap();
                let rel = &catalog.relations[r1];
                let filter = if rel.is_list() {
                    format!("{{ {}: {{ some: {{ id: {{ in: {ids} }} }} }} }}", rel.field)
                } else {
                    format!("{{ {}: {{ id: {{ in: {ids} }} }} }}", rel.field)
                };
                let v = probe.run(&format!("{{ {}(filter: {filter}) {{ totalCount }} }}", table.list_field)).await;
                assert!(v.get("errors").is_none(), "[{}] {}: {:#}", probe.mode, table.list_field, v["errors"]);
                let leaked = v["data"][&table.list_field]["totalCount"].as_i64().unwrap_or(-1);
                // Rows A may see can link to B's rows only through B's own junction rows or
                // children, which A cannot see either: the filter must find nothing.
                if leaked != 0 {
                    let detail = probe.run(&format!("{{ {}(filter: {filter}, first: 3) {{ nodes {{ __typename id tenantId }} }} }}", table.list_field)).await;
                    panic!("[{}] {}(filter: {filter}) matched rows through B's private rows: {detail:#}", probe.mode, table.list_field);
                }
            }
        }
    }
}

#[tokio::test]
async fn tenant_a_never_sees_tenant_b_with_either_layer_alone_or_both() {
    let db = seeded_database().await;
    let catalog = Catalog::from_entities();
    let (_b, private) = prepare(&db, &catalog).await;
    let a_token = token(A, "owner");
    for (mode, scoping) in [("both layers", TenantScoping::Both), ("gateway only", TenantScoping::Gateway), ("RLS only", TenantScoping::Database)] {
        let mut settings = test_settings();
        settings.tenant_scoping = scoping;
        settings.max_complexity = 100_000;
        let url = format!("{}/graphql", serve(&db, &settings).await);
        let mut probe = Probe { client: reqwest::Client::new(), url, token: a_token.clone(), private: &private, mode, queries: 0 };
        probe_everything(&mut probe, &catalog).await;
        eprintln!("[{mode}] {} queries, no leak", probe.queries);
    }
}
