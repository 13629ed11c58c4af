//! The schema after `migrate up`, and the migrations' own behaviour (down to zero, up again, idempotent up).

use registry_gateway::database::{self, SchemaState};

use crate::helpers::{empty_database, project_dir};

/// The 106 table names of the reconciled catalogue (docs/tables.txt, a copy of shared/design/tables.txt).
fn catalogue() -> Vec<String> {
    let ours = std::fs::read_to_string(project_dir().join("docs/tables.txt")).expect("docs/tables.txt");
    if let Ok(shared) = std::fs::read_to_string(project_dir().join("../shared/design/tables.txt")) {
        assert_eq!(ours.trim(), shared.trim(), "docs/tables.txt drifted from shared/design/tables.txt");
    }
    ours.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

const SCHEMA_DIGEST: &str = "
    SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
      SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable AS x
        FROM information_schema.columns WHERE table_schema = 'public'
      UNION ALL SELECT indexname || ':' || indexdef FROM pg_indexes WHERE schemaname = 'public'
      UNION ALL SELECT tablename || ':' || policyname || ':' || coalesce(qual, '') FROM pg_policies WHERE schemaname = 'public'
    ) s";

#[tokio::test]
async fn migrate_up_creates_every_catalogue_table_enum_index_and_policy() {
    let db = empty_database().await;
    assert_eq!(database::schema_state(&db.conn).await.unwrap(), SchemaState::Empty);
    database::migrate_up(&db.conn).await.expect("migrate up");
    assert_eq!(database::schema_state(&db.conn).await.unwrap(), SchemaState::Current);

    let tables: Vec<String> = db
        .query_strings("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'seaql_migrations' ORDER BY 1")
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let mut expected = catalogue();
    expected.sort();
    assert_eq!(expected.len(), 106);
    assert_eq!(tables, expected, "the migrated tables must be exactly the catalogue");

    let enums = db
        .query_strings("SELECT t.typname::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e' ORDER BY 1")
        .await;
    let enum_names: Vec<&str> = enums.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(enum_names.len(), 20, "{enum_names:?}");
    for name in
        ["agent_status", "functional_area_type", "tenant_level", "prompt_role_type", "message_role", "approval_status"]
    {
        assert!(enum_names.contains(&name), "missing enum {name}");
    }

    let unindexed = db
        .query_strings(
            "SELECT cl.relname || '.' || a.attname
             FROM pg_constraint c
             JOIN pg_class cl ON cl.oid = c.conrelid
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
             WHERE c.contype = 'f' AND cl.relnamespace = 'public'::regnamespace
               AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid
                               AND i.indkey[0] = c.conkey[1] AND i.indpred IS NULL)
             ORDER BY 1",
        )
        .await;
    assert!(unindexed.is_empty(), "foreign keys without an index: {unindexed:?}");
    let fk_count: i64 = db
        .scalar(
            "SELECT count(*)::text FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace",
        )
        .await
        .parse()
        .unwrap();
    assert!(fk_count > 300, "expected the registry's ~400 foreign keys, found {fk_count}");

    let without_rls = db
        .query_strings(
            "SELECT c.relname::text FROM pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
               AND (c.relname = 'tenants' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'))
               AND NOT (c.relrowsecurity AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
             ORDER BY 1",
        )
        .await;
    assert!(without_rls.is_empty(), "tenant-scoped tables without RLS: {without_rls:?}");
    let scoped: i64 = db
        .scalar("SELECT count(*)::text FROM pg_policies WHERE policyname = 'tenant_isolation'")
        .await
        .parse()
        .unwrap();
    assert!(scoped >= 90, "only {scoped} tables have the tenant policy");

    // The chunk embedding: vector(1536) with an HNSW cosine index.
    assert_eq!(
        db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'knowledge_chunks'::regclass AND attname = 'embedding'").await,
        "vector(1536)"
    );
    let hnsw = db
        .scalar("SELECT count(*)::text FROM pg_indexes WHERE tablename = 'knowledge_chunks' AND indexdef LIKE '%USING hnsw (embedding vector_cosine_ops)%'")
        .await;
    assert_eq!(hnsw, "1");
    let gin = db
        .scalar("SELECT count(*)::text FROM pg_indexes WHERE schemaname = 'public' AND indexdef LIKE '%USING gin%'")
        .await;
    assert!(gin.parse::<i64>().unwrap() >= 20, "expected GIN indexes for jsonb, text[] and full text, found {gin}");
}

#[tokio::test]
async fn migrations_go_down_to_zero_and_up_again_and_up_is_idempotent() {
    let db = empty_database().await;
    database::migrate_up(&db.conn).await.expect("first up");
    let digest = db.scalar(SCHEMA_DIGEST).await;

    database::migrate_up(&db.conn).await.expect("up on an up-to-date database");
    assert_eq!(db.scalar(SCHEMA_DIGEST).await, digest, "a second up changed the schema");
    assert_eq!(db.scalar("SELECT count(*)::text FROM seaql_migrations").await, migration::MIGRATIONS.len().to_string());

    database::migrate_down(&db.conn, None).await.expect("down to zero");
    let left = db
        .query_strings("SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v', 'm', 'S') AND relname <> 'seaql_migrations'")
        .await;
    assert!(left.is_empty(), "down left relations behind: {left:?}");
    let enums = db
        .scalar("SELECT count(*)::text FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype = 'e'")
        .await;
    assert_eq!(enums, "0", "down left enum types behind");
    assert_eq!(database::schema_state(&db.conn).await.unwrap(), SchemaState::Empty);

    database::migrate_up(&db.conn).await.expect("up again");
    assert_eq!(db.scalar(SCHEMA_DIGEST).await, digest, "up after down built a different schema");
}

#[tokio::test]
async fn a_partly_migrated_database_is_reported_as_such() {
    let db = empty_database().await;
    <migration::Migrator as sea_orm_migration::MigratorTrait>::up(&db.conn, Some(5))
        .await
        .expect("first five migrations");
    let state = database::schema_state(&db.conn).await.unwrap();
    match state {
        SchemaState::Partial { applied, total, next } => {
            assert_eq!(applied, 5);
            assert_eq!(total, migration::MIGRATIONS.len());
            assert_eq!(next, "06_personas_and_jtbds");
        }
        other => panic!("expected a partial schema, got {other:?}"),
    }
    let err = database::require_current_schema(&db.conn).await.unwrap_err();
    assert!(err.to_string().contains("partly migrated (5 of 24"), "{err}");
}
