use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use super::error::ApiResult;
use super::node::{Node, NodeType, decode_id};
use super::types::connection::{IdConnection, connection, page_complexity, page_request};
use super::types::{
    Account, Agency, ApiClient, CreditRecord, Department, ListKind, RecordCategory, Subject, Viewer,
};
use super::{actor, meta, state};
use crate::auth::Actor;
use crate::service::{self, ServiceError, views};

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

    /// Public search (no sign-in): organisations whose name contains `query`
    /// (any case; 2 to 100 characters), or whose unified social credit code
    /// it is. Natural persons are never returned. Oldest registration first;
    /// `first` or `last` is required, at most 100.
    #[graphql(complexity = "page_complexity(first, last, child_complexity)")]
    async fn search_subjects(
        &self,
        ctx: &Context<'_>,
        query: String,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<IdConnection<Subject>> {
        let page = page_request(first, after, last, before)?;
        let result = views::search_subjects(state(ctx), &query, &page).await?;
        Ok(connection(result, |s| s.subject.id, Subject))
    }

    /// A subject by USCC or ID number, in the widest view the viewer has:
    /// its own (a bound account), the government's (staff, operators; the
    /// read is logged with `purpose`), or the public's. Null when unknown or
    /// when the viewer may not see it: natural persons are never shown to
    /// the public.
    async fn subject_by_identifier(
        &self,
        ctx: &Context<'_>,
        identifier: String,
        #[graphql(desc = "Why you are looking (government reads; kept in the query log).")]
        purpose: Option<String>,
    ) -> ApiResult<Option<Subject>> {
        Ok(
            views::subject_by_identifier(state(ctx), actor(ctx), meta(ctx), &identifier, purpose)
                .await?
                .map(Subject),
        )
    }

    /// A public red or black list (no sign-in): the records of one list
    /// category (`recordCategories(listKind: RED)` or `BLACK`) that are
    /// public today, newest first. `first` or `last` is required, at most 100.
    #[graphql(complexity = "page_complexity(first, last, child_complexity)")]
    async fn public_list(
        &self,
        ctx: &Context<'_>,
        category: String,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<IdConnection<CreditRecord>> {
        let page = page_request(first, after, last, before)?;
        let result = views::public_list(state(ctx), &category, &page).await?;
        Ok(connection(result, |r| r.record.id, CreditRecord::new))
    }

    /// The record catalogue (public), by code; optionally only the
    /// categories of one list kind.
    async fn record_categories(
        &self,
        ctx: &Context<'_>,
        list_kind: Option<ListKind>,
    ) -> ApiResult<Vec<RecordCategory>> {
        Ok(views::categories(state(ctx), list_kind.map(Into::into))
            .await?
            .into_iter()
            .map(|c| RecordCategory(Arc::new(c)))
            .collect())
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
    let (state, actor, meta) = (state(ctx), actor(ctx), meta(ctx));
    Ok(match kind {
        NodeType::Account => service::accounts::get_account(state, actor, n)
            .await?
            .map(|m| Node::Account(Account(m))),
        NodeType::BindingChallenge => None,
        NodeType::Objection
        | NodeType::RepairApplication
        | NodeType::Complaint
        | NodeType::CaseAttachment => super::cases::node(ctx, kind, n).await?,
        NodeType::BindingRequest => service::accounts::binding_request(state, actor, n)
            .await?
            .map(|v| Node::BindingRequest(super::accounts::BindingRequest(v))),
        NodeType::Email => service::notices::email(state, actor, n)
            .await?
            .map(|m| Node::Email(super::notices::Email(m))),
        NodeType::Notice => service::notices::get_notice(state, actor, n)
            .await?
            .map(|m| Node::Notice(super::notices::Notice(m))),
        NodeType::SubjectBinding => service::accounts::binding_view(state, actor, n)
            .await?
            .map(|v| Node::SubjectBinding(super::accounts::SubjectBinding(v))),
        NodeType::Department => service::directory::department(state, n)
            .await?
            .map(|m| Node::Department(Department(m))),
        NodeType::Agency => service::directory::agency(state, actor, n)
            .await?
            .map(|m| Node::Agency(Agency(m))),
        NodeType::ApiClient => service::directory::api_client(state, actor, n)
            .await?
            .map(|m| Node::ApiClient(ApiClient(m))),
        NodeType::Consent => service::consents::get_consent(state, actor, n)
            .await?
            .map(|m| Node::Consent(super::consents::Consent(m))),
        // Decided per object in the service: the widest view the viewer has
        // of the subject; null when that view does not show it.
        NodeType::CreditRecord => views::record_by_id(state, actor, meta, n)
            .await?
            .map(|v| Node::CreditRecord(CreditRecord::new(v))),
        NodeType::Subject => views::subject_by_id(state, actor, meta, n)
            .await?
            .map(|v| Node::Subject(Subject(v))),
        NodeType::WebhookDelivery => service::webhooks::delivery(state, actor, n)
            .await?
            .map(|d| Node::WebhookDelivery(super::feed::WebhookDelivery(d))),
        NodeType::WebhookSubscription => service::webhooks::subscription(state, actor, n)
            .await?
            .map(|s| Node::WebhookSubscription(super::feed::WebhookSubscription(s))),
    })
}
