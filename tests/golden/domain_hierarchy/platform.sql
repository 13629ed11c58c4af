-- domains
SELECT t."id" AS c0, t."name" AS c1 FROM "domains" t WHERE TRUE AND t."deleted_at" IS NULL ORDER BY t."id" ASC LIMIT $1;
-- params: [101]

-- domains.capabilities
SELECT p.pid AS parent, s.* FROM unnest($1::uuid[]) AS p(pid) CROSS JOIN LATERAL (SELECT t."id" AS c0, t."name" AS c1 FROM "capabilities" t WHERE t."domain_id" = p.pid AND t."deleted_at" IS NULL ORDER BY t."id" ASC LIMIT $2) s;
-- params: [["00000000-0000-0000-0000-000000000000"],101]

-- domains.capabilities.jobsToBeDone
SELECT p.pid AS parent, s.* FROM unnest($1::uuid[]) AS p(pid) CROSS JOIN LATERAL (SELECT t."id" AS c0, t."name" AS c1, j."id" AS l0, j."relevance_score"::text AS l1 FROM "capability_jtbd_mapping" j JOIN "jobs_to_be_done" t ON t."id" = j."jtbd_id" WHERE j."capability_id" = p.pid AND t."deleted_at" IS NULL ORDER BY t."id" ASC LIMIT $2) s;
-- params: [["00000000-0000-0000-0000-000000000000"],101]

-- domains.capabilities.jobsToBeDone.personas
SELECT p.pid AS parent, s.* FROM unnest($1::uuid[]) AS p(pid) CROSS JOIN LATERAL (SELECT t."id" AS c0, t."name" AS c1, j."id" AS l0 FROM "jtbd_personas" j JOIN "personas" t ON t."id" = j."persona_id" WHERE j."jtbd_id" = p.pid AND t."deleted_at" IS NULL ORDER BY t."id" ASC LIMIT $2) s;
-- params: [["00000000-0000-0000-0000-000000000000"],101]

-- domains.capabilities.jobsToBeDone.personas.roles
SELECT p.pid AS parent, s.* FROM unnest($1::uuid[]) AS p(pid) CROSS JOIN LATERAL (SELECT t."id" AS c0, t."name" AS c1, j."id" AS l0 FROM "persona_role_mapping" j JOIN "org_roles" t ON t."id" = j."role_id" WHERE j."persona_id" = p.pid ORDER BY t."id" ASC LIMIT $2) s;
-- params: [["00000000-0000-0000-0000-000000000000"],101]

