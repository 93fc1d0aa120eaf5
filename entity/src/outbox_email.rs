//! Emails to send, written in the same transaction as the state change that
//! caused them (transactional outbox); a worker sends and retries.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::EmailStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "outbox_email")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub notice_id: Option<i64>,
    pub to_address: String,
    /// `zh-CN` or `en`.
    #[sea_orm(column_type = "String(StringLen::N(8))")]
    pub language: String,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body_text: String,
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    pub status: EmailStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub last_error: Option<String>,
    /// Also the Message-ID seed, so a resend after a crash is recognisable.
    #[sea_orm(column_type = "String(StringLen::N(200))", unique)]
    pub idempotency_key: String,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::notice::Entity",
        from = "Column::NoticeId",
        to = "super::notice::Column::Id",
        on_delete = "NoAction"
    )]
    Notice,
}

impl Related<super::notice::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Notice.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
