//! The GraphQL schema, built at start-up from the [`Catalog`] by one generic mechanism: every table
//! gets an object type, a filter input, an order enum, a connection and its relations, with no
//! code per table.
//!
//! - [`scalars`]: custom scalars and the GraphQL type of each column kind;
//! - [`object_types`]: object, connection and edge types, and the root fields;
//! - [`filters`]: filter input types and their parsing into the SQL filter AST;
//! - [`ordering`]: order enums;
//! - [`arguments`]: list arguments (`filter`, `orderBy`, `first`/`after`/`last`/`before`) and the
//!   selection-driven projections;
//! - [`loaders`]: batched relation loading, one statement per relation level;
//! - [`errors`]: stable error codes on every GraphQL error.

pub mod arguments;
pub mod errors;
pub mod filters;
pub mod loaders;
pub mod object_types;
pub mod ordering;
pub mod scalars;

use std::sync::Arc;

use async_graphql::dynamic::Schema;
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::error::AppError;
use crate::sql::keyset::CursorCodec;
use crate::sql::session::Session;
use crate::tenant_scope::Scope;

pub use loaders::LevelLoader;

/// Limits the schema enforces on arguments.
#[derive(Debug, Clone)]
pub struct SchemaLimits {
    /// Largest `first`/`last`; also the page size when neither is given.
    pub max_page_size: usize,
    pub default_page_size: usize,
    /// Deepest nesting of `and`/`or`/`not`/relation filters.
    pub max_filter_depth: usize,
}

impl Default for SchemaLimits {
    fn default() -> Self {
        Self { max_page_size: 100, default_page_size: 20, max_filter_depth: 6 }
    }
}

/// What resolvers share for the whole process.
pub struct SchemaContext {
    pub catalog: Arc<Catalog>,
    pub limits: SchemaLimits,
    pub cursors: CursorCodec,
    /// Turns `searchKnowledge(text:)` into a vector; `None` when no provider is configured.
    pub embeddings: Option<crate::search::embedding_provider::EmbeddingProvider>,
}

/// What resolvers share for one request.
pub struct RequestContext {
    pub request_id: Uuid,
    pub scope: Scope,
    pub session: Arc<Session>,
}

impl RequestContext {
    pub fn new(request_id: Uuid, scope: Scope, session: Arc<Session>) -> Self {
        Self { request_id, scope, session }
    }

    /// The loader of relations for this request.
    pub fn loader<'a>(&'a self, schema: &'a SchemaContext) -> LevelLoader<'a> {
        LevelLoader { schema, scope: &self.scope, session: &self.session }
    }
}

/// Builds the schema for every table of `catalog`.
pub fn build_schema(schema_context: Arc<SchemaContext>) -> Result<Schema, AppError> {
    object_types::build(schema_context)
}

/// The schema's SDL (what `registry-gateway schema` prints and `schema.graphql` holds).
pub fn sdl() -> Result<String, AppError> {
    let context = Arc::new(SchemaContext {
        catalog: Arc::new(Catalog::from_entities()),
        limits: SchemaLimits::default(),
        cursors: CursorCodec::new(b"sdl"),
        embeddings: None,
    });
    Ok(build_schema(context)?.sdl())
}
