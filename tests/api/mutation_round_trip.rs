//! The round trip over every writable table, generated from the catalog: create a row (a copy of
//! an existing one, its unique values changed), read it back, update it with `expectedVersion`,
//! delete it, see it gone, restore it; each write leaves its audit row. No table has code of its
//! own here: a table that cannot make the trip fails the test with its name.

use registry_gateway::catalog::writes::{WriteKind, field_name, input_type, kinds, settable};
use registry_gateway::catalog::{Catalog, RelationKind, ScalarKind, Table, Tenancy, WriteClass};
use serde_json::{Map, Value, json};

use crate::helpers::{PLATFORM_TENANT, TestApp, spawn_app, token};

fn settable_fields(table: &Table) -> Vec<&str> {
    table.columns.iter().filter(|c| settable(c)).map(|c| c.field.as_str()).collect()
}

/// Who writes `table`'s copy of a row of tenant `tenant`: the platform's owner curates every
/// tenant's registry and the global tables; conversations are posted by a member of their tenant.
fn writer(table: &Table, tenant: Option<&str>) -> String {
    match (table.write, tenant) {
        (WriteClass::Member, Some(t)) => token(t, "member"),
        _ => token(PLATFORM_TENANT, "owner"),
    }
}

async fn ask(app: &TestApp, who: &str, query: &str, variables: Value) -> Value {
    app.graphql(query, variables, Some(who)).await
}

fn assert_ok(v: &Value, what: &str) {
    assert!(v.get("errors").is_none(), "{what}: {v:#}");
}

/// A value for a copy: unique text gets a suffix.
fn copied(table: &Table, field: &str, value: &Value, suffix: &str) -> Value {
    let column = table.columns.iter().find(|c| c.field == field).unwrap();
    match (column.unique, &column.kind, value) {
        (true, ScalarKind::String, Value::String(s)) => json!(format!("{s}{suffix}")),
        _ => value.clone(),
    }
}

/// Free-text columns: an edit of one breaks no CHECK.
const FREE_TEXT: &[&str] =
    &["name", "title", "display_name", "description", "notes", "content", "summary", "message", "comment"];

/// A change for an update: free text gets a suffix, a flag flips, otherwise the value is set again.
fn changed(table: &Table, input: &Map<String, Value>) -> (String, Value) {
    let pick = |kind: fn(&ScalarKind) -> bool| {
        table
            .columns
            .iter()
            .find(|c| settable(c) && !c.unique && kind(&c.kind) && input.get(&c.field).is_some_and(|v| !v.is_null()))
    };
    let text = table.columns.iter().find(|c| {
        FREE_TEXT.contains(&c.name.as_str())
            && !c.unique
            && c.kind == ScalarKind::String
            && input.get(&c.field).is_some_and(Value::is_string)
    });
    if let Some(c) = text {
        return (c.field.clone(), json!(format!("{} (edited)", input[&c.field].as_str().unwrap())));
    }
    if let Some(c) = pick(|k| *k == ScalarKind::Boolean) {
        return (c.field.clone(), json!(!input[&c.field].as_bool().unwrap()));
    }
    let (k, v) = input.iter().find(|(_, v)| !v.is_null()).expect("an input with a value");
    (k.clone(), v.clone())
}

#[tokio::test]
async fn every_writable_table_makes_the_round_trip() {
    let app = spawn_app().await;
    let catalog = Catalog::from_entities();
    let mut done = 0;
    for table in catalog.tables.iter().filter(|t| !kinds(t).is_empty()) {
        let name = &table.name;
        let live = if table.soft_delete { "WHERE deleted_at IS NULL" } else { "" };
        let tenant = if table.column("tenant_id").is_some() { "tenant_id::text" } else { "NULL::text" };
        let source = app
            .db
            .query_strings(&format!(
                "SELECT id::text, coalesce({tenant}, '') FROM \"{name}\" {live} ORDER BY id LIMIT 1"
            ))
            .await;
        assert!(!source.is_empty(), "{name}: the demo data has no row to copy");
        let (source_id, source_tenant) = (&source[0][0], source[0][1].as_str());
        let who = writer(table, (!source_tenant.is_empty()).then_some(source_tenant));
        let fields = settable_fields(table).join(" ");

        // The source row, read through the API as the writer sees it.
        let read = ask(
            &app,
            &who,
            &format!("query($id: UUID!) {{ r: {}(id: $id) {{ {fields} }} }}", table.single_field),
            json!({ "id": source_id }),
        )
        .await;
        assert_ok(&read, &format!("{name}: reading the source row"));
        let junction_only = table.junction.is_some() && !table.soft_delete;
        if junction_only {
            // A link row's pair is unique: the copy replaces the source.
            let v = ask(
                &app,
                &who,
                &format!("mutation($id: UUID!) {{ d: {}(id: $id) {{ id }} }}", field_name(table, WriteKind::Delete)),
                json!({ "id": source_id }),
            )
            .await;
            assert_ok(&v, &format!("{name}: deleting the source link"));
        }
        // References to another tenant's private rows (a reviewer's profile) are not the writer's
        // to make: the copy leaves them out.
        let private_refs: Vec<&str> = table
            .relations
            .iter()
            .filter_map(|&r| match catalog.relations[r].kind {
                RelationKind::BelongsTo { fk }
                    if catalog.tables[catalog.relations[r].target].tenancy == Tenancy::Private
                        && table.write != WriteClass::Member =>
                {
                    Some(table.columns[fk].field.as_str())
                }
                _ => None,
            })
            .collect();
        let mut input = Map::new();
        for (k, v) in read["data"]["r"].as_object().unwrap() {
            if !v.is_null() && !private_refs.contains(&k.as_str()) {
                input.insert(k.clone(), if junction_only { v.clone() } else { copied(table, k, v, "-rt") });
            }
        }

        // Create, answered with the server's columns.
        let versioned = table.column("version").is_some_and(|c| c.kind == ScalarKind::Int);
        let version_field = if versioned { "version" } else { "" };
        let create = format!(
            "mutation($input: {}!) {{ c: {}(input: $input) {{ id nodeId {version_field} }} }}",
            input_type(table),
            field_name(table, WriteKind::Create)
        );
        let mut v = ask(&app, &who, &create, json!({ "input": input })).await;
        if v["errors"][0]["extensions"]["code"] == json!("CONFLICT") {
            // A key over several columns: a copy changes its wording (an outcome statement per job)…
            for c in table.columns.iter().filter(|c| settable(c) && c.kind == ScalarKind::String) {
                let wording = ["name", "title", "statement", "text", "description", "content", "label", "question"]
                    .iter()
                    .any(|w| c.name == *w || c.name.ends_with(&format!("_{w}")));
                if let (true, Some(text)) = (wording, input.get(&c.field).and_then(Value::as_str)) {
                    input.insert(c.field.clone(), json!(format!("{text} (copy)")));
                }
            }
            // … and is not the one default or primary row.
            for c in table.columns.iter().filter(|c| settable(c) && c.kind == ScalarKind::Boolean) {
                if c.name == "is_default" || c.name == "is_primary" {
                    input.insert(c.field.clone(), json!(false));
                }
            }
            v = ask(&app, &who, &create, json!({ "input": input })).await;
        }
        if v["errors"][0]["extensions"]["code"] == json!("CONFLICT") {
            // … or its numbers (a session number per consultation).
            for c in table.columns.iter().filter(|c| {
                settable(c)
                    && matches!(c.kind, ScalarKind::Int | ScalarKind::BigInt)
                    && ["number", "index", "position", "order", "round", "sequence"].iter().any(|w| c.name.contains(w))
            }) {
                if let Some(n) = input.get(&c.field).and_then(Value::as_i64) {
                    input.insert(c.field.clone(), json!(n + 1000));
                }
            }
            v = ask(&app, &who, &create, json!({ "input": input })).await;
        }
        if v["errors"][0]["extensions"]["code"] == json!("CONFLICT") {
            // A key of references only (one ballot per agent and vote): the copy takes the
            // source's place, which the test removes directly.
            app.db.query_strings(&format!("DELETE FROM \"{name}\" WHERE id = '{source_id}' RETURNING id::text")).await;
            v = ask(&app, &who, &create, json!({ "input": input })).await;
        }
        assert_ok(&v, &format!("{name}: create"));
        let id = v["data"]["c"]["id"].as_str().unwrap().to_owned();
        let read_back = format!("query($id: UUID!) {{ r: {}(id: $id) {{ id }} }}", table.single_field);
        let v = ask(&app, &who, &read_back, json!({ "id": id })).await;
        assert_ok(&v, &format!("{name}: reading the new row"));

        // Update with the version just read.
        let (field, value) = changed(table, &input);
        let expected = if versioned { ", expectedVersion: 1" } else { "" };
        let update = format!(
            "mutation($id: UUID!, $patch: {}!) {{ u: {}(id: $id, patch: $patch{expected}) {{ {field} {version_field} }} }}",
            registry_gateway::catalog::writes::patch_type(table),
            field_name(table, WriteKind::Update)
        );
        let v = ask(&app, &who, &update, json!({ "id": id, "patch": { field.clone(): value.clone() } })).await;
        assert_ok(&v, &format!("{name}: update"));
        assert_eq!(v["data"]["u"][&field], value, "{name}: the update's answer");
        if versioned {
            assert_eq!(v["data"]["u"]["version"], json!(2), "{name}: the version moves on");
        }
        let mut writes = 2;

        // Delete; the row is gone for reads; restore where deletes are soft.
        if kinds(table).contains(&WriteKind::Delete) {
            let v = ask(
                &app,
                &who,
                &format!("mutation($id: UUID!) {{ d: {}(id: $id) {{ id }} }}", field_name(table, WriteKind::Delete)),
                json!({ "id": id }),
            )
            .await;
            assert_ok(&v, &format!("{name}: delete"));
            let v = ask(&app, &who, &read_back, json!({ "id": id })).await;
            assert_eq!(v["errors"][0]["extensions"]["code"], json!("NOT_FOUND"), "{name}: a deleted row reads: {v:#}");
            writes += 1;
            if table.soft_delete {
                let v = ask(
                    &app,
                    &who,
                    &format!(
                        "mutation($id: UUID!) {{ r: {}(id: $id) {{ id }} }}",
                        field_name(table, WriteKind::Restore)
                    ),
                    json!({ "id": id }),
                )
                .await;
                assert_ok(&v, &format!("{name}: restore"));
                let v = ask(&app, &who, &read_back, json!({ "id": id })).await;
                assert_ok(&v, &format!("{name}: reading the restored row"));
                writes += 1;
            }
        }
        let audited: usize = app
            .db
            .scalar(&format!("SELECT count(*)::text FROM audit_log WHERE resource_id = '{id}'"))
            .await
            .parse()
            .unwrap();
        assert_eq!(audited, writes, "{name}: one audit row per write");
        done += 1;
    }
    assert!(done > 70, "only {done} writable tables");
}
