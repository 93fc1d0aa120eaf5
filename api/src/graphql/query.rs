use async_graphql::{Context, ID, Object};

use super::error::ApiResult;
use super::node::{Node, NodeType, decode_id};
use super::types::{Account, Agency, ApiClient, Department, Viewer};
use super::{actor, state};
use crate::auth::Actor;
use crate::service::{self, ServiceError};

pub struct QueryRoot;

#[Object]
impl QueryRoot {
    /// Whoever is making the request. Requires authentication.
    async fn viewer(&self, ctx: &Context<'_>) -> ApiResult<Viewer> {
        match actor(ctx) {
            Actor::Anonymous => {
                Err(ServiceError::Unauthenticated("sign in or send an access token").into())
            }
            a => Ok(Viewer(a.clone())),
        }
    }

    /// Fetches any object by its global id; null when it does not exist or
    /// the viewer may not see it (the two are deliberately indistinguishable).
    async fn node(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Node>> {
        load_node(ctx, &id).await
    }

    /// Fetches up to 100 objects by global id, in order; null where `node` would be.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_items = 100))] ids: Vec<ID>,
    ) -> ApiResult<Vec<Option<Node>>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(load_node(ctx, id).await?);
        }
        Ok(out)
    }
}

async fn load_node(ctx: &Context<'_>, id: &ID) -> ApiResult<Option<Node>> {
    let Some((kind, n)) = decode_id(id) else {
        return Ok(None);
    };
    let (state, actor) = (state(ctx), actor(ctx));
    Ok(match kind {
        NodeType::Account => service::accounts::get_account(state, actor, n)
            .await?
            .map(|m| Node::Account(Account(m))),
        NodeType::Department => service::directory::department(state, n)
            .await?
            .map(|m| Node::Department(Department(m))),
        NodeType::Agency => service::directory::agency(state, actor, n)
            .await?
            .map(|m| Node::Agency(Agency(m))),
        NodeType::ApiClient => service::directory::api_client(state, actor, n)
            .await?
            .map(|m| Node::ApiClient(ApiClient(m))),
        // Records and subjects resolve once their read use cases exist (service::views).
        NodeType::CreditRecord | NodeType::Subject => None,
    })
}
