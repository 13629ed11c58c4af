//! The schema's names (docs/naming.md): the canonical traversals read as people say them and return
//! data from the seeded database; every name that differs from what the rules give is listed in
//! `tests/api/naming_deviations.txt`, so a new exception shows up in review; the naming file
//! `schema-names.toml` is checked (a key the rules do not give is a one-line error) and renames
//! types, fields and arguments in the schema and the plan alike.
//!
//! `UPDATE_GOLDEN=1 cargo test --test api naming` rewrites the deviation list.

use std::fmt::Write as _;

use registry_gateway::catalog::Catalog;
use registry_gateway::error::ErrorCode;
use registry_gateway::execute::statements::plan_statements;
use registry_gateway::plan::build::{build, operation, variables};
use registry_gateway::plan::context::{PlanContext, PlanLimits};
use registry_gateway::plan::keyset::CursorCodec;
use registry_gateway::tenancy::{Reach, Scope};
use serde_json::{Value, json};

use crate::helpers::{project_dir, spawn_app};

/// The traversals of issue 11, as people say them, each with the paths that must reach rows.
const TRAVERSALS: &[(&str, &[&str])] = &[
    (
        "{ agents(first: 100) { nodes { name
             prompts { nodes { name } }
             knowledgeSources { nodes { title knowledgeChunks(first: 3) { nodes { chunkIndex } } } }
             tools { nodes { name } }
             skills { nodes { name } }
             industries { nodes { name } } } } }",
        &[
            "agents.prompts",
            "agents.knowledgeSources.knowledgeChunks",
            "agents.tools",
            "agents.skills",
            "agents.industries",
        ],
    ),
    (
        "{ domains { nodes { name capabilities { nodes { name
             jobsToBeDone { nodes { name personas { nodes { name roles { nodes { name } } } } } } } } } } }",
        &["domains.capabilities.jobsToBeDone.personas.roles"],
    ),
    (
        "{ workflows(first: 100) { nodes { name tasks { nodes { title agents { nodes { name tools { nodes { name } } } } } } } } }",
        &["workflows.tasks.agents.tools"],
    ),
    (
        "{ solutions { nodes { name industries { nodes { name } } agents { nodes { name } } } } }",
        &["solutions.industries", "solutions.agents"],
    ),
    (
        "{ tenants { nodes { name children { nodes { name children { nodes { name } } } } } } }",
        &["tenants.children.children"],
    ),
];

/// The objects at the end of `path` (dot-separated connection fields) below `objects`.
fn reach(objects: Vec<Value>, path: &[&str]) -> Vec<Value> {
    let Some((field, rest)) = path.split_first() else { return objects };
    let next: Vec<Value> =
        objects.iter().flat_map(|o| o[*field]["nodes"].as_array().cloned().unwrap_or_default()).collect();
    reach(next, rest)
}

#[tokio::test]
async fn the_canonical_traversals_read_as_people_say_them_and_return_data() {
    let app = spawn_app().await;
    for (query, paths) in TRAVERSALS {
        let v = app.platform(query, json!({})).await;
        for path in *paths {
            let steps: Vec<&str> = path.split('.').collect();
            // Every level reaches rows, not just the last: a level that is empty hides the ones below.
            for depth in 1..=steps.len() {
                let (root, below) = steps[..depth].split_first().unwrap();
                let found = reach(v["data"][*root]["nodes"].as_array().cloned().unwrap_or_default(), below);
                assert!(!found.is_empty(), "{} returns no rows for {query}", steps[..depth].join("."));
            }
        }
    }
}

/// `task.agents` goes through `task_agents`, the general junction; the orchestration junction's
/// agents are `promptOrchestrationAgents`.
#[tokio::test]
async fn task_agents_are_the_general_junction_and_the_other_is_named_by_its_role() {
    let app = spawn_app().await;
    for (field, junction) in
        [("agents", "task_agents"), ("promptOrchestrationAgents", "task_agent_prompt_orchestration")]
    {
        let task = app
            .db
            .scalar(&format!(
                "SELECT j.task_id::text FROM {junction} j JOIN tasks t ON t.id = j.task_id JOIN agents a ON a.id = j.agent_id
                 WHERE t.deleted_at IS NULL AND a.deleted_at IS NULL GROUP BY j.task_id ORDER BY count(*) DESC, j.task_id LIMIT 1"
            ))
            .await;
        let expected = app
            .db
            .query_strings(&format!(
                "SELECT a.id::text FROM {junction} j JOIN agents a ON a.id = j.agent_id
                 WHERE j.task_id = '{task}' AND a.deleted_at IS NULL ORDER BY a.id"
            ))
            .await;
        let expected: Vec<&str> = expected.iter().map(|r| r[0].as_str()).collect();
        let v = app
            .platform(&format!("{{ task(id: \"{task}\") {{ {field}(first: 100) {{ nodes {{ id }} }} }} }}"), json!({}))
            .await;
        let got: Vec<&str> =
            v["data"]["task"][field]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert!(!expected.is_empty(), "{junction} has no rows to compare with");
        assert_eq!(got, expected, "task.{field} is not read through {junction}");
    }
    // The JSON column the relation displaced keeps its data under its new name.
    let v = app.platform("{ agents(first: 1) { nodes { toolsConfig skillsConfig } } }", json!({})).await;
    assert!(v["data"]["agents"]["nodes"][0]["toolsConfig"].is_array(), "{v:#}");
    // The old names are gone: clients see a validation error naming the field.
    for old in ["toolsViaAgentTools", "skillsViaAgentSkills"] {
        let v = app.graphql(&format!("{{ agents {{ nodes {{ {old} {{ totalCount }} }} }} }}"), json!({}), None).await;
        assert_eq!(v["errors"][0]["extensions"]["code"], json!("GRAPHQL_VALIDATION_FAILED"), "{old}: {v:#}");
    }
}

/// Every name of `named` that differs from the name `rules` gives, one per line.
fn deviations(rules: &Catalog, named: &Catalog) -> String {
    let mut out = String::new();
    for (r, n) in rules.tables.iter().zip(&named.tables) {
        let ty = &r.type_name;
        if r.type_name != n.type_name {
            let _ = writeln!(out, "type {ty} → {}", n.type_name);
        }
        for (what, a, b) in [("list", &r.list_field, &n.list_field), ("single", &r.single_field, &n.single_field)] {
            if a != b {
                let _ = writeln!(out, "field Query.{a} → {b} ({what} field of `{}`)", r.name);
            }
        }
        for (a, b) in r.columns.iter().zip(&n.columns) {
            if a.field != b.field {
                let _ = writeln!(out, "field {ty}.{} → {} (column `{}.{}`)", a.field, b.field, r.name, a.name);
            }
        }
        for (&a, &b) in r.relations.iter().zip(&n.relations) {
            let (a, b) = (&rules.relations[a], &named.relations[b]);
            if a.field != b.field {
                let _ = writeln!(
                    out,
                    "field {ty}.{} → {} (relation to `{}`)",
                    a.field, b.field, rules.tables[a.target].name
                );
            }
        }
    }
    let mut args: Vec<String> = named
        .renamed_arguments()
        .map(|((ty, field), (from, to))| format!("argument {ty}.{field}({from}:) → {to}\n"))
        .collect();
    args.sort();
    out.extend(args);
    out
}

#[test]
fn every_deviation_from_the_naming_rules_is_listed_for_review() {
    let listed = deviations(&Catalog::by_rules(), &Catalog::try_from_entities().unwrap());
    let path = project_dir().join("tests/api/naming_deviations.txt");
    let header = "# Every schema name that differs from what the naming rules (docs/naming.md) give: the\n\
                  # entries of schema-names.toml. Generated by tests/api/naming.rs\n\
                  # (`UPDATE_GOLDEN=1 cargo test --test api naming` rewrites it).\n";
    let actual = format!("{header}{listed}");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "the names that differ from the rules changed; review and run `UPDATE_GOLDEN=1 cargo test --test api naming`"
    );
    assert!(!listed.is_empty(), "the naming file is expected to hold the self-referencing junctions' names");
}

#[test]
fn the_naming_file_refuses_names_the_rules_do_not_give_with_one_line() {
    Catalog::try_from_entities().expect("schema-names.toml applies");
    for (file, expected) in [
        ("[types]\nAgnet = \"Bot\"\n", "[types] Agnet"),
        ("[fields.Agent]\ntoolz = \"x\"\n", "[fields.Agent] toolz"),
        ("[fields.Agent]\ntoolsViaAgentTools = \"x\"\n", "[fields.Agent] toolsViaAgentTools"),
        ("[fields.Agnet]\ntools = \"x\"\n", "[fields.Agnet]"),
        ("[fields.Query]\nallAgents = \"x\"\n", "[fields.Query] allAgents"),
        ("[arguments.Agent.prompts]\ntake = \"x\"\n", "[arguments.Agent.prompts] take"),
        ("[arguments.Agent.name]\nfirst = \"x\"\n", "[arguments.Agent.name]"),
        ("[fields.Agent]\ntoolsConfig = \"1tools\"\n", "not a GraphQL name"),
        ("[fields.Agent]\ntoolsConfig = \"tools\"\n", "Agent.tools would name two fields"),
        ("[types]\nAgent = \"Tool\"\n", "type Tool would name both"),
        ("[arguments.Query.agents]\nfirst = \"last\"\n", "two arguments would be named last"),
        ("[typo]\n", "line 1"),
        ("[types]\nAgent = \n", "line 2"),
    ] {
        let err = Catalog::by_rules().with_naming_file(file).err().unwrap_or_else(|| panic!("accepted:\n{file}"));
        let message = err.to_string();
        assert_eq!(err.code(), ErrorCode::BadConfig, "{message}");
        assert!(message.starts_with("schema-names.toml: "), "{message}");
        assert!(message.contains(expected), "{file}: {message:?} does not say {expected:?}");
        assert!(!message.contains('\n'), "not one line: {message:?}");
    }
}

fn context(catalog: Catalog) -> PlanContext {
    PlanContext {
        catalog: std::sync::Arc::new(catalog),
        limits: PlanLimits::default(),
        cursors: CursorCodec::new(b"naming"),
        text_embeddings: false,
    }
}

/// The SQL `query` compiles to for the platform, after validating it against the catalog's schema.
async fn sql_of(context: &PlanContext, query: &str) -> String {
    let schema = registry_gateway::graphql::build_schema(&context.catalog, |b| b).unwrap();
    // Without the pipeline's gate, a valid query goes on to the fields' placeholder resolvers,
    // which say so; any other error is the validation's.
    let response = schema.execute(query).await;
    let errors: Vec<String> =
        response.errors.iter().map(|e| e.message.clone()).filter(|m| m != "answered by the query plan").collect();
    assert!(errors.is_empty(), "{query}: {errors:?}");
    let doc = async_graphql::parser::parse_query(query).unwrap();
    let op = operation(&doc, None).unwrap();
    let none = async_graphql::Variables::default();
    let vars = variables(&op.node, &none);
    let platform = uuid::Uuid::parse_str(crate::helpers::PLATFORM_TENANT).unwrap();
    let scope = Scope::Tenant {
        tenant: platform,
        visible: Reach::Tenants(vec![platform]),
        private: vec![platform],
        shared_assets: vec![],
    };
    let plan = build(context, &scope, &registry_gateway::tenancy::WriteScope::default(), &doc, &op.node, &vars);
    let mut out = String::new();
    for (path, sql) in plan_statements(&context.catalog, &plan) {
        let _ = writeln!(out, "{path}: {}", sql.text);
    }
    out
}

#[tokio::test]
async fn a_naming_file_renames_types_fields_and_arguments_in_the_schema_and_the_plan() {
    let file = r#"
        [types]
        JobToBeDone = "Jtbd"
        [fields.Agent]
        toolsConfig = "toolConfig"
        tools = "toolbox"
        [fields.Query]
        agents = "allAgents"
        [arguments.Agent.prompts]
        first = "take"
        orderBy = "sort"
        [arguments.Query.agent]
        id = "agentId"
    "#;
    let renamed = Catalog::by_rules().with_naming_file(file).unwrap();
    let sdl = registry_gateway::graphql::build_schema(&renamed, |b| b).unwrap().sdl();
    for present in [
        "type Jtbd implements Node {",
        "input JtbdFilter",
        "toolConfig: JSON!",
        "toolbox(",
        "allAgents(",
        "take: Int",
        "agentId: UUID!",
    ] {
        assert!(sdl.contains(present), "the schema has no {present:?}");
    }
    for absent in ["type JobToBeDone ", "JobToBeDoneFilter", "toolsConfig: JSON!", "agent(id: UUID!)"] {
        assert!(!sdl.contains(absent), "the schema still has {absent:?}");
    }
    let query_type = sdl.split("type Query {").nth(1).and_then(|s| s.split("\n}").next()).unwrap();
    assert!(!query_type.contains("\tagents("), "Query still has agents");
    // The plan reads the renamed names: the same question in either naming compiles to the same SQL.
    let id = "5e27683a-803a-4738-b00a-a27d8f746306";
    let by_rules = format!(
        "{{ agents(first: 3) {{ nodes {{ toolsConfig tools {{ nodes {{ name }} }} prompts(first: 2, orderBy: [NAME_ASC]) {{ nodes {{ name }} }} }} }}
           agent(id: \"{id}\") {{ name }} jobsToBeDone(first: 2) {{ nodes {{ ... on JobToBeDone {{ name }} }} }} }}"
    );
    let by_file = format!(
        "{{ agents: allAgents(first: 3) {{ nodes {{ toolsConfig: toolConfig tools: toolbox {{ nodes {{ name }} }} prompts(take: 2, sort: [NAME_ASC]) {{ nodes {{ name }} }} }} }}
           agent(agentId: \"{id}\") {{ name }} jobsToBeDone(first: 2) {{ nodes {{ ... on Jtbd {{ name }} }} }} }}"
    );
    let expected = sql_of(&context(Catalog::by_rules()), &by_rules).await;
    assert!(expected.contains("LIMIT"), "{expected}");
    assert_eq!(sql_of(&context(renamed), &by_file).await, expected);
}
