//! Background jobs: a ticker that runs the periodic use cases. Each job is a
//! service function that is safe to run on several replicas at once and
//! idempotent, so a crash or a double start never does anything twice.

pub mod mail;

pub mod deadlines;

use std::time::Duration;

use crate::auth::RequestMeta;
use crate::service;
use crate::state::AppState;

/// How often the periodic jobs run.
pub const TICK: Duration = Duration::from_secs(60);
/// How often webhooks are fanned out and sent (the faster loop).
pub const WEBHOOK_TICK: Duration = Duration::from_secs(2);

/// Runs every job once.
pub async fn run_once(state: &AppState) {
    let meta = RequestMeta {
        request_id: Some("job".into()),
        ..Default::default()
    };
    // First, so that every job below computes with the calendar in force.
    if let Err(e) = service::reference::refresh(state).await {
        tracing::error!(error = %e, "reloading the holiday calendar failed; it will run again");
    }
    match service::records::archive_expired(state, &meta).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            archived = n,
            "archived records whose publication window ended"
        ),
        Err(e) => tracing::error!(error = %e, "archiving job failed; it will run again"),
    }
    match deadlines::sweep(state).await {
        Ok(r) if r.is_empty() => {}
        Ok(r) => tracing::info!(?r, "deadline reminders and escalations sent"),
        Err(e) => tracing::error!(error = %e, "deadline sweep failed; it will run again"),
    }
    // The hash chains: seal new log rows, then purge query-log rows past retention.
    if let Err(e) = service::chain::seal(state).await {
        tracing::error!(error = %e, "sealing the log chains failed; it will run again");
    }
    match service::query_log::purge_expired_query_logs(state, state.now()).await {
        Ok(p) if p.rows > 0 => tracing::info!(
            purged = p.rows,
            anchor_seq = p.anchor_seq,
            "purged query-log rows past retention"
        ),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "query-log purge failed; it will run again"),
    }
}

/// Fans new change events out to webhook subscriptions, then sends every
/// delivery that is due (docs/webhooks.md); returns the attempts made.
/// Safe on several replicas and in concurrent calls.
pub async fn deliver_webhooks_once(state: &AppState) -> service::ServiceResult<usize> {
    service::webhooks::fan_out(state).await?;
    service::webhooks::deliver_due(state).await
}

/// Starts the tickers (the periodic jobs, and the faster webhook loop);
/// they stop when the runtime does.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    mail::spawn(state.clone());
    let webhooks = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(WEBHOOK_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = deliver_webhooks_once(&webhooks).await {
                tracing::error!(error = %e, "webhook delivery failed; it will run again");
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            run_once(&state).await;
        }
    })
}
