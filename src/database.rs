//! Getting a database the gateway can serve from: the private cluster or `DATABASE_URL`, connected,
//! checked for pgvector and for a complete schema, with clear one-line errors when it is not.
//!
//! Statements outside a request's transaction (start-up checks, the tenant directory, API keys, the
//! audit log) run through [`query_all`], [`query_one`] and [`execute`]: each as an unnamed statement
//! in a transaction of its own, so they work behind a transaction-mode pooler without
//! prepared-statement support (PgBouncer before 1.21) whatever `--prepared-statements` says.
//! SeaORM's own methods prepare named statements (`sqlx_s_N`, per client connection), which such a
//! pooler mixes up between server connections: the gateway did not even start behind PgBouncer 1.18
//! ("prepared statement \"sqlx_s_1\" already exists"; tests/api/pgbouncer.rs).

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::future::BoxFuture;
use migration::{MIGRATIONS, Migrator};
use sea_orm::sea_query::Values;
use sea_orm::sqlx::{self, AssertSqlSafe, Postgres};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, QueryResult, RuntimeErr, Statement,
};
use sea_orm_migration::MigratorTrait;
use sea_query_sqlx::SqlxValues;

use crate::config::DatabaseSettings;
use crate::embedded_postgres::{self, Cluster, Durability};
use crate::error::{AppError, ErrorCode};
use crate::postgres_tls::PgTls;

/// The database name used inside the private cluster.
pub const PRIVATE_DB_NAME: &str = "registry";

/// A connected database, and the private cluster behind it when there is one (dropping it stops a
/// cluster this process started).
pub struct Db {
    pub conn: DatabaseConnection,
    /// Where the requests' read transactions connect (`execute/read_pools.rs`, checked here).
    pub url: String,
    pub cluster: Option<Cluster>,
}

impl Db {
    pub fn is_private(&self) -> bool {
        self.cluster.is_some()
    }
}

/// Where the private cluster of `data_dir` lives.
pub fn private_cluster_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("cluster")
}

/// Opens the configured database: `DATABASE_URL`, or the private cluster (started if needed, with
/// its database created). Fails with one clear message when the database is unreachable or lacks
/// pgvector.
pub async fn open(settings: &DatabaseSettings) -> Result<Db, AppError> {
    if let Some(url) = &settings.url {
        let url = url.expose().clone();
        let conn = connect(&url, settings.pool_size).await?;
        check_pgvector(&conn, &url).await?;
        check_read_pool(&url).await?;
        return Ok(Db { conn, url, cluster: None });
    }
    let cluster = start_private_cluster(settings)?;
    create_database_if_missing(&cluster.url("postgres"), PRIVATE_DB_NAME).await?;
    let url = cluster.url(PRIVATE_DB_NAME);
    let conn = connect(&url, settings.pool_size).await?;
    check_pgvector(&conn, &url).await?;
    check_read_pool(&url).await?;
    Ok(Db { conn, url, cluster: Some(cluster) })
}

/// Finds the running private cluster of `data_dir`, or starts one owned by this process.
pub fn start_private_cluster(settings: &DatabaseSettings) -> Result<Cluster, AppError> {
    let dist = embedded_postgres::install(&settings.data_dir)?;
    let os_user = embedded_postgres::cluster_os_user(&settings.pg_os_user)?;
    let dir = private_cluster_dir(&settings.data_dir);
    if let Some(running) = Cluster::find_running(&dist, &dir, os_user) {
        tracing::info!(port = running.port(), "using the running private PostgreSQL");
        return Ok(running);
    }
    Cluster::start(&dist, &dir, os_user, Durability::Durable)
}

/// Connects with a pool of `pool_size`, with the URL's TLS policy ([`PgTls`]). An unreachable
/// server is a one-line user error naming the (password-free) URL, the cause (the TLS one when the
/// handshake failed) and what to do.
pub async fn connect(url: &str, pool_size: u32) -> Result<DatabaseConnection, AppError> {
    let tls = PgTls::from_url(url)?;
    if tls.mode.verifies() {
        // A missing or empty sslrootcert is this one line, not sqlx's reading of it.
        tls.root_store()?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    let policy = tls.clone();
    options
        .max_connections(pool_size)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_postgres_opts(move |pg| policy.sqlx_options(pg));
    Database::connect(options).await.map_err(|e| connection_error(url, &tls, &e, short_reason(&e)))
}

/// The start-up line for a connection that failed with `err`.
fn connection_error(url: &str, tls: &PgTls, err: &(dyn std::error::Error + 'static), reason: String) -> AppError {
    let reason = tls.explain(err).unwrap_or(reason);
    AppError::user(
        ErrorCode::DatabaseUnavailable,
        format!(
            "cannot connect to the database at {} ({reason}); check DATABASE_URL, or unset it to use the private database",
            redact_url(url)
        ),
    )
}

/// The pool of the requests' read transactions: up to `pool_size` connections, opened on demand,
/// over TLS as the URL's `sslmode` says (the same policy as [`connect`]'s). The URL was already
/// checked by [`connect`], so an error here is a URL tokio-postgres reads differently.
pub fn read_pool(url: &str, pool_size: u32) -> Result<deadpool_postgres::Pool, AppError> {
    use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
    let tls = PgTls::from_url(url)?;
    let config: tokio_postgres::Config = tls.tokio_postgres_url.parse().map_err(|e| {
        AppError::user(ErrorCode::DatabaseUnavailable, format!("cannot read the database URL {}: {e}", redact_url(url)))
    })?;
    // Fast recycling: a connection whose socket closed is dropped; one whose transaction did not end
    // was never returned (its ROLLBACK failed, `Session::finish`).
    let manager =
        Manager::from_config(config, tls.connector()?, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager)
        .max_size(pool_size as usize)
        // The most recently returned connection first: under light load the same few backends
        // stay hot instead of every open one taking turns (bench/README.md, "Connection order").
        .queue_mode(deadpool_postgres::QueueMode::Lifo)
        .runtime(Runtime::Tokio1)
        .create_timeout(Some(Duration::from_secs(5)))
        .wait_timeout(Some(Duration::from_secs(10)))
        .build()
        .map_err(|e| AppError::internal("building the read pool", e))
}

/// Opens one read connection the way the requests' pools do (and closes it), so that a server they
/// cannot reach, or whose certificate they refuse, stops start-up with one line instead of failing
/// each request.
pub async fn check_read_pool(url: &str) -> Result<(), AppError> {
    let tls = PgTls::from_url(url)?;
    read_pool(url, 1)?.get().await.map(|c| drop(deadpool_postgres::Object::take(c))).map_err(|e| {
        // The server's own message when it refused us ("SSL required", "no pg_hba.conf entry ..."):
        // deadpool's and tokio-postgres's texts say only "db error".
        let reason = match &e {
            deadpool_postgres::PoolError::Backend(pg) => {
                pg.as_db_error().map_or_else(|| pg.to_string(), |db| db.message().to_owned())
            }
            other => other.to_string(),
        };
        let reason = reason.lines().next().unwrap_or("unknown error").trim().to_owned();
        connection_error(url, &tls, &e, reason)
    })
}

/// `stmt` as an unnamed statement (prepared in the same round trip as it runs, kept nowhere).
fn unnamed(stmt: Statement) -> sqlx::query::Query<'static, Postgres, SqlxValues> {
    let values = stmt.values.unwrap_or(Values(Vec::new()));
    sqlx::query_with(AssertSqlSafe(stmt.sql), SqlxValues(values)).persistent(false)
}

fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(e.into()))
}

/// Runs `stmt` as an unnamed statement in a transaction of its own and returns its rows. The
/// transaction keeps the statement's parse and its execution on one server connection behind a
/// transaction-mode pooler; a simple-protocol `BEGIN` and `COMMIT` around it are the price.
///
/// These three return their future boxed: sqlx's begin, fetch and commit make a future of several
/// KB, and a caller that awaits it inline (the request handler's identification, whose API-key and
/// member-role lookups run only on a cache miss) would carry those bytes in its own future, which
/// is moved by value several times on every request (bench/README.md, "The request's future kept
/// small").
pub fn query_all(db: &DatabaseConnection, stmt: Statement) -> BoxFuture<'_, Result<Vec<QueryResult>, DbErr>> {
    Box::pin(async move {
        let mut tx = db.get_postgres_connection_pool().begin().await.map_err(query_err)?;
        let rows = unnamed(stmt).fetch_all(&mut *tx).await.map_err(query_err)?;
        tx.commit().await.map_err(query_err)?;
        Ok(rows.into_iter().map(QueryResult::from).collect())
    })
}

/// [`query_all`] for at most one row.
pub fn query_one(db: &DatabaseConnection, stmt: Statement) -> BoxFuture<'_, Result<Option<QueryResult>, DbErr>> {
    Box::pin(async move {
        let mut tx = db.get_postgres_connection_pool().begin().await.map_err(query_err)?;
        let row = unnamed(stmt).fetch_optional(&mut *tx).await.map_err(query_err)?;
        tx.commit().await.map_err(query_err)?;
        Ok(row.map(QueryResult::from))
    })
}

/// [`query_all`] for a statement without rows; returns how many rows it changed.
pub fn execute(db: &DatabaseConnection, stmt: Statement) -> BoxFuture<'_, Result<u64, DbErr>> {
    Box::pin(async move {
        let mut tx = db.get_postgres_connection_pool().begin().await.map_err(query_err)?;
        let done = unnamed(stmt).execute(&mut *tx).await.map_err(|e| DbErr::Exec(RuntimeErr::SqlxError(e.into())))?;
        tx.commit().await.map_err(query_err)?;
        Ok(done.rows_affected())
    })
}

/// Creates database `name` on the server of `admin_url` unless it exists.
pub async fn create_database_if_missing(admin_url: &str, name: &str) -> Result<(), AppError> {
    let admin = connect(admin_url, 1).await?;
    let exists = admin
        .query_one_raw(Statement::from_sql_and_values(
            admin.get_database_backend(),
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [name.into()],
        ))
        .await
        .map_err(|e| db_error("checking for the database", &e))?
        .is_some();
    if !exists {
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\"")))
            .await
            .map_err(|e| db_error("creating the database", &e))?;
    }
    admin.close().await.map_err(|e| db_error("closing the admin connection", &e))?;
    Ok(())
}

/// Fails unless the pgvector extension is installed or installable.
pub async fn check_pgvector(conn: &DatabaseConnection, url: &str) -> Result<(), AppError> {
    let available = query_one(
        conn,
        Statement::from_string(
            conn.get_database_backend(),
            "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'",
        ),
    )
    .await
    .map_err(|e| db_error("checking for pgvector", &e))?
    .is_some();
    if available {
        Ok(())
    } else {
        Err(AppError::user(
            ErrorCode::DatabaseUnavailable,
            format!(
                "the database at {} has no pgvector extension; install pgvector (e.g. enable `vector` on Supabase) or unset DATABASE_URL to use the private database",
                redact_url(url)
            ),
        ))
    }
}

/// How far the schema is migrated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    Empty,
    Partial {
        applied: usize,
        total: usize,
        next: String,
    },
    Current,
    /// The database knows migrations this build does not (a newer gateway migrated it).
    Ahead {
        unknown: Vec<String>,
    },
}

/// Reads the migration table to tell how far `conn` is migrated.
pub async fn schema_state(conn: &DatabaseConnection) -> Result<SchemaState, AppError> {
    let table_exists = query_one(
        conn,
        Statement::from_string(
            conn.get_database_backend(),
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'seaql_migrations'",
        ),
    )
    .await
        .map_err(|e| db_error("reading the migration table", &e))?
        .is_some();
    if !table_exists {
        return Ok(SchemaState::Empty);
    }
    let rows =
        query_all(conn, Statement::from_string(conn.get_database_backend(), "SELECT version FROM seaql_migrations"))
            .await
            .map_err(|e| db_error("reading the migration table", &e))?;
    let applied: Vec<String> = rows.iter().filter_map(|r| r.try_get::<String>("", "version").ok()).collect();
    let known: Vec<&str> = MIGRATIONS.iter().map(sea_orm_migration::MigrationName::name).collect();
    let unknown: Vec<String> = applied.iter().filter(|a| !known.contains(&a.as_str())).cloned().collect();
    if !unknown.is_empty() {
        return Ok(SchemaState::Ahead { unknown });
    }
    let done = known.iter().filter(|k| applied.iter().any(|a| a == *k)).count();
    Ok(match known.iter().find(|k| !applied.iter().any(|a| a == *k)) {
        None => SchemaState::Current,
        Some(_) if done == 0 => SchemaState::Empty,
        Some(next) => SchemaState::Partial { applied: done, total: known.len(), next: (*next).to_owned() },
    })
}

/// Fails with a one-line instruction unless the schema is fully migrated.
pub async fn require_current_schema(conn: &DatabaseConnection) -> Result<(), AppError> {
    let message = match schema_state(conn).await? {
        SchemaState::Current => return Ok(()),
        SchemaState::Empty => "the database has no registry schema yet; run `registry-gateway migrate up`".to_owned(),
        SchemaState::Partial { applied, total, next } => format!(
            "the database is partly migrated ({applied} of {total} migrations applied, next is {next}); run `registry-gateway migrate up`"
        ),
        SchemaState::Ahead { unknown } => format!(
            "the database was migrated by a newer gateway (unknown migrations: {}); upgrade this gateway",
            unknown.join(", ")
        ),
    };
    Err(AppError::user(ErrorCode::DatabaseNotMigrated, message))
}

/// True when `table` has no rows (used to seed a new private database once).
pub async fn table_is_empty(conn: &DatabaseConnection, table: &str) -> Result<bool, AppError> {
    let sql = format!("SELECT NOT EXISTS (SELECT 1 FROM \"{}\") AS empty", table.replace('"', "\"\""));
    let row = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .map_err(|e| db_error("counting rows", &e))?;
    Ok(row.and_then(|r| r.try_get::<bool>("", "empty").ok()).unwrap_or(true))
}

/// Applies every pending migration.
pub async fn migrate_up(conn: &DatabaseConnection) -> Result<(), AppError> {
    Migrator::up(conn, None).await.map_err(|e| db_error("applying migrations", &e))
}

/// Rolls back `steps` migrations (all when `None`).
pub async fn migrate_down(conn: &DatabaseConnection, steps: Option<u32>) -> Result<(), AppError> {
    Migrator::down(conn, steps).await.map_err(|e| db_error("rolling back migrations", &e))
}

/// Drops everything and migrates from scratch.
pub async fn migrate_fresh(conn: &DatabaseConnection) -> Result<(), AppError> {
    Migrator::fresh(conn).await.map_err(|e| db_error("re-creating the schema", &e))
}

/// `(migration, applied?)` for every migration of this build.
pub async fn migration_list(conn: &DatabaseConnection) -> Result<Vec<(String, bool)>, AppError> {
    let statuses = Migrator::get_migration_with_status(conn).await.map_err(|e| db_error("reading migrations", &e))?;
    Ok(statuses
        .iter()
        .map(|m| (m.name().to_owned(), matches!(m.status(), sea_orm_migration::MigrationStatus::Applied)))
        .collect())
}

/// Whether `e` means the database cannot be reached now (refused, lost or timed-out connections,
/// a server shutting down), rather than a bad statement.
pub fn is_unavailable(e: &DbErr) -> bool {
    let driver = match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => e.as_ref(),
        _ => return false,
    };
    match driver {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03" | "53300")),
        _ => false,
    }
}

/// A database error on a request's way (API keys, audit, directory): an outage is
/// `DATABASE_UNAVAILABLE` (503, retry), anything else internal with `doing` for the log.
pub fn request_error(doing: &str, e: DbErr) -> AppError {
    if is_unavailable(&e) {
        tracing::warn!(error = %e, "{doing}: the database is unavailable");
        AppError::database_unavailable()
    } else {
        AppError::internal(doing.to_owned(), e)
    }
}

/// A database error during an operator command: one line, with the database's reason (this is the
/// operator's terminal, not a client).
pub fn db_error(doing: &str, e: &DbErr) -> AppError {
    AppError::internal(doing.to_owned(), short_reason(e))
}

fn short_reason(e: &DbErr) -> String {
    let text = e.to_string();
    let text = text.rsplit("error returned from database: ").next().unwrap_or(&text);
    text.lines().next().unwrap_or("unknown error").trim().to_owned()
}

/// The URL with any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((userinfo, host)) = rest.split_once('@') else { return url.to_owned() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://app:s3cret@db.example:5432/x"), "postgres://app:***@db.example:5432/x");
        assert_eq!(redact_url("postgres://postgres@127.0.0.1:5/x"), "postgres://postgres@127.0.0.1:5/x");
    }
}
