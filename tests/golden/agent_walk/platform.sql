-- agents
SELECT t."id" AS c0, t."name" AS c1, t."tenant_id" AS c2 FROM "agents" t WHERE TRUE AND t."deleted_at" IS NULL ORDER BY t."name" ASC, t."id" ASC LIMIT $1;
-- params: [51]

-- agents.tenant
SELECT t."id" AS c0, t."name" AS c1 FROM "tenants" t WHERE t."id" = ANY($1) AND t."deleted_at" IS NULL;
-- params: [["00000000-0000-0000-0000-000000000000"]]

-- agents.prompts
SELECT p.pid AS parent, s.* FROM unnest($1::uuid[]) AS p(pid) CROSS JOIN LATERAL (SELECT t."id" AS c0, t."name" AS c1, t."role_type"::text AS c2, j."id" AS l0, j."is_primary" AS l1 FROM "agent_prompts" j JOIN "prompts" t ON t."id" = j."prompt_id" WHERE j."agent_id" = p.pid AND t."deleted_at" IS NULL ORDER BY t."id" ASC LIMIT $2) s;
-- params: [["00000000-0000-0000-0000-000000000000"],6]

-- agents.knowledgeSources
SELECT p.pid AS parent, s.* FROM unnest($1::uuid[]) AS p(pid) CROSS JOIN LATERAL (SELECT t."id" AS c0, t."name" AS c1, j."id" AS l0 FROM "agent_knowledge" j JOIN "knowledge_sources" t ON t."id" = j."knowledge_source_id" WHERE j."agent_id" = p.pid AND t."deleted_at" IS NULL ORDER BY t."id" ASC LIMIT $2) s;
-- params: [["00000000-0000-0000-0000-000000000000"],4]

-- agents.knowledgeSources.knowledgeChunks
SELECT p.pid AS parent, s.* FROM unnest($1::uuid[]) AS p(pid) CROSS JOIN LATERAL (SELECT t."id" AS c0, t."chunk_index"::int4 AS c1 FROM "knowledge_chunks" t WHERE t."source_id" = p.pid ORDER BY t."id" ASC LIMIT $2) s;
-- params: [["00000000-0000-0000-0000-000000000000"],4]

-- agents.industries
SELECT p.pid AS parent, s.* FROM unnest($1::uuid[]) AS p(pid) CROSS JOIN LATERAL (SELECT t."id" AS c0, t."name" AS c1, j."id" AS l0 FROM "agent_industry_mapping" j JOIN "industries" t ON t."id" = j."industry_id" WHERE j."agent_id" = p.pid ORDER BY t."id" ASC LIMIT $2) s;
-- params: [["00000000-0000-0000-0000-000000000000"],21]

