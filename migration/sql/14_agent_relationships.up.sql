-- Phase 14 (003): agent relationships, all agent junction tables.
-- agent_skills, agent_tools, agent_prompts, agent_knowledge, agent_industry_mapping (004),
-- agent_persona_mapping (004).
--
-- Tenancy: junctions of registry assets (child/junction class). tenant_id is denormalised: the
-- tenant of the private side (NULL when every side is in the shared registry; industries are global,
-- so for agent_industry_mapping it is the agent's tenant). tenant_id uses the default NO ACTION on
-- delete, as in the other phases: tenants are soft-deleted.
-- Each junction: both FKs NOT NULL ON DELETE CASCADE and UNIQUE over the pair.
-- Score conventions: numeric(3,2) scores / weights are 0..1; success rates numeric(5,2) are percents.

-- ---------------------------------------------------------------------------------------------
-- agent_skills: agent <-> skill, with proficiency
-- ---------------------------------------------------------------------------------------------
CREATE TABLE agent_skills (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id uuid NOT NULL CONSTRAINT agent_skills_agent_id_fkey REFERENCES agents(id) ON DELETE CASCADE,
    skill_id uuid NOT NULL CONSTRAINT agent_skills_skill_id_fkey REFERENCES skills(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT agent_skills_tenant_id_fkey REFERENCES tenants(id),

    proficiency_level varchar(20) NOT NULL DEFAULT 'intermediate',
    proficiency_score numeric(3,2),                       -- measured proficiency 0..1
    is_primary boolean NOT NULL DEFAULT false,            -- a core skill of the agent
    priority integer NOT NULL DEFAULT 0,
    configuration jsonb NOT NULL DEFAULT '{}'::jsonb,     -- skill parameters specific to this agent

    validated_by uuid CONSTRAINT agent_skills_validated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    validated_at timestamptz,
    usage_count integer NOT NULL DEFAULT 0,
    last_used_at timestamptz,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT agent_skills_agent_skill_key UNIQUE (agent_id, skill_id),
    CONSTRAINT agent_skills_proficiency_level_check CHECK (proficiency_level IN ('basic', 'intermediate', 'advanced', 'expert')),
    CONSTRAINT agent_skills_proficiency_score_range CHECK (proficiency_score IS NULL OR proficiency_score BETWEEN 0 AND 1),
    CONSTRAINT agent_skills_usage_count_check CHECK (usage_count >= 0)
);

CREATE INDEX agent_skills_skill_proficiency_idx ON agent_skills (skill_id, proficiency_level);

-- ---------------------------------------------------------------------------------------------
-- agent_tools: agent <-> tool, with the agent's configuration of the tool
-- ---------------------------------------------------------------------------------------------
CREATE TABLE agent_tools (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id uuid NOT NULL CONSTRAINT agent_tools_agent_id_fkey REFERENCES agents(id) ON DELETE CASCADE,
    tool_id uuid NOT NULL CONSTRAINT agent_tools_tool_id_fkey REFERENCES tools(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT agent_tools_tenant_id_fkey REFERENCES tenants(id),

    configuration jsonb NOT NULL DEFAULT '{}'::jsonb,     -- values for tools.config_schema (never secrets)
    is_enabled boolean NOT NULL DEFAULT true,
    is_required boolean NOT NULL DEFAULT false,           -- the agent cannot work without it
    requires_approval boolean NOT NULL DEFAULT false,     -- human approval before each call
    priority integer NOT NULL DEFAULT 0,
    allowed_operations text[] NOT NULL DEFAULT '{}',      -- empty = every operation of the tool
    max_calls_per_session integer,
    rate_limit_per_minute integer,
    timeout_ms integer,

    usage_count integer NOT NULL DEFAULT 0,
    success_rate numeric(5,2),
    last_used_at timestamptz,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT agent_tools_agent_tool_key UNIQUE (agent_id, tool_id),
    CONSTRAINT agent_tools_limits_check CHECK (
        (max_calls_per_session IS NULL OR max_calls_per_session > 0)
        AND (rate_limit_per_minute IS NULL OR rate_limit_per_minute > 0)
        AND (timeout_ms IS NULL OR timeout_ms > 0)
    ),
    CONSTRAINT agent_tools_usage_count_check CHECK (usage_count >= 0),
    CONSTRAINT agent_tools_success_rate_range CHECK (success_rate IS NULL OR success_rate BETWEEN 0 AND 100)
);

CREATE INDEX agent_tools_enabled_idx ON agent_tools (agent_id, priority) WHERE is_enabled;

-- ---------------------------------------------------------------------------------------------
-- agent_prompts: agent <-> prompt
-- ---------------------------------------------------------------------------------------------
CREATE TABLE agent_prompts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id uuid NOT NULL CONSTRAINT agent_prompts_agent_id_fkey REFERENCES agents(id) ON DELETE CASCADE,
    prompt_id uuid NOT NULL CONSTRAINT agent_prompts_prompt_id_fkey REFERENCES prompts(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT agent_prompts_tenant_id_fkey REFERENCES tenants(id),

    is_primary boolean NOT NULL DEFAULT false,
    priority integer NOT NULL DEFAULT 0,
    -- Where the agent uses the prompt: 'system', 'greeting', 'consultation', 'panel', 'synthesis', ...
    usage_context varchar(100) NOT NULL DEFAULT 'general',
    variable_overrides jsonb NOT NULL DEFAULT '{}'::jsonb, -- agent-specific values of the prompt's variables
    conditions jsonb NOT NULL DEFAULT '{}'::jsonb,         -- when to apply it: {industry, mode, persona}
    is_active boolean NOT NULL DEFAULT true,

    usage_count integer NOT NULL DEFAULT 0,
    last_used_at timestamptz,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT agent_prompts_agent_prompt_key UNIQUE (agent_id, prompt_id),
    CONSTRAINT agent_prompts_usage_count_check CHECK (usage_count >= 0)
);

-- An agent has at most one primary prompt per usage context.
CREATE UNIQUE INDEX agent_prompts_one_primary_per_context_uidx
    ON agent_prompts (agent_id, usage_context) WHERE is_primary;
CREATE INDEX agent_prompts_agent_priority_idx ON agent_prompts (agent_id, priority) WHERE is_active;

-- ---------------------------------------------------------------------------------------------
-- agent_knowledge: agent <-> knowledge source, with retrieval configuration
-- ---------------------------------------------------------------------------------------------
CREATE TABLE agent_knowledge (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id uuid NOT NULL CONSTRAINT agent_knowledge_agent_id_fkey REFERENCES agents(id) ON DELETE CASCADE,
    knowledge_source_id uuid NOT NULL CONSTRAINT agent_knowledge_knowledge_source_id_fkey REFERENCES knowledge_sources(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT agent_knowledge_tenant_id_fkey REFERENCES tenants(id),

    relevance_weight numeric(3,2) NOT NULL DEFAULT 1.00,  -- multiplier applied to this source's retrieval scores
    is_primary boolean NOT NULL DEFAULT false,
    priority integer NOT NULL DEFAULT 0,
    is_enabled boolean NOT NULL DEFAULT true,
    access_mode varchar(30) NOT NULL DEFAULT 'retrieval',
    top_k integer NOT NULL DEFAULT 5,
    similarity_threshold numeric(3,2),
    -- Further retrieval options: {rerank, hybrid_search, metadata_filters, max_chunk_tokens}
    retrieval_config jsonb NOT NULL DEFAULT '{}'::jsonb,

    usage_count integer NOT NULL DEFAULT 0,
    last_retrieved_at timestamptz,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT agent_knowledge_agent_source_key UNIQUE (agent_id, knowledge_source_id),
    CONSTRAINT agent_knowledge_relevance_weight_range CHECK (relevance_weight BETWEEN 0 AND 1),
    CONSTRAINT agent_knowledge_access_mode_check CHECK (access_mode IN ('retrieval', 'citation_only', 'full_context')),
    CONSTRAINT agent_knowledge_top_k_range CHECK (top_k BETWEEN 1 AND 100),
    CONSTRAINT agent_knowledge_similarity_range CHECK (similarity_threshold IS NULL OR similarity_threshold BETWEEN 0 AND 1),
    CONSTRAINT agent_knowledge_usage_count_check CHECK (usage_count >= 0)
);

CREATE INDEX agent_knowledge_enabled_idx ON agent_knowledge (agent_id, priority) WHERE is_enabled;

-- ---------------------------------------------------------------------------------------------
-- agent_industry_mapping: agent <-> industry (004 columns; replaces 001's agent_industries)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE agent_industry_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id uuid NOT NULL CONSTRAINT agent_industry_mapping_agent_id_fkey REFERENCES agents(id) ON DELETE CASCADE,
    industry_id uuid NOT NULL CONSTRAINT agent_industry_mapping_industry_id_fkey REFERENCES industries(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT agent_industry_mapping_tenant_id_fkey REFERENCES tenants(id),

    is_primary boolean NOT NULL DEFAULT false,
    industry_config jsonb NOT NULL DEFAULT '{}'::jsonb,       -- industry-specific agent configuration
    performance_metrics jsonb NOT NULL DEFAULT '{}'::jsonb,   -- industry-specific metrics

    usage_count integer NOT NULL DEFAULT 0,
    success_rate numeric(5,2),
    avg_response_time_ms integer,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT agent_industry_mapping_agent_industry_key UNIQUE (agent_id, industry_id),
    CONSTRAINT agent_industry_mapping_usage_count_check CHECK (usage_count >= 0),
    CONSTRAINT agent_industry_mapping_success_rate_range CHECK (success_rate IS NULL OR success_rate BETWEEN 0 AND 100),
    CONSTRAINT agent_industry_mapping_response_time_check CHECK (avg_response_time_ms IS NULL OR avg_response_time_ms >= 0)
);

CREATE INDEX agent_industry_mapping_industry_primary_idx ON agent_industry_mapping (industry_id, is_primary);

-- ---------------------------------------------------------------------------------------------
-- agent_persona_mapping: agent <-> persona (004 columns)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE agent_persona_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id uuid NOT NULL CONSTRAINT agent_persona_mapping_agent_id_fkey REFERENCES agents(id) ON DELETE CASCADE,
    persona_id uuid NOT NULL CONSTRAINT agent_persona_mapping_persona_id_fkey REFERENCES personas(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT agent_persona_mapping_tenant_id_fkey REFERENCES tenants(id),

    relationship_type varchar(50) NOT NULL DEFAULT 'supports',  -- 'supports', 'assists', 'collaborates_with'
    interaction_patterns jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT agent_persona_mapping_agent_persona_key UNIQUE (agent_id, persona_id)
);

CREATE INDEX agent_persona_mapping_persona_type_idx ON agent_persona_mapping (persona_id, relationship_type);
