//! The working-day calendar: statutory rest days and make-up working days.
//! Monday–Friday is the default; only exceptions are stored.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::DayKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "holiday")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub date: Date,
    pub year: i32,
    pub kind: DayKind,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
