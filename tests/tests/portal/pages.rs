//! The portal's pages beyond the journey, over plain HTTP: reads logged as
//! the portal's, record content under the catalogue's labels, credit
//! repair with the commitment letter, password reset by an emailed link,
//! the inbox and settings, and the operator's overdue and failed-email
//! views with a retry that delivers.

use chrono::Duration;
use entity::enums::Channel;
use serde_json::{Value, json};
use xinyong::mail::worker;
use xinyong::service::demo as d;
use xinyong_tests::TestApp;
use xinyong_tests::demo::{self, at, ok};
use xinyong_tests::smtp::SmtpServer;

use crate::{Page, Visitor};

const NOW: &str = "2026-11-21T04:00:00Z";
const BASE: &str = "https://credit.example.cn";

/// The demo platform sending mail to `smtp`, giving up on an email after
/// `max_attempts`.
async fn app_with(smtp: &SmtpServer, max_attempts: i32) -> TestApp {
    let app = TestApp::spawn_configured(at(NOW), |c| {
        smtp.configure(c);
        c.public_url = BASE.into();
        c.mail.max_attempts = max_attempts;
    })
    .await;
    xinyong::service::demo::seed(&app.state)
        .await
        .expect("demo data seeds");
    app
}

/// Runs the outbox worker until nothing is due.
pub async fn drain(app: &TestApp) -> worker::Pass {
    let mut total = worker::Pass::default();
    for _ in 0..20 {
        let p = worker::run_once(&app.state).await.expect("a worker pass");
        total.sent += p.sent;
        total.retrying += p.retrying;
        total.dead += p.dead;
        if p.sent + p.retrying + p.dead == 0 {
            break;
        }
    }
    total
}

/// The `token` of the last link to `path` emailed to `to`.
fn token_from(smtp: &SmtpServer, to: &str, path: &str) -> String {
    let m = smtp.to(to).into_iter().last().expect("an email");
    let text = m.text();
    let prefix = format!("{BASE}{path}?token=");
    let start = text
        .find(&prefix)
        .unwrap_or_else(|| panic!("a link in {text}"))
        + prefix.len();
    text[start..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("")
        .to_string()
}

/// A multipart body: text fields, then files as (field, name, type, bytes).
pub(crate) fn multipart(
    boundary: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (field, name, ct, bytes) in files {
        b.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    b
}

pub(crate) async fn post_multipart(v: &Visitor, path: &str, body: Vec<u8>, boundary: &str) -> Page {
    let resp = v
        .http
        .post(format!("{}{path}", v.base))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("the portal answers");
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Page {
        status,
        location,
        body: resp.text().await.unwrap_or_default(),
    }
}

/// 陈美华's records with what the API says about repairing each.
pub async fn chen_records(app: &TestApp) -> Vec<Value> {
    let token = demo::person(app).await;
    let chen = demo::subject_gid(&demo::chen(app).await);
    let r = app
        .graphql(
            "query($id:ID!){node(id:$id){... on Subject{records(first:50){nodes{id title content category{code contentFields{key titleZh titleEn}} repairEligibility{status}}}}}}",
            json!({ "id": chen }),
            Some(&token),
        )
        .await;
    ok(&r)["node"]["records"]["nodes"]
        .as_array()
        .expect("records")
        .clone()
}

#[tokio::test]
async fn reads_made_through_the_portal_are_logged_with_channel_portal() {
    let app = TestApp::spawn_with_demo().await;
    let chen = demo::chen(&app).await;
    let record = chen_records(&app).await[0]["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let before = demo::logs(&app, chen.id).await.len();

    let v = Visitor::new(&app);
    v.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    let page = v.get(&format!("/records/{record}")).await;
    assert_eq!(page.status, 200, "{}", page.body);

    let rows = demo::logs(&app, chen.id).await;
    let new: Vec<_> = rows[before..].iter().collect();
    assert!(!new.is_empty(), "opening a record page writes a log row");
    assert!(
        new.iter().all(|r| r.channel == Channel::Portal),
        "{:?}",
        new.iter().map(|r| r.channel).collect::<Vec<_>>()
    );
    assert_eq!(
        new.last().map(|r| r.purpose_code.as_str()),
        Some("subject_own_view")
    );

    // The same read through /graphql stays an API read.
    let n = rows.len();
    chen_records(&app).await;
    let rows = demo::logs(&app, chen.id).await;
    assert!(rows.len() > n);
    assert!(rows[n..].iter().all(|r| r.channel == Channel::Api));
}

#[tokio::test]
async fn a_record_page_shows_content_under_the_catalogue_labels_in_both_languages() {
    let app = TestApp::spawn_with_demo().await;
    let records = chen_records(&app).await;
    // A record whose content has at least one catalogued field.
    let (rec, field) = records
        .iter()
        .find_map(|r| {
            let content = r["content"].as_object()?;
            let f = r["category"]["contentFields"]
                .as_array()?
                .iter()
                .find(|f| f["key"].as_str().is_some_and(|k| content.contains_key(k)))?;
            Some((r.clone(), f.clone()))
        })
        .expect("a record with catalogued content");
    let key = field["key"].as_str().expect("a key");
    let (zh, en) = (
        field["titleZh"].as_str().expect("zh"),
        field["titleEn"].as_str().expect("en"),
    );
    assert!(!zh.is_empty() && !en.is_empty() && zh != en);
    let path = format!("/records/{}", rec["id"].as_str().expect("an id"));

    let v = Visitor::new(&app);
    v.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    let page = v.get(&path).await;
    assert!(
        page.body.contains(&format!("<dt>{zh}</dt>")),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains(&format!("<dt>{key}</dt>")),
        "raw key shown"
    );
    assert!(v.get("/language/en?back=/").await.status < 400);
    let page = v.get(&path).await;
    assert!(
        page.body.contains(&format!("<dt>{en}</dt>")),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_repair_application_accepts_the_commitment_letter_and_shows_its_clock() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, 5).await;
    let records = chen_records(&app).await;
    let eligible = records
        .iter()
        .find(|r| r["repairEligibility"]["status"] == "ELIGIBLE")
        .unwrap_or_else(|| panic!("a repairable record in {records:?}"));
    let record = eligible["id"].as_str().expect("an id");
    let never = records
        .iter()
        .find(|r| r["repairEligibility"]["status"] == "NEVER")
        .expect("a record that cannot be repaired");

    let v = Visitor::new(&app);
    v.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    // The record page leads to the form; the form shows the letter.
    let page = v.get(&format!("/records/{record}")).await;
    assert!(
        page.body.contains(&format!("/records/{record}/repair")),
        "{}",
        page.body
    );
    let form = v.get(&format!("/records/{record}/repair")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("信用承诺书"), "{}", form.body);
    let token = demo::person(&app).await;
    let letter = app
        .graphql(
            "query($r:ID!){repairCommitmentLetter(record:$r){text sha256}}",
            json!({ "r": record }),
            Some(&token),
        )
        .await;
    let sha = ok(&letter)["repairCommitmentLetter"]["sha256"]
        .as_str()
        .expect("a hash")
        .to_string();
    assert!(
        form.body.contains(&sha),
        "the form carries the letter's hash"
    );
    // A record that can never be repaired has no form.
    let none = v
        .get(&format!(
            "/records/{}/repair",
            never["id"].as_str().expect("an id")
        ))
        .await;
    assert_eq!(none.status, 422);
    assert!(!none.body.contains("name=\"commitment\""));

    // Not accepted, no signer, no proof: refused, with what was typed kept.
    let csrf = form.csrf();
    let boundary = "xinyong-repair-boundary";
    let body = multipart(
        boundary,
        &[
            ("csrf", &csrf),
            ("commitment", &sha),
            ("statement", "罚款已缴清。"),
        ],
        &[],
    );
    let r = post_multipart(&v, &format!("/records/{record}/repair"), body, boundary).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for id in ["accept-error", "acceptedBy-error", "proofs-error"] {
        assert!(r.body.contains(&format!("id=\"{id}\"")), "{id}: {}", r.body);
    }
    assert!(r.body.contains("罚款已缴清。"));

    // Accepted, signed, with a receipt: filed, and its page shows the clock.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let body = multipart(
        boundary,
        &[
            ("csrf", &csrf),
            ("commitment", &sha),
            ("accept", "true"),
            ("acceptedBy", d::PERSON_NAME),
            ("statement", "罚款已缴清。"),
        ],
        &[("proofs", "缴款凭证.pdf", "application/pdf", pdf)],
    );
    let r = post_multipart(&v, &format!("/records/{record}/repair"), body, boundary).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.location.expect("a redirect");
    assert!(
        to.starts_with("/repairs/") && to.ends_with("?done=filed"),
        "{to}"
    );
    let page = v.get(&to).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for text in ["缴款凭证.pdf", &sha, d::PERSON_NAME, "修复决定"] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    let mine = app
        .graphql(
            "{myCases{repairApplications{id commitmentSha256 commitmentAcceptedBy status}}}",
            json!({}),
            Some(&token),
        )
        .await;
    let apps = ok(&mine)["myCases"]["repairApplications"].clone();
    assert_eq!(apps[0]["commitmentSha256"], sha.as_str());
    assert_eq!(apps[0]["status"], "RECEIVED");

    // Another subject's user cannot open it.
    let other = Visitor::new(&app);
    other
        .sign_in(d::ENTERPRISE_USER_EMAIL, d::DEMO_PASSWORD)
        .await;
    let path = to.split('?').next().unwrap_or("");
    assert_eq!(other.get(path).await.status, 404);

    // The inbox has the receipt notice; opening it records the read.
    let inbox = v.get("/inbox").await;
    assert_eq!(inbox.status, 200);
    // The receipt's notice: its link is the one before its title.
    let title_at = inbox
        .body
        .find("信用修复申请已受理")
        .unwrap_or_else(|| panic!("the receipt notice in {}", inbox.body));
    let marker = "href=\"/inbox/";
    let start = inbox.body[..title_at].rfind(marker).expect("its link") + "href=\"".len();
    let href: String = inbox.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let notice = v.get(&href).await;
    assert_eq!(notice.status, 200, "{}", notice.body);
    assert!(notice.body.contains("已读于"), "{}", notice.body);
    // The notice's link (a database number, as in the email) leads to the
    // application's page.
    // (Leptos writes `href` before `class`.)
    let button = notice
        .body
        .find("class=\"button\"")
        .expect("the notice's link");
    let at = notice.body[..button].rfind("href=\"").expect("its href") + "href=\"".len();
    let link: String = notice.body[at..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    assert!(link.starts_with("/cases/repairs/"), "{link}");
    let hop = v.get(&link).await;
    assert_eq!(hop.status, 303, "{link}: {}", hop.body);
    assert_eq!(hop.location.as_deref(), Some(path), "{link}");
    let unread = app
        .graphql("{myUnreadNoticeCount}", json!({}), Some(&token))
        .await;
    let inbox_after = v.get("/inbox").await;
    assert!(
        inbox_after.body.matches("notice-item unread").count()
            < inbox.body.matches("notice-item unread").count(),
        "{}",
        ok(&unread)
    );
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_the_emailed_link_once() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, 5).await;
    let v = Visitor::new(&app);
    let page = v.get("/sign-in").await;
    assert!(page.body.contains("href=\"/forgot-password\""));
    let form = v.get("/forgot-password").await;
    let r = v
        .post(
            "/forgot-password",
            &[("csrf", &form.csrf()), ("email", d::PERSON_USER_EMAIL)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The same answer for an address nobody has, and no email for it.
    let r2 = v
        .post(
            "/forgot-password",
            &[("csrf", &form.csrf()), ("email", "nobody@example.cn")],
        )
        .await;
    assert_eq!(r2.status, 200);
    let strip = |b: &str| b.split("<main").nth(1).unwrap_or("").to_string();
    assert_eq!(strip(&r.body), strip(&r2.body));
    drain(&app).await;
    assert!(smtp.to("nobody@example.cn").is_empty());
    let token = token_from(&smtp, d::PERSON_USER_EMAIL, "/account/reset-password");

    // A signed-in browser elsewhere is signed out by the reset.
    let other = Visitor::new(&app);
    other.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;

    let reset = v
        .get(&format!("/account/reset-password?token={token}"))
        .await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    let weak = v
        .post(
            "/account/reset-password",
            &[
                ("csrf", &reset.csrf()),
                ("token", &token),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status, 422);
    assert!(weak.body.contains("id=\"password-error\""), "{}", weak.body);
    let new_password = "lantern river morning 2027";
    let done = v
        .post(
            "/account/reset-password",
            &[
                ("csrf", &reset.csrf()),
                ("token", &token),
                ("password", new_password),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/sign-in?done=reset"));
    v.sign_in(d::PERSON_USER_EMAIL, new_password).await;
    assert_eq!(other.get("/me").await.status, 303, "the old session ended");

    // The link works once.
    let again = v
        .post(
            "/account/reset-password",
            &[
                ("csrf", &v.get("/sign-up").await.csrf()),
                ("token", &token),
                ("password", "another long passphrase 9"),
            ],
        )
        .await;
    assert_eq!(again.status, 422, "{}", again.body);
    assert!(again.body.contains("链接无效或已过期"));
}

#[tokio::test]
async fn settings_change_the_language_and_notice_preferences() {
    let app = TestApp::spawn_with_demo().await;
    let v = Visitor::new(&app);
    v.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    let form = v.get("/settings").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains(d::PERSON_USER_EMAIL));
    let r = v
        .post(
            "/settings",
            &[
                ("csrf", &form.csrf()),
                ("language", "EN"),
                ("queryNotices", "DAILY_DIGEST"),
                ("emailConsentNotices", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let me = v.get("/me?done=saved").await;
    assert!(me.body.contains("Settings saved."), "{}", me.body);
    let token = demo::person(&app).await;
    let s = app
        .graphql(
            "{mySettings{language queryNotices emailCaseNotices emailConsentNotices}}",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(
        ok(&s)["mySettings"],
        json!({ "language": "EN", "queryNotices": "DAILY_DIGEST", "emailCaseNotices": false, "emailConsentNotices": true })
    );
    // The form shows what was saved.
    let form = v.get("/settings").await;
    let input = |id: &str| -> String {
        let at = form.body.find(&format!("id=\"{id}\"")).expect("the input");
        let start = form.body[..at].rfind('<').unwrap_or(at);
        form.body[start..]
            .chars()
            .take_while(|c| *c != '>')
            .collect()
    };
    assert!(input("queryNotices-DAILY_DIGEST").contains("checked"));
    assert!(!input("queryNotices-EACH").contains("checked"));
    assert!(input("emailConsentNotices").contains("checked"));
    assert!(input("language-en").contains("checked"));
}

#[tokio::test]
async fn operators_see_overdue_milestones_and_retry_failed_emails() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, 1).await;
    // An email that cannot be delivered: given up after one attempt.
    smtp.stop().await;
    let v = Visitor::new(&app);
    let form = v.get("/forgot-password").await;
    v.post(
        "/forgot-password",
        &[("csrf", &form.csrf()), ("email", d::PERSON_USER_EMAIL)],
    )
    .await;
    assert_eq!(drain(&app).await.dead, 1);

    // An objection left unchecked past its 3 working days.
    let token = demo::person(&app).await;
    let record = chen_records(&app).await[0]["id"].clone();
    let r = app
        .graphql(
            "mutation($i:FileObjectionInput!){fileObjection(input:$i){objection{id} userErrors{code}}}",
            json!({ "i": { "record": record, "reason": "FACTUAL_ERROR", "statement": "有误", "evidence": [] } }),
            Some(&token),
        )
        .await;
    assert!(
        ok(&r)["fileObjection"]["userErrors"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "{}",
        r.body
    );
    app.clock.advance(Duration::days(10));

    let op = Visitor::new(&app);
    op.sign_in(d::OPERATOR_EMAIL, d::DEMO_PASSWORD).await;
    let overdue = op.get("/staff/overdue").await;
    assert_eq!(overdue.status, 200, "{}", overdue.body);
    assert!(
        overdue.body.contains("class=\"overdue\""),
        "{}",
        overdue.body
    );
    assert!(overdue.body.contains("平台初步核查"), "{}", overdue.body);

    let emails = op.get("/staff/emails").await;
    assert_eq!(emails.status, 200, "{}", emails.body);
    assert!(emails.body.contains("已放弃"), "{}", emails.body);
    let marker = "action=\"/staff/emails/";
    let start = emails.body.find(marker).expect("a retry button") + "action=\"".len();
    let action: String = emails.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    // Nobody else may retry.
    let chen = Visitor::new(&app);
    chen.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    assert_eq!(chen.get("/staff/emails").await.status, 404);

    smtp.resume().await;
    let r = op.post(&action, &[("csrf", &emails.csrf())]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    // The retried email goes out (with whatever else was queued meanwhile).
    assert!(drain(&app).await.sent >= 1);
    let resets = smtp
        .to(d::PERSON_USER_EMAIL)
        .into_iter()
        .filter(|m| m.subject().contains("重置密码"))
        .count();
    assert_eq!(resets, 1);
    let emails = op.get("/staff/emails?done=retried").await;
    assert!(
        emails.body.contains("邮件已重新排队发送"),
        "{}",
        emails.body
    );
    assert!(!emails.body.contains(&action), "{}", emails.body);
}
