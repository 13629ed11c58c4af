-- agent_walk: 50 agents by (name, id), each with its tenant, first 5 prompts (isPrimary from the
-- junction), first 3 knowledge sources with their first 3 chunks, and its industries (≤ 20).
-- Objects are built from row values (json_agg(o) of a LATERAL row whose column names are the JSON
-- keys): same output as json_build_object, fewer per-value type lookups.
-- Plan: the first 50 agents by name from the (name, id) btree of migration 23 (before it, a Seq
-- Scan of all 2,540 and a top-N heapsort, ~1 ms; the gateway reads the same way). Then, per agent:
-- tenants by pkey; agent_prompts / agent_knowledge / agent_industry_mapping through their unique
-- (agent_id, <target>_id) btrees (each link list is ordered by the target id, so LIMIT stops
-- early); prompts / knowledge_sources by pkey; knowledge_chunks through (source_id, chunk_index)
-- + top-3 sort by id (~10 chunks per source). industries (6 rows) may be seq scanned.
SELECT coalesce(json_agg(o ORDER BY a.name, a.id), '[]')::text AS result
FROM (SELECT id, name, tenant_id FROM agents WHERE deleted_at IS NULL ORDER BY name, id LIMIT 50) a
CROSS JOIN LATERAL (SELECT a.id, a.name,
  (SELECT t FROM (SELECT t.id, t.name FROM tenants t WHERE t.id = a.tenant_id AND t.deleted_at IS NULL) t) AS tenant,
  (SELECT coalesce(json_agg(s ORDER BY s.id), '[]')
   FROM (SELECT ap.is_primary AS "isPrimary", p.id, p.name, upper(p.role_type::text) AS "roleType"
         FROM agent_prompts ap JOIN prompts p ON p.id = ap.prompt_id
         WHERE ap.agent_id = a.id AND p.deleted_at IS NULL
         ORDER BY ap.prompt_id LIMIT 5) s) AS prompts,
  (SELECT coalesce(json_agg(s ORDER BY s.id), '[]')
   FROM (SELECT k.id, k.name,
                (SELECT coalesce(json_agg(c ORDER BY c.id), '[]')
                 FROM (SELECT c.id, c.chunk_index AS "chunkIndex" FROM knowledge_chunks c
                       WHERE c.source_id = k.id ORDER BY c.id LIMIT 3) c) AS chunks
         FROM agent_knowledge ak JOIN knowledge_sources k ON k.id = ak.knowledge_source_id
         WHERE ak.agent_id = a.id AND k.deleted_at IS NULL
         ORDER BY ak.knowledge_source_id LIMIT 3) s) AS "knowledgeSources",
  (SELECT coalesce(json_agg(s ORDER BY s.id), '[]')
   FROM (SELECT i.id, i.name
         FROM agent_industry_mapping m JOIN industries i ON i.id = m.industry_id
         WHERE m.agent_id = a.id ORDER BY m.industry_id LIMIT 20) s) AS industries) o;
