//! Ranked text search over the named registry tables (`search`).
//!
//! Rank = 10 for an exact (case-insensitive) name match + `ts_rank_cd` + the best trigram
//! similarity (the match itself is `sql/text_match.rs`). One `UNION ALL` statement ranks every
//! requested table; then each table with hits is read by id (one statement per table with hits).

use sea_orm::Value;

use crate::catalog::{Catalog, Table};
use crate::plan::Filter;
use crate::sql::compile::and_filters;
use crate::sql::sql_text::Sql;
use crate::sql::text_match::{document, matches, name_column};

/// Bonus for an exact (case-insensitive) name match, above any text or trigram score.
const EXACT_BONUS: f64 = 10.0;

/// One `UNION ALL` statement: `(table index, id, rank, snippet)`, best first.
pub fn statement(
    catalog: &Catalog,
    tables: &[&Table],
    visibility: &[Option<Filter>],
    query: &str,
    first: usize,
) -> Sql {
    let mut sql = Sql::new();
    sql.params.push(Value::from(query.to_owned()));
    sql.params.push(Value::from(i64::try_from(first).unwrap_or(i64::MAX)));
    // $1: the query, $2: the page size.
    sql.push("SELECT kind, id, rank, snippet FROM (");
    for (i, t) in tables.iter().enumerate() {
        let name = name_column(t).unwrap_or("name");
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(&format!("(SELECT {i}::int4 AS kind, t.\"id\" AS id, ((CASE WHEN lower("));
        sql.col("t", name)
            .push(&format!(") = lower($1) THEN {EXACT_BONUS} ELSE 0 END) + ts_rank_cd(to_tsvector('english', "));
        document(t, "t", &mut sql);
        sql.push("), tq.q) + greatest(similarity(").col("t", name).push(", $1), word_similarity($1, ");
        sql.col("t", name).push(")))::float8 AS rank, ts_headline('english', ");
        document(t, "t", &mut sql);
        sql.push(", tq.q, 'StartSel=<b>, StopSel=</b>, MaxWords=30, MinWords=8') AS snippet FROM ");
        sql.ident(&t.name).push(" t, websearch_to_tsquery('english', $1) tq(q) WHERE ");
        matches(t, "t", 1, &mut sql);
        and_filters(catalog, t, "t", &[visibility.get(i).and_then(Option::as_ref)], &mut sql);
        sql.push(" ORDER BY rank DESC, t.\"id\" LIMIT $2)");
    }
    sql.push(") u ORDER BY rank DESC, kind, id LIMIT $2");
    sql
}
