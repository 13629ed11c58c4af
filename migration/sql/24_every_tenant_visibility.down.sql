-- Phase 24 down: the policies without their "every tenant" arm, and the functions as migration 19
-- made them. DROP FUNCTION (without CASCADE) fails if any policy still uses the arm.
DO $$
DECLARE
  r record;
  arm constant text := '(( SELECT app_every_tenant_visible() AS app_every_tenant_visible) OR ';
BEGIN
  FOR r IN
    SELECT tablename, qual, with_check FROM pg_policies
    WHERE schemaname = current_schema() AND policyname = 'tenant_isolation' AND starts_with(qual, arm)
      AND starts_with(with_check, arm)
    ORDER BY tablename
  LOOP
    EXECUTE format('ALTER POLICY tenant_isolation ON %I USING (%s) WITH CHECK (%s)', r.tablename,
                   left(substr(r.qual, length(arm) + 1), -1), left(substr(r.with_check, length(arm) + 1), -1));
  END LOOP;
END
$$;

DROP FUNCTION app_every_tenant_visible();

CREATE OR REPLACE FUNCTION app_setting_uuids(setting text) RETURNS uuid[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN coalesce(current_setting(setting, true), '') = '' THEN '{}'::uuid[]
              ELSE string_to_array(current_setting(setting, true), ',')::uuid[] END
$$;
