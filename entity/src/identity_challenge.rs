//! One-time codes: binding a subject (sent to its registered contact),
//! password reset, email verification.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ChallengePurpose;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "identity_challenge")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub purpose: ChallengePurpose,
    /// The subject to bind (`bind_subject` only).
    pub subject_id: Option<i64>,
    /// Keyed hash (hex) of the code; the code itself is never stored.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub code_hash: String,
    /// Where the code went, masked, to show the user.
    pub sent_to_masked: String,
    pub expires_at: DateTimeUtc,
    pub attempts: i32,
    pub consumed_at: Option<DateTimeUtc>,
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
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl Related<super::subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subject.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
