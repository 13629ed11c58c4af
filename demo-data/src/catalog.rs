//! Introspection of the live schema (pg_catalog): the tables of the public schema, their
//! columns with type, nullability, default, length / precision / dimensions, foreign keys,
//! unique constraints and unique indexes (with partial-index predicates), CHECK constraints
//! (parsed by [`super::check_constraints`]), the enum labels, and which tables have user
//! triggers.
//!
//! Why not the gateway's entity-derived catalog: the entities carry names, types, nullability and
//! foreign keys, but not what the generator needs to write rows the database accepts (CHECK
//! constraints, defaults, lengths and precisions, unique indexes with their predicates, generated
//! columns, triggers), and the seeder fills whatever schema it is pointed at. What the two must
//! agree on, the tenancy class and the tables' names, is shared through `entity::tenancy` and
//! `entity::naming` instead.

use super::SeedError;
use super::check_constraints::{
    ColumnCheck, PredicateTest, RowRule, parse_column_check, parse_predicate, parse_row_rules,
};
use sea_orm::sqlx::{self, PgConnection, Row};
use std::collections::{BTreeMap, HashMap};

/// The table of sea-orm's migration bookkeeping, never seeded nor truncated.
pub const MIGRATIONS_TABLE: &str = "seaql_migrations";

#[derive(Debug, Clone, PartialEq)]
pub enum ColType {
    Uuid,
    Text,
    Bool,
    Int2,
    Int4,
    Int8,
    Numeric,
    Float4,
    Float8,
    Date,
    Timestamptz,
    Timestamp,
    Time,
    Jsonb,
    Json,
    Enum(String),
    Vector,
    Array(Box<ColType>),
    Other(String),
}

impl ColType {
    fn from_typname(typname: &str, typtype: &str) -> ColType {
        if typtype == "e" {
            return ColType::Enum(typname.to_string());
        }
        match typname {
            "uuid" => ColType::Uuid,
            "text" | "varchar" | "bpchar" | "name" | "citext" => ColType::Text,
            "bool" => ColType::Bool,
            "int2" => ColType::Int2,
            "int4" => ColType::Int4,
            "int8" => ColType::Int8,
            "numeric" => ColType::Numeric,
            "float4" => ColType::Float4,
            "float8" => ColType::Float8,
            "date" => ColType::Date,
            "timestamptz" => ColType::Timestamptz,
            "timestamp" => ColType::Timestamp,
            "time" | "timetz" => ColType::Time,
            "jsonb" => ColType::Jsonb,
            "json" => ColType::Json,
            "vector" => ColType::Vector,
            other => ColType::Other(other.to_string()),
        }
    }

    pub fn is_integer(&self) -> bool {
        matches!(self, ColType::Int2 | ColType::Int4 | ColType::Int8)
    }

    pub fn is_numberish(&self) -> bool {
        self.is_integer() || matches!(self, ColType::Numeric | ColType::Float4 | ColType::Float8)
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// `format_type` output, e.g. `character varying(255)`.
    pub sql_type: String,
    pub ty: ColType,
    pub not_null: bool,
    pub default: Option<String>,
    /// Generated or identity-always columns are not written.
    pub skip: bool,
    pub max_len: Option<usize>,
    pub precision: Option<u32>,
    pub scale: Option<u32>,
    pub dims: Option<usize>,
    pub check: ColumnCheck,
}

impl Column {
    pub fn default_is_true(&self) -> bool {
        self.default.as_deref().is_some_and(|d| d.trim() == "true")
    }
    pub fn default_is_false(&self) -> bool {
        self.default.as_deref().is_some_and(|d| d.trim() == "false")
    }
}

#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub name: String,
    /// Column indices in this table.
    pub columns: Vec<usize>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct UniqueKey {
    pub name: String,
    /// Column indices; an expression index contributes the columns its expression names.
    pub columns: Vec<usize>,
    /// An expression index (e.g. `lower(name)`): compare case-insensitively.
    pub case_insensitive: bool,
    /// Rows take part only when these hold (partial index).
    pub predicate: Vec<PredicateTest>,
    pub nulls_not_distinct: bool,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub fks: Vec<ForeignKey>,
    pub uniques: Vec<UniqueKey>,
    /// Rules from multi-column CHECK constraints.
    pub rules: Vec<RowRule>,
    pub has_user_triggers: bool,
}

impl Table {
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
    pub fn has(&self, name: &str) -> bool {
        self.col(name).is_some()
    }
    /// The foreign key whose first column is `col`.
    pub fn fk_of_col(&self, col: usize) -> Option<usize> {
        self.fks.iter().position(|f| f.columns.first() == Some(&col))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub tables: Vec<Table>,
    pub enums: HashMap<String, Vec<String>>,
    by_name: HashMap<String, usize>,
}

impl Catalog {
    pub fn table_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    pub fn from_tables(tables: Vec<Table>, enums: HashMap<String, Vec<String>>) -> Self {
        let by_name = tables.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
        Self { tables, enums, by_name }
    }
}

const COLUMNS_SQL: &str = r"
SELECT c.relname::text AS table_name, a.attname::text AS column_name,
       format_type(a.atttypid, a.atttypmod) AS sql_type,
       COALESCE(bt.typname, t.typname)::text AS typname,
       COALESCE(bt.typtype, t.typtype)::text AS typtype,
       COALESCE(bt.typcategory, t.typcategory)::text AS typcategory,
       COALESCE(et.typname::text, '') AS elem_typname,
       COALESCE(et.typtype::text, '') AS elem_typtype,
       a.attnotnull AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr,
       a.attgenerated::text AS generated,
       a.attidentity::text AS identity,
       a.atttypmod AS typmod
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
LEFT JOIN pg_type et ON et.oid = COALESCE(bt.typelem, t.typelem)
     AND COALESCE(bt.typcategory, t.typcategory) = 'A'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum";

const CONSTRAINTS_SQL: &str = r"
SELECT c.relname::text AS table_name, con.conname::text AS name, con.contype::text AS kind,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS cols,
       COALESCE(fc.relname::text, '') AS ref_table,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS ref_cols,
       pg_get_constraintdef(con.oid) AS def
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
WHERE n.nspname = 'public' AND con.contype IN ('f', 'c') AND c.relkind IN ('r', 'p')
ORDER BY c.relname, con.conname";

const UNIQUE_SQL: &str = r"
SELECT c.relname::text AS table_name, i.relname::text AS name,
       ARRAY(SELECT COALESCE(a.attname::text, '')
             FROM unnest((ix.indkey::int2[])[0:ix.indnkeyatts - 1]) WITH ORDINALITY k(attnum, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS cols,
       COALESCE(pg_get_expr(ix.indpred, ix.indrelid), '') AS predicate,
       COALESCE(pg_get_expr(ix.indexprs, ix.indrelid), '') AS exprs,
       ix.indnullsnotdistinct AS nulls_not_distinct
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class c ON c.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND ix.indisunique AND NOT ix.indisprimary
ORDER BY c.relname, i.relname";

const ENUMS_SQL: &str = r"
SELECT t.typname::text AS typname, e.enumlabel::text AS label
FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
ORDER BY t.typname, e.enumsortorder";

const TRIGGERS_SQL: &str = r"
SELECT DISTINCT c.relname::text AS table_name
FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND NOT tg.tgisinternal";

fn get<'r, T>(row: &'r sqlx::postgres::PgRow, col: &str) -> Result<T, SeedError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get::<T, _>(col).map_err(|e| SeedError::Catalog(format!("reading column {col}: {e}")))
}

/// Reads the schema of the public schema.
pub async fn load(conn: &mut PgConnection) -> Result<Catalog, SeedError> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();

    let rows = sqlx::query(COLUMNS_SQL)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| SeedError::Database { context: "reading columns".into(), source: e })?;
    for row in &rows {
        let table: String = get(row, "table_name")?;
        if table == MIGRATIONS_TABLE {
            continue;
        }
        let name: String = get(row, "column_name")?;
        let sql_type: String = get(row, "sql_type")?;
        let typname: String = get(row, "typname")?;
        let typtype: String = get(row, "typtype")?;
        let typcategory: String = get(row, "typcategory")?;
        let elem_typname: String = get(row, "elem_typname")?;
        let elem_typtype: String = get(row, "elem_typtype")?;
        let not_null: bool = get(row, "not_null")?;
        let default: Option<String> = get(row, "default_expr")?;
        let generated: String = get(row, "generated")?;
        let identity: String = get(row, "identity")?;
        let typmod: i32 = get(row, "typmod")?;

        let ty = if typcategory == "A" && !elem_typname.is_empty() {
            ColType::Array(Box::new(ColType::from_typname(&elem_typname, &elem_typtype)))
        } else {
            ColType::from_typname(&typname, &typtype)
        };
        let base = match &ty {
            ColType::Array(inner) => inner.as_ref().clone(),
            other => other.clone(),
        };
        let (mut max_len, mut precision, mut scale, mut dims) = (None, None, None, None);
        if typmod >= 0 {
            match base {
                ColType::Text => max_len = Some((typmod - 4).max(1) as usize),
                ColType::Numeric => {
                    let m = typmod - 4;
                    precision = Some(((m >> 16) & 0xffff) as u32);
                    scale = Some((m & 0xffff) as u32);
                }
                ColType::Vector => dims = Some(typmod as usize),
                _ => {}
            }
        }
        let skip = !generated.is_empty() || identity == "a";
        let entry = tables.entry(table.clone()).or_insert_with(|| Table {
            name: table.clone(),
            columns: Vec::new(),
            fks: Vec::new(),
            uniques: Vec::new(),
            rules: Vec::new(),
            has_user_triggers: false,
        });
        entry.columns.push(Column {
            name,
            sql_type,
            ty,
            not_null,
            default,
            skip,
            max_len,
            precision,
            scale,
            dims,
            check: ColumnCheck::default(),
        });
    }

    let rows = sqlx::query(CONSTRAINTS_SQL)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| SeedError::Database { context: "reading constraints".into(), source: e })?;
    for row in &rows {
        let table_name: String = get(row, "table_name")?;
        let Some(table) = tables.get_mut(&table_name) else { continue };
        let name: String = get(row, "name")?;
        let kind: String = get(row, "kind")?;
        let cols: Vec<String> = get(row, "cols")?;
        let def: String = get(row, "def")?;
        let idx: Vec<usize> = cols.iter().filter_map(|c| table.col(c)).collect();
        if idx.len() != cols.len() {
            continue;
        }
        if kind == "f" {
            let ref_table: String = get(row, "ref_table")?;
            let ref_columns: Vec<String> = get(row, "ref_cols")?;
            table.fks.push(ForeignKey { name, columns: idx, ref_table, ref_columns });
        } else if idx.len() == 1 {
            let ci = idx[0];
            let parsed = parse_column_check(&def, &table.columns[ci].name);
            if parsed.is_empty() {
                tracing::debug!(table = %table_name, constraint = %name, %def, "check constraint not understood");
            }
            table.columns[ci].check.merge(parsed);
        } else {
            let names: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
            let rules = parse_row_rules(&def, &names);
            if rules.is_empty() {
                tracing::debug!(table = %table_name, constraint = %name, %def, "multi-column check: only single-column parts used");
            }
            table.rules.extend(rules);
            // Single-column parts of a multi-column check (`a > 0 AND a < b`).
            for &ci in &idx {
                let parsed = parse_column_check(&def, &table.columns[ci].name);
                if parsed.allowed.is_none() {
                    table.columns[ci].check.merge(ColumnCheck { allowed: None, ..parsed });
                }
            }
        }
    }

    let rows = sqlx::query(UNIQUE_SQL)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| SeedError::Database { context: "reading unique indexes".into(), source: e })?;
    for row in &rows {
        let table_name: String = get(row, "table_name")?;
        let Some(table) = tables.get_mut(&table_name) else { continue };
        let name: String = get(row, "name")?;
        let cols: Vec<String> = get(row, "cols")?;
        let predicate: String = get(row, "predicate")?;
        let exprs: String = get(row, "exprs")?;
        let nulls_not_distinct: bool = get(row, "nulls_not_distinct")?;
        let names: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        let mut columns: Vec<usize> = cols.iter().filter_map(|c| table.col(c)).collect();
        let case_insensitive = !exprs.is_empty();
        if case_insensitive {
            // Columns named by the expression(s), in table order.
            let words: Vec<String> =
                exprs.split(|c: char| !(c.is_alphanumeric() || c == '_')).map(str::to_string).collect();
            for (i, n) in names.iter().enumerate() {
                if words.iter().any(|w| w == n) && !columns.contains(&i) {
                    columns.push(i);
                }
            }
        }
        if columns.is_empty() {
            continue;
        }
        let predicate = if predicate.is_empty() {
            Vec::new()
        } else if let Some(p) = parse_predicate(&predicate, &names) {
            p
        } else {
            tracing::debug!(table = %table_name, index = %name, %predicate, "partial index predicate not understood; enforcing on all rows");
            Vec::new()
        };
        table.uniques.push(UniqueKey { name, columns, case_insensitive, predicate, nulls_not_distinct });
    }

    let rows = sqlx::query(TRIGGERS_SQL)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| SeedError::Database { context: "reading triggers".into(), source: e })?;
    for row in &rows {
        let table_name: String = get(row, "table_name")?;
        if let Some(t) = tables.get_mut(&table_name) {
            t.has_user_triggers = true;
        }
    }

    let mut enums: HashMap<String, Vec<String>> = HashMap::new();
    let rows = sqlx::query(ENUMS_SQL)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| SeedError::Database { context: "reading enums".into(), source: e })?;
    for row in &rows {
        let typname: String = get(row, "typname")?;
        let label: String = get(row, "label")?;
        enums.entry(typname).or_default().push(label);
    }

    Ok(Catalog::from_tables(tables.into_values().collect(), enums))
}
