-- Phase 5 (000/003/004): AI agents core (down).
-- agents is referenced by later phases (junctions, jtbd_gen_ai_*, conversations, panels...);
-- their down files run first, so a plain DROP suffices.
DROP TABLE agents;
