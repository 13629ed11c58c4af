//! Partner API keys against a real database: a new key is stored only as a hash, authentication
//! accepts exactly that key and says why it refuses others, and revocation, expiry, the lookup
//! cache and the usage flusher behave as documented in `src/api_keys.rs`.

use std::time::Duration;

use registry_gateway::access::api_keys::{self, ApiKeyStore, KeyIdentity, NewKey, READ_CONVERSATIONS, READ_REGISTRY};
use registry_gateway::error::{AppError, ErrorCode};
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::{TestDb, run_cli, seeded_database};

const MALFORMED: &str = "the API key is malformed (expected rgk_<prefix>_<secret>)";
const NOT_VALID: &str = "the API key is not valid";
const REVOKED: &str = "the API key was revoked";

/// An active tenant below the platform (so it sees only its own subtree).
async fn some_tenant(db: &TestDb) -> Uuid {
    let id = db
        .scalar(
            "SELECT id::text FROM tenants WHERE deleted_at IS NULL AND tenant_level::text <> 'platform' \
             ORDER BY id LIMIT 1",
        )
        .await;
    id.parse().expect("a tenant id")
}

fn new_key(tenant: Uuid) -> NewKey {
    NewKey {
        tenant_id: tenant,
        name: "partner integration".to_owned(),
        scopes: vec![READ_REGISTRY.to_owned()],
        expires_at: None,
        rate_limit_per_minute: Some(120),
    }
}

async fn create(db: &TestDb, key: NewKey) -> (Uuid, String) {
    api_keys::create_key(&db.conn, key).await.expect("create a key")
}

fn assert_refused(result: Result<KeyIdentity, AppError>, message: &str) {
    let err = result.expect_err("the key should be refused");
    assert_eq!(err.code(), ErrorCode::Unauthenticated, "{err}");
    assert_eq!(err.client_message(), message);
}

fn assert_user_error<T: std::fmt::Debug>(result: Result<T, AppError>, code: ErrorCode, contains: &str) {
    let err = result.expect_err("should fail");
    assert_eq!(err.code(), code, "{err}");
    assert!(err.client_message().contains(contains), "expected {contains:?} in: {}", err.client_message());
}

/// The secret part of `rgk_<prefix>_<secret>`.
fn secret_of(key: &str) -> &str {
    &key["rgk_".len() + 8 + 1..]
}

#[tokio::test]
async fn a_new_key_authenticates_as_its_tenant_with_its_scopes() {
    let db = seeded_database().await;
    let tenant = some_tenant(&db).await;
    let mut spec = new_key(tenant);
    spec.scopes = vec![READ_REGISTRY.to_owned(), READ_CONVERSATIONS.to_owned(), READ_REGISTRY.to_owned()];
    let (id, key) = create(&db, spec).await;
    assert!(key.starts_with("rgk_"), "{key}");

    let store = ApiKeyStore::new(db.conn.clone());
    let identity = store.authenticate(&key).await.expect("the new key is accepted");
    assert_eq!(
        identity,
        KeyIdentity {
            key_id: id,
            tenant_id: tenant,
            scopes: vec![READ_REGISTRY.to_owned(), READ_CONVERSATIONS.to_owned()],
            rate_limit_per_minute: Some(120),
        }
    );
    // Cached the second time, same answer.
    assert_eq!(store.authenticate(&key).await.expect("accepted again"), identity);
    // Surrounding whitespace (a pasted header value) is tolerated.
    assert_eq!(store.authenticate(&format!(" {key}\n")).await.expect("trimmed"), identity);

    let listed = api_keys::list_keys(&db.conn, tenant).await.expect("list keys");
    let mine = listed.iter().find(|k| k.id == id).expect("the new key is listed");
    assert_eq!(mine.prefix, key[4..12]);
    assert_eq!(mine.name, "partner integration");
    assert!(mine.revoked_at.is_none() && mine.expires_at.is_none());
}

#[tokio::test]
async fn the_database_holds_only_the_hash_of_the_key() {
    let db = seeded_database().await;
    let tenant = some_tenant(&db).await;
    let (id, key) = create(&db, new_key(tenant)).await;
    let secret = secret_of(&key);
    assert!(secret.len() >= 43, "32+ random bytes in base64url: {secret}");

    let row = db.scalar(&format!("SELECT row_to_json(k)::text FROM api_keys k WHERE id = '{id}'")).await;
    assert!(!row.contains(secret), "the secret is stored: {row}");
    assert!(!row.contains(&key), "the key is stored: {row}");

    let stored =
        db.query_strings(&format!("SELECT key_hash, key_prefix FROM api_keys WHERE id = '{id}'")).await.remove(0);
    let expected_hash = format!("{:x}", Sha256::digest(key.as_bytes()));
    assert_eq!(stored[0], expected_hash, "key_hash is the SHA-256 of the whole key");
    assert_eq!(stored[0].len(), 64);
    assert!(stored[0].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    assert_eq!(stored[1], key[4..12], "key_prefix is the lookup prefix");
}

#[tokio::test]
async fn wrong_unknown_and_malformed_keys_are_refused_with_the_reason() {
    let db = seeded_database().await;
    let (_, key) = create(&db, new_key(some_tenant(&db).await)).await;
    let store = ApiKeyStore::new(db.conn.clone());
    store.authenticate(&key).await.expect("the real key is accepted");

    // Same prefix, one character of the secret changed.
    let mut wrong = key.clone();
    let last = wrong.pop().expect("a non-empty key");
    wrong.push(if last == 'A' { 'B' } else { 'A' });
    assert_refused(store.authenticate(&wrong).await, NOT_VALID);

    // A prefix nobody has.
    let other_prefix = if &key[4..12] == "00000000" { "ffffffff" } else { "00000000" };
    let unknown = format!("rgk_{other_prefix}_{}", secret_of(&key));
    assert_refused(store.authenticate(&unknown).await, NOT_VALID);

    for malformed in [
        String::new(),
        "hello".to_owned(),
        format!("Bearer {key}"),
        key.to_uppercase(),
        key[..key.len() - 5].to_owned(),
        format!("rgk_{}", secret_of(&key)),
        key.replacen("rgk_", "rg_", 1),
    ] {
        assert_refused(store.authenticate(&malformed).await, MALFORMED);
    }
}

#[tokio::test]
async fn a_revoked_key_is_refused_once_the_cache_expires() {
    let db = seeded_database().await;
    let (id, key) = create(&db, new_key(some_tenant(&db).await)).await;
    let cached = ApiKeyStore::new(db.conn.clone()).with_cache_ttl(Duration::from_secs(2));
    let invalidated = ApiKeyStore::new(db.conn.clone());
    cached.authenticate(&key).await.expect("accepted before revocation");
    invalidated.authenticate(&key).await.expect("accepted before revocation");

    api_keys::revoke_key(&db.conn, id, "partner contract ended").await.expect("revoke");
    // The documented window: a store that cached the key still accepts it until its TTL passes.
    cached.authenticate(&key).await.expect("still cached");
    assert_eq!(
        db.scalar(&format!("SELECT revocation_reason FROM api_keys WHERE id = '{id}'")).await,
        "partner contract ended"
    );
    assert_eq!(
        db.scalar(&format!("SELECT (revoked_at IS NOT NULL)::text FROM api_keys WHERE id = '{id}'")).await,
        "true"
    );

    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_refused(cached.authenticate(&key).await, REVOKED);

    // A store created after the revocation refuses at once; so does one told to forget the key.
    assert_refused(ApiKeyStore::new(db.conn.clone()).authenticate(&key).await, REVOKED);
    invalidated.invalidate(id);
    assert_refused(invalidated.authenticate(&key).await, REVOKED);

    // Revoking again keeps the first revocation; an unknown id is NOT_FOUND.
    api_keys::revoke_key(&db.conn, id, "again").await.expect("revoking twice is fine");
    assert_eq!(
        db.scalar(&format!("SELECT revocation_reason FROM api_keys WHERE id = '{id}'")).await,
        "partner contract ended"
    );
    assert_user_error(
        api_keys::revoke_key(&db.conn, Uuid::new_v4(), "x").await,
        ErrorCode::NotFound,
        "no API key with id",
    );
}

#[tokio::test]
async fn an_expired_key_is_refused_with_its_expiry() {
    let db = seeded_database().await;
    let tenant = some_tenant(&db).await;

    // Expired in the database.
    let mut spec = new_key(tenant);
    spec.expires_at = Some(chrono::Utc::now() + chrono::TimeDelta::days(30));
    let (id, key) = create(&db, spec).await;
    db.conn
        .execute_unprepared(&format!("UPDATE api_keys SET expires_at = '2024-01-02T03:04:05Z' WHERE id = '{id}'"))
        .await
        .expect("backdate the expiry");
    assert_refused(
        ApiKeyStore::new(db.conn.clone()).authenticate(&key).await,
        "the API key expired at 2024-01-02T03:04:05Z",
    );

    // Expiring while cached: the cache does not outlive the expiry.
    let mut spec = new_key(tenant);
    let expires_at = chrono::Utc::now() + chrono::TimeDelta::seconds(3);
    spec.expires_at = Some(expires_at);
    let (_, key) = create(&db, spec).await;
    let store = ApiKeyStore::new(db.conn.clone());
    store.authenticate(&key).await.expect("accepted before the expiry");
    let until_expired = (expires_at - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(until_expired + Duration::from_millis(200)).await;
    let expected = format!("the API key expired at {}", expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    assert_refused(store.authenticate(&key).await, &expected);

    // Creating an already expired key is refused.
    let mut spec = new_key(tenant);
    spec.expires_at = Some(chrono::Utc::now() - chrono::TimeDelta::minutes(1));
    assert_user_error(api_keys::create_key(&db.conn, spec).await, ErrorCode::BadUserInput, "not in the future");
}

#[tokio::test]
async fn usage_is_recorded_by_the_flusher() {
    let db = seeded_database().await;
    let (id, key) = create(&db, new_key(some_tenant(&db).await)).await;
    let usage_sql = format!(
        "SELECT usage_count::text, (last_used_at IS NOT NULL)::text, coalesce(last_used_at::text, '') \
         FROM api_keys WHERE id = '{id}'"
    );
    assert_eq!(db.query_strings(&usage_sql).await[0][..2], ["0".to_owned(), "false".to_owned()]);

    let store = ApiKeyStore::new(db.conn.clone());
    let flusher = store.spawn_flusher(Duration::from_millis(50));
    let before = chrono::Utc::now();
    for _ in 0..3 {
        store.authenticate(&key).await.expect("accepted");
    }
    let mut row = Vec::new();
    for _ in 0..100 {
        row = db.query_strings(&usage_sql).await.remove(0);
        if row[0] == "3" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(row[..2], ["3".to_owned(), "true".to_owned()], "usage after the flusher ran: {row:?}");
    let recent = db
        .scalar(&format!(
            "SELECT (last_used_at BETWEEN '{}'::timestamptz - interval '1 second' AND now())::text \
             FROM api_keys WHERE id = '{id}'",
            before.to_rfc3339()
        ))
        .await;
    assert_eq!(recent, "true", "last_used_at is the time of the last use: {row:?}");

    // More uses add up; nothing pending is written twice.
    store.authenticate(&key).await.expect("accepted");
    flusher.abort();
    assert_eq!(store.flush_usage().await.expect("flush"), 1);
    assert_eq!(store.flush_usage().await.expect("flush"), 0, "nothing left to write");
    assert_eq!(db.query_strings(&usage_sql).await[0][0], "4");
}

#[tokio::test]
async fn cached_lookups_do_not_query_the_database() {
    let db = seeded_database().await;
    let (id, key) = create(&db, new_key(some_tenant(&db).await)).await;
    let store = ApiKeyStore::new(db.conn.clone());
    let identity = store.authenticate(&key).await.expect("accepted");
    db.conn.execute_unprepared(&format!("DELETE FROM api_keys WHERE id = '{id}'")).await.expect("delete the key");
    assert_eq!(store.authenticate(&key).await.expect("served from the cache"), identity);
    assert_refused(ApiKeyStore::new(db.conn.clone()).authenticate(&key).await, NOT_VALID);
    // Usage of a key deleted meanwhile is dropped without error.
    assert_eq!(store.flush_usage().await.expect("flush"), 0);
}

#[tokio::test]
async fn scopes_are_enforced() {
    let db = seeded_database().await;
    let (_, key) = create(&db, new_key(some_tenant(&db).await)).await;
    let identity = ApiKeyStore::new(db.conn.clone()).authenticate(&key).await.expect("accepted");
    api_keys::require_scope(&identity, READ_REGISTRY).expect("granted");
    let err = api_keys::require_scope(&identity, READ_CONVERSATIONS).expect_err("not granted");
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert_eq!(err.client_message(), "the API key lacks scope `read:conversations`");
}

#[tokio::test]
async fn bad_key_specifications_are_refused_with_the_reason() {
    let db = seeded_database().await;
    let tenant = some_tenant(&db).await;
    let with = |f: &dyn Fn(&mut NewKey)| {
        let mut k = new_key(tenant);
        f(&mut k);
        k
    };
    let cases = [
        (with(&|k| k.scopes = vec!["write:everything".to_owned()]), ErrorCode::BadUserInput, "unknown API key scope"),
        (with(&|k| k.scopes.clear()), ErrorCode::BadUserInput, "at least one scope"),
        (with(&|k| k.name = "  ".to_owned()), ErrorCode::BadUserInput, "needs a name"),
        (with(&|k| k.rate_limit_per_minute = Some(0)), ErrorCode::BadUserInput, "at least 1 request a minute"),
        (with(&|k| k.tenant_id = Uuid::new_v4()), ErrorCode::NotFound, "no active tenant"),
    ];
    for (spec, code, message) in cases {
        assert_user_error(api_keys::create_key(&db.conn, spec).await, code, message);
    }
}

#[tokio::test]
async fn the_cli_creates_lists_and_revokes_keys() {
    let db = seeded_database().await;
    let tenant = some_tenant(&db).await.to_string();
    let url = db.url.clone();
    let cli = move |args: Vec<String>| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run_cli(&args, &[("DATABASE_URL", &url)])
        })
    };
    let args = |s: &[&str]| s.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();

    let created = cli(args(&[
        "keys",
        "create",
        "--tenant",
        &tenant,
        "--name",
        "cli partner",
        "--scope",
        READ_REGISTRY,
        "--scope",
        READ_CONVERSATIONS,
        "--expires-in-days",
        "30",
        "--rate-limit-per-minute",
        "60",
    ]))
    .await
    .expect("run the CLI");
    assert!(created.status.success(), "stdout: {}\nstderr: {}", created.stdout, created.stderr);
    let key =
        created.stdout.lines().find_map(|l| l.strip_prefix("key: ")).expect("the key is printed").trim().to_owned();
    let id = created.stdout.lines().find_map(|l| l.strip_prefix("id:")).expect("the id is printed").trim().to_owned();
    let identity = ApiKeyStore::new(db.conn.clone()).authenticate(&key).await.expect("the printed key works");
    assert_eq!(identity.key_id.to_string(), id);
    assert_eq!(identity.scopes, [READ_REGISTRY, READ_CONVERSATIONS]);
    assert_eq!(identity.rate_limit_per_minute, Some(60));

    let listed = cli(args(&["keys", "list", "--tenant", &tenant])).await.expect("run the CLI");
    assert!(listed.status.success(), "{}", listed.stderr);
    let line = listed.stdout.lines().find(|l| l.contains(&id)).expect("the key is listed");
    assert!(line.contains(&key[4..12]) && line.contains("cli partner") && line.contains("active"), "{line}");
    let hash = format!("{:x}", Sha256::digest(key.as_bytes()));
    assert!(!listed.stdout.contains(&hash) && !listed.stdout.contains(secret_of(&key)), "{}", listed.stdout);

    let revoked = cli(args(&["keys", "revoke", &id, "--reason", "rotated"])).await.expect("run the CLI");
    assert!(revoked.status.success(), "{}", revoked.stderr);
    assert_refused(ApiKeyStore::new(db.conn.clone()).authenticate(&key).await, REVOKED);
    let listed = cli(args(&["keys", "list", "--tenant", &tenant])).await.expect("run the CLI");
    assert!(listed.stdout.lines().any(|l| l.contains(&id) && l.contains("revoked")), "{}", listed.stdout);

    let unknown = cli(args(&["keys", "create", "--tenant", &tenant, "--name", "x", "--scope", "admin"]))
        .await
        .expect("run the CLI");
    assert_eq!(unknown.status.code(), Some(1));
    assert!(unknown.stderr.starts_with("error: unknown API key scope `admin`"), "{}", unknown.stderr);
}
