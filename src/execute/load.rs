//! Runs a plan's fetches, level by level: every relation of a level is loaded for all its parent
//! rows with one statement (belongs-to by `id = ANY`, lists with one `LATERAL` statement paging
//! each parent in SQL), then its own relations below, depth first. A list's aggregates and groups
//! are one statement each per level too, for all parents. Rows stay as the driver returns
//! them (`Row`); only ids and foreign keys are decoded here, everything else when the answer is
//! written.

use std::collections::HashMap;
use std::sync::Arc;

/// Maps keyed by row ids (parents, foreign keys), with a fast non-cryptographic hasher.
pub type UuidMap<V> = HashMap<Uuid, V, foldhash::fast::RandomState>;

use futures::FutureExt;
use futures::future::BoxFuture;
use tokio_postgres::Row;
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::error::{AppError, Context};
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
    pub rows: Arc<Vec<Row>>,
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
    pub rows: Vec<Row>,
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
    let mut seen = std::collections::HashSet::<Uuid, foldhash::fast::RandomState>::default();
    ids.filter(|id| seen.insert(*id)).collect()
}

/// The uuid at `index` of `row`, if not null.
pub fn uuid_at(row: &Row, index: usize) -> Result<Option<Uuid>, AppError> {
    row.try_get::<_, Option<Uuid>>(index).context("decoding a uuid")
}

pub struct Loader<'a> {
    pub plan: &'a PlanContext,
    pub session: &'a Session,
    /// Embeds the text of text-only knowledge searches.
    pub embeddings: Option<&'a EmbeddingProvider>,
}

impl Loader<'_> {
    fn catalog(&self) -> &Catalog {
        &self.plan.catalog
    }

    pub async fn query(&self, sql: Sql) -> Result<Vec<Row>, AppError> {
        self.session.query(sql).await
    }

    /// Decodes the ids of `rows` and loads every relation `fetch` asks for.
    pub fn load<'b>(
        &'b self,
        fetch: &'b Fetch,
        rows: Arc<Vec<Row>>,
        offset: usize,
    ) -> BoxFuture<'b, Result<Loaded, AppError>> {
        async move {
            let has_id = self.catalog().tables[fetch.table].col_id("id").is_some();
            let ids = if has_id {
                rows.iter().map(|r| uuid_at(r, offset).map(Option::unwrap_or_default)).collect::<Result<_, _>>()?
            } else {
                vec![Uuid::nil(); rows.len()]
            };
            let mut loaded = Loaded { rows, offset, ids, relations: Vec::with_capacity(fetch.relations.len()) };
            for rel in &fetch.relations {
                let data = match &rel.load {
                    Load::One { fk, visibility, fetch: target } => {
                        let fk_slot = fetch.slot(*fk).unwrap_or_default();
                        let mut fks = Vec::new();
                        for r in loaded.rows.iter() {
                            fks.extend(uuid_at(r, offset + fk_slot)?);
                        }
                        let fks = unique(fks.into_iter());
                        let (index, target) = if fks.is_empty() {
                            (UuidMap::default(), self.load(target, Arc::new(Vec::new()), 0).await?)
                        } else {
                            let rows =
                                self.query(compile::by_ids(self.catalog(), target, &fks, visibility.as_ref())).await?;
                            let target = self.load(target, Arc::new(rows), 0).await?;
                            (target.positions(), target)
                        };
                        LoadedRelation::One { fk_slot, index, target }
                    }
                    Load::Many(list) => self.load_list(list, &loaded.ids).await?,
                    Load::Knowledge(k) => {
                        let mut per_parent = UuidMap::default();
                        for &id in &unique(loaded.ids.iter().copied()) {
                            per_parent.insert(id, self.knowledge(k, Some(id)).await?);
                        }
                        LoadedRelation::Hits { per_parent }
                    }
                };
                loaded.relations.push(data);
            }
            Ok(loaded)
        }
        .boxed()
    }

    async fn load_list(&self, list: &ListFetch, parent_ids: &[Uuid]) -> Result<LoadedRelation, AppError> {
        let parents = unique(parent_ids.iter().copied());
        let rows = if parents.is_empty() || list.aggregates_only {
            Vec::new()
        } else {
            self.query(compile::children(self.catalog(), list, &parents)).await?
        };
        let mut by_parent: UuidMap<Vec<usize>> = UuidMap::default();
        for (i, r) in rows.iter().enumerate() {
            let parent = uuid_at(r, 0)?.unwrap_or_default();
            by_parent.entry(parent).or_default().push(i);
        }
        let rows = Arc::new(rows);
        let nodes = self.load(&list.node, Arc::clone(&rows), 1).await?;
        let links = match &list.link {
            Some(link) => Some(self.load(link, Arc::clone(&rows), 1 + list.node.columns.len()).await?),
            None => None,
        };
        let mut totals = if list.want_total && !parents.is_empty() {
            let counts = self.query(compile::child_counts(self.catalog(), list, &parents)).await?;
            let mut totals = UuidMap::default();
            for r in &counts {
                totals.insert(uuid_at(r, 0)?.unwrap_or_default(), r.try_get::<_, i64>(1).context("decoding a count")?);
            }
            Some(totals)
        } else {
            None
        };
        let aggregates = self.aggregates(list, Some(&parents)).await?;
        let mut pages = UuidMap::with_capacity_and_hasher(parents.len(), foldhash::fast::RandomState::default());
        for parent in parents {
            let mut page = paginate(by_parent.remove(&parent).unwrap_or_default(), &list.page);
            page.total = list.want_total.then(|| totals.as_mut().and_then(|t| t.remove(&parent)).unwrap_or(0));
            pages.insert(parent, page);
        }
        Ok(LoadedRelation::Many { pages, nodes, links, aggregates })
    }

    /// The list's `aggregate` and `groups` fields: one statement each, for every parent at once
    /// (none without parents), then one statement per group key relation.
    async fn aggregates(&self, list: &ListFetch, parents: Option<&[Uuid]>) -> Result<Vec<LoadedAggregate>, AppError> {
        let mut out = Vec::with_capacity(list.aggregates.len());
        for agg in &list.aggregates {
            let rows = match parents {
                Some([]) => Vec::new(),
                _ => self.query(crate::sql::aggregate::statement(self.catalog(), list, agg, parents)).await?,
            };
            let offset = usize::from(parents.is_some());
            let mut per_parent: UuidMap<(Vec<usize>, bool)> = UuidMap::default();
            for (i, r) in rows.iter().enumerate() {
                let parent = if parents.is_some() { uuid_at(r, 0)?.unwrap_or_default() } else { Uuid::nil() };
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
                            fks.extend(uuid_at(&rows[i], offset + rel.by_index)?);
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

    /// A root list: its page, its rows' relations, its aggregates and, when asked for, its total.
    pub async fn root_list(&self, list: &ListFetch) -> Result<(Loaded, Page, Vec<LoadedAggregate>), AppError> {
        let rows =
            if list.aggregates_only { Vec::new() } else { self.query(compile::page(self.catalog(), list)).await? };
        let n = rows.len();
        let nodes = self.load(&list.node, Arc::new(rows), 0).await?;
        let mut page = paginate((0..n).collect(), &list.page);
        if list.want_total {
            let rows = self.query(compile::count(self.catalog(), list)).await?;
            page.total = Some(match rows.first() {
                Some(r) => r.try_get::<_, i64>(0).context("decoding a count")?,
                None => 0,
            });
        }
        let aggregates = self.aggregates(list, None).await?;
        Ok((nodes, page, aggregates))
    }

    /// A knowledge search (for one parent row, when it is a per-parent field).
    pub async fn knowledge(&self, k: &KnowledgeFetch, parent: Option<Uuid>) -> Result<Hits, AppError> {
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
        let (embedding, hybrid_text) = match (&k.embedding, &k.text) {
            (Some(e), t) => (e.clone(), t.clone()),
            (None, Some(t)) => {
                let provider = self.embeddings.ok_or_else(|| {
                    AppError::bad_input("text-only vector search needs an embedding provider (REGISTRY_EMBEDDING_URL)")
                })?;
                (provider.embed(t).await?, None)
            }
            (None, None) => return Err(AppError::bad_input("give `embedding`, `text`, or both")),
        };
        let empty = || async {
            Ok::<_, AppError>(Hits {
                hits: Vec::new(),
                chunks: self.load(&k.chunk, Arc::new(Vec::new()), 0).await?,
                sources: self.load(&k.source, Arc::new(Vec::new()), 0).await?,
            })
        };
        if k.first == 0 {
            return empty().await;
        }
        let q = KnowledgeQuery { embedding, hybrid_text, first: k.first, min_score: k.min_score, filter };
        let ranked = self.query(crate::search::vector::ranking_statement(self.catalog(), &k.visibility, &q)?).await?;
        let mut ranking = Vec::with_capacity(ranked.len());
        for r in &ranked {
            ranking.push((
                r.try_get::<_, Uuid>(0).context("decoding a chunk id")?,
                r.try_get::<_, Uuid>(1).context("decoding a source id")?,
                r.try_get::<_, f64>(2).context("decoding a score")?,
            ));
        }
        let chunk_ids: Vec<Uuid> = ranking.iter().map(|h| h.0).collect();
        let mut source_ids: Vec<Uuid> = ranking.iter().map(|h| h.1).collect();
        source_ids.sort_unstable();
        source_ids.dedup();
        let chunks = self.by_ids(&k.chunk, &chunk_ids, k.visibility.chunks.as_ref()).await?;
        let sources = self.by_ids(&k.source, &source_ids, k.visibility.sources.as_ref()).await?;
        let (chunk_at, source_at) = (chunks.positions(), sources.positions());
        let hits = ranking
            .into_iter()
            .filter_map(|(c, s, score)| Some((*chunk_at.get(&c)?, *source_at.get(&s)?, score)))
            .collect();
        Ok(Hits { hits, chunks, sources })
    }

    /// Rows of `fetch` by id (none: no statement), with their relations.
    pub async fn by_ids(&self, fetch: &Fetch, ids: &[Uuid], visibility: Option<&Filter>) -> Result<Loaded, AppError> {
        if ids.is_empty() {
            return self.load(fetch, Arc::new(Vec::new()), 0).await;
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
        for r in &rows {
            ranked.push((
                usize::try_from(r.try_get::<_, i32>(0).context("decoding a hit's table")?).unwrap_or_default(),
                r.try_get::<_, Uuid>(1).context("decoding a hit's id")?,
                r.try_get::<_, f64>(2).context("decoding a rank")?,
                r.try_get::<_, Option<String>>(3).context("decoding a snippet")?.unwrap_or_default(),
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
