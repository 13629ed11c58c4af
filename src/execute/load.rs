//! Runs a plan's fetches, level by level: every relation of a level is loaded for all its parent
//! rows with one statement (belongs-to by `id = ANY`, lists with one `LATERAL` statement paging
//! each parent in SQL), then its own relations below, depth first. A list's aggregates and groups
//! are one statement each per level too, for all parents. The statements of sibling relations
//! (and a list's counts and aggregates) do not depend on each other, so they go out together, in
//! one round trip ([`Session::query_all`]): the agent walk's six statements take three round trips
//! instead of six (bench/README.md, "Sibling loads in one round trip"). A per-parent vector search
//! (`Agent.knowledgeSearch`, `KnowledgeSource.similarChunks`) is one statement per parent row, all
//! of them in their level's round trip. Rows are kept packed
//! ([`PackedRows`]); only ids and foreign keys are decoded here, everything else when the answer is
//! written.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// Maps keyed by row ids (parents, foreign keys), with a fast non-cryptographic hasher.
pub type UuidMap<V> = HashMap<Uuid, V, foldhash::fast::RandomState>;

use futures::FutureExt;
use futures::future::BoxFuture;
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::error::{AppError, Context};
use crate::execute::packed_rows::{PackedRows, RowRef};
use crate::execute::plan_choice::{self, IndexedColumns};
use crate::execute::session::Session;
use crate::plan::context::PlanContext;
use crate::plan::search::Parent;
use crate::plan::{Fetch, Filter, KnowledgeFetch, ListFetch, Load, PageSpec, TextSearchFetch};
use crate::search::embedding_provider::EmbeddingProvider;
use crate::search::vector::KnowledgeQuery;
use crate::sql::compile;
use crate::sql::sql_text::Sql;

/// Rows of one fetch, with their relations loaded (aligned with [`Fetch::relations`]).
pub struct Loaded {
    pub rows: Arc<PackedRows>,
    /// Where the fetch's columns start in each row.
    pub offset: usize,
    pub ids: Vec<Uuid>,
    pub relations: Vec<LoadedRelation>,
}

pub enum LoadedRelation {
    One { fk_slot: usize, index: UuidMap<usize>, target: Loaded },
    Many { pages: UuidMap<Page>, nodes: Loaded, links: Option<Loaded>, aggregates: Vec<LoadedAggregate> },
    Hits { per_parent: UuidMap<Hits> },
}

impl Loaded {
    /// Each row's position by its id.
    pub fn positions(&self) -> UuidMap<usize> {
        self.ids.iter().enumerate().map(|(i, id)| (*id, i)).collect()
    }
}

/// The rows of one `aggregate` / `groups` statement (aligned with [`ListFetch::aggregates`]), by
/// parent: the nil id at the root.
pub struct LoadedAggregate {
    pub rows: PackedRows,
    /// Where the group keys (or the values) start in each row: after `parent`, if any.
    pub offset: usize,
    /// Each parent's rows (one for `aggregate`, a page for `groups`) and whether more groups follow.
    pub per_parent: UuidMap<(Vec<usize>, bool)>,
    /// The rows of the group keys' relations, with their positions by id (aligned with
    /// [`crate::plan::aggregate::GroupFetch::relations`]).
    pub relations: Vec<(UuidMap<usize>, Loaded)>,
}

/// One page of rows (indexes into a [`Loaded`]).
#[derive(Debug, Default)]
pub struct Page {
    pub rows: Vec<usize>,
    pub has_next: bool,
    pub has_previous: bool,
    pub total: Option<i64>,
}

/// Hits of one knowledge search: `(chunk row, source row, score)`.
pub struct Hits {
    pub hits: Vec<(usize, usize, f64)>,
    pub chunks: Loaded,
    pub sources: Loaded,
}

/// Hits of `search`: `(table index, row, rank, snippet)` and the rows per searched table.
pub struct SearchHits {
    pub hits: Vec<(usize, usize, f64, String)>,
    pub tables: Vec<Option<Loaded>>,
}

/// Cuts `rows` (read with one extra row) to a page and says whether more exist beyond it.
pub fn paginate(mut rows: Vec<usize>, page: &PageSpec) -> Page {
    let more = rows.len() > page.limit;
    rows.truncate(page.limit);
    let (has_next, has_previous) = if page.backward {
        rows.reverse();
        (page.before.is_some(), more)
    } else {
        (more, page.after.is_some())
    };
    Page { rows, has_next, has_previous, total: None }
}

fn unique(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let most = ids.size_hint().1.unwrap_or_default();
    let mut seen = std::collections::HashSet::<Uuid, foldhash::fast::RandomState>::with_capacity_and_hasher(
        most,
        foldhash::fast::RandomState::default(),
    );
    let mut out = Vec::with_capacity(most);
    out.extend(ids.filter(|id| seen.insert(*id)));
    out
}

/// The positions of each parent's rows in `rows` (rows start with their parent's id), aligned
/// with `parents` (distinct), each in the statement's order. The rows are counted per parent
/// first, so each parent's list is allocated once at its size: growing one list per parent row by
/// row was about 2% of the agent walk's gateway CPU.
fn rows_by_parent(rows: &PackedRows, parents: &[Uuid]) -> Result<Vec<Vec<usize>>, AppError> {
    let mut slot = UuidMap::with_capacity_and_hasher(parents.len(), foldhash::fast::RandomState::default());
    for (i, p) in parents.iter().enumerate() {
        slot.insert(*p, i);
    }
    let mut owner = Vec::with_capacity(rows.len());
    let mut counts = vec![0usize; parents.len()];
    for r in rows.iter() {
        let parent = uuid_at(r, 0)?.unwrap_or_default();
        let at = slot.get(&parent).copied();
        if let Some(at) = at {
            counts[at] += 1;
        }
        owner.push(at);
    }
    let mut lists: Vec<Vec<usize>> = counts.into_iter().map(Vec::with_capacity).collect();
    for (i, at) in owner.into_iter().enumerate() {
        if let Some(at) = at {
            lists[at].push(i);
        }
    }
    Ok(lists)
}

/// The uuid at `index` of `row`, if not null.
pub fn uuid_at(row: RowRef<'_>, index: usize) -> Result<Option<Uuid>, AppError> {
    row.uuid(index).context("decoding a uuid")
}

/// Independent statements to send in one round trip ([`Session::query_all`]).
#[derive(Default)]
struct Batch(Vec<Sql>);

impl Batch {
    /// Adds `sql`; its rows will be at the returned index.
    fn add(&mut self, sql: Sql) -> usize {
        self.0.push(sql);
        self.0.len() - 1
    }
}

/// The rows of statement `at` of a batch (none: no statement was needed, so no rows).
fn take(results: &mut [Option<PackedRows>], at: Option<usize>) -> PackedRows {
    at.and_then(|i| results.get_mut(i)).and_then(Option::take).unwrap_or_default()
}

/// What a relation sent in its level's batch.
enum Pending {
    One {
        fk_slot: usize,
        at: Option<usize>,
    },
    Many(ListStatements),
    /// Each parent's search (none: `first: 0`).
    Knowledge(Vec<(Uuid, Option<usize>)>),
}

/// A list's statements in its level's batch.
struct ListStatements {
    parents: Vec<Uuid>,
    rows: Option<usize>,
    counts: Option<usize>,
    aggregates: Vec<Option<usize>>,
}

pub struct Loader<'a> {
    pub plan: &'a PlanContext,
    pub session: &'a Session,
    /// Embeds the text of text-only knowledge searches.
    pub embeddings: Option<&'a EmbeddingProvider>,
    /// Which columns lead an index ([`plan_choice`]).
    pub indexes: &'a IndexedColumns,
}

impl Loader<'_> {
    fn catalog(&self) -> &Catalog {
        &self.plan.catalog
    }

    pub async fn query(&self, sql: Sql) -> Result<PackedRows, AppError> {
        self.session.query(sql).await
    }

    /// Decodes the ids of `rows` and loads every relation `fetch` asks for: the first statement of
    /// each relation (and a list's counts and aggregates) all in one round trip, as none depends
    /// on another, then each relation's own relations below it.
    pub fn load<'b>(
        &'b self,
        fetch: &'b Fetch,
        rows: Arc<PackedRows>,
        offset: usize,
    ) -> BoxFuture<'b, Result<Loaded, AppError>> {
        self.load_page(fetch, rows, offset, None)
    }

    /// [`Self::load`] for the rows of pages, where `peek[i]` marks row `i` as a page's look-ahead
    /// row: read only to tell whether another page follows, never written, so its relations are
    /// not loaded. (They were: a page of 50 agents loaded the 51st agent's prompts, sources and
    /// chunks, and each agent's fourth knowledge source its chunks.)
    fn load_page<'b>(
        &'b self,
        fetch: &'b Fetch,
        rows: Arc<PackedRows>,
        offset: usize,
        peek: Option<Vec<bool>>,
    ) -> BoxFuture<'b, Result<Loaded, AppError>> {
        async move {
            let written = |i: usize| peek.as_ref().is_none_or(|p| !p[i]);
            let has_id = self.catalog().tables[fetch.table].col_id("id").is_some();
            let ids = if has_id {
                let mut ids = Vec::with_capacity(rows.len());
                for r in rows.iter() {
                    ids.push(uuid_at(r, offset)?.unwrap_or_default());
                }
                ids
            } else {
                vec![Uuid::nil(); rows.len()]
            };
            let mut loaded = Loaded { rows, offset, ids, relations: Vec::with_capacity(fetch.relations.len()) };
            let mut batch = Batch::default();
            let mut pending = Vec::with_capacity(fetch.relations.len());
            // The level's distinct rows, the parents of its lists and searches (computed once).
            let parents = if fetch.relations.is_empty() {
                Vec::new()
            } else {
                unique(loaded.ids.iter().enumerate().filter(|&(i, _)| written(i)).map(|(_, id)| *id))
            };
            for rel in &fetch.relations {
                pending.push(match &rel.load {
                    Load::One { fk, visibility, fetch: target } => {
                        let fk_slot = fetch.slot(*fk).unwrap_or_default();
                        let mut fks = Vec::with_capacity(loaded.rows.len());
                        for (i, r) in loaded.rows.iter().enumerate() {
                            if written(i) {
                                fks.extend(uuid_at(r, offset + fk_slot)?);
                            }
                        }
                        let fks = unique(fks.into_iter());
                        let at = (!fks.is_empty())
                            .then(|| batch.add(compile::by_ids(self.catalog(), target, &fks, visibility.as_ref())));
                        Pending::One { fk_slot, at }
                    }
                    Load::Many(list) => Pending::Many(self.list_statements(list, parents.clone(), &mut batch)),
                    Load::Knowledge(k) => {
                        // One search per parent row, all in the level's round trip.
                        let mut searches = Vec::with_capacity(parents.len());
                        if !parents.is_empty() {
                            let (embedding, hybrid_text) = self.search_vector(k).await?;
                            for &id in &parents {
                                let sql = self.knowledge_statement(k, Some(id), &embedding, hybrid_text)?;
                                searches.push((id, sql.map(|sql| batch.add(sql))));
                            }
                        }
                        Pending::Knowledge(searches)
                    }
                });
            }
            let mut results = self.run(batch).await?;
            for (rel, pending) in fetch.relations.iter().zip(pending) {
                let data = match (&rel.load, pending) {
                    (Load::One { fetch: target, .. }, Pending::One { fk_slot, at }) => {
                        let target = self.load(target, Arc::new(take(&mut results, at)), 0).await?;
                        LoadedRelation::One { fk_slot, index: target.positions(), target }
                    }
                    (Load::Many(list), Pending::Many(statements)) => {
                        self.assemble_list(list, statements, &mut results).await?
                    }
                    (Load::Knowledge(k), Pending::Knowledge(searches)) => {
                        let mut per_parent = UuidMap::default();
                        for (id, at) in searches {
                            per_parent.insert(id, self.hits(k, take(&mut results, at)).await?);
                        }
                        LoadedRelation::Hits { per_parent }
                    }
                    _ => return Err(AppError::internal("loading", "a relation planned as another kind")),
                };
                loaded.relations.push(data);
            }
            Ok(loaded)
        }
        .boxed()
    }

    /// Runs a batch's statements in one round trip (none: nothing is sent, see
    /// [`Session::query_all`]).
    async fn run(&self, batch: Batch) -> Result<Vec<Option<PackedRows>>, AppError> {
        Ok(self.session.query_all(batch.0).await?.into_iter().map(Some).collect())
    }

    /// The statements of a list below `parents` (distinct): its page per parent, its counts and its
    /// aggregates (none without parents).
    fn list_statements(&self, list: &ListFetch, parents: Vec<Uuid>, batch: &mut Batch) -> ListStatements {
        let some = !parents.is_empty();
        let rows =
            (some && !list.aggregates_only).then(|| batch.add(compile::children(self.catalog(), list, &parents)));
        let counts =
            (some && list.want_total).then(|| batch.add(compile::child_counts(self.catalog(), list, &parents)));
        let aggregates = self.aggregate_statements(list, Some(&parents), batch);
        ListStatements { parents, rows, counts, aggregates }
    }

    async fn assemble_list(
        &self,
        list: &ListFetch,
        statements: ListStatements,
        results: &mut [Option<PackedRows>],
    ) -> Result<LoadedRelation, AppError> {
        let ListStatements { parents, rows, counts, aggregates } = statements;
        let rows = take(results, rows);
        let by_parent = rows_by_parent(&rows, &parents)?;
        // Each parent's rows past its page's limit: the look-ahead row, last in statement order.
        let mut peek = None::<Vec<bool>>;
        for own in &by_parent {
            for &i in own.iter().skip(list.page.limit) {
                peek.get_or_insert_with(|| vec![false; rows.len()])[i] = true;
            }
        }
        let rows = Arc::new(rows);
        let nodes = self.load_page(&list.node, Arc::clone(&rows), 1, peek.clone()).await?;
        let links = match &list.link {
            Some(link) => Some(self.load_page(link, Arc::clone(&rows), 1 + list.node.columns.len(), peek).await?),
            None => None,
        };
        let mut totals = UuidMap::default();
        for r in take(results, counts).iter() {
            totals.insert(uuid_at(r, 0)?.unwrap_or_default(), r.try_get::<i64>(1).context("decoding a count")?);
        }
        let aggregates = self.assemble_aggregates(list, true, aggregates, results).await?;
        let mut pages = UuidMap::with_capacity_and_hasher(parents.len(), foldhash::fast::RandomState::default());
        for (parent, rows) in parents.into_iter().zip(by_parent) {
            let mut page = paginate(rows, &list.page);
            page.total = list.want_total.then(|| totals.remove(&parent).unwrap_or(0));
            pages.insert(parent, page);
        }
        Ok(LoadedRelation::Many { pages, nodes, links, aggregates })
    }

    /// The statements of the list's `aggregate` and `groups` fields: one each, for every parent at
    /// once (none without parents).
    fn aggregate_statements(
        &self,
        list: &ListFetch,
        parents: Option<&[Uuid]>,
        batch: &mut Batch,
    ) -> Vec<Option<usize>> {
        list.aggregates
            .iter()
            .map(|agg| match parents {
                Some([]) => None,
                _ => Some(batch.add(crate::sql::aggregate::statement(self.catalog(), list, agg, parents))),
            })
            .collect()
    }

    /// The aggregates' rows by parent (`per_parent`: rows start with their parent's id), then one
    /// statement per group key relation.
    async fn assemble_aggregates(
        &self,
        list: &ListFetch,
        per_parent_rows: bool,
        statements: Vec<Option<usize>>,
        results: &mut [Option<PackedRows>],
    ) -> Result<Vec<LoadedAggregate>, AppError> {
        let mut out = Vec::with_capacity(list.aggregates.len());
        for (agg, at) in list.aggregates.iter().zip(statements) {
            let rows = take(results, at);
            let offset = usize::from(per_parent_rows);
            let mut per_parent: UuidMap<(Vec<usize>, bool)> = UuidMap::default();
            for (i, r) in rows.iter().enumerate() {
                let parent = if per_parent_rows { uuid_at(r, 0)?.unwrap_or_default() } else { Uuid::nil() };
                per_parent.entry(parent).or_default().0.push(i);
            }
            let mut relations = Vec::new();
            if let Some(groups) = &agg.groups {
                for page in per_parent.values_mut() {
                    page.1 = page.0.len() > groups.limit;
                    page.0.truncate(groups.limit);
                }
                for rel in &groups.relations {
                    let mut fks = Vec::new();
                    for (at, _) in per_parent.values() {
                        for &i in at {
                            fks.extend(uuid_at(rows.row(i), offset + rel.by_index)?);
                        }
                    }
                    let target = self.by_ids(&rel.fetch, &unique(fks.into_iter()), rel.visibility.as_ref()).await?;
                    relations.push((target.positions(), target));
                }
            }
            out.push(LoadedAggregate { rows, offset, per_parent, relations });
        }
        Ok(out)
    }

    /// A root list: its page, its rows' relations, its aggregates and, when asked for, its total
    /// (the page, count and aggregate statements in one round trip).
    pub async fn root_list(&self, list: &ListFetch) -> Result<(Loaded, Page, Vec<LoadedAggregate>), AppError> {
        let mut batch = Batch::default();
        let rows = (!list.aggregates_only).then(|| {
            let mut page = compile::page(self.catalog(), list);
            page.generic_plan = plan_choice::generic_root_page(self.indexes, list);
            batch.add(page)
        });
        let count = list.want_total.then(|| batch.add(compile::count(self.catalog(), list)));
        let aggregates = self.aggregate_statements(list, None, &mut batch);
        let mut results = self.run(batch).await?;
        let rows = take(&mut results, rows);
        let n = rows.len();
        let peek = (n > list.page.limit).then(|| (0..n).map(|i| i >= list.page.limit).collect());
        let nodes = self.load_page(&list.node, Arc::new(rows), 0, peek).await?;
        let mut page = paginate((0..n).collect(), &list.page);
        if count.is_some() {
            page.total = Some(match take(&mut results, count).first() {
                Some(r) => r.try_get::<i64>(0).context("decoding a count")?,
                None => 0,
            });
        }
        let aggregates = self.assemble_aggregates(list, false, aggregates, &mut results).await?;
        Ok((nodes, page, aggregates))
    }

    /// A knowledge search at the root.
    pub async fn knowledge(&self, k: &KnowledgeFetch) -> Result<Hits, AppError> {
        let (embedding, hybrid_text) = self.search_vector(k).await?;
        let rows = match self.knowledge_statement(k, None, &embedding, hybrid_text)? {
            Some(sql) => self.query(sql).await?,
            None => PackedRows::default(),
        };
        self.hits(k, rows).await
    }

    /// The query vector of search `k`, and its text when the search is hybrid: a search by text
    /// alone has its text embedded by the provider (once, however many parents it runs for).
    async fn search_vector<'k>(&self, k: &'k KnowledgeFetch) -> Result<(Cow<'k, [f32]>, Option<&'k String>), AppError> {
        match (&k.embedding, &k.text) {
            (Some(e), t) => Ok((Cow::Borrowed(e.as_slice()), t.as_ref())),
            (None, Some(t)) => {
                let provider = self.embeddings.ok_or_else(|| {
                    AppError::bad_input("text-only vector search needs an embedding provider (REGISTRY_EMBEDDING_URL)")
                })?;
                Ok((Cow::Owned(provider.embed(t).await?), None))
            }
            (None, None) => Err(AppError::bad_input("give `embedding`, `text`, or both")),
        }
    }

    /// The statement of search `k`, for one parent row when it is a per-parent field (none for
    /// `first: 0`).
    fn knowledge_statement(
        &self,
        k: &KnowledgeFetch,
        parent: Option<Uuid>,
        embedding: &[f32],
        hybrid_text: Option<&String>,
    ) -> Result<Option<Sql>, AppError> {
        if k.first == 0 {
            return Ok(None);
        }
        let mut filter = k.filter.clone();
        match (k.parent, parent) {
            (Some(Parent::Agent), Some(id)) => filter.agent = Some(id),
            (Some(Parent::Source), Some(id)) => {
                filter.source_ids = Some(match filter.source_ids.take() {
                    Some(ids) => ids.into_iter().filter(|x| *x == id).collect(),
                    None => vec![id],
                });
            }
            _ => {}
        }
        let q = KnowledgeQuery {
            embedding: embedding.to_vec(),
            hybrid_text: hybrid_text.cloned(),
            first: k.first,
            min_score: k.min_score,
            filter,
        };
        crate::search::vector::hits_statement(self.catalog(), &k.visibility, &q, &k.chunk, &k.source).map(Some)
    }

    /// The hits of a search statement's rows, with their chunks' and sources' relations. Each row
    /// is a hit: its chunk's columns from column 3, its source's after them. The chunks are
    /// distinct, so they are the rows themselves; a source is the first row that names it.
    async fn hits(&self, k: &KnowledgeFetch, rows: PackedRows) -> Result<Hits, AppError> {
        let rows = Arc::new(rows);
        let source_offset = 3 + k.chunk.columns.len();
        let mut hits = Vec::with_capacity(rows.len());
        let mut source_at: UuidMap<usize> = UuidMap::default();
        let mut source_rows = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let sid = r.try_get::<Uuid>(1).context("decoding a source id")?;
            let score = r.try_get::<f64>(2).context("decoding a score")?;
            let at = *source_at.entry(sid).or_insert_with(|| {
                source_rows.push(i);
                source_rows.len() - 1
            });
            hits.push((i, at, score));
        }
        let source_rows =
            if source_rows.len() == rows.len() { Arc::clone(&rows) } else { Arc::new(rows.select(source_rows)) };
        let chunks = self.load(&k.chunk, rows, 3).await?;
        let sources = self.load(&k.source, source_rows, source_offset).await?;
        Ok(Hits { hits, chunks, sources })
    }

    /// Rows of `fetch` by id (none: no statement), with their relations.
    pub async fn by_ids(&self, fetch: &Fetch, ids: &[Uuid], visibility: Option<&Filter>) -> Result<Loaded, AppError> {
        if ids.is_empty() {
            return self.load(fetch, Arc::new(PackedRows::default()), 0).await;
        }
        let rows = self.query(compile::by_ids(self.catalog(), fetch, ids, visibility)).await?;
        self.load(fetch, Arc::new(rows), 0).await
    }

    /// `search`: the ranking statement, then each table with hits by id.
    pub async fn text_search(&self, s: &TextSearchFetch) -> Result<SearchHits, AppError> {
        if s.first == 0 || s.tables.is_empty() {
            return Ok(SearchHits { hits: Vec::new(), tables: s.tables.iter().map(|_| None).collect() });
        }
        let tables: Vec<&crate::catalog::Table> = s.tables.iter().map(|&t| &self.catalog().tables[t]).collect();
        let rows = self
            .query(crate::search::text::statement(self.catalog(), &tables, &s.visibility, &s.query, s.first))
            .await?;
        let mut ranked = Vec::with_capacity(rows.len());
        for r in rows.iter() {
            ranked.push((
                usize::try_from(r.try_get::<i32>(0).context("decoding a hit's table")?).unwrap_or_default(),
                r.try_get::<Uuid>(1).context("decoding a hit's id")?,
                r.try_get::<f64>(2).context("decoding a rank")?,
                r.try_get::<Option<String>>(3).context("decoding a snippet")?.unwrap_or_default(),
            ));
        }
        let mut loaded = Vec::with_capacity(tables.len());
        for (i, fetch) in s.fetches.iter().enumerate() {
            let ids: Vec<Uuid> = ranked.iter().filter(|h| h.0 == i).map(|h| h.1).collect();
            let visibility = s.visibility.get(i).and_then(Option::as_ref);
            loaded.push(if ids.is_empty() { None } else { Some(self.by_ids(fetch, &ids, visibility).await?) });
        }
        let positions: Vec<Option<UuidMap<usize>>> = loaded.iter().map(|l| l.as_ref().map(Loaded::positions)).collect();
        let hits = ranked
            .into_iter()
            .filter_map(|(i, id, rank, snippet)| {
                let at = *positions.get(i)?.as_ref()?.get(&id)?;
                Some((i, at, rank, snippet))
            })
            .collect();
        Ok(SearchHits { hits, tables: loaded })
    }
}
