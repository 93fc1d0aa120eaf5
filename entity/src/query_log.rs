//! Every read of a subject's non-public data: who, which subject, under which
//! consent, for what purpose, through which channel, what came back. Written in
//! the same transaction as the read; append-only, hash-chained, kept at least
//! three years. Its references carry no foreign keys: they record facts.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{ActorKind, Channel};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "query_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub occurred_at: DateTimeUtc,
    pub subject_id: i64,
    pub actor_kind: ActorKind,
    pub account_id: Option<i64>,
    pub api_client_id: Option<i64>,
    pub agency_id: Option<i64>,
    pub department_id: Option<i64>,
    pub consent_id: Option<i64>,
    #[sea_orm(column_type = "String(StringLen::N(48))")]
    pub purpose_code: String,
    #[sea_orm(column_type = "Text")]
    pub purpose_text: Option<String>,
    pub channel: Channel,
    /// JSON array of the credit record ids returned.
    #[sea_orm(column_type = "JsonBinary")]
    pub record_ids: Json,
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
