-- Phase 6 (002/004): personas and jobs-to-be-done (down).
DROP TABLE jtbd_gen_ai_use_cases;
DROP TABLE jtbd_gen_ai_opportunities;
DROP TABLE jtbd_desired_outcomes;
DROP TABLE jtbd_industry_mapping;
DROP TABLE jtbd_personas;
DROP TABLE jobs_to_be_done;
DROP TABLE persona_role_mapping;
DROP TABLE persona_industry_mapping;
DROP TABLE personas;
