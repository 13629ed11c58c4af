-- Phase 10 (003): service 1, Ask Expert (1:1 consultations with an agent).
-- expert_consultations, consultation_sessions, expert_messages.
--
-- Tenancy: all three are private tenant data (tenant_id NOT NULL). expert_messages and
-- consultation_sessions repeat the consultation's tenant_id (denormalised for RLS).
-- tenant_id uses the default NO ACTION on delete, as in the other phases: tenants are soft-deleted.
-- expert_messages is append-only (created_at only); a regenerated answer is a new row that points at
-- the message it replaces (parent_message_id).
-- Score conventions: numeric(3,2) scores are 0..1; costs are numeric(12,6) in USD.

-- ---------------------------------------------------------------------------------------------
-- expert_consultations: one 1:1 conversation between a user and an agent
-- ---------------------------------------------------------------------------------------------
CREATE TABLE expert_consultations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT expert_consultations_tenant_id_fkey REFERENCES tenants(id),
    -- Nullable: a consultation can be opened through an API key, and a user's erasure keeps the
    -- tenant's (anonymised) history.
    user_id uuid CONSTRAINT expert_consultations_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    -- Nullable: in automatic agent selection the agent is chosen after the first user message.
    agent_id uuid CONSTRAINT expert_consultations_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,
    agent_selection_method varchar(30) NOT NULL DEFAULT 'manual',
    industry_id uuid CONSTRAINT expert_consultations_industry_id_fkey REFERENCES industries(id) ON DELETE SET NULL,
    persona_id uuid CONSTRAINT expert_consultations_persona_id_fkey REFERENCES personas(id) ON DELETE SET NULL,

    mode conversation_mode NOT NULL DEFAULT 'expert_consultation',
    title varchar(500),                                   -- generated after the first exchange
    initial_query text,
    summary text,
    status varchar(30) NOT NULL DEFAULT 'active',

    -- Behaviour
    use_rag boolean NOT NULL DEFAULT true,
    model_config jsonb NOT NULL DEFAULT '{}'::jsonb,      -- per-consultation overrides {model, temperature, max_tokens}
    context jsonb NOT NULL DEFAULT '{}'::jsonb,           -- user-supplied context: product, therapy area, documents
    data_classification data_classification NOT NULL DEFAULT 'internal',

    -- Statistics (maintained by the service / triggers of a later phase)
    message_count integer NOT NULL DEFAULT 0,
    session_count integer NOT NULL DEFAULT 0,
    prompt_tokens bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0,
    total_tokens bigint NOT NULL DEFAULT 0,
    total_cost_usd numeric(12,6) NOT NULL DEFAULT 0,

    is_pinned boolean NOT NULL DEFAULT false,
    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    started_at timestamptz NOT NULL DEFAULT now(),
    last_message_at timestamptz,
    ended_at timestamptz,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,

    CONSTRAINT expert_consultations_status_check CHECK (status IN ('active', 'paused', 'completed', 'abandoned', 'archived', 'failed')),
    CONSTRAINT expert_consultations_agent_selection_check CHECK (agent_selection_method IN ('manual', 'automatic', 'recommended')),
    CONSTRAINT expert_consultations_counters_check CHECK (
        message_count >= 0 AND session_count >= 0 AND prompt_tokens >= 0
        AND completion_tokens >= 0 AND total_tokens >= 0 AND total_cost_usd >= 0
    ),
    CONSTRAINT expert_consultations_period_check CHECK (ended_at IS NULL OR ended_at >= started_at)
);

CREATE INDEX expert_consultations_tenant_user_started_idx
    ON expert_consultations (tenant_id, user_id, started_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX expert_consultations_agent_started_idx
    ON expert_consultations (agent_id, started_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX expert_consultations_status_idx
    ON expert_consultations (tenant_id, status) WHERE deleted_at IS NULL;
CREATE INDEX expert_consultations_tags_gin ON expert_consultations USING gin (tags);
CREATE INDEX expert_consultations_search_gin ON expert_consultations USING gin (
    to_tsvector('english', coalesce(title, '') || ' ' || coalesce(initial_query, ''))
);

-- ---------------------------------------------------------------------------------------------
-- consultation_sessions: one connected period of a consultation (a consultation spans sessions)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE consultation_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT consultation_sessions_tenant_id_fkey REFERENCES tenants(id),
    consultation_id uuid NOT NULL CONSTRAINT consultation_sessions_consultation_id_fkey REFERENCES expert_consultations(id) ON DELETE CASCADE,
    user_id uuid CONSTRAINT consultation_sessions_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,

    session_number integer NOT NULL,                      -- 1, 2, ... within the consultation
    status varchar(20) NOT NULL DEFAULT 'active',
    client_type varchar(30) NOT NULL DEFAULT 'web',
    client_version varchar(50),
    ip_address text,
    user_agent text,

    message_count integer NOT NULL DEFAULT 0,
    total_tokens bigint NOT NULL DEFAULT 0,
    total_cost_usd numeric(12,6) NOT NULL DEFAULT 0,

    started_at timestamptz NOT NULL DEFAULT now(),
    last_activity_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    end_reason varchar(30),                               -- 'user_closed', 'idle_timeout', 'error', ...
    duration_seconds integer,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT consultation_sessions_number_key UNIQUE (consultation_id, session_number),
    CONSTRAINT consultation_sessions_number_positive CHECK (session_number >= 1),
    CONSTRAINT consultation_sessions_status_check CHECK (status IN ('active', 'idle', 'ended', 'expired', 'error')),
    CONSTRAINT consultation_sessions_client_type_check CHECK (client_type IN ('web', 'mobile', 'api', 'teams', 'slack', 'embedded')),
    CONSTRAINT consultation_sessions_counters_check CHECK (message_count >= 0 AND total_tokens >= 0 AND total_cost_usd >= 0),
    CONSTRAINT consultation_sessions_period_check CHECK (ended_at IS NULL OR ended_at >= started_at),
    CONSTRAINT consultation_sessions_duration_check CHECK (duration_seconds IS NULL OR duration_seconds >= 0)
);

CREATE INDEX consultation_sessions_active_idx
    ON consultation_sessions (tenant_id, last_activity_at) WHERE status IN ('active', 'idle');

-- ---------------------------------------------------------------------------------------------
-- expert_messages: the messages of a consultation (append-only)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE expert_messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT expert_messages_tenant_id_fkey REFERENCES tenants(id),
    consultation_id uuid NOT NULL CONSTRAINT expert_messages_consultation_id_fkey REFERENCES expert_consultations(id) ON DELETE CASCADE,
    session_id uuid CONSTRAINT expert_messages_session_id_fkey REFERENCES consultation_sessions(id) ON DELETE SET NULL,
    -- Regeneration / branching: the message this one answers or replaces.
    parent_message_id uuid CONSTRAINT expert_messages_parent_message_id_fkey REFERENCES expert_messages(id) ON DELETE SET NULL,

    role message_role NOT NULL,
    sequence_number integer NOT NULL,                     -- order within the consultation
    user_id uuid CONSTRAINT expert_messages_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,   -- author of a 'user' message
    agent_id uuid CONSTRAINT expert_messages_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,        -- author of an 'assistant'/'agent' message

    content text NOT NULL,
    content_format varchar(20) NOT NULL DEFAULT 'markdown',
    -- {citations: [{source_id, chunk_id, title, url, page, quote}], confidence: 0..1,
    --  reasoning, rag: {query, top_k, chunk_ids}, tool_calls: [...], safety_flags: [...]}
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- LLM accounting (0 for user/system messages)
    model varchar(100),
    prompt_tokens integer NOT NULL DEFAULT 0,
    completion_tokens integer NOT NULL DEFAULT 0,
    total_tokens integer NOT NULL DEFAULT 0,
    cost_usd numeric(12,6) NOT NULL DEFAULT 0,
    latency_ms integer,
    finish_reason varchar(50),

    is_regenerated boolean NOT NULL DEFAULT false,

    created_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT expert_messages_sequence_key UNIQUE (consultation_id, sequence_number),
    CONSTRAINT expert_messages_sequence_positive CHECK (sequence_number >= 1),
    CONSTRAINT expert_messages_content_format_check CHECK (content_format IN ('markdown', 'text', 'html', 'json')),
    CONSTRAINT expert_messages_metadata_object CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT expert_messages_tokens_check CHECK (
        prompt_tokens >= 0 AND completion_tokens >= 0 AND total_tokens >= 0 AND cost_usd >= 0
    ),
    CONSTRAINT expert_messages_latency_check CHECK (latency_ms IS NULL OR latency_ms >= 0)
);

CREATE INDEX expert_messages_consultation_created_idx ON expert_messages (consultation_id, created_at);
CREATE INDEX expert_messages_tenant_created_idx ON expert_messages (tenant_id, created_at);
CREATE INDEX expert_messages_metadata_gin ON expert_messages USING gin (metadata);
CREATE INDEX expert_messages_search_gin ON expert_messages USING gin (to_tsvector('english', content));
