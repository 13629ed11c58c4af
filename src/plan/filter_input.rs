//! `filter:` argument values (already validated against the `<Type>Filter` input types) parsed
//! into the plan's [`Filter`] tree, with paths in every error message.

use async_graphql::Name;
use async_graphql::Value as GqlValue;
use indexmap::IndexMap;

use crate::catalog::names::{filter_input as table_filter_name, scalar as type_name};
use crate::catalog::{Catalog, Column, RelationKind, ScalarKind, Table};
use crate::error::AppError;
use crate::plan::filter::{COMPARISONS, Filter, Quantifier, like_escape};
use crate::plan::keyset::json_to_value;

/// Parses a `<Type>Filter` argument value.
pub fn parse(
    catalog: &Catalog,
    table: &Table,
    value: &IndexMap<Name, GqlValue>,
    path: &str,
    depth: usize,
    max_depth: usize,
) -> Result<Filter, AppError> {
    if depth > max_depth {
        return Err(AppError::bad_input(format!("`{path}` nests deeper than {max_depth} levels of filters")));
    }
    let object = |v: &'_ GqlValue, here: &str| -> Result<IndexMap<Name, GqlValue>, AppError> {
        match v {
            GqlValue::Object(o) => Ok(o.clone()),
            _ => Err(AppError::bad_input(format!("`{here}` must be an object"))),
        }
    };
    let mut parts = Vec::new();
    for (name, v) in value {
        let key = name.as_str();
        let here = format!("{path}.{key}");
        if matches!(v, GqlValue::Null) {
            continue;
        }
        match key {
            "and" | "or" => {
                let items = match v {
                    GqlValue::List(items) => items.clone(),
                    // A single object where a list is expected is a list of one (GraphQL input coercion).
                    GqlValue::Object(_) => vec![v.clone()],
                    _ => return Err(AppError::bad_input(format!("`{here}` must be a list"))),
                };
                let mut subs = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let obj = object(item, &format!("{here}[{i}]"))?;
                    subs.push(parse(catalog, table, &obj, &format!("{here}[{i}]"), depth + 1, max_depth)?);
                }
                parts.push(if key == "and" { Filter::All(subs) } else { Filter::Any(subs) });
            }
            "not" => {
                let obj = object(v, &here)?;
                parts.push(Filter::Not(Box::new(parse(catalog, table, &obj, &here, depth + 1, max_depth)?)));
            }
            _ => {
                if let Some(col_id) = table.columns.iter().position(|c| c.field == key) {
                    let obj = object(v, &here)?;
                    parts.extend(parse_column(&table.columns[col_id], col_id, &obj, &here)?);
                } else if let Some(rel) = catalog.relation(table, key) {
                    let obj = object(v, &here)?;
                    let target = &catalog.tables[rel.target];
                    if let RelationKind::BelongsTo { .. } = rel.kind {
                        let f = parse(catalog, target, &obj, &here, depth + 1, max_depth)?;
                        parts.push(Filter::Related {
                            relation: rel.id,
                            quantifier: Quantifier::Some,
                            filter: Box::new(f),
                            visibility: None,
                            junction_visibility: None,
                        });
                    } else {
                        for (q, quantifier) in
                            [("some", Quantifier::Some), ("none", Quantifier::None), ("every", Quantifier::Every)]
                        {
                            if let Some(sub) = obj.get(q).filter(|s| !matches!(s, GqlValue::Null)) {
                                let sub = object(sub, &format!("{here}.{q}"))?;
                                let f = parse(catalog, target, &sub, &format!("{here}.{q}"), depth + 1, max_depth)?;
                                parts.push(Filter::Related {
                                    relation: rel.id,
                                    quantifier,
                                    filter: Box::new(f),
                                    visibility: None,
                                    junction_visibility: None,
                                });
                            }
                        }
                    }
                } else {
                    return Err(AppError::bad_input(format!(
                        "`{here}` is not a field of {}",
                        table_filter_name(table)
                    )));
                }
            }
        }
    }
    Ok(if parts.len() == 1 { parts.remove(0) } else { Filter::All(parts) })
}

fn to_sql(col: &Column, v: &GqlValue, path: &str) -> Result<sea_orm::Value, AppError> {
    let json = v
        .clone()
        .into_json()
        .map_err(|_| AppError::bad_input(format!("`{path}` is not a valid {}", type_name(&col.kind))))?;
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

fn string_of<'v>(v: &'v GqlValue, here: &str) -> Result<&'v str, AppError> {
    match v {
        GqlValue::String(s) => Ok(s),
        _ => Err(AppError::bad_input(format!("`{here}` must be a string"))),
    }
}

fn list_of<'v>(v: &'v GqlValue, here: &str) -> Result<Vec<&'v GqlValue>, AppError> {
    match v {
        GqlValue::List(items) => Ok(items.iter().collect()),
        GqlValue::Null => Err(AppError::bad_input(format!("`{here}` must be a list"))),
        // A single value where a list is expected is a list of one (GraphQL input coercion).
        single => Ok(vec![single]),
    }
}

fn parse_column(
    col: &Column,
    col_id: usize,
    ops: &IndexMap<Name, GqlValue>,
    path: &str,
) -> Result<Vec<Filter>, AppError> {
    let mut out = Vec::new();
    for (name, value) in ops {
        let op = name.as_str();
        let here = format!("{path}.{op}");
        if matches!(value, GqlValue::Null) {
            // `eq: null` means "is null", as in most GraphQL filter dialects.
            if op == "eq" {
                out.push(Filter::IsNull { column: col_id, is_null: true });
            } else if op == "ne" {
                out.push(Filter::IsNull { column: col_id, is_null: false });
            }
            continue;
        }
        let is_list_column = matches!(col.kind, ScalarKind::StringList | ScalarKind::UuidList);
        match op {
            "isNull" => {
                out.push(Filter::IsNull { column: col_id, is_null: !matches!(value, GqlValue::Boolean(false)) });
            }
            "in" | "notIn" if !is_list_column => {
                let values = list_of(value, &here)?
                    .into_iter()
                    .enumerate()
                    .map(|(i, x)| to_sql(col, x, &format!("{here}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                out.push(Filter::In { column: col_id, values, negated: op == "notIn" });
            }
            "contains" | "overlaps" if is_list_column => {
                let values = list_of(value, &here)?
                    .into_iter()
                    .enumerate()
                    .map(|(i, x)| to_sql(col, x, &format!("{here}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                out.push(Filter::Array { column: col_id, values, overlaps: op == "overlaps" });
            }
            "contains" if col.kind == ScalarKind::Json => {
                let json =
                    value.clone().into_json().map_err(|_| AppError::bad_input(format!("`{here}` is not JSON")))?;
                out.push(Filter::JsonContains { column: col_id, value: json });
            }
            "hasKey" => out.push(Filter::JsonHasKey { column: col_id, key: string_of(value, &here)?.to_owned() }),
            "like" | "ilike" => out.push(Filter::Like {
                column: col_id,
                pattern: string_of(value, &here)?.to_owned(),
                case_insensitive: op == "ilike",
            }),
            "startsWith" => out.push(Filter::Like {
                column: col_id,
                pattern: format!("{}%", like_escape(string_of(value, &here)?)),
                case_insensitive: false,
            }),
            "contains" => out.push(Filter::Like {
                column: col_id,
                pattern: format!("%{}%", like_escape(string_of(value, &here)?)),
                case_insensitive: false,
            }),
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
