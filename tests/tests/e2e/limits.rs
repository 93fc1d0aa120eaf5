//! Rate limits an integrator can plan around: cost-based token buckets,
//! reported in `extensions` and headers, RATE_LIMITED with Retry-After.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::json;
use xinyong::service::demo;
use xinyong_tests::TestApp;

const Q: &str = "{ a: nodes(ids: []) { id } b: nodes(ids: []) { id } }"; // costs 4

async fn raw(app: &TestApp, token: &str) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let resp = app
        .http
        .post(format!("{}/graphql", app.base_url))
        .bearer_auth(token)
        .json(&json!({ "query": Q }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.json().await.unwrap())
}

#[tokio::test]
async fn a_client_spends_its_bucket_then_waits_as_told() {
    let app = TestApp::spawn_with_demo().await;
    entity::api_client::Entity::update_many()
        .col_expr(
            entity::api_client::Column::RateTier,
            Expr::value("custom:10:1"),
        )
        .filter(entity::api_client::Column::ClientId.eq(demo::AGENCY_CLIENT_ID))
        .exec(&app.state.db)
        .await
        .unwrap();
    let (_, body) = app
        .client_token(demo::AGENCY_CLIENT_ID, demo::AGENCY_CLIENT_SECRET)
        .await;
    let token = body["access_token"].as_str().unwrap().to_string();

    let (status, headers, body) = raw(&app, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["extensions"]["rateLimit"]["cost"], 4);
    assert_eq!(body["extensions"]["rateLimit"]["limit"], 10);
    assert_eq!(body["extensions"]["rateLimit"]["remaining"], 6);
    assert_eq!(headers["x-ratelimit-remaining"], "6");
    assert_eq!(headers["x-ratelimit-limit"], "10");

    assert_eq!(raw(&app, &token).await.0, 200); // 2 left
    let (status, headers, body) = raw(&app, &token).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert_eq!(body["errors"][0]["extensions"]["retryAfter"], 2);
    assert_eq!(headers["retry-after"], "2");
    assert!(body["data"].is_null());

    // The refused request cost nothing: two seconds later it fits.
    app.clock.advance(chrono::Duration::seconds(2));
    assert_eq!(raw(&app, &token).await.0, 200);

    // Other callers have their own buckets.
    let (operator, _) = app.login(demo::OPERATOR_EMAIL, demo::DEMO_PASSWORD).await;
    assert_eq!(raw(&app, &operator).await.0, 200);
}
