//! Aggregates and groups (`aggregate { … }`, `groups(by: …)`) against hand-written SQL on the
//! seeded database: counts, sums, averages, minimum and maximum, distinct counts, groups ordered by
//! an aggregate or a key and paged, groups by a belongs-to key through a junction with the related
//! row in the key, and per-parent aggregates in one statement per level. Also: bad input gets a
//! stable code, the complexity weights stop a partner's wide breakdown, and a tenant's aggregates
//! are the same whichever layer enforces visibility, and count only what the tenant sees.

use registry_gateway::access::api_keys::{NewKey, READ_REGISTRY, create_key};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, seeded_database, serve, spawn_app, test_settings, token};
use crate::tenancy_leaks::{A, MODES};

fn statements(v: &Value) -> u64 {
    v["extensions"]["sqlStatements"].as_u64().unwrap()
}

fn code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>")
}

async fn sql_json(app: &TestApp, sql: &str) -> Value {
    serde_json::from_str(&app.db.scalar(sql).await).unwrap()
}

/// Removes the float at `path` from both values and checks they agree within rounding.
fn take_close(ours: &mut Value, theirs: &mut Value, path: &[&str]) {
    let (mut a, mut b) = (&mut *ours, &mut *theirs);
    for p in &path[..path.len() - 1] {
        a = &mut a[*p];
        b = &mut b[*p];
    }
    let last = path[path.len() - 1];
    let (x, y) = (a.as_object_mut().unwrap().remove(last).unwrap(), b.as_object_mut().unwrap().remove(last).unwrap());
    let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
    assert!((x - y).abs() < 1e-9 * y.abs().max(1.0), "{path:?}: {x} vs {y}");
}

#[tokio::test]
async fn root_aggregates_match_hand_written_sql_in_one_statement() {
    let app = spawn_app().await;
    let query = r"{ agents(filter: { status: { eq: ACTIVE } }) { aggregate {
        __typename count
        countDistinct { tenantId status }
        sum { tier maxTokens temperature }
        avg { tier }
        min { tier name createdAt }
        max { tier temperature name }
    } } }";
    let v = app.platform(query, json!({})).await;
    assert_eq!(statements(&v), 1, "aggregates alone do not read the page");
    let mut ours = v["data"]["agents"]["aggregate"].clone();
    let mut theirs = sql_json(
        &app,
        "SELECT json_build_object('__typename', 'AgentAggregate', 'count', count(*),
           'countDistinct', json_build_object('tenantId', count(DISTINCT tenant_id), 'status', count(DISTINCT status)),
           'sum', json_build_object('tier', sum(tier), 'maxTokens', sum(max_tokens), 'temperature', sum(temperature)::text),
           'avg', json_build_object('tier', avg(tier)::float8),
           'min', json_build_object('tier', min(tier), 'name', min(name)),
           'max', json_build_object('tier', max(tier), 'temperature', max(temperature)::text, 'name', max(name)))::text
         FROM agents WHERE deleted_at IS NULL AND status = 'active'",
    )
    .await;
    assert!(theirs["count"].as_i64().unwrap() > 10, "the demo data should have active agents: {theirs}");
    take_close(&mut ours, &mut theirs, &["avg", "tier"]);
    // The earliest timestamp, written as the list writes `createdAt`.
    let first = app
        .platform("{ agents(first: 1, orderBy: [CREATED_AT_ASC], filter: { status: { eq: ACTIVE } }) { nodes { createdAt } } }", json!({}))
        .await;
    let earliest = ours["min"].as_object_mut().unwrap().remove("createdAt").unwrap();
    assert!(earliest.is_string(), "{earliest}");
    assert_eq!(earliest, first["data"]["agents"]["nodes"][0]["createdAt"]);
    assert_eq!(ours, theirs);

    // An empty set: counts are 0, the other values null.
    let v = app
        .platform(r#"{ agents(filter: { name: { eq: "no such agent" } }) { aggregate { count sum { tier } max { name } } } }"#, json!({}))
        .await;
    assert_eq!(
        v["data"]["agents"]["aggregate"],
        json!({ "count": 0, "sum": { "tier": null }, "max": { "name": null } })
    );
}

#[tokio::test]
async fn aggregates_honour_search_and_sit_beside_the_page() {
    let app = spawn_app().await;
    let v = app
        .platform(
            r#"{ agents(search: "regulatory", first: 2) { totalCount aggregate { count } nodes { id } } }"#,
            json!({}),
        )
        .await;
    let list = &v["data"]["agents"];
    assert!(list["totalCount"].as_i64().unwrap() > 2, "{list}");
    assert_eq!(list["aggregate"]["count"], list["totalCount"], "aggregates ignore the page, like totalCount");
    assert_eq!(list["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(statements(&v), 3, "page, count, aggregate");
}

/// Every group of agents by status and tier, as SQL orders them (count descending, then the keys).
const AGENT_GROUPS_SQL: &str = "
SELECT coalesce(json_agg(json_build_object(
  'key', json_build_object('status', upper(status::text), 'tier', tier),
  'aggregate', json_build_object('count', n, 'sum', json_build_object('maxTokens', s))) ORDER BY rn), '[]')::text
FROM (SELECT status, tier, count(*) AS n, sum(max_tokens) AS s,
             row_number() OVER (ORDER BY count(*) DESC, status, tier) AS rn
      FROM agents WHERE deleted_at IS NULL GROUP BY status, tier) g";

#[tokio::test]
async fn groups_are_ordered_by_an_aggregate_then_the_keys_and_paged_by_offset() {
    let app = spawn_app().await;
    let expected = sql_json(&app, AGENT_GROUPS_SQL).await;
    let expected = expected.as_array().unwrap();
    assert!(expected.len() > 4, "the demo data should give several groups: {expected:?}");
    let page = |offset: usize| {
        format!(
            "{{ agents {{ groups(by: [STATUS, TIER], orderBy: [COUNT_DESC], first: 3, offset: {offset}) {{
                __typename pageInfo {{ hasNextPage hasPreviousPage }}
                nodes {{ key {{ status tier }} aggregate {{ count sum {{ maxTokens }} }} }} }} }} }}"
        )
    };
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let v = app.platform(&page(offset), json!({})).await;
        assert_eq!(statements(&v), 1);
        let groups = &v["data"]["agents"]["groups"];
        assert_eq!(groups["__typename"], json!("AgentGroups"));
        assert_eq!(groups["pageInfo"]["hasPreviousPage"], json!(offset > 0));
        let nodes = groups["nodes"].as_array().unwrap();
        assert_eq!(nodes.as_slice(), &expected[offset..(offset + 3).min(expected.len())]);
        all.extend(nodes.iter().cloned());
        offset += 3;
        assert_eq!(groups["pageInfo"]["hasNextPage"], json!(offset < expected.len()));
        if offset >= expected.len() {
            break;
        }
    }
    assert_eq!(all.as_slice(), expected.as_slice());

    // By a key, descending; without `first` a page is the default page size.
    let v = app
        .platform("{ agents { groups(by: [NAME], orderBy: [NAME_DESC]) { pageInfo { hasNextPage } nodes { key { name } aggregate { count } } } } }", json!({}))
        .await;
    let theirs = sql_json(
        &app,
        "SELECT json_agg(json_build_object('key', json_build_object('name', name), 'aggregate', json_build_object('count', n)) ORDER BY name DESC)::text
         FROM (SELECT name, count(*) AS n FROM agents WHERE deleted_at IS NULL GROUP BY name ORDER BY name DESC LIMIT 20) g",
    )
    .await;
    assert_eq!(v["data"]["agents"]["groups"]["nodes"], theirs);
    assert_eq!(v["data"]["agents"]["groups"]["pageInfo"]["hasNextPage"], json!(true));

    // Ordered by the sum of a column, which need not be selected.
    let v = app
        .platform(
            "{ agents { groups(by: [TIER], orderBy: [SUM_MAX_TOKENS_DESC], first: 100) { nodes { key { tier } } } } }",
            json!({}),
        )
        .await;
    let theirs = sql_json(
        &app,
        "SELECT json_agg(json_build_object('key', json_build_object('tier', tier)) ORDER BY s DESC, tier)::text
         FROM (SELECT tier, sum(max_tokens) AS s FROM agents WHERE deleted_at IS NULL GROUP BY tier) g",
    )
    .await;
    assert_eq!(v["data"]["agents"]["groups"]["nodes"], theirs);
}

#[tokio::test]
async fn agents_per_industry_group_the_junction_by_its_industry_and_show_the_industry() {
    let app = spawn_app().await;
    let v = app
        .platform(
            "{ agentIndustryMappings { groups(by: [INDUSTRY_ID], orderBy: [COUNT_DESC], first: 100) {
                nodes { key { industryId industry { name } } aggregate { count countDistinct { agentId } } } } } }",
            json!({}),
        )
        .await;
    let theirs = sql_json(
        &app,
        "SELECT json_agg(json_build_object(
            'key', json_build_object('industryId', m.industry_id, 'industry', json_build_object('name', i.name)),
            'aggregate', json_build_object('count', m.n, 'countDistinct', json_build_object('agentId', m.d)))
          ORDER BY m.n DESC, m.industry_id)::text
         FROM (SELECT industry_id, count(*) AS n, count(DISTINCT agent_id) AS d FROM agent_industry_mapping GROUP BY industry_id) m
         JOIN industries i ON i.id = m.industry_id",
    )
    .await;
    assert!(theirs.as_array().unwrap().len() > 2, "{theirs}");
    assert_eq!(v["data"]["agentIndustryMappings"]["groups"]["nodes"], theirs);
    assert_eq!(statements(&v), 2, "the groups, then the industries of the page by id");

    // Two selections of the key, each with its own columns of the related row.
    let v = app
        .platform(
            "{ agentIndustryMappings { groups(by: [INDUSTRY_ID], first: 5) {
                nodes { a: key { industryId industry { name } } b: key { industry { id } } } } } }",
            json!({}),
        )
        .await;
    let nodes = v["data"]["agentIndustryMappings"]["groups"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5);
    for n in nodes {
        assert_eq!(n["b"]["industry"]["id"], n["a"]["industryId"], "{n}");
        assert!(n["a"]["industry"]["name"].is_string(), "{n}");
    }

    // A key relation needs its foreign key in `by`.
    let v = app
        .graphql(
            "{ agentIndustryMappings { groups(by: [IS_PRIMARY]) { nodes { key { industry { name } } } } } }",
            json!({}),
            Some(&token(crate::helpers::PLATFORM_TENANT, "owner")),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("INDUSTRY_ID"), "{v}");
}

#[tokio::test]
async fn nested_aggregates_take_one_statement_per_level_for_all_parents() {
    let app = spawn_app().await;
    let v = app
        .platform(
            "{ agents(first: 10, orderBy: [NAME_ASC]) { nodes { id prompts {
                aggregate { count }
                groups(by: [ROLE_TYPE], orderBy: [COUNT_DESC], first: 2) {
                  pageInfo { hasNextPage }
                  nodes { key { roleType } aggregate { count max { usageCount } } } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(statements(&v), 3, "agents, then one statement per aggregate for all ten agents");
    let theirs = sql_json(
        &app,
        "SELECT json_agg(json_build_object('id', a.id, 'prompts', json_build_object(
            'aggregate', json_build_object('count', (SELECT count(*) FROM agent_prompts ap JOIN prompts p ON p.id = ap.prompt_id
                                                     WHERE ap.agent_id = a.id AND p.deleted_at IS NULL)),
            'groups', (SELECT json_build_object(
                 'pageInfo', json_build_object('hasNextPage', count(*) > 2),
                 'nodes', coalesce(json_agg(json_build_object('key', json_build_object('roleType', upper(g.role_type::text)),
                          'aggregate', json_build_object('count', g.n, 'max', json_build_object('usageCount', g.m)))
                          ORDER BY g.n DESC, g.role_type) FILTER (WHERE g.rn <= 2), '[]'))
               FROM (SELECT p.role_type, count(*) AS n, max(p.usage_count) AS m,
                            row_number() OVER (ORDER BY count(*) DESC, p.role_type) AS rn
                     FROM agent_prompts ap JOIN prompts p ON p.id = ap.prompt_id
                     WHERE ap.agent_id = a.id AND p.deleted_at IS NULL GROUP BY p.role_type) g)
          )) ORDER BY a.name, a.id)::text
         FROM (SELECT * FROM agents WHERE deleted_at IS NULL ORDER BY name, id LIMIT 10) a",
    )
    .await;
    let ours = &v["data"]["agents"]["nodes"];
    assert_eq!(ours, &theirs);
    let counts: i64 =
        ours.as_array().unwrap().iter().map(|a| a["prompts"]["aggregate"]["count"].as_i64().unwrap()).sum();
    assert!(counts > 10, "the first agents should have prompts: {ours}");

    // Agents per industry from the industry side, with a filter on the agents.
    let v = app
        .platform(
            "{ industries(first: 50) { nodes { id agents(filter: { status: { eq: ACTIVE } }) { aggregate { count avg { tier } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(statements(&v), 2);
    let theirs = sql_json(
        &app,
        "SELECT json_agg(json_build_object('id', i.id, 'count',
            (SELECT count(*) FROM agent_industry_mapping m JOIN agents a ON a.id = m.agent_id
             WHERE m.industry_id = i.id AND a.deleted_at IS NULL AND a.status = 'active')) ORDER BY i.id)::text
         FROM (SELECT id FROM industries ORDER BY id LIMIT 50) i",
    )
    .await;
    let ours: Vec<Value> = v["data"]["industries"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let agg = &n["agents"]["aggregate"];
            assert_eq!(agg["avg"]["tier"].is_null(), agg["count"] == json!(0), "{n}");
            json!({ "id": n["id"], "count": agg["count"] })
        })
        .collect();
    assert_eq!(Value::Array(ours), theirs);
}

#[tokio::test]
async fn bad_aggregate_input_gets_a_stable_code() {
    let app = spawn_app().await;
    let t = token(crate::helpers::PLATFORM_TENANT, "owner");
    for (query, expected) in [
        // Not numeric: `sum` has no such field.
        ("{ agents { aggregate { sum { name } } } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ agents { aggregate { avg { createdAt } } } }", "GRAPHQL_VALIDATION_FAILED"),
        // A value outside the argument's enum is the caller's input, as for `orderBy`.
        ("{ agents { groups(by: [MODEL_CONFIG]) { nodes { aggregate { count } } } } }", "BAD_USER_INPUT"),
        ("{ agents { groups { nodes { aggregate { count } } } } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ agents { groups(by: []) { nodes { aggregate { count } } } } }", "BAD_USER_INPUT"),
        ("{ agents { groups(by: [STATUS, STATUS]) { nodes { aggregate { count } } } } }", "BAD_USER_INPUT"),
        ("{ agents { groups(by: [STATUS]) { nodes { key { name } } } } }", "BAD_USER_INPUT"),
        ("{ agents { groups(by: [STATUS], orderBy: [NAME_ASC]) { nodes { key { status } } } } }", "BAD_USER_INPUT"),
        ("{ agents { groups(by: [STATUS], first: 101) { nodes { key { status } } } } }", "BAD_USER_INPUT"),
        ("{ agents { groups(by: [STATUS], offset: -1) { nodes { key { status } } } } }", "BAD_USER_INPUT"),
        ("{ agents { groups(by: [STATUS], first: \"x\") { nodes { key { status } } } } }", "BAD_USER_INPUT"),
    ] {
        let v = app.graphql(query, json!({}), Some(&t)).await;
        assert_eq!(code(&v), expected, "{query}: {v}");
        assert!(!v.to_string().contains("SQL"), "{v}");
    }
}

#[tokio::test]
async fn complexity_weights_stop_a_partners_wide_breakdown() {
    let app = spawn_app().await;
    let groups: Vec<String> = (0..20)
        .map(|i| format!("g{i}: groups(by: [STATUS], offset: {i}) {{ nodes {{ aggregate {{ count }} }} }}"))
        .collect();
    // 20 fields of 4 selections each: 81 fields, far below the partner limit of 500 if counted as
    // plain fields; 741 with the weights.
    let query = format!("{{ agents {{ {} }} }}", groups.join(" "));
    let (_, key) = create_key(
        &app.db.conn,
        NewKey {
            tenant_id: Uuid::parse_str(A).unwrap(),
            name: "aggregates".into(),
            scopes: vec![READ_REGISTRY.to_owned()],
            expires_at: None,
            rate_limit_per_minute: None,
        },
    )
    .await
    .unwrap();
    let as_partner = |q: String| {
        app.client
            .post(format!("{}/graphql", app.address))
            .header("x-api-key", key.clone())
            .json(&json!({ "query": q }))
            .send()
    };
    let v: Value = as_partner(query.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(code(&v), "QUERY_TOO_COMPLEX", "{v}");
    let few = format!("{{ agents {{ {} }} }}", groups[..5].join(" "));
    let v: Value = as_partner(few).await.unwrap().json().await.unwrap();
    assert!(v.get("errors").is_none(), "five breakdowns fit a partner's limit: {v}");
    // Users have the higher limit.
    let v = app.graphql(&query, json!({}), Some(&token(A, "owner"))).await;
    assert!(v.get("errors").is_none(), "{v}");
    // Vector search is weighted too.
    let e = format!("[{}]", vec!["0.01"; 1536].join(","));
    let searches: Vec<String> =
        (0..20).map(|i| format!("s{i}: searchKnowledge(embedding: {e}, first: 1) {{ score }}")).collect();
    let v: Value = as_partner(format!("{{ {} }}", searches.join(" "))).await.unwrap().json().await.unwrap();
    assert_eq!(code(&v), "QUERY_TOO_COMPLEX", "{v}");
}

/// Aggregates as tenant A (and anonymously), in every form: root, grouped with key relations,
/// nested per parent, over tenant-private tables.
const TENANT_QUERIES: &[&str] = &[
    "{ agents { totalCount aggregate { count countDistinct { tenantId } sum { tier } max { name } } } }",
    "{ agents { groups(by: [TENANT_ID, IS_PUBLIC], orderBy: [COUNT_DESC], first: 100) { nodes { key { tenantId isPublic tenant { id name } } aggregate { count } } } } }",
    "{ prompts { totalCount aggregate { count } groups(by: [ROLE_TYPE]) { nodes { key { roleType } aggregate { count } } } } }",
    "{ agentIndustryMappings { totalCount groups(by: [INDUSTRY_ID], first: 100) { nodes { key { industry { id name } } aggregate { count } } } } }",
    "{ agents(first: 30) { nodes { id prompts { totalCount aggregate { count } groups(by: [TENANT_ID]) { nodes { key { tenant { id } } aggregate { count } } } } } } }",
    "{ tenants(first: 50) { nodes { id agents { totalCount aggregate { count } } } } }",
    "{ expertConsultations { totalCount aggregate { count countDistinct { tenantId } } groups(by: [TENANT_ID, MODE]) { nodes { key { tenantId mode } aggregate { count } } } } }",
    "{ knowledgeChunks { totalCount aggregate { count max { chunkIndex } } } }",
];

/// Every `aggregate.count` beside a `totalCount` equals it: both count the rows the caller sees.
fn counts_agree(v: &Value) {
    match v {
        Value::Object(o) => {
            if let (Some(total), Some(agg)) = (o.get("totalCount"), o.get("aggregate")) {
                assert_eq!(&agg["count"], total, "{v}");
            }
            o.values().for_each(counts_agree);
        }
        Value::Array(a) => a.iter().for_each(counts_agree),
        _ => {}
    }
}

#[tokio::test]
async fn a_tenants_aggregates_are_the_same_in_every_scoping_mode_and_count_only_what_it_sees() {
    let db = seeded_database().await;
    let mut answers: Vec<Vec<Value>> = Vec::new();
    let client = crate::helpers::http_client();
    for (mode, scoping) in MODES {
        let mut settings = test_settings();
        settings.tenant_scoping = scoping;
        let base = serve(&db, &settings).await;
        let mut mine = Vec::new();
        for caller in [Some(token(A, "owner")), None] {
            for q in TENANT_QUERIES {
                let mut req = client.post(format!("{base}/graphql")).json(&json!({ "query": q }));
                if let Some(t) = &caller {
                    req = req.bearer_auth(t);
                }
                let v: Value = req.send().await.unwrap().json().await.unwrap();
                assert!(v.get("errors").is_none(), "[{mode}] {q}: {v}");
                counts_agree(&v["data"]);
                mine.push(v["data"].clone());
            }
        }
        answers.push(mine);
    }
    for (i, (mode, _)) in MODES.iter().enumerate().skip(1) {
        for (q, (a, b)) in TENANT_QUERIES.iter().cycle().zip(answers[0].iter().zip(&answers[i])) {
            assert_eq!(a, b, "[{mode}] differs from both layers: {q}");
        }
    }
    // Anonymous callers count the shared registry only.
    let anonymous = &answers[0][TENANT_QUERIES.len()];
    let public: i64 = db
        .scalar("SELECT count(*)::text FROM agents WHERE deleted_at IS NULL AND (tenant_id IS NULL OR is_public)")
        .await
        .parse()
        .unwrap();
    assert_eq!(anonymous["agents"]["aggregate"]["count"], json!(public));
    let all: i64 = db.scalar("SELECT count(*)::text FROM agents WHERE deleted_at IS NULL").await.parse().unwrap();
    assert!(public < all, "some agents must be private for this to test anything");
    let for_a = answers[0][0]["agents"]["aggregate"]["count"].as_i64().unwrap();
    assert!(public < for_a && for_a < all, "A sees its own agents beside the public ones, not everyone's: {for_a}");
    let consultations = &answers[0][TENANT_QUERIES.len() + 6]["expertConsultations"];
    assert_eq!(consultations["aggregate"]["count"], json!(0), "anonymous callers see no private rows");
    assert_eq!(consultations["groups"]["nodes"], json!([]));
}

#[test]
fn aggregates_are_plan_nodes_compiled_to_one_statement_each() {
    use registry_gateway::catalog::Catalog;
    use registry_gateway::execute::statements::plan_statements;
    use registry_gateway::plan::build::{build, operation, variables};
    use registry_gateway::plan::context::{PlanContext, PlanLimits};
    use registry_gateway::plan::keyset::CursorCodec;
    use registry_gateway::tenancy::{Scope, WriteScope};
    let context = PlanContext {
        catalog: std::sync::Arc::new(Catalog::from_entities()),
        limits: PlanLimits::default(),
        cursors: CursorCodec::new(b"aggregates"),
        text_embeddings: false,
    };
    let query = r#"{ agents(first: 3, search: "regulatory") { nodes { id prompts(filter: { isActive: { eq: true } }) {
        aggregate { count sum { usageCount } }
        groups(by: [ROLE_TYPE, TENANT_ID], orderBy: [AVG_USAGE_COUNT_DESC], first: 2, offset: 1) {
          nodes { key { roleType tenant { name } } aggregate { count } } } } } } }"#;
    let doc = async_graphql::parser::parse_query(query).unwrap();
    let op = operation(&doc, None).unwrap();
    let plan = build(
        &context,
        &Scope::PublicOnly,
        &WriteScope::default(),
        &doc,
        &op.node,
        &variables(&op.node, &async_graphql::Variables::default()),
    );
    let ir = serde_json::to_value(&plan).unwrap();
    let prompts = &ir["fields"][0]["plan"]["list"]["fetch"]["node"]["relations"][0]["load"]["many"];
    assert_eq!(prompts["aggregates_only"], json!(true), "{prompts:#}");
    let usage_count = context.catalog.table("prompts").unwrap().col_id("usage_count").unwrap();
    assert_eq!(
        prompts["aggregates"][0]["measures"],
        json!([{ "func": "count" }, { "func": "sum", "column": usage_count }])
    );
    let groups = &prompts["aggregates"][1]["groups"];
    assert_eq!((groups["limit"].clone(), groups["offset"].clone()), (json!(2), json!(1)));
    assert_eq!(groups["relations"][0]["by_index"], json!(1));
    assert!(groups["relations"][0]["visibility"].is_object(), "the key's rows are filtered: {groups:#}");
    let statements: Vec<(String, String)> =
        plan_statements(&context.catalog, &plan).into_iter().map(|(path, sql)| (path, sql.text)).collect();
    let paths: Vec<&str> = statements.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["agents", "agents.prompts.aggregate", "agents.prompts.groups", "agents.prompts.groups.key.tenant"],
        "no page of prompts is read, one statement per aggregate"
    );
    let (_, aggregate) = &statements[1];
    assert!(aggregate.starts_with(r#"SELECT j."agent_id" AS parent, count(*) AS a0, sum(t."usage_count")::int8 AS a1 FROM "agent_prompts" j JOIN "prompts" t ON t."id" = j."prompt_id" WHERE j."agent_id" = ANY($1)"#), "{aggregate}");
    assert!(aggregate.ends_with(" GROUP BY 1"), "{aggregate}");
    assert!(
        aggregate.contains(r#"t."is_active" = $"#) && aggregate.contains(r#"t."deleted_at" IS NULL"#),
        "filter and visibility: {aggregate}"
    );
    let (_, groups) = &statements[2];
    assert!(groups.starts_with(r#"SELECT p.pid AS parent, s.* FROM unnest($1::uuid[]) AS p(pid) CROSS JOIN LATERAL (SELECT t."role_type"::text AS k0, t."tenant_id" AS k1, count(*) AS a0 FROM "agent_prompts" j"#), "{groups}");
    assert!(groups.contains(r#" GROUP BY t."role_type", t."tenant_id" ORDER BY avg(t."usage_count") DESC, t."role_type" ASC, t."tenant_id" ASC LIMIT $"#), "{groups}");
    assert!(groups.ends_with(") s") && groups.contains(" OFFSET $"), "{groups}");
}
