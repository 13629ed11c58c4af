//! The audit-log writer against a real database: batching, isolation of rejected events, and
//! dropping (not blocking) when its channel is full.
//!
//! The tests run on Tokio's current-thread runtime, so the writer task only runs while a test awaits:
//! events recorded in a loop without awaiting are all queued before the writer sees any of them.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use registry_gateway::access::audit::{ActorKind, AuditConfig, AuditEvent, AuditWriter, Outcome};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{PLATFORM_TENANT, TestDb, seeded_database};

/// Log lines written while the guard of [`Logs::capture`] lives (on this thread, which on the
/// current-thread runtime includes the writer task).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn capture(&self) -> tracing::subscriber::DefaultGuard {
        let logs = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || logs.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// An event of test run `run` (found again through `details->>'run'`).
fn event(run: Uuid, tenant: Option<Uuid>, outcome: Outcome) -> AuditEvent {
    let refused = outcome == Outcome::Refused;
    AuditEvent {
        tenant_id: tenant,
        actor_type: ActorKind::User,
        actor_user_id: None,
        actor_api_key_id: None,
        action: if refused { "graphql.refused" } else { "graphql.read_private" }.to_owned(),
        resource_type: if refused { "graphql" } else { "agent_conversations" }.to_owned(),
        outcome,
        failure_reason: refused.then(|| "FORBIDDEN: the role may not read private data".to_owned()),
        details: json!({"run": run.to_string(), "sub": "test-user"}),
        ip_address: Some("127.0.0.1".to_owned()),
        user_agent: Some("audit-test/1.0".to_owned()),
        request_id: Uuid::new_v4(),
        http_method: Some("POST".to_owned()),
        request_path: Some("/graphql".to_owned()),
    }
}

/// `(request_id, tenant_id, action, outcome, event_category, actor_type, actor_user_id, actor_api_key_id, details)`
/// of the run's rows.
async fn rows_of(db: &TestDb, run: Uuid) -> Vec<Vec<String>> {
    db.query_strings(&format!(
        "SELECT request_id, tenant_id::text, action, outcome, event_category, actor_type, actor_user_id::text,
                actor_api_key_id::text, details::text, resource_type, failure_reason, ip_address, user_agent,
                http_method, request_path
         FROM audit_log WHERE details->>'run' = '{run}'"
    ))
    .await
}

async fn uuid_of(db: &TestDb, sql: &str) -> Uuid {
    db.scalar(sql).await.parse().unwrap()
}

#[tokio::test]
async fn a_thousand_events_land_in_a_few_statements() {
    let db = seeded_database().await;
    let platform: Uuid = PLATFORM_TENANT.parse().unwrap();
    let tenant =
        uuid_of(&db, &format!("SELECT id::text FROM tenants WHERE id <> '{PLATFORM_TENANT}' ORDER BY id LIMIT 1"))
            .await;
    let user = uuid_of(&db, "SELECT id::text FROM user_profiles ORDER BY id LIMIT 1").await;
    let key = uuid_of(&db, "SELECT id::text FROM api_keys ORDER BY id LIMIT 1").await;
    let writer = AuditWriter::spawn(db.conn.clone(), AuditConfig::default());
    let run = Uuid::new_v4();

    let mut expected = HashMap::new();
    for i in 0..1000 {
        let tenant_id = match i % 3 {
            0 => Some(platform),
            1 => Some(tenant),
            _ => None,
        };
        let outcome = if i % 2 == 0 { Outcome::Refused } else { Outcome::Allowed };
        let mut e = event(run, tenant_id, outcome);
        match i % 5 {
            0 => (e.actor_type, e.actor_api_key_id) = (ActorKind::ApiKey, Some(key)),
            1 => e.actor_user_id = Some(user),
            2 => e.actor_type = ActorKind::Anonymous,
            _ => {}
        }
        expected.insert(e.request_id.to_string(), e.clone());
        writer.record(e);
    }
    writer.flush().await;

    assert_eq!(writer.dropped(), 0);
    assert_eq!(writer.failed(), 0);
    assert_eq!(writer.written(), 1000);
    let batches = writer.batches_written();
    assert!((5..=10).contains(&batches), "1,000 events took {batches} INSERTs");

    let rows = rows_of(&db, run).await;
    assert_eq!(rows.len(), 1000);
    for row in &rows {
        let e = expected.remove(&row[0]).unwrap_or_else(|| panic!("unexpected or duplicate request id {}", row[0]));
        let opt = |v: Option<Uuid>| v.map(|u| u.to_string()).unwrap_or_default();
        assert_eq!(row[1], opt(e.tenant_id), "tenant of {}", row[0]);
        assert_eq!(row[2], e.action);
        let (outcome, category) =
            if e.outcome == Outcome::Refused { ("denied", "authorization") } else { ("success", "data_access") };
        assert_eq!((row[3].as_str(), row[4].as_str()), (outcome, category));
        let actor_type = if e.actor_type == ActorKind::ApiKey { "api_key" } else { "user" };
        assert_eq!(row[5], actor_type);
        assert_eq!(row[6], opt(e.actor_user_id));
        assert_eq!(row[7], opt(e.actor_api_key_id));
        let details: serde_json::Value = serde_json::from_str(&row[8]).unwrap();
        assert_eq!(details["sub"], "test-user");
        let anonymous = if e.actor_type == ActorKind::Anonymous { json!("anonymous") } else { json!(null) };
        assert_eq!(details["actor"], anonymous);
        assert_eq!(row[9], e.resource_type);
        assert_eq!(row[10], e.failure_reason.unwrap_or_default());
        assert_eq!(row[11..15], ["127.0.0.1", "audit-test/1.0", "POST", "/graphql"]);
    }
    assert!(expected.is_empty());

    // created_at is the time of record(), and retain_until got its 7-year default.
    let ok = db
        .scalar(&format!(
            "SELECT (bool_and(created_at <= now()) AND bool_and(retain_until > (now() + interval '6 years')::date))::text
             FROM audit_log WHERE details->>'run' = '{run}'"
        ))
        .await;
    assert_eq!(ok, "true");

    // The server agrees on the number of INSERTs (pg_stat_statements is preloaded by the test
    // cluster; tests reset it for their own database only).
    let calls: u64 = db
        .scalar(&format!(
            "SELECT coalesce(sum(calls), 0)::text FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
             WHERE d.datname = '{}' AND s.query LIKE 'INSERT INTO audit_log%'",
            db.name
        ))
        .await
        .parse()
        .unwrap();
    assert!(calls <= 10, "pg_stat_statements counted {calls} audit INSERTs");
}

#[tokio::test]
async fn a_rejected_event_is_isolated_logged_and_later_batches_land() {
    let logs = Logs::default();
    let _guard = logs.capture();
    let db = seeded_database().await;
    let platform: Uuid = PLATFORM_TENANT.parse().unwrap();
    let writer = AuditWriter::spawn(db.conn.clone(), AuditConfig::default());
    let run = Uuid::new_v4();

    // A batch of 21 with one event whose tenant does not exist (foreign key violation).
    for _ in 0..10 {
        writer.record(event(run, Some(platform), Outcome::Refused));
    }
    let bad = event(run, Some(Uuid::new_v4()), Outcome::Refused);
    let bad_request = bad.request_id;
    writer.record(bad);
    for _ in 0..10 {
        writer.record(event(run, Some(platform), Outcome::Allowed));
    }
    writer.flush().await;
    assert_eq!(writer.failed(), 1);
    assert_eq!(writer.written(), 20);
    let rows = rows_of(&db, run).await;
    assert_eq!(rows.len(), 20, "the 20 good events of the rejected batch are written");
    assert!(rows.iter().all(|r| r[0] != bad_request.to_string()));
    let text = logs.text();
    assert!(text.contains("ERROR") && text.contains("batch_size=21"), "logs:\n{text}");
    assert!(text.contains(&format!("request_id={bad_request}")), "the rejected event is named:\n{text}");

    // A batch of only a bad event (an API key that does not exist) fails alone…
    let mut bad = event(run, None, Outcome::Refused);
    (bad.actor_type, bad.actor_api_key_id) = (ActorKind::ApiKey, Some(Uuid::new_v4()));
    writer.record(bad);
    writer.flush().await;
    assert_eq!(writer.failed(), 2);

    // …and the batches after it land.
    for _ in 0..5 {
        writer.record(event(run, None, Outcome::Allowed));
    }
    writer.flush().await;
    assert_eq!(writer.failed(), 2);
    assert_eq!(writer.written(), 25);
    assert_eq!(rows_of(&db, run).await.len(), 25);
}

#[tokio::test]
async fn record_drops_and_counts_when_the_channel_is_full() {
    let logs = Logs::default();
    let _guard = logs.capture();
    let db = seeded_database().await;
    let interval = Duration::from_millis(50);
    let config = AuditConfig { channel_capacity: 4, flush_interval: interval, ..AuditConfig::default() };
    let writer = AuditWriter::spawn(db.conn.clone(), config);
    let run = Uuid::new_v4();

    // The writer cannot run during this loop: 4 events fit, the other 46 are dropped at once.
    let started = Instant::now();
    for _ in 0..50 {
        writer.record(event(run, None, Outcome::Refused));
    }
    assert!(started.elapsed() < Duration::from_secs(1), "record() blocked: {:?}", started.elapsed());
    assert_eq!(writer.dropped(), 46);

    writer.flush().await;
    assert_eq!(writer.written(), 4);
    assert_eq!(rows_of(&db, run).await.len(), 4);

    // One warning for the whole burst, at the next interval tick.
    tokio::time::sleep(interval * 4).await;
    let text = logs.text();
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("audit events dropped")).collect();
    assert_eq!(warnings.len(), 1, "logs:\n{text}");
    assert!(warnings[0].contains("WARN") && warnings[0].contains("dropped=46"), "{}", warnings[0]);

    // A clone shares the channel and the counters.
    let clone = writer.clone();
    for _ in 0..10 {
        clone.record(event(run, None, Outcome::Refused));
    }
    assert_eq!(writer.dropped(), 52);
    clone.flush().await;
    assert_eq!(rows_of(&db, run).await.len(), 8);
}
