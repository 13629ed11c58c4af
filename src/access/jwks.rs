//! The signing keys of bearer JWTs, fetched from a JWKS URL (`REGISTRY_JWKS_URL`) and cached by `kid`.
//!
//! Supabase signs user tokens with asymmetric keys (ES256/RS256) and publishes the public halves as
//! a JSON Web Key Set; it rotates them by publishing a new key and then signing with it. So:
//! - the set is fetched at start-up (a failure is logged, not fatal) and then periodically;
//! - a token whose `kid` is not cached triggers one refresh, at most once per
//!   `REGISTRY_JWKS_MIN_REFRESH_SECS` (tokens with made-up `kid`s cannot flood the JWKS server),
//!   and single-flight: requests that miss at once wait for the one fetch in flight;
//! - a failed fetch keeps the keys already cached, so a JWKS outage does not lock users out;
//!   with no key at all, verification fails with `JWKS_UNAVAILABLE` (HTTP 503), saying why.
//!
//! Each key's algorithm comes from the key (its `alg`, else its type and curve), never from a
//! token: a token is verified only with the algorithm its key names. Symmetric (`oct`) and
//! encryption (`use: enc`) keys in the set are skipped. [`JwksStats`] counts the fetches for metrics.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};

use crate::error::{AppError, ErrorCode};

/// One verification key of the set.
pub struct VerificationKey {
    pub kid: Option<String>,
    /// The one algorithm tokens verified with this key must use.
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

/// Fetches of the key set since start-up (for the metrics endpoint).
#[derive(Debug, Default)]
pub struct JwksStats {
    pub refreshes_ok: AtomicU64,
    pub refreshes_failed: AtomicU64,
}

impl JwksStats {
    /// `(successful, failed)` fetches so far.
    pub fn snapshot(&self) -> (u64, u64) {
        (self.refreshes_ok.load(Ordering::Relaxed), self.refreshes_failed.load(Ordering::Relaxed))
    }
}

/// What the last fetch left behind.
#[derive(Default)]
struct RefreshState {
    last_attempt: Option<Instant>,
    last_error: Option<String>,
}

/// The cached key set of one JWKS URL.
pub struct KeySet {
    url: String,
    client: reqwest::Client,
    min_refresh: Duration,
    keys: RwLock<Arc<Vec<Arc<VerificationKey>>>>,
    /// Held while a fetch is in flight (single flight).
    refresh: tokio::sync::Mutex<RefreshState>,
    /// Fetches completed so far; a request that waited for the lock sees whether one ended meanwhile.
    attempts: AtomicU64,
    stats: JwksStats,
}

impl KeySet {
    /// An empty set for `url`; nothing is fetched until [`KeySet::refresh`] or a lookup.
    pub fn new(url: &str, min_refresh: Duration) -> Result<Self, AppError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| AppError::config(format!("REGISTRY_JWKS_URL `{url}` is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(AppError::config(format!("REGISTRY_JWKS_URL `{url}` must be an http(s) URL")));
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| AppError::internal("building the JWKS client", e))?;
        Ok(Self {
            url: url.to_owned(),
            client,
            min_refresh,
            keys: RwLock::default(),
            refresh: tokio::sync::Mutex::default(),
            attempts: AtomicU64::new(0),
            stats: JwksStats::default(),
        })
    }

    pub fn stats(&self) -> &JwksStats {
        &self.stats
    }

    /// The keys cached now.
    pub fn cached(&self) -> Arc<Vec<Arc<VerificationKey>>> {
        self.keys.read().map_or_else(|p| p.into_inner().clone(), |k| k.clone())
    }

    /// Fetches the set now (waiting for a fetch in flight) and replaces the cached keys on success.
    pub async fn refresh(&self) {
        let mut state = self.refresh.lock().await;
        self.fetch_locked(&mut state).await;
    }

    /// Fetches the set at once and then every `every` (zero: only once), for as long as the process runs.
    pub fn spawn_refresh(self: &Arc<Self>, every: Duration) {
        let set = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                set.refresh().await;
                if every.is_zero() {
                    break;
                }
                tokio::time::sleep(every).await;
            }
        });
    }

    async fn fetch_locked(&self, state: &mut RefreshState) {
        state.last_attempt = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => {
                self.stats.refreshes_ok.fetch_add(1, Ordering::Relaxed);
                tracing::info!(url = %self.url, keys = keys.len(), "fetched the JWKS");
                state.last_error = None;
                let keys = Arc::new(keys);
                match self.keys.write() {
                    Ok(mut k) => *k = keys,
                    Err(p) => *p.into_inner() = keys,
                }
            }
            Err(e) => {
                self.stats.refreshes_failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(url = %self.url, error = %e, "fetching the JWKS failed; keeping the cached keys");
                state.last_error = Some(e);
            }
        }
        // Counted once done: a request that missed while this fetch was in flight sees it.
        self.attempts.fetch_add(1, Ordering::SeqCst);
    }

    async fn fetch(&self) -> Result<Vec<Arc<VerificationKey>>, String> {
        let response = self.client.get(&self.url).send().await.map_err(|e| format!("request failed: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the server answered HTTP {status}"));
        }
        let body: serde_json::Value = response.json().await.map_err(|e| format!("the body is not JSON: {e}"))?;
        let Some(entries) = body.get("keys").and_then(serde_json::Value::as_array) else {
            return Err("the body has no `keys` array".to_owned());
        };
        let mut keys = Vec::with_capacity(entries.len());
        for entry in entries {
            match verification_key(entry) {
                Ok(key) => keys.push(Arc::new(key)),
                Err(why) => tracing::warn!(url = %self.url, key = %entry, "skipping a JWKS key: {why}"),
            }
        }
        Ok(keys)
    }

    /// The keys that may have signed a token with header `kid` and `alg`: the key with that `kid`,
    /// or without a `kid`, every key of that algorithm. A miss refreshes the set once (rate-limited,
    /// single-flight) before giving up.
    pub async fn keys_for(&self, kid: Option<&str>, alg: Algorithm) -> Result<Vec<Arc<VerificationKey>>, AppError> {
        let matching = |keys: &[Arc<VerificationKey>]| -> Vec<Arc<VerificationKey>> {
            keys.iter()
                .filter(|k| match kid {
                    Some(kid) => k.kid.as_deref() == Some(kid),
                    None => k.algorithm == alg,
                })
                .cloned()
                .collect()
        };
        let found = matching(&self.cached());
        if !found.is_empty() {
            return Ok(found);
        }
        let seen = self.attempts.load(Ordering::SeqCst);
        let last_error = {
            let mut state = self.refresh.lock().await;
            let fetched_meanwhile = self.attempts.load(Ordering::SeqCst) != seen;
            let due = state.last_attempt.is_none_or(|t| t.elapsed() >= self.min_refresh);
            if !fetched_meanwhile && due {
                // Boxed: the HTTP fetch's future is large, and the request's future would carry it
                // on every request although it runs only when the keys are missing
                // (bench/README.md, "The request's future kept small").
                Box::pin(self.fetch_locked(&mut state)).await;
            }
            state.last_error.clone()
        };
        let keys = self.cached();
        let found = matching(&keys);
        if !found.is_empty() {
            return Ok(found);
        }
        if keys.is_empty() {
            return Err(match last_error {
                Some(e) => AppError::user(
                    ErrorCode::JwksUnavailable,
                    format!(
                        "the JWT cannot be verified now: the signing keys could not be fetched from the JWKS URL ({e}); retry later"
                    ),
                ),
                None => AppError::user(
                    ErrorCode::Unauthenticated,
                    "the JWKS holds no usable signing key (RS256, ES256 or EdDSA), so the JWT cannot be verified",
                ),
            });
        }
        let what =
            kid.map_or_else(|| format!("no key for algorithm {alg:?}"), |kid| format!("no key with `kid` `{kid}`"));
        Err(AppError::user(
            ErrorCode::Unauthenticated,
            format!("the JWT is signed with a key this gateway does not know: the JWKS has {what}"),
        ))
    }
}

/// The verification key of one JWK, with the algorithm it names or implies.
fn verification_key(entry: &serde_json::Value) -> Result<VerificationKey, String> {
    let jwk: Jwk = serde_json::from_value(entry.clone()).map_err(|e| format!("not a JWK this gateway reads ({e})"))?;
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return Err("an encryption key (`use: enc`)".to_owned());
    }
    let implied = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => Algorithm::ES256,
            EllipticCurve::P384 => Algorithm::ES384,
            ref other => return Err(format!("unsupported curve {other:?}")),
        },
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => Algorithm::EdDSA,
        AlgorithmParameters::OctetKeyPair(p) => return Err(format!("unsupported curve {:?}", p.curve)),
        AlgorithmParameters::OctetKey(_) => {
            return Err("a symmetric (`oct`) key; HS256 uses REGISTRY_JWT_SECRET".to_owned());
        }
    };
    let algorithm = match jwk.common.key_algorithm {
        None => implied,
        Some(named) => {
            let algorithm = match named {
                KeyAlgorithm::RS256 => Algorithm::RS256,
                KeyAlgorithm::RS384 => Algorithm::RS384,
                KeyAlgorithm::RS512 => Algorithm::RS512,
                KeyAlgorithm::PS256 => Algorithm::PS256,
                KeyAlgorithm::PS384 => Algorithm::PS384,
                KeyAlgorithm::PS512 => Algorithm::PS512,
                KeyAlgorithm::ES256 => Algorithm::ES256,
                KeyAlgorithm::ES384 => Algorithm::ES384,
                KeyAlgorithm::EdDSA => Algorithm::EdDSA,
                other => return Err(format!("unsupported algorithm {other}")),
            };
            if algorithm.family() != implied.family()
                || (implied.family() != AlgorithmFamily::Rsa && algorithm != implied)
            {
                return Err(format!("its `alg` {named} does not fit its key type"));
            }
            algorithm
        }
    };
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("the key material is not valid ({e})"))?;
    Ok(VerificationKey { kid: jwk.common.key_id.clone(), algorithm, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_take_their_algorithm_from_the_key_and_skip_what_cannot_verify() {
        let rsa = serde_json::json!({"kty": "RSA", "kid": "r", "n": "sXch", "e": "AQAB"});
        assert_eq!(verification_key(&rsa).unwrap().algorithm, Algorithm::RS256);
        let ps = serde_json::json!({"kty": "RSA", "kid": "r", "alg": "PS256", "n": "sXch", "e": "AQAB"});
        assert_eq!(verification_key(&ps).unwrap().algorithm, Algorithm::PS256);
        let mismatched = serde_json::json!({"kty": "RSA", "alg": "ES256", "n": "sXch", "e": "AQAB"});
        assert!(verification_key(&mismatched).err().unwrap().contains("does not fit"));
        let oct = serde_json::json!({"kty": "oct", "k": "c2VjcmV0"});
        assert!(verification_key(&oct).err().unwrap().contains("symmetric"));
        let enc = serde_json::json!({"kty": "RSA", "use": "enc", "n": "sXch", "e": "AQAB"});
        assert!(verification_key(&enc).err().unwrap().contains("encryption"));
        let unknown = serde_json::json!({"kty": "XYZ"});
        assert!(verification_key(&unknown).is_err());
    }

    #[test]
    fn the_url_must_be_http() {
        assert_eq!(KeySet::new("ftp://x/jwks", Duration::ZERO).err().unwrap().code(), ErrorCode::BadConfig);
        assert_eq!(KeySet::new("not a url", Duration::ZERO).err().unwrap().code(), ErrorCode::BadConfig);
    }
}
