//! Mutations through the gateway: create, update with `expectedVersion`, delete, restore, upsert,
//! bulk create and update by filter; the errors each refusal gets; history in the same transaction;
//! and a mutation is all or nothing.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, token};

/// Acme Pharmaceuticals (003's enterprise client).
const ACME: &str = "22222222-2222-2222-2222-222222222222";

async fn as_role(app: &TestApp, role: &str, query: &str, variables: Value) -> Value {
    app.graphql(query, variables, Some(&token(ACME, role))).await
}

fn code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>")
}

fn ok(v: &Value) {
    assert!(v.get("errors").is_none(), "unexpected errors: {v:#}");
}

const CREATE_AGENT: &str = r"mutation($input: AgentInput!) {
  createAgent(input: $input) { id nodeId name slug version tenantId tenant { id } createdAt }
}";

fn new_agent(slug: &str) -> Value {
    json!({ "uniqueId": format!("uid-{slug}"), "slug": slug, "name": format!("Agent {slug}"),
            "agentType": "SPECIALIST", "domainExpertise": "REGULATORY", "tier": 2, "status": "DEVELOPMENT" })
}

#[tokio::test]
async fn create_update_delete_restore_round_trip_with_versions_and_history() {
    let app = spawn_app().await;
    let created = as_role(&app, "manager", CREATE_AGENT, json!({ "input": new_agent("mut-round-trip") })).await;
    ok(&created);
    let agent = &created["data"]["createAgent"];
    let id = agent["id"].as_str().unwrap();
    assert_eq!(agent["tenantId"], json!(ACME), "the tenant comes from the caller");
    assert_eq!(agent["tenant"]["id"], json!(ACME), "relations of the answer load in the same transaction");
    assert_eq!(agent["version"], json!(1));

    // Read back through a query.
    let read = as_role(&app, "member", "query($id: UUID!) { agent(id: $id) { name } }", json!({ "id": id })).await;
    assert_eq!(read["data"]["agent"]["name"], json!("Agent mut-round-trip"));

    // Update with the version read: the version moves on.
    let update = r#"mutation($id: UUID!, $v: Int) { updateAgent(id: $id, patch: { name: "Renamed" }, expectedVersion: $v) { name version } }"#;
    let v = as_role(&app, "manager", update, json!({ "id": id, "v": 1 })).await;
    ok(&v);
    assert_eq!(v["data"]["updateAgent"], json!({ "name": "Renamed", "version": 2 }));
    // The same version again is stale: CONFLICT with the current version, and nothing changes.
    let stale = as_role(&app, "manager", update, json!({ "id": id, "v": 1 })).await;
    assert_eq!(code(&stale), "CONFLICT", "{stale:#}");
    assert!(stale["errors"][0]["message"].as_str().unwrap().contains("version 2"), "{stale:#}");
    assert_eq!(stale["data"], Value::Null);

    // Delete (soft), then the row is invisible, then restore.
    let delete = "mutation($id: UUID!) { deleteAgent(id: $id, expectedVersion: 2) { id deletedAt } }";
    let v = as_role(&app, "manager", delete, json!({ "id": id })).await;
    ok(&v);
    assert!(v["data"]["deleteAgent"]["deletedAt"].is_string());
    let read = as_role(&app, "manager", "query($id: UUID!) { agent(id: $id) { name } }", json!({ "id": id })).await;
    assert_eq!(code(&read), "NOT_FOUND");
    let v = as_role(
        &app,
        "manager",
        "mutation($id: UUID!) { restoreAgent(id: $id) { name deletedAt version } }",
        json!({ "id": id }),
    )
    .await;
    ok(&v);
    assert_eq!(v["data"]["restoreAgent"], json!({ "name": "Renamed", "deletedAt": null, "version": 4 }));

    // One audit row per write, in the same transactions.
    let actions = app
        .db
        .query_strings(&format!("SELECT action FROM audit_log WHERE resource_id = '{id}' ORDER BY created_at, id"))
        .await;
    assert_eq!(actions.len(), 4, "{actions:?}");
}

#[tokio::test]
async fn refusals_get_their_codes_and_change_nothing() {
    let app = spawn_app().await;
    // A member may read the registry but not curate it.
    let v = as_role(&app, "member", CREATE_AGENT, json!({ "input": new_agent("mut-member") })).await;
    assert_eq!(code(&v), "FORBIDDEN", "{v:#}");
    // Anonymous callers write nothing.
    let v = app.graphql(CREATE_AGENT, json!({ "input": new_agent("mut-anon") }), None).await;
    assert_eq!(code(&v), "UNAUTHENTICATED", "{v:#}");
    // System tables have no mutations at all.
    let v = as_role(&app, "owner", "mutation { createAuditLog(input: {}) { id } }", json!({})).await;
    assert_eq!(code(&v), "GRAPHQL_VALIDATION_FAILED", "{v:#}");
    // A required column left out names it.
    let v = as_role(
        &app,
        "manager",
        CREATE_AGENT,
        json!({ "input": { "slug": "mut-missing", "uniqueId": "mut-missing" } }),
    )
    .await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
    let message = v["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(r#""name""#) && message.contains("required"), "{v:#}");
    // A taken slug is CONFLICT naming the key.
    let taken = app.db.scalar("SELECT slug FROM agents LIMIT 1").await;
    let mut input = new_agent("mut-taken");
    input["slug"] = json!(taken);
    let v = as_role(&app, "manager", CREATE_AGENT, json!({ "input": input })).await;
    assert_eq!(code(&v), "CONFLICT", "{v:#}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("`slug`"), "{v:#}");
    // A reference to a row that does not exist.
    let mut input = new_agent("mut-parent");
    input["parentAgentId"] = json!("00000000-0000-0000-0000-00000000beef");
    let v = as_role(&app, "manager", CREATE_AGENT, json!({ "input": input })).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("parentAgentId"), "{v:#}");
    // An update of a row that does not exist.
    let v = as_role(
        &app,
        "manager",
        r#"mutation { updateAgent(id: "00000000-0000-0000-0000-00000000beef", patch: { name: "x" }) { id } }"#,
        json!({}),
    )
    .await;
    assert_eq!(code(&v), "NOT_FOUND", "{v:#}");
    let n = app.db.scalar("SELECT count(*)::text FROM agents WHERE slug LIKE 'mut-%'").await;
    assert_eq!(n, "0");
}

#[tokio::test]
async fn a_mutation_is_all_or_nothing_and_bulk_writes_are_one_statement() {
    let app = spawn_app().await;
    // The second field fails: the first one's row is not kept.
    let q = r"mutation($a: AgentInput!, $b: AgentInput!) { a: createAgent(input: $a) { id } b: createAgent(input: $b) { id } }";
    let mut b = new_agent("mut-second");
    b["parentAgentId"] = json!("00000000-0000-0000-0000-00000000beef");
    let v = as_role(&app, "manager", q, json!({ "a": new_agent("mut-first"), "b": b })).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
    assert_eq!(v["errors"][0]["path"], json!(["b"]));
    assert_eq!(v["data"], Value::Null);
    assert_eq!(app.db.scalar("SELECT count(*)::text FROM agents WHERE slug LIKE 'mut-%'").await, "0");

    // Five rows in one statement.
    let inputs: Vec<Value> = (0..5).map(|i| new_agent(&format!("mut-bulk-{i}"))).collect();
    let v = as_role(
        &app,
        "manager",
        "mutation($inputs: [AgentInput!]!) { createAgents(inputs: $inputs) { slug } }",
        json!({ "inputs": inputs }),
    )
    .await;
    ok(&v);
    let slugs: Vec<&str> =
        v["data"]["createAgents"].as_array().unwrap().iter().map(|a| a["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, (0..5).map(|i| format!("mut-bulk-{i}")).collect::<Vec<_>>());
    assert_eq!(v["extensions"]["sqlStatements"], json!(1));

    // Update by filter, bounded by atMost.
    let many = r#"mutation($n: Int!) { updateAgents(filter: { slug: { startsWith: "mut-bulk-" } }, patch: { tier: 3 }, atMost: $n) { slug tier } }"#;
    let v = as_role(&app, "manager", many, json!({ "n": 4 })).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
    let v = as_role(&app, "manager", many, json!({ "n": 5 })).await;
    ok(&v);
    assert_eq!(v["data"]["updateAgents"].as_array().unwrap().len(), 5);

    // Upsert on the slug: the second call updates the first's row.
    let upsert = r"mutation($input: AgentInput!) { upsertAgent(input: $input, onConflict: SLUG) { id name } }";
    let first = as_role(&app, "manager", upsert, json!({ "input": new_agent("mut-upsert") })).await;
    ok(&first);
    let mut again = new_agent("mut-upsert");
    again["name"] = json!("Upserted");
    let second = as_role(&app, "manager", upsert, json!({ "input": again })).await;
    ok(&second);
    assert_eq!(second["data"]["upsertAgent"]["id"], first["data"]["upsertAgent"]["id"]);
    assert_eq!(second["data"]["upsertAgent"]["name"], json!("Upserted"));
}

#[tokio::test]
async fn api_keys_write_only_with_write_registry_and_get_never_mutates() {
    use registry_gateway::access::api_keys::{self, NewKey, READ_REGISTRY, WRITE_REGISTRY};
    let app = spawn_app().await;
    let key = |scopes: &[&str]| NewKey {
        tenant_id: ACME.parse().unwrap(),
        name: "curation integration".to_owned(),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        expires_at: None,
        rate_limit_per_minute: Some(1000),
    };
    let send = |secret: String, input: Value| {
        let (client, url) = (app.client.clone(), format!("{}/graphql", app.address));
        async move {
            let resp = client
                .post(url)
                .header("x-api-key", secret)
                .json(&json!({ "query": CREATE_AGENT, "variables": { "input": input } }))
                .send()
                .await
                .unwrap();
            resp.json::<Value>().await.unwrap()
        }
    };
    let (_, read_only) = api_keys::create_key(&app.db.conn, key(&[READ_REGISTRY])).await.unwrap();
    let v = send(read_only, new_agent("mut-key-ro")).await;
    assert_eq!(code(&v), "FORBIDDEN", "{v:#}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains(WRITE_REGISTRY), "{v:#}");
    let (key_id, writer) = api_keys::create_key(&app.db.conn, key(&[READ_REGISTRY, WRITE_REGISTRY])).await.unwrap();
    let v = send(writer, new_agent("mut-key-rw")).await;
    ok(&v);
    assert_eq!(v["data"]["createAgent"]["tenantId"], json!(ACME));
    // The audit row names the key as the actor.
    let id = v["data"]["createAgent"]["id"].as_str().unwrap();
    let audited = app.db.scalar(&format!("SELECT count(*)::text FROM audit_log WHERE resource_id = '{id}' AND actor_type = 'api_key' AND actor_api_key_id = '{key_id}'")).await;
    assert_eq!(audited, "1");

    // GET never mutates: 405, and nothing is written.
    let resp = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", CREATE_AGENT), ("variables", &json!({ "input": new_agent("mut-get") }).to_string())])
        .bearer_auth(token(ACME, "owner"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(app.db.scalar("SELECT count(*)::text FROM agents WHERE slug = 'mut-get'").await, "0");
}

#[tokio::test]
async fn nested_links_are_one_statement_per_relation_and_tenant_safe() {
    let app = spawn_app().await;
    // Rows Acme's manager sees: shared or Acme's own prompts and knowledge sources.
    let visible = |table: &str| {
        format!(
            "SELECT id::text FROM {table} WHERE deleted_at IS NULL AND (tenant_id IS NULL OR is_public OR tenant_id = '{ACME}') ORDER BY id LIMIT 5"
        )
    };
    let prompts: Vec<String> =
        app.db.query_strings(&visible("prompts")).await.into_iter().map(|r| r[0].clone()).collect();
    let sources: Vec<String> =
        app.db.query_strings(&visible("knowledge_sources")).await.into_iter().map(|r| r[0].clone()).collect();
    assert_eq!((prompts.len(), sources.len()), (5, 5));
    let mut input = new_agent("mut-nested");
    input["prompts"] = json!({ "attach": prompts.iter().enumerate().map(|(i, id)| json!({ "id": id, "isPrimary": i == 0, "priority": i })).collect::<Vec<_>>() });
    input["knowledgeSources"] =
        json!({ "attach": sources.iter().take(3).map(|id| json!({ "id": id })).collect::<Vec<_>>() });
    app.db.reset_statement_stats().await;
    let v = as_role(
        &app,
        "manager",
        "mutation($input: AgentInput!) { createAgent(input: $input) { id } }",
        json!({ "input": input }),
    )
    .await;
    ok(&v);
    // The agent, its 5 prompt links, its 3 knowledge links: three statements.
    assert_eq!(v["extensions"]["sqlStatements"], json!(3));
    let inserts: i64 = app
        .db
        .scalar(&format!(
            "SELECT coalesce(sum(calls), 0)::text FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
             WHERE d.datname = '{}' AND query LIKE 'INSERT INTO%'",
            app.db.name
        ))
        .await
        .parse()
        .unwrap();
    assert_eq!(inserts, 3, "pg_stat_statements counted {inserts} INSERTs");
    let id = v["data"]["createAgent"]["id"].as_str().unwrap().to_owned();
    let links = "query($id: UUID!) { agent(id: $id) { prompts(orderBy: [ID_ASC]) { edges { isPrimary priority node { id } } } knowledgeSources { totalCount } } }";
    let read = as_role(&app, "manager", links, json!({ "id": id })).await;
    ok(&read);
    assert_eq!(read["data"]["agent"]["prompts"]["edges"].as_array().unwrap().len(), 5);
    assert_eq!(read["data"]["agent"]["knowledgeSources"]["totalCount"], json!(3));

    // An update detaches two, re-attaches one with a new priority, and creates a prompt inline; the
    // answer shows the links as they are now.
    let patch = json!({ "prompts": {
        "detach": [prompts[0], prompts[1]],
        "attach": [{ "id": prompts[0], "isPrimary": true, "priority": 9 }],
        "create": [{ "uniqueId": "mut-inline-prompt", "slug": "mut-inline-prompt", "name": "Inline", "content": "You review submissions.", "roleType": "SYSTEM" }]
    } });
    let update = "mutation($id: UUID!, $patch: AgentPatch!) { updateAgent(id: $id, patch: $patch) { prompts(orderBy: [ID_ASC]) { totalCount edges { priority node { slug } } } } }";
    let v = as_role(&app, "manager", update, json!({ "id": id, "patch": patch })).await;
    ok(&v);
    // The agent, the inline prompt, the links detached and attached (one statement), the answer's
    // prompts and their totalCount: 5.
    assert_eq!(v["extensions"]["sqlStatements"], json!(5), "{v:#}");
    let edges = &v["data"]["updateAgent"]["prompts"];
    assert_eq!(edges["totalCount"], json!(5), "{v:#}");
    assert!(edges["edges"].as_array().unwrap().iter().any(|e| e["node"]["slug"] == json!("mut-inline-prompt")));
    assert!(edges["edges"].as_array().unwrap().iter().any(|e| e["priority"] == json!(9)));

    // Attaching another tenant's private prompt reads like attaching nothing, and rolls back.
    let foreign = app
        .db
        .scalar(&format!("SELECT id::text FROM prompts WHERE tenant_id IS NOT NULL AND tenant_id <> '{ACME}' AND NOT is_public AND tenant_id NOT IN (SELECT id FROM tenants WHERE parent_tenant_id = '{ACME}') LIMIT 1"))
        .await;
    for attach in [foreign.as_str(), "00000000-0000-0000-0000-00000000beef"] {
        let patch = json!({ "name": "Should not stick", "prompts": { "attach": [{ "id": attach }] } });
        let v = as_role(&app, "manager", update, json!({ "id": id, "patch": patch })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
        assert_eq!(
            v["errors"][0]["message"],
            json!("`patch.prompts.attach[0].id` names a row that does not exist or that you cannot see")
        );
    }
    let name = app.db.scalar(&format!("SELECT name FROM agents WHERE id = '{id}'")).await;
    assert_eq!(name, "Agent mut-nested", "a refused link rolled back the whole mutation");
}

#[tokio::test]
async fn two_updates_with_the_same_expected_version_make_exactly_one_conflict() {
    let app = spawn_app().await;
    let update = r"mutation($id: UUID!, $name: String!) { updateAgent(id: $id, patch: { name: $name }, expectedVersion: 1) { name version } }";
    for round in 0..3 {
        // Both read version 1 of a new agent.
        let created =
            as_role(&app, "manager", CREATE_AGENT, json!({ "input": new_agent(&format!("mut-race-{round}")) })).await;
        ok(&created);
        let id = created["data"]["createAgent"]["id"].as_str().unwrap().to_owned();
        let (a, b) = tokio::join!(
            as_role(&app, "manager", update, json!({ "id": id, "name": format!("A{round}") })),
            as_role(&app, "manager", update, json!({ "id": id, "name": format!("B{round}") })),
        );
        let codes = [code(&a).to_owned(), code(&b).to_owned()];
        assert_eq!(codes.iter().filter(|c| *c == "CONFLICT").count(), 1, "round {round}: {a:#} {b:#}");
        assert_eq!(codes.iter().filter(|c| *c == "<none>").count(), 1, "round {round}: {a:#} {b:#}");
        let winner = if code(&a) == "<none>" { &a } else { &b };
        let name = app.db.scalar(&format!("SELECT name FROM agents WHERE id = '{id}'")).await;
        assert_eq!(json!(name), winner["data"]["updateAgent"]["name"], "the loser changed nothing");
    }
}

#[tokio::test]
async fn a_chunk_created_with_text_is_embedded_by_the_provider_or_stored_unembedded_without_one() {
    let app = spawn_app().await;
    let source = app
        .db
        .scalar(&format!(
            "SELECT id::text FROM knowledge_sources WHERE tenant_id = '{ACME}' AND deleted_at IS NULL LIMIT 1"
        ))
        .await;
    let create = "mutation($input: KnowledgeChunkInput!) { createKnowledgeChunk(input: $input) { id } }";
    let chunk = |i: i32| json!({ "sourceId": source, "chunkIndex": 9000 + i, "content": "Signal detection in post-marketing surveillance." });
    // Without a provider: stored without an embedding.
    let v = as_role(&app, "manager", create, json!({ "input": chunk(0) })).await;
    ok(&v);
    let id = v["data"]["createKnowledgeChunk"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.db.scalar(&format!("SELECT (embedding IS NULL)::text FROM knowledge_chunks WHERE id = '{id}'")).await,
        "true"
    );

    // With one: the provider's vector is stored.
    let vector: Vec<f64> = (0..1536).map(|i| f64::from(i % 7) / 10.0).collect();
    let url = crate::fake_embeddings::serve(vector);
    let mut settings = crate::helpers::test_settings();
    settings.embedding_url = Some(format!("{url}/v1/embeddings"));
    settings.embedding_key = Some(registry_gateway::config::Secret::new(crate::fake_embeddings::KEY.to_owned()));
    let address = crate::helpers::serve(&app.db, &settings).await;
    let resp = app
        .client
        .post(format!("{address}/graphql"))
        .bearer_auth(token(ACME, "manager"))
        .json(&json!({ "query": create, "variables": { "input": chunk(1) } }))
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    ok(&v);
    let id = v["data"]["createKnowledgeChunk"]["id"].as_str().unwrap();
    let stored = app
        .db
        .scalar(&format!(
            "SELECT round((embedding::real[])[8]::numeric, 2)::text FROM knowledge_chunks WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(stored, "0.00", "element 8 is 7 % 7 / 10");
    let stored = app
        .db
        .scalar(&format!(
            "SELECT round((embedding::real[])[2]::numeric, 2)::text FROM knowledge_chunks WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(stored, "0.10");
}

#[tokio::test]
async fn bad_input_names_the_rule_and_the_field_and_oversize_bulk_is_refused() {
    let app = spawn_app().await;
    // A CHECK: `tier` is 1 to 3.
    let mut input = new_agent("mut-check");
    input["tier"] = json!(7);
    let v = as_role(&app, "manager", CREATE_AGENT, json!({ "input": input })).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
    assert_eq!(v["errors"][0]["message"], json!("`tier` breaks the rule `agents_tier_check` of `agents`"));
    // A value of the wrong type never reaches the database.
    let mut input = new_agent("mut-type");
    input["tier"] = json!("high");
    let v = as_role(&app, "manager", CREATE_AGENT, json!({ "input": input })).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
    // A required column set to null.
    let v = as_role(
        &app,
        "manager",
        r#"mutation { updateAgent(id: "00000000-0000-0000-0000-000000000001", patch: { name: null }) { id } }"#,
        json!({}),
    )
    .await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
    assert_eq!(v["errors"][0]["message"], json!("`patch.name` may not be null"));
    // More than 100 rows in one bulk create; atMost past its bound.
    let inputs: Vec<Value> = (0..101).map(|i| new_agent(&format!("mut-oversize-{i}"))).collect();
    let v = as_role(
        &app,
        "manager",
        "mutation($inputs: [AgentInput!]!) { createAgents(inputs: $inputs) { id } }",
        json!({ "inputs": inputs }),
    )
    .await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("at most 100"), "{v:#}");
    let v = as_role(
        &app,
        "manager",
        r"mutation { updateAgents(filter: {}, patch: { tier: 1 }, atMost: 100000) { id } }",
        json!({}),
    )
    .await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
    // An empty patch.
    let v = as_role(
        &app,
        "manager",
        r#"mutation { updateAgent(id: "00000000-0000-0000-0000-000000000001", patch: {}) { id } }"#,
        json!({}),
    )
    .await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
    assert_eq!(app.db.scalar("SELECT count(*)::text FROM agents WHERE slug LIKE 'mut-%'").await, "0");
}
