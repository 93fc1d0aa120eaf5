//! The change feed (`recordChanges`) and webhook subscriptions of credit
//! agencies: thin resolvers over `service::feed` and `service::webhooks`
//! (docs/webhooks.md).

use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums as e;
use entity::{subject, webhook_delivery, webhook_subscription};

use super::error::{ApiResult, Payload, UserError, into_payload};
use super::node::{NodeType, decode_cursor, decode_id_of, encode_cursor, global_id};
use super::types::SubjectKind;
use super::types::connection::{IdConnection, page_complexity};
use super::{actor, meta, state};
use crate::service::feed::{self, FeedItem};
use crate::service::webhooks::{self, NewSubscription, SubscriptionChange};
use crate::service::{ServiceError, ServiceResult};

// ---------------------------------------------------------------------------
// Enums

/// What happened. Record events carry `recordId`; consent events carry
/// `consentId`. In webhook payloads and the `X-Xinyong-Event` header the
/// kind is written in lower case (`WITHDRAWN` → `withdrawn`,
/// `CONSENT_REVOKED` → `consent_revoked`).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeEventKind {
    /// A record was published.
    Created,
    /// The department corrected a record (new version).
    Corrected,
    /// The department withdrew a record (decision revoked or annulled). Delete it by `deleteBy`.
    Withdrawn,
    /// An objection suspends the record's disclosure while it is handled.
    Suspended,
    /// A suspended record is shown again (the objection did not succeed).
    Restored,
    /// Credit repair (信用修复) ended the record's publication and sharing. Delete it by `deleteBy`.
    Repaired,
    /// The publication window ended; archived, no longer shown. Delete it by `deleteBy`.
    Archived,
    /// Deleted after an objection (unverifiable). Delete it by `deleteBy`.
    Deleted,
    /// Shielded or revoked from a list (e.g. 失信被执行人). Delete it by `deleteBy`.
    Delisted,
    /// You asked the subject for consent.
    ConsentRequested,
    /// The subject granted (or approved) a consent to you.
    ConsentGranted,
    /// The subject refused your request.
    ConsentDenied,
    /// The subject renewed a consent.
    ConsentRenewed,
    /// The subject revoked a consent: no query under it from that instant on.
    ConsentRevoked,
}

impl ChangeEventKind {
    const ALL: [ChangeEventKind; 14] = [
        ChangeEventKind::Created,
        ChangeEventKind::Corrected,
        ChangeEventKind::Withdrawn,
        ChangeEventKind::Suspended,
        ChangeEventKind::Restored,
        ChangeEventKind::Repaired,
        ChangeEventKind::Archived,
        ChangeEventKind::Deleted,
        ChangeEventKind::Delisted,
        ChangeEventKind::ConsentRequested,
        ChangeEventKind::ConsentGranted,
        ChangeEventKind::ConsentDenied,
        ChangeEventKind::ConsentRenewed,
        ChangeEventKind::ConsentRevoked,
    ];

    /// The stored kind (`change_event.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeEventKind::Created => "created",
            ChangeEventKind::Corrected => "corrected",
            ChangeEventKind::Withdrawn => "withdrawn",
            ChangeEventKind::Suspended => "suspended",
            ChangeEventKind::Restored => "restored",
            ChangeEventKind::Repaired => "repaired",
            ChangeEventKind::Archived => "archived",
            ChangeEventKind::Deleted => "deleted",
            ChangeEventKind::Delisted => "delisted",
            ChangeEventKind::ConsentRequested => "consent_requested",
            ChangeEventKind::ConsentGranted => "consent_granted",
            ChangeEventKind::ConsentDenied => "consent_denied",
            ChangeEventKind::ConsentRenewed => "consent_renewed",
            ChangeEventKind::ConsentRevoked => "consent_revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Whether the platform sends to a subscription.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookSubscriptionStatus {
    Active,
    /// Nothing is sent: deliveries already queued wait for it to be enabled
    /// again; events in the meantime are not queued (catch up with
    /// `recordChanges`). See `disabledReason`.
    Disabled,
}

/// Where a delivery stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookDeliveryStatus {
    /// Not attempted yet (or being attempted).
    Pending,
    /// Your endpoint answered 2xx. Never sent again.
    Delivered,
    /// The last attempt failed; retried at `nextAttemptAt`.
    Failed,
    /// Every attempt failed; not retried. Catch up with `recordChanges`.
    Dead,
}

impl From<e::DeliveryStatus> for WebhookDeliveryStatus {
    fn from(s: e::DeliveryStatus) -> Self {
        match s {
            e::DeliveryStatus::Pending => WebhookDeliveryStatus::Pending,
            e::DeliveryStatus::Delivered => WebhookDeliveryStatus::Delivered,
            e::DeliveryStatus::Failed => WebhookDeliveryStatus::Failed,
            e::DeliveryStatus::Dead => WebhookDeliveryStatus::Dead,
        }
    }
}

impl From<WebhookDeliveryStatus> for e::DeliveryStatus {
    fn from(s: WebhookDeliveryStatus) -> Self {
        match s {
            WebhookDeliveryStatus::Pending => e::DeliveryStatus::Pending,
            WebhookDeliveryStatus::Delivered => e::DeliveryStatus::Delivered,
            WebhookDeliveryStatus::Failed => e::DeliveryStatus::Failed,
            WebhookDeliveryStatus::Dead => e::DeliveryStatus::Dead,
        }
    }
}

fn kind_strings(kinds: &[ChangeEventKind]) -> Vec<String> {
    kinds.iter().map(|k| k.as_str().to_string()).collect()
}

// ---------------------------------------------------------------------------
// Objects

/// One event of the change feed: what happened to which subject (and
/// record or consent), when, and by when you must delete what you hold.
/// Ids and kinds only, never a record's content: read the record with
/// `node(id: recordId)` under your consent if you need it.
pub struct ChangeEvent(FeedItem);

#[Object]
impl ChangeEvent {
    /// Opaque and stable; the same as `id` in webhook payloads.
    async fn id(&self) -> ID {
        ID(feed::event_id(self.0.event.id))
    }
    async fn kind(&self) -> ApiResult<ChangeEventKind> {
        ChangeEventKind::parse(&self.0.event.kind).ok_or_else(|| {
            ServiceError::Internal(format!("unknown event kind {:?}", self.0.event.kind)).into()
        })
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.event.occurred_at
    }
    async fn subject(&self) -> ChangeSubject {
        ChangeSubject(self.0.subject.clone())
    }
    /// The record (a `CreditRecord` id), for record events.
    async fn record_id(&self) -> Option<ID> {
        self.0
            .event
            .record_id
            .map(|r| global_id(NodeType::CreditRecord, r))
    }
    /// The consent (a `Consent` id), for consent events.
    async fn consent_id(&self) -> Option<ID> {
        self.0
            .event
            .consent_id
            .map(|c| global_id(NodeType::Consent, c))
    }
    /// For WITHDRAWN, REPAIRED, ARCHIVED, DELETED and DELISTED: the last day
    /// (Asia/Shanghai) to delete the entry from what you republish — 3
    /// working days after the event (rule `delisting.republisher_deletion`,
    /// seed 002 l.393). Null for other kinds.
    async fn delete_by(&self) -> Option<NaiveDate> {
        self.0.delete_by.map(|d| d.date)
    }
    /// True when `deleteBy` runs into a year whose holiday calendar is not
    /// loaded yet (it may move when the State Council's notice is loaded).
    async fn delete_by_provisional(&self) -> bool {
        self.0.delete_by.is_some_and(|d| d.provisional)
    }
}

/// The subject of a change event, as an agency may see it: id, name and
/// identifier (a person's ID number masked).
pub struct ChangeSubject(Arc<subject::Model>);

#[Object]
impl ChangeSubject {
    /// The `Subject` id.
    async fn id(&self) -> ID {
        global_id(NodeType::Subject, self.0.id)
    }
    async fn kind(&self) -> SubjectKind {
        self.0.kind.into()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// USCC for organisations; a masked ID number (3501**********1234) for people.
    async fn identifier(&self) -> &str {
        &self.0.identifier_masked
    }
}

/// Where the platform pushes change events for one API client, signed with
/// the subscription's secret (see docs/webhooks.md).
#[derive(Clone)]
pub struct WebhookSubscription(pub webhook_subscription::Model);

#[Object]
impl WebhookSubscription {
    pub async fn id(&self) -> ID {
        global_id(NodeType::WebhookSubscription, self.0.id)
    }
    /// The HTTPS endpoint.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The event kinds sent.
    async fn events(&self) -> Vec<ChangeEventKind> {
        webhooks::events_of(&self.0)
            .iter()
            .filter_map(|k| ChangeEventKind::parse(k))
            .collect()
    }
    async fn status(&self) -> WebhookSubscriptionStatus {
        match self.0.status {
            e::WebhookStatus::Active => WebhookSubscriptionStatus::Active,
            e::WebhookStatus::Disabled => WebhookSubscriptionStatus::Disabled,
        }
    }
    /// Failed attempts since the last success. When a delivery dies with
    /// this at 12 or more, the platform disables the subscription.
    async fn consecutive_failures(&self) -> i32 {
        self.0.consecutive_failures
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.0.disabled_at
    }
    /// Why it was disabled (by you, or by the platform after repeated failures).
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// The end of the current signing secret (`whsec_…abcd`), to tell secrets apart.
    async fn secret_hint(&self, ctx: &Context<'_>) -> Option<String> {
        webhooks::secret_hint(&state(ctx).keys, &self.0)
    }
    /// Until then, payloads also carry a signature with the previous secret.
    async fn previous_secret_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.previous_secret_expires_at
    }
    /// The delivery log, newest first (optionally only one status). `first`
    /// is required, at most 100.
    #[graphql(complexity = "page_complexity(Some(first), None, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
        status: Option<WebhookDeliveryStatus>,
    ) -> ApiResult<IdConnection<WebhookDelivery>> {
        let before_id = cursor(after)?;
        let page = webhooks::deliveries(
            state(ctx),
            actor(ctx),
            self.0.id,
            status.map(Into::into),
            before_id,
            first,
        )
        .await?;
        let mut c = Connection::new(before_id.is_some(), page.has_next);
        c.edges.extend(
            page.items
                .into_iter()
                .map(|d| Edge::new(encode_cursor(d.id), WebhookDelivery(d))),
        );
        Ok(c)
    }
}

/// One event pushed (or being pushed) to one subscription.
#[derive(Clone)]
pub struct WebhookDelivery(pub webhook_delivery::Model);

#[Object]
impl WebhookDelivery {
    /// Also sent as `X-Xinyong-Delivery`: the same on every retry.
    pub async fn id(&self) -> ID {
        global_id(NodeType::WebhookDelivery, self.0.id)
    }
    async fn subscription_id(&self) -> ID {
        global_id(NodeType::WebhookSubscription, self.0.subscription_id)
    }
    /// The change event (null for a ping).
    async fn event_id(&self) -> Option<ID> {
        self.0.change_event_id.map(|id| ID(feed::event_id(id)))
    }
    /// As in `X-Xinyong-Event`: `withdrawn`, `consent_revoked`, `ping`…
    async fn event_kind(&self) -> &str {
        &self.0.event_kind
    }
    async fn status(&self) -> WebhookDeliveryStatus {
        self.0.status.into()
    }
    /// Attempts made so far (at most 12).
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When the next attempt is due (PENDING and FAILED only).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        matches!(
            self.0.status,
            e::DeliveryStatus::Pending | e::DeliveryStatus::Failed
        )
        .then_some(self.0.next_attempt_at)
    }
    async fn last_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_attempt_at
    }
    /// Your endpoint's HTTP status on the last attempt (null if it never answered).
    async fn response_status(&self) -> Option<i32> {
        self.0.response_status
    }
    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// The JSON body sent (ids and kind, never content).
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(self.0.payload.clone())
    }
}

fn cursor(after: Option<String>) -> ApiResult<Option<i64>> {
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

fn subscription_id(id: &ID) -> ServiceResult<i64> {
    decode_id_of(id, NodeType::WebhookSubscription).ok_or_else(|| {
        ServiceError::invalid(
            &["input", "id"],
            "ID_INVALID",
            "not a WebhookSubscription id",
        )
    })
}

// ---------------------------------------------------------------------------
// Queries

#[derive(Default)]
pub struct FeedQueries;

#[Object]
impl FeedQueries {
    /// The change feed (agency clients with scope `changes:read`): every
    /// record event about subjects you hold a live consent for or have
    /// received data about, and your consents' lifecycle, oldest first.
    /// Keep `pageInfo.endCursor` and pass it as `after` to resume. `first`
    /// is required, at most 100.
    #[graphql(complexity = "page_complexity(Some(first), None, child_complexity)")]
    async fn record_changes(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
    ) -> ApiResult<IdConnection<ChangeEvent>> {
        let after = cursor(after)?;
        let page = feed::record_changes(state(ctx), actor(ctx), after, first).await?;
        let mut c = Connection::new(after.is_some(), page.has_next);
        c.edges.extend(
            page.items
                .into_iter()
                .map(|i| Edge::new(encode_cursor(i.event.id), ChangeEvent(i))),
        );
        Ok(c)
    }

    /// Your API client's webhook subscriptions (scope `webhooks:manage`), oldest first.
    async fn webhook_subscriptions(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<WebhookSubscription>> {
        Ok(webhooks::list_subscriptions(state(ctx), actor(ctx))
            .await?
            .into_iter()
            .map(WebhookSubscription)
            .collect())
    }
}

// ---------------------------------------------------------------------------
// Mutations

#[derive(InputObject)]
pub struct CreateWebhookSubscriptionInput {
    /// `https://` on a public host (plain `http://127.0.0.1` only where the
    /// platform allows it for development).
    pub url: String,
    /// The kinds to send; at least one.
    pub events: Vec<ChangeEventKind>,
}

#[derive(SimpleObject, Default)]
pub struct CreateWebhookSubscriptionPayload {
    pub subscription: Option<WebhookSubscription>,
    /// The signing secret, shown this once: store it now.
    pub secret: Option<String>,
    pub user_errors: Vec<UserError>,
}

impl Payload for CreateWebhookSubscriptionPayload {
    fn from_user_errors(user_errors: Vec<UserError>) -> Self {
        CreateWebhookSubscriptionPayload {
            user_errors,
            ..Default::default()
        }
    }
}

#[derive(InputObject)]
pub struct UpdateWebhookSubscriptionInput {
    pub id: ID,
    pub url: Option<String>,
    pub events: Option<Vec<ChangeEventKind>>,
    /// `true` enables (clearing the failure count; pending deliveries
    /// resume), `false` disables.
    pub enabled: Option<bool>,
}

#[derive(SimpleObject, Default)]
pub struct UpdateWebhookSubscriptionPayload {
    pub subscription: Option<WebhookSubscription>,
    pub user_errors: Vec<UserError>,
}

impl Payload for UpdateWebhookSubscriptionPayload {
    fn from_user_errors(user_errors: Vec<UserError>) -> Self {
        UpdateWebhookSubscriptionPayload {
            user_errors,
            ..Default::default()
        }
    }
}

#[derive(InputObject)]
pub struct RotateWebhookSecretInput {
    pub id: ID,
    /// How long the previous secret keeps signing too (0 to 168 hours), so
    /// that your receivers can switch without missing a delivery.
    #[graphql(default = 24)]
    pub keep_previous_for_hours: i32,
}

#[derive(SimpleObject, Default)]
pub struct RotateWebhookSecretPayload {
    pub subscription: Option<WebhookSubscription>,
    /// The new signing secret, shown this once.
    pub secret: Option<String>,
    pub user_errors: Vec<UserError>,
}

impl Payload for RotateWebhookSecretPayload {
    fn from_user_errors(user_errors: Vec<UserError>) -> Self {
        RotateWebhookSecretPayload {
            user_errors,
            ..Default::default()
        }
    }
}

#[derive(InputObject)]
pub struct WebhookSubscriptionIdInput {
    pub id: ID,
}

#[derive(SimpleObject, Default)]
pub struct DeleteWebhookSubscriptionPayload {
    pub deleted_subscription_id: Option<ID>,
    pub user_errors: Vec<UserError>,
}

impl Payload for DeleteWebhookSubscriptionPayload {
    fn from_user_errors(user_errors: Vec<UserError>) -> Self {
        DeleteWebhookSubscriptionPayload {
            user_errors,
            ..Default::default()
        }
    }
}

#[derive(SimpleObject, Default)]
pub struct PingWebhookSubscriptionPayload {
    /// The queued `ping` delivery; it is sent within seconds.
    pub delivery: Option<WebhookDelivery>,
    pub user_errors: Vec<UserError>,
}

impl Payload for PingWebhookSubscriptionPayload {
    fn from_user_errors(user_errors: Vec<UserError>) -> Self {
        PingWebhookSubscriptionPayload {
            user_errors,
            ..Default::default()
        }
    }
}

#[derive(Default)]
pub struct WebhookMutations;

#[Object]
impl WebhookMutations {
    /// Subscribes your API client to change events (scope
    /// `webhooks:manage`; at most 10 subscriptions). The signing secret is
    /// in the payload, once.
    async fn create_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookSubscriptionInput,
    ) -> ApiResult<CreateWebhookSubscriptionPayload> {
        let r = webhooks::create_subscription(
            state(ctx),
            actor(ctx),
            meta(ctx),
            NewSubscription {
                url: input.url,
                events: kind_strings(&input.events),
            },
        )
        .await;
        into_payload(r.map(|w| CreateWebhookSubscriptionPayload {
            subscription: Some(WebhookSubscription(w.subscription)),
            secret: Some(w.secret),
            user_errors: vec![],
        }))
    }

    /// Changes the URL or the events, or disables / enables a subscription.
    async fn update_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        input: UpdateWebhookSubscriptionInput,
    ) -> ApiResult<UpdateWebhookSubscriptionPayload> {
        let r = match subscription_id(&input.id) {
            Ok(id) => {
                webhooks::update_subscription(
                    state(ctx),
                    actor(ctx),
                    meta(ctx),
                    id,
                    SubscriptionChange {
                        url: input.url,
                        events: input.events.as_deref().map(kind_strings),
                        enabled: input.enabled,
                    },
                )
                .await
            }
            Err(e) => Err(e),
        };
        into_payload(r.map(|s| UpdateWebhookSubscriptionPayload {
            subscription: Some(WebhookSubscription(s)),
            user_errors: vec![],
        }))
    }

    /// Replaces the signing secret (shown once in the payload).
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        input: RotateWebhookSecretInput,
    ) -> ApiResult<RotateWebhookSecretPayload> {
        let r = match subscription_id(&input.id) {
            Ok(id) => {
                webhooks::rotate_secret(
                    state(ctx),
                    actor(ctx),
                    meta(ctx),
                    id,
                    input.keep_previous_for_hours,
                )
                .await
            }
            Err(e) => Err(e),
        };
        into_payload(r.map(|w| RotateWebhookSecretPayload {
            subscription: Some(WebhookSubscription(w.subscription)),
            secret: Some(w.secret),
            user_errors: vec![],
        }))
    }

    /// Deletes a subscription and its delivery log.
    async fn delete_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        input: WebhookSubscriptionIdInput,
    ) -> ApiResult<DeleteWebhookSubscriptionPayload> {
        let r = match subscription_id(&input.id) {
            Ok(id) => webhooks::delete_subscription(state(ctx), actor(ctx), meta(ctx), id)
                .await
                .map(|()| id),
            Err(e) => Err(e),
        };
        into_payload(r.map(|id| DeleteWebhookSubscriptionPayload {
            deleted_subscription_id: Some(global_id(NodeType::WebhookSubscription, id)),
            user_errors: vec![],
        }))
    }

    /// Sends a signed `ping` to the endpoint (to test your receiver).
    async fn ping_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        input: WebhookSubscriptionIdInput,
    ) -> ApiResult<PingWebhookSubscriptionPayload> {
        let r = match subscription_id(&input.id) {
            Ok(id) => webhooks::ping(state(ctx), actor(ctx), meta(ctx), id).await,
            Err(e) => Err(e),
        };
        into_payload(r.map(|d| PingWebhookSubscriptionPayload {
            delivery: Some(WebhookDelivery(d)),
            user_errors: vec![],
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feed_kind_has_an_enum_value_and_back() {
        for k in feed::all_kinds() {
            let parsed = ChangeEventKind::parse(k).unwrap_or_else(|| panic!("{k}"));
            assert_eq!(parsed.as_str(), k);
        }
        assert_eq!(
            ChangeEventKind::ALL.len(),
            feed::RECORD_KINDS.len() + feed::CONSENT_KINDS.len()
        );
    }
}
