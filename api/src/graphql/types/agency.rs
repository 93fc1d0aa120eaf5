use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{agency, api_client};

use super::{AgencyStatus, Department};
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
    async fn status(&self) -> AgencyStatus {
        self.0.status.into()
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
}
