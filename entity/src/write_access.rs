//! Who may write each table: the write rule, decided once for every crate that needs it (the
//! gateway's mutations, their tests, the docs). Hand-written, like `tenancy`.
//!
//! Reads follow the tenancy class of a table ([`crate::tenancy`]); writes follow its [`WriteClass`],
//! which is derived from that class and two named lists:
//! - global reference data (no `tenant_id`: industries, org structure, services…) is
//!   [`WriteClass::PlatformAdmin`]: only an owner or admin of the platform tenant writes it;
//! - registry assets and their children and junctions are [`WriteClass::Curator`]: an owner, admin
//!   or manager of the row's tenant or of one of its ancestors writes rows of that tenant; rows of
//!   the shared registry (`tenant_id` NULL) only a platform owner or admin; rows a caller sees only
//!   because they are public or shared to it stay read-only to it;
//! - the tenant-private conversation tables of Ask Expert and Ask Panel ([`MEMBER_TABLES`]) are
//!   [`WriteClass::Member`]: any member of the tenant writes rows of exactly that tenant, so that
//!   those screens can post;
//! - everything else is [`WriteClass::Never`]: the tenants table, and every table named in
//!   [`NEVER_TABLES`] (audit, versions, keys, usage and billing, identity and membership, machine
//!   written executions and logs). A tenant-private table named in neither list is `Never` too: a
//!   new private table is closed until someone decides otherwise (a unit test insists that every
//!   private table is named in exactly one list, so the decision cannot be forgotten).
//!
//! Who counts as what comes from the caller's tenant role ([`CURATOR_ROLES`],
//! [`PLATFORM_ADMIN_ROLES`], [`MEMBER_ROLES`]); the gateway turns it into the per-transaction
//! settings named by the `SETTING_*` constants, which the database's write policies read.
//!
//! The authority for what the database enforces is migration 22 (row-level security write
//! policies, grants of the `registry_writer` role, and the audit trigger), which makes the same
//! decision in SQL from the same facts: the table's columns and the same two lists, repeated there.
//! `tests/api/write_policies.rs` checks that the class of every table here matches the grants and
//! policies the migrated database carries. docs/write-access.md explains the whole rule.

use sea_orm::EntityTrait;

use crate::tenancy::{self, Tenancy};

/// Who may insert, update and delete a table's rows (through the gateway's writer role).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteClass {
    /// Nobody writes it through GraphQL: system tables, identity and membership, machine-written
    /// records.
    Never,
    /// Global reference data: only an owner or admin of the platform tenant.
    PlatformAdmin,
    /// Registry assets, their children and junctions: an owner, admin or manager of the row's tenant
    /// or of an ancestor of it; rows of the shared registry (`tenant_id` NULL) only a platform owner
    /// or admin.
    Curator,
    /// Tenant-private conversations: any member of the row's tenant, rows of exactly that tenant.
    Member,
}

/// Tenant-private tables that the members of their tenant write: the conversations of Ask Expert
/// (migration 10) and Ask Panel (migration 11), and the feedback and votes users give on them
/// (migration 15). These are what those screens post; everything in them belongs to the one tenant
/// the conversation happens in.
///
/// `panel_templates` and `panel_facilitator_configs` are not here: they are registry assets
/// (curated, shareable), not conversations.
pub const MEMBER_TABLES: &[&str] = &[
    // Ask Expert
    "expert_consultations",
    "expert_messages",
    "consultation_sessions",
    // Ask Panel: the panel, who sits on it, its rounds, messages, consensus proposals and votes
    "panel_discussions",
    "panel_members",
    "panel_rounds",
    "panel_messages",
    "panel_consensus",
    "panel_votes",
    // Feedback and ballots users give on conversations and outputs
    "consultation_feedback",
    "votes",
    "vote_records",
];

/// Tables nobody writes through GraphQL, whatever their tenancy class. Each group says why.
pub const NEVER_TABLES: &[&str] = &[
    // The history itself: written only by the audit trigger of migration 22 (as its owner), never
    // by a caller. A trail the audited could edit would prove nothing.
    "audit_log",
    "service_role_audit",
    "entity_versions",
    // Credentials: created and revoked by `keys create` / `keys revoke`, never through GraphQL.
    "api_keys",
    // Usage, billing and cost: metered by the services, not declared by the caller.
    "token_usage_messages",
    "token_usage_sessions",
    "token_usage_consultations",
    "tenant_usage_tracking",
    "subscription_usage_monthly",
    "cost_allocation",
    // Compliance configuration: a retention policy decides what is destroyed and when; it is set
    // by the platform's compliance process, not by a tenant's curators.
    "data_retention_policies",
    // Identity, membership and tenancy: who a user is, which tenant they belong to with which role,
    // and the tenants themselves decide every other permission, so they are administered by the
    // identity provider and the platform's provisioning, not curated through the API whose access
    // they define.
    "tenants",
    "tenant_members",
    "user_profiles",
    "tenant_organizations",
    // Sharing grants widen what other tenants read (migration 19 trusts them through
    // `app_shared_asset_ids()`), and a grant names its asset by a polymorphic id the database
    // cannot tie to the granting tenant's own assets: a write policy could not stop a tenant from
    // "sharing" another tenant's asset to itself.
    "asset_sharing",
    // Provisioning: installing a solution is a commercial act tied to billing.
    "solution_installations",
    // Machine-written records of runs: the workflow engine writes executions, their steps, task
    // runs and logs as they happen; an edited run record would misreport what ran. Approvals are
    // decided by the designated approver of the step, which a tenant-wide policy cannot express.
    "workflow_executions",
    "workflow_execution_steps",
    "task_executions",
    "workflow_logs",
    "workflow_approvals",
    // Outputs of runs and conversations: produced by the engine with their files in storage
    // (artifacts are file metadata; a row without its stored file would be broken), and revised as
    // new rows by the producing service (`previous_version_id`).
    "deliverables",
    "artifacts",
];

/// Tenant roles that curate their tenant's registry rows (and their descendants').
pub const CURATOR_ROLES: &[&str] = &["owner", "admin", "manager"];

/// Tenant roles of the platform tenant that write global reference data and the shared registry.
pub const PLATFORM_ADMIN_ROLES: &[&str] = &["owner", "admin"];

/// Tenant roles that post to their tenant's conversations: the roles that read its private data
/// (the gateway's `PRIVATE_DATA_ROLES`); a guest or viewer neither reads nor writes them.
pub const MEMBER_ROLES: &[&str] = &["owner", "admin", "manager", "member"];

/// The database role writes run as (migration 22): each write transaction runs
/// `set_config('role', 'registry_writer', true)`, like reads do with `registry_reader`.
pub const WRITER_ROLE: &str = "registry_writer";

/// Setting: the caller's `sub` (may be empty). Recorded as the actor of each audit row.
pub const SETTING_USER_ID: &str = "app.user_id";
/// Setting: comma-separated tenant ids whose registry rows the caller may write (its tenant and
/// descendants when its role is one of [`CURATOR_ROLES`], else empty).
pub const SETTING_CURATOR_TENANT_IDS: &str = "app.curator_tenant_ids";
/// Setting: the caller's tenant when its role is one of [`MEMBER_ROLES`], else empty.
pub const SETTING_MEMBER_TENANT_ID: &str = "app.member_tenant_id";
/// Setting: `on` when the caller is one of [`PLATFORM_ADMIN_ROLES`] of the platform tenant.
pub const SETTING_PLATFORM_ADMIN: &str = "app.platform_admin";
/// Optional setting: the id of the API key the caller authenticated with.
pub const SETTING_API_KEY_ID: &str = "app.api_key_id";
/// Optional setting: the request id, copied into each audit row.
pub const SETTING_REQUEST_ID: &str = "app.request_id";

/// The write class of table `table`, whose tenancy class is `tenancy`.
pub fn write_class(table: &str, tenancy: Tenancy) -> WriteClass {
    if NEVER_TABLES.contains(&table) {
        return WriteClass::Never;
    }
    match tenancy {
        Tenancy::Tenants => WriteClass::Never,
        Tenancy::Global => WriteClass::PlatformAdmin,
        Tenancy::Registry | Tenancy::Child => WriteClass::Curator,
        Tenancy::Private if MEMBER_TABLES.contains(&table) => WriteClass::Member,
        // Closed by default: see the module documentation.
        Tenancy::Private => WriteClass::Never,
    }
}

/// The write class of entity `E`'s table.
pub fn of_entity<E: EntityTrait>() -> WriteClass {
    write_class(E::default().table_name(), tenancy::of_entity::<E>())
}

#[cfg(test)]
mod tests {
    use super::*;

    // In item position: within this crate, `for_each_entity!` may not be used as an expression.
    macro_rules! classes {
        ($($module:ident),* $(,)?) => {
            fn all() -> Vec<(&'static str, Tenancy, WriteClass)> {
                vec![$((
                    stringify!($module),
                    tenancy::of_entity::<crate::$module::Entity>(),
                    of_entity::<crate::$module::Entity>(),
                )),*]
            }
        };
    }
    crate::for_each_entity!(classes);

    fn class_of(table: &str) -> WriteClass {
        all().into_iter().find(|(t, ..)| *t == table).map(|(.., c)| c).unwrap_or_else(|| panic!("no entity {table}"))
    }

    #[test]
    fn the_issues_examples_fall_in_their_classes() {
        for (table, class) in [
            ("industries", WriteClass::PlatformAdmin),
            ("org_functions", WriteClass::PlatformAdmin),
            ("services_registry", WriteClass::PlatformAdmin),
            ("agents", WriteClass::Curator),
            ("prompts", WriteClass::Curator),
            ("agent_prompts", WriteClass::Curator),
            ("knowledge_chunks", WriteClass::Curator),
            ("panel_templates", WriteClass::Curator),
            ("expert_consultations", WriteClass::Member),
            ("expert_messages", WriteClass::Member),
            ("panel_messages", WriteClass::Member),
            ("consultation_feedback", WriteClass::Member),
            ("audit_log", WriteClass::Never),
            ("api_keys", WriteClass::Never),
            ("entity_versions", WriteClass::Never),
            ("token_usage_messages", WriteClass::Never),
            ("tenants", WriteClass::Never),
            ("tenant_members", WriteClass::Never),
            ("user_profiles", WriteClass::Never),
        ] {
            assert_eq!(class_of(table), class, "{table}");
        }
    }

    #[test]
    fn every_private_table_is_named_in_exactly_one_list() {
        for (table, tenancy, _) in all() {
            let named = usize::from(MEMBER_TABLES.contains(&table)) + usize::from(NEVER_TABLES.contains(&table));
            if tenancy == Tenancy::Private {
                assert_eq!(named, 1, "{table}: a private table must be named in MEMBER_TABLES or NEVER_TABLES");
            } else {
                assert!(!MEMBER_TABLES.contains(&table), "{table}: only private tables are member-written");
            }
        }
    }

    #[test]
    fn the_lists_name_existing_tables_once() {
        let tables: Vec<&str> = all().into_iter().map(|(t, ..)| t).collect();
        for list in [MEMBER_TABLES, NEVER_TABLES] {
            for (i, table) in list.iter().enumerate() {
                assert!(tables.contains(table), "{table} is not a table");
                assert!(!list[..i].contains(table), "{table} is named twice");
            }
        }
    }

    #[test]
    fn every_usage_billing_and_cost_table_is_never_written() {
        for (table, ..) in all() {
            if ["usage", "billing", "cost", "audit", "version"].iter().any(|w| table.contains(w)) {
                assert_eq!(class_of(table), WriteClass::Never, "{table}");
            }
        }
    }

    #[test]
    fn classes_follow_tenancy_outside_the_lists() {
        for (table, tenancy, class) in all() {
            if NEVER_TABLES.contains(&table) || MEMBER_TABLES.contains(&table) {
                continue;
            }
            let expected = match tenancy {
                Tenancy::Global => WriteClass::PlatformAdmin,
                Tenancy::Registry | Tenancy::Child => WriteClass::Curator,
                Tenancy::Private | Tenancy::Tenants => WriteClass::Never,
            };
            assert_eq!(class, expected, "{table}");
        }
    }

    #[test]
    fn member_roles_include_the_curators_and_curators_the_platform_admins() {
        assert!(CURATOR_ROLES.iter().all(|r| MEMBER_ROLES.contains(r)));
        assert!(PLATFORM_ADMIN_ROLES.iter().all(|r| CURATOR_ROLES.contains(r)));
    }
}
