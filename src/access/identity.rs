//! Who is calling: a Supabase-style JWT (HS256), or nobody.
//!
//! `Authorization: Bearer <JWT>` carries `sub` (the user), `tenant_id`, `role` and `exp`. The
//! token's signature and expiry are checked here. The caller's tenant role is the token's
//! `tenant_role` claim; a token without one reads no tenant-private data.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use uuid::Uuid;

use crate::config::Secret;
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

/// Verifies an HS256 JWT with `secret` at time `now` (seconds since the epoch).
pub fn verify_hs256(token: &str, secret: &Secret<String>, now: i64) -> Result<Claims, AppError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(unauthenticated("the bearer token is not a JWT (expected three dot-separated parts)"));
    };
    let header_json = URL_SAFE_NO_PAD.decode(header).map_err(|_| unauthenticated("the JWT header is not base64url"))?;
    let header: serde_json::Value =
        serde_json::from_slice(&header_json).map_err(|_| unauthenticated("the JWT header is not JSON"))?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(unauthenticated("the JWT must be signed with HS256"));
    }
    let signature =
        URL_SAFE_NO_PAD.decode(signature).map_err(|_| unauthenticated("the JWT signature is not base64url"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .map_err(|_| AppError::internal("JWT", "bad HMAC key"))?;
    mac.update(header_b64_and_payload(token).as_bytes());
    mac.verify_slice(&signature).map_err(|_| unauthenticated("the JWT signature is invalid"))?;
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| unauthenticated("the JWT payload is not base64url"))?;
    let claims: Claims = serde_json::from_slice(&payload)
        .map_err(|e| unauthenticated(format!("the JWT claims are not valid ({e}); `exp` is required")))?;
    if claims.exp <= now {
        return Err(unauthenticated("the JWT has expired"));
    }
    Ok(claims)
}

fn header_b64_and_payload(token: &str) -> &str {
    token.rsplit_once('.').map_or(token, |(signed, _)| signed)
}

/// Signs claims as an HS256 JWT (for the CLI's `token` command and for tests).
pub fn sign_hs256(claims: &serde_json::Value, secret: &Secret<String>) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signed = format!("{header}.{payload}");
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) else { return signed };
    mac.update(signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret<String> {
        Secret::new("test-secret-at-least-32-bytes-long!!".into())
    }

    #[test]
    fn a_signed_token_verifies_and_a_tampered_one_does_not() {
        let t = Uuid::new_v4();
        let token = sign_hs256(
            &serde_json::json!({"sub": "u1", "tenant_id": t, "role": "authenticated", "exp": 2_000_000_000}),
            &secret(),
        );
        let claims = verify_hs256(&token, &secret(), 1_900_000_000).unwrap();
        assert_eq!(claims.tenant_id, Some(t));
        let mut bad = token.clone();
        bad.insert(token.find('.').unwrap() + 2, 'x');
        assert_eq!(verify_hs256(&bad, &secret(), 0).unwrap_err().code(), ErrorCode::Unauthenticated);
        let other = Secret::new("another-secret-another-secret-123".to_owned());
        assert!(verify_hs256(&token, &other, 0).unwrap_err().to_string().contains("signature"));
    }

    #[test]
    fn expired_and_malformed_tokens_are_refused_with_a_reason() {
        let token = sign_hs256(&serde_json::json!({"sub": "u1", "exp": 100}), &secret());
        assert!(verify_hs256(&token, &secret(), 200).unwrap_err().to_string().contains("expired"));
        assert!(verify_hs256("abc", &secret(), 0).unwrap_err().to_string().contains("three"));
        let no_exp = sign_hs256(&serde_json::json!({"sub": "u1"}), &secret());
        assert!(verify_hs256(&no_exp, &secret(), 0).unwrap_err().to_string().contains("exp"));
    }
}
