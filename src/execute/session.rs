//! The database side of one request: its read-only transaction.
//!
//! The transaction is opened by the first statement (introspection never touches the database)
//! with one simple-protocol round trip that begins it read-only and sets everything it needs: the
//! statement timeout, the tenant context row-level security reads (`app.current_tenant_id`,
//! `app.visible_tenant_ids`, `app.private_tenant_ids`), the reader role and, when its first
//! statement asks for a generic plan, the plan cache mode.
//! Every setting is transaction-local, so nothing outlives the request on the connection: a
//! transaction-mode pooler (PgBouncer, Supavisor) may hand the next transaction another server
//! connection. Ending it does not wait: the ROLLBACK is sent after the answer, off the request path.
//!
//! The set-up is **pipelined** with the first data statement: both go out in one write and their
//! answers come back together, so a request whose data is one statement costs one round trip.
//! Statements are parsed with their parameter types stated ([`crate::execute::bind`]): named and
//! cached per connection (`--prepared-statements`), or unnamed, parsed and run in the same round
//! trip (behind a pooler without prepared-statement support). If the set-up fails, the
//! transaction is aborted before the data statement runs, so that statement fails too: nothing is
//! ever read without the tenant context.
//!
//! Independent statements (a level's sibling relations) are pipelined the same way
//! ([`Session::query_all`]): written together, answered in order. Rows are packed as they arrive
//! ([`PackedRows`]).
//!
//! Measured reason (bench/README.md): BEGIN, a set-up statement and ROLLBACK were three round trips
//! per request on top of the data; with sqlx, which cannot pipeline, one round trip still preceded
//! the data. This is why the read path uses tokio-postgres (and deadpool-postgres for its pool)
//! while the rest of the gateway (migrations, audit, keys) stays on SeaORM's sqlx.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use deadpool_postgres::{Object, Pool};
use futures::{FutureExt, StreamExt};
use tokio::sync::Mutex;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;
use tracing::Instrument;
use uuid::Uuid;

use crate::error::{AppError, ErrorCode};
use crate::execute::bind::{param_types, params};
use crate::execute::packed_rows::PackedRows;
use crate::sql::sql_text::Sql;
use crate::tenancy::Reach;

/// How the transaction ends after the next statement (`Session::last_next`).
const NO_END: u8 = 0;
const ROLLBACK_NEXT: u8 = 1;
const COMMIT_NEXT: u8 = 2;

/// The role statements run as when row-level security enforces visibility (migration 21).
pub const READER_ROLE: &str = "registry_reader";

/// The tenant context handed to row-level security.
#[derive(Debug, Clone, Default)]
pub struct RlsContext {
    /// Run as [`READER_ROLE`] (or the writer role), so RLS applies; off when only the gateway
    /// enforces visibility.
    pub enforce: bool,
    pub current_tenant: Option<Uuid>,
    /// `app.visible_tenant_ids`: the tenants listed, or `*` for every tenant (migration 24).
    pub visible: Reach,
    pub private: Vec<Uuid>,
    /// What a mutation's transaction tells the write policies and the history trigger
    /// (migration 22, docs/write-access.md).
    pub write: WriteContext,
}

/// The settings of a write transaction (`entity::write_access::SETTING_*`).
#[derive(Debug, Clone, Default)]
pub struct WriteContext {
    /// The caller's `sub` (the actor of the audit rows).
    pub user: String,
    pub curator: Vec<Uuid>,
    pub member: Option<Uuid>,
    pub platform_admin: bool,
    pub api_key: Option<Uuid>,
    pub request_id: Option<Uuid>,
}

/// Why a statement failed: the server said no (its error, for the caller's code), or something
/// else went wrong.
enum Failure {
    Db(tokio_postgres::Error),
    App(AppError),
}

impl Failure {
    /// The caller's error: `map` may turn a server error into one (a write's constraint
    /// violations); other server errors are mapped as for reads ([`map_db_error`]).
    fn into_app_error(self, map: &(dyn Fn(&tokio_postgres::error::DbError) -> Option<AppError> + Sync)) -> AppError {
        match self {
            Failure::App(e) => e,
            Failure::Db(e) => e.as_db_error().and_then(map).unwrap_or_else(|| map_db_error(e)),
        }
    }
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
    pool: Pool,
    /// The request's connection, once a statement needed it, and whether its transaction currently
    /// runs statements with generic plans (`plan_cache_mode`).
    conn: Mutex<Option<(Object, bool)>>,
    settings: SessionSettings,
    rls: RlsContext,
    statements: AtomicUsize,
    /// Time spent waiting for statements' answers, in nanoseconds (metrics).
    sql_nanos: AtomicU64,
    /// The next statement is the transaction's last: its end is pipelined right behind it
    /// ([`NO_END`], [`ROLLBACK_NEXT`] or [`COMMIT_NEXT`]).
    last_next: AtomicU8,
    /// The transaction to open is a mutation's: read-write, as the writer role.
    writing: AtomicBool,
}

/// `plan_cache_mode` for a statement: statements whose plan does not depend on their parameters'
/// values (a lookup by primary key, a root page no index could filter: [`crate::execute::plan_choice`])
/// reuse one generic plan; the others are planned for their values. Measured (bench/README.md,
/// "Plan cache"): PostgreSQL's automatic choice re-planned `agent(id:)` on every execution, while
/// generic plans for relation loads ran about 30% slower.
fn plan_cache_mode(generic: bool) -> &'static str {
    if generic { "force_generic_plan" } else { "auto" }
}

/// Appends `SET LOCAL name = E'value'` (after a `; ` when `text` already holds a statement), quoting
/// the value: a transaction-local setting, as `set_config(name, value, true)` makes. A `SET` is a
/// utility statement: PostgreSQL neither plans it nor sends a row back, so the set-up costs less
/// than a `SELECT set_config(...)` of the same settings (bench/README.md, "One read pool per
/// worker, and the set-up as SET LOCAL").
fn set_local(text: &mut String, name: &str, value: &str) {
    if !text.is_empty() {
        text.push_str("; ");
    }
    // An escape string (`E'…'`) reads the same whatever `standard_conforming_strings` says.
    let quoted = value.replace('\0', "").replace('\\', "\\\\").replace('\'', "\\'");
    let _ = write!(text, "SET LOCAL {name} = E'{quoted}'");
}

/// [`set_local`] for each of a statement's own settings (the HNSW settings of a search).
fn push_settings(text: &mut String, settings: &[(&'static str, String)]) {
    for (name, value) in settings {
        set_local(text, name, value);
    }
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
    pub fn new(pool: Pool, settings: SessionSettings, rls: RlsContext) -> Self {
        Self {
            pool,
            conn: Mutex::new(None),
            settings,
            rls,
            statements: AtomicUsize::new(0),
            sql_nanos: AtomicU64::new(0),
            last_next: AtomicU8::new(NO_END),
            writing: AtomicBool::new(false),
        }
    }

    /// Data statements issued so far (not counting the transaction's own set-up and end).
    pub fn statement_count(&self) -> usize {
        self.statements.load(Ordering::Relaxed)
    }

    /// Time spent in statements so far (from sending each to its last row).
    pub fn sql_time(&self) -> Duration {
        Duration::from_nanos(self.sql_nanos.load(Ordering::Relaxed))
    }

    /// The set-up of the request's transaction, as one simple-protocol message. Every value in it is
    /// generated here (numbers, UUIDs, fixed names), never taken from the request.
    fn begin_text(&self, generic: bool, settings: &[(&'static str, String)]) -> String {
        use entity::write_access as w;
        let tenant = self.rls.current_tenant.map(|t| t.to_string()).unwrap_or_default();
        let writing = self.writing.load(Ordering::Relaxed);
        let mut text = String::from(if writing { "BEGIN READ WRITE" } else { "BEGIN READ ONLY" });
        set_local(&mut text, "statement_timeout", &self.settings.statement_timeout_ms.to_string());
        set_local(&mut text, "app.current_tenant_id", &tenant);
        let visible = match &self.rls.visible {
            Reach::Every => "*".to_owned(),
            Reach::Tenants(ids) => join(ids),
        };
        set_local(&mut text, "app.visible_tenant_ids", &visible);
        set_local(&mut text, "app.private_tenant_ids", &join(&self.rls.private));
        // A transaction starts in the server's mode (`auto` unless configured otherwise), which is
        // what statements planned for their values ask for: only generic plans need a setting.
        if generic {
            set_local(&mut text, "plan_cache_mode", plan_cache_mode(true));
        }
        if self.rls.enforce {
            set_local(&mut text, "role", if writing { w::WRITER_ROLE } else { READER_ROLE });
        }
        if writing {
            let wc = &self.rls.write;
            let opt = |v: Option<Uuid>| v.map(|u| u.to_string()).unwrap_or_default();
            set_local(&mut text, w::SETTING_USER_ID, &wc.user);
            set_local(&mut text, w::SETTING_CURATOR_TENANT_IDS, &join(&wc.curator));
            set_local(&mut text, w::SETTING_MEMBER_TENANT_ID, &opt(wc.member));
            set_local(&mut text, w::SETTING_PLATFORM_ADMIN, if wc.platform_admin { "on" } else { "" });
            set_local(&mut text, w::SETTING_API_KEY_ID, &opt(wc.api_key));
            set_local(&mut text, w::SETTING_REQUEST_ID, &opt(wc.request_id));
        }
        push_settings(&mut text, settings);
        text
    }

    /// The next statements belong to a mutation: a read transaction still open (an earlier
    /// operation of a batch) ends, and the next statement opens a read-write one as the writer role.
    pub async fn begin_write(&self) {
        self.end(false).await.ok();
        self.writing.store(true, Ordering::Relaxed);
    }

    /// Commits the mutation's transaction; its failure is the operation's (nothing was written).
    pub async fn commit(&self) -> Result<(), AppError> {
        let result = self.end(true).await;
        self.writing.store(false, Ordering::Relaxed);
        result
    }

    /// Rolls the mutation's transaction back: nothing it did stays.
    pub async fn rollback(&self) {
        self.end(false).await.ok();
        self.writing.store(false, Ordering::Relaxed);
    }

    /// Ends the open transaction, waiting for the answer; a connection whose end failed is closed.
    async fn end(&self, commit: bool) -> Result<(), AppError> {
        // An end announced for a statement that never ran is void.
        self.last_next.store(NO_END, Ordering::Relaxed);
        let Some((client, _)) = self.conn.lock().await.take() else { return Ok(()) };
        match client.batch_execute(if commit { "COMMIT" } else { "ROLLBACK" }).await {
            Ok(()) => Ok(()),
            Err(e) => {
                drop(Object::take(client));
                Err(map_db_error(e))
            }
        }
    }

    /// Says that the next statement is the transaction's last (the executor knows when one
    /// statement answers the whole operation): its ROLLBACK then goes out in the same write, and
    /// the connection returns to the pool as soon as the answer has arrived.
    pub fn last_statement_next(&self) {
        self.last_next.store(ROLLBACK_NEXT, Ordering::Relaxed);
    }

    /// The same for a mutation answered by one statement: its COMMIT goes out in the same write.
    /// If the statement fails, PostgreSQL answers that COMMIT as a ROLLBACK: nothing is written.
    pub fn commit_after_next_statement(&self) {
        self.last_next.store(COMMIT_NEXT, Ordering::Relaxed);
    }

    /// Runs one statement inside the request's transaction, opening it first if this is the
    /// request's first statement (pipelined with it).
    pub async fn query(&self, sql: Sql) -> Result<PackedRows, AppError> {
        self.query_mapped(sql, &|_| None).await
    }

    /// The same, letting `map` turn a server error into the caller's error (a write's constraint
    /// violations); other errors are mapped as for reads.
    pub async fn query_mapped(
        &self,
        sql: Sql,
        map: &(dyn Fn(&tokio_postgres::error::DbError) -> Option<AppError> + Sync),
    ) -> Result<PackedRows, AppError> {
        self.query_inner(sql).await.map_err(|f| f.into_app_error(map))
    }

    /// Runs independent statements in one round trip: they are written together and their answers
    /// read in order (each still its own statement, so one failing fails the ones after it, the
    /// transaction being aborted). Results are in the order of `sqls`; with none, nothing is sent
    /// and no connection is taken.
    pub async fn query_all(&self, sqls: Vec<Sql>) -> Result<Vec<PackedRows>, AppError> {
        self.batch(sqls).await.map_err(|f| f.into_app_error(&|_| None))
    }

    async fn query_inner(&self, sql: Sql) -> Result<PackedRows, Failure> {
        let mut rows = self.batch(vec![sql]).await?;
        rows.pop().ok_or_else(|| Failure::App(AppError::internal("session", "no rows")))
    }

    /// Sends `sqls` pipelined, opening the transaction first if no statement has run yet.
    async fn batch(&self, sqls: Vec<Sql>) -> Result<Vec<PackedRows>, Failure> {
        let Some(first) = sqls.first() else { return Ok(Vec::new()) };
        let mut guard = self.conn.lock().await;
        // What to send before each statement: the transaction's set-up before the first statement
        // of the request, a change of plan mode or a statement's own settings before the others.
        let mut before: Vec<Option<String>> = Vec::with_capacity(sqls.len());
        let mut mode = match guard.as_ref() {
            None => {
                let client = self.pool.get().await.map_err(|e| Failure::App(pool_error(e)))?;
                *guard = Some((client, first.generic_plan));
                before.push(Some(self.begin_text(first.generic_plan, &first.settings)));
                first.generic_plan
            }
            Some((_, generic)) => *generic,
        };
        for sql in &sqls[before.len()..] {
            before.push((mode != sql.generic_plan || !sql.settings.is_empty()).then(|| {
                let mut text = String::new();
                set_local(&mut text, "plan_cache_mode", plan_cache_mode(sql.generic_plan));
                push_settings(&mut text, &sql.settings);
                text
            }));
            mode = sql.generic_plan;
        }
        match guard.as_mut() {
            Some((_, generic)) => *generic = mode,
            None => return Err(Failure::App(AppError::internal("session", "no connection"))),
        }
        self.statements.fetch_add(sqls.len(), Ordering::Relaxed);
        let started = Instant::now();
        let last = self.last_next.swap(NO_END, Ordering::Relaxed);
        let results = {
            let Some((client, _)) = guard.as_ref() else {
                return Err(Failure::App(AppError::internal("session", "no connection")));
            };
            // Requests are written in the order they are first polled: the set-up first, then the
            // parse of statements not cached yet (awaited before anything else is written), then each
            // statement behind its settings, then the transaction's end. So the end can never
            // overtake a statement, and no statement runs without the set-up.
            let mut setup = before
                .first_mut()
                .and_then(Option::take)
                .map(|text| Box::pin(async move { client.batch_execute(&text).await }));
            // The parses are awaited while the set-up's answer is read too: the driver hands each
            // request its answer through a one-slot channel, so a set-up whose answer was not read
            // would stall the connection, and the parse's answer behind it.
            let mut setup_sent = None;
            let prepared = {
                let prepare_all = async {
                    let mut prepared = Vec::with_capacity(sqls.len());
                    for sql in &sqls {
                        prepared.push(if self.settings.prepared_statements {
                            let types: Vec<Type> = param_types(sql).collect();
                            Some(client.prepare_typed_cached(&sql.text, &types).await.map_err(Failure::Db)?)
                        } else {
                            None
                        });
                    }
                    Ok::<_, Failure>(prepared)
                };
                let mut prepare_all = std::pin::pin!(prepare_all);
                let prepared = std::future::poll_fn(|cx| {
                    if setup_sent.is_none()
                        && let Some(f) = setup.as_mut()
                        && let std::task::Poll::Ready(r) = f.as_mut().poll(cx)
                    {
                        setup_sent = Some(r);
                    }
                    prepare_all.as_mut().poll(cx)
                })
                .await;
                match prepared {
                    Ok(prepared) => prepared,
                    // A parse fails after a failed set-up (the transaction is aborted): the set-up's
                    // error is the one that says why.
                    Err(e) => {
                        let setup_result = match (setup_sent.take(), setup.take()) {
                            (Some(r), _) => r,
                            (None, Some(f)) => f.await,
                            (None, None) => Ok(()),
                        };
                        return Err(setup_result.err().map_or(e, Failure::Db));
                    }
                }
            };
            let mut steps: Vec<futures::future::BoxFuture<'_, Result<Option<PackedRows>, Failure>>> = Vec::new();
            if let Some(setup) = setup {
                steps.push(Box::pin(async move {
                    match setup_sent {
                        Some(r) => r,
                        None => setup.await,
                    }
                    .map(|()| None)
                    .map_err(Failure::Db)
                }));
            }
            for ((sql, text), statement) in sqls.iter().zip(before).zip(prepared) {
                if let Some(text) = text {
                    steps.push(Box::pin(async move {
                        client.batch_execute(&text).await.map(|()| None).map_err(Failure::Db)
                    }));
                }
                steps.push(Box::pin(self.fetch(client, sql, statement).map(|r| r.map(Some))));
            }
            if last != NO_END {
                let end = if last == COMMIT_NEXT { "COMMIT" } else { "ROLLBACK" };
                steps
                    .push(Box::pin(async move { client.batch_execute(end).await.map(|()| None).map_err(Failure::Db) }));
            }
            futures::future::join_all(steps).await
        };
        self.sql_nanos.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        let mut rows = Vec::with_capacity(sqls.len());
        let mut failure = None;
        for r in results {
            match r {
                Ok(Some(r)) => rows.push(r),
                Ok(None) => {}
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        if last != NO_END
            && let Some((client, _)) = guard.take()
        {
            match &failure {
                None => drop(client),
                // The end may not have run: the connection is not reused.
                Some(_) => drop(Object::take(client)),
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(rows),
        }
    }

    /// Sends one data statement and packs its rows as they arrive ([`PackedRows`]), in a span of
    /// its own (traces, when on; disabled and free otherwise).
    async fn fetch(
        &self,
        client: &Object,
        sql: &Sql,
        statement: Option<tokio_postgres::Statement>,
    ) -> Result<PackedRows, Failure> {
        let span = tracing::debug_span!(
            "sql",
            otel.kind = "client",
            db.system.name = "postgresql",
            db.query.text = tracing::field::Empty,
            db.response.returned_rows = tracing::field::Empty,
            error = tracing::field::Empty,
        );
        if !span.is_disabled() {
            span.record("db.query.text", sql.text.as_str());
        }
        let started = Instant::now();
        let values: Vec<_> = params(sql).collect();
        let result = async {
            let stream = if let Some(statement) = &statement {
                client.query_raw(statement, values.iter()).await
            } else {
                client.query_typed_raw(&sql.text, values.iter().zip(param_types(sql))).await
            }
            .map_err(Failure::Db)?;
            let mut stream = std::pin::pin!(stream);
            let mut rows = PackedRows::expecting(sql.max_rows);
            while let Some(row) = stream.next().await {
                rows.push(&row.map_err(Failure::Db)?)
                    .map_err(|e| Failure::App(AppError::internal("reading rows", e)))?;
            }
            Ok(rows)
        }
        .instrument(span.clone())
        .await;
        if !span.is_disabled() {
            match &result {
                Ok(rows) => span.record("db.response.returned_rows", rows.len()),
                Err(_) => span.record("error", true),
            };
        }
        if tracing::enabled!(tracing::Level::DEBUG) {
            tracing::debug!(elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, sql = %sql.text, "statement");
        }
        result
    }

    /// Ends the transaction (read-only, so a rollback), without waiting for it: the connection goes
    /// back to the pool once the ROLLBACK has run, or is closed if it failed.
    pub async fn finish(&self) {
        if let Some((client, _)) = self.conn.lock().await.take() {
            roll_back_later(client);
        }
    }
}

/// A session dropped before [`Session::finish`] (its request's task was aborted, or panicked) still
/// ends its transaction. Otherwise its connection would go back to the pool inside that
/// transaction, and the next request's `BEGIN` would only warn, its statements would run in the old
/// snapshot, and its end (a mutation's `COMMIT`) would end the cancelled one's too.
impl Drop for Session {
    fn drop(&mut self) {
        if let Some((client, _)) = self.conn.get_mut().take() {
            roll_back_later(client);
        }
    }
}

/// Sends ROLLBACK on `client` without waiting: the connection returns to the pool once it has run,
/// or is closed if it failed.
fn roll_back_later(client: Object) {
    // Outside a runtime (a session dropped at shutdown) nothing can be sent: the connection is
    // closed instead of being returned, which ends its transaction as well.
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        drop(Object::take(client));
        return;
    };
    runtime.spawn(async move {
        if let Err(e) = client.batch_execute("ROLLBACK").await {
            tracing::warn!(error = %e, "ending the request transaction failed");
            drop(Object::take(client));
        }
    });
}

/// A connection could not be had: the server refused or timed out (an outage, answered
/// [`AppError::database_unavailable`]), or the pool itself is broken (a bug).
fn pool_error(e: deadpool_postgres::PoolError) -> AppError {
    use deadpool_postgres::PoolError;
    match e {
        PoolError::Backend(e) => {
            tracing::warn!(error = %e, "cannot open a database connection");
            AppError::database_unavailable()
        }
        PoolError::Timeout(kind) => {
            tracing::warn!(?kind, "no database connection within the pool's timeout");
            AppError::database_unavailable()
        }
        e => AppError::internal("getting a connection", e),
    }
}

/// Server states in which no statement can run: shutting down, starting up, out of connections,
/// or the connection itself failed (SQLSTATE class 08).
fn is_outage(code: &SqlState) -> bool {
    [
        SqlState::ADMIN_SHUTDOWN,
        SqlState::CRASH_SHUTDOWN,
        SqlState::CANNOT_CONNECT_NOW,
        SqlState::TOO_MANY_CONNECTIONS,
        SqlState::IDLE_SESSION_TIMEOUT,
    ]
    .contains(code)
        || code.code().starts_with("08")
}

/// A statement timeout is the caller's to fix (a smaller query); a lost or refused connection is an
/// outage ([`AppError::database_unavailable`]); anything else is internal.
fn map_db_error(e: tokio_postgres::Error) -> AppError {
    if e.code() == Some(&SqlState::QUERY_CANCELED) {
        return AppError::user(
            ErrorCode::Timeout,
            "the query ran past the statement timeout; ask for fewer rows or a shallower selection",
        );
    }
    let lost = e.is_closed()
        || e.code().is_some_and(is_outage)
        || std::error::Error::source(&e).is_some_and(<dyn std::error::Error>::is::<std::io::Error>);
    if lost {
        tracing::warn!(error = %e, "the database connection failed");
        return AppError::database_unavailable();
    }
    // tokio-postgres shows a server error as "db error"; the log gets its code and message (the
    // client never sees either).
    match e.as_db_error() {
        Some(db) => AppError::internal("database statement", format!("{}: {}", db.code().code(), db.message())),
        None => AppError::internal("database statement", e),
    }
}

#[cfg(test)]
mod tests {
    use super::set_local;

    #[test]
    fn set_local_quotes_its_value_as_an_escape_string() {
        let mut text = String::from("BEGIN READ ONLY");
        set_local(&mut text, "app.user_id", "o'neil\\x\0y");
        assert_eq!(text, r"BEGIN READ ONLY; SET LOCAL app.user_id = E'o\'neil\\xy'");
    }
}
