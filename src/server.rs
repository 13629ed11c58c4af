//! The HTTP application: GraphQL over HTTP at `/graphql`, GraphiQL at `/`, health probes.
//!
//! [`Application::build`] binds the listener first (port 0 picks a free port, which the tests use),
//! builds the schema from the catalog, and then runs until stopped. A GraphQL request moves through
//! named steps: read body → identify caller → parse (batch, APQ) → execute (validation, limits,
//! resolvers, loaders, SQL in one read-only transaction) → classify errors → encode.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use async_graphql::dynamic::Schema;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::config::{AnonymousAccess, GraphqlSettings, ServerSettings, TenantScoping};
use crate::error::AppError;
use crate::graphql::errors::classify;
use crate::graphql::{RequestContext, SchemaContext, SchemaLimits};
use crate::http::{
    PersistedQueries, ProtocolConfig, ProtocolError, encode_response, graphiql_page, parse_request, read_body,
};
use crate::identity;
use crate::sql::keyset::CursorCodec;
use crate::sql::session::{RlsContext, Session};
use crate::tenant_directory::TenantDirectory;
use crate::tenant_scope::Scope;

pub struct Application {
    port: u16,
    server: Server,
}

struct AppState {
    db: DatabaseConnection,
    schema: Schema,
    protocol: ProtocolConfig,
    persisted: PersistedQueries,
    directory: TenantDirectory,
    settings: GraphqlSettings,
}

/// Builds the GraphQL schema with the limits of `settings`.
pub fn build_schema(settings: &GraphqlSettings) -> Result<(Schema, Arc<SchemaContext>), AppError> {
    let secret = settings
        .cursor_secret
        .as_ref()
        .map_or_else(|| Uuid::new_v4().as_bytes().to_vec(), |s| s.expose().as_bytes().to_vec());
    let context = Arc::new(SchemaContext {
        catalog: Arc::new(Catalog::from_entities()),
        limits: SchemaLimits {
            max_page_size: settings.max_page_size,
            default_page_size: settings.default_page_size,
            max_filter_depth: 6,
        },
        cursors: CursorCodec::new(&secret),
    });
    let schema = crate::graphql::object_types::build_with(Arc::clone(&context), |b| {
        let b = b
            .limit_depth(settings.max_depth)
            .limit_complexity(settings.max_complexity)
            .limit_recursive_depth(64)
            .extension(crate::http::ExecutionMarker);
        if settings.introspection { b } else { b.disable_introspection() }
    })?;
    Ok((schema, context))
}

impl Application {
    pub async fn build(
        server: &ServerSettings,
        graphql: &GraphqlSettings,
        db: DatabaseConnection,
    ) -> Result<Self, AppError> {
        let listener = TcpListener::bind(server.listen)
            .map_err(|e| AppError::config(format!("cannot listen on {}: {e}", server.listen)))?;
        let port = listener.local_addr().map_err(|e| AppError::internal("reading the bound address", e))?.port();
        let (schema, _) = build_schema(graphql)?;
        let directory = TenantDirectory::load(&db).await?;
        directory.spawn_refresh(db.clone(), Duration::from_secs(30));
        let state = web::Data::new(AppState {
            db,
            schema,
            protocol: ProtocolConfig {
                max_body_bytes: graphql.max_body_bytes,
                max_query_bytes: graphql.max_query_bytes,
                max_batch_size: graphql.max_batch,
            },
            persisted: PersistedQueries::new(10_000),
            directory,
            settings: graphql.clone(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(usize::MAX))
                .route("/", web::get().to(graphiql))
                .route("/graphql", web::get().to(graphql_handler))
                .route("/graphql", web::post().to(graphql_handler))
                .route("/healthz", web::get().to(healthz))
                .route("/readyz", web::get().to(readyz))
        })
        .listen(listener)
        .map_err(|e| AppError::internal("starting the HTTP server", e))?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> Result<(), AppError> {
        self.server.await.map_err(|e| AppError::internal("running the HTTP server", e))
    }
}

/// Step "identify": the caller's scope from its credentials.
fn identify(req: &HttpRequest, state: &AppState) -> Result<Scope, ProtocolError> {
    let unauthorized =
        |e: AppError| ProtocolError::new(StatusCode::UNAUTHORIZED, e.code().as_str(), e.client_message());
    if let Some(header) = req.headers().get(actix_web::http::header::AUTHORIZATION) {
        let value = header.to_str().map_err(|_| {
            unauthorized(AppError::user(
                crate::error::ErrorCode::Unauthenticated,
                "the Authorization header is not text",
            ))
        })?;
        let Some(token) = value.strip_prefix("Bearer ").map(str::trim) else {
            return Err(unauthorized(AppError::user(
                crate::error::ErrorCode::Unauthenticated,
                "the Authorization header must be `Bearer <JWT>`",
            )));
        };
        let Some(secret) = &state.settings.jwt_secret else {
            return Err(unauthorized(AppError::user(
                crate::error::ErrorCode::Unauthenticated,
                "bearer tokens are not accepted: no JWT secret is configured",
            )));
        };
        let now = chrono::Utc::now().timestamp();
        let claims = identity::verify_hs256(token, secret, now).map_err(unauthorized)?;
        let Some(tenant) = claims.tenant_id.filter(|t| state.directory.is_active(*t)) else {
            return Err(unauthorized(AppError::user(
                crate::error::ErrorCode::Unauthenticated,
                "the token's `tenant_id` names no active tenant",
            )));
        };
        return Ok(state.directory.scope_for(tenant, claims.tenant_role.as_deref()));
    }
    match state.settings.anonymous {
        AnonymousAccess::Public => Ok(Scope::PublicOnly),
        AnonymousAccess::Deny => Err(unauthorized(AppError::user(
            crate::error::ErrorCode::Unauthenticated,
            "this gateway requires credentials: send `Authorization: Bearer <JWT>`",
        ))),
    }
}

/// The tenant context row-level security reads, when the database enforces visibility.
fn rls_context(scope: &Scope, scoping: TenantScoping) -> RlsContext {
    let enforce = scoping.in_database() && *scope != Scope::Unrestricted;
    match scope {
        Scope::Tenant { tenant, visible, private, .. } => {
            RlsContext { enforce, current_tenant: Some(*tenant), visible: visible.clone(), private: private.clone() }
        }
        Scope::PublicOnly | Scope::Unrestricted => RlsContext { enforce, ..RlsContext::default() },
    }
}

#[tracing::instrument(name = "graphql", skip_all, fields(request_id))]
async fn graphql_handler(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let request_id = Uuid::new_v4();
    tracing::Span::current().record("request_id", tracing::field::display(request_id));
    let body = match read_body(&req, payload, &state.protocol).await {
        Ok(body) => body,
        Err(e) => return e.into_response(&req),
    };
    let scope = match identify(&req, &state) {
        Ok(scope) => scope,
        Err(e) => return e.into_response(&req),
    };
    let parsed = match parse_request(&req, &body, &state.protocol, &state.persisted) {
        Ok(parsed) => parsed,
        Err(e) => return e.into_response(&req),
    };
    let scoping = state.settings.tenant_scoping;
    let session = Arc::new(Session::new(state.db.clone(), state.settings.statement_timeout_ms, rls_context(&scope, scoping)));
    // The gateway's own filter, unless only the database enforces visibility.
    let scope = if scoping.in_gateway() { scope } else { Scope::Unrestricted };
    let expose = state.settings.expose_sql_stats;
    let response = parsed
        .execute(|request| {
            let context = RequestContext::new(request_id, scope.clone(), Arc::clone(&session));
            let session = Arc::clone(&session);
            let schema = state.schema.clone();
            async move {
                let before = session.statement_count();
                let mut response = schema.execute(request.data(context)).await;
                classify(&mut response.errors);
                if expose {
                    let n = session.statement_count() - before;
                    response.extensions.insert("sqlStatements".to_owned(), async_graphql::Value::from(n));
                }
                response
            }
        })
        .await;
    session.finish().await;
    encode_response(&req, response)
}

async fn graphiql() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(graphiql_page("/graphql"))
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({ "status": "database unavailable" }))
        }
    }
}
