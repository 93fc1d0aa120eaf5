//! The journeys in a real browser (Debian's headless Chromium), once with
//! JavaScript and once without: every page and form works either way.

use serde_json::json;
use xinyong::service::demo as d;
use xinyong_tests::TestApp;
use xinyong_tests::browser::Browser;
use xinyong_tests::demo::{self, ok};

use crate::security::consent_status;

async fn submit(b: &Browser) {
    b.click("main form button[type=submit]").await;
}

async fn sign_in(b: &Browser, email: &str) {
    b.goto("/sign-in").await;
    b.fill("#email", email).await;
    b.fill("#password", d::DEMO_PASSWORD).await;
    submit(b).await;
}

async fn sign_out(b: &Browser) {
    b.click("header form button[type=submit]").await;
    assert!(b.path().await.starts_with("/sign-in"), "{}", b.path().await);
}

/// The whole journey; screenshots are taken on the run with JavaScript.
async fn journey(javascript: bool) {
    let app = TestApp::spawn_with_demo().await;
    let b = Browser::start(&app.base_url, javascript).await;
    assert_eq!(b.javascript_runs().await, javascript);
    let shot = |name: &'static str| {
        let b = &b;
        async move {
            if javascript {
                b.screenshot(name).await;
            }
        }
    };

    // Public: search, a subject's public page, the lists.
    b.goto("/").await;
    shot("home").await;
    b.fill("#q", "闽江").await;
    b.click("form.search button").await;
    assert!(b.main_text().await.contains(d::ENTERPRISE_NAME));
    b.click_link(d::ENTERPRISE_NAME).await;
    assert!(b.main_text().await.contains(d::ENTERPRISE_USCC));
    shot("subject-public").await;
    b.goto("/lists/court_defaulter").await;
    assert!(b.main_text().await.contains("失信被执行人"));
    shot("black-list").await;

    // Sign up: a failed submit keeps what was typed, then it works.
    b.goto("/sign-up").await;
    b.fill("#displayName", "王小明").await;
    b.fill("#email", "wang.xiaoming@example.com").await;
    b.fill("#password", "short").await;
    submit(&b).await;
    assert!(b.exists("#password-error").await);
    assert_eq!(
        b.attr("#displayName", "value").await.as_deref(),
        Some("王小明")
    );
    shot("sign-up-error").await;
    b.fill("#password", "a long enough passphrase 2026").await;
    submit(&b).await;
    assert_eq!(b.path().await, "/me?done=signed-up");
    assert!(b.main_text().await.contains("还没有绑定主体"));
    sign_out(&b).await;

    // The individual sees her records.
    sign_in(&b, d::PERSON_USER_EMAIL).await;
    assert_eq!(b.path().await, "/me");
    assert!(b.main_text().await.contains(d::PERSON_NAME));
    shot("dashboard").await;
    b.click_link("查看全部记录").await;
    assert!(b.path().await.ends_with("/records"));
    shot("records").await;
    b.click("main table a").await;
    let record = b.main_text().await;
    assert!(
        record.contains("法律依据") && record.contains("修改历史"),
        "{record}"
    );
    shot("record").await;

    // She grants a consent…
    let agency = demo::demo_agency(&app).await;
    b.goto("/me").await;
    b.click_link("授权机构查询").await;
    shot("consent-grant").await;
    b.fill("#agencyUscc", &agency.uscc).await;
    b.check("#purpose-loan_application").await;
    b.check("#class-WARNING").await;
    submit(&b).await;
    assert!(
        b.path().await.ends_with("done=granted"),
        "{}: {}",
        b.path().await,
        b.main_text().await
    );
    assert!(b.main_text().await.contains(&agency.name));
    shot("consents").await;
    let token = demo::person(&app).await;
    let chen = demo::subject_gid(&demo::chen(&app).await);
    let r = app
        .graphql(
            "query($s:ID!){consents(subject:$s,first:5){nodes{id status scope{infoClasses}}}}",
            json!({ "s": chen }),
            Some(&token),
        )
        .await;
    let consent = ok(&r)["consents"]["nodes"][0].clone();
    assert_eq!(consent["status"], "ACTIVE");
    assert_eq!(consent["scope"]["infoClasses"], json!(["BASIC", "WARNING"]));
    let id = consent["id"].as_str().expect("an id").to_string();

    // …and revokes it in two clicks from the dashboard.
    b.goto("/me").await;
    b.click_link("撤销授权").await;
    shot("consent-revoke").await;
    b.click("main form button.warning").await;
    assert!(b.path().await.ends_with("done=revoked"));
    assert_eq!(consent_status(&app, &token, &id).await, "REVOKED");

    // Who saw my data; the same page in English.
    b.goto(&format!("/me/{chen}/log")).await;
    assert!(b.main_text().await.contains("谁查看了我的信息"));
    b.click_link("English").await;
    assert!(b.main_text().await.contains("Who saw my data"));
    shot("query-log-en").await;
    b.click_link("简体中文").await;
    sign_out(&b).await;

    // The operator's workbench.
    sign_in(&b, d::OPERATOR_EMAIL).await;
    assert_eq!(b.path().await, "/staff");
    b.click_link("逾期报送的双公示信息").await;
    shot("staff-late").await;
    sign_out(&b).await;

    if javascript {
        // Usable at 320 px: nothing wider than the screen.
        b.client.set_window_size(320, 800).await.expect("resize");
        b.goto("/").await;
        let fits = b
            .client
            .execute(
                "return document.documentElement.scrollWidth <= document.documentElement.clientWidth",
                vec![],
            )
            .await
            .expect("a script runs");
        assert_eq!(
            fits,
            json!(true),
            "the home page scrolls sideways at 320 px"
        );
        shot("home-320").await;
    }
    b.close().await;
}

#[tokio::test]
async fn the_journey_in_chromium_with_javascript() {
    journey(true).await;
}

#[tokio::test]
async fn the_journey_in_chromium_without_javascript() {
    journey(false).await;
}
