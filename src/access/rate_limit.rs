//! Per-key rate limiting (an API key id, a client address, ...): `per_minute` requests a minute on
//! average, in bursts of up to `burst`.
//!
//! Two stores, one rule. In process, the buckets are `governor`'s keyed GCRA limiters (the project
//! prefers well-kept crates to the hand-written limiter this replaced); one governor limiter per
//! distinct `(per_minute, burst)` quota, since governor keys share their limiter's quota. With
//! `REGISTRY_REDIS_URL` set, the buckets live in Redis ([`crate::access::shared_state`]) so that N
//! gateway replicas enforce one limit instead of N; when Redis cannot be reached the in-process
//! buckets answer instead (per-process limits, never a failed request).
//!
//! Memory: a bucket that has refilled is indistinguishable from a missing one, so governor's
//! `retain_recent` drops it without changing any answer. The sweep runs every minute, and sooner
//! (at most once a second) while more than `max_buckets` keys are held; what stays is only the keys
//! drained within one refill period (for the default burst of a tenth, six seconds).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use governor::Quota;
use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;

use crate::access::shared_state::SharedState;

/// How many buckets a limiter keeps before it sweeps early.
pub const DEFAULT_MAX_BUCKETS: usize = 100_000;

/// How often refilled buckets are swept out.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The shortest pause between two sweeps while over `max_buckets`.
const EARLY_SWEEP_EVERY: Duration = Duration::from_secs(1);

/// The retry-after of a zero limit (nothing is ever allowed).
pub const ZERO_LIMIT_RETRY: Duration = Duration::from_secs(60);

/// The rate limiter of a gateway: Redis when configured and reachable, else in process.
#[derive(Clone)]
pub struct RateLimiter {
    local: InProcessLimiter,
    shared: Option<Arc<SharedState>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimiter {
    /// An in-process limiter.
    pub fn new() -> Self {
        Self { local: InProcessLimiter::new(), shared: None }
    }

    /// A limiter whose buckets live in `shared` (Redis), with in-process buckets while it is down.
    pub fn shared(shared: Arc<SharedState>) -> Self {
        Self { local: InProcessLimiter::new(), shared: Some(shared) }
    }

    /// Takes one request from `key`'s bucket: `per_minute` requests a minute on average, bursts of
    /// up to `burst` (a burst of 0 counts as 1). `Err` carries how long to wait before the next
    /// request would be allowed (see [`retry_after_secs`] for a `Retry-After` header). A
    /// `per_minute` of 0 refuses everything.
    pub async fn check(&self, key: &str, per_minute: u32, burst: u32) -> Result<(), Duration> {
        if per_minute == 0 {
            return Err(ZERO_LIMIT_RETRY);
        }
        if let Some(shared) = &self.shared
            // Boxed: the Redis round trip's future is large, and without Redis the request's
            // future would still carry it (bench/README.md, "The request's future kept small").
            && let Some(answer) = Box::pin(shared.check_rate(key, per_minute, burst.max(1))).await
        {
            return answer;
        }
        self.local.check(key, per_minute, burst)
    }
}

type KeyedLimiter<C> =
    governor::RateLimiter<String, DashMapStateStore<String>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// In-process buckets: `governor` keyed limiters, one per quota. Clones share their buckets.
#[derive(Clone)]
pub struct InProcessLimiter<C: Clock = DefaultClock> {
    inner: Arc<Inner<C>>,
}

struct Inner<C: Clock> {
    clock: C,
    max_buckets: usize,
    /// One governor limiter per `(per_minute, burst)`.
    limiters: RwLock<HashMap<(u32, u32), Arc<KeyedLimiter<C>>>>,
    /// When the buckets were last swept, and last counted.
    sweeps: Mutex<Sweeps<C::Instant>>,
}

struct Sweeps<I> {
    last_sweep: I,
    last_count: I,
}

impl Default for InProcessLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcessLimiter {
    /// A limiter on the monotonic clock that sweeps early beyond [`DEFAULT_MAX_BUCKETS`].
    pub fn new() -> Self {
        Self::with_clock(DefaultClock::default(), DEFAULT_MAX_BUCKETS)
    }
}

impl<C: Clock + Clone> InProcessLimiter<C> {
    /// A limiter reading `clock` (tests pass governor's fake clock) that sweeps early beyond
    /// `max_buckets` buckets.
    pub fn with_clock(clock: C, max_buckets: usize) -> Self {
        let now = clock.now();
        Self {
            inner: Arc::new(Inner {
                clock,
                max_buckets: max_buckets.max(1),
                limiters: RwLock::new(HashMap::new()),
                sweeps: Mutex::new(Sweeps { last_sweep: now, last_count: now }),
            }),
        }
    }

    /// [`RateLimiter::check`] in process.
    pub fn check(&self, key: &str, per_minute: u32, burst: u32) -> Result<(), Duration> {
        let Some(rate) = NonZeroU32::new(per_minute) else {
            return Err(ZERO_LIMIT_RETRY);
        };
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        self.maybe_sweep();
        let limiter = self.limiter(rate, burst);
        limiter.check_key(&key.to_owned()).map_err(|not_until| not_until.wait_time_from(self.inner.clock.now()))
    }

    /// How many buckets are held (for tests and metrics).
    pub fn len(&self) -> usize {
        self.read().values().map(|l| l.len()).sum()
    }

    /// Whether no bucket is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the buckets that have refilled, and the quotas left without buckets.
    pub fn sweep(&self) {
        self.inner.sweeps.lock().unwrap_or_else(PoisonError::into_inner).last_sweep = self.inner.clock.now();
        let mut limiters = self.inner.limiters.write().unwrap_or_else(PoisonError::into_inner);
        limiters.retain(|_, limiter| {
            limiter.retain_recent();
            limiter.shrink_to_fit();
            !limiter.is_empty()
        });
    }

    /// Sweeps every [`SWEEP_EVERY`], and when a count (at most one per [`EARLY_SWEEP_EVERY`])
    /// finds more than `max_buckets` buckets.
    fn maybe_sweep(&self) {
        let now = self.inner.clock.now();
        let (due, count) = {
            let mut sweeps = self.inner.sweeps.lock().unwrap_or_else(PoisonError::into_inner);
            let due = Duration::from(now.duration_since(sweeps.last_sweep)) >= SWEEP_EVERY;
            let count = !due && Duration::from(now.duration_since(sweeps.last_count)) >= EARLY_SWEEP_EVERY;
            if count {
                sweeps.last_count = now;
            }
            (due, count)
        };
        if due || (count && self.len() > self.inner.max_buckets) {
            self.sweep();
        }
    }

    fn limiter(&self, rate: NonZeroU32, burst: NonZeroU32) -> Arc<KeyedLimiter<C>> {
        let quota_key = (rate.get(), burst.get());
        if let Some(found) = self.read().get(&quota_key) {
            return Arc::clone(found);
        }
        let mut limiters = self.inner.limiters.write().unwrap_or_else(PoisonError::into_inner);
        let limiter = limiters.entry(quota_key).or_insert_with(|| {
            let quota = Quota::per_minute(rate).allow_burst(burst);
            Arc::new(governor::RateLimiter::new(quota, DashMapStateStore::default(), self.inner.clock.clone()))
        });
        Arc::clone(limiter)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<(u32, u32), Arc<KeyedLimiter<C>>>> {
        self.inner.limiters.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whole seconds for a `Retry-After` header: rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn fake(max_buckets: usize) -> (InProcessLimiter<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (InProcessLimiter::with_clock(clock.clone(), max_buckets), clock)
    }

    #[test]
    fn a_burst_is_allowed_then_refused() {
        let (limiter, _) = fake(100);
        for i in 0..5 {
            assert_eq!(limiter.check("k", 60, 5), Ok(()), "request {i} of the burst");
        }
        assert!(limiter.check("k", 60, 5).is_err(), "the sixth request at once is refused");
        assert!(limiter.check("k", 60, 5).is_err(), "and stays refused");
    }

    #[test]
    fn the_bucket_refills_over_time() {
        let (limiter, clock) = fake(100);
        for _ in 0..3 {
            limiter.check("k", 60, 3).expect("allowed");
        }
        clock.advance(secs(0.5));
        assert!(limiter.check("k", 60, 3).is_err(), "half a token is not enough");
        clock.advance(secs(0.5));
        assert_eq!(limiter.check("k", 60, 3), Ok(()), "one token a second at 60/min");
        assert!(limiter.check("k", 60, 3).is_err());
        // A long pause refills to the burst, not beyond.
        clock.advance(secs(3600.0));
        for _ in 0..3 {
            assert_eq!(limiter.check("k", 60, 3), Ok(()));
        }
        assert!(limiter.check("k", 60, 3).is_err(), "capped at the burst");
    }

    #[test]
    fn the_average_rate_is_per_minute() {
        let (limiter, clock) = fake(100);
        let mut allowed = 0;
        for _ in 0..6000 {
            allowed += usize::from(limiter.check("k", 120, 10).is_ok());
            clock.advance(secs(0.01));
        }
        // 60 s at 2/s plus the initial burst of 10.
        assert!((128..=131).contains(&allowed), "allowed {allowed}");
    }

    #[test]
    fn keys_and_quotas_are_independent() {
        let (limiter, _) = fake(100);
        limiter.check("a", 60, 1).expect("allowed");
        assert!(limiter.check("a", 60, 1).is_err());
        assert_eq!(limiter.check("b", 60, 1), Ok(()), "another key has its own bucket");
        assert!(limiter.check("b", 60, 1).is_err());
        assert_eq!(limiter.check("a", 120, 1), Ok(()), "another quota has its own buckets");
    }

    #[test]
    fn retry_after_says_when_the_next_token_arrives() {
        let (limiter, clock) = fake(100);
        limiter.check("k", 60, 1).expect("allowed");
        assert_eq!(limiter.check("k", 60, 1), Err(secs(1.0)));
        clock.advance(secs(0.25));
        assert_eq!(limiter.check("k", 60, 1), Err(secs(0.75)));
        clock.advance(secs(0.75));
        assert_eq!(limiter.check("k", 60, 1), Ok(()), "exactly when promised");
        // 6 a minute: one every 10 s.
        limiter.check("slow", 6, 2).expect("allowed");
        limiter.check("slow", 6, 2).expect("allowed");
        assert_eq!(limiter.check("slow", 6, 2), Err(secs(10.0)));
        assert_eq!(retry_after_secs(secs(0.75)), 1);
        assert_eq!(retry_after_secs(secs(10.0)), 10);
        assert_eq!(retry_after_secs(secs(10.001)), 11);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }

    #[test]
    fn degenerate_limits_do_not_panic() {
        let (limiter, _) = fake(100);
        assert_eq!(limiter.check("zero", 0, 10), Err(ZERO_LIMIT_RETRY), "a zero limit refuses");
        assert_eq!(limiter.check("b0", 60, 0), Ok(()), "a zero burst counts as one");
        assert!(limiter.check("b0", 60, 0).is_err());
        for _ in 0..3 {
            assert!(limiter.check("huge", u32::MAX, u32::MAX).is_ok());
        }
    }

    #[tokio::test]
    async fn the_gateway_limiter_without_redis_is_the_in_process_one() {
        let limiter = RateLimiter::new();
        assert_eq!(limiter.check("z", 0, 5).await, Err(ZERO_LIMIT_RETRY));
        for _ in 0..2 {
            limiter.check("k", 60, 2).await.expect("within the burst");
        }
        let wait = limiter.check("k", 60, 2).await.expect_err("over the burst");
        assert!(wait > secs(0.9) && wait <= secs(1.0), "about a second: {wait:?}");
    }

    #[test]
    fn refilled_buckets_are_swept_and_memory_stays_bounded() {
        let (limiter, clock) = fake(100);
        for i in 0..1000 {
            limiter.check(&format!("client-{i}"), 60, 5).expect("allowed");
        }
        assert_eq!(limiter.len(), 1000, "every bucket is drained, so every one is kept");
        // Over the bound, the next sweep comes a second later, and keeps only drained buckets:
        // these took one of five tokens and refilled a second later.
        clock.advance(secs(2.5));
        limiter.check("late", 60, 5).expect("allowed");
        assert_eq!(limiter.len(), 1, "only the fresh bucket is left");
        // Under the bound, sweeps come every minute (and keep a bucket for one interval after it
        // refilled: governor's `retain_recent` errs on the side of keeping).
        limiter.check("other", 1, 1).expect("allowed");
        clock.advance(SWEEP_EVERY);
        limiter.check("late", 60, 5).expect("allowed");
        assert_eq!(limiter.len(), 2, "one a minute: refilled just now, so still kept");
        clock.advance(SWEEP_EVERY + secs(5.0));
        limiter.check("late", 60, 5).expect("allowed");
        assert_eq!(limiter.len(), 1, "the quota of one a minute emptied and went; `late` is back");
        assert_eq!(limiter.inner.limiters.read().unwrap().len(), 1, "empty quotas are dropped");
    }

    #[test]
    fn a_sweep_keeps_drained_buckets() {
        let (limiter, clock) = fake(100);
        limiter.check("hot", 1, 1).expect("allowed");
        clock.advance(secs(40.0));
        limiter.sweep();
        assert!(limiter.check("hot", 1, 1).is_err(), "the drained bucket was kept");
    }

    #[test]
    fn clones_share_buckets_across_threads() {
        let (limiter, _) = fake(100);
        let allowed: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let l = limiter.clone();
                    s.spawn(move || (0..100).filter(|_| l.check("shared", 60, 50).is_ok()).count())
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).sum()
        });
        assert_eq!(allowed, 50, "exactly the burst, however the threads interleave");
    }
}
