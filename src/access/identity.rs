//! Who is calling: a Supabase-style bearer JWT, or nobody.
//!
//! `Authorization: Bearer <JWT>` carries `sub` (the user), `tenant_id`, `role`, `exp` and
//! optionally `tenant_role`, `aud` and `iss`. Supabase signs with HS256 and its JWT secret
//! (`REGISTRY_JWT_SECRET`) or, since its asymmetric signing keys, with ES256/RS256 keys published as
//! a JWKS (`REGISTRY_JWKS_URL`, see [`super::jwks`]); EdDSA keys are accepted too. Both may be
//! configured at once. Signatures and claims are checked by the `jsonwebtoken` crate.
//!
//! The key decides the algorithm, never the token alone: an HS256 token is checked only with the
//! secret, and any other token only with a JWKS key whose own algorithm equals the token's `alg`.
//! So `alg: none` (which `jsonwebtoken` does not even parse) and an HS256 token "signed" with a
//! published public key are refused. `exp` is required (no leeway); `aud` and `iss` are checked
//! when configured (`REGISTRY_JWT_AUDIENCE`, `REGISTRY_JWT_ISSUER`).
//!
//! The caller's tenant role is the token's `tenant_role` claim; without one, it reads no
//! tenant-private data, unless `REGISTRY_TENANT_ROLE_FROM_MEMBERS` looks it up in `tenant_members`
//! ([`super::tenant_roles`]).

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header, Validation};
use serde::Deserialize;
use uuid::Uuid;

use super::jwks::KeySet;
use crate::config::{GraphqlSettings, Secret};
use crate::error::{AppError, ErrorCode};

/// The verified claims of a token.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: Option<String>,
    pub role: Option<String>,
    pub tenant_id: Option<Uuid>,
    pub tenant_role: Option<String>,
    pub exp: i64,
}

fn unauthenticated(message: impl Into<String>) -> AppError {
    AppError::user(ErrorCode::Unauthenticated, message)
}

/// Verifies bearer JWTs with the configured secret and key set.
pub struct TokenVerifier {
    secret: Option<DecodingKey>,
    jwks: Option<Arc<KeySet>>,
    audience: Vec<String>,
    issuer: Option<String>,
}

impl TokenVerifier {
    /// A verifier of HS256 tokens with `secret` and of asymmetric ones with `jwks`; `audience`
    /// (any of) and `issuer` are required when given.
    pub fn new(
        secret: Option<&Secret<String>>,
        jwks: Option<Arc<KeySet>>,
        audience: Vec<String>,
        issuer: Option<String>,
    ) -> Self {
        Self {
            secret: secret.map(|s| DecodingKey::from_secret(s.expose().as_bytes())),
            jwks,
            audience: audience.into_iter().map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect(),
            issuer: issuer.filter(|i| !i.trim().is_empty()),
        }
    }

    /// The verifier `settings` describe. Its key set (if any) is empty until fetched: call
    /// [`KeySet::spawn_refresh`] on [`TokenVerifier::jwks`].
    pub fn from_settings(settings: &GraphqlSettings) -> Result<Self, AppError> {
        let jwks = match settings.jwks_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Some(Arc::new(KeySet::new(url, Duration::from_secs(settings.jwks_min_refresh_secs))?)),
            None => None,
        };
        Ok(Self::new(settings.jwt_secret.as_ref(), jwks, settings.jwt_audience.clone(), settings.jwt_issuer.clone()))
    }

    /// The key set of `REGISTRY_JWKS_URL`, when one is configured.
    pub fn jwks(&self) -> Option<&Arc<KeySet>> {
        self.jwks.as_ref()
    }

    /// The claims of `token`, once its signature, algorithm, expiry, audience and issuer check out.
    pub async fn verify(&self, token: &str) -> Result<Claims, AppError> {
        if self.secret.is_none() && self.jwks.is_none() {
            return Err(unauthenticated(
                "bearer tokens are not accepted: neither a JWT secret nor a JWKS URL is configured",
            ));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| header_error(&e))?;
        match header.alg {
            Algorithm::HS256 => {
                let Some(secret) = &self.secret else {
                    return Err(unauthenticated(
                        "HS256 tokens are not accepted: no JWT secret is configured (REGISTRY_JWT_SECRET)",
                    ));
                };
                self.decode(token, secret, Algorithm::HS256)
            }
            alg if alg.family() == AlgorithmFamily::Hmac => {
                Err(unauthenticated(format!("the JWT's algorithm {alg:?} is not accepted; HMAC tokens must use HS256")))
            }
            alg => {
                let Some(jwks) = &self.jwks else {
                    return Err(unauthenticated(format!(
                        "{alg:?} tokens are not accepted: no JWKS URL is configured (REGISTRY_JWKS_URL)"
                    )));
                };
                let mut refused = None;
                for key in jwks.keys_for(header.kid.as_deref(), alg).await? {
                    if key.algorithm != alg {
                        refused = Some(unauthenticated(format!(
                            "the JWT's `alg` {alg:?} is not the algorithm of its key ({:?})",
                            key.algorithm
                        )));
                        continue;
                    }
                    match self.decode(token, &key.key, key.algorithm) {
                        Ok(claims) => return Ok(claims),
                        Err(e) => refused = Some(e),
                    }
                }
                Err(refused.unwrap_or_else(|| unauthenticated("the JWT matches no key of the JWKS")))
            }
        }
    }

    fn decode(&self, token: &str, key: &DecodingKey, algorithm: Algorithm) -> Result<Claims, AppError> {
        let mut validation = Validation::new(algorithm);
        validation.leeway = 0;
        let mut required = vec!["exp"];
        if self.audience.is_empty() {
            validation.validate_aud = false;
        } else {
            validation.set_audience(&self.audience);
            required.push("aud");
        }
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);
        jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| self.claims_error(&e))
    }

    fn claims_error(&self, e: &jsonwebtoken::errors::Error) -> AppError {
        unauthenticated(match e.kind() {
            ErrorKind::InvalidToken => "the bearer token is not a JWT (expected three dot-separated parts)".to_owned(),
            ErrorKind::InvalidSignature => "the JWT signature is invalid".to_owned(),
            ErrorKind::ExpiredSignature => "the JWT has expired".to_owned(),
            ErrorKind::ImmatureSignature => "the JWT is not valid yet (its `nbf` is in the future)".to_owned(),
            ErrorKind::InvalidAudience => {
                format!("the JWT's `aud` names none of the accepted audiences ({})", self.audience.join(", "))
            }
            ErrorKind::InvalidIssuer => {
                format!("the JWT's `iss` is not the accepted issuer `{}`", self.issuer.as_deref().unwrap_or_default())
            }
            ErrorKind::MissingRequiredClaim(claim) => format!("the JWT has no `{claim}` claim"),
            ErrorKind::InvalidClaimFormat(claim) => format!("the JWT's `{claim}` claim is malformed"),
            ErrorKind::InvalidAlgorithm => "the JWT's `alg` is not the algorithm of its key".to_owned(),
            ErrorKind::Base64(_) => "the JWT is not base64url-encoded".to_owned(),
            ErrorKind::Utf8(_) => "the JWT's claims are not UTF-8".to_owned(),
            ErrorKind::Json(e) => format!("the JWT claims are not valid ({e}); `exp` is required"),
            _ => format!("the JWT cannot be verified ({e})"),
        })
    }
}

fn header_error(e: &jsonwebtoken::errors::Error) -> AppError {
    unauthenticated(match e.kind() {
        ErrorKind::InvalidToken => "the bearer token is not a JWT (expected three dot-separated parts)",
        _ => {
            "the JWT header is malformed or names an algorithm this gateway does not accept \
             (HS256, RS256, ES256, EdDSA; `none` never is)"
        }
    })
}

/// Signs claims as an HS256 JWT (for tests and tools; the gateway itself only verifies).
pub fn sign_hs256(claims: &serde_json::Value, secret: &Secret<String>) -> String {
    // Encoding with an HMAC key cannot fail; an empty token would fail verification anyway.
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.expose().as_bytes()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn secret() -> Secret<String> {
        Secret::new("test-secret-at-least-32-bytes-long!!".into())
    }

    fn hs256_only(audience: &[&str], issuer: Option<&str>) -> TokenVerifier {
        TokenVerifier::new(
            Some(&secret()),
            None,
            audience.iter().map(|a| (*a).to_owned()).collect(),
            issuer.map(str::to_owned),
        )
    }

    fn in_an_hour() -> i64 {
        chrono::Utc::now().timestamp() + 3600
    }

    async fn reason(v: &TokenVerifier, token: &str) -> String {
        let e = v.verify(token).await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unauthenticated, "{e}");
        e.to_string()
    }

    #[tokio::test]
    async fn a_signed_token_verifies_and_a_tampered_one_does_not() {
        let t = Uuid::new_v4();
        let v = hs256_only(&[], None);
        let token = sign_hs256(
            &serde_json::json!({"sub": "u1", "tenant_id": t, "role": "authenticated", "exp": in_an_hour()}),
            &secret(),
        );
        let claims = v.verify(&token).await.unwrap();
        assert_eq!(claims.tenant_id, Some(t));
        let mut bad = token.clone();
        bad.insert(token.find('.').unwrap() + 2, 'x');
        assert_eq!(v.verify(&bad).await.unwrap_err().code(), ErrorCode::Unauthenticated);
        let other = Secret::new("another-secret-another-secret-123".to_owned());
        let forged = sign_hs256(&serde_json::json!({"sub": "u1", "exp": in_an_hour()}), &other);
        assert!(reason(&v, &forged).await.contains("signature"));
    }

    #[tokio::test]
    async fn expired_and_malformed_tokens_are_refused_with_a_reason() {
        let v = hs256_only(&[], None);
        let token = sign_hs256(&serde_json::json!({"sub": "u1", "exp": chrono::Utc::now().timestamp() - 1}), &secret());
        assert!(reason(&v, &token).await.contains("expired"));
        assert!(reason(&v, "abc").await.contains("three"));
        let no_exp = sign_hs256(&serde_json::json!({"sub": "u1"}), &secret());
        assert!(reason(&v, &no_exp).await.contains("exp"));
    }

    #[tokio::test]
    async fn alg_none_and_other_hmac_algorithms_are_refused() {
        let v = hs256_only(&[], None);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::json!({"sub": "u1", "exp": in_an_hour()}).to_string());
        let none = format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#));
        assert!(reason(&v, &none).await.contains("`none` never is"));
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &serde_json::json!({"sub": "u1", "exp": in_an_hour()}),
            &EncodingKey::from_secret(secret().expose().as_bytes()),
        )
        .unwrap();
        assert!(reason(&v, &hs512).await.contains("must use HS256"));
        let rs256_header = format!("{}.{payload}.c2ln", URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k"}"#));
        assert!(reason(&v, &rs256_header).await.contains("no JWKS URL"));
    }

    #[tokio::test]
    async fn audience_and_issuer_are_checked_when_configured() {
        let v = hs256_only(&["authenticated", "service"], Some("https://issuer.example/auth/v1"));
        let sign = |claims: serde_json::Value| sign_hs256(&claims, &secret());
        let exp = in_an_hour();
        let good = sign(
            serde_json::json!({"sub": "u", "exp": exp, "aud": "service", "iss": "https://issuer.example/auth/v1"}),
        );
        assert!(v.verify(&good).await.is_ok());
        let wrong_aud =
            sign(serde_json::json!({"sub": "u", "exp": exp, "aud": "other", "iss": "https://issuer.example/auth/v1"}));
        assert!(reason(&v, &wrong_aud).await.contains("`aud`"));
        let no_aud = sign(serde_json::json!({"sub": "u", "exp": exp, "iss": "https://issuer.example/auth/v1"}));
        assert!(reason(&v, &no_aud).await.contains("no `aud` claim"));
        let wrong_iss =
            sign(serde_json::json!({"sub": "u", "exp": exp, "aud": "service", "iss": "https://evil.example"}));
        assert!(reason(&v, &wrong_iss).await.contains("`iss`"));
        // Unconfigured, a token's `aud` is not checked (Supabase's tokens carry `authenticated`).
        assert!(hs256_only(&[], None).verify(&wrong_aud).await.is_ok());
    }

    #[tokio::test]
    async fn without_secret_or_key_set_no_token_is_accepted() {
        let v = TokenVerifier::new(None, None, Vec::new(), None);
        let token = sign_hs256(&serde_json::json!({"sub": "u1", "exp": in_an_hour()}), &secret());
        assert!(reason(&v, &token).await.contains("neither a JWT secret nor a JWKS URL"));
    }
}
