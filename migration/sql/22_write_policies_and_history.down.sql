-- Undoes migration 22: the history triggers, the write policies (and the RLS it switched on for
-- global tables), the writer's grants and the helper functions. The role is left in the cluster
-- (other databases of the cluster may use it), as migration 21 leaves registry_reader.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.relname::text AS name FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
    WHERE c.relnamespace = current_schema()::regnamespace AND tg.tgname = 'audit_write' AND NOT tg.tgisinternal
  LOOP
    EXECUTE format('DROP TRIGGER audit_write ON %I', r.name);
  END LOOP;
  FOR r IN
    SELECT tablename::text AS name, policyname::text AS policy FROM pg_policies
    WHERE schemaname = current_schema() AND policyname IN ('write_insert', 'write_update', 'write_delete', 'global_rows')
  LOOP
    EXECUTE format('DROP POLICY %I ON %I', r.policy, r.name);
    IF r.policy = 'global_rows' THEN
      EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', r.name);
    END IF;
  END LOOP;
END
$$;

REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM registry_writer;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM registry_writer;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM registry_writer;
REVOKE USAGE ON SCHEMA public FROM registry_writer;

DROP FUNCTION app_audit_write();
DROP FUNCTION app_row_visible(regclass, text, anyelement);
DROP FUNCTION app_platform_admin();
DROP FUNCTION app_member_tenant_id();
DROP FUNCTION app_curator_tenant_ids();
DROP FUNCTION app_user_id();

DROP FUNCTION IF EXISTS registry_reference(uuid, uuid, text);
