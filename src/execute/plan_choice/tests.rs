//! The plan-mode rule over real plans: the canonical deep page (`bench/queries/deep_page.graphql`)
//! planned for the platform, a tenant and an anonymous caller, and with an added filter or search.

use std::sync::Arc;

use uuid::Uuid;

use super::*;
use crate::plan::Root;
use crate::plan::build::{build, operation, variables};
use crate::plan::context::{PlanContext, PlanLimits};
use crate::plan::keyset::CursorCodec;
use crate::tenancy::{Reach, Scope, WriteScope};

const PLATFORM: &str = "00000000-0000-0000-0000-000000000001";
const TENANT: &str = "33333333-3333-3333-3333-333333333333";

fn context() -> PlanContext {
    PlanContext {
        catalog: Arc::new(Catalog::from_entities()),
        limits: PlanLimits::default(),
        cursors: CursorCodec::new(b"plan-choice"),
        text_embeddings: false,
    }
}

/// The leading keys of some of `agents`' indexes, as `pg_get_indexdef(…, 1, false)` gives them
/// (migrations 01, 21 and 23).
fn agents_indexes(catalog: &Catalog) -> IndexedColumns {
    IndexedColumns::from_keys(
        catalog,
        [
            ("agents", "id"),
            ("agents", "name"),
            ("agents", "tenant_id"),
            ("agents", "is_public"),
            ("agents", "slug"),
            (
                "agents",
                "to_tsvector('english'::regconfig, (((name)::text || ' '::text) || COALESCE(description, ''::text)))",
            ),
        ],
    )
}

fn scope(caller: &str) -> Scope {
    let id = |s: &str| Uuid::parse_str(s).unwrap();
    match caller {
        "anonymous" => Scope::PublicOnly,
        "tenant" => Scope::Tenant {
            tenant: id(TENANT),
            visible: Reach::Tenants(vec![id(TENANT)]),
            private: vec![id(TENANT)],
            shared_assets: vec![],
        },
        _ => Scope::Tenant {
            tenant: id(PLATFORM),
            visible: Reach::Every,
            private: vec![id(PLATFORM)],
            shared_assets: vec![],
        },
    }
}

/// Whether the root page of the deep page, with `filter` in place of its own, runs generic for
/// `caller`.
fn generic(caller: &str, filter: &str) -> bool {
    let context = context();
    let indexes = agents_indexes(&context.catalog);
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/queries/deep_page.graphql")).unwrap();
    let text = text.replace("filter: { isActive: { eq: true }, tier: { lte: 2 } }", filter);
    let doc = async_graphql::parser::parse_query(&text).unwrap();
    let op = operation(&doc, None).unwrap();
    let given = async_graphql::Variables::from_json(serde_json::json!({ "after": null }));
    let plan = build(&context, &scope(caller), &WriteScope::default(), &doc, &op.node, &variables(&op.node, &given));
    match &plan.fields[0].plan {
        Ok(Root::List { fetch, .. }) => generic_root_page(&indexes, fetch),
        other => panic!("the deep page planned to {other:?}"),
    }
}

const DEEP_PAGE_FILTER: &str = "filter: { isActive: { eq: true }, tier: { lte: 2 } }";

#[test]
fn a_page_filtered_on_unindexed_columns_is_generic_for_the_platform() {
    assert!(generic("platform", DEEP_PAGE_FILTER));
    assert!(generic("platform", "filter: { tier: { in: [1, 2] }, or: [{ isActive: { eq: true } }] }"));
}

#[test]
fn a_callers_visibility_on_an_indexed_column_keeps_custom_plans() {
    // A tenant's rows are found through `tenant_id`'s index when the tenant is small.
    assert!(!generic("tenant", DEEP_PAGE_FILTER));
    // Public rows through `is_public`'s.
    assert!(!generic("anonymous", DEEP_PAGE_FILTER));
}

#[test]
fn a_filter_an_index_could_serve_keeps_custom_plans() {
    let tenant = format!("filter: {{ tenantId: {{ eq: \"{TENANT}\" }}, tier: {{ lte: 2 }} }}");
    assert!(!generic("platform", &tenant));
    assert!(!generic("platform", "filter: { not: { slug: { eq: \"x\" } } }"));
    // An expression index names its columns inside the expression.
    assert!(!generic("platform", "filter: { description: { contains: \"risk\" } }"));
    assert!(!generic("platform", "filter: { isActive: { eq: true } }, search: \"risk\""));
}

#[test]
fn index_keys_name_columns_as_whole_words() {
    assert!(names_column("name", "name"));
    assert!(names_column("lower((name)::text)", "name"));
    assert!(names_column("\"order\"", "order"));
    assert!(!names_column("display_name", "name"));
    assert!(!names_column("tenant_id", "id"));
    assert!(!names_column("name_id", "name"));
}
