-- Phase 17 (003): governance and compliance.
-- audit_log, service_role_audit, data_retention_policies, entity_versions.
--
-- Tenancy: audit_log, service_role_audit and data_retention_policies have a nullable tenant_id
-- (NULL = a platform row: platform-level action, or the platform default policy). entity_versions
-- is private tenant data (tenant_id NOT NULL): a version of a shared-registry asset (tenant_id NULL
-- on the asset) is recorded under the tenant whose user made the change (the platform tenant for
-- platform curators). tenant_id uses the default NO ACTION on delete, as in the other phases: tenants
-- are soft-deleted, and an audited tenant cannot be hard-deleted while its audit trail is retained.
-- audit_log, service_role_audit and entity_versions are append-only (created_at only).
-- Retention: audit rows are kept 7 years (21 CFR Part 11 / GxP / SOX practice); retain_until is set
-- at insert and is what the purge job reads. Actor columns are snapshotted (actor_email, ...) so the
-- trail stays readable if the referenced user or key is removed (FKs are ON DELETE SET NULL).

-- ---------------------------------------------------------------------------------------------
-- audit_log: the complete audit trail (append-only, 7-year retention)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE audit_log (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid CONSTRAINT audit_log_tenant_id_fkey REFERENCES tenants(id),

    -- Who
    actor_type varchar(20) NOT NULL DEFAULT 'user',
    actor_user_id uuid CONSTRAINT audit_log_actor_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    actor_api_key_id uuid CONSTRAINT audit_log_actor_api_key_id_fkey REFERENCES api_keys(id) ON DELETE SET NULL,
    actor_email varchar(255),                             -- snapshot at the time of the action
    actor_role tenant_role,                               -- the actor's role in the tenant at the time
    impersonated_by uuid CONSTRAINT audit_log_impersonated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,  -- support access

    -- What
    action varchar(100) NOT NULL,                         -- 'create', 'update', 'delete', 'read', 'export', 'login', 'agent.publish', ...
    event_category varchar(30) NOT NULL DEFAULT 'data_change',
    resource_type varchar(100) NOT NULL,                  -- table / entity name: 'agents', 'prompts', ...
    resource_id uuid,
    resource_name varchar(500),                           -- snapshot of the resource's name
    outcome varchar(20) NOT NULL DEFAULT 'success',
    failure_reason text,

    -- Change data
    old_values jsonb,                                     -- NULL for creates and reads
    new_values jsonb,                                     -- NULL for deletes and reads
    changed_fields text[] NOT NULL DEFAULT '{}',
    data_classification data_classification,              -- sensitivity of the data touched (PHI access reviews)
    details jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Request context
    ip_address text,
    user_agent text,
    request_id varchar(255),
    session_id varchar(255),
    http_method varchar(10),
    request_path text,

    retain_until date NOT NULL DEFAULT ((now() + interval '7 years')::date),
    created_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT audit_log_actor_type_check CHECK (actor_type IN ('user', 'api_key', 'service', 'system', 'agent')),
    CONSTRAINT audit_log_event_category_check CHECK (event_category IN ('authentication', 'authorization', 'data_access', 'data_change', 'configuration', 'export', 'admin', 'security')),
    CONSTRAINT audit_log_outcome_check CHECK (outcome IN ('success', 'failure', 'denied', 'error'))
);

CREATE INDEX audit_log_tenant_created_idx ON audit_log (tenant_id, created_at DESC);
CREATE INDEX audit_log_resource_idx ON audit_log (resource_type, resource_id, created_at DESC);
CREATE INDEX audit_log_actor_created_idx ON audit_log (actor_user_id, created_at DESC);
CREATE INDEX audit_log_request_idx ON audit_log (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX audit_log_failures_idx ON audit_log (tenant_id, created_at DESC) WHERE outcome <> 'success';
CREATE INDEX audit_log_retain_until_idx ON audit_log (retain_until);
CREATE INDEX audit_log_details_gin ON audit_log USING gin (details);

-- ---------------------------------------------------------------------------------------------
-- service_role_audit: actions performed by backend services with the service role (bypassing RLS)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE service_role_audit (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid CONSTRAINT service_role_audit_tenant_id_fkey REFERENCES tenants(id),

    service_name varchar(100) NOT NULL,                   -- 'ask_expert', 'ask_panel', 'workflows', 'solutions', 'ingestion_worker', ...
    service_account varchar(255),
    service_version varchar(50),
    on_behalf_of_user_id uuid CONSTRAINT service_role_audit_on_behalf_of_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,

    operation varchar(100) NOT NULL,                      -- 'insert', 'update', 'delete', 'bulk_import', 'migration', 'purge', ...
    target_table varchar(100),
    target_id uuid,
    affected_rows integer,
    bypassed_rls boolean NOT NULL DEFAULT true,
    justification text,                                   -- why the service role was needed
    outcome varchar(20) NOT NULL DEFAULT 'success',
    error_message text,
    duration_ms integer,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,

    request_id varchar(255),
    ip_address text,

    retain_until date NOT NULL DEFAULT ((now() + interval '7 years')::date),
    created_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT service_role_audit_outcome_check CHECK (outcome IN ('success', 'failure', 'denied', 'error')),
    CONSTRAINT service_role_audit_counts_check CHECK (
        (affected_rows IS NULL OR affected_rows >= 0) AND (duration_ms IS NULL OR duration_ms >= 0)
    )
);

CREATE INDEX service_role_audit_service_created_idx ON service_role_audit (service_name, created_at DESC);
CREATE INDEX service_role_audit_tenant_created_idx ON service_role_audit (tenant_id, created_at DESC);
CREATE INDEX service_role_audit_target_idx ON service_role_audit (target_table, target_id);

-- ---------------------------------------------------------------------------------------------
-- data_retention_policies: how long each kind of data is kept, and what happens after
-- ---------------------------------------------------------------------------------------------
CREATE TABLE data_retention_policies (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid CONSTRAINT data_retention_policies_tenant_id_fkey REFERENCES tenants(id),  -- NULL = platform default

    name varchar(255) NOT NULL,
    description text,
    resource_type varchar(100) NOT NULL,                  -- table / entity name the policy governs
    data_classification data_classification,             -- NULL = every classification of the resource

    retention_period_days integer NOT NULL,
    action_on_expiry varchar(20) NOT NULL DEFAULT 'delete',
    archive_after_days integer,                           -- move to cold storage before expiry
    legal_basis text,                                     -- '21 CFR Part 11', 'HIPAA 164.316', 'GDPR Art. 5(1)(e)', ...
    regulatory_frameworks text[] NOT NULL DEFAULT '{}',

    legal_hold boolean NOT NULL DEFAULT false,            -- suspends expiry while true
    legal_hold_reason text,
    is_active boolean NOT NULL DEFAULT true,
    priority integer NOT NULL DEFAULT 0,                  -- higher wins when policies overlap
    effective_from date NOT NULL DEFAULT current_date,
    effective_until date,

    last_enforced_at timestamptz,
    last_enforced_rows bigint,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT data_retention_policies_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT data_retention_policies_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,

    -- One policy per tenant (or platform), resource and classification.
    CONSTRAINT data_retention_policies_scope_key UNIQUE NULLS NOT DISTINCT (tenant_id, resource_type, data_classification),
    CONSTRAINT data_retention_policies_name_not_empty CHECK (length(name) > 0),
    CONSTRAINT data_retention_policies_period_positive CHECK (retention_period_days > 0),
    CONSTRAINT data_retention_policies_archive_check CHECK (
        archive_after_days IS NULL OR (archive_after_days > 0 AND archive_after_days <= retention_period_days)
    ),
    CONSTRAINT data_retention_policies_action_check CHECK (action_on_expiry IN ('delete', 'anonymize', 'archive', 'review')),
    CONSTRAINT data_retention_policies_effective_check CHECK (effective_until IS NULL OR effective_until >= effective_from),
    CONSTRAINT data_retention_policies_legal_hold_check CHECK (NOT legal_hold OR legal_hold_reason IS NOT NULL),
    CONSTRAINT data_retention_policies_enforced_rows_check CHECK (last_enforced_rows IS NULL OR last_enforced_rows >= 0)
);

CREATE INDEX data_retention_policies_active_idx ON data_retention_policies (resource_type) WHERE is_active;

-- ---------------------------------------------------------------------------------------------
-- entity_versions: snapshots of versioned entities (004), append-only
-- ---------------------------------------------------------------------------------------------
CREATE TABLE entity_versions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT entity_versions_tenant_id_fkey REFERENCES tenants(id),
    entity_type varchar(50) NOT NULL,                     -- table name: 'agents', 'prompts', 'workflows', ...
    entity_id uuid NOT NULL,                              -- polymorphic: no FK, the version outlives the entity
    version integer NOT NULL,
    data jsonb NOT NULL,                                  -- the full row as of this version
    change_summary text,
    changed_fields text[] NOT NULL DEFAULT '{}',
    created_by uuid CONSTRAINT entity_versions_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT entity_versions_entity_version_key UNIQUE (entity_type, entity_id, version),
    CONSTRAINT entity_versions_version_positive CHECK (version >= 1),
    CONSTRAINT entity_versions_data_object CHECK (jsonb_typeof(data) = 'object')
);

CREATE INDEX entity_versions_tenant_created_idx ON entity_versions (tenant_id, created_at DESC);
