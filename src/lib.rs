//! Registry Gateway: a GraphQL gateway over the multi-tenant AI asset registry.
//!
//! Request path: HTTP ([`server`], [`http`]) → identity and limits → [`pipeline`]: parse and
//! validate against the [`graphql`] schema → [`plan`] (IR, visibility as filter nodes) → [`sql`]
//! (compile) → [`execute`] (one read-only transaction, JSON written from the rows).
//! Start-up path: [`config`] → [`database`] (the [`embedded_postgres`] cluster or `DATABASE_URL`,
//! migrations from the `migration` crate) → [`demo_data`] on first start.

pub mod api_keys;
pub mod audit;
pub mod catalog;
pub mod config;
pub mod database;
pub mod embedded_postgres;
pub mod error;
pub mod execute;
pub mod graphql;
pub mod http;
pub mod identity;
pub mod pipeline;
pub mod plan;
pub mod rate_limit;
pub mod search;
pub mod server;
pub mod sql;
pub mod telemetry;
pub mod tenancy;
pub mod tenant_directory;
