-- domain_hierarchy, the textbook way (NOT the floor; kept for comparison): one correlated subquery
-- per level, each reading its children through the FK/junction btree whose second column is the
-- child id (capability_jtbd_mapping (capability_id, jtbd_id), jtbd_personas (jtbd_id, persona_id),
-- persona_role_mapping (persona_id, role_id)), LIMIT 100 inside every subquery; no seq scan of a
-- large table. Same answer as ../domain_hierarchy.sql, but it rebuilds the JSON of a persona (and
-- of its roles) under every JTBD that links it: ~19,700 subplan runs; measured ~1.5x the time of the floor statement.
--   bench/floor/explain DB_URL   with WORKLOADS=alt/domain_hierarchy_nested checks its plan;
--   bench/floor/run DB_URL alt/domain_hierarchy_nested C D   times it.
SELECT coalesce(json_agg(o ORDER BY d.id), '[]')::text
FROM (SELECT id, name FROM domains WHERE deleted_at IS NULL ORDER BY id LIMIT 100) d
CROSS JOIN LATERAL (SELECT d.id, d.name, (SELECT coalesce(json_agg(o ORDER BY c.id), '[]')
  FROM (SELECT c.id, c.name FROM capabilities c WHERE c.domain_id = d.id AND c.deleted_at IS NULL ORDER BY c.id LIMIT 100) c
  CROSS JOIN LATERAL (SELECT c.id, c.name, (SELECT coalesce(json_agg(o ORDER BY j.id), '[]')
    FROM (SELECT m.relevance_score, j.id, j.name FROM capability_jtbd_mapping m JOIN jobs_to_be_done j ON j.id = m.jtbd_id
          WHERE m.capability_id = c.id AND j.deleted_at IS NULL ORDER BY m.jtbd_id LIMIT 100) j
    CROSS JOIN LATERAL (SELECT trim_scale(j.relevance_score)::text AS "relevanceScore", j.id, j.name, (SELECT coalesce(json_agg(o ORDER BY p.id), '[]')
      FROM (SELECT p.id, p.name FROM jtbd_personas m JOIN personas p ON p.id = m.persona_id
            WHERE m.jtbd_id = j.id AND p.deleted_at IS NULL ORDER BY m.persona_id LIMIT 100) p
      CROSS JOIN LATERAL (SELECT p.id, p.name, (SELECT coalesce(json_agg(r ORDER BY r.id), '[]')
        FROM (SELECT r.id, r.name FROM persona_role_mapping m JOIN org_roles r ON r.id = m.role_id
              WHERE m.persona_id = p.id ORDER BY m.role_id LIMIT 100) r) AS roles) o) AS personas) o) AS jtbds) o) AS capabilities) o;
