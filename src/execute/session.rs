//! The database side of one request: its read-only transaction.
//!
//! The transaction is opened by the first statement (introspection never touches the database)
//! with one simple-protocol round trip that begins it read-only and sets everything it needs: the
//! statement timeout, the tenant context row-level security reads (`app.current_tenant_id`,
//! `app.visible_tenant_ids`, `app.private_tenant_ids`), the reader role and the plan cache mode.
//! Every setting is transaction-local, so nothing outlives the request on the connection: a
//! transaction-mode pooler (PgBouncer, Supavisor) may hand the next transaction another server
//! connection. Ending it does not wait: the ROLLBACK is sent after the answer, off the request path.
//!
//! Measured reason (bench/README.md): BEGIN, a set-up statement and ROLLBACK were three round trips
//! per request on top of the data; now one round trip precedes the data and none follows it.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use sea_orm::sea_query::Values;
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::{self, AssertSqlSafe, PgPool, Postgres};
use sea_query_sqlx::SqlxValues;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::error::{AppError, ErrorCode};
use crate::sql::sql_text::Sql;

/// The role statements run as when row-level security enforces visibility (migration 21).
pub const READER_ROLE: &str = "registry_reader";

/// The tenant context handed to row-level security.
#[derive(Debug, Clone, Default)]
pub struct RlsContext {
    /// Run as [`READER_ROLE`], so RLS applies; off when only the gateway enforces visibility.
    pub enforce: bool,
    pub current_tenant: Option<Uuid>,
    pub visible: Vec<Uuid>,
    pub private: Vec<Uuid>,
}

/// How statements are sent.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    pub statement_timeout_ms: u64,
    /// Named, server-side prepared statements (cached per connection). Off behind a
    /// transaction-mode pooler without prepared-statement support (PgBouncer before 1.21): each
    /// statement is then prepared unnamed, in the same round trip as its execution.
    pub prepared_statements: bool,
}

pub struct Session {
    pool: PgPool,
    /// The request's connection, once a statement needed it, and whether its transaction currently
    /// runs statements with generic plans (`plan_cache_mode`).
    conn: Mutex<Option<(PoolConnection<Postgres>, bool)>>,
    settings: SessionSettings,
    rls: RlsContext,
    statements: AtomicUsize,
}

/// `plan_cache_mode` for a statement: statements whose plan does not depend on their parameters'
/// values (a lookup by primary key) reuse one generic plan; the others are planned for their
/// values. Measured (bench/README.md, "Plan cache"): PostgreSQL's automatic choice re-planned
/// `agent(id:)` on every execution, while generic plans for relation loads ran about 30% slower.
fn plan_cache_mode(generic: bool) -> &'static str {
    if generic { "force_generic_plan" } else { "auto" }
}

fn join(ids: &[Uuid]) -> String {
    let mut out = String::with_capacity(ids.len() * 37);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{id}");
    }
    out
}

impl Session {
    pub fn new(pool: PgPool, settings: SessionSettings, rls: RlsContext) -> Self {
        Self { pool, conn: Mutex::new(None), settings, rls, statements: AtomicUsize::new(0) }
    }

    /// Data statements issued so far (not counting the transaction's own set-up and end).
    pub fn statement_count(&self) -> usize {
        self.statements.load(Ordering::Relaxed)
    }

    /// The set-up of the request's transaction, as one simple-protocol message. Every value in it is
    /// generated here (numbers, UUIDs, fixed names), never taken from the request.
    fn begin_text(&self, generic: bool, settings: &[(&'static str, String)]) -> String {
        let tenant = self.rls.current_tenant.map(|t| t.to_string()).unwrap_or_default();
        let mut text = format!(
            "BEGIN READ ONLY; SELECT set_config('statement_timeout', '{}', true), \
             set_config('app.current_tenant_id', '{tenant}', true), \
             set_config('app.visible_tenant_ids', '{}', true), \
             set_config('app.private_tenant_ids', '{}', true), \
             set_config('plan_cache_mode', '{}', true)",
            self.settings.statement_timeout_ms,
            join(&self.rls.visible),
            join(&self.rls.private),
            plan_cache_mode(generic),
        );
        if self.rls.enforce {
            let _ = write!(text, ", set_config('role', '{READER_ROLE}', true)");
        }
        for (name, value) in settings {
            let _ = write!(text, ", set_config('{name}', '{}', true)", value.replace('\'', "''"));
        }
        text
    }

    /// Runs one statement inside the request's transaction.
    pub async fn query(&self, sql: Sql) -> Result<Vec<PgRow>, AppError> {
        let mut guard = self.conn.lock().await;
        if guard.is_none() {
            let mut conn = self.pool.acquire().await.map_err(map_db_error)?;
            sqlx::raw_sql(AssertSqlSafe(self.begin_text(sql.generic_plan, &sql.settings)))
                .execute(&mut *conn)
                .await
                .map_err(map_db_error)?;
            *guard = Some((conn, sql.generic_plan));
        } else if let Some((conn, generic)) = guard.as_mut()
            && (*generic != sql.generic_plan || !sql.settings.is_empty())
        {
            let mut text =
                format!("SELECT set_config('plan_cache_mode', '{}', true)", plan_cache_mode(sql.generic_plan));
            for (name, value) in &sql.settings {
                let _ = write!(text, ", set_config('{name}', '{}', true)", value.replace('\'', "''"));
            }
            sqlx::raw_sql(AssertSqlSafe(text)).execute(&mut **conn).await.map_err(map_db_error)?;
            *generic = sql.generic_plan;
        }
        let Some((conn, _)) = guard.as_mut() else { return Err(AppError::internal("session", "no connection")) };
        self.statements.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let Sql { text, params, .. } = sql;
        let logged = tracing::enabled!(tracing::Level::DEBUG).then(|| text.clone());
        let result = sqlx::query_with(AssertSqlSafe(text), SqlxValues(Values(params)))
            .persistent(self.settings.prepared_statements)
            .fetch_all(&mut **conn)
            .await
            .map_err(map_db_error);
        if let Some(text) = logged {
            tracing::debug!(elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, sql = %text, "statement");
        }
        result
    }

    /// Ends the transaction (read-only, so a rollback), without waiting for it: the connection goes
    /// back to the pool once the ROLLBACK has run.
    pub async fn finish(&self) {
        if let Some((mut conn, _)) = self.conn.lock().await.take() {
            tokio::spawn(async move {
                if let Err(e) = sqlx::raw_sql(AssertSqlSafe("ROLLBACK")).execute(&mut *conn).await {
                    tracing::warn!(error = %e, "ending the request transaction failed");
                    conn.close_on_drop();
                }
            });
        }
    }
}

/// A statement timeout is the caller's to fix (a smaller query); anything else is internal.
fn map_db_error(e: sqlx::Error) -> AppError {
    let canceled = e.as_database_error().and_then(sqlx::error::DatabaseError::code).is_some_and(|c| c == "57014");
    if canceled {
        AppError::user(
            ErrorCode::Timeout,
            "the query ran past the statement timeout; ask for fewer rows or a shallower selection",
        )
    } else {
        AppError::internal("database statement", e)
    }
}
