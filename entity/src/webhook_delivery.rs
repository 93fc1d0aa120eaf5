//! One push of one event to one subscription, retried with backoff.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::DeliveryStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "webhook_delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub subscription_id: i64,
    pub change_event_id: Option<i64>,
    #[sea_orm(column_type = "String(StringLen::N(48))")]
    pub event_kind: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub payload: Json,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub response_status: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
    /// When the last attempt started.
    pub last_attempt_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::webhook_subscription::Entity",
        from = "Column::SubscriptionId",
        to = "super::webhook_subscription::Column::Id",
        on_delete = "Cascade"
    )]
    WebhookSubscription,
    #[sea_orm(
        belongs_to = "super::change_event::Entity",
        from = "Column::ChangeEventId",
        to = "super::change_event::Column::Id",
        on_delete = "NoAction"
    )]
    ChangeEvent,
}

impl Related<super::webhook_subscription::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::WebhookSubscription.def()
    }
}

impl Related<super::change_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ChangeEvent.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
