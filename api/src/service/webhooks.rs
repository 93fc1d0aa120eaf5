//! Webhooks for credit agencies: subscriptions, the fan-out of change events
//! into deliveries, and the worker that sends them (docs/webhooks.md).
//!
//! **Outbox.** A change event is written in its cause's transaction
//! (`service::records`…). The dispatcher ([`fan_out`]) reads events up to the
//! settled horizon (`feed::settled_horizon`) after its cursor (the `job_run`
//! row `webhooks.fanout`, locked while it works) and, in one transaction,
//! writes a `webhook_delivery` row per matching subscription and moves the
//! cursor. The unique index (subscription, event) makes a second fan-out of
//! the same event impossible even if two dispatchers raced.
//!
//! **Delivery state machine** (`webhook_delivery.status`):
//!
//! ```text
//!   pending ──claim──▶ (attempt) ──2xx──▶ delivered            (final)
//!      ▲                   │
//!      │                   └─other/none──▶ failed ──due again──▶ claim …
//!      │                                     │
//!      └── subscription re-enabled           └─ attempts = MAX ─▶ dead (final)
//! ```
//!
//! A claim (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises the
//! write transaction) counts the attempt and pushes `next_attempt_at` one
//! lease ahead, then commits; the HTTP call happens outside any transaction;
//! the result is recorded only if the row is still the one claimed (same
//! `attempts`, not final). So a delivered row is never sent again, several
//! workers never send the same row at once, and a worker that dies
//! mid-attempt leaves the row to be retried after the lease: delivery is at
//! least once, and receivers de-duplicate on `X-Xinyong-Delivery`.
//!
//! After a failure the next attempt waits `10 s × 2^(attempts-1)`, at most
//! one hour, ±20 % jitter. A delivery that fails [`MAX_ATTEMPTS`] times is
//! `dead`; if by then the endpoint has failed [`DISABLE_AFTER_FAILURES`]
//! times in a row with no success in between, the subscription is disabled
//! (with the reason, and an audit row) until the agency enables it again.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration as StdDuration;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use entity::enums::{AgencyStatus, ClientStatus, DeliveryStatus, WebhookStatus};
use entity::{agency, api_client, change_event, job_run, webhook_delivery, webhook_subscription};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};
use sha2::Sha256;

use super::audit::{self, AuditEntry};
use super::feed::{self, AgencyClient, Horizon};
use super::{FieldError, ServiceError, ServiceResult, begin_write};
use crate::auth::{Actor, RequestMeta};
use crate::crypto::{Keys, random_bytes, random_token};
use crate::state::AppState;

/// Scope an agency's API client needs to manage its webhooks and read their deliveries.
pub const SCOPE_WEBHOOKS_MANAGE: &str = "webhooks:manage";
/// Subscriptions one API client may have.
pub const MAX_SUBSCRIPTIONS: u64 = 10;
/// Attempts before a delivery is `dead`.
pub const MAX_ATTEMPTS: i32 = 12;
/// Consecutive failed attempts of a subscription that, when one of its
/// deliveries dies, disable it.
pub const DISABLE_AFTER_FAILURES: i32 = MAX_ATTEMPTS;
/// First retry delay; doubles per attempt up to [`MAX_DELAY_SECS`].
pub const BASE_DELAY_SECS: i64 = 10;
pub const MAX_DELAY_SECS: i64 = 3600;
/// Each delay is multiplied by a factor drawn from `1 ± JITTER`.
pub const JITTER: f64 = 0.2;
/// How long a claimed delivery is reserved for its worker (well above the
/// request timeout): another worker may retry it after that.
pub const LEASE_SECS: i64 = 60;
/// Whole-request timeout of one attempt.
pub const REQUEST_TIMEOUT: StdDuration = StdDuration::from_secs(10);
/// A previous secret stays valid for at most this long after a rotation.
pub const MAX_PREVIOUS_SECRET_HOURS: i32 = 168;

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (one `v1` per valid secret).
pub const SIGNATURE_HEADER: &str = "X-Xinyong-Signature";
/// The event kind (`withdrawn`, `consent_revoked`, `ping`…).
pub const EVENT_HEADER: &str = "X-Xinyong-Event";
/// The delivery's id: the same on every retry of the delivery.
pub const DELIVERY_HEADER: &str = "X-Xinyong-Delivery";

/// Deliveries one worker claims at a time (sent concurrently).
const CLAIM_BATCH: u64 = 20;
/// Claim rounds of one `deliver_due` call.
const MAX_ROUNDS: usize = 50;
/// Events one fan-out transaction handles.
const FANOUT_BATCH: u64 = 500;
/// How long the dispatcher waits for in-flight event writers (PostgreSQL).
const FANOUT_LOCK_TIMEOUT_MS: u32 = 1000;
/// Rows per INSERT statement (bind parameters stay under SQLite's limit).
const INSERT_CHUNK: usize = 400;
const MAX_URL_LEN: usize = 2048;
const MAX_ERROR_CHARS: usize = 500;
/// Domain separation of the key that encrypts signing secrets at rest.
const SECRET_KEY_LABEL: &str = "xinyong/webhook-signing-secret/v1";

type HmacSha256 = Hmac<Sha256>;

// ---------------------------------------------------------------------------
// Signatures.

/// Hex HMAC-SHA256, keyed with the secret's UTF-8 bytes, of `"<t>.<body>"`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The `X-Xinyong-Signature` value: the timestamp and one `v1` per secret
/// (two during a rotation's grace period).
pub fn signature_header(timestamp: i64, body: &[u8], secrets: &[String]) -> String {
    let mut header = format!("t={timestamp}");
    for s in secrets {
        header.push_str(",v1=");
        header.push_str(&sign(s, timestamp, body));
    }
    header
}

/// Why a signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the header is not t=<unix>,v1=<hex>")]
    Malformed,
    #[error("the timestamp is outside the tolerance (replay?)")]
    Stale,
    #[error("no v1 signature matches")]
    Mismatch,
}

/// What a receiver does (docs/webhooks.md has the same in Python): parse
/// the header, refuse timestamps more than `tolerance_secs` from `now_unix`,
/// and compare each `v1` in constant time with the expected signature.
pub fn verify_signature(
    header: &str,
    body: &[u8],
    secret: &str,
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => candidates.push(v),
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now_unix - t).abs() > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    let expected = sign(secret, t, body);
    if candidates
        .iter()
        .any(|c| crate::crypto::constant_time_eq(c, &expected))
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

// ---------------------------------------------------------------------------
// Signing secrets at rest.

fn secret_cipher(keys: &Keys) -> ServiceResult<Aes256Gcm> {
    // A key for this purpose only: HMAC of a fixed label under the platform's
    // identifier-hash key (a label that is no identifier, so it never
    // coincides with a stored identifier hash).
    let key = hex::decode(keys.identifier_hash(SECRET_KEY_LABEL))
        .map_err(|e| ServiceError::Internal(format!("webhook key: {e}")))?;
    Aes256Gcm::new_from_slice(&key).map_err(|e| ServiceError::Internal(format!("webhook key: {e}")))
}

/// AES-256-GCM with a random nonce: base64(nonce ‖ ciphertext).
fn seal_secret(keys: &Keys, secret: &str) -> ServiceResult<String> {
    let cipher = secret_cipher(keys)?;
    let nonce = random_bytes::<12>();
    let ct = cipher
        .encrypt(&Nonce::from(nonce), secret.as_bytes())
        .map_err(|_| ServiceError::Internal("webhook secret encryption failed".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    Ok(STANDARD.encode(out))
}

fn open_secret(keys: &Keys, stored: &str) -> ServiceResult<String> {
    let bad = || ServiceError::Internal("a webhook secret cannot be decrypted".into());
    let bytes = STANDARD.decode(stored).map_err(|_| bad())?;
    if bytes.len() < 13 {
        return Err(bad());
    }
    let (nonce, ct) = bytes.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| bad())?;
    let plain = secret_cipher(keys)?
        .decrypt(&Nonce::from(nonce), ct)
        .map_err(|_| bad())?;
    String::from_utf8(plain).map_err(|_| bad())
}

fn new_secret() -> String {
    format!("whsec_{}", random_token())
}

/// The last four characters of the current secret, to tell secrets apart.
pub fn secret_hint(keys: &Keys, sub: &webhook_subscription::Model) -> Option<String> {
    let secret = open_secret(keys, &sub.secret_cipher).ok()?;
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Some(format!("whsec_…{tail}"))
}

// ---------------------------------------------------------------------------
// Endpoints.

/// Whether an address is on the public internet (not private, loopback,
/// link-local, shared, documentation, multicast or reserved).
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0064 && s[1] == 0xff9b)) // NAT64 (embeds IPv4)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b)) // shared 100.64/10
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24
        || (a == 198 && (b == 18 || b == 19))) // benchmarking
}

/// A URL's host, as the URL parser normalised it.
enum HostKind {
    Domain(String),
    Ip(IpAddr),
}

fn host_kind(url: &reqwest::Url) -> Option<HostKind> {
    let host = url.host_str()?;
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6
            .parse::<Ipv6Addr>()
            .ok()
            .map(|ip| HostKind::Ip(IpAddr::V6(ip)));
    }
    Some(match host.parse::<Ipv4Addr>() {
        Ok(ip) => HostKind::Ip(IpAddr::V4(ip)),
        Err(_) => HostKind::Domain(host.to_ascii_lowercase()),
    })
}

fn is_loopback_host(host: &HostKind) -> bool {
    match host {
        HostKind::Domain(d) => d == "localhost" || d.ends_with(".localhost"),
        HostKind::Ip(ip) => ip.is_loopback(),
    }
}

/// Checks an endpoint URL: HTTPS to a public host, without credentials or
/// fragment; `http://` and loopback hosts only when `allow_http`
/// (`XINYONG_WEBHOOK_ALLOW_HTTP`, tests and local development).
pub fn check_url(raw: &str, allow_http: bool) -> Result<reqwest::Url, FieldError> {
    let field = ["input", "url"];
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_URL_LEN {
        return Err(FieldError::new(
            &field,
            "URL_INVALID",
            format!("give the endpoint's absolute https:// URL (at most {MAX_URL_LEN} characters)"),
        ));
    }
    let url = reqwest::Url::parse(raw).map_err(|e| {
        FieldError::new(&field, "URL_INVALID", format!("not an absolute URL ({e})"))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FieldError::new(
            &field,
            "URL_CREDENTIALS",
            "do not put credentials in the URL; verify the X-Xinyong-Signature header instead",
        ));
    }
    if url.fragment().is_some() {
        return Err(FieldError::new(
            &field,
            "URL_INVALID",
            "remove the #fragment",
        ));
    }
    let Some(host) = host_kind(&url) else {
        return Err(FieldError::new(
            &field,
            "URL_INVALID",
            "the URL has no host",
        ));
    };
    let loopback = is_loopback_host(&host);
    match url.scheme() {
        "https" => {}
        "http" if allow_http && loopback => {}
        _ => {
            return Err(FieldError::new(
                &field,
                "URL_NOT_HTTPS",
                "webhook endpoints must use https://",
            ));
        }
    }
    let public = match &host {
        _ if loopback => allow_http,
        HostKind::Ip(ip) => is_public_ip(*ip),
        HostKind::Domain(d) => {
            d.contains('.')
                && ![".local", ".internal", ".lan", ".home.arpa", ".intranet"]
                    .iter()
                    .any(|s| d.ends_with(s))
        }
    };
    if !public {
        return Err(FieldError::new(
            &field,
            "URL_NOT_PUBLIC",
            "the endpoint must be a public host name or address, not a private, local or reserved one",
        ));
    }
    Ok(url)
}

/// Resolves host names to public addresses only (and loopback when allowed),
/// so that a name cannot point deliveries at the platform's own network.
struct PublicResolver {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public_ip(a.ip()) || (allow_loopback && a.ip().is_loopback()))
                .collect();
            if found.is_empty() {
                return Err("the host resolves to no public address".into());
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client of deliveries: 10 s timeout, no redirects, no cookies,
/// public addresses only (plus loopback when `allow_http`).
fn http_client(allow_http: bool) -> ServiceResult<reqwest::Client> {
    static STRICT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    static LOOPBACK: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    let cell = if allow_http { &LOOPBACK } else { &STRICT };
    cell.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(StdDuration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!allow_http)
            .user_agent(concat!("Xinyong-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(PublicResolver {
                allow_loopback: allow_http,
            }))
            .build()
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(|e| ServiceError::Internal(format!("webhook HTTP client: {e}")))
}

// ---------------------------------------------------------------------------
// Subscriptions.

/// What an agency subscribes with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSubscription {
    pub url: String,
    /// Event kinds (`feed::RECORD_KINDS`, `feed::CONSENT_KINDS`).
    pub events: Vec<String>,
}

/// Changes to a subscription; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubscriptionChange {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// `true` enables (and clears the failure count), `false` disables.
    pub enabled: Option<bool>,
}

/// A subscription with its new signing secret, shown this once.
#[derive(Clone, Debug)]
pub struct WithSecret {
    pub subscription: webhook_subscription::Model,
    pub secret: String,
}

/// The event kinds a subscription wants.
pub fn events_of(sub: &webhook_subscription::Model) -> Vec<String> {
    serde_json::from_value(sub.events.clone()).unwrap_or_default()
}

fn check_events(events: &[String]) -> Result<Vec<String>, FieldError> {
    let field = ["input", "events"];
    if events.is_empty() {
        return Err(FieldError::new(
            &field,
            "EVENTS_REQUIRED",
            "choose at least one event kind",
        ));
    }
    if let Some(bad) = events.iter().find(|e| !feed::is_known_kind(e)) {
        return Err(FieldError::new(
            &field,
            "EVENT_UNKNOWN",
            format!("{bad:?} is not an event kind (see docs/webhooks.md)"),
        ));
    }
    let mut out: Vec<String> = events.to_vec();
    out.sort();
    out.dedup();
    Ok(out)
}

fn not_found() -> ServiceError {
    ServiceError::invalid(
        &["input", "id"],
        "SUBSCRIPTION_NOT_FOUND",
        "you have no webhook subscription with this id",
    )
}

fn manager(actor: &Actor) -> ServiceResult<AgencyClient> {
    feed::agency_client(actor, SCOPE_WEBHOOKS_MANAGE)
}

/// The caller's subscription `id`, in `conn` (another client's is "not found").
async fn own_subscription(
    conn: &impl ConnectionTrait,
    who: &AgencyClient,
    id: i64,
) -> ServiceResult<webhook_subscription::Model> {
    webhook_subscription::Entity::find_by_id(id)
        .filter(webhook_subscription::Column::ApiClientId.eq(who.api_client_id))
        .one(conn)
        .await?
        .ok_or_else(not_found)
}

fn audit_entry(
    who: &AgencyClient,
    action: &'static str,
    id: i64,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> AuditEntry {
    AuditEntry::client(who.api_client_id, action, "webhook_subscription", now, meta)
        .object_id(Some(id.to_string()))
}

/// Subscribes the calling client; the signing secret is returned this once.
pub async fn create_subscription(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    input: NewSubscription,
) -> ServiceResult<WithSecret> {
    let who = manager(actor)?;
    let mut errors = Vec::new();
    let url = check_url(&input.url, state.config.webhook_allow_http)
        .map_err(|e| errors.push(e))
        .ok();
    let events = check_events(&input.events).map_err(|e| errors.push(e)).ok();
    let (Some(url), Some(events)) = (url, events) else {
        return Err(ServiceError::Invalid(errors));
    };
    let now = state.now();
    let secret = new_secret();
    let cipher = seal_secret(&state.keys, &secret)?;
    let txn = begin_write(&state.db).await?;
    let existing = webhook_subscription::Entity::find()
        .filter(webhook_subscription::Column::ApiClientId.eq(who.api_client_id))
        .count(&txn)
        .await?;
    if existing >= MAX_SUBSCRIPTIONS {
        return Err(ServiceError::invalid(
            &["input"],
            "SUBSCRIPTION_LIMIT",
            format!(
                "a client may have at most {MAX_SUBSCRIPTIONS} subscriptions; delete one first"
            ),
        ));
    }
    let sub = webhook_subscription::ActiveModel {
        api_client_id: Set(who.api_client_id),
        url: Set(url.to_string()),
        events: Set(json!(events)),
        secret_cipher: Set(cipher),
        status: Set(WebhookStatus::Active),
        consecutive_failures: Set(0),
        created_at: Set(now),
        disabled_at: Set(None),
        disabled_reason: Set(None),
        previous_secret_cipher: Set(None),
        previous_secret_expires_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        audit_entry(&who, "webhooks.create", sub.id, now, meta)
            .detail(json!({ "url": sub.url, "events": events })),
    )
    .await?;
    txn.commit().await?;
    Ok(WithSecret {
        subscription: sub,
        secret,
    })
}

/// Changes the URL or events, or disables / enables a subscription.
/// Enabling clears the failure count; deliveries still pending resume.
pub async fn update_subscription(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    change: SubscriptionChange,
) -> ServiceResult<webhook_subscription::Model> {
    let who = manager(actor)?;
    let mut errors = Vec::new();
    let url = match &change.url {
        Some(u) => check_url(u, state.config.webhook_allow_http)
            .map(Some)
            .unwrap_or_else(|e| {
                errors.push(e);
                None
            }),
        None => None,
    };
    let events = match &change.events {
        Some(ev) => check_events(ev).map(Some).unwrap_or_else(|e| {
            errors.push(e);
            None
        }),
        None => None,
    };
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let sub = own_subscription(&txn, &who, id).await?;
    let mut row: webhook_subscription::ActiveModel = sub.clone().into();
    if let Some(u) = &url {
        row.url = Set(u.to_string());
    }
    if let Some(ev) = &events {
        row.events = Set(json!(ev));
    }
    match change.enabled {
        Some(true) if sub.status != WebhookStatus::Active => {
            row.status = Set(WebhookStatus::Active);
            row.disabled_at = Set(None);
            row.disabled_reason = Set(None);
            row.consecutive_failures = Set(0);
        }
        Some(false) if sub.status != WebhookStatus::Disabled => {
            row.status = Set(WebhookStatus::Disabled);
            row.disabled_at = Set(Some(now));
            row.disabled_reason = Set(Some("disabled by the agency".into()));
        }
        _ => {}
    }
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        audit_entry(&who, "webhooks.update", id, now, meta).detail(json!({
            "url": url.map(|u| u.to_string()),
            "events": events,
            "enabled": change.enabled,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// A new signing secret, shown this once. The previous one keeps signing
/// alongside it (a second `v1`) for `keep_previous_hours` (0 to 168).
pub async fn rotate_secret(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    keep_previous_hours: i32,
) -> ServiceResult<WithSecret> {
    let who = manager(actor)?;
    if !(0..=MAX_PREVIOUS_SECRET_HOURS).contains(&keep_previous_hours) {
        return Err(ServiceError::invalid(
            &["input", "keepPreviousForHours"],
            "VALUE_OUT_OF_RANGE",
            format!("keep the previous secret for 0 to {MAX_PREVIOUS_SECRET_HOURS} hours"),
        ));
    }
    let now = state.now();
    let secret = new_secret();
    let cipher = seal_secret(&state.keys, &secret)?;
    let txn = begin_write(&state.db).await?;
    let sub = own_subscription(&txn, &who, id).await?;
    let mut row: webhook_subscription::ActiveModel = sub.clone().into();
    if keep_previous_hours > 0 {
        row.previous_secret_cipher = Set(Some(sub.secret_cipher.clone()));
        row.previous_secret_expires_at =
            Set(Some(now + Duration::hours(keep_previous_hours.into())));
    } else {
        row.previous_secret_cipher = Set(None);
        row.previous_secret_expires_at = Set(None);
    }
    row.secret_cipher = Set(cipher);
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        audit_entry(&who, "webhooks.rotate_secret", id, now, meta)
            .detail(json!({ "keep_previous_hours": keep_previous_hours })),
    )
    .await?;
    txn.commit().await?;
    Ok(WithSecret {
        subscription: updated,
        secret,
    })
}

/// Deletes a subscription and its delivery log.
pub async fn delete_subscription(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
) -> ServiceResult<()> {
    let who = manager(actor)?;
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let sub = own_subscription(&txn, &who, id).await?;
    webhook_subscription::Entity::delete_by_id(sub.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        audit_entry(&who, "webhooks.delete", id, now, meta).detail(json!({ "url": sub.url })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Queues a `ping` delivery to check the endpoint and its signature check.
pub async fn ping(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
) -> ServiceResult<webhook_delivery::Model> {
    let who = manager(actor)?;
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let sub = own_subscription(&txn, &who, id).await?;
    let delivery = webhook_delivery::ActiveModel {
        subscription_id: Set(sub.id),
        change_event_id: Set(None),
        event_kind: Set("ping".into()),
        payload: Set(json!({
            "id": null,
            "kind": "ping",
            "occurredAt": now.to_rfc3339_opts(SecondsFormat::Micros, true),
            "subjectId": null,
            "recordId": null,
            "consentId": null,
            "deleteBy": null,
        })),
        status: Set(DeliveryStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        response_status: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
        last_attempt_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, audit_entry(&who, "webhooks.ping", id, now, meta)).await?;
    txn.commit().await?;
    Ok(delivery)
}

/// The calling client's subscriptions, oldest first.
pub async fn list_subscriptions(
    state: &AppState,
    actor: &Actor,
) -> ServiceResult<Vec<webhook_subscription::Model>> {
    let who = manager(actor)?;
    Ok(webhook_subscription::Entity::find()
        .filter(webhook_subscription::Column::ApiClientId.eq(who.api_client_id))
        .order_by_asc(webhook_subscription::Column::Id)
        .all(&state.db)
        .await?)
}

/// One of the calling client's subscriptions; `None` for anyone else's.
pub async fn subscription(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<webhook_subscription::Model>> {
    let Ok(who) = manager(actor) else {
        return Ok(None);
    };
    Ok(webhook_subscription::Entity::find_by_id(id)
        .filter(webhook_subscription::Column::ApiClientId.eq(who.api_client_id))
        .one(&state.db)
        .await?)
}

/// One delivery of the calling client's subscriptions; `None` for anyone else's.
pub async fn delivery(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<webhook_delivery::Model>> {
    let Ok(who) = manager(actor) else {
        return Ok(None);
    };
    let found = webhook_delivery::Entity::find_by_id(id)
        .one(&state.db)
        .await?;
    let Some(d) = found else {
        return Ok(None);
    };
    let owned = webhook_subscription::Entity::find_by_id(d.subscription_id)
        .filter(webhook_subscription::Column::ApiClientId.eq(who.api_client_id))
        .count(&state.db)
        .await?
        > 0;
    Ok(owned.then_some(d))
}

/// A page of a subscription's deliveries, newest first.
#[derive(Clone, Debug)]
pub struct DeliveryPage {
    pub items: Vec<webhook_delivery::Model>,
    pub has_next: bool,
}

/// The delivery log of one of the caller's subscriptions, newest first,
/// after the cursor `before_id` (a delivery id), at most `first` (≤ 100).
pub async fn deliveries(
    state: &AppState,
    actor: &Actor,
    subscription_id: i64,
    status: Option<DeliveryStatus>,
    before_id: Option<i64>,
    first: i32,
) -> ServiceResult<DeliveryPage> {
    let who = manager(actor)?;
    if !(0..=feed::MAX_PAGE_SIZE).contains(&first) {
        return Err(ServiceError::invalid(
            &["first"],
            "PAGE_SIZE_TOO_LARGE",
            format!("`first` must be between 0 and {}", feed::MAX_PAGE_SIZE),
        ));
    }
    own_subscription(&state.db, &who, subscription_id).await?;
    let mut q = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::SubscriptionId.eq(subscription_id));
    if let Some(s) = status {
        q = q.filter(webhook_delivery::Column::Status.eq(s));
    }
    if let Some(b) = before_id {
        q = q.filter(webhook_delivery::Column::Id.lt(b));
    }
    let size = first as u64;
    let mut items = q
        .order_by_desc(webhook_delivery::Column::Id)
        .limit(size + 1)
        .all(&state.db)
        .await?;
    let has_next = items.len() as u64 > size;
    items.truncate(size as usize);
    Ok(DeliveryPage { items, has_next })
}

// ---------------------------------------------------------------------------
// Fan-out: change events → deliveries.

/// Ids of the subscriptions the platform sends to: active, of an active
/// API client of an active agency (a suspended agency gets nothing, and
/// its queued deliveries wait).
fn live_subscriptions() -> SelectStatement {
    Query::select()
        .column((
            webhook_subscription::Entity,
            webhook_subscription::Column::Id,
        ))
        .from(webhook_subscription::Entity)
        .inner_join(
            api_client::Entity,
            Expr::col((api_client::Entity, api_client::Column::Id)).equals((
                webhook_subscription::Entity,
                webhook_subscription::Column::ApiClientId,
            )),
        )
        .inner_join(
            agency::Entity,
            Expr::col((agency::Entity, agency::Column::Id))
                .equals((api_client::Entity, api_client::Column::AgencyId)),
        )
        .and_where(webhook_subscription::Column::Status.eq(WebhookStatus::Active))
        .and_where(api_client::Column::Status.eq(ClientStatus::Active))
        .and_where(agency::Column::Status.eq(AgencyStatus::Active))
        .to_owned()
}

/// Turns new change events into deliveries for the subscriptions that want
/// them and may see them; returns how many deliveries were created. Safe
/// on several replicas: one dispatcher at a time holds the cursor row
/// (others skip their turn), and the unique (subscription, event) index
/// refuses a second delivery of an event to a subscription.
pub async fn fan_out(state: &AppState) -> ServiceResult<usize> {
    let mut total = 0;
    loop {
        let horizon = feed::settled_horizon(&state.db, FANOUT_LOCK_TIMEOUT_MS).await?;
        if horizon == Horizon::Busy {
            return Ok(total);
        }
        let now = state.now();
        let txn = begin_write(&state.db).await?;
        job_run::Entity::insert(job_run::ActiveModel {
            key: Set(feed::FANOUT_CURSOR_KEY.into()),
            kind: Set("cursor".into()),
            run_at: Set(now),
            detail: Set(json!({ "last_event_id": 0 })),
            ..Default::default()
        })
        .on_conflict_do_nothing_on([job_run::Column::Key])
        .exec_without_returning(&txn)
        .await?;
        let Some(cursor) = job_run::Entity::find()
            .filter(job_run::Column::Key.eq(feed::FANOUT_CURSOR_KEY))
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .one(&txn)
            .await?
        else {
            // Another replica is fanning out right now.
            txn.commit().await?;
            return Ok(total);
        };
        let from = cursor
            .detail
            .get("last_event_id")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        // With no live subscription no event of this stretch gets a
        // delivery (as when it is read and matched against none): move the
        // cursor over all of it without reading a row. After a bulk load
        // that is a million events skipped in one statement instead of
        // decoded in batches while the server serves.
        if webhook_subscription::Entity::find()
            .filter(webhook_subscription::Column::Id.in_subquery(live_subscriptions()))
            .count(&txn)
            .await?
            == 0
        {
            let last: Option<i64> = horizon
                .bound(change_event::Entity::find().filter(change_event::Column::Id.gt(from)))
                .select_only()
                .column_as(change_event::Column::Id.max(), "last")
                .into_tuple()
                .one(&txn)
                .await?
                .flatten();
            if let Some(to) = last {
                move_cursor(&txn, cursor.id, to, now).await?;
            }
            txn.commit().await?;
            return Ok(total);
        }
        let events = horizon
            .bound(change_event::Entity::find().filter(change_event::Column::Id.gt(from)))
            .order_by_asc(change_event::Column::Id)
            .limit(FANOUT_BATCH)
            .all(&txn)
            .await?;
        let Some(to) = events.last().map(|e| e.id) else {
            txn.commit().await?;
            return Ok(total);
        };
        let rows = deliveries_for(state, &txn, &events, from, to, now).await?;
        let created = rows.len();
        for chunk in super::insert_chunks(&rows, INSERT_CHUNK) {
            webhook_delivery::Entity::insert_many(chunk.to_vec())
                .on_conflict_do_nothing_on([
                    webhook_delivery::Column::SubscriptionId,
                    webhook_delivery::Column::ChangeEventId,
                ])
                .exec_without_returning(&txn)
                .await?;
        }
        move_cursor(&txn, cursor.id, to, now).await?;
        txn.commit().await?;
        total += created;
        if (events.len() as u64) < FANOUT_BATCH {
            return Ok(total);
        }
    }
}

/// Records that the fan-out has handled every event up to `to`.
async fn move_cursor(
    txn: &impl ConnectionTrait,
    cursor_id: i64,
    to: i64,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    job_run::Entity::update_many()
        .col_expr(
            job_run::Column::Detail,
            Expr::value(json!({ "last_event_id": to })),
        )
        .col_expr(job_run::Column::RunAt, Expr::value(now))
        .filter(job_run::Column::Id.eq(cursor_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// The deliveries of events `(from, to]` (given as `events`) to every
/// active subscription that wants the kind and whose agency may see the event.
async fn deliveries_for(
    state: &AppState,
    conn: &impl ConnectionTrait,
    events: &[change_event::Model],
    from: i64,
    to: i64,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<webhook_delivery::ActiveModel>> {
    // Live subscriptions, by agency.
    let subs: Vec<(webhook_subscription::Model, Option<api_client::Model>)> =
        webhook_subscription::Entity::find()
            .find_also_related(api_client::Entity)
            .filter(webhook_subscription::Column::Id.in_subquery(live_subscriptions()))
            .all(conn)
            .await?;
    let mut by_agency: HashMap<i64, Vec<(webhook_subscription::Model, HashSet<String>)>> =
        HashMap::new();
    for (sub, client) in subs {
        let Some(agency_id) = client.and_then(|c| c.agency_id) else {
            continue;
        };
        let kinds: HashSet<String> = events_of(&sub).into_iter().collect();
        by_agency.entry(agency_id).or_default().push((sub, kinds));
    }
    if by_agency.is_empty() {
        return Ok(Vec::new());
    }
    let reference = state.reference();
    let by_id: HashMap<i64, &change_event::Model> = events.iter().map(|e| (e.id, e)).collect();
    let mut rows = Vec::new();
    for (agency_id, subs) in by_agency {
        let visible: Vec<i64> = change_event::Entity::find()
            .select_only()
            .column(change_event::Column::Id)
            .join(JoinType::LeftJoin, feed::record_join())
            .filter(change_event::Column::Id.gt(from))
            .filter(change_event::Column::Id.lte(to))
            .filter(feed::visible_to(agency_id, now))
            .order_by_asc(change_event::Column::Id)
            .into_tuple()
            .all(conn)
            .await?;
        for id in visible {
            let Some(event) = by_id.get(&id) else {
                continue;
            };
            let wanting: Vec<&webhook_subscription::Model> = subs
                .iter()
                .filter(|(s, kinds)| {
                    kinds.contains(&event.kind) && event.occurred_at >= s.created_at
                })
                .map(|(s, _)| s)
                .collect();
            if wanting.is_empty() {
                continue;
            }
            let payload = feed::payload(
                event,
                feed::delete_by(&reference, &event.kind, event.occurred_at),
            );
            for s in wanting {
                rows.push(webhook_delivery::ActiveModel {
                    subscription_id: Set(s.id),
                    change_event_id: Set(Some(event.id)),
                    event_kind: Set(event.kind.clone()),
                    payload: Set(payload.clone()),
                    status: Set(DeliveryStatus::Pending),
                    attempts: Set(0),
                    next_attempt_at: Set(now),
                    response_status: Set(None),
                    last_error: Set(None),
                    created_at: Set(now),
                    delivered_at: Set(None),
                    last_attempt_at: Set(None),
                    ..Default::default()
                });
            }
        }
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------
// The worker.

/// A delivery claimed by this worker, with what it needs to send it.
struct Claimed {
    delivery: webhook_delivery::Model,
    url: String,
    secrets: Vec<String>,
}

/// What one attempt came to.
enum Outcome {
    Delivered { status: u16 },
    Failed { status: Option<u16>, error: String },
}

/// The delay before the next attempt after `attempts` attempts have
/// failed: `10 s × 2^(attempts-1)`, at most an hour, times `1 ± JITTER`
/// (`unit` is uniform in [0, 1)).
pub fn backoff(attempts: i32, unit: f64) -> Duration {
    let exp = Ord::min(Ord::max(attempts, 1) - 1, 20) as u32;
    let base = Ord::min(BASE_DELAY_SECS.saturating_mul(1_i64 << exp), MAX_DELAY_SECS) as f64;
    let factor = 1.0 - JITTER + 2.0 * JITTER * unit.clamp(0.0, 1.0);
    Duration::milliseconds((base * factor * 1000.0) as i64)
}

/// Sends every delivery that is due, a batch at a time; returns the number
/// of attempts made. Several workers may run at once.
pub async fn deliver_due(state: &AppState) -> ServiceResult<usize> {
    let mut total = 0;
    for _ in 0..MAX_ROUNDS {
        let claimed = claim(state).await?;
        if claimed.is_empty() {
            break;
        }
        let n = claimed.len();
        let results = futures::future::join_all(claimed.into_iter().map(|c| async move {
            let outcome = attempt(state, &c).await;
            (c, outcome)
        }))
        .await;
        let mut first_error = None;
        for (c, outcome) in results {
            if let Err(e) = record(state, &c, outcome).await {
                tracing::error!(error = %e, delivery = c.delivery.id, "recording a webhook attempt failed; it will be retried after its lease");
                first_error.get_or_insert(e);
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        total += n;
        if (n as u64) < CLAIM_BATCH {
            break;
        }
    }
    Ok(total)
}

/// Claims due deliveries of live subscriptions: counts the attempt and
/// reserves each row for one lease, then commits (no transaction is open
/// during the HTTP calls).
async fn claim(state: &AppState) -> ServiceResult<Vec<Claimed>> {
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let due = webhook_delivery::Entity::find()
        .filter(
            webhook_delivery::Column::Status
                .is_in([DeliveryStatus::Pending, DeliveryStatus::Failed]),
        )
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .filter(webhook_delivery::Column::SubscriptionId.in_subquery(live_subscriptions()))
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .order_by_asc(webhook_delivery::Column::Id)
        .limit(CLAIM_BATCH)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&txn)
        .await?;
    if due.is_empty() {
        txn.commit().await?;
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = due.iter().map(|d| d.id).collect();
    let lease_end = now + Duration::seconds(LEASE_SECS);
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Attempts,
            Expr::col(webhook_delivery::Column::Attempts).add(1),
        )
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(lease_end),
        )
        .col_expr(
            webhook_delivery::Column::LastAttemptAt,
            Expr::value(Some(now)),
        )
        .filter(super::one_of(
            txn.get_database_backend(),
            webhook_delivery::Column::Id,
            ids,
        ))
        .exec(&txn)
        .await?;
    let sub_ids: HashSet<i64> = due.iter().map(|d| d.subscription_id).collect();
    let subs: HashMap<i64, webhook_subscription::Model> = webhook_subscription::Entity::find()
        .filter(super::one_of(
            txn.get_database_backend(),
            webhook_subscription::Column::Id,
            sub_ids.into_iter().collect::<Vec<_>>(),
        ))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    txn.commit().await?;

    let mut out = Vec::with_capacity(due.len());
    for mut d in due {
        d.attempts += 1;
        d.next_attempt_at = lease_end;
        d.last_attempt_at = Some(now);
        let Some(sub) = subs.get(&d.subscription_id) else {
            continue;
        };
        let mut secrets = vec![open_secret(&state.keys, &sub.secret_cipher)?];
        if let (Some(prev), Some(until)) =
            (&sub.previous_secret_cipher, sub.previous_secret_expires_at)
            && until > now
        {
            secrets.push(open_secret(&state.keys, prev)?);
        }
        out.push(Claimed {
            delivery: d,
            url: sub.url.clone(),
            secrets,
        });
    }
    Ok(out)
}

/// One HTTP attempt, outside any transaction.
async fn attempt(state: &AppState, c: &Claimed) -> Outcome {
    let allow_http = state.config.webhook_allow_http;
    let failed = |error: String| Outcome::Failed {
        status: None,
        error,
    };
    let url = match check_url(&c.url, allow_http) {
        Ok(u) => u,
        Err(e) => return failed(e.message),
    };
    let client = match http_client(allow_http) {
        Ok(c) => c,
        Err(e) => return failed(e.to_string()),
    };
    let body = match serde_json::to_vec(&c.delivery.payload) {
        Ok(b) => b,
        Err(e) => return failed(format!("payload: {e}")),
    };
    let timestamp = state.now().timestamp();
    let signature = signature_header(timestamp, &body, &c.secrets);
    let sent = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header(EVENT_HEADER, c.delivery.event_kind.as_str())
        .header(
            DELIVERY_HEADER,
            feed::opaque_id("WebhookDelivery", c.delivery.id),
        )
        .body(body)
        .send()
        .await;
    match sent {
        Ok(resp) => {
            let status = resp.status();
            if status.is_success() {
                Outcome::Delivered {
                    status: status.as_u16(),
                }
            } else {
                let why = if status.is_redirection() {
                    " (redirects are not followed)"
                } else {
                    ""
                };
                Outcome::Failed {
                    status: Some(status.as_u16()),
                    error: format!("HTTP {status}{why}"),
                }
            }
        }
        Err(e) => failed(describe(e)),
    }
}

/// A transport error as the agency may read it (no URL: it may carry tokens).
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    if e.is_timeout() {
        return format!("timed out after {} s", REQUEST_TIMEOUT.as_secs());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    truncate(&text)
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= MAX_ERROR_CHARS {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_ERROR_CHARS).collect();
        t.push('…');
        t
    }
}

/// Records an attempt's result if the row is still the one claimed.
async fn record(state: &AppState, c: &Claimed, outcome: Outcome) -> ServiceResult<()> {
    let now = state.now();
    let d = &c.delivery;
    let txn = begin_write(&state.db).await?;
    let still_claimed = || {
        webhook_delivery::Entity::update_many()
            .filter(webhook_delivery::Column::Id.eq(d.id))
            .filter(webhook_delivery::Column::Attempts.eq(d.attempts))
            .filter(
                webhook_delivery::Column::Status
                    .is_in([DeliveryStatus::Pending, DeliveryStatus::Failed]),
            )
    };
    match outcome {
        Outcome::Delivered { status } => {
            let n = still_claimed()
                .col_expr(
                    webhook_delivery::Column::Status,
                    Expr::value(DeliveryStatus::Delivered),
                )
                .col_expr(
                    webhook_delivery::Column::DeliveredAt,
                    Expr::value(Some(now)),
                )
                .col_expr(
                    webhook_delivery::Column::ResponseStatus,
                    Expr::value(Some(i32::from(status))),
                )
                .col_expr(
                    webhook_delivery::Column::LastError,
                    Expr::value(Option::<String>::None),
                )
                .exec(&txn)
                .await?
                .rows_affected;
            if n > 0 {
                webhook_subscription::Entity::update_many()
                    .col_expr(
                        webhook_subscription::Column::ConsecutiveFailures,
                        Expr::value(0),
                    )
                    .filter(webhook_subscription::Column::Id.eq(d.subscription_id))
                    .exec(&txn)
                    .await?;
            }
        }
        Outcome::Failed { status, error } => {
            let dead = d.attempts >= MAX_ATTEMPTS;
            let next = if dead {
                now
            } else {
                now + backoff(d.attempts, rand::random::<f64>())
            };
            let n = still_claimed()
                .col_expr(
                    webhook_delivery::Column::Status,
                    Expr::value(if dead {
                        DeliveryStatus::Dead
                    } else {
                        DeliveryStatus::Failed
                    }),
                )
                .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next))
                .col_expr(
                    webhook_delivery::Column::ResponseStatus,
                    Expr::value(status.map(i32::from)),
                )
                .col_expr(
                    webhook_delivery::Column::LastError,
                    Expr::value(Some(truncate(&error))),
                )
                .exec(&txn)
                .await?
                .rows_affected;
            if n > 0 {
                webhook_subscription::Entity::update_many()
                    .col_expr(
                        webhook_subscription::Column::ConsecutiveFailures,
                        Expr::col(webhook_subscription::Column::ConsecutiveFailures).add(1),
                    )
                    .filter(webhook_subscription::Column::Id.eq(d.subscription_id))
                    .exec(&txn)
                    .await?;
                if dead {
                    disable_if_failing(&txn, d, &error, now).await?;
                }
            }
        }
    }
    txn.commit().await?;
    Ok(())
}

/// After a delivery died: disables its subscription if the endpoint has
/// failed [`DISABLE_AFTER_FAILURES`] times in a row, and tells the agency
/// (the reason on the subscription, and an audit row it can be shown).
async fn disable_if_failing(
    conn: &impl ConnectionTrait,
    d: &webhook_delivery::Model,
    error: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let Some(sub) = webhook_subscription::Entity::find_by_id(d.subscription_id)
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    if sub.status != WebhookStatus::Active || sub.consecutive_failures < DISABLE_AFTER_FAILURES {
        return Ok(());
    }
    let reason = format!(
        "disabled by the platform after {} consecutive failed attempts; last error: {}",
        sub.consecutive_failures,
        truncate(error)
    );
    let n = webhook_subscription::Entity::update_many()
        .col_expr(
            webhook_subscription::Column::Status,
            Expr::value(WebhookStatus::Disabled),
        )
        .col_expr(
            webhook_subscription::Column::DisabledAt,
            Expr::value(Some(now)),
        )
        .col_expr(
            webhook_subscription::Column::DisabledReason,
            Expr::value(Some(reason.clone())),
        )
        .filter(webhook_subscription::Column::Id.eq(sub.id))
        .filter(webhook_subscription::Column::Status.eq(WebhookStatus::Active))
        .exec(conn)
        .await?
        .rows_affected;
    if n > 0 {
        tracing::warn!(
            subscription = sub.id,
            api_client = sub.api_client_id,
            "webhook subscription disabled after repeated failures"
        );
        let meta = RequestMeta {
            request_id: Some("job".into()),
            ..Default::default()
        };
        audit::record(
            conn,
            AuditEntry::system("webhooks.disable", "webhook_subscription", now, &meta)
                .object_id(Some(sub.id.to_string()))
                .detail(json!({
                    "api_client_id": sub.api_client_id,
                    "url": sub.url,
                    "consecutive_failures": sub.consecutive_failures,
                    "last_delivery_id": d.id,
                    "reason": reason,
                })),
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_refuse_tampering_and_replays() {
        let body = br#"{"id":"x","kind":"withdrawn"}"#;
        let header = signature_header(1_700_000_000, body, &["whsec_a".into()]);
        assert!(header.starts_with("t=1700000000,v1="));
        assert_eq!(
            verify_signature(&header, body, "whsec_a", 1_700_000_100, 300),
            Ok(())
        );
        assert_eq!(
            verify_signature(&header, b"{}", "whsec_a", 1_700_000_100, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(&header, body, "whsec_b", 1_700_000_100, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(&header, body, "whsec_a", 1_700_000_301, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify_signature("v1=abc", body, "whsec_a", 0, 300),
            Err(SignatureError::Malformed)
        );
        // During a rotation both secrets sign; either verifies.
        let both = signature_header(5, body, &["new".into(), "old".into()]);
        assert_eq!(verify_signature(&both, body, "old", 5, 300), Ok(()));
        assert_eq!(verify_signature(&both, body, "new", 5, 300), Ok(()));
    }

    #[test]
    fn signature_matches_an_independent_implementation() {
        // Python: hmac.new(b"whsec_test", b"1700000000.{}", hashlib.sha256).hexdigest()
        assert_eq!(
            sign("whsec_test", 1_700_000_000, b"{}"),
            "35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        assert_eq!(backoff(1, 0.5), Duration::seconds(10));
        assert_eq!(backoff(2, 0.5), Duration::seconds(20));
        assert_eq!(backoff(4, 0.5), Duration::seconds(80));
        assert_eq!(backoff(1, 0.0), Duration::seconds(8));
        assert_eq!(backoff(1, 1.0), Duration::seconds(12));
        assert_eq!(backoff(30, 0.5), Duration::seconds(3600));
        assert!(backoff(30, 1.0) <= Duration::seconds(4320));
    }

    #[test]
    fn endpoints_must_be_public_https() {
        assert!(check_url("https://hooks.agency.example.com/xinyong", false).is_ok());
        let code = |u: &str, allow| check_url(u, allow).map(|_| ()).map_err(|e| e.code);
        assert_eq!(
            code("http://hooks.agency.example.com/", false),
            Err("URL_NOT_HTTPS")
        );
        assert_eq!(
            code("http://127.0.0.1:9000/hook", false),
            Err("URL_NOT_HTTPS")
        );
        assert_eq!(code("https://127.0.0.1/hook", false), Err("URL_NOT_PUBLIC"));
        assert_eq!(code("https://10.1.2.3/hook", false), Err("URL_NOT_PUBLIC"));
        assert_eq!(code("https://[fd00::1]/hook", false), Err("URL_NOT_PUBLIC"));
        assert_eq!(
            code("https://[::ffff:192.168.0.1]/", false),
            Err("URL_NOT_PUBLIC")
        );
        assert_eq!(
            code("https://169.254.169.254/latest", false),
            Err("URL_NOT_PUBLIC")
        );
        assert_eq!(code("https://intranet/hook", false), Err("URL_NOT_PUBLIC"));
        assert_eq!(
            code("https://db.internal/hook", false),
            Err("URL_NOT_PUBLIC")
        );
        assert_eq!(
            code("https://user:pw@agency.example.com/", false),
            Err("URL_CREDENTIALS")
        );
        assert_eq!(
            code("ftp://agency.example.com/", false),
            Err("URL_NOT_HTTPS")
        );
        assert_eq!(code("not a url", false), Err("URL_INVALID"));
        // Development: plain HTTP to the loopback interface only.
        assert_eq!(code("http://127.0.0.1:9000/hook", true), Ok(()));
        assert_eq!(code("http://localhost:9000/hook", true), Ok(()));
        assert_eq!(code("http://[::1]:9000/hook", true), Ok(()));
        assert_eq!(
            code("http://hooks.agency.example.com/", true),
            Err("URL_NOT_HTTPS")
        );
        assert_eq!(code("http://10.0.0.1/", true), Err("URL_NOT_HTTPS"));
        assert!(is_public_ip("8.8.8.8".parse().unwrap()));
        assert!(is_public_ip("2400:3200::1".parse().unwrap()));
        assert!(!is_public_ip("100.64.0.1".parse().unwrap()));
    }

    #[test]
    fn secrets_are_sealed_and_opened() {
        let keys = Keys::generate();
        let sealed = seal_secret(&keys, "whsec_abc").unwrap();
        assert!(!sealed.contains("abc"));
        assert_eq!(open_secret(&keys, &sealed).unwrap(), "whsec_abc");
        assert!(open_secret(&Keys::generate(), &sealed).is_err());
    }
}
