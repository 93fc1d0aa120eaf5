//! The platform's legal time zone, Asia/Shanghai, as a fixed UTC+8 offset.
//!
//! Mainland China has used a single zone without daylight-saving time since
//! 1992 (DST was last observed in 1991), so a fixed offset is exact for every
//! date the platform deals with and needs no tz database. Instants are
//! stored in UTC; dates (decision dates, deadlines, "due on D") are local
//! dates in this zone.

use chrono::{
    DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};

/// UTC+8, seconds east of UTC.
pub const OFFSET_SECONDS: i32 = 8 * 3600;

/// Asia/Shanghai as a fixed offset.
pub const LEGAL_OFFSET: FixedOffset = match FixedOffset::east_opt(OFFSET_SECONDS) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// IANA name, for display and for clients that want it.
pub const LEGAL_TIME_ZONE: &str = "Asia/Shanghai";

/// The local (Beijing time) date of an instant.
pub fn local_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&LEGAL_OFFSET).date_naive()
}

/// The local date-time of an instant, e.g. for "received at" displays.
pub fn local_datetime(instant: DateTime<Utc>) -> DateTime<FixedOffset> {
    instant.with_timezone(&LEGAL_OFFSET)
}

fn local_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    // A fixed offset maps every local time to exactly one instant; only the
    // far ends of chrono's range can fail, and those saturate.
    match LEGAL_OFFSET.from_local_datetime(&local).single() {
        Some(t) => t.with_timezone(&Utc),
        None if local.year() < 1970 => DateTime::<Utc>::MIN_UTC,
        None => DateTime::<Utc>::MAX_UTC,
    }
}

/// 00:00:00 local on `date`, as an instant.
pub fn start_of_local_day_utc(date: NaiveDate) -> DateTime<Utc> {
    local_to_utc(date.and_time(NaiveTime::MIN))
}

/// 23:59:59 local on `date`, as an instant: what "due on D" means. A period
/// ends at 24:00 of its last day (民法典 Art. 203); an act done at any time
/// on D, up to and including this second, is on time. Compare with
/// [`is_after_due`] rather than with this instant when sub-second precision
/// matters.
pub fn end_of_local_day_utc(date: NaiveDate) -> DateTime<Utc> {
    let end = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
    local_to_utc(date.and_time(end))
}

/// True when `now` is past the end of the local day `due`, i.e. overdue.
pub fn is_after_due(due: NaiveDate, now: DateTime<Utc>) -> bool {
    match due.checked_add_days(Days::new(1)) {
        Some(next) => now >= start_of_local_day_utc(next),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn local_date_crosses_midnight_at_16_utc() {
        assert_eq!(
            local_date(utc("2025-09-30T15:59:59Z")),
            NaiveDate::from_ymd_opt(2025, 9, 30).unwrap()
        );
        assert_eq!(
            local_date(utc("2025-09-30T16:00:00Z")),
            NaiveDate::from_ymd_opt(2025, 10, 1).unwrap()
        );
    }

    #[test]
    fn day_bounds() {
        let d = NaiveDate::from_ymd_opt(2025, 10, 11).unwrap();
        assert_eq!(start_of_local_day_utc(d), utc("2025-10-10T16:00:00Z"));
        assert_eq!(end_of_local_day_utc(d), utc("2025-10-11T15:59:59Z"));
        assert!(!is_after_due(d, utc("2025-10-11T15:59:59.999Z")));
        assert!(is_after_due(d, utc("2025-10-11T16:00:00Z")));
        assert_eq!(local_date(end_of_local_day_utc(d)), d);
        assert_eq!(local_date(start_of_local_day_utc(d)), d);
    }

    #[test]
    fn extremes_do_not_panic() {
        let _ = end_of_local_day_utc(NaiveDate::MAX);
        let _ = start_of_local_day_utc(NaiveDate::MIN);
        assert!(!is_after_due(NaiveDate::MAX, utc("2025-01-01T00:00:00Z")));
    }
}
