-- Phase 2 (003): identity and multi-tenancy.
-- tenants (5-level hierarchy), user_profiles, tenant_organizations, tenant_members,
-- tenant_usage_tracking, api_keys, services_registry, asset_sharing.
--
-- Tenancy decisions used in this file (and suggested for the other files):
--   * private tables: tenant_id NOT NULL ... ON DELETE CASCADE (a tenant's data goes with it),
--     except user_profiles.tenant_id (the user's default tenant), which is ON DELETE RESTRICT:
--     a user may belong to other tenants and must not vanish with one of them.
--   * tenants are normally soft-deleted (deleted_at); hard deletes are rare administrative acts.

-- ---------------------------------------------------------------------------------------------
-- tenants: no tenant_id of its own; visibility follows the hierarchy.
-- tenant_path is a materialized path (003 used ltree; here text, e.g. 'root_uuid.child_uuid'
-- with '-' replaced by '_'), indexed with text_pattern_ops for prefix (subtree) queries.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE tenants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),

  -- Hierarchy
  parent_tenant_id uuid CONSTRAINT tenants_parent_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,
  root_tenant_id uuid CONSTRAINT tenants_root_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,
  tenant_level tenant_level NOT NULL,
  tenant_path text,
  hierarchy_depth integer NOT NULL DEFAULT 0,

  -- Identity
  name varchar(255) NOT NULL,
  slug varchar(100) NOT NULL CONSTRAINT tenants_slug_key UNIQUE,
  domain varchar(255) CONSTRAINT tenants_domain_key UNIQUE,

  -- Contact
  contact_email varchar(255) NOT NULL,
  contact_name varchar(255) NOT NULL,
  billing_email varchar(255),

  -- Subscription
  tier tenant_tier NOT NULL DEFAULT 'free',
  status tenant_status NOT NULL DEFAULT 'trial',

  -- Limits (inherited or overridden); NULL = unlimited
  max_users integer NOT NULL DEFAULT 5,
  max_agents integer NOT NULL DEFAULT 10,
  max_storage_gb integer NOT NULL DEFAULT 10,
  max_consultations_per_month integer,
  max_tokens_per_month bigint,

  -- Current usage
  current_users integer NOT NULL DEFAULT 0,
  current_agents integer NOT NULL DEFAULT 0,
  current_storage_gb numeric(12,3) NOT NULL DEFAULT 0,

  -- Trial and subscription
  trial_ends_at timestamptz,
  subscription_starts_at timestamptz,
  subscription_ends_at timestamptz,

  -- Configuration
  features jsonb NOT NULL DEFAULT '{}'::jsonb,
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- 004: which industries this tenant may access (empty = all)
  allowed_industries uuid[] NOT NULL DEFAULT '{}',

  -- Compliance
  data_residency varchar(50),
  compliance_requirements text[] NOT NULL DEFAULT '{}',

  -- Audit (created_by -> user_profiles is added below, once user_profiles exists)
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,

  CONSTRAINT tenants_not_own_parent_check CHECK (parent_tenant_id IS NULL OR parent_tenant_id <> id),
  CONSTRAINT tenants_hierarchy_depth_check CHECK (hierarchy_depth BETWEEN 0 AND 4),
  -- a root tenant (no parent) is at depth 0; every child is deeper
  CONSTRAINT tenants_root_depth_check CHECK ((parent_tenant_id IS NULL) = (hierarchy_depth = 0)),
  CONSTRAINT tenants_slug_format_check CHECK (slug ~ '^[a-z0-9][a-z0-9_-]*$'),
  CONSTRAINT tenants_limits_check CHECK (max_users >= 0 AND max_agents >= 0 AND max_storage_gb >= 0),
  CONSTRAINT tenants_usage_check CHECK (current_users >= 0 AND current_agents >= 0 AND current_storage_gb >= 0),
  CONSTRAINT tenants_subscription_period_check CHECK (
    subscription_ends_at IS NULL OR subscription_starts_at IS NULL OR subscription_ends_at >= subscription_starts_at)
);

CREATE INDEX tenants_path_idx ON tenants (tenant_path text_pattern_ops);
CREATE INDEX tenants_parent_idx ON tenants (parent_tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX tenants_root_idx ON tenants (root_tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX tenants_status_tier_idx ON tenants (status, tier) WHERE deleted_at IS NULL;
CREATE INDEX tenants_features_gin_idx ON tenants USING gin (features);

-- ---------------------------------------------------------------------------------------------
-- user_profiles: id is the auth user's id (Supabase auth.users is not created here).
-- tenant_id is the user's default / home tenant; further memberships live in tenant_members.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE user_profiles (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL CONSTRAINT user_profiles_tenant_id_fkey REFERENCES tenants(id) ON DELETE RESTRICT,

  -- Identity
  email varchar(255) NOT NULL CONSTRAINT user_profiles_email_key UNIQUE,
  full_name varchar(255),
  display_name varchar(100),
  avatar_url text,

  -- Professional context
  job_title varchar(255),
  department varchar(255),
  organization_name varchar(255),
  phone varchar(50),

  -- Preferences
  timezone varchar(64) NOT NULL DEFAULT 'UTC',
  locale varchar(16) NOT NULL DEFAULT 'en-US',
  preferences jsonb NOT NULL DEFAULT '{}'::jsonb,
  notification_settings jsonb NOT NULL DEFAULT '{}'::jsonb,

  -- Status
  is_active boolean NOT NULL DEFAULT true,
  is_platform_admin boolean NOT NULL DEFAULT false,
  email_verified_at timestamptz,
  onboarding_completed_at timestamptz,
  terms_accepted_at timestamptz,
  last_login_at timestamptz,
  last_active_at timestamptz,
  login_count integer NOT NULL DEFAULT 0,

  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,

  CONSTRAINT user_profiles_email_format_check CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  CONSTRAINT user_profiles_login_count_check CHECK (login_count >= 0)
);

CREATE INDEX user_profiles_tenant_idx ON user_profiles (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX user_profiles_email_lower_idx ON user_profiles (lower(email));

-- Circular reference tenants <-> user_profiles: added now that user_profiles exists.
ALTER TABLE tenants
  ADD CONSTRAINT tenants_created_by_fkey FOREIGN KEY (created_by) REFERENCES user_profiles(id) ON DELETE SET NULL;

-- ---------------------------------------------------------------------------------------------
-- tenant_organizations: extended organisation metadata, one row per tenant.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE tenant_organizations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL CONSTRAINT tenant_organizations_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

  -- Legal identity
  legal_name varchar(255) NOT NULL,
  display_name varchar(255),
  organization_type varchar(50), -- 'pharma', 'biotech', 'medtech', 'cro', 'payer', 'consultancy', 'digital_health'
  registration_number varchar(100),
  tax_id varchar(50),
  duns_number varchar(20),
  stock_ticker varchar(20),

  -- Location and size
  headquarters_country varchar(2), -- ISO 3166-1 alpha-2
  address jsonb NOT NULL DEFAULT '{}'::jsonb,
  operating_regions text[] NOT NULL DEFAULT '{}',
  employee_count_range varchar(50),
  annual_revenue_range varchar(50),
  website_url text,
  logo_url text,

  -- Life-science context
  therapeutic_areas text[] NOT NULL DEFAULT '{}',
  regulatory_regions text[] NOT NULL DEFAULT '{}', -- 'FDA', 'EMA', 'PMDA', 'MHRA', ...
  gxp_validated boolean NOT NULL DEFAULT false,
  hipaa_baa_signed boolean NOT NULL DEFAULT false,
  gdpr_dpa_signed boolean NOT NULL DEFAULT false,

  -- Contacts and integration
  primary_contact jsonb NOT NULL DEFAULT '{}'::jsonb,
  sso_config jsonb NOT NULL DEFAULT '{}'::jsonb,
  branding jsonb NOT NULL DEFAULT '{}'::jsonb,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  created_by uuid CONSTRAINT tenant_organizations_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  updated_by uuid CONSTRAINT tenant_organizations_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT tenant_organizations_tenant_id_key UNIQUE (tenant_id),
  CONSTRAINT tenant_organizations_country_check CHECK (headquarters_country IS NULL OR headquarters_country ~ '^[A-Z]{2}$')
);

-- ---------------------------------------------------------------------------------------------
-- tenant_members: a user's membership and role in a tenant.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE tenant_members (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL CONSTRAINT tenant_members_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  user_id uuid NOT NULL CONSTRAINT tenant_members_user_id_fkey REFERENCES user_profiles(id) ON DELETE CASCADE,

  role tenant_role NOT NULL DEFAULT 'member',
  status varchar(20) NOT NULL DEFAULT 'active',
  permissions jsonb NOT NULL DEFAULT '{}'::jsonb, -- fine-grained overrides of the role's defaults
  is_default boolean NOT NULL DEFAULT false,      -- the tenant selected at login

  invited_by uuid CONSTRAINT tenant_members_invited_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  invited_at timestamptz,
  joined_at timestamptz,
  last_active_at timestamptz,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT tenant_members_tenant_id_user_id_key UNIQUE (tenant_id, user_id),
  CONSTRAINT tenant_members_status_check CHECK (status IN ('invited', 'active', 'suspended', 'removed'))
);

CREATE INDEX tenant_members_user_idx ON tenant_members (user_id);
CREATE INDEX tenant_members_tenant_role_idx ON tenant_members (tenant_id, role) WHERE status = 'active';

-- ---------------------------------------------------------------------------------------------
-- tenant_usage_tracking: token / cost usage per tenant and period.
-- One aggregate row per (tenant, period type, period start), incremented during the period,
-- hence it keeps updated_at (unlike the append-only token_usage_* rows).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE tenant_usage_tracking (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL CONSTRAINT tenant_usage_tracking_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

  period_type varchar(20) NOT NULL DEFAULT 'monthly',
  period_start date NOT NULL,
  period_end date NOT NULL,

  -- Activity
  active_users integer NOT NULL DEFAULT 0,
  consultations_count integer NOT NULL DEFAULT 0,
  panel_discussions_count integer NOT NULL DEFAULT 0,
  workflow_executions_count integer NOT NULL DEFAULT 0,
  messages_count integer NOT NULL DEFAULT 0,
  api_calls_count integer NOT NULL DEFAULT 0,

  -- Tokens
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  embedding_tokens bigint NOT NULL DEFAULT 0,
  total_tokens bigint NOT NULL DEFAULT 0,

  -- Storage and cost
  storage_used_gb numeric(12,3) NOT NULL DEFAULT 0,
  total_cost_usd numeric(14,4) NOT NULL DEFAULT 0,
  billed_amount numeric(14,2),
  currency varchar(3) NOT NULL DEFAULT 'USD',

  -- Per-service / per-model breakdown: {"ask_expert": {...}, "models": {...}}
  usage_breakdown jsonb NOT NULL DEFAULT '{}'::jsonb,
  quota_exceeded boolean NOT NULL DEFAULT false,
  is_finalized boolean NOT NULL DEFAULT false,
  finalized_at timestamptz,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT tenant_usage_tracking_period_key UNIQUE (tenant_id, period_type, period_start),
  CONSTRAINT tenant_usage_tracking_period_type_check CHECK (period_type IN ('daily', 'weekly', 'monthly', 'yearly')),
  CONSTRAINT tenant_usage_tracking_period_check CHECK (period_end >= period_start),
  CONSTRAINT tenant_usage_tracking_counts_check CHECK (
    active_users >= 0 AND consultations_count >= 0 AND panel_discussions_count >= 0
    AND workflow_executions_count >= 0 AND messages_count >= 0 AND api_calls_count >= 0
    AND input_tokens >= 0 AND output_tokens >= 0 AND embedding_tokens >= 0 AND total_tokens >= 0
    AND storage_used_gb >= 0 AND total_cost_usd >= 0)
);

CREATE INDEX tenant_usage_tracking_period_idx ON tenant_usage_tracking (period_start, period_end);

-- ---------------------------------------------------------------------------------------------
-- api_keys: programmatic access. Only a SHA-256 hex digest of the key is stored, never the key;
-- key_prefix (the first characters of the key, shown in UIs) identifies it for lookup.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL CONSTRAINT api_keys_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

  name varchar(255) NOT NULL,
  description text,
  key_prefix varchar(16) NOT NULL CONSTRAINT api_keys_key_prefix_key UNIQUE,
  key_hash text NOT NULL CONSTRAINT api_keys_key_hash_key UNIQUE,
  scopes text[] NOT NULL DEFAULT '{}',
  allowed_origins text[] NOT NULL DEFAULT '{}',

  rate_limit_per_minute integer,
  expires_at timestamptz,
  revoked_at timestamptz,
  revoked_by uuid CONSTRAINT api_keys_revoked_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  revocation_reason text,

  last_used_at timestamptz,
  usage_count bigint NOT NULL DEFAULT 0,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  created_by uuid CONSTRAINT api_keys_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT api_keys_key_hash_format_check CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  CONSTRAINT api_keys_key_prefix_length_check CHECK (length(key_prefix) >= 4),
  CONSTRAINT api_keys_rate_limit_check CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute > 0),
  CONSTRAINT api_keys_usage_count_check CHECK (usage_count >= 0)
);

CREATE INDEX api_keys_tenant_active_idx ON api_keys (tenant_id) WHERE revoked_at IS NULL;
CREATE INDEX api_keys_scopes_gin_idx ON api_keys USING gin (scopes);

-- ---------------------------------------------------------------------------------------------
-- services_registry: the 4 services (003). Global reference data.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE services_registry (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),

  service_name varchar(100) NOT NULL CONSTRAINT services_registry_service_name_key UNIQUE, -- 'ask_expert', 'ask_panel', 'workflows', 'solutions'
  service_code varchar(50) NOT NULL CONSTRAINT services_registry_service_code_key UNIQUE,
  display_name varchar(255) NOT NULL,
  description text,

  service_category varchar(50) NOT NULL, -- 'conversation', 'execution', 'marketplace'

  is_enabled boolean NOT NULL DEFAULT true,
  requires_subscription_tier tenant_tier, -- minimum tier required; NULL = every tier

  default_config jsonb NOT NULL DEFAULT '{}'::jsonb,
  rate_limits jsonb NOT NULL DEFAULT '{}'::jsonb, -- {"requests_per_minute": 10, "requests_per_day": 1000}

  base_cost_per_use numeric(10,4),
  token_cost_multiplier numeric(5,2),

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT services_registry_category_check CHECK (service_category IN ('conversation', 'execution', 'marketplace')),
  CONSTRAINT services_registry_cost_check CHECK (
    (base_cost_per_use IS NULL OR base_cost_per_use >= 0) AND (token_cost_multiplier IS NULL OR token_cost_multiplier >= 0))
);

-- ---------------------------------------------------------------------------------------------
-- asset_sharing (004): an asset shared to other tenants, with permissions.
-- Private class: tenant_id is the owner tenant (= owner_tenant_id, kept for 004 compatibility).
-- asset_type + asset_id is a polymorphic reference (no FK); asset_type names the registry table
-- in the singular.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE asset_sharing (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL CONSTRAINT asset_sharing_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

  asset_type varchar(50) NOT NULL,
  asset_id uuid NOT NULL,

  -- Ownership
  owner_tenant_id uuid NOT NULL CONSTRAINT asset_sharing_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

  -- Sharing
  sharing_scope varchar(50) NOT NULL DEFAULT 'private',
  shared_with_tenant_ids uuid[] NOT NULL DEFAULT '{}',

  -- Permissions
  can_view boolean NOT NULL DEFAULT true,
  can_edit boolean NOT NULL DEFAULT false,
  can_fork boolean NOT NULL DEFAULT true,
  can_delete boolean NOT NULL DEFAULT false,

  -- Tracking
  usage_count integer NOT NULL DEFAULT 0,
  last_used_at timestamptz,
  expires_at timestamptz,

  shared_by uuid CONSTRAINT asset_sharing_shared_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT asset_sharing_owner_is_tenant_check CHECK (owner_tenant_id = tenant_id),
  CONSTRAINT asset_sharing_asset_type_check CHECK (asset_type IN (
    'agent', 'prompt', 'tool', 'skill', 'knowledge_source', 'template', 'persona', 'jtbd',
    'workflow', 'task', 'use_case', 'domain', 'capability', 'strategic_priority', 'solution', 'panel_template')),
  CONSTRAINT asset_sharing_scope_check CHECK (sharing_scope IN ('private', 'specific_tenants', 'subtenants', 'organization', 'public')),
  CONSTRAINT asset_sharing_usage_count_check CHECK (usage_count >= 0)
);

CREATE INDEX asset_sharing_asset_idx ON asset_sharing (asset_type, asset_id);
CREATE INDEX asset_sharing_owner_idx ON asset_sharing (owner_tenant_id);
CREATE INDEX asset_sharing_shared_with_gin_idx ON asset_sharing USING gin (shared_with_tenant_ids);
CREATE INDEX asset_sharing_public_idx ON asset_sharing (asset_type) WHERE sharing_scope = 'public';
