//! Unified Social Credit Code (统一社会信用代码), GB 32100-2015.
//!
//! ```text
//!  9 1 350100 M000100Y4 3
//!  | | |      |         `- 18: check character, ISO 7064 MOD 31-3 style (weights 3^i mod 31)
//!  | | |      `----------- 9-17: subject identifier = organisation code (GB 11714)
//!  | | `------------------ 3-8: registration region code (GB/T 2260)
//!  | `-------------------- 2: organisation type, meaning depends on character 1
//!  `---------------------- 1: registration authority
//! ```
//!
//! Alphabet: digits and capital letters except I, O, S, V, Z (31 symbols,
//! so the check works modulo the prime 31).
//!
//! **Embedded organisation-code check (GB 11714) — not enforced.** Characters
//! 9-17 are meant to be a GB 11714 organisation code with its own check digit
//! (weights 3,7,9,10,5,8,4,2, mod 11). `parse` does not reject a code whose
//! embedded check digit is wrong, because:
//! 1. the 18th character already covers all 17 preceding characters, so every
//!    single substitution and adjacent transposition inside 9-17 is caught
//!    anyway (see the proof on [`check_character`]); the embedded digit only
//!    adds a second chance against multi-character errors;
//! 2. real registrations do not always follow the standards: codes issued in
//!    Xiamen (Fujian) before 2016 are known to fail even the GB 32100 check
//!    (hutool issue #4119, `91350203M0001QKT19`), so a second, stricter
//!    check would raise the risk of refusing a real subject — which blocks a
//!    provider's submission — for a small gain.
//!
//! [`Uscc::embedded_org_code_conforms`] reports the embedded check for
//! information (e.g. a data-quality warning). Codes that fail the GB 32100
//! check but are confirmed real by staff can be admitted through
//! [`Uscc::parse_nonconforming`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::IdentifierError;
use super::region::{NATIONAL_REGION_CODE, is_province_code};
use super::subject_kind::SubjectKind;

/// The 31 characters of GB 32100 in value order (value = index).
pub const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weight of character i (1-based i = 1..=17) is 3^(i-1) mod 31.
pub const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

const CHARSET_EXPECTED: &str = "a digit or a capital letter other than I, O, S, V, Z";

/// Where a (registration authority, organisation type) pair comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CategorySource {
    /// GB 32100-2015 Appendix A as published with the 2015 roll-out and
    /// its 2016-2018 additions (A: military, N: agriculture), reproduced
    /// consistently by several public sources.
    Gb32100,
    /// Assigned later by the code authority (e.g. G: public security for
    /// overseas NGO representative offices under the 2017 Overseas NGO Law,
    /// J: owners' assemblies, Q: overseas Chinese federations). Seen in a
    /// 2025 third-party code table, not in the standard text: accepted so
    /// that real subjects are not refused, flagged for review.
    LaterAssignment,
}

/// One row of the registration authority / organisation type table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UsccCategory {
    pub authority: char,
    pub org_type: char,
    pub authority_zh: &'static str,
    pub authority_en: &'static str,
    pub type_zh: &'static str,
    pub type_en: &'static str,
    /// The platform subject kind this type most likely is; a suggestion
    /// that staff can override.
    pub kind: SubjectKind,
    pub source: CategorySource,
}

macro_rules! cat {
    ($a:literal, $t:literal, $azh:literal, $aen:literal, $tzh:literal, $ten:literal, $kind:ident, $src:ident) => {
        UsccCategory {
            authority: $a,
            org_type: $t,
            authority_zh: $azh,
            authority_en: $aen,
            type_zh: $tzh,
            type_en: $ten,
            kind: SubjectKind::$kind,
            source: CategorySource::$src,
        }
    };
}

/// Registration authorities and their organisation types.
///
/// The kind mapping: government organs → government_body; bodies staffed
/// or sponsored by the state (事业单位, notaries, arbitration commissions,
/// judicial appraisal, legal-service offices, military institutions) →
/// public_institution; market entities and economic organisations (SAMR
/// registrations, law firms, rural collective economic organisations) →
/// enterprise; individual businesses → individual_business; every other
/// non-commercial organisation (social organisations, religious bodies,
/// trade unions, foreign representative offices, owners' assemblies,
/// village/resident committees, "other") → social_org, the platform's kind
/// for "其他组织".
pub const USCC_CATEGORIES: &[UsccCategory] = &[
    cat!(
        '1',
        '1',
        "机构编制",
        "Establishment office",
        "机关",
        "Government organ",
        GovernmentBody,
        Gb32100
    ),
    cat!(
        '1',
        '2',
        "机构编制",
        "Establishment office",
        "事业单位",
        "Public institution",
        PublicInstitution,
        Gb32100
    ),
    cat!(
        '1',
        '3',
        "机构编制",
        "Establishment office",
        "中央编办直接管理机构编制的群众团体",
        "Mass organisation staffed by the central establishment office",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '1',
        '9',
        "机构编制",
        "Establishment office",
        "其他",
        "Other",
        PublicInstitution,
        Gb32100
    ),
    cat!(
        '2',
        '1',
        "外交",
        "Foreign affairs",
        "外国常驻新闻机构",
        "Resident foreign news agency",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '2',
        '9',
        "外交",
        "Foreign affairs",
        "其他",
        "Other",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '3',
        '1',
        "司法行政",
        "Judicial administration",
        "律师执业机构",
        "Law firm",
        Enterprise,
        Gb32100
    ),
    cat!(
        '3',
        '2',
        "司法行政",
        "Judicial administration",
        "公证处",
        "Notary office",
        PublicInstitution,
        Gb32100
    ),
    cat!(
        '3',
        '3',
        "司法行政",
        "Judicial administration",
        "基层法律服务所",
        "Basic legal service office",
        PublicInstitution,
        Gb32100
    ),
    cat!(
        '3',
        '4',
        "司法行政",
        "Judicial administration",
        "司法鉴定机构",
        "Judicial appraisal institution",
        PublicInstitution,
        Gb32100
    ),
    cat!(
        '3',
        '5',
        "司法行政",
        "Judicial administration",
        "仲裁委员会",
        "Arbitration commission",
        PublicInstitution,
        Gb32100
    ),
    cat!(
        '3',
        '6',
        "司法行政",
        "Judicial administration",
        "商事调解组织",
        "Commercial mediation organisation",
        SocialOrg,
        LaterAssignment
    ),
    cat!(
        '3',
        '9',
        "司法行政",
        "Judicial administration",
        "其他",
        "Other",
        PublicInstitution,
        Gb32100
    ),
    cat!(
        '4',
        '1',
        "文化",
        "Culture",
        "外国在华文化中心",
        "Foreign cultural centre in China",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '4', '9', "文化", "Culture", "其他", "Other", SocialOrg, Gb32100
    ),
    cat!(
        '5',
        '1',
        "民政",
        "Civil affairs",
        "社会团体",
        "Social association",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '5',
        '2',
        "民政",
        "Civil affairs",
        "民办非企业单位",
        "Private non-enterprise unit",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '5',
        '3',
        "民政",
        "Civil affairs",
        "基金会",
        "Foundation",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '5',
        '4',
        "民政",
        "Civil affairs",
        "村民委员会",
        "Villagers' committee",
        SocialOrg,
        LaterAssignment
    ),
    cat!(
        '5',
        '5',
        "民政",
        "Civil affairs",
        "居民委员会",
        "Residents' committee",
        SocialOrg,
        LaterAssignment
    ),
    cat!(
        '5',
        '9',
        "民政",
        "Civil affairs",
        "其他",
        "Other",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '6',
        '1',
        "旅游",
        "Tourism",
        "外国旅游部门常驻代表机构",
        "Representative office of a foreign tourism authority",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '6',
        '2',
        "旅游",
        "Tourism",
        "港澳台地区旅游部门常驻内地（大陆）代表机构",
        "Representative office of a Hong Kong, Macao or Taiwan tourism authority",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '6', '9', "旅游", "Tourism", "其他", "Other", SocialOrg, Gb32100
    ),
    cat!(
        '7',
        '1',
        "宗教",
        "Religious affairs",
        "宗教活动场所",
        "Venue for religious activities",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '7',
        '2',
        "宗教",
        "Religious affairs",
        "宗教院校",
        "Religious college",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '7',
        '9',
        "宗教",
        "Religious affairs",
        "其他",
        "Other",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '8',
        '1',
        "工会",
        "Trade unions",
        "基层工会",
        "Grass-roots trade union",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '8',
        '2',
        "工会",
        "Trade unions",
        "非法人工会组织",
        "Trade union without legal personality",
        SocialOrg,
        LaterAssignment
    ),
    cat!(
        '8',
        '9',
        "工会",
        "Trade unions",
        "其他",
        "Other",
        SocialOrg,
        Gb32100
    ),
    cat!(
        '9',
        '1',
        "工商（市场监管）",
        "Market regulation",
        "企业",
        "Enterprise",
        Enterprise,
        Gb32100
    ),
    cat!(
        '9',
        '2',
        "工商（市场监管）",
        "Market regulation",
        "个体工商户",
        "Individual business",
        IndividualBusiness,
        Gb32100
    ),
    cat!(
        '9',
        '3',
        "工商（市场监管）",
        "Market regulation",
        "农民专业合作社",
        "Farmers' specialised cooperative",
        Enterprise,
        Gb32100
    ),
    cat!(
        '9',
        '9',
        "工商（市场监管）",
        "Market regulation",
        "其他",
        "Other",
        Enterprise,
        LaterAssignment
    ),
    cat!(
        'A',
        '1',
        "中央军委改革和编制办公室",
        "CMC reform and establishment office",
        "军队事业单位",
        "Military public institution",
        PublicInstitution,
        Gb32100
    ),
    cat!(
        'A',
        '9',
        "中央军委改革和编制办公室",
        "CMC reform and establishment office",
        "其他",
        "Other",
        PublicInstitution,
        Gb32100
    ),
    cat!(
        'G',
        '1',
        "公安",
        "Public security",
        "境外非政府组织代表机构",
        "Representative office of an overseas NGO",
        SocialOrg,
        LaterAssignment
    ),
    cat!(
        'G',
        '9',
        "公安",
        "Public security",
        "其他",
        "Other",
        SocialOrg,
        LaterAssignment
    ),
    cat!(
        'J',
        '1',
        "住房城乡建设",
        "Housing and urban-rural development",
        "业主大会",
        "Owners' assembly",
        SocialOrg,
        LaterAssignment
    ),
    cat!(
        'J',
        '9',
        "住房城乡建设",
        "Housing and urban-rural development",
        "其他",
        "Other",
        SocialOrg,
        LaterAssignment
    ),
    cat!(
        'N',
        '1',
        "农业农村",
        "Agriculture and rural affairs",
        "组级集体经济组织",
        "Group-level collective economic organisation",
        Enterprise,
        Gb32100
    ),
    cat!(
        'N',
        '2',
        "农业农村",
        "Agriculture and rural affairs",
        "村级集体经济组织",
        "Village-level collective economic organisation",
        Enterprise,
        Gb32100
    ),
    cat!(
        'N',
        '3',
        "农业农村",
        "Agriculture and rural affairs",
        "乡镇级集体经济组织",
        "Township-level collective economic organisation",
        Enterprise,
        Gb32100
    ),
    cat!(
        'N',
        '9',
        "农业农村",
        "Agriculture and rural affairs",
        "其他",
        "Other",
        Enterprise,
        Gb32100
    ),
    cat!(
        'Q',
        '1',
        "侨联",
        "Overseas Chinese federation",
        "区县级侨联组织",
        "County-level federation",
        SocialOrg,
        LaterAssignment
    ),
    cat!(
        'Q',
        '2',
        "侨联",
        "Overseas Chinese federation",
        "乡镇级侨联组织",
        "Township-level federation",
        SocialOrg,
        LaterAssignment
    ),
    cat!(
        'Q',
        '3',
        "侨联",
        "Overseas Chinese federation",
        "村级侨联组织",
        "Village-level federation",
        SocialOrg,
        LaterAssignment
    ),
    cat!(
        'Q',
        '9',
        "侨联",
        "Overseas Chinese federation",
        "其他",
        "Other",
        SocialOrg,
        LaterAssignment
    ),
    cat!(
        'Y', '1', "其他", "Other", "其他", "Other", SocialOrg, Gb32100
    ),
];

const KNOWN_AUTHORITIES: &str = "1-9, A, G, J, N, Q, Y";

/// Value of a character in the GB 32100 alphabet.
fn value_of(c: char) -> Option<u32> {
    USCC_ALPHABET.find(c).map(|i| i as u32)
}

fn char_of(value: u32) -> char {
    // Values are always reduced mod 31 before this call.
    USCC_ALPHABET
        .as_bytes()
        .get(value as usize % 31)
        .map_or('0', |b| *b as char)
}

/// The check character for a 17-character body already known to be in
/// the alphabet.
///
/// Why single substitutions and adjacent transpositions are always caught
/// (the property tests assert exactly this): with c18 chosen so that
/// Σ w_i·c_i + c18 ≡ 0 (mod 31), where w_i = 3^(i-1) and c18 has weight 1,
/// * a substitution c→c' at position i changes the sum by w_i·(c'-c);
///   31 is prime, w_i is a power of 3 (never ≡ 0) and 0 < |c'-c| < 31, so
///   the product is never ≡ 0;
/// * swapping distinct a, b at positions i, i+1 (i ≤ 16) changes it by
///   (a-b)(w_i - w_{i+1}) = (a-b)·w_i·(1-3) = -2·w_i·(a-b) ≢ 0;
/// * swapping positions 17 and 18 changes it by (a-b)(28-1) = 27(a-b) ≢ 0.
///
/// What it cannot catch: two or more changes whose weighted differences
/// cancel mod 31 (e.g. two independent typos), about 1 in 31 of them.
pub fn check_character(body: &str) -> Option<char> {
    let mut sum: u32 = 0;
    let mut count = 0;
    for (c, w) in body.chars().zip(USCC_WEIGHTS) {
        sum += value_of(c)? * w;
        count += 1;
    }
    if count != 17 || body.chars().count() != 17 {
        return None;
    }
    Some(char_of((31 - sum % 31) % 31))
}

/// GB 11714 check digit of an 8-character organisation-code body.
fn org_code_check(body8: &str) -> Option<char> {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let mut sum = 0;
    for (c, w) in body8.chars().zip(W) {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10)?,
    })
}

/// A Unified Social Credit Code, validated. Public information: not masked.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc {
    code: String,
    conforms: bool,
}

fn normalise(input: &str) -> String {
    input.trim().to_ascii_uppercase()
}

fn category(authority: char, org_type: char) -> Option<&'static UsccCategory> {
    USCC_CATEGORIES
        .iter()
        .find(|c| c.authority == authority && c.org_type == org_type)
}

/// Checks characters 1-17 (everything but the check character).
fn check_body(body: &str) -> Result<(), IdentifierError> {
    for (i, c) in body.chars().enumerate() {
        let position = i + 1;
        if (3..=8).contains(&position) {
            if !c.is_ascii_digit() {
                return Err(IdentifierError::Charset {
                    position,
                    found: c,
                    expected: "a digit (characters 3-8 are the registration region code)",
                });
            }
        } else if value_of(c).is_none() {
            return Err(IdentifierError::Charset {
                position,
                found: c,
                expected: CHARSET_EXPECTED,
            });
        }
    }
    let mut chars = body.chars();
    let (Some(authority), Some(org_type)) = (chars.next(), chars.next()) else {
        return Err(IdentifierError::Length {
            expected: 17,
            found: body.chars().count(),
        });
    };
    let types: Vec<&UsccCategory> = USCC_CATEGORIES
        .iter()
        .filter(|c| c.authority == authority)
        .collect();
    let Some(first) = types.first() else {
        return Err(IdentifierError::UsccAuthority {
            found: authority,
            known: KNOWN_AUTHORITIES,
        });
    };
    if category(authority, org_type).is_none() {
        let known = types
            .iter()
            .map(|c| c.org_type.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(IdentifierError::UsccOrgType {
            authority,
            authority_name: first.authority_en,
            found: org_type,
            known,
        });
    }
    let region = body.get(2..8).unwrap_or_default();
    let province = region.get(..2).unwrap_or_default();
    if region != NATIONAL_REGION_CODE && !is_province_code(province) {
        return Err(IdentifierError::UsccRegion {
            code: region.to_string(),
        });
    }
    Ok(())
}

impl Uscc {
    /// Parses and validates a code: trims, upper-cases, then checks length,
    /// alphabet, authority and type, region and the check character.
    pub fn parse(input: &str) -> Result<Uscc, IdentifierError> {
        let code = Self::parse_structure(input)?;
        let (body, found) = split_check(&code);
        let expected = check_character(body).unwrap_or('0');
        if expected != found {
            return Err(IdentifierError::CheckCharacter { expected, found });
        }
        Ok(Uscc {
            code,
            conforms: true,
        })
    }

    /// Like [`Uscc::parse`] but accepts a wrong check character. Only for a
    /// code that staff have confirmed in the issuing register although it
    /// does not follow GB 32100 (known case: Xiamen registrations before
    /// 2016). The result reports `check_conforms() == false`; record who
    /// confirmed it.
    pub fn parse_nonconforming(input: &str) -> Result<Uscc, IdentifierError> {
        let code = Self::parse_structure(input)?;
        let (body, found) = split_check(&code);
        let conforms = check_character(body) == Some(found);
        Ok(Uscc { code, conforms })
    }

    fn parse_structure(input: &str) -> Result<String, IdentifierError> {
        let code = normalise(input);
        if code.is_empty() {
            return Err(IdentifierError::Empty);
        }
        let len = code.chars().count();
        if len != 18 {
            return Err(IdentifierError::Length {
                expected: 18,
                found: len,
            });
        }
        // Length 18 in chars; the alphabet check below makes it ASCII, so
        // byte slicing afterwards is safe.
        let body: String = code.chars().take(17).collect();
        check_body(&body)?;
        let last = code.chars().last().unwrap_or(' ');
        if value_of(last).is_none() {
            return Err(IdentifierError::Charset {
                position: 18,
                found: last,
                expected: CHARSET_EXPECTED,
            });
        }
        Ok(code)
    }

    /// Builds a code from its first 17 characters, computing the check
    /// character (demo and benchmark data).
    pub fn from_body(body: &str) -> Result<Uscc, IdentifierError> {
        let body = normalise(body);
        if body.is_empty() {
            return Err(IdentifierError::Empty);
        }
        let len = body.chars().count();
        if len != 17 {
            return Err(IdentifierError::Length {
                expected: 17,
                found: len,
            });
        }
        check_body(&body)?;
        let check = check_character(&body).ok_or(IdentifierError::Length {
            expected: 17,
            found: len,
        })?;
        let mut code = body;
        code.push(check);
        Ok(Uscc {
            code,
            conforms: true,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// Character 1.
    pub fn registration_authority(&self) -> char {
        self.code.chars().next().unwrap_or('0')
    }

    /// Character 2.
    pub fn org_type(&self) -> char {
        self.code.chars().nth(1).unwrap_or('0')
    }

    /// The table row for characters 1-2 (always present for a parsed code).
    pub fn category(&self) -> Option<&'static UsccCategory> {
        category(self.registration_authority(), self.org_type())
    }

    /// Characters 3-8: where the registering authority sits.
    pub fn region_code(&self) -> &str {
        self.code.get(2..8).unwrap_or_default()
    }

    /// Characters 9-17: the organisation code (GB 11714).
    pub fn org_code(&self) -> &str {
        self.code.get(8..17).unwrap_or_default()
    }

    /// The check character (character 18).
    pub fn check_char(&self) -> char {
        self.code.chars().last().unwrap_or('0')
    }

    /// False only for codes admitted through [`Uscc::parse_nonconforming`]
    /// whose check character is wrong.
    pub fn check_conforms(&self) -> bool {
        self.conforms
    }

    /// Whether characters 9-17 carry a valid GB 11714 check digit.
    /// Informational: see the module documentation for why it is not
    /// enforced.
    pub fn embedded_org_code_conforms(&self) -> bool {
        let org = self.org_code();
        match (org.get(..8), org.chars().last()) {
            (Some(body8), Some(found)) => org_code_check(body8) == Some(found),
            _ => false,
        }
    }

    /// The platform subject kind this code most likely denotes (from
    /// characters 1-2); a suggestion for forms and imports.
    pub fn suggested_subject_kind(&self) -> SubjectKind {
        self.category().map_or(SubjectKind::SocialOrg, |c| c.kind)
    }
}

fn split_check(code: &str) -> (&str, char) {
    // Called only after parse_structure: 18 ASCII characters.
    let body = code.get(..17).unwrap_or_default();
    let check = code.chars().last().unwrap_or(' ');
    (body, check)
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

impl fmt::Debug for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.conforms {
            write!(f, "Uscc({})", self.code)
        } else {
            write!(f, "Uscc({}, nonconforming)", self.code)
        }
    }
}

impl FromStr for Uscc {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uscc::parse(s)
    }
}

impl AsRef<str> for Uscc {
    fn as_ref(&self) -> &str {
        &self.code
    }
}

impl Serialize for Uscc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code)
    }
}

impl<'de> Deserialize<'de> for Uscc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Uscc::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_real_codes_parse() {
        // Published examples (python-stdnum doctest; GitHub issue reports of
        // codes listed on the national register).
        for code in [
            "91110000600037341L",
            "12440600MB2C07549J",
            "92141127MA0KD1Y64A",
        ] {
            let uscc = Uscc::parse(code).expect(code);
            assert!(uscc.embedded_org_code_conforms(), "{code}");
        }
    }

    #[test]
    fn accessors() {
        let u = Uscc::parse(" 91110000600037341l ").unwrap();
        assert_eq!(u.as_str(), "91110000600037341L");
        assert_eq!(u.registration_authority(), '9');
        assert_eq!(u.org_type(), '1');
        assert_eq!(u.region_code(), "110000");
        assert_eq!(u.org_code(), "600037341");
        assert_eq!(u.check_char(), 'L');
        assert_eq!(u.suggested_subject_kind(), SubjectKind::Enterprise);
        assert_eq!(u.category().unwrap().type_zh, "企业");
    }

    #[test]
    fn check_character_error_names_both() {
        let err = Uscc::parse("91110000600037341X").unwrap_err();
        assert_eq!(
            err,
            IdentifierError::CheckCharacter {
                expected: 'L',
                found: 'X'
            }
        );
        assert_eq!(err.to_string(), "check character should be L, found X");
        assert_eq!(err.code(), "IDENTIFIER_CHECK");
    }

    #[test]
    fn xiamen_legacy_code_needs_nonconforming_path() {
        let code = "91350203M0001QKT19";
        let err = Uscc::parse(code).unwrap_err();
        assert_eq!(
            err,
            IdentifierError::CheckCharacter {
                expected: 'F',
                found: '9'
            }
        );
        let u = Uscc::parse_nonconforming(code).unwrap();
        assert!(!u.check_conforms());
        assert!(u.embedded_org_code_conforms());
        // Structure is still enforced on the lenient path.
        assert_eq!(
            Uscc::parse_nonconforming("X1350203M0001QKT19")
                .unwrap_err()
                .code(),
            "USCC_AUTHORITY"
        );
    }

    #[test]
    fn structural_errors() {
        assert_eq!(Uscc::parse("").unwrap_err(), IdentifierError::Empty);
        assert_eq!(
            Uscc::parse("9111000060003734").unwrap_err(),
            IdentifierError::Length {
                expected: 18,
                found: 16
            }
        );
        let e = Uscc::parse("9111000060003734IL").unwrap_err();
        assert_eq!(e.code(), "IDENTIFIER_CHARSET");
        assert_eq!(
            e.to_string(),
            "character 17 ('I') is not allowed: expected a digit or a capital letter other than I, O, S, V, Z"
        );
        let e = Uscc::parse("911A0000600037341L").unwrap_err();
        assert_eq!(e.code(), "IDENTIFIER_CHARSET");
        assert!(e.to_string().starts_with("character 4 ('A')"));
        let e = Uscc::parse("B1110000600037341L").unwrap_err();
        assert_eq!(e.code(), "USCC_AUTHORITY");
        let e = Uscc::parse("94110000600037341L").unwrap_err();
        assert_eq!(e.code(), "USCC_ORG_TYPE");
        assert_eq!(
            e.to_string(),
            "character 2 ('4') is not an organisation type registered by authority '9' \
             (Market regulation); expected one of 1, 2, 3, 9"
        );
        let e = Uscc::parse("91990000600037341L").unwrap_err();
        assert_eq!(e.code(), "USCC_REGION");
    }

    #[test]
    fn national_region_is_accepted() {
        let u = Uscc::from_body("11100000000013127").unwrap();
        assert_eq!(u.region_code(), "100000");
        assert_eq!(u.suggested_subject_kind(), SubjectKind::GovernmentBody);
        assert!(Uscc::from_body("11100100000013127").is_err());
    }

    #[test]
    fn from_body_round_trip_and_errors() {
        let u = Uscc::from_body("91110000600037341").unwrap();
        assert_eq!(u.as_str(), "91110000600037341L");
        assert_eq!(
            Uscc::from_body("9111000060003734").unwrap_err().code(),
            "IDENTIFIER_LENGTH"
        );
    }

    #[test]
    fn every_category_builds() {
        for c in USCC_CATEGORIES {
            let body = format!("{}{}350100MA2XXXXX1", c.authority, c.org_type);
            let u = Uscc::from_body(&body).unwrap();
            assert_eq!(u.category(), Some(c));
            assert_eq!(Uscc::parse(u.as_str()).unwrap(), u);
        }
    }

    #[test]
    fn serde_round_trip_validates() {
        let u = Uscc::parse("91110000600037341L").unwrap();
        let json = serde_json::to_string(&u).unwrap();
        assert_eq!(json, "\"91110000600037341L\"");
        assert_eq!(serde_json::from_str::<Uscc>(&json).unwrap(), u);
        let err = serde_json::from_str::<Uscc>("\"91110000600037341X\"").unwrap_err();
        assert!(
            err.to_string()
                .contains("check character should be L, found X")
        );
    }
}
