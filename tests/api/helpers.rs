//! Shared test plumbing: the database server, per-test databases cloned from a seeded template,
//! and the gateway binary.

use std::path::PathBuf;
use std::sync::OnceLock;

use registry_gateway::database;
use registry_gateway::embedded_postgres::{self, Cluster, Durability};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use uuid::Uuid;

const TEMPLATE_DB: &str = "registry_template";

/// The PostgreSQL server the tests use.
pub struct TestServer {
    /// URL of the server's maintenance database (`postgres`), used to create test databases.
    admin_url: String,
    /// The private cluster, when the tests run their own. Never dropped: it stops with the process.
    _cluster: Option<Cluster>,
}

impl TestServer {
    pub fn url_for(&self, db: &str) -> String {
        match self.admin_url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{db}"),
            None => self.admin_url.clone(),
        }
    }
}

pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn data_dir() -> PathBuf {
    std::env::var_os("REGISTRY_DATA_DIR").map_or_else(|| project_dir().join(".data"), PathBuf::from)
}

/// Runs `fut` to completion on a private runtime in its own thread, for one-time set-up shared by
/// tests that each run on their own runtime.
fn block_on_fresh_runtime<T: Send + 'static>(fut: impl std::future::Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("test runtime").block_on(fut)
    })
    .join()
    .expect("set-up thread panicked")
}

/// The server: DATABASE_URL's, or a private throwaway cluster for this test process.
pub fn server() -> &'static TestServer {
    static SERVER: OnceLock<Result<TestServer, String>> = OnceLock::new();
    let result = SERVER.get_or_init(|| {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            let admin_url = match url.rsplit_once('/') {
                Some((base, _)) => format!("{base}/postgres"),
                None => url,
            };
            return Ok(TestServer { admin_url, _cluster: None });
        }
        let data_dir = data_dir();
        let dist = embedded_postgres::install(&data_dir).map_err(|e| e.to_string())?;
        let os_user = embedded_postgres::cluster_os_user("nobody").map_err(|e| e.to_string())?;
        let root = data_dir.join("test-clusters");
        embedded_postgres::remove_stale_test_clusters(&root);
        let dir = root.join(std::process::id().to_string());
        let cluster = Cluster::start(&dist, &dir, os_user, Durability::Throwaway).map_err(|e| e.to_string())?;
        Ok(TestServer { admin_url: cluster.url("postgres"), _cluster: Some(cluster) })
    });
    match result {
        Ok(server) => server,
        Err(e) => panic!("the tests need PostgreSQL with pgvector and could not get it: {e}"),
    }
}

/// A database of its own for one test, dropped when the test ends.
///
/// Each seeded clone takes about 110 MB on disk, and a run creates over a hundred of them: kept,
/// they filled a CI machine's disk mid-run (14 GB in one cluster). A test that fails keeps its
/// database for inspection, and says so on stderr.
pub struct TestDb {
    #[allow(dead_code)]
    pub name: String,
    pub url: String,
    pub conn: DatabaseConnection,
    /// Whether dropping this value drops the database (false for a second way into another's).
    owned: bool,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        if std::thread::panicking() {
            eprintln!("kept the failed test's database {} at {}", self.name, self.url);
            return;
        }
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        block_on_fresh_runtime(async move { admin_execute(&sql).await });
    }
}

impl TestDb {
    /// The same database reached at `url` through `conn` (a proxy, say); dropping it leaves the
    /// database to its owner.
    pub fn alias(&self, url: String, conn: DatabaseConnection) -> TestDb {
        TestDb { name: self.name.clone(), url, conn, owned: false }
    }

    pub async fn query_strings(&self, sql: &str) -> Vec<Vec<String>> {
        query_strings(&self.conn, sql).await
    }

    /// Clears pg_stat_statements for this database only: the cluster is shared by the tests
    /// running at once, and a global reset would clear the counts another test is taking.
    pub async fn reset_statement_stats(&self) {
        self.query_strings(
            "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)::text",
        )
        .await;
    }

    /// Waits until no connection to this database is inside a transaction. pg_stat_statements
    /// records a statement when its portal closes, which for a request's last statement is at the
    /// ROLLBACK the gateway sends after the answer: counts are complete only once it has run.
    pub async fn wait_for_transactions_to_end(&self) {
        let sql = format!(
            "SELECT count(*)::text FROM pg_stat_activity WHERE datname = '{}' AND state LIKE 'idle in transaction%'",
            self.name
        );
        for _ in 0..100 {
            if self.scalar(&sql).await == "0" {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("a transaction on {} did not end within 5 s", self.name);
    }

    pub async fn scalar(&self, sql: &str) -> String {
        let rows = self.query_strings(sql).await;
        rows.first().and_then(|r| r.first()).cloned().unwrap_or_else(|| panic!("no row from {sql}"))
    }
}

/// Runs `sql` and returns every column of every row as text (`sql` must select text values).
pub async fn query_strings(conn: &impl ConnectionTrait, sql: &str) -> Vec<Vec<String>> {
    let rows = conn
        .query_all_raw(Statement::from_string(conn.get_database_backend(), sql.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("query failed: {e}\n{sql}"));
    rows.iter()
        .map(|row| {
            (0..row.column_names().len())
                .map(|i| row.try_get_by_index::<Option<String>>(i).ok().flatten().unwrap_or_default())
                .collect()
        })
        .collect()
}

async fn admin_execute(sql: &str) {
    let admin = database::connect(&server().admin_url, 1).await.expect("connect to the test server");
    admin.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    admin.close().await.expect("close admin connection");
}

/// An empty database (no schema).
pub async fn empty_database() -> TestDb {
    let name = format!("t_{}", Uuid::new_v4().simple());
    admin_execute(&format!("CREATE DATABASE {name}")).await;
    let url = server().url_for(&name);
    let conn = database::connect(&url, 4).await.expect("connect to the test database");
    TestDb { name, url, conn, owned: true }
}

/// A migrated database with the scale-1 demo data, cloned from the template.
pub async fn seeded_database() -> TestDb {
    template();
    let name = format!("t_{}", Uuid::new_v4().simple());
    admin_execute(&format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")).await;
    let url = server().url_for(&name);
    let conn = database::connect(&url, 8).await.expect("connect to the test database");
    TestDb { name, url, conn, owned: true }
}

/// Migrates and seeds the template database once per test process.
fn template() {
    static TEMPLATE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = TEMPLATE.get_or_init(|| {
        let admin_url = server().admin_url.clone();
        let url = server().url_for(TEMPLATE_DB);
        block_on_fresh_runtime(async move {
            let admin = database::connect(&admin_url, 1).await.map_err(|e| e.to_string())?;
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {TEMPLATE_DB}"))
                .await
                .map_err(|e| e.to_string())?;
            admin.execute_unprepared(&format!("CREATE DATABASE {TEMPLATE_DB}")).await.map_err(|e| e.to_string())?;
            let conn = database::connect(&url, 4).await.map_err(|e| e.to_string())?;
            database::migrate_up(&conn).await.map_err(|e| e.to_string())?;
            conn.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                .await
                .map_err(|e| e.to_string())?;
            demo_data::seed(&conn, 1).await.map_err(|e| e.to_string())?;
            conn.close().await.map_err(|e| e.to_string())?;
            admin.close().await.map_err(|e| e.to_string())?;
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("could not build the seeded template database: {e}");
    }
}

/// Output of one run of the gateway binary.
pub struct CliRun {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `registry-gateway ARGS` with `envs`, with no DATABASE_URL unless given, and a timeout.
pub fn run_cli(args: &[&str], envs: &[(&str, &str)]) -> CliRun {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_registry-gateway"));
    cmd.args(args).env_remove("DATABASE_URL").env("REGISTRY_DATA_DIR", data_dir()).env("RUST_LOG", "warn");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run registry-gateway");
    CliRun {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The JWT secret test servers accept.
pub const JWT_SECRET: &str = "test-jwt-secret-test-jwt-secret-0123456789";
/// 003's platform tenant: sees every tenant's registry rows.
pub const PLATFORM_TENANT: &str = "00000000-0000-0000-0000-000000000001";
/// A tenant of the demo data, with a descendant and an asset shared to it.
pub const DEMO_TENANT: &str = "33333333-3333-3333-3333-333333333333";

/// A gateway serving a seeded database on a free port.
pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    pub client: reqwest::Client,
}

/// Default settings for test servers: the real defaults plus a known JWT secret and SQL statistics.
pub fn test_settings() -> registry_gateway::config::GraphqlSettings {
    use clap::Parser;
    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        graphql: registry_gateway::config::GraphqlSettings,
    }
    let mut args = Args::parse_from(["test"]).graphql;
    args.jwt_secret = Some(registry_gateway::config::Secret::new(JWT_SECRET.to_owned()));
    args.expose_sql_stats = true;
    args
}

/// A fetch of `table`'s `columns` (by name, `id` first) with no relations, as the plan makes for a
/// selection of those fields.
pub fn fetch_of(
    catalog: &registry_gateway::catalog::Catalog,
    table: &str,
    columns: &[&str],
) -> registry_gateway::plan::Fetch {
    let t = catalog.table(table).unwrap_or_else(|| panic!("no table {table}"));
    let columns = columns.iter().map(|c| t.col_id(c).unwrap_or_else(|| panic!("no column {table}.{c}"))).collect();
    registry_gateway::plan::Fetch { table: t.id, table_name: table.to_owned(), columns, relations: Vec::new() }
}

/// The first column of each row `sql` returns, run by the simple protocol (several statements, or
/// statements with `$n` left unbound such as `EXPLAIN (GENERIC_PLAN)`).
pub async fn simple_query_column(client: &tokio_postgres::Client, sql: &str) -> Vec<String> {
    let messages = client.simple_query(sql).await.unwrap_or_else(|e| panic!("{e}\n{sql}"));
    messages
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).unwrap_or_default().to_owned()),
            _ => None,
        })
        .collect()
}

/// The tests' HTTP client. Its idle connections are dropped after 2 s, before the gateway's own
/// keep-alive of 5 s (actix-web's default) closes them: a request sent on a connection the server is
/// closing at that moment fails with `IncompleteMessage` (hyper's keep-alive race), which a loaded
/// CI machine hit in the leak probes, whose expectations are computed in SQL between requests.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder().pool_idle_timeout(std::time::Duration::from_secs(2)).build().expect("an HTTP client")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_settings()).await
}

pub async fn spawn_app_with(settings: registry_gateway::config::GraphqlSettings) -> TestApp {
    let db = seeded_database().await;
    let address = serve(&db, &settings).await;
    TestApp { address, db, client: http_client() }
}

/// The real server defaults, on a free port, without demo data and with a 5 s shutdown grace.
pub fn test_server_settings() -> registry_gateway::config::ServerSettings {
    use clap::Parser;
    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        server: registry_gateway::config::ServerSettings,
    }
    Args::parse_from(["test", "--listen", "127.0.0.1:0", "--no-demo-data", "--shutdown-grace-secs", "5"]).server
}

/// Starts a gateway on `db` and returns its base URL.
pub async fn serve(db: &TestDb, settings: &registry_gateway::config::GraphqlSettings) -> String {
    let app = build_app(&db.url, db.conn.clone(), settings, &test_server_settings()).await;
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

/// Builds (without running) a gateway on the database at `url`.
pub async fn build_app(
    url: &str,
    conn: DatabaseConnection,
    settings: &registry_gateway::config::GraphqlSettings,
    server: &registry_gateway::config::ServerSettings,
) -> registry_gateway::http::server::Application {
    registry_gateway::telemetry::init();
    // Twelve read connections, as many as the SeaORM pool of the PgBouncer test's gateway.
    let reads =
        registry_gateway::execute::read_pools::ReadPools::new(url, 12, registry_gateway::http::server::workers())
            .expect("the read pools");
    registry_gateway::http::server::Application::build(server, settings, conn, reads).await.expect("build the app")
}

/// A signed token for `tenant` with tenant role `role`, valid for an hour.
pub fn token(tenant: &str, role: &str) -> String {
    let exp = chrono::Utc::now().timestamp() + 3600;
    registry_gateway::access::identity::sign_hs256(
        &serde_json::json!({"sub": "test-user", "role": "authenticated", "tenant_id": tenant, "tenant_role": role, "exp": exp}),
        &registry_gateway::config::Secret::new(JWT_SECRET.to_owned()),
    )
}

impl TestApp {
    /// POSTs a GraphQL operation as `token` (or anonymously) and returns the response JSON.
    pub async fn graphql(&self, query: &str, variables: serde_json::Value, token: Option<&str>) -> serde_json::Value {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&serde_json::json!({"query": query, "variables": variables}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("send");
        resp.json().await.expect("a JSON body")
    }

    /// The same, as the platform tenant (sees every tenant's registry data).
    pub async fn platform(&self, query: &str, variables: serde_json::Value) -> serde_json::Value {
        let t = token(PLATFORM_TENANT, "owner");
        let v = self.graphql(query, variables, Some(&t)).await;
        assert!(v.get("errors").is_none(), "unexpected errors: {v:#}");
        v
    }
}

/// A new API key of `tenant` with scope `read:registry` and the default limit: (id, secret).
pub async fn read_key(conn: &DatabaseConnection, tenant: &str, name: &str) -> (Uuid, String) {
    use registry_gateway::access::api_keys::{NewKey, READ_REGISTRY, create_key};
    let key = NewKey {
        tenant_id: tenant.parse().expect("a tenant id"),
        name: name.to_owned(),
        scopes: vec![READ_REGISTRY.to_owned()],
        expires_at: None,
        rate_limit_per_minute: None,
    };
    create_key(conn, key).await.expect("an API key")
}
