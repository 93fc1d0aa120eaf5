use std::sync::Arc;

use async_graphql::{ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{credit_record, record_category};

use super::view_enums::{
    ChangeKind, Disclosure, InfoClass, ListKind, RecordStatus, Severity, ViewLevel,
};
use super::{Department, Subject};
use crate::graphql::error::ApiResult;
use crate::graphql::node::{NodeType, decode_id_of, global_id};
use crate::service::views::{self, RecordView};
use crate::service::{ServiceError, catalogue};
use crate::state::AppState;

/// A credit record published by a department about a subject, as the
/// viewer may see it (`view` says which view that is).
#[derive(Clone)]
pub struct CreditRecord(pub Arc<RecordView>);

impl CreditRecord {
    pub fn new(view: RecordView) -> Self {
        CreditRecord(Arc::new(view))
    }

    /// Records a department or operator already holds in its own workflow
    /// (just submitted or withdrawn, an oversight list), in the government
    /// view, unlogged: see `service::views::provider_views`. The caller must
    /// have authorised the actor for these rows.
    pub async fn for_provider(
        state: &AppState,
        records: Vec<credit_record::Model>,
    ) -> ApiResult<Vec<CreditRecord>> {
        Ok(views::provider_views(state, records)
            .await?
            .into_iter()
            .map(CreditRecord::new)
            .collect())
    }
}

#[Object]
impl CreditRecord {
    pub async fn id(&self) -> ID {
        global_id(NodeType::CreditRecord, self.0.record.id)
    }
    /// Which view of the record the viewer has.
    async fn view(&self) -> ViewLevel {
        self.0.view.into()
    }
    /// The providing department's own reference.
    async fn source_ref(&self) -> &str {
        &self.0.record.source_ref
    }
    async fn title(&self) -> &str {
        &self.0.record.title
    }
    /// The catalogue category: information class, list, names.
    async fn category(&self) -> RecordCategory {
        RecordCategory(self.0.category.clone())
    }
    /// The department that provided the record (信息提供单位).
    async fn department(&self) -> Department {
        Department(self.0.department.as_ref().clone())
    }
    /// The subject the record is about, in the same view.
    async fn subject(&self) -> Subject {
        Subject(self.0.subject.clone())
    }
    /// Category-specific fields (see the category's content schema).
    async fn content(&self) -> Json<serde_json::Value> {
        Json(self.0.record.content.clone())
    }
    /// The legally effective document the record rests on.
    async fn legal_basis(&self) -> Option<LegalBasis> {
        let r = &self.0.record;
        let (doc_type, number) = (r.legal_basis_type.clone()?, r.legal_basis_number.clone()?);
        Some(LegalBasis {
            doc_type,
            number,
            issuer: r.legal_basis_issuer.clone(),
            effective_on: r.legal_basis_effective_on,
        })
    }
    async fn decided_on(&self) -> NaiveDate {
        self.0.record.decided_on
    }
    /// When the conduct or event ended (starts hint and warning windows).
    async fn conduct_ended_on(&self) -> Option<NaiveDate> {
        self.0.record.conduct_ended_on
    }
    /// Validity of a licence, honour or rating.
    async fn valid_until(&self) -> Option<NaiveDate> {
        self.0.record.valid_until
    }
    /// Severity of a penalty.
    async fn severity(&self) -> Option<Severity> {
        self.0.record.severity.map(Into::into)
    }
    /// The disclosure attribute (公开属性) the department gave the record.
    async fn disclosure(&self) -> Disclosure {
        self.0.record.disclosure.into()
    }
    async fn status(&self) -> RecordStatus {
        self.0.record.status.into()
    }
    /// Why the status last changed; the subject's and government views only.
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason()
    }
    /// The publication window and whether the public sees the record now.
    async fn publication(&self) -> Publication {
        let p = &self.0.publication;
        Publication {
            start: p.start,
            end: p.end,
            public_now: p.public_now,
            hidden_reason: p.hidden.as_ref().map(|h| HiddenReason {
                code: h.code.clone(),
                message_zh: h.message_zh.clone(),
                message_en: h.message_en.clone(),
            }),
        }
    }
    /// Version, starting at 1; each correction adds one.
    async fn version(&self) -> i32 {
        self.0.record.version
    }
    /// The record's history, oldest first: its creation (version 1), then
    /// every change; null in the public view.
    async fn revisions(&self) -> Option<Vec<RecordRevision>> {
        self.0
            .revisions
            .as_ref()
            .map(|rs| rs.iter().cloned().map(RecordRevision).collect())
    }
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.record.submitted_at
    }
    /// Submitted after the 双公示 deadline (7 working days from the decision).
    async fn late_submission(&self) -> bool {
        self.0.record.late_submission
    }
    /// Whether the subject can apply for credit repair, from when, and why
    /// (docs/cases.md); null in the public view.
    async fn repair_eligibility(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> ApiResult<Option<crate::graphql::cases::RepairEligibility>> {
        if self.0.view == views::View::Public {
            return Ok(None);
        }
        crate::graphql::cases::record_eligibility(ctx, &self.0.record, &self.0.category)
            .await
            .map(Some)
    }
}

/// The legally effective document a record rests on.
#[derive(SimpleObject, Clone)]
pub struct LegalBasis {
    /// e.g. 行政处罚决定书
    pub doc_type: String,
    /// e.g. 榕市监罚〔2025〕123号
    pub number: String,
    pub issuer: Option<String>,
    pub effective_on: Option<NaiveDate>,
}

/// A record's publication (公示) window and its standing with the public.
#[derive(SimpleObject, Clone)]
pub struct Publication {
    /// First day of publication (legal time zone, Asia/Shanghai).
    pub start: NaiveDate,
    /// Last day of publication, included; null when open-ended.
    pub end: Option<NaiveDate>,
    /// Whether the public sees the record right now.
    pub public_now: bool,
    /// Why the public does not see it; null when it does.
    pub hidden_reason: Option<HiddenReason>,
}

/// Why a record is hidden from the public.
#[derive(SimpleObject, Clone)]
pub struct HiddenReason {
    /// Stable code: NOT_YET_PUBLISHED, WINDOW_ENDED, UNDER_OBJECTION, REPAIRED,
    /// WITHDRAWN, DELETED, NATURAL_PERSON, GOVERNMENT_ONLY, CONSENT_REQUIRED.
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

/// One entry of a record's history: its creation or a change.
#[derive(Clone)]
pub struct RecordRevision(pub views::Revision);

#[Object]
impl RecordRevision {
    /// The record's version after this change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn change_kind(&self) -> ChangeKind {
        self.0.change_kind.into()
    }
    /// Why the change was made, as given by whoever made it.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A category of the record catalogue (信用信息目录). Public information.
#[derive(Clone)]
pub struct RecordCategory(pub Arc<record_category::Model>);

#[Object]
impl RecordCategory {
    /// Stable code, e.g. `administrative_penalty`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name_zh(&self) -> &str {
        &self.0.name_zh
    }
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }
    async fn info_class(&self) -> InfoClass {
        self.0.info_class.into()
    }
    /// The red or black list the category puts a subject on, if any.
    async fn list_kind(&self) -> ListKind {
        self.0.list_kind.into()
    }
    /// Published under 双公示 (administrative licences and penalties).
    async fn double_publicity(&self) -> bool {
        self.0.double_publicity
    }
    /// Whether the subject may apply for credit repair.
    async fn repairable(&self) -> bool {
        self.0.repairable
    }
    /// Whether a record must carry a `severity` (penalties: it picks the
    /// publication window).
    async fn severity_required(&self) -> bool {
        crate::service::catalogue::builtin_definition(&self.0.code)
            .is_some_and(|d| d.severity_required)
    }
    /// Whether a record must carry its `legalBasis` document: warning
    /// information and penalties (Measures Art. 18), as `submitRecords`
    /// checks.
    async fn legal_basis_required(&self) -> bool {
        domain::disclosure::legal_basis_required(
            crate::service::records::info_class(self.0.info_class),
            self.0.double_publicity,
            &self.0.code,
        )
    }
    /// The fields of a record's `content`, labelled in both languages,
    /// by key.
    async fn content_fields(&self) -> Vec<ContentField> {
        crate::service::catalogue::content_fields(&self.0.content_schema)
            .into_iter()
            .map(|f| ContentField {
                required: f.required,
                value_type: f.value_type.into(),
                max_length: f.max_length.and_then(|n| i32::try_from(n).ok()),
                minimum: f.minimum,
                key: f.key,
                title_zh: f.title_zh,
                title_en: f.title_en,
                values: f
                    .values
                    .into_iter()
                    .map(|v| ContentValueLabel {
                        value: v.value,
                        label_zh: v.label_zh,
                        label_en: v.label_en,
                    })
                    .collect(),
            })
            .collect()
    }
}

/// One field of a record's `content`, with its labels.
#[derive(SimpleObject)]
pub struct ContentField {
    /// The key in `content`, e.g. `violation_type`.
    pub key: String,
    pub title_zh: String,
    pub title_en: String,
    /// For a field with a fixed set of values: each value's labels.
    pub values: Vec<ContentValueLabel>,
    /// Whether every record of the category must give this field.
    pub required: bool,
    /// What the field's value is (JSON type in `content`).
    pub value_type: ContentValueType,
    /// Most characters a text field takes.
    pub max_length: Option<i32>,
    /// Smallest value a number field takes.
    pub minimum: Option<f64>,
}

/// The type of a content field's value.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentValueType {
    /// A JSON string (with `values`: one of them).
    Text,
    /// A JSON number.
    Number,
    /// A JSON number without a fraction.
    Integer,
    /// `true` or `false`.
    Boolean,
}

impl From<catalogue::ValueType> for ContentValueType {
    fn from(t: catalogue::ValueType) -> Self {
        match t {
            catalogue::ValueType::Text => ContentValueType::Text,
            catalogue::ValueType::Number => ContentValueType::Number,
            catalogue::ValueType::Integer => ContentValueType::Integer,
            catalogue::ValueType::Boolean => ContentValueType::Boolean,
        }
    }
}

/// A value of an enumerated content field and how to show it.
#[derive(SimpleObject)]
pub struct ContentValueLabel {
    pub value: String,
    pub label_zh: String,
    pub label_en: String,
}

/// Filters on a subject's records; every condition given must hold.
#[derive(InputObject, Default)]
pub struct RecordFilter {
    pub info_class: Option<InfoClass>,
    /// Category code, e.g. `administrative_penalty`.
    pub category: Option<String>,
    pub status: Option<RecordStatus>,
    /// A Department id.
    pub department: Option<ID>,
    /// Decided on or after this date.
    pub decided_from: Option<NaiveDate>,
    /// Decided on or before this date.
    pub decided_to: Option<NaiveDate>,
}

impl RecordFilter {
    pub fn into_service(self) -> ApiResult<views::RecordFilter> {
        let department_id = match self.department {
            Some(id) => Some(decode_id_of(&id, NodeType::Department).ok_or_else(|| {
                ServiceError::invalid(
                    &["filter", "department"],
                    "ID_INVALID",
                    "not a Department id",
                )
            })?),
            None => None,
        };
        Ok(views::RecordFilter {
            info_class: self.info_class.map(Into::into),
            category: self.category,
            status: self.status.map(Into::into),
            department_id,
            decided_from: self.decided_from,
            decided_to: self.decided_to,
        })
    }
}
