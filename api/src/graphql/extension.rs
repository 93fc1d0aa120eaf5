//! Gives every GraphQL error a stable `extensions.code` and reports the
//! computed cost of each operation in `extensions.cost`, so integrators can
//! plan around the limits.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Value, Variables};

use super::error::code;
use crate::auth::{Actor, RequestMeta};
use crate::ratelimit::{Charge, key_for};
use crate::state::AppState;

pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension::default())
    }
}

#[derive(Default)]
struct ErrorCodesExtension {
    cost: Mutex<Option<(usize, usize)>>,
    charge: Mutex<Option<Charge>>,
}

fn has_code(e: &ServerError) -> bool {
    e.extensions
        .as_ref()
        .is_some_and(|x| x.get("code").is_some())
}

fn set_code(e: &mut ServerError, c: &'static str) {
    e.extensions
        .get_or_insert_with(Default::default)
        .set("code", c);
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut resp = next.run(ctx).await;
        for e in &mut resp.errors {
            if has_code(e) {
                continue;
            }
            if e.message.starts_with("Failed to parse") || e.message.starts_with("Invalid value") {
                set_code(e, code::BAD_USER_INPUT);
            } else {
                // Anything else without a code came from a resolver that let a
                // raw error through: log it, show nothing of it.
                tracing::error!(error = %e.message, "uncoded GraphQL error");
                e.message =
                    "internal error; the request id in the response headers identifies it".into();
                set_code(e, code::INTERNAL);
            }
        }
        let cost = *self.cost.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((complexity, depth)) = cost {
            let mut obj = async_graphql::indexmap::IndexMap::new();
            obj.insert(
                async_graphql::Name::new("complexity"),
                Value::from(complexity as u64),
            );
            obj.insert(async_graphql::Name::new("depth"), Value::from(depth as u64));
            resp.extensions.insert("cost".into(), Value::Object(obj));
        }
        let charge = *self.charge.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = charge {
            let mut obj = async_graphql::indexmap::IndexMap::new();
            obj.insert(async_graphql::Name::new("cost"), Value::from(c.cost));
            obj.insert(async_graphql::Name::new("limit"), Value::from(c.limit));
            obj.insert(
                async_graphql::Name::new("remaining"),
                Value::from(c.remaining),
            );
            obj.insert(
                async_graphql::Name::new("resetAfter"),
                Value::from(c.reset_after),
            );
            resp.extensions
                .insert("rateLimit".into(), Value::Object(obj));
        }
        resp
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|mut e| {
            set_code(&mut e, code::GRAPHQL_PARSE_FAILED);
            e
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        match next.run(ctx).await {
            Ok(r) => {
                *self.cost.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((r.complexity, r.depth));
                // Charge the caller's bucket with the operation's cost before
                // anything runs; a refused operation costs nothing.
                if let Some(state) = ctx.data_opt::<AppState>() {
                    let actor = ctx.data_opt::<Actor>().unwrap_or(&Actor::Anonymous);
                    let ip = ctx.data_opt::<RequestMeta>().and_then(|m| m.ip.as_deref());
                    let (key, tier) = key_for(actor, ip, &state.config);
                    let charge = state.rate_limiter.charge(
                        &key,
                        tier,
                        r.complexity.max(1) as u64,
                        state.now(),
                    );
                    *self.charge.lock().unwrap_or_else(|p| p.into_inner()) = Some(charge);
                    if !charge.allowed {
                        let mut e = ServerError::new(
                            format!(
                                "rate limit: this operation costs {} points and {} are left; retry after {} s",
                                charge.cost, charge.remaining, charge.retry_after
                            ),
                            None,
                        );
                        let x = e.extensions.get_or_insert_with(Default::default);
                        x.set("code", code::RATE_LIMITED);
                        x.set("retryAfter", charge.retry_after);
                        return Err(vec![e]);
                    }
                }
                Ok(r)
            }
            Err(mut errors) => {
                for e in &mut errors {
                    let c = if e.message.starts_with("Query is too complex")
                        || e.message.starts_with("Query is nested too deep")
                    {
                        code::QUERY_TOO_COMPLEX
                    } else {
                        code::GRAPHQL_VALIDATION_FAILED
                    };
                    set_code(e, c);
                }
                Err(errors)
            }
        }
    }
}
