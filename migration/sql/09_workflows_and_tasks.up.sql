-- Phase 9 (003): workflows, tasks, steps and their junctions (004 columns where given).
-- workflows, workflow_industry_mapping, workflow_persona_mapping, workflow_jtbd_mapping, tasks,
-- workflow_step_definitions, workflow_step_connections, workflow_tasks, task_industry_mapping,
-- task_dependencies, task_outputs, steps, task_agents, task_tools, task_skills,
-- task_agent_prompt_orchestration, prompt_workflow_mapping, prompt_task_mapping.
--
-- Tenancy: workflows and tasks are registry assets (tenant_id NULL = shared registry); every other
-- table here is a child/junction row whose tenant_id is the tenant of the private side (NULL when
-- every side is shared). tenant_id is ON DELETE CASCADE (as in 02/03; never SET NULL, which would
-- publish a deleted tenant's private rows to the shared registry).
--
-- tasks are a shared library reused by many workflows through workflow_tasks; tasks.workflow_id is
-- only the workflow a task was authored for, so it is ON DELETE SET NULL (004 had CASCADE).

-- ---------------------------------------------------------------------------------------------
-- workflows (004)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE workflows (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unique_id varchar(100) NOT NULL,
    code varchar(50),                      -- WF001, WF002
    name varchar(255) NOT NULL,
    display_name varchar(255),

    -- Classification
    workflow_type varchar(50),             -- 'standard', 'template', 'custom'
    category varchar(100),                 -- 'clinical', 'regulatory', 'commercial'
    complexity_level varchar(20),

    -- Description
    description text,
    objective text,
    success_criteria jsonb NOT NULL DEFAULT '[]'::jsonb,

    -- Structure
    phases jsonb NOT NULL DEFAULT '[]'::jsonb,           -- [{id, name, description, sequence}]
    total_tasks integer NOT NULL DEFAULT 0,
    estimated_duration_minutes integer,

    -- Configuration
    prerequisites jsonb NOT NULL DEFAULT '[]'::jsonb,    -- conditions required to start
    inputs jsonb NOT NULL DEFAULT '[]'::jsonb,           -- required input data
    outputs jsonb NOT NULL DEFAULT '[]'::jsonb,          -- expected outputs
    validation_rules jsonb NOT NULL DEFAULT '[]'::jsonb,

    -- Orchestration
    automation_level varchar(50),          -- 'fully_automated', 'semi_automated', 'manual'
    parallel_execution boolean NOT NULL DEFAULT false,
    branching_rules jsonb NOT NULL DEFAULT '[]'::jsonb,

    -- Performance
    sla_minutes integer,
    priority_level varchar(20),

    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Registry
    is_active boolean NOT NULL DEFAULT true,
    is_public boolean NOT NULL DEFAULT false,
    is_template boolean NOT NULL DEFAULT false,

    -- Relations
    use_case_id uuid CONSTRAINT workflows_use_case_id_fkey REFERENCES use_cases(id) ON DELETE SET NULL,
    parent_workflow_id uuid CONSTRAINT workflows_parent_workflow_id_fkey REFERENCES workflows(id) ON DELETE SET NULL,

    -- Multi-tenancy
    tenant_id uuid CONSTRAINT workflows_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
    owner_tenant_id uuid CONSTRAINT workflows_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,

    -- Versioning
    version integer NOT NULL DEFAULT 1,

    -- Audit
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT workflows_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT workflows_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    deleted_at timestamptz,

    CONSTRAINT workflows_unique_id_key UNIQUE (unique_id),
    CONSTRAINT workflows_code_key UNIQUE (code),
    CONSTRAINT workflows_name_not_empty CHECK (length(name) > 0),
    CONSTRAINT workflows_complexity_level_check
        CHECK (complexity_level IS NULL OR complexity_level IN ('Low', 'Medium', 'High')),
    CONSTRAINT workflows_not_own_parent CHECK (parent_workflow_id IS NULL OR parent_workflow_id <> id),
    CONSTRAINT workflows_total_tasks_nonnegative CHECK (total_tasks >= 0),
    CONSTRAINT workflows_version_positive CHECK (version >= 1)
);

CREATE INDEX workflows_tenant_active_idx ON workflows (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX workflows_category_idx ON workflows (category) WHERE is_active = true;
CREATE INDEX workflows_template_idx ON workflows (is_template) WHERE is_active = true;
CREATE INDEX workflows_complexity_idx ON workflows (complexity_level);
CREATE INDEX workflows_tags_gin ON workflows USING gin (tags);
CREATE INDEX workflows_search_gin ON workflows USING gin (
    to_tsvector('english', name || ' ' || coalesce(description, ''))
);

-- ---------------------------------------------------------------------------------------------
-- workflow junctions (004)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE workflow_industry_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow_id uuid NOT NULL CONSTRAINT workflow_industry_mapping_workflow_id_fkey
        REFERENCES workflows(id) ON DELETE CASCADE,
    industry_id uuid NOT NULL CONSTRAINT workflow_industry_mapping_industry_id_fkey
        REFERENCES industries(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT workflow_industry_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    is_primary boolean NOT NULL DEFAULT false,
    industry_customization jsonb NOT NULL DEFAULT '{}'::jsonb,  -- industry-specific steps / rules
    regulatory_requirements jsonb NOT NULL DEFAULT '[]'::jsonb, -- e.g. GxP, 21 CFR Part 11, GDPR

    usage_count integer NOT NULL DEFAULT 0,
    avg_completion_time_minutes integer,
    success_rate numeric(5,2),

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT workflow_industry_mapping_workflow_industry_key UNIQUE (workflow_id, industry_id),
    CONSTRAINT workflow_industry_mapping_success_rate_range CHECK (success_rate IS NULL OR success_rate BETWEEN 0 AND 100)
);

CREATE INDEX workflow_industry_mapping_industry_primary_idx ON workflow_industry_mapping (industry_id, is_primary);

-- 004 made (workflow, persona, role_in_workflow) unique; the convention is one row per pair, so a
-- persona has one role per workflow (role_in_workflow is NOT NULL with a default instead).
CREATE TABLE workflow_persona_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow_id uuid NOT NULL CONSTRAINT workflow_persona_mapping_workflow_id_fkey
        REFERENCES workflows(id) ON DELETE CASCADE,
    persona_id uuid NOT NULL CONSTRAINT workflow_persona_mapping_persona_id_fkey
        REFERENCES personas(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT workflow_persona_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    role_in_workflow varchar(50) NOT NULL DEFAULT 'contributor',
    decision_authority varchar(50),
    responsibilities jsonb NOT NULL DEFAULT '[]'::jsonb,
    is_primary boolean NOT NULL DEFAULT false,

    escalation_to_persona_id uuid CONSTRAINT workflow_persona_mapping_escalation_to_persona_id_fkey
        REFERENCES personas(id) ON DELETE SET NULL,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT workflow_persona_mapping_workflow_persona_key UNIQUE (workflow_id, persona_id),
    CONSTRAINT workflow_persona_mapping_role_check
        CHECK (role_in_workflow IN ('owner', 'contributor', 'reviewer', 'approver', 'consumer')),
    CONSTRAINT workflow_persona_mapping_decision_authority_check
        CHECK (decision_authority IS NULL OR decision_authority IN ('FINAL', 'ADVISORY', 'INFORMATIONAL'))
);

CREATE TABLE workflow_jtbd_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow_id uuid NOT NULL CONSTRAINT workflow_jtbd_mapping_workflow_id_fkey
        REFERENCES workflows(id) ON DELETE CASCADE,
    jtbd_id uuid NOT NULL CONSTRAINT workflow_jtbd_mapping_jtbd_id_fkey
        REFERENCES jobs_to_be_done(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT workflow_jtbd_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    contribution_level varchar(50) NOT NULL DEFAULT 'primary',
    relevance_score numeric(3,2),
    notes text,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT workflow_jtbd_mapping_workflow_jtbd_key UNIQUE (workflow_id, jtbd_id),
    CONSTRAINT workflow_jtbd_mapping_contribution_level_check
        CHECK (contribution_level IN ('primary', 'secondary', 'supporting')),
    CONSTRAINT workflow_jtbd_mapping_relevance_range CHECK (relevance_score IS NULL OR relevance_score BETWEEN 0 AND 1)
);

-- ---------------------------------------------------------------------------------------------
-- tasks: the task library (004)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unique_id varchar(100) NOT NULL,
    code varchar(50),                      -- T1001, T2000
    title varchar(255) NOT NULL,

    -- Home workflow (see header): reuse goes through workflow_tasks
    workflow_id uuid CONSTRAINT tasks_workflow_id_fkey REFERENCES workflows(id) ON DELETE SET NULL,
    phase_name varchar(100),
    position integer,

    -- Description
    description text,
    objective text,
    success_criteria jsonb NOT NULL DEFAULT '[]'::jsonb,

    -- Classification
    task_type varchar(50),                 -- 'analysis', 'decision', 'creation', 'review'
    complexity_level varchar(20),
    automation_level varchar(50),          -- 'fully_automated', 'assisted', 'manual'

    -- Execution
    estimated_duration_minutes integer,
    effort_hours numeric(10,2),
    required_skills jsonb NOT NULL DEFAULT '[]'::jsonb,  -- [{skill_id, proficiency_required}]
    required_tools jsonb NOT NULL DEFAULT '[]'::jsonb,   -- [{tool_id, config}]

    -- Configuration
    inputs jsonb NOT NULL DEFAULT '[]'::jsonb,
    outputs jsonb NOT NULL DEFAULT '[]'::jsonb,
    validation_rules jsonb NOT NULL DEFAULT '[]'::jsonb,
    quality_checks jsonb NOT NULL DEFAULT '[]'::jsonb,

    -- Agent assignment (denormalised summary; task_agents is the relational source)
    assigned_agents jsonb NOT NULL DEFAULT '[]'::jsonb,  -- [{agent_id, role, priority}]
    delegation_rules jsonb NOT NULL DEFAULT '{}'::jsonb,
    escalation_rules jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Status and performance
    sla_minutes integer,
    priority_level varchar(20),
    requires_human_review boolean NOT NULL DEFAULT false,

    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Registry
    is_active boolean NOT NULL DEFAULT true,
    is_public boolean NOT NULL DEFAULT false,
    is_template boolean NOT NULL DEFAULT false,

    -- Multi-tenancy
    tenant_id uuid CONSTRAINT tasks_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
    owner_tenant_id uuid CONSTRAINT tasks_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,

    -- Audit
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT tasks_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT tasks_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    deleted_at timestamptz,

    CONSTRAINT tasks_unique_id_key UNIQUE (unique_id),
    CONSTRAINT tasks_code_key UNIQUE (code),
    CONSTRAINT tasks_title_not_empty CHECK (length(title) > 0),
    CONSTRAINT tasks_complexity_level_check
        CHECK (complexity_level IS NULL OR complexity_level IN ('Low', 'Medium', 'High')),
    CONSTRAINT tasks_effort_hours_nonnegative CHECK (effort_hours IS NULL OR effort_hours >= 0)
);

CREATE INDEX tasks_tenant_active_idx ON tasks (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_workflow_position_idx ON tasks (workflow_id, position);
CREATE INDEX tasks_task_type_idx ON tasks (task_type) WHERE is_active = true;
CREATE INDEX tasks_tags_gin ON tasks USING gin (tags);
CREATE INDEX tasks_search_gin ON tasks USING gin (
    to_tsvector('english', title || ' ' || coalesce(description, ''))
);

-- ---------------------------------------------------------------------------------------------
-- workflow_step_definitions / workflow_step_connections: the workflow graph (nodes and edges)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE workflow_step_definitions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow_id uuid NOT NULL CONSTRAINT workflow_step_definitions_workflow_id_fkey
        REFERENCES workflows(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT workflow_step_definitions_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    step_key varchar(100) NOT NULL,        -- stable key within the workflow, used by executions and edges
    name varchar(255) NOT NULL,
    description text,
    step_type varchar(50) NOT NULL DEFAULT 'task',
    position integer NOT NULL DEFAULT 0,
    phase_name varchar(100),

    -- What the step runs (all optional: start/end/decision steps run nothing)
    task_id uuid CONSTRAINT workflow_step_definitions_task_id_fkey REFERENCES tasks(id) ON DELETE SET NULL,
    agent_id uuid CONSTRAINT workflow_step_definitions_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,
    tool_id uuid CONSTRAINT workflow_step_definitions_tool_id_fkey REFERENCES tools(id) ON DELETE SET NULL,
    prompt_id uuid CONSTRAINT workflow_step_definitions_prompt_id_fkey REFERENCES prompts(id) ON DELETE SET NULL,

    -- Behaviour
    config jsonb NOT NULL DEFAULT '{}'::jsonb,
    input_mapping jsonb NOT NULL DEFAULT '{}'::jsonb,    -- step input <- workflow / previous step outputs
    output_mapping jsonb NOT NULL DEFAULT '{}'::jsonb,
    retry_policy jsonb NOT NULL DEFAULT '{}'::jsonb,     -- {max_attempts, backoff_seconds}
    timeout_seconds integer,
    is_optional boolean NOT NULL DEFAULT false,
    requires_approval boolean NOT NULL DEFAULT false,
    approver_role_id uuid CONSTRAINT workflow_step_definitions_approver_role_id_fkey
        REFERENCES org_roles(id) ON DELETE SET NULL,

    ui_layout jsonb NOT NULL DEFAULT '{}'::jsonb,        -- canvas position {x, y}
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT workflow_step_definitions_workflow_step_key UNIQUE (workflow_id, step_key),
    CONSTRAINT workflow_step_definitions_step_type_check CHECK (step_type IN (
        'start', 'end', 'task', 'agent', 'tool', 'prompt', 'human_review', 'approval',
        'decision', 'parallel', 'join', 'loop', 'subworkflow', 'notification')),
    CONSTRAINT workflow_step_definitions_timeout_positive CHECK (timeout_seconds IS NULL OR timeout_seconds > 0)
);

CREATE INDEX workflow_step_definitions_workflow_position_idx ON workflow_step_definitions (workflow_id, position);

-- Both ends must be steps of workflow_id (not enforceable with single-column FKs; checked by the app).
CREATE TABLE workflow_step_connections (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow_id uuid NOT NULL CONSTRAINT workflow_step_connections_workflow_id_fkey
        REFERENCES workflows(id) ON DELETE CASCADE,
    from_step_id uuid NOT NULL CONSTRAINT workflow_step_connections_from_step_id_fkey
        REFERENCES workflow_step_definitions(id) ON DELETE CASCADE,
    to_step_id uuid NOT NULL CONSTRAINT workflow_step_connections_to_step_id_fkey
        REFERENCES workflow_step_definitions(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT workflow_step_connections_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    connection_type varchar(50) NOT NULL DEFAULT 'sequential',
    label varchar(255),
    condition jsonb,                       -- guard expression; NULL = unconditional
    priority integer NOT NULL DEFAULT 0,   -- evaluation order among a step's outgoing edges
    is_default boolean NOT NULL DEFAULT false,           -- taken when no conditional edge matches
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT workflow_step_connections_from_to_key UNIQUE (from_step_id, to_step_id),
    CONSTRAINT workflow_step_connections_type_check
        CHECK (connection_type IN ('sequential', 'conditional', 'parallel', 'loop_back', 'error', 'timeout'))
);

CREATE INDEX workflow_step_connections_to_step_idx ON workflow_step_connections (to_step_id);

-- ---------------------------------------------------------------------------------------------
-- workflow_tasks: workflow <-> task, ordered
-- ---------------------------------------------------------------------------------------------
CREATE TABLE workflow_tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow_id uuid NOT NULL CONSTRAINT workflow_tasks_workflow_id_fkey REFERENCES workflows(id) ON DELETE CASCADE,
    task_id uuid NOT NULL CONSTRAINT workflow_tasks_task_id_fkey REFERENCES tasks(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT workflow_tasks_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    position integer NOT NULL DEFAULT 0,
    phase_name varchar(100),
    is_optional boolean NOT NULL DEFAULT false,
    is_parallel boolean NOT NULL DEFAULT false,          -- may run alongside its neighbours
    run_condition jsonb,                                 -- NULL = always runs
    config_overrides jsonb NOT NULL DEFAULT '{}'::jsonb, -- workflow-specific overrides of task config
    sla_minutes integer,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT workflow_tasks_workflow_task_key UNIQUE (workflow_id, task_id),
    CONSTRAINT workflow_tasks_position_nonnegative CHECK (position >= 0)
);

CREATE INDEX workflow_tasks_workflow_position_idx ON workflow_tasks (workflow_id, position);
CREATE INDEX workflow_tasks_task_idx ON workflow_tasks (task_id);

-- ---------------------------------------------------------------------------------------------
-- task children and junctions
-- ---------------------------------------------------------------------------------------------
CREATE TABLE task_industry_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id uuid NOT NULL CONSTRAINT task_industry_mapping_task_id_fkey REFERENCES tasks(id) ON DELETE CASCADE,
    industry_id uuid NOT NULL CONSTRAINT task_industry_mapping_industry_id_fkey REFERENCES industries(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT task_industry_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    is_primary boolean NOT NULL DEFAULT false,
    industry_config jsonb NOT NULL DEFAULT '{}'::jsonb,
    regulatory_requirements jsonb NOT NULL DEFAULT '[]'::jsonb,

    usage_count integer NOT NULL DEFAULT 0,
    avg_completion_time_minutes integer,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT task_industry_mapping_task_industry_key UNIQUE (task_id, industry_id)
);

CREATE INDEX task_industry_mapping_industry_primary_idx ON task_industry_mapping (industry_id, is_primary);

CREATE TABLE task_dependencies (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id uuid NOT NULL CONSTRAINT task_dependencies_task_id_fkey REFERENCES tasks(id) ON DELETE CASCADE,
    depends_on_task_id uuid NOT NULL CONSTRAINT task_dependencies_depends_on_task_id_fkey
        REFERENCES tasks(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT task_dependencies_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    dependency_type varchar(50) NOT NULL DEFAULT 'blocking',
    lag_minutes integer NOT NULL DEFAULT 0,              -- wait after the prerequisite completes
    condition jsonb,                                     -- NULL = unconditional
    notes text,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT task_dependencies_task_depends_on_key UNIQUE (task_id, depends_on_task_id),
    CONSTRAINT task_dependencies_not_self CHECK (task_id <> depends_on_task_id),
    CONSTRAINT task_dependencies_type_check CHECK (dependency_type IN ('blocking', 'optional', 'parallel')),
    CONSTRAINT task_dependencies_lag_nonnegative CHECK (lag_minutes >= 0)
);

CREATE INDEX task_dependencies_depends_on_idx ON task_dependencies (depends_on_task_id);

CREATE TABLE task_outputs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id uuid NOT NULL CONSTRAINT task_outputs_task_id_fkey REFERENCES tasks(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT task_outputs_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    output_name varchar(255) NOT NULL,
    description text,
    output_type varchar(50) NOT NULL DEFAULT 'document',  -- 'document', 'data', 'decision', 'report', ...
    output_format varchar(50),                            -- 'markdown', 'json', 'docx', ...
    output_schema jsonb,                                  -- 004 "schema"; NULL = unstructured
    template_id uuid CONSTRAINT task_outputs_template_id_fkey REFERENCES templates(id) ON DELETE SET NULL,
    validation_rules jsonb NOT NULL DEFAULT '[]'::jsonb,
    is_required boolean NOT NULL DEFAULT true,
    position integer NOT NULL DEFAULT 0,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT task_outputs_task_output_name_key UNIQUE (task_id, output_name)
);

-- steps: the atomic actions of a task, in order
CREATE TABLE steps (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id uuid NOT NULL CONSTRAINT steps_task_id_fkey REFERENCES tasks(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT steps_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    position integer NOT NULL DEFAULT 0,
    name varchar(255) NOT NULL,
    description text,
    action varchar(100) NOT NULL,          -- verb the executor performs: 'retrieve', 'summarize', 'validate', ...
    action_type varchar(50) NOT NULL DEFAULT 'agent',
    instructions text,

    -- Optional executors
    agent_id uuid CONSTRAINT steps_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,
    tool_id uuid CONSTRAINT steps_tool_id_fkey REFERENCES tools(id) ON DELETE SET NULL,
    prompt_id uuid CONSTRAINT steps_prompt_id_fkey REFERENCES prompts(id) ON DELETE SET NULL,

    inputs jsonb NOT NULL DEFAULT '[]'::jsonb,
    outputs jsonb NOT NULL DEFAULT '[]'::jsonb,
    config jsonb NOT NULL DEFAULT '{}'::jsonb,
    validation_rules jsonb NOT NULL DEFAULT '[]'::jsonb,
    estimated_duration_minutes integer,
    timeout_seconds integer,
    is_optional boolean NOT NULL DEFAULT false,
    requires_human_review boolean NOT NULL DEFAULT false,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT steps_name_not_empty CHECK (length(name) > 0),
    CONSTRAINT steps_action_type_check
        CHECK (action_type IN ('agent', 'tool', 'prompt', 'human', 'system', 'decision')),
    CONSTRAINT steps_position_nonnegative CHECK (position >= 0),
    CONSTRAINT steps_timeout_positive CHECK (timeout_seconds IS NULL OR timeout_seconds > 0)
);

CREATE INDEX steps_task_position_idx ON steps (task_id, position);

CREATE TABLE task_agents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id uuid NOT NULL CONSTRAINT task_agents_task_id_fkey REFERENCES tasks(id) ON DELETE CASCADE,
    agent_id uuid NOT NULL CONSTRAINT task_agents_agent_id_fkey REFERENCES agents(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT task_agents_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    role varchar(50) NOT NULL DEFAULT 'executor',
    is_primary boolean NOT NULL DEFAULT false,
    priority integer NOT NULL DEFAULT 0,
    configuration jsonb NOT NULL DEFAULT '{}'::jsonb,
    notes text,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT task_agents_task_agent_key UNIQUE (task_id, agent_id),
    CONSTRAINT task_agents_role_check
        CHECK (role IN ('executor', 'reviewer', 'advisor', 'approver', 'orchestrator', 'fallback'))
);

CREATE INDEX task_agents_agent_idx ON task_agents (agent_id);
-- At most one primary agent per task.
CREATE UNIQUE INDEX task_agents_one_primary_idx ON task_agents (task_id) WHERE is_primary;

CREATE TABLE task_tools (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id uuid NOT NULL CONSTRAINT task_tools_task_id_fkey REFERENCES tasks(id) ON DELETE CASCADE,
    tool_id uuid NOT NULL CONSTRAINT task_tools_tool_id_fkey REFERENCES tools(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT task_tools_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    is_required boolean NOT NULL DEFAULT true,
    usage_purpose text,
    priority integer NOT NULL DEFAULT 0,
    configuration jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT task_tools_task_tool_key UNIQUE (task_id, tool_id)
);

CREATE INDEX task_tools_tool_idx ON task_tools (tool_id);

CREATE TABLE task_skills (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id uuid NOT NULL CONSTRAINT task_skills_task_id_fkey REFERENCES tasks(id) ON DELETE CASCADE,
    skill_id uuid NOT NULL CONSTRAINT task_skills_skill_id_fkey REFERENCES skills(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT task_skills_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    proficiency_required varchar(20) NOT NULL DEFAULT 'intermediate',
    is_required boolean NOT NULL DEFAULT true,
    importance_weight numeric(3,2),
    notes text,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT task_skills_task_skill_key UNIQUE (task_id, skill_id),
    CONSTRAINT task_skills_proficiency_check
        CHECK (proficiency_required IN ('basic', 'intermediate', 'advanced', 'expert')),
    CONSTRAINT task_skills_importance_weight_range CHECK (importance_weight IS NULL OR importance_weight BETWEEN 0 AND 1)
);

CREATE INDEX task_skills_skill_idx ON task_skills (skill_id);

-- task x agent x prompt execution plan (004). Not a plain pair junction: the same agent may run
-- several times in a task's sequence, so the key is (task, agent, execution_sequence) as in 004.
CREATE TABLE task_agent_prompt_orchestration (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id uuid NOT NULL CONSTRAINT task_agent_prompt_orchestration_task_id_fkey
        REFERENCES tasks(id) ON DELETE CASCADE,
    agent_id uuid NOT NULL CONSTRAINT task_agent_prompt_orchestration_agent_id_fkey
        REFERENCES agents(id) ON DELETE CASCADE,
    prompt_id uuid CONSTRAINT task_agent_prompt_orchestration_prompt_id_fkey
        REFERENCES prompts(id) ON DELETE SET NULL,
    tenant_id uuid CONSTRAINT task_agent_prompt_orchestration_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    execution_sequence integer NOT NULL DEFAULT 1,
    execution_config jsonb NOT NULL DEFAULT '{}'::jsonb,
    fallback_agent_id uuid CONSTRAINT task_agent_prompt_orchestration_fallback_agent_id_fkey
        REFERENCES agents(id) ON DELETE SET NULL,
    is_active boolean NOT NULL DEFAULT true,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT task_agent_prompt_orchestration_task_agent_sequence_key UNIQUE (task_id, agent_id, execution_sequence),
    CONSTRAINT task_agent_prompt_orchestration_sequence_positive CHECK (execution_sequence >= 1),
    CONSTRAINT task_agent_prompt_orchestration_fallback_differs
        CHECK (fallback_agent_id IS NULL OR fallback_agent_id <> agent_id)
);

CREATE INDEX task_agent_prompt_orchestration_task_sequence_idx
    ON task_agent_prompt_orchestration (task_id, execution_sequence);

-- ---------------------------------------------------------------------------------------------
-- prompt junctions that need workflows / tasks
-- ---------------------------------------------------------------------------------------------
CREATE TABLE prompt_workflow_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    prompt_id uuid NOT NULL CONSTRAINT prompt_workflow_mapping_prompt_id_fkey REFERENCES prompts(id) ON DELETE CASCADE,
    workflow_id uuid NOT NULL CONSTRAINT prompt_workflow_mapping_workflow_id_fkey
        REFERENCES workflows(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT prompt_workflow_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    usage_context varchar(100),            -- phase or purpose within the workflow
    is_primary boolean NOT NULL DEFAULT false,
    priority integer NOT NULL DEFAULT 0,
    variable_bindings jsonb NOT NULL DEFAULT '{}'::jsonb, -- prompt variable <- workflow input / output

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT prompt_workflow_mapping_prompt_workflow_key UNIQUE (prompt_id, workflow_id)
);

CREATE INDEX prompt_workflow_mapping_workflow_idx ON prompt_workflow_mapping (workflow_id);

CREATE TABLE prompt_task_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    prompt_id uuid NOT NULL CONSTRAINT prompt_task_mapping_prompt_id_fkey REFERENCES prompts(id) ON DELETE CASCADE,
    task_id uuid NOT NULL CONSTRAINT prompt_task_mapping_task_id_fkey REFERENCES tasks(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT prompt_task_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    usage_context varchar(100),
    is_primary boolean NOT NULL DEFAULT false,
    execution_order integer NOT NULL DEFAULT 0,
    variable_bindings jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT prompt_task_mapping_prompt_task_key UNIQUE (prompt_id, task_id)
);

CREATE INDEX prompt_task_mapping_task_order_idx ON prompt_task_mapping (task_id, execution_order);
