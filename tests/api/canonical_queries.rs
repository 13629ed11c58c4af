//! The two canonical deep queries return exactly what hand-written SQL over the same data returns,
//! in at most (relation levels + 1) statements. The query texts are bench/queries/*.graphql, which
//! the load benchmark drives too.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

pub const AGENT_WALK: &str = include_str!("../../bench/queries/agent_walk.graphql");

/// Relation fields in AGENT_WALK: tenant, prompts, knowledgeSources, knowledgeChunks, industries.
const AGENT_WALK_RELATIONS: u64 = 5;

pub const DOMAIN_HIERARCHY: &str = include_str!("../../bench/queries/domain_hierarchy.graphql");

/// Relation fields in DOMAIN_HIERARCHY: capabilities, jobsToBeDone, personas, roles.
const DOMAIN_HIERARCHY_RELATIONS: u64 = 4;

const AGENT_WALK_SQL: &str = r"
SELECT coalesce(json_agg(json_build_object(
  'id', a.id, 'name', a.name,
  'tenant', (SELECT json_build_object('id', t.id, 'name', t.name) FROM tenants t WHERE t.id = a.tenant_id AND t.deleted_at IS NULL),
  'prompts', (SELECT coalesce(json_agg(json_build_object('isPrimary', s.is_primary, 'id', s.id, 'name', s.name, 'roleType', upper(s.role_type::text)) ORDER BY s.id), '[]')
              FROM (SELECT ap.is_primary, p.id, p.name, p.role_type FROM agent_prompts ap JOIN prompts p ON p.id = ap.prompt_id
                    WHERE ap.agent_id = a.id AND p.deleted_at IS NULL ORDER BY p.id LIMIT 5) s),
  'knowledgeSources', (SELECT coalesce(json_agg(json_build_object('id', s.id, 'name', s.name,
        'chunks', (SELECT coalesce(json_agg(json_build_object('id', c.id, 'chunkIndex', c.chunk_index) ORDER BY c.id), '[]')
                   FROM (SELECT c.id, c.chunk_index FROM knowledge_chunks c WHERE c.source_id = s.id ORDER BY c.id LIMIT 3) c)) ORDER BY s.id), '[]')
              FROM (SELECT k.id, k.name FROM agent_knowledge ak JOIN knowledge_sources k ON k.id = ak.knowledge_source_id
                    WHERE ak.agent_id = a.id AND k.deleted_at IS NULL ORDER BY k.id LIMIT 3) s),
  'industries', (SELECT coalesce(json_agg(json_build_object('id', s.id, 'name', s.name) ORDER BY s.id), '[]')
              FROM (SELECT i.id, i.name FROM agent_industry_mapping m JOIN industries i ON i.id = m.industry_id
                    WHERE m.agent_id = a.id ORDER BY i.id LIMIT 20) s)
) ORDER BY a.name, a.id), '[]')::text
FROM (SELECT * FROM agents WHERE deleted_at IS NULL ORDER BY name, id LIMIT 50) a";

const DOMAIN_HIERARCHY_SQL: &str = r"
SELECT coalesce(json_agg(json_build_object('id', d.id, 'name', d.name,
  'capabilities', (SELECT coalesce(json_agg(json_build_object('id', c.id, 'name', c.name,
      'jtbds', (SELECT coalesce(json_agg(json_build_object('relevanceScore', j.relevance_score::text, 'id', j.id, 'name', j.name,
          'personas', (SELECT coalesce(json_agg(json_build_object('id', p.id, 'name', p.name,
              'roles', (SELECT coalesce(json_agg(json_build_object('id', r.id, 'name', r.name) ORDER BY r.id), '[]')
                        FROM (SELECT r.id, r.name FROM persona_role_mapping m JOIN org_roles r ON r.id = m.role_id
                              WHERE m.persona_id = p.id ORDER BY r.id LIMIT 100) r)) ORDER BY p.id), '[]')
            FROM (SELECT p.id, p.name FROM jtbd_personas m JOIN personas p ON p.id = m.persona_id
                  WHERE m.jtbd_id = j.id AND p.deleted_at IS NULL ORDER BY p.id LIMIT 100) p)) ORDER BY j.id), '[]')
        FROM (SELECT m.relevance_score, j.id, j.name FROM capability_jtbd_mapping m JOIN jobs_to_be_done j ON j.id = m.jtbd_id
              WHERE m.capability_id = c.id AND j.deleted_at IS NULL ORDER BY j.id LIMIT 100) j)) ORDER BY c.id), '[]')
    FROM (SELECT c.id, c.name FROM capabilities c WHERE c.domain_id = d.id AND c.deleted_at IS NULL ORDER BY c.id LIMIT 100) c)
) ORDER BY d.id), '[]')::text
FROM (SELECT * FROM domains WHERE deleted_at IS NULL ORDER BY id LIMIT 100) d";

fn edges(v: &Value) -> Vec<Value> {
    v["edges"].as_array().cloned().unwrap_or_default()
}

fn nodes(v: &Value) -> Vec<Value> {
    v["nodes"].as_array().cloned().unwrap_or_default()
}

/// The GraphQL answer of AGENT_WALK in the SQL's shape.
fn agent_walk_shape(data: &Value) -> Value {
    Value::Array(
        edges(&data["agents"])
            .iter()
            .map(|e| {
                let a = &e["node"];
                json!({
                    "id": a["id"], "name": a["name"], "tenant": a["tenant"],
                    "prompts": edges(&a["prompts"]).iter().map(|p| json!({
                        "isPrimary": p["isPrimary"], "id": p["node"]["id"], "name": p["node"]["name"], "roleType": p["node"]["roleType"]
                    })).collect::<Vec<_>>(),
                    "knowledgeSources": edges(&a["knowledgeSources"]).iter().map(|k| json!({
                        "id": k["node"]["id"], "name": k["node"]["name"],
                        "chunks": edges(&k["node"]["knowledgeChunks"]).iter().map(|c| c["node"].clone()).collect::<Vec<_>>()
                    })).collect::<Vec<_>>(),
                    "industries": edges(&a["industries"]).iter().map(|i| i["node"].clone()).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

fn domain_shape(data: &Value) -> Value {
    Value::Array(
        nodes(&data["domains"])
            .iter()
            .map(|d| {
                json!({"id": d["id"], "name": d["name"], "capabilities": nodes(&d["capabilities"]).iter().map(|c| json!({
                    "id": c["id"], "name": c["name"], "jtbds": edges(&c["jobsToBeDone"]).iter().map(|j| json!({
                        "relevanceScore": j["relevanceScore"], "id": j["node"]["id"], "name": j["node"]["name"],
                        "personas": nodes(&j["node"]["personas"]).iter().map(|p| json!({
                            "id": p["id"], "name": p["name"], "roles": nodes(&p["roles"])
                        })).collect::<Vec<_>>()
                    })).collect::<Vec<_>>()
                })).collect::<Vec<_>>()})
            })
            .collect(),
    )
}

fn count_nested(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.len() + a.iter().map(count_nested).sum::<usize>(),
        Value::Object(o) => o.values().map(count_nested).sum(),
        _ => 0,
    }
}

#[tokio::test]
async fn the_agent_walk_matches_hand_written_sql_in_relation_levels_plus_one_statements() {
    let app = spawn_app().await;
    let response = app.platform(AGENT_WALK, json!({})).await;
    let ours = agent_walk_shape(&response["data"]);
    let expected: Value = serde_json::from_str(&app.db.scalar(AGENT_WALK_SQL).await).unwrap();
    assert_eq!(ours.as_array().unwrap().len(), 50);
    assert!(count_nested(&ours) > 500, "the walk should reach hundreds of nested rows, got {}", count_nested(&ours));
    assert_eq!(ours, expected);
    let statements = response["extensions"]["sqlStatements"].as_u64().unwrap();
    assert!(
        statements <= AGENT_WALK_RELATIONS + 1,
        "{statements} statements for {AGENT_WALK_RELATIONS} relation levels"
    );
}

#[tokio::test]
async fn the_domain_hierarchy_matches_hand_written_sql_in_relation_levels_plus_one_statements() {
    let app = spawn_app().await;
    let response = app.platform(DOMAIN_HIERARCHY, json!({})).await;
    let ours = domain_shape(&response["data"]);
    let expected: Value = serde_json::from_str(&app.db.scalar(DOMAIN_HIERARCHY_SQL).await).unwrap();
    assert!(!ours.as_array().unwrap().is_empty());
    assert!(count_nested(&ours) > 200, "the hierarchy should reach hundreds of rows, got {}", count_nested(&ours));
    assert_eq!(ours, expected);
    let statements = response["extensions"]["sqlStatements"].as_u64().unwrap();
    assert!(
        statements <= DOMAIN_HIERARCHY_RELATIONS + 1,
        "{statements} statements for {DOMAIN_HIERARCHY_RELATIONS} relation levels"
    );
}

#[tokio::test]
async fn statement_counts_agree_with_pg_stat_statements() {
    let app = spawn_app().await;
    app.db.reset_statement_stats().await;
    let response = app.platform(AGENT_WALK, json!({})).await;
    let reported = response["extensions"]["sqlStatements"].as_u64().unwrap();
    app.db.wait_for_transactions_to_end().await;
    // The gateway's data statements (they all select `… AS c0` or `count(*) AS n`), not the
    // transaction's own BEGIN/set_config/ROLLBACK.
    let counted: u64 = app
        .db
        .scalar(&format!(
            "SELECT coalesce(sum(calls), 0)::text FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
             WHERE d.datname = '{}' AND (query LIKE '%AS c0%' OR query LIKE '%count(*) AS n%')",
            app.db.name
        ))
        .await
        .parse()
        .unwrap();
    assert_eq!(counted, reported, "pg_stat_statements counted {counted}, the gateway reported {reported}");
}
