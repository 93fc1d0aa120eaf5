//! Objections, credit repair, complaints and their deadlines (docs/cases.md).
//!
//! Evidence is uploaded with the GraphQL multipart request specification
//! (`Upload` scalar): the files ride in the same `multipart/form-data` POST
//! to `/graphql` as the mutation that files the case, or later through
//! `addCaseEvidence`. Files are read back through `CaseAttachment.contentBase64`,
//! which only the parties of the case can resolve.

use std::io::Read;

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject, Upload};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums as e;
use entity::{
    attachment, case_event, complaint, credit_record, deadline, objection, repair_application,
};

use super::error::{ApiResult, Payload, UserError, into_payload};
use super::node::{NodeType, decode_id, decode_id_of, global_id};
use super::types::{RecordStatus, Severity};
use super::{actor, meta, state};
use crate::service::cases::attachments::{self, MAX_ATTACHMENT_BYTES};
use crate::service::cases::complaints::{self, About};
use crate::service::cases::objections::{self, Answer, FirstCheck, NewObjection};
use crate::service::cases::repairs::{self, Decision, NewApplication};
use crate::service::cases::{self, RecordPatch};
use crate::service::{ServiceError, ServiceResult};

// ---------------------------------------------------------------------------
// Ids

fn kind_name(k: e::CaseKind) -> &'static str {
    match k {
        e::CaseKind::Objection => "Objection",
        e::CaseKind::Repair => "RepairApplication",
        e::CaseKind::Complaint => "Complaint",
    }
}

fn node_type(k: e::CaseKind) -> NodeType {
    match k {
        e::CaseKind::Objection => NodeType::Objection,
        e::CaseKind::Repair => NodeType::RepairApplication,
        e::CaseKind::Complaint => NodeType::Complaint,
    }
}

/// Global id of a case (a Relay id: `node(id:)` resolves it).
pub fn case_id(k: e::CaseKind, id: i64) -> ID {
    global_id(node_type(k), id)
}

fn decode_case_any(id: &str) -> Option<(e::CaseKind, i64)> {
    match decode_id(id)? {
        (NodeType::Objection, n) => Some((e::CaseKind::Objection, n)),
        (NodeType::RepairApplication, n) => Some((e::CaseKind::Repair, n)),
        (NodeType::Complaint, n) => Some((e::CaseKind::Complaint, n)),
        _ => None,
    }
}

fn decode_case(id: &ID, k: e::CaseKind, field: &str) -> ServiceResult<i64> {
    decode_case_any(id)
        .filter(|(kind, _)| *kind == k)
        .map(|(_, n)| n)
        .ok_or_else(|| {
            ServiceError::invalid(
                &["input", field],
                "ID_INVALID",
                format!("not a {} id", kind_name(k)),
            )
        })
}

fn attachment_id(id: i64) -> ID {
    global_id(NodeType::CaseAttachment, id)
}

fn decode_record(id: &ID) -> ServiceResult<i64> {
    decode_id_of(id, NodeType::CreditRecord).ok_or_else(|| {
        ServiceError::invalid(&["input", "record"], "ID_INVALID", "not a CreditRecord id")
    })
}

/// Reads an uploaded file at the edge, refusing one over the size limit
/// without reading it all.
fn read_upload(
    ctx: &Context<'_>,
    up: &Upload,
    field: &[&str],
) -> ServiceResult<attachments::Upload> {
    let bad = |msg: String| ServiceError::invalid(field, "UPLOAD_INVALID", msg);
    let value = up
        .value(ctx)
        .map_err(|e| bad(format!("the file could not be read: {e}")))?;
    let file_name = value.filename.clone();
    let mut bytes = Vec::new();
    value
        .into_read()
        .take(MAX_ATTACHMENT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(format!("the file could not be read: {e}")))?;
    Ok(attachments::Upload { file_name, bytes })
}

fn read_uploads(
    ctx: &Context<'_>,
    ups: &[Upload],
    field: &str,
) -> ServiceResult<Vec<attachments::Upload>> {
    ups.iter()
        .enumerate()
        .map(|(i, u)| read_upload(ctx, u, &["input", field, &i.to_string()]))
        .collect()
}

// ---------------------------------------------------------------------------
// Enums

macro_rules! mirror {
    ($(#[$meta:meta])* $name:ident = $entity:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }
        impl From<e::$entity> for $name {
            fn from(v: e::$entity) -> Self { match v { $(e::$entity::$variant => $name::$variant),+ } }
        }
    };
}

mirror!(
    /// Which kind of case.
    CaseKind = CaseKind { Objection, Repair, Complaint }
);
mirror!(
    /// RECEIVED → (REFERRED →) DECIDED, or WITHDRAWN by the applicant.
    ObjectionStatus = ObjectionStatus { Received, Referred, Decided, Withdrawn }
);
mirror!(
    ObjectionOutcome = ObjectionOutcome {
        /// The providing department corrected the record.
        Corrected,
        /// The record could not be verified: deleted, reason recorded.
        DeletedUnverifiable,
        /// The record stands; it is disclosed again.
        Upheld,
        /// The department did not answer in time: the record is withdrawn from query.
        WithdrawnProviderSilent,
        /// The platform's own error, corrected at the first check.
        PlatformCorrected,
        /// The providing department withdrew the record while the objection
        /// was open (its decision revoked or annulled): nothing left to decide.
        RecordWithdrawn,
    }
);
mirror!(
    RepairStatus = RepairStatus {
        Received,
        Decided,
        Withdrawn
    }
);
mirror!(
    RepairOutcome = RepairOutcome {
        Approved,
        Rejected,
        /// The providing department withdrew the record while the
        /// application was open: the record is out of disclosure anyway.
        RecordWithdrawn,
    }
);
mirror!(
    ComplaintStatus = ComplaintStatus {
        Received,
        Decided,
        Withdrawn
    }
);
mirror!(
    /// OPEN until the milestone is done (MET), missed (MISSED) or no longer needed (CANCELLED).
    DeadlineStatus = DeadlineStatus { Open, Met, Missed, Cancelled }
);

/// Whether a record can be repaired.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EligibilityStatus {
    /// You can apply now.
    Eligible,
    /// You can apply from `eligibleFrom`.
    EligibleFrom,
    /// You cannot apply for this record.
    Never,
}

/// The objection grounds (Fujian Measures Art. 43).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectionReason {
    FactualError,
    Omission,
    Duplicate,
    ShouldNotBePublic,
    PastPublicationPeriod,
    WronglyListed,
    MismatchWithAuthority,
    OtherUnlawful,
}

impl ObjectionReason {
    fn code(self) -> &'static str {
        use domain::cases::ObjectionReason as R;
        match self {
            ObjectionReason::FactualError => R::FactualError.as_str(),
            ObjectionReason::Omission => R::Omission.as_str(),
            ObjectionReason::Duplicate => R::Duplicate.as_str(),
            ObjectionReason::ShouldNotBePublic => R::ShouldNotBePublic.as_str(),
            ObjectionReason::PastPublicationPeriod => R::PastPublicationPeriod.as_str(),
            ObjectionReason::WronglyListed => R::WronglyListed.as_str(),
            ObjectionReason::MismatchWithAuthority => R::MismatchWithAuthority.as_str(),
            ObjectionReason::OtherUnlawful => R::OtherUnlawful.as_str(),
        }
    }
}

// ---------------------------------------------------------------------------
// Objects

/// Repair eligibility of a record, explained.
#[derive(SimpleObject, Clone)]
pub struct RepairEligibility {
    pub status: EligibilityStatus,
    /// With ELIGIBLE_FROM: the first day you can apply.
    pub eligible_from: Option<NaiveDate>,
    pub reason_en: String,
    pub reason_zh: String,
    /// The rule that decided (e.g. `repair.min_period.general`), in the version
    /// in force when the record's clock started.
    pub rule_id: Option<String>,
    pub rule_source: Option<String>,
}

impl From<domain::cases::RepairEligibility> for RepairEligibility {
    fn from(r: domain::cases::RepairEligibility) -> Self {
        use domain::cases::Eligibility as E;
        let (status, eligible_from) = match r.eligibility {
            E::Eligible => (EligibilityStatus::Eligible, None),
            E::EligibleFrom(d) => (EligibilityStatus::EligibleFrom, Some(d)),
            E::Never => (EligibilityStatus::Never, None),
        };
        RepairEligibility {
            status,
            eligible_from,
            reason_en: r.reason_en,
            reason_zh: r.reason_zh,
            rule_id: r.rule_id,
            rule_source: r.rule_source,
        }
    }
}

/// `CreditRecord.repairEligibility`: the subject's own and the government
/// views only.
pub async fn record_eligibility(
    ctx: &Context<'_>,
    record: &credit_record::Model,
    category: &entity::record_category::Model,
) -> ApiResult<RepairEligibility> {
    let st = state(ctx);
    let today = domain::time::local_date(st.now());
    let r = repairs::eligibility(&st.db, &st.reference(), record, category, today).await?;
    Ok(r.into())
}

/// A statutory deadline of a case milestone.
#[derive(Clone)]
pub struct CaseDeadline(pub deadline::Model);

#[Object]
impl CaseDeadline {
    /// FIRST_CHECK milestones etc.: first_check, own_error_notify,
    /// provider_verification, applicant_notify, repair_decision, complaint_handling.
    async fn milestone(&self) -> &str {
        &self.0.milestone
    }
    /// The last day (Asia/Shanghai).
    async fn due_on(&self) -> NaiveDate {
        self.0.due_on
    }
    /// The end of the last day, as an instant.
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    /// The rule the period came from, e.g. `objection.first_check`.
    async fn rule_id(&self) -> &str {
        &self.0.rule_id
    }
    /// The rule's legal source.
    async fn rule_source(&self) -> &str {
        &self.0.rule_source
    }
    /// The period runs past the last calendar year loaded.
    async fn provisional(&self) -> bool {
        self.0.provisional
    }
    async fn status(&self) -> DeadlineStatus {
        self.0.status.into()
    }
    async fn met_at(&self) -> Option<DateTime<Utc>> {
        self.0.met_at
    }
    /// Past due (now, or when it was met).
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        countdown(ctx, &self.0).overdue
    }
    /// Working days left (0 = due today); negative: overdue by that many.
    async fn working_days_left(&self, ctx: &Context<'_>) -> i32 {
        let c = countdown(ctx, &self.0);
        let n = i32::try_from(c.working_days).unwrap_or(i32::MAX);
        if c.overdue { -n } else { n }
    }
    /// "3 working days left", "due today", "overdue by 2 working days".
    async fn countdown_en(&self, ctx: &Context<'_>) -> String {
        countdown(ctx, &self.0).describe_en()
    }
    /// "剩余3个工作日", "今日到期", "已逾期2个工作日".
    async fn countdown_zh(&self, ctx: &Context<'_>) -> String {
        countdown(ctx, &self.0).describe_zh()
    }
    /// The case the deadline belongs to.
    async fn case_kind(&self) -> CaseKind {
        self.0.case_kind.into()
    }
    async fn case_id(&self) -> ID {
        case_id(self.0.case_kind, self.0.case_id)
    }
}

fn countdown(ctx: &Context<'_>, d: &deadline::Model) -> domain::cases::Countdown {
    let st = state(ctx);
    cases::countdown_of(&st.reference(), d, st.now())
}

/// One step of a case's timeline.
#[derive(Clone)]
pub struct CaseEvent(pub case_event::Model);

#[Object]
impl CaseEvent {
    /// e.g. received, record_withheld, referred, upheld, corrected_by_department,
    /// deleted_unverifiable, withdrawn_provider_silent, applicant_notified,
    /// commitment_accepted, approved, rejected, withdrawn, evidence_added,
    /// reminder_sent, escalated.
    async fn event(&self) -> &str {
        &self.0.event
    }
    /// Who acted: ACCOUNT (the applicant), OPERATOR, DEPARTMENT or SYSTEM.
    async fn actor_kind(&self) -> &str {
        match self.0.actor_kind {
            e::ActorKind::Account => "ACCOUNT",
            e::ActorKind::AgencyClient => "AGENCY_CLIENT",
            e::ActorKind::Department => "DEPARTMENT",
            e::ActorKind::Operator => "OPERATOR",
            e::ActorKind::Public => "PUBLIC",
            e::ActorKind::System => "SYSTEM",
        }
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Facts of the step (ids, the accepted commitment's hash and text...).
    async fn data(&self) -> Json<serde_json::Value> {
        Json(self.0.data.clone())
    }
}

/// An evidence file of a case.
#[derive(Clone)]
pub struct CaseAttachment(pub attachment::Model);

#[Object]
impl CaseAttachment {
    pub async fn id(&self) -> ID {
        attachment_id(self.0.id)
    }
    /// The name given at upload (display only).
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// Judged from the content: application/pdf, image/jpeg or image/png.
    async fn media_type(&self) -> &str {
        &self.0.media_type
    }
    async fn size_bytes(&self) -> i64 {
        self.0.size_bytes
    }
    /// SHA-256 of the content, lower-case hex.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The content, base64 (standard alphabet), for the parties of the case.
    async fn content_base64(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let st = state(ctx);
        if !complaints::can_see_case(&st.db, actor(ctx), self.0.case_kind, self.0.case_id).await? {
            return Err(cases::deny(actor(ctx)).into());
        }
        let bytes = attachments::read(st, &self.0).await?;
        Ok(STANDARD.encode(bytes))
    }
}

/// The record a case is about.
#[derive(Clone)]
pub struct CaseRecord(pub credit_record::Model);

#[Object]
impl CaseRecord {
    /// The CreditRecord id.
    async fn id(&self) -> ID {
        global_id(NodeType::CreditRecord, self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn source_ref(&self) -> &str {
        &self.0.source_ref
    }
    async fn status(&self) -> RecordStatus {
        self.0.status.into()
    }
    async fn decided_on(&self) -> NaiveDate {
        self.0.decided_on
    }
    async fn severity(&self) -> Option<Severity> {
        self.0.severity.map(Into::into)
    }
    async fn content(&self) -> Json<serde_json::Value> {
        Json(self.0.content.clone())
    }
    async fn legal_basis_number(&self) -> Option<&str> {
        self.0.legal_basis_number.as_deref()
    }
}

async fn case_record(ctx: &Context<'_>, id: i64) -> ApiResult<Option<CaseRecord>> {
    Ok(credit_record::Entity::find_by_id(id)
        .one(&state(ctx).db)
        .await?
        .map(CaseRecord))
}

use sea_orm::EntityTrait;

async fn deadlines(ctx: &Context<'_>, k: e::CaseKind, id: i64) -> ApiResult<Vec<CaseDeadline>> {
    Ok(cases::deadlines_of(&state(ctx).db, k, id)
        .await?
        .into_iter()
        .map(CaseDeadline)
        .collect())
}

async fn timeline(ctx: &Context<'_>, k: e::CaseKind, id: i64) -> ApiResult<Vec<CaseEvent>> {
    Ok(cases::timeline(&state(ctx).db, k, id)
        .await?
        .into_iter()
        .map(CaseEvent)
        .collect())
}

async fn evidence(ctx: &Context<'_>, k: e::CaseKind, id: i64) -> ApiResult<Vec<CaseAttachment>> {
    Ok(attachments::of_case(&state(ctx).db, k, id)
        .await?
        .into_iter()
        .map(CaseAttachment)
        .collect())
}

/// An objection (异议) to a record.
#[derive(Clone)]
pub struct Objection(pub objection::Model);

#[Object]
impl Objection {
    pub async fn id(&self) -> ID {
        case_id(e::CaseKind::Objection, self.0.id)
    }
    async fn record(&self, ctx: &Context<'_>) -> ApiResult<Option<CaseRecord>> {
        case_record(ctx, self.0.record_id).await
    }
    /// The ground, as a code (see ObjectionReason).
    async fn reason(&self) -> &str {
        &self.0.reason_code
    }
    /// The ground, in Chinese.
    async fn reason_zh(&self) -> Option<&'static str> {
        domain::cases::ObjectionReason::parse(&self.0.reason_code).map(|r| r.name_zh())
    }
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    async fn status(&self) -> ObjectionStatus {
        self.0.status.into()
    }
    async fn outcome(&self) -> Option<ObjectionOutcome> {
        self.0.outcome.map(Into::into)
    }
    /// Why it was decided this way.
    async fn outcome_reason(&self) -> Option<&str> {
        self.0.outcome_reason.as_deref()
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    async fn referred_at(&self) -> Option<DateTime<Utc>> {
        self.0.referred_at
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// Every milestone's deadline, in order.
    async fn deadlines(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseDeadline>> {
        deadlines(ctx, e::CaseKind::Objection, self.0.id).await
    }
    /// Every step, oldest first.
    async fn timeline(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseEvent>> {
        timeline(ctx, e::CaseKind::Objection, self.0.id).await
    }
    async fn evidence(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseAttachment>> {
        evidence(ctx, e::CaseKind::Objection, self.0.id).await
    }
}

/// A credit repair application (信用修复申请).
#[derive(Clone)]
pub struct RepairApplication(pub repair_application::Model);

#[Object]
impl RepairApplication {
    pub async fn id(&self) -> ID {
        case_id(e::CaseKind::Repair, self.0.id)
    }
    async fn record(&self, ctx: &Context<'_>) -> ApiResult<Option<CaseRecord>> {
        case_record(ctx, self.0.record_id).await
    }
    async fn status(&self) -> RepairStatus {
        self.0.status.into()
    }
    async fn outcome(&self) -> Option<RepairOutcome> {
        self.0.outcome.map(Into::into)
    }
    async fn statement(&self) -> Option<&str> {
        self.0.statement.as_deref()
    }
    /// SHA-256 of the commitment text accepted.
    async fn commitment_sha256(&self) -> &str {
        &self.0.commitment_text_hash
    }
    /// Who accepted the commitment for the subject.
    async fn commitment_accepted_by(&self) -> &str {
        &self.0.commitment_accepted_by
    }
    async fn commitment_accepted_at(&self) -> DateTime<Utc> {
        self.0.commitment_accepted_at
    }
    /// On rejection: the reasons, then how to apply again.
    async fn decision_reason(&self) -> Option<&str> {
        self.0.decision_reason.as_deref()
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    async fn deadlines(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseDeadline>> {
        deadlines(ctx, e::CaseKind::Repair, self.0.id).await
    }
    async fn timeline(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseEvent>> {
        timeline(ctx, e::CaseKind::Repair, self.0.id).await
    }
    /// Proof that the obligations are fulfilled.
    async fn evidence(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseAttachment>> {
        evidence(ctx, e::CaseKind::Repair, self.0.id).await
    }
}

/// A complaint to the operator about how a case was handled.
#[derive(Clone)]
pub struct Complaint(pub complaint::Model);

#[Object]
impl Complaint {
    pub async fn id(&self) -> ID {
        case_id(e::CaseKind::Complaint, self.0.id)
    }
    /// The objection complained about.
    async fn objection_id(&self) -> Option<ID> {
        self.0
            .objection_id
            .map(|i| case_id(e::CaseKind::Objection, i))
    }
    /// The repair application complained about.
    async fn repair_application_id(&self) -> Option<ID> {
        self.0
            .repair_application_id
            .map(|i| case_id(e::CaseKind::Repair, i))
    }
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    async fn status(&self) -> ComplaintStatus {
        self.0.status.into()
    }
    async fn outcome_reason(&self) -> Option<&str> {
        self.0.outcome_reason.as_deref()
    }
    /// The platform's answer: whether the complaint is founded (the case
    /// complained about will be put right); null until answered.
    async fn founded(&self) -> Option<bool> {
        self.0.founded
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    async fn deadlines(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseDeadline>> {
        deadlines(ctx, e::CaseKind::Complaint, self.0.id).await
    }
    async fn timeline(&self, ctx: &Context<'_>) -> ApiResult<Vec<CaseEvent>> {
        timeline(ctx, e::CaseKind::Complaint, self.0.id).await
    }
}

/// `node(id:)` for a case or an evidence file: the same visibility as
/// `objection(id:)` and its siblings (null for anyone not a party).
pub(super) async fn node(
    ctx: &Context<'_>,
    t: NodeType,
    id: i64,
) -> ApiResult<Option<super::node::Node>> {
    use super::node::Node;
    let (st, a) = (state(ctx), actor(ctx));
    Ok(match t {
        NodeType::Objection => cases::get::<entity::objection::Model>(st, a, id)
            .await?
            .map(|m| Node::Objection(Objection(m))),
        NodeType::RepairApplication => cases::get::<entity::repair_application::Model>(st, a, id)
            .await?
            .map(|m| Node::RepairApplication(RepairApplication(m))),
        NodeType::Complaint => cases::get::<entity::complaint::Model>(st, a, id)
            .await?
            .map(|m| Node::Complaint(Complaint(m))),
        NodeType::CaseAttachment => attachments::get(st, a, id)
            .await?
            .map(|m| Node::CaseAttachment(CaseAttachment(m))),
        _ => None,
    })
}

/// A signed-in subject user's cases.
#[derive(SimpleObject)]
pub struct MyCases {
    pub objections: Vec<Objection>,
    pub repair_applications: Vec<RepairApplication>,
    pub complaints: Vec<Complaint>,
}

/// The credit commitment letter to accept when applying for repair.
#[derive(SimpleObject)]
pub struct CommitmentLetter {
    pub text: String,
    /// Pass this back as `commitmentSha256` to accept exactly this text.
    pub sha256: String,
}

/// One item of a handler's queue: the open milestone and its case.
#[derive(Clone)]
pub struct CaseQueueItem(pub deadline::Model);

#[Object]
impl CaseQueueItem {
    async fn deadline(&self) -> CaseDeadline {
        CaseDeadline(self.0.clone())
    }
    async fn case_kind(&self) -> CaseKind {
        self.0.case_kind.into()
    }
    async fn objection(&self, ctx: &Context<'_>) -> ApiResult<Option<Objection>> {
        if self.0.case_kind != e::CaseKind::Objection {
            return Ok(None);
        }
        Ok(
            cases::get::<entity::objection::Model>(state(ctx), actor(ctx), self.0.case_id)
                .await?
                .map(Objection),
        )
    }
    async fn repair_application(&self, ctx: &Context<'_>) -> ApiResult<Option<RepairApplication>> {
        if self.0.case_kind != e::CaseKind::Repair {
            return Ok(None);
        }
        Ok(
            cases::get::<entity::repair_application::Model>(state(ctx), actor(ctx), self.0.case_id)
                .await?
                .map(RepairApplication),
        )
    }
    async fn complaint(&self, ctx: &Context<'_>) -> ApiResult<Option<Complaint>> {
        if self.0.case_kind != e::CaseKind::Complaint {
            return Ok(None);
        }
        Ok(
            cases::get::<entity::complaint::Model>(state(ctx), actor(ctx), self.0.case_id)
                .await?
                .map(Complaint),
        )
    }
}

// ---------------------------------------------------------------------------
// Queries

#[derive(Default)]
pub struct CaseQueries;

#[Object]
impl CaseQueries {
    /// The cases of the subjects you act for (subject users).
    async fn my_cases(&self, ctx: &Context<'_>) -> ApiResult<MyCases> {
        let (st, a) = (state(ctx), actor(ctx));
        cases::subject_user(a)?;
        Ok(MyCases {
            objections: objections::mine(st, a)
                .await?
                .into_iter()
                .map(Objection)
                .collect(),
            repair_applications: repairs::mine(st, a)
                .await?
                .into_iter()
                .map(RepairApplication)
                .collect(),
            complaints: complaints::mine(st, a)
                .await?
                .into_iter()
                .map(Complaint)
                .collect(),
        })
    }

    /// An objection, if you are a party to it (else null).
    async fn objection(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Objection>> {
        let Ok(n) = decode_case(&id, e::CaseKind::Objection, "id") else {
            return Ok(None);
        };
        Ok(
            cases::get::<entity::objection::Model>(state(ctx), actor(ctx), n)
                .await?
                .map(Objection),
        )
    }

    /// A repair application, if you are a party to it (else null).
    async fn repair_application(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<RepairApplication>> {
        let Ok(n) = decode_case(&id, e::CaseKind::Repair, "id") else {
            return Ok(None);
        };
        Ok(
            cases::get::<entity::repair_application::Model>(state(ctx), actor(ctx), n)
                .await?
                .map(RepairApplication),
        )
    }

    /// A complaint, if you are a party to it (else null).
    async fn complaint(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Complaint>> {
        let Ok(n) = decode_case(&id, e::CaseKind::Complaint, "id") else {
            return Ok(None);
        };
        Ok(
            cases::get::<entity::complaint::Model>(state(ctx), actor(ctx), n)
                .await?
                .map(Complaint),
        )
    }

    /// Your queue, soonest due first: department staff see their
    /// department's referred objections and repair applications; operators
    /// every open milestone. `overdueOnly` keeps those past due.
    async fn case_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50, validator(minimum = 1, maximum = 200))] first: i32,
        #[graphql(default = false)] overdue_only: bool,
    ) -> ApiResult<Vec<CaseQueueItem>> {
        let limit = u64::try_from(first).unwrap_or(50);
        Ok(
            complaints::queue(state(ctx), actor(ctx), overdue_only, limit)
                .await?
                .into_iter()
                .map(CaseQueueItem)
                .collect(),
        )
    }

    /// The credit commitment letter for one of your records, generated today.
    async fn repair_commitment_letter(
        &self,
        ctx: &Context<'_>,
        record: ID,
    ) -> ApiResult<CommitmentLetter> {
        let id = decode_record(&record)?;
        let l = repairs::letter(state(ctx), actor(ctx), id).await?;
        Ok(CommitmentLetter {
            text: l.text,
            sha256: l.sha256,
        })
    }
}

// ---------------------------------------------------------------------------
// Mutations

macro_rules! payload {
    ($(#[$meta:meta])* $name:ident { $field:ident : $ty:ty }) => {
        $(#[$meta])*
        #[derive(SimpleObject, Default)]
        pub struct $name {
            pub $field: Option<$ty>,
            pub user_errors: Vec<UserError>,
        }
        impl Payload for $name {
            fn from_user_errors(user_errors: Vec<UserError>) -> Self {
                $name { user_errors, ..Default::default() }
            }
        }
    };
}

payload!(ObjectionPayload {
    objection: Objection
});
payload!(RepairApplicationPayload {
    application: RepairApplication
});
payload!(ComplaintPayload {
    complaint: Complaint
});
payload!(AddCaseEvidencePayload {
    attachment: CaseAttachment
});

#[derive(InputObject)]
pub struct FileObjectionInput {
    /// The CreditRecord id of one of your records.
    pub record: ID,
    pub reason: ObjectionReason,
    /// What is wrong, and what it should say (1 to 5000 characters).
    pub statement: String,
    /// PDF, JPEG or PNG, at most 1 MiB each, at most 5 (multipart request).
    #[graphql(default)]
    pub evidence: Vec<Upload>,
}

/// What a correction makes the record read.
#[derive(InputObject)]
pub struct RecordCorrectionInput {
    pub title: Option<String>,
    pub content: Option<Json<serde_json::Value>>,
}

impl RecordCorrectionInput {
    fn into_patch(self) -> ServiceResult<RecordPatch> {
        let title = match self.title.map(|t| t.trim().to_string()) {
            Some(t) if t.is_empty() || t.chars().count() > 500 => {
                return Err(ServiceError::invalid(
                    &["input", "correction", "title"],
                    "TITLE_INVALID",
                    "1 to 500 characters",
                ));
            }
            t => t,
        };
        let content = match self.content.map(|c| c.0) {
            Some(c) if !c.is_object() => {
                return Err(ServiceError::invalid(
                    &["input", "correction", "content"],
                    "CONTENT_NOT_OBJECT",
                    "the content is a JSON object",
                ));
            }
            c => c,
        };
        Ok(RecordPatch { title, content })
    }
}

/// The platform's first check of an objection.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstCheckDecision {
    /// The platform's own error: corrected at once (give `correction` and `note`).
    OwnError,
    /// Refer to the providing department for verification (20 working days).
    Refer,
}

#[derive(InputObject)]
pub struct CheckObjectionInput {
    pub objection: ID,
    pub decision: FirstCheckDecision,
    pub correction: Option<RecordCorrectionInput>,
    pub note: Option<String>,
}

/// The providing department's answer.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectionAnswer {
    /// The record was wrong: corrected as `correction` says.
    Correct,
    /// Its truth cannot be verified: deleted, with the reason.
    DeleteUnverifiable,
    /// The record is right: it stands and is disclosed again.
    Uphold,
}

#[derive(InputObject)]
pub struct DecideObjectionInput {
    pub objection: ID,
    pub answer: ObjectionAnswer,
    pub correction: Option<RecordCorrectionInput>,
    /// The reasons, told to the applicant.
    pub reason: String,
}

#[derive(InputObject)]
pub struct WithdrawCaseInput {
    pub id: ID,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct ApplyForRepairInput {
    /// The CreditRecord id of one of your records.
    pub record: ID,
    /// `repairCommitmentLetter.sha256`: accepts exactly that text.
    pub commitment_sha256: String,
    /// The legal representative or authorised agent accepting the commitment.
    pub accepted_by: String,
    pub statement: Option<String>,
    /// Proof that the obligations are fulfilled: PDF, JPEG or PNG (multipart request).
    pub proofs: Vec<Upload>,
}

#[derive(InputObject)]
pub struct DecideRepairInput {
    pub application: ID,
    pub approve: bool,
    /// Required when rejecting: the reasons.
    pub reason: Option<String>,
    /// Required when rejecting: what to do before applying again.
    pub how_to_reapply: Option<String>,
}

#[derive(InputObject)]
pub struct FileComplaintInput {
    /// The Objection or RepairApplication id complained about.
    pub case: ID,
    pub statement: String,
}

#[derive(InputObject)]
pub struct DecideComplaintInput {
    pub complaint: ID,
    /// Whether the complaint is founded.
    pub founded: bool,
    pub reason: String,
}

#[derive(InputObject)]
pub struct AddCaseEvidenceInput {
    /// An Objection, RepairApplication or Complaint id of yours, still open.
    pub case: ID,
    pub file: Upload,
}

#[derive(Default)]
pub struct CaseMutations;

#[Object]
impl CaseMutations {
    /// Files an objection to one of your records; the record is withheld
    /// from everyone else at once.
    async fn file_objection(
        &self,
        ctx: &Context<'_>,
        input: FileObjectionInput,
    ) -> ApiResult<ObjectionPayload> {
        let r = async {
            let evidence = read_uploads(ctx, &input.evidence, "evidence")?;
            let record_id = decode_record(&input.record)?;
            objections::file(
                state(ctx),
                actor(ctx),
                meta(ctx),
                NewObjection {
                    record_id,
                    reason: input.reason.code().to_string(),
                    statement: input.statement,
                    evidence,
                },
            )
            .await
        }
        .await;
        into_payload(r.map(|o| ObjectionPayload {
            objection: Some(Objection(o)),
            user_errors: vec![],
        }))
    }

    /// The platform's first check (operators).
    async fn check_objection(
        &self,
        ctx: &Context<'_>,
        input: CheckObjectionInput,
    ) -> ApiResult<ObjectionPayload> {
        let r = async {
            let id = decode_case(&input.objection, e::CaseKind::Objection, "objection")?;
            let decision = match input.decision {
                FirstCheckDecision::OwnError => FirstCheck::OwnError {
                    patch: match input.correction {
                        Some(c) => c.into_patch()?,
                        None => RecordPatch::default(),
                    },
                    note: input.note.unwrap_or_default(),
                },
                FirstCheckDecision::Refer => FirstCheck::Refer { note: input.note },
            };
            objections::first_check(state(ctx), actor(ctx), meta(ctx), id, decision).await
        }
        .await;
        into_payload(r.map(|o| ObjectionPayload {
            objection: Some(Objection(o)),
            user_errors: vec![],
        }))
    }

    /// The providing department's answer to a referred objection (its staff).
    async fn decide_objection(
        &self,
        ctx: &Context<'_>,
        input: DecideObjectionInput,
    ) -> ApiResult<ObjectionPayload> {
        let r = async {
            let id = decode_case(&input.objection, e::CaseKind::Objection, "objection")?;
            let answer = match input.answer {
                ObjectionAnswer::Correct => Answer::Correct {
                    patch: match input.correction {
                        Some(c) => c.into_patch()?,
                        None => RecordPatch::default(),
                    },
                    reason: input.reason,
                },
                ObjectionAnswer::DeleteUnverifiable => Answer::DeleteUnverifiable {
                    reason: input.reason,
                },
                ObjectionAnswer::Uphold => Answer::Uphold {
                    reason: input.reason,
                },
            };
            objections::decide(state(ctx), actor(ctx), meta(ctx), id, answer).await
        }
        .await;
        into_payload(r.map(|o| ObjectionPayload {
            objection: Some(Objection(o)),
            user_errors: vec![],
        }))
    }

    /// Withdraws your objection before it is decided; the record is disclosed again.
    async fn withdraw_objection(
        &self,
        ctx: &Context<'_>,
        input: WithdrawCaseInput,
    ) -> ApiResult<ObjectionPayload> {
        let r = async {
            let id = decode_case(&input.id, e::CaseKind::Objection, "id")?;
            objections::withdraw(state(ctx), actor(ctx), meta(ctx), id, input.note).await
        }
        .await;
        into_payload(r.map(|o| ObjectionPayload {
            objection: Some(Objection(o)),
            user_errors: vec![],
        }))
    }

    /// Applies for credit repair of one of your records.
    async fn apply_for_repair(
        &self,
        ctx: &Context<'_>,
        input: ApplyForRepairInput,
    ) -> ApiResult<RepairApplicationPayload> {
        let r = async {
            let proofs = read_uploads(ctx, &input.proofs, "proofs")?;
            let record_id = decode_record(&input.record)?;
            repairs::apply(
                state(ctx),
                actor(ctx),
                meta(ctx),
                NewApplication {
                    record_id,
                    commitment_sha256: input.commitment_sha256,
                    accepted_by: input.accepted_by,
                    statement: input.statement,
                    proofs,
                },
            )
            .await
        }
        .await;
        into_payload(r.map(|a| RepairApplicationPayload {
            application: Some(RepairApplication(a)),
            user_errors: vec![],
        }))
    }

    /// The deciding department's decision (its staff).
    async fn decide_repair_application(
        &self,
        ctx: &Context<'_>,
        input: DecideRepairInput,
    ) -> ApiResult<RepairApplicationPayload> {
        let r = async {
            let id = decode_case(&input.application, e::CaseKind::Repair, "application")?;
            let decision = if input.approve {
                Decision::Approve { note: input.reason }
            } else {
                Decision::Reject {
                    reason: input.reason.unwrap_or_default(),
                    how_to_reapply: input.how_to_reapply.unwrap_or_default(),
                }
            };
            repairs::decide(state(ctx), actor(ctx), meta(ctx), id, decision).await
        }
        .await;
        into_payload(r.map(|a| RepairApplicationPayload {
            application: Some(RepairApplication(a)),
            user_errors: vec![],
        }))
    }

    /// Withdraws your repair application before it is decided.
    async fn withdraw_repair_application(
        &self,
        ctx: &Context<'_>,
        input: WithdrawCaseInput,
    ) -> ApiResult<RepairApplicationPayload> {
        let r = async {
            let id = decode_case(&input.id, e::CaseKind::Repair, "id")?;
            repairs::withdraw(state(ctx), actor(ctx), meta(ctx), id, input.note).await
        }
        .await;
        into_payload(r.map(|a| RepairApplicationPayload {
            application: Some(RepairApplication(a)),
            user_errors: vec![],
        }))
    }

    /// Complains to the operator about an objection upheld against you or a
    /// rejected repair application.
    async fn file_complaint(
        &self,
        ctx: &Context<'_>,
        input: FileComplaintInput,
    ) -> ApiResult<ComplaintPayload> {
        let r = async {
            let about = match decode_case_any(&input.case) {
                Some((e::CaseKind::Objection, n)) => About::Objection(n),
                Some((e::CaseKind::Repair, n)) => About::Repair(n),
                _ => {
                    return Err(ServiceError::invalid(
                        &["input", "case"],
                        "ID_INVALID",
                        "not an Objection or RepairApplication id",
                    ));
                }
            };
            complaints::file(state(ctx), actor(ctx), meta(ctx), about, input.statement).await
        }
        .await;
        into_payload(r.map(|c| ComplaintPayload {
            complaint: Some(Complaint(c)),
            user_errors: vec![],
        }))
    }

    /// The operator's answer to a complaint.
    async fn decide_complaint(
        &self,
        ctx: &Context<'_>,
        input: DecideComplaintInput,
    ) -> ApiResult<ComplaintPayload> {
        let r = async {
            let id = decode_case(&input.complaint, e::CaseKind::Complaint, "complaint")?;
            complaints::decide(
                state(ctx),
                actor(ctx),
                meta(ctx),
                id,
                input.founded,
                input.reason,
            )
            .await
        }
        .await;
        into_payload(r.map(|c| ComplaintPayload {
            complaint: Some(Complaint(c)),
            user_errors: vec![],
        }))
    }

    /// Adds one evidence file to an open case of yours (multipart request).
    async fn add_case_evidence(
        &self,
        ctx: &Context<'_>,
        input: AddCaseEvidenceInput,
    ) -> ApiResult<AddCaseEvidencePayload> {
        let r = async {
            let (kind, id) = decode_case_any(&input.case).ok_or_else(|| {
                ServiceError::invalid(&["input", "case"], "ID_INVALID", "not a case id")
            })?;
            let file = read_upload(ctx, &input.file, &["input", "file"])?;
            complaints::add_evidence(state(ctx), actor(ctx), meta(ctx), kind, id, file).await
        }
        .await;
        into_payload(r.map(|a| AddCaseEvidencePayload {
            attachment: Some(CaseAttachment(a)),
            user_errors: vec![],
        }))
    }
}
