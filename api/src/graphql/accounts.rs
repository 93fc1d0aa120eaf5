//! Account flows that need email — verification, password reset, identity
//! binding (实名) and the owner's management of a subject's accounts — and
//! the account's notice settings: thin resolvers over
//! `service::accounts` (docs/accounts.md).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::binding_request::BindingRequestStatus as Stored;
use entity::enums::{BindingMethod, BindingRole};

use super::error::{ApiResult, Payload, UserError, into_payload};
use super::node::{NodeType, decode_id_of, encode_cursor, global_id};
use super::notices::{cursor, page_size};
use super::types::connection::{IdConnection, page_complexity};
use super::types::{Account, Language};
use super::{actor, meta, state};
use crate::service::accounts::{
    self, BindingView, RequestView, SettingsChange, StartedBinding, SubjectClaim,
};
use crate::service::notices::{NoticePrefs, QueryNotices};
use crate::service::{ServiceError, ServiceResult};

// ---------------------------------------------------------------------------
// Enums

/// How the account hears of consented queries of its subjects.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryNoticeMode {
    /// An inbox notice and an email for every query.
    Each,
    /// One notice and email a day, listing the previous day's queries.
    DailyDigest,
    /// No notices (the query log stays visible in the portal).
    None,
}

impl From<QueryNotices> for QueryNoticeMode {
    fn from(q: QueryNotices) -> Self {
        match q {
            QueryNotices::Each => QueryNoticeMode::Each,
            QueryNotices::Digest => QueryNoticeMode::DailyDigest,
            QueryNotices::Off => QueryNoticeMode::None,
        }
    }
}

impl From<QueryNoticeMode> for QueryNotices {
    fn from(q: QueryNoticeMode) -> Self {
        match q {
            QueryNoticeMode::Each => QueryNotices::Each,
            QueryNoticeMode::DailyDigest => QueryNotices::Digest,
            QueryNoticeMode::None => QueryNotices::Off,
        }
    }
}

/// The capacity in which an account acts for a subject.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectRole {
    /// Speaks for the subject and manages its other accounts.
    Owner,
    /// Acts for the subject; cannot manage accounts.
    Agent,
}

impl From<BindingRole> for SubjectRole {
    fn from(r: BindingRole) -> Self {
        match r {
            BindingRole::Owner => SubjectRole::Owner,
            BindingRole::Agent => SubjectRole::Agent,
        }
    }
}

impl From<SubjectRole> for BindingRole {
    fn from(r: SubjectRole) -> Self {
        match r {
            SubjectRole::Owner => BindingRole::Owner,
            SubjectRole::Agent => BindingRole::Agent,
        }
    }
}

/// How a binding was proven.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingProof {
    /// A one-time code sent to the subject's registered contact.
    ContactCode,
    /// Documents checked by platform or department staff.
    StaffDocument,
    /// An external identity provider.
    ExternalIdp,
    /// Demo data.
    Demo,
    /// An owner of the subject added the account.
    OwnerGrant,
}

impl From<BindingMethod> for BindingProof {
    fn from(m: BindingMethod) -> Self {
        match m {
            BindingMethod::ContactCode => BindingProof::ContactCode,
            BindingMethod::StaffDocument => BindingProof::StaffDocument,
            BindingMethod::ExternalIdp => BindingProof::ExternalIdp,
            BindingMethod::Demo => BindingProof::Demo,
            BindingMethod::OwnerGrant => BindingProof::OwnerGrant,
        }
    }
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingRequestStatus {
    /// Waiting for a check.
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

impl From<Stored> for BindingRequestStatus {
    fn from(s: Stored) -> Self {
        match s {
            Stored::Pending => BindingRequestStatus::Pending,
            Stored::Approved => BindingRequestStatus::Approved,
            Stored::Rejected => BindingRequestStatus::Rejected,
            Stored::Withdrawn => BindingRequestStatus::Withdrawn,
        }
    }
}

impl From<BindingRequestStatus> for Stored {
    fn from(s: BindingRequestStatus) -> Self {
        match s {
            BindingRequestStatus::Pending => Stored::Pending,
            BindingRequestStatus::Approved => Stored::Approved,
            BindingRequestStatus::Rejected => Stored::Rejected,
            BindingRequestStatus::Withdrawn => Stored::Withdrawn,
        }
    }
}

// ---------------------------------------------------------------------------
// Objects

/// The signed-in account's settings.
pub struct AccountSettings(pub entity::account::Model);

#[Object]
impl AccountSettings {
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Language of pages and email.
    async fn language(&self) -> Language {
        Language::from_tag(&self.0.language)
    }
    async fn email_verified(&self) -> bool {
        self.0.email_verified_at.is_some()
    }
    async fn email_verified_at(&self) -> Option<DateTime<Utc>> {
        self.0.email_verified_at
    }
    /// Consented queries of my subjects: per query, a daily digest, or none.
    async fn query_notices(&self) -> QueryNoticeMode {
        NoticePrefs::from_json(&self.0.notify_prefs).queries.into()
    }
    /// Email for objection, repair, complaint, deadline and new-record notices.
    async fn email_case_notices(&self) -> bool {
        NoticePrefs::from_json(&self.0.notify_prefs).email_cases
    }
    /// Email for consent requested / granted / revoked / expiring notices.
    async fn email_consent_notices(&self) -> bool {
        NoticePrefs::from_json(&self.0.notify_prefs).email_consents
    }
}

/// An account acting for a subject.
pub struct SubjectBinding(pub BindingView);

#[Object]
impl SubjectBinding {
    pub async fn id(&self) -> ID {
        global_id(NodeType::SubjectBinding, self.0.binding.id)
    }
    async fn subject_id(&self) -> ID {
        global_id(NodeType::Subject, self.0.binding.subject_id)
    }
    async fn subject_name(&self) -> &str {
        &self.0.subject.name
    }
    async fn account_display_name(&self) -> &str {
        &self.0.account.display_name
    }
    /// Shown to the subject's owners (who manage the accounts) and to the account itself.
    async fn account_email(&self) -> &str {
        &self.0.account.email
    }
    async fn role(&self) -> SubjectRole {
        self.0.binding.role.into()
    }
    async fn bound_via(&self) -> BindingProof {
        self.0.binding.bound_via.into()
    }
    async fn bound_at(&self) -> DateTime<Utc> {
        self.0.binding.bound_at
    }
    /// When the binding ended (kept as evidence of who could act when).
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.binding.revoked_at
    }
    async fn active(&self) -> bool {
        self.0.binding.revoked_at.is_none()
    }
}

/// A binding code on its way to the subject's registered contact.
pub struct BindingChallenge(pub StartedBinding);

#[Object]
impl BindingChallenge {
    /// Give it back with the code to `confirmSubjectBinding`.
    async fn id(&self) -> ID {
        global_id(NodeType::BindingChallenge, self.0.challenge.id)
    }
    /// The registered contact, masked (`f***@example.cn`).
    async fn sent_to(&self) -> &str {
        &self.0.challenge.sent_to_masked
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.challenge.expires_at
    }
    async fn subject_name(&self) -> &str {
        &self.0.subject.name
    }
}

/// A request to bind on documents checked by staff.
pub struct BindingRequest(pub RequestView);

#[Object]
impl BindingRequest {
    pub async fn id(&self) -> ID {
        global_id(NodeType::BindingRequest, self.0.request.id)
    }
    /// Reference shown to people (`BR-12`).
    async fn number(&self) -> String {
        format!("BR-{}", self.0.request.id)
    }
    async fn subject_id(&self) -> ID {
        global_id(NodeType::Subject, self.0.request.subject_id)
    }
    async fn subject_name(&self) -> &str {
        &self.0.subject.name
    }
    /// The subject's identifier as it may be shown (USCC, or masked ID number).
    async fn subject_identifier(&self) -> &str {
        &self.0.subject.identifier_masked
    }
    async fn applicant_display_name(&self) -> &str {
        &self.0.applicant.display_name
    }
    async fn applicant_email(&self) -> &str {
        &self.0.applicant.email
    }
    async fn role(&self) -> SubjectRole {
        self.0.request.role.into()
    }
    async fn status(&self) -> BindingRequestStatus {
        self.0.request.status.into()
    }
    /// The documents the applicant said it will show.
    async fn evidence(&self) -> &str {
        &self.0.request.evidence
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.request.created_at
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.request.decided_at
    }
    async fn decision_note(&self) -> Option<&str> {
        self.0.request.decision_note.as_deref()
    }
}

// ---------------------------------------------------------------------------
// Queries

#[derive(Default)]
pub struct AccountQueries;

#[Object]
impl AccountQueries {
    /// The signed-in account's settings.
    async fn my_settings(&self, ctx: &Context<'_>) -> ApiResult<AccountSettings> {
        let a = match actor(ctx) {
            crate::auth::Actor::Account(a) => a,
            crate::auth::Actor::Anonymous => {
                return Err(ServiceError::Unauthenticated("sign in first").into());
            }
            // An API client is authenticated but has no account settings.
            crate::auth::Actor::Client(_) => return Err(ServiceError::Forbidden.into()),
        };
        let acct = accounts::get_account(state(ctx), actor(ctx), a.account_id)
            .await?
            .ok_or(ServiceError::Unauthenticated(
                "the account no longer exists",
            ))?;
        Ok(AccountSettings(acct))
    }

    /// The subjects the signed-in account acts for, with role and proof.
    async fn my_bindings(&self, ctx: &Context<'_>) -> ApiResult<Vec<SubjectBinding>> {
        Ok(accounts::my_bindings(state(ctx), actor(ctx))
            .await?
            .into_iter()
            .map(SubjectBinding)
            .collect())
    }

    /// The accounts acting for a subject (revoked ones included), for its
    /// owners; an agent sees only its own binding. `FORBIDDEN` unless the
    /// signed-in account acts for the subject.
    async fn subject_accounts(
        &self,
        ctx: &Context<'_>,
        subject_id: ID,
    ) -> ApiResult<Vec<SubjectBinding>> {
        let Some(id) = decode_id_of(&subject_id, NodeType::Subject) else {
            return Err(ServiceError::Forbidden.into());
        };
        Ok(accounts::subject_bindings(state(ctx), actor(ctx), id)
            .await?
            .into_iter()
            .map(SubjectBinding)
            .collect())
    }

    /// Document-checked binding requests, newest first: every request for
    /// operators and staff (the queue: filter `PENDING`), one's own for a
    /// subject user. `first` is required (1–100).
    #[graphql(complexity = "page_complexity(Some(first), None, child_complexity)")]
    async fn binding_requests(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        status: Option<BindingRequestStatus>,
    ) -> ApiResult<IdConnection<BindingRequest>> {
        let n = page_size(first)?;
        let after_id = cursor(after)?;
        let (rows, more) =
            accounts::binding_requests(state(ctx), actor(ctx), status.map(Into::into), n, after_id)
                .await?;
        let mut c = Connection::new(after_id.is_some(), more);
        c.edges.extend(
            rows.into_iter()
                .map(|r| Edge::new(encode_cursor(r.request.id), BindingRequest(r))),
        );
        Ok(c)
    }
}

// ---------------------------------------------------------------------------
// Mutations: inputs and payloads

#[derive(InputObject)]
pub struct VerifyEmailInput {
    /// The `token` parameter of the link in the verification email.
    pub token: String,
}

#[derive(InputObject)]
pub struct RequestPasswordResetInput {
    pub email: String,
}

#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// The `token` parameter of the link in the reset email.
    pub token: String,
    /// At least 10 characters; a few unrelated words make a strong one.
    pub new_password: String,
}

#[derive(InputObject)]
pub struct StartSubjectBindingInput {
    /// USCC (统一社会信用代码) of an organisation, or ID number of a person.
    pub identifier: String,
    /// A person's name as on the identity card (required for ID numbers).
    pub name: Option<String>,
}

#[derive(InputObject)]
pub struct ConfirmSubjectBindingInput {
    /// `challenge.id` from `startSubjectBinding`.
    pub challenge_id: ID,
    /// The 6-digit code from the registered contact's mailbox.
    pub code: String,
}

#[derive(InputObject)]
pub struct RequestDocumentBindingInput {
    pub identifier: String,
    pub name: Option<String>,
    /// What you will show, e.g. "营业执照副本 + 法定代表人授权书".
    pub evidence: String,
}

#[derive(InputObject)]
pub struct DecideBindingRequestInput {
    pub id: ID,
    pub approve: bool,
    /// Required when rejecting: why, and what the applicant can do.
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct WithdrawBindingRequestInput {
    /// A request id from `requestDocumentBinding` or `bindingRequests`.
    pub id: ID,
}

#[derive(InputObject)]
pub struct AddSubjectAccountInput {
    pub subject_id: ID,
    /// The email of an existing personal account.
    pub email: String,
    #[graphql(default_with = "SubjectRole::Agent")]
    pub role: SubjectRole,
}

#[derive(InputObject)]
pub struct RevokeSubjectBindingInput {
    /// A binding id from `subjectAccounts` or `myBindings`.
    pub id: ID,
}

#[derive(InputObject, Default)]
pub struct UpdateAccountSettingsInput {
    pub language: Option<Language>,
    pub display_name: Option<String>,
    pub query_notices: Option<QueryNoticeMode>,
    pub email_case_notices: Option<bool>,
    pub email_consent_notices: Option<bool>,
}

macro_rules! payload {
    ($(#[$m:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(SimpleObject, Default)]
        pub struct $name {
            $(pub $field: $ty,)*
            pub user_errors: Vec<UserError>,
        }
        impl Payload for $name {
            fn from_user_errors(user_errors: Vec<UserError>) -> Self {
                $name { user_errors, ..Default::default() }
            }
        }
    };
}

payload!(
    /// `sentTo` is the masked address the link went to.
    EmailSentPayload { sent_to: Option<String> }
);
payload!(AccountPayload { account: Option<Account> });
payload!(
    /// Always `accepted: true` for a well-formed request: whether an account
    /// has this email is not revealed.
    RequestPasswordResetPayload { accepted: bool }
);
payload!(StartSubjectBindingPayload { challenge: Option<BindingChallenge> });
payload!(SubjectBindingPayload { binding: Option<SubjectBinding> });
payload!(BindingRequestPayload { request: Option<BindingRequest> });
payload!(AccountSettingsPayload { settings: Option<AccountSettings> });

fn bad_id(field: &'static str, code: &'static str, what: &str) -> ServiceError {
    ServiceError::invalid(&["input", field], code, format!("not a {what} id"))
}

async fn binding_payload(
    ctx: &Context<'_>,
    r: ServiceResult<entity::account_subject::Model>,
) -> ServiceResult<SubjectBindingPayload> {
    let b = r?;
    let view = accounts::binding_view(state(ctx), actor(ctx), b.id).await?;
    Ok(SubjectBindingPayload {
        binding: view.map(SubjectBinding),
        user_errors: vec![],
    })
}

#[derive(Default)]
pub struct AccountMutations;

#[Object]
impl AccountMutations {
    /// Sends a new verification link to the signed-in account's email.
    async fn request_email_verification(&self, ctx: &Context<'_>) -> ApiResult<EmailSentPayload> {
        let r = accounts::request_email_verification(state(ctx), actor(ctx), meta(ctx)).await;
        into_payload(r.map(|to| EmailSentPayload {
            sent_to: Some(to),
            user_errors: vec![],
        }))
    }

    /// Verifies an email address with the token from the link (no sign-in needed).
    async fn verify_email(
        &self,
        ctx: &Context<'_>,
        input: VerifyEmailInput,
    ) -> ApiResult<AccountPayload> {
        let r = accounts::verify_email(state(ctx), meta(ctx), &input.token).await;
        into_payload(r.map(|a| AccountPayload {
            account: Some(Account(a)),
            user_errors: vec![],
        }))
    }

    /// Emails a password-reset link if an account has this email.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        input: RequestPasswordResetInput,
    ) -> ApiResult<RequestPasswordResetPayload> {
        let r = accounts::request_password_reset(state(ctx), meta(ctx), &input.email).await;
        into_payload(r.map(|()| RequestPasswordResetPayload {
            accepted: true,
            user_errors: vec![],
        }))
    }

    /// Sets a new password with the token from the reset link (works once;
    /// ends every session of the account).
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        input: ResetPasswordInput,
    ) -> ApiResult<AccountPayload> {
        let r = accounts::reset_password(state(ctx), meta(ctx), &input.token, &input.new_password)
            .await;
        into_payload(r.map(|a| AccountPayload {
            account: Some(Account(a)),
            user_errors: vec![],
        }))
    }

    /// Step 1 of binding (实名) by code: sends a 6-digit code to the
    /// subject's registered contact email. Unknown subject and wrong name
    /// are the same `BINDING_SUBJECT_NOT_MATCHED`, and count as failures.
    async fn start_subject_binding(
        &self,
        ctx: &Context<'_>,
        input: StartSubjectBindingInput,
    ) -> ApiResult<StartSubjectBindingPayload> {
        let claim = SubjectClaim {
            identifier: input.identifier,
            name: input.name,
        };
        let r = accounts::start_binding(state(ctx), actor(ctx), meta(ctx), claim).await;
        into_payload(r.map(|s| StartSubjectBindingPayload {
            challenge: Some(BindingChallenge(s)),
            user_errors: vec![],
        }))
    }

    /// Step 2: the code from the registered contact's mailbox; the account
    /// becomes an owner of the subject.
    async fn confirm_subject_binding(
        &self,
        ctx: &Context<'_>,
        input: ConfirmSubjectBindingInput,
    ) -> ApiResult<SubjectBindingPayload> {
        let r = async {
            let id = decode_id_of(&input.challenge_id, NodeType::BindingChallenge)
                .ok_or_else(|| bad_id("challengeId", "CHALLENGE_NOT_FOUND", "binding challenge"))?;
            let b =
                accounts::confirm_binding(state(ctx), actor(ctx), meta(ctx), id, &input.code).await;
            binding_payload(ctx, b).await
        }
        .await;
        into_payload(r)
    }

    /// Binding on documents, when the registered contact is out of date:
    /// the request waits for an operator or staff member.
    async fn request_document_binding(
        &self,
        ctx: &Context<'_>,
        input: RequestDocumentBindingInput,
    ) -> ApiResult<BindingRequestPayload> {
        let claim = SubjectClaim {
            identifier: input.identifier,
            name: input.name,
        };
        let r = async {
            let req = accounts::request_document_binding(
                state(ctx),
                actor(ctx),
                meta(ctx),
                claim,
                &input.evidence,
            )
            .await?;
            let view = accounts::request_view(state(ctx), req).await?;
            Ok(BindingRequestPayload {
                request: Some(BindingRequest(view)),
                user_errors: vec![],
            })
        }
        .await;
        into_payload(r)
    }

    /// Operators and staff: approve (the applicant becomes an owner) or
    /// reject (with a note) a document-checked binding request.
    async fn decide_binding_request(
        &self,
        ctx: &Context<'_>,
        input: DecideBindingRequestInput,
    ) -> ApiResult<BindingRequestPayload> {
        let r = async {
            let id = decode_id_of(&input.id, NodeType::BindingRequest)
                .ok_or_else(|| bad_id("id", "BINDING_REQUEST_NOT_FOUND", "binding request"))?;
            let req = accounts::decide_binding_request(
                state(ctx),
                actor(ctx),
                meta(ctx),
                id,
                input.approve,
                input.note,
            )
            .await?;
            let view = accounts::request_view(state(ctx), req).await?;
            Ok(BindingRequestPayload {
                request: Some(BindingRequest(view)),
                user_errors: vec![],
            })
        }
        .await;
        into_payload(r)
    }

    /// The applicant withdraws a pending document-binding request.
    async fn withdraw_binding_request(
        &self,
        ctx: &Context<'_>,
        input: WithdrawBindingRequestInput,
    ) -> ApiResult<BindingRequestPayload> {
        let r = async {
            let id = decode_id_of(&input.id, NodeType::BindingRequest)
                .ok_or_else(|| bad_id("id", "BINDING_REQUEST_NOT_FOUND", "binding request"))?;
            let req =
                accounts::withdraw_binding_request(state(ctx), actor(ctx), meta(ctx), id).await?;
            let view = accounts::request_view(state(ctx), req).await?;
            Ok(BindingRequestPayload {
                request: Some(BindingRequest(view)),
                user_errors: vec![],
            })
        }
        .await;
        into_payload(r)
    }

    /// An owner lets another signed-up account act for the subject (as an
    /// agent by default).
    async fn add_subject_account(
        &self,
        ctx: &Context<'_>,
        input: AddSubjectAccountInput,
    ) -> ApiResult<SubjectBindingPayload> {
        let r = async {
            let Some(subject_id) = decode_id_of(&input.subject_id, NodeType::Subject) else {
                return Err(ServiceError::Forbidden);
            };
            let b = accounts::add_subject_account(
                state(ctx),
                actor(ctx),
                meta(ctx),
                subject_id,
                &input.email,
                input.role.into(),
            )
            .await;
            binding_payload(ctx, b).await
        }
        .await;
        into_payload(r)
    }

    /// Ends a binding: an owner ends any on its subject; anyone ends their own.
    async fn revoke_subject_binding(
        &self,
        ctx: &Context<'_>,
        input: RevokeSubjectBindingInput,
    ) -> ApiResult<SubjectBindingPayload> {
        let r = async {
            let id = decode_id_of(&input.id, NodeType::SubjectBinding)
                .ok_or_else(|| bad_id("id", "BINDING_NOT_FOUND", "binding"))?;
            let b = accounts::revoke_binding(state(ctx), actor(ctx), meta(ctx), id).await?;
            // The revoker may no longer see it through `binding_view` (own binding ended).
            let view = accounts::binding_view(state(ctx), actor(ctx), b.id).await?;
            Ok(SubjectBindingPayload {
                binding: view.map(SubjectBinding),
                user_errors: vec![],
            })
        }
        .await;
        into_payload(r)
    }

    /// Changes the signed-in account's language, name or notice settings;
    /// omitted fields stay as they are.
    async fn update_account_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateAccountSettingsInput,
    ) -> ApiResult<AccountSettingsPayload> {
        let change = SettingsChange {
            language: input.language.map(|l| l.tag().to_string()),
            display_name: input.display_name,
            query_notices: input.query_notices.map(Into::into),
            email_case_notices: input.email_case_notices,
            email_consent_notices: input.email_consent_notices,
        };
        let r = accounts::update_settings(state(ctx), actor(ctx), meta(ctx), change).await;
        into_payload(r.map(|a| AccountSettingsPayload {
            settings: Some(AccountSettings(a)),
            user_errors: vec![],
        }))
    }
}
