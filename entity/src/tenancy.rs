//! Each table's tenancy class, decided in one place for every crate that needs it (the gateway's
//! catalog and visibility rule, the demo-data seeder). Hand-written, like `embedding` and `naming`.
//!
//! The class follows from a table's columns (docs/schema-conventions.md): no `tenant_id` is global
//! reference data, `tenant_id NOT NULL` is tenant-private, a nullable `tenant_id` with `is_public` is
//! a shareable registry asset, and any other nullable `tenant_id` is a child or junction of registry
//! assets. The columns cannot tell two cases apart, which are named here:
//! - `tenants` itself (visibility follows the hierarchy);
//! - [`PRIVATE_WITH_PLATFORM_ROWS`]: tenant-private tables whose `tenant_id` is nullable because
//!   NULL marks a platform row (a platform-level action, the platform's default policy).
//!
//! The authority for what the database enforces is the row-level security of migration 19, which
//! makes the same decisions in SQL (and names the same tables); `tests/api/entities.rs` checks that
//! the class of every table here matches the policy the migrated database carries.

use sea_orm::{ColumnTrait, EntityTrait, IdenStatic, Iterable};

/// How a table is scoped to tenants (docs/schema-conventions.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tenancy {
    /// Reference data every caller reads (no `tenant_id`).
    Global,
    /// Shareable registry asset: `tenant_id` NULL or `is_public` means shared.
    Registry,
    /// Child or junction of registry assets: follows its private side's `tenant_id` (NULL when
    /// every side is shared).
    Child,
    /// Tenant-private data: only the owning tenant reads it. A NULL `tenant_id` (allowed only in
    /// [`PRIVATE_WITH_PLATFORM_ROWS`]) is a platform row, which no tenant reads.
    Private,
    /// The tenants table itself.
    Tenants,
}

/// The tenants table: its rows' tenant is the row itself.
pub const TENANTS_TABLE: &str = "tenants";

/// Tenant-private tables with a nullable `tenant_id`, where NULL marks a platform row (migration
/// 17). Row-level security (migration 19) treats them as private: a row is visible only to the
/// tenants whose private data the caller may read, and a platform row to none of them.
pub const PRIVATE_WITH_PLATFORM_ROWS: &[&str] = &["audit_log", "service_role_audit", "data_retention_policies"];

/// What the class depends on: the table's name and two facts about its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenancyColumns {
    /// `None` without a `tenant_id` column, else whether it is nullable.
    pub tenant_id_nullable: Option<bool>,
    /// The table has an `is_public` column.
    pub has_is_public: bool,
}

/// The class of table `table` with tenancy-relevant columns `columns`.
pub fn classify(table: &str, columns: TenancyColumns) -> Tenancy {
    if table == TENANTS_TABLE {
        return Tenancy::Tenants;
    }
    match columns.tenant_id_nullable {
        None => Tenancy::Global,
        Some(false) => Tenancy::Private,
        Some(true) if PRIVATE_WITH_PLATFORM_ROWS.contains(&table) => Tenancy::Private,
        Some(true) if columns.has_is_public => Tenancy::Registry,
        Some(true) => Tenancy::Child,
    }
}

/// The class of entity `E`'s table, from its column definitions.
pub fn of_entity<E: EntityTrait>() -> Tenancy {
    let mut columns = TenancyColumns { tenant_id_nullable: None, has_is_public: false };
    for c in E::Column::iter() {
        match c.as_str() {
            "tenant_id" => columns.tenant_id_nullable = Some(c.def().is_null()),
            "is_public" => columns.has_is_public = true,
            _ => {}
        }
    }
    classify(E::default().table_name(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    // In item position: within this crate, `for_each_entity!` may not be used as an expression.
    macro_rules! classes {
        ($($module:ident),* $(,)?) => {
            fn all_classes() -> Vec<(&'static str, Tenancy)> {
                vec![$((stringify!($module), of_entity::<crate::$module::Entity>())),*]
            }
        };
    }
    crate::for_each_entity!(classes);

    fn class_of(table: &str) -> Tenancy {
        all_classes()
            .into_iter()
            .find(|(t, _)| *t == table)
            .map(|(_, c)| c)
            .unwrap_or_else(|| panic!("no entity {table}"))
    }

    #[test]
    fn the_conventions_tables_fall_in_their_classes() {
        for (table, class) in [
            ("tenants", Tenancy::Tenants),
            ("industries", Tenancy::Global),
            ("org_roles", Tenancy::Global),
            ("agents", Tenancy::Registry),
            ("jobs_to_be_done", Tenancy::Registry),
            ("agent_prompts", Tenancy::Child),
            ("knowledge_chunks", Tenancy::Child),
            ("expert_consultations", Tenancy::Private),
            ("entity_versions", Tenancy::Private),
            ("audit_log", Tenancy::Private),
            ("service_role_audit", Tenancy::Private),
            ("data_retention_policies", Tenancy::Private),
        ] {
            assert_eq!(class_of(table), class, "{table}");
        }
    }

    macro_rules! nullable_tenant {
        ($($module:ident),* $(,)?) => {
            fn all_nullable_tenant() -> Vec<(&'static str, Option<bool>)> {
                vec![$((
                    stringify!($module),
                    crate::$module::Column::iter().find(|c| c.as_str() == "tenant_id").map(|c| c.def().is_null()),
                )),*]
            }
        };
    }
    crate::for_each_entity!(nullable_tenant);

    #[test]
    fn every_table_with_platform_rows_has_a_nullable_tenant_id() {
        let all = all_nullable_tenant();
        for table in PRIVATE_WITH_PLATFORM_ROWS {
            let found = all.iter().find(|(t, _)| t == table).map(|(_, n)| *n);
            assert_eq!(found, Some(Some(true)), "{table}: no entity, or no nullable tenant_id");
        }
    }
}
