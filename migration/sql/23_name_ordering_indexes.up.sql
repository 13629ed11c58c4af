-- Phase 23: lists ordered by name (the playground's and the apps' usual ordering) read in index
-- order. Every table with `name` and `id` columns gets a b-tree on (name, id): the ordering the
-- gateway writes for `orderBy: [NAME_ASC]` (id breaks ties), so a page is read from the index
-- starting at its cursor (`(name, id) > ($1, $2)`) instead of sorting every visible row. Tables
-- with soft deletion index only live rows, as every read asks for `deleted_at IS NULL`.
-- Generic over all tables, as the foreign-key indexes of phase 18 are.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.oid::regclass AS tbl, c.relname AS tbl_name,
           EXISTS (SELECT 1 FROM pg_attribute d
                   WHERE d.attrelid = c.oid AND d.attname = 'deleted_at' AND NOT d.attisdropped) AS soft
    FROM pg_class c
    WHERE c.relkind = 'r'
      AND c.relnamespace = current_schema()::regnamespace
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'name' AND NOT a.attisdropped)
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'id' AND NOT a.attisdropped)
    ORDER BY 2
  LOOP
    EXECUTE format('CREATE INDEX %I ON %s (name, id)%s', left('ordx_' || r.tbl_name || '__name_id', 63), r.tbl,
                   CASE WHEN r.soft THEN ' WHERE deleted_at IS NULL' ELSE '' END);
  END LOOP;
END
$$;
