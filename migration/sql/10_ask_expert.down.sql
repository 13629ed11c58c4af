-- Phase 10 (003): Ask Expert (reverse of 10_ask_expert.up.sql).
-- CASCADE: later phases (15 deliverables/feedback, 16 token usage) reference these tables.
DROP TABLE expert_messages CASCADE;
DROP TABLE consultation_sessions CASCADE;
DROP TABLE expert_consultations CASCADE;
