-- agents
SELECT t."id" AS c0, t."name" AS c1, t."slug" AS c2, t."tier"::int4 AS c3, t."status"::text AS c4, t."updated_at" AS c5 FROM "agents" t WHERE TRUE AND (t."deleted_at" IS NULL AND (t."tenant_id" IS NULL OR t."is_public" OR t."tenant_id" = ANY($1) OR t."id" = ANY($2))) AND (t."is_active" = $3 AND t."tier" <= $4) AND ((t."name", t."id") > ($5, $6)) ORDER BY t."name" ASC, t."id" ASC LIMIT $7;
-- params: [["33333333-3333-3333-3333-333333333333","33333333-3333-3333-3333-333333333334"],["44444444-4444-4444-4444-444444444444"],true,2,"Regulatory Strategy Advisor","5e27683a-803a-4738-b00a-a27d8f746306",21]

