//! Links an organisation to the people behind it (legal representative,
//! principal, controller, directors...), against whom serious dishonesty of the
//! organisation is also recorded.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::RelatedRole;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "related_person")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The organisation.
    pub subject_id: i64,
    /// The person as a subject of its own, once known to the platform.
    pub person_subject_id: Option<i64>,
    pub role: RelatedRole,
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub identifier_hash: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub identifier_masked: Option<String>,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
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
        belongs_to = "super::subject::Entity",
        from = "Column::PersonSubjectId",
        to = "super::subject::Column::Id",
        on_delete = "NoAction"
    )]
    PersonSubject,
}

/// The organisation (use `Relation::PersonSubject` for the person).
impl Related<super::subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subject.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
