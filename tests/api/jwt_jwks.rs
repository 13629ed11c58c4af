//! Bearer JWTs signed with asymmetric keys from a JWKS, against real gateways: a local JWKS server
//! started here serves keys generated here (RSA, P-256, Ed25519), can swap them at run time, answer
//! slowly, and stop. Each refusal is checked for its HTTP status, `extensions.code` and message.
//! Also the opt-in tenant role from `tenant_members` for tokens without `tenant_role`.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand_core::OsRng;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestDb, http_client, seeded_database, serve, test_settings, token};

/// A JWKS endpoint: serves `body`, counts requests, answers after `delay_ms`, stops when dropped.
struct JwksServer {
    url: String,
    body: Arc<Mutex<String>>,
    hits: Arc<AtomicUsize>,
    delay_ms: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    async fn start(keys: &[&TestKey]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the JWKS server");
        let url = format!("http://{}/auth/v1/.well-known/jwks.json", listener.local_addr().unwrap());
        let body = Arc::new(Mutex::new(jwks(keys)));
        let hits = Arc::new(AtomicUsize::new(0));
        let delay_ms = Arc::new(AtomicU64::new(0));
        let (b, h, d) = (body.clone(), hits.clone(), delay_ms.clone());
        // One connection at a time, each closed after its answer: aborting the task stops everything.
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { continue };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                h.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(d.load(Ordering::SeqCst))).await;
                let body = b.lock().unwrap().clone();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        Self { url, body, hits, delay_ms, task }
    }

    fn serve_keys(&self, keys: &[&TestKey]) {
        *self.body.lock().unwrap() = jwks(keys);
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn jwks(keys: &[&TestKey]) -> String {
    json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() }).to_string()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A key pair generated in the test: its public JWK and its private signing key.
struct TestKey {
    kid: String,
    alg: Algorithm,
    jwk: Value,
    signing: EncodingKey,
    /// The public key's bytes (what an attacker has).
    public: Vec<u8>,
}

impl TestKey {
    fn rsa(kid: &str) -> Self {
        use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
        use rsa::traits::PublicKeyParts;
        let key = rsa::RsaPrivateKey::new(&mut OsRng, 2048).expect("an RSA key");
        let public = key.to_public_key();
        Self {
            kid: kid.to_owned(),
            alg: Algorithm::RS256,
            jwk: json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                        "n": b64(&public.n().to_bytes_be()), "e": b64(&public.e().to_bytes_be())}),
            signing: EncodingKey::from_rsa_der(key.to_pkcs1_der().unwrap().as_bytes()),
            public: public.to_pkcs1_der().unwrap().as_bytes().to_vec(),
        }
    }

    fn p256(kid: &str) -> Self {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        use p256::pkcs8::EncodePrivateKey;
        let key = p256::SecretKey::random(&mut OsRng);
        let point = key.public_key().to_encoded_point(false);
        Self {
            kid: kid.to_owned(),
            alg: Algorithm::ES256,
            // No `alg`, as Supabase publishes some keys: the curve implies ES256.
            jwk: json!({"kty": "EC", "kid": kid, "crv": "P-256",
                        "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())}),
            signing: EncodingKey::from_ec_der(key.to_pkcs8_der().unwrap().as_bytes()),
            public: point.as_bytes().to_vec(),
        }
    }

    fn ed25519(kid: &str) -> Self {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let key = ed25519_dalek::SigningKey::generate(&mut OsRng);
        let public = key.verifying_key().to_bytes();
        Self {
            kid: kid.to_owned(),
            alg: Algorithm::EdDSA,
            jwk: json!({"kty": "OKP", "kid": kid, "crv": "Ed25519", "alg": "EdDSA", "x": b64(&public)}),
            signing: EncodingKey::from_ed_der(key.to_pkcs8_der().unwrap().as_bytes()),
            public: public.to_vec(),
        }
    }

    /// A token signed with this key, with its `kid`, for `claims` (plus `exp` in an hour unless set).
    fn sign(&self, claims: Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &with_exp(claims), &self.signing).unwrap()
    }
}

fn with_exp(mut claims: Value) -> Value {
    if claims.get("exp").is_none() {
        claims["exp"] = json!(chrono::Utc::now().timestamp() + 3600);
    }
    claims
}

/// Claims of a member of `tenant`.
fn member_of(tenant: &str) -> Value {
    json!({"sub": "test-user", "role": "authenticated", "aud": "authenticated", "tenant_id": tenant, "tenant_role": "member"})
}

/// A tenant with members, and how many (a tenant-private table: only its members' roles read it).
async fn tenant_with_members(db: &TestDb) -> (String, u64) {
    let row = db
        .query_strings(
            "SELECT m.tenant_id::text, count(*)::text FROM tenant_members m \
             JOIN tenants t ON t.id = m.tenant_id AND t.deleted_at IS NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
        )
        .await;
    let row = row.first().expect("the seed has tenant members");
    (row[0].clone(), row[1].parse().unwrap())
}

const MEMBERS: &str = "{ tenantMembers { totalCount } }";

/// POSTs `MEMBERS` with `token` and returns the status and the body.
async fn ask(client: &reqwest::Client, address: &str, token: &str) -> (u16, Value) {
    let resp = client
        .post(format!("{address}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": MEMBERS }))
        .send()
        .await
        .expect("the gateway answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON body"))
}

/// The request succeeds and sees `members` tenant members.
async fn sees(client: &reqwest::Client, address: &str, token: &str, members: u64) {
    let (status, v) = ask(client, address, token).await;
    assert_eq!(status, 200, "{v:#}");
    assert!(v.get("errors").is_none(), "{v:#}");
    assert_eq!(v["data"]["tenantMembers"]["totalCount"], json!(members), "{v:#}");
}

/// The request is refused with `status`, `code` and a message containing `reason`.
async fn refused(client: &reqwest::Client, address: &str, token: &str, status: u16, code: &str, reason: &str) {
    let (got, v) = ask(client, address, token).await;
    assert_eq!(got, status, "{v:#}");
    let error = &v["errors"][0];
    assert_eq!(error["extensions"]["code"], json!(code), "{v:#}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains(reason), "expected `{reason}` in: {message}");
    assert!(v.get("data").is_none_or(Value::is_null), "{v:#}");
}

fn jwks_settings(server: &JwksServer, min_refresh_secs: u64) -> registry_gateway::config::GraphqlSettings {
    let mut settings = test_settings();
    settings.jwks_url = Some(server.url.clone());
    settings.jwks_min_refresh_secs = min_refresh_secs;
    settings.jwks_refresh_secs = 0;
    settings
}

/// Waits until the gateway's start-up fetch reached `server` (`hits` requests in all).
async fn wait_for_hits(server: &JwksServer, hits: usize) {
    for _ in 0..200 {
        if server.hits() >= hits {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the gateway did not fetch the JWKS at start-up ({} fetches)", server.hits());
}

#[tokio::test]
async fn each_algorithm_verifies_with_its_key_and_no_token_picks_its_own_algorithm() {
    let db = seeded_database().await;
    let (tenant, members) = tenant_with_members(&db).await;
    let (rsa, ec, ed) = (TestKey::rsa("rsa-1"), TestKey::p256("ec-1"), TestKey::ed25519("ed-1"));
    let server = JwksServer::start(&[&rsa, &ec, &ed]).await;
    let address = serve(&db, &jwks_settings(&server, 30)).await;
    let client = http_client();

    // A good token for each algorithm, and HS256 with the secret next to the key set.
    for key in [&rsa, &ec, &ed] {
        sees(&client, &address, &key.sign(member_of(&tenant)), members).await;
    }
    sees(&client, &address, &token(&tenant, "member"), members).await;
    // Without `tenant_role`, no tenant-private rows: the claims reach the scope.
    let mut no_role = member_of(&tenant);
    no_role.as_object_mut().unwrap().remove("tenant_role");
    sees(&client, &address, &ec.sign(no_role), 0).await;

    // `alg: none`, unsigned.
    let header = b64(json!({"alg": "none", "typ": "JWT", "kid": "rsa-1"}).to_string().as_bytes());
    let payload = b64(with_exp(member_of(&tenant)).to_string().as_bytes());
    refused(&client, &address, &format!("{header}.{payload}."), 401, "UNAUTHENTICATED", "`none` never is").await;

    // HS256 "signed" with the RSA key's public key (and its kid): the key decides, so it is
    // checked against the secret and fails.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(rsa.kid.clone());
    for public in [&rsa.public, &rsa.jwk.to_string().into_bytes()] {
        let forged =
            jsonwebtoken::encode(&header, &with_exp(member_of(&tenant)), &EncodingKey::from_secret(public)).unwrap();
        refused(&client, &address, &forged, 401, "UNAUTHENTICATED", "signature is invalid").await;
    }

    // A token whose `alg` is not its key's: RS256 naming the P-256 key.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(ec.kid.clone());
    let mismatched = jsonwebtoken::encode(&header, &with_exp(member_of(&tenant)), &rsa.signing).unwrap();
    refused(&client, &address, &mismatched, 401, "UNAUTHENTICATED", "not the algorithm of its key (ES256)").await;

    // Another key's signature under a known kid.
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(ed.kid.clone());
    let other = TestKey::ed25519("ed-other");
    let forged = jsonwebtoken::encode(&header, &with_exp(member_of(&tenant)), &other.signing).unwrap();
    refused(&client, &address, &forged, 401, "UNAUTHENTICATED", "signature is invalid").await;

    // Expired.
    let mut expired = member_of(&tenant);
    expired["exp"] = json!(chrono::Utc::now().timestamp() - 5);
    refused(&client, &address, &rsa.sign(expired), 401, "UNAUTHENTICATED", "expired").await;

    // With an audience and an issuer configured.
    let issuer = "https://project.supabase.co/auth/v1";
    let mut settings = jwks_settings(&server, 30);
    settings.jwt_audience = vec!["authenticated".to_owned()];
    settings.jwt_issuer = Some(issuer.to_owned());
    let strict = serve(&db, &settings).await;
    let mut good = member_of(&tenant);
    good["iss"] = json!(issuer);
    sees(&client, &strict, &ed.sign(good.clone()), members).await;
    let mut wrong_aud = good.clone();
    wrong_aud["aud"] = json!("service_role");
    refused(
        &client,
        &strict,
        &ed.sign(wrong_aud),
        401,
        "UNAUTHENTICATED",
        "`aud` names none of the accepted audiences",
    )
    .await;
    let mut no_aud = good.clone();
    no_aud.as_object_mut().unwrap().remove("aud");
    refused(&client, &strict, &rsa.sign(no_aud), 401, "UNAUTHENTICATED", "no `aud` claim").await;
    let mut wrong_iss = good.clone();
    wrong_iss["iss"] = json!("https://evil.example/auth/v1");
    refused(&client, &strict, &ec.sign(wrong_iss), 401, "UNAUTHENTICATED", "`iss` is not the accepted issuer").await;
    // The first gateway checks neither.
    let mut other_aud = member_of(&tenant);
    other_aud["aud"] = json!("service_role");
    sees(&client, &address, &ed.sign(other_aud), members).await;
}

#[tokio::test]
async fn a_rotated_key_is_fetched_on_its_first_token_and_unknown_kids_refresh_once_per_interval() {
    let db = seeded_database().await;
    let (tenant, members) = tenant_with_members(&db).await;
    let (old, new) = (TestKey::p256("2026-old"), TestKey::p256("2026-new"));
    let server = JwksServer::start(&[&old]).await;
    let client = http_client();

    // Rotation, with refreshes allowed at any time.
    let address = serve(&db, &jwks_settings(&server, 0)).await;
    wait_for_hits(&server, 1).await;
    sees(&client, &address, &old.sign(member_of(&tenant)), members).await;
    assert_eq!(server.hits(), 1, "a cached key costs no fetch");
    server.serve_keys(&[&new]);
    sees(&client, &address, &new.sign(member_of(&tenant)), members).await;
    assert_eq!(server.hits(), 2, "the new kid triggered one fetch");
    // The old key left the set with that fetch.
    refused(&client, &address, &old.sign(member_of(&tenant)), 401, "UNAUTHENTICATED", "no key with `kid` `2026-old`")
        .await;

    // An unknown kid: one fetch, then none until the interval has passed.
    let start = server.hits();
    let rate_limited = serve(&db, &jwks_settings(&server, 2)).await;
    wait_for_hits(&server, start + 1).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let stranger = TestKey::p256("unknown-1");
    refused(&client, &rate_limited, &stranger.sign(member_of(&tenant)), 401, "UNAUTHENTICATED", "`kid` `unknown-1`")
        .await;
    assert_eq!(server.hits(), start + 2, "an unknown kid refreshes the set once");
    for n in 0..5 {
        let stranger = TestKey::p256(&format!("unknown-{n}"));
        refused(&client, &rate_limited, &stranger.sign(member_of(&tenant)), 401, "UNAUTHENTICATED", "does not know")
            .await;
    }
    assert_eq!(server.hits(), start + 2, "within the interval, unknown kids fetch nothing");
    sees(&client, &rate_limited, &new.sign(member_of(&tenant)), members).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    refused(&client, &rate_limited, &stranger.sign(member_of(&tenant)), 401, "UNAUTHENTICATED", "does not know").await;
    assert_eq!(server.hits(), start + 3, "after the interval, one more fetch");

    // Single flight: requests that miss together wait for one slow fetch.
    let start = server.hits();
    let single = serve(&db, &jwks_settings(&server, 0)).await;
    wait_for_hits(&server, start + 1).await;
    sees(&client, &single, &new.sign(member_of(&tenant)), members).await;
    let newest = TestKey::p256("2026-newest");
    server.serve_keys(&[&new, &newest]);
    server.delay_ms.store(700, Ordering::SeqCst);
    let token = newest.sign(member_of(&tenant));
    let answers = futures::future::join_all((0..8).map(|_| ask(&client, &single, &token))).await;
    for (status, v) in answers {
        assert_eq!(status, 200, "{v:#}");
        assert_eq!(v["data"]["tenantMembers"]["totalCount"], json!(members), "{v:#}");
    }
    assert_eq!(server.hits(), start + 2, "eight requests with the new kid, one fetch");
}

#[tokio::test]
async fn with_the_jwks_server_down_cached_keys_keep_working_and_without_keys_the_error_says_why() {
    let db = seeded_database().await;
    let (tenant, members) = tenant_with_members(&db).await;
    let (rsa, ed) = (TestKey::rsa("rsa-down"), TestKey::ed25519("ed-down"));
    let server = JwksServer::start(&[&rsa, &ed]).await;
    let client = http_client();
    let address = serve(&db, &jwks_settings(&server, 0)).await;
    wait_for_hits(&server, 1).await;
    sees(&client, &address, &rsa.sign(member_of(&tenant)), members).await;

    server.stop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    for key in [&rsa, &ed] {
        sees(&client, &address, &key.sign(member_of(&tenant)), members).await;
    }
    // An unknown kid tries a refresh, which fails; the cached keys stay.
    let stranger = TestKey::ed25519("ed-stranger");
    refused(&client, &address, &stranger.sign(member_of(&tenant)), 401, "UNAUTHENTICATED", "`kid` `ed-stranger`").await;
    sees(&client, &address, &ed.sign(member_of(&tenant)), members).await;

    // A gateway that never got the keys: 503, saying the key set could not be fetched; HS256 still works.
    let mut settings = test_settings();
    settings.jwks_url = Some(server.url.clone());
    settings.jwks_min_refresh_secs = 0;
    let keyless = serve(&db, &settings).await;
    for key in [&rsa, &ed] {
        refused(
            &client,
            &keyless,
            &key.sign(member_of(&tenant)),
            503,
            "JWKS_UNAVAILABLE",
            "the signing keys could not be fetched from the JWKS URL",
        )
        .await;
    }
    sees(&client, &keyless, &token(&tenant, "member"), members).await;
}

#[tokio::test]
async fn a_token_without_tenant_role_gets_the_members_role_only_when_opted_in_and_cached() {
    let db = seeded_database().await;
    // An active member whose role reads private data, in a tenant with several members.
    let row = db
        .query_strings(
            "SELECT m.tenant_id::text, m.user_id::text, \
                    (SELECT count(*) FROM tenant_members x WHERE x.tenant_id = m.tenant_id)::text \
             FROM tenant_members m JOIN tenants t ON t.id = m.tenant_id AND t.deleted_at IS NULL \
             WHERE m.status = 'active' AND m.role IN ('owner', 'admin', 'manager', 'member') \
             ORDER BY 3 DESC, 1, 2 LIMIT 1",
        )
        .await;
    let [tenant, user, members] = &row.first().expect("the seed has an active member")[..] else {
        panic!("three columns")
    };
    let members: u64 = members.parse().unwrap();
    assert!(members > 0);
    let claims = json!({"sub": user, "role": "authenticated", "tenant_id": tenant});
    let ed = TestKey::ed25519("ed-members");
    let server = JwksServer::start(&[&ed]).await;
    let client = http_client();
    let member_token = ed.sign(claims.clone());
    let stranger_token = ed.sign(json!({"sub": uuid::Uuid::new_v4(), "role": "authenticated", "tenant_id": tenant}));

    // Off (the default): no role, no private rows.
    let off = serve(&db, &jwks_settings(&server, 30)).await;
    sees(&client, &off, &member_token, 0).await;

    // On: the member's role, in the gateway and in row-level security alone.
    let mut on = jwks_settings(&server, 30);
    on.tenant_role_from_members = true;
    let gateway = serve(&db, &on).await;
    sees(&client, &gateway, &member_token, members).await;
    sees(&client, &gateway, &stranger_token, 0).await;
    // A `sub` that is no uuid has no membership.
    sees(&client, &gateway, &ed.sign(json!({"sub": "not-a-uuid", "tenant_id": tenant})), 0).await;
    // A token's own `tenant_role` wins.
    let mut viewer = claims.clone();
    viewer["tenant_role"] = json!("viewer");
    sees(&client, &gateway, &ed.sign(viewer), 0).await;
    let mut rls_only = on.clone();
    rls_only.tenant_scoping = registry_gateway::config::TenantScoping::Database;
    let rls = serve(&db, &rls_only).await;
    sees(&client, &rls, &member_token, members).await;

    // Cached: a suspended membership still counts within the TTL; with TTL 0 it does not.
    db.query_strings(&format!(
        "UPDATE tenant_members SET status = 'suspended' WHERE tenant_id = '{tenant}' AND user_id = '{user}' RETURNING 1"
    ))
    .await;
    sees(&client, &gateway, &member_token, members).await;
    let mut uncached = on.clone();
    uncached.tenant_role_cache_secs = 0;
    let fresh = serve(&db, &uncached).await;
    sees(&client, &fresh, &member_token, 0).await;
}
