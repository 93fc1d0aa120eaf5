//! The mail loop: the outbox worker every `mail.poll`, and once a minute
//! the notice jobs that produce mail on a schedule (consent-expiry
//! reminders, the daily query digest). All are safe on several replicas.

use std::time::Duration;

use crate::mail::worker;
use crate::service::notices;
use crate::state::AppState;

/// How often the scheduled notice jobs run.
pub const NOTICE_TICK: Duration = Duration::from_secs(60);

/// Runs the scheduled notice jobs once; returns the notices written.
pub async fn notice_jobs_once(state: &AppState) -> usize {
    let mut n = 0;
    match notices::send_consent_expiry_notices(state).await {
        Ok(k) => n += k,
        Err(e) => tracing::error!(error = %e, "consent-expiry notices failed; they will run again"),
    }
    match notices::send_query_digests(state).await {
        Ok(k) => n += k,
        Err(e) => tracing::error!(error = %e, "query digests failed; they will run again"),
    }
    n
}

/// Starts the mail loop; it stops when the runtime does.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(state.config.mail.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_notice_jobs: Option<tokio::time::Instant> = None;
        loop {
            tick.tick().await;
            if last_notice_jobs.is_none_or(|t| t.elapsed() >= NOTICE_TICK) {
                last_notice_jobs = Some(tokio::time::Instant::now());
                notice_jobs_once(&state).await;
            }
            // Drain what is due, a batch at a time.
            loop {
                match worker::run_once(&state).await {
                    Ok(p) if p.sent + p.retrying + p.dead > 0 => {
                        tracing::debug!(
                            sent = p.sent,
                            retrying = p.retrying,
                            dead = p.dead,
                            "mail pass"
                        );
                        if p.sent == 0 {
                            break;
                        }
                    }
                    Ok(_) => break,
                    Err(e) => {
                        tracing::error!(error = %e, "the mail worker failed; it will run again");
                        break;
                    }
                }
            }
        }
    })
}
