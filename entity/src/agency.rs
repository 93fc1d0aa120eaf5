//! Credit agencies (征信机构 / 信用服务机构) and banks that query under consent.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::AgencyStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "agency")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(32))", unique)]
    pub uscc: String,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub licence_number: String,
    pub status: AgencyStatus,
    pub contact_email: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::api_client::Entity")]
    ApiClient,
    #[sea_orm(has_many = "super::consent::Entity")]
    Consent,
}

impl Related<super::api_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiClient.def()
    }
}

impl Related<super::consent::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Consent.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
