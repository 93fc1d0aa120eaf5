//! The change feed and webhooks for credit agencies: completeness, order,
//! scoping and resumption of `recordChanges`; signed webhook deliveries to a
//! real HTTP receiver, retries with backoff, exactly-once delivery with two
//! workers, dead deliveries and auto-disabled subscriptions, and the
//! delivery log.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{Duration, NaiveDate};
use entity::enums::{ActorKind, Channel, ConsentMode, ConsentRequester, ConsentStatus};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};
use sha2::Sha256;
use xinyong::domain::identifier::Uscc;
use xinyong::service::{demo, feed, webhooks};
use xinyong_tests::{Gql, TestApp};

const SUBMIT: &str = "mutation($i: SubmitRecordsInput!) { submitRecords(input: $i) {
  accepted corrected rejected results { recordId userErrors { field code message } } } }";

const WITHDRAW: &str = "mutation($i: WithdrawRecordInput!) { withdrawRecord(input: $i) {
  record { id } userErrors { code message } } }";

const FEED: &str =
    "query($first: Int!, $after: String) { recordChanges(first: $first, after: $after) {
  edges { cursor node { id kind occurredAt subject { id kind name identifier } recordId consentId
    deleteBy deleteByProvisional } }
  pageInfo { hasNextPage hasPreviousPage endCursor } } }";

const CREATE: &str =
    "mutation($i: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $i) {
  subscription { id url events status secretHint consecutiveFailures }
  secret userErrors { field code message } } }";

const UPDATE: &str =
    "mutation($i: UpdateWebhookSubscriptionInput!) { updateWebhookSubscription(input: $i) {
  subscription { id status consecutiveFailures disabledReason } userErrors { code } } }";

const SUBSCRIPTIONS: &str =
    "{ webhookSubscriptions { id url status consecutiveFailures disabledAt disabledReason
  deliveries(first: 50) { edges { node { id eventId eventKind status attempts nextAttemptAt
    lastAttemptAt responseStatus lastError createdAt deliveredAt payload } } } } }";

// ---------------------------------------------------------------------------
// Set-up

fn today(app: &TestApp) -> NaiveDate {
    xinyong::domain::time::local_date(app.state.now())
}

fn uscc(n: u32) -> String {
    Uscc::from_body(&format!("91350100MA{n:07}"))
        .unwrap()
        .as_str()
        .to_string()
}

/// A general penalty against `subject`, with the given disclosure.
fn penalty(app: &TestApp, source_ref: &str, subject: &str, disclosure: &str) -> Value {
    let decided = today(app) - Duration::days(2);
    json!({
        "sourceRef": source_ref,
        "category": "administrative_penalty",
        "subjectIdentifier": subject,
        "subjectName": format!("测试企业{subject}"),
        "title": format!("机密标题-{source_ref}"),
        "content": { "violation_type": "未按规定公示年度报告", "basis": "《企业信息公示暂行条例》第八条", "penalty_content": "警告" },
        "legalBasis": { "docType": "行政处罚决定书", "number": format!("榕市监罚〔2026〕{source_ref}号"), "issuer": "福州市市场监督管理局", "effectiveOn": decided.to_string() },
        "decidedOn": decided.to_string(),
        "severity": "GENERAL",
        "disclosure": disclosure,
    })
}

/// A platform that accepts plain-HTTP webhook endpoints on 127.0.0.1, with demo data.
async fn platform() -> TestApp {
    let app = TestApp::spawn_configured(chrono::Utc::now(), |c| c.webhook_allow_http = true).await;
    demo::seed(&app.state).await.expect("demo data seeds");
    app
}

async fn staff(app: &TestApp) -> String {
    app.login(demo::STAFF_EMAIL, demo::DEMO_PASSWORD).await.0
}

fn ok(r: &Gql) -> &Value {
    assert!(r.body["errors"].is_null(), "{}", r.body);
    r.data()
}

/// Submits records; returns their ids (as stored).
async fn submit(app: &TestApp, token: &str, records: Vec<Value>) -> Vec<i64> {
    let n = records.len();
    let r = app
        .graphql(SUBMIT, json!({ "i": { "records": records } }), Some(token))
        .await;
    let d = &ok(&r)["submitRecords"];
    assert_eq!(d["rejected"], 0, "{}", r.body);
    let mut ids = Vec::new();
    for i in 0..n {
        let gid = d["results"][i]["recordId"].as_str().unwrap();
        let (_, id) = xinyong::graphql::node::decode_id(gid).unwrap();
        ids.push(id);
    }
    ids
}

async fn withdraw(app: &TestApp, token: &str, source_ref: &str) {
    let r = app
        .graphql(
            WITHDRAW,
            json!({ "i": { "sourceRef": source_ref, "reason": "处罚决定已被撤销" } }),
            Some(token),
        )
        .await;
    assert!(
        ok(&r)["withdrawRecord"]["userErrors"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{}",
        r.body
    );
}

async fn subject_of(app: &TestApp, record_id: i64) -> i64 {
    entity::credit_record::Entity::find_by_id(record_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .subject_id
}

/// A credit agency with one API client; returns (agency id, access token).
async fn agency(app: &TestApp, n: u32, scopes: &[&str]) -> (i64, String) {
    let client_id = format!("feed-agency-{n}");
    let secret = format!("feed-agency-secret-{n}");
    let (agency, _) = demo::create_agency_with_client(
        &app.state,
        &format!("测试征信{n}有限公司"),
        &uscc(900_000 + n),
        &format!("ZX-2026-{n:03}"),
        &client_id,
        &secret,
        scopes,
    )
    .await
    .expect("agency created");
    // The clock only moves when a test moves it, so rate-limit buckets never
    // refill by themselves: give the client room for the whole test.
    entity::api_client::Entity::update_many()
        .col_expr(
            entity::api_client::Column::RateTier,
            sea_orm::sea_query::Expr::value("custom:100000:1000"),
        )
        .filter(entity::api_client::Column::ClientId.eq(client_id.as_str()))
        .exec(&app.state.db)
        .await
        .unwrap();
    (agency.id, agency_token(app, n).await)
}

/// A fresh access token of agency `n`'s client (tokens live 15 minutes of
/// the test clock).
async fn agency_token(app: &TestApp, n: u32) -> String {
    let (status, body) = app
        .client_token(
            &format!("feed-agency-{n}"),
            &format!("feed-agency-secret-{n}"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

const AGENCY_SCOPES: &[&str] = &["changes:read", "webhooks:manage"];

/// A live consent of `subject` for `agency`, written directly.
async fn consent(app: &TestApp, agency_id: i64, subject_id: i64) -> i64 {
    let now = app.state.now();
    entity::consent::ActiveModel {
        subject_id: Set(subject_id),
        agency_id: Set(agency_id),
        purpose_code: Set("loan_underwriting".into()),
        purpose_text: Set("贷款审批".into()),
        scope_classes: Set(json!(["basic", "good", "hint", "warning"])),
        scope_categories: Set(json!([])),
        mode: Set(ConsentMode::Periodic),
        monthly_cap: Set(Some(10)),
        valid_from: Set(now - Duration::days(1)),
        valid_until: Set(now + Duration::days(365)),
        status: Set(ConsentStatus::Active),
        uses: Set(0),
        requested_by: Set(ConsentRequester::Subject),
        granted_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("consent row")
    .id
}

/// A query-log row: the agency received data about the subject.
async fn received(app: &TestApp, agency_id: i64, subject_id: i64) {
    entity::query_log::ActiveModel {
        occurred_at: Set(app.state.now() - Duration::days(30)),
        subject_id: Set(subject_id),
        actor_kind: Set(ActorKind::AgencyClient),
        agency_id: Set(Some(agency_id)),
        purpose_code: Set("loan_underwriting".into()),
        channel: Set(Channel::Api),
        record_ids: Set(json!([])),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("query-log row");
}

/// A consent lifecycle event, as the consent service writes it.
async fn consent_event(app: &TestApp, consent_id: i64, subject_id: i64, kind: &str) -> i64 {
    entity::change_event::ActiveModel {
        subject_id: Set(subject_id),
        record_id: Set(None),
        consent_id: Set(Some(consent_id)),
        kind: Set(kind.into()),
        data: Set(json!({})),
        occurred_at: Set(app.state.now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap()
    .id
}

/// The change events of a record, oldest first.
async fn events_of(app: &TestApp, record_id: i64) -> Vec<entity::change_event::Model> {
    entity::change_event::Entity::find()
        .filter(entity::change_event::Column::RecordId.eq(record_id))
        .order_by_asc(entity::change_event::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

/// Reads the whole feed in pages of `page`; returns the nodes.
async fn read_feed(app: &TestApp, token: &str, page: i32) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let r = app
            .graphql(FEED, json!({ "first": page, "after": after }), Some(token))
            .await;
        let c = &ok(&r)["recordChanges"];
        let edges = c["edges"].as_array().unwrap();
        assert!(edges.len() <= page as usize);
        out.extend(edges.iter().map(|e| e["node"].clone()));
        if !c["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            return out;
        }
        after = Some(c["pageInfo"]["endCursor"].as_str().unwrap().to_string());
    }
}

fn node_ids(nodes: &[Value]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------
// A webhook receiver on 127.0.0.1 that records every request.

#[derive(Clone, Debug)]
struct Hit {
    signature: String,
    event: String,
    delivery: String,
    body: Vec<u8>,
}

#[derive(Clone)]
struct Receiver {
    hits: Arc<Mutex<Vec<Hit>>>,
    /// Answer 500 to this many requests first, then 200.
    fail_first: Arc<AtomicUsize>,
    always_fail: bool,
    delay: std::time::Duration,
    url: String,
}

impl Receiver {
    async fn start(fail_first: usize, always_fail: bool, delay_ms: u64) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let r = Receiver {
            hits: Arc::new(Mutex::new(Vec::new())),
            fail_first: Arc::new(AtomicUsize::new(fail_first)),
            always_fail,
            delay: std::time::Duration::from_millis(delay_ms),
            url: format!("http://127.0.0.1:{}/hooks/xinyong", addr.port()),
        };
        let router = axum::Router::new()
            .route("/hooks/xinyong", axum::routing::post(hook))
            .with_state(r.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        r
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if !r.delay.is_zero() {
        tokio::time::sleep(r.delay).await;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    r.hits.lock().unwrap().push(Hit {
        signature: header("x-xinyong-signature"),
        event: header("x-xinyong-event"),
        delivery: header("x-xinyong-delivery"),
        body: body.to_vec(),
    });
    let fail = r.always_fail
        || r.fail_first
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    if fail {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

/// Verifies a signature the way docs/webhooks.md tells receivers to, with
/// the HMAC crates directly (not the platform's code); returns `t`.
fn verify(header: &str, body: &[u8], secret: &str) -> i64 {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = Some(v.parse::<i64>().expect("numeric t")),
            Some(("v1", v)) => v1.push(v.to_string()),
            _ => {}
        }
    }
    let t = t.expect("t= in the signature header");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    assert!(
        v1.contains(&expected),
        "no v1 in {header:?} matches the HMAC of the body"
    );
    t
}

async fn subscribe(app: &TestApp, token: &str, url: &str, events: &[&str]) -> (String, String) {
    let r = app
        .graphql(
            CREATE,
            json!({ "i": { "url": url, "events": events } }),
            Some(token),
        )
        .await;
    let p = &ok(&r)["createWebhookSubscription"];
    assert!(p["userErrors"].as_array().unwrap().is_empty(), "{}", r.body);
    let secret = p["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    assert!(
        p["subscription"]["secretHint"]
            .as_str()
            .unwrap()
            .ends_with(&secret[secret.len() - 4..])
    );
    (
        p["subscription"]["id"].as_str().unwrap().to_string(),
        secret,
    )
}

async fn subscriptions(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app.graphql(SUBSCRIPTIONS, json!({}), Some(token)).await;
    ok(&r)["webhookSubscriptions"].as_array().unwrap().clone()
}

async fn deliver(app: &TestApp) -> usize {
    xinyong::jobs::deliver_webhooks_once(&app.state)
        .await
        .expect("webhook job runs")
}

// ---------------------------------------------------------------------------
// The change feed

#[tokio::test]
async fn the_feed_is_complete_ordered_scoped_and_resumable() {
    let app = platform().await;
    let staff = staff(&app).await;
    let (a_id, a) = agency(&app, 1, AGENCY_SCOPES).await;
    let (b_id, b) = agency(&app, 2, AGENCY_SCOPES).await;

    // S1: consented; S2: data received earlier, no consent; S3: neither.
    let (s1, s2, s3) = (uscc(101), uscc(102), uscc(103));
    let ids = submit(
        &app,
        &staff,
        vec![
            penalty(&app, "F-A", &s1, "PUBLIC"),
            penalty(&app, "F-G", &s1, "GOVERNMENT"),
            penalty(&app, "F-B", &s2, "AUTHORIZED"),
            penalty(&app, "F-D", &s3, "PUBLIC"),
        ],
    )
    .await;
    let (rec_a, rec_g, rec_b, rec_d) = (ids[0], ids[1], ids[2], ids[3]);
    let (sub1, sub2) = (subject_of(&app, rec_a).await, subject_of(&app, rec_b).await);
    let consent_a = consent(&app, a_id, sub1).await;
    let consent_b = consent(&app, b_id, sub1).await;
    received(&app, a_id, sub2).await;

    // A correction, a public record on S2, withdrawals, consent events.
    let mut corrected = penalty(&app, "F-A", &s1, "PUBLIC");
    corrected["title"] = json!("机密标题-F-A-更正");
    corrected["correctionReason"] = json!("文号有误");
    let c_ids = submit(
        &app,
        &staff,
        vec![corrected, penalty(&app, "F-C", &s2, "PUBLIC")],
    )
    .await;
    let rec_c = c_ids[1];
    withdraw(&app, &staff, "F-A").await;
    withdraw(&app, &staff, "F-B").await;
    withdraw(&app, &staff, "F-D").await;
    withdraw(&app, &staff, "F-G").await;
    let granted_a = consent_event(&app, consent_a, sub1, "consent_granted").await;
    consent_event(&app, consent_b, sub1, "consent_granted").await;

    // Expected for A: every event of record A (created, corrected,
    // withdrawn); on S2 (received only) the public record's creation and
    // the authorised record's withdrawal but not its creation; its own
    // consent's event. Nothing of S3, of the government-only record, or of
    // the other agency's consent.
    let ev_a = events_of(&app, rec_a).await;
    assert_eq!(
        ev_a.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["created", "corrected", "withdrawn"]
    );
    let ev_b = events_of(&app, rec_b).await;
    let ev_c = events_of(&app, rec_c).await;
    let mut expected: Vec<i64> = ev_a.iter().map(|e| e.id).collect();
    expected.push(ev_b[1].id);
    expected.push(ev_c[0].id);
    expected.push(granted_a);
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(feed::event_id).collect();
    assert!(!events_of(&app, rec_d).await.is_empty());
    assert!(!events_of(&app, rec_g).await.is_empty());

    let all = read_feed(&app, &a, 100).await;
    assert_eq!(
        node_ids(&all),
        expected,
        "complete and in change_event.id order"
    );
    // Resuming from every cursor gives the same sequence, in pages of 2.
    assert_eq!(node_ids(&read_feed(&app, &a, 2).await), expected);
    assert_eq!(node_ids(&read_feed(&app, &a, 1).await), expected);

    // What one event says: ids, kind, subject, deadline; no content.
    let withdrawn = all
        .iter()
        .find(|n| n["kind"] == "WITHDRAWN" && n["subject"]["identifier"] == s1.as_str())
        .unwrap();
    assert_eq!(
        withdrawn["recordId"],
        json!(
            xinyong::graphql::node::global_id(
                xinyong::graphql::node::NodeType::CreditRecord,
                rec_a
            )
            .0
        )
    );
    assert_eq!(
        withdrawn["subject"]["id"],
        json!(feed::opaque_id("Subject", sub1))
    );
    assert_eq!(withdrawn["subject"]["name"], json!(format!("测试企业{s1}")));
    assert_eq!(withdrawn["subject"]["kind"], "ENTERPRISE");
    assert!(withdrawn["consentId"].is_null());
    let due = feed::delete_by(&app.state.reference(), "withdrawn", ev_a[2].occurred_at)
        .expect("a removal has a deadline");
    assert_eq!(withdrawn["deleteBy"], json!(due.date.to_string()));
    assert!(due.date > today(&app));
    let created = &all[0];
    assert_eq!(created["kind"], "CREATED");
    assert!(created["deleteBy"].is_null());
    let consent_node = all.last().unwrap();
    assert_eq!(consent_node["kind"], "CONSENT_GRANTED");
    assert_eq!(
        consent_node["consentId"],
        json!(feed::opaque_id("Consent", consent_a))
    );
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains("机密标题"), "no record content in the feed");

    // B holds a consent for S1 too: it sees S1's record events and its own
    // consent's event, never A's consent or S2.
    let b_feed = read_feed(&app, &b, 100).await;
    assert!(
        b_feed
            .iter()
            .all(|n| n["subject"]["identifier"] == s1.as_str())
    );
    assert!(b_feed.iter().all(|n| n["consentId"].is_null()
        || n["consentId"] == json!(feed::opaque_id("Consent", consent_b))));
    assert_eq!(b_feed.len(), 4);

    // An agency with no consent and no data received sees nothing at all.
    let (_, c) = agency(&app, 3, AGENCY_SCOPES).await;
    assert!(read_feed(&app, &c, 100).await.is_empty());

    // A cursor past the end: an empty page that keeps saying "previous".
    let last = app
        .graphql(FEED, json!({ "first": 100, "after": null }), Some(&a))
        .await;
    let end = ok(&last)["recordChanges"]["pageInfo"]["endCursor"].clone();
    let r = app
        .graphql(FEED, json!({ "first": 10, "after": end }), Some(&a))
        .await;
    let c2 = &ok(&r)["recordChanges"];
    assert!(c2["edges"].as_array().unwrap().is_empty());
    assert_eq!(c2["pageInfo"]["hasNextPage"], false);
    assert_eq!(c2["pageInfo"]["hasPreviousPage"], true);
    // A new event appears after that cursor.
    withdraw(&app, &staff, "F-C").await;
    let r = app
        .graphql(FEED, json!({ "first": 10, "after": end }), Some(&a))
        .await;
    let edges = ok(&r)["recordChanges"]["edges"].as_array().unwrap().clone();
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0]["node"]["kind"], "WITHDRAWN");
}

#[tokio::test]
async fn the_feed_needs_an_agency_client_with_the_scope_and_caps_first() {
    let app = platform().await;
    let (_, a) = agency(&app, 1, AGENCY_SCOPES).await;
    let (_, no_scope) = agency(&app, 2, &["subjects:read"]).await;
    let staff = staff(&app).await;

    let r = app.graphql(FEED, json!({ "first": 10 }), None).await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"), "{}", r.body);
    let r = app
        .graphql(FEED, json!({ "first": 10 }), Some(&no_scope))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);
    let r = app
        .graphql(FEED, json!({ "first": 10 }), Some(&staff))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);

    let r = app.graphql(FEED, json!({ "first": 101 }), Some(&a)).await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{}", r.body);
    assert_eq!(
        r.body["errors"][0]["extensions"]["reason"],
        "PAGE_SIZE_TOO_LARGE"
    );
    let r = app.graphql(FEED, json!({ "first": -1 }), Some(&a)).await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{}", r.body);
    let r = app
        .graphql(
            "{ recordChanges { edges { cursor } } }",
            json!({}),
            Some(&a),
        )
        .await;
    assert_eq!(
        r.error_code(),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "first is required"
    );
    let r = app
        .graphql(
            FEED,
            json!({ "first": 10, "after": "not-a-cursor" }),
            Some(&a),
        )
        .await;
    assert_eq!(
        r.body["errors"][0]["extensions"]["reason"],
        "CURSOR_INVALID"
    );
    let r = app.graphql(FEED, json!({ "first": 100 }), Some(&a)).await;
    assert!(
        ok(&r)["recordChanges"]["edges"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------------------
// Webhooks

/// Where the fan-out's cursor stands.
async fn fanout_cursor(app: &TestApp) -> i64 {
    entity::job_run::Entity::find()
        .filter(entity::job_run::Column::Key.eq(feed::FANOUT_CURSOR_KEY))
        .one(&app.state.db)
        .await
        .unwrap()
        .and_then(|c| c.detail["last_event_id"].as_i64())
        .unwrap_or(0)
}

#[tokio::test]
async fn without_a_live_subscription_the_fan_out_passes_events_over_at_once() {
    let app = platform().await;
    let staff = staff(&app).await;
    let (a_id, a) = agency(&app, 1, AGENCY_SCOPES).await;
    let s1 = uscc(211);
    let first = submit(&app, &staff, vec![penalty(&app, "P-1", &s1, "PUBLIC")]).await;
    let subject = subject_of(&app, first[0]).await;
    consent(&app, a_id, subject).await;
    let last = entity::change_event::Entity::find()
        .order_by_desc(entity::change_event::Column::Id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("events were written")
        .id;

    // No subscription yet: nothing is delivered and the cursor moves past
    // every event written so far (the demo set's included).
    assert_eq!(deliver(&app).await, 0);
    assert_eq!(fanout_cursor(&app).await, last);
    assert_eq!(
        entity::webhook_delivery::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );

    // A subscription made now gets what happens from now on, and only that.
    let receiver = Receiver::start(0, false, 0).await;
    let (sub_id, _) = subscribe(&app, &a, &receiver.url, &["CREATED"]).await;
    let second = submit(&app, &staff, vec![penalty(&app, "P-2", &s1, "PUBLIC")]).await;
    assert_eq!(deliver(&app).await, 1);
    let subs = subscriptions(&app, &a).await;
    let edges = subs[0]["deliveries"]["edges"].as_array().unwrap().clone();
    assert_eq!(subs[0]["id"], sub_id);
    assert_eq!(edges.len(), 1, "{edges:?}");
    assert_eq!(edges[0]["node"]["status"], "DELIVERED", "{edges:?}");
    assert!(fanout_cursor(&app).await > last);
    assert_ne!(first, second);
}

#[tokio::test]
async fn deliveries_are_signed_retried_with_backoff_and_never_resent() {
    let app = platform().await;
    let staff = staff(&app).await;
    let (a_id, a) = agency(&app, 1, AGENCY_SCOPES).await;
    // The receiver answers 500 twice, then 200.
    let receiver = Receiver::start(2, false, 0).await;

    // Endpoints must be HTTPS on a public host (plain HTTP on 127.0.0.1 is
    // allowed here only because this platform runs with
    // XINYONG_WEBHOOK_ALLOW_HTTP=true).
    for (url, code) in [
        ("http://hooks.example.com/x", "URL_NOT_HTTPS"),
        ("https://10.0.0.8/x", "URL_NOT_PUBLIC"),
        ("https://user:pw@hooks.example.com/x", "URL_CREDENTIALS"),
    ] {
        let r = app
            .graphql(
                CREATE,
                json!({ "i": { "url": url, "events": ["CREATED"] } }),
                Some(&a),
            )
            .await;
        assert_eq!(
            ok(&r)["createWebhookSubscription"]["userErrors"][0]["code"],
            code,
            "{url}"
        );
    }
    let r = app
        .graphql(
            CREATE,
            json!({ "i": { "url": receiver.url, "events": [] } }),
            Some(&a),
        )
        .await;
    assert_eq!(
        ok(&r)["createWebhookSubscription"]["userErrors"][0]["code"],
        "EVENTS_REQUIRED"
    );

    let (sub_id, secret) = subscribe(
        &app,
        &a,
        &receiver.url,
        &["CREATED", "WITHDRAWN", "CONSENT_GRANTED"],
    )
    .await;

    let s1 = uscc(201);
    let ids = submit(&app, &staff, vec![penalty(&app, "W-1", &s1, "PUBLIC")]).await;
    // The record was created before the consent: the event predates it, but
    // the fan-out judges at fan-out time.
    let subject = subject_of(&app, ids[0]).await;
    consent(&app, a_id, subject).await;

    // Attempt 1: 500.
    assert_eq!(deliver(&app).await, 1);
    let subs = subscriptions(&app, &a).await;
    let d = &subs[0]["deliveries"]["edges"][0]["node"];
    assert_eq!(d["status"], "FAILED", "{d}");
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["responseStatus"], 500);
    assert!(d["lastError"].as_str().unwrap().contains("500"));
    assert_eq!(subs[0]["consecutiveFailures"], 1);
    // Not due yet: nothing is sent.
    assert_eq!(deliver(&app).await, 0);
    assert_eq!(receiver.hits().len(), 1);
    // The first retry waits 10 s ± 20 %.
    app.clock.advance(Duration::seconds(7));
    assert_eq!(deliver(&app).await, 0);
    app.clock.advance(Duration::seconds(6));
    // Attempt 2: 500; the next waits 20 s ± 20 %.
    assert_eq!(deliver(&app).await, 1);
    app.clock.advance(Duration::seconds(15));
    assert_eq!(deliver(&app).await, 0);
    app.clock.advance(Duration::seconds(10));
    // Attempt 3: 200.
    assert_eq!(deliver(&app).await, 1);
    let subs = subscriptions(&app, &a).await;
    let d = &subs[0]["deliveries"]["edges"][0]["node"];
    assert_eq!(d["status"], "DELIVERED", "{d}");
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["responseStatus"], 200);
    assert!(d["lastError"].is_null());
    assert!(d["deliveredAt"].is_string());
    assert!(d["nextAttemptAt"].is_null());
    assert_eq!(subs[0]["consecutiveFailures"], 0);

    // Never sent again after success, however late it gets.
    app.clock.advance(Duration::hours(5));
    assert_eq!(deliver(&app).await, 0);
    let (staff, a) = (self::staff(&app).await, agency_token(&app, 1).await);
    let hits = receiver.hits();
    assert_eq!(hits.len(), 3);

    // Every attempt: same delivery id, same body, valid signature.
    let delivery_id = d["id"].as_str().unwrap();
    for h in &hits {
        assert_eq!(h.delivery, delivery_id);
        assert_eq!(h.event, "created");
        assert_eq!(h.body, hits[0].body);
        verify(&h.signature, &h.body, &secret);
    }
    let body: Value = serde_json::from_slice(&hits[0].body).unwrap();
    let event = &events_of(&app, ids[0]).await[0];
    assert_eq!(
        body,
        json!({
            "id": feed::event_id(event.id),
            "kind": "created",
            "occurredAt": body["occurredAt"],
            "subjectId": feed::opaque_id("Subject", subject),
            "recordId": feed::opaque_id("CreditRecord", ids[0]),
            "consentId": null,
            "deleteBy": null,
        })
    );
    assert_eq!(body, d["payload"]);
    assert!(!String::from_utf8_lossy(&hits[0].body).contains("机密标题"));
    // A tampered body or another secret does not verify.
    assert!(webhooks::verify_signature(&hits[0].signature, b"{}", &secret, 0, i64::MAX).is_err());
    assert!(
        webhooks::verify_signature(
            &hits[0].signature,
            &hits[0].body,
            "whsec_other",
            0,
            i64::MAX
        )
        .is_err()
    );

    // A withdrawal carries the deletion deadline; a correction is not
    // subscribed to and is not sent.
    let mut corrected = penalty(&app, "W-1", &s1, "PUBLIC");
    corrected["title"] = json!("更正后");
    corrected["correctionReason"] = json!("更正");
    submit(&app, &staff, vec![corrected]).await;
    withdraw(&app, &staff, "W-1").await;
    assert_eq!(deliver(&app).await, 1);
    let hits = receiver.hits();
    let last = hits.last().unwrap();
    assert_eq!(last.event, "withdrawn");
    let t = verify(&last.signature, &last.body, &secret);
    assert_eq!(t, app.state.now().timestamp());
    let body: Value = serde_json::from_slice(&last.body).unwrap();
    let withdrawn = events_of(&app, ids[0]).await.pop().unwrap();
    let due = feed::delete_by(&app.state.reference(), "withdrawn", withdrawn.occurred_at).unwrap();
    assert_eq!(body["deleteBy"], json!(due.date.to_string()));
    assert_eq!(body["kind"], "withdrawn");

    // A ping is signed the same way.
    let r = app
        .graphql(
            "mutation($i: WebhookSubscriptionIdInput!) { pingWebhookSubscription(input: $i) {
               delivery { id eventKind status } userErrors { code } } }",
            json!({ "i": { "id": sub_id } }),
            Some(&a),
        )
        .await;
    assert_eq!(
        ok(&r)["pingWebhookSubscription"]["delivery"]["eventKind"],
        "ping"
    );
    assert_eq!(deliver(&app).await, 1);
    let ping = receiver.hits().pop().unwrap();
    assert_eq!(ping.event, "ping");
    verify(&ping.signature, &ping.body, &secret);
}

#[tokio::test]
async fn two_workers_deliver_each_event_exactly_once() {
    let app = platform().await;
    let staff = staff(&app).await;
    let (a_id, a) = agency(&app, 1, AGENCY_SCOPES).await;
    // A slow receiver widens the window in which both workers are busy.
    let receiver = Receiver::start(0, false, 30).await;
    subscribe(&app, &a, &receiver.url, &["CREATED"]).await;
    // Another subscription of another agency that sees none of it.
    let (_, b) = agency(&app, 2, AGENCY_SCOPES).await;
    let other = Receiver::start(0, false, 0).await;
    subscribe(&app, &b, &other.url, &["CREATED"]).await;

    let s = uscc(301);
    let first = submit(&app, &staff, vec![penalty(&app, "X-0", &s, "PUBLIC")]).await;
    consent(&app, a_id, subject_of(&app, first[0]).await).await;
    let records: Vec<Value> = (1..45)
        .map(|i| penalty(&app, &format!("X-{i}"), &s, "PUBLIC"))
        .collect();
    submit(&app, &staff, records).await;

    let (s1, s2) = (app.state.clone(), app.state.clone());
    let (r1, r2) = tokio::join!(
        tokio::spawn(async move { xinyong::jobs::deliver_webhooks_once(&s1).await }),
        tokio::spawn(async move { xinyong::jobs::deliver_webhooks_once(&s2).await }),
    );
    let (n1, n2) = (r1.unwrap().unwrap(), r2.unwrap().unwrap());
    // Whatever the split, 45 attempts in all (a worker that found nothing
    // due, or a fan-out skipped by the other's lock, is caught up here).
    let n3 = deliver(&app).await;
    assert_eq!(n1 + n2 + n3, 45, "{n1} + {n2} + {n3}");

    let hits = receiver.hits();
    assert_eq!(hits.len(), 45);
    let deliveries: HashSet<&str> = hits.iter().map(|h| h.delivery.as_str()).collect();
    assert_eq!(deliveries.len(), 45, "each delivery sent once");
    let events: HashSet<String> = hits
        .iter()
        .map(|h| {
            let v: Value = serde_json::from_slice(&h.body).unwrap();
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(events.len(), 45, "each event sent once");
    assert!(other.hits().is_empty());

    // Two more workers later: nothing left, nothing resent.
    app.clock.advance(Duration::hours(1));
    let (s1, s2) = (app.state.clone(), app.state.clone());
    let (r1, r2) = tokio::join!(
        tokio::spawn(async move { xinyong::jobs::deliver_webhooks_once(&s1).await }),
        tokio::spawn(async move { xinyong::jobs::deliver_webhooks_once(&s2).await }),
    );
    assert_eq!(r1.unwrap().unwrap() + r2.unwrap().unwrap(), 0);
    assert_eq!(receiver.hits().len(), 45);
    let rows = entity::webhook_delivery::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows, 45);
}

#[tokio::test]
async fn a_failing_endpoint_dies_and_its_subscription_is_disabled() {
    let app = platform().await;
    let staff = staff(&app).await;
    let (a_id, a) = agency(&app, 1, AGENCY_SCOPES).await;
    let receiver = Receiver::start(0, true, 0).await;
    let (sub_id, _) = subscribe(&app, &a, &receiver.url, &["CREATED", "WITHDRAWN"]).await;

    let subj = uscc(401);
    let ids = submit(&app, &staff, vec![penalty(&app, "D-1", &subj, "PUBLIC")]).await;
    consent(&app, a_id, subject_of(&app, ids[0]).await).await;

    for attempt in 1..=webhooks::MAX_ATTEMPTS {
        assert_eq!(deliver(&app).await, 1, "attempt {attempt}");
        // Longer than any backoff (at most 1 h + 20 %).
        app.clock.advance(Duration::minutes(75));
    }
    assert_eq!(deliver(&app).await, 0, "dead: not retried");
    let (staff, a) = (self::staff(&app).await, agency_token(&app, 1).await);
    assert_eq!(receiver.hits().len(), webhooks::MAX_ATTEMPTS as usize);

    let subs = subscriptions(&app, &a).await;
    let sub = &subs[0];
    assert_eq!(sub["status"], "DISABLED", "{sub}");
    assert_eq!(sub["consecutiveFailures"], webhooks::MAX_ATTEMPTS);
    assert!(
        sub["disabledReason"]
            .as_str()
            .unwrap()
            .contains("consecutive failed")
    );
    let d = &sub["deliveries"]["edges"][0]["node"];
    assert_eq!(d["status"], "DEAD");
    assert_eq!(d["attempts"], webhooks::MAX_ATTEMPTS);
    assert!(d["nextAttemptAt"].is_null());
    // The agency is told: an audit row it can be shown.
    let notices = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("webhooks.disable"))
        .filter(
            entity::audit_event::Column::ObjectId.eq(xinyong::graphql::node::decode_id(&sub_id)
                .unwrap()
                .1
                .to_string()),
        )
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(notices, 1);

    // While disabled, nothing is queued or sent (the feed is the way to
    // catch up)...
    withdraw(&app, &staff, "D-1").await;
    assert_eq!(deliver(&app).await, 0);
    assert_eq!(receiver.hits().len(), webhooks::MAX_ATTEMPTS as usize);
    // ... and enabling again clears the count; later events are sent.
    let r = app
        .graphql(
            UPDATE,
            json!({ "i": { "id": sub_id, "enabled": true } }),
            Some(&a),
        )
        .await;
    let s = &ok(&r)["updateWebhookSubscription"]["subscription"];
    assert_eq!(s["status"], "ACTIVE");
    assert_eq!(s["consecutiveFailures"], 0);
    assert!(s["disabledReason"].is_null());
    assert_eq!(
        deliver(&app).await,
        0,
        "the withdrawal passed while disabled"
    );
    submit(&app, &staff, vec![penalty(&app, "D-2", &subj, "PUBLIC")]).await;
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(receiver.hits().last().unwrap().event, "created");
}

#[tokio::test]
async fn subscriptions_are_private_secrets_rotate_and_scope_is_needed() {
    let app = platform().await;
    let staff = staff(&app).await;
    let (a_id, a) = agency(&app, 1, AGENCY_SCOPES).await;
    let (_, b) = agency(&app, 2, AGENCY_SCOPES).await;
    let (_, feed_only) = agency(&app, 3, &["changes:read"]).await;
    let receiver = Receiver::start(0, false, 0).await;
    let (sub_id, old_secret) = subscribe(&app, &a, &receiver.url, &["CREATED"]).await;

    // Only its own client sees or changes it.
    let r = app
        .graphql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": sub_id }),
            Some(&a),
        )
        .await;
    assert_eq!(ok(&r)["node"]["id"], json!(sub_id));
    let r = app
        .graphql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": sub_id }),
            Some(&b),
        )
        .await;
    assert!(ok(&r)["node"].is_null());
    assert!(subscriptions(&app, &b).await.is_empty());
    let r = app
        .graphql(
            UPDATE,
            json!({ "i": { "id": sub_id, "enabled": false } }),
            Some(&b),
        )
        .await;
    assert_eq!(
        ok(&r)["updateWebhookSubscription"]["userErrors"][0]["code"],
        "SUBSCRIPTION_NOT_FOUND"
    );
    let r = app
        .graphql(
            "mutation($i: WebhookSubscriptionIdInput!) { deleteWebhookSubscription(input: $i) { deletedSubscriptionId userErrors { code } } }",
            json!({ "i": { "id": sub_id } }),
            Some(&b),
        )
        .await;
    assert_eq!(
        ok(&r)["deleteWebhookSubscription"]["userErrors"][0]["code"],
        "SUBSCRIPTION_NOT_FOUND"
    );
    // The scope is needed.
    let r = app
        .graphql(SUBSCRIPTIONS, json!({}), Some(&feed_only))
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = app.graphql(SUBSCRIPTIONS, json!({}), Some(&staff)).await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));

    // Rotation: the new secret is shown once; for the grace period both sign.
    let r = app
        .graphql(
            "mutation($i: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $i) {
               secret subscription { secretHint previousSecretExpiresAt } userErrors { code } } }",
            json!({ "i": { "id": sub_id, "keepPreviousForHours": 24 } }),
            Some(&a),
        )
        .await;
    let p = &ok(&r)["rotateWebhookSecret"];
    let new_secret = p["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, old_secret);
    assert!(p["subscription"]["previousSecretExpiresAt"].is_string());

    let s = uscc(501);
    let ids = submit(&app, &staff, vec![penalty(&app, "R-1", &s, "PUBLIC")]).await;
    consent(&app, a_id, subject_of(&app, ids[0]).await).await;
    assert_eq!(deliver(&app).await, 1);
    let hit = receiver.hits().pop().unwrap();
    assert_eq!(hit.signature.matches("v1=").count(), 2);
    verify(&hit.signature, &hit.body, &new_secret);
    verify(&hit.signature, &hit.body, &old_secret);

    // After the grace period only the new secret signs.
    app.clock.advance(Duration::hours(25));
    let (staff, a) = (self::staff(&app).await, agency_token(&app, 1).await);
    submit(&app, &staff, vec![penalty(&app, "R-2", &s, "PUBLIC")]).await;
    assert_eq!(deliver(&app).await, 1);
    let hit = receiver.hits().pop().unwrap();
    assert_eq!(hit.signature.matches("v1=").count(), 1);
    verify(&hit.signature, &hit.body, &new_secret);

    // A suspended agency is sent nothing, and nothing is queued for it.
    let set_agency = |status: entity::enums::AgencyStatus| {
        entity::agency::Entity::update_many()
            .col_expr(
                entity::agency::Column::Status,
                sea_orm::sea_query::Expr::value(status),
            )
            .filter(entity::agency::Column::Id.eq(a_id))
            .exec(&app.state.db)
    };
    set_agency(entity::enums::AgencyStatus::Suspended)
        .await
        .unwrap();
    let hits_before = receiver.hits().len();
    submit(&app, &staff, vec![penalty(&app, "R-3", &s, "PUBLIC")]).await;
    assert_eq!(deliver(&app).await, 0);
    set_agency(entity::enums::AgencyStatus::Active)
        .await
        .unwrap();
    assert_eq!(deliver(&app).await, 0);
    assert_eq!(receiver.hits().len(), hits_before);

    // Deleting removes the subscription and its log.
    let r = app
        .graphql(
            "mutation($i: WebhookSubscriptionIdInput!) { deleteWebhookSubscription(input: $i) { deletedSubscriptionId userErrors { code } } }",
            json!({ "i": { "id": sub_id } }),
            Some(&a),
        )
        .await;
    assert_eq!(
        ok(&r)["deleteWebhookSubscription"]["deletedSubscriptionId"],
        json!(sub_id)
    );
    assert!(subscriptions(&app, &a).await.is_empty());
    assert_eq!(
        entity::webhook_delivery::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn events_committed_out_of_order_are_neither_skipped_nor_reordered() {
    // PostgreSQL commits transactions in any order; SQLite serialises
    // writers, so its ids always commit in order and there is nothing to test.
    if xinyong_tests::backend() != xinyong_tests::Backend::Postgres {
        return;
    }
    use sea_orm::TransactionTrait;
    let app = platform().await;
    let staff = staff(&app).await;
    let (a_id, a) = agency(&app, 1, AGENCY_SCOPES).await;
    let receiver = Receiver::start(0, false, 0).await;
    subscribe(
        &app,
        &a,
        &receiver.url,
        &["CREATED", "CORRECTED", "WITHDRAWN"],
    )
    .await;
    let subj = uscc(601);
    let ids = submit(&app, &staff, vec![penalty(&app, "O-1", &subj, "PUBLIC")]).await;
    let subject = subject_of(&app, ids[0]).await;
    consent(&app, a_id, subject).await;
    assert_eq!(deliver(&app).await, 1);
    let r = app.graphql(FEED, json!({ "first": 100 }), Some(&a)).await;
    let end = ok(&r)["recordChanges"]["pageInfo"]["endCursor"].clone();
    assert!(end.is_string());

    // A slow writer takes event id N and has not committed yet ...
    let slow = app.state.db.begin().await.unwrap();
    let early = entity::change_event::ActiveModel {
        subject_id: Set(subject),
        record_id: Set(Some(ids[0])),
        consent_id: Set(None),
        kind: Set("corrected".into()),
        data: Set(json!({})),
        occurred_at: Set(app.state.now()),
        ..Default::default()
    }
    .insert(&slow)
    .await
    .unwrap();
    // ... while a later event (N + 1) commits.
    withdraw(&app, &staff, "O-1").await;
    let late = events_of(&app, ids[0]).await.pop().unwrap();
    assert!(late.id > early.id);

    // A reader that moved its cursor past N + 1 now would never see N:
    // neither the feed nor the fan-out goes past the uncommitted event.
    let r = app
        .graphql(FEED, json!({ "first": 100, "after": end }), Some(&a))
        .await;
    assert!(
        ok(&r)["recordChanges"]["edges"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(deliver(&app).await, 0);

    slow.commit().await.unwrap();
    let r = app
        .graphql(FEED, json!({ "first": 100, "after": end }), Some(&a))
        .await;
    let edges = ok(&r)["recordChanges"]["edges"].as_array().unwrap().clone();
    let got: Vec<&str> = edges
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [feed::event_id(early.id), feed::event_id(late.id)]);
    assert_eq!(deliver(&app).await, 2);
    let kinds: Vec<String> = receiver.hits().iter().map(|h| h.event.clone()).collect();
    assert_eq!(kinds, ["created", "corrected", "withdrawn"]);
}
