//! Writes the answer straight from the rows into one buffer, in selection order, following the
//! plan's shapes. No intermediate value tree: each column is decoded from its packed row
//! ([`crate::execute::packed_rows`]) and written at once (the resolver path built an `async_graphql::Value` per field and then serialised
//! it; one 2.1 MB answer held about 40 MiB while it was built, bench/README.md).

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, NaiveDate};
use uuid::Uuid;

use crate::catalog::{ScalarKind, enum_value_name};
use crate::error::{AppError, Context};
use crate::execute::load::{Hits, Loaded, LoadedAggregate, LoadedRelation, Page, SearchHits, uuid_at};
use crate::execute::packed_rows::{CellError, RowRef};
use crate::plan::aggregate::{
    AggFn, AggregateField, AggregateShape, GroupFetch, GroupField, GroupKeyField, GroupPageField, GroupsField,
    GroupsShape,
};
use crate::plan::context::PlanContext;
use crate::plan::node_id;
use crate::plan::{
    ConnectionField, ConnectionShape, EdgeField, Fetch, HitField, HitShape, KnowledgeFetch, ListFetch, Load,
    ObjectField, ObjectShape, PageInfoField, ResponseKey, SearchField, SearchShape, TextSearchFetch,
};

/// What a connection is written from: its page of rows (and their junction rows), its
/// aggregates, and the parent whose connection it is (the nil id at the root).
#[derive(Clone, Copy)]
pub struct ConnectionRows<'r> {
    pub nodes: &'r Loaded,
    pub links: Option<&'r Loaded>,
    pub page: &'r Page,
    pub aggregates: &'r [LoadedAggregate],
    pub parent: Uuid,
}

fn aggregate_at(aggregates: &[LoadedAggregate], index: usize) -> Result<&LoadedAggregate, AppError> {
    aggregates.get(index).ok_or_else(|| AppError::internal("writing", "an aggregate was not loaded"))
}

pub struct JsonWriter<'a> {
    pub plan: &'a PlanContext,
    pub buf: Vec<u8>,
}

type Out = Result<(), AppError>;

/// The GraphQL name of a Postgres enum label (`Medical Affairs` → `MEDICAL_AFFAIRS`), interned.
fn enum_name(label: &str) -> Option<&'static str> {
    static NAMES: OnceLock<HashMap<&'static str, String, foldhash::fast::FixedState>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        entity::ENUMS.iter().flat_map(|(_, labels)| labels.iter()).map(|&l| (l, enum_value_name(l))).collect()
    });
    names.get(label).map(String::as_str)
}

/// A column decoded as the type the plan chose for it (`sql/compile.rs`, `select_list`, casts
/// where the column's own type differs); a mismatch is an error of the decoder.
fn decoded<T>(r: Result<T, CellError>) -> Result<T, AppError> {
    r.context("decoding a column")
}

/// A column's value as the JSON the resolver path gave it (cursors are made of these).
pub fn cell_json(row: RowRef<'_>, i: usize, kind: &ScalarKind) -> Result<serde_json::Value, AppError> {
    use serde_json::Value as J;
    Ok(match kind {
        ScalarKind::Uuid => decoded(row.uuid(i))?.map_or(J::Null, |u| J::String(u.to_string())),
        ScalarKind::String | ScalarKind::Decimal => decoded(row.str(i))?.map_or(J::Null, |s| J::String(s.to_owned())),
        ScalarKind::Enum(_) => decoded(row.str(i))?
            .map_or(J::Null, |s| J::String(enum_name(s).map_or_else(|| enum_value_name(s), str::to_owned))),
        ScalarKind::Int => decoded(row.i32(i))?.map_or(J::Null, J::from),
        ScalarKind::BigInt => decoded(row.i64(i))?.map_or(J::Null, J::from),
        ScalarKind::Float => decoded(row.try_get::<Option<f64>>(i))?.map_or(J::Null, J::from),
        ScalarKind::Boolean => decoded(row.bool(i))?.map_or(J::Null, J::Bool),
        ScalarKind::Date => decoded(row.try_get::<Option<NaiveDate>>(i))?
            .map_or(J::Null, |d| J::String(d.format("%Y-%m-%d").to_string())),
        ScalarKind::DateTime => decoded(row.try_get::<Option<DateTime<FixedOffset>>>(i))?
            .map_or(J::Null, |d| J::String(d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))),
        ScalarKind::Json | ScalarKind::StringList | ScalarKind::UuidList | ScalarKind::Vector(_) => J::Null,
    })
}

/// Appends `s` as a JSON string: the same bytes serde_json writes (the tests below compare them),
/// escaped 16 or 32 bytes at a time. Measured reason (bench/README.md, "JSON strings escaped in
/// blocks"): serde_json's byte-at-a-time escaping was 11% of the agent walk's instructions.
fn escape_string(s: &str, out: &mut Vec<u8>) {
    json_escape_simd::escape_into(s, out);
}

impl JsonWriter<'_> {
    fn raw(&mut self, s: &[u8]) {
        self.buf.extend_from_slice(s);
    }

    /// An integer, formatted by `itoa`: `write!` went through `fmt::write` at about 210
    /// instructions a number (2.6% of the agent walk's instructions, bench/README.md).
    fn integer(&mut self, n: impl itoa::Integer) {
        self.raw(itoa::Buffer::new().format(n).as_bytes());
    }

    fn string(&mut self, s: &str) {
        escape_string(s, &mut self.buf);
    }

    /// A GraphQL name (a response key, a type's or an enum value's name) as a JSON string. Names
    /// are `[_A-Za-z][_0-9A-Za-z]*` by the GraphQL grammar, so they need no escaping.
    fn name(&mut self, name: &str) {
        debug_assert!(name.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric()), "{name:?}");
        self.buf.push(b'"');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b'"');
    }

    /// A field's key (`"key":`, after a comma unless it is the object's first).
    fn key(&mut self, first: &mut bool, key: &ResponseKey) {
        if !std::mem::take(first) {
            self.buf.push(b',');
        }
        self.raw(key.json());
    }

    fn json<T: serde::Serialize>(&mut self, v: &T) {
        let _ = serde_json::to_writer(&mut self.buf, v);
    }

    fn bool(&mut self, b: bool) {
        self.raw(if b { b"true" } else { b"false" });
    }

    /// One column of `row`.
    fn cell(&mut self, row: RowRef<'_>, i: usize, kind: &ScalarKind) -> Out {
        match kind {
            ScalarKind::Uuid => match decoded(row.uuid(i))? {
                Some(u) => {
                    let mut b = Uuid::encode_buffer();
                    self.buf.push(b'"');
                    self.raw(u.hyphenated().encode_lower(&mut b).as_bytes());
                    self.buf.push(b'"');
                }
                None => self.raw(b"null"),
            },
            ScalarKind::String | ScalarKind::Decimal => match decoded(row.str(i))? {
                Some(s) => self.string(s),
                None => self.raw(b"null"),
            },
            ScalarKind::Enum(_) => match decoded(row.str(i))? {
                Some(s) => match enum_name(s) {
                    Some(n) => self.name(n),
                    None => self.name(&enum_value_name(s)),
                },
                None => self.raw(b"null"),
            },
            ScalarKind::Int => match decoded(row.i32(i))? {
                Some(n) => self.integer(n),
                None => self.raw(b"null"),
            },
            ScalarKind::BigInt => match decoded(row.i64(i))? {
                Some(n) => self.integer(n),
                None => self.raw(b"null"),
            },
            ScalarKind::Float => {
                let v = decoded(row.try_get::<Option<f64>>(i))?;
                self.json(&v.map(serde_json::Value::from));
            }
            ScalarKind::Boolean => match decoded(row.bool(i))? {
                Some(b) => self.bool(b),
                None => self.raw(b"null"),
            },
            ScalarKind::Json => {
                let v = decoded(row.try_get::<Option<serde_json::Value>>(i))?;
                self.json(&v);
            }
            ScalarKind::StringList => {
                let v = decoded(row.try_get::<Option<Vec<String>>>(i))?;
                self.json(&v);
            }
            ScalarKind::UuidList => {
                let v = decoded(row.try_get::<Option<Vec<Uuid>>>(i))?;
                self.json(&v);
            }
            ScalarKind::Vector(_) => {
                let v = decoded(row.try_get::<Option<Vec<f32>>>(i))?;
                self.json(&v.map(|v| v.into_iter().map(|x| serde_json::Value::from(f64::from(x))).collect::<Vec<_>>()));
            }
            ScalarKind::Date | ScalarKind::DateTime => {
                let v = cell_json(row, i, kind)?;
                self.json(&v);
            }
        }
        Ok(())
    }

    /// An object of `fetch`'s table: row `at` of `loaded`.
    pub fn object(&mut self, shape: &ObjectShape, fetch: &Fetch, loaded: &Loaded, at: usize) -> Out {
        let row = loaded.rows.row(at);
        let mut first = true;
        self.buf.push(b'{');
        for field in &shape.fields {
            match field {
                ObjectField::Typename { key, name } => {
                    self.key(&mut first, key);
                    self.name(name);
                }
                ObjectField::NodeId { key, table } => {
                    self.key(&mut first, key);
                    self.buf.push(b'"');
                    node_id::encode_into(table, loaded.ids[at], &mut self.buf);
                    self.buf.push(b'"');
                }
                ObjectField::Column { key, slot, kind } => {
                    self.key(&mut first, key);
                    self.cell(row, loaded.offset + slot, kind)?;
                }
                ObjectField::One { key, relation, shape } => {
                    self.key(&mut first, key);
                    let (LoadedRelation::One { fk_slot, index, target }, Load::One { fetch: tf, .. }) =
                        (&loaded.relations[*relation], &fetch.relations[*relation].load)
                    else {
                        return Err(AppError::internal("writing", "relation kinds disagree"));
                    };
                    match uuid_at(row, loaded.offset + fk_slot)?.and_then(|fk| index.get(&fk)) {
                        Some(&i) => self.object(shape, tf, target, i)?,
                        None => self.raw(b"null"),
                    }
                }
                ObjectField::Many { key, relation, shape } => {
                    self.key(&mut first, key);
                    let (LoadedRelation::Many { pages, nodes, links, aggregates }, Load::Many(list)) =
                        (&loaded.relations[*relation], &fetch.relations[*relation].load)
                    else {
                        return Err(AppError::internal("writing", "relation kinds disagree"));
                    };
                    let empty = Page::default();
                    let parent = loaded.ids[at];
                    let page = pages.get(&parent).unwrap_or(&empty);
                    let rows = ConnectionRows { nodes, links: links.as_ref(), page, aggregates, parent };
                    self.connection(shape, list, &rows)?;
                }
                ObjectField::Hits { key, relation, shape } => {
                    self.key(&mut first, key);
                    let (LoadedRelation::Hits { per_parent }, Load::Knowledge(k)) =
                        (&loaded.relations[*relation], &fetch.relations[*relation].load)
                    else {
                        return Err(AppError::internal("writing", "relation kinds disagree"));
                    };
                    match per_parent.get(&loaded.ids[at]) {
                        Some(hits) => self.hits(shape, k, hits)?,
                        None => self.raw(b"[]"),
                    }
                }
            }
        }
        self.buf.push(b'}');
        Ok(())
    }

    fn cursor(&self, list: &ListFetch, nodes: &Loaded, at: usize) -> Result<String, AppError> {
        let table = &self.plan.catalog.tables[list.node.table];
        let row = nodes.rows.row(at);
        let values = list
            .ordering
            .columns()
            .map(|c| match list.node.slot(c) {
                Some(slot) => cell_json(row, nodes.offset + slot, &table.columns[c].kind),
                None => Ok(serde_json::Value::Null),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.plan.cursors.encode_values(table, &list.ordering, &values))
    }

    /// A connection over `rows.page`'s rows of `rows.nodes` (and their junction rows), with its
    /// aggregates.
    pub fn connection(&mut self, shape: &ConnectionShape, list: &ListFetch, rows: &ConnectionRows<'_>) -> Out {
        let ConnectionRows { nodes, links, page, aggregates, parent } = *rows;
        let mut first = true;
        self.buf.push(b'{');
        for field in &shape.fields {
            match field {
                ConnectionField::Typename { key } => {
                    self.key(&mut first, key);
                    self.name(&shape.type_name);
                }
                ConnectionField::TotalCount { key } => {
                    self.key(&mut first, key);
                    self.integer(page.total.unwrap_or(0));
                }
                ConnectionField::Nodes { key, shape } => {
                    self.key(&mut first, key);
                    self.buf.push(b'[');
                    for (n, &at) in page.rows.iter().enumerate() {
                        if n > 0 {
                            self.buf.push(b',');
                        }
                        self.object(shape, &list.node, nodes, at)?;
                    }
                    self.buf.push(b']');
                }
                ConnectionField::PageInfo { key, fields } => {
                    self.key(&mut first, key);
                    let mut f = true;
                    self.buf.push(b'{');
                    for p in fields {
                        match p {
                            PageInfoField::Typename { key } => {
                                self.key(&mut f, key);
                                self.name("PageInfo");
                            }
                            PageInfoField::HasNextPage { key } => {
                                self.key(&mut f, key);
                                self.bool(page.has_next);
                            }
                            PageInfoField::HasPreviousPage { key } => {
                                self.key(&mut f, key);
                                self.bool(page.has_previous);
                            }
                            PageInfoField::StartCursor { key } | PageInfoField::EndCursor { key } => {
                                self.key(&mut f, key);
                                let at = if matches!(p, PageInfoField::StartCursor { .. }) {
                                    page.rows.first()
                                } else {
                                    page.rows.last()
                                };
                                match at {
                                    Some(&at) => {
                                        let c = self.cursor(list, nodes, at)?;
                                        self.string(&c);
                                    }
                                    None => self.raw(b"null"),
                                }
                            }
                        }
                    }
                    self.buf.push(b'}');
                }
                ConnectionField::Edges { key, fields } => {
                    self.key(&mut first, key);
                    self.buf.push(b'[');
                    for (n, &at) in page.rows.iter().enumerate() {
                        if n > 0 {
                            self.buf.push(b',');
                        }
                        self.edge(shape, fields, list, nodes, links, at)?;
                    }
                    self.buf.push(b']');
                }
                ConnectionField::Aggregate { key, index, shape } => {
                    self.key(&mut first, key);
                    let loaded = aggregate_at(aggregates, *index)?;
                    let row =
                        loaded.per_parent.get(&parent).and_then(|(at, _)| at.first()).map(|&i| loaded.rows.row(i));
                    self.aggregate(shape, row, loaded.offset)?;
                }
                ConnectionField::Groups { key, index, shape } => {
                    self.key(&mut first, key);
                    let (loaded, fetch) = (aggregate_at(aggregates, *index)?, &list.aggregates[*index]);
                    let groups = fetch
                        .groups
                        .as_ref()
                        .ok_or_else(|| AppError::internal("writing", "groups without grouping"))?;
                    self.groups(shape, groups, loaded, parent)?;
                }
            }
        }
        self.buf.push(b'}');
        Ok(())
    }

    /// An aggregate object over `row`'s values, which start at `base` (no row: no rows were
    /// aggregated, so counts are 0 and the other values null).
    fn aggregate(&mut self, shape: &AggregateShape, row: Option<RowRef<'_>>, base: usize) -> Out {
        self.aggregate_fields(&shape.fields, row, base)
    }

    fn aggregate_fields(&mut self, fields: &[AggregateField], row: Option<RowRef<'_>>, base: usize) -> Out {
        let mut first = true;
        self.buf.push(b'{');
        for field in fields {
            match field {
                AggregateField::Typename { key, name } => {
                    self.key(&mut first, key);
                    self.name(name);
                }
                AggregateField::Value { key, slot, kind, func } => {
                    self.key(&mut first, key);
                    match (row, func) {
                        (Some(row), _) => self.cell(row, base + slot, kind)?,
                        (None, AggFn::Count | AggFn::CountDistinct) => self.raw(b"0"),
                        (None, _) => self.raw(b"null"),
                    }
                }
                AggregateField::Object { key, fields } => {
                    self.key(&mut first, key);
                    self.aggregate_fields(fields, row, base)?;
                }
            }
        }
        self.buf.push(b'}');
        Ok(())
    }

    /// A page of groups: `parent`'s rows of `loaded`.
    fn groups(&mut self, shape: &GroupsShape, groups: &GroupFetch, loaded: &LoadedAggregate, parent: Uuid) -> Out {
        let (rows, has_next) = loaded.per_parent.get(&parent).map_or((&[][..], false), |(r, n)| (&r[..], *n));
        let values = loaded.offset + groups.by.len();
        let mut first = true;
        self.buf.push(b'{');
        for field in &shape.fields {
            match field {
                GroupsField::Typename { key, name } => {
                    self.key(&mut first, key);
                    self.name(name);
                }
                GroupsField::PageInfo { key, fields } => {
                    self.key(&mut first, key);
                    let mut f = true;
                    self.buf.push(b'{');
                    for p in fields {
                        match p {
                            GroupPageField::Typename { key } => {
                                self.key(&mut f, key);
                                self.name(crate::plan::aggregate::names::GROUP_PAGE_INFO);
                            }
                            GroupPageField::HasNextPage { key } => {
                                self.key(&mut f, key);
                                self.bool(has_next);
                            }
                            GroupPageField::HasPreviousPage { key } => {
                                self.key(&mut f, key);
                                self.bool(groups.offset > 0);
                            }
                        }
                    }
                    self.buf.push(b'}');
                }
                GroupsField::Nodes { key, fields } => {
                    self.key(&mut first, key);
                    self.buf.push(b'[');
                    for (n, &at) in rows.iter().enumerate() {
                        if n > 0 {
                            self.buf.push(b',');
                        }
                        let row = loaded.rows.row(at);
                        let mut g = true;
                        self.buf.push(b'{');
                        for field in fields {
                            match field {
                                GroupField::Typename { key, name } => {
                                    self.key(&mut g, key);
                                    self.name(name);
                                }
                                GroupField::Aggregate { key, shape } => {
                                    self.key(&mut g, key);
                                    self.aggregate(shape, Some(row), values)?;
                                }
                                GroupField::Key { key, fields } => {
                                    self.key(&mut g, key);
                                    self.group_key(fields, groups, loaded, row)?;
                                }
                            }
                        }
                        self.buf.push(b'}');
                    }
                    self.buf.push(b']');
                }
            }
        }
        self.buf.push(b'}');
        Ok(())
    }

    fn group_key(
        &mut self,
        fields: &[GroupKeyField],
        groups: &GroupFetch,
        loaded: &LoadedAggregate,
        row: RowRef<'_>,
    ) -> Out {
        let mut first = true;
        self.buf.push(b'{');
        for field in fields {
            match field {
                GroupKeyField::Typename { key, name } => {
                    self.key(&mut first, key);
                    self.name(name);
                }
                GroupKeyField::Column { key, slot, kind } => {
                    self.key(&mut first, key);
                    self.cell(row, loaded.offset + slot, kind)?;
                }
                GroupKeyField::Related { key, relation, shape } => {
                    self.key(&mut first, key);
                    let (Some(rel), Some((index, target))) =
                        (groups.relations.get(*relation), loaded.relations.get(*relation))
                    else {
                        return Err(AppError::internal("writing", "a group key relation was not loaded"));
                    };
                    match uuid_at(row, loaded.offset + rel.by_index)?.and_then(|fk| index.get(&fk)) {
                        Some(&i) => self.object(shape, &rel.fetch, target, i)?,
                        None => self.raw(b"null"),
                    }
                }
            }
        }
        self.buf.push(b'}');
        Ok(())
    }

    fn edge(
        &mut self,
        shape: &ConnectionShape,
        fields: &[EdgeField],
        list: &ListFetch,
        nodes: &Loaded,
        links: Option<&Loaded>,
        at: usize,
    ) -> Out {
        let mut first = true;
        self.buf.push(b'{');
        for field in fields {
            match field {
                EdgeField::Typename { key } => {
                    self.key(&mut first, key);
                    self.name(&shape.edge_type_name);
                }
                EdgeField::Cursor { key } => {
                    self.key(&mut first, key);
                    let c = self.cursor(list, nodes, at)?;
                    self.string(&c);
                }
                EdgeField::Node { key, shape } => {
                    self.key(&mut first, key);
                    self.object(shape, &list.node, nodes, at)?;
                }
                EdgeField::LinkColumn { key, slot, kind } => {
                    self.key(&mut first, key);
                    match links {
                        Some(l) => self.cell(l.rows.row(at), l.offset + slot, kind)?,
                        None => self.raw(b"null"),
                    }
                }
                EdgeField::Link { key, shape } => {
                    self.key(&mut first, key);
                    match (links, &list.link) {
                        (Some(l), Some(lf)) => self.object(shape, lf, l, at)?,
                        _ => self.raw(b"null"),
                    }
                }
            }
        }
        self.buf.push(b'}');
        Ok(())
    }

    /// `[KnowledgeHit!]!`.
    pub fn hits(&mut self, shape: &HitShape, k: &KnowledgeFetch, hits: &Hits) -> Out {
        self.buf.push(b'[');
        for (n, &(c, s, score)) in hits.hits.iter().enumerate() {
            if n > 0 {
                self.buf.push(b',');
            }
            let mut first = true;
            self.buf.push(b'{');
            for field in &shape.fields {
                match field {
                    HitField::Typename { key } => {
                        self.key(&mut first, key);
                        self.name("KnowledgeHit");
                    }
                    HitField::Score { key } => {
                        self.key(&mut first, key);
                        self.json(&serde_json::Value::from(score));
                    }
                    HitField::Chunk { key, shape } => {
                        self.key(&mut first, key);
                        self.object(shape, &k.chunk, &hits.chunks, c)?;
                    }
                    HitField::Source { key, shape } => {
                        self.key(&mut first, key);
                        self.object(shape, &k.source, &hits.sources, s)?;
                    }
                }
            }
            self.buf.push(b'}');
        }
        self.buf.push(b']');
        Ok(())
    }

    /// `[SearchHit!]!`.
    pub fn search_hits(&mut self, shape: &SearchShape, s: &TextSearchFetch, hits: &SearchHits) -> Out {
        self.buf.push(b'[');
        for (n, (t, at, rank, snippet)) in hits.hits.iter().enumerate() {
            if n > 0 {
                self.buf.push(b',');
            }
            let table = &self.plan.catalog.tables[s.tables[*t]];
            let mut first = true;
            self.buf.push(b'{');
            for field in &shape.fields {
                match field {
                    SearchField::Typename { key } => {
                        self.key(&mut first, key);
                        self.name("SearchHit");
                    }
                    SearchField::Rank { key } => {
                        self.key(&mut first, key);
                        self.json(&serde_json::Value::from(*rank));
                    }
                    SearchField::Snippet { key } => {
                        self.key(&mut first, key);
                        self.string(snippet);
                    }
                    SearchField::TypeName { key } => {
                        self.key(&mut first, key);
                        self.name(&table.type_name);
                    }
                    SearchField::Hit { key, shapes } => {
                        self.key(&mut first, key);
                        let loaded = hits.tables[*t]
                            .as_ref()
                            .ok_or_else(|| AppError::internal("writing", "a hit's table was not loaded"))?;
                        self.object(&shapes[*t], &s.fetches[*t], loaded, *at)?;
                    }
                }
            }
            self.buf.push(b'}');
        }
        self.buf.push(b']');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::escape_string;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        escape_string(s, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        let mut cases = vec![
            String::new(),
            "plain".to_owned(),
            every_ascii.clone(),
            "quote \" and backslash \\ and tab \t".to_owned(),
            "ünïcödé, 漢字 and 🦀 \u{7f}\u{80}\u{2028}\u{2029}".to_owned(),
        ];
        // Long strings, so the block paths run, with a byte to escape at every position of a block.
        for at in 0..70 {
            let mut s = "x".repeat(70);
            s.insert(at, if at % 2 == 0 { '"' } else { '\u{1}' });
            cases.push(s);
        }
        cases.push(every_ascii.repeat(40));
        for s in cases {
            assert_eq!(escaped(&s), serde_json::to_string(&s).unwrap(), "{s:?}");
        }
    }
}
