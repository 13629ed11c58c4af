-- Phase 18 (003 "performance indexes"): indexes that follow from the schema as a whole.

-- 1. Every foreign-key column gets a b-tree index unless a complete (non-partial) index already
--    starts with it. Generic over all tables, so a new FK can never be left unindexed.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.conrelid::regclass AS tbl, cl.relname AS tbl_name, a.attname AS col
    FROM pg_constraint c
    JOIN pg_class cl ON cl.oid = c.conrelid
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f'
      AND cl.relnamespace = current_schema()::regnamespace
      AND cardinality(c.conkey) = 1
      AND NOT EXISTS (
        SELECT 1 FROM pg_index i
        WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1] AND i.indpred IS NULL
      )
    ORDER BY 2, 3
  LOOP
    EXECUTE format('CREATE INDEX %I ON %s (%I)', left('fkx_' || r.tbl_name || '__' || r.col, 63), r.tbl, r.col);
  END LOOP;
END
$$;

-- 2. Trigram indexes on the display name of every searchable registry table (typo-tolerant and
--    prefix search; the full-text expression indexes live with their tables).
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.table_name, c.column_name
    FROM information_schema.columns c
    WHERE c.table_schema = current_schema()
      AND c.table_name IN ('agents', 'personas', 'jobs_to_be_done', 'prompts', 'skills', 'tools', 'workflows',
                           'tasks', 'knowledge_sources', 'templates', 'use_cases', 'domains', 'capabilities',
                           'solutions')
      AND c.column_name IN ('name', 'title')
    ORDER BY 1, 2
  LOOP
    EXECUTE format('CREATE INDEX %I ON %I USING gin (%I gin_trgm_ops)',
                   left('trgm_' || r.table_name || '__' || r.column_name, 63), r.table_name, r.column_name);
  END LOOP;
END
$$;
