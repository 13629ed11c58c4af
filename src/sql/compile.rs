//! The plan's fetches as SQL: one generic statement per shape, for every table.
//!
//! - [`page`]: a filtered, ordered, keyset-paginated page of a table (root lists);
//! - [`count`]: `totalCount` of a filtered table;
//! - [`by_ids`]: rows by id (single fetches and belongs-to relations, batched);
//! - [`by_key`]: a row by a natural key;
//! - [`children`]: for many parents at once, each parent's own page of a has-many or many-to-many
//!   relation, paginated in SQL with `CROSS JOIN LATERAL` (one statement per relation level);
//! - [`child_counts`]: each parent's `totalCount` for such a relation;
//! - aggregates and groups of a list, at the root or per parent: [`crate::sql::aggregate`].
//!
//! Visibility arrives as filter nodes of the plan; values are always bound parameters.

use sea_orm::Value;
use uuid::Uuid;

use crate::catalog::{Catalog, ColumnId, RelationKind, ScalarKind, Table};
use crate::plan::{Fetch, Filter, ListFetch};
use crate::sql::filter::FilterCompiler;
use crate::sql::sql_text::Sql;

/// Appends the select list `alias."col"` (with the casts decoding needs), aliased `{prefix}{i}`.
pub fn select_list(table: &Table, columns: &[ColumnId], alias: &str, prefix: &str, sql: &mut Sql) {
    for (i, &c) in columns.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        let col = &table.columns[c];
        sql.col(alias, &col.name);
        match col.kind {
            ScalarKind::Enum(_) | ScalarKind::Decimal => {
                sql.push("::text");
            }
            ScalarKind::Vector(_) => {
                sql.push("::real[]");
            }
            // smallint columns decode as i32 too
            ScalarKind::Int => {
                sql.push("::int4");
            }
            _ => {}
        }
        sql.push(" AS ").push(prefix).push(&i.to_string());
    }
}

/// Appends ` AND <filter>` for each filter given.
pub fn and_filters(catalog: &Catalog, table: &Table, alias: &str, filters: &[Option<&Filter>], sql: &mut Sql) {
    for f in filters.iter().flatten() {
        sql.push(" AND ");
        FilterCompiler::new(catalog).compile(f, table, alias, sql);
    }
}

fn page_bounds(table: &Table, alias: &str, f: &ListFetch, sql: &mut Sql) {
    if let Some(after) = &f.page.after {
        f.ordering.after(table, alias, after, false, sql);
    }
    if let Some(before) = &f.page.before {
        f.ordering.after(table, alias, before, true, sql);
    }
    f.ordering.order_by(table, alias, f.page.backward, sql);
    sql.push(" LIMIT ").param(Value::from(i64::try_from(f.page.limit + 1).unwrap_or(i64::MAX)));
}

/// A page of the list's table.
pub fn page(catalog: &Catalog, f: &ListFetch) -> Sql {
    let table = &catalog.tables[f.node.table];
    let mut sql = Sql::new();
    sql.push("SELECT ");
    select_list(table, &f.node.columns, "t", "c", &mut sql);
    sql.push(" FROM ").ident(&table.name).push(" t WHERE TRUE");
    and_filters(catalog, table, "t", &[f.visibility.as_ref(), f.filter.as_ref()], &mut sql);
    page_bounds(table, "t", f, &mut sql);
    sql.max_rows = f.page.limit.saturating_add(1);
    sql
}

/// The number of rows the list's filter and visibility let through.
pub fn count(catalog: &Catalog, f: &ListFetch) -> Sql {
    let table = &catalog.tables[f.node.table];
    let mut sql = Sql::new();
    sql.push("SELECT count(*) AS n FROM ").ident(&table.name).push(" t WHERE TRUE");
    and_filters(catalog, table, "t", &[f.visibility.as_ref(), f.filter.as_ref()], &mut sql);
    sql
}

/// `SELECT <the fetch's columns> FROM <its table> t WHERE t.<column> <compare><value><close>`, and
/// the caller's visibility: the statements that read rows by a key.
fn rows_by(
    catalog: &Catalog,
    fetch: &Fetch,
    column: &str,
    (compare, value, close): (&str, Value, &str),
    visibility: Option<&Filter>,
) -> Sql {
    let table = &catalog.tables[fetch.table];
    let mut sql = Sql::new();
    sql.push("SELECT ");
    select_list(table, &fetch.columns, "t", "c", &mut sql);
    sql.push(" FROM ").ident(&table.name).push(" t WHERE ").col("t", column).push(compare);
    sql.param(value).push(close);
    and_filters(catalog, table, "t", &[visibility], &mut sql);
    sql
}

/// Rows of the fetch's table with the given ids.
pub fn by_ids(catalog: &Catalog, fetch: &Fetch, ids: &[Uuid], visibility: Option<&Filter>) -> Sql {
    let mut sql = rows_by(catalog, fetch, "id", (" = ANY(", Value::from(ids.to_vec()), ")"), visibility);
    sql.max_rows = ids.len();
    sql
}

/// The row of the fetch's table with the given id: `id = $1`, not a one-element `= ANY($1)`. It runs
/// with a generic plan: its best plan does not depend on the id, and PostgreSQL's automatic choice
/// re-planned it on every execution (bench/README.md, "Plan cache"). PostgreSQL's generic plan for
/// `= ANY($1)` guesses ten ids and reads them through a bitmap scan; for `= $1` it is the primary
/// key's index scan (bench/README.md, "By id as an index scan").
pub fn by_id(catalog: &Catalog, fetch: &Fetch, id: Uuid, visibility: Option<&Filter>) -> Sql {
    let mut sql = rows_by(catalog, fetch, "id", (" = ", Value::from(id), ""), visibility);
    sql.max_rows = 1;
    sql.generic_plan = true;
    sql
}

/// The row of the fetch's table whose unique `column` is `value` (at most two rows are read).
pub fn by_key(catalog: &Catalog, fetch: &Fetch, column: ColumnId, value: &str, visibility: Option<&Filter>) -> Sql {
    let name = &catalog.tables[fetch.table].columns[column].name;
    let mut sql = rows_by(catalog, fetch, name, (" = ", Value::from(value.to_owned()), ""), visibility);
    sql.push(" ORDER BY ").col("t", "id").push(" LIMIT 2");
    sql.max_rows = 2;
    sql
}

/// `FROM … WHERE <link to the parent>` of a list relation (`parent` completes the comparison).
pub(crate) fn relation_from(catalog: &Catalog, f: &ListFetch, parent: &str, sql: &mut Sql) {
    let Some(rel) = f.relation.map(|r| &catalog.relations[r]) else { return };
    let target = &catalog.tables[rel.target];
    match &rel.kind {
        RelationKind::HasMany { target_fk } => {
            sql.push(" FROM ").ident(&target.name).push(" t WHERE ").col("t", &target.columns[*target_fk].name);
            sql.push(parent);
        }
        RelationKind::ManyToMany { junction, near, far } => {
            let j = &catalog.tables[*junction];
            sql.push(" FROM ").ident(&j.name).push(" j JOIN ").ident(&target.name).push(" t ON ").col("t", "id");
            sql.push(" = ").col("j", &j.columns[*far].name).push(" WHERE ").col("j", &j.columns[*near].name);
            sql.push(parent);
            and_filters(catalog, j, "j", &[f.junction_visibility.as_ref()], sql);
        }
        RelationKind::BelongsTo { .. } => {}
    }
}

/// For every parent, its own page of the list relation.
pub fn children(catalog: &Catalog, f: &ListFetch, parents: &[Uuid]) -> Sql {
    let target = &catalog.tables[f.node.table];
    let mut sql = Sql::new();
    sql.push("SELECT p.pid AS parent, s.* FROM unnest(").param(Value::from(parents.to_vec()));
    sql.push("::uuid[]) AS p(pid) CROSS JOIN LATERAL (SELECT ");
    select_list(target, &f.node.columns, "t", "c", &mut sql);
    if let Some(link) = &f.link {
        sql.push(", ");
        select_list(&catalog.tables[link.table], &link.columns, "j", "l", &mut sql);
    }
    relation_from(catalog, f, " = p.pid", &mut sql);
    and_filters(catalog, target, "t", &[f.visibility.as_ref(), f.filter.as_ref()], &mut sql);
    page_bounds(target, "t", f, &mut sql);
    sql.push(") s");
    sql.max_rows = parents.len().saturating_mul(f.page.limit.saturating_add(1));
    sql
}

/// The column of a list relation's rows (`t`, or the junction `j`) that holds the parent's id.
pub(crate) fn parent_column(catalog: &Catalog, rel: &crate::catalog::Relation, sql: &mut Sql) {
    match &rel.kind {
        RelationKind::HasMany { target_fk } => {
            sql.col("t", &catalog.tables[rel.target].columns[*target_fk].name);
        }
        RelationKind::ManyToMany { junction, near, .. } => {
            sql.col("j", &catalog.tables[*junction].columns[*near].name);
        }
        RelationKind::BelongsTo { .. } => {}
    }
}

/// For every parent, the number of rows in its list relation.
pub fn child_counts(catalog: &Catalog, f: &ListFetch, parents: &[Uuid]) -> Sql {
    let target = &catalog.tables[f.node.table];
    let Some(rel) = f.relation.map(|r| &catalog.relations[r]) else { return count(catalog, f) };
    let mut sql = Sql::new();
    sql.push("SELECT ");
    parent_column(catalog, rel, &mut sql);
    sql.push(" AS parent, count(*) AS n");
    // The parent array is the statement's first parameter.
    sql.params.push(Value::from(parents.to_vec()));
    relation_from(catalog, f, " = ANY($1)", &mut sql);
    and_filters(catalog, target, "t", &[f.visibility.as_ref(), f.filter.as_ref()], &mut sql);
    sql.push(" GROUP BY 1");
    sql
}
