//! Object, connection and edge types for every table, and the root fields, all generic.

use async_graphql::dynamic::{Enum, EnumItem, InputValue, Object, Schema, TypeRef};

use crate::catalog::overrides::{MUTATION, QUERY};
use crate::catalog::{Catalog, ColumnId, Relation, RelationKind, Table, enums, names};
use crate::error::AppError;
use crate::graphql::arguments::list_arguments;
use crate::graphql::ordering::order_enum;
use crate::graphql::scalars::{self, column_type, enum_type_name};
use crate::graphql::{aggregate_types, filters, mutation_types, planned, relay, search_fields};

fn node_type_ref(table: &Table) -> TypeRef {
    TypeRef::named_nn(&table.type_name)
}

fn connection_name(table: &Table) -> String {
    format!("{}Connection", table.type_name)
}

pub use crate::catalog::names::m2m_prefix;

/// Builds the dynamic schema of every table (its registry is what the gateway keeps:
/// [`crate::graphql::validation_schema`]).
pub fn build(catalog: &Catalog) -> Result<Schema, AppError> {
    let mut builder = Schema::build(QUERY, Some(MUTATION), None);
    for s in scalars::scalars() {
        builder = builder.register(s);
    }
    for (name, labels) in enums() {
        let mut e = Enum::new(enum_type_name(name));
        for (label, gql) in labels {
            e = e.item(EnumItem::new(gql).description(format!("`{label}`")));
        }
        builder = builder.register(e);
    }
    for input in filters::operator_inputs(catalog) {
        builder = builder.register(input);
    }
    builder = builder.register(page_info()).register(relay::node_interface());

    let mut query = Object::new(QUERY).description("The AI asset registry: every table, with its relations.");
    for table in &catalog.tables {
        builder = builder.register(search_fields::extend_object(table, object_type(catalog, table)));
        let [conn, edge] = connection_types(&connection_name(table), &format!("{}Edge", table.type_name), table, None);
        builder = builder.register(conn).register(edge);
        for &r in &table.relations {
            let rel = &catalog.relations[r];
            if let RelationKind::ManyToMany { junction, .. } = rel.kind {
                let prefix = m2m_prefix(catalog, rel);
                let target = &catalog.tables[rel.target];
                let [conn, edge] = connection_types(
                    &format!("{prefix}Connection"),
                    &format!("{prefix}Edge"),
                    target,
                    Some(&catalog.tables[junction]),
                );
                builder = builder.register(conn).register(edge);
            }
        }
        for input in filters::table_inputs(catalog, table) {
            builder = builder.register(input);
        }
        builder = builder.register(order_enum(table));
        query = query.field(single_field(catalog, table)).field(list_field(catalog, table));
        for key in table.natural_keys() {
            query = query.field(natural_key_field(table, table.col_id(&key.name).unwrap_or_default()));
        }
    }
    query = search_fields::register_root_fields(query);
    for field in relay::root_fields() {
        query = query.field(field);
    }
    builder = search_fields::register_types(catalog, builder);
    builder = aggregate_types::register(catalog, builder);
    let (builder, mutation) = mutation_types::register(catalog, builder);
    builder
        .register(query)
        .register(mutation)
        .finish()
        .map_err(|e| AppError::internal("building the GraphQL schema", e.to_string()))
}

fn page_info() -> Object {
    Object::new("PageInfo")
        .field(planned("hasNextPage", TypeRef::named_nn(TypeRef::BOOLEAN)))
        .field(planned("hasPreviousPage", TypeRef::named_nn(TypeRef::BOOLEAN)))
        .field(planned("startCursor", TypeRef::named(TypeRef::STRING)))
        .field(planned("endCursor", TypeRef::named(TypeRef::STRING)))
}

/// A scalar field reading `column` of a row (a node, or the junction row of an edge).
fn column_field(name: &str, table: &Table, column: ColumnId, from_link: bool) -> async_graphql::dynamic::Field {
    let col = &table.columns[column];
    let field = planned(name, column_type(&col.kind, col.nullable || from_link));
    match col.kind {
        crate::catalog::ScalarKind::Vector(n) => {
            field.description(format!("{n}-dimensional embedding; read only when asked for."))
        }
        _ => field,
    }
}

fn object_type(catalog: &Catalog, table: &Table) -> Object {
    let mut obj = relay::implement(Object::new(&table.type_name).description(format!("A row of `{}`.", table.name)));
    for (i, c) in table.columns.iter().enumerate() {
        obj = obj.field(column_field(&c.field, table, i, false));
    }
    for &r in &table.relations {
        let rel = &catalog.relations[r];
        obj = obj.field(if rel.is_list() { list_relation_field(catalog, rel) } else { belongs_to_field(catalog, rel) });
    }
    obj
}

fn belongs_to_field(catalog: &Catalog, rel: &Relation) -> async_graphql::dynamic::Field {
    let RelationKind::BelongsTo { fk } = rel.kind else { unreachable!("belongs_to_field on a list relation") };
    let target = &catalog.tables[rel.target];
    planned(&rel.field, TypeRef::named(&target.type_name)).description(format!(
        "The `{}` this row's `{}` points to.",
        target.name, catalog.tables[rel.source].columns[fk].name
    ))
}

fn list_relation_field(catalog: &Catalog, rel: &Relation) -> async_graphql::dynamic::Field {
    let target = &catalog.tables[rel.target];
    let conn_name = match rel.kind {
        RelationKind::ManyToMany { .. } => format!("{}Connection", m2m_prefix(catalog, rel)),
        _ => connection_name(target),
    };
    let description = match &rel.kind {
        RelationKind::ManyToMany { junction, .. } => {
            format!(
                "`{}` rows linked through `{}`; the junction's columns are on each edge.",
                target.name, catalog.tables[*junction].name
            )
        }
        RelationKind::HasMany { target_fk } => {
            format!("`{}` rows whose `{}` is this row.", target.name, target.columns[*target_fk].name)
        }
        RelationKind::BelongsTo { .. } => String::new(),
    };
    let mut field = planned(&rel.field, TypeRef::named_nn(conn_name)).description(description);
    for arg in list_arguments(catalog, &catalog.tables[rel.source].type_name, &rel.field, target) {
        field = field.argument(arg);
    }
    field
}

/// `<Type>Connection`/`<Type>Edge`, or a many-to-many relation's own pair carrying the junction's columns.
fn connection_types(conn_name: &str, edge_name: &str, node: &Table, junction: Option<&Table>) -> [Object; 2] {
    let conn = Object::new(conn_name)
        .field(planned("edges", TypeRef::named_nn_list_nn(edge_name)))
        .field(planned("nodes", TypeRef::named_nn_list_nn(&node.type_name)))
        .field(planned("pageInfo", TypeRef::named_nn("PageInfo")))
        .field(
            planned("totalCount", TypeRef::named_nn(TypeRef::INT))
                .description("Rows matching the filter, ignoring pagination; computed only when asked for."),
        );
    let conn = aggregate_types::connection_fields(node, conn);
    let mut edge = Object::new(edge_name)
        .field(planned("cursor", TypeRef::named_nn(TypeRef::STRING)))
        .field(planned("node", node_type_ref(node)));
    if let Some(j) = junction {
        let (near, far) = j.junction.unwrap_or_default();
        for (i, c) in j.columns.iter().enumerate() {
            if i != near && i != far && c.name != "id" {
                edge = edge.field(column_field(&c.field, j, i, true));
            }
        }
        edge = edge.field(
            planned("link", TypeRef::named_nn(&j.type_name)).description(format!("The `{}` row itself.", j.name)),
        );
    }
    [conn, edge]
}

fn single_field(catalog: &Catalog, table: &Table) -> async_graphql::dynamic::Field {
    let id = catalog.argument_name(QUERY, &table.single_field, "id");
    planned(&table.single_field, TypeRef::named(&table.type_name))
        .argument(InputValue::new(id, TypeRef::named_nn(scalars::UUID)))
        .description(format!("One `{}` row by id; NOT_FOUND when there is none you may see.", table.name))
}

fn natural_key_field(table: &Table, column: ColumnId) -> async_graphql::dynamic::Field {
    let col = &table.columns[column];
    planned(names::key_field(table, col), TypeRef::named(&table.type_name))
        .argument(InputValue::new(&col.field, TypeRef::named_nn(TypeRef::STRING)))
        .description(format!("One `{}` row by its unique `{}`.", table.name, col.name))
}

fn list_field(catalog: &Catalog, table: &Table) -> async_graphql::dynamic::Field {
    let mut field = planned(&table.list_field, TypeRef::named_nn(connection_name(table)))
        .description(format!("`{}` rows: filter, order and page through them.", table.name));
    for arg in list_arguments(catalog, QUERY, &table.list_field, table) {
        field = field.argument(arg);
    }
    field
}
