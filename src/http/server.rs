//! The HTTP application: GraphQL over HTTP at `/graphql`, the GraphiQL playground at `/`, health probes.
//!
//! [`Application::build`] binds the listener first (port 0 picks a free port, which the tests use),
//! builds the schema from the catalog, and then runs until stopped. A GraphQL request moves through
//! named steps: read body → identify caller → parse the HTTP envelope (batch, APQ) → the
//! [`crate::pipeline`] per operation (parse, validate, plan, execute into JSON, in one read-only
//! transaction) → encode.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use sea_orm::DatabaseConnection;
use tracing::Instrument;
use uuid::Uuid;

use crate::access::api_keys::{ApiKeyStore, READ_CONVERSATIONS, READ_REGISTRY, WRITE_REGISTRY, require_scope};
use crate::access::audit::{ActorKind, AuditConfig, AuditEvent, AuditWriter, Outcome};
use crate::access::identity;
use crate::access::rate_limit::{RateLimiter, retry_after_secs};
use crate::access::shared_state::SharedState;
use crate::access::tenant_directory::TenantDirectory;
use crate::access::tenant_roles::MemberRoles;
use crate::catalog::Catalog;
use crate::config::{AnonymousAccess, GraphqlSettings, ServerSettings, TenantScoping};
use crate::error::{AppError, ErrorCode};
use crate::execute::plan_choice::IndexedColumns;
use crate::execute::read_pools::ReadPools;
use crate::execute::session::{RlsContext, Session, SessionSettings, WriteContext};
use crate::graphql::validation_schema::ValidationSchema;
use crate::http::metrics_endpoint::{self, MetricsEndpoint};
use crate::http::{
    PersistedQueries, ProtocolConfig, ProtocolError, encode_response, error_code, parse_request, playground, read_body,
};
use crate::pipeline::{DocumentCache, Engine, ExecutionGate, OperationLimits};
use crate::plan::context::{PlanContext, PlanLimits};
use crate::plan::keyset::CursorCodec;
use crate::telemetry::metrics;
use crate::tenancy::{Scope, WriteScope};

pub struct Application {
    port: u16,
    server: Server,
    /// `/metrics` on its own address (`--metrics-listen`), and that address's port.
    metrics_server: Option<(Server, u16)>,
    /// Written after the last request on shutdown ([`Application::run_until_stopped`]).
    audit: AuditWriter,
    keys: ApiKeyStore,
}

/// How many HTTP workers (threads, each with its own runtime and read pool) serve requests: one
/// per CPU.
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

/// The read pool of the worker a request runs on (`execute/read_pools.rs`).
struct WorkerReads(deadpool_postgres::Pool);

struct AppState {
    engine: Engine,
    keys: ApiKeyStore,
    limiter: RateLimiter,
    audit: AuditWriter,
    protocol: ProtocolConfig,
    persisted: PersistedQueries,
    directory: TenantDirectory,
    /// Verifies bearer JWTs (HS256 secret, JWKS keys).
    tokens: identity::TokenVerifier,
    /// Roles from `tenant_members` for tokens without `tenant_role` (opt-in).
    member_roles: Option<MemberRoles>,
    /// Operations executing at once (`REGISTRY_MAX_CONCURRENT_EXECUTIONS`); the rest wait here,
    /// holding only their request.
    executions: Arc<tokio::sync::Semaphore>,
    settings: GraphqlSettings,
}

/// The plan's context with the limits of `settings`.
pub fn plan_context(settings: &GraphqlSettings) -> Arc<PlanContext> {
    let secret = settings
        .cursor_secret
        .as_ref()
        .map_or_else(|| Uuid::new_v4().as_bytes().to_vec(), |s| s.expose().as_bytes().to_vec());
    Arc::new(PlanContext {
        catalog: Arc::new(Catalog::from_entities()),
        limits: PlanLimits {
            max_page_size: settings.max_page_size,
            default_page_size: settings.default_page_size,
            max_filter_depth: 6,
        },
        cursors: CursorCodec::new(&secret),
        text_embeddings: settings.embedding_url.is_some(),
    })
}

/// The schema async-graphql validates against (and answers introspection from). Depth and
/// complexity limits are the pipeline's, per caller class ([`OperationLimits`]).
pub fn build_schema(catalog: &Catalog, settings: &GraphqlSettings) -> Result<ValidationSchema, AppError> {
    crate::graphql::build_schema(catalog, |b| {
        let b = b.limit_recursive_depth(64).extension(ExecutionGate);
        if settings.introspection { b } else { b.disable_introspection() }
    })
}

impl Application {
    pub async fn build(
        server: &ServerSettings,
        graphql: &GraphqlSettings,
        db: DatabaseConnection,
        reads: ReadPools,
    ) -> Result<Self, AppError> {
        let listener = TcpListener::bind(server.listen)
            .map_err(|e| AppError::config(format!("cannot listen on {}: {e}", server.listen)))?;
        let port = listener.local_addr().map_err(|e| AppError::internal("reading the bound address", e))?.port();
        let context = plan_context(graphql);
        let schema = build_schema(&context.catalog, graphql)?;
        let embeddings = crate::search::embedding_provider::EmbeddingProvider::from_settings(graphql);
        let directory = TenantDirectory::load(&db).await?;
        let indexes = IndexedColumns::load(&db, &context.catalog).await?;
        directory.spawn_refresh(db.clone(), Duration::from_secs(30));
        let keys = ApiKeyStore::new(db.clone());
        keys.spawn_flusher(Duration::from_secs(5));
        let audit = AuditWriter::spawn(db.clone(), AuditConfig::default());
        let (audit_handle, keys_handle) = (audit.clone(), keys.clone());
        let tokens = identity::TokenVerifier::from_settings(graphql)?;
        if let Some(jwks) = tokens.jwks() {
            jwks.spawn_refresh(Duration::from_secs(graphql.jwks_refresh_secs));
        }
        let member_roles = graphql
            .tenant_role_from_members
            .then(|| MemberRoles::new(db.clone(), Duration::from_secs(graphql.tenant_role_cache_secs)));
        let shared = match &graphql.redis_url {
            Some(url) => Some(SharedState::connect(url, Duration::from_millis(graphql.redis_timeout_ms.max(1))).await?),
            None => None,
        };
        let metrics = (server.metrics_listen.is_some() || server.metrics_token.is_some()).then(|| {
            web::Data::new(MetricsEndpoint {
                handle: crate::telemetry::metrics::install(),
                token: server.metrics_token.clone(),
                reads: reads.clone(),
                audit: audit.clone(),
                jwks: tokens.jwks().cloned(),
                shared: shared.clone(),
            })
        });
        // On the main address only behind the token.
        let metrics_here = metrics.clone().filter(|m| m.token.is_some());
        let workers = reads.workers();
        let state = web::Data::new(AppState {
            engine: Engine { schema, context, documents: DocumentCache::new(1000), embeddings, indexes },
            keys,
            limiter: shared.clone().map_or_else(RateLimiter::new, RateLimiter::shared),
            audit,
            protocol: ProtocolConfig {
                max_body_bytes: graphql.max_body_bytes,
                max_query_bytes: graphql.max_query_bytes,
                max_batch_size: graphql.max_batch,
            },
            persisted: match &shared {
                Some(redis) => PersistedQueries::shared(10_000, Arc::clone(redis)),
                None => PersistedQueries::new(10_000),
            },
            directory,
            tokens,
            member_roles,
            executions: Arc::new(tokio::sync::Semaphore::new(graphql.max_concurrent_executions.max(1))),
            settings: graphql.clone(),
        });
        let metrics_server = match (&metrics, server.metrics_listen) {
            (Some(endpoint), Some(address)) => Some(metrics_server(endpoint.clone(), address)?),
            _ => None,
        };
        let server = HttpServer::new(move || {
            // Called once on each worker's thread: the connections of its pool are opened there.
            App::new()
                .app_data(state.clone())
                .app_data(web::Data::new(WorkerReads(reads.for_worker())))
                .configure(|cfg| {
                    if let Some(endpoint) = &metrics_here {
                        cfg.app_data(endpoint.clone());
                        metrics_endpoint::routes(cfg);
                    }
                })
                .app_data(web::PayloadConfig::new(usize::MAX))
                .configure(playground::routes)
                .route("/graphql", web::get().to(graphql_handler))
                .route("/graphql", web::post().to(graphql_handler))
                .route("/healthz", web::get().to(healthz))
                .route("/readyz", web::get().to(readyz))
        })
        // SIGTERM stops accepting and lets in-flight requests finish within the grace period
        // (actix-web's signal handling); SIGINT and SIGQUIT stop at once.
        .shutdown_timeout(server.shutdown_grace_secs)
        .workers(workers)
        .listen(listener)
        .map_err(|e| AppError::internal("starting the HTTP server", e))?
        .run();
        Ok(Self { port, server, metrics_server, audit: audit_handle, keys: keys_handle })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of `--metrics-listen`, when metrics have an address of their own.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(_, port)| *port)
    }

    /// Serves until a stop signal, then, once the last in-flight request has been answered, writes
    /// the audit events and API-key usage still batched in memory: nothing recorded is lost.
    pub async fn run_until_stopped(self) -> Result<(), AppError> {
        let metrics = self.metrics_server.map(|(server, _)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let served = self.server.await.map_err(|e| AppError::internal("running the HTTP server", e));
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        tracing::info!("stopped accepting; writing the batched audit events and API-key usage");
        self.audit.flush().await;
        if let Err(e) = self.keys.flush_usage().await {
            tracing::warn!(error = %e, "writing API-key usage on shutdown failed");
        }
        tracing::info!(audit_written = self.audit.written(), audit_dropped = self.audit.dropped(), "stopped");
        served
    }
}

/// The metrics-only server of `--metrics-listen`: one worker, `/metrics` and nothing else.
fn metrics_server(endpoint: web::Data<MetricsEndpoint>, address: SocketAddr) -> Result<(Server, u16), AppError> {
    let listener = TcpListener::bind(address)
        .map_err(|e| AppError::config(format!("cannot listen on {address} for metrics: {e}")))?;
    let port = listener.local_addr().map_err(|e| AppError::internal("reading the bound address", e))?.port();
    let server = HttpServer::new(move || App::new().app_data(endpoint.clone()).configure(metrics_endpoint::routes))
        .workers(1)
        .shutdown_timeout(1)
        .listen(listener)
        .map_err(|e| AppError::internal("starting the metrics server", e))?
        .run();
    Ok((server, port))
}

/// Who is calling.
#[derive(Debug, Clone)]
enum Actor {
    Anonymous,
    User { subject: Option<String>, tenant: Uuid },
    ApiKey { key_id: Uuid, tenant: Uuid },
}

impl Actor {
    fn tenant(&self) -> Option<Uuid> {
        match self {
            Self::Anonymous => None,
            Self::User { tenant, .. } | Self::ApiKey { tenant, .. } => Some(*tenant),
        }
    }
}

/// A refused request: the error, and who was refused (for the audit log).
struct Refusal {
    error: ProtocolError,
    actor: Actor,
    retry_after: Option<u64>,
    /// The rate limit that refused it (`address` or `key`), for the metrics.
    limit: Option<&'static str>,
}

fn refusal(e: &AppError, actor: Actor) -> Refusal {
    let status = match e.code() {
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        // The token may be good: the gateway cannot check it now (JWKS or database down); retry.
        ErrorCode::JwksUnavailable | ErrorCode::DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNAUTHORIZED,
    };
    Refusal {
        error: ProtocolError::new(status, e.code().as_str(), e.client_message()),
        actor,
        retry_after: None,
        limit: None,
    }
}

fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default()
}

/// Step "identify": who calls, what it may see, within its rate limits.
async fn identify(req: &HttpRequest, state: &AppState) -> Result<(Actor, Scope, WriteScope), Refusal> {
    let settings = &state.settings;
    let limited = |actor: Actor, wait: Duration, limit: &'static str| Refusal {
        error: ProtocolError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited.as_str(),
            format!(
                "rate limit of {} exceeded; retry in {} s",
                if limit == "key" { "this API key" } else { "this client address" },
                retry_after_secs(wait)
            ),
        ),
        actor,
        retry_after: Some(retry_after_secs(wait)),
        limit: Some(limit),
    };
    let per_ip = settings.rate_limit_per_ip.max(1);
    state
        .limiter
        .check(&format!("ip:{}", client_ip(req)), per_ip, (per_ip / 10).max(1))
        .await
        .map_err(|w| limited(Actor::Anonymous, w, "address"))?;
    let unauthenticated = |m: &str| AppError::user(ErrorCode::Unauthenticated, m);

    if let Some(header) = req.headers().get("x-api-key") {
        let presented = header
            .to_str()
            .map_err(|_| refusal(&unauthenticated("the X-API-Key header is not text"), Actor::Anonymous))?;
        let key = state.keys.authenticate(presented.trim()).await.map_err(|e| refusal(&e, Actor::Anonymous))?;
        let actor = Actor::ApiKey { key_id: key.key_id, tenant: key.tenant_id };
        if !state.directory.is_active(key.tenant_id) {
            return Err(refusal(&unauthenticated("the API key's tenant is not active"), actor));
        }
        let per_minute = key.rate_limit_per_minute.unwrap_or(settings.default_key_rate_limit).max(1);
        state
            .limiter
            .check(&format!("key:{}", key.key_id), per_minute, (per_minute / 10).max(1))
            .await
            .map_err(|w| limited(actor.clone(), w, "key"))?;
        require_scope(&key, READ_REGISTRY).map_err(|e| refusal(&e, actor.clone()))?;
        let role = if key.scopes.iter().any(|s| s == READ_CONVERSATIONS) { Some("member") } else { None };
        // A key with `write:registry` curates its tenant's registry as a manager would.
        let write = if key.scopes.iter().any(|s| s == WRITE_REGISTRY) {
            let mut w = state.directory.write_scope_for(key.tenant_id, Some("manager"), None);
            w.member = None;
            w.api_key = Some(key.key_id);
            w
        } else {
            WriteScope {
                tenant: Some(key.tenant_id),
                api_key: Some(key.key_id),
                refused: Some(format!("the API key lacks scope `{WRITE_REGISTRY}`")),
                ..WriteScope::default()
            }
        };
        return Ok((actor, state.directory.scope_for(key.tenant_id, role), write));
    }
    if let Some(header) = req.headers().get(actix_web::http::header::AUTHORIZATION) {
        let value = header
            .to_str()
            .map_err(|_| refusal(&unauthenticated("the Authorization header is not text"), Actor::Anonymous))?;
        let Some(token) = value.strip_prefix("Bearer ").map(str::trim) else {
            return Err(refusal(&unauthenticated("the Authorization header must be `Bearer <JWT>`"), Actor::Anonymous));
        };
        let claims = state.tokens.verify(token).await.map_err(|e| refusal(&e, Actor::Anonymous))?;
        let Some(tenant) = claims.tenant_id else {
            return Err(refusal(&unauthenticated("the JWT has no `tenant_id` claim"), Actor::Anonymous));
        };
        let actor = Actor::User { subject: claims.sub.clone(), tenant };
        if !state.directory.is_active(tenant) {
            return Err(refusal(&unauthenticated("the token's `tenant_id` names no active tenant"), actor));
        }
        let mut role = claims.tenant_role.clone();
        if let (None, Some(members), Some(sub)) = (&role, &state.member_roles, &claims.sub) {
            role = members.role(tenant, sub).await.map_err(|e| refusal(&e, actor.clone()))?;
        }
        let role = role.as_deref();
        let write = state.directory.write_scope_for(tenant, role, claims.sub.clone());
        return Ok((actor, state.directory.scope_for(tenant, role), write));
    }
    match settings.anonymous {
        AnonymousAccess::Public => Ok((Actor::Anonymous, Scope::PublicOnly, WriteScope::default())),
        AnonymousAccess::Deny => Err(refusal(
            &unauthenticated("this gateway requires credentials: send `Authorization: Bearer <JWT>` or `X-API-Key`"),
            Actor::Anonymous,
        )),
    }
}

fn audit_event(
    req: &HttpRequest,
    request_id: Uuid,
    actor: &Actor,
    outcome: Outcome,
    action: &str,
    resource: &str,
    reason: Option<String>,
    details: serde_json::Value,
) -> AuditEvent {
    let (actor_type, key, subject) = match actor {
        Actor::Anonymous => (ActorKind::Anonymous, None, None),
        Actor::User { subject, .. } => (ActorKind::User, None, subject.clone()),
        Actor::ApiKey { key_id, .. } => (ActorKind::ApiKey, Some(*key_id), None),
    };
    let mut details = details;
    if let (Some(sub), serde_json::Value::Object(map)) = (subject, &mut details) {
        map.insert("subject".to_owned(), serde_json::Value::String(sub));
    }
    AuditEvent {
        tenant_id: actor.tenant(),
        actor_type,
        actor_user_id: None,
        actor_api_key_id: key,
        action: action.to_owned(),
        resource_type: resource.to_owned(),
        outcome,
        failure_reason: reason,
        details,
        ip_address: Some(client_ip(req)),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        request_id,
        http_method: Some(req.method().to_string()),
        request_path: Some(req.path().to_owned()),
    }
}

/// The tenant context row-level security reads (and a mutation's write settings), when the
/// database enforces visibility.
fn rls_context(scope: &Scope, write: &WriteScope, scoping: TenantScoping, request_id: Uuid) -> RlsContext {
    let enforce = scoping.in_database() && *scope != Scope::Unrestricted;
    let write = WriteContext {
        user: write.user.clone().unwrap_or_default(),
        curator: write.curator.clone(),
        member: write.member,
        platform_admin: write.platform_admin,
        api_key: write.api_key,
        request_id: Some(request_id),
    };
    match scope {
        Scope::Tenant { tenant, visible, private, .. } => RlsContext {
            enforce,
            current_tenant: Some(*tenant),
            visible: visible.clone(),
            private: private.clone(),
            write,
        },
        Scope::PublicOnly | Scope::Unrestricted => RlsContext { enforce, write, ..RlsContext::default() },
    }
}

/// `POST /graphql` and `GET /graphql`: the request runs as its own task on the worker's thread.
///
/// Measured reason (bench/README.md, "The request as its own task"): a handler's future is polled
/// by actix's connection dispatcher, so every wake-up of the request (each statement's answer, each
/// message tokio-postgres hands over) also ran the dispatcher's own poll, whose request-head decoder
/// clears a 6 KB header table each time: about 29 dispatcher polls per agent walk. As its own task,
/// the request wakes only itself, and the dispatcher once, when the answer is ready. The task is
/// aborted if the dispatcher drops the handler (at shutdown, say), as the handler's future was;
/// actix 3.20 does not drop it when a client goes away mid-request (actix-web#3462).
async fn graphql_handler(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    reads: web::Data<WorkerReads>,
) -> HttpResponse {
    // Boxed, so that the task moves a pointer rather than the request's future (about 10 KB).
    let mut task = AbortOnDrop(actix_web::rt::spawn(Box::pin(graphql_request(req.clone(), payload, state, reads))));
    match (&mut task.0).await {
        Ok(response) => response,
        Err(e) => {
            // Only a panic ends the task early (the handler never aborts it while it waits).
            tracing::error!(error = %e, "the GraphQL request's task failed");
            ProtocolError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal.as_str(),
                AppError::internal("request task", e).client_message(),
            )
            .into_response(&req)
        }
    }
}

/// Aborts a spawned task when dropped: the request's task lives no longer than its handler.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[tracing::instrument(name = "graphql", skip_all, fields(request_id, tenant))]
async fn graphql_request(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    reads: web::Data<WorkerReads>,
) -> HttpResponse {
    let request_id = Uuid::new_v4();
    tracing::Span::current().record("request_id", tracing::field::display(request_id));
    let body = match read_body(&req, payload, &state.protocol).await {
        Ok(body) => body,
        Err(e) => return e.into_response(&req),
    };
    let (actor, scope, write) = match identify(&req, &state).await {
        Ok(found) => found,
        Err(refused) => {
            metrics::refused(refused.error.code);
            if let Some(limit) = refused.limit {
                metrics::rate_limited(limit);
            }
            let reason = Some(refused.error.message.clone());
            state.audit.record(audit_event(
                &req,
                request_id,
                &refused.actor,
                Outcome::Refused,
                "graphql.refused",
                "graphql",
                reason,
                serde_json::json!({ "code": refused.error.code }),
            ));
            let mut response = refused.error.into_response(&req);
            if let Some(secs) = refused.retry_after
                && let Ok(v) = actix_web::http::header::HeaderValue::from_str(&secs.to_string())
            {
                response.headers_mut().insert(actix_web::http::header::RETRY_AFTER, v);
            }
            return response;
        }
    };
    let tenant = actor.tenant().map_or_else(|| "anonymous".to_owned(), |t| t.to_string());
    tracing::Span::current().record("tenant", tenant.as_str());
    let limits = if matches!(actor, Actor::ApiKey { .. }) {
        OperationLimits {
            max_depth: state.settings.partner_max_depth,
            max_complexity: state.settings.partner_max_complexity,
        }
    } else {
        OperationLimits { max_depth: state.settings.max_depth, max_complexity: state.settings.max_complexity }
    };
    let parsed = match state
        .persisted
        .with_shared(req.query_string(), &body, |apq| parse_request(&req, &body, &state.protocol, apq))
        .await
    {
        Ok(parsed) => parsed,
        Err(e) => return e.into_response(&req),
    };
    // Bounds memory and keeps latency fair under overload: an execution holds its rows and its JSON
    // until the answer is written, and beyond a few at a time on this CPU they only queue for the
    // cores while holding all that (bench/README.md, "Concurrency limit").
    // The semaphore is never closed, so `acquire` cannot fail.
    metrics::executions_waiting(1.0);
    let _permit = state.executions.acquire().await.ok();
    metrics::executions_waiting(-1.0);
    let scoping = state.settings.tenant_scoping;
    let rls = rls_context(&scope, &write, scoping, request_id);
    // The gateway's own filters, unless only the database enforces visibility.
    let scope = if scoping.in_gateway() { scope } else { Scope::Unrestricted };
    let write = WriteScope { unrestricted: !scoping.in_gateway(), ..write };
    let expose = state.settings.expose_sql_stats;
    let private = std::cell::RefCell::new(Vec::new());
    let answers = {
        let pool = reads.0.clone();
        let settings = SessionSettings {
            statement_timeout_ms: state.settings.statement_timeout_ms,
            prepared_statements: state.settings.prepared_statements,
        };
        let session = Session::new(pool, settings, rls);
        let engine = &state.engine;
        let answers = parsed
            .execute(|request| {
                let (session, scope, write, private, tenant) = (&session, &scope, &write, &private, &tenant);
                async move {
                    let (before, sql_before, started) = (session.statement_count(), session.sql_time(), Instant::now());
                    let operation = request
                        .operation_name
                        .clone()
                        .or_else(|| metrics::leading_operation_name(&request.query).map(str::to_owned));
                    let span = tracing::debug_span!(
                        "operation",
                        graphql.operation.name = operation.as_deref().unwrap_or_default(),
                        tenant = tenant.as_str(),
                    );
                    let (mut answer, tables) =
                        crate::pipeline::run(engine, request, limits, scope, write, session, request_id)
                            .instrument(span)
                            .await;
                    private.borrow_mut().extend(tables);
                    let n = session.statement_count() - before;
                    metrics::operation(
                        operation.as_deref(),
                        answer.errors.first().map_or("ok", |e| error_code(e).unwrap_or("UNCODED")),
                        started.elapsed(),
                        n,
                        session.sql_time().saturating_sub(sql_before),
                    );
                    if expose {
                        answer.extensions.insert("sqlStatements".to_owned(), async_graphql::Value::from(n));
                    }
                    answer
                }
            })
            .await;
        session.finish().await;
        answers
    };
    let mut private = private.into_inner();
    private.sort_unstable();
    private.dedup();
    if !private.is_empty() {
        let tables: Vec<&str> = private.iter().map(|&t| state.engine.context.catalog.tables[t].name.as_str()).collect();
        state.audit.record(audit_event(
            &req,
            request_id,
            &actor,
            Outcome::Allowed,
            "graphql.read_private",
            tables.first().copied().unwrap_or("graphql"),
            None,
            serde_json::json!({ "tables": tables }),
        ));
    }
    encode_response(&req, answers)
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Ready when a request could read now: a connection of the requests' pool answers `SELECT 1`
/// within two seconds. During an outage it says so (503) and the gateway keeps serving the coded
/// error; it recovers by itself once the database is back (the pool drops closed connections).
async fn readyz(reads: web::Data<WorkerReads>) -> HttpResponse {
    let check = async {
        let client = reads.0.get().await.map_err(|e| e.to_string())?;
        client.simple_query("SELECT 1").await.map_err(|e| e.to_string())
    };
    match tokio::time::timeout(Duration::from_secs(2), check).await {
        Ok(Ok(_)) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        failed => {
            let reason = failed.map_or_else(|_| "no answer within 2 s".to_owned(), |r| r.err().unwrap_or_default());
            tracing::warn!(error = %reason, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .insert_header((actix_web::http::header::RETRY_AFTER, "1"))
                .json(serde_json::json!({ "status": "database unavailable", "code": ErrorCode::DatabaseUnavailable.as_str() }))
        }
    }
}
