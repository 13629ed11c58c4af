-- Phase 17 (003): governance and compliance (reverse of 17_audit_and_compliance.up.sql).
DROP TABLE entity_versions;
DROP TABLE data_retention_policies;
DROP TABLE service_role_audit;
DROP TABLE audit_log;
