//! The arguments every list field (root or relation) takes: `filter`, `orderBy`,
//! `first`/`after`, `last`/`before` and, on searchable tables, `search` (parsed by
//! `plan/arguments.rs`). The naming file may rename them per field ([`Catalog::argument_name`]).

use async_graphql::dynamic::{InputValue, TypeRef};

use crate::catalog::{Catalog, Table};
use crate::graphql::filters::table_filter_name;
use crate::graphql::ordering::order_enum_name;

/// The arguments of list field `parent.field` of `table` rows (`parent` is `Query` for root lists).
pub fn list_arguments(catalog: &Catalog, parent: &str, field: &str, table: &Table) -> Vec<InputValue> {
    let name = |argument| catalog.argument_name(parent, field, argument);
    let mut args = vec![
        InputValue::new(name("filter"), TypeRef::named(table_filter_name(table))),
        InputValue::new(name("orderBy"), TypeRef::named_nn_list(order_enum_name(table))),
        InputValue::new(name("first"), TypeRef::named(TypeRef::INT))
            .description("Rows from the start (at most the page size limit)."),
        InputValue::new(name("after"), TypeRef::named(TypeRef::STRING)).description("Cursor to read after."),
        InputValue::new(name("last"), TypeRef::named(TypeRef::INT))
            .description("Rows from the end (at most the page size limit)."),
        InputValue::new(name("before"), TypeRef::named(TypeRef::STRING)).description("Cursor to read before."),
    ];
    if table.searchable {
        args.push(InputValue::new(name("search"), TypeRef::named(TypeRef::STRING)).description(
            "Only rows whose name or description match these words, or whose name is close to them \
             (misspellings, prefixes); AND-ed with `filter`, ordering unchanged.",
        ));
    }
    args
}
