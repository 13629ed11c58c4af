//! State that gateway replicas share through Redis (`REGISTRY_REDIS_URL`): the rate-limit buckets
//! and the Automatic Persisted Queries.
//!
//! Why: both used to live in one process only, so two replicas doubled every partner's limit, and a
//! query persisted through one replica was unknown to the next (Apollo clients then resend the
//! text). With Redis, N gateways enforce one limit and share persisted queries.
//!
//! * A bucket is one key holding the GCRA "theoretical arrival time" in microseconds, updated by
//!   one Lua script ([`GCRA_SCRIPT`]) that reads Redis `TIME`, so replicas agree on the clock and
//!   no two requests can take the same token. The key expires once the bucket has refilled (a
//!   missing bucket is a full one), so idle keys cost nothing.
//! * A persisted query is one key per hash with a [`APQ_TTL`] expiry that each read renews.
//!
//! Redis is never allowed to fail a request. Every call has a short timeout
//! (`REGISTRY_REDIS_TIMEOUT_MS`); a failed or slow call makes the caller fall back to its
//! in-process state (per-process limits, the local LRU of queries). One warning is logged when an
//! outage starts and one line when Redis answers again; while it is down, one call per
//! [`PROBE_EVERY`] tries Redis and the others fall back at once, so an outage does not add the
//! timeout to every request. [`SharedStateStats`] counts calls, failures and fallbacks for metrics.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisResult, Script};

use crate::config::Secret;
use crate::error::AppError;

/// How long a persisted query stays in Redis after it was last registered or read.
pub const APQ_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// While Redis is down, how often one call tries it again.
pub const PROBE_EVERY: Duration = Duration::from_secs(1);

/// Prefix of every key the gateway writes.
const KEY_PREFIX: &str = "registry-gateway:";

/// GCRA over one key. `KEYS[1]`: the bucket; `ARGV[1]`: the interval one request costs, `ARGV[2]`:
/// how far ahead the bucket may be booked (interval × (burst − 1)), both in microseconds. Returns 0
/// when the request is allowed, else the microseconds to wait. Numbers are written with
/// `string.format('%d')` because Lua's default number format keeps only 14 digits.
pub const GCRA_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = now
local stored = redis.call('GET', KEYS[1])
if stored then
  tat = math.max(tonumber(stored) or now, now)
end
local ahead = tat - now
if ahead > tolerance then
  return ahead - tolerance
end
local next_tat = tat + interval
local ttl_ms = math.floor((next_tat - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', string.format('%d', ttl_ms))
return 0
";

/// The largest interval or tolerance sent to the script: well inside a Lua number's exact integers.
const MAX_MICROS: u128 = 1 << 50;

/// Counters of Redis use, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SharedStateStats {
    /// Calls sent to Redis.
    pub redis_calls: u64,
    /// Calls that failed or timed out.
    pub redis_failures: u64,
    /// Operations answered from in-process state instead of Redis (failures included).
    pub redis_fallbacks: u64,
    /// Outages begun (each logged once).
    pub redis_outages: u64,
    /// Whether Redis is considered down now.
    pub degraded: bool,
}

/// The Redis connection shared by the rate limiter and the APQ store.
pub struct SharedState {
    conn: ConnectionManager,
    timeout: Duration,
    gcra: Script,
    /// Set while Redis is considered down (the fast path reads only this).
    degraded: AtomicBool,
    /// While degraded: when the next call may try Redis.
    next_probe: Mutex<Instant>,
    calls: AtomicU64,
    failures: AtomicU64,
    fallbacks: AtomicU64,
    outages: AtomicU64,
}

impl SharedState {
    /// A client of the Redis at `url` whose calls each wait at most `timeout`. The connection is
    /// made lazily, and one PING tells at start-up whether Redis answers (a warning if not; the
    /// gateway serves anyway). Only a URL that is not a Redis URL is an error.
    pub async fn connect(url: &Secret<String>, timeout: Duration) -> Result<Arc<Self>, AppError> {
        let client = redis::Client::open(url.expose().as_str())
            .map_err(|e| AppError::config(format!("REGISTRY_REDIS_URL is not a usable Redis URL: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(200));
        let conn = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| AppError::config(format!("cannot set up the Redis client: {e}")))?;
        let state = Arc::new(Self {
            conn,
            timeout,
            gcra: Script::new(GCRA_SCRIPT),
            degraded: AtomicBool::new(false),
            next_probe: Mutex::new(Instant::now()),
            calls: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            fallbacks: AtomicU64::new(0),
            outages: AtomicU64::new(0),
        });
        let mut conn = state.conn.clone();
        if state.call("PING", async move { redis::cmd("PING").query_async::<String>(&mut conn).await }).await.is_some()
        {
            tracing::info!("rate limits and persisted queries are shared through Redis");
        }
        Ok(state)
    }

    /// The counters so far.
    pub fn stats(&self) -> SharedStateStats {
        SharedStateStats {
            redis_calls: self.calls.load(Ordering::Relaxed),
            redis_failures: self.failures.load(Ordering::Relaxed),
            redis_fallbacks: self.fallbacks.load(Ordering::Relaxed),
            redis_outages: self.outages.load(Ordering::Relaxed),
            degraded: self.degraded.load(Ordering::Relaxed),
        }
    }

    /// Takes one request from bucket `key` in Redis (`per_minute` > 0, `burst` ≥ 1): `Ok` when
    /// allowed, `Err(wait)` when not; `None` when Redis did not answer (use the in-process bucket).
    pub async fn check_rate(&self, key: &str, per_minute: u32, burst: u32) -> Option<Result<(), Duration>> {
        let interval = (60_000_000 / u128::from(per_minute.max(1))).clamp(1, MAX_MICROS);
        let tolerance = (interval * u128::from(burst.max(1) - 1)).min(MAX_MICROS);
        let mut conn = self.conn.clone();
        let mut invocation = self.gcra.key(format!("{KEY_PREFIX}rate:{key}"));
        invocation.arg(interval as u64).arg(tolerance as u64);
        let wait: u64 = self.call("rate limit", async move { invocation.invoke_async(&mut conn).await }).await?;
        Some(if wait == 0 { Ok(()) } else { Err(Duration::from_micros(wait)) })
    }

    /// The queries stored under `hashes` (lowercase SHA-256 hex), renewing their expiry; `None`
    /// when Redis did not answer.
    pub async fn get_queries(&self, hashes: &[String]) -> Option<Vec<Option<String>>> {
        let mut pipe = redis::pipe();
        for hash in hashes {
            pipe.cmd("GETEX").arg(apq_key(hash)).arg("EX").arg(APQ_TTL.as_secs());
        }
        let mut conn = self.conn.clone();
        self.call("persisted query lookup", async move { pipe.query_async(&mut conn).await }).await
    }

    /// Stores `(hash, query)` pairs (hashes already verified) with the [`APQ_TTL`] expiry; false
    /// when Redis did not answer.
    pub async fn put_queries(&self, entries: &[(Arc<str>, Arc<str>)]) -> bool {
        let mut pipe = redis::pipe();
        for (hash, query) in entries {
            pipe.cmd("SET").arg(apq_key(hash)).arg(query.as_ref()).arg("EX").arg(APQ_TTL.as_secs()).ignore();
        }
        let mut conn = self.conn.clone();
        self.call("persisted query store", async move { pipe.exec_async(&mut conn).await }).await.is_some()
    }

    /// Runs one Redis call within the timeout, unless Redis is down and not due for a probe.
    /// `None` means "fall back".
    async fn call<T>(&self, what: &str, call: impl Future<Output = RedisResult<T>>) -> Option<T> {
        if !self.may_try() {
            self.fallbacks.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        self.calls.fetch_add(1, Ordering::Relaxed);
        let error = match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(value)) => {
                self.answered();
                return Some(value);
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {} ms", self.timeout.as_millis()),
        };
        self.failures.fetch_add(1, Ordering::Relaxed);
        self.fallbacks.fetch_add(1, Ordering::Relaxed);
        *self.next_probe.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now() + PROBE_EVERY;
        if !self.degraded.swap(true, Ordering::AcqRel) {
            self.outages.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                "Redis is unreachable ({what}: {error}); rate limits are per process and persisted \
                 queries local until it answers again"
            );
        }
        None
    }

    /// Whether a call may go to Redis: always when it is up; while it is down, one call per
    /// [`PROBE_EVERY`].
    fn may_try(&self) -> bool {
        if !self.degraded.load(Ordering::Acquire) {
            return true;
        }
        let mut next = self.next_probe.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if now < *next {
            return false;
        }
        *next = now + PROBE_EVERY;
        true
    }

    fn answered(&self) {
        if self.degraded.load(Ordering::Acquire) && self.degraded.swap(false, Ordering::AcqRel) {
            tracing::info!("Redis answers again; rate limits and persisted queries are shared again");
        }
    }
}

fn apq_key(hash: &str) -> String {
    format!("{KEY_PREFIX}apq:{hash}")
}
