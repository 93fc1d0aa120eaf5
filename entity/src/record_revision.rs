//! Every change to a credit record, who made it and why: the platform never
//! edits a provider's data silently. Append-only.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ChangeKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "record_revision")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub record_id: i64,
    pub subject_id: i64,
    /// The record's version after this change.
    pub version: i32,
    pub change_kind: ChangeKind,
    #[sea_orm(column_type = "Text")]
    pub reason: Option<String>,
    pub changed_by_account_id: Option<i64>,
    pub changed_by_client_id: Option<i64>,
    #[sea_orm(column_type = "JsonBinary")]
    pub before: Option<Json>,
    #[sea_orm(column_type = "JsonBinary")]
    pub after: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::credit_record::Entity",
        from = "Column::RecordId",
        to = "super::credit_record::Column::Id",
        on_delete = "NoAction"
    )]
    CreditRecord,
}

impl Related<super::credit_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreditRecord.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
