//! The years whose calendar is loaded; deadlines beyond the last one are provisional.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "calendar_year")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    /// The State Council notice the year's calendar comes from.
    #[sea_orm(column_type = "Text")]
    pub notice: String,
    pub published_on: Option<Date>,
    /// The validated calendar file as loaded (TOML): the year is rebuilt from
    /// exactly what the operator loaded; `holiday` holds the same facts per day.
    #[sea_orm(column_type = "Text")]
    pub source: String,
    pub loaded_at: DateTimeUtc,
    pub loaded_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
