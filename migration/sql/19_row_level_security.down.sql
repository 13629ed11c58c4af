DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = 'tenant_isolation'
  LOOP
    EXECUTE format('DROP POLICY tenant_isolation ON %I', r.tablename);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', r.tablename);
  END LOOP;
END
$$;
DROP FUNCTION app_shared_asset_ids();
DROP FUNCTION app_private_tenant_ids();
DROP FUNCTION app_visible_tenant_ids();
DROP FUNCTION app_current_tenant_id();
DROP FUNCTION app_setting_uuids(text);
