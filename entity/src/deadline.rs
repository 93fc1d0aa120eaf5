//! A statutory deadline of a case milestone, with the rule it came from, so
//! that a case is judged by the rule in force when its clock started.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{CaseKind, DeadlineStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "deadline")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_kind: CaseKind,
    pub case_id: i64,
    pub subject_id: i64,
    #[sea_orm(column_type = "String(StringLen::N(48))")]
    pub milestone: String,
    /// The last day, in the platform's legal time zone.
    pub due_on: Date,
    /// The instant the last day ends (what the scheduler compares with).
    pub due_at: DateTimeUtc,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub rule_id: String,
    /// Citation of the rule's source.
    #[sea_orm(column_type = "Text")]
    pub rule_source: String,
    /// The period ran past the last calendar year loaded.
    pub provisional: bool,
    pub status: DeadlineStatus,
    pub reminded_at: Option<DateTimeUtc>,
    pub escalated_at: Option<DateTimeUtc>,
    pub met_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The next instant the deadline sweep must look at this row; `None`
    /// when no reminder or escalation is left.
    pub next_check_at: Option<DateTimeUtc>,
    /// When the due-day reminder went out (`reminded_at`: the one before).
    pub due_reminded_at: Option<DateTimeUtc>,
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
}

impl Related<super::subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subject.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
