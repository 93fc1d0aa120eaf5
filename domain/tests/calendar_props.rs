//! Property tests for working-day arithmetic, against the built-in 2024-2026
//! calendar, with start dates from mid-2023 (before the loaded years) to
//! 2027 (after them).

use chrono::{Days, NaiveDate};
use domain::calendar::{Calendar, Dated};
use proptest::prelude::*;

fn start_date() -> impl Strategy<Value = NaiveDate> {
    let min = NaiveDate::from_ymd_opt(2023, 6, 1).unwrap();
    (0u64..(4 * 366 + 200)).prop_map(move |days| min + Days::new(days))
}

fn calendar() -> Calendar {
    Calendar::builtin()
}

/// Day-by-day reference count of working days in (a, b].
fn naive_between(cal: &Calendar, a: NaiveDate, b: NaiveDate) -> i64 {
    a.iter_days()
        .skip(1)
        .take_while(|d| *d <= b)
        .filter(|d| cal.is_working_day(*d).value)
        .count() as i64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn add_working_days_is_strictly_monotonic(start in start_date(), n in 0u32..300) {
        let cal = calendar();
        let a = cal.add_working_days(start, n);
        let b = cal.add_working_days(start, n + 1);
        prop_assert!(b.date > a.date);
        // Provisional never goes away by counting further.
        prop_assert!(!a.provisional || b.provisional);
    }

    #[test]
    fn add_working_days_lands_on_a_working_day(start in start_date(), n in 1u32..300) {
        let cal = calendar();
        let r = cal.add_working_days(start, n);
        prop_assert!(r.date > start);
        prop_assert!(cal.is_working_day(r.date).value);
    }

    #[test]
    fn between_inverts_add(start in start_date(), n in 0u32..300) {
        let cal = calendar();
        let r = cal.add_working_days(start, n);
        let between = cal.working_days_between(start, r.date);
        prop_assert_eq!(between.value, i64::from(n));
        prop_assert_eq!(cal.working_days_between(r.date, start).value, -i64::from(n));
        prop_assert_eq!(between.provisional, r.provisional);
    }

    #[test]
    fn between_matches_a_day_by_day_count(a in start_date(), b in start_date()) {
        let cal = calendar();
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let fast = cal.working_days_between(lo, hi);
        prop_assert_eq!(fast.value, naive_between(&cal, lo, hi));
        let provisional = lo
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= hi)
            .any(|d| cal.is_working_day(d).provisional);
        prop_assert_eq!(fast.provisional, provisional);
    }

    #[test]
    fn add_working_days_matches_day_by_day(start in start_date(), n in 0u32..120) {
        let cal = calendar();
        let mut d = start;
        let mut left = n;
        let mut provisional = false;
        while left > 0 {
            d = d.succ_opt().unwrap();
            let w = cal.is_working_day(d);
            provisional |= w.provisional;
            if w.value {
                left -= 1;
            }
        }
        prop_assert_eq!(cal.add_working_days(start, n), Dated { date: d, provisional });
    }

    #[test]
    fn calendar_days_roll_to_the_first_working_day(start in start_date(), n in 1u32..400) {
        let cal = calendar();
        let r = cal.add_calendar_days(start, n);
        let plain = start + Days::new(u64::from(n));
        prop_assert!(r.date >= plain);
        prop_assert!(cal.is_working_day(r.date).value);
        // Every day skipped was a rest day.
        for d in plain.iter_days().take_while(|d| *d < r.date) {
            prop_assert!(!cal.is_working_day(d).value);
        }
    }

    #[test]
    fn months_never_overshoot(start in start_date(), n in 0u32..60) {
        let cal = calendar();
        let r = cal.add_months(start, n).date;
        prop_assert!(r >= start);
        // Same day of month, or the month's last day when the month is shorter.
        use chrono::Datelike;
        prop_assert!(r.day() == start.day() || (r.day() < start.day() && r.succ_opt().unwrap().day() == 1));
    }
}
