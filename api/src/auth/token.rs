//! Access tokens: short-lived HS256 JWTs. A token names a session (people) or
//! an API client (systems); the extractor still checks that the session or
//! client is live, so logout and suspension take effect at once.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "xinyong";
pub const AUDIENCE: &str = "xinyong-api";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A person's session (`sub` = account id, `sid` = session id).
    Account,
    /// An API client (`sub` = client id).
    Client,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub kind: TokenKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<i64>,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// Space-separated scopes granted to this token (client tokens only): a
    /// client may ask for fewer scopes than it has, and the token carries
    /// only those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is not valid")]
    Invalid,
}

impl Claims {
    pub fn new(
        kind: TokenKind,
        sub: String,
        sid: Option<i64>,
        now: DateTime<Utc>,
        ttl: std::time::Duration,
    ) -> Self {
        let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::minutes(15));
        Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub,
            kind,
            sid,
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            jti: uuid::Uuid::new_v4().simple().to_string(),
            scope: None,
        }
    }
}

pub fn encode(claims: &Claims, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("HS256 signing with a byte key cannot fail")
}

/// Checks signature, algorithm, issuer, audience and expiry against `now`
/// (no leeway: the expiry instant is exact).
pub fn decode(token: &str, secret: &[u8], now: DateTime<Utc>) -> Result<Claims, TokenError> {
    let mut v = Validation::new(Algorithm::HS256);
    v.set_audience(&[AUDIENCE]);
    v.set_issuer(&[ISSUER]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    // Expiry is checked below against the injected clock, not the system one.
    v.validate_exp = false;
    v.leeway = 0;
    let data = jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &v)
        .map_err(|_| TokenError::Invalid)?;
    if data.claims.exp <= now.timestamp() {
        return Err(TokenError::Expired);
    }
    Ok(data.claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn round_trip_and_exact_expiry() {
        let now = Utc::now();
        let c = Claims::new(
            TokenKind::Account,
            "42".into(),
            Some(7),
            now,
            Duration::from_secs(60),
        );
        let t = encode(&c, KEY);
        assert_eq!(decode(&t, KEY, now).unwrap(), c);
        assert_eq!(
            decode(&t, KEY, now + chrono::Duration::seconds(59))
                .unwrap()
                .sub,
            "42"
        );
        assert_eq!(
            decode(&t, KEY, now + chrono::Duration::seconds(60)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn tampered_wrong_key_wrong_audience_and_none_alg_are_invalid() {
        let now = Utc::now();
        let c = Claims::new(
            TokenKind::Client,
            "c1".into(),
            None,
            now,
            Duration::from_secs(60),
        );
        let t = encode(&c, KEY);
        let mut parts: Vec<String> = t.split('.').map(String::from).collect();
        parts[1] = parts[1].chars().rev().collect();
        assert_eq!(decode(&parts.join("."), KEY, now), Err(TokenError::Invalid));
        assert_eq!(
            decode(&t, b"another-key-another-key-another!", now),
            Err(TokenError::Invalid)
        );
        let mut other = c.clone();
        other.aud = "someone-else".into();
        assert_eq!(
            decode(&encode(&other, KEY), KEY, now),
            Err(TokenError::Invalid)
        );
        // alg=none with the same claims.
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let unsigned = format!(
            "{}.{}.",
            b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            b64.encode(serde_json::to_vec(&c).unwrap())
        );
        assert_eq!(decode(&unsigned, KEY, now), Err(TokenError::Invalid));
    }
}
