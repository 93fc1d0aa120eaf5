//! Consent (查询授权): a subject's authorisation for one agency to query its
//! non-public information for one purpose (docs/consent.md).
//!
//! The state a consent is in is **computed** from its stored facts and the
//! current instant, never waited for: a consent whose `valid_until` has come
//! is expired at that very instant, a one-time consent is exhausted by its
//! first use, a periodic one is exhausted for the rest of the calendar month
//! (Asia/Shanghai) once the month's cap is reached and usable again on the
//! first of the next month. A job may later write the computed state into
//! the stored `status`; nothing depends on it having run.
//!
//! ```text
//!   request (agency) ─▶ PENDING ─approve─▶ ACTIVE ◀─ grant (subject)
//!                         │ deny              │ ▲ renew: same id, later valid_until
//!                         ▼                   │ └────────┘
//!                       DENIED     last use ──┤── valid_until passes ─▶ EXPIRED
//!                                             ▼      (also from PENDING, EXHAUSTED)
//!                                         EXHAUSTED ── new month (periodic) ─▶ ACTIVE
//!   revoke (subject) from ACTIVE or EXHAUSTED ─▶ REVOKED
//!   final: REVOKED, EXPIRED, DENIED (and EXHAUSTED for one-time consents)
//! ```
//!
//! Pure: no I/O, no clock; `now` is always a parameter.

use std::fmt;

use chrono::{DateTime, Datelike, Days, Months, Utc};
use serde_json::Value;

use crate::rules::Unit;
use crate::time::{LEGAL_OFFSET, local_datetime};

/// The largest monthly cap a periodic consent may carry.
pub const MAX_MONTHLY_CAP: u32 = 100;

/// How often the agency may query under the consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// One query, then the consent is exhausted.
    OneTime,
    /// Up to `monthly_cap` queries per calendar month (Asia/Shanghai).
    Periodic { monthly_cap: u32 },
}

/// Where a consent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentStatus {
    /// Requested by an agency; waiting for the subject.
    Pending,
    /// Usable (from `valid_from`) until `valid_until`, within its uses.
    Active,
    /// Withdrawn by the subject; final.
    Revoked,
    /// `valid_until` has come; final.
    Expired,
    /// No uses left: for good (one-time) or until the next month (periodic).
    Exhausted,
    /// The subject refused the agency's request; final.
    Denied,
}

impl ConsentStatus {
    pub const ALL: [ConsentStatus; 6] = [
        ConsentStatus::Pending,
        ConsentStatus::Active,
        ConsentStatus::Revoked,
        ConsentStatus::Expired,
        ConsentStatus::Exhausted,
        ConsentStatus::Denied,
    ];

    /// The stored (snake_case) name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentStatus::Pending => "pending",
            ConsentStatus::Active => "active",
            ConsentStatus::Revoked => "revoked",
            ConsentStatus::Expired => "expired",
            ConsentStatus::Exhausted => "exhausted",
            ConsentStatus::Denied => "denied",
        }
    }

    /// No transition leaves this state.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ConsentStatus::Revoked | ConsentStatus::Expired | ConsentStatus::Denied
        )
    }
}

impl fmt::Display for ConsentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the state of a consent is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentFacts {
    /// The stored status (possibly stale: `effective_status` corrects it).
    pub status: ConsentStatus,
    pub mode: Mode,
    pub valid_from: DateTime<Utc>,
    /// Exclusive: at this instant the consent is expired.
    pub valid_until: DateTime<Utc>,
    /// Uses ever recorded.
    pub uses: u32,
    /// The month (`period_key`) `period_uses` counts; `None` before the first use.
    pub period_key: Option<String>,
    pub period_uses: u32,
}

/// The calendar month of an instant in Asia/Shanghai, e.g. `"2026-11"`:
/// the period a periodic consent's cap counts. The month turns at 00:00
/// Beijing time on the 1st (16:00 UTC on the last day of the month before).
pub fn period_key(now: DateTime<Utc>) -> String {
    let local = local_datetime(now);
    format!("{:04}-{:02}", local.year(), local.month())
}

/// Uses recorded in the month of `now` (0 when the last use was in an
/// earlier month).
pub fn uses_this_period(f: &ConsentFacts, now: DateTime<Utc>) -> u32 {
    match &f.period_key {
        Some(k) if *k == period_key(now) => f.period_uses,
        _ => 0,
    }
}

/// The state of a consent at `now`.
///
/// In order: a final stored state (revoked, denied, expired) stays; then
/// time — at `valid_until` and after, it is expired; then a pending request
/// stays pending; then uses — a used one-time consent, or a periodic one
/// that reached its cap in the current month, is exhausted; otherwise it is
/// active. (An active consent whose `valid_from` is still ahead is active
/// but not yet [`usable`].)
pub fn effective_status(f: &ConsentFacts, now: DateTime<Utc>) -> ConsentStatus {
    match f.status {
        ConsentStatus::Revoked | ConsentStatus::Denied | ConsentStatus::Expired => f.status,
        _ if now >= f.valid_until => ConsentStatus::Expired,
        ConsentStatus::Pending => ConsentStatus::Pending,
        ConsentStatus::Active | ConsentStatus::Exhausted => {
            let exhausted = match f.mode {
                Mode::OneTime => f.uses >= 1,
                Mode::Periodic { monthly_cap } => uses_this_period(f, now) >= monthly_cap,
            };
            if exhausted {
                ConsentStatus::Exhausted
            } else {
                ConsentStatus::Active
            }
        }
    }
}

/// Whether one more query may be made under the consent at `now`: it is
/// active and its validity has begun.
pub fn usable(f: &ConsentFacts, now: DateTime<Utc>) -> bool {
    effective_status(f, now) == ConsentStatus::Active && f.valid_from <= now
}

/// The facts after one more use at `now` (what the database's conditional
/// update does; the caller checks [`usable`] first).
pub fn record_use(f: &ConsentFacts, now: DateTime<Utc>) -> ConsentFacts {
    let key = period_key(now);
    let period_uses = if f.period_key.as_deref() == Some(key.as_str()) {
        f.period_uses.saturating_add(1)
    } else {
        1
    };
    ConsentFacts {
        uses: f.uses.saturating_add(1),
        period_key: Some(key),
        period_uses,
        ..f.clone()
    }
}

// ---------------------------------------------------------------------------
// Transitions

/// What a person or an agency asks to do with an existing consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Approve,
    Deny,
    Revoke,
    Renew,
}

/// A transition that the consent's current state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a consent that is {from} cannot be {}", action_past(*.action))]
pub struct TransitionError {
    pub action: Action,
    pub from: ConsentStatus,
}

fn action_past(a: Action) -> &'static str {
    match a {
        Action::Approve => "approved",
        Action::Deny => "denied",
        Action::Revoke => "revoked",
        Action::Renew => "renewed",
    }
}

impl TransitionError {
    /// Stable code for the API's user errors.
    pub fn code(&self) -> &'static str {
        match (self.action, self.from) {
            (Action::Approve | Action::Deny, _) => "CONSENT_NOT_PENDING",
            (Action::Revoke, ConsentStatus::Pending) => "CONSENT_PENDING",
            (Action::Revoke, _) => "CONSENT_NOT_REVOCABLE",
            (Action::Renew, _) => "CONSENT_NOT_RENEWABLE",
        }
    }
}

/// Checks that `action` may be taken on a consent whose effective state is
/// `from`:
///
/// - approve, deny: only a pending request (not yet expired);
/// - revoke: an active or exhausted consent (a pending request is denied
///   instead; final states stay as they are);
/// - renew: an active consent, or a periodic one exhausted for this month
///   (a used one-time consent has nothing left to renew).
pub fn check_transition(
    action: Action,
    from: ConsentStatus,
    mode: Mode,
) -> Result<(), TransitionError> {
    let ok = match action {
        Action::Approve | Action::Deny => from == ConsentStatus::Pending,
        Action::Revoke => matches!(from, ConsentStatus::Active | ConsentStatus::Exhausted),
        Action::Renew => {
            from == ConsentStatus::Active
                || (from == ConsentStatus::Exhausted && matches!(mode, Mode::Periodic { .. }))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(TransitionError { action, from })
    }
}

// ---------------------------------------------------------------------------
// Validity

/// `from` plus a rule's amount, counted on the local (Beijing) calendar:
/// months and years land on the same local day and time (the month's last
/// day when it has no such day: 2024-02-29 + 1 year = 2025-02-28), calendar
/// days on the same local time. Working days make no sense for a validity
/// and give `None`, as does an overflow.
pub fn add_period(from: DateTime<Utc>, amount: u32, unit: Unit) -> Option<DateTime<Utc>> {
    let local = from.with_timezone(&LEGAL_OFFSET);
    let end = match unit {
        Unit::Months => local.checked_add_months(Months::new(amount))?,
        Unit::Years => local.checked_add_months(Months::new(amount.checked_mul(12)?))?,
        Unit::CalendarDays => local.checked_add_days(Days::new(u64::from(amount)))?,
        Unit::WorkingDays => return None,
    };
    Some(end.with_timezone(&Utc))
}

// ---------------------------------------------------------------------------
// Canonical JSON

/// The canonical form of a JSON value that consent receipts are signed in
/// (docs/consent.md, "Canonical form"):
///
/// - object members sorted by key, comparing the keys' UTF-8 bytes (for the
///   ASCII keys receipts use, plain alphabetical order);
/// - no whitespace anywhere: `,` and `:` alone separate;
/// - strings as JSON strings with only `"`, `\` and control characters
///   escaped (`\b \f \n \r \t`, other controls as `\u00XX` in lower-case
///   hex); everything else, Chinese included, as raw UTF-8;
/// - numbers as integers (receipts hold no fractions); `true`, `false`, `null`.
///
/// This is what Python's `json.dumps(v, sort_keys=True,
/// separators=(",", ":"), ensure_ascii=False)` produces for the same value,
/// so a verifier can rebuild it in one line.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;
    use serde_json::json;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn facts(mode: Mode) -> ConsentFacts {
        ConsentFacts {
            status: ConsentStatus::Active,
            mode,
            valid_from: utc("2026-01-10T02:00:00Z"),
            valid_until: utc("2027-01-10T02:00:00Z"),
            uses: 0,
            period_key: None,
            period_uses: 0,
        }
    }

    #[test]
    fn period_key_turns_at_beijing_midnight() {
        assert_eq!(period_key(utc("2026-10-31T15:59:59.999999Z")), "2026-10");
        assert_eq!(period_key(utc("2026-10-31T16:00:00Z")), "2026-11");
        assert_eq!(period_key(utc("2026-12-31T16:00:00Z")), "2027-01");
        assert_eq!(period_key(utc("2026-12-31T15:59:59Z")), "2026-12");
    }

    #[test]
    fn valid_until_is_exclusive_to_the_instant() {
        let f = facts(Mode::OneTime);
        let end = f.valid_until;
        assert_eq!(
            effective_status(&f, end - Duration::nanoseconds(1)),
            ConsentStatus::Active
        );
        assert!(usable(&f, end - Duration::nanoseconds(1)));
        assert_eq!(effective_status(&f, end), ConsentStatus::Expired);
        assert!(!usable(&f, end));
        // A pending request lapses the same way.
        let p = ConsentFacts {
            status: ConsentStatus::Pending,
            ..f.clone()
        };
        assert_eq!(
            effective_status(&p, end - Duration::seconds(1)),
            ConsentStatus::Pending
        );
        assert_eq!(effective_status(&p, end), ConsentStatus::Expired);
        assert!(!usable(&p, end - Duration::seconds(1)));
    }

    #[test]
    fn not_usable_before_valid_from() {
        let f = facts(Mode::OneTime);
        let before = f.valid_from - Duration::nanoseconds(1);
        assert_eq!(effective_status(&f, before), ConsentStatus::Active);
        assert!(!usable(&f, before));
        assert!(usable(&f, f.valid_from));
    }

    #[test]
    fn one_time_is_exhausted_by_its_first_use() {
        let f = facts(Mode::OneTime);
        let now = utc("2026-02-01T00:00:00Z");
        assert!(usable(&f, now));
        let used = record_use(&f, now);
        assert_eq!(used.uses, 1);
        assert_eq!(effective_status(&used, now), ConsentStatus::Exhausted);
        // ... for good, also in a later month.
        assert_eq!(
            effective_status(&used, utc("2026-06-01T00:00:00Z")),
            ConsentStatus::Exhausted
        );
        assert_eq!(
            check_transition(Action::Renew, ConsentStatus::Exhausted, Mode::OneTime)
                .unwrap_err()
                .code(),
            "CONSENT_NOT_RENEWABLE"
        );
    }

    #[test]
    fn periodic_cap_resets_on_the_first_of_the_month_in_beijing() {
        let mut f = facts(Mode::Periodic { monthly_cap: 2 });
        let late_oct = utc("2026-10-31T15:00:00Z"); // 23:00 on 31 Oct in Beijing
        f = record_use(&f, late_oct);
        f = record_use(&f, late_oct);
        assert_eq!(f.period_key.as_deref(), Some("2026-10"));
        assert_eq!(effective_status(&f, late_oct), ConsentStatus::Exhausted);
        assert!(!usable(&f, utc("2026-10-31T15:59:59.999Z")));
        // 00:00 on 1 Nov in Beijing: a new month, the cap counts afresh.
        let nov = utc("2026-10-31T16:00:00Z");
        assert_eq!(uses_this_period(&f, nov), 0);
        assert!(usable(&f, nov));
        let g = record_use(&f, nov);
        assert_eq!(
            (g.period_key.as_deref(), g.period_uses, g.uses),
            (Some("2026-11"), 1, 3)
        );
        // A stored `exhausted` of a periodic consent is stale in a new month.
        let stale = ConsentFacts {
            status: ConsentStatus::Exhausted,
            ..f
        };
        assert_eq!(effective_status(&stale, nov), ConsentStatus::Active);
    }

    #[test]
    fn final_states_stay() {
        for s in [
            ConsentStatus::Revoked,
            ConsentStatus::Denied,
            ConsentStatus::Expired,
        ] {
            let f = ConsentFacts {
                status: s,
                ..facts(Mode::OneTime)
            };
            assert_eq!(effective_status(&f, utc("2026-03-01T00:00:00Z")), s);
            assert!(!usable(&f, utc("2026-03-01T00:00:00Z")));
            assert!(s.is_final());
        }
    }

    #[test]
    fn transitions() {
        use ConsentStatus::*;
        let p = Mode::Periodic { monthly_cap: 3 };
        assert!(check_transition(Action::Approve, Pending, Mode::OneTime).is_ok());
        assert!(check_transition(Action::Deny, Pending, Mode::OneTime).is_ok());
        assert_eq!(
            check_transition(Action::Approve, Expired, Mode::OneTime)
                .unwrap_err()
                .code(),
            "CONSENT_NOT_PENDING"
        );
        assert!(check_transition(Action::Revoke, Active, p).is_ok());
        assert!(check_transition(Action::Revoke, Exhausted, Mode::OneTime).is_ok());
        assert_eq!(
            check_transition(Action::Revoke, Pending, p)
                .unwrap_err()
                .code(),
            "CONSENT_PENDING"
        );
        for s in [Revoked, Expired, Denied] {
            assert_eq!(
                check_transition(Action::Revoke, s, p).unwrap_err().code(),
                "CONSENT_NOT_REVOCABLE"
            );
            assert!(check_transition(Action::Renew, s, p).is_err());
        }
        assert!(check_transition(Action::Renew, Active, Mode::OneTime).is_ok());
        assert!(check_transition(Action::Renew, Exhausted, p).is_ok());
        assert!(check_transition(Action::Renew, Pending, p).is_err());
        let e = check_transition(Action::Revoke, Denied, p).unwrap_err();
        assert_eq!(e.to_string(), "a consent that is denied cannot be revoked");
    }

    #[test]
    fn periods_on_the_beijing_calendar() {
        // 2024-02-29 10:00 Beijing + 1 year = 2025-02-28 10:00 Beijing.
        let from = utc("2024-02-29T02:00:00Z");
        assert_eq!(
            add_period(from, 1, Unit::Years),
            Some(utc("2025-02-28T02:00:00Z"))
        );
        // 2026-01-31 07:00 Beijing (23:00 UTC the day before) + 1 month = 2026-02-28 07:00.
        let from = utc("2026-01-30T23:00:00Z");
        assert_eq!(
            add_period(from, 1, Unit::Months),
            Some(utc("2026-02-27T23:00:00Z"))
        );
        assert_eq!(
            add_period(from, 3, Unit::CalendarDays),
            Some(utc("2026-02-02T23:00:00Z"))
        );
        assert_eq!(add_period(from, 3, Unit::WorkingDays), None);
        assert_eq!(add_period(from, u32::MAX, Unit::Years), None);
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a = json!({ "b": 1, "a": { "d": [1, { "z": true, "y": null }], "c": "x\"y" } });
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"c":"x\"y","d":[1,{"y":null,"z":true}]},"b":1}"#
        );
        let b: Value =
            serde_json::from_str(r#"{"a":{"d":[1,{"y":null,"z":true}],"c":"x\"y"},"b":1}"#)
                .unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
        // Chinese stays raw UTF-8; controls are escaped the way Python escapes them.
        assert_eq!(
            canonical_json(&json!({ "名称": "贷款申请\n\u{1f}/" })),
            "{\"名称\":\"贷款申请\\n\\u001f/\"}"
        );
        assert_eq!(canonical_json(&json!([])), "[]");
        assert_eq!(canonical_json(&json!({})), "{}");
        assert_eq!(canonical_json(&json!(-42)), "-42");
    }

    fn arb_instant() -> impl Strategy<Value = DateTime<Utc>> {
        // 2024-01-01 .. 2031-01-01, to the microsecond.
        (1_704_067_200_000_000i64..1_925_020_800_000_000i64)
            .prop_map(|us| Utc.timestamp_micros(us).single().unwrap())
    }

    fn arb_mode() -> impl Strategy<Value = Mode> {
        prop_oneof![
            Just(Mode::OneTime),
            (1u32..=MAX_MONTHLY_CAP).prop_map(|c| Mode::Periodic { monthly_cap: c }),
        ]
    }

    fn arb_status() -> impl Strategy<Value = ConsentStatus> {
        prop::sample::select(ConsentStatus::ALL.to_vec())
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "\\PC{0,8}".prop_map(Value::String),
            "[\\x00-\\x1f\"\\\\]{0,4}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{1,6}|\\PC{1,3}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn prop_expired_exactly_from_valid_until(
            status in arb_status(), mode in arb_mode(), from in arb_instant(),
            len_us in 1i64..100_000_000_000, uses in 0u32..5,
        ) {
            let until = from + Duration::microseconds(len_us);
            let f = ConsentFacts { status, mode, valid_from: from, valid_until: until, uses, period_key: None, period_uses: 0 };
            let at_end = effective_status(&f, until);
            if matches!(status, ConsentStatus::Revoked | ConsentStatus::Denied) {
                prop_assert_eq!(at_end, status);
            } else {
                prop_assert_eq!(at_end, ConsentStatus::Expired);
            }
            prop_assert!(!usable(&f, until));
            prop_assert!(!usable(&f, until + Duration::days(400)));
            let just_before = until - Duration::nanoseconds(1);
            if status == ConsentStatus::Active && mode == Mode::OneTime && uses == 0 {
                prop_assert!(usable(&f, just_before));
            }
        }

        #[test]
        fn prop_usable_means_active_and_begun(
            status in arb_status(), mode in arb_mode(), from in arb_instant(), now in arb_instant(),
            len_days in 1i64..1200, uses in 0u32..200, period_uses in 0u32..200, key_now in any::<bool>(),
        ) {
            let until = from + Duration::days(len_days);
            let key = if key_now { Some(period_key(now)) } else { Some("2000-01".to_string()) };
            let f = ConsentFacts { status, mode, valid_from: from, valid_until: until, uses, period_key: key, period_uses };
            if usable(&f, now) {
                prop_assert_eq!(effective_status(&f, now), ConsentStatus::Active);
                prop_assert!(from <= now && now < until);
                prop_assert!(matches!(status, ConsentStatus::Active | ConsentStatus::Exhausted));
            }
        }

        #[test]
        fn prop_periodic_cap_is_never_exceeded_within_a_month(
            cap in 1u32..20, from in arb_instant(), steps in prop::collection::vec(0i64..40_000, 1..80),
        ) {
            // Uses attempted at increasing instants: per month, at most `cap` succeed.
            let mut f = ConsentFacts {
                status: ConsentStatus::Active, mode: Mode::Periodic { monthly_cap: cap },
                valid_from: from, valid_until: from + Duration::days(3650),
                uses: 0, period_key: None, period_uses: 0,
            };
            let mut now = from;
            let mut per_month = std::collections::HashMap::<String, u32>::new();
            for s in steps {
                now += Duration::seconds(s * 60);
                if usable(&f, now) {
                    f = record_use(&f, now);
                    *per_month.entry(period_key(now)).or_default() += 1;
                }
            }
            for (_, n) in per_month {
                prop_assert!(n <= cap);
            }
        }

        #[test]
        fn prop_period_key_is_the_beijing_month(now in arb_instant()) {
            let local = crate::time::local_date(now);
            prop_assert_eq!(period_key(now), format!("{:04}-{:02}", local.year(), local.month()));
            let one_us = Duration::microseconds(1);
            // The key changes between two instants only across a Beijing month start.
            let (a, b) = (period_key(now), period_key(now + one_us));
            if a != b {
                let l = local_datetime(now + one_us);
                prop_assert_eq!((l.day(), l.hour_min_sec()), (1, (0, 0, 0)));
            }
        }

        #[test]
        fn prop_canonical_json_round_trips_and_ignores_key_order(v in arb_json()) {
            let c = canonical_json(&v);
            let back: Value = serde_json::from_str(&c).unwrap();
            prop_assert_eq!(&back, &v);
            prop_assert_eq!(canonical_json(&back), c.clone());
            // Compact: no whitespace between tokens (strings may hold any).
            prop_assert!(!outside_strings(&c).chars().any(char::is_whitespace), "{}", c);
        }
    }

    /// `json` with the contents of its string literals left out.
    fn outside_strings(json: &str) -> String {
        let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
        for ch in json.chars() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if ch == '\\' {
                    escaped = true;
                } else if ch == '"' {
                    in_string = false;
                    out.push(ch);
                }
            } else {
                in_string = ch == '"';
                out.push(ch);
            }
        }
        out
    }

    #[test]
    fn outside_strings_keeps_only_the_structure() {
        assert_eq!(
            outside_strings(r#"{"a":{"a":": , \" x"}}"#),
            r#"{"":{"":""}}"#
        );
        assert!(outside_strings("{\"a\": 1}").contains(' '));
    }

    trait HourMinSec {
        fn hour_min_sec(&self) -> (u32, u32, u32);
    }

    impl<Tz: chrono::TimeZone> HourMinSec for DateTime<Tz> {
        fn hour_min_sec(&self) -> (u32, u32, u32) {
            use chrono::Timelike;
            (self.hour(), self.minute(), self.second())
        }
    }
}
