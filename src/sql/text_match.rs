//! The text match of the `search:` argument and of `search`: a row matches when its document
//! (`name || ' ' || coalesce(description, '')`, the expression of the tables' full-text GIN
//! indexes) matches `websearch_to_tsquery('english', q)`, or its name is trigram-similar to `q`
//! (`name % q`, or `q <% name` for a word or prefix of the name: the trigram GIN indexes of
//! migration 18).

use sea_orm::Value;

use crate::catalog::Table;
use crate::sql::sql_text::Sql;

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
pub fn matches(table: &Table, alias: &str, q: usize, sql: &mut Sql) {
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
