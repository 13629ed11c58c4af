//! The visibility rule, as one piece of code: which rows of a table a caller may see.
//!
//! A caller acting for tenant T sees
//! - rows of global reference tables (industries, org structure, services);
//! - shared registry rows (`tenant_id IS NULL` or `is_public`);
//! - registry rows and their children/junctions owned by T or by a tenant below T in the hierarchy
//!   (the platform tenant is above every tenant, so it sees everything);
//! - registry rows shared to T through `asset_sharing`;
//! - tenant-private rows (conversations, executions, usage, audit…) only of the tenants whose
//!   private data its role may read ([`Scope::private`]).
//!
//! [`Scope::predicate`] turns the rule into SQL for one table reference; every statement the
//! gateway issues calls it for every table it reads, root or nested, node or junction, count or
//! search. Row-level security in Postgres (migration 19) applies the same rule a second time.

use sea_orm::Value;
use uuid::Uuid;

use crate::catalog::{Table, Tenancy};
use crate::plan::Filter;
use crate::sql::sql_text::Sql;

/// What one request may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// No tenant filter in the gateway (scoping switched off by configuration, or a trusted
    /// operator). Row-level security may still apply underneath.
    Unrestricted,
    /// Anonymous callers: the shared registry and global reference data only.
    PublicOnly,
    /// A caller acting for a tenant.
    Tenant {
        tenant: Uuid,
        /// The tenant and its descendants.
        visible: Vec<Uuid>,
        /// Tenants whose private data the caller may read (empty when its role allows none).
        private: Vec<Uuid>,
        /// Registry assets shared to the tenant through `asset_sharing`.
        shared_assets: Vec<Uuid>,
    },
}

fn uuid_array(ids: &[Uuid]) -> Value {
    Value::from(ids.to_vec())
}

impl Scope {
    /// Appends ` AND (<predicate>)` restricting `alias` (a reference to `table`) to what this scope
    /// may see; appends nothing when every row is visible.
    pub fn restrict(&self, table: &Table, alias: &str, sql: &mut Sql) {
        if table.soft_delete {
            sql.push(" AND ").col(alias, "deleted_at").push(" IS NULL");
        }
        if table.tenancy == Tenancy::Private && !sql.private_tables.contains(&table.id) {
            sql.private_tables.push(table.id);
        }
        match (self, table.tenancy) {
            (Self::Unrestricted, _) | (_, Tenancy::Global) => {}
            (Self::PublicOnly, Tenancy::Registry) => {
                sql.push(" AND (").col(alias, "tenant_id").push(" IS NULL OR ").col(alias, "is_public").push(")");
            }
            (Self::PublicOnly, Tenancy::Child) => {
                sql.push(" AND ").col(alias, "tenant_id").push(" IS NULL");
            }
            (Self::PublicOnly, Tenancy::Private | Tenancy::Tenants) => {
                sql.push(" AND FALSE");
            }
            (Self::Tenant { visible, shared_assets, .. }, Tenancy::Registry) => {
                sql.push(" AND (").col(alias, "tenant_id").push(" IS NULL OR ").col(alias, "is_public");
                sql.push(" OR ").col(alias, "tenant_id").push(" = ANY(").param(uuid_array(visible)).push(")");
                if !shared_assets.is_empty() {
                    sql.push(" OR ").col(alias, "id").push(" = ANY(").param(uuid_array(shared_assets)).push(")");
                }
                sql.push(")");
            }
            (Self::Tenant { visible, .. }, Tenancy::Child) => {
                sql.push(" AND (").col(alias, "tenant_id").push(" IS NULL OR ").col(alias, "tenant_id");
                sql.push(" = ANY(").param(uuid_array(visible)).push("))");
            }
            (Self::Tenant { private, .. }, Tenancy::Private) => {
                sql.push(" AND ").col(alias, "tenant_id").push(" = ANY(").param(uuid_array(private)).push(")");
            }
            (Self::Tenant { visible, .. }, Tenancy::Tenants) => {
                sql.push(" AND ").col(alias, "id").push(" = ANY(").param(uuid_array(visible)).push(")");
            }
        }
    }
}

impl Scope {
    /// What this scope may see of `table`, as filter nodes (soft delete included); `None` when every
    /// row is visible. The plan attaches it to every table reference it reads.
    pub fn visibility(&self, table: &Table) -> Option<Filter> {
        let col = |name: &str| table.col_id(name).unwrap_or_default();
        let ids = |ids: &[Uuid]| ids.iter().map(|&u| Value::from(u)).collect::<Vec<_>>();
        let is_null = |name: &str| Filter::IsNull { column: col(name), is_null: true };
        let within = |name: &str, set: &[Uuid]| Filter::In { column: col(name), values: ids(set), negated: false };
        let rule = match (self, table.tenancy) {
            (Self::Unrestricted, _) | (_, Tenancy::Global) => None,
            (Self::PublicOnly, Tenancy::Registry) => {
                Some(Filter::Any(vec![is_null("tenant_id"), Filter::IsTrue { column: col("is_public") }]))
            }
            (Self::PublicOnly, Tenancy::Child) => Some(is_null("tenant_id")),
            (Self::PublicOnly, Tenancy::Private | Tenancy::Tenants) => Some(Filter::False),
            (Self::Tenant { visible, shared_assets, .. }, Tenancy::Registry) => {
                let mut any = vec![
                    is_null("tenant_id"),
                    Filter::IsTrue { column: col("is_public") },
                    within("tenant_id", visible),
                ];
                if !shared_assets.is_empty() {
                    any.push(within("id", shared_assets));
                }
                Some(Filter::Any(any))
            }
            (Self::Tenant { visible, .. }, Tenancy::Child) => {
                Some(Filter::Any(vec![is_null("tenant_id"), within("tenant_id", visible)]))
            }
            (Self::Tenant { private, .. }, Tenancy::Private) => Some(within("tenant_id", private)),
            (Self::Tenant { visible, .. }, Tenancy::Tenants) => Some(within("id", visible)),
        };
        let live = table.soft_delete.then(|| is_null("deleted_at"));
        Filter::and(live, rule)
    }
}
