//! Per-key rate limiting in memory: a token bucket per string key (an API key id, a client
//! address, ...).
//!
//! Each bucket holds up to `burst` requests and refills at `per_minute / 60` requests a second. It
//! is kept as a GCRA ("generic cell rate algorithm") bucket: one monotonic [`Instant`] per key, the
//! theoretical arrival time, which makes the arithmetic exact (no floating point) and tells at once
//! whether a bucket is full again. A full bucket is indistinguishable from a missing one, so idle
//! buckets are dropped without changing any answer; that, plus a hard cap on the number of buckets,
//! bounds the memory. Only when more than `max_buckets` keys are active *at once* are the fullest
//! buckets dropped early (those keys get a fresh burst).
//!
//! Clones share their buckets. The state sits behind one mutex held for a few map operations per
//! call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many buckets a limiter keeps by default.
pub const DEFAULT_MAX_BUCKETS: usize = 100_000;

/// How often idle buckets are swept out.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The retry-after of a zero limit (nothing is ever allowed).
const ZERO_LIMIT_RETRY: Duration = Duration::from_secs(60);

/// A thread-safe set of token buckets keyed by string.
#[derive(Clone)]
pub struct RateLimiter {
    state: Arc<Mutex<State>>,
    max_buckets: usize,
}

struct State {
    buckets: HashMap<String, Bucket>,
    last_sweep: Option<Instant>,
}

#[derive(Clone, Copy)]
struct Bucket {
    /// When the bucket would be full again if nothing more were taken ("theoretical arrival time"
    /// of the next request). At or before `now`: full.
    full_at: Instant,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimiter {
    /// A limiter holding at most [`DEFAULT_MAX_BUCKETS`] buckets.
    pub fn new() -> Self {
        Self::with_max_buckets(DEFAULT_MAX_BUCKETS)
    }

    /// A limiter holding at most `max_buckets` buckets (at least 1).
    pub fn with_max_buckets(max_buckets: usize) -> Self {
        Self {
            state: Arc::new(Mutex::new(State { buckets: HashMap::new(), last_sweep: None })),
            max_buckets: max_buckets.max(1),
        }
    }

    /// Takes one request from `key`'s bucket: `per_minute` requests a minute on average, bursts of
    /// up to `burst` (a burst of 0 counts as 1). `Err` carries how long to wait before the next
    /// request would be allowed (see [`retry_after_secs`] for a `Retry-After` header). A
    /// `per_minute` of 0 refuses everything.
    pub fn check(&self, key: &str, per_minute: u32, burst: u32) -> Result<(), Duration> {
        self.check_at(key, per_minute, burst, Instant::now())
    }

    /// [`check`](Self::check) at the monotonic time `now` (for tests; callers should pass
    /// non-decreasing times, earlier ones are treated as the latest seen for that key).
    pub fn check_at(&self, key: &str, per_minute: u32, burst: u32, now: Instant) -> Result<(), Duration> {
        if per_minute == 0 {
            return Err(ZERO_LIMIT_RETRY);
        }
        // The time one request "costs", and how far ahead of now the bucket may be booked.
        let interval = Duration::from_secs(60) / per_minute;
        let tolerance = interval.saturating_mul(burst.max(1) - 1);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.last_sweep.is_none_or(|last| now.saturating_duration_since(last) >= SWEEP_EVERY) {
            state.sweep(now, self.max_buckets);
        }
        if let Some(bucket) = state.buckets.get_mut(key) {
            return bucket.take(now, interval, tolerance);
        }
        if state.buckets.len() >= self.max_buckets {
            state.sweep(now, self.max_buckets);
        }
        let mut bucket = Bucket { full_at: now };
        let result = bucket.take(now, interval, tolerance);
        state.buckets.insert(key.to_owned(), bucket);
        result
    }

    /// How many buckets are held (for tests and metrics).
    pub fn len(&self) -> usize {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).buckets.len()
    }

    /// Whether no bucket is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Bucket {
    fn take(&mut self, now: Instant, interval: Duration, tolerance: Duration) -> Result<(), Duration> {
        let start = self.full_at.max(now);
        let booked_ahead = start.saturating_duration_since(now);
        if booked_ahead > tolerance {
            return Err(booked_ahead.saturating_sub(tolerance));
        }
        self.full_at = start.checked_add(interval).unwrap_or(start);
        Ok(())
    }
}

impl State {
    /// Drops the buckets that are full again; if that leaves the map at or over `max_buckets`,
    /// also drops the fullest tenth so that inserts stay cheap.
    fn sweep(&mut self, now: Instant, max_buckets: usize) {
        self.last_sweep = Some(now);
        self.buckets.retain(|_, b| b.full_at > now);
        if self.buckets.len() < max_buckets {
            return;
        }
        let keep = max_buckets - max_buckets / 10 - 1;
        let mut times: Vec<Instant> = self.buckets.values().map(|b| b.full_at).collect();
        let drop = times.len().saturating_sub(keep);
        if drop == 0 {
            return;
        }
        let (_, cutoff, _) = times.select_nth_unstable(drop - 1);
        let cutoff = *cutoff;
        // Drop exactly `drop` buckets: all before the cutoff, then as many at it as needed.
        let mut ties_to_drop = drop - times.iter().filter(|t| **t < cutoff).count();
        self.buckets.retain(|_, b| {
            if b.full_at < cutoff {
                false
            } else if b.full_at == cutoff && ties_to_drop > 0 {
                ties_to_drop -= 1;
                false
            } else {
                true
            }
        });
    }
}

/// Whole seconds for a `Retry-After` header: rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn a_burst_is_allowed_then_refused() {
        let limiter = RateLimiter::new();
        let t0 = Instant::now();
        for i in 0..5 {
            assert_eq!(limiter.check_at("k", 60, 5, t0), Ok(()), "request {i} of the burst");
        }
        assert!(limiter.check_at("k", 60, 5, t0).is_err(), "the sixth request at once is refused");
        assert!(limiter.check_at("k", 60, 5, t0).is_err(), "and stays refused");
    }

    #[test]
    fn the_bucket_refills_over_time() {
        let limiter = RateLimiter::new();
        let t0 = Instant::now();
        for _ in 0..3 {
            limiter.check_at("k", 60, 3, t0).expect("allowed");
        }
        assert!(limiter.check_at("k", 60, 3, t0 + secs(0.5)).is_err(), "half a token is not enough");
        assert_eq!(limiter.check_at("k", 60, 3, t0 + secs(1.0)), Ok(()), "one token a second at 60/min");
        assert!(limiter.check_at("k", 60, 3, t0 + secs(1.0)).is_err());
        // A long pause refills to the burst, not beyond.
        let later = t0 + secs(3600.0);
        for _ in 0..3 {
            assert_eq!(limiter.check_at("k", 60, 3, later), Ok(()));
        }
        assert!(limiter.check_at("k", 60, 3, later).is_err(), "capped at the burst");
    }

    #[test]
    fn the_average_rate_is_per_minute() {
        let limiter = RateLimiter::new();
        let t0 = Instant::now();
        let allowed =
            (0..6000).filter(|i| limiter.check_at("k", 120, 10, t0 + secs(f64::from(*i) * 0.01)).is_ok()).count();
        // 60 s at 2/s plus the initial burst of 10.
        assert!((128..=131).contains(&allowed), "allowed {allowed}");
    }

    #[test]
    fn keys_are_independent() {
        let limiter = RateLimiter::new();
        let t0 = Instant::now();
        limiter.check_at("a", 60, 1, t0).expect("allowed");
        assert!(limiter.check_at("a", 60, 1, t0).is_err());
        assert_eq!(limiter.check_at("b", 60, 1, t0), Ok(()), "another key has its own bucket");
        assert!(limiter.check_at("b", 60, 1, t0).is_err());
    }

    #[test]
    fn retry_after_says_when_the_next_token_arrives() {
        let limiter = RateLimiter::new();
        let t0 = Instant::now();
        limiter.check_at("k", 60, 1, t0).expect("allowed");
        assert_eq!(limiter.check_at("k", 60, 1, t0), Err(secs(1.0)));
        assert_eq!(limiter.check_at("k", 60, 1, t0 + secs(0.25)), Err(secs(0.75)));
        assert_eq!(limiter.check_at("k", 60, 1, t0 + secs(1.0)), Ok(()), "exactly when promised");
        // 6 a minute: one every 10 s.
        limiter.check_at("slow", 6, 2, t0).expect("allowed");
        limiter.check_at("slow", 6, 2, t0).expect("allowed");
        assert_eq!(limiter.check_at("slow", 6, 2, t0), Err(secs(10.0)));
        assert_eq!(retry_after_secs(secs(0.75)), 1);
        assert_eq!(retry_after_secs(secs(10.0)), 10);
        assert_eq!(retry_after_secs(secs(10.001)), 11);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }

    #[test]
    fn degenerate_limits_do_not_panic() {
        let limiter = RateLimiter::new();
        let t0 = Instant::now();
        assert_eq!(limiter.check_at("zero", 0, 10, t0), Err(ZERO_LIMIT_RETRY), "a zero limit refuses");
        assert_eq!(limiter.check_at("b0", 60, 0, t0), Ok(()), "a zero burst counts as one");
        assert!(limiter.check_at("b0", 60, 0, t0).is_err());
        for _ in 0..3 {
            assert!(limiter.check_at("huge", u32::MAX, u32::MAX, t0).is_ok());
        }
        // A time before the last one seen is treated as that time, not as a refill.
        limiter.check_at("back", 60, 1, t0 + secs(5.0)).expect("allowed");
        assert!(limiter.check_at("back", 60, 1, t0).is_err());
    }

    #[test]
    fn idle_buckets_are_evicted_and_memory_is_bounded() {
        let limiter = RateLimiter::with_max_buckets(100);
        let t0 = Instant::now();
        for i in 0..1000 {
            limiter.check_at(&format!("client-{i}"), 60, 5, t0).expect("allowed");
            assert!(limiter.len() <= 100, "over the cap at {i}: {}", limiter.len());
        }
        // Once every bucket refilled, the periodic sweep drops them all.
        limiter.check_at("late", 60, 5, t0 + SWEEP_EVERY).expect("allowed");
        assert_eq!(limiter.len(), 1);
    }

    #[test]
    fn eviction_prefers_buckets_that_refilled() {
        let limiter = RateLimiter::with_max_buckets(10);
        let t0 = Instant::now();
        // One a minute: drained for 60 s.
        limiter.check_at("hot", 1, 1, t0).expect("allowed");
        for i in 0..30 {
            // 60 a minute with a burst of 1: full again after 1 s, so evictable soon after.
            limiter.check_at(&format!("c{i}"), 60, 1, t0 + secs(2.0 + f64::from(i))).expect("allowed");
            assert!(limiter.len() <= 10);
        }
        assert!(limiter.check_at("hot", 1, 1, t0 + secs(40.0)).is_err(), "the drained bucket was kept");
    }

    #[test]
    fn a_full_map_of_drained_buckets_drops_only_a_tenth() {
        let limiter = RateLimiter::with_max_buckets(100);
        let t0 = Instant::now();
        for i in 0..100 {
            limiter.check_at(&format!("c{i}"), 1, 1, t0).expect("allowed");
        }
        assert_eq!(limiter.len(), 100);
        limiter.check_at("new", 1, 1, t0).expect("allowed");
        assert_eq!(limiter.len(), 90, "89 kept plus the new one");
    }

    #[test]
    fn clones_share_buckets_across_threads() {
        let limiter = RateLimiter::new();
        let t0 = Instant::now();
        let allowed: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let l = limiter.clone();
                    s.spawn(move || (0..100).filter(|_| l.check_at("shared", 60, 50, t0).is_ok()).count())
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).sum()
        });
        assert_eq!(allowed, 50, "exactly the burst, however the threads interleave");
    }
}
