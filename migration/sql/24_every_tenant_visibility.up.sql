-- Phase 24: "every tenant" as one setting value instead of a list of every tenant.
--
-- The platform tenant sees every tenant's rows (src/tenancy.rs). Until now the gateway said so by
-- listing every tenant in app.visible_tenant_ids, so each row a platform caller read was checked
-- against that whole list, once in the gateway's SQL and once here: work that grows with the
-- number of tenants (55 in the scale-10 demo data; bench/README.md, "Every tenant as '*'").
-- The gateway now sets app.visible_tenant_ids to '*' for a caller who reaches every tenant, and
-- leaves the tenant arm out of its own SQL (plan/visibility.rs).
--
-- '*' is trusted as the lists are: only the gateway's own SQL sets these settings, and a list of
-- every tenant already granted the same rows. '*' means every tenant only in app.visible_tenant_ids;
-- in any other list app_setting_uuids reads it as unset, as an empty value: for
-- app.private_tenant_ids the current tenant alone (migration 19's default), for
-- app.curator_tenant_ids no tenant.
CREATE FUNCTION app_every_tenant_visible() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(current_setting('app.visible_tenant_ids', true), '') = '*'
$$;

CREATE OR REPLACE FUNCTION app_setting_uuids(setting text) RETURNS uuid[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN coalesce(current_setting(setting, true), '') IN ('', '*') THEN '{}'::uuid[]
              ELSE string_to_array(current_setting(setting, true), ',')::uuid[] END
$$;

-- Every policy of migration 19 that consults the visible tenants gets a first arm, in USING and in
-- WITH CHECK alike: every tenant visible. The rest of each expression stays as it was, so nothing
-- changes for any other caller. The arm is an InitPlan evaluated once per statement; when it is
-- true, the per-row list check and the shared-assets look-up never run.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT tablename, qual, with_check FROM pg_policies
    WHERE schemaname = current_schema() AND policyname = 'tenant_isolation' AND qual LIKE '%app_visible_tenant_ids%'
    ORDER BY tablename
  LOOP
    EXECUTE format('ALTER POLICY tenant_isolation ON %I USING ((SELECT app_every_tenant_visible()) OR (%s))'
                   ' WITH CHECK ((SELECT app_every_tenant_visible()) OR (%s))',
                   r.tablename, r.qual, r.with_check);
  END LOOP;
END
$$;
