//! `orderBy: [<Type>OrderBy!]`: one enum per table with `<COLUMN>_ASC` / `<COLUMN>_DESC` for every
//! orderable column. Ties always break on `id` (the values become a `plan::Ordering`).

use async_graphql::dynamic::{Enum, EnumItem};

use crate::catalog::{Table, enum_value_name};

pub fn order_enum_name(table: &Table) -> String {
    format!("{}OrderBy", table.type_name)
}

pub fn order_enum(table: &Table) -> Enum {
    let mut e = Enum::new(order_enum_name(table))
        .description(format!("Orderings of {} rows; ties break on id.", table.type_name));
    for c in table.columns.iter().filter(|c| c.kind.orderable()) {
        let base = enum_value_name(&c.name);
        e = e.item(EnumItem::new(format!("{base}_ASC"))).item(EnumItem::new(format!("{base}_DESC")));
    }
    e
}
