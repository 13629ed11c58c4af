//! The gateway behind a real PgBouncer in transaction pooling mode, as hosted PostgreSQL is usually
//! reached (PgBouncer, Supabase's Supavisor): every transaction may get another server connection.
//!
//! Why: each request's tenant context (`app.*`, the reader role, the statement timeout) lives in its
//! read-only transaction (`src/execute/session.rs`). A setting that outlived its transaction, or a
//! statement that needed the same server connection twice, would show here and not against a
//! direct connection. The pooler is PgBouncer from Debian (1.18 on bookworm, installed by
//! `.ci/run`), which does not track named prepared statements in transaction mode, so the gateway
//! runs with `prepared_statements = false` behind it. (Written, this test found the gateway did not
//! even start behind it: SeaORM's named statements outside requests; see `src/database.rs`.)
//!
//! The tests start PgBouncer as a child (a generated config and auth file in a temporary folder,
//! `pool_mode = transaction`, two server connections under a gateway pool of twelve client
//! connections) in front of the test server, and fail — never skip — when it cannot run.

use std::fs;
use std::path::PathBuf;
use std::process::Child;
use std::time::Instant;

use registry_gateway::catalog::Catalog;
use registry_gateway::config::{GraphqlSettings, TenantScoping};
use registry_gateway::database;
use sea_orm::sqlx::{self, Connection as _, Row as _};
use serde_json::{Value, json};

use crate::canonical_queries::{AGENT_WALK, DOMAIN_HIERARCHY};
use crate::helpers::{PLATFORM_TENANT, TestDb, seeded_database, serve, simple_query_column, test_settings, token};
use crate::processes::{readable_scratch_dir, start_pgbouncer};
use crate::tenancy_leaks::{self, MODES};

/// Server connections PgBouncer keeps per database and user: fewer than the gateway's client
/// connections, so each server connection serves several client connections in turn, and one
/// client connection's transactions move between server connections.
const SERVER_CONNECTIONS: u32 = 2;
/// The gateway's pool behind PgBouncer (client connections to PgBouncer): more than the eight
/// operations the gateway executes at once, so a request never waits for the pool (which gives up
/// after 10 s) but for PgBouncer, in line for one of its two server connections.
const GATEWAY_CONNECTIONS: u32 = 12;

/// A PgBouncer child process and its folder; dropping it kills the process and removes the folder.
struct PgBouncer {
    child: Child,
    dir: PathBuf,
    port: u16,
    /// The role PgBouncer logs in as (the test server's user), also its admin console user.
    user: String,
}

/// `%XX` escapes of a URL's user or password, decoded.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex =
            (bytes[i] == b'%').then(|| s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())).flatten();
        if let Some(b) = hex {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl PgBouncer {
    /// Starts PgBouncer in transaction mode in front of the server and database of `db_url`, and
    /// waits until it accepts connections. Panics, with PgBouncer's log, when it cannot.
    fn start(db_url: &str) -> Self {
        let url = reqwest::Url::parse(db_url).unwrap_or_else(|e| panic!("cannot parse the test database URL: {e}"));
        let host = url.host_str().unwrap_or("127.0.0.1").to_owned();
        let server_port = url.port().unwrap_or(5432);
        let user = percent_decode(url.username());
        let user = if user.is_empty() { "postgres".to_owned() } else { user };
        let password = url.password().map(percent_decode).unwrap_or_default();
        let db = url.path().trim_start_matches('/').to_owned();

        let dir = readable_scratch_dir("pgbouncer");
        let (child, port) = start_pgbouncer(
            &dir,
            &format!("{db} = host={host} port={server_port} dbname={db} user={user}"),
            &user,
            &password,
            &format!(
                "pool_mode = transaction\n\
                 default_pool_size = {SERVER_CONNECTIONS}\n\
                 min_pool_size = 0\n\
                 reserve_pool_size = 0\n"
            ),
        );
        Self { child, dir, port, user }
    }

    /// The URL of database `db` through PgBouncer.
    fn url(&self, db: &str) -> String {
        format!("postgres://{}@127.0.0.1:{}/{db}", self.user, self.port)
    }

    /// `db`, reached through PgBouncer by a gateway pool of [`GATEWAY_CONNECTIONS`].
    async fn test_db(&self, db: &TestDb) -> TestDb {
        let url = self.url(&db.name);
        let conn = database::connect(&url, GATEWAY_CONNECTIONS)
            .await
            .unwrap_or_else(|e| panic!("cannot connect through PgBouncer: {e}"));
        db.alias(url, conn)
    }

    /// Client and server connections of `db`'s pool, from the admin console's `SHOW POOLS`.
    async fn pool_connections(&self, db: &str) -> (u32, u32) {
        let mut admin = sqlx::PgConnection::connect(&self.url("pgbouncer"))
            .await
            .unwrap_or_else(|e| panic!("cannot reach PgBouncer's admin console: {e}"));
        let rows = sqlx::raw_sql(sqlx::AssertSqlSafe("SHOW POOLS")).fetch_all(&mut admin).await.expect("SHOW POOLS");
        let _ = admin.close().await;
        let row = rows
            .iter()
            .find(|r| r.try_get_unchecked::<String, _>("database").is_ok_and(|d| d == db))
            .unwrap_or_else(|| panic!("SHOW POOLS has no pool for {db}"));
        let count = |columns: &[&str]| -> u32 {
            columns
                .iter()
                .map(|c| row.try_get_unchecked::<String, _>(*c).ok().and_then(|v| v.parse::<u32>().ok()).unwrap_or(0))
                .sum()
        };
        (count(&["cl_active", "cl_waiting"]), count(&["sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login"]))
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Whether a query reads `audit_log`, which the gateway itself appends to while the tests run (every
/// read of private data is audited), so its answers legitimately change from one run to the next.
fn reads_audit_log(catalog: &Catalog, query: &str) -> bool {
    let audit = catalog.tables.iter().position(|t| t.name == "audit_log").expect("audit_log in the catalog");
    let table = &catalog.tables[audit];
    let mut fields = vec![table.list_field.as_str(), table.single_field.as_str()];
    fields.extend(catalog.relations.iter().filter(|r| r.target == audit).map(|r| r.field.as_str()));
    query.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').any(|word| fields.contains(&word))
}

/// The generated leak probes hold through PgBouncer, and each answers what it answers over a direct
/// connection (bar the probes reading the audit log, which grows as the probes run), with both
/// layers on and with row-level security alone. "RLS only" is the mode where a tenant context or
/// role left on a server connection by another transaction would show as a leak; with both layers,
/// another tenant's context would hide rows and show as a different answer. "Gateway only" is left
/// to `tenancy_leaks.rs`: there the SQL's own parameters scope the rows, not the transaction's
/// settings, and each run of the 2,200 probes costs about a minute.
#[tokio::test]
async fn leak_probes_hold_through_pgbouncer_and_answer_as_directly() {
    let started = Instant::now();
    let db = seeded_database().await;
    let set = tenancy_leaks::leak_probes(&db).await;
    let bouncer = PgBouncer::start(&db.url);
    let pooled = bouncer.test_db(&db).await;
    let catalog = Catalog::from_entities();
    let compared: Vec<bool> = set.queries().map(|q| !reads_audit_log(&catalog, q)).collect();
    for (mode, scoping) in MODES.into_iter().filter(|(_, s)| *s != TenantScoping::Gateway) {
        let mut settings = tenancy_leaks::probe_settings(scoping);
        settings.prepared_statements = false;
        let direct = tenancy_leaks::run_probes(&serve(&db, &settings).await, &set, mode).await;
        let label = format!("{mode}, through PgBouncer");
        let through = tenancy_leaks::run_probes(&serve(&pooled, &settings).await, &set, &label).await;
        for ((query, (direct, through)), compare) in set.queries().zip(direct.iter().zip(&through)).zip(&compared) {
            if *compare {
                assert_eq!(through, direct, "[{label}] answers differently than directly:\n{query}");
            }
        }
        eprintln!(
            "[{label}] {} probes, no leak; {} answered exactly as directly; {:?}",
            set.len(),
            compared.iter().filter(|c| **c).count(),
            started.elapsed()
        );
    }
    let (clients, servers) = bouncer.pool_connections(&db.name).await;
    assert!(servers <= SERVER_CONNECTIONS, "PgBouncer opened {servers} server connections");
    assert!(clients > servers, "{clients} client connections on {servers} server connections: no sharing was tested");
}

/// The burst: four callers whose visibility differs (the platform, tenant A's owner, a member of
/// another enterprise tenant, anonymous) times five shapes of query, 50 requests in all.
async fn burst_requests(db: &TestDb) -> Vec<(String, Option<String>)> {
    let other = db
        .scalar(&format!(
            "SELECT id::text FROM tenants WHERE tenant_level = 'enterprise_client' AND deleted_at IS NULL \
             AND id <> '{}' ORDER BY name LIMIT 1",
            tenancy_leaks::A
        ))
        .await;
    let callers = [
        Some(token(PLATFORM_TENANT, "owner")),
        Some(token(tenancy_leaks::A, "owner")),
        Some(token(&other, "member")),
        None,
    ];
    let queries = [
        AGENT_WALK.to_owned(),
        DOMAIN_HIERARCHY.to_owned(),
        "{ tenants(first: 50) { totalCount nodes { id name children(first: 10) { totalCount nodes { id name } } } } }"
            .to_owned(),
        "{ consultationSessions(first: 20) { totalCount nodes { id } } \
           workflowExecutions(first: 20) { totalCount nodes { id workflowLogs(first: 5) { totalCount nodes { id } } } } }"
            .to_owned(),
        "{ agents(search: \"clinical\", first: 20) { totalCount nodes { id name } } }".to_owned(),
    ];
    let combos: Vec<(String, Option<String>)> =
        callers.iter().flat_map(|c| queries.iter().map(move |q| (q.clone(), c.clone()))).collect();
    (0..50).map(|i| combos[i % combos.len()].clone()).collect()
}

/// POSTs one query; a failed exchange (no HTTP answer, or no JSON) is an `Err` saying so.
async fn post(client: &reqwest::Client, base: &str, query: &str, token: Option<&str>) -> Result<Value, String> {
    let mut req = client.post(format!("{base}/graphql")).json(&json!({ "query": query }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.map_err(|e| format!("no answer: {e}"))?;
    resp.json().await.map_err(|e| format!("no JSON answer: {e}"))
}

/// Sends every request at once and returns the answers in request order.
async fn burst(base: &str, requests: &[(String, Option<String>)]) -> Vec<Result<Value, String>> {
    let client = crate::helpers::http_client();
    futures::future::join_all(requests.iter().map(|(q, t)| post(&client, base, q, t.as_deref()))).await
}

fn burst_settings(prepared_statements: bool) -> GraphqlSettings {
    let mut settings = test_settings();
    settings.prepared_statements = prepared_statements;
    // Eight transactions at a time (the default, stated: fewer than GATEWAY_CONNECTIONS), all in
    // line for PgBouncer's two server connections.
    settings.max_concurrent_executions = 8;
    settings.rate_limit_per_ip = 1_000_000;
    settings
}

/// The answers of `requests` over a direct connection, one request at a time.
async fn direct_answers(db: &TestDb, requests: &[(String, Option<String>)]) -> Vec<Value> {
    let base = serve(db, &burst_settings(true)).await;
    let client = crate::helpers::http_client();
    let mut out = Vec::new();
    for (q, t) in requests {
        let v = post(&client, &base, q, t.as_deref()).await.unwrap_or_else(|e| panic!("{e}\n{q}"));
        assert!(v.get("errors").is_none(), "the direct answer has errors: {v:#}\n{q}");
        out.push(v);
    }
    out
}

fn caller(token: Option<&String>) -> &'static str {
    if token.is_some() { "a signed-in caller" } else { "an anonymous caller" }
}

/// With `prepared_statements = false`, three bursts of 50 concurrent requests from four callers all
/// succeed through PgBouncer, and every answer equals the answer over a direct connection.
#[tokio::test]
async fn concurrent_bursts_through_pgbouncer_answer_as_directly_without_prepared_statements() {
    let started = Instant::now();
    let db = seeded_database().await;
    let bouncer = PgBouncer::start(&db.url);
    let pooled = bouncer.test_db(&db).await;
    let requests = burst_requests(&db).await;
    let expected = direct_answers(&db, &requests).await;
    let base = serve(&pooled, &burst_settings(false)).await;
    for round in 0..3 {
        for ((q, t), (got, want)) in requests.iter().zip(burst(&base, &requests).await.iter().zip(&expected)) {
            let who = caller(t.as_ref());
            let got = got.as_ref().unwrap_or_else(|e| panic!("round {round}, {who}: {e}\n{q}"));
            assert!(got.get("errors").is_none(), "round {round}: errors through PgBouncer for {who}: {got:#}\n{q}");
            assert_eq!(got, want, "round {round}: {who} got another answer through PgBouncer:\n{q}");
        }
    }
    let (clients, servers) = bouncer.pool_connections(&db.name).await;
    assert!(servers <= SERVER_CONNECTIONS, "PgBouncer opened {servers} server connections");
    assert!(clients > servers, "{clients} client connections on {servers} server connections: no sharing was tested");
    eprintln!(
        "3 bursts of {} requests, all answered as directly; {clients} client connections on {servers} server connections; {:?}",
        requests.len(),
        started.elapsed()
    );
}

/// A server connection held in an open transaction through PgBouncer, and its backend's pid.
struct Held {
    client: tokio_postgres::Client,
    pid: i32,
}

impl Held {
    /// Opens a client connection to PgBouncer and starts a transaction on it, which binds one of the
    /// pool's server connections to it until [`Held::release`].
    async fn take(url: &str) -> Self {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to PgBouncer: {e}"));
        tokio::spawn(connection);
        let pid = Self::single(&client, "BEGIN; SELECT pg_backend_pid()::text").await.parse().expect("a pid");
        Self { client, pid }
    }

    /// The first column of the first row `sql` returns.
    async fn single(client: &tokio_postgres::Client, sql: &str) -> String {
        simple_query_column(client, sql).await.into_iter().next().unwrap_or_default()
    }

    /// How many named statements are prepared on the held server connection.
    async fn prepared_statements(&self) -> u32 {
        Self::single(&self.client, "SELECT count(*)::text FROM pg_prepared_statements").await.parse().expect("a count")
    }

    async fn release(self) {
        self.client.simple_query("COMMIT").await.expect("COMMIT");
    }
}

/// What a gateway with `prepared_statements` answers when its read connection's next transaction
/// runs on another server connection than the one it prepared its statements on — what PgBouncer's
/// transaction mode does whenever the first is busy. Step by step, with PgBouncer's two server
/// connections X and Y:
/// 1. the test holds X in a transaction, so that three requests (one HTTP connection, so one worker
///    and, one at a time, one read connection) all run on Y; they must succeed;
/// 2. the test releases X and holds Y instead, and checks that Y holds the gateway's prepared
///    statements (when `prepared`) and X does not;
/// 3. the same request again, now necessarily on X, is the answer returned.
async fn answer_on_another_server_connection(prepared: bool) -> Value {
    let db = seeded_database().await;
    let bouncer = PgBouncer::start(&db.url);
    let pooled = bouncer.test_db(&db).await;
    let url = bouncer.url(&db.name);
    let base = serve(&pooled, &burst_settings(prepared)).await;
    let client = crate::helpers::http_client();
    let query = "{ agents(first: 3) { totalCount nodes { id name } } }";
    let x = Held::take(&url).await;
    for _ in 0..3 {
        let v = post(&client, &base, query, None).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(v.get("errors").is_none(), "the request failed on server connection Y: {v:#}");
    }
    assert_eq!(x.prepared_statements().await, 0, "statements were prepared on X, which the test held");
    let x_pid = x.pid;
    x.release().await;
    // PgBouncer hands the next transaction either server connection: take one more while holding the
    // first if that was X, and keep Y.
    let first = Held::take(&url).await;
    let y = if first.pid == x_pid {
        let second = Held::take(&url).await;
        first.release().await;
        second
    } else {
        first
    };
    assert_ne!(y.pid, x_pid, "PgBouncer opened a third server connection");
    let on_y = y.prepared_statements().await;
    if prepared {
        assert!(on_y > 0, "the gateway prepared no named statement on server connection Y");
    } else {
        assert_eq!(on_y, 0, "the gateway prepared {on_y} named statements with prepared_statements = false");
    }
    let answer = post(&client, &base, query, None).await.unwrap_or_else(|e| panic!("{e}"));
    y.release().await;
    answer
}

/// Why the setting exists: with `prepared_statements = true` (the default), a read connection
/// whose transaction moves to another server connection behind PgBouncer 1.18 in transaction mode
/// executes a statement that is not prepared there (`26000 prepared statement "sN" does not
/// exist`), and the request fails — with a coded error and no database text. In a concurrent burst
/// this happens to some requests, more or fewer depending on how the transactions interleave (3 to
/// 10 of 50 on the development machine; none in one CI run, when the requests ran one after
/// another on the same server connection); the steps of [`answer_on_another_server_connection`]
/// make it happen every time.
#[tokio::test]
async fn a_read_connection_moved_to_another_server_connection_fails_with_prepared_statements() {
    let answer = answer_on_another_server_connection(true).await;
    let errors = answer.get("errors").and_then(Value::as_array).unwrap_or_else(|| {
        panic!("the request succeeded on a server connection without the gateway's prepared statements: {answer:#}")
    });
    eprintln!("moved to another server connection: {answer}");
    let code = errors[0].pointer("/extensions/code").and_then(Value::as_str);
    assert_eq!(code, Some("INTERNAL"), "the error's code: {answer:#}");
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(!message.contains("prepared statement"), "the error shows database text: {message}");
}

/// The same steps with `prepared_statements = false`: the request moved to the other server
/// connection answers as before.
#[tokio::test]
async fn a_read_connection_moved_to_another_server_connection_answers_without_prepared_statements() {
    let answer = answer_on_another_server_connection(false).await;
    assert!(answer.get("errors").is_none(), "the request failed on the other server connection: {answer:#}");
    assert_eq!(answer.pointer("/data/agents/nodes").and_then(Value::as_array).map(Vec::len), Some(3), "{answer:#}");
}
