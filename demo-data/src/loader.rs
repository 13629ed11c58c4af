//! Database side of seeding: truncating, switching user triggers off while loading (so that
//! triggers stamping `now()` cannot break determinism), streaming COPY data, filling the
//! foreign keys deferred to break cycles, and ANALYZE.

use super::SeedError;
use super::catalog::{Catalog, MIGRATIONS_TABLE};
use super::copy_writer::{CopyBuffer, Value, copy_statement, quote_ident};
use super::generator::{TableGen, World};
use sea_orm::sqlx::{self, PgConnection, Row};

/// Bytes of COPY data sent per message.
const CHUNK_BYTES: usize = 1 << 20;

/// Secondary indexes that are much cheaper to build once after the load than to maintain
/// row by row: vector (HNSW / IVFFlat) and GIN indexes not backing a constraint.
const DEFERRABLE_INDEXES_SQL: &str = r"
SELECT i.relname::text AS name, pg_get_indexdef(i.oid) AS def,
       obj_description(i.oid, 'pg_class') AS comment
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
WHERE n.nspname = 'public' AND am.amname IN ('hnsw', 'ivfflat', 'gin')
  AND NOT ix.indisunique AND NOT ix.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
ORDER BY i.relname";

/// An index dropped for the load and re-created afterwards.
pub struct DeferredIndex {
    name: String,
    def: String,
    comment: Option<String>,
}

/// Drops the vector and GIN indexes (inside the seeding transaction) and returns their
/// definitions for [`recreate_indexes`].
pub async fn drop_deferrable_indexes(conn: &mut PgConnection) -> Result<Vec<DeferredIndex>, SeedError> {
    let rows =
        sqlx::query(DEFERRABLE_INDEXES_SQL).fetch_all(&mut *conn).await.map_err(db_err("listing secondary indexes"))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let get = |c: &str| row.try_get::<Option<String>, _>(c).map_err(db_err(format!("reading index {c}")));
        let (Some(name), Some(def)) = (get("name")?, get("def")?) else { continue };
        out.push(DeferredIndex { name, def, comment: get("comment")? });
    }
    for idx in &out {
        exec(conn, &format!("DROP INDEX public.{}", quote_ident(&idx.name)), "dropping an index for the load").await?;
    }
    Ok(out)
}

/// Re-creates the indexes dropped by [`drop_deferrable_indexes`], with their comments.
pub async fn recreate_indexes(conn: &mut PgConnection, indexes: &[DeferredIndex]) -> Result<(), SeedError> {
    // Vector graphs build much faster when they fit in memory; local to the transaction.
    exec(conn, "SET LOCAL maintenance_work_mem = '512MB'", "raising maintenance_work_mem").await?;
    for idx in indexes {
        exec(conn, &idx.def, &format!("re-creating index {}", idx.name)).await?;
        if let Some(c) = &idx.comment {
            let sql = format!("COMMENT ON INDEX public.{} IS '{}'", quote_ident(&idx.name), c.replace('\'', "''"));
            exec(conn, &sql, "restoring an index comment").await?;
        }
    }
    Ok(())
}

fn db_err(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> SeedError {
    let context = context.into();
    move |source| SeedError::Database { context, source }
}

pub async fn exec(conn: &mut PgConnection, sql: &str, context: &str) -> Result<(), SeedError> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut *conn).await.map(|_| ()).map_err(db_err(context))
}

/// One `TRUNCATE ... RESTART IDENTITY CASCADE` over every table of the public schema except
/// the migrations table.
pub async fn truncate_all(conn: &mut PgConnection, catalog: &Catalog) -> Result<(), SeedError> {
    let names: Vec<String> = catalog
        .tables
        .iter()
        .filter(|t| t.name != MIGRATIONS_TABLE)
        .map(|t| format!("public.{}", quote_ident(&t.name)))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let sql = format!("TRUNCATE TABLE {} RESTART IDENTITY CASCADE", names.join(", "));
    exec(conn, &sql, "truncating the public schema").await
}

/// Enables or disables the user (non-internal) triggers of the tables that have some.
/// FK constraint triggers are internal and stay active.
pub async fn set_user_triggers(conn: &mut PgConnection, catalog: &Catalog, enabled: bool) -> Result<(), SeedError> {
    for t in catalog.tables.iter().filter(|t| t.has_user_triggers) {
        let sql = format!(
            "ALTER TABLE public.{} {} TRIGGER USER",
            quote_ident(&t.name),
            if enabled { "ENABLE" } else { "DISABLE" }
        );
        exec(conn, &sql, &format!("switching triggers of {}", t.name)).await?;
    }
    Ok(())
}

/// Generates and streams the rows of table `ti`; returns the rows written.
pub async fn load_table(conn: &mut PgConnection, world: &mut World<'_>, ti: usize) -> Result<u64, SeedError> {
    let catalog = world.catalog;
    let table = &catalog.tables[ti];
    let mut generator = TableGen::new(world, ti)?;
    let columns: Vec<&str> = generator.copy_cols.iter().map(|&c| table.columns[c].name.as_str()).collect();
    let statement = copy_statement(&table.name, &columns);
    let mut copy = conn.copy_in_raw(&statement).await.map_err(db_err(format!("starting COPY into {}", table.name)))?;
    let mut buf = CopyBuffer::new(CHUNK_BYTES);
    let mut generating = std::time::Duration::ZERO;
    loop {
        let t0 = std::time::Instant::now();
        let Some(row) = generator.next_row(world) else { break };
        buf.push_row(&row);
        generating += t0.elapsed();
        if buf.is_full() {
            copy.send(buf.take()).await.map_err(db_err(format!("sending COPY data to {}", table.name)))?;
        }
    }
    if !buf.is_empty() {
        copy.send(buf.take()).await.map_err(db_err(format!("sending COPY data to {}", table.name)))?;
    }
    let written = copy.finish().await.map_err(db_err(format!("loading {}", table.name)))?;
    tracing::debug!(
        table = %table.name,
        skipped = generator.skipped,
        generate_ms = generating.as_millis() as u64,
        "table generated"
    );
    world.finish_table(ti, generator.into_rows());
    Ok(written)
}

/// Fills the foreign keys that were left NULL to break cycles (e.g. `tenants.created_by`),
/// through a temporary table and one UPDATE per column.
pub async fn fill_deferred(conn: &mut PgConnection, world: &World<'_>) -> Result<(), SeedError> {
    let catalog = world.catalog;
    for &ti in &world.plan.order {
        let table = &catalog.tables[ti];
        for &fi in &world.plan.tables[ti].deferred {
            let f = &table.fks[fi];
            if f.columns.len() != 1 || !table.has("id") {
                continue;
            }
            let col = &table.columns[f.columns[0]];
            let pairs = TableGen::deferred_values(world, ti, fi);
            if pairs.is_empty() {
                continue;
            }
            let ref_col = f.ref_columns.first().map_or("id", String::as_str);
            let ref_table = catalog.table_index(&f.ref_table).map(|r| &catalog.tables[r]);
            let value_type = ref_table
                .and_then(|t| t.col(ref_col).map(|c| t.columns[c].sql_type.clone()))
                .unwrap_or_else(|| "uuid".to_string());
            exec(
                conn,
                &format!("CREATE TEMP TABLE seed_deferred (id uuid PRIMARY KEY, v {value_type}) ON COMMIT DROP"),
                "creating the deferred-FK staging table",
            )
            .await?;
            let mut copy = conn
                .copy_in_raw("COPY seed_deferred (id, v) FROM STDIN WITH (FORMAT text)")
                .await
                .map_err(db_err("starting COPY of deferred FKs"))?;
            let mut buf = CopyBuffer::new(CHUNK_BYTES);
            for (id, v) in pairs {
                buf.push_row(&[Value::Uuid(id), v]);
            }
            copy.send(buf.take()).await.map_err(db_err("sending deferred FKs"))?;
            copy.finish().await.map_err(db_err("loading deferred FKs"))?;
            let sql = format!(
                "UPDATE public.{t} AS x SET {c} = s.v FROM seed_deferred s WHERE x.id = s.id",
                t = quote_ident(&table.name),
                c = quote_ident(&col.name)
            );
            exec(conn, &sql, &format!("filling {}.{}", table.name, col.name)).await?;
            exec(conn, "DROP TABLE seed_deferred", "dropping the staging table").await?;
        }
    }
    Ok(())
}

/// ANALYZE of every seeded table, in its own short transaction so that a session
/// statement timeout cannot cut it off.
pub async fn analyze(conn: &mut PgConnection, catalog: &Catalog) -> Result<(), SeedError> {
    let names: Vec<String> = catalog.tables.iter().map(|t| format!("public.{}", quote_ident(&t.name))).collect();
    if names.is_empty() {
        return Ok(());
    }
    let sql = format!("BEGIN; SET LOCAL statement_timeout = 0; ANALYZE {}; COMMIT", names.join(", "));
    let result = exec(conn, &sql, "analyzing").await;
    if result.is_err() {
        // Leave the pooled connection usable; the original error is the one to report.
        let _ = exec(conn, "ROLLBACK", "rolling back ANALYZE").await;
    }
    result
}
