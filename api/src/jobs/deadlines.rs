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

use chrono::{DateTime, Utc};
use domain::cases::reminder_day;
use domain::time::{local_date, start_of_local_day_utc};
use entity::enums::{CaseKind, DeadlineStatus};
use entity::{deadline, objection, repair_application};
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;

use crate::service::cases::{self, By, Handler, REMIND_BEFORE_WD, milestone, objections};
use crate::service::notices::{self, NoticeKind};
use crate::service::{ServiceResult, begin_write};
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
        for d in rows {
            process(&txn, &reference, d, now, &mut report).await?;
        }
        txn.commit().await?;
    }
}

/// Who must act on a milestone.
async fn handler(conn: &impl ConnectionTrait, d: &deadline::Model) -> ServiceResult<Handler> {
    Ok(match (d.case_kind, d.milestone.as_str()) {
        (CaseKind::Objection, milestone::PROVIDER_VERIFICATION) => {
            match objection::Entity::find_by_id(d.case_id).one(conn).await? {
                Some(o) => Handler::Department(o.department_id),
                None => Handler::Operators,
            }
        }
        (CaseKind::Repair, _) => match repair_application::Entity::find_by_id(d.case_id)
            .one(conn)
            .await?
        {
            Some(a) => Handler::Department(a.department_id),
            None => Handler::Operators,
        },
        _ => Handler::Operators,
    })
}

async fn tell(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    to: Handler,
    kind: NoticeKind,
    d: &deadline::Model,
    key: &str,
) -> ServiceResult<()> {
    // The handler's notice names the case, the milestone and the due day
    // (docs/mail.md); a case row that vanished still gets its milestone.
    let params = match cases::facts_of(conn, d.case_kind, d.case_id).await? {
        Some(f) => f.deadline(d).params(),
        None => json!({
            "milestone": cases::milestone_name(&d.milestone),
            "due_on": d.due_on.to_string(),
        }),
    };
    let link = Some(cases::link(d.case_kind, d.case_id));
    match to {
        Handler::Operators => {
            notices::notify_operators(conn, now, kind, params, link, Some(key)).await?;
        }
        Handler::Department(dept) => {
            notices::notify_department(conn, now, dept, kind, params, link, Some(key)).await?;
        }
    }
    Ok(())
}

async fn process(
    conn: &impl ConnectionTrait,
    reference: &Reference,
    d: deadline::Model,
    now: DateTime<Utc>,
    report: &mut SweepReport,
) -> ServiceResult<()> {
    let today = local_date(now);
    let mut row: deadline::ActiveModel = d.clone().into();
    if now >= cases::after_due(d.due_on) {
        if d.escalated_at.is_none() {
            tell(
                conn,
                now,
                Handler::Operators,
                NoticeKind::DeadlineOverdue,
                &d,
                &format!("deadline:{}:overdue", d.id),
            )
            .await?;
            cases::event(
                conn,
                d.case_kind,
                d.case_id,
                d.subject_id,
                By::SYSTEM,
                "escalated",
                None,
                json!({ "milestone": d.milestone, "dueOn": d.due_on }),
                now,
            )
            .await?;
            row.escalated_at = Set(Some(now));
            report.escalated += 1;
        }
        if d.case_kind == CaseKind::Objection && d.milestone == milestone::PROVIDER_VERIFICATION {
            if objections::provider_silent(conn, reference, d.case_id, now).await? {
                report.withdrawn += 1;
            }
            row.status = Set(DeadlineStatus::Missed);
        }
        // Nothing further to send; the milestone stays open (and listed as
        // overdue) until its handler acts.
        row.next_check_at = Set(None);
    } else if today >= d.due_on {
        if d.due_reminded_at.is_none() {
            let to = handler(conn, &d).await?;
            tell(
                conn,
                now,
                to,
                NoticeKind::DeadlineDue,
                &d,
                &format!("deadline:{}:due", d.id),
            )
            .await?;
            cases::event(
                conn,
                d.case_kind,
                d.case_id,
                d.subject_id,
                By::SYSTEM,
                "reminder_sent",
                Some("due today".into()),
                json!({ "milestone": d.milestone }),
                now,
            )
            .await?;
            row.due_reminded_at = Set(Some(now));
            report.due += 1;
        }
        row.next_check_at = Set(Some(cases::after_due(d.due_on)));
    } else if today >= reminder_day(&reference.calendar, d.due_on, REMIND_BEFORE_WD) {
        if d.reminded_at.is_none() {
            let to = handler(conn, &d).await?;
            tell(
                conn,
                now,
                to,
                NoticeKind::DeadlineApproaching,
                &d,
                &format!("deadline:{}:approaching", d.id),
            )
            .await?;
            cases::event(
                conn,
                d.case_kind,
                d.case_id,
                d.subject_id,
                By::SYSTEM,
                "reminder_sent",
                Some(format!("due on {}", d.due_on)),
                json!({ "milestone": d.milestone }),
                now,
            )
            .await?;
            row.reminded_at = Set(Some(now));
            report.approaching += 1;
        }
        row.next_check_at = Set(Some(start_of_local_day_utc(d.due_on)));
    } else {
        row.next_check_at = Set(Some(cases::first_check_at(reference, d.due_on, now)));
    }
    row.update(conn).await?;
    Ok(())
}
