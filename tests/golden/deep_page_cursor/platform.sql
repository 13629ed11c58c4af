-- agents
SELECT t."id" AS c0, t."name" AS c1 FROM "agents" t WHERE TRUE AND (t."deleted_at" IS NULL AND (t."tenant_id" IS NULL OR t."is_public" OR t."tenant_id" = ANY($1))) AND (t."is_active" = $2 AND t."tier" <= $3) ORDER BY t."name" ASC, t."id" ASC LIMIT $4;
-- params: [["00000000-0000-0000-0000-000000000001"],true,2,101]

-- agents.totalCount
SELECT count(*) AS n FROM "agents" t WHERE TRUE AND (t."deleted_at" IS NULL AND (t."tenant_id" IS NULL OR t."is_public" OR t."tenant_id" = ANY($1))) AND (t."is_active" = $2 AND t."tier" <= $3);
-- params: [["00000000-0000-0000-0000-000000000001"],true,2]

