//! A mutation field's [`Write`] as SQL: one statement that writes and returns the written rows in
//! the answer's select list (so no read-back statement follows), plus, only where needed, one that
//! checks the input's references before it and one that explains a refusal after it.
//!
//! The caller's write rule and visibility arrive as filter nodes, compiled into the `WHERE` of every
//! update, delete and restore; new rows take the tenant and owner from the caller (presets); the
//! version, timestamps and author are the server's.

use sea_orm::Value;
use uuid::Uuid;

use crate::catalog::{Catalog, ColumnId, ScalarKind, Table};
use crate::plan::Filter;
use crate::plan::mutation::{Action, LinkWrite, Target, Write};
use crate::sql::compile::select_list;
use crate::sql::filter::{FilterCompiler, bind_typed};
use crate::sql::sql_text::Sql;

/// Whether `table` has an integer `version` (optimistic concurrency).
pub fn versioned(table: &Table) -> bool {
    table.column("version").is_some_and(|c| c.kind == ScalarKind::Int)
}

fn has(table: &Table, column: &str) -> bool {
    table.column(column).is_some()
}

/// Binds a column's value with the cast its type needs. A foreign key goes through
/// `registry_reference` (migration 22) with the id of the row it names as the caller sees it, so a
/// reference to a row that does not exist or is hidden fails the statement naming `path`.
fn value(catalog: &Catalog, w: &Write, column: ColumnId, v: Value, path: &str, sql: &mut Sql) {
    let table = &catalog.tables[w.table];
    let kind = &table.columns[column].kind;
    let array = matches!(kind, ScalarKind::StringList | ScalarKind::UuidList);
    match w.references.iter().find(|r| r.column == column) {
        Some(r) if !matches!(v, Value::Uuid(None)) => {
            let field = format!("{path}.{}", table.columns[column].field);
            reference(catalog, &catalog.tables[r.target], r.visibility.as_ref(), v, &field, sql);
        }
        _ => bind_typed(sql, v, kind, array),
    }
}

/// `registry_reference(<the id as the caller sees it in target>, id, path)`: the id, or the
/// statement fails naming `path` when the caller cannot see such a row.
fn reference(catalog: &Catalog, target: &Table, visibility: Option<&Filter>, id: Value, path: &str, sql: &mut Sql) {
    sql.push("registry_reference((SELECT r.\"id\" FROM ").ident(&target.name).push(" r WHERE r.\"id\" = ");
    sql.param(id.clone());
    and_filter(catalog, target, "r", visibility, sql);
    sql.push("), ").param(id).push(", ").param(Value::from(path.to_owned())).push(")");
}

/// A preset (the caller's tenant and owner): no reference check, the gateway set it.
fn preset(sql: &mut Sql, table: &Table, column: ColumnId, v: Value) {
    bind_typed(sql, v, &table.columns[column].kind, false);
}

/// The author as a value of a `user_profiles` reference: the profile's id when it exists, else NULL.
fn author(sql: &mut Sql, author: Option<Uuid>) {
    match author {
        Some(u) => {
            sql.push("(SELECT u.\"id\" FROM \"user_profiles\" u WHERE u.\"id\" = ").param(Value::from(u)).push(")");
        }
        None => {
            sql.push("NULL::uuid");
        }
    }
}

fn and_filter(catalog: &Catalog, table: &Table, alias: &str, filter: Option<&Filter>, sql: &mut Sql) {
    if let Some(f) = filter {
        sql.push(" AND ");
        FilterCompiler::new(catalog).compile(f, table, alias, sql);
    }
}

/// `SET` assignments of an update: the input's, then the server's (`updated_at`, `updated_by`,
/// `version`), and `extra` (`deleted_at`).
fn assignments(catalog: &Catalog, w: &Write, set: &[(ColumnId, Value)], extra: &str, sql: &mut Sql) {
    let table = &catalog.tables[w.table];
    let who = w.author;
    let mut first = true;
    let mut sep = |sql: &mut Sql| {
        if !first {
            sql.push(", ");
        }
        first = false;
    };
    for (c, v) in set {
        sep(sql);
        sql.ident(&table.columns[*c].name).push(" = ");
        value(catalog, w, *c, v.clone(), &w.argument, sql);
    }
    if has(table, "updated_at") {
        sep(sql);
        sql.push("\"updated_at\" = now()");
    }
    if table.column("updated_by").is_some_and(|c| c.kind == ScalarKind::Uuid) {
        sep(sql);
        sql.push("\"updated_by\" = ");
        author(sql, who);
    }
    if versioned(table) {
        sep(sql);
        sql.push("\"version\" = t.\"version\" + 1");
    }
    if !extra.is_empty() {
        sep(sql);
        sql.push(extra);
    }
}

/// The write itself, returning the written rows in the select list of `w.returning` (`c0`…), after
/// `n` (the rows a filter matched) and `refused` (how many of them the caller may not change) for
/// an update by filter.
pub fn statement(catalog: &Catalog, w: &Write) -> Sql {
    let table = &catalog.tables[w.table];
    let mut sql = Sql::new();
    let returning = |sql: &mut Sql| {
        sql.push(" RETURNING ");
        select_list(table, &w.returning.columns, "t", "c", sql);
    };
    match &w.action {
        Action::Insert { columns, rows } | Action::Upsert { columns, rows, .. } => {
            sql.push("INSERT INTO ").ident(&table.name).push(" AS t (");
            let mut names: Vec<&str> = columns.iter().map(|&c| table.columns[c].name.as_str()).collect();
            names.extend(w.presets.iter().map(|(c, _)| table.columns[*c].name.as_str()));
            let authored: Vec<&str> = ["created_by", "updated_by"]
                .into_iter()
                .filter(|n| table.column(n).is_some_and(|c| c.kind == ScalarKind::Uuid))
                .collect();
            names.extend(&authored);
            for (i, n) in names.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.ident(n);
            }
            sql.push(") VALUES ");
            for (r, row) in rows.iter().enumerate() {
                sql.push(if r > 0 { ", (" } else { "(" });
                let path = if rows.len() > 1 { format!("{}[{r}]", w.argument) } else { w.argument.clone() };
                let mut first = true;
                let mut sep = |sql: &mut Sql| {
                    if !first {
                        sql.push(", ");
                    }
                    first = false;
                };
                for (&c, v) in columns.iter().zip(row) {
                    sep(&mut sql);
                    match v {
                        Some(v) => value(catalog, w, c, v.clone(), &path, &mut sql),
                        None => {
                            sql.push("DEFAULT");
                        }
                    }
                }
                for (c, v) in &w.presets {
                    sep(&mut sql);
                    preset(&mut sql, table, *c, v.clone());
                }
                for _ in &authored {
                    sep(&mut sql);
                    author(&mut sql, w.author);
                }
                sql.push(")");
            }
            if let Action::Upsert { conflict, columns, .. } = &w.action {
                sql.push(" ON CONFLICT (").ident(&table.columns[*conflict].name).push(") DO UPDATE SET ");
                for &c in columns.iter().filter(|&&c| c != *conflict) {
                    let name = &table.columns[c].name;
                    sql.ident(name).push(" = EXCLUDED.").ident(name).push(", ");
                }
                assignments(catalog, w, &[], "", &mut sql);
                // The row holding the key must be one the caller may change.
                sql.push(" WHERE TRUE");
                and_filter(catalog, table, "t", w.visibility.as_ref(), &mut sql);
                and_filter(catalog, table, "t", w.writable.as_ref(), &mut sql);
            }
            returning(&mut sql);
        }
        Action::Update { target: Target::Id(id), set, expected_version } => {
            sql.push("UPDATE ").ident(&table.name).push(" AS t SET ");
            assignments(catalog, w, set, "", &mut sql);
            by_id(catalog, table, w, *id, *expected_version, &mut sql);
            returning(&mut sql);
        }
        Action::Update { target: Target::Filter { filter, at_most }, set, .. } => {
            // Every row the filter matches among those the caller sees, and whether it may change
            // each: the update runs only when they are at most `at_most` and all writable.
            sql.push("WITH target AS (SELECT t.\"id\", coalesce((TRUE");
            and_filter(catalog, table, "t", w.writable.as_ref(), &mut sql);
            // A NULL tenant is not in any set: unknown counts as refused.
            sql.push("), FALSE) AS w FROM ").ident(&table.name).push(" t WHERE ");
            FilterCompiler::new(catalog).compile(filter, table, "t", &mut sql);
            and_filter(catalog, table, "t", w.visibility.as_ref(), &mut sql);
            sql.push(" LIMIT ").param(Value::from(*at_most as i64 + 1)).push(" FOR UPDATE OF t), ");
            sql.push("counted AS (SELECT count(*) AS n, count(*) FILTER (WHERE NOT w) AS refused FROM target), ");
            sql.push("done AS (UPDATE ").ident(&table.name).push(" AS t SET ");
            assignments(catalog, w, set, "", &mut sql);
            sql.push(" FROM counted WHERE t.\"id\" IN (SELECT \"id\" FROM target) AND counted.n <= ");
            sql.param(Value::from(*at_most as i64)).push(" AND counted.refused = 0");
            returning(&mut sql);
            sql.push(") SELECT counted.n, counted.refused, done.* FROM counted LEFT JOIN done ON TRUE");
        }
        Action::Delete { id, expected_version, soft: true } => {
            sql.push("UPDATE ").ident(&table.name).push(" AS t SET ");
            assignments(catalog, w, &[], "\"deleted_at\" = now()", &mut sql);
            by_id(catalog, table, w, *id, *expected_version, &mut sql);
            returning(&mut sql);
        }
        Action::Delete { id, expected_version, soft: false } => {
            sql.push("DELETE FROM ").ident(&table.name).push(" AS t");
            by_id(catalog, table, w, *id, *expected_version, &mut sql);
            returning(&mut sql);
        }
        Action::Restore { id } => {
            sql.push("UPDATE ").ident(&table.name).push(" AS t SET ");
            assignments(catalog, w, &[], "\"deleted_at\" = NULL", &mut sql);
            by_id(catalog, table, w, *id, None, &mut sql);
            sql.push(" AND t.\"deleted_at\" IS NOT NULL");
            returning(&mut sql);
        }
    }
    sql
}

/// ` WHERE t.id = $id AND <visible> AND <writable> [AND t.version = $v]`.
fn by_id(catalog: &Catalog, table: &Table, w: &Write, id: Uuid, expected: Option<i32>, sql: &mut Sql) {
    sql.push(" WHERE t.\"id\" = ").param(Value::from(id));
    and_filter(catalog, table, "t", w.visibility.as_ref(), sql);
    and_filter(catalog, table, "t", w.writable.as_ref(), sql);
    if let Some(v) = expected.filter(|_| versioned(table)) {
        sql.push(" AND t.\"version\" = ").param(Value::from(v));
    }
}

/// Why a write by id changed nothing: the row as the caller sees it (deleted or not), its version,
/// whether the caller may change it (`c0` version, `c1` writable, `c2` deleted). No row: it does not
/// exist for the caller.
pub fn explain_by_id(catalog: &Catalog, w: &Write, id: Uuid) -> Sql {
    let table = &catalog.tables[w.table];
    let mut sql = Sql::new();
    sql.push("SELECT ");
    if versioned(table) {
        sql.push("t.\"version\"");
    } else {
        sql.push("NULL::int4");
    }
    sql.push(" AS c0, coalesce((TRUE");
    and_filter(catalog, table, "t", w.writable.as_ref(), &mut sql);
    sql.push("), FALSE) AS c1, ");
    if table.soft_delete {
        sql.push("t.\"deleted_at\" IS NOT NULL");
    } else {
        sql.push("FALSE");
    }
    sql.push(" AS c2 FROM ").ident(&table.name).push(" t WHERE t.\"id\" = ").param(Value::from(id));
    and_filter(catalog, table, "t", w.visible_any_state.as_ref(), &mut sql);
    sql
}

/// Removes the links from `parent` to `link.detach` (those the caller may change).
pub fn detach(catalog: &Catalog, link: &LinkWrite, parent: Uuid) -> Sql {
    let mut sql = Sql::new();
    detach_into(catalog, link, parent, &mut sql);
    sql
}

fn detach_into(catalog: &Catalog, link: &LinkWrite, parent: Uuid, sql: &mut Sql) {
    let junction = &catalog.tables[link.junction];
    sql.push("DELETE FROM ").ident(&junction.name).push(" AS t WHERE ");
    sql.col("t", &junction.columns[link.near].name).push(" = ").param(Value::from(parent));
    sql.push(" AND ").col("t", &junction.columns[link.far].name).push(" = ANY(");
    sql.param(Value::from(link.detach.clone())).push(")");
    and_filter(catalog, junction, "t", link.visibility.as_ref(), sql);
    and_filter(catalog, junction, "t", link.writable.as_ref(), sql);
    sql.push(" RETURNING t.\"id\"");
}

/// Links `parent` to every attached row (with its edge columns) and to `created` (with the edge
/// columns' defaults), in one statement. Each attached id goes through `registry_reference`, so an
/// id the caller cannot see fails the statement naming its place in the input.
///
/// With links to detach as well, both go in this one statement: the detach is a data-modifying
/// `WITH` that the first link's value waits for (`(SELECT count(*) FROM detached)`), so links are
/// removed before any is added, and re-attaching a detached row (new edge values) meets no
/// unique conflict with its old link.
pub fn attach(catalog: &Catalog, link: &LinkWrite, parent: Uuid, created: &[Uuid], path: &str) -> Sql {
    let junction = &catalog.tables[link.junction];
    let target = &catalog.tables[link.target];
    let mut sql = Sql::new();
    let detaching = !link.detach.is_empty();
    if detaching {
        sql.push("WITH detached AS (");
        detach_into(catalog, link, parent, &mut sql);
        sql.push(") ");
    }
    sql.push("INSERT INTO ").ident(&junction.name).push(" AS t (");
    sql.ident(&junction.columns[link.near].name).push(", ").ident(&junction.columns[link.far].name);
    for &c in &link.columns {
        sql.push(", ").ident(&junction.columns[c].name);
    }
    for (c, _) in &link.presets {
        sql.push(", ").ident(&junction.columns[*c].name);
    }
    sql.push(") VALUES ");
    let rows = link.attach.iter().map(|(id, edges)| (*id, Some(edges))).chain(created.iter().map(|id| (*id, None)));
    for (i, (id, edges)) in rows.enumerate() {
        sql.push(if i > 0 { ", (" } else { "(" });
        if detaching && i == 0 {
            // Waits for the detach to finish (a data-modifying WITH runs to completion once read).
            sql.push("(SELECT ").param(Value::from(parent)).push("::uuid FROM (SELECT count(*) FROM detached) d), ");
        } else {
            sql.param(Value::from(parent)).push(", ");
        }
        if edges.is_some() {
            let field = format!("{path}.attach[{i}].id");
            reference(catalog, target, link.target_visibility.as_ref(), Value::from(id), &field, &mut sql);
        } else {
            sql.param(Value::from(id));
        }
        for (k, &c) in link.columns.iter().enumerate() {
            sql.push(", ");
            match edges.and_then(|e| e[k].clone()) {
                Some(v) => {
                    let kind = &junction.columns[c].kind;
                    bind_typed(&mut sql, v, kind, matches!(kind, ScalarKind::StringList | ScalarKind::UuidList));
                }
                None => {
                    sql.push("DEFAULT");
                }
            }
        }
        for (c, v) in &link.presets {
            sql.push(", ");
            preset(&mut sql, junction, *c, v.clone());
        }
        sql.push(")");
    }
    sql.push(" RETURNING t.\"id\"");
    sql
}
