-- searchKnowledge
WITH v AS MATERIALIZED (SELECT c."id" AS cid, c."source_id" AS sid, c."embedding" <=> $1::real[]::vector AS d FROM "knowledge_chunks" c JOIN "knowledge_sources" s ON s."id" = c."source_id" WHERE c."embedding" IS NOT NULL AND s."deleted_at" IS NULL ORDER BY c."embedding" <=> $1::real[]::vector LIMIT 10) SELECT cid, sid, (1 - d)::float8 AS score FROM v ORDER BY d, cid LIMIT 10;
-- params: ["[1536 values]"]
-- settings: hnsw.ef_search=40, hnsw.iterative_scan=relaxed_order

-- searchKnowledge.chunk
SELECT t."id" AS c0, t."chunk_index"::int4 AS c1 FROM "knowledge_chunks" t WHERE t."id" = ANY($1);
-- params: [["00000000-0000-0000-0000-000000000000"]]

-- searchKnowledge.source
SELECT t."id" AS c0, t."name" AS c1 FROM "knowledge_sources" t WHERE t."id" = ANY($1) AND t."deleted_at" IS NULL;
-- params: [["00000000-0000-0000-0000-000000000000"]]

