//! The statement shapes. One generic builder per shape serves all 106 tables:
//!
//! - [`page`]: a filtered, ordered, keyset-paginated page of a table (root lists);
//! - [`count`]: `totalCount` of a filtered table;
//! - [`by_ids`]: rows by id (single fetches and belongs-to relations, batched);
//! - [`children`]: for many parents at once, each parent's own page of a has-many or
//!   many-to-many relation, paginated in SQL with `CROSS JOIN LATERAL` (one statement per
//!   relation level, however many parents);
//! - [`child_counts`]: each parent's `totalCount` for such a relation.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::{QueryResult, Value};
use uuid::Uuid;

use crate::catalog::{Catalog, Relation, RelationKind, Table};
use crate::error::{AppError, Context};
use crate::sql::filter::{Filter, FilterCompiler};
use crate::sql::keyset::Ordering;
use crate::sql::rows::{Projection, Row, decode};
use crate::sql::sql_text::Sql;
use crate::tenant_scope::Scope;

pub use crate::plan::keyset::PageSpec;

/// Everything that shapes a list read, beside the table and the parents.
pub struct ListQuery<'a> {
    pub projection: &'a Arc<Projection>,
    pub filter: Option<&'a Filter>,
    pub ordering: &'a Ordering,
    pub page: &'a PageSpec,
}

fn where_clause(catalog: &Catalog, table: &Table, alias: &str, filter: Option<&Filter>, scope: &Scope, sql: &mut Sql) {
    scope.restrict(table, alias, sql);
    if let Some(f) = filter {
        sql.push(" AND ");
        FilterCompiler::new(catalog, scope).compile(f, table, alias, sql);
    }
}

fn page_bounds(table: &Table, alias: &str, q: &ListQuery<'_>, sql: &mut Sql) {
    if let Some(after) = &q.page.after {
        q.ordering.after(table, alias, after, false, sql);
    }
    if let Some(before) = &q.page.before {
        q.ordering.after(table, alias, before, true, sql);
    }
    q.ordering.order_by(table, alias, q.page.backward, sql);
    sql.push(" LIMIT ").param(Value::from(i64::try_from(q.page.limit + 1).unwrap_or(i64::MAX)));
}

/// A page of `table`.
pub fn page(catalog: &Catalog, table: &Table, q: &ListQuery<'_>, scope: &Scope) -> Sql {
    let mut sql = Sql::new();
    sql.push("SELECT ");
    q.projection.select_list(table, "t", "c", &mut sql);
    sql.push(" FROM ").ident(&table.name).push(" t WHERE TRUE");
    where_clause(catalog, table, "t", q.filter, scope, &mut sql);
    page_bounds(table, "t", q, &mut sql);
    sql
}

/// The number of rows of `table` the filter and scope let through.
pub fn count(catalog: &Catalog, table: &Table, filter: Option<&Filter>, scope: &Scope) -> Sql {
    let mut sql = Sql::new();
    sql.push("SELECT count(*) AS n FROM ").ident(&table.name).push(" t WHERE TRUE");
    where_clause(catalog, table, "t", filter, scope, &mut sql);
    sql
}

/// Rows of `table` with the given ids.
pub fn by_ids(table: &Table, projection: &Projection, ids: &[Uuid], scope: &Scope) -> Sql {
    let mut sql = Sql::new();
    sql.push("SELECT ");
    projection.select_list(table, "t", "c", &mut sql);
    sql.push(" FROM ")
        .ident(&table.name)
        .push(" t WHERE ")
        .col("t", "id")
        .push(" = ANY(")
        .param(Value::from(ids.to_vec()));
    sql.push(")");
    scope.restrict(table, "t", &mut sql);
    sql
}

/// `FROM … WHERE <link to parent p.pid or the parent array>` for a list relation.
fn relation_from(catalog: &Catalog, rel: &Relation, parent: &str, scope: &Scope, sql: &mut Sql) {
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
            scope.restrict(j, "j", sql);
        }
        RelationKind::BelongsTo { .. } => {}
    }
}

/// The parent column of a list relation's rows, for grouping: `t.fk` or `j.near`.
fn parent_column(catalog: &Catalog, rel: &Relation, sql: &mut Sql) {
    let target = &catalog.tables[rel.target];
    match &rel.kind {
        RelationKind::HasMany { target_fk } => {
            sql.col("t", &target.columns[*target_fk].name);
        }
        RelationKind::ManyToMany { junction, near, .. } => {
            let j = &catalog.tables[*junction];
            sql.col("j", &j.columns[*near].name);
        }
        RelationKind::BelongsTo { .. } => {}
    }
}

/// For every parent, its own page of the list relation `rel`.
pub fn children(
    catalog: &Catalog,
    rel: &Relation,
    parents: &[Uuid],
    link: Option<&Arc<Projection>>,
    q: &ListQuery<'_>,
    scope: &Scope,
) -> Sql {
    let target = &catalog.tables[rel.target];
    let mut sql = Sql::new();
    sql.push("SELECT p.pid AS parent, s.* FROM unnest(").param(Value::from(parents.to_vec()));
    sql.push("::uuid[]) AS p(pid) CROSS JOIN LATERAL (SELECT ");
    q.projection.select_list(target, "t", "c", &mut sql);
    if let (Some(link), RelationKind::ManyToMany { junction, .. }) = (link, &rel.kind) {
        sql.push(", ");
        link.select_list(&catalog.tables[*junction], "j", "l", &mut sql);
    }
    relation_from(catalog, rel, " = p.pid", scope, &mut sql);
    where_clause(catalog, target, "t", q.filter, scope, &mut sql);
    page_bounds(target, "t", q, &mut sql);
    sql.push(") s");
    sql
}

/// For every parent, the number of rows in its list relation `rel`.
pub fn child_counts(
    catalog: &Catalog,
    rel: &Relation,
    parents: &[Uuid],
    filter: Option<&Filter>,
    scope: &Scope,
) -> Sql {
    let target = &catalog.tables[rel.target];
    let mut sql = Sql::new();
    sql.push("SELECT ");
    parent_column(catalog, rel, &mut sql);
    sql.push(" AS parent, count(*) AS n");
    // The parent array is the statement's first parameter.
    sql.params.push(Value::from(parents.to_vec()));
    relation_from(catalog, rel, " = ANY($1)", scope, &mut sql);
    where_clause(catalog, target, "t", filter, scope, &mut sql);
    sql.push(" GROUP BY 1");
    sql
}

/// Decodes page rows.
pub fn decode_rows(rows: &[QueryResult], table: &Table, projection: &Arc<Projection>) -> Result<Vec<Row>, AppError> {
    rows.iter().map(|r| decode(r, table, projection, 0)).collect()
}

/// Decodes [`children`] rows in statement order: each row's parent, node and junction row.
pub fn decode_children(
    catalog: &Catalog,
    rel: &Relation,
    rows: &[QueryResult],
    projection: &Arc<Projection>,
    link: Option<&Arc<Projection>>,
) -> Result<(Vec<Uuid>, Vec<Row>, Vec<Option<Row>>), AppError> {
    let target = &catalog.tables[rel.target];
    let mut owners = Vec::with_capacity(rows.len());
    let mut nodes = Vec::with_capacity(rows.len());
    let mut links = Vec::with_capacity(rows.len());
    for r in rows {
        // `parent`, then the node's columns, then the junction's.
        owners.push(r.try_get_by_index::<Uuid>(0).context("decoding a parent id")?);
        nodes.push(decode(r, target, projection, 1)?);
        links.push(match (link, &rel.kind) {
            (Some(lp), RelationKind::ManyToMany { junction, .. }) => {
                Some(decode(r, &catalog.tables[*junction], lp, 1 + projection.columns.len())?)
            }
            _ => None,
        });
    }
    Ok((owners, nodes, links))
}

/// Decodes [`child_counts`] rows.
pub fn decode_counts(rows: &[QueryResult]) -> Result<HashMap<Uuid, i64>, AppError> {
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<Uuid>("", "parent").context("decoding a parent id")?,
                r.try_get::<i64>("", "n").context("decoding a count")?,
            ))
        })
        .collect()
}
