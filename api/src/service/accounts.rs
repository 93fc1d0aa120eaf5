//! Accounts: sign-up with the password policy, reading accounts under
//! object-level authorisation, and the flows that need email (verification,
//! password reset, identity binding, settings) in `flows`. docs/accounts.md.

mod flows;
pub use flows::*;

use chrono::{DateTime, Utc};
use entity::account;
use entity::enums::{AccountRole, AccountStatus};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, EntityTrait, Set};
use serde_json::json;

use super::notices::NoticePrefs;

use super::audit::{self, AuditEntry};
use super::auth::normalize_email;
use super::{FieldError, ServiceError, ServiceResult, UniqueKey, begin_write};
use crate::auth::{Actor, RequestMeta, password};
use crate::state::AppState;

pub const EMAIL_UNIQUE: UniqueKey = UniqueKey {
    index: "uq_account_email",
    table: "account",
    columns: &["email"],
};

/// Validated sign-up input.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub language: String,
    pub role: AccountRole,
    pub department_id: Option<i64>,
}

pub const LANGUAGES: &[&str] = &["zh-CN", "en"];

/// Checks sign-up input, reporting every problem at once.
pub fn validate_new_account(a: &NewAccount) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if !is_plausible_email(&a.email) {
        errors.push(FieldError::new(
            &["input", "email"],
            "EMAIL_INVALID",
            "enter an email address like name@example.cn",
        ));
    }
    let name_len = a.display_name.trim().chars().count();
    if name_len == 0 || name_len > 100 {
        errors.push(FieldError::new(
            &["input", "displayName"],
            "DISPLAY_NAME_INVALID",
            "enter a name of 1 to 100 characters",
        ));
    }
    if let Err(e) = password::check_policy(&a.password, &a.email, &["input", "password"]) {
        errors.push(e);
    }
    if !LANGUAGES.contains(&a.language.as_str()) {
        errors.push(FieldError::new(
            &["input", "language"],
            "LANGUAGE_UNSUPPORTED",
            "choose zh-CN or en",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Creates an account. Self-service sign-up creates subject users only;
/// staff and operator accounts are created by an operator (or the seeder).
/// A subject user is sent an email-verification link in the same
/// transaction.
pub async fn create_account(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    mut input: NewAccount,
) -> ServiceResult<account::Model> {
    input.email = normalize_email(&input.email);
    input.display_name = input.display_name.trim().to_string();
    if input.role != AccountRole::SubjectUser && !actor.is_operator() {
        return Err(ServiceError::Forbidden);
    }
    validate_new_account(&input).map_err(ServiceError::Invalid)?;
    let pw = input.password.clone();
    let hash = hash_password(pw).await?;
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let created = insert_in(&txn, now, actor, meta, &input, hash).await?;
    if created.role == AccountRole::SubjectUser {
        send_email_verification(&txn, now, &created).await?;
    }
    txn.commit().await?;
    Ok(created)
}

async fn hash_password(pw: String) -> ServiceResult<String> {
    tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| ServiceError::Internal(format!("hashing task: {e}")))?
        .map_err(|e| ServiceError::Internal(format!("hashing: {e}")))
}

/// Inserts an already validated account with a precomputed hash (the demo
/// seeder reuses one hash for speed).
pub async fn insert_account(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    input: &NewAccount,
    password_hash: String,
) -> ServiceResult<account::Model> {
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let created = insert_in(&txn, now, actor, meta, input, password_hash).await?;
    txn.commit().await?;
    Ok(created)
}

async fn insert_in(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    actor: &Actor,
    meta: &RequestMeta,
    input: &NewAccount,
    password_hash: String,
) -> ServiceResult<account::Model> {
    let created = account::ActiveModel {
        email: Set(input.email.clone()),
        display_name: Set(input.display_name.clone()),
        password_hash: Set(password_hash),
        role: Set(input.role),
        department_id: Set(input.department_id),
        language: Set(input.language.clone()),
        status: Set(AccountStatus::Active),
        email_verified_at: Set(None),
        notify_prefs: Set(NoticePrefs::default().to_json()),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| {
        ServiceError::from_unique(
            e,
            &[(
                EMAIL_UNIQUE,
                FieldError::new(
                    &["input", "email"],
                    "EMAIL_TAKEN",
                    "an account with this email already exists; sign in or reset the password",
                ),
            )],
        )
    })?;
    audit::record(
        txn,
        AuditEntry::by(actor, "account.create", "account", now, meta)
            .object_id(Some(created.id.to_string()))
            .detail(json!({ "role": created.role })),
    )
    .await?;
    Ok(created)
}

/// An account as seen by `actor`: itself, or anyone for an operator.
pub async fn get_account(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<account::Model>> {
    let allowed = actor.is_operator() || actor.account().is_some_and(|a| a.account_id == id);
    if !allowed {
        return Ok(None);
    }
    Ok(account::Entity::find_by_id(id).one(&state.db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(email: &str, name: &str, pw: &str, lang: &str) -> NewAccount {
        NewAccount {
            email: email.into(),
            display_name: name.into(),
            password: pw.into(),
            language: lang.into(),
            role: AccountRole::SubjectUser,
            department_id: None,
        }
    }

    #[test]
    fn reports_every_problem_at_once() {
        let errs = validate_new_account(&input("nope", " ", "short", "fr")).unwrap_err();
        let codes: Vec<_> = errs.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            [
                "EMAIL_INVALID",
                "DISPLAY_NAME_INVALID",
                "PASSWORD_TOO_SHORT",
                "LANGUAGE_UNSUPPORTED"
            ]
        );
        assert!(
            validate_new_account(&input(
                "li.na@example.cn",
                "李娜",
                "river-stone-lantern",
                "zh-CN"
            ))
            .is_ok()
        );
    }

    #[test]
    fn email_shapes() {
        for ok in ["a@b.cn", "first.last+tag@sub.example.com"] {
            assert!(is_plausible_email(ok), "{ok}");
        }
        for bad in ["", "a", "a@b", "@b.cn", "a@.cn", "a b@c.cn", "a@b.cn."] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }
}
