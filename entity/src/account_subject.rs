//! Which subjects an account acts for, and how the binding was proven.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{BindingMethod, BindingRole};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "account_subject")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub subject_id: i64,
    pub role: BindingRole,
    pub bound_via: BindingMethod,
    pub bound_at: DateTimeUtc,
    /// The staff member who checked the documents (`staff_document` bindings).
    pub verified_by_account_id: Option<i64>,
    /// Revoked bindings stay, as evidence of who could act when.
    pub revoked_at: Option<DateTimeUtc>,
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
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::VerifiedByAccountId",
        to = "super::account::Column::Id",
        on_delete = "NoAction"
    )]
    VerifiedBy,
}

/// The bound account (use `Relation::VerifiedBy` for the verifying staff member).
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
