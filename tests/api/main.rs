#![allow(clippy::unwrap_used, clippy::too_many_lines)]

//! The integration tests: one binary, against a real PostgreSQL with pgvector.
//!
//! `helpers` starts one private cluster per test process (or uses DATABASE_URL's server), migrates
//! and seeds a template database once, and clones it for each test that needs data. A test that
//! cannot get its database fails; none skips itself.

mod helpers;

mod aggregates;
mod api_keys;
mod apollo_client;
mod audit;
mod canonical_queries;
mod cli_errors;
mod database_outage;
mod demo_data;
mod entities;
mod every_table;
mod fake_embeddings;
mod generated_queries;
mod golden;
mod graceful_shutdown;
mod http_serving;
mod jwt_jwks;
mod lists;
mod metrics;
mod migrations;
mod mutation_round_trip;
mod mutations;
mod naming;
mod node_tools;
mod partner_access;
mod pgbouncer;
mod plan_choice;
mod playground;
mod postgres_tls;
mod processes;
mod relay;
mod replicas;
mod request_transaction;
mod search;
mod tenancy_leaks;
mod traces;
mod validated_documents;
mod vector_index;
mod write_escalation;
mod write_policies;
