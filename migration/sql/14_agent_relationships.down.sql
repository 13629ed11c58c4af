-- Phase 14 (003): agent relationships (reverse of 14_agent_relationships.up.sql).
DROP TABLE agent_persona_mapping;
DROP TABLE agent_industry_mapping;
DROP TABLE agent_knowledge;
DROP TABLE agent_prompts;
DROP TABLE agent_tools;
DROP TABLE agent_skills;
