//! Sign-in sessions: API sessions (JWT + refresh tokens) and portal cookie sessions.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::SessionKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "session")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub user_agent: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(45))")]
    pub ip: Option<String>,
    pub kind: SessionKind,
    /// Portal sessions only: the secret CSRF tokens are derived from.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub csrf_secret: Option<String>,
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
    #[sea_orm(has_many = "super::refresh_token::Entity")]
    RefreshToken,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl Related<super::refresh_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RefreshToken.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
