-- Phase 8 (003): outcome hierarchy (reverse of 08_capabilities_and_domains.up.sql).
DROP TABLE use_case_industry_mapping;
DROP TABLE use_cases;
DROP TABLE capability_jtbd_mapping;
DROP TABLE strategic_priorities;
DROP TABLE capabilities;
DROP TABLE domains;
