//! `orderBy: [<Type>OrderBy!]`: one enum per table with `<COLUMN>_ASC` / `<COLUMN>_DESC` for every
//! orderable column. Ties always break on `id`.

use async_graphql::dynamic::{Enum, EnumItem};

use crate::catalog::{Table, enum_value_name};
use crate::error::AppError;
use crate::sql::keyset::{OrderKey, Ordering};

pub fn order_enum_name(table: &Table) -> String {
    format!("{}OrderBy", table.type_name)
}

pub fn order_enum(table: &Table) -> Enum {
    let mut e = Enum::new(order_enum_name(table))
        .description(format!("Orderings of {} rows; ties break on id.", table.type_name));
    for c in table.columns.iter().filter(|c| c.kind.orderable()) {
        let base = enum_value_name(&c.name);
        e = e.item(EnumItem::new(format!("{base}_ASC"))).item(EnumItem::new(format!("{base}_DESC")));
    }
    e
}

/// Parses `orderBy` values into an ordering (default: by `id`).
pub fn parse(table: &Table, values: &[String]) -> Result<Ordering, AppError> {
    let mut keys = Vec::new();
    for v in values {
        let (base, desc) = if let Some(b) = v.strip_suffix("_DESC") {
            (b, true)
        } else if let Some(b) = v.strip_suffix("_ASC") {
            (b, false)
        } else {
            return Err(AppError::bad_input(format!("`orderBy` value {v} is not an ordering of {}", table.type_name)));
        };
        let column =
            table.columns.iter().position(|c| c.kind.orderable() && enum_value_name(&c.name) == base).ok_or_else(
                || AppError::bad_input(format!("`orderBy` value {v} is not an ordering of {}", table.type_name)),
            )?;
        if keys.iter().any(|k: &OrderKey| k.column == column) {
            return Err(AppError::bad_input(format!("`orderBy` names column {base} twice")));
        }
        keys.push(OrderKey { column, desc });
    }
    Ok(Ordering::new(table, keys))
}
