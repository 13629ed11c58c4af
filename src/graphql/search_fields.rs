//! The search part of the schema: `searchKnowledge`, `search`, the per-parent retrieval fields
//! (`Agent.knowledgeSearch`, `KnowledgeSource.similarChunks`) and their types. The plan answers
//! them (`plan/search.rs` for the arguments, `search/` for the statements).

use async_graphql::dynamic::{Enum, EnumItem, Field, InputObject, InputValue, Object, SchemaBuilder, TypeRef, Union};

use crate::catalog::{Catalog, SEARCH_TYPES, Table};
use crate::graphql::{planned, scalars};

/// Registers the search types: hit objects, the filter input, the type enum and the result union.
pub fn register_types(catalog: &Catalog, mut builder: SchemaBuilder) -> SchemaBuilder {
    // The naming file may rename the tables' types.
    let type_of = |table: &str| catalog.table(table).map_or_else(String::new, |t| t.type_name.clone());
    builder = builder.register(
        InputObject::new("KnowledgeSearchFilter")
            .description("Restricts a knowledge search; all given parts must hold.")
            .field(
                InputValue::new("sourceIds", TypeRef::named_nn_list(scalars::UUID)).description("Only these sources."),
            )
            .field(
                InputValue::new("industryIds", TypeRef::named_nn_list(scalars::UUID))
                    .description("Only sources mapped to one of these industries (`knowledge_industry_mapping`)."),
            )
            .field(
                InputValue::new("category", TypeRef::named(TypeRef::STRING))
                    .description("Only sources of this category."),
            ),
    );
    builder = builder.register(
        Object::new("KnowledgeHit")
            .description("A knowledge chunk a search found, with its source.")
            .field(planned("score", TypeRef::named_nn(TypeRef::FLOAT)).description(
                "Vector search: cosine similarity (1 − cosine distance). Hybrid: the reciprocal-rank-fusion score.",
            ))
            .field(planned("chunk", TypeRef::named_nn(type_of("knowledge_chunks"))))
            .field(planned("source", TypeRef::named_nn(type_of("knowledge_sources")))),
    );
    let mut types = Enum::new("SearchType").description("The tables `search` looks in.");
    for (name, table) in SEARCH_TYPES {
        types = types.item(EnumItem::new(*name).description(format!("`{table}`")));
    }
    builder = builder.register(types);
    let mut union = Union::new("SearchResult").description("A row `search` found.");
    for (_, name) in SEARCH_TYPES {
        if let Some(t) = catalog.table(name) {
            union = union.possible_type(&t.type_name);
        }
    }
    builder.register(union).register(
        Object::new("SearchHit")
            .description("A row `search` found.")
            .field(
                planned("rank", TypeRef::named_nn(TypeRef::FLOAT))
                    .description("10 for an exact name match + full-text rank (`ts_rank_cd`) + trigram similarity."),
            )
            .field(
                planned("snippet", TypeRef::named_nn(TypeRef::STRING))
                    .description("The matching text with the matched words in `<b>…</b>`."),
            )
            .field(planned("typeName", TypeRef::named_nn(TypeRef::STRING)).description("The GraphQL type of `hit`."))
            .field(planned("hit", TypeRef::named_nn("SearchResult"))),
    )
}

fn search_arguments(field: Field, with_filter: bool) -> Field {
    let field = field
        .argument(
            InputValue::new("embedding", TypeRef::named_nn_list(TypeRef::FLOAT))
                .description("Query vector: 1536 finite numbers (cosine distance)."),
        )
        .argument(InputValue::new("text", TypeRef::named(TypeRef::STRING)).description(
            "Query text. Alone: embedded by the configured provider. With `embedding`: hybrid ranking \
             (reciprocal rank fusion of vector and full-text rankings).",
        ))
        .argument(InputValue::new("first", TypeRef::named(TypeRef::INT)).default_value(10))
        .argument(InputValue::new("minScore", TypeRef::named(TypeRef::FLOAT)).description("Drop hits scoring less."));
    if with_filter { field.argument(InputValue::new("filter", TypeRef::named("KnowledgeSearchFilter"))) } else { field }
}

/// Adds `searchKnowledge` and `search` to the root query type.
pub fn register_root_fields(query: Object) -> Object {
    let knowledge = planned("searchKnowledge", TypeRef::named_nn_list_nn("KnowledgeHit"))
        .description("Knowledge chunks nearest to a vector (or a text, or both: hybrid), best first, tenant-scoped.");
    let search = planned("search", TypeRef::named_nn_list_nn("SearchHit"))
        .argument(
            InputValue::new("query", TypeRef::named_nn(TypeRef::STRING))
                .description("Words (web search syntax), a misspelt name or a name prefix; at most 10 KB."),
        )
        .argument(
            InputValue::new("types", TypeRef::named_nn_list("SearchType"))
                .description("Tables to search; all when omitted."),
        )
        .argument(InputValue::new("first", TypeRef::named(TypeRef::INT)).default_value(20))
        .description(
            "Registry rows whose name or description match `query`, best first; exact name matches rank first.",
        );
    query.field(search_arguments(knowledge, true)).field(search)
}

/// Adds the retrieval fields to the object types that have them (`Agent.knowledgeSearch`,
/// `KnowledgeSource.similarChunks`); other types are returned unchanged.
pub fn extend_object(table: &Table, obj: Object) -> Object {
    let (name, description, with_filter) = match table.name.as_str() {
        "agents" => (
            "knowledgeSearch",
            "Chunks of this agent's knowledge sources (`agent_knowledge`) nearest to the query; one search per agent.",
            true,
        ),
        "knowledge_sources" => {
            ("similarChunks", "Chunks of this source nearest to the query; one search per source.", false)
        }
        _ => return obj,
    };
    let field = planned(name, TypeRef::named_nn_list_nn("KnowledgeHit")).description(description);
    obj.field(search_arguments(field, with_filter))
}
