-- Phase 11 (003): Ask Panel (reverse of 11_ask_panel.up.sql).
-- CASCADE on panel_discussions / panel_messages: later phases (15, 16) reference them.
DROP TABLE panel_votes;
DROP TABLE panel_consensus;
DROP TABLE panel_messages CASCADE;
DROP TABLE panel_rounds;
DROP TABLE panel_members;
DROP TABLE panel_discussions CASCADE;
DROP TABLE panel_facilitator_configs;
DROP TABLE panel_templates;
