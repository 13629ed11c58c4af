-- Phase 8 (003): outcome hierarchy, Domain -> Capability -> JTBD (001, 003), plus use cases (004).
-- domains, capabilities, strategic_priorities, capability_jtbd_mapping, use_cases, use_case_industry_mapping.
--
-- Tenancy: domains, capabilities, strategic_priorities, use_cases are registry assets (tenant_id NULL =
-- shared registry); capability_jtbd_mapping and use_case_industry_mapping are junction rows whose
-- tenant_id is the tenant of the private side. tenant_id is ON DELETE CASCADE (as in 02/03; never
-- SET NULL, which would publish a deleted tenant's private rows to the shared registry).
-- capabilities.domain_id and strategic_priorities.domain_id are optional (ON DELETE SET NULL): both are
-- registry assets in their own right and survive a reorganisation of the domain tree.

-- ---------------------------------------------------------------------------------------------
-- domains: top-level business domains (optionally nested)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE domains (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unique_id varchar(100) NOT NULL,
    code varchar(50) NOT NULL,             -- 'MA', 'CLIN-DEV', ...
    slug varchar(150) NOT NULL,
    name varchar(255) NOT NULL,
    display_name varchar(255),
    description text,

    -- Hierarchy
    parent_domain_id uuid CONSTRAINT domains_parent_domain_id_fkey REFERENCES domains(id) ON DELETE SET NULL,
    hierarchy_level smallint NOT NULL DEFAULT 1,
    domain_path text,                      -- materialized path of ancestor codes, e.g. 'COMM.MA'

    -- Classification
    functional_area functional_area_type,
    strategic_importance varchar(20),      -- 'critical', 'high', 'medium', 'low'
    kpis jsonb NOT NULL DEFAULT '[]'::jsonb,             -- [{name, target, unit}]
    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Presentation
    icon varchar(50),
    color varchar(7),
    display_order integer NOT NULL DEFAULT 0,

    -- Registry
    is_active boolean NOT NULL DEFAULT true,
    is_public boolean NOT NULL DEFAULT false,

    -- Multi-tenancy
    tenant_id uuid CONSTRAINT domains_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
    owner_tenant_id uuid CONSTRAINT domains_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,

    -- Audit
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT domains_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT domains_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    deleted_at timestamptz,

    CONSTRAINT domains_unique_id_key UNIQUE (unique_id),
    CONSTRAINT domains_code_key UNIQUE (code),
    CONSTRAINT domains_slug_key UNIQUE (slug),
    CONSTRAINT domains_name_not_empty CHECK (length(name) > 0),
    CONSTRAINT domains_not_own_parent CHECK (parent_domain_id IS NULL OR parent_domain_id <> id),
    CONSTRAINT domains_hierarchy_level_range CHECK (hierarchy_level BETWEEN 1 AND 10),
    CONSTRAINT domains_strategic_importance_check
        CHECK (strategic_importance IS NULL OR strategic_importance IN ('critical', 'high', 'medium', 'low')),
    CONSTRAINT domains_color_format CHECK (color IS NULL OR color ~ '^#[0-9A-Fa-f]{6}$')
);

CREATE INDEX domains_tenant_active_idx ON domains (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX domains_parent_idx ON domains (parent_domain_id) WHERE deleted_at IS NULL;
CREATE INDEX domains_functional_area_idx ON domains (functional_area) WHERE is_active = true;
CREATE INDEX domains_tags_gin ON domains USING gin (tags);
CREATE INDEX domains_search_gin ON domains USING gin (
    to_tsvector('english', name || ' ' || coalesce(description, ''))
);

-- ---------------------------------------------------------------------------------------------
-- capabilities: business / AI capabilities of a domain
-- ---------------------------------------------------------------------------------------------
CREATE TABLE capabilities (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unique_id varchar(100) NOT NULL,
    code varchar(50) NOT NULL,
    slug varchar(150) NOT NULL,
    name varchar(255) NOT NULL,
    description text,

    -- Hierarchy
    domain_id uuid CONSTRAINT capabilities_domain_id_fkey REFERENCES domains(id) ON DELETE SET NULL,
    parent_capability_id uuid CONSTRAINT capabilities_parent_capability_id_fkey
        REFERENCES capabilities(id) ON DELETE SET NULL,
    capability_level smallint NOT NULL DEFAULT 1,        -- L1 / L2 / L3 of a capability map

    -- Classification
    capability_type varchar(50),           -- 'business', 'analytical', 'technical', 'ai'
    category varchar(100),
    complexity_level varchar(20),

    -- Maturity (1 = initial .. 5 = optimizing)
    current_maturity smallint,
    target_maturity smallint,
    ai_enablement_potential varchar(20),   -- 'low', 'medium', 'high', 'transformational'

    -- Value
    business_value text,
    success_metrics jsonb NOT NULL DEFAULT '[]'::jsonb,
    required_skills jsonb NOT NULL DEFAULT '[]'::jsonb,  -- [{skill_id, proficiency_required}]
    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    display_order integer NOT NULL DEFAULT 0,

    -- Registry
    is_active boolean NOT NULL DEFAULT true,
    is_public boolean NOT NULL DEFAULT false,

    -- Multi-tenancy
    tenant_id uuid CONSTRAINT capabilities_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
    owner_tenant_id uuid CONSTRAINT capabilities_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,

    -- Audit
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT capabilities_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT capabilities_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    deleted_at timestamptz,

    CONSTRAINT capabilities_unique_id_key UNIQUE (unique_id),
    CONSTRAINT capabilities_code_key UNIQUE (code),
    CONSTRAINT capabilities_slug_key UNIQUE (slug),
    CONSTRAINT capabilities_name_not_empty CHECK (length(name) > 0),
    CONSTRAINT capabilities_not_own_parent CHECK (parent_capability_id IS NULL OR parent_capability_id <> id),
    CONSTRAINT capabilities_level_range CHECK (capability_level BETWEEN 1 AND 5),
    CONSTRAINT capabilities_complexity_level_check
        CHECK (complexity_level IS NULL OR complexity_level IN ('Low', 'Medium', 'High')),
    CONSTRAINT capabilities_maturity_range CHECK (
        (current_maturity IS NULL OR current_maturity BETWEEN 1 AND 5)
        AND (target_maturity IS NULL OR target_maturity BETWEEN 1 AND 5)),
    CONSTRAINT capabilities_ai_potential_check CHECK (
        ai_enablement_potential IS NULL OR ai_enablement_potential IN ('low', 'medium', 'high', 'transformational'))
);

CREATE INDEX capabilities_tenant_active_idx ON capabilities (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX capabilities_domain_idx ON capabilities (domain_id, display_order) WHERE deleted_at IS NULL;
CREATE INDEX capabilities_category_idx ON capabilities (category) WHERE is_active = true;
CREATE INDEX capabilities_tags_gin ON capabilities USING gin (tags);
CREATE INDEX capabilities_search_gin ON capabilities USING gin (
    to_tsvector('english', name || ' ' || coalesce(description, ''))
);

-- ---------------------------------------------------------------------------------------------
-- strategic_priorities: business objectives of a domain (OKR style)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE strategic_priorities (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unique_id varchar(100) NOT NULL,
    code varchar(50),
    name varchar(255) NOT NULL,
    description text,

    domain_id uuid CONSTRAINT strategic_priorities_domain_id_fkey REFERENCES domains(id) ON DELETE SET NULL,
    owner_role_id uuid CONSTRAINT strategic_priorities_owner_role_id_fkey REFERENCES org_roles(id) ON DELETE SET NULL,

    -- Classification
    priority_level varchar(20) NOT NULL DEFAULT 'medium',
    time_horizon varchar(20),              -- 'short_term' (<1y), 'medium_term' (1-3y), 'long_term' (>3y)
    status varchar(30) NOT NULL DEFAULT 'proposed',

    -- Objectives and measurement
    rationale text,
    objectives jsonb NOT NULL DEFAULT '[]'::jsonb,       -- [{id, statement}]
    key_results jsonb NOT NULL DEFAULT '[]'::jsonb,      -- [{id, metric, baseline, target, unit}]
    success_metrics jsonb NOT NULL DEFAULT '[]'::jsonb,
    progress_percent numeric(5,2) NOT NULL DEFAULT 0,
    budget_amount numeric(14,2),
    budget_currency varchar(3),
    fiscal_year smallint,
    start_date date,
    target_date date,

    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Registry
    is_active boolean NOT NULL DEFAULT true,
    is_public boolean NOT NULL DEFAULT false,

    -- Multi-tenancy
    tenant_id uuid CONSTRAINT strategic_priorities_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
    owner_tenant_id uuid CONSTRAINT strategic_priorities_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,

    -- Audit
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT strategic_priorities_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT strategic_priorities_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    deleted_at timestamptz,

    CONSTRAINT strategic_priorities_unique_id_key UNIQUE (unique_id),
    CONSTRAINT strategic_priorities_code_key UNIQUE (code),
    CONSTRAINT strategic_priorities_name_not_empty CHECK (length(name) > 0),
    CONSTRAINT strategic_priorities_priority_level_check
        CHECK (priority_level IN ('critical', 'high', 'medium', 'low')),
    CONSTRAINT strategic_priorities_time_horizon_check
        CHECK (time_horizon IS NULL OR time_horizon IN ('short_term', 'medium_term', 'long_term')),
    CONSTRAINT strategic_priorities_status_check
        CHECK (status IN ('proposed', 'active', 'on_hold', 'achieved', 'retired')),
    CONSTRAINT strategic_priorities_progress_range CHECK (progress_percent BETWEEN 0 AND 100),
    CONSTRAINT strategic_priorities_dates_order CHECK (start_date IS NULL OR target_date IS NULL OR target_date >= start_date)
);

CREATE INDEX strategic_priorities_tenant_active_idx ON strategic_priorities (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX strategic_priorities_domain_status_idx ON strategic_priorities (domain_id, status) WHERE deleted_at IS NULL;
CREATE INDEX strategic_priorities_tags_gin ON strategic_priorities USING gin (tags);
CREATE INDEX strategic_priorities_search_gin ON strategic_priorities USING gin (
    to_tsvector('english', name || ' ' || coalesce(description, ''))
);

-- ---------------------------------------------------------------------------------------------
-- capability_jtbd_mapping: capability <-> job to be done
-- ---------------------------------------------------------------------------------------------
CREATE TABLE capability_jtbd_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    capability_id uuid NOT NULL CONSTRAINT capability_jtbd_mapping_capability_id_fkey
        REFERENCES capabilities(id) ON DELETE CASCADE,
    jtbd_id uuid NOT NULL CONSTRAINT capability_jtbd_mapping_jtbd_id_fkey
        REFERENCES jobs_to_be_done(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT capability_jtbd_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    relevance_score numeric(3,2),
    is_primary boolean NOT NULL DEFAULT false,
    contribution_type varchar(50),         -- 'enables', 'supports', 'automates', 'accelerates'
    ai_automation_potential varchar(20),   -- 'low', 'medium', 'high'
    notes text,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT capability_jtbd_mapping_capability_jtbd_key UNIQUE (capability_id, jtbd_id),
    CONSTRAINT capability_jtbd_mapping_relevance_range CHECK (relevance_score IS NULL OR relevance_score BETWEEN 0 AND 1),
    CONSTRAINT capability_jtbd_mapping_ai_potential_check
        CHECK (ai_automation_potential IS NULL OR ai_automation_potential IN ('low', 'medium', 'high'))
);

CREATE INDEX capability_jtbd_mapping_jtbd_primary_idx ON capability_jtbd_mapping (jtbd_id, is_primary);

-- ---------------------------------------------------------------------------------------------
-- use_cases (004)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE use_cases (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unique_id varchar(100) NOT NULL,
    code varchar(50),                      -- UC001, UC002
    name varchar(255) NOT NULL,

    -- Classification
    use_case_type varchar(50),             -- 'operational', 'strategic', 'analytical'
    category varchar(100),
    priority_level varchar(20),

    -- Description
    description text,
    business_value text,
    success_criteria jsonb NOT NULL DEFAULT '[]'::jsonb,

    -- Scope
    target_personas jsonb NOT NULL DEFAULT '[]'::jsonb,        -- [{persona_id, role}]
    required_workflows jsonb NOT NULL DEFAULT '[]'::jsonb,     -- [{workflow_id, sequence}]
    required_capabilities jsonb NOT NULL DEFAULT '[]'::jsonb,

    -- Implementation
    complexity_level varchar(20),
    implementation_effort varchar(50),
    estimated_roi numeric(10,2),

    -- Performance
    kpi_metrics jsonb NOT NULL DEFAULT '[]'::jsonb,
    success_stories jsonb NOT NULL DEFAULT '[]'::jsonb,

    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Registry
    is_active boolean NOT NULL DEFAULT true,
    is_public boolean NOT NULL DEFAULT false,
    is_featured boolean NOT NULL DEFAULT false,

    -- Multi-tenancy
    tenant_id uuid CONSTRAINT use_cases_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
    owner_tenant_id uuid CONSTRAINT use_cases_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,

    -- Audit
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT use_cases_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT use_cases_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    deleted_at timestamptz,

    CONSTRAINT use_cases_unique_id_key UNIQUE (unique_id),
    CONSTRAINT use_cases_code_key UNIQUE (code),
    CONSTRAINT use_cases_name_not_empty CHECK (length(name) > 0),
    CONSTRAINT use_cases_complexity_level_check
        CHECK (complexity_level IS NULL OR complexity_level IN ('Low', 'Medium', 'High'))
);

CREATE INDEX use_cases_tenant_active_idx ON use_cases (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX use_cases_category_idx ON use_cases (category) WHERE is_active = true;
CREATE INDEX use_cases_public_idx ON use_cases (is_public, is_featured) WHERE is_active = true;
CREATE INDEX use_cases_tags_gin ON use_cases USING gin (tags);
CREATE INDEX use_cases_search_gin ON use_cases USING gin (
    to_tsvector('english', name || ' ' || coalesce(description, ''))
);

CREATE TABLE use_case_industry_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    use_case_id uuid NOT NULL CONSTRAINT use_case_industry_mapping_use_case_id_fkey
        REFERENCES use_cases(id) ON DELETE CASCADE,
    industry_id uuid NOT NULL CONSTRAINT use_case_industry_mapping_industry_id_fkey
        REFERENCES industries(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT use_case_industry_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    is_primary boolean NOT NULL DEFAULT false,
    adoption_rate numeric(5,2),            -- percent of the industry that has adopted it
    maturity_level varchar(50),            -- 'emerging', 'growing', 'mainstream', 'mature'
    regulatory_considerations text,

    case_studies jsonb NOT NULL DEFAULT '[]'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT use_case_industry_mapping_use_case_industry_key UNIQUE (use_case_id, industry_id),
    CONSTRAINT use_case_industry_mapping_adoption_rate_range
        CHECK (adoption_rate IS NULL OR adoption_rate BETWEEN 0 AND 100)
);

CREATE INDEX use_case_industry_mapping_industry_primary_idx ON use_case_industry_mapping (industry_id, is_primary);
