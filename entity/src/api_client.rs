//! API client credentials of agencies and of departments' systems.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ClientStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "api_client")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub agency_id: Option<i64>,
    pub department_id: Option<i64>,
    /// The public client identifier presented with the secret.
    #[sea_orm(column_type = "String(StringLen::N(64))", unique)]
    pub client_id: String,
    /// Hash (hex) of the secret; the secret is shown once, at creation or rotation.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub secret_hash: String,
    /// Last characters of the secret, to recognise it in the console.
    #[sea_orm(column_type = "String(StringLen::N(8))")]
    pub secret_hint: String,
    pub name: String,
    /// JSON array of scope strings.
    #[sea_orm(column_type = "JsonBinary")]
    pub scopes: Json,
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub rate_tier: String,
    pub status: ClientStatus,
    pub created_at: DateTimeUtc,
    pub rotated_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::agency::Entity",
        from = "Column::AgencyId",
        to = "super::agency::Column::Id",
        on_delete = "NoAction"
    )]
    Agency,
    #[sea_orm(
        belongs_to = "super::department::Entity",
        from = "Column::DepartmentId",
        to = "super::department::Column::Id",
        on_delete = "NoAction"
    )]
    Department,
    #[sea_orm(has_many = "super::webhook_subscription::Entity")]
    WebhookSubscription,
}

impl Related<super::agency::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agency.def()
    }
}

impl Related<super::department::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Department.def()
    }
}

impl Related<super::webhook_subscription::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::WebhookSubscription.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
