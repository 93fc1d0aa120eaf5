//! Consented queries: a credit agency's API client reads a subject and its
//! records for a stated purpose (docs/query-log.md, docs/consent.md).
//!
//! One query is one transaction:
//!
//! 1. the client must belong to an agency and hold `subjects:read` (and
//!    `records:read` to read records); the purpose must be a known code;
//! 2. the subject is found by USCC / ID number or id;
//! 3. the agency's usable consent from this subject for this purpose, if
//!    any, is used once (`consents::use_consent`, atomic: a revoked,
//!    expired or exhausted consent is not used);
//! 4. records are judged by the disclosure engine for
//!    `Audience::Agency { consent }`: public records of organisations need
//!    no consent, government-only records are never shown, everything else
//!    needs a consent whose scope covers the record's class or category;
//! 5. a query under a consent writes its `query_log` row (consent, purpose,
//!    the record ids returned, request id) before commit. If the row cannot
//!    be written, the transaction rolls back (the use of the consent with
//!    it) and nothing is returned: no log, no data.
//!
//! Without a usable consent an agency gets what the public gets, plus the
//! number of records it could see under a consent
//! (`restricted_record_count`), never the records; such a query reads no
//! non-public data and is not logged. A natural person without a consent is
//! not found at all (indistinguishable from an unknown ID number).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use domain::disclosure::ConsentScope;
use domain::identifier::{ResidentId, SubjectIdentifier, Uscc};
use entity::enums::{Channel, Disclosure, SubjectKind};
use entity::{consent, credit_record, subject};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
};

use super::query_log::{self, Entry};
use super::views::{self, Page, PageRequest, RecordFilter, RecordView, SubjectView, View};
use super::{ServiceError, ServiceResult, begin_write, consents, none_of, one_of, subjects};
use crate::auth::{Actor, ClientActor, RequestMeta};
use crate::state::AppState;

/// Scope an agency's client needs to look subjects up.
pub const SCOPE_SUBJECTS_READ: &str = "subjects:read";
/// Scope an agency's client needs to read records.
pub const SCOPE_RECORDS_READ: &str = views::SCOPE_RECORDS_READ;
const MAX_PURPOSE_TEXT_CHARS: usize = 200;

/// One consented query as the agency asks it.
#[derive(Clone, Debug, Default)]
pub struct AgencyQuery {
    /// USCC or ID number; exactly one of this and `subject_id`.
    pub identifier: Option<String>,
    pub subject_id: Option<i64>,
    /// A purpose code (`domain::consent` purposes).
    pub purpose: String,
    /// The agency's own words (e.g. a loan application number), logged.
    pub purpose_text: Option<String>,
    /// Use this consent; by default the most recent usable one.
    pub consent_id: Option<i64>,
    /// The page of records to read; `None` when the caller did not ask for
    /// records (then none are read or logged).
    pub records: Option<(RecordFilter, PageRequest)>,
    /// Count the records a consent would add (`restricted_record_count`);
    /// when not asked for, that statement is not run and the count is 0.
    pub count_restricted: bool,
}

/// What one consented query returned.
#[derive(Clone, Debug)]
pub struct AgencySubject {
    /// The subject, shown at the public level of detail.
    pub subject: SubjectView,
    pub purpose_code: String,
    /// The consent this query used (after the use), if any.
    pub consent: Option<consent::Model>,
    /// The page read, if records were asked for.
    pub records: Option<Page<RecordView>>,
    /// Records the agency could see under a consent (of this purpose)
    /// covering them, but not with what it has now (0 unless the query
    /// asked for it: `AgencyQuery::count_restricted`).
    pub restricted_record_count: u64,
    /// Whether the query wrote a `query_log` row.
    pub logged: bool,
}

impl AgencySubject {
    pub fn more_under_consent(&self) -> bool {
        self.restricted_record_count > 0
    }
}

/// The agency client behind `actor`, if it holds `scope`.
fn agency_client<'a>(actor: &'a Actor, scope: &str) -> ServiceResult<(&'a ClientActor, i64)> {
    match actor {
        Actor::Anonymous => Err(ServiceError::Unauthenticated(
            "an agency's API client token is required",
        )),
        Actor::Client(c) => match c.agency_id {
            Some(agency_id) if c.scopes.iter().any(|s| s == scope) => Ok((c, agency_id)),
            _ => Err(ServiceError::Forbidden),
        },
        Actor::Account(_) => Err(ServiceError::Forbidden),
    }
}

fn clean_purpose_text(text: Option<String>) -> ServiceResult<Option<String>> {
    let Some(t) = text else {
        return Ok(None);
    };
    let t = t.trim();
    if t.chars().count() > MAX_PURPOSE_TEXT_CHARS {
        return Err(ServiceError::invalid(
            &["purposeText"],
            "PURPOSE_TOO_LONG",
            format!("describe the purpose in at most {MAX_PURPOSE_TEXT_CHARS} characters"),
        ));
    }
    Ok((!t.is_empty()).then(|| t.to_string()))
}

/// The identifiers `input` may be: a USCC, an ID number, or both.
fn candidates(input: &str) -> ServiceResult<Vec<SubjectIdentifier>> {
    let input = input.trim();
    let mut out = Vec::new();
    if let Ok(u) = Uscc::parse(input) {
        out.push(SubjectIdentifier::Uscc(u));
    }
    if let Ok(p) = ResidentId::parse(input) {
        out.push(SubjectIdentifier::ResidentId(p));
    }
    if out.is_empty() {
        let (code, message) = SubjectIdentifier::parse_any(input)
            .err()
            .map(|e| (e.code(), e.to_string()))
            .unwrap_or(("IDENTIFIER_INVALID", "not a valid identifier".to_string()));
        return Err(ServiceError::invalid(&["identifier"], code, message));
    }
    Ok(out)
}

async fn find_subject(
    conn: &impl ConnectionTrait,
    state: &AppState,
    q: &AgencyQuery,
) -> ServiceResult<Option<subject::Model>> {
    match (&q.identifier, q.subject_id) {
        (Some(input), None) => {
            for c in candidates(input)? {
                if let Some(s) = subjects::find_by_identifier(conn, &state.keys, &c).await? {
                    return Ok(Some(s));
                }
            }
            Ok(None)
        }
        (None, Some(id)) => Ok(subject::Entity::find_by_id(id).one(conn).await?),
        _ => Err(ServiceError::invalid(
            &["identifier"],
            "SUBJECT_REFERENCE_REQUIRED",
            "give either `identifier` (a USCC or ID number) or `id` (a Subject id), not both",
        )),
    }
}

/// The agency's entitlement as SQL, for `views::agency_page` (which
/// re-checks every row with the engine): the subject's records that are
/// active and inside their window, never government-only; without a
/// consent only public records of an organisation; with one also those of
/// a category the scope covers.
fn entitled_query(
    backend: DbBackend,
    subject: &subject::Model,
    covered_categories: Option<&[i64]>,
    today: NaiveDate,
) -> sea_orm::Select<credit_record::Entity> {
    let base = views::government_record_query(today)
        .filter(credit_record::Column::SubjectId.eq(subject.id))
        .filter(credit_record::Column::Disclosure.ne(Disclosure::Government));
    let public_ok = subject.kind != SubjectKind::NaturalPerson;
    let mut allowed = Condition::any();
    if public_ok {
        allowed = allowed.add(credit_record::Column::Disclosure.eq(Disclosure::Public));
    }
    if let Some(ids) = covered_categories {
        allowed = allowed.add(one_of(
            backend,
            credit_record::Column::CategoryId,
            ids.to_vec(),
        ));
    }
    if !public_ok && covered_categories.is_none() {
        // Nothing of a person without consent (never reached: the caller
        // returns before), as an explicit always-false condition.
        allowed = allowed.add(credit_record::Column::Id.lt(0));
    }
    base.filter(allowed)
}

/// Records an agency could see with a consent covering everything, less
/// those it sees now: active and in their window, not government-only,
/// not public records of an organisation, and not covered by `covered`.
async fn count_restricted(
    conn: &impl ConnectionTrait,
    subject: &subject::Model,
    covered_categories: Option<&[i64]>,
    today: NaiveDate,
) -> ServiceResult<u64> {
    let mut q = views::government_record_query(today)
        .filter(credit_record::Column::SubjectId.eq(subject.id))
        .filter(credit_record::Column::Disclosure.ne(Disclosure::Government));
    if subject.kind != SubjectKind::NaturalPerson {
        q = q.filter(credit_record::Column::Disclosure.ne(Disclosure::Public));
    }
    if let Some(ids) = covered_categories
        && !ids.is_empty()
    {
        q = q.filter(none_of(
            conn.get_database_backend(),
            credit_record::Column::CategoryId,
            ids.to_vec(),
        ));
    }
    Ok(q.count(conn).await?)
}

/// Category ids a consent scope covers (by class or by code).
async fn covered_categories(
    state: &AppState,
    conn: &impl ConnectionTrait,
    scope: &ConsentScope,
) -> ServiceResult<Vec<i64>> {
    let catalogue = state.categories(conn).await?;
    Ok(catalogue
        .values()
        .filter(|c| scope.covers(super::records::info_class(c.info_class), &c.code))
        .map(|c| c.id)
        .collect())
}

/// Picks the consent to use: the one asked for (it must be usable), or the
/// most recently created usable one.
fn pick(usable: Vec<consent::Model>, wanted: Option<i64>) -> ServiceResult<Option<consent::Model>> {
    match wanted {
        Some(id) => usable
            .into_iter()
            .find(|c| c.id == id)
            .map(Some)
            .ok_or_else(|| {
                ServiceError::invalid(
                    &["consent"],
                    "CONSENT_NOT_USABLE",
                    "this consent is not usable for this subject and purpose now (revoked, expired, used up, not yet valid, or for another purpose); omit `consent` to query without it",
                )
            }),
        None => Ok(usable.into_iter().max_by_key(|c| c.id)),
    }
}

/// One consented query (see the module documentation). `None` when the
/// subject is unknown, or is a natural person and the agency has no usable
/// consent for this purpose.
pub async fn agency_subject(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    q: AgencyQuery,
) -> ServiceResult<Option<AgencySubject>> {
    let (client, agency_id) = agency_client(actor, SCOPE_SUBJECTS_READ)?;
    if q.records.is_some() {
        agency_client(actor, SCOPE_RECORDS_READ)?;
    }
    let purpose_code = q.purpose.trim().to_string();
    let Some(purpose) = consents::purpose(&purpose_code) else {
        return Err(ServiceError::invalid(
            &["purpose"],
            "PURPOSE_UNKNOWN",
            "not a purpose code; see `purposes` for the codes",
        ));
    };
    let purpose_text = clean_purpose_text(q.purpose_text.clone())?;
    if purpose.text_required && purpose_text.is_none() {
        return Err(ServiceError::invalid(
            &["purposeText"],
            "PURPOSE_TEXT_REQUIRED",
            "this purpose needs `purposeText` saying precisely what the query is for",
        ));
    }
    let now = state.now();
    let today = domain::time::local_date(now);

    let txn = begin_write(&state.db).await?;
    let Some(subject) = find_subject(&txn, state, &q).await? else {
        return Ok(None);
    };
    let usable = consents::usable_consents(&txn, agency_id, subject.id, &purpose_code, now).await?;
    let used = match pick(usable, q.consent_id)? {
        Some(c) => consents::use_consent(&txn, c.id, agency_id, now).await?,
        None => None,
    };
    if used.is_none() && subject.kind == SubjectKind::NaturalPerson {
        // A person's existence is itself not public.
        return Ok(None);
    }
    let scope = used.as_ref().map(consents::scope);
    let covered = match &scope {
        Some(s) => Some(covered_categories(state, &txn, s).await?),
        None => None,
    };
    let subject = Arc::new(subject);
    let view = SubjectView {
        subject: subject.clone(),
        view: View::Public,
        purpose: purpose_text.clone(),
    };
    let records = match &q.records {
        Some((filter, page)) => Some(
            views::agency_page(
                state,
                &txn,
                &subject,
                entitled_query(
                    txn.get_database_backend(),
                    &subject,
                    covered.as_deref(),
                    today,
                ),
                scope.as_ref(),
                filter,
                page,
                today,
            )
            .await?,
        ),
        None => None,
    };
    let restricted = if q.count_restricted {
        count_restricted(&txn, &subject, covered.as_deref(), today).await?
    } else {
        0
    };
    let logged = used.is_some();
    if let Some(c) = &used {
        let mut seen = HashSet::new();
        let record_ids: Vec<i64> = records
            .iter()
            .flat_map(|p| p.items.iter().map(|r| r.record.id))
            .filter(|id| seen.insert(*id))
            .collect();
        let returned = record_ids.len();
        query_log::write(
            &txn,
            Entry {
                occurred_at: now,
                subject_id: subject.id,
                actor_kind: super::auth::actor_kind(actor),
                account_id: None,
                api_client_id: Some(client.api_client_id),
                agency_id: Some(agency_id),
                department_id: None,
                consent_id: Some(c.id),
                purpose_code: purpose_code.clone(),
                purpose_text,
                channel: Channel::Api,
                record_ids,
                request_id: meta.request_id.clone(),
            },
        )
        .await?;
        // "Your data was queried" (issue #4 item 4), in the query's transaction.
        super::notices::subject_queried(&txn, now, subject.id, agency_id, &purpose_code, returned)
            .await?;
    }
    txn.commit().await?;
    Ok(Some(AgencySubject {
        subject: view,
        purpose_code,
        consent: used,
        records,
        restricted_record_count: restricted,
        logged,
    }))
}
