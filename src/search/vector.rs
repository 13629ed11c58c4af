//! Knowledge retrieval: nearest chunks by cosine distance (HNSW), or hybrid with full text.
//!
//! A search is three statements (plus relation loads): one `set_config` for the HNSW scan
//! (`hnsw.ef_search`, `hnsw.iterative_scan = relaxed_order` so filtered searches still fill the page),
//! the ranking statement (chunk id, source id, score), then the chunks and sources by id with the
//! columns the selection asks for. The ranking statement keeps `ORDER BY c.embedding <=> $q LIMIT k`
//! on the chunk table, so the planner can walk the HNSW index; `relaxed_order` may return neighbours
//! slightly out of order, so the outer query sorts by the distance again.

use std::sync::Arc;

use async_graphql::Value as GqlValue;
use async_graphql::dynamic::{Field, FieldFuture, FieldValue, InputValue, Object, ResolverContext, TypeRef};
use sea_orm::Value;
use uuid::Uuid;

use crate::error::{AppError, Context};
use crate::graphql::{RequestContext, SchemaContext};
use crate::search::{arg, check_embedding, check_text, fail, first_arg, request, rows_by_ids, table, uuid_list};
use crate::sql::rows::Row;
use crate::sql::sql_text::Sql;
use crate::tenant_scope::Scope;

/// Reciprocal rank fusion constant.
pub const RRF_K: u32 = 60;
/// `hnsw.ef_search` for searches: pgvector's default. Measured at scale 10 (19,956 chunks): recall@10
/// 1.000 over 50 perturbed queries with 40, while 100 makes the planner's HNSW cost exceed a
/// sequential scan, which then takes ~125 ms instead of ~7-18 ms (README, "Search").
const EF_SEARCH: usize = 40;

/// One hit of a knowledge search.
pub struct KnowledgeHit {
    pub score: f64,
    pub chunk: Arc<Row>,
    pub source: Arc<Row>,
}

/// Which parent limits a per-parent retrieval field.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub enum Parent {
    Agent,
    Source,
}

/// What restricts the candidate chunks, beside the caller's scope.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct KnowledgeFilter {
    pub source_ids: Option<Vec<Uuid>>,
    pub industry_ids: Option<Vec<Uuid>>,
    pub category: Option<String>,
    /// Only sources linked to this agent through `agent_knowledge`.
    pub agent: Option<Uuid>,
}

/// A parsed knowledge search.
#[derive(Debug, Clone)]
pub struct KnowledgeQuery {
    pub embedding: Vec<f32>,
    /// Full text for hybrid ranking (only when the caller gave both `embedding` and `text`).
    pub hybrid_text: Option<String>,
    pub first: usize,
    pub min_score: Option<f64>,
    pub filter: KnowledgeFilter,
}

pub fn hit_object() -> Object {
    use crate::search::value_field;
    Object::new("KnowledgeHit")
        .description("A knowledge chunk a search found, with its source.")
        .field(
            value_field::<KnowledgeHit>("score", TypeRef::named_nn(TypeRef::FLOAT), |h| FieldValue::value(h.score))
                .description(
                    "Vector search: cosine similarity (1 − cosine distance). Hybrid: the reciprocal-rank-fusion score.",
                ),
        )
        .field(value_field::<KnowledgeHit>("chunk", TypeRef::named_nn("KnowledgeChunk"), |h| {
            FieldValue::owned_any(Arc::clone(&h.chunk))
        }))
        .field(value_field::<KnowledgeHit>("source", TypeRef::named_nn("KnowledgeSource"), |h| {
            FieldValue::owned_any(Arc::clone(&h.source))
        }))
}

fn search_arguments(field: Field, with_filter: bool) -> Field {
    let field = field
        .argument(
            InputValue::new("embedding", TypeRef::named_nn_list(TypeRef::FLOAT))
                .description("Query vector: 1536 finite numbers (cosine distance)."),
        )
        .argument(InputValue::new("text", TypeRef::named(TypeRef::STRING)).description(
            "Query text. Alone: embedded by the configured provider. With `embedding`: hybrid ranking \
             (reciprocal rank fusion of vector and full-text rankings).",
        ))
        .argument(InputValue::new("first", TypeRef::named(TypeRef::INT)).default_value(10))
        .argument(InputValue::new("minScore", TypeRef::named(TypeRef::FLOAT)).description("Drop hits scoring less."));
    if with_filter { field.argument(InputValue::new("filter", TypeRef::named("KnowledgeSearchFilter"))) } else { field }
}

/// `searchKnowledge`.
pub fn root_field(ctx: &Arc<SchemaContext>) -> Field {
    let schema = Arc::clone(ctx);
    let field = Field::new("searchKnowledge", TypeRef::named_nn_list_nn("KnowledgeHit"), move |ctx| {
        let schema = Arc::clone(&schema);
        FieldFuture::new(async move {
            let hits = resolve(&ctx, &schema, KnowledgeFilter::default()).await.map_err(|e| fail(&ctx, &e))?;
            Ok(Some(FieldValue::list(hits.into_iter().map(FieldValue::owned_any))))
        })
    })
    .description("Knowledge chunks nearest to a vector (or a text, or both: hybrid), best first, tenant-scoped.");
    search_arguments(field, true)
}

/// `Agent.knowledgeSearch` / `KnowledgeSource.similarChunks`: one search per parent row.
pub fn per_parent_field(ctx: &Arc<SchemaContext>, name: &str, parent: Parent) -> Field {
    let schema = Arc::clone(ctx);
    let description = match parent {
        Parent::Agent => {
            "Chunks of this agent's knowledge sources (`agent_knowledge`) nearest to the query; one search per agent."
        }
        Parent::Source => "Chunks of this source nearest to the query; one search per source.",
    };
    let field = Field::new(name, TypeRef::named_nn_list_nn("KnowledgeHit"), move |ctx| {
        let schema = Arc::clone(&schema);
        FieldFuture::new(async move {
            let row = ctx.parent_value.try_downcast_ref::<Arc<Row>>()?;
            let filter = match parent {
                Parent::Agent => KnowledgeFilter { agent: Some(row.id), ..KnowledgeFilter::default() },
                Parent::Source => KnowledgeFilter { source_ids: Some(vec![row.id]), ..KnowledgeFilter::default() },
            };
            let hits = resolve(&ctx, &schema, filter).await.map_err(|e| fail(&ctx, &e))?;
            Ok(Some(FieldValue::list(hits.into_iter().map(FieldValue::owned_any))))
        })
    })
    .description(description);
    search_arguments(field, matches!(parent, Parent::Agent))
}

/// Parses the arguments (embedding the text with the provider when there is no vector), searches,
/// and loads the hits' chunks and sources as the selection asks.
async fn resolve(
    ctx: &ResolverContext<'_>,
    schema: &SchemaContext,
    base: KnowledgeFilter,
) -> Result<Vec<KnowledgeHit>, AppError> {
    let args = ctx.args.as_index_map();
    let rc = request(ctx).map_err(|_| AppError::internal("resolver", "no request context"))?;
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
    let mut filter = base;
    if let Some(GqlValue::Object(f)) = arg(args, "filter") {
        let ids = uuid_list(f.get("sourceIds"), "filter.sourceIds")?;
        filter.source_ids = match (filter.source_ids.take(), ids) {
            (Some(a), Some(b)) => Some(a.into_iter().filter(|x| b.contains(x)).collect()),
            (a, b) => a.or(b),
        };
        filter.industry_ids = uuid_list(f.get("industryIds"), "filter.industryIds")?;
        filter.category = match f.get("category") {
            Some(GqlValue::String(s)) => Some(s.clone()),
            _ => None,
        };
    }
    let (embedding, hybrid_text) = match (embedding, text) {
        (Some(e), t) => (e, t),
        (None, Some(t)) => {
            let provider = schema.embeddings.as_ref().ok_or_else(|| {
                AppError::bad_input("text-only vector search needs an embedding provider (REGISTRY_EMBEDDING_URL)")
            })?;
            (provider.embed(&t).await?, None)
        }
        (None, None) => return Err(AppError::bad_input("give `embedding`, `text`, or both")),
    };
    let q = KnowledgeQuery { embedding, hybrid_text, first, min_score, filter };
    if q.first == 0 {
        return Ok(Vec::new());
    }
    let ranked = rank(rc, schema, &q).await?;
    let chunk_ids: Vec<Uuid> = ranked.iter().map(|h| h.0).collect();
    let mut source_ids: Vec<Uuid> = ranked.iter().map(|h| h.1).collect();
    source_ids.sort_unstable();
    source_ids.dedup();
    let (mut chunk_fields, mut source_fields) = (Vec::new(), Vec::new());
    for f in ctx.field().selection_set() {
        match f.name() {
            "chunk" => chunk_fields.extend(f.selection_set()),
            "source" => source_fields.extend(f.selection_set()),
            _ => {}
        }
    }
    let chunks = rows_by_ids(rc, schema, table(&schema.catalog, "knowledge_chunks")?, &chunk_ids, chunk_fields).await?;
    let sources =
        rows_by_ids(rc, schema, table(&schema.catalog, "knowledge_sources")?, &source_ids, source_fields).await?;
    Ok(ranked
        .into_iter()
        .filter_map(|(c, s, score)| {
            Some(KnowledgeHit { score, chunk: Arc::clone(chunks.get(&c)?), source: Arc::clone(sources.get(&s)?) })
        })
        .collect())
}

/// Runs the `set_config` and ranking statements: `(chunk id, source id, score)`, best first.
pub async fn rank(
    rc: &RequestContext,
    schema: &SchemaContext,
    q: &KnowledgeQuery,
) -> Result<Vec<(Uuid, Uuid, f64)>, AppError> {
    rc.session.query(search_settings(q)).await?;
    let sql = ranking_statement(schema, &rc.scope, q)?;
    let rows = rc.session.query(sql).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get_by_index::<Uuid>(0).context("decoding a chunk id")?,
                r.try_get_by_index::<Uuid>(1).context("decoding a source id")?,
                r.try_get_by_index::<f64>(2).context("decoding a score")?,
            ))
        })
        .collect()
}

/// The HNSW scan settings of a search (transaction-local).
pub fn search_settings(q: &KnowledgeQuery) -> Sql {
    let mut cfg = Sql::new();
    cfg.push("SELECT set_config('hnsw.ef_search', ")
        .param(Value::from(EF_SEARCH.max(candidates(q)).min(1000).to_string()));
    cfg.push(", true), set_config('hnsw.iterative_scan', 'relaxed_order', true)");
    cfg
}

/// Rows each ranking reads before fusion (hybrid) or the page size (vector).
fn candidates(q: &KnowledgeQuery) -> usize {
    if q.hybrid_text.is_some() { (q.first * 4).clamp(40, 400) } else { q.first }
}

fn limit(n: usize) -> Value {
    Value::from(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The query vector as a `real[]` parameter.
fn vector_param(embedding: &[f32]) -> Value {
    use sea_orm::sea_query::ArrayType;
    let values = embedding.iter().map(|&x| Value::Float(Some(x))).collect();
    Value::Array(ArrayType::Float, Some(Box::new(values)))
}

/// `FROM knowledge_chunks c JOIN knowledge_sources s … WHERE <scope of both> AND <filter>` (the
/// WHERE clause is opened with `where_head`).
fn chunk_source_from(
    schema: &SchemaContext,
    scope: &Scope,
    filter: &KnowledgeFilter,
    extra_from: &str,
    where_head: &str,
    sql: &mut Sql,
) -> Result<(), AppError> {
    let catalog = &schema.catalog;
    let chunks = table(catalog, "knowledge_chunks")?;
    let sources = table(catalog, "knowledge_sources")?;
    sql.push(" FROM ").ident(&chunks.name).push(" c JOIN ").ident(&sources.name).push(" s ON ");
    sql.col("s", "id").push(" = ").col("c", "source_id").push(extra_from).push(" WHERE ").push(where_head);
    scope.restrict(chunks, "c", sql);
    scope.restrict(sources, "s", sql);
    if let Some(ids) = &filter.source_ids {
        sql.push(" AND ").col("c", "source_id").push(" = ANY(").param(Value::from(ids.clone())).push(")");
    }
    if let Some(category) = &filter.category {
        sql.push(" AND ").col("s", "category").push(" = ").param(Value::from(category.clone()));
    }
    if let Some(ids) = &filter.industry_ids {
        let m = table(catalog, "knowledge_industry_mapping")?;
        sql.push(" AND EXISTS (SELECT 1 FROM ").ident(&m.name).push(" m WHERE ").col("m", "knowledge_source_id");
        sql.push(" = ").col("s", "id").push(" AND ").col("m", "industry_id").push(" = ANY(");
        sql.param(Value::from(ids.clone())).push(")");
        scope.restrict(m, "m", sql);
        sql.push(")");
    }
    if let Some(agent) = filter.agent {
        let ak = table(catalog, "agent_knowledge")?;
        sql.push(" AND EXISTS (SELECT 1 FROM ").ident(&ak.name).push(" ak WHERE ").col("ak", "knowledge_source_id");
        sql.push(" = ").col("s", "id").push(" AND ").col("ak", "agent_id").push(" = ").param(Value::from(agent));
        scope.restrict(ak, "ak", sql);
        sql.push(")");
    }
    Ok(())
}

/// The ranking statement: `(chunk id, source id, score float8)`, best first.
pub fn ranking_statement(schema: &SchemaContext, scope: &Scope, q: &KnowledgeQuery) -> Result<Sql, AppError> {
    let mut sql = Sql::new();
    sql.params.push(vector_param(&q.embedding));
    // $1 is the query vector.
    let distance = "c.\"embedding\" <=> $1::real[]::vector";
    sql.push("WITH v AS MATERIALIZED (SELECT c.\"id\" AS cid, c.\"source_id\" AS sid, ").push(distance);
    sql.push(" AS d");
    chunk_source_from(schema, scope, &q.filter, "", "c.\"embedding\" IS NOT NULL", &mut sql)?;
    sql.push(" ORDER BY ").push(distance).push(" LIMIT ").param(limit(candidates(q))).push(")");
    match &q.hybrid_text {
        None => {
            sql.push(" SELECT cid, sid, (1 - d)::float8 AS score FROM v");
            if let Some(min) = q.min_score {
                sql.push(" WHERE 1 - d >= ").param(Value::from(min));
            }
            sql.push(" ORDER BY d, cid LIMIT ").param(limit(q.first));
        }
        Some(text) => {
            sql.push(", t AS MATERIALIZED (SELECT c.\"id\" AS cid, c.\"source_id\" AS sid, ");
            sql.push("ts_rank_cd(to_tsvector('english', c.\"content\"), tq.q) AS tr");
            // The text is bound now; its placeholder goes into the FROM list below.
            sql.params.push(Value::from(text.clone()));
            let tq = sql.params.len();
            chunk_source_from(
                schema,
                scope,
                &q.filter,
                &format!(", websearch_to_tsquery('english', ${tq}) tq(q)"),
                "to_tsvector('english', c.\"content\") @@ tq.q",
                &mut sql,
            )?;
            sql.push(" ORDER BY tr DESC, c.\"id\" LIMIT ").param(limit(candidates(q))).push(")");
            sql.push(", f AS (SELECT coalesce(vr.cid, tr.cid) AS cid, coalesce(vr.sid, tr.sid) AS sid, ");
            sql.push(&format!(
                "coalesce(1.0 / ({RRF_K} + vr.r), 0) + coalesce(1.0 / ({RRF_K} + tr.r), 0) AS score FROM "
            ));
            sql.push("(SELECT cid, sid, row_number() OVER (ORDER BY d, cid) AS r FROM v) vr FULL JOIN ");
            sql.push("(SELECT cid, sid, row_number() OVER (ORDER BY tr DESC, cid) AS r FROM t) tr ON vr.cid = tr.cid)");
            sql.push(" SELECT cid, sid, score::float8 AS score FROM f");
            if let Some(min) = q.min_score {
                sql.push(" WHERE score >= ").param(Value::from(min));
            }
            sql.push(" ORDER BY score DESC, cid LIMIT ").param(limit(q.first));
        }
    }
    Ok(sql)
}
