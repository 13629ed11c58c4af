//! What planning shares for the whole process: the catalog, the limits on arguments and the
//! cursor codec.

use std::sync::Arc;

use crate::catalog::Catalog;
use crate::plan::keyset::CursorCodec;

/// Limits the plan enforces on arguments.
#[derive(Debug, Clone)]
pub struct PlanLimits {
    /// Largest `first`/`last`; also the page size when neither is given.
    pub max_page_size: usize,
    pub default_page_size: usize,
    /// Deepest nesting of `and`/`or`/`not`/relation filters.
    pub max_filter_depth: usize,
}

impl Default for PlanLimits {
    fn default() -> Self {
        Self { max_page_size: 100, default_page_size: 20, max_filter_depth: 6 }
    }
}

pub struct PlanContext {
    pub catalog: Arc<Catalog>,
    pub limits: PlanLimits,
    pub cursors: CursorCodec,
    /// Whether an embedding provider is configured (text-only vector search needs one).
    pub text_embeddings: bool,
}
