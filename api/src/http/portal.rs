//! The portal's handle on the platform: the GraphQL schema executed
//! in-process (no HTTP hop) as the actor behind the portal session, and
//! the sign-in that starts a portal session.
//!
//! A portal session is an ordinary session of kind `portal`. The browser
//! holds its token (the session's refresh token, never exchanged) in an
//! HttpOnly cookie; the token is checked on every request, so `logout`
//! (this session or everywhere) ends it at once.

use std::sync::Arc;

use ::portal::{Backend, Caller, LinkKind, SignIn, UploadFile};
use async_graphql::{Request, UploadValue, Variables};
use chrono::{DateTime, Utc};
use entity::enums::{AccountStatus, Channel, SessionKind};
use entity::{account, refresh_token, session};
use futures::future::BoxFuture;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::auth::{AccountActor, Actor, RequestMeta};
use crate::crypto::sha256_hex;
use crate::graphql::XinyongSchema;
use crate::graphql::error::code;
use crate::graphql::node::{NodeType, global_id};
use crate::service::{self, ServiceError};
use crate::state::AppState;

pub struct PortalBackend {
    state: AppState,
    schema: XinyongSchema,
}

impl PortalBackend {
    pub fn shared(state: AppState, schema: XinyongSchema) -> Arc<dyn Backend> {
        Arc::new(PortalBackend { state, schema })
    }

    /// The actor behind a portal session token; None when the token is
    /// unknown, used, expired, revoked, or not a portal session's.
    async fn actor(&self, token: &str) -> Result<Option<Actor>, sea_orm::DbErr> {
        let now = self.state.now();
        let Some(rt) = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(sha256_hex(token)))
            .one(&self.state.db)
            .await?
        else {
            return Ok(None);
        };
        if rt.used_at.is_some() || rt.expires_at <= now {
            return Ok(None);
        }
        let found = session::Entity::find_by_id(rt.session_id)
            .find_also_related(account::Entity)
            .one(&self.state.db)
            .await?;
        Ok(match found {
            Some((s, Some(a)))
                if s.kind == SessionKind::Portal
                    && s.revoked_at.is_none()
                    && s.expires_at > now
                    && a.status == AccountStatus::Active =>
            {
                Some(Actor::Account(AccountActor {
                    account_id: a.id,
                    session_id: s.id,
                    role: a.role,
                    department_id: a.department_id,
                }))
            }
            _ => None,
        })
    }
}

fn meta(caller: &Caller) -> RequestMeta {
    RequestMeta {
        request_id: caller.request_id.clone(),
        ip: caller.ip.clone(),
        user_agent: caller.user_agent.clone(),
        // Reads made for a portal page are logged as the portal's.
        channel: Channel::Portal,
    }
}

fn error(code: &str, message: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

impl Backend for PortalBackend {
    fn execute<'a>(
        &'a self,
        caller: &'a Caller,
        query: &'a str,
        variables: Value,
        uploads: Vec<UploadFile>,
    ) -> BoxFuture<'a, Value> {
        Box::pin(async move {
            let actor = match caller.session.as_deref() {
                None => Actor::Anonymous,
                Some(token) => match self.actor(token).await {
                    Ok(Some(a)) => a,
                    Ok(None) => {
                        return error(code::UNAUTHENTICATED, "the portal session has ended");
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "resolving a portal session");
                        return error(code::INTERNAL, "the service is temporarily unavailable");
                    }
                },
            };
            let mut req = Request::new(query)
                .variables(Variables::from_json(variables))
                .data(actor)
                .data(meta(caller));
            for f in uploads {
                req.set_upload(
                    &f.var_path,
                    UploadValue {
                        filename: f.filename,
                        content_type: f.content_type,
                        content: axum::body::Bytes::from(f.bytes),
                    },
                );
            }
            let resp = self.schema.execute(req).await;
            serde_json::to_value(&resp).unwrap_or_else(|e| {
                tracing::error!(error = %e, "serialising a portal response");
                error(code::INTERNAL, "internal error")
            })
        })
    }

    fn sign_in<'a>(
        &'a self,
        caller: &'a Caller,
        email: &'a str,
        password: &'a str,
    ) -> BoxFuture<'a, SignIn> {
        Box::pin(async move {
            match service::auth::login(
                &self.state,
                &meta(caller),
                email,
                password,
                SessionKind::Portal,
            )
            .await
            {
                Ok(pair) => SignIn::Ok {
                    token: pair.refresh_token,
                    expires_at: pair.refresh_expires_at,
                },
                Err(ServiceError::Unauthenticated(_)) => SignIn::Invalid,
                Err(ServiceError::RateLimited { .. }) => SignIn::Throttled,
                Err(e) => {
                    tracing::error!(error = %e, "portal sign-in");
                    SignIn::Unavailable
                }
            }
        })
    }

    fn link_id(&self, kind: LinkKind, number: i64) -> String {
        let t = match kind {
            LinkKind::Objection => NodeType::Objection,
            LinkKind::RepairApplication => NodeType::RepairApplication,
            LinkKind::Complaint => NodeType::Complaint,
            LinkKind::Subject => NodeType::Subject,
            LinkKind::Consent => NodeType::Consent,
        };
        global_id(t, number).0
    }

    fn now(&self) -> DateTime<Utc> {
        self.state.now()
    }

    fn secure_cookies(&self) -> bool {
        self.state.config.public_url.starts_with("https://")
    }
}
