-- Phase 13 (003): solutions marketplace (reverse of 13_solutions_marketplace.up.sql).
DROP TABLE solution_knowledge;
DROP TABLE solution_templates;
DROP TABLE solution_prompts;
DROP TABLE solution_workflows;
DROP TABLE solution_agents;
