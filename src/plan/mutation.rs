//! The plan of a mutation field: what it writes (the [`Write`] node), with the caller's write rule
//! as filter nodes, and what it answers (a [`Fetch`] and [`ObjectShape`] read back by id in the
//! same transaction, through the same path as a query).
//!
//! Every table with a write class other than `Never` gets the same fields (catalog/writes.rs):
//! create (one or many rows, one statement), update (by id with `expectedVersion`, or by filter
//! with `atMost`), upsert on a natural key, delete (soft, or hard for junction rows) and restore.
//! Inputs carry only settable columns; the tenant, owner, author, version and timestamps come from
//! the caller and the server.

use async_graphql::{Name, Value as GqlValue};
use indexmap::IndexMap;
use sea_orm::Value;
use sea_orm::sea_query::ArrayType;
use serde::{Serialize, Serializer};
use uuid::Uuid;

use crate::catalog::writes::{WriteKind, settable};
use crate::catalog::{Catalog, ColumnId, RelationKind, ScalarKind, Table, TableId};
use crate::error::AppError;
use crate::plan::filter::value_json;
use crate::plan::keyset::json_to_value;
use crate::plan::{Fetch, Filter, ObjectShape};

/// Most rows one `create<Many>` takes, and the largest `atMost` of an `update<Many>`.
pub const MAX_WRITE_ROWS: usize = 100;

/// Rows as JSON; a column a row does not set shows as `"DEFAULT"`.
fn ser_rows<S: Serializer>(rows: &[Vec<Option<Value>>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(rows.iter().map(|r| {
        r.iter().map(|v| v.as_ref().map_or_else(|| serde_json::json!("DEFAULT"), value_json)).collect::<Vec<_>>()
    }))
}

fn ser_assignments<S: Serializer>(set: &[(ColumnId, Value)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(set.iter().map(|(c, v)| (c, value_json(v))))
}

/// One mutation field: the write, and the answer read back.
#[derive(Debug, Serialize, Clone)]
pub struct Write {
    pub table: TableId,
    pub kind: WriteKind,
    pub action: Action,
    /// The rows the caller may change (the gateway's write rule; `None`: every row it sees).
    pub writable: Option<Filter>,
    /// What the caller sees of the table, live rows only (or also deleted ones, to restore).
    pub visibility: Option<Filter>,
    /// What the caller sees of the table, deleted rows included (to explain a refusal).
    pub visible_any_state: Option<Filter>,
    /// Values of a new row taken from the caller (tenant, owner).
    #[serde(serialize_with = "ser_assignments")]
    pub presets: Vec<(ColumnId, Value)>,
    /// The author, written to `created_by`/`updated_by` where it names a user profile.
    pub author: Option<Uuid>,
    /// Foreign keys set by the input, each checked inside the write's statement to point at a row
    /// the caller sees (`registry_reference`, migration 22): a reference to another tenant's
    /// private row reads exactly like one to no row at all.
    pub references: Vec<Reference>,
    /// The argument holding the input (`input`, `inputs`, `patch`), for error paths.
    pub argument: String,
    /// The answer: the written rows as the write statement returns them (its select list), with
    /// their relations loaded like a query's.
    pub returning: Fetch,
    pub shape: ObjectShape,
    /// The field answers a list (`createAgents`, `updateAgents`).
    pub many: bool,
    /// Links to write for the row (`prompts: { attach, detach, create }`), after it and before its
    /// answer is read, so the answer shows them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkWrite>,
}

/// The junction rows of one many-to-many relation to write for a created or updated row: links to
/// remove, links to existing rows (with their edge columns), and new rows to create and link.
/// Each part is one statement whatever its number of rows.
#[derive(Debug, Serialize, Clone)]
pub struct LinkWrite {
    /// The relation's field (`prompts`), for error paths.
    pub key: String,
    pub junction: TableId,
    /// The junction's column pointing at the written row, and the one pointing at the target.
    pub near: ColumnId,
    pub far: ColumnId,
    pub detach: Vec<Uuid>,
    /// Edge columns the attach rows set (aligned with each row's values; `None`: the default).
    pub columns: Vec<ColumnId>,
    #[serde(serialize_with = "ser_links")]
    pub attach: Vec<(Uuid, Vec<Option<Value>>)>,
    /// New target rows, created first and then linked with default edge columns.
    pub create: Option<Box<Write>>,
    /// The caller's write rule and visibility on the junction.
    pub writable: Option<Filter>,
    pub visibility: Option<Filter>,
    /// A new junction row's tenant and owner.
    #[serde(serialize_with = "ser_assignments")]
    pub presets: Vec<(ColumnId, Value)>,
    /// What the caller sees of the target (an attached id must name such a row).
    pub target: TableId,
    pub target_visibility: Option<Filter>,
}

fn ser_links<S: Serializer>(rows: &[(Uuid, Vec<Option<Value>>)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(rows.iter().map(|(id, r)| {
        let values: Vec<serde_json::Value> =
            r.iter().map(|v| v.as_ref().map_or_else(|| serde_json::json!("DEFAULT"), value_json)).collect();
        (id, values)
    }))
}

/// A foreign key column an input sets, and what the caller may see of its target.
#[derive(Debug, Serialize, Clone)]
pub struct Reference {
    pub column: ColumnId,
    pub target: TableId,
    pub visibility: Option<Filter>,
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// New rows: the input columns (the same for every row) and each row's values.
    Insert {
        columns: Vec<ColumnId>,
        #[serde(serialize_with = "ser_rows")]
        rows: Vec<Vec<Option<Value>>>,
    },
    /// One new row, or the update of the row holding the same natural key.
    Upsert {
        columns: Vec<ColumnId>,
        #[serde(serialize_with = "ser_rows")]
        rows: Vec<Vec<Option<Value>>>,
        conflict: ColumnId,
    },
    /// Changes to existing rows.
    Update {
        target: Target,
        #[serde(serialize_with = "ser_assignments")]
        set: Vec<(ColumnId, Value)>,
        expected_version: Option<i32>,
    },
    /// Soft delete (`deleted_at`) or, for junction rows, hard delete.
    Delete { id: Uuid, expected_version: Option<i32>, soft: bool },
    /// Clears `deleted_at`.
    Restore { id: Uuid },
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Id(Uuid),
    /// Every row the filter matches, refused when more than `at_most` do.
    Filter {
        filter: Filter,
        at_most: usize,
    },
}

/// Parses one input object (`<Type>Input` / `<Type>Patch`) into column assignments. Validation
/// already checked the field names and value types; this turns each into a bound value.
pub fn assignments(
    table: &Table,
    input: &IndexMap<Name, GqlValue>,
    path: &str,
) -> Result<Vec<(ColumnId, Value)>, AppError> {
    let mut out = Vec::with_capacity(input.len());
    for (name, v) in input {
        let Some(c) = table.col_id_by_field(name.as_str()).filter(|&c| settable(&table.columns[c])) else {
            return Err(AppError::bad_input(format!("`{path}.{name}` is not a column a caller may set")));
        };
        let column = &table.columns[c];
        if matches!(v, GqlValue::Null) && !column.nullable {
            return Err(AppError::bad_input(format!("`{path}.{name}` may not be null")));
        }
        let value = input_value(&column.kind, v).ok_or_else(|| {
            AppError::bad_input(format!("`{path}.{name}` is not a valid {}", kind_name(&column.kind)))
        })?;
        out.push((c, value));
    }
    Ok(out)
}

fn kind_name(kind: &ScalarKind) -> String {
    match kind {
        ScalarKind::Vector(n) => format!("list of {n} numbers"),
        other => crate::catalog::names::scalar(other),
    }
}

/// A GraphQL input value as the bound value of a column of `kind` (`None`: it does not fit).
pub fn input_value(kind: &ScalarKind, v: &GqlValue) -> Option<Value> {
    let list = |ty: ArrayType, items: Option<Vec<Value>>| Value::Array(ty, items.map(Box::new));
    Some(match kind {
        ScalarKind::Json => match v {
            GqlValue::Null => Value::Json(None),
            other => Value::Json(Some(Box::new(other.clone().into_json().ok()?))),
        },
        ScalarKind::StringList => list(
            ArrayType::String,
            list_of(v, |x| if let GqlValue::String(s) = x { Some(Value::String(Some(s))) } else { None }).ok()?,
        ),
        ScalarKind::UuidList => list(
            ArrayType::Uuid,
            list_of(v, |x| match x {
                GqlValue::String(s) => Uuid::try_parse(&s).ok().map(|u| Value::Uuid(Some(u))),
                _ => None,
            })
            .ok()?,
        ),
        ScalarKind::Vector(n) => {
            let values = list_of(v, |x| match x {
                GqlValue::Number(f) => f.as_f64().map(|f| Value::Float(Some(f as f32))),
                _ => None,
            })
            .ok()?;
            if values.as_ref().is_some_and(|v| v.len() != *n as usize) {
                return None;
            }
            list(ArrayType::Float, values)
        }
        // Smallint columns take an int4 parameter (an assignment cast).
        other => json_to_value(other, &v.clone().into_json().ok()?)?,
    })
}

/// An element of a list input that does not fit its column.
struct Misfit;

/// A list input's elements through `each` (`Ok(None)`: the list is null). A single value where a
/// list is expected is a list of one (input coercion).
fn list_of(v: &GqlValue, each: impl Fn(GqlValue) -> Option<Value>) -> Result<Option<Vec<Value>>, Misfit> {
    match v {
        GqlValue::Null => Ok(None),
        GqlValue::List(items) => items.iter().cloned().map(each).collect::<Option<Vec<_>>>().map(Some).ok_or(Misfit),
        other => each(other.clone()).map(|x| Some(vec![x])).ok_or(Misfit),
    }
}

/// The foreign keys among `columns`, with the visibility of their targets.
pub fn references(
    catalog: &Catalog,
    table: &Table,
    columns: &[ColumnId],
    visible: impl Fn(&Table) -> Option<Filter>,
) -> Vec<Reference> {
    table
        .relations
        .iter()
        .filter_map(|&r| match catalog.relations[r].kind {
            RelationKind::BelongsTo { fk } if columns.contains(&fk) => {
                let target = &catalog.tables[catalog.relations[r].target];
                Some(Reference { column: fk, target: target.id, visibility: visible(target) })
            }
            _ => None,
        })
        .collect()
}

/// `expectedVersion`, where given.
pub fn expected_version(args: &IndexMap<Name, GqlValue>) -> Result<Option<i32>, AppError> {
    match args.get("expectedVersion") {
        None | Some(GqlValue::Null) => Ok(None),
        Some(GqlValue::Number(n)) => n
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| AppError::bad_input("argument `expectedVersion` is not a version number")),
        Some(_) => Err(AppError::bad_input("argument `expectedVersion` must be an integer")),
    }
}

/// The `id` argument.
pub fn id_argument(args: &IndexMap<Name, GqlValue>) -> Result<Uuid, AppError> {
    match args.get("id") {
        Some(GqlValue::String(s)) => {
            Uuid::try_parse(s).map_err(|_| AppError::bad_input(format!("argument `id` is not a valid UUID: {s:?}")))
        }
        _ => Err(AppError::bad_input("argument `id` must be a UUID string")),
    }
}

/// The rows of a `create…`/`upsert…` input list, aligned on one column list (a column missing from
/// a row takes its default: `DEFAULT` is written for it).
pub fn rows(
    table: &Table,
    inputs: &[IndexMap<Name, GqlValue>],
    argument: &str,
) -> Result<(Vec<ColumnId>, Vec<Vec<Option<Value>>>), AppError> {
    if inputs.len() > MAX_WRITE_ROWS {
        return Err(AppError::bad_input(format!(
            "argument `{argument}` holds {} rows; at most {MAX_WRITE_ROWS} are allowed",
            inputs.len()
        )));
    }
    let mut parsed = Vec::with_capacity(inputs.len());
    let mut columns: Vec<ColumnId> = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let path =
            if inputs.len() == 1 && argument == "input" { argument.to_owned() } else { format!("{argument}[{i}]") };
        let set = assignments(table, input, &path)?;
        for (c, _) in &set {
            if !columns.contains(c) {
                columns.push(*c);
            }
        }
        parsed.push(set);
    }
    let rows = parsed
        .into_iter()
        .map(|set| columns.iter().map(|c| set.iter().find(|(k, _)| k == c).map(|(_, v)| v.clone())).collect::<Vec<_>>())
        .collect();
    Ok((columns, rows))
}
