//! The plan's statement parameters (sea-query [`Value`]s, as `sql/` builds them) bound for
//! tokio-postgres: each value with its PostgreSQL type, so a statement is parsed with the types
//! stated (`prepare_typed`, `query_typed`) and never needs a describe round trip of its own.
//!
//! The types are the ones sqlx declared for the same values before the read path moved to
//! tokio-postgres (`text` for strings and decimals, `int4`/`int8`, `float4[]` for embeddings,
//! `jsonb` for JSON), so the statements' casts are unchanged.

use std::error::Error;

use bytes::BytesMut;
use sea_orm::Value;
use sea_orm::sea_query::ArrayType;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

/// One parameter: a value and the type it is declared with.
#[derive(Debug)]
pub struct Param<'a>(pub &'a Value);

/// The PostgreSQL type `value` is declared with.
pub fn param_type(value: &Value) -> Type {
    match value {
        Value::Bool(_) => Type::BOOL,
        Value::TinyInt(_) | Value::SmallInt(_) => Type::INT2,
        Value::Int(_) => Type::INT4,
        Value::BigInt(_) => Type::INT8,
        Value::Float(_) => Type::FLOAT4,
        Value::Double(_) => Type::FLOAT8,
        Value::Uuid(_) => Type::UUID,
        Value::Json(_) => Type::JSONB,
        Value::ChronoDate(_) => Type::DATE,
        Value::ChronoDateTimeWithTimeZone(_) => Type::TIMESTAMPTZ,
        Value::Array(ty, _) => match ty {
            ArrayType::Bool => Type::BOOL_ARRAY,
            ArrayType::Int => Type::INT4_ARRAY,
            ArrayType::BigInt => Type::INT8_ARRAY,
            ArrayType::Float => Type::FLOAT4_ARRAY,
            ArrayType::Double => Type::FLOAT8_ARRAY,
            ArrayType::Uuid => Type::UUID_ARRAY,
            ArrayType::ChronoDate => Type::DATE_ARRAY,
            ArrayType::ChronoDateTimeWithTimeZone => Type::TIMESTAMPTZ_ARRAY,
            _ => Type::TEXT_ARRAY,
        },
        _ => Type::TEXT,
    }
}

/// The array's elements as one Rust type (`None` elements are SQL `NULL`s).
fn elements<T: Clone>(values: &[Value], pick: impl Fn(&Value) -> Option<Option<T>>) -> Result<Vec<Option<T>>, String> {
    values.iter().map(|v| pick(v).ok_or_else(|| format!("an array of mixed types ({v:?})"))).collect()
}

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self.0 {
            Value::Bool(v) => v.to_sql(ty, out),
            Value::TinyInt(v) => v.map(i16::from).to_sql(ty, out),
            Value::SmallInt(v) => v.to_sql(ty, out),
            Value::Int(v) => v.to_sql(ty, out),
            Value::BigInt(v) => v.to_sql(ty, out),
            Value::Float(v) => v.to_sql(ty, out),
            Value::Double(v) => v.to_sql(ty, out),
            Value::Uuid(v) => v.to_sql(ty, out),
            Value::String(v) => v.as_deref().to_sql(ty, out),
            Value::Json(v) => v.as_deref().to_sql(ty, out),
            Value::ChronoDate(v) => v.to_sql(ty, out),
            Value::ChronoDateTimeWithTimeZone(v) => v.to_sql(ty, out),
            Value::Array(_, None) => Ok(IsNull::Yes),
            Value::Array(kind, Some(values)) => {
                macro_rules! array {
                    ($variant:ident) => {
                        elements(values, |v| if let Value::$variant(x) = v { Some(x.clone()) } else { None })?
                            .to_sql(ty, out)
                    };
                }
                match kind {
                    ArrayType::Bool => array!(Bool),
                    ArrayType::Int => array!(Int),
                    ArrayType::BigInt => array!(BigInt),
                    ArrayType::Float => array!(Float),
                    ArrayType::Double => array!(Double),
                    ArrayType::Uuid => array!(Uuid),
                    ArrayType::ChronoDate => array!(ChronoDate),
                    ArrayType::ChronoDateTimeWithTimeZone => array!(ChronoDateTimeWithTimeZone),
                    _ => array!(String),
                }
            }
            other => Err(format!("a statement parameter of an unsupported type: {other:?}").into()),
        }
    }

    /// The type is the one [`param_type`] declared for this very value.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_the_plan_builds_is_declared_with_its_type_and_encodes() {
        let uuid = uuid::Uuid::nil();
        let cases = [
            (Value::from(uuid), Type::UUID),
            (Value::from(vec![uuid, uuid]), Type::UUID_ARRAY),
            (Value::from("x"), Type::TEXT),
            (Value::from(3_i64), Type::INT8),
            (Value::from(0.5_f64), Type::FLOAT8),
            (Value::Array(ArrayType::Float, Some(Box::new(vec![Value::Float(Some(1.0))]))), Type::FLOAT4_ARRAY),
            (Value::Json(Some(Box::new(serde_json::json!({"a": 1})))), Type::JSONB),
            (Value::String(None), Type::TEXT),
        ];
        for (value, ty) in cases {
            assert_eq!(param_type(&value), ty, "{value:?}");
            let mut out = BytesMut::new();
            Param(&value).to_sql_checked(&ty, &mut out).unwrap();
        }
        let mixed = Value::Array(ArrayType::Uuid, Some(Box::new(vec![Value::from("not a uuid")])));
        assert!(Param(&mixed).to_sql_checked(&Type::UUID_ARRAY, &mut BytesMut::new()).is_err());
    }
}
