//! Operational endpoints and HTTP hygiene.

use xinyong_tests::TestApp;

#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    let app = TestApp::spawn().await;
    let health = app
        .http
        .get(format!("{}/healthz", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let request_id = health
        .headers()
        .get("x-request-id")
        .expect("a request id")
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(request_id.len(), 36, "a UUID: {request_id}");

    let ready = app
        .http
        .get(format!("{}/readyz", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    // A caller's own request id is kept, so logs can be joined across systems.
    let mine = app
        .http
        .get(format!("{}/healthz", app.base_url))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(mine.headers()["x-request-id"], "abc-123");

    let metrics = app
        .http
        .get(format!("{}/metrics", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.state.db.clone().close().await.ok();
    let ready = app
        .http
        .get(format!("{}/readyz", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let health = app
        .http
        .get(format!("{}/healthz", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        health.status(),
        200,
        "liveness does not depend on the database"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(3 * 1024 * 1024);
    let resp = app
        .http
        .post(format!("{}/graphql", app.base_url))
        .header("content-type", "application/json")
        .body(format!("{{\"query\":\"{huge}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
}

#[tokio::test]
async fn graphiql_and_the_portal_home_are_served() {
    let app = TestApp::spawn().await;
    let gi = app
        .http
        .get(format!("{}/graphql", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(gi.status(), 200);
    assert!(gi.text().await.unwrap().contains("graphiql"));
    let home = app
        .http
        .get(format!("{}/", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
    assert!(home.text().await.unwrap().contains("信用"));
}
