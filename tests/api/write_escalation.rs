//! The escalation test, generated over every writable table and run in all three scoping modes
//! (both layers, the gateway alone, row-level security alone): tenant A's owner tries to update,
//! delete and restore tenant B's private rows, to link its own rows to B's, to change shared rows it
//! may only read, to set a
//! tenant in its input, and to write system tables. Every attempt gets its documented code, and
//! the database is byte-identical afterwards (a checksum per table).

use registry_gateway::catalog::writes::{WriteKind, field_name, input_type, kinds, patch_type, settable};
use registry_gateway::catalog::{Catalog, RelationKind, ScalarKind, Table, WriteClass};
use serde_json::{Value, json};

use crate::helpers::{TestDb, seeded_database, serve, token};
use crate::tenancy_leaks::{A, MODES, prepare, probe_settings};

/// A patch any row of `table` accepts by type: a nullable column set to null, or text.
fn harmless_patch(table: &Table) -> Value {
    let column = table
        .columns
        .iter()
        .find(|c| settable(c) && c.nullable && !c.unique)
        .map(|c| (c.field.clone(), Value::Null))
        .or_else(|| {
            table.columns.iter().filter(|c| settable(c)).find_map(|c| {
                let v = match c.kind {
                    ScalarKind::String => json!("x"),
                    ScalarKind::Boolean => json!(false),
                    ScalarKind::Int | ScalarKind::BigInt => json!(0),
                    ScalarKind::Json => json!({}),
                    _ => return None,
                };
                Some((c.field.clone(), v))
            })
        })
        .unwrap_or_else(|| panic!("{}: no settable column of a simple type", table.name));
    json!({ column.0: column.1 })
}

/// One checksum per table (every row as text, in id order), audit history aside: the gateway
/// records refused requests and private reads there on its own.
async fn checksums(db: &TestDb, catalog: &Catalog) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for t in catalog.tables.iter().filter(|t| !matches!(t.name.as_str(), "audit_log" | "service_role_audit")) {
        let sum = db
            .scalar(&format!("SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x.id), '')) FROM \"{}\" x", t.name))
            .await;
        out.push((t.name.clone(), sum));
    }
    out
}

/// A live row of `table` that A owns, if any.
async fn own_row(db: &TestDb, table: &Table) -> Option<String> {
    table.column("tenant_id")?;
    let live = if table.soft_delete { " AND deleted_at IS NULL" } else { "" };
    let rows = db
        .query_strings(&format!(
            "SELECT id::text FROM \"{}\" WHERE tenant_id = '{A}'{live} ORDER BY id LIMIT 1",
            table.name
        ))
        .await;
    rows.first().map(|r| r[0].clone())
}

/// `update<Type>(id:, patch:)` of `table`, answering the id.
fn update_query(table: &Table) -> String {
    format!(
        "mutation($id: UUID!, $patch: {}!) {{ w: {}(id: $id, patch: $patch) {{ id }} }}",
        patch_type(table),
        field_name(table, WriteKind::Update)
    )
}

fn code(v: &Value) -> String {
    v["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>").to_owned()
}

#[tokio::test]
async fn tenant_a_cannot_write_what_it_must_not_in_any_scoping_mode() {
    let db = seeded_database().await;
    let catalog = Catalog::from_entities();
    let (_b, private) = prepare(&db, &catalog).await;
    let data_changes = "SELECT count(*)::text FROM audit_log WHERE event_category = 'data_change' AND action IN ('create', 'update', 'delete')";
    let changes_before = db.scalar(data_changes).await;
    let before = checksums(&db, &catalog).await;
    let a = token(A, "owner");
    let client = crate::helpers::http_client();
    let mut attempts = 0;
    let mut links_tried = 0;
    for (mode, scoping) in MODES {
        let base = serve(&db, &probe_settings(scoping)).await;
        let ask = |query: String, variables: Value| {
            let (client, url, a) = (&client, format!("{base}/graphql"), &a);
            async move {
                let resp = client
                    .post(url)
                    .bearer_auth(a)
                    .json(&json!({ "query": query, "variables": variables }))
                    .send()
                    .await
                    .unwrap();
                resp.json::<Value>().await.unwrap()
            }
        };
        for table in catalog.tables.iter().filter(|t| !kinds(t).is_empty()) {
            let name = &table.name;
            let has = |k| kinds(table).contains(&k);
            // B's private rows: invisible to A, so NOT_FOUND (never FORBIDDEN, which would tell
            // they exist).
            if let Some(ids) = private.get(&table.type_name) {
                let mut ids: Vec<&String> = ids.iter().collect();
                ids.sort();
                let id = ids[0];
                let update = update_query(table);
                let v = ask(update, json!({ "id": id, "patch": harmless_patch(table) })).await;
                assert_eq!(code(&v), "NOT_FOUND", "[{mode}] {name}: updating B's row: {v:#}");
                for (kind, doing) in [(WriteKind::Delete, "deleting"), (WriteKind::Restore, "restoring")] {
                    if has(kind) {
                        let q = format!("mutation($id: UUID!) {{ w: {}(id: $id) {{ id }} }}", field_name(table, kind));
                        let v = ask(q, json!({ "id": id })).await;
                        assert_eq!(code(&v), "NOT_FOUND", "[{mode}] {name}: {doing} B's row: {v:#}");
                    }
                }
                // By filter: B's rows match nothing A sees, so nothing changes.
                let many = format!(
                    "mutation($ids: [UUID!]!, $patch: {}!) {{ w: {}(filter: {{ id: {{ in: $ids }} }}, patch: $patch, atMost: 100) {{ id }} }}",
                    patch_type(table),
                    field_name(table, WriteKind::UpdateMany)
                );
                let v = ask(
                    many,
                    json!({ "ids": ids.iter().take(50).collect::<Vec<_>>(), "patch": harmless_patch(table) }),
                )
                .await;
                assert_eq!(v["data"]["w"], json!([]), "[{mode}] {name}: updating B's rows by filter: {v:#}");
                attempts += 4;
            }
            // A link from A's own row to B's private row reads like a link to nothing.
            if let (Some(rel), Some(own)) = (
                table.relations.iter().map(|&r| &catalog.relations[r]).find(|r| {
                    matches!(r.kind, RelationKind::ManyToMany { junction, .. } if catalog.tables[junction].write != WriteClass::Never)
                        && private.contains_key(&catalog.tables[r.target].type_name)
                }),
                own_row(&db, table).await,
            ) {
                let mut targets: Vec<&String> = private[&catalog.tables[rel.target].type_name].iter().collect();
                targets.sort();
                let update = update_query(table);
                let patch = json!({ rel.field.clone(): { "attach": [{ "id": targets[0] }] } });
                let v = ask(update, json!({ "id": own, "patch": patch })).await;
                assert_eq!(code(&v), "BAD_USER_INPUT", "[{mode}] {name}: linking to B's row: {v:#}");
                attempts += 1;
                links_tried += 1;
            }
            // Shared rows A sees but does not own: FORBIDDEN (A knows they exist).
            if table.write == WriteClass::Curator {
                let shared = db
                    .query_strings(&format!(
                        "SELECT id::text FROM \"{name}\" WHERE tenant_id IS NULL{} ORDER BY id LIMIT 1",
                        if table.soft_delete { " AND deleted_at IS NULL" } else { "" }
                    ))
                    .await;
                if let Some(row) = shared.first() {
                    let update = update_query(table);
                    let v = ask(update, json!({ "id": row[0], "patch": harmless_patch(table) })).await;
                    assert_eq!(code(&v), "FORBIDDEN", "[{mode}] {name}: updating a shared row: {v:#}");
                    attempts += 1;
                }
            }
            // A tenant in the input, in any form, is not an input field (the value does not fit the
            // argument's type): the input type has no such field, and a create naming one is refused.
            if table.column("tenant_id").is_some() {
                let fields = ask(
                    format!("{{ __type(name: \"{}\") {{ inputFields {{ name }} }} }}", input_type(table)),
                    json!({}),
                )
                .await;
                let fields: Vec<&str> = fields["data"]["__type"]["inputFields"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{name}: the input type: {fields:#}"))
                    .iter()
                    .filter_map(|f| f["name"].as_str())
                    .collect();
                for field in ["tenantId", "ownerTenantId", "tenant_id"] {
                    assert!(!fields.contains(&field), "[{mode}] {name}: `{field}` is an input field");
                    let create = format!(
                        "mutation {{ w: {}(input: {{ {field}: \"{}\" }}) {{ id }} }}",
                        field_name(table, WriteKind::Create),
                        crate::helpers::PLATFORM_TENANT
                    );
                    let v = ask(create, json!({})).await;
                    assert_eq!(code(&v), "BAD_USER_INPUT", "[{mode}] {name}: a tenant in the input: {v:#}");
                    attempts += 1;
                }
            }
        }
        // Global reference data is the platform's: A's owner is refused.
        for table in catalog.tables.iter().filter(|t| t.write == WriteClass::PlatformAdmin) {
            let id = db.scalar(&format!("SELECT id::text FROM \"{}\" ORDER BY id LIMIT 1", table.name)).await;
            let update = update_query(table);
            let v = ask(update, json!({ "id": id, "patch": harmless_patch(table) })).await;
            assert_eq!(code(&v), "FORBIDDEN", "[{mode}] {}: a global table: {v:#}", table.name);
            attempts += 1;
        }
        // System tables have no mutation fields at all.
        for table in catalog.tables.iter().filter(|t| t.write == WriteClass::Never) {
            let v = ask(format!("mutation {{ w: create{}(input: {{}}) {{ id }} }}", table.type_name), json!({})).await;
            assert_eq!(code(&v), "GRAPHQL_VALIDATION_FAILED", "[{mode}] {}: a system table: {v:#}", table.name);
            attempts += 1;
        }
        eprintln!("[{mode}] {attempts} write attempts refused so far");
    }
    assert!(links_tried >= 3 * 5, "only {links_tried} link attempts: the probe set is too thin");
    assert_eq!(checksums(&db, &catalog).await, before, "a refused write changed the database");
    assert_eq!(db.scalar(data_changes).await, changes_before, "a refused write left history");
}
