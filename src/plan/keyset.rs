//! Ordering, pages and cursors (the data; `sql/keyset.rs` writes their SQL).
//!
//! Every ordering ends with `id`, so it is total and pages are stable. NULL sorts as the largest
//! value (Postgres' default: `ASC NULLS LAST`, `DESC NULLS FIRST`), so reversing an ordering for
//! `last`/`before` is flipping each direction. A cursor holds the row's values of the ordering's
//! columns, signed with HMAC-SHA256 over the ordering's signature: a cursor that was altered, or
//! that belongs to another ordering or table, is rejected.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sea_orm::Value;
use serde::Serialize;
use sha2::Sha256;

use crate::catalog::{ColumnId, ScalarKind, Table, enum_value_name};
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct OrderKey {
    pub column: ColumnId,
    pub desc: bool,
}

/// A total ordering of one table's rows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Ordering {
    pub keys: Vec<OrderKey>,
}

impl Ordering {
    /// `keys` then `id` (unless already there).
    pub fn new(table: &Table, mut keys: Vec<OrderKey>) -> Self {
        if let Some(id) = table.col_id("id")
            && !keys.iter().any(|k| k.column == id)
        {
            keys.push(OrderKey { column: id, desc: false });
        }
        Self { keys }
    }

    pub fn columns(&self) -> impl Iterator<Item = ColumnId> + '_ {
        self.keys.iter().map(|k| k.column)
    }

    pub(crate) fn signature(&self, table: &Table) -> String {
        let keys: Vec<String> = self
            .keys
            .iter()
            .map(|k| format!("{}:{}", table.columns[k.column].name, if k.desc { "d" } else { "a" }))
            .collect();
        format!("{}|{}", table.name, keys.join(","))
    }
}

/// Parses `orderBy` values into an ordering (default: by `id`).
pub fn parse_order(table: &Table, values: &[String]) -> Result<Ordering, AppError> {
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

/// Which slice of an ordered list to read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PageSpec {
    /// Rows to return (one more is read to know whether there is a next page).
    pub limit: usize,
    /// Read from the end (`last`).
    pub backward: bool,
    /// Ordering values of the `after` / `before` cursors, typed for binding.
    #[serde(serialize_with = "ser_cursor")]
    pub after: Option<Vec<Value>>,
    #[serde(serialize_with = "ser_cursor")]
    pub before: Option<Vec<Value>>,
}

#[allow(clippy::ref_option)] // serde's `serialize_with` hands the field by reference
fn ser_cursor<S: serde::Serializer>(v: &Option<Vec<Value>>, s: S) -> Result<S::Ok, S::Error> {
    v.as_ref().map(|vs| vs.iter().map(crate::plan::filter::value_json).collect::<Vec<_>>()).serialize(s)
}

/// Signs and reads cursors.
#[derive(Clone)]
pub struct CursorCodec {
    secret: Vec<u8>,
}

const MAC_BYTES: usize = 12;

impl CursorCodec {
    pub fn new(secret: &[u8]) -> Self {
        Self { secret: secret.to_vec() }
    }

    fn mac(&self, signature: &str, payload: &[u8]) -> Vec<u8> {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.secret) else { return Vec::new() };
        mac.update(signature.as_bytes());
        mac.update(&[0]);
        mac.update(payload);
        mac.finalize().into_bytes()[..MAC_BYTES].to_vec()
    }

    /// The cursor of a row whose ordering values (as JSON) are `values`.
    pub fn encode_values(&self, table: &Table, ordering: &Ordering, values: &[serde_json::Value]) -> String {
        let payload = serde_json::to_vec(values).unwrap_or_default();
        let mac = self.mac(&ordering.signature(table), &payload);
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), URL_SAFE_NO_PAD.encode(mac))
    }

    /// The ordering values a cursor holds, typed for binding. `argument` names the argument in errors.
    pub fn decode(
        &self,
        table: &Table,
        ordering: &Ordering,
        cursor: &str,
        argument: &str,
    ) -> Result<Vec<Value>, AppError> {
        let invalid =
            || AppError::bad_input(format!("argument `{argument}` is not a valid cursor for this list and ordering"));
        let (payload, mac) = cursor.split_once('.').ok_or_else(invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|_| invalid())?;
        let expected = self.mac(&ordering.signature(table), &payload);
        if mac.len() != MAC_BYTES || !constant_time_eq(&mac, &expected) {
            return Err(invalid());
        }
        let values: Vec<serde_json::Value> = serde_json::from_slice(&payload).map_err(|_| invalid())?;
        if values.len() != ordering.keys.len() {
            return Err(invalid());
        }
        ordering
            .columns()
            .zip(values)
            .map(|(c, v)| json_to_value(&table.columns[c].kind, &v).ok_or_else(invalid))
            .collect()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A JSON scalar as a typed SQL value for a column of `kind` (None when it does not fit).
pub fn json_to_value(kind: &ScalarKind, v: &serde_json::Value) -> Option<Value> {
    use serde_json::Value as J;
    Some(match (kind, v) {
        (ScalarKind::Uuid, J::Null) => Value::Uuid(None),
        (ScalarKind::Uuid, J::String(s)) => Value::Uuid(Some(uuid::Uuid::parse_str(s).ok()?)),
        (ScalarKind::Int, J::Null) => Value::Int(None),
        (ScalarKind::Int, J::Number(n)) => Value::Int(Some(i32::try_from(n.as_i64()?).ok()?)),
        (ScalarKind::BigInt, J::Null) => Value::BigInt(None),
        (ScalarKind::BigInt, J::Number(n)) => Value::BigInt(Some(n.as_i64()?)),
        (ScalarKind::Float, J::Null) => Value::Double(None),
        (ScalarKind::Float, J::Number(n)) => Value::Double(Some(n.as_f64()?)),
        (ScalarKind::Boolean, J::Null) => Value::Bool(None),
        (ScalarKind::Boolean, J::Bool(b)) => Value::Bool(Some(*b)),
        (ScalarKind::Date, J::Null) => Value::ChronoDate(None),
        (ScalarKind::Date, J::String(s)) => {
            Value::ChronoDate(Some(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?))
        }
        (ScalarKind::DateTime, J::Null) => Value::ChronoDateTimeWithTimeZone(None),
        (ScalarKind::DateTime, J::String(s)) => {
            Value::ChronoDateTimeWithTimeZone(Some(chrono::DateTime::parse_from_rfc3339(s).ok()?))
        }
        (ScalarKind::String | ScalarKind::Enum(_) | ScalarKind::Decimal, J::Null) => Value::String(None),
        (ScalarKind::String, J::String(s)) => Value::String(Some(s.clone())),
        (ScalarKind::Decimal, J::String(s)) => {
            Value::String(Some(s.parse::<rust_decimal::Decimal>().ok()?.to_string()))
        }
        (ScalarKind::Enum(t), J::String(s)) => Value::String(Some(crate::catalog::enum_label(t, s)?.to_owned())),
        _ => return None,
    })
}
