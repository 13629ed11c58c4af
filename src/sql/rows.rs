//! Rows as the GraphQL layer sees them: values already converted to GraphQL values, aligned with a
//! [`Projection`] (the columns a statement selected).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_graphql::{Name, Value as GqlValue};
use chrono::{DateTime, FixedOffset, NaiveDate};
use sea_orm::QueryResult;
use uuid::Uuid;

use crate::catalog::{ColumnId, ScalarKind, Table, enum_value_name};
use crate::error::AppError;
use crate::sql::keyset::Ordering;
use crate::sql::sql_text::Sql;

/// The columns one statement selects from one table, in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Projection {
    pub table: usize,
    pub columns: Vec<ColumnId>,
    /// Whether `columns[0]` is the table's `id` (always, for tables that have one).
    pub id_first: bool,
}

impl Projection {
    /// Always includes `id`; keeps the order given, without duplicates.
    pub fn new(table: &Table, wanted: impl IntoIterator<Item = ColumnId>) -> Self {
        let mut columns = Vec::new();
        let id_first = if let Some(id) = table.col_id("id") {
            columns.push(id);
            true
        } else {
            false
        };
        for c in wanted {
            if !columns.contains(&c) {
                columns.push(c);
            }
        }
        Self { table: table.id, columns, id_first }
    }

    pub fn position(&self, column: ColumnId) -> Option<usize> {
        self.columns.iter().position(|&c| c == column)
    }

    /// Appends the select list `alias."col"` (with the casts decoding needs), each aliased
    /// `{prefix}{i}`.
    pub fn select_list(&self, table: &Table, alias: &str, prefix: &str, sql: &mut Sql) {
        for (i, &c) in self.columns.iter().enumerate() {
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
            sql.push(&format!(" AS {prefix}{i}"));
        }
    }
}

/// One row of one table, with the relations loaded for it (by response key).
#[derive(Debug, Clone)]
pub struct Row {
    pub projection: Arc<Projection>,
    pub id: Uuid,
    pub values: Vec<GqlValue>,
    pub related: HashMap<Arc<str>, Related>,
}

/// A relation loaded for one row.
#[derive(Debug, Clone)]
pub enum Related {
    One(Option<Arc<Row>>),
    Many(Arc<ChildPage>),
}

/// One parent's page of a list relation.
#[derive(Debug)]
pub struct ChildPage {
    pub edges: Vec<EdgeRow>,
    pub has_next: bool,
    pub has_previous: bool,
    pub total: Option<i64>,
    /// The table of the nodes and their ordering (for cursors).
    pub table: usize,
    pub ordering: Arc<Ordering>,
}

impl Row {
    pub fn get(&self, column: ColumnId) -> Option<&GqlValue> {
        self.projection.position(column).map(|p| &self.values[p])
    }

    /// The uuid in `column` (a foreign key), if selected and not null.
    pub fn uuid(&self, column: ColumnId) -> Option<Uuid> {
        match self.get(column) {
            Some(GqlValue::String(s)) => Uuid::parse_str(s).ok(),
            _ => None,
        }
    }
}

/// Decodes the columns `{prefix}0..` of `row` per `projection`.
/// Decodes the projection's columns, which the statement selected at positions `first..`.
pub fn decode(row: &QueryResult, table: &Table, projection: &Arc<Projection>, first: usize) -> Result<Row, AppError> {
    let mut values = Vec::with_capacity(projection.columns.len());
    let mut id = Uuid::nil();
    for (i, &c) in projection.columns.iter().enumerate() {
        let col = &table.columns[c];
        if i == 0 && projection.id_first {
            id = row.try_get_by_index::<Uuid>(first).with_context(|| format!("decoding {}.id", table.name))?;
            values.push(GqlValue::String(id.to_string()));
            continue;
        }
        let v =
            decode_value(row, first + i, &col.kind).with_context(|| format!("decoding {}.{}", table.name, col.name))?;
        values.push(v);
    }
    Ok(Row { projection: Arc::clone(projection), id, values, related: HashMap::new() })
}

/// The GraphQL name of an enum label, interned: one hash lookup instead of three allocations per
/// value decoded.
fn enum_name(label: &str) -> Name {
    static NAMES: OnceLock<HashMap<&'static str, Name>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        entity::ENUMS
            .iter()
            .flat_map(|(_, labels)| labels.iter())
            .map(|&l| (l, Name::new(enum_value_name(l))))
            .collect()
    });
    names.get(label).cloned().unwrap_or_else(|| Name::new(enum_value_name(label)))
}

trait WithContext<T> {
    fn with_context(self, f: impl FnOnce() -> String) -> Result<T, AppError>;
}

impl<T> WithContext<T> for Result<T, sea_orm::DbErr> {
    fn with_context(self, f: impl FnOnce() -> String) -> Result<T, AppError> {
        self.map_err(|e| AppError::internal(f(), e))
    }
}

fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> GqlValue) -> GqlValue {
    v.map_or(GqlValue::Null, f)
}

fn decode_value(row: &QueryResult, name: usize, kind: &ScalarKind) -> Result<GqlValue, sea_orm::DbErr> {
    Ok(match kind {
        ScalarKind::Uuid => opt(row.try_get_by_index::<Option<Uuid>>(name)?, |u| GqlValue::String(u.to_string())),
        ScalarKind::String | ScalarKind::Decimal => {
            opt(row.try_get_by_index::<Option<String>>(name)?, GqlValue::String)
        }
        ScalarKind::Enum(_) => opt(row.try_get_by_index::<Option<String>>(name)?, |s| GqlValue::Enum(enum_name(&s))),
        ScalarKind::Int => match row.try_get_by_index::<Option<i32>>(name) {
            Ok(v) => opt(v, GqlValue::from),
            // smallint columns
            Err(_) => opt(row.try_get_by_index::<Option<i16>>(name)?, |n| GqlValue::from(i32::from(n))),
        },
        ScalarKind::BigInt => opt(row.try_get_by_index::<Option<i64>>(name)?, GqlValue::from),
        ScalarKind::Float => opt(row.try_get_by_index::<Option<f64>>(name)?, GqlValue::from),
        ScalarKind::Boolean => opt(row.try_get_by_index::<Option<bool>>(name)?, GqlValue::Boolean),
        ScalarKind::Date => opt(row.try_get_by_index::<Option<NaiveDate>>(name)?, |d| {
            GqlValue::String(d.format("%Y-%m-%d").to_string())
        }),
        ScalarKind::DateTime => opt(row.try_get_by_index::<Option<DateTime<FixedOffset>>>(name)?, |d| {
            GqlValue::String(d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        }),
        ScalarKind::Json => opt(row.try_get_by_index::<Option<serde_json::Value>>(name)?, |j| {
            GqlValue::from_json(j).unwrap_or(GqlValue::Null)
        }),
        ScalarKind::StringList => opt(row.try_get_by_index::<Option<Vec<String>>>(name)?, |v| {
            GqlValue::List(v.into_iter().map(GqlValue::String).collect())
        }),
        ScalarKind::UuidList => opt(row.try_get_by_index::<Option<Vec<Uuid>>>(name)?, |v| {
            GqlValue::List(v.into_iter().map(|u| GqlValue::String(u.to_string())).collect())
        }),
        ScalarKind::Vector(_) => opt(row.try_get_by_index::<Option<Vec<f32>>>(name)?, |v| {
            GqlValue::List(v.into_iter().map(|x| GqlValue::from(f64::from(x))).collect())
        }),
    })
}

/// A row of a junction table beside the row it leads to (many-to-many edges).
#[derive(Debug, Clone)]
pub struct EdgeRow {
    pub node: Arc<Row>,
    pub link: Option<Arc<Row>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_labels_become_graphql_names() {
        assert_eq!(enum_value_name("Medical Affairs"), "MEDICAL_AFFAIRS");
        assert_eq!(enum_value_name("R&D"), "R_AND_D");
        assert_eq!(enum_value_name("IT/Digital"), "IT_DIGITAL");
        assert_eq!(enum_value_name("panel_orchestration"), "PANEL_ORCHESTRATION");
        assert_eq!(crate::catalog::enum_label("functional_area_type", "R_AND_D"), Some("R&D"));
    }
}
