-- Phase 3 (003): industries and solutions (down).
DROP TABLE solution_prompt_suites;
DROP TABLE solution_installations;
DROP TABLE solution_industry_matrix;
DROP TABLE solutions;
DROP TABLE industries;
