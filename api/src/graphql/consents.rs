//! Agencies, API clients and consents (授权): the operator's agency and
//! client lifecycle, and consent as a first-class object (grant, request →
//! approve / deny, revoke, renew, signed receipts). Thin resolvers over
//! `service::agencies` and `service::consents`; types are parsed here.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::consent::Mode;
use entity::consent;
use entity::enums as e;

use super::error::{ApiResult, Payload, UserError, into_payload};
use super::node::{NodeType, decode_cursor, decode_id_of, encode_cursor, global_id};
use super::types::connection::IdConnection;
use super::types::{Agency, AgencyStatus, ApiClient, InfoClass, Subject, SubjectKind};
use super::{actor, meta, state};
use crate::service::agencies::{self, ClientOwner, NewAgency, NewClient, Scope};
use crate::service::consents::{self, ConsentTerms};
use crate::service::views::{self, Page};
use crate::service::{FieldError, ServiceError};

// ---------------------------------------------------------------------------
// Enums

/// Where a consent stands, computed at the moment of the request: a
/// consent is EXPIRED from the exact instant `validUntil` and EXHAUSTED from
/// its last allowed use, without waiting for any job.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentStatus {
    /// Requested by an agency; waiting for the subject to approve or deny.
    Pending,
    /// In force (queries allowed from `validFrom`).
    Active,
    /// Withdrawn by the subject; no query from that instant on.
    Revoked,
    /// `validUntil` has come.
    Expired,
    /// No use left: for good (one-time) or until next month (periodic).
    Exhausted,
    /// The subject refused the agency's request.
    Denied,
}

impl From<consents::ConsentStatus> for ConsentStatus {
    fn from(s: consents::ConsentStatus) -> Self {
        use consents::ConsentStatus as D;
        match s {
            D::Pending => ConsentStatus::Pending,
            D::Active => ConsentStatus::Active,
            D::Revoked => ConsentStatus::Revoked,
            D::Expired => ConsentStatus::Expired,
            D::Exhausted => ConsentStatus::Exhausted,
            D::Denied => ConsentStatus::Denied,
        }
    }
}

impl From<ConsentStatus> for consents::ConsentStatus {
    fn from(s: ConsentStatus) -> Self {
        use consents::ConsentStatus as D;
        match s {
            ConsentStatus::Pending => D::Pending,
            ConsentStatus::Active => D::Active,
            ConsentStatus::Revoked => D::Revoked,
            ConsentStatus::Expired => D::Expired,
            ConsentStatus::Exhausted => D::Exhausted,
            ConsentStatus::Denied => D::Denied,
        }
    }
}

/// How often the agency may query under a consent.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentMode {
    /// One query.
    OneTime,
    /// Up to `monthlyCap` queries per calendar month (Asia/Shanghai).
    Periodic,
}

/// Who started a consent.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentRequester {
    /// The subject granted it directly.
    Subject,
    /// An agency requested it and the subject approved.
    Agency,
}

/// What an API client may do (the OAuth scope in brackets).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiScope {
    /// `subjects:read`
    SubjectsRead,
    /// `records:read`
    RecordsRead,
    /// `consents:request` (agencies only)
    ConsentsRequest,
    /// `changes:read`
    ChangesRead,
    /// `webhooks:manage`
    WebhooksManage,
    /// `records:write` (departments' systems only)
    RecordsWrite,
}

impl From<ApiScope> for Scope {
    fn from(s: ApiScope) -> Self {
        match s {
            ApiScope::SubjectsRead => Scope::SubjectsRead,
            ApiScope::RecordsRead => Scope::RecordsRead,
            ApiScope::ConsentsRequest => Scope::ConsentsRequest,
            ApiScope::ChangesRead => Scope::ChangesRead,
            ApiScope::WebhooksManage => Scope::WebhooksManage,
            ApiScope::RecordsWrite => Scope::RecordsWrite,
        }
    }
}

fn agency_status(s: AgencyStatus) -> e::AgencyStatus {
    match s {
        AgencyStatus::Active => e::AgencyStatus::Active,
        AgencyStatus::Suspended => e::AgencyStatus::Suspended,
        AgencyStatus::Revoked => e::AgencyStatus::Revoked,
    }
}

// ---------------------------------------------------------------------------
// Objects

/// A purpose of the catalogue (查询用途).
#[derive(SimpleObject, Clone)]
pub struct Purpose {
    /// Stable code, e.g. `loan_application`.
    pub code: String,
    /// e.g. 贷款申请
    pub name_zh: String,
    /// e.g. Loan application
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
    /// Whether `purposeText` must say the purpose (for `other`).
    pub text_required: bool,
}

impl From<&consents::Purpose> for Purpose {
    fn from(p: &consents::Purpose) -> Self {
        Purpose {
            code: p.code.clone(),
            name_zh: p.name_zh.clone(),
            name_en: p.name_en.clone(),
            description_zh: p.description_zh.clone(),
            description_en: p.description_en.clone(),
            text_required: p.text_required,
        }
    }
}

/// What a consent covers: records of these information classes, and
/// records of these categories.
#[derive(SimpleObject, Clone)]
pub struct ConsentScope {
    pub info_classes: Vec<InfoClass>,
    /// Record category codes (docs/catalogue.md).
    pub categories: Vec<String>,
}

/// A signed consent receipt: `json` is the canonical JSON (sorted keys, no
/// whitespace) exactly as signed; `signature` is Ed25519 over its UTF-8
/// bytes, base64url without padding; `keyId` names the key in
/// `/.well-known/xinyong/consent-keys.json`. Verifiable offline
/// (docs/consent.md).
#[derive(SimpleObject, Clone)]
pub struct ConsentReceipt {
    pub json: String,
    pub signature: String,
    pub key_id: String,
    /// Always `EdDSA` (Ed25519).
    pub algorithm: String,
}

/// A subject's consent for one agency to query its non-public information
/// for one purpose. Seen by users bound to the subject, operators and the
/// agency's clients.
#[derive(Clone)]
pub struct Consent(pub consent::Model);

#[Object]
impl Consent {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Consent, self.0.id)
    }
    /// The state now (computed to the instant).
    async fn status(&self, ctx: &Context<'_>) -> ConsentStatus {
        consents::effective_status(&self.0, state(ctx).now()).into()
    }
    /// Whether a query may be made under it right now.
    async fn usable(&self, ctx: &Context<'_>) -> bool {
        consents::usable(&self.0, state(ctx).now())
    }
    /// The subject, in the widest view the viewer has of it (null when
    /// that view does not show it, e.g. a natural person to an agency).
    async fn subject(&self, ctx: &Context<'_>) -> ApiResult<Option<Subject>> {
        Ok(
            views::subject_by_id(state(ctx), actor(ctx), meta(ctx), self.0.subject_id)
                .await?
                .map(Subject),
        )
    }
    /// The subject's registered name, as on the receipt.
    async fn subject_name(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(consents::consent_subject(state(ctx), &self.0)
            .await?
            .map(|s| s.name))
    }
    /// USCC, or the masked ID number (3501**********1234), as on the receipt.
    async fn subject_identifier(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(consents::consent_subject(state(ctx), &self.0)
            .await?
            .map(|s| s.identifier_masked))
    }
    async fn subject_kind(&self, ctx: &Context<'_>) -> ApiResult<Option<SubjectKind>> {
        Ok(consents::consent_subject(state(ctx), &self.0)
            .await?
            .map(|s| s.kind.into()))
    }
    /// The agency the consent is given to.
    async fn agency(&self, ctx: &Context<'_>) -> ApiResult<Option<Agency>> {
        Ok(consents::consent_agency(state(ctx), &self.0)
            .await?
            .map(Agency))
    }
    async fn purpose_code(&self) -> &str {
        &self.0.purpose_code
    }
    async fn purpose(&self) -> Option<Purpose> {
        consents::purpose(&self.0.purpose_code).map(Purpose::from)
    }
    /// The exact purpose in words.
    async fn purpose_text(&self) -> &str {
        &self.0.purpose_text
    }
    async fn scope(&self) -> ConsentScope {
        ConsentScope {
            info_classes: consents::scope_classes(&self.0)
                .into_iter()
                .map(Into::into)
                .collect(),
            categories: consents::scope_categories(&self.0),
        }
    }
    async fn mode(&self) -> ConsentMode {
        match self.0.mode {
            e::ConsentMode::OneTime => ConsentMode::OneTime,
            e::ConsentMode::Periodic => ConsentMode::Periodic,
        }
    }
    /// Queries allowed per calendar month (PERIODIC only).
    async fn monthly_cap(&self) -> Option<i32> {
        self.0.monthly_cap
    }
    async fn valid_from(&self) -> DateTime<Utc> {
        self.0.valid_from
    }
    /// Exclusive: at this instant the consent is expired.
    async fn valid_until(&self) -> DateTime<Utc> {
        self.0.valid_until
    }
    /// Queries made under it so far.
    async fn uses(&self) -> i32 {
        self.0.uses
    }
    /// Queries made in the current calendar month (Asia/Shanghai).
    async fn uses_this_month(&self, ctx: &Context<'_>) -> i32 {
        i32::try_from(consents::uses_this_month(&self.0, state(ctx).now())).unwrap_or(i32::MAX)
    }
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    async fn requested_by(&self) -> ConsentRequester {
        match self.0.requested_by {
            e::ConsentRequester::Subject => ConsentRequester::Subject,
            e::ConsentRequester::Agency => ConsentRequester::Agency,
        }
    }
    async fn granted_at(&self) -> Option<DateTime<Utc>> {
        self.0.granted_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// Starts at 1; every approval, denial, revocation and renewal adds 1.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The latest signed receipt (of the grant, approval or last renewal);
    /// null for a request never approved.
    async fn receipt(&self) -> Option<ConsentReceipt> {
        consents::receipt(&self.0).map(|r| ConsentReceipt {
            json: r.json,
            signature: r.signature,
            key_id: r.key_id,
            algorithm: "EdDSA".into(),
        })
    }
}

// ---------------------------------------------------------------------------
// Inputs and payloads

#[derive(InputObject)]
pub struct RegisterAgencyInput {
    /// Registered name, e.g. 福建信诚征信有限公司.
    pub name: String,
    /// Unified social credit code (checked, incl. its check character).
    pub uscc: String,
    /// 个人征信业务经营许可证 / 企业征信机构备案 number.
    pub licence_number: String,
    /// Where the platform writes to the agency (compliance contact).
    pub contact_email: String,
}

#[derive(InputObject)]
pub struct SetAgencyStatusInput {
    pub agency_id: ID,
    /// SUSPENDED stops every token of the agency's clients at once; ACTIVE
    /// lets them work again; REVOKED is final.
    pub status: AgencyStatus,
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct IssueApiClientInput {
    /// The agency the client is for (or `departmentId`, exactly one).
    pub agency_id: Option<ID>,
    /// The department whose system the client is for.
    pub department_id: Option<ID>,
    /// e.g. "Production loan system".
    pub name: String,
    pub scopes: Vec<ApiScope>,
    /// `basic`, `standard` (default), `premium` or `custom:<capacity>:<refill per second>`.
    pub rate_tier: Option<String>,
}

#[derive(InputObject)]
pub struct RotateApiClientSecretInput {
    /// The client's global id.
    pub id: ID,
}

#[derive(InputObject)]
pub struct RevokeApiClientInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct ConsentScopeInput {
    #[graphql(default)]
    pub info_classes: Vec<InfoClass>,
    /// Record category codes (docs/catalogue.md).
    #[graphql(default)]
    pub categories: Vec<String>,
}

#[derive(InputObject)]
pub struct GrantConsentInput {
    /// The subject you act for (a bound account).
    pub subject_id: ID,
    /// The agency's unified social credit code.
    pub agency_uscc: String,
    /// Purpose codes (the `purposes` query): each becomes its own consent
    /// with its own receipt. A natural person gives exactly one.
    pub purpose_codes: Vec<String>,
    /// The exact purpose in words (required for `other`).
    pub purpose_text: Option<String>,
    pub scope: ConsentScopeInput,
    pub mode: ConsentMode,
    /// Required for PERIODIC: 1 to 100 queries per calendar month.
    pub monthly_cap: Option<i32>,
    /// Default now; an earlier instant counts as now.
    pub valid_from: Option<DateTime<Utc>>,
    /// Default `validFrom` + 1 year (rule consent.default_validity); at most
    /// now + 3 years (consent.max_validity).
    pub valid_until: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct RequestConsentInput {
    /// USCC, or the person's resident ID number.
    pub subject_identifier: String,
    /// One pending request per purpose. A natural person gives exactly one.
    pub purpose_codes: Vec<String>,
    pub purpose_text: Option<String>,
    pub scope: ConsentScopeInput,
    pub mode: ConsentMode,
    pub monthly_cap: Option<i32>,
    pub valid_from: Option<DateTime<Utc>>,
    /// The request lapses (EXPIRED) if not approved by then.
    pub valid_until: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct ConsentIdInput {
    /// The consent's global id.
    pub id: ID,
}

#[derive(InputObject)]
pub struct RenewConsentInput {
    pub id: ID,
    /// The new end, later than the current one; default now + 1 year.
    pub valid_until: Option<DateTime<Utc>>,
}

macro_rules! payload {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(SimpleObject, Default)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            pub user_errors: Vec<UserError>,
        }

        impl Payload for $name {
            fn from_user_errors(user_errors: Vec<UserError>) -> Self {
                $name { user_errors, ..Default::default() }
            }
        }
    };
}

payload!(RegisterAgencyPayload { agency: Option<Agency> });
payload!(SetAgencyStatusPayload { agency: Option<Agency> });
payload!(
    /// The secret is shown here once and never again: store it now.
    IssueApiClientPayload {
        client: Option<ApiClient>,
        client_secret: Option<String>,
    }
);
payload!(
    /// The new secret is shown here once; the old one no longer works.
    RotateApiClientSecretPayload {
        client: Option<ApiClient>,
        client_secret: Option<String>,
    }
);
payload!(RevokeApiClientPayload { client: Option<ApiClient> });
payload!(GrantConsentPayload { consents: Vec<Consent> });
payload!(RequestConsentPayload { consents: Vec<Consent> });
payload!(ApproveConsentPayload { consent: Option<Consent> });
payload!(DenyConsentPayload { consent: Option<Consent> });
payload!(RevokeConsentPayload { consent: Option<Consent> });
payload!(RenewConsentPayload { consent: Option<Consent> });

// ---------------------------------------------------------------------------
// Parsing at the edge

fn id_of(id: &ID, t: NodeType, field: &str) -> Result<i64, ServiceError> {
    decode_id_of(id, t).ok_or_else(|| {
        ServiceError::invalid(
            &["input", field],
            "ID_INVALID",
            format!("not the id of a {t:?}"),
        )
    })
}

struct Terms {
    purpose_codes: Vec<String>,
    purpose_text: Option<String>,
    scope: ConsentScopeInput,
    mode: ConsentMode,
    monthly_cap: Option<i32>,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
}

fn terms(t: Terms) -> Result<ConsentTerms, ServiceError> {
    let mode = match (t.mode, t.monthly_cap) {
        (ConsentMode::OneTime, None) => Mode::OneTime,
        (ConsentMode::OneTime, Some(_)) => {
            return Err(ServiceError::invalid(
                &["input", "monthlyCap"],
                "MONTHLY_CAP_NOT_APPLICABLE",
                "a one-time consent has no monthly cap; leave monthlyCap out",
            ));
        }
        (ConsentMode::Periodic, None) => {
            return Err(ServiceError::invalid(
                &["input", "monthlyCap"],
                "MONTHLY_CAP_REQUIRED",
                "a periodic consent needs monthlyCap, 1 to 100 queries per month",
            ));
        }
        (ConsentMode::Periodic, Some(n)) => Mode::Periodic {
            monthly_cap: u32::try_from(n).unwrap_or(0),
        },
    };
    Ok(ConsentTerms {
        purpose_codes: t.purpose_codes,
        purpose_text: t.purpose_text,
        scope_classes: t.scope.info_classes.into_iter().map(Into::into).collect(),
        scope_categories: t.scope.categories,
        mode,
        valid_from: t.valid_from,
        valid_until: t.valid_until,
    })
}

fn after_cursor(after: Option<String>) -> ApiResult<Option<i64>> {
    match after {
        None => Ok(None),
        Some(c) => decode_cursor(&c).map(Some).ok_or_else(|| {
            ServiceError::invalid(
                &["after"],
                "CURSOR_INVALID",
                "not a cursor from this connection; use `pageInfo.endCursor`",
            )
            .into()
        }),
    }
}

fn to_connection<T, N: async_graphql::OutputType>(
    page: Page<T>,
    id: impl Fn(&T) -> i64,
    node: impl Fn(T) -> N,
) -> IdConnection<N> {
    let mut c = Connection::new(page.has_previous, page.has_next);
    c.edges.extend(
        page.items
            .into_iter()
            .map(|item| Edge::new(encode_cursor(id(&item)), node(item))),
    );
    c
}

fn page_cost(first: Option<i32>, child: usize) -> usize {
    super::types::connection::page_complexity(first, None, child)
}

// ---------------------------------------------------------------------------
// Queries

#[derive(Default)]
pub struct ConsentQueries;

#[Object]
impl ConsentQueries {
    /// The purpose catalogue (public): the codes a consent names.
    async fn purposes(&self) -> Vec<Purpose> {
        consents::purposes().iter().map(Purpose::from).collect()
    }

    /// A subject's consents, newest first (users bound to the subject, and
    /// operators). `status` filters on the state now. `first` is required,
    /// at most 100.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn consents(
        &self,
        ctx: &Context<'_>,
        subject: ID,
        status: Option<Vec<ConsentStatus>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<IdConnection<Consent>> {
        let subject_id = decode_id_of(&subject, NodeType::Subject).ok_or_else(|| {
            ServiceError::invalid(&["subject"], "ID_INVALID", "not the id of a Subject")
        })?;
        let statuses: Vec<consents::ConsentStatus> = status
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let page = consents::subject_consents(
            state(ctx),
            actor(ctx),
            subject_id,
            &statuses,
            first,
            after_cursor(after)?,
        )
        .await?;
        Ok(to_connection(page, |c| c.id, Consent))
    }

    /// The calling agency's consents (any of its clients), newest first.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn agency_consents(
        &self,
        ctx: &Context<'_>,
        status: Option<Vec<ConsentStatus>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<IdConnection<Consent>> {
        let statuses: Vec<consents::ConsentStatus> = status
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let page = consents::agency_consents(
            state(ctx),
            actor(ctx),
            &statuses,
            first,
            after_cursor(after)?,
        )
        .await?;
        Ok(to_connection(page, |c| c.id, Consent))
    }

    /// Registered agencies, oldest first (operators).
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn agencies(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<IdConnection<Agency>> {
        let page =
            agencies::list_agencies(state(ctx), actor(ctx), first, after_cursor(after)?).await?;
        Ok(to_connection(page, |a| a.id, Agency))
    }
}

// ---------------------------------------------------------------------------
// Mutations

#[derive(Default)]
pub struct ConsentMutations;

fn client_payload(issued: agencies::IssuedClient) -> (Option<ApiClient>, Option<String>) {
    (Some(ApiClient(issued.client)), Some(issued.secret))
}

#[Object]
impl ConsentMutations {
    /// Registers a credit agency (operators).
    async fn register_agency(
        &self,
        ctx: &Context<'_>,
        input: RegisterAgencyInput,
    ) -> ApiResult<RegisterAgencyPayload> {
        let new = NewAgency {
            name: input.name,
            uscc: input.uscc,
            licence_number: input.licence_number,
            contact_email: input.contact_email,
        };
        let r = agencies::register_agency(state(ctx), actor(ctx), meta(ctx), new).await;
        into_payload(r.map(|a| RegisterAgencyPayload {
            agency: Some(Agency(a)),
            user_errors: vec![],
        }))
    }

    /// Suspends, reactivates or revokes an agency (operators). Suspension
    /// stops every token of its clients on their next request.
    async fn set_agency_status(
        &self,
        ctx: &Context<'_>,
        input: SetAgencyStatusInput,
    ) -> ApiResult<SetAgencyStatusPayload> {
        let r = async {
            let id = id_of(&input.agency_id, NodeType::Agency, "agencyId")?;
            agencies::set_agency_status(
                state(ctx),
                actor(ctx),
                meta(ctx),
                id,
                agency_status(input.status),
                input.reason,
            )
            .await
        }
        .await;
        into_payload(r.map(|a| SetAgencyStatusPayload {
            agency: Some(Agency(a)),
            user_errors: vec![],
        }))
    }

    /// Issues client credentials to an agency or a department's system
    /// (operators). `clientSecret` is shown once.
    async fn issue_api_client(
        &self,
        ctx: &Context<'_>,
        input: IssueApiClientInput,
    ) -> ApiResult<IssueApiClientPayload> {
        let r = async {
            let owner = match (&input.agency_id, &input.department_id) {
                (Some(a), None) => ClientOwner::Agency(id_of(a, NodeType::Agency, "agencyId")?),
                (None, Some(d)) => {
                    ClientOwner::Department(id_of(d, NodeType::Department, "departmentId")?)
                }
                _ => {
                    return Err(ServiceError::Invalid(vec![FieldError::new(
                        &["input", "agencyId"],
                        "OWNER_REQUIRED",
                        "give exactly one of agencyId and departmentId",
                    )]));
                }
            };
            let new = NewClient {
                owner,
                name: input.name,
                scopes: input.scopes.into_iter().map(Into::into).collect(),
                rate_tier: input.rate_tier,
            };
            agencies::issue_api_client(state(ctx), actor(ctx), meta(ctx), new).await
        }
        .await;
        into_payload(r.map(|issued| {
            let (client, client_secret) = client_payload(issued);
            IssueApiClientPayload {
                client,
                client_secret,
                user_errors: vec![],
            }
        }))
    }

    /// Gives a client a new secret (operators); the old one stops working
    /// at once. The new secret is shown once.
    async fn rotate_api_client_secret(
        &self,
        ctx: &Context<'_>,
        input: RotateApiClientSecretInput,
    ) -> ApiResult<RotateApiClientSecretPayload> {
        let r = async {
            let id = id_of(&input.id, NodeType::ApiClient, "id")?;
            agencies::rotate_api_client_secret(state(ctx), actor(ctx), meta(ctx), id).await
        }
        .await;
        into_payload(r.map(|issued| {
            let (client, client_secret) = client_payload(issued);
            RotateApiClientSecretPayload {
                client,
                client_secret,
                user_errors: vec![],
            }
        }))
    }

    /// Revokes a client for good (operators): its secret and tokens stop
    /// working on the next request.
    async fn revoke_api_client(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiClientInput,
    ) -> ApiResult<RevokeApiClientPayload> {
        let r = async {
            let id = id_of(&input.id, NodeType::ApiClient, "id")?;
            agencies::revoke_api_client(state(ctx), actor(ctx), meta(ctx), id).await
        }
        .await;
        into_payload(r.map(|c| RevokeApiClientPayload {
            client: Some(ApiClient(c)),
            user_errors: vec![],
        }))
    }

    /// Grants an agency consent, as a user bound to the subject: one active
    /// consent with a signed receipt per purpose.
    async fn grant_consent(
        &self,
        ctx: &Context<'_>,
        input: GrantConsentInput,
    ) -> ApiResult<GrantConsentPayload> {
        let r = async {
            let subject_id = id_of(&input.subject_id, NodeType::Subject, "subjectId")?;
            let t = terms(Terms {
                purpose_codes: input.purpose_codes,
                purpose_text: input.purpose_text,
                scope: input.scope,
                mode: input.mode,
                monthly_cap: input.monthly_cap,
                valid_from: input.valid_from,
                valid_until: input.valid_until,
            })?;
            consents::grant_consent(
                state(ctx),
                actor(ctx),
                meta(ctx),
                subject_id,
                &input.agency_uscc,
                t,
            )
            .await
        }
        .await;
        into_payload(r.map(|cs| GrantConsentPayload {
            consents: cs.into_iter().map(Consent).collect(),
            user_errors: vec![],
        }))
    }

    /// Asks a subject for consent, as an agency client with scope
    /// `consents:request`: one pending request per purpose.
    async fn request_consent(
        &self,
        ctx: &Context<'_>,
        input: RequestConsentInput,
    ) -> ApiResult<RequestConsentPayload> {
        let r = async {
            let t = terms(Terms {
                purpose_codes: input.purpose_codes,
                purpose_text: input.purpose_text,
                scope: input.scope,
                mode: input.mode,
                monthly_cap: input.monthly_cap,
                valid_from: input.valid_from,
                valid_until: input.valid_until,
            })?;
            consents::request_consent(
                state(ctx),
                actor(ctx),
                meta(ctx),
                &input.subject_identifier,
                t,
            )
            .await
        }
        .await;
        into_payload(r.map(|cs| RequestConsentPayload {
            consents: cs.into_iter().map(Consent).collect(),
            user_errors: vec![],
        }))
    }

    /// Approves an agency's pending request (a user bound to the subject).
    async fn approve_consent(
        &self,
        ctx: &Context<'_>,
        input: ConsentIdInput,
    ) -> ApiResult<ApproveConsentPayload> {
        let r = async {
            let id = id_of(&input.id, NodeType::Consent, "id")?;
            consents::approve_consent(state(ctx), actor(ctx), meta(ctx), id).await
        }
        .await;
        into_payload(r.map(|c| ApproveConsentPayload {
            consent: Some(Consent(c)),
            user_errors: vec![],
        }))
    }

    /// Denies an agency's pending request (a user bound to the subject).
    async fn deny_consent(
        &self,
        ctx: &Context<'_>,
        input: ConsentIdInput,
    ) -> ApiResult<DenyConsentPayload> {
        let r = async {
            let id = id_of(&input.id, NodeType::Consent, "id")?;
            consents::deny_consent(state(ctx), actor(ctx), meta(ctx), id).await
        }
        .await;
        into_payload(r.map(|c| DenyConsentPayload {
            consent: Some(Consent(c)),
            user_errors: vec![],
        }))
    }

    /// Revokes a consent (a user bound to the subject): no query under it
    /// from now on; nothing done before is undone. No reason is asked.
    async fn revoke_consent(
        &self,
        ctx: &Context<'_>,
        input: ConsentIdInput,
    ) -> ApiResult<RevokeConsentPayload> {
        let r = async {
            let id = id_of(&input.id, NodeType::Consent, "id")?;
            consents::revoke_consent(state(ctx), actor(ctx), meta(ctx), id).await
        }
        .await;
        into_payload(r.map(|c| RevokeConsentPayload {
            consent: Some(Consent(c)),
            user_errors: vec![],
        }))
    }

    /// Extends a live consent (a user bound to the subject): same id and
    /// terms, later `validUntil`, version + 1, new receipt.
    async fn renew_consent(
        &self,
        ctx: &Context<'_>,
        input: RenewConsentInput,
    ) -> ApiResult<RenewConsentPayload> {
        let r = async {
            let id = id_of(&input.id, NodeType::Consent, "id")?;
            consents::renew_consent(state(ctx), actor(ctx), meta(ctx), id, input.valid_until).await
        }
        .await;
        into_payload(r.map(|c| RenewConsentPayload {
            consent: Some(Consent(c)),
            user_errors: vec![],
        }))
    }
}
