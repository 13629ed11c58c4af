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
//! - [`validation_schema`]: the registry those types make, kept once in the schema async-graphql
//!   validates with and answers introspection from.

pub mod aggregate_types;
pub mod arguments;
pub mod filters;
pub mod mutation_types;
pub mod object_types;
pub mod ordering;
pub mod relay;
pub mod scalars;
pub mod search_fields;
pub mod validation_schema;

use async_graphql::dynamic::{Field, FieldFuture, FieldValue, TypeRef};

use crate::catalog::Catalog;
use crate::error::AppError;
use crate::graphql::validation_schema::ValidationSchema;

/// A field of the schema. Its resolver never runs for a request: the plan answers data fields, and
/// async-graphql only executes the introspection fields.
pub(crate) fn planned(name: impl Into<String>, ty: TypeRef) -> Field {
    Field::new(name, ty, |_| {
        FieldFuture::new(async {
            Err::<Option<FieldValue>, _>(async_graphql::Error::new("answered by the query plan"))
        })
    })
}

/// Builds the schema for every table of `catalog`, letting `configure` add limits and extensions:
/// the types with async-graphql's dynamic schema, then kept once, as a registry
/// ([`validation_schema`]).
///
/// The build runs on a thread of its own: the allocator returns what a thread freed when it ends,
/// and the build frees most of what it allocates (the dynamic schema, about twice the registry).
/// On the calling thread, which then waits on the server, that memory stayed resident
/// (bench/README.md, "The schema kept once").
pub fn build_schema(
    catalog: &Catalog,
    configure: impl FnOnce(validation_schema::Builder) -> validation_schema::Builder + Send,
) -> Result<ValidationSchema, AppError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| ValidationSchema::from_dynamic(object_types::build(catalog)?, configure))
            .join()
            .map_err(|_| AppError::internal("building the GraphQL schema", "the build's thread panicked"))?
    })
}

/// The schema's SDL (what `registry-gateway schema` prints and `schema.graphql` holds).
pub fn sdl() -> Result<String, AppError> {
    Ok(build_schema(&Catalog::try_from_entities()?, |b| b)?.sdl())
}
