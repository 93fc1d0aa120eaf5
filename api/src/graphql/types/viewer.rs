use async_graphql::{Context, Enum, Object};

use super::{Account, ApiClient, Subject};
use crate::auth::Actor;
use crate::graphql::error::ApiResult;
use crate::graphql::state;
use crate::service;
use crate::service::views;

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewerKind {
    /// A person signed in with an account.
    Account,
    /// A system signed in with OAuth client credentials.
    ApiClient,
}

/// Whoever is making the request.
pub struct Viewer(pub Actor);

#[Object]
impl Viewer {
    async fn kind(&self) -> ViewerKind {
        match self.0 {
            Actor::Client(_) => ViewerKind::ApiClient,
            _ => ViewerKind::Account,
        }
    }
    /// The signed-in account (null for API clients).
    async fn account(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        let Some(a) = self.0.account() else {
            return Ok(None);
        };
        Ok(
            service::accounts::get_account(state(ctx), &self.0, a.account_id)
                .await?
                .map(Account),
        )
    }
    /// The API client (null for people).
    async fn api_client(&self, ctx: &Context<'_>) -> ApiResult<Option<ApiClient>> {
        let Some(c) = self.0.client() else {
            return Ok(None);
        };
        Ok(
            service::directory::api_client(state(ctx), &self.0, c.api_client_id)
                .await?
                .map(ApiClient),
        )
    }
    /// The subjects the signed-in account acts for (live identity
    /// bindings), each in its own view: every record, with reasons for any
    /// hiding. Empty for API clients and staff.
    async fn subjects(&self, ctx: &Context<'_>) -> ApiResult<Vec<Subject>> {
        Ok(views::my_subjects(state(ctx), &self.0)
            .await?
            .into_iter()
            .map(Subject)
            .collect())
    }
    /// Scopes granted to the API client's token (empty for people).
    async fn scopes(&self) -> Vec<String> {
        self.0
            .client()
            .map(|c| c.scopes.clone())
            .unwrap_or_default()
    }
}
