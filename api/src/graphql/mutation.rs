use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{AccountRole, SessionKind};

use super::error::{ApiResult, Payload, UserError, into_payload};
use super::types::{Account, Language};
use super::{actor, meta, state};
use crate::service::{self, accounts::NewAccount};

pub struct MutationRoot;

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct RefreshTokenInput {
    /// The refresh token from `login` or the previous `refreshToken`. Each works once.
    pub refresh_token: String,
}

#[derive(InputObject)]
pub struct LogoutInput {
    /// End every session of the account, not only this one.
    #[graphql(default = false)]
    pub everywhere: bool,
}

#[derive(InputObject)]
pub struct SignUpInput {
    pub email: String,
    pub display_name: String,
    /// At least 10 characters; a few unrelated words make a strong one.
    pub password: String,
    #[graphql(default_with = "Language::ZhCn")]
    pub language: Language,
}

/// Tokens for a signed-in person.
#[derive(SimpleObject, Default)]
pub struct TokenPayload {
    /// Send as `Authorization: Bearer <token>`; short-lived.
    pub access_token: Option<String>,
    pub access_token_expires_at: Option<DateTime<Utc>>,
    /// Exchange with `refreshToken` for a new pair; works once.
    pub refresh_token: Option<String>,
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    pub account: Option<Account>,
    pub user_errors: Vec<UserError>,
}

impl Payload for TokenPayload {
    fn from_user_errors(user_errors: Vec<UserError>) -> Self {
        TokenPayload {
            user_errors,
            ..Default::default()
        }
    }
}

impl From<service::auth::TokenPair> for TokenPayload {
    fn from(p: service::auth::TokenPair) -> Self {
        TokenPayload {
            access_token: Some(p.access_token),
            access_token_expires_at: Some(p.access_expires_at),
            refresh_token: Some(p.refresh_token),
            refresh_token_expires_at: Some(p.refresh_expires_at),
            account: Some(Account(p.account)),
            user_errors: vec![],
        }
    }
}

#[derive(SimpleObject, Default)]
pub struct LogoutPayload {
    /// How many sessions were ended.
    pub sessions_ended: u64,
    pub user_errors: Vec<UserError>,
}

impl Payload for LogoutPayload {
    fn from_user_errors(user_errors: Vec<UserError>) -> Self {
        LogoutPayload {
            user_errors,
            ..Default::default()
        }
    }
}

#[derive(SimpleObject, Default)]
pub struct SignUpPayload {
    pub account: Option<Account>,
    pub user_errors: Vec<UserError>,
}

impl Payload for SignUpPayload {
    fn from_user_errors(user_errors: Vec<UserError>) -> Self {
        SignUpPayload {
            user_errors,
            ..Default::default()
        }
    }
}

#[Object]
impl MutationRoot {
    /// Signs in with email and password. A wrong email or password is an
    /// `UNAUTHENTICATED` error; repeated failures are `RATE_LIMITED`.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> ApiResult<TokenPayload> {
        let r = service::auth::login(
            state(ctx),
            meta(ctx),
            &input.email,
            &input.password,
            SessionKind::Api,
        )
        .await;
        into_payload(r.map(TokenPayload::from))
    }

    /// Exchanges a refresh token for a new token pair (the old one stops working).
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        input: RefreshTokenInput,
    ) -> ApiResult<TokenPayload> {
        let r = service::auth::refresh(state(ctx), meta(ctx), &input.refresh_token).await;
        into_payload(r.map(TokenPayload::from))
    }

    /// Ends this session (or all of the account's sessions) at once.
    async fn logout(&self, ctx: &Context<'_>, input: LogoutInput) -> ApiResult<LogoutPayload> {
        let r = service::auth::logout(state(ctx), actor(ctx), meta(ctx), input.everywhere).await;
        into_payload(r.map(|n| LogoutPayload {
            sessions_ended: n,
            user_errors: vec![],
        }))
    }

    /// Creates an account for an enterprise's or a person's own use. Binding
    /// it to a subject (实名) is a separate step.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> ApiResult<SignUpPayload> {
        let new = NewAccount {
            email: input.email,
            display_name: input.display_name,
            password: input.password,
            language: input.language.tag().to_string(),
            role: AccountRole::SubjectUser,
            department_id: None,
        };
        let r = service::accounts::create_account(state(ctx), actor(ctx), meta(ctx), new).await;
        into_payload(r.map(|a| SignUpPayload {
            account: Some(Account(a)),
            user_errors: vec![],
        }))
    }
}
