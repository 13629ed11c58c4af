//! Search: nearest-neighbour retrieval over knowledge chunks (pgvector HNSW), hybrid retrieval
//! (reciprocal rank fusion with full text), and ranked text search over the named registry tables
//! (full text + trigram similarity).
//!
//! - `searchKnowledge(embedding:, text:, first:, minScore:, filter:)` → `[KnowledgeHit!]!` ([`vector`]);
//! - `KnowledgeSource.similarChunks(…)` and `Agent.knowledgeSearch(…)`: the same search limited to one
//!   source, or to the sources an agent is linked to through `agent_knowledge`. They are retrieval
//!   fields, meant for one parent row: they issue their statements per parent, not per level;
//! - `search(query:, types:, first:)` → `[SearchHit!]!` ([`text`]), each hit a `SearchResult` union;
//! - `search:` on the list fields of those tables: a predicate AND-ed into the filter
//!   ([`crate::sql::filter::Filter::TextSearch`]).
//!
//! Every table reference of every statement here is restricted by [`crate::tenant_scope::Scope::restrict`].

pub mod embedding_provider;
pub mod text;
pub mod vector;

use std::sync::Arc;

use async_graphql::dynamic::{
    Enum, EnumItem, Field, FieldFuture, FieldValue, InputObject, InputValue, Object, SchemaBuilder, TypeRef, Union,
};
use async_graphql::{Name, Value as GqlValue};
use indexmap::IndexMap;
use uuid::Uuid;

use crate::catalog::{Catalog, Table};
use crate::error::AppError;
use crate::graphql::scalars;
use crate::graphql::{RequestContext, SchemaContext};
use crate::sql::rows::Row;

/// Dimensions of `knowledge_chunks.embedding`.
pub const DIMENSIONS: usize = 1536;
/// Longest search text accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 10 * 1024;

/// `SearchType` values and their tables: the registry tables with a name (or title).
pub const SEARCH_TYPES: &[(&str, &str)] = &[
    ("AGENT", "agents"),
    ("PERSONA", "personas"),
    ("JTBD", "jobs_to_be_done"),
    ("PROMPT", "prompts"),
    ("SKILL", "skills"),
    ("TOOL", "tools"),
    ("WORKFLOW", "workflows"),
    ("TASK", "tasks"),
    ("KNOWLEDGE_SOURCE", "knowledge_sources"),
    ("TEMPLATE", "templates"),
    ("USE_CASE", "use_cases"),
    ("DOMAIN", "domains"),
    ("CAPABILITY", "capabilities"),
    ("SOLUTION", "solutions"),
];

/// Whether `table` is text-searchable (one of [`SEARCH_TYPES`]).
pub fn is_searchable(table: &Table) -> bool {
    SEARCH_TYPES.iter().any(|(_, t)| *t == table.name)
}

/// Checks a search text: not blank, at most [`MAX_TEXT_BYTES`].
pub fn check_text(text: &str, arg: &str) -> Result<(), AppError> {
    if text.trim().is_empty() {
        return Err(AppError::bad_input(format!("`{arg}` is empty; give some words to search for")));
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(AppError::bad_input(format!(
            "`{arg}` is {} bytes; at most {MAX_TEXT_BYTES} are accepted",
            text.len()
        )));
    }
    Ok(())
}

/// Checks and converts a query vector: exactly [`DIMENSIONS`] finite (single-precision) numbers.
pub fn check_embedding(values: &[GqlValue]) -> Result<Vec<f32>, AppError> {
    if values.is_empty() {
        return Err(AppError::bad_input(format!("`embedding` is empty; {DIMENSIONS} numbers are required")));
    }
    if values.len() != DIMENSIONS {
        return Err(AppError::bad_input(format!(
            "`embedding` has {} numbers; {DIMENSIONS} are required",
            values.len()
        )));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = match v {
                GqlValue::Number(n) => n.as_f64(),
                _ => None,
            };
            match x.map(|x| x as f32) {
                Some(f) if f.is_finite() => Ok(f),
                _ => Err(AppError::bad_input(format!("`embedding[{i}]` is not a finite number"))),
            }
        })
        .collect()
}

pub(crate) fn arg<'v>(args: &'v IndexMap<Name, GqlValue>, name: &str) -> Option<&'v GqlValue> {
    args.get(name).filter(|v| !matches!(v, GqlValue::Null))
}

/// `first`: default `default`, between 0 and the page size limit.
pub(crate) fn first_arg(
    args: &IndexMap<Name, GqlValue>,
    default: usize,
    schema: &SchemaContext,
) -> Result<usize, AppError> {
    let Some(v) = arg(args, "first") else { return Ok(default) };
    let n = match v {
        GqlValue::Number(n) => n.as_i64(),
        _ => None,
    }
    .ok_or_else(|| AppError::bad_input("argument `first` must be an integer"))?;
    let max = schema.limits.max_page_size;
    if n < 0 || usize::try_from(n).unwrap_or(usize::MAX) > max {
        return Err(AppError::bad_input(format!("argument `first` is {n}; it must be between 0 and {max}")));
    }
    Ok(usize::try_from(n).unwrap_or(0))
}

pub(crate) fn uuid_list(v: Option<&GqlValue>, name: &str) -> Result<Option<Vec<Uuid>>, AppError> {
    let Some(v) = v.filter(|v| !matches!(v, GqlValue::Null)) else { return Ok(None) };
    let GqlValue::List(items) = v else { return Err(AppError::bad_input(format!("`{name}` must be a list of ids"))) };
    items
        .iter()
        .map(|x| match x {
            GqlValue::String(s) => {
                Uuid::parse_str(s).map_err(|_| AppError::bad_input(format!("`{name}` holds an invalid UUID {s:?}")))
            }
            _ => Err(AppError::bad_input(format!("`{name}` must be a list of ids"))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Resolver helpers shared with the table fields (`src/graphql/mod.rs`).
pub(crate) use crate::graphql::{fail, request};

fn table<'c>(catalog: &'c Catalog, name: &str) -> Result<&'c Table, AppError> {
    catalog.table(name).ok_or_else(|| AppError::internal("search", format!("no table {name}")))
}

/// Registers the search types: hit objects, the filter input, the type enum and the result union.
pub fn register_types(ctx: &Arc<SchemaContext>, mut builder: SchemaBuilder) -> SchemaBuilder {
    builder = builder.register(
        InputObject::new("KnowledgeSearchFilter")
            .description("Restricts a knowledge search; all given parts must hold.")
            .field(
                InputValue::new("sourceIds", TypeRef::named_nn_list(scalars::UUID)).description("Only these sources."),
            )
            .field(
                InputValue::new("industryIds", TypeRef::named_nn_list(scalars::UUID))
                    .description("Only sources mapped to one of these industries (`knowledge_industry_mapping`)."),
            )
            .field(
                InputValue::new("category", TypeRef::named(TypeRef::STRING))
                    .description("Only sources of this category."),
            ),
    );
    builder = builder.register(vector::hit_object());
    let mut types = Enum::new("SearchType").description("The tables `search` looks in.");
    for (name, table) in SEARCH_TYPES {
        types = types.item(EnumItem::new(*name).description(format!("`{table}`")));
    }
    builder = builder.register(types);
    let mut union = Union::new("SearchResult").description("A row `search` found.");
    for (_, name) in SEARCH_TYPES {
        if let Some(t) = ctx.catalog.table(name) {
            union = union.possible_type(&t.type_name);
        }
    }
    builder.register(union).register(text::hit_object())
}

/// Adds `searchKnowledge` and `search` to the root query type.
pub fn register_root_fields(ctx: &Arc<SchemaContext>, query: Object) -> Object {
    query.field(vector::root_field(ctx)).field(text::root_field(ctx))
}

/// Adds the retrieval fields to the object types that have them (`Agent.knowledgeSearch`,
/// `KnowledgeSource.similarChunks`); other types are returned unchanged.
pub fn extend_object(ctx: &Arc<SchemaContext>, table: &Table, obj: Object) -> Object {
    match table.name.as_str() {
        "agents" => obj.field(vector::per_parent_field(ctx, "knowledgeSearch", vector::Parent::Agent)),
        "knowledge_sources" => obj.field(vector::per_parent_field(ctx, "similarChunks", vector::Parent::Source)),
        _ => obj,
    }
}

/// The hits' rows by id, in the given order, with the relations `fields` select loaded.
pub(crate) async fn rows_by_ids(
    rc: &RequestContext,
    schema: &SchemaContext,
    table: &Table,
    ids: &[Uuid],
    fields: Vec<async_graphql::SelectionField<'_>>,
) -> Result<std::collections::HashMap<Uuid, Arc<Row>>, AppError> {
    use crate::graphql::arguments::node_columns;
    use crate::sql::rows::Projection;
    use crate::sql::statements;
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let mut cols = Vec::new();
    node_columns(&schema.catalog, table, fields.iter().copied(), &mut cols);
    let projection = Arc::new(Projection::new(table, cols));
    let rows = rc.session.query(statements::by_ids(table, &projection, ids, &rc.scope)).await?;
    let mut rows = statements::decode_rows(&rows, table, &projection)?;
    rc.loader(schema).load(table, &mut rows, fields).await?;
    Ok(rows.into_iter().map(|r| (r.id, Arc::new(r))).collect())
}

/// A field reading one value of the parent `T` with `get`.
pub(crate) fn value_field<T: Send + Sync + 'static>(
    name: &str,
    ty: TypeRef,
    get: fn(&T) -> FieldValue<'static>,
) -> Field {
    Field::new(name, ty, move |ctx| {
        FieldFuture::new(async move { Ok(Some(get(ctx.parent_value.try_downcast_ref::<T>()?))) })
    })
}
