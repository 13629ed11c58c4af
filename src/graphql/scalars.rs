//! Custom scalars and the GraphQL type of each column kind.

use async_graphql::Value;
use async_graphql::dynamic::{Scalar, TypeRef};

use crate::catalog::ScalarKind;

pub use crate::catalog::names::{BIG_INT, DATE, DATE_TIME, DECIMAL, JSON, UUID};

/// The custom scalars, each validating its input.
pub fn scalars() -> Vec<Scalar> {
    vec![
        Scalar::new(UUID)
            .description("A UUID, e.g. `00000000-0000-0000-0000-000000000001`.")
            .specified_by_url("https://datatracker.ietf.org/doc/html/rfc4122")
            .validator(|v| matches!(v, Value::String(s) if uuid::Uuid::parse_str(s).is_ok())),
        Scalar::new(DATE_TIME)
            .description("An RFC 3339 timestamp with time zone, e.g. `2025-01-01T00:00:00Z`.")
            .validator(|v| matches!(v, Value::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok())),
        Scalar::new(DATE)
            .description("A calendar date, `YYYY-MM-DD`.")
            .validator(|v| matches!(v, Value::String(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())),
        Scalar::new(JSON).description("Any JSON value (a jsonb column)."),
        Scalar::new(DECIMAL)
            .description("An exact decimal number, as a string (`\"0.85\"`); input also accepts a number.")
            .validator(|v| match v {
                Value::String(s) => s.parse::<rust_decimal::Decimal>().is_ok(),
                Value::Number(_) => true,
                _ => false,
            }),
        Scalar::new(BIG_INT)
            .description("A 64-bit integer.")
            .validator(|v| matches!(v, Value::Number(n) if n.is_i64())),
    ]
}

pub use crate::catalog::names::{enum_type as enum_type_name, scalar as type_name};

/// The output type of a column: lists for arrays and vectors, non-null when the column is.
pub fn column_type(kind: &ScalarKind, nullable: bool) -> TypeRef {
    let name = type_name(kind);
    let list = matches!(kind, ScalarKind::StringList | ScalarKind::UuidList | ScalarKind::Vector(_));
    match (list, nullable) {
        (true, true) => TypeRef::named_nn_list(name),
        (true, false) => TypeRef::named_nn_list_nn(name),
        (false, true) => TypeRef::named(name),
        (false, false) => TypeRef::named_nn(name),
    }
}
