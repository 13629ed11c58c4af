-- Phase 4 (003): organisational structure, Industry -> Function -> Department -> Role -> Responsibility.
-- All tables here are global reference data (no tenant_id).
-- Each department has one home function (org_departments.function_id) and each role an optional
-- home department / function; the junction tables carry the many-to-many reality (a department
-- serving several functions, a role found in several departments, ...).

-- ---------------------------------------------------------------------------------------------
-- org_functions: the 14 functional areas (003 columns).
-- functional_area links a function to the functional_area_type enum used by jobs_to_be_done.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE org_functions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),

  -- Core identity
  name varchar(255) NOT NULL CONSTRAINT org_functions_name_key UNIQUE,
  code varchar(50) NOT NULL CONSTRAINT org_functions_code_key UNIQUE, -- 'MA', 'COMM', 'HEOR', ...
  description text,
  functional_area functional_area_type,

  -- Hierarchy
  parent_function_id uuid CONSTRAINT org_functions_parent_function_id_fkey REFERENCES org_functions(id) ON DELETE SET NULL,
  hierarchy_level integer NOT NULL DEFAULT 1,

  -- Industry relevance: industry slugs this function is core to
  primary_industries text[] NOT NULL DEFAULT '{}',

  -- UI metadata
  icon varchar(50),
  color varchar(7), -- hex colour
  display_order integer NOT NULL DEFAULT 0,

  is_active boolean NOT NULL DEFAULT true,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT org_functions_hierarchy_level_check CHECK (hierarchy_level >= 1),
  CONSTRAINT org_functions_color_check CHECK (color IS NULL OR color ~ '^#[0-9A-Fa-f]{6}$'),
  CONSTRAINT org_functions_not_own_parent_check CHECK (parent_function_id IS NULL OR parent_function_id <> id)
);

CREATE INDEX org_functions_primary_industries_gin_idx ON org_functions USING gin (primary_industries);

-- ---------------------------------------------------------------------------------------------
-- org_departments: departments (e.g. Medical Science Liaison within Medical Affairs).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE org_departments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  function_id uuid NOT NULL CONSTRAINT org_departments_function_id_fkey REFERENCES org_functions(id) ON DELETE CASCADE,
  parent_department_id uuid CONSTRAINT org_departments_parent_department_id_fkey REFERENCES org_departments(id) ON DELETE SET NULL,

  name varchar(255) NOT NULL,
  code varchar(50) NOT NULL CONSTRAINT org_departments_code_key UNIQUE, -- 'MA-MSL', 'COMM-MKT', ...
  description text,
  hierarchy_level integer NOT NULL DEFAULT 1,

  -- Profile
  head_role_title varchar(255),
  typical_headcount_range varchar(50), -- '5-20', '50-200'
  primary_industries text[] NOT NULL DEFAULT '{}',
  key_activities text[] NOT NULL DEFAULT '{}',
  kpis text[] NOT NULL DEFAULT '{}',
  regulatory_scope text[] NOT NULL DEFAULT '{}', -- 'GxP', 'PhV', 'Promotional review', ...

  -- UI metadata
  icon varchar(50),
  color varchar(7),
  display_order integer NOT NULL DEFAULT 0,

  is_active boolean NOT NULL DEFAULT true,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT org_departments_function_id_name_key UNIQUE (function_id, name),
  CONSTRAINT org_departments_hierarchy_level_check CHECK (hierarchy_level >= 1),
  CONSTRAINT org_departments_color_check CHECK (color IS NULL OR color ~ '^#[0-9A-Fa-f]{6}$'),
  CONSTRAINT org_departments_not_own_parent_check CHECK (parent_department_id IS NULL OR parent_department_id <> id)
);

-- ---------------------------------------------------------------------------------------------
-- org_roles: role definitions (e.g. Senior MSL).
-- department_id / function_id are the role's home; both optional (a function-level role such as
-- 'VP Medical Affairs' has no department).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE org_roles (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  department_id uuid CONSTRAINT org_roles_department_id_fkey REFERENCES org_departments(id) ON DELETE SET NULL,
  function_id uuid CONSTRAINT org_roles_function_id_fkey REFERENCES org_functions(id) ON DELETE SET NULL,
  reports_to_role_id uuid CONSTRAINT org_roles_reports_to_role_id_fkey REFERENCES org_roles(id) ON DELETE SET NULL,

  name varchar(255) NOT NULL,
  code varchar(50) NOT NULL CONSTRAINT org_roles_code_key UNIQUE, -- 'MA-MSL-SR', ...
  description text,
  alternative_titles text[] NOT NULL DEFAULT '{}',

  -- Seniority and scope
  seniority_level varchar(20) NOT NULL DEFAULT 'mid',
  job_family varchar(100),
  is_people_manager boolean NOT NULL DEFAULT false,
  is_customer_facing boolean NOT NULL DEFAULT false,
  is_gxp_relevant boolean NOT NULL DEFAULT false,
  typical_team_size integer,
  budget_authority varchar(50), -- 'none', 'departmental', 'functional', 'enterprise'
  geographic_scope varchar(50), -- 'local', 'regional', 'global'

  -- Requirements
  years_experience_min integer,
  years_experience_max integer,
  education_requirements text[] NOT NULL DEFAULT '{}',
  required_certifications text[] NOT NULL DEFAULT '{}',
  core_competencies text[] NOT NULL DEFAULT '{}',
  key_kpis text[] NOT NULL DEFAULT '{}',
  primary_industries text[] NOT NULL DEFAULT '{}',

  display_order integer NOT NULL DEFAULT 0,
  is_active boolean NOT NULL DEFAULT true,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT org_roles_seniority_level_check CHECK (seniority_level IN (
    'entry', 'junior', 'mid', 'senior', 'lead', 'principal', 'manager', 'director', 'vp', 'executive')),
  CONSTRAINT org_roles_experience_check CHECK (
    (years_experience_min IS NULL OR years_experience_min >= 0)
    AND (years_experience_max IS NULL OR years_experience_min IS NULL OR years_experience_max >= years_experience_min)),
  CONSTRAINT org_roles_team_size_check CHECK (typical_team_size IS NULL OR typical_team_size >= 0),
  CONSTRAINT org_roles_not_own_manager_check CHECK (reports_to_role_id IS NULL OR reports_to_role_id <> id)
);

CREATE INDEX org_roles_seniority_idx ON org_roles (seniority_level) WHERE is_active = true;
CREATE INDEX org_roles_search_idx ON org_roles USING gin (
  to_tsvector('english', name || ' ' || coalesce(description, '')));

-- ---------------------------------------------------------------------------------------------
-- org_responsibilities: responsibility library (e.g. KOL Engagement).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE org_responsibilities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),

  name varchar(255) NOT NULL,
  code varchar(50) NOT NULL CONSTRAINT org_responsibilities_code_key UNIQUE,
  description text,

  -- Classification
  category varchar(100), -- 'strategic', 'operational', 'compliance', 'people', 'scientific', ...
  functional_area functional_area_type,
  frequency frequency_type,
  complexity complexity_type,

  -- Compliance
  is_regulated boolean NOT NULL DEFAULT false,
  regulatory_references text[] NOT NULL DEFAULT '{}', -- '21 CFR 312', 'ICH E6(R3)', ...

  -- Measurement and AI potential
  kpis text[] NOT NULL DEFAULT '{}',
  ai_automation_potential varchar(10),
  tags text[] NOT NULL DEFAULT '{}',

  is_active boolean NOT NULL DEFAULT true,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT org_responsibilities_ai_potential_check CHECK (
    ai_automation_potential IS NULL OR ai_automation_potential IN ('low', 'medium', 'high'))
);

CREATE INDEX org_responsibilities_tags_gin_idx ON org_responsibilities USING gin (tags);
CREATE INDEX org_responsibilities_search_idx ON org_responsibilities USING gin (
  to_tsvector('english', name || ' ' || coalesce(description, '')));

-- ---------------------------------------------------------------------------------------------
-- Junctions (global): both FKs NOT NULL ON DELETE CASCADE, UNIQUE over the pair.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE function_departments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  function_id uuid NOT NULL CONSTRAINT function_departments_function_id_fkey REFERENCES org_functions(id) ON DELETE CASCADE,
  department_id uuid NOT NULL CONSTRAINT function_departments_department_id_fkey REFERENCES org_departments(id) ON DELETE CASCADE,

  is_primary boolean NOT NULL DEFAULT false,
  relationship_type varchar(30) NOT NULL DEFAULT 'owns', -- 'owns', 'supports', 'shared_service'
  display_order integer NOT NULL DEFAULT 0,
  notes text,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT function_departments_function_id_department_id_key UNIQUE (function_id, department_id),
  CONSTRAINT function_departments_relationship_type_check CHECK (relationship_type IN ('owns', 'supports', 'shared_service'))
);

CREATE TABLE function_roles (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  function_id uuid NOT NULL CONSTRAINT function_roles_function_id_fkey REFERENCES org_functions(id) ON DELETE CASCADE,
  role_id uuid NOT NULL CONSTRAINT function_roles_role_id_fkey REFERENCES org_roles(id) ON DELETE CASCADE,

  is_primary boolean NOT NULL DEFAULT false,
  is_leadership_role boolean NOT NULL DEFAULT false,
  display_order integer NOT NULL DEFAULT 0,
  notes text,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT function_roles_function_id_role_id_key UNIQUE (function_id, role_id)
);

CREATE TABLE department_roles (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  department_id uuid NOT NULL CONSTRAINT department_roles_department_id_fkey REFERENCES org_departments(id) ON DELETE CASCADE,
  role_id uuid NOT NULL CONSTRAINT department_roles_role_id_fkey REFERENCES org_roles(id) ON DELETE CASCADE,

  is_primary boolean NOT NULL DEFAULT false,
  is_head_of_department boolean NOT NULL DEFAULT false,
  typical_headcount integer,
  display_order integer NOT NULL DEFAULT 0,
  notes text,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT department_roles_department_id_role_id_key UNIQUE (department_id, role_id),
  CONSTRAINT department_roles_headcount_check CHECK (typical_headcount IS NULL OR typical_headcount >= 0)
);

CREATE TABLE role_responsibilities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  role_id uuid NOT NULL CONSTRAINT role_responsibilities_role_id_fkey REFERENCES org_roles(id) ON DELETE CASCADE,
  responsibility_id uuid NOT NULL CONSTRAINT role_responsibilities_responsibility_id_fkey REFERENCES org_responsibilities(id) ON DELETE CASCADE,

  is_primary boolean NOT NULL DEFAULT false,
  priority integer NOT NULL DEFAULT 3,       -- 1 (highest) .. 5
  raci_level varchar(20) NOT NULL DEFAULT 'responsible',
  time_allocation_pct numeric(5,2),          -- share of the role's time, 0-100
  frequency frequency_type,
  notes text,

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT role_responsibilities_role_id_responsibility_id_key UNIQUE (role_id, responsibility_id),
  CONSTRAINT role_responsibilities_priority_check CHECK (priority BETWEEN 1 AND 5),
  CONSTRAINT role_responsibilities_raci_level_check CHECK (raci_level IN ('responsible', 'accountable', 'consulted', 'informed')),
  CONSTRAINT role_responsibilities_time_allocation_check CHECK (time_allocation_pct IS NULL OR time_allocation_pct BETWEEN 0 AND 100)
);
