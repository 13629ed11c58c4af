-- agents
SELECT t."id" AS c0, t."name" AS c1, t."slug" AS c2, t."tier"::int4 AS c3, t."status"::text AS c4, t."updated_at" AS c5 FROM "agents" t WHERE TRUE AND t."deleted_at" IS NULL AND (t."is_active" = $1 AND t."tier" <= $2) AND ((t."name", t."id") > ($3, $4)) ORDER BY t."name" ASC, t."id" ASC LIMIT $5;
-- params: [true,2,"Regulatory Strategy Advisor","5e27683a-803a-4738-b00a-a27d8f746306",21]

