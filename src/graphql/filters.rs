//! Filter input types and their parsing.
//!
//! Each column kind has one operator input (`StringFilter`, `UUIDFilter`, `AgentStatusFilter`…);
//! each table has `<Type>Filter` with one member per column, `and`/`or`/`not`, a member per
//! belongs-to relation (a `<Target>Filter` the related row must match) and a member per list
//! relation (`<Target>ListFilter` with `some`/`none`/`every`).

use async_graphql::Value as GqlValue;
use async_graphql::dynamic::{InputObject, InputValue, ObjectAccessor, TypeRef};

use crate::catalog::{Catalog, Column, RelationKind, ScalarKind, Table};
use crate::error::AppError;
use crate::graphql::scalars::{self, type_name};
use crate::sql::filter::{CmpOp, Filter, Quantifier, like_escape};
use crate::sql::keyset::json_to_value;

/// Name of the operator input for a column kind.
pub fn operator_input_name(kind: &ScalarKind) -> Option<String> {
    Some(match kind {
        ScalarKind::Vector(_) => return None,
        ScalarKind::StringList => "StringListFilter".into(),
        ScalarKind::UuidList => "UUIDListFilter".into(),
        other => format!("{}Filter", type_name(other)),
    })
}

pub fn table_filter_name(table: &Table) -> String {
    format!("{}Filter", table.type_name)
}

pub fn list_filter_name(table: &Table) -> String {
    format!("{}ListFilter", table.type_name)
}

const COMPARISONS: [(&str, CmpOp); 6] =
    [("eq", CmpOp::Eq), ("ne", CmpOp::Ne), ("lt", CmpOp::Lt), ("lte", CmpOp::Lte), ("gt", CmpOp::Gt), ("gte", CmpOp::Gte)];

/// One operator input per column kind used in the catalog.
pub fn operator_inputs(catalog: &Catalog) -> Vec<InputObject> {
    let mut kinds: Vec<ScalarKind> = Vec::new();
    for t in &catalog.tables {
        for c in &t.columns {
            if !kinds.contains(&c.kind) {
                kinds.push(c.kind.clone());
            }
        }
    }
    kinds
        .iter()
        .filter_map(|kind| {
            let name = operator_input_name(kind)?;
            let ty = type_name(kind);
            let mut input = InputObject::new(name).description(format!("Conditions on a {ty} column; all given must hold."));
            match kind {
                ScalarKind::StringList | ScalarKind::UuidList => {
                    input = input
                        .field(InputValue::new("contains", TypeRef::named_nn_list(&ty)).description("Has all of these."))
                        .field(InputValue::new("overlaps", TypeRef::named_nn_list(&ty)).description("Has any of these."));
                }
                ScalarKind::Json => {
                    input = input
                        .field(InputValue::new("contains", TypeRef::named(scalars::JSON)).description("jsonb `@>`."))
                        .field(InputValue::new("hasKey", TypeRef::named(TypeRef::STRING)).description("Has this top-level key."));
                }
                _ => {
                    for (op, _) in COMPARISONS {
                        input = input.field(InputValue::new(op, TypeRef::named(&ty)));
                    }
                    input = input
                        .field(InputValue::new("in", TypeRef::named_nn_list(&ty)))
                        .field(InputValue::new("notIn", TypeRef::named_nn_list(&ty)));
                    if *kind == ScalarKind::String {
                        input = input
                            .field(InputValue::new("like", TypeRef::named(TypeRef::STRING)).description("SQL LIKE pattern."))
                            .field(InputValue::new("ilike", TypeRef::named(TypeRef::STRING)).description("Case-insensitive LIKE."))
                            .field(InputValue::new("startsWith", TypeRef::named(TypeRef::STRING)))
                            .field(InputValue::new("contains", TypeRef::named(TypeRef::STRING)));
                    }
                }
            }
            Some(input.field(InputValue::new("isNull", TypeRef::named(TypeRef::BOOLEAN))))
        })
        .collect()
}

/// `<Type>Filter` and `<Type>ListFilter` for `table`.
pub fn table_inputs(catalog: &Catalog, table: &Table) -> [InputObject; 2] {
    let name = table_filter_name(table);
    let mut input = InputObject::new(&name).description(format!("Conditions on {}; all given must hold.", table.type_name));
    for c in &table.columns {
        if let Some(op) = operator_input_name(&c.kind) {
            input = input.field(InputValue::new(&c.field, TypeRef::named(op)));
        }
    }
    input = input
        .field(InputValue::new("and", TypeRef::named_nn_list(&name)).description("All of these hold."))
        .field(InputValue::new("or", TypeRef::named_nn_list(&name)).description("At least one of these holds."))
        .field(InputValue::new("not", TypeRef::named(&name)).description("This does not hold."));
    for &r in &table.relations {
        let rel = &catalog.relations[r];
        let target = &catalog.tables[rel.target];
        let ty = if rel.is_list() { list_filter_name(target) } else { table_filter_name(target) };
        input = input.field(InputValue::new(&rel.field, TypeRef::named(ty)));
    }
    let list = InputObject::new(list_filter_name(table))
        .description(format!("Conditions on a list of {} rows.", table.type_name))
        .field(InputValue::new("some", TypeRef::named(&name)).description("At least one row matches."))
        .field(InputValue::new("none", TypeRef::named(&name)).description("No row matches."))
        .field(InputValue::new("every", TypeRef::named(&name)).description("Every row matches."));
    [input, list]
}

/// Parses a `<Type>Filter` argument value.
pub fn parse(catalog: &Catalog, table: &Table, value: &ObjectAccessor<'_>, path: &str, depth: usize, max_depth: usize) -> Result<Filter, AppError> {
    if depth > max_depth {
        return Err(AppError::bad_input(format!("`{path}` nests deeper than {max_depth} levels of filters")));
    }
    let mut parts = Vec::new();
    for (name, v) in value.iter() {
        let key = name.as_str();
        let here = format!("{path}.{key}");
        if v.is_null() {
            continue;
        }
        match key {
            "and" | "or" => {
                let list = v.list().map_err(|_| AppError::bad_input(format!("`{here}` must be a list")))?;
                let mut subs = Vec::new();
                for (i, item) in list.iter().enumerate() {
                    let obj = item.object().map_err(|_| AppError::bad_input(format!("`{here}[{i}]` must be an object")))?;
                    subs.push(parse(catalog, table, &obj, &format!("{here}[{i}]"), depth + 1, max_depth)?);
                }
                parts.push(if key == "and" { Filter::All(subs) } else { Filter::Any(subs) });
            }
            "not" => {
                let obj = v.object().map_err(|_| AppError::bad_input(format!("`{here}` must be an object")))?;
                parts.push(Filter::Not(Box::new(parse(catalog, table, &obj, &here, depth + 1, max_depth)?)));
            }
            _ => {
                if let Some(col_id) = table.columns.iter().position(|c| c.field == key) {
                    let obj = v.object().map_err(|_| AppError::bad_input(format!("`{here}` must be an object")))?;
                    parts.extend(parse_column(&table.columns[col_id], col_id, &obj, &here)?);
                } else if let Some(rel) = catalog.relation(table, key) {
                    let obj = v.object().map_err(|_| AppError::bad_input(format!("`{here}` must be an object")))?;
                    let target = &catalog.tables[rel.target];
                    if let RelationKind::BelongsTo { .. } = rel.kind {
                        let f = parse(catalog, target, &obj, &here, depth + 1, max_depth)?;
                        parts.push(Filter::Related { relation: rel.id, quantifier: Quantifier::Some, filter: Box::new(f) });
                    } else {
                        for (q, quantifier) in [("some", Quantifier::Some), ("none", Quantifier::None), ("every", Quantifier::Every)] {
                            if let Some(sub) = obj.get(q).filter(|s| !s.is_null()) {
                                let sub = sub.object().map_err(|_| AppError::bad_input(format!("`{here}.{q}` must be an object")))?;
                                let f = parse(catalog, target, &sub, &format!("{here}.{q}"), depth + 1, max_depth)?;
                                parts.push(Filter::Related { relation: rel.id, quantifier, filter: Box::new(f) });
                            }
                        }
                    }
                } else {
                    return Err(AppError::bad_input(format!("`{here}` is not a field of {}", table_filter_name(table))));
                }
            }
        }
    }
    Ok(if parts.len() == 1 { parts.remove(0) } else { Filter::All(parts) })
}

fn to_sql(col: &Column, v: &GqlValue, path: &str) -> Result<sea_orm::Value, AppError> {
    let json = v.clone().into_json().map_err(|_| AppError::bad_input(format!("`{path}` is not a valid {}", type_name(&col.kind))))?;
    let kind = match &col.kind {
        ScalarKind::StringList => ScalarKind::String,
        ScalarKind::UuidList => ScalarKind::Uuid,
        k => k.clone(),
    };
    let json = match (&kind, json) {
        // Decimals may come as numbers.
        (ScalarKind::Decimal, serde_json::Value::Number(n)) => serde_json::Value::String(n.to_string()),
        (_, j) => j,
    };
    json_to_value(&kind, &json).ok_or_else(|| {
        let hint = if kind == ScalarKind::Int { " (a 32-bit integer)" } else { "" };
        AppError::bad_input(format!("`{path}` is not a valid {}{hint}", type_name(&col.kind)))
    })
}

fn parse_column(col: &Column, col_id: usize, ops: &ObjectAccessor<'_>, path: &str) -> Result<Vec<Filter>, AppError> {
    let mut out = Vec::new();
    for (name, v) in ops.iter() {
        let op = name.as_str();
        let here = format!("{path}.{op}");
        if v.is_null() {
            // `eq: null` means "is null", as in most GraphQL filter dialects.
            if op == "eq" {
                out.push(Filter::IsNull { column: col_id, is_null: true });
            } else if op == "ne" {
                out.push(Filter::IsNull { column: col_id, is_null: false });
            }
            continue;
        }
        let value = v.as_value();
        match op {
            "isNull" => out.push(Filter::IsNull { column: col_id, is_null: v.boolean().unwrap_or(true) }),
            "in" | "notIn" if !matches!(col.kind, ScalarKind::StringList | ScalarKind::UuidList) => {
                let GqlValue::List(items) = value else { return Err(AppError::bad_input(format!("`{here}` must be a list"))) };
                let values = items.iter().enumerate().map(|(i, x)| to_sql(col, x, &format!("{here}[{i}]"))).collect::<Result<Vec<_>, _>>()?;
                out.push(Filter::In { column: col_id, values, negated: op == "notIn" });
            }
            "contains" | "overlaps" if matches!(col.kind, ScalarKind::StringList | ScalarKind::UuidList) => {
                let GqlValue::List(items) = value else { return Err(AppError::bad_input(format!("`{here}` must be a list"))) };
                let values = items.iter().enumerate().map(|(i, x)| to_sql(col, x, &format!("{here}[{i}]"))).collect::<Result<Vec<_>, _>>()?;
                out.push(Filter::Array { column: col_id, values, overlaps: op == "overlaps" });
            }
            "contains" if col.kind == ScalarKind::Json => {
                let json = value.clone().into_json().map_err(|_| AppError::bad_input(format!("`{here}` is not JSON")))?;
                out.push(Filter::JsonContains { column: col_id, value: json });
            }
            "hasKey" => out.push(Filter::JsonHasKey { column: col_id, key: v.string().unwrap_or_default().to_owned() }),
            "like" | "ilike" => out.push(Filter::Like { column: col_id, pattern: v.string().unwrap_or_default().to_owned(), case_insensitive: op == "ilike" }),
            "startsWith" => out.push(Filter::Like { column: col_id, pattern: format!("{}%", like_escape(v.string().unwrap_or_default())), case_insensitive: false }),
            "contains" => out.push(Filter::Like { column: col_id, pattern: format!("%{}%", like_escape(v.string().unwrap_or_default())), case_insensitive: false }),
            _ => {
                let Some((_, cmp)) = COMPARISONS.iter().find(|(n, _)| *n == op) else {
                    return Err(AppError::bad_input(format!("`{here}` is not a filter operator")));
                };
                out.push(Filter::Cmp { column: col_id, op: *cmp, value: to_sql(col, value, &here)? });
            }
        }
    }
    Ok(out)
}
