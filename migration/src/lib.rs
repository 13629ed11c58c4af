//! The registry schema, as sea-orm-migration migrations.
//!
//! Each migration is one domain of 003's build sequence and is plain SQL kept beside this crate in
//! `migration/sql/NN_name.{up,down}.sql`. One generic [`SqlMigration`] runs them all: there is no
//! Rust code per migration. Postgres runs each migration inside a transaction, so a failing file
//! leaves nothing half-applied.

use sea_orm_migration::prelude::*;

/// A migration whose `up` and `down` are SQL scripts.
pub struct SqlMigration {
    name: &'static str,
    up: &'static str,
    down: &'static str,
}

impl MigrationName for SqlMigration {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for SqlMigration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(self.up).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(self.down).await?;
        Ok(())
    }
}

/// Lists the SQL migrations in order; each name is the file stem under `migration/sql/`.
macro_rules! sql_migrations {
    ($($name:literal),* $(,)?) => {
        &[$(SqlMigration {
            name: $name,
            up: include_str!(concat!("../sql/", $name, ".up.sql")),
            down: include_str!(concat!("../sql/", $name, ".down.sql")),
        }),*]
    };
}

/// Every migration of the registry, in the order they apply.
pub static MIGRATIONS: &[SqlMigration] = sql_migrations![
    "01_extensions_and_enums",
    "02_tenants_and_identity",
    "03_industries_and_solutions",
    "04_organizational_structure",
    "05_agents_core",
    "06_personas_and_jtbds",
    "07_content_library",
    "08_capabilities_and_domains",
    "09_workflows_and_tasks",
    "10_ask_expert",
    "11_ask_panel",
    "12_workflow_execution",
    "13_solutions_marketplace",
    "14_agent_relationships",
    "15_deliverables_and_feedback",
    "16_token_usage_and_billing",
    "17_audit_and_compliance",
    "18_search_and_performance_indexes",
    "19_row_level_security",
    "20_helper_functions",
    "21_gateway_reader_role",
    "22_write_policies_and_history",
    "23_name_ordering_indexes",
    "24_every_tenant_visibility",
];

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        MIGRATIONS
            .iter()
            .map(|m| Box::new(SqlMigration { name: m.name, up: m.up, down: m.down }) as Box<dyn MigrationTrait>)
            .collect()
    }
}
