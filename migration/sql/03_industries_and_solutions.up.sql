-- Phase 3 (003): industries and solutions.
-- industries (global), solutions (registry asset), solution_industry_matrix (global),
-- solution_installations (private), solution_prompt_suites (child of solutions).
-- The solution <-> agent/workflow/prompt/template/knowledge junctions come in a later phase,
-- once those tables exist.

-- ---------------------------------------------------------------------------------------------
-- industries: the 6 industries (003). Global reference data.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE industries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),

  name varchar(255) NOT NULL CONSTRAINT industries_name_key UNIQUE,
  code varchar(50) NOT NULL CONSTRAINT industries_code_key UNIQUE,  -- 'PHARMA', 'BIOTECH', 'MEDTECH', ...
  slug varchar(100) NOT NULL CONSTRAINT industries_slug_key UNIQUE, -- 'pharmaceuticals', 'biotechnology', ...
  description text,

  -- Optional sub-industry hierarchy (e.g. Biotechnology > Cell & Gene Therapy)
  parent_industry_id uuid CONSTRAINT industries_parent_industry_id_fkey REFERENCES industries(id) ON DELETE SET NULL,

  -- Classification codes and regulatory landscape
  naics_code varchar(10),
  gics_code varchar(10),
  regulatory_bodies text[] NOT NULL DEFAULT '{}',  -- 'FDA', 'EMA', 'MHRA', 'CMS', ...
  key_regulations text[] NOT NULL DEFAULT '{}',    -- '21 CFR Part 11', 'EU MDR', 'HIPAA', ...
  therapeutic_areas text[] NOT NULL DEFAULT '{}',

  -- UI
  icon varchar(50),
  color varchar(7),
  display_order integer NOT NULL DEFAULT 0,

  is_active boolean NOT NULL DEFAULT true,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT industries_slug_format_check CHECK (slug ~ '^[a-z0-9][a-z0-9_-]*$'),
  CONSTRAINT industries_color_check CHECK (color IS NULL OR color ~ '^#[0-9A-Fa-f]{6}$'),
  CONSTRAINT industries_not_own_parent_check CHECK (parent_industry_id IS NULL OR parent_industry_id <> id)
);

-- ---------------------------------------------------------------------------------------------
-- solutions: packaged offerings (003 columns), a shareable registry asset.
-- 003's features jsonb[] becomes one jsonb array; 003's UNIQUE (owner_tenant_id, code) becomes
-- a global UNIQUE (code) per the natural-key convention. version stays the 003 semantic version
-- string ('1.0.0'), not an integer revision counter.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE solutions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),

  -- Tenancy (registry class); owner_tenant_id is the solution provider
  tenant_id uuid CONSTRAINT solutions_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  owner_tenant_id uuid CONSTRAINT solutions_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,
  is_public boolean NOT NULL DEFAULT false,

  -- Core identity
  unique_id varchar(100) NOT NULL CONSTRAINT solutions_unique_id_key UNIQUE,
  name varchar(255) NOT NULL,
  slug varchar(100) NOT NULL CONSTRAINT solutions_slug_key UNIQUE,
  description text NOT NULL,
  code varchar(50) CONSTRAINT solutions_code_key UNIQUE, -- 'LAUNCH-EX', 'BRAND-EX', ...

  -- Classification
  category varchar(100),     -- 'commercial', 'medical', 'strategic'
  subcategory varchar(100),
  solution_type varchar(50), -- 'packaged', 'custom', 'hybrid'

  -- Pricing
  price_model varchar(50),   -- 'subscription', 'usage', 'one_time'
  base_price_monthly numeric(10,2),
  price_per_user numeric(10,2),
  enterprise_pricing jsonb,  -- only for enterprise-priced solutions

  -- Content
  short_description text,
  long_description text,
  features jsonb NOT NULL DEFAULT '[]'::jsonb, -- array of feature objects
  benefits text[] NOT NULL DEFAULT '{}',
  use_cases text[] NOT NULL DEFAULT '{}',

  -- Media
  icon_url text,
  banner_url text,
  demo_video_url text,
  screenshots text[] NOT NULL DEFAULT '{}',

  -- Marketplace
  is_active boolean NOT NULL DEFAULT true,
  is_published boolean NOT NULL DEFAULT false,
  is_featured boolean NOT NULL DEFAULT false,
  is_marketplace_visible boolean NOT NULL DEFAULT true,
  marketplace_tier varchar(50), -- 'free', 'standard', 'premium'
  published_at timestamptz,

  -- Statistics
  installation_count integer NOT NULL DEFAULT 0,
  avg_rating numeric(3,2),
  total_reviews integer NOT NULL DEFAULT 0,

  -- Visibility
  visibility visibility_level NOT NULL DEFAULT 'tenant',

  -- Versioning
  version varchar(50) NOT NULL DEFAULT '1.0.0',
  changelog text,

  -- Tags
  tags text[] NOT NULL DEFAULT '{}',
  keywords text[] NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  -- Audit
  created_by uuid CONSTRAINT solutions_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  updated_by uuid CONSTRAINT solutions_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,

  CONSTRAINT solutions_name_not_empty_check CHECK (length(name) > 0),
  CONSTRAINT solutions_slug_format_check CHECK (slug ~ '^[a-z0-9][a-z0-9_-]*$'),
  CONSTRAINT solutions_features_is_array_check CHECK (jsonb_typeof(features) = 'array'),
  CONSTRAINT solutions_price_check CHECK (
    (base_price_monthly IS NULL OR base_price_monthly >= 0) AND (price_per_user IS NULL OR price_per_user >= 0)),
  CONSTRAINT solutions_avg_rating_check CHECK (avg_rating IS NULL OR avg_rating BETWEEN 0 AND 5),
  CONSTRAINT solutions_counts_check CHECK (installation_count >= 0 AND total_reviews >= 0)
);

CREATE INDEX solutions_tenant_idx ON solutions (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX solutions_owner_tenant_idx ON solutions (owner_tenant_id);
CREATE INDEX solutions_category_idx ON solutions (category) WHERE is_active = true;
CREATE INDEX solutions_marketplace_idx ON solutions (is_featured, avg_rating DESC)
  WHERE is_published = true AND is_marketplace_visible = true AND deleted_at IS NULL;
CREATE INDEX solutions_public_idx ON solutions (is_public) WHERE is_active = true;
CREATE INDEX solutions_features_gin_idx ON solutions USING gin (features);
CREATE INDEX solutions_tags_gin_idx ON solutions USING gin (tags);
CREATE INDEX solutions_keywords_gin_idx ON solutions USING gin (keywords);
CREATE INDEX solutions_search_idx ON solutions USING gin (
  to_tsvector('english', name || ' ' || coalesce(description, '')));

-- ---------------------------------------------------------------------------------------------
-- solution_industry_matrix (003): which solutions fit which industries. Global reference data.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE solution_industry_matrix (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),

  solution_id uuid NOT NULL CONSTRAINT solution_industry_matrix_solution_id_fkey REFERENCES solutions(id) ON DELETE CASCADE,
  industry_id uuid NOT NULL CONSTRAINT solution_industry_matrix_industry_id_fkey REFERENCES industries(id) ON DELETE CASCADE,

  -- Configuration
  is_available boolean NOT NULL DEFAULT true,
  is_recommended boolean NOT NULL DEFAULT false,
  fit_score integer, -- 1-10: how well this solution fits this industry

  -- Customisation
  industry_specific_config jsonb NOT NULL DEFAULT '{}'::jsonb,
  industry_specific_prompts uuid[] NOT NULL DEFAULT '{}', -- prompt ids (prompts are created in a later phase)

  -- Notes
  implementation_notes text,
  success_stories text[] NOT NULL DEFAULT '{}',

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT solution_industry_matrix_solution_id_industry_id_key UNIQUE (solution_id, industry_id),
  CONSTRAINT solution_industry_matrix_fit_score_check CHECK (fit_score BETWEEN 1 AND 10)
);

CREATE INDEX solution_industry_matrix_industry_idx ON solution_industry_matrix (industry_id, is_available);

-- ---------------------------------------------------------------------------------------------
-- solution_installations: a tenant's installation of a solution. Private tenant data;
-- one installation per (tenant, solution) - reinstalling updates the row.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE solution_installations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL CONSTRAINT solution_installations_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  solution_id uuid NOT NULL CONSTRAINT solution_installations_solution_id_fkey REFERENCES solutions(id) ON DELETE CASCADE,
  -- industry context the tenant installed the solution for
  industry_id uuid CONSTRAINT solution_installations_industry_id_fkey REFERENCES industries(id) ON DELETE SET NULL,

  installed_version varchar(50) NOT NULL,
  status varchar(30) NOT NULL DEFAULT 'active',
  auto_update boolean NOT NULL DEFAULT true,

  -- Configuration
  configuration jsonb NOT NULL DEFAULT '{}'::jsonb,
  enabled_features jsonb NOT NULL DEFAULT '[]'::jsonb,

  -- Licensing and billing
  license_type varchar(50), -- 'trial', 'subscription', 'perpetual', 'usage'
  billing_cycle varchar(20), -- 'monthly', 'annual'
  seats_purchased integer,
  seats_used integer NOT NULL DEFAULT 0,
  price_monthly numeric(10,2),

  -- Lifecycle
  installed_by uuid CONSTRAINT solution_installations_installed_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  installed_at timestamptz NOT NULL DEFAULT now(),
  activated_at timestamptz,
  trial_ends_at timestamptz,
  expires_at timestamptz,
  uninstalled_at timestamptz,
  uninstalled_by uuid CONSTRAINT solution_installations_uninstalled_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,

  -- Usage
  usage_count integer NOT NULL DEFAULT 0,
  last_used_at timestamptz,

  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT solution_installations_tenant_id_solution_id_key UNIQUE (tenant_id, solution_id),
  CONSTRAINT solution_installations_status_check CHECK (
    status IN ('pending', 'installing', 'active', 'suspended', 'failed', 'uninstalled')),
  CONSTRAINT solution_installations_seats_check CHECK (
    seats_used >= 0 AND (seats_purchased IS NULL OR seats_purchased >= 0)),
  CONSTRAINT solution_installations_usage_count_check CHECK (usage_count >= 0),
  CONSTRAINT solution_installations_price_check CHECK (price_monthly IS NULL OR price_monthly >= 0)
);

CREATE INDEX solution_installations_solution_idx ON solution_installations (solution_id) WHERE status = 'active';

-- ---------------------------------------------------------------------------------------------
-- solution_prompt_suites: a solution's prompt collections. Child of solutions: tenant_id is
-- denormalised from the solution (NULL when the solution is in the shared registry).
-- prompt_ids is the suite's ordered prompt list; prompts are created in a later phase, so no FK
-- (solution_prompts is the walkable solution <-> prompt junction).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE solution_prompt_suites (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid CONSTRAINT solution_prompt_suites_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  solution_id uuid NOT NULL CONSTRAINT solution_prompt_suites_solution_id_fkey REFERENCES solutions(id) ON DELETE CASCADE,
  -- optional industry specialisation of the suite
  industry_id uuid CONSTRAINT solution_prompt_suites_industry_id_fkey REFERENCES industries(id) ON DELETE SET NULL,

  name varchar(255) NOT NULL,
  description text,
  suite_type varchar(50), -- 'onboarding', 'analysis', 'content_generation', 'review', ...
  functional_area functional_area_type,
  use_case text,

  prompt_ids uuid[] NOT NULL DEFAULT '{}',
  prompt_count integer NOT NULL DEFAULT 0,
  configuration jsonb NOT NULL DEFAULT '{}'::jsonb,
  tags text[] NOT NULL DEFAULT '{}',

  display_order integer NOT NULL DEFAULT 0,
  is_default boolean NOT NULL DEFAULT false,
  is_active boolean NOT NULL DEFAULT true,
  version integer NOT NULL DEFAULT 1,

  created_by uuid CONSTRAINT solution_prompt_suites_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  updated_by uuid CONSTRAINT solution_prompt_suites_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT solution_prompt_suites_solution_id_name_key UNIQUE (solution_id, name),
  CONSTRAINT solution_prompt_suites_prompt_count_check CHECK (prompt_count >= 0)
);

CREATE INDEX solution_prompt_suites_tags_gin_idx ON solution_prompt_suites USING gin (tags);
