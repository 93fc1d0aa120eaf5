//! Departments' record mutations (submit, correct, withdraw) and the
//! operator's view of late 双公示 submissions.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::NaiveDate;
use entity::enums as e;

use super::error::{ApiResult, Payload, UserError, into_payload};
use super::node::{NodeType, decode_cursor, decode_id_of, encode_cursor};
use super::types::CreditRecord;
use super::{actor, meta, state};
use crate::service::records::{self, ItemOutcome, LegalBasis, RecordSubmission, Submitter};
use std::sync::Arc;

use crate::service::{ServiceError, department_records, views};

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectKindInput {
    Enterprise,
    SocialOrg,
    PublicInstitution,
    IndividualBusiness,
    NaturalPerson,
    GovernmentBody,
}

impl From<SubjectKindInput> for e::SubjectKind {
    fn from(k: SubjectKindInput) -> Self {
        match k {
            SubjectKindInput::Enterprise => e::SubjectKind::Enterprise,
            SubjectKindInput::SocialOrg => e::SubjectKind::SocialOrg,
            SubjectKindInput::PublicInstitution => e::SubjectKind::PublicInstitution,
            SubjectKindInput::IndividualBusiness => e::SubjectKind::IndividualBusiness,
            SubjectKindInput::NaturalPerson => e::SubjectKind::NaturalPerson,
            SubjectKindInput::GovernmentBody => e::SubjectKind::GovernmentBody,
        }
    }
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeverityInput {
    /// 轻微
    Minor,
    /// 一般
    General,
    /// 严重
    Serious,
}

impl From<SeverityInput> for e::Severity {
    fn from(s: SeverityInput) -> Self {
        match s {
            SeverityInput::Minor => e::Severity::Minor,
            SeverityInput::General => e::Severity::General,
            SeverityInput::Serious => e::Severity::Serious,
        }
    }
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisclosureInput {
    /// 社会公开
    Public,
    /// 授权查询
    Authorized,
    /// 政务共享
    Government,
}

impl From<DisclosureInput> for e::Disclosure {
    fn from(d: DisclosureInput) -> Self {
        match d {
            DisclosureInput::Public => e::Disclosure::Public,
            DisclosureInput::Authorized => e::Disclosure::Authorized,
            DisclosureInput::Government => e::Disclosure::Government,
        }
    }
}

/// The document a decision rests on.
#[derive(InputObject)]
pub struct LegalBasisInput {
    /// e.g. 行政处罚决定书
    pub doc_type: String,
    /// e.g. 榕市监罚〔2025〕123号
    pub number: String,
    pub issuer: String,
    pub effective_on: NaiveDate,
}

/// One credit record from a department.
#[derive(InputObject)]
pub struct RecordInput {
    /// Your own reference of the record; sending the same sourceRef again is
    /// idempotent (same payload) or a correction (changed payload + reason).
    pub source_ref: String,
    /// Category code, e.g. `administrative_penalty` (docs/catalogue.md).
    pub category: String,
    /// USCC, or resident ID number for a natural person.
    pub subject_identifier: String,
    pub subject_name: String,
    pub subject_kind: Option<SubjectKindInput>,
    pub title: String,
    /// The category's fields (its schema is in docs/catalogue.md).
    pub content: Json<serde_json::Value>,
    /// Required for warning information and penalties.
    pub legal_basis: Option<LegalBasisInput>,
    pub decided_on: NaiveDate,
    pub conduct_ended_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub severity: Option<SeverityInput>,
    /// Required. Natural persons' records cannot be PUBLIC.
    pub disclosure: Option<DisclosureInput>,
    /// A publication end within the rule's bounds (penalties); default: the maximum.
    pub disclosure_end: Option<NaiveDate>,
    /// Required when the record changes.
    pub correction_reason: Option<String>,
}

impl From<RecordInput> for RecordSubmission {
    fn from(r: RecordInput) -> Self {
        RecordSubmission {
            source_ref: r.source_ref,
            category: r.category,
            subject_identifier: r.subject_identifier,
            subject_name: r.subject_name,
            subject_kind: r.subject_kind.map(Into::into),
            title: r.title,
            content: r.content.0,
            legal_basis: r.legal_basis.map(|b| LegalBasis {
                doc_type: b.doc_type,
                number: b.number,
                issuer: b.issuer,
                effective_on: b.effective_on,
            }),
            decided_on: r.decided_on,
            conduct_ended_on: r.conduct_ended_on,
            valid_until: r.valid_until,
            severity: r.severity.map(Into::into),
            disclosure: r.disclosure.map(Into::into),
            disclosure_end: r.disclosure_end,
            correction_reason: r.correction_reason,
        }
    }
}

#[derive(InputObject)]
pub struct SubmitRecordsInput {
    /// At most 1,000 records.
    pub records: Vec<RecordInput>,
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubmitStatus {
    /// A new record.
    Accepted,
    /// The same payload as before: nothing changed.
    Unchanged,
    /// A changed payload with a reason: a new version and a revision.
    Corrected,
    /// Nothing was written for this item; see `userErrors`.
    Rejected,
}

/// What happened to one submitted record, in input order.
#[derive(SimpleObject)]
pub struct SubmitRecordResult {
    /// Position in `input.records`.
    pub index: i32,
    pub source_ref: String,
    pub status: SubmitStatus,
    /// The record (null when rejected).
    pub record_id: Option<ID>,
    pub version: Option<i32>,
    /// Field paths point into `input.records[index]`.
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject, Default)]
pub struct SubmitRecordsPayload {
    pub results: Vec<SubmitRecordResult>,
    pub accepted: i32,
    pub unchanged: i32,
    pub corrected: i32,
    pub rejected: i32,
    /// Problems with the call as a whole (e.g. too many records).
    pub user_errors: Vec<UserError>,
}

impl Payload for SubmitRecordsPayload {
    fn from_user_errors(user_errors: Vec<UserError>) -> Self {
        SubmitRecordsPayload {
            user_errors,
            ..Default::default()
        }
    }
}

#[derive(InputObject)]
pub struct WithdrawRecordInput {
    pub source_ref: String,
    /// Why: e.g. the decision was revoked or annulled.
    pub reason: String,
}

#[derive(SimpleObject, Default)]
pub struct WithdrawRecordPayload {
    pub record: Option<CreditRecord>,
    pub user_errors: Vec<UserError>,
}

impl Payload for WithdrawRecordPayload {
    fn from_user_errors(user_errors: Vec<UserError>) -> Self {
        WithdrawRecordPayload {
            user_errors,
            ..Default::default()
        }
    }
}

#[derive(Default)]
pub struct RecordMutations;

#[Object]
impl RecordMutations {
    /// Submits up to 1,000 records (department staff, or a department client
    /// with scope `records:write`). Each record is answered separately; one
    /// bad record never loses the good ones.
    async fn submit_records(
        &self,
        ctx: &Context<'_>,
        input: SubmitRecordsInput,
    ) -> ApiResult<SubmitRecordsPayload> {
        let submitter = Submitter::from_actor(actor(ctx))?;
        let refs: Vec<String> = input.records.iter().map(|r| r.source_ref.clone()).collect();
        let items: Vec<RecordSubmission> = input.records.into_iter().map(Into::into).collect();
        let result = records::submit_records(state(ctx), &submitter, meta(ctx), items).await;
        into_payload(result.map(|outcomes| summarise(outcomes, refs)))
    }

    /// Withdraws a record of your department at once (revoked or annulled
    /// decision). It leaves disclosure immediately and stays archived.
    async fn withdraw_record(
        &self,
        ctx: &Context<'_>,
        input: WithdrawRecordInput,
    ) -> ApiResult<WithdrawRecordPayload> {
        let submitter = Submitter::from_actor(actor(ctx))?;
        let r = records::withdraw_record(
            state(ctx),
            &submitter,
            meta(ctx),
            &input.source_ref,
            &input.reason,
        )
        .await;
        let r = match r {
            Ok(m) => views::provider_views(state(ctx), vec![m]).await,
            Err(e) => Err(e),
        };
        into_payload(r.map(|v| WithdrawRecordPayload {
            record: v.into_iter().next().map(|v| CreditRecord(Arc::new(v))),
            user_errors: vec![],
        }))
    }
}

fn summarise(outcomes: Vec<ItemOutcome>, refs: Vec<String>) -> SubmitRecordsPayload {
    let mut p = SubmitRecordsPayload::default();
    for (i, (o, source_ref)) in outcomes.into_iter().zip(refs).enumerate() {
        let id = |n: i64| Some(super::node::global_id(NodeType::CreditRecord, n));
        let (status, record_id, version, user_errors) = match o {
            ItemOutcome::Accepted { record_id } => {
                (SubmitStatus::Accepted, id(record_id), Some(1), vec![])
            }
            ItemOutcome::Unchanged { record_id } => {
                (SubmitStatus::Unchanged, id(record_id), None, vec![])
            }
            ItemOutcome::Corrected { record_id, version } => (
                SubmitStatus::Corrected,
                id(record_id),
                Some(version),
                vec![],
            ),
            ItemOutcome::Rejected { errors } => (
                SubmitStatus::Rejected,
                None,
                None,
                errors.into_iter().map(UserError::from).collect(),
            ),
        };
        match status {
            SubmitStatus::Accepted => p.accepted += 1,
            SubmitStatus::Unchanged => p.unchanged += 1,
            SubmitStatus::Corrected => p.corrected += 1,
            SubmitStatus::Rejected => p.rejected += 1,
        }
        p.results.push(SubmitRecordResult {
            index: i as i32,
            source_ref,
            status,
            record_id,
            version,
            user_errors,
        });
    }
    p
}

#[derive(Default)]
pub struct RecordOperatorQueries;

#[Object]
impl RecordOperatorQueries {
    /// Licences and penalties submitted later than 7 working days after the
    /// decision (双公示, seed 002 l.951), newest first. Operators only.
    async fn late_submissions(
        &self,
        ctx: &Context<'_>,
        department: Option<ID>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: i32,
        after: Option<String>,
    ) -> ApiResult<Connection<String, CreditRecord, EmptyFields, EmptyFields>> {
        let department_id = match department {
            Some(id) => Some(decode_id_of(&id, NodeType::Department).ok_or_else(|| {
                ServiceError::invalid(&["department"], "ID_INVALID", "not a Department id")
            })?),
            None => None,
        };
        let after_id = match after {
            Some(c) => Some(decode_cursor(&c).ok_or_else(|| {
                ServiceError::invalid(
                    &["after"],
                    "CURSOR_INVALID",
                    "not a cursor from this connection",
                )
            })?),
            None => None,
        };
        let rows = records::late_submissions(
            state(ctx),
            actor(ctx),
            department_id,
            after_id,
            first as u64 + 1,
        )
        .await?;
        let has_next = rows.len() > first as usize;
        let page: Vec<_> = rows.into_iter().take(first as usize).collect();
        let mut conn = Connection::new(after_id.is_some(), has_next);
        conn.edges.extend(
            views::provider_views(state(ctx), page)
                .await?
                .into_iter()
                .map(|v| Edge::new(encode_cursor(v.record.id), CreditRecord(Arc::new(v)))),
        );
        Ok(conn)
    }

    /// Your department's records, newest first, whatever their state now
    /// (withdrawn and archived included): department staff, or a
    /// department client with `records:write`, for their own department
    /// only. Not logged: these are your own submissions.
    async fn department_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: i32,
        after: Option<String>,
        filter: Option<DepartmentRecordFilter>,
    ) -> ApiResult<Connection<String, CreditRecord, EmptyFields, EmptyFields>> {
        let after_id = match after {
            Some(c) => Some(decode_cursor(&c).ok_or_else(|| {
                ServiceError::invalid(
                    &["after"],
                    "CURSOR_INVALID",
                    "not a cursor from this connection",
                )
            })?),
            None => None,
        };
        let filter = filter.unwrap_or_default();
        let rows = department_records::department_records(
            state(ctx),
            actor(ctx),
            &department_records::DepartmentRecordFilter {
                category: filter.category,
                status: filter.status.map(Into::into),
                source_ref: filter.source_ref,
            },
            after_id,
            first as u64 + 1,
        )
        .await?;
        let has_next = rows.len() > first as usize;
        let page: Vec<_> = rows.into_iter().take(first as usize).collect();
        let mut conn = Connection::new(after_id.is_some(), has_next);
        conn.edges.extend(
            views::provider_views(state(ctx), page)
                .await?
                .into_iter()
                .map(|v| Edge::new(encode_cursor(v.record.id), CreditRecord(Arc::new(v)))),
        );
        Ok(conn)
    }
}

/// Conditions on `departmentRecords`; every one given must hold.
#[derive(InputObject, Default)]
pub struct DepartmentRecordFilter {
    /// Category code, e.g. `administrative_penalty`.
    pub category: Option<String>,
    pub status: Option<super::types::RecordStatus>,
    /// Your own reference of a record, exactly.
    pub source_ref: Option<String>,
}
