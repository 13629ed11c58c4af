-- Recall@10 of the HNSW search against exact brute force, with the gateway's ef_search (40), over 50
-- stored chunk embeddings perturbed by uniform noise (±0.01 per component, renormalised).
-- Run on a seeded database (bench/run leaves bench/.data's cluster seeded at SCALE):
--   REGISTRY_DATA_DIR=bench/.data target/release/registry-gateway db start
--   psql "$(REGISTRY_DATA_DIR=bench/.data target/release/registry-gateway db url)" -f bench/vector_recall.sql
SELECT setseed(0.42);
CREATE TEMP TABLE q AS
SELECT c.id AS src,
       l2_normalize((SELECT array_agg(v + (random() - 0.5) * 0.02 ORDER BY i) FROM unnest(c.embedding::real[]) WITH ORDINALITY u(v, i))::vector) AS e
FROM (SELECT id, embedding FROM knowledge_chunks ORDER BY md5(id::text) LIMIT 50) c;
SELECT count(*) AS chunks FROM knowledge_chunks;
DO $$
DECLARE r record; approx uuid[]; exact uuid[]; hits int := 0; total int := 0; t0 timestamptz; ms float8[] := '{}';
BEGIN
  PERFORM set_config('hnsw.ef_search', '40', true);
  PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
  FOR r IN SELECT * FROM q LOOP
    PERFORM set_config('enable_indexscan', 'on', true);
    PERFORM set_config('enable_seqscan', 'off', true);
    t0 := clock_timestamp();
    EXECUTE 'SELECT array_agg(id) FROM (SELECT id FROM knowledge_chunks ORDER BY embedding <=> $1 LIMIT 10) s' INTO approx USING r.e;
    ms := ms || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
    PERFORM set_config('enable_indexscan', 'off', true);
    PERFORM set_config('enable_seqscan', 'on', true);
    EXECUTE 'SELECT array_agg(id) FROM (SELECT id FROM knowledge_chunks ORDER BY embedding <=> $1 LIMIT 10) s' INTO exact USING r.e;
    hits := hits + (SELECT count(*) FROM unnest(approx) a WHERE a = ANY (exact));
    total := total + 10;
  END LOOP;
  RAISE NOTICE 'queries=% recall@10=% p50_ms=% p99_ms=%', total / 10, round(hits::numeric / total, 4),
    round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(ms) x)::numeric, 2),
    round((SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY x) FROM unnest(ms) x)::numeric, 2);
END $$;
