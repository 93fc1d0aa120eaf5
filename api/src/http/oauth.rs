//! `POST /oauth/token`: the OAuth 2.0 client credentials grant (RFC 6749
//! §4.4), with the error responses of §5.2.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::graphql::request_meta;
use super::{HttpState, PeerAddr};
use crate::service::{self, ServiceError};

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

pub async fn token(
    State(s): State<HttpState>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send an application/x-www-form-urlencoded body",
            false,
        );
    };
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only client_credentials is supported",
                false,
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
                false,
            );
        }
    }
    // RFC 6749 §2.3.1: HTTP Basic is preferred; the body is allowed. Using both is an error.
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .map(str::trim);
    let (client_id, secret, used_basic) = match (basic, &form.client_id, &form.client_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "use either HTTP Basic or body credentials, not both",
                false,
            );
        }
        (Some(b), None, None) => match decode_basic(b) {
            Some((id, secret)) => (id, secret, true),
            None => {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "malformed Basic credentials",
                    true,
                );
            }
        },
        (None, Some(id), Some(secret)) => (id.clone(), secret.clone(), false),
        _ => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication is required",
                false,
            );
        }
    };
    let meta = request_meta(&headers, peer);
    match service::auth::client_credentials(
        &s.app,
        &meta,
        &client_id,
        &secret,
        form.scope.as_deref(),
    )
    .await
    {
        Ok(t) => {
            let mut resp = axum::Json(json!({
                "access_token": t.access_token,
                "token_type": "Bearer",
                "expires_in": t.expires_in,
                "scope": t.scope,
            }))
            .into_response();
            no_store(&mut resp);
            resp
        }
        Err(ServiceError::Unauthenticated(_)) => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
            used_basic,
        ),
        Err(ServiceError::Invalid(errs)) => {
            let msg = errs.first().map(|e| e.message.clone()).unwrap_or_default();
            oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", &msg, false)
        }
        Err(ServiceError::RateLimited { .. }) => oauth_error(
            StatusCode::TOO_MANY_REQUESTS,
            "slow_down",
            "too many requests",
            false,
        ),
        Err(e) => {
            tracing::error!(error = %e, "client credentials grant");
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "internal error",
                false,
            )
        }
    }
}

/// `client_id:client_secret`, each form-urlencoded (RFC 6749 §2.3.1).
fn decode_basic(b64: &str) -> Option<(String, String)> {
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// Percent-decodes one form-encoded component (`+` is a space).
fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                out.push(u8::from_str_radix(s.get(i + 1..i + 3)?, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn no_store(resp: &mut Response) {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

fn oauth_error(
    status: StatusCode,
    error: &'static str,
    description: &str,
    basic_challenge: bool,
) -> Response {
    let mut resp = (
        status,
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    no_store(&mut resp);
    if status == StatusCode::UNAUTHORIZED {
        let challenge = if basic_challenge {
            "Basic realm=\"xinyong\""
        } else {
            "Bearer realm=\"xinyong\""
        };
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    resp
}

#[cfg(test)]
mod tests {
    #[test]
    fn basic_credentials_are_form_decoded() {
        use base64::Engine;
        let enc = base64::engine::general_purpose::STANDARD.encode("my%20client:s3cr%3At+x");
        assert_eq!(
            super::decode_basic(&enc),
            Some(("my client".into(), "s3cr:t x".into()))
        );
        assert_eq!(super::decode_basic("!!!"), None);
        let no_colon = base64::engine::general_purpose::STANDARD.encode("abc");
        assert_eq!(super::decode_basic(&no_colon), None);
    }
}
