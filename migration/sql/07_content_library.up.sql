-- Phase 7 (003): content library.
-- prompts, prompt_industry_mapping, tools, tool_industry_mapping, skills, skill_industry_mapping,
-- knowledge_sources, knowledge_chunks, knowledge_industry_mapping, templates.
-- (prompt_workflow_mapping and prompt_task_mapping live in 09, after workflows and tasks exist.)
--
-- Tenancy: prompts, tools, skills, knowledge_sources, templates are registry assets (tenant_id NULL =
-- shared registry, owner_tenant_id, is_public); the mappings and knowledge_chunks are child/junction
-- rows whose tenant_id is the tenant of the private side (NULL when every side is shared).
-- tenant_id is ON DELETE CASCADE (as in 02/03: a tenant's data goes with it; tenants are normally
-- soft-deleted). Never SET NULL: that would silently publish a tenant's private rows to the registry.
-- Score conventions: numeric(3,2) relevance / quality / reliability scores are 0..1; ratings are 0..5.

-- ---------------------------------------------------------------------------------------------
-- prompts: the prompt library, 7 role types
-- ---------------------------------------------------------------------------------------------
CREATE TABLE prompts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unique_id varchar(100) NOT NULL,
    slug varchar(150) NOT NULL,
    name varchar(255) NOT NULL,
    display_name varchar(255),
    description text,

    -- Classification
    role_type prompt_role_type NOT NULL,
    category varchar(100),
    subcategory varchar(100),
    domain_expertise domain_expertise,
    tags text[] NOT NULL DEFAULT '{}',

    -- Content
    content text NOT NULL,
    variables jsonb NOT NULL DEFAULT '[]'::jsonb,        -- [{name, type, required, default, description}]
    examples jsonb NOT NULL DEFAULT '[]'::jsonb,         -- few-shot examples [{input, output}]
    output_format varchar(50),                           -- 'markdown', 'json', 'text', ...
    response_schema jsonb,                               -- JSON schema of a structured answer; NULL = free text
    language varchar(10) NOT NULL DEFAULT 'en',
    token_count integer,

    -- Model hints
    recommended_model varchar(100),
    temperature numeric(3,2),
    max_tokens integer,
    model_parameters jsonb NOT NULL DEFAULT '{}'::jsonb, -- {top_p, stop, presence_penalty, ...}

    -- Quality and usage
    validation_status validation_status NOT NULL DEFAULT 'pending',
    reviewed_by uuid CONSTRAINT prompts_reviewed_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    reviewed_at timestamptz,
    usage_count integer NOT NULL DEFAULT 0,
    avg_rating numeric(3,2),
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Registry
    is_active boolean NOT NULL DEFAULT true,
    is_public boolean NOT NULL DEFAULT false,
    is_featured boolean NOT NULL DEFAULT false,

    -- Multi-tenancy
    tenant_id uuid CONSTRAINT prompts_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
    owner_tenant_id uuid CONSTRAINT prompts_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,

    -- Versioning: a fork / new version points at the prompt it derives from
    version integer NOT NULL DEFAULT 1,
    parent_prompt_id uuid CONSTRAINT prompts_parent_prompt_id_fkey REFERENCES prompts(id) ON DELETE SET NULL,

    -- Audit
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT prompts_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT prompts_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    deleted_at timestamptz,

    CONSTRAINT prompts_unique_id_key UNIQUE (unique_id),
    CONSTRAINT prompts_slug_key UNIQUE (slug),
    CONSTRAINT prompts_name_not_empty CHECK (length(name) > 0),
    CONSTRAINT prompts_content_not_empty CHECK (length(content) > 0),
    CONSTRAINT prompts_temperature_range CHECK (temperature IS NULL OR temperature BETWEEN 0 AND 2),
    CONSTRAINT prompts_max_tokens_positive CHECK (max_tokens IS NULL OR max_tokens > 0),
    CONSTRAINT prompts_avg_rating_range CHECK (avg_rating IS NULL OR avg_rating BETWEEN 0 AND 5),
    CONSTRAINT prompts_version_positive CHECK (version >= 1)
);

CREATE INDEX prompts_tenant_active_idx ON prompts (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX prompts_role_type_idx ON prompts (role_type) WHERE is_active = true AND deleted_at IS NULL;
CREATE INDEX prompts_category_idx ON prompts (category) WHERE is_active = true;
CREATE INDEX prompts_public_idx ON prompts (is_public, is_featured) WHERE is_active = true;
CREATE INDEX prompts_tags_gin ON prompts USING gin (tags);
CREATE INDEX prompts_variables_gin ON prompts USING gin (variables);
CREATE INDEX prompts_search_gin ON prompts USING gin (
    to_tsvector('english', name || ' ' || coalesce(description, ''))
);

-- ---------------------------------------------------------------------------------------------
-- prompt_industry_mapping: prompt <-> industry, with an optional industry-specific variant
-- ---------------------------------------------------------------------------------------------
CREATE TABLE prompt_industry_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    prompt_id uuid NOT NULL CONSTRAINT prompt_industry_mapping_prompt_id_fkey REFERENCES prompts(id) ON DELETE CASCADE,
    industry_id uuid NOT NULL CONSTRAINT prompt_industry_mapping_industry_id_fkey REFERENCES industries(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT prompt_industry_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    is_primary boolean NOT NULL DEFAULT false,
    relevance_score numeric(3,2),
    industry_content text,                                      -- industry-specific override of prompts.content
    variable_overrides jsonb NOT NULL DEFAULT '{}'::jsonb,      -- industry defaults for prompt variables
    industry_metadata jsonb NOT NULL DEFAULT '{}'::jsonb,       -- terminology, regulatory notes, ...

    usage_count integer NOT NULL DEFAULT 0,
    last_used_at timestamptz,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT prompt_industry_mapping_prompt_industry_key UNIQUE (prompt_id, industry_id),
    CONSTRAINT prompt_industry_mapping_relevance_range CHECK (relevance_score IS NULL OR relevance_score BETWEEN 0 AND 1)
);

CREATE INDEX prompt_industry_mapping_industry_primary_idx ON prompt_industry_mapping (industry_id, is_primary);

-- ---------------------------------------------------------------------------------------------
-- tools: integration tools (004)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE tools (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unique_id varchar(100) NOT NULL,
    name varchar(255) NOT NULL,

    -- Classification
    tool_category varchar(100),            -- 'api', 'library', 'service', 'function'
    tool_type varchar(50),

    -- Description
    description text,
    documentation_url text,

    -- Technical
    integration_type varchar(50),          -- 'rest_api', 'graphql', 'grpc', 'function'
    endpoint_url text,
    authentication_type varchar(50),       -- 'none', 'api_key', 'oauth2', ... (secrets are never stored here)

    -- Configuration
    config_schema jsonb NOT NULL DEFAULT '{}'::jsonb,
    input_schema jsonb NOT NULL DEFAULT '{}'::jsonb,
    output_schema jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Capabilities
    capabilities jsonb NOT NULL DEFAULT '[]'::jsonb,
    limitations jsonb NOT NULL DEFAULT '[]'::jsonb,
    rate_limits jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Performance
    avg_response_time_ms integer,
    reliability_score numeric(3,2),
    cost_per_call numeric(10,4),

    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Registry
    is_active boolean NOT NULL DEFAULT true,
    is_public boolean NOT NULL DEFAULT false,
    requires_approval boolean NOT NULL DEFAULT false,

    -- Multi-tenancy
    tenant_id uuid CONSTRAINT tools_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
    owner_tenant_id uuid CONSTRAINT tools_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,

    -- Audit
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT tools_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT tools_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    deleted_at timestamptz,

    CONSTRAINT tools_unique_id_key UNIQUE (unique_id),
    CONSTRAINT tools_name_not_empty CHECK (length(name) > 0),
    CONSTRAINT tools_reliability_score_range CHECK (reliability_score IS NULL OR reliability_score BETWEEN 0 AND 1),
    CONSTRAINT tools_cost_per_call_nonnegative CHECK (cost_per_call IS NULL OR cost_per_call >= 0)
);

CREATE INDEX tools_tenant_active_idx ON tools (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX tools_category_idx ON tools (tool_category) WHERE is_active = true;
CREATE INDEX tools_capabilities_gin ON tools USING gin (capabilities);
CREATE INDEX tools_tags_gin ON tools USING gin (tags);
CREATE INDEX tools_search_gin ON tools USING gin (
    to_tsvector('english', name || ' ' || coalesce(description, ''))
);

CREATE TABLE tool_industry_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tool_id uuid NOT NULL CONSTRAINT tool_industry_mapping_tool_id_fkey REFERENCES tools(id) ON DELETE CASCADE,
    industry_id uuid NOT NULL CONSTRAINT tool_industry_mapping_industry_id_fkey REFERENCES industries(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT tool_industry_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    is_primary boolean NOT NULL DEFAULT false,
    industry_config jsonb NOT NULL DEFAULT '{}'::jsonb,
    compliance_notes text,

    usage_count integer NOT NULL DEFAULT 0,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT tool_industry_mapping_tool_industry_key UNIQUE (tool_id, industry_id)
);

-- ---------------------------------------------------------------------------------------------
-- skills: skill definitions (004)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE skills (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unique_id varchar(100) NOT NULL,
    name varchar(255) NOT NULL,

    -- Classification
    skill_category varchar(100),           -- 'technical', 'domain', 'soft'
    skill_type varchar(50),                -- 'analytical', 'creative', 'operational'
    complexity_level varchar(20),

    -- Description
    description text,
    learning_path jsonb NOT NULL DEFAULT '[]'::jsonb,
    prerequisites jsonb NOT NULL DEFAULT '[]'::jsonb,           -- [{skill_id, proficiency_required}]

    -- Proficiency levels
    proficiency_levels jsonb NOT NULL DEFAULT '[]'::jsonb,      -- [{level, description, capabilities}]

    -- Assessment
    assessment_criteria jsonb NOT NULL DEFAULT '[]'::jsonb,
    certification_requirements jsonb NOT NULL DEFAULT '[]'::jsonb,

    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Registry
    is_active boolean NOT NULL DEFAULT true,
    is_public boolean NOT NULL DEFAULT false,

    -- Multi-tenancy
    tenant_id uuid CONSTRAINT skills_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
    owner_tenant_id uuid CONSTRAINT skills_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,

    -- Audit
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT skills_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT skills_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    deleted_at timestamptz,

    CONSTRAINT skills_unique_id_key UNIQUE (unique_id),
    CONSTRAINT skills_name_not_empty CHECK (length(name) > 0),
    CONSTRAINT skills_complexity_level_check CHECK (complexity_level IS NULL OR complexity_level IN ('Low', 'Medium', 'High'))
);

CREATE INDEX skills_tenant_active_idx ON skills (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX skills_category_idx ON skills (skill_category) WHERE is_active = true;
CREATE INDEX skills_tags_gin ON skills USING gin (tags);
CREATE INDEX skills_search_gin ON skills USING gin (
    to_tsvector('english', name || ' ' || coalesce(description, ''))
);

CREATE TABLE skill_industry_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    skill_id uuid NOT NULL CONSTRAINT skill_industry_mapping_skill_id_fkey REFERENCES skills(id) ON DELETE CASCADE,
    industry_id uuid NOT NULL CONSTRAINT skill_industry_mapping_industry_id_fkey REFERENCES industries(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT skill_industry_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    is_primary boolean NOT NULL DEFAULT false,
    industry_importance varchar(20),       -- 'critical', 'important', 'nice_to_have'
    demand_level varchar(20),              -- 'low', 'medium', 'high'
    industry_context jsonb NOT NULL DEFAULT '{}'::jsonb,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT skill_industry_mapping_skill_industry_key UNIQUE (skill_id, industry_id),
    CONSTRAINT skill_industry_mapping_importance_check
        CHECK (industry_importance IS NULL OR industry_importance IN ('critical', 'important', 'nice_to_have'))
);

-- ---------------------------------------------------------------------------------------------
-- knowledge_sources: knowledge base entries (004)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE knowledge_sources (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unique_id varchar(100) NOT NULL,
    name varchar(255) NOT NULL,

    -- Classification
    source_type varchar(50),               -- 'document', 'url', 'api', 'database', 'structured'
    content_type varchar(50),              -- 'pdf', 'html', 'markdown', 'json', 'csv'
    category varchar(100),                 -- 'research', 'clinical', 'regulatory', 'commercial'

    -- Source details
    source_url text,
    file_path text,
    external_id varchar(255),
    file_size_bytes bigint,
    checksum varchar(128),                 -- content hash, to detect re-ingestion of changed files

    -- Content
    title text,
    description text,
    author varchar(255),
    published_date date,
    language varchar(10) NOT NULL DEFAULT 'en',

    -- Processing
    processing_status varchar(50) NOT NULL DEFAULT 'pending',
    processing_error text,
    last_processed_at timestamptz,
    total_chunks integer NOT NULL DEFAULT 0,
    total_tokens integer NOT NULL DEFAULT 0,
    embedding_model varchar(100),

    -- Metadata
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    tags text[] NOT NULL DEFAULT '{}',

    -- Access control
    access_level varchar(50) NOT NULL DEFAULT 'tenant',
    allowed_roles jsonb NOT NULL DEFAULT '[]'::jsonb,
    data_classification data_classification NOT NULL DEFAULT 'internal',

    -- Quality
    quality_score numeric(3,2),
    review_status varchar(50),
    reviewed_by uuid CONSTRAINT knowledge_sources_reviewed_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    reviewed_at timestamptz,

    -- Registry
    is_active boolean NOT NULL DEFAULT true,
    is_public boolean NOT NULL DEFAULT false,

    -- Multi-tenancy
    tenant_id uuid CONSTRAINT knowledge_sources_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
    owner_tenant_id uuid CONSTRAINT knowledge_sources_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,

    -- Audit
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT knowledge_sources_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT knowledge_sources_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    deleted_at timestamptz,

    CONSTRAINT knowledge_sources_unique_id_key UNIQUE (unique_id),
    CONSTRAINT knowledge_sources_name_not_empty CHECK (length(name) > 0),
    CONSTRAINT knowledge_sources_processing_status_check
        CHECK (processing_status IN ('pending', 'processing', 'completed', 'failed')),
    CONSTRAINT knowledge_sources_access_level_check CHECK (access_level IN ('public', 'tenant', 'private')),
    CONSTRAINT knowledge_sources_quality_score_range CHECK (quality_score IS NULL OR quality_score BETWEEN 0 AND 1),
    CONSTRAINT knowledge_sources_counts_nonnegative CHECK (total_chunks >= 0 AND total_tokens >= 0)
);

CREATE INDEX knowledge_sources_tenant_active_idx ON knowledge_sources (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX knowledge_sources_category_idx ON knowledge_sources (category) WHERE is_active = true;
CREATE INDEX knowledge_sources_processing_idx ON knowledge_sources (processing_status)
    WHERE processing_status IN ('pending', 'processing', 'failed');
CREATE INDEX knowledge_sources_metadata_gin ON knowledge_sources USING gin (metadata);
CREATE INDEX knowledge_sources_tags_gin ON knowledge_sources USING gin (tags);
CREATE INDEX knowledge_sources_search_gin ON knowledge_sources USING gin (
    to_tsvector('english', name || ' ' || coalesce(description, ''))
);

-- ---------------------------------------------------------------------------------------------
-- knowledge_chunks: RAG chunks with embeddings (004). Child of knowledge_sources.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE knowledge_chunks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source_id uuid NOT NULL CONSTRAINT knowledge_chunks_source_id_fkey REFERENCES knowledge_sources(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT knowledge_chunks_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    -- Content
    content text NOT NULL,
    chunk_index integer NOT NULL,
    start_char integer,
    end_char integer,

    -- Embedding (NULL until the chunk has been embedded)
    embedding vector(1536),
    embedding_model varchar(100),
    embedded_at timestamptz,

    -- Context
    section_title varchar(500),
    page_number integer,

    -- Metadata
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    token_count integer,

    -- Quality
    quality_score numeric(3,2),

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT knowledge_chunks_source_chunk_key UNIQUE (source_id, chunk_index),
    CONSTRAINT knowledge_chunks_chunk_index_nonnegative CHECK (chunk_index >= 0),
    CONSTRAINT knowledge_chunks_char_range CHECK (start_char IS NULL OR end_char IS NULL OR end_char >= start_char),
    CONSTRAINT knowledge_chunks_quality_score_range CHECK (quality_score IS NULL OR quality_score BETWEEN 0 AND 1)
);

-- HNSW instead of 004's ivfflat: no training step, so it works on an empty table and as rows arrive.
CREATE INDEX knowledge_chunks_embedding_hnsw ON knowledge_chunks USING hnsw (embedding vector_cosine_ops);
-- Keyword half of hybrid (vector + full-text) retrieval.
CREATE INDEX knowledge_chunks_content_fts_gin ON knowledge_chunks USING gin (to_tsvector('english', content));
CREATE INDEX knowledge_chunks_metadata_gin ON knowledge_chunks USING gin (metadata);
CREATE INDEX knowledge_chunks_tenant_idx ON knowledge_chunks (tenant_id);

CREATE TABLE knowledge_industry_mapping (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    knowledge_source_id uuid NOT NULL CONSTRAINT knowledge_industry_mapping_knowledge_source_id_fkey
        REFERENCES knowledge_sources(id) ON DELETE CASCADE,
    industry_id uuid NOT NULL CONSTRAINT knowledge_industry_mapping_industry_id_fkey REFERENCES industries(id) ON DELETE CASCADE,
    tenant_id uuid CONSTRAINT knowledge_industry_mapping_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,

    is_primary boolean NOT NULL DEFAULT false,
    relevance_score numeric(3,2),
    industry_tags text[] NOT NULL DEFAULT '{}',

    usage_count integer NOT NULL DEFAULT 0,

    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT knowledge_industry_mapping_source_industry_key UNIQUE (knowledge_source_id, industry_id),
    CONSTRAINT knowledge_industry_mapping_relevance_range CHECK (relevance_score IS NULL OR relevance_score BETWEEN 0 AND 1)
);

CREATE INDEX knowledge_industry_mapping_industry_tags_gin ON knowledge_industry_mapping USING gin (industry_tags);

-- ---------------------------------------------------------------------------------------------
-- templates: reusable document / deliverable templates (no seed columns; designed)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE templates (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    unique_id varchar(100) NOT NULL,
    slug varchar(150) NOT NULL,
    name varchar(255) NOT NULL,
    display_name varchar(255),
    description text,

    -- Classification
    template_type varchar(50) NOT NULL,    -- 'document', 'report', 'presentation', 'email', 'form', ...
    category varchar(100),                 -- 'medical', 'regulatory', 'commercial', ...
    tags text[] NOT NULL DEFAULT '{}',

    -- Content
    content text NOT NULL,
    format varchar(50) NOT NULL DEFAULT 'markdown',
    variables jsonb NOT NULL DEFAULT '[]'::jsonb,        -- [{name, type, required, default, description}]
    sections jsonb NOT NULL DEFAULT '[]'::jsonb,         -- [{id, title, guidance, required}]
    styling jsonb NOT NULL DEFAULT '{}'::jsonb,          -- branding / layout options
    sample_output text,
    file_url text,                                       -- binary master (docx/pptx) when content is a placeholder

    -- Governance (approval is needed for regulated deliverables, e.g. MLR review)
    approval_status approval_status NOT NULL DEFAULT 'draft',
    approved_by uuid CONSTRAINT templates_approved_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    approved_at timestamptz,
    data_classification data_classification NOT NULL DEFAULT 'internal',

    usage_count integer NOT NULL DEFAULT 0,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

    -- Registry
    is_active boolean NOT NULL DEFAULT true,
    is_public boolean NOT NULL DEFAULT false,
    is_featured boolean NOT NULL DEFAULT false,

    -- Multi-tenancy
    tenant_id uuid CONSTRAINT templates_tenant_id_fkey REFERENCES tenants(id) ON DELETE CASCADE,
    owner_tenant_id uuid CONSTRAINT templates_owner_tenant_id_fkey REFERENCES tenants(id) ON DELETE SET NULL,

    -- Versioning
    version integer NOT NULL DEFAULT 1,
    parent_template_id uuid CONSTRAINT templates_parent_template_id_fkey REFERENCES templates(id) ON DELETE SET NULL,

    -- Audit
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid CONSTRAINT templates_created_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    updated_by uuid CONSTRAINT templates_updated_by_fkey REFERENCES user_profiles(id) ON DELETE SET NULL,
    deleted_at timestamptz,

    CONSTRAINT templates_unique_id_key UNIQUE (unique_id),
    CONSTRAINT templates_slug_key UNIQUE (slug),
    CONSTRAINT templates_name_not_empty CHECK (length(name) > 0),
    CONSTRAINT templates_format_check
        CHECK (format IN ('markdown', 'html', 'text', 'json', 'yaml', 'docx', 'pptx', 'xlsx', 'pdf')),
    CONSTRAINT templates_version_positive CHECK (version >= 1)
);

CREATE INDEX templates_tenant_active_idx ON templates (tenant_id) WHERE deleted_at IS NULL;
CREATE INDEX templates_type_category_idx ON templates (template_type, category) WHERE is_active = true;
CREATE INDEX templates_approval_status_idx ON templates (approval_status) WHERE deleted_at IS NULL;
CREATE INDEX templates_tags_gin ON templates USING gin (tags);
CREATE INDEX templates_search_gin ON templates USING gin (
    to_tsvector('english', name || ' ' || coalesce(description, ''))
);
