//! Golden files of the plan. For each canonical query of `bench/queries/` (the request, kept once
//! there) and three callers (anonymous, a tenant, the platform), `tests/golden/<query>/` holds the
//! IR the query plans to (`<caller>.plan.json`) and the SQL it compiles to (`<caller>.sql`). No database is involved, so
//! a diff of these files shows what a change does to every canonical query.
//!
//! A statement whose shape fixes its plan mode (a lookup by id, an unfiltered vector search) is
//! marked `-- plan: generic`. A root page's mode also depends on which columns lead an index, read
//! from the database at start-up, so it is not shown here (`plan_choice.rs` tests it).
//!
//! `UPDATE_GOLDEN=1 cargo test --test api golden` rewrites them.

use std::fmt::Write as _;
use std::path::PathBuf;

use registry_gateway::catalog::Catalog;
use registry_gateway::execute::statements::plan_statements;
use registry_gateway::plan::build::{build, operation, variables};
use registry_gateway::plan::context::{PlanContext, PlanLimits};
use registry_gateway::plan::keyset::{CursorCodec, parse_order};
use registry_gateway::tenancy::{Reach, Scope, WriteScope};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{DEMO_TENANT as TENANT, PLATFORM_TENANT, project_dir};

const QUERIES: &[&str] =
    &["agent_walk", "domain_hierarchy", "wide_list", "deep_page", "deep_page_cursor", "by_id", "vector_search"];

/// The demo tenant's (`TENANT`) descendant and the asset shared to it.
const CHILD: &str = "33333333-3333-3333-3333-333333333334";
const SHARED: &str = "44444444-4444-4444-4444-444444444444";

fn callers() -> Vec<(&'static str, Scope)> {
    let id = |s: &str| Uuid::parse_str(s).unwrap();
    let platform = id(PLATFORM_TENANT);
    vec![
        ("anonymous", Scope::PublicOnly),
        (
            "tenant",
            Scope::Tenant {
                tenant: id(TENANT),
                visible: Reach::Tenants(vec![id(TENANT), id(CHILD)]),
                private: vec![id(TENANT)],
                shared_assets: vec![id(SHARED)],
            },
        ),
        (
            "platform",
            // The platform tenant reaches every tenant, as the tenant directory says for it.
            Scope::Tenant { tenant: platform, visible: Reach::Every, private: vec![platform], shared_assets: vec![] },
        ),
    ]
}

fn variables_of(query: &str, context: &PlanContext) -> Value {
    match query {
        "by_id" => json!({ "id": "5e27683a-803a-4738-b00a-a27d8f746306" }),
        "deep_page" => {
            let agents = context.catalog.table("agents").unwrap();
            let ordering = parse_order(agents, &["NAME_ASC".to_owned()]).unwrap();
            let cursor = context.cursors.encode_values(
                agents,
                &ordering,
                &[json!("Regulatory Strategy Advisor"), json!("5e27683a-803a-4738-b00a-a27d8f746306")],
            );
            json!({ "after": cursor })
        }
        "vector_search" => json!({ "e": vec![0.025; 1536] }),
        _ => json!({}),
    }
}

/// The statements as text: each labelled by its response path, with its parameters (long arrays
/// summarised).
fn sql_text(statements: &[(String, registry_gateway::sql::sql_text::Sql)]) -> String {
    let mut out = String::new();
    for (path, sql) in statements {
        let params: Vec<Value> = sql
            .params
            .iter()
            .map(|p| match sea_orm::sea_query::sea_value_to_json_value(p) {
                Value::Array(items) if items.len() > 20 => json!(format!("[{} values]", items.len())),
                v => v,
            })
            .collect();
        let _ = write!(out, "-- {path}\n{};\n-- params: {}\n", sql.text, Value::Array(params));
        if sql.generic_plan {
            out.push_str("-- plan: generic\n");
        }
        if !sql.settings.is_empty() {
            let settings: Vec<String> = sql.settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(out, "-- settings: {}", settings.join(", "));
        }
        out.push('\n');
    }
    out
}

fn check(path: &PathBuf, actual: &str, update: bool, stale: &mut Vec<String>) {
    if update {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    match std::fs::read_to_string(path) {
        Ok(expected) if expected == actual => {}
        _ => stale.push(path.display().to_string()),
    }
}

#[test]
fn canonical_queries_plan_and_compile_as_the_golden_files_say() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let context = PlanContext {
        catalog: std::sync::Arc::new(Catalog::from_entities()),
        limits: PlanLimits::default(),
        cursors: CursorCodec::new(b"golden"),
        text_embeddings: false,
    };
    let root = project_dir().join("tests/golden");
    let mut stale = Vec::new();
    for name in QUERIES {
        let text = std::fs::read_to_string(project_dir().join(format!("bench/queries/{name}.graphql"))).unwrap();
        let doc = async_graphql::parser::parse_query(&text).unwrap();
        let op = operation(&doc, None).unwrap();
        let given = async_graphql::Variables::from_json(variables_of(name, &context));
        let vars = variables(&op.node, &given);
        let dir = root.join(name);
        for (caller, scope) in callers() {
            let plan = build(&context, &scope, &WriteScope::default(), &doc, &op.node, &vars);
            for field in &plan.fields {
                assert!(field.plan.is_ok(), "{name} as {caller}: {:?}", field.plan.as_ref().err());
            }
            let json = serde_json::to_string_pretty(&plan).unwrap() + "\n";
            check(&dir.join(format!("{caller}.plan.json")), &json, update, &mut stale);
            check(
                &dir.join(format!("{caller}.sql")),
                &sql_text(&plan_statements(&context.catalog, &plan)),
                update,
                &mut stale,
            );
        }
    }
    assert!(
        stale.is_empty(),
        "golden files differ from what the plan now produces (review with `UPDATE_GOLDEN=1 cargo test --test api golden` and `git diff tests/golden`): {stale:#?}"
    );
}
