-- Phase 7 (003): content library (reverse of 07_content_library.up.sql).
DROP TABLE templates;
DROP TABLE knowledge_industry_mapping;
DROP TABLE knowledge_chunks;
DROP TABLE knowledge_sources;
DROP TABLE skill_industry_mapping;
DROP TABLE skills;
DROP TABLE tool_industry_mapping;
DROP TABLE tools;
DROP TABLE prompt_industry_mapping;
DROP TABLE prompts;
