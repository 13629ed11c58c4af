//! The entities (entity/, generated) and the migrated database must agree on every table, column,
//! type, nullability and whether it has a DEFAULT (which decides the required fields of the
//! mutations' inputs). Regenerate with scripts/generate_entities.py when a migration changes.

use std::collections::BTreeMap;

use entity::tenancy::Tenancy;
use sea_orm::sea_query::StringLen;
use sea_orm::{ColumnTrait, ColumnType, EntityName, EntityTrait, IdenStatic, Iterable};

use crate::helpers::empty_database;

/// Per column: its type, whether it is nullable, whether it has a DEFAULT.
type Columns = BTreeMap<String, (String, bool, bool)>;

/// The Postgres type a SeaORM column type stands for, spelled as `format_type` spells it.
fn pg_type(t: &ColumnType) -> String {
    match t {
        ColumnType::String(StringLen::N(n)) => format!("character varying({n})"),
        ColumnType::String(_) | ColumnType::Text => "text".into(),
        ColumnType::Uuid => "uuid".into(),
        ColumnType::Boolean => "boolean".into(),
        ColumnType::SmallInteger => "smallint".into(),
        ColumnType::Integer => "integer".into(),
        ColumnType::BigInteger => "bigint".into(),
        ColumnType::Double => "double precision".into(),
        ColumnType::Decimal(Some((p, s))) => format!("numeric({p},{s})"),
        ColumnType::Decimal(None) => "numeric".into(),
        ColumnType::Date => "date".into(),
        ColumnType::TimestampWithTimeZone => "timestamp with time zone".into(),
        ColumnType::JsonBinary => "jsonb".into(),
        ColumnType::Vector(Some(n)) => format!("vector({n})"),
        ColumnType::Enum { name, .. } => name.to_string(),
        ColumnType::Array(inner) => format!("{}[]", pg_type(inner)),
        other => format!("unmapped {other:?}"),
    }
}

fn describe<E: EntityTrait>() -> (String, Columns) {
    let columns = E::Column::iter()
        .map(|c| {
            let def = c.def();
            let has_default = def.get_column_default().is_some();
            (c.as_str().to_owned(), (pg_type(def.get_column_type()), def.is_null(), has_default))
        })
        .collect();
    (E::default().table_name().to_owned(), columns)
}

macro_rules! describe_all {
    ($($module:ident),* $(,)?) => {
        vec![$(describe::<entity::$module::Entity>()),*]
    };
}

#[tokio::test]
async fn entities_and_the_migrated_database_agree() {
    let db = empty_database().await;
    registry_gateway::database::migrate_up(&db.conn).await.expect("migrate");

    let mut from_db: BTreeMap<String, Columns> = BTreeMap::new();
    for row in db
        .query_strings(
            "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), (NOT a.attnotnull)::text,
                    a.atthasdef::text
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0
               AND NOT a.attisdropped AND c.relname <> 'seaql_migrations'",
        )
        .await
    {
        from_db
            .entry(row[0].clone())
            .or_default()
            .insert(row[1].clone(), (row[2].clone(), row[3] == "true", row[4] == "true"));
    }

    let from_entities: BTreeMap<String, Columns> = entity::for_each_entity!(describe_all).into_iter().collect();
    assert_eq!(from_entities.len(), entity::TABLE_COUNT);

    let mut problems = Vec::new();
    for table in from_db.keys().chain(from_entities.keys()).collect::<std::collections::BTreeSet<_>>() {
        match (from_db.get(table), from_entities.get(table)) {
            (Some(_), None) => problems.push(format!("table {table} has no entity")),
            (None, Some(_)) => problems.push(format!("entity {table} has no table")),
            (Some(d), Some(e)) => {
                for col in d.keys().chain(e.keys()).collect::<std::collections::BTreeSet<_>>() {
                    match (d.get(col), e.get(col)) {
                        (Some(_), None) => problems.push(format!("{table}.{col} is missing from the entity")),
                        (None, Some(_)) => problems.push(format!("{table}.{col} is not in the database")),
                        (Some(dc), Some(ec)) if dc != ec => {
                            let spell = |c: &(String, bool, bool)| {
                                format!(
                                    "{} {}{}",
                                    c.0,
                                    if c.1 { "NULL" } else { "NOT NULL" },
                                    if c.2 { " DEFAULT" } else { "" }
                                )
                            };
                            problems.push(format!("{table}.{col}: database {}, entity {}", spell(dc), spell(ec)));
                        }
                        _ => {}
                    }
                }
            }
            (None, None) => unreachable!(),
        }
    }
    assert!(problems.is_empty(), "entities and database disagree:\n{}", problems.join("\n"));

    // Enum values, in order.
    for (name, values) in entity::ENUMS {
        let labels: Vec<String> = db
            .query_strings(&format!(
                "SELECT e.enumlabel::text FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = '{name}' ORDER BY e.enumsortorder"
            ))
            .await
            .into_iter()
            .map(|r| r[0].clone())
            .collect();
        assert_eq!(labels, *values, "enum {name}");
    }
}

macro_rules! tenancy_all {
    ($($module:ident),* $(,)?) => {
        vec![$((
            entity::$module::Entity.table_name().to_owned(),
            entity::tenancy::of_entity::<entity::$module::Entity>(),
        )),*]
    };
}

/// The class the row-level security of the migrated database gives `table` (migration 19), read
/// back from its policy: the database is the authority on what is enforced.
fn class_of_policy(table: &str, policy: Option<&str>) -> Result<Tenancy, String> {
    let Some(qual) = policy else { return Ok(Tenancy::Global) };
    if table == entity::tenancy::TENANTS_TABLE {
        return Ok(Tenancy::Tenants);
    }
    if qual.contains("app_private_tenant_ids") {
        Ok(Tenancy::Private)
    } else if qual.contains("is_public") {
        Ok(Tenancy::Registry)
    } else if qual.contains("app_visible_tenant_ids") && qual.contains("tenant_id IS NULL") {
        Ok(Tenancy::Child)
    } else {
        Err(format!("{table}: policy not understood: {qual}"))
    }
}

/// `entity::tenancy` (what the gateway filters on and the seeder fills by) and the row-level
/// security policies agree on every table's tenancy class.
#[tokio::test]
async fn tenancy_classes_match_the_row_level_security_policies() {
    let db = empty_database().await;
    registry_gateway::database::migrate_up(&db.conn).await.expect("migrate");
    let policies: BTreeMap<String, String> = db
        .query_strings(
            "SELECT tablename::text, qual FROM pg_policies WHERE schemaname = 'public' AND policyname = 'tenant_isolation'",
        )
        .await
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let classes = entity::for_each_entity!(tenancy_all);
    assert_eq!(classes.len(), entity::TABLE_COUNT);
    let mut problems = Vec::new();
    for (table, class) in &classes {
        match class_of_policy(table, policies.get(table).map(String::as_str)) {
            Ok(enforced) if enforced == *class => {}
            Ok(enforced) => {
                problems.push(format!("{table}: entity::tenancy says {class:?}, RLS enforces {enforced:?}"));
            }
            Err(e) => problems.push(e),
        }
    }
    assert!(problems.is_empty(), "tenancy classes and RLS disagree:\n{}", problems.join("\n"));
    for table in entity::tenancy::PRIVATE_WITH_PLATFORM_ROWS {
        assert!(classes.iter().any(|(t, c)| t == table && *c == Tenancy::Private), "{table}");
    }
}
