//! The leak test, generated over the whole schema: tenant A's credentials never return a row
//! private to tenant B — through root lists, single fetches, relations (depth 1, 2 and 3), junction
//! edges, relation filters on B's ids, counts, aggregates and groups (at the root, per parent,
//! and the rows a group key points to), or global ids (`node`, `nodes`) — with both layers on, with only the gateway's
//! filter (RLS off), and with only row-level security (gateway filter off).
//!
//! The probe set and its runner are shared (`pub(crate)`): `pgbouncer.rs` sends the same probes
//! through a transaction-mode pooler, where a setting left behind by another transaction would show.

use std::collections::{HashMap, HashSet};

use registry_gateway::catalog::{Catalog, RelationKind, Table, Tenancy};
use registry_gateway::config::{GraphqlSettings, TenantScoping};
use registry_gateway::plan::node_id;
use serde_json::{Value, json};

use crate::helpers::{TestDb, seeded_database, serve, test_settings, token};

/// Acme Pharmaceuticals (003's enterprise client) and another enterprise tenant outside its subtree.
pub(crate) const A: &str = "22222222-2222-2222-2222-222222222222";

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
pub(crate) async fn prepare(db: &TestDb, catalog: &Catalog) -> (String, HashMap<String, HashSet<String>>) {
    let a_tree = subtree(db, A).await;
    let b = db
        .scalar(&format!(
            "SELECT id::text FROM tenants WHERE tenant_level = 'enterprise_client' AND deleted_at IS NULL AND id NOT IN ({}) ORDER BY name LIMIT 1",
            list(&a_tree)
        ))
        .await;
    let b_tree = subtree(db, &b).await;
    assert!(!b_tree.iter().any(|t| a_tree.contains(t)), "A and B must not share a subtree");
    db.query_strings(&format!(
        "DELETE FROM asset_sharing WHERE '{A}' = ANY (shared_with_tenant_ids) RETURNING id::text"
    ))
    .await;
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
            let n: i64 = db
                .scalar(&format!("SELECT count(*)::text FROM \"{}\" WHERE {mine}", table.name))
                .await
                .parse()
                .unwrap();
            if n > 0 {
                continue;
            }
            let mut set = format!("tenant_id = '{owner}'");
            for (col, value) in [("owner_tenant_id", format!("'{owner}'")), ("is_public", "false".to_owned())] {
                if has(table, col) {
                    set = format!("{set}, {col} = {value}");
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
                let sql = format!(
                    "SELECT id::text FROM \"{}\" WHERE tenant_id IN ({}) AND NOT is_public",
                    table.name,
                    list(&b_tree)
                );
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

/// What one probe query must show, beside "nothing of B's".
enum Expect {
    /// `data.<field>.totalCount` is 0.
    ZeroCount(String),
    /// The first error is NOT_FOUND.
    NotFound,
    /// No errors, every `aggregate.count` is 0 and every `groups` page is empty.
    NothingAggregated,
    /// No errors, and `data.<field>` is null or a list of nulls (`node`, `nodes`).
    Nulls(String),
    /// No errors at all.
    Clean,
}

/// Asserts every aggregate in `v` counted nothing and every page of groups is empty.
fn nothing_aggregated(v: &Value, query: &str, mode: &str) {
    match v {
        Value::Object(o) => {
            if let Some(agg) = o.get("aggregate") {
                assert_eq!(agg["count"], json!(0), "[{mode}] aggregates reach B's rows: {query}");
            }
            if let Some(groups) = o.get("groups") {
                assert_eq!(groups["nodes"], json!([]), "[{mode}] groups reach B's rows: {query}");
            }
            o.values().for_each(|x| nothing_aggregated(x, query, mode));
        }
        Value::Array(a) => a.iter().for_each(|x| nothing_aggregated(x, query, mode)),
        _ => {}
    }
}

struct Probe<'a> {
    client: reqwest::Client,
    url: String,
    token: String,
    private: &'a HashMap<String, HashSet<String>>,
    mode: &'a str,
}

impl Probe<'_> {
    /// Sends one probe, asserts it shows nothing of B's and what `expect` says, and returns the answer.
    async fn check(&self, query: &str, expect: &Expect) -> Value {
        let resp =
            self.client.post(&self.url).bearer_auth(&self.token).json(&json!({ "query": query })).send().await.unwrap();
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
        match expect {
            Expect::ZeroCount(field) => {
                assert!(v.get("errors").is_none(), "[{}] {query}: {:#}", self.mode, v["errors"]);
                assert_eq!(v["data"][field]["totalCount"], json!(0), "[{}] counts reach B's rows: {query}", self.mode);
            }
            Expect::NotFound => {
                assert_eq!(v["errors"][0]["extensions"]["code"], json!("NOT_FOUND"), "[{}] {query}: {v:#}", self.mode);
            }
            Expect::NothingAggregated => {
                assert!(v.get("errors").is_none(), "[{}] {query}: {:#}", self.mode, v["errors"]);
                nothing_aggregated(&v["data"], query, self.mode);
            }
            Expect::Nulls(field) => {
                assert!(v.get("errors").is_none(), "[{}] {query}: {:#}", self.mode, v["errors"]);
                let value = &v["data"][field];
                let nulls = value.is_null() || value.as_array().is_some_and(|a| a.iter().all(Value::is_null));
                assert!(nulls, "[{}] node ids of B's rows reach them: {query}: {value:#}", self.mode);
            }
            Expect::Clean => assert!(v.get("errors").is_none(), "[{}] {query}: {:#}", self.mode, v["errors"]),
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

/// A column `table`'s rows can be grouped by, as its `by` value.
fn groupable(table: &Table) -> Option<String> {
    (0..table.columns.len())
        .find(|&c| registry_gateway::plan::aggregate::groupable(table, c))
        .map(|c| registry_gateway::catalog::enum_value_name(&table.columns[c].name))
}

/// `aggregate { count }` and, where the table has a groupable column, a page of groups.
fn aggregate_selection(table: &Table) -> String {
    match groupable(table) {
        Some(by) => {
            format!("aggregate {{ count }} groups(by: [{by}], first: 100) {{ nodes {{ aggregate {{ count }} }} }}")
        }
        None => "aggregate { count }".to_owned(),
    }
}

/// Every probe: root lists and counts filtered on B's ids, single fetches of B's ids, relations at
/// depth 1 and 2 from every table (and a sample at depth 3), and relation filters on B's ids.
fn probes(catalog: &Catalog, private: &HashMap<String, HashSet<String>>) -> Vec<(String, Expect)> {
    let mut out = Vec::new();
    for table in &catalog.tables {
        let Some(b_ids) = private.get(&table.type_name) else { continue };
        let mut b_list: Vec<&String> = b_ids.iter().collect();
        b_list.sort();
        b_list.truncate(50);
        let ids = serde_json::to_string(&b_list).unwrap();
        out.push((
            format!(
                "{{ {}(first: 100, filter: {{ id: {{ in: {ids} }} }}) {{ totalCount nodes {{ __typename id }} }} }}",
                table.list_field
            ),
            Expect::ZeroCount(table.list_field.clone()),
        ));
        // Aggregates and groups of B's rows count nothing.
        out.push((
            format!(
                "{{ {}(filter: {{ id: {{ in: {ids} }} }}) {{ {} }} }}",
                table.list_field,
                aggregate_selection(table)
            ),
            Expect::NothingAggregated,
        ));
        out.push((
            format!("{{ {}(id: \"{}\") {{ __typename id }} }}", table.single_field, b_list[0]),
            Expect::NotFound,
        ));
        // Global ids of B's rows name nothing A may see: `nodes` (one statement for the batch) and `node`.
        let node_ids: Vec<String> = b_list.iter().map(|id| node_id::encode(&table.name, id.parse().unwrap())).collect();
        out.push((
            format!(
                "{{ nodes(nodeIds: {}) {{ __typename ... on {} {{ id nodeId }} }} }}",
                serde_json::to_string(&node_ids).unwrap(),
                table.type_name
            ),
            Expect::Nulls("nodes".to_owned()),
        ));
        out.push((
            format!("{{ node(nodeId: \"{}\") {{ __typename ... on {} {{ id }} }} }}", node_ids[0], table.type_name),
            Expect::Nulls("node".to_owned()),
        ));
        let (mut nested_aggregates, mut key_groups) = (0, 0);
        for (i, &r1) in table.relations.iter().enumerate() {
            let rel = &catalog.relations[r1];
            let t1 = &catalog.tables[rel.target];
            let depth2: Vec<String> = t1.relations.iter().map(|&r2| rel_selection(catalog, r2, "")).collect();
            out.push((
                format!(
                    "{{ {}(first: 20) {{ nodes {{ __typename id {} }} }} }}",
                    table.list_field,
                    rel_selection(catalog, r1, &depth2.join(" "))
                ),
                Expect::Clean,
            ));
            if i < 2 {
                for &r2 in t1.relations.iter().take(2) {
                    let t2 = &catalog.tables[catalog.relations[r2].target];
                    let depth3: Vec<String> = t2.relations.iter().map(|&r3| rel_selection(catalog, r3, "")).collect();
                    let inner = rel_selection(catalog, r2, &depth3.join(" "));
                    out.push((
                        format!(
                            "{{ {}(first: 5) {{ nodes {{ __typename id {} }} }} }}",
                            table.list_field,
                            rel_selection(catalog, r1, &inner)
                        ),
                        Expect::Clean,
                    ));
                }
            }
            // A relation filter on B's ids of the target matches nothing: rows A may see link to
            // B's rows only through B's own junction rows or children, which A cannot see either.
            if let Some(target_ids) = private.get(&t1.type_name) {
                let mut t_list: Vec<&String> = target_ids.iter().collect();
                t_list.sort();
                t_list.truncate(50);
                let ids = serde_json::to_string(&t_list).unwrap();
                let filter = if rel.is_list() {
                    format!("{{ {}: {{ some: {{ id: {{ in: {ids} }} }} }} }}", rel.field)
                } else {
                    format!("{{ {}: {{ id: {{ in: {ids} }} }} }}", rel.field)
                };
                out.push((
                    format!("{{ {}(filter: {filter}) {{ totalCount }} }}", table.list_field),
                    Expect::ZeroCount(table.list_field.clone()),
                ));
                // A sample per table (two of each kind), so the probe set stays about a run's size.
                if rel.is_list() && nested_aggregates < 2 {
                    nested_aggregates += 1;
                    // Each parent's aggregates of B's rows count nothing.
                    out.push((
                        format!(
                            "{{ {}(first: 20) {{ nodes {{ __typename id {}(filter: {{ id: {{ in: {ids} }} }}) {{ {} }} }} }} }}",
                            table.list_field,
                            rel.field,
                            aggregate_selection(t1)
                        ),
                        Expect::NothingAggregated,
                    ));
                } else if let RelationKind::BelongsTo { fk } = rel.kind
                    && registry_gateway::plan::aggregate::groupable(table, fk)
                    && key_groups < 2
                {
                    key_groups += 1;
                    // Groups by a foreign key to B's rows never show B's row in their key.
                    let fk_field = &table.columns[fk].field;
                    let by = registry_gateway::catalog::enum_value_name(&table.columns[fk].name);
                    out.push((
                        format!(
                            "{{ {}(filter: {{ {fk_field}: {{ in: {ids} }} }}) {{ groups(by: [{by}], first: 100) {{ nodes {{ key {{ {fk_field} {} {{ __typename id }} }} aggregate {{ count }} }} }} }} }}",
                            table.list_field, rel.field
                        ),
                        Expect::Clean,
                    ));
                }
            }
        }
    }
    out
}

/// The generated probes over one prepared database, and the ids each probe must never show.
pub(crate) struct LeakProbes {
    probes: Vec<(String, Expect)>,
    private: HashMap<String, HashSet<String>>,
}

impl LeakProbes {
    /// Each probe's query text, in the order [`run_probes`] returns the answers.
    pub(crate) fn queries(&self) -> impl Iterator<Item = &str> {
        self.probes.iter().map(|(q, _)| q.as_str())
    }

    pub(crate) fn len(&self) -> usize {
        self.probes.len()
    }
}

/// Gives A and B private rows everywhere in `db` (see [`prepare`]) and generates every probe: the
/// schema-wide ones of [`probes`], then search and the per-row retrieval fields near B's rows.
pub(crate) async fn leak_probes(db: &TestDb) -> LeakProbes {
    let catalog = Catalog::from_entities();
    let (_b, private) = prepare(db, &catalog).await;
    let mut probes = probes(&catalog, &private);
    // Search: the nearest chunks to one of B's chunks, and text search over every searchable type.
    let b_chunks: Vec<String> = private["KnowledgeChunk"].iter().cloned().collect();
    let e = db
        .scalar(&format!(
            "SELECT embedding::text FROM knowledge_chunks WHERE embedding IS NOT NULL AND id::text IN ({}) LIMIT 1",
            list(&b_chunks)
        ))
        .await;
    probes.push((format!("{{ searchKnowledge(embedding: {e}, text: \"clinical\", first: 50) {{ chunk {{ __typename id }} source {{ __typename id }} }} }}"), Expect::Clean));
    probes.push((format!("{{ searchKnowledge(embedding: {e}, first: 50) {{ chunk {{ __typename id }} source {{ __typename id }} }} }}"), Expect::Clean));
    let frags: Vec<String> = registry_gateway::catalog::SEARCH_TYPES
        .iter()
        .map(|(_, t)| format!("... on {} {{ id }}", catalog.table(t).unwrap().type_name))
        .collect();
    probes.push((
        format!(
            "{{ search(query: \"clinical regulatory agent\", first: 100) {{ hit {{ __typename {} }} }} }}",
            frags.join(" ")
        ),
        Expect::Clean,
    ));
    // The per-row retrieval fields, on rows A may see, near one of B's chunks.
    probes.push((
        format!("{{ knowledgeSources(first: 20) {{ nodes {{ __typename id similarChunks(embedding: {e}, first: 20) {{ chunk {{ __typename id }} source {{ __typename id }} }} }} }} }}"),
        Expect::Clean,
    ));
    probes.push((
        format!("{{ agents(first: 20) {{ nodes {{ __typename id knowledgeSearch(embedding: {e}, first: 20) {{ chunk {{ __typename id }} source {{ __typename id }} }} }} }} }}"),
        Expect::Clean,
    ));
    // `search:` on every searchable list, for the name of one of B's rows.
    for (_, t) in registry_gateway::catalog::SEARCH_TYPES {
        let table = catalog.table(t).unwrap();
        let column = if table.column("name").is_some() { "name" } else { "title" };
        let ids: Vec<String> = private[&table.type_name].iter().cloned().collect();
        let name = db
            .scalar(&format!(
                "SELECT {column}::text FROM \"{t}\" WHERE id::text IN ({}) ORDER BY id LIMIT 1",
                list(&ids)
            ))
            .await;
        let term = serde_json::to_string(&name).unwrap();
        probes.push((
            format!(
                "{{ {}(search: {term}, first: 100) {{ totalCount nodes {{ __typename id }} }} }}",
                table.list_field
            ),
            Expect::Clean,
        ));
    }
    LeakProbes { probes, private }
}

/// The three ways visibility is enforced, with the label the assertions name.
pub(crate) const MODES: [(&str, TenantScoping); 3] = [
    ("both layers", TenantScoping::Both),
    ("gateway only", TenantScoping::Gateway),
    ("RLS only", TenantScoping::Database),
];

/// Settings for a probe run in `scoping`: the test defaults, with room for the deep probes and the
/// request rate of a run.
pub(crate) fn probe_settings(scoping: TenantScoping) -> GraphqlSettings {
    let mut settings = test_settings();
    settings.tenant_scoping = scoping;
    settings.max_complexity = 100_000;
    settings.rate_limit_per_ip = 1_000_000;
    settings
}

/// Sends every probe as tenant A to the gateway at `base` (8 at a time), asserting each one; `mode`
/// labels the failures. Returns the answers in probe order.
pub(crate) async fn run_probes(base: &str, set: &LeakProbes, mode: &str) -> Vec<Value> {
    use futures::StreamExt;
    let probe = Probe {
        client: crate::helpers::http_client(),
        url: format!("{base}/graphql"),
        token: token(A, "owner"),
        private: &set.private,
        mode,
    };
    let probe = &probe;
    // Unordered, so 8 are always in flight, then put back in probe order.
    let mut answers: Vec<(usize, Value)> = futures::stream::iter(set.probes.iter().enumerate())
        .map(|(i, (q, expect))| async move { (i, probe.check(q, expect).await) })
        .buffer_unordered(8)
        .collect()
        .await;
    answers.sort_unstable_by_key(|(i, _)| *i);
    answers.into_iter().map(|(_, v)| v).collect()
}

#[tokio::test]
async fn tenant_a_never_sees_tenant_b_with_either_layer_alone_or_both() {
    let db = seeded_database().await;
    let set = leak_probes(&db).await;
    for (mode, scoping) in MODES {
        let base = serve(&db, &probe_settings(scoping)).await;
        run_probes(&base, &set, mode).await;
        eprintln!("[{mode}] {} queries, no leak", set.len());
    }
}

/// The platform tenant reaches every tenant, said as one value (`Reach::Every`: no tenant arm in the
/// gateway's SQL, `app.visible_tenant_ids = '*'` for row-level security, migration 24) instead of a
/// list of every tenant. With either layer alone or both, it still counts every live row of every
/// registry table, child table and the tenants table: exactly what the database holds. And `'*'`
/// means every tenant only there: as the private list it is read as unset (the current tenant's
/// private rows alone, migration 19's default).
#[tokio::test]
async fn the_platform_sees_every_tenants_rows_with_either_layer_alone_or_both() {
    use sea_orm::TransactionTrait;
    use std::fmt::Write as _;

    let db = seeded_database().await;
    let catalog = Catalog::from_entities();
    let tables: Vec<&Table> = catalog
        .tables
        .iter()
        .filter(|t| matches!(t.tenancy, Tenancy::Registry | Tenancy::Child | Tenancy::Tenants))
        .collect();
    let mut query = String::from("{");
    let mut expected = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let _ = write!(query, " t{i}: {} {{ totalCount }}", t.list_field);
        let live = if t.soft_delete { " WHERE deleted_at IS NULL" } else { "" };
        expected.push(db.scalar(&format!("SELECT count(*)::text FROM {}{live}", t.name)).await.parse::<i64>().unwrap());
    }
    query.push_str(" }");
    let owned: i64 = db
        .scalar("SELECT count(*)::text FROM agents WHERE tenant_id IS NOT NULL AND NOT is_public")
        .await
        .parse()
        .unwrap();
    assert!(owned > 0, "the demo data must hold tenant-owned agents for this test to mean anything");
    let platform = token(crate::helpers::PLATFORM_TENANT, "owner");
    for (mode, scoping) in MODES {
        let base = serve(&db, &probe_settings(scoping)).await;
        let v: Value = reqwest::Client::new()
            .post(format!("{base}/graphql"))
            .bearer_auth(&platform)
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(v.get("errors").is_none(), "[{mode}] {:#}", v["errors"]);
        for (i, t) in tables.iter().enumerate() {
            assert_eq!(
                v["data"][format!("t{i}")]["totalCount"],
                json!(expected[i]),
                "[{mode}] {}: the platform's count",
                t.name
            );
        }
    }

    // Row-level security alone, as the gateway's reader: '*' is every tenant in the visible list,
    // and only the current tenant in the private list.
    let tx = db.conn.begin().await.unwrap();
    let count = |sql: &str| {
        let sql = sql.to_owned();
        let tx = &tx;
        async move { crate::helpers::query_strings(tx, &sql).await[0][0].parse::<i64>().unwrap() }
    };
    for sql in [
        "SET LOCAL app.current_tenant_id = '00000000-0000-0000-0000-000000000001'",
        "SET LOCAL app.visible_tenant_ids = '*'",
        "SET LOCAL app.private_tenant_ids = '*'",
        "SET LOCAL role = registry_reader",
    ] {
        crate::helpers::query_strings(&tx, sql).await;
    }
    let all = db.scalar("SELECT count(*)::text FROM agents").await.parse::<i64>().unwrap();
    assert_eq!(count("SELECT count(*)::text FROM agents").await, all, "'*' as the visible list: every agent");
    let mut private_rows = 0;
    for t in catalog.tables.iter().filter(|t| t.tenancy == Tenancy::Private) {
        let held: i64 = db.scalar(&format!("SELECT count(*)::text FROM {}", t.name)).await.parse().unwrap();
        let own: i64 = db
            .scalar(&format!(
                "SELECT count(*)::text FROM {} WHERE tenant_id = '{}'",
                t.name,
                crate::helpers::PLATFORM_TENANT
            ))
            .await
            .parse()
            .unwrap();
        private_rows += held - own;
        let seen = count(&format!("SELECT count(*)::text FROM {}", t.name)).await;
        assert_eq!(seen, own, "'*' as the private list: only the platform's own rows of {} ({held} held)", t.name);
    }
    assert!(private_rows > 0, "the demo data must hold other tenants' private rows for this test to mean anything");
    crate::helpers::query_strings(&tx, "SET LOCAL app.visible_tenant_ids = ''").await;
    assert!(
        count("SELECT count(*)::text FROM agents").await < all,
        "without '*' (an empty list: the current tenant only), other tenants' agents are hidden"
    );
    tx.rollback().await.unwrap();
}
