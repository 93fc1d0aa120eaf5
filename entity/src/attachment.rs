//! Files attached to a case (objection, repair application, complaint).
//! The bytes live in storage under `storage_key`; the row holds the metadata.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::CaseKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "attachment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub subject_id: i64,
    pub owner_account_id: i64,
    pub case_kind: CaseKind,
    pub case_id: i64,
    pub file_name: String,
    #[sea_orm(column_type = "String(StringLen::N(128))")]
    pub media_type: String,
    pub size_bytes: i64,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub sha256: String,
    pub storage_key: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::subject::Entity",
        from = "Column::SubjectId",
        to = "super::subject::Column::Id",
        on_delete = "NoAction"
    )]
    Subject,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::OwnerAccountId",
        to = "super::account::Column::Id",
        on_delete = "NoAction"
    )]
    Owner,
}

impl Related<super::subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subject.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Owner.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
