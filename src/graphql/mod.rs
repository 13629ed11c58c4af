//! The GraphQL schema, built at start-up from the [`Catalog`] by one generic mechanism: every table
//! gets an object type, a filter input, an order enum, a connection and its relations, with no
//! code per table.
//!
//! The schema is what async-graphql validates requests against and answers introspection from.
//! Its fields have no resolvers of their own: the plan answers every data field (`plan/`,
//! `execute/`). Per-field resolvers cost 44% of the gateway's CPU, about 5 µs per returned object
//! (bench/README.md, "Findings").
//!
//! - [`scalars`]: custom scalars and the GraphQL type of each column kind;
//! - [`object_types`]: object, connection and edge types, and the root fields;
//! - [`filters`]: filter input types;
//! - [`ordering`]: order enums;
//! - [`arguments`]: the arguments of list fields;
//! - [`search_fields`]: the search fields and their types;
//! - [`aggregate_types`]: `aggregate` and `groups` on every connection, and their types;
//! - [`relay`]: the `Node` interface, `nodeId` on every type, `node` and `nodes`;
//! - [`mutation_types`]: the `Mutation` type, its fields and inputs for every writable table.

pub mod aggregate_types;
pub mod arguments;
pub mod filters;
pub mod mutation_types;
pub mod object_types;
pub mod ordering;
pub mod relay;
pub mod scalars;
pub mod search_fields;

use async_graphql::dynamic::{Field, FieldFuture, FieldValue, Schema, SchemaBuilder, TypeRef};

use crate::catalog::Catalog;
use crate::error::AppError;

/// A field of the schema. Its resolver never runs for a request: the plan answers data fields, and
/// async-graphql only executes the introspection fields.
pub(crate) fn planned(name: impl Into<String>, ty: TypeRef) -> Field {
    Field::new(name, ty, |_| {
        FieldFuture::new(async {
            Err::<Option<FieldValue>, _>(async_graphql::Error::new("answered by the query plan"))
        })
    })
}

/// Builds the schema for every table of `catalog`, letting `configure` add limits and extensions.
pub fn build_schema(
    catalog: &Catalog,
    configure: impl FnOnce(SchemaBuilder) -> SchemaBuilder,
) -> Result<Schema, AppError> {
    object_types::build(catalog, configure)
}

/// The schema's SDL (what `registry-gateway schema` prints and `schema.graphql` holds).
pub fn sdl() -> Result<String, AppError> {
    Ok(build_schema(&Catalog::try_from_entities()?, |b| b)?.sdl())
}
