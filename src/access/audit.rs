//! The audit-log writer: request handlers hand [`AuditEvent`]s to an [`AuditWriter`], one background
//! task writes them to `audit_log` in batches.
//!
//! Hot path: [`AuditWriter::record`] stamps the event time and `try_send`s the event into a bounded
//! channel. It never awaits, never fails the request and allocates nothing beyond the event itself;
//! when the channel is full the event is dropped and counted ([`AuditWriter::dropped`]), and the
//! writer task logs one warning per flush interval while drops keep happening.
//!
//! Writer: one task per [`AuditWriter::spawn`] collects events and writes them with one `INSERT …
//! SELECT … FROM json_to_recordset($1)` per batch: the whole batch is one bound parameter (a JSON
//! array), so the statement text is the same for every batch size, no value is ever formatted into
//! SQL, and there is no bind-parameter ceiling on the batch size. A batch is written when
//! `batch_size` events are queued or at every `flush_interval` tick, whichever comes first, and on
//! [`AuditWriter::flush`].
//!
//! Failures never stop the writer. When the database rejects a batch because of its *data* (SQLSTATE
//! class 22/23: e.g. a foreign key to a tenant or API key that no longer exists) the batch is split
//! in halves and retried until the rejected events are isolated, so one bad event does not lose the
//! others; each rejected event is logged with its request id and counted ([`AuditWriter::failed`]).
//! Any other error (database unreachable, …) is logged with the batch size and the batch is counted
//! as failed; the next batch is tried as usual.
//!
//! Mapping onto `audit_log` (migration 17):
//! - `actor_type`: [`ActorKind::User`] → `user`, [`ActorKind::ApiKey`] → `api_key`,
//!   [`ActorKind::Anonymous`] → `user` (the table has no anonymous actor) with `actor_user_id` NULL and
//!   `"actor": "anonymous"` added to an object `details` (unless the caller set `actor` itself);
//! - `outcome` / `event_category`: [`Outcome::Refused`] → `denied` / `authorization`,
//!   [`Outcome::Allowed`] → `success` / `data_access`;
//! - `created_at` is the time [`AuditWriter::record`] was called, not the time of the insert;
//! - `action` and `resource_type` are cut to 100 characters, `http_method` to 10 (the column
//!   widths); NUL characters (which PostgreSQL text cannot hold) become U+FFFD; a JSON `null`
//!   `details` becomes `{}`.
//!
//! `actor_user_id` is a foreign key to `user_profiles`: pass only an id known to exist there (a JWT
//! `sub` belongs in `details`). `audit_log` has row-level security (migration 19) whose check no
//! request session can satisfy for other tenants or for platform rows (`tenant_id` NULL), so the
//! connection given to the writer must bypass RLS (table owner, superuser or BYPASSRLS role) — as the
//! gateway's own connection does.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbBackend, DbErr, RuntimeErr, Statement, Value};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// An authenticated end user (a JWT).
    User,
    /// An API key.
    ApiKey,
    /// No credentials.
    Anonymous,
}

impl ActorKind {
    /// The `audit_log.actor_type` value (the CHECK allows user, api_key, service, system, agent).
    pub const fn as_db_str(self) -> &'static str {
        match self {
            Self::User | Self::Anonymous => "user",
            Self::ApiKey => "api_key",
        }
    }
}

/// What became of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The gateway refused it (authentication, authorization, limits).
    Refused,
    /// It was served.
    Allowed,
}

impl Outcome {
    /// The `audit_log.outcome` value (the CHECK allows success, failure, denied, error).
    pub const fn as_db_str(self) -> &'static str {
        match self {
            Self::Refused => "denied",
            Self::Allowed => "success",
        }
    }

    /// The `audit_log.event_category` value: refusals are authorization events, allowed events are
    /// reads of tenant data.
    pub const fn event_category(self) -> &'static str {
        match self {
            Self::Refused => "authorization",
            Self::Allowed => "data_access",
        }
    }
}

/// One audit event, as handed over by a request handler.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// The tenant the event belongs to; `None` for a platform-level event.
    pub tenant_id: Option<Uuid>,
    pub actor_type: ActorKind,
    /// A `user_profiles.id` known to exist (foreign key); otherwise `None`, with the raw subject in
    /// `details`.
    pub actor_user_id: Option<Uuid>,
    /// An `api_keys.id` (foreign key).
    pub actor_api_key_id: Option<Uuid>,
    /// e.g. `graphql.refused`, `graphql.read_private`.
    pub action: String,
    /// e.g. a table name, or `graphql`.
    pub resource_type: String,
    pub outcome: Outcome,
    pub failure_reason: Option<String>,
    pub details: serde_json::Value,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Uuid,
    pub http_method: Option<String>,
    pub request_path: Option<String>,
}

/// Settings of an [`AuditWriter`].
#[derive(Debug, Clone, Copy)]
pub struct AuditConfig {
    /// Events per INSERT; a batch is written as soon as this many are queued. At least 1.
    pub batch_size: usize,
    /// Queued events are written at least this often. At least 1 ms.
    pub flush_interval: Duration,
    /// Events that may wait in the channel; beyond that [`AuditWriter::record`] drops. At least 1.
    pub channel_capacity: usize,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self { batch_size: 200, flush_interval: Duration::from_millis(250), channel_capacity: 10_000 }
    }
}

/// A message to the writer task. Events travel unboxed: boxing would cost an allocation per event
/// on the request path.
#[allow(clippy::large_enum_variant)]
enum Message {
    Event(AuditEvent, DateTime<Utc>),
    Flush(oneshot::Sender<()>),
}

#[derive(Debug, Default)]
struct Stats {
    dropped: AtomicU64,
    batches_written: AtomicU64,
    written: AtomicU64,
    failed: AtomicU64,
}

/// The handle request handlers record events with. Cheap to clone; the writer task ends (after
/// writing what is queued) when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct AuditWriter {
    tx: mpsc::Sender<Message>,
    stats: Arc<Stats>,
}

impl AuditWriter {
    /// Starts the writer task on the current Tokio runtime (panics outside one).
    pub fn spawn(db: DatabaseConnection, config: AuditConfig) -> Self {
        let config = AuditConfig {
            batch_size: config.batch_size.max(1),
            flush_interval: config.flush_interval.max(Duration::from_millis(1)),
            channel_capacity: config.channel_capacity.max(1),
        };
        let (tx, rx) = mpsc::channel(config.channel_capacity);
        let stats = Arc::new(Stats::default());
        tokio::spawn(run(db, config, rx, Arc::clone(&stats)));
        Self { tx, stats }
    }

    /// Queues `event`. Never waits and never fails: when the channel is full (or the writer has
    /// stopped) the event is dropped and counted in [`Self::dropped`].
    pub fn record(&self, event: AuditEvent) {
        if self.tx.try_send(Message::Event(event, Utc::now())).is_err() {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Waits until every event queued before this call has been written (or has failed and been
    /// logged). For tests and shutdown; waits for room in the channel when it is full. Returns at
    /// once if the writer has stopped.
    pub async fn flush(&self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Message::Flush(ack)).await.is_ok() {
            // An error means the writer stopped: nothing more will be written.
            let _ = done.await;
        }
    }

    /// Events dropped because the channel was full.
    pub fn dropped(&self) -> u64 {
        self.stats.dropped.load(Ordering::Relaxed)
    }

    /// INSERT statements that succeeded.
    pub fn batches_written(&self) -> u64 {
        self.stats.batches_written.load(Ordering::Relaxed)
    }

    /// Events written to `audit_log`.
    pub fn written(&self) -> u64 {
        self.stats.written.load(Ordering::Relaxed)
    }

    /// Events the database rejected or that were lost to a failed INSERT (each one logged).
    pub fn failed(&self) -> u64 {
        self.stats.failed.load(Ordering::Relaxed)
    }
}

/// The writer task.
async fn run(db: DatabaseConnection, config: AuditConfig, mut rx: mpsc::Receiver<Message>, stats: Arc<Stats>) {
    let mut batch: Vec<(AuditEvent, DateTime<Utc>)> = Vec::with_capacity(config.batch_size);
    let mut ticker = tokio::time::interval(config.flush_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut reported_drops = 0;
    loop {
        tokio::select! {
            message = rx.recv() => match message {
                Some(Message::Event(event, at)) => {
                    batch.push((event, at));
                    if batch.len() >= config.batch_size {
                        write_batch(&db, &mut batch, &stats).await;
                    }
                }
                Some(Message::Flush(ack)) => {
                    write_batch(&db, &mut batch, &stats).await;
                    // The flusher may have given up waiting; nothing to do then.
                    let _ = ack.send(());
                }
                None => {
                    write_batch(&db, &mut batch, &stats).await;
                    report_drops(&stats, &mut reported_drops);
                    return;
                }
            },
            _ = ticker.tick() => {
                write_batch(&db, &mut batch, &stats).await;
                report_drops(&stats, &mut reported_drops);
            }
        }
    }
}

/// Logs one warning when events were dropped since the last report.
fn report_drops(stats: &Stats, reported: &mut u64) {
    let total = stats.dropped.load(Ordering::Relaxed);
    if total > *reported {
        tracing::warn!(dropped = total - *reported, total, "audit channel full: audit events dropped");
        *reported = total;
    }
}

/// Writes and empties `batch`, isolating events the database rejects (see the module docs).
async fn write_batch(db: &DatabaseConnection, batch: &mut Vec<(AuditEvent, DateTime<Utc>)>, stats: &Stats) {
    if batch.is_empty() {
        return;
    }
    for (event, _) in batch.iter_mut() {
        normalize(event);
    }
    let mut pending: Vec<&[(AuditEvent, DateTime<Utc>)]> = vec![batch.as_slice()];
    while let Some(chunk) = pending.pop() {
        match insert(db, chunk).await {
            Ok(()) => {
                stats.batches_written.fetch_add(1, Ordering::Relaxed);
                stats.written.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            }
            Err(e) if chunk.len() > 1 && rejected_for_its_data(&e) => {
                if chunk.len() == batch.len() {
                    tracing::error!(
                        batch_size = chunk.len(),
                        error = %e,
                        "the database rejected an audit batch; retrying it in halves to isolate the rejected events"
                    );
                } else {
                    tracing::debug!(batch_size = chunk.len(), "audit batch half rejected; splitting it again");
                }
                let (first, second) = chunk.split_at(chunk.len() / 2);
                pending.push(second);
                pending.push(first);
            }
            Err(e) => {
                stats.failed.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                if let [(event, _)] = chunk {
                    tracing::error!(
                        batch_size = 1,
                        request_id = %event.request_id,
                        action = %event.action,
                        error = %e,
                        "writing an audit event failed; the event is lost"
                    );
                } else {
                    tracing::error!(batch_size = chunk.len(), error = %e, "writing an audit batch failed; its events are lost");
                }
            }
        }
    }
    batch.clear();
}

/// Whether `err` is the database refusing the rows themselves (SQLSTATE class 22 data exception or
/// 23 integrity constraint violation), as opposed to the connection or the server failing.
fn rejected_for_its_data(err: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err else {
        return false;
    };
    match e.as_ref() {
        sea_orm::sqlx::Error::Database(db) => {
            db.code().is_some_and(|code| code.starts_with("22") || code.starts_with("23"))
        }
        _ => false,
    }
}

const INSERT_SQL: &str = "INSERT INTO audit_log (tenant_id, actor_type, actor_user_id, actor_api_key_id, action, \
     event_category, resource_type, outcome, failure_reason, details, ip_address, user_agent, request_id, \
     http_method, request_path, created_at) \
     SELECT r.tenant_id, r.actor_type, r.actor_user_id, r.actor_api_key_id, left(r.action, 100), \
     r.event_category, left(r.resource_type, 100), r.outcome, r.failure_reason, r.details, r.ip_address, \
     r.user_agent, r.request_id, left(r.http_method, 10), r.request_path, r.created_at \
     FROM json_to_recordset($1::json) AS r(tenant_id uuid, actor_type text, actor_user_id uuid, \
     actor_api_key_id uuid, action text, event_category text, resource_type text, outcome text, \
     failure_reason text, details jsonb, ip_address text, user_agent text, request_id text, http_method text, \
     request_path text, created_at timestamptz)";

/// One `audit_log` row as the JSON object `json_to_recordset` reads.
#[derive(Serialize)]
struct Row<'a> {
    tenant_id: Option<Uuid>,
    actor_type: &'static str,
    actor_user_id: Option<Uuid>,
    actor_api_key_id: Option<Uuid>,
    action: &'a str,
    event_category: &'static str,
    resource_type: &'a str,
    outcome: &'static str,
    failure_reason: Option<&'a str>,
    details: &'a serde_json::Value,
    ip_address: Option<&'a str>,
    user_agent: Option<&'a str>,
    request_id: Uuid,
    http_method: Option<&'a str>,
    request_path: Option<&'a str>,
    created_at: DateTime<Utc>,
}

impl<'a> Row<'a> {
    fn new(e: &'a AuditEvent, at: DateTime<Utc>) -> Self {
        Self {
            tenant_id: e.tenant_id,
            actor_type: e.actor_type.as_db_str(),
            actor_user_id: e.actor_user_id,
            actor_api_key_id: e.actor_api_key_id,
            action: &e.action,
            event_category: e.outcome.event_category(),
            resource_type: &e.resource_type,
            outcome: e.outcome.as_db_str(),
            failure_reason: e.failure_reason.as_deref(),
            details: &e.details,
            ip_address: e.ip_address.as_deref(),
            user_agent: e.user_agent.as_deref(),
            request_id: e.request_id,
            http_method: e.http_method.as_deref(),
            request_path: e.request_path.as_deref(),
            created_at: at,
        }
    }
}

/// One INSERT of `events`, bound as a single JSON parameter.
async fn insert(db: &DatabaseConnection, events: &[(AuditEvent, DateTime<Utc>)]) -> Result<(), DbErr> {
    let rows: Vec<Row<'_>> = events.iter().map(|(e, at)| Row::new(e, *at)).collect();
    let json = serde_json::to_string(&rows).map_err(|e| DbErr::Json(e.to_string()))?;
    crate::database::execute(db, Statement::from_sql_and_values(DbBackend::Postgres, INSERT_SQL, [Value::from(json)]))
        .await?;
    Ok(())
}

/// Makes `event` storable: no NUL characters, an object `details`, the anonymous marker.
fn normalize(event: &mut AuditEvent) {
    scrub(&mut event.action);
    scrub(&mut event.resource_type);
    for s in [
        &mut event.failure_reason,
        &mut event.ip_address,
        &mut event.user_agent,
        &mut event.http_method,
        &mut event.request_path,
    ]
    .into_iter()
    .flatten()
    {
        scrub(s);
    }
    scrub_json(&mut event.details);
    if event.details.is_null() {
        event.details = serde_json::Value::Object(serde_json::Map::new());
    }
    if event.actor_type == ActorKind::Anonymous
        && let serde_json::Value::Object(map) = &mut event.details
    {
        map.entry("actor").or_insert_with(|| serde_json::Value::from("anonymous"));
    }
}

/// Replaces NUL characters, which PostgreSQL text and jsonb reject, with U+FFFD.
fn scrub(s: &mut String) {
    if s.contains('\0') {
        *s = s.replace('\0', "\u{FFFD}");
    }
}

fn scrub_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => scrub(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(scrub_json),
        serde_json::Value::Object(map) => {
            if map.keys().any(|k| k.contains('\0')) {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(mut k, v)| {
                        scrub(&mut k);
                        (k, v)
                    })
                    .collect();
            }
            map.values_mut().for_each(scrub_json);
        }
        serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(actor_type: ActorKind, details: serde_json::Value) -> AuditEvent {
        AuditEvent {
            tenant_id: None,
            actor_type,
            actor_user_id: None,
            actor_api_key_id: None,
            action: "graphql.refused".to_owned(),
            resource_type: "graphql".to_owned(),
            outcome: Outcome::Refused,
            failure_reason: Some("bad\0token".to_owned()),
            details,
            ip_address: None,
            user_agent: Some("ua\0".to_owned()),
            request_id: Uuid::nil(),
            http_method: None,
            request_path: None,
        }
    }

    #[test]
    fn kinds_map_to_the_values_the_table_allows() {
        assert_eq!(ActorKind::User.as_db_str(), "user");
        assert_eq!(ActorKind::ApiKey.as_db_str(), "api_key");
        assert_eq!(ActorKind::Anonymous.as_db_str(), "user");
        assert_eq!(Outcome::Refused.as_db_str(), "denied");
        assert_eq!(Outcome::Allowed.as_db_str(), "success");
        assert_eq!(Outcome::Refused.event_category(), "authorization");
        assert_eq!(Outcome::Allowed.event_category(), "data_access");
    }

    #[test]
    fn normalize_removes_nul_and_marks_anonymous_actors() {
        let mut e = event(ActorKind::Anonymous, json!({"sub\0": ["a\0b", 1], "n": null}));
        normalize(&mut e);
        assert_eq!(e.failure_reason.as_deref(), Some("bad\u{FFFD}token"));
        assert_eq!(e.user_agent.as_deref(), Some("ua\u{FFFD}"));
        assert_eq!(e.details, json!({"sub\u{FFFD}": ["a\u{FFFD}b", 1], "n": null, "actor": "anonymous"}));

        let mut e = event(ActorKind::Anonymous, json!({"actor": "kept"}));
        normalize(&mut e);
        assert_eq!(e.details, json!({"actor": "kept"}));

        let mut e = event(ActorKind::User, serde_json::Value::Null);
        normalize(&mut e);
        assert_eq!(e.details, json!({}));
    }

    #[test]
    fn rows_serialize_with_the_recordset_column_names() {
        let e = event(ActorKind::ApiKey, json!({}));
        let row = serde_json::to_value(Row::new(&e, DateTime::<Utc>::UNIX_EPOCH)).unwrap_or_default();
        assert_eq!(row["actor_type"], "api_key");
        assert_eq!(row["outcome"], "denied");
        assert_eq!(row["event_category"], "authorization");
        assert_eq!(row["request_id"], Uuid::nil().to_string());
        assert!(row["tenant_id"].is_null());
        for column in ["created_at", "details", "http_method", "request_path", "ip_address"] {
            assert!(row.get(column).is_some(), "{column} missing");
        }
    }
}
