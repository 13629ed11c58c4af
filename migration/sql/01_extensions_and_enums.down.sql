DROP TYPE IF EXISTS message_role, conversation_mode, approval_status, visibility_level, prompt_role_type,
  tenant_level, tenant_role, tenant_tier, tenant_status, jtbd_status, decision_type, complexity_type,
  frequency_type, job_category_type, functional_area_type, data_classification, domain_expertise,
  validation_status, agent_type, agent_status;
-- Extensions are left installed: other schemas of the database may use them.
