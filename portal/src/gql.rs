//! Running GraphQL operations through the backend and reading the answers.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::Portal;
use crate::web::{self, Ctx};

/// One GraphQL response.
pub struct Gql {
    pub data: Value,
    pub errors: Vec<Value>,
}

impl Gql {
    /// The first error's `extensions.code`.
    pub fn code(&self) -> Option<&str> {
        self.errors
            .first()
            .and_then(|e| e.pointer("/extensions/code"))
            .and_then(Value::as_str)
    }

    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn at(&self, pointer: &str) -> &Value {
        self.data.pointer(pointer).unwrap_or(&Value::Null)
    }
}

pub async fn run(p: &Portal, ctx: &Ctx, query: &str, variables: Value) -> Gql {
    run_with_files(p, ctx, query, variables, Vec::new()).await
}

pub async fn run_with_files(
    p: &Portal,
    ctx: &Ctx,
    query: &str,
    variables: Value,
    files: Vec<crate::backend::UploadFile>,
) -> Gql {
    let resp = p
        .backend
        .execute(&ctx.caller, query, variables, files)
        .await;
    Gql {
        data: resp.get("data").cloned().unwrap_or(Value::Null),
        errors: resp
            .get("errors")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    }
}

/// A signed-in page's read of one object (at `object` in the answer): the
/// answer and the object, or the page to send instead: sign in first, the
/// failure page, or not found when the object is null (also what the
/// viewer may not see: the two are indistinguishable on purpose).
pub async fn signed_in_read(
    p: &Portal,
    ctx: &Ctx,
    query: &str,
    variables: Value,
    object: &str,
) -> Result<(Gql, Value), Response> {
    if !ctx.signed_in() {
        return Err(web::to_sign_in(ctx));
    }
    let g = run(p, ctx, query, variables).await;
    if !g.ok() {
        return Err(failure(ctx, &g));
    }
    let o = g.at(object).clone();
    if o.is_null() {
        return Err(web::not_found(ctx));
    }
    Ok((g, o))
}

/// The page for a failed read: sign in again, not found (also for what the
/// viewer may not see: the two are indistinguishable on purpose), slow
/// down, or a fault.
pub fn failure(ctx: &Ctx, g: &Gql) -> Response {
    match g.code() {
        Some("UNAUTHENTICATED") => {
            let to = web::sign_in_path(ctx);
            // The session cookie no longer works: drop it.
            web::see_other(
                ctx,
                &to,
                &[web::cookie(web::SESSION_COOKIE, "", Some(0), ctx.secure)],
            )
        }
        Some("FORBIDDEN") | Some("BAD_USER_INPUT") => web::not_found(ctx),
        Some("RATE_LIMITED") => web::message(
            ctx,
            StatusCode::TOO_MANY_REQUESTS,
            "err.rate.title",
            "err.rate.text",
        ),
        _ => {
            tracing::warn!(errors = %json!(g.errors), "portal read failed");
            web::message(
                ctx,
                StatusCode::INTERNAL_SERVER_ERROR,
                "err.internal.title",
                "err.internal.text",
            )
        }
    }
}

/// A user error from a payload: which input field (last path element) and
/// its code (the portal words the message itself, by code).
pub struct FieldErr {
    pub field: String,
    pub code: String,
}

pub fn user_errors(v: &Value) -> Vec<FieldErr> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|e| FieldErr {
                    field: e
                        .get("field")
                        .and_then(Value::as_array)
                        .and_then(|f| f.last())
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    code: e
                        .get("code")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `v[key]` as a string ("" when absent).
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

pub fn list<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}
