//! The head of one hash chain (`query_log` or `audit_event`): the last
//! sealed position and hash, and the anchor purging left behind (the
//! position and hash of the last row deleted), so the rows that remain still
//! verify. The sealer locks this row; nothing else writes it.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "chain_head")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The chained table's name.
    #[sea_orm(column_type = "String(StringLen::N(32))", unique)]
    pub chain: String,
    /// `chain_seq` of the last sealed row; 0 before the first.
    pub last_seq: i64,
    /// `hash` of the last sealed row; `None` before the first.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub last_hash: Option<String>,
    /// `chain_seq` of the last row purged; the first remaining row follows it.
    pub anchor_seq: Option<i64>,
    /// `hash` of the last row purged: the first remaining row's `prev_hash`.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub anchor_hash: Option<String>,
    /// Rows purged so far.
    pub purged_rows: i64,
    pub sealed_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
