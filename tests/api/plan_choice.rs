//! Root pages no index could filter run with a generic plan (`execute/plan_choice.rs`): the
//! indexes are read from the migrated database, and pg_stat_statements (with `track_planning`)
//! shows the page planned once per connection for the platform, and on every request for a
//! tenant, whose visibility an index could serve.

use registry_gateway::catalog::Catalog;
use registry_gateway::execute::plan_choice::IndexedColumns;
use serde_json::json;

use crate::helpers::{DEMO_TENANT as TENANT, PLATFORM_TENANT, TestApp, seeded_database, serve, test_settings, token};

/// The deep page's filter and order (bench/queries/deep_page.graphql), first page.
const PAGE: &str = "{ agents(filter: { isActive: { eq: true }, tier: { lte: 2 } }, orderBy: [NAME_ASC], first: 5) \
                    { edges { node { id name tier } } } }";

#[tokio::test]
async fn the_indexes_are_read_from_the_database() {
    let db = seeded_database().await;
    let catalog = Catalog::from_entities();
    let indexes = IndexedColumns::load(&db.conn, &catalog).await.expect("the indexes");
    let agents = catalog.table("agents").unwrap();
    let leads = |column: &str| indexes.leads(agents.id, agents.col_id(column).unwrap());
    // Plain keys: the primary key, a foreign key, the keyset order's (name, id) index.
    for column in ["id", "tenant_id", "name", "slug"] {
        assert!(leads(column), "agents.{column} leads an index");
    }
    // Inside the full-text index's expression.
    assert!(leads("description"), "agents.description is in agents_search_idx's expression");
    // Only in a partial index's WHERE clause, or in no index.
    for column in ["is_active", "tier", "updated_at"] {
        assert!(!leads(column), "agents.{column} leads no index");
    }
}

/// (calls, plans) of the page's statement in this database.
async fn page_stats(app: &TestApp) -> (u64, u64) {
    app.db.wait_for_transactions_to_end().await;
    let row = app
        .db
        .query_strings(&format!(
            "SELECT coalesce(sum(calls), 0)::text, coalesce(sum(plans), 0)::text FROM pg_stat_statements s
             JOIN pg_database d ON d.oid = s.dbid
             WHERE d.datname = '{}' AND query LIKE '%FROM \"agents\" t WHERE%ORDER BY t.\"name\"%'",
            app.db.name
        ))
        .await;
    (row[0][0].parse().unwrap(), row[0][1].parse().unwrap())
}

#[tokio::test]
async fn an_unindexed_page_is_planned_once_per_connection_and_a_tenants_page_every_time() {
    let db = seeded_database().await;
    db.query_strings(&format!("ALTER DATABASE {} SET pg_stat_statements.track_planning = on", db.name)).await;
    let settings = test_settings();
    let address = serve(&db, &settings).await;
    let app = TestApp { address, db, client: crate::helpers::http_client() };
    const REQUESTS: u64 = 12;

    app.db.reset_statement_stats().await;
    let platform = token(PLATFORM_TENANT, "owner");
    for _ in 0..REQUESTS {
        let v = app.graphql(PAGE, json!({}), Some(&platform)).await;
        assert!(v.get("errors").is_none(), "{v:#}");
        assert_eq!(v["data"]["agents"]["edges"].as_array().unwrap().len(), 5, "{v:#}");
    }
    let (calls, plans) = page_stats(&app).await;
    assert_eq!(calls, REQUESTS);
    // One generic plan per connection that ran it; requests one after another reuse few.
    assert!(plans * 2 <= calls, "the platform's page was planned {plans} times in {calls} calls");

    app.db.reset_statement_stats().await;
    let tenant = token(TENANT, "owner");
    for _ in 0..REQUESTS {
        let v = app.graphql(PAGE, json!({}), Some(&tenant)).await;
        assert!(v.get("errors").is_none(), "{v:#}");
    }
    let (calls, plans) = page_stats(&app).await;
    assert_eq!(calls, REQUESTS);
    // Planned for its values every time (PostgreSQL's automatic choice also plans a generic plan
    // once per connection, to compare costs).
    assert!(plans >= calls, "a tenant's page was planned {plans} times in {calls} calls");
}
