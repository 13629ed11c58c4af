//! Which root pages run with a generic plan: those whose filters no index could serve.
//!
//! A root page's statement runs under PostgreSQL's automatic plan choice (`plan_cache_mode =
//! auto`), which re-plans it on every execution whenever the generic plan's estimate is worse than
//! the custom plans'. For a keyset page it typically is: `(name, id) > ($3, $4)` and `tier <= $2`
//! get default selectivities. Measured on the scale-10 deep page (bench/README.md, "Generic plans for
//! root pages no index could filter"): 0.31 ms of planning against 0.06–0.10 ms of execution, and
//! the custom plan was the same index scan every time.
//!
//! A generic plan is chosen without the parameters' values, so it is only safe where the values
//! could not change the best plan much. That holds when no column the page filters on (its own
//! filter and the caller's visibility) leads an index: then every plan reads the order's index or
//! the table until the page is full, whatever the values. Where a filtered column does lead an
//! index (a tenant's rows, a slug, a foreign key), a selective value may make that index the best
//! way in, and the page keeps custom plans. Which columns lead an index is read from the database
//! at start-up ([`IndexedColumns::load`]), so it follows the migrations without a second list.

use std::collections::HashSet;

use sea_orm::{DatabaseConnection, Statement};

use crate::catalog::{Catalog, ColumnId, TableId};
use crate::error::AppError;
use crate::plan::ListFetch;
use crate::plan::filter::Filter;

/// The columns that lead (are the first key of) some index, per table of the catalog. For an
/// expression index, every column named in its first key's expression (`lower(name)`).
#[derive(Debug, Default)]
pub struct IndexedColumns {
    leading: HashSet<(TableId, ColumnId)>,
}

impl IndexedColumns {
    /// Reads the indexes of the catalog's tables.
    pub async fn load(db: &DatabaseConnection, catalog: &Catalog) -> Result<Self, AppError> {
        let sql = "SELECT c.relname::text, pg_get_indexdef(i.indexrelid, 1, false) \
                   FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
                   WHERE c.relnamespace = current_schema()::regnamespace";
        // Unnamed, as every start-up read: behind a transaction-mode pooler a named statement
        // may meet another connection's of the same name.
        let rows = crate::database::query_all(db, Statement::from_string(db.get_database_backend(), sql))
            .await
            .map_err(|e| AppError::internal("reading the tables' indexes", e))?;
        let mut keys = Vec::with_capacity(rows.len());
        for row in rows {
            let table: String = row.try_get_by_index(0).map_err(|e| AppError::internal("reading an index", e))?;
            let key: String = row.try_get_by_index(1).map_err(|e| AppError::internal("reading an index", e))?;
            keys.push((table, key));
        }
        Ok(Self::from_keys(catalog, keys.iter().map(|(t, k)| (t.as_str(), k.as_str()))))
    }

    /// The columns named by each index's first key, given as (table, key definition) pairs.
    pub fn from_keys<'k>(catalog: &Catalog, keys: impl IntoIterator<Item = (&'k str, &'k str)>) -> Self {
        let mut leading = HashSet::new();
        for (table_name, key) in keys {
            let Some(table) = catalog.table(table_name) else { continue };
            for (c, column) in table.columns.iter().enumerate() {
                if names_column(key, &column.name) {
                    leading.insert((table.id, c));
                }
            }
        }
        Self { leading }
    }

    /// Whether `column` of `table` leads an index.
    pub fn leads(&self, table: TableId, column: ColumnId) -> bool {
        self.leading.contains(&(table, column))
    }
}

/// Whether `key` (an index key's definition: `name`, `"order"`, `lower((name)::text)`) names the
/// column `column` as a whole word.
fn names_column(key: &str, column: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    key.match_indices(column).any(|(at, _)| {
        let before = key[..at].chars().next_back();
        let after = key[at + column.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// Whether a root page's statement runs with a generic plan: every condition on it (filter and
/// visibility) is on columns that lead no index, and none is a search or a condition over related
/// rows (their best plan depends on the values too).
pub fn generic_root_page(indexed: &IndexedColumns, list: &ListFetch) -> bool {
    let table = list.node.table;
    [list.filter.as_ref(), list.visibility.as_ref()].into_iter().flatten().all(|f| unindexed(indexed, table, f))
}

fn unindexed(indexed: &IndexedColumns, table: TableId, filter: &Filter) -> bool {
    match filter {
        Filter::All(fs) | Filter::Any(fs) => fs.iter().all(|f| unindexed(indexed, table, f)),
        Filter::Not(f) => unindexed(indexed, table, f),
        Filter::Cmp { column, .. }
        | Filter::In { column, .. }
        | Filter::IsNull { column, .. }
        | Filter::IsTrue { column }
        | Filter::Like { column, .. }
        | Filter::Array { column, .. }
        | Filter::JsonContains { column, .. }
        | Filter::JsonHasKey { column, .. } => !indexed.leads(table, *column),
        Filter::Related { .. } | Filter::TextSearch { .. } => false,
        Filter::False => true,
    }
}

#[cfg(test)]
mod tests;
