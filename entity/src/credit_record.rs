//! Credit records published by departments about subjects.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{Disclosure, RecordStatus, Severity};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "credit_record")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub subject_id: i64,
    pub category_id: i64,
    pub department_id: i64,
    /// The provider's own reference; unique per department, so re-sending a
    /// record is idempotent.
    #[sea_orm(column_type = "String(StringLen::N(128))")]
    pub source_ref: String,
    pub title: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub content: Json,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub legal_basis_type: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(128))")]
    pub legal_basis_number: Option<String>,
    pub legal_basis_issuer: Option<String>,
    pub legal_basis_effective_on: Option<Date>,
    pub decided_on: Date,
    pub conduct_ended_on: Option<Date>,
    pub valid_until: Option<Date>,
    pub severity: Option<Severity>,
    pub disclosure: Disclosure,
    pub disclosure_start: Date,
    pub disclosure_end: Option<Date>,
    pub status: RecordStatus,
    #[sea_orm(column_type = "Text")]
    pub status_reason: Option<String>,
    /// SHA-256 (hex) of the canonical submitted payload: tells a repeat from a change.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub payload_hash: String,
    pub submitted_by_account_id: Option<i64>,
    pub submitted_by_client_id: Option<i64>,
    pub submitted_at: DateTimeUtc,
    /// Submitted after the 双公示 deadline.
    pub late_submission: bool,
    /// Set on a record mirrored onto a related person: the organisation's record.
    pub derived_from_record_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
        belongs_to = "super::record_category::Entity",
        from = "Column::CategoryId",
        to = "super::record_category::Column::Id",
        on_delete = "NoAction"
    )]
    Category,
    #[sea_orm(
        belongs_to = "super::department::Entity",
        from = "Column::DepartmentId",
        to = "super::department::Column::Id",
        on_delete = "NoAction"
    )]
    Department,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::SubmittedByAccountId",
        to = "super::account::Column::Id",
        on_delete = "NoAction"
    )]
    SubmittedByAccount,
    #[sea_orm(
        belongs_to = "super::api_client::Entity",
        from = "Column::SubmittedByClientId",
        to = "super::api_client::Column::Id",
        on_delete = "NoAction"
    )]
    SubmittedByClient,
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::DerivedFromRecordId",
        to = "Column::Id",
        on_delete = "NoAction"
    )]
    DerivedFrom,
    #[sea_orm(has_many = "super::record_revision::Entity")]
    RecordRevision,
    #[sea_orm(has_many = "super::objection::Entity")]
    Objection,
    #[sea_orm(has_many = "super::repair_application::Entity")]
    RepairApplication,
}

impl Related<super::subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subject.def()
    }
}

impl Related<super::record_category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Category.def()
    }
}

impl Related<super::department::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Department.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SubmittedByAccount.def()
    }
}

impl Related<super::api_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SubmittedByClient.def()
    }
}

impl Related<super::record_revision::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RecordRevision.def()
    }
}

impl Related<super::objection::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Objection.def()
    }
}

impl Related<super::repair_application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RepairApplication.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
