//! Object, connection and edge types for every table, and the root fields, all generic.

use std::sync::Arc;

use async_graphql::Value as GqlValue;
use async_graphql::dynamic::{
    Enum, EnumItem, Field, FieldFuture, FieldValue, InputValue, Object, ResolverContext, Schema, SchemaBuilder, TypeRef,
};
use uuid::Uuid;

use crate::catalog::{Catalog, ColumnId, Relation, RelationKind, Table, TableId, enums, pascal};
use crate::error::{AppError, ErrorCode};
use crate::graphql::arguments::{ListArgs, connection_needs, list_arguments, node_columns};
use crate::graphql::filters;
use crate::graphql::loaders::{connection_node_fields, response_key, response_name};
use crate::graphql::ordering::order_enum;
use crate::graphql::scalars::{self, column_type, enum_type_name};
use crate::graphql::{SchemaContext, fail, request};
use crate::sql::filter::{CmpOp, Filter};
use crate::sql::keyset::Ordering;
use crate::sql::rows::{ChildPage, EdgeRow, Projection, Related, Row};
use crate::sql::sql_text::Sql;
use crate::sql::statements::{self, ListQuery, PageSpec};

/// A resolved connection.
pub struct ConnectionValue {
    pub edges: Vec<Edge>,
    pub has_next: bool,
    pub has_previous: bool,
    pub total: Option<i64>,
}

/// One edge: the row (and junction row), with what its cursor needs.
pub struct Edge {
    pub row: EdgeRow,
    pub table: TableId,
    pub ordering: Arc<Ordering>,
}

fn connection(
    rows: Vec<EdgeRow>,
    table: TableId,
    ordering: &Arc<Ordering>,
    has_next: bool,
    has_previous: bool,
    total: Option<i64>,
) -> ConnectionValue {
    let edges = rows.into_iter().map(|row| Edge { row, table, ordering: Arc::clone(ordering) }).collect();
    ConnectionValue { edges, has_next, has_previous, total }
}

impl ConnectionValue {
    fn from_page(page: &ChildPage) -> Self {
        connection(page.edges.clone(), page.table, &page.ordering, page.has_next, page.has_previous, page.total)
    }
}

fn node_type_ref(table: &Table) -> TypeRef {
    TypeRef::named_nn(&table.type_name)
}

fn connection_name(table: &Table) -> String {
    format!("{}Connection", table.type_name)
}

/// Name prefix of a many-to-many relation's own connection and edge (`AgentPrompts`).
pub fn m2m_prefix(catalog: &Catalog, rel: &Relation) -> String {
    let mut chars = rel.field.chars();
    let field: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    format!("{}{field}", catalog.tables[rel.source].type_name)
}

/// Builds the schema for every table.
pub fn build(ctx: Arc<SchemaContext>) -> Result<Schema, AppError> {
    build_with(ctx, |b| b)
}

/// Builds the schema, letting `configure` add limits and extensions.
pub fn build_with(
    ctx: Arc<SchemaContext>,
    configure: impl FnOnce(SchemaBuilder) -> SchemaBuilder,
) -> Result<Schema, AppError> {
    let catalog = Arc::clone(&ctx.catalog);
    let mut builder = Schema::build("Query", None, None);
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
    for input in filters::operator_inputs(&catalog) {
        builder = builder.register(input);
    }
    builder = builder.register(page_info(&ctx));

    let mut query = Object::new("Query").description("The AI asset registry: every table, with its relations.");
    for table in &catalog.tables {
        builder = builder.register(crate::search::extend_object(&ctx, table, object_type(&ctx, table)));
        let [conn, edge] =
            connection_types(&ctx, &connection_name(table), &format!("{}Edge", table.type_name), table, None);
        builder = builder.register(conn).register(edge);
        for &r in &table.relations {
            let rel = &catalog.relations[r];
            if let RelationKind::ManyToMany { junction, .. } = rel.kind {
                let prefix = m2m_prefix(&catalog, rel);
                let target = &catalog.tables[rel.target];
                let [conn, edge] = connection_types(
                    &ctx,
                    &format!("{prefix}Connection"),
                    &format!("{prefix}Edge"),
                    target,
                    Some(&catalog.tables[junction]),
                );
                builder = builder.register(conn).register(edge);
            }
        }
        for input in filters::table_inputs(&catalog, table) {
            builder = builder.register(input);
        }
        builder = builder.register(order_enum(table));
        query = query.field(single_field(&ctx, table)).field(list_field(&ctx, table));
        for key in table.natural_keys() {
            query = query.field(natural_key_field(&ctx, table, table.col_id(&key.name).unwrap_or_default()));
        }
    }
    query = crate::search::register_root_fields(&ctx, query);
    builder = crate::search::register_types(&ctx, builder);
    configure(builder.register(query))
        .finish()
        .map_err(|e| AppError::internal("building the GraphQL schema", e.to_string()))
}

fn cursor_field(schema: &Arc<SchemaContext>, name: &str, first: bool) -> Field {
    let schema = Arc::clone(schema);
    Field::new(name, TypeRef::named(TypeRef::STRING), move |ctx| {
        let schema = Arc::clone(&schema);
        FieldFuture::new(async move {
            let conn = ctx.parent_value.try_downcast_ref::<ConnectionValue>()?;
            let edge = if first { conn.edges.first() } else { conn.edges.last() };
            Ok(edge.map(|e| {
                FieldValue::value(schema.cursors.encode(&schema.catalog.tables[e.table], &e.ordering, &e.row.node))
            }))
        })
    })
}

fn page_info(schema: &Arc<SchemaContext>) -> Object {
    Object::new("PageInfo")
        .field(Field::new("hasNextPage", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
            FieldFuture::new(async move {
                Ok(Some(FieldValue::value(ctx.parent_value.try_downcast_ref::<ConnectionValue>()?.has_next)))
            })
        }))
        .field(Field::new("hasPreviousPage", TypeRef::named_nn(TypeRef::BOOLEAN), |ctx| {
            FieldFuture::new(async move {
                Ok(Some(FieldValue::value(ctx.parent_value.try_downcast_ref::<ConnectionValue>()?.has_previous)))
            })
        }))
        .field(cursor_field(schema, "startCursor", true))
        .field(cursor_field(schema, "endCursor", false))
}

/// A scalar field reading `column` of the parent row (a node, or the junction row of an edge).
fn column_field(name: &str, table: &Table, column: ColumnId, from_link: bool) -> Field {
    let col = &table.columns[column];
    let description = match col.kind {
        crate::catalog::ScalarKind::Vector(n) => Some(format!("{n}-dimensional embedding; read only when asked for.")),
        _ => None,
    };
    let field = Field::new(name, column_type(&col.kind, col.nullable || from_link), move |ctx| {
        let row = if from_link {
            ctx.parent_value.downcast_ref::<Edge>().and_then(|e| e.row.link.as_deref())
        } else {
            ctx.parent_value.downcast_ref::<Arc<Row>>().map(AsRef::as_ref)
        };
        match row.and_then(|r| r.get(column)) {
            Some(GqlValue::Null) => FieldFuture::from_value(None),
            Some(v) => FieldFuture::from_value(Some(v.clone())),
            None if from_link => FieldFuture::from_value(None),
            None => FieldFuture::new(async move {
                Err::<Option<FieldValue>, _>(fail(
                    &ctx,
                    &AppError::internal("resolving a column", "column was not selected"),
                ))
            }),
        }
    });
    match description {
        Some(d) => field.description(d),
        None => field,
    }
}

fn object_type(ctx: &Arc<SchemaContext>, table: &Table) -> Object {
    let catalog = &ctx.catalog;
    let mut obj = Object::new(&table.type_name).description(format!("A row of `{}`.", table.name));
    for (i, c) in table.columns.iter().enumerate() {
        obj = obj.field(column_field(&c.field, table, i, false));
    }
    for &r in &table.relations {
        let rel = &catalog.relations[r];
        obj = obj.field(if rel.is_list() { list_relation_field(ctx, rel) } else { belongs_to_field(ctx, rel) });
    }
    obj
}

/// The relation `key` of `row`, loaded by the level loader; loaded now, for this row alone, when
/// the loader could not see the field in advance.
async fn related_of(
    ctx: &ResolverContext<'_>,
    schema: &SchemaContext,
    row: &Row,
) -> Result<Related, async_graphql::Error> {
    let field = ctx.field();
    if let Some(r) = row.related.get(response_name(&field)) {
        return Ok(r.clone());
    }
    let key = response_key(&field);
    let table = &schema.catalog.tables[row.projection.table];
    let mut single = vec![Row { related: std::collections::HashMap::default(), ..row.clone() }];
    request(ctx)?.loader(schema).load(table, &mut single, vec![field]).await.map_err(|e| fail(ctx, &e))?;
    single
        .pop()
        .and_then(|mut r| r.related.remove(&key))
        .ok_or_else(|| fail(ctx, &AppError::internal("loading a relation", "nothing loaded")))
}

fn belongs_to_field(ctx: &Arc<SchemaContext>, rel: &Relation) -> Field {
    let schema = Arc::clone(ctx);
    let RelationKind::BelongsTo { fk } = rel.kind else { unreachable!("belongs_to_field on a list relation") };
    let target = &ctx.catalog.tables[rel.target];
    Field::new(&rel.field, TypeRef::named(&target.type_name), move |ctx| {
        let schema = Arc::clone(&schema);
        FieldFuture::new(async move {
            let row = ctx.parent_value.try_downcast_ref::<Arc<Row>>()?;
            match related_of(&ctx, &schema, row).await? {
                Related::One(found) => Ok(found.map(FieldValue::owned_any)),
                Related::Many(_) => Err(fail(&ctx, &AppError::internal("belongs-to", "a list was loaded"))),
            }
        })
    })
    .description(format!(
        "The `{}` this row's `{}` points to.",
        target.name, ctx.catalog.tables[rel.source].columns[fk].name
    ))
}

fn list_relation_field(ctx: &Arc<SchemaContext>, rel: &Relation) -> Field {
    let schema = Arc::clone(ctx);
    let catalog = &ctx.catalog;
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
    let mut field = Field::new(&rel.field, TypeRef::named_nn(conn_name), move |ctx| {
        let schema = Arc::clone(&schema);
        FieldFuture::new(async move {
            let row = ctx.parent_value.try_downcast_ref::<Arc<Row>>()?;
            match related_of(&ctx, &schema, row).await? {
                Related::Many(page) => Ok(Some(FieldValue::owned_any(ConnectionValue::from_page(&page)))),
                Related::One(_) => Err(fail(&ctx, &AppError::internal("list relation", "a single row was loaded"))),
            }
        })
    })
    .description(description);
    for arg in list_arguments(target) {
        field = field.argument(arg);
    }
    field
}

/// `<Type>Connection`/`<Type>Edge`, or a many-to-many relation's own pair carrying the junction's columns.
fn connection_types(
    ctx: &Arc<SchemaContext>,
    conn_name: &str,
    edge_name: &str,
    node: &Table,
    junction: Option<&Table>,
) -> [Object; 2] {
    let conn = Object::new(conn_name)
        .field(Field::new("edges", TypeRef::named_nn_list_nn(edge_name), |ctx| {
            FieldFuture::new(async move {
                let conn = ctx.parent_value.try_downcast_ref::<ConnectionValue>()?;
                Ok(Some(FieldValue::list(conn.edges.iter().map(|e| FieldValue::borrowed_any(e)))))
            })
        }))
        .field(Field::new("nodes", TypeRef::named_nn_list_nn(&node.type_name), |ctx| {
            FieldFuture::new(async move {
                let conn = ctx.parent_value.try_downcast_ref::<ConnectionValue>()?;
                Ok(Some(FieldValue::list(conn.edges.iter().map(|e| FieldValue::borrowed_any(&e.row.node)))))
            })
        }))
        .field(Field::new("pageInfo", TypeRef::named_nn("PageInfo"), |ctx| {
            FieldFuture::new(async move {
                Ok(Some(FieldValue::borrowed_any(ctx.parent_value.try_downcast_ref::<ConnectionValue>()?)))
            })
        }))
        .field(
            Field::new("totalCount", TypeRef::named_nn(TypeRef::INT), |ctx| {
                FieldFuture::new(async move {
                    let conn = ctx.parent_value.try_downcast_ref::<ConnectionValue>()?;
                    let n = conn
                        .total
                        .ok_or_else(|| fail(&ctx, &AppError::internal("totalCount", "count was not computed")))?;
                    Ok(Some(FieldValue::value(GqlValue::from(n))))
                })
            })
            .description("Rows matching the filter, ignoring pagination; computed only when asked for."),
        );
    let schema = Arc::clone(ctx);
    let mut edge = Object::new(edge_name)
        .field(Field::new("cursor", TypeRef::named_nn(TypeRef::STRING), move |ctx| {
            let schema = Arc::clone(&schema);
            FieldFuture::new(async move {
                let e = ctx.parent_value.try_downcast_ref::<Edge>()?;
                Ok(Some(FieldValue::value(schema.cursors.encode(
                    &schema.catalog.tables[e.table],
                    &e.ordering,
                    &e.row.node,
                ))))
            })
        }))
        .field(Field::new("node", node_type_ref(node), |ctx| {
            FieldFuture::new(async move {
                Ok(Some(FieldValue::borrowed_any(&ctx.parent_value.try_downcast_ref::<Edge>()?.row.node)))
            })
        }));
    if let Some(j) = junction {
        let (near, far) = j.junction.unwrap_or_default();
        for (i, c) in j.columns.iter().enumerate() {
            if i != near && i != far && c.name != "id" {
                edge = edge.field(column_field(&c.field, j, i, true));
            }
        }
        edge = edge.field(
            Field::new("link", TypeRef::named_nn(&j.type_name), |ctx| {
                FieldFuture::new(async move {
                    let e = ctx.parent_value.try_downcast_ref::<Edge>()?;
                    Ok(e.row.link.as_ref().map(|l| FieldValue::borrowed_any(l)))
                })
            })
            .description(format!("The `{}` row itself.", j.name)),
        );
    }
    [conn, edge]
}

fn single_field(ctx: &Arc<SchemaContext>, table: &Table) -> Field {
    let schema = Arc::clone(ctx);
    let table_id = table.id;
    Field::new(&table.single_field, TypeRef::named(&table.type_name), move |ctx| {
        let schema = Arc::clone(&schema);
        FieldFuture::new(async move {
            let table = &schema.catalog.tables[table_id];
            let raw = ctx.args.try_get("id")?.string()?;
            let id = Uuid::parse_str(raw)
                .map_err(|_| fail(&ctx, &AppError::bad_input(format!("argument `id` is not a valid UUID: {raw:?}"))))?;
            let rc = request(&ctx)?;
            let mut cols = Vec::new();
            node_columns(&schema.catalog, table, ctx.field().selection_set(), &mut cols);
            let projection = Arc::new(Projection::new(table, cols));
            let rows = rc
                .session
                .query(Sql { generic_plan: true, ..statements::by_ids(table, &projection, &[id], &rc.scope) })
                .await
                .map_err(|e| fail(&ctx, &e))?;
            let mut rows = statements::decode_rows(&rows, table, &projection).map_err(|e| fail(&ctx, &e))?;
            if rows.is_empty() {
                return Err(fail(
                    &ctx,
                    &AppError::user(ErrorCode::NotFound, format!("no {} with id {id}", table.type_name)),
                ));
            }
            rc.loader(&schema)
                .load(table, &mut rows, ctx.field().selection_set().collect())
                .await
                .map_err(|e| fail(&ctx, &e))?;
            Ok(Some(FieldValue::owned_any(Arc::new(rows.remove(0)))))
        })
    })
    .argument(InputValue::new("id", TypeRef::named_nn(scalars::UUID)))
    .description(format!("One `{}` row by id; NOT_FOUND when there is none you may see.", table.name))
}

fn natural_key_field(ctx: &Arc<SchemaContext>, table: &Table, column: ColumnId) -> Field {
    let schema = Arc::clone(ctx);
    let table_id = table.id;
    let col = &table.columns[column];
    let arg = col.field.clone();
    Field::new(format!("{}By{}", table.single_field, pascal(&col.name)), TypeRef::named(&table.type_name), move |ctx| {
        let schema = Arc::clone(&schema);
        let arg = arg.clone();
        FieldFuture::new(async move {
            let table = &schema.catalog.tables[table_id];
            let value = ctx.args.try_get(&arg)?.string()?.to_owned();
            let rc = request(&ctx)?;
            let mut cols = Vec::new();
            node_columns(&schema.catalog, table, ctx.field().selection_set(), &mut cols);
            let projection = Arc::new(Projection::new(table, cols));
            let filter = Filter::Cmp { column, op: CmpOp::Eq, value: sea_orm::Value::from(value.clone()) };
            let ordering = Ordering::new(table, Vec::new());
            let page = PageSpec { limit: 1, ..PageSpec::default() };
            let q = ListQuery { projection: &projection, filter: Some(&filter), ordering: &ordering, page: &page };
            let sql = statements::page(&schema.catalog, table, &q, &rc.scope);
            let rows = rc.session.query(sql).await.map_err(|e| fail(&ctx, &e))?;
            let mut rows = statements::decode_rows(&rows, table, &projection).map_err(|e| fail(&ctx, &e))?;
            if rows.is_empty() {
                return Err(fail(
                    &ctx,
                    &AppError::user(
                        ErrorCode::NotFound,
                        format!("no {} with {} {value:?}", table.type_name, table.columns[column].name),
                    ),
                ));
            }
            rows.truncate(1);
            rc.loader(&schema)
                .load(table, &mut rows, ctx.field().selection_set().collect())
                .await
                .map_err(|e| fail(&ctx, &e))?;
            Ok(Some(FieldValue::owned_any(Arc::new(rows.remove(0)))))
        })
    })
    .argument(InputValue::new(&col.field, TypeRef::named_nn(TypeRef::STRING)))
    .description(format!("One `{}` row by its unique `{}`.", table.name, col.name))
}

fn list_field(ctx: &Arc<SchemaContext>, table: &Table) -> Field {
    let schema = Arc::clone(ctx);
    let table_id = table.id;
    let mut field = Field::new(&table.list_field, TypeRef::named_nn(connection_name(table)), move |ctx| {
        let schema = Arc::clone(&schema);
        FieldFuture::new(async move {
            let table = &schema.catalog.tables[table_id];
            let rc = request(&ctx)?;
            let args = ListArgs::parse(ctx.args.as_index_map(), &schema, table).map_err(|e| fail(&ctx, &e))?;
            let needs = connection_needs(&schema.catalog, table, None, ctx.field(), &args.ordering);
            let q = ListQuery {
                projection: &needs.projection,
                filter: args.filter.as_ref(),
                ordering: &args.ordering,
                page: &args.page,
            };
            let sql = statements::page(&schema.catalog, table, &q, &rc.scope);
            let rows = rc.session.query(sql).await.map_err(|e| fail(&ctx, &e))?;
            let mut rows = statements::decode_rows(&rows, table, &needs.projection).map_err(|e| fail(&ctx, &e))?;
            rc.loader(&schema)
                .load(table, &mut rows, connection_node_fields(&ctx.field()))
                .await
                .map_err(|e| fail(&ctx, &e))?;
            let total = if needs.want_total {
                let sql = statements::count(&schema.catalog, table, args.filter.as_ref(), &rc.scope);
                let rows = rc.session.query(sql).await.map_err(|e| fail(&ctx, &e))?;
                Some(rows.first().and_then(|r| r.try_get::<i64>("", "n").ok()).unwrap_or(0))
            } else {
                None
            };
            let edges = rows.into_iter().map(|r| EdgeRow { node: Arc::new(r), link: None }).collect();
            let (edges, has_next, has_previous) = crate::graphql::loaders::paginate(edges, &args.page);
            let ordering = Arc::new(args.ordering);
            Ok(Some(FieldValue::owned_any(connection(edges, table_id, &ordering, has_next, has_previous, total))))
        })
    })
    .description(format!("`{}` rows: filter, order and page through them.", table.name));
    for arg in list_arguments(table) {
        field = field.argument(arg);
    }
    field
}
