//! The portal inbox: one notice per account, with a read receipt (several
//! deadlines run from receipt).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "notice")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub subject_id: Option<i64>,
    #[sea_orm(column_type = "String(StringLen::N(48))")]
    pub kind: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    #[sea_orm(column_type = "Text")]
    pub link: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub data: Json,
    /// Makes enqueueing the same notice twice a no-op.
    #[sea_orm(column_type = "String(StringLen::N(200))", unique)]
    pub dedupe_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
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
    #[sea_orm(has_many = "super::outbox_email::Entity")]
    OutboxEmail,
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

impl Related<super::outbox_email::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OutboxEmail.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
