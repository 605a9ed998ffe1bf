//! JWTs as the platform reads them: the user claim is taken without checking the signature.

use axum::http::{self, HeaderMap};
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

pub const USER_CLAIM: &str = "https://platform.neuromation.io/user";
pub const SUBPROTOCOL_PREFIX: &str = "bearer.apolo.us-";

/// An HS256 token with secret `neuro`, like the SDK's stand-alone token (the same every time).
pub fn make_token(user: &str) -> String {
    sign(json!({ USER_CLAIM: user, "iat": 1_700_000_000u64 }))
}

/// A token no earlier call returned (a `jti` claim), so per-token limits start afresh.
pub fn mint_token(user: &str) -> String {
    let jti = uuid::Uuid::new_v4().to_string();
    sign(json!({ USER_CLAIM: user, "iat": chrono::Utc::now().timestamp(), "jti": jti }))
}

fn sign(claims: Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let sig = match Hmac::<Sha256>::new_from_slice(b"neuro") {
        Ok(mut mac) => {
            mac.update(signing_input.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    format!("{signing_input}.{sig}")
}

/// The user name from an (unverified) JWT, or None if it is not one or has no user claim.
pub fn user_from_token(token: &str) -> Option<String> {
    let mut parts = token.split('.');
    let (h, p, sig) = (parts.next()?, parts.next()?, parts.next()?);
    // PyJWT decodes every segment even when it skips verification: a stray byte is a 401.
    let b64 = |s: &str| {
        s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'=')
    };
    if parts.next().is_some() || !b64(h) || !b64(sig) || h.is_empty() {
        return None;
    }
    let raw = URL_SAFE_NO_PAD
        .decode(p.trim_end_matches('='))
        .or_else(|_| URL_SAFE.decode(p))
        .ok()?;
    let claims: Value = serde_json::from_slice(&raw).ok()?;
    let user = claims
        .get(USER_CLAIM)
        .or_else(|| claims.get("identity"))?
        .as_str()?;
    (!user.is_empty()).then(|| user.to_string())
}

/// `Authorization: Bearer <t>` only (any other scheme counts as no token).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The user of an Apps API request.
pub fn http_user(headers: &HeaderMap) -> Option<String> {
    user_from_token(bearer(headers)?)
}

/// Monitoring routes: header, then subprotocol (split on spaces like the platform), then query.
pub fn monitoring_user(headers: &HeaderMap, query_token: Option<&str>) -> Option<String> {
    if headers.contains_key(http::header::AUTHORIZATION) {
        return http_user(headers);
    }
    for value in headers.get_all(http::header::SEC_WEBSOCKET_PROTOCOL) {
        if let Ok(s) = value.to_str() {
            for item in s.split(' ') {
                if let Some(t) = item.strip_prefix(SUBPROTOCOL_PREFIX) {
                    return user_from_token(t);
                }
            }
        }
    }
    user_from_token(query_token?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn minted_token_round_trips() {
        let t = make_token("alice");
        assert_eq!(t.split('.').count(), 3);
        assert_eq!(user_from_token(&t).as_deref(), Some("alice"));
        let (a, b) = (mint_token("alice"), mint_token("alice"));
        assert_ne!(a, b);
        assert_eq!(user_from_token(&a).as_deref(), Some("alice"));
    }

    #[test]
    fn identity_claim_and_bad_tokens() {
        let p = URL_SAFE_NO_PAD.encode(br#"{"identity":"bob"}"#);
        assert_eq!(user_from_token(&format!("x.{p}.y")).as_deref(), Some("bob"));
        let none = URL_SAFE_NO_PAD.encode(br#"{"sub":"bob"}"#);
        assert_eq!(user_from_token(&format!("x.{none}.y")), None);
        assert_eq!(user_from_token("not-a-jwt"), None);
        assert_eq!(user_from_token("a.!!!.c"), None);
        assert_eq!(user_from_token("a.b.c.d"), None);
    }

    #[test]
    fn header_subprotocol_and_query() {
        let t = make_token("carol");
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {t}")).unwrap(),
        );
        assert_eq!(http_user(&h).as_deref(), Some("carol"));
        h.insert(
            "authorization",
            HeaderValue::from_str(&format!("Basic {t}")).unwrap(),
        );
        assert_eq!(http_user(&h), None);

        let mut ws = HeaderMap::new();
        let good = format!("logs.apolo.us, bearer.apolo.us-{t}");
        ws.insert(
            "sec-websocket-protocol",
            HeaderValue::from_str(&good).unwrap(),
        );
        assert_eq!(monitoring_user(&ws, None).as_deref(), Some("carol"));
        // Bearer entry first: split on spaces leaves a trailing comma, as on the platform.
        let bad = format!("bearer.apolo.us-{t}, logs.apolo.us");
        ws.insert(
            "sec-websocket-protocol",
            HeaderValue::from_str(&bad).unwrap(),
        );
        assert_eq!(monitoring_user(&ws, None), None);

        assert_eq!(
            monitoring_user(&HeaderMap::new(), Some(&t)).as_deref(),
            Some("carol")
        );
        assert_eq!(monitoring_user(&HeaderMap::new(), None), None);
    }
}
