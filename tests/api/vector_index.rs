//! pgvector on this machine's CPU: an HNSW build and a cosine query at scale 10 use the index.

use crate::helpers::empty_database;

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
}
