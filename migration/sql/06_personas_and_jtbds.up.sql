-- Phase 6 (002/004): personas and jobs-to-be-done.
-- personas, jobs_to_be_done: registry assets (tenant_id NULL = shared registry).
-- persona_industry_mapping, persona_role_mapping, jtbd_personas, jtbd_industry_mapping,
-- jtbd_desired_outcomes, jtbd_gen_ai_opportunities, jtbd_gen_ai_use_cases: children / junctions
-- of registry assets; their tenant_id is denormalised from the private side (NULL when every
-- side is shared).

-- ---------------------------------------------------------------------------------------------
-- personas (004 columns, plus 002's role_title / vpanes_scores and a few profile lists).
-- 004's personas_unique_per_tenant (unique_id, tenant_id) is subsumed by the global UNIQUE.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE personas (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),

  -- Tenancy (registry class)
  tenant_id uuid CONSTRAINT personas_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  owner_tenant_id uuid CONSTRAINT personas_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,
  is_public boolean NOT NULL DEFAULT false,

  -- Identity
  unique_id varchar(100) NOT NULL CONSTRAINT personas_unique_id_key UNIQUE,
  name varchar(255) NOT NULL,
  display_name varchar(255),
  role_title varchar(255), -- 002: the persona's job title, e.g. 'Senior Medical Science Liaison'
  avatar_url text,

  -- Core attributes (industry-neutral)
  persona_type varchar(50),       -- 'professional', 'patient', 'researcher', 'payer', 'hcp'
  seniority_level varchar(50),    -- 'executive', 'senior', 'mid', 'junior', 'entry'
  decision_authority varchar(50), -- 'final', 'advisory', 'informational'
  functional_area functional_area_type,
  geographic_scope varchar(50),   -- 'local', 'regional', 'global'
  organization_size varchar(50),  -- 'startup', 'mid_size', 'large_enterprise'

  -- Description
  description text,
  short_bio text,
  quote text, -- a representative quote, for persona cards

  -- Profile data (flexible JSONB)
  profile jsonb NOT NULL DEFAULT '{}'::jsonb,          -- {experience_years, education, certifications}
  responsibilities jsonb NOT NULL DEFAULT '[]'::jsonb, -- [{id, title, description, priority}]
  pain_points jsonb NOT NULL DEFAULT '[]'::jsonb,      -- [{id, category, description, severity}]
  goals jsonb NOT NULL DEFAULT '[]'::jsonb,            -- [{id, type, description, priority, metrics}]
  motivations jsonb NOT NULL DEFAULT '[]'::jsonb,
  success_metrics jsonb NOT NULL DEFAULT '[]'::jsonb,
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb,       -- {risk_tolerance, tech_savvy, ...}
  vpanes_scores jsonb NOT NULL DEFAULT '{}'::jsonb,    -- 002: Visibility, Pain, Actions, Needs, Emotions, Scenarios

  -- Behavioural traits
  communication_style jsonb NOT NULL DEFAULT '{}'::jsonb,
  work_patterns jsonb NOT NULL DEFAULT '{}'::jsonb,
  preferences jsonb NOT NULL DEFAULT '{}'::jsonb,
  tools_used text[] NOT NULL DEFAULT '{}',
  information_sources text[] NOT NULL DEFAULT '{}',

  -- AI interaction
  ai_interaction_profile jsonb NOT NULL DEFAULT '{}'::jsonb, -- {preferred_tone, complexity_level}
  ai_adoption_level varchar(20), -- 'skeptic', 'cautious', 'adopter', 'champion'

  -- Status
  is_active boolean NOT NULL DEFAULT true,
  is_featured boolean NOT NULL DEFAULT false,
  tags text[] NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  -- Audit
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid CONSTRAINT personas_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  updated_by uuid CONSTRAINT personas_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  deleted_at timestamptz,
  version integer NOT NULL DEFAULT 1,

  CONSTRAINT personas_name_not_empty_check CHECK (length(name) > 0),
  CONSTRAINT personas_seniority_level_check CHECK (
    seniority_level IS NULL OR seniority_level IN ('executive', 'senior', 'mid', 'junior', 'entry')),
  CONSTRAINT personas_decision_authority_check CHECK (
    decision_authority IS NULL OR decision_authority IN ('final', 'advisory', 'informational')),
  CONSTRAINT personas_version_check CHECK (version >= 1)
);

CREATE INDEX personas_tenant_idx ON personas (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX personas_active_idx ON personas (is_active) WHERE deleted_at IS NULL;
CREATE INDEX personas_public_idx ON personas (is_public) WHERE is_active = true;
CREATE INDEX personas_functional_area_idx ON personas (functional_area) WHERE deleted_at IS NULL;
CREATE INDEX personas_profile_gin_idx ON personas USING gin (profile);
CREATE INDEX personas_tags_gin_idx ON personas USING gin (tags);
CREATE INDEX personas_search_idx ON personas USING gin (
  to_tsvector('english', name || ' ' || coalesce(description, '')));

-- ---------------------------------------------------------------------------------------------
-- persona_industry_mapping (004)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE persona_industry_mapping (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid CONSTRAINT persona_industry_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  persona_id uuid NOT NULL CONSTRAINT persona_industry_mapping_persona_id_fkey REFERENCES personas(id) ON DELETE CASCADE,
  industry_id uuid NOT NULL CONSTRAINT persona_industry_mapping_industry_id_fkey REFERENCES industries(id) ON DELETE CASCADE,

  -- Industry-specific attributes
  is_primary boolean NOT NULL DEFAULT false,
  industry_specific_id varchar(100), -- legacy pharma_id / dh_id / biotech_id
  industry_title varchar(255),       -- industry-specific job title
  industry_metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  -- Usage stats
  usage_count integer NOT NULL DEFAULT 0,
  last_used_at timestamptz,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT persona_industry_mapping_persona_id_industry_id_key UNIQUE (persona_id, industry_id),
  CONSTRAINT persona_industry_mapping_usage_count_check CHECK (usage_count >= 0)
);

CREATE INDEX persona_industry_mapping_industry_primary_idx ON persona_industry_mapping (industry_id, is_primary);

-- ---------------------------------------------------------------------------------------------
-- persona_role_mapping (004): persona <-> org role
-- ---------------------------------------------------------------------------------------------
CREATE TABLE persona_role_mapping (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid CONSTRAINT persona_role_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  persona_id uuid NOT NULL CONSTRAINT persona_role_mapping_persona_id_fkey REFERENCES personas(id) ON DELETE CASCADE,
  role_id uuid NOT NULL CONSTRAINT persona_role_mapping_role_id_fkey REFERENCES org_roles(id) ON DELETE CASCADE,

  is_primary boolean NOT NULL DEFAULT false,
  responsibilities jsonb NOT NULL DEFAULT '[]'::jsonb, -- role-specific responsibilities
  fit_score numeric(3,2),                              -- 0-1: how well the persona represents the role

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT persona_role_mapping_persona_id_role_id_key UNIQUE (persona_id, role_id),
  CONSTRAINT persona_role_mapping_fit_score_check CHECK (fit_score IS NULL OR fit_score BETWEEN 0 AND 1)
);

CREATE INDEX persona_role_mapping_role_primary_idx ON persona_role_mapping (role_id, is_primary);

-- ---------------------------------------------------------------------------------------------
-- jobs_to_be_done: the JTBD library. job_statement follows the canonical
-- "When [situation], I want to [motivation], so I can [outcome]" form (002); situation /
-- motivation / expected_outcome hold its three parts. 000: no NULL classification, hence the
-- NOT NULL enums. persona_id is the (optional) primary job executor; jtbd_personas holds the
-- full many-to-many with relevance scoring.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE jobs_to_be_done (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),

  -- Tenancy (registry class)
  tenant_id uuid CONSTRAINT jobs_to_be_done_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  owner_tenant_id uuid CONSTRAINT jobs_to_be_done_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,
  is_public boolean NOT NULL DEFAULT false,

  -- Identity
  unique_id varchar(100) NOT NULL CONSTRAINT jobs_to_be_done_unique_id_key UNIQUE,
  code varchar(50) CONSTRAINT jobs_to_be_done_code_key UNIQUE, -- 'JTBD-MA-001', ...
  name varchar(255) NOT NULL,
  description text,

  -- The job statement
  job_statement text NOT NULL,
  situation text,         -- "When ..."
  motivation text,        -- "I want to ..."
  expected_outcome text,  -- "so I can ..."

  -- Job executor (optional)
  persona_id uuid CONSTRAINT jobs_to_be_done_persona_id_fkey REFERENCES personas(id) ON DELETE SET NULL,

  -- Classification
  functional_area functional_area_type NOT NULL,
  job_category job_category_type NOT NULL,
  frequency frequency_type NOT NULL,
  complexity complexity_type NOT NULL,
  decision_type decision_type NOT NULL,
  status jtbd_status NOT NULL DEFAULT 'draft',

  -- Context and value
  business_value text,
  priority_score numeric(4,2),        -- 0-10
  time_spent_hours_per_month numeric(7,2),
  automation_potential varchar(10),   -- 'low', 'medium', 'high'
  success_criteria jsonb NOT NULL DEFAULT '[]'::jsonb,
  pain_points jsonb NOT NULL DEFAULT '[]'::jsonb,
  current_solutions jsonb NOT NULL DEFAULT '[]'::jsonb, -- how the job is done today
  barriers jsonb NOT NULL DEFAULT '[]'::jsonb,
  kpis text[] NOT NULL DEFAULT '{}',
  related_regulations text[] NOT NULL DEFAULT '{}',

  -- Registry
  is_active boolean NOT NULL DEFAULT true,
  source varchar(100), -- 'odi_research', 'interview', 'workshop', 'import'
  tags text[] NOT NULL DEFAULT '{}',
  keywords text[] NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  version integer NOT NULL DEFAULT 1,

  -- Audit
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid CONSTRAINT jobs_to_be_done_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  updated_by uuid CONSTRAINT jobs_to_be_done_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  deleted_at timestamptz,

  CONSTRAINT jobs_to_be_done_name_not_empty_check CHECK (length(name) > 0),
  -- lenient shape check: starts with "When", contains "want" and then "so"
  CONSTRAINT jobs_to_be_done_job_statement_format_check CHECK (job_statement ~* '^\s*when\M.*\mwant\M.*\mso\M'),
  CONSTRAINT jobs_to_be_done_priority_score_check CHECK (priority_score IS NULL OR priority_score BETWEEN 0 AND 10),
  CONSTRAINT jobs_to_be_done_time_spent_check CHECK (time_spent_hours_per_month IS NULL OR time_spent_hours_per_month >= 0),
  CONSTRAINT jobs_to_be_done_automation_potential_check CHECK (
    automation_potential IS NULL OR automation_potential IN ('low', 'medium', 'high')),
  CONSTRAINT jobs_to_be_done_version_check CHECK (version >= 1)
);

CREATE INDEX jobs_to_be_done_tenant_idx ON jobs_to_be_done (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX jobs_to_be_done_functional_area_idx ON jobs_to_be_done (functional_area, status) WHERE deleted_at IS NULL;
CREATE INDEX jobs_to_be_done_category_idx ON jobs_to_be_done (job_category) WHERE deleted_at IS NULL;
CREATE INDEX jobs_to_be_done_public_idx ON jobs_to_be_done (is_public) WHERE is_active = true;
CREATE INDEX jobs_to_be_done_tags_gin_idx ON jobs_to_be_done USING gin (tags);
CREATE INDEX jobs_to_be_done_search_idx ON jobs_to_be_done USING gin (
  to_tsvector('english', name || ' ' || coalesce(description, '')));
CREATE INDEX jobs_to_be_done_statement_search_idx ON jobs_to_be_done USING gin (
  to_tsvector('english', job_statement));

-- ---------------------------------------------------------------------------------------------
-- jtbd_personas: JTBD <-> persona with relevance scoring.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE jtbd_personas (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid CONSTRAINT jtbd_personas_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  jtbd_id uuid NOT NULL CONSTRAINT jtbd_personas_jtbd_id_fkey REFERENCES jobs_to_be_done(id) ON DELETE CASCADE,
  persona_id uuid NOT NULL CONSTRAINT jtbd_personas_persona_id_fkey REFERENCES personas(id) ON DELETE CASCADE,

  relevance_score numeric(3,2) NOT NULL DEFAULT 0.50, -- 0-1
  is_primary boolean NOT NULL DEFAULT false,
  persona_role varchar(30) NOT NULL DEFAULT 'executor', -- the persona's part in the job
  importance smallint,     -- 1-10: how important the job is to this persona
  pain_intensity smallint, -- 1-10: how painful the job is today for this persona
  frequency frequency_type,
  notes text,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT jtbd_personas_jtbd_id_persona_id_key UNIQUE (jtbd_id, persona_id),
  CONSTRAINT jtbd_personas_relevance_score_check CHECK (relevance_score BETWEEN 0 AND 1),
  CONSTRAINT jtbd_personas_persona_role_check CHECK (
    persona_role IN ('executor', 'beneficiary', 'approver', 'contributor', 'stakeholder')),
  CONSTRAINT jtbd_personas_importance_check CHECK (importance IS NULL OR importance BETWEEN 1 AND 10),
  CONSTRAINT jtbd_personas_pain_intensity_check CHECK (pain_intensity IS NULL OR pain_intensity BETWEEN 1 AND 10)
);

CREATE INDEX jtbd_personas_persona_relevance_idx ON jtbd_personas (persona_id, relevance_score DESC);

-- ---------------------------------------------------------------------------------------------
-- jtbd_industry_mapping (004)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE jtbd_industry_mapping (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid CONSTRAINT jtbd_industry_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  jtbd_id uuid NOT NULL CONSTRAINT jtbd_industry_mapping_jtbd_id_fkey REFERENCES jobs_to_be_done(id) ON DELETE CASCADE,
  industry_id uuid NOT NULL CONSTRAINT jtbd_industry_mapping_industry_id_fkey REFERENCES industries(id) ON DELETE CASCADE,

  is_primary boolean NOT NULL DEFAULT false,
  industry_context jsonb NOT NULL DEFAULT '{}'::jsonb, -- industry-specific context
  success_metrics jsonb NOT NULL DEFAULT '{}'::jsonb,  -- industry-specific KPIs

  usage_count integer NOT NULL DEFAULT 0,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT jtbd_industry_mapping_jtbd_id_industry_id_key UNIQUE (jtbd_id, industry_id),
  CONSTRAINT jtbd_industry_mapping_usage_count_check CHECK (usage_count >= 0)
);

CREATE INDEX jtbd_industry_mapping_industry_primary_idx ON jtbd_industry_mapping (industry_id, is_primary);

-- ---------------------------------------------------------------------------------------------
-- jtbd_desired_outcomes (002): ODI desired outcomes, 5-12 per JTBD.
-- Outcome statement = direction + metric + object of control + contextual clarifier, e.g.
-- "Minimize the time it takes to identify KOLs for an advisory board".
-- opportunity_score = importance + max(importance - satisfaction, 0), enforced by a CHECK so the
-- column stays writable (range 1-19).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE jtbd_desired_outcomes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid CONSTRAINT jtbd_desired_outcomes_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  jtbd_id uuid NOT NULL CONSTRAINT jtbd_desired_outcomes_jtbd_id_fkey REFERENCES jobs_to_be_done(id) ON DELETE CASCADE,

  outcome_statement text NOT NULL,
  direction varchar(20),          -- 'minimize', 'maximize', 'increase', 'decrease', 'reduce'
  metric varchar(100),            -- 'time', 'likelihood', 'number', 'cost', ...
  object_of_control text,
  contextual_clarifier text,
  outcome_category varchar(50),   -- 'speed', 'quality', 'compliance', 'cost', 'risk', ...

  -- ODI scores (1-10); NULL until surveyed
  importance_score numeric(4,2),
  satisfaction_score numeric(4,2),
  opportunity_score numeric(5,2),
  sample_size integer,
  measurement_method varchar(100), -- 'survey', 'interview', 'expert_estimate'
  last_measured_at timestamptz,

  display_order integer NOT NULL DEFAULT 0,
  is_active boolean NOT NULL DEFAULT true,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT jtbd_desired_outcomes_jtbd_id_statement_key UNIQUE (jtbd_id, outcome_statement),
  CONSTRAINT jtbd_desired_outcomes_direction_check CHECK (
    direction IS NULL OR direction IN ('minimize', 'maximize', 'increase', 'decrease', 'reduce')),
  CONSTRAINT jtbd_desired_outcomes_importance_check CHECK (importance_score IS NULL OR importance_score BETWEEN 1 AND 10),
  CONSTRAINT jtbd_desired_outcomes_satisfaction_check CHECK (satisfaction_score IS NULL OR satisfaction_score BETWEEN 1 AND 10),
  CONSTRAINT jtbd_desired_outcomes_opportunity_check CHECK (
    opportunity_score IS NULL
    OR (importance_score IS NOT NULL AND satisfaction_score IS NOT NULL
        AND opportunity_score = importance_score + greatest(importance_score - satisfaction_score, 0))),
  CONSTRAINT jtbd_desired_outcomes_sample_size_check CHECK (sample_size IS NULL OR sample_size >= 0)
);

CREATE INDEX jtbd_desired_outcomes_opportunity_idx ON jtbd_desired_outcomes (jtbd_id, opportunity_score DESC NULLS LAST);

-- ---------------------------------------------------------------------------------------------
-- jtbd_gen_ai_opportunities (002): where generative AI can help with a JTBD.
-- desired_outcome_id: the outcome the opportunity mainly addresses (optional);
-- recommended_agent_id: the agent best placed to deliver it (optional).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE jtbd_gen_ai_opportunities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid CONSTRAINT jtbd_gen_ai_opportunities_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  jtbd_id uuid NOT NULL CONSTRAINT jtbd_gen_ai_opportunities_jtbd_id_fkey REFERENCES jobs_to_be_done(id) ON DELETE CASCADE,
  desired_outcome_id uuid CONSTRAINT jtbd_gen_ai_opportunities_desired_outcome_id_fkey
    REFERENCES jtbd_desired_outcomes(id) ON DELETE SET NULL,
  recommended_agent_id uuid CONSTRAINT jtbd_gen_ai_opportunities_recommended_agent_id_fkey
    REFERENCES agents(id) ON DELETE SET NULL,

  name varchar(255) NOT NULL,
  description text,
  opportunity_type varchar(50) NOT NULL,
  ai_techniques text[] NOT NULL DEFAULT '{}', -- 'rag', 'summarization', 'extraction', 'classification', ...

  -- Assessment
  impact_score numeric(4,2),       -- 1-10
  feasibility_score numeric(4,2),  -- 1-10
  automation_potential_pct numeric(5,2),
  estimated_time_savings_pct numeric(5,2),
  estimated_annual_value_usd numeric(14,2),
  implementation_effort varchar(10), -- 'low', 'medium', 'high'
  implementation_complexity complexity_type,
  time_to_value_weeks integer,

  -- Risk and compliance
  data_classification data_classification NOT NULL DEFAULT 'internal',
  requires_human_in_loop boolean NOT NULL DEFAULT true,
  regulatory_considerations text,
  data_requirements jsonb NOT NULL DEFAULT '[]'::jsonb,
  risks jsonb NOT NULL DEFAULT '[]'::jsonb,

  status varchar(20) NOT NULL DEFAULT 'identified',
  display_order integer NOT NULL DEFAULT 0,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  created_by uuid CONSTRAINT jtbd_gen_ai_opportunities_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT jtbd_gen_ai_opportunities_jtbd_id_name_key UNIQUE (jtbd_id, name),
  CONSTRAINT jtbd_gen_ai_opportunities_type_check CHECK (opportunity_type IN (
    'automation', 'augmentation', 'insight_generation', 'content_generation', 'decision_support', 'knowledge_retrieval')),
  CONSTRAINT jtbd_gen_ai_opportunities_impact_check CHECK (impact_score IS NULL OR impact_score BETWEEN 1 AND 10),
  CONSTRAINT jtbd_gen_ai_opportunities_feasibility_check CHECK (feasibility_score IS NULL OR feasibility_score BETWEEN 1 AND 10),
  CONSTRAINT jtbd_gen_ai_opportunities_pct_check CHECK (
    (automation_potential_pct IS NULL OR automation_potential_pct BETWEEN 0 AND 100)
    AND (estimated_time_savings_pct IS NULL OR estimated_time_savings_pct BETWEEN 0 AND 100)),
  CONSTRAINT jtbd_gen_ai_opportunities_effort_check CHECK (
    implementation_effort IS NULL OR implementation_effort IN ('low', 'medium', 'high')),
  CONSTRAINT jtbd_gen_ai_opportunities_time_to_value_check CHECK (time_to_value_weeks IS NULL OR time_to_value_weeks >= 0),
  CONSTRAINT jtbd_gen_ai_opportunities_status_check CHECK (
    status IN ('identified', 'evaluating', 'approved', 'in_development', 'deployed', 'rejected'))
);

CREATE INDEX jtbd_gen_ai_opportunities_ranking_idx ON jtbd_gen_ai_opportunities (jtbd_id, impact_score DESC NULLS LAST);
CREATE INDEX jtbd_gen_ai_opportunities_techniques_gin_idx ON jtbd_gen_ai_opportunities USING gin (ai_techniques);

-- ---------------------------------------------------------------------------------------------
-- jtbd_gen_ai_use_cases (002): concrete use cases of an opportunity, 3-5 per opportunity.
-- agent_id: the agent that delivers the use case (optional).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE jtbd_gen_ai_use_cases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid CONSTRAINT jtbd_gen_ai_use_cases_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  opportunity_id uuid NOT NULL CONSTRAINT jtbd_gen_ai_use_cases_opportunity_id_fkey
    REFERENCES jtbd_gen_ai_opportunities(id) ON DELETE CASCADE,
  agent_id uuid CONSTRAINT jtbd_gen_ai_use_cases_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,

  name varchar(255) NOT NULL,
  description text,
  user_story text,       -- "As a <persona>, I want <capability> so that <benefit>"
  example_prompt text,
  expected_output text,
  inputs jsonb NOT NULL DEFAULT '[]'::jsonb,
  outputs jsonb NOT NULL DEFAULT '[]'::jsonb,
  success_metrics jsonb NOT NULL DEFAULT '[]'::jsonb,
  ai_capabilities text[] NOT NULL DEFAULT '{}',

  complexity complexity_type,
  priority integer NOT NULL DEFAULT 3, -- 1 (highest) .. 5
  value_score numeric(4,2),            -- 1-10
  estimated_time_savings_minutes integer,
  implementation_status varchar(20) NOT NULL DEFAULT 'proposed',

  display_order integer NOT NULL DEFAULT 0,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT jtbd_gen_ai_use_cases_opportunity_id_name_key UNIQUE (opportunity_id, name),
  CONSTRAINT jtbd_gen_ai_use_cases_priority_check CHECK (priority BETWEEN 1 AND 5),
  CONSTRAINT jtbd_gen_ai_use_cases_value_score_check CHECK (value_score IS NULL OR value_score BETWEEN 1 AND 10),
  CONSTRAINT jtbd_gen_ai_use_cases_time_savings_check CHECK (
    estimated_time_savings_minutes IS NULL OR estimated_time_savings_minutes >= 0),
  CONSTRAINT jtbd_gen_ai_use_cases_status_check CHECK (
    implementation_status IN ('proposed', 'piloting', 'in_production', 'retired'))
);

CREATE INDEX jtbd_gen_ai_use_cases_capabilities_gin_idx ON jtbd_gen_ai_use_cases USING gin (ai_capabilities);
