-- Phase 16 (003 / vital_data_strategy): token usage and billing.
-- token_usage_messages, token_usage_sessions, token_usage_consultations,
-- subscription_usage_monthly, cost_allocation.
--
-- Tenancy: all five are private tenant data (tenant_id NOT NULL). tenant_id uses the default
-- NO ACTION on delete, as in the other phases: tenants are soft-deleted.
-- token_usage_messages is the append-only ledger (created_at only): one row per billable model call.
-- The other four are aggregates of that ledger, updated as usage accrues, so they keep updated_at.
-- References to consultations, messages, executions, users and agents are ON DELETE SET NULL:
-- billing data must survive the deletion of what caused it.
-- Amounts are USD: numeric(12,6) per call / session, numeric(14,6) for monthly and allocation totals.

-- ---------------------------------------------------------------------------------------------
-- token_usage_messages: one row per model call (append-only ledger)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE token_usage_messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT token_usage_messages_tenant_id_fkey REFERENCES tenants(id),
    user_id uuid CONSTRAINT token_usage_messages_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    agent_id uuid CONSTRAINT token_usage_messages_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,

    -- What consumed the tokens (at most a few are set)
    consultation_id uuid CONSTRAINT token_usage_messages_consultation_id_fkey REFERENCES expert_consultations(id) ON DELETE SET NULL,
    session_id uuid CONSTRAINT token_usage_messages_session_id_fkey REFERENCES consultation_sessions(id) ON DELETE SET NULL,
    expert_message_id uuid CONSTRAINT token_usage_messages_expert_message_id_fkey REFERENCES expert_messages(id) ON DELETE SET NULL,
    panel_id uuid CONSTRAINT token_usage_messages_panel_id_fkey REFERENCES panel_discussions(id) ON DELETE SET NULL,
    panel_message_id uuid CONSTRAINT token_usage_messages_panel_message_id_fkey REFERENCES panel_messages(id) ON DELETE SET NULL,
    execution_id uuid CONSTRAINT token_usage_messages_execution_id_fkey REFERENCES workflow_executions(id) ON DELETE SET NULL,
    task_execution_id uuid CONSTRAINT token_usage_messages_task_execution_id_fkey REFERENCES task_executions(id) ON DELETE SET NULL,

    service_name varchar(50) NOT NULL,                    -- services_registry.service_name, or an internal consumer
    operation varchar(30) NOT NULL DEFAULT 'chat_completion',
    provider varchar(50) NOT NULL,                        -- 'openai', 'anthropic', 'azure_openai', ...
    model varchar(100) NOT NULL,

    prompt_tokens integer NOT NULL DEFAULT 0,
    completion_tokens integer NOT NULL DEFAULT 0,
    cached_tokens integer NOT NULL DEFAULT 0,             -- prompt tokens served from the provider's cache
    total_tokens integer NOT NULL DEFAULT 0,

    input_cost_usd numeric(12,6) NOT NULL DEFAULT 0,
    output_cost_usd numeric(12,6) NOT NULL DEFAULT 0,
    total_cost_usd numeric(12,6) NOT NULL DEFAULT 0,      -- provider cost
    billable_amount_usd numeric(12,6) NOT NULL DEFAULT 0, -- what the tenant is charged (after markup / plan)
    is_billable boolean NOT NULL DEFAULT true,

    latency_ms integer,
    provider_request_id varchar(255),
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT token_usage_messages_service_check CHECK (service_name IN ('ask_expert', 'ask_panel', 'workflows', 'solutions', 'knowledge_ingestion', 'search', 'system')),
    CONSTRAINT token_usage_messages_operation_check CHECK (operation IN ('chat_completion', 'embedding', 'rerank', 'moderation', 'tool_call', 'summarization', 'classification')),
    CONSTRAINT token_usage_messages_tokens_check CHECK (
        prompt_tokens >= 0 AND completion_tokens >= 0 AND cached_tokens >= 0 AND total_tokens >= 0
        AND cached_tokens <= prompt_tokens
    ),
    CONSTRAINT token_usage_messages_cost_check CHECK (
        input_cost_usd >= 0 AND output_cost_usd >= 0 AND total_cost_usd >= 0 AND billable_amount_usd >= 0
    ),
    CONSTRAINT token_usage_messages_latency_check CHECK (latency_ms IS NULL OR latency_ms >= 0)
);

-- Monthly roll-ups per tenant, per user and per agent.
CREATE INDEX token_usage_messages_tenant_created_idx ON token_usage_messages (tenant_id, created_at);
CREATE INDEX token_usage_messages_user_created_idx ON token_usage_messages (user_id, created_at);
CREATE INDEX token_usage_messages_agent_created_idx ON token_usage_messages (agent_id, created_at);

-- ---------------------------------------------------------------------------------------------
-- token_usage_sessions: usage aggregated per consultation session
-- ---------------------------------------------------------------------------------------------
CREATE TABLE token_usage_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT token_usage_sessions_tenant_id_fkey REFERENCES tenants(id),
    session_id uuid CONSTRAINT token_usage_sessions_session_id_fkey REFERENCES consultation_sessions(id) ON DELETE SET NULL,
    consultation_id uuid CONSTRAINT token_usage_sessions_consultation_id_fkey REFERENCES expert_consultations(id) ON DELETE SET NULL,
    user_id uuid CONSTRAINT token_usage_sessions_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    agent_id uuid CONSTRAINT token_usage_sessions_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,

    message_count integer NOT NULL DEFAULT 0,
    llm_call_count integer NOT NULL DEFAULT 0,
    prompt_tokens bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0,
    cached_tokens bigint NOT NULL DEFAULT 0,
    total_tokens bigint NOT NULL DEFAULT 0,
    total_cost_usd numeric(12,6) NOT NULL DEFAULT 0,
    billable_amount_usd numeric(12,6) NOT NULL DEFAULT 0,
    models_used text[] NOT NULL DEFAULT '{}',
    usage_by_model jsonb NOT NULL DEFAULT '{}'::jsonb,    -- {model: {prompt_tokens, completion_tokens, cost_usd}}

    session_started_at timestamptz,
    session_ended_at timestamptz,
    first_usage_at timestamptz,
    last_usage_at timestamptz,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT token_usage_sessions_session_key UNIQUE (session_id),
    CONSTRAINT token_usage_sessions_counters_check CHECK (
        message_count >= 0 AND llm_call_count >= 0 AND prompt_tokens >= 0 AND completion_tokens >= 0
        AND cached_tokens >= 0 AND total_tokens >= 0 AND total_cost_usd >= 0 AND billable_amount_usd >= 0
    )
);

CREATE INDEX token_usage_sessions_tenant_started_idx ON token_usage_sessions (tenant_id, session_started_at);

-- ---------------------------------------------------------------------------------------------
-- token_usage_consultations: usage aggregated per consultation (Ask Expert) or panel (Ask Panel)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE token_usage_consultations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT token_usage_consultations_tenant_id_fkey REFERENCES tenants(id),
    -- One of the two is set when the row is written; both may become NULL if the conversation is purged.
    consultation_id uuid CONSTRAINT token_usage_consultations_consultation_id_fkey REFERENCES expert_consultations(id) ON DELETE SET NULL,
    panel_id uuid CONSTRAINT token_usage_consultations_panel_id_fkey REFERENCES panel_discussions(id) ON DELETE SET NULL,
    user_id uuid CONSTRAINT token_usage_consultations_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    agent_id uuid CONSTRAINT token_usage_consultations_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,  -- the expert (NULL for panels)

    mode conversation_mode NOT NULL,
    session_count integer NOT NULL DEFAULT 0,
    message_count integer NOT NULL DEFAULT 0,
    llm_call_count integer NOT NULL DEFAULT 0,
    prompt_tokens bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0,
    cached_tokens bigint NOT NULL DEFAULT 0,
    total_tokens bigint NOT NULL DEFAULT 0,
    total_cost_usd numeric(12,6) NOT NULL DEFAULT 0,
    billable_amount_usd numeric(12,6) NOT NULL DEFAULT 0,
    usage_by_model jsonb NOT NULL DEFAULT '{}'::jsonb,
    usage_by_agent jsonb NOT NULL DEFAULT '{}'::jsonb,    -- per panel member agent

    first_usage_at timestamptz,
    last_usage_at timestamptz,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT token_usage_consultations_consultation_key UNIQUE (consultation_id),
    CONSTRAINT token_usage_consultations_panel_key UNIQUE (panel_id),
    CONSTRAINT token_usage_consultations_target_check CHECK (consultation_id IS NULL OR panel_id IS NULL),
    CONSTRAINT token_usage_consultations_counters_check CHECK (
        session_count >= 0 AND message_count >= 0 AND llm_call_count >= 0 AND prompt_tokens >= 0
        AND completion_tokens >= 0 AND cached_tokens >= 0 AND total_tokens >= 0
        AND total_cost_usd >= 0 AND billable_amount_usd >= 0
    )
);

CREATE INDEX token_usage_consultations_tenant_last_usage_idx ON token_usage_consultations (tenant_id, last_usage_at);

-- ---------------------------------------------------------------------------------------------
-- subscription_usage_monthly: a tenant's usage per calendar month, against its plan limits
-- ---------------------------------------------------------------------------------------------
CREATE TABLE subscription_usage_monthly (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT subscription_usage_monthly_tenant_id_fkey REFERENCES tenants(id),
    month date NOT NULL,                                  -- first day of the month
    tier tenant_tier NOT NULL,                            -- plan in force that month

    -- Activity
    active_users integer NOT NULL DEFAULT 0,
    consultation_count integer NOT NULL DEFAULT 0,
    panel_count integer NOT NULL DEFAULT 0,
    workflow_execution_count integer NOT NULL DEFAULT 0,
    message_count integer NOT NULL DEFAULT 0,
    api_request_count integer NOT NULL DEFAULT 0,

    -- Tokens and cost
    prompt_tokens bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0,
    total_tokens bigint NOT NULL DEFAULT 0,
    total_cost_usd numeric(14,6) NOT NULL DEFAULT 0,
    billable_amount_usd numeric(14,6) NOT NULL DEFAULT 0,
    usage_by_service jsonb NOT NULL DEFAULT '{}'::jsonb,  -- {ask_expert: {tokens, cost_usd}, ...}
    storage_used_gb numeric(12,3) NOT NULL DEFAULT 0,

    -- Limits (snapshot of tenants.max_* for the month) and overage
    token_limit bigint,
    consultation_limit integer,
    overage_tokens bigint NOT NULL DEFAULT 0,
    overage_amount_usd numeric(14,6) NOT NULL DEFAULT 0,

    -- Invoicing
    is_finalized boolean NOT NULL DEFAULT false,
    finalized_at timestamptz,
    invoice_reference varchar(255),

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT subscription_usage_monthly_tenant_month_key UNIQUE (tenant_id, month),
    CONSTRAINT subscription_usage_monthly_month_first_day CHECK (month = date_trunc('month', month)::date),
    CONSTRAINT subscription_usage_monthly_counters_check CHECK (
        active_users >= 0 AND consultation_count >= 0 AND panel_count >= 0 AND workflow_execution_count >= 0
        AND message_count >= 0 AND api_request_count >= 0 AND prompt_tokens >= 0 AND completion_tokens >= 0
        AND total_tokens >= 0 AND total_cost_usd >= 0 AND billable_amount_usd >= 0 AND storage_used_gb >= 0
        AND overage_tokens >= 0 AND overage_amount_usd >= 0
    ),
    CONSTRAINT subscription_usage_monthly_limits_check CHECK (
        (token_limit IS NULL OR token_limit >= 0) AND (consultation_limit IS NULL OR consultation_limit >= 0)
    ),
    CONSTRAINT subscription_usage_monthly_finalized_check CHECK (NOT is_finalized OR finalized_at IS NOT NULL)
);

-- ---------------------------------------------------------------------------------------------
-- cost_allocation: cost of a period broken down by one dimension (user, agent, service, ...)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE cost_allocation (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT cost_allocation_tenant_id_fkey REFERENCES tenants(id),
    subscription_usage_id uuid CONSTRAINT cost_allocation_subscription_usage_id_fkey REFERENCES subscription_usage_monthly(id) ON DELETE SET NULL,

    period_start date NOT NULL,
    period_end date NOT NULL,
    granularity varchar(10) NOT NULL DEFAULT 'monthly',

    -- The dimension this row allocates to; the matching column below is set.
    allocation_dimension varchar(20) NOT NULL,
    user_id uuid CONSTRAINT cost_allocation_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    agent_id uuid CONSTRAINT cost_allocation_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,
    solution_id uuid CONSTRAINT cost_allocation_solution_id_fkey REFERENCES solutions(id) ON DELETE SET NULL,
    workflow_id uuid CONSTRAINT cost_allocation_workflow_id_fkey REFERENCES workflows(id) ON DELETE SET NULL,
    service_name varchar(50),
    cost_center varchar(100),                             -- the tenant's internal cost centre / budget code

    request_count integer NOT NULL DEFAULT 0,
    total_tokens bigint NOT NULL DEFAULT 0,
    llm_cost_usd numeric(14,6) NOT NULL DEFAULT 0,
    infrastructure_cost_usd numeric(14,6) NOT NULL DEFAULT 0,
    storage_cost_usd numeric(14,6) NOT NULL DEFAULT 0,
    total_cost_usd numeric(14,6) NOT NULL DEFAULT 0,
    billable_amount_usd numeric(14,6) NOT NULL DEFAULT 0,
    allocated_percent numeric(5,2),                       -- share of the tenant's cost for the period
    allocation_method varchar(20) NOT NULL DEFAULT 'direct',

    is_finalized boolean NOT NULL DEFAULT false,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT cost_allocation_period_check CHECK (period_end >= period_start),
    CONSTRAINT cost_allocation_granularity_check CHECK (granularity IN ('daily', 'weekly', 'monthly', 'quarterly')),
    CONSTRAINT cost_allocation_dimension_check CHECK (allocation_dimension IN ('tenant', 'user', 'agent', 'service', 'solution', 'workflow', 'cost_center')),
    CONSTRAINT cost_allocation_method_check CHECK (allocation_method IN ('direct', 'proportional', 'fixed', 'estimated')),
    CONSTRAINT cost_allocation_amounts_check CHECK (
        request_count >= 0 AND total_tokens >= 0 AND llm_cost_usd >= 0 AND infrastructure_cost_usd >= 0
        AND storage_cost_usd >= 0 AND total_cost_usd >= 0 AND billable_amount_usd >= 0
    ),
    CONSTRAINT cost_allocation_percent_range CHECK (allocated_percent IS NULL OR allocated_percent BETWEEN 0 AND 100)
);

CREATE INDEX cost_allocation_tenant_period_idx ON cost_allocation (tenant_id, period_start, allocation_dimension);
