//! Registry Gateway: a GraphQL gateway over the multi-tenant AI asset registry.
//!
//! Request path: actix-web HTTP ([`server`]) → async-graphql schema → level loaders → SeaORM / SQL.
//! Start-up path: [`config`] → [`database`] (the [`embedded_postgres`] cluster or `DATABASE_URL`,
//! migrations from the `migration` crate) → [`demo_data`] on first start.

pub mod api_keys;
pub mod audit;
pub mod catalog;
pub mod config;
pub mod database;
pub mod embedded_postgres;
pub mod error;
pub mod graphql;
pub mod http;
pub mod identity;
pub mod rate_limit;
pub mod search;
pub mod server;
pub mod sql;
pub mod telemetry;
pub mod tenant_directory;
pub mod tenant_scope;
