-- searchKnowledge
SELECT v.cid, v.sid, (1 - v.d)::float8 AS score, v.k0, v.k1, v.u0, v.u1 FROM (SELECT c."id" AS cid, c."source_id" AS sid, c."embedding" <=> $1::vector AS d, c."id" AS k0, c."chunk_index"::int4 AS k1, s."id" AS u0, s."name" AS u1 FROM "knowledge_chunks" c JOIN "knowledge_sources" s ON s."id" = c."source_id" WHERE c."embedding" IS NOT NULL AND c."tenant_id" IS NULL AND (s."deleted_at" IS NULL AND (s."tenant_id" IS NULL OR s."is_public")) ORDER BY c."embedding" <=> $1::vector LIMIT 10) v ORDER BY v.d, v.cid;
-- params: ["[1536 values]"]
-- plan: generic
-- settings: hnsw.ef_search=40, hnsw.iterative_scan=relaxed_order

