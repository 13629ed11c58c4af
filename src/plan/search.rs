//! Search as plan nodes (and the checks of their arguments): `searchKnowledge` (and the per-parent `knowledgeSearch` / `similarChunks`)
//! and `search`. Arguments are checked here; `search/` writes the ranking statements and
//! `execute/` runs them, then reads the hits' rows with the fetches below.

use async_graphql::{Name, Value as GqlValue};
use indexmap::IndexMap;
use serde::Serialize;
use uuid::Uuid;

use crate::catalog::{Catalog, SEARCH_TYPES, TableId};
use crate::error::AppError;
use crate::plan::context::PlanContext;
use crate::plan::visibility::visibility;
use crate::plan::{Fetch, Filter};
use crate::tenancy::Scope;

/// Dimensions of `knowledge_chunks.embedding`.
pub const DIMENSIONS: usize = 1536;
/// Longest search text accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 10 * 1024;

/// Which parent limits a per-parent retrieval field.
#[derive(Debug, Clone, Copy, Serialize)]
pub enum Parent {
    Agent,
    Source,
}

/// What restricts the candidate chunks, beside the caller's visibility.
#[derive(Debug, Default, Clone, Serialize)]
pub struct KnowledgeFilter {
    pub source_ids: Option<Vec<Uuid>>,
    pub industry_ids: Option<Vec<Uuid>>,
    pub category: Option<String>,
    /// Only sources linked to this agent through `agent_knowledge`.
    pub agent: Option<Uuid>,
}

/// What the caller may see of each table a knowledge search reads.
#[derive(Debug, Default, Clone, Serialize)]
pub struct KnowledgeVisibility {
    pub chunks: Option<Filter>,
    pub sources: Option<Filter>,
    pub industry_mapping: Option<Filter>,
    pub agent_knowledge: Option<Filter>,
}

impl KnowledgeVisibility {
    /// What `scope` may see of the knowledge tables.
    pub fn of(catalog: &Catalog, scope: &Scope) -> Self {
        let v = |name: &str| catalog.table(name).and_then(|t| visibility(scope, t));
        Self {
            chunks: v("knowledge_chunks"),
            sources: v("knowledge_sources"),
            industry_mapping: v("knowledge_industry_mapping"),
            agent_knowledge: v("agent_knowledge"),
        }
    }
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
pub(crate) fn first_arg(args: &IndexMap<Name, GqlValue>, default: usize, max: usize) -> Result<usize, AppError> {
    let Some(v) = arg(args, "first") else { return Ok(default) };
    let n = match v {
        GqlValue::Number(n) => n.as_i64(),
        _ => None,
    }
    .ok_or_else(|| AppError::bad_input("argument `first` must be an integer"))?;
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

/// A knowledge search and the rows its hits need.
#[derive(Debug, Serialize, Clone)]
pub struct KnowledgeFetch {
    pub parent: Option<Parent>,
    /// The query vector; `None` when only `text` was given (the provider embeds it when executed).
    #[serde(skip)]
    pub embedding: Option<Vec<f32>>,
    pub text: Option<String>,
    pub first: usize,
    pub min_score: Option<f64>,
    pub filter: KnowledgeFilter,
    pub visibility: KnowledgeVisibility,
    pub chunk: Fetch,
    pub source: Fetch,
}

impl KnowledgeFetch {
    /// Parses a knowledge search's arguments (the caller adds `chunk` and `source`).
    pub fn parse(
        args: &IndexMap<Name, GqlValue>,
        schema: &PlanContext,
        parent: Option<Parent>,
        chunk: Fetch,
        source: Fetch,
    ) -> Result<Self, AppError> {
        let text = match arg(args, "text") {
            Some(GqlValue::String(s)) => {
                check_text(s, "text")?;
                Some(s.clone())
            }
            Some(_) => return Err(AppError::bad_input("`text` must be a string")),
            None => None,
        };
        let embedding = match arg(args, "embedding") {
            Some(GqlValue::List(items)) => Some(check_embedding(items)?),
            Some(_) => return Err(AppError::bad_input("`embedding` must be a list of numbers")),
            None => None,
        };
        let first = first_arg(args, 10, schema.limits.max_page_size)?;
        let min_score = match arg(args, "minScore") {
            Some(GqlValue::Number(n)) => n.as_f64(),
            _ => None,
        };
        let mut filter = KnowledgeFilter::default();
        if let Some(GqlValue::Object(f)) = arg(args, "filter") {
            filter.source_ids = uuid_list(f.get("sourceIds"), "filter.sourceIds")?;
            filter.industry_ids = uuid_list(f.get("industryIds"), "filter.industryIds")?;
            filter.category = match f.get("category") {
                Some(GqlValue::String(s)) => Some(s.clone()),
                _ => None,
            };
        }
        if embedding.is_none() && text.is_none() {
            return Err(AppError::bad_input("give `embedding`, `text`, or both"));
        }
        if embedding.is_none() && !schema.text_embeddings {
            return Err(AppError::bad_input(
                "text-only vector search needs an embedding provider (REGISTRY_EMBEDDING_URL)",
            ));
        }
        Ok(Self {
            parent,
            embedding,
            text,
            first,
            min_score,
            filter,
            visibility: KnowledgeVisibility::default(),
            chunk,
            source,
        })
    }
}

/// `search(query:, types:, first:)`: the tables searched and, per table, the rows `hit` needs.
#[derive(Debug, Serialize, Clone)]
pub struct TextSearchFetch {
    pub query: String,
    pub first: usize,
    pub tables: Vec<TableId>,
    /// What the caller may see of each table.
    pub visibility: Vec<Option<Filter>>,
    pub fetches: Vec<Fetch>,
}

impl TextSearchFetch {
    /// The query, page size and tables of a `search` field.
    pub fn parse(
        args: &IndexMap<Name, GqlValue>,
        schema: &PlanContext,
    ) -> Result<(String, usize, Vec<TableId>), AppError> {
        let query = match arg(args, "query") {
            Some(GqlValue::String(s)) => s.clone(),
            _ => return Err(AppError::bad_input("`query` must be a string")),
        };
        check_text(&query, "query")?;
        let first = first_arg(args, 20, schema.limits.max_page_size)?;
        let wanted: Option<Vec<String>> = match arg(args, "types") {
            Some(GqlValue::List(items)) => Some(
                items
                    .iter()
                    .filter_map(|v| match v {
                        GqlValue::Enum(n) => Some(n.to_string()),
                        GqlValue::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
            ),
            Some(GqlValue::Enum(n)) => Some(vec![n.to_string()]),
            _ => None,
        };
        let mut tables = Vec::new();
        for (ty, name) in SEARCH_TYPES {
            if wanted.as_ref().is_none_or(|w| w.is_empty() || w.iter().any(|x| x == ty)) {
                let t = schema
                    .catalog
                    .table(name)
                    .ok_or_else(|| AppError::internal("search", format!("no table {name}")))?;
                tables.push(t.id);
            }
        }
        Ok((query, first, tables))
    }
}
