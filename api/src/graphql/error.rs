//! The one place where service errors become wire errors.
//!
//! Resolvers return [`ApiResult`]. A [`ServiceError`] becomes an [`ApiError`]
//! only through the conversion below, which sets a stable `extensions.code`
//! and never shows internals. (`ApiError` has no `Display`, so
//! async-graphql's blanket conversion, which would keep the raw message and
//! drop the code, cannot apply to it.)

use async_graphql::{ErrorExtensions, SimpleObject};

use crate::service::{FieldError, ServiceError};

/// Stable top-level error codes (documented in docs/errors.md).
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const INTERNAL: &str = "INTERNAL";
    /// HTTP 400: the body is not one GraphQL request (not JSON, a batch).
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    /// HTTP 413: the body is over `XINYONG_MAX_BODY_BYTES`.
    pub const REQUEST_TOO_LARGE: &str = "REQUEST_TOO_LARGE";
}

#[derive(Clone, Debug)]
pub struct ApiError(async_graphql::Error);

pub type ApiResult<T> = Result<T, ApiError>;

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        ApiError::from(ServiceError::Database(e))
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(ApiError(e): ApiError) -> Self {
        e
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(match e {
            ServiceError::Unauthenticated(why) => async_graphql::Error::new(why)
                .extend_with(|_, x| x.set("code", code::UNAUTHENTICATED)),
            ServiceError::Forbidden => async_graphql::Error::new("you may not do this")
                .extend_with(|_, x| x.set("code", code::FORBIDDEN)),
            ServiceError::RateLimited { retry_after } => {
                let secs = retry_after.as_secs().max(1);
                async_graphql::Error::new(format!("too many attempts; retry after {secs} s"))
                    .extend_with(|_, x| {
                        x.set("code", code::RATE_LIMITED);
                        x.set("retryAfter", secs);
                    })
            }
            // Reached only where an operation has no payload for user errors
            // (queries): report the first problem as bad input.
            ServiceError::Invalid(errors) => {
                let first = errors.first().cloned();
                let message = first
                    .as_ref()
                    .map(|f| f.message.clone())
                    .unwrap_or_else(|| "invalid input".into());
                async_graphql::Error::new(message).extend_with(|_, x| {
                    x.set("code", code::BAD_USER_INPUT);
                    if let Some(f) = &first {
                        x.set("field", f.field.clone());
                        x.set("reason", f.code);
                    }
                })
            }
            ServiceError::Database(err) => internal(&err.to_string()),
            ServiceError::Internal(msg) => internal(&msg),
        })
    }
}

fn internal(detail: &str) -> async_graphql::Error {
    // The detail goes to the log with the request id; the caller sees nothing of it.
    tracing::error!(error = %detail, "internal error in a GraphQL resolver");
    async_graphql::Error::new(
        "internal error; the request id in the response headers identifies it",
    )
    .extend_with(|_, x| x.set("code", code::INTERNAL))
}

/// A problem with the input that the caller can fix.
#[derive(Clone, Debug, SimpleObject)]
pub struct UserError {
    /// Path to the input field, e.g. `["input", "email"]`.
    pub field: Vec<String>,
    /// Stable machine-readable code (see docs/errors.md).
    pub code: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl From<FieldError> for UserError {
    fn from(f: FieldError) -> Self {
        UserError {
            field: f.field,
            code: f.code.to_string(),
            message: f.message,
        }
    }
}

/// A mutation payload: the changed object(s) and the user errors.
pub trait Payload: Sized {
    fn from_user_errors(errors: Vec<UserError>) -> Self;
}

/// Fixable input problems become the payload's `userErrors`; everything
/// else stays a top-level error.
pub fn into_payload<P: Payload>(result: Result<P, ServiceError>) -> ApiResult<P> {
    match result {
        Ok(p) => Ok(p),
        Err(ServiceError::Invalid(errors)) => Ok(P::from_user_errors(
            errors.into_iter().map(UserError::from).collect(),
        )),
        Err(other) => Err(ApiError::from(other)),
    }
}
