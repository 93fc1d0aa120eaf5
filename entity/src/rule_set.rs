//! Rule sets (deadlines, publication windows...) as loaded TOML: rules are
//! data, so another province changes data, not code.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "rule_set")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub version: String,
    /// The TOML source, verbatim.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub sha256: String,
    pub loaded_at: DateTimeUtc,
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
