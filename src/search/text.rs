//! Ranked text search over the named registry tables (`search`), and the `search:` predicate of
//! their list fields.
//!
//! A row matches when its document (`name || ' ' || coalesce(description, '')`, the expression of
//! the tables' full-text GIN indexes) matches `websearch_to_tsquery('english', q)`, or its name is
//! trigram-similar to `q` (`name % q`, or `q <% name` for a word or prefix of the name: the
//! trigram GIN indexes of migration 18). Rank = 10 for an exact (case-insensitive) name match +
//! `ts_rank_cd` + the best trigram similarity. One `UNION ALL` statement ranks every requested
//! table; then each table with hits is read by id (one statement per table with hits).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Value as GqlValue;
use async_graphql::dynamic::{Field, FieldFuture, FieldValue, InputValue, Object, TypeRef};
use sea_orm::Value;
use uuid::Uuid;

use crate::catalog::Table;
use crate::error::{AppError, Context};
use crate::graphql::SchemaContext;
use crate::search::{SEARCH_TYPES, arg, check_text, fail, first_arg, request, rows_by_ids, table, value_field};
use crate::sql::rows::Row;
use crate::sql::sql_text::Sql;
use crate::tenant_scope::Scope;

/// Bonus for an exact (case-insensitive) name match, above any text or trigram score.
const EXACT_BONUS: f64 = 10.0;

/// One hit of `search`.
pub struct SearchHit {
    pub rank: f64,
    pub snippet: String,
    pub type_name: String,
    pub row: Arc<Row>,
}

/// The name column of a searchable table (`name`, else `title`).
pub fn name_column(table: &Table) -> Option<&'static str> {
    ["name", "title"].into_iter().find(|c| table.column(c).is_some())
}

/// Appends the document expression of `alias` (the full-text index expression).
pub fn document(table: &Table, alias: &str, sql: &mut Sql) {
    let name = name_column(table).unwrap_or("name");
    sql.push("(").col(alias, name).push(" || ' ' || coalesce(");
    if table.column("description").is_some() {
        sql.col(alias, "description");
    } else {
        sql.push("''");
    }
    sql.push(", ''))");
}

/// Appends the match predicate over `alias` for the query bound as `$q`.
fn matches(table: &Table, alias: &str, q: usize, sql: &mut Sql) {
    let name = name_column(table).unwrap_or("name");
    sql.push("(to_tsvector('english', ");
    document(table, alias, sql);
    sql.push(&format!(") @@ websearch_to_tsquery('english', ${q}) OR "));
    sql.col(alias, name).push(&format!(" % ${q} OR ${q} <% ")).col(alias, name).push(")");
}

/// The `search:` predicate of list fields: `query` matches the row's document or name.
pub fn predicate(table: &Table, alias: &str, query: &str, sql: &mut Sql) {
    sql.params.push(Value::from(query.to_owned()));
    let q = sql.params.len();
    matches(table, alias, q, sql);
}

pub fn hit_object() -> Object {
    Object::new("SearchHit")
        .description("A row `search` found.")
        .field(
            value_field::<SearchHit>("rank", TypeRef::named_nn(TypeRef::FLOAT), |h| FieldValue::value(h.rank))
                .description("10 for an exact name match + full-text rank (`ts_rank_cd`) + trigram similarity."),
        )
        .field(
            value_field::<SearchHit>("snippet", TypeRef::named_nn(TypeRef::STRING), |h| {
                FieldValue::value(h.snippet.clone())
            })
            .description("The matching text with the matched words in `<b>…</b>`."),
        )
        .field(
            value_field::<SearchHit>("typeName", TypeRef::named_nn(TypeRef::STRING), |h| {
                FieldValue::value(h.type_name.clone())
            })
            .description("The GraphQL type of `hit`."),
        )
        .field(value_field::<SearchHit>("hit", TypeRef::named_nn("SearchResult"), |h| {
            FieldValue::owned_any(Arc::clone(&h.row)).with_type(h.type_name.clone())
        }))
}

/// `search`.
pub fn root_field(ctx: &Arc<SchemaContext>) -> Field {
    let schema = Arc::clone(ctx);
    Field::new("search", TypeRef::named_nn_list_nn("SearchHit"), move |ctx| {
        let schema = Arc::clone(&schema);
        FieldFuture::new(async move {
            let args = ctx.args.as_index_map();
            let rc = request(&ctx)?;
            let run = async {
                let query = match arg(args, "query") {
                    Some(GqlValue::String(s)) => s.clone(),
                    _ => return Err(AppError::bad_input("`query` must be a string")),
                };
                check_text(&query, "query")?;
                let first = first_arg(args, 20, &schema)?;
                let mut tables: Vec<&Table> = Vec::new();
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
                    _ => None,
                };
                for (ty, name) in SEARCH_TYPES {
                    if wanted.as_ref().is_none_or(|w| w.is_empty() || w.iter().any(|x| x == ty)) {
                        tables.push(table(&schema.catalog, name)?);
                    }
                }
                if first == 0 || tables.is_empty() {
                    return Ok(Vec::new());
                }
                let rows = rc.session.query(statement(&tables, &rc.scope, &query, first)).await?;
                let mut ranked: Vec<(usize, Uuid, f64, String)> = Vec::with_capacity(rows.len());
                for r in &rows {
                    ranked.push((
                        usize::try_from(r.try_get_by_index::<i32>(0).context("decoding a hit's table")?)
                            .unwrap_or_default(),
                        r.try_get_by_index::<Uuid>(1).context("decoding a hit's id")?,
                        r.try_get_by_index::<f64>(2).context("decoding a rank")?,
                        r.try_get_by_index::<Option<String>>(3).context("decoding a snippet")?.unwrap_or_default(),
                    ));
                }
                let mut hit_fields = Vec::new();
                for f in ctx.field().selection_set() {
                    if f.name() == "hit" {
                        hit_fields.extend(f.selection_set());
                    }
                }
                let mut loaded: HashMap<usize, HashMap<Uuid, Arc<Row>>> = HashMap::new();
                for (i, t) in tables.iter().enumerate() {
                    let ids: Vec<Uuid> = ranked.iter().filter(|h| h.0 == i).map(|h| h.1).collect();
                    if !ids.is_empty() {
                        loaded.insert(i, rows_by_ids(rc, &schema, t, &ids, hit_fields.clone()).await?);
                    }
                }
                Ok(ranked
                    .into_iter()
                    .filter_map(|(i, id, rank, snippet)| {
                        let row = Arc::clone(loaded.get(&i)?.get(&id)?);
                        Some(SearchHit { rank, snippet, type_name: tables[i].type_name.clone(), row })
                    })
                    .collect::<Vec<_>>())
            };
            let hits = run.await.map_err(|e| fail(&ctx, &e))?;
            Ok(Some(FieldValue::list(hits.into_iter().map(FieldValue::owned_any))))
        })
    })
    .argument(
        InputValue::new("query", TypeRef::named_nn(TypeRef::STRING))
            .description("Words (web search syntax), a misspelt name or a name prefix; at most 10 KB."),
    )
    .argument(
        InputValue::new("types", TypeRef::named_nn_list("SearchType"))
            .description("Tables to search; all when omitted."),
    )
    .argument(InputValue::new("first", TypeRef::named(TypeRef::INT)).default_value(20))
    .description("Registry rows whose name or description match `query`, best first; exact name matches rank first.")
}

/// One `UNION ALL` statement: `(table index, id, rank, snippet)`, best first.
pub fn statement(tables: &[&Table], scope: &Scope, query: &str, first: usize) -> Sql {
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
        scope.restrict(t, "t", &mut sql);
        sql.push(" ORDER BY rank DESC, t.\"id\" LIMIT $2)");
    }
    sql.push(") u ORDER BY rank DESC, kind, id LIMIT $2");
    sql
}
