//! Sign-in, tokens, sign-out, client credentials and throttling, over HTTP.

use serde_json::json;
use xinyong::service::demo;
use xinyong_tests::TestApp;

const VIEWER: &str = "{ viewer { kind account { email role } apiClient { clientId } scopes } }";

#[tokio::test]
async fn operator_signs_in_and_viewer_answers() {
    let app = TestApp::spawn_with_demo().await;
    let (access, _) = app.login(demo::OPERATOR_EMAIL, demo::DEMO_PASSWORD).await;
    let r = app.graphql(VIEWER, json!({}), Some(&access)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["viewer"]["kind"], "ACCOUNT");
    assert_eq!(r.data()["viewer"]["account"]["email"], demo::OPERATOR_EMAIL);
    assert_eq!(r.data()["viewer"]["account"]["role"], "OPERATOR");
}

#[tokio::test]
async fn viewer_without_a_token_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let r = app.graphql(VIEWER, json!({}), None).await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"), "{}", r.body);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_are_the_same_unauthenticated() {
    let app = TestApp::spawn_with_demo().await;
    let q = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";
    let wrong = app
        .graphql(
            q,
            json!({ "i": { "email": demo::OPERATOR_EMAIL, "password": "not-the-password" } }),
            None,
        )
        .await;
    let unknown = app
        .graphql(
            q,
            json!({ "i": { "email": "nobody@example.cn", "password": "not-the-password" } }),
            None,
        )
        .await;
    assert_eq!(
        wrong.error_code(),
        Some("UNAUTHENTICATED"),
        "{}",
        wrong.body
    );
    assert_eq!(unknown.error_code(), Some("UNAUTHENTICATED"));
    assert_eq!(
        wrong.body["errors"][0]["message"],
        unknown.body["errors"][0]["message"]
    );
    assert!(wrong.body["data"].is_null(), "{}", wrong.body);
}

#[tokio::test]
async fn expired_and_tampered_tokens_are_rejected_with_401() {
    let app = TestApp::spawn_with_demo().await;
    let (access, _) = app.login(demo::OPERATOR_EMAIL, demo::DEMO_PASSWORD).await;

    let mut parts: Vec<String> = access.split('.').map(String::from).collect();
    parts[2] = parts[2].chars().rev().collect();
    let tampered = app.graphql(VIEWER, json!({}), Some(&parts.join("."))).await;
    assert_eq!(tampered.status, 401);
    assert_eq!(tampered.error_code(), Some("UNAUTHENTICATED"));

    let garbage = app.graphql(VIEWER, json!({}), Some("not-a-jwt")).await;
    assert_eq!(garbage.status, 401);

    // Fifteen minutes later the access token has expired.
    app.clock.advance(chrono::Duration::minutes(15));
    let expired = app.graphql(VIEWER, json!({}), Some(&access)).await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.error_code(), Some("UNAUTHENTICATED"));
    assert!(
        expired.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_session() {
    let app = TestApp::spawn_with_demo().await;
    let (_, refresh1) = app.login(demo::STAFF_EMAIL, demo::DEMO_PASSWORD).await;
    let q = "mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken refreshToken } }";

    let r = app.graphql(q, json!({ "t": refresh1 }), None).await;
    let access2 = r.data()["refreshToken"]["accessToken"]
        .as_str()
        .expect("new access token")
        .to_string();
    let refresh2 = r.data()["refreshToken"]["refreshToken"]
        .as_str()
        .expect("new refresh token")
        .to_string();
    assert_ne!(refresh1, refresh2);
    assert_eq!(
        app.graphql(VIEWER, json!({}), Some(&access2)).await.status,
        200
    );

    // The first token again: someone copied it. The whole session ends.
    let reuse = app.graphql(q, json!({ "t": refresh1 }), None).await;
    assert_eq!(reuse.error_code(), Some("UNAUTHENTICATED"));
    assert_eq!(
        app.graphql(VIEWER, json!({}), Some(&access2)).await.status,
        401
    );
    let after = app.graphql(q, json!({ "t": refresh2 }), None).await;
    assert_eq!(after.error_code(), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn logout_stops_the_token_at_once_and_everywhere_ends_all_sessions() {
    let app = TestApp::spawn_with_demo().await;
    let (a1, _) = app.login(demo::OPERATOR_EMAIL, demo::DEMO_PASSWORD).await;
    let (a2, _) = app.login(demo::OPERATOR_EMAIL, demo::DEMO_PASSWORD).await;
    let (a3, _) = app.login(demo::OPERATOR_EMAIL, demo::DEMO_PASSWORD).await;

    let out = app
        .graphql(
            "mutation { logout(input: {}) { sessionsEnded } }",
            json!({}),
            Some(&a1),
        )
        .await;
    assert_eq!(out.data()["logout"]["sessionsEnded"], 1, "{}", out.body);
    assert_eq!(app.graphql(VIEWER, json!({}), Some(&a1)).await.status, 401);
    assert_eq!(app.graphql(VIEWER, json!({}), Some(&a2)).await.status, 200);

    let all = app
        .graphql(
            "mutation { logout(input: { everywhere: true }) { sessionsEnded } }",
            json!({}),
            Some(&a2),
        )
        .await;
    assert_eq!(all.data()["logout"]["sessionsEnded"], 2);
    assert_eq!(app.graphql(VIEWER, json!({}), Some(&a3)).await.status, 401);
}

#[tokio::test]
async fn repeated_failures_lock_the_email_for_a_while() {
    let app = TestApp::spawn_with_demo().await;
    let q = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";
    let bad = json!({ "i": { "email": demo::STAFF_EMAIL, "password": "wrong-wrong-wrong" } });
    for _ in 0..5 {
        assert_eq!(
            app.graphql(q, bad.clone(), None).await.error_code(),
            Some("UNAUTHENTICATED")
        );
    }
    // Locked now, even with the right password.
    let good = json!({ "i": { "email": demo::STAFF_EMAIL, "password": demo::DEMO_PASSWORD } });
    let locked = app.graphql(q, good.clone(), None).await;
    assert_eq!(locked.error_code(), Some("RATE_LIMITED"), "{}", locked.body);
    assert!(
        locked.body["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .unwrap()
            >= 1
    );
    // Other accounts are unaffected.
    app.login(demo::OPERATOR_EMAIL, demo::DEMO_PASSWORD).await;
    // After the lock-out the right password works again.
    app.clock.advance(chrono::Duration::minutes(2));
    let ok = app.graphql(q, good, None).await;
    assert!(ok.data()["login"]["accessToken"].is_string(), "{}", ok.body);
}

#[tokio::test]
async fn agency_gets_a_token_with_its_secret_and_invalid_client_without() {
    let app = TestApp::spawn_with_demo().await;
    let (status, body) = app
        .client_token(demo::AGENCY_CLIENT_ID, demo::AGENCY_CLIENT_SECRET)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().unwrap() > 0);
    let token = body["access_token"].as_str().unwrap();
    let r = app.graphql(VIEWER, json!({}), Some(token)).await;
    assert_eq!(r.data()["viewer"]["kind"], "API_CLIENT", "{}", r.body);
    assert_eq!(
        r.data()["viewer"]["apiClient"]["clientId"],
        demo::AGENCY_CLIENT_ID
    );

    let (status, body) = app
        .client_token(demo::AGENCY_CLIENT_ID, "wrong-secret")
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
    let (status, body) = app.client_token("no-such-client", "whatever").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn oauth_endpoint_follows_rfc_6749_errors() {
    let app = TestApp::spawn_with_demo().await;
    let url = format!("{}/oauth/token", app.base_url);
    // HTTP Basic client authentication works.
    let ok = app
        .http
        .post(&url)
        .basic_auth(demo::AGENCY_CLIENT_ID, Some(demo::AGENCY_CLIENT_SECRET))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "records:read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["cache-control"], "no-store");
    let body: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(body["scope"], "records:read");

    type Form<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Form, u16, &str); 3] = [
        (&[("grant_type", "password")], 400, "unsupported_grant_type"),
        (
            &[("client_id", demo::AGENCY_CLIENT_ID)],
            400,
            "invalid_request",
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", demo::AGENCY_CLIENT_ID),
                ("client_secret", demo::AGENCY_CLIENT_SECRET),
                ("scope", "records:write"),
            ],
            400,
            "invalid_scope",
        ),
    ];
    for (form, status, error) in cases {
        let resp = app.http.post(&url).form(form).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{form:?}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"], error, "{form:?}");
    }
    let wrong_basic = app
        .http
        .post(&url)
        .basic_auth(demo::AGENCY_CLIENT_ID, Some("nope"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_basic.status(), 401);
    assert!(
        wrong_basic.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
}

#[tokio::test]
async fn suspending_the_agency_stops_its_tokens_at_once() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let app = TestApp::spawn_with_demo().await;
    let (_, body) = app
        .client_token(demo::AGENCY_CLIENT_ID, demo::AGENCY_CLIENT_SECRET)
        .await;
    let token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        app.graphql(VIEWER, json!({}), Some(&token)).await.status,
        200
    );

    entity::agency::Entity::update_many()
        .col_expr(
            entity::agency::Column::Status,
            Expr::value(entity::enums::AgencyStatus::Suspended),
        )
        .filter(entity::agency::Column::Name.contains(""))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        app.graphql(VIEWER, json!({}), Some(&token)).await.status,
        401
    );
    let (status, body) = app
        .client_token(demo::AGENCY_CLIENT_ID, demo::AGENCY_CLIENT_SECRET)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

#[tokio::test]
async fn sign_up_reports_fixable_problems_as_user_errors() {
    let app = TestApp::spawn_with_demo().await;
    let q = "mutation($i: SignUpInput!) { signUp(input: $i) { account { email role language } userErrors { field code message } } }";
    let weak = app
        .graphql(q, json!({ "i": { "email": "new@example.cn", "displayName": "新用户", "password": "short" } }), None)
        .await;
    assert!(weak.body["errors"].is_null(), "{}", weak.body);
    assert!(weak.data()["signUp"]["account"].is_null());
    assert_eq!(
        weak.data()["signUp"]["userErrors"][0]["code"],
        "PASSWORD_TOO_SHORT"
    );
    assert_eq!(
        weak.data()["signUp"]["userErrors"][0]["field"],
        json!(["input", "password"])
    );

    let taken = app
        .graphql(q, json!({ "i": { "email": demo::OPERATOR_EMAIL.to_uppercase(), "displayName": "X", "password": "river-stone-lantern" } }), None)
        .await;
    assert_eq!(
        taken.data()["signUp"]["userErrors"][0]["code"],
        "EMAIL_TAKEN",
        "{}",
        taken.body
    );

    let ok = app
        .graphql(q, json!({ "i": { "email": "Li.Na@Example.cn", "displayName": "李娜", "password": "river-stone-lantern", "language": "EN" } }), None)
        .await;
    assert_eq!(
        ok.data()["signUp"]["account"]["email"],
        "li.na@example.cn",
        "{}",
        ok.body
    );
    assert_eq!(ok.data()["signUp"]["account"]["role"], "SUBJECT_USER");
    assert_eq!(ok.data()["signUp"]["account"]["language"], "EN");
    app.login("li.na@example.cn", "river-stone-lantern").await;
}
