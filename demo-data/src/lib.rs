//! Deterministic demo data for the registry: a generic seeder that introspects the live
//! schema and fills every table of the public schema, in foreign-key order, with realistic
//! pharma / life-science data.
//!
//! - [`catalog`] reads tables, columns, keys and CHECK constraints (parsed by
//!   [`check_constraints`]);
//! - [`plan`] classifies tables by tenancy (with the gateway's own rule, `entity::tenancy`), sets
//!   row counts and the load order;
//! - [`generator`] builds rows (tenancy, FK targets, unique keys) with [`values`] (column
//!   heuristics), [`vocabulary`] (word lists), [`embeddings`] (clustered vectors) and
//!   [`documented_rows`] (the rows the seed documents fix);
//! - [`copy_writer`] encodes rows for `COPY FROM STDIN` and [`loader`] streams them;
//! - [`prng`] is the portable random generator that makes runs byte-identical.
//!
//! `seed` truncates every table (except `seaql_migrations`) first, so it can be re-run.
//!
//! A crate of its own, apart from the gateway: the gateway only calls [`seed`] (the `seed` command,
//! the first start of an empty private database, the tests' template database), and the seeder
//! needs none of the gateway's code. What both must agree on, each table's tenancy class and its
//! English name, lives in the `entity` crate (`entity::tenancy`, `entity::naming`) that both use.

pub mod catalog;
pub mod check_constraints;
pub mod copy_writer;
pub mod documented_rows;
pub mod embeddings;
pub mod generator;
pub mod loader;
pub mod plan;
pub mod prng;
pub mod values;
pub mod vocabulary;

use sea_orm::{DatabaseConnection, DbBackend};
use std::time::{Duration, Instant};

/// What went wrong while seeding.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the demo-data seeder needs a PostgreSQL connection, got {0:?}")]
    NotPostgres(DbBackend),
    #[error("scale must be at least 1")]
    InvalidScale,
    #[error("database error while {context}: {source}")]
    Database {
        context: String,
        #[source]
        source: sea_orm::sqlx::Error,
    },
    #[error("could not read the schema: {0}")]
    Catalog(String),
    #[error("could not plan the seed: {0}")]
    Plan(String),
}

/// Rows written per table, in load order.
#[derive(Debug, Clone)]
pub struct SeedSummary {
    pub scale: u32,
    pub tables: Vec<(String, u64)>,
    pub elapsed: Duration,
}

impl SeedSummary {
    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// Seeds the database behind `db` with deterministic demo data at `scale` (1 = the
/// documented volumes: 254 agents, 335 personas, 338 jobs-to-be-done, ...). Everything runs
/// in one transaction: on error nothing is changed.
///
/// Within that transaction every table is truncated, user triggers are disabled while loading
/// (so nothing stamps `now()` into the data), and vector / GIN indexes are dropped and
/// re-created after the load (same definitions and names; far faster than row-by-row
/// maintenance). The role must own the tables or bypass row-level security, as for migrating.
pub async fn seed(db: &DatabaseConnection, scale: u32) -> Result<SeedSummary, SeedError> {
    let started = Instant::now();
    if scale == 0 {
        return Err(SeedError::InvalidScale);
    }
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        return Err(SeedError::NotPostgres(backend));
    }
    let pool = db.get_postgres_connection_pool();
    let mut tx =
        pool.begin().await.map_err(|source| SeedError::Database { context: "opening a transaction".into(), source })?;

    let catalog = catalog::load(&mut tx).await?;
    let plan = plan::build(&catalog)?;
    tracing::info!(tables = catalog.tables.len(), scale, "seeding demo data");

    loader::exec(
        &mut tx,
        "SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0",
        "lifting the session's timeouts for the seed",
    )
    .await?;
    loader::truncate_all(&mut tx, &catalog).await?;
    loader::set_user_triggers(&mut tx, &catalog, false).await?;
    let indexes = loader::drop_deferrable_indexes(&mut tx).await?;

    let mut world = generator::World::new(&catalog, &plan, scale);
    let mut tables = Vec::with_capacity(plan.order.len());
    for &ti in &plan.order {
        let t0 = Instant::now();
        let written = loader::load_table(&mut tx, &mut world, ti).await?;
        let name = catalog.tables[ti].name.clone();
        tracing::debug!(table = %name, rows = written, ms = t0.elapsed().as_millis() as u64, "table loaded");
        tables.push((name, written));
    }
    loader::fill_deferred(&mut tx, &world).await?;
    let t0 = Instant::now();
    loader::recreate_indexes(&mut tx, &indexes).await?;
    tracing::debug!(indexes = indexes.len(), ms = t0.elapsed().as_millis() as u64, "indexes re-created");
    loader::set_user_triggers(&mut tx, &catalog, true).await?;
    tx.commit().await.map_err(|source| SeedError::Database { context: "committing".into(), source })?;

    let mut conn = pool
        .acquire()
        .await
        .map_err(|source| SeedError::Database { context: "acquiring a connection for ANALYZE".into(), source })?;
    loader::analyze(&mut conn, &catalog).await?;

    let summary = SeedSummary { scale, tables, elapsed: started.elapsed() };
    tracing::info!(rows = summary.total_rows(), secs = summary.elapsed.as_secs_f64(), "demo data seeded");
    Ok(summary)
}
