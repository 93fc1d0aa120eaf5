//! Departments, agencies and API clients as others may see them.

use entity::{agency, api_client, department};
use sea_orm::EntityTrait;

use super::ServiceResult;
use crate::auth::Actor;
use crate::state::AppState;

/// Departments are public information.
pub async fn department(state: &AppState, id: i64) -> ServiceResult<Option<department::Model>> {
    Ok(department::Entity::find_by_id(id).one(&state.db).await?)
}

/// An agency, for operators and the agency's own clients.
pub async fn agency(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<agency::Model>> {
    let allowed = actor.is_operator() || actor.client().is_some_and(|c| c.agency_id == Some(id));
    if !allowed {
        return Ok(None);
    }
    Ok(agency::Entity::find_by_id(id).one(&state.db).await?)
}

/// An API client, for operators and the client itself.
pub async fn api_client(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<api_client::Model>> {
    let allowed = actor.is_operator() || actor.client().is_some_and(|c| c.api_client_id == id);
    if !allowed {
        return Ok(None);
    }
    Ok(api_client::Entity::find_by_id(id).one(&state.db).await?)
}
