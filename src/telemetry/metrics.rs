//! Prometheus metrics: what operators alert on and what capacity planning reads.
//!
//! Counters and histograms go through the `metrics` facade into `metrics-exporter-prometheus`'s
//! recorder, which renders the text exposition at `/metrics` (no hand-written exposition format).
//! The recorder is installed only when metrics are served (`--metrics-listen` or
//! `--metrics-token`); otherwise every `counter!`/`histogram!` below is a no-op on the request path.
//!
//! Gauges that describe state (the read pool, the audit writer) are read when scraped, not kept up
//! to date on every request. Operation names come from clients, so at most
//! [`MAX_OPERATION_NAMES`] distinct ones become label values; the rest count as `other`.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Distinct operation names kept as label values.
pub const MAX_OPERATION_NAMES: usize = 200;

/// Request and SQL durations, in seconds.
const SECONDS_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// SQL statements per operation.
const STATEMENT_BUCKETS: &[f64] = &[0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 32.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder (once; later calls return the same handle) and its upkeep task.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS_BUCKETS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(STATEMENTS.to_owned()), STATEMENT_BUCKETS))
                .expect("bucket lists are not empty");
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics shows only this one's");
            }
            describe();
            let upkeep = handle.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(5));
                loop {
                    every.tick().await;
                    upkeep.run_upkeep();
                }
            });
            handle
        })
        .clone()
}

const REQUESTS: &str = "registry_operations_total";
const DURATION: &str = "registry_operation_duration_seconds";
const STATEMENTS: &str = "registry_sql_statements_per_operation";
const SQL_TIME: &str = "registry_sql_time_per_operation_seconds";
const REFUSED: &str = "registry_requests_refused_total";
const RATE_LIMITED: &str = "registry_rate_limit_refusals_total";
const WAITING: &str = "registry_executions_waiting";
const POOL: &str = "registry_db_pool_connections";
const AUDIT: &str = "registry_audit_events_total";
const JWKS: &str = "registry_jwks_refreshes_total";
const REDIS_UP: &str = "registry_redis_up";
const REDIS_FALLBACKS: &str = "registry_redis_fallbacks_total";

fn describe() {
    metrics::describe_counter!(REQUESTS, "GraphQL operations answered, by operation name and outcome code");
    metrics::describe_histogram!(DURATION, metrics::Unit::Seconds, "time to answer one operation");
    metrics::describe_histogram!(STATEMENTS, "SQL statements one operation ran");
    metrics::describe_histogram!(SQL_TIME, metrics::Unit::Seconds, "time one operation spent in SQL statements");
    metrics::describe_counter!(REFUSED, "requests refused before any operation ran, by code");
    metrics::describe_counter!(RATE_LIMITED, "requests refused by a rate limit, by limit (address or key)");
    metrics::describe_gauge!(WAITING, "operations waiting for an execution turn");
    metrics::describe_gauge!(POOL, "connections of the requests' read pool, by state");
    metrics::describe_counter!(AUDIT, "audit events, by result (written, dropped, failed)");
    metrics::describe_counter!(JWKS, "JWKS fetches, by result");
    metrics::describe_gauge!(REDIS_UP, "1 while the shared Redis answers, 0 while replicas fall back to local state");
    metrics::describe_counter!(REDIS_FALLBACKS, "rate-limit and APQ calls answered locally because Redis did not");
}

/// The label value of a client-given operation name, bounded in number.
fn operation_label(name: Option<&str>) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name.filter(|n| !n.is_empty()) else { return "anonymous".to_owned() };
    let mut seen = SEEN.get_or_init(Mutex::default).lock().unwrap_or_else(PoisonError::into_inner);
    if seen.contains(name) {
        return name.to_owned();
    }
    if seen.len() < MAX_OPERATION_NAMES {
        seen.insert(name.to_owned());
        return name.to_owned();
    }
    "other".to_owned()
}

/// The name a document gives its operation when the request names none (`operationName` unset):
/// the name after a leading `query`/`mutation`/`subscription` keyword. Documents that start
/// otherwise (the `{ ... }` shorthand, a fragment first) count as anonymous.
pub fn leading_operation_name(query: &str) -> Option<&str> {
    let mut rest = query;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == '\u{feff}');
        match rest.strip_prefix('#') {
            Some(comment) => rest = comment.split_once('\n').map_or("", |(_, r)| r),
            None => break,
        }
    }
    let is_name = |c: char| c == '_' || c.is_ascii_alphanumeric();
    let keyword_end = rest.find(|c: char| !is_name(c)).unwrap_or(rest.len());
    if !matches!(&rest[..keyword_end], "query" | "mutation" | "subscription") {
        return None;
    }
    let rest = rest[keyword_end..].trim_start();
    let end = rest.find(|c: char| !is_name(c)).unwrap_or(rest.len());
    let name = &rest[..end];
    name.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic()).then_some(name)
}

/// One operation answered: its outcome (`ok` or the first error's code), time, and SQL.
pub fn operation(name: Option<&str>, outcome: &str, elapsed: Duration, statements: usize, sql_time: Duration) {
    if HANDLE.get().is_none() {
        return;
    }
    let operation = operation_label(name);
    counter!(REQUESTS, "operation" => operation.clone(), "outcome" => outcome.to_owned()).increment(1);
    histogram!(DURATION, "operation" => operation).record(elapsed.as_secs_f64());
    histogram!(STATEMENTS).record(statements as f64);
    histogram!(SQL_TIME).record(sql_time.as_secs_f64());
}

/// A request refused before any operation ran (identity, limits, protocol), by code.
pub fn refused(code: &str) {
    counter!(REFUSED, "code" => code.to_owned()).increment(1);
}

/// A rate-limit refusal; `limit` is `address` or `key`.
pub fn rate_limited(limit: &'static str) {
    counter!(RATE_LIMITED, "limit" => limit).increment(1);
}

/// One more (or one fewer, with -1.0) operation waiting for an execution turn.
pub fn executions_waiting(delta: f64) {
    gauge!(WAITING).increment(delta);
}

/// State read at scrape time.
pub struct Snapshot {
    pub pool: deadpool_postgres::Status,
    pub audit_written: u64,
    pub audit_dropped: u64,
    pub audit_failed: u64,
    pub jwks_ok: u64,
    pub jwks_failed: u64,
    /// The Redis replicas share, when configured: whether it answers, and the calls answered
    /// locally instead.
    pub redis: Option<(bool, u64)>,
}

/// The text exposition, with the scrape-time gauges set from `snapshot`.
pub fn render(handle: &PrometheusHandle, snapshot: &Snapshot) -> String {
    let pool = &snapshot.pool;
    gauge!(POOL, "state" => "max").set(pool.max_size as f64);
    gauge!(POOL, "state" => "open").set(pool.size as f64);
    gauge!(POOL, "state" => "in_use").set(pool.size.saturating_sub(pool.available) as f64);
    gauge!(POOL, "state" => "idle").set(pool.available as f64);
    gauge!(POOL, "state" => "waiting").set(pool.waiting as f64);
    counter!(AUDIT, "result" => "written").absolute(snapshot.audit_written);
    counter!(AUDIT, "result" => "dropped").absolute(snapshot.audit_dropped);
    counter!(AUDIT, "result" => "failed").absolute(snapshot.audit_failed);
    counter!(JWKS, "result" => "ok").absolute(snapshot.jwks_ok);
    counter!(JWKS, "result" => "failed").absolute(snapshot.jwks_failed);
    if let Some((up, fallbacks)) = snapshot.redis {
        gauge!(REDIS_UP).set(if up { 1.0 } else { 0.0 });
        counter!(REDIS_FALLBACKS).absolute(fallbacks);
    }
    handle.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_operation_names() {
        assert_eq!(leading_operation_name("query Agents { agents { id } }"), Some("Agents"));
        assert_eq!(leading_operation_name("  # a comment\n mutation Add($x: ID) { a }"), Some("Add"));
        assert_eq!(leading_operation_name("query($x: ID) { a }"), None);
        assert_eq!(leading_operation_name("{ query name }"), None);
        assert_eq!(leading_operation_name("fragment F on Agent { id } query Q { a }"), None);
        assert_eq!(leading_operation_name("queryX Y { a }"), None);
    }

    #[test]
    fn operation_names_are_bounded() {
        assert_eq!(operation_label(None), "anonymous");
        assert_eq!(operation_label(Some("")), "anonymous");
        for i in 0..MAX_OPERATION_NAMES + 10 {
            operation_label(Some(&format!("Op{i}")));
        }
        assert_eq!(operation_label(Some("Op0")), "Op0", "a name seen early keeps its label");
        assert_eq!(operation_label(Some("NeverSeenBefore")), "other");
    }
}
