//! Complaints (投诉) to the operator by an applicant whose objection was
//! upheld against it (the record stands) or whose repair was rejected; a
//! case with its own clock (`complaint.handling`, platform policy). Also the
//! staff queues, the operators' overdue list, and adding evidence.

use entity::enums::{
    CaseKind, ComplaintStatus, DeadlineStatus, ObjectionOutcome, ObjectionStatus, RepairOutcome,
    RepairStatus,
};
use entity::{account_subject, complaint, deadline, objection, repair_application};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;

use super::attachments::{self, Upload};
use super::{
    By, NoticeFacts, case_not_open, close_deadlines, event, in_both, link, milestone,
    open_deadline, required_text,
};
use crate::auth::{Actor, RequestMeta};
use crate::service::audit::{self, AuditEntry};
use crate::service::notices::{self, NoticeKind};
use crate::service::{ServiceError, ServiceResult, begin_write};
use crate::state::AppState;
use domain::rules::COMPLAINT_HANDLING;

/// The subjects an account acts for (live bindings).
pub async fn bound_subject_ids(
    conn: &impl ConnectionTrait,
    actor: &Actor,
) -> ServiceResult<Vec<i64>> {
    let Some(a) = actor.account() else {
        return Ok(Vec::new());
    };
    Ok(account_subject::Entity::find()
        .select_only()
        .column(account_subject::Column::SubjectId)
        .filter(account_subject::Column::AccountId.eq(a.account_id))
        .filter(account_subject::Column::RevokedAt.is_null())
        .into_tuple()
        .all(conn)
        .await?)
}

/// The record behind a complaint: that of the objection or repair
/// application complained about.
pub async fn record_id(conn: &impl ConnectionTrait, c: &complaint::Model) -> ServiceResult<i64> {
    let id = match (c.objection_id, c.repair_application_id) {
        (Some(o), _) => objection::Entity::find_by_id(o)
            .one(conn)
            .await?
            .map(|o| o.record_id),
        (None, Some(a)) => repair_application::Entity::find_by_id(a)
            .one(conn)
            .await?
            .map(|a| a.record_id),
        (None, None) => None,
    };
    id.ok_or_else(|| ServiceError::Internal(format!("complaint {} is about no case", c.id)))
}

/// What the complaint is about.
#[derive(Clone, Copy, Debug)]
pub enum About {
    Objection(i64),
    Repair(i64),
}

pub async fn file(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    about: About,
    statement: String,
) -> ServiceResult<complaint::Model> {
    let account_id = super::subject_user(actor)?;
    let statement = required_text(&statement, &["input", "statement"], "STATEMENT_REQUIRED")?;
    let not_found = || ServiceError::invalid(&["input", "case"], "CASE_NOT_FOUND", "no such case");
    let not_allowed = || {
        ServiceError::invalid(
            &["input", "case"],
            "COMPLAINT_NOT_ALLOWED",
            "a complaint is possible once an objection was decided against you (upheld) or a repair application was rejected",
        )
    };
    let now = state.now();
    let reference = state.reference();
    let by = By::of(actor);
    let txn = begin_write(&state.db).await?;
    let (subject_id, objection_id, repair_id) = match about {
        About::Objection(id) => {
            let o = objection::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(not_found)?;
            if !super::bound(&txn, actor, o.subject_id).await? {
                return Err(not_found());
            }
            if o.status != ObjectionStatus::Decided || o.outcome != Some(ObjectionOutcome::Upheld) {
                return Err(not_allowed());
            }
            (o.subject_id, Some(o.id), None)
        }
        About::Repair(id) => {
            let a = repair_application::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(not_found)?;
            if !super::bound(&txn, actor, a.subject_id).await? {
                return Err(not_found());
            }
            if a.status != RepairStatus::Decided || a.outcome != Some(RepairOutcome::Rejected) {
                return Err(not_allowed());
            }
            (a.subject_id, None, Some(a.id))
        }
    };
    let open = complaint::Entity::find()
        .filter(complaint::Column::Status.eq(ComplaintStatus::Received))
        .filter(match about {
            About::Objection(id) => complaint::Column::ObjectionId.eq(id),
            About::Repair(id) => complaint::Column::RepairApplicationId.eq(id),
        })
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(ServiceError::invalid(
            &["input", "case"],
            "COMPLAINT_ALREADY_OPEN",
            "a complaint about this case is already being handled",
        ));
    }
    let row = complaint::ActiveModel {
        subject_id: Set(subject_id),
        objection_id: Set(objection_id),
        repair_application_id: Set(repair_id),
        applicant_account_id: Set(account_id),
        statement: Set(statement.clone()),
        status: Set(ComplaintStatus::Received),
        outcome_reason: Set(None),
        founded: Set(None),
        received_at: Set(now),
        decided_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    event(
        &txn,
        CaseKind::Complaint,
        row.id,
        subject_id,
        by,
        "received",
        Some(statement),
        json!({ "objectionId": objection_id, "repairApplicationId": repair_id }),
        now,
    )
    .await?;
    let handling = open_deadline(
        &txn,
        &reference,
        CaseKind::Complaint,
        row.id,
        subject_id,
        milestone::COMPLAINT_HANDLING,
        COMPLAINT_HANDLING,
        now,
    )
    .await?;
    let record = super::record_of(&txn, record_id(&txn, &row).await?).await?;
    let params = NoticeFacts::new(CaseKind::Complaint, row.id, row.received_at, &record.title)
        .deadline(&handling)
        .params();
    let l = Some(link(CaseKind::Complaint, row.id));
    notices::notify_subject(
        &txn,
        now,
        subject_id,
        NoticeKind::ComplaintReceived,
        params.clone(),
        l.clone(),
        None,
    )
    .await?;
    notices::notify_operators(&txn, now, NoticeKind::CaseAssigned, params, l, None).await?;
    audit::record(
        &txn,
        AuditEntry::by(actor, "complaints.file", "complaint", now, meta)
            .object_id(Some(row.id.to_string()))
            .subject(subject_id),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The operator's answer: whether the complaint is founded, and why.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    founded: bool,
    reason: String,
) -> ServiceResult<complaint::Model> {
    super::operator(actor)?;
    let reason = required_text(&reason, &["input", "reason"], "REASON_REQUIRED")?;
    let now = state.now();
    let by = By::of(actor);
    let txn = begin_write(&state.db).await?;
    let c = complaint::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ServiceError::invalid(
                &["input", "complaint"],
                "CASE_NOT_FOUND",
                "no such complaint",
            )
        })?;
    if c.status != ComplaintStatus::Received {
        return Err(case_not_open(&["input", "complaint"]));
    }
    let record = super::record_of(&txn, record_id(&txn, &c).await?).await?;
    let mut row: complaint::ActiveModel = c.clone().into();
    row.status = Set(ComplaintStatus::Decided);
    row.outcome_reason = Set(Some(reason.clone()));
    row.founded = Set(Some(founded));
    row.decided_at = Set(Some(now));
    row.updated_at = Set(now);
    row.version = Set(c.version + 1);
    let updated = row.update(&txn).await?;
    close_deadlines(
        &txn,
        CaseKind::Complaint,
        c.id,
        None,
        DeadlineStatus::Met,
        now,
    )
    .await?;
    event(
        &txn,
        CaseKind::Complaint,
        c.id,
        c.subject_id,
        by,
        if founded { "founded" } else { "unfounded" },
        Some(reason),
        json!({ "founded": founded }),
        now,
    )
    .await?;
    notices::notify_subject(
        &txn,
        now,
        c.subject_id,
        NoticeKind::ComplaintDecided,
        NoticeFacts::new(CaseKind::Complaint, c.id, c.received_at, &record.title)
            .outcome(if founded {
                in_both(
                    "投诉成立，平台将督促纠正",
                    "founded: the platform will see that it is put right",
                )
            } else {
                in_both("投诉不成立", "not founded")
            })
            .params(),
        Some(link(CaseKind::Complaint, c.id)),
        None,
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::by(actor, "complaints.decide", "complaint", now, meta)
            .object_id(Some(c.id.to_string()))
            .subject(c.subject_id)
            .detail(json!({ "founded": founded })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn mine(state: &AppState, actor: &Actor) -> ServiceResult<Vec<complaint::Model>> {
    let ids = bound_subject_ids(&state.db, actor).await?;
    Ok(complaint::Entity::find()
        .filter(complaint::Column::SubjectId.is_in(ids))
        .order_by_desc(complaint::Column::Id)
        .all(&state.db)
        .await?)
}

/// Whether `actor` may see case `(kind, id)`.
pub async fn can_see_case(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    kind: CaseKind,
    id: i64,
) -> ServiceResult<bool> {
    match kind {
        CaseKind::Objection => match objection::Entity::find_by_id(id).one(conn).await? {
            Some(o) => super::can_see(conn, actor, &o).await,
            None => Ok(false),
        },
        CaseKind::Repair => match repair_application::Entity::find_by_id(id).one(conn).await? {
            Some(a) => super::can_see(conn, actor, &a).await,
            None => Ok(false),
        },
        CaseKind::Complaint => match complaint::Entity::find_by_id(id).one(conn).await? {
            Some(c) => super::can_see(conn, actor, &c).await,
            None => Ok(false),
        },
    }
}

// ---------------------------------------------------------------------------
// Queues

/// Most items one queue page may hold.
pub const MAX_QUEUE: u64 = 200;

/// The open deadlines `actor` must act on, soonest due first: a
/// department's referred objections and repair applications; for operators
/// every open deadline. `overdue_only` keeps those past due at `now`.
pub async fn queue(
    state: &AppState,
    actor: &Actor,
    overdue_only: bool,
    limit: u64,
) -> ServiceResult<Vec<deadline::Model>> {
    let limit = limit.clamp(1, MAX_QUEUE);
    let now = state.now();
    let mut q = deadline::Entity::find().filter(deadline::Column::Status.eq(DeadlineStatus::Open));
    if overdue_only {
        q = q.filter(deadline::Column::DueAt.lt(now));
    }
    if actor.is_operator() {
        return Ok(q
            .order_by_asc(deadline::Column::DueAt)
            .order_by_asc(deadline::Column::Id)
            .limit(limit)
            .all(&state.db)
            .await?);
    }
    let (_, dept) = super::staff(actor).map_err(|_| super::deny(actor))?;
    let objections: Vec<i64> = objection::Entity::find()
        .select_only()
        .column(objection::Column::Id)
        .filter(objection::Column::DepartmentId.eq(dept))
        .filter(objection::Column::Status.eq(ObjectionStatus::Referred))
        .into_tuple()
        .all(&state.db)
        .await?;
    let repairs: Vec<i64> = repair_application::Entity::find()
        .select_only()
        .column(repair_application::Column::Id)
        .filter(repair_application::Column::DepartmentId.eq(dept))
        .filter(repair_application::Column::Status.eq(RepairStatus::Received))
        .into_tuple()
        .all(&state.db)
        .await?;
    use sea_orm::Condition;
    let cond = Condition::any()
        .add(
            Condition::all()
                .add(deadline::Column::CaseKind.eq(CaseKind::Objection))
                .add(deadline::Column::CaseId.is_in(objections))
                .add(deadline::Column::Milestone.eq(milestone::PROVIDER_VERIFICATION)),
        )
        .add(
            Condition::all()
                .add(deadline::Column::CaseKind.eq(CaseKind::Repair))
                .add(deadline::Column::CaseId.is_in(repairs))
                .add(deadline::Column::Milestone.eq(milestone::REPAIR_DECISION)),
        );
    Ok(q.filter(cond)
        .order_by_asc(deadline::Column::DueAt)
        .order_by_asc(deadline::Column::Id)
        .limit(limit)
        .all(&state.db)
        .await?)
}

/// Adds evidence to an open case of the subject `actor` acts for.
pub async fn add_evidence(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    kind: CaseKind,
    id: i64,
    file: Upload,
) -> ServiceResult<entity::attachment::Model> {
    let account_id = super::subject_user(actor)?;
    let files = attachments::check(vec![file], "file")?;
    let now = state.now();
    let not_found = || ServiceError::invalid(&["input", "case"], "CASE_NOT_FOUND", "no such case");
    let (subject_id, open) = match kind {
        CaseKind::Objection => {
            let o = objection::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or_else(not_found)?;
            (
                o.subject_id,
                matches!(
                    o.status,
                    ObjectionStatus::Received | ObjectionStatus::Referred
                ),
            )
        }
        CaseKind::Repair => {
            let a = repair_application::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or_else(not_found)?;
            (a.subject_id, a.status == RepairStatus::Received)
        }
        CaseKind::Complaint => {
            let c = complaint::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or_else(not_found)?;
            (c.subject_id, c.status == ComplaintStatus::Received)
        }
    };
    if !super::bound(&state.db, actor, subject_id).await? {
        return Err(not_found());
    }
    if !open {
        return Err(case_not_open(&["input", "case"]));
    }
    attachments::store(state, &files).await?;
    let txn = begin_write(&state.db).await?;
    let rows = attachments::insert(&txn, &files, subject_id, account_id, kind, id, now).await?;
    let row = rows
        .into_iter()
        .next()
        .ok_or_else(|| ServiceError::Internal("no attachment row".into()))?;
    event(
        &txn,
        kind,
        id,
        subject_id,
        By::of(actor),
        "evidence_added",
        None,
        json!({ "attachmentId": row.id, "sha256": row.sha256 }),
        now,
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::by(actor, "cases.add_evidence", "attachment", now, meta)
            .object_id(Some(row.id.to_string()))
            .subject(subject_id),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}
