//! The arguments every list field (root or relation) takes: `filter`, `orderBy`,
//! `first`/`after`, `last`/`before` and, on searchable tables, `search` (parsed by
//! `plan/arguments.rs`).

use async_graphql::dynamic::{InputValue, TypeRef};

use crate::catalog::Table;
use crate::graphql::filters::table_filter_name;
use crate::graphql::ordering::order_enum_name;

/// The arguments every list field takes.
pub fn list_arguments(table: &Table) -> Vec<InputValue> {
    let mut args = vec![
        InputValue::new("filter", TypeRef::named(table_filter_name(table))),
        InputValue::new("orderBy", TypeRef::named_nn_list(order_enum_name(table))),
        InputValue::new("first", TypeRef::named(TypeRef::INT))
            .description("Rows from the start (at most the page size limit)."),
        InputValue::new("after", TypeRef::named(TypeRef::STRING)).description("Cursor to read after."),
        InputValue::new("last", TypeRef::named(TypeRef::INT))
            .description("Rows from the end (at most the page size limit)."),
        InputValue::new("before", TypeRef::named(TypeRef::STRING)).description("Cursor to read before."),
    ];
    if table.searchable {
        args.push(InputValue::new("search", TypeRef::named(TypeRef::STRING)).description(
            "Only rows whose name or description match these words, or whose name is close to them \
             (misspellings, prefixes); AND-ed with `filter`, ordering unchanged.",
        ));
    }
    args
}
