//! Search as plan nodes: `searchKnowledge` (and the per-parent `knowledgeSearch` / `similarChunks`)
//! and `search`. Arguments are checked here; `search/` writes the ranking statements and
//! `execute/` runs them, then reads the hits' rows with the fetches below.

use async_graphql::{Name, Value as GqlValue};
use indexmap::IndexMap;
use serde::Serialize;

use crate::catalog::TableId;
use crate::error::AppError;
use crate::graphql::SchemaContext;
use crate::plan::Fetch;
use crate::search::vector::{KnowledgeFilter, Parent};
use crate::search::{SEARCH_TYPES, arg, check_embedding, check_text, first_arg, uuid_list};

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
    pub chunk: Fetch,
    pub source: Fetch,
}

impl KnowledgeFetch {
    /// Parses a knowledge search's arguments (the caller adds `chunk` and `source`).
    pub fn parse(
        args: &IndexMap<Name, GqlValue>,
        schema: &SchemaContext,
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
        let first = first_arg(args, 10, schema)?;
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
        if embedding.is_none() && schema.embeddings.is_none() {
            return Err(AppError::bad_input(
                "text-only vector search needs an embedding provider (REGISTRY_EMBEDDING_URL)",
            ));
        }
        Ok(Self { parent, embedding, text, first, min_score, filter, chunk, source })
    }
}

/// `search(query:, types:, first:)`: the tables searched and, per table, the rows `hit` needs.
#[derive(Debug, Serialize, Clone)]
pub struct TextSearchFetch {
    pub query: String,
    pub first: usize,
    pub tables: Vec<TableId>,
    pub fetches: Vec<Fetch>,
}

impl TextSearchFetch {
    /// The query, page size and tables of a `search` field.
    pub fn parse(
        args: &IndexMap<Name, GqlValue>,
        schema: &SchemaContext,
    ) -> Result<(String, usize, Vec<TableId>), AppError> {
        let query = match arg(args, "query") {
            Some(GqlValue::String(s)) => s.clone(),
            _ => return Err(AppError::bad_input("`query` must be a string")),
        };
        check_text(&query, "query")?;
        let first = first_arg(args, 20, schema)?;
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
