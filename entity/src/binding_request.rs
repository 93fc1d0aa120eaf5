//! A request to bind an account to a subject on documents checked by staff
//! (when the subject's registered contact cannot receive a code).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::BindingRole;

/// Where a document-checked binding request stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(32))",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum BindingRequestStatus {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "binding_request")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub subject_id: i64,
    /// The capacity asked for.
    pub role: BindingRole,
    pub status: BindingRequestStatus,
    /// What the applicant shows (documents, where and when presented).
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    pub decided_by_account_id: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub decision_note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_delete = "NoAction"
    )]
    Account,
    #[sea_orm(
        belongs_to = "super::subject::Entity",
        from = "Column::SubjectId",
        to = "super::subject::Column::Id",
        on_delete = "NoAction"
    )]
    Subject,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::DecidedByAccountId",
        to = "super::account::Column::Id",
        on_delete = "NoAction"
    )]
    DecidedBy,
}

impl Related<super::subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subject.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
