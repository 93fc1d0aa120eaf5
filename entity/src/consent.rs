//! A subject's authorisation for an agency to query its non-public
//! information. Named `consent` because `authorization` is reserved in PostgreSQL.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{ConsentMode, ConsentRequester, ConsentStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "consent")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub subject_id: i64,
    pub agency_id: i64,
    #[sea_orm(column_type = "String(StringLen::N(48))")]
    pub purpose_code: String,
    #[sea_orm(column_type = "Text")]
    pub purpose_text: String,
    /// JSON array of `InfoClass` values the consent covers.
    #[sea_orm(column_type = "JsonBinary")]
    pub scope_classes: Json,
    /// JSON array of record category codes the consent covers.
    #[sea_orm(column_type = "JsonBinary")]
    pub scope_categories: Json,
    pub mode: ConsentMode,
    /// Queries allowed per calendar month (`periodic` only).
    pub monthly_cap: Option<i32>,
    pub valid_from: DateTimeUtc,
    pub valid_until: DateTimeUtc,
    pub status: ConsentStatus,
    pub uses: i32,
    pub last_used_at: Option<DateTimeUtc>,
    pub requested_by: ConsentRequester,
    pub granted_by_account_id: Option<i64>,
    pub granted_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    /// The canonical receipt the subject granted, and the platform's signature over it.
    #[sea_orm(column_type = "JsonBinary")]
    pub receipt: Option<Json>,
    #[sea_orm(column_type = "Text")]
    pub receipt_signature: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    /// The Asia/Shanghai month (`2026-11`) `period_uses` counts; null before the first use.
    #[sea_orm(column_type = "String(StringLen::N(7))")]
    pub period_key: Option<String>,
    /// Uses in the month `period_key` (periodic consents' monthly cap).
    pub period_uses: i32,
    /// Key id (JWK thumbprint) of the platform key that signed `receipt`.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub receipt_key_id: Option<String>,
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
        belongs_to = "super::agency::Entity",
        from = "Column::AgencyId",
        to = "super::agency::Column::Id",
        on_delete = "NoAction"
    )]
    Agency,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::GrantedByAccountId",
        to = "super::account::Column::Id",
        on_delete = "NoAction"
    )]
    GrantedBy,
}

impl Related<super::subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subject.def()
    }
}

impl Related<super::agency::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agency.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::GrantedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
