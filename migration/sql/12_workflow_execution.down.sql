-- Phase 12 (003): workflow execution (reverse of 12_workflow_execution.up.sql).
-- CASCADE on workflow_executions / task_executions: later phases (15, 16) reference them.
DROP TABLE workflow_logs;
DROP TABLE workflow_approvals;
DROP TABLE task_executions CASCADE;
DROP TABLE workflow_execution_steps;
DROP TABLE workflow_executions CASCADE;
