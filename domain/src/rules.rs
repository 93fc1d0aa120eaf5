//! The rule set: every deadline and period the platform enforces, as data.
//!
//! Each rule has an id, an amount and a unit, a validity (effective from,
//! optionally until) and the legal source it comes from. One id may have
//! several versions with different validity; a record is judged by the
//! version in force on the day its clock started
//! ([`crate::rules::RuleSet::rule_in_force`]). A deployment in another province changes
//! the TOML, not the code. The built-in set is
//! `api/resources/rules/default.toml`, documented in `docs/rules.md`.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::{Calendar, Dated, RawDate};

/// The built-in rule file (file name, TOML text).
pub const BUILTIN_SOURCE: (&str, &str) = (
    "default.toml",
    include_str!("../../api/resources/rules/default.toml"),
);

/// Largest amount a rule may have: far beyond any real period, small enough
/// that nothing overflows.
pub const MAX_AMOUNT: u32 = 100_000;

// ---------------------------------------------------------------------------
// Rule ids used by code. A typo in an id is a compile error; the unit tests
// check that the built-in set defines every one of them.

/// 异议初步核查: platform checks an objection within 3 WD of receipt.
pub const OBJECTION_FIRST_CHECK: &str = "objection.first_check";
/// Platform's own error: tell the applicant within 2 WD of the correction.
pub const OBJECTION_OWN_ERROR_NOTIFY: &str = "objection.own_error_notify";
/// Provider verifies a referred objection within 20 WD of the notice.
pub const OBJECTION_PROVIDER_VERIFICATION: &str = "objection.provider_verification";
/// Platform tells the applicant within 2 WD of the provider's answer.
pub const OBJECTION_APPLICANT_NOTIFY: &str = "objection.applicant_notify";
/// Provider reports a changed/expired/wrong record within 7 WD.
pub const CORRECTION_PROVIDER_REPORT: &str = "correction.provider_report";
/// Platform applies a provider's correction within 7 WD.
pub const CORRECTION_PLATFORM_APPLY: &str = "correction.platform_apply";
/// A subject that self-corrects within 45 days may apply for repair.
pub const REPAIR_SELF_CORRECTION_WINDOW: &str = "repair.self_correction_window";
/// Repair application decided within 20 WD of receipt.
pub const REPAIR_DECISION: &str = "repair.decision";
/// Minimum publication before repair: minor negative information.
pub const REPAIR_MIN_PERIOD_MINOR: &str = "repair.min_period.minor";
/// Minimum publication before repair: general negative information.
pub const REPAIR_MIN_PERIOD_GENERAL: &str = "repair.min_period.general";
/// Minimum publication before repair: serious negative information.
pub const REPAIR_MIN_PERIOD_SERIOUS: &str = "repair.min_period.serious";
/// Basic information: disclosed until 3 years after an organisation ends.
pub const PUBLICATION_BASIC_AFTER_TERMINATION: &str = "publication.basic.after_termination";
/// Hint information: 5 years from the end of the conduct or event.
pub const PUBLICATION_HINT: &str = "publication.hint";
/// Warning information: 5 years from the end of the conduct or event.
pub const PUBLICATION_WARNING: &str = "publication.warning";
/// Penalty information, minor: published at most 3 months.
pub const PUBLICATION_PENALTY_MINOR_MAX: &str = "publication.penalty.minor.max";
/// Penalty information, general: published at least 3 months.
pub const PUBLICATION_PENALTY_GENERAL_MIN: &str = "publication.penalty.general.min";
/// Penalty information, general: published at most 1 year.
pub const PUBLICATION_PENALTY_GENERAL_MAX: &str = "publication.penalty.general.max";
/// Penalty information, serious: published at least 1 year.
pub const PUBLICATION_PENALTY_SERIOUS_MIN: &str = "publication.penalty.serious.min";
/// Penalty information, serious: published at most 3 years.
pub const PUBLICATION_PENALTY_SERIOUS_MAX: &str = "publication.penalty.serious.max";
/// Elevator maintenance bad record: 1 year from inclusion.
pub const ELEVATOR_BAD_RECORD: &str = "elevator.bad_record";
/// Elevator maintenance blacklist: 1 year from publication.
pub const ELEVATOR_BLACKLIST: &str = "elevator.blacklist";
/// Elevator blacklist after a 较大 (large) special-equipment accident: 2 years.
pub const ELEVATOR_BLACKLIST_ACCIDENT_LARGE: &str = "elevator.blacklist.accident_large";
/// Elevator blacklist after a 重大 (major) accident: 3 years.
pub const ELEVATOR_BLACKLIST_ACCIDENT_MAJOR: &str = "elevator.blacklist.accident_major";
/// Elevator blacklist after a 特别重大 (extraordinarily serious) accident: 4 years.
pub const ELEVATOR_BLACKLIST_ACCIDENT_EXTRAORDINARY: &str =
    "elevator.blacklist.accident_extraordinary";
/// Elevator unit's defence before listing: 5 WD.
pub const ELEVATOR_DEFENCE: &str = "elevator.defence";
/// 双公示: licences and penalties published within 7 WD of the decision.
pub const DOUBLE_PUBLICITY_PUBLISH: &str = "double_publicity.publish";
/// 双公示 in Fuzhou: "七日内", used as the early warning (7 calendar days).
pub const DOUBLE_PUBLICITY_FUZHOU_WARNING: &str = "double_publicity.fuzhou_warning";
/// Consent default validity (platform policy).
pub const CONSENT_DEFAULT_VALIDITY: &str = "consent.default_validity";
/// Consent maximum validity (platform policy).
pub const CONSENT_MAX_VALIDITY: &str = "consent.max_validity";
/// Query records kept 3 years.
pub const QUERY_LOG_RETENTION: &str = "query_log.retention";
/// Judgment debtor asks the court to correct a listing within 10 days.
pub const COURT_LIST_CORRECTION_REQUEST: &str = "court_list.correction_request";
/// Court reviews a correction request within 3 days.
pub const COURT_LIST_CORRECTION_REVIEW: &str = "court_list.correction_review";
/// Court shields or revokes a performed debtor's entry within 3 days.
pub const COURT_LIST_EXIT: &str = "court_list.exit";
/// Republishers delete shielded/revoked debtor entries within 3 WD.
pub const DELISTING_REPUBLISHER_DELETION: &str = "delisting.republisher_deletion";
/// Provider verifies an objection to joint punishment within 20 WD.
pub const JOINT_PUNISHMENT_OBJECTION_VERIFICATION: &str = "joint_punishment.objection_verification";
/// Complaint handling (platform policy).
pub const COMPLAINT_HANDLING: &str = "complaint.handling";
/// Providers update the platform at least monthly.
pub const PROVIDER_UPDATE_INTERVAL: &str = "provider.update_interval";
/// Road transport: records pushed to the platform within 2 WD of receipt.
pub const ROAD_TRANSPORT_PUSH: &str = "road_transport.push";
/// Road transport: repair information pushed within 2 WD of receipt.
pub const ROAD_TRANSPORT_REPAIR_PUSH: &str = "road_transport.repair_push";
/// General dishonesty: 1 year without preferential policies or honours.
pub const EVALUATION_RESTRICTION_GENERAL: &str = "evaluation.restriction.general";
/// Serious dishonesty: 3 years without preferential policies or honours.
pub const EVALUATION_RESTRICTION_SERIOUS: &str = "evaluation.restriction.serious";

/// Every id above, for tests and for `xinyong rules`.
pub const ALL_RULE_IDS: &[&str] = &[
    OBJECTION_FIRST_CHECK,
    OBJECTION_OWN_ERROR_NOTIFY,
    OBJECTION_PROVIDER_VERIFICATION,
    OBJECTION_APPLICANT_NOTIFY,
    CORRECTION_PROVIDER_REPORT,
    CORRECTION_PLATFORM_APPLY,
    REPAIR_SELF_CORRECTION_WINDOW,
    REPAIR_DECISION,
    REPAIR_MIN_PERIOD_MINOR,
    REPAIR_MIN_PERIOD_GENERAL,
    REPAIR_MIN_PERIOD_SERIOUS,
    PUBLICATION_BASIC_AFTER_TERMINATION,
    PUBLICATION_HINT,
    PUBLICATION_WARNING,
    PUBLICATION_PENALTY_MINOR_MAX,
    PUBLICATION_PENALTY_GENERAL_MIN,
    PUBLICATION_PENALTY_GENERAL_MAX,
    PUBLICATION_PENALTY_SERIOUS_MIN,
    PUBLICATION_PENALTY_SERIOUS_MAX,
    ELEVATOR_BAD_RECORD,
    ELEVATOR_BLACKLIST,
    ELEVATOR_BLACKLIST_ACCIDENT_LARGE,
    ELEVATOR_BLACKLIST_ACCIDENT_MAJOR,
    ELEVATOR_BLACKLIST_ACCIDENT_EXTRAORDINARY,
    ELEVATOR_DEFENCE,
    DOUBLE_PUBLICITY_PUBLISH,
    DOUBLE_PUBLICITY_FUZHOU_WARNING,
    CONSENT_DEFAULT_VALIDITY,
    CONSENT_MAX_VALIDITY,
    QUERY_LOG_RETENTION,
    COURT_LIST_CORRECTION_REQUEST,
    COURT_LIST_CORRECTION_REVIEW,
    COURT_LIST_EXIT,
    DELISTING_REPUBLISHER_DELETION,
    JOINT_PUNISHMENT_OBJECTION_VERIFICATION,
    COMPLAINT_HANDLING,
    PROVIDER_UPDATE_INTERVAL,
    ROAD_TRANSPORT_PUSH,
    ROAD_TRANSPORT_REPAIR_PUSH,
    EVALUATION_RESTRICTION_GENERAL,
    EVALUATION_RESTRICTION_SERIOUS,
];

// ---------------------------------------------------------------------------
// Model

/// How a rule's amount is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// 工作日: Mon-Fri minus holidays plus make-up days; start day not counted.
    WorkingDays,
    /// 日: start day not counted; a last day on a rest day rolls forward.
    CalendarDays,
    /// 月: corresponding day of the last month, or its last day.
    Months,
    /// 年: as months × 12.
    Years,
}

impl Unit {
    pub const ALL: [Unit; 4] = [
        Unit::WorkingDays,
        Unit::CalendarDays,
        Unit::Months,
        Unit::Years,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::WorkingDays => "working_days",
            Unit::CalendarDays => "calendar_days",
            Unit::Months => "months",
            Unit::Years => "years",
        }
    }

    pub fn parse(s: &str) -> Option<Unit> {
        Self::ALL.into_iter().find(|u| u.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Unit::WorkingDays => "个工作日",
            Unit::CalendarDays => "日",
            Unit::Months => "个月",
            Unit::Years => "年",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Unit::WorkingDays => "working days",
            Unit::CalendarDays => "calendar days",
            Unit::Months => "months",
            Unit::Years => "years",
        }
    }

    /// Whether, by default, a result on a rest day rolls to the next working
    /// day: yes for periods in days (民法典 Art. 203: they are time limits to
    /// act); no for months and years, which the rule set uses for
    /// publication windows, retention and validity — periods during which a
    /// state lasts, not time limits for an act.
    pub fn rolls_by_default(self) -> bool {
        matches!(self, Unit::CalendarDays)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a rule states the law or a choice the platform made where the
/// law gives no number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Law,
    Policy,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Law => "law",
            Basis::Policy => "policy",
        }
    }
}

/// How far the number was checked against the source text (the legend of
/// `regulatory-anchors.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// Read in the full primary text (for the seed documents: the text itself).
    Primary,
    /// Seen quoted or reproduced on a third-party page.
    Secondary,
    /// From summaries or background knowledge: needs legal review.
    Unverified,
}

impl Verification {
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::Primary => "primary",
            Verification::Secondary => "secondary",
            Verification::Unverified => "unverified",
        }
    }
}

/// One version of one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Dotted id, e.g. `objection.first_check`.
    pub id: String,
    pub amount: u32,
    pub unit: Unit,
    /// First day this version applies (to clocks starting on or after it).
    pub effective_from: NaiveDate,
    /// Last day this version applies, inclusive; `None` = open-ended.
    pub effective_until: Option<NaiveDate>,
    /// Citation: document, article, and where in the seeds it was read.
    pub source: String,
    pub title_zh: String,
    pub title_en: String,
    /// What starts the clock, in words.
    pub start_event: Option<String>,
    pub basis: Basis,
    pub verification: Verification,
    /// Whether a result on a rest day rolls to the next working day.
    pub roll_to_working_day: bool,
    /// A zero amount is deliberate (e.g. no minimum period).
    pub allow_zero: bool,
    pub note: Option<String>,
}

impl Rule {
    /// Whether this version applies to a clock started on `on`.
    pub fn is_in_force(&self, on: NaiveDate) -> bool {
        on >= self.effective_from && self.effective_until.is_none_or(|until| on <= until)
    }

    /// The date the period ends when its clock starts on `start` (the start
    /// day itself is not counted). Working days and calendar days use the
    /// calendar; months and years are plain calendar arithmetic, rolled to a
    /// working day only when the rule asks for it.
    pub fn apply(&self, start: NaiveDate, calendar: &Calendar) -> Dated {
        let n = self.amount;
        let raw = match self.unit {
            Unit::WorkingDays => return calendar.add_working_days(start, n),
            Unit::CalendarDays => match start.checked_add_days(Days::new(u64::from(n))) {
                Some(d) => Dated::firm(d),
                None => return calendar.add_calendar_days(start, n),
            },
            Unit::Months => calendar.add_months(start, n),
            Unit::Years => calendar.add_years(start, n),
        };
        if self.roll_to_working_day && n > 0 {
            let rolled = calendar.roll_forward(raw.date);
            Dated {
                date: rolled.date,
                provisional: raw.provisional || rolled.provisional,
            }
        } else {
            raw
        }
    }

    /// "3 working days", "1 year" ...
    pub fn describe_en(&self) -> String {
        let unit = match (self.unit, self.amount) {
            (Unit::WorkingDays, 1) => "working day",
            (Unit::CalendarDays, 1) => "calendar day",
            (Unit::Months, 1) => "month",
            (Unit::Years, 1) => "year",
            (u, _) => u.name_en(),
        };
        format!("{} {unit}", self.amount)
    }

    /// "3个工作日", "1年" ...
    pub fn describe_zh(&self) -> String {
        format!("{}{}", self.amount, self.unit.name_zh())
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} from {}",
            self.id,
            self.describe_en(),
            self.effective_from
        )?;
        if let Some(until) = self.effective_until {
            write!(f, " until {until}")?;
        }
        write!(f, " ({}; {})", self.basis.as_str(), self.source)
    }
}

// ---------------------------------------------------------------------------
// Errors

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleSetError {
    #[error("rule file is not valid: {message}")]
    Toml { message: String },

    #[error("{rule}: '{id}' is not a valid rule id: {reason}")]
    InvalidId {
        rule: String,
        id: String,
        reason: &'static str,
    },

    #[error("{rule}: {field} '{value}' is not a date (expected YYYY-MM-DD)")]
    InvalidDate {
        rule: String,
        field: &'static str,
        value: String,
    },

    #[error(
        "{rule}: unknown unit '{unit}' (expected working_days, calendar_days, months or years)"
    )]
    UnknownUnit { rule: String, unit: String },

    #[error("{rule}: unknown basis '{value}' (expected law or policy)")]
    UnknownBasis { rule: String, value: String },

    #[error("{rule}: unknown verification '{value}' (expected primary, secondary or unverified)")]
    UnknownVerification { rule: String, value: String },

    #[error("{rule}: amount {amount} is not allowed: {reason}")]
    Amount {
        rule: String,
        amount: i64,
        reason: &'static str,
    },

    #[error("{rule}: {field} must not be empty")]
    EmptyField { rule: String, field: &'static str },

    #[error("{rule}: effective_until {until} is before effective_from {from}")]
    ValidityOrder {
        rule: String,
        from: NaiveDate,
        until: NaiveDate,
    },

    #[error(
        "{rule}: roll_to_working_day does not apply to working days (the result is always a working day)"
    )]
    RollNotApplicable { rule: String },

    #[error("rule {id} has two versions effective from {effective_from}")]
    Duplicate {
        id: String,
        effective_from: NaiveDate,
    },

    #[error(
        "rule {id}: the version from {first_from} and the version from {second_from} are both \
         in force on {second_from}; end the first with effective_until"
    )]
    Overlap {
        id: String,
        first_from: NaiveDate,
        second_from: NaiveDate,
    },
}

impl RuleSetError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Toml { .. } => "RULES_TOML",
            Self::InvalidId { .. } => "RULE_ID",
            Self::InvalidDate { .. } => "RULE_DATE",
            Self::UnknownUnit { .. } => "RULE_UNIT",
            Self::UnknownBasis { .. } => "RULE_BASIS",
            Self::UnknownVerification { .. } => "RULE_VERIFICATION",
            Self::Amount { .. } => "RULE_AMOUNT",
            Self::EmptyField { .. } => "RULE_FIELD",
            Self::ValidityOrder { .. } => "RULE_VALIDITY",
            Self::RollNotApplicable { .. } => "RULE_ROLL",
            Self::Duplicate { .. } => "RULE_DUPLICATE",
            Self::Overlap { .. } => "RULE_OVERLAP",
        }
    }
}

// ---------------------------------------------------------------------------
// Parsing

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleSet {
    name: Option<String>,
    description: Option<String>,
    #[serde(default, rename = "rule")]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    amount: i64,
    unit: String,
    effective_from: RawDate,
    effective_until: Option<RawDate>,
    source: String,
    title_zh: String,
    title_en: String,
    start_event: Option<String>,
    basis: String,
    verification: Option<String>,
    roll_to_working_day: Option<bool>,
    #[serde(default)]
    allow_zero: bool,
    note: Option<String>,
}

fn check_id(id: &str) -> Result<(), &'static str> {
    let segments: Vec<&str> = id.split('.').collect();
    if segments.len() < 2 {
        return Err("use at least two dotted segments, e.g. objection.first_check");
    }
    for s in segments {
        if s.is_empty() {
            return Err("empty segment");
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err("segments use lower-case ASCII letters, digits and _ only");
        }
    }
    Ok(())
}

fn text(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_string())
}

impl RawRule {
    fn validate(self, position: usize) -> Result<Rule, RuleSetError> {
        let id = self.id.trim().to_string();
        let label = if check_id(&id).is_ok() {
            format!("rule {id}")
        } else {
            format!("rule #{position}")
        };
        if let Err(reason) = check_id(&id) {
            return Err(RuleSetError::InvalidId {
                rule: label,
                id,
                reason,
            });
        }
        let date = |field: &'static str, raw: &RawDate| {
            raw.to_date().ok_or_else(|| RuleSetError::InvalidDate {
                rule: label.clone(),
                field,
                value: raw.as_str().to_string(),
            })
        };
        let effective_from = date("effective_from", &self.effective_from)?;
        let label = format!("{label} (from {effective_from})");
        let effective_until = match &self.effective_until {
            Some(raw) => Some(raw.to_date().ok_or_else(|| RuleSetError::InvalidDate {
                rule: label.clone(),
                field: "effective_until",
                value: raw.as_str().to_string(),
            })?),
            None => None,
        };
        if let Some(until) = effective_until
            && until < effective_from
        {
            return Err(RuleSetError::ValidityOrder {
                rule: label,
                from: effective_from,
                until,
            });
        }
        let unit = Unit::parse(self.unit.trim()).ok_or_else(|| RuleSetError::UnknownUnit {
            rule: label.clone(),
            unit: self.unit.clone(),
        })?;
        let amount = match u32::try_from(self.amount) {
            Err(_) => {
                return Err(RuleSetError::Amount {
                    rule: label,
                    amount: self.amount,
                    reason: "must not be negative",
                });
            }
            Ok(a) if a > MAX_AMOUNT => {
                return Err(RuleSetError::Amount {
                    rule: label,
                    amount: self.amount,
                    reason: "must be at most 100000",
                });
            }
            Ok(0) if !self.allow_zero => {
                return Err(RuleSetError::Amount {
                    rule: label,
                    amount: 0,
                    reason: "must be greater than 0 (set allow_zero = true if zero is deliberate)",
                });
            }
            Ok(a) => a,
        };
        let basis = match self.basis.trim() {
            "law" => Basis::Law,
            "policy" => Basis::Policy,
            other => {
                return Err(RuleSetError::UnknownBasis {
                    rule: label,
                    value: other.to_string(),
                });
            }
        };
        let verification = match self.verification.as_deref().map(str::trim) {
            None | Some("unverified") => Verification::Unverified,
            Some("primary") => Verification::Primary,
            Some("secondary") => Verification::Secondary,
            Some(other) => {
                return Err(RuleSetError::UnknownVerification {
                    rule: label,
                    value: other.to_string(),
                });
            }
        };
        if unit == Unit::WorkingDays && self.roll_to_working_day.is_some() {
            return Err(RuleSetError::RollNotApplicable { rule: label });
        }
        let required = |field: &'static str, value: &str| {
            text(value).ok_or_else(|| RuleSetError::EmptyField {
                rule: label.clone(),
                field,
            })
        };
        Ok(Rule {
            source: required("source", &self.source)?,
            title_zh: required("title_zh", &self.title_zh)?,
            title_en: required("title_en", &self.title_en)?,
            start_event: self.start_event.as_deref().and_then(text),
            note: self.note.as_deref().and_then(text),
            roll_to_working_day: self.roll_to_working_day.unwrap_or(unit.rolls_by_default()),
            id,
            amount,
            unit,
            effective_from,
            effective_until,
            basis,
            verification,
            allow_zero: self.allow_zero,
        })
    }
}

/// A validated set of rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSet {
    name: Option<String>,
    description: Option<String>,
    /// Sorted by id, then effective_from.
    rules: Vec<Rule>,
}

impl RuleSet {
    /// Parses and validates a rule file: ids well-formed, known units and
    /// bases, amounts > 0 unless `allow_zero`, non-empty source and titles,
    /// `effective_until >= effective_from`, unique (id, effective_from), and
    /// no two versions of one id in force on the same day.
    pub fn parse_toml(text: &str) -> Result<RuleSet, RuleSetError> {
        let raw: RawRuleSet = toml::from_str(text).map_err(|e| RuleSetError::Toml {
            message: e.to_string().trim_end().to_string(),
        })?;
        let rules = raw
            .rules
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.validate(i + 1))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_rules(
            raw.name.as_deref().and_then(text_opt),
            raw.description.as_deref().and_then(text_opt),
            rules,
        )
    }

    fn from_rules(
        name: Option<String>,
        description: Option<String>,
        mut rules: Vec<Rule>,
    ) -> Result<RuleSet, RuleSetError> {
        rules.sort_by(|a, b| (&a.id, a.effective_from).cmp(&(&b.id, b.effective_from)));
        for pair in rules.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if a.id != b.id {
                continue;
            }
            if a.effective_from == b.effective_from {
                return Err(RuleSetError::Duplicate {
                    id: a.id.clone(),
                    effective_from: a.effective_from,
                });
            }
            // Sorted by start: they overlap iff the earlier one is still in
            // force when the later one starts.
            if a.is_in_force(b.effective_from) {
                return Err(RuleSetError::Overlap {
                    id: a.id.clone(),
                    first_from: a.effective_from,
                    second_from: b.effective_from,
                });
            }
        }
        Ok(RuleSet {
            name,
            description,
            rules,
        })
    }

    /// The built-in rule set (`api/resources/rules/default.toml`).
    pub fn builtin() -> RuleSet {
        // Compiled-in data, checked by the unit tests: failing here is a
        // build defect, not bad input.
        RuleSet::parse_toml(BUILTIN_SOURCE.1)
            .unwrap_or_else(|e| panic!("built-in rule set is invalid: {e}"))
    }

    /// This set plus the rules of `other` (e.g. a deployment's additions or
    /// new versions), validated together: a new version must not overlap an
    /// existing one. Name and description come from `other` when it has them.
    pub fn merge(self, other: RuleSet) -> Result<RuleSet, RuleSetError> {
        let mut rules = self.rules;
        rules.extend(other.rules);
        Self::from_rules(
            other.name.or(self.name),
            other.description.or(self.description),
            rules,
        )
    }

    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Every version of every rule, sorted by id then effective_from.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Distinct ids.
    pub fn ids(&self) -> BTreeSet<&str> {
        self.rules.iter().map(|r| r.id.as_str()).collect()
    }

    /// All versions of one id, oldest first.
    pub fn versions<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules.iter().filter(move |r| r.id == id)
    }

    /// The version of `id` in force on `on` — pass the day the clock started
    /// (a record is judged by the rule in force then). `None` when the id is
    /// unknown or no version covers that day.
    pub fn rule_in_force(&self, id: &str, on: NaiveDate) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id && r.is_in_force(on))
    }

    /// Every rule in force on `on`, one version per id, sorted by id.
    pub fn rules_in_force(&self, on: NaiveDate) -> Vec<&Rule> {
        self.rules.iter().filter(|r| r.is_in_force(on)).collect()
    }
}

fn text_opt(value: &str) -> Option<String> {
    text(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rule(extra: &str) -> String {
        format!(
            "[[rule]]\nid = \"x.y\"\namount = 3\nunit = \"working_days\"\neffective_from = 2020-01-01\n\
             source = \"s\"\ntitle_zh = \"标题\"\ntitle_en = \"t\"\nbasis = \"law\"\n{extra}\n"
        )
    }

    fn err(text: &str) -> RuleSetError {
        RuleSet::parse_toml(text).unwrap_err()
    }

    #[test]
    fn builtin_parses_and_defines_every_constant() {
        let set = RuleSet::builtin();
        let ids = set.ids();
        for id in ALL_RULE_IDS {
            assert!(ids.contains(id), "built-in rule set lacks {id}");
        }
        for id in &ids {
            assert!(
                ALL_RULE_IDS.contains(id),
                "{id} has no constant in rules.rs"
            );
        }
        // Every rule is in force after Order 36 took effect; before it, all
        // but the two rules on minor negative information that Order 36
        // introduced.
        for id in ALL_RULE_IDS {
            assert!(set.rule_in_force(id, d(2026, 6, 1)).is_some(), "{id}");
            let new_in_2026 = [REPAIR_MIN_PERIOD_MINOR, PUBLICATION_PENALTY_MINOR_MAX];
            assert_eq!(
                set.rule_in_force(id, d(2025, 6, 1)).is_some(),
                !new_in_2026.contains(id),
                "{id}"
            );
        }
    }

    #[test]
    fn builtin_numbers_match_the_sources() {
        let set = RuleSet::builtin();
        let on = d(2026, 6, 1);
        let check = |id: &str, amount: u32, unit: Unit| {
            let r = set.rule_in_force(id, on).unwrap();
            assert_eq!((r.amount, r.unit), (amount, unit), "{id}");
        };
        check(OBJECTION_FIRST_CHECK, 3, Unit::WorkingDays);
        check(OBJECTION_OWN_ERROR_NOTIFY, 2, Unit::WorkingDays);
        check(OBJECTION_PROVIDER_VERIFICATION, 20, Unit::WorkingDays);
        check(OBJECTION_APPLICANT_NOTIFY, 2, Unit::WorkingDays);
        check(CORRECTION_PROVIDER_REPORT, 7, Unit::WorkingDays);
        check(CORRECTION_PLATFORM_APPLY, 7, Unit::WorkingDays);
        check(REPAIR_DECISION, 20, Unit::WorkingDays);
        check(REPAIR_SELF_CORRECTION_WINDOW, 45, Unit::CalendarDays);
        check(REPAIR_MIN_PERIOD_MINOR, 0, Unit::Months);
        check(REPAIR_MIN_PERIOD_GENERAL, 3, Unit::Months);
        check(REPAIR_MIN_PERIOD_SERIOUS, 1, Unit::Years);
        check(PUBLICATION_BASIC_AFTER_TERMINATION, 3, Unit::Years);
        check(PUBLICATION_HINT, 5, Unit::Years);
        check(PUBLICATION_WARNING, 5, Unit::Years);
        check(PUBLICATION_PENALTY_MINOR_MAX, 3, Unit::Months);
        check(PUBLICATION_PENALTY_GENERAL_MIN, 3, Unit::Months);
        check(PUBLICATION_PENALTY_GENERAL_MAX, 1, Unit::Years);
        check(PUBLICATION_PENALTY_SERIOUS_MIN, 1, Unit::Years);
        check(PUBLICATION_PENALTY_SERIOUS_MAX, 3, Unit::Years);
        check(ELEVATOR_BAD_RECORD, 1, Unit::Years);
        check(ELEVATOR_BLACKLIST, 1, Unit::Years);
        check(ELEVATOR_BLACKLIST_ACCIDENT_LARGE, 2, Unit::Years);
        check(ELEVATOR_BLACKLIST_ACCIDENT_MAJOR, 3, Unit::Years);
        check(ELEVATOR_BLACKLIST_ACCIDENT_EXTRAORDINARY, 4, Unit::Years);
        check(DOUBLE_PUBLICITY_PUBLISH, 7, Unit::WorkingDays);
        check(CONSENT_DEFAULT_VALIDITY, 1, Unit::Years);
        check(QUERY_LOG_RETENTION, 3, Unit::Years);
        check(COURT_LIST_CORRECTION_REQUEST, 10, Unit::CalendarDays);
        check(COURT_LIST_CORRECTION_REVIEW, 3, Unit::CalendarDays);
        check(DELISTING_REPUBLISHER_DELETION, 3, Unit::WorkingDays);
        // Policy rules say so.
        for id in [
            CONSENT_DEFAULT_VALIDITY,
            CONSENT_MAX_VALIDITY,
            COMPLAINT_HANDLING,
        ] {
            assert_eq!(
                set.rule_in_force(id, on).unwrap().basis,
                Basis::Policy,
                "{id}"
            );
        }
        // The 2015 Fujian Measures apply from 2015-08-01, not before.
        assert!(
            set.rule_in_force(OBJECTION_FIRST_CHECK, d(2015, 7, 31))
                .is_none()
        );
        assert!(
            set.rule_in_force(OBJECTION_FIRST_CHECK, d(2015, 8, 1))
                .is_some()
        );
    }

    #[test]
    fn versions_switch_on_2026_04_01() {
        let set = RuleSet::builtin();
        let before = set
            .rule_in_force(REPAIR_MIN_PERIOD_SERIOUS, d(2026, 3, 31))
            .unwrap();
        let after = set
            .rule_in_force(REPAIR_MIN_PERIOD_SERIOUS, d(2026, 4, 1))
            .unwrap();
        assert_eq!(before.effective_until, Some(d(2026, 3, 31)));
        assert_eq!(after.effective_from, d(2026, 4, 1));
        assert_ne!(before, after);
        assert!(before.source.contains("58"));
        assert!(after.source.contains("36"));
        // Minor: only from 2026-04-01 (no version under Order 58).
        assert!(
            set.rule_in_force(REPAIR_MIN_PERIOD_MINOR, d(2026, 3, 31))
                .is_none()
        );
        assert_eq!(set.versions(PUBLICATION_PENALTY_GENERAL_MAX).count(), 2);
        let in_force = set.rules_in_force(d(2026, 4, 1));
        assert_eq!(in_force.len(), ALL_RULE_IDS.len());
    }

    #[test]
    fn apply_dispatches_on_unit() {
        let set = RuleSet::builtin();
        let cal = Calendar::builtin();
        let on = d(2025, 9, 30);
        let first = set.rule_in_force(OBJECTION_FIRST_CHECK, on).unwrap();
        assert_eq!(first.apply(on, &cal), Dated::firm(d(2025, 10, 11)));
        // 45 calendar days from 2025-08-17 = 2025-10-01 (holiday) -> 2025-10-09.
        let window = set
            .rule_in_force(REPAIR_SELF_CORRECTION_WINDOW, on)
            .unwrap();
        assert_eq!(
            window.apply(d(2025, 8, 17), &cal),
            Dated::firm(d(2025, 10, 9))
        );
        // Months and years are not rolled: 3 months from 2026-04-04 is 2026-07-04 (a Saturday).
        let general = set
            .rule_in_force(REPAIR_MIN_PERIOD_GENERAL, d(2026, 4, 4))
            .unwrap();
        assert_eq!(
            general.apply(d(2026, 4, 4), &cal),
            Dated::firm(d(2026, 7, 4))
        );
        let minor = set
            .rule_in_force(REPAIR_MIN_PERIOD_MINOR, d(2026, 4, 4))
            .unwrap();
        assert_eq!(minor.apply(d(2026, 4, 4), &cal), Dated::firm(d(2026, 4, 4)));
        let retention = set.rule_in_force(QUERY_LOG_RETENTION, on).unwrap();
        assert_eq!(
            retention.apply(d(2024, 2, 29), &cal),
            Dated::firm(d(2027, 2, 28))
        );
        // Court review: 3 calendar days from 2026-09-30 = 2026-10-03 (holiday) -> 2026-10-08.
        let review = set.rule_in_force(COURT_LIST_CORRECTION_REVIEW, on).unwrap();
        assert_eq!(
            review.apply(d(2026, 9, 30), &cal),
            Dated::firm(d(2026, 10, 8))
        );
        // Into 2027: provisional.
        let verification = set
            .rule_in_force(OBJECTION_PROVIDER_VERIFICATION, on)
            .unwrap();
        assert!(verification.apply(d(2026, 12, 10), &cal).provisional);
    }

    #[test]
    fn rolled_month_rule() {
        let text = rule("").replace(
            "amount = 3\nunit = \"working_days\"",
            "amount = 1\nunit = \"months\"\nroll_to_working_day = true",
        );
        let set = RuleSet::parse_toml(&text).unwrap();
        let r = &set.rules()[0];
        // 2025-09-04 + 1 month = 2025-10-04 (holiday) -> 2025-10-09.
        assert_eq!(
            r.apply(d(2025, 9, 4), &Calendar::builtin()),
            Dated::firm(d(2025, 10, 9))
        );
    }

    #[test]
    fn validation_errors() {
        assert_eq!(err("[[rule]]\nid = 1").code(), "RULES_TOML");
        assert_eq!(err(&rule("bogus = 1")).code(), "RULES_TOML");
        assert_eq!(err(&rule("").replace("x.y", "Objection")).code(), "RULE_ID");
        assert_eq!(err(&rule("").replace("x.y", "objection")).code(), "RULE_ID");
        assert_eq!(
            err(&rule("").replace("working_days", "fortnights")).to_string(),
            "rule x.y (from 2020-01-01): unknown unit 'fortnights' (expected working_days, \
             calendar_days, months or years)"
        );
        assert_eq!(
            err(&rule("").replace("amount = 3", "amount = 0")).code(),
            "RULE_AMOUNT"
        );
        assert_eq!(
            err(&rule("").replace("amount = 3", "amount = -1")).code(),
            "RULE_AMOUNT"
        );
        assert!(
            RuleSet::parse_toml(&rule("allow_zero = true").replace("amount = 3", "amount = 0"))
                .is_ok()
        );
        assert_eq!(
            err(&rule("").replace("source = \"s\"", "source = \" \"")).code(),
            "RULE_FIELD"
        );
        assert_eq!(
            err(&rule("").replace("\"law\"", "\"custom\"")).code(),
            "RULE_BASIS"
        );
        assert_eq!(
            err(&rule("verification = \"maybe\"")).code(),
            "RULE_VERIFICATION"
        );
        assert_eq!(
            err(&rule("effective_until = 2019-12-31")).code(),
            "RULE_VALIDITY"
        );
        assert_eq!(err(&rule("roll_to_working_day = true")).code(), "RULE_ROLL");
        assert_eq!(
            err(&rule("").replace("2020-01-01", "\"2020-13-01\"")).code(),
            "RULE_DATE"
        );
        assert_eq!(
            err(&format!("{}{}", rule(""), rule(""))).code(),
            "RULE_DUPLICATE"
        );
        let overlapping = format!(
            "{}{}",
            rule("effective_until = 2021-06-30"),
            rule("").replace("2020-01-01", "2021-06-30")
        );
        assert_eq!(
            err(&overlapping),
            RuleSetError::Overlap {
                id: "x.y".into(),
                first_from: d(2020, 1, 1),
                second_from: d(2021, 6, 30)
            }
        );
        let open_ended_then_new = format!(
            "{}{}",
            rule(""),
            rule("").replace("2020-01-01", "2022-01-01")
        );
        assert_eq!(err(&open_ended_then_new).code(), "RULE_OVERLAP");
        let consecutive = format!(
            "{}{}",
            rule("effective_until = 2021-06-29"),
            rule("").replace("2020-01-01", "2021-06-30")
        );
        let set = RuleSet::parse_toml(&consecutive).unwrap();
        assert_eq!(
            set.rule_in_force("x.y", d(2021, 6, 29))
                .unwrap()
                .effective_from,
            d(2020, 1, 1)
        );
        assert_eq!(
            set.rule_in_force("x.y", d(2021, 6, 30))
                .unwrap()
                .effective_from,
            d(2021, 6, 30)
        );
        assert!(set.rule_in_force("x.y", d(2019, 12, 31)).is_none());
    }

    #[test]
    fn merge_validates_across_files() {
        let base = RuleSet::builtin();
        // A deployment shortening the first check from 2027 must end the old version.
        let addition = RuleSet::parse_toml(
            "name = \"fuzhou\"\n[[rule]]\nid = \"objection.first_check\"\namount = 2\nunit = \"working_days\"\n\
             effective_from = 2027-01-01\nsource = \"local\"\ntitle_zh = \"异议初核\"\ntitle_en = \"t\"\nbasis = \"policy\"\n",
        )
        .unwrap();
        assert_eq!(
            base.clone().merge(addition).unwrap_err().code(),
            "RULE_OVERLAP"
        );
        let fresh = RuleSet::parse_toml(&rule("")).unwrap();
        let merged = base.merge(fresh).unwrap();
        assert!(merged.rule_in_force("x.y", d(2020, 1, 1)).is_some());
    }

    #[test]
    fn docs_list_every_rule() {
        let docs = include_str!("../../docs/rules.md");
        for r in RuleSet::builtin().rules() {
            let row = format!("| `{}` | {} ", r.id, r.amount);
            assert!(
                docs.contains(&row),
                "docs/rules.md has no row for {} ({})",
                r.id,
                r.effective_from
            );
        }
    }

    #[test]
    fn display_and_describe() {
        let set = RuleSet::builtin();
        let r = set
            .rule_in_force(OBJECTION_FIRST_CHECK, d(2025, 1, 1))
            .unwrap();
        assert_eq!(r.describe_en(), "3 working days");
        assert_eq!(r.describe_zh(), "3个工作日");
        assert!(
            r.to_string()
                .starts_with("objection.first_check: 3 working days from 2015-08-01")
        );
    }
}
