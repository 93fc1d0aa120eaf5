use std::fmt;

use serde::{Deserialize, Serialize};

/// The kinds of credit subject the platform records. The string forms are
/// the values used in the database and the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Enterprise,
    IndividualBusiness,
    SocialOrg,
    PublicInstitution,
    GovernmentBody,
    NaturalPerson,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 6] = [
        SubjectKind::Enterprise,
        SubjectKind::IndividualBusiness,
        SubjectKind::SocialOrg,
        SubjectKind::PublicInstitution,
        SubjectKind::GovernmentBody,
        SubjectKind::NaturalPerson,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise",
            Self::IndividualBusiness => "individual_business",
            Self::SocialOrg => "social_org",
            Self::PublicInstitution => "public_institution",
            Self::GovernmentBody => "government_body",
            Self::NaturalPerson => "natural_person",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Enterprise => "企业",
            Self::IndividualBusiness => "个体工商户",
            Self::SocialOrg => "社会组织",
            Self::PublicInstitution => "事业单位",
            Self::GovernmentBody => "机关",
            Self::NaturalPerson => "自然人",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Self::Enterprise => "Enterprise",
            Self::IndividualBusiness => "Individual business",
            Self::SocialOrg => "Social organisation",
            Self::PublicInstitution => "Public institution",
            Self::GovernmentBody => "Government body",
            Self::NaturalPerson => "Natural person",
        }
    }

    /// Organisations are identified by a USCC; natural persons by an ID number.
    pub fn is_organisation(self) -> bool {
        !matches!(self, Self::NaturalPerson)
    }
}

impl fmt::Display for SubjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
