use async_graphql::ParseRequestError;
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::{HttpState, PeerAddr, REQUEST_ID};
use crate::auth::{Actor, RequestMeta};
use crate::graphql::error::code;
use crate::service::{self, ServiceError};

pub async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Xinyong GraphQL")
            .finish(),
    )
}

/// A body that is not one GraphQL request (not JSON, a batch, a broken
/// multipart upload, too large): a GraphQL-shaped error with a stable code
/// instead of async-graphql's debug text.
pub struct NotAGraphqlRequest(ParseRequestError);

impl From<ParseRequestError> for NotAGraphqlRequest {
    fn from(e: ParseRequestError) -> Self {
        NotAGraphqlRequest(e)
    }
}

impl IntoResponse for NotAGraphqlRequest {
    fn into_response(self) -> Response {
        let (status, c, message) = match &self.0 {
            ParseRequestError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                code::REQUEST_TOO_LARGE,
                "the request is over the size limit".to_string(),
            ),
            ParseRequestError::UnsupportedBatch => (
                StatusCode::BAD_REQUEST,
                code::BAD_REQUEST,
                "batches are not accepted: send one operation per request".to_string(),
            ),
            // serde's and multer's messages name a position, never content.
            other => (
                StatusCode::BAD_REQUEST,
                code::BAD_REQUEST,
                format!(
                    "not a GraphQL request (a JSON object with a \"query\" string, or a multipart upload): {}",
                    other.to_string().chars().take(200).collect::<String>()
                ),
            ),
        };
        (
            status,
            axum::Json(json!({ "errors": [{ "message": message, "extensions": { "code": c } }] })),
        )
            .into_response()
    }
}

pub async fn graphql(
    State(s): State<HttpState>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    req: GraphQLRequest<NotAGraphqlRequest>,
) -> Response {
    let meta = request_meta(&headers, peer);
    let actor = match bearer(&headers) {
        Bearer::None => Actor::Anonymous,
        Bearer::Malformed => {
            return unauthenticated("the Authorization header must be `Bearer <token>`");
        }
        Bearer::Token(t) => match service::auth::authenticate(&s.app, t).await {
            Ok(a) => a,
            Err(ServiceError::Unauthenticated(why)) => return unauthenticated(why),
            Err(e) => {
                tracing::error!(error = %e, "authenticating a bearer token");
                return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({
                    "errors": [{ "message": "the service is temporarily unavailable", "extensions": { "code": code::INTERNAL } }]
                })))
                    .into_response();
            }
        },
    };
    let req = req.into_inner().data(actor).data(meta);
    let resp = s.schema.execute(req).await;
    let limited = resp.errors.iter().any(|e| {
        e.extensions.as_ref().and_then(|x| x.get("code"))
            == Some(&async_graphql::Value::from(code::RATE_LIMITED))
    });
    let mut headers = Vec::new();
    if let Some(async_graphql::Value::Object(rl)) = resp.extensions.get("rateLimit") {
        for (name, key) in [
            ("x-ratelimit-limit", "limit"),
            ("x-ratelimit-remaining", "remaining"),
            ("x-ratelimit-reset", "resetAfter"),
            ("x-ratelimit-cost", "cost"),
        ] {
            if let Some(v) = rl.get(key) {
                headers.push((name, v.to_string()));
            }
        }
    }
    let retry_after = resp.errors.iter().find_map(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("retryAfter"))
            .map(|v| v.to_string())
    });
    let mut out = GraphQLResponse::from(resp).into_response();
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            out.headers_mut().insert(name, v);
        }
    }
    if limited && !out.status().is_server_error() {
        *out.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        if let Some(v) = retry_after.and_then(|r| HeaderValue::from_str(&r).ok()) {
            out.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    out
}

enum Bearer<'a> {
    None,
    Malformed,
    Token(&'a str),
}

fn bearer(headers: &HeaderMap) -> Bearer<'_> {
    let Some(v) = headers.get(header::AUTHORIZATION) else {
        return Bearer::None;
    };
    let Ok(v) = v.to_str() else {
        return Bearer::Malformed;
    };
    match v.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Bearer::Token(token.trim())
        }
        _ => Bearer::Malformed,
    }
}

/// 401 with a GraphQL-shaped body, so clients handle it like any other error.
fn unauthenticated(why: &str) -> Response {
    let mut resp = (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({
            "errors": [{ "message": why, "extensions": { "code": code::UNAUTHENTICATED } }]
        })),
    )
        .into_response();
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    resp
}

pub fn request_meta(headers: &HeaderMap, peer: Option<std::net::SocketAddr>) -> RequestMeta {
    let text = |h: &str| {
        headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect())
    };
    RequestMeta {
        request_id: text(REQUEST_ID.as_str()),
        ip: peer.map(|p| p.ip().to_string()),
        user_agent: text(header::USER_AGENT.as_str()),
        channel: entity::enums::Channel::Api,
    }
}
