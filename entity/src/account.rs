//! People who sign in: subject users, department staff, operators.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{AccountRole, AccountStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "account")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Stored lowercased, so the unique index is case-insensitive in effect.
    #[sea_orm(column_type = "String(StringLen::N(254))", unique)]
    pub email: String,
    pub display_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub role: AccountRole,
    /// The department of a staff account.
    pub department_id: Option<i64>,
    /// `zh-CN` or `en`.
    #[sea_orm(column_type = "String(StringLen::N(8))")]
    pub language: String,
    pub status: AccountStatus,
    pub email_verified_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "JsonBinary")]
    pub notify_prefs: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::department::Entity",
        from = "Column::DepartmentId",
        to = "super::department::Column::Id",
        on_delete = "NoAction"
    )]
    Department,
    #[sea_orm(has_many = "super::account_subject::Entity")]
    AccountSubject,
    #[sea_orm(has_many = "super::session::Entity")]
    Session,
    #[sea_orm(has_many = "super::notice::Entity")]
    Notice,
}

impl Related<super::department::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Department.def()
    }
}

impl Related<super::account_subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AccountSubject.def()
    }
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl Related<super::notice::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Notice.def()
    }
}

/// Subjects the account acts for, through `account_subject`.
impl Related<super::subject::Entity> for Entity {
    fn to() -> RelationDef {
        super::account_subject::Relation::Subject.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::account_subject::Relation::Account.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
