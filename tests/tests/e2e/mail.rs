//! Notices and email: templates by language with portal links, delivered
//! over real SMTP to a receiver started inside the test; outages, two
//! workers, dead letters and the operator's retry; the inbox with read
//! receipts; consent and "your data was queried" notices.

use std::collections::BTreeSet;

use chrono::Duration;
use entity::enums::EmailStatus;
use entity::{account, notice, outbox_email};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use xinyong::mail::worker;
use xinyong::service::demo;
use xinyong::service::notices::{self, NoticeKind};
use xinyong_tests::TestApp;
use xinyong_tests::demo::{
    agency_client, at, codes, enterprise, nodes, ok, operator, owner, person,
};
use xinyong_tests::smtp::SmtpServer;

/// 2026-11-21 12:00 in Beijing.
const NOW: &str = "2026-11-21T04:00:00Z";
const BASE: &str = "https://credit.example.cn";

async fn app_with(smtp: &SmtpServer, max_attempts: i32) -> TestApp {
    let app = TestApp::spawn_configured(at(NOW), |c| {
        smtp.configure(c);
        c.public_url = BASE.into();
        c.mail.max_attempts = max_attempts;
        c.mail.from = "信用平台 <noreply@credit.example.cn>".into();
    })
    .await;
    demo::seed(&app.state).await.expect("demo data seeds");
    app
}

/// Sends everything due (several passes, as the loop does).
async fn drain(app: &TestApp) -> worker::Pass {
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

async fn set_settings(app: &TestApp, token: &str, input: Value) {
    let r = app
        .graphql(
            "mutation($i: UpdateAccountSettingsInput!) { updateAccountSettings(input: $i) { settings { language queryNotices } userErrors { code } } }",
            json!({ "i": input }),
            Some(token),
        )
        .await;
    assert!(
        codes(&ok(&r)["updateAccountSettings"]).is_empty(),
        "{}",
        r.body
    );
}

const REQUEST: &str = "mutation($i: RequestConsentInput!) { requestConsent(input: $i) { \
     consents { id status } userErrors { field code message } } }";

async fn request_consent(app: &TestApp, purpose: &str) -> Value {
    let ag = agency_client(app).await;
    let r = app
        .graphql(
            REQUEST,
            json!({ "i": {
                "subjectIdentifier": demo::ENTERPRISE_USCC,
                "purposeCodes": [purpose],
                "purposeText": "授信审查 2026-0042",
                "scope": { "infoClasses": ["WARNING", "GOOD"] },
                "mode": "PERIODIC", "monthlyCap": 10,
            } }),
            Some(&ag),
        )
        .await;
    let p = ok(&r)["requestConsent"].clone();
    assert!(codes(&p).is_empty(), "{p}");
    p["consents"][0]["id"].clone()
}

async fn approve(app: &TestApp, token: &str, id: &Value) {
    let r = app
        .graphql(
            "mutation($i: ConsentIdInput!) { approveConsent(input: $i) { consent { status } userErrors { code } } }",
            json!({ "i": { "id": id } }),
            Some(token),
        )
        .await;
    assert_eq!(
        ok(&r)["approveConsent"]["consent"]["status"],
        "ACTIVE",
        "{}",
        r.body
    );
}

async fn account_by_email(app: &TestApp, email: &str) -> account::Model {
    account::Entity::find()
        .filter(account::Column::Email.eq(email))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the account")
}

async fn inbox(app: &TestApp, token: &str, unread_only: bool) -> Vec<Value> {
    let r = app
        .graphql(
            "query($u: Boolean!) { myNotices(first: 50, unreadOnly: $u) { edges { node { id kind title body link readAt read } } } myUnreadNoticeCount }",
            json!({ "u": unread_only }),
            Some(token),
        )
        .await;
    nodes(&ok(&r)["myNotices"]).into_iter().cloned().collect()
}

#[tokio::test]
async fn consent_notices_reach_the_subject_by_smtp_in_its_language_with_portal_links() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, 5).await;
    let own = owner(&app).await;
    set_settings(&app, &own, json!({ "language": "EN" })).await;

    let id = request_consent(&app, "credit_line_review").await;
    drain(&app).await;

    // The enterprise's owner (English) is told of the request, with a link to it.
    let mails = smtp.to(demo::ENTERPRISE_USER_EMAIL);
    assert_eq!(mails.len(), 1, "{:?}", smtp.messages());
    let m = &mails[0];
    assert_eq!(
        m.subject(),
        format!("{} asks for your consent", demo::AGENCY_NAME)
    );
    assert_eq!(m.mail_from, "noreply@credit.example.cn");
    let consent_id = xinyong_tests::demo::raw_id(&id);
    let link = format!("{BASE}/consents/{consent_id}");
    assert!(m.text().contains(&link), "{}", m.text());
    assert!(
        m.html().contains(&format!("href=\"{link}\"")),
        "{}",
        m.html()
    );
    assert!(m.html().contains("lang=\"en\""));
    // Nothing of the subject's identifiers or records is in it.
    assert!(!m.data.contains(demo::ENTERPRISE_USCC));

    // Approving it notifies again, once; the Chinese-speaking person got nothing.
    approve(&app, &own, &id).await;
    drain(&app).await;
    let mails = smtp.to(demo::ENTERPRISE_USER_EMAIL);
    assert_eq!(mails.len(), 2);
    assert!(mails[1].subject().starts_with("Consent given to"));
    assert!(smtp.to(demo::PERSON_USER_EMAIL).is_empty());

    // A Chinese-speaking recipient gets the zh-CN template.
    let pid = account_by_email(&app, demo::PERSON_USER_EMAIL).await.id;
    let txn = xinyong::service::begin_write(&app.state.db).await.unwrap();
    notices::notify(
        &txn,
        app.state.now(),
        notices::NewNotice {
            account_id: pid,
            subject_id: None,
            kind: NoticeKind::ObjectionReceived,
            params: json!({ "case_no": "YY-2026-0001", "record_title": "行政处罚", "due_on": "2026-11-26" }),
            link: Some("/cases/1".into()),
            dedupe_key: None,
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    drain(&app).await;
    let zh = smtp.to(demo::PERSON_USER_EMAIL);
    assert_eq!(zh.len(), 1);
    assert_eq!(zh[0].subject(), "异议申请已受理（YY-2026-0001）");
    assert!(zh[0].text().contains("2026-11-26"));
    assert!(zh[0].text().contains(&format!("{BASE}/cases/1")));
    assert!(zh[0].html().contains("lang=\"zh-CN\""));

    // Every email went once, each with its own Message-ID derived from its key.
    let ids: BTreeSet<String> = smtp.messages().iter().map(|m| m.message_id()).collect();
    assert_eq!(ids.len(), smtp.messages().len());
    let row = outbox_email::Entity::find()
        .filter(outbox_email::Column::ToAddress.eq(demo::PERSON_USER_EMAIL))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, EmailStatus::Sent);
    assert!(
        zh[0]
            .message_id()
            .contains(&xinyong::mail::transport::message_id(
                &row.idempotency_key,
                "noreply@credit.example.cn"
            ))
    );
}

/// Enqueues `n` notices (with email) to the enterprise's owner.
async fn enqueue(app: &TestApp, n: usize) {
    let acct = account_by_email(app, demo::ENTERPRISE_USER_EMAIL).await;
    let txn = xinyong::service::begin_write(&app.state.db).await.unwrap();
    for i in 0..n {
        notices::notify(
            &txn,
            app.state.now(),
            notices::NewNotice {
                account_id: acct.id,
                subject_id: None,
                kind: NoticeKind::DeadlineApproaching,
                params: json!({ "case_no": format!("C-{i}"), "milestone": "first check", "due_on": "2026-11-25" }),
                link: Some(format!("/cases/{i}")),
                dedupe_key: Some(format!("test:{i}")),
            },
        )
        .await
        .unwrap();
    }
    txn.commit().await.unwrap();
}

fn case_numbers(smtp: &SmtpServer) -> Vec<String> {
    let mut v: Vec<String> = smtp
        .to(demo::ENTERPRISE_USER_EMAIL)
        .iter()
        .map(|m| m.subject())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn an_smtp_outage_delays_notices_and_each_arrives_exactly_once_after() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, 8).await;
    smtp.stop().await;
    enqueue(&app, 3).await;

    // Down: every attempt fails and is put off by the backoff (60 s, 120 s, ...).
    let p = drain(&app).await;
    assert_eq!((p.sent, p.retrying, p.dead), (0, 3, 0));
    assert_eq!(
        drain(&app).await,
        worker::Pass::default(),
        "not due again yet"
    );
    app.clock.advance(Duration::seconds(61));
    let p = drain(&app).await;
    assert_eq!((p.sent, p.retrying), (0, 3));

    // Back: after the next backoff, everything goes, once.
    smtp.resume().await;
    app.clock.advance(Duration::seconds(60));
    assert_eq!(drain(&app).await.sent, 0, "the second backoff is 120 s");
    app.clock.advance(Duration::seconds(61));
    assert_eq!(drain(&app).await.sent, 3);
    app.clock.advance(Duration::hours(1));
    assert_eq!(drain(&app).await, worker::Pass::default());
    let expected: Vec<String> = (0..3)
        .map(|i| format!("Deadline approaching (C-{i})"))
        .collect();
    let zh: Vec<String> = (0..3).map(|i| format!("办理期限临近（C-{i}）")).collect();
    let got = case_numbers(&smtp);
    assert!(got == expected || got == zh, "{got:?}");
    let rows = outbox_email::Entity::find()
        .filter(outbox_email::Column::ToAddress.eq(demo::ENTERPRISE_USER_EMAIL))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(
        rows.iter()
            .all(|r| r.status == EmailStatus::Sent && r.attempts == 3)
    );
}

#[tokio::test]
async fn two_workers_send_each_email_exactly_once() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, 8).await;
    enqueue(&app, 12).await;
    let (a, b) = tokio::join!(drain(&app), drain(&app));
    assert_eq!(a.sent + b.sent, 12);
    let got = case_numbers(&smtp);
    assert_eq!(got.len(), 12, "{got:?}");
    let unique: BTreeSet<_> = got.iter().collect();
    assert_eq!(unique.len(), 12, "no email twice");
}

#[tokio::test]
async fn dead_letters_show_to_operators_and_a_retry_sends_them_once() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, 2).await;
    smtp.stop().await;
    enqueue(&app, 1).await;
    assert_eq!(drain(&app).await.retrying, 1);
    app.clock.advance(Duration::seconds(61));
    assert_eq!(drain(&app).await.dead, 1, "dead after max_attempts = 2");
    app.clock.advance(Duration::days(1));
    assert_eq!(
        drain(&app).await,
        worker::Pass::default(),
        "dead stays dead"
    );

    let q = "query($f: FailedEmailFilter!) { failedEmails(first: 10, filter: $f) { edges { node { id to status attempts lastError } } } }";
    let op = operator(&app).await;
    let r = app.graphql(q, json!({ "f": "DEAD" }), Some(&op)).await;
    let dead = nodes(&ok(&r)["failedEmails"])
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(dead.len(), 1, "{}", r.body);
    assert_eq!(dead[0]["status"], "DEAD");
    assert_eq!(dead[0]["attempts"], 2);
    assert!(!dead[0]["lastError"].as_str().unwrap_or("").is_empty());
    // Only operators see failed mail.
    let own = owner(&app).await;
    let r = app.graphql(q, json!({ "f": "ALL" }), Some(&own)).await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));

    let retry = "mutation($i: RetryEmailInput!) { retryEmail(input: $i) { email { status attempts } userErrors { code } } }";
    let r = app
        .graphql(retry, json!({ "i": { "id": dead[0]["id"] } }), Some(&own))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = app
        .graphql(retry, json!({ "i": { "id": dead[0]["id"] } }), Some(&op))
        .await;
    assert_eq!(ok(&r)["retryEmail"]["email"]["status"], "PENDING");
    smtp.resume().await;
    assert_eq!(drain(&app).await.sent, 1);
    assert_eq!(smtp.messages().len(), 1);
    let r = app
        .graphql(retry, json!({ "i": { "id": dead[0]["id"] } }), Some(&op))
        .await;
    assert_eq!(codes(&ok(&r)["retryEmail"]), ["EMAIL_ALREADY_SENT"]);
    let r = app.graphql(q, json!({ "f": "ALL" }), Some(&op)).await;
    assert!(nodes(&ok(&r)["failedEmails"]).is_empty());
}

#[tokio::test]
async fn the_inbox_keeps_read_receipts_and_is_private() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, 5).await;
    let own = owner(&app).await;
    let per = person(&app).await;
    enqueue(&app, 2).await;

    let unread = inbox(&app, &own, true).await;
    assert_eq!(unread.len(), 2);
    assert!(
        unread
            .iter()
            .all(|n| n["read"] == false && n["readAt"].is_null())
    );
    let first = unread[0]["id"].clone();

    let mark = "mutation($i: MarkNoticeReadInput!) { markNoticeRead(input: $i) { notice { readAt } unreadCount userErrors { code } } }";
    // Another account cannot read it, mark it, or fetch it by id.
    assert!(
        inbox(&app, &per, false)
            .await
            .iter()
            .all(|n| n["id"] != first)
    );
    let r = app
        .graphql(mark, json!({ "i": { "id": first } }), Some(&per))
        .await;
    assert_eq!(codes(&ok(&r)["markNoticeRead"]), ["NOTICE_NOT_FOUND"]);
    let r = app
        .graphql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": first }),
            Some(&per),
        )
        .await;
    assert!(ok(&r)["node"].is_null());
    let stored = notice::Entity::find()
        .filter(notice::Column::ReadAt.is_not_null())
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(stored.is_empty(), "the failed attempts changed nothing");

    // The receipt is the first read; reading again later does not move it.
    let r = app
        .graphql(mark, json!({ "i": { "id": first } }), Some(&own))
        .await;
    let p = ok(&r)["markNoticeRead"].clone();
    assert_eq!(p["unreadCount"], 1);
    let read_at = p["notice"]["readAt"].clone();
    assert_eq!(read_at, json!("2026-11-21T04:00:00+00:00"));
    app.clock.advance(Duration::hours(3));
    let own = owner(&app).await;
    let r = app
        .graphql(mark, json!({ "i": { "id": first } }), Some(&own))
        .await;
    assert_eq!(ok(&r)["markNoticeRead"]["notice"]["readAt"], read_at);
    assert_eq!(inbox(&app, &own, true).await.len(), 1);
    let r = app
        .graphql(
            "mutation { markAllNoticesRead { marked } }",
            json!({}),
            Some(&own),
        )
        .await;
    assert_eq!(ok(&r)["markAllNoticesRead"]["marked"], 1);
    assert!(inbox(&app, &own, true).await.is_empty());
    // Signed out, there is no inbox.
    let r = app
        .graphql("{ myUnreadNoticeCount }", json!({}), None)
        .await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));
}

const AGENCY_QUERY: &str = "query($id: String, $purpose: String!) {
  agencySubject(identifier: $id, purpose: $purpose, purposeText: \"申请编号 2026-1121\") { logged } }";

async fn agency_reads(app: &TestApp) {
    let ag = agency_client(app).await;
    let r = app
        .graphql(
            AGENCY_QUERY,
            json!({ "id": demo::ENTERPRISE_USCC, "purpose": "credit_line_review" }),
            Some(&ag),
        )
        .await;
    assert_eq!(ok(&r)["agencySubject"]["logged"], true, "{}", r.body);
}

fn kinds(inbox: &[Value]) -> Vec<String> {
    inbox
        .iter()
        .map(|n| n["kind"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn queries_are_notified_per_query_or_in_a_daily_digest_by_preference() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, 5).await;
    let own = owner(&app).await;
    let id = request_consent(&app, "credit_line_review").await;
    approve(&app, &own, &id).await;

    // Per query: a notice and an email each time.
    set_settings(
        &app,
        &own,
        json!({ "queryNotices": "EACH", "language": "EN" }),
    )
    .await;
    agency_reads(&app).await;
    agency_reads(&app).await;
    let got = kinds(&inbox(&app, &own, false).await);
    assert_eq!(got.iter().filter(|k| *k == "subject_queried").count(), 2);
    drain(&app).await;
    let queried: Vec<_> = smtp
        .to(demo::ENTERPRISE_USER_EMAIL)
        .into_iter()
        .filter(|m| m.subject().contains("queried your credit information"))
        .collect();
    assert_eq!(queried.len(), 2);
    assert!(queried[0].text().contains(demo::AGENCY_NAME));
    assert!(queried[0].text().contains("/query-log"));

    // Digest: no notice per query; the next day, one notice for the day.
    set_settings(&app, &own, json!({ "queryNotices": "DAILY_DIGEST" })).await;
    app.clock.advance(Duration::days(1));
    let own = owner(&app).await;
    agency_reads(&app).await;
    agency_reads(&app).await;
    agency_reads(&app).await;
    let got = kinds(&inbox(&app, &own, false).await);
    assert_eq!(got.iter().filter(|k| *k == "subject_queried").count(), 2);
    assert!(!got.contains(&"query_digest".to_string()));
    let e = enterprise(&app).await;
    let day = xinyong::domain::time::local_date(app.state.now());
    app.clock.advance(Duration::days(1));
    let own = owner(&app).await;
    xinyong::jobs::mail::notice_jobs_once(&app.state).await;
    xinyong::jobs::mail::notice_jobs_once(&app.state).await;
    let digests: Vec<_> = inbox(&app, &own, false)
        .await
        .into_iter()
        .filter(|n| n["kind"] == "query_digest")
        .collect();
    assert_eq!(
        digests.len(),
        1,
        "one digest a day, even when the job runs twice"
    );
    assert_eq!(digests[0]["title"], format!("Queries of {day}"));
    assert!(digests[0]["body"].as_str().unwrap().contains("3 times"));
    assert!(digests[0]["body"].as_str().unwrap().contains(&e.name));

    // None: nothing at all.
    set_settings(&app, &own, json!({ "queryNotices": "NONE" })).await;
    agency_reads(&app).await;
    app.clock.advance(Duration::days(1));
    let own = owner(&app).await;
    xinyong::jobs::mail::notice_jobs_once(&app.state).await;
    let got = kinds(&inbox(&app, &own, false).await);
    assert_eq!(got.iter().filter(|k| *k == "subject_queried").count(), 2);
    assert_eq!(got.iter().filter(|k| *k == "query_digest").count(), 1);
}

#[tokio::test]
async fn a_consent_nearing_its_end_is_reminded_once() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, 5).await;
    let own = owner(&app).await;
    let id = request_consent(&app, "guarantee").await;
    approve(&app, &own, &id).await;
    let c = entity::consent::Entity::find_by_id(xinyong_tests::demo::raw_id(&id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let expiring = |inbox: &[Value]| {
        inbox
            .iter()
            .filter(|n| n["kind"] == "consent_expiring")
            .count()
    };
    app.clock.set(c.valid_until - Duration::days(8));
    xinyong::jobs::mail::notice_jobs_once(&app.state).await;
    let own = owner(&app).await;
    assert_eq!(expiring(&inbox(&app, &own, false).await), 0, "not yet");
    app.clock.set(c.valid_until - Duration::days(6));
    xinyong::jobs::mail::notice_jobs_once(&app.state).await;
    app.clock.advance(Duration::days(1));
    xinyong::jobs::mail::notice_jobs_once(&app.state).await;
    let own = owner(&app).await;
    let all = inbox(&app, &own, false).await;
    assert_eq!(expiring(&all), 1, "once per consent");
    let n = all
        .iter()
        .find(|n| n["kind"] == "consent_expiring")
        .unwrap();
    let until = xinyong::domain::time::local_date(c.valid_until).to_string();
    assert!(n["body"].as_str().unwrap().contains(&until), "{n}");
}

// ---------------------------------------------------------------------------
// Case notices: every kind, end to end, carries the real facts

/// The message to `to` whose subject starts with `prefix` (exactly one).
fn one(smtp: &SmtpServer, to: &str, prefix: &str) -> xinyong_tests::smtp::Received {
    let found: Vec<_> = smtp
        .to(to)
        .into_iter()
        .filter(|m| m.subject().starts_with(prefix))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{prefix:?} to {to}: {:?}",
        smtp.to(to).iter().map(|m| m.subject()).collect::<Vec<_>>()
    );
    found.into_iter().next().expect("one message")
}

/// Asserts that a delivered message says every one of `facts`, in its
/// subject or text, and has no unfilled parameter ("—").
fn says(m: &xinyong_tests::smtp::Received, facts: &[&str]) {
    let all = format!("{}\n{}", m.subject(), m.text());
    assert!(!all.contains('—'), "an unfilled parameter: {all}");
    for f in facts {
        assert!(all.contains(f), "{f:?} missing from: {all}");
    }
}

async fn gql(app: &TestApp, token: &str, doc: &str, vars: Value) -> Value {
    let r = app.graphql(doc, vars, Some(token)).await;
    ok(&r).clone()
}

async fn file_objection(app: &TestApp, token: &str, record: i64) -> String {
    let d = gql(
        app,
        token,
        "mutation($i: FileObjectionInput!) { fileObjection(input: $i) { objection { id } userErrors { code } } }",
        json!({ "i": { "record": xinyong::graphql::node::global_id(xinyong::graphql::node::NodeType::CreditRecord, record).0,
            "reason": "FACTUAL_ERROR", "statement": "处罚认定事实有误" } }),
    )
    .await;
    d["fileObjection"]["objection"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("objection filed: {d}"))
        .to_string()
}

/// Applies for repair through the use case (the proof upload is covered by
/// the cases tests); returns the application's id.
async fn apply_for_repair(app: &TestApp, token: &str, record: i64) -> i64 {
    use xinyong::service::cases::{attachments, repairs};
    let actor = xinyong::service::auth::authenticate(&app.state, token)
        .await
        .expect("the owner's token");
    let letter = repairs::letter(&app.state, &actor, record)
        .await
        .expect("the letter");
    let a = repairs::apply(
        &app.state,
        &actor,
        &xinyong::auth::RequestMeta::default(),
        repairs::NewApplication {
            record_id: record,
            commitment_sha256: letter.sha256,
            accepted_by: "林晓峰".into(),
            statement: None,
            proofs: vec![attachments::Upload {
                file_name: "缴款凭证.pdf".into(),
                bytes: b"%PDF-1.7\n1 0 obj\n".to_vec(),
            }],
        },
    )
    .await
    .expect("the application is filed");
    a.id
}

#[tokio::test]
async fn case_notices_carry_case_number_record_due_day_and_outcome() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, 5).await;
    let own = owner(&app).await;
    set_settings(&app, &own, json!({ "language": "EN" })).await;
    let op = operator(&app).await;
    let st = xinyong_tests::demo::staff(&app).await;
    let penalty = xinyong_tests::demo::record(&app, "SCJG-2026-000102").await;
    let licence = xinyong_tests::demo::record(&app, "SCJG-2024-000101").await;
    let title = penalty.title.as_str();
    let owner_to = demo::ENTERPRISE_USER_EMAIL;
    let (op_to, st_to) = (demo::OPERATOR_EMAIL, demo::STAFF_EMAIL);

    // Objection: received (Sat Nov 21 + 3 WD = Wed Nov 25), referred (+20 WD
    // = Fri Dec 18), upheld; then a complaint, answered.
    let oid = file_objection(&app, &own, penalty.id).await;
    let no = format!("YY-2026-{:04}", xinyong_tests::demo::raw_id(&json!(oid)));
    gql(
        &app,
        &op,
        "mutation($i: CheckObjectionInput!) { checkObjection(input: $i) { userErrors { code } } }",
        json!({ "i": { "objection": oid, "decision": "REFER" } }),
    )
    .await;
    gql(&app, &st, "mutation($i: DecideObjectionInput!) { decideObjection(input: $i) { userErrors { code } } }",
        json!({ "i": { "objection": oid, "answer": "UPHOLD", "reason": "经复核，认定事实清楚" } })).await;
    let d = gql(&app, &own, "mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { complaint { id } userErrors { code } } }",
        json!({ "i": { "case": oid, "statement": "核查未听取我方陈述" } })).await;
    let cid = d["fileComplaint"]["complaint"]["id"].clone();
    let cno = format!("TS-2026-{:04}", xinyong_tests::demo::raw_id(&cid));
    gql(&app, &op, "mutation($i: DecideComplaintInput!) { decideComplaint(input: $i) { userErrors { code } } }",
        json!({ "i": { "complaint": cid, "founded": false, "reason": "核查程序合法" } })).await;
    // A second objection, withdrawn.
    let wid = file_objection(&app, &own, licence.id).await;
    let wno = format!("YY-2026-{:04}", xinyong_tests::demo::raw_id(&json!(wid)));
    gql(
        &app,
        &own,
        "mutation($i: WithdrawCaseInput!) { withdrawObjection(input: $i) { userErrors { code } } }",
        json!({ "i": { "id": wid } }),
    )
    .await;
    drain(&app).await;

    says(
        &one(&smtp, owner_to, &format!("Objection received ({no})")),
        &[title, "2026-11-25"],
    );
    says(
        &one(&smtp, op_to, &format!("新的待办案件（{no}）")),
        &["平台初步审查", "2026-11-25"],
    );
    says(
        &one(
            &smtp,
            owner_to,
            &format!("Objection referred to the providing department ({no})"),
        ),
        &[
            title,
            "Fuzhou Administration for Market Regulation",
            "2026-12-18",
        ],
    );
    says(
        &one(&smtp, st_to, &format!("新的待办案件（{no}）")),
        &["信息提供单位核查", "2026-12-18"],
    );
    says(
        &one(
            &smtp,
            owner_to,
            &format!("Decision on your objection ({no})"),
        ),
        &[title, "the record was verified and stands"],
    );
    says(
        &one(&smtp, owner_to, &format!("Complaint received ({cno})")),
        &["2026-12-18"],
    );
    says(
        &one(&smtp, op_to, &format!("新的待办案件（{cno}）")),
        &["投诉处理", "2026-12-18"],
    );
    says(
        &one(
            &smtp,
            owner_to,
            &format!("Decision on your complaint ({cno})"),
        ),
        &["not founded"],
    );
    says(
        &one(&smtp, owner_to, &format!("Objection withdrawn ({wno})")),
        &[licence.title.as_str()],
    );
    says(
        &one(&smtp, op_to, &format!("异议已撤回（{wno}）")),
        &[licence.title.as_str()],
    );

    // Repair: received, reminders to the department, escalation, rejected;
    // a second application withdrawn.
    let aid = apply_for_repair(&app, &own, penalty.id).await;
    let ano = format!("XF-2026-{aid:04}");
    drain(&app).await;
    says(
        &one(
            &smtp,
            owner_to,
            &format!("Credit repair application received ({ano})"),
        ),
        &[title, "2026-12-18"],
    );
    says(
        &one(&smtp, st_to, &format!("新的待办案件（{ano}）")),
        &["信用修复决定", "2026-12-18"],
    );
    for (day, prefix, to) in [
        ("2026-12-16T02:00:00Z", "办理期限临近", st_to),
        ("2026-12-18T02:00:00Z", "今日到期", st_to),
        ("2026-12-19T02:00:00Z", "案件已逾期", op_to),
    ] {
        app.clock.set(at(day));
        xinyong::jobs::deadlines::sweep(&app.state)
            .await
            .expect("sweep");
        drain(&app).await;
        says(
            &one(&smtp, to, &format!("{prefix}（{ano}）")),
            &["信用修复决定", "2026-12-18"],
        );
    }
    let st = xinyong_tests::demo::staff(&app).await;
    let own = owner(&app).await;
    let a = xinyong::graphql::cases::case_id(entity::enums::CaseKind::Repair, aid);
    gql(&app, &st, "mutation($i: DecideRepairInput!) { decideRepairApplication(input: $i) { userErrors { code } } }",
        json!({ "i": { "application": a, "approve": false, "reason": "缴款凭证不清晰", "howToReapply": "提交银行盖章凭证" } })).await;
    let bid = apply_for_repair(&app, &own, penalty.id).await;
    let bno = format!("XF-2026-{bid:04}");
    let b = xinyong::graphql::cases::case_id(entity::enums::CaseKind::Repair, bid);
    gql(&app, &own, "mutation($i: WithdrawCaseInput!) { withdrawRepairApplication(input: $i) { userErrors { code } } }",
        json!({ "i": { "id": b } })).await;
    drain(&app).await;
    says(
        &one(
            &smtp,
            owner_to,
            &format!("Decision on your credit repair ({ano})"),
        ),
        &[
            title,
            "rejected: the reasons and how to apply again are on the case page",
        ],
    );
    says(
        &one(
            &smtp,
            owner_to,
            &format!("Repair application withdrawn ({bno})"),
        ),
        &[title],
    );
    says(
        &one(&smtp, st_to, &format!("信用修复申请已撤回（{bno}）")),
        &[title],
    );

    // No case email anyone got has an unfilled parameter.
    for m in smtp.messages() {
        assert!(!m.text().contains('—'), "{}: {}", m.subject(), m.text());
    }
}
