-- floor-pgoptions: -c random_page_cost=1.1
-- wide_list: the first 1000 agents by id, 10 scalar columns (enums upper-cased, created_at as
-- UTC microseconds). The colons of the to_char pattern are written \072 so that pgbench does not
-- take ":MI" / ":SS" for variables.
-- Plan: Limit → Index Scan using agents_pkey (1000 heap fetches), formatting done in the
-- aggregate for the 1000 rows only. At the default random_page_cost (4) the planner prefers Seq
-- Scan (2,540 rows) + top-N heapsort, measured ~1.5 ms slower (EXPLAIN ANALYZE min 4.7 ms vs
-- 3.2 ms, warm); the data is cached, so the floor session sets random_page_cost = 1.1 (line 1,
-- applied by bench/floor/run and bench/floor/explain through PGOPTIONS), which picks the pkey
-- scan.
SELECT coalesce(json_agg(o ORDER BY a.id), '[]')::text AS result
FROM (SELECT id, unique_id, slug, name, display_name, agent_type, status, tier, is_active, created_at
      FROM agents WHERE deleted_at IS NULL ORDER BY id LIMIT 1000) a
CROSS JOIN LATERAL (SELECT a.id, a.unique_id AS "uniqueId", a.slug, a.name, a.display_name AS "displayName",
                           upper(a.agent_type::text) AS "agentType", upper(a.status::text) AS status,
                           a.tier, a.is_active AS "isActive",
                           to_char(a.created_at AT TIME ZONE 'UTC', E'YYYY-MM-DD"T"HH24\072MI\072SS.US"Z"') AS "createdAt") o;
