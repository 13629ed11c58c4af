//! The plan's statement parameters (sea-query [`Value`]s, as `sql/` builds them) bound for
//! tokio-postgres: each value with its PostgreSQL type, so a statement is parsed with the types
//! stated (`prepare_typed`, `query_typed`) and never needs a describe round trip of its own.
//!
//! The types are the ones sqlx declared for the same values before the read path moved to
//! tokio-postgres (`text` for strings and decimals, `int4`/`int8`, `float4[]` for embeddings,
//! `jsonb` for JSON), so the statements' casts are unchanged.

use std::error::Error;

use bytes::{BufMut, BytesMut};
use sea_orm::Value;
use sea_orm::sea_query::ArrayType;
use tokio_postgres::types::{IsNull, Kind, ToSql, Type, to_sql_checked};

use crate::sql::sql_text::Sql;

/// One parameter: a value, and whether it is sent as pgvector's binary `vector` ([`vector_type`]).
#[derive(Debug)]
pub struct Param<'a> {
    pub value: &'a Value,
    pub vector: bool,
}

/// The parameters of `sql`.
pub fn params(sql: &Sql) -> impl Iterator<Item = Param<'_>> {
    sql.params.iter().enumerate().map(|(i, value)| Param { value, vector: sql.vector_param == Some(i) })
}

/// The types `sql`'s parameters are declared with (only needed where a statement is parsed).
pub fn param_types(sql: &Sql) -> impl Iterator<Item = Type> + '_ {
    params(sql).map(|p| if p.vector { vector_type() } else { param_type(p.value) })
}

/// pgvector's `vector`, declared without a type (OID 0 in the Parse message): its OID is the
/// extension's, so the server infers the type from the statement's `$n::vector`.
///
/// Measured reason (bench/README.md, "The query vector as pgvector's binary"): received as a
/// binary `real[]`, PostgreSQL decodes the 1,536 elements one function call each and then converts
/// the array to a `vector`; one backend's CPU per statement (psycopg, binary parameters, scale 10)
/// was 355–400 µs for `SELECT $1::real[] IS NULL` against 40–60 µs for `SELECT $1::vector IS NULL`.
fn vector_type() -> Type {
    Type::new("vector".to_owned(), 0, Kind::Simple, "public".to_owned())
}

/// pgvector's binary `vector`: the dimension and a reserved zero as 16-bit integers, then each
/// element as a big-endian `float4`.
fn vector_to_sql(values: &[Value], out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
    let dim = i16::try_from(values.len()).map_err(|_| format!("a vector of {} dimensions", values.len()))?;
    out.reserve(4 + 4 * values.len());
    out.put_i16(dim);
    out.put_i16(0);
    for v in values {
        match v {
            Value::Float(Some(x)) => out.put_f32(*x),
            other => return Err(format!("a vector element that is not a float: {other:?}").into()),
        }
    }
    Ok(IsNull::No)
}

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
        if self.vector {
            return match self.value {
                Value::Array(ArrayType::Float, Some(values)) => vector_to_sql(values, out),
                Value::Array(_, None) => Ok(IsNull::Yes),
                other => Err(format!("a vector parameter that is not a float array: {other:?}").into()),
            };
        }
        match self.value {
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

    /// The type is the one [`param_types`] declared for this very value (or the server inferred, for a
    /// vector).
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
            Param { value: &value, vector: false }.to_sql_checked(&ty, &mut out).unwrap();
        }
        let mixed = Value::Array(ArrayType::Uuid, Some(Box::new(vec![Value::from("not a uuid")])));
        assert!(
            Param { value: &mixed, vector: false }.to_sql_checked(&Type::UUID_ARRAY, &mut BytesMut::new()).is_err()
        );
    }

    #[test]
    fn a_vector_parameter_is_pgvectors_binary_and_declared_without_a_type() {
        let mut sql = Sql::new();
        sql.param(Value::from("x"));
        sql.param(Value::Array(
            ArrayType::Float,
            Some(Box::new(vec![Value::Float(Some(1.0)), Value::Float(Some(-2.5))])),
        ));
        sql.vector_param = Some(1);
        let declared: Vec<(bool, u32)> =
            params(&sql).zip(param_types(&sql)).map(|(p, ty)| (p.vector, ty.oid())).collect();
        assert_eq!(declared, [(false, Type::TEXT.oid()), (true, 0)]);
        let (vector, ty) = params(&sql).zip(param_types(&sql)).nth(1).unwrap();
        let mut out = BytesMut::new();
        vector.to_sql_checked(&ty, &mut out).unwrap();
        let mut expected = vec![0, 2, 0, 0];
        expected.extend(1.0_f32.to_be_bytes());
        expected.extend((-2.5_f32).to_be_bytes());
        assert_eq!(out.as_ref(), expected.as_slice());
    }
}
