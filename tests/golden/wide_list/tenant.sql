-- agents
SELECT t."id" AS c0, t."unique_id" AS c1, t."slug" AS c2, t."name" AS c3, t."display_name" AS c4, t."agent_type"::text AS c5, t."status"::text AS c6, t."tier"::int4 AS c7, t."is_active" AS c8, t."created_at" AS c9 FROM "agents" t WHERE TRUE AND (t."deleted_at" IS NULL AND (t."tenant_id" IS NULL OR t."is_public" OR t."tenant_id" = ANY($1) OR t."id" = ANY($2))) ORDER BY t."id" ASC LIMIT $3;
-- params: [["33333333-3333-3333-3333-333333333333","33333333-3333-3333-3333-333333333334"],["44444444-4444-4444-4444-444444444444"],101]

