//! Configuration, layered: built-in defaults, then environment variables, then command-line flags.
//!
//! Every setting is one clap argument with an `env` name, so `--help` lists them all and the README
//! table is checked against [`Settings`] by a snapshot test. Secrets are typed ([`Secret`]) so they
//! never reach a log line or a `Debug` dump.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// A value that must not be printed: its `Debug` and `Display` are redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Secret<String> {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DatabaseSettings {
    /// PostgreSQL URL of an existing database (it must offer pgvector). Unset: the gateway runs its
    /// own private PostgreSQL cluster under --data-dir.
    #[arg(long = "database-url", env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub url: Option<Secret<String>>,

    /// Directory for the private cluster, the cached PostgreSQL binaries and test clusters.
    #[arg(long = "data-dir", env = "REGISTRY_DATA_DIR", default_value = ".data", global = true)]
    pub data_dir: PathBuf,

    /// Maximum connections in the gateway's pool.
    #[arg(long = "db-pool-size", env = "REGISTRY_DB_POOL_SIZE", default_value_t = 16, global = true)]
    pub pool_size: u32,

    /// Unprivileged OS user that runs the private cluster when the gateway runs as root
    /// (initdb refuses to run as root).
    #[arg(long = "pg-os-user", env = "REGISTRY_PG_OS_USER", default_value = "nobody", global = true)]
    pub pg_os_user: String,
}

/// The HTTP server.
#[derive(Debug, Clone, Args)]
pub struct ServerSettings {
    /// Address to listen on. Port 0 picks a free port (tests do this).
    #[arg(long = "listen", env = "REGISTRY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Do not load demo data into an empty private database on first start.
    #[arg(long = "no-demo-data", env = "REGISTRY_NO_DEMO_DATA")]
    pub no_demo_data: bool,

    /// Seconds in-flight requests get to finish after SIGTERM; the audit and API-key usage batches
    /// are written after them, then the process exits 0. SIGINT and SIGQUIT stop at once (and
    /// still write the batches).
    #[arg(long = "shutdown-grace-secs", env = "REGISTRY_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,

    /// Serve Prometheus metrics at `/metrics` on this separate address (keep it off the public
    /// network). Unset, and no --metrics-token: metrics are off.
    #[arg(long = "metrics-listen", env = "REGISTRY_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Serve `/metrics` on the main address too, to callers sending `Authorization: Bearer
    /// <token>` (and require it on --metrics-listen as well).
    #[arg(long = "metrics-token", env = "REGISTRY_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<Secret<String>>,

    /// Export traces over OTLP/HTTP (JSON) to this collector, e.g. `http://collector:4318`: one
    /// span per request, pipeline step and SQL statement. Unset: no traces, at no cost.
    #[arg(long = "otlp-endpoint", env = "REGISTRY_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
}

/// Anonymous callers (no token, no key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AnonymousAccess {
    /// They see the shared public registry.
    Public,
    /// They are refused with 401.
    Deny,
}

/// Which layers enforce the visibility rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TenantScoping {
    /// Both: the gateway's SQL and Postgres row-level security (the default; either alone stops a leak).
    Both,
    /// Only the gateway's SQL (statements run as the connecting role, which may bypass RLS).
    Gateway,
    /// Only row-level security (statements run as `registry_reader`; the gateway adds no tenant filter).
    Database,
    /// Neither: every caller sees every row. Only for measuring what scoping costs; never in production.
    Off,
}

impl TenantScoping {
    pub fn in_gateway(self) -> bool {
        matches!(self, Self::Both | Self::Gateway)
    }

    pub fn in_database(self) -> bool {
        matches!(self, Self::Both | Self::Database)
    }
}

/// The GraphQL endpoint: limits, identity and diagnostics.
#[derive(Debug, Clone, Args)]
pub struct GraphqlSettings {
    /// Largest `first`/`last` of any list.
    #[arg(long = "max-page-size", env = "REGISTRY_MAX_PAGE_SIZE", default_value_t = 100)]
    pub max_page_size: usize,
    /// Page size when a list gets neither `first` nor `last`.
    #[arg(long = "default-page-size", env = "REGISTRY_DEFAULT_PAGE_SIZE", default_value_t = 20)]
    pub default_page_size: usize,
    /// Deepest query nesting accepted.
    #[arg(long = "max-depth", env = "REGISTRY_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Largest query complexity (number of fields) accepted.
    #[arg(long = "max-complexity", env = "REGISTRY_MAX_COMPLEXITY", default_value_t = 2000)]
    pub max_complexity: usize,
    /// Per-request statement timeout, in milliseconds.
    #[arg(long = "statement-timeout-ms", env = "REGISTRY_STATEMENT_TIMEOUT_MS", default_value_t = 5000)]
    pub statement_timeout_ms: u64,
    /// Largest request body, in bytes.
    #[arg(long = "max-body-bytes", env = "REGISTRY_MAX_BODY_BYTES", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,
    /// Largest query text, in bytes.
    #[arg(long = "max-query-bytes", env = "REGISTRY_MAX_QUERY_BYTES", default_value_t = 262_144)]
    pub max_query_bytes: usize,
    /// Operations executed at once; further requests wait for a turn (bounds memory under load).
    #[arg(long = "max-concurrent-executions", env = "REGISTRY_MAX_CONCURRENT_EXECUTIONS", default_value_t = 8)]
    pub max_concurrent_executions: usize,
    /// Most operations in one batched request.
    #[arg(long = "max-batch", env = "REGISTRY_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Serve introspection (`__schema`); switch off for locked-down partner deployments.
    #[arg(long = "introspection", env = "REGISTRY_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,
    /// HS256 secret of bearer JWTs (Supabase's JWT secret). Unset: bearer tokens are refused.
    #[arg(long = "jwt-secret", env = "REGISTRY_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret<String>>,
    /// JWKS URL of the asymmetric keys (RS256, ES256, EdDSA) that sign bearer JWTs, e.g.
    /// `https://<project>.supabase.co/auth/v1/.well-known/jwks.json`. Keys are cached by `kid`.
    #[arg(long = "jwks-url", env = "REGISTRY_JWKS_URL")]
    pub jwks_url: Option<String>,
    /// Fewest seconds between two fetches of the JWKS caused by tokens with an unknown `kid`.
    #[arg(long = "jwks-min-refresh-secs", env = "REGISTRY_JWKS_MIN_REFRESH_SECS", default_value_t = 30)]
    pub jwks_min_refresh_secs: u64,
    /// Seconds between periodic fetches of the JWKS (0: only at start-up and on an unknown `kid`).
    #[arg(long = "jwks-refresh-secs", env = "REGISTRY_JWKS_REFRESH_SECS", default_value_t = 600)]
    pub jwks_refresh_secs: u64,
    /// Audiences a bearer JWT's `aud` must name one of (comma-separated). Unset: `aud` is not checked.
    #[arg(long = "jwt-audience", env = "REGISTRY_JWT_AUDIENCE", value_delimiter = ',')]
    pub jwt_audience: Vec<String>,
    /// Issuer a bearer JWT's `iss` must equal. Unset: `iss` is not checked.
    #[arg(long = "jwt-issuer", env = "REGISTRY_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// A token without a `tenant_role` claim gets its user's role from `tenant_members`
    /// (`user_id` = the token's `sub`, active memberships only), cached per tenant and user.
    #[arg(long = "tenant-role-from-members", env = "REGISTRY_TENANT_ROLE_FROM_MEMBERS")]
    pub tenant_role_from_members: bool,
    /// Seconds a role read from `tenant_members` (or its absence) is cached.
    #[arg(long = "tenant-role-cache-secs", env = "REGISTRY_TENANT_ROLE_CACHE_SECS", default_value_t = 60)]
    pub tenant_role_cache_secs: u64,
    /// What callers without credentials get.
    #[arg(long = "anonymous", env = "REGISTRY_ANONYMOUS", value_enum, default_value_t = AnonymousAccess::Public)]
    pub anonymous: AnonymousAccess,
    /// Which layers enforce tenant visibility (switching one off is for tests and measurements).
    #[arg(long = "tenant-scoping", env = "REGISTRY_TENANT_SCOPING", value_enum, default_value_t = TenantScoping::Both)]
    pub tenant_scoping: TenantScoping,
    /// Requests per minute from one client address (token bucket; burst of a tenth).
    #[arg(long = "rate-limit-per-ip", env = "REGISTRY_RATE_LIMIT_PER_IP", default_value_t = 6000)]
    pub rate_limit_per_ip: u32,
    /// Requests per minute of an API key without its own `rate_limit_per_minute`.
    #[arg(long = "default-key-rate-limit", env = "REGISTRY_DEFAULT_KEY_RATE_LIMIT", default_value_t = 600)]
    pub default_key_rate_limit: u32,
    /// Deepest query nesting for API-key (partner) callers.
    #[arg(long = "partner-max-depth", env = "REGISTRY_PARTNER_MAX_DEPTH", default_value_t = 8)]
    pub partner_max_depth: usize,
    /// Largest query complexity for API-key (partner) callers.
    #[arg(long = "partner-max-complexity", env = "REGISTRY_PARTNER_MAX_COMPLEXITY", default_value_t = 500)]
    pub partner_max_complexity: usize,
    /// Secret that signs pagination cursors (set it when several gateways share clients). Unset: random per process.
    #[arg(long = "cursor-secret", env = "REGISTRY_CURSOR_SECRET", hide_env_values = true)]
    pub cursor_secret: Option<Secret<String>>,
    /// Report `extensions.sqlStatements` (statements per operation) in responses; for tests and tuning.
    #[arg(long = "expose-sql-stats", env = "REGISTRY_EXPOSE_SQL_STATS")]
    pub expose_sql_stats: bool,
    /// OpenAI-compatible embeddings endpoint (`POST {url}` with `{"model", "input"}`), for
    /// `searchKnowledge(text:)` without an `embedding`. Unset: text-only vector search is refused.
    #[arg(long = "embedding-url", env = "REGISTRY_EMBEDDING_URL")]
    pub embedding_url: Option<String>,
    /// Model name sent to the embeddings endpoint (it must return 1536-d vectors).
    #[arg(long = "embedding-model", env = "REGISTRY_EMBEDDING_MODEL", default_value = "text-embedding-3-small")]
    pub embedding_model: String,
    /// Bearer key of the embeddings endpoint.
    #[arg(long = "embedding-key", env = "REGISTRY_EMBEDDING_KEY", hide_env_values = true)]
    pub embedding_key: Option<Secret<String>>,
    /// Named server-side prepared statements. Switch off behind a transaction-mode pooler that
    /// does not track them (PgBouncer before 1.21).
    #[arg(long = "prepared-statements", env = "REGISTRY_PREPARED_STATEMENTS", default_value_t = true, action = clap::ArgAction::Set)]
    pub prepared_statements: bool,
    /// Redis shared by gateway replicas (`redis://[:password@]host:port[/db]`): rate-limit buckets
    /// and persisted queries live there, so N replicas enforce one limit. Unset: both stay in process.
    #[arg(long = "redis-url", env = "REGISTRY_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<Secret<String>>,
    /// Longest wait for one Redis call, in milliseconds; a slower or failed call falls back to
    /// the in-process state.
    #[arg(long = "redis-timeout-ms", env = "REGISTRY_REDIS_TIMEOUT_MS", default_value_t = 100)]
    pub redis_timeout_ms: u64,
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub server: ServerSettings,
    pub graphql: GraphqlSettings,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("postgres://u:hunter2@db/x".to_owned());
        assert_eq!(format!("{s:?}"), "Secret([redacted])");
        assert_eq!(format!("{s}"), "[redacted]");
        assert!(s.expose().contains("hunter2"));
    }
}
