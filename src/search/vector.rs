//! Knowledge retrieval: nearest chunks by cosine distance (HNSW), or hybrid with full text.
//!
//! A search is one statement (plus relation loads), behind the HNSW scan's settings
//! (`hnsw.ef_search`, `hnsw.iterative_scan = relaxed_order` so filtered searches still fill the page)
//! as `SET LOCAL` in the same message: each hit's chunk id, source id and score, with the columns the
//! selection asks for of its chunk and source. The nearest-chunk scan keeps
//! `ORDER BY c.embedding <=> $q LIMIT k` on the chunk table, so the planner can walk the HNSW index;
//! `relaxed_order` may return neighbours slightly out of order, so the outer query sorts by the
//! distance again.

use sea_orm::Value;

use crate::catalog::{Catalog, Table};
use crate::error::AppError;
use crate::plan::search::{KnowledgeFilter, KnowledgeVisibility};
use crate::plan::{Fetch, Filter};
use crate::sql::compile::{and_filters, select_list};
use crate::sql::sql_text::Sql;

/// A knowledge search with its query vector.
#[derive(Debug, Clone)]
pub struct KnowledgeQuery {
    pub embedding: Vec<f32>,
    /// Full text for hybrid ranking (only when the caller gave both `embedding` and `text`).
    pub hybrid_text: Option<String>,
    pub first: usize,
    pub min_score: Option<f64>,
    pub filter: KnowledgeFilter,
}

fn table<'c>(catalog: &'c Catalog, name: &str) -> Result<&'c Table, AppError> {
    catalog.table(name).ok_or_else(|| AppError::internal("search", format!("no table {name}")))
}

fn and_visible(catalog: &Catalog, t: &Table, alias: &str, visibility: Option<&Filter>, sql: &mut Sql) {
    and_filters(catalog, t, alias, &[visibility], sql);
}

/// Reciprocal rank fusion constant.
pub const RRF_K: u32 = 60;
/// `hnsw.ef_search` for searches: pgvector's default. Measured at scale 10 (19,956 chunks): recall@10
/// 1.000 over 50 perturbed queries with 40, while 100 makes the planner's HNSW cost exceed a
/// sequential scan, which then takes ~125 ms instead of ~7-18 ms (README, "Search").
const EF_SEARCH: usize = 40;

/// The HNSW scan settings of a search (transaction-local).
pub fn search_settings(q: &KnowledgeQuery) -> Vec<(&'static str, String)> {
    vec![
        ("hnsw.ef_search", EF_SEARCH.max(candidates(q)).min(1000).to_string()),
        ("hnsw.iterative_scan", "relaxed_order".to_owned()),
    ]
}

/// Rows each ranking reads before fusion (hybrid) or the page size (vector).
fn candidates(q: &KnowledgeQuery) -> usize {
    if q.hybrid_text.is_some() { (q.first * 4).clamp(40, 400) } else { q.first }
}

/// The query vector as a parameter: a `real` array, which the session sends as pgvector's binary
/// `vector` when it is the statement's [`Sql::vector_param`].
fn vector_param(embedding: &[f32]) -> Value {
    use sea_orm::sea_query::ArrayType;
    let values = embedding.iter().map(|&x| Value::Float(Some(x))).collect();
    Value::Array(ArrayType::Float, Some(Box::new(values)))
}

/// `FROM knowledge_chunks c JOIN knowledge_sources s … WHERE <scope of both> AND <filter>` (the
/// WHERE clause is opened with `where_head`).
fn chunk_source_from(
    catalog: &Catalog,
    vis: &KnowledgeVisibility,
    filter: &KnowledgeFilter,
    extra_from: &str,
    where_head: &str,
    sql: &mut Sql,
) -> Result<(), AppError> {
    let chunks = table(catalog, "knowledge_chunks")?;
    let sources = table(catalog, "knowledge_sources")?;
    sql.push(" FROM ").ident(&chunks.name).push(" c JOIN ").ident(&sources.name).push(" s ON ");
    sql.col("s", "id").push(" = ").col("c", "source_id").push(extra_from).push(" WHERE ").push(where_head);
    and_visible(catalog, chunks, "c", vis.chunks.as_ref(), sql);
    and_visible(catalog, sources, "s", vis.sources.as_ref(), sql);
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
        and_visible(catalog, m, "m", vis.industry_mapping.as_ref(), sql);
        sql.push(")");
    }
    if let Some(agent) = filter.agent {
        let ak = table(catalog, "agent_knowledge")?;
        sql.push(" AND EXISTS (SELECT 1 FROM ").ident(&ak.name).push(" ak WHERE ").col("ak", "knowledge_source_id");
        sql.push(" = ").col("s", "id").push(" AND ").col("ak", "agent_id").push(" = ").param(Value::from(agent));
        and_visible(catalog, ak, "ak", vis.agent_knowledge.as_ref(), sql);
        sql.push(")");
    }
    Ok(())
}

/// Whether a search's ranking runs with a generic plan: a vector search with no filter of its own.
///
/// PostgreSQL re-planned the ranking statement on every call (its generic plan, estimated with
/// `LIMIT $n` as a tenth of the table, looked worse than the custom plans): 0.54 ms of planning
/// per search against 0.93 ms of execution (bench/README.md, "Vector search planned once"). With
/// its limits written as literals, the generic plan is the same HNSW scan, and the query vector
/// only ever feeds the index's ordering. A filter (sources, category, industries, an agent) may
/// make another index the better way in for some values, so filtered and hybrid searches keep
/// PostgreSQL's own choice.
pub fn generic_ranking(q: &KnowledgeQuery) -> bool {
    let f = &q.filter;
    q.hybrid_text.is_none()
        && f.source_ids.is_none()
        && f.category.is_none()
        && f.industry_ids.is_none()
        && f.agent.is_none()
}

/// Appends the nearest chunks by cosine distance, at most [`candidates`], nearest first (as
/// `relaxed_order` returns them): `SELECT cid, sid, d` and then `columns` (each a table, its
/// columns and the prefix of their output names; `c` is the chunk and `s` its source), `FROM … WHERE
/// … ORDER BY distance LIMIT n`. Binds the query vector as `$1` and sets the HNSW settings.
fn push_nearest(
    catalog: &Catalog,
    vis: &KnowledgeVisibility,
    q: &KnowledgeQuery,
    columns: &[(&Table, &Fetch, &str, &str)],
    sql: &mut Sql,
) -> Result<(), AppError> {
    sql.settings = search_settings(q);
    sql.generic_plan = generic_ranking(q);
    sql.params.push(vector_param(&q.embedding));
    // $1 is the query vector, sent as pgvector's binary `vector` (`execute::bind`), so nothing
    // converts it. (As a `real[]` cast to `vector`, a generic plan converted the 1,536 floats again
    // for every row it read: bench/README.md, "Vector search in one statement".)
    sql.vector_param = Some(0);
    let distance = "c.\"embedding\" <=> $1::vector";
    sql.push("SELECT c.\"id\" AS cid, c.\"source_id\" AS sid, ").push(distance).push(" AS d");
    push_columns(columns, sql);
    chunk_source_from(catalog, vis, &q.filter, "", "c.\"embedding\" IS NOT NULL", sql)?;
    // The limit is a literal (a number of this gateway, never the caller's text), so that a generic
    // plan knows it: with `LIMIT $n` the generic plan was not the HNSW scan, and took 175 ms.
    sql.push(" ORDER BY ").push(distance).push(" LIMIT ").push(&candidates(q).to_string());
    Ok(())
}

/// Appends `, ` and the columns of each fetch that has any: (its table, the fetch, the table's
/// alias, the prefix of the output names `<prefix>0`, `<prefix>1`, …).
fn push_columns(columns: &[(&Table, &Fetch, &str, &str)], sql: &mut Sql) {
    for &(t, fetch, alias, prefix) in columns {
        if !fetch.columns.is_empty() {
            sql.push(", ");
            select_list(t, &fetch.columns, alias, prefix, sql);
        }
    }
}

/// Appends a hybrid search's ranking as common table expressions, the last one
/// `h (cid, sid, score, o)`: the page of hits, best first by `(o, cid)`. The nearest chunks and the
/// best text matches are ranked apart and fused by reciprocal rank.
fn push_ranking(
    catalog: &Catalog,
    vis: &KnowledgeVisibility,
    q: &KnowledgeQuery,
    text: &str,
    sql: &mut Sql,
) -> Result<(), AppError> {
    sql.push("WITH v AS MATERIALIZED (");
    push_nearest(catalog, vis, q, &[], sql)?;
    sql.push("), t AS MATERIALIZED (SELECT c.\"id\" AS cid, c.\"source_id\" AS sid, ");
    sql.push("ts_rank_cd(to_tsvector('english', c.\"content\"), tq.q) AS tr");
    // The text is bound now; its placeholder goes into the FROM list below.
    sql.params.push(Value::from(text.to_owned()));
    let tq = sql.params.len();
    chunk_source_from(
        catalog,
        vis,
        &q.filter,
        &format!(", websearch_to_tsquery('english', ${tq}) tq(q)"),
        "to_tsvector('english', c.\"content\") @@ tq.q",
        sql,
    )?;
    sql.push(" ORDER BY tr DESC, c.\"id\" LIMIT ").push(&candidates(q).to_string()).push(")");
    sql.push(", f AS (SELECT coalesce(vr.cid, tr.cid) AS cid, coalesce(vr.sid, tr.sid) AS sid, ");
    sql.push(&format!("coalesce(1.0 / ({RRF_K} + vr.r), 0) + coalesce(1.0 / ({RRF_K} + tr.r), 0) AS score FROM "));
    sql.push("(SELECT cid, sid, row_number() OVER (ORDER BY d, cid) AS r FROM v) vr FULL JOIN ");
    sql.push("(SELECT cid, sid, row_number() OVER (ORDER BY tr DESC, cid) AS r FROM t) tr ON vr.cid = tr.cid)");
    sql.push(", h AS (SELECT cid, sid, score::float8 AS score, -score AS o FROM f");
    if let Some(min) = q.min_score {
        sql.push(" WHERE score >= ").param(Value::from(min));
    }
    sql.push(" ORDER BY score DESC, cid LIMIT ").push(&q.first.to_string()).push(")");
    Ok(())
}

/// The search as one statement: each hit's chunk id, source id and score (`float8`), then the
/// columns of `chunk` (from column 3) and of `source` (after the chunk's), best first.
///
/// A vector search selects those columns in its scan. A hybrid ranking already keeps only chunks
/// and sources the caller may see, so its hits join their rows by primary key. One statement where
/// there were three (the ranking, then the chunks and the sources by id): each statement cost
/// PostgreSQL its own parse, bind and Sync, and the gateway a round trip (bench/README.md, "Vector
/// search in one statement").
pub fn hits_statement(
    catalog: &Catalog,
    vis: &KnowledgeVisibility,
    q: &KnowledgeQuery,
    chunk: &Fetch,
    source: &Fetch,
) -> Result<Sql, AppError> {
    let chunks = table(catalog, "knowledge_chunks")?;
    let sources = table(catalog, "knowledge_sources")?;
    let mut sql = Sql::new();
    sql.max_rows = q.first;
    let Some(text) = &q.hybrid_text else {
        // The nearest chunks carry the selected columns of their chunk and source themselves: the
        // scan reads those rows anyway, so joining them again by primary key cost PostgreSQL a
        // fifth more (bench/README.md, "Vector search without the join back").
        sql.push("SELECT v.cid, v.sid, (1 - v.d)::float8 AS score");
        for (fetch, prefix) in [(chunk, "k"), (source, "u")] {
            for i in 0..fetch.columns.len() {
                sql.push(", v.").push(prefix).push(&i.to_string());
            }
        }
        sql.push(" FROM (");
        push_nearest(catalog, vis, q, &[(chunks, chunk, "c", "k"), (sources, source, "s", "u")], &mut sql)?;
        sql.push(") v");
        if let Some(min) = q.min_score {
            sql.push(" WHERE 1 - v.d >= ").param(Value::from(min));
        }
        sql.push(" ORDER BY v.d, v.cid");
        return Ok(sql);
    };
    push_ranking(catalog, vis, q, text, &mut sql)?;
    sql.push(" SELECT h.cid, h.sid, h.score");
    push_columns(&[(chunks, chunk, "k", "k"), (sources, source, "u", "u")], &mut sql);
    sql.push(" FROM h JOIN ").ident(&chunks.name).push(" k ON ").col("k", "id").push(" = h.cid JOIN ");
    sql.ident(&sources.name).push(" u ON ").col("u", "id").push(" = h.sid ORDER BY h.o, h.cid");
    Ok(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> KnowledgeQuery {
        KnowledgeQuery {
            embedding: vec![0.5; 3],
            hybrid_text: None,
            first: 10,
            min_score: None,
            filter: KnowledgeFilter::default(),
        }
    }

    #[test]
    fn only_unfiltered_vector_rankings_run_with_a_generic_plan() {
        assert!(generic_ranking(&query()));
        assert!(generic_ranking(&KnowledgeQuery { min_score: Some(0.5), ..query() }));
        assert!(!generic_ranking(&KnowledgeQuery { hybrid_text: Some("safety".into()), ..query() }));
        let filtered = [
            KnowledgeFilter { source_ids: Some(vec![uuid::Uuid::nil()]), ..KnowledgeFilter::default() },
            KnowledgeFilter { industry_ids: Some(vec![uuid::Uuid::nil()]), ..KnowledgeFilter::default() },
            KnowledgeFilter { category: Some("policy".into()), ..KnowledgeFilter::default() },
            KnowledgeFilter { agent: Some(uuid::Uuid::nil()), ..KnowledgeFilter::default() },
        ];
        for filter in filtered {
            assert!(!generic_ranking(&KnowledgeQuery { filter, ..query() }));
        }
    }
}
