//! Consent (查询授权) as a first-class object: a subject authorises one
//! agency to query its non-public information for one purpose, within a
//! scope, once or up to a monthly cap, for a validity (docs/consent.md).
//!
//! Two ways in: a user bound to the subject grants directly, or an agency's
//! client (scope `consents:request`) requests and a bound user approves or
//! denies. A bound user revokes (at once, for the very next query, never
//! retroactively, no reason asked) and renews (same consent, later
//! `valid_until`, version + 1, new receipt). Purpose and scope are never
//! edited: a change needs a new consent (PIPL Art. 14). A natural person
//! consents to each purpose separately (PIPL Art. 23).
//!
//! State is computed (`domain::consent::effective_status`): expiry and
//! exhaustion hold from the exact instant, whatever the stored `status`
//! says. [`use_consent`] records a use with one conditional `UPDATE … WHERE
//! <usable> RETURNING`, so concurrent queries never exceed a cap.
//!
//! Every grant, approval and renewal yields a receipt: canonical JSON signed
//! with the platform's Ed25519 key, verifiable offline with the key
//! published at `/.well-known/xinyong/consent-keys.json`. Every lifecycle
//! step writes a `change_event` (consent_requested, consent_granted,
//! consent_denied, consent_revoked, consent_renewed) and an `audit_event` in
//! its transaction.

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use domain::consent::{self as dc, Action, ConsentFacts, Mode};
use domain::disclosure::ConsentScope;
use domain::identifier::{ResidentId, SubjectIdentifier, Uscc};
use domain::rules;
use entity::enums::{
    AgencyStatus, BindingRole, ConsentMode, ConsentRequester, ConsentStatus as Stored, InfoClass,
    SubjectKind,
};
use entity::{account_subject, agency, change_event, consent, record_category, subject};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::agencies::{Scope, page_size};
use super::audit::{self, AuditEntry};
use super::views::Page;
use super::{FieldError, ServiceError, ServiceResult, begin_write, subjects};
use crate::auth::{Actor, RequestMeta};
use crate::state::AppState;

pub use domain::consent::ConsentStatus;

/// Change-feed kinds of consent events.
pub const EVENT_REQUESTED: &str = "consent_requested";
pub const EVENT_GRANTED: &str = "consent_granted";
pub const EVENT_DENIED: &str = "consent_denied";
pub const EVENT_REVOKED: &str = "consent_revoked";
pub const EVENT_RENEWED: &str = "consent_renewed";

/// Format tag of the receipts this version writes.
pub const RECEIPT_FORMAT: &str = "xinyong.consent-receipt/1";
/// How long after a subject denied a request the same agency may not ask
/// again for the same purpose (网络数据安全管理条例 Art. 22: do not ask
/// repeatedly after a refusal).
pub const DENIAL_QUIET_DAYS: i64 = 30;
const MAX_PURPOSE_TEXT_CHARS: usize = 500;
const MAX_SCOPE_CATEGORIES: usize = 50;

// ---------------------------------------------------------------------------
// The purpose catalogue (api/resources/purposes.toml)

/// One purpose an agency may query for.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
    /// The free text must say the purpose (for `other`).
    pub text_required: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PurposeFile {
    purpose: Vec<Purpose>,
}

const PURPOSES_TOML: &str = include_str!("../../resources/purposes.toml");

fn parse_purposes(text: &str) -> Result<Vec<Purpose>, String> {
    let file: PurposeFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut seen = HashSet::new();
    for p in &file.purpose {
        let code_ok = !p.code.is_empty()
            && p.code.len() <= 48
            && p.code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            return Err(format!("purpose code {:?} is not snake_case", p.code));
        }
        if !seen.insert(p.code.clone()) {
            return Err(format!("purpose code {:?} appears twice", p.code));
        }
        if p.name_zh.trim().is_empty() || p.name_en.trim().is_empty() {
            return Err(format!("purpose {:?} needs both names", p.code));
        }
    }
    Ok(file.purpose)
}

/// The purpose catalogue, in file order.
pub fn purposes() -> &'static [Purpose] {
    static PURPOSES: OnceLock<Vec<Purpose>> = OnceLock::new();
    PURPOSES.get_or_init(|| match parse_purposes(PURPOSES_TOML) {
        Ok(p) => p,
        Err(e) => {
            // A test keeps this from shipping; never panic in a request.
            tracing::error!(error = %e, "built-in purpose catalogue is invalid");
            Vec::new()
        }
    })
}

pub fn purpose(code: &str) -> Option<&'static Purpose> {
    purposes().iter().find(|p| p.code == code)
}

// ---------------------------------------------------------------------------
// Facts and state

fn stored_to_domain(s: Stored) -> ConsentStatus {
    match s {
        Stored::Pending => ConsentStatus::Pending,
        Stored::Active => ConsentStatus::Active,
        Stored::Revoked => ConsentStatus::Revoked,
        Stored::Expired => ConsentStatus::Expired,
        Stored::Exhausted => ConsentStatus::Exhausted,
        Stored::Denied => ConsentStatus::Denied,
    }
}

/// The consent's mode as the domain sees it. A periodic row without a cap
/// (which the services never write) has no uses.
pub fn mode(c: &consent::Model) -> Mode {
    match c.mode {
        ConsentMode::OneTime => Mode::OneTime,
        ConsentMode::Periodic => Mode::Periodic {
            monthly_cap: c
                .monthly_cap
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
        },
    }
}

fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// What the state of a stored consent is computed from.
pub fn facts(c: &consent::Model) -> ConsentFacts {
    ConsentFacts {
        status: stored_to_domain(c.status),
        mode: mode(c),
        valid_from: c.valid_from,
        valid_until: c.valid_until,
        uses: count(c.uses),
        period_key: c.period_key.clone(),
        period_uses: count(c.period_uses),
    }
}

/// The consent's state at `now` (expiry and exhaustion exact to the instant).
pub fn effective_status(c: &consent::Model, now: DateTime<Utc>) -> ConsentStatus {
    dc::effective_status(&facts(c), now)
}

/// Whether one more query may be made under the consent at `now`.
pub fn usable(c: &consent::Model, now: DateTime<Utc>) -> bool {
    dc::usable(&facts(c), now)
}

/// Uses in the current calendar month (Asia/Shanghai).
pub fn uses_this_month(c: &consent::Model, now: DateTime<Utc>) -> u32 {
    dc::uses_this_period(&facts(c), now)
}

/// The information classes a consent covers.
pub fn scope_classes(c: &consent::Model) -> Vec<InfoClass> {
    serde_json::from_value(c.scope_classes.clone()).unwrap_or_default()
}

/// The record category codes a consent covers.
pub fn scope_categories(c: &consent::Model) -> Vec<String> {
    serde_json::from_value(c.scope_categories.clone()).unwrap_or_default()
}

/// What the consent lets its agency see, for `domain::disclosure::decide`
/// (pass it only for a consent that [`use_consent`] accepted).
pub fn scope(c: &consent::Model) -> ConsentScope {
    ConsentScope {
        classes: scope_classes(c)
            .into_iter()
            .map(super::records::info_class)
            .collect(),
        categories: scope_categories(c),
    }
}

// ---------------------------------------------------------------------------
// SQL forms of the computed states (kept in step with
// `domain::consent::effective_status`; the e2e tests compare the two).

fn live(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(consent::Column::Status.is_in([Stored::Active, Stored::Exhausted]))
        .add(consent::Column::ValidUntil.gt(now))
}

/// A use is left: one-time and unused, or periodic and under the cap in
/// the month `pk` (a row last used in another month has its whole cap).
fn uses_left(pk: &str) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(consent::Column::Mode.eq(ConsentMode::OneTime))
                .add(consent::Column::Uses.lt(1)),
        )
        .add(
            Condition::all()
                .add(consent::Column::Mode.eq(ConsentMode::Periodic))
                .add(
                    Condition::any()
                        .add(consent::Column::PeriodKey.is_null())
                        .add(consent::Column::PeriodKey.ne(pk))
                        .add(
                            Expr::col(consent::Column::PeriodUses)
                                .lt(Expr::col(consent::Column::MonthlyCap)),
                        ),
                ),
        )
}

/// Rows whose effective status at `now` is `s`.
fn status_condition(s: ConsentStatus, now: DateTime<Utc>) -> Condition {
    let pk = dc::period_key(now);
    match s {
        ConsentStatus::Revoked => Condition::all().add(consent::Column::Status.eq(Stored::Revoked)),
        ConsentStatus::Denied => Condition::all().add(consent::Column::Status.eq(Stored::Denied)),
        ConsentStatus::Expired => Condition::any()
            .add(consent::Column::Status.eq(Stored::Expired))
            .add(
                Condition::all()
                    .add(consent::Column::Status.is_in([
                        Stored::Pending,
                        Stored::Active,
                        Stored::Exhausted,
                    ]))
                    .add(consent::Column::ValidUntil.lte(now)),
            ),
        ConsentStatus::Pending => Condition::all()
            .add(consent::Column::Status.eq(Stored::Pending))
            .add(consent::Column::ValidUntil.gt(now)),
        ConsentStatus::Active => live(now).add(uses_left(&pk)),
        ConsentStatus::Exhausted => live(now).add(uses_left(&pk).not()),
    }
}

/// Rows usable at `now`: active, begun, not expired, a use left. The
/// consented query runs this condition as fixed SQL (`service::fixed`); the
/// e2e tests compare the two.
pub fn usable_condition(now: DateTime<Utc>) -> Condition {
    live(now)
        .add(consent::Column::ValidFrom.lte(now))
        .add(uses_left(&dc::period_key(now)))
}

// ---------------------------------------------------------------------------
// For consented queries (service::agency_reads)

/// Records one use of the consent at `now` if and only if it is usable by
/// this agency at `now`, atomically: a single conditional `UPDATE … WHERE
/// <usable> RETURNING`, which also starts a new month's count when the
/// month has turned. Concurrent calls never exceed a cap on either backend
/// (SQLite serialises writers; PostgreSQL re-checks the condition on the
/// row's latest version after waiting for its lock). `None` when not usable
/// (unknown, another agency's, pending, revoked, expired, exhausted, not
/// yet valid). Call it in the transaction that reads and logs the query.
pub async fn use_consent(
    conn: &impl ConnectionTrait,
    consent_id: i64,
    agency_id: i64,
    now: DateTime<Utc>,
) -> ServiceResult<Option<consent::Model>> {
    // On the consented query's path: a fixed statement (`service::fixed`),
    // whose condition is `usable_condition` written out.
    Ok(super::fixed::use_consent(conn, consent_id, agency_id, now, &dc::period_key(now)).await?)
}

/// The agency's consents from the subject for the purpose that are usable
/// at `now`, oldest first.
pub async fn usable_consents(
    conn: &impl ConnectionTrait,
    agency_id: i64,
    subject_id: i64,
    purpose_code: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<consent::Model>> {
    let rows = super::fixed::usable_consents(
        conn,
        agency_id,
        subject_id,
        purpose_code,
        now,
        &dc::period_key(now),
    )
    .await?;
    Ok(rows.into_iter().filter(|c| usable(c, now)).collect())
}

// ---------------------------------------------------------------------------
// Terms

/// What a grant or a request asks for, after the edge parsed the types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentTerms {
    /// One consent per purpose; a natural person gives exactly one.
    pub purpose_codes: Vec<String>,
    /// The exact purpose, in words (required for `other`).
    pub purpose_text: Option<String>,
    pub scope_classes: Vec<InfoClass>,
    pub scope_categories: Vec<String>,
    pub mode: Mode,
    /// Default now; an earlier instant is taken as now (consent is never retroactive).
    pub valid_from: Option<DateTime<Utc>>,
    /// Default `valid_from` + rule `consent.default_validity`; at most now +
    /// `consent.max_validity`.
    pub valid_until: Option<DateTime<Utc>>,
}

/// Terms that passed every check.
struct Checked {
    purposes: Vec<&'static Purpose>,
    purpose_text: String,
    classes: Vec<InfoClass>,
    categories: Vec<String>,
    mode: Mode,
    valid_from: DateTime<Utc>,
    valid_until: DateTime<Utc>,
}

fn f(name: &str) -> Vec<&str> {
    vec!["input", name]
}

/// The instant a rule's period after `from` ends (consent rules in years).
fn rule_end(
    state: &AppState,
    id: &str,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ServiceResult<DateTime<Utc>> {
    let reference = state.reference();
    let rule = reference
        .rules
        .rule_in_force(id, domain::time::local_date(now))
        .ok_or_else(|| ServiceError::Internal(format!("rule {id} is not in force")))?;
    dc::add_period(from, rule.amount, rule.unit)
        .ok_or_else(|| ServiceError::Internal(format!("rule {id} cannot give a validity")))
}

/// Whole seconds: validity instants are shown and signed to the second.
fn secs(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

async fn check_terms(
    conn: &impl ConnectionTrait,
    state: &AppState,
    terms: &ConsentTerms,
    natural_person: bool,
    now: DateTime<Utc>,
) -> ServiceResult<Checked> {
    let mut errors = Vec::new();

    // Purposes.
    let mut codes: Vec<&str> = Vec::new();
    for c in &terms.purpose_codes {
        let c = c.trim();
        if !codes.contains(&c) {
            codes.push(c);
        }
    }
    let mut chosen = Vec::new();
    if codes.is_empty() {
        errors.push(FieldError::new(
            &f("purposeCodes"),
            "PURPOSE_REQUIRED",
            "name the purpose (see the `purposes` query)",
        ));
    }
    for code in &codes {
        match purpose(code) {
            Some(p) => chosen.push(p),
            None => errors.push(FieldError::new(
                &f("purposeCodes"),
                "PURPOSE_UNKNOWN",
                format!("{code:?} is not a purpose code; see the `purposes` query"),
            )),
        }
    }
    if natural_person && codes.len() > 1 {
        errors.push(FieldError::new(
            &f("purposeCodes"),
            "SEPARATE_CONSENT_REQUIRED",
            "a natural person consents to each purpose separately (PIPL Art. 23): give one purpose per consent",
        ));
    }
    let text = terms
        .purpose_text
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    if text.chars().count() > MAX_PURPOSE_TEXT_CHARS || text.chars().any(char::is_control) {
        errors.push(FieldError::new(
            &f("purposeText"),
            "PURPOSE_TEXT_INVALID",
            format!(
                "describe the purpose in at most {MAX_PURPOSE_TEXT_CHARS} characters on one line"
            ),
        ));
    } else if text.is_empty() && chosen.iter().any(|p| p.text_required) {
        errors.push(FieldError::new(
            &f("purposeText"),
            "PURPOSE_TEXT_REQUIRED",
            "say exactly what the information is for when the purpose is `other`",
        ));
    }

    // Scope.
    let mut classes = Vec::new();
    for c in &terms.scope_classes {
        if !classes.contains(c) {
            classes.push(*c);
        }
    }
    let mut categories: Vec<String> = Vec::new();
    for c in &terms.scope_categories {
        let c = c.trim().to_string();
        if !categories.contains(&c) {
            categories.push(c);
        }
    }
    if classes.is_empty() && categories.is_empty() {
        errors.push(FieldError::new(
            &f("scope"),
            "SCOPE_REQUIRED",
            "name the information classes or record categories the consent covers",
        ));
    }
    if categories.len() > MAX_SCOPE_CATEGORIES {
        errors.push(FieldError::new(
            &f("scope"),
            "SCOPE_TOO_LARGE",
            format!("name at most {MAX_SCOPE_CATEGORIES} categories, or use information classes"),
        ));
    } else if !categories.is_empty() {
        let known: HashSet<String> = record_category::Entity::find()
            .filter(record_category::Column::Code.is_in(categories.clone()))
            .filter(record_category::Column::Active.eq(true))
            .all(conn)
            .await?
            .into_iter()
            .map(|c| c.code)
            .collect();
        for c in &categories {
            if !known.contains(c) {
                errors.push(FieldError::new(
                    &["input", "scope", "categories"],
                    "CATEGORY_UNKNOWN",
                    format!("{c:?} is not an active record category (docs/catalogue.md)"),
                ));
            }
        }
    }

    // Mode.
    if let Mode::Periodic { monthly_cap } = terms.mode
        && !(1..=dc::MAX_MONTHLY_CAP).contains(&monthly_cap)
    {
        errors.push(FieldError::new(
            &f("monthlyCap"),
            "MONTHLY_CAP_INVALID",
            format!(
                "a periodic consent allows 1 to {} queries per month",
                dc::MAX_MONTHLY_CAP
            ),
        ));
    }

    // Validity.
    let now_s = secs(now);
    let valid_from = std::cmp::max(terms.valid_from.map(secs).unwrap_or(now_s), now_s);
    let max_until = rule_end(state, rules::CONSENT_MAX_VALIDITY, now_s, now)?;
    let valid_until = match terms.valid_until.map(secs) {
        Some(u) => u,
        None => std::cmp::min(
            rule_end(state, rules::CONSENT_DEFAULT_VALIDITY, valid_from, now)?,
            max_until,
        ),
    };
    if valid_until <= valid_from {
        errors.push(FieldError::new(
            &f("validUntil"),
            "VALIDITY_INVALID",
            "validUntil must be after validFrom (and after now)",
        ));
    } else if valid_until > max_until {
        errors.push(FieldError::new(
            &f("validUntil"),
            "VALIDITY_TOO_LONG",
            format!(
                "a consent may run until {} at the latest (rule consent.max_validity)",
                stamp(max_until)
            ),
        ));
    }

    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    Ok(Checked {
        purposes: chosen,
        purpose_text: text,
        classes,
        categories,
        mode: terms.mode,
        valid_from,
        valid_until,
    })
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

// ---------------------------------------------------------------------------
// Who may act

/// The account's live binding to the subject, if any.
async fn binding(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    subject_id: i64,
) -> ServiceResult<Option<account_subject::Model>> {
    let Some(a) = actor.account() else {
        return Ok(None);
    };
    Ok(account_subject::Entity::find()
        .filter(account_subject::Column::AccountId.eq(a.account_id))
        .filter(account_subject::Column::SubjectId.eq(subject_id))
        .filter(account_subject::Column::RevokedAt.is_null())
        .one(conn)
        .await?)
}

/// The agency a client acts for, when it may request consent.
fn requesting_agency(actor: &Actor) -> ServiceResult<(i64, i64)> {
    match actor {
        Actor::Anonymous => Err(ServiceError::Unauthenticated(
            "use an agency client's access token",
        )),
        Actor::Client(c) => match c.agency_id {
            Some(agency_id)
                if c.scopes
                    .iter()
                    .any(|s| s == Scope::ConsentsRequest.as_str()) =>
            {
                Ok((agency_id, c.api_client_id))
            }
            _ => Err(ServiceError::Forbidden),
        },
        Actor::Account(_) => Err(ServiceError::Forbidden),
    }
}

/// Whether `actor` may see the consent: a user bound to its subject, an
/// operator, or a client of its agency.
async fn may_see(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    c: &consent::Model,
) -> ServiceResult<bool> {
    Ok(match actor {
        Actor::Anonymous => false,
        Actor::Client(cl) => cl.agency_id == Some(c.agency_id),
        Actor::Account(_) if actor.is_operator() => true,
        Actor::Account(_) => binding(conn, actor, c.subject_id).await?.is_some(),
    })
}

fn not_found() -> ServiceError {
    ServiceError::invalid(
        &["input", "id"],
        "CONSENT_NOT_FOUND",
        "no consent with this id that you may act on",
    )
}

fn subject_user(actor: &Actor) -> ServiceResult<()> {
    match actor {
        Actor::Anonymous => Err(ServiceError::Unauthenticated(
            "sign in with an account bound to the subject",
        )),
        Actor::Account(_) => Ok(()),
        Actor::Client(_) => Err(ServiceError::Forbidden),
    }
}

// ---------------------------------------------------------------------------
// Receipts

/// A signed receipt as the subject downloads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The canonical JSON, exactly the bytes that were signed.
    pub json: String,
    /// Ed25519 signature, base64url without padding.
    pub signature: String,
    /// The signing key's id in the published key set.
    pub key_id: String,
}

/// The consent's current receipt (none for pending, denied or revoked-before-grant).
pub fn receipt(c: &consent::Model) -> Option<Receipt> {
    Some(Receipt {
        json: dc::canonical_json(c.receipt.as_ref()?),
        signature: c.receipt_signature.clone()?,
        key_id: c.receipt_key_id.clone()?,
    })
}

fn role_name(r: BindingRole) -> &'static str {
    match r {
        BindingRole::Owner => "owner",
        BindingRole::Agent => "agent",
    }
}

fn kind_name(k: SubjectKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Who a receipt names: the subject, the agency, and the binding of the
/// account that granted or approved.
struct Parties<'a> {
    subject: &'a subject::Model,
    agency: &'a agency::Model,
    by: &'a account_subject::Model,
}

/// The receipt document of `c` (already in its new state) for `event`
/// (`granted`, `approved` or `renewed`), signed: (document, key id, signature).
fn sign(
    state: &AppState,
    c: &consent::Model,
    parties: &Parties<'_>,
    event: &str,
    now: DateTime<Utc>,
) -> (Value, String, String) {
    let Parties {
        subject,
        agency,
        by,
    } = parties;
    let (key_id, _) = state.keys.receipt_public_key();
    let p = purpose(&c.purpose_code);
    let mode = match mode(c) {
        Mode::OneTime => json!({ "type": "one_time" }),
        Mode::Periodic { monthly_cap } => json!({ "type": "periodic", "monthly_cap": monthly_cap }),
    };
    let natural_person = subject.kind == SubjectKind::NaturalPerson;
    let mut basis = vec![
        "征信业管理条例 第十八条（书面同意、约定用途）".to_string(),
        "个人信息保护法 第十四条至第十六条（知情、自愿、明确；可撤回，不溯及既往）".to_string(),
    ];
    if natural_person {
        basis.push("个人信息保护法 第二十三条（向他人提供的单独同意）".to_string());
    }
    let doc = json!({
        "format": RECEIPT_FORMAT,
        "issuer": state.config.public_url,
        "key_id": key_id,
        "event": event,
        "issued_at": stamp(secs(now)),
        "consent": {
            "id": c.id,
            "version": c.version,
            "requested_by": match c.requested_by {
                ConsentRequester::Subject => "subject",
                ConsentRequester::Agency => "agency",
            },
            "granted_at": c.granted_at.map(stamp),
        },
        "subject": {
            "kind": kind_name(subject.kind),
            "name": subject.name,
            "identifier": subject.identifier_masked,
        },
        "granted_by": {
            "account_id": by.account_id,
            "role": role_name(by.role),
        },
        "agency": {
            "name": agency.name,
            "uscc": agency.uscc,
            "licence_number": agency.licence_number,
        },
        "purpose": {
            "code": c.purpose_code,
            "name_zh": p.map(|p| p.name_zh.as_str()),
            "name_en": p.map(|p| p.name_en.as_str()),
            "text": c.purpose_text,
        },
        "scope": {
            "info_classes": c.scope_classes,
            "categories": c.scope_categories,
        },
        "mode": mode,
        "valid_from": stamp(c.valid_from),
        "valid_until": stamp(c.valid_until),
        "revocable": true,
        "legal_basis": basis,
    });
    let (kid, signature) = state.keys.sign_receipt(dc::canonical_json(&doc).as_bytes());
    (doc, kid, signature)
}

/// Writes a fresh receipt onto the consent row.
async fn attach_receipt(
    conn: &impl ConnectionTrait,
    state: &AppState,
    c: consent::Model,
    parties: &Parties<'_>,
    event: &str,
    now: DateTime<Utc>,
) -> ServiceResult<consent::Model> {
    let (doc, kid, signature) = sign(state, &c, parties, event, now);
    let mut row: consent::ActiveModel = c.into();
    row.receipt = Set(Some(doc));
    row.receipt_signature = Set(Some(signature));
    row.receipt_key_id = Set(Some(kid));
    Ok(row.update(conn).await?)
}

// ---------------------------------------------------------------------------
// Lifecycle side effects

async fn event(
    conn: &impl ConnectionTrait,
    c: &consent::Model,
    kind: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    change_event::ActiveModel {
        subject_id: Set(c.subject_id),
        record_id: Set(None),
        consent_id: Set(Some(c.id)),
        kind: Set(kind.to_string()),
        data: Set(json!({
            "agency_id": c.agency_id,
            "purpose_code": c.purpose_code,
            "version": c.version,
            "valid_from": stamp(c.valid_from),
            "valid_until": stamp(c.valid_until),
        })),
        occurred_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    super::notices::consent_event(conn, c, kind, now).await
}

async fn audit_consent(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    meta: &RequestMeta,
    action: &'static str,
    c: &consent::Model,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    audit::record(
        conn,
        AuditEntry::by(actor, action, "consent", now, meta)
            .object_id(Some(c.id.to_string()))
            .subject(c.subject_id)
            .detail(json!({
                "agency_id": c.agency_id,
                "purpose_code": c.purpose_code,
                "version": c.version,
                "valid_until": stamp(c.valid_until),
            })),
    )
    .await?;
    Ok(())
}

/// How a new consent row comes about.
struct Origin {
    requested_by: ConsentRequester,
    status: Stored,
    /// The granting account (direct grants).
    granted_by: Option<i64>,
}

fn new_row(
    (subject_id, agency_id): (i64, i64),
    p: &Purpose,
    t: &Checked,
    origin: Origin,
    now: DateTime<Utc>,
) -> consent::ActiveModel {
    let Origin {
        requested_by,
        status,
        granted_by,
    } = origin;
    let (mode, cap) = match t.mode {
        Mode::OneTime => (ConsentMode::OneTime, None),
        Mode::Periodic { monthly_cap } => (
            ConsentMode::Periodic,
            Some(i32::try_from(monthly_cap).unwrap_or(i32::MAX)),
        ),
    };
    consent::ActiveModel {
        subject_id: Set(subject_id),
        agency_id: Set(agency_id),
        purpose_code: Set(p.code.clone()),
        purpose_text: Set(t.purpose_text.clone()),
        scope_classes: Set(json!(t.classes)),
        scope_categories: Set(json!(t.categories)),
        mode: Set(mode),
        monthly_cap: Set(cap),
        valid_from: Set(t.valid_from),
        valid_until: Set(t.valid_until),
        status: Set(status),
        uses: Set(0),
        last_used_at: Set(None),
        requested_by: Set(requested_by),
        granted_by_account_id: Set(granted_by),
        granted_at: Set(granted_by.map(|_| secs(now))),
        revoked_at: Set(None),
        receipt: Set(None),
        receipt_signature: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        period_key: Set(None),
        period_uses: Set(0),
        receipt_key_id: Set(None),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------
// Use cases

/// A user bound to the subject grants the agency (named by its USCC)
/// consent: one active consent per purpose, each with a signed receipt.
pub async fn grant_consent(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    subject_id: i64,
    agency_uscc: &str,
    terms: ConsentTerms,
) -> ServiceResult<Vec<consent::Model>> {
    subject_user(actor)?;
    let uscc = Uscc::parse(agency_uscc.trim())
        .map_err(|e| ServiceError::invalid(&f("agencyUscc"), e.code(), e.to_string()))?;
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let Some(by) = binding(&txn, actor, subject_id).await? else {
        return Err(ServiceError::Forbidden);
    };
    let Some(subject) = subject::Entity::find_by_id(subject_id).one(&txn).await? else {
        return Err(ServiceError::Forbidden);
    };
    let agency = agency::Entity::find()
        .filter(agency::Column::Uscc.eq(uscc.as_str()))
        .one(&txn)
        .await?;
    let agency = match agency {
        Some(a) if a.status == AgencyStatus::Active => a,
        Some(_) => {
            return Err(ServiceError::invalid(
                &f("agencyUscc"),
                "AGENCY_NOT_ACTIVE",
                "this agency is suspended or its registration revoked; it cannot receive consent",
            ));
        }
        None => {
            return Err(ServiceError::invalid(
                &f("agencyUscc"),
                "AGENCY_UNKNOWN",
                "no registered agency has this unified social credit code",
            ));
        }
    };
    let natural_person = subject.kind == SubjectKind::NaturalPerson;
    let checked = check_terms(&txn, state, &terms, natural_person, now).await?;
    let mut out = Vec::new();
    for p in &checked.purposes {
        let origin = Origin {
            requested_by: ConsentRequester::Subject,
            status: Stored::Active,
            granted_by: Some(by.account_id),
        };
        let row = new_row((subject.id, agency.id), p, &checked, origin, now)
            .insert(&txn)
            .await?;
        let parties = Parties {
            subject: &subject,
            agency: &agency,
            by: &by,
        };
        let row = attach_receipt(&txn, state, row, &parties, "granted", now).await?;
        event(&txn, &row, EVENT_GRANTED, now).await?;
        audit_consent(&txn, actor, meta, "consent.grant", &row, now).await?;
        out.push(row);
    }
    txn.commit().await?;
    Ok(out)
}

/// Parses a USCC or resident ID number (a string can be valid as both).
fn parse_identifier(input: &str) -> ServiceResult<Vec<SubjectIdentifier>> {
    let input = input.trim();
    let mut out = Vec::new();
    if let Ok(u) = Uscc::parse(input) {
        out.push(SubjectIdentifier::Uscc(u));
    }
    if let Ok(p) = ResidentId::parse(input) {
        out.push(SubjectIdentifier::ResidentId(p));
    }
    if out.is_empty() {
        let (code, msg) = SubjectIdentifier::parse_any(input)
            .err()
            .map(|e| (e.code(), e.to_string()))
            .unwrap_or(("IDENTIFIER_INVALID", "not a valid identifier".to_string()));
        return Err(ServiceError::invalid(&f("subjectIdentifier"), code, msg));
    }
    Ok(out)
}

/// An agency's client (scope `consents:request`) asks the subject for
/// consent: one pending request per purpose, for a bound user to approve or
/// deny. Refused while the same request is pending, and for
/// [`DENIAL_QUIET_DAYS`] after the subject denied it.
pub async fn request_consent(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    subject_identifier: &str,
    terms: ConsentTerms,
) -> ServiceResult<Vec<consent::Model>> {
    let (agency_id, _) = requesting_agency(actor)?;
    let candidates = parse_identifier(subject_identifier)?;
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let mut found = None;
    for id in &candidates {
        if let Some(s) = subjects::find_by_identifier(&txn, &state.keys, id).await? {
            found = Some(s);
            break;
        }
    }
    let Some(subject) = found else {
        return Err(ServiceError::invalid(
            &f("subjectIdentifier"),
            "SUBJECT_UNKNOWN",
            "no subject with this identifier is registered on the platform",
        ));
    };
    let natural_person = subject.kind == SubjectKind::NaturalPerson;
    let checked = check_terms(&txn, state, &terms, natural_person, now).await?;
    let codes: Vec<String> = checked.purposes.iter().map(|p| p.code.clone()).collect();
    let earlier = consent::Entity::find()
        .filter(consent::Column::AgencyId.eq(agency_id))
        .filter(consent::Column::SubjectId.eq(subject.id))
        .filter(consent::Column::PurposeCode.is_in(codes))
        .filter(consent::Column::Status.is_in([Stored::Pending, Stored::Denied]))
        .all(&txn)
        .await?;
    let quiet_since = now - chrono::Duration::days(DENIAL_QUIET_DAYS);
    for e in &earlier {
        if effective_status(e, now) == ConsentStatus::Pending {
            return Err(ServiceError::invalid(
                &f("purposeCodes"),
                "CONSENT_REQUEST_PENDING",
                format!(
                    "a request for {:?} is already waiting for the subject",
                    e.purpose_code
                ),
            ));
        }
        if e.status == Stored::Denied && e.updated_at > quiet_since {
            return Err(ServiceError::invalid(
                &f("purposeCodes"),
                "CONSENT_RECENTLY_DENIED",
                format!(
                    "the subject denied a request for {:?} on {}; do not ask again within {DENIAL_QUIET_DAYS} days",
                    e.purpose_code,
                    stamp(e.updated_at)
                ),
            ));
        }
    }
    let mut out = Vec::new();
    for p in &checked.purposes {
        let origin = Origin {
            requested_by: ConsentRequester::Agency,
            status: Stored::Pending,
            granted_by: None,
        };
        let row = new_row((subject.id, agency_id), p, &checked, origin, now)
            .insert(&txn)
            .await?;
        event(&txn, &row, EVENT_REQUESTED, now).await?;
        audit_consent(&txn, actor, meta, "consent.request", &row, now).await?;
        out.push(row);
    }
    txn.commit().await?;
    Ok(out)
}

/// Loads a consent for a change by a bound user of its subject, locked, with
/// the binding and the consent's state now. Unknown and not-yours are the
/// same `CONSENT_NOT_FOUND`.
async fn load_for_subject_user(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> ServiceResult<(consent::Model, account_subject::Model, ConsentStatus)> {
    subject_user(actor)?;
    let Some(c) = consent::Entity::find_by_id(id)
        .lock_exclusive()
        .one(conn)
        .await?
    else {
        return Err(not_found());
    };
    let Some(by) = binding(conn, actor, c.subject_id).await? else {
        return Err(not_found());
    };
    let status = effective_status(&c, now);
    Ok((c, by, status))
}

fn transition(action: Action, c: &consent::Model, from: ConsentStatus) -> ServiceResult<()> {
    dc::check_transition(action, from, mode(c))
        .map_err(|e| ServiceError::invalid(&["input", "id"], e.code(), e.to_string()))
}

/// Saves `row` if the consent is still at `version` (optimistic lock).
async fn save(
    conn: &impl ConnectionTrait,
    row: consent::ActiveModel,
    version: i32,
) -> ServiceResult<consent::Model> {
    let id = match &row.id {
        sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => *id,
        sea_orm::ActiveValue::NotSet => {
            return Err(ServiceError::Internal("consent row without id".into()));
        }
    };
    let res = consent::Entity::update_many()
        .set(row)
        .filter(consent::Column::Id.eq(id))
        .filter(consent::Column::Version.eq(version))
        .exec_with_returning(conn)
        .await?;
    res.into_iter().next().ok_or_else(|| {
        ServiceError::invalid(
            &["input", "id"],
            "CONSENT_CHANGED",
            "the consent changed meanwhile; load it again",
        )
    })
}

/// A bound user approves an agency's pending request: it becomes active
/// (from its `validFrom`, or now if that has passed, until its requested
/// `validUntil`), with a signed receipt.
pub async fn approve_consent(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
) -> ServiceResult<consent::Model> {
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let (c, by, from) = load_for_subject_user(&txn, actor, id, now).await?;
    transition(Action::Approve, &c, from)?;
    let subject = subject::Entity::find_by_id(c.subject_id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    let agency = agency::Entity::find_by_id(c.agency_id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    if agency.status != AgencyStatus::Active {
        return Err(ServiceError::invalid(
            &["input", "id"],
            "AGENCY_NOT_ACTIVE",
            "the requesting agency is suspended or its registration revoked",
        ));
    }
    let version = c.version;
    let mut row: consent::ActiveModel = c.clone().into();
    row.status = Set(Stored::Active);
    row.valid_from = Set(std::cmp::max(c.valid_from, secs(now)));
    row.granted_by_account_id = Set(Some(by.account_id));
    row.granted_at = Set(Some(secs(now)));
    row.updated_at = Set(now);
    row.version = Set(version + 1);
    let updated = save(&txn, row, version).await?;
    let parties = Parties {
        subject: &subject,
        agency: &agency,
        by: &by,
    };
    let updated = attach_receipt(&txn, state, updated, &parties, "approved", now).await?;
    event(&txn, &updated, EVENT_GRANTED, now).await?;
    audit_consent(&txn, actor, meta, "consent.approve", &updated, now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// A bound user denies an agency's pending request (no reason asked).
pub async fn deny_consent(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
) -> ServiceResult<consent::Model> {
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let (c, _, from) = load_for_subject_user(&txn, actor, id, now).await?;
    transition(Action::Deny, &c, from)?;
    let version = c.version;
    let mut row: consent::ActiveModel = c.into();
    row.status = Set(Stored::Denied);
    row.updated_at = Set(now);
    row.version = Set(version + 1);
    let updated = save(&txn, row, version).await?;
    event(&txn, &updated, EVENT_DENIED, now).await?;
    audit_consent(&txn, actor, meta, "consent.deny", &updated, now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// A bound user revokes a consent: no query is allowed under it from this
/// instant on; queries already made stay lawful and logged (PIPL Art. 15).
/// No reason is asked.
pub async fn revoke_consent(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
) -> ServiceResult<consent::Model> {
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let (c, _, from) = load_for_subject_user(&txn, actor, id, now).await?;
    transition(Action::Revoke, &c, from)?;
    let version = c.version;
    let mut row: consent::ActiveModel = c.into();
    row.status = Set(Stored::Revoked);
    row.revoked_at = Set(Some(now));
    row.updated_at = Set(now);
    row.version = Set(version + 1);
    let updated = save(&txn, row, version).await?;
    event(&txn, &updated, EVENT_REVOKED, now).await?;
    audit_consent(&txn, actor, meta, "consent.revoke", &updated, now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// A bound user extends a live consent: same id, same terms, a later
/// `validUntil` (default now + `consent.default_validity`, at most now +
/// `consent.max_validity`), version + 1 and a new signed receipt. Uses so
/// far are kept.
pub async fn renew_consent(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    valid_until: Option<DateTime<Utc>>,
) -> ServiceResult<consent::Model> {
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let (c, by, from) = load_for_subject_user(&txn, actor, id, now).await?;
    transition(Action::Renew, &c, from)?;
    let now_s = secs(now);
    let max_until = rule_end(state, rules::CONSENT_MAX_VALIDITY, now_s, now)?;
    let until = match valid_until.map(secs) {
        Some(u) => u,
        None => std::cmp::min(
            rule_end(state, rules::CONSENT_DEFAULT_VALIDITY, now_s, now)?,
            max_until,
        ),
    };
    if until <= c.valid_until {
        return Err(ServiceError::invalid(
            &f("validUntil"),
            "RENEWAL_NOT_LATER",
            format!(
                "a renewal must end after the current end, {}",
                stamp(c.valid_until)
            ),
        ));
    }
    if until > max_until {
        return Err(ServiceError::invalid(
            &f("validUntil"),
            "VALIDITY_TOO_LONG",
            format!(
                "a consent may run until {} at the latest (rule consent.max_validity)",
                stamp(max_until)
            ),
        ));
    }
    let subject = subject::Entity::find_by_id(c.subject_id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    let agency = agency::Entity::find_by_id(c.agency_id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    let version = c.version;
    let mut row: consent::ActiveModel = c.into();
    row.valid_until = Set(until);
    row.updated_at = Set(now);
    row.version = Set(version + 1);
    let updated = save(&txn, row, version).await?;
    let parties = Parties {
        subject: &subject,
        agency: &agency,
        by: &by,
    };
    let updated = attach_receipt(&txn, state, updated, &parties, "renewed", now).await?;
    event(&txn, &updated, EVENT_RENEWED, now).await?;
    audit_consent(&txn, actor, meta, "consent.renew", &updated, now).await?;
    txn.commit().await?;
    Ok(updated)
}

// ---------------------------------------------------------------------------
// Reads

/// One consent, if `actor` may see it (a bound user of its subject, an
/// operator, a client of its agency); otherwise `None`, as for an unknown id.
pub async fn get_consent(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<consent::Model>> {
    let Some(c) = consent::Entity::find_by_id(id).one(&state.db).await? else {
        return Ok(None);
    };
    Ok(may_see(&state.db, actor, &c).await?.then_some(c))
}

async fn page(
    conn: &impl ConnectionTrait,
    base: Condition,
    statuses: &[ConsentStatus],
    first: Option<i32>,
    after: Option<i64>,
    now: DateTime<Utc>,
) -> ServiceResult<Page<consent::Model>> {
    let limit = page_size(first)?;
    let mut cond = base;
    if !statuses.is_empty() {
        let mut any = Condition::any();
        for s in statuses {
            any = any.add(status_condition(*s, now));
        }
        cond = cond.add(any);
    }
    if let Some(a) = after {
        cond = cond.add(consent::Column::Id.lt(a));
    }
    let mut items = consent::Entity::find()
        .filter(cond)
        .order_by_desc(consent::Column::Id)
        .limit(limit as u64 + 1)
        .all(conn)
        .await?;
    let has_next = items.len() > limit;
    items.truncate(limit);
    Ok(Page {
        items,
        has_previous: after.is_some(),
        has_next,
    })
}

/// A subject's consents, newest first, optionally only those whose
/// effective status is one of `statuses` (users bound to the subject and
/// operators).
pub async fn subject_consents(
    state: &AppState,
    actor: &Actor,
    subject_id: i64,
    statuses: &[ConsentStatus],
    first: Option<i32>,
    after: Option<i64>,
) -> ServiceResult<Page<consent::Model>> {
    match actor {
        Actor::Anonymous => {
            return Err(ServiceError::Unauthenticated(
                "sign in with an account bound to the subject",
            ));
        }
        a if a.is_operator() => {}
        Actor::Account(_) if binding(&state.db, actor, subject_id).await?.is_some() => {}
        _ => return Err(ServiceError::Forbidden),
    }
    let base = Condition::all().add(consent::Column::SubjectId.eq(subject_id));
    page(&state.db, base, statuses, first, after, state.now()).await
}

/// The calling agency's consents (any of its clients), newest first.
pub async fn agency_consents(
    state: &AppState,
    actor: &Actor,
    statuses: &[ConsentStatus],
    first: Option<i32>,
    after: Option<i64>,
) -> ServiceResult<Page<consent::Model>> {
    let agency_id = match actor {
        Actor::Anonymous => {
            return Err(ServiceError::Unauthenticated(
                "use an agency client's access token",
            ));
        }
        Actor::Client(c) => c.agency_id.ok_or(ServiceError::Forbidden)?,
        Actor::Account(_) => return Err(ServiceError::Forbidden),
    };
    let base = Condition::all().add(consent::Column::AgencyId.eq(agency_id));
    page(&state.db, base, statuses, first, after, state.now()).await
}

/// The agency a visible consent is given to (shown with the consent, so
/// subjects see who they authorised: PIPL Art. 23).
pub async fn consent_agency(
    state: &AppState,
    c: &consent::Model,
) -> ServiceResult<Option<agency::Model>> {
    Ok(agency::Entity::find_by_id(c.agency_id)
        .one(&state.db)
        .await?)
}

/// The subject's name, kind and shown identifier, for the consent's holder.
pub async fn consent_subject(
    state: &AppState,
    c: &consent::Model,
) -> ServiceResult<Option<subject::Model>> {
    Ok(subject::Entity::find_by_id(c.subject_id)
        .one(&state.db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purpose_catalogue_parses_and_has_the_eight_codes() {
        let p = parse_purposes(PURPOSES_TOML).unwrap();
        let codes: Vec<&str> = p.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "loan_application",
                "credit_line_review",
                "guarantee",
                "lease",
                "procurement",
                "employment_screening",
                "business_cooperation",
                "other"
            ]
        );
        assert_eq!(purpose("loan_application").unwrap().name_zh, "贷款申请");
        assert_eq!(purpose("procurement").unwrap().name_zh, "政府采购/招投标");
        assert!(purpose("other").unwrap().text_required);
        assert_eq!(purposes().len(), 8);
    }

    #[test]
    fn bad_catalogues_are_refused() {
        let dup = r#"
[[purpose]]
code = "a"
name_zh = "甲"
name_en = "A"
description_zh = ""
description_en = ""
text_required = false
[[purpose]]
code = "a"
name_zh = "甲"
name_en = "A"
description_zh = ""
description_en = ""
text_required = false
"#;
        assert!(parse_purposes(dup).unwrap_err().contains("twice"));
        assert!(
            parse_purposes(&dup.replacen("code = \"a\"", "code = \"A b\"", 1))
                .unwrap_err()
                .contains("snake_case")
        );
    }
}
