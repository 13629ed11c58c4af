//! SQL for the GraphQL layer: one generic set of statements serves every table.
//!
//! - [`sql_text`]: a builder that quotes catalog identifiers and binds every value as `$n`;
//! - [`aggregate`]: aggregates and groups of a list (`aggregate { … }`, `groups(by: …)`);
//! - [`filter`]: the filter AST (from GraphQL arguments) compiled to predicates;
//! - [`keyset`]: ordering, opaque signed cursors and keyset predicates;
//! - [`statements`]: the four statement shapes (a page of a table, rows by id, per-parent pages of
//!   a has-many or many-to-many relation, per-parent counts);
//! - [`rows`]: decoding rows into GraphQL values;
//! - [`session`]: the per-request read-only transaction, statement timeout and statement count.

pub mod aggregate;
pub mod compile;
pub mod filter;
pub mod keyset;
pub mod mutation;
pub mod sql_text;
pub mod text_match;
