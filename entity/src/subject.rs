//! Credit subjects: organisations and natural persons.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{IdentifierKind, SubjectKind, SubjectStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "subject")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: SubjectKind,
    pub name: String,
    pub identifier_kind: IdentifierKind,
    /// Keyed HMAC (hex) of the canonical identifier: the only lookup key, so
    /// ID numbers can be found without being stored in clear.
    #[sea_orm(column_type = "String(StringLen::N(64))", unique)]
    pub identifier_hash: String,
    /// The USCC in clear (it is public); `None` for ID numbers.
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub identifier_plain: Option<String>,
    /// AES-GCM ciphertext (base64) of an ID number; `None` for USCCs.
    #[sea_orm(column_type = "Text")]
    pub identifier_cipher: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub identifier_masked: String,
    pub legal_representative: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(12))")]
    pub region_code: String,
    /// Registered contact: where identity-binding codes are sent.
    pub contact_email: Option<String>,
    pub status: SubjectStatus,
    pub registered_on: Option<Date>,
    /// Deregistration or revocation date (starts the basic-information window).
    pub ended_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::credit_record::Entity")]
    CreditRecord,
    #[sea_orm(has_many = "super::related_person::Entity")]
    RelatedPerson,
    #[sea_orm(has_many = "super::account_subject::Entity")]
    AccountSubject,
    #[sea_orm(has_many = "super::consent::Entity")]
    Consent,
    #[sea_orm(has_many = "super::objection::Entity")]
    Objection,
    #[sea_orm(has_many = "super::repair_application::Entity")]
    RepairApplication,
}

impl Related<super::credit_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreditRecord.def()
    }
}

impl Related<super::related_person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RelatedPerson.def()
    }
}

impl Related<super::account_subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AccountSubject.def()
    }
}

impl Related<super::consent::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Consent.def()
    }
}

impl Related<super::objection::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Objection.def()
    }
}

impl Related<super::repair_application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RepairApplication.def()
    }
}

/// Accounts bound to the subject, through `account_subject`.
impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        super::account_subject::Relation::Account.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::account_subject::Relation::Subject.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
