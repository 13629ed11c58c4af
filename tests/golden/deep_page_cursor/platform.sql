-- agents
SELECT t."id" AS c0, t."name" AS c1 FROM "agents" t WHERE TRUE AND t."deleted_at" IS NULL AND (t."is_active" = $1 AND t."tier" <= $2) ORDER BY t."name" ASC, t."id" ASC LIMIT $3;
-- params: [true,2,101]

-- agents.totalCount
SELECT count(*) AS n FROM "agents" t WHERE TRUE AND t."deleted_at" IS NULL AND (t."is_active" = $1 AND t."tier" <= $2);
-- params: [true,2]

