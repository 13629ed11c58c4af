//! Aggregates and groups of a connection, as plan nodes: `aggregate { count sum { … } … }` and
//! `groups(by: […]) { nodes { key { … } aggregate { … } } }`.
//!
//! Why here, beside the fetch tree: an aggregate reads the same rows as the connection it sits on
//! (its filter, `search:`, the caller's visibility, its relation to the parent), so it is planned
//! from the connection's [`ListFetch`](crate::plan::ListFetch) and compiled by `sql/aggregate.rs`
//! into one statement per connection and level, for all parents at once, like the pages are.
//!
//! What each column kind allows is decided once, here ([`allows`]), and both the schema
//! (`graphql/aggregate_types.rs`) and the planner read it, so a type offers exactly what the plan
//! accepts. The type and enum names are derived from the table's type name ([`names`]).

use serde::Serialize;

use crate::catalog::{ColumnId, ScalarKind, Table, enum_value_name};
use crate::error::AppError;
use crate::plan::{Fetch, Filter, ObjectShape, ResponseKey};

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AggFn {
    Count,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
}

impl AggFn {
    /// The functions that take a column, with their GraphQL field name (`countDistinct`, `sum`…).
    pub const OF_COLUMN: [(Self, &'static str); 5] = [
        (Self::CountDistinct, "countDistinct"),
        (Self::Sum, "sum"),
        (Self::Avg, "avg"),
        (Self::Min, "min"),
        (Self::Max, "max"),
    ];

    pub fn field(self) -> &'static str {
        match self {
            Self::Count => "count",
            Self::CountDistinct => "countDistinct",
            Self::Sum => "sum",
            Self::Avg => "avg",
            Self::Min => "min",
            Self::Max => "max",
        }
    }

    /// Prefix of the group orderings by this function (`SUM_USAGE_COUNT_DESC`).
    fn order_prefix(self) -> &'static str {
        match self {
            Self::Count => "COUNT",
            Self::CountDistinct => "COUNT_DISTINCT",
            Self::Sum => "SUM",
            Self::Avg => "AVG",
            Self::Min => "MIN",
            Self::Max => "MAX",
        }
    }
}

fn numeric(kind: &ScalarKind) -> bool {
    matches!(kind, ScalarKind::Int | ScalarKind::BigInt | ScalarKind::Float | ScalarKind::Decimal)
}

/// Whether `func` applies to a column of `kind`: sums and averages of numbers; minimum and maximum
/// of numbers, dates, timestamps and text; distinct counts of anything comparable.
pub fn allows(func: AggFn, kind: &ScalarKind) -> bool {
    match func {
        AggFn::Count => true,
        AggFn::CountDistinct => kind.orderable(),
        AggFn::Sum | AggFn::Avg => numeric(kind),
        AggFn::Min | AggFn::Max => {
            numeric(kind) || matches!(kind, ScalarKind::Date | ScalarKind::DateTime | ScalarKind::String)
        }
    }
}

/// The kind of value `func` over a column of `kind` yields (what the statement selects and the
/// writer decodes): counts and sums of integers are 64-bit, sums of 64-bit integers and decimals
/// are exact decimals, averages are floats, minimum and maximum keep the column's kind.
pub fn output_kind(func: AggFn, kind: Option<&ScalarKind>) -> ScalarKind {
    match (func, kind) {
        (AggFn::Count | AggFn::CountDistinct, _) | (AggFn::Sum, Some(ScalarKind::Int)) => ScalarKind::BigInt,
        (AggFn::Sum, Some(ScalarKind::BigInt | ScalarKind::Decimal)) => ScalarKind::Decimal,
        (AggFn::Avg | AggFn::Sum, _) => ScalarKind::Float,
        (AggFn::Min | AggFn::Max, Some(k)) => k.clone(),
        (AggFn::Min | AggFn::Max, None) => ScalarKind::BigInt,
    }
}

/// Whether rows can be grouped by `column` of `table`: any comparable column but the primary key.
pub fn groupable(table: &Table, column: ColumnId) -> bool {
    let c = &table.columns[column];
    c.kind.orderable() && c.name != "id"
}

/// The columns of `table` `func` applies to.
pub fn columns_for(table: &Table, func: AggFn) -> impl Iterator<Item = ColumnId> + '_ {
    (0..table.columns.len()).filter(move |&c| allows(func, &table.columns[c].kind))
}

/// The type and enum names of a table's aggregates, from its type name.
pub mod names {
    use crate::catalog::Table;

    use super::AggFn;

    /// `<Type>Aggregate`.
    pub fn aggregate(table: &Table) -> String {
        format!("{}Aggregate", table.type_name)
    }

    /// `<Type>AggregateCountDistinct`, `<Type>AggregateSum`…
    pub fn per_column(table: &Table, func: AggFn) -> String {
        let f = func.field();
        format!("{}Aggregate{}{}", table.type_name, f[..1].to_uppercase(), &f[1..])
    }

    /// `<Type>GroupBy`: the groupable columns.
    pub fn group_by(table: &Table) -> String {
        format!("{}GroupBy", table.type_name)
    }

    /// `<Type>GroupOrderBy`: orderings of groups.
    pub fn group_order(table: &Table) -> String {
        format!("{}GroupOrderBy", table.type_name)
    }

    /// `<Type>Groups`: a page of groups.
    pub fn groups(table: &Table) -> String {
        format!("{}Groups", table.type_name)
    }

    /// `<Type>Group`: one group.
    pub fn group(table: &Table) -> String {
        format!("{}Group", table.type_name)
    }

    /// `<Type>GroupKey`: a group's key.
    pub fn group_key(table: &Table) -> String {
        format!("{}GroupKey", table.type_name)
    }

    /// The page info of groups (offset pages, no cursors).
    pub const GROUP_PAGE_INFO: &str = "GroupPageInfo";
}

/// One aggregate value: a function over the rows, or over one column of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Measure {
    pub func: AggFn,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<ColumnId>,
}

impl Measure {
    pub const COUNT: Self = Self { func: AggFn::Count, column: None };

    pub fn kind(&self, table: &Table) -> ScalarKind {
        output_kind(self.func, self.column.map(|c| &table.columns[c].kind))
    }
}

/// One `aggregate` or `groups` field of a connection: the values its statement selects and, for
/// groups, how rows are grouped, ordered and paged.
#[derive(Debug, Clone, Serialize)]
pub struct AggregateFetch {
    /// Response key on the connection.
    pub key: String,
    /// Selected values, in statement order (after the group keys).
    pub measures: Vec<Measure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<GroupFetch>,
}

impl AggregateFetch {
    /// The slot of `m`, adding it when new.
    pub fn measure(&mut self, m: Measure) -> usize {
        if let Some(i) = self.measures.iter().position(|x| *x == m) {
            return i;
        }
        self.measures.push(m);
        self.measures.len() - 1
    }
}

/// `groups(by:, orderBy:, first:, offset:)`.
#[derive(Debug, Clone, Serialize)]
pub struct GroupFetch {
    /// The grouping columns; each group's key values come first in its row.
    pub by: Vec<ColumnId>,
    /// A total order: the requested orderings, then every key ascending.
    pub order: Vec<GroupOrder>,
    pub limit: usize,
    pub offset: usize,
    /// Belongs-to rows selected in the key (`key { industry { name } }`), by the key they follow.
    pub relations: Vec<KeyRelation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GroupOrder {
    pub by: GroupOrderBy,
    pub desc: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupOrderBy {
    /// The `i`-th grouping column.
    Key(usize),
    Measure(Measure),
}

/// The row a group key's foreign key points to.
#[derive(Debug, Clone, Serialize)]
pub struct KeyRelation {
    /// Response key inside `key { … }`.
    pub key: String,
    /// Index of the foreign key in [`GroupFetch::by`].
    pub by_index: usize,
    pub visibility: Option<Filter>,
    pub fetch: Fetch,
}

/// Every group ordering of `table`, by its enum value: `COUNT_*`, each groupable column (the
/// key), and each per-column function the table's columns allow.
pub fn group_orderings(table: &Table) -> Vec<(String, OrderTerm)> {
    let mut bases = vec![("COUNT".to_owned(), OrderTerm::Measure(Measure::COUNT))];
    for c in (0..table.columns.len()).filter(|&c| groupable(table, c)) {
        bases.push((enum_value_name(&table.columns[c].name), OrderTerm::Key(c)));
    }
    for (func, _) in AggFn::OF_COLUMN {
        for c in columns_for(table, func) {
            let name = format!("{}_{}", func.order_prefix(), enum_value_name(&table.columns[c].name));
            bases.push((name, OrderTerm::Measure(Measure { func, column: Some(c) })));
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (base, term) in bases {
        // The first meaning of a name wins: `COUNT`, then the key columns, then the functions.
        if !seen.insert(base.clone()) {
            continue;
        }
        out.push((format!("{base}_ASC"), term));
        out.push((format!("{base}_DESC"), term));
    }
    out
}

/// What a group ordering orders by, before the key columns are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderTerm {
    Key(ColumnId),
    Measure(Measure),
}

/// Resolves `orderBy` values of a `groups` field into a total order over the groups of `by`.
pub fn parse_group_order(table: &Table, by: &[ColumnId], values: &[String]) -> Result<Vec<GroupOrder>, AppError> {
    let all = group_orderings(table);
    let mut order = Vec::new();
    for v in values {
        let term = all.iter().find(|(name, _)| name == v).map(|(_, t)| *t).ok_or_else(|| {
            AppError::bad_input(format!("`orderBy` value {v} is not an ordering of {} groups", table.type_name))
        })?;
        let desc = v.ends_with("_DESC");
        let by_term = match term {
            OrderTerm::Key(c) => GroupOrderBy::Key(by.iter().position(|&k| k == c).ok_or_else(|| {
                AppError::bad_input(format!(
                    "`orderBy` value {v} orders by {}, which is not in `by`",
                    enum_value_name(&table.columns[c].name)
                ))
            })?),
            OrderTerm::Measure(m) => GroupOrderBy::Measure(m),
        };
        if order.iter().any(|o: &GroupOrder| o.by == by_term) {
            return Err(AppError::bad_input(format!("`orderBy` orders by {v} twice")));
        }
        order.push(GroupOrder { by: by_term, desc });
    }
    for i in 0..by.len() {
        if !order.iter().any(|o| o.by == GroupOrderBy::Key(i)) {
            order.push(GroupOrder { by: GroupOrderBy::Key(i), desc: false });
        }
    }
    Ok(order)
}

/// Resolves `by` enum values into columns of `table`.
pub fn parse_group_by(table: &Table, values: &[String]) -> Result<Vec<ColumnId>, AppError> {
    if values.is_empty() {
        return Err(AppError::bad_input("argument `by` needs at least one column to group by"));
    }
    let mut by = Vec::new();
    for v in values {
        let c = (0..table.columns.len())
            .find(|&c| groupable(table, c) && enum_value_name(&table.columns[c].name) == *v)
            .ok_or_else(|| AppError::bad_input(format!("`by` value {v} is not a column of {}", table.type_name)))?;
        if by.contains(&c) {
            return Err(AppError::bad_input(format!("`by` names column {v} twice")));
        }
        by.push(c);
    }
    Ok(by)
}

/// The aggregate object in the response, in selection order.
#[derive(Debug, Serialize, Clone, Default)]
pub struct AggregateShape {
    pub fields: Vec<AggregateField>,
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum AggregateField {
    Typename {
        key: ResponseKey,
        name: String,
    },
    /// A value: the measure at `slot` of the statement's values.
    Value {
        key: ResponseKey,
        slot: usize,
        kind: ScalarKind,
        func: AggFn,
    },
    /// `countDistinct { … }`, `sum { … }`…: an object of values.
    Object {
        key: ResponseKey,
        fields: Vec<AggregateField>,
    },
}

/// A page of groups in the response.
#[derive(Debug, Serialize, Clone, Default)]
pub struct GroupsShape {
    pub fields: Vec<GroupsField>,
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum GroupsField {
    Typename { key: ResponseKey, name: String },
    PageInfo { key: ResponseKey, fields: Vec<GroupPageField> },
    Nodes { key: ResponseKey, fields: Vec<GroupField> },
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum GroupPageField {
    Typename { key: ResponseKey },
    HasNextPage { key: ResponseKey },
    HasPreviousPage { key: ResponseKey },
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum GroupField {
    Typename { key: ResponseKey, name: String },
    Key { key: ResponseKey, fields: Vec<GroupKeyField> },
    Aggregate { key: ResponseKey, shape: AggregateShape },
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "snake_case")]
pub enum GroupKeyField {
    Typename {
        key: ResponseKey,
        name: String,
    },
    /// The `slot`-th grouping column.
    Column {
        key: ResponseKey,
        slot: usize,
        kind: ScalarKind,
    },
    /// The row the `relation`-th [`KeyRelation`] loads.
    Related {
        key: ResponseKey,
        relation: usize,
        shape: ObjectShape,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn every_table_has_distinct_group_orderings_and_only_numeric_sums() {
        let catalog = Catalog::from_entities();
        for t in &catalog.tables {
            let names: Vec<String> = group_orderings(t).into_iter().map(|(n, _)| n).collect();
            let unique: std::collections::HashSet<&String> = names.iter().collect();
            assert_eq!(unique.len(), names.len(), "{}", t.name);
            for c in columns_for(t, AggFn::Sum) {
                assert!(numeric(&t.columns[c].kind), "{}.{}", t.name, t.columns[c].name);
            }
        }
        let agents = catalog.table("agents").unwrap();
        let name = agents.col_id("name").unwrap();
        assert!(!allows(AggFn::Sum, &agents.columns[name].kind));
        assert!(allows(AggFn::Max, &agents.columns[name].kind));
    }

    #[test]
    fn group_orders_end_with_every_key_and_refuse_keys_outside_by() {
        let catalog = Catalog::from_entities();
        let agents = catalog.table("agents").unwrap();
        let by = parse_group_by(agents, &["STATUS".into(), "TENANT_ID".into()]).unwrap();
        let order = parse_group_order(agents, &by, &["COUNT_DESC".into(), "TENANT_ID_ASC".into()]).unwrap();
        assert_eq!(
            order,
            vec![
                GroupOrder { by: GroupOrderBy::Measure(Measure::COUNT), desc: true },
                GroupOrder { by: GroupOrderBy::Key(1), desc: false },
                GroupOrder { by: GroupOrderBy::Key(0), desc: false },
            ]
        );
        let err = parse_group_order(agents, &by, &["NAME_ASC".into()]).unwrap_err();
        assert_eq!(err.code().as_str(), "BAD_USER_INPUT");
        assert!(parse_group_by(agents, &[]).is_err());
        assert!(parse_group_by(agents, &["ID".into()]).is_err());
    }
}
