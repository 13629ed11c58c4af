-- Phase 16: token usage and billing (reverse of 16_token_usage_and_billing.up.sql).
DROP TABLE cost_allocation;
DROP TABLE subscription_usage_monthly;
DROP TABLE token_usage_consultations;
DROP TABLE token_usage_sessions;
DROP TABLE token_usage_messages;
