//! Cases a subject opens about its records — objections (异议), credit
//! repair applications (信用修复) and complaints (投诉) — with their
//! timelines, statutory deadlines and evidence (docs/cases.md).
//!
//! Shared here: who may see a case, the timeline (`case_event`), the
//! deadline rows (rule + working-day calendar, the rule version in force on
//! the day the clock starts), record state changes with their revision and
//! change-feed event, and evidence files.

pub mod attachments;
pub mod complaints;
pub mod objections;
pub mod repairs;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use domain::cases::{self as rules_cases, Countdown};
use domain::time::{end_of_local_day_utc, local_date, start_of_local_day_utc};
use entity::enums::{
    AccountRole, ActorKind, CaseKind, ChangeKind, DeadlineStatus, ObjectionOutcome, RecordStatus,
};
use entity::{
    case_event, change_event, complaint, credit_record, deadline, objection, record_revision,
    repair_application,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
    Set,
};
use serde_json::{Value, json};

use super::notices::{self, NoticeKind};
use super::{ServiceError, ServiceResult};
use crate::auth::Actor;
use crate::state::{AppState, Reference};

/// Milestones, as stored in `deadline.milestone`.
pub mod milestone {
    /// Platform's first check of an objection (3 WD).
    pub const FIRST_CHECK: &str = "first_check";
    /// Applicant told of a correction of the platform's own error (2 WD).
    pub const OWN_ERROR_NOTIFY: &str = "own_error_notify";
    /// Provider verifies a referred objection (20 WD).
    pub const PROVIDER_VERIFICATION: &str = "provider_verification";
    /// Applicant told of the provider's answer (2 WD).
    pub const APPLICANT_NOTIFY: &str = "applicant_notify";
    /// Department decides a repair application (20 WD).
    pub const REPAIR_DECISION: &str = "repair_decision";
    /// Operator handles a complaint (20 WD, policy).
    pub const COMPLAINT_HANDLING: &str = "complaint_handling";
}

/// Longest statement, note or reason accepted (characters).
pub const MAX_TEXT: usize = 5000;

/// Who must act on a milestone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handler {
    Operators,
    Department(i64),
}

/// Who acted, for the timeline.
#[derive(Clone, Copy, Debug)]
pub struct By {
    pub kind: ActorKind,
    pub account_id: Option<i64>,
}

impl By {
    pub const SYSTEM: By = By {
        kind: ActorKind::System,
        account_id: None,
    };

    pub fn of(actor: &Actor) -> By {
        match actor {
            Actor::Account(a) => By {
                kind: match a.role {
                    AccountRole::Operator => ActorKind::Operator,
                    AccountRole::DepartmentStaff => ActorKind::Department,
                    AccountRole::SubjectUser => ActorKind::Account,
                },
                account_id: Some(a.account_id),
            },
            Actor::Client(_) => By {
                kind: ActorKind::Department,
                account_id: None,
            },
            Actor::Anonymous => By::SYSTEM,
        }
    }
}

// ---------------------------------------------------------------------------
// Actors

/// A subject user's account id, or the error for anyone else.
pub fn subject_user(actor: &Actor) -> ServiceResult<i64> {
    match actor {
        Actor::Anonymous => Err(ServiceError::Unauthenticated("sign in")),
        Actor::Account(a) if a.role == AccountRole::SubjectUser => Ok(a.account_id),
        _ => Err(ServiceError::Forbidden),
    }
}

/// An operator's account id, or the error.
pub fn operator(actor: &Actor) -> ServiceResult<i64> {
    match actor {
        Actor::Anonymous => Err(ServiceError::Unauthenticated("sign in as an operator")),
        Actor::Account(a) if a.role == AccountRole::Operator => Ok(a.account_id),
        _ => Err(ServiceError::Forbidden),
    }
}

/// A department staff member's (account id, department id), or the error.
pub fn staff(actor: &Actor) -> ServiceResult<(i64, i64)> {
    match actor {
        Actor::Anonymous => Err(ServiceError::Unauthenticated("sign in as department staff")),
        Actor::Account(a) if a.role == AccountRole::DepartmentStaff => match a.department_id {
            Some(d) => Ok((a.account_id, d)),
            None => Err(ServiceError::Forbidden),
        },
        _ => Err(ServiceError::Forbidden),
    }
}

/// Whether the account acts for the subject (a live binding).
pub async fn bound(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    subject_id: i64,
) -> ServiceResult<bool> {
    Ok(super::views::is_bound(conn, actor, subject_id).await?)
}

/// What the three kinds of case share for loading and seeing them.
pub trait CaseRow: Sized + Send + Sync {
    type Entity: EntityTrait<Model = Self>;
    /// The CASE_NOT_FOUND message, e.g. "no such objection".
    const MISSING: &'static str;
    fn by_id(id: i64) -> Select<Self::Entity>;
    fn subject_id(&self) -> i64;
    /// The department that may see the case (its handler), if any.
    fn department_view(&self) -> Option<i64>;
}

impl CaseRow for objection::Model {
    type Entity = objection::Entity;
    const MISSING: &'static str = "no such objection";
    fn by_id(id: i64) -> Select<objection::Entity> {
        objection::Entity::find_by_id(id)
    }
    fn subject_id(&self) -> i64 {
        self.subject_id
    }
    /// The providing department, once the objection has been referred there.
    fn department_view(&self) -> Option<i64> {
        self.referred_at.map(|_| self.department_id)
    }
}

impl CaseRow for repair_application::Model {
    type Entity = repair_application::Entity;
    const MISSING: &'static str = "no such repair application";
    fn by_id(id: i64) -> Select<repair_application::Entity> {
        repair_application::Entity::find_by_id(id)
    }
    fn subject_id(&self) -> i64 {
        self.subject_id
    }
    /// The deciding department.
    fn department_view(&self) -> Option<i64> {
        Some(self.department_id)
    }
}

impl CaseRow for complaint::Model {
    type Entity = complaint::Entity;
    const MISSING: &'static str = "no such complaint";
    fn by_id(id: i64) -> Select<complaint::Entity> {
        complaint::Entity::find_by_id(id)
    }
    fn subject_id(&self) -> i64 {
        self.subject_id
    }
    /// Complaints go to the operator only.
    fn department_view(&self) -> Option<i64> {
        None
    }
}

/// CASE_NOT_FOUND at `field`.
pub fn case_not_found<C: CaseRow>(field: &[&str]) -> ServiceError {
    ServiceError::invalid(field, "CASE_NOT_FOUND", C::MISSING)
}

/// Loads a case for a change, in the transaction, or CASE_NOT_FOUND at `field`.
pub async fn load<C: CaseRow>(
    conn: &impl ConnectionTrait,
    id: i64,
    field: &[&str],
) -> ServiceResult<C> {
    C::by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| case_not_found::<C>(field))
}

/// Whether `actor` may see the case: operators, the subject's users, and
/// the handling department (`CaseRow::department_view`).
pub async fn can_see<C: CaseRow>(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    c: &C,
) -> ServiceResult<bool> {
    if actor.is_operator() {
        return Ok(true);
    }
    if let Ok((_, dept)) = staff(actor) {
        return Ok(c.department_view() == Some(dept));
    }
    bound(conn, actor, c.subject_id()).await
}

/// One case, if `actor` may see it (else `None`, as for a missing one).
pub async fn get<C: CaseRow>(state: &AppState, actor: &Actor, id: i64) -> ServiceResult<Option<C>> {
    let Some(c) = C::by_id(id).one(&state.db).await? else {
        return Ok(None);
    };
    Ok(if can_see(&state.db, actor, &c).await? {
        Some(c)
    } else {
        None
    })
}

/// Refuses an anonymous caller with UNAUTHENTICATED, anyone else with FORBIDDEN.
pub fn deny(actor: &Actor) -> ServiceError {
    match actor {
        Actor::Anonymous => ServiceError::Unauthenticated("sign in"),
        _ => ServiceError::Forbidden,
    }
}

// ---------------------------------------------------------------------------
// Input checks

/// A required free text of 1..=MAX_TEXT characters, trimmed.
pub fn required_text(value: &str, field: &[&str], code: &'static str) -> ServiceResult<String> {
    let t = value.trim();
    if t.is_empty() || t.chars().count() > MAX_TEXT {
        return Err(ServiceError::invalid(
            field,
            code,
            format!("give 1 to {MAX_TEXT} characters"),
        ));
    }
    Ok(t.to_string())
}

/// An optional free text: empty means none.
pub fn optional_text(
    value: Option<&str>,
    field: &[&str],
    code: &'static str,
) -> ServiceResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() > MAX_TEXT => Err(ServiceError::invalid(
            field,
            code,
            format!("at most {MAX_TEXT} characters"),
        )),
        Some(t) => Ok(Some(t.to_string())),
    }
}

pub fn case_not_open(field: &[&str]) -> ServiceError {
    ServiceError::invalid(
        field,
        "CASE_NOT_OPEN",
        "the case is not at a stage where this can be done",
    )
}

// ---------------------------------------------------------------------------
// Timeline

#[allow(clippy::too_many_arguments)]
pub async fn event(
    conn: &impl ConnectionTrait,
    kind: CaseKind,
    case_id: i64,
    subject_id: i64,
    by: By,
    event: &str,
    note: Option<String>,
    data: Value,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    NewEvent {
        kind,
        case_id,
        subject_id,
        by,
        event: event.to_string(),
        note,
        data,
    }
    .row(now)
    .insert(conn)
    .await?;
    Ok(())
}

/// A timeline entry, for [`events`].
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub kind: CaseKind,
    pub case_id: i64,
    pub subject_id: i64,
    pub by: By,
    pub event: String,
    pub note: Option<String>,
    pub data: Value,
}

impl NewEvent {
    fn row(self, now: DateTime<Utc>) -> case_event::ActiveModel {
        case_event::ActiveModel {
            case_kind: Set(self.kind),
            case_id: Set(self.case_id),
            subject_id: Set(self.subject_id),
            actor_kind: Set(self.by.kind),
            actor_account_id: Set(self.by.account_id),
            event: Set(self.event),
            note: Set(self.note),
            data: Set(self.data),
            occurred_at: Set(now),
            ..Default::default()
        }
    }
}

/// Rows per multi-row INSERT on SQLite (9 bind parameters each).
const INSERT_CHUNK: usize = 400;

/// Timeline entries of many cases at once, in the order given (the
/// deadline sweep's): one statement on PostgreSQL, whatever their number.
pub async fn events(
    conn: &impl ConnectionTrait,
    events: Vec<NewEvent>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    use sea_orm::{ActiveEnum, DbBackend, Statement};
    if events.is_empty() {
        return Ok(());
    }
    if conn.get_database_backend() != DbBackend::Postgres {
        let mut rows = events.into_iter().map(|e| e.row(now)).peekable();
        while rows.peek().is_some() {
            let chunk: Vec<case_event::ActiveModel> = rows.by_ref().take(INSERT_CHUNK).collect();
            case_event::Entity::insert_many(chunk)
                .exec_without_returning(conn)
                .await?;
        }
        return Ok(());
    }
    let n = events.len();
    let mut case_kind = Vec::with_capacity(n);
    let mut case_id = Vec::with_capacity(n);
    let mut subject_id = Vec::with_capacity(n);
    let mut actor_kind = Vec::with_capacity(n);
    let mut actor_account_id = Vec::with_capacity(n);
    let mut has_account = Vec::with_capacity(n);
    let mut event = Vec::with_capacity(n);
    let mut note = Vec::with_capacity(n);
    let mut has_note = Vec::with_capacity(n);
    let mut data = Vec::with_capacity(n);
    for e in events {
        case_kind.push(e.kind.to_value());
        case_id.push(e.case_id);
        subject_id.push(e.subject_id);
        actor_kind.push(e.by.kind.to_value());
        actor_account_id.push(e.by.account_id.unwrap_or_default());
        has_account.push(e.by.account_id.is_some());
        event.push(e.event);
        has_note.push(e.note.is_some());
        note.push(e.note.unwrap_or_default());
        data.push(
            serde_json::to_string(&e.data).map_err(|err| {
                ServiceError::Internal(format!("encoding a timeline entry: {err}"))
            })?,
        );
    }
    let values: Vec<sea_orm::Value> = vec![
        case_kind.into(),
        case_id.into(),
        subject_id.into(),
        actor_kind.into(),
        actor_account_id.into(),
        has_account.into(),
        event.into(),
        note.into(),
        has_note.into(),
        data.into(),
        now.into(),
    ];
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, INSERT_EVENTS_PG, values);
    conn.execute_raw(stmt).await?;
    Ok(())
}

/// `$1`..`$10` the entries, one array per column (an absent account or
/// note as a flag: array elements cannot be NULL), `$11` now; ids in the
/// order given.
const INSERT_EVENTS_PG: &str = r#"
INSERT INTO case_event (case_kind, case_id, subject_id, actor_kind, actor_account_id, event,
    note, data, occurred_at)
SELECT case_kind, case_id, subject_id, actor_kind, CASE WHEN has_account THEN account_id END,
    event, CASE WHEN has_note THEN note END, data::jsonb, $11
FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::bool[],
    $7::text[], $8::text[], $9::bool[], $10::text[])
  WITH ORDINALITY AS x(case_kind, case_id, subject_id, actor_kind, account_id, has_account,
    event, note, has_note, data, ord)
ORDER BY ord
"#;

/// A case's timeline, oldest first.
pub async fn timeline(
    conn: &impl ConnectionTrait,
    kind: CaseKind,
    case_id: i64,
) -> ServiceResult<Vec<case_event::Model>> {
    Ok(case_event::Entity::find()
        .filter(case_event::Column::CaseKind.eq(kind))
        .filter(case_event::Column::CaseId.eq(case_id))
        .order_by_asc(case_event::Column::OccurredAt)
        .order_by_asc(case_event::Column::Id)
        .all(conn)
        .await?)
}

// ---------------------------------------------------------------------------
// Deadlines

/// Working days before the due day on which the handler is reminded.
pub const REMIND_BEFORE_WD: u32 = 2;

/// The first instant the sweep must look at a deadline due on `due_on`:
/// the start of the reminder day, or of the due day, or just after the
/// due instant, whichever is still ahead of `now`.
pub fn first_check_at(
    reference: &Reference,
    due_on: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let remind = start_of_local_day_utc(rules_cases::reminder_day(
        &reference.calendar,
        due_on,
        REMIND_BEFORE_WD,
    ));
    let due_day = start_of_local_day_utc(due_on);
    if remind > now {
        remind
    } else if due_day > now {
        due_day
    } else {
        after_due(due_on)
    }
}

/// The first instant a deadline due on `due_on` is overdue.
pub fn after_due(due_on: chrono::NaiveDate) -> DateTime<Utc> {
    end_of_local_day_utc(due_on) + Duration::seconds(1)
}

/// Where a milestone's clock that started at `start` ends: the rule version
/// in force on that (local) day, applied with the working-day calendar.
fn due_of<'r>(
    reference: &'r Reference,
    rule_id: &str,
    start: DateTime<Utc>,
) -> ServiceResult<(&'r domain::rules::Rule, domain::calendar::Dated)> {
    let start_day = local_date(start);
    let rule = reference
        .rules
        .rule_in_force(rule_id, start_day)
        .ok_or_else(|| {
            ServiceError::Internal(format!(
                "no version of rule {rule_id} in force on {start_day}"
            ))
        })?;
    let due = rule.apply(start_day, &reference.calendar);
    Ok((rule, due))
}

/// Opens the deadline of a milestone whose clock starts now. The clock's
/// start is the row's `created_at`, so the deadline can be computed again
/// when a calendar year is loaded ([`recompute_deadlines`]).
#[allow(clippy::too_many_arguments)]
pub async fn open_deadline(
    conn: &impl ConnectionTrait,
    reference: &Reference,
    kind: CaseKind,
    case_id: i64,
    subject_id: i64,
    milestone: &str,
    rule_id: &str,
    now: DateTime<Utc>,
) -> ServiceResult<deadline::Model> {
    let (rule, due) = due_of(reference, rule_id, now)?;
    let row = deadline::ActiveModel {
        case_kind: Set(kind),
        case_id: Set(case_id),
        subject_id: Set(subject_id),
        milestone: Set(milestone.to_string()),
        due_on: Set(due.date),
        due_at: Set(end_of_local_day_utc(due.date)),
        rule_id: Set(rule.id.clone()),
        rule_source: Set(rule.source.clone()),
        provisional: Set(due.provisional),
        status: Set(DeadlineStatus::Open),
        reminded_at: Set(None),
        escalated_at: Set(None),
        met_at: Set(None),
        created_at: Set(now),
        next_check_at: Set(Some(first_check_at(reference, due.date, now))),
        due_reminded_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row)
}

/// Computes again, with `reference` (the calendar just loaded), the open
/// deadlines that depend on calendar year `year`: every provisional one
/// (its period ran past the calendar loaded when it was opened), and any
/// whose period spans the year (an amended notice loaded with `--replace`).
/// The rule version is the one in force when the clock started, as when
/// the deadline was opened. Runs in the calendar load's transaction; each
/// moved deadline gets a `deadline_recomputed` timeline event. Returns how
/// many moved.
pub async fn recompute_deadlines(
    conn: &impl ConnectionTrait,
    reference: &Reference,
    year: i32,
    now: DateTime<Utc>,
) -> ServiceResult<usize> {
    use sea_orm::Condition;
    let (Some(first), Some(next_year)) = (
        chrono::NaiveDate::from_ymd_opt(year, 1, 1),
        chrono::NaiveDate::from_ymd_opt(year.saturating_add(1), 1, 1),
    ) else {
        return Ok(0);
    };
    let spans_year = Condition::all()
        .add(deadline::Column::DueOn.gte(first))
        .add(deadline::Column::CreatedAt.lt(start_of_local_day_utc(next_year)));
    let rows = deadline::Entity::find()
        .filter(deadline::Column::Status.eq(DeadlineStatus::Open))
        .filter(
            Condition::any()
                .add(deadline::Column::Provisional.eq(true))
                .add(spans_year),
        )
        .order_by_asc(deadline::Column::Id)
        .all(conn)
        .await?;
    let mut moved = 0;
    for d in rows {
        let (_, due) = due_of(reference, &d.rule_id, d.created_at)?;
        if due.date == d.due_on && due.provisional == d.provisional {
            continue;
        }
        let mut row: deadline::ActiveModel = d.clone().into();
        row.due_on = Set(due.date);
        row.due_at = Set(end_of_local_day_utc(due.date));
        row.provisional = Set(due.provisional);
        // Reminders already sent stay sent (their timestamps are kept); the
        // sweep looks again at the next instant the new due day calls for.
        row.next_check_at = Set(Some(first_check_at(reference, due.date, now)));
        let updated = row.update(conn).await?;
        event(
            conn,
            d.case_kind,
            d.case_id,
            d.subject_id,
            By::SYSTEM,
            "deadline_recomputed",
            Some(format!(
                "the {year} holiday calendar was loaded: {} is due on {} (was {})",
                d.milestone, due.date, d.due_on
            )),
            json!({
                "milestone": d.milestone,
                "calendarYear": year,
                "dueOnBefore": d.due_on,
                "dueOn": due.date,
                "provisional": due.provisional,
            }),
            now,
        )
        .await?;
        // The applicant follows the case against this day: tell them it moved.
        if due.date != d.due_on
            && let Some(facts) = facts_of(conn, d.case_kind, d.case_id).await?
        {
            let mut params = facts.deadline(&updated).params();
            params["due_on_before"] = json!(d.due_on.to_string());
            params["calendar_year"] = json!(year);
            notices::notify_subject(
                conn,
                now,
                d.subject_id,
                NoticeKind::DeadlineMoved,
                params,
                Some(link(d.case_kind, d.case_id)),
                Some(&format!("deadline:{}:moved:{}", d.id, due.date)),
            )
            .await?;
        }
        moved += 1;
    }
    Ok(moved)
}

/// A milestone done at once (the notice went out in the same
/// transaction): the deadline is recorded, met.
#[allow(clippy::too_many_arguments)]
pub async fn met_at_once(
    conn: &impl ConnectionTrait,
    reference: &Reference,
    kind: CaseKind,
    case_id: i64,
    subject_id: i64,
    milestone: &str,
    rule_id: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let d = open_deadline(
        conn, reference, kind, case_id, subject_id, milestone, rule_id, now,
    )
    .await?;
    close_deadlines(
        conn,
        kind,
        d.case_id,
        Some(milestone),
        DeadlineStatus::Met,
        now,
    )
    .await
}

/// Closes the open deadlines of a case (one milestone, or all).
pub async fn close_deadlines(
    conn: &impl ConnectionTrait,
    kind: CaseKind,
    case_id: i64,
    milestone: Option<&str>,
    status: DeadlineStatus,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let mut q = deadline::Entity::update_many()
        .col_expr(deadline::Column::Status, Expr::value(status))
        .col_expr(
            deadline::Column::NextCheckAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(deadline::Column::CaseKind.eq(kind))
        .filter(deadline::Column::CaseId.eq(case_id))
        .filter(deadline::Column::Status.eq(DeadlineStatus::Open));
    if status == DeadlineStatus::Met {
        q = q.col_expr(deadline::Column::MetAt, Expr::value(Some(now)));
    }
    if let Some(m) = milestone {
        q = q.filter(deadline::Column::Milestone.eq(m));
    }
    q.exec(conn).await?;
    Ok(())
}

/// A case's deadlines, in the order they were opened.
pub async fn deadlines_of(
    conn: &impl ConnectionTrait,
    kind: CaseKind,
    case_id: i64,
) -> ServiceResult<Vec<deadline::Model>> {
    Ok(deadline::Entity::find()
        .filter(deadline::Column::CaseKind.eq(kind))
        .filter(deadline::Column::CaseId.eq(case_id))
        .order_by_asc(deadline::Column::Id)
        .all(conn)
        .await?)
}

/// Where a deadline stands at `now`: for closed deadlines, where it stood
/// when it was met (or now, if it was missed or cancelled).
pub fn countdown_of(reference: &Reference, d: &deadline::Model, now: DateTime<Utc>) -> Countdown {
    let at = match (d.status, d.met_at) {
        (DeadlineStatus::Met, Some(m)) => m,
        _ => now,
    };
    rules_cases::countdown(&reference.calendar, d.due_on, local_date(at))
}

// ---------------------------------------------------------------------------
// Record state changes

/// What to change on the record besides its status.
#[derive(Clone, Debug, Default)]
pub struct RecordPatch {
    pub title: Option<String>,
    pub content: Option<Value>,
}

impl RecordPatch {
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.content.is_none()
    }
}

fn snapshot(r: &credit_record::Model) -> Value {
    json!({
        "title": r.title, "content": r.content, "status": r.status,
        "status_reason": r.status_reason, "version": r.version,
    })
}

/// Moves a record to `status` (and applies `patch`), with a revision and a
/// change-feed event `feed_kind` for agencies, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub async fn change_record(
    conn: &impl ConnectionTrait,
    record: &credit_record::Model,
    status: RecordStatus,
    patch: &RecordPatch,
    change: ChangeKind,
    feed_kind: &str,
    reason: Option<String>,
    by: By,
    now: DateTime<Utc>,
) -> ServiceResult<credit_record::Model> {
    let mut row: credit_record::ActiveModel = record.clone().into();
    row.status = Set(status);
    row.status_reason = Set(reason.clone());
    if let Some(t) = &patch.title {
        row.title = Set(t.clone());
    }
    if let Some(c) = &patch.content {
        row.content = Set(c.clone());
    }
    row.version = Set(record.version + 1);
    row.updated_at = Set(now);
    let after = row.update(conn).await?;
    record_revision::ActiveModel {
        record_id: Set(record.id),
        subject_id: Set(record.subject_id),
        version: Set(after.version),
        change_kind: Set(change),
        reason: Set(reason.clone()),
        changed_by_account_id: Set(by.account_id),
        changed_by_client_id: Set(None),
        before: Set(Some(snapshot(record))),
        after: Set(snapshot(&after)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    change_event::ActiveModel {
        subject_id: Set(record.subject_id),
        record_id: Set(Some(record.id)),
        consent_id: Set(None),
        kind: Set(feed_kind.to_string()),
        data: Set(json!({ "version": after.version })),
        occurred_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(after)
}

/// The record a case is about, in the caller's transaction.
pub async fn record_of(
    conn: &impl ConnectionTrait,
    record_id: i64,
) -> ServiceResult<credit_record::Model> {
    credit_record::Entity::find_by_id(record_id)
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("record {record_id} of a case is missing")))
}

// ---------------------------------------------------------------------------
// Notices

/// The case number people quote: `YY-2026-0012` (异议, objection), `XF-…`
/// (修复, repair), `TS-…` (投诉, complaint) — the kind, the year the case
/// was received (Asia/Shanghai) and its id.
pub fn case_no(kind: CaseKind, case_id: i64, received_at: DateTime<Utc>) -> String {
    let prefix = match kind {
        CaseKind::Objection => "YY",
        CaseKind::Repair => "XF",
        CaseKind::Complaint => "TS",
    };
    format!("{prefix}-{}-{case_id:04}", local_date(received_at).year())
}

/// A notice parameter in both languages: the template picks the
/// recipient's (docs/mail.md).
pub fn in_both(zh: &str, en: &str) -> Value {
    json!({ "zh-CN": zh, "en": en })
}

/// What a milestone is called in notices.
pub fn milestone_name(m: &str) -> Value {
    let (zh, en) = match m {
        milestone::FIRST_CHECK => ("平台初步审查", "first check by the platform"),
        milestone::OWN_ERROR_NOTIFY => (
            "告知申请人平台更正结果",
            "telling the applicant of the platform's correction",
        ),
        milestone::PROVIDER_VERIFICATION => (
            "信息提供单位核查",
            "verification by the providing department",
        ),
        milestone::APPLICANT_NOTIFY => ("告知申请人核查结果", "telling the applicant the outcome"),
        milestone::REPAIR_DECISION => ("信用修复决定", "decision on the repair application"),
        milestone::COMPLAINT_HANDLING => ("投诉处理", "handling the complaint"),
        other => (other, other),
    };
    in_both(zh, en)
}

/// Closes the open objections and repair applications of a record its
/// provider has just withdrawn (in the withdrawal's transaction): a case
/// about a record that is gone has nothing left to decide, and no later
/// answer may bring the record back into disclosure.
pub async fn record_withdrawn(
    conn: &impl ConnectionTrait,
    reference: &Reference,
    record: &credit_record::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    objections::record_withdrawn(conn, reference, record, reason, now).await?;
    repairs::record_withdrawn(conn, record, reason, now).await
}

/// What an objection's outcome is called in notices.
pub fn objection_outcome_name(o: ObjectionOutcome) -> Value {
    let (zh, en) = match o {
        ObjectionOutcome::Corrected => (
            "信息提供单位已更正该记录",
            "the providing department corrected the record",
        ),
        ObjectionOutcome::DeletedUnverifiable => (
            "该记录无法核实，已删除",
            "the record could not be verified and was deleted",
        ),
        ObjectionOutcome::Upheld => (
            "经核查，该记录维持不变",
            "the record was verified and stands",
        ),
        ObjectionOutcome::WithdrawnProviderSilent => (
            "信息提供单位逾期未核查，该记录已停止提供查询",
            "the providing department did not verify it in time; the record is withdrawn from query",
        ),
        ObjectionOutcome::PlatformCorrected => {
            ("平台已更正自身差错", "the platform corrected its own error")
        }
        ObjectionOutcome::RecordWithdrawn => (
            "信息提供单位已撤回该记录，异议无需再核查",
            "the providing department withdrew the record; there is nothing left to verify",
        ),
    };
    in_both(zh, en)
}

/// The facts a case notice is filled with (docs/mail.md, "Kinds and their
/// parameters"): only what every recipient may see — the case number and
/// the record's title, never identifiers or record content.
#[derive(Clone, Debug)]
pub struct NoticeFacts(serde_json::Map<String, Value>);

impl NoticeFacts {
    pub fn new(
        kind: CaseKind,
        case_id: i64,
        received_at: DateTime<Utc>,
        record_title: &str,
    ) -> Self {
        let mut m = serde_json::Map::new();
        m.insert("case_no".into(), json!(case_no(kind, case_id, received_at)));
        m.insert("record_title".into(), json!(record_title));
        NoticeFacts(m)
    }

    /// The milestone the notice is about and its due day.
    pub fn deadline(mut self, d: &deadline::Model) -> Self {
        self.0
            .insert("milestone".into(), milestone_name(&d.milestone));
        self.0.insert("due_on".into(), json!(d.due_on.to_string()));
        self
    }

    pub fn outcome(mut self, outcome: Value) -> Self {
        self.0.insert("outcome".into(), outcome);
        self
    }

    pub fn department(mut self, d: &entity::department::Model) -> Self {
        self.0
            .insert("department_name".into(), in_both(&d.name_zh, &d.name_en));
        self
    }

    pub fn params(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

/// The notice facts of any case, loaded (for a job that holds only the
/// deadline row).
pub async fn facts_of(
    conn: &impl ConnectionTrait,
    kind: CaseKind,
    case_id: i64,
) -> ServiceResult<Option<NoticeFacts>> {
    CaseSet::load(conn, &[(kind, case_id)])
        .await?
        .facts(kind, case_id)
}

/// Cases of any kind and the records they are about, read together: one
/// query per table for a whole batch of deadlines (the deadline sweep)
/// instead of a few per deadline. A case that is not there is simply
/// absent; what a missing record means is decided when its facts are asked
/// for, as [`facts_of`] one case at a time would.
#[derive(Debug, Default)]
pub struct CaseSet {
    objections: HashMap<i64, objection::Model>,
    repairs: HashMap<i64, repair_application::Model>,
    complaints: HashMap<i64, complaint::Model>,
    records: HashMap<i64, credit_record::Model>,
}

impl CaseSet {
    pub async fn load(
        conn: &impl ConnectionTrait,
        cases: &[(CaseKind, i64)],
    ) -> ServiceResult<CaseSet> {
        let backend = conn.get_database_backend();
        let chunk = notices::lookup_chunk(backend);
        let of_kind = |kind: CaseKind| -> Vec<i64> {
            cases.iter().filter(|c| c.0 == kind).map(|c| c.1).collect()
        };
        let mut set = CaseSet::default();
        for ids in sorted(of_kind(CaseKind::Complaint)).chunks(chunk) {
            let rows = complaint::Entity::find()
                .filter(super::one_of(backend, complaint::Column::Id, ids.to_vec()))
                .all(conn)
                .await?;
            set.complaints.extend(rows.into_iter().map(|c| (c.id, c)));
        }
        // A complaint's record is that of the case complained about.
        let mut objection_ids = of_kind(CaseKind::Objection);
        let mut repair_ids = of_kind(CaseKind::Repair);
        for c in set.complaints.values() {
            objection_ids.extend(c.objection_id);
            repair_ids.extend(c.repair_application_id);
        }
        for ids in sorted(objection_ids).chunks(chunk) {
            let rows = objection::Entity::find()
                .filter(super::one_of(backend, objection::Column::Id, ids.to_vec()))
                .all(conn)
                .await?;
            set.objections.extend(rows.into_iter().map(|o| (o.id, o)));
        }
        for ids in sorted(repair_ids).chunks(chunk) {
            let rows = repair_application::Entity::find()
                .filter(super::one_of(
                    backend,
                    repair_application::Column::Id,
                    ids.to_vec(),
                ))
                .all(conn)
                .await?;
            set.repairs.extend(rows.into_iter().map(|a| (a.id, a)));
        }
        let record_ids: Vec<i64> = set
            .objections
            .values()
            .map(|o| o.record_id)
            .chain(set.repairs.values().map(|a| a.record_id))
            .collect();
        for ids in sorted(record_ids).chunks(chunk) {
            let rows = credit_record::Entity::find()
                .filter(super::one_of(
                    backend,
                    credit_record::Column::Id,
                    ids.to_vec(),
                ))
                .all(conn)
                .await?;
            set.records.extend(rows.into_iter().map(|r| (r.id, r)));
        }
        Ok(set)
    }

    pub fn objection(&self, id: i64) -> Option<&objection::Model> {
        self.objections.get(&id)
    }

    pub fn repair(&self, id: i64) -> Option<&repair_application::Model> {
        self.repairs.get(&id)
    }

    /// A loaded case's notice facts; `None` for a case that is not there.
    pub fn facts(&self, kind: CaseKind, case_id: i64) -> ServiceResult<Option<NoticeFacts>> {
        let (received_at, record_id) = match kind {
            CaseKind::Objection => match self.objections.get(&case_id) {
                Some(o) => (o.received_at, o.record_id),
                None => return Ok(None),
            },
            CaseKind::Repair => match self.repairs.get(&case_id) {
                Some(a) => (a.received_at, a.record_id),
                None => return Ok(None),
            },
            CaseKind::Complaint => match self.complaints.get(&case_id) {
                Some(c) => (c.received_at, self.complaint_record(c)?),
                None => return Ok(None),
            },
        };
        let record = self.records.get(&record_id).ok_or_else(|| {
            ServiceError::Internal(format!("record {record_id} of a case is missing"))
        })?;
        Ok(Some(NoticeFacts::new(
            kind,
            case_id,
            received_at,
            &record.title,
        )))
    }

    /// As [`complaints::record_id`], from the loaded cases.
    fn complaint_record(&self, c: &complaint::Model) -> ServiceResult<i64> {
        let id = match (c.objection_id, c.repair_application_id) {
            (Some(o), _) => self.objections.get(&o).map(|o| o.record_id),
            (None, Some(a)) => self.repairs.get(&a).map(|a| a.record_id),
            (None, None) => None,
        };
        id.ok_or_else(|| ServiceError::Internal(format!("complaint {} is about no case", c.id)))
    }
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// A department's names, for notices.
pub async fn department_of(
    conn: &impl ConnectionTrait,
    id: i64,
) -> ServiceResult<entity::department::Model> {
    entity::department::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("department {id} of a case is missing")))
}

/// The portal path of a case.
pub fn link(kind: CaseKind, case_id: i64) -> String {
    match kind {
        CaseKind::Objection => format!("/cases/objections/{case_id}"),
        CaseKind::Repair => format!("/cases/repairs/{case_id}"),
        CaseKind::Complaint => format!("/cases/complaints/{case_id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_numbers_use_the_local_year_of_receipt() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("instant");
        // 01:00 on 2026-01-01 in Beijing is still 2025 in UTC.
        let new_year = at("2025-12-31T17:00:00Z");
        assert_eq!(case_no(CaseKind::Objection, 12, new_year), "YY-2026-0012");
        assert_eq!(
            case_no(CaseKind::Repair, 12345, at("2025-06-01T00:00:00Z")),
            "XF-2025-12345"
        );
        assert_eq!(case_no(CaseKind::Complaint, 3, new_year), "TS-2026-0003");
    }

    #[test]
    fn milestones_have_names_in_both_languages() {
        let n = milestone_name(milestone::PROVIDER_VERIFICATION);
        assert_eq!(n["zh-CN"], "信息提供单位核查");
        assert_eq!(n["en"], "verification by the providing department");
    }
}
