//! A JSON request body read in one pass: each operation's members as JSON values, except
//! `variables`, which is read straight into GraphQL values.
//!
//! Why: reading the body into a `serde_json::Value` and converting `variables` into GraphQL values
//! afterwards built every variable twice. A vector search sends a 1,536-number embedding, and the
//! two trees were about a fifth of the gateway's CPU for such a request (bench/README.md, "Variables
//! read once"). The shapes and messages are those of a `serde_json::Value` read: anything that is
//! valid JSON is accepted here, and the caller says what is wrong with it.

use std::fmt;

use async_graphql::Value;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Map;

/// A whole body: one operation, a batch, or some other JSON value (named by its kind).
pub enum JsonBody {
    Single(JsonOperation),
    Batch(Vec<JsonElement>),
    Other(&'static str),
}

/// An element of a batch: an operation, or some other JSON value (named by its kind).
pub enum JsonElement {
    Operation(JsonOperation),
    Other(&'static str),
}

/// One JSON object sent as an operation.
pub struct JsonOperation {
    /// Every member but `variables` (`query`, `operationName`, `extensions` and any other).
    pub members: Map<String, serde_json::Value>,
    /// `variables`, if given (the last one, if given twice, as for any JSON object member).
    pub variables: Option<Value>,
}

/// The kind of a GraphQL value read from JSON, worded as `json_kind` words a JSON value's.
pub fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Boolean(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) | Value::Enum(_) => "a string",
        Value::List(_) | Value::Binary(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A visitor that reads an object as an operation and names any other value by its kind; `T`
/// says which of the two wrappers it builds.
struct Shape<T>(fn(JsonOperation) -> T, fn(&'static str) -> T, Option<fn(Vec<JsonElement>) -> T>);

macro_rules! other_kinds {
    ($($method:ident($ty:ty) => $kind:literal),* $(,)?) => {
        $(fn $method<E: serde::de::Error>(self, _: $ty) -> Result<T, E> {
            Ok((self.1)($kind))
        })*
    };
}

impl<'de, T> Visitor<'de> for Shape<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    other_kinds! {
        visit_bool(bool) => "a boolean",
        visit_i64(i64) => "a number",
        visit_u64(u64) => "a number",
        visit_f64(f64) => "a number",
        visit_str(&str) => "a string",
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<T, E> {
        Ok((self.1)("null"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        let Some(batch) = self.2 else {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            return Ok((self.1)("an array"));
        };
        let mut elements = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(element) = seq.next_element::<JsonElement>()? {
            elements.push(element);
        }
        Ok(batch(elements))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut members = Map::new();
        let mut variables = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "variables" {
                variables = Some(map.next_value::<Value>()?);
            } else {
                members.insert(key, map.next_value()?);
            }
        }
        Ok((self.0)(JsonOperation { members, variables }))
    }
}

impl<'de> Deserialize<'de> for JsonBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Shape(JsonBody::Single, JsonBody::Other, Some(JsonBody::Batch)))
    }
}

impl<'de> Deserialize<'de> for JsonElement {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Shape(JsonElement::Operation, JsonElement::Other, None))
    }
}
