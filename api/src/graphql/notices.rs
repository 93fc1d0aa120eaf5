//! The portal inbox (`myNotices`, read receipts) and the operator's view of
//! failed mail: thin resolvers over `service::notices` (docs/mail.md).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::EmailStatus;
use entity::{notice, outbox_email};

use super::error::{ApiResult, Payload, UserError, into_payload};
use super::node::{NodeType, decode_cursor, decode_id_of, encode_cursor, global_id};
use super::types::connection::{IdConnection, page_complexity};
use super::{actor, meta, state};
use crate::service::ServiceError;
use crate::service::notices::{self, FailedFilter};

/// Largest page of notices or emails.
pub const MAX_PAGE: i32 = 100;

pub(crate) fn page_size(first: i32) -> ApiResult<u64> {
    if !(1..=MAX_PAGE).contains(&first) {
        return Err(ServiceError::invalid(
            &["first"],
            "PAGE_SIZE_INVALID",
            format!("`first` must be between 1 and {MAX_PAGE}"),
        )
        .into());
    }
    Ok(first as u64)
}

pub(crate) fn cursor(after: Option<String>) -> ApiResult<Option<i64>> {
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

/// One notice in the signed-in account's inbox.
#[derive(Clone)]
pub struct Notice(pub notice::Model);

#[Object]
impl Notice {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Notice, self.0.id)
    }
    /// What it is about, e.g. `objection_received`, `consent_requested`,
    /// `subject_queried` (the list is in docs/mail.md).
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// In the account's language at the time it was sent.
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Portal path it points to (e.g. `/consents/12`).
    async fn link(&self) -> Option<&str> {
        self.0.link.as_deref()
    }
    /// The subject it concerns, if any.
    async fn subject_id(&self) -> Option<ID> {
        self.0.subject_id.map(|s| global_id(NodeType::Subject, s))
    }
    /// The facts the text was made from (case number, dates...).
    async fn data(&self) -> Json<serde_json::Value> {
        Json(self.0.data.clone())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The read receipt: when the account first opened it. Never moves once set.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
    async fn read(&self) -> bool {
        self.0.read_at.is_some()
    }
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailDeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// A worker holds it now.
    Sending,
    Sent,
    /// Gave up; an operator can `retryEmail`.
    Dead,
}

impl From<EmailStatus> for EmailDeliveryStatus {
    fn from(s: EmailStatus) -> Self {
        match s {
            EmailStatus::Pending => EmailDeliveryStatus::Pending,
            EmailStatus::Sending => EmailDeliveryStatus::Sending,
            EmailStatus::Sent => EmailDeliveryStatus::Sent,
            EmailStatus::Dead => EmailDeliveryStatus::Dead,
        }
    }
}

/// Which failed emails to list.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailedEmailFilter {
    /// Dead-lettered only.
    Dead,
    /// Failed at least once, still being retried.
    Retrying,
    All,
}

/// An email of the outbox (operators only).
#[derive(Clone)]
pub struct Email(pub outbox_email::Model);

#[Object]
impl Email {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Email, self.0.id)
    }
    async fn to(&self) -> &str {
        &self.0.to_address
    }
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    async fn language(&self) -> &str {
        &self.0.language
    }
    async fn status(&self) -> EmailDeliveryStatus {
        self.0.status.into()
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        matches!(self.0.status, EmailStatus::Pending | EmailStatus::Sending)
            .then_some(self.0.next_attempt_at)
    }
    /// The transport's last error (no secrets: addresses and SMTP replies).
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// The inbox notice it carries, if any (account emails have none).
    async fn notice_id(&self) -> Option<ID> {
        self.0.notice_id.map(|n| global_id(NodeType::Notice, n))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
}

#[derive(Default)]
pub struct NoticeQueries;

#[Object]
impl NoticeQueries {
    /// The signed-in account's inbox, newest first. `first` is required (1–100).
    #[graphql(complexity = "page_complexity(Some(first), None, child_complexity)")]
    async fn my_notices(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        #[graphql(default = false)] unread_only: bool,
    ) -> ApiResult<IdConnection<Notice>> {
        let n = page_size(first)?;
        let after_id = cursor(after)?;
        let (rows, more) =
            notices::my_notices(state(ctx), actor(ctx), n, after_id, unread_only).await?;
        let mut c = Connection::new(after_id.is_some(), more);
        c.edges.extend(
            rows.into_iter()
                .map(|r| Edge::new(encode_cursor(r.id), Notice(r))),
        );
        Ok(c)
    }

    /// How many notices the signed-in account has not opened yet.
    async fn my_unread_notice_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        Ok(notices::unread_count(state(ctx), actor(ctx)).await?)
    }

    /// Operators: emails that failed — dead-lettered, or waiting for a retry.
    /// Newest first; `first` is required (1–100).
    #[graphql(complexity = "page_complexity(Some(first), None, child_complexity)")]
    async fn failed_emails(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        #[graphql(default_with = "FailedEmailFilter::All")] filter: FailedEmailFilter,
    ) -> ApiResult<IdConnection<Email>> {
        let n = page_size(first)?;
        let after_id = cursor(after)?;
        let f = match filter {
            FailedEmailFilter::Dead => FailedFilter::Dead,
            FailedEmailFilter::Retrying => FailedFilter::Retrying,
            FailedEmailFilter::All => FailedFilter::Both,
        };
        let (rows, more) = notices::failed_emails(state(ctx), actor(ctx), f, n, after_id).await?;
        let mut c = Connection::new(after_id.is_some(), more);
        c.edges.extend(
            rows.into_iter()
                .map(|r| Edge::new(encode_cursor(r.id), Email(r))),
        );
        Ok(c)
    }
}

#[derive(InputObject)]
pub struct MarkNoticeReadInput {
    /// A notice id from `myNotices`.
    pub id: ID,
}

#[derive(SimpleObject, Default)]
pub struct MarkNoticeReadPayload {
    pub notice: Option<Notice>,
    pub unread_count: Option<u64>,
    pub user_errors: Vec<UserError>,
}

impl Payload for MarkNoticeReadPayload {
    fn from_user_errors(user_errors: Vec<UserError>) -> Self {
        MarkNoticeReadPayload {
            user_errors,
            ..Default::default()
        }
    }
}

#[derive(SimpleObject, Default)]
pub struct MarkAllNoticesReadPayload {
    /// How many notices were marked read now.
    pub marked: u64,
    pub user_errors: Vec<UserError>,
}

impl Payload for MarkAllNoticesReadPayload {
    fn from_user_errors(user_errors: Vec<UserError>) -> Self {
        MarkAllNoticesReadPayload {
            user_errors,
            ..Default::default()
        }
    }
}

#[derive(InputObject)]
pub struct RetryEmailInput {
    /// An email id from `failedEmails`.
    pub id: ID,
}

#[derive(SimpleObject, Default)]
pub struct RetryEmailPayload {
    pub email: Option<Email>,
    pub user_errors: Vec<UserError>,
}

impl Payload for RetryEmailPayload {
    fn from_user_errors(user_errors: Vec<UserError>) -> Self {
        RetryEmailPayload {
            user_errors,
            ..Default::default()
        }
    }
}

fn bad_id(code: &'static str, what: &str) -> ServiceError {
    ServiceError::invalid(&["input", "id"], code, format!("not a {what} id"))
}

#[derive(Default)]
pub struct NoticeMutations;

#[Object]
impl NoticeMutations {
    /// Records the read receipt of one of your notices (the first time
    /// only: the receipt never moves).
    async fn mark_notice_read(
        &self,
        ctx: &Context<'_>,
        input: MarkNoticeReadInput,
    ) -> ApiResult<MarkNoticeReadPayload> {
        let r = async {
            let id = decode_id_of(&input.id, NodeType::Notice)
                .ok_or_else(|| bad_id("NOTICE_NOT_FOUND", "notice"))?;
            let n = notices::mark_read(state(ctx), actor(ctx), id).await?;
            let unread = notices::unread_count(state(ctx), actor(ctx)).await?;
            Ok(MarkNoticeReadPayload {
                notice: Some(Notice(n)),
                unread_count: Some(unread),
                user_errors: vec![],
            })
        }
        .await;
        into_payload(r)
    }

    /// Marks every unread notice of yours read.
    async fn mark_all_notices_read(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<MarkAllNoticesReadPayload> {
        let r = notices::mark_all_read(state(ctx), actor(ctx)).await;
        into_payload(r.map(|marked| MarkAllNoticesReadPayload {
            marked,
            user_errors: vec![],
        }))
    }

    /// Operators: puts a dead or retrying email back in the queue, due now,
    /// with a fresh set of attempts. A sent email is never sent again.
    async fn retry_email(
        &self,
        ctx: &Context<'_>,
        input: RetryEmailInput,
    ) -> ApiResult<RetryEmailPayload> {
        let r = async {
            let id = decode_id_of(&input.id, NodeType::Email)
                .ok_or_else(|| bad_id("EMAIL_NOT_FOUND", "email"))?;
            let e = notices::retry_email(state(ctx), actor(ctx), meta(ctx), id).await?;
            Ok(RetryEmailPayload {
                email: Some(Email(e)),
                user_errors: vec![],
            })
        }
        .await;
        into_payload(r)
    }
}
