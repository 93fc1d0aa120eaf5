//! A subject's application for credit repair (信用修复) of a record, with the
//! credit commitment it signed.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{RepairOutcome, RepairStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "repair_application")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub subject_id: i64,
    pub record_id: i64,
    pub applicant_account_id: i64,
    /// The department that decides (the record's provider).
    pub department_id: i64,
    pub status: RepairStatus,
    pub outcome: Option<RepairOutcome>,
    #[sea_orm(column_type = "Text")]
    pub statement: Option<String>,
    /// SHA-256 (hex) of the exact commitment text accepted.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub commitment_text_hash: String,
    /// Name of the person who accepted the commitment for the subject.
    pub commitment_accepted_by: String,
    pub commitment_accepted_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub decision_reason: Option<String>,
    pub received_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    /// The record id while the case is open, else `None`; unique, so a
    /// record has at most one open case of this kind.
    pub open_record_id: Option<i64>,
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
        belongs_to = "super::credit_record::Entity",
        from = "Column::RecordId",
        to = "super::credit_record::Column::Id",
        on_delete = "NoAction"
    )]
    CreditRecord,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::ApplicantAccountId",
        to = "super::account::Column::Id",
        on_delete = "NoAction"
    )]
    Applicant,
    #[sea_orm(
        belongs_to = "super::department::Entity",
        from = "Column::DepartmentId",
        to = "super::department::Column::Id",
        on_delete = "NoAction"
    )]
    Department,
}

impl Related<super::subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subject.def()
    }
}

impl Related<super::credit_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreditRecord.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Applicant.def()
    }
}

impl Related<super::department::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Department.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
