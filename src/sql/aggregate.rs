//! Aggregates and groups of a list as SQL: one statement per `aggregate` / `groups` field and
//! level, for every parent at once.
//!
//! The rows aggregated are exactly the rows the list would page through: the same `FROM` (the
//! table, or a relation's rows for each parent), the same visibility filter nodes and the same
//! `filter:` / `search:`, only not paged. Row layout of every statement:
//! `[parent] [group keys k0…] [values a0…]`, `parent` only per parent, keys only for groups.
//!
//! - a root `aggregate`: one row;
//! - a per-parent `aggregate`: one row per parent that has rows (`GROUP BY parent`);
//! - root `groups`: `GROUP BY` the keys, ordered and paged with `LIMIT`/`OFFSET` (one extra row
//!   says whether a next page exists);
//! - per-parent `groups`: the same inside `CROSS JOIN LATERAL`, so each parent gets its own page.

use sea_orm::Value;
use uuid::Uuid;

use crate::catalog::{Catalog, ScalarKind, Table};
use crate::plan::ListFetch;
use crate::plan::aggregate::{AggFn, AggregateFetch, GroupFetch, GroupOrderBy, Measure};
use crate::sql::compile::{and_filters, parent_column, relation_from, select_list};
use crate::sql::sql_text::Sql;

/// Appends the aggregate expression of `m` over alias `t`; `decode` adds the cast the writer
/// decodes (left out where the expression orders groups, so numbers order as numbers).
fn measure(table: &Table, m: Measure, decode: bool, sql: &mut Sql) {
    let Some(c) = m.column else {
        sql.push("count(*)");
        return;
    };
    let col = &table.columns[c];
    sql.push(match m.func {
        AggFn::Count => "count(",
        AggFn::CountDistinct => "count(DISTINCT ",
        AggFn::Sum => "sum(",
        AggFn::Avg => "avg(",
        AggFn::Min => "min(",
        AggFn::Max => "max(",
    });
    sql.col("t", &col.name).push(")");
    if !decode {
        return;
    }
    let cast = match (m.func, &col.kind) {
        (AggFn::Count | AggFn::CountDistinct, _) => "",
        (AggFn::Avg, _) | (_, ScalarKind::Float) => "::float8",
        (AggFn::Sum, ScalarKind::Int) => "::int8",
        (AggFn::Sum, _) | (_, ScalarKind::Decimal) => "::text",
        (_, ScalarKind::Int) => "::int4",
        _ => "",
    };
    sql.push(cast);
}

/// `k0…, a0…` (keys only for groups).
fn select_values(table: &Table, agg: &AggregateFetch, sql: &mut Sql) {
    if let Some(g) = &agg.groups {
        select_list(table, &g.by, "t", "k", sql);
    }
    for (i, &m) in agg.measures.iter().enumerate() {
        if i > 0 || agg.groups.is_some() {
            sql.push(", ");
        }
        measure(table, m, true, sql);
        sql.push(" AS a").push(&i.to_string());
    }
    if agg.measures.is_empty() && agg.groups.is_none() {
        // Nothing selected but `__typename`: still one well-formed row.
        sql.push("count(*) AS a0");
    }
}

/// ` GROUP BY … ORDER BY … LIMIT … OFFSET …`.
fn group_tail(table: &Table, g: &GroupFetch, sql: &mut Sql) {
    sql.push(" GROUP BY ");
    for (i, &c) in g.by.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.col("t", &table.columns[c].name);
    }
    sql.push(" ORDER BY ");
    for (i, o) in g.order.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        match o.by {
            GroupOrderBy::Key(k) => {
                sql.col("t", &table.columns[g.by[k]].name);
            }
            GroupOrderBy::Measure(m) => measure(table, m, false, sql),
        }
        sql.push(if o.desc { " DESC" } else { " ASC" });
    }
    sql.push(" LIMIT ").param(Value::from(i64::try_from(g.limit + 1).unwrap_or(i64::MAX)));
    sql.push(" OFFSET ").param(Value::from(i64::try_from(g.offset).unwrap_or(i64::MAX)));
}

/// The statement of `agg` over `list`'s rows: at the root, or per parent when the list is a
/// relation and `parents` are given.
pub fn statement(catalog: &Catalog, list: &ListFetch, agg: &AggregateFetch, parents: Option<&[Uuid]>) -> Sql {
    let table = &catalog.tables[list.node.table];
    let filters = [list.visibility.as_ref(), list.filter.as_ref()];
    let mut sql = Sql::new();
    let relation = list.relation.map(|r| &catalog.relations[r]);
    match (relation, parents, &agg.groups) {
        (Some(rel), Some(parents), None) => {
            sql.push("SELECT ");
            parent_column(catalog, rel, &mut sql);
            sql.push(" AS parent, ");
            select_values(table, agg, &mut sql);
            // The parent array is the statement's first parameter.
            sql.params.push(Value::from(parents.to_vec()));
            relation_from(catalog, list, " = ANY($1)", &mut sql);
            and_filters(catalog, table, "t", &filters, &mut sql);
            sql.push(" GROUP BY 1");
        }
        (Some(_), Some(parents), Some(g)) => {
            sql.push("SELECT p.pid AS parent, s.* FROM unnest(").param(Value::from(parents.to_vec()));
            sql.push("::uuid[]) AS p(pid) CROSS JOIN LATERAL (SELECT ");
            select_values(table, agg, &mut sql);
            relation_from(catalog, list, " = p.pid", &mut sql);
            and_filters(catalog, table, "t", &filters, &mut sql);
            group_tail(table, g, &mut sql);
            sql.push(") s");
        }
        _ => {
            sql.push("SELECT ");
            select_values(table, agg, &mut sql);
            sql.push(" FROM ").ident(&table.name).push(" t WHERE TRUE");
            and_filters(catalog, table, "t", &filters, &mut sql);
            if let Some(g) = &agg.groups {
                group_tail(table, g, &mut sql);
            }
        }
    }
    sql
}
