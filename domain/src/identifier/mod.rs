//! Subject identifiers: the Unified Social Credit Code of organisations
//! (GB 32100-2015) and the citizen identity number of natural persons
//! (GB 11643-1999), parsed at the edge into types that cannot hold an
//! invalid value, plus masking for display.

mod error;
mod mask;
pub mod region;
mod resident_id;
mod subject_kind;
mod uscc;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use error::{BirthDateProblem, IdentifierError};
pub use mask::{mask_email, mask_person_name};
pub use resident_id::{ID_WEIGHTS, MIN_BIRTH_YEAR, ResidentId, check_digit};
pub use subject_kind::SubjectKind;
pub use uscc::{
    CategorySource, USCC_ALPHABET, USCC_CATEGORIES, USCC_WEIGHTS, Uscc, UsccCategory,
    check_character,
};

/// Either kind of subject identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SubjectIdentifier {
    Uscc(Uscc),
    ResidentId(ResidentId),
}

impl SubjectIdentifier {
    /// Accepts either kind. Both are 18 characters: a string that is valid
    /// as only one of them is that one.
    ///
    /// A string can be valid as both: an ID number whose first two digits
    /// read as an authority and type (e.g. 13 = 机构编制/群众团体) and whose
    /// city code reads as a province (e.g. 1311xx, 衡水) passes the USCC
    /// check by chance about once in 31. Such a string is returned as an
    /// ID number: taking a person's number for a public USCC would publish
    /// it, while the opposite mistake only masks a public code. When the
    /// subject kind is known, use [`SubjectIdentifier::parse_as`].
    ///
    /// When neither fits, the error is the one from the reading the input
    /// most resembles: an ID number when it has the ID shape (17 digits,
    /// then a digit or X) unless only the USCC reading failed just on its
    /// check character; a USCC otherwise.
    pub fn parse_any(input: &str) -> Result<SubjectIdentifier, IdentifierError> {
        let uscc = Uscc::parse(input);
        let id_err = match ResidentId::parse(input) {
            Ok(id) => return Ok(SubjectIdentifier::ResidentId(id)),
            Err(e) => e,
        };
        let uscc_err = match uscc {
            Ok(u) => return Ok(SubjectIdentifier::Uscc(u)),
            Err(e) => e,
        };
        if id_err == IdentifierError::Legacy15 {
            return Err(id_err);
        }
        let s = input.trim();
        let id_shaped = s.chars().count() == 18
            && s.chars().take(17).all(|c| c.is_ascii_digit())
            && s.chars()
                .last()
                .is_some_and(|c| c.is_ascii_digit() || c == 'X' || c == 'x');
        if id_shaped {
            if !id_err.is_check_error() && uscc_err.is_check_error() {
                return Err(uscc_err);
            }
            return Err(id_err);
        }
        Err(uscc_err)
    }

    /// Parses the identifier a subject of `kind` must have: an ID number for
    /// a natural person, a USCC for every other kind.
    pub fn parse_as(kind: SubjectKind, input: &str) -> Result<SubjectIdentifier, IdentifierError> {
        if kind.is_organisation() {
            Uscc::parse(input).map(SubjectIdentifier::Uscc)
        } else {
            ResidentId::parse(input).map(SubjectIdentifier::ResidentId)
        }
    }

    /// True when `input` is valid both as a USCC and as an ID number.
    pub fn is_ambiguous(input: &str) -> bool {
        Uscc::parse(input).is_ok() && ResidentId::parse(input).is_ok()
    }

    /// The full identifier. For an ID number this is sensitive.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Uscc(u) => u.as_str(),
            Self::ResidentId(id) => id.as_str(),
        }
    }

    pub fn is_natural_person(&self) -> bool {
        matches!(self, Self::ResidentId(_))
    }

    /// What may be shown: a USCC in full (it is public), an ID number masked.
    pub fn for_display(&self) -> String {
        match self {
            Self::Uscc(u) => u.as_str().to_string(),
            Self::ResidentId(id) => id.masked(),
        }
    }

    /// The suggested subject kind: from characters 1-2 of a USCC, or
    /// natural person for an ID number.
    pub fn suggested_subject_kind(&self) -> SubjectKind {
        match self {
            Self::Uscc(u) => u.suggested_subject_kind(),
            Self::ResidentId(_) => SubjectKind::NaturalPerson,
        }
    }
}

impl fmt::Display for SubjectIdentifier {
    /// Display is the shareable form: ID numbers are masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.for_display())
    }
}

impl Serialize for SubjectIdentifier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SubjectIdentifier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        SubjectIdentifier::parse_any(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_any_picks_the_right_kind() {
        assert!(matches!(
            SubjectIdentifier::parse_any("91110000600037341L"),
            Ok(SubjectIdentifier::Uscc(_))
        ));
        let id = SubjectIdentifier::parse_any("11010519491231002X").unwrap();
        assert!(id.is_natural_person());
        assert_eq!(id.for_display(), "110105********002X");
        assert_eq!(id.to_string(), "110105********002X");
        assert_eq!(id.suggested_subject_kind(), SubjectKind::NaturalPerson);
    }

    #[test]
    fn parse_any_gives_the_better_error() {
        // ID-shaped with a wrong check digit: the ID error.
        assert_eq!(
            SubjectIdentifier::parse_any("110105194912310021").unwrap_err(),
            IdentifierError::CheckDigit {
                expected: 'X',
                found: '1'
            }
        );
        // USCC-shaped with a wrong check character: the USCC error.
        assert_eq!(
            SubjectIdentifier::parse_any("91110000600037341X").unwrap_err(),
            IdentifierError::CheckCharacter {
                expected: 'L',
                found: 'X'
            }
        );
        assert_eq!(
            SubjectIdentifier::parse_any("350102900307123").unwrap_err(),
            IdentifierError::Legacy15
        );
        assert_eq!(
            SubjectIdentifier::parse_any("12345").unwrap_err().code(),
            "IDENTIFIER_LENGTH"
        );
        // A bad birth date in an ID-shaped string is reported as such.
        assert_eq!(
            SubjectIdentifier::parse_any("11010519491331002X")
                .unwrap_err()
                .code(),
            "ID_BIRTH_DATE"
        );
    }

    #[test]
    fn ambiguous_strings_are_people() {
        // Find an ID number from 衡水 (131102) that is also a valid USCC.
        let birth = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        let both = (0..1000)
            .filter_map(|seq| ResidentId::from_parts("131102", birth, seq).ok())
            .find(|id| Uscc::parse(id.as_str()).is_ok())
            .expect("about one in 31 collides");
        let s = both.as_str();
        assert!(SubjectIdentifier::is_ambiguous(s));
        assert!(SubjectIdentifier::parse_any(s).unwrap().is_natural_person());
        assert!(matches!(
            SubjectIdentifier::parse_as(SubjectKind::SocialOrg, s),
            Ok(SubjectIdentifier::Uscc(_))
        ));
        assert!(
            SubjectIdentifier::parse_as(SubjectKind::NaturalPerson, s)
                .unwrap()
                .is_natural_person()
        );
        assert!(!SubjectIdentifier::is_ambiguous("91110000600037341L"));
    }

    #[test]
    fn every_error_code_is_listed() {
        let samples = [
            SubjectIdentifier::parse_any("").unwrap_err(),
            Uscc::parse("1").unwrap_err(),
            Uscc::parse("9111000060003734IL").unwrap_err(),
            Uscc::parse("B1110000600037341L").unwrap_err(),
            Uscc::parse("94110000600037341L").unwrap_err(),
            Uscc::parse("91990000600037341L").unwrap_err(),
            Uscc::parse("91110000600037341X").unwrap_err(),
            ResidentId::parse("350102900307123").unwrap_err(),
            ResidentId::parse("99010519491231002X").unwrap_err(),
            ResidentId::parse("11010519490230002X").unwrap_err(),
        ];
        for e in samples {
            assert!(IdentifierError::ALL_CODES.contains(&e.code()), "{e:?}");
        }
    }
}
