//! Identifier errors: one variant per thing that can be wrong, each with a
//! stable code (for `userErrors { code }`) and an English message that names
//! the position and character concerned. Positions are 1-based, as a person
//! counts them on a certificate.

use thiserror::Error;

/// Why a birth date embedded in an ID number is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthDateProblem {
    /// The eight digits are not a calendar date (e.g. 19990230).
    NotADate,
    /// Before 1900-01-01: 18-digit numbers were introduced in 1999 and no
    /// living holder was born before 1900; such a date is a typo.
    BeforeMinimum,
    /// After the `today` passed to [`crate::identifier::ResidentId::parse_at`].
    InFuture,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdentifierError {
    #[error("the identifier is empty")]
    Empty,

    #[error("must be {expected} characters long, found {found}")]
    Length { expected: usize, found: usize },

    #[error("character {position} ('{found}') is not allowed: expected {expected}")]
    Charset {
        position: usize,
        found: char,
        expected: &'static str,
    },

    #[error(
        "character 1 ('{found}') is not a registration authority code of GB 32100 \
         (expected one of {known})"
    )]
    UsccAuthority { found: char, known: &'static str },

    #[error(
        "character 2 ('{found}') is not an organisation type registered by authority \
         '{authority}' ({authority_name}); expected one of {known}"
    )]
    UsccOrgType {
        authority: char,
        authority_name: &'static str,
        found: char,
        known: String,
    },

    #[error(
        "characters 3-8 ('{code}') are not a registration region code: \
         expected 100000 (national) or a GB/T 2260 code starting with a province code"
    )]
    UsccRegion { code: String },

    #[error("check character should be {expected}, found {found}")]
    CheckCharacter { expected: char, found: char },

    #[error("15-digit legacy ID numbers are not accepted; use the 18-digit number")]
    Legacy15,

    #[error(
        "characters 1-6 ('{code}') are not a region code: '{province}' is not a GB/T 2260 \
         province code"
    )]
    IdRegion { code: String, province: String },

    #[error("{}", birth_message(.digits, *.problem))]
    BirthDate {
        /// Characters 7-14 as written (YYYYMMDD).
        digits: String,
        problem: BirthDateProblem,
    },

    #[error("sequence number {found} is out of range: expected 0-999")]
    Sequence { found: u16 },

    #[error("check digit should be {expected}, found {found}")]
    CheckDigit { expected: char, found: char },
}

fn birth_message(digits: &str, problem: BirthDateProblem) -> String {
    match problem {
        BirthDateProblem::NotADate => {
            format!("characters 7-14 ('{digits}') are not a real birth date (YYYYMMDD)")
        }
        BirthDateProblem::BeforeMinimum => {
            format!("characters 7-14 ('{digits}') give a birth date before 1900-01-01")
        }
        BirthDateProblem::InFuture => {
            format!("characters 7-14 ('{digits}') give a birth date in the future")
        }
    }
}

impl IdentifierError {
    /// Stable machine-readable code. Never change an existing value: API
    /// clients match on it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "IDENTIFIER_EMPTY",
            Self::Length { .. } => "IDENTIFIER_LENGTH",
            Self::Charset { .. } => "IDENTIFIER_CHARSET",
            Self::UsccAuthority { .. } => "USCC_AUTHORITY",
            Self::UsccOrgType { .. } => "USCC_ORG_TYPE",
            Self::UsccRegion { .. } => "USCC_REGION",
            Self::CheckCharacter { .. } | Self::CheckDigit { .. } => "IDENTIFIER_CHECK",
            Self::Legacy15 => "ID_LEGACY_15",
            Self::IdRegion { .. } => "ID_REGION",
            Self::BirthDate { .. } => "ID_BIRTH_DATE",
            Self::Sequence { .. } => "ID_SEQUENCE",
        }
    }

    /// True when only the check character/digit is wrong: everything else
    /// had the right shape. Used to pick the better of two errors.
    pub fn is_check_error(&self) -> bool {
        matches!(self, Self::CheckCharacter { .. } | Self::CheckDigit { .. })
    }

    /// Every code this type can return, for documentation and API tests.
    pub const ALL_CODES: &'static [&'static str] = &[
        "IDENTIFIER_EMPTY",
        "IDENTIFIER_LENGTH",
        "IDENTIFIER_CHARSET",
        "USCC_AUTHORITY",
        "USCC_ORG_TYPE",
        "USCC_REGION",
        "IDENTIFIER_CHECK",
        "ID_LEGACY_15",
        "ID_REGION",
        "ID_BIRTH_DATE",
        "ID_SEQUENCE",
    ];
}
