//! Property tests for identifiers. The detection claims tested here are
//! exact, not probabilistic: the proofs are on `check_character` (mod 31)
//! and `check_digit` (ISO 7064 MOD 11-2). What neither scheme detects —
//! two or more errors whose weighted differences cancel — is not claimed.

use chrono::NaiveDate;
use domain::identifier::{
    IdentifierError, ResidentId, SubjectIdentifier, USCC_ALPHABET, USCC_CATEGORIES, Uscc,
    check_character, check_digit, region::PROVINCES,
};
use proptest::prelude::*;

fn uscc_body() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = USCC_ALPHABET.chars().collect();
    (
        0..USCC_CATEGORIES.len(),
        prop_oneof![
            Just("100000".to_string()),
            (0..PROVINCES.len(), 0u32..10_000)
                .prop_map(|(p, n)| format!("{}{n:04}", PROVINCES[p].0)),
        ],
        proptest::collection::vec(proptest::sample::select(alphabet), 9),
    )
        .prop_map(|(cat, region, org)| {
            let c = &USCC_CATEGORIES[cat];
            format!(
                "{}{}{region}{}",
                c.authority,
                c.org_type,
                org.into_iter().collect::<String>()
            )
        })
}

fn valid_uscc() -> impl Strategy<Value = Uscc> {
    uscc_body().prop_map(|b| Uscc::from_body(&b).expect("generated bodies are valid"))
}

fn birth_date() -> impl Strategy<Value = NaiveDate> {
    let min = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
    (0u64..(130 * 366)).prop_map(move |days| min + chrono::Days::new(days))
}

fn region() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..PROVINCES.len(), 0u32..10_000).prop_map(|(p, n)| format!("{}{n:04}", PROVINCES[p].0)),
        Just("830000".to_string()),
    ]
}

fn valid_id() -> impl Strategy<Value = ResidentId> {
    (region(), birth_date(), 0u16..1000)
        .prop_map(|(r, b, s)| ResidentId::from_parts(&r, b, s).expect("generated parts are valid"))
}

fn substitute(s: &str, i: usize, c: char) -> String {
    s.chars()
        .enumerate()
        .map(|(j, x)| if j == i { c } else { x })
        .collect()
}

fn transpose(s: &str, i: usize) -> String {
    let mut v: Vec<char> = s.chars().collect();
    v.swap(i, i + 1);
    v.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn uscc_from_body_parses_back(u in valid_uscc()) {
        let again = Uscc::parse(u.as_str()).unwrap();
        prop_assert_eq!(&again, &u);
        prop_assert_eq!(again.as_str().len(), 18);
        prop_assert_eq!(Uscc::parse(&u.as_str().to_lowercase()).unwrap(), u);
    }

    #[test]
    fn uscc_single_substitution_is_rejected(
        u in valid_uscc(),
        i in 0usize..18,
        c in proptest::sample::select(USCC_ALPHABET.chars().collect::<Vec<_>>()),
    ) {
        let original = u.as_str().chars().nth(i).unwrap();
        prop_assume!(c != original);
        let changed = substitute(u.as_str(), i, c);
        prop_assert!(Uscc::parse(&changed).is_err(), "{} accepted", changed);
        // The check character alone catches it (the structural checks may
        // report it first): Σ w·c + c18 ≢ 0 (mod 31).
        let body = &changed[..17];
        prop_assert_ne!(check_character(body), changed.chars().last());
    }

    #[test]
    fn uscc_adjacent_transposition_is_rejected(u in valid_uscc(), i in 0usize..17) {
        let chars: Vec<char> = u.as_str().chars().collect();
        prop_assume!(chars[i] != chars[i + 1]);
        let changed = transpose(u.as_str(), i);
        prop_assert!(Uscc::parse(&changed).is_err(), "{} accepted", changed);
        prop_assert_ne!(check_character(&changed[..17]), changed.chars().last());
    }

    #[test]
    fn id_from_parts_parses_back(id in valid_id()) {
        let again = ResidentId::parse(id.as_str()).unwrap();
        prop_assert_eq!(&again, &id);
        prop_assert_eq!(again.birth_date(), id.birth_date());
        prop_assert_eq!(again.region_code(), &id.as_str()[..6]);
    }

    #[test]
    fn id_single_substitution_is_rejected(
        id in valid_id(),
        i in 0usize..18,
        c in proptest::sample::select("0123456789X".chars().collect::<Vec<_>>()),
    ) {
        let original = id.as_str().chars().nth(i).unwrap();
        prop_assume!(c != original);
        let changed = substitute(id.as_str(), i, c);
        prop_assert!(ResidentId::parse(&changed).is_err(), "{} accepted", changed);
        // Where the result is still digits-then-check-symbol, MOD 11-2 alone
        // catches it.
        if changed[..17].bytes().all(|b| b.is_ascii_digit()) {
            prop_assert_ne!(check_digit(&changed[..17]), changed.chars().last());
        }
    }

    #[test]
    fn id_adjacent_transposition_is_rejected(id in valid_id(), i in 0usize..17) {
        let chars: Vec<char> = id.as_str().chars().collect();
        prop_assume!(chars[i] != chars[i + 1]);
        let changed = transpose(id.as_str(), i);
        prop_assert!(ResidentId::parse(&changed).is_err(), "{} accepted", changed);
    }

    #[test]
    fn masking_never_reveals_the_birth_date(id in valid_id()) {
        let masked = id.masked();
        let birth = id.birth_date().format("%Y%m%d").to_string();
        prop_assert!(!masked.contains(&birth));
        prop_assert_eq!(masked.chars().count(), 18);
        prop_assert_eq!(&masked[6..14], "********");
        let debug = format!("{:?}", id);
        prop_assert!(!debug.contains(&birth));
        let display = SubjectIdentifier::ResidentId(id).to_string();
        prop_assert!(!display.contains(&birth));
    }

    #[test]
    fn parse_never_panics(s in ".{0,40}") {
        let _ = Uscc::parse(&s);
        let _ = Uscc::parse_nonconforming(&s);
        let _ = Uscc::from_body(&s);
        let _ = ResidentId::parse(&s);
        let _ = SubjectIdentifier::parse_any(&s);
    }

    #[test]
    fn parse_never_panics_near_valid(s in "[0-9A-Za-z xX\u{4e00}\u{ff10}-\u{ff19}]{15,19}") {
        for r in [Uscc::parse(&s).err(), ResidentId::parse(&s).err(), SubjectIdentifier::parse_any(&s).err()]
            .into_iter()
            .flatten()
        {
            prop_assert!(IdentifierError::ALL_CODES.contains(&r.code()));
            prop_assert!(!r.to_string().is_empty());
        }
    }

    #[test]
    fn parse_any_accepts_both_kinds(u in valid_uscc(), id in valid_id()) {
        // A valid ID number is always read as one (even in the rare case
        // where it is also a valid USCC).
        prop_assert_eq!(SubjectIdentifier::parse_any(id.as_str()).unwrap(), SubjectIdentifier::ResidentId(id));
        // A USCC is read as one unless it is also a valid ID number.
        let parsed = SubjectIdentifier::parse_any(u.as_str()).unwrap();
        if ResidentId::parse(u.as_str()).is_err() {
            prop_assert_eq!(parsed, SubjectIdentifier::Uscc(u));
        }
    }
}
