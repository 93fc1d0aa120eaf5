//! The outbox worker: sends the emails the services enqueued.
//!
//! ```text
//!   pending ──claim──▶ sending ──sent──▶ sent                  (final)
//!      ▲                  │
//!      │                  ├─transient failure──▶ pending (next attempt later)
//!      │                  └─permanent failure, or attempts = max ──▶ dead
//!      └──────── operator retry ◀──────────────────────────────────┘
//! ```
//!
//! A claim (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises the
//! write transaction, `BEGIN IMMEDIATE`) counts the attempt, sets `sending`
//! and pushes `next_attempt_at` one lease ahead, then commits. The SMTP
//! conversation happens outside any transaction; the outcome is recorded
//! only if the row is still the one claimed (`sending`, same `attempts`).
//! So two workers never send the same row, a sent row is never sent again,
//! and a worker that dies mid-send leaves the row to be claimed again when
//! the lease ends (same Message-ID, so the receiver can drop a duplicate).
//!
//! After a transient failure the next attempt waits `retry_base ×
//! 2^(attempts-1)`, at most `retry_max`; after `max_attempts` attempts, or
//! a permanent refusal (SMTP 5xx, an address that cannot be parsed), the
//! email is `dead` and shows in the operator's failed-mail view.

use chrono::{DateTime, Duration, Utc};
use entity::enums::EmailStatus;
use entity::outbox_email;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::templates::BASE_URL_MARK;
use super::transport::{Outgoing, SendError, Transport, build_message};
use crate::service::{ServiceResult, begin_write};
use crate::state::AppState;

/// How long a claimed email is reserved for the worker that claimed it.
pub const LEASE_SECS: i64 = 120;

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub retrying: usize,
    pub dead: usize,
}

/// The wait before attempt `attempts + 1`, after `attempts` failures.
pub fn backoff(attempts: i32, base: std::time::Duration, max: std::time::Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
    let wait = base.saturating_mul(2u32.saturating_pow(doublings)).min(max);
    Duration::from_std(wait).unwrap_or(Duration::hours(6))
}

/// Claims due emails: pending ones whose time has come, and `sending` ones
/// whose lease ran out (their worker died).
async fn claim(state: &AppState, now: DateTime<Utc>) -> ServiceResult<Vec<outbox_email::Model>> {
    let txn = begin_write(&state.db).await?;
    let due = outbox_email::Entity::find()
        .filter(
            Condition::any()
                .add(outbox_email::Column::Status.eq(EmailStatus::Pending))
                .add(outbox_email::Column::Status.eq(EmailStatus::Sending)),
        )
        .filter(outbox_email::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox_email::Column::NextAttemptAt)
        .order_by_asc(outbox_email::Column::Id)
        .limit(state.config.mail.batch)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&txn)
        .await?;
    if due.is_empty() {
        txn.commit().await?;
        return Ok(due);
    }
    let ids: Vec<i64> = due.iter().map(|d| d.id).collect();
    let lease_end = now + Duration::seconds(LEASE_SECS);
    outbox_email::Entity::update_many()
        .col_expr(
            outbox_email::Column::Attempts,
            Expr::col(outbox_email::Column::Attempts).add(1),
        )
        .col_expr(
            outbox_email::Column::Status,
            Expr::value(EmailStatus::Sending),
        )
        .col_expr(outbox_email::Column::NextAttemptAt, Expr::value(lease_end))
        .filter(outbox_email::Column::Id.is_in(ids))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(due
        .into_iter()
        .map(|mut d| {
            d.attempts += 1;
            d.status = EmailStatus::Sending;
            d.next_attempt_at = lease_end;
            d
        })
        .collect())
}

/// Records the outcome of one claimed attempt, if the claim still holds.
async fn record(
    state: &AppState,
    e: &outbox_email::Model,
    outcome: Result<(), SendError>,
) -> ServiceResult<Option<EmailStatus>> {
    let now = state.now();
    let cfg = &state.config.mail;
    let mut update = outbox_email::Entity::update_many();
    let status = match &outcome {
        Ok(()) => {
            update = update
                .col_expr(outbox_email::Column::SentAt, Expr::value(Some(now)))
                .col_expr(
                    outbox_email::Column::LastError,
                    Expr::value(Option::<String>::None),
                );
            EmailStatus::Sent
        }
        Err(err) => {
            let dead = err.permanent || e.attempts >= cfg.max_attempts;
            let next = if dead {
                now
            } else {
                now + backoff(e.attempts, cfg.retry_base, cfg.retry_max)
            };
            update = update
                .col_expr(outbox_email::Column::NextAttemptAt, Expr::value(next))
                .col_expr(
                    outbox_email::Column::LastError,
                    Expr::value(Some(err.message.chars().take(1000).collect::<String>())),
                );
            if dead {
                EmailStatus::Dead
            } else {
                EmailStatus::Pending
            }
        }
    };
    let txn = begin_write(&state.db).await?;
    let r = update
        .col_expr(outbox_email::Column::Status, Expr::value(status))
        .filter(outbox_email::Column::Id.eq(e.id))
        .filter(outbox_email::Column::Status.eq(EmailStatus::Sending))
        .filter(outbox_email::Column::Attempts.eq(e.attempts))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok((r.rows_affected == 1).then_some(status))
}

/// One pass: claim due emails, send each, record each outcome. Safe to run
/// on several replicas at once.
pub async fn run_once(state: &AppState) -> ServiceResult<Pass> {
    let now = state.now();
    let claimed = claim(state, now).await?;
    let mut pass = Pass::default();
    if claimed.is_empty() {
        return Ok(pass);
    }
    let cfg = &state.config.mail;
    let transport = Transport::from_config(cfg);
    let base = state.config.public_url.trim_end_matches('/');
    for e in &claimed {
        let outcome = match &transport {
            Err(err) => Err(err.clone()),
            Ok(t) => {
                let m = Outgoing {
                    to: &e.to_address,
                    subject: &e.subject,
                    text: e.body_text.replace(BASE_URL_MARK, base),
                    html: e.body_html.replace(BASE_URL_MARK, base),
                    language: &e.language,
                    idempotency_key: &e.idempotency_key,
                    date: now.into(),
                };
                match build_message(&cfg.from, &m) {
                    Ok(msg) => t.send(&msg, &e.idempotency_key).await,
                    Err(err) => Err(err),
                }
            }
        };
        if let Err(err) = &outcome {
            tracing::warn!(email = e.id, attempts = e.attempts, error = %err.message, "sending an email failed");
        }
        match record(state, e, outcome).await {
            Ok(Some(EmailStatus::Sent)) => pass.sent += 1,
            Ok(Some(EmailStatus::Dead)) => {
                tracing::error!(
                    email = e.id,
                    "email dead-lettered; an operator can retry it"
                );
                pass.dead += 1
            }
            Ok(Some(_)) => pass.retrying += 1,
            Ok(None) => {}
            Err(err) => {
                tracing::error!(error = %err, email = e.id, "recording an email attempt failed; it is retried after its lease")
            }
        }
    }
    Ok(pass)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration as Std;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let b = |n| backoff(n, Std::from_secs(60), Std::from_secs(3600)).num_seconds();
        assert_eq!([b(1), b(2), b(3), b(4)], [60, 120, 240, 480]);
        assert_eq!(b(7), 3600);
        assert_eq!(b(1000), 3600);
        assert_eq!(b(0), 60);
    }
}
