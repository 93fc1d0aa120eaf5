//! Objections (异议), the Fujian Measures Arts. 43-45:
//!
//! ```text
//! received ──first check (3 WD)──┬─ platform's own error → decided (platform_corrected)
//!    │                           └─ referred ──provider (20 WD)──┬─ decided (corrected)
//!    │                                  │                         ├─ decided (deleted_unverifiable)
//!    │                                  │                         ├─ decided (upheld)
//!    │                                  │                         └─ silent → decided (withdrawn_provider_silent)
//!    ├─ withdrawn by the applicant (any time before a decision) ─┤
//!    └─ record withdrawn by its provider → decided (record_withdrawn) ┘
//! ```
//!
//! While the objection is open the record is `under_objection`: withheld
//! from everyone but its subject (Art. 45 ¶1, seed 002 l.695).

use domain::cases::ObjectionReason;
use domain::rules::{
    OBJECTION_APPLICANT_NOTIFY, OBJECTION_FIRST_CHECK, OBJECTION_OWN_ERROR_NOTIFY,
    OBJECTION_PROVIDER_VERIFICATION,
};
use entity::enums::{
    CaseKind, ChangeKind, DeadlineStatus, ObjectionOutcome, ObjectionStatus, RecordStatus,
};
use entity::{credit_record, objection};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use super::attachments::{self, Upload};
use super::{
    By, NoticeFacts, RecordPatch, case_not_found, case_not_open, change_record, close_deadlines,
    event, link, load, met_at_once, milestone, objection_outcome_name, open_deadline,
    optional_text, record_of, required_text,
};
use crate::auth::{Actor, RequestMeta};
use crate::service::audit::{self, AuditEntry};
use crate::service::notices::{self, NoticeKind};
use crate::service::{ServiceError, ServiceResult, UniqueKey, begin_write};
use crate::state::AppState;

const OPEN_KEY: UniqueKey = UniqueKey {
    index: "uq_objection_open_record_id",
    table: "objection",
    columns: &["open_record_id"],
};

fn already_open() -> ServiceError {
    ServiceError::invalid(
        &["input", "record"],
        "OBJECTION_ALREADY_OPEN",
        "an objection to this record is already being handled",
    )
}

/// A new objection, parsed at the edge.
#[derive(Clone, Debug)]
pub struct NewObjection {
    pub record_id: i64,
    pub reason: String,
    pub statement: String,
    pub evidence: Vec<Upload>,
}

/// Files an objection for the record's subject.
pub async fn file(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    input: NewObjection,
) -> ServiceResult<objection::Model> {
    let account_id = super::subject_user(actor)?;
    let mut errors = Vec::new();
    let reason = ObjectionReason::parse(input.reason.trim());
    if reason.is_none() {
        errors.push(crate::service::FieldError::new(
            &["input", "reason"],
            "OBJECTION_REASON_INVALID",
            "not one of the objection reasons (docs/cases.md)",
        ));
    }
    let statement = required_text(
        &input.statement,
        &["input", "statement"],
        "STATEMENT_REQUIRED",
    );
    if let Err(ServiceError::Invalid(e)) = &statement {
        errors.extend(e.clone());
    }
    let files = attachments::check(input.evidence, "evidence");
    if let Err(ServiceError::Invalid(e)) = &files {
        errors.extend(e.clone());
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let (reason, statement, files) = match (reason, statement, files) {
        (Some(r), Ok(s), Ok(f)) => (r, s, f),
        _ => return Err(ServiceError::Internal("checked input went missing".into())),
    };
    let record = credit_record::Entity::find_by_id(input.record_id)
        .one(&state.db)
        .await?;
    // Someone else's record is as unknown as a missing one.
    let Some(record) = record else {
        return Err(not_found());
    };
    if !super::bound(&state.db, actor, record.subject_id).await? {
        return Err(not_found());
    }
    attachments::store(state, &files).await?;

    let now = state.now();
    let reference = state.reference();
    let txn = begin_write(&state.db).await?;
    let record = record_of(&txn, record.id).await?;
    match record.status {
        RecordStatus::Active => {}
        RecordStatus::UnderObjection => return Err(already_open()),
        _ => {
            return Err(ServiceError::invalid(
                &["input", "record"],
                "RECORD_NOT_OBJECTABLE",
                "the record is no longer published (repaired, withdrawn, archived or deleted)",
            ));
        }
    }
    let row = objection::ActiveModel {
        subject_id: Set(record.subject_id),
        record_id: Set(record.id),
        applicant_account_id: Set(account_id),
        department_id: Set(record.department_id),
        reason_code: Set(reason.as_str().to_string()),
        statement: Set(statement.clone()),
        status: Set(ObjectionStatus::Received),
        outcome: Set(None),
        outcome_reason: Set(None),
        received_at: Set(now),
        referred_at: Set(None),
        decided_at: Set(None),
        closed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        open_record_id: Set(Some(record.id)),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| ServiceError::from_unique(e, &[(OPEN_KEY, field_already_open())]))?;
    let by = By::of(actor);
    change_record(
        &txn,
        &record,
        RecordStatus::UnderObjection,
        &RecordPatch::default(),
        ChangeKind::Suspend,
        "suspended",
        Some(format!("objection {} received", row.id)),
        by,
        now,
    )
    .await?;
    let files = attachments::insert(
        &txn,
        &files,
        record.subject_id,
        account_id,
        CaseKind::Objection,
        row.id,
        now,
    )
    .await?;
    event(
        &txn,
        CaseKind::Objection,
        row.id,
        row.subject_id,
        by,
        "received",
        Some(statement),
        json!({ "reason": reason.as_str(), "evidence": files.iter().map(|f| f.id).collect::<Vec<_>>() }),
        now,
    )
    .await?;
    event(
        &txn,
        CaseKind::Objection,
        row.id,
        row.subject_id,
        By::SYSTEM,
        "record_withheld",
        None,
        json!({ "recordId": record.id }),
        now,
    )
    .await?;
    let first_check = open_deadline(
        &txn,
        &reference,
        CaseKind::Objection,
        row.id,
        row.subject_id,
        milestone::FIRST_CHECK,
        OBJECTION_FIRST_CHECK,
        now,
    )
    .await?;
    let params = facts(&row, &record).deadline(&first_check).params();
    let l = Some(link(CaseKind::Objection, row.id));
    notices::notify_subject(
        &txn,
        now,
        row.subject_id,
        NoticeKind::ObjectionReceived,
        params.clone(),
        l.clone(),
        None,
    )
    .await?;
    notices::notify_operators(&txn, now, NoticeKind::CaseAssigned, params, l, None).await?;
    audit::record(
        &txn,
        AuditEntry::by(actor, "objections.file", "objection", now, meta)
            .object_id(Some(row.id.to_string()))
            .subject(row.subject_id)
            .detail(json!({ "recordId": record.id, "reason": reason.as_str() })),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The notice facts of an objection.
fn facts(o: &objection::Model, record: &credit_record::Model) -> NoticeFacts {
    NoticeFacts::new(CaseKind::Objection, o.id, o.received_at, &record.title)
}

fn not_found() -> ServiceError {
    ServiceError::invalid(
        &["input", "record"],
        "RECORD_NOT_FOUND",
        "you have no record with this id",
    )
}

fn field_already_open() -> crate::service::FieldError {
    crate::service::FieldError::new(
        &["input", "record"],
        "OBJECTION_ALREADY_OPEN",
        "an objection to this record is already being handled",
    )
}

/// Mutations other than withdrawal name the objection `objection`.
const FIELD: &[&str] = &["input", "objection"];

/// The objections of the subjects `actor` acts for, newest first.
pub async fn mine(state: &AppState, actor: &Actor) -> ServiceResult<Vec<objection::Model>> {
    let ids = super::complaints::bound_subject_ids(&state.db, actor).await?;
    Ok(objection::Entity::find()
        .filter(objection::Column::SubjectId.is_in(ids))
        .order_by_desc(objection::Column::Id)
        .all(&state.db)
        .await?)
}

/// The platform's first check (operators): its own error is corrected at
/// once; anything else is referred to the providing department.
#[derive(Clone, Debug)]
pub enum FirstCheck {
    OwnError { patch: RecordPatch, note: String },
    Refer { note: Option<String> },
}

pub async fn first_check(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    decision: FirstCheck,
) -> ServiceResult<objection::Model> {
    super::operator(actor)?;
    let decision = match decision {
        FirstCheck::OwnError { patch, note } => {
            if patch.is_empty() {
                return Err(ServiceError::invalid(
                    &["input", "correction"],
                    "CORRECTION_REQUIRED",
                    "say what the corrected record reads (title and/or content)",
                ));
            }
            FirstCheck::OwnError {
                patch,
                note: required_text(&note, &["input", "note"], "NOTE_REQUIRED")?,
            }
        }
        FirstCheck::Refer { note } => FirstCheck::Refer {
            note: optional_text(note.as_deref(), &["input", "note"], "NOTE_TOO_LONG")?,
        },
    };
    let now = state.now();
    let reference = state.reference();
    let by = By::of(actor);
    let txn = begin_write(&state.db).await?;
    let o: objection::Model = load(&txn, id, FIELD).await?;
    if o.status != ObjectionStatus::Received {
        return Err(case_not_open(&["input", "objection"]));
    }
    let record = record_of(&txn, o.record_id).await?;
    close_deadlines(
        &txn,
        CaseKind::Objection,
        o.id,
        Some(milestone::FIRST_CHECK),
        DeadlineStatus::Met,
        now,
    )
    .await?;
    let l = Some(link(CaseKind::Objection, o.id));
    let mut row: objection::ActiveModel = o.clone().into();
    row.updated_at = Set(now);
    row.version = Set(o.version + 1);
    match decision {
        FirstCheck::OwnError { patch, note } => {
            change_record(
                &txn,
                &record,
                RecordStatus::Active,
                &patch,
                ChangeKind::Correct,
                "corrected",
                Some(note.clone()),
                by,
                now,
            )
            .await?;
            row.status = Set(ObjectionStatus::Decided);
            row.outcome = Set(Some(ObjectionOutcome::PlatformCorrected));
            row.outcome_reason = Set(Some(note.clone()));
            row.decided_at = Set(Some(now));
            row.closed_at = Set(Some(now));
            row.open_record_id = Set(None);
            event(
                &txn,
                CaseKind::Objection,
                o.id,
                o.subject_id,
                by,
                "corrected_by_platform",
                Some(note),
                json!({ "title": patch.title, "content": patch.content }),
                now,
            )
            .await?;
            notices::notify_subject(
                &txn,
                now,
                o.subject_id,
                NoticeKind::ObjectionDecided,
                facts(&o, &record)
                    .outcome(objection_outcome_name(ObjectionOutcome::PlatformCorrected))
                    .params(),
                l,
                None,
            )
            .await?;
            met_at_once(
                &txn,
                &reference,
                CaseKind::Objection,
                o.id,
                o.subject_id,
                milestone::OWN_ERROR_NOTIFY,
                OBJECTION_OWN_ERROR_NOTIFY,
                now,
            )
            .await?;
            event(
                &txn,
                CaseKind::Objection,
                o.id,
                o.subject_id,
                By::SYSTEM,
                "applicant_notified",
                None,
                json!({}),
                now,
            )
            .await?;
        }
        FirstCheck::Refer { note } => {
            row.status = Set(ObjectionStatus::Referred);
            row.referred_at = Set(Some(now));
            event(
                &txn,
                CaseKind::Objection,
                o.id,
                o.subject_id,
                by,
                "referred",
                note,
                json!({ "departmentId": o.department_id }),
                now,
            )
            .await?;
            let verification = open_deadline(
                &txn,
                &reference,
                CaseKind::Objection,
                o.id,
                o.subject_id,
                milestone::PROVIDER_VERIFICATION,
                OBJECTION_PROVIDER_VERIFICATION,
                now,
            )
            .await?;
            let department = super::department_of(&txn, o.department_id).await?;
            let params = facts(&o, &record)
                .deadline(&verification)
                .department(&department)
                .params();
            notices::notify_subject(
                &txn,
                now,
                o.subject_id,
                NoticeKind::ObjectionReferred,
                params.clone(),
                l.clone(),
                None,
            )
            .await?;
            notices::notify_department(
                &txn,
                now,
                o.department_id,
                NoticeKind::CaseAssigned,
                params,
                l,
                None,
            )
            .await?;
        }
    }
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::by(actor, "objections.first_check", "objection", now, meta)
            .object_id(Some(o.id.to_string()))
            .subject(o.subject_id)
            .detail(json!({ "status": updated.status, "outcome": updated.outcome })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// The providing department's answer to a referred objection.
#[derive(Clone, Debug)]
pub enum Answer {
    Correct { patch: RecordPatch, reason: String },
    DeleteUnverifiable { reason: String },
    Uphold { reason: String },
}

pub async fn decide(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    answer: Answer,
) -> ServiceResult<objection::Model> {
    let (_, department_id) = super::staff(actor)?;
    let reason_of = |r: &str| required_text(r, &["input", "reason"], "REASON_REQUIRED");
    let answer = match answer {
        Answer::Correct { patch, reason } => {
            if patch.is_empty() {
                return Err(ServiceError::invalid(
                    &["input", "correction"],
                    "CORRECTION_REQUIRED",
                    "say what the corrected record reads (title and/or content)",
                ));
            }
            Answer::Correct {
                patch,
                reason: reason_of(&reason)?,
            }
        }
        Answer::DeleteUnverifiable { reason } => Answer::DeleteUnverifiable {
            reason: reason_of(&reason)?,
        },
        Answer::Uphold { reason } => Answer::Uphold {
            reason: reason_of(&reason)?,
        },
    };
    let now = state.now();
    let reference = state.reference();
    let by = By::of(actor);
    let txn = begin_write(&state.db).await?;
    let o: objection::Model = load(&txn, id, FIELD).await?;
    // Another department's objection, or one not yet referred here, is as
    // unknown as a missing one: its existence is the subject's business.
    if o.department_id != department_id || o.referred_at.is_none() {
        return Err(case_not_found::<objection::Model>(FIELD));
    }
    if o.status != ObjectionStatus::Referred {
        return Err(case_not_open(&["input", "objection"]));
    }
    let record = record_of(&txn, o.record_id).await?;
    let (outcome, reason, ev) = match &answer {
        Answer::Correct { patch, reason } => {
            change_record(
                &txn,
                &record,
                RecordStatus::Active,
                patch,
                ChangeKind::Correct,
                "corrected",
                Some(reason.clone()),
                by,
                now,
            )
            .await?;
            (
                ObjectionOutcome::Corrected,
                reason.clone(),
                "corrected_by_department",
            )
        }
        Answer::DeleteUnverifiable { reason } => {
            change_record(
                &txn,
                &record,
                RecordStatus::Deleted,
                &RecordPatch::default(),
                ChangeKind::Delete,
                "deleted",
                Some(reason.clone()),
                by,
                now,
            )
            .await?;
            (
                ObjectionOutcome::DeletedUnverifiable,
                reason.clone(),
                "deleted_unverifiable",
            )
        }
        Answer::Uphold { reason } => {
            change_record(
                &txn,
                &record,
                RecordStatus::Active,
                &RecordPatch::default(),
                ChangeKind::Restore,
                "restored",
                Some(reason.clone()),
                by,
                now,
            )
            .await?;
            (ObjectionOutcome::Upheld, reason.clone(), "upheld")
        }
    };
    close_deadlines(
        &txn,
        CaseKind::Objection,
        o.id,
        Some(milestone::PROVIDER_VERIFICATION),
        DeadlineStatus::Met,
        now,
    )
    .await?;
    let data = match &answer {
        Answer::Correct { patch, .. } => json!({ "title": patch.title, "content": patch.content }),
        _ => json!({}),
    };
    event(
        &txn,
        CaseKind::Objection,
        o.id,
        o.subject_id,
        by,
        ev,
        Some(reason.clone()),
        data,
        now,
    )
    .await?;
    let updated = close(&txn, &reference, &o, &record, (outcome, &reason), now).await?;
    audit::record(
        &txn,
        AuditEntry::by(actor, "objections.decide", "objection", now, meta)
            .object_id(Some(o.id.to_string()))
            .subject(o.subject_id)
            .detail(json!({ "outcome": outcome })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// An outcome the platform reaches by itself: its timeline event (with the
/// reason), then the close.
async fn close_by_system(
    conn: &impl ConnectionTrait,
    reference: &crate::state::Reference,
    o: &objection::Model,
    record: &credit_record::Model,
    (event_name, outcome): (&str, ObjectionOutcome),
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<objection::Model> {
    event(
        conn,
        CaseKind::Objection,
        o.id,
        o.subject_id,
        By::SYSTEM,
        event_name,
        Some(reason.to_string()),
        json!({}),
        now,
    )
    .await?;
    close(conn, reference, o, record, (outcome, reason), now).await
}

/// Closes an objection with its outcome and tells the applicant.
async fn close(
    conn: &impl ConnectionTrait,
    reference: &crate::state::Reference,
    o: &objection::Model,
    record: &credit_record::Model,
    (outcome, reason): (ObjectionOutcome, &str),
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<objection::Model> {
    let mut row: objection::ActiveModel = o.clone().into();
    row.status = Set(ObjectionStatus::Decided);
    row.outcome = Set(Some(outcome));
    row.outcome_reason = Set(Some(reason.to_string()));
    row.decided_at = Set(Some(now));
    row.closed_at = Set(Some(now));
    row.open_record_id = Set(None);
    row.updated_at = Set(now);
    row.version = Set(o.version + 1);
    let closed = row.update(conn).await?;
    notify_decided(conn, reference, o, record, outcome, now).await?;
    Ok(closed)
}

/// The applicant is told in the same transaction as the answer, so the
/// 2-working-day notice milestone is met at once.
async fn notify_decided(
    conn: &impl ConnectionTrait,
    reference: &crate::state::Reference,
    o: &objection::Model,
    record: &credit_record::Model,
    outcome: ObjectionOutcome,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<()> {
    notices::notify_subject(
        conn,
        now,
        o.subject_id,
        NoticeKind::ObjectionDecided,
        facts(o, record)
            .outcome(objection_outcome_name(outcome))
            .params(),
        Some(link(CaseKind::Objection, o.id)),
        None,
    )
    .await?;
    met_at_once(
        conn,
        reference,
        CaseKind::Objection,
        o.id,
        o.subject_id,
        milestone::APPLICANT_NOTIFY,
        OBJECTION_APPLICANT_NOTIFY,
        now,
    )
    .await?;
    event(
        conn,
        CaseKind::Objection,
        o.id,
        o.subject_id,
        By::SYSTEM,
        "applicant_notified",
        None,
        json!({}),
        now,
    )
    .await
}

/// The applicant withdraws the objection before a decision: the record is
/// disclosed again.
/// `WithdrawCaseInput` names the case `id`.
const WITHDRAW_FIELD: &[&str] = &["input", "id"];

pub async fn withdraw(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    note: Option<String>,
) -> ServiceResult<objection::Model> {
    super::subject_user(actor)?;
    let note = optional_text(note.as_deref(), &["input", "note"], "NOTE_TOO_LONG")?;
    let now = state.now();
    let by = By::of(actor);
    let txn = begin_write(&state.db).await?;
    let o: objection::Model = load(&txn, id, WITHDRAW_FIELD).await?;
    if !super::bound(&txn, actor, o.subject_id).await? {
        return Err(case_not_found::<objection::Model>(WITHDRAW_FIELD));
    }
    if !matches!(
        o.status,
        ObjectionStatus::Received | ObjectionStatus::Referred
    ) {
        return Err(case_not_open(WITHDRAW_FIELD));
    }
    let record = record_of(&txn, o.record_id).await?;
    if record.status == RecordStatus::UnderObjection {
        change_record(
            &txn,
            &record,
            RecordStatus::Active,
            &RecordPatch::default(),
            ChangeKind::Restore,
            "restored",
            Some(format!("objection {} withdrawn", o.id)),
            by,
            now,
        )
        .await?;
    }
    close_deadlines(
        &txn,
        CaseKind::Objection,
        o.id,
        None,
        DeadlineStatus::Cancelled,
        now,
    )
    .await?;
    let mut row: objection::ActiveModel = o.clone().into();
    row.status = Set(ObjectionStatus::Withdrawn);
    row.closed_at = Set(Some(now));
    row.open_record_id = Set(None);
    row.updated_at = Set(now);
    row.version = Set(o.version + 1);
    let updated = row.update(&txn).await?;
    event(
        &txn,
        CaseKind::Objection,
        o.id,
        o.subject_id,
        by,
        "withdrawn",
        note,
        json!({}),
        now,
    )
    .await?;
    let params = facts(&o, &record).params();
    let l = Some(link(CaseKind::Objection, o.id));
    notices::notify_subject(
        &txn,
        now,
        o.subject_id,
        NoticeKind::ObjectionWithdrawn,
        params.clone(),
        l.clone(),
        None,
    )
    .await?;
    if o.referred_at.is_some() {
        notices::notify_department(
            &txn,
            now,
            o.department_id,
            NoticeKind::ObjectionWithdrawn,
            params,
            l,
            None,
        )
        .await?;
    } else {
        notices::notify_operators(&txn, now, NoticeKind::ObjectionWithdrawn, params, l, None)
            .await?;
    }
    audit::record(
        &txn,
        AuditEntry::by(actor, "objections.withdraw", "objection", now, meta)
            .object_id(Some(o.id.to_string()))
            .subject(o.subject_id),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// The providing department withdrew the record (its decision revoked or
/// annulled) while an objection to it was open: nothing is left to verify.
/// The objection is closed with outcome `record_withdrawn`, its open
/// milestones cancelled and the applicant told, in the withdrawal's
/// transaction, so that no later answer can bring the record back.
pub(super) async fn record_withdrawn(
    conn: &impl ConnectionTrait,
    reference: &crate::state::Reference,
    record: &credit_record::Model,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<()> {
    let open = objection::Entity::find()
        .filter(objection::Column::RecordId.eq(record.id))
        .filter(
            objection::Column::Status.is_in([ObjectionStatus::Received, ObjectionStatus::Referred]),
        )
        .all(conn)
        .await?;
    for o in open {
        close_deadlines(
            conn,
            CaseKind::Objection,
            o.id,
            None,
            DeadlineStatus::Cancelled,
            now,
        )
        .await?;
        let outcome = ObjectionOutcome::RecordWithdrawn;
        close_by_system(
            conn,
            reference,
            &o,
            record,
            ("record_withdrawn", outcome),
            reason,
            now,
        )
        .await?;
    }
    Ok(())
}

/// The provider did not verify within its deadline: the record is no
/// longer offered for query (Art. 45 ¶3, seed 002 l.699). Run by the
/// deadline sweep in its transaction; does nothing unless the objection is
/// still referred.
pub async fn provider_silent(
    conn: &impl ConnectionTrait,
    reference: &crate::state::Reference,
    objection_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<bool> {
    let Some(o) = objection::Entity::find_by_id(objection_id)
        .one(conn)
        .await?
    else {
        return Ok(false);
    };
    if o.status != ObjectionStatus::Referred {
        return Ok(false);
    }
    let record = record_of(conn, o.record_id).await?;
    let reason = "the providing department did not verify the objection within the statutory period; the record is withdrawn from query (福建省公共信用信息管理暂行办法 Art. 45 para. 3)";
    change_record(
        conn,
        &record,
        RecordStatus::Withdrawn,
        &RecordPatch::default(),
        ChangeKind::Withdraw,
        "withdrawn",
        Some(reason.to_string()),
        By::SYSTEM,
        now,
    )
    .await?;
    let outcome = ObjectionOutcome::WithdrawnProviderSilent;
    let step = ("withdrawn_provider_silent", outcome);
    close_by_system(conn, reference, &o, &record, step, reason, now).await?;
    notices::notify_department(
        conn,
        now,
        o.department_id,
        NoticeKind::ObjectionDecided,
        facts(&o, &record)
            .outcome(objection_outcome_name(outcome))
            .params(),
        Some(link(CaseKind::Objection, o.id)),
        Some(&format!("objection:{}:provider_silent", o.id)),
    )
    .await?;
    Ok(true)
}
