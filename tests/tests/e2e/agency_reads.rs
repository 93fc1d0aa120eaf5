//! Consented queries by a credit agency: public data without a consent,
//! scope filtering with one, purpose, revocation, expiry, one-time use,
//! natural persons, the query log written with each consented read (and no
//! data without it), and the subject's own view of its query log.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use entity::enums::{ActorKind, Channel, ConsentMode, ConsentRequester, ConsentStatus, Disclosure};
use entity::{agency, api_client, consent, credit_record, subject};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, NotSet,
    QueryFilter, Set,
};
use serde_json::{Value, json};
use xinyong::graphql::node::{NodeType, global_id};
use xinyong::service::demo;
use xinyong_tests::demo::{
    at, chen_meihua_id, logged_ids, logs, nodes, ok, raw_id, record, subject_by_name, titles,
};
use xinyong_tests::{Gql, TestApp};

/// 2026-11-21 12:00 in Beijing: every demo record is decided by then.
const NOW: &str = "2026-11-21T04:00:00Z";
const LOAN: &str = "loan_application";
const CREDIT_LINE: &str = "credit_line_review";

async fn app() -> TestApp {
    let app = TestApp::spawn_at(at(NOW)).await;
    demo::seed(&app.state).await.expect("demo data seeds");
    app
}

fn ids(connection: &Value) -> BTreeSet<i64> {
    nodes(connection).iter().map(|n| raw_id(&n["id"])).collect()
}

/// A copy of `source_ref` under a new reference with another disclosure.
async fn copy_as(
    app: &TestApp,
    source_ref: &str,
    new_ref: &str,
    title: &str,
    disclosure: Disclosure,
) -> credit_record::Model {
    let mut am = record(app, source_ref).await.into_active_model();
    am.id = NotSet;
    am.source_ref = Set(new_ref.to_string());
    am.title = Set(title.to_string());
    am.disclosure = Set(disclosure);
    am.insert(&app.state.db).await.expect("insert record")
}

async fn agency_id(app: &TestApp) -> i64 {
    agency::Entity::find()
        .filter(agency::Column::Name.eq(demo::AGENCY_NAME))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("demo agency")
        .id
}

struct Terms<'a> {
    purpose: &'a str,
    classes: &'a [&'a str],
    categories: &'a [&'a str],
    mode: ConsentMode,
    valid_until: DateTime<Utc>,
}

impl<'a> Terms<'a> {
    fn periodic(purpose: &'a str, classes: &'a [&'a str], categories: &'a [&'a str]) -> Self {
        Terms {
            purpose,
            classes,
            categories,
            mode: ConsentMode::Periodic,
            valid_until: at(NOW) + Duration::days(365),
        }
    }
}

/// An active consent of the subject for the demo agency, as granting one
/// leaves it.
async fn grant(app: &TestApp, subject_id: i64, t: Terms<'_>) -> consent::Model {
    let now = app.state.now();
    consent::ActiveModel {
        subject_id: Set(subject_id),
        agency_id: Set(agency_id(app).await),
        purpose_code: Set(t.purpose.to_string()),
        purpose_text: Set("测试授权".into()),
        scope_classes: Set(json!(t.classes)),
        scope_categories: Set(json!(t.categories)),
        mode: Set(t.mode),
        monthly_cap: Set(match t.mode {
            ConsentMode::Periodic => Some(10),
            _ => None,
        }),
        valid_from: Set(now - Duration::hours(1)),
        valid_until: Set(t.valid_until),
        status: Set(ConsentStatus::Active),
        uses: Set(0),
        last_used_at: Set(None),
        requested_by: Set(ConsentRequester::Subject),
        granted_by_account_id: Set(None),
        granted_at: Set(Some(now)),
        revoked_at: Set(None),
        receipt: Set(None),
        receipt_signature: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("insert consent")
}

async fn consent_row(app: &TestApp, id: i64) -> consent::Model {
    consent::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("consent")
}

/// A token of the demo agency's client, whose rate limit these tests lift
/// (the limiter runs on the test clock, which mostly stands still).
async fn agency_token(app: &TestApp) -> String {
    api_client::Entity::update_many()
        .col_expr(
            api_client::Column::RateTier,
            sea_orm::sea_query::Expr::value("custom:1000000:1000000"),
        )
        .filter(api_client::Column::ClientId.eq(demo::AGENCY_CLIENT_ID))
        .exec(&app.state.db)
        .await
        .expect("lift the rate limit");
    let (_, token) = app
        .client_token(demo::AGENCY_CLIENT_ID, demo::AGENCY_CLIENT_SECRET)
        .await;
    token["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("agency token: {token}"))
        .to_string()
}

const QUERY: &str = "query($id: String, $node: ID, $purpose: String!, $consent: ID) {
  agencySubject(identifier: $id, id: $node, purpose: $purpose, purposeText: \"申请编号 2026-1121\",
                consent: $consent, first: 20) {
    subject { id name kind view identifier }
    purposeCode purpose { nameZh }
    records { edges { node { id title disclosure view category { code infoClass }
      revisions { version } statusReason } } pageInfo { hasNextPage } }
    moreUnderConsent restrictedRecordCount logged
    consent { id purposeCode scope { infoClasses categories } uses }
  } }";

async fn ask(app: &TestApp, token: &str, identifier: &str, purpose: &str) -> Gql {
    app.graphql(
        QUERY,
        json!({ "id": identifier, "purpose": purpose }),
        Some(token),
    )
    .await
}

/// The 闽江电子 enterprise with two authorised records (a penalty, class
/// warning; an honour, class good) and a government-only rating.
struct Fixture {
    enterprise: subject::Model,
    public: BTreeSet<String>,
    penalty: credit_record::Model,
    honour: credit_record::Model,
    rating: credit_record::Model,
}

async fn fixture(app: &TestApp, token: &str) -> Fixture {
    let enterprise = subject_by_name(app, demo::ENTERPRISE_NAME).await;
    // What the agency sees before anything is added: the public records.
    let before = ask(app, token, demo::ENTERPRISE_USCC, LOAN).await;
    let public = titles(&ok(&before)["agencySubject"]["records"]);
    assert!(!public.is_empty());
    let penalty = copy_as(
        app,
        "SCJG-2026-000102",
        "SCJG-2026-900102",
        "授权查询：产品标识不符合规定（复查）",
        Disclosure::Authorized,
    )
    .await;
    let honour = copy_as(
        app,
        "FGW-2025-000301",
        "FGW-2025-900301",
        "授权查询：诚信示范企业（复评）",
        Disclosure::Authorized,
    )
    .await;
    let rating = copy_as(
        app,
        "SWJ-2026-000201",
        "SWJ-2026-900201",
        "政务共享：纳税信用评价（内部）",
        Disclosure::Government,
    )
    .await;
    Fixture {
        enterprise,
        public,
        penalty,
        honour,
        rating,
    }
}

#[tokio::test]
async fn without_a_consent_an_agency_gets_public_records_and_a_hint_that_more_exists() {
    let app = app().await;
    let token = agency_token(&app).await;
    let f = fixture(&app, &token).await;

    let r = ask(&app, &token, demo::ENTERPRISE_USCC, LOAN).await;
    let s = &ok(&r)["agencySubject"];
    assert_eq!(s["subject"]["name"], demo::ENTERPRISE_NAME);
    assert_eq!(s["subject"]["view"], "PUBLIC");
    assert_eq!(s["purposeCode"], LOAN);
    assert_eq!(s["purpose"]["nameZh"], "贷款申请");
    assert_eq!(titles(&s["records"]), f.public, "{}", r.body);
    for hidden in [&f.penalty, &f.honour, &f.rating] {
        assert!(!r.body.to_string().contains(&hidden.title), "{}", r.body);
    }
    assert_eq!(s["moreUnderConsent"], true);
    assert_eq!(s["restrictedRecordCount"], 2, "the two authorised records");
    assert_eq!(s["logged"], false);
    assert!(s["consent"].is_null());
    assert!(
        nodes(&s["records"])
            .iter()
            .all(|n| n["revisions"].is_null() && n["statusReason"].is_null())
    );
    assert!(
        logs(&app, f.enterprise.id).await.is_empty(),
        "a public read"
    );

    // By node id too.
    let by_node = app
        .graphql(
            QUERY,
            json!({ "node": global_id(NodeType::Subject, f.enterprise.id), "purpose": LOAN }),
            Some(&token),
        )
        .await;
    assert_eq!(titles(&ok(&by_node)["agencySubject"]["records"]), f.public);

    // The count is run only when asked for, however it is asked: through a
    // fragment it is the same count.
    let counts = |statements: Vec<String>| {
        statements
            .iter()
            .filter(|sql| sql.contains("COUNT(*)") && sql.contains("\"credit_record\""))
            .count()
    };
    app.statements.take();
    let unasked = app
        .graphql(
            "query($id: String!) { agencySubject(identifier: $id, purpose: \"loan_application\", first: 5) {
               logged records { edges { node { title } } } } }",
            json!({ "id": demo::ENTERPRISE_USCC }),
            Some(&token),
        )
        .await;
    ok(&unasked);
    assert_eq!(counts(app.statements.take()), 0, "no count when not asked");
    let through_fragment = app
        .graphql(
            "query($id: String!) { agencySubject(identifier: $id, purpose: \"loan_application\") {
               ...More } }
             fragment More on ConsentedSubject { more: restrictedRecordCount }",
            json!({ "id": demo::ENTERPRISE_USCC }),
            Some(&token),
        )
        .await;
    assert_eq!(
        ok(&through_fragment)["agencySubject"]["more"],
        2,
        "{}",
        through_fragment.body
    );
    assert_eq!(counts(app.statements.take()), 1, "one count when asked");

    // A subject without non-public records: nothing more under consent.
    let hengda = ask(&app, &token, demo::COURT_DEFAULTER_USCC, LOAN).await;
    assert_eq!(ok(&hengda)["agencySubject"]["moreUnderConsent"], false);
    assert_eq!(ok(&hengda)["agencySubject"]["restrictedRecordCount"], 0);

    // A person is not found at all without a consent.
    let person = ask(&app, &token, &chen_meihua_id(), LOAN).await;
    assert!(ok(&person)["agencySubject"].is_null(), "{}", person.body);

    // The purpose is a known code.
    let bad = ask(&app, &token, demo::ENTERPRISE_USCC, "curiosity").await;
    assert_eq!(bad.error_code(), Some("BAD_USER_INPUT"), "{}", bad.body);
    assert_eq!(
        bad.body["errors"][0]["extensions"]["reason"],
        "PURPOSE_UNKNOWN"
    );
    let missing = app
        .graphql(
            "{ agencySubject(identifier: \"91350100MA099QFHXF\") { logged } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(missing.error_code(), Some("GRAPHQL_VALIDATION_FAILED"));

    // Only agencies' clients ask.
    let anonymous = ask(&app, "not-a-token", demo::ENTERPRISE_USCC, LOAN).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    let (staff, _) = app.login(demo::STAFF_EMAIL, demo::DEMO_PASSWORD).await;
    let staff_r = ask(&app, &staff, demo::ENTERPRISE_USCC, LOAN).await;
    assert_eq!(staff_r.error_code(), Some("FORBIDDEN"));
    let (_, dept) = app
        .client_token(demo::DEPARTMENT_CLIENT_ID, demo::DEPARTMENT_CLIENT_SECRET)
        .await;
    let dept = dept["access_token"].as_str().expect("token");
    let dept_r = ask(&app, dept, demo::ENTERPRISE_USCC, LOAN).await;
    assert_eq!(dept_r.error_code(), Some("FORBIDDEN"));
    let public = app
        .graphql(
            QUERY,
            json!({ "id": demo::ENTERPRISE_USCC, "purpose": LOAN }),
            None,
        )
        .await;
    assert_eq!(public.error_code(), Some("UNAUTHENTICATED"));
    assert!(logs(&app, f.enterprise.id).await.is_empty());
}

#[tokio::test]
async fn a_consent_opens_what_its_scope_covers_and_each_read_is_logged_once() {
    let app = app().await;
    let token = agency_token(&app).await;
    let f = fixture(&app, &token).await;
    // Scope by category: penalties, for loan applications.
    let by_category = grant(
        &app,
        f.enterprise.id,
        Terms::periodic(LOAN, &[], &["administrative_penalty"]),
    )
    .await;
    // Scope by class: good information, for credit line reviews.
    let by_class = grant(
        &app,
        f.enterprise.id,
        Terms::periodic(CREDIT_LINE, &["good"], &[]),
    )
    .await;

    let r = ask(&app, &token, demo::ENTERPRISE_USCC, LOAN).await;
    let s = &ok(&r)["agencySubject"];
    let mut expected = f.public.clone();
    expected.insert(f.penalty.title.clone());
    assert_eq!(titles(&s["records"]), expected, "{}", r.body);
    assert_eq!(s["logged"], true);
    assert_eq!(
        s["moreUnderConsent"], true,
        "the honour is outside the scope"
    );
    assert_eq!(s["restrictedRecordCount"], 1);
    assert_eq!(s["consent"]["id"], global_id_of_consent(by_category.id));
    assert_eq!(s["consent"]["uses"], 1);
    assert_eq!(
        s["consent"]["scope"]["categories"],
        json!(["administrative_penalty"])
    );
    let authorised = nodes(&s["records"])
        .into_iter()
        .find(|n| n["title"] == f.penalty.title.as_str())
        .expect("the authorised penalty")
        .clone();
    assert_eq!(authorised["disclosure"], "AUTHORIZED");
    assert!(authorised["revisions"].is_null());
    assert!(
        !r.body.to_string().contains(&f.rating.title),
        "never government-only"
    );
    assert_eq!(consent_row(&app, by_category.id).await.uses, 1);
    assert_eq!(consent_row(&app, by_class.id).await.uses, 0);

    // Exactly one query-log row, with what came back.
    let rows = logs(&app, f.enterprise.id).await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    let client = api_client::Entity::find()
        .filter(api_client::Column::ClientId.eq(demo::AGENCY_CLIENT_ID))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("client");
    assert_eq!(row.actor_kind, ActorKind::AgencyClient);
    assert_eq!(row.api_client_id, Some(client.id));
    assert_eq!(row.agency_id, Some(agency_id(&app).await));
    assert_eq!(row.account_id, None);
    assert_eq!(row.consent_id, Some(by_category.id));
    assert_eq!(row.purpose_code, LOAN);
    assert_eq!(row.purpose_text.as_deref(), Some("申请编号 2026-1121"));
    assert_eq!(row.channel, Channel::Api);
    assert!(row.request_id.as_deref().is_some_and(|r| !r.is_empty()));
    assert_eq!(row.occurred_at, app.state.now());
    assert_eq!(logged_ids(row), ids(&s["records"]));
    assert!(logged_ids(row).contains(&f.penalty.id));

    // The class scope, under its own purpose.
    let r = ask(&app, &token, demo::ENTERPRISE_USCC, CREDIT_LINE).await;
    let s = &ok(&r)["agencySubject"];
    let mut expected = f.public.clone();
    expected.insert(f.honour.title.clone());
    assert_eq!(titles(&s["records"]), expected);
    assert_eq!(s["consent"]["scope"]["infoClasses"], json!(["GOOD"]));
    assert_eq!(s["restrictedRecordCount"], 1, "the penalty is outside it");
    let rows = logs(&app, f.enterprise.id).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].consent_id, Some(by_class.id));
    assert_eq!(logged_ids(&rows[1]), ids(&s["records"]));

    // A purpose no consent names: no consented data, no log, no use.
    let r = ask(&app, &token, demo::ENTERPRISE_USCC, "guarantee").await;
    let s = &ok(&r)["agencySubject"];
    assert_eq!(titles(&s["records"]), f.public);
    assert_eq!(
        (s["logged"].clone(), s["restrictedRecordCount"].clone()),
        (json!(false), json!(2))
    );
    assert_eq!(logs(&app, f.enterprise.id).await.len(), 2);
    // Naming a consent of another purpose is refused.
    let r = app
        .graphql(
            QUERY,
            json!({ "id": demo::ENTERPRISE_USCC, "purpose": LOAN,
                    "consent": global_id_of_consent(by_class.id) }),
            Some(&token),
        )
        .await;
    assert_eq!(
        r.body["errors"][0]["extensions"]["reason"],
        "CONSENT_NOT_USABLE"
    );
    assert_eq!(consent_row(&app, by_class.id).await.uses, 1);

    // A query that does not ask for records is still a consented read of
    // the subject: logged, with no record ids.
    let r = app
        .graphql(
            "query($id: String!) { agencySubject(identifier: $id, purpose: \"loan_application\") {
                subject { name } logged restrictedRecordCount } }",
            json!({ "id": demo::ENTERPRISE_USCC }),
            Some(&token),
        )
        .await;
    assert_eq!(ok(&r)["agencySubject"]["logged"], true);
    let rows = logs(&app, f.enterprise.id).await;
    assert_eq!(rows.len(), 3);
    assert!(logged_ids(&rows[2]).is_empty());
    assert_eq!(consent_row(&app, by_category.id).await.uses, 2);

    // Records need records:read as well as subjects:read.
    let narrow = narrow_token(&app, &["subjects:read"]).await;
    let r = ask(&app, &narrow, demo::ENTERPRISE_USCC, LOAN).await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);
    assert_eq!(logs(&app, f.enterprise.id).await.len(), 3);
}

fn global_id_of_consent(id: i64) -> String {
    global_id(NodeType::Consent, id).0
}

/// A token of the demo agency's client after its granted scopes were cut
/// down to `scopes`.
async fn narrow_token(app: &TestApp, scopes: &[&str]) -> String {
    api_client::Entity::update_many()
        .col_expr(
            api_client::Column::Scopes,
            sea_orm::sea_query::Expr::value(json!(scopes)),
        )
        .filter(api_client::Column::ClientId.eq(demo::AGENCY_CLIENT_ID))
        .exec(&app.state.db)
        .await
        .expect("narrow the scopes");
    agency_token(app).await
}

#[tokio::test]
async fn revocation_and_expiry_take_effect_on_the_next_query_and_one_time_consents_are_used_once() {
    let app = app().await;
    let token = agency_token(&app).await;
    let f = fixture(&app, &token).await;
    let sees_penalty =
        |r: &Gql| titles(&ok(r)["agencySubject"]["records"]).contains(&f.penalty.title);

    // Revocation: the very next query is without the consent.
    let c = grant(
        &app,
        f.enterprise.id,
        Terms::periodic(LOAN, &["warning"], &[]),
    )
    .await;
    assert!(sees_penalty(
        &ask(&app, &token, demo::ENTERPRISE_USCC, LOAN).await
    ));
    let mut revoked = consent_row(&app, c.id).await.into_active_model();
    revoked.status = Set(ConsentStatus::Revoked);
    revoked.revoked_at = Set(Some(app.state.now()));
    revoked.update(&app.state.db).await.expect("revoke");
    let r = ask(&app, &token, demo::ENTERPRISE_USCC, LOAN).await;
    assert!(!sees_penalty(&r), "{}", r.body);
    assert_eq!(ok(&r)["agencySubject"]["logged"], false);
    assert_eq!(consent_row(&app, c.id).await.uses, 1);
    assert_eq!(logs(&app, f.enterprise.id).await.len(), 1);

    // Expiry: usable up to the instant before `valid_until`, not at it.
    let until = at(NOW) + Duration::hours(2);
    let c = grant(
        &app,
        f.enterprise.id,
        Terms {
            valid_until: until,
            ..Terms::periodic(LOAN, &["warning"], &[])
        },
    )
    .await;
    app.clock.set(until - Duration::microseconds(1));
    let token = agency_token(&app).await;
    assert!(sees_penalty(
        &ask(&app, &token, demo::ENTERPRISE_USCC, LOAN).await
    ));
    app.clock.set(until);
    let token = agency_token(&app).await;
    let r = ask(&app, &token, demo::ENTERPRISE_USCC, LOAN).await;
    assert!(!sees_penalty(&r), "{}", r.body);
    assert_eq!(consent_row(&app, c.id).await.uses, 1);
    assert_eq!(logs(&app, f.enterprise.id).await.len(), 2);

    // One time: one query, then used up.
    let once = grant(
        &app,
        f.enterprise.id,
        Terms {
            mode: ConsentMode::OneTime,
            valid_until: until + Duration::days(30),
            ..Terms::periodic(LOAN, &["warning"], &[])
        },
    )
    .await;
    let first = ask(&app, &token, demo::ENTERPRISE_USCC, LOAN).await;
    assert!(sees_penalty(&first));
    assert_eq!(
        ok(&first)["agencySubject"]["consent"]["id"],
        global_id_of_consent(once.id)
    );
    let second = ask(&app, &token, demo::ENTERPRISE_USCC, LOAN).await;
    assert!(!sees_penalty(&second), "{}", second.body);
    assert_eq!(ok(&second)["agencySubject"]["logged"], false);
    assert_eq!(consent_row(&app, once.id).await.uses, 1);
    let rows = logs(&app, f.enterprise.id).await;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2].consent_id, Some(once.id));
}

#[tokio::test]
async fn a_natural_person_is_readable_only_with_a_consent() {
    let app = app().await;
    let token = agency_token(&app).await;
    let chen = subject_by_name(&app, demo::PERSON_NAME).await;
    let honour = record(&app, "FGW-2025-000306").await;
    let drink_driving = record(&app, "JJZD-2026-000103").await;

    let none = ask(&app, &token, &chen_meihua_id(), LOAN).await;
    assert!(ok(&none)["agencySubject"].is_null());
    assert!(logs(&app, chen.id).await.is_empty());

    let c = grant(&app, chen.id, Terms::periodic(LOAN, &["good"], &[])).await;
    let r = ask(&app, &token, &chen_meihua_id(), LOAN).await;
    let s = &ok(&r)["agencySubject"];
    assert_eq!(s["subject"]["name"], demo::PERSON_NAME);
    assert_eq!(s["subject"]["kind"], "NATURAL_PERSON");
    let shown = s["subject"]["identifier"].as_str().expect("identifier");
    assert!(shown.starts_with("350103********"), "masked: {shown}");
    assert!(!r.body.to_string().contains(&chen_meihua_id()));
    assert_eq!(
        titles(&s["records"]),
        BTreeSet::from([honour.title.clone()])
    );
    assert!(!r.body.to_string().contains(&drink_driving.title));
    assert_eq!(s["restrictedRecordCount"], 1, "the traffic violation");
    let rows = logs(&app, chen.id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].consent_id, Some(c.id));
    assert_eq!(logged_ids(&rows[0]), BTreeSet::from([honour.id]));

    // The subject in the answer does not open a back door: its own records
    // field is the public view, empty for a person.
    let r = app
        .graphql(
            "query($id: String!) { agencySubject(identifier: $id, purpose: \"loan_application\") {
                subject { view records(first: 10) { edges { node { title } } } } } }",
            json!({ "id": chen_meihua_id() }),
            Some(&token),
        )
        .await;
    let s = &ok(&r)["agencySubject"]["subject"];
    assert_eq!(s["view"], "PUBLIC");
    assert!(nodes(&s["records"]).is_empty());
}

#[tokio::test]
async fn without_a_query_log_row_no_consented_data_is_returned() {
    let app = app().await;
    let token = agency_token(&app).await;
    let f = fixture(&app, &token).await;
    let c = grant(
        &app,
        f.enterprise.id,
        Terms::periodic(LOAN, &["warning", "good"], &[]),
    )
    .await;
    app.state
        .db
        .execute_unprepared("ALTER TABLE query_log RENAME TO query_log_elsewhere")
        .await
        .expect("rename the query log");

    let r = ask(&app, &token, demo::ENTERPRISE_USCC, LOAN).await;
    assert_eq!(r.error_code(), Some("INTERNAL"), "{}", r.body);
    assert!(r.data()["agencySubject"].is_null());
    let body = r.body.to_string();
    for t in [&f.penalty.title, &f.honour.title] {
        assert!(!body.contains(t.as_str()), "{body}");
    }
    assert!(!body.contains("query_log"), "nothing leaked: {body}");
    assert_eq!(
        consent_row(&app, c.id).await.uses,
        0,
        "the use is rolled back with the read"
    );

    // Public reads need no log and still work.
    let r = app
        .graphql(
            "query($id: String!) { agencySubject(identifier: $id, purpose: \"guarantee\", first: 20) {
                logged records { edges { node { title } } } } }",
            json!({ "id": demo::ENTERPRISE_USCC }),
            Some(&token),
        )
        .await;
    assert_eq!(titles(&ok(&r)["agencySubject"]["records"]), f.public);

    app.state
        .db
        .execute_unprepared("ALTER TABLE query_log_elsewhere RENAME TO query_log")
        .await
        .expect("rename back");
    let r = ask(&app, &token, demo::ENTERPRISE_USCC, LOAN).await;
    assert_eq!(ok(&r)["agencySubject"]["logged"], true);
    assert_eq!(consent_row(&app, c.id).await.uses, 1);
    assert_eq!(logs(&app, f.enterprise.id).await.len(), 1);
}

#[tokio::test]
async fn a_subject_sees_who_queried_it() {
    let app = app().await;
    let token = agency_token(&app).await;
    let f = fixture(&app, &token).await;
    let c = grant(
        &app,
        f.enterprise.id,
        Terms::periodic(LOAN, &[], &["administrative_penalty"]),
    )
    .await;
    let first = ask(&app, &token, demo::ENTERPRISE_USCC, LOAN).await;
    let returned = ids(&ok(&first)["agencySubject"]["records"]);
    app.clock.set(at(NOW) + Duration::minutes(5));
    let token = agency_token(&app).await;
    ok(&ask(&app, &token, demo::ENTERPRISE_USCC, LOAN).await);
    // A government read and the owner's own read are in the log too.
    let (staff, _) = app.login(demo::STAFF_EMAIL, demo::DEMO_PASSWORD).await;
    ok(&app
        .graphql(
            "query($id: String!) { subjectByIdentifier(identifier: $id, purpose: \"许可审查\") { name } }",
            json!({ "id": demo::ENTERPRISE_USCC }),
            Some(&staff),
        )
        .await);
    let (owner, _) = app
        .login(demo::ENTERPRISE_USER_EMAIL, demo::DEMO_PASSWORD)
        .await;
    ok(&app
        .graphql(
            "{ viewer { subjects { records(first: 5) { edges { node { id } } } } } }",
            json!({}),
            Some(&owner),
        )
        .await);

    let q = "query($s: ID!, $first: Int, $after: String, $own: Boolean) {
      queryLog(subject: $s, first: $first, after: $after, includeOwnReads: $own) {
        edges { cursor node { occurredAt actorKind agencyName departmentNameZh purposeCode
          purposeNameZh purposeNameEn purposeText consentId channel requestId
          records { id title categoryCode categoryNameZh } } }
        pageInfo { hasNextPage endCursor } } }";
    let subject = global_id(NodeType::Subject, f.enterprise.id);
    let r = app
        .graphql(q, json!({ "s": subject, "first": 10 }), Some(&owner))
        .await;
    let log = &ok(&r)["queryLog"];
    let entries = nodes(log);
    assert_eq!(
        entries.len(),
        3,
        "two agency queries and the government read: {}",
        r.body
    );
    let gov = entries[0];
    assert_eq!(gov["actorKind"], "DEPARTMENT");
    assert_eq!(gov["departmentNameZh"], "福州市市场监督管理局");
    assert_eq!(gov["purposeNameEn"], "Government sharing");
    assert_eq!(gov["purposeText"], "许可审查");
    let oldest = entries[2];
    assert_eq!(oldest["actorKind"], "AGENCY_CLIENT");
    assert_eq!(oldest["agencyName"], demo::AGENCY_NAME);
    assert_eq!(oldest["purposeCode"], LOAN);
    assert_eq!(oldest["purposeNameZh"], "贷款申请");
    assert_eq!(oldest["purposeText"], "申请编号 2026-1121");
    assert_eq!(oldest["consentId"], global_id_of_consent(c.id));
    assert_eq!(oldest["channel"], "API");
    assert_eq!(oldest["occurredAt"], "2026-11-21T04:00:00+00:00");
    let seen: BTreeSet<i64> = oldest["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| raw_id(&r["id"]))
        .collect();
    assert_eq!(seen, returned);
    assert!(
        oldest["records"]
            .as_array()
            .expect("records")
            .iter()
            .any(|r| r["title"] == f.penalty.title.as_str() && r["categoryNameZh"] == "行政处罚")
    );

    // Paging, and the subject's own reads on request.
    let r = app
        .graphql(q, json!({ "s": subject, "first": 2 }), Some(&owner))
        .await;
    let page = &ok(&r)["queryLog"];
    assert_eq!(nodes(page).len(), 2);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let r = app
        .graphql(
            q,
            json!({ "s": subject, "first": 2, "after": page["pageInfo"]["endCursor"] }),
            Some(&owner),
        )
        .await;
    let rest = &ok(&r)["queryLog"];
    assert_eq!(nodes(rest).len(), 1);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    let r = app
        .graphql(
            q,
            json!({ "s": subject, "first": 10, "own": true }),
            Some(&owner),
        )
        .await;
    assert_eq!(nodes(&ok(&r)["queryLog"]).len(), 4);
    let r = app.graphql(q, json!({ "s": subject }), Some(&owner)).await;
    assert_eq!(
        r.body["errors"][0]["extensions"]["reason"],
        "PAGE_SIZE_REQUIRED"
    );

    // Nobody else reads it: another subject's user, staff, the agency.
    let (chen, _) = app
        .login(demo::PERSON_USER_EMAIL, demo::DEMO_PASSWORD)
        .await;
    for t in [&chen, &staff, &token] {
        let r = app
            .graphql(q, json!({ "s": subject, "first": 10 }), Some(t))
            .await;
        assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);
    }
    let r = app
        .graphql(q, json!({ "s": subject, "first": 10 }), None)
        .await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));
}
