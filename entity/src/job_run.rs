//! Scheduler bookkeeping: the unique `key` makes each reminder, escalation and
//! expiry happen at most once, even with several replicas.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "job_run")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "String(StringLen::N(200))", unique)]
    pub key: String,
    #[sea_orm(column_type = "String(StringLen::N(48))")]
    pub kind: String,
    pub run_at: DateTimeUtc,
    #[sea_orm(column_type = "JsonBinary")]
    pub detail: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
