//! Reference data, read-only: the working-day calendar (each loaded year
//! with its State Council notice) and the rule set in force.
//!
//! Public, like the record catalogue and the purposes: these are the facts
//! of law every deadline the platform shows is computed from, and anyone
//! checking a deadline needs them. Loading a year stays an operator action
//! (`xinyong calendar load`). Both answers come from one in-memory snapshot
//! (`AppState::reference`), the one the deadlines are computed from, so a
//! query never mixes two versions.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::rules;

use super::state;
use crate::state::{BUILTIN_LOADER, Reference};

/// How a rule's amount is counted.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleUnit {
    /// 工作日: Monday to Friday, minus holidays, plus make-up working days.
    WorkingDays,
    /// 日: a last day on a rest day moves to the next working day.
    CalendarDays,
    Months,
    Years,
}

impl From<rules::Unit> for RuleUnit {
    fn from(u: rules::Unit) -> Self {
        match u {
            rules::Unit::WorkingDays => RuleUnit::WorkingDays,
            rules::Unit::CalendarDays => RuleUnit::CalendarDays,
            rules::Unit::Months => RuleUnit::Months,
            rules::Unit::Years => RuleUnit::Years,
        }
    }
}

/// Whether a rule states the law or a choice the platform made where the
/// law gives no number.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleBasis {
    Law,
    Policy,
}

/// How far a rule's number was checked against its source.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleVerification {
    /// Read in the full primary text.
    Primary,
    /// Seen quoted on a third-party page.
    Secondary,
    /// Not yet checked against a text: needs legal review.
    Unverified,
}

/// The State Council General Office's notice a calendar year comes from.
#[derive(SimpleObject)]
pub struct CalendarNotice {
    /// e.g. 国务院办公厅关于2026年部分节假日安排的通知
    pub title: String,
    /// e.g. 国办发明电〔2024〕12号, when known.
    pub number: Option<String>,
    pub published_on: Option<NaiveDate>,
    /// Where the official text was read.
    pub url: Option<String>,
}

/// Statutory holiday days (放假), an inclusive range as printed in the
/// notice (weekend days included).
#[derive(SimpleObject)]
pub struct Holiday {
    pub name_zh: String,
    pub name_en: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days in the range.
    pub days: i32,
}

/// A Saturday or Sunday that is an official working day (调休上班).
#[derive(SimpleObject)]
pub struct MakeupWorkday {
    pub date: NaiveDate,
    pub name_zh: String,
    pub name_en: String,
}

/// One loaded year of the working-day calendar.
#[derive(SimpleObject)]
pub struct CalendarYear {
    pub year: i32,
    pub notice: CalendarNotice,
    /// In date order.
    pub holidays: Vec<Holiday>,
    /// In date order.
    pub makeup_workdays: Vec<MakeupWorkday>,
    /// Holiday days in the year (weekend days in a range included).
    pub holiday_day_count: i32,
    /// Compiled into the platform (true) or loaded by an operator.
    pub built_in: bool,
    /// When the year was stored.
    pub loaded_at: Option<DateTime<Utc>>,
    /// `built-in`, or who loaded it (`cli` for `xinyong calendar load`).
    pub loaded_by: Option<String>,
}

/// The working-day calendar the platform computes deadlines with.
#[derive(SimpleObject)]
pub struct HolidayCalendar {
    /// Every loaded year, oldest first.
    pub years: Vec<CalendarYear>,
    /// The last year loaded: a deadline that runs past it is provisional
    /// until the next notice is loaded.
    pub last_loaded_year: Option<i32>,
}

/// One rule (a deadline or period), in the version in force on the day asked.
#[derive(SimpleObject)]
pub struct Rule {
    /// Dotted id, e.g. `objection.first_check` (the `ruleId` of a `CaseDeadline`).
    pub id: String,
    pub title_zh: String,
    pub title_en: String,
    /// The number of units, e.g. 3.
    pub amount: i32,
    pub unit: RuleUnit,
    /// The unit's name: 个工作日, 日, 个月, 年.
    pub unit_name_zh: String,
    /// The unit's name: working days, calendar days, months, years.
    pub unit_name_en: String,
    /// The period in words: 3个工作日.
    pub period_zh: String,
    /// The period in words: 3 working days.
    pub period_en: String,
    /// First day this version applies to a clock starting on it.
    pub effective_from: NaiveDate,
    /// Last day this version applies (inclusive), when superseded.
    pub effective_until: Option<NaiveDate>,
    /// Citation: document, article, and where it was read.
    pub source: String,
    /// What starts the clock, in words (English).
    pub start_event: Option<String>,
    pub basis: RuleBasis,
    pub verification: RuleVerification,
    /// Whether a last day on a rest day moves to the next working day.
    pub roll_to_working_day: bool,
    pub note: Option<String>,
}

/// The rules in force on one day.
#[derive(SimpleObject)]
pub struct RuleSet {
    pub name: Option<String>,
    pub description: Option<String>,
    /// The day the rules were chosen for.
    pub on: NaiveDate,
    /// One version per rule, sorted by id.
    pub rules: Vec<Rule>,
}

fn calendar(r: &Reference) -> HolidayCalendar {
    let years: Vec<CalendarYear> = r
        .calendar
        .years()
        .map(|y| {
            let n = y.notice();
            let load = r.calendar_loads.get(&y.year());
            let loaded_by = load.and_then(|l| l.loaded_by.clone());
            CalendarYear {
                year: y.year(),
                notice: CalendarNotice {
                    title: n.title.clone(),
                    number: n.number.clone(),
                    published_on: n.published_on,
                    url: n.url.clone(),
                },
                holidays: y
                    .holidays()
                    .iter()
                    .map(|h| Holiday {
                        name_zh: h.name_zh.clone(),
                        name_en: h.name_en.clone(),
                        from: h.from,
                        to: h.to,
                        days: i32::try_from((h.to - h.from).num_days() + 1).unwrap_or(i32::MAX),
                    })
                    .collect(),
                makeup_workdays: y
                    .makeup_workdays()
                    .iter()
                    .map(|m| MakeupWorkday {
                        date: m.date,
                        name_zh: m.name_zh.clone(),
                        name_en: m.name_en.clone(),
                    })
                    .collect(),
                holiday_day_count: i32::try_from(y.holiday_day_count()).unwrap_or(i32::MAX),
                built_in: loaded_by.as_deref() == Some(BUILTIN_LOADER),
                loaded_at: load.map(|l| l.loaded_at),
                loaded_by,
            }
        })
        .collect();
    HolidayCalendar {
        last_loaded_year: years.last().map(|y| y.year),
        years,
    }
}

fn rule(r: &rules::Rule) -> Rule {
    Rule {
        id: r.id.clone(),
        title_zh: r.title_zh.clone(),
        title_en: r.title_en.clone(),
        amount: i32::try_from(r.amount).unwrap_or(i32::MAX),
        unit: r.unit.into(),
        unit_name_zh: r.unit.name_zh().to_string(),
        unit_name_en: r.unit.name_en().to_string(),
        period_zh: r.describe_zh(),
        period_en: r.describe_en(),
        effective_from: r.effective_from,
        effective_until: r.effective_until,
        source: r.source.clone(),
        start_event: r.start_event.clone(),
        basis: match r.basis {
            rules::Basis::Law => RuleBasis::Law,
            rules::Basis::Policy => RuleBasis::Policy,
        },
        verification: match r.verification {
            rules::Verification::Primary => RuleVerification::Primary,
            rules::Verification::Secondary => RuleVerification::Secondary,
            rules::Verification::Unverified => RuleVerification::Unverified,
        },
        roll_to_working_day: r.roll_to_working_day,
        note: r.note.clone(),
    }
}

fn rule_set(r: &Reference, on: NaiveDate) -> RuleSet {
    RuleSet {
        name: r.rules.name().map(str::to_string),
        description: r.rules.description().map(str::to_string),
        on,
        rules: r.rules.rules_in_force(on).into_iter().map(rule).collect(),
    }
}

#[derive(Default)]
pub struct ReferenceQueries;

#[Object]
impl ReferenceQueries {
    /// The working-day calendar (public): every loaded year with its State
    /// Council notice, holidays and make-up working days, and whether it is
    /// built in or was loaded by an operator.
    async fn holiday_calendar(&self, ctx: &Context<'_>) -> HolidayCalendar {
        let snapshot: Arc<Reference> = state(ctx).reference();
        calendar(&snapshot)
    }

    /// The rules (deadlines and periods) in force on `on` (public; default
    /// today in Asia/Shanghai), one version per rule, with their sources.
    async fn rule_set(&self, ctx: &Context<'_>, on: Option<NaiveDate>) -> RuleSet {
        let st = state(ctx);
        let on = on.unwrap_or_else(|| domain::time::local_date(st.now()));
        rule_set(&st.reference(), on)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use domain::calendar::Calendar;

    use super::*;
    use crate::state::CalendarLoad;

    fn snapshot() -> Reference {
        let mut calendar_loads = BTreeMap::new();
        calendar_loads.insert(
            2026,
            CalendarLoad {
                loaded_at: "2025-11-05T02:00:00Z".parse().expect("an instant"),
                loaded_by: Some("cli".into()),
            },
        );
        calendar_loads.insert(
            2025,
            CalendarLoad {
                loaded_at: "2025-01-01T00:00:00Z".parse().expect("an instant"),
                loaded_by: Some(BUILTIN_LOADER.into()),
            },
        );
        Reference {
            calendar: Calendar::builtin(),
            rules: rules::RuleSet::builtin(),
            calendar_loads,
        }
    }

    #[test]
    fn calendar_years_carry_their_notice_ranges_and_who_loaded_them() {
        let c = calendar(&snapshot());
        assert_eq!(c.last_loaded_year, Some(2026));
        let y = c.years.iter().find(|y| y.year == 2026).expect("2026");
        assert!(!y.built_in);
        assert_eq!(y.loaded_by.as_deref(), Some("cli"));
        let national = y
            .holidays
            .iter()
            .find(|h| h.name_en == "National Day")
            .expect("National Day");
        assert_eq!(
            (national.from.to_string(), national.days),
            ("2026-10-01".into(), 7)
        );
        assert!(c.years.iter().any(|y| y.year == 2025 && y.built_in));
        // A year the snapshot has no load facts for says so, rather than guessing.
        let y24 = c.years.iter().find(|y| y.year == 2024).expect("2024");
        assert!(!y24.built_in && y24.loaded_at.is_none());
    }

    #[test]
    fn rules_in_force_have_period_words_in_both_languages() {
        let on = NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date");
        let set = rule_set(&snapshot(), on);
        let first = set
            .rules
            .iter()
            .find(|r| r.id == rules::OBJECTION_FIRST_CHECK)
            .expect("first check");
        assert_eq!(first.period_zh, "3个工作日");
        assert_eq!(first.period_en, "3 working days");
        assert_eq!(first.unit, RuleUnit::WorkingDays);
        assert!(first.source.contains("Art. 44"), "{}", first.source);
    }
}
