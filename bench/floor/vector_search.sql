-- floor-pgoptions: -c hnsw.ef_search=40 -c hnsw.iterative_scan=relaxed_order
-- vector_search: the 10 chunks nearest (cosine distance) to the embedding of chunk :chunk_id,
-- with their sources; score = 1 - distance rounded to 5 decimals. Same filter as the gateway's
-- ranking statement (embedding IS NOT NULL, source not soft-deleted), re-sorted by (distance, id)
-- because relaxed_order may return neighbours slightly out of order. Line 1 holds the gateway's
-- HNSW settings; bench/floor/run and bench/floor/explain apply it through PGOPTIONS (session
-- settings, so the statement stays one statement).
-- Plan: InitPlan (knowledge_chunks_pkey) reads the query vector once; Limit → Nested Loop →
-- Index Scan using knowledge_chunks_embedding_hnsw (Order By: embedding <=> InitPlan) + Memoize →
-- knowledge_sources_pkey.
SELECT coalesce(json_agg(o ORDER BY v.d, v.id), '[]')::text AS result
FROM (SELECT c.id, c.chunk_index, c.source_id, s.name AS source_name,
             c.embedding <=> (SELECT q.embedding FROM knowledge_chunks q WHERE q.id = :chunk_id) AS d
      FROM knowledge_chunks c JOIN knowledge_sources s ON s.id = c.source_id
      WHERE c.embedding IS NOT NULL AND s.deleted_at IS NULL
      ORDER BY d LIMIT 10) v
CROSS JOIN LATERAL (SELECT v.id AS "chunkId", v.chunk_index AS "chunkIndex", v.source_id AS "sourceId",
                           v.source_name AS "sourceName", round((1 - v.d)::numeric, 5) AS score) o;
