//! One GraphQL operation, step by step: parse → validate → plan → execute (write JSON). Each step
//! is a function with its own span, so this file reads like the architecture:
//!
//! 1. [`parse_document`]: async-graphql's parser, with parsed documents cached by query text (APQ
//!    and repeated operations skip the parse);
//! 2. [`validate`]: async-graphql's validation against the schema built from the catalog (same
//!    messages, introspection rules), then the depth and complexity limits of the caller's class;
//!    an operation that passed once under the same limits is not validated again, only the values
//!    of its variables are checked against the arguments they are passed to;
//! 3. [`plan`]: the selection, arguments, variables and the caller's scope become the IR
//!    ([`crate::plan`]);
//! 4. [`execute`]: SQL per fetch in the request's transaction, the answer written from the rows
//!    ([`crate::execute`]); introspection fields are answered by async-graphql.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Request, Response, ServerError};
use tracing::Instrument;
use uuid::Uuid;

mod argument_values;

use crate::catalog::{TableId, Tenancy};
use crate::error::ErrorCode;
use crate::execute::plan_choice::IndexedColumns;
use crate::execute::session::Session;
use crate::execute::{Answer, ExecContext};
use crate::graphql::validation_schema::ValidationSchema;
use crate::plan::context::PlanContext;
use crate::plan::{Plan, Root};
use crate::search::embedding_provider::EmbeddingProvider;
use crate::tenancy::{Scope, WriteScope};

/// Limits of one caller class (users, or partners' API keys).
#[derive(Debug, Clone, Copy)]
pub struct OperationLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
}

/// Parsed documents by query text, and the operations that passed validation. Bounded: past
/// `capacity` entries each starts over.
pub struct DocumentCache {
    docs: Mutex<HashMap<Arc<str>, Parsed>>,
    /// Operations that passed validation under given limits: what of validation depends on a
    /// request's variables is re-checked for each ([`argument_values`]), the rest is not repeated.
    validated: Mutex<HashSet<(Arc<str>, Option<String>, usize, usize)>>,
    capacity: usize,
}

/// A parsed document, and the size of its last answer: the next answer's buffer starts that large,
/// so writing a large answer does not grow (and copy) its buffer step by step (bench/README.md,
/// "Answers sent as they were written").
#[derive(Clone)]
pub struct Parsed {
    pub doc: Arc<ExecutableDocument>,
    pub answer_bytes: Arc<AtomicUsize>,
}

/// Queries longer than this are parsed every time rather than cached.
const MAX_CACHED_QUERY_BYTES: usize = 16 * 1024;

impl DocumentCache {
    pub fn new(capacity: usize) -> Self {
        Self { docs: Mutex::new(HashMap::new()), validated: Mutex::new(HashSet::new()), capacity }
    }
}

/// What the pipeline shares for the whole process.
pub struct Engine {
    pub schema: ValidationSchema,
    pub context: Arc<PlanContext>,
    pub documents: DocumentCache,
    pub embeddings: Option<EmbeddingProvider>,
    /// Which columns lead an index, read at start-up (root pages' plan mode).
    pub indexes: IndexedColumns,
}

/// Marks a validation-only run of async-graphql (see [`ExecutionGate`]).
struct ValidateOnly;

/// An async-graphql extension that stops after validation when the request carries
/// [`ValidateOnly`]: async-graphql validates, the plan executes.
pub struct ExecutionGate;

impl ExtensionFactory for ExecutionGate {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ExecutionGate)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ExecutionGate {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if ctx.data_opt::<ValidateOnly>().is_some() {
            Response::new(async_graphql::Value::Null)
        } else {
            next.run(ctx, operation_name).await
        }
    }
}

fn coded(mut e: ServerError, code: ErrorCode) -> ServerError {
    let mut ext = e.extensions.take().unwrap_or_default();
    ext.set("code", code.as_str());
    e.extensions = Some(ext);
    e
}

/// Step 1: the document, from the cache or parsed.
pub fn parse_document(engine: &Engine, query: &str) -> Result<Parsed, ServerError> {
    let _span = tracing::debug_span!("parse").entered();
    if let Some(doc) = engine.documents.docs.lock().ok().and_then(|d| d.get(query).cloned()) {
        return Ok(doc);
    }
    let doc = Arc::new(async_graphql::parser::parse_query(query).map_err(|e| {
        let code =
            if is_number_literal_at(&e, query) { ErrorCode::BadUserInput } else { ErrorCode::GraphqlParseFailed };
        coded(ServerError::from(e), code)
    })?);
    let doc = Parsed { doc, answer_bytes: Arc::default() };
    if query.len() <= MAX_CACHED_QUERY_BYTES
        && let Ok(mut docs) = engine.documents.docs.lock()
    {
        if docs.len() >= engine.documents.capacity {
            docs.clear();
        }
        docs.insert(Arc::from(query), doc.clone());
    }
    Ok(doc)
}

/// Whether a parse error points at a number literal: well-formed GraphQL whose value does not fit
/// (`1e400`), which is the caller's input, not a syntax error.
fn is_number_literal_at(e: &async_graphql::parser::Error, query: &str) -> bool {
    let async_graphql::parser::Error::Syntax { start, .. } = e else { return false };
    let Some(line) = query.lines().nth(start.line.saturating_sub(1)) else { return false };
    let Some(rest) = line.char_indices().nth(start.column.saturating_sub(1)).map(|(i, _)| &line[i..]) else {
        return false;
    };
    let literal: String = rest.chars().take_while(|c| c.is_ascii_digit() || "+-.eE".contains(*c)).collect();
    literal.starts_with(|c: char| c.is_ascii_digit() || c == '-') && literal.chars().any(|c| c.is_ascii_digit())
}

/// Step 2: async-graphql's validation, then the depth and complexity limits. A document that passed
/// under the same limits is not validated again: only the arguments that take this request's
/// variables are checked ([`argument_values`]), which is all of validation that depends on them.
pub async fn validate(
    engine: &Engine,
    doc: &ExecutableDocument,
    request: &Request,
    limits: OperationLimits,
) -> Result<(), Vec<ServerError>> {
    let cache = &engine.documents;
    let key =
        (Arc::from(request.query.as_str()), request.operation_name.clone(), limits.max_depth, limits.max_complexity);
    if cache.validated.lock().is_ok_and(|v| v.contains(&key)) {
        let Some(op) = crate::plan::build::operation(doc, request.operation_name.as_deref()) else {
            return Err(vec![coded(ServerError::new("Unknown operation.", None), ErrorCode::GraphqlValidationFailed)]);
        };
        if op.node.variable_definitions.is_empty() {
            return Ok(());
        }
        let errors = argument_values::check(engine.schema.registry(), doc, &op.node, &request.variables);
        return if errors.is_empty() { Ok(()) } else { Err(errors.into_iter().map(classify_validation).collect()) };
    }
    let mut check = Request::new(String::new()).variables(request.variables.clone()).data(ValidateOnly);
    check.operation_name.clone_from(&request.operation_name);
    check.set_parsed_query(doc.clone());
    let response = engine.schema.execute(check).instrument(tracing::debug_span!("validate")).await;
    if !response.errors.is_empty() {
        return Err(response.errors.into_iter().map(classify_validation).collect());
    }
    let op = crate::plan::build::operation(doc, request.operation_name.as_deref())
        .ok_or_else(|| vec![coded(ServerError::new("Unknown operation.", None), ErrorCode::GraphqlValidationFailed)])?;
    let (depth, complexity) = measure(doc, &op.node.selection_set.node, true);
    if complexity > limits.max_complexity {
        return Err(vec![coded(ServerError::new("Query is too complex.", None), ErrorCode::QueryTooComplex)]);
    }
    if depth > limits.max_depth {
        return Err(vec![coded(ServerError::new("Query is nested too deep.", None), ErrorCode::QueryTooDeep)]);
    }
    if request.query.len() <= MAX_CACHED_QUERY_BYTES
        && let Ok(mut validated) = cache.validated.lock()
    {
        if validated.len() >= cache.capacity {
            validated.clear();
        }
        validated.insert(key);
    }
    Ok(())
}

/// Validation errors are `GRAPHQL_VALIDATION_FAILED`, except a value that does not fit its
/// argument's type (a literal or a variable's value), which is the caller's input:
/// `BAD_USER_INPUT`. async-graphql reports that rule (`ArgumentsOfCorrectType`) only by its
/// message, so this is the one place a message decides a code.
fn classify_validation(e: ServerError) -> ServerError {
    let code = if e.message.starts_with("Invalid value for argument") {
        ErrorCode::BadUserInput
    } else {
        ErrorCode::GraphqlValidationFailed
    };
    coded(e, code)
}

/// Complexity of an `aggregate` field: a statement over every row its connection's filter lets
/// through, not a page.
pub const AGGREGATE_COST: usize = 10;
/// Complexity of a `groups` field: a grouping of every such row, and up to a page of groups.
pub const GROUPS_COST: usize = 25;
/// Complexity of a vector search (`searchKnowledge`, `knowledgeSearch`, `similarChunks`): an
/// embedding (maybe a provider call) and an HNSW scan, per parent row for the per-row fields.
pub const VECTOR_SEARCH_COST: usize = 25;

/// The complexity one field adds by itself (its selection is counted on top).
fn field_cost(name: &str) -> usize {
    match name {
        "aggregate" => AGGREGATE_COST,
        "groups" => GROUPS_COST,
        "searchKnowledge" | "knowledgeSearch" | "similarChunks" => VECTOR_SEARCH_COST,
        _ => 1,
    }
}

/// The depth and complexity (fields, fragments inlined) of a selection: each field counts 1, as
/// async-graphql counts them, except the expensive ones of [`field_cost`]; and the root's
/// introspection fields (`__schema`, `__type`) add to the complexity only: async-graphql answers
/// them from the schema in memory, within its recursion limit, and they read no row. GraphiQL's
/// introspection query alone is 15 deep, over every caller class's depth limit.
fn measure(doc: &ExecutableDocument, set: &SelectionSet, root: bool) -> (usize, usize) {
    let mut depth = 0;
    let mut complexity = 0;
    for item in &set.items {
        let (d, c) = match &item.node {
            Selection::Field(f) => {
                let (d, c) = measure(doc, &f.node.selection_set.node, false);
                let introspection = root && matches!(f.node.name.node.as_str(), "__schema" | "__type");
                (if introspection { 0 } else { d + 1 }, c + field_cost(f.node.name.node.as_str()))
            }
            Selection::InlineFragment(i) => measure(doc, &i.node.selection_set.node, root),
            Selection::FragmentSpread(s) => match doc.fragments.get(&s.node.fragment_name.node) {
                Some(f) => measure(doc, &f.node.selection_set.node, root),
                None => (0, 0),
            },
        };
        depth = depth.max(d);
        complexity += c;
    }
    (depth, complexity)
}

/// Step 3: the plan.
pub fn plan(
    engine: &Engine,
    scope: &Scope,
    write: &WriteScope,
    doc: &ExecutableDocument,
    op: &OperationDefinition,
    request: &Request,
) -> Plan {
    let _span = tracing::debug_span!("plan").entered();
    let variables = crate::plan::build::variables(op, &request.variables);
    crate::plan::build::build(&engine.context, scope, write, doc, op, &variables)
}

/// The introspection fields of the operation, answered by async-graphql on a copy of the
/// document without the data fields.
async fn introspect(engine: &Engine, doc: &ExecutableDocument, request: &Request) -> Response {
    let mut doc = doc.clone();
    fn keep_introspection(set: &mut SelectionSet) {
        set.items.retain_mut(|item| match &mut item.node {
            Selection::Field(f) => matches!(f.node.name.node.as_str(), "__schema" | "__type" | "__typename"),
            Selection::InlineFragment(i) => {
                keep_introspection(&mut i.node.selection_set.node);
                true
            }
            Selection::FragmentSpread(_) => true,
        });
    }
    for fragment in doc.fragments.values_mut() {
        if fragment.node.type_condition.node.on.node == "Query" {
            keep_introspection(&mut fragment.node.selection_set.node);
        }
    }
    match &mut doc.operations {
        DocumentOperations::Single(op) => keep_introspection(&mut op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => {
            for op in ops.values_mut() {
                keep_introspection(&mut op.node.selection_set.node);
            }
        }
    }
    let mut run = Request::new(String::new()).variables(request.variables.clone());
    run.operation_name.clone_from(&request.operation_name);
    run.set_parsed_query(doc);
    engine.schema.execute(run).await
}

/// Step 4: runs the plan (and introspection, if asked for).
pub async fn execute(
    engine: &Engine,
    plan: &Plan,
    doc: &ExecutableDocument,
    request: &Request,
    cx: &ExecContext<'_>,
) -> Answer {
    let introspection = if plan.fields.iter().any(|f| matches!(f.plan, Ok(Root::Introspection))) {
        Some(introspect(engine, doc, request).await)
    } else {
        None
    };
    let mut answer = crate::execute::execute(plan, cx, introspection.as_ref().map(|r| &r.data))
        .instrument(tracing::debug_span!("execute"))
        .await;
    if let Some(r) = introspection {
        if !r.errors.is_empty() && r.data == async_graphql::Value::Null {
            answer.data = None;
        }
        answer.errors.extend(r.errors.into_iter().map(|e| {
            if e.extensions.as_ref().is_some_and(|x| x.get("code").is_some()) {
                e
            } else {
                coded(e, ErrorCode::GraphqlValidationFailed)
            }
        }));
    }
    answer
}

/// The whole pipeline for one operation: its answer, and the tenant-private tables it read (for
/// the audit log).
pub async fn run(
    engine: &Engine,
    request: Request,
    limits: OperationLimits,
    scope: &Scope,
    write: &WriteScope,
    session: &Session,
    request_id: Uuid,
) -> (Answer, Vec<TableId>) {
    let Parsed { doc, answer_bytes } = match parse_document(engine, &request.query) {
        Ok(parsed) => parsed,
        Err(e) => return (Answer::request_error(vec![e]), Vec::new()),
    };
    if let Err(errors) = validate(engine, &doc, &request, limits).await {
        return (Answer::request_error(errors), Vec::new());
    }
    let Some(op) = crate::plan::build::operation(&doc, request.operation_name.as_deref()) else {
        let e = coded(ServerError::new("Unknown operation.", None), ErrorCode::GraphqlValidationFailed);
        return (Answer::request_error(vec![e]), Vec::new());
    };
    let plan = plan(engine, scope, write, &doc, &op.node, &request);
    let catalog = &engine.context.catalog;
    let private =
        plan.tables_read(catalog).into_iter().filter(|&t| catalog.tables[t].tenancy == Tenancy::Private).collect();
    let cx = ExecContext {
        plan: &engine.context,
        session,
        embeddings: engine.embeddings.as_ref(),
        indexes: &engine.indexes,
        request_id,
        answer_bytes: answer_bytes.load(Ordering::Relaxed),
    };
    let answer = execute(engine, &plan, &doc, &request, &cx).await;
    if let Some(data) = &answer.data {
        answer_bytes.store(data.len(), Ordering::Relaxed);
    }
    (answer, private)
}
