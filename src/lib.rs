//! Registry Gateway: a GraphQL gateway over the multi-tenant AI asset registry.
//!
//! Request path, one module per step, dependencies pointing down this list only:
//!
//! 1. [`http`]: the HTTP server, GraphQL over HTTP (batches, APQ, media types), GraphiQL;
//! 2. [`access`]: identity (JWT, API keys), rate limits, the tenant directory, the audit log;
//! 3. [`pipeline`]: parse → validate (against the [`graphql`] schema, built from the [`catalog`])
//!    → plan → execute, one function per step;
//! 4. [`plan`]: the serialisable IR; the caller's [`tenancy`] scope becomes filter nodes;
//! 5. [`execute`]: the request's transaction, level-by-level loads, the JSON writer;
//! 6. [`search`] and [`sql`]: the statements, compiled from the plan.
//!
//! Start-up path: [`config`] → [`telemetry`] (logs; metrics and traces when configured) →
//! [`database`] (the [`embedded_postgres`] cluster or `DATABASE_URL`, over TLS per
//! [`postgres_tls`]; migrations from the `migration` crate) → the `demo_data` crate on first start.

pub mod access;
pub mod catalog;
pub mod config;
pub mod database;
pub mod embedded_postgres;
pub mod error;
pub mod execute;
pub mod graphql;
pub mod http;
pub mod pipeline;
pub mod plan;
pub mod postgres_tls;
pub mod search;
pub mod sql;
pub mod telemetry;
pub mod tenancy;
