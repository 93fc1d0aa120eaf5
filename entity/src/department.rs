//! Data-providing departments (信息提供单位).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "department")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "String(StringLen::N(32))", unique)]
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    #[sea_orm(column_type = "String(StringLen::N(12))")]
    pub region_code: String,
    pub contact_email: Option<String>,
    /// Registration authorities (market regulation, civil affairs...) create subjects.
    pub may_register_subjects: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::credit_record::Entity")]
    CreditRecord,
    #[sea_orm(has_many = "super::account::Entity")]
    Account,
    #[sea_orm(has_many = "super::api_client::Entity")]
    ApiClient,
}

impl Related<super::credit_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreditRecord.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl Related<super::api_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiClient.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
