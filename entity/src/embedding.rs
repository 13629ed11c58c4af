//! The type of `knowledge_chunks.embedding` (`vector(1536)`). Hand-written: the generator refers to it.
//!
//! sea-orm 2 speaks sqlx 0.9, but the `pgvector` crate (0.4) implements only sqlx 0.8's traits, so
//! sea-orm's `postgres-vector` feature does not compile. The column is therefore read as `real[]`
//! (`select_as`) and written as `real[]` cast to `vector` (`save_as`, pgvector's own cast), and the
//! value is a `Vec<f32>` newtype that converts to and from [`pgvector::Vector`].

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A pgvector embedding.
#[derive(Clone, Debug, PartialEq, DeriveValueType, Serialize, Deserialize)]
pub struct Embedding(pub Vec<f32>);

impl From<pgvector::Vector> for Embedding {
    fn from(v: pgvector::Vector) -> Self {
        Self(v.to_vec())
    }
}

impl From<Embedding> for pgvector::Vector {
    fn from(e: Embedding) -> Self {
        Self::from(e.0)
    }
}

impl Embedding {
    pub fn dimensions(&self) -> usize {
        self.0.len()
    }

    /// pgvector's text form, `[0.1,0.2,…]`.
    pub fn to_pgvector_text(&self) -> String {
        let mut s = String::with_capacity(self.0.len() * 10 + 2);
        s.push('[');
        for (i, x) in self.0.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&x.to_string());
        }
        s.push(']');
        s
    }
}
