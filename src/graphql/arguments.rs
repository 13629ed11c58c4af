//! List arguments and selection-driven projections.
//!
//! Every list field (root or relation) takes `filter`, `orderBy`, `first`/`after`, `last`/`before`.
//! The columns a statement selects follow the GraphQL selection: the fields asked for, the foreign
//! keys of the belongs-to relations asked for, the ordering's columns (for cursors) and `id`.

use std::sync::Arc;

use async_graphql::dynamic::{InputValue, TypeRef};
use async_graphql::{Name, SelectionField, Value};
use indexmap::IndexMap;

use crate::catalog::{Catalog, ColumnId, RelationKind, Table};
use crate::error::AppError;
use crate::graphql::SchemaContext;
use crate::graphql::filters::{self, table_filter_name};
use crate::graphql::ordering::{self, order_enum_name};
use crate::sql::filter::Filter;
use crate::sql::keyset::Ordering;
use crate::sql::rows::Projection;
use crate::sql::statements::PageSpec;

/// The arguments every list field takes.
pub fn list_arguments(table: &Table) -> Vec<InputValue> {
    let mut args = vec![
        InputValue::new("filter", TypeRef::named(table_filter_name(table))),
        InputValue::new("orderBy", TypeRef::named_nn_list(order_enum_name(table))),
        InputValue::new("first", TypeRef::named(TypeRef::INT))
            .description("Rows from the start (at most the page size limit)."),
        InputValue::new("after", TypeRef::named(TypeRef::STRING)).description("Cursor to read after."),
        InputValue::new("last", TypeRef::named(TypeRef::INT))
            .description("Rows from the end (at most the page size limit)."),
        InputValue::new("before", TypeRef::named(TypeRef::STRING)).description("Cursor to read before."),
    ];
    if crate::search::is_searchable(table) {
        args.push(InputValue::new("search", TypeRef::named(TypeRef::STRING)).description(
            "Only rows whose name or description match these words, or whose name is close to them \
             (misspellings, prefixes); AND-ed with `filter`, ordering unchanged.",
        ));
    }
    args
}

/// Parsed list arguments.
pub struct ListArgs {
    pub filter: Option<Filter>,
    pub ordering: Ordering,
    pub page: PageSpec,
}

fn arg<'v>(args: &'v IndexMap<Name, Value>, name: &str) -> Option<&'v Value> {
    args.get(name).filter(|v| !matches!(v, Value::Null))
}

fn page_size(args: &IndexMap<Name, Value>, name: &str, max: usize) -> Result<Option<usize>, AppError> {
    let Some(v) = arg(args, name) else { return Ok(None) };
    let Value::Number(n) = v else { return Err(AppError::bad_input(format!("argument `{name}` must be an integer"))) };
    let n = n.as_i64().ok_or_else(|| AppError::bad_input(format!("argument `{name}` must be an integer")))?;
    if n < 0 {
        return Err(AppError::bad_input(format!("argument `{name}` must not be negative (got {n})")));
    }
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    if n > max {
        return Err(AppError::bad_input(format!("argument `{name}` is {n}; the largest page is {max} rows")));
    }
    Ok(Some(n))
}

impl ListArgs {
    /// Parses a list field's arguments (already validated against the schema, variables substituted).
    pub fn parse(args: &IndexMap<Name, Value>, schema: &SchemaContext, table: &Table) -> Result<Self, AppError> {
        let catalog = &schema.catalog;
        let limits = &schema.limits;
        let filter = match arg(args, "filter") {
            Some(Value::Object(obj)) => {
                Some(filters::parse(catalog, table, obj, "filter", 0, limits.max_filter_depth)?)
            }
            Some(_) => return Err(AppError::bad_input("argument `filter` must be an object")),
            None => None,
        };
        let filter = match arg(args, "search") {
            Some(Value::String(q)) => {
                crate::search::check_text(q, "search")?;
                let search = Filter::TextSearch { query: q.clone() };
                Some(match filter {
                    Some(f) => Filter::All(vec![f, search]),
                    None => search,
                })
            }
            Some(_) => return Err(AppError::bad_input("argument `search` must be a string")),
            None => filter,
        };
        let order_values: Vec<String> = match arg(args, "orderBy") {
            Some(Value::List(items)) => items
                .iter()
                .map(|x| match x {
                    Value::Enum(n) => Ok(n.to_string()),
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(AppError::bad_input("`orderBy` takes enum values")),
                })
                .collect::<Result<_, _>>()?,
            Some(Value::Enum(n)) => vec![n.to_string()],
            Some(_) => return Err(AppError::bad_input("argument `orderBy` must be a list")),
            None => Vec::new(),
        };
        let ordering = ordering::parse(table, &order_values)?;
        let first = page_size(args, "first", limits.max_page_size)?;
        let last = page_size(args, "last", limits.max_page_size)?;
        if first.is_some() && last.is_some() {
            return Err(AppError::bad_input("give either `first` or `last`, not both"));
        }
        let cursor = |name: &str| -> Result<Option<Vec<sea_orm::Value>>, AppError> {
            match arg(args, name) {
                Some(Value::String(s)) => Ok(Some(schema.cursors.decode(table, &ordering, s, name)?)),
                Some(_) => Err(AppError::bad_input(format!("argument `{name}` must be a cursor string"))),
                None => Ok(None),
            }
        };
        let page = PageSpec {
            limit: first.or(last).unwrap_or(limits.default_page_size),
            backward: last.is_some(),
            after: cursor("after")?,
            before: cursor("before")?,
        };
        Ok(Self { filter, ordering, page })
    }
}

/// Columns of `table` that the object selection `fields` needs.
pub fn node_columns<'a>(
    catalog: &Catalog,
    table: &Table,
    fields: impl Iterator<Item = SelectionField<'a>>,
    out: &mut Vec<ColumnId>,
) {
    for f in fields {
        let name = f.name();
        if let Some(c) = table.columns.iter().position(|c| c.field == name) {
            out.push(c);
        } else if let Some(rel) = catalog.relation(table, name)
            && let RelationKind::BelongsTo { fk } = rel.kind
        {
            out.push(fk);
        }
    }
}

/// What a connection selection needs: the node projection, the junction projection of
/// many-to-many edges, and whether `totalCount` is asked for.
pub struct ConnectionNeeds {
    pub projection: Arc<Projection>,
    pub link: Option<Arc<Projection>>,
    pub want_total: bool,
}

pub fn connection_needs(
    catalog: &Catalog,
    table: &Table,
    junction: Option<&Table>,
    field: SelectionField<'_>,
    ordering: &Ordering,
) -> ConnectionNeeds {
    let mut cols: Vec<ColumnId> = ordering.columns().collect();
    let mut link_cols: Vec<ColumnId> = Vec::new();
    let mut want_total = false;
    for f in field.selection_set() {
        match f.name() {
            "totalCount" => want_total = true,
            "nodes" => node_columns(catalog, table, f.selection_set(), &mut cols),
            "edges" => {
                for e in f.selection_set() {
                    match (e.name(), junction) {
                        ("node", _) => node_columns(catalog, table, e.selection_set(), &mut cols),
                        ("link", Some(j)) => node_columns(catalog, j, e.selection_set(), &mut link_cols),
                        (name, Some(j)) => {
                            if let Some(c) = j.columns.iter().position(|c| c.field == name) {
                                link_cols.push(c);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    ConnectionNeeds {
        projection: Arc::new(Projection::new(table, cols)),
        link: junction.map(|j| Arc::new(Projection::new(j, link_cols))),
        want_total,
    }
}
