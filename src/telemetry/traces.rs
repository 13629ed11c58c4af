//! Traces over OpenTelemetry (OTLP/HTTP, JSON), opt-in with `--otlp-endpoint`.
//!
//! The request path already has `tracing` spans: the request (`graphql`, with the tenant), each
//! operation (`operation`, with its name and tenant), each pipeline step (`parse`, `validate`,
//! `plan`, `execute`) and each SQL statement (`sql`, with its text and row count). This layer
//! exports them through the OpenTelemetry SDK's batch processor, which runs on a thread of its own
//! and sends with a blocking HTTP client, so exporting never takes a request's time.
//!
//! Off, nothing is installed: the step and statement spans are DEBUG, below the default log
//! filter, so their call sites stay disabled and cost a cached check each.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{FilterExt, Targets, filter_fn};
use tracing_subscriber::registry::LookupSpan;

use crate::error::AppError;

/// The exporter; dropping it sends the spans still batched (at shutdown).
pub struct Traces {
    provider: SdkTracerProvider,
}

impl Drop for Traces {
    fn drop(&mut self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("warning: sending the last traces failed: {e}");
        }
    }
}

/// `endpoint` as the traces URL: the collector's base (`http://host:4318`) gets `/v1/traces`.
fn traces_url(endpoint: &str) -> String {
    let base = endpoint.trim_end_matches('/');
    if base.ends_with("/v1/traces") { base.to_owned() } else { format!("{base}/v1/traces") }
}

/// Spans, not log events, go to the collector.
fn is_span(metadata: &tracing::Metadata<'_>) -> bool {
    metadata.is_span()
}

/// The layer exporting the gateway's spans (not its log events) to `endpoint`, and its exporter.
pub fn layer<S>(endpoint: &str) -> Result<(impl Layer<S>, Traces), AppError>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpJson)
        .with_endpoint(traces_url(endpoint))
        .build()
        .map_err(|e| AppError::config(format!("cannot export traces to {endpoint}: {e}")))?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name("registry-gateway").build())
        .build();
    let tracer = provider.tracer("registry-gateway");
    let spans_only = Targets::new().with_target("registry_gateway", tracing::Level::DEBUG).and(filter_fn(is_span));
    let layer = tracing_opentelemetry::layer().with_tracer(tracer).with_filter(spans_only);
    Ok((layer, Traces { provider }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_traces_path_is_added_once() {
        assert_eq!(traces_url("http://c:4318"), "http://c:4318/v1/traces");
        assert_eq!(traces_url("http://c:4318/"), "http://c:4318/v1/traces");
        assert_eq!(traces_url("http://c:4318/v1/traces"), "http://c:4318/v1/traces");
    }
}
