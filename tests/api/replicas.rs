//! Two gateway processes sharing one database and one Redis (`REGISTRY_REDIS_URL`): a key's limit
//! and an address's limit hold across both, a query persisted through one is found through the
//! other, and losing Redis degrades to per-process limits with one logged warning and no failed
//! request (and sharing comes back with Redis).
//!
//! Redis is Debian's `redis-server` (`.ci/run` installs it), started per test on a free port without
//! persistence; the gateways are the real binary (`serve`), each with its own log file.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use registry_gateway::access::api_keys::{self, NewKey, READ_REGISTRY};
use registry_gateway::access::rate_limit::InProcessLimiter;
use registry_gateway::access::shared_state::{PROBE_EVERY, SharedState};
use registry_gateway::config::Secret;
use registry_gateway::http::persisted_queries::sha256_hex;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestDb, http_client, seeded_database};
use crate::processes::{GatewayProcess, die_with_test, free_port};

const INSTALL_REDIS: &str =
    "these tests need Debian's `redis-server` (apt-get install redis-server; .ci/run installs it)";

/// The warning a gateway logs once when Redis stops answering, and the line when it answers again.
const OUTAGE: &str = "Redis is unreachable";
const RECOVERED: &str = "Redis answers again";

const QUERY: &str = "{ industries(first: 2) { totalCount nodes { name } } }";

/// A folder for the servers' logs, removed on drop unless a test failed (then it names it).
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("replicas-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("the servers' logs are kept in {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// A `redis-server` child on a loopback port, without persistence; killed on drop.
struct Redis {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
}

impl Redis {
    fn start(dir: &Path) -> Self {
        let mut redis = Self { child: None, port: free_port(), log: dir.join("redis.log") };
        redis.restart();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts the server (again) on its port.
    fn restart(&mut self) {
        let binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{INSTALL_REDIS}: no redis-server binary"));
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("the Redis log");
        let mut cmd = Command::new(binary);
        cmd.args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        die_with_test(&mut cmd);
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{INSTALL_REDIS}: cannot start redis-server: {e}"));
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.pings() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("redis-server exited during start-up ({status}):\n{}", read(&self.log));
            }
            assert!(Instant::now() < deadline, "redis-server did not answer within 15 s:\n{}", read(&self.log));
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child = Some(child);
    }

    /// Kills the server (an outage).
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn pings(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let mut answer = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok() && stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One `registry-gateway serve` process; killed on drop.
/// One replica: a gateway process on the shared database and Redis.
struct Gateway {
    process: GatewayProcess,
    client: reqwest::Client,
}

impl Gateway {
    async fn start(db: &TestDb, redis_url: &str, envs: &[(&str, &str)]) -> Self {
        let mut all = vec![("REGISTRY_REDIS_URL", redis_url), ("REGISTRY_DB_POOL_SIZE", "4"), ("NO_COLOR", "1")];
        all.extend_from_slice(envs);
        Self { process: GatewayProcess::start(&db.url, &all).await, client: http_client() }
    }

    fn log(&self) -> String {
        self.process.log()
    }

    /// POSTs `body`, with `key` as `X-API-Key` when given: (status, Retry-After, JSON).
    async fn post(&self, body: &Value, key: Option<&str>) -> (u16, Option<String>, Value) {
        let base = &self.process.address;
        let mut req = self.client.post(format!("{base}/graphql")).json(body);
        if let Some(key) = key {
            req = req.header("x-api-key", key);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("no answer from {base}: {e}\n{}", self.log()));
        let status = resp.status().as_u16();
        let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        (status, retry, resp.json().await.expect("a JSON answer"))
    }

    async fn query(&self, key: Option<&str>) -> (u16, Option<String>, Value) {
        self.post(&json!({ "query": QUERY }), key).await
    }
}

/// A read key of a tenant with its own limit of `per_minute`.
async fn key_with_limit(db: &TestDb, per_minute: i32) -> String {
    let tenant: Uuid = db
        .scalar(
            "SELECT id::text FROM tenants WHERE deleted_at IS NULL AND tenant_level::text <> 'platform' \
             ORDER BY id LIMIT 1",
        )
        .await
        .parse()
        .expect("a tenant id");
    let spec = NewKey {
        tenant_id: tenant,
        name: format!("replica test {}", Uuid::new_v4().simple()),
        scopes: vec![READ_REGISTRY.to_owned()],
        expires_at: None,
        rate_limit_per_minute: Some(per_minute),
    };
    api_keys::create_key(&db.conn, spec).await.expect("create a key").1
}

fn assert_answered(gateway: &str, (status, _, v): &(u16, Option<String>, Value)) {
    assert_eq!(*status, 200, "{gateway} failed the request: {v:#}");
    assert!(v.get("errors").is_none() && v["data"]["industries"]["totalCount"].is_number(), "{gateway}: {v:#}");
}

fn assert_limited(gateway: &str, (status, retry, v): &(u16, Option<String>, Value)) {
    assert_eq!(*status, 429, "{gateway} let the request through: {v:#}");
    assert_eq!(v["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{v:#}");
    let retry: u64 = retry.as_deref().and_then(|r| r.parse().ok()).unwrap_or_else(|| panic!("no Retry-After: {v:#}"));
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
}

/// Two gateways on one database and one Redis, with `envs` on both, and the folder of their logs.
async fn replicas(envs: &[(&str, &str)]) -> (TestDb, Redis, Gateway, Gateway, Scratch) {
    let dir = Scratch::new();
    let db = seeded_database().await;
    let redis = Redis::start(&dir.0);
    let a = Gateway::start(&db, &redis.url(), envs).await;
    let b = Gateway::start(&db, &redis.url(), envs).await;
    // Warm both up (connections, the tenant directory) so that the limited requests below follow
    // each other closely.
    for (name, g) in [("A", &a), ("B", &b)] {
        assert_answered(name, &g.query(None).await);
    }
    (db, redis, a, b, dir)
}

/// 30 a minute: bursts of 3, one more every 2 s. Alternating between the replicas, the fourth
/// request is refused: with per-process buckets it would be the seventh.
const KEY_LIMIT: i32 = 30;
const NO_IP_LIMIT: (&str, &str) = ("REGISTRY_RATE_LIMIT_PER_IP", "1000000");

#[tokio::test]
async fn a_keys_limit_holds_across_two_replicas_and_persisted_queries_are_shared() {
    let (db, redis, a, b, _dir) = replicas(&[NO_IP_LIMIT]).await;
    let key = key_with_limit(&db, KEY_LIMIT).await;
    let started = Instant::now();
    let answers = [a.query(Some(&key)).await, b.query(Some(&key)).await, a.query(Some(&key)).await];
    let fourth = b.query(Some(&key)).await;
    let fifth = a.query(Some(&key)).await;
    if started.elapsed() < Duration::from_secs(2) {
        for (i, answer) in answers.iter().enumerate() {
            assert_answered(&format!("request {}", i + 1), answer);
        }
        assert_limited("B, the fourth request of a burst of 3", &fourth);
        assert_limited("A, the fifth request", &fifth);
    } else {
        panic!("five requests took {:?}, longer than one token's refill (2 s)", started.elapsed());
    }
    // Another key has its own bucket.
    let other = key_with_limit(&db, KEY_LIMIT).await;
    assert_answered("B with another key", &b.query(Some(&other)).await);

    // APQ: registered through A (hash and text), found through B by its hash alone, by POST and GET.
    let query = "{ industries(first: 1) { nodes { name } } }";
    let hash = sha256_hex(query);
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let unknown = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256_hex("{ nope }") } } });
    let (_, _, v) = b.post(&unknown, None).await;
    assert_eq!(v["errors"][0]["message"], "PersistedQueryNotFound", "an unregistered hash: {v:#}");
    let (_, _, v) = b.post(&json!({ "extensions": persisted }), None).await;
    assert_eq!(v["errors"][0]["message"], "PersistedQueryNotFound", "not registered yet: {v:#}");
    let (status, _, registered) = a.post(&json!({ "query": query, "extensions": persisted }), None).await;
    assert!(status == 200 && registered.get("errors").is_none(), "{registered:#}");
    assert_eq!(redis_command(&redis, &format!("EXISTS registry-gateway:apq:{hash}")), ":1", "stored in Redis");
    // Hash only, by GET (Apollo's `useGETForHashedQueries`) and by POST.
    let resp = b
        .client
        .get(format!("{}/graphql", b.process.address))
        .query(&[("extensions", persisted.to_string())])
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.json::<Value>().await.expect("JSON"), registered, "B answers the hash A registered (GET)");
    let (status, _, found) = b.post(&json!({ "extensions": persisted }), None).await;
    assert_eq!(status, 200);
    assert_eq!(found, registered, "B answers the hash A registered (POST)");
}

#[tokio::test]
async fn an_address_limit_holds_across_two_replicas() {
    // 30 a minute from one address, the same burst of 3; the warm-up took one token from each.
    let (_db, _redis, a, b, _dir) = replicas(&[("REGISTRY_RATE_LIMIT_PER_IP", "30")]).await;
    // The warm-up took two tokens; three refill in 6 s.
    tokio::time::sleep(Duration::from_millis(6500)).await;
    let started = Instant::now();
    let answers = [a.query(None).await, b.query(None).await, a.query(None).await];
    let fourth = b.query(None).await;
    assert!(started.elapsed() < Duration::from_secs(2), "four requests took {:?}", started.elapsed());
    for (i, answer) in answers.iter().enumerate() {
        assert_answered(&format!("request {} from this address", i + 1), answer);
    }
    assert_limited("B, the fourth request from this address", &fourth);
}

#[tokio::test]
async fn losing_redis_degrades_to_per_process_limits_without_failing_requests() {
    let (db, mut redis, a, b, _dir) = replicas(&[NO_IP_LIMIT, ("REGISTRY_REDIS_TIMEOUT_MS", "100")]).await;
    redis.stop();
    // Every request is answered, through both replicas, however many.
    for i in 0..10 {
        let (name, g) = if i % 2 == 0 { ("A", &a) } else { ("B", &b) };
        let started = Instant::now();
        assert_answered(name, &g.query(None).await);
        assert!(started.elapsed() < Duration::from_secs(2), "{name} took {:?} without Redis", started.elapsed());
    }
    // Persisted queries still work within one replica.
    let query = "{ industries(first: 3) { totalCount } }";
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(query) } });
    let (status, _, registered) = a.post(&json!({ "query": query, "extensions": persisted }), None).await;
    assert!(status == 200 && registered.get("errors").is_none(), "{registered:#}");
    assert_eq!(a.post(&json!({ "extensions": persisted }), None).await.2, registered);
    // Limits are per process: each replica gives the key its own burst of 3.
    let key = key_with_limit(&db, KEY_LIMIT).await;
    let started = Instant::now();
    let mut answers = Vec::new();
    for g in [&a, &a, &a, &a, &b, &b, &b, &b] {
        answers.push(g.query(Some(&key)).await);
    }
    assert!(started.elapsed() < Duration::from_secs(2), "eight requests took {:?}", started.elapsed());
    for (i, answer) in answers.iter().enumerate() {
        let name = format!("{} request {}", if i < 4 { "A" } else { "B" }, i % 4 + 1);
        if i % 4 == 3 { assert_limited(&name, answer) } else { assert_answered(&name, answer) }
    }
    // One warning per replica for the whole outage.
    for (name, g) in [("A", &a), ("B", &b)] {
        let log = g.log();
        assert_eq!(log.matches(OUTAGE).count(), 1, "{name} should warn once:\n{log}");
        assert!(log.lines().any(|l| l.contains(OUTAGE) && l.contains("WARN")), "{log}");
    }

    // Redis is back: after a probe interval both replicas say so and share limits again.
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(a.log().contains(RECOVERED) && b.log().contains(RECOVERED)) {
        assert!(Instant::now() < deadline, "no recovery logged within 20 s:\nA:\n{}\nB:\n{}", a.log(), b.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_answered("A", &a.query(None).await);
        assert_answered("B", &b.query(None).await);
    }
    let key = key_with_limit(&db, KEY_LIMIT).await;
    let started = Instant::now();
    let answers = [a.query(Some(&key)).await, b.query(Some(&key)).await, a.query(Some(&key)).await];
    let fourth = b.query(Some(&key)).await;
    assert!(started.elapsed() < Duration::from_secs(2), "four requests took {:?}", started.elapsed());
    for answer in &answers {
        assert_answered("after recovery", answer);
    }
    assert_limited("B, the fourth request after recovery", &fourth);
}

/// A gateway whose Redis is not there at start-up serves anyway, saying so once; a URL that is not
/// a Redis URL stops start-up with one line that does not show the URL's password.
#[tokio::test]
async fn a_gateway_starts_without_its_redis_but_not_with_a_malformed_url() {
    let db = seeded_database().await;
    let nobody = format!("redis://127.0.0.1:{}/", free_port());
    let g = Gateway::start(&db, &nobody, &[NO_IP_LIMIT]).await;
    for _ in 0..5 {
        assert_answered("a gateway without Redis", &g.query(None).await);
    }
    let log = g.log();
    assert_eq!(log.matches(OUTAGE).count(), 1, "one warning:\n{log}");
    assert!(!log.contains("shared through Redis"), "{log}");

    let url = db.url.clone();
    let run = tokio::task::spawn_blocking(move || {
        crate::helpers::run_cli(
            &["serve", "--listen", "127.0.0.1:0"],
            &[("DATABASE_URL", &url), ("REGISTRY_REDIS_URL", "http://user:hunter2@cache:6379/")],
        )
    })
    .await
    .expect("run the CLI");
    assert!(!run.status.success(), "a malformed Redis URL must stop start-up:\n{}", run.stderr);
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("error: REGISTRY_REDIS_URL is not a usable Redis URL"), "{}", run.stderr);
    assert!(!run.stderr.contains("hunter2"), "the password leaked: {}", run.stderr);
}

/// The Lua GCRA in Redis answers as the in-process limiter does: the same burst, the same
/// Retry-After, an independent bucket per key, expiry once refilled.
#[tokio::test]
async fn redis_buckets_follow_the_in_process_rule() {
    let dir = Scratch::new();
    let redis = Redis::start(&dir.0);
    let shared = SharedState::connect(&Secret::new(redis.url()), Duration::from_millis(500)).await.expect("connect");
    let local = InProcessLimiter::new();
    for (per_minute, burst) in [(60, 6), (120, 12), (6, 1)] {
        let key = format!("k-{per_minute}");
        let started = Instant::now();
        for i in 0..burst {
            assert_eq!(local.check(&key, per_minute, burst), Ok(()), "in process, {i}");
            assert_eq!(shared.check_rate(&key, per_minute, burst).await, Some(Ok(())), "Redis, {i}");
        }
        let local_wait = local.check(&key, per_minute, burst).expect_err("in process: over the burst");
        let redis_wait = shared.check_rate(&key, per_minute, burst).await.expect("Redis answers").expect_err("over");
        // The next token comes one interval after the burst began.
        let interval = Duration::from_secs(60) / per_minute;
        let earliest = interval.saturating_sub(started.elapsed());
        for wait in [local_wait, redis_wait] {
            assert!(wait <= interval && wait >= earliest, "{per_minute}/min: wait {wait:?}, at least {earliest:?}");
        }
    }
    assert_eq!(shared.check_rate("fresh", 60, 1).await, Some(Ok(())), "another key");
    // The bucket key expires once refilled (1 s at 60/min, plus a second of margin).
    let ttl = redis_command(&redis, "PTTL registry-gateway:rate:fresh");
    let ttl: i64 = ttl.trim_start_matches(':').trim().parse().unwrap_or_else(|_| panic!("PTTL: {ttl}"));
    assert!((1000..=2000).contains(&ttl), "PTTL {ttl}");
    let stats = shared.stats();
    assert!(stats.redis_calls > 0 && stats.redis_failures == 0 && !stats.degraded, "{stats:?}");
}

/// One inline command's first reply line.
fn redis_command(redis: &Redis, command: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", redis.port)).expect("connect to Redis");
    stream.set_read_timeout(Some(Duration::from_secs(2))).expect("timeout");
    stream.write_all(format!("{command}\r\n").as_bytes()).expect("send");
    let mut buf = [0u8; 256];
    let n = stream.read(&mut buf).expect("read");
    String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or_default().to_owned()
}

/// While Redis is down, calls fall back at once (one probe a second, not one timeout per call), the
/// counters say so, and the first probe after Redis is back ends the outage.
#[tokio::test]
async fn the_shared_state_falls_back_at_once_while_redis_is_down() {
    let dir = Scratch::new();
    let mut redis = Redis::start(&dir.0);
    redis.stop();
    let shared = SharedState::connect(&Secret::new(redis.url()), Duration::from_millis(100)).await.expect("connect");
    let at_start = shared.stats();
    assert!(at_start.degraded && at_start.redis_outages == 1 && at_start.redis_failures == 1, "{at_start:?}");
    let started = Instant::now();
    for _ in 0..100 {
        assert_eq!(shared.check_rate("k", 60, 6).await, None, "no answer without Redis");
        assert_eq!(shared.get_queries(&[sha256_hex("{ a }")]).await, None);
    }
    let elapsed = started.elapsed();
    let stats = shared.stats();
    if elapsed < PROBE_EVERY {
        assert_eq!(stats.redis_calls, at_start.redis_calls, "no call before the next probe: {stats:?}");
    }
    assert_eq!(stats.redis_fallbacks, at_start.redis_fallbacks + 200, "{stats:?}");
    assert_eq!(stats.redis_outages, 1, "still the same outage: {stats:?}");

    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    while shared.check_rate("k", 60, 6).await.is_none() {
        assert!(Instant::now() < deadline, "Redis is back but not used: {:?}", shared.stats());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stats = shared.stats();
    assert!(!stats.degraded && stats.redis_outages == 1, "{stats:?}");
}
