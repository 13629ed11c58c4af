//! What the mutations may write of each table, decided once for the schema and the plan: which
//! mutation fields a table has, their names, and which columns a caller may set.
//!
//! Server-owned columns are never accepted from input: ids, tenancy (`tenant_id`,
//! `owner_tenant_id`, preset from the caller), the audit columns (`created_*`, `updated_*`, set
//! from the caller and the clock), `version` (optimistic concurrency), `deleted_at` (delete and
//! restore), and the usage counters the services maintain.

use serde::Serialize;

use crate::catalog::{Catalog, Column, Table, WriteClass, pascal};

/// Columns no input sets, in any table.
pub const SERVER_OWNED: &[&str] = &[
    "id",
    "tenant_id",
    "owner_tenant_id",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "version",
    "deleted_at",
    // Usage counters and ratings: maintained by the services that measure them.
    "usage_count",
    "total_ratings",
    "total_consultations",
    "avg_rating",
    "last_used_at",
];

/// Whether a caller may set `column` (in a create, update or upsert input).
pub fn settable(column: &Column) -> bool {
    !SERVER_OWNED.contains(&column.name.as_str())
}

/// One kind of mutation field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteKind {
    /// `createAgent(input:)`
    Create,
    /// `createAgents(inputs:)`: one statement for all rows.
    CreateMany,
    /// `updateAgent(id:, patch:, expectedVersion:)`
    Update,
    /// `updateAgents(filter:, patch:, atMost:)`
    UpdateMany,
    /// `upsertAgent(input:, onConflict:)`: tables with a natural key.
    Upsert,
    /// `deleteAgent(id:, expectedVersion:)`: soft where the table has `deleted_at`, hard for
    /// junction rows.
    Delete,
    /// `restoreAgent(id:)`: tables with `deleted_at`.
    Restore,
}

/// The mutation fields `table` has (none when nobody may write it).
pub fn kinds(table: &Table) -> Vec<WriteKind> {
    if table.write == WriteClass::Never {
        return Vec::new();
    }
    let mut out = vec![WriteKind::Create, WriteKind::CreateMany, WriteKind::Update, WriteKind::UpdateMany];
    if table.natural_keys().next().is_some() {
        out.push(WriteKind::Upsert);
    }
    if table.soft_delete || table.junction.is_some() {
        out.push(WriteKind::Delete);
    }
    if table.soft_delete {
        out.push(WriteKind::Restore);
    }
    out
}

/// The mutation field's name: `createAgent`, `createAgents`, `updateAgents`, …
pub fn field_name(table: &Table, kind: WriteKind) -> String {
    let plural = pascal(&table.list_field);
    match kind {
        WriteKind::Create => format!("create{}", table.type_name),
        WriteKind::CreateMany => format!("create{plural}"),
        WriteKind::Update => format!("update{}", table.type_name),
        WriteKind::UpdateMany => format!("update{plural}"),
        WriteKind::Upsert => format!("upsert{}", table.type_name),
        WriteKind::Delete => format!("delete{}", table.type_name),
        WriteKind::Restore => format!("restore{}", table.type_name),
    }
}

/// The table and kind of mutation field `name`.
pub fn lookup<'c>(catalog: &'c Catalog, name: &str) -> Option<(&'c Table, WriteKind)> {
    catalog.tables.iter().find_map(|t| kinds(t).into_iter().find(|&k| field_name(t, k) == name).map(|k| (t, k)))
}

/// `<Type>Input`: the settable columns of a new row.
pub fn input_type(table: &Table) -> String {
    format!("{}Input", table.type_name)
}

/// `<Type>Patch`: the settable columns of an update.
pub fn patch_type(table: &Table) -> String {
    format!("{}Patch", table.type_name)
}

/// `<Type>ConflictKey`: the natural keys an upsert may match on.
pub fn conflict_key_type(table: &Table) -> String {
    format!("{}ConflictKey", table.type_name)
}
