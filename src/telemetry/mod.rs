//! Telemetry: logs (`tracing` to stderr, filtered by `RUST_LOG`, default `info`), Prometheus
//! [`metrics`], and OpenTelemetry [`traces`] when a collector is configured.

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::error::AppError;

pub mod metrics;
pub mod traces;

fn log_filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"))
}

/// Logs only (commands other than `serve`, and tests).
pub fn init() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// Logs, and traces to `otlp_endpoint` when given; keep the returned exporter alive until exit
/// (dropping it sends the last spans).
pub fn init_with_traces(otlp_endpoint: Option<&str>) -> Result<Option<traces::Traces>, AppError> {
    let Some(endpoint) = otlp_endpoint else {
        init();
        return Ok(None);
    };
    let (otel, exporter) = traces::layer(endpoint)?;
    let logs =
        tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_target(false).with_filter(log_filter());
    let _ = tracing_subscriber::registry().with(logs).with(otel).try_init();
    Ok(Some(exporter))
}
