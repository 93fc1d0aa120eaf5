//! Objections (异议), credit repair (信用修复) and their clocks: the pure
//! rules. No I/O: the date of "today" and the rule set and calendar in force
//! are always parameters.
//!
//! - [`ObjectionReason`]: the grounds a subject may give (Measures Art. 43:
//!   the information does not match the facts, or law forbids disclosing it).
//! - [`sniff_media_type`]: evidence files are typed from their first bytes,
//!   never from the name the uploader gave.
//! - [`countdown`]: "N working days left / overdue by N" for a due day.
//! - [`reminder_day`]: the working day two working days before a due day.
//! - [`repair_eligibility`]: whether, and from when, a record can be repaired,
//!   by the rule set in force when the record's clock started.
//! - [`commitment_letter`]: the text of the credit commitment (信用承诺书).

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::calendar::Calendar;
use crate::rules::{
    REPAIR_MIN_PERIOD_GENERAL, REPAIR_MIN_PERIOD_MINOR, REPAIR_MIN_PERIOD_SERIOUS,
    REPAIR_SELF_CORRECTION_WINDOW, RuleSet,
};

// ---------------------------------------------------------------------------
// Objection grounds

/// Why a subject objects to a record (Measures Art. 43, seed 002 l.689).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ObjectionReason {
    /// The record does not match the facts.
    FactualError,
    /// Something material is missing.
    Omission,
    /// The same fact is recorded twice.
    Duplicate,
    /// Law forbids disclosing it, or it should not be public.
    ShouldNotBePublic,
    /// Its publication period has ended.
    PastPublicationPeriod,
    /// Wrongly listed, or not removed from a list when it should have been.
    WronglyListed,
    /// It does not match what the issuing authority decided.
    MismatchWithAuthority,
    /// Any other ground that makes its collection or disclosure unlawful.
    OtherUnlawful,
}

impl ObjectionReason {
    pub const ALL: [ObjectionReason; 8] = [
        ObjectionReason::FactualError,
        ObjectionReason::Omission,
        ObjectionReason::Duplicate,
        ObjectionReason::ShouldNotBePublic,
        ObjectionReason::PastPublicationPeriod,
        ObjectionReason::WronglyListed,
        ObjectionReason::MismatchWithAuthority,
        ObjectionReason::OtherUnlawful,
    ];

    /// The stored code, e.g. `factual_error`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectionReason::FactualError => "factual_error",
            ObjectionReason::Omission => "omission",
            ObjectionReason::Duplicate => "duplicate",
            ObjectionReason::ShouldNotBePublic => "should_not_be_public",
            ObjectionReason::PastPublicationPeriod => "past_publication_period",
            ObjectionReason::WronglyListed => "wrongly_listed",
            ObjectionReason::MismatchWithAuthority => "mismatch_with_authority",
            ObjectionReason::OtherUnlawful => "other_unlawful",
        }
    }

    pub fn parse(s: &str) -> Option<ObjectionReason> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ObjectionReason::FactualError => "信息与事实不符",
            ObjectionReason::Omission => "信息有遗漏",
            ObjectionReason::Duplicate => "信息重复",
            ObjectionReason::ShouldNotBePublic => "依法不应公开",
            ObjectionReason::PastPublicationPeriod => "已超过披露期限",
            ObjectionReason::WronglyListed => "错误列入名单或未按规定移出",
            ObjectionReason::MismatchWithAuthority => "与作出决定的机关认定不一致",
            ObjectionReason::OtherUnlawful => "其他违法采集或披露情形",
        }
    }
}

// ---------------------------------------------------------------------------
// Evidence files

/// Media types accepted as evidence.
pub const PDF: &str = "application/pdf";
pub const JPEG: &str = "image/jpeg";
pub const PNG: &str = "image/png";

/// The media type of a file judged by its content (magic bytes): PDF, JPEG
/// or PNG, else `None`. The uploader's file name and declared type are not
/// trusted: a renamed executable is refused.
pub fn sniff_media_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some(PDF)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(JPEG)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(PNG)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// Clocks

/// Where a due day stands on `today`, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Countdown {
    /// Past the due day.
    pub overdue: bool,
    /// Not overdue: working days after today up to and including the due
    /// day (0 = due today). Overdue: working days after the due day up to
    /// and including today, at least 1 (a rest day right after the due day
    /// already counts as the first overdue day).
    pub working_days: u32,
    /// Some day counted lies in a year whose calendar is not loaded.
    pub provisional: bool,
}

impl Countdown {
    /// "2 working days left", "due today", "overdue by 3 working days".
    pub fn describe_en(&self) -> String {
        let unit = if self.working_days == 1 {
            "working day"
        } else {
            "working days"
        };
        match (self.overdue, self.working_days) {
            (false, 0) => "due today".to_string(),
            (false, n) => format!("{n} {unit} left"),
            (true, n) => format!("overdue by {n} {unit}"),
        }
    }

    /// "剩余2个工作日", "今日到期", "已逾期3个工作日".
    pub fn describe_zh(&self) -> String {
        match (self.overdue, self.working_days) {
            (false, 0) => "今日到期".to_string(),
            (false, n) => format!("剩余{n}个工作日"),
            (true, n) => format!("已逾期{n}个工作日"),
        }
    }
}

/// Working days in `(from, to]` (0 when `to <= from`).
fn working_days_between(calendar: &Calendar, from: NaiveDate, to: NaiveDate) -> (u32, bool) {
    let mut n = 0u32;
    let mut provisional = false;
    let mut d = from;
    while d < to {
        let Some(next) = d.checked_add_days(Days::new(1)) else {
            break;
        };
        d = next;
        let a = calendar.is_working_day(d);
        provisional |= a.provisional;
        if a.value {
            n = n.saturating_add(1);
        }
    }
    (n, provisional)
}

/// Where `due_on` stands on `today`.
pub fn countdown(calendar: &Calendar, due_on: NaiveDate, today: NaiveDate) -> Countdown {
    if today <= due_on {
        let (n, provisional) = working_days_between(calendar, today, due_on);
        Countdown {
            overdue: false,
            working_days: n,
            provisional,
        }
    } else {
        let (n, provisional) = working_days_between(calendar, due_on, today);
        Countdown {
            overdue: true,
            working_days: n.max(1),
            provisional,
        }
    }
}

/// The working day on which a handler is reminded that `due_on` is
/// `before` working days away: the `before`-th working day before it.
pub fn reminder_day(calendar: &Calendar, due_on: NaiveDate, before: u32) -> NaiveDate {
    let mut d = due_on;
    let mut seen = 0u32;
    while seen < before {
        let Some(prev) = d.checked_sub_days(Days::new(1)) else {
            return d;
        };
        d = prev;
        if calendar.is_working_day(d).value {
            seen += 1;
        }
    }
    d
}

// ---------------------------------------------------------------------------
// Repair eligibility

/// Severity of the record, as far as repair is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RepairSeverity {
    Minor,
    General,
    Serious,
}

/// Where the record is in its life, as far as repair is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RepairRecordState {
    /// Published (or withheld under an objection).
    Live,
    /// Already repaired.
    Repaired,
    /// Withdrawn, deleted or archived: nothing is published to repair.
    Ended,
}

/// What [`repair_eligibility`] needs to know about a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairInput {
    /// The catalogue says the category can be repaired.
    pub category_repairable: bool,
    /// Negative information (hint or warning class): only it is repaired.
    pub negative: bool,
    /// `None` for categories without severities: treated as general.
    pub severity: Option<RepairSeverity>,
    /// The date the record's clock started: the decision that made the finding.
    pub decided_on: NaiveDate,
    pub state: RepairRecordState,
    /// Why repair is barred by law for this record, if it is (e.g. a
    /// serious case repeated within the period).
    pub barred: Option<String>,
}

/// The answer, with its reason in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Eligibility {
    /// The subject may apply now.
    Eligible,
    /// The subject may apply from this date (the minimum period has not passed).
    EligibleFrom(NaiveDate),
    /// The subject can never apply for this record.
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairEligibility {
    pub eligibility: Eligibility,
    /// The rule that decided, e.g. `repair.min_period.general`.
    pub rule_id: Option<String>,
    /// Its legal source.
    pub rule_source: Option<String>,
    pub reason_en: String,
    pub reason_zh: String,
}

impl RepairEligibility {
    fn never(rule: Option<(&str, &str)>, en: String, zh: String) -> Self {
        RepairEligibility {
            eligibility: Eligibility::Never,
            rule_id: rule.map(|r| r.0.to_string()),
            rule_source: rule.map(|r| r.1.to_string()),
            reason_en: en,
            reason_zh: zh,
        }
    }

    pub fn is_eligible(&self) -> bool {
        self.eligibility == Eligibility::Eligible
    }
}

/// Whether `input`'s record can be repaired on `today`, and why.
///
/// 1. Only live negative information of a repairable category is repaired;
///    a bar in law (`barred`) is final.
/// 2. Records whose clock started while a minimum-publication rule was in
///    force (NDRC Order 58 from 2023-05-01, Order 36 / 国办发〔2025〕22号 from
///    2026-04-01): repairable the day after the minimum period for the
///    severity ends (minor: 0 — once the obligations are fulfilled; general:
///    3 months; serious: 1 year).
/// 3. Older records fall under the 2015 Fujian Measures alone: Art. 41 lets a
///    subject that self-corrected within 45 days of being found dishonest
///    apply (`repair.self_correction_window`); after that window, never.
pub fn repair_eligibility(
    input: &RepairInput,
    rules: &RuleSet,
    calendar: &Calendar,
    today: NaiveDate,
) -> RepairEligibility {
    match input.state {
        RepairRecordState::Repaired => {
            return RepairEligibility::never(
                None,
                "The record has already been repaired.".into(),
                "该信息已完成信用修复。".into(),
            );
        }
        RepairRecordState::Ended => {
            return RepairEligibility::never(
                None,
                "The record is no longer published (withdrawn, deleted or archived): there is nothing to repair.".into(),
                "该信息已撤回、删除或归档，不再公示，无需修复。".into(),
            );
        }
        RepairRecordState::Live => {}
    }
    if !input.negative {
        return RepairEligibility::never(
            None,
            "Only negative (hint or warning) information is repaired.".into(),
            "仅失信（提示、警示）信息适用信用修复。".into(),
        );
    }
    if !input.category_repairable {
        return RepairEligibility::never(
            None,
            "The catalogue does not allow repair for this category.".into(),
            "根据信用信息目录，该类信息不予修复。".into(),
        );
    }
    if let Some(why) = &input.barred {
        return RepairEligibility::never(
            None,
            format!("Repair is barred: {why}."),
            format!("不予修复：{why}。"),
        );
    }
    let severity = input.severity.unwrap_or(RepairSeverity::General);
    let id = match severity {
        RepairSeverity::Minor => REPAIR_MIN_PERIOD_MINOR,
        RepairSeverity::General => REPAIR_MIN_PERIOD_GENERAL,
        RepairSeverity::Serious => REPAIR_MIN_PERIOD_SERIOUS,
    };
    if let Some(rule) = rules.rule_in_force(id, input.decided_on) {
        let end = rule.apply(input.decided_on, calendar).date;
        let from = if rule.amount == 0 {
            input.decided_on
        } else {
            end.checked_add_days(Days::new(1)).unwrap_or(end)
        };
        let period_en = rule.describe_en();
        let period_zh = rule.describe_zh();
        let src = Some((rule.id.as_str(), rule.source.as_str()));
        if today >= from {
            let (en, zh) = if rule.amount == 0 {
                (
                    "Minor information can be repaired as soon as the legal obligations are fulfilled.".to_string(),
                    "轻微失信信息在履行法定义务后即可申请修复。".to_string(),
                )
            } else {
                (
                    format!(
                        "The minimum publication period of {period_en} from {} ended on {end}.",
                        input.decided_on
                    ),
                    format!(
                        "自{}起{period_zh}的最短公示期已于{end}届满。",
                        input.decided_on
                    ),
                )
            };
            return RepairEligibility {
                eligibility: Eligibility::Eligible,
                rule_id: src.map(|s| s.0.to_string()),
                rule_source: src.map(|s| s.1.to_string()),
                reason_en: en,
                reason_zh: zh,
            };
        }
        return RepairEligibility {
            eligibility: Eligibility::EligibleFrom(from),
            rule_id: src.map(|s| s.0.to_string()),
            rule_source: src.map(|s| s.1.to_string()),
            reason_en: format!(
                "You can apply from {from}: the minimum publication period of {period_en} from {} ends on {end}.",
                input.decided_on
            ),
            reason_zh: format!(
                "可于{from}起申请：自{}起{period_zh}的最短公示期至{end}届满。",
                input.decided_on
            ),
        };
    }
    // No minimum-period rule when the clock started: the 2015 Measures.
    let Some(rule) = rules.rule_in_force(REPAIR_SELF_CORRECTION_WINDOW, input.decided_on) else {
        return RepairEligibility::never(
            None,
            format!(
                "No repair rule was in force on {}, when the record's clock started.",
                input.decided_on
            ),
            format!("{}（认定之日）无适用的信用修复规则。", input.decided_on),
        );
    };
    let last = rule.apply(input.decided_on, calendar).date;
    let src = Some((rule.id.as_str(), rule.source.as_str()));
    if today <= last {
        RepairEligibility {
            eligibility: Eligibility::Eligible,
            rule_id: src.map(|s| s.0.to_string()),
            rule_source: src.map(|s| s.1.to_string()),
            reason_en: format!(
                "Under the 2015 Fujian Measures (Art. 41) a subject that corrects its conduct within {} may apply; the window ends on {last}.",
                rule.describe_en()
            ),
            reason_zh: format!(
                "依《福建省公共信用信息管理暂行办法》第四十一条，在{}内主动整改纠正的可申请修复，期限至{last}。",
                rule.describe_zh()
            ),
        }
    } else {
        RepairEligibility::never(
            src,
            format!(
                "Under the 2015 Fujian Measures (Art. 41) repair had to follow self-correction within {}; that window ended on {last}.",
                rule.describe_en()
            ),
            format!(
                "依《福建省公共信用信息管理暂行办法》第四十一条，应在{}内主动整改纠正后申请修复，该期限已于{last}届满。",
                rule.describe_zh()
            ),
        )
    }
}

// ---------------------------------------------------------------------------
// Credit commitment letter

/// What the commitment letter names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentFacts<'a> {
    pub subject_name: &'a str,
    /// As the subject may see it (a person's ID number masked).
    pub subject_identifier: &'a str,
    pub record_title: &'a str,
    pub decision_number: Option<&'a str>,
    pub decided_on: NaiveDate,
    pub department_name: &'a str,
    pub date: NaiveDate,
}

/// The credit commitment (信用承诺书) a subject accepts when it applies for
/// repair (NDRC Order 36; 国办发〔2025〕22号). Deterministic: the same facts
/// give the same text, so the hash accepted can be checked.
pub fn commitment_letter(f: &CommitmentFacts<'_>) -> String {
    let number = f.decision_number.unwrap_or("—");
    format!(
        "信用承诺书\n\
         \n\
         承诺主体：{name}\n\
         统一社会信用代码/身份证件号码：{id}\n\
         \n\
         本主体就{department}于{decided}作出的“{title}”（文书号：{number}）申请信用修复，现郑重承诺：\n\
         一、已纠正相关失信行为，并已全面履行行政处罚等法定义务、消除不良影响；\n\
         二、所提交的申请材料真实、准确、完整，如有虚假，愿意承担相应法律责任；\n\
         三、今后严格遵守法律法规，诚信经营，自觉接受政府部门和社会监督；\n\
         四、如违反本承诺，愿意接受撤销修复决定、重新公示及依法依规实施的惩戒。\n\
         \n\
         本承诺书将依法公开，接受社会监督。\n\
         \n\
         承诺日期：{date}\n\
         \n\
         Credit commitment: {name} ({id}) applies for repair of \"{title}\" ({number}) decided by {department} on {decided}, \
         declares that the conduct is corrected and every legal obligation fulfilled, that the materials are true, \
         and accepts revocation of the repair and renewed publication if this commitment is broken. Date: {date}.\n",
        name = f.subject_name,
        id = f.subject_identifier,
        department = f.department_name,
        decided = f.decided_on,
        title = f.record_title,
        number = number,
        date = f.date,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn cal() -> Calendar {
        Calendar::builtin()
    }

    fn input(severity: Option<RepairSeverity>, decided: &str) -> RepairInput {
        RepairInput {
            category_repairable: true,
            negative: true,
            severity,
            decided_on: d(decided),
            state: RepairRecordState::Live,
            barred: None,
        }
    }

    #[test]
    fn reasons_round_trip() {
        for r in ObjectionReason::ALL {
            assert_eq!(ObjectionReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(ObjectionReason::parse("FACTUAL_ERROR"), None);
    }

    #[test]
    fn media_types_come_from_content() {
        assert_eq!(sniff_media_type(b"%PDF-1.7\n..."), Some(PDF));
        assert_eq!(sniff_media_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Some(JPEG));
        assert_eq!(
            sniff_media_type(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some(PNG)
        );
        assert_eq!(sniff_media_type(b"MZ\x90\x00 not a pdf.pdf"), None);
        assert_eq!(sniff_media_type(b""), None);
        assert_eq!(sniff_media_type(b"%PD"), None);
    }

    #[test]
    fn national_day_2025_first_check_is_due_on_the_makeup_saturday() {
        // Received Tue 2025-09-30; Oct 1-8 are holidays; Sat Oct 11 is a make-up day.
        let rules = RuleSet::builtin();
        let rule = rules
            .rule_in_force(crate::rules::OBJECTION_FIRST_CHECK, d("2025-09-30"))
            .expect("rule");
        assert_eq!(rule.apply(d("2025-09-30"), &cal()).date, d("2025-10-11"));
        // Reminded two working days before: Thu 2025-10-09.
        assert_eq!(reminder_day(&cal(), d("2025-10-11"), 2), d("2025-10-09"));
        let c = countdown(&cal(), d("2025-10-11"), d("2025-09-30"));
        assert_eq!((c.overdue, c.working_days), (false, 3));
        assert_eq!(c.describe_en(), "3 working days left");
        let c = countdown(&cal(), d("2025-10-11"), d("2025-10-11"));
        assert_eq!(c.describe_en(), "due today");
        // Sunday Oct 12 is a rest day: already overdue, by one.
        let c = countdown(&cal(), d("2025-10-11"), d("2025-10-12"));
        assert_eq!((c.overdue, c.working_days), (true, 1));
        let c = countdown(&cal(), d("2025-10-11"), d("2025-10-14"));
        assert_eq!(c.describe_en(), "overdue by 2 working days");
        assert_eq!(c.describe_zh(), "已逾期2个工作日");
    }

    #[test]
    fn spring_festival_2026_counts_the_makeup_saturday_and_skips_the_holiday() {
        // Thu 2026-02-12 + 3 WD: Fri 13, Sat 14 (make-up), Feb 15-23 off, Tue 24.
        let rules = RuleSet::builtin();
        let rule = rules
            .rule_in_force(crate::rules::OBJECTION_FIRST_CHECK, d("2026-02-12"))
            .expect("rule");
        assert_eq!(rule.apply(d("2026-02-12"), &cal()).date, d("2026-02-24"));
        assert_eq!(reminder_day(&cal(), d("2026-02-24"), 2), d("2026-02-13"));
    }

    #[test]
    fn general_penalty_under_order_36_edges() {
        let rules = RuleSet::builtin();
        let i = input(Some(RepairSeverity::General), "2026-05-10");
        // 3 months end 2026-08-10; eligible from the day after.
        let e = repair_eligibility(&i, &rules, &cal(), d("2026-08-10"));
        assert_eq!(e.eligibility, Eligibility::EligibleFrom(d("2026-08-11")));
        assert_eq!(e.rule_id.as_deref(), Some(REPAIR_MIN_PERIOD_GENERAL));
        assert!(e.reason_en.contains("2026-08-11"), "{}", e.reason_en);
        let e = repair_eligibility(&i, &rules, &cal(), d("2026-08-11"));
        assert_eq!(e.eligibility, Eligibility::Eligible);
    }

    #[test]
    fn serious_and_minor_periods() {
        let rules = RuleSet::builtin();
        let s = input(Some(RepairSeverity::Serious), "2026-04-01");
        assert_eq!(
            repair_eligibility(&s, &rules, &cal(), d("2027-04-01")).eligibility,
            Eligibility::EligibleFrom(d("2027-04-02"))
        );
        assert!(repair_eligibility(&s, &rules, &cal(), d("2027-04-02")).is_eligible());
        let m = input(Some(RepairSeverity::Minor), "2026-10-09");
        assert!(repair_eligibility(&m, &rules, &cal(), d("2026-10-09")).is_eligible());
    }

    #[test]
    fn order_58_serious_is_one_year_too_but_cites_the_old_rule() {
        let rules = RuleSet::builtin();
        let s = input(Some(RepairSeverity::Serious), "2025-12-01");
        let e = repair_eligibility(&s, &rules, &cal(), d("2026-06-01"));
        assert_eq!(e.eligibility, Eligibility::EligibleFrom(d("2026-12-02")));
        assert!(
            e.rule_source.as_deref().is_some_and(|s| s.contains("58")),
            "{e:?}"
        );
    }

    #[test]
    fn records_under_the_2015_measures_use_the_45_day_window() {
        let rules = RuleSet::builtin();
        // 2022-03-01 + 45 days = 2022-04-15 (Fri, a working day).
        let i = input(Some(RepairSeverity::Serious), "2022-03-01");
        let e = repair_eligibility(&i, &rules, &cal(), d("2022-04-15"));
        assert_eq!(e.eligibility, Eligibility::Eligible);
        assert_eq!(e.rule_id.as_deref(), Some(REPAIR_SELF_CORRECTION_WINDOW));
        let e = repair_eligibility(&i, &rules, &cal(), d("2022-04-16"));
        assert_eq!(e.eligibility, Eligibility::Never);
        assert!(e.reason_en.contains("2022-04-15"), "{}", e.reason_en);
    }

    #[test]
    fn bars_and_states_are_final() {
        let rules = RuleSet::builtin();
        let today = d("2030-01-01");
        let mut i = input(Some(RepairSeverity::General), "2026-05-10");
        i.category_repairable = false;
        assert_eq!(
            repair_eligibility(&i, &rules, &cal(), today).eligibility,
            Eligibility::Never
        );
        let mut i = input(Some(RepairSeverity::General), "2026-05-10");
        i.negative = false;
        assert_eq!(
            repair_eligibility(&i, &rules, &cal(), today).eligibility,
            Eligibility::Never
        );
        let mut i = input(Some(RepairSeverity::Serious), "2026-05-10");
        i.barred = Some("serious dishonesty repeated".into());
        let e = repair_eligibility(&i, &rules, &cal(), today);
        assert_eq!(e.eligibility, Eligibility::Never);
        assert!(e.reason_en.contains("repeated"));
        for state in [RepairRecordState::Repaired, RepairRecordState::Ended] {
            let mut i = input(Some(RepairSeverity::General), "2026-05-10");
            i.state = state;
            assert_eq!(
                repair_eligibility(&i, &rules, &cal(), today).eligibility,
                Eligibility::Never
            );
        }
    }

    #[test]
    fn commitment_letter_is_deterministic_and_names_the_subject() {
        let f = CommitmentFacts {
            subject_name: "福州闽江电子科技有限公司",
            subject_identifier: "91350100MA099QFHXF",
            record_title: "虚假宣传",
            decision_number: Some("榕市监处罚〔2026〕1号"),
            decided_on: d("2026-05-10"),
            department_name: "福州市市场监督管理局",
            date: d("2026-11-21"),
        };
        let a = commitment_letter(&f);
        assert_eq!(a, commitment_letter(&f));
        assert!(a.contains("福州闽江电子科技有限公司") && a.contains("榕市监处罚〔2026〕1号"));
    }
}
