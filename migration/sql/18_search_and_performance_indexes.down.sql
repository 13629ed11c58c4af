DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT indexname FROM pg_indexes
    WHERE schemaname = current_schema() AND (indexname LIKE 'fkx\_%' OR indexname LIKE 'trgm\_%')
  LOOP
    EXECUTE format('DROP INDEX %I', r.indexname);
  END LOOP;
END
$$;
