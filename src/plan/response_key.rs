//! A response key (a field's alias or name) kept with its JSON form, `"key":`, built once when the
//! operation is planned, so that the answer writer copies one slice per field of every object.
//!
//! Measured reason (bench/README.md, "Cells read without per-cell checks"): writing a key as a
//! comma, a quote, the name, a quote and a colon was about 60 instructions a field, 6% of the agent
//! walk's, where the answer repeats the same few keys for every row.

use std::fmt;
use std::ops::Deref;

use serde::{Serialize, Serializer};

/// A GraphQL response key. It derefs to the key itself; [`ResponseKey::json`] is `"key":`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResponseKey(Box<str>);

impl ResponseKey {
    pub fn new(key: &str) -> Self {
        // Keys are GraphQL names (`[_A-Za-z][_0-9A-Za-z]*`), so they need no escaping.
        debug_assert!(key.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric()), "{key:?}");
        let mut text = String::with_capacity(key.len() + 3);
        text.push('"');
        text.push_str(key);
        text.push_str("\":");
        Self(text.into_boxed_str())
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0[1..self.0.len() - 2]
    }

    /// `"key":`, as it is written before the field's value.
    pub fn json(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl Deref for ResponseKey {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for ResponseKey {
    fn from(key: &str) -> Self {
        Self::new(key)
    }
}

impl From<String> for ResponseKey {
    fn from(key: String) -> Self {
        Self::new(&key)
    }
}

impl From<&String> for ResponseKey {
    fn from(key: &String) -> Self {
        Self::new(key)
    }
}

impl PartialEq<str> for ResponseKey {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<ResponseKey> for String {
    fn eq(&self, other: &ResponseKey) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for ResponseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for ResponseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialised as the key alone: the golden plans (`tests/golden/`) read as before.
impl Serialize for ResponseKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_itself_and_its_json_prefix() {
        let key = ResponseKey::new("knowledgeChunks");
        assert_eq!(key.as_str(), "knowledgeChunks");
        assert_eq!(&*key, "knowledgeChunks");
        assert_eq!(key.json(), b"\"knowledgeChunks\":");
        assert_eq!(serde_json::to_string(&key).unwrap(), "\"knowledgeChunks\"");
        assert_eq!(format!("{key} {key:?}"), "knowledgeChunks \"knowledgeChunks\"");
        assert_eq!(ResponseKey::new("_").json(), b"\"_\":");
    }
}
