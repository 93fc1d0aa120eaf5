//! Sign-in, token refresh, sign-out, OAuth client credentials, and turning a
//! bearer token into an [`Actor`].

use chrono::{DateTime, Duration, Utc};
use entity::enums::{AccountStatus, ActorKind, AgencyStatus, ClientStatus, SessionKind};
use entity::{account, agency, api_client, login_throttle, refresh_token, session};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::{ServiceError, ServiceResult, begin_write};
use crate::auth::token::{self, Claims, TokenError, TokenKind};
use crate::auth::{AccountActor, Actor, ClientActor, RequestMeta, password};
use crate::crypto::{constant_time_eq, random_token, sha256_hex};
use crate::state::AppState;

/// Failures allowed per key inside [`THROTTLE_WINDOW`] before a lock-out.
const EMAIL_FAILURES_BEFORE_LOCK: i32 = 5;
const IP_FAILURES_BEFORE_LOCK: i32 = 30;
const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// The lock-out doubles with each further failure, up to this.
const MAX_LOCK: Duration = Duration::minutes(15);

/// What a successful sign-in or refresh returns.
#[derive(Clone, Debug)]
pub struct TokenPair {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub account: account::Model,
}

/// An access token issued to an API client.
#[derive(Clone, Debug)]
pub struct ClientToken {
    pub access_token: String,
    pub expires_in: i64,
    pub scope: String,
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Password sign-in. Wrong email and wrong password are indistinguishable,
/// in message and in timing; repeated failures lock the email (and, more
/// loosely, the client address) out for a growing while.
pub async fn login(
    state: &AppState,
    meta: &RequestMeta,
    email: &str,
    password_text: &str,
    kind: SessionKind,
) -> ServiceResult<TokenPair> {
    let now = state.now();
    let email = normalize_email(email);
    let keys = throttle_keys(&email, meta);
    check_throttle(&state.db, &keys, now).await?;

    let found = account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(&state.db)
        .await?;
    let stored_hash = found
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_string());
    let given = password_text.to_string();
    let ok = tokio::task::spawn_blocking(move || password::verify(&given, &stored_hash))
        .await
        .map_err(|e| ServiceError::Internal(format!("password check task: {e}")))?;

    let account = match found {
        Some(a) if ok && a.status == AccountStatus::Active => a,
        other => {
            let txn = begin_write(&state.db).await?;
            for (key, limit) in &keys {
                note_failure(&txn, key, *limit, now).await?;
            }
            audit::record(
                &txn,
                AuditEntry::system("auth.login_failed", "account", now, meta)
                    .object_id(other.as_ref().map(|a| a.id.to_string()))
                    .detail(json!({ "email_hash": sha256_hex(&email) })),
            )
            .await?;
            txn.commit().await?;
            return Err(ServiceError::Unauthenticated("invalid email or password"));
        }
    };

    let txn = begin_write(&state.db).await?;
    for (key, _) in &keys {
        login_throttle::Entity::delete_by_id(key.clone())
            .exec(&txn)
            .await?;
    }
    let session = session::ActiveModel {
        account_id: Set(account.id),
        created_at: Set(now),
        expires_at: Set(now + chrono_ttl(state.config.refresh_token_ttl)),
        revoked_at: Set(None),
        user_agent: Set(meta.user_agent.clone()),
        ip: Set(meta.ip.clone()),
        kind: Set(kind),
        csrf_secret: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let (refresh_plain, refresh) = new_refresh_token(&txn, &session, now).await?;
    account::Entity::update_many()
        .col_expr(account::Column::LastLoginAt, Expr::value(Some(now)))
        .filter(account::Column::Id.eq(account.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        AuditEntry::account(account.id, "auth.login", "session", now, meta)
            .object_id(Some(session.id.to_string())),
    )
    .await?;
    txn.commit().await?;

    let (access_token, access_expires_at) = access_token_for(state, &account, session.id, now);
    Ok(TokenPair {
        access_token,
        access_expires_at,
        refresh_token: refresh_plain,
        refresh_expires_at: refresh.expires_at,
        account,
    })
}

/// Exchanges a refresh token for a new pair. Each refresh token works once:
/// presenting a used one again means it was copied, so the whole session is
/// revoked (refresh-token reuse detection, OAuth 2.0 Security BCP §4.14).
pub async fn refresh(
    state: &AppState,
    meta: &RequestMeta,
    presented: &str,
) -> ServiceResult<TokenPair> {
    let now = state.now();
    let invalid = ServiceError::Unauthenticated("the refresh token is invalid, used or expired");
    let txn = begin_write(&state.db).await?;
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(sha256_hex(presented)))
        .lock_exclusive()
        .one(&txn)
        .await?
    else {
        return Err(invalid);
    };
    let Some(session) = session::Entity::find_by_id(row.session_id)
        .one(&txn)
        .await?
    else {
        return Err(invalid);
    };
    if row.used_at.is_some() {
        revoke_sessions(&txn, &[session.id], now).await?;
        audit::record(
            &txn,
            AuditEntry::account(
                session.account_id,
                "auth.refresh_reuse",
                "session",
                now,
                meta,
            )
            .object_id(Some(session.id.to_string())),
        )
        .await?;
        txn.commit().await?;
        return Err(invalid);
    }
    let account = account::Entity::find_by_id(session.account_id)
        .one(&txn)
        .await?;
    let live = row.expires_at > now && session.revoked_at.is_none() && session.expires_at > now;
    let Some(account) = account.filter(|a| live && a.status == AccountStatus::Active) else {
        return Err(invalid);
    };
    let (plain, fresh) = new_refresh_token(&txn, &session, now).await?;
    let used = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(Some(now)))
        .col_expr(
            refresh_token::Column::ReplacedById,
            Expr::value(Some(fresh.id)),
        )
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        // Lost a race with a concurrent use of the same token.
        return Err(invalid);
    }
    txn.commit().await?;
    let (access_token, access_expires_at) = access_token_for(state, &account, session.id, now);
    Ok(TokenPair {
        access_token,
        access_expires_at,
        refresh_token: plain,
        refresh_expires_at: fresh.expires_at,
        account,
    })
}

/// Ends the caller's session, or every session of the account. Access tokens
/// of a revoked session stop working at once (the extractor checks).
pub async fn logout(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    everywhere: bool,
) -> ServiceResult<u64> {
    let Some(me) = actor.account() else {
        return Err(ServiceError::Unauthenticated("sign in first"));
    };
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let ids: Vec<i64> = if everywhere {
        session::Entity::find()
            .select_only()
            .column(session::Column::Id)
            .filter(session::Column::AccountId.eq(me.account_id))
            .filter(session::Column::RevokedAt.is_null())
            .into_tuple()
            .all(&txn)
            .await?
    } else {
        vec![me.session_id]
    };
    let n = revoke_sessions(&txn, &ids, now).await?;
    audit::record(
        &txn,
        AuditEntry::account(me.account_id, "auth.logout", "session", now, meta)
            .detail(json!({ "everywhere": everywhere, "sessions": n })),
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// OAuth 2.0 client credentials grant (RFC 6749 §4.4). A wrong id or secret,
/// a revoked client and a suspended agency all answer the same.
pub async fn client_credentials(
    state: &AppState,
    meta: &RequestMeta,
    client_id: &str,
    secret: &str,
    requested_scope: Option<&str>,
) -> ServiceResult<ClientToken> {
    let now = state.now();
    let invalid = ServiceError::Unauthenticated("invalid_client");
    let found = api_client::Entity::find()
        .filter(api_client::Column::ClientId.eq(client_id))
        .one(&state.db)
        .await?;
    let Some(client) = found else {
        // Same work as a real check, so timing does not reveal valid ids.
        let _ = constant_time_eq(&sha256_hex(secret), password::dummy_hash());
        return Err(invalid);
    };
    if !constant_time_eq(&sha256_hex(secret), &client.secret_hash)
        || client.status != ClientStatus::Active
    {
        return Err(invalid);
    }
    if !agency_is_active(&state.db, client.agency_id).await? {
        return Err(invalid);
    }
    let granted = client_scopes(&client);
    let scope = match requested_scope.map(str::trim).filter(|s| !s.is_empty()) {
        None => granted.join(" "),
        Some(req) => {
            let asked: Vec<&str> = req.split_whitespace().collect();
            if let Some(bad) = asked.iter().find(|s| !granted.iter().any(|g| g == *s)) {
                return Err(ServiceError::invalid(
                    &["scope"],
                    "INVALID_SCOPE",
                    format!("scope {bad:?} is not granted to this client"),
                ));
            }
            asked.join(" ")
        }
    };
    let txn = begin_write(&state.db).await?;
    api_client::Entity::update_many()
        .col_expr(api_client::Column::LastUsedAt, Expr::value(Some(now)))
        .filter(api_client::Column::Id.eq(client.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        AuditEntry::client(client.id, "auth.client_token", "api_client", now, meta)
            .object_id(Some(client.client_id.clone())),
    )
    .await?;
    txn.commit().await?;
    let ttl = state.config.access_token_ttl;
    let mut claims = Claims::new(TokenKind::Client, client.client_id.clone(), None, now, ttl);
    claims.scope = Some(scope.clone());
    Ok(ClientToken {
        access_token: token::encode(&claims, state.keys.jwt_secret()),
        expires_in: ttl.as_secs() as i64,
        scope,
    })
}

/// Resolves a bearer token to a live actor: signature and expiry, then the
/// session (people) or the client and its agency (systems) must still be live.
pub async fn authenticate(state: &AppState, bearer: &str) -> ServiceResult<Actor> {
    let now = state.now();
    let claims = token::decode(bearer, state.keys.jwt_secret(), now).map_err(|e| match e {
        TokenError::Expired => ServiceError::Unauthenticated("the access token has expired"),
        TokenError::Invalid => ServiceError::Unauthenticated("the access token is not valid"),
    })?;
    let revoked = ServiceError::Unauthenticated(
        "the session or client behind this token is no longer active",
    );
    match claims.kind {
        TokenKind::Account => {
            let (Ok(account_id), Some(sid)) = (claims.sub.parse::<i64>(), claims.sid) else {
                return Err(ServiceError::Unauthenticated(
                    "the access token is not valid",
                ));
            };
            let found = session::Entity::find_by_id(sid)
                .find_also_related(account::Entity)
                .one(&state.db)
                .await?;
            match found {
                Some((s, Some(a)))
                    if s.account_id == account_id
                        && s.revoked_at.is_none()
                        && s.expires_at > now
                        && a.status == AccountStatus::Active =>
                {
                    Ok(Actor::Account(AccountActor {
                        account_id: a.id,
                        session_id: s.id,
                        role: a.role,
                        department_id: a.department_id,
                    }))
                }
                _ => Err(revoked),
            }
        }
        TokenKind::Client => {
            // The client with its agency in one read: every API request pays it.
            let client = super::fixed::client_with_agency(&state.db, &claims.sub).await?;
            match client {
                Some((c, agency))
                    if c.status == ClientStatus::Active
                        && match c.agency_id {
                            None => true,
                            Some(_) => agency
                                .as_ref()
                                .is_some_and(|a| a.status == AgencyStatus::Active),
                        } =>
                {
                    Ok(Actor::Client(ClientActor {
                        api_client_id: c.id,
                        client_id: c.client_id.clone(),
                        agency_id: c.agency_id,
                        department_id: c.department_id,
                        // What the token was granted, and still held by the client.
                        scopes: client_scopes(&c)
                            .into_iter()
                            .filter(|s| {
                                claims
                                    .scope
                                    .as_deref()
                                    .is_none_or(|t| t.split_whitespace().any(|x| x == s))
                            })
                            .collect(),
                        rate_tier: c.rate_tier.clone(),
                    }))
                }
                _ => Err(revoked),
            }
        }
    }
}

fn access_token_for(
    state: &AppState,
    account: &account::Model,
    session_id: i64,
    now: DateTime<Utc>,
) -> (String, DateTime<Utc>) {
    let ttl = state.config.access_token_ttl;
    let claims = Claims::new(
        TokenKind::Account,
        account.id.to_string(),
        Some(session_id),
        now,
        ttl,
    );
    (
        token::encode(&claims, state.keys.jwt_secret()),
        now + chrono_ttl(ttl),
    )
}

async fn new_refresh_token(
    conn: &impl ConnectionTrait,
    session: &session::Model,
    now: DateTime<Utc>,
) -> ServiceResult<(String, refresh_token::Model)> {
    let plain = random_token();
    let row = refresh_token::ActiveModel {
        session_id: Set(session.id),
        token_hash: Set(sha256_hex(&plain)),
        created_at: Set(now),
        expires_at: Set(session.expires_at),
        used_at: Set(None),
        replaced_by_id: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok((plain, row))
}

async fn revoke_sessions(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    now: DateTime<Utc>,
) -> ServiceResult<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let res = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Some(now)))
        .filter(session::Column::Id.is_in(ids.to_vec()))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected)
}

async fn agency_is_active(
    conn: &impl ConnectionTrait,
    agency_id: Option<i64>,
) -> ServiceResult<bool> {
    let Some(id) = agency_id else { return Ok(true) };
    Ok(agency::Entity::find_by_id(id)
        .one(conn)
        .await?
        .is_some_and(|a| a.status == AgencyStatus::Active))
}

fn client_scopes(client: &api_client::Model) -> Vec<String> {
    serde_json::from_value(client.scopes.clone()).unwrap_or_default()
}

fn chrono_ttl(ttl: std::time::Duration) -> Duration {
    Duration::from_std(ttl).unwrap_or(Duration::days(30))
}

/// Throttle keys with their failure limits: the email (tight) and the
/// client address (loose, so a shared office NAT is not locked out).
fn throttle_keys(email: &str, meta: &RequestMeta) -> Vec<(String, i32)> {
    let mut keys = vec![(
        sha256_hex(format!("login-email:{email}")),
        EMAIL_FAILURES_BEFORE_LOCK,
    )];
    if let Some(ip) = &meta.ip {
        keys.push((
            sha256_hex(format!("login-ip:{ip}")),
            IP_FAILURES_BEFORE_LOCK,
        ));
    }
    keys
}

async fn check_throttle(
    conn: &impl ConnectionTrait,
    keys: &[(String, i32)],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let ids: Vec<String> = keys.iter().map(|(k, _)| k.clone()).collect();
    let rows = login_throttle::Entity::find()
        .filter(login_throttle::Column::Key.is_in(ids))
        .all(conn)
        .await?;
    let until = rows
        .iter()
        .filter_map(|r| r.locked_until)
        .filter(|u| *u > now)
        .max();
    match until {
        Some(u) => Err(ServiceError::RateLimited {
            retry_after: (u - now)
                .to_std()
                .unwrap_or_default()
                .max(std::time::Duration::from_secs(1)),
        }),
        None => Ok(()),
    }
}

async fn note_failure(
    conn: &impl ConnectionTrait,
    key: &str,
    limit: i32,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let existing = login_throttle::Entity::find_by_id(key.to_string())
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
    let locked_until = (failures >= limit).then(|| {
        let doublings = (failures - limit).min(10) as u32;
        now + (Duration::minutes(1) * 2i32.pow(doublings)).min(MAX_LOCK)
    });
    let row = login_throttle::ActiveModel {
        key: Set(key.to_string()),
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

/// The actor kind recorded for audit rows written on behalf of `actor`.
pub fn actor_kind(actor: &Actor) -> ActorKind {
    match actor {
        Actor::Anonymous => ActorKind::Public,
        Actor::Client(c) if c.agency_id.is_some() => ActorKind::AgencyClient,
        Actor::Client(_) => ActorKind::Department,
        Actor::Account(a) => match a.role {
            entity::enums::AccountRole::Operator => ActorKind::Operator,
            entity::enums::AccountRole::DepartmentStaff => ActorKind::Department,
            entity::enums::AccountRole::SubjectUser => ActorKind::Account,
        },
    }
}
