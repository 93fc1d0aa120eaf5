//! The GraphQL API: a thin layer of resolvers over the services.
//!
//! Conventions (docs/api-conventions.md): Relay global ids and connections;
//! mutations take one `input` and return a payload with `userErrors`;
//! top-level errors only for authentication, permission, limits and faults,
//! each with a stable `extensions.code`.

mod accounts;
mod agency;
pub mod cases;
mod consents;
pub mod error;
mod extension;
mod feed;
mod mutation;
pub mod node;
mod notices;
mod query;
mod records;
mod reference;
pub mod types;

use async_graphql::{Context, EmptySubscription, MergedObject, Schema};

use crate::auth::{Actor, RequestMeta};
use crate::state::AppState;

pub use mutation::MutationRoot;
pub use query::QueryRoot;

/// The query root, assembled from one object per area.
#[derive(MergedObject)]
pub struct Query(
    QueryRoot,
    records::RecordOperatorQueries,
    agency::AgencyQueries,
    consents::ConsentQueries,
    feed::FeedQueries,
    cases::CaseQueries,
    accounts::AccountQueries,
    notices::NoticeQueries,
    reference::ReferenceQueries,
);

/// The mutation root, assembled from one object per area.
#[derive(MergedObject)]
pub struct Mutation(
    MutationRoot,
    records::RecordMutations,
    consents::ConsentMutations,
    feed::WebhookMutations,
    cases::CaseMutations,
    accounts::AccountMutations,
    notices::NoticeMutations,
);

pub type XinyongSchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema with its limits. The state is shared by every request;
/// the actor and request facts are added per request.
pub fn build_schema(
    state: Option<AppState>,
    max_depth: usize,
    max_complexity: usize,
) -> XinyongSchema {
    let mut builder = Schema::build(
        Query(
            QueryRoot,
            records::RecordOperatorQueries,
            agency::AgencyQueries,
            consents::ConsentQueries,
            feed::FeedQueries,
            cases::CaseQueries,
            accounts::AccountQueries,
            notices::NoticeQueries,
            reference::ReferenceQueries,
        ),
        Mutation(
            MutationRoot,
            records::RecordMutations,
            consents::ConsentMutations,
            feed::WebhookMutations,
            cases::CaseMutations,
            accounts::AccountMutations,
            notices::NoticeMutations,
        ),
        EmptySubscription,
    )
    .extension(extension::ErrorCodes { max_complexity })
    .limit_depth(max_depth)
    .limit_complexity(max_complexity)
    .limit_recursive_depth(32)
    .limit_directives(8);
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The schema's SDL, as committed in docs/schema.graphql.
pub fn sdl() -> String {
    build_schema(None, usize::MAX, usize::MAX).sdl()
}

pub(crate) fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

pub(crate) fn actor<'a>(ctx: &Context<'a>) -> &'a Actor {
    ctx.data_opt::<Actor>().unwrap_or(&Actor::Anonymous)
}

pub(crate) fn meta<'a>(ctx: &Context<'a>) -> &'a RequestMeta {
    static EMPTY: RequestMeta = RequestMeta {
        request_id: None,
        ip: None,
        user_agent: None,
        channel: entity::enums::Channel::Api,
    };
    ctx.data_opt::<RequestMeta>().unwrap_or(&EMPTY)
}
