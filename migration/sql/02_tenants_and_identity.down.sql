-- Phase 2 (003): identity and multi-tenancy (down).
DROP TABLE asset_sharing;
DROP TABLE services_registry;
DROP TABLE api_keys;
DROP TABLE tenant_usage_tracking;
DROP TABLE tenant_members;
DROP TABLE tenant_organizations;
-- break the tenants <-> user_profiles cycle before dropping either side
ALTER TABLE tenants DROP CONSTRAINT tenants_created_by_fkey;
DROP TABLE user_profiles;
DROP TABLE tenants;
