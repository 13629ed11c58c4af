-- searchKnowledge
WITH v AS MATERIALIZED (SELECT c."id" AS cid, c."source_id" AS sid, c."embedding" <=> $1::real[]::vector AS d FROM "knowledge_chunks" c JOIN "knowledge_sources" s ON s."id" = c."source_id" WHERE c."embedding" IS NOT NULL AND (c."tenant_id" IS NULL OR c."tenant_id" = ANY($2)) AND (s."deleted_at" IS NULL AND (s."tenant_id" IS NULL OR s."is_public" OR s."tenant_id" = ANY($3) OR s."id" = ANY($4))) ORDER BY c."embedding" <=> $1::real[]::vector LIMIT 10) SELECT cid, sid, (1 - d)::float8 AS score FROM v ORDER BY d, cid LIMIT 10;
-- params: ["[1536 values]",["33333333-3333-3333-3333-333333333333","33333333-3333-3333-3333-333333333334"],["33333333-3333-3333-3333-333333333333","33333333-3333-3333-3333-333333333334"],["44444444-4444-4444-4444-444444444444"]]
-- settings: hnsw.ef_search=40, hnsw.iterative_scan=relaxed_order

-- searchKnowledge.chunk
SELECT t."id" AS c0, t."chunk_index"::int4 AS c1 FROM "knowledge_chunks" t WHERE t."id" = ANY($1) AND (t."tenant_id" IS NULL OR t."tenant_id" = ANY($2));
-- params: [["00000000-0000-0000-0000-000000000000"],["33333333-3333-3333-3333-333333333333","33333333-3333-3333-3333-333333333334"]]

-- searchKnowledge.source
SELECT t."id" AS c0, t."name" AS c1 FROM "knowledge_sources" t WHERE t."id" = ANY($1) AND (t."deleted_at" IS NULL AND (t."tenant_id" IS NULL OR t."is_public" OR t."tenant_id" = ANY($2) OR t."id" = ANY($3)));
-- params: [["00000000-0000-0000-0000-000000000000"],["33333333-3333-3333-3333-333333333333","33333333-3333-3333-3333-333333333334"],["44444444-4444-4444-4444-444444444444"]]

