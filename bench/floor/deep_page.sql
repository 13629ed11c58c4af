-- deep_page: active agents with tier <= 2 ordered by (name, id), the 20 rows after the keyset
-- position (:after_name, :after_id), plus hasNextPage (a 21st row exists).
-- Plan: Index Scan using ordx_agents__name_id (migration 23), starting at (:after_name, :after_id)
-- and filtering is_active / tier, until 21 rows are found; the gateway's keyset query compiles to
-- the same row comparison.
SELECT json_build_object(
         'rows', coalesce(json_agg(o ORDER BY p.n) FILTER (WHERE p.n <= 20), '[]'),
         'hasNextPage', count(*) > 20)::text AS result
FROM (SELECT x.*, row_number() OVER (ORDER BY x.name, x.id) AS n
      FROM (SELECT id, name, slug, tier, status, updated_at FROM agents
            WHERE deleted_at IS NULL AND is_active AND tier <= 2
              AND (name, id) > (:after_name, :after_id)
            ORDER BY name, id LIMIT 21) x) p
CROSS JOIN LATERAL (SELECT p.id, p.name, p.slug, p.tier, upper(p.status::text) AS status,
                           to_char(p.updated_at AT TIME ZONE 'UTC', E'YYYY-MM-DD"T"HH24\072MI\072SS.US"Z"') AS "updatedAt") o;
