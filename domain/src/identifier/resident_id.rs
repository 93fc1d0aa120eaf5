//! Citizen identity number (公民身份号码), GB 11643-1999: the 18-character
//! number on the Resident Identity Card.
//!
//! ```text
//!  350102 19900307 123 4
//!  |      |        |   `- 18: check digit, ISO 7064 MOD 11-2 (0-9 or X)
//!  |      |        `----- 15-17: sequence; 17th odd = male, even = female
//!  |      `-------------- 7-14: birth date YYYYMMDD
//!  `--------------------- 1-6: region of first registration (GB/T 2260)
//! ```
//!
//! The number is sensitive personal information (PIPL Art. 28): `Debug`
//! prints the masked form and there is no `Display`; use
//! [`ResidentId::as_str`] only where the full number is needed (encryption,
//! keyed hash) and [`ResidentId::masked`] for anything shown or logged.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::{BirthDateProblem, IdentifierError};
use super::region::{TAIWAN_RESIDENCE_PERMIT_PREFIX, is_province_code};

/// ISO 7064 MOD 11-2 weights 2^(18-i) mod 11 for i = 1..=17.
pub const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_DIGITS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Earliest accepted birth date.
pub const MIN_BIRTH_YEAR: i32 = 1900;

/// The check digit of 17 body digits.
///
/// Why single substitutions and adjacent transpositions are always caught
/// (the property tests assert exactly this): the full number satisfies
/// Σ_{i=1..18} a_i·2^(18-i) ≡ 1 (mod 11) with X = 10, so every position has
/// a weight 2^k mod 11 that is never 0 and neighbouring weights differ by a
/// factor 2.
/// * a substitution a→a' at any position changes the sum by w·(a'-a) with
///   0 < |a'-a| ≤ 10 < 11 and 11 prime: never ≡ 0;
/// * swapping distinct a, b at positions i, i+1 changes it by
///   (a-b)(w_i - w_{i+1}) = (a-b)·w_{i+1}·(2-1) ≢ 0; when the check digit
///   is X, moving it to position 17 is also a charset error.
///
/// What it cannot catch: two or more changes whose weighted differences
/// cancel mod 11 (roughly 1 in 11 of random multiple errors).
pub fn check_digit(body: &str) -> Option<char> {
    if body.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in body.chars().zip(ID_WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    CHECK_DIGITS.get((sum % 11) as usize).copied()
}

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId {
    number: String,
    birth: NaiveDate,
}

fn check_region(region: &str) -> Result<(), IdentifierError> {
    let province = region.get(..2).unwrap_or_default();
    if region.len() == 6
        && region.bytes().all(|b| b.is_ascii_digit())
        && (is_province_code(province) || province == TAIWAN_RESIDENCE_PERMIT_PREFIX)
    {
        Ok(())
    } else {
        Err(IdentifierError::IdRegion {
            code: region.to_string(),
            province: province.to_string(),
        })
    }
}

fn check_birth(digits: &str) -> Result<NaiveDate, IdentifierError> {
    let err = |problem| IdentifierError::BirthDate {
        digits: digits.to_string(),
        problem,
    };
    let year: i32 = digits
        .get(..4)
        .and_then(|s| s.parse().ok())
        .ok_or(err(BirthDateProblem::NotADate))?;
    let month: u32 = digits
        .get(4..6)
        .and_then(|s| s.parse().ok())
        .ok_or(err(BirthDateProblem::NotADate))?;
    let day: u32 = digits
        .get(6..8)
        .and_then(|s| s.parse().ok())
        .ok_or(err(BirthDateProblem::NotADate))?;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(err(BirthDateProblem::NotADate))?;
    if year < MIN_BIRTH_YEAR {
        return Err(err(BirthDateProblem::BeforeMinimum));
    }
    Ok(date)
}

impl ResidentId {
    /// Checks structure, region, a real birth date not before 1900 and the
    /// check digit. Does not know today's date: use [`ResidentId::parse_at`]
    /// on input from people, so a future birth date is refused too.
    pub fn parse(input: &str) -> Result<ResidentId, IdentifierError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(IdentifierError::Empty);
        }
        let len = s.chars().count();
        if len == 15 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentifierError::Legacy15);
        }
        if len != 18 {
            return Err(IdentifierError::Length {
                expected: 18,
                found: len,
            });
        }
        let mut number = String::with_capacity(18);
        for (i, c) in s.chars().enumerate() {
            let position = i + 1;
            match (position, c) {
                (_, '0'..='9') => number.push(c),
                (18, 'X' | 'x') => number.push('X'),
                (18, _) => {
                    return Err(IdentifierError::Charset {
                        position,
                        found: c,
                        expected: "a digit or X",
                    });
                }
                _ => {
                    return Err(IdentifierError::Charset {
                        position,
                        found: c,
                        expected: "a digit",
                    });
                }
            }
        }
        // All ASCII from here on.
        check_region(number.get(..6).unwrap_or_default())?;
        let birth = check_birth(number.get(6..14).unwrap_or_default())?;
        let body = number.get(..17).unwrap_or_default();
        let expected = check_digit(body).unwrap_or('0');
        let found = number.chars().last().unwrap_or(' ');
        if expected != found {
            return Err(IdentifierError::CheckDigit { expected, found });
        }
        Ok(ResidentId { number, birth })
    }

    /// [`ResidentId::parse`], and the birth date may not be after `today`
    /// (the platform's local date, passed in: the domain reads no clock).
    pub fn parse_at(input: &str, today: NaiveDate) -> Result<ResidentId, IdentifierError> {
        let id = Self::parse(input)?;
        if id.birth > today {
            return Err(IdentifierError::BirthDate {
                digits: id.number.get(6..14).unwrap_or_default().to_string(),
                problem: BirthDateProblem::InFuture,
            });
        }
        Ok(id)
    }

    /// Builds a number from a 6-digit region code, a birth date and a
    /// sequence number 0-999, computing the check digit (demo and benchmark
    /// data). Odd sequence numbers are male.
    pub fn from_parts(
        region: &str,
        birth: NaiveDate,
        seq: u16,
    ) -> Result<ResidentId, IdentifierError> {
        check_region(region)?;
        let year = birth.year();
        if !(MIN_BIRTH_YEAR..=9999).contains(&year) {
            return Err(IdentifierError::BirthDate {
                digits: birth.format("%Y%m%d").to_string(),
                // Years after 9999 do not fit in eight digits.
                problem: if year < MIN_BIRTH_YEAR {
                    BirthDateProblem::BeforeMinimum
                } else {
                    BirthDateProblem::NotADate
                },
            });
        }
        if seq > 999 {
            return Err(IdentifierError::Sequence { found: seq });
        }
        let mut number = format!("{region}{}{seq:03}", birth.format("%Y%m%d"));
        let check = check_digit(&number).ok_or(IdentifierError::Length {
            expected: 17,
            found: number.len(),
        })?;
        number.push(check);
        Ok(ResidentId { number, birth })
    }

    /// The full number. Sensitive: encrypt or hash it; never log it.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// Characters 1-6.
    pub fn region_code(&self) -> &str {
        self.number.get(..6).unwrap_or_default()
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    /// The 17th digit is odd for men, even for women (GB 11643 §4.3).
    pub fn is_male(&self) -> bool {
        self.number
            .chars()
            .nth(16)
            .and_then(|c| c.to_digit(10))
            .is_some_and(|d| d % 2 == 1)
    }

    /// `350102********1234`: region kept, birth date hidden, last four kept
    /// so that a person can recognise their own number.
    pub fn masked(&self) -> String {
        let head = self.number.get(..6).unwrap_or_default();
        let tail = self.number.get(14..).unwrap_or_default();
        format!("{head}********{tail}")
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({})", self.masked())
    }
}

impl FromStr for ResidentId {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResidentId::parse(s)
    }
}

impl Serialize for ResidentId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.number)
    }
}

impl<'de> Deserialize<'de> for ResidentId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        ResidentId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_and_reads_parts() {
        let id = ResidentId::from_parts("350102", d(1990, 3, 7), 123).unwrap();
        assert_eq!(id.as_str().len(), 18);
        let again = ResidentId::parse(id.as_str()).unwrap();
        assert_eq!(again, id);
        assert_eq!(id.region_code(), "350102");
        assert_eq!(id.birth_date(), d(1990, 3, 7));
        assert!(id.is_male());
        assert!(
            !ResidentId::from_parts("350102", d(1990, 3, 7), 124)
                .unwrap()
                .is_male()
        );
    }

    #[test]
    fn known_check_digits() {
        // GB 11643-1999 Appendix example and a widely used test number.
        assert_eq!(check_digit("11010519491231002"), Some('X'));
        assert!(ResidentId::parse("11010519491231002X").is_ok());
        assert!(ResidentId::parse("11010519491231002x").is_ok());
        assert_eq!(
            ResidentId::parse("11010519491231002x").unwrap().as_str(),
            "11010519491231002X"
        );
        assert_eq!(check_digit("44052418800101001"), Some('4'));
    }

    #[test]
    fn errors_are_specific() {
        let e = ResidentId::parse("350102900307123").unwrap_err();
        assert_eq!(e, IdentifierError::Legacy15);
        assert_eq!(e.code(), "ID_LEGACY_15");
        assert_eq!(
            e.to_string(),
            "15-digit legacy ID numbers are not accepted; use the 18-digit number"
        );

        let e = ResidentId::parse("11010519491231002Y").unwrap_err();
        assert_eq!(e.code(), "IDENTIFIER_CHARSET");
        assert_eq!(
            e.to_string(),
            "character 18 ('Y') is not allowed: expected a digit or X"
        );

        let e = ResidentId::parse("1101051949123100X2").unwrap_err();
        assert_eq!(
            e.to_string(),
            "character 17 ('X') is not allowed: expected a digit"
        );

        let e = ResidentId::parse("11010519491231002").unwrap_err();
        assert_eq!(e.code(), "IDENTIFIER_LENGTH");

        let e = ResidentId::parse("99010519491231002X").unwrap_err();
        assert_eq!(e.code(), "ID_REGION");

        let e = ResidentId::parse("11010519490230002X").unwrap_err();
        assert_eq!(e.code(), "ID_BIRTH_DATE");
        assert_eq!(
            e.to_string(),
            "characters 7-14 ('19490230') are not a real birth date (YYYYMMDD)"
        );

        let e = ResidentId::parse("110105189912310023").unwrap_err();
        assert_eq!(
            e,
            IdentifierError::BirthDate {
                digits: "18991231".into(),
                problem: BirthDateProblem::BeforeMinimum
            }
        );

        let e = ResidentId::parse("110105194912310021").unwrap_err();
        assert_eq!(
            e,
            IdentifierError::CheckDigit {
                expected: 'X',
                found: '1'
            }
        );
        assert_eq!(e.to_string(), "check digit should be X, found 1");
    }

    #[test]
    fn future_birth_dates_need_today() {
        let id = ResidentId::from_parts("350102", d(2026, 6, 1), 1).unwrap();
        assert!(ResidentId::parse(id.as_str()).is_ok());
        assert!(ResidentId::parse_at(id.as_str(), d(2026, 6, 1)).is_ok());
        let e = ResidentId::parse_at(id.as_str(), d(2026, 5, 31)).unwrap_err();
        assert_eq!(e.code(), "ID_BIRTH_DATE");
        assert!(e.to_string().ends_with("give a birth date in the future"));
    }

    #[test]
    fn taiwan_residence_permits_and_sar_codes() {
        assert!(ResidentId::from_parts("830000", d(1985, 1, 1), 5).is_ok());
        assert!(ResidentId::from_parts("810000", d(1985, 1, 1), 5).is_ok());
        assert_eq!(
            ResidentId::from_parts("840000", d(1985, 1, 1), 5)
                .unwrap_err()
                .code(),
            "ID_REGION"
        );
        assert_eq!(
            ResidentId::from_parts("350102", d(1985, 1, 1), 1000)
                .unwrap_err()
                .code(),
            "ID_SEQUENCE"
        );
    }

    #[test]
    fn masking_hides_birth_date_and_debug_is_masked() {
        let id = ResidentId::from_parts("350102", d(1990, 3, 7), 123).unwrap();
        let masked = id.masked();
        assert_eq!(masked, format!("350102********{}", &id.as_str()[14..]));
        assert!(!masked.contains("19900307"));
        assert_eq!(format!("{id:?}"), format!("ResidentId({masked})"));
    }

    #[test]
    fn serde_validates() {
        let id = ResidentId::parse("11010519491231002X").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<ResidentId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<ResidentId>("\"110105194912310021\"").is_err());
    }
}
