//! The aggregate types of every table, generated from the catalog: `aggregate` and `groups` on
//! each connection, and the objects and enums behind them.
//!
//! What a column offers (`sum` of numbers, `min`/`max` of numbers, dates and text, `countDistinct`
//! of anything comparable, grouping by any comparable column) is decided in `plan/aggregate.rs`,
//! which the planner reads too, so a query that validates against these types plans. Asking for
//! the `sum` of a text column is therefore a validation error (`GRAPHQL_VALIDATION_FAILED`).

use async_graphql::dynamic::{Enum, EnumItem, InputValue, Object, SchemaBuilder, TypeRef};

use crate::catalog::{Catalog, RelationKind, Table, enum_value_name};
use crate::graphql::planned;
use crate::graphql::scalars::column_type;
use crate::plan::aggregate::{self, AggFn, Measure, names};

/// Whether `table` has a column to group by (and so a `groups` field).
fn has_groups(table: &Table) -> bool {
    (0..table.columns.len()).any(|c| aggregate::groupable(table, c))
}

/// The `aggregate` and `groups` fields of a connection whose nodes are rows of `table`.
pub fn connection_fields(table: &Table, mut conn: Object) -> Object {
    conn = conn.field(
        planned("aggregate", TypeRef::named_nn(names::aggregate(table)))
            .description("Aggregates over every row the filter (and `search`) lets through, ignoring pagination."),
    );
    if has_groups(table) {
        conn = conn.field(
            planned("groups", TypeRef::named_nn(names::groups(table)))
                .description(
                    "The rows the filter lets through, grouped by `by`, each group with its key and aggregates; \
                     ordered by `orderBy` then by the keys, paged by `first` (at most the page size limit) and \
                     `offset`.",
                )
                .argument(InputValue::new("by", TypeRef::named_nn_list_nn(names::group_by(table))))
                .argument(InputValue::new("orderBy", TypeRef::named_nn_list(names::group_order(table))))
                .argument(InputValue::new("first", TypeRef::named(TypeRef::INT)).description("Groups to return."))
                .argument(
                    InputValue::new("offset", TypeRef::named(TypeRef::INT)).description("Groups to skip (default 0)."),
                ),
        );
    }
    conn
}

/// Registers the aggregate types of every table, and the shared `GroupPageInfo`.
pub fn register(catalog: &Catalog, mut builder: SchemaBuilder) -> SchemaBuilder {
    builder = builder.register(
        Object::new(names::GROUP_PAGE_INFO)
            .description("Where a page of groups is: groups are paged by `first` and `offset`.")
            .field(planned("hasNextPage", TypeRef::named_nn(TypeRef::BOOLEAN)))
            .field(planned("hasPreviousPage", TypeRef::named_nn(TypeRef::BOOLEAN))),
    );
    for table in &catalog.tables {
        builder = builder.register(aggregate_object(table));
        for (func, _) in AggFn::OF_COLUMN {
            if let Some(object) = per_column_object(table, func) {
                builder = builder.register(object);
            }
        }
        if has_groups(table) {
            for e in group_enums(table) {
                builder = builder.register(e);
            }
            for object in group_objects(catalog, table) {
                builder = builder.register(object);
            }
        }
    }
    builder
}

fn aggregate_object(table: &Table) -> Object {
    let mut obj = Object::new(names::aggregate(table))
        .description(format!("Aggregates of {} rows.", table.type_name))
        .field(planned("count", TypeRef::named_nn(TypeRef::INT)).description("The number of rows."));
    for (func, field) in AggFn::OF_COLUMN {
        if aggregate::columns_for(table, func).next().is_some() {
            let ty = names::per_column(table, func);
            obj = obj.field(if func == AggFn::CountDistinct {
                planned(field, TypeRef::named_nn(ty)).description("The number of distinct non-null values per column.")
            } else {
                planned(field, TypeRef::named_nn(ty))
            });
        }
    }
    obj
}

/// `countDistinct { … }`, `sum { … }`…: one field per column the function applies to (none: no type).
fn per_column_object(table: &Table, func: AggFn) -> Option<Object> {
    let mut columns = aggregate::columns_for(table, func).peekable();
    columns.peek()?;
    let description = match func {
        AggFn::CountDistinct => "Distinct non-null values per column.",
        AggFn::Sum => "Sums per numeric column (null when no row has a value).",
        AggFn::Avg => "Averages per numeric column, as floats (null when no row has a value).",
        AggFn::Min => "Smallest value per column (null when no row has a value).",
        AggFn::Max => "Largest value per column (null when no row has a value).",
        AggFn::Count => "",
    };
    let mut obj = Object::new(names::per_column(table, func)).description(description);
    for c in columns {
        let kind = Measure { func, column: Some(c) }.kind(table);
        let nullable = !matches!(func, AggFn::CountDistinct);
        let ty =
            if func == AggFn::CountDistinct { TypeRef::named_nn(TypeRef::INT) } else { column_type(&kind, nullable) };
        obj = obj.field(planned(&table.columns[c].field, ty));
    }
    Some(obj)
}

/// `<Type>GroupBy` and `<Type>GroupOrderBy`.
fn group_enums(table: &Table) -> [Enum; 2] {
    let mut by =
        Enum::new(names::group_by(table)).description(format!("Columns {} rows can be grouped by.", table.type_name));
    for c in (0..table.columns.len()).filter(|&c| aggregate::groupable(table, c)) {
        by = by.item(EnumItem::new(enum_value_name(&table.columns[c].name)));
    }
    let mut order = Enum::new(names::group_order(table)).description(
        "Orderings of groups: by the number of rows (`COUNT_*`), by a key column (which must be in `by`), or by \
         an aggregate of a column (`SUM_<COLUMN>_*`…); ties break on the keys, ascending.",
    );
    for (name, _) in aggregate::group_orderings(table) {
        order = order.item(EnumItem::new(name));
    }
    [by, order]
}

/// `<Type>Groups`, `<Type>Group` and `<Type>GroupKey`.
fn group_objects(catalog: &Catalog, table: &Table) -> [Object; 3] {
    let page = Object::new(names::groups(table))
        .description(format!("A page of groups of {} rows.", table.type_name))
        .field(planned("nodes", TypeRef::named_nn_list_nn(names::group(table))))
        .field(planned("pageInfo", TypeRef::named_nn(names::GROUP_PAGE_INFO)));
    let group = Object::new(names::group(table))
        .description(format!("{} rows sharing one key.", table.type_name))
        .field(planned("key", TypeRef::named_nn(names::group_key(table))))
        .field(planned("aggregate", TypeRef::named_nn(names::aggregate(table))));
    let mut key = Object::new(names::group_key(table))
        .description("A group's key: the values of the `by` columns (only those may be selected), and the rows their foreign keys point to.");
    for c in (0..table.columns.len()).filter(|&c| aggregate::groupable(table, c)) {
        let col = &table.columns[c];
        key = key.field(planned(&col.field, column_type(&col.kind, true)));
    }
    for &r in &table.relations {
        let rel = &catalog.relations[r];
        if let RelationKind::BelongsTo { fk } = rel.kind
            && aggregate::groupable(table, fk)
        {
            let target = &catalog.tables[rel.target];
            key = key.field(planned(&rel.field, TypeRef::named(&target.type_name)).description(format!(
                "The `{}` row of this group's `{}` (which must be in `by`).",
                target.name, table.columns[fk].name
            )));
        }
    }
    [page, group, key]
}
