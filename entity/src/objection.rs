//! A subject's objection (异议) to a record: first checked by the platform,
//! then referred to the providing department.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{ObjectionOutcome, ObjectionStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "objection")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub subject_id: i64,
    pub record_id: i64,
    pub applicant_account_id: i64,
    /// The department that provided the record (copied, so its queue is one index scan).
    pub department_id: i64,
    #[sea_orm(column_type = "String(StringLen::N(48))")]
    pub reason_code: String,
    #[sea_orm(column_type = "Text")]
    pub statement: String,
    pub status: ObjectionStatus,
    pub outcome: Option<ObjectionOutcome>,
    #[sea_orm(column_type = "Text")]
    pub outcome_reason: Option<String>,
    pub received_at: DateTimeUtc,
    pub referred_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
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
