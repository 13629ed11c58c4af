//! The filter AST and its compilation to SQL predicates.
//!
//! GraphQL `filter:` arguments parse into [`Filter`] (graphql/filters.rs); here a filter becomes a
//! boolean SQL expression over one table alias. Relation filters become `EXISTS` subqueries, and
//! every table they touch is restricted by the caller's [`Scope`] like any other read.

use sea_orm::Value;

use crate::catalog::{Catalog, RelationId, RelationKind, ScalarKind, Table};
use crate::sql::sql_text::Sql;

pub use crate::plan::filter::{CmpOp, Filter, Quantifier, like_escape};

impl CmpOp {
    fn sql(self) -> &'static str {
        match self {
            Self::Eq => " = ",
            Self::Ne => " IS DISTINCT FROM ",
            Self::Lt => " < ",
            Self::Lte => " <= ",
            Self::Gt => " > ",
            Self::Gte => " >= ",
        }
    }
}

/// Compiles filters for one statement; hands out fresh aliases for subqueries.
pub struct FilterCompiler<'a> {
    pub catalog: &'a Catalog,
    next_alias: usize,
}

impl<'a> FilterCompiler<'a> {
    pub fn new(catalog: &'a Catalog) -> Self {
        Self { catalog, next_alias: 0 }
    }

    fn alias(&mut self, prefix: &str) -> String {
        self.next_alias += 1;
        format!("{prefix}{}", self.next_alias)
    }

    /// Appends the predicate for `filter` over `alias` (a reference to `table`).
    pub fn compile(&mut self, filter: &Filter, table: &Table, alias: &str, sql: &mut Sql) {
        match filter {
            Filter::All(parts) | Filter::Any(parts) if parts.is_empty() => {
                sql.push(if matches!(filter, Filter::All(_)) { "TRUE" } else { "FALSE" });
            }
            Filter::All(parts) | Filter::Any(parts) => {
                let joiner = if matches!(filter, Filter::All(_)) { " AND " } else { " OR " };
                sql.push("(");
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        sql.push(joiner);
                    }
                    self.compile(p, table, alias, sql);
                }
                sql.push(")");
            }
            Filter::Not(inner) => {
                // NOT over a predicate that may be NULL must still be a boolean: coalesce.
                sql.push("NOT coalesce((");
                self.compile(inner, table, alias, sql);
                sql.push("), FALSE)");
            }
            Filter::Cmp { column, op, value } => {
                let col = &table.columns[*column];
                sql.col(alias, &col.name).push(op.sql());
                bind_typed(sql, value.clone(), &col.kind, false);
            }
            Filter::In { column, values, negated } => {
                let col = &table.columns[*column];
                if *negated {
                    sql.push("NOT coalesce(");
                }
                sql.col(alias, &col.name).push(" = ANY(");
                bind_typed(sql, array_value(values.clone(), &col.kind), &col.kind, true);
                sql.push(")");
                if *negated {
                    sql.push(", FALSE)");
                }
            }
            Filter::IsNull { column, is_null } => {
                sql.col(alias, &table.columns[*column].name).push(if *is_null { " IS NULL" } else { " IS NOT NULL" });
            }
            Filter::Like { column, pattern, case_insensitive } => {
                sql.col(alias, &table.columns[*column].name).push(if *case_insensitive { " ILIKE " } else { " LIKE " });
                sql.param(Value::from(pattern.clone()));
            }
            Filter::Array { column, values, overlaps } => {
                let col = &table.columns[*column];
                sql.col(alias, &col.name).push(if *overlaps { " && " } else { " @> " });
                let elem = if col.kind == ScalarKind::UuidList { ScalarKind::Uuid } else { ScalarKind::String };
                sql.param(array_value(values.clone(), &elem));
            }
            Filter::JsonContains { column, value } => {
                sql.col(alias, &table.columns[*column].name).push(" @> ");
                sql.param(Value::Json(Some(Box::new(value.clone())))).push("::jsonb");
            }
            Filter::JsonHasKey { column, key } => {
                sql.push("jsonb_exists(").col(alias, &table.columns[*column].name).push(", ");
                sql.param(Value::from(key.clone())).push(")");
            }
            Filter::IsTrue { column } => {
                sql.col(alias, &table.columns[*column].name);
            }
            Filter::False => {
                sql.push("FALSE");
            }
            Filter::Related { relation, quantifier, filter, visibility, junction_visibility } => {
                let vis = (visibility.as_deref(), junction_visibility.as_deref());
                self.related(*relation, *quantifier, filter, vis, alias, sql);
            }
            Filter::TextSearch { query } => crate::sql::text_match::predicate(table, alias, query, sql),
        }
    }

    fn related(
        &mut self,
        relation: RelationId,
        quantifier: Quantifier,
        filter: &Filter,
        (visibility, junction_visibility): (Option<&Filter>, Option<&Filter>),
        alias: &str,
        sql: &mut Sql,
    ) {
        let catalog = self.catalog;
        let rel = &catalog.relations[relation];
        let target = &catalog.tables[rel.target];
        let source = &catalog.tables[rel.source];
        let r = self.alias("r");
        sql.push(if quantifier == Quantifier::Some { "EXISTS (SELECT 1 FROM " } else { "NOT EXISTS (SELECT 1 FROM " });
        match &rel.kind {
            RelationKind::BelongsTo { fk } => {
                sql.ident(&target.name).push(" ").push(&r).push(" WHERE ").col(&r, "id").push(" = ");
                sql.col(alias, &source.columns[*fk].name);
            }
            RelationKind::HasMany { target_fk } => {
                sql.ident(&target.name).push(" ").push(&r).push(" WHERE ").col(&r, &target.columns[*target_fk].name);
                sql.push(" = ").col(alias, "id");
            }
            RelationKind::ManyToMany { junction, near, far } => {
                let j_table = &catalog.tables[*junction];
                let j = self.alias("j");
                sql.ident(&j_table.name).push(" ").push(&j).push(" JOIN ").ident(&target.name).push(" ").push(&r);
                sql.push(" ON ").col(&r, "id").push(" = ").col(&j, &j_table.columns[*far].name);
                sql.push(" WHERE ").col(&j, &j_table.columns[*near].name).push(" = ").col(alias, "id");
                self.restrict(j_table, &j, junction_visibility, sql);
            }
        }
        self.restrict(target, &r, visibility, sql);
        sql.push(" AND ");
        if quantifier == Quantifier::Every {
            sql.push("NOT coalesce(");
            self.compile(filter, target, &r, sql);
            sql.push(", FALSE)");
        } else {
            self.compile(filter, target, &r, sql);
        }
        sql.push(")");
    }

    /// Appends ` AND <what the caller may see of alias>`.
    fn restrict(&mut self, table: &Table, alias: &str, visibility: Option<&Filter>, sql: &mut Sql) {
        if let Some(v) = visibility {
            sql.push(" AND ");
            self.compile(v, table, alias, sql);
        }
    }
}

/// Binds `value`, casting where Postgres cannot infer the column's type from a text parameter.
pub(crate) fn bind_typed(sql: &mut Sql, value: Value, kind: &ScalarKind, array: bool) {
    sql.param(value);
    let suffix = if array { "[]" } else { "" };
    match kind {
        ScalarKind::Enum(name) => {
            sql.push("::").ident(name).push(suffix);
        }
        ScalarKind::Decimal => {
            sql.push("::numeric").push(suffix);
        }
        _ => {}
    }
}

/// A list of already-typed values as one array parameter.
pub fn array_value(values: Vec<Value>, kind: &ScalarKind) -> Value {
    use sea_orm::sea_query::ArrayType;
    let ty = match kind {
        ScalarKind::Uuid => ArrayType::Uuid,
        ScalarKind::Int => ArrayType::Int,
        ScalarKind::BigInt => ArrayType::BigInt,
        ScalarKind::Float => ArrayType::Double,
        ScalarKind::Boolean => ArrayType::Bool,
        ScalarKind::Date => ArrayType::ChronoDate,
        ScalarKind::DateTime => ArrayType::ChronoDateTimeWithTimeZone,
        _ => ArrayType::String,
    };
    Value::Array(ty, Some(Box::new(values)))
}
