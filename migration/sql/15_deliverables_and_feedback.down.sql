-- Phase 15 (003): outputs and feedback (reverse of 15_deliverables_and_feedback.up.sql).
DROP TABLE vote_records;
DROP TABLE votes;
DROP TABLE consultation_feedback;
DROP TABLE artifacts;
DROP TABLE deliverables;
