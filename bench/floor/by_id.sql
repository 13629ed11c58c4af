-- by_id: one agent by primary key (:id); JSON null when there is none.
-- Plan: Index Scan using agents_pkey.
SELECT (SELECT row_to_json(o)
        FROM agents a
        CROSS JOIN LATERAL (SELECT a.id, a.unique_id AS "uniqueId", a.slug, a.name, upper(a.status::text) AS status,
                                   a.tier, a.is_active AS "isActive",
                                   to_char(a.updated_at AT TIME ZONE 'UTC', E'YYYY-MM-DD"T"HH24\072MI\072SS.US"Z"') AS "updatedAt") o
        WHERE a.id = :id AND a.deleted_at IS NULL)::text AS result;
