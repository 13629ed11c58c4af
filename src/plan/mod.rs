//! The plan: what a validated GraphQL operation will read and how its answer is shaped, as a plain
//! serialisable value (the IR), built without touching the database.
//!
//! Why a separate step: with planning, SQL and execution fused into per-field resolvers, 44% of the
//! gateway's CPU went to async-graphql's per-field execution (about 5 µs per returned object,
//! bench/README.md), and nothing about a query could be tested without PostgreSQL. Here a request
//! becomes two trees built from the same selection:
//!
//! - the **fetch tree** ([`Fetch`], [`ListFetch`]): per table, the columns to read, the filter (with
//!   the caller's visibility as ordinary filter nodes, [`crate::tenancy`]), ordering, page, counts
//!   and the relations to load below it, keyed by response key;
//! - the **shape tree** ([`ObjectShape`], [`ConnectionShape`]): the response's fields in selection
//!   order, each pointing at a column slot or a relation of the fetch tree.
//!
//! Aggregates and groups of a connection (`aggregate { … }`, `groups(by: …)`) are plan nodes of
//! their own ([`aggregate`]), hung on the connection's [`ListFetch`].
//!
//! Aliases, fragments, `__typename`, `@skip`/`@include` and variables are resolved by
//! [`build`]; `sql/` compiles the fetch tree, `execute/` runs it and writes the shape as JSON.
//! Golden files of the canonical queries (`tests/golden/`) hold this IR as JSON.

pub mod aggregate;
pub mod arguments;
pub mod build;
pub mod context;
pub mod filter;
pub mod filter_input;
pub mod keyset;
pub mod mutation;
pub mod node_id;
pub mod response_key;
pub mod search;
pub mod visibility;
pub mod write_rule;

use serde::Serialize;
use uuid::Uuid;

use crate::catalog::{ColumnId, RelationId, ScalarKind, TableId};
use crate::error::AppError;
pub use aggregate::{AggregateFetch, AggregateShape, GroupsShape};
pub use filter::Filter;
pub use keyset::{Ordering, PageSpec};
pub use response_key::ResponseKey;
pub use search::{KnowledgeFetch, TextSearchFetch};

/// A planned operation: its root fields in response order.
#[derive(Debug, Serialize)]
pub struct Plan {
    pub fields: Vec<RootField>,
    /// A mutation: its fields run one after another in one read-write transaction.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mutation: bool,
}

/// One root field. A field whose arguments are wrong carries its error (reported at its path).
#[derive(Debug, Serialize)]
pub struct RootField {
    pub key: String,
    /// Where the field is in the document (for error locations).
    #[serde(skip)]
    pub pos: async_graphql::Pos,
    /// Whether the field's type is nullable (an error then nulls only this field).
    pub nullable: bool,
    #[serde(serialize_with = "serialize_planned")]
    pub plan: Result<Root, AppError>,
}

fn serialize_planned<S: serde::Serializer>(plan: &Result<Root, AppError>, s: S) -> Result<S::Ok, S::Error> {
    match plan {
        Ok(root) => root.serialize(s),
        Err(e) => {
            serde_json::json!({ "error": { "code": e.code().as_str(), "message": e.client_message() } }).serialize(s)
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Root {
    /// `__typename` at the root: `"Query"`.
    Typename,
    /// `__schema` / `__type`: answered by async-graphql's introspection.
    Introspection,
    /// A root list (`agents`).
    List { fetch: ListFetch, shape: ConnectionShape },
    /// `agent(id:)`, `agentBySlug(slug:)`: one row or NOT_FOUND.
    Single { lookup: Lookup, visibility: Option<Filter>, fetch: Fetch, shape: ObjectShape },
    /// `searchKnowledge`.
    Knowledge { fetch: KnowledgeFetch, shape: HitShape },
    /// `search`.
    Search { fetch: TextSearchFetch, shape: SearchShape },
    /// `node(nodeId:)` (`single`) and `nodes(nodeIds:)`: the rows global ids name, one statement
    /// per table.
    Nodes { single: bool, groups: Vec<NodeGroup>, slots: Vec<Option<(usize, Uuid)>> },
    /// A mutation field (`createAgent`, `updateAgents`, …).
    Mutation(Box<mutation::Write>),
}

/// The rows of one table that `node`/`nodes` asks for, with the selection's shape for that type.
#[derive(Debug, Serialize)]
pub struct NodeGroup {
    pub ids: Vec<Uuid>,
    pub visibility: Option<Filter>,
    pub fetch: Fetch,
    pub shape: ObjectShape,
}

/// How a single-row root field finds its row.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lookup {
    Id(Uuid),
    Natural { column: ColumnId, value: String },
}

/// Rows of one table to read: the columns (the projection: `id` first where the table has one),
/// and the relations to load for them, by response key.
#[derive(Debug, Serialize, Clone)]
pub struct Fetch {
    pub table: TableId,
    pub table_name: String,
    pub columns: Vec<ColumnId>,
    pub relations: Vec<RelationFetch>,
}

impl Fetch {
    pub fn slot(&self, column: ColumnId) -> Option<usize> {
        self.columns.iter().position(|&c| c == column)
    }

    pub fn relation(&self, key: &str) -> Option<usize> {
        self.relations.iter().position(|r| r.key == key)
    }
}

#[derive(Debug, Serialize, Clone)]
pub struct RelationFetch {
    pub key: String,
    pub load: Load,
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum Load {
    /// Belongs-to: the rows whose id is this row's `fk`.
    One { fk: ColumnId, visibility: Option<Filter>, fetch: Fetch },
    /// Has-many or many-to-many: each parent's own page.
    Many(Box<ListFetch>),
    /// `Agent.knowledgeSearch` / `KnowledgeSource.similarChunks`: one search per parent row.
    Knowledge(Box<KnowledgeFetch>),
}

/// A page of a table: at the root, or each parent's page of a list relation.
#[derive(Debug, Serialize, Clone)]
pub struct ListFetch {
    /// The relation, when this is each parent's page of it.
    pub relation: Option<RelationId>,
    /// The caller's filter (`filter:`, `search:`).
    pub filter: Option<Filter>,
    /// What the caller may see of the target table (and of the junction, for many-to-many).
    pub visibility: Option<Filter>,
    pub junction_visibility: Option<Filter>,
    pub ordering: Ordering,
    pub page: PageSpec,
    pub want_total: bool,
    pub node: Fetch,
    /// The junction row of many-to-many edges (its edge columns and `link { … }`).
    pub link: Option<Fetch>,
    /// `aggregate` and `groups` fields: one statement each over the same rows (filter, search,
    /// visibility, parent), ignoring the page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aggregates: Vec<AggregateFetch>,
    /// Nothing but aggregates (and `totalCount`) is selected: the page itself is not read.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aggregates_only: bool,
}

/// An object in the response, in selection order.
#[derive(Debug, Serialize, Clone, Default)]
pub struct ObjectShape {
    pub fields: Vec<ObjectField>,
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum ObjectField {
    Typename {
        key: ResponseKey,
        name: String,
    },
    /// `nodeId`: the global id of the row (its table and `id`, `node_id.rs`).
    NodeId {
        key: ResponseKey,
        table: String,
    },
    Column {
        key: ResponseKey,
        slot: usize,
        kind: ScalarKind,
    },
    One {
        key: ResponseKey,
        relation: usize,
        shape: ObjectShape,
    },
    Many {
        key: ResponseKey,
        relation: usize,
        shape: ConnectionShape,
    },
    Hits {
        key: ResponseKey,
        relation: usize,
        shape: HitShape,
    },
}

#[derive(Debug, Serialize, Clone, Default)]
pub struct ConnectionShape {
    pub type_name: String,
    pub edge_type_name: String,
    pub fields: Vec<ConnectionField>,
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionField {
    Typename {
        key: ResponseKey,
    },
    TotalCount {
        key: ResponseKey,
    },
    PageInfo {
        key: ResponseKey,
        fields: Vec<PageInfoField>,
    },
    Nodes {
        key: ResponseKey,
        shape: ObjectShape,
    },
    Edges {
        key: ResponseKey,
        fields: Vec<EdgeField>,
    },
    /// `aggregate { … }`: the `index`-th of [`ListFetch::aggregates`].
    Aggregate {
        key: ResponseKey,
        index: usize,
        shape: AggregateShape,
    },
    /// `groups(by: …) { … }`: the `index`-th of [`ListFetch::aggregates`].
    Groups {
        key: ResponseKey,
        index: usize,
        shape: GroupsShape,
    },
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum PageInfoField {
    Typename { key: ResponseKey },
    HasNextPage { key: ResponseKey },
    HasPreviousPage { key: ResponseKey },
    StartCursor { key: ResponseKey },
    EndCursor { key: ResponseKey },
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum EdgeField {
    Typename {
        key: ResponseKey,
    },
    Cursor {
        key: ResponseKey,
    },
    Node {
        key: ResponseKey,
        shape: ObjectShape,
    },
    /// A junction column on a many-to-many edge (`isPrimary`), from the link fetch.
    LinkColumn {
        key: ResponseKey,
        slot: usize,
        kind: ScalarKind,
    },
    Link {
        key: ResponseKey,
        shape: ObjectShape,
    },
}

/// `KnowledgeHit` objects.
#[derive(Debug, Serialize, Clone, Default)]
pub struct HitShape {
    pub fields: Vec<HitField>,
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum HitField {
    Typename { key: ResponseKey },
    Score { key: ResponseKey },
    Chunk { key: ResponseKey, shape: ObjectShape },
    Source { key: ResponseKey, shape: ObjectShape },
}

/// `SearchHit` objects; `hit` has one shape per table searched (its fragments' type conditions).
#[derive(Debug, Serialize, Clone, Default)]
pub struct SearchShape {
    pub fields: Vec<SearchField>,
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum SearchField {
    Typename {
        key: ResponseKey,
    },
    Rank {
        key: ResponseKey,
    },
    Snippet {
        key: ResponseKey,
    },
    TypeName {
        key: ResponseKey,
    },
    /// `hit`: the shape for each searched table, aligned with [`TextSearchFetch::tables`].
    Hit {
        key: ResponseKey,
        shapes: Vec<ObjectShape>,
    },
}

impl Plan {
    /// Every table the plan reads (node, junction and relation-filter tables), for the audit of
    /// tenant-private reads. Search statements also read their fixed tables.
    pub fn tables_read(&self, catalog: &crate::catalog::Catalog) -> Vec<TableId> {
        let mut out = Vec::new();
        for root in &self.fields {
            match &root.plan {
                Ok(Root::List { fetch, .. }) => list_tables(catalog, fetch, &mut out),
                Ok(Root::Single { fetch, .. }) => fetch_tables(catalog, fetch, &mut out),
                Ok(Root::Knowledge { fetch, .. }) => knowledge_tables(catalog, fetch, &mut out),
                Ok(Root::Mutation(w)) => fetch_tables(catalog, &w.returning, &mut out),
                Ok(Root::Nodes { groups, .. }) => groups.iter().for_each(|g| fetch_tables(catalog, &g.fetch, &mut out)),
                Ok(Root::Search { fetch, .. }) => {
                    out.extend(&fetch.tables);
                    for f in &fetch.fetches {
                        fetch_tables(catalog, f, &mut out);
                    }
                }
                _ => {}
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn fetch_tables(catalog: &crate::catalog::Catalog, fetch: &Fetch, out: &mut Vec<TableId>) {
    out.push(fetch.table);
    for r in &fetch.relations {
        match &r.load {
            Load::One { fetch, .. } => fetch_tables(catalog, fetch, out),
            Load::Many(list) => list_tables(catalog, list, out),
            Load::Knowledge(k) => knowledge_tables(catalog, k, out),
        }
    }
}

fn list_tables(catalog: &crate::catalog::Catalog, list: &ListFetch, out: &mut Vec<TableId>) {
    fetch_tables(catalog, &list.node, out);
    for g in list.aggregates.iter().filter_map(|a| a.groups.as_ref()) {
        for r in &g.relations {
            fetch_tables(catalog, &r.fetch, out);
        }
    }
    if let Some(link) = &list.link {
        fetch_tables(catalog, link, out);
    }
    if let Some(f) = &list.filter {
        filter_tables(catalog, f, out);
    }
}

fn knowledge_tables(catalog: &crate::catalog::Catalog, k: &KnowledgeFetch, out: &mut Vec<TableId>) {
    fetch_tables(catalog, &k.chunk, out);
    fetch_tables(catalog, &k.source, out);
    for name in ["knowledge_industry_mapping", "agent_knowledge"] {
        out.extend(catalog.table(name).map(|t| t.id));
    }
}

fn filter_tables(catalog: &crate::catalog::Catalog, f: &Filter, out: &mut Vec<TableId>) {
    match f {
        Filter::All(parts) | Filter::Any(parts) => parts.iter().for_each(|p| filter_tables(catalog, p, out)),
        Filter::Not(inner) => filter_tables(catalog, inner, out),
        Filter::Related { relation, filter, .. } => {
            let rel = &catalog.relations[*relation];
            out.push(rel.target);
            if let crate::catalog::RelationKind::ManyToMany { junction, .. } = rel.kind {
                out.push(junction);
            }
            filter_tables(catalog, filter, out);
        }
        _ => {}
    }
}
