//! Background jobs: a ticker that runs the periodic use cases. Each job is a
//! service function that is safe to run on several replicas at once and
//! idempotent, so a crash or a double start never does anything twice.

use std::time::Duration;

use crate::auth::RequestMeta;
use crate::service;
use crate::state::AppState;

/// How often the periodic jobs run.
pub const TICK: Duration = Duration::from_secs(60);

/// Runs every job once.
pub async fn run_once(state: &AppState) {
    let meta = RequestMeta {
        request_id: Some("job".into()),
        ..Default::default()
    };
    match service::records::archive_expired(state, &meta).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            archived = n,
            "archived records whose publication window ended"
        ),
        Err(e) => tracing::error!(error = %e, "archiving job failed; it will run again"),
    }
}

/// Starts the ticker; it stops when the runtime does.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            run_once(&state).await;
        }
    })
}
