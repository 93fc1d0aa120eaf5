use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::account;

use super::{AccountRole, Department, Language};
use crate::graphql::error::ApiResult;
use crate::graphql::node::{NodeType, global_id};
use crate::graphql::state;
use crate::service;

/// A person's sign-in to the platform.
#[derive(Clone)]
pub struct Account(pub account::Model);

#[Object]
impl Account {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Account, self.0.id)
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn role(&self) -> AccountRole {
        self.0.role.into()
    }
    /// Preferred language for pages and email.
    async fn language(&self) -> Language {
        Language::from_tag(&self.0.language)
    }
    /// The department a staff account works for.
    async fn department(&self, ctx: &Context<'_>) -> ApiResult<Option<Department>> {
        let Some(id) = self.0.department_id else {
            return Ok(None);
        };
        Ok(service::directory::department(state(ctx), id)
            .await?
            .map(Department))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at
    }
}
