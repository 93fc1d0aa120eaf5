//! Where an API client wants change events pushed.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::WebhookStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "webhook_subscription")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub api_client_id: i64,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    /// JSON array of change event kinds.
    #[sea_orm(column_type = "JsonBinary")]
    pub events: Json,
    /// The signing secret, encrypted (it must be recovered to sign payloads).
    #[sea_orm(column_type = "Text")]
    pub secret_cipher: String,
    pub status: WebhookStatus,
    /// Reset on success; the subscription is disabled past a threshold.
    pub consecutive_failures: i32,
    pub created_at: DateTimeUtc,
    pub disabled_at: Option<DateTimeUtc>,
    /// Why the subscription was disabled (by the platform after repeated
    /// failures, or by the agency); shown to the agency.
    #[sea_orm(column_type = "Text")]
    pub disabled_reason: Option<String>,
    /// The signing secret before the last rotation, encrypted; payloads are
    /// signed with both until `previous_secret_expires_at`.
    #[sea_orm(column_type = "Text")]
    pub previous_secret_cipher: Option<String>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::api_client::Entity",
        from = "Column::ApiClientId",
        to = "super::api_client::Column::Id",
        on_delete = "NoAction"
    )]
    ApiClient,
    #[sea_orm(has_many = "super::webhook_delivery::Entity")]
    WebhookDelivery,
}

impl Related<super::api_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiClient.def()
    }
}

impl Related<super::webhook_delivery::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::WebhookDelivery.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
