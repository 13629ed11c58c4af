//! Search: vector retrieval over knowledge chunks (HNSW), hybrid retrieval, text search over the
//! registry, the `search:` list argument, the embedding provider, tenant scoping and bad input.

use std::collections::HashSet;

use registry_gateway::catalog::Catalog;
use registry_gateway::plan::search::{KnowledgeFilter, KnowledgeVisibility};
use registry_gateway::search::vector::{KnowledgeQuery, hits_statement};
use registry_gateway::tenancy::{Reach, Scope};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::{Value, json};

use crate::fake_embeddings;
use crate::helpers::{TestApp, TestDb, fetch_of, spawn_app, spawn_app_with, test_settings, token};

/// Acme Pharmaceuticals (as in the leak test).
const A: &str = "22222222-2222-2222-2222-222222222222";

const KNOWLEDGE: &str = "query($e: [Float!], $t: String, $first: Int, $min: Float, $f: KnowledgeSearchFilter) {
  searchKnowledge(embedding: $e, text: $t, first: $first, minScore: $min, filter: $f) {
    score chunk { id sourceId content } source { id tenantId isPublic category title }
  }
}";

/// `(chunk id, source id, embedding)` of stored chunks, `n` of them spread over the table.
async fn stored_chunks(db: &TestDb, n: usize) -> Vec<(String, String, Vec<f64>)> {
    db.query_strings(&format!(
        "SELECT c.id::text, c.source_id::text, c.embedding::text FROM knowledge_chunks c
         JOIN knowledge_sources s ON s.id = c.source_id
         WHERE c.embedding IS NOT NULL AND s.deleted_at IS NULL ORDER BY md5(c.id::text) LIMIT {n}"
    ))
    .await
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone(), serde_json::from_str(&r[2]).unwrap()))
    .collect()
}

fn hits(v: &Value) -> &Vec<Value> {
    v["data"]["searchKnowledge"].as_array().unwrap_or_else(|| panic!("no hits: {v:#}"))
}

fn code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("no error code: {v:#}"))
}

async fn knowledge(app: &TestApp, vars: Value, tok: Option<&str>) -> Value {
    app.graphql(KNOWLEDGE, vars, tok).await
}

/// The same against another gateway (at `address`) over the same database.
async fn knowledge_at(app: &TestApp, address: &str, vars: Value, tok: Option<&str>) -> Value {
    let mut req = app.client.post(format!("{address}/graphql")).json(&json!({"query": KNOWLEDGE, "variables": vars}));
    if let Some(t) = tok {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap().json().await.unwrap()
}

fn platform_token() -> String {
    token(crate::helpers::PLATFORM_TENANT, "owner")
}

#[tokio::test]
async fn vector_search_ranks_by_score_finds_the_chunk_itself_and_filters_restrict() {
    let app = spawn_app().await;
    let tok = platform_token();
    let chunks = stored_chunks(&app.db, 3).await;
    let (id, source, e) = &chunks[0];
    let v = knowledge(&app, json!({"e": e, "first": 20}), Some(&tok)).await;
    let h = hits(&v);
    assert_eq!(h.len(), 20, "{v:#}");
    assert_eq!(&h[0]["chunk"]["id"], id, "the nearest chunk to a stored vector is itself");
    assert!(h[0]["score"].as_f64().unwrap() > 0.999);
    let scores: Vec<f64> = h.iter().map(|x| x["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ordered by score: {scores:?}");
    for x in h {
        assert_eq!(x["chunk"]["sourceId"], x["source"]["id"]);
    }
    // The ranking and its hits' chunks and sources are one statement.
    assert_eq!(v["extensions"]["sqlStatements"], json!(1), "{v:#}");

    // sourceIds: only that source's chunks (the filtered search still fills the page when it can).
    let in_source: usize = app
        .db
        .scalar(&format!("SELECT count(*)::text FROM knowledge_chunks WHERE source_id = '{source}'"))
        .await
        .parse()
        .unwrap();
    let v = knowledge(&app, json!({"e": e, "first": 5, "f": {"sourceIds": [source]}}), Some(&tok)).await;
    assert_eq!(hits(&v).len(), in_source.min(5), "{v:#}");
    assert!(hits(&v).iter().all(|x| &x["source"]["id"] == source));

    // category
    let category =
        app.db.scalar("SELECT category FROM knowledge_sources WHERE category IS NOT NULL ORDER BY id LIMIT 1").await;
    let v = knowledge(&app, json!({"e": e, "first": 10, "f": {"category": category}}), Some(&tok)).await;
    assert!(!hits(&v).is_empty(), "{v:#}");
    assert!(hits(&v).iter().all(|x| x["source"]["category"] == json!(category)));

    // industryIds
    let industry = app.db.scalar("SELECT industry_id::text FROM knowledge_industry_mapping ORDER BY id LIMIT 1").await;
    let mapped: HashSet<String> = app
        .db
        .query_strings(&format!(
            "SELECT knowledge_source_id::text FROM knowledge_industry_mapping WHERE industry_id = '{industry}'"
        ))
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let v = knowledge(&app, json!({"e": e, "first": 10, "f": {"industryIds": [industry]}}), Some(&tok)).await;
    assert!(!hits(&v).is_empty(), "{v:#}");
    for x in hits(&v) {
        assert!(mapped.contains(x["source"]["id"].as_str().unwrap()), "{x}");
    }

    // minScore cuts
    let v = knowledge(&app, json!({"e": e, "first": 20, "min": 0.999}), Some(&tok)).await;
    assert!(!hits(&v).is_empty());
    assert!(hits(&v).iter().all(|x| x["score"].as_f64().unwrap() >= 0.999), "{v:#}");
    assert!(hits(&v).len() < 20);

    // Per-parent retrieval: KnowledgeSource.similarChunks and Agent.knowledgeSearch.
    let q = "query($id: UUID!, $e: [Float!]) { knowledgeSource(id: $id) { similarChunks(embedding: $e, first: 3) { score chunk { id sourceId } } } }";
    let v = app.platform(q, json!({"id": source, "e": e})).await;
    let sc = v["data"]["knowledgeSource"]["similarChunks"].as_array().unwrap();
    assert_eq!(&sc[0]["chunk"]["id"], id);
    assert!(sc.iter().all(|x| &x["chunk"]["sourceId"] == source));
    let agent = app.db.scalar("SELECT agent_id::text FROM agent_knowledge ORDER BY id LIMIT 1").await;
    let linked: HashSet<String> = app
        .db
        .query_strings(&format!("SELECT knowledge_source_id::text FROM agent_knowledge WHERE agent_id = '{agent}'"))
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let q = "query($id: UUID!, $e: [Float!]) { agent(id: $id) { knowledgeSearch(embedding: $e, first: 10) { source { id } chunk { id } } } }";
    let v = app.platform(q, json!({"id": agent, "e": e})).await;
    let ks = v["data"]["agent"]["knowledgeSearch"].as_array().unwrap();
    assert!(!ks.is_empty(), "{v:#}");
    assert!(ks.iter().all(|x| linked.contains(x["source"]["id"].as_str().unwrap())));
}

fn perturbed(e: &[f64], seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut v: Vec<f32> = e
        .iter()
        .map(|&x| {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let noise = ((s >> 33) as f64 / f64::from(1u32 << 31) - 0.5) * 0.02;
            (x + noise) as f32
        })
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    for x in &mut v {
        *x /= norm;
    }
    v
}

fn literal(v: &[f32]) -> String {
    format!("[{}]", v.iter().map(ToString::to_string).collect::<Vec<_>>().join(","))
}

#[tokio::test]
async fn the_statement_uses_the_hnsw_index_and_recall_at_10_is_above_095() {
    let app = spawn_app().await;
    let db = &app.db;
    let catalog = Catalog::from_entities();
    let chunks = stored_chunks(db, 20).await;
    let total: i64 = db.scalar("SELECT count(*)::text FROM knowledge_chunks").await.parse().unwrap();

    // EXPLAIN of the gateway's own search statement (scoped to a tenant).
    let q = KnowledgeQuery {
        embedding: perturbed(&chunks[0].2, 1),
        hybrid_text: None,
        first: 10,
        min_score: None,
        filter: KnowledgeFilter::default(),
    };
    let scope = Scope::Tenant {
        tenant: A.parse().unwrap(),
        visible: Reach::Tenants(vec![A.parse().unwrap()]),
        private: vec![],
        shared_assets: vec![],
    };
    let chunk = fetch_of(&catalog, "knowledge_chunks", &["id", "chunk_index"]);
    let source = fetch_of(&catalog, "knowledge_sources", &["id", "name"]);
    let sql = hits_statement(&catalog, &KnowledgeVisibility::of(&catalog, &scope), &q, &chunk, &source).unwrap();
    let tx = db.conn.begin().await.unwrap();
    // At scale 1 (~{total} chunks) a sequential scan and sort costs less than the index, so the planner
    // is told sequential and bitmap scans are expensive; at scale 10 it picks the index by itself (vector_index.rs).
    if total < 5000 {
        tx.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
        tx.execute_unprepared("SET LOCAL enable_bitmapscan = off").await.unwrap();
    }
    let plan = tx
        .query_all_raw(Statement::from_sql_and_values(
            db.conn.get_database_backend(),
            format!("EXPLAIN {}", sql.text),
            sql.params,
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    tx.rollback().await.unwrap();
    assert!(plan.contains("knowledge_chunks_embedding_hnsw"), "{plan}");

    // Recall@10 against exact brute force, 20 perturbed stored vectors, and a timing of the API.
    let t = platform_token();
    let (mut found, mut wanted) = (0usize, 0usize);
    let mut times = Vec::new();
    for (i, (_, _, e)) in chunks.iter().enumerate() {
        let qv = perturbed(e, i as u64 + 7);
        let tx = db.conn.begin().await.unwrap();
        tx.execute_unprepared("SET LOCAL enable_indexscan = off").await.unwrap();
        let exact: HashSet<String> = tx
            .query_all_raw(Statement::from_string(
                db.conn.get_database_backend(),
                format!(
                    "SELECT c.id::text FROM knowledge_chunks c JOIN knowledge_sources s ON s.id = c.source_id
                     WHERE c.embedding IS NOT NULL AND s.deleted_at IS NULL
                     ORDER BY c.embedding <=> '{}'::vector LIMIT 10",
                    literal(&qv)
                ),
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect();
        tx.rollback().await.unwrap();
        let started = std::time::Instant::now();
        let v = knowledge(&app, json!({"e": qv, "first": 10}), Some(&t)).await;
        times.push(started.elapsed());
        let got: HashSet<String> = hits(&v).iter().map(|x| x["chunk"]["id"].as_str().unwrap().to_owned()).collect();
        wanted += exact.len();
        found += exact.intersection(&got).count();
    }
    let recall = found as f64 / wanted as f64;
    times.sort();
    eprintln!(
        "recall@10 = {recall:.3} over {} queries, {total} chunks; p50 searchKnowledge = {:?}",
        chunks.len(),
        times[times.len() / 2]
    );
    assert!(recall >= 0.95, "recall@10 = {recall}");
}

/// Registry rows visible to tenant A: shared, public, A's subtree, or shared to A.
async fn visible_sources(db: &TestDb) -> HashSet<String> {
    db.query_strings(&format!(
        "WITH RECURSIVE sub(id) AS (SELECT '{A}'::uuid UNION ALL SELECT t.id FROM tenants t JOIN sub ON t.parent_tenant_id = sub.id)
         SELECT s.id::text FROM knowledge_sources s WHERE s.deleted_at IS NULL AND (s.tenant_id IS NULL OR s.is_public
           OR s.tenant_id IN (SELECT id FROM sub)
           OR s.id IN (SELECT asset_id FROM asset_sharing WHERE '{A}' = ANY (shared_with_tenant_ids)))"
    ))
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

#[tokio::test]
async fn searches_are_tenant_scoped() {
    let app = spawn_app().await;
    let db = &app.db;
    let visible = visible_sources(db).await;
    // Query vectors from chunks of sources A may NOT see: their nearest neighbours are those chunks.
    let hidden = db
        .query_strings(
            "SELECT c.embedding::text FROM knowledge_chunks c JOIN knowledge_sources s ON s.id = c.source_id
             WHERE c.embedding IS NOT NULL AND s.tenant_id IS NOT NULL AND NOT s.is_public ORDER BY c.id",
        )
        .await;
    let hidden: Vec<Vec<f64>> = hidden.iter().map(|r| serde_json::from_str(&r[0]).unwrap()).collect::<Vec<_>>();
    assert!(!hidden.is_empty());
    let a = token(A, "owner");
    let mut checked = 0;
    for e in hidden.iter().step_by((hidden.len() / 8).max(1)).take(8) {
        for (tok, anonymous) in [(Some(a.as_str()), false), (None, true)] {
            let v = knowledge(&app, json!({"e": e, "first": 50}), tok).await;
            for x in hits(&v) {
                let id = x["source"]["id"].as_str().unwrap();
                if anonymous {
                    assert!(x["source"]["tenantId"].is_null() || x["source"]["isPublic"] == json!(true), "{x}");
                } else {
                    assert!(visible.contains(id), "tenant A reached source {id}: {x}");
                }
                checked += 1;
            }
            // Hybrid and text search go through the same scoping.
            let v = knowledge(&app, json!({"e": e, "t": "clinical regulatory", "first": 50}), tok).await;
            for x in hits(&v) {
                if !anonymous {
                    assert!(visible.contains(x["source"]["id"].as_str().unwrap()), "{x}");
                }
            }
        }
    }
    assert!(checked > 0);
    let q = "{ search(query: \"clinical\", types: [KNOWLEDGE_SOURCE], first: 100) { hit { ... on KnowledgeSource { id tenantId isPublic } } } }";
    let v = app.graphql(q, json!({}), Some(&a)).await;
    let found = v["data"]["search"].as_array().unwrap_or_else(|| panic!("{v:#}"));
    assert!(found.iter().all(|h| visible.contains(h["hit"]["id"].as_str().unwrap())), "{v:#}");
    let v = app.graphql(q, json!({}), None).await;
    for h in v["data"]["search"].as_array().unwrap() {
        assert!(h["hit"]["tenantId"].is_null() || h["hit"]["isPublic"] == json!(true), "{h}");
    }
}

const SEARCH: &str = "query($q: String!, $types: [SearchType!], $first: Int) {
  search(query: $q, types: $types, first: $first) {
    rank snippet typeName hit { __typename ... on Agent { id name } ... on JobToBeDone { id name } }
  }
}";

/// A long word of `name` (lowercase) to misspell and cut.
fn long_word(name: &str) -> String {
    name.split(|c: char| !c.is_alphabetic()).max_by_key(|w| w.len()).unwrap().to_lowercase()
}

#[tokio::test]
async fn text_search_finds_misspelt_names_and_prefixes_and_exact_names_rank_first() {
    let app = spawn_app().await;
    for (table, ty, typename) in [("agents", "AGENT", "Agent"), ("jobs_to_be_done", "JTBD", "JobToBeDone")] {
        let name = app
            .db
            .scalar(&format!(
                "SELECT name FROM {table} WHERE deleted_at IS NULL AND length(name) > 12 ORDER BY md5(id::text) LIMIT 1"
            ))
            .await;
        let word = long_word(&name);
        assert!(word.len() >= 7, "{name}");
        // Misspelt: drop one inner letter.
        let misspelt = format!("{}{}", &word[..word.len() / 2], &word[word.len() / 2 + 1..]);
        let prefix = &word[..word.len() - 3];
        for q in [misspelt.as_str(), prefix] {
            let v = app.platform(SEARCH, json!({"q": q, "types": [ty], "first": 100})).await;
            let names: Vec<&str> =
                v["data"]["search"].as_array().unwrap().iter().map(|h| h["hit"]["name"].as_str().unwrap()).collect();
            assert!(
                names.iter().any(|n| n.to_lowercase().contains(&word)),
                "{q:?} (from {name:?}) found nothing containing {word:?}: {names:?}"
            );
            assert!(v["data"]["search"].as_array().unwrap().iter().all(|h| h["typeName"] == typename));
        }
        let v = app.platform(SEARCH, json!({"q": name.to_uppercase(), "first": 10})).await;
        let top = &v["data"]["search"][0];
        assert_eq!(top["hit"]["name"], json!(name), "{v:#}");
        assert_eq!(top["hit"]["__typename"], json!(typename));
        assert!(top["rank"].as_f64().unwrap() > 10.0);
        let snippets: Vec<&str> =
            v["data"]["search"].as_array().unwrap().iter().map(|h| h["snippet"].as_str().unwrap()).collect();
        assert!(snippets.iter().any(|s| s.contains("<b>")), "{snippets:?}");
    }
}

#[tokio::test]
async fn hybrid_search_fuses_text_and_vector_rankings() {
    let app = spawn_app().await;
    let t = platform_token();
    let chunks = stored_chunks(&app.db, 1).await;
    let e = &chunks[0].2;
    let vector = knowledge(&app, json!({"e": e, "first": 10}), Some(&t)).await;
    // A word of a chunk far from the query vector.
    let word = app
        .db
        .scalar(
            "SELECT w FROM (SELECT regexp_split_to_table(lower(content), '[^a-z]+') AS w FROM knowledge_chunks ORDER BY id DESC LIMIT 200) x
             WHERE length(w) > 8 GROUP BY w ORDER BY count(*), w LIMIT 1",
        )
        .await;
    let hybrid = knowledge(&app, json!({"e": e, "t": word, "first": 10}), Some(&t)).await;
    let ids = |v: &Value| hits(v).iter().map(|x| x["chunk"]["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert!(!hits(&hybrid).is_empty(), "{hybrid:#}");
    assert_ne!(ids(&vector), ids(&hybrid), "text changes the ranking");
    assert!(hits(&hybrid).iter().any(|x| x["chunk"]["content"].as_str().unwrap().to_lowercase().contains(&word)));
    let scores: Vec<f64> = hits(&hybrid).iter().map(|x| x["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]));
    assert!(scores[0] <= 2.0 / 61.0 + 1e-9, "RRF scores: {scores:?}");
    assert_eq!(hybrid["extensions"]["sqlStatements"], json!(1), "{hybrid:#}");
    for x in hits(&hybrid) {
        assert_eq!(x["chunk"]["sourceId"], x["source"]["id"]);
    }
}

#[tokio::test]
async fn text_only_search_needs_a_provider_and_uses_it() {
    let app = spawn_app().await;
    let t = platform_token();
    let v = knowledge(&app, json!({"t": "adverse events"}), Some(&t)).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("REGISTRY_EMBEDDING_URL"), "{v:#}");

    // A provider answering with a stored chunk's embedding: that chunk is the top hit.
    let chunks = stored_chunks(&app.db, 1).await;
    let (id, _, e) = chunks[0].clone();
    let url = fake_embeddings::serve(e);
    let mut settings = test_settings();
    settings.embedding_url = Some(format!("{url}/v1/embeddings"));
    settings.embedding_key = Some(registry_gateway::config::Secret::new(fake_embeddings::KEY.to_owned()));
    let address = crate::helpers::serve(&app.db, &settings).await;
    let v = knowledge_at(&app, &address, json!({"t": "adverse events", "first": 3}), Some(&t)).await;
    assert_eq!(hits(&v)[0]["chunk"]["id"], json!(id), "{v:#}");
    // The provider answering with the wrong dimension: INTERNAL, no internals.
    let v = knowledge_at(&app, &address, json!({"t": fake_embeddings::SHORT}), Some(&t)).await;
    assert_eq!(code(&v), "INTERNAL", "{v:#}");
    assert!(!v["errors"][0]["message"].as_str().unwrap().contains("1536"));
    // A wrong key: the provider refuses, INTERNAL.
    settings.embedding_key = Some(registry_gateway::config::Secret::new("wrong".to_owned()));
    let wrong = crate::helpers::serve(&app.db, &settings).await;
    let v = knowledge_at(&app, &wrong, json!({"t": "adverse events"}), Some(&t)).await;
    assert_eq!(code(&v), "INTERNAL", "{v:#}");
}

#[tokio::test]
async fn bad_input_is_bad_user_input() {
    let app = spawn_app_with(test_settings()).await;
    let t = platform_token();
    let mut e = vec![0.0_f64; 1536];
    for (vars, needle) in [
        (json!({"e": [0.1, 0.2, 0.3]}), "`embedding` has 3 numbers; 1536 are required"),
        (json!({"e": []}), "`embedding` is empty"),
        (json!({"e": e.clone(), "t": ""}), "`text` is empty"),
        (json!({"e": e.clone(), "t": "x".repeat(100_000)}), "at most 10240"),
        (json!({}), "give `embedding`, `text`, or both"),
        (json!({"e": e.clone(), "first": 100_000}), "`first`"),
    ] {
        let v = knowledge(&app, vars, Some(&t)).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
        assert!(v["errors"][0]["message"].as_str().unwrap().contains(needle), "{needle}: {v:#}");
    }
    // Beyond single precision: not a finite number.
    e[7] = 1e39;
    let v = knowledge(&app, json!({"e": e}), Some(&t)).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("`embedding[7]` is not a finite number"), "{v:#}");
    // JSON has no NaN: null and string elements fail validation with the same code; 1e400 in the
    // query text is infinite.
    for bad in [json!(null), json!("NaN")] {
        let mut e = vec![json!(0.0); 1536];
        e[3] = bad;
        let v = knowledge(&app, json!({"e": e}), Some(&t)).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
    }
    let inline = format!("{{ searchKnowledge(embedding: [1e400{}]) {{ score }} }}", ", 0.0".repeat(1535));
    let v = app.graphql(&inline, json!({}), Some(&t)).await;
    // Refused before any statement, as bad input.
    assert!(v["data"].is_null(), "{v:#}");
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");

    for (q, needle) in [("", "`query` is empty"), (" ", "`query` is empty")] {
        let v = app.graphql(SEARCH, json!({"q": q}), Some(&t)).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
        assert!(v["errors"][0]["message"].as_str().unwrap().contains(needle));
    }
    let v = app.graphql(SEARCH, json!({"q": "y".repeat(100_000)}), Some(&t)).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
    let v = app.graphql("{ agents(search: \"\") { totalCount } }", json!({}), Some(&t)).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v:#}");
}

#[tokio::test]
async fn the_search_argument_composes_with_filter_and_pagination() {
    let app = spawn_app().await;
    let q = "query($after: String) { agents(search: \"regulatory\", filter: { status: { eq: ACTIVE } }, first: 5, after: $after, orderBy: [NAME_ASC]) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id name } } }";
    let expected: Vec<String> = app
        .db
        .query_strings(
            "SELECT id::text FROM agents WHERE deleted_at IS NULL AND status = 'active'
             AND (to_tsvector('english', name || ' ' || coalesce(description, '')) @@ websearch_to_tsquery('english', 'regulatory')
                  OR name % 'regulatory' OR 'regulatory' <% name)
             ORDER BY name, id",
        )
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert!(expected.len() > 5, "the demo data should have more than a page of regulatory agents: {}", expected.len());
    let mut got = Vec::new();
    let mut after = Value::Null;
    loop {
        let v = app.platform(q, json!({"after": after})).await;
        let agents = &v["data"]["agents"];
        assert_eq!(agents["totalCount"], json!(expected.len()));
        got.extend(agents["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()));
        if agents["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = agents["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(got, expected);
    // And on a relation list.
    let v = app
        .platform(
            "{ tenants(first: 3) { nodes { agents(search: \"regulatory\", first: 2) { nodes { name } } } } }",
            json!({}),
        )
        .await;
    assert!(v["data"]["tenants"]["nodes"].is_array());
}

/// `Agent.knowledgeSearch` under a page of agents is one statement per agent, all sent in the
/// level's round trip, and each agent's hits are the ones its own search finds.
#[tokio::test]
async fn a_per_parent_search_answers_as_each_parents_own_search() {
    let app = spawn_app().await;
    let chunks = stored_chunks(&app.db, 1).await;
    let e = &chunks[0].2;
    let page = "query($e: [Float!]) { agents(first: 6, orderBy: [NAME_ASC]) { nodes { id
        knowledgeSearch(embedding: $e, first: 3) { score chunk { id sourceId } source { id name } } } } }";
    let v = app.platform(page, json!({"e": e})).await;
    let agents = v["data"]["agents"]["nodes"].as_array().unwrap();
    assert_eq!(agents.len(), 6, "{v:#}");
    let alone = app.platform("{ agents(first: 6, orderBy: [NAME_ASC]) { nodes { id } } }", json!({})).await;
    let page_statements = alone["extensions"]["sqlStatements"].as_u64().unwrap();
    assert_eq!(v["extensions"]["sqlStatements"], json!(page_statements + 6), "one search per agent: {v:#}");
    let one = "query($id: UUID!, $e: [Float!]) { agent(id: $id) {
        knowledgeSearch(embedding: $e, first: 3) { score chunk { id sourceId } source { id name } } } }";
    let mut with_hits = 0;
    for a in agents {
        let alone = app.platform(one, json!({"id": a["id"], "e": e})).await;
        assert_eq!(a["knowledgeSearch"], alone["data"]["agent"]["knowledgeSearch"], "agent {}", a["id"]);
        with_hits += usize::from(!a["knowledgeSearch"].as_array().unwrap().is_empty());
    }
    assert!(with_hits > 0, "no agent of the page has knowledge to search: {v:#}");
}
