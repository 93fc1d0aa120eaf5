//! The disclosure engine (信息披露): how long a record is published, and who
//! may see it on a given day.
//!
//! Two pure functions carry it, both documented in `docs/disclosure.md`:
//!
//! * [`publication_window`](crate::disclosure::publication_window) turns a record's dates and its (already
//!   resolved) publication rule into the window during which it is
//!   disclosed — the Measures Art. 21 (seed 002 l.579-587), 国办发〔2025〕22号
//!   item 二 for penalties, the elevator scheme (seed 002 l.1068, l.1090) —
//!   with the amounts taken from the rule set ([`crate::rules`]).
//! * [`decide`](crate::disclosure::decide) says whether one audience may see one record today:
//!   the record's disclosure attribute (Measures Art. 22, seed 002 l.589-591),
//!   whether the subject is a natural person (Art. 23 ¶2, seed 002 l.595),
//!   the audience's consent (Art. 26 ¶2, seed 002 l.605), the record's state
//!   (objection: Art. 45, seed 002 l.695-699) and its window.
//!
//! No I/O, no clock: `today` (the Asia/Shanghai date, [`crate::time`]) is a
//! parameter.
//!
//! **Window end convention.** `Window::end` is the last day the record is
//! public, inclusive. It is the last day of the period as the Civil Code
//! counts it — the day of the event is not counted (民法典 Art. 201) and a
//! period in months or years ends on the corresponding day (Art. 202) — so
//! "published for 3 months from 2025-01-15" is public up to and including
//! 2025-04-15 and hidden from 2025-04-16. The end does **not** roll over a
//! holiday: a publication window is a span during which a state lasts, not a
//! time limit for someone to act, and rolling would lengthen the publication
//! of adverse information (see `docs/rules.md`, "Counting periods"). A rule
//! that asks for the roll (`roll_to_working_day = true`) gets it, through
//! [`Rule::apply`](crate::rules::Rule::apply).

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::{Calendar, Dated};
use crate::rules::{self, Rule, RuleSet};

// ---------------------------------------------------------------------------
// Publication rule ids: the contract with the catalogue
// (`api/resources/catalogue.toml`, `docs/catalogue.md`). The api resolves a
// category's variant (`CategoryDef::publication_rule_for`); this module
// receives one of these.

/// Basic information: from the decision until 3 years after the organisation
/// ends (Measures Art. 21(1), seed 002 l.579). Same string as the rule-set id.
pub const PUBLICATION_BASIC: &str = "publication.basic.after_termination";
/// Good information: the honour's validity, or until cancelled (Art. 21(2)-(3),
/// seed 002 l.581-583).
pub const PUBLICATION_GOOD: &str = "publication.good";
/// An evaluation result (tax, environment): until `valid_until`, when the
/// next evaluation supersedes it (seed 002 l.829, l.865).
pub const PUBLICATION_RATING: &str = "publication.rating";
/// Hint information: 5 years from the end of the conduct (Art. 21(4), seed 002 l.585).
pub const PUBLICATION_HINT: &str = "publication.hint";
/// Warning information: 5 years from the end of the conduct (Art. 21(4)).
pub const PUBLICATION_WARNING: &str = "publication.warning";
/// A penalty without a severity: refused ([`DisclosureErrorKind::SeverityRequired`]).
pub const PUBLICATION_PENALTY: &str = "publication.penalty";
/// Minor penalty (轻微): at most 3 months (国办发〔2025〕22号 item 二).
pub const PUBLICATION_PENALTY_MINOR: &str = "publication.penalty.minor";
/// General penalty (一般): 3 months to 1 year (same).
pub const PUBLICATION_PENALTY_GENERAL: &str = "publication.penalty.general";
/// Serious penalty (严重): 1 to 3 years (same).
pub const PUBLICATION_PENALTY_SERIOUS: &str = "publication.penalty.serious";
/// Dishonest judgment debtor: open-ended until the court shields or revokes
/// the entry (seed 002 l.381) — a state change, not a window end.
pub const PUBLICATION_COURT_DEFAULTER: &str = "publication.court_defaulter";
/// Elevator maintenance bad record: 1 year from inclusion (seed 002 l.1068).
pub const PUBLICATION_ELEVATOR_BAD_RECORD: &str = "publication.elevator_bad_record";
/// Elevator maintenance blacklist: 1 year from publication (seed 002 l.1090).
pub const PUBLICATION_ELEVATOR_BLACKLIST: &str = "publication.elevator_blacklist";
/// Elevator blacklist after a 较大 accident: 2 years (seed 002 l.1090).
pub const PUBLICATION_ELEVATOR_BLACKLIST_LARGE: &str = "publication.elevator_blacklist.large";
/// Elevator blacklist after a 重大 accident: 3 years (seed 002 l.1090).
pub const PUBLICATION_ELEVATOR_BLACKLIST_MAJOR: &str = "publication.elevator_blacklist.major";
/// Elevator blacklist after a 特别重大 accident: 4 years (seed 002 l.1090).
pub const PUBLICATION_ELEVATOR_BLACKLIST_EXTRAORDINARY: &str =
    "publication.elevator_blacklist.extraordinary";

/// Every publication rule id [`publication_window`] understands.
pub const PUBLICATION_RULES: &[&str] = &[
    PUBLICATION_BASIC,
    PUBLICATION_GOOD,
    PUBLICATION_RATING,
    PUBLICATION_HINT,
    PUBLICATION_WARNING,
    PUBLICATION_PENALTY,
    PUBLICATION_PENALTY_MINOR,
    PUBLICATION_PENALTY_GENERAL,
    PUBLICATION_PENALTY_SERIOUS,
    PUBLICATION_COURT_DEFAULTER,
    PUBLICATION_ELEVATOR_BAD_RECORD,
    PUBLICATION_ELEVATOR_BLACKLIST,
    PUBLICATION_ELEVATOR_BLACKLIST_LARGE,
    PUBLICATION_ELEVATOR_BLACKLIST_MAJOR,
    PUBLICATION_ELEVATOR_BLACKLIST_EXTRAORDINARY,
];

// ---------------------------------------------------------------------------
// Vocabulary

/// Declares `ALL`, `as_str` (the snake_case name, as stored by the entity
/// crate) and `parse` for a fieldless enum.
macro_rules! names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The snake_case name (as stored in the database).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }

            /// The variant named `s` (snake_case), if any.
            pub fn parse(s: &str) -> Option<$ty> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Whether a category's records must carry their legal-basis document
/// (type, number, issuer, effective date): warning information and
/// administrative penalties rest on a decision document (Measures Art. 18).
/// Penalties are the 双公示 categories whose code names a penalty.
pub fn legal_basis_required(class: InfoClass, double_publicity: bool, category_code: &str) -> bool {
    class == InfoClass::Warning || double_publicity && category_code.contains("penalty")
}

/// The four information classes (Measures Art. 12, seed 002 l.491-499).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InfoClass {
    /// 基本信息
    Basic,
    /// 良好信息
    Good,
    /// 提示信息
    Hint,
    /// 警示信息
    Warning,
}

names!(InfoClass { Basic => "basic", Good => "good", Hint => "hint", Warning => "warning" });

/// 公开属性: a record's disclosure attribute (Measures Art. 22, seed 002 l.589-591).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attribute {
    /// 社会公开: published to the public without the subject's consent.
    Public,
    /// 授权查询: queried only with the subject's consent.
    Authorized,
    /// 政务共享: shared among government bodies.
    Government,
}

names!(Attribute { Public => "public", Authorized => "authorized", Government => "government" });

/// Severity of negative information (国办发〔2025〕22号 item 二: 轻微, 一般, 严重).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 轻微
    Minor,
    /// 一般
    General,
    /// 严重
    Serious,
}

names!(Severity { Minor => "minor", General => "general", Serious => "serious" });

impl Severity {
    /// The penalty publication rule id of this severity
    /// (`publication.penalty.<severity>`).
    pub fn penalty_publication_rule(self) -> &'static str {
        match self {
            Severity::Minor => PUBLICATION_PENALTY_MINOR,
            Severity::General => PUBLICATION_PENALTY_GENERAL,
            Severity::Serious => PUBLICATION_PENALTY_SERIOUS,
        }
    }

    /// The rule-set ids of the minimum (none for minor) and maximum
    /// publication period of a penalty of this severity.
    pub fn penalty_rule_ids(self) -> (Option<&'static str>, &'static str) {
        match self {
            Severity::Minor => (None, rules::PUBLICATION_PENALTY_MINOR_MAX),
            Severity::General => (
                Some(rules::PUBLICATION_PENALTY_GENERAL_MIN),
                rules::PUBLICATION_PENALTY_GENERAL_MAX,
            ),
            Severity::Serious => (
                Some(rules::PUBLICATION_PENALTY_SERIOUS_MIN),
                rules::PUBLICATION_PENALTY_SERIOUS_MAX,
            ),
        }
    }

    fn penalty_en(self) -> &'static str {
        match self {
            Severity::Minor => "a minor penalty",
            Severity::General => "a general penalty",
            Severity::Serious => "a serious penalty",
        }
    }

    fn penalty_zh(self) -> &'static str {
        match self {
            Severity::Minor => "轻微失信行政处罚信息",
            Severity::General => "一般失信行政处罚信息",
            Severity::Serious => "严重失信行政处罚信息",
        }
    }
}

/// A record's lifecycle state, as far as disclosure is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// Published according to its attribute and window.
    Active,
    /// An objection is open: disclosure suspended (Measures Art. 45 ¶1, seed 002 l.695).
    UnderObjection,
    /// Credit repaired: publication and sharing stop (NDRC Order 36 Art. 3).
    Repaired,
    /// Withdrawn by the provider, or no longer offered for query because the
    /// provider did not verify an objection (Art. 45 ¶3, seed 002 l.699).
    Withdrawn,
    /// The window ran out: released from disclosure and archived, not
    /// deleted (Art. 21, seed 002 l.587).
    Archived,
    /// Deleted with the reason recorded (Art. 45 ¶1, seed 002 l.695).
    Deleted,
}

names!(RecordState {
    Active => "active",
    UnderObjection => "under_objection",
    Repaired => "repaired",
    Withdrawn => "withdrawn",
    Archived => "archived",
    Deleted => "deleted",
});

// ---------------------------------------------------------------------------
// Publication windows

/// What [`publication_window`] needs to know about a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowInput<'a> {
    /// The resolved publication rule id, e.g. `publication.penalty.general`
    /// (one of [`PUBLICATION_RULES`]).
    pub publication_rule: &'a str,
    /// Date of the decision (or listing) the record reports. The window
    /// starts that day, and the rule version is the one in force that day.
    pub decided_on: NaiveDate,
    /// When the conduct or event ended (hint and warning information count
    /// 5 years from it); `None` = the decision date.
    pub conduct_ended_on: Option<NaiveDate>,
    /// Last day of an honour's or rating's validity, inclusive (good
    /// information, ratings); `None` = until cancelled.
    pub valid_until: Option<NaiveDate>,
    /// The day the organisation ended (deregistered or revoked): basic
    /// information is published until 3 years after it. `None` while it exists.
    pub subject_ended_on: Option<NaiveDate>,
    /// A publication end the department decided (penalties only, within the
    /// range of [`requested_end_range`]). `None` = the maximum.
    pub requested_end: Option<NaiveDate>,
}

/// When a record is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// First public day: the decision date.
    pub start: NaiveDate,
    /// Last public day, inclusive; `None` = open-ended. May be before
    /// `start` when the period had run out before the decision (e.g. conduct
    /// that ended more than 5 years before a warning was recorded): such a
    /// window is empty ([`Window::is_empty`]) and the record is never public.
    pub end: Option<NaiveDate>,
    /// The end depends on a year whose calendar is not loaded (only possible
    /// for rules counted in working days or rolled to a working day):
    /// recompute when the year is loaded.
    pub provisional: bool,
    /// Rule-set ids whose amounts fixed the window (empty when the record's
    /// own dates do, as for good information). The version applied is
    /// [`rule_version`]`(rules, id, start)`.
    pub rule_ids: Vec<String>,
}

impl Window {
    /// The period had run out before it started: never public.
    pub fn is_empty(&self) -> bool {
        self.end.is_some_and(|end| end < self.start)
    }

    /// Whether `day` is a public day of the window (start and end included).
    pub fn contains(&self, day: NaiveDate) -> bool {
        day >= self.start && self.end.is_none_or(|end| day <= end)
    }
}

/// The range of publication ends a department may choose for a penalty
/// (国办发〔2025〕22号 item 二: minimum and maximum publication periods).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndRange {
    /// Earliest allowed last public day (the decision date for minor penalties).
    pub min: NaiveDate,
    /// Latest allowed last public day; the default.
    pub max: NaiveDate,
    pub provisional: bool,
    pub rule_ids: Vec<String>,
}

/// The version of rule `id` that governs a clock started on `clock_started`
/// (for publication windows: the decision date). It is the version in force
/// that day (`RuleSet::rule_in_force`), so a rule change never moves a
/// window that is already running. A record decided before the rule's
/// first version took effect (a 2005 business licence, a minor penalty
/// decided before NDRC Order 36) is judged by that first version: it is the
/// rule under which the platform first discloses the record, and no rule at
/// all would mean no limit. A day in a gap between versions, or after the
/// last one ended, has none.
pub fn rule_version<'r>(
    rules: &'r RuleSet,
    id: &str,
    clock_started: NaiveDate,
) -> Option<&'r Rule> {
    rules.rule_in_force(id, clock_started).or_else(|| {
        rules
            .rules()
            .iter()
            .filter(|r| r.id == id)
            .min_by_key(|r| r.effective_from)
            .filter(|first| clock_started < first.effective_from)
    })
}

/// How a publication rule id fixes the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WindowKind {
    /// Open-ended while the organisation exists; 3 years after it ends.
    AfterTermination,
    /// Until `valid_until`; open-ended without it.
    UntilValid,
    /// The rule's period from the end of the conduct (or the decision).
    FromConductEnd(&'static str),
    /// The rule's period from the decision.
    FromDecision(&'static str),
    /// Between the severity's minimum and maximum, chosen by the department.
    Penalty(Severity),
    /// Open-ended: the court ends the listing by a state change.
    UntilCourtExit,
}

impl WindowKind {
    fn of(publication_rule: &str) -> Result<WindowKind, DisclosureErrorKind> {
        Ok(match publication_rule {
            PUBLICATION_BASIC => WindowKind::AfterTermination,
            PUBLICATION_GOOD | PUBLICATION_RATING => WindowKind::UntilValid,
            PUBLICATION_HINT => WindowKind::FromConductEnd(rules::PUBLICATION_HINT),
            PUBLICATION_WARNING => WindowKind::FromConductEnd(rules::PUBLICATION_WARNING),
            PUBLICATION_PENALTY => {
                return Err(DisclosureErrorKind::SeverityRequired {
                    publication_rule: publication_rule.to_string(),
                });
            }
            PUBLICATION_PENALTY_MINOR => WindowKind::Penalty(Severity::Minor),
            PUBLICATION_PENALTY_GENERAL => WindowKind::Penalty(Severity::General),
            PUBLICATION_PENALTY_SERIOUS => WindowKind::Penalty(Severity::Serious),
            PUBLICATION_COURT_DEFAULTER => WindowKind::UntilCourtExit,
            PUBLICATION_ELEVATOR_BAD_RECORD => WindowKind::FromDecision(rules::ELEVATOR_BAD_RECORD),
            PUBLICATION_ELEVATOR_BLACKLIST => WindowKind::FromDecision(rules::ELEVATOR_BLACKLIST),
            PUBLICATION_ELEVATOR_BLACKLIST_LARGE => {
                WindowKind::FromDecision(rules::ELEVATOR_BLACKLIST_ACCIDENT_LARGE)
            }
            PUBLICATION_ELEVATOR_BLACKLIST_MAJOR => {
                WindowKind::FromDecision(rules::ELEVATOR_BLACKLIST_ACCIDENT_MAJOR)
            }
            PUBLICATION_ELEVATOR_BLACKLIST_EXTRAORDINARY => {
                WindowKind::FromDecision(rules::ELEVATOR_BLACKLIST_ACCIDENT_EXTRAORDINARY)
            }
            other => {
                return Err(DisclosureErrorKind::UnknownRule {
                    publication_rule: other.to_string(),
                });
            }
        })
    }

    /// What the record is, for messages ("for hint information").
    fn what_en(self, publication_rule: &str) -> &'static str {
        match self {
            WindowKind::AfterTermination => "basic information",
            WindowKind::UntilValid if publication_rule == PUBLICATION_RATING => {
                "an evaluation result"
            }
            WindowKind::UntilValid => "good information",
            WindowKind::FromConductEnd(rules::PUBLICATION_HINT) => "hint information",
            WindowKind::FromConductEnd(_) => "warning information",
            WindowKind::FromDecision(rules::ELEVATOR_BAD_RECORD) => "an elevator bad record",
            WindowKind::FromDecision(_) => "an elevator blacklist entry",
            WindowKind::Penalty(s) => s.penalty_en(),
            WindowKind::UntilCourtExit => "a dishonest judgment debtor entry",
        }
    }

    fn what_zh(self, publication_rule: &str) -> &'static str {
        match self {
            WindowKind::AfterTermination => "基本信息",
            WindowKind::UntilValid if publication_rule == PUBLICATION_RATING => "评价结果",
            WindowKind::UntilValid => "良好信息",
            WindowKind::FromConductEnd(rules::PUBLICATION_HINT) => "提示信息",
            WindowKind::FromConductEnd(_) => "警示信息",
            WindowKind::FromDecision(rules::ELEVATOR_BAD_RECORD) => "电梯维保不良信用记录",
            WindowKind::FromDecision(_) => "电梯维保黑名单",
            WindowKind::Penalty(s) => s.penalty_zh(),
            WindowKind::UntilCourtExit => "失信被执行人信息",
        }
    }
}

/// Rule look-ups and date arithmetic for one window, collecting the ids
/// used and whether any answer was provisional.
struct Counter<'a> {
    rules: &'a RuleSet,
    calendar: &'a Calendar,
    decided_on: NaiveDate,
    rule_ids: Vec<String>,
    provisional: bool,
}

impl<'a> Counter<'a> {
    fn new(rules: &'a RuleSet, calendar: &'a Calendar, decided_on: NaiveDate) -> Self {
        Counter {
            rules,
            calendar,
            decided_on,
            rule_ids: Vec::new(),
            provisional: false,
        }
    }

    /// The version of `id` for this record (by decision date), noted.
    fn rule(&mut self, id: &'static str) -> Result<&'a Rule, DisclosureErrorKind> {
        let rule = rule_version(self.rules, id, self.decided_on).ok_or_else(|| {
            DisclosureErrorKind::NoRuleInForce {
                rule_id: id.to_string(),
                decided_on: self.decided_on,
            }
        })?;
        self.rule_ids.push(id.to_string());
        Ok(rule)
    }

    /// The last day of `rule`'s period counted from `from`.
    fn end(&mut self, rule: &Rule, from: NaiveDate) -> NaiveDate {
        let Dated { date, provisional } = rule.apply(from, self.calendar);
        self.provisional |= provisional;
        date
    }
}

/// The range a department may choose a penalty's publication end from, for
/// a penalty decided on `decided_on`: `[decided_on + minimum, decided_on +
/// maximum]` (国办发〔2025〕22号 item 二; minor penalties have no minimum, so the
/// range starts on the decision date). `Ok(None)` when the publication rule
/// is not a penalty's: its end is fixed by its rule and the record's dates.
pub fn requested_end_range(
    publication_rule: &str,
    decided_on: NaiveDate,
    rules: &RuleSet,
    calendar: &Calendar,
) -> Result<Option<EndRange>, DisclosureError> {
    match WindowKind::of(publication_rule)? {
        WindowKind::Penalty(severity) => {
            let mut counter = Counter::new(rules, calendar, decided_on);
            let range = penalty_range(&mut counter, severity)?;
            Ok(Some(range))
        }
        _ => Ok(None),
    }
}

fn penalty_range(
    counter: &mut Counter<'_>,
    severity: Severity,
) -> Result<EndRange, DisclosureErrorKind> {
    let decided_on = counter.decided_on;
    let (min_id, max_id) = severity.penalty_rule_ids();
    let min = match min_id {
        Some(id) => {
            let rule = counter.rule(id)?;
            counter.end(rule, decided_on)
        }
        None => decided_on,
    };
    let max_rule = counter.rule(max_id)?;
    let max = counter.end(max_rule, decided_on);
    if min > max {
        return Err(DisclosureErrorKind::InvertedRange {
            min_rule: min_id.unwrap_or(max_id).to_string(),
            max_rule: max_id.to_string(),
            min,
            max,
            decided_on,
        });
    }
    Ok(EndRange {
        min,
        max,
        provisional: counter.provisional,
        rule_ids: counter.rule_ids.clone(),
    })
}

/// The publication window of a record.
///
/// * start: always the decision date (`decided_on`).
/// * `publication.basic.after_termination`: open-ended while the
///   organisation exists; with `subject_ended_on`, until 3 years after it
///   (Measures Art. 21(1), seed 002 l.579).
/// * `publication.good`, `publication.rating`: until `valid_until`
///   (inclusive), open-ended without one (Art. 21(2)-(3), seed 002
///   l.581-583). A `valid_until` before the decision is refused.
/// * `publication.hint`, `publication.warning`: 5 years from
///   `conduct_ended_on`, else from `decided_on` (Art. 21(4), seed 002 l.585);
///   then archived (l.587).
/// * `publication.penalty.{minor,general,serious}`: the department's
///   `requested_end` within [`requested_end_range`], else the maximum
///   (国办发〔2025〕22号 item 二; NDRC Orders 58 and 36). `publication.penalty`
///   alone is refused: a penalty needs a severity.
/// * `publication.elevator_*`: the elevator scheme's periods from the
///   decision (inclusion or listing; seed 002 l.1068, l.1090).
/// * `publication.court_defaulter`: open-ended; the court's exit (seed 002
///   l.381) is a state change, not a window end.
///
/// Amounts come from the rule set, each in the version selected by
/// [`rule_version`] on the decision date; months and years are counted by
/// [`Rule::apply`] (民法典 Arts. 201-202, not rolled over holidays unless
/// the rule says so). `requested_end` is accepted only for penalties (or
/// when it equals the end the rule gives).
pub fn publication_window(
    input: &WindowInput<'_>,
    rules: &RuleSet,
    calendar: &Calendar,
) -> Result<Window, DisclosureError> {
    let kind = WindowKind::of(input.publication_rule)?;
    let start = input.decided_on;
    let mut counter = Counter::new(rules, calendar, start);
    let end = match kind {
        WindowKind::AfterTermination => {
            let rule = counter.rule(rules::PUBLICATION_BASIC_AFTER_TERMINATION)?;
            input.subject_ended_on.map(|ended| counter.end(rule, ended))
        }
        WindowKind::UntilValid => {
            if let Some(valid_until) = input.valid_until
                && valid_until < start
            {
                return Err(DisclosureErrorKind::ValidUntilBeforeDecision {
                    valid_until,
                    decided_on: start,
                }
                .into());
            }
            input.valid_until
        }
        WindowKind::FromConductEnd(id) => {
            let rule = counter.rule(id)?;
            Some(counter.end(rule, input.conduct_ended_on.unwrap_or(start)))
        }
        WindowKind::FromDecision(id) => {
            let rule = counter.rule(id)?;
            Some(counter.end(rule, start))
        }
        WindowKind::UntilCourtExit => None,
        WindowKind::Penalty(severity) => {
            let range = penalty_range(&mut counter, severity)?;
            match input.requested_end {
                None => Some(range.max),
                Some(requested) if (range.min..=range.max).contains(&requested) => Some(requested),
                Some(requested) => {
                    return Err(DisclosureErrorKind::EndOutOfRange {
                        requested,
                        min: range.min,
                        max: range.max,
                        severity,
                    }
                    .into());
                }
            }
        }
    };
    if !matches!(kind, WindowKind::Penalty(_))
        && let Some(requested) = input.requested_end
        && Some(requested) != end
    {
        return Err(DisclosureErrorKind::EndFixed {
            what_en: kind.what_en(input.publication_rule),
            what_zh: kind.what_zh(input.publication_rule),
            requested,
            fixed: end,
        }
        .into());
    }
    Ok(Window {
        start,
        end,
        provisional: counter.provisional,
        rule_ids: counter.rule_ids,
    })
}

// ---------------------------------------------------------------------------
// Errors

/// What went wrong computing a window. Wrapped in [`DisclosureError`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DisclosureErrorKind {
    #[error("'{publication_rule}' is not a publication rule the disclosure engine knows")]
    UnknownRule { publication_rule: String },

    #[error(
        "'{publication_rule}' needs a severity: a penalty is published for a period that \
         depends on whether it is minor, general or serious"
    )]
    SeverityRequired { publication_rule: String },

    #[error("the rule set has no version of {rule_id} for a record decided on {decided_on}")]
    NoRuleInForce {
        rule_id: String,
        decided_on: NaiveDate,
    },

    #[error(
        "the publication end must be between {min} and {max} for {}; {requested} is outside \
         that range",
        severity.penalty_en()
    )]
    EndOutOfRange {
        requested: NaiveDate,
        min: NaiveDate,
        max: NaiveDate,
        severity: Severity,
    },

    #[error(
        "the publication end of {what_en} is fixed by its rule ({}); a department cannot \
         choose {requested}",
        fixed.map_or_else(|| "open-ended".to_string(), |d| format!("last public day {d}"))
    )]
    EndFixed {
        what_en: &'static str,
        what_zh: &'static str,
        requested: NaiveDate,
        fixed: Option<NaiveDate>,
    },

    #[error("valid_until {valid_until} is before the decision date {decided_on}")]
    ValidUntilBeforeDecision {
        valid_until: NaiveDate,
        decided_on: NaiveDate,
    },

    #[error(
        "rule set defect: the minimum {min_rule} ends on {min}, after the maximum {max_rule} \
         ({max}), for a record decided on {decided_on}"
    )]
    InvertedRange {
        min_rule: String,
        max_rule: String,
        min: NaiveDate,
        max: NaiveDate,
        decided_on: NaiveDate,
    },
}

/// Why a publication window could not be computed: a stable [`code`],
/// the [`field`] of [`WindowInput`] at fault, and messages in English
/// (`Display`) and Chinese ([`message_zh`]).
///
/// [`code`]: DisclosureError::code
/// [`field`]: DisclosureError::field
/// [`message_zh`]: DisclosureError::message_zh
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind}")]
pub struct DisclosureError {
    kind: DisclosureErrorKind,
}

impl From<DisclosureErrorKind> for DisclosureError {
    fn from(kind: DisclosureErrorKind) -> Self {
        DisclosureError { kind }
    }
}

impl DisclosureError {
    /// Every code [`DisclosureError::code`] can return.
    pub const ALL_CODES: &'static [&'static str] = &[
        "DISCLOSURE_UNKNOWN_RULE",
        "DISCLOSURE_SEVERITY_REQUIRED",
        "DISCLOSURE_NO_RULE_IN_FORCE",
        "DISCLOSURE_END_OUT_OF_RANGE",
        "DISCLOSURE_END_FIXED",
        "DISCLOSURE_VALID_UNTIL",
        "DISCLOSURE_RULE_RANGE",
    ];

    pub fn kind(&self) -> &DisclosureErrorKind {
        &self.kind
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self.kind {
            DisclosureErrorKind::UnknownRule { .. } => "DISCLOSURE_UNKNOWN_RULE",
            DisclosureErrorKind::SeverityRequired { .. } => "DISCLOSURE_SEVERITY_REQUIRED",
            DisclosureErrorKind::NoRuleInForce { .. } => "DISCLOSURE_NO_RULE_IN_FORCE",
            DisclosureErrorKind::EndOutOfRange { .. } => "DISCLOSURE_END_OUT_OF_RANGE",
            DisclosureErrorKind::EndFixed { .. } => "DISCLOSURE_END_FIXED",
            DisclosureErrorKind::ValidUntilBeforeDecision { .. } => "DISCLOSURE_VALID_UNTIL",
            DisclosureErrorKind::InvertedRange { .. } => "DISCLOSURE_RULE_RANGE",
        }
    }

    /// The [`WindowInput`] field at fault (`None`: a defect of the rule set,
    /// not of the input).
    pub fn field(&self) -> Option<&'static str> {
        match self.kind {
            DisclosureErrorKind::UnknownRule { .. } => Some("publication_rule"),
            DisclosureErrorKind::SeverityRequired { .. } => Some("severity"),
            DisclosureErrorKind::NoRuleInForce { .. } => Some("decided_on"),
            DisclosureErrorKind::EndOutOfRange { .. } | DisclosureErrorKind::EndFixed { .. } => {
                Some("requested_end")
            }
            DisclosureErrorKind::ValidUntilBeforeDecision { .. } => Some("valid_until"),
            DisclosureErrorKind::InvertedRange { .. } => None,
        }
    }

    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match &self.kind {
            DisclosureErrorKind::UnknownRule { publication_rule } => {
                format!("未知的公示规则“{publication_rule}”")
            }
            DisclosureErrorKind::SeverityRequired { .. } => {
                "行政处罚信息须注明失信程度（轻微、一般或严重），公示期限据此确定".to_string()
            }
            DisclosureErrorKind::NoRuleInForce {
                rule_id,
                decided_on,
            } => format!("规则集中没有适用于{decided_on}作出决定的信息的规则{rule_id}"),
            DisclosureErrorKind::EndOutOfRange {
                requested,
                min,
                max,
                severity,
            } => format!(
                "{}的公示截止日期须在{min}至{max}之间，{requested}不在此范围内",
                severity.penalty_zh()
            ),
            DisclosureErrorKind::EndFixed {
                what_zh,
                requested,
                fixed,
                ..
            } => match fixed {
                Some(end) => {
                    format!("{what_zh}的公示期限由规则确定（截至{end}），不能指定为{requested}")
                }
                None => {
                    format!("{what_zh}的公示期限由规则确定（无截止日期），不能指定为{requested}")
                }
            },
            DisclosureErrorKind::ValidUntilBeforeDecision {
                valid_until,
                decided_on,
            } => format!("有效期截止日{valid_until}早于决定日期{decided_on}"),
            DisclosureErrorKind::InvertedRange {
                min_rule,
                max_rule,
                decided_on,
                ..
            } => format!(
                "规则集错误：对{decided_on}作出决定的信息，最短公示期{min_rule}长于最长公示期{max_rule}"
            ),
        }
    }
}

// ---------------------------------------------------------------------------
// Who sees what

/// What [`decide`] needs to know about a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts {
    pub info_class: InfoClass,
    /// Catalogue code, e.g. `administrative_penalty`.
    pub category: String,
    pub attribute: Attribute,
    pub state: RecordState,
    /// The subject is a natural person: never public (Measures Art. 23 ¶2,
    /// seed 002 l.595).
    pub natural_person: bool,
    /// The stored window ([`Window::start`], [`Window::end`]).
    pub window_start: NaiveDate,
    pub window_end: Option<NaiveDate>,
}

/// What a subject's consent lets an agency query: records of these classes,
/// and records of these categories. Empty lists = nothing. Validity and
/// revocation of the consent are the caller's business: pass a scope only
/// for a consent that is in force.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentScope {
    pub classes: Vec<InfoClass>,
    pub categories: Vec<String>,
}

impl ConsentScope {
    /// Whether the scope covers a record of this class or category.
    pub fn covers(&self, class: InfoClass, category: &str) -> bool {
        self.classes.contains(&class) || self.categories.iter().any(|c| c == category)
    }
}

/// Who is looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience<'a> {
    /// Anyone, without signing in (信用福建 / the public pages and API fields).
    Public,
    /// A credit agency or bank, with the subject's consent if it has one in
    /// force for this subject.
    Agency { consent: Option<&'a ConsentScope> },
    /// Department staff and platform operators.
    Government,
    /// The subject itself (an account bound to it).
    Subject,
}

/// The answer of [`decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Visibility {
    Visible,
    Hidden(HiddenReason),
}

impl Visibility {
    pub fn is_visible(self) -> bool {
        matches!(self, Visibility::Visible)
    }

    /// The reason when hidden.
    pub fn reason(self) -> Option<HiddenReason> {
        match self {
            Visibility::Visible => None,
            Visibility::Hidden(r) => Some(r),
        }
    }
}

/// Why a record is hidden from an audience.
///
/// `Ord` is declaration order, which is not the precedence:
/// see [`HiddenReason::PRECEDENCE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HiddenReason {
    /// Today is before the window's start.
    NotYetPublished,
    /// Today is after the window's end, or the record is archived
    /// (Measures Art. 21, seed 002 l.587).
    WindowEnded,
    /// An objection is open (Art. 45 ¶1, seed 002 l.695).
    UnderObjection,
    /// Credit repaired (NDRC Order 36 Art. 3: publication and sharing stop).
    Repaired,
    /// Withdrawn / no longer offered for query (Art. 45 ¶3, seed 002 l.699).
    Withdrawn,
    /// Deleted, reason recorded (Art. 45 ¶1, seed 002 l.695).
    Deleted,
    /// A natural person's record, asked for by the public (Art. 23 ¶2, seed 002 l.595).
    NaturalPerson,
    /// Attribute 政务共享, asked for by the public or an agency (Art. 22).
    GovernmentOnly,
    /// Attribute 授权查询 (or a natural person's record), asked for without
    /// consent (Art. 22; Art. 26 ¶2, seed 002 l.605).
    ConsentRequired,
    /// The agency's consent covers neither the record's class nor its category.
    OutsideConsentScope,
}

impl HiddenReason {
    /// Every reason, in declaration order.
    pub const ALL: &'static [HiddenReason] = &[
        HiddenReason::NotYetPublished,
        HiddenReason::WindowEnded,
        HiddenReason::UnderObjection,
        HiddenReason::Repaired,
        HiddenReason::Withdrawn,
        HiddenReason::Deleted,
        HiddenReason::NaturalPerson,
        HiddenReason::GovernmentOnly,
        HiddenReason::ConsentRequired,
        HiddenReason::OutsideConsentScope,
    ];

    /// When several reasons apply, [`decide`] gives the first of this list:
    /// the one that reveals least about the record.
    ///
    /// 1. Entitlement (natural person, government only, consent required,
    ///    outside the consent): depends only on who asks and what kind of
    ///    record it is, never on the record's history. `NaturalPerson` first:
    ///    it holds for every record of a person, so it says nothing about this
    ///    one.
    /// 2. `WindowEnded`: follows from dates, and is final.
    /// 3. `Deleted`, `Withdrawn`, `Repaired`: final outcomes of the record's
    ///    history (a record has one state, so at most one applies).
    /// 4. `NotYetPublished`: follows from dates, but temporary; placed after
    ///    the final outcomes so that a deleted record is never announced as
    ///    "not yet published".
    /// 5. `UnderObjection`: last, because it discloses a pending dispute;
    ///    given only when nothing else hides the record.
    pub const PRECEDENCE: &'static [HiddenReason] = &[
        HiddenReason::NaturalPerson,
        HiddenReason::GovernmentOnly,
        HiddenReason::ConsentRequired,
        HiddenReason::OutsideConsentScope,
        HiddenReason::WindowEnded,
        HiddenReason::Deleted,
        HiddenReason::Withdrawn,
        HiddenReason::Repaired,
        HiddenReason::NotYetPublished,
        HiddenReason::UnderObjection,
    ];

    /// Stable machine-readable code, e.g. `UNDER_OBJECTION`.
    pub fn code(&self) -> &'static str {
        match self {
            HiddenReason::NotYetPublished => "NOT_YET_PUBLISHED",
            HiddenReason::WindowEnded => "WINDOW_ENDED",
            HiddenReason::UnderObjection => "UNDER_OBJECTION",
            HiddenReason::Repaired => "REPAIRED",
            HiddenReason::Withdrawn => "WITHDRAWN",
            HiddenReason::Deleted => "DELETED",
            HiddenReason::NaturalPerson => "NATURAL_PERSON",
            HiddenReason::GovernmentOnly => "GOVERNMENT_ONLY",
            HiddenReason::ConsentRequired => "CONSENT_REQUIRED",
            HiddenReason::OutsideConsentScope => "OUTSIDE_CONSENT_SCOPE",
        }
    }

    /// The reason whose code is `code`.
    pub fn from_code(code: &str) -> Option<HiddenReason> {
        Self::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// Position in [`HiddenReason::PRECEDENCE`] (0 = given first).
    pub fn rank(&self) -> usize {
        Self::PRECEDENCE
            .iter()
            .position(|r| r == self)
            .unwrap_or(Self::PRECEDENCE.len())
    }

    /// A short label, e.g. for "hidden from the public: under objection".
    pub fn label_en(&self) -> &'static str {
        match self {
            HiddenReason::NotYetPublished => "not yet published",
            HiddenReason::WindowEnded => "publication period ended",
            HiddenReason::UnderObjection => "under objection",
            HiddenReason::Repaired => "credit repaired",
            HiddenReason::Withdrawn => "withdrawn",
            HiddenReason::Deleted => "deleted",
            HiddenReason::NaturalPerson => "a natural person's information",
            HiddenReason::GovernmentOnly => "government sharing only",
            HiddenReason::ConsentRequired => "requires the subject's consent",
            HiddenReason::OutsideConsentScope => "outside the consent's scope",
        }
    }

    /// A short label in Chinese.
    pub fn label_zh(&self) -> &'static str {
        match self {
            HiddenReason::NotYetPublished => "尚未公示",
            HiddenReason::WindowEnded => "披露期限已届满",
            HiddenReason::UnderObjection => "异议处理中",
            HiddenReason::Repaired => "已信用修复",
            HiddenReason::Withdrawn => "已撤回",
            HiddenReason::Deleted => "已删除",
            HiddenReason::NaturalPerson => "自然人信息",
            HiddenReason::GovernmentOnly => "仅限政务共享",
            HiddenReason::ConsentRequired => "须经信息主体授权",
            HiddenReason::OutsideConsentScope => "超出授权范围",
        }
    }

    /// One sentence saying why, for the subject and for staff.
    pub fn explain_en(&self) -> &'static str {
        match self {
            HiddenReason::NotYetPublished => "The record's publication window has not started yet.",
            HiddenReason::WindowEnded => {
                "The publication period has ended: the record was released from disclosure \
                 and archived, not deleted."
            }
            HiddenReason::UnderObjection => {
                "An objection to this record is being handled: disclosure is suspended until \
                 it is decided."
            }
            HiddenReason::Repaired => {
                "The subject's credit was repaired: the record is no longer published or shared."
            }
            HiddenReason::Withdrawn => {
                "The record was withdrawn and is no longer offered for query."
            }
            HiddenReason::Deleted => "The record was deleted and the reason recorded.",
            HiddenReason::NaturalPerson => {
                "A natural person's credit information is not made public: it is disclosed \
                 only by query with the person's consent."
            }
            HiddenReason::GovernmentOnly => "The record is shared among government bodies only.",
            HiddenReason::ConsentRequired => {
                "The record can be queried only with the subject's written consent."
            }
            HiddenReason::OutsideConsentScope => {
                "The subject's consent does not cover this record's information class or \
                 category."
            }
        }
    }

    /// One sentence saying why, in Chinese.
    pub fn explain_zh(&self) -> &'static str {
        match self {
            HiddenReason::NotYetPublished => "该信息的公示期尚未开始。",
            HiddenReason::WindowEnded => {
                "披露期限已届满，该信息已解除披露并转为档案保存，并未删除。"
            }
            HiddenReason::UnderObjection => "该信息正在异议处理中，处理期间暂停披露。",
            HiddenReason::Repaired => "信息主体已完成信用修复，该信息已停止公示和共享。",
            HiddenReason::Withdrawn => "该信息已撤回，不再提供查询。",
            HiddenReason::Deleted => "该信息已删除，并已注明删除理由。",
            HiddenReason::NaturalPerson => "自然人信用信息不予公开，只通过授权查询方式披露。",
            HiddenReason::GovernmentOnly => {
                "该信息属于政务共享信息，仅在有关机关和组织间共享查询。"
            }
            HiddenReason::ConsentRequired => "该信息须经信息主体书面授权同意方可查询。",
            HiddenReason::OutsideConsentScope => "信息主体的授权范围不包括该信息的类别或目录。",
        }
    }
}

impl fmt::Display for HiddenReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The reason of entitlement, if any: what this audience may never see of
/// records like this one, whatever their state or window.
fn entitlement(facts: &RecordFacts, audience: &Audience<'_>) -> Option<HiddenReason> {
    match audience {
        Audience::Subject | Audience::Government => None,
        Audience::Public => {
            if facts.natural_person {
                Some(HiddenReason::NaturalPerson)
            } else {
                match facts.attribute {
                    Attribute::Public => None,
                    Attribute::Authorized => Some(HiddenReason::ConsentRequired),
                    Attribute::Government => Some(HiddenReason::GovernmentOnly),
                }
            }
        }
        Audience::Agency { consent } => {
            if facts.attribute == Attribute::Government {
                Some(HiddenReason::GovernmentOnly)
            } else if facts.attribute == Attribute::Public && !facts.natural_person {
                // What the public sees needs no consent.
                None
            } else {
                match consent {
                    None => Some(HiddenReason::ConsentRequired),
                    Some(scope) if scope.covers(facts.info_class, &facts.category) => None,
                    Some(_) => Some(HiddenReason::OutsideConsentScope),
                }
            }
        }
    }
}

/// Archived, past its end, or an empty window.
fn window_ended(facts: &RecordFacts, today: NaiveDate) -> bool {
    facts.state == RecordState::Archived
        || facts
            .window_end
            .is_some_and(|end| today > end || end < facts.window_start)
}

/// Whether `audience` may see the record on `today`.
///
/// * The subject always sees its own records (DESIGN "Record visibility";
///   Measures Art. 26 ¶3-4): [`public_status`] tells it why a record is
///   hidden from others.
/// * Everyone else: the record must be entitled to the audience (attribute,
///   natural person, consent — see [`HiddenReason`]), in a state that
///   discloses it (`Active`), and inside its window (start and end
///   included). Government (department staff, operators) is entitled to
///   every attribute; an agency needs no consent for what the public sees,
///   never sees 政务共享 records, and otherwise needs a consent covering the
///   record's class or category.
///
/// When several reasons apply the first of [`HiddenReason::PRECEDENCE`] is
/// given.
pub fn decide(facts: &RecordFacts, audience: &Audience<'_>, today: NaiveDate) -> Visibility {
    if matches!(audience, Audience::Subject) {
        return Visibility::Visible;
    }
    if let Some(reason) = entitlement(facts, audience) {
        return Visibility::Hidden(reason);
    }
    if window_ended(facts, today) {
        return Visibility::Hidden(HiddenReason::WindowEnded);
    }
    match facts.state {
        RecordState::Deleted => return Visibility::Hidden(HiddenReason::Deleted),
        RecordState::Withdrawn => return Visibility::Hidden(HiddenReason::Withdrawn),
        RecordState::Repaired => return Visibility::Hidden(HiddenReason::Repaired),
        RecordState::Active | RecordState::UnderObjection | RecordState::Archived => {}
    }
    if today < facts.window_start {
        return Visibility::Hidden(HiddenReason::NotYetPublished);
    }
    if facts.state == RecordState::UnderObjection {
        return Visibility::Hidden(HiddenReason::UnderObjection);
    }
    Visibility::Visible
}

/// Every reason the record is hidden from `audience` on `today`, in
/// precedence order (empty = visible). For staff diagnostics: [`decide`]
/// gives only the first.
pub fn hidden_reasons(
    facts: &RecordFacts,
    audience: &Audience<'_>,
    today: NaiveDate,
) -> Vec<HiddenReason> {
    if matches!(audience, Audience::Subject) {
        return Vec::new();
    }
    let mut reasons: Vec<HiddenReason> = entitlement(facts, audience).into_iter().collect();
    if window_ended(facts, today) {
        reasons.push(HiddenReason::WindowEnded);
    }
    match facts.state {
        RecordState::Deleted => reasons.push(HiddenReason::Deleted),
        RecordState::Withdrawn => reasons.push(HiddenReason::Withdrawn),
        RecordState::Repaired => reasons.push(HiddenReason::Repaired),
        RecordState::UnderObjection => reasons.push(HiddenReason::UnderObjection),
        RecordState::Active | RecordState::Archived => {}
    }
    if today < facts.window_start && !reasons.contains(&HiddenReason::WindowEnded) {
        reasons.push(HiddenReason::NotYetPublished);
    }
    reasons.sort_by_key(HiddenReason::rank);
    reasons
}

/// A record's standing with the public, for the subject's own view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PublicStatus {
    /// Public now, up to and including `until` (`None`: no end date).
    Public { until: Option<NaiveDate> },
    /// Hidden from the public, and why.
    Hidden(HiddenReason),
}

impl PublicStatus {
    /// "public until 2027-03-31", "hidden from the public: under objection".
    pub fn describe_en(&self) -> String {
        match self {
            PublicStatus::Public { until: Some(d) } => format!("public until {d}"),
            PublicStatus::Public { until: None } => "public, with no end date".to_string(),
            PublicStatus::Hidden(r) => format!("hidden from the public: {}", r.label_en()),
        }
    }

    /// "公开至2027-03-31", "不向社会公开：异议处理中".
    pub fn describe_zh(&self) -> String {
        match self {
            PublicStatus::Public { until: Some(d) } => format!("公开至{d}"),
            PublicStatus::Public { until: None } => "公开，无截止日期".to_string(),
            PublicStatus::Hidden(r) => format!("不向社会公开：{}", r.label_zh()),
        }
    }
}

/// What the public sees of the record today: [`decide`] for
/// [`Audience::Public`], with the window's end when public.
pub fn public_status(facts: &RecordFacts, today: NaiveDate) -> PublicStatus {
    match decide(facts, &Audience::Public, today) {
        Visibility::Visible => PublicStatus::Public {
            until: facts.window_end,
        },
        Visibility::Hidden(reason) => PublicStatus::Hidden(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Days;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn warning_information_and_penalties_need_their_legal_basis() {
        use InfoClass::*;
        // Warning information always, whatever the category.
        assert!(legal_basis_required(Warning, false, "court_defaulter"));
        assert!(legal_basis_required(Warning, true, "x"));
        // 双公示 penalties (hint class) too; 双公示 licences do not.
        assert!(legal_basis_required(Hint, true, "administrative_penalty"));
        assert!(!legal_basis_required(Basic, true, "administrative_licence"));
        // A penalty-like code outside 双公示 is not one.
        assert!(!legal_basis_required(Hint, false, "administrative_penalty"));
        assert!(!legal_basis_required(Good, false, "civilised_unit"));
    }

    fn plus(date: NaiveDate, days: i64) -> NaiveDate {
        if days >= 0 {
            date.checked_add_days(Days::new(days.unsigned_abs()))
                .unwrap()
        } else {
            date.checked_sub_days(Days::new(days.unsigned_abs()))
                .unwrap()
        }
    }

    fn input(rule: &str, decided_on: NaiveDate) -> WindowInput<'_> {
        WindowInput {
            publication_rule: rule,
            decided_on,
            conduct_ended_on: None,
            valid_until: None,
            subject_ended_on: None,
            requested_end: None,
        }
    }

    fn window(input: &WindowInput<'_>) -> Result<Window, DisclosureError> {
        publication_window(input, &RuleSet::builtin(), &Calendar::builtin())
    }

    fn end_of(input: &WindowInput<'_>) -> Option<NaiveDate> {
        window(input).unwrap().end
    }

    fn facts(attribute: Attribute, state: RecordState, natural_person: bool) -> RecordFacts {
        RecordFacts {
            info_class: InfoClass::Warning,
            category: "administrative_penalty".to_string(),
            attribute,
            state,
            natural_person,
            window_start: d(2025, 3, 10),
            window_end: Some(d(2026, 3, 10)),
        }
    }

    fn public_facts(w: &Window) -> RecordFacts {
        RecordFacts {
            window_start: w.start,
            window_end: w.end,
            ..facts(Attribute::Public, RecordState::Active, false)
        }
    }

    /// A rule file with one rule per row.
    /// (id, amount, unit, effective_from, effective_until, extra TOML).
    type RuleRow<'a> = (&'a str, u32, &'a str, &'a str, Option<&'a str>, &'a str);

    fn rule_file(rules: &[RuleRow<'_>]) -> RuleSet {
        let mut text = String::new();
        for (id, amount, unit, from, until, extra) in rules {
            text.push_str(&format!(
                "[[rule]]\nid = \"{id}\"\namount = {amount}\nunit = \"{unit}\"\n\
                 effective_from = {from}\nsource = \"test\"\ntitle_zh = \"测试\"\n\
                 title_en = \"test\"\nbasis = \"law\"\n{extra}\n"
            ));
            if let Some(until) = until {
                text.push_str(&format!("effective_until = {until}\n"));
            }
        }
        RuleSet::parse_toml(&text).unwrap()
    }

    // -----------------------------------------------------------------------
    // Contract with the catalogue

    #[test]
    fn every_catalogue_publication_rule_is_understood() {
        let text = include_str!("../../api/resources/catalogue.toml");
        let cat: toml::Value = toml::from_str(text).unwrap();
        let mut ids = Vec::new();
        for table in ["classes", "categories"] {
            for entry in cat[table].as_array().unwrap() {
                let base = entry["publication_rule"].as_str().unwrap().to_string();
                if let Some(variants) = entry.get("publication_variants") {
                    for v in variants.as_array().unwrap() {
                        ids.push(format!("{base}.{}", v.as_str().unwrap()));
                    }
                }
                ids.push(base);
            }
        }
        assert!(ids.len() > 20);
        for id in &ids {
            assert!(PUBLICATION_RULES.contains(&id.as_str()), "{id}");
            let result = window(&WindowInput {
                valid_until: Some(d(2027, 1, 1)),
                ..input(id, d(2026, 5, 1))
            });
            match result {
                Ok(w) => assert_eq!(w.start, d(2026, 5, 1), "{id}"),
                Err(e) => {
                    assert_eq!(id, PUBLICATION_PENALTY);
                    assert_eq!(e.code(), "DISCLOSURE_SEVERITY_REQUIRED");
                }
            }
        }
        let docs = include_str!("../../docs/catalogue.md");
        for id in PUBLICATION_RULES {
            assert!(
                docs.contains(&format!("`{id}`")),
                "docs/catalogue.md misses {id}"
            );
        }
        for s in Severity::ALL {
            assert!(PUBLICATION_RULES.contains(&s.penalty_publication_rule()));
        }
    }

    // -----------------------------------------------------------------------
    // Window end convention and penalties

    #[test]
    fn three_months_from_2025_01_15_last_public_day_is_2025_04_15() {
        let w = window(&WindowInput {
            requested_end: Some(d(2025, 4, 15)),
            ..input(PUBLICATION_PENALTY_GENERAL, d(2025, 1, 15))
        })
        .unwrap();
        assert_eq!((w.start, w.end), (d(2025, 1, 15), Some(d(2025, 4, 15))));
        let f = public_facts(&w);
        assert_eq!(
            decide(&f, &Audience::Public, d(2025, 1, 15)),
            Visibility::Visible
        );
        assert_eq!(
            decide(&f, &Audience::Public, d(2025, 4, 15)),
            Visibility::Visible
        );
        assert_eq!(
            decide(&f, &Audience::Public, d(2025, 4, 16)),
            Visibility::Hidden(HiddenReason::WindowEnded)
        );
        assert_eq!(
            decide(&f, &Audience::Public, d(2025, 1, 14)),
            Visibility::Hidden(HiddenReason::NotYetPublished)
        );
        // Default: the maximum, 1 year.
        assert_eq!(
            end_of(&input(PUBLICATION_PENALTY_GENERAL, d(2025, 1, 15))),
            Some(d(2026, 1, 15))
        );
    }

    #[test]
    fn requested_end_outside_the_range_is_a_field_error() {
        let err = window(&WindowInput {
            requested_end: Some(d(2026, 5, 1)),
            ..input(PUBLICATION_PENALTY_GENERAL, d(2025, 3, 1))
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the publication end must be between 2025-06-01 and 2026-03-01 for a general \
             penalty; 2026-05-01 is outside that range"
        );
        assert_eq!(err.code(), "DISCLOSURE_END_OUT_OF_RANGE");
        assert_eq!(err.field(), Some("requested_end"));
        assert_eq!(
            err.message_zh(),
            "一般失信行政处罚信息的公示截止日期须在2025-06-01至2026-03-01之间，2026-05-01不在此范围内"
        );
        assert_eq!(
            err.kind(),
            &DisclosureErrorKind::EndOutOfRange {
                requested: d(2026, 5, 1),
                min: d(2025, 6, 1),
                max: d(2026, 3, 1),
                severity: Severity::General,
            }
        );
    }

    #[test]
    fn penalty_bounds_each_severity_at_the_edges() {
        let decided = d(2026, 4, 10);
        let cases = [
            (Severity::Minor, decided, d(2026, 7, 10)),
            (Severity::General, d(2026, 7, 10), d(2027, 4, 10)),
            (Severity::Serious, d(2027, 4, 10), d(2029, 4, 10)),
        ];
        for (severity, min, max) in cases {
            let rule = severity.penalty_publication_rule();
            let with = |end: NaiveDate| {
                window(&WindowInput {
                    requested_end: Some(end),
                    ..input(rule, decided)
                })
            };
            assert_eq!(with(min).unwrap().end, Some(min), "{severity} min");
            assert_eq!(with(max).unwrap().end, Some(max), "{severity} max");
            assert_eq!(
                with(plus(min, -1)).unwrap_err().code(),
                "DISCLOSURE_END_OUT_OF_RANGE"
            );
            assert_eq!(
                with(plus(max, 1)).unwrap_err().code(),
                "DISCLOSURE_END_OUT_OF_RANGE"
            );
            let default = window(&input(rule, decided)).unwrap();
            assert_eq!(default.end, Some(max), "{severity} default");
            assert!(!default.provisional);
            let (min_id, max_id) = severity.penalty_rule_ids();
            let expected: Vec<String> = min_id
                .into_iter()
                .chain([max_id])
                .map(String::from)
                .collect();
            assert_eq!(default.rule_ids, expected);
            let range =
                requested_end_range(rule, decided, &RuleSet::builtin(), &Calendar::builtin())
                    .unwrap()
                    .unwrap();
            assert_eq!((range.min, range.max), (min, max));
            assert_eq!(range.rule_ids, expected);
        }
        // A minor penalty may be published on the decision day only.
        let one_day = window(&WindowInput {
            requested_end: Some(decided),
            ..input(PUBLICATION_PENALTY_MINOR, decided)
        })
        .unwrap();
        assert!(one_day.contains(decided));
        assert!(!one_day.contains(plus(decided, 1)));
    }

    #[test]
    fn requested_end_range_is_none_for_fixed_windows() {
        let (rules, cal) = (RuleSet::builtin(), Calendar::builtin());
        for id in PUBLICATION_RULES {
            let r = requested_end_range(id, d(2026, 5, 1), &rules, &cal);
            match *id {
                PUBLICATION_PENALTY => {
                    assert_eq!(r.unwrap_err().code(), "DISCLOSURE_SEVERITY_REQUIRED")
                }
                PUBLICATION_PENALTY_MINOR
                | PUBLICATION_PENALTY_GENERAL
                | PUBLICATION_PENALTY_SERIOUS => assert!(r.unwrap().is_some(), "{id}"),
                _ => assert_eq!(r.unwrap(), None, "{id}"),
            }
        }
        assert_eq!(
            requested_end_range("publication.nope", d(2026, 5, 1), &rules, &cal)
                .unwrap_err()
                .code(),
            "DISCLOSURE_UNKNOWN_RULE"
        );
    }

    #[test]
    fn month_and_year_ends_follow_civil_code_art_202() {
        // No corresponding day: the last day of the month.
        let range = |rule, decided| {
            requested_end_range(rule, decided, &RuleSet::builtin(), &Calendar::builtin())
                .unwrap()
                .unwrap()
        };
        assert_eq!(
            range(PUBLICATION_PENALTY_GENERAL, d(2025, 11, 30)).min,
            d(2026, 2, 28)
        );
        assert_eq!(
            range(PUBLICATION_PENALTY_GENERAL, d(2025, 1, 31)).min,
            d(2025, 4, 30)
        );
        assert_eq!(
            range(PUBLICATION_PENALTY_SERIOUS, d(2024, 2, 29)).max,
            d(2027, 2, 28)
        );
        assert_eq!(
            range(PUBLICATION_PENALTY_SERIOUS, d(2024, 2, 29)).min,
            d(2025, 2, 28)
        );
        assert_eq!(
            range(PUBLICATION_PENALTY_MINOR, d(2026, 11, 30)).max,
            d(2027, 2, 28)
        );
    }

    // -----------------------------------------------------------------------
    // Holidays

    #[test]
    fn window_ending_in_national_day_2025_does_not_roll() {
        // General penalty decided 2024-10-03: max 1 year = 2025-10-03, inside
        // the National Day and Mid-Autumn holiday (2025-10-01 to 10-08).
        let w = window(&input(PUBLICATION_PENALTY_GENERAL, d(2024, 10, 3))).unwrap();
        assert_eq!(w.end, Some(d(2025, 10, 3)));
        assert!(!w.provisional);
        let f = public_facts(&w);
        assert!(decide(&f, &Audience::Public, d(2025, 10, 3)).is_visible());
        assert_eq!(
            decide(&f, &Audience::Public, d(2025, 10, 4)),
            Visibility::Hidden(HiddenReason::WindowEnded)
        );
        // A requested end on the last day of the holiday is accepted as is.
        let on_holiday = window(&WindowInput {
            requested_end: Some(d(2025, 10, 8)),
            ..input(PUBLICATION_PENALTY_SERIOUS, d(2024, 10, 8))
        })
        .unwrap();
        assert_eq!(on_holiday.end, Some(d(2025, 10, 8)));
    }

    #[test]
    fn window_ending_in_spring_festival_2025_does_not_roll() {
        // Hint information, conduct ended 2020-01-29: 5 years = 2025-01-29,
        // the second day of Spring Festival (2025-01-28 to 02-04).
        let w = window(&WindowInput {
            conduct_ended_on: Some(d(2020, 1, 29)),
            ..input(PUBLICATION_HINT, d(2020, 3, 2))
        })
        .unwrap();
        assert_eq!(w.end, Some(d(2025, 1, 29)));
        assert_eq!(w.rule_ids, vec![rules::PUBLICATION_HINT.to_string()]);
        // General penalty decided 2024-10-30: the minimum is 2025-01-30, a
        // Spring Festival day; it is the earliest end allowed, one day less is not.
        let decided = d(2024, 10, 30);
        let ok = window(&WindowInput {
            requested_end: Some(d(2025, 1, 30)),
            ..input(PUBLICATION_PENALTY_GENERAL, decided)
        });
        assert_eq!(ok.unwrap().end, Some(d(2025, 1, 30)));
        let early = window(&WindowInput {
            requested_end: Some(d(2025, 1, 29)),
            ..input(PUBLICATION_PENALTY_GENERAL, decided)
        });
        assert_eq!(early.unwrap_err().code(), "DISCLOSURE_END_OUT_OF_RANGE");
        // A decision dated on a holiday starts its window that day.
        let elevator = window(&input(PUBLICATION_ELEVATOR_BAD_RECORD, d(2025, 10, 1))).unwrap();
        assert_eq!(
            (elevator.start, elevator.end),
            (d(2025, 10, 1), Some(d(2026, 10, 1)))
        );
        assert!(public_facts(&elevator).window_start == d(2025, 10, 1));
        assert!(decide(&public_facts(&elevator), &Audience::Public, d(2025, 10, 1)).is_visible());
    }

    #[test]
    fn a_rule_that_asks_for_the_roll_gets_it_and_may_be_provisional() {
        let rules = rule_file(&[(
            "publication.hint",
            5,
            "years",
            "2015-08-01",
            None,
            "roll_to_working_day = true",
        )]);
        let cal = Calendar::builtin();
        let w = publication_window(
            &WindowInput {
                conduct_ended_on: Some(d(2020, 1, 29)),
                ..input(PUBLICATION_HINT, d(2020, 3, 2))
            },
            &rules,
            &cal,
        )
        .unwrap();
        // 2025-01-29 (Spring Festival) rolls to Wednesday 2025-02-05.
        assert_eq!(w.end, Some(d(2025, 2, 5)));
        assert!(!w.provisional);
        // Landing in 2027, whose calendar is not loaded: provisional.
        let later = publication_window(
            &WindowInput {
                conduct_ended_on: Some(d(2022, 1, 1)),
                ..input(PUBLICATION_HINT, d(2022, 1, 4))
            },
            &rules,
            &cal,
        )
        .unwrap();
        assert_eq!(later.end, Some(d(2027, 1, 1)));
        assert!(later.provisional);
        // The built-in rules are never rolled, so never provisional.
        let builtin = window(&input(PUBLICATION_PENALTY_SERIOUS, d(2029, 12, 31))).unwrap();
        assert_eq!(builtin.end, Some(d(2032, 12, 31)));
        assert!(!builtin.provisional);
    }

    #[test]
    fn provisional_propagates_from_working_day_rules() {
        let rules = rule_file(&[
            (
                "publication.penalty.general.min",
                10,
                "working_days",
                "2015-01-01",
                None,
                "",
            ),
            (
                "publication.penalty.general.max",
                40,
                "working_days",
                "2015-01-01",
                None,
                "",
            ),
        ]);
        let cal = Calendar::builtin();
        let firm = publication_window(
            &input(PUBLICATION_PENALTY_GENERAL, d(2025, 9, 1)),
            &rules,
            &cal,
        )
        .unwrap();
        assert!(!firm.provisional);
        let into_2027 = publication_window(
            &input(PUBLICATION_PENALTY_GENERAL, d(2026, 12, 1)),
            &rules,
            &cal,
        )
        .unwrap();
        assert!(into_2027.provisional);
        let range = requested_end_range(PUBLICATION_PENALTY_GENERAL, d(2026, 12, 1), &rules, &cal)
            .unwrap()
            .unwrap();
        assert!(range.provisional);
    }

    // -----------------------------------------------------------------------
    // Rule versions

    #[test]
    fn rule_version_is_selected_by_the_decision_date() {
        let rules = rule_file(&[
            (
                "publication.warning",
                5,
                "years",
                "2015-08-01",
                Some("2026-12-31"),
                "",
            ),
            ("publication.warning", 3, "years", "2027-01-01", None, ""),
        ]);
        let cal = Calendar::builtin();
        let conduct = Some(d(2026, 6, 30));
        let old = publication_window(
            &WindowInput {
                conduct_ended_on: conduct,
                ..input(PUBLICATION_WARNING, d(2026, 12, 31))
            },
            &rules,
            &cal,
        )
        .unwrap();
        assert_eq!(old.end, Some(d(2031, 6, 30)));
        // Same conduct, decided one day later: the new version, counted from
        // the same end of conduct.
        let new = publication_window(
            &WindowInput {
                conduct_ended_on: conduct,
                ..input(PUBLICATION_WARNING, d(2027, 1, 1))
            },
            &rules,
            &cal,
        )
        .unwrap();
        assert_eq!(new.end, Some(d(2029, 6, 30)));
        assert_eq!(
            rule_version(&rules, "publication.warning", new.start)
                .unwrap()
                .amount,
            3
        );
        assert_eq!(
            rule_version(&rules, "publication.warning", old.start)
                .unwrap()
                .amount,
            5
        );
    }

    #[test]
    fn builtin_penalty_versions_switch_on_2026_04_01() {
        let rules = RuleSet::builtin();
        let before = window(&input(PUBLICATION_PENALTY_GENERAL, d(2026, 3, 31))).unwrap();
        let after = window(&input(PUBLICATION_PENALTY_GENERAL, d(2026, 4, 1))).unwrap();
        let version = |w: &Window| {
            rule_version(&rules, rules::PUBLICATION_PENALTY_GENERAL_MAX, w.start)
                .unwrap()
                .effective_from
        };
        assert_eq!(version(&before), d(2023, 5, 1));
        assert_eq!(version(&after), d(2026, 4, 1));
        assert_eq!(before.end, Some(d(2027, 3, 31)));
        assert_eq!(after.end, Some(d(2027, 4, 1)));
    }

    #[test]
    fn records_older_than_the_first_version_use_it() {
        let rules = RuleSet::builtin();
        // Minor penalties have versions only from 2026-04-01 (NDRC Order 36).
        assert!(
            rules
                .rule_in_force(rules::PUBLICATION_PENALTY_MINOR_MAX, d(2026, 3, 31))
                .is_none()
        );
        let minor = window(&input(PUBLICATION_PENALTY_MINOR, d(2026, 3, 31))).unwrap();
        assert_eq!(minor.end, Some(d(2026, 6, 30)));
        assert_eq!(
            rule_version(&rules, rules::PUBLICATION_PENALTY_MINOR_MAX, d(2026, 3, 31))
                .unwrap()
                .effective_from,
            d(2026, 4, 1)
        );
        // A 2005 business licence of an organisation that ended in 2020.
        let licence = window(&WindowInput {
            subject_ended_on: Some(d(2020, 5, 31)),
            ..input(PUBLICATION_BASIC, d(2005, 6, 1))
        })
        .unwrap();
        assert_eq!(licence.end, Some(d(2023, 5, 31)));
        // A general penalty from 2020, before NDRC Order 58.
        assert_eq!(
            end_of(&input(PUBLICATION_PENALTY_GENERAL, d(2020, 7, 1))),
            Some(d(2021, 7, 1))
        );
    }

    #[test]
    fn a_gap_or_a_retired_rule_has_no_version() {
        let rules = rule_file(&[
            (
                "publication.warning",
                5,
                "years",
                "2015-08-01",
                Some("2020-12-31"),
                "",
            ),
            (
                "publication.warning",
                3,
                "years",
                "2022-01-01",
                Some("2023-12-31"),
                "",
            ),
        ]);
        let cal = Calendar::builtin();
        for decided in [d(2021, 6, 1), d(2024, 1, 1)] {
            let err =
                publication_window(&input(PUBLICATION_WARNING, decided), &rules, &cal).unwrap_err();
            assert_eq!(err.code(), "DISCLOSURE_NO_RULE_IN_FORCE");
            assert_eq!(err.field(), Some("decided_on"));
            assert_eq!(
                err.to_string(),
                format!(
                    "the rule set has no version of publication.warning for a record decided on {decided}"
                )
            );
        }
        assert!(
            publication_window(&input(PUBLICATION_WARNING, d(2014, 1, 1)), &rules, &cal).is_ok()
        );
        // A rule set without the rule at all.
        let empty = rule_file(&[("x.y", 1, "years", "2015-01-01", None, "")]);
        let err =
            publication_window(&input(PUBLICATION_HINT, d(2024, 1, 1)), &empty, &cal).unwrap_err();
        assert_eq!(err.code(), "DISCLOSURE_NO_RULE_IN_FORCE");
    }

    #[test]
    fn inverted_rule_range_is_a_rule_set_defect() {
        let rules = rule_file(&[
            (
                "publication.penalty.general.min",
                2,
                "years",
                "2015-01-01",
                None,
                "",
            ),
            (
                "publication.penalty.general.max",
                1,
                "years",
                "2015-01-01",
                None,
                "",
            ),
        ]);
        let err = publication_window(
            &input(PUBLICATION_PENALTY_GENERAL, d(2025, 1, 1)),
            &rules,
            &Calendar::builtin(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "DISCLOSURE_RULE_RANGE");
        assert_eq!(err.field(), None);
    }

    // -----------------------------------------------------------------------
    // The other windows

    #[test]
    fn basic_information_is_open_ended_until_the_organisation_ends() {
        let open = window(&input(PUBLICATION_BASIC, d(2018, 5, 2))).unwrap();
        assert_eq!(open.end, None);
        assert_eq!(
            open.rule_ids,
            vec![rules::PUBLICATION_BASIC_AFTER_TERMINATION.to_string()]
        );
        assert!(open.contains(d(2200, 1, 1)));
        let ended = window(&WindowInput {
            subject_ended_on: Some(d(2025, 10, 8)),
            ..input(PUBLICATION_BASIC, d(2018, 5, 2))
        })
        .unwrap();
        assert_eq!(ended.end, Some(d(2028, 10, 8)));
    }

    #[test]
    fn good_information_and_ratings_run_until_valid_until() {
        for rule in [PUBLICATION_GOOD, PUBLICATION_RATING] {
            let w = window(&WindowInput {
                valid_until: Some(d(2026, 12, 31)),
                ..input(rule, d(2025, 1, 1))
            })
            .unwrap();
            assert_eq!((w.start, w.end), (d(2025, 1, 1), Some(d(2026, 12, 31))));
            assert!(w.rule_ids.is_empty());
            assert_eq!(end_of(&input(rule, d(2025, 1, 1))), None);
            // Valid for the decision day only.
            let same_day = window(&WindowInput {
                valid_until: Some(d(2025, 1, 1)),
                ..input(rule, d(2025, 1, 1))
            });
            assert_eq!(same_day.unwrap().end, Some(d(2025, 1, 1)));
            let err = window(&WindowInput {
                valid_until: Some(d(2024, 12, 31)),
                ..input(rule, d(2025, 1, 1))
            })
            .unwrap_err();
            assert_eq!(err.code(), "DISCLOSURE_VALID_UNTIL");
            assert_eq!(err.field(), Some("valid_until"));
        }
    }

    #[test]
    fn hint_and_warning_count_from_the_end_of_the_conduct() {
        for rule in [PUBLICATION_HINT, PUBLICATION_WARNING] {
            assert_eq!(end_of(&input(rule, d(2024, 3, 15))), Some(d(2029, 3, 15)));
            let w = window(&WindowInput {
                conduct_ended_on: Some(d(2023, 8, 31)),
                ..input(rule, d(2024, 3, 15))
            })
            .unwrap();
            assert_eq!((w.start, w.end), (d(2024, 3, 15), Some(d(2028, 8, 31))));
            // Conduct still going on after the decision: later end.
            let w = window(&WindowInput {
                conduct_ended_on: Some(d(2024, 9, 30)),
                ..input(rule, d(2024, 3, 15))
            })
            .unwrap();
            assert_eq!(w.end, Some(d(2029, 9, 30)));
        }
    }

    #[test]
    fn conduct_that_ended_long_before_the_decision_gives_an_empty_window() {
        let w = window(&WindowInput {
            conduct_ended_on: Some(d(2018, 1, 10)),
            ..input(PUBLICATION_WARNING, d(2024, 6, 1))
        })
        .unwrap();
        assert_eq!(w.end, Some(d(2023, 1, 10)));
        assert!(w.is_empty());
        assert!(!w.contains(d(2024, 6, 1)));
        let f = public_facts(&w);
        for today in [d(2022, 1, 1), d(2024, 6, 1), d(2030, 1, 1)] {
            assert_eq!(
                decide(&f, &Audience::Government, today),
                Visibility::Hidden(HiddenReason::WindowEnded)
            );
        }
        // Exactly 5 years before the decision: public on the decision day only.
        let w = window(&WindowInput {
            conduct_ended_on: Some(d(2019, 6, 1)),
            ..input(PUBLICATION_WARNING, d(2024, 6, 1))
        })
        .unwrap();
        assert!(!w.is_empty());
        assert!(w.contains(d(2024, 6, 1)));
        assert!(!w.contains(d(2024, 6, 2)));
    }

    #[test]
    fn elevator_windows() {
        let cases = [
            (
                PUBLICATION_ELEVATOR_BAD_RECORD,
                rules::ELEVATOR_BAD_RECORD,
                2026,
            ),
            (
                PUBLICATION_ELEVATOR_BLACKLIST,
                rules::ELEVATOR_BLACKLIST,
                2026,
            ),
            (
                PUBLICATION_ELEVATOR_BLACKLIST_LARGE,
                rules::ELEVATOR_BLACKLIST_ACCIDENT_LARGE,
                2027,
            ),
            (
                PUBLICATION_ELEVATOR_BLACKLIST_MAJOR,
                rules::ELEVATOR_BLACKLIST_ACCIDENT_MAJOR,
                2028,
            ),
            (
                PUBLICATION_ELEVATOR_BLACKLIST_EXTRAORDINARY,
                rules::ELEVATOR_BLACKLIST_ACCIDENT_EXTRAORDINARY,
                2029,
            ),
        ];
        for (rule, rule_id, year) in cases {
            let w = window(&input(rule, d(2025, 7, 20))).unwrap();
            assert_eq!(w.end, Some(d(year, 7, 20)), "{rule}");
            assert_eq!(w.rule_ids, vec![rule_id.to_string()]);
        }
    }

    #[test]
    fn court_defaulters_are_open_ended() {
        let w = window(&input(PUBLICATION_COURT_DEFAULTER, d(2025, 2, 5))).unwrap();
        assert_eq!(
            (w.start, w.end, w.provisional),
            (d(2025, 2, 5), None, false)
        );
        assert!(w.rule_ids.is_empty());
        let err = window(&WindowInput {
            requested_end: Some(d(2026, 2, 5)),
            ..input(PUBLICATION_COURT_DEFAULTER, d(2025, 2, 5))
        })
        .unwrap_err();
        assert_eq!(err.code(), "DISCLOSURE_END_FIXED");
        assert_eq!(
            err.to_string(),
            "the publication end of a dishonest judgment debtor entry is fixed by its rule \
             (open-ended); a department cannot choose 2026-02-05"
        );
        // The court's exit is a state change: the record is hidden from then on.
        let f = RecordFacts {
            state: RecordState::Withdrawn,
            ..public_facts(&w)
        };
        assert_eq!(
            decide(&f, &Audience::Public, d(2025, 6, 1)),
            Visibility::Hidden(HiddenReason::Withdrawn)
        );
    }

    #[test]
    fn requested_end_is_only_for_penalties() {
        let base = input(PUBLICATION_HINT, d(2025, 1, 1));
        // Equal to the rule's own end: accepted (recomputing a stored window).
        let same = window(&WindowInput {
            requested_end: Some(d(2030, 1, 1)),
            ..base
        });
        assert_eq!(same.unwrap().end, Some(d(2030, 1, 1)));
        let err = window(&WindowInput {
            requested_end: Some(d(2027, 1, 1)),
            ..base
        })
        .unwrap_err();
        assert_eq!(err.code(), "DISCLOSURE_END_FIXED");
        assert_eq!(err.field(), Some("requested_end"));
        assert_eq!(
            err.to_string(),
            "the publication end of hint information is fixed by its rule (last public day \
             2030-01-01); a department cannot choose 2027-01-01"
        );
        assert_eq!(
            err.message_zh(),
            "提示信息的公示期限由规则确定（截至2030-01-01），不能指定为2027-01-01"
        );
        // Good information without a validity runs until cancelled: the
        // cancellation is a state change, not a requested end.
        let err = window(&WindowInput {
            requested_end: Some(d(2027, 1, 1)),
            ..input(PUBLICATION_GOOD, d(2025, 1, 1))
        })
        .unwrap_err();
        assert_eq!(err.code(), "DISCLOSURE_END_FIXED");
        assert_eq!(
            err.message_zh(),
            "良好信息的公示期限由规则确定（无截止日期），不能指定为2027-01-01"
        );
    }

    #[test]
    fn unknown_rule_and_missing_severity() {
        let err = window(&input("publication.someday", d(2025, 1, 1))).unwrap_err();
        assert_eq!(err.code(), "DISCLOSURE_UNKNOWN_RULE");
        assert_eq!(err.field(), Some("publication_rule"));
        let err = window(&input(PUBLICATION_PENALTY, d(2025, 1, 1))).unwrap_err();
        assert_eq!(err.code(), "DISCLOSURE_SEVERITY_REQUIRED");
        assert_eq!(err.field(), Some("severity"));
    }

    #[test]
    fn error_codes_are_listed_and_distinct() {
        let mut codes = DisclosureError::ALL_CODES.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), DisclosureError::ALL_CODES.len());
        let samples: Vec<DisclosureError> = vec![
            DisclosureErrorKind::UnknownRule {
                publication_rule: "x".into(),
            }
            .into(),
            DisclosureErrorKind::SeverityRequired {
                publication_rule: "x".into(),
            }
            .into(),
            DisclosureErrorKind::NoRuleInForce {
                rule_id: "x".into(),
                decided_on: d(2025, 1, 1),
            }
            .into(),
            DisclosureErrorKind::EndOutOfRange {
                requested: d(2025, 1, 1),
                min: d(2025, 2, 1),
                max: d(2025, 3, 1),
                severity: Severity::Serious,
            }
            .into(),
            DisclosureErrorKind::EndFixed {
                what_en: "hint information",
                what_zh: "提示信息",
                requested: d(2025, 1, 1),
                fixed: None,
            }
            .into(),
            DisclosureErrorKind::ValidUntilBeforeDecision {
                valid_until: d(2025, 1, 1),
                decided_on: d(2025, 2, 1),
            }
            .into(),
            DisclosureErrorKind::InvertedRange {
                min_rule: "a".into(),
                max_rule: "b".into(),
                min: d(2025, 2, 1),
                max: d(2025, 1, 1),
                decided_on: d(2024, 1, 1),
            }
            .into(),
        ];
        let produced: Vec<&str> = samples.iter().map(DisclosureError::code).collect();
        assert_eq!(produced, DisclosureError::ALL_CODES);
        for e in &samples {
            assert!(!e.to_string().is_empty());
            assert!(!e.message_zh().is_empty());
        }
    }

    // -----------------------------------------------------------------------
    // decide(): the full matrix against independent tables

    /// The audiences of the matrix. The agency's consent covers records of
    /// class `warning` (ByClass), category `administrative_penalty`
    /// (ByCategory), something else (Other), or nothing (Empty).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Who {
        Public,
        AgencyNone,
        AgencyByClass,
        AgencyByCategory,
        AgencyOther,
        AgencyEmpty,
        Government,
        Subject,
    }

    const WHO: [Who; 8] = [
        Who::Public,
        Who::AgencyNone,
        Who::AgencyByClass,
        Who::AgencyByCategory,
        Who::AgencyOther,
        Who::AgencyEmpty,
        Who::Government,
        Who::Subject,
    ];

    use Attribute::{Authorized as Auth, Government as Gov, Public as Pub};
    use HiddenReason::*;

    /// Entitlement: (audience, attribute, natural person) -> reason. Written
    /// out cell by cell from seed 002 l.589-605 and the brief, not derived.
    const ACCESS: &[(Who, Attribute, bool, Option<HiddenReason>)] = &[
        (Who::Public, Pub, false, None),
        (Who::Public, Pub, true, Some(NaturalPerson)),
        (Who::Public, Auth, false, Some(ConsentRequired)),
        (Who::Public, Auth, true, Some(NaturalPerson)),
        (Who::Public, Gov, false, Some(GovernmentOnly)),
        (Who::Public, Gov, true, Some(NaturalPerson)),
        (Who::AgencyNone, Pub, false, None),
        (Who::AgencyNone, Pub, true, Some(ConsentRequired)),
        (Who::AgencyNone, Auth, false, Some(ConsentRequired)),
        (Who::AgencyNone, Auth, true, Some(ConsentRequired)),
        (Who::AgencyNone, Gov, false, Some(GovernmentOnly)),
        (Who::AgencyNone, Gov, true, Some(GovernmentOnly)),
        (Who::AgencyByClass, Pub, false, None),
        (Who::AgencyByClass, Pub, true, None),
        (Who::AgencyByClass, Auth, false, None),
        (Who::AgencyByClass, Auth, true, None),
        (Who::AgencyByClass, Gov, false, Some(GovernmentOnly)),
        (Who::AgencyByClass, Gov, true, Some(GovernmentOnly)),
        (Who::AgencyByCategory, Pub, false, None),
        (Who::AgencyByCategory, Pub, true, None),
        (Who::AgencyByCategory, Auth, false, None),
        (Who::AgencyByCategory, Auth, true, None),
        (Who::AgencyByCategory, Gov, false, Some(GovernmentOnly)),
        (Who::AgencyByCategory, Gov, true, Some(GovernmentOnly)),
        (Who::AgencyOther, Pub, false, None),
        (Who::AgencyOther, Pub, true, Some(OutsideConsentScope)),
        (Who::AgencyOther, Auth, false, Some(OutsideConsentScope)),
        (Who::AgencyOther, Auth, true, Some(OutsideConsentScope)),
        (Who::AgencyOther, Gov, false, Some(GovernmentOnly)),
        (Who::AgencyOther, Gov, true, Some(GovernmentOnly)),
        (Who::AgencyEmpty, Pub, false, None),
        (Who::AgencyEmpty, Pub, true, Some(OutsideConsentScope)),
        (Who::AgencyEmpty, Auth, false, Some(OutsideConsentScope)),
        (Who::AgencyEmpty, Auth, true, Some(OutsideConsentScope)),
        (Who::AgencyEmpty, Gov, false, Some(GovernmentOnly)),
        (Who::AgencyEmpty, Gov, true, Some(GovernmentOnly)),
        (Who::Government, Pub, false, None),
        (Who::Government, Pub, true, None),
        (Who::Government, Auth, false, None),
        (Who::Government, Auth, true, None),
        (Who::Government, Gov, false, None),
        (Who::Government, Gov, true, None),
    ];

    /// State -> reason (seed 002 l.587, l.695-699; NDRC Order 36 Art. 3).
    const STATE: &[(RecordState, Option<HiddenReason>)] = &[
        (RecordState::Active, None),
        (RecordState::UnderObjection, Some(UnderObjection)),
        (RecordState::Repaired, Some(Repaired)),
        (RecordState::Withdrawn, Some(Withdrawn)),
        (RecordState::Archived, Some(WindowEnded)),
        (RecordState::Deleted, Some(Deleted)),
    ];

    /// Window fixtures: start 2025-03-10; closed windows end 2026-03-10;
    /// open windows have no end; the empty window ended the day before it
    /// started. (window end, today, reason).
    fn positions() -> Vec<(
        &'static str,
        Option<NaiveDate>,
        NaiveDate,
        Option<HiddenReason>,
    )> {
        let closed = Some(d(2026, 3, 10));
        let empty = Some(d(2025, 3, 9));
        vec![
            (
                "closed: day before start",
                closed,
                d(2025, 3, 9),
                Some(NotYetPublished),
            ),
            ("closed: start", closed, d(2025, 3, 10), None),
            ("closed: inside", closed, d(2025, 9, 30), None),
            ("closed: last day", closed, d(2026, 3, 10), None),
            (
                "closed: day after end",
                closed,
                d(2026, 3, 11),
                Some(WindowEnded),
            ),
            (
                "open: day before start",
                None,
                d(2025, 3, 9),
                Some(NotYetPublished),
            ),
            ("open: start", None, d(2025, 3, 10), None),
            ("open: far future", None, d(2199, 12, 31), None),
            (
                "empty: before its end",
                empty,
                d(2025, 3, 1),
                Some(WindowEnded),
            ),
            ("empty: at start", empty, d(2025, 3, 10), Some(WindowEnded)),
            ("empty: after", empty, d(2025, 4, 1), Some(WindowEnded)),
        ]
    }

    /// The precedence, written out again: the matrix checks the code's
    /// constant against it.
    const EXPECTED_PRECEDENCE: [HiddenReason; 10] = [
        NaturalPerson,
        GovernmentOnly,
        ConsentRequired,
        OutsideConsentScope,
        WindowEnded,
        Deleted,
        Withdrawn,
        Repaired,
        NotYetPublished,
        UnderObjection,
    ];

    fn expected(
        who: Who,
        attribute: Attribute,
        natural_person: bool,
        state: RecordState,
        position: Option<HiddenReason>,
    ) -> Visibility {
        if who == Who::Subject {
            return Visibility::Visible;
        }
        let access = ACCESS
            .iter()
            .find(|(w, a, n, _)| *w == who && *a == attribute && *n == natural_person)
            .map(|row| row.3)
            .expect("every access cell is in the table");
        let state = STATE.iter().find(|(s, _)| *s == state).unwrap().1;
        let candidates = [access, state, position];
        EXPECTED_PRECEDENCE
            .iter()
            .find(|r| candidates.contains(&Some(**r)))
            .map_or(Visibility::Visible, |r| Visibility::Hidden(*r))
    }

    #[test]
    fn decide_matrix_audience_attribute_state_window_person() {
        let by_class = ConsentScope {
            classes: vec![InfoClass::Warning],
            categories: vec![],
        };
        let by_category = ConsentScope {
            classes: vec![InfoClass::Good],
            categories: vec!["administrative_penalty".into()],
        };
        let other = ConsentScope {
            classes: vec![InfoClass::Good, InfoClass::Basic],
            categories: vec!["tax_grade_a".into()],
        };
        let empty = ConsentScope::default();
        let audience = |who: Who| match who {
            Who::Public => Audience::Public,
            Who::AgencyNone => Audience::Agency { consent: None },
            Who::AgencyByClass => Audience::Agency {
                consent: Some(&by_class),
            },
            Who::AgencyByCategory => Audience::Agency {
                consent: Some(&by_category),
            },
            Who::AgencyOther => Audience::Agency {
                consent: Some(&other),
            },
            Who::AgencyEmpty => Audience::Agency {
                consent: Some(&empty),
            },
            Who::Government => Audience::Government,
            Who::Subject => Audience::Subject,
        };
        let mut cells = 0;
        let mut visible = 0;
        let mut failures = Vec::new();
        for who in WHO {
            for attribute in Attribute::ALL.iter().copied() {
                for natural_person in [false, true] {
                    for state in RecordState::ALL.iter().copied() {
                        for (label, end, today, position) in positions() {
                            let f = RecordFacts {
                                window_end: end,
                                ..facts(attribute, state, natural_person)
                            };
                            let want = expected(who, attribute, natural_person, state, position);
                            let got = decide(&f, &audience(who), today);
                            cells += 1;
                            if got.is_visible() {
                                visible += 1;
                            }
                            if got != want {
                                failures.push(format!(
                                    "{who:?} {attribute} person={natural_person} {state} \
                                     [{label}]: got {got:?}, want {want:?}"
                                ));
                            }
                            // hidden_reasons agrees with decide, in order.
                            let all = hidden_reasons(&f, &audience(who), today);
                            assert_eq!(all.first().copied(), got.reason());
                            assert!(all.windows(2).all(|p| p[0].rank() < p[1].rank()));
                        }
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} cells wrong:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert_eq!(cells, 8 * 3 * 2 * 6 * 11);
        assert!(visible > 100, "{visible}");
        assert_eq!(HiddenReason::PRECEDENCE, EXPECTED_PRECEDENCE);
    }

    #[test]
    fn precedence_worked_examples() {
        let withdrawn_person = RecordFacts {
            natural_person: true,
            ..facts(Attribute::Authorized, RecordState::Withdrawn, false)
        };
        let today = d(2025, 6, 1);
        // The public learns only that it is a person's record.
        assert_eq!(
            decide(&withdrawn_person, &Audience::Public, today),
            Visibility::Hidden(NaturalPerson)
        );
        assert_eq!(
            hidden_reasons(&withdrawn_person, &Audience::Public, today),
            vec![NaturalPerson, Withdrawn]
        );
        // An agency without consent is not told it was withdrawn either.
        assert_eq!(
            decide(
                &withdrawn_person,
                &Audience::Agency { consent: None },
                today
            ),
            Visibility::Hidden(ConsentRequired)
        );
        // Staff are.
        assert_eq!(
            decide(&withdrawn_person, &Audience::Government, today),
            Visibility::Hidden(Withdrawn)
        );
        assert!(decide(&withdrawn_person, &Audience::Subject, today).is_visible());
        // Under objection before its window: "not yet published".
        let objected = facts(Attribute::Public, RecordState::UnderObjection, false);
        assert_eq!(
            decide(&objected, &Audience::Public, d(2025, 3, 1)),
            Visibility::Hidden(NotYetPublished)
        );
        assert_eq!(
            decide(&objected, &Audience::Public, d(2025, 3, 10)),
            Visibility::Hidden(UnderObjection)
        );
        // Deleted before its window: "deleted", never "not yet published".
        let deleted = facts(Attribute::Public, RecordState::Deleted, false);
        assert_eq!(
            decide(&deleted, &Audience::Public, d(2025, 3, 1)),
            Visibility::Hidden(Deleted)
        );
        // Deleted after its window: the window ended.
        assert_eq!(
            decide(&deleted, &Audience::Public, d(2027, 1, 1)),
            Visibility::Hidden(WindowEnded)
        );
        // A government-only record asked for by an agency with consent.
        let scope = ConsentScope {
            classes: InfoClass::ALL.to_vec(),
            categories: vec![],
        };
        let gov = facts(Attribute::Government, RecordState::Active, false);
        assert_eq!(
            decide(
                &gov,
                &Audience::Agency {
                    consent: Some(&scope)
                },
                d(2025, 6, 1)
            ),
            Visibility::Hidden(GovernmentOnly)
        );
        // A repaired public record: hidden from agencies too (Order 36 Art. 3).
        let repaired = facts(Attribute::Public, RecordState::Repaired, false);
        assert_eq!(
            decide(
                &repaired,
                &Audience::Agency {
                    consent: Some(&scope)
                },
                d(2025, 6, 1)
            ),
            Visibility::Hidden(Repaired)
        );
    }

    #[test]
    fn public_status_for_the_subjects_view() {
        let f = facts(Attribute::Public, RecordState::Active, false);
        let status = public_status(&f, d(2025, 6, 1));
        assert_eq!(
            status,
            PublicStatus::Public {
                until: Some(d(2026, 3, 10))
            }
        );
        assert_eq!(status.describe_en(), "public until 2026-03-10");
        assert_eq!(status.describe_zh(), "公开至2026-03-10");
        let open = RecordFacts {
            window_end: None,
            ..f.clone()
        };
        assert_eq!(
            public_status(&open, d(2025, 6, 1)).describe_en(),
            "public, with no end date"
        );
        let objected = RecordFacts {
            state: RecordState::UnderObjection,
            ..f.clone()
        };
        let status = public_status(&objected, d(2025, 6, 1));
        assert_eq!(status, PublicStatus::Hidden(UnderObjection));
        assert_eq!(
            status.describe_en(),
            "hidden from the public: under objection"
        );
        assert_eq!(status.describe_zh(), "不向社会公开：异议处理中");
        let person = RecordFacts {
            natural_person: true,
            ..f
        };
        assert_eq!(
            public_status(&person, d(2025, 6, 1)),
            PublicStatus::Hidden(NaturalPerson)
        );
    }

    #[test]
    fn consent_scope_covers_class_or_category() {
        let scope = ConsentScope {
            classes: vec![InfoClass::Basic],
            categories: vec!["court_defaulter".into()],
        };
        assert!(scope.covers(InfoClass::Basic, "administrative_licence"));
        assert!(scope.covers(InfoClass::Warning, "court_defaulter"));
        assert!(!scope.covers(InfoClass::Warning, "administrative_penalty"));
        let nothing = ConsentScope::default();
        for class in InfoClass::ALL {
            assert!(!nothing.covers(*class, "administrative_penalty"));
        }
    }

    #[test]
    fn hidden_reasons_codes_texts_and_docs() {
        let docs = include_str!("../../docs/disclosure.md");
        let mut codes: Vec<&str> = HiddenReason::ALL.iter().map(HiddenReason::code).collect();
        for r in HiddenReason::ALL {
            assert_eq!(HiddenReason::from_code(r.code()), Some(*r));
            assert_eq!(
                serde_json::to_string(r).unwrap(),
                format!("\"{}\"", r.code())
            );
            assert_eq!(r.to_string(), r.code());
            for text in [r.label_en(), r.label_zh(), r.explain_en(), r.explain_zh()] {
                assert!(!text.is_empty());
            }
            assert!(
                docs.contains(&format!("`{}`", r.code())),
                "docs miss {}",
                r.code()
            );
            assert!(
                docs.contains(r.explain_zh()),
                "docs miss the zh text of {}",
                r.code()
            );
            assert!(
                docs.contains(r.explain_en()),
                "docs miss the en text of {}",
                r.code()
            );
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), HiddenReason::ALL.len());
        let mut precedence = HiddenReason::PRECEDENCE.to_vec();
        precedence.sort();
        assert_eq!(precedence, HiddenReason::ALL);
        assert_eq!(HiddenReason::from_code("NOPE"), None);
        for code in DisclosureError::ALL_CODES {
            assert!(docs.contains(&format!("`{code}`")), "docs miss {code}");
        }
    }

    #[test]
    fn names_match_the_stored_strings() {
        fn check<T: Copy + PartialEq + fmt::Debug + Serialize + fmt::Display>(
            all: &[T],
            as_str: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            for v in all {
                assert_eq!(parse(as_str(*v)), Some(*v));
                assert_eq!(
                    serde_json::to_string(v).unwrap(),
                    format!("\"{}\"", as_str(*v))
                );
                assert_eq!(v.to_string(), as_str(*v));
            }
            assert_eq!(parse("nope"), None);
        }
        check(InfoClass::ALL, InfoClass::as_str, InfoClass::parse);
        check(Attribute::ALL, Attribute::as_str, Attribute::parse);
        check(Severity::ALL, Severity::as_str, Severity::parse);
        check(RecordState::ALL, RecordState::as_str, RecordState::parse);
        assert_eq!(RecordState::UnderObjection.as_str(), "under_objection");
    }

    #[test]
    fn window_helpers() {
        let w = Window {
            start: d(2025, 1, 1),
            end: Some(d(2025, 1, 31)),
            provisional: false,
            rule_ids: vec![],
        };
        assert!(!w.is_empty());
        assert!(w.contains(d(2025, 1, 1)) && w.contains(d(2025, 1, 31)));
        assert!(!w.contains(d(2024, 12, 31)) && !w.contains(d(2025, 2, 1)));
        let open = Window {
            end: None,
            ..w.clone()
        };
        assert!(open.contains(d(2999, 1, 1)) && !open.is_empty());
        let empty = Window {
            end: Some(d(2024, 12, 31)),
            ..w
        };
        assert!(empty.is_empty() && !empty.contains(d(2025, 1, 1)));
    }

    // -----------------------------------------------------------------------
    // Properties

    fn arb_facts() -> impl Strategy<Value = (RecordFacts, NaiveDate)> {
        (
            prop::sample::select(InfoClass::ALL),
            prop::sample::select(vec![
                "administrative_penalty",
                "court_defaulter",
                "tax_grade_a",
            ]),
            prop::sample::select(Attribute::ALL),
            prop::sample::select(RecordState::ALL),
            any::<bool>(),
            0i64..20_000,
            prop::option::of(-400i64..4_000),
            -2_000i64..8_000,
        )
            .prop_map(
                |(class, category, attribute, state, person, start, len, today)| {
                    let window_start = plus(d(2000, 1, 1), start);
                    let f = RecordFacts {
                        info_class: class,
                        category: category.to_string(),
                        attribute,
                        state,
                        natural_person: person,
                        window_start,
                        window_end: len.map(|l| plus(window_start, l)),
                    };
                    (f, plus(window_start, today))
                },
            )
    }

    #[derive(Debug, Clone)]
    enum AudienceSpec {
        Public,
        Agency(Option<ConsentScope>),
        Government,
        Subject,
    }

    impl AudienceSpec {
        fn audience(&self) -> Audience<'_> {
            match self {
                AudienceSpec::Public => Audience::Public,
                AudienceSpec::Agency(c) => Audience::Agency {
                    consent: c.as_ref(),
                },
                AudienceSpec::Government => Audience::Government,
                AudienceSpec::Subject => Audience::Subject,
            }
        }
    }

    fn arb_audience() -> impl Strategy<Value = AudienceSpec> {
        let scope = (
            prop::collection::vec(prop::sample::select(InfoClass::ALL), 0..3),
            prop::collection::vec(
                prop::sample::select(vec!["administrative_penalty", "court_defaulter"]),
                0..2,
            ),
        )
            .prop_map(|(classes, cats)| ConsentScope {
                classes,
                categories: cats.into_iter().map(String::from).collect(),
            });
        prop_oneof![
            Just(AudienceSpec::Public),
            prop::option::of(scope).prop_map(AudienceSpec::Agency),
            Just(AudienceSpec::Government),
            Just(AudienceSpec::Subject),
        ]
    }

    fn arb_severity() -> impl Strategy<Value = Severity> {
        prop::sample::select(Severity::ALL)
    }

    proptest! {
        #[test]
        fn prop_the_subject_always_sees((f, today) in arb_facts()) {
            prop_assert_eq!(decide(&f, &Audience::Subject, today), Visibility::Visible);
            prop_assert!(hidden_reasons(&f, &Audience::Subject, today).is_empty());
        }

        #[test]
        fn prop_natural_persons_are_never_public((f, today) in arb_facts()) {
            let f = RecordFacts { natural_person: true, ..f };
            prop_assert!(!decide(&f, &Audience::Public, today).is_visible());
            let public = matches!(public_status(&f, today), PublicStatus::Public { .. });
            prop_assert!(!public);
        }

        #[test]
        fn prop_nothing_is_public_outside_its_window((f, today) in arb_facts()) {
            let visible = decide(&f, &Audience::Public, today).is_visible();
            let inside = today >= f.window_start && f.window_end.is_none_or(|e| today <= e);
            if visible {
                prop_assert!(inside);
                prop_assert_eq!(f.state, RecordState::Active);
                prop_assert_eq!(f.attribute, Attribute::Public);
            }
            if !inside && f.state != RecordState::Archived {
                let reason = decide(&f, &Audience::Government, today).reason();
                let by_dates_or_final = matches!(
                    reason,
                    Some(
                        HiddenReason::NotYetPublished
                            | HiddenReason::WindowEnded
                            | HiddenReason::Deleted
                            | HiddenReason::Withdrawn
                            | HiddenReason::Repaired
                    )
                );
                prop_assert!(by_dates_or_final, "{:?}", reason);
            }
        }

        #[test]
        fn prop_decide_is_the_first_hidden_reason(
            (f, today) in arb_facts(),
            spec in arb_audience(),
        ) {
            let audience = spec.audience();
            let all = hidden_reasons(&f, &audience, today);
            prop_assert_eq!(decide(&f, &audience, today).reason(), all.first().copied());
        }

        #[test]
        fn prop_what_the_public_sees_everyone_sees(
            (f, today) in arb_facts(),
            spec in arb_audience(),
        ) {
            if decide(&f, &Audience::Public, today).is_visible() {
                prop_assert!(decide(&f, &spec.audience(), today).is_visible());
            }
            // Government sees at least what anyone but the subject sees.
            if !matches!(spec, AudienceSpec::Subject)
                && decide(&f, &spec.audience(), today).is_visible()
            {
                prop_assert!(decide(&f, &Audience::Government, today).is_visible());
            }
        }

        #[test]
        fn prop_requested_end_accepted_iff_within_range(
            severity in arb_severity(),
            decided in 0i64..10_000,
            offset in -200i64..1_400,
        ) {
            let decided_on = plus(d(2012, 1, 1), decided);
            let rule = severity.penalty_publication_rule();
            let (rules, cal) = (RuleSet::builtin(), Calendar::builtin());
            let range = requested_end_range(rule, decided_on, &rules, &cal).unwrap().unwrap();
            prop_assert!(decided_on <= range.min && range.min <= range.max);
            let requested = plus(decided_on, offset);
            let result = publication_window(
                &WindowInput { requested_end: Some(requested), ..input(rule, decided_on) },
                &rules,
                &cal,
            );
            if (range.min..=range.max).contains(&requested) {
                let w = result.unwrap();
                prop_assert_eq!((w.start, w.end), (decided_on, Some(requested)));
            } else {
                prop_assert_eq!(result.unwrap_err().code(), "DISCLOSURE_END_OUT_OF_RANGE");
            }
            let default = publication_window(&input(rule, decided_on), &rules, &cal).unwrap();
            prop_assert_eq!(default.end, Some(range.max));
        }

        #[test]
        fn prop_builtin_windows_ignore_holidays(
            rule in prop::sample::select(PUBLICATION_RULES),
            decided in 0i64..12_000,
            conduct in prop::option::of(-3_000i64..1_000),
            valid in prop::option::of(0i64..3_000),
            ended in prop::option::of(-1_000i64..6_000),
        ) {
            prop_assume!(rule != PUBLICATION_PENALTY);
            let decided_on = plus(d(2010, 1, 1), decided);
            let i = WindowInput {
                publication_rule: rule,
                decided_on,
                conduct_ended_on: conduct.map(|c| plus(decided_on, c)),
                valid_until: valid.map(|v| plus(decided_on, v)),
                subject_ended_on: ended.map(|e| plus(decided_on, e)),
                requested_end: None,
            };
            let rules = RuleSet::builtin();
            let with = publication_window(&i, &rules, &Calendar::builtin()).unwrap();
            let without = publication_window(&i, &rules, &Calendar::default()).unwrap();
            prop_assert!(!with.provisional && !without.provisional);
            prop_assert_eq!(&with, &without);
            prop_assert_eq!(with.start, decided_on);
            // Only hint/warning (conduct before the decision) and basic
            // (organisation ended before) can end before they start.
            if with.is_empty() {
                prop_assert!(matches!(rule, PUBLICATION_HINT | PUBLICATION_WARNING | PUBLICATION_BASIC));
            }
        }
    }
}
