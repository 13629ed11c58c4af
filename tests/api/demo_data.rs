//! The demo data: every table and junction populated, the documents' figures at scale 1, spread
//! over tenants, deterministic.

use crate::helpers::{TestDb, seeded_database};

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.scalar(sql).await.parse().unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn every_table_and_every_junction_has_rows() {
    let db = seeded_database().await;
    let tables = db
        .query_strings("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'seaql_migrations' ORDER BY 1")
        .await;
    assert_eq!(tables.len(), 106);
    let mut empty = Vec::new();
    for t in &tables {
        if count(&db, &format!("SELECT count(*)::text FROM \"{}\"", t[0])).await == 0 {
            empty.push(t[0].clone());
        }
    }
    assert!(empty.is_empty(), "tables without rows: {empty:?}");

    // Junctions: two NOT NULL foreign keys leading one UNIQUE constraint.
    let junctions = db
        .query_strings(
            "SELECT DISTINCT cl.relname::text FROM pg_constraint u
             JOIN pg_class cl ON cl.oid = u.conrelid
             WHERE u.contype = 'u' AND cl.relnamespace = 'public'::regnamespace AND cardinality(u.conkey) >= 2
               AND (SELECT count(*) FROM pg_constraint f WHERE f.conrelid = u.conrelid AND f.contype = 'f'
                    AND f.conkey[1] IN (u.conkey[1], u.conkey[2])) = 2",
        )
        .await;
    assert!(junctions.len() >= 40, "expected the registry's junctions, found {}", junctions.len());
    for j in &junctions {
        assert!(
            count(&db, &format!("SELECT count(*)::text FROM \"{}\"", j[0])).await > 0,
            "junction {} is empty",
            j[0]
        );
    }
}

#[tokio::test]
async fn scale_one_matches_the_documents() {
    let db = seeded_database().await;
    for (sql, expected) in [
        ("SELECT count(*)::text FROM agents", 254),
        ("SELECT count(*)::text FROM personas", 335),
        ("SELECT count(*)::text FROM jobs_to_be_done", 338),
        ("SELECT count(*)::text FROM industries", 6),
        ("SELECT count(*)::text FROM org_functions", 14),
        ("SELECT count(*)::text FROM solutions", 5),
        ("SELECT count(*)::text FROM solution_industry_matrix", 30),
        ("SELECT count(*)::text FROM services_registry", 4),
        ("SELECT count(DISTINCT role_type)::text FROM prompts", 7),
        ("SELECT count(DISTINCT tenant_level)::text FROM tenants", 5),
        ("SELECT (max(hierarchy_depth) + 1)::text FROM tenants", 5),
    ] {
        assert_eq!(count(&db, sql).await, expected, "{sql}");
    }
    // 003's fixed tenants and the matrix's check marks.
    assert_eq!(
        db.scalar("SELECT name FROM tenants WHERE id = '11111111-1111-1111-1111-111111111111'").await,
        "Pharma Solutions Lab"
    );
    assert_eq!(
        db.scalar("SELECT name FROM tenants WHERE id = '22222222-2222-2222-2222-222222222222'").await,
        "Acme Pharmaceuticals"
    );
    assert_eq!(count(&db, "SELECT count(*)::text FROM solution_industry_matrix WHERE is_available").await, 25);
    assert_eq!(
        count(&db, "SELECT count(*)::text FROM org_functions WHERE code IN ('MA', 'COMM', 'HEOR', 'BD')").await,
        4
    );
}

#[tokio::test]
async fn data_spreads_over_tenants_and_the_shared_registry() {
    let db = seeded_database().await;
    // Registry assets: shared rows and private rows of at least three tenants, in every such table.
    let registry_tables = db
        .query_strings(
            "SELECT table_name::text FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'is_public'
             INTERSECT SELECT table_name::text FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant_id'",
        )
        .await;
    assert!(registry_tables.len() >= 14);
    for t in &registry_tables {
        let t = &t[0];
        if t == "solutions" {
            // The five documented solutions are the whole table at scale 1 (checked above).
            continue;
        }
        let shared =
            count(&db, &format!("SELECT count(*)::text FROM \"{t}\" WHERE tenant_id IS NULL OR is_public")).await;
        let tenants = count(
            &db,
            &format!(
                "SELECT count(DISTINCT tenant_id)::text FROM \"{t}\" WHERE NOT is_public AND tenant_id IS NOT NULL"
            ),
        )
        .await;
        assert!(shared > 0, "{t} has no shared rows");
        assert!(tenants >= 3, "{t} has private rows in only {tenants} tenants");
    }
    // Tenant-private tables: rows in at least three tenants each.
    let private_tables = db
        .query_strings("SELECT table_name::text FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant_id' AND is_nullable = 'NO'")
        .await;
    for t in &private_tables {
        let tenants = count(&db, &format!("SELECT count(DISTINCT tenant_id)::text FROM \"{}\"", t[0])).await;
        assert!(tenants >= 3, "{} has rows in only {tenants} tenants", t[0]);
    }
    // A private asset never links to another tenant's private asset.
    let crossed = count(
        &db,
        "SELECT count(*)::text FROM agent_prompts ap JOIN agents a ON a.id = ap.agent_id JOIN prompts p ON p.id = ap.prompt_id
         WHERE a.tenant_id IS NOT NULL AND p.tenant_id IS NOT NULL AND a.tenant_id <> p.tenant_id",
    )
    .await;
    assert_eq!(crossed, 0, "agent_prompts links private assets of different tenants");
}

#[tokio::test]
async fn embeddings_are_unit_norm_with_1536_dimensions() {
    let db = seeded_database().await;
    assert_eq!(count(&db, "SELECT count(*)::text FROM knowledge_chunks WHERE embedding IS NULL").await, 0);
    assert_eq!(
        db.scalar(
            "SELECT min(vector_dims(embedding))::text || '-' || max(vector_dims(embedding))::text FROM knowledge_chunks"
        )
        .await,
        "1536-1536"
    );
    let worst: f64 =
        db.scalar("SELECT max(abs(vector_norm(embedding) - 1))::text FROM knowledge_chunks").await.parse().unwrap();
    assert!(worst < 1e-3, "an embedding is off unit norm by {worst}");
}

/// `table=md5 of all its rows in id order`, for every table.
async fn table_digests(db: &TestDb) -> Vec<String> {
    let tables = db.query_strings("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'seaql_migrations' ORDER BY 1").await;
    let mut out = Vec::new();
    for t in tables {
        let digest = db
            .scalar(&format!("SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM \"{}\" t", t[0]))
            .await;
        out.push(format!("{}={digest}", t[0]));
    }
    out
}

#[tokio::test]
async fn seeding_twice_gives_identical_data() {
    let db = seeded_database().await;
    let first = table_digests(&db).await;
    let summary = ::demo_data::seed(&db.conn, 1).await.expect("second seed");
    assert_eq!(summary.tables.len(), 106);
    let second = table_digests(&db).await;
    assert_eq!(first.len(), 106);
    assert_eq!(first, second, "two seeds at scale 1 differ");
}
