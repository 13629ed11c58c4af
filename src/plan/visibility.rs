//! The caller's visibility as filter nodes: what a [`Scope`] may see of a table (soft delete
//! included), as ordinary predicates over its columns. The plan attaches it to every table
//! reference it reads, so the golden files show exactly what each caller sees.

use sea_orm::Value;
use uuid::Uuid;

use crate::catalog::{Table, Tenancy};
use crate::plan::Filter;
use crate::tenancy::{Reach, Scope};

/// What `scope` may see of `table`; `None` when every row is visible.
pub fn visibility(scope: &Scope, table: &Table) -> Option<Filter> {
    let live = table
        .soft_delete
        .then(|| Filter::IsNull { column: table.col_id("deleted_at").unwrap_or_default(), is_null: true });
    Filter::and(live, tenant_rule(scope, table))
}

/// What `scope` may see of `table` whether its rows are deleted or not (to restore one).
pub fn tenant_rule(scope: &Scope, table: &Table) -> Option<Filter> {
    let col = |name: &str| table.col_id(name).unwrap_or_default();
    let ids = |ids: &[Uuid]| ids.iter().map(|&u| Value::from(u)).collect::<Vec<_>>();
    let is_null = |name: &str| Filter::IsNull { column: col(name), is_null: true };
    let within = |name: &str, set: &[Uuid]| Filter::In { column: col(name), values: ids(set), negated: false };
    match (scope, table.tenancy) {
        (Scope::Unrestricted, _) | (_, Tenancy::Global) => None,
        (Scope::PublicOnly, Tenancy::Registry) => {
            Some(Filter::Any(vec![is_null("tenant_id"), Filter::IsTrue { column: col("is_public") }]))
        }
        (Scope::PublicOnly, Tenancy::Child) => Some(is_null("tenant_id")),
        (Scope::PublicOnly, Tenancy::Private | Tenancy::Tenants) => Some(Filter::False),
        // Every tenant: every row of the registry, its children and the tenants table.
        (Scope::Tenant { visible: Reach::Every, .. }, Tenancy::Registry | Tenancy::Child | Tenancy::Tenants) => None,
        (Scope::Tenant { visible: Reach::Tenants(visible), shared_assets, .. }, Tenancy::Registry) => {
            let mut any =
                vec![is_null("tenant_id"), Filter::IsTrue { column: col("is_public") }, within("tenant_id", visible)];
            if !shared_assets.is_empty() {
                any.push(within("id", shared_assets));
            }
            Some(Filter::Any(any))
        }
        (Scope::Tenant { visible: Reach::Tenants(visible), .. }, Tenancy::Child) => {
            Some(Filter::Any(vec![is_null("tenant_id"), within("tenant_id", visible)]))
        }
        (Scope::Tenant { private, .. }, Tenancy::Private) => Some(within("tenant_id", private)),
        (Scope::Tenant { visible: Reach::Tenants(visible), .. }, Tenancy::Tenants) => Some(within("id", visible)),
    }
}
