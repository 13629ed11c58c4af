-- Phase 22 (issue 12): the database's layer of the write rule, and the history of every write.
--
-- The gateway writes as the role `registry_writer` (each write transaction runs
-- `set_config('role', 'registry_writer', true)`, as reads do with `registry_reader`), so that the
-- write policies below apply to its statements even when it connects as the tables' owner or a
-- superuser. The rule is entity::write_access (docs/write-access.md); this file makes the same
-- decision in SQL, from the same facts: each table's columns and the same named lists.
--
-- Each write transaction sets, with set_config(..., true), besides migration 19's settings
-- (app.current_tenant_id, app.visible_tenant_ids, app.private_tenant_ids):
--   app.user_id               the caller's `sub` (may be empty). The actor of each audit row.
--   app.curator_tenant_ids    comma-separated: tenants whose registry rows the caller may write:
--                             its tenant and every descendant when its tenant role is owner, admin
--                             or manager; empty otherwise.
--   app.member_tenant_id      the caller's tenant when its tenant role is owner, admin, manager or
--                             member (the roles that read the tenant's private data); empty otherwise.
--   app.platform_admin        'on' when the caller is an owner or admin of the platform tenant;
--                             anything else (or unset) means no.
-- and optionally:
--   app.api_key_id            the API key the caller authenticated with (recorded in the audit row).
--   app.request_id            the request's id (recorded in the audit row).
-- An unset or empty setting grants nothing: a session that sets nothing can write nothing as
-- registry_writer. Like migration 19's, these settings are trusted: only the gateway's own SQL
-- sets them.
--
-- Write classes (entity::write_access::WriteClass), decided per table by the DO block below:
--   never           tenants, and the tables named in never_tables; a tenant-private table not named
--                   in member_tables is closed too. No write privilege at all.
--   platform_admin  no tenant_id (global reference data): app.platform_admin must be 'on'.
--   curator         registry assets and their children (nullable tenant_id): tenant_id in
--                   app.curator_tenant_ids, or tenant_id NULL (the shared registry) and
--                   app.platform_admin 'on'; owner_tenant_id, where the table has one, likewise.
--   member          tenant-private conversations (member_tables): tenant_id = app.member_tenant_id.
-- Every writable table also checks, on INSERT and UPDATE, that each row it references through a
-- foreign key to a tenant-scoped table is visible to the caller (migration 19's read policy of the
-- referenced table decides), so that nobody attaches to a row it cannot see.
--
-- The write policies are RESTRICTIVE: they are ANDed with migration 19's permissive
-- tenant_isolation, which already keeps writes to visible rows, so a write must pass both the read
-- rule and the write rule. Global tables had no RLS; they get it here with a permissive policy that
-- lets everyone read and (subject to grants) write every row, so that their restrictive write
-- policies have something to restrict: reads do not change.
--
-- History: an AFTER row trigger on every writable table records each insert, update and delete in
-- audit_log, and each new version of a versioned asset in entity_versions, in the writing
-- transaction: if the history cannot be written, the write fails with it. The trigger fires for
-- every writer (the gateway, maintenance sessions, superusers), not only registry_writer; bulk
-- loaders that must not be audited switch user triggers off explicitly, as the demo-data seeder does.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registry_writer') THEN
    -- Another database of the cluster may be migrating at the same moment and create it first.
    BEGIN
      CREATE ROLE registry_writer NOLOGIN NOSUPERUSER NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  ELSIF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registry_writer' AND (rolsuper OR rolbypassrls)) THEN
    -- Roles belong to the cluster: one made elsewhere that bypasses RLS would void every policy below.
    RAISE EXCEPTION 'role registry_writer exists and bypasses row-level security; make it NOSUPERUSER NOBYPASSRLS';
  END IF;
END
$$;

-- The role that runs migrations becomes a member, so it may switch to it.
DO $$
BEGIN
  EXECUTE format('GRANT registry_writer TO %I', current_user);
EXCEPTION WHEN others THEN
  -- Superusers may SET ROLE to any role; nothing to grant.
  NULL;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- The settings, read like migration 19's.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION app_user_id() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('app.user_id', true), '')
$$;

CREATE FUNCTION app_curator_tenant_ids() RETURNS uuid[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT app_setting_uuids('app.curator_tenant_ids')
$$;

CREATE FUNCTION app_member_tenant_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('app.member_tenant_id', true), '')::uuid
$$;

CREATE FUNCTION app_platform_admin() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(current_setting('app.platform_admin', true), '') = 'on'
$$;

-- Whether the caller sees a row of `target` whose `key_column` is `key_value`, under the read
-- policy of `target`. Write policies use it for a reference from a table to itself
-- (agents.parent_agent_id): a policy may not query its own table (PostgreSQL reports infinite
-- recursion), but a function's query is planned on its own. SECURITY INVOKER, so that the caller's
-- row-level security applies.
CREATE FUNCTION app_row_visible(target regclass, key_column text, key_value anyelement) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
  found boolean;
BEGIN
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I = $1)', target, key_column) INTO found USING key_value;
  RETURN found;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- The history trigger. Arguments: 'versioned' or 'unversioned' (whether the table is a versioned
-- asset: it has an integer `version` column), then the columns whose values are never stored.
--
-- audit_log row:
--   tenant_id       the row's tenant (after the write; before it for a delete): the audit trail of
--                   a row belongs to the tenant that owns the row, whoever acted (a parent tenant's
--                   curator, a platform admin). NULL (a platform row) for global reference data and
--                   the shared registry. The acting tenant is in details.acting_tenant_id.
--   actor_*         actor_type 'api_key' when app.api_key_id is set, else 'user' when app.user_id
--                   is set, else 'system' (a session with no caller: migrations, maintenance).
--                   actor_user_id (and actor_email) only when app.user_id is the id of a
--                   user_profiles row, actor_api_key_id only when app.api_key_id is an api_keys id:
--                   both are foreign keys, and a `sub` the registry does not know must not make the
--                   write fail. The raw `sub` is always in details.sub.
--   action          'create', 'update' or 'delete'; resource_type the table, resource_id the row id,
--                   resource_name its name or title.
--   old_values /    the full row before a delete / after an insert; for an update only the changed
--   new_values      columns, before and after.
--   changed_fields  the columns whose value differs between before and after (a missing side counts
--                   as all NULL: an insert lists its non-NULL columns, a delete the non-NULL
--                   columns it removed). An update that changes nothing is still recorded, with none.
--   omitted         vector columns (the chunk embedding) are never stored: 1536 floats per value,
--                   derived from the text beside them, and meaningless to whoever reads the trail.
--                   A changed vector column is still listed in changed_fields and in
--                   details.omitted. Text is stored whole, however long: what a prompt or a
--                   knowledge text said before and after is the record (21 CFR Part 11).
--
-- entity_versions row, for a versioned asset, on an insert and on each update that changes
-- `version` (the gateway increments it on every update, so every gateway write of a versioned asset
-- adds one): the full row as of that version (vectors omitted), under the row's tenant, or for a
-- shared-registry row (tenant_id NULL) the acting tenant (app.current_tenant_id), or failing that
-- the platform tenant (migration 17's rule). One snapshot per version number: a write that leaves
-- `version` alone adds none (its change is in audit_log), and a version number already recorded
-- makes the write fail rather than rewrite history. A delete adds none: its audit row holds the
-- whole deleted row.
--
-- SECURITY DEFINER with a fixed search_path (pg_temp last, so no temporary table can stand in for
-- audit_log): the writer role needs, and has, no privilege on audit_log or entity_versions, and
-- their row-level security does not apply to the trail's writer.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION app_audit_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  versioned constant boolean := TG_ARGV[0] = 'versioned';
  omitted constant text[] := coalesce(TG_ARGV[1:TG_NARGS - 1], '{}');
  old_row jsonb;
  new_row jsonb;
  row_now jsonb;
  changed text[];
  before_values jsonb;
  after_values jsonb;
  action text := CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END;
  sub constant text := app_user_id();
  key_setting constant text := nullif(current_setting('app.api_key_id', true), '');
  uuid_pattern constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
  actor uuid;
  actor_mail text;
  key_id uuid;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    old_row := to_jsonb(OLD);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_row := to_jsonb(NEW);
  END IF;
  row_now := coalesce(new_row, old_row);

  SELECT coalesce(array_agg(k ORDER BY k), '{}') INTO changed
  FROM jsonb_object_keys(row_now) AS k
  WHERE coalesce(new_row -> k, 'null') IS DISTINCT FROM coalesce(old_row -> k, 'null');

  IF TG_OP = 'UPDATE' THEN
    SELECT coalesce(jsonb_object_agg(key, value), '{}') INTO before_values FROM jsonb_each(old_row) WHERE key = ANY (changed);
    SELECT coalesce(jsonb_object_agg(key, value), '{}') INTO after_values FROM jsonb_each(new_row) WHERE key = ANY (changed);
  ELSE
    before_values := old_row;
    after_values := new_row;
  END IF;

  IF sub ~ uuid_pattern THEN
    SELECT u.id, u.email INTO actor, actor_mail FROM user_profiles u WHERE u.id = sub::uuid;
  END IF;
  IF key_setting ~ uuid_pattern THEN
    SELECT k.id INTO key_id FROM api_keys k WHERE k.id = key_setting::uuid;
  END IF;

  INSERT INTO audit_log (
    tenant_id, actor_type, actor_user_id, actor_api_key_id, actor_email,
    action, event_category, resource_type, resource_id, resource_name, outcome,
    old_values, new_values, changed_fields, data_classification, details, request_id
  ) VALUES (
    (row_now ->> 'tenant_id')::uuid,
    CASE WHEN key_setting IS NOT NULL THEN 'api_key' WHEN sub IS NOT NULL THEN 'user' ELSE 'system' END,
    actor, key_id, actor_mail,
    action, 'data_change', TG_TABLE_NAME, (row_now ->> 'id')::uuid,
    left(coalesce(row_now ->> 'name', row_now ->> 'title'), 500), 'success',
    before_values - omitted, after_values - omitted, changed,
    (row_now ->> 'data_classification')::data_classification,
    jsonb_strip_nulls(jsonb_build_object(
      'sub', sub,
      'api_key_id', key_setting,
      'acting_tenant_id', app_current_tenant_id(),
      'db_role', current_setting('role'),
      'omitted', nullif(ARRAY(SELECT unnest(changed) INTERSECT SELECT unnest(omitted) ORDER BY 1), '{}')
    )),
    left(nullif(current_setting('app.request_id', true), ''), 255)
  );

  IF versioned AND TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR 'version' = ANY (changed)) THEN
    INSERT INTO entity_versions (tenant_id, entity_type, entity_id, version, data, change_summary, changed_fields, created_by)
    VALUES (
      coalesce(
        (new_row ->> 'tenant_id')::uuid,
        app_current_tenant_id(),
        (SELECT t.id FROM tenants t WHERE t.tenant_level = 'platform' ORDER BY t.created_at, t.id LIMIT 1)
      ),
      TG_TABLE_NAME, (new_row ->> 'id')::uuid, (new_row ->> 'version')::integer,
      new_row - omitted, action, changed, actor
    );
  END IF;
  RETURN NULL;
END
$$;

-- Only the trigger mechanism runs it (trigger functions cannot be called directly, and firing a
-- trigger checks no EXECUTE privilege); nobody needs to call it.
REVOKE ALL ON FUNCTION app_audit_write() FROM PUBLIC;

-- The gateway's own reference check, inside the write's statement: `seen` is the referenced row's
-- id as the caller sees it (the gateway's visibility rule; NULL when the row does not exist or is
-- hidden), `given` the input's value. A given id the caller cannot see raises SQLSTATE RG001 with
-- `field` (the input's path, e.g. `input.parentAgentId`) as the message, which the gateway answers
-- as BAD_USER_INPUT naming the field: the same answer whether the row is missing or another
-- tenant's, and no extra statement per write.
-- (Not `found`: PL/pgSQL's own FOUND variable would shadow such a parameter.)
CREATE FUNCTION registry_reference(seen uuid, given uuid, field text) RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
  IF given IS NOT NULL AND seen IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'RG001', MESSAGE = field;
  END IF;
  RETURN given;
END
$$;

GRANT USAGE ON SCHEMA public TO registry_writer;
-- Reads as registry_reader can: a write's answer is read back in the same transaction.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO registry_writer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO registry_writer;
REVOKE EXECUTE ON FUNCTION app_audit_write() FROM registry_writer;

-- ---------------------------------------------------------------------------------------------
-- Grants, write policies and the history trigger of every writable table, from its class.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
  -- = entity::write_access::NEVER_TABLES (tests/api/write_policies.rs checks the result per table).
  never_tables constant text[] := ARRAY[
    'audit_log', 'service_role_audit', 'entity_versions',
    'api_keys',
    'token_usage_messages', 'token_usage_sessions', 'token_usage_consultations',
    'tenant_usage_tracking', 'subscription_usage_monthly', 'cost_allocation',
    'data_retention_policies',
    'tenants', 'tenant_members', 'user_profiles', 'tenant_organizations',
    'asset_sharing',
    'solution_installations',
    'workflow_executions', 'workflow_execution_steps', 'task_executions', 'workflow_logs', 'workflow_approvals',
    'deliverables', 'artifacts'
  ];
  -- = entity::write_access::MEMBER_TABLES.
  member_tables constant text[] := ARRAY[
    'expert_consultations', 'expert_messages', 'consultation_sessions',
    'panel_discussions', 'panel_members', 'panel_rounds', 'panel_messages', 'panel_consensus', 'panel_votes',
    'consultation_feedback', 'votes', 'vote_records'
  ];
  -- = entity::tenancy::PRIVATE_WITH_PLATFORM_ROWS (migration 19): private despite a nullable tenant_id.
  private_with_platform_rows constant text[] := ARRAY['audit_log', 'service_role_audit', 'data_retention_policies'];
  curators constant text := 'ANY ((SELECT app_curator_tenant_ids())::uuid[])';
  platform_admin constant text := '(SELECT app_platform_admin())';
  r record;
  class text;
  rule text;
  refs text;
  seq text;
BEGIN
  FOR r IN
    SELECT t.table_name::text AS name,
           (SELECT c.is_nullable = 'YES' FROM information_schema.columns c
            WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name
              AND c.column_name = 'tenant_id') AS tenant_nullable,
           EXISTS (SELECT 1 FROM information_schema.columns c
                   WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name
                     AND c.column_name = 'owner_tenant_id') AS has_owner,
           EXISTS (SELECT 1 FROM information_schema.columns c
                   WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name
                     AND c.column_name = 'version' AND c.data_type = 'integer') AS versioned,
           ARRAY(SELECT c.column_name::text FROM information_schema.columns c
                 WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name
                   AND c.udt_name IN ('vector', 'halfvec', 'sparsevec')
                 ORDER BY c.ordinal_position) AS omitted
    FROM information_schema.tables t
    WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      AND t.table_name <> 'seaql_migrations'  -- the migrator's bookkeeping, not the registry's
    ORDER BY 1
  LOOP
    class := CASE
      WHEN r.name = 'tenants' OR r.name = ANY (never_tables) THEN 'never'
      WHEN r.tenant_nullable IS NULL THEN 'platform_admin'
      WHEN NOT r.tenant_nullable OR r.name = ANY (private_with_platform_rows) THEN
        -- Tenant-private: closed unless named as a conversation table.
        CASE WHEN r.name = ANY (member_tables) THEN 'member' ELSE 'never' END
      ELSE 'curator'
    END;
    -- Never: SELECT (granted above) and nothing else; no trigger, as nothing writes it as the writer.
    CONTINUE WHEN class = 'never';

    rule := CASE class
      WHEN 'platform_admin' THEN platform_admin
      WHEN 'member' THEN 'tenant_id = (SELECT app_member_tenant_id())'
      ELSE format('(tenant_id = %s OR (tenant_id IS NULL AND %s))', curators, platform_admin)
    END;
    IF class = 'curator' AND r.has_owner THEN
      -- The owner is the caller's to give as much as the tenant is: no asset is created "owned" by
      -- a tenant outside the caller's subtree.
      rule := format('%s AND (owner_tenant_id IS NULL OR owner_tenant_id = %s OR %s)', rule, curators, platform_admin);
    END IF;

    -- Each foreign key to a tenant-scoped table (one with a tenant_id, under migration 19's read
    -- policy) must point at a row the caller sees: the subquery runs as the writer, under that
    -- policy, so nobody attaches its rows to another tenant's private row. Not checked: references
    -- to tenants (tenant_id and owner_tenant_id are the rule above; tenants' own references are
    -- never written), to user_profiles (created_by, updated_by and user_id name actors, and a row
    -- created by a user of another tenant must stay editable), and to global tables (everyone sees
    -- every row). The new row's columns are qualified with its table's name, so that a
    -- self-reference is not read as the subquery's own column. Like any subquery, the check sees
    -- the rows of earlier statements of the transaction, not those the same statement inserts: a
    -- nested write inserts parents and children in separate statements (one per relation level).
    SELECT string_agg(
             CASE WHEN c.confrelid = c.conrelid THEN
               -- A reference to the table itself (agents.parent_agent_id): through the function.
               format('(%I.%I IS NULL OR app_row_visible(%L::regclass, %L, %I.%I))',
                      r.name, a.attname, rt.relname, fa.attname, r.name, a.attname)
             ELSE
               format('(%I.%I IS NULL OR EXISTS (SELECT 1 FROM %I p WHERE p.%I = %I.%I))',
                      r.name, a.attname, rt.relname, fa.attname, r.name, a.attname)
             END,
             ' AND ' ORDER BY c.conname)
      INTO refs
    FROM pg_constraint c
    JOIN pg_class rt ON rt.oid = c.confrelid
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
    WHERE c.contype = 'f' AND c.conrelid = format('%I', r.name)::regclass
      AND rt.relname NOT IN ('tenants', 'user_profiles')
      AND EXISTS (SELECT 1 FROM pg_attribute ta WHERE ta.attrelid = c.confrelid AND ta.attname = 'tenant_id' AND NOT ta.attisdropped);
    IF EXISTS (SELECT 1 FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = format('%I', r.name)::regclass
               AND cardinality(c.conkey) > 1) THEN
      -- Every foreign key of the registry is one column; a composite one needs this generalised.
      RAISE EXCEPTION 'table % has a composite foreign key, which the reference check does not handle', r.name;
    END IF;
    refs := CASE WHEN refs IS NULL THEN '' ELSE ' AND ' || refs END;

    IF class = 'platform_admin' THEN
      -- Global tables had no RLS (migration 19). Everyone still reads every row; the restrictive
      -- policies below need a permissive one to restrict.
      EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', r.name);
      EXECUTE format('CREATE POLICY global_rows ON %I USING (true) WITH CHECK (true)', r.name);
    END IF;

    EXECUTE format('GRANT INSERT, UPDATE, DELETE ON %I TO registry_writer', r.name);
    FOR seq IN
      SELECT pg_get_serial_sequence(format('%I', r.name), c.column_name)
      FROM information_schema.columns c
      WHERE c.table_schema = current_schema() AND c.table_name = r.name
        AND pg_get_serial_sequence(format('%I', r.name), c.column_name) IS NOT NULL
    LOOP
      -- None today (every id is gen_random_uuid()); a serial column added later needs it to insert.
      EXECUTE format('GRANT USAGE ON SEQUENCE %s TO registry_writer', seq);
    END LOOP;

    EXECUTE format('CREATE POLICY write_insert ON %I AS RESTRICTIVE FOR INSERT TO registry_writer WITH CHECK (%s%s)',
                   r.name, rule, refs);
    EXECUTE format('CREATE POLICY write_update ON %I AS RESTRICTIVE FOR UPDATE TO registry_writer USING (%s) WITH CHECK (%s%s)',
                   r.name, rule, rule, refs);
    EXECUTE format('CREATE POLICY write_delete ON %I AS RESTRICTIVE FOR DELETE TO registry_writer USING (%s)',
                   r.name, rule);

    EXECUTE format('CREATE TRIGGER audit_write AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION app_audit_write(%s)',
                   r.name,
                   (SELECT string_agg(quote_literal(a), ', ')
                    FROM unnest(ARRAY[CASE WHEN r.versioned THEN 'versioned' ELSE 'unversioned' END] || r.omitted) AS a));
  END LOOP;
END
$$;
