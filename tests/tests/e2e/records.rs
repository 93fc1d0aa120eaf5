//! Department ingestion over GraphQL: validation, idempotency, corrections,
//! withdrawal, mixed batches, subjects, mirroring and 双公示 timeliness.

use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use xinyong::domain::identifier::{ResidentId, Uscc};
use xinyong::service::demo;
use xinyong_tests::{Gql, TestApp};

const SUBMIT: &str = "mutation($i: SubmitRecordsInput!) { submitRecords(input: $i) {
  accepted unchanged corrected rejected
  results { index sourceRef status recordId version userErrors { field code message } }
  userErrors { field code message } } }";

const WITHDRAW: &str = "mutation($i: WithdrawRecordInput!) { withdrawRecord(input: $i) {
  record { id sourceRef version } userErrors { field code message } } }";

fn today(app: &TestApp) -> NaiveDate {
    xinyong::domain::time::local_date(app.state.now())
}

/// A valid general penalty against `uscc`, decided two days ago.
fn penalty(app: &TestApp, source_ref: &str, uscc: &str) -> Value {
    let decided = today(app) - Duration::days(2);
    json!({
        "sourceRef": source_ref,
        "category": "administrative_penalty",
        "subjectIdentifier": uscc,
        "subjectName": "测试企业有限公司",
        "title": "未按规定公示年度报告",
        "content": { "violation_type": "未按规定公示年度报告", "basis": "《企业信息公示暂行条例》第八条", "penalty_content": "警告" },
        "legalBasis": { "docType": "行政处罚决定书", "number": format!("榕市监罚〔2026〕{source_ref}号"), "issuer": "福州市市场监督管理局", "effectiveOn": decided.to_string() },
        "decidedOn": decided.to_string(),
        "severity": "GENERAL",
        "disclosure": "PUBLIC",
    })
}

async fn staff(app: &TestApp) -> String {
    app.login(demo::STAFF_EMAIL, demo::DEMO_PASSWORD).await.0
}

async fn submit(app: &TestApp, token: &str, records: Vec<Value>) -> Gql {
    app.graphql(SUBMIT, json!({ "i": { "records": records } }), Some(token))
        .await
}

fn result(r: &Gql, i: usize) -> &Value {
    &r.data()["submitRecords"]["results"][i]
}

fn first_error_code(r: &Gql, i: usize) -> String {
    result(r, i)["userErrors"][0]["code"]
        .as_str()
        .unwrap_or("<none>")
        .to_string()
}

fn new_uscc(n: u32) -> String {
    Uscc::from_body(&format!("91350100MA{n:07}"))
        .unwrap()
        .as_str()
        .to_string()
}

async fn record_count(app: &TestApp) -> u64 {
    entity::credit_record::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn each_validation_rule_rejects_with_a_field_error_and_writes_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let token = staff(&app).await;
    let before = record_count(&app).await;
    let good = penalty(&app, "V-0", demo::ENTERPRISE_USCC);
    let person =
        ResidentId::from_parts("350102", NaiveDate::from_ymd_opt(1990, 5, 17).unwrap(), 21)
            .unwrap()
            .as_str()
            .to_string();
    let mut bad_check = demo::ENTERPRISE_USCC.to_string();
    bad_check.pop();
    bad_check.push(if demo::ENTERPRISE_USCC.ends_with('X') {
        'Y'
    } else {
        'X'
    });
    let tomorrow = (today(&app) + Duration::days(1)).to_string();

    type Mutate = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Mutate, &str, &str)> = vec![
        (
            "check character",
            Box::new(move |v| v["subjectIdentifier"] = json!(bad_check.clone())),
            "subjectIdentifier",
            "IDENTIFIER_CHECK",
        ),
        (
            "15-digit ID",
            Box::new(|v| v["subjectIdentifier"] = json!("350102900517021")),
            "subjectIdentifier",
            "ID_LEGACY_15",
        ),
        (
            "unknown category",
            Box::new(|v| v["category"] = json!("no_such_category")),
            "category",
            "CATEGORY_UNKNOWN",
        ),
        (
            "kind not allowed",
            Box::new(|v| {
                v["category"] = json!("social_org_annual_inspection");
            }),
            "subjectKind",
            "SUBJECT_KIND_NOT_ALLOWED",
        ),
        (
            "legal basis missing",
            Box::new(|v| v["legalBasis"] = Value::Null),
            "legalBasis",
            "LEGAL_BASIS_REQUIRED",
        ),
        (
            "decision in the future",
            Box::new(move |v| v["decidedOn"] = json!(tomorrow.clone())),
            "decidedOn",
            "DATE_IN_FUTURE",
        ),
        (
            "valid until before decision",
            Box::new(|v| v["validUntil"] = json!("2000-01-01")),
            "validUntil",
            "DATES_OUT_OF_ORDER",
        ),
        (
            "disclosure missing",
            Box::new(|v| v["disclosure"] = Value::Null),
            "disclosure",
            "DISCLOSURE_REQUIRED",
        ),
        (
            "severity missing",
            Box::new(|v| v["severity"] = Value::Null),
            "severity",
            "SEVERITY_REQUIRED",
        ),
        (
            "never collect",
            Box::new(|v| v["content"]["blood_type"] = json!("A")),
            "content",
            "NEVER_COLLECT",
        ),
        (
            "unknown content field",
            Box::new(|v| v["content"]["shoe_size"] = json!("42")),
            "content",
            "CONTENT_FIELD_UNKNOWN",
        ),
        (
            "required content missing",
            Box::new(|v| {
                v["content"].as_object_mut().unwrap().remove("basis");
            }),
            "content",
            "CONTENT_FIELD_REQUIRED",
        ),
        (
            "natural person public",
            Box::new(move |v| {
                v["subjectIdentifier"] = json!(person.clone());
                v["subjectKind"] = json!("NATURAL_PERSON");
            }),
            "disclosure",
            "NATURAL_PERSON_NOT_PUBLIC",
        ),
        (
            "empty sourceRef",
            Box::new(|v| v["sourceRef"] = json!("  ")),
            "sourceRef",
            "SOURCE_REF_INVALID",
        ),
    ];
    for (name, mutate, field, code) in cases {
        let mut item = good.clone();
        mutate(&mut item);
        let r = submit(&app, &token, vec![item]).await;
        assert_eq!(
            r.data()["submitRecords"]["rejected"],
            1,
            "{name}: {}",
            r.body
        );
        let errors = result(&r, 0)["userErrors"].as_array().unwrap().clone();
        assert!(
            errors
                .iter()
                .any(|e| e["code"] == code && e["field"][3] == field),
            "{name}: expected {code} on {field}, got {errors:?}"
        );
        assert!(
            errors
                .iter()
                .all(|e| e["field"][0] == "input" && e["field"][2] == "0"),
            "{name}: {errors:?}"
        );
    }
    assert_eq!(
        record_count(&app).await,
        before,
        "rejected items write nothing"
    );
}

#[tokio::test]
async fn same_payload_is_unchanged_and_a_change_needs_a_reason() {
    let app = TestApp::spawn_with_demo().await;
    let token = staff(&app).await;
    let item = penalty(&app, "IDEM-1", demo::ENTERPRISE_USCC);
    let first = submit(&app, &token, vec![item.clone()]).await;
    assert_eq!(result(&first, 0)["status"], "ACCEPTED", "{}", first.body);
    let id = result(&first, 0)["recordId"].as_str().unwrap().to_string();
    let count = record_count(&app).await;

    let again = submit(&app, &token, vec![item.clone()]).await;
    assert_eq!(result(&again, 0)["status"], "UNCHANGED");
    assert_eq!(result(&again, 0)["recordId"], id.as_str());
    assert_eq!(record_count(&app).await, count);

    let mut changed = item.clone();
    changed["title"] = json!("未按规定公示年度报告（更正）");
    let no_reason = submit(&app, &token, vec![changed.clone()]).await;
    assert_eq!(
        first_error_code(&no_reason, 0),
        "CORRECTION_REASON_REQUIRED"
    );

    changed["correctionReason"] = json!("决定书标题录入错误");
    let corrected = submit(&app, &token, vec![changed.clone()]).await;
    assert_eq!(
        result(&corrected, 0)["status"],
        "CORRECTED",
        "{}",
        corrected.body
    );
    assert_eq!(result(&corrected, 0)["version"], 2);
    assert_eq!(result(&corrected, 0)["recordId"], id.as_str());
    assert_eq!(
        record_count(&app).await,
        count,
        "a correction adds no record"
    );

    let revisions = entity::record_revision::Entity::find()
        .filter(entity::record_revision::Column::Reason.eq("决定书标题录入错误"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(revisions.len(), 1);
    assert_eq!(revisions[0].version, 2);
    assert_eq!(
        revisions[0].before.as_ref().unwrap()["title"],
        "未按规定公示年度报告"
    );
    assert_eq!(revisions[0].after["title"], "未按规定公示年度报告（更正）");
    // The corrected payload sent again (even with another reason) is unchanged.
    changed["correctionReason"] = json!("再次发送");
    let resend = submit(&app, &token, vec![changed]).await;
    assert_eq!(result(&resend, 0)["status"], "UNCHANGED");
}

#[tokio::test]
async fn a_mixed_batch_keeps_the_good_items() {
    let app = TestApp::spawn_with_demo().await;
    let token = staff(&app).await;
    let before = record_count(&app).await;
    let mut items = Vec::new();
    for i in 0..10 {
        let mut item = penalty(&app, &format!("MIX-{i}"), demo::ENTERPRISE_USCC);
        if i % 3 == 0 {
            item["severity"] = Value::Null;
        }
        items.push(item);
    }
    items.push(penalty(&app, "MIX-1", demo::ENTERPRISE_USCC)); // duplicate in the batch
    let r = submit(&app, &token, items).await;
    let p = &r.data()["submitRecords"];
    assert_eq!(p["accepted"], 6, "{}", r.body);
    assert_eq!(p["rejected"], 5);
    for i in [0, 3, 6, 9] {
        assert_eq!(result(&r, i)["status"], "REJECTED");
        assert_eq!(first_error_code(&r, i), "SEVERITY_REQUIRED");
    }
    assert_eq!(first_error_code(&r, 10), "DUPLICATE_IN_BATCH");
    assert_eq!(result(&r, 10)["index"], 10);
    assert_eq!(record_count(&app).await, before + 6);
}

#[tokio::test]
async fn batches_over_a_thousand_are_refused_whole() {
    let app = TestApp::spawn_with_demo().await;
    let token = staff(&app).await;
    let items: Vec<Value> = (0..1001)
        .map(|i| penalty(&app, &format!("BIG-{i}"), demo::ENTERPRISE_USCC))
        .collect();
    let r = submit(&app, &token, items).await;
    assert_eq!(
        r.data()["submitRecords"]["userErrors"][0]["code"],
        "BATCH_TOO_LARGE",
        "{}",
        &r.body.to_string()[..200]
    );
    assert_eq!(r.data()["submitRecords"]["accepted"], 0);
}

#[tokio::test]
async fn unknown_organisations_are_registered_only_by_departments_allowed_to() {
    let app = TestApp::spawn_with_demo().await;
    let token = staff(&app).await;
    let fresh = new_uscc(4_242);
    let r = submit(&app, &token, vec![penalty(&app, "NEW-1", &fresh)]).await;
    assert_eq!(result(&r, 0)["status"], "ACCEPTED", "{}", r.body);
    let s = entity::subject::Entity::find()
        .filter(entity::subject::Column::IdentifierPlain.eq(fresh.as_str()))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the subject was registered from the record");
    assert_eq!(s.name, "测试企业有限公司");

    entity::department::Entity::update_many()
        .col_expr(
            entity::department::Column::MayRegisterSubjects,
            Expr::value(false),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let other = new_uscc(4_343);
    let r = submit(&app, &token, vec![penalty(&app, "NEW-2", &other)]).await;
    assert_eq!(first_error_code(&r, 0), "SUBJECT_UNKNOWN", "{}", r.body);

    // People are never registered from a record.
    let person =
        ResidentId::from_parts("350102", NaiveDate::from_ymd_opt(1985, 1, 2).unwrap(), 33).unwrap();
    let mut item = penalty(&app, "NEW-3", person.as_str());
    item["disclosure"] = json!("AUTHORIZED");
    let r = submit(&app, &token, vec![item]).await;
    assert_eq!(first_error_code(&r, 0), "SUBJECT_UNKNOWN", "{}", r.body);
}

#[tokio::test]
async fn withdrawal_takes_the_record_out_at_once_and_only_for_its_department() {
    let app = TestApp::spawn_with_demo().await;
    let token = staff(&app).await;
    let r = submit(
        &app,
        &token,
        vec![penalty(&app, "WD-1", demo::ENTERPRISE_USCC)],
    )
    .await;
    assert_eq!(result(&r, 0)["status"], "ACCEPTED");

    let no_reason = app
        .graphql(
            WITHDRAW,
            json!({ "i": { "sourceRef": "WD-1", "reason": " " } }),
            Some(&token),
        )
        .await;
    assert_eq!(
        no_reason.data()["withdrawRecord"]["userErrors"][0]["code"],
        "REASON_REQUIRED"
    );
    let unknown = app
        .graphql(
            WITHDRAW,
            json!({ "i": { "sourceRef": "NOPE", "reason": "x" } }),
            Some(&token),
        )
        .await;
    assert_eq!(
        unknown.data()["withdrawRecord"]["userErrors"][0]["code"],
        "RECORD_NOT_FOUND"
    );

    let w = app
        .graphql(
            WITHDRAW,
            json!({ "i": { "sourceRef": "WD-1", "reason": "处罚决定已被复议机关撤销" } }),
            Some(&token),
        )
        .await;
    assert_eq!(
        w.data()["withdrawRecord"]["record"]["version"],
        2,
        "{}",
        w.body
    );
    let row = entity::credit_record::Entity::find()
        .filter(entity::credit_record::Column::SourceRef.eq("WD-1"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, entity::enums::RecordStatus::Withdrawn);
    assert_eq!(
        row.status_reason.as_deref(),
        Some("处罚决定已被复议机关撤销")
    );
    let events = entity::change_event::Entity::find()
        .filter(entity::change_event::Column::RecordId.eq(row.id))
        .filter(entity::change_event::Column::Kind.eq("withdrawn"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(events, 1, "agencies learn of the withdrawal");

    // A withdrawn record cannot be corrected back into disclosure.
    let mut again = penalty(&app, "WD-1", demo::ENTERPRISE_USCC);
    again["title"] = json!("changed");
    again["correctionReason"] = json!("try to revive");
    let r = submit(&app, &token, vec![again]).await;
    assert_eq!(first_error_code(&r, 0), "RECORD_WITHDRAWN");
}

#[tokio::test]
async fn only_departments_may_submit() {
    let app = TestApp::spawn_with_demo().await;
    let item = vec![penalty(&app, "AUTH-1", demo::ENTERPRISE_USCC)];
    let anon = app
        .graphql(SUBMIT, json!({ "i": { "records": item } }), None)
        .await;
    assert_eq!(anon.error_code(), Some("UNAUTHENTICATED"));
    let (owner, _) = app
        .login(demo::ENTERPRISE_USER_EMAIL, demo::DEMO_PASSWORD)
        .await;
    assert_eq!(
        submit(&app, &owner, item.clone()).await.error_code(),
        Some("FORBIDDEN")
    );
    let (operator, _) = app.login(demo::OPERATOR_EMAIL, demo::DEMO_PASSWORD).await;
    assert_eq!(
        submit(&app, &operator, item.clone()).await.error_code(),
        Some("FORBIDDEN")
    );
    let (_, agency) = app
        .client_token(demo::AGENCY_CLIENT_ID, demo::AGENCY_CLIENT_SECRET)
        .await;
    let agency = agency["access_token"].as_str().unwrap();
    assert_eq!(
        submit(&app, agency, item.clone()).await.error_code(),
        Some("FORBIDDEN")
    );

    let (_, dept) = app
        .client_token(demo::DEPARTMENT_CLIENT_ID, demo::DEPARTMENT_CLIENT_SECRET)
        .await;
    let r = submit(&app, dept["access_token"].as_str().unwrap(), item).await;
    assert_eq!(result(&r, 0)["status"], "ACCEPTED", "{}", r.body);
}

#[tokio::test]
async fn late_double_publicity_submissions_are_flagged_and_listed_for_operators() {
    let app = TestApp::spawn_with_demo().await;
    let token = staff(&app).await;
    let mut late = penalty(&app, "LATE-1", demo::ENTERPRISE_USCC);
    let old = (today(&app) - Duration::days(30)).to_string();
    late["decidedOn"] = json!(old);
    late["legalBasis"]["effectiveOn"] = json!(old);
    let on_time = penalty(&app, "ONTIME-1", demo::ENTERPRISE_USCC);
    let r = submit(&app, &token, vec![late, on_time]).await;
    assert_eq!(r.data()["submitRecords"]["accepted"], 2, "{}", r.body);

    let q = "query($f: Int!, $a: String) { lateSubmissions(first: $f, after: $a) { edges { cursor node { sourceRef } } pageInfo { hasNextPage endCursor } } }";
    let (operator, _) = app.login(demo::OPERATOR_EMAIL, demo::DEMO_PASSWORD).await;
    let list = app.graphql(q, json!({ "f": 100 }), Some(&operator)).await;
    let refs: Vec<&str> = list.data()["lateSubmissions"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", list.body))
        .iter()
        .filter_map(|e| e["node"]["sourceRef"].as_str())
        .collect();
    assert!(refs.contains(&"LATE-1"), "{refs:?}");
    assert!(!refs.contains(&"ONTIME-1"), "{refs:?}");

    let page = app.graphql(q, json!({ "f": 1 }), Some(&operator)).await;
    let end = page.data()["lateSubmissions"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_string();
    let next = app
        .graphql(q, json!({ "f": 1, "a": end }), Some(&operator))
        .await;
    assert_ne!(
        page.data()["lateSubmissions"]["edges"][0]["node"]["sourceRef"],
        next.data()["lateSubmissions"]["edges"][0]["node"]["sourceRef"]
    );
    let bad_cursor = app
        .graphql(q, json!({ "f": 1, "a": "garbage" }), Some(&operator))
        .await;
    assert_eq!(bad_cursor.error_code(), Some("BAD_USER_INPUT"));
    let too_many = app.graphql(q, json!({ "f": 1000 }), Some(&operator)).await;
    assert!(too_many.error_code().is_some(), "first is capped");

    let staff_view = app.graphql(q, json!({ "f": 10 }), Some(&token)).await;
    assert_eq!(staff_view.error_code(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn serious_dishonesty_is_mirrored_onto_the_legal_representative() {
    let app = TestApp::spawn_with_demo().await;
    let token = staff(&app).await;
    // A demo enterprise whose legal representative is a registered person.
    let link = entity::related_person::Entity::find()
        .filter(entity::related_person::Column::PersonSubjectId.is_not_null())
        .filter(
            entity::related_person::Column::Role
                .eq(entity::enums::RelatedRole::LegalRepresentative),
        )
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("demo data links a legal representative");
    let org = entity::subject::Entity::find_by_id(link.subject_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let uscc = org.identifier_plain.clone().unwrap();

    let mut item = penalty(&app, "SER-1", &uscc);
    item["severity"] = json!("SERIOUS");
    let r = submit(&app, &token, vec![item]).await;
    assert_eq!(result(&r, 0)["status"], "ACCEPTED", "{}", r.body);
    let mirrored = entity::credit_record::Entity::find()
        .filter(entity::credit_record::Column::SubjectId.eq(link.person_subject_id.unwrap()))
        .filter(entity::credit_record::Column::SourceRef.starts_with("SER-1#"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the person carries the record too");
    assert_eq!(
        mirrored.disclosure,
        entity::enums::Disclosure::Authorized,
        "never public for a person"
    );
    assert!(mirrored.derived_from_record_id.is_some());

    // A general penalty is not mirrored.
    let r = submit(&app, &token, vec![penalty(&app, "GEN-1", &uscc)]).await;
    assert_eq!(result(&r, 0)["status"], "ACCEPTED");
    let none = entity::credit_record::Entity::find()
        .filter(entity::credit_record::Column::SourceRef.starts_with("GEN-1#"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(none, 0);

    // Withdrawing the organisation's record withdraws the mirror.
    let w = app
        .graphql(
            WITHDRAW,
            json!({ "i": { "sourceRef": "SER-1", "reason": "撤销" } }),
            Some(&token),
        )
        .await;
    assert!(
        w.data()["withdrawRecord"]["record"].is_object(),
        "{}",
        w.body
    );
    let m = entity::credit_record::Entity::find_by_id(mirrored.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.status, entity::enums::RecordStatus::Withdrawn);
}

#[tokio::test]
async fn records_are_archived_once_after_their_window_and_agencies_are_told() {
    let app = TestApp::spawn_with_demo().await;
    let token = staff(&app).await;
    let mut item = penalty(&app, "ARC-1", demo::ENTERPRISE_USCC);
    let decided = today(&app) - Duration::days(2);
    let end = decided.checked_add_months(chrono::Months::new(3)).unwrap();
    item["disclosureEnd"] = json!(end.to_string());
    let r = submit(&app, &token, vec![item]).await;
    assert_eq!(result(&r, 0)["status"], "ACCEPTED", "{}", r.body);
    let find = || async {
        entity::credit_record::Entity::find()
            .filter(entity::credit_record::Column::SourceRef.eq("ARC-1"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(find().await.disclosure_end, Some(end));

    // On its last public day nothing happens.
    app.clock
        .set(chrono::Utc::now() + Duration::days((end - today(&app)).num_days()));
    xinyong::jobs::run_once(&app.state).await;
    assert_eq!(find().await.status, entity::enums::RecordStatus::Active);

    // The day after, the job archives it — once, however often it runs.
    app.clock.advance(Duration::days(1));
    xinyong::jobs::run_once(&app.state).await;
    xinyong::jobs::run_once(&app.state).await;
    let row = find().await;
    assert_eq!(row.status, entity::enums::RecordStatus::Archived);
    assert_eq!(row.version, 2);
    let events = entity::change_event::Entity::find()
        .filter(entity::change_event::Column::RecordId.eq(row.id))
        .filter(entity::change_event::Column::Kind.eq("archived"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(events, 1);
    // Its one revision is the archiving, from the record as it was: the
    // creation is version 1 itself, with no revision of its own.
    let (revisions, _) = history(&app, row.id).await;
    assert_eq!(revisions, vec![("Archive".to_string(), 2)]);
    let archived = entity::record_revision::Entity::find()
        .filter(entity::record_revision::Column::RecordId.eq(row.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let before = archived
        .before
        .expect("the archiving keeps the record before it");
    assert_eq!(before["status"], "active");
    assert_eq!(archived.after["status"], "archived");
    assert_eq!(before["title"], archived.after["title"]);
}

/// The rows a record has in the history tables: (revision kinds and
/// versions, change-event kinds), each in id order.
async fn history(app: &TestApp, record_id: i64) -> (Vec<(String, i32)>, Vec<String>) {
    use sea_orm::QueryOrder;
    let revisions = entity::record_revision::Entity::find()
        .filter(entity::record_revision::Column::RecordId.eq(record_id))
        .order_by_asc(entity::record_revision::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (format!("{:?}", r.change_kind), r.version))
        .collect();
    let events = entity::change_event::Entity::find()
        .filter(entity::change_event::Column::RecordId.eq(record_id))
        .order_by_asc(entity::change_event::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    (revisions, events)
}

async fn record_by_ref(app: &TestApp, source_ref: &str) -> Option<entity::credit_record::Model> {
    entity::credit_record::Entity::find()
        .filter(entity::credit_record::Column::SourceRef.eq(source_ref))
        .one(&app.state.db)
        .await
        .unwrap()
}

/// One batch with every outcome at once: the batch is written set-wise, and
/// each item must still get its own answer and exactly its own history.
#[tokio::test]
async fn a_batch_mixing_every_outcome_answers_and_records_each_item() {
    let app = TestApp::spawn_with_demo().await;
    let token = staff(&app).await;
    let kept = penalty(&app, "ALL-KEPT", demo::ENTERPRISE_USCC);
    let fixed = penalty(&app, "ALL-FIXED", demo::ENTERPRISE_USCC);
    let other = penalty(&app, "ALL-OTHER", demo::ENTERPRISE_USCC);
    let first = submit(
        &app,
        &token,
        vec![kept.clone(), fixed.clone(), other.clone()],
    )
    .await;
    assert_eq!(
        first.data()["submitRecords"]["accepted"],
        3,
        "{}",
        first.body
    );
    let subjects_before = entity::subject::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    let records_before = record_count(&app).await;

    let newcomer = new_uscc(7_001);
    let mut corrected = fixed.clone();
    corrected["title"] = json!("未按规定公示年度报告（更正）");
    corrected["correctionReason"] = json!("标题录入错误");
    let mut first_of_newcomer = penalty(&app, "ALL-NEW-1", &newcomer);
    first_of_newcomer["subjectName"] = json!("福州甲乙贸易有限公司");
    let first_again = first_of_newcomer.clone();
    let mut second_of_newcomer = penalty(&app, "ALL-NEW-2", &newcomer);
    second_of_newcomer["subjectName"] = json!("另一个名称有限公司");
    let mut invalid = penalty(&app, "ALL-BAD", demo::ENTERPRISE_USCC);
    invalid["severity"] = Value::Null;
    // The same sourceRef twice: the first invalid, the second valid. Neither
    // is written: a sourceRef means one record, and the batch does not say which.
    let mut twice_bad = penalty(&app, "ALL-TWICE", &newcomer);
    twice_bad["decidedOn"] = json!("2999-01-01");
    let twice_good = penalty(&app, "ALL-TWICE", &newcomer);
    let no_reason = {
        let mut k = other.clone();
        k["title"] = json!("改了标题却没说原因");
        k
    };
    let r = submit(
        &app,
        &token,
        vec![
            kept.clone(),       // 0 unchanged
            corrected,          // 1 corrected
            first_of_newcomer,  // 2 accepted, registers the subject
            second_of_newcomer, // 3 accepted, same new subject
            invalid,            // 4 rejected
            twice_bad,          // 5 rejected (its date)
            twice_good,         // 6 rejected (duplicate in batch)
            no_reason,          // 7 rejected (correction without reason)
        ],
    )
    .await;
    let p = &r.data()["submitRecords"];
    let statuses: Vec<&str> = (0..8)
        .map(|i| result(&r, i)["status"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        statuses,
        [
            "UNCHANGED",
            "CORRECTED",
            "ACCEPTED",
            "ACCEPTED",
            "REJECTED",
            "REJECTED",
            "REJECTED",
            "REJECTED"
        ],
        "{}",
        r.body
    );
    assert_eq!(
        (
            &p["accepted"],
            &p["unchanged"],
            &p["corrected"],
            &p["rejected"]
        ),
        (&json!(2), &json!(1), &json!(1), &json!(4))
    );
    assert_eq!(first_error_code(&r, 4), "SEVERITY_REQUIRED");
    assert_eq!(first_error_code(&r, 5), "DATE_IN_FUTURE");
    assert_eq!(first_error_code(&r, 6), "DUPLICATE_IN_BATCH");
    assert_eq!(first_error_code(&r, 7), "CORRECTION_REASON_REQUIRED");
    assert_eq!(result(&r, 1)["version"], 2);

    // Two records and one subject more, nothing else.
    assert_eq!(record_count(&app).await, records_before + 2);
    let subjects_after = entity::subject::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(subjects_after, subjects_before + 1);
    let a = record_by_ref(&app, "ALL-NEW-1").await.unwrap();
    let b = record_by_ref(&app, "ALL-NEW-2").await.unwrap();
    assert_eq!(a.subject_id, b.subject_id, "one subject for both records");
    let subject = entity::subject::Entity::find_by_id(a.subject_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        subject.name, "福州甲乙贸易有限公司",
        "named by its first item"
    );
    assert_eq!(subject.identifier_plain.as_deref(), Some(newcomer.as_str()));
    for rejected in ["ALL-BAD", "ALL-TWICE"] {
        assert!(record_by_ref(&app, rejected).await.is_none(), "{rejected}");
    }
    // The ids answered are the rows written.
    assert_eq!(
        result(&r, 2)["recordId"],
        result(&submit(&app, &token, vec![first_again]).await, 0)["recordId"]
    );

    // History: an event for every creation and change, a revision for
    // every change (version 1 is the record itself), none for the rest.
    for rec in [&a, &b] {
        assert_eq!(
            history(&app, rec.id).await,
            (vec![], vec!["created".to_string()])
        );
    }
    let fixed_row = record_by_ref(&app, "ALL-FIXED").await.unwrap();
    assert_eq!(fixed_row.title, "未按规定公示年度报告（更正）");
    assert_eq!(
        history(&app, fixed_row.id).await,
        (
            vec![("Correct".to_string(), 2)],
            vec!["created".to_string(), "corrected".to_string()]
        )
    );
    let kept_row = record_by_ref(&app, "ALL-KEPT").await.unwrap();
    assert_eq!(kept_row.version, 1);
    assert_eq!(
        history(&app, kept_row.id).await,
        (vec![], vec!["created".to_string()])
    );
}
