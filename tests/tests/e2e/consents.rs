//! Agencies, API clients and consents over HTTP: the operator's agency and
//! client lifecycle (suspension and revocation stop tokens, rotation kills
//! the old secret), consent grant / request → approve or deny / revoke /
//! renew, expiry and exhaustion exact to the instant and across a Beijing
//! month boundary, object-level authorisation, receipts verified with the
//! published public key only, and concurrent uses that never pass a cap.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use entity::{audit_event, change_event, consent};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use xinyong::graphql::node::{NodeType, global_id};
use xinyong::service::{agencies, consents, demo};
use xinyong_tests::TestApp;
use xinyong_tests::demo::{
    agency_client as agency_token, at, chen, client as token, codes, demo_agency, enterprise,
    nodes, ok, operator, owner, person, raw_id, subject_gid as sid,
};

/// 2026-11-21 12:00 in Beijing.
const NOW: &str = "2026-11-21T04:00:00Z";

async fn app() -> TestApp {
    let app = TestApp::spawn_at(at(NOW)).await;
    demo::seed(&app.state).await.expect("demo data seeds");
    app
}

const CONSENT: &str = "id status usable purposeCode purposeText mode monthlyCap validFrom validUntil \
     uses usesThisMonth requestedBy version revokedAt scope { infoClasses categories } \
     agency { name uscc } receipt { json signature keyId algorithm }";

const GRANT: &str = "mutation($i: GrantConsentInput!) { grantConsent(input: $i) { \
     consents { id status usable version validUntil purposeCode receipt { json signature keyId } } \
     userErrors { field code message } } }";

const REQUEST: &str = "mutation($i: RequestConsentInput!) { requestConsent(input: $i) { \
     consents { id status usable version receipt { json } } userErrors { field code message } } }";

fn step(name: &str) -> String {
    let input = if name == "renewConsent" {
        "RenewConsentInput"
    } else {
        "ConsentIdInput"
    };
    format!(
        "mutation($i: {input}!) {{ {name}(input: $i) {{ consent {{ id status usable version validUntil revokedAt receipt {{ json signature keyId }} }} userErrors {{ field code message }} }} }}"
    )
}

/// Runs a consent step (approveConsent, denyConsent, revokeConsent,
/// renewConsent) and returns its payload.
async fn consent_step(app: &TestApp, token: &str, name: &str, input: Value) -> Value {
    let r = app
        .graphql(&step(name), json!({ "i": input }), Some(token))
        .await;
    ok(&r)[name].clone()
}

async fn grant(app: &TestApp, token: &str, input: Value) -> Value {
    let r = app.graphql(GRANT, json!({ "i": input }), Some(token)).await;
    ok(&r)["grantConsent"].clone()
}

/// A grant to the demo agency by the enterprise owner, expected to succeed.
async fn grant_enterprise(app: &TestApp, token: &str, extra: Value) -> Value {
    let e = enterprise(app).await;
    let a = demo_agency(app).await;
    let mut input = json!({
        "subjectId": sid(&e),
        "agencyUscc": a.uscc,
        "purposeCodes": ["loan_application"],
        "purposeText": "2026年流动资金贷款审批",
        "scope": { "infoClasses": ["WARNING"], "categories": ["administrative_penalty"] },
        "mode": "ONE_TIME",
    });
    if let (Some(base), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            base.insert(k.clone(), v.clone());
        }
    }
    let p = grant(app, token, input).await;
    assert!(codes(&p).is_empty(), "{p}");
    p["consents"][0].clone()
}

async fn consent_row(app: &TestApp, global: &Value) -> consent::Model {
    consent::Entity::find_by_id(raw_id(global))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the consent")
}

async fn events(app: &TestApp, consent_id: i64) -> Vec<String> {
    change_event::Entity::find()
        .filter(change_event::Column::ConsentId.eq(consent_id))
        .order_by_asc(change_event::Column::Id)
        .all(&app.state.db)
        .await
        .expect("query")
        .into_iter()
        .map(|e| {
            assert_eq!(e.record_id, None);
            e.kind
        })
        .collect()
}

async fn node_status(app: &TestApp, token: &str, id: &Value) -> Value {
    let r = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on Consent { status } } }",
            json!({ "id": id }),
            Some(token),
        )
        .await;
    ok(&r)["node"]["status"].clone()
}

/// The subject's consents (ids) whose status is one of `statuses` ([] = all).
async fn listed(app: &TestApp, token: &str, subject: &str, statuses: &[&str]) -> BTreeSet<i64> {
    let r = app
        .graphql(
            "query($s: ID!, $st: [ConsentStatus!]) { consents(subject: $s, status: $st, first: 50) { edges { node { id } } } }",
            json!({ "s": subject, "st": statuses }),
            Some(token),
        )
        .await;
    nodes(&ok(&r)["consents"])
        .into_iter()
        .map(|n| raw_id(&n["id"]))
        .collect()
}

/// The SQL status filter and the computed `status` field agree for every
/// consent of the subject.
async fn assert_filters_agree(app: &TestApp, token: &str, subject: &str) {
    let r = app
        .graphql(
            "query($s: ID!) { consents(subject: $s, first: 50) { edges { node { id status } } } }",
            json!({ "s": subject }),
            Some(token),
        )
        .await;
    let all: Vec<(i64, String)> = nodes(&ok(&r)["consents"])
        .into_iter()
        .map(|n| (raw_id(&n["id"]), n["status"].as_str().unwrap().to_string()))
        .collect();
    for s in [
        "PENDING",
        "ACTIVE",
        "REVOKED",
        "EXPIRED",
        "EXHAUSTED",
        "DENIED",
    ] {
        let want: BTreeSet<i64> = all
            .iter()
            .filter(|(_, st)| st == s)
            .map(|(i, _)| *i)
            .collect();
        assert_eq!(listed(app, token, subject, &[s]).await, want, "filter {s}");
    }
}

// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_purpose_catalogue_is_public() {
    let app = app().await;
    let r = app
        .graphql(
            "{ purposes { code nameZh nameEn textRequired } }",
            json!({}),
            None,
        )
        .await;
    let p = ok(&r)["purposes"].as_array().unwrap().clone();
    assert_eq!(p.len(), 8);
    assert_eq!(p[0]["code"], "loan_application");
    assert_eq!(p[0]["nameZh"], "贷款申请");
    assert_eq!(p[4]["nameZh"], "政府采购/招投标");
    assert_eq!(p[7]["code"], "other");
    assert_eq!(p[7]["textRequired"], true);
}

#[tokio::test]
async fn operator_runs_the_agency_and_client_lifecycle() {
    let app = app().await;
    let op = operator(&app).await;
    let register = "mutation($i: RegisterAgencyInput!) { registerAgency(input: $i) { agency { id name uscc status contactEmail } userErrors { field code } } }";
    let input = json!({
        "name": "福州测试征信有限公司",
        "uscc": "91350100MA2YYYYY2Y",
        "licenceNumber": "ZX-2026-001",
        "contactEmail": "Compliance@Test-Credit.example",
    });

    // Only operators.
    let own = owner(&app).await;
    let r = app
        .graphql(register, json!({ "i": input }), Some(&own))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);
    let r = app.graphql(register, json!({ "i": input }), None).await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"), "{}", r.body);

    // Field errors, all at once.
    let bad = json!({ "name": "", "uscc": "91350100MA2YYYYY2C", "licenceNumber": "", "contactEmail": "x" });
    let r = app.graphql(register, json!({ "i": bad }), Some(&op)).await;
    let p = &ok(&r)["registerAgency"];
    assert!(p["agency"].is_null());
    let c = codes(p);
    assert_eq!(c.len(), 4, "{p}");
    assert!(c.contains(&"LICENCE_NUMBER_INVALID".to_string()));
    assert!(c.contains(&"EMAIL_INVALID".to_string()));

    let r = app
        .graphql(register, json!({ "i": input }), Some(&op))
        .await;
    let a = ok(&r)["registerAgency"]["agency"].clone();
    assert_eq!(a["status"], "ACTIVE");
    assert_eq!(a["contactEmail"], "compliance@test-credit.example");
    let r = app
        .graphql(register, json!({ "i": input }), Some(&op))
        .await;
    assert_eq!(codes(&ok(&r)["registerAgency"]), ["AGENCY_EXISTS"]);

    // Issue a client; the secret is shown once.
    let issue = "mutation($i: IssueApiClientInput!) { issueApiClient(input: $i) { client { id clientId scopes secretHint status rateTier } clientSecret userErrors { field code } } }";
    let r = app
        .graphql(
            issue,
            json!({ "i": { "agencyId": a["id"], "name": "Loan system", "scopes": ["SUBJECTS_READ", "RECORDS_WRITE"] } }),
            Some(&op),
        )
        .await;
    assert_eq!(codes(&ok(&r)["issueApiClient"]), ["SCOPE_NOT_ALLOWED"]);
    let r = app
        .graphql(
            issue,
            json!({ "i": { "agencyId": a["id"], "name": "Loan system", "scopes": ["CONSENTS_REQUEST", "SUBJECTS_READ"], "rateTier": "gold" } }),
            Some(&op),
        )
        .await;
    assert_eq!(codes(&ok(&r)["issueApiClient"]), ["RATE_TIER_INVALID"]);
    let r = app
        .graphql(
            issue,
            json!({ "i": { "agencyId": a["id"], "name": "Loan system", "scopes": ["CONSENTS_REQUEST", "SUBJECTS_READ"], "rateTier": "premium" } }),
            Some(&op),
        )
        .await;
    let p = ok(&r)["issueApiClient"].clone();
    let client = p["client"].clone();
    let client_id = client["clientId"].as_str().unwrap().to_string();
    let secret = p["clientSecret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 43, "256 bits, base64url");
    assert_eq!(client["secretHint"], secret[secret.len() - 4..]);
    assert_eq!(
        client["scopes"],
        json!(["subjects:read", "consents:request"])
    );
    assert_eq!(client["rateTier"], "premium");
    let row = xinyong::service::directory::api_client(
        &app.state,
        &xinyong::auth::Actor::Anonymous,
        raw_id(&client["id"]),
    )
    .await
    .unwrap();
    assert!(row.is_none(), "clients are not public");
    let stored = entity::api_client::Entity::find_by_id(raw_id(&client["id"]))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.secret_hash, xinyong::crypto::sha256_hex(&secret));
    assert!(!stored.secret_hash.contains(&secret));

    // The client works.
    let t1 = token(&app, &client_id, &secret).await;
    let me = "{ agencyConsents(first: 5) { edges { node { id } } } }";
    ok(&app.graphql(me, json!({}), Some(&t1)).await);

    // Rotation: the old secret fails at once, the new one works.
    let rotate = "mutation($i: RotateApiClientSecretInput!) { rotateApiClientSecret(input: $i) { client { secretHint } clientSecret userErrors { code } } }";
    let r = app
        .graphql(rotate, json!({ "i": { "id": client["id"] } }), Some(&op))
        .await;
    let new_secret = ok(&r)["rotateApiClientSecret"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_secret, secret);
    let (status, body) = app.client_token(&client_id, &secret).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let t2 = token(&app, &client_id, &new_secret).await;

    // Suspension stops the tokens already issued, and new ones.
    let set = "mutation($i: SetAgencyStatusInput!) { setAgencyStatus(input: $i) { agency { status } userErrors { code } } }";
    let r = app
        .graphql(set, json!({ "i": { "agencyId": a["id"], "status": "SUSPENDED", "reason": "licence under review" } }), Some(&op))
        .await;
    assert_eq!(ok(&r)["setAgencyStatus"]["agency"]["status"], "SUSPENDED");
    let r = app.graphql(me, json!({}), Some(&t2)).await;
    assert_eq!((r.status, r.error_code()), (401, Some("UNAUTHENTICATED")));
    let (status, _) = app.client_token(&client_id, &new_secret).await;
    assert_eq!(status, 401);
    // Reactivated, the same token works again.
    let r = app
        .graphql(
            set,
            json!({ "i": { "agencyId": a["id"], "status": "ACTIVE" } }),
            Some(&op),
        )
        .await;
    assert_eq!(ok(&r)["setAgencyStatus"]["agency"]["status"], "ACTIVE");
    ok(&app.graphql(me, json!({}), Some(&t2)).await);

    // Revoking the client stops its tokens; a revoked client cannot rotate.
    let revoke = "mutation($i: RevokeApiClientInput!) { revokeApiClient(input: $i) { client { status revokedAt } userErrors { code } } }";
    let r = app
        .graphql(revoke, json!({ "i": { "id": client["id"] } }), Some(&op))
        .await;
    assert_eq!(ok(&r)["revokeApiClient"]["client"]["status"], "REVOKED");
    let r = app.graphql(me, json!({}), Some(&t2)).await;
    assert_eq!(r.status, 401);
    let r = app
        .graphql(rotate, json!({ "i": { "id": client["id"] } }), Some(&op))
        .await;
    assert_eq!(codes(&ok(&r)["rotateApiClientSecret"]), ["CLIENT_REVOKED"]);

    // Revocation of the agency is final.
    let r = app
        .graphql(
            set,
            json!({ "i": { "agencyId": a["id"], "status": "REVOKED" } }),
            Some(&op),
        )
        .await;
    assert_eq!(ok(&r)["setAgencyStatus"]["agency"]["status"], "REVOKED");
    let r = app
        .graphql(
            set,
            json!({ "i": { "agencyId": a["id"], "status": "ACTIVE" } }),
            Some(&op),
        )
        .await;
    assert_eq!(codes(&ok(&r)["setAgencyStatus"]), ["AGENCY_REVOKED"]);

    // The operator's list, with the clients.
    let r = app
        .graphql(
            "{ agencies(first: 10) { edges { node { name status clients { clientId status } } } } }",
            json!({}),
            Some(&op),
        )
        .await;
    let list = nodes(&ok(&r)["agencies"])
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["name"], demo::AGENCY_NAME);
    assert_eq!(list[1]["clients"][0]["status"], "REVOKED");
    let r = app
        .graphql(
            "{ agencies(first: 10) { edges { node { name } } } }",
            json!({}),
            Some(&own),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));

    // Every step is in the audit trail.
    let actions: BTreeSet<String> = audit_event::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "agency.create",
        "agency.set_status",
        "api_client.create",
        "api_client.rotate_secret",
        "api_client.revoke",
    ] {
        assert!(actions.contains(a), "{a} missing from {actions:?}");
    }
}

#[tokio::test]
async fn a_subject_grants_revokes_and_renews() {
    let app = app().await;
    let own = owner(&app).await;
    let e = enterprise(&app).await;
    let a = demo_agency(&app).await;

    // An organisation may give several purposes at once: one consent each.
    let p = grant(
        &app,
        &own,
        json!({
            "subjectId": sid(&e), "agencyUscc": a.uscc,
            "purposeCodes": ["loan_application", "guarantee"],
            "scope": { "infoClasses": ["WARNING", "HINT"] },
            "mode": "PERIODIC", "monthlyCap": 3,
        }),
    )
    .await;
    assert!(codes(&p).is_empty(), "{p}");
    let cs = p["consents"].as_array().unwrap().clone();
    assert_eq!(cs.len(), 2);
    for c in &cs {
        assert_eq!(c["status"], "ACTIVE");
        assert_eq!(c["usable"], true);
        assert_eq!(c["version"], 1);
        assert!(c["receipt"]["signature"].is_string());
        // Default validity: one year (rule consent.default_validity).
        assert_eq!(c["validUntil"], "2027-11-21T04:00:00+00:00");
    }
    let (loan, guarantee) = (cs[0]["id"].clone(), cs[1]["id"].clone());
    assert_eq!(events(&app, raw_id(&loan)).await, ["consent_granted"]);

    // The agency sees both; the subject's list too.
    let ag = agency_token(&app).await;
    let r = app
        .graphql(
            &format!("{{ agencyConsents(first: 10) {{ edges {{ node {{ {CONSENT} }} }} }} }}"),
            json!({}),
            Some(&ag),
        )
        .await;
    let seen = nodes(&ok(&r)["agencyConsents"])
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0]["agency"]["name"], demo::AGENCY_NAME);
    assert_eq!(seen[0]["scope"]["infoClasses"], json!(["WARNING", "HINT"]));
    assert_eq!(listed(&app, &own, &sid(&e), &[]).await.len(), 2);

    // Revocation: effective for the very next use, no reason asked.
    let now = app.state.now();
    assert!(
        consents::use_consent(&app.state.db, raw_id(&loan), a.id, now)
            .await
            .unwrap()
            .is_some()
    );
    let p = consent_step(&app, &own, "revokeConsent", json!({ "id": loan })).await;
    assert_eq!(p["consent"]["status"], "REVOKED");
    assert_eq!(p["consent"]["version"], 2);
    assert!(p["consent"]["revokedAt"].is_string());
    assert!(
        consents::use_consent(&app.state.db, raw_id(&loan), a.id, now)
            .await
            .unwrap()
            .is_none()
    );
    let row = consent_row(&app, &loan).await;
    assert_eq!(row.uses, 1, "past uses stay: revocation is not retroactive");
    let p = consent_step(&app, &own, "revokeConsent", json!({ "id": loan })).await;
    assert_eq!(codes(&p), ["CONSENT_NOT_REVOCABLE"]);
    assert_eq!(
        events(&app, raw_id(&loan)).await,
        ["consent_granted", "consent_revoked"]
    );
    let p = consent_step(&app, &own, "renewConsent", json!({ "id": loan })).await;
    assert_eq!(codes(&p), ["CONSENT_NOT_RENEWABLE"]);

    // Renewal: same id, later end, version + 1, new receipt.
    let before = consent_row(&app, &guarantee).await;
    let p = consent_step(
        &app,
        &own,
        "renewConsent",
        json!({ "id": guarantee, "validUntil": "2027-06-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(codes(&p), ["RENEWAL_NOT_LATER"]);
    let p = consent_step(
        &app,
        &own,
        "renewConsent",
        json!({ "id": guarantee, "validUntil": "2029-11-21T04:00:01Z" }),
    )
    .await;
    assert_eq!(codes(&p), ["VALIDITY_TOO_LONG"]);
    let p = consent_step(
        &app,
        &own,
        "renewConsent",
        json!({ "id": guarantee, "validUntil": "2029-11-21T04:00:00Z" }),
    )
    .await;
    assert!(codes(&p).is_empty(), "{p}");
    let c = &p["consent"];
    assert_eq!(c["id"], guarantee);
    assert_eq!(c["status"], "ACTIVE");
    assert_eq!(c["version"], 2);
    assert_eq!(c["validUntil"], "2029-11-21T04:00:00+00:00");
    let after = consent_row(&app, &guarantee).await;
    assert_ne!(after.receipt_signature, before.receipt_signature);
    assert_eq!(after.receipt.as_ref().unwrap()["event"], "renewed");
    assert_eq!(after.receipt.as_ref().unwrap()["consent"]["version"], 2);
    assert_eq!(
        events(&app, raw_id(&guarantee)).await,
        ["consent_granted", "consent_renewed"]
    );
    assert_filters_agree(&app, &own, &sid(&e)).await;
}

#[tokio::test]
async fn grants_are_checked_field_by_field() {
    let app = app().await;
    let own = owner(&app).await;
    let e = enterprise(&app).await;
    let a = demo_agency(&app).await;
    let base = json!({
        "subjectId": sid(&e), "agencyUscc": a.uscc, "purposeCodes": ["loan_application"],
        "scope": { "infoClasses": ["WARNING"] }, "mode": "ONE_TIME",
    });
    let with = |patch: Value| {
        let mut v = base.clone();
        for (k, x) in patch.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    for (patch, want) in [
        (json!({ "purposeCodes": ["lottery"] }), "PURPOSE_UNKNOWN"),
        (json!({ "purposeCodes": [] }), "PURPOSE_REQUIRED"),
        (
            json!({ "purposeCodes": ["other"] }),
            "PURPOSE_TEXT_REQUIRED",
        ),
        (json!({ "scope": {} }), "SCOPE_REQUIRED"),
        (
            json!({ "scope": { "categories": ["no_such_category"] } }),
            "CATEGORY_UNKNOWN",
        ),
        (json!({ "mode": "PERIODIC" }), "MONTHLY_CAP_REQUIRED"),
        (
            json!({ "mode": "PERIODIC", "monthlyCap": 0 }),
            "MONTHLY_CAP_INVALID",
        ),
        (
            json!({ "mode": "PERIODIC", "monthlyCap": 101 }),
            "MONTHLY_CAP_INVALID",
        ),
        (json!({ "monthlyCap": 2 }), "MONTHLY_CAP_NOT_APPLICABLE"),
        // Maximum validity: 3 years from now (rule consent.max_validity).
        (
            json!({ "validUntil": "2029-11-21T04:00:01Z" }),
            "VALIDITY_TOO_LONG",
        ),
        (
            json!({ "validFrom": "2027-01-01T00:00:00Z", "validUntil": "2026-12-01T00:00:00Z" }),
            "VALIDITY_INVALID",
        ),
        (
            json!({ "agencyUscc": "91350100MA2YYYYY2Y" }),
            "AGENCY_UNKNOWN",
        ),
        (json!({ "agencyUscc": "not-a-uscc" }), ""),
        (json!({ "subjectId": "garbage" }), "ID_INVALID"),
    ] {
        let p = grant(&app, &own, with(patch.clone())).await;
        let c = codes(&p);
        assert!(p["consents"].as_array().is_some_and(Vec::is_empty), "{p}");
        assert_eq!(c.len(), 1, "{patch}: {p}");
        if !want.is_empty() {
            assert_eq!(c[0], want, "{patch}");
        }
    }
    // Exactly at the maximum is fine; validFrom in the past counts as now.
    let p = grant(
        &app,
        &own,
        with(json!({ "validFrom": "2020-01-01T00:00:00Z", "validUntil": "2029-11-21T04:00:00Z" })),
    )
    .await;
    assert!(codes(&p).is_empty(), "{p}");
    let row = consent_row(&app, &p["consents"][0]["id"]).await;
    assert_eq!(row.valid_from, at(NOW));

    // A suspended agency receives no consent.
    let op = operator(&app).await;
    let r = app
        .graphql(
            "mutation($i: SetAgencyStatusInput!) { setAgencyStatus(input: $i) { userErrors { code } } }",
            json!({ "i": { "agencyId": global_id(NodeType::Agency, a.id).0, "status": "SUSPENDED" } }),
            Some(&op),
        )
        .await;
    ok(&r);
    let p = grant(&app, &own, base.clone()).await;
    assert_eq!(codes(&p), ["AGENCY_NOT_ACTIVE"]);
}

#[tokio::test]
async fn a_natural_person_consents_to_one_purpose_at_a_time() {
    let app = app().await;
    let me = person(&app).await;
    let p_subject = chen(&app).await;
    let a = demo_agency(&app).await;
    let input = json!({
        "subjectId": sid(&p_subject), "agencyUscc": a.uscc,
        "purposeCodes": ["loan_application", "employment_screening"],
        "scope": { "infoClasses": ["WARNING"] }, "mode": "ONE_TIME",
    });
    let p = grant(&app, &me, input.clone()).await;
    assert_eq!(codes(&p), ["SEPARATE_CONSENT_REQUIRED"]);
    assert_eq!(p["consents"], json!([]));

    let mut one = input.clone();
    one["purposeCodes"] = json!(["employment_screening"]);
    let p = grant(&app, &me, one).await;
    assert!(codes(&p).is_empty(), "{p}");
    let receipt: Value =
        serde_json::from_str(p["consents"][0]["receipt"]["json"].as_str().unwrap()).unwrap();
    assert_eq!(receipt["subject"]["kind"], "natural_person");
    // The receipt carries the masked ID number, never the number itself.
    let id_number = app
        .state
        .keys
        .decrypt_identifier(p_subject.identifier_cipher.as_deref().unwrap())
        .unwrap();
    assert_eq!(
        receipt["subject"]["identifier"],
        p_subject.identifier_masked
    );
    assert!(!receipt.to_string().contains(&id_number));
    assert!(receipt["legal_basis"].to_string().contains("第二十三条"));

    // The agency asking for several purposes at once is refused the same way.
    let ag = agency_token(&app).await;
    let r = app
        .graphql(
            REQUEST,
            json!({ "i": {
                "subjectIdentifier": id_number,
                "purposeCodes": ["loan_application", "lease"],
                "scope": { "infoClasses": ["WARNING"] }, "mode": "ONE_TIME",
            } }),
            Some(&ag),
        )
        .await;
    assert_eq!(
        codes(&ok(&r)["requestConsent"]),
        ["SEPARATE_CONSENT_REQUIRED"]
    );
}

#[tokio::test]
async fn an_agency_requests_and_the_subject_approves_or_denies() {
    let app = app().await;
    let own = owner(&app).await;
    let ag = agency_token(&app).await;
    let e = enterprise(&app).await;
    let request = |purpose: &str, until: Option<&str>| {
        let mut i = json!({
            "subjectIdentifier": demo::ENTERPRISE_USCC,
            "purposeCodes": [purpose],
            "purposeText": "授信审查 2026-0042",
            "scope": { "infoClasses": ["WARNING"], "categories": ["court_defaulter"] },
            "mode": "PERIODIC", "monthlyCap": 4,
        });
        if let Some(u) = until {
            i["validUntil"] = json!(u);
        }
        json!({ "i": i })
    };

    let r = app
        .graphql(REQUEST, request("credit_line_review", None), Some(&ag))
        .await;
    let p = ok(&r)["requestConsent"].clone();
    assert!(codes(&p).is_empty(), "{p}");
    let c = p["consents"][0].clone();
    assert_eq!(c["status"], "PENDING");
    assert_eq!(c["usable"], false);
    assert!(c["receipt"].is_null());
    let id = c["id"].clone();
    assert_eq!(events(&app, raw_id(&id)).await, ["consent_requested"]);
    // Not usable while pending.
    let a = demo_agency(&app).await;
    assert!(
        consents::use_consent(&app.state.db, raw_id(&id), a.id, app.state.now())
            .await
            .unwrap()
            .is_none()
    );

    // Asking again while it waits is refused.
    let r = app
        .graphql(REQUEST, request("credit_line_review", None), Some(&ag))
        .await;
    assert_eq!(
        codes(&ok(&r)["requestConsent"]),
        ["CONSENT_REQUEST_PENDING"]
    );
    // The subject cannot revoke a pending request (deny it instead).
    let p = consent_step(&app, &own, "revokeConsent", json!({ "id": id })).await;
    assert_eq!(codes(&p), ["CONSENT_PENDING"]);
    // The agency cannot approve its own request.
    let r = app
        .graphql(
            &step("approveConsent"),
            json!({ "i": { "id": id } }),
            Some(&ag),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);

    // Approval: active, with a receipt, version 2.
    let p = consent_step(&app, &own, "approveConsent", json!({ "id": id })).await;
    assert!(codes(&p).is_empty(), "{p}");
    assert_eq!(p["consent"]["status"], "ACTIVE");
    assert_eq!(p["consent"]["version"], 2);
    assert!(
        p["consent"]["receipt"]["json"]
            .as_str()
            .unwrap()
            .contains("\"event\":\"approved\"")
    );
    assert_eq!(
        events(&app, raw_id(&id)).await,
        ["consent_requested", "consent_granted"]
    );
    let p = consent_step(&app, &own, "approveConsent", json!({ "id": id })).await;
    assert_eq!(codes(&p), ["CONSENT_NOT_PENDING"]);
    let row = consent_row(&app, &id).await;
    assert!(row.granted_by_account_id.is_some());
    assert_eq!(
        consents::usable_consents(
            &app.state.db,
            a.id,
            e.id,
            "credit_line_review",
            app.state.now()
        )
        .await
        .unwrap()
        .len(),
        1
    );

    // Denial; asking again is refused for 30 days.
    let r = app
        .graphql(REQUEST, request("lease", None), Some(&ag))
        .await;
    let denied = ok(&r)["requestConsent"]["consents"][0]["id"].clone();
    let p = consent_step(&app, &own, "denyConsent", json!({ "id": denied })).await;
    assert_eq!(p["consent"]["status"], "DENIED");
    assert!(p["consent"]["receipt"].is_null());
    assert_eq!(
        events(&app, raw_id(&denied)).await,
        ["consent_requested", "consent_denied"]
    );
    let p = consent_step(&app, &own, "approveConsent", json!({ "id": denied })).await;
    assert_eq!(codes(&p), ["CONSENT_NOT_PENDING"]);
    let r = app
        .graphql(REQUEST, request("lease", None), Some(&ag))
        .await;
    assert_eq!(
        codes(&ok(&r)["requestConsent"]),
        ["CONSENT_RECENTLY_DENIED"]
    );

    // A request lapses at its validUntil if nobody approves it.
    let r = app
        .graphql(
            REQUEST,
            request("guarantee", Some("2026-11-21T05:00:00Z")),
            Some(&ag),
        )
        .await;
    let lapsing = ok(&r)["requestConsent"]["consents"][0]["id"].clone();
    assert_filters_agree(&app, &own, &sid(&e)).await;

    app.clock.set(at("2026-11-21T05:00:00Z"));
    let own = owner(&app).await;
    assert_eq!(node_status(&app, &own, &lapsing).await, "EXPIRED");
    let p = consent_step(&app, &own, "approveConsent", json!({ "id": lapsing })).await;
    assert_eq!(codes(&p), ["CONSENT_NOT_PENDING"]);
    assert_filters_agree(&app, &own, &sid(&e)).await;

    // 31 days after the denial the agency may ask again.
    app.clock.set(at("2026-12-22T04:00:00Z"));
    let ag = agency_token(&app).await;
    let r = app
        .graphql(REQUEST, request("lease", None), Some(&ag))
        .await;
    assert!(codes(&ok(&r)["requestConsent"]).is_empty(), "{}", r.body);

    // A client without consents:request may not ask.
    let op = operator(&app).await;
    let r = app
        .graphql(
            "mutation($i: IssueApiClientInput!) { issueApiClient(input: $i) { client { clientId } clientSecret } }",
            json!({ "i": { "agencyId": global_id(NodeType::Agency, a.id).0, "name": "read only", "scopes": ["SUBJECTS_READ"] } }),
            Some(&op),
        )
        .await;
    let p = &ok(&r)["issueApiClient"];
    let ro = token(
        &app,
        p["client"]["clientId"].as_str().unwrap(),
        p["clientSecret"].as_str().unwrap(),
    )
    .await;
    let r = app
        .graphql(REQUEST, request("procurement", None), Some(&ro))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);
}

#[tokio::test]
async fn expiry_holds_from_the_exact_instant() {
    let app = app().await;
    let own = owner(&app).await;
    let e = enterprise(&app).await;
    let a = demo_agency(&app).await;
    let c = grant_enterprise(
        &app,
        &own,
        json!({ "mode": "PERIODIC", "monthlyCap": 50, "validUntil": "2026-11-22T04:00:00Z" }),
    )
    .await;
    let id = raw_id(&c["id"]);
    let until = at("2026-11-22T04:00:00Z");
    let just_before = until - Duration::microseconds(1);

    assert!(
        consents::use_consent(&app.state.db, id, a.id, just_before)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        consents::use_consent(&app.state.db, id, a.id, until)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        consents::usable_consents(&app.state.db, a.id, e.id, "loan_application", until)
            .await
            .unwrap()
            .is_empty()
    );

    app.clock.set(just_before);
    let own = owner(&app).await;
    assert_eq!(node_status(&app, &own, &c["id"]).await, "ACTIVE");
    assert_filters_agree(&app, &own, &sid(&e)).await;
    app.clock.set(until);
    assert_eq!(node_status(&app, &own, &c["id"]).await, "EXPIRED");
    assert_filters_agree(&app, &own, &sid(&e)).await;
    assert_eq!(
        listed(&app, &own, &sid(&e), &["EXPIRED"]).await,
        BTreeSet::from([id])
    );
    // An expired consent cannot be renewed or revoked.
    let p = consent_step(&app, &own, "renewConsent", json!({ "id": c["id"] })).await;
    assert_eq!(codes(&p), ["CONSENT_NOT_RENEWABLE"]);
    let p = consent_step(&app, &own, "revokeConsent", json!({ "id": c["id"] })).await;
    assert_eq!(codes(&p), ["CONSENT_NOT_REVOCABLE"]);
}

#[tokio::test]
async fn one_time_and_monthly_caps_are_exhausted_and_a_new_month_resets() {
    let app = app().await;
    let own = owner(&app).await;
    let e = enterprise(&app).await;
    let a = demo_agency(&app).await;
    let db = &app.state.db;

    // One-time: one use, then exhausted for good.
    let once = grant_enterprise(&app, &own, json!({})).await;
    let now = app.state.now();
    let used = consents::use_consent(db, raw_id(&once["id"]), a.id, now)
        .await
        .unwrap();
    assert_eq!(used.map(|c| (c.uses, c.last_used_at)), Some((1, Some(now))));
    assert!(
        consents::use_consent(db, raw_id(&once["id"]), a.id, now)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(node_status(&app, &own, &once["id"]).await, "EXHAUSTED");
    let p = consent_step(&app, &own, "renewConsent", json!({ "id": once["id"] })).await;
    assert_eq!(codes(&p), ["CONSENT_NOT_RENEWABLE"]);
    // Another agency cannot use it, even while it is usable.
    let periodic = grant_enterprise(
        &app,
        &own,
        json!({ "purposeCodes": ["lease"], "mode": "PERIODIC", "monthlyCap": 2 }),
    )
    .await;
    let pid = raw_id(&periodic["id"]);
    assert!(
        consents::use_consent(db, pid, a.id + 1000, now)
            .await
            .unwrap()
            .is_none()
    );

    // Periodic, cap 2: 23:59:59 on 30 November in Beijing.
    let last_second = at("2026-11-30T15:59:59Z");
    for _ in 0..2 {
        assert!(
            consents::use_consent(db, pid, a.id, last_second)
                .await
                .unwrap()
                .is_some()
        );
    }
    assert!(
        consents::use_consent(db, pid, a.id, last_second)
            .await
            .unwrap()
            .is_none()
    );
    app.clock.set(last_second);
    let own = owner(&app).await;
    assert_eq!(node_status(&app, &own, &periodic["id"]).await, "EXHAUSTED");
    assert_filters_agree(&app, &own, &sid(&e)).await;
    // An exhausted periodic consent can still be revoked or renewed.
    let r = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on Consent { usesThisMonth uses usable } } }",
            json!({ "id": periodic["id"] }),
            Some(&own),
        )
        .await;
    assert_eq!(
        ok(&r)["node"],
        json!({ "usesThisMonth": 2, "uses": 2, "usable": false })
    );

    // 00:00 on 1 December in Beijing: the cap counts afresh.
    let new_month = at("2026-11-30T16:00:00Z");
    app.clock.set(new_month);
    let own = owner(&app).await;
    assert_eq!(node_status(&app, &own, &periodic["id"]).await, "ACTIVE");
    assert_filters_agree(&app, &own, &sid(&e)).await;
    let c = consents::use_consent(db, pid, a.id, new_month)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.uses, c.period_uses, c.period_key.as_deref()),
        (3, 1, Some("2026-12"))
    );
    assert_eq!(
        consents::usable_consents(db, a.id, e.id, "lease", new_month)
            .await
            .unwrap()
            .len(),
        1
    );
    let p = consent_step(&app, &own, "renewConsent", json!({ "id": periodic["id"] })).await;
    assert!(codes(&p).is_empty(), "{p}");
    assert_eq!(
        consent_row(&app, &periodic["id"]).await.uses,
        3,
        "renewal keeps the uses"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_uses_never_exceed_the_cap() {
    let app = app().await;
    let own = owner(&app).await;
    let a = demo_agency(&app).await;
    let c = grant_enterprise(&app, &own, json!({ "mode": "PERIODIC", "monthlyCap": 5 })).await;
    let id = raw_id(&c["id"]);
    let now = app.state.now();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let db = app.state.db.clone();
            let agency_id = a.id;
            tokio::spawn(async move { consents::use_consent(&db, id, agency_id, now).await })
        })
        .collect();
    let mut granted = 0;
    for t in futures::future::join_all(tasks).await {
        if t.expect("task").expect("no database error").is_some() {
            granted += 1;
        }
    }
    assert_eq!(granted, 5);
    let row = consent::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.uses, row.period_uses), (5, 5));
}

#[tokio::test]
async fn subjects_and_agencies_see_and_act_only_on_their_own() {
    let app = app().await;
    let own = owner(&app).await;
    let me = person(&app).await;
    let e = enterprise(&app).await;
    let p_subject = chen(&app).await;
    let a = demo_agency(&app).await;

    // The enterprise owner cannot grant for the person, nor list her consents.
    let p = app
        .graphql(
            GRANT,
            json!({ "i": {
                "subjectId": sid(&p_subject), "agencyUscc": a.uscc, "purposeCodes": ["lease"],
                "scope": { "infoClasses": ["WARNING"] }, "mode": "ONE_TIME",
            } }),
            Some(&own),
        )
        .await;
    assert_eq!(p.error_code(), Some("FORBIDDEN"), "{}", p.body);
    let persons = grant(
        &app,
        &me,
        json!({
            "subjectId": sid(&p_subject), "agencyUscc": a.uscc, "purposeCodes": ["lease"],
            "scope": { "infoClasses": ["WARNING"] }, "mode": "ONE_TIME",
        }),
    )
    .await["consents"][0]
        .clone();
    let r = app
        .graphql(
            "query($s: ID!) { consents(subject: $s, first: 5) { edges { node { id } } } }",
            json!({ "s": sid(&p_subject) }),
            Some(&own),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = app
        .graphql(
            "query($s: ID!) { consents(subject: $s, first: 5) { edges { node { id } } } }",
            json!({ "s": sid(&p_subject) }),
            None,
        )
        .await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));
    // ... nor see, revoke or renew her consent: it does not exist for him.
    assert!(node_status(&app, &own, &persons["id"]).await.is_null());
    let p = consent_step(&app, &own, "revokeConsent", json!({ "id": persons["id"] })).await;
    assert_eq!(codes(&p), ["CONSENT_NOT_FOUND"]);
    let p = consent_step(&app, &own, "renewConsent", json!({ "id": persons["id"] })).await;
    assert_eq!(codes(&p), ["CONSENT_NOT_FOUND"]);
    assert_eq!(node_status(&app, &me, &persons["id"]).await, "ACTIVE");

    // The operator sees every subject's consents.
    let op = operator(&app).await;
    assert_eq!(listed(&app, &op, &sid(&p_subject), &[]).await.len(), 1);

    // Another agency sees none of the demo agency's consents.
    let other_uscc = "91350100MA2YYYYY2Y";
    agencies::create_agency_with_client(
        &app.state,
        "另一家征信有限公司",
        other_uscc,
        "ZX-2026-099",
        "other-agency",
        "other-agency-secret",
        &["subjects:read", "consents:request"],
    )
    .await
    .unwrap();
    let other = token(&app, "other-agency", "other-agency-secret").await;
    let mine = grant_enterprise(&app, &own, json!({})).await;
    assert!(node_status(&app, &other, &mine["id"]).await.is_null());
    let r = app
        .graphql(
            "{ agencyConsents(first: 10) { edges { node { id } } } }",
            json!({}),
            Some(&other),
        )
        .await;
    assert!(nodes(&ok(&r)["agencyConsents"]).is_empty());
    let ag = agency_token(&app).await;
    assert_eq!(node_status(&app, &ag, &mine["id"]).await, "ACTIVE");
    // Agencies cannot grant or revoke on a subject's behalf.
    let r = app
        .graphql(
            &step("revokeConsent"),
            json!({ "i": { "id": mine["id"] } }),
            Some(&ag),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = app
        .graphql(
            GRANT,
            json!({ "i": {
                "subjectId": sid(&e), "agencyUscc": a.uscc, "purposeCodes": ["lease"],
                "scope": { "infoClasses": ["WARNING"] }, "mode": "ONE_TIME",
            } }),
            Some(&ag),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    // A subject user cannot list an agency's consents.
    let r = app
        .graphql(
            "{ agencyConsents(first: 10) { edges { node { id } } } }",
            json!({}),
            Some(&own),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn receipts_verify_with_the_published_key_only() {
    let app = app().await;
    let own = owner(&app).await;
    let c = grant_enterprise(&app, &own, json!({ "mode": "PERIODIC", "monthlyCap": 3 })).await;
    let id = c["id"].clone();
    let r = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on Consent { receipt { json signature keyId algorithm } } } }",
            json!({ "id": id }),
            Some(&own),
        )
        .await;
    let receipt = ok(&r)["node"]["receipt"].clone();
    assert_eq!(receipt["algorithm"], "EdDSA");

    // What an agency does offline: fetch the key set once, pick the key by
    // id, verify the signature over the JSON's bytes.
    let jwks: Value = app
        .http
        .get(format!(
            "{}/.well-known/xinyong/consent-keys.json",
            app.base_url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == receipt["keyId"])
        .expect("the receipt's key is published");
    assert_eq!(
        (
            key["kty"].as_str(),
            key["crv"].as_str(),
            key["alg"].as_str()
        ),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    let x: [u8; 32] = URL_SAFE_NO_PAD
        .decode(key["x"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let public = VerifyingKey::from_bytes(&x).unwrap();
    let verify = |json: &str, sig: &str| -> bool {
        let sig: [u8; 64] = URL_SAFE_NO_PAD.decode(sig).unwrap().try_into().unwrap();
        public
            .verify(json.as_bytes(), &Signature::from_bytes(&sig))
            .is_ok()
    };
    let text = receipt["json"].as_str().unwrap();
    let sig = receipt["signature"].as_str().unwrap();
    assert!(verify(text, sig));
    assert!(!verify(&text.replace("loan_application", "guarantee"), sig));
    assert!(!verify(
        &text.replacen("\"monthly_cap\":3", "\"monthly_cap\":30", 1),
        sig
    ));

    // The JSON is canonical: re-serialising with sorted keys and no
    // whitespace gives the same bytes.
    let doc: Value = serde_json::from_str(text).unwrap();
    assert_eq!(xinyong::domain::consent::canonical_json(&doc), text);
    assert_eq!(doc["format"], "xinyong.consent-receipt/1");
    assert_eq!(doc["key_id"], receipt["keyId"]);
    assert_eq!(doc["event"], "granted");
    assert_eq!(doc["consent"]["id"], raw_id(&id));
    assert_eq!(doc["consent"]["version"], 1);
    assert_eq!(doc["subject"]["name"], demo::ENTERPRISE_NAME);
    assert_eq!(doc["subject"]["identifier"], demo::ENTERPRISE_USCC);
    assert_eq!(doc["agency"]["name"], demo::AGENCY_NAME);
    assert_eq!(doc["purpose"]["code"], "loan_application");
    assert_eq!(doc["purpose"]["name_zh"], "贷款申请");
    assert_eq!(doc["purpose"]["text"], "2026年流动资金贷款审批");
    assert_eq!(doc["mode"], json!({ "type": "periodic", "monthly_cap": 3 }));
    assert_eq!(doc["scope"]["info_classes"], json!(["warning"]));
    assert_eq!(doc["valid_from"], "2026-11-21T04:00:00Z");
    assert_eq!(doc["valid_until"], "2027-11-21T04:00:00Z");
    assert_eq!(doc["granted_by"]["role"], "owner");

    // The agency may download the same receipt.
    let ag = agency_token(&app).await;
    let r = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on Consent { receipt { json signature } } } }",
            json!({ "id": id }),
            Some(&ag),
        )
        .await;
    assert_eq!(ok(&r)["node"]["receipt"]["json"], receipt["json"]);

    // A renewal's receipt verifies with the same key.
    let p = consent_step(
        &app,
        &own,
        "renewConsent",
        json!({ "id": id, "validUntil": "2028-01-01T00:00:00Z" }),
    )
    .await;
    let renewed = &p["consent"]["receipt"];
    assert!(verify(
        renewed["json"].as_str().unwrap(),
        renewed["signature"].as_str().unwrap()
    ));
    assert!(
        renewed["json"]
            .as_str()
            .unwrap()
            .contains("\"event\":\"renewed\"")
    );
    // The key set is the only key material an agency needs.
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
}
