//! Search statements: nearest-neighbour retrieval over knowledge chunks (pgvector HNSW), hybrid
//! retrieval (reciprocal rank fusion with full text), and ranked text search over the named
//! registry tables (full text + trigram similarity).
//!
//! - [`vector`]: `searchKnowledge`, `Agent.knowledgeSearch`, `KnowledgeSource.similarChunks`;
//! - [`text`]: the `search` field;
//! - [`embedding_provider`]: the OpenAI-compatible client that embeds `text` when no vector is given.
//!
//! The plan carries the arguments (`plan/search.rs`) and the caller's visibility of every table
//! these statements read; `execute/` runs them.

pub mod embedding_provider;
pub mod text;
pub mod vector;
