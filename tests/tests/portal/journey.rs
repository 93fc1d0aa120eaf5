//! The journeys in a real browser (Debian's headless Chromium), once with
//! JavaScript and once without: every page and form works either way.

use serde_json::json;
use xinyong::service::demo as d;
use xinyong_tests::TestApp;
use xinyong_tests::browser::Browser;
use xinyong_tests::demo::{self, ok};
use xinyong_tests::smtp::SmtpServer;

use crate::pages::{chen_records, drain};
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
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_configured(chrono::Utc::now(), |c| smtp.configure(c)).await;
    d::seed(&app.state).await.expect("demo data seeds");
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

    // He binds the enterprise he runs: the code goes by email to its
    // registered contact (the in-test SMTP server), not to his account.
    b.click_link("绑定企业或个人（实名认证）").await;
    b.fill("#identifier", d::COURT_DEFAULTER_USCC).await;
    submit(&b).await;
    assert!(b.exists("#code").await, "{}", b.main_text().await);
    let sent_to = b.main_text().await;
    drain(&app).await;
    let mail = smtp
        .messages()
        .into_iter()
        .rfind(|m| m.subject().starts_with("实名绑定验证码"))
        .expect("the binding code by email");
    assert!(
        smtp.to("wang.xiaoming@example.com")
            .iter()
            .all(|m| !m.subject().starts_with("实名绑定验证码"))
    );
    let contact = mail.rcpt_to[0].clone();
    let masked = contact.split('@').nth(1).expect("a domain");
    assert!(sent_to.contains(masked), "{sent_to} / {contact}");
    let code: String = mail
        .subject()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6);
    shot("bind-code").await;
    // A wrong code is refused on the same page.
    let wrong: String = code
        .chars()
        .map(|c| {
            if c == '9' {
                '0'
            } else {
                char::from(c as u8 + 1)
            }
        })
        .collect();
    b.fill("#code", &wrong).await;
    submit(&b).await;
    assert!(b.exists("#code-error").await);
    b.fill("#code", &code).await;
    submit(&b).await;
    assert_eq!(b.path().await, "/me?done=bound");
    assert!(b.main_text().await.contains(d::COURT_DEFAULTER_USCC));

    // The binding lands in his inbox; his settings.
    b.click("a[href='/inbox']").await;
    assert_eq!(b.path().await, "/inbox");
    shot("inbox").await;
    b.click("main ul.plain a").await;
    assert!(b.main_text().await.contains("已读于"));
    b.goto("/settings").await;
    b.check("#queryNotices-DAILY_DIGEST").await;
    submit(&b).await;
    assert_eq!(b.path().await, "/me?done=saved");
    b.goto("/settings").await;
    shot("settings").await;
    sign_out(&b).await;

    // Forgotten password: the page that sends the link.
    b.goto("/sign-in").await;
    b.click_link("忘记密码").await;
    b.fill("#email", "wang.xiaoming@example.com").await;
    submit(&b).await;
    assert!(b.main_text().await.contains("请查收邮件"));
    drain(&app).await;
    let reset = smtp
        .to("wang.xiaoming@example.com")
        .into_iter()
        .last()
        .expect("the reset email");
    let text = reset.text();
    let at = text
        .find("/account/reset-password?token=")
        .expect("the link");
    let link: String = text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    b.goto(&link).await;
    shot("password-reset").await;
    b.fill("#password", "a brand new passphrase 2027").await;
    submit(&b).await;
    assert_eq!(b.path().await, "/sign-in?done=reset");
    b.fill("#email", "wang.xiaoming@example.com").await;
    b.fill("#password", "a brand new passphrase 2027").await;
    submit(&b).await;
    assert_eq!(b.path().await, "/me");
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

    // Credit repair: the form shows the commitment letter to accept.
    let eligible = chen_records(&app)
        .await
        .into_iter()
        .find(|r| r["repairEligibility"]["status"] == "ELIGIBLE")
        .expect("a repairable record");
    b.goto(&format!(
        "/records/{}",
        eligible["id"].as_str().expect("an id")
    ))
    .await;
    b.click_link("申请信用修复").await;
    assert!(b.main_text().await.contains("信用承诺书"));
    submit(&b).await;
    assert!(b.exists("#accept-error").await);
    shot("repair-form").await;

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
    b.goto("/staff").await;
    b.click_link("发送失败的邮件").await;
    assert!(b.main_text().await.contains("没有发送失败的邮件"));
    b.goto("/staff").await;
    b.click_link("逾期的办理期限").await;
    assert_eq!(b.path().await, "/staff/overdue");
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
