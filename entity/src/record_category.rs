//! The catalogue of record categories (信用信息目录).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{Disclosure, InfoClass, ListKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "record_category")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "String(StringLen::N(64))", unique)]
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub info_class: InfoClass,
    pub default_disclosure: Disclosure,
    pub repairable: bool,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub sector: Option<String>,
    pub list_kind: ListKind,
    /// Administrative licences and penalties (双公示): published within 7 working days.
    pub double_publicity: bool,
    /// JSON array of `SubjectKind` values the category applies to.
    #[sea_orm(column_type = "JsonBinary")]
    pub subject_kinds: Json,
    /// Id of the rule (in the rule set) that fixes the publication window.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub publication_rule: Option<String>,
    /// JSON Schema of `credit_record.content` for this category.
    #[sea_orm(column_type = "JsonBinary")]
    pub content_schema: Json,
    pub active: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::credit_record::Entity")]
    CreditRecord,
}

impl Related<super::credit_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreditRecord.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
