//! Hostile input for the identifier parsers: a large deterministic corpus
//! of random and adversarial strings (random bytes, near-valid codes with
//! mutations, Unicode look-alikes, control and bidi characters, very long
//! inputs). For every input the parsers must return, never panic; an
//! accepted identifier must pass a check computed here independently of the
//! parser and parse back to itself; a rejection must carry a documented
//! error code. `HOSTILE_CORPUS=<n>` sets the corpus size (default 100,000;
//! docs/reliability.md runs 5,000,000).

use domain::identifier::{
    ID_WEIGHTS, IdentifierError, ResidentId, SubjectIdentifier, USCC_ALPHABET, Uscc,
};

/// splitmix64: the same corpus on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const NASTY: &[char] = &[
    '\u{0}',
    '\u{7f}',
    '\u{200b}',
    '\u{200e}',
    '\u{202e}',
    '\u{feff}',
    '\u{0301}',
    '\u{ff10}',
    '\u{ff21}',
    '\u{ff38}',
    'Ｘ',
    'x',
    'O',
    'I',
    'Z',
    'S',
    'V',
    '\n',
    '\t',
    ' ',
    '　',
    '-',
    '信',
    '𝟘',
    'ß',
    'İ',
    '\u{fffd}',
    '\u{10ffff}',
];

fn random_uscc_like(rng: &mut Rng) -> String {
    let alphabet: Vec<char> = USCC_ALPHABET.chars().collect();
    (0..18)
        .map(|_| alphabet[rng.below(alphabet.len())])
        .collect()
}

fn random_id_like(rng: &mut Rng) -> String {
    let mut s: String = (0..17)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect();
    s.push(if rng.below(11) == 0 {
        'X'
    } else {
        char::from(b'0' + rng.below(10) as u8)
    });
    s
}

fn valid_uscc(rng: &mut Rng) -> String {
    // A body that the parser's structural rules accept: 91 (enterprise),
    // a Fujian region, then nine characters of the alphabet.
    let alphabet: Vec<char> = USCC_ALPHABET.chars().collect();
    let mut body = String::from("91350");
    body.push(char::from(b'1' + rng.below(9) as u8));
    body.push_str("00");
    for _ in 0..9 {
        body.push(alphabet[rng.below(alphabet.len())]);
    }
    Uscc::from_body(&body)
        .map(|u| u.as_str().to_string())
        .unwrap_or(body)
}

fn valid_id(rng: &mut Rng) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1950, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(rng.below(20_000) as u64)))
        .unwrap_or_default();
    ResidentId::from_parts("350102", birth, rng.below(1000) as u16)
        .map(|r| r.as_str().to_string())
        .unwrap_or_default()
}

fn mutate(rng: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for _ in 0..1 + rng.below(3) {
        match rng.below(6) {
            0 if !chars.is_empty() => {
                let i = rng.below(chars.len());
                chars[i] = NASTY[rng.below(NASTY.len())];
            }
            1 => {
                let i = rng.below(chars.len() + 1);
                chars.insert(i, NASTY[rng.below(NASTY.len())]);
            }
            2 if !chars.is_empty() => {
                chars.remove(rng.below(chars.len()));
            }
            3 if chars.len() > 1 => {
                let i = rng.below(chars.len() - 1);
                chars.swap(i, i + 1);
            }
            4 if !chars.is_empty() => {
                let i = rng.below(chars.len());
                chars[i] = char::from(b'0' + rng.below(10) as u8);
            }
            _ => {
                let i = rng.below(chars.len() + 1);
                chars.insert(
                    i,
                    char::from_u32(rng.next() as u32 % 0x3_0000).unwrap_or('?'),
                );
            }
        }
    }
    chars.into_iter().collect()
}

fn input(rng: &mut Rng, i: usize) -> String {
    match i % 9 {
        0 => {
            let n = rng.below(40);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        1 => random_uscc_like(rng),
        2 => random_id_like(rng),
        3 => {
            let v = valid_uscc(rng);
            mutate(rng, &v)
        }
        4 => {
            let v = valid_id(rng);
            mutate(rng, &v)
        }
        5 => valid_uscc(rng),
        6 => valid_id(rng),
        7 => {
            // Long input: the parser must not spend time in proportion to it.
            let unit = if rng.below(2) == 0 {
                "9"
            } else {
                "信\u{202e}"
            };
            unit.repeat(1 + rng.below(20_000))
        }
        _ => {
            let n = rng.below(24);
            (0..n).map(|_| NASTY[rng.below(NASTY.len())]).collect()
        }
    }
}

/// The USCC check character, computed here (GB 32100-2015: weights
/// 3^i mod 31, check = 31 - sum mod 31) rather than by the parser.
fn uscc_check_ok(code: &str) -> bool {
    let alphabet: Vec<char> = USCC_ALPHABET.chars().collect();
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return false;
    }
    let mut sum = 0u32;
    let mut w = 1u32;
    for c in &chars[..17] {
        let Some(v) = alphabet.iter().position(|a| a == c) else {
            return false;
        };
        sum += v as u32 * w;
        w = w * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    chars[17] == alphabet[check as usize]
}

/// The ID number check digit (GB 11643-1999, ISO 7064 MOD 11-2), computed here.
fn id_check_ok(number: &str) -> bool {
    let b = number.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    b[17] == b"10X98765432"[(sum % 11) as usize]
}

fn corpus_size() -> usize {
    std::env::var("HOSTILE_CORPUS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn known_code(e: &IdentifierError) -> bool {
    IdentifierError::ALL_CODES.contains(&e.code())
}

#[test]
fn hostile_corpus_never_panics_and_accepts_only_valid_identifiers() {
    let mut rng = Rng(0x005E_ED1D);
    let (mut uscc_ok, mut id_ok, mut rejected) = (0usize, 0usize, 0usize);
    for i in 0..corpus_size() {
        let s = input(&mut rng, i);
        match Uscc::parse(&s) {
            Ok(u) => {
                uscc_ok += 1;
                assert!(
                    uscc_check_ok(u.as_str()),
                    "accepted a bad USCC {s:?} as {}",
                    u.as_str()
                );
                assert_eq!(Uscc::parse(u.as_str()).ok().as_ref(), Some(&u), "{s:?}");
            }
            Err(e) => {
                rejected += 1;
                assert!(known_code(&e), "undocumented code {} for {s:?}", e.code());
            }
        }
        match ResidentId::parse(&s) {
            Ok(id) => {
                id_ok += 1;
                assert!(id_check_ok(id.as_str()), "accepted a bad ID number {s:?}");
                assert_eq!(ResidentId::parse(id.as_str()).ok().as_ref(), Some(&id));
                // The mask never shows the birth date.
                assert!(
                    !id.masked().contains(&id.as_str()[6..14]),
                    "{}",
                    id.masked()
                );
            }
            Err(e) => assert!(known_code(&e), "undocumented code {} for {s:?}", e.code()),
        }
        match SubjectIdentifier::parse_any(&s) {
            Ok(SubjectIdentifier::Uscc(u)) => assert!(uscc_check_ok(u.as_str())),
            Ok(SubjectIdentifier::ResidentId(id)) => assert!(id_check_ok(id.as_str())),
            Err(e) => assert!(known_code(&e)),
        }
    }
    // The corpus reaches both sides of every parser.
    assert!(
        uscc_ok > 0 && id_ok > 0 && rejected > 0,
        "{uscc_ok} {id_ok} {rejected}"
    );
}
