-- Phase 13 (003): service 4, solutions marketplace: what a packaged solution contains.
-- solution_agents, solution_workflows, solution_prompts, solution_templates, solution_knowledge.
--
-- Tenancy: junctions of registry assets (child/junction class). tenant_id is denormalised: the
-- tenant of the private side (the solution's or the asset's tenant), NULL when every side is in the
-- shared registry. tenant_id uses the default NO ACTION on delete, as in the other phases.
-- Each junction: both FKs NOT NULL ON DELETE CASCADE, UNIQUE over the pair, is_required (the asset
-- is installed with the solution unless marked optional), is_primary (the flagship asset of its
-- kind), position (display / installation order) and configuration (solution-specific overrides).
-- Score conventions: numeric(3,2) scores are 0..1.

-- ---------------------------------------------------------------------------------------------
-- solution_agents: solution <-> agent
-- ---------------------------------------------------------------------------------------------
CREATE TABLE solution_agents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    solution_id uuid NOT NULL CONSTRAINT solution_agents_solution_id_fkey REFERENCES solutions(id) ON DELETE CASCADE,
    agent_id uuid NOT NULL CONSTRAINT solution_agents_agent_id_fkey REFERENCES agents(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT solution_agents_tenant_id_fkey REFERENCES tenants(id),

    is_required boolean NOT NULL DEFAULT true,
    is_primary boolean NOT NULL DEFAULT false,
    position integer NOT NULL DEFAULT 0,
    agent_role varchar(100),                              -- role of the agent in the solution: 'lead_advisor', 'reviewer', ...
    display_name varchar(255),                            -- solution-specific label of the agent
    configuration jsonb NOT NULL DEFAULT '{}'::jsonb,
    notes text,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT solution_agents_solution_agent_key UNIQUE (solution_id, agent_id),
    CONSTRAINT solution_agents_position_check CHECK (position >= 0)
);

CREATE INDEX solution_agents_solution_position_idx ON solution_agents (solution_id, position);

-- ---------------------------------------------------------------------------------------------
-- solution_workflows: solution <-> workflow
-- ---------------------------------------------------------------------------------------------
CREATE TABLE solution_workflows (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    solution_id uuid NOT NULL CONSTRAINT solution_workflows_solution_id_fkey REFERENCES solutions(id) ON DELETE CASCADE,
    workflow_id uuid NOT NULL CONSTRAINT solution_workflows_workflow_id_fkey REFERENCES workflows(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT solution_workflows_tenant_id_fkey REFERENCES tenants(id),

    is_required boolean NOT NULL DEFAULT true,
    is_primary boolean NOT NULL DEFAULT false,
    position integer NOT NULL DEFAULT 0,
    phase varchar(100),                                   -- solution phase the workflow belongs to: 'pre_launch', 'launch', ...
    is_entry_point boolean NOT NULL DEFAULT false,        -- offered as a starting point in the solution UI
    configuration jsonb NOT NULL DEFAULT '{}'::jsonb,
    notes text,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT solution_workflows_solution_workflow_key UNIQUE (solution_id, workflow_id),
    CONSTRAINT solution_workflows_position_check CHECK (position >= 0)
);

CREATE INDEX solution_workflows_solution_position_idx ON solution_workflows (solution_id, position);

-- ---------------------------------------------------------------------------------------------
-- solution_prompts: solution <-> prompt
-- ---------------------------------------------------------------------------------------------
CREATE TABLE solution_prompts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    solution_id uuid NOT NULL CONSTRAINT solution_prompts_solution_id_fkey REFERENCES solutions(id) ON DELETE CASCADE,
    prompt_id uuid NOT NULL CONSTRAINT solution_prompts_prompt_id_fkey REFERENCES prompts(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT solution_prompts_tenant_id_fkey REFERENCES tenants(id),

    is_required boolean NOT NULL DEFAULT true,
    is_primary boolean NOT NULL DEFAULT false,
    position integer NOT NULL DEFAULT 0,
    usage_context varchar(100),                           -- where the solution uses it: 'onboarding', 'analysis', ...
    variable_overrides jsonb NOT NULL DEFAULT '{}'::jsonb, -- solution defaults for the prompt's variables
    configuration jsonb NOT NULL DEFAULT '{}'::jsonb,
    notes text,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT solution_prompts_solution_prompt_key UNIQUE (solution_id, prompt_id),
    CONSTRAINT solution_prompts_position_check CHECK (position >= 0)
);

CREATE INDEX solution_prompts_solution_position_idx ON solution_prompts (solution_id, position);

-- ---------------------------------------------------------------------------------------------
-- solution_templates: solution <-> template
-- ---------------------------------------------------------------------------------------------
CREATE TABLE solution_templates (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    solution_id uuid NOT NULL CONSTRAINT solution_templates_solution_id_fkey REFERENCES solutions(id) ON DELETE CASCADE,
    template_id uuid NOT NULL CONSTRAINT solution_templates_template_id_fkey REFERENCES templates(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT solution_templates_tenant_id_fkey REFERENCES tenants(id),

    is_required boolean NOT NULL DEFAULT true,
    is_primary boolean NOT NULL DEFAULT false,
    position integer NOT NULL DEFAULT 0,
    usage_context varchar(100),                           -- which deliverable of the solution it produces
    output_format varchar(30),                            -- 'docx', 'pptx', 'markdown', ...
    configuration jsonb NOT NULL DEFAULT '{}'::jsonb,
    notes text,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT solution_templates_solution_template_key UNIQUE (solution_id, template_id),
    CONSTRAINT solution_templates_position_check CHECK (position >= 0)
);

CREATE INDEX solution_templates_solution_position_idx ON solution_templates (solution_id, position);

-- ---------------------------------------------------------------------------------------------
-- solution_knowledge: solution <-> knowledge source
-- ---------------------------------------------------------------------------------------------
CREATE TABLE solution_knowledge (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    solution_id uuid NOT NULL CONSTRAINT solution_knowledge_solution_id_fkey REFERENCES solutions(id) ON DELETE CASCADE,
    knowledge_source_id uuid NOT NULL CONSTRAINT solution_knowledge_knowledge_source_id_fkey REFERENCES knowledge_sources(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT solution_knowledge_tenant_id_fkey REFERENCES tenants(id),

    is_required boolean NOT NULL DEFAULT true,
    is_primary boolean NOT NULL DEFAULT false,
    position integer NOT NULL DEFAULT 0,
    relevance_score numeric(3,2),
    access_mode varchar(30) NOT NULL DEFAULT 'retrieval', -- 'retrieval', 'citation_only', 'full_context'
    configuration jsonb NOT NULL DEFAULT '{}'::jsonb,
    notes text,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT solution_knowledge_solution_knowledge_key UNIQUE (solution_id, knowledge_source_id),
    CONSTRAINT solution_knowledge_relevance_range CHECK (relevance_score IS NULL OR relevance_score BETWEEN 0 AND 1),
    CONSTRAINT solution_knowledge_access_mode_check CHECK (access_mode IN ('retrieval', 'citation_only', 'full_context')),
    CONSTRAINT solution_knowledge_position_check CHECK (position >= 0)
);

CREATE INDEX solution_knowledge_solution_position_idx ON solution_knowledge (solution_id, position);
