//! The per-request transaction (`src/execute/session.rs`): read-only, as `registry_reader` with the
//! tenant context, a statement timeout, and the plan cache mode each statement asks for; nothing
//! of it outlives the request on the connection.

use registry_gateway::execute::packed_rows::PackedRows;
use registry_gateway::execute::session::{RlsContext, Session, SessionSettings};
use registry_gateway::sql::sql_text::Sql;
use registry_gateway::tenancy::Reach;
use uuid::Uuid;

use crate::helpers::{PLATFORM_TENANT, seeded_database, spawn_app, token};

const SETTINGS: &str = "SELECT current_setting('transaction_read_only') AS ro, current_setting('plan_cache_mode') AS pcm, \
     current_user::text AS who, current_setting('statement_timeout') AS st, current_setting('app.current_tenant_id', true) AS t";

fn settings_sql(generic_plan: bool) -> Sql {
    let mut sql = Sql::new();
    sql.push(SETTINGS);
    sql.generic_plan = generic_plan;
    sql
}

/// Column `column` of [`SETTINGS`]'s row (packed rows are read by position).
fn text(rows: &PackedRows, column: &str) -> String {
    let at = ["ro", "pcm", "who", "st", "t"].iter().position(|c| *c == column).expect("a column of SETTINGS");
    rows.row(0).try_get::<Option<String>>(at).unwrap().unwrap_or_default()
}

/// Row-level security enforced, for the platform tenant.
fn platform_rls() -> RlsContext {
    let tenant = Uuid::parse_str(PLATFORM_TENANT).unwrap();
    RlsContext {
        enforce: true,
        current_tenant: Some(tenant),
        visible: Reach::Tenants(vec![tenant]),
        private: vec![],
        ..RlsContext::default()
    }
}

fn settings(timeout: u64, prepared: bool) -> SessionSettings {
    SessionSettings { statement_timeout_ms: timeout, prepared_statements: prepared }
}

#[tokio::test]
async fn statements_run_read_only_as_the_reader_with_the_tenant_and_the_plan_mode_they_ask_for() {
    let db = seeded_database().await;
    let pool = registry_gateway::database::read_pool(&db.url, 4).unwrap();
    let rls = platform_rls();
    let session = Session::new(pool.clone(), settings(1234, true), rls);

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

    // Nothing outlives the request: a new session, unnamed statements, the owner role, no tenant.
    let session = Session::new(pool.clone(), settings(5000, false), RlsContext::default());
    let rows = session.query(settings_sql(false)).await.unwrap();
    assert_eq!(text(&rows, "pcm"), "auto");
    assert_eq!(text(&rows, "ro"), "on");
    assert_ne!(text(&rows, "who"), "registry_reader");
    assert_eq!(text(&rows, "t"), "");
    session.finish().await;

    // Every pooled connection is back to its defaults once the sessions ended.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for _ in 0..4 {
        let conn = pool.get().await.unwrap();
        let row = conn
            .query_one(
                "SELECT current_user::text AS who, current_setting('app.current_tenant_id', true) AS t, \
                 current_setting('transaction_read_only') AS ro",
                &[],
            )
            .await
            .unwrap();
        assert_ne!(row.get::<_, String>("who"), "registry_reader");
        assert_eq!(row.get::<_, Option<String>>("t").unwrap_or_default(), "");
        assert_eq!(row.get::<_, String>("ro"), "off");
    }
}

/// A request cancelled mid-way (its client went away, so its task was aborted) drops its session
/// without `finish`: the transaction still ends, and the connection does not go back to the pool
/// inside it, where the next request's statements would run in the old snapshot.
#[tokio::test]
async fn a_session_dropped_before_finishing_still_ends_its_transaction() {
    let db = seeded_database().await;
    let pool = registry_gateway::database::read_pool(&db.url, 1).unwrap();
    let open = format!(
        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = '{}' AND state LIKE 'idle in transaction%'",
        db.name
    );
    let session = Session::new(pool.clone(), settings(5000, true), platform_rls());
    session.query(settings_sql(true)).await.unwrap();
    assert_eq!(db.scalar(&open).await, "1", "the session's transaction is open while it runs");
    drop(session);
    db.wait_for_transactions_to_end().await;

    // The pool's one connection serves the next request in a transaction of its own.
    let session = Session::new(pool.clone(), settings(4321, true), RlsContext::default());
    let rows = session.query(settings_sql(false)).await.unwrap();
    assert_eq!(text(&rows, "st"), "4321ms");
    assert_eq!(text(&rows, "t"), "");
    session.finish().await;
    db.wait_for_transactions_to_end().await;
}

/// A request whose client goes away while its statement waits still ends its transaction: actix
/// 3.20 keeps the handler running when the client closes mid-request (actix-web#3462), so the
/// request runs to its end; were the handler dropped instead, its task would be aborted and the
/// session's drop would roll back. Either way the connection must not go back to the pool inside
/// the transaction, which is what this checks.
#[tokio::test]
async fn a_request_abandoned_by_its_client_ends_its_transaction() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = spawn_app().await;
    // Hold the agents table, so that the request's statement waits for it.
    let lock = app.db.conn.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE agents IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_millis(500)).build().unwrap();
    let sent = client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token(PLATFORM_TENANT, "owner"))
        .json(&serde_json::json!({ "query": "{ agents(first: 1) { nodes { id } } }" }))
        .send()
        .await;
    assert!(sent.is_err(), "the request answered while the table was locked: {sent:?}");
    // The client has given up and closed its connection; the statement is still waiting.
    drop(client);
    let waiting = format!(
        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = '{}' AND wait_event_type = 'Lock'",
        app.db.name
    );
    assert_eq!(app.db.scalar(&waiting).await, "1", "the request's statement waits for the lock");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    lock.commit().await.unwrap();
    app.db.wait_for_transactions_to_end().await;
}

/// The set-up is pipelined with the first statement; when it fails, that statement must not run
/// without it: the transaction is aborted, the statement fails, and the connection comes back clean.
#[tokio::test]
async fn a_failed_set_up_fails_the_statement_sent_with_it() {
    let db = seeded_database().await;
    let pool = registry_gateway::database::read_pool(&db.url, 1).unwrap();
    let rls = platform_rls();
    for prepared in [true, false] {
        let session = Session::new(pool.clone(), settings(5000, prepared), rls.clone());
        let mut sql = Sql::new();
        sql.push("SELECT count(*)::text AS n FROM agents");
        sql.settings.push(("statement_timeout", "not a duration".to_owned()));
        let err = session.query(sql).await.expect_err("the set-up failed, so the statement must fail");
        assert!(format!("{err:?}").contains("statement_timeout"), "the set-up's own error is reported: {err:?}");
        session.finish().await;
    }
    the_connection_came_back_clean(&pool).await;
}

/// Once the sessions ended (their ROLLBACK is sent after them), the pool's one connection is out of
/// any transaction.
async fn the_connection_came_back_clean(pool: &deadpool_postgres::Pool) {
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let conn = pool.get().await.unwrap();
    let row = conn.query_one("SELECT current_setting('transaction_read_only') AS ro", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>("ro"), "off");
}

/// A statement selecting `value` (an int, so rows decode by type), with its plan mode.
fn select_value(value: &str, generic_plan: bool) -> Sql {
    let mut sql = Sql::new();
    sql.push(&format!("SELECT ({value})::int4 AS v, current_setting('plan_cache_mode') AS pcm"));
    sql.generic_plan = generic_plan;
    sql
}

/// Independent statements go out together (`Session::query_all`): each answered in order, each
/// under the plan mode it asks for, the set-up ahead of all of them; one failing fails the batch
/// with its own error, and the connection still comes back clean.
#[tokio::test]
async fn a_batch_answers_in_order_under_each_statements_plan_mode_and_fails_as_a_whole() {
    let db = seeded_database().await;
    let pool = registry_gateway::database::read_pool(&db.url, 1).unwrap();
    for prepared in [true, false] {
        let session = Session::new(pool.clone(), settings(5000, prepared), platform_rls());
        let batch =
            vec![select_value("1", true), select_value("2", false), select_value("3", false), select_value("4", true)];
        let rows = session.query_all(batch).await.unwrap();
        let got: Vec<(i32, String)> = rows
            .iter()
            .map(|r| (r.row(0).try_get::<i32>(0).unwrap(), r.row(0).try_get::<String>(1).unwrap()))
            .collect();
        assert_eq!(
            got,
            [(1, "force_generic_plan"), (2, "auto"), (3, "auto"), (4, "force_generic_plan")]
                .map(|(v, m)| (v, m.to_owned()))
        );
        assert_eq!(session.statement_count(), 4);
        // The set-up ran first: the statements read as the reader, with the tenant.
        let rows = session.query(settings_sql(false)).await.unwrap();
        assert_eq!(text(&rows, "who"), "registry_reader");
        assert_eq!(text(&rows, "t"), PLATFORM_TENANT);

        // The second of three fails (division by zero): the batch fails, and nothing after it runs.
        let failing = vec![select_value("1", false), select_value("1 / 0", false), select_value("3", false)];
        let err = session.query_all(failing).await.expect_err("a failing statement fails its batch");
        assert!(format!("{err:?}").contains("22012"), "the failing statement's own error is reported: {err:?}");
        session.finish().await;
    }
    the_connection_came_back_clean(&pool).await;
}
