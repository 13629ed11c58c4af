//! Filter input types (their values are parsed into the plan's filters by `plan/filter_input.rs`).
//!
//! Each column kind has one operator input (`StringFilter`, `UUIDFilter`, `AgentStatusFilter`…);
//! each table has `<Type>Filter` with one member per column, `and`/`or`/`not`, a member per
//! belongs-to relation (a `<Target>Filter` the related row must match) and a member per list
//! relation (`<Target>ListFilter` with `some`/`none`/`every`).

use async_graphql::dynamic::{InputObject, InputValue, TypeRef};

use crate::catalog::{Catalog, ScalarKind, Table};
use crate::graphql::scalars::{self, type_name};
use crate::plan::filter::COMPARISONS;

/// Name of the operator input for a column kind.
pub fn operator_input_name(kind: &ScalarKind) -> Option<String> {
    Some(match kind {
        ScalarKind::Vector(_) => return None,
        ScalarKind::StringList => "StringListFilter".into(),
        ScalarKind::UuidList => "UUIDListFilter".into(),
        other => format!("{}Filter", type_name(other)),
    })
}

pub use crate::catalog::names::{filter_input as table_filter_name, list_filter_input as list_filter_name};

/// One operator input per column kind used in the catalog.
pub fn operator_inputs(catalog: &Catalog) -> Vec<InputObject> {
    let mut kinds: Vec<ScalarKind> = Vec::new();
    for t in &catalog.tables {
        for c in &t.columns {
            if !kinds.contains(&c.kind) {
                kinds.push(c.kind.clone());
            }
        }
    }
    kinds
        .iter()
        .filter_map(|kind| {
            let name = operator_input_name(kind)?;
            let ty = type_name(kind);
            let mut input =
                InputObject::new(name).description(format!("Conditions on a {ty} column; all given must hold."));
            match kind {
                ScalarKind::StringList | ScalarKind::UuidList => {
                    input = input
                        .field(
                            InputValue::new("contains", TypeRef::named_nn_list(&ty)).description("Has all of these."),
                        )
                        .field(
                            InputValue::new("overlaps", TypeRef::named_nn_list(&ty)).description("Has any of these."),
                        );
                }
                ScalarKind::Json => {
                    input = input
                        .field(InputValue::new("contains", TypeRef::named(scalars::JSON)).description("jsonb `@>`."))
                        .field(
                            InputValue::new("hasKey", TypeRef::named(TypeRef::STRING))
                                .description("Has this top-level key."),
                        );
                }
                _ => {
                    for (op, _) in COMPARISONS {
                        input = input.field(InputValue::new(op, TypeRef::named(&ty)));
                    }
                    input = input
                        .field(InputValue::new("in", TypeRef::named_nn_list(&ty)))
                        .field(InputValue::new("notIn", TypeRef::named_nn_list(&ty)));
                    if *kind == ScalarKind::String {
                        input = input
                            .field(
                                InputValue::new("like", TypeRef::named(TypeRef::STRING))
                                    .description("SQL LIKE pattern."),
                            )
                            .field(
                                InputValue::new("ilike", TypeRef::named(TypeRef::STRING))
                                    .description("Case-insensitive LIKE."),
                            )
                            .field(InputValue::new("startsWith", TypeRef::named(TypeRef::STRING)))
                            .field(InputValue::new("contains", TypeRef::named(TypeRef::STRING)));
                    }
                }
            }
            Some(input.field(InputValue::new("isNull", TypeRef::named(TypeRef::BOOLEAN))))
        })
        .collect()
}

/// `<Type>Filter` and `<Type>ListFilter` for `table`.
pub fn table_inputs(catalog: &Catalog, table: &Table) -> [InputObject; 2] {
    let name = table_filter_name(table);
    let mut input =
        InputObject::new(&name).description(format!("Conditions on {}; all given must hold.", table.type_name));
    for c in &table.columns {
        if let Some(op) = operator_input_name(&c.kind) {
            input = input.field(InputValue::new(&c.field, TypeRef::named(op)));
        }
    }
    input = input
        .field(InputValue::new("and", TypeRef::named_nn_list(&name)).description("All of these hold."))
        .field(InputValue::new("or", TypeRef::named_nn_list(&name)).description("At least one of these holds."))
        .field(InputValue::new("not", TypeRef::named(&name)).description("This does not hold."));
    for &r in &table.relations {
        let rel = &catalog.relations[r];
        let target = &catalog.tables[rel.target];
        let ty = if rel.is_list() { list_filter_name(target) } else { table_filter_name(target) };
        input = input.field(InputValue::new(&rel.field, TypeRef::named(ty)));
    }
    let list = InputObject::new(list_filter_name(table))
        .description(format!("Conditions on a list of {} rows.", table.type_name))
        .field(InputValue::new("some", TypeRef::named(&name)).description("At least one row matches."))
        .field(InputValue::new("none", TypeRef::named(&name)).description("No row matches."))
        .field(InputValue::new("every", TypeRef::named(&name)).description("Every row matches."));
    [input, list]
}
