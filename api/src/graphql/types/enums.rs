//! Enums as the API shows them (English names; stored values stay in the
//! entity crate so the wire contract and the schema can evolve separately).

use async_graphql::Enum;
use entity::enums as e;

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountRole {
    /// An enterprise's or a person's own account (acts for bound subjects).
    SubjectUser,
    /// Staff of a data-providing department.
    DepartmentStaff,
    /// Platform operator (public credit centre).
    Operator,
}

impl From<e::AccountRole> for AccountRole {
    fn from(r: e::AccountRole) -> Self {
        match r {
            e::AccountRole::SubjectUser => AccountRole::SubjectUser,
            e::AccountRole::DepartmentStaff => AccountRole::DepartmentStaff,
            e::AccountRole::Operator => AccountRole::Operator,
        }
    }
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgencyStatus {
    Active,
    Suspended,
    Revoked,
}

impl From<e::AgencyStatus> for AgencyStatus {
    fn from(s: e::AgencyStatus) -> Self {
        match s {
            e::AgencyStatus::Active => AgencyStatus::Active,
            e::AgencyStatus::Suspended => AgencyStatus::Suspended,
            e::AgencyStatus::Revoked => AgencyStatus::Revoked,
        }
    }
}

/// Whether an API client's credentials work.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiClientStatus {
    Active,
    /// Revoked for good: its secret and tokens no longer work.
    Revoked,
}

impl From<e::ClientStatus> for ApiClientStatus {
    fn from(s: e::ClientStatus) -> Self {
        match s {
            e::ClientStatus::Active => ApiClientStatus::Active,
            e::ClientStatus::Revoked => ApiClientStatus::Revoked,
        }
    }
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// 简体中文 (default)
    ZhCn,
    En,
}

impl Language {
    pub fn from_tag(tag: &str) -> Language {
        if tag == "en" {
            Language::En
        } else {
            Language::ZhCn
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Language::ZhCn => "zh-CN",
            Language::En => "en",
        }
    }
}
