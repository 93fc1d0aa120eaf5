//! `/.well-known/xinyong/consent-keys.json`: the public keys that verify
//! consent receipts, as a JSON Web Key Set (RFC 7517, Ed25519 keys as in
//! RFC 8037). Public, no sign-in: anyone holding a receipt can verify it
//! offline with this document alone (docs/consent.md).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::HttpState;
use crate::service::consents::RECEIPT_FORMAT;

pub async fn consent_keys(State(s): State<HttpState>) -> Response {
    let (kid, x) = s.app.keys.receipt_public_key();
    let body = json!({
        "keys": [{
            "kty": "OKP",
            "crv": "Ed25519",
            "x": x,
            "kid": kid,
            "use": "sig",
            "alg": "EdDSA",
        }],
        "receipt_format": RECEIPT_FORMAT,
        "signed_bytes": "UTF-8 of the receipt's canonical JSON: object keys sorted, no whitespace (docs/consent.md)",
        "signature_encoding": "base64url without padding",
    });
    let mut resp = Json(body).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    resp
}
