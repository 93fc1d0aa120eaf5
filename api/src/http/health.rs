use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::HttpState;

/// Liveness: the process answers.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the database answers. A load balancer stops sending traffic
/// while this fails and resumes by itself when the database is back.
pub async fn readyz(State(s): State<HttpState>) -> (StatusCode, Json<Value>) {
    if crate::db::ping(&s.app.db).await {
        (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": "ok" })),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not ready", "database": "unreachable" })),
        )
    }
}
