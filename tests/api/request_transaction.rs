//! The per-request transaction (`src/sql/session.rs`): read-only, as `registry_reader` with the
//! tenant context, a statement timeout, and the plan cache mode each statement asks for.

use registry_gateway::sql::session::{RlsContext, Session};
use registry_gateway::sql::sql_text::Sql;
use sea_orm::QueryResult;
use uuid::Uuid;

use crate::helpers::{PLATFORM_TENANT, seeded_database};

const SETTINGS: &str = "SELECT current_setting('transaction_read_only') AS ro, current_setting('plan_cache_mode') AS pcm, \
     current_user::text AS who, current_setting('statement_timeout') AS st, current_setting('app.current_tenant_id') AS t";

fn settings_sql(generic_plan: bool) -> Sql {
    let mut sql = Sql::new();
    sql.push(SETTINGS);
    sql.generic_plan = generic_plan;
    sql
}

fn text(rows: &[QueryResult], column: &str) -> String {
    rows[0].try_get::<String>("", column).unwrap()
}

#[tokio::test]
async fn statements_run_read_only_as_the_reader_with_the_tenant_and_the_plan_mode_they_ask_for() {
    let db = seeded_database().await;
    let tenant = Uuid::parse_str(PLATFORM_TENANT).unwrap();
    let rls = RlsContext { enforce: true, current_tenant: Some(tenant), visible: vec![tenant], private: vec![] };
    let session = Session::new(db.conn.clone(), 1234, rls);

    // A lookup by key opens the transaction with generic plans …
    let rows = session.query(settings_sql(true)).await.unwrap();
    assert_eq!(text(&rows, "ro"), "on");
    assert_eq!(text(&rows, "pcm"), "force_generic_plan");
    assert_eq!(text(&rows, "who"), "registry_reader");
    assert_eq!(text(&rows, "st"), "1234ms");
    assert_eq!(text(&rows, "t"), PLATFORM_TENANT);
    // … a list or relation load switches back to PostgreSQL's own choice, and back again.
    assert_eq!(text(&session.query(settings_sql(false)).await.unwrap(), "pcm"), "auto");
    assert_eq!(text(&session.query(settings_sql(true)).await.unwrap(), "pcm"), "force_generic_plan");
    assert_eq!(session.statement_count(), 3);

    // Writes are refused (read-only transaction, and the reader role may not write anyway).
    let mut write = Sql::new();
    write.push("CREATE TEMP TABLE written_by_a_request (a int)");
    assert!(session.query(write).await.is_err());
    session.finish().await;

    // A new session starts with PostgreSQL's own plan choice when its first statement wants it.
    let session = Session::new(db.conn.clone(), 5000, RlsContext::default());
    let rows = session.query(settings_sql(false)).await.unwrap();
    assert_eq!(text(&rows, "pcm"), "auto");
    assert_eq!(text(&rows, "ro"), "on");
    session.finish().await;
}
