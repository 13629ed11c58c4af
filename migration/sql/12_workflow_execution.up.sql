-- Phase 12 (003): service 3, workflow execution runtime.
-- workflow_executions, workflow_execution_steps, task_executions, workflow_approvals, workflow_logs.
--
-- Tenancy: all five are private tenant data (tenant_id NOT NULL; the child tables repeat the
-- execution's tenant_id for RLS). tenant_id uses the default NO ACTION on delete, as in the other
-- phases: tenants are soft-deleted.
-- Runs snapshot what they executed (workflow_snapshot, step_name, ...) and keep only optional
-- (SET NULL) references to step definitions, agents and prompts, so history survives edits of the
-- registry. workflow_logs is append-only (created_at only).
-- Status vocabulary shared by executions, steps and task runs is checked per table.

-- ---------------------------------------------------------------------------------------------
-- workflow_executions: one run of a workflow
-- ---------------------------------------------------------------------------------------------
CREATE TABLE workflow_executions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT workflow_executions_tenant_id_fkey REFERENCES tenants(id),
    workflow_id uuid NOT NULL CONSTRAINT workflow_executions_workflow_id_fkey REFERENCES workflows(id) ON DELETE CASCADE,
    workflow_version integer,                             -- workflows.version at start
    workflow_snapshot jsonb NOT NULL DEFAULT '{}'::jsonb, -- definition (phases, steps) as executed
    parent_execution_id uuid CONSTRAINT workflow_executions_parent_execution_id_fkey REFERENCES workflow_executions(id) ON DELETE SET NULL,  -- sub-workflow runs
    triggered_by uuid CONSTRAINT workflow_executions_triggered_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    trigger_type varchar(30) NOT NULL DEFAULT 'manual',
    solution_id uuid CONSTRAINT workflow_executions_solution_id_fkey REFERENCES solutions(id) ON DELETE SET NULL,      -- run launched from a solution
    consultation_id uuid CONSTRAINT workflow_executions_consultation_id_fkey REFERENCES expert_consultations(id) ON DELETE SET NULL,  -- run launched from Ask Expert
    current_step_definition_id uuid CONSTRAINT workflow_executions_current_step_definition_id_fkey REFERENCES workflow_step_definitions(id) ON DELETE SET NULL,

    name varchar(255),                                    -- optional label of the run
    status varchar(30) NOT NULL DEFAULT 'pending',
    priority smallint NOT NULL DEFAULT 5,                 -- 1 (highest) .. 10

    inputs jsonb NOT NULL DEFAULT '{}'::jsonb,
    outputs jsonb NOT NULL DEFAULT '{}'::jsonb,
    context jsonb NOT NULL DEFAULT '{}'::jsonb,           -- runtime state shared between steps
    error_message text,
    error_details jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Progress
    total_steps integer NOT NULL DEFAULT 0,
    completed_steps integer NOT NULL DEFAULT 0,
    failed_steps integer NOT NULL DEFAULT 0,
    progress_percent numeric(5,2) NOT NULL DEFAULT 0,
    retry_count smallint NOT NULL DEFAULT 0,
    max_retries smallint NOT NULL DEFAULT 0,

    -- Cost
    total_tokens bigint NOT NULL DEFAULT 0,
    total_cost_usd numeric(12,6) NOT NULL DEFAULT 0,

    -- Timings
    queued_at timestamptz,
    started_at timestamptz,
    completed_at timestamptz,
    deadline_at timestamptz,                              -- from workflows.sla_minutes
    duration_ms bigint,

    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT workflow_executions_status_check CHECK (status IN ('pending', 'queued', 'running', 'paused', 'awaiting_approval', 'completed', 'failed', 'cancelled', 'timed_out')),
    CONSTRAINT workflow_executions_trigger_type_check CHECK (trigger_type IN ('manual', 'scheduled', 'api', 'event', 'webhook', 'parent_workflow', 'solution', 'consultation')),
    CONSTRAINT workflow_executions_priority_range CHECK (priority BETWEEN 1 AND 10),
    CONSTRAINT workflow_executions_steps_check CHECK (
        total_steps >= 0 AND completed_steps >= 0 AND failed_steps >= 0
        AND completed_steps + failed_steps <= total_steps
    ),
    CONSTRAINT workflow_executions_progress_range CHECK (progress_percent BETWEEN 0 AND 100),
    CONSTRAINT workflow_executions_retries_check CHECK (retry_count >= 0 AND max_retries >= 0),
    CONSTRAINT workflow_executions_cost_check CHECK (total_tokens >= 0 AND total_cost_usd >= 0),
    CONSTRAINT workflow_executions_period_check CHECK (completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at),
    CONSTRAINT workflow_executions_duration_check CHECK (duration_ms IS NULL OR duration_ms >= 0)
);

CREATE INDEX workflow_executions_tenant_created_idx ON workflow_executions (tenant_id, created_at DESC);
CREATE INDEX workflow_executions_workflow_created_idx ON workflow_executions (workflow_id, created_at DESC);
-- The scheduler's work queue.
CREATE INDEX workflow_executions_active_idx ON workflow_executions (status, priority, queued_at)
    WHERE status IN ('pending', 'queued', 'running', 'paused', 'awaiting_approval');

-- ---------------------------------------------------------------------------------------------
-- workflow_execution_steps: the execution of one step definition within a run
-- ---------------------------------------------------------------------------------------------
CREATE TABLE workflow_execution_steps (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT workflow_execution_steps_tenant_id_fkey REFERENCES tenants(id),
    execution_id uuid NOT NULL CONSTRAINT workflow_execution_steps_execution_id_fkey REFERENCES workflow_executions(id) ON DELETE CASCADE,
    step_definition_id uuid CONSTRAINT workflow_execution_steps_step_definition_id_fkey REFERENCES workflow_step_definitions(id) ON DELETE SET NULL,
    task_id uuid CONSTRAINT workflow_execution_steps_task_id_fkey REFERENCES tasks(id) ON DELETE SET NULL,
    agent_id uuid CONSTRAINT workflow_execution_steps_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,

    step_name varchar(255) NOT NULL,                      -- snapshot of the definition's name
    step_type varchar(30) NOT NULL DEFAULT 'task',
    sequence_number integer NOT NULL,                     -- execution order within the run
    attempt_number smallint NOT NULL DEFAULT 1,
    status varchar(30) NOT NULL DEFAULT 'pending',

    inputs jsonb NOT NULL DEFAULT '{}'::jsonb,
    outputs jsonb NOT NULL DEFAULT '{}'::jsonb,
    error_message text,
    error_details jsonb NOT NULL DEFAULT '{}'::jsonb,

    tokens_used bigint NOT NULL DEFAULT 0,
    cost_usd numeric(12,6) NOT NULL DEFAULT 0,

    started_at timestamptz,
    completed_at timestamptz,
    duration_ms bigint,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT workflow_execution_steps_sequence_attempt_key UNIQUE (execution_id, sequence_number, attempt_number),
    CONSTRAINT workflow_execution_steps_sequence_positive CHECK (sequence_number >= 1 AND attempt_number >= 1),
    CONSTRAINT workflow_execution_steps_type_check CHECK (step_type IN ('task', 'agent', 'approval', 'decision', 'parallel', 'subworkflow', 'wait', 'notification', 'integration')),
    CONSTRAINT workflow_execution_steps_status_check CHECK (status IN ('pending', 'ready', 'running', 'waiting', 'awaiting_approval', 'completed', 'failed', 'skipped', 'cancelled')),
    CONSTRAINT workflow_execution_steps_cost_check CHECK (tokens_used >= 0 AND cost_usd >= 0),
    CONSTRAINT workflow_execution_steps_period_check CHECK (completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at),
    CONSTRAINT workflow_execution_steps_duration_check CHECK (duration_ms IS NULL OR duration_ms >= 0)
);

CREATE INDEX workflow_execution_steps_execution_status_idx ON workflow_execution_steps (execution_id, status);

-- ---------------------------------------------------------------------------------------------
-- task_executions: one run of a task (by an agent) within a workflow run
-- ---------------------------------------------------------------------------------------------
CREATE TABLE task_executions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT task_executions_tenant_id_fkey REFERENCES tenants(id),
    execution_id uuid NOT NULL CONSTRAINT task_executions_execution_id_fkey REFERENCES workflow_executions(id) ON DELETE CASCADE,
    execution_step_id uuid CONSTRAINT task_executions_execution_step_id_fkey REFERENCES workflow_execution_steps(id) ON DELETE SET NULL,
    task_id uuid NOT NULL CONSTRAINT task_executions_task_id_fkey REFERENCES tasks(id) ON DELETE CASCADE,
    agent_id uuid CONSTRAINT task_executions_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,
    prompt_id uuid CONSTRAINT task_executions_prompt_id_fkey REFERENCES prompts(id) ON DELETE SET NULL,
    assigned_user_id uuid CONSTRAINT task_executions_assigned_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,  -- manual / assisted tasks

    status varchar(30) NOT NULL DEFAULT 'pending',
    attempt_number smallint NOT NULL DEFAULT 1,

    inputs jsonb NOT NULL DEFAULT '{}'::jsonb,
    outputs jsonb NOT NULL DEFAULT '{}'::jsonb,
    result_summary text,
    error_message text,
    error_details jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Quality
    quality_score numeric(3,2),
    validation_results jsonb NOT NULL DEFAULT '{}'::jsonb,  -- results of tasks.validation_rules / quality_checks
    requires_review boolean NOT NULL DEFAULT false,

    -- LLM accounting
    model varchar(100),
    prompt_tokens integer NOT NULL DEFAULT 0,
    completion_tokens integer NOT NULL DEFAULT 0,
    total_tokens integer NOT NULL DEFAULT 0,
    cost_usd numeric(12,6) NOT NULL DEFAULT 0,

    started_at timestamptz,
    completed_at timestamptz,
    duration_ms bigint,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT task_executions_status_check CHECK (status IN ('pending', 'ready', 'running', 'waiting', 'awaiting_approval', 'completed', 'failed', 'skipped', 'cancelled')),
    CONSTRAINT task_executions_attempt_positive CHECK (attempt_number >= 1),
    CONSTRAINT task_executions_quality_range CHECK (quality_score IS NULL OR quality_score BETWEEN 0 AND 1),
    CONSTRAINT task_executions_tokens_check CHECK (
        prompt_tokens >= 0 AND completion_tokens >= 0 AND total_tokens >= 0 AND cost_usd >= 0
    ),
    CONSTRAINT task_executions_period_check CHECK (completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at),
    CONSTRAINT task_executions_duration_check CHECK (duration_ms IS NULL OR duration_ms >= 0)
);

CREATE INDEX task_executions_execution_status_idx ON task_executions (execution_id, status);
CREATE INDEX task_executions_agent_created_idx ON task_executions (agent_id, created_at DESC);

-- ---------------------------------------------------------------------------------------------
-- workflow_approvals: human approval gates of a run
-- ---------------------------------------------------------------------------------------------
CREATE TABLE workflow_approvals (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT workflow_approvals_tenant_id_fkey REFERENCES tenants(id),
    execution_id uuid NOT NULL CONSTRAINT workflow_approvals_execution_id_fkey REFERENCES workflow_executions(id) ON DELETE CASCADE,
    execution_step_id uuid CONSTRAINT workflow_approvals_execution_step_id_fkey REFERENCES workflow_execution_steps(id) ON DELETE SET NULL,
    task_execution_id uuid CONSTRAINT workflow_approvals_task_execution_id_fkey REFERENCES task_executions(id) ON DELETE SET NULL,

    title varchar(255) NOT NULL,
    description text,
    approval_type varchar(30) NOT NULL DEFAULT 'step_gate',
    approval_level smallint NOT NULL DEFAULT 1,           -- multi-level sign-off: 1, 2, ...
    status approval_status NOT NULL DEFAULT 'pending',

    requested_by uuid CONSTRAINT workflow_approvals_requested_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    assigned_to uuid CONSTRAINT workflow_approvals_assigned_to_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    assigned_role tenant_role,                            -- any member holding this role may decide
    decided_by uuid CONSTRAINT workflow_approvals_decided_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    decision_comment text,
    conditions jsonb NOT NULL DEFAULT '[]'::jsonb,        -- conditions attached to an approval
    review_payload jsonb NOT NULL DEFAULT '{}'::jsonb,    -- what the approver is shown

    requested_at timestamptz NOT NULL DEFAULT now(),
    due_at timestamptz,
    decided_at timestamptz,
    escalated_at timestamptz,
    reminder_count smallint NOT NULL DEFAULT 0,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT workflow_approvals_title_not_empty CHECK (length(title) > 0),
    CONSTRAINT workflow_approvals_type_check CHECK (approval_type IN ('step_gate', 'deliverable_review', 'mlr_review', 'regulatory_signoff', 'budget', 'final')),
    CONSTRAINT workflow_approvals_level_positive CHECK (approval_level >= 1),
    CONSTRAINT workflow_approvals_reminders_check CHECK (reminder_count >= 0),
    CONSTRAINT workflow_approvals_decision_check CHECK (decided_at IS NULL OR decided_at >= requested_at)
);

-- An approver's inbox.
CREATE INDEX workflow_approvals_open_assignee_idx ON workflow_approvals (assigned_to, due_at)
    WHERE status IN ('pending', 'in_review');
CREATE INDEX workflow_approvals_execution_status_idx ON workflow_approvals (execution_id, status);

-- ---------------------------------------------------------------------------------------------
-- workflow_logs: execution log lines (append-only)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE workflow_logs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT workflow_logs_tenant_id_fkey REFERENCES tenants(id),
    execution_id uuid NOT NULL CONSTRAINT workflow_logs_execution_id_fkey REFERENCES workflow_executions(id) ON DELETE CASCADE,
    execution_step_id uuid CONSTRAINT workflow_logs_execution_step_id_fkey REFERENCES workflow_execution_steps(id) ON DELETE SET NULL,
    task_execution_id uuid CONSTRAINT workflow_logs_task_execution_id_fkey REFERENCES task_executions(id) ON DELETE SET NULL,
    actor_user_id uuid CONSTRAINT workflow_logs_actor_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,

    log_level varchar(10) NOT NULL DEFAULT 'info',
    event_type varchar(100) NOT NULL,                     -- 'execution_started', 'step_completed', 'approval_requested', ...
    message text NOT NULL,
    source varchar(100),                                  -- emitting component: 'orchestrator', 'agent_runtime', ...
    details jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT workflow_logs_level_check CHECK (log_level IN ('debug', 'info', 'warning', 'error', 'critical'))
);

CREATE INDEX workflow_logs_execution_created_idx ON workflow_logs (execution_id, created_at);
CREATE INDEX workflow_logs_errors_idx ON workflow_logs (tenant_id, created_at DESC) WHERE log_level IN ('error', 'critical');
