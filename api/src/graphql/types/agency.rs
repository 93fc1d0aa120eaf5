use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{agency, api_client};

use super::{AgencyStatus, ApiClientStatus, Department};
use crate::graphql::error::ApiResult;
use crate::graphql::node::{NodeType, global_id};
use crate::graphql::{actor, state};
use crate::service;

/// A licensed credit agency (征信机构) or other integrator.
#[derive(Clone)]
pub struct Agency(pub agency::Model);

#[Object]
impl Agency {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Agency, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The agency's unified social credit code.
    async fn uscc(&self) -> &str {
        &self.0.uscc
    }
    async fn licence_number(&self) -> &str {
        &self.0.licence_number
    }
    /// ACTIVE, SUSPENDED (every token of its clients refused) or REVOKED.
    async fn status(&self) -> AgencyStatus {
        self.0.status.into()
    }
    /// The compliance contact (operators and the agency's own clients).
    async fn contact_email(&self, ctx: &Context<'_>) -> Option<String> {
        let a = actor(ctx);
        let own = a.is_operator() || a.client().is_some_and(|c| c.agency_id == Some(self.0.id));
        own.then(|| self.0.contact_email.clone())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The agency's API clients (operators and the agency's own clients;
    /// empty for others).
    async fn clients(&self, ctx: &Context<'_>) -> ApiResult<Vec<ApiClient>> {
        Ok(
            service::agencies::agency_clients(state(ctx), actor(ctx), self.0.id)
                .await?
                .into_iter()
                .map(ApiClient)
                .collect(),
        )
    }
}

/// An API client: the credentials one system of an agency or department uses.
#[derive(Clone)]
pub struct ApiClient(pub api_client::Model);

#[Object]
impl ApiClient {
    pub async fn id(&self) -> ID {
        global_id(NodeType::ApiClient, self.0.id)
    }
    /// The OAuth client id.
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Scopes this client may request.
    async fn scopes(&self) -> Vec<String> {
        serde_json::from_value(self.0.scopes.clone()).unwrap_or_default()
    }
    /// Last characters of the secret, to tell secrets apart; never the secret.
    async fn secret_hint(&self) -> &str {
        &self.0.secret_hint
    }
    async fn agency(&self, ctx: &Context<'_>) -> ApiResult<Option<Agency>> {
        let Some(id) = self.0.agency_id else {
            return Ok(None);
        };
        Ok(service::directory::agency(state(ctx), actor(ctx), id)
            .await?
            .map(Agency))
    }
    async fn department(&self, ctx: &Context<'_>) -> ApiResult<Option<Department>> {
        let Some(id) = self.0.department_id else {
            return Ok(None);
        };
        Ok(service::directory::department(state(ctx), id)
            .await?
            .map(Department))
    }
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    async fn status(&self) -> ApiClientStatus {
        self.0.status.into()
    }
    /// Rate-limit tier: basic, standard, premium or custom:<capacity>:<refill per second>.
    async fn rate_tier(&self) -> &str {
        &self.0.rate_tier
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the secret was last replaced.
    async fn rotated_at(&self) -> Option<DateTime<Utc>> {
        self.0.rotated_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}
