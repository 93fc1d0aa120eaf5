//! The timeline of a case (objection, repair application, complaint).
//! Append-only; references are recorded facts, without foreign keys.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{ActorKind, CaseKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "case_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_kind: CaseKind,
    pub case_id: i64,
    pub subject_id: i64,
    pub actor_kind: ActorKind,
    pub actor_account_id: Option<i64>,
    #[sea_orm(column_type = "String(StringLen::N(48))")]
    pub event: String,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub data: Json,
    pub occurred_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
