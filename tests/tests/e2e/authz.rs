//! The authorisation matrix: every role against every root query and
//! mutation of the schema, on the demo data.
//!
//! Each row is one operation with its expected outcome per role. The
//! introspection test fails when the schema gains a root field that no row
//! exercises, so a new operation cannot ship without its authorisation being
//! decided here. Object-level rows (subject A reading subject B, a department
//! withdrawing another department's record, an agency reading another
//! agency's objects) sit beside the role rows.

use std::collections::BTreeSet;

use entity::credit_record;
use entity::enums::RecordStatus;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use xinyong::domain::identifier::Uscc;
use xinyong::graphql::node::{NodeType, global_id};
use xinyong::service::demo;
use xinyong_tests::demo::{self as d, DepartmentFilter};
use xinyong_tests::{Gql, TestApp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Anonymous,
    /// Bound to the demo enterprise.
    Owner,
    /// Bound to the demo individual (a different subject from Owner's).
    Person,
    /// Market-supervision staff (FZ-SCJG).
    Staff,
    Operator,
    /// The demo agency's client, with every agency scope.
    Agency,
    /// FZ-SCJG's system client (`records:write`, `records:read`).
    Department,
}

use Role::*;

/// What an operation did for a role.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    /// `UNAUTHENTICATED`.
    Unauthenticated,
    /// `FORBIDDEN`.
    Forbidden,
    /// Answered, but the object is not there for this caller: a null field,
    /// or a `*_NOT_FOUND` user error (no hint that it exists).
    NotFound,
    /// Answered with data (possibly with other user errors, such as a
    /// state conflict from an earlier row).
    Done,
    /// Any other top-level error code.
    Error(String),
}

/// What a row expects for a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Allowed,
    Unauthenticated,
    Forbidden,
    /// Refused at the object: FORBIDDEN or NOT_FOUND, never data.
    Refused,
    /// Answered without the object: NOT_FOUND or null.
    Hidden,
}

impl Expect {
    fn admits(self, o: &Outcome) -> bool {
        matches!(
            (self, o),
            (Expect::Allowed, Outcome::Done)
                | (Expect::Unauthenticated, Outcome::Unauthenticated)
                | (Expect::Forbidden, Outcome::Forbidden)
                | (Expect::Refused, Outcome::Forbidden | Outcome::NotFound)
                | (Expect::Hidden, Outcome::NotFound)
        )
    }
}

/// The objects the rows point at, created fresh in each role's app.
struct Fixture {
    enterprise: String,
    enterprise_uscc: String,
    chen: String,
    /// One of 陈美华's records (a natural person: never public).
    chen_record: String,
    /// A record of FZ-SCJG and one of another department.
    own_dept_source_ref: String,
    other_dept_record_id: i64,
    other_dept_source_ref: String,
    agency: String,
    /// A second agency, for status changes.
    other_agency: String,
    /// A throwaway client of the demo agency, for rotate/revoke.
    spare_client: String,
    /// The enterprise's consent requested by the agency (pending).
    pending_consent: String,
    /// The enterprise's consent granted by its owner (active).
    active_consent: String,
    /// 陈美华's consent (active): Owner must not touch it.
    chen_consent: String,
    webhook: String,
    agency_uscc: String,
    /// The demo agency's client with every agency scope: (id, secret).
    full_agency_client: (String, String),
}

struct Row {
    field: &'static str,
    /// What the row checks, for failure messages.
    what: &'static str,
    doc: &'static str,
    vars: fn(&Fixture) -> Value,
    expect: fn(Role) -> Expect,
}

fn signed_in(r: Role) -> Expect {
    match r {
        Anonymous => Expect::Unauthenticated,
        _ => Expect::Allowed,
    }
}

fn everyone(_: Role) -> Expect {
    Expect::Allowed
}

fn only(allowed: &'static [Role]) -> impl Fn(Role) -> Expect {
    move |r| {
        if allowed.contains(&r) {
            Expect::Allowed
        } else if r == Anonymous {
            Expect::Unauthenticated
        } else {
            Expect::Forbidden
        }
    }
}

fn operator_only(r: Role) -> Expect {
    only(&[Operator])(r)
}

fn agency_only(r: Role) -> Expect {
    only(&[Agency])(r)
}

fn writers(r: Role) -> Expect {
    only(&[Staff, Department])(r)
}

/// A subject's own objects: its bound users (and operators) see them, a
/// different subject's user is refused without learning whether they exist.
fn enterprise_owner(r: Role) -> Expect {
    match r {
        Owner | Operator => Expect::Allowed,
        Anonymous => Expect::Unauthenticated,
        Person => Expect::Refused,
        _ => Expect::Forbidden,
    }
}

fn rows() -> Vec<Row> {
    vec![
        // ---- queries ----
        Row {
            field: "viewer",
            what: "who am I",
            doc: "{ viewer { __typename } }",
            vars: |_| json!({}),
            expect: signed_in,
        },
        Row {
            field: "node",
            what: "a natural person's record by id",
            doc: "query($id: ID!) { node(id: $id) { id } }",
            vars: |f| json!({ "id": f.chen_record }),
            expect: |r| match r {
                Person | Staff | Operator | Department => Expect::Allowed,
                _ => Expect::Hidden,
            },
        },
        Row {
            field: "nodes",
            what: "the same record among nodes",
            doc: "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            vars: |f| json!({ "ids": [f.chen_record] }),
            expect: |r| match r {
                Person | Staff | Operator | Department => Expect::Allowed,
                _ => Expect::Hidden,
            },
        },
        Row {
            field: "searchSubjects",
            what: "public search",
            doc: "{ searchSubjects(query: \"闽江\", first: 5) { edges { node { name } } } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        Row {
            field: "subjectByIdentifier",
            what: "public page by USCC",
            doc: "query($u: String!) { subjectByIdentifier(identifier: $u) { name } }",
            vars: |f| json!({ "u": f.enterprise_uscc }),
            expect: everyone,
        },
        Row {
            field: "publicList",
            what: "a black list",
            doc: "{ publicList(category: \"court_defaulter\", first: 5) { edges { node { id } } } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        Row {
            field: "recordCategories",
            what: "the catalogue",
            doc: "{ recordCategories { code } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        Row {
            field: "purposes",
            what: "the purpose catalogue",
            doc: "{ purposes { code } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        Row {
            field: "lateSubmissions",
            what: "late 双公示 submissions",
            doc: "{ lateSubmissions(first: 5) { edges { node { id } } } }",
            vars: |_| json!({}),
            expect: operator_only,
        },
        Row {
            field: "agencySubject",
            what: "a consented read",
            doc: "query($u: String!) { agencySubject(identifier: $u, purpose: \"loan_application\") { subject { name } } }",
            vars: |f| json!({ "u": f.enterprise_uscc }),
            expect: agency_only,
        },
        Row {
            field: "queryLog",
            what: "the enterprise's query log",
            doc: "query($s: ID!) { queryLog(subject: $s, first: 5) { edges { node { purposeCode } } } }",
            vars: |f| json!({ "s": f.enterprise }),
            expect: |r| match r {
                Owner => Expect::Allowed,
                Anonymous => Expect::Unauthenticated,
                Person => Expect::Refused,
                // Operators audit the log with `xinyong audit`, not as the subject.
                _ => Expect::Forbidden,
            },
        },
        Row {
            field: "queryLog",
            what: "陈美华's query log",
            doc: "query($s: ID!) { queryLog(subject: $s, first: 5) { edges { node { purposeCode } } } }",
            vars: |f| json!({ "s": f.chen }),
            expect: |r| match r {
                Person => Expect::Allowed,
                Anonymous => Expect::Unauthenticated,
                Owner => Expect::Refused,
                _ => Expect::Forbidden,
            },
        },
        Row {
            field: "consents",
            what: "the enterprise's consents",
            doc: "query($s: ID!) { consents(subject: $s, first: 5) { edges { node { id } } } }",
            vars: |f| json!({ "s": f.enterprise }),
            expect: enterprise_owner,
        },
        Row {
            field: "agencyConsents",
            what: "an agency's consents",
            doc: "{ agencyConsents(first: 5) { edges { node { id } } } }",
            vars: |_| json!({}),
            expect: agency_only,
        },
        Row {
            field: "agencies",
            what: "the agency register",
            doc: "{ agencies(first: 5) { edges { node { name } } } }",
            vars: |_| json!({}),
            expect: operator_only,
        },
        Row {
            field: "recordChanges",
            what: "the change feed",
            doc: "{ recordChanges(first: 5) { edges { cursor } } }",
            vars: |_| json!({}),
            expect: agency_only,
        },
        Row {
            field: "webhookSubscriptions",
            what: "webhook subscriptions",
            doc: "{ webhookSubscriptions { id } }",
            vars: |_| json!({}),
            expect: agency_only,
        },
        // ---- mutations that anyone may call ----
        Row {
            field: "login",
            what: "sign-in with a wrong password",
            doc: "mutation { login(input: {email: \"nobody@example.com\", password: \"wrong-password-1\"}) { accessToken } }",
            vars: |_| json!({}),
            expect: |_| Expect::Unauthenticated,
        },
        Row {
            field: "refreshToken",
            what: "refresh with a forged token",
            doc: "mutation { refreshToken(input: {refreshToken: \"forged\"}) { accessToken } }",
            vars: |_| json!({}),
            expect: |_| Expect::Unauthenticated,
        },
        Row {
            field: "signUp",
            what: "sign-up",
            doc: "mutation { signUp(input: {email: \"matrix@example.com\", displayName: \"M\", password: \"a long enough password 1\"}) { userErrors { code } } }",
            vars: |_| json!({}),
            expect: everyone,
        },
        // ---- records ----
        Row {
            field: "submitRecords",
            what: "a department submits",
            doc: "mutation($i: SubmitRecordsInput!) { submitRecords(input: $i) { userErrors { code } } }",
            vars: |_| json!({ "i": { "records": [] } }),
            expect: writers,
        },
        Row {
            field: "withdrawRecord",
            what: "a department withdraws its own record",
            doc: "mutation($i: WithdrawRecordInput!) { withdrawRecord(input: $i) { userErrors { code } } }",
            vars: |f| json!({ "i": { "sourceRef": f.own_dept_source_ref, "reason": "决定已撤销" } }),
            expect: writers,
        },
        Row {
            field: "withdrawRecord",
            what: "another department's record",
            doc: "mutation($i: WithdrawRecordInput!) { withdrawRecord(input: $i) { userErrors { code } } }",
            vars: |f| json!({ "i": { "sourceRef": f.other_dept_source_ref, "reason": "决定已撤销" } }),
            expect: |r| match r {
                Staff | Department => Expect::Hidden,
                other => writers(other),
            },
        },
        // ---- agencies and clients ----
        Row {
            field: "registerAgency",
            what: "register an agency",
            doc: "mutation($u: String!) { registerAgency(input: {name: \"矩阵测试征信\", uscc: $u, licenceNumber: \"X-1\", contactEmail: \"a@example.com\"}) { userErrors { code } } }",
            vars: |_| json!({ "u": uscc("91350100MA2YQ5XA4") }),
            expect: operator_only,
        },
        Row {
            field: "setAgencyStatus",
            what: "suspend an agency",
            doc: "mutation($a: ID!) { setAgencyStatus(input: {agencyId: $a, status: SUSPENDED, reason: \"matrix\"}) { userErrors { code } } }",
            vars: |f| json!({ "a": f.other_agency }),
            expect: operator_only,
        },
        Row {
            field: "issueApiClient",
            what: "issue a client",
            doc: "mutation($a: ID!) { issueApiClient(input: {agencyId: $a, name: \"m\", scopes: [SUBJECTS_READ]}) { userErrors { code } } }",
            vars: |f| json!({ "a": f.agency }),
            expect: operator_only,
        },
        Row {
            field: "rotateApiClientSecret",
            what: "rotate a client secret",
            doc: "mutation($c: ID!) { rotateApiClientSecret(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.spare_client }),
            expect: operator_only,
        },
        Row {
            field: "revokeApiClient",
            what: "revoke a client",
            doc: "mutation($c: ID!) { revokeApiClient(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.spare_client }),
            expect: operator_only,
        },
        // ---- consents ----
        Row {
            field: "grantConsent",
            what: "grant for the enterprise",
            doc: "mutation($s: ID!, $a: String!) { grantConsent(input: {subjectId: $s, agencyUscc: $a, purposeCodes: [\"guarantee\"], scope: {infoClasses: [WARNING]}, mode: ONE_TIME}) { userErrors { code } } }",
            vars: |f| json!({ "s": f.enterprise, "a": f.agency_uscc }),
            expect: |r| match r {
                Owner => Expect::Allowed,
                Anonymous => Expect::Unauthenticated,
                Person => Expect::Refused,
                _ => Expect::Forbidden,
            },
        },
        Row {
            field: "requestConsent",
            what: "an agency asks",
            doc: "mutation($u: String!) { requestConsent(input: {subjectIdentifier: $u, purposeCodes: [\"lease\"], scope: {infoClasses: [WARNING]}, mode: ONE_TIME}) { userErrors { code } } }",
            vars: |f| json!({ "u": f.enterprise_uscc }),
            expect: agency_only,
        },
        Row {
            field: "approveConsent",
            what: "approve the enterprise's pending request",
            doc: "mutation($c: ID!) { approveConsent(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.pending_consent }),
            expect: consent_owner,
        },
        Row {
            field: "denyConsent",
            what: "deny the same request",
            doc: "mutation($c: ID!) { denyConsent(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.pending_consent }),
            expect: consent_owner,
        },
        Row {
            field: "renewConsent",
            what: "renew the enterprise's consent",
            doc: "mutation($c: ID!) { renewConsent(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.active_consent }),
            expect: consent_owner,
        },
        Row {
            field: "revokeConsent",
            what: "revoke 陈美华's consent",
            doc: "mutation($c: ID!) { revokeConsent(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.chen_consent }),
            expect: |r| match r {
                Person => Expect::Allowed,
                Anonymous => Expect::Unauthenticated,
                Owner | Staff | Operator => Expect::Hidden,
                Agency | Department => Expect::Forbidden,
            },
        },
        Row {
            field: "revokeConsent",
            what: "revoke the enterprise's consent",
            doc: "mutation($c: ID!) { revokeConsent(input: {id: $c}) { userErrors { code } } }",
            vars: |f| json!({ "c": f.active_consent }),
            expect: consent_owner,
        },
        // ---- webhooks ----
        Row {
            field: "createWebhookSubscription",
            what: "subscribe",
            doc: "mutation { createWebhookSubscription(input: {url: \"http://127.0.0.1:9/matrix\", events: [WITHDRAWN]}) { userErrors { code } } }",
            vars: |_| json!({}),
            expect: agency_only,
        },
        Row {
            field: "updateWebhookSubscription",
            what: "update a subscription",
            doc: "mutation($w: ID!) { updateWebhookSubscription(input: {id: $w, enabled: false}) { userErrors { code } } }",
            vars: |f| json!({ "w": f.webhook }),
            expect: agency_only,
        },
        Row {
            field: "rotateWebhookSecret",
            what: "rotate a subscription's secret",
            doc: "mutation($w: ID!) { rotateWebhookSecret(input: {id: $w}) { userErrors { code } } }",
            vars: |f| json!({ "w": f.webhook }),
            expect: agency_only,
        },
        Row {
            field: "pingWebhookSubscription",
            what: "ping a subscription",
            doc: "mutation($w: ID!) { pingWebhookSubscription(input: {id: $w}) { userErrors { code } } }",
            vars: |f| json!({ "w": f.webhook }),
            expect: agency_only,
        },
        Row {
            field: "deleteWebhookSubscription",
            what: "delete a subscription",
            doc: "mutation($w: ID!) { deleteWebhookSubscription(input: {id: $w}) { userErrors { code } } }",
            vars: |f| json!({ "w": f.webhook }),
            expect: agency_only,
        },
        // Last: it ends the caller's session.
        Row {
            field: "logout",
            what: "sign out",
            doc: "mutation { logout(input: {}) { userErrors { code } } }",
            vars: |_| json!({}),
            expect: |r| match r {
                Owner | Person | Staff | Operator => Expect::Allowed,
                Anonymous => Expect::Unauthenticated,
                // Clients have no session to end.
                Agency | Department => Expect::Unauthenticated,
            },
        },
    ]
}

/// A valid USCC from its first 17 characters.
fn uscc(body: &str) -> String {
    Uscc::from_body(body)
        .expect("a valid USCC body")
        .as_str()
        .to_string()
}

/// Steps on a consent: only the subject's own users; any other person is
/// told it does not exist, clients are refused outright.
fn consent_owner(r: Role) -> Expect {
    match r {
        Owner => Expect::Allowed,
        Anonymous => Expect::Unauthenticated,
        Person | Staff | Operator => Expect::Hidden,
        Agency | Department => Expect::Forbidden,
    }
}

fn outcome(field: &str, r: &Gql) -> Outcome {
    if let Some(code) = r.error_code() {
        return match code {
            "UNAUTHENTICATED" => Outcome::Unauthenticated,
            "FORBIDDEN" => Outcome::Forbidden,
            other => Outcome::Error(other.to_string()),
        };
    }
    let data = &r.data()[field];
    let not_found = data["userErrors"].as_array().is_some_and(|errs| {
        errs.iter()
            .any(|e| e["code"].as_str().is_some_and(|c| c.ends_with("NOT_FOUND")))
    });
    let empty_list = data
        .as_array()
        .is_some_and(|a| a.iter().all(Value::is_null));
    if data.is_null() || not_found || empty_list {
        Outcome::NotFound
    } else {
        Outcome::Done
    }
}

async fn token(app: &TestApp, role: Role, f: &Fixture) -> Option<String> {
    Some(match role {
        Anonymous => return None,
        Owner => d::owner(app).await,
        Person => d::person(app).await,
        Staff => d::staff(app).await,
        Operator => d::operator(app).await,
        Agency => d::client(app, &f.full_agency_client.0, &f.full_agency_client.1).await,
        Department => d::department_client(app).await,
    })
}

/// The demo agency's client with every agency scope (the demo one lacks
/// `webhooks:manage`): (client id, secret).
async fn full_agency_client(app: &TestApp, op: &str, agency: &str) -> (String, String) {
    let r = app
        .graphql(
            "mutation($a: ID!) { issueApiClient(input: {agencyId: $a, name: \"matrix\", scopes: [SUBJECTS_READ, RECORDS_READ, CONSENTS_REQUEST, CHANGES_READ, WEBHOOKS_MANAGE]}) { client { clientId } clientSecret userErrors { code } } }",
            json!({ "a": agency }),
            Some(op),
        )
        .await;
    let p = &d::ok(&r)["issueApiClient"];
    assert!(d::codes(p).is_empty(), "{p}");
    (
        p["client"]["clientId"]
            .as_str()
            .expect("client id")
            .to_string(),
        p["clientSecret"].as_str().expect("secret").to_string(),
    )
}

async fn fixture(app: &TestApp) -> Fixture {
    let op = d::operator(app).await;
    let enterprise = d::enterprise(app).await;
    let chen = d::chen(app).await;
    let agency = d::demo_agency(app).await;
    let agency_gid = global_id(NodeType::Agency, agency.id).0;
    let market = d::market_department(app).await;
    let own = d::first_record(app, None, DepartmentFilter::Is(market.id)).await;
    let other = d::first_record(app, None, DepartmentFilter::IsNot(market.id)).await;
    let chen_record = d::first_record(app, Some(chen.id), DepartmentFilter::Any).await;

    let full = full_agency_client(app, &op, &agency_gid).await;
    let agency_token = d::client(app, &full.0, &full.1).await;

    let r = app
        .graphql(
            "mutation($u: String!) { registerAgency(input: {name: \"备用征信\", uscc: $u, licenceNumber: \"X-2\", contactEmail: \"b@example.com\"}) { agency { id } userErrors { code message } } }",
            json!({ "u": uscc("91350100MA2YQ5XB2") }),
            Some(&op),
        )
        .await;
    let other_agency = d::ok(&r)["registerAgency"]["agency"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("second agency: {}", r.body))
        .to_string();

    let r = app
        .graphql(
            "mutation($a: ID!) { issueApiClient(input: {agencyId: $a, name: \"spare\", scopes: [SUBJECTS_READ]}) { client { id } userErrors { code } } }",
            json!({ "a": agency_gid }),
            Some(&op),
        )
        .await;
    let spare_client = d::ok(&r)["issueApiClient"]["client"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("spare client: {}", r.body))
        .to_string();

    let r = app
        .graphql(
            "mutation($u: String!) { requestConsent(input: {subjectIdentifier: $u, purposeCodes: [\"loan_application\"], scope: {infoClasses: [WARNING]}, mode: ONE_TIME}) { consents { id } userErrors { code } } }",
            json!({ "u": demo::ENTERPRISE_USCC }),
            Some(&agency_token),
        )
        .await;
    let pending_consent = d::ok(&r)["requestConsent"]["consents"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("pending consent: {}", r.body))
        .to_string();

    let grant = "mutation($s: ID!, $a: String!) { grantConsent(input: {subjectId: $s, agencyUscc: $a, purposeCodes: [\"credit_line_review\"], scope: {infoClasses: [WARNING]}, mode: PERIODIC, monthlyCap: 5}) { consents { id } userErrors { code } } }";
    let owner = d::owner(app).await;
    let r = app
        .graphql(
            grant,
            json!({ "s": d::subject_gid(&enterprise), "a": agency.uscc }),
            Some(&owner),
        )
        .await;
    let active_consent = d::ok(&r)["grantConsent"]["consents"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("active consent: {}", r.body))
        .to_string();
    let person = d::person(app).await;
    let r = app
        .graphql(
            grant,
            json!({ "s": d::subject_gid(&chen), "a": agency.uscc }),
            Some(&person),
        )
        .await;
    let chen_consent = d::ok(&r)["grantConsent"]["consents"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("陈美华's consent: {}", r.body))
        .to_string();

    let r = app
        .graphql(
            "mutation { createWebhookSubscription(input: {url: \"http://127.0.0.1:9/fixture\", events: [WITHDRAWN]}) { subscription { id } userErrors { code message } } }",
            json!({}),
            Some(&agency_token),
        )
        .await;
    let webhook = d::ok(&r)["createWebhookSubscription"]["subscription"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("webhook: {}", r.body))
        .to_string();

    Fixture {
        enterprise: d::subject_gid(&enterprise),
        enterprise_uscc: demo::ENTERPRISE_USCC.to_string(),
        chen: d::subject_gid(&chen),
        chen_record: global_id(NodeType::CreditRecord, chen_record.id).0,
        own_dept_source_ref: own.source_ref,
        other_dept_record_id: other.id,
        other_dept_source_ref: other.source_ref,
        agency: agency_gid,
        other_agency,
        spare_client,
        pending_consent,
        active_consent,
        chen_consent,
        webhook,
        agency_uscc: agency.uscc,
        full_agency_client: full,
    }
}

async fn spawn() -> TestApp {
    // Webhook URLs on loopback are allowed, as in the webhook tests.
    let app = TestApp::spawn_configured(d::at("2026-11-21T04:00:00Z"), |c| {
        c.webhook_allow_http = true;
    })
    .await;
    demo::seed(&app.state).await.expect("demo data seeds");
    app
}

/// Runs every row as `role` in an app of its own, and reports every row
/// whose outcome is not the expected one.
async fn run(role: Role) {
    let app = spawn().await;
    let f = fixture(&app).await;
    let token = token(&app, role, &f).await;
    let mut wrong = Vec::new();
    for row in rows() {
        let r = app.graphql(row.doc, (row.vars)(&f), token.as_deref()).await;
        let got = outcome(row.field, &r);
        let want = (row.expect)(role);
        if !want.admits(&got) {
            wrong.push(format!(
                "{} ({}): expected {want:?}, got {got:?}: {}",
                row.field, row.what, r.body
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{role:?}: {} of {} rows differ:\n{}",
        wrong.len(),
        rows().len(),
        wrong.join("\n")
    );
    // Whatever the role, the other department's record was not withdrawn.
    let other = credit_record::Entity::find_by_id(f.other_dept_record_id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the record");
    assert_ne!(other.status, RecordStatus::Withdrawn, "{role:?}");
}

/// Every root field of the schema is exercised by at least one row, and
/// every row names a real field.
#[tokio::test]
async fn every_root_field_has_a_row() {
    let app = TestApp::spawn().await;
    let r = app
        .graphql(
            "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }",
            json!({}),
            None,
        )
        .await;
    let schema = d::ok(&r);
    let mut fields = BTreeSet::new();
    for root in ["queryType", "mutationType"] {
        for f in schema["__schema"][root]["fields"]
            .as_array()
            .expect("root fields")
        {
            fields.insert(f["name"].as_str().expect("a name").to_string());
        }
    }
    let covered: BTreeSet<String> = rows().iter().map(|r| r.field.to_string()).collect();
    let missing: Vec<_> = fields.difference(&covered).collect();
    let unknown: Vec<_> = covered.difference(&fields).collect();
    assert!(
        missing.is_empty(),
        "root fields without a row in the authorisation matrix: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "rows for fields not in the schema: {unknown:?}"
    );
    // A row's document really calls its field.
    for row in rows() {
        assert!(
            row.doc.contains(row.field),
            "{} row calls something else",
            row.field
        );
    }
}

#[tokio::test]
async fn anonymous() {
    run(Anonymous).await;
}

#[tokio::test]
async fn enterprise_owner_user() {
    run(Owner).await;
}

#[tokio::test]
async fn individual_user() {
    run(Person).await;
}

#[tokio::test]
async fn department_staff() {
    run(Staff).await;
}

#[tokio::test]
async fn platform_operator() {
    run(Operator).await;
}

#[tokio::test]
async fn agency_client() {
    run(Agency).await;
}

#[tokio::test]
async fn department_client() {
    run(Department).await;
}
