-- The role is left in the cluster (other databases of the cluster may use it); only this
-- database's grants are removed.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM registry_reader;
REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM registry_reader;
REVOKE USAGE ON SCHEMA public FROM registry_reader;
