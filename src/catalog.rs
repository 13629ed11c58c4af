//! The catalog: what the gateway knows about each table, derived from the SeaORM entities.
//!
//! [`Catalog::from_entities`] walks the entity list (`entity::for_each_entity!`) once at start-up and
//! reads every entity's columns (`ColumnTrait::def`) and foreign keys (`RelationTrait::def`). From
//! those it derives everything the GraphQL layer needs: names, scalar kinds, tenancy class, natural
//! keys, and the relations in both directions, with junction tables becoming many-to-many
//! relations whose own columns ride on the edge. Nothing here is written per table, except the
//! few names English pluralisation cannot guess ([`entity::naming::SINGULAR_OVERRIDES`],
//! [`RELATION_NAME_OVERRIDES`]). The tenancy class and the singulars come from [`entity::tenancy`]
//! and [`entity::naming`], which the demo-data seeder shares.

use std::collections::HashMap;

use sea_orm::sea_query::TableRef;
use sea_orm::{ColumnTrait, ColumnType, EntityTrait, IdenStatic, Iterable, RelationTrait};

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
}

/// How a table is scoped to tenants: one definition for the gateway and the seeder (`entity::tenancy`).
pub use entity::tenancy::Tenancy;

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

/// Relation field names that read better than the generated ones: `(table, fk column, field name)`.
/// For junctions the fk column is the near side. Self-references through `parent_*_id` become `children`.
const RELATION_NAME_OVERRIDES: &[(&str, &str, &str)] = &[
    ("task_dependencies", "task_id", "dependencies"),
    ("task_dependencies", "depends_on_task_id", "dependents"),
    ("workflow_step_connections", "from_step_id", "nextSteps"),
    ("workflow_step_connections", "to_step_id", "previousSteps"),
];

impl Catalog {
    /// The catalog of every entity in `entity/`.
    pub fn from_entities() -> Self {
        Self::build(entity::for_each_entity!(entity_infos))
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

        // Relations. Candidates first, then names (which depend on what else the table has).
        struct Candidate {
            source: TableId,
            target: TableId,
            kind: RelationKind,
            base: String,
            /// Field name when `base` is ambiguous.
            qualified: String,
            priority: u8,
        }
        let mut candidates: Vec<Candidate> = Vec::new();
        for (child, info) in infos.iter().enumerate() {
            for (fk, target) in &info.foreign_keys {
                let (Some(&target), Some(fk_id)) = (by_name.get(target), tables[child].col_id(fk)) else { continue };
                let stem = fk.strip_suffix("_id").unwrap_or(fk);
                let belongs_name =
                    if stem == fk { format!("{fk}_{}", singular(&tables[target].name)) } else { stem.to_owned() };
                candidates.push(Candidate {
                    source: child,
                    target,
                    kind: RelationKind::BelongsTo { fk: fk_id },
                    base: camel(&belongs_name),
                    qualified: camel(&belongs_name),
                    priority: 0,
                });
                let list = tables[child].list_field.clone();
                candidates.push(Candidate {
                    source: target,
                    target: child,
                    kind: RelationKind::HasMany { target_fk: fk_id },
                    base: list.clone(),
                    qualified: format!("{list}By{}", pascal(stem)),
                    priority: 2,
                });
            }
        }
        for j in &tables {
            let Some((a, b)) = j.junction else { continue };
            let fks = &infos[j.id].foreign_keys;
            let target_of = |col: ColumnId| {
                fks.iter().find(|(fk, _)| *fk == j.columns[col].name).and_then(|(_, t)| by_name.get(t).copied())
            };
            let (Some(ta), Some(tb)) = (target_of(a), target_of(b)) else { continue };
            for (near, far, from, to) in [(a, b, ta, tb), (b, a, tb, ta)] {
                let to_list = tables[to].list_field.clone();
                candidates.push(Candidate {
                    source: from,
                    target: to,
                    kind: RelationKind::ManyToMany { junction: j.id, near, far },
                    base: to_list.clone(),
                    qualified: format!("{to_list}Via{}", pascal(&j.name)),
                    priority: 1,
                });
            }
        }

        // Name: overrides, then the base name unless it collides with a column or another relation
        // of higher priority (belongs-to, then many-to-many, then has-many), else the qualified name.
        let mut relations: Vec<Relation> = Vec::new();
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by_key(|&i| (candidates[i].source, candidates[i].priority, i));
        let mut taken: HashMap<TableId, Vec<String>> = HashMap::new();
        for i in order {
            let c = &candidates[i];
            let names = taken
                .entry(c.source)
                .or_insert_with(|| tables[c.source].columns.iter().map(|col| col.field.clone()).collect());
            let override_name = match &c.kind {
                RelationKind::HasMany { target_fk } => {
                    let child = &tables[c.target];
                    let fk = child.columns[*target_fk].name.as_str();
                    if c.source == c.target && fk.starts_with("parent_") {
                        // A self-reference through `parent_*_id` reads as a tree: `children`.
                        Some(&("", "", "children"))
                    } else if child.junction.is_some() {
                        None
                    } else {
                        RELATION_NAME_OVERRIDES.iter().find(|(t, f, _)| *t == child.name && *f == fk)
                    }
                }
                RelationKind::ManyToMany { junction, near, .. } => {
                    let j = &tables[*junction];
                    RELATION_NAME_OVERRIDES.iter().find(|(t, fk, _)| *t == j.name && *fk == j.columns[*near].name)
                }
                RelationKind::BelongsTo { .. } => None,
            };
            // Several relations of one kind with one base name (tenants → agents by tenant_id and by
            // owner_tenant_id): the one through `<source>_id` keeps the plain name.
            let ambiguous = candidates
                .iter()
                .filter(|o| o.source == c.source && o.base == c.base && o.priority == c.priority)
                .count()
                > 1;
            let primary = match &c.kind {
                RelationKind::HasMany { target_fk } => {
                    tables[c.target].columns[*target_fk].name == format!("{}_id", singular(&tables[c.source].name))
                }
                _ => false,
            };
            let mut field = match override_name {
                Some((_, _, name)) => (*name).to_owned(),
                None if !names.contains(&c.base) && (!ambiguous || primary) => c.base.clone(),
                None => c.qualified.clone(),
            };
            while names.contains(&field) {
                field.push('_');
            }
            names.push(field.clone());
            let id = relations.len();
            relations.push(Relation { id, source: c.source, target: c.target, field, kind: c.kind.clone() });
            tables[c.source].relations.push(id);
        }
        Self { tables, relations, by_name }
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
        ] {
            let t = c.table(table).unwrap();
            let r = c.relation(t, field).unwrap_or_else(|| {
                let names: Vec<_> = t.relations.iter().map(|&r| c.relations[r].field.as_str()).collect();
                panic!("{table}.{field} missing; has {names:?}")
            });
            assert_eq!(c.tables[r.target].name, target, "{table}.{field}");
        }
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
    use super::{Catalog, Relation, RelationKind, ScalarKind, Table, pascal};

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
