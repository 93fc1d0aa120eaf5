//! CSRF, object-level isolation between subjects, sign-out everywhere,
//! failed forms that keep what was typed, one language per page.

use serde_json::json;
use xinyong::service::demo as d;
use xinyong_tests::TestApp;
use xinyong_tests::demo::{self, ok};

use crate::Visitor;

/// Grants the demo agency a one-time consent through the API, as the
/// account behind `token`; returns the consent id.
pub async fn grant_via_api(app: &TestApp, token: &str, subject_gid: &str) -> String {
    let agency = demo::demo_agency(app).await;
    let r = app
        .graphql(
            "mutation($i:GrantConsentInput!){grantConsent(input:$i){consents{id status} userErrors{code message}}}",
            json!({ "i": {
                "subjectId": subject_gid,
                "agencyUscc": agency.uscc,
                "purposeCodes": ["loan_application"],
                "scope": { "infoClasses": ["BASIC"] },
                "mode": "ONE_TIME",
            }}),
            Some(token),
        )
        .await;
    let data = ok(&r);
    assert_eq!(data["grantConsent"]["userErrors"], json!([]), "{data}");
    data["grantConsent"]["consents"][0]["id"]
        .as_str()
        .expect("a consent id")
        .to_string()
}

pub async fn consent_status(app: &TestApp, token: &str, id: &str) -> String {
    let r = app
        .graphql(
            "query($id:ID!){node(id:$id){... on Consent{status}}}",
            json!({ "id": id }),
            Some(token),
        )
        .await;
    ok(&r)["node"]["status"]
        .as_str()
        .unwrap_or_else(|| panic!("a consent: {}", r.body))
        .to_string()
}

#[tokio::test]
async fn forms_without_this_browsers_csrf_token_are_refused() {
    let app = TestApp::spawn_with_demo().await;
    let v = Visitor::new(&app);
    let other = Visitor::new(&app);
    v.get("/sign-in").await;
    let foreign = other.get("/sign-in").await.csrf();
    let creds = [
        ("email", d::PERSON_USER_EMAIL),
        ("password", d::DEMO_PASSWORD),
    ];

    let missing = v.post("/sign-in", &creds).await;
    assert_eq!(missing.status, 403);
    let mut with_foreign = creds.to_vec();
    with_foreign.push(("csrf", &foreign));
    assert_eq!(v.post("/sign-in", &with_foreign).await.status, 403);
    // Neither started a session.
    assert_eq!(v.get("/me").await.status, 303);

    v.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    let token = demo::person(&app).await;
    let chen = demo::subject_gid(&demo::chen(&app).await);
    let consent = grant_via_api(&app, &token, &chen).await;
    let path = format!("/consents/{consent}/revoke");

    let no_token = v.post(&path, &[]).await;
    assert_eq!(no_token.status, 403);
    assert!(no_token.body.contains("表单已过期"), "{}", no_token.body);
    // The visitor's token from before signing in no longer counts.
    assert_eq!(v.post(&path, &[("csrf", &foreign)]).await.status, 403);
    assert_eq!(consent_status(&app, &token, &consent).await, "ACTIVE");

    let csrf = v.get(&path).await.csrf();
    let done = v.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(consent_status(&app, &token, &consent).await, "REVOKED");
}

#[tokio::test]
async fn one_subject_cannot_open_anothers_pages_by_changing_ids() {
    let app = TestApp::spawn_with_demo().await;
    let owner = demo::owner(&app).await;
    let enterprise = demo::enterprise(&app).await;
    let ent = demo::subject_gid(&enterprise);
    let ent_consent = grant_via_api(&app, &owner, &ent).await;
    let r = app
        .graphql(
            "query($id:ID!){node(id:$id){... on Subject{records(first:1){nodes{id}}}}}",
            json!({ "id": ent }),
            Some(&owner),
        )
        .await;
    let ent_record = ok(&r)["node"]["records"]["nodes"][0]["id"]
        .as_str()
        .expect("the enterprise has a record")
        .to_string();
    let chen = demo::subject_gid(&demo::chen(&app).await);

    let v = Visitor::new(&app);
    v.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    // Her own pages open…
    for path in [
        format!("/me/{chen}/records"),
        format!("/me/{chen}/consents"),
        format!("/me/{chen}/log"),
        format!("/me/{chen}/consents/new"),
    ] {
        assert_eq!(v.get(&path).await.status, 200, "{path}");
    }
    // …the enterprise's do not, not even its public record.
    for path in [
        format!("/me/{ent}/records"),
        format!("/me/{ent}/consents"),
        format!("/me/{ent}/log"),
        format!("/me/{ent}/consents/new"),
        format!("/records/{ent_record}"),
        format!("/consents/{ent_consent}/revoke"),
        format!("/consents/{ent_consent}/receipt"),
    ] {
        let p = v.get(&path).await;
        assert_eq!(p.status, 404, "{path}: {}", p.body);
        assert!(
            !p.body.contains(d::ENTERPRISE_NAME),
            "{path} leaks the name"
        );
    }
    let csrf = v.get(&format!("/me/{chen}/consents")).await.csrf();
    let p = v
        .post(
            &format!("/consents/{ent_consent}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, 404, "{}", p.body);
    assert_eq!(consent_status(&app, &owner, &ent_consent).await, "ACTIVE");
    let p = v
        .post(
            &format!("/me/{ent}/consents/new"),
            &[
                ("csrf", &csrf),
                ("agencyUscc", &demo::demo_agency(&app).await.uscc),
                ("purpose", "loan_application"),
                ("infoClasses", "BASIC"),
                ("mode", "ONE_TIME"),
            ],
        )
        .await;
    assert_ne!(p.status, 303, "a consent was granted for another subject");
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_portal_session() {
    let app = TestApp::spawn_with_demo().await;
    let a = Visitor::new(&app);
    let b = Visitor::new(&app);
    a.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    b.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    assert_eq!(a.get("/me").await.status, 200);
    assert_eq!(b.get("/me").await.status, 200);

    let csrf = a.get("/sign-out").await.csrf();
    let out = a
        .post("/sign-out", &[("csrf", &csrf), ("everywhere", "true")])
        .await;
    assert_eq!(out.status, 303);
    for v in [&a, &b] {
        let p = v.get("/me").await;
        assert_eq!(p.status, 303);
        assert!(
            p.location
                .as_deref()
                .is_some_and(|l| l.starts_with("/sign-in"))
        );
    }
}

#[tokio::test]
async fn a_failed_sign_up_keeps_what_was_typed_and_says_what_to_fix() {
    let app = TestApp::spawn_with_demo().await;
    let v = Visitor::new(&app);
    let csrf = v.get("/sign-up").await.csrf();
    let p = v
        .post(
            "/sign-up",
            &[
                ("csrf", &csrf),
                ("displayName", "林小峰"),
                ("email", "lin.xiaofeng@example.com"),
                ("password", "short"),
                ("language", "zh-CN"),
            ],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("value=\"林小峰\""), "name kept");
    assert!(
        p.body.contains("value=\"lin.xiaofeng@example.com\""),
        "email kept"
    );
    assert!(
        !p.body.contains("value=\"short\""),
        "passwords are never echoed"
    );
    // The error sits next to the password field, in the page's language.
    let field = p
        .body
        .find("id=\"password-error\"")
        .expect("a password error");
    let input = p.body.find("id=\"password\"").expect("the password input");
    assert!(field < input);
    assert!(p.body.contains("密码至少 10 个字符"));

    let taken = v
        .post(
            "/sign-up",
            &[
                ("csrf", &csrf),
                ("displayName", "陈美华"),
                ("email", d::PERSON_USER_EMAIL),
                ("password", "a long enough passphrase 2026"),
            ],
        )
        .await;
    assert_eq!(taken.status, 422);
    assert!(taken.body.contains("这个邮箱已经注册"), "{}", taken.body);
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test]
async fn english_pages_carry_no_chinese_and_chinese_is_the_default() {
    let app = TestApp::spawn_with_demo().await;
    let v = Visitor::new(&app);
    let zh = v.get("/").await;
    assert!(zh.body.contains("<html lang=\"zh-CN\""));
    assert!(zh.body.contains("查询信用信息"));

    let switch = v.get("/language/en?back=/help/consent").await;
    assert_eq!(switch.status, 303);
    assert_eq!(switch.location.as_deref(), Some("/help/consent"));
    for path in [
        "/",
        "/help/consent",
        "/help/objection",
        "/help/repair",
        "/sign-in",
        "/sign-up",
        "/lists/nope",
    ] {
        let p = v.get(path).await;
        assert!(p.body.contains("<html lang=\"en\""), "{path}");
        // Only the link back to Chinese is written in Chinese.
        let without_switch = p.body.replace("简体中文", "");
        assert!(!has_cjk(&without_switch), "{path} mixes languages");
    }
    // An off-site `back` is not followed.
    let evil = v.get("/language/zh-CN?back=//evil.example").await;
    assert_eq!(evil.location.as_deref(), Some("/me"));
}
