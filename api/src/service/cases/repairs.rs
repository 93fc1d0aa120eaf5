//! Credit repair (信用修复): eligibility, the commitment letter, the
//! application to the department that made the finding (谁认定、谁修复),
//! and its decision within 20 working days (Measures Art. 42).
//!
//! ```text
//! received ──department (20 WD)──┬─ decided (approved) → record repaired
//!    │                           └─ decided (rejected, reasons + how to apply again)
//!    └─ withdrawn by the applicant before the decision
//! ```

use chrono::{Months, NaiveDate};
use domain::cases::{
    CommitmentFacts, RepairEligibility, RepairInput, RepairRecordState, RepairSeverity,
    commitment_letter, repair_eligibility,
};
use domain::rules::REPAIR_DECISION;
use domain::time::local_date;
use entity::enums::{
    CaseKind, ChangeKind, DeadlineStatus, InfoClass, RecordStatus, RepairOutcome, RepairStatus,
    Severity,
};
use entity::{credit_record, department, record_category, repair_application, subject};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use super::attachments::{self, Upload};
use super::{
    By, NoticeFacts, RecordPatch, case_not_found, case_not_open, change_record, close_deadlines,
    event, in_both, link, load, milestone, open_deadline, optional_text, record_of, required_text,
};
use crate::auth::{Actor, RequestMeta};
use crate::crypto::sha256_hex;
use crate::service::audit::{self, AuditEntry};
use crate::service::notices::{self, NoticeKind};
use crate::service::{FieldError, ServiceError, ServiceResult, UniqueKey, begin_write};
use crate::state::{AppState, Reference};

const OPEN_KEY: UniqueKey = UniqueKey {
    index: "uq_repair_application_open_record_id",
    table: "repair_application",
    columns: &["open_record_id"],
};

/// A serious finding repeated within this many years of an earlier serious
/// finding of the same category bars repair (platform policy applying
/// 国办发〔2025〕22号's exclusion of repeated serious dishonesty; the text
/// gives no number, so the longest serious publication period is used).
pub const REPEAT_BAR_YEARS: u32 = 3;

/// Eligibility of a record on `today` (pure, apart from the repeat check).
pub async fn eligibility(
    conn: &impl ConnectionTrait,
    reference: &Reference,
    record: &credit_record::Model,
    category: &record_category::Model,
    today: NaiveDate,
) -> ServiceResult<RepairEligibility> {
    let severity = record.severity.map(|s| match s {
        Severity::Minor => RepairSeverity::Minor,
        Severity::General => RepairSeverity::General,
        Severity::Serious => RepairSeverity::Serious,
    });
    let state = match record.status {
        RecordStatus::Active | RecordStatus::UnderObjection => RepairRecordState::Live,
        RecordStatus::Repaired => RepairRecordState::Repaired,
        RecordStatus::Withdrawn | RecordStatus::Archived | RecordStatus::Deleted => {
            RepairRecordState::Ended
        }
    };
    let mut barred = None;
    if severity == Some(RepairSeverity::Serious) {
        let since = record
            .decided_on
            .checked_sub_months(Months::new(REPEAT_BAR_YEARS * 12))
            .unwrap_or(record.decided_on);
        let earlier = credit_record::Entity::find()
            .filter(credit_record::Column::SubjectId.eq(record.subject_id))
            .filter(credit_record::Column::CategoryId.eq(record.category_id))
            .filter(credit_record::Column::Severity.eq(Severity::Serious))
            .filter(credit_record::Column::Id.ne(record.id))
            .filter(credit_record::Column::DecidedOn.gte(since))
            .filter(credit_record::Column::DecidedOn.lt(record.decided_on))
            .filter(
                credit_record::Column::Status
                    .is_not_in([RecordStatus::Deleted, RecordStatus::Withdrawn]),
            )
            .count(conn)
            .await?;
        if earlier > 0 {
            barred = Some(format!(
                "serious dishonesty of the same kind repeated within {REPEAT_BAR_YEARS} years"
            ));
        }
    }
    let input = RepairInput {
        category_repairable: category.repairable,
        negative: matches!(category.info_class, InfoClass::Hint | InfoClass::Warning),
        severity,
        decided_on: record.decided_on,
        state,
        barred,
    };
    Ok(repair_eligibility(
        &input,
        &reference.rules,
        &reference.calendar,
        today,
    ))
}

/// A record of a subject `actor` acts for, with its category, or RECORD_NOT_FOUND.
async fn own_record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    record_id: i64,
) -> ServiceResult<(credit_record::Model, record_category::Model)> {
    let not_found = || {
        ServiceError::invalid(
            &["input", "record"],
            "RECORD_NOT_FOUND",
            "you have no record with this id",
        )
    };
    let record = credit_record::Entity::find_by_id(record_id)
        .one(conn)
        .await?
        .ok_or_else(not_found)?;
    if !super::bound(conn, actor, record.subject_id).await? {
        return Err(not_found());
    }
    let category = record_category::Entity::find_by_id(record.category_id)
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::Internal("record category missing".into()))?;
    Ok((record, category))
}

/// The commitment letter for a record, and its SHA-256.
pub struct Letter {
    pub text: String,
    pub sha256: String,
}

async fn letter_for(
    conn: &impl ConnectionTrait,
    record: &credit_record::Model,
    today: NaiveDate,
) -> ServiceResult<Letter> {
    let s = subject::Entity::find_by_id(record.subject_id)
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::Internal("subject missing".into()))?;
    let d = department::Entity::find_by_id(record.department_id)
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::Internal("department missing".into()))?;
    let text = commitment_letter(&CommitmentFacts {
        subject_name: &s.name,
        subject_identifier: &s.identifier_masked,
        record_title: &record.title,
        decision_number: record.legal_basis_number.as_deref(),
        decided_on: record.decided_on,
        department_name: &d.name_zh,
        date: today,
    });
    let sha256 = sha256_hex(text.as_bytes());
    Ok(Letter { text, sha256 })
}

/// The commitment letter the subject is asked to accept today.
pub async fn letter(state: &AppState, actor: &Actor, record_id: i64) -> ServiceResult<Letter> {
    super::subject_user(actor)?;
    let (record, _) = own_record(&state.db, actor, record_id).await?;
    letter_for(&state.db, &record, local_date(state.now())).await
}

/// A repair application, parsed at the edge.
#[derive(Clone, Debug)]
pub struct NewApplication {
    pub record_id: i64,
    /// The SHA-256 of the letter text the applicant accepted.
    pub commitment_sha256: String,
    /// Name of the legal representative or authorised agent who accepts it.
    pub accepted_by: String,
    pub statement: Option<String>,
    /// Proof that the obligations are fulfilled.
    pub proofs: Vec<Upload>,
}

pub async fn apply(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    input: NewApplication,
) -> ServiceResult<repair_application::Model> {
    let account_id = super::subject_user(actor)?;
    let mut errors: Vec<FieldError> = Vec::new();
    let accepted_by = input.accepted_by.trim().to_string();
    if accepted_by.is_empty() || accepted_by.chars().count() > 100 {
        errors.push(FieldError::new(
            &["input", "acceptedBy"],
            "ACCEPTED_BY_REQUIRED",
            "name the legal representative or authorised agent who accepts the commitment (1 to 100 characters)",
        ));
    }
    let statement = optional_text(
        input.statement.as_deref(),
        &["input", "statement"],
        "STATEMENT_TOO_LONG",
    );
    if let Err(ServiceError::Invalid(e)) = &statement {
        errors.extend(e.clone());
    }
    if input.proofs.is_empty() {
        errors.push(FieldError::new(
            &["input", "proofs"],
            "PROOF_REQUIRED",
            "attach proof that the obligations are fulfilled (PDF, JPEG or PNG)",
        ));
    }
    let files = attachments::check(input.proofs, "proofs");
    if let Err(ServiceError::Invalid(e)) = &files {
        errors.extend(e.clone());
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let (statement, files) = match (statement, files) {
        (Ok(s), Ok(f)) => (s, f),
        _ => return Err(ServiceError::Internal("checked input went missing".into())),
    };
    // Someone else's record is refused before a byte of the proofs is kept
    // (checked again in the transaction below).
    own_record(&state.db, actor, input.record_id).await?;
    attachments::store(state, &files).await?;

    let now = state.now();
    let today = local_date(now);
    let reference = state.reference();
    let by = By::of(actor);
    let txn = begin_write(&state.db).await?;
    let (record, category) = own_record(&txn, actor, input.record_id).await?;
    if record.status == RecordStatus::UnderObjection {
        return Err(ServiceError::invalid(
            &["input", "record"],
            "RECORD_UNDER_OBJECTION",
            "an objection to this record is open; apply for repair after it is decided",
        ));
    }
    let e = eligibility(&txn, &reference, &record, &category, today).await?;
    if !e.is_eligible() {
        return Err(ServiceError::invalid(
            &["input", "record"],
            "REPAIR_NOT_ELIGIBLE",
            e.reason_en,
        ));
    }
    let letter = letter_for(&txn, &record, today).await?;
    if !letter
        .sha256
        .eq_ignore_ascii_case(input.commitment_sha256.trim())
    {
        return Err(ServiceError::invalid(
            &["input", "commitmentSha256"],
            "COMMITMENT_MISMATCH",
            "the commitment accepted is not today's text: fetch repairCommitmentLetter again and accept it",
        ));
    }
    let row = repair_application::ActiveModel {
        subject_id: Set(record.subject_id),
        record_id: Set(record.id),
        applicant_account_id: Set(account_id),
        department_id: Set(record.department_id),
        status: Set(RepairStatus::Received),
        outcome: Set(None),
        statement: Set(statement.clone()),
        commitment_text_hash: Set(letter.sha256.clone()),
        commitment_accepted_by: Set(accepted_by.clone()),
        commitment_accepted_at: Set(now),
        decision_reason: Set(None),
        received_at: Set(now),
        decided_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        open_record_id: Set(Some(record.id)),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| {
        ServiceError::from_unique(
            err,
            &[(
                OPEN_KEY,
                FieldError::new(
                    &["input", "record"],
                    "REPAIR_ALREADY_OPEN",
                    "a repair application for this record is already being handled",
                ),
            )],
        )
    })?;
    let files = attachments::insert(
        &txn,
        &files,
        record.subject_id,
        account_id,
        CaseKind::Repair,
        row.id,
        now,
    )
    .await?;
    event(
        &txn,
        CaseKind::Repair,
        row.id,
        row.subject_id,
        by,
        "received",
        statement,
        json!({
            "proofs": files.iter().map(|f| f.id).collect::<Vec<_>>(),
            "eligibility": e.reason_en,
        }),
        now,
    )
    .await?;
    // The electronic acceptance: who, when, and exactly which text.
    event(
        &txn,
        CaseKind::Repair,
        row.id,
        row.subject_id,
        by,
        "commitment_accepted",
        None,
        json!({
            "acceptedBy": accepted_by,
            "accountId": account_id,
            "sha256": letter.sha256,
            "text": letter.text,
        }),
        now,
    )
    .await?;
    let decision = open_deadline(
        &txn,
        &reference,
        CaseKind::Repair,
        row.id,
        row.subject_id,
        milestone::REPAIR_DECISION,
        REPAIR_DECISION,
        now,
    )
    .await?;
    let params = facts(&row, &record).deadline(&decision).params();
    let l = Some(link(CaseKind::Repair, row.id));
    notices::notify_subject(
        &txn,
        now,
        row.subject_id,
        NoticeKind::RepairReceived,
        params.clone(),
        l.clone(),
        None,
    )
    .await?;
    notices::notify_department(
        &txn,
        now,
        row.department_id,
        NoticeKind::CaseAssigned,
        params,
        l,
        None,
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::by(actor, "repairs.apply", "repair_application", now, meta)
            .object_id(Some(row.id.to_string()))
            .subject(row.subject_id)
            .detail(json!({ "recordId": record.id })),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The notice facts of a repair application.
fn facts(a: &repair_application::Model, record: &credit_record::Model) -> NoticeFacts {
    NoticeFacts::new(CaseKind::Repair, a.id, a.received_at, &record.title)
}

fn outcome_name(o: RepairOutcome) -> serde_json::Value {
    match o {
        RepairOutcome::Approved => in_both(
            "准予信用修复，该记录停止公示",
            "approved: the record is repaired and no longer published",
        ),
        RepairOutcome::Rejected => in_both(
            "不予信用修复，理由及重新申请的方式见案件页面",
            "rejected: the reasons and how to apply again are on the case page",
        ),
        RepairOutcome::RecordWithdrawn => in_both(
            "信息提供单位已撤回该记录，无需再作修复决定",
            "the providing department withdrew the record; no repair decision is needed",
        ),
    }
}

/// The providing department withdrew the record while a repair application
/// for it was open: the record is out of disclosure for good, so the
/// application is closed with outcome `record_withdrawn` (not approved:
/// an approval would mark the withdrawn record repaired) and the applicant
/// told, in the withdrawal's transaction.
pub(super) async fn record_withdrawn(
    conn: &impl ConnectionTrait,
    record: &credit_record::Model,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<()> {
    let open = repair_application::Entity::find()
        .filter(repair_application::Column::RecordId.eq(record.id))
        .filter(repair_application::Column::Status.eq(RepairStatus::Received))
        .all(conn)
        .await?;
    for a in open {
        event(
            conn,
            CaseKind::Repair,
            a.id,
            a.subject_id,
            By::SYSTEM,
            "record_withdrawn",
            Some(reason.to_string()),
            json!({}),
            now,
        )
        .await?;
        conclude(
            conn,
            &a,
            record,
            RepairOutcome::RecordWithdrawn,
            Some(reason.to_string()),
            (None, DeadlineStatus::Cancelled),
            now,
        )
        .await?;
    }
    Ok(())
}

/// Closes an application with its outcome, settles its clock
/// (`deadlines`: which milestone, or all, and how) and tells the applicant,
/// in the caller's transaction.
async fn conclude(
    conn: &impl ConnectionTrait,
    a: &repair_application::Model,
    record: &credit_record::Model,
    outcome: RepairOutcome,
    reason: Option<String>,
    deadlines: (Option<&str>, DeadlineStatus),
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<repair_application::Model> {
    let mut row: repair_application::ActiveModel = a.clone().into();
    row.status = Set(RepairStatus::Decided);
    row.outcome = Set(Some(outcome));
    row.decision_reason = Set(reason);
    row.decided_at = Set(Some(now));
    row.open_record_id = Set(None);
    row.updated_at = Set(now);
    row.version = Set(a.version + 1);
    let updated = row.update(conn).await?;
    close_deadlines(conn, CaseKind::Repair, a.id, deadlines.0, deadlines.1, now).await?;
    notices::notify_subject(
        conn,
        now,
        a.subject_id,
        NoticeKind::RepairDecided,
        facts(a, record).outcome(outcome_name(outcome)).params(),
        Some(link(CaseKind::Repair, a.id)),
        None,
    )
    .await?;
    event(
        conn,
        CaseKind::Repair,
        a.id,
        a.subject_id,
        By::SYSTEM,
        "applicant_notified",
        None,
        json!({}),
        now,
    )
    .await?;
    Ok(updated)
}

/// Mutations other than withdrawal name the application `application`.
const FIELD: &[&str] = &["input", "application"];

pub async fn mine(
    state: &AppState,
    actor: &Actor,
) -> ServiceResult<Vec<repair_application::Model>> {
    let ids = super::complaints::bound_subject_ids(&state.db, actor).await?;
    Ok(repair_application::Entity::find()
        .filter(repair_application::Column::SubjectId.is_in(ids))
        .order_by_desc(repair_application::Column::Id)
        .all(&state.db)
        .await?)
}

/// The department's decision.
#[derive(Clone, Debug)]
pub enum Decision {
    Approve {
        note: Option<String>,
    },
    Reject {
        reason: String,
        how_to_reapply: String,
    },
}

pub async fn decide(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    decision: Decision,
) -> ServiceResult<repair_application::Model> {
    let (_, department_id) = super::staff(actor)?;
    let decision = match decision {
        Decision::Approve { note } => Decision::Approve {
            note: optional_text(note.as_deref(), &["input", "reason"], "REASON_TOO_LONG")?,
        },
        Decision::Reject {
            reason,
            how_to_reapply,
        } => {
            let r = required_text(&reason, &["input", "reason"], "REASON_REQUIRED");
            let h = required_text(
                &how_to_reapply,
                &["input", "howToReapply"],
                "HOW_TO_REAPPLY_REQUIRED",
            );
            match (r, h) {
                (Ok(reason), Ok(how_to_reapply)) => Decision::Reject {
                    reason,
                    how_to_reapply,
                },
                (Err(ServiceError::Invalid(mut a)), Err(ServiceError::Invalid(b))) => {
                    a.extend(b);
                    return Err(ServiceError::Invalid(a));
                }
                (Err(e), _) | (_, Err(e)) => return Err(e),
            }
        }
    };
    let now = state.now();
    let by = By::of(actor);
    let txn = begin_write(&state.db).await?;
    let a: repair_application::Model = load(&txn, id, FIELD).await?;
    // Another department's application is as unknown as a missing one.
    if a.department_id != department_id {
        return Err(case_not_found::<repair_application::Model>(FIELD));
    }
    if a.status != RepairStatus::Received {
        return Err(case_not_open(&["input", "application"]));
    }
    let record = record_of(&txn, a.record_id).await?;
    let (outcome, reason) = match &decision {
        Decision::Approve { note } => {
            // Publication ends and sharing with agencies stops (Order 36).
            change_record(
                &txn,
                &record,
                RecordStatus::Repaired,
                &RecordPatch::default(),
                ChangeKind::Repair,
                "repaired",
                Some(format!("credit repaired (application {})", a.id)),
                by,
                now,
            )
            .await?;
            event(
                &txn,
                CaseKind::Repair,
                a.id,
                a.subject_id,
                by,
                "approved",
                note.clone(),
                json!({}),
                now,
            )
            .await?;
            (RepairOutcome::Approved, note.clone())
        }
        Decision::Reject {
            reason,
            how_to_reapply,
        } => {
            event(
                &txn,
                CaseKind::Repair,
                a.id,
                a.subject_id,
                by,
                "rejected",
                Some(reason.clone()),
                json!({ "howToReapply": how_to_reapply }),
                now,
            )
            .await?;
            (
                RepairOutcome::Rejected,
                Some(format!("{reason}\n\n{how_to_reapply}")),
            )
        }
    };
    let updated = conclude(
        &txn,
        &a,
        &record,
        outcome,
        reason,
        (Some(milestone::REPAIR_DECISION), DeadlineStatus::Met),
        now,
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::by(actor, "repairs.decide", "repair_application", now, meta)
            .object_id(Some(a.id.to_string()))
            .subject(a.subject_id)
            .detail(json!({ "outcome": outcome })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// `WithdrawCaseInput` names the case `id`.
const WITHDRAW_FIELD: &[&str] = &["input", "id"];

pub async fn withdraw(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    note: Option<String>,
) -> ServiceResult<repair_application::Model> {
    super::subject_user(actor)?;
    let note = optional_text(note.as_deref(), &["input", "note"], "NOTE_TOO_LONG")?;
    let now = state.now();
    let by = By::of(actor);
    let txn = begin_write(&state.db).await?;
    let a: repair_application::Model = load(&txn, id, WITHDRAW_FIELD).await?;
    if !super::bound(&txn, actor, a.subject_id).await? {
        return Err(case_not_found::<repair_application::Model>(WITHDRAW_FIELD));
    }
    if a.status != RepairStatus::Received {
        return Err(case_not_open(WITHDRAW_FIELD));
    }
    let record = record_of(&txn, a.record_id).await?;
    close_deadlines(
        &txn,
        CaseKind::Repair,
        a.id,
        None,
        DeadlineStatus::Cancelled,
        now,
    )
    .await?;
    let mut row: repair_application::ActiveModel = a.clone().into();
    row.status = Set(RepairStatus::Withdrawn);
    row.open_record_id = Set(None);
    row.updated_at = Set(now);
    row.version = Set(a.version + 1);
    let updated = row.update(&txn).await?;
    event(
        &txn,
        CaseKind::Repair,
        a.id,
        a.subject_id,
        by,
        "withdrawn",
        note,
        json!({}),
        now,
    )
    .await?;
    let params = facts(&a, &record).params();
    let l = Some(link(CaseKind::Repair, a.id));
    notices::notify_subject(
        &txn,
        now,
        a.subject_id,
        NoticeKind::RepairWithdrawn,
        params.clone(),
        l.clone(),
        None,
    )
    .await?;
    notices::notify_department(
        &txn,
        now,
        a.department_id,
        NoticeKind::RepairWithdrawn,
        params,
        l,
        None,
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::by(actor, "repairs.withdraw", "repair_application", now, meta)
            .object_id(Some(a.id.to_string()))
            .subject(a.subject_id),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
