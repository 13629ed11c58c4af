-- Phase 1 (003): extensions and the 20 enum types. gen_random_uuid() is built in since PostgreSQL 13.
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Agent-related
CREATE TYPE agent_status AS ENUM ('development', 'testing', 'active', 'maintenance', 'deprecated', 'archived');
CREATE TYPE agent_type AS ENUM ('specialist', 'orchestrator', 'synthesizer', 'validator', 'facilitator', 'analyst', 'researcher', 'strategist');
CREATE TYPE validation_status AS ENUM ('pending', 'in_review', 'approved', 'rejected', 'requires_update');
CREATE TYPE domain_expertise AS ENUM ('medical', 'regulatory', 'legal', 'financial', 'business', 'technical', 'commercial', 'market_access', 'clinical', 'manufacturing', 'quality', 'research', 'general');
CREATE TYPE data_classification AS ENUM ('public', 'internal', 'confidential', 'restricted', 'phi');

-- JTBD-related
CREATE TYPE functional_area_type AS ENUM ('Commercial', 'Medical Affairs', 'Market Access', 'Clinical', 'Regulatory', 'R&D', 'Manufacturing', 'Quality', 'Operations', 'IT/Digital', 'Legal', 'Finance', 'HR', 'Business Development');
CREATE TYPE job_category_type AS ENUM ('strategic', 'operational', 'tactical', 'administrative', 'analytical', 'collaborative', 'creative', 'technical');
CREATE TYPE frequency_type AS ENUM ('daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'as_needed');
CREATE TYPE complexity_type AS ENUM ('simple', 'moderate', 'complex', 'expert');
CREATE TYPE decision_type AS ENUM ('routine', 'tactical', 'strategic', 'critical');
CREATE TYPE jtbd_status AS ENUM ('draft', 'active', 'deprecated', 'archived');

-- Tenant-related
CREATE TYPE tenant_status AS ENUM ('trial', 'active', 'suspended', 'cancelled', 'churned');
CREATE TYPE tenant_tier AS ENUM ('free', 'starter', 'professional', 'enterprise', 'enterprise_plus');
CREATE TYPE tenant_role AS ENUM ('owner', 'admin', 'manager', 'member', 'guest', 'viewer');
CREATE TYPE tenant_level AS ENUM ('platform', 'solution_provider', 'enterprise_client', 'partner_org', 'trial_tenant');

-- Content-related
CREATE TYPE prompt_role_type AS ENUM ('system', 'context', 'instruction', 'example', 'panel_orchestration', 'analysis', 'synthesis');
CREATE TYPE visibility_level AS ENUM ('private', 'tenant', 'subtenant', 'organization', 'public');
CREATE TYPE approval_status AS ENUM ('draft', 'pending', 'in_review', 'approved', 'rejected');

-- Conversation-related
CREATE TYPE conversation_mode AS ENUM ('expert_consultation', 'panel_discussion', 'ask_panel');
CREATE TYPE message_role AS ENUM ('user', 'assistant', 'system', 'agent', 'panel_moderator', 'facilitator');
