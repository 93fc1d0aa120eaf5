//! The account flows that need email: email verification, password reset
//! by emailed link, identity binding (实名) by a code sent to the subject's
//! registered contact or by documents checked by staff, owners managing
//! the accounts that act for their subject, and notice settings.
//!
//! Secrets (links' tokens, binding codes) are random, stored only as
//! hashes, single-use and short-lived. Failed attempts count against a
//! throttle in the database (works across replicas) and are audited.

use chrono::{DateTime, Duration, Utc};
use domain::identifier::{ResidentId, SubjectIdentifier, Uscc};
use entity::binding_request::{self, BindingRequestStatus};
use entity::enums::{
    AccountRole, AccountStatus, BindingMethod, BindingRole, ChallengePurpose, SubjectKind,
};
use entity::{account, account_subject, identity_challenge, login_throttle, session, subject};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::super::audit::{self, AuditEntry};
use super::super::auth::normalize_email;
use super::super::notices::{self, NewNotice, NoticeKind, NoticePrefs, QueryNotices};
use super::super::{FieldError, ServiceError, ServiceResult, begin_write, subjects};
use super::LANGUAGES;
use crate::auth::{Actor, RequestMeta, password};
use crate::crypto::{random_token, sha256_hex};
use crate::state::AppState;

/// How long an email-verification link works.
pub const EMAIL_VERIFY_TTL: Duration = Duration::hours(24);
/// How long a password-reset link works (OWASP Forgot Password Cheat Sheet: short-lived).
pub const PASSWORD_RESET_TTL: Duration = Duration::minutes(60);
/// How long a binding code works.
pub const BINDING_CODE_TTL: Duration = Duration::minutes(15);
/// Wrong codes allowed per binding challenge; then it is spent.
pub const BINDING_CODE_MAX_ATTEMPTS: i32 = 5;
/// Emails of one kind an account can trigger per hour (reset links,
/// verification links, binding codes): keeps the platform from being
/// used to flood a mailbox.
pub const EMAILS_PER_HOUR: u64 = 5;
/// Failed binding attempts (unknown subject, wrong name, wrong code) per
/// account inside [`THROTTLE_WINDOW`] before a lock-out that doubles with
/// each further failure, up to [`MAX_LOCK`].
const FAILURES_BEFORE_LOCK: i32 = 5;
const THROTTLE_WINDOW: Duration = Duration::minutes(15);
const MAX_LOCK: Duration = Duration::hours(1);

fn f(name: &str) -> Vec<&str> {
    vec!["input", name]
}

fn signed_in(actor: &Actor) -> ServiceResult<&crate::auth::AccountActor> {
    match actor {
        Actor::Account(a) => Ok(a),
        Actor::Anonymous => Err(ServiceError::Unauthenticated("sign in first")),
        Actor::Client(_) => Err(ServiceError::Forbidden),
    }
}

/// Only subject users bind to subjects (staff act for departments).
fn subject_user(actor: &Actor) -> ServiceResult<&crate::auth::AccountActor> {
    let a = signed_in(actor)?;
    if a.role != AccountRole::SubjectUser {
        return Err(ServiceError::Forbidden);
    }
    Ok(a)
}

/// `l***@example.cn`: enough to recognise one's own address.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

async fn load_account<C: ConnectionTrait>(conn: &C, id: i64) -> ServiceResult<account::Model> {
    account::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::Unauthenticated(
            "the account no longer exists",
        ))
}

async fn recent_challenges<C: ConnectionTrait>(
    conn: &C,
    account_id: i64,
    purpose: ChallengePurpose,
    now: DateTime<Utc>,
) -> ServiceResult<u64> {
    Ok(identity_challenge::Entity::find()
        .filter(identity_challenge::Column::AccountId.eq(account_id))
        .filter(identity_challenge::Column::Purpose.eq(purpose))
        .filter(identity_challenge::Column::CreatedAt.gt(now - Duration::hours(1)))
        .count(conn)
        .await?)
}

fn too_many_emails() -> ServiceError {
    ServiceError::RateLimited {
        retry_after: std::time::Duration::from_secs(3600),
    }
}

// ---------------------------------------------------------------------------
// Email verification

/// Writes a verification challenge and its email (in the caller's transaction).
pub(super) async fn send_email_verification(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    acct: &account::Model,
) -> ServiceResult<()> {
    let token = random_token();
    let ch = identity_challenge::ActiveModel {
        account_id: Set(acct.id),
        purpose: Set(ChallengePurpose::EmailVerify),
        subject_id: Set(None),
        code_hash: Set(sha256_hex(&token)),
        sent_to_masked: Set(mask_email(&acct.email)),
        expires_at: Set(now + EMAIL_VERIFY_TTL),
        attempts: Set(0),
        consumed_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    notices::enqueue_email(
        txn,
        now,
        &acct.email,
        &acct.language,
        NoticeKind::EmailVerification,
        &json!({ "expires_hours": EMAIL_VERIFY_TTL.num_hours() }),
        Some(&format!("/account/verify-email?token={token}")),
        &format!("email_verify:{}", ch.id),
    )
    .await?;
    Ok(())
}

/// Sends a fresh verification link to the signed-in account (at most
/// [`EMAILS_PER_HOUR`] an hour). Returns the masked address.
pub async fn request_email_verification(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
) -> ServiceResult<String> {
    let me = signed_in(actor)?;
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let acct = load_account(&txn, me.account_id).await?;
    if acct.email_verified_at.is_some() {
        return Err(ServiceError::invalid(
            &[],
            "EMAIL_ALREADY_VERIFIED",
            "this email address is already verified",
        ));
    }
    if recent_challenges(&txn, acct.id, ChallengePurpose::EmailVerify, now).await?
        >= EMAILS_PER_HOUR
    {
        return Err(too_many_emails());
    }
    send_email_verification(&txn, now, &acct).await?;
    audit::record(
        &txn,
        AuditEntry::account(acct.id, "account.verify_email_sent", "account", now, meta)
            .object_id(Some(acct.id.to_string())),
    )
    .await?;
    txn.commit().await?;
    Ok(mask_email(&acct.email))
}

fn token_invalid(field: &str) -> ServiceError {
    ServiceError::invalid(
        &f(field),
        "TOKEN_INVALID",
        "this link is not valid or was already used; ask for a new one",
    )
}

fn token_expired(field: &str) -> ServiceError {
    ServiceError::invalid(
        &f(field),
        "TOKEN_EXPIRED",
        "this link has expired; ask for a new one",
    )
}

/// Finds a live challenge by its token, locked.
async fn challenge_by_token(
    txn: &DatabaseTransaction,
    token: &str,
    purpose: ChallengePurpose,
    now: DateTime<Utc>,
) -> ServiceResult<identity_challenge::Model> {
    let token = token.trim();
    if token.is_empty() || token.len() > 100 {
        return Err(token_invalid("token"));
    }
    let ch = identity_challenge::Entity::find()
        .filter(identity_challenge::Column::CodeHash.eq(sha256_hex(token)))
        .filter(identity_challenge::Column::Purpose.eq(purpose))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| token_invalid("token"))?;
    if ch.consumed_at.is_some() {
        return Err(token_invalid("token"));
    }
    if ch.expires_at <= now {
        return Err(token_expired("token"));
    }
    Ok(ch)
}

async fn consume<C: ConnectionTrait>(conn: &C, id: i64, now: DateTime<Utc>) -> ServiceResult<bool> {
    let r = identity_challenge::Entity::update_many()
        .col_expr(
            identity_challenge::Column::ConsumedAt,
            Expr::value(Some(now)),
        )
        .filter(identity_challenge::Column::Id.eq(id))
        .filter(identity_challenge::Column::ConsumedAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Verifies the account's email with the token from the link. Needs no
/// sign-in: the token is the proof.
pub async fn verify_email(
    state: &AppState,
    meta: &RequestMeta,
    token: &str,
) -> ServiceResult<account::Model> {
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let ch = challenge_by_token(&txn, token, ChallengePurpose::EmailVerify, now).await?;
    if !consume(&txn, ch.id, now).await? {
        return Err(token_invalid("token"));
    }
    account::Entity::update_many()
        .col_expr(account::Column::EmailVerifiedAt, Expr::value(Some(now)))
        .col_expr(account::Column::UpdatedAt, Expr::value(now))
        .filter(account::Column::Id.eq(ch.account_id))
        .filter(account::Column::EmailVerifiedAt.is_null())
        .exec(&txn)
        .await?;
    let acct = load_account(&txn, ch.account_id).await?;
    audit::record(
        &txn,
        AuditEntry::account(acct.id, "account.email_verified", "account", now, meta)
            .object_id(Some(acct.id.to_string())),
    )
    .await?;
    txn.commit().await?;
    Ok(acct)
}

// ---------------------------------------------------------------------------
// Password reset

/// Emails a reset link if an active account has this email. The answer is
/// the same whether or not it does (no account enumeration); beyond
/// [`EMAILS_PER_HOUR`] links an hour, further requests are dropped quietly.
pub async fn request_password_reset(
    state: &AppState,
    meta: &RequestMeta,
    email: &str,
) -> ServiceResult<()> {
    let now = state.now();
    let email = normalize_email(email);
    let txn = begin_write(&state.db).await?;
    let found = account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?;
    let Some(acct) = found.filter(|a| a.status == AccountStatus::Active) else {
        audit::record(
            &txn,
            AuditEntry::system("account.password_reset_unknown", "account", now, meta)
                .detail(json!({ "email_hash": sha256_hex(&email) })),
        )
        .await?;
        txn.commit().await?;
        return Ok(());
    };
    if recent_challenges(&txn, acct.id, ChallengePurpose::PasswordReset, now).await?
        >= EMAILS_PER_HOUR
    {
        txn.commit().await?;
        return Ok(());
    }
    let token = random_token();
    let ch = identity_challenge::ActiveModel {
        account_id: Set(acct.id),
        purpose: Set(ChallengePurpose::PasswordReset),
        subject_id: Set(None),
        code_hash: Set(sha256_hex(&token)),
        sent_to_masked: Set(mask_email(&acct.email)),
        expires_at: Set(now + PASSWORD_RESET_TTL),
        attempts: Set(0),
        consumed_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    notices::enqueue_email(
        &txn,
        now,
        &acct.email,
        &acct.language,
        NoticeKind::PasswordReset,
        &json!({ "expires_minutes": PASSWORD_RESET_TTL.num_minutes() }),
        Some(&format!("/account/reset-password?token={token}")),
        &format!("password_reset:{}", ch.id),
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::account(acct.id, "account.password_reset_sent", "account", now, meta)
            .object_id(Some(acct.id.to_string())),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password with the token from the reset link. The link works
/// once; every other outstanding reset link of the account stops working,
/// and every session is ended (whoever knew the old password is out). The
/// email counts as verified: the link reached it.
pub async fn reset_password(
    state: &AppState,
    meta: &RequestMeta,
    token: &str,
    new_password: &str,
) -> ServiceResult<account::Model> {
    let now = state.now();
    // Check the token before the (slow) hash, in a read; re-checked under lock below.
    let txn = begin_write(&state.db).await?;
    let ch = challenge_by_token(&txn, token, ChallengePurpose::PasswordReset, now).await?;
    let acct = load_account(&txn, ch.account_id).await?;
    txn.commit().await?;
    password::check_policy(new_password, &acct.email, &f("newPassword"))
        .map_err(|e| ServiceError::Invalid(vec![e]))?;
    let hash = super::hash_password(new_password.to_string()).await?;

    let txn = begin_write(&state.db).await?;
    let ch = challenge_by_token(&txn, token, ChallengePurpose::PasswordReset, now).await?;
    identity_challenge::Entity::update_many()
        .col_expr(
            identity_challenge::Column::ConsumedAt,
            Expr::value(Some(now)),
        )
        .filter(identity_challenge::Column::AccountId.eq(ch.account_id))
        .filter(identity_challenge::Column::Purpose.eq(ChallengePurpose::PasswordReset))
        .filter(identity_challenge::Column::ConsumedAt.is_null())
        .exec(&txn)
        .await?;
    account::Entity::update_many()
        .col_expr(account::Column::PasswordHash, Expr::value(hash))
        .col_expr(account::Column::UpdatedAt, Expr::value(now))
        .filter(account::Column::Id.eq(ch.account_id))
        .exec(&txn)
        .await?;
    account::Entity::update_many()
        .col_expr(account::Column::EmailVerifiedAt, Expr::value(Some(now)))
        .filter(account::Column::Id.eq(ch.account_id))
        .filter(account::Column::EmailVerifiedAt.is_null())
        .exec(&txn)
        .await?;
    let ended = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Some(now)))
        .filter(session::Column::AccountId.eq(ch.account_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        AuditEntry::account(
            ch.account_id,
            "account.password_reset",
            "account",
            now,
            meta,
        )
        .object_id(Some(ch.account_id.to_string()))
        .detail(json!({ "sessions_ended": ended.rows_affected })),
    )
    .await?;
    let acct = load_account(&txn, ch.account_id).await?;
    txn.commit().await?;
    Ok(acct)
}

// ---------------------------------------------------------------------------
// Throttling of binding attempts

fn throttle_key(account_id: i64) -> String {
    sha256_hex(format!("binding-account:{account_id}"))
}

async fn check_throttle<C: ConnectionTrait>(
    conn: &C,
    account_id: i64,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let row = login_throttle::Entity::find_by_id(throttle_key(account_id))
        .one(conn)
        .await?;
    match row.and_then(|r| r.locked_until).filter(|u| *u > now) {
        Some(u) => Err(ServiceError::RateLimited {
            retry_after: (u - now)
                .to_std()
                .unwrap_or_default()
                .max(std::time::Duration::from_secs(1)),
        }),
        None => Ok(()),
    }
}

async fn note_failure<C: ConnectionTrait>(
    conn: &C,
    account_id: i64,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let key = throttle_key(account_id);
    let existing = login_throttle::Entity::find_by_id(key.clone())
        .lock_exclusive()
        .one(conn)
        .await?;
    let (failures, window_started_at) = match existing {
        Some(r)
            if now - r.window_started_at < THROTTLE_WINDOW
                || r.locked_until.is_some_and(|u| u > now) =>
        {
            (r.failures + 1, r.window_started_at)
        }
        _ => (1, now),
    };
    let locked_until = (failures >= FAILURES_BEFORE_LOCK).then(|| {
        let doublings = Ord::min(failures - FAILURES_BEFORE_LOCK, 10) as u32;
        now + (Duration::minutes(1) * 2i32.pow(doublings)).min(MAX_LOCK)
    });
    let row = login_throttle::ActiveModel {
        key: Set(key),
        failures: Set(failures),
        window_started_at: Set(window_started_at),
        locked_until: Set(locked_until),
        updated_at: Set(now),
    };
    login_throttle::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(login_throttle::Column::Key)
                .update_columns([
                    login_throttle::Column::Failures,
                    login_throttle::Column::WindowStartedAt,
                    login_throttle::Column::LockedUntil,
                    login_throttle::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Records a failed binding attempt (throttle + audit) in its own
/// transaction, then returns `err`: the failure is kept although the
/// attempt changes nothing else.
async fn fail(
    state: &AppState,
    account_id: i64,
    meta: &RequestMeta,
    action: &'static str,
    detail: serde_json::Value,
    err: ServiceError,
) -> ServiceResult<()> {
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    note_failure(&txn, account_id, now).await?;
    audit::record(
        &txn,
        AuditEntry::account(account_id, action, "account", now, meta)
            .object_id(Some(account_id.to_string()))
            .detail(detail),
    )
    .await?;
    txn.commit().await?;
    Err(err)
}

// ---------------------------------------------------------------------------
// Identity binding by a code to the registered contact

/// Which subject to bind, as the user types it.
#[derive(Clone, Debug)]
pub struct SubjectClaim {
    /// USCC of an organisation, or ID number of a person.
    pub identifier: String,
    /// The person's name as registered (required for ID numbers).
    pub name: Option<String>,
}

fn not_matched() -> ServiceError {
    ServiceError::invalid(
        &f("identifier"),
        "BINDING_SUBJECT_NOT_MATCHED",
        "no subject on the platform matches this identifier (and name); check them and try again",
    )
}

/// Parses the claim; `Err` for input that is not an identifier at all.
fn parse_claim(c: &SubjectClaim) -> ServiceResult<(Vec<SubjectIdentifier>, Option<String>)> {
    let input = c.identifier.trim();
    let mut ids = Vec::new();
    if let Ok(u) = Uscc::parse(input) {
        ids.push(SubjectIdentifier::Uscc(u));
    }
    if let Ok(p) = ResidentId::parse(input) {
        ids.push(SubjectIdentifier::ResidentId(p));
    }
    if ids.is_empty() {
        let (code, msg) = SubjectIdentifier::parse_any(input)
            .err()
            .map(|e| (e.code(), e.to_string()))
            .unwrap_or(("IDENTIFIER_INVALID", "not a valid identifier".to_string()));
        return Err(ServiceError::invalid(&f("identifier"), code, msg));
    }
    let name = c
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    let person = ids
        .iter()
        .all(|i| matches!(i, SubjectIdentifier::ResidentId(_)));
    if person && name.is_none() {
        return Err(ServiceError::invalid(
            &f("name"),
            "NAME_REQUIRED",
            "enter the name as on the identity card",
        ));
    }
    Ok((ids, name))
}

/// The subject the claim names, if it matches (a person's name must match
/// exactly). Unknown and mismatched are the same answer.
async fn find_claimed<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    ids: &[SubjectIdentifier],
    name: Option<&str>,
) -> ServiceResult<Option<subject::Model>> {
    for id in ids {
        if let Some(s) = subjects::find_by_identifier(conn, &state.keys, id).await? {
            let name_ok = match (s.kind, name) {
                (SubjectKind::NaturalPerson, Some(n)) => n == s.name.trim(),
                (SubjectKind::NaturalPerson, None) => false,
                _ => true,
            };
            return Ok(name_ok.then_some(s));
        }
    }
    Ok(None)
}

async fn live_binding<C: ConnectionTrait>(
    conn: &C,
    account_id: i64,
    subject_id: i64,
) -> ServiceResult<Option<account_subject::Model>> {
    Ok(account_subject::Entity::find()
        .filter(account_subject::Column::AccountId.eq(account_id))
        .filter(account_subject::Column::SubjectId.eq(subject_id))
        .filter(account_subject::Column::RevokedAt.is_null())
        .one(conn)
        .await?)
}

fn already_bound() -> ServiceError {
    ServiceError::invalid(
        &f("identifier"),
        "ALREADY_BOUND",
        "your account already acts for this subject",
    )
}

fn role_label(lang: &str, role: BindingRole) -> &'static str {
    match (lang == "en", role) {
        (true, BindingRole::Owner) => "owner",
        (true, BindingRole::Agent) => "agent",
        (false, BindingRole::Owner) => "负责人",
        (false, BindingRole::Agent) => "经办人",
    }
}

/// A code on its way to the subject's registered contact.
#[derive(Clone, Debug)]
pub struct StartedBinding {
    pub challenge: identity_challenge::Model,
    pub subject: subject::Model,
}

/// Starts binding the signed-in account to a subject: a 6-digit code goes
/// to the subject's registered contact email (not to the account), valid
/// for [`BINDING_CODE_TTL`]. Whoever can read that mailbox speaks for the
/// subject, so a confirmed code makes the account an owner.
pub async fn start_binding(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    claim: SubjectClaim,
) -> ServiceResult<StartedBinding> {
    let me = subject_user(actor)?;
    let now = state.now();
    check_throttle(&state.db, me.account_id, now).await?;
    let (ids, name) = parse_claim(&claim)?;
    let txn = begin_write(&state.db).await?;
    let Some(subj) = find_claimed(&txn, state, &ids, name.as_deref()).await? else {
        txn.commit().await?;
        fail(
            state,
            me.account_id,
            meta,
            "binding.not_matched",
            json!({ "identifier_hash": sha256_hex(claim.identifier.trim()) }),
            not_matched(),
        )
        .await?;
        return Err(not_matched());
    };
    if live_binding(&txn, me.account_id, subj.id).await?.is_some() {
        return Err(already_bound());
    }
    let Some(contact) = subj.contact_email.clone().filter(|c| c.contains('@')) else {
        return Err(ServiceError::invalid(
            &f("identifier"),
            "BINDING_NO_CONTACT",
            "the platform has no registered contact email for this subject; use the document route (requestDocumentBinding)",
        ));
    };
    if recent_challenges(&txn, me.account_id, ChallengePurpose::BindSubject, now).await?
        >= EMAILS_PER_HOUR
    {
        return Err(too_many_emails());
    }
    let acct = load_account(&txn, me.account_id).await?;
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let ch = identity_challenge::ActiveModel {
        account_id: Set(acct.id),
        purpose: Set(ChallengePurpose::BindSubject),
        subject_id: Set(Some(subj.id)),
        code_hash: Set(code_hash(state, acct.id, subj.id, &code)),
        sent_to_masked: Set(mask_email(&contact)),
        expires_at: Set(now + BINDING_CODE_TTL),
        attempts: Set(0),
        consumed_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    notices::enqueue_email(
        &txn,
        now,
        &contact,
        &acct.language,
        NoticeKind::BindingCode,
        &json!({
            "code": code,
            "subject_name": subj.name,
            "role": role_label(&acct.language, BindingRole::Owner),
            "expires_minutes": BINDING_CODE_TTL.num_minutes(),
        }),
        Some("/account/bindings"),
        &format!("binding_code:{}", ch.id),
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::account(acct.id, "binding.code_sent", "subject", now, meta)
            .object_id(Some(subj.id.to_string()))
            .subject(subj.id)
            .detail(json!({ "challenge_id": ch.id })),
    )
    .await?;
    txn.commit().await?;
    Ok(StartedBinding {
        challenge: ch,
        subject: subj,
    })
}

/// Keyed hash of a binding code, bound to the account and subject, so a
/// leaked table gives neither the codes nor a way to test them.
fn code_hash(state: &AppState, account_id: i64, subject_id: i64, code: &str) -> String {
    state
        .keys
        .identifier_hash(&format!("binding-code:{account_id}:{subject_id}:{code}"))
}

/// Confirms a binding with the code from the contact's mailbox. A wrong
/// code counts against the challenge ([`BINDING_CODE_MAX_ATTEMPTS`]) and
/// the account's throttle, and is audited.
pub async fn confirm_binding(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    challenge_id: i64,
    code: &str,
) -> ServiceResult<account_subject::Model> {
    let me = subject_user(actor)?;
    let now = state.now();
    check_throttle(&state.db, me.account_id, now).await?;
    let not_found = || {
        ServiceError::invalid(
            &f("challengeId"),
            "CHALLENGE_NOT_FOUND",
            "no binding in progress has this id; start again",
        )
    };
    let txn = begin_write(&state.db).await?;
    let ch = identity_challenge::Entity::find_by_id(challenge_id)
        .filter(identity_challenge::Column::AccountId.eq(me.account_id))
        .filter(identity_challenge::Column::Purpose.eq(ChallengePurpose::BindSubject))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    let subject_id = ch.subject_id.ok_or_else(not_found)?;
    if ch.consumed_at.is_some() {
        return Err(ServiceError::invalid(
            &f("challengeId"),
            "CODE_USED",
            "this code was already used; start again to get a new one",
        ));
    }
    if ch.attempts >= BINDING_CODE_MAX_ATTEMPTS {
        return Err(ServiceError::invalid(
            &f("code"),
            "CODE_ATTEMPTS_EXCEEDED",
            "too many wrong codes for this request; start again to get a new code",
        ));
    }
    if ch.expires_at <= now {
        return Err(ServiceError::invalid(
            &f("code"),
            "CODE_EXPIRED",
            "this code has expired; start again to get a new one",
        ));
    }
    let given = code.trim();
    let ok = given.len() == 6
        && given.chars().all(|c| c.is_ascii_digit())
        && crate::crypto::constant_time_eq(
            &code_hash(state, me.account_id, subject_id, given),
            &ch.code_hash,
        );
    if !ok {
        identity_challenge::Entity::update_many()
            .col_expr(
                identity_challenge::Column::Attempts,
                Expr::col(identity_challenge::Column::Attempts).add(1),
            )
            .filter(identity_challenge::Column::Id.eq(ch.id))
            .exec(&txn)
            .await?;
        note_failure(&txn, me.account_id, now).await?;
        audit::record(
            &txn,
            AuditEntry::account(me.account_id, "binding.code_failed", "subject", now, meta)
                .object_id(Some(subject_id.to_string()))
                .subject(subject_id)
                .detail(json!({ "challenge_id": ch.id, "attempt": ch.attempts + 1 })),
        )
        .await?;
        txn.commit().await?;
        let left = BINDING_CODE_MAX_ATTEMPTS - ch.attempts - 1;
        return Err(ServiceError::invalid(
            &f("code"),
            "CODE_WRONG",
            format!("the code is not right; {left} attempts left"),
        ));
    }
    if live_binding(&txn, me.account_id, subject_id)
        .await?
        .is_some()
    {
        return Err(already_bound());
    }
    consume(&txn, ch.id, now).await?;
    let b = bind(
        &txn,
        now,
        me.account_id,
        subject_id,
        BindingRole::Owner,
        BindingMethod::ContactCode,
        None,
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::account(
            me.account_id,
            "binding.create",
            "account_subject",
            now,
            meta,
        )
        .object_id(Some(b.id.to_string()))
        .subject(subject_id)
        .detail(json!({ "bound_via": b.bound_via, "role": b.role })),
    )
    .await?;
    txn.commit().await?;
    Ok(b)
}

/// Inserts a binding and tells the account (inbox and email).
async fn bind(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    account_id: i64,
    subject_id: i64,
    role: BindingRole,
    via: BindingMethod,
    verified_by: Option<i64>,
) -> ServiceResult<account_subject::Model> {
    // One row per account and subject (`uq_account_subject_account_id_subject_id`):
    // a binding that ended is taken up again; the audit trail keeps the earlier period.
    let earlier = account_subject::Entity::find()
        .filter(account_subject::Column::AccountId.eq(account_id))
        .filter(account_subject::Column::SubjectId.eq(subject_id))
        .one(txn)
        .await?;
    let b = match earlier {
        Some(e) => {
            let mut row: account_subject::ActiveModel = e.into();
            row.role = Set(role);
            row.bound_via = Set(via);
            row.bound_at = Set(now);
            row.verified_by_account_id = Set(verified_by);
            row.revoked_at = Set(None);
            row.update(txn).await?
        }
        None => {
            account_subject::ActiveModel {
                account_id: Set(account_id),
                subject_id: Set(subject_id),
                role: Set(role),
                bound_via: Set(via),
                bound_at: Set(now),
                verified_by_account_id: Set(verified_by),
                revoked_at: Set(None),
                ..Default::default()
            }
            .insert(txn)
            .await?
        }
    };
    let subj = subject::Entity::find_by_id(subject_id).one(txn).await?;
    let acct = load_account(txn, account_id).await?;
    notices::notify(
        txn,
        now,
        NewNotice {
            account_id,
            subject_id: Some(subject_id),
            kind: NoticeKind::BindingAdded,
            params: json!({
                "subject_name": subj.map(|s| s.name).unwrap_or_default(),
                "role": role_label(&acct.language, role),
            }),
            link: Some(format!("/subjects/{subject_id}")),
            dedupe_key: Some(format!(
                "binding_added:b{}:{}",
                b.id,
                now.timestamp_micros()
            )),
        },
    )
    .await?;
    Ok(b)
}

// ---------------------------------------------------------------------------
// Identity binding on documents checked by staff

const EVIDENCE_MIN_CHARS: usize = 10;
const EVIDENCE_MAX_CHARS: usize = 2000;

/// Asks for a binding on documents (when the registered contact is out of
/// date): the request waits for an operator or staff member, who are told.
pub async fn request_document_binding(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    claim: SubjectClaim,
    evidence: &str,
) -> ServiceResult<binding_request::Model> {
    let me = subject_user(actor)?;
    let now = state.now();
    check_throttle(&state.db, me.account_id, now).await?;
    let (ids, name) = parse_claim(&claim)?;
    let evidence = evidence.trim();
    let n = evidence.chars().count();
    if !(EVIDENCE_MIN_CHARS..=EVIDENCE_MAX_CHARS).contains(&n) {
        return Err(ServiceError::invalid(
            &f("evidence"),
            "EVIDENCE_INVALID",
            format!(
                "describe the documents you will show (e.g. business licence and a letter of authority) in {EVIDENCE_MIN_CHARS} to {EVIDENCE_MAX_CHARS} characters"
            ),
        ));
    }
    let txn = begin_write(&state.db).await?;
    let Some(subj) = find_claimed(&txn, state, &ids, name.as_deref()).await? else {
        txn.commit().await?;
        fail(
            state,
            me.account_id,
            meta,
            "binding.not_matched",
            json!({ "identifier_hash": sha256_hex(claim.identifier.trim()) }),
            not_matched(),
        )
        .await?;
        return Err(not_matched());
    };
    if live_binding(&txn, me.account_id, subj.id).await?.is_some() {
        return Err(already_bound());
    }
    let pending = binding_request::Entity::find()
        .filter(binding_request::Column::AccountId.eq(me.account_id))
        .filter(binding_request::Column::SubjectId.eq(subj.id))
        .filter(binding_request::Column::Status.eq(BindingRequestStatus::Pending))
        .count(&txn)
        .await?;
    if pending > 0 {
        return Err(ServiceError::invalid(
            &f("identifier"),
            "BINDING_REQUEST_PENDING",
            "you already have a request for this subject waiting for a check",
        ));
    }
    let req = binding_request::ActiveModel {
        account_id: Set(me.account_id),
        subject_id: Set(subj.id),
        role: Set(BindingRole::Owner),
        status: Set(BindingRequestStatus::Pending),
        evidence: Set(evidence.to_string()),
        decided_by_account_id: Set(None),
        decided_at: Set(None),
        decision_note: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    notices::notify_operators(
        &txn,
        now,
        NoticeKind::BindingRequested,
        json!({ "subject_name": subj.name, "request_no": format!("BR-{}", req.id) }),
        Some(format!("/staff/binding-requests/{}", req.id)),
        Some(&format!("binding_requested:r{}", req.id)),
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::account(
            me.account_id,
            "binding.request",
            "binding_request",
            now,
            meta,
        )
        .object_id(Some(req.id.to_string()))
        .subject(subj.id),
    )
    .await?;
    txn.commit().await?;
    Ok(req)
}

/// Who may check documents: operators and department staff.
fn checker(actor: &Actor) -> ServiceResult<i64> {
    let a = signed_in(actor)?;
    match a.role {
        AccountRole::Operator | AccountRole::DepartmentStaff => Ok(a.account_id),
        AccountRole::SubjectUser => Err(ServiceError::Forbidden),
    }
}

/// Approves (the account becomes an owner, `bound_via = staff_document`,
/// with the checker recorded) or rejects (a note saying why is required) a
/// pending request. The applicant is told either way.
pub async fn decide_binding_request(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    approve: bool,
    note: Option<String>,
) -> ServiceResult<binding_request::Model> {
    let by = checker(actor)?;
    let now = state.now();
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(ServiceError::invalid(
            &f("note"),
            "DECISION_NOTE_INVALID",
            "keep the note under 2000 characters",
        ));
    }
    if !approve && note.is_none() {
        return Err(ServiceError::invalid(
            &f("note"),
            "DECISION_NOTE_REQUIRED",
            "say why the request is rejected and what the applicant can do",
        ));
    }
    let txn = begin_write(&state.db).await?;
    let req = binding_request::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ServiceError::invalid(
                &f("id"),
                "BINDING_REQUEST_NOT_FOUND",
                "no binding request has this id",
            )
        })?;
    if req.status != BindingRequestStatus::Pending {
        return Err(ServiceError::invalid(
            &f("id"),
            "BINDING_REQUEST_DECIDED",
            "this request was already decided or withdrawn",
        ));
    }
    let status = if approve {
        BindingRequestStatus::Approved
    } else {
        BindingRequestStatus::Rejected
    };
    let mut row: binding_request::ActiveModel = req.clone().into();
    row.status = Set(status);
    row.decided_by_account_id = Set(Some(by));
    row.decided_at = Set(Some(now));
    row.decision_note = Set(note.clone());
    let updated = row.update(&txn).await?;
    if approve
        && live_binding(&txn, req.account_id, req.subject_id)
            .await?
            .is_none()
    {
        bind(
            &txn,
            now,
            req.account_id,
            req.subject_id,
            req.role,
            BindingMethod::StaffDocument,
            Some(by),
        )
        .await?;
    }
    let subj = subject::Entity::find_by_id(req.subject_id)
        .one(&txn)
        .await?;
    let applicant = load_account(&txn, req.account_id).await?;
    let en = applicant.language == "en";
    let outcome = match (approve, en) {
        (true, true) => "approved",
        (true, false) => "已通过",
        (false, true) => "rejected",
        (false, false) => "未通过",
    };
    notices::notify(
        &txn,
        now,
        NewNotice {
            account_id: req.account_id,
            subject_id: Some(req.subject_id),
            kind: NoticeKind::BindingDecided,
            params: json!({
                "subject_name": subj.map(|s| s.name).unwrap_or_default(),
                "request_no": format!("BR-{}", req.id),
                "outcome": outcome,
                "note": note.clone().unwrap_or_default(),
            }),
            link: Some("/account/bindings".into()),
            dedupe_key: Some(format!("binding_decided:r{}", req.id)),
        },
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::by(actor, "binding.decide", "binding_request", now, meta)
            .object_id(Some(req.id.to_string()))
            .subject(req.subject_id)
            .detail(json!({ "approved": approve })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// A binding request with its subject and applicant.
#[derive(Clone, Debug)]
pub struct RequestView {
    pub request: binding_request::Model,
    pub subject: subject::Model,
    pub applicant: account::Model,
}

async fn request_views<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<binding_request::Model>,
) -> ServiceResult<Vec<RequestView>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (Some(s), Some(a)) = (
            subject::Entity::find_by_id(r.subject_id).one(conn).await?,
            account::Entity::find_by_id(r.account_id).one(conn).await?,
        ) else {
            continue;
        };
        out.push(RequestView {
            request: r,
            subject: s,
            applicant: a,
        });
    }
    Ok(out)
}

/// The applicant withdraws a pending document-binding request (the
/// documents will not be shown after all). Another account's request is
/// `BINDING_REQUEST_NOT_FOUND`, like an unknown id; a decided one
/// `BINDING_REQUEST_DECIDED`. The checkers' queue shows it as withdrawn.
pub async fn withdraw_binding_request(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
) -> ServiceResult<binding_request::Model> {
    let me = subject_user(actor)?;
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let req = binding_request::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .filter(|r| r.account_id == me.account_id)
        .ok_or_else(|| {
            ServiceError::invalid(
                &f("id"),
                "BINDING_REQUEST_NOT_FOUND",
                "no binding request of yours has this id",
            )
        })?;
    if req.status != BindingRequestStatus::Pending {
        return Err(ServiceError::invalid(
            &f("id"),
            "BINDING_REQUEST_DECIDED",
            "this request was already decided or withdrawn",
        ));
    }
    let mut row: binding_request::ActiveModel = req.clone().into();
    row.status = Set(BindingRequestStatus::Withdrawn);
    // Closed by the applicant: when, and by whom, as for a decision.
    row.decided_by_account_id = Set(Some(me.account_id));
    row.decided_at = Set(Some(now));
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::account(
            me.account_id,
            "binding.withdraw",
            "binding_request",
            now,
            meta,
        )
        .object_id(Some(req.id.to_string()))
        .subject(req.subject_id),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Binding requests: the checkers' queue (every request, `status` to
/// filter), or the signed-in applicant's own. Newest first, keyset on id.
pub async fn binding_requests(
    state: &AppState,
    actor: &Actor,
    status: Option<BindingRequestStatus>,
    first: u64,
    after: Option<i64>,
) -> ServiceResult<(Vec<RequestView>, bool)> {
    let me = signed_in(actor)?;
    let mut q = binding_request::Entity::find();
    if me.role == AccountRole::SubjectUser {
        q = q.filter(binding_request::Column::AccountId.eq(me.account_id));
    }
    if let Some(s) = status {
        q = q.filter(binding_request::Column::Status.eq(s));
    }
    if let Some(a) = after {
        q = q.filter(binding_request::Column::Id.lt(a));
    }
    let mut rows = q
        .order_by_desc(binding_request::Column::Id)
        .limit(first + 1)
        .all(&state.db)
        .await?;
    let more = rows.len() as u64 > first;
    rows.truncate(first as usize);
    Ok((request_views(&state.db, rows).await?, more))
}

/// One binding request, for its applicant or a checker.
pub async fn binding_request(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<RequestView>> {
    let Some(me) = actor.account() else {
        return Ok(None);
    };
    let row = binding_request::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|r| me.role != AccountRole::SubjectUser || r.account_id == me.account_id);
    Ok(request_views(&state.db, row.into_iter().collect())
        .await?
        .into_iter()
        .next())
}

/// A request as returned by the use cases that change it.
pub async fn request_view(
    state: &AppState,
    row: binding_request::Model,
) -> ServiceResult<RequestView> {
    request_views(&state.db, vec![row])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ServiceError::Internal("binding request without subject or account".into()))
}

/// One binding with its account and subject, if `actor` may see it (the
/// bound account, or an owner of the subject).
pub async fn binding_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<BindingView>> {
    let Some(me) = actor.account() else {
        return Ok(None);
    };
    let Some(b) = account_subject::Entity::find_by_id(id)
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let allowed = b.account_id == me.account_id
        || live_binding(&state.db, me.account_id, b.subject_id)
            .await?
            .is_some_and(|m| m.role == BindingRole::Owner);
    if !allowed {
        return Ok(None);
    }
    Ok(views(&state.db, vec![b]).await?.into_iter().next())
}

// ---------------------------------------------------------------------------
// Owners manage the accounts that act for their subject

/// A binding with its account, for the subject's owners.
#[derive(Clone, Debug)]
pub struct BindingView {
    pub binding: account_subject::Model,
    pub account: account::Model,
    pub subject: subject::Model,
}

async fn views<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<account_subject::Model>,
) -> ServiceResult<Vec<BindingView>> {
    let mut out = Vec::with_capacity(rows.len());
    for b in rows {
        let (Some(a), Some(s)) = (
            account::Entity::find_by_id(b.account_id).one(conn).await?,
            subject::Entity::find_by_id(b.subject_id).one(conn).await?,
        ) else {
            continue;
        };
        out.push(BindingView {
            binding: b,
            account: a,
            subject: s,
        });
    }
    Ok(out)
}

/// The signed-in account's own live bindings.
pub async fn my_bindings(state: &AppState, actor: &Actor) -> ServiceResult<Vec<BindingView>> {
    let me = signed_in(actor)?;
    let rows = account_subject::Entity::find()
        .filter(account_subject::Column::AccountId.eq(me.account_id))
        .filter(account_subject::Column::RevokedAt.is_null())
        .order_by_asc(account_subject::Column::Id)
        .all(&state.db)
        .await?;
    views(&state.db, rows).await
}

/// Every binding of a subject, revoked ones included (who could act when),
/// for an owner of the subject; an agent sees only its own.
pub async fn subject_bindings(
    state: &AppState,
    actor: &Actor,
    subject_id: i64,
) -> ServiceResult<Vec<BindingView>> {
    let me = signed_in(actor)?;
    let Some(mine) = live_binding(&state.db, me.account_id, subject_id).await? else {
        return Err(ServiceError::Forbidden);
    };
    let mut q =
        account_subject::Entity::find().filter(account_subject::Column::SubjectId.eq(subject_id));
    if mine.role != BindingRole::Owner {
        q = q.filter(account_subject::Column::AccountId.eq(me.account_id));
    }
    let rows = q
        .order_by_asc(account_subject::Column::Id)
        .all(&state.db)
        .await?;
    views(&state.db, rows).await
}

async fn owner_of<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    subject_id: i64,
) -> ServiceResult<i64> {
    let me = subject_user(actor)?;
    match live_binding(conn, me.account_id, subject_id).await? {
        Some(b) if b.role == BindingRole::Owner => Ok(me.account_id),
        _ => Err(ServiceError::Forbidden),
    }
}

/// An owner lets another (already signed-up) account act for the subject.
pub async fn add_subject_account(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    subject_id: i64,
    email: &str,
    role: BindingRole,
) -> ServiceResult<account_subject::Model> {
    let now = state.now();
    let email = normalize_email(email);
    let txn = begin_write(&state.db).await?;
    let owner = owner_of(&txn, actor, subject_id).await?;
    let target = account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?
        .filter(|a| a.status == AccountStatus::Active && a.role == AccountRole::SubjectUser)
        .ok_or_else(|| {
            ServiceError::invalid(
                &f("email"),
                "ACCOUNT_NOT_FOUND",
                "no active personal account has this email; ask the person to sign up first",
            )
        })?;
    if live_binding(&txn, target.id, subject_id).await?.is_some() {
        return Err(ServiceError::invalid(
            &f("email"),
            "ALREADY_BOUND",
            "this account already acts for the subject",
        ));
    }
    let b = bind(
        &txn,
        now,
        target.id,
        subject_id,
        role,
        BindingMethod::OwnerGrant,
        Some(owner),
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::account(owner, "binding.grant", "account_subject", now, meta)
            .object_id(Some(b.id.to_string()))
            .subject(subject_id)
            .detail(json!({ "account_id": target.id, "role": role })),
    )
    .await?;
    txn.commit().await?;
    Ok(b)
}

/// Ends a binding: an owner ends anyone's on its subject, an account ends
/// its own. The row stays, with `revoked_at`, as evidence of who could act
/// when; the account stops acting for the subject on its next request.
pub async fn revoke_binding(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    binding_id: i64,
) -> ServiceResult<account_subject::Model> {
    let me = subject_user(actor)?;
    let now = state.now();
    let not_found = || {
        ServiceError::invalid(
            &f("id"),
            "BINDING_NOT_FOUND",
            "no live binding you manage has this id",
        )
    };
    let txn = begin_write(&state.db).await?;
    let b = account_subject::Entity::find_by_id(binding_id)
        .filter(account_subject::Column::RevokedAt.is_null())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    let own = b.account_id == me.account_id;
    if !own && owner_of(&txn, actor, b.subject_id).await.is_err() {
        return Err(not_found());
    }
    let mut row: account_subject::ActiveModel = b.clone().into();
    row.revoked_at = Set(Some(now));
    let updated = row.update(&txn).await?;
    if !own {
        let subj = subject::Entity::find_by_id(b.subject_id).one(&txn).await?;
        notices::notify(
            &txn,
            now,
            NewNotice {
                account_id: b.account_id,
                subject_id: Some(b.subject_id),
                kind: NoticeKind::BindingRevoked,
                params: json!({ "subject_name": subj.map(|s| s.name).unwrap_or_default() }),
                link: Some("/account".into()),
                dedupe_key: Some(format!(
                    "binding_revoked:b{}:{}",
                    b.id,
                    now.timestamp_micros()
                )),
            },
        )
        .await?;
    }
    audit::record(
        &txn,
        AuditEntry::account(
            me.account_id,
            "binding.revoke",
            "account_subject",
            now,
            meta,
        )
        .object_id(Some(b.id.to_string()))
        .subject(b.subject_id)
        .detail(json!({ "account_id": b.account_id, "own": own })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

// ---------------------------------------------------------------------------
// Settings

/// Changes to the signed-in account's settings; `None` keeps a value.
#[derive(Clone, Debug, Default)]
pub struct SettingsChange {
    pub language: Option<String>,
    pub display_name: Option<String>,
    pub query_notices: Option<QueryNotices>,
    pub email_case_notices: Option<bool>,
    pub email_consent_notices: Option<bool>,
}

pub async fn update_settings(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    change: SettingsChange,
) -> ServiceResult<account::Model> {
    let me = signed_in(actor)?;
    let now = state.now();
    let mut errors: Vec<FieldError> = Vec::new();
    if let Some(l) = &change.language
        && !LANGUAGES.contains(&l.as_str())
    {
        errors.push(FieldError::new(
            &f("language"),
            "LANGUAGE_UNSUPPORTED",
            "choose zh-CN or en",
        ));
    }
    let name = change.display_name.as_deref().map(str::trim);
    if let Some(n) = name
        && (n.is_empty() || n.chars().count() > 100)
    {
        errors.push(FieldError::new(
            &f("displayName"),
            "DISPLAY_NAME_INVALID",
            "enter a name of 1 to 100 characters",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let txn = begin_write(&state.db).await?;
    let acct = load_account(&txn, me.account_id).await?;
    let mut prefs = NoticePrefs::from_json(&acct.notify_prefs);
    if let Some(q) = change.query_notices {
        prefs.queries = q;
    }
    if let Some(c) = change.email_case_notices {
        prefs.email_cases = c;
    }
    if let Some(c) = change.email_consent_notices {
        prefs.email_consents = c;
    }
    let mut row: account::ActiveModel = acct.into();
    if let Some(l) = change.language {
        row.language = Set(l);
    }
    if let Some(n) = name {
        row.display_name = Set(n.to_string());
    }
    row.notify_prefs = Set(prefs.to_json());
    row.updated_at = Set(now);
    let updated = row.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::account(me.account_id, "account.settings", "account", now, meta)
            .object_id(Some(me.account_id.to_string()))
            .detail(json!({ "language": updated.language, "notify_prefs": updated.notify_prefs })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_masked_to_their_first_letter() {
        assert_eq!(mask_email("li.na@example.cn"), "l***@example.cn");
        assert_eq!(mask_email("nope"), "***");
    }

    #[test]
    fn a_person_needs_a_name_and_garbage_is_not_an_identifier() {
        let claim = |id: &str, name: Option<&str>| SubjectClaim {
            identifier: id.into(),
            name: name.map(str::to_string),
        };
        assert!(matches!(
            parse_claim(&claim("not-an-id", None)),
            Err(ServiceError::Invalid(_))
        ));
    }
}
