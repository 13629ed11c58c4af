//! Builds the [`Plan`] of a validated operation: fields collected per GraphQL's CollectFields
//! (fragments by type condition, `@skip`/`@include`, fields with the same response key merged),
//! arguments resolved against the variables and parsed, the caller's visibility attached to every
//! table reference. Validation already ran, so unknown fields cannot occur; argument *values* are
//! checked here (page sizes, cursors, filters) and an error belongs to its root field.

use std::borrow::Cow;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value as ConstValue};
use indexmap::IndexMap;
use uuid::Uuid;

use crate::catalog::overrides::{MUTATION, QUERY};
use crate::catalog::writes::{self, WriteKind};
use crate::catalog::{Catalog, ColumnId, Relation, RelationKind, ScalarKind, Table, names, pascal};
use crate::error::AppError;
use crate::plan::aggregate::{
    self, AggFn, AggregateField, GroupFetch, GroupField, GroupKeyField, GroupPageField, GroupsField, KeyRelation,
    Measure,
};
use crate::plan::arguments::{self, ListArgs, Variables};
use crate::plan::context::PlanContext;
use crate::plan::mutation::{self as writing, Action, Target, Write};
use crate::plan::node_id;
use crate::plan::response_key::ResponseKey;
use crate::plan::search::{KnowledgeFetch, TextSearchFetch};
use crate::plan::search::{KnowledgeVisibility, Parent};
use crate::plan::visibility::{tenant_rule, visibility};
use crate::plan::write_rule;
use crate::plan::{
    AggregateFetch, AggregateShape, ConnectionField, ConnectionShape, EdgeField, Fetch, Filter, GroupsShape, HitField,
    HitShape, ListFetch, Load, Lookup, NodeGroup, ObjectField, ObjectShape, PageInfoField, Plan, Root, RootField,
    SearchField, SearchShape,
};
use crate::tenancy::{Scope, WriteScope};

type Fields<'d> = IndexMap<ResponseKey, Vec<&'d Positioned<Field>>>;

/// The operation `operation_name` selects (validation made sure it exists).
pub fn operation<'d>(
    doc: &'d ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'d Positioned<OperationDefinition>> {
    match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The request's variables with the operation's declared defaults filled in.
pub fn variables<'a>(op: &OperationDefinition, given: &'a async_graphql::Variables) -> Variables<'a> {
    op.variable_definitions
        .iter()
        .filter_map(|d| {
            let name = &d.node.name.node;
            let value = given
                .get(name)
                .map(Cow::Borrowed)
                .or_else(|| d.node.default_value.as_ref().map(|v| Cow::Owned(v.node.clone())))?;
            Some((name.clone(), value))
        })
        .collect()
}

/// Plans `op` for a caller who sees `scope` and may write `write`.
pub fn build(
    schema: &PlanContext,
    scope: &Scope,
    write: &WriteScope,
    doc: &ExecutableDocument,
    op: &OperationDefinition,
    variables: &Variables<'_>,
) -> Plan {
    let planner = Planner { schema, catalog: &schema.catalog, scope, write, doc, variables };
    if op.ty == OperationType::Mutation {
        let roots = planner.collect(&[&op.selection_set.node], MUTATION);
        let fields = roots.into_iter().map(|(key, fields)| planner.mutation_root(key.to_string(), &fields)).collect();
        return Plan { fields, mutation: true };
    }
    let roots = planner.collect(&[&op.selection_set.node], "Query");
    Plan {
        fields: roots.into_iter().map(|(key, fields)| planner.root(key.to_string(), &fields)).collect(),
        mutation: false,
    }
}

struct Planner<'a> {
    schema: &'a PlanContext,
    catalog: &'a Catalog,
    scope: &'a Scope,
    write: &'a WriteScope,
    doc: &'a ExecutableDocument,
    variables: &'a Variables<'a>,
}

/// What a root field name stands for.
enum RootName<'c> {
    List(&'c Table),
    ById(&'c Table),
    ByKey(&'c Table, ColumnId),
}

fn root_name<'c>(catalog: &'c Catalog, name: &str) -> Option<RootName<'c>> {
    for t in &catalog.tables {
        if t.list_field == name {
            return Some(RootName::List(t));
        }
        if t.single_field == name {
            return Some(RootName::ById(t));
        }
        if let Some(rest) = name.strip_prefix(t.single_field.as_str()).and_then(|r| r.strip_prefix("By")) {
            for key in t.natural_keys() {
                if pascal(&key.name) == rest {
                    return Some(RootName::ByKey(t, t.col_id(&key.name).unwrap_or_default()));
                }
            }
        }
    }
    None
}

fn selection_sets<'d>(fields: &[&'d Positioned<Field>]) -> Vec<&'d SelectionSet> {
    fields.iter().map(|f| &f.node.selection_set.node).collect()
}

impl<'a> Planner<'a> {
    /// CollectFields: the fields of `sets` applying to `type_name`, by response key, in order.
    fn collect(&self, sets: &[&'a SelectionSet], type_name: &str) -> Fields<'a> {
        let mut out = Fields::new();
        for set in sets {
            self.collect_into(set, type_name, &mut out);
        }
        out
    }

    fn collect_into(&self, set: &'a SelectionSet, type_name: &str, out: &mut Fields<'a>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    if arguments::skipped(&f.node.directives, self.variables) {
                        continue;
                    }
                    let key = f.node.alias.as_ref().unwrap_or(&f.node.name).node.as_str().into();
                    out.entry(key).or_default().push(f);
                }
                Selection::FragmentSpread(spread) => {
                    if arguments::skipped(&spread.node.directives, self.variables) {
                        continue;
                    }
                    if let Some(fragment) = self.doc.fragments.get(&spread.node.fragment_name.node)
                        && self.applies(&fragment.node.type_condition.node.on.node, type_name)
                    {
                        self.collect_into(&fragment.node.selection_set.node, type_name, out);
                    }
                }
                Selection::InlineFragment(inline) => {
                    if arguments::skipped(&inline.node.directives, self.variables) {
                        continue;
                    }
                    let applies =
                        inline.node.type_condition.as_ref().is_none_or(|c| self.applies(&c.node.on.node, type_name));
                    if applies {
                        self.collect_into(&inline.node.selection_set.node, type_name, out);
                    }
                }
            }
        }
    }

    /// Whether a fragment on `condition` applies to an object of `type_name`.
    fn applies(&self, condition: &Name, type_name: &str) -> bool {
        condition.as_str() == type_name
            || (condition.as_str() == node_id::NODE && self.catalog.tables.iter().any(|t| t.type_name == type_name))
            || (condition.as_str() == "SearchResult"
                && crate::catalog::SEARCH_TYPES
                    .iter()
                    .any(|(_, t)| self.catalog.table(t).is_some_and(|t| t.type_name == type_name)))
    }

    /// What the caller may see of `table`.
    fn visible(&self, table: &Table) -> Option<Filter> {
        visibility(self.scope, table)
    }

    /// `field`'s arguments (of an object of type `parent`) by the names the plan reads: the naming
    /// file may show them under other names (`Catalog::argument_name`).
    fn args(&self, parent: &str, field: &Field) -> IndexMap<Name, ConstValue> {
        let mut args = arguments::resolve(field, self.variables);
        let field_name = field.name.node.as_str();
        if args.keys().any(|k| self.catalog.argument_by_schema_name(parent, field_name, k) != k.as_str()) {
            args = args
                .into_iter()
                .map(|(k, v)| (Name::new(self.catalog.argument_by_schema_name(parent, field_name, &k)), v))
                .collect();
        }
        args
    }

    fn root(&self, key: String, fields: &[&'a Positioned<Field>]) -> RootField {
        let first = fields[0];
        let name = first.node.name.node.as_str();
        let (nullable, plan) = match name {
            "__typename" => (false, Ok(Root::Typename)),
            "__schema" | "__type" => (true, Ok(Root::Introspection)),
            "searchKnowledge" => {
                (false, self.knowledge(None, fields).map(|(fetch, shape)| Root::Knowledge { fetch, shape }))
            }
            "search" => (false, self.text_search(fields)),
            "node" => (true, self.nodes(fields, true)),
            "nodes" => (false, self.nodes(fields, false)),
            _ => match root_name(self.catalog, name) {
                Some(RootName::List(t)) => (false, self.root_list(t, fields)),
                Some(RootName::ById(t)) => (true, self.single(t, fields, None)),
                Some(RootName::ByKey(t, c)) => (true, self.single(t, fields, Some(c))),
                None => (true, Err(AppError::internal("planning", format!("unknown root field {name}")))),
            },
        };
        RootField { key, pos: first.pos, nullable, plan }
    }

    fn root_list(&self, table: &'a Table, fields: &[&'a Positioned<Field>]) -> Result<Root, AppError> {
        let (fetch, shape) = self.connection(table, None, fields)?;
        Ok(Root::List { fetch, shape })
    }

    fn single(
        &self,
        table: &'a Table,
        fields: &[&'a Positioned<Field>],
        key: Option<ColumnId>,
    ) -> Result<Root, AppError> {
        let args = self.args(QUERY, &fields[0].node);
        let lookup = match key {
            None => {
                let raw = match args.get("id") {
                    Some(ConstValue::String(s)) => s.as_str(),
                    _ => return Err(AppError::bad_input("argument `id` must be a UUID string")),
                };
                Lookup::Id(
                    uuid::Uuid::parse_str(raw)
                        .map_err(|_| AppError::bad_input(format!("argument `id` is not a valid UUID: {raw:?}")))?,
                )
            }
            Some(column) => {
                let arg = &table.columns[column].field;
                match args.get(arg.as_str()) {
                    Some(ConstValue::String(s)) => Lookup::Natural { column, value: s.clone() },
                    _ => return Err(AppError::bad_input(format!("argument `{arg}` must be a string"))),
                }
            }
        };
        let sets = selection_sets(fields);
        let fetch = self.fetch(table, &sets, &[])?;
        let shape = self.object_shape(table, &sets, &fetch);
        Ok(Root::Single { lookup, visibility: self.visible(table), fetch, shape })
    }

    /// The rows of `table` an object selection needs: its columns (after `id` and `extra`) and
    /// the relations it loads.
    fn fetch(&self, table: &'a Table, sets: &[&'a SelectionSet], extra: &[ColumnId]) -> Result<Fetch, AppError> {
        let mut fetch = Fetch {
            table: table.id,
            table_name: table.name.clone(),
            columns: table.col_id("id").into_iter().collect(),
            relations: Vec::new(),
        };
        let add = |fetch: &mut Fetch, c: ColumnId| {
            if !fetch.columns.contains(&c) {
                fetch.columns.push(c);
            }
        };
        for &c in extra {
            add(&mut fetch, c);
        }
        for (key, fields) in self.collect(sets, &table.type_name) {
            let name = fields[0].node.name.node.as_str();
            if let Some(c) = table.col_id_by_field(name) {
                add(&mut fetch, c);
            } else if let Some(rel) = self.catalog.relation(table, name) {
                let load = match rel.kind {
                    RelationKind::BelongsTo { fk } => {
                        add(&mut fetch, fk);
                        let target = &self.catalog.tables[rel.target];
                        Load::One {
                            fk,
                            visibility: self.visible(target),
                            fetch: self.fetch(target, &selection_sets(&fields), &[])?,
                        }
                    }
                    _ => Load::Many(Box::new(self.connection(&self.catalog.tables[rel.target], Some(rel), &fields)?.0)),
                };
                fetch.relations.push(crate::plan::RelationFetch { key: key.to_string(), load });
            } else if let Some(parent) = retrieval_parent(table, name) {
                let (k, _) = self.knowledge(Some(parent), &fields)?;
                fetch
                    .relations
                    .push(crate::plan::RelationFetch { key: key.to_string(), load: Load::Knowledge(Box::new(k)) });
            }
        }
        Ok(fetch)
    }

    fn object_shape(&self, table: &Table, sets: &[&'a SelectionSet], fetch: &Fetch) -> ObjectShape {
        let mut shape = ObjectShape::default();
        for (key, fields) in self.collect(sets, &table.type_name) {
            let name = fields[0].node.name.node.as_str();
            if name == "__typename" {
                shape.fields.push(ObjectField::Typename { key, name: table.type_name.clone() });
            } else if name == node_id::NODE_ID {
                shape.fields.push(ObjectField::NodeId { key, table: table.name.clone() });
            } else if let Some(c) = table.col_id_by_field(name) {
                let slot = fetch.slot(c).unwrap_or_default();
                shape.fields.push(ObjectField::Column { key, slot, kind: table.columns[c].kind.clone() });
            } else if let Some(relation) = fetch.relation(&key) {
                let sub = selection_sets(&fields);
                let field = match &fetch.relations[relation].load {
                    Load::One { fetch: target, .. } => {
                        let t = &self.catalog.tables[target.table];
                        ObjectField::One { key, relation, shape: self.object_shape(t, &sub, target) }
                    }
                    Load::Many(list) => {
                        let rel = self.catalog.relation(table, name);
                        let shape = self.connection_shape(rel, &self.catalog.tables[list.node.table], &sub, list);
                        ObjectField::Many { key, relation, shape }
                    }
                    Load::Knowledge(k) => ObjectField::Hits { key, relation, shape: self.hit_shape(&sub, k) },
                };
                shape.fields.push(field);
            }
        }
        shape
    }

    /// A connection: its fetch (page, filter, node and junction rows) and its shape.
    fn connection(
        &self,
        target: &'a Table,
        rel: Option<&'a Relation>,
        fields: &[&'a Positioned<Field>],
    ) -> Result<(ListFetch, ConnectionShape), AppError> {
        let parent = rel.map_or(QUERY, |r| self.catalog.tables[r.source].type_name.as_str());
        let args = self.args(parent, &fields[0].node);
        let ListArgs { filter, ordering, page } = ListArgs::parse(&args, self.schema, target)?;
        let junction = match rel.map(|r| &r.kind) {
            Some(RelationKind::ManyToMany { junction, .. }) => Some(&self.catalog.tables[*junction]),
            _ => None,
        };
        let (conn_type, edge_type) = names::connection(self.catalog, target, rel);
        let conn = self.collect(&selection_sets(fields), &conn_type);
        let mut node_sets = Vec::new();
        let mut link_sets = Vec::new();
        let mut link_columns = Vec::new();
        let mut want_total = false;
        let mut aggregates = Vec::new();
        let mut rows_needed = false;
        for (key, fs) in &conn {
            match fs[0].node.name.node.as_str() {
                "totalCount" => want_total = true,
                "aggregate" => aggregates.push(self.aggregate(target, key, fs).0),
                "groups" => aggregates.push(self.groups(target, key, fs)?.0),
                "pageInfo" => rows_needed = true,
                "nodes" => {
                    rows_needed = true;
                    node_sets.extend(selection_sets(fs));
                }
                "edges" => {
                    rows_needed = true;
                    for (_, es) in self.collect(&selection_sets(fs), &edge_type) {
                        match (es[0].node.name.node.as_str(), junction) {
                            ("node", _) => node_sets.extend(selection_sets(&es)),
                            ("link", Some(_)) => link_sets.extend(selection_sets(&es)),
                            (name, Some(j)) => link_columns.extend(j.col_id_by_field(name)),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        let ordering_columns: Vec<ColumnId> = ordering.columns().collect();
        let node = self.fetch(target, &node_sets, &ordering_columns)?;
        let link = match junction {
            Some(j) => Some(self.fetch(j, &link_sets, &link_columns)?),
            None => None,
        };
        let fetch = ListFetch {
            relation: rel.map(|r| r.id),
            filter: filter.map(|f| self.with_visibility(f)),
            visibility: self.visible(target),
            junction_visibility: junction.and_then(|j| self.visible(j)),
            ordering,
            page,
            want_total,
            node,
            link,
            aggregates_only: !aggregates.is_empty() && !rows_needed,
            aggregates,
        };
        let shape = self.connection_shape(rel, target, &selection_sets(fields), &fetch);
        Ok((fetch, shape))
    }

    fn connection_shape(
        &self,
        rel: Option<&Relation>,
        target: &Table,
        sets: &[&'a SelectionSet],
        fetch: &ListFetch,
    ) -> ConnectionShape {
        let (type_name, edge_type_name) = names::connection(self.catalog, target, rel);
        let junction = fetch.link.as_ref().map(|l| &self.catalog.tables[l.table]);
        let mut fields = Vec::new();
        for (key, fs) in self.collect(sets, &type_name) {
            let sub = selection_sets(&fs);
            fields.push(match fs[0].node.name.node.as_str() {
                "__typename" => ConnectionField::Typename { key },
                "totalCount" => ConnectionField::TotalCount { key },
                "aggregate" => {
                    let Some(index) = fetch.aggregates.iter().position(|a| a.key == key) else { continue };
                    ConnectionField::Aggregate { shape: self.aggregate(target, &key, &fs).1, key, index }
                }
                "groups" => {
                    let Some(index) = fetch.aggregates.iter().position(|a| a.key == key) else { continue };
                    let Ok((_, shape)) = self.groups(target, &key, &fs) else { continue };
                    ConnectionField::Groups { key, index, shape }
                }
                "nodes" => ConnectionField::Nodes { key, shape: self.object_shape(target, &sub, &fetch.node) },
                "pageInfo" => {
                    let info = self.collect(&sub, "PageInfo").into_iter().filter_map(|(key, f)| {
                        Some(match f[0].node.name.node.as_str() {
                            "__typename" => PageInfoField::Typename { key },
                            "hasNextPage" => PageInfoField::HasNextPage { key },
                            "hasPreviousPage" => PageInfoField::HasPreviousPage { key },
                            "startCursor" => PageInfoField::StartCursor { key },
                            "endCursor" => PageInfoField::EndCursor { key },
                            _ => return None,
                        })
                    });
                    ConnectionField::PageInfo { key, fields: info.collect() }
                }
                "edges" => {
                    let mut edge = Vec::new();
                    for (key, es) in self.collect(&sub, &edge_type_name) {
                        let esub = selection_sets(&es);
                        let name = es[0].node.name.node.as_str();
                        edge.push(match (name, junction, fetch.link.as_ref()) {
                            ("__typename", ..) => EdgeField::Typename { key },
                            ("cursor", ..) => EdgeField::Cursor { key },
                            ("node", ..) => {
                                EdgeField::Node { key, shape: self.object_shape(target, &esub, &fetch.node) }
                            }
                            ("link", Some(j), Some(link)) => {
                                EdgeField::Link { key, shape: self.object_shape(j, &esub, link) }
                            }
                            (name, Some(j), Some(link)) => match j.col_id_by_field(name) {
                                Some(c) => EdgeField::LinkColumn {
                                    key,
                                    slot: link.slot(c).unwrap_or_default(),
                                    kind: j.columns[c].kind.clone(),
                                },
                                None => continue,
                            },
                            _ => continue,
                        });
                    }
                    ConnectionField::Edges { key, fields: edge }
                }
                _ => continue,
            });
        }
        ConnectionShape { type_name, edge_type_name, fields }
    }

    /// Adds the caller's visibility to every relation a filter reaches.
    fn with_visibility(&self, filter: Filter) -> Filter {
        match filter {
            Filter::All(parts) => Filter::All(parts.into_iter().map(|f| self.with_visibility(f)).collect()),
            Filter::Any(parts) => Filter::Any(parts.into_iter().map(|f| self.with_visibility(f)).collect()),
            Filter::Not(inner) => Filter::Not(Box::new(self.with_visibility(*inner))),
            Filter::Related { relation, quantifier, filter, .. } => {
                let rel = &self.catalog.relations[relation];
                let junction = match rel.kind {
                    RelationKind::ManyToMany { junction, .. } => self.visible(&self.catalog.tables[junction]),
                    _ => None,
                };
                Filter::Related {
                    relation,
                    quantifier,
                    filter: Box::new(self.with_visibility(*filter)),
                    visibility: self.visible(&self.catalog.tables[rel.target]).map(Box::new),
                    junction_visibility: junction.map(Box::new),
                }
            }
            other => other,
        }
    }

    fn knowledge(
        &self,
        parent: Option<Parent>,
        fields: &[&'a Positioned<Field>],
    ) -> Result<(KnowledgeFetch, HitShape), AppError> {
        let args = self.args(QUERY, &fields[0].node);
        let (chunks, sources) = (self.table("knowledge_chunks")?, self.table("knowledge_sources")?);
        let hits = self.collect(&selection_sets(fields), "KnowledgeHit");
        let (mut chunk_sets, mut source_sets) = (Vec::new(), Vec::new());
        for (_, fs) in &hits {
            match fs[0].node.name.node.as_str() {
                "chunk" => chunk_sets.extend(selection_sets(fs)),
                "source" => source_sets.extend(selection_sets(fs)),
                _ => {}
            }
        }
        let chunk = self.fetch(chunks, &chunk_sets, &[])?;
        let source = self.fetch(sources, &source_sets, &[])?;
        let mut fetch = KnowledgeFetch::parse(&args, self.schema, parent, chunk, source)?;
        fetch.visibility = KnowledgeVisibility::of(self.catalog, self.scope);
        let shape = self.hit_shape(&selection_sets(fields), &fetch);
        Ok((fetch, shape))
    }

    fn hit_shape(&self, sets: &[&'a SelectionSet], fetch: &KnowledgeFetch) -> HitShape {
        let mut shape = HitShape::default();
        for (key, fs) in self.collect(sets, "KnowledgeHit") {
            let sub = selection_sets(&fs);
            shape.fields.push(match fs[0].node.name.node.as_str() {
                "__typename" => HitField::Typename { key },
                "score" => HitField::Score { key },
                "chunk" => HitField::Chunk {
                    key,
                    shape: self.object_shape(&self.catalog.tables[fetch.chunk.table], &sub, &fetch.chunk),
                },
                "source" => HitField::Source {
                    key,
                    shape: self.object_shape(&self.catalog.tables[fetch.source.table], &sub, &fetch.source),
                },
                _ => continue,
            });
        }
        shape
    }

    fn text_search(&self, fields: &[&'a Positioned<Field>]) -> Result<Root, AppError> {
        let args = self.args(QUERY, &fields[0].node);
        let (query, first, tables) = TextSearchFetch::parse(&args, self.schema)?;
        let hits = self.collect(&selection_sets(fields), "SearchHit");
        let hit_sets: Vec<&SelectionSet> = hits
            .iter()
            .filter(|(_, fs)| fs[0].node.name.node == "hit")
            .flat_map(|(_, fs)| selection_sets(fs))
            .collect();
        let mut fetches = Vec::with_capacity(tables.len());
        for &t in &tables {
            fetches.push(self.fetch(&self.catalog.tables[t], &hit_sets, &[])?);
        }
        let mut shape = SearchShape::default();
        for (key, fs) in hits {
            let sub = selection_sets(&fs);
            shape.fields.push(match fs[0].node.name.node.as_str() {
                "__typename" => SearchField::Typename { key },
                "rank" => SearchField::Rank { key },
                "snippet" => SearchField::Snippet { key },
                "typeName" => SearchField::TypeName { key },
                "hit" => SearchField::Hit {
                    key,
                    shapes: tables
                        .iter()
                        .zip(&fetches)
                        .map(|(&t, f)| self.object_shape(&self.catalog.tables[t], &sub, f))
                        .collect(),
                },
                _ => continue,
            });
        }
        let visibility = tables.iter().map(|&t| self.visible(&self.catalog.tables[t])).collect();
        Ok(Root::Search { fetch: TextSearchFetch { query, first, tables, visibility, fetches }, shape })
    }

    /// `node(nodeId:)` / `nodes(nodeIds:)`: the ids grouped by table (one fetch and shape per
    /// table, from the selection's fragments on that type), and each id's place in the answer.
    fn nodes(&self, fields: &[&'a Positioned<Field>], single: bool) -> Result<Root, AppError> {
        let args = self.args(QUERY, &fields[0].node);
        let argument = if single { node_id::NODE_ID } else { node_id::NODE_IDS };
        let not_id = || AppError::bad_input(format!("argument `{argument}` must hold node id strings"));
        let raw: Vec<&str> = match args.get(argument) {
            Some(ConstValue::String(s)) if single => vec![s.as_str()],
            Some(ConstValue::List(items)) if !single => items
                .iter()
                .map(|v| if let ConstValue::String(s) = v { Ok(s.as_str()) } else { Err(not_id()) })
                .collect::<Result<_, _>>()?,
            _ => return Err(not_id()),
        };
        if raw.len() > node_id::MAX_NODE_IDS {
            return Err(AppError::bad_input(format!(
                "argument `{argument}` holds {} ids; at most {} are allowed",
                raw.len(),
                node_id::MAX_NODE_IDS
            )));
        }
        let sets = selection_sets(fields);
        let mut groups: Vec<NodeGroup> = Vec::new();
        let mut slots = Vec::with_capacity(raw.len());
        for r in raw {
            let node_id::Decoded::Row(t, id) = node_id::decode(self.catalog, r, argument)? else {
                slots.push(None);
                continue;
            };
            let g = if let Some(g) = groups.iter().position(|g| g.fetch.table == t) {
                g
            } else {
                let table = &self.catalog.tables[t];
                let fetch = self.fetch(table, &sets, &[])?;
                let shape = self.object_shape(table, &sets, &fetch);
                groups.push(NodeGroup { ids: Vec::new(), visibility: self.visible(table), fetch, shape });
                groups.len() - 1
            };
            if !groups[g].ids.contains(&id) {
                groups[g].ids.push(id);
            }
            slots.push(Some((g, id)));
        }
        Ok(Root::Nodes { single, groups, slots })
    }

    /// One root field of a mutation.
    fn mutation_root(&self, key: String, fields: &[&'a Positioned<Field>]) -> RootField {
        let first = fields[0];
        let plan = match first.node.name.node.as_str() {
            "__typename" => Ok(Root::Typename),
            _ => self.mutation(fields).map(|w| Root::Mutation(Box::new(w))),
        };
        RootField { key, pos: first.pos, nullable: false, plan }
    }

    /// The write of one mutation field and the answer read back from it.
    fn mutation(&self, fields: &[&'a Positioned<Field>]) -> Result<Write, AppError> {
        let name = fields[0].node.name.node.as_str();
        let Some((table, kind)) = writes::lookup(self.catalog, name) else {
            return Err(AppError::internal("planning", format!("unknown mutation field {name}")));
        };
        let writable = write_rule::writable(self.write, table)?;
        let args = self.args(MUTATION, &fields[0].node);
        let object = |arg: &str| -> Result<IndexMap<Name, ConstValue>, AppError> {
            match args.get(arg) {
                Some(ConstValue::Object(o)) => Ok(o.clone()),
                _ => Err(AppError::bad_input(format!("argument `{arg}` must be an object"))),
            }
        };
        let visible = |t: &Table| self.visible(t);
        type Patch = (Vec<(ColumnId, sea_orm::Value)>, Vec<writing::LinkWrite>);
        let patch = || -> Result<Patch, AppError> {
            let mut links = Vec::new();
            let mut input = object("patch")?;
            let nested = self.take_links(table, &mut input);
            let has_links = !nested.is_empty();
            if has_links {
                if kind == WriteKind::UpdateMany {
                    return Err(AppError::bad_input(format!(
                        "`{name}` takes no related rows; change links row by row through `{}`",
                        writes::field_name(table, WriteKind::Update)
                    )));
                }
                links = self.links(table, nested, "patch")?;
            }
            let set = writing::assignments(table, &input, "patch")?;
            if set.is_empty() && !has_links {
                return Err(AppError::bad_input("argument `patch` sets no column"));
            }
            Ok((set, links))
        };
        let mut links = Vec::new();
        let (action, references) = match kind {
            WriteKind::Create | WriteKind::CreateMany | WriteKind::Upsert => {
                let (argument, inputs) = if kind == WriteKind::CreateMany {
                    let items = match args.get("inputs") {
                        Some(ConstValue::List(items)) => items.clone(),
                        Some(o @ ConstValue::Object(_)) => vec![o.clone()],
                        _ => return Err(AppError::bad_input("argument `inputs` must be a list of objects")),
                    };
                    let objects = items
                        .into_iter()
                        .map(|v| {
                            if let ConstValue::Object(o) = v {
                                Ok(o)
                            } else {
                                Err(AppError::bad_input("argument `inputs` must be a list of objects"))
                            }
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    ("inputs", objects)
                } else {
                    ("input", vec![object("input")?])
                };
                let mut inputs = inputs;
                let mut nested = Vec::new();
                for input in &mut inputs {
                    nested.push(self.take_links(table, input));
                }
                if kind == WriteKind::CreateMany && nested.iter().any(|n| !n.is_empty()) {
                    return Err(AppError::bad_input(format!(
                        "`{}` takes no related rows; create each row with its links through `{}`",
                        name,
                        writes::field_name(table, WriteKind::Create)
                    )));
                }
                if let Some(n) = nested.pop() {
                    links = self.links(table, n, argument)?;
                }
                let (columns, rows) = writing::rows(table, &inputs, argument)?;
                let refs = writing::references(self.catalog, table, &columns, visible);
                let action = if kind == WriteKind::Upsert {
                    let key = match args.get("onConflict") {
                        Some(ConstValue::Enum(e)) => e.to_string(),
                        Some(ConstValue::String(s)) => s.clone(),
                        _ => return Err(AppError::bad_input("argument `onConflict` must name a key")),
                    };
                    let Some(conflict) = table
                        .natural_keys()
                        .find(|c| crate::catalog::enum_value_name(&c.name) == key)
                        .and_then(|c| table.col_id(&c.name))
                    else {
                        return Err(AppError::bad_input(format!("`{key}` is not a unique key of `{}`", table.name)));
                    };
                    if !columns.contains(&conflict) {
                        return Err(AppError::bad_input(format!(
                            "`input.{}` must be set to upsert on it",
                            table.columns[conflict].field
                        )));
                    }
                    Action::Upsert { columns, rows, conflict }
                } else {
                    Action::Insert { columns, rows }
                };
                (action, refs)
            }
            WriteKind::Update => {
                let (set, nested) = patch()?;
                links = nested;
                let columns: Vec<ColumnId> = set.iter().map(|(c, _)| *c).collect();
                let refs = writing::references(self.catalog, table, &columns, visible);
                let target = Target::Id(writing::id_argument(&args)?);
                (Action::Update { target, set, expected_version: writing::expected_version(&args)? }, refs)
            }
            WriteKind::UpdateMany => {
                let (set, _) = patch()?;
                let columns: Vec<ColumnId> = set.iter().map(|(c, _)| *c).collect();
                let refs = writing::references(self.catalog, table, &columns, visible);
                let filter = crate::plan::filter_input::parse(
                    self.catalog,
                    table,
                    &object("filter")?,
                    "filter",
                    0,
                    self.schema.limits.max_filter_depth,
                )?;
                let at_most = match args.get("atMost") {
                    Some(ConstValue::Number(n)) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
                    _ => None,
                }
                .filter(|n| (1..=writing::MAX_WRITE_ROWS).contains(n))
                .ok_or_else(|| {
                    AppError::bad_input(format!("argument `atMost` must be between 1 and {}", writing::MAX_WRITE_ROWS))
                })?;
                let target = Target::Filter { filter: self.with_visibility(filter), at_most };
                (Action::Update { target, set, expected_version: None }, refs)
            }
            WriteKind::Delete => {
                let id = writing::id_argument(&args)?;
                let soft = table.soft_delete;
                (Action::Delete { id, expected_version: writing::expected_version(&args)?, soft }, Vec::new())
            }
            WriteKind::Restore => (Action::Restore { id: writing::id_argument(&args)? }, Vec::new()),
        };
        let sets = selection_sets(fields);
        let returning = self.fetch(table, &sets, &[])?;
        let shape = self.object_shape(table, &sets, &returning);
        let any_state = tenant_rule(self.scope, table);
        let visibility = if kind == WriteKind::Restore { any_state.clone() } else { self.visible(table) };
        let presets = match kind {
            WriteKind::Create | WriteKind::CreateMany | WriteKind::Upsert => write_rule::presets(self.write, table),
            _ => Vec::new(),
        };
        Ok(Write {
            table: table.id,
            kind,
            action,
            writable,
            visibility,
            visible_any_state: any_state,
            presets,
            author: write_rule::author(self.write),
            references,
            argument: match kind {
                WriteKind::Create | WriteKind::Upsert => "input",
                WriteKind::CreateMany => "inputs",
                _ => "patch",
            }
            .to_owned(),
            returning,
            shape,
            many: matches!(kind, WriteKind::CreateMany | WriteKind::UpdateMany),
            links,
        })
    }

    /// Removes the relation fields (`prompts: { attach … }`) from an input, returning them.
    fn take_links(&self, table: &Table, input: &mut IndexMap<Name, ConstValue>) -> IndexMap<Name, ConstValue> {
        let keys: Vec<Name> =
            input.keys().filter(|k| self.catalog.relation(table, k.as_str()).is_some()).cloned().collect();
        keys.into_iter().filter_map(|k| input.shift_remove(&k).map(|v| (k, v))).collect()
    }

    /// The link writes of one row's relation fields.
    fn links(
        &self,
        table: &Table,
        nested: IndexMap<Name, ConstValue>,
        argument: &str,
    ) -> Result<Vec<writing::LinkWrite>, AppError> {
        let mut out = Vec::new();
        for (key, value) in nested {
            let path = format!("{argument}.{key}");
            let Some(rel) = self.catalog.relation(table, key.as_str()) else { continue };
            let RelationKind::ManyToMany { junction, near, far } = rel.kind else {
                return Err(AppError::bad_input(format!("`{path}` is not a relation whose links can be written")));
            };
            let ConstValue::Object(parts) = value else { continue };
            let junction_table = &self.catalog.tables[junction];
            let target = &self.catalog.tables[rel.target];
            let writable = write_rule::writable(self.write, junction_table)?;
            let ids = |name: &str| -> Result<Vec<Uuid>, AppError> {
                match parts.get(name) {
                    None | Some(ConstValue::Null) => Ok(Vec::new()),
                    Some(ConstValue::List(items)) => items
                        .iter()
                        .map(|v| match v {
                            ConstValue::String(s) => Uuid::try_parse(s).ok(),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| AppError::bad_input(format!("`{path}.{name}` must hold UUIDs"))),
                    Some(_) => Err(AppError::bad_input(format!("`{path}.{name}` must be a list"))),
                }
            };
            let detach = ids("detach")?;
            let objects = |name: &str| -> Result<Vec<IndexMap<Name, ConstValue>>, AppError> {
                match parts.get(name) {
                    None | Some(ConstValue::Null) => Ok(Vec::new()),
                    Some(ConstValue::List(items)) => items
                        .iter()
                        .map(|v| if let ConstValue::Object(o) = v { Some(o.clone()) } else { None })
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| AppError::bad_input(format!("`{path}.{name}` must hold objects"))),
                    Some(ConstValue::Object(o)) => Ok(vec![o.clone()]),
                    Some(_) => Err(AppError::bad_input(format!("`{path}.{name}` must be a list"))),
                }
            };
            let mut attach_rows = Vec::new();
            let mut edge_inputs = Vec::new();
            for (i, mut o) in objects("attach")?.into_iter().enumerate() {
                let id = match o.shift_remove("id") {
                    Some(ConstValue::String(s)) => Uuid::try_parse(&s).ok(),
                    _ => None,
                }
                .ok_or_else(|| AppError::bad_input(format!("`{path}.attach[{i}].id` must be a UUID")))?;
                attach_rows.push(id);
                edge_inputs.push(o);
            }
            let (columns, edges) = writing::rows(junction_table, &edge_inputs, &format!("{path}.attach"))?;
            let attach = attach_rows.into_iter().zip(edges).collect();
            let creates = objects("create")?;
            let create = if creates.is_empty() {
                None
            } else {
                let mut creates = creates;
                for (i, c) in creates.iter_mut().enumerate() {
                    if !self.take_links(target, c).is_empty() {
                        return Err(AppError::bad_input(format!(
                            "`{path}.create[{i}]` sets relations: nested writes go one level deep"
                        )));
                    }
                }
                Some(Box::new(self.nested_create(target, &creates, &format!("{path}.create"))?))
            };
            out.push(writing::LinkWrite {
                key: key.to_string(),
                junction,
                near,
                far,
                detach,
                columns,
                attach,
                create,
                writable,
                visibility: self.visible(junction_table),
                presets: write_rule::presets(self.write, junction_table),
                target: target.id,
                target_visibility: self.visible(target),
            });
        }
        Ok(out)
    }

    /// New rows of `table` created inline (`prompts: { create: [...] }`), answering only their ids.
    fn nested_create(
        &self,
        table: &Table,
        inputs: &[IndexMap<Name, ConstValue>],
        path: &str,
    ) -> Result<Write, AppError> {
        let writable = write_rule::writable(self.write, table)?;
        let (columns, rows) = writing::rows(table, inputs, path)?;
        let references = writing::references(self.catalog, table, &columns, |t| self.visible(t));
        Ok(Write {
            table: table.id,
            kind: WriteKind::CreateMany,
            action: Action::Insert { columns, rows },
            writable,
            visibility: self.visible(table),
            visible_any_state: tenant_rule(self.scope, table),
            presets: write_rule::presets(self.write, table),
            author: write_rule::author(self.write),
            references,
            argument: path.to_owned(),
            returning: Fetch {
                table: table.id,
                table_name: table.name.clone(),
                columns: table.col_id("id").into_iter().collect(),
                relations: Vec::new(),
            },
            shape: ObjectShape::default(),
            many: true,
            links: Vec::new(),
        })
    }

    fn table(&self, name: &str) -> Result<&'a Table, AppError> {
        self.catalog.table(name).ok_or_else(|| AppError::internal("planning", format!("no table {name}")))
    }
}

/// `aggregate` and `groups` selections of a connection (`plan/aggregate.rs` holds their nodes).
/// Each returns its fetch and its shape; the shape step calls them again with the same
/// selection, so slots agree.
impl<'a> Planner<'a> {
    /// `aggregate { count countDistinct { … } sum { … } … }`.
    fn aggregate(
        &self,
        table: &Table,
        key: &str,
        fields: &[&'a Positioned<Field>],
    ) -> (AggregateFetch, AggregateShape) {
        let mut fetch = AggregateFetch { key: key.to_owned(), measures: Vec::new(), groups: None };
        let shape = self.aggregate_shape(table, &selection_sets(fields), &mut fetch);
        (fetch, shape)
    }

    fn aggregate_shape(&self, table: &Table, sets: &[&'a SelectionSet], fetch: &mut AggregateFetch) -> AggregateShape {
        let type_name = aggregate::names::aggregate(table);
        let mut shape = AggregateShape::default();
        for (key, fs) in self.collect(sets, &type_name) {
            let name = fs[0].node.name.node.as_str();
            let field = match name {
                "__typename" => AggregateField::Typename { key, name: type_name.clone() },
                "count" => {
                    let slot = fetch.measure(Measure::COUNT);
                    AggregateField::Value { key, slot, kind: ScalarKind::BigInt, func: AggFn::Count }
                }
                _ => {
                    let Some(&(func, _)) = AggFn::OF_COLUMN.iter().find(|(_, f)| *f == name) else { continue };
                    let object = aggregate::names::per_column(table, func);
                    let mut inner = Vec::new();
                    for (key, cs) in self.collect(&selection_sets(&fs), &object) {
                        let column = cs[0].node.name.node.as_str();
                        if column == "__typename" {
                            inner.push(AggregateField::Typename { key, name: object.clone() });
                            continue;
                        }
                        let Some(c) =
                            table.col_id_by_field(column).filter(|&c| aggregate::allows(func, &table.columns[c].kind))
                        else {
                            continue;
                        };
                        let m = Measure { func, column: Some(c) };
                        let slot = fetch.measure(m);
                        inner.push(AggregateField::Value { key, slot, kind: m.kind(table), func });
                    }
                    AggregateField::Object { key, fields: inner }
                }
            };
            shape.fields.push(field);
        }
        shape
    }

    /// `groups(by:, orderBy:, first:, offset:) { pageInfo nodes { key { … } aggregate { … } } }`.
    fn groups(
        &self,
        table: &'a Table,
        key: &str,
        fields: &[&'a Positioned<Field>],
    ) -> Result<(AggregateFetch, GroupsShape), AppError> {
        // Like the search fields' arguments, `groups`' are not renamed by the naming file.
        let args = arguments::resolve(&fields[0].node, self.variables);
        let by = aggregate::parse_group_by(table, &enum_values(&args, "by")?)?;
        let order = aggregate::parse_group_order(table, &by, &enum_values(&args, "orderBy")?)?;
        let limits = &self.schema.limits;
        let limit = count_argument(&args, "first", limits.max_page_size)?.unwrap_or(limits.default_page_size);
        let offset = count_argument(&args, "offset", usize::MAX)?.unwrap_or(0);
        let mut fetch = AggregateFetch {
            key: key.to_owned(),
            measures: Vec::new(),
            groups: Some(GroupFetch { by, order, limit, offset, relations: Vec::new() }),
        };
        let (groups_type, group_type) = (aggregate::names::groups(table), aggregate::names::group(table));
        let mut shape = GroupsShape::default();
        for (key, fs) in self.collect(&selection_sets(fields), &groups_type) {
            let sub = selection_sets(&fs);
            shape.fields.push(match fs[0].node.name.node.as_str() {
                "__typename" => GroupsField::Typename { key, name: groups_type.clone() },
                "pageInfo" => {
                    let info =
                        self.collect(&sub, aggregate::names::GROUP_PAGE_INFO).into_iter().filter_map(|(key, f)| {
                            Some(match f[0].node.name.node.as_str() {
                                "__typename" => GroupPageField::Typename { key },
                                "hasNextPage" => GroupPageField::HasNextPage { key },
                                "hasPreviousPage" => GroupPageField::HasPreviousPage { key },
                                _ => return None,
                            })
                        });
                    GroupsField::PageInfo { key, fields: info.collect() }
                }
                "nodes" => {
                    let mut group = Vec::new();
                    for (key, gs) in self.collect(&sub, &group_type) {
                        let gsub = selection_sets(&gs);
                        group.push(match gs[0].node.name.node.as_str() {
                            "__typename" => GroupField::Typename { key, name: group_type.clone() },
                            "key" => GroupField::Key { key, fields: self.group_key(table, &gsub, &mut fetch)? },
                            "aggregate" => {
                                GroupField::Aggregate { key, shape: self.aggregate_shape(table, &gsub, &mut fetch) }
                            }
                            _ => continue,
                        });
                    }
                    GroupsField::Nodes { key, fields: group }
                }
                _ => continue,
            });
        }
        Ok((fetch, shape))
    }

    /// `key { status industry { name } }`: grouping columns, and the rows their foreign keys point to.
    fn group_key(
        &self,
        table: &'a Table,
        sets: &[&'a SelectionSet],
        fetch: &mut AggregateFetch,
    ) -> Result<Vec<GroupKeyField>, AppError> {
        let type_name = aggregate::names::group_key(table);
        let Some(groups) = fetch.groups.as_mut() else { return Ok(Vec::new()) };
        let not_grouped = |field: &str, column: ColumnId| {
            AppError::bad_input(format!(
                "the group key's `{field}` needs {} in `by`",
                crate::catalog::enum_value_name(&table.columns[column].name)
            ))
        };
        let mut out = Vec::new();
        for (key, fs) in self.collect(sets, &type_name) {
            let name = fs[0].node.name.node.as_str();
            if name == "__typename" {
                out.push(GroupKeyField::Typename { key, name: type_name.clone() });
            } else if let Some(c) = table.col_id_by_field(name) {
                let slot = groups.by.iter().position(|&b| b == c).ok_or_else(|| not_grouped(name, c))?;
                out.push(GroupKeyField::Column { key, slot, kind: table.columns[c].kind.clone() });
            } else if let Some(rel) = self.catalog.relation(table, name)
                && let RelationKind::BelongsTo { fk } = rel.kind
            {
                let by_index = groups.by.iter().position(|&b| b == fk).ok_or_else(|| not_grouped(name, fk))?;
                let target = &self.catalog.tables[rel.target];
                let sub = selection_sets(&fs);
                let related = self.fetch(target, &sub, &[])?;
                let shape = self.object_shape(target, &sub, &related);
                // One load per selection: two `key { … }` selections may ask different columns.
                let visibility = self.visible(target);
                groups.relations.push(KeyRelation { key: key.to_string(), by_index, visibility, fetch: related });
                let relation = groups.relations.len() - 1;
                out.push(GroupKeyField::Related { key, relation, shape });
            }
        }
        Ok(out)
    }
}

/// The enum values of a list argument (a lone value counts as a list of one; absent: none).
fn enum_values(args: &IndexMap<Name, ConstValue>, name: &str) -> Result<Vec<String>, AppError> {
    let one = |v: &ConstValue| match v {
        ConstValue::Enum(n) => Ok(n.to_string()),
        ConstValue::String(s) => Ok(s.clone()),
        _ => Err(AppError::bad_input(format!("argument `{name}` takes enum values"))),
    };
    match args.get(name) {
        None | Some(ConstValue::Null) => Ok(Vec::new()),
        Some(ConstValue::List(items)) => items.iter().map(one).collect(),
        Some(v) => Ok(vec![one(v)?]),
    }
}

/// A non-negative integer argument of at most `max`.
fn count_argument(args: &IndexMap<Name, ConstValue>, name: &str, max: usize) -> Result<Option<usize>, AppError> {
    let n = match args.get(name) {
        None | Some(ConstValue::Null) => return Ok(None),
        Some(ConstValue::Number(n)) => n.as_i64(),
        Some(_) => None,
    };
    let n = n.ok_or_else(|| AppError::bad_input(format!("argument `{name}` must be an integer")))?;
    let n = usize::try_from(n)
        .map_err(|_| AppError::bad_input(format!("argument `{name}` must not be negative (got {n})")))?;
    if n > max {
        return Err(AppError::bad_input(format!("argument `{name}` is {n}; the largest page is {max} groups")));
    }
    Ok(Some(n))
}

/// The per-parent retrieval field `name` of `table`, if it is one.
fn retrieval_parent(table: &Table, name: &str) -> Option<Parent> {
    match (table.name.as_str(), name) {
        ("agents", "knowledgeSearch") => Some(Parent::Agent),
        ("knowledge_sources", "similarChunks") => Some(Parent::Source),
        _ => None,
    }
}
