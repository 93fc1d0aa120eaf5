//! The working-day calendar: Monday to Friday, minus the statutory holidays
//! of the year, plus the make-up working days (调休上班) fixed by the State
//! Council General Office's annual notice. The calendar is data: one TOML
//! file per year, loaded by an operator when the notice appears (see
//! `docs/rules.md`). Any answer that depends on a year not loaded falls back
//! to the weekday rule and is marked provisional.
//!
//! Counting rules (民法典 Arts. 200-204; see `docs/rules.md`):
//! * the day of the event is not counted (Art. 201);
//! * a period in days whose last day is a rest day ends on the next working
//!   day (Art. 203; rest days here include ordinary weekends, and a make-up
//!   Saturday or Sunday is a working day);
//! * a period in months or years ends on the corresponding day of the last
//!   month, or that month's last day when there is none (Art. 202).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use thiserror::Error;

/// Built-in calendar files (file name, TOML text), compiled in so that a
/// fresh installation has a calendar before an operator loads anything.
pub const BUILTIN_SOURCES: &[(&str, &str)] = &[
    (
        "2024.toml",
        include_str!("../../api/resources/calendar/2024.toml"),
    ),
    (
        "2025.toml",
        include_str!("../../api/resources/calendar/2025.toml"),
    ),
    (
        "2026.toml",
        include_str!("../../api/resources/calendar/2026.toml"),
    ),
];

/// Years a calendar file may declare.
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 9999;

// ---------------------------------------------------------------------------
// Errors

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    #[error("calendar file is not valid: {message}")]
    Toml { message: String },

    #[error("{field}: '{value}' is not a date (expected YYYY-MM-DD, without a time)")]
    InvalidDate { field: String, value: String },

    #[error("year {year} is out of range (expected {MIN_YEAR}-{MAX_YEAR})")]
    Year { year: i64 },

    #[error("{field} must not be empty")]
    EmptyField { field: String },

    #[error(
        "{what}: {date} is outside the declared year {year}; a holiday range may not cross \
         a year boundary: put the days of each year in that year's file"
    )]
    OutsideYear {
        what: String,
        date: NaiveDate,
        year: i32,
    },

    #[error("holiday {name}: the range {from} to {to} ends before it starts")]
    RangeOrder {
        name: String,
        from: NaiveDate,
        to: NaiveDate,
    },

    #[error("{date} is in two holiday ranges: {first} and {second}")]
    HolidayOverlap {
        date: NaiveDate,
        first: String,
        second: String,
    },

    #[error("make-up working day {date} is listed twice")]
    DuplicateMakeup { date: NaiveDate },

    #[error(
        "make-up working day {date} ({name}) is a {weekday}: make-up working days are \
         Saturdays or Sundays"
    )]
    MakeupNotWeekend {
        date: NaiveDate,
        name: String,
        weekday: String,
    },

    #[error("{date} is both a holiday ({holiday}) and a make-up working day ({makeup})")]
    HolidayAndMakeup {
        date: NaiveDate,
        holiday: String,
        makeup: String,
    },

    #[error("year {year} is loaded twice")]
    DuplicateYear { year: i32 },
}

impl CalendarError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Toml { .. } => "CALENDAR_TOML",
            Self::InvalidDate { .. } => "CALENDAR_DATE",
            Self::Year { .. } => "CALENDAR_YEAR",
            Self::EmptyField { .. } => "CALENDAR_FIELD",
            Self::OutsideYear { .. } => "CALENDAR_OUTSIDE_YEAR",
            Self::RangeOrder { .. } => "CALENDAR_RANGE_ORDER",
            Self::HolidayOverlap { .. } => "CALENDAR_HOLIDAY_OVERLAP",
            Self::DuplicateMakeup { .. } => "CALENDAR_MAKEUP_DUPLICATE",
            Self::MakeupNotWeekend { .. } => "CALENDAR_MAKEUP_WEEKDAY",
            Self::HolidayAndMakeup { .. } => "CALENDAR_CONFLICT",
            Self::DuplicateYear { .. } => "CALENDAR_DUPLICATE_YEAR",
        }
    }
}

// ---------------------------------------------------------------------------
// Dates in TOML: native TOML dates (2025-10-01) or strings ("2025-10-01").

/// A date as written in a TOML or JSON file, before validation.
#[derive(Debug, Clone)]
pub(crate) struct RawDate(String);

/// The key under which the `toml` crate hands a native datetime to serde.
const TOML_DATETIME_KEY: &str = "$__toml_private_datetime";

impl<'de> Deserialize<'de> for RawDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawDateVisitor;
        impl<'de> Visitor<'de> for RawDateVisitor {
            type Value = RawDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date such as 2025-10-01")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawDate, E> {
                Ok(RawDate(s.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDate, A::Error> {
                match map.next_key::<String>()? {
                    Some(key) if key == TOML_DATETIME_KEY => Ok(RawDate(map.next_value()?)),
                    _ => Err(de::Error::custom("expected a date such as 2025-10-01")),
                }
            }
        }
        deserializer.deserialize_any(RawDateVisitor)
    }
}

impl RawDate {
    pub(crate) fn to_date(&self) -> Option<NaiveDate> {
        let s = self.0.trim();
        // Exactly YYYY-MM-DD: a datetime or a date with a time is refused.
        if s.len() != 10 {
            return None;
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

// ---------------------------------------------------------------------------
// The data model of one year

/// The State Council notice a year's calendar comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// e.g. 国务院办公厅关于2025年部分节假日安排的通知
    pub title: String,
    /// e.g. 国办发明电〔2024〕12号, when known.
    pub number: Option<String>,
    pub published_on: Option<NaiveDate>,
    pub url: Option<String>,
}

/// An inclusive range of statutory holiday (放假调休) days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    pub name_zh: String,
    pub name_en: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A Saturday or Sunday that is an official working day (调休上班).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MakeupWorkday {
    pub date: NaiveDate,
    pub name_zh: String,
    pub name_en: String,
}

/// One validated year of the calendar. Built only by
/// [`CalendarYear::parse_toml`], so its invariants always hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarYear {
    year: i32,
    notice: Notice,
    holidays: Vec<Holiday>,
    makeup_workdays: Vec<MakeupWorkday>,
    #[serde(skip)]
    holiday_index: BTreeMap<NaiveDate, usize>,
    #[serde(skip)]
    makeup_index: BTreeMap<NaiveDate, usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: i64,
    notice: RawNotice,
    #[serde(default, rename = "holiday")]
    holidays: Vec<RawHoliday>,
    #[serde(default, rename = "makeup_workday")]
    makeup_workdays: Vec<RawMakeup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotice {
    title: String,
    number: Option<String>,
    published_on: Option<RawDate>,
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name_zh: String,
    name_en: String,
    from: RawDate,
    to: RawDate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMakeup {
    date: RawDate,
    name_zh: String,
    name_en: String,
}

fn date_field(field: String, raw: &RawDate) -> Result<NaiveDate, CalendarError> {
    raw.to_date().ok_or_else(|| CalendarError::InvalidDate {
        field,
        value: raw.as_str().to_string(),
    })
}

fn non_empty(field: String, value: &str) -> Result<String, CalendarError> {
    let v = value.trim();
    if v.is_empty() {
        Err(CalendarError::EmptyField { field })
    } else {
        Ok(v.to_string())
    }
}

fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

impl CalendarYear {
    /// Parses and validates one year's file: every date inside the declared
    /// year, ranges in order, no day in two holiday ranges, no day both a
    /// holiday and a make-up day, make-up days only on Saturdays or Sundays,
    /// no make-up day listed twice. The first problem found is returned.
    pub fn parse_toml(text: &str) -> Result<CalendarYear, CalendarError> {
        let raw: RawYear = toml::from_str(text).map_err(|e| CalendarError::Toml {
            message: e.to_string().trim_end().to_string(),
        })?;
        Self::from_raw(raw)
    }

    fn from_raw(raw: RawYear) -> Result<CalendarYear, CalendarError> {
        let year = match i32::try_from(raw.year) {
            Ok(y) if (MIN_YEAR..=MAX_YEAR).contains(&y) => y,
            _ => return Err(CalendarError::Year { year: raw.year }),
        };
        let notice = Notice {
            title: non_empty("notice.title".into(), &raw.notice.title)?,
            number: raw
                .notice
                .number
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            published_on: raw
                .notice
                .published_on
                .as_ref()
                .map(|d| date_field("notice.published_on".into(), d))
                .transpose()?,
            url: raw
                .notice
                .url
                .map(|u| u.trim().to_string())
                .filter(|u| !u.is_empty()),
        };

        let mut holidays = Vec::with_capacity(raw.holidays.len());
        let mut holiday_index: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for (i, h) in raw.holidays.iter().enumerate() {
            let n = i + 1;
            let name_zh = non_empty(format!("holiday #{n} name_zh"), &h.name_zh)?;
            let name_en = non_empty(format!("holiday #{n} name_en"), &h.name_en)?;
            let label = format!("{name_zh} ({name_en})");
            let from = date_field(format!("holiday {label} from"), &h.from)?;
            let to = date_field(format!("holiday {label} to"), &h.to)?;
            for d in [from, to] {
                if d.year() != year {
                    return Err(CalendarError::OutsideYear {
                        what: format!("holiday {label}"),
                        date: d,
                        year,
                    });
                }
            }
            if to < from {
                return Err(CalendarError::RangeOrder {
                    name: label,
                    from,
                    to,
                });
            }
            let index = holidays.len();
            for d in from.iter_days().take_while(|d| *d <= to) {
                if let Some(&other) = holiday_index.get(&d) {
                    let other: &Holiday = &holidays[other];
                    return Err(CalendarError::HolidayOverlap {
                        date: d,
                        first: format!("{} ({})", other.name_zh, other.name_en),
                        second: label,
                    });
                }
                holiday_index.insert(d, index);
            }
            holidays.push(Holiday {
                name_zh,
                name_en,
                from,
                to,
            });
        }

        let mut makeup_workdays = Vec::with_capacity(raw.makeup_workdays.len());
        let mut makeup_index: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for (i, m) in raw.makeup_workdays.iter().enumerate() {
            let n = i + 1;
            let name_zh = non_empty(format!("makeup_workday #{n} name_zh"), &m.name_zh)?;
            let name_en = non_empty(format!("makeup_workday #{n} name_en"), &m.name_en)?;
            let label = format!("{name_zh} ({name_en})");
            let date = date_field(format!("makeup_workday {label} date"), &m.date)?;
            if date.year() != year {
                return Err(CalendarError::OutsideYear {
                    what: format!("make-up working day {label}"),
                    date,
                    year,
                });
            }
            if !is_weekend(date) {
                return Err(CalendarError::MakeupNotWeekend {
                    date,
                    name: label,
                    weekday: weekday_name(date.weekday()).to_string(),
                });
            }
            if let Some(&h) = holiday_index.get(&date) {
                let h: &Holiday = &holidays[h];
                return Err(CalendarError::HolidayAndMakeup {
                    date,
                    holiday: format!("{} ({})", h.name_zh, h.name_en),
                    makeup: label,
                });
            }
            if makeup_index.insert(date, makeup_workdays.len()).is_some() {
                return Err(CalendarError::DuplicateMakeup { date });
            }
            makeup_workdays.push(MakeupWorkday {
                date,
                name_zh,
                name_en,
            });
        }

        holidays.sort_by_key(|h| h.from);
        makeup_workdays.sort_by_key(|m| m.date);
        let holiday_index = holidays
            .iter()
            .enumerate()
            .flat_map(|(i, h)| {
                h.from
                    .iter_days()
                    .take_while(move |d| *d <= h.to)
                    .map(move |d| (d, i))
            })
            .collect();
        let makeup_index = makeup_workdays
            .iter()
            .enumerate()
            .map(|(i, m)| (m.date, i))
            .collect();
        Ok(CalendarYear {
            year,
            notice,
            holidays,
            makeup_workdays,
            holiday_index,
            makeup_index,
        })
    }

    /// The years shipped with the platform (2024-2026).
    pub fn builtin() -> Vec<CalendarYear> {
        BUILTIN_SOURCES
            .iter()
            .map(|(name, text)| {
                // Compiled-in data, checked by the unit tests: failing here
                // is a build defect, not bad input.
                CalendarYear::parse_toml(text)
                    .unwrap_or_else(|e| panic!("built-in calendar {name} is invalid: {e}"))
            })
            .collect()
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn notice(&self) -> &Notice {
        &self.notice
    }

    /// Holiday ranges in date order.
    pub fn holidays(&self) -> &[Holiday] {
        &self.holidays
    }

    /// Make-up working days in date order.
    pub fn makeup_workdays(&self) -> &[MakeupWorkday] {
        &self.makeup_workdays
    }

    /// The holiday range containing `date`, if any.
    pub fn holiday_on(&self, date: NaiveDate) -> Option<&Holiday> {
        self.holiday_index
            .get(&date)
            .and_then(|&i| self.holidays.get(i))
    }

    /// The make-up working day on `date`, if any.
    pub fn makeup_on(&self, date: NaiveDate) -> Option<&MakeupWorkday> {
        self.makeup_index
            .get(&date)
            .and_then(|&i| self.makeup_workdays.get(i))
    }

    /// Number of holiday days (including those on weekends).
    pub fn holiday_day_count(&self) -> usize {
        self.holiday_index.len()
    }

    fn day_kind(&self, date: NaiveDate) -> DayKind {
        if self.holiday_index.contains_key(&date) {
            DayKind::Holiday
        } else if self.makeup_index.contains_key(&date) {
            DayKind::MakeupWorkday
        } else if is_weekend(date) {
            DayKind::Weekend
        } else {
            DayKind::Workday
        }
    }

    /// The file in canonical form (native TOML dates), e.g. to show an
    /// operator what was loaded or to store it.
    pub fn to_toml(&self) -> String {
        fn q(s: &str) -> String {
            toml::Value::String(s.to_string()).to_string()
        }
        let mut out = format!(
            "year = {}\n\n[notice]\ntitle = {}\n",
            self.year,
            q(&self.notice.title)
        );
        if let Some(n) = &self.notice.number {
            out.push_str(&format!("number = {}\n", q(n)));
        }
        if let Some(d) = self.notice.published_on {
            out.push_str(&format!("published_on = {d}\n"));
        }
        if let Some(u) = &self.notice.url {
            out.push_str(&format!("url = {}\n", q(u)));
        }
        for h in &self.holidays {
            out.push_str(&format!(
                "\n[[holiday]]\nname_zh = {}\nname_en = {}\nfrom = {}\nto = {}\n",
                q(&h.name_zh),
                q(&h.name_en),
                h.from,
                h.to
            ));
        }
        for m in &self.makeup_workdays {
            out.push_str(&format!(
                "\n[[makeup_workday]]\ndate = {}\nname_zh = {}\nname_en = {}\n",
                m.date,
                q(&m.name_zh),
                q(&m.name_en)
            ));
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Answers

/// What kind of day a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Monday to Friday, not a holiday.
    Workday,
    /// Saturday or Sunday, not a make-up day.
    Weekend,
    /// In a statutory holiday range (on any weekday).
    Holiday,
    /// A Saturday or Sunday that is an official working day.
    MakeupWorkday,
}

impl DayKind {
    pub fn is_working(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeupWorkday)
    }
}

/// A value computed from the calendar, with whether it relied on a year
/// that is not loaded (weekday rule only: may change when the notice for
/// that year is loaded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Answer<T> {
    pub value: T,
    pub provisional: bool,
}

/// A computed date, e.g. a deadline. `provisional` is true when any day
/// examined to compute it lies in a year whose calendar is not loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Dated {
    pub date: NaiveDate,
    pub provisional: bool,
}

impl Dated {
    pub fn firm(date: NaiveDate) -> Dated {
        Dated {
            date,
            provisional: false,
        }
    }
}

/// What overflow of chrono's date range yields: the last representable day,
/// flagged provisional because it is not a real answer.
const SATURATED: Dated = Dated {
    date: NaiveDate::MAX,
    provisional: true,
};

// ---------------------------------------------------------------------------
// The calendar

/// The loaded years. Cheap to clone; share one per rule set / request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, CalendarYear>,
}

/// Monday-Friday count in [0001-01-01 (a Monday), date], extended to any
/// date so that differences count weekdays in (a, b].
fn weekday_prefix(date: NaiveDate) -> i64 {
    let n = i64::from(date.num_days_from_ce());
    5 * n.div_euclid(7) + n.rem_euclid(7).min(5)
}

impl Calendar {
    /// A calendar of the given years; loading the same year twice is an
    /// error (replace a year by building a new calendar without the old one).
    pub fn new(years: Vec<CalendarYear>) -> Result<Calendar, CalendarError> {
        let mut map = BTreeMap::new();
        for y in years {
            let year = y.year;
            if map.insert(year, y).is_some() {
                return Err(CalendarError::DuplicateYear { year });
            }
        }
        Ok(Calendar { years: map })
    }

    /// The built-in years (2024-2026).
    pub fn builtin() -> Calendar {
        let mut years = BTreeMap::new();
        for y in CalendarYear::builtin() {
            years.insert(y.year, y);
        }
        Calendar { years }
    }

    /// This calendar plus one more year (e.g. the notice an operator just
    /// loaded). A year already loaded is an error: to replace a year, build
    /// the calendar again without the old one.
    pub fn with_year(mut self, year: CalendarYear) -> Result<Calendar, CalendarError> {
        let y = year.year;
        if self.years.contains_key(&y) {
            return Err(CalendarError::DuplicateYear { year: y });
        }
        self.years.insert(y, year);
        Ok(self)
    }

    /// The loaded years' data, ascending.
    pub fn years(&self) -> impl Iterator<Item = &CalendarYear> {
        self.years.values()
    }

    /// Loaded years, ascending.
    pub fn loaded_years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    pub fn is_loaded(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    pub fn year(&self, year: i32) -> Option<&CalendarYear> {
        self.years.get(&year)
    }

    /// Whether every year from `first` to `last` (inclusive) is loaded.
    fn all_loaded(&self, first: i32, last: i32) -> bool {
        if first > last {
            return true;
        }
        let span = i64::from(last) - i64::from(first) + 1;
        self.years.range(first..=last).count() as i64 == span
    }

    /// The kind of day `date` is; provisional when its year is not loaded
    /// (then only the weekday rule applies).
    pub fn day_kind(&self, date: NaiveDate) -> Answer<DayKind> {
        match self.years.get(&date.year()) {
            Some(y) => Answer {
                value: y.day_kind(date),
                provisional: false,
            },
            None => Answer {
                value: if is_weekend(date) {
                    DayKind::Weekend
                } else {
                    DayKind::Workday
                },
                provisional: true,
            },
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> Answer<bool> {
        let k = self.day_kind(date);
        Answer {
            value: k.value.is_working(),
            provisional: k.provisional,
        }
    }

    /// `date` itself when it is a working day, otherwise the next working
    /// day (the roll-forward of 民法典 Art. 203).
    pub fn roll_forward(&self, date: NaiveDate) -> Dated {
        let mut d = date;
        let mut provisional = false;
        loop {
            let k = self.day_kind(d);
            provisional |= k.provisional;
            if k.value.is_working() {
                return Dated {
                    date: d,
                    provisional,
                };
            }
            match d.succ_opt() {
                Some(next) => d = next,
                None => return SATURATED,
            }
        }
    }

    /// The n-th working day after `start` (the start day is not counted;
    /// make-up Saturdays and Sundays count). `n = 0` returns `start`
    /// unchanged, even on a rest day: nothing is added, so nothing moves,
    /// which keeps `working_days_between(start, add_working_days(start, n))
    /// == n` for every n.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Dated {
        if n == 0 {
            return Dated::firm(start);
        }
        let last_loaded = self.years.keys().next_back().copied();
        let mut remaining = i64::from(n);
        let mut provisional = false;
        let mut d = start;
        while remaining > 0 {
            d = match d.succ_opt() {
                Some(next) => next,
                None => return SATURATED,
            };
            if last_loaded.is_none_or(|y| d.year() > y) {
                // No loaded year from here on: weekday rule only, so whole
                // weeks (5 working days each) can be skipped at once.
                provisional = true;
                let weeks = (remaining - 1) / 5;
                if weeks > 0 {
                    let skip = u64::try_from(7 * weeks - 1).unwrap_or(u64::MAX);
                    d = match d.checked_add_days(Days::new(skip)) {
                        Some(x) => x,
                        None => return SATURATED,
                    };
                    remaining -= 5 * weeks;
                    continue;
                }
            }
            let k = self.day_kind(d);
            provisional |= k.provisional;
            if k.value.is_working() {
                remaining -= 1;
            }
        }
        Dated {
            date: d,
            provisional,
        }
    }

    /// `start + n` calendar days (the start day is not counted); when that
    /// day is a rest day the period ends on the next working day
    /// (民法典 Art. 203). Only the landing day and the days rolled over are
    /// examined, so only they can make the answer provisional. `n = 0`
    /// returns `start` unchanged.
    pub fn add_calendar_days(&self, start: NaiveDate, n: u32) -> Dated {
        if n == 0 {
            return Dated::firm(start);
        }
        match start.checked_add_days(Days::new(u64::from(n))) {
            Some(d) => self.roll_forward(d),
            None => SATURATED,
        }
    }

    /// `start + n` months: the corresponding day of the last month, or its
    /// last day when it has none (Jan 31 + 1 month = Feb 28/29), per
    /// 民法典 Art. 202. Not rolled to a working day (publication windows,
    /// retention and validity periods are not time limits for an act; a rule
    /// can ask for the roll, see [`crate::rules::Rule::apply`]). Never
    /// provisional: no day's status is examined.
    pub fn add_months(&self, start: NaiveDate, n: u32) -> Dated {
        match start.checked_add_months(Months::new(n)) {
            Some(d) => Dated::firm(d),
            None => SATURATED,
        }
    }

    /// `start + n` years, with the same month-end convention as
    /// [`Calendar::add_months`] (Feb 29 + 1 year = Feb 28).
    pub fn add_years(&self, start: NaiveDate, n: u32) -> Dated {
        match n.checked_mul(12) {
            Some(months) => self.add_months(start, months),
            None => SATURATED,
        }
    }

    /// Working days from `a` to `b`: the number of working days in (a, b]
    /// when b > a, its negative when b < a, 0 when equal. With a = today and
    /// b = due date it is "N working days left"; with a = due date and
    /// b = today, "overdue by N". Provisional when any day in the interval
    /// lies in a year not loaded.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> Answer<i64> {
        let (lo, hi, sign) = match a.cmp(&b) {
            std::cmp::Ordering::Equal => {
                return Answer {
                    value: 0,
                    provisional: false,
                };
            }
            std::cmp::Ordering::Less => (a, b, 1),
            std::cmp::Ordering::Greater => (b, a, -1),
        };
        // Days counted: lo+1 ..= hi.
        let first_year = lo.succ_opt().map_or(hi.year(), |d| d.year());
        let mut count = weekday_prefix(hi) - weekday_prefix(lo);
        for (_, y) in self.years.range(first_year..=hi.year()) {
            for (d, _) in y.holiday_index.range(lo..=hi) {
                if *d > lo && !is_weekend(*d) {
                    count -= 1;
                }
            }
            for (d, _) in y.makeup_index.range(lo..=hi) {
                if *d > lo {
                    count += 1;
                }
            }
        }
        Answer {
            value: sign * count,
            provisional: !self.all_loaded(first_year, hi.year()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> Calendar {
        Calendar::new(CalendarYear::builtin()).unwrap()
    }

    const MINIMAL: &str = r#"
year = 2030
[notice]
title = "国务院办公厅关于2030年部分节假日安排的通知"
"#;

    fn parse_err(extra: &str) -> CalendarError {
        CalendarYear::parse_toml(&format!("{MINIMAL}\n{extra}")).unwrap_err()
    }

    #[test]
    fn builtin_files_parse() {
        let years = CalendarYear::builtin();
        assert_eq!(
            years.iter().map(|y| y.year()).collect::<Vec<_>>(),
            vec![2024, 2025, 2026]
        );
        let y2025 = &years[1];
        assert_eq!(
            y2025.notice().number.as_deref(),
            Some("国办发明电〔2024〕12号")
        );
        assert_eq!(y2025.notice().published_on, Some(d(2024, 11, 12)));
        assert_eq!(
            years[0].notice().number.as_deref(),
            Some("国办发明电〔2023〕7号")
        );
        assert_eq!(years[2].notice().published_on, Some(d(2025, 11, 4)));
        assert_eq!(y2025.holidays().len(), 6);
        assert_eq!(y2025.makeup_workdays().len(), 5);
        assert_eq!(
            y2025.holiday_on(d(2025, 10, 6)).unwrap().name_zh,
            "国庆节、中秋节"
        );
        assert_eq!(
            y2025.makeup_on(d(2025, 10, 11)).unwrap().name_zh,
            "国庆节、中秋节调休上班"
        );
        // 2025: 13 statutory days, the notice's ranges add bridging days.
        assert_eq!(y2025.holiday_day_count(), 1 + 8 + 3 + 5 + 3 + 8);
    }

    #[test]
    fn to_toml_round_trips() {
        for y in CalendarYear::builtin() {
            let again = CalendarYear::parse_toml(&y.to_toml()).unwrap();
            assert_eq!(again, y);
        }
    }

    #[test]
    fn dates_may_be_strings() {
        let y = CalendarYear::parse_toml(&format!(
            "{MINIMAL}\n[[holiday]]\nname_zh = \"元旦\"\nname_en = \"New Year's Day\"\nfrom = \"2030-01-01\"\nto = \"2030-01-01\"\n"
        ))
        .unwrap();
        assert_eq!(y.holidays()[0].from, d(2030, 1, 1));
    }

    #[test]
    fn validation_errors_name_the_date_and_reason() {
        let e = parse_err(
            "[[holiday]]\nname_zh = \"元旦\"\nname_en = \"New Year's Day\"\nfrom = 2029-12-31\nto = 2030-01-01\n",
        );
        assert_eq!(e.code(), "CALENDAR_OUTSIDE_YEAR");
        assert!(e.to_string().starts_with(
            "holiday 元旦 (New Year's Day): 2029-12-31 is outside the declared year 2030"
        ));

        let e = parse_err(
            "[[holiday]]\nname_zh = \"春节\"\nname_en = \"Spring Festival\"\nfrom = 2030-02-08\nto = 2030-02-02\n",
        );
        assert_eq!(e.code(), "CALENDAR_RANGE_ORDER");

        let e = parse_err(
            "[[holiday]]\nname_zh = \"A\"\nname_en = \"A\"\nfrom = 2030-02-01\nto = 2030-02-05\n\
             [[holiday]]\nname_zh = \"B\"\nname_en = \"B\"\nfrom = 2030-02-05\nto = 2030-02-06\n",
        );
        assert_eq!(
            e,
            CalendarError::HolidayOverlap {
                date: d(2030, 2, 5),
                first: "A (A)".into(),
                second: "B (B)".into()
            }
        );

        // 2030-02-04 is a Monday.
        let e = parse_err(
            "[[makeup_workday]]\ndate = 2030-02-04\nname_zh = \"调休\"\nname_en = \"m\"\n",
        );
        assert_eq!(e.code(), "CALENDAR_MAKEUP_WEEKDAY");
        assert_eq!(
            e.to_string(),
            "make-up working day 2030-02-04 (调休 (m)) is a Monday: make-up working days are Saturdays or Sundays"
        );

        // 2030-02-02 is a Saturday.
        let e = parse_err(
            "[[holiday]]\nname_zh = \"春节\"\nname_en = \"SF\"\nfrom = 2030-02-01\nto = 2030-02-03\n\
             [[makeup_workday]]\ndate = 2030-02-02\nname_zh = \"调休\"\nname_en = \"m\"\n",
        );
        assert_eq!(e.code(), "CALENDAR_CONFLICT");
        assert!(e.to_string().starts_with("2030-02-02 is both a holiday"));

        let e = parse_err(
            "[[makeup_workday]]\ndate = 2030-02-02\nname_zh = \"a\"\nname_en = \"m\"\n\
             [[makeup_workday]]\ndate = 2030-02-02\nname_zh = \"b\"\nname_en = \"m\"\n",
        );
        assert_eq!(
            e,
            CalendarError::DuplicateMakeup {
                date: d(2030, 2, 2)
            }
        );

        let e =
            parse_err("[[makeup_workday]]\ndate = 2031-02-01\nname_zh = \"a\"\nname_en = \"m\"\n");
        assert_eq!(e.code(), "CALENDAR_OUTSIDE_YEAR");

        let e = parse_err(
            "[[holiday]]\nname_zh = \"元旦\"\nname_en = \"x\"\nfrom = 2030-01-01T00:00:00\nto = 2030-01-01\n",
        );
        assert_eq!(e.code(), "CALENDAR_DATE");

        let e = parse_err(
            "[[holiday]]\nname_zh = \" \"\nname_en = \"x\"\nfrom = 2030-01-01\nto = 2030-01-01\n",
        );
        assert_eq!(
            e,
            CalendarError::EmptyField {
                field: "holiday #1 name_zh".into()
            }
        );

        let e = parse_err("bogus = 1");
        assert_eq!(e.code(), "CALENDAR_TOML");

        let e = CalendarYear::parse_toml("year = 1800\n[notice]\ntitle = \"t\"\n").unwrap_err();
        assert_eq!(e.code(), "CALENDAR_YEAR");
    }

    #[test]
    fn duplicate_year_is_an_error() {
        let mut years = CalendarYear::builtin();
        years.push(years[0].clone());
        assert_eq!(
            Calendar::new(years).unwrap_err(),
            CalendarError::DuplicateYear { year: 2024 }
        );
    }

    #[test]
    fn with_year_adds_and_refuses_duplicates() {
        let c = Calendar::default();
        let y2030 = CalendarYear::parse_toml(MINIMAL).unwrap();
        let c = c.with_year(y2030.clone()).unwrap();
        assert_eq!(c.loaded_years(), vec![2030]);
        assert!(!c.is_working_day(d(2030, 1, 5)).provisional);
        assert_eq!(
            c.with_year(y2030).unwrap_err().code(),
            "CALENDAR_DUPLICATE_YEAR"
        );
    }

    #[test]
    fn day_kinds() {
        let c = cal();
        assert_eq!(c.day_kind(d(2025, 10, 8)).value, DayKind::Holiday);
        assert_eq!(c.day_kind(d(2025, 10, 11)).value, DayKind::MakeupWorkday);
        assert_eq!(c.day_kind(d(2025, 10, 12)).value, DayKind::Weekend);
        assert_eq!(c.day_kind(d(2025, 10, 9)).value, DayKind::Workday);
        let a = c.is_working_day(d(2027, 1, 1));
        assert_eq!(
            a,
            Answer {
                value: true,
                provisional: true
            }
        );
        assert!(!c.is_working_day(d(2026, 1, 1)).provisional);
        assert_eq!(c.loaded_years(), vec![2024, 2025, 2026]);
    }

    #[test]
    fn required_examples() {
        let c = cal();
        // National Day + Mid-Autumn 2025: Oct 9 (Thu), Oct 10 (Fri), Oct 11 (make-up Sat).
        assert_eq!(
            c.add_working_days(d(2025, 9, 30), 3),
            Dated::firm(d(2025, 10, 11))
        );
        // Lands on Jan 28 (Spring Festival), rolls to Feb 5.
        assert_eq!(
            c.add_calendar_days(d(2025, 1, 18), 10),
            Dated::firm(d(2025, 2, 5))
        );
    }

    #[test]
    fn spring_festivals() {
        let c = cal();
        // 2024: holiday Feb 10-17, make-up Sun Feb 4 and Sun Feb 18.
        // Fri Feb 2 + 1 WD = Sun Feb 4 (make-up).
        assert_eq!(c.add_working_days(d(2024, 2, 2), 1).date, d(2024, 2, 4));
        // Fri Feb 9 + 1 WD = Sun Feb 18 (make-up), + 2 = Mon Feb 19.
        assert_eq!(c.add_working_days(d(2024, 2, 9), 1).date, d(2024, 2, 18));
        assert_eq!(c.add_working_days(d(2024, 2, 9), 2).date, d(2024, 2, 19));
        // 3 WD from Thu Feb 8: Fri 9, Sun 18, Mon 19.
        assert_eq!(c.add_working_days(d(2024, 2, 8), 3).date, d(2024, 2, 19));
        // 2025: Jan 28 - Feb 4, make-up Sun Jan 26 and Sat Feb 8.
        // From Fri Jan 24: Sun 26, Mon 27, Wed Feb 5.
        assert_eq!(c.add_working_days(d(2025, 1, 24), 3).date, d(2025, 2, 5));
        // 20 WD objection verification referred on Mon 2025-01-20.
        // Jan 21,22,23,24,26,27 (6), Feb 5,6,7,8(Sat) (10), 10-14 (15), 17-21 (20).
        assert_eq!(c.add_working_days(d(2025, 1, 20), 20).date, d(2025, 2, 21));
        // 2026: Feb 15-23, make-up Sat Feb 14 and Sat Feb 28.
        // From Fri Feb 13: Sat 14, Tue 24, Wed 25.
        assert_eq!(c.add_working_days(d(2026, 2, 13), 3).date, d(2026, 2, 25));
        // Calendar days landing in the 2026 holiday roll to Tue Feb 24.
        assert_eq!(c.add_calendar_days(d(2026, 2, 5), 10).date, d(2026, 2, 24));
        // 7 WD from Fri 2026-02-20: Tue 24 .. Fri 27 (4), Sat 28 (5), Mon Mar 2 (6), Tue 3 (7).
        assert_eq!(c.add_working_days(d(2026, 2, 20), 7).date, d(2026, 3, 3));
    }

    #[test]
    fn national_days() {
        let c = cal();
        // 2024: Oct 1-7, make-up Sun Sep 29 and Sat Oct 12.
        // From Fri Sep 27: Sun 29, Mon 30, Tue Oct 8.
        assert_eq!(c.add_working_days(d(2024, 9, 27), 3).date, d(2024, 10, 8));
        // From Fri Oct 11: Sat 12 (make-up).
        assert_eq!(c.add_working_days(d(2024, 10, 11), 1).date, d(2024, 10, 12));
        // 2026: Oct 1-7, make-up Sun Sep 20 and Sat Oct 10.
        // From Wed Sep 30: Thu Oct 8, Fri 9, Sat 10.
        assert_eq!(c.add_working_days(d(2026, 9, 30), 3).date, d(2026, 10, 10));
        // 2026 Mid-Autumn Sep 25-27 then make-up Sep 20 before it.
        // From Fri Sep 18: Sun 20, Mon 21.
        assert_eq!(c.add_working_days(d(2026, 9, 18), 2).date, d(2026, 9, 21));
        // Calendar days: 2025-09-26 + 5 = Oct 1 -> rolls past Oct 8 to Thu Oct 9.
        assert_eq!(c.add_calendar_days(d(2025, 9, 26), 5).date, d(2025, 10, 9));
        // A calendar period ending on a make-up Saturday ends that day.
        assert_eq!(
            c.add_calendar_days(d(2025, 10, 1), 10).date,
            d(2025, 10, 11)
        );
        // ... and one ending on an ordinary Sunday rolls to Monday.
        assert_eq!(
            c.add_calendar_days(d(2025, 10, 2), 10).date,
            d(2025, 10, 13)
        );
    }

    #[test]
    fn year_ends() {
        let c = cal();
        // Mon 2024-12-30 + 3 WD: Tue 31, (Jan 1 holiday), Thu Jan 2, Fri Jan 3.
        assert_eq!(
            c.add_working_days(d(2024, 12, 30), 3),
            Dated::firm(d(2025, 1, 3))
        );
        // 2025-12-31 (Wed) + 2 WD: Jan 1-3 holiday, Sun Jan 4 make-up, Mon Jan 5.
        assert_eq!(
            c.add_working_days(d(2025, 12, 31), 2),
            Dated::firm(d(2026, 1, 5))
        );
        assert_eq!(c.add_working_days(d(2025, 12, 31), 1).date, d(2026, 1, 4));
        // Calendar days over the 2026 New Year: Dec 22 + 10 = Jan 1 -> Sun Jan 4 (make-up).
        assert_eq!(
            c.add_calendar_days(d(2025, 12, 22), 10),
            Dated::firm(d(2026, 1, 4))
        );
        assert_eq!(
            c.working_days_between(d(2025, 12, 31), d(2026, 1, 5)).value,
            2
        );
    }

    #[test]
    fn into_2027_is_provisional() {
        let c = cal();
        // Thu 2026-12-24 + 5 WD: 25, 28, 29, 30, 31 — all 2026, firm.
        assert_eq!(
            c.add_working_days(d(2026, 12, 24), 5),
            Dated::firm(d(2026, 12, 31))
        );
        // One more reaches Fri 2027-01-01 by the weekday rule: provisional.
        assert_eq!(
            c.add_working_days(d(2026, 12, 24), 6),
            Dated {
                date: d(2027, 1, 1),
                provisional: true
            }
        );
        assert!(c.add_calendar_days(d(2026, 12, 20), 20).provisional);
        // Landing in 2026 from 2023 is firm for calendar days (only the
        // landing day is examined) but provisional for working days.
        assert!(!c.add_calendar_days(d(2023, 12, 30), 10).provisional);
        assert!(c.add_working_days(d(2023, 12, 28), 5).provisional);
        let between = c.working_days_between(d(2026, 12, 31), d(2027, 1, 8));
        assert_eq!(
            between,
            Answer {
                value: 6,
                provisional: true
            }
        );
        // Huge n does not hang and saturates without panicking.
        let far = c.add_working_days(d(2026, 1, 1), u32::MAX);
        assert!(far.provisional);
        let far = c.add_calendar_days(NaiveDate::MAX, 1);
        assert_eq!(far, SATURATED);
    }

    #[test]
    fn zero_is_identity() {
        let c = cal();
        let sat = d(2025, 10, 4);
        assert_eq!(c.add_working_days(sat, 0), Dated::firm(sat));
        assert_eq!(c.add_calendar_days(sat, 0), Dated::firm(sat));
        assert_eq!(c.add_months(sat, 0), Dated::firm(sat));
        assert_eq!(c.working_days_between(sat, sat).value, 0);
    }

    #[test]
    fn months_clamp_to_month_end() {
        let c = cal();
        assert_eq!(c.add_months(d(2025, 1, 31), 1).date, d(2025, 2, 28));
        assert_eq!(c.add_months(d(2024, 1, 31), 1).date, d(2024, 2, 29));
        assert_eq!(c.add_months(d(2025, 3, 31), 1).date, d(2025, 4, 30));
        assert_eq!(c.add_months(d(2025, 11, 15), 3).date, d(2026, 2, 15));
        assert_eq!(c.add_years(d(2024, 2, 29), 1).date, d(2025, 2, 28));
        assert_eq!(c.add_years(d(2024, 2, 29), 4).date, d(2028, 2, 29));
        assert_eq!(c.add_years(d(2025, 10, 1), 3).date, d(2028, 10, 1));
        // Not rolled and never provisional.
        assert_eq!(c.add_months(d(2025, 9, 1), 1), Dated::firm(d(2025, 10, 1)));
        assert_eq!(c.add_years(d(2025, 1, 1), 5), Dated::firm(d(2030, 1, 1)));
        assert!(c.add_years(d(2025, 1, 1), u32::MAX).provisional);
    }

    #[test]
    fn working_days_between_signs() {
        let c = cal();
        // From Tue 2025-09-30 to Sat 2025-10-11 (make-up): Oct 9, 10, 11.
        assert_eq!(
            c.working_days_between(d(2025, 9, 30), d(2025, 10, 11))
                .value,
            3
        );
        assert_eq!(
            c.working_days_between(d(2025, 10, 11), d(2025, 9, 30))
                .value,
            -3
        );
        // During a holiday, no working day passes.
        assert_eq!(
            c.working_days_between(d(2025, 10, 1), d(2025, 10, 8)).value,
            0
        );
        // Whole years. 2025: 261 weekdays - 18 weekday holidays + 5 make-up days.
        assert_eq!(
            c.working_days_between(d(2024, 12, 31), d(2025, 12, 31))
                .value,
            248
        );
        assert_eq!(
            c.working_days_between(d(2023, 12, 31), d(2024, 12, 31))
                .value,
            251
        );
        assert_eq!(
            c.working_days_between(d(2025, 12, 31), d(2026, 12, 31))
                .value,
            248
        );
        assert!(
            !c.working_days_between(d(2023, 12, 31), d(2026, 12, 31))
                .provisional
        );
        assert!(
            c.working_days_between(d(2023, 12, 30), d(2024, 1, 2))
                .provisional
        );
    }

    #[test]
    fn roll_forward() {
        let c = cal();
        assert_eq!(c.roll_forward(d(2025, 10, 9)).date, d(2025, 10, 9));
        assert_eq!(c.roll_forward(d(2025, 10, 1)).date, d(2025, 10, 9));
        assert_eq!(c.roll_forward(d(2025, 10, 11)).date, d(2025, 10, 11));
        assert_eq!(
            c.roll_forward(d(2027, 1, 2)),
            Dated {
                date: d(2027, 1, 4),
                provisional: true
            }
        );
    }

    #[test]
    fn empty_calendar_is_weekday_rule() {
        let c = Calendar::default();
        let r = c.add_working_days(d(2025, 9, 30), 3);
        assert_eq!(
            r,
            Dated {
                date: d(2025, 10, 3),
                provisional: true
            }
        );
        assert_eq!(c.add_working_days(d(2025, 1, 3), 10).date, d(2025, 1, 17));
        assert_eq!(c.add_working_days(d(2025, 1, 3), 11).date, d(2025, 1, 20));
    }
}
