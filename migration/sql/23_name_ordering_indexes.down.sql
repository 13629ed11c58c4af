-- Phase 23 down: drop the (name, id) ordering indexes.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT i.indexrelid::regclass AS idx
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relname LIKE 'ordx\_%\_\_name\_id'
  LOOP
    EXECUTE format('DROP INDEX %s', r.idx);
  END LOOP;
END
$$;
