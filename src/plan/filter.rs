//! The filter AST: `filter:` and `search:` arguments, and the caller's visibility, as one tree of
//! predicates over a table's columns. `sql/filter.rs` compiles it; nothing here writes SQL.
//!
//! Visibility is made of the same nodes as any filter (`tenant_id IS NULL OR is_public OR tenant_id
//! = ANY(…)`, `deleted_at IS NULL`, built by [`crate::tenancy`]), so the plan shows, and the golden
//! files pin, exactly what each caller may see of each table.

use sea_orm::Value;
use serde::{Serialize, Serializer};

use crate::catalog::{ColumnId, RelationId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

/// The comparison operators of filter inputs, by their GraphQL names.
pub const COMPARISONS: [(&str, CmpOp); 6] = [
    ("eq", CmpOp::Eq),
    ("ne", CmpOp::Ne),
    ("lt", CmpOp::Lt),
    ("lte", CmpOp::Lte),
    ("gt", CmpOp::Gt),
    ("gte", CmpOp::Gte),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantifier {
    Some,
    None,
    Every,
}

/// A bound value, shown as JSON in the IR.
pub(crate) fn value_json(v: &Value) -> serde_json::Value {
    sea_orm::sea_query::value::sea_value_to_json_value(v)
}

fn ser_value<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
    value_json(v).serialize(s)
}

fn ser_values<S: Serializer>(v: &[Value], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(value_json))
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Not(Box<Filter>),
    Cmp {
        column: ColumnId,
        op: CmpOp,
        #[serde(serialize_with = "ser_value")]
        value: Value,
    },
    In {
        column: ColumnId,
        #[serde(serialize_with = "ser_values")]
        values: Vec<Value>,
        negated: bool,
    },
    IsNull {
        column: ColumnId,
        is_null: bool,
    },
    /// A boolean column is true (`is_public`).
    IsTrue {
        column: ColumnId,
    },
    /// `pattern` is a complete LIKE pattern (escaping already applied where needed).
    Like {
        column: ColumnId,
        pattern: String,
        case_insensitive: bool,
    },
    /// text[] / uuid[] `@>` (contains all) or `&&` (overlaps).
    Array {
        column: ColumnId,
        #[serde(serialize_with = "ser_values")]
        values: Vec<Value>,
        overlaps: bool,
    },
    JsonContains {
        column: ColumnId,
        value: serde_json::Value,
    },
    JsonHasKey {
        column: ColumnId,
        key: String,
    },
    /// Over a relation: `EXISTS` / `NOT EXISTS` of related rows. The related rows (and the junction
    /// rows of a many-to-many relation) are restricted by the caller's visibility like any read.
    Related {
        relation: RelationId,
        quantifier: Quantifier,
        filter: Box<Filter>,
        visibility: Option<Box<Filter>>,
        junction_visibility: Option<Box<Filter>>,
    },
    /// The `search:` argument: full-text match of the row's document or trigram similarity of its name.
    TextSearch {
        query: String,
    },
    /// No row (a caller that may see nothing of a table).
    False,
}

impl Filter {
    /// `a AND b`, flattening, where either may be absent.
    pub fn and(a: Option<Filter>, b: Option<Filter>) -> Option<Filter> {
        match (a, b) {
            (None, x) | (x, None) => x,
            (Some(Filter::All(mut xs)), Some(y)) => {
                xs.push(y);
                Some(Filter::All(xs))
            }
            (Some(x), Some(y)) => Some(Filter::All(vec![x, y])),
        }
    }
}

/// Escapes `%`, `_` and `\` so `s` matches literally inside a LIKE pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_metacharacters_are_escaped() {
        assert_eq!(like_escape("50%_off\\"), "50\\%\\_off\\\\");
    }
}
