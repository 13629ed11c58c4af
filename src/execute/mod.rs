//! Execution: the plan's fetches run in the request's read-only transaction ([`session`]), level by
//! level ([`load`]), and the answer is written from the rows into one JSON buffer
//! ([`json_writer`]).
//!
//! Errors keep their codes and paths. A root field whose arguments or statements fail is `null`
//! with its error; when its type is non-null the whole `data` is `null`, as the GraphQL
//! specification's null propagation says (every error of a data field surfaces at its root field:
//! one root field is one unit of loading).

pub mod bind;
pub mod json_writer;
pub mod load;
pub mod packed_rows;
pub mod plan_choice;
pub mod read_pools;
pub mod session;
pub mod statements;
pub mod write;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::{PathSegment, ServerError};
use uuid::Uuid;

use crate::error::{AppError, ErrorCode};
use crate::execute::json_writer::{ConnectionRows, JsonWriter};
use crate::execute::load::Loader;
use crate::execute::plan_choice::IndexedColumns;
use crate::execute::session::Session;
use crate::plan::context::PlanContext;
use crate::plan::{Lookup, Plan, Root, RootField};
use crate::search::embedding_provider::EmbeddingProvider;
use crate::sql::compile;

/// One operation's answer: `data` already written as JSON (`None`: `null`).
#[derive(Debug, Default)]
pub struct Answer {
    pub errors: Vec<ServerError>,
    pub data: Option<Vec<u8>>,
    /// The operation passed validation and was executed (its `data` is then sent, even `null`).
    pub executed: bool,
    pub extensions: BTreeMap<String, async_graphql::Value>,
}

impl Answer {
    /// A request error (parse, validation, limits): no `data` at all.
    pub fn request_error(errors: Vec<ServerError>) -> Self {
        Self { errors, ..Self::default() }
    }
}

/// What execution needs of the request.
pub struct ExecContext<'a> {
    pub plan: &'a PlanContext,
    pub session: &'a Session,
    pub embeddings: Option<&'a EmbeddingProvider>,
    /// Which columns lead an index: root pages filtered on none of them run with a generic plan.
    pub indexes: &'a IndexedColumns,
    pub request_id: Uuid,
    /// The size of the last answer to the same document, if any: the answer's buffer starts that
    /// large (plus an eighth), instead of growing by doubling.
    pub answer_bytes: usize,
}

/// The GraphQL error for `e`: user errors keep their code and message; internal errors are logged
/// with the request id and reach the client as `INTERNAL` with no database text.
pub fn graphql_error(e: &AppError, request_id: Uuid) -> async_graphql::Error {
    use async_graphql::ErrorExtensions;
    if let AppError::Internal { .. } = e {
        tracing::error!(%request_id, error = %e, "internal error");
    }
    let code = e.code().as_str();
    let message = match e {
        AppError::Internal { .. } => format!("internal error (request {request_id})"),
        AppError::User { .. } => e.client_message(),
    };
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code))
}

/// The error of root field `root`, with its location and path.
pub fn field_error(e: &AppError, root: &RootField, request_id: Uuid) -> ServerError {
    let mut error = graphql_error(e, request_id).into_server_error(root.pos);
    error.path = vec![PathSegment::Field(root.key.clone())];
    error
}

/// Runs `plan` and writes its answer. `introspection` holds the values of the introspection root
/// fields, answered by async-graphql.
pub async fn execute(plan: &Plan, cx: &ExecContext<'_>, introspection: Option<&async_graphql::Value>) -> Answer {
    let loader = Loader { plan: cx.plan, session: cx.session, embeddings: cx.embeddings, indexes: cx.indexes };
    let capacity = (cx.answer_bytes + cx.answer_bytes / 8).max(4096);
    let mut out = JsonWriter { plan: cx.plan, buf: Vec::with_capacity(capacity) };
    if plan.mutation {
        return execute_mutation(plan, &loader, out, cx).await;
    }
    let mut errors = Vec::new();
    let mut null_data = false;
    if answered_by_one_statement(plan) {
        cx.session.last_statement_next();
    }
    out.buf.push(b'{');
    for (i, root) in plan.fields.iter().enumerate() {
        if i > 0 {
            out.buf.push(b',');
        }
        let _ = serde_json::to_writer(&mut out.buf, &root.key);
        out.buf.push(b':');
        let mark = out.buf.len();
        let result = match &root.plan {
            Err(e) => Err(clone_error(e)),
            Ok(planned) => write_root(&loader, &mut out, planned, introspection, &root.key).await,
        };
        if let Err(e) = result {
            out.buf.truncate(mark);
            out.buf.extend_from_slice(b"null");
            errors.push(field_error(&e, root, cx.request_id));
            null_data |= !root.nullable;
        }
    }
    out.buf.push(b'}');
    Answer { errors, data: (!null_data).then_some(out.buf), executed: true, extensions: BTreeMap::new() }
}

/// Runs a mutation's fields one after another (serially, as the GraphQL specification says) in one
/// read-write transaction, committed when every field succeeded. The first field that fails stops
/// the operation and rolls back everything it did: fields are non-null, so `data` is then `null`
/// and the error says which field failed. A mutation is all or nothing.
async fn execute_mutation(plan: &Plan, loader: &Loader<'_>, mut out: JsonWriter<'_>, cx: &ExecContext<'_>) -> Answer {
    cx.session.begin_write().await;
    if written_by_one_statement(plan) {
        cx.session.commit_after_next_statement();
    }
    out.buf.push(b'{');
    let mut failed = None;
    for (i, root) in plan.fields.iter().enumerate() {
        if i > 0 {
            out.buf.push(b',');
        }
        let _ = serde_json::to_writer(&mut out.buf, &root.key);
        out.buf.push(b':');
        let result = match &root.plan {
            Err(e) => Err(clone_error(e)),
            Ok(Root::Typename) => {
                out.buf.extend_from_slice(b"\"Mutation\"");
                Ok(())
            }
            Ok(Root::Mutation(w)) => write::run(loader, &mut out, w).await,
            Ok(_) => Err(AppError::internal("executing", "a query field in a mutation")),
        };
        if let Err(e) = result {
            failed = Some(field_error(&e, root, cx.request_id));
            break;
        }
    }
    out.buf.push(b'}');
    let committed = match failed {
        Some(e) => {
            cx.session.rollback().await;
            Err(e)
        }
        None => cx.session.commit().await.map_err(|e| {
            let mut error = graphql_error(&e, cx.request_id).into_server_error(async_graphql::Pos::default());
            error.locations.clear();
            error
        }),
    };
    match committed {
        Ok(()) => Answer { errors: Vec::new(), data: Some(out.buf), executed: true, extensions: BTreeMap::new() },
        Err(e) => Answer { errors: vec![e], data: None, executed: true, extensions: BTreeMap::new() },
    }
}

/// Whether a mutation is one statement: one field, no links to write, nothing to load below the
/// written rows. Its COMMIT is then pipelined behind that statement (one round trip for the
/// write); a refusal explained afterwards reads in a transaction of its own.
fn written_by_one_statement(plan: &Plan) -> bool {
    let mut writes = plan.fields.iter().filter(|f| !matches!(f.plan, Ok(Root::Typename)));
    let (Some(one), None) = (writes.next(), writes.next()) else { return false };
    match &one.plan {
        Ok(Root::Mutation(w)) => {
            let empty_insert =
                matches!(&w.action, crate::plan::mutation::Action::Insert { rows, .. } if rows.is_empty());
            w.links.is_empty() && w.returning.relations.is_empty() && !empty_insert
        }
        _ => false,
    }
}

/// Whether the operation's data comes from one statement: one data root field, a row by key or a
/// page without relations, `totalCount`, `aggregate` or `groups` (`agent(id:)`, a flat list). Its transaction then ends
/// with that statement (`Session::last_statement_next`).
fn answered_by_one_statement(plan: &Plan) -> bool {
    let mut data = plan.fields.iter().filter(|f| !matches!(f.plan, Ok(Root::Typename | Root::Introspection)));
    let (Some(one), None) = (data.next(), data.next()) else { return false };
    match &one.plan {
        Ok(Root::Single { fetch, .. }) => fetch.relations.is_empty(),
        Ok(Root::List { fetch, .. }) => {
            fetch.node.relations.is_empty() && !fetch.want_total && fetch.link.is_none() && fetch.aggregates.is_empty()
        }
        _ => false,
    }
}

fn clone_error(e: &AppError) -> AppError {
    match e {
        AppError::User { code, message } => AppError::user(*code, message.clone()),
        AppError::Internal { .. } => AppError::internal("planning", e.to_string()),
    }
}

async fn write_root(
    loader: &Loader<'_>,
    out: &mut JsonWriter<'_>,
    root: &Root,
    introspection: Option<&async_graphql::Value>,
    key: &str,
) -> Result<(), AppError> {
    let catalog = &loader.plan.catalog;
    match root {
        Root::Typename => {
            out.buf.extend_from_slice(b"\"Query\"");
        }
        Root::Introspection => {
            let value = match introspection {
                Some(async_graphql::Value::Object(map)) => map.get(key),
                _ => None,
            };
            serde_json::to_writer(&mut out.buf, &value.unwrap_or(&async_graphql::Value::Null))
                .map_err(|e| AppError::internal("writing introspection", e))?;
        }
        Root::List { fetch, shape } => {
            let (nodes, page, aggregates) = loader.root_list(fetch).await?;
            let rows = ConnectionRows {
                nodes: &nodes,
                links: None,
                page: &page,
                aggregates: &aggregates,
                parent: Uuid::nil(),
            };
            out.connection(shape, fetch, &rows)?;
        }
        Root::Single { lookup, visibility, fetch, shape } => {
            let table = &catalog.tables[fetch.table];
            let (sql, missing) = match lookup {
                // A lookup by primary key runs with a generic plan (`compile::by_id`). Nested loads by
                // id keep PostgreSQL's own choice, so a request does not switch plan modes between
                // its statements.
                Lookup::Id(id) => (compile::by_id(catalog, fetch, *id, visibility.as_ref()), format!("with id {id}")),
                Lookup::Natural { column, value } => (
                    compile::by_key(catalog, fetch, *column, value, visibility.as_ref()),
                    format!("with {} {value:?}", table.columns[*column].name),
                ),
            };
            let mut rows = loader.query(sql).await?;
            if rows.is_empty() {
                return Err(AppError::user(ErrorCode::NotFound, format!("no {} {missing}", table.type_name)));
            }
            rows.truncate(1);
            let loaded = loader.load(fetch, Arc::new(rows), 0).await?;
            out.object(shape, fetch, &loaded, 0)?;
        }
        Root::Knowledge { fetch, shape } => {
            let hits = loader.knowledge(fetch).await?;
            out.hits(shape, fetch, &hits)?;
        }
        Root::Search { fetch, shape } => {
            let hits = loader.text_search(fetch).await?;
            out.search_hits(shape, fetch, &hits)?;
        }
        Root::Mutation(_) => return Err(AppError::internal("executing", "a mutation field in a query")),
        Root::Nodes { single, groups, slots } => {
            let mut loaded = Vec::with_capacity(groups.len());
            for g in groups {
                let rows = loader.by_ids(&g.fetch, &g.ids, g.visibility.as_ref()).await?;
                let positions = rows.positions();
                loaded.push((rows, positions));
            }
            if !single {
                out.buf.push(b'[');
            }
            for (i, slot) in slots.iter().enumerate() {
                if i > 0 {
                    out.buf.push(b',');
                }
                match slot.and_then(|(g, id)| Some((g, *loaded[g].1.get(&id)?))) {
                    Some((g, at)) => out.object(&groups[g].shape, &groups[g].fetch, &loaded[g].0, at)?,
                    None => out.buf.extend_from_slice(b"null"),
                }
            }
            if !single {
                out.buf.push(b']');
            }
        }
    }
    Ok(())
}
