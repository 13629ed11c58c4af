//! `/metrics`: the Prometheus text exposition ([`crate::telemetry::metrics`]), for scrapers only.
//!
//! Metrics show operation names, tenants' traffic and pool pressure, so they are not public: they
//! are served on a separate address (`--metrics-listen`, kept off the public network), or on the
//! main address to callers presenting `--metrics-token` (required on both when set).

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use metrics_exporter_prometheus::PrometheusHandle;
use sha2::{Digest, Sha256};

use crate::access::audit::AuditWriter;
use crate::access::jwks::KeySet;
use crate::access::shared_state::SharedState;
use crate::config::Secret;
use crate::telemetry::metrics::{self, Snapshot};

/// What a scrape reads.
pub struct MetricsEndpoint {
    pub handle: PrometheusHandle,
    pub token: Option<Secret<String>>,
    pub reads: crate::execute::read_pools::ReadPools,
    pub audit: AuditWriter,
    /// The JWKS key set, when keys come from one (its fetch counters).
    pub jwks: Option<Arc<KeySet>>,
    /// The Redis replicas share (its fallback counters).
    pub shared: Option<Arc<SharedState>>,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(scrape));
}

/// Compares digests, so the time taken does not depend on how much of the token was right.
fn token_matches(presented: &str, expected: &str) -> bool {
    Sha256::digest(presented.as_bytes()) == Sha256::digest(expected.as_bytes())
}

async fn scrape(req: HttpRequest, endpoint: web::Data<MetricsEndpoint>) -> HttpResponse {
    if let Some(token) = &endpoint.token {
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if !presented.is_some_and(|p| token_matches(p, token.expose())) {
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
                .body("metrics need `Authorization: Bearer <metrics token>`\n");
        }
    }
    let (jwks_ok, jwks_failed) = endpoint.jwks.as_ref().map_or((0, 0), |k| k.stats().snapshot());
    let snapshot = Snapshot {
        pool: endpoint.reads.status(),
        audit_written: endpoint.audit.written(),
        audit_dropped: endpoint.audit.dropped(),
        audit_failed: endpoint.audit.failed(),
        jwks_ok,
        jwks_failed,
        redis: endpoint.shared.as_ref().map(|s| s.stats()).map(|s| (!s.degraded, s.redis_fallbacks)),
    };
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics::render(&endpoint.handle, &snapshot))
}
