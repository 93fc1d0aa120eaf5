use async_graphql::{Context, ID, Object};
use chrono::NaiveDate;
use domain::identifier::SubjectKind as DomainKind;
use entity::enums as e;

use super::connection::{IdConnection, connection, page_complexity, page_request};
use super::view_enums::{SubjectKind, SubjectStatus, ViewLevel};
use super::{CreditRecord, RecordFilter};
use crate::graphql::error::ApiResult;
use crate::graphql::node::{NodeType, global_id};
use crate::graphql::{actor, meta, state};
use crate::service::views::{self, SubjectView};

/// An enterprise, organisation or person that records are about, as the
/// viewer may see it (`view` says which view that is). Natural persons are
/// never shown to the public.
#[derive(Clone)]
pub struct Subject(pub SubjectView);

fn domain_kind(k: e::SubjectKind) -> DomainKind {
    match k {
        e::SubjectKind::Enterprise => DomainKind::Enterprise,
        e::SubjectKind::SocialOrg => DomainKind::SocialOrg,
        e::SubjectKind::PublicInstitution => DomainKind::PublicInstitution,
        e::SubjectKind::IndividualBusiness => DomainKind::IndividualBusiness,
        e::SubjectKind::NaturalPerson => DomainKind::NaturalPerson,
        e::SubjectKind::GovernmentBody => DomainKind::GovernmentBody,
    }
}

#[Object]
impl Subject {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Subject, self.0.subject.id)
    }
    /// Which view of the subject the viewer has: PUBLIC, OWN or GOVERNMENT.
    async fn view(&self) -> ViewLevel {
        self.0.view.into()
    }
    async fn kind(&self) -> SubjectKind {
        self.0.subject.kind.into()
    }
    /// e.g. 企业
    async fn kind_name_zh(&self) -> &'static str {
        domain_kind(self.0.subject.kind).name_zh()
    }
    /// e.g. Enterprise
    async fn kind_name_en(&self) -> &'static str {
        domain_kind(self.0.subject.kind).name_en()
    }
    /// Registered name.
    async fn name(&self) -> &str {
        &self.0.subject.name
    }
    /// USCC for organisations; a masked ID number (3501**********1234) for
    /// people, in every view.
    async fn identifier(&self) -> &str {
        &self.0.subject.identifier_masked
    }
    async fn status(&self) -> SubjectStatus {
        self.0.subject.status.into()
    }
    /// Administrative-division code (GB/T 2260).
    async fn region_code(&self) -> &str {
        &self.0.subject.region_code
    }
    /// The legal representative (a natural person): name masked (林*峰) in
    /// the public view.
    async fn legal_representative(&self) -> Option<String> {
        self.0.legal_representative()
    }
    async fn registered_on(&self) -> Option<NaiveDate> {
        self.0.subject.registered_on
    }
    /// Deregistration or revocation date.
    async fn ended_on(&self) -> Option<NaiveDate> {
        self.0.subject.ended_on
    }
    /// The subject's records in this view, newest first: in the public view
    /// only what is public today; in the subject's own view every record,
    /// with why it is hidden from the public; in the government view what
    /// government sharing allows (each page logged). `first` or `last` is
    /// required, at most 100.
    #[graphql(complexity = "page_complexity(first, last, child_complexity)")]
    async fn records(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<RecordFilter>,
    ) -> ApiResult<IdConnection<CreditRecord>> {
        let page = page_request(first, after, last, before)?;
        let filter = filter.unwrap_or_default().into_service()?;
        let result =
            views::subject_records(state(ctx), actor(ctx), meta(ctx), &self.0, &filter, &page)
                .await?;
        Ok(connection(result, |r| r.record.id, CreditRecord::new))
    }
}
