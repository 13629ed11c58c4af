-- Phase 19 (002/004): tenant isolation by row-level security, the database's own layer of the
-- visibility rule (the gateway applies the same rule in its SQL; either alone stops a leak).
--
-- Each request's transaction sets, with set_config(..., true):
--   app.current_tenant_id   the caller's tenant
--   app.visible_tenant_ids  comma-separated: that tenant and its descendants (every tenant for the platform)
--   app.private_tenant_ids  comma-separated: tenants whose private data (conversations, executions,
--                           usage, audit) the caller may read; defaults to the caller's tenant
-- Sessions that set nothing see only the shared registry. Superusers and table owners bypass RLS;
-- the gateway connects as a role that does not.
--
-- Policies are generated from each table's tenancy class (docs/schema-conventions.md), not written per table.

CREATE FUNCTION app_setting_uuids(setting text) RETURNS uuid[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN coalesce(current_setting(setting, true), '') = '' THEN '{}'::uuid[]
              ELSE string_to_array(current_setting(setting, true), ',')::uuid[] END
$$;

CREATE FUNCTION app_current_tenant_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('app.current_tenant_id', true), '')::uuid
$$;

CREATE FUNCTION app_visible_tenant_ids() RETURNS uuid[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN cardinality(app_setting_uuids('app.visible_tenant_ids')) > 0
              THEN app_setting_uuids('app.visible_tenant_ids')
              ELSE array_remove(ARRAY[app_current_tenant_id()], NULL) END
$$;

CREATE FUNCTION app_private_tenant_ids() RETURNS uuid[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN cardinality(app_setting_uuids('app.private_tenant_ids')) > 0
              THEN app_setting_uuids('app.private_tenant_ids')
              ELSE array_remove(ARRAY[app_current_tenant_id()], NULL) END
$$;

-- Ids of assets shared to the caller's tenant through asset_sharing. SECURITY DEFINER because the
-- sharing rows belong to the owner tenant, whom RLS would hide from the receiving tenant.
CREATE FUNCTION app_shared_asset_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT coalesce(array_agg(asset_id), '{}'::uuid[])
  FROM asset_sharing
  WHERE can_view AND app_current_tenant_id() = ANY (shared_with_tenant_ids)
$$;

DO $$
DECLARE
  r record;
  rule text;
BEGIN
  FOR r IN
    SELECT t.table_name,
           c.is_nullable = 'YES' AS tenant_nullable,
           EXISTS (SELECT 1 FROM information_schema.columns p
                   WHERE p.table_schema = t.table_schema AND p.table_name = t.table_name
                     AND p.column_name = 'is_public') AS has_is_public
    FROM information_schema.tables t
    JOIN information_schema.columns c
      ON c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'tenant_id'
    WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
    ORDER BY 1
  LOOP
    IF r.table_name IN ('audit_log', 'service_role_audit', 'data_retention_policies') OR NOT r.tenant_nullable THEN
      -- private: only the tenants whose private data the caller may read
      rule := 'tenant_id = ANY ((SELECT app_private_tenant_ids())::uuid[])';
    ELSIF r.has_is_public THEN
      -- registry asset: shared registry, public, own subtree, or shared to the caller
      rule := 'tenant_id IS NULL OR is_public OR tenant_id = ANY ((SELECT app_visible_tenant_ids())::uuid[])'
              ' OR id = ANY ((SELECT app_shared_asset_ids())::uuid[])';
    ELSE
      -- child or junction of registry assets: follows its private side's tenant
      rule := 'tenant_id IS NULL OR tenant_id = ANY ((SELECT app_visible_tenant_ids())::uuid[])';
    END IF;
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', r.table_name);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (%s) WITH CHECK (%s)', r.table_name, rule, rule);
  END LOOP;
END
$$;

-- tenants: a tenant sees itself and its subtree.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
  USING (id = ANY ((SELECT app_visible_tenant_ids())::uuid[]))
  WITH CHECK (id = ANY ((SELECT app_visible_tenant_ids())::uuid[]));
