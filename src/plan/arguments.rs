//! Field arguments: literals and variables (with their declared defaults) resolved to constant
//! values, `@skip`/`@include`, and the list arguments (`filter`, `search`, `orderBy`,
//! `first`/`after`, `last`/`before`) parsed and checked.

use std::borrow::Cow;

use async_graphql::parser::types::{Directive, Field};
use async_graphql::{Name, Positioned, Value as ConstValue, Value};
use indexmap::IndexMap;

use crate::catalog::Table;
use crate::error::AppError;
use crate::plan::context::PlanContext;
use crate::plan::filter::Filter;
use crate::plan::keyset::{Ordering, PageSpec, parse_order};

/// The operation's variables: the request's values (borrowed: an embedding is 1,536 numbers), else
/// the declared defaults.
pub type Variables<'a> = IndexMap<Name, Cow<'a, ConstValue>>;

/// `field`'s arguments with variables substituted (an absent variable is null, as in async-graphql).
pub fn resolve(field: &Field, variables: &Variables<'_>) -> IndexMap<Name, ConstValue> {
    field
        .arguments
        .iter()
        .map(|(name, value)| {
            let v = value
                .node
                .clone()
                .into_const_with(|var| {
                    Ok::<_, std::convert::Infallible>(
                        variables.get(&var).map(|v| v.as_ref().clone()).unwrap_or_default(),
                    )
                })
                .unwrap_or_default();
            (name.node.clone(), v)
        })
        .collect()
}

/// Whether `@skip(if: true)` or `@include(if: false)` removes the selection.
pub fn skipped(directives: &[Positioned<Directive>], variables: &Variables<'_>) -> bool {
    directives.iter().any(|d| {
        let name = d.node.name.node.as_str();
        if name != "skip" && name != "include" {
            return false;
        }
        let condition = d.node.get_argument("if").map(|v| {
            let v = v.node.clone().into_const_with(|var| {
                Ok::<_, std::convert::Infallible>(variables.get(&var).map(|v| v.as_ref().clone()).unwrap_or_default())
            });
            matches!(v, Ok(ConstValue::Boolean(true)))
        });
        match name {
            "skip" => condition == Some(true),
            _ => condition == Some(false),
        }
    })
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
    pub fn parse(args: &IndexMap<Name, Value>, schema: &PlanContext, table: &Table) -> Result<Self, AppError> {
        let catalog = &schema.catalog;
        let limits = &schema.limits;
        let filter = match arg(args, "filter") {
            Some(Value::Object(obj)) => {
                Some(crate::plan::filter_input::parse(catalog, table, obj, "filter", 0, limits.max_filter_depth)?)
            }
            Some(_) => return Err(AppError::bad_input("argument `filter` must be an object")),
            None => None,
        };
        let filter = match arg(args, "search") {
            Some(Value::String(q)) => {
                crate::plan::search::check_text(q, "search")?;
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
        let ordering = parse_order(table, &order_values)?;
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
