-- Phase 11 (003): service 2, Ask Panel (multi-agent panel discussions).
-- panel_templates, panel_facilitator_configs, panel_discussions, panel_members, panel_rounds,
-- panel_messages, panel_consensus, panel_votes.
--
-- Tenancy:
--   panel_templates            registry asset (tenant_id NULL = shared registry, owner_tenant_id, is_public):
--                              a reusable panel configuration that can be shared like agents or prompts.
--   panel_facilitator_configs  child of panel_templates (tenant_id NULL-able, the template's tenant).
--                              Decision: facilitator settings are reusable configuration that travels
--                              with the template when it is shared, so they are a child of the registry
--                              asset, not private data. A running panel points at the config it uses
--                              (panel_discussions.facilitator_config_id) and keeps its per-run overrides
--                              in panel_discussions.facilitator_settings.
--   all other panel_* tables   private tenant data (tenant_id NOT NULL, denormalised from the panel).
-- tenant_id uses the default NO ACTION on delete, as in the other phases: tenants are soft-deleted.
-- panel_messages and panel_votes are append-only (created_at only).
-- Score conventions: numeric(3,2) scores and thresholds are 0..1; costs are numeric(12,6) in USD.

-- ---------------------------------------------------------------------------------------------
-- panel_templates: reusable panel configurations (registry)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE panel_templates (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unique_id varchar(100) NOT NULL,
    name varchar(255) NOT NULL,
    display_name varchar(255),
    description text,

    -- Classification
    category varchar(100),                                -- 'advisory_board', 'regulatory_review', 'launch_readiness', ...
    panel_format varchar(30) NOT NULL DEFAULT 'structured',
    default_mode conversation_mode NOT NULL DEFAULT 'panel_discussion',
    domain_expertise domain_expertise,
    tags text[] NOT NULL DEFAULT '{}',

    -- Composition and rules
    min_members smallint NOT NULL DEFAULT 2,
    max_members smallint NOT NULL DEFAULT 6,
    default_max_rounds smallint NOT NULL DEFAULT 3,
    consensus_strategy varchar(30) NOT NULL DEFAULT 'majority',
    consensus_threshold numeric(3,2) NOT NULL DEFAULT 0.60,
    -- Default roster: [{seat_order, agent_id | agent_type, role, perspective, vote_weight}]
    member_blueprint jsonb NOT NULL DEFAULT '[]'::jsonb,
    -- Prompt that orchestrates the panel (a prompt of role_type 'panel_orchestration')
    orchestration_prompt_id uuid CONSTRAINT panel_templates_orchestration_prompt_id_fkey REFERENCES prompts(id) ON DELETE SET NULL,
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Usage
    usage_count integer NOT NULL DEFAULT 0,
    avg_rating numeric(3,2),

    -- Registry
    is_active boolean NOT NULL DEFAULT true,
    is_public boolean NOT NULL DEFAULT false,
    is_featured boolean NOT NULL DEFAULT false,

    -- Multi-tenancy
    tenant_id uuid CONSTRAINT panel_templates_tenant_id_fkey REFERENCES tenants(id),
    owner_tenant_id uuid CONSTRAINT panel_templates_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,

    -- Versioning
    version integer NOT NULL DEFAULT 1,
    parent_template_id uuid CONSTRAINT panel_templates_parent_template_id_fkey REFERENCES panel_templates(id) ON DELETE SET NULL,

    -- Audit
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT panel_templates_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT panel_templates_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    deleted_at timestamptz,

    CONSTRAINT panel_templates_unique_id_key UNIQUE (unique_id),
    CONSTRAINT panel_templates_name_not_empty CHECK (length(name) > 0),
    CONSTRAINT panel_templates_format_check CHECK (panel_format IN ('structured', 'open', 'debate', 'delphi', 'socratic', 'red_team')),
    CONSTRAINT panel_templates_consensus_strategy_check CHECK (consensus_strategy IN ('majority', 'supermajority', 'unanimous', 'weighted', 'facilitator_decides', 'none')),
    CONSTRAINT panel_templates_consensus_threshold_range CHECK (consensus_threshold BETWEEN 0 AND 1),
    CONSTRAINT panel_templates_members_check CHECK (min_members >= 1 AND max_members >= min_members),
    CONSTRAINT panel_templates_rounds_positive CHECK (default_max_rounds >= 1),
    CONSTRAINT panel_templates_usage_count_check CHECK (usage_count >= 0),
    CONSTRAINT panel_templates_avg_rating_range CHECK (avg_rating IS NULL OR avg_rating BETWEEN 0 AND 5),
    CONSTRAINT panel_templates_version_positive CHECK (version >= 1)
);

CREATE INDEX panel_templates_tenant_active_idx ON panel_templates (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX panel_templates_category_idx ON panel_templates (category) WHERE is_active = true;
CREATE INDEX panel_templates_public_idx ON panel_templates (is_public, is_featured) WHERE is_active = true;
CREATE INDEX panel_templates_tags_gin ON panel_templates USING gin (tags);
CREATE INDEX panel_templates_member_blueprint_gin ON panel_templates USING gin (member_blueprint);
CREATE INDEX panel_templates_search_gin ON panel_templates USING gin (
    to_tsvector('english', name || ' ' || coalesce(description, ''))
);

-- ---------------------------------------------------------------------------------------------
-- panel_facilitator_configs: facilitator settings of a panel template (child of the registry asset)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE panel_facilitator_configs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    panel_template_id uuid NOT NULL CONSTRAINT panel_facilitator_configs_panel_template_id_fkey REFERENCES panel_templates(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT panel_facilitator_configs_tenant_id_fkey REFERENCES tenants(id),

    name varchar(255) NOT NULL,
    description text,

    -- Who facilitates and how
    facilitator_agent_id uuid CONSTRAINT panel_facilitator_configs_facilitator_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,
    facilitator_prompt_id uuid CONSTRAINT panel_facilitator_configs_facilitator_prompt_id_fkey REFERENCES prompts(id) ON DELETE SET NULL,
    facilitation_style varchar(30) NOT NULL DEFAULT 'structured',
    turn_taking_strategy varchar(30) NOT NULL DEFAULT 'round_robin',

    -- Limits
    max_rounds smallint NOT NULL DEFAULT 3,
    max_turns_per_member smallint NOT NULL DEFAULT 1,     -- per round
    max_tokens_per_turn integer,
    round_time_limit_seconds integer,

    -- Behaviour
    summarize_each_round boolean NOT NULL DEFAULT true,
    allow_rebuttals boolean NOT NULL DEFAULT true,
    allow_user_interjections boolean NOT NULL DEFAULT true,
    require_consensus boolean NOT NULL DEFAULT false,
    consensus_threshold numeric(3,2),                     -- NULL = the template's threshold
    intervention_rules jsonb NOT NULL DEFAULT '{}'::jsonb, -- when to step in: off-topic, conflict, repetition
    escalation_rules jsonb NOT NULL DEFAULT '{}'::jsonb,   -- deadlock handling, human-in-the-loop
    model_config jsonb NOT NULL DEFAULT '{}'::jsonb,

    is_default boolean NOT NULL DEFAULT false,
    is_active boolean NOT NULL DEFAULT true,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT panel_facilitator_configs_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,

    CONSTRAINT panel_facilitator_configs_template_name_key UNIQUE (panel_template_id, name),
    CONSTRAINT panel_facilitator_configs_style_check CHECK (facilitation_style IN ('structured', 'socratic', 'devils_advocate', 'consensus_building', 'debate', 'delphi')),
    CONSTRAINT panel_facilitator_configs_turn_taking_check CHECK (turn_taking_strategy IN ('round_robin', 'seat_order', 'facilitator_directed', 'free_form', 'expertise_weighted')),
    CONSTRAINT panel_facilitator_configs_limits_check CHECK (
        max_rounds >= 1 AND max_turns_per_member >= 1
        AND (max_tokens_per_turn IS NULL OR max_tokens_per_turn > 0)
        AND (round_time_limit_seconds IS NULL OR round_time_limit_seconds > 0)
    ),
    CONSTRAINT panel_facilitator_configs_threshold_range CHECK (consensus_threshold IS NULL OR consensus_threshold BETWEEN 0 AND 1)
);

-- At most one default facilitator config per template.
CREATE UNIQUE INDEX panel_facilitator_configs_one_default_uidx
    ON panel_facilitator_configs (panel_template_id) WHERE is_default;

-- ---------------------------------------------------------------------------------------------
-- panel_discussions: one panel session (private)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE panel_discussions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT panel_discussions_tenant_id_fkey REFERENCES tenants(id),
    user_id uuid CONSTRAINT panel_discussions_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,   -- who convened it
    panel_template_id uuid CONSTRAINT panel_discussions_panel_template_id_fkey REFERENCES panel_templates(id) ON DELETE SET NULL,
    facilitator_config_id uuid CONSTRAINT panel_discussions_facilitator_config_id_fkey REFERENCES panel_facilitator_configs(id) ON DELETE SET NULL,
    industry_id uuid CONSTRAINT panel_discussions_industry_id_fkey REFERENCES industries(id) ON DELETE SET NULL,

    mode conversation_mode NOT NULL DEFAULT 'panel_discussion',
    title varchar(500) NOT NULL,
    question text NOT NULL,                               -- the question put to the panel
    context text,
    objectives jsonb NOT NULL DEFAULT '[]'::jsonb,
    status varchar(30) NOT NULL DEFAULT 'draft',

    -- Rules of this run (copied from the template, then editable)
    consensus_strategy varchar(30) NOT NULL DEFAULT 'majority',
    consensus_threshold numeric(3,2) NOT NULL DEFAULT 0.60,
    max_rounds smallint NOT NULL DEFAULT 3,
    current_round smallint NOT NULL DEFAULT 0,
    facilitator_settings jsonb NOT NULL DEFAULT '{}'::jsonb, -- per-run overrides of the facilitator config
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    data_classification data_classification NOT NULL DEFAULT 'internal',

    -- Outcome
    consensus_reached boolean NOT NULL DEFAULT false,
    final_summary text,
    final_recommendation text,

    -- Statistics
    member_count smallint NOT NULL DEFAULT 0,
    message_count integer NOT NULL DEFAULT 0,
    total_tokens bigint NOT NULL DEFAULT 0,
    total_cost_usd numeric(12,6) NOT NULL DEFAULT 0,

    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    scheduled_at timestamptz,
    started_at timestamptz,
    ended_at timestamptz,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,

    CONSTRAINT panel_discussions_title_not_empty CHECK (length(title) > 0),
    CONSTRAINT panel_discussions_status_check CHECK (status IN ('draft', 'scheduled', 'in_progress', 'paused', 'awaiting_consensus', 'completed', 'cancelled', 'failed')),
    CONSTRAINT panel_discussions_consensus_strategy_check CHECK (consensus_strategy IN ('majority', 'supermajority', 'unanimous', 'weighted', 'facilitator_decides', 'none')),
    CONSTRAINT panel_discussions_threshold_range CHECK (consensus_threshold BETWEEN 0 AND 1),
    CONSTRAINT panel_discussions_rounds_check CHECK (max_rounds >= 1 AND current_round >= 0 AND current_round <= max_rounds),
    CONSTRAINT panel_discussions_counters_check CHECK (
        member_count >= 0 AND message_count >= 0 AND total_tokens >= 0 AND total_cost_usd >= 0
    ),
    CONSTRAINT panel_discussions_period_check CHECK (ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at)
);

CREATE INDEX panel_discussions_tenant_user_created_idx
    ON panel_discussions (tenant_id, user_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX panel_discussions_status_idx ON panel_discussions (tenant_id, status) WHERE deleted_at IS NULL;
CREATE INDEX panel_discussions_tags_gin ON panel_discussions USING gin (tags);
CREATE INDEX panel_discussions_search_gin ON panel_discussions USING gin (
    to_tsvector('english', title || ' ' || question)
);

-- ---------------------------------------------------------------------------------------------
-- panel_members: the agents seated on a panel (panel <-> agent)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE panel_members (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT panel_members_tenant_id_fkey REFERENCES tenants(id),
    panel_id uuid NOT NULL CONSTRAINT panel_members_panel_id_fkey REFERENCES panel_discussions(id) ON DELETE CASCADE,
    agent_id uuid NOT NULL CONSTRAINT panel_members_agent_id_fkey REFERENCES agents(id) ON DELETE CASCADE,

    role varchar(30) NOT NULL DEFAULT 'panelist',
    seat_order smallint NOT NULL,                         -- speaking / display order, 1-based
    display_name varchar(255),
    perspective text,                                     -- the viewpoint this member is asked to represent
    expertise domain_expertise,
    instructions text,                                    -- member-specific instructions appended to the agent's prompt
    prompt_id uuid CONSTRAINT panel_members_prompt_id_fkey REFERENCES prompts(id) ON DELETE SET NULL,
    model_config jsonb NOT NULL DEFAULT '{}'::jsonb,

    can_vote boolean NOT NULL DEFAULT true,
    vote_weight numeric(5,2) NOT NULL DEFAULT 1.00,
    is_active boolean NOT NULL DEFAULT true,

    message_count integer NOT NULL DEFAULT 0,
    total_tokens bigint NOT NULL DEFAULT 0,

    joined_at timestamptz NOT NULL DEFAULT now(),
    left_at timestamptz,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT panel_members_panel_agent_key UNIQUE (panel_id, agent_id),
    -- Deferrable so that seats can be swapped inside one transaction.
    CONSTRAINT panel_members_panel_seat_key UNIQUE (panel_id, seat_order) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT panel_members_role_check CHECK (role IN ('panelist', 'chair', 'facilitator', 'moderator', 'devils_advocate', 'synthesizer', 'observer', 'expert_witness')),
    CONSTRAINT panel_members_seat_positive CHECK (seat_order >= 1),
    CONSTRAINT panel_members_vote_weight_positive CHECK (vote_weight > 0),
    CONSTRAINT panel_members_counters_check CHECK (message_count >= 0 AND total_tokens >= 0),
    CONSTRAINT panel_members_period_check CHECK (left_at IS NULL OR left_at >= joined_at)
);

-- ---------------------------------------------------------------------------------------------
-- panel_rounds: the rounds of a discussion
-- ---------------------------------------------------------------------------------------------
CREATE TABLE panel_rounds (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT panel_rounds_tenant_id_fkey REFERENCES tenants(id),
    panel_id uuid NOT NULL CONSTRAINT panel_rounds_panel_id_fkey REFERENCES panel_discussions(id) ON DELETE CASCADE,

    round_number smallint NOT NULL,
    round_type varchar(30) NOT NULL DEFAULT 'discussion',
    title varchar(255),
    prompt text,                                          -- the facilitator's question for this round
    status varchar(20) NOT NULL DEFAULT 'pending',

    summary text,
    key_points jsonb NOT NULL DEFAULT '[]'::jsonb,
    disagreements jsonb NOT NULL DEFAULT '[]'::jsonb,
    agreement_score numeric(3,2),

    message_count integer NOT NULL DEFAULT 0,
    total_tokens bigint NOT NULL DEFAULT 0,

    started_at timestamptz,
    ended_at timestamptz,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT panel_rounds_panel_number_key UNIQUE (panel_id, round_number),
    CONSTRAINT panel_rounds_number_positive CHECK (round_number >= 1),
    CONSTRAINT panel_rounds_type_check CHECK (round_type IN ('opening', 'discussion', 'rebuttal', 'deliberation', 'voting', 'synthesis', 'closing')),
    CONSTRAINT panel_rounds_status_check CHECK (status IN ('pending', 'in_progress', 'completed', 'skipped', 'failed')),
    CONSTRAINT panel_rounds_agreement_range CHECK (agreement_score IS NULL OR agreement_score BETWEEN 0 AND 1),
    CONSTRAINT panel_rounds_counters_check CHECK (message_count >= 0 AND total_tokens >= 0),
    CONSTRAINT panel_rounds_period_check CHECK (ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at)
);

-- ---------------------------------------------------------------------------------------------
-- panel_messages: the messages of a discussion (append-only)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE panel_messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT panel_messages_tenant_id_fkey REFERENCES tenants(id),
    panel_id uuid NOT NULL CONSTRAINT panel_messages_panel_id_fkey REFERENCES panel_discussions(id) ON DELETE CASCADE,
    round_id uuid CONSTRAINT panel_messages_round_id_fkey REFERENCES panel_rounds(id) ON DELETE SET NULL,        -- NULL before the first round
    member_id uuid CONSTRAINT panel_messages_member_id_fkey REFERENCES panel_members(id) ON DELETE SET NULL,      -- NULL for user / system messages
    agent_id uuid CONSTRAINT panel_messages_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,              -- denormalised from the member
    user_id uuid CONSTRAINT panel_messages_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    reply_to_message_id uuid CONSTRAINT panel_messages_reply_to_message_id_fkey REFERENCES panel_messages(id) ON DELETE SET NULL,

    role message_role NOT NULL,
    sequence_number integer NOT NULL,                     -- order within the panel
    message_kind varchar(30) NOT NULL DEFAULT 'statement',
    content text NOT NULL,
    content_format varchar(20) NOT NULL DEFAULT 'markdown',
    -- {citations: [...], confidence: 0..1, stance, references_message_ids: [...]}
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    model varchar(100),
    prompt_tokens integer NOT NULL DEFAULT 0,
    completion_tokens integer NOT NULL DEFAULT 0,
    total_tokens integer NOT NULL DEFAULT 0,
    cost_usd numeric(12,6) NOT NULL DEFAULT 0,
    latency_ms integer,

    created_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT panel_messages_sequence_key UNIQUE (panel_id, sequence_number),
    CONSTRAINT panel_messages_sequence_positive CHECK (sequence_number >= 1),
    CONSTRAINT panel_messages_kind_check CHECK (message_kind IN ('question', 'statement', 'rebuttal', 'clarification', 'intervention', 'summary', 'vote_rationale', 'synthesis')),
    CONSTRAINT panel_messages_content_format_check CHECK (content_format IN ('markdown', 'text', 'html', 'json')),
    CONSTRAINT panel_messages_metadata_object CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT panel_messages_tokens_check CHECK (
        prompt_tokens >= 0 AND completion_tokens >= 0 AND total_tokens >= 0 AND cost_usd >= 0
    ),
    CONSTRAINT panel_messages_latency_check CHECK (latency_ms IS NULL OR latency_ms >= 0)
);

CREATE INDEX panel_messages_panel_created_idx ON panel_messages (panel_id, created_at);
CREATE INDEX panel_messages_round_sequence_idx ON panel_messages (round_id, sequence_number);
CREATE INDEX panel_messages_metadata_gin ON panel_messages USING gin (metadata);

-- ---------------------------------------------------------------------------------------------
-- panel_consensus: a proposition the panel works towards agreement on, and its outcome
-- ---------------------------------------------------------------------------------------------
CREATE TABLE panel_consensus (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT panel_consensus_tenant_id_fkey REFERENCES tenants(id),
    panel_id uuid NOT NULL CONSTRAINT panel_consensus_panel_id_fkey REFERENCES panel_discussions(id) ON DELETE CASCADE,
    round_id uuid CONSTRAINT panel_consensus_round_id_fkey REFERENCES panel_rounds(id) ON DELETE SET NULL,       -- round in which it was proposed
    proposed_by_member_id uuid CONSTRAINT panel_consensus_proposed_by_member_id_fkey REFERENCES panel_members(id) ON DELETE SET NULL,

    topic varchar(500) NOT NULL,
    proposition text NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'open',
    consensus_strategy varchar(30) NOT NULL DEFAULT 'majority',
    threshold numeric(3,2) NOT NULL DEFAULT 0.60,

    -- Tally (maintained from panel_votes)
    votes_for integer NOT NULL DEFAULT 0,
    votes_against integer NOT NULL DEFAULT 0,
    abstentions integer NOT NULL DEFAULT 0,
    weighted_support numeric(8,3),
    agreement_score numeric(3,2),
    confidence_score numeric(3,2),

    final_position text,
    dissenting_opinions jsonb NOT NULL DEFAULT '[]'::jsonb,  -- [{member_id, summary}]
    supporting_evidence jsonb NOT NULL DEFAULT '[]'::jsonb,  -- [{citation, source_id}]
    is_final boolean NOT NULL DEFAULT false,                 -- part of the panel's final recommendation
    reached_at timestamptz,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT panel_consensus_status_check CHECK (status IN ('open', 'voting', 'reached', 'not_reached', 'deadlocked', 'withdrawn')),
    CONSTRAINT panel_consensus_strategy_check CHECK (consensus_strategy IN ('majority', 'supermajority', 'unanimous', 'weighted', 'facilitator_decides', 'none')),
    CONSTRAINT panel_consensus_threshold_range CHECK (threshold BETWEEN 0 AND 1),
    CONSTRAINT panel_consensus_tally_check CHECK (votes_for >= 0 AND votes_against >= 0 AND abstentions >= 0),
    CONSTRAINT panel_consensus_scores_range CHECK (
        (agreement_score IS NULL OR agreement_score BETWEEN 0 AND 1)
        AND (confidence_score IS NULL OR confidence_score BETWEEN 0 AND 1)
    )
);

CREATE INDEX panel_consensus_panel_status_idx ON panel_consensus (panel_id, status);

-- ---------------------------------------------------------------------------------------------
-- panel_votes: one member's vote on a proposition in a round (append-only; a changed vote is a
-- new row in a later round)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE panel_votes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT panel_votes_tenant_id_fkey REFERENCES tenants(id),
    panel_id uuid NOT NULL CONSTRAINT panel_votes_panel_id_fkey REFERENCES panel_discussions(id) ON DELETE CASCADE,
    consensus_id uuid NOT NULL CONSTRAINT panel_votes_consensus_id_fkey REFERENCES panel_consensus(id) ON DELETE CASCADE,
    round_id uuid NOT NULL CONSTRAINT panel_votes_round_id_fkey REFERENCES panel_rounds(id) ON DELETE CASCADE,
    member_id uuid NOT NULL CONSTRAINT panel_votes_member_id_fkey REFERENCES panel_members(id) ON DELETE CASCADE,
    rationale_message_id uuid CONSTRAINT panel_votes_rationale_message_id_fkey REFERENCES panel_messages(id) ON DELETE SET NULL,

    vote_choice varchar(20) NOT NULL,
    weight numeric(5,2) NOT NULL DEFAULT 1.00,
    confidence numeric(3,2),
    rationale text,
    conditions text,                                      -- for a 'conditional' vote
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT panel_votes_consensus_member_round_key UNIQUE (consensus_id, member_id, round_id),
    CONSTRAINT panel_votes_choice_check CHECK (vote_choice IN ('support', 'oppose', 'abstain', 'conditional')),
    CONSTRAINT panel_votes_weight_positive CHECK (weight > 0),
    CONSTRAINT panel_votes_confidence_range CHECK (confidence IS NULL OR confidence BETWEEN 0 AND 1)
);
