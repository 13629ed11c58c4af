//! The HTTP application: actix-web serving the GraphQL endpoint and health probes.
//!
//! [`Application::build`] binds the listener first (port 0 picks a free port, which the tests use)
//! and then runs until stopped.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::config::ServerSettings;
use crate::error::AppError;

pub struct Application {
    port: u16,
    server: Server,
}

#[derive(Clone)]
struct AppState {
    db: DatabaseConnection,
}

impl Application {
    pub fn build(settings: &ServerSettings, db: DatabaseConnection) -> Result<Self, AppError> {
        let listener = TcpListener::bind(settings.listen)
            .map_err(|e| AppError::config(format!("cannot listen on {}: {e}", settings.listen)))?;
        let port = listener.local_addr().map_err(|e| AppError::internal("reading the bound address", e))?.port();
        let state = AppState { db };
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
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

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

#[tracing::instrument(skip_all)]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({ "status": "database unavailable" }))
        }
    }
}
