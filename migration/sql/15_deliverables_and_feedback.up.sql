-- Phase 15 (003): outputs and user feedback.
-- deliverables, artifacts, consultation_feedback, votes, vote_records.
--
-- Tenancy: all five are private tenant data (tenant_id NOT NULL). tenant_id uses the default
-- NO ACTION on delete, as in the other phases: tenants are soft-deleted.
-- vote_records is append-only (created_at only). votes is a voting instance (a ballot with a
-- lifecycle: draft -> open -> closed), so it keeps updated_at; the individual votes cast are the
-- append-only rows.
-- Score conventions: numeric(3,2) scores are 0..1; ratings are 1..5.

-- ---------------------------------------------------------------------------------------------
-- deliverables: outputs produced by a workflow run, a consultation or a panel
-- ---------------------------------------------------------------------------------------------
CREATE TABLE deliverables (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT deliverables_tenant_id_fkey REFERENCES tenants(id),

    -- Where it came from (all optional: a deliverable can also be authored by hand)
    execution_id uuid CONSTRAINT deliverables_execution_id_fkey REFERENCES workflow_executions(id) ON DELETE SET NULL,
    task_execution_id uuid CONSTRAINT deliverables_task_execution_id_fkey REFERENCES task_executions(id) ON DELETE SET NULL,
    consultation_id uuid CONSTRAINT deliverables_consultation_id_fkey REFERENCES expert_consultations(id) ON DELETE SET NULL,
    panel_id uuid CONSTRAINT deliverables_panel_id_fkey REFERENCES panel_discussions(id) ON DELETE SET NULL,
    template_id uuid CONSTRAINT deliverables_template_id_fkey REFERENCES templates(id) ON DELETE SET NULL,
    agent_id uuid CONSTRAINT deliverables_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,        -- producing agent
    -- Versioning: a revision points at the deliverable it supersedes
    previous_version_id uuid CONSTRAINT deliverables_previous_version_id_fkey REFERENCES deliverables(id) ON DELETE SET NULL,

    title varchar(500) NOT NULL,
    description text,
    deliverable_type varchar(100) NOT NULL DEFAULT 'document', -- 'report', 'slide_deck', 'value_dossier', 'msl_response', ...
    content text,
    content_json jsonb,                                   -- structured content when the output has a schema
    format varchar(20) NOT NULL DEFAULT 'markdown',

    -- Lifecycle and review
    status varchar(20) NOT NULL DEFAULT 'draft',
    approval_status approval_status NOT NULL DEFAULT 'draft',
    approved_by uuid CONSTRAINT deliverables_approved_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    approved_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    data_classification data_classification NOT NULL DEFAULT 'internal',

    quality_score numeric(3,2),
    word_count integer,
    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    published_at timestamptz,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT deliverables_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT deliverables_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    deleted_at timestamptz,

    CONSTRAINT deliverables_title_not_empty CHECK (length(title) > 0),
    CONSTRAINT deliverables_format_check CHECK (format IN ('markdown', 'html', 'text', 'json', 'docx', 'pdf', 'pptx', 'xlsx', 'csv')),
    CONSTRAINT deliverables_status_check CHECK (status IN ('draft', 'generating', 'final', 'published', 'superseded', 'archived')),
    CONSTRAINT deliverables_version_positive CHECK (version >= 1),
    CONSTRAINT deliverables_quality_range CHECK (quality_score IS NULL OR quality_score BETWEEN 0 AND 1),
    CONSTRAINT deliverables_word_count_check CHECK (word_count IS NULL OR word_count >= 0)
);

CREATE INDEX deliverables_tenant_created_idx ON deliverables (tenant_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX deliverables_review_idx ON deliverables (tenant_id, approval_status)
    WHERE approval_status IN ('pending', 'in_review') AND deleted_at IS NULL;
CREATE INDEX deliverables_tags_gin ON deliverables USING gin (tags);
CREATE INDEX deliverables_search_gin ON deliverables USING gin (
    to_tsvector('english', title || ' ' || coalesce(description, ''))
);

-- ---------------------------------------------------------------------------------------------
-- artifacts: metadata of stored files (the bytes live in object storage)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE artifacts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT artifacts_tenant_id_fkey REFERENCES tenants(id),

    -- What the file belongs to (optional; SET NULL keeps the row so the stored object can be purged)
    deliverable_id uuid CONSTRAINT artifacts_deliverable_id_fkey REFERENCES deliverables(id) ON DELETE SET NULL,
    consultation_id uuid CONSTRAINT artifacts_consultation_id_fkey REFERENCES expert_consultations(id) ON DELETE SET NULL,
    expert_message_id uuid CONSTRAINT artifacts_expert_message_id_fkey REFERENCES expert_messages(id) ON DELETE SET NULL,   -- an attachment
    panel_id uuid CONSTRAINT artifacts_panel_id_fkey REFERENCES panel_discussions(id) ON DELETE SET NULL,
    execution_id uuid CONSTRAINT artifacts_execution_id_fkey REFERENCES workflow_executions(id) ON DELETE SET NULL,
    uploaded_by uuid CONSTRAINT artifacts_uploaded_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,

    file_name varchar(500) NOT NULL,
    artifact_type varchar(30) NOT NULL DEFAULT 'attachment',
    storage_provider varchar(30) NOT NULL DEFAULT 'supabase',
    storage_bucket varchar(255) NOT NULL,
    storage_path text NOT NULL,
    mime_type varchar(255) NOT NULL,
    file_extension varchar(20),
    size_bytes bigint NOT NULL,
    checksum varchar(128),                                -- hex digest
    checksum_algorithm varchar(20) NOT NULL DEFAULT 'sha256',
    page_count integer,

    -- Security and compliance
    data_classification data_classification NOT NULL DEFAULT 'internal',
    is_encrypted boolean NOT NULL DEFAULT true,
    virus_scan_status varchar(20) NOT NULL DEFAULT 'pending',
    scanned_at timestamptz,
    expires_at timestamptz,                               -- retention / signed-link expiry

    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,

    CONSTRAINT artifacts_storage_location_key UNIQUE (storage_provider, storage_bucket, storage_path),
    CONSTRAINT artifacts_file_name_not_empty CHECK (length(file_name) > 0),
    CONSTRAINT artifacts_type_check CHECK (artifact_type IN ('attachment', 'upload', 'export', 'generated', 'thumbnail', 'transcript', 'log')),
    CONSTRAINT artifacts_storage_provider_check CHECK (storage_provider IN ('supabase', 's3', 'gcs', 'azure_blob', 'local')),
    CONSTRAINT artifacts_size_check CHECK (size_bytes >= 0),
    CONSTRAINT artifacts_page_count_check CHECK (page_count IS NULL OR page_count >= 0),
    CONSTRAINT artifacts_checksum_algorithm_check CHECK (checksum_algorithm IN ('sha256', 'sha512', 'md5')),
    CONSTRAINT artifacts_virus_scan_check CHECK (virus_scan_status IN ('pending', 'clean', 'infected', 'failed', 'skipped'))
);

CREATE INDEX artifacts_tenant_created_idx ON artifacts (tenant_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX artifacts_checksum_idx ON artifacts (checksum) WHERE checksum IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- consultation_feedback: a user's rating of a consultation (or one of its answers) or of a panel
-- ---------------------------------------------------------------------------------------------
CREATE TABLE consultation_feedback (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT consultation_feedback_tenant_id_fkey REFERENCES tenants(id),
    -- Exactly one of consultation_id / panel_id: the feedback is a child of what it rates (CASCADE).
    consultation_id uuid CONSTRAINT consultation_feedback_consultation_id_fkey REFERENCES expert_consultations(id) ON DELETE CASCADE,
    panel_id uuid CONSTRAINT consultation_feedback_panel_id_fkey REFERENCES panel_discussions(id) ON DELETE CASCADE,
    message_id uuid CONSTRAINT consultation_feedback_message_id_fkey REFERENCES expert_messages(id) ON DELETE SET NULL,  -- a rated answer
    user_id uuid CONSTRAINT consultation_feedback_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    agent_id uuid CONSTRAINT consultation_feedback_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,         -- denormalised for agent analytics

    rating smallint NOT NULL,
    dimension_ratings jsonb NOT NULL DEFAULT '{}'::jsonb, -- {accuracy: 1..5, relevance, completeness, citations, clarity}
    is_helpful boolean,
    would_recommend boolean,
    comment text,
    issue_tags text[] NOT NULL DEFAULT '{}',              -- 'hallucination', 'outdated', 'missing_citation', 'off_label', ...

    -- Triage
    flagged_for_review boolean NOT NULL DEFAULT false,
    reviewed_by uuid CONSTRAINT consultation_feedback_reviewed_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    reviewed_at timestamptz,
    resolution_notes text,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT consultation_feedback_rating_range CHECK (rating BETWEEN 1 AND 5),
    CONSTRAINT consultation_feedback_target_check CHECK (num_nonnulls(consultation_id, panel_id) = 1)
);

CREATE INDEX consultation_feedback_agent_rating_idx ON consultation_feedback (agent_id, rating);
CREATE INDEX consultation_feedback_flagged_idx ON consultation_feedback (tenant_id, created_at)
    WHERE flagged_for_review AND reviewed_at IS NULL;
CREATE INDEX consultation_feedback_issue_tags_gin ON consultation_feedback USING gin (issue_tags);

-- ---------------------------------------------------------------------------------------------
-- votes: a voting instance (a ballot put to the tenant's users)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE votes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT votes_tenant_id_fkey REFERENCES tenants(id),
    created_by uuid CONSTRAINT votes_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,

    -- What is voted on: a polymorphic reference (like asset_sharing), no FK.
    subject_type varchar(50) NOT NULL,
    subject_id uuid,

    title varchar(500) NOT NULL,
    description text,
    voting_method varchar(30) NOT NULL DEFAULT 'single_choice',
    options jsonb NOT NULL DEFAULT '[]'::jsonb,           -- [{key, label, description}]
    allow_abstain boolean NOT NULL DEFAULT true,
    is_anonymous boolean NOT NULL DEFAULT false,
    quorum integer,                                       -- minimum number of records for a valid result
    eligible_voter_count integer,

    status varchar(20) NOT NULL DEFAULT 'draft',
    opens_at timestamptz,
    closes_at timestamptz,
    closed_at timestamptz,

    total_votes integer NOT NULL DEFAULT 0,
    results jsonb NOT NULL DEFAULT '{}'::jsonb,           -- {option_key: count | score}
    outcome varchar(255),

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT votes_title_not_empty CHECK (length(title) > 0),
    CONSTRAINT votes_subject_type_check CHECK (subject_type IN ('deliverable', 'consultation', 'panel_discussion', 'workflow_execution', 'agent', 'prompt', 'template', 'solution', 'feature_request', 'other')),
    CONSTRAINT votes_method_check CHECK (voting_method IN ('single_choice', 'multiple_choice', 'ranked', 'approval', 'rating', 'yes_no')),
    CONSTRAINT votes_status_check CHECK (status IN ('draft', 'open', 'closed', 'cancelled')),
    CONSTRAINT votes_counts_check CHECK (
        total_votes >= 0 AND (quorum IS NULL OR quorum > 0) AND (eligible_voter_count IS NULL OR eligible_voter_count >= 0)
    ),
    CONSTRAINT votes_window_check CHECK (closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at)
);

CREATE INDEX votes_subject_idx ON votes (subject_type, subject_id);
CREATE INDEX votes_open_idx ON votes (tenant_id, closes_at) WHERE status = 'open';

-- ---------------------------------------------------------------------------------------------
-- vote_records: one vote cast in a voting instance (append-only)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE vote_records (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL CONSTRAINT vote_records_tenant_id_fkey REFERENCES tenants(id),
    vote_id uuid NOT NULL CONSTRAINT vote_records_vote_id_fkey REFERENCES votes(id) ON DELETE CASCADE,
    -- The voter: a user, or an agent asked for its opinion. Both nullable because a user's erasure
    -- keeps the (now anonymous) vote in the tally.
    voter_user_id uuid CONSTRAINT vote_records_voter_user_id_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    voter_agent_id uuid CONSTRAINT vote_records_voter_agent_id_fkey REFERENCES agents(id) ON DELETE SET NULL,

    choice varchar(255),                                  -- option key for single-choice / yes-no
    selection jsonb NOT NULL DEFAULT '{}'::jsonb,         -- {options: [...]} / {ranking: [...]} / {rating: n}
    is_abstain boolean NOT NULL DEFAULT false,
    weight numeric(5,2) NOT NULL DEFAULT 1.00,
    comment text,

    created_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT vote_records_vote_user_key UNIQUE (vote_id, voter_user_id),
    CONSTRAINT vote_records_vote_agent_key UNIQUE (vote_id, voter_agent_id),
    CONSTRAINT vote_records_weight_positive CHECK (weight > 0),
    CONSTRAINT vote_records_choice_check CHECK (is_abstain OR choice IS NOT NULL OR selection <> '{}'::jsonb)
);
