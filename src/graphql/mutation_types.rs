//! The `Mutation` type: for every table a caller may write (catalog/writes.rs), the same fields
//! from one generic mechanism — create, create many, update by id, update by filter, upsert on a
//! natural key, delete and restore — with `<Type>Input`, `<Type>Patch` and `<Type>ConflictKey`.
//! The plan answers them (`plan/mutation.rs`).

use async_graphql::dynamic::{Enum, EnumItem, Field, InputObject, InputValue, Object, SchemaBuilder, TypeRef};

use crate::catalog::overrides::MUTATION;
use crate::catalog::writes::{self, WriteKind, settable};
use crate::catalog::{Catalog, Column, Relation, RelationKind, ScalarKind, Table, WriteClass, enum_value_name, names};
use crate::graphql::{planned, scalars};
use crate::plan::mutation::MAX_WRITE_ROWS;

/// The input type of a column: non-null when `required` (a new row's NOT NULL column without a
/// DEFAULT), else optional (a column left out of a new row takes its default; left out of a patch,
/// it does not change).
fn input_type(column: &Column, required: bool) -> TypeRef {
    let name = scalars::type_name(&column.kind);
    let list = matches!(column.kind, ScalarKind::StringList | ScalarKind::UuidList | ScalarKind::Vector(_));
    match (list, required && column.required_on_insert()) {
        (true, true) => TypeRef::named_nn_list_nn(name),
        (true, false) => TypeRef::named_nn_list(name),
        (false, true) => TypeRef::named_nn(name),
        (false, false) => TypeRef::named(name),
    }
}

/// `<Type>Input` (`new_row`: its required columns are non-null) or `<Type>Patch`.
fn columns_input(catalog: &Catalog, name: String, table: &Table, description: String, new_row: bool) -> InputObject {
    let mut input = InputObject::new(name).description(description);
    for c in table.columns.iter().filter(|c| settable(c)) {
        input = input.field(InputValue::new(&c.field, input_type(c, new_row)));
    }
    for (rel, _, _) in link_relations(catalog, table) {
        input = input.field(
            InputValue::new(&rel.field, TypeRef::named(link_write_type(catalog, rel)))
                .description("Links to write with the row: detach, attach existing rows, create new ones."),
        );
    }
    input
}

/// The many-to-many relations of `table` whose links a writer may write, with their junction and
/// target.
fn link_relations<'c>(catalog: &'c Catalog, table: &Table) -> Vec<(&'c Relation, &'c Table, &'c Table)> {
    table
        .relations
        .iter()
        .map(|&r| &catalog.relations[r])
        .filter_map(|rel| match rel.kind {
            RelationKind::ManyToMany { junction, .. } if catalog.tables[junction].write != WriteClass::Never => {
                Some((rel, &catalog.tables[junction], &catalog.tables[rel.target]))
            }
            _ => None,
        })
        .collect()
}

/// `<Type><Relation>Write` (`AgentPromptsWrite`).
fn link_write_type(catalog: &Catalog, rel: &Relation) -> String {
    format!("{}Write", names::m2m_prefix(catalog, rel))
}

/// `<Type><Relation>Write` and `<Type><Relation>Attach` for every linkable relation of `table`.
fn link_inputs(catalog: &Catalog, table: &Table) -> Vec<InputObject> {
    let mut out = Vec::new();
    for (rel, junction, target) in link_relations(catalog, table) {
        let prefix = names::m2m_prefix(catalog, rel);
        let (near, far) = junction.junction.unwrap_or_default();
        let mut attach = InputObject::new(format!("{prefix}Attach"))
            .description(format!("A link to an existing `{}` row, with the link's own columns.", target.name))
            .field(InputValue::new("id", TypeRef::named_nn(scalars::UUID)));
        for (i, c) in junction.columns.iter().enumerate() {
            if i != near && i != far && settable(c) {
                attach = attach.field(InputValue::new(&c.field, input_type(c, true)));
            }
        }
        let mut write = InputObject::new(link_write_type(catalog, rel))
            .description(format!(
                "Changes to the `{}` links: `detach` first, then `create` new `{}` rows, then `attach` (each one statement).",
                junction.name, target.name
            ))
            .field(InputValue::new("detach", TypeRef::named_nn_list(scalars::UUID)))
            .field(InputValue::new("attach", TypeRef::named_nn_list(format!("{prefix}Attach"))));
        if !writes::kinds(target).is_empty() {
            write = write.field(InputValue::new("create", TypeRef::named_nn_list(writes::input_type(target))));
        }
        out.push(attach);
        out.push(write);
    }
    out
}

/// Registers the input types of every writable table and returns the `Mutation` object.
pub fn register(catalog: &Catalog, mut builder: SchemaBuilder) -> (SchemaBuilder, Object) {
    let mut mutation = Object::new(MUTATION).description(
        "Writes to the registry. Fields run one after another in one transaction: if one fails, \
         nothing any of them did is kept (docs/mutations.md).",
    );
    for table in &catalog.tables {
        let kinds = writes::kinds(table);
        if kinds.is_empty() {
            continue;
        }
        builder = builder
            .register(columns_input(
                catalog,
                writes::input_type(table),
                table,
                format!(
                    "A new `{}` row: its tenant, owner, author, version and timestamps are the server's.",
                    table.name
                ),
                true,
            ))
            .register(columns_input(
                catalog,
                writes::patch_type(table),
                table,
                format!("Changes to a `{}` row: only the fields given are changed (null clears one).", table.name),
                false,
            ));
        for input in link_inputs(catalog, table) {
            builder = builder.register(input);
        }
        if kinds.contains(&WriteKind::Upsert) {
            let mut keys = Enum::new(writes::conflict_key_type(table))
                .description(format!("The unique keys of `{}` an upsert may match on.", table.name));
            for key in table.natural_keys() {
                keys = keys.item(EnumItem::new(enum_value_name(&key.name)).description(format!("`{}`", key.name)));
            }
            builder = builder.register(keys);
        }
        for kind in kinds {
            mutation = mutation.field(field(table, kind));
        }
    }
    (builder, mutation)
}

fn field(table: &Table, kind: WriteKind) -> Field {
    let one = TypeRef::named_nn(&table.type_name);
    let many = TypeRef::named_nn_list_nn(&table.type_name);
    let id = || InputValue::new("id", TypeRef::named_nn(scalars::UUID));
    let version = crate::sql::mutation::versioned(table);
    let expected = |f: Field| {
        if version {
            f.argument(InputValue::new("expectedVersion", TypeRef::named(TypeRef::INT)).description(
                "The version you read: when the row has moved on, CONFLICT with its current version, and nothing changes.",
            ))
        } else {
            f
        }
    };
    let name = writes::field_name(table, kind);
    let t = &table.name;
    match kind {
        WriteKind::Create => planned(name, one)
            .argument(InputValue::new("input", TypeRef::named_nn(writes::input_type(table))))
            .description(format!("Creates a `{t}` row in your tenant and answers it.")),
        WriteKind::CreateMany => planned(name, many)
            .argument(InputValue::new("inputs", TypeRef::named_nn_list_nn(writes::input_type(table))))
            .description(format!("Creates up to {MAX_WRITE_ROWS} `{t}` rows in one statement, in the order given.")),
        WriteKind::Update => expected(
            planned(name, one)
                .argument(id())
                .argument(InputValue::new("patch", TypeRef::named_nn(writes::patch_type(table))))
                .description(format!(
                    "Changes one `{t}` row. NOT_FOUND when you cannot see it, FORBIDDEN when you may only read it."
                )),
        ),
        WriteKind::UpdateMany => planned(name, many)
            .argument(InputValue::new("filter", TypeRef::named_nn(names::filter_input(table))))
            .argument(InputValue::new("patch", TypeRef::named_nn(writes::patch_type(table))))
            .argument(InputValue::new("atMost", TypeRef::named_nn(TypeRef::INT)).description(format!(
                "Refused, changing nothing, when the filter matches more rows than this (at most {MAX_WRITE_ROWS})."
            )))
            .description(format!(
                "Changes every `{t}` row the filter matches, all or none: FORBIDDEN when any of them is read-only to you."
            )),
        WriteKind::Upsert => planned(name, one)
            .argument(InputValue::new("input", TypeRef::named_nn(writes::input_type(table))))
            .argument(InputValue::new("onConflict", TypeRef::named_nn(writes::conflict_key_type(table))))
            .description(format!(
                "Creates a `{t}` row, or updates the one holding the same key when you may change it (else CONFLICT)."
            )),
        WriteKind::Delete => {
            let how = if table.soft_delete {
                "Marks the row deleted (`deletedAt`); `restore` brings it back"
            } else {
                "Removes the link row"
            };
            expected(planned(name, one).argument(id()).description(format!("{how}. Answers the row as it ends.")))
        }
        WriteKind::Restore => planned(name, one)
            .argument(id())
            .description(format!("Brings a deleted `{t}` row back. NOT_FOUND when there is no deleted row you may see.")),
    }
}
