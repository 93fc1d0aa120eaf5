//! The deadline sweep: reminders to the handler two working days before and
//! on the due day, escalation of overdue milestones to the operators, and
//! the automatic outcome of a provider's silence (the record is withdrawn
//! from query, Fujian Measures Art. 45 ¶3, seed 002 l.699).
//!
//! Each deadline row carries `next_check_at`, the next instant anything is
//! due for it; the sweep reads only `status = 'open' AND next_check_at <=
//! now` (index `idx_deadline_status_next_check_at`), so its cost follows the
//! number of actions due, not the number of open deadlines. Rows are claimed
//! in batches with `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite serialises
//! write transactions); each action moves `next_check_at` on in the same
//! transaction as its notice, and every notice has a dedupe key
//! (`deadline:<id>:approaching|due|overdue`), so with any number of
//! replicas each reminder and escalation happens once.
//!
//! A batch costs a fixed number of statements, not a few per deadline: the
//! cases, records and handlers of the whole batch are read at once, the
//! notices, emails and timeline events written as multi-row inserts and the
//! deadlines updated in one statement (docs/cases.md, "Sweep throughput").
//! What each deadline gets is what it got when deadlines were handled one
//! at a time.

use std::mem;

use chrono::{DateTime, Utc};
use domain::cases::reminder_day;
use domain::time::{local_date, start_of_local_day_utc};
use entity::enums::{CaseKind, DeadlineStatus};
use entity::{account, deadline};
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use serde_json::{Value, json};

use crate::service::cases::{
    self, By, CaseSet, Handler, NewEvent, REMIND_BEFORE_WD, milestone, objections,
};
use crate::service::notices::{self, NewNotice, NoticeKind};
use crate::service::{ServiceError, ServiceResult, begin_write};
use crate::state::{AppState, Reference};

/// Rows claimed per transaction.
const BATCH: u64 = 200;

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub approaching: usize,
    pub due: usize,
    pub escalated: usize,
    /// Objections closed because the provider was silent.
    pub withdrawn: usize,
}

impl SweepReport {
    pub fn is_empty(&self) -> bool {
        *self == SweepReport::default()
    }
}

/// Runs the sweep until nothing is due at `state.now()`.
pub async fn sweep(state: &AppState) -> ServiceResult<SweepReport> {
    let now = state.now();
    let reference = state.reference();
    let mut report = SweepReport::default();
    loop {
        let txn = begin_write(&state.db).await?;
        let rows = deadline::Entity::find()
            .filter(deadline::Column::Status.eq(DeadlineStatus::Open))
            .filter(deadline::Column::NextCheckAt.lte(now))
            .order_by_asc(deadline::Column::NextCheckAt)
            .limit(BATCH)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .all(&txn)
            .await?;
        if rows.is_empty() {
            txn.commit().await?;
            return Ok(report);
        }
        process(&txn, &reference, rows, now, &mut report).await?;
        txn.commit().await?;
    }
}

/// What is due for one deadline at `now`, from the row alone.
struct Step {
    d: deadline::Model,
    /// The reminder or escalation to send, if not sent before.
    act: Option<Act>,
    /// An overdue verification: the provider's silence may close the objection.
    silence: bool,
    update: Update,
}

/// A notice to the milestone's handler (or the operators) and its timeline entry.
struct Act {
    kind: NoticeKind,
    /// Dedupe key, before the recipient's suffix.
    key: String,
    /// The milestone's handler, rather than the operators, is told.
    to_handler: bool,
    event: &'static str,
    note: Option<String>,
    data: Value,
}

/// The deadline's fields after the sweep: `next_check_at` always, the
/// others only when set.
struct Update {
    id: i64,
    next_check_at: Option<DateTime<Utc>>,
    missed: bool,
    escalated: bool,
    reminded: bool,
    due_reminded: bool,
}

fn plan(reference: &Reference, d: deadline::Model, now: DateTime<Utc>) -> Step {
    let today = local_date(now);
    let mut update = Update {
        id: d.id,
        next_check_at: None,
        missed: false,
        escalated: false,
        reminded: false,
        due_reminded: false,
    };
    let mut act = None;
    let mut silence = false;
    if now >= cases::after_due(d.due_on) {
        if d.escalated_at.is_none() {
            act = Some(Act {
                kind: NoticeKind::DeadlineOverdue,
                key: format!("deadline:{}:overdue", d.id),
                to_handler: false,
                event: "escalated",
                note: None,
                data: json!({ "milestone": d.milestone, "dueOn": d.due_on }),
            });
            update.escalated = true;
        }
        if d.case_kind == CaseKind::Objection && d.milestone == milestone::PROVIDER_VERIFICATION {
            silence = true;
            update.missed = true;
        }
        // Nothing further to send; the milestone stays open (and listed as
        // overdue) until its handler acts.
        update.next_check_at = None;
    } else if today >= d.due_on {
        if d.due_reminded_at.is_none() {
            act = Some(Act {
                kind: NoticeKind::DeadlineDue,
                key: format!("deadline:{}:due", d.id),
                to_handler: true,
                event: "reminder_sent",
                note: Some("due today".into()),
                data: json!({ "milestone": d.milestone }),
            });
            update.due_reminded = true;
        }
        update.next_check_at = Some(cases::after_due(d.due_on));
    } else if today >= reminder_day(&reference.calendar, d.due_on, REMIND_BEFORE_WD) {
        if d.reminded_at.is_none() {
            act = Some(Act {
                kind: NoticeKind::DeadlineApproaching,
                key: format!("deadline:{}:approaching", d.id),
                to_handler: true,
                event: "reminder_sent",
                note: Some(format!("due on {}", d.due_on)),
                data: json!({ "milestone": d.milestone }),
            });
            update.reminded = true;
        }
        update.next_check_at = Some(start_of_local_day_utc(d.due_on));
    } else {
        update.next_check_at = Some(cases::first_check_at(reference, d.due_on, now));
    }
    Step {
        d,
        act,
        silence,
        update,
    }
}

/// Who must act on a milestone.
fn handler(cases: &CaseSet, d: &deadline::Model) -> Handler {
    match (d.case_kind, d.milestone.as_str()) {
        (CaseKind::Objection, milestone::PROVIDER_VERIFICATION) => cases
            .objection(d.case_id)
            .map_or(Handler::Operators, |o| Handler::Department(o.department_id)),
        (CaseKind::Repair, _) => cases
            .repair(d.case_id)
            .map_or(Handler::Operators, |a| Handler::Department(a.department_id)),
        _ => Handler::Operators,
    }
}

/// One claimed batch, in the claim's order.
async fn process(
    conn: &impl ConnectionTrait,
    reference: &Reference,
    rows: Vec<deadline::Model>,
    now: DateTime<Utc>,
    report: &mut SweepReport,
) -> ServiceResult<()> {
    let steps: Vec<Step> = rows.into_iter().map(|d| plan(reference, d, now)).collect();
    // The cases of the deadlines acted on (their notices name the case and
    // its record; reminders go to the case's department) and who is told,
    // read once for the batch. Nothing the batch writes changes them: a
    // provider's silence closes its objection and withdraws its record,
    // but the case number, the record's title and the department stay.
    let acting: Vec<(CaseKind, i64)> = steps
        .iter()
        .filter(|s| s.act.is_some())
        .map(|s| (s.d.case_kind, s.d.case_id))
        .collect();
    let cases = if acting.is_empty() {
        CaseSet::default()
    } else {
        CaseSet::load(conn, &acting).await?
    };
    let to: Vec<Option<Handler>> = steps
        .iter()
        .map(|s| {
            s.act.as_ref().map(|a| {
                if a.to_handler {
                    handler(&cases, &s.d)
                } else {
                    Handler::Operators
                }
            })
        })
        .collect();
    let operators = if to.contains(&Some(Handler::Operators)) {
        notices::operators(conn).await?
    } else {
        Vec::new()
    };
    let departments: Vec<i64> = to
        .iter()
        .filter_map(|h| match h {
            Some(Handler::Department(d)) => Some(*d),
            _ => None,
        })
        .collect();
    let staff = if departments.is_empty() {
        Default::default()
    } else {
        notices::staff_of(conn, departments).await?
    };

    let mut out = Pending::default();
    for (s, to) in steps.into_iter().zip(to) {
        if let (Some(a), Some(to)) = (s.act, to) {
            // The handler's notice names the case, the milestone and the due
            // day (docs/mail.md); a case row that vanished still gets its milestone.
            let params = match cases.facts(s.d.case_kind, s.d.case_id)? {
                Some(f) => f.deadline(&s.d).params(),
                None => json!({
                    "milestone": cases::milestone_name(&s.d.milestone),
                    "due_on": s.d.due_on.to_string(),
                }),
            };
            let link = cases::link(s.d.case_kind, s.d.case_id);
            let recipients: &[account::Model] = match to {
                Handler::Operators => &operators,
                Handler::Department(dept) => staff.get(&dept).map_or(&[], Vec::as_slice),
            };
            out.notices.extend(recipients.iter().map(|acct| NewNotice {
                account_id: acct.id,
                subject_id: None,
                kind: a.kind,
                params: params.clone(),
                link: Some(link.clone()),
                dedupe_key: Some(format!("{}:a{}", a.key, acct.id)),
            }));
            out.events.push(NewEvent {
                kind: s.d.case_kind,
                case_id: s.d.case_id,
                subject_id: s.d.subject_id,
                by: By::SYSTEM,
                event: a.event.to_string(),
                note: a.note,
                data: a.data,
            });
            match a.kind {
                NoticeKind::DeadlineOverdue => report.escalated += 1,
                NoticeKind::DeadlineDue => report.due += 1,
                _ => report.approaching += 1,
            }
        }
        if s.silence {
            // The silence closes the objection with timeline entries,
            // notices and deadline changes of its own, after this
            // escalation and before this row's update: what the batch holds
            // so far is written first, so that everything lands in the
            // order of one deadline after another.
            out.write(conn, now).await?;
            if objections::provider_silent(conn, reference, s.d.case_id, now).await? {
                report.withdrawn += 1;
            }
        }
        out.updates.push(s.update);
    }
    out.write(conn, now).await
}

/// What a batch writes, gathered to be written together.
#[derive(Default)]
struct Pending {
    notices: Vec<NewNotice>,
    events: Vec<NewEvent>,
    updates: Vec<Update>,
}

impl Pending {
    async fn write(
        &mut self,
        conn: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        notices::notify_many(conn, now, mem::take(&mut self.notices)).await?;
        cases::events(conn, mem::take(&mut self.events), now).await?;
        update_deadlines(conn, mem::take(&mut self.updates), now).await
    }
}

/// Rows per UPDATE on SQLite (7 bind parameters each).
const UPDATE_CHUNK: usize = 400;

/// The batch's deadline updates in one statement (on SQLite one per
/// [`UPDATE_CHUNK`] rows). Every row was claimed by this transaction, so
/// each must be there.
async fn update_deadlines(
    conn: &impl ConnectionTrait,
    updates: Vec<Update>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if updates.is_empty() {
        return Ok(());
    }
    let missed = DeadlineStatus::Missed.to_value();
    let mut changed = 0;
    if conn.get_database_backend() == DbBackend::Postgres {
        let n = updates.len();
        let (mut id, mut checks, mut next) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut is_missed, mut escalated, mut reminded, mut due_reminded) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for u in &updates {
            id.push(u.id);
            checks.push(u.next_check_at.is_some());
            next.push(u.next_check_at.unwrap_or(now));
            is_missed.push(u.missed);
            escalated.push(u.escalated);
            reminded.push(u.reminded);
            due_reminded.push(u.due_reminded);
        }
        let values: Vec<sea_orm::Value> = vec![
            id.into(),
            checks.into(),
            next.into(),
            is_missed.into(),
            escalated.into(),
            reminded.into(),
            due_reminded.into(),
            missed.into(),
            now.into(),
        ];
        let stmt = Statement::from_sql_and_values(DbBackend::Postgres, UPDATE_PG, values);
        changed += conn.execute_raw(stmt).await?.rows_affected();
    } else {
        for chunk in updates.chunks(UPDATE_CHUNK) {
            let rows = vec!["(?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 7 + 2);
            for u in chunk {
                values.extend([
                    u.id.into(),
                    u.next_check_at.is_some().into(),
                    u.next_check_at.into(),
                    u.missed.into(),
                    u.escalated.into(),
                    u.reminded.into(),
                    u.due_reminded.into(),
                ]);
            }
            values.extend([missed.clone().into(), now.into()]);
            let sql = UPDATE_SQLITE.replace("{rows}", &rows);
            let stmt = Statement::from_sql_and_values(DbBackend::Sqlite, sql, values);
            changed += conn.execute_raw(stmt).await?.rows_affected();
        }
    }
    if changed != updates.len() as u64 {
        return Err(ServiceError::Internal(format!(
            "{changed} of {} claimed deadlines updated",
            updates.len()
        )));
    }
    Ok(())
}

/// `$1` ids, `$2` whether `next_check_at` is set and `$3` to what, `$4`
/// missed, `$5`..`$7` whether the escalation, reminder and due-day reminder
/// went out now; `$8` the missed status, `$9` now. One array per column, so
/// the statement is the same for any batch.
const UPDATE_PG: &str = r#"
UPDATE deadline AS d SET
    next_check_at = CASE WHEN x.checks THEN x.next_check_at END,
    status = CASE WHEN x.missed THEN $8 ELSE d.status END,
    escalated_at = CASE WHEN x.escalated THEN $9 ELSE d.escalated_at END,
    reminded_at = CASE WHEN x.reminded THEN $9 ELSE d.reminded_at END,
    due_reminded_at = CASE WHEN x.due_reminded THEN $9 ELSE d.due_reminded_at END
FROM unnest($1::bigint[], $2::bool[], $3::timestamptz[], $4::bool[], $5::bool[], $6::bool[],
    $7::bool[]) AS x(id, checks, next_check_at, missed, escalated, reminded, due_reminded)
WHERE d.id = x.id
"#;

/// As [`UPDATE_PG`], the rows as a `VALUES` list (`{rows}`), then the
/// missed status and now.
const UPDATE_SQLITE: &str = r#"
WITH x(id, checks, next_check_at, missed, escalated, reminded, due_reminded) AS (VALUES {rows}),
p(missed_status, now) AS (VALUES (?, ?))
UPDATE deadline SET
    next_check_at = CASE WHEN x.checks THEN x.next_check_at END,
    status = CASE WHEN x.missed THEN p.missed_status ELSE deadline.status END,
    escalated_at = CASE WHEN x.escalated THEN p.now ELSE deadline.escalated_at END,
    reminded_at = CASE WHEN x.reminded THEN p.now ELSE deadline.reminded_at END,
    due_reminded_at = CASE WHEN x.due_reminded THEN p.now ELSE deadline.due_reminded_at END
FROM x, p
WHERE deadline.id = x.id
"#;
