//! The store behind Apollo Automatic Persisted Queries (APQ).
//!
//! Keys are lowercase SHA-256 hex digests of the query text; values are the query text. The store is
//! bounded twice: by an entry count (`capacity`) and by the total bytes of keys and queries, so that
//! clients registering many large queries cannot grow the gateway's memory without limit. When a
//! bound is hit, the least recently used entries (by `get` or `insert`) are evicted.
//!
//! Registering a query is open to every client (that is how APQ works); the hash is verified by the
//! protocol layer before [`PersistedQueries::insert`] is called, so an entry can never map a hash to
//! a different query.
//!
//! With Redis configured ([`PersistedQueries::shared`]), replicas share their queries: this map is
//! then a local cache in front of Redis, and the fallback while Redis is down. The protocol layer
//! stays synchronous; [`PersistedQueries::with_shared`] wraps it: before parsing it loads from Redis
//! the hashes the request names that are not cached here, after parsing it writes to Redis what
//! the request registered, before the answer leaves. Finding the hashes is a scan for
//! `sha256Hash` in the body and the URL's `extensions`; a hash it misses (say, written with JSON
//! escapes) only costs the client the usual `PersistedQueryNotFound` round trip, which registers
//! the query again.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sha2::{Digest, Sha256};

use crate::access::shared_state::SharedState;

/// A sensible default for the number of stored queries.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// The default bound on the bytes held (hash keys plus query texts): 64 MiB.
pub const DEFAULT_MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;

/// The most hashes one request loads from Redis (a batch names one per operation).
const MAX_HASHES_PER_REQUEST: usize = 64;

/// A thread-safe, bounded, least-recently-used map from SHA-256 hex digest to query text.
pub struct PersistedQueries {
    capacity: usize,
    max_total_bytes: usize,
    inner: Mutex<Inner>,
    shared: Option<Shared>,
}

/// The Redis side of a shared store.
struct Shared {
    redis: Arc<SharedState>,
    /// Queries registered here and not yet written to Redis.
    pending: Mutex<Vec<(Arc<str>, Arc<str>)>>,
    /// Held while pending queries are written: a request that registered a query waits for it,
    /// even when another request took it from `pending`.
    writing: tokio::sync::Mutex<()>,
    /// Queries registered so far (tells a request whether it registered one).
    registered: AtomicU64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Arc<str>, Entry>,
    /// Recency order: the smallest stamp is the least recently used entry.
    recency: BTreeMap<u64, Arc<str>>,
    clock: u64,
    total_bytes: usize,
}

struct Entry {
    query: Arc<str>,
    stamp: u64,
}

impl PersistedQueries {
    /// A store holding at most `capacity` queries (and at most [`DEFAULT_MAX_TOTAL_BYTES`] bytes).
    /// A capacity of 0 stores nothing, which makes every hash-only request `PersistedQueryNotFound`.
    pub fn new(capacity: usize) -> Self {
        Self::with_limits(capacity, DEFAULT_MAX_TOTAL_BYTES)
    }

    /// A store holding at most `capacity` queries whose hashes and texts total at most
    /// `max_total_bytes` bytes.
    pub fn with_limits(capacity: usize, max_total_bytes: usize) -> Self {
        Self { capacity, max_total_bytes, inner: Mutex::new(Inner::default()), shared: None }
    }

    /// A store of at most `capacity` queries in process that shares its queries through `redis`.
    pub fn shared(capacity: usize, redis: Arc<SharedState>) -> Self {
        Self {
            shared: Some(Shared {
                redis,
                pending: Mutex::new(Vec::new()),
                writing: tokio::sync::Mutex::new(()),
                registered: AtomicU64::new(0),
            }),
            ..Self::new(capacity)
        }
    }

    /// Runs `parse` (the protocol layer, which calls [`get`](Self::get) and
    /// [`insert`](Self::insert)) on this store, around it sharing queries through Redis: first the
    /// hashes named by `query_string` (a GET's URL) and `body` that are not cached here are loaded
    /// from Redis; then the queries `parse` registered are written to Redis. Without Redis, or
    /// while it is down, this is `parse(self)`.
    pub async fn with_shared<T>(&self, query_string: &str, body: &[u8], parse: impl FnOnce(&Self) -> T) -> T {
        let Some(shared) = &self.shared else {
            return parse(self);
        };
        if self.capacity > 0 {
            self.load_from_redis(shared, query_string, body).await;
        }
        let registered = shared.registered.load(Ordering::Acquire);
        let answer = parse(self);
        if shared.registered.load(Ordering::Acquire) != registered {
            let _writing = shared.writing.lock().await;
            let entries = std::mem::take(&mut *shared.pending.lock().unwrap_or_else(PoisonError::into_inner));
            if !entries.is_empty() {
                // Not written (Redis down): the query stays in this replica's cache only.
                shared.redis.put_queries(&entries).await;
            }
        }
        answer
    }

    async fn load_from_redis(&self, shared: &Shared, query_string: &str, body: &[u8]) {
        let mut hashes = Vec::new();
        if !query_string.is_empty()
            && let Ok(pairs) = actix_web::web::Query::<Vec<(String, String)>>::from_query(query_string)
        {
            for (name, value) in pairs.iter() {
                if name == "extensions" {
                    hashes_named_in(value.as_bytes(), &mut hashes);
                }
            }
        }
        hashes_named_in(body, &mut hashes);
        hashes.sort_unstable();
        hashes.dedup();
        {
            let inner = self.lock();
            hashes.retain(|h| !inner.entries.contains_key(h.as_str()));
        }
        hashes.truncate(MAX_HASHES_PER_REQUEST);
        if hashes.is_empty() {
            return;
        }
        let Some(found) = shared.redis.get_queries(&hashes).await else { return };
        for (hash, query) in hashes.iter().zip(found) {
            // Only a query whose digest is its key: Redis is shared, so check what comes back.
            if let Some(query) = query
                && sha256_hex(&query) == *hash
            {
                self.insert_local(hash, &query);
            }
        }
    }

    /// The query stored under `sha256_hex` (case-insensitive), marking it as recently used.
    pub fn get(&self, sha256_hex: &str) -> Option<Arc<str>> {
        let key = normalize(sha256_hex);
        let mut inner = self.lock();
        let inner = &mut *inner;
        let stamp = inner.tick();
        let entry = inner.entries.get_mut(key.as_ref())?;
        let old = std::mem::replace(&mut entry.stamp, stamp);
        let query = Arc::clone(&entry.query);
        if let Some(name) = inner.recency.remove(&old) {
            inner.recency.insert(stamp, name);
        }
        Some(query)
    }

    /// Stores `query` under `sha256_hex` (case-insensitive), evicting least recently used entries
    /// while the store is over either bound. The caller must have checked that `sha256_hex` is the
    /// digest of `query` (see [`sha256_hex`]). An entry larger than the byte bound is not stored.
    /// With Redis, the query is also queued for [`with_shared`](Self::with_shared) to write there.
    pub fn insert(&self, sha256_hex: &str, query: &str) {
        let Some((key, query)) = self.insert_local(sha256_hex, query) else { return };
        if let Some(shared) = &self.shared {
            shared.pending.lock().unwrap_or_else(PoisonError::into_inner).push((key, query));
            shared.registered.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Stores in this process only; returns the stored key and query.
    fn insert_local(&self, sha256_hex: &str, query: &str) -> Option<(Arc<str>, Arc<str>)> {
        let key: Arc<str> = Arc::from(normalize(sha256_hex).as_ref());
        let size = key.len() + query.len();
        if self.capacity == 0 || size > self.max_total_bytes {
            return None;
        }
        let query: Arc<str> = Arc::from(query);
        let mut inner = self.lock();
        inner.remove(&key);
        let stamp = inner.tick();
        inner.recency.insert(stamp, Arc::clone(&key));
        inner.entries.insert(Arc::clone(&key), Entry { query: Arc::clone(&query), stamp });
        inner.total_bytes += size;
        while inner.entries.len() > self.capacity || inner.total_bytes > self.max_total_bytes {
            let Some((_, oldest)) = inner.recency.pop_first() else { break };
            if let Some(entry) = inner.entries.remove(&oldest) {
                inner.total_bytes -= oldest.len() + entry.query.len();
            }
        }
        Some((key, query))
    }

    /// The number of stored queries.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The maximum number of stored queries.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The bytes (hash keys plus query texts) currently held.
    pub fn total_bytes(&self) -> usize {
        self.lock().total_bytes
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The map is consistent after every statement that can panic (none should), so a poisoned
        // lock is still safe to use.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for PersistedQueries {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl fmt::Debug for PersistedQueries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("PersistedQueries")
            .field("capacity", &self.capacity)
            .field("max_total_bytes", &self.max_total_bytes)
            .field("len", &inner.entries.len())
            .field("total_bytes", &inner.total_bytes)
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn remove(&mut self, key: &str) {
        if let Some(entry) = self.entries.remove(key) {
            self.recency.remove(&entry.stamp);
            self.total_bytes -= key.len() + entry.query.len();
        }
    }
}

/// The lowercase hex SHA-256 digest of `text`, as Apollo clients compute it for APQ.
pub fn sha256_hex(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(digest.len() * 2);
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// Appends the SHA-256 hex digests (lowercased) that follow a `sha256Hash` name in `text`.
fn hashes_named_in(text: &[u8], out: &mut Vec<String>) {
    const NAME: &[u8] = b"sha256Hash";
    let mut rest = text;
    while let Some(at) = rest.windows(NAME.len()).position(|w| w == NAME) {
        rest = &rest[at + NAME.len()..];
        let value_at = rest.iter().position(|b| !matches!(b, b'"' | b':' | b' ' | b'\t' | b'\r' | b'\n'));
        let Some(value_at) = value_at else { break };
        let value = &rest[value_at..];
        let digits = value.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if digits == 64 && out.len() < MAX_HASHES_PER_REQUEST {
            out.push(String::from_utf8_lossy(&value[..64]).to_ascii_lowercase());
        }
    }
}

fn normalize(hash: &str) -> std::borrow::Cow<'_, str> {
    if hash.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(hash.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(hash)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_matches_known_digests() {
        assert_eq!(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256_hex("{ __typename }"), "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b");
    }

    #[test]
    fn the_hashes_a_request_names_are_found() {
        let a = sha256_hex("{ a }");
        let b = sha256_hex("{ b }");
        let mut found = Vec::new();
        let body = format!(
            r#"[{{"extensions":{{"persistedQuery":{{"version":1,"sha256Hash":"{a}"}}}}}},
                {{"extensions": {{"persistedQuery": {{"sha256Hash" : "{}", "version": 1}}}}}}]"#,
            b.to_ascii_uppercase()
        );
        hashes_named_in(body.as_bytes(), &mut found);
        assert_eq!(found, [a.clone(), b.clone()], "lowercased, in order");
        found.clear();
        // Not a digest: too short, too long, or no value at all.
        let odd = format!(r#"{{"sha256Hash":"{}"}} {{"sha256Hash":"{a}0"}} "sha256Hash""#, &a[..63]);
        hashes_named_in(odd.as_bytes(), &mut found);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn get_returns_what_insert_stored_case_insensitively() {
        let store = PersistedQueries::new(10);
        assert!(store.is_empty());
        let hash = sha256_hex("{ a }");
        assert!(store.get(&hash).is_none());
        store.insert(&hash, "{ a }");
        assert_eq!(store.get(&hash).as_deref(), Some("{ a }"));
        assert_eq!(store.get(&hash.to_ascii_uppercase()).as_deref(), Some("{ a }"));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn reinserting_replaces_without_duplicating() {
        let store = PersistedQueries::new(10);
        store.insert("abc", "{ a }");
        store.insert("ABC", "{ a }");
        assert_eq!(store.len(), 1);
        assert_eq!(store.total_bytes(), "abc".len() + "{ a }".len());
    }

    #[test]
    fn evicts_the_least_recently_used_entry() {
        let store = PersistedQueries::new(2);
        store.insert("a", "{ a }");
        store.insert("b", "{ b }");
        // Touch `a`, so `b` is now the least recently used.
        assert!(store.get("a").is_some());
        store.insert("c", "{ c }");
        assert_eq!(store.len(), 2);
        assert!(store.get("a").is_some());
        assert!(store.get("b").is_none(), "b was least recently used");
        assert!(store.get("c").is_some());
    }

    #[test]
    fn capacity_zero_stores_nothing() {
        let store = PersistedQueries::new(0);
        store.insert("a", "{ a }");
        assert!(store.get("a").is_none());
        assert_eq!(store.capacity(), 0);
    }

    #[test]
    fn byte_bound_evicts_and_refuses_oversized_entries() {
        // Each entry is 1 + 5 = 6 bytes; 13 bytes hold two.
        let store = PersistedQueries::with_limits(100, 13);
        store.insert("a", "{ a }");
        store.insert("b", "{ b }");
        store.insert("c", "{ c }");
        assert_eq!(store.len(), 2);
        assert!(store.get("a").is_none());
        assert!(store.total_bytes() <= 13);

        store.insert("d", &"x".repeat(20));
        assert!(store.get("d").is_none(), "an entry over the byte bound is not stored");
        assert_eq!(store.len(), 2, "and evicts nothing");
    }

    #[test]
    fn is_usable_from_many_threads() {
        let store = Arc::new(PersistedQueries::new(64));
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    for i in 0..200 {
                        let query = format!("{{ f{t}_{i} }}");
                        let hash = sha256_hex(&query);
                        store.insert(&hash, &query);
                        if let Some(found) = store.get(&hash) {
                            assert_eq!(&*found, query);
                        }
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(store.len(), 64);
        let inner = store.lock();
        assert_eq!(inner.recency.len(), inner.entries.len());
        let bytes: usize = inner.entries.iter().map(|(k, e)| k.len() + e.query.len()).sum();
        assert_eq!(bytes, inner.total_bytes);
    }
}
