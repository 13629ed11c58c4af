-- The role the gateway reads as, so that row-level security applies to its statements even when it
-- connects as the tables' owner or a superuser: each request's transaction runs
-- `set_config('role', 'registry_reader', true)`. NOLOGIN: nobody connects as it directly.
-- Roles belong to the cluster, not the database, so it may exist already (another database of the
-- same cluster created it).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registry_reader') THEN
    -- Another database of the cluster may be migrating at the same moment and create it first.
    BEGIN
      CREATE ROLE registry_reader NOLOGIN NOSUPERUSER NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END
$$;

-- The role that runs migrations becomes a member, so it may switch to it.
DO $$
BEGIN
  EXECUTE format('GRANT registry_reader TO %I', current_user);
EXCEPTION WHEN others THEN
  -- Superusers may SET ROLE to any role; nothing to grant.
  NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO registry_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO registry_reader;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO registry_reader;
