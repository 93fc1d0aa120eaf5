//! Credit agencies and API clients, run by the platform operator:
//! registering an agency, suspending or revoking it, issuing client
//! credentials (the secret is shown once), rotating and revoking them.
//!
//! Secrets are 256-bit random tokens, stored only as their SHA-256 (hex)
//! with the last four characters as a hint. Suspending an agency stops all
//! its tokens on the next request: `service::auth::authenticate` checks the
//! agency of every client token, and the token endpoint refuses to issue.
//! Revoking a client does the same for that client; rotating its secret
//! makes the old secret fail at once (tokens already issued run out within
//! their 15 minutes — revoke the client to stop them at once).

use chrono::{DateTime, Utc};
use domain::identifier::Uscc;
use entity::enums::{AgencyStatus, ClientStatus};
use entity::{agency, api_client, department};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::views::{MAX_PAGE_SIZE, Page};
use super::{FieldError, ServiceError, ServiceResult, UniqueKey, begin_write};
use crate::auth::{Actor, RequestMeta};
use crate::crypto::{random_bytes, random_token, sha256_hex};
use crate::state::AppState;

/// What an API client may be allowed to do. The wire names are the OAuth
/// scope strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Look subjects up (`subjects:read`).
    SubjectsRead,
    /// Read records: under consent (agencies) or government sharing (departments).
    RecordsRead,
    /// Ask subjects for consent (agencies only).
    ConsentsRequest,
    /// Follow the change feed.
    ChangesRead,
    /// Manage webhook subscriptions.
    WebhooksManage,
    /// Submit records (departments' systems only).
    RecordsWrite,
}

impl Scope {
    pub const ALL: [Scope; 6] = [
        Scope::SubjectsRead,
        Scope::RecordsRead,
        Scope::ConsentsRequest,
        Scope::ChangesRead,
        Scope::WebhooksManage,
        Scope::RecordsWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::SubjectsRead => "subjects:read",
            Scope::RecordsRead => "records:read",
            Scope::ConsentsRequest => "consents:request",
            Scope::ChangesRead => "changes:read",
            Scope::WebhooksManage => "webhooks:manage",
            Scope::RecordsWrite => "records:write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Rate-limit tier of a new client when none is given.
pub const DEFAULT_RATE_TIER: &str = "standard";

/// Whose system a client is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientOwner {
    Agency(i64),
    Department(i64),
}

/// An agency to register.
#[derive(Clone, Debug)]
pub struct NewAgency {
    pub name: String,
    pub uscc: String,
    /// 个人征信业务经营许可证 / 企业征信机构备案 number.
    pub licence_number: String,
    pub contact_email: String,
}

/// A client to issue.
#[derive(Clone, Debug)]
pub struct NewClient {
    pub owner: ClientOwner,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// `basic`, `standard` (default), `premium` or `custom:<capacity>:<refill per second>`.
    pub rate_tier: Option<String>,
}

/// A client with its secret in clear: returned once, at issue or rotation.
#[derive(Clone)]
pub struct IssuedClient {
    pub client: api_client::Model,
    pub secret: String,
}

impl std::fmt::Debug for IssuedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedClient")
            .field("client_id", &self.client.client_id)
            .field("secret", &"[redacted]")
            .finish()
    }
}

pub const AGENCY_USCC_UNIQUE: UniqueKey = UniqueKey {
    index: "uq_agency_uscc",
    table: "agency",
    columns: &["uscc"],
};

pub const CLIENT_ID_UNIQUE: UniqueKey = UniqueKey {
    index: "uq_api_client_client_id",
    table: "api_client",
    columns: &["client_id"],
};

const MAX_NAME_CHARS: usize = 200;
const MAX_LICENCE_CHARS: usize = 64;
const MAX_CLIENT_NAME_CHARS: usize = 100;

fn operator_only(actor: &Actor) -> ServiceResult<()> {
    match actor {
        Actor::Anonymous => Err(ServiceError::Unauthenticated(
            "sign in as a platform operator",
        )),
        a if a.is_operator() => Ok(()),
        _ => Err(ServiceError::Forbidden),
    }
}

fn printable(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

fn check_name(errors: &mut Vec<FieldError>, field: &str, name: &str, max: usize) {
    let n = name.trim().chars().count();
    if n == 0 || n > max || !printable(name) {
        errors.push(FieldError::new(
            &["input", field],
            "NAME_INVALID",
            format!("enter a name of 1 to {max} characters"),
        ));
    }
}

fn email_ok(email: &str) -> bool {
    let e = email.trim();
    e.len() <= 254
        && printable(e)
        && !e.contains(char::is_whitespace)
        && e.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'))
}

/// A checked agency, ready to insert.
struct ValidAgency {
    name: String,
    uscc: Uscc,
    licence_number: String,
    contact_email: String,
}

fn validate_agency(new: &NewAgency) -> ServiceResult<ValidAgency> {
    let mut errors = Vec::new();
    check_name(&mut errors, "name", &new.name, MAX_NAME_CHARS);
    let uscc = match Uscc::parse(new.uscc.trim()) {
        Ok(u) => Some(u),
        Err(e) => {
            errors.push(FieldError::new(&["input", "uscc"], e.code(), e.to_string()));
            None
        }
    };
    let licence = new.licence_number.trim();
    let n = licence.chars().count();
    if n == 0 || n > MAX_LICENCE_CHARS || !printable(licence) {
        errors.push(FieldError::new(
            &["input", "licenceNumber"],
            "LICENCE_NUMBER_INVALID",
            format!(
                "enter the licence or filing number (个人征信业务经营许可证 / 企业征信机构备案), 1 to {MAX_LICENCE_CHARS} characters"
            ),
        ));
    }
    if !email_ok(&new.contact_email) {
        errors.push(FieldError::new(
            &["input", "contactEmail"],
            "EMAIL_INVALID",
            "enter an email address like compliance@agency.cn",
        ));
    }
    match uscc {
        Some(uscc) if errors.is_empty() => Ok(ValidAgency {
            name: new.name.trim().to_string(),
            uscc,
            licence_number: licence.to_string(),
            contact_email: new.contact_email.trim().to_lowercase(),
        }),
        _ => Err(ServiceError::Invalid(errors)),
    }
}

/// Checks a rate tier: `basic`, `standard`, `premium`, or
/// `custom:<capacity>:<refill per second>` with capacity ≥ 1 and a
/// positive refill (the grammar of `ratelimit::Tier::for_client`).
pub fn rate_tier_ok(tier: &str) -> bool {
    match tier {
        "basic" | "standard" | "premium" => true,
        custom => {
            let Some(rest) = custom.strip_prefix("custom:") else {
                return false;
            };
            let mut parts = rest.split(':');
            let (Some(c), Some(r), None) = (parts.next(), parts.next(), parts.next()) else {
                return false;
            };
            matches!(
                (c.parse::<f64>(), r.parse::<f64>()),
                (Ok(c), Ok(r)) if c.is_finite() && r.is_finite() && c >= 1.0 && r > 0.0
            ) && tier.len() <= 32
        }
    }
}

// ---------------------------------------------------------------------------
// Use cases

/// Registers a credit agency (operators only). Its USCC must be valid and
/// not yet registered.
pub async fn register_agency(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    new: NewAgency,
) -> ServiceResult<agency::Model> {
    operator_only(actor)?;
    let valid = validate_agency(&new)?;
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let row = insert_agency(&txn, now, &valid, Some(actor), meta).await?;
    txn.commit().await?;
    Ok(row)
}

/// Sets an agency's status (operators only). Suspending stops every token
/// of its clients on their next request; reactivating lets them work
/// again. Revocation (licence withdrawn) is final.
pub async fn set_agency_status(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    agency_id: i64,
    status: AgencyStatus,
    reason: Option<String>,
) -> ServiceResult<agency::Model> {
    operator_only(actor)?;
    let reason = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ServiceError::invalid(
            &["input", "reason"],
            "REASON_TOO_LONG",
            "give the reason in at most 500 characters",
        ));
    }
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let Some(current) = agency::Entity::find_by_id(agency_id)
        .lock_exclusive()
        .one(&txn)
        .await?
    else {
        return Err(agency_not_found());
    };
    if current.status == status {
        return Ok(current);
    }
    if current.status == AgencyStatus::Revoked {
        return Err(ServiceError::invalid(
            &["input", "status"],
            "AGENCY_REVOKED",
            "this agency's registration was revoked; register it again if it is licensed anew",
        ));
    }
    let mut row: agency::ActiveModel = current.clone().into();
    row.status = Set(status);
    row.updated_at = Set(now);
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::by(actor, "agency.set_status", "agency", now, meta)
            .object_id(Some(agency_id.to_string()))
            .detail(json!({ "from": current.status, "to": status, "reason": reason })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Issues client credentials to an agency or a department's system
/// (operators only). The secret is in the result and nowhere else: only
/// its hash is stored.
///
/// `consents:request` is for agencies only and `records:write` for
/// departments only.
pub async fn issue_api_client(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    new: NewClient,
) -> ServiceResult<IssuedClient> {
    operator_only(actor)?;
    let mut errors = Vec::new();
    check_name(&mut errors, "name", &new.name, MAX_CLIENT_NAME_CHARS);
    if new.scopes.is_empty() {
        errors.push(FieldError::new(
            &["input", "scopes"],
            "SCOPES_REQUIRED",
            "give the client at least one scope",
        ));
    }
    let (wrong, owner_kind) = match new.owner {
        ClientOwner::Agency(_) => (Scope::RecordsWrite, "an agency"),
        ClientOwner::Department(_) => (Scope::ConsentsRequest, "a department"),
    };
    if new.scopes.contains(&wrong) {
        errors.push(FieldError::new(
            &["input", "scopes"],
            "SCOPE_NOT_ALLOWED",
            format!("{owner_kind}'s client cannot have {}", wrong.as_str()),
        ));
    }
    let tier = new
        .rate_tier
        .as_deref()
        .map(str::trim)
        .unwrap_or(DEFAULT_RATE_TIER)
        .to_string();
    if !rate_tier_ok(&tier) {
        errors.push(FieldError::new(
            &["input", "rateTier"],
            "RATE_TIER_INVALID",
            "use basic, standard, premium or custom:<capacity>:<refill per second>",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let mut scopes: Vec<&str> = Vec::new();
    for s in Scope::ALL {
        if new.scopes.contains(&s) {
            scopes.push(s.as_str());
        }
    }

    let now = state.now();
    let txn = begin_write(&state.db).await?;
    match new.owner {
        ClientOwner::Agency(id) => match agency::Entity::find_by_id(id).one(&txn).await? {
            None => return Err(agency_not_found()),
            Some(a) if a.status == AgencyStatus::Revoked => {
                return Err(ServiceError::invalid(
                    &["input", "agencyId"],
                    "AGENCY_REVOKED",
                    "this agency's registration was revoked; it gets no new clients",
                ));
            }
            Some(_) => {}
        },
        ClientOwner::Department(id) => {
            if department::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .is_none()
            {
                return Err(ServiceError::invalid(
                    &["input", "departmentId"],
                    "DEPARTMENT_NOT_FOUND",
                    "no department has this id",
                ));
            }
        }
    }
    let secret = random_token();
    let client_id = new_client_id();
    let client = insert_client(
        &txn,
        now,
        new.owner,
        &ClientSpec {
            client_id: &client_id,
            name: new.name.trim(),
            secret: &secret,
            scopes: &scopes,
            rate_tier: &tier,
        },
        Some(actor),
        meta,
    )
    .await?;
    txn.commit().await?;
    Ok(IssuedClient { client, secret })
}

/// Gives a client a new secret (operators only); the old one stops working
/// at once.
pub async fn rotate_api_client_secret(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    client_row_id: i64,
) -> ServiceResult<IssuedClient> {
    operator_only(actor)?;
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let Some(current) = api_client::Entity::find_by_id(client_row_id)
        .lock_exclusive()
        .one(&txn)
        .await?
    else {
        return Err(client_not_found());
    };
    if current.status == ClientStatus::Revoked {
        return Err(ServiceError::invalid(
            &["input", "id"],
            "CLIENT_REVOKED",
            "this client is revoked; issue a new one",
        ));
    }
    let secret = random_token();
    let mut row: api_client::ActiveModel = current.into();
    row.secret_hash = Set(sha256_hex(&secret));
    row.secret_hint = Set(hint(&secret));
    row.rotated_at = Set(Some(now));
    let client = row.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::by(actor, "api_client.rotate_secret", "api_client", now, meta)
            .object_id(Some(client.id.to_string()))
            .detail(json!({ "client_id": client.client_id })),
    )
    .await?;
    txn.commit().await?;
    Ok(IssuedClient { client, secret })
}

/// Revokes a client for good (operators only): its secret and every token
/// it holds stop working on the next request. Revoking twice changes nothing.
pub async fn revoke_api_client(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    client_row_id: i64,
) -> ServiceResult<api_client::Model> {
    operator_only(actor)?;
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let Some(current) = api_client::Entity::find_by_id(client_row_id)
        .lock_exclusive()
        .one(&txn)
        .await?
    else {
        return Err(client_not_found());
    };
    if current.status == ClientStatus::Revoked {
        return Ok(current);
    }
    let mut row: api_client::ActiveModel = current.into();
    row.status = Set(ClientStatus::Revoked);
    row.revoked_at = Set(Some(now));
    let client = row.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::by(actor, "api_client.revoke", "api_client", now, meta)
            .object_id(Some(client.id.to_string()))
            .detail(json!({ "client_id": client.client_id })),
    )
    .await?;
    txn.commit().await?;
    Ok(client)
}

/// Registered agencies, oldest first (operators only). `first` is
/// required, at most 100; `after` is the id of the last agency seen.
pub async fn list_agencies(
    state: &AppState,
    actor: &Actor,
    first: Option<i32>,
    after: Option<i64>,
) -> ServiceResult<Page<agency::Model>> {
    operator_only(actor)?;
    let limit = page_size(first)?;
    let mut q = agency::Entity::find().order_by_asc(agency::Column::Id);
    if let Some(a) = after {
        q = q.filter(agency::Column::Id.gt(a));
    }
    let mut items = q.limit(limit as u64 + 1).all(&state.db).await?;
    let has_next = items.len() > limit;
    items.truncate(limit);
    Ok(Page {
        items,
        has_previous: after.is_some(),
        has_next,
    })
}

/// An agency's clients, for operators and the agency's own clients.
pub async fn agency_clients(
    state: &AppState,
    actor: &Actor,
    agency_id: i64,
) -> ServiceResult<Vec<api_client::Model>> {
    let allowed = actor.is_operator()
        || actor
            .client()
            .is_some_and(|c| c.agency_id == Some(agency_id));
    if !allowed {
        return Ok(vec![]);
    }
    Ok(api_client::Entity::find()
        .filter(api_client::Column::AgencyId.eq(agency_id))
        .order_by_asc(api_client::Column::Id)
        .all(&state.db)
        .await?)
}

/// `first` checked: given, between 0 and [`MAX_PAGE_SIZE`].
pub fn page_size(first: Option<i32>) -> ServiceResult<usize> {
    let Some(n) = first else {
        return Err(ServiceError::invalid(
            &["first"],
            "PAGE_SIZE_REQUIRED",
            format!("give `first` (with `after`), at most {MAX_PAGE_SIZE}"),
        ));
    };
    if n > MAX_PAGE_SIZE {
        return Err(ServiceError::invalid(
            &["first"],
            "PAGE_SIZE_TOO_LARGE",
            format!("`first` may be at most {MAX_PAGE_SIZE}; page with the cursors"),
        ));
    }
    usize::try_from(n).map_err(|_| {
        ServiceError::invalid(
            &["first"],
            "PAGE_SIZE_INVALID",
            format!("`first` must be between 0 and {MAX_PAGE_SIZE}"),
        )
    })
}

// ---------------------------------------------------------------------------
// Shared with the demo data set and tests.

/// Creates a credit agency and one active API client for it, in one
/// transaction (demo data, tests, tools: no actor). The secret is stored as
/// its SHA-256 (hex), with its last four characters as the hint; pass a
/// long random one (`crypto::random_token`) outside tests and demos.
pub async fn create_agency_with_client(
    state: &AppState,
    name: &str,
    uscc: &str,
    licence: &str,
    client_id: &str,
    secret: &str,
    scopes: &[&str],
) -> ServiceResult<(agency::Model, api_client::Model)> {
    let mut errors = Vec::new();
    if client_id.is_empty()
        || client_id.len() > 64
        || !client_id.bytes().all(|b| b.is_ascii_graphic())
    {
        errors.push(FieldError::new(
            &["input", "clientId"],
            "CLIENT_ID_INVALID",
            "use 1 to 64 printable ASCII characters without spaces",
        ));
    }
    if secret.chars().count() < 4 {
        errors.push(FieldError::new(
            &["input", "secret"],
            "SECRET_TOO_SHORT",
            "use a secret of at least 4 characters",
        ));
    }
    let slug: String = client_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let valid = match validate_agency(&NewAgency {
        name: name.to_string(),
        uscc: uscc.to_string(),
        licence_number: licence.to_string(),
        contact_email: format!("contact@{slug}.demo"),
    }) {
        Ok(v) if errors.is_empty() => v,
        Ok(_) => return Err(ServiceError::Invalid(errors)),
        Err(ServiceError::Invalid(mut more)) => {
            more.extend(errors);
            return Err(ServiceError::Invalid(more));
        }
        Err(e) => return Err(e),
    };
    let now = state.now();
    let meta = RequestMeta::default();
    let txn = begin_write(&state.db).await?;
    let agency_row = insert_agency(&txn, now, &valid, None, &meta).await?;
    let client_name = format!("{} API", valid.name);
    let client = insert_client(
        &txn,
        now,
        ClientOwner::Agency(agency_row.id),
        &ClientSpec {
            client_id,
            name: &client_name,
            secret,
            scopes,
            rate_tier: DEFAULT_RATE_TIER,
        },
        None,
        &meta,
    )
    .await?;
    txn.commit().await?;
    Ok((agency_row, client))
}

/// An agency of the demo data set (validated by the caller's constants).
pub(crate) async fn insert_demo_agency(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    name: &str,
    uscc: &Uscc,
    licence: &str,
    contact_email: &str,
) -> ServiceResult<agency::Model> {
    let valid = ValidAgency {
        name: name.to_string(),
        uscc: uscc.clone(),
        licence_number: licence.to_string(),
        contact_email: contact_email.to_string(),
    };
    insert_agency(conn, now, &valid, None, &RequestMeta::default()).await
}

async fn insert_agency(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    a: &ValidAgency,
    who: Option<&Actor>,
    meta: &RequestMeta,
) -> ServiceResult<agency::Model> {
    let row = agency::ActiveModel {
        name: Set(a.name.clone()),
        uscc: Set(a.uscc.as_str().to_string()),
        licence_number: Set(a.licence_number.clone()),
        status: Set(AgencyStatus::Active),
        contact_email: Set(a.contact_email.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| {
        ServiceError::from_unique(
            e,
            &[(
                AGENCY_USCC_UNIQUE,
                FieldError::new(
                    &["input", "uscc"],
                    "AGENCY_EXISTS",
                    "an agency with this USCC is already registered",
                ),
            )],
        )
    })?;
    let entry = match who {
        Some(actor) => AuditEntry::by(actor, "agency.create", "agency", now, meta),
        None => AuditEntry::system("agency.create", "agency", now, meta),
    };
    audit::record(
        conn,
        entry
            .object_id(Some(row.id.to_string()))
            .detail(json!({ "uscc": row.uscc })),
    )
    .await?;
    Ok(row)
}

/// The stored parts of a client to insert.
pub(crate) struct ClientSpec<'a> {
    pub client_id: &'a str,
    pub name: &'a str,
    /// The secret in clear (only its hash and hint are stored).
    pub secret: &'a str,
    pub scopes: &'a [&'a str],
    pub rate_tier: &'a str,
}

pub(crate) async fn insert_client(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    owner: ClientOwner,
    spec: &ClientSpec<'_>,
    who: Option<&Actor>,
    meta: &RequestMeta,
) -> ServiceResult<api_client::Model> {
    let (agency_id, department_id) = match owner {
        ClientOwner::Agency(id) => (Some(id), None),
        ClientOwner::Department(id) => (None, Some(id)),
    };
    let row = api_client::ActiveModel {
        agency_id: Set(agency_id),
        department_id: Set(department_id),
        client_id: Set(spec.client_id.to_string()),
        secret_hash: Set(sha256_hex(spec.secret)),
        secret_hint: Set(hint(spec.secret)),
        name: Set(spec.name.to_string()),
        scopes: Set(json!(spec.scopes)),
        rate_tier: Set(spec.rate_tier.to_string()),
        status: Set(ClientStatus::Active),
        created_at: Set(now),
        rotated_at: Set(None),
        revoked_at: Set(None),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| {
        ServiceError::from_unique(
            e,
            &[(
                CLIENT_ID_UNIQUE,
                FieldError::new(
                    &["input", "clientId"],
                    "CLIENT_ID_TAKEN",
                    "this client id is already in use",
                ),
            )],
        )
    })?;
    let entry = match who {
        Some(actor) => AuditEntry::by(actor, "api_client.create", "api_client", now, meta),
        None => AuditEntry::system("api_client.create", "api_client", now, meta),
    };
    audit::record(
        conn,
        entry.object_id(Some(row.id.to_string())).detail(json!({
            "client_id": row.client_id,
            "agency_id": agency_id,
            "department_id": department_id,
            "scopes": spec.scopes,
            "rate_tier": spec.rate_tier,
        })),
    )
    .await?;
    Ok(row)
}

/// Last four characters of a secret: enough to tell secrets apart, too
/// few to guess one.
fn hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// `xyc_` and 24 hex digits: public, unguessable enough not to enumerate.
fn new_client_id() -> String {
    format!("xyc_{}", hex::encode(random_bytes::<12>()))
}

fn agency_not_found() -> ServiceError {
    ServiceError::invalid(
        &["input", "agencyId"],
        "AGENCY_NOT_FOUND",
        "no agency has this id",
    )
}

fn client_not_found() -> ServiceError {
    ServiceError::invalid(
        &["input", "id"],
        "CLIENT_NOT_FOUND",
        "no client has this id",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("records:delete"), None);
    }

    #[test]
    fn rate_tiers() {
        for ok in [
            "basic",
            "standard",
            "premium",
            "custom:100:2.5",
            "custom:1:0.1",
        ] {
            assert!(rate_tier_ok(ok), "{ok}");
        }
        for bad in [
            "",
            "gold",
            "custom:",
            "custom:0:1",
            "custom:10:0",
            "custom:10:-1",
            "custom:NaN:1",
            "custom:inf:1",
            "custom:1:2:3",
        ] {
            assert!(!rate_tier_ok(bad), "{bad}");
        }
    }

    #[test]
    fn hints_and_client_ids() {
        assert_eq!(hint("abcdefgh"), "efgh");
        assert_eq!(hint("ab"), "ab");
        assert_eq!(hint("秘密口令abc"), "令abc");
        let id = new_client_id();
        assert_eq!(id.len(), 28);
        assert_ne!(id, new_client_id());
    }

    #[test]
    fn agencies_are_checked_field_by_field() {
        let bad = NewAgency {
            name: " ".into(),
            uscc: "91350100MA099QFHX0".into(),
            licence_number: "".into(),
            contact_email: "nope".into(),
        };
        let Err(ServiceError::Invalid(errors)) = validate_agency(&bad) else {
            panic!("invalid agency accepted");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field[1].as_str()).collect();
        assert_eq!(fields, ["name", "uscc", "licenceNumber", "contactEmail"]);
    }
}
