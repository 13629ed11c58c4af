-- agent
SELECT t."id" AS c0, t."unique_id" AS c1, t."slug" AS c2, t."name" AS c3, t."status"::text AS c4, t."tier"::int4 AS c5, t."is_active" AS c6, t."updated_at" AS c7 FROM "agents" t WHERE t."id" = $1 AND (t."deleted_at" IS NULL AND (t."tenant_id" IS NULL OR t."is_public"));
-- params: ["5e27683a-803a-4738-b00a-a27d8f746306"]
-- plan: generic

