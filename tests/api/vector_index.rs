//! pgvector on this machine's CPU: an HNSW build and a cosine query at scale 10 use the index, and
//! so does the gateway's own search statement, planned as it runs (generically).

use std::fmt::Write as _;

use registry_gateway::catalog::Catalog;
use registry_gateway::plan::search::{KnowledgeFilter, KnowledgeVisibility};
use registry_gateway::search::vector::{KnowledgeQuery, hits_statement};
use registry_gateway::tenancy::{Reach, Scope};

use crate::helpers::{empty_database, fetch_of, simple_query_column};

#[tokio::test]
async fn at_scale_ten_nearest_neighbour_search_uses_the_hnsw_index() {
    let db = empty_database().await;
    registry_gateway::database::migrate_up(&db.conn).await.expect("migrate");
    let summary = demo_data::seed(&db.conn, 10).await.expect("seed at scale 10");
    let agents = summary.tables.iter().find(|(t, _)| t == "agents").map(|(_, n)| *n);
    assert_eq!(agents, Some(2540));
    let chunks: i64 = db.scalar("SELECT count(*)::text FROM knowledge_chunks").await.parse().unwrap();
    assert!(chunks >= 10_000, "scale 10 should give at least 10k chunks, got {chunks}");

    let plan = db
        .query_strings(
            "EXPLAIN SELECT id FROM knowledge_chunks
             ORDER BY embedding <=> (SELECT embedding FROM knowledge_chunks ORDER BY id LIMIT 1) LIMIT 10",
        )
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(plan.contains("Index Scan using knowledge_chunks_embedding_hnsw"), "{plan}");

    // The index answers, and the nearest neighbour of a stored vector is itself.
    let top = db
        .scalar(
            "WITH q AS (SELECT id, embedding FROM knowledge_chunks ORDER BY id LIMIT 1)
             SELECT (c.id = q.id)::text FROM knowledge_chunks c, q ORDER BY c.embedding <=> q.embedding LIMIT 1",
        )
        .await;
    assert_eq!(top, "true");

    // The gateway's statement for `searchKnowledge(embedding:, first: 10)`, for the platform and for
    // a tenant: an unfiltered search runs with a generic plan, which must still walk the index, with
    // the query vector a `vector` parameter that nothing converts.
    let catalog = Catalog::from_entities();
    let tenant =
        db.scalar("SELECT id::text FROM tenants WHERE tenant_level = 'enterprise_client' ORDER BY name LIMIT 1").await;
    let tenant = tenant.parse().expect("a tenant id");
    let platform = crate::helpers::PLATFORM_TENANT.parse().expect("the platform's id");
    let scopes = [
        Scope::Tenant { tenant: platform, visible: Reach::Every, private: vec![platform], shared_assets: vec![] },
        Scope::Tenant { tenant, visible: Reach::Tenants(vec![tenant]), private: vec![tenant], shared_assets: vec![] },
    ];
    let (chunk, source) = (
        fetch_of(&catalog, "knowledge_chunks", &["id", "chunk_index"]),
        fetch_of(&catalog, "knowledge_sources", &["id", "name"]),
    );
    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.expect("a connection");
    tokio::spawn(connection);
    for scope in scopes {
        let q = KnowledgeQuery {
            embedding: vec![0.5; 1536],
            hybrid_text: None,
            first: 10,
            min_score: None,
            filter: KnowledgeFilter::default(),
        };
        let sql = hits_statement(&catalog, &KnowledgeVisibility::of(&catalog, &scope), &q, &chunk, &source).unwrap();
        assert!(sql.generic_plan, "an unfiltered search runs with a generic plan");
        // EXPLAIN (GENERIC_PLAN) takes no parameters' values, so it goes by the simple protocol.
        let mut settings = String::new();
        for (name, value) in &sql.settings {
            let _ = write!(settings, "SET LOCAL {name} = '{value}'; ");
        }
        let explain = format!("BEGIN; {settings}EXPLAIN (GENERIC_PLAN, COSTS OFF) {}; ROLLBACK", sql.text);
        let plan = simple_query_column(&client, &explain).await.join("\n");
        assert!(plan.contains("Index Scan using knowledge_chunks_embedding_hnsw"), "{scope:?}:\n{plan}");
        assert!(plan.contains("Order By: (embedding <=> $1)"), "{scope:?}:\n{plan}");
        assert!(!plan.contains("::vector"), "the query vector is converted:\n{plan}");
    }
}
