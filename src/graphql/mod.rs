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
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::dynamic::{ResolverContext, Schema};
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::error::AppError;
use crate::graphql::errors::to_graphql;
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
    /// Set by the first resolver that runs: the request passed validation and was executed (see
    /// [`crate::http::mark_executed`]).
    pub executed: Arc<AtomicBool>,
}

impl RequestContext {
    pub fn new(request_id: Uuid, scope: Scope, session: Arc<Session>) -> Self {
        Self { request_id, scope, session, executed: Arc::default() }
    }

    /// The request's context, as a resolver sees it; notes that execution has begun.
    pub fn of<'a>(ctx: &'a ResolverContext<'_>) -> Result<&'a Self, async_graphql::Error> {
        let request = ctx
            .data::<Self>()
            .map_err(|_| to_graphql(&AppError::internal("resolver", "no request context"), Uuid::nil()))?;
        request.executed.store(true, Ordering::Relaxed);
        Ok(request)
    }

    /// The loader of relations for this request.
    pub fn loader<'a>(&'a self, schema: &'a SchemaContext) -> LevelLoader<'a> {
        LevelLoader { schema, scope: &self.scope, session: &self.session }
    }
}

/// The request's context, for a resolver (see [`RequestContext::of`]).
pub(crate) fn request<'a>(ctx: &'a ResolverContext<'_>) -> Result<&'a RequestContext, async_graphql::Error> {
    RequestContext::of(ctx)
}

/// Maps an [`AppError`] raised by a resolver to a GraphQL error carrying the request's id (and notes
/// that execution has begun).
pub(crate) fn fail(ctx: &ResolverContext<'_>, e: &AppError) -> async_graphql::Error {
    to_graphql(e, RequestContext::of(ctx).map(|r| r.request_id).unwrap_or_default())
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
