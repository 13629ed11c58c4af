-- Phase 5 (000/003/004): AI agents core.
-- agents: 004's columns, plus 002's slug / domain / subdomain / status, plus the enum-typed
-- classification of 003 (agent_status, agent_type, validation_status, domain_expertise,
-- data_classification). Registry asset: tenant_id NULL = shared registry.
-- The agent junctions (skills, tools, prompts, knowledge, industries, personas) come in later
-- phases, once their other side exists. 004's agents_unique_per_tenant (unique_id, tenant_id)
-- is subsumed by the global UNIQUE (unique_id).

CREATE TABLE agents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),

  -- Tenancy (registry class)
  tenant_id uuid CONSTRAINT agents_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
  owner_tenant_id uuid CONSTRAINT agents_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,
  is_public boolean NOT NULL DEFAULT false,

  -- Identity
  unique_id varchar(100) NOT NULL CONSTRAINT agents_unique_id_key UNIQUE,
  slug varchar(150) NOT NULL CONSTRAINT agents_slug_key UNIQUE,
  name varchar(255) NOT NULL,
  display_name varchar(255),
  tagline varchar(500),
  description text,
  avatar_url text,

  -- Classification
  agent_type agent_type NOT NULL DEFAULT 'specialist',
  category varchar(100),        -- 'medical_affairs', 'clinical_ops', ...
  specialization varchar(100),
  domain varchar(100),          -- 002: business domain label, e.g. 'regulatory_affairs'
  subdomain varchar(100),
  domain_expertise domain_expertise NOT NULL DEFAULT 'general',
  functional_area functional_area_type,
  tier smallint NOT NULL DEFAULT 2, -- 1 = foundational/strategic, 2 = specialist, 3 = narrow/utility
  complexity_level varchar(20),

  -- Lifecycle and validation
  status agent_status NOT NULL DEFAULT 'development',
  validation_status validation_status NOT NULL DEFAULT 'pending',
  validated_by uuid CONSTRAINT agents_validated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  validated_at timestamptz,
  validation_notes text,
  released_at timestamptz,
  deprecated_at timestamptz,
  deprecation_reason text,

  -- Core configuration
  system_prompt text,
  model_config jsonb NOT NULL DEFAULT '{}'::jsonb, -- {model, temperature, max_tokens, ...}
  llm_provider varchar(50),     -- 'openai', 'anthropic', 'azure_openai', ...
  model_name varchar(100),
  temperature numeric(3,2) NOT NULL DEFAULT 0.70,
  max_tokens integer NOT NULL DEFAULT 4096,
  context_window integer,
  response_format varchar(50),  -- 'markdown', 'structured_json', 'report'

  -- Capabilities
  capabilities jsonb NOT NULL DEFAULT '[]'::jsonb, -- [{capability_id, proficiency_level}]
  skills jsonb NOT NULL DEFAULT '[]'::jsonb,       -- [{skill_id, proficiency}]
  tools jsonb NOT NULL DEFAULT '[]'::jsonb,        -- [{tool_id, config}]
  knowledge_domains text[] NOT NULL DEFAULT '{}',
  therapeutic_areas text[] NOT NULL DEFAULT '{}',
  languages text[] NOT NULL DEFAULT '{en}',
  rag_enabled boolean NOT NULL DEFAULT false,
  web_search_enabled boolean NOT NULL DEFAULT false,

  -- Behaviour
  personality_traits jsonb NOT NULL DEFAULT '{}'::jsonb,
  communication_style jsonb NOT NULL DEFAULT '{}'::jsonb,
  decision_making_style varchar(50),
  example_questions text[] NOT NULL DEFAULT '{}',

  -- Orchestration
  can_delegate boolean NOT NULL DEFAULT false,
  delegation_rules jsonb NOT NULL DEFAULT '{}'::jsonb,
  escalation_rules jsonb NOT NULL DEFAULT '{}'::jsonb,
  max_concurrent_sessions integer,

  -- Compliance and safety
  data_classification data_classification NOT NULL DEFAULT 'internal',
  regulatory_frameworks text[] NOT NULL DEFAULT '{}', -- '21 CFR Part 11', 'GDPR', 'HIPAA', 'EU AI Act', ...
  hipaa_compliant boolean NOT NULL DEFAULT false,
  gxp_compliant boolean NOT NULL DEFAULT false,
  gdpr_compliant boolean NOT NULL DEFAULT false,
  requires_human_review boolean NOT NULL DEFAULT false,
  citation_required boolean NOT NULL DEFAULT true,
  audit_trail_enabled boolean NOT NULL DEFAULT true,
  safety_guardrails jsonb NOT NULL DEFAULT '{}'::jsonb,
  disclaimer text,

  -- Performance
  performance_metrics jsonb NOT NULL DEFAULT '{}'::jsonb,
  accuracy_score numeric(5,2),     -- 0-100
  success_rate numeric(5,2),       -- 0-100
  avg_response_time_ms integer,
  avg_rating numeric(3,2),         -- 0-5
  total_ratings integer NOT NULL DEFAULT 0,
  usage_count bigint NOT NULL DEFAULT 0,
  total_consultations integer NOT NULL DEFAULT 0,
  cost_per_query numeric(10,4),
  last_used_at timestamptz,

  -- Registry
  is_active boolean NOT NULL DEFAULT true,
  is_featured boolean NOT NULL DEFAULT false,

  -- Versioning (parent_agent_id: the agent this one is a variant / fork of)
  version integer NOT NULL DEFAULT 1,
  parent_agent_id uuid CONSTRAINT agents_parent_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,

  tags text[] NOT NULL DEFAULT '{}',
  keywords text[] NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  -- Audit
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid CONSTRAINT agents_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  updated_by uuid CONSTRAINT agents_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
  deleted_at timestamptz,

  CONSTRAINT agents_name_not_empty_check CHECK (length(name) > 0),
  CONSTRAINT agents_slug_format_check CHECK (slug ~ '^[a-z0-9][a-z0-9_-]*$'),
  CONSTRAINT agents_complexity_level_check CHECK (complexity_level IS NULL OR complexity_level IN ('Low', 'Medium', 'High')),
  CONSTRAINT agents_tier_check CHECK (tier BETWEEN 1 AND 3),
  CONSTRAINT agents_temperature_check CHECK (temperature BETWEEN 0 AND 2),
  CONSTRAINT agents_max_tokens_check CHECK (max_tokens > 0),
  CONSTRAINT agents_context_window_check CHECK (context_window IS NULL OR context_window > 0),
  CONSTRAINT agents_max_concurrent_sessions_check CHECK (max_concurrent_sessions IS NULL OR max_concurrent_sessions > 0),
  CONSTRAINT agents_accuracy_score_check CHECK (accuracy_score IS NULL OR accuracy_score BETWEEN 0 AND 100),
  CONSTRAINT agents_success_rate_check CHECK (success_rate IS NULL OR success_rate BETWEEN 0 AND 100),
  CONSTRAINT agents_avg_rating_check CHECK (avg_rating IS NULL OR avg_rating BETWEEN 0 AND 5),
  CONSTRAINT agents_counts_check CHECK (total_ratings >= 0 AND usage_count >= 0 AND total_consultations >= 0),
  CONSTRAINT agents_version_check CHECK (version >= 1),
  CONSTRAINT agents_not_own_parent_check CHECK (parent_agent_id IS NULL OR parent_agent_id <> id)
);

-- Indexes (004), plus status / classification filters and GIN on the label arrays
CREATE INDEX agents_tenant_idx ON agents (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX agents_category_idx ON agents (category) WHERE is_active = true;
CREATE INDEX agents_public_idx ON agents (is_public, is_featured);
CREATE INDEX agents_status_idx ON agents (status) WHERE deleted_at IS NULL;
CREATE INDEX agents_domain_expertise_idx ON agents (domain_expertise, agent_type) WHERE deleted_at IS NULL;
CREATE INDEX agents_functional_area_idx ON agents (functional_area) WHERE deleted_at IS NULL;
CREATE INDEX agents_parent_idx ON agents (parent_agent_id) WHERE parent_agent_id IS NOT NULL;
CREATE INDEX agents_capabilities_gin_idx ON agents USING gin (capabilities);
CREATE INDEX agents_tags_gin_idx ON agents USING gin (tags);
CREATE INDEX agents_knowledge_domains_gin_idx ON agents USING gin (knowledge_domains);
CREATE INDEX agents_search_idx ON agents USING gin (
  to_tsvector('english', name || ' ' || coalesce(description, '')));
