//! Account flows that need email, end to end over GraphQL and real SMTP:
//! sign-up verification, password reset by link, identity binding by a code
//! to the registered contact (right, wrong and throttled, expired), the
//! staff-checked document route, and owners managing agents.

use chrono::Duration;
use entity::{audit_event, subject};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use xinyong::mail::worker;
use xinyong::service::demo;
use xinyong_tests::TestApp;
use xinyong_tests::demo::{at, codes, ok, operator, owner, subject_gid};
use xinyong_tests::smtp::SmtpServer;

const NOW: &str = "2026-11-21T04:00:00Z";
const BASE: &str = "https://credit.example.cn";
const PASSWORD: &str = "river-stone-lantern-42";

async fn app_with(smtp: &SmtpServer) -> TestApp {
    let app = TestApp::spawn_configured(at(NOW), |c| {
        smtp.configure(c);
        c.public_url = BASE.into();
    })
    .await;
    demo::seed(&app.state).await.expect("demo data seeds");
    app
}

async fn drain(app: &TestApp) {
    for _ in 0..10 {
        let p = worker::run_once(&app.state).await.expect("a worker pass");
        if p.sent + p.retrying + p.dead == 0 {
            break;
        }
    }
}

async fn mutate(
    app: &TestApp,
    name: &str,
    input_type: &str,
    fields: &str,
    input: Value,
    token: Option<&str>,
) -> Value {
    let q = format!(
        "mutation($i: {input_type}!) {{ {name}(input: $i) {{ {fields} userErrors {{ field code message }} }} }}"
    );
    let r = app.graphql(&q, json!({ "i": input }), token).await;
    assert!(r.body["errors"].is_null(), "{name}: {}", r.body);
    r.body["data"][name].clone()
}

async fn sign_up(app: &TestApp, email: &str, lang: &str) -> String {
    let p = mutate(
        app,
        "signUp",
        "SignUpInput",
        "account { id }",
        json!({ "email": email, "displayName": "林晓", "password": PASSWORD, "language": lang }),
        None,
    )
    .await;
    assert!(codes(&p).is_empty(), "{p}");
    app.login(email, PASSWORD).await.0
}

/// The `token` query parameter of the last link emailed to `to` with `path`.
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

fn code_from(smtp: &SmtpServer, to: &str) -> String {
    let m = smtp.to(to).into_iter().last().expect("a code email");
    let subject = m.subject();
    subject
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect::<String>()
}

async fn settings(app: &TestApp, token: &str) -> Value {
    let r = app
        .graphql(
            "{ mySettings { emailVerified language queryNotices } }",
            json!({}),
            Some(token),
        )
        .await;
    ok(&r)["mySettings"].clone()
}

#[tokio::test]
async fn sign_up_sends_a_verification_link_that_works_once() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp).await;
    let t = sign_up(&app, "lin.xiao@example.cn", "EN").await;
    assert_eq!(settings(&app, &t).await["emailVerified"], false);
    drain(&app).await;
    let mails = smtp.to("lin.xiao@example.cn");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject(), "Please verify your email address");
    let token = token_from(&smtp, "lin.xiao@example.cn", "/account/verify-email");

    let verify = |tok: String| {
        let app = &app;
        async move {
            mutate(
                app,
                "verifyEmail",
                "VerifyEmailInput",
                "account { email }",
                json!({ "token": tok }),
                None,
            )
            .await
        }
    };
    assert_eq!(codes(&verify("garbage".into()).await), ["TOKEN_INVALID"]);
    let p = verify(token.clone()).await;
    assert_eq!(p["account"]["email"], "lin.xiao@example.cn", "{p}");
    assert_eq!(settings(&app, &t).await["emailVerified"], true);
    assert_eq!(codes(&verify(token).await), ["TOKEN_INVALID"], "single use");
    // Verified: no new link.
    let r = app
        .graphql(
            "mutation { requestEmailVerification { sentTo userErrors { code } } }",
            json!({}),
            Some(&t),
        )
        .await;
    assert_eq!(
        codes(&ok(&r)["requestEmailVerification"]),
        ["EMAIL_ALREADY_VERIFIED"]
    );
}

#[tokio::test]
async fn a_password_is_reset_by_an_emailed_link_once_and_sessions_end() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp).await;
    let old = owner(&app).await;
    let ask = |email: &'static str| {
        let app = &app;
        async move {
            mutate(
                app,
                "requestPasswordReset",
                "RequestPasswordResetInput",
                "accepted",
                json!({ "email": email }),
                None,
            )
            .await
        }
    };
    // An unknown email gets the same answer and no mail.
    assert_eq!(ask("nobody@example.cn").await["accepted"], true);
    assert_eq!(ask("OWNER@minjiang-dianzi.demo").await["accepted"], true);
    drain(&app).await;
    assert!(smtp.to("nobody@example.cn").is_empty());
    let mails = smtp.to(demo::ENTERPRISE_USER_EMAIL);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject(), "重置密码");
    let token = token_from(
        &smtp,
        demo::ENTERPRISE_USER_EMAIL,
        "/account/reset-password",
    );

    let reset = |tok: String, pw: &'static str| {
        let app = &app;
        async move {
            mutate(
                app,
                "resetPassword",
                "ResetPasswordInput",
                "account { email }",
                json!({ "token": tok, "newPassword": pw }),
                None,
            )
            .await
        }
    };
    assert_eq!(
        codes(&reset(token.clone(), "short").await),
        ["PASSWORD_TOO_SHORT"]
    );
    let p = reset(token.clone(), "new-lantern-river-2027").await;
    assert!(codes(&p).is_empty(), "{p}");
    assert_eq!(
        codes(&reset(token, "another-lantern-2028").await),
        ["TOKEN_INVALID"]
    );
    // The old session is over; the new password works, the old does not.
    let r = app
        .graphql("{ mySettings { language } }", json!({}), Some(&old))
        .await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));
    app.login(demo::ENTERPRISE_USER_EMAIL, "new-lantern-river-2027")
        .await;
    let r = app
        .graphql(
            "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
            json!({ "i": { "email": demo::ENTERPRISE_USER_EMAIL, "password": demo::DEMO_PASSWORD } }),
            None,
        )
        .await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));

    // A link older than an hour has expired.
    ask("owner@minjiang-dianzi.demo").await;
    drain(&app).await;
    let late = token_from(
        &smtp,
        demo::ENTERPRISE_USER_EMAIL,
        "/account/reset-password",
    );
    app.clock.advance(Duration::minutes(61));
    assert_eq!(
        codes(&reset(late, "late-lantern-river-2029").await),
        ["TOKEN_EXPIRED"]
    );
}

async fn court_defaulter(app: &TestApp) -> subject::Model {
    subject::Entity::find()
        .filter(subject::Column::IdentifierPlain.eq(demo::COURT_DEFAULTER_USCC))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a demo organisation")
}

const START: &str = "challenge { id sentTo expiresAt subjectName }";
const BINDING: &str = "binding { id subjectId subjectName role boundVia active accountEmail }";

async fn start(app: &TestApp, t: &str, identifier: &str, name: Option<&str>) -> Value {
    mutate(
        app,
        "startSubjectBinding",
        "StartSubjectBindingInput",
        START,
        json!({ "identifier": identifier, "name": name }),
        Some(t),
    )
    .await
}

async fn confirm(app: &TestApp, t: &str, challenge: &Value, code: &str) -> Value {
    mutate(
        app,
        "confirmSubjectBinding",
        "ConfirmSubjectBindingInput",
        BINDING,
        json!({ "challengeId": challenge, "code": code }),
        Some(t),
    )
    .await
}

fn wrong(code: &str) -> String {
    // A code that differs from the right one in every digit.
    code.chars()
        .map(|c| char::from_digit((c.to_digit(10).unwrap_or(0) + 1) % 10, 10).unwrap_or('0'))
        .collect()
}

#[tokio::test]
async fn an_organisation_is_bound_by_a_code_sent_to_its_registered_contact() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp).await;
    let org = court_defaulter(&app).await;
    let contact = org.contact_email.clone().expect("a registered contact");
    let t = sign_up(&app, "lin.xiao@example.cn", "ZH_CN").await;

    // Unknown USCCs look like mismatches; garbage is not an identifier.
    let p = start(&app, &t, "91350100MA0000000X", None).await;
    assert!(!codes(&p).is_empty());
    let p = start(&app, &t, demo::COURT_DEFAULTER_USCC, None).await;
    assert!(codes(&p).is_empty(), "{p}");
    let ch = p["challenge"]["id"].clone();
    assert!(
        p["challenge"]["sentTo"]
            .as_str()
            .unwrap()
            .starts_with("c***@")
    );
    drain(&app).await;
    // The code goes to the subject's contact, not to the account.
    assert!(
        smtp.to("lin.xiao@example.cn")
            .iter()
            .all(|m| !m.subject().contains("验证码"))
    );
    let mail = smtp
        .to(&contact)
        .into_iter()
        .last()
        .expect("the code email");
    assert!(mail.subject().starts_with("实名绑定验证码"));
    assert!(mail.text().contains(&org.name));
    assert!(mail.text().contains(&format!("{BASE}/account/bindings")));
    let code = code_from(&smtp, &contact);
    assert_eq!(code.len(), 6);

    // A wrong code is refused and counted; the right one binds as owner.
    assert_eq!(
        codes(&confirm(&app, &t, &ch, &wrong(&code)).await),
        ["CODE_WRONG"]
    );
    let p = confirm(&app, &t, &ch, &code).await;
    assert!(codes(&p).is_empty(), "{p}");
    assert_eq!(p["binding"]["role"], "OWNER");
    assert_eq!(p["binding"]["boundVia"], "CONTACT_CODE");
    assert_eq!(p["binding"]["subjectId"], json!(subject_gid(&org)));
    assert_eq!(codes(&confirm(&app, &t, &ch, &code).await), ["CODE_USED"]);
    let r = app
        .graphql(
            "{ myBindings { subjectName role } viewer { subjects { name } } }",
            json!({}),
            Some(&t),
        )
        .await;
    assert_eq!(ok(&r)["myBindings"][0]["subjectName"], json!(org.name));
    assert_eq!(ok(&r)["viewer"]["subjects"][0]["name"], json!(org.name));
    assert_eq!(
        codes(&start(&app, &t, demo::COURT_DEFAULTER_USCC, None).await),
        ["ALREADY_BOUND"]
    );

    // An expired code is refused even when right.
    let t2 = sign_up(&app, "wu.fang@example.cn", "ZH_CN").await;
    let p = start(&app, &t2, demo::COURT_DEFAULTER_USCC, None).await;
    let ch2 = p["challenge"]["id"].clone();
    drain(&app).await;
    let code2 = code_from(&smtp, &contact);
    app.clock.advance(Duration::minutes(16));
    let t2 = app.login("wu.fang@example.cn", PASSWORD).await.0;
    assert_eq!(
        codes(&confirm(&app, &t2, &ch2, &code2).await),
        ["CODE_EXPIRED"]
    );
    // Another account cannot use someone else's challenge.
    assert_eq!(
        codes(&confirm(&app, &t2, &ch, &code).await),
        ["CHALLENGE_NOT_FOUND"]
    );
}

#[tokio::test]
async fn wrong_codes_and_wrong_names_are_throttled_and_audited() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp).await;
    let t = sign_up(&app, "lin.xiao@example.cn", "EN").await;

    // A person needs the exact registered name; a wrong one is a mismatch.
    let id = xinyong_tests::demo::chen_meihua_id();
    assert_eq!(codes(&start(&app, &t, &id, None).await), ["NAME_REQUIRED"]);
    assert_eq!(
        codes(&start(&app, &t, &id, Some("陈美")).await),
        ["BINDING_SUBJECT_NOT_MATCHED"]
    );
    let p = start(&app, &t, &id, Some(demo::PERSON_NAME)).await;
    assert!(codes(&p).is_empty(), "{p}");
    let ch = p["challenge"]["id"].clone();
    drain(&app).await;
    let chen = xinyong_tests::demo::chen(&app).await;
    let code = code_from(&smtp, chen.contact_email.as_deref().unwrap());
    assert!(
        smtp.to(chen.contact_email.as_deref().unwrap())
            .last()
            .unwrap()
            .subject()
            .starts_with("Identity binding code")
    );

    // 1 mismatch + 3 wrong codes = 4 failures; the 5th locks the account out.
    for _ in 0..3 {
        assert_eq!(
            codes(&confirm(&app, &t, &ch, &wrong(&code)).await),
            ["CODE_WRONG"]
        );
    }
    let q = "mutation($i: ConfirmSubjectBindingInput!) { confirmSubjectBinding(input: $i) { userErrors { code } } }";
    let r = app
        .graphql(
            q,
            json!({ "i": { "challengeId": ch, "code": wrong(&code) } }),
            Some(&t),
        )
        .await;
    assert_eq!(codes(&ok(&r)["confirmSubjectBinding"]), ["CODE_WRONG"]);
    let r = app
        .graphql(
            q,
            json!({ "i": { "challengeId": ch, "code": code } }),
            Some(&t),
        )
        .await;
    assert_eq!(
        r.error_code(),
        Some("RATE_LIMITED"),
        "even the right code waits: {}",
        r.body
    );
    let audited = audit_event::Entity::find()
        .filter(audit_event::Column::Action.is_in(["binding.code_failed", "binding.not_matched"]))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 5);

    // After the lock-out the last allowed attempt works; then the challenge is spent.
    app.clock.advance(Duration::minutes(2));
    let p = confirm(&app, &t, &ch, &code).await;
    assert!(codes(&p).is_empty(), "{p}");
    assert_eq!(p["binding"]["subjectName"], demo::PERSON_NAME);
}

#[tokio::test]
async fn staff_check_documents_when_the_contact_is_out_of_date() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp).await;
    let org = court_defaulter(&app).await;
    let t = sign_up(&app, "lin.xiao@example.cn", "EN").await;
    let req_fields = "request { id number status subjectName evidence decisionNote }";
    let ask = mutate(
        &app,
        "requestDocumentBinding",
        "RequestDocumentBindingInput",
        req_fields,
        json!({ "identifier": demo::COURT_DEFAULTER_USCC, "evidence": "营业执照副本和法定代表人授权书，窗口递交" }),
        Some(&t),
    )
    .await;
    assert!(codes(&ask).is_empty(), "{ask}");
    assert_eq!(ask["request"]["status"], "PENDING");
    let id = ask["request"]["id"].clone();
    let again = mutate(
        &app,
        "requestDocumentBinding",
        "RequestDocumentBindingInput",
        req_fields,
        json!({ "identifier": demo::COURT_DEFAULTER_USCC, "evidence": "营业执照副本和法定代表人授权书，窗口递交" }),
        Some(&t),
    )
    .await;
    assert_eq!(codes(&again), ["BINDING_REQUEST_PENDING"]);

    // Operators are told and see the queue; the applicant cannot decide.
    let op = operator(&app).await;
    let r = app
        .graphql("{ myNotices(first: 10) { edges { node { kind } } } bindingRequests(first: 10, status: PENDING) { edges { node { id subjectName applicantEmail } } } }", json!({}), Some(&op))
        .await;
    let d = ok(&r);
    assert_eq!(
        d["myNotices"]["edges"][0]["node"]["kind"],
        "binding_requested"
    );
    assert_eq!(
        d["bindingRequests"]["edges"][0]["node"]["applicantEmail"],
        "lin.xiao@example.cn"
    );
    let decide = |token: String, input: Value| {
        let app = &app;
        async move {
            let q = format!(
                "mutation($i: DecideBindingRequestInput!) {{ decideBindingRequest(input: $i) {{ {req_fields} userErrors {{ code }} }} }}"
            );
            app.graphql(&q, json!({ "i": input }), Some(&token)).await
        }
    };
    let r = decide(t.clone(), json!({ "id": id, "approve": true })).await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = decide(op.clone(), json!({ "id": id, "approve": false })).await;
    assert_eq!(
        codes(&ok(&r)["decideBindingRequest"]),
        ["DECISION_NOTE_REQUIRED"]
    );
    let r = decide(
        op.clone(),
        json!({ "id": id, "approve": true, "note": "核验营业执照原件" }),
    )
    .await;
    assert_eq!(
        ok(&r)["decideBindingRequest"]["request"]["status"],
        "APPROVED"
    );
    let r = decide(op.clone(), json!({ "id": id, "approve": true })).await;
    assert_eq!(
        codes(&ok(&r)["decideBindingRequest"]),
        ["BINDING_REQUEST_DECIDED"]
    );

    let r = app
        .graphql(
            "{ myBindings { subjectName role boundVia } }",
            json!({}),
            Some(&t),
        )
        .await;
    assert_eq!(ok(&r)["myBindings"][0]["boundVia"], "STAFF_DOCUMENT");
    assert_eq!(ok(&r)["myBindings"][0]["subjectName"], json!(org.name));
    drain(&app).await;
    let told = smtp.to("lin.xiao@example.cn");
    assert!(
        told.iter()
            .any(|m| m.subject() == "Your binding request (BR-1)"
                || m.subject().starts_with("Your binding request")),
        "{:?}",
        told.iter().map(|m| m.subject()).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn an_applicant_withdraws_a_pending_document_request_once() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp).await;
    let t = sign_up(&app, "lin.xiao@example.cn", "EN").await;
    let fields = "request { id status decidedAt }";
    let input = json!({ "identifier": demo::COURT_DEFAULTER_USCC, "evidence": "营业执照副本和法定代表人授权书，窗口递交" });
    let ask = mutate(
        &app,
        "requestDocumentBinding",
        "RequestDocumentBindingInput",
        fields,
        input.clone(),
        Some(&t),
    )
    .await;
    let id = ask["request"]["id"].clone();
    let withdraw = |token: String| {
        let (app, id) = (&app, id.clone());
        async move {
            mutate(
                app,
                "withdrawBindingRequest",
                "WithdrawBindingRequestInput",
                "request { id status decidedAt }",
                json!({ "id": id }),
                Some(&token),
            )
            .await
        }
    };
    // Someone else's request is as unknown as a missing one.
    let other = sign_up(&app, "someone.else@example.cn", "ZH_CN").await;
    assert_eq!(codes(&withdraw(other).await), ["BINDING_REQUEST_NOT_FOUND"]);
    let w = withdraw(t.clone()).await;
    assert!(codes(&w).is_empty(), "{w}");
    assert_eq!(w["request"]["status"], "WITHDRAWN");
    assert!(!w["request"]["decidedAt"].is_null());
    assert_eq!(
        codes(&withdraw(t.clone()).await),
        ["BINDING_REQUEST_DECIDED"]
    );

    // The checkers see it withdrawn and cannot decide it any more.
    let op = operator(&app).await;
    let r = app
        .graphql(
            "mutation($i: DecideBindingRequestInput!) { decideBindingRequest(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": id, "approve": true } }),
            Some(&op),
        )
        .await;
    assert_eq!(
        codes(&ok(&r)["decideBindingRequest"]),
        ["BINDING_REQUEST_DECIDED"]
    );
    let r = app
        .graphql(
            "{ bindingRequests(first: 10, status: PENDING) { edges { node { id } } } }",
            json!({}),
            Some(&op),
        )
        .await;
    assert!(
        ok(&r)["bindingRequests"]["edges"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "{}",
        r.body
    );
    // Withdrawn, it no longer blocks a new request for the same subject.
    let again = mutate(
        &app,
        "requestDocumentBinding",
        "RequestDocumentBindingInput",
        fields,
        input,
        Some(&t),
    )
    .await;
    assert!(codes(&again).is_empty(), "{again}");
    assert_eq!(again["request"]["status"], "PENDING");
}

#[tokio::test]
async fn an_owner_adds_and_revokes_agents_and_agents_cannot_manage() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp).await;
    let own = owner(&app).await;
    let e = xinyong_tests::demo::enterprise(&app).await;
    let agent = sign_up(&app, "accountant@example.cn", "EN").await;
    let other = sign_up(&app, "stranger@example.cn", "EN").await;

    let add = |token: String, email: &'static str| {
        let app = &app;
        let sid = subject_gid(&e);
        async move {
            let q = format!(
                "mutation($i: AddSubjectAccountInput!) {{ addSubjectAccount(input: $i) {{ {BINDING} userErrors {{ code }} }} }}"
            );
            app.graphql(
                &q,
                json!({ "i": { "subjectId": sid, "email": email } }),
                Some(&token),
            )
            .await
        }
    };
    assert_eq!(
        codes(&ok(&add(own.clone(), "nobody@example.cn").await)["addSubjectAccount"]),
        ["ACCOUNT_NOT_FOUND"]
    );
    let r = add(own.clone(), "accountant@example.cn").await;
    let b = ok(&r)["addSubjectAccount"]["binding"].clone();
    assert_eq!(b["role"], "AGENT");
    assert_eq!(b["boundVia"], "OWNER_GRANT");
    assert_eq!(
        codes(&ok(&add(own.clone(), "accountant@example.cn").await)["addSubjectAccount"]),
        ["ALREADY_BOUND"]
    );
    // An agent may not add accounts; a stranger may not either.
    assert_eq!(
        add(agent.clone(), "stranger@example.cn").await.error_code(),
        Some("FORBIDDEN")
    );
    assert_eq!(
        add(other.clone(), "stranger@example.cn").await.error_code(),
        Some("FORBIDDEN")
    );

    let list = "query($s: ID!) { subjectAccounts(subjectId: $s) { id accountEmail role active } }";
    let r = app
        .graphql(list, json!({ "s": subject_gid(&e) }), Some(&own))
        .await;
    assert_eq!(ok(&r)["subjectAccounts"].as_array().unwrap().len(), 2);
    let r = app
        .graphql(list, json!({ "s": subject_gid(&e) }), Some(&agent))
        .await;
    assert_eq!(
        ok(&r)["subjectAccounts"].as_array().unwrap().len(),
        1,
        "an agent sees itself only"
    );
    let r = app
        .graphql(list, json!({ "s": subject_gid(&e) }), Some(&other))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));

    // The agent acts for the subject until the owner revokes it.
    let r = app
        .graphql("{ viewer { subjects { name } } }", json!({}), Some(&agent))
        .await;
    assert_eq!(ok(&r)["viewer"]["subjects"][0]["name"], json!(e.name));
    let revoke = "mutation($i: RevokeSubjectBindingInput!) { revokeSubjectBinding(input: $i) { binding { active } userErrors { code } } }";
    let r = app
        .graphql(revoke, json!({ "i": { "id": b["id"] } }), Some(&other))
        .await;
    assert_eq!(
        codes(&ok(&r)["revokeSubjectBinding"]),
        ["BINDING_NOT_FOUND"]
    );
    let r = app
        .graphql(revoke, json!({ "i": { "id": b["id"] } }), Some(&own))
        .await;
    assert_eq!(
        ok(&r)["revokeSubjectBinding"]["binding"]["active"],
        false,
        "{}",
        r.body
    );
    let r = app
        .graphql(
            "{ viewer { subjects { name } } myNotices(first: 10) { edges { node { kind } } } }",
            json!({}),
            Some(&agent),
        )
        .await;
    assert!(ok(&r)["viewer"]["subjects"].as_array().unwrap().is_empty());
    let kinds: Vec<&str> = ok(&r)["myNotices"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"binding_added") && kinds.contains(&"binding_revoked"),
        "{kinds:?}"
    );
    let r = app
        .graphql(list, json!({ "s": subject_gid(&e) }), Some(&own))
        .await;
    let rows = ok(&r)["subjectAccounts"].as_array().unwrap().clone();
    assert!(
        rows.iter()
            .any(|b| b["accountEmail"] == "accountant@example.cn" && b["active"] == false),
        "kept as evidence"
    );
    // Added again later, the same account acts for the subject again.
    let r = add(own.clone(), "accountant@example.cn").await;
    assert_eq!(
        ok(&r)["addSubjectAccount"]["binding"]["active"],
        true,
        "{}",
        r.body
    );
    let r = app
        .graphql("{ viewer { subjects { name } } }", json!({}), Some(&agent))
        .await;
    assert_eq!(ok(&r)["viewer"]["subjects"][0]["name"], json!(e.name));
}
