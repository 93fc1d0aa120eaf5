//! Consented queries by credit agencies, and the subject's query log
//! ("who looked at me"). Thin resolvers over `service::agency_reads` and
//! `service::query_log`; see docs/query-log.md.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums as e;

use super::consents::{Consent, Purpose};
use super::error::ApiResult;
use super::node::{NodeType, decode_cursor, decode_id_of, global_id};
use super::types::connection::{IdConnection, connection, page_complexity, page_request};
use super::types::{CreditRecord, RecordFilter, Subject};
use super::{actor, meta, state};
use crate::service::agency_reads::{self, AgencyQuery, AgencySubject};
use crate::service::query_log::{self, LogEntryView};
use crate::service::views::{Page, RecordFilter as ServiceFilter};
use crate::service::{ServiceError, consents};

pub struct AgencyQueries;

#[Object]
impl AgencyQueries {
    /// A consented query (agencies' API clients with `subjects:read`; reading
    /// `records` also needs `records:read`). Give the subject by `identifier`
    /// (USCC or ID number) or `id`, and the `purpose` of the query (a code of
    /// `purposes`; unknown codes are BAD_USER_INPUT).
    ///
    /// One call is one query: if the agency holds a usable consent from the
    /// subject for this purpose (`consent` picks one; by default the most
    /// recent), the consent is used once, the records its scope covers are
    /// returned with the public ones, and the query is written to the
    /// subject's query log with the ids of the records returned — all in one
    /// transaction: if the log cannot be written, nothing is returned.
    /// Without a consent the agency gets the public records and
    /// `moreUnderConsent` / `restrictedRecordCount`, never the records
    /// themselves, and a natural person is not found at all (null).
    ///
    /// The page of `records` is chosen here (`first`, at most 100, and
    /// `after`; `filter`), so that the records returned are the records
    /// logged. Null when the subject is unknown.
    #[graphql(complexity = "page_complexity(first, None, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn agency_subject(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "USCC or ID number.")] identifier: Option<String>,
        #[graphql(desc = "A Subject id (instead of `identifier`).")] id: Option<ID>,
        #[graphql(desc = "Purpose code, e.g. `loan_application` (see `purposes`).")]
        purpose: String,
        #[graphql(desc = "The purpose in your words (e.g. the application number); logged.")]
        purpose_text: Option<String>,
        #[graphql(desc = "The Consent to use (default: the most recent usable one).")]
        consent: Option<ID>,
        #[graphql(desc = "Records per page (required when `records` is selected), at most 100.")]
        first: Option<i32>,
        after: Option<String>,
        filter: Option<RecordFilter>,
    ) -> ApiResult<Option<ConsentedSubject>> {
        let subject_id =
            match id {
                Some(id) => Some(decode_id_of(&id, NodeType::Subject).ok_or_else(|| {
                    ServiceError::invalid(&["id"], "ID_INVALID", "not a Subject id")
                })?),
                None => None,
            };
        let consent_id = match consent {
            Some(id) => Some(decode_id_of(&id, NodeType::Consent).ok_or_else(|| {
                ServiceError::invalid(&["consent"], "ID_INVALID", "not a Consent id")
            })?),
            None => None,
        };
        // Records are read (and logged) only when asked for; so is the
        // count of what a consent would add (one more statement).
        let ahead = ctx.look_ahead();
        let count_restricted = ahead.field("moreUnderConsent").exists()
            || ahead.field("restrictedRecordCount").exists();
        let records = if ahead.field("records").exists() {
            let page = page_request(first, after, None, None)?;
            let filter: ServiceFilter = filter.unwrap_or_default().into_service()?;
            Some((filter, page))
        } else {
            None
        };
        let query = AgencyQuery {
            identifier,
            subject_id,
            purpose,
            purpose_text,
            consent_id,
            records,
            count_restricted,
        };
        Ok(
            agency_reads::agency_subject(state(ctx), actor(ctx), meta(ctx), query)
                .await?
                .map(|s| ConsentedSubject(Arc::new(s))),
        )
    }

    /// The query log of a subject the signed-in account is bound to ("who
    /// looked at me"), newest first: who (agency, department, platform),
    /// when, for what purpose, under which consent, and which records came
    /// back. Your own reads are left out unless `includeOwnReads`. `first`
    /// is required, at most 100.
    #[graphql(complexity = "page_complexity(first, None, child_complexity)")]
    async fn query_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Subject id.")] subject: ID,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Include the subject's own reads (default false).")]
        include_own_reads: Option<bool>,
    ) -> ApiResult<IdConnection<QueryLogEntry>> {
        let subject_id = decode_id_of(&subject, NodeType::Subject)
            .ok_or_else(|| ServiceError::invalid(&["subject"], "ID_INVALID", "not a Subject id"))?;
        let after = match after {
            Some(c) => Some(decode_cursor(&c).ok_or_else(|| {
                ServiceError::invalid(
                    &["after"],
                    "CURSOR_INVALID",
                    "not a cursor from this connection; use `pageInfo.endCursor`",
                )
            })?),
            None => None,
        };
        let page = query_log::subject_query_log(
            state(ctx),
            actor(ctx),
            subject_id,
            first,
            after,
            include_own_reads.unwrap_or(false),
        )
        .await?;
        Ok(connection(
            page,
            |e| e.row.id,
            |e| QueryLogEntry(Arc::new(e)),
        ))
    }
}

/// The answer to one consented query.
pub struct ConsentedSubject(Arc<AgencySubject>);

#[Object]
impl ConsentedSubject {
    /// The subject, at the public level of detail (names of people masked).
    async fn subject(&self) -> Subject {
        Subject(self.0.subject.clone())
    }
    /// The purpose code the query was made for.
    async fn purpose_code(&self) -> &str {
        &self.0.purpose_code
    }
    /// The purpose, with its names.
    async fn purpose(&self) -> Option<Purpose> {
        consents::purpose(&self.0.purpose_code).map(Purpose::from)
    }
    /// The consent this query used (once), as it stands after the use; null
    /// when the query was made without one.
    async fn consent(&self) -> Option<Consent> {
        self.0.consent.clone().map(Consent)
    }
    /// The page of records the query returned (chosen by `agencySubject`'s
    /// `first`, `after` and `filter`), newest first: public records of an
    /// organisation, and what the consent covers.
    async fn records(&self) -> IdConnection<CreditRecord> {
        let page = self.0.records.clone().unwrap_or(Page {
            items: vec![],
            has_previous: false,
            has_next: false,
        });
        connection(page, |r| r.record.id, CreditRecord::new)
    }
    /// Whether the subject has records this agency could see only under a
    /// consent (of wider scope) that it does not hold now.
    async fn more_under_consent(&self) -> bool {
        self.0.more_under_consent()
    }
    /// How many such records (not which).
    async fn restricted_record_count(&self) -> i32 {
        i32::try_from(self.0.restricted_record_count).unwrap_or(i32::MAX)
    }
    /// Whether the query was written to the subject's query log (every
    /// query under a consent is).
    async fn logged(&self) -> bool {
        self.0.logged
    }
}

/// Who made a query.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryActorKind {
    /// A credit agency's system (under consent).
    AgencyClient,
    /// A data-providing department (staff or system), government sharing.
    Department,
    /// The platform operator (public credit centre).
    Operator,
    /// An account acting for the subject.
    SubjectUser,
    Public,
    System,
}

impl From<e::ActorKind> for QueryActorKind {
    fn from(k: e::ActorKind) -> Self {
        match k {
            e::ActorKind::AgencyClient => QueryActorKind::AgencyClient,
            e::ActorKind::Department => QueryActorKind::Department,
            e::ActorKind::Operator => QueryActorKind::Operator,
            e::ActorKind::Account => QueryActorKind::SubjectUser,
            e::ActorKind::Public => QueryActorKind::Public,
            e::ActorKind::System => QueryActorKind::System,
        }
    }
}

/// Through which door a query came.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryChannel {
    Api,
    Portal,
    Cli,
}

impl From<e::Channel> for QueryChannel {
    fn from(c: e::Channel) -> Self {
        match c {
            e::Channel::Api => QueryChannel::Api,
            e::Channel::Portal => QueryChannel::Portal,
            e::Channel::Cli => QueryChannel::Cli,
        }
    }
}

/// A record a query returned.
#[derive(SimpleObject)]
pub struct SeenRecord {
    /// The CreditRecord's id.
    pub id: ID,
    pub title: String,
    pub category_code: String,
    pub category_name_zh: String,
    pub category_name_en: String,
}

/// One read of the subject's non-public information.
pub struct QueryLogEntry(Arc<LogEntryView>);

#[Object]
impl QueryLogEntry {
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.row.occurred_at
    }
    async fn actor_kind(&self) -> QueryActorKind {
        self.0.row.actor_kind.into()
    }
    /// The agency that queried (agency queries).
    async fn agency_name(&self) -> Option<&str> {
        self.0.agency_name.as_deref()
    }
    /// The department that queried (government sharing).
    async fn department_name_zh(&self) -> Option<&str> {
        self.0.department.as_ref().map(|d| d.0.as_str())
    }
    async fn department_name_en(&self) -> Option<&str> {
        self.0.department.as_ref().map(|d| d.1.as_str())
    }
    async fn purpose_code(&self) -> &str {
        &self.0.row.purpose_code
    }
    async fn purpose_name_zh(&self) -> Option<&str> {
        self.0.purpose.as_ref().map(|p| p.zh.as_str())
    }
    async fn purpose_name_en(&self) -> Option<&str> {
        self.0.purpose.as_ref().map(|p| p.en.as_str())
    }
    /// The purpose in the querier's words.
    async fn purpose_text(&self) -> Option<&str> {
        self.0.row.purpose_text.as_deref()
    }
    /// The consent the query was made under (agency queries).
    async fn consent_id(&self) -> Option<ID> {
        self.0
            .row
            .consent_id
            .map(|id| global_id(NodeType::Consent, id))
    }
    async fn channel(&self) -> QueryChannel {
        self.0.row.channel.into()
    }
    /// The records the query returned (none for a look-up of the subject
    /// alone).
    async fn records(&self) -> Vec<SeenRecord> {
        self.0
            .records
            .iter()
            .map(|r| SeenRecord {
                id: global_id(NodeType::CreditRecord, r.id),
                title: r.title.clone(),
                category_code: r.category_code.clone(),
                category_name_zh: r.category_name_zh.clone(),
                category_name_en: r.category_name_en.clone(),
            })
            .collect()
    }
    /// The request id of the query (quote it to the platform).
    async fn request_id(&self) -> Option<&str> {
        self.0.row.request_id.as_deref()
    }
}
