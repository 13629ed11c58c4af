-- agents
SELECT t."id" AS c0, t."name" AS c1 FROM "agents" t WHERE TRUE AND (t."deleted_at" IS NULL AND (t."tenant_id" IS NULL OR t."is_public" OR t."tenant_id" = ANY($1) OR t."id" = ANY($2))) AND (t."is_active" = $3 AND t."tier" <= $4) ORDER BY t."name" ASC, t."id" ASC LIMIT $5;
-- params: [["33333333-3333-3333-3333-333333333333","33333333-3333-3333-3333-333333333334"],["44444444-4444-4444-4444-444444444444"],true,2,101]

-- agents.totalCount
SELECT count(*) AS n FROM "agents" t WHERE TRUE AND (t."deleted_at" IS NULL AND (t."tenant_id" IS NULL OR t."is_public" OR t."tenant_id" = ANY($1) OR t."id" = ANY($2))) AND (t."is_active" = $3 AND t."tier" <= $4);
-- params: [["33333333-3333-3333-3333-333333333333","33333333-3333-3333-3333-333333333334"],["44444444-4444-4444-4444-444444444444"],true,2]

