//! Every statement a plan issues, labelled by response path: the statements `load.rs` runs, with
//! one placeholder parent or id where the real values come from rows. The golden files of the
//! canonical queries (`tests/golden/`) are made of these.

use uuid::Uuid;

use crate::catalog::{Catalog, Table};
use crate::plan::{Fetch, ListFetch};
use crate::sql::compile::{by_id, by_ids, by_key, child_counts, children, count, page};
use crate::sql::sql_text::Sql;

/// Every statement shape a plan can issue, labelled by response path, with one placeholder parent
/// or id where the real values come from rows (`tests/golden/` pins them per canonical query).
pub fn plan_statements(catalog: &Catalog, plan: &crate::plan::Plan) -> Vec<(String, Sql)> {
    use crate::plan::{Lookup, Root};
    let mut out = Vec::new();
    for root in &plan.fields {
        let path = root.key.clone();
        match &root.plan {
            Ok(Root::List { fetch, .. }) => {
                if !fetch.aggregates_only {
                    out.push((path.clone(), page(catalog, fetch)));
                }
                if fetch.want_total {
                    out.push((format!("{path}.totalCount"), count(catalog, fetch)));
                }
                aggregate_statements(catalog, fetch, None, &path, &mut out);
                list_statements(catalog, fetch, &path, &mut out);
            }
            Ok(Root::Single { lookup, visibility, fetch, .. }) => {
                out.push((
                    path.clone(),
                    match lookup {
                        Lookup::Id(id) => by_id(catalog, fetch, *id, visibility.as_ref()),
                        Lookup::Natural { column, value } => {
                            by_key(catalog, fetch, *column, value, visibility.as_ref())
                        }
                    },
                ));
                fetch_statements(catalog, fetch, &path, &mut out);
            }
            Ok(Root::Knowledge { fetch, .. }) => knowledge_statements(catalog, fetch, &path, &mut out),
            Ok(Root::Nodes { groups, .. }) => {
                for g in groups {
                    let here = format!("{path}<{}>", catalog.tables[g.fetch.table].type_name);
                    out.push((here.clone(), by_ids(catalog, &g.fetch, &g.ids, g.visibility.as_ref())));
                    fetch_statements(catalog, &g.fetch, &here, &mut out);
                }
            }
            Ok(Root::Search { fetch, .. }) => {
                let tables: Vec<&Table> = fetch.tables.iter().map(|&t| &catalog.tables[t]).collect();
                out.push((
                    path.clone(),
                    crate::search::text::statement(catalog, &tables, &fetch.visibility, &fetch.query, fetch.first),
                ));
                for ((f, vis), t) in fetch.fetches.iter().zip(&fetch.visibility).zip(&tables) {
                    let hit = format!("{path}.hit<{}>", t.type_name);
                    out.push((hit.clone(), by_ids(catalog, f, &[Uuid::nil()], vis.as_ref())));
                    fetch_statements(catalog, f, &hit, &mut out);
                }
            }
            _ => {}
        }
    }
    out
}

fn fetch_statements(catalog: &Catalog, fetch: &Fetch, path: &str, out: &mut Vec<(String, Sql)>) {
    for rel in &fetch.relations {
        let here = format!("{path}.{}", rel.key);
        match &rel.load {
            crate::plan::Load::One { visibility, fetch: target, .. } => {
                out.push((here.clone(), by_ids(catalog, target, &[Uuid::nil()], visibility.as_ref())));
                fetch_statements(catalog, target, &here, out);
            }
            crate::plan::Load::Many(list) => {
                if !list.aggregates_only {
                    out.push((here.clone(), children(catalog, list, &[Uuid::nil()])));
                }
                if list.want_total {
                    out.push((format!("{here}.totalCount"), child_counts(catalog, list, &[Uuid::nil()])));
                }
                aggregate_statements(catalog, list, Some(&[Uuid::nil()]), &here, out);
                list_statements(catalog, list, &here, out);
            }
            crate::plan::Load::Knowledge(k) => knowledge_statements(catalog, k, &here, out),
        }
    }
}

/// A list's `aggregate` / `groups` statements, and those of the group keys' relations.
fn aggregate_statements(
    catalog: &Catalog,
    list: &ListFetch,
    parents: Option<&[Uuid]>,
    path: &str,
    out: &mut Vec<(String, Sql)>,
) {
    for agg in &list.aggregates {
        let here = format!("{path}.{}", agg.key);
        out.push((here.clone(), crate::sql::aggregate::statement(catalog, list, agg, parents)));
        for rel in agg.groups.iter().flat_map(|g| &g.relations) {
            let key = format!("{here}.key.{}", rel.key);
            out.push((key.clone(), by_ids(catalog, &rel.fetch, &[Uuid::nil()], rel.visibility.as_ref())));
            fetch_statements(catalog, &rel.fetch, &key, out);
        }
    }
}

fn list_statements(catalog: &Catalog, list: &ListFetch, path: &str, out: &mut Vec<(String, Sql)>) {
    fetch_statements(catalog, &list.node, path, out);
    if let Some(link) = &list.link {
        fetch_statements(catalog, link, &format!("{path}.link"), out);
    }
}

fn knowledge_statements(catalog: &Catalog, k: &crate::plan::KnowledgeFetch, path: &str, out: &mut Vec<(String, Sql)>) {
    let q = crate::search::vector::KnowledgeQuery {
        embedding: k.embedding.clone().unwrap_or_default(),
        hybrid_text: k.embedding.as_ref().and(k.text.clone()),
        first: k.first,
        min_score: k.min_score,
        filter: k.filter.clone(),
    };
    if let Ok(sql) = crate::search::vector::hits_statement(catalog, &k.visibility, &q, &k.chunk, &k.source) {
        out.push((path.to_owned(), sql));
    }
    for (name, fetch) in [("chunk", &k.chunk), ("source", &k.source)] {
        let here = format!("{path}.{name}");
        fetch_statements(catalog, fetch, &here, out);
    }
}
