-- Phase 4 (003): organisational structure (down).
DROP TABLE role_responsibilities;
DROP TABLE department_roles;
DROP TABLE function_roles;
DROP TABLE function_departments;
DROP TABLE org_responsibilities;
DROP TABLE org_roles;
DROP TABLE org_departments;
DROP TABLE org_functions;
