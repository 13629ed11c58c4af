-- agents
SELECT t."id" AS c0, t."unique_id" AS c1, t."slug" AS c2, t."name" AS c3, t."display_name" AS c4, t."agent_type"::text AS c5, t."status"::text AS c6, t."tier"::int4 AS c7, t."is_active" AS c8, t."created_at" AS c9 FROM "agents" t WHERE TRUE AND t."deleted_at" IS NULL ORDER BY t."id" ASC LIMIT $1;
-- params: [101]

