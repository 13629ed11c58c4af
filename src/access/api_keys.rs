//! Partner API keys: creation, revocation and authentication.
//!
//! A key reads `rgk_<prefix>_<secret>`: `prefix` is 8 lowercase hex characters, stored in
//! `api_keys.key_prefix` and used to find the row; `secret` is 32 random bytes from the operating
//! system, base64url without padding (43 characters). Only the SHA-256 of the whole key (lowercase
//! hex) is stored, in `key_hash`; the plaintext is returned once by [`create_key`] and never
//! stored or logged.
//!
//! [`ApiKeyStore::authenticate`] is the hot path. It keeps successful lookups in memory for
//! [`CACHE_TTL`] (keyed by the key's hash), so a known key costs no SQL; the price is that a
//! revocation takes effect in a running gateway within that time (at once in a gateway that calls
//! [`ApiKeyStore::invalidate`]). Expiry is checked on every call, cached or not. Uses are counted
//! in memory and written (`last_used_at`, `usage_count`) by one batched `UPDATE` every few seconds
//! from [`ApiKeyStore::spawn_flusher`].

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{DatabaseConnection, QueryResult, Statement};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppError, Context, ErrorCode};

/// May read the registry (agents, tools, models, ...).
pub const READ_REGISTRY: &str = "read:registry";
/// May read the tenant's conversations.
pub const READ_CONVERSATIONS: &str = "read:conversations";
/// Curate the key's tenant's registry through mutations, as a manager of that tenant would
/// (docs/write-access.md): registry assets of the tenant and its subtree, never global or shared rows.
pub const WRITE_REGISTRY: &str = "write:registry";
/// Every scope a key may be given.
pub const ALL_SCOPES: &[&str] = &[READ_REGISTRY, READ_CONVERSATIONS, WRITE_REGISTRY];

/// How long a successful lookup is trusted without asking the database again; a revoked key may
/// still be accepted for this long by a gateway that had cached it.
pub const CACHE_TTL: Duration = Duration::from_secs(30);
/// At most this many keys are cached; beyond, lookups go to the database.
const MAX_CACHED_KEYS: usize = 10_000;

const KEY_TAG: &str = "rgk_";
const PREFIX_CHARS: usize = 8;
const SECRET_BYTES: usize = 32;
/// base64url of [`SECRET_BYTES`], without padding.
const MIN_SECRET_CHARS: usize = 43;
const MAX_SECRET_CHARS: usize = 128;
/// Attempts at a fresh prefix when one is taken.
const CREATE_ATTEMPTS: usize = 5;

const MALFORMED: &str = "the API key is malformed (expected rgk_<prefix>_<secret>)";
const NOT_VALID: &str = "the API key is not valid";
const REVOKED: &str = "the API key was revoked";

/// What a new key is for. `scopes` must be non-empty and drawn from [`ALL_SCOPES`].
#[derive(Debug, Clone)]
pub struct NewKey {
    pub tenant_id: Uuid,
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub rate_limit_per_minute: Option<i32>,
}

/// Who an accepted key speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyIdentity {
    pub key_id: Uuid,
    pub tenant_id: Uuid,
    pub scopes: Vec<String>,
    /// The key's own limit; `None`: the gateway's default.
    pub rate_limit_per_minute: Option<u32>,
}

/// A key as operators see it: never its hash or secret.
#[derive(Debug, Clone)]
pub struct KeySummary {
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// The 8 characters after `rgk_`.
    pub prefix: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub rate_limit_per_minute: Option<i32>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revocation_reason: Option<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub usage_count: i64,
    pub created_at: DateTime<Utc>,
}

/// Fails with 403 FORBIDDEN unless `identity` holds `scope`.
pub fn require_scope(identity: &KeyIdentity, scope: &str) -> Result<(), AppError> {
    if identity.scopes.iter().any(|s| s == scope) {
        Ok(())
    } else {
        Err(AppError::user(ErrorCode::Forbidden, format!("the API key lacks scope `{scope}`")))
    }
}

/// Creates a key and returns its id and plaintext (shown once: it cannot be recovered).
pub async fn create_key(db: &DatabaseConnection, key: NewKey) -> Result<(Uuid, String), AppError> {
    let name = key.name.trim();
    if name.is_empty() {
        return Err(AppError::bad_input("an API key needs a name"));
    }
    if name.chars().count() > 255 {
        return Err(AppError::bad_input("an API key's name must be at most 255 characters"));
    }
    let mut scopes: Vec<String> = Vec::with_capacity(key.scopes.len());
    for scope in &key.scopes {
        let scope = scope.trim();
        if !ALL_SCOPES.contains(&scope) {
            return Err(AppError::bad_input(format!(
                "unknown API key scope `{scope}`; known scopes: {}",
                ALL_SCOPES.join(", ")
            )));
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    if scopes.is_empty() {
        return Err(AppError::bad_input(format!(
            "an API key needs at least one scope; known scopes: {}",
            ALL_SCOPES.join(", ")
        )));
    }
    if let Some(at) = key.expires_at
        && at <= Utc::now()
    {
        return Err(AppError::bad_input(format!("the expiry {} is not in the future", format_time(at))));
    }
    if key.rate_limit_per_minute.is_some_and(|n| n <= 0) {
        return Err(AppError::bad_input("the rate limit must be at least 1 request a minute"));
    }
    let tenant = crate::database::query_one(
        db,
        Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT 1 AS found FROM tenants WHERE id = $1 AND deleted_at IS NULL",
            [key.tenant_id.into()],
        ),
    )
    .await
    .context("looking up the tenant of a new API key")?;
    if tenant.is_none() {
        return Err(AppError::user(ErrorCode::NotFound, format!("no active tenant with id {}", key.tenant_id)));
    }

    for _ in 0..CREATE_ATTEMPTS {
        let (prefix, plaintext) = generate_key()?;
        let hash = hex(&Sha256::digest(plaintext.as_bytes()));
        let row = crate::database::query_one(db, Statement::from_sql_and_values(
                db.get_database_backend(),
                "INSERT INTO api_keys (tenant_id, name, key_prefix, key_hash, scopes, expires_at, rate_limit_per_minute) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
                [
                    key.tenant_id.into(),
                    name.into(),
                    prefix.clone().into(),
                    hash.into(),
                    scopes.clone().into(),
                    key.expires_at.into(),
                    key.rate_limit_per_minute.into(),
                ],
            ))
            .await
            .context("storing a new API key")?;
        // No row: the random prefix is taken (one in 4 billion per existing key); draw again.
        if let Some(row) = row {
            let id: Uuid = row.try_get("", "id").context("reading a new API key's id")?;
            tracing::info!(key_id = %id, tenant_id = %key.tenant_id, prefix = %prefix, "created an API key");
            return Ok((id, plaintext));
        }
    }
    Err(AppError::internal("storing a new API key", format!("no free key prefix after {CREATE_ATTEMPTS} attempts")))
}

/// Revokes key `id` (idempotent: revoking a revoked key keeps the first revocation). Gateways that
/// cached the key refuse it within [`CACHE_TTL`].
pub async fn revoke_key(db: &DatabaseConnection, id: Uuid, reason: &str) -> Result<(), AppError> {
    let reason = Some(reason.trim()).filter(|r| !r.is_empty()).map(str::to_owned);
    let done = crate::database::execute(
        db,
        Statement::from_sql_and_values(
            db.get_database_backend(),
            "UPDATE api_keys SET revoked_at = now(), revocation_reason = $2, updated_at = now() \
             WHERE id = $1 AND revoked_at IS NULL",
            [id.into(), reason.into()],
        ),
    )
    .await
    .context("revoking an API key")?;
    if done > 0 {
        tracing::info!(key_id = %id, "revoked an API key");
        return Ok(());
    }
    let exists = crate::database::query_one(
        db,
        Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT 1 AS found FROM api_keys WHERE id = $1",
            [id.into()],
        ),
    )
    .await
    .context("looking up an API key")?
    .is_some();
    if exists { Ok(()) } else { Err(AppError::user(ErrorCode::NotFound, format!("no API key with id {id}"))) }
}

/// The keys of `tenant`, newest first.
pub async fn list_keys(db: &DatabaseConnection, tenant: Uuid) -> Result<Vec<KeySummary>, AppError> {
    let rows = crate::database::query_all(
        db,
        Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT id, tenant_id, key_prefix, name, scopes, rate_limit_per_minute, expires_at, revoked_at, \
             revocation_reason, last_used_at, usage_count, created_at \
             FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id",
            [tenant.into()],
        ),
    )
    .await
    .context("listing API keys")?;
    rows.iter().map(summary_from_row).collect::<Result<_, _>>().context("reading API keys")
}

fn summary_from_row(r: &QueryResult) -> Result<KeySummary, sea_orm::DbErr> {
    Ok(KeySummary {
        id: r.try_get("", "id")?,
        tenant_id: r.try_get("", "tenant_id")?,
        prefix: r.try_get("", "key_prefix")?,
        name: r.try_get("", "name")?,
        scopes: r.try_get("", "scopes")?,
        rate_limit_per_minute: r.try_get("", "rate_limit_per_minute")?,
        expires_at: r.try_get("", "expires_at")?,
        revoked_at: r.try_get("", "revoked_at")?,
        revocation_reason: r.try_get("", "revocation_reason")?,
        last_used_at: r.try_get("", "last_used_at")?,
        usage_count: r.try_get("", "usage_count")?,
        created_at: r.try_get("", "created_at")?,
    })
}

/// Authenticates presented keys, with a short-lived cache and batched usage bookkeeping. Clones
/// share the cache and the pending usage.
#[derive(Clone)]
pub struct ApiKeyStore {
    db: DatabaseConnection,
    cache_ttl: Duration,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// SHA-256 of the key → the key as last read.
    cache: Mutex<HashMap<[u8; 32], Cached>>,
    /// Uses not yet written, by key id.
    usage: Mutex<HashMap<Uuid, Usage>>,
}

struct Cached {
    identity: KeyIdentity,
    expires_at: Option<DateTime<Utc>>,
    fetched: Instant,
}

#[derive(Clone, Copy)]
struct Usage {
    count: i64,
    last: DateTime<Utc>,
}

impl ApiKeyStore {
    /// A store caching lookups for [`CACHE_TTL`].
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db, cache_ttl: CACHE_TTL, shared: Arc::default() }
    }

    /// The same with another cache lifetime (`Duration::ZERO`: no caching).
    #[must_use]
    pub fn with_cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache_ttl = ttl;
        self
    }

    /// The key `presented` stands for, or 401 UNAUTHENTICATED saying why not.
    pub async fn authenticate(&self, presented: &str) -> Result<KeyIdentity, AppError> {
        let presented = presented.trim();
        let Some((prefix, _secret)) = parse(presented) else {
            return Err(unauthenticated(MALFORMED));
        };
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let now = Utc::now();

        if let Some(hit) = self.cached(&digest) {
            let (identity, expires_at) = hit;
            if let Some(at) = expires_at
                && at <= now
            {
                self.lock_cache().remove(&digest);
                return Err(expired(at));
            }
            self.record_use(identity.key_id, now);
            return Ok(identity);
        }

        let row = crate::database::query_one(
            &self.db,
            Statement::from_sql_and_values(
                self.db.get_database_backend(),
                "SELECT id, tenant_id, key_hash, scopes, rate_limit_per_minute, expires_at, revoked_at \
                 FROM api_keys WHERE key_prefix = $1",
                [prefix.into()],
            ),
        )
        .await
        .map_err(|e| crate::database::request_error("looking up an API key", e))?;
        let Some(row) = row else {
            tracing::debug!(prefix, "refused an API key with an unknown prefix");
            return Err(unauthenticated(NOT_VALID));
        };
        let stored_hash: String = row.try_get("", "key_hash").context("reading an API key")?;
        if !constant_time_eq(hex(&digest).as_bytes(), stored_hash.as_bytes()) {
            tracing::debug!(prefix, "refused an API key with a wrong secret");
            return Err(unauthenticated(NOT_VALID));
        }
        let revoked_at: Option<DateTime<Utc>> = row.try_get("", "revoked_at").context("reading an API key")?;
        if revoked_at.is_some() {
            return Err(unauthenticated(REVOKED));
        }
        let expires_at: Option<DateTime<Utc>> = row.try_get("", "expires_at").context("reading an API key")?;
        if let Some(at) = expires_at
            && at <= now
        {
            return Err(expired(at));
        }
        let rate_limit: Option<i32> = row.try_get("", "rate_limit_per_minute").context("reading an API key")?;
        let identity = KeyIdentity {
            key_id: row.try_get("", "id").context("reading an API key")?,
            tenant_id: row.try_get("", "tenant_id").context("reading an API key")?,
            scopes: row.try_get("", "scopes").context("reading an API key")?,
            rate_limit_per_minute: rate_limit.and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0),
        };
        self.remember(digest, &identity, expires_at);
        self.record_use(identity.key_id, now);
        Ok(identity)
    }

    /// Forgets cached lookups of key `key_id` (call after revoking it through this process).
    pub fn invalidate(&self, key_id: Uuid) {
        self.lock_cache().retain(|_, c| c.identity.key_id != key_id);
    }

    /// Writes the uses counted since the last flush: one `UPDATE` for all keys. Returns how many
    /// keys it updated. On failure the uses are kept for the next flush.
    pub async fn flush_usage(&self) -> Result<usize, AppError> {
        let pending = std::mem::take(&mut *self.lock_usage());
        if pending.is_empty() {
            return Ok(0);
        }
        let mut ids = Vec::with_capacity(pending.len());
        let mut counts = Vec::with_capacity(pending.len());
        let mut lasts = Vec::with_capacity(pending.len());
        for (id, u) in &pending {
            ids.push(*id);
            counts.push(u.count);
            lasts.push(u.last);
        }
        let result = crate::database::execute(
            &self.db,
            Statement::from_sql_and_values(
                self.db.get_database_backend(),
                "UPDATE api_keys AS k SET usage_count = k.usage_count + u.uses, \
                 last_used_at = GREATEST(k.last_used_at, u.used_at) \
                 FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[]) AS u(id, uses, used_at) \
                 WHERE k.id = u.id",
                [ids.into(), counts.into(), lasts.into()],
            ),
        )
        .await
        .context("recording API key usage");
        match result {
            Ok(done) => Ok(usize::try_from(done).unwrap_or(usize::MAX)),
            Err(e) => {
                let mut usage = self.lock_usage();
                for (id, u) in pending {
                    let entry = usage.entry(id).or_insert(Usage { count: 0, last: u.last });
                    entry.count = entry.count.saturating_add(u.count);
                    entry.last = entry.last.max(u.last);
                }
                Err(e)
            }
        }
    }

    /// Flushes usage every `period` (at least 10 ms) until the runtime stops or the handle is
    /// aborted. Call [`flush_usage`](Self::flush_usage) once more at shutdown to keep the last uses.
    /// Must be called from within a Tokio runtime.
    pub fn spawn_flusher(&self, period: Duration) -> tokio::task::JoinHandle<()> {
        let store = self.clone();
        let period = period.max(Duration::from_millis(10));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                if let Err(e) = store.flush_usage().await {
                    tracing::warn!(error = %e, "recording API key usage failed; will retry");
                }
            }
        })
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Cached>> {
        self.shared.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_usage(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Usage>> {
        self.shared.usage.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn cached(&self, digest: &[u8; 32]) -> Option<(KeyIdentity, Option<DateTime<Utc>>)> {
        let mut cache = self.lock_cache();
        match cache.get(digest) {
            Some(c) if c.fetched.elapsed() < self.cache_ttl => Some((c.identity.clone(), c.expires_at)),
            Some(_) => {
                cache.remove(digest);
                None
            }
            None => None,
        }
    }

    fn remember(&self, digest: [u8; 32], identity: &KeyIdentity, expires_at: Option<DateTime<Utc>>) {
        if self.cache_ttl.is_zero() {
            return;
        }
        let mut cache = self.lock_cache();
        if cache.len() >= MAX_CACHED_KEYS {
            let ttl = self.cache_ttl;
            cache.retain(|_, c| c.fetched.elapsed() < ttl);
        }
        if cache.len() < MAX_CACHED_KEYS {
            cache.insert(digest, Cached { identity: identity.clone(), expires_at, fetched: Instant::now() });
        }
    }

    fn record_use(&self, key_id: Uuid, at: DateTime<Utc>) {
        let mut usage = self.lock_usage();
        let entry = usage.entry(key_id).or_insert(Usage { count: 0, last: at });
        entry.count = entry.count.saturating_add(1);
        entry.last = entry.last.max(at);
    }
}

/// `(prefix, secret)` of a well-formed key.
fn parse(presented: &str) -> Option<(&str, &str)> {
    let rest = presented.strip_prefix(KEY_TAG)?;
    let (prefix, rest) = rest.split_at_checked(PREFIX_CHARS)?;
    let secret = rest.strip_prefix('_')?;
    let prefix_ok = prefix.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let secret_ok = (MIN_SECRET_CHARS..=MAX_SECRET_CHARS).contains(&secret.len())
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (prefix_ok && secret_ok).then_some((prefix, secret))
}

/// A fresh `(prefix, key)`.
fn generate_key() -> Result<(String, String), AppError> {
    let prefix = hex(&os_random::<{ PREFIX_CHARS / 2 }>()?);
    let secret = URL_SAFE_NO_PAD.encode(os_random::<SECRET_BYTES>()?);
    let key = format!("{KEY_TAG}{prefix}_{secret}");
    Ok((prefix, key))
}

/// `N` bytes from the operating system's random source. (`rand` is built without its OS source
/// here, so the kernel's device is read directly.)
fn os_random<const N: usize>() -> Result<[u8; N], AppError> {
    use std::io::Read as _;
    let mut buf = [0u8; N];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .context("reading random bytes from /dev/urandom")?;
    Ok(buf)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Equality whose time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| black_box(acc | (x ^ y)));
    black_box(diff) == 0
}

fn unauthenticated(message: &str) -> AppError {
    AppError::user(ErrorCode::Unauthenticated, message)
}

fn expired(at: DateTime<Utc>) -> AppError {
    AppError::user(ErrorCode::Unauthenticated, format!("the API key expired at {}", format_time(at)))
}

fn format_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_well_formed_and_distinct() {
        let (prefix, key) = generate_key().expect("random bytes");
        let (p, secret) = parse(&key).expect("a generated key parses");
        assert_eq!(p, prefix);
        assert_eq!(prefix.len(), 8);
        assert_eq!(URL_SAFE_NO_PAD.decode(secret).expect("base64url").len(), SECRET_BYTES);
        assert!(key.starts_with("rgk_"));
        let (_, other) = generate_key().expect("random bytes");
        assert_ne!(key, other);
    }

    #[test]
    fn malformed_keys_are_rejected_by_shape() {
        let secret = "A".repeat(43);
        assert!(parse(&format!("rgk_0123abcd_{secret}")).is_some());
        assert!(parse(&format!("rgk_0123abcd_{}", "a_b-".repeat(11))).is_some(), "base64url may hold _ and -");
        for bad in [
            String::new(),
            "rgk_".to_owned(),
            format!("rgx_0123abcd_{secret}"),
            format!("rgk_0123ABCD_{secret}"),
            format!("rgk_0123abc_{secret}"),
            format!("rgk_0123abcd{secret}"),
            format!("rgk_0123abcd_{}", &secret[..42]),
            format!("rgk_0123abcd_{}", "A".repeat(129)),
            format!("rgk_0123abcd_{}+", &secret[..42]),
            format!("rgk_0123abcé_{secret}"),
        ] {
            assert!(parse(&bad).is_none(), "{bad:?} should be malformed");
        }
    }

    #[test]
    fn hex_and_comparison() {
        assert_eq!(hex(&Sha256::digest(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn scopes_are_required_by_name() {
        let identity = KeyIdentity {
            key_id: Uuid::nil(),
            tenant_id: Uuid::nil(),
            scopes: vec![READ_REGISTRY.to_owned()],
            rate_limit_per_minute: None,
        };
        assert!(require_scope(&identity, READ_REGISTRY).is_ok());
        let err = require_scope(&identity, READ_CONVERSATIONS).expect_err("refused");
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert_eq!(err.client_message(), "the API key lacks scope `read:conversations`");
    }
}
