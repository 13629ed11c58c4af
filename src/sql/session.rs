//! The database side of one GraphQL request.
//!
//! Statements of a request run in one read-only transaction, begun lazily by the first statement
//! (introspection never touches the database). The transaction starts with one `set_config` call
//! that sets the statement timeout and the tenant context row-level security reads
//! (`app.current_tenant_id`, `app.visible_tenant_ids`, `app.private_tenant_ids`). Statements of a
//! request are serialised on that connection, and counted.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, QueryResult, TransactionTrait, Value};
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

pub struct Session {
    conn: DatabaseConnection,
    /// The request's transaction, once a statement needed it, and whether it currently runs
    /// statements with generic plans (`plan_cache_mode`).
    tx: Mutex<Option<(DatabaseTransaction, bool)>>,
    statement_timeout_ms: u64,
    rls: RlsContext,
    statements: AtomicUsize,
    private_tables: std::sync::Mutex<Vec<usize>>,
}

/// `plan_cache_mode` for a statement: statements whose plan does not depend on their parameters'
/// values (a lookup by primary key) reuse one generic plan; the others (lists, relation loads,
/// searches) are planned for their values. Measured (bench/README.md, "Plan cache"): PostgreSQL's
/// automatic choice re-planned `agent(id:)` on every execution (0.23 ms of planning for a 0.02 ms
/// lookup; a generic plan took it from 2,240 to 3,690 req/s), while generic plans for the relation
/// loads executed about 30% slower and for vector search chose a sequential scan.
fn plan_cache_mode(generic: bool) -> &'static str {
    if generic { "force_generic_plan" } else { "auto" }
}

fn join(ids: &[Uuid]) -> String {
    ids.iter().map(Uuid::to_string).collect::<Vec<_>>().join(",")
}

impl Session {
    pub fn new(conn: DatabaseConnection, statement_timeout_ms: u64, rls: RlsContext) -> Self {
        Self {
            conn,
            tx: Mutex::new(None),
            statement_timeout_ms,
            rls,
            statements: AtomicUsize::new(0),
            private_tables: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Query statements issued so far (not counting the transaction's own BEGIN/set_config/end).
    pub fn statement_count(&self) -> usize {
        self.statements.load(Ordering::Relaxed)
    }

    /// Tenant-private tables (catalog ids) the request's statements read.
    pub fn private_tables(&self) -> Vec<usize> {
        self.private_tables.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Runs one query inside the request's transaction.
    pub async fn query(&self, sql: Sql) -> Result<Vec<QueryResult>, AppError> {
        if !sql.private_tables.is_empty()
            && let Ok(mut seen) = self.private_tables.lock()
        {
            for t in &sql.private_tables {
                if !seen.contains(t) {
                    seen.push(*t);
                }
            }
        }
        let mut guard = self.tx.lock().await;
        if guard.is_none() {
            *guard = Some((self.begin(sql.generic_plan).await?, sql.generic_plan));
        }
        let Some((tx, generic)) = guard.as_mut() else { return Err(AppError::internal("session", "no transaction")) };
        if *generic != sql.generic_plan {
            let mut switch = Sql::new();
            switch.push("SELECT set_config('plan_cache_mode', ").param(Value::from(plan_cache_mode(sql.generic_plan)));
            switch.push(", true)");
            tx.query_all_raw(switch.into_statement()).await.map_err(map_db_error)?;
            *generic = sql.generic_plan;
        }
        self.statements.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let text_for_log = if tracing::enabled!(tracing::Level::DEBUG) { Some(sql.text.clone()) } else { None };
        let result = tx.query_all_raw(sql.into_statement()).await.map_err(map_db_error);
        if let Some(text) = text_for_log {
            tracing::debug!(elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, sql = %text, "statement");
        }
        result
    }

    /// BEGIN, then one statement for everything the transaction needs: read-only, the statement
    /// timeout, the tenant context for RLS, the role, and the plan cache mode of its first statement.
    async fn begin(&self, generic_plan: bool) -> Result<DatabaseTransaction, AppError> {
        let tx = self.conn.begin().await.map_err(map_db_error)?;
        let mut sql = Sql::new();
        sql.push("SELECT set_config('transaction_read_only', 'on', true), set_config('statement_timeout', ");
        sql.param(Value::from(self.statement_timeout_ms.to_string()));
        sql.push(", true), set_config('app.current_tenant_id', ")
            .param(Value::from(self.rls.current_tenant.map(|t| t.to_string()).unwrap_or_default()));
        sql.push(", true), set_config('app.visible_tenant_ids', ").param(Value::from(join(&self.rls.visible)));
        sql.push(", true), set_config('app.private_tenant_ids', ").param(Value::from(join(&self.rls.private)));
        sql.push(", true), set_config('plan_cache_mode', ").param(Value::from(plan_cache_mode(generic_plan)));
        sql.push(", true)");
        if self.rls.enforce {
            sql.push(", set_config('role', ").param(Value::from(READER_ROLE)).push(", true)");
        }
        tx.query_all_raw(sql.into_statement()).await.map_err(map_db_error)?;
        Ok(tx)
    }

    /// Ends the transaction (read-only, so a rollback).
    pub async fn finish(&self) {
        if let Some((tx, _)) = self.tx.lock().await.take()
            && let Err(e) = tx.rollback().await
        {
            tracing::warn!(error = %e, "ending the request transaction failed");
        }
    }
}

/// A statement timeout is the caller's to fix (a smaller query); anything else is internal.
fn map_db_error(e: DbErr) -> AppError {
    let text = e.to_string();
    if text.contains("canceling statement due to statement timeout") {
        AppError::user(
            ErrorCode::Timeout,
            "the query ran past the statement timeout; ask for fewer rows or a shallower selection",
        )
    } else {
        AppError::internal("database statement", e)
    }
}
