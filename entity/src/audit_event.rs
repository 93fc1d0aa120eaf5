//! Who did what to what: append-only and hash-chained. References carry no
//! foreign keys: they record facts.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ActorKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub occurred_at: DateTimeUtc,
    pub actor_kind: ActorKind,
    pub actor_account_id: Option<i64>,
    pub actor_client_id: Option<i64>,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub action: String,
    #[sea_orm(column_type = "String(StringLen::N(48))")]
    pub object_type: String,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub object_id: Option<String>,
    pub subject_id: Option<i64>,
    #[sea_orm(column_type = "JsonBinary")]
    pub detail: Json,
    #[sea_orm(column_type = "String(StringLen::N(45))")]
    pub ip: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub request_id: Option<String>,
    /// Position in the hash chain; `None` until the row is chained.
    #[sea_orm(unique)]
    pub chain_seq: Option<i64>,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub prev_hash: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
