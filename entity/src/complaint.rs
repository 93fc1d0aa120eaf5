//! A complaint about how an objection or repair application was handled.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ComplaintStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "complaint")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub subject_id: i64,
    pub objection_id: Option<i64>,
    pub repair_application_id: Option<i64>,
    pub applicant_account_id: i64,
    #[sea_orm(column_type = "Text")]
    pub statement: String,
    pub status: ComplaintStatus,
    #[sea_orm(column_type = "Text")]
    pub outcome_reason: Option<String>,
    /// The operator's answer: founded or not; `None` until answered.
    pub founded: Option<bool>,
    pub received_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
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
        belongs_to = "super::objection::Entity",
        from = "Column::ObjectionId",
        to = "super::objection::Column::Id",
        on_delete = "NoAction"
    )]
    Objection,
    #[sea_orm(
        belongs_to = "super::repair_application::Entity",
        from = "Column::RepairApplicationId",
        to = "super::repair_application::Column::Id",
        on_delete = "NoAction"
    )]
    RepairApplication,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::ApplicantAccountId",
        to = "super::account::Column::Id",
        on_delete = "NoAction"
    )]
    Applicant,
}

impl Related<super::subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subject.def()
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

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Applicant.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
