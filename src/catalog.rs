//! The catalog: what the gateway knows about each table, derived from the SeaORM entities.
//!
//! [`Catalog::from_entities`] walks the entity list (`entity::for_each_entity!`) once at start-up and
//! reads every entity's columns (`ColumnTrait::def`) and foreign keys (`RelationTrait::def`). From
//! those it derives everything the GraphQL layer needs: names, scalar kinds, tenancy class, natural
//! keys, and the relations in both directions, with junction tables becoming many-to-many
//! relations whose own columns ride on the edge. Nothing here is written per table: the names
//! come from the naming rules ([`naming`], `docs/naming.md`), and the few deliberate exceptions
//! from the naming file `schema-names.toml` ([`overrides`]). The tenancy class and the singulars
//! come from [`entity::tenancy`] and [`entity::naming`], which the demo-data seeder shares.

use std::collections::HashMap;

use sea_orm::sea_query::TableRef;
use sea_orm::{ColumnTrait, ColumnType, EntityTrait, IdenStatic, Iterable, RelationTrait};

use crate::error::AppError;

pub mod naming;
pub mod overrides;
pub mod writes;

pub type TableId = usize;
pub type ColumnId = usize;
pub type RelationId = usize;

/// The kind of value a column holds, which decides its GraphQL type, filter operators and SQL decoding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum ScalarKind {
    Uuid,
    String,
    Int,
    BigInt,
    Float,
    Decimal,
    Boolean,
    Date,
    DateTime,
    Json,
    StringList,
    UuidList,
    /// A Postgres enum, by its SQL type name.
    Enum(String),
    /// `vector(n)`: never in default selections, must be asked for.
    Vector(u32),
}

impl ScalarKind {
    fn from_column_type(t: &ColumnType) -> Self {
        match t {
            ColumnType::Uuid => Self::Uuid,
            ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) => Self::String,
            ColumnType::SmallInteger | ColumnType::Integer => Self::Int,
            ColumnType::BigInteger => Self::BigInt,
            ColumnType::Float | ColumnType::Double => Self::Float,
            ColumnType::Decimal(_) | ColumnType::Money(_) => Self::Decimal,
            ColumnType::Boolean => Self::Boolean,
            ColumnType::Date => Self::Date,
            ColumnType::TimestampWithTimeZone | ColumnType::Timestamp | ColumnType::DateTime => Self::DateTime,
            ColumnType::Json | ColumnType::JsonBinary => Self::Json,
            ColumnType::Enum { name, .. } => Self::Enum(name.to_string()),
            ColumnType::Vector(n) => Self::Vector(n.unwrap_or(0)),
            ColumnType::Array(inner) if matches!(**inner, ColumnType::Uuid) => Self::UuidList,
            ColumnType::Array(_) => Self::StringList,
            other => unreachable_kind(other),
        }
    }

    /// Whether rows can be ordered by this kind (and so whether it appears in `OrderBy`).
    pub fn orderable(&self) -> bool {
        !matches!(self, Self::Json | Self::StringList | Self::UuidList | Self::Vector(_))
    }
}

#[allow(clippy::panic)]
fn unreachable_kind(t: &ColumnType) -> ScalarKind {
    // Only reachable when a migration introduces a type outside docs/schema-conventions.md; the
    // entity test and the start-up schema build both fail loudly in that case.
    panic!("column type {t:?} is outside the schema conventions")
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub field: String,
    pub kind: ScalarKind,
    pub nullable: bool,
    pub unique: bool,
    /// The column has a DEFAULT (the entity's `default_expr`): an insert may leave it out.
    pub has_default: bool,
}

impl Column {
    /// An insert must give it: NOT NULL and without a DEFAULT.
    pub fn required_on_insert(&self) -> bool {
        !self.nullable && !self.has_default
    }
}

/// How a table is scoped to tenants: one definition for the gateway and the seeder (`entity::tenancy`).
pub use entity::tenancy::Tenancy;
pub use entity::write_access::WriteClass;

#[derive(Debug, Clone)]
pub struct Table {
    pub id: TableId,
    pub name: String,
    /// GraphQL object type name, singular PascalCase (`Agent`, `JobToBeDone`).
    pub type_name: String,
    /// Root single-row field (`agent`).
    pub single_field: String,
    /// Root list field (`agents`).
    pub list_field: String,
    pub columns: Vec<Column>,
    pub column_index: HashMap<String, ColumnId>,
    pub tenancy: Tenancy,
    pub soft_delete: bool,
    /// Who may write it (`entity::write_access`, docs/write-access.md).
    pub write: WriteClass,
    /// Text-searchable (one of [`SEARCH_TYPES`]).
    pub searchable: bool,
    /// `(near, far)` foreign-key columns when this table is a junction.
    pub junction: Option<(ColumnId, ColumnId)>,
    pub relations: Vec<RelationId>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.column_index.get(name).map(|&i| &self.columns[i])
    }

    pub fn col_id(&self, name: &str) -> Option<ColumnId> {
        self.column_index.get(name).copied()
    }

    /// The column whose GraphQL field is `field`.
    pub fn col_id_by_field(&self, field: &str) -> Option<ColumnId> {
        self.columns.iter().position(|c| c.field == field)
    }

    /// Columns with a natural-key lookup field (`agentBySlug`).
    pub fn natural_keys(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.unique && matches!(c.name.as_str(), "slug" | "unique_id" | "code"))
    }
}

#[derive(Debug, Clone)]
pub enum RelationKind {
    /// This table holds `fk`, pointing at `target.id`.
    BelongsTo { fk: ColumnId },
    /// `target.fk` points at this table's id.
    HasMany { target_fk: ColumnId },
    /// Through `junction`: `junction.near` points here, `junction.far` at `target`.
    ManyToMany { junction: TableId, near: ColumnId, far: ColumnId },
}

#[derive(Debug, Clone)]
pub struct Relation {
    pub id: RelationId,
    pub source: TableId,
    pub target: TableId,
    pub field: String,
    pub kind: RelationKind,
}

impl Relation {
    pub fn is_list(&self) -> bool {
        !matches!(self.kind, RelationKind::BelongsTo { .. })
    }
}

/// All tables and relations.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub tables: Vec<Table>,
    pub relations: Vec<Relation>,
    by_name: HashMap<String, TableId>,
    /// Arguments the naming file renames ([`Catalog::argument_name`]).
    arguments: overrides::ArgumentNames,
}

/// One entity, as read from its SeaORM definition.
pub struct EntityInfo {
    pub table: String,
    pub columns: Vec<Column>,
    /// `(fk column, target table)` for every foreign key this table holds.
    pub foreign_keys: Vec<(String, String)>,
    pub junction: Option<(&'static str, &'static str)>,
}

/// Reads one entity's columns and foreign keys. Generic over every entity: the catalog has no code per table.
pub fn entity_info<E: EntityTrait>(junction: Option<(&'static str, &'static str)>) -> EntityInfo {
    let columns = E::Column::iter()
        .map(|c| {
            let def = c.def();
            let name = c.as_str().to_owned();
            Column {
                field: camel(&name),
                kind: ScalarKind::from_column_type(def.get_column_type()),
                nullable: def.is_null(),
                unique: def.is_unique(),
                has_default: def.get_column_default().is_some(),
                name,
            }
        })
        .collect();
    let foreign_keys = E::Relation::iter()
        .map(|r| r.def())
        // `belongs_to` builds a HasOne def; the reverse `has_many` ones are derived by the catalog.
        .filter(|d| matches!(d.rel_type, sea_orm::RelationType::HasOne))
        .filter_map(|d| {
            let fk = match &d.from_col {
                sea_orm::Identity::Unary(c) => c.to_string(),
                _ => return None,
            };
            let target = match &d.to_tbl {
                TableRef::Table(name, _) => name.1.to_string(),
                _ => return None,
            };
            Some((fk, target))
        })
        .collect();
    EntityInfo { table: E::default().table_name().to_owned(), columns, foreign_keys, junction }
}

macro_rules! entity_infos {
    ($($module:ident),* $(,)?) => {
        vec![$(entity_info::<entity::$module::Entity>(entity::$module::JUNCTION)),*]
    };
}

/// `SearchType` values and their tables: the registry tables with a name (or title) that `search`
/// and the `search:` argument look in.
pub const SEARCH_TYPES: &[(&str, &str)] = &[
    ("AGENT", "agents"),
    ("PERSONA", "personas"),
    ("JTBD", "jobs_to_be_done"),
    ("PROMPT", "prompts"),
    ("SKILL", "skills"),
    ("TOOL", "tools"),
    ("WORKFLOW", "workflows"),
    ("TASK", "tasks"),
    ("KNOWLEDGE_SOURCE", "knowledge_sources"),
    ("TEMPLATE", "templates"),
    ("USE_CASE", "use_cases"),
    ("DOMAIN", "domains"),
    ("CAPABILITY", "capabilities"),
    ("SOLUTION", "solutions"),
];

impl Catalog {
    /// The catalog of every entity in `entity/`, named by the rules and the naming file built into
    /// the binary. `serve` and `schema` call [`Catalog::try_from_entities`] first, so that a bad
    /// naming file ends them with its one-line error; this is for the places after that check.
    #[allow(clippy::panic)]
    pub fn from_entities() -> Self {
        Self::try_from_entities().unwrap_or_else(|e| panic!("{e}"))
    }

    /// The catalog of every entity, named by the rules and the built-in naming file; an error
    /// (one line) when the file names something the rules do not give.
    pub fn try_from_entities() -> Result<Self, AppError> {
        Self::by_rules().with_naming_file(overrides::FILE)
    }

    /// The catalog named by the rules alone, without the naming file.
    pub fn by_rules() -> Self {
        Self::build(entity::for_each_entity!(entity_infos))
    }

    /// This catalog (named by the rules) renamed by the naming file `text`.
    pub fn with_naming_file(mut self, text: &str) -> Result<Self, AppError> {
        overrides::NamingFile::parse(text)?.apply(&mut self)?;
        Ok(self)
    }

    /// The name the schema gives argument `argument` of `type_name.field` (`Query` for root fields).
    pub fn argument_name<'a>(&'a self, type_name: &str, field: &str, argument: &'a str) -> &'a str {
        self.argument_renames(type_name, field)
            .find(|(from, _)| from == argument)
            .map_or(argument, |(_, to)| to.as_str())
    }

    /// The argument the plan reads for `shown`, the schema's name of an argument of `type_name.field`.
    pub fn argument_by_schema_name<'a>(&'a self, type_name: &str, field: &str, shown: &'a str) -> &'a str {
        self.argument_renames(type_name, field).find(|(_, to)| to == shown).map_or(shown, |(from, _)| from.as_str())
    }

    /// Every argument the naming file renames: `((type, field), (argument, shown as))`, by the
    /// schema's type and field names.
    pub fn renamed_arguments(&self) -> impl Iterator<Item = (&(String, String), &(String, String))> {
        self.arguments.iter().flat_map(|(at, renames)| renames.iter().map(move |r| (at, r)))
    }

    fn argument_renames(&self, type_name: &str, field: &str) -> impl Iterator<Item = &(String, String)> {
        self.arguments.get(&(type_name.to_owned(), field.to_owned())).into_iter().flatten()
    }

    pub fn build(infos: Vec<EntityInfo>) -> Self {
        let mut tables: Vec<Table> = infos
            .iter()
            .enumerate()
            .map(|(id, info)| {
                let column_index = info.columns.iter().enumerate().map(|(i, c)| (c.name.clone(), i)).collect();
                let singular = singular(&info.table);
                let type_name = pascal(&singular);
                let single_field = camel(&singular);
                let mut list_field = camel(&info.table);
                if list_field == single_field {
                    list_field = camel(&plural(&singular));
                }
                let has = |n: &str| info.columns.iter().any(|c| c.name == n);
                let tenancy = entity::tenancy::classify(
                    &info.table,
                    entity::tenancy::TenancyColumns {
                        tenant_id_nullable: info.columns.iter().find(|c| c.name == "tenant_id").map(|c| c.nullable),
                        has_is_public: has("is_public"),
                    },
                );
                Table {
                    id,
                    name: info.table.clone(),
                    type_name,
                    single_field,
                    list_field,
                    columns: info.columns.clone(),
                    column_index,
                    tenancy,
                    soft_delete: has("deleted_at"),
                    write: entity::write_access::write_class(&info.table, tenancy),
                    searchable: SEARCH_TYPES.iter().any(|(_, t)| *t == info.table),
                    junction: None,
                    relations: Vec::new(),
                }
            })
            .collect();
        let by_name: HashMap<String, TableId> = tables.iter().map(|t| (t.name.clone(), t.id)).collect();
        for (id, info) in infos.iter().enumerate() {
            if let Some((near, far)) = info.junction {
                let t = &tables[id];
                if let (Some(n), Some(f)) = (t.col_id(near), t.col_id(far)) {
                    tables[id].junction = Some((n, f));
                }
            }
        }

        let relations = naming::relations(&mut tables, &infos, &by_name);
        Self { tables, relations, by_name, arguments: overrides::ArgumentNames::new() }
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.by_name.get(name).map(|&id| &self.tables[id])
    }

    pub fn relation(&self, table: &Table, field: &str) -> Option<&Relation> {
        table.relations.iter().map(|&r| &self.relations[r]).find(|r| r.field == field)
    }
}

/// The GraphQL name of an enum label (`Medical Affairs` → `MEDICAL_AFFAIRS`, `R&D` → `R_AND_D`).
pub fn enum_value_name(label: &str) -> String {
    let mut out = String::new();
    for ch in label.replace('&', " and ").chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_uppercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// The Postgres enums: `(type name, [(label, GraphQL name)])`, from the entities.
pub fn enums() -> &'static [(&'static str, Vec<(&'static str, String)>)] {
    static ENUMS: std::sync::LazyLock<Vec<(&'static str, Vec<(&'static str, String)>)>> =
        std::sync::LazyLock::new(|| {
            entity::ENUMS
                .iter()
                .map(|(name, labels)| (*name, labels.iter().map(|l| (*l, enum_value_name(l))).collect()))
                .collect()
        });
    &ENUMS
}

/// The Postgres label of GraphQL enum value `name` of enum type `enum_type`.
pub fn enum_label(enum_type: &str, name: &str) -> Option<&'static str> {
    enums().iter().find(|(t, _)| *t == enum_type)?.1.iter().find(|(_, n)| n == name).map(|(l, _)| *l)
}

/// `snake_case` → `camelCase`.
pub fn camel(s: &str) -> String {
    let p = pascal(s);
    let mut chars = p.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `snake_case` → `PascalCase`.
pub fn pascal(s: &str) -> String {
    s.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

/// Tables' English names, shared with the seeder.
pub use entity::naming::{plural, singular};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_camel_and_type_names_pascal() {
        // English singulars and plurals are tested where they live (entity::naming).
        assert_eq!(pascal("job_to_be_done"), "JobToBeDone");
        assert_eq!(camel("knowledge_chunks"), "knowledgeChunks");
    }

    #[test]
    fn the_issue_examples_are_walkable_by_their_names() {
        let c = Catalog::from_entities();
        assert_eq!(c.tables.len(), 106);
        for (table, field, target) in [
            ("agents", "tenant", "tenants"),
            ("tenants", "agents", "agents"),
            ("agents", "prompts", "prompts"),
            ("prompts", "agents", "agents"),
            ("domains", "capabilities", "capabilities"),
            ("capabilities", "jobsToBeDone", "jobs_to_be_done"),
            ("jobs_to_be_done", "personas", "personas"),
            ("tenants", "children", "tenants"),
            ("workflows", "tasks", "tasks"),
            ("tasks", "dependencies", "tasks"),
            ("knowledge_sources", "knowledgeChunks", "knowledge_chunks"),
            // The natural names of issue 11: a relation beats a column, the general junction
            // beats the others, a junction is named after its far column.
            ("agents", "tools", "tools"),
            ("agents", "skills", "skills"),
            ("tasks", "agents", "agents"),
            ("agents", "tasks", "tasks"),
            ("personas", "roles", "org_roles"),
            ("solutions", "industries", "industries"),
            // Qualified names where the natural one is taken.
            ("tasks", "promptOrchestrationAgents", "agents"),
            ("tenants", "agentsByOwnerTenant", "agents"),
            ("workflows", "tasksByWorkflow", "tasks"),
        ] {
            let t = c.table(table).unwrap();
            let r = c.relation(t, field).unwrap_or_else(|| {
                let names: Vec<_> = t.relations.iter().map(|&r| c.relations[r].field.as_str()).collect();
                panic!("{table}.{field} missing; has {names:?}")
            });
            assert_eq!(c.tables[r.target].name, target, "{table}.{field}");
        }
        let agents = c.table("agents").unwrap();
        assert_eq!(agents.column("tools").unwrap().field, "toolsConfig");
        assert_eq!(agents.column("skills").unwrap().field, "skillsConfig");
        let junction_of = |table: &str, field: &str| match c.relation(c.table(table).unwrap(), field).unwrap().kind {
            RelationKind::ManyToMany { junction, .. } => c.tables[junction].name.clone(),
            _ => String::new(),
        };
        assert_eq!(junction_of("tasks", "agents"), "task_agents");
        assert_eq!(junction_of("tasks", "promptOrchestrationAgents"), "task_agent_prompt_orchestration");
        assert_eq!(junction_of("workflows", "tasks"), "workflow_tasks");
        assert_eq!(c.table("jobs_to_be_done").unwrap().type_name, "JobToBeDone");
        assert_eq!(c.table("knowledge_chunks").unwrap().type_name, "KnowledgeChunk");
        // Field names are unique within each type.
        for t in &c.tables {
            let mut names: Vec<&str> = t.columns.iter().map(|c| c.field.as_str()).collect();
            names.extend(t.relations.iter().map(|&r| c.relations[r].field.as_str()));
            let n = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), n, "duplicate field names on {}", t.type_name);
        }
        if std::env::var_os("DUMP_CATALOG").is_some() {
            for t in &c.tables {
                let rels: Vec<String> = t
                    .relations
                    .iter()
                    .map(|&r| format!("{}->{}", c.relations[r].field, c.tables[c.relations[r].target].type_name))
                    .collect();
                println!(
                    "{} ({:?}) [{} / {}]: {}",
                    t.type_name,
                    t.tenancy,
                    t.single_field,
                    t.list_field,
                    rels.join(", ")
                );
            }
        }
    }
}

/// The GraphQL names the catalog gives its tables and column kinds: one source for the schema
/// (`graphql/`) and for the plan, which reads type conditions and names types in its messages.
pub mod names {
    use super::{Catalog, Column, Relation, RelationKind, ScalarKind, Table, pascal};

    pub const UUID: &str = "UUID";
    pub const DATE_TIME: &str = "DateTime";
    pub const DATE: &str = "Date";
    pub const JSON: &str = "JSON";
    pub const DECIMAL: &str = "Decimal";
    pub const BIG_INT: &str = "BigInt";

    /// The name of the GraphQL enum of Postgres enum `sql_name` (`agent_status` → `AgentStatus`).
    pub fn enum_type(sql_name: &str) -> String {
        pascal(sql_name)
    }

    /// The (nullable) element type name of a column of `kind`.
    pub fn scalar(kind: &ScalarKind) -> String {
        match kind {
            ScalarKind::Uuid | ScalarKind::UuidList => UUID.into(),
            ScalarKind::String | ScalarKind::StringList => "String".into(),
            ScalarKind::Int => "Int".into(),
            ScalarKind::BigInt => BIG_INT.into(),
            ScalarKind::Float | ScalarKind::Vector(_) => "Float".into(),
            ScalarKind::Decimal => DECIMAL.into(),
            ScalarKind::Boolean => "Boolean".into(),
            ScalarKind::Date => DATE.into(),
            ScalarKind::DateTime => DATE_TIME.into(),
            ScalarKind::Json => JSON.into(),
            ScalarKind::Enum(name) => enum_type(name),
        }
    }

    /// The root field fetching a row of `table` by its natural key `key` (`agentBySlug`).
    pub fn key_field(table: &Table, key: &Column) -> String {
        format!("{}By{}", table.single_field, pascal(&key.name))
    }

    /// `<Type>Filter`.
    pub fn filter_input(table: &Table) -> String {
        format!("{}Filter", table.type_name)
    }

    /// `<Type>ListFilter`.
    pub fn list_filter_input(table: &Table) -> String {
        format!("{}ListFilter", table.type_name)
    }

    /// Name prefix of a many-to-many relation's own connection and edge (`AgentPrompts`).
    pub fn m2m_prefix(catalog: &Catalog, rel: &Relation) -> String {
        let mut chars = rel.field.chars();
        let field: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
        format!("{}{field}", catalog.tables[rel.source].type_name)
    }

    /// `(<Type>Connection, <Type>Edge)`, or a many-to-many relation's own pair.
    pub fn connection(catalog: &Catalog, target: &Table, rel: Option<&Relation>) -> (String, String) {
        match rel {
            Some(rel @ Relation { kind: RelationKind::ManyToMany { .. }, .. }) => {
                let prefix = m2m_prefix(catalog, rel);
                (format!("{prefix}Connection"), format!("{prefix}Edge"))
            }
            _ => (format!("{}Connection", target.type_name), format!("{}Edge", target.type_name)),
        }
    }
}
