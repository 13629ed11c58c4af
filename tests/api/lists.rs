//! Filters, ordering and keyset pagination, against the equivalent SQL.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// Walks a list forward (first/after) or backward (last/before), returning ids in list order.
async fn walk(app: &TestApp, order: &str, page: usize, backward: bool) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let (size_arg, cursor_arg, more, next) = if backward {
            ("last", "before", "hasPreviousPage", "startCursor")
        } else {
            ("first", "after", "hasNextPage", "endCursor")
        };
        let q = format!(
            "query($c: String) {{ agents({size_arg}: {page}, {cursor_arg}: $c, orderBy: [{order}]) {{ edges {{ node {{ id }} }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"
        );
        let v = app.platform(&q, json!({ "c": cursor })).await;
        let conn = &v["data"]["agents"];
        let mut batch: Vec<String> =
            conn["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap().to_owned()).collect();
        if backward {
            batch.reverse();
        }
        ids.extend(batch);
        pages += 1;
        assert!(pages < 200, "pagination does not end");
        if !conn["pageInfo"][more].as_bool().unwrap() {
            break;
        }
        cursor = conn["pageInfo"][next].as_str().map(str::to_owned);
    }
    if backward {
        ids.reverse();
    }
    ids
}

#[tokio::test]
async fn walking_forward_and_backward_visits_every_row_exactly_once_in_order() {
    let app = spawn_app().await;
    for (order, sql_order) in [
        ("NAME_ASC", "name ASC, id"),
        // A nullable column descending: NULLs first, then values, ties on id.
        ("CATEGORY_DESC", "category DESC, id"),
        ("IS_PUBLIC_ASC, CREATED_AT_DESC", "is_public ASC, created_at DESC, id"),
    ] {
        let expected: Vec<String> = app
            .db
            .query_strings(&format!("SELECT id::text FROM agents WHERE deleted_at IS NULL ORDER BY {sql_order}"))
            .await
            .into_iter()
            .map(|r| r[0].clone())
            .collect();
        let forward = walk(&app, order, 17, false).await;
        assert_eq!(forward.len(), expected.len(), "{order}");
        assert_eq!(forward.iter().collect::<HashSet<_>>().len(), forward.len(), "{order}: a row was visited twice");
        assert_eq!(forward, expected, "forward walk in {order} order");
        let backward = walk(&app, order, 23, true).await;
        assert_eq!(backward, expected, "backward walk in {order} order");
    }
}

#[tokio::test]
async fn nested_lists_paginate_per_parent_in_sql() {
    let app = spawn_app().await;
    let q = "{ agents(first: 30) { nodes { id prompts(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } } }";
    let v = app.platform(q, json!({})).await;
    for a in v["data"]["agents"]["nodes"].as_array().unwrap() {
        let id = a["id"].as_str().unwrap();
        let expected: Vec<String> = app
            .db
            .query_strings(&format!(
                "SELECT p.id::text FROM agent_prompts ap JOIN prompts p ON p.id = ap.prompt_id WHERE ap.agent_id = '{id}' AND p.deleted_at IS NULL ORDER BY p.id"
            ))
            .await
            .into_iter()
            .map(|r| r[0].clone())
            .collect();
        let got: Vec<&str> =
            a["prompts"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap()).collect();
        assert_eq!(got, expected.iter().take(2).map(String::as_str).collect::<Vec<_>>());
        assert_eq!(a["prompts"]["totalCount"].as_i64().unwrap(), expected.len() as i64);
        assert_eq!(a["prompts"]["pageInfo"]["hasNextPage"].as_bool().unwrap(), expected.len() > 2);
        // The next page of this parent, from its own cursor.
        if expected.len() > 2 {
            let next = app
                .platform(
                    "query($id: UUID!, $c: String) { agent(id: $id) { prompts(first: 2, after: $c) { edges { node { id } } } } }",
                    json!({"id": id, "c": a["prompts"]["pageInfo"]["endCursor"]}),
                )
                .await;
            let got: Vec<&str> = next["data"]["agent"]["prompts"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap())
                .collect();
            assert_eq!(got, expected.iter().skip(2).take(2).map(String::as_str).collect::<Vec<_>>());
        }
    }
    // 30 parents, one statement for the agents and two for all their prompt pages and counts.
    assert_eq!(v["extensions"]["sqlStatements"], json!(3));
}

/// A page reads one row past its limit, only to tell whether another page follows. That row is
/// never written, and nothing below it is loaded: with `first: 0`, where every row read is a
/// look-ahead row, no statement runs below the page, in a parent's page or at the root.
#[tokio::test]
async fn a_pages_look_ahead_row_loads_nothing_below_it() {
    let app = spawn_app().await;
    let v = app
        .platform(
            "{ agents(first: 3, orderBy: [NAME_ASC]) { nodes { id knowledgeSources(first: 0) { nodes { id knowledgeChunks(first: 2) { nodes { id } } } } } } }",
            json!({}),
        )
        .await;
    for a in v["data"]["agents"]["nodes"].as_array().unwrap() {
        assert_eq!(a["knowledgeSources"]["nodes"], json!([]), "{v:#}");
    }
    assert_eq!(v["extensions"]["sqlStatements"], json!(2), "the agents and their (empty) source pages: {v:#}");

    // At the root too: `first: 0` reads one agent, to look ahead, and loads nothing for it.
    let v = app
        .platform(
            "{ agents(first: 0) { pageInfo { hasNextPage } nodes { id prompts(first: 5) { nodes { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(v["data"]["agents"]["nodes"], json!([]), "{v:#}");
    assert_eq!(v["data"]["agents"]["pageInfo"]["hasNextPage"], json!(true), "{v:#}");
    assert_eq!(v["extensions"]["sqlStatements"], json!(1), "the page alone: {v:#}");
}

/// `(filter, equivalent SQL predicate over agents a)`: one or more per column type.
fn agent_filters(sample: &Value) -> Vec<(Value, String)> {
    let id = sample["id"].as_str().unwrap();
    let name = sample["name"].as_str().unwrap();
    let tag = sample["tags"][0].as_str().unwrap_or("none");
    vec![
        (json!({"id": {"eq": id}}), format!("a.id = '{id}'")),
        (json!({"id": {"in": [id, "00000000-0000-0000-0000-00000000abcd"]}}), format!("a.id IN ('{id}')")),
        (json!({"name": {"eq": name}}), format!("a.name = '{}'", name.replace('\'', "''"))),
        (json!({"name": {"ilike": "%STRATEG%"}}), "a.name ILIKE '%STRATEG%'".into()),
        (json!({"name": {"startsWith": "Regulatory"}}), "a.name LIKE 'Regulatory%'".into()),
        (json!({"name": {"contains": "Medical"}}), "a.name LIKE '%Medical%'".into()),
        (json!({"name": {"gte": "M", "lt": "S"}}), "a.name >= 'M' AND a.name < 'S'".into()),
        (json!({"name": {"notIn": [name]}}), format!("a.name NOT IN ('{}')", name.replace('\'', "''"))),
        (json!({"status": {"eq": "ACTIVE"}}), "a.status = 'active'".into()),
        (json!({"status": {"in": ["ACTIVE", "TESTING"]}}), "a.status IN ('active', 'testing')".into()),
        (json!({"functionalArea": {"eq": "MEDICAL_AFFAIRS"}}), "a.functional_area = 'Medical Affairs'".into()),
        (json!({"isPublic": {"eq": true}}), "a.is_public".into()),
        (json!({"category": {"isNull": true}}), "a.category IS NULL".into()),
        (json!({"tenantId": {"eq": null}}), "a.tenant_id IS NULL".into()),
        (json!({"createdAt": {"gt": "2025-01-15T00:00:00Z"}}), "a.created_at > '2025-01-15T00:00:00Z'".into()),
        (json!({"version": {"gte": 2}}), "a.version >= 2".into()),
        (json!({"avgRating": {"gte": "4.0"}}), "a.avg_rating >= 4.0".into()),
        (json!({"tags": {"contains": [tag]}}), format!("a.tags @> ARRAY['{tag}']")),
        (json!({"tags": {"overlaps": [tag, "no-such-tag"]}}), format!("a.tags && ARRAY['{tag}', 'no-such-tag']")),
        (json!({"metadata": {"hasKey": "source"}}), "a.metadata ? 'source'".into()),
        (json!({"or": [{"isPublic": {"eq": false}}, {"status": {"eq": "DEPRECATED"}}]}), "(NOT a.is_public OR a.status = 'deprecated')".into()),
        (json!({"not": {"isPublic": {"eq": true}}}), "NOT a.is_public".into()),
        (json!({"and": [{"isPublic": {"eq": true}}, {"name": {"ilike": "%a%"}}]}), "a.is_public AND a.name ILIKE '%a%'".into()),
        (
            json!({"prompts": {"some": {"roleType": {"eq": "SYSTEM"}}}}),
            "EXISTS (SELECT 1 FROM agent_prompts ap JOIN prompts p ON p.id = ap.prompt_id WHERE ap.agent_id = a.id AND p.deleted_at IS NULL AND p.role_type = 'system')".into(),
        ),
        (
            json!({"prompts": {"none": {"roleType": {"eq": "EXAMPLE"}}}}),
            "NOT EXISTS (SELECT 1 FROM agent_prompts ap JOIN prompts p ON p.id = ap.prompt_id WHERE ap.agent_id = a.id AND p.deleted_at IS NULL AND p.role_type = 'example')".into(),
        ),
        (json!({"tenant": {"slug": {"eq": "acme-pharma"}}}), "EXISTS (SELECT 1 FROM tenants t WHERE t.id = a.tenant_id AND t.slug = 'acme-pharma')".into()),
    ]
}

#[tokio::test]
async fn filters_on_every_column_type_return_what_sql_returns() {
    let app = spawn_app().await;
    let sample = app.platform("{ agents(first: 1, filter: { tags: { isNull: false } }, orderBy: [NAME_DESC]) { nodes { id name tags } } }", json!({})).await;
    let sample = sample["data"]["agents"]["nodes"][0].clone();
    let mut non_trivial = 0;
    for (filter, predicate) in agent_filters(&sample) {
        let v = app
            .platform(
                "query($f: AgentFilter) { agents(filter: $f, first: 100) { totalCount nodes { id } } }",
                json!({ "f": filter }),
            )
            .await;
        let got: Vec<String> = v["data"]["agents"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect();
        let sql = format!("SELECT a.id::text FROM agents a WHERE a.deleted_at IS NULL AND ({predicate}) ORDER BY a.id");
        let expected: Vec<String> = app.db.query_strings(&sql).await.into_iter().map(|r| r[0].clone()).collect();
        assert_eq!(v["data"]["agents"]["totalCount"].as_u64().unwrap() as usize, expected.len(), "{filter}");
        assert_eq!(got, expected.into_iter().take(100).collect::<Vec<_>>(), "{filter}");
        if !got.is_empty() && got.len() < 254 {
            non_trivial += 1;
        }
    }
    assert!(
        non_trivial >= 18,
        "too many filters matched nothing or everything ({non_trivial}): the test would prove little"
    );
}

#[tokio::test]
async fn jtbds_of_a_given_capability_by_relation_filter() {
    let app = spawn_app().await;
    let cap = app
        .db
        .scalar("SELECT capability_id::text FROM capability_jtbd_mapping GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
        .await;
    let v = app
        .platform(
            "query($c: UUID!) { jobsToBeDone(first: 100, filter: { capabilities: { some: { id: { eq: $c } } } }) { totalCount } }",
            json!({ "c": cap }),
        )
        .await;
    let expected = app
        .db
        .scalar(&format!(
            "SELECT count(*)::text FROM jobs_to_be_done j WHERE j.deleted_at IS NULL AND EXISTS (SELECT 1 FROM capability_jtbd_mapping m WHERE m.jtbd_id = j.id AND m.capability_id = '{cap}')"
        ))
        .await;
    assert_eq!(v["data"]["jobsToBeDone"]["totalCount"].to_string(), expected);
}
