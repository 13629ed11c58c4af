//! The DataLoader behind every relation.
//!
//! Resolvers of one relation level ask for their parents' rows with keys; async-graphql's
//! DataLoader collects the keys of a level and calls [`Loaders`] once. Keys are grouped by what
//! shapes the statement (relation, projection, filter, ordering, page), and each group is one SQL
//! statement for all its parents: `WHERE id = ANY($1)` for belongs-to, a `LATERAL` page per parent
//! for has-many and many-to-many (per-parent `first: N` in SQL, not in memory).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::catalog::{RelationId, TableId};
use crate::error::AppError;
use crate::graphql::SchemaContext;
use crate::sql::filter::Filter;
use crate::sql::keyset::Ordering;
use crate::sql::rows::{EdgeRow, Projection, Row};
use crate::sql::session::Session;
use crate::sql::statements::{self, ListQuery, PageSpec};
use crate::tenant_scope::Scope;

pub struct Loaders {
    pub schema: Arc<SchemaContext>,
    pub scope: Scope,
    pub session: Arc<Session>,
}

/// A row by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowKey {
    pub table: TableId,
    pub projection: Arc<Projection>,
    pub id: Uuid,
}

/// What shapes a nested list read, beside the parent.
#[derive(Debug)]
pub struct NestedQuery {
    pub projection: Arc<Projection>,
    pub link: Option<Arc<Projection>>,
    pub filter: Option<Filter>,
    pub filter_key: String,
    pub ordering: Ordering,
    pub page: PageSpec,
    pub want_total: bool,
}

impl PartialEq for NestedQuery {
    fn eq(&self, o: &Self) -> bool {
        self.projection == o.projection
            && self.link == o.link
            && self.filter_key == o.filter_key
            && self.ordering == o.ordering
            && self.page == o.page
            && self.want_total == o.want_total
    }
}

impl Eq for NestedQuery {}

impl Hash for NestedQuery {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.projection.hash(state);
        self.link.hash(state);
        self.filter_key.hash(state);
        self.ordering.hash(state);
        self.page.hash(state);
        self.want_total.hash(state);
    }
}

/// One parent's page of a list relation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChildrenKey {
    pub relation: RelationId,
    pub query: Arc<NestedQuery>,
    pub parent: Uuid,
}

#[derive(Debug, Default)]
pub struct ChildPage {
    pub edges: Vec<EdgeRow>,
    pub has_next: bool,
    pub has_previous: bool,
    pub total: Option<i64>,
}

/// Cuts `rows` (read with one extra row) to a page and says whether more exist beyond it.
pub fn paginate(mut rows: Vec<EdgeRow>, page: &PageSpec) -> (Vec<EdgeRow>, bool, bool) {
    let more = rows.len() > page.limit;
    rows.truncate(page.limit);
    if page.backward {
        rows.reverse();
        (rows, page.before.is_some(), more)
    } else {
        (rows, more, page.after.is_some())
    }
}

impl Loader<RowKey> for Loaders {
    type Value = Arc<Row>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[RowKey]) -> Result<HashMap<RowKey, Arc<Row>>, Self::Error> {
        let mut groups: HashMap<(TableId, Arc<Projection>), Vec<Uuid>> = HashMap::new();
        for k in keys {
            groups.entry((k.table, Arc::clone(&k.projection))).or_default().push(k.id);
        }
        let catalog = &self.schema.catalog;
        let mut out = HashMap::new();
        for ((table_id, projection), mut ids) in groups {
            ids.sort_unstable();
            ids.dedup();
            let table = &catalog.tables[table_id];
            let sql = statements::by_ids(table, &projection, &ids, &self.scope);
            let rows = self.session.query(sql).await.map_err(Arc::new)?;
            for row in statements::decode_rows(&rows, table, &projection).map_err(Arc::new)? {
                let key = RowKey { table: table_id, projection: Arc::clone(&projection), id: row.id };
                out.insert(key, Arc::new(row));
            }
        }
        Ok(out)
    }
}

impl Loader<ChildrenKey> for Loaders {
    type Value = Arc<ChildPage>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[ChildrenKey]) -> Result<HashMap<ChildrenKey, Arc<ChildPage>>, Self::Error> {
        let mut groups: HashMap<(RelationId, Arc<NestedQuery>), Vec<Uuid>> = HashMap::new();
        for k in keys {
            groups.entry((k.relation, Arc::clone(&k.query))).or_default().push(k.parent);
        }
        let catalog = &self.schema.catalog;
        let mut out = HashMap::new();
        for ((relation_id, query), mut parents) in groups {
            parents.sort_unstable();
            parents.dedup();
            let rel = &catalog.relations[relation_id];
            let q = ListQuery { projection: &query.projection, filter: query.filter.as_ref(), ordering: &query.ordering, page: &query.page };
            let sql = statements::children(catalog, rel, &parents, query.link.as_ref(), &q, &self.scope);
            let rows = self.session.query(sql).await.map_err(Arc::new)?;
            let mut by_parent =
                statements::decode_children(catalog, rel, &rows, &query.projection, query.link.as_ref()).map_err(Arc::new)?;
            let mut totals = if query.want_total {
                let sql = statements::child_counts(catalog, rel, &parents, query.filter.as_ref(), &self.scope);
                let rows = self.session.query(sql).await.map_err(Arc::new)?;
                Some(statements::decode_counts(&rows).map_err(Arc::new)?)
            } else {
                None
            };
            for parent in parents {
                let rows = by_parent.remove(&parent).unwrap_or_default();
                let (edges, has_next, has_previous) = paginate(rows, &query.page);
                let total = totals.as_mut().map(|t| t.remove(&parent).unwrap_or(0));
                let key = ChildrenKey { relation: relation_id, query: Arc::clone(&query), parent };
                out.insert(key, Arc::new(ChildPage { edges, has_next, has_previous, total }));
            }
        }
        Ok(out)
    }
}
