//! Objections, credit repair, complaints and their statutory clocks over
//! HTTP, with the clock moved across National Day 2025 and Spring Festival
//! 2026: deadlines from the rule set and the working-day calendar, the
//! record withheld while an objection is open and restored when it is
//! upheld, department silence → automatic withdrawal, reminders and
//! escalations exactly once with two sweeps racing, one open objection per
//! record under a race, evidence typed by content and size-limited and
//! private to the parties, repair eligibility edges, approval and rejection
//! with a complaint.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::NaiveDate;
use entity::enums::RecordStatus;
use entity::{change_event, credit_record, notice, repair_application};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use xinyong::graphql::node::{NodeType, global_id};
use xinyong::jobs::deadlines;
use xinyong_tests::TestApp;
use xinyong_tests::demo::{
    DepartmentFilter, at, codes, enterprise, market_department, ok, operator, owner, person, staff,
};

/// 2026-11-21 12:00 in Beijing.
const NOW: &str = "2026-11-21T04:00:00Z";

async fn app() -> TestApp {
    let app = TestApp::spawn_at(at(NOW)).await;
    xinyong::service::demo::seed(&app.state)
        .await
        .expect("demo data seeds");
    app
}

/// The demo enterprise's penalty from the market-supervision department.
async fn penalty(app: &TestApp) -> credit_record::Model {
    let e = enterprise(app).await;
    let dept = market_department(app).await;
    let r = credit_record::Entity::find()
        .filter(credit_record::Column::SubjectId.eq(e.id))
        .filter(credit_record::Column::DepartmentId.eq(dept.id))
        .filter(credit_record::Column::Title.eq("产品标识不符合规定"))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the demo penalty");
    let _ = DepartmentFilter::Any;
    r
}

fn rid(r: &credit_record::Model) -> String {
    global_id(NodeType::CreditRecord, r.id).0
}

fn d(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

const CASE_FIELDS: &str = "id status outcome outcomeReason reason statement
    record { id status title }
    deadlines { milestone dueOn ruleId ruleSource status overdue workingDaysLeft countdownEn countdownZh provisional }
    timeline { event actorKind note occurredAt }
    evidence { id fileName mediaType sizeBytes sha256 }";

async fn file_objection(app: &TestApp, token: &str, record: &str) -> Value {
    let q = format!(
        "mutation($i: FileObjectionInput!) {{ fileObjection(input: $i) {{ objection {{ {CASE_FIELDS} }} userErrors {{ field code message }} }} }}"
    );
    let r = app
        .graphql(
            &q,
            json!({ "i": { "record": record, "reason": "FACTUAL_ERROR", "statement": "产品标识已按规定标注，处罚认定事实有误" } }),
            Some(token),
        )
        .await;
    ok(&r)["fileObjection"].clone()
}

async fn objection(app: &TestApp, token: &str, id: &str) -> Value {
    let q = format!("query($id: ID!) {{ objection(id: $id) {{ {CASE_FIELDS} }} }}");
    let r = app.graphql(&q, json!({ "id": id }), Some(token)).await;
    ok(&r)["objection"].clone()
}

async fn check(app: &TestApp, token: &str, id: &str, decision: &str, extra: Value) -> Value {
    let mut i = json!({ "objection": id, "decision": decision });
    if let (Some(m), Some(x)) = (i.as_object_mut(), extra.as_object()) {
        m.extend(x.clone());
    }
    let q = format!(
        "mutation($i: CheckObjectionInput!) {{ checkObjection(input: $i) {{ objection {{ {CASE_FIELDS} }} userErrors {{ code message }} }} }}"
    );
    let r = app.graphql(&q, json!({ "i": i }), Some(token)).await;
    ok(&r)["checkObjection"].clone()
}

async fn decide(app: &TestApp, token: &str, id: &str, answer: &str, extra: Value) -> Value {
    let mut i = json!({ "objection": id, "answer": answer, "reason": "经复核，处罚认定事实清楚、证据确凿" });
    if let (Some(m), Some(x)) = (i.as_object_mut(), extra.as_object()) {
        m.extend(x.clone());
    }
    let q = format!(
        "mutation($i: DecideObjectionInput!) {{ decideObjection(input: $i) {{ objection {{ {CASE_FIELDS} }} userErrors {{ code message }} }} }}"
    );
    let r = app.graphql(&q, json!({ "i": i }), Some(token)).await;
    ok(&r)["decideObjection"].clone()
}

fn deadline<'a>(case: &'a Value, milestone: &str) -> &'a Value {
    case["deadlines"]
        .as_array()
        .and_then(|ds| ds.iter().find(|d| d["milestone"] == milestone))
        .unwrap_or_else(|| panic!("no {milestone} deadline in {case}"))
}

fn events(case: &Value) -> Vec<String> {
    case["timeline"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|e| e["event"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn record_status(app: &TestApp, id: i64) -> RecordStatus {
    credit_record::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("record")
        .status
}

async fn feed_kinds(app: &TestApp, record_id: i64) -> Vec<String> {
    let mut rows = change_event::Entity::find()
        .filter(change_event::Column::RecordId.eq(record_id))
        .all(&app.state.db)
        .await
        .expect("query");
    rows.sort_by_key(|r| r.id);
    rows.into_iter().map(|r| r.kind).collect()
}

async fn notices_of(app: &TestApp, kind: &str) -> u64 {
    notice::Entity::find()
        .filter(notice::Column::Kind.eq(kind))
        .count(&app.state.db)
        .await
        .expect("count")
}

/// What the public sees of a record (null when withheld).
async fn public_node(app: &TestApp, record: &str) -> Value {
    let r = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on CreditRecord { id status } } }",
            json!({ "id": record }),
            None,
        )
        .await;
    ok(&r)["node"].clone()
}

// ---------------------------------------------------------------------------

#[tokio::test]
async fn objection_on_national_day_eve_is_first_checked_by_the_makeup_saturday() {
    let app = app().await;
    let rec = penalty(&app).await;
    // 2025-09-30 10:00 in Beijing: Oct 1-8 are holidays, Sat Oct 11 works.
    app.clock.set(at("2025-09-30T02:00:00Z"));
    let token = owner(&app).await;
    let p = file_objection(&app, &token, &rid(&rec)).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p}");
    let o = &p["objection"];
    assert_eq!(o["status"], "RECEIVED");
    let fc = deadline(o, "first_check");
    assert_eq!(fc["dueOn"], "2025-10-11");
    assert_eq!(fc["ruleId"], "objection.first_check");
    assert!(
        fc["ruleSource"]
            .as_str()
            .unwrap_or_default()
            .contains("Art. 44")
    );
    assert_eq!(fc["workingDaysLeft"], 3);
    assert_eq!(fc["countdownEn"], "3 working days left");
    assert_eq!(
        record_status(&app, rec.id).await,
        RecordStatus::UnderObjection
    );
    assert_eq!(
        events(o),
        vec!["received".to_string(), "record_withheld".to_string()]
    );
    let id = o["id"].as_str().expect("id").to_string();

    // Sunday Oct 12: the operator has not checked: overdue by one.
    app.clock.set(at("2025-10-12T02:00:00Z"));
    let op = operator(&app).await;
    let seen = objection(&app, &op, &id).await;
    let fc = deadline(&seen, "first_check");
    assert_eq!(fc["overdue"], true);
    assert_eq!(fc["countdownEn"], "overdue by 1 working day");

    // Referred on Mon Oct 13: the department has 20 WD, to Nov 10.
    app.clock.set(at("2025-10-13T02:00:00Z"));
    let op = operator(&app).await;
    let p = check(
        &app,
        &op,
        &id,
        "REFER",
        json!({ "note": "非平台工作失误，转信息提供单位核查" }),
    )
    .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p}");
    let o = &p["objection"];
    assert_eq!(o["status"], "REFERRED");
    assert_eq!(deadline(o, "first_check")["status"], "MET");
    assert_eq!(deadline(o, "first_check")["overdue"], true);
    let pv = deadline(o, "provider_verification");
    assert_eq!(pv["dueOn"], "2025-11-10");
    assert_eq!(pv["ruleId"], "objection.provider_verification");
}

#[tokio::test]
async fn upheld_objection_withholds_then_restores_disclosure_and_allows_a_complaint() {
    let app = app().await;
    let rec = penalty(&app).await;
    let record = rid(&rec);
    assert!(!public_node(&app, &record).await.is_null(), "public before");
    let token = owner(&app).await;
    let p = file_objection(&app, &token, &record).await;
    let id = p["objection"]["id"].as_str().expect("id").to_string();

    // Withheld from everyone but the subject; agencies get a change event.
    assert!(
        public_node(&app, &record).await.is_null(),
        "withheld from the public"
    );
    let own = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on CreditRecord { status publication { hiddenReason { code } } repairEligibility { status } } } }",
            json!({ "id": record }),
            Some(&token),
        )
        .await;
    assert_eq!(ok(&own)["node"]["status"], "UNDER_OBJECTION");
    assert_eq!(
        ok(&own)["node"]["publication"]["hiddenReason"]["code"],
        "UNDER_OBJECTION"
    );
    assert_eq!(
        feed_kinds(&app, rec.id).await.last().map(String::as_str),
        Some("suspended")
    );

    // Staff cannot see it before referral; then they can, and decide.
    let st = staff(&app).await;
    assert!(objection(&app, &st, &id).await.is_null());
    let op = operator(&app).await;
    check(&app, &op, &id, "REFER", json!({})).await;
    let queue = app
        .graphql(
            "{ caseQueue { caseKind deadline { milestone dueOn } objection { id } } }",
            json!({}),
            Some(&st),
        )
        .await;
    let items = ok(&queue)["caseQueue"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["objection"]["id"], id.as_str());
    assert_eq!(items[0]["deadline"]["milestone"], "provider_verification");

    let p = decide(&app, &st, &id, "UPHOLD", json!({})).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p}");
    let o = &p["objection"];
    assert_eq!(o["status"], "DECIDED");
    assert_eq!(o["outcome"], "UPHELD");
    assert_eq!(deadline(o, "applicant_notify")["status"], "MET");
    assert_eq!(deadline(o, "provider_verification")["status"], "MET");
    assert_eq!(record_status(&app, rec.id).await, RecordStatus::Active);
    assert!(
        !public_node(&app, &record).await.is_null(),
        "disclosed again"
    );
    assert_eq!(
        feed_kinds(&app, rec.id)
            .await
            .into_iter()
            .rev()
            .take(2)
            .collect::<Vec<_>>(),
        vec!["restored".to_string(), "suspended".to_string()]
    );
    let ev = events(o);
    for e in [
        "received",
        "record_withheld",
        "referred",
        "upheld",
        "applicant_notified",
    ] {
        assert!(ev.contains(&e.to_string()), "{e} missing from {ev:?}");
    }
    assert!(notices_of(&app, "objection_decided").await >= 1);

    // A complaint about it runs on its own clock.
    let r = app
        .graphql(
            "mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { complaint { id status founded deadlines { milestone ruleId status } } userErrors { code } } }",
            json!({ "i": { "case": id, "statement": "异议处理结论未说明依据" } }),
            Some(&token),
        )
        .await;
    let c = &ok(&r)["fileComplaint"];
    assert_eq!(codes(c), Vec::<String>::new(), "{c}");
    assert_eq!(
        c["complaint"]["deadlines"][0]["ruleId"],
        "complaint.handling"
    );
    assert_eq!(c["complaint"]["founded"], Value::Null, "not answered yet");
    let cid = c["complaint"]["id"].as_str().expect("id").to_string();
    let r = app
        .graphql(
            "mutation($i: DecideComplaintInput!) { decideComplaint(input: $i) { complaint { status founded outcomeReason deadlines { status } } userErrors { code } } }",
            json!({ "i": { "complaint": cid, "founded": false, "reason": "处理程序符合规定" } }),
            Some(&op),
        )
        .await;
    assert_eq!(ok(&r)["decideComplaint"]["complaint"]["status"], "DECIDED");
    assert_eq!(ok(&r)["decideComplaint"]["complaint"]["founded"], false);
    assert_eq!(
        ok(&r)["decideComplaint"]["complaint"]["deadlines"][0]["status"],
        "MET"
    );

    // An answer given before `complaint.founded` existed is filled in from
    // the timeline when the column is added.
    let newer = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261122_000016_complaint_founded")
        .expect("the migration adding complaint.founded")
        + 1;
    let newer = u32::try_from(newer).expect("a small count");
    Migrator::down(&app.state.db, Some(newer))
        .await
        .expect("down to before complaint.founded");
    Migrator::up(&app.state.db, None).await.expect("up again");
    let r = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on Complaint { founded } } }",
            json!({ "id": cid }),
            Some(&op),
        )
        .await;
    assert_eq!(ok(&r)["node"]["founded"], false);
}

#[tokio::test]
async fn platform_error_is_corrected_at_once_and_unverifiable_is_deleted() {
    let app = app().await;
    let rec = penalty(&app).await;
    let token = owner(&app).await;
    let p = file_objection(&app, &token, &rid(&rec)).await;
    let id = p["objection"]["id"].as_str().expect("id").to_string();
    let op = operator(&app).await;
    // Own error without a correction: refused, nothing changed.
    let p = check(&app, &op, &id, "OWN_ERROR", json!({ "note": "录入错误" })).await;
    assert_eq!(codes(&p), vec!["CORRECTION_REQUIRED"]);
    let p = check(
        &app,
        &op,
        &id,
        "OWN_ERROR",
        json!({ "note": "平台归集时标题录入错误", "correction": { "title": "产品标识不符合规定（已更正）" } }),
    )
    .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p}");
    let o = &p["objection"];
    assert_eq!(o["outcome"], "PLATFORM_CORRECTED");
    assert_eq!(o["record"]["title"], "产品标识不符合规定（已更正）");
    assert_eq!(o["record"]["status"], "ACTIVE");
    assert_eq!(deadline(o, "own_error_notify")["status"], "MET");
    assert_eq!(
        feed_kinds(&app, rec.id).await.last().map(String::as_str),
        Some("corrected")
    );

    // A second objection, referred, found unverifiable: deleted with reason.
    let p = file_objection(&app, &token, &rid(&rec)).await;
    let id = p["objection"]["id"].as_str().expect("id").to_string();
    check(&app, &op, &id, "REFER", json!({})).await;
    let st = staff(&app).await;
    let p = decide(
        &app,
        &st,
        &id,
        "DELETE_UNVERIFIABLE",
        json!({ "reason": "原始执法记录缺失，无法核实" }),
    )
    .await;
    assert_eq!(p["objection"]["outcome"], "DELETED_UNVERIFIABLE");
    assert_eq!(record_status(&app, rec.id).await, RecordStatus::Deleted);
    assert_eq!(
        feed_kinds(&app, rec.id).await.last().map(String::as_str),
        Some("deleted")
    );
    // Decided cases cannot be decided again; a deleted record cannot be objected to.
    let again = decide(&app, &st, &id, "UPHOLD", json!({})).await;
    assert_eq!(codes(&again), vec!["CASE_NOT_OPEN"]);
    let p = file_objection(&app, &token, &rid(&rec)).await;
    assert_eq!(codes(&p), vec!["RECORD_NOT_OBJECTABLE"]);
}

#[tokio::test]
async fn withdrawal_by_the_applicant_restores_the_record_and_cancels_the_clock() {
    let app = app().await;
    let rec = penalty(&app).await;
    let token = owner(&app).await;
    let p = file_objection(&app, &token, &rid(&rec)).await;
    let id = p["objection"]["id"].as_str().expect("id").to_string();
    // Another subject cannot withdraw it.
    let other = person(&app).await;
    let r = app
        .graphql(
            "mutation($i: WithdrawCaseInput!) { withdrawObjection(input: $i) { objection { status } userErrors { field code } } }",
            json!({ "i": { "id": id } }),
            Some(&other),
        )
        .await;
    assert_eq!(codes(&ok(&r)["withdrawObjection"]), vec!["CASE_NOT_FOUND"]);
    // The error points at the input's own field.
    assert_eq!(
        ok(&r)["withdrawObjection"]["userErrors"][0]["field"],
        json!(["input", "id"])
    );
    let r = app
        .graphql(
            "mutation($i: WithdrawCaseInput!) { withdrawObjection(input: $i) { objection { status deadlines { status } } userErrors { code } } }",
            json!({ "i": { "id": id, "note": "已与执法部门沟通" } }),
            Some(&token),
        )
        .await;
    let o = &ok(&r)["withdrawObjection"]["objection"];
    assert_eq!(o["status"], "WITHDRAWN");
    assert_eq!(o["deadlines"][0]["status"], "CANCELLED");
    assert_eq!(record_status(&app, rec.id).await, RecordStatus::Active);
    assert_eq!(
        notices_of(&app, "objection_withdrawn").await,
        2,
        "subject and operator"
    );
}

/// The department withdraws the record (its decision revoked).
async fn withdraw_record(app: &TestApp, rec: &credit_record::Model) -> Value {
    let st = staff(app).await;
    let r = app
        .graphql(
            "mutation($i: WithdrawRecordInput!) { withdrawRecord(input: $i) { record { status } userErrors { code } } }",
            json!({ "i": { "sourceRef": rec.source_ref, "reason": "处罚决定已被复议机关撤销" } }),
            Some(&st),
        )
        .await;
    ok(&r)["withdrawRecord"].clone()
}

#[tokio::test]
async fn a_record_withdrawn_by_its_department_closes_its_open_objection_for_good() {
    let app = app().await;
    let rec = penalty(&app).await;
    let token = owner(&app).await;
    let p = file_objection(&app, &token, &rid(&rec)).await;
    let id = p["objection"]["id"].as_str().expect("id").to_string();
    let op = operator(&app).await;
    check(&app, &op, &id, "REFER", json!({})).await;

    let w = withdraw_record(&app, &rec).await;
    assert_eq!(codes(&w), Vec::<String>::new(), "{w}");
    assert_eq!(w["record"]["status"], "WITHDRAWN");
    let o = objection(&app, &token, &id).await;
    assert_eq!(o["status"], "DECIDED");
    assert_eq!(o["outcome"], "RECORD_WITHDRAWN");
    assert_eq!(o["outcomeReason"], "处罚决定已被复议机关撤销");
    assert_eq!(deadline(&o, "provider_verification")["status"], "CANCELLED");
    assert_eq!(deadline(&o, "applicant_notify")["status"], "MET");
    assert!(events(&o).contains(&"record_withdrawn".to_string()));
    assert_eq!(notices_of(&app, "objection_decided").await, 1);

    // No later answer can bring the record back into disclosure.
    let st = staff(&app).await;
    let late = decide(&app, &st, &id, "UPHOLD", json!({})).await;
    assert_eq!(codes(&late), vec!["CASE_NOT_OPEN"]);
    assert_eq!(record_status(&app, rec.id).await, RecordStatus::Withdrawn);
    assert!(public_node(&app, &rid(&rec)).await.is_null());
    // The subject may object to its records again (none is open).
    let queue = app
        .graphql("{ caseQueue { caseKind } }", json!({}), Some(&st))
        .await;
    assert_eq!(ok(&queue)["caseQueue"], json!([]));
}

#[tokio::test]
async fn a_record_withdrawn_by_its_department_closes_its_open_repair_application() {
    let app = app().await;
    let rec = penalty(&app).await;
    let record = rid(&rec);
    let token = owner(&app).await;
    let l = letter(&app, &token, &record).await;
    let sha = l["sha256"].as_str().expect("sha").to_string();
    let p = apply(&app, &token, &record, &sha).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p}");
    let aid = p["application"]["id"].as_str().expect("id").to_string();

    let w = withdraw_record(&app, &rec).await;
    assert_eq!(codes(&w), Vec::<String>::new(), "{w}");
    let r = app
        .graphql(
            "query($id: ID!) { repairApplication(id: $id) { status outcome decisionReason deadlines { milestone status } timeline { event } } }",
            json!({ "id": aid }),
            Some(&token),
        )
        .await;
    let a = &ok(&r)["repairApplication"];
    assert_eq!(a["status"], "DECIDED");
    assert_eq!(a["outcome"], "RECORD_WITHDRAWN");
    assert_eq!(deadline(a, "repair_decision")["status"], "CANCELLED");
    assert!(events(a).contains(&"record_withdrawn".to_string()));
    // Withdrawn, not marked repaired.
    assert_eq!(record_status(&app, rec.id).await, RecordStatus::Withdrawn);
    assert_eq!(notices_of(&app, "repair_decided").await, 1);
}

#[tokio::test]
async fn department_silence_over_spring_festival_withdraws_the_record_once() {
    let app = app().await;
    let rec = penalty(&app).await;
    let token = owner(&app).await;
    // Filed and referred on Thu 2026-02-12, before Spring Festival (Feb 15-23).
    app.clock.set(at("2026-02-12T01:00:00Z"));
    let token2 = owner(&app).await;
    let _ = token;
    let p = file_objection(&app, &token2, &rid(&rec)).await;
    let id = p["objection"]["id"].as_str().expect("id").to_string();
    assert_eq!(
        deadline(&p["objection"], "first_check")["dueOn"],
        "2026-02-24"
    );
    let op = operator(&app).await;
    let p = check(&app, &op, &id, "REFER", json!({})).await;
    // 20 WD: Feb 13, 14 (make-up Sat), 24-27, 28 (make-up Sat), Mar 2-6, 9-13, 16-18.
    let due = deadline(&p["objection"], "provider_verification")["dueOn"].clone();
    assert_eq!(due, "2026-03-18");

    // Two working days before (Mon Mar 16) the department is reminded; on
    // the day (Wed Mar 18) again; both exactly once, with two sweeps racing.
    for (when, kind) in [
        ("2026-03-16T01:00:00Z", "deadline_approaching"),
        ("2026-03-18T01:00:00Z", "deadline_due"),
    ] {
        app.clock.set(at(when));
        let (a, b) = tokio::join!(deadlines::sweep(&app.state), deadlines::sweep(&app.state));
        let (a, b) = (a.expect("sweep"), b.expect("sweep"));
        assert_eq!(
            a.approaching + b.approaching + a.due + b.due,
            1,
            "{a:?} {b:?}"
        );
        deadlines::sweep(&app.state).await.expect("sweep");
        assert_eq!(
            notices_of(&app, kind).await,
            1,
            "{kind} once to the one staff member"
        );
    }
    assert_eq!(
        record_status(&app, rec.id).await,
        RecordStatus::UnderObjection
    );

    // Silence: the first instant of Mar 19 in Beijing.
    app.clock.set(at("2026-03-18T16:00:00Z"));
    let (a, b) = tokio::join!(deadlines::sweep(&app.state), deadlines::sweep(&app.state));
    let (a, b) = (a.expect("sweep"), b.expect("sweep"));
    assert_eq!(a.withdrawn + b.withdrawn, 1, "{a:?} {b:?}");
    assert_eq!(a.escalated + b.escalated, 1);
    assert!(
        deadlines::sweep(&app.state)
            .await
            .expect("sweep")
            .is_empty()
    );
    assert_eq!(
        notices_of(&app, "deadline_overdue").await,
        1,
        "one operator, once"
    );
    assert_eq!(record_status(&app, rec.id).await, RecordStatus::Withdrawn);
    assert_eq!(
        feed_kinds(&app, rec.id).await.last().map(String::as_str),
        Some("withdrawn")
    );
    let token = owner(&app).await;
    let o = objection(&app, &token, &id).await;
    assert_eq!(o["outcome"], "WITHDRAWN_PROVIDER_SILENT");
    assert_eq!(deadline(&o, "provider_verification")["status"], "MISSED");
    assert!(events(&o).contains(&"withdrawn_provider_silent".to_string()));
    assert!(public_node(&app, &rid(&rec)).await.is_null());
    // Too late for the department now.
    let st = staff(&app).await;
    let late = decide(&app, &st, &id, "UPHOLD", json!({})).await;
    assert_eq!(codes(&late), vec!["CASE_NOT_OPEN"]);
}

#[tokio::test]
async fn overdue_first_check_escalates_to_operators_once() {
    let app = app().await;
    let rec = penalty(&app).await;
    app.clock.set(at("2025-09-30T02:00:00Z"));
    let token = owner(&app).await;
    file_objection(&app, &token, &rid(&rec)).await;
    // Reminder day of a Oct 11 due date is Thu Oct 9.
    app.clock.set(at("2025-10-09T01:00:00Z"));
    let r = deadlines::sweep(&app.state).await.expect("sweep");
    assert_eq!(r.approaching, 1);
    app.clock.set(at("2025-10-13T01:00:00Z"));
    let r = deadlines::sweep(&app.state).await.expect("sweep");
    assert_eq!((r.escalated, r.withdrawn), (1, 0));
    assert!(
        deadlines::sweep(&app.state)
            .await
            .expect("sweep")
            .is_empty()
    );
    let op = operator(&app).await;
    let q = app
        .graphql(
            "{ caseQueue(overdueOnly: true) { caseKind deadline { milestone overdue countdownEn } } }",
            json!({}),
            Some(&op),
        )
        .await;
    let items = ok(&q)["caseQueue"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["deadline"]["milestone"], "first_check");
    assert_eq!(
        items[0]["deadline"]["countdownEn"],
        "overdue by 1 working day"
    );
    assert_eq!(
        record_status(&app, rec.id).await,
        RecordStatus::UnderObjection
    );
}

#[tokio::test]
async fn one_open_objection_per_record_even_when_two_requests_race() {
    let app = app().await;
    let rec = penalty(&app).await;
    let token = owner(&app).await;
    let record = rid(&rec);
    let (a, b) = tokio::join!(
        file_objection(&app, &token, &record),
        file_objection(&app, &token, &record)
    );
    let mut outcomes = vec![codes(&a), codes(&b)];
    outcomes.sort();
    assert_eq!(
        outcomes,
        vec![
            Vec::<String>::new(),
            vec!["OBJECTION_ALREADY_OPEN".to_string()]
        ]
    );
    let n = entity::objection::Entity::find()
        .filter(entity::objection::Column::RecordId.eq(rec.id))
        .count(&app.state.db)
        .await
        .expect("count");
    assert_eq!(n, 1);
}

// ---------------------------------------------------------------------------
// Evidence

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
];

/// A GraphQL multipart request (github.com/jaydenseric/graphql-multipart-request-spec).
async fn multipart(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: Value,
    files: &[(&str, &str, Vec<u8>)],
) -> Value {
    let boundary = "xinyong-test-boundary-7d1a";
    let mut map = serde_json::Map::new();
    for (i, (path, _, _)) in files.iter().enumerate() {
        map.insert(i.to_string(), json!([path]));
    }
    let mut body: Vec<u8> = Vec::new();
    let mut part = |name: &str, filename: Option<&str>, ctype: &str, bytes: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n")
                    .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(format!("Content-Type: {ctype}\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    };
    let ops = json!({ "query": query, "variables": variables }).to_string();
    part("operations", None, "application/json", ops.as_bytes());
    part(
        "map",
        None,
        "application/json",
        Value::Object(map).to_string().as_bytes(),
    );
    for (i, (_, name, bytes)) in files.iter().enumerate() {
        // The declared type is deliberately wrong: only content counts.
        part(&i.to_string(), Some(name), "application/pdf", bytes);
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let resp = app
        .http
        .post(format!("{}/graphql", app.base_url))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("request reaches the server");
    resp.json().await.expect("a JSON body")
}

#[tokio::test]
async fn evidence_is_typed_by_content_size_limited_and_private_to_the_parties() {
    let app = app().await;
    let rec = penalty(&app).await;
    let token = owner(&app).await;
    let q = "mutation($i: FileObjectionInput!) { fileObjection(input: $i) { objection { id evidence { id fileName mediaType sizeBytes sha256 contentBase64 } } userErrors { field code } } }";
    let vars = |n: usize| json!({ "i": { "record": rid(&rec), "reason": "DUPLICATE", "statement": "同一违法行为被重复记录", "evidence": vec![Value::Null; n] } });
    // An executable named .pdf, and a file over the limit: refused, nothing filed.
    let big = {
        let mut b = b"%PDF-1.4\n".to_vec();
        b.resize(1024 * 1024 + 1, b'0');
        b
    };
    let r = multipart(
        &app,
        &token,
        q,
        vars(2),
        &[
            (
                "variables.i.evidence.0",
                "receipt.pdf",
                b"MZ\x90\x00\x03\x00\x00\x00".to_vec(),
            ),
            ("variables.i.evidence.1", "scan.pdf", big),
        ],
    )
    .await;
    let p = &r["data"]["fileObjection"];
    assert_eq!(
        codes(p),
        vec!["ATTACHMENT_TYPE_NOT_ALLOWED", "ATTACHMENT_TOO_LARGE"],
        "{r}"
    );
    assert_eq!(
        p["userErrors"][1]["field"],
        json!(["input", "evidence", "1"])
    );
    assert_eq!(record_status(&app, rec.id).await, RecordStatus::Active);

    // A PNG named .pdf is accepted as what it is.
    let r = multipart(
        &app,
        &token,
        q,
        vars(1),
        &[("variables.i.evidence.0", "photo.pdf", PNG.to_vec())],
    )
    .await;
    let p = &r["data"]["fileObjection"];
    assert_eq!(codes(p), Vec::<String>::new(), "{r}");
    let ev = &p["objection"]["evidence"][0];
    assert_eq!(ev["mediaType"], "image/png");
    assert_eq!(ev["fileName"], "photo.pdf");
    assert_eq!(ev["sizeBytes"], PNG.len());
    assert_eq!(ev["sha256"], xinyong::crypto::sha256_hex(PNG));
    assert_eq!(
        STANDARD
            .decode(ev["contentBase64"].as_str().expect("b64"))
            .expect("base64"),
        PNG
    );
    let id = p["objection"]["id"].as_str().expect("id").to_string();

    // Another subject sees neither the case nor the file.
    let other = person(&app).await;
    assert!(objection(&app, &other, &id).await.is_null());
    let r = app
        .graphql("{ myCases { objections { id } } }", json!({}), Some(&other))
        .await;
    assert_eq!(ok(&r)["myCases"]["objections"], json!([]));
    // Nor can it add evidence to it.
    let r = multipart(
        &app,
        &other,
        "mutation($i: AddCaseEvidenceInput!) { addCaseEvidence(input: $i) { attachment { id } userErrors { code } } }",
        json!({ "i": { "case": id, "file": null } }),
        &[("variables.i.file", "x.png", PNG.to_vec())],
    )
    .await;
    assert_eq!(codes(&r["data"]["addCaseEvidence"]), vec!["CASE_NOT_FOUND"]);
    // The applicant can add more; the department sees it after referral.
    let r = multipart(
        &app,
        &token,
        "mutation($i: AddCaseEvidenceInput!) { addCaseEvidence(input: $i) { attachment { mediaType } userErrors { code } } }",
        json!({ "i": { "case": id, "file": null } }),
        &[("variables.i.file", "more.jpg", vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16])],
    )
    .await;
    assert_eq!(
        r["data"]["addCaseEvidence"]["attachment"]["mediaType"], "image/jpeg",
        "{r}"
    );
    let op = operator(&app).await;
    check(&app, &op, &id, "REFER", json!({})).await;
    let st = staff(&app).await;
    let seen = objection(&app, &st, &id).await;
    assert_eq!(seen["evidence"].as_array().map(Vec::len), Some(2));
    let _ = URL_SAFE_NO_PAD;
}

// ---------------------------------------------------------------------------
// Repair

async fn set_record(
    app: &TestApp,
    rec: &credit_record::Model,
    severity: entity::enums::Severity,
    decided_on: &str,
) {
    let mut row: credit_record::ActiveModel = rec.clone().into();
    row.severity = Set(Some(severity));
    row.decided_on = Set(d(decided_on));
    row.update(&app.state.db).await.expect("update record");
}

async fn eligibility(app: &TestApp, token: &str, record: &str) -> Value {
    let r = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on CreditRecord { repairEligibility { status eligibleFrom reasonEn reasonZh ruleId ruleSource } } } }",
            json!({ "id": record }),
            Some(token),
        )
        .await;
    ok(&r)["node"]["repairEligibility"].clone()
}

#[tokio::test]
async fn repair_eligibility_edges_by_the_rule_set_in_force_when_the_clock_started() {
    let app = app().await;
    let rec = penalty(&app).await;
    let record = rid(&rec);
    // General penalty under Order 36: 3 months from 2026-05-10 end 2026-08-10.
    set_record(&app, &rec, entity::enums::Severity::General, "2026-05-10").await;
    app.clock.set(at("2026-08-10T04:00:00Z"));
    let token = owner(&app).await;
    let e = eligibility(&app, &token, &record).await;
    assert_eq!(e["status"], "ELIGIBLE_FROM", "{e}");
    assert_eq!(e["eligibleFrom"], "2026-08-11");
    assert_eq!(e["ruleId"], "repair.min_period.general");
    assert!(e["ruleSource"].as_str().unwrap_or_default().contains("36"));
    app.clock.set(at("2026-08-10T16:00:00Z")); // 00:00 on Aug 11 in Beijing
    let token = owner(&app).await;
    assert_eq!(
        eligibility(&app, &token, &record).await["status"],
        "ELIGIBLE"
    );

    // Decided in 2022, under the 2015 Measures only: the 45-day window.
    set_record(&app, &rec, entity::enums::Severity::Serious, "2022-03-01").await;
    app.clock.set(at("2022-04-15T04:00:00Z"));
    let token = owner(&app).await;
    let e = eligibility(&app, &token, &record).await;
    assert_eq!(e["status"], "ELIGIBLE", "{e}");
    assert_eq!(e["ruleId"], "repair.self_correction_window");
    app.clock.set(at("2022-04-16T04:00:00Z"));
    let token = owner(&app).await;
    let e = eligibility(&app, &token, &record).await;
    assert_eq!(e["status"], "NEVER");
    assert!(
        e["reasonEn"]
            .as_str()
            .unwrap_or_default()
            .contains("2022-04-15"),
        "{e}"
    );

    // The public view has no eligibility.
    let r = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on CreditRecord { repairEligibility { status } } } }",
            json!({ "id": record }),
            None,
        )
        .await;
    assert!(ok(&r)["node"]["repairEligibility"].is_null());
}

async fn letter(app: &TestApp, token: &str, record: &str) -> Value {
    let r = app
        .graphql(
            "query($r: ID!) { repairCommitmentLetter(record: $r) { text sha256 } }",
            json!({ "r": record }),
            Some(token),
        )
        .await;
    ok(&r)["repairCommitmentLetter"].clone()
}

const APPLY: &str = "mutation($i: ApplyForRepairInput!) { applyForRepair(input: $i) { application { id status outcome decisionReason commitmentSha256 commitmentAcceptedBy deadlines { milestone dueOn ruleId status } timeline { event } evidence { mediaType } } userErrors { field code message } } }";

async fn apply(app: &TestApp, token: &str, record: &str, sha: &str) -> Value {
    let r = multipart(
        app,
        token,
        APPLY,
        json!({ "i": { "record": record, "commitmentSha256": sha, "acceptedBy": "林晓峰", "statement": "罚款已缴纳，标识已整改", "proofs": [null] } }),
        &[("variables.i.proofs.0", "缴款凭证.pdf", b"%PDF-1.7\n1 0 obj\n".to_vec())],
    )
    .await;
    r["data"]["applyForRepair"].clone()
}

/// Proofs sent with an application for someone else's record are refused
/// and not kept; the same bytes from the record's owner are.
#[tokio::test]
async fn proofs_for_someone_elses_record_are_not_stored() {
    let app = app().await;
    let record = rid(&penalty(&app).await);
    let proof = b"%PDF-1.7\n% proof sent by the wrong subject\n".to_vec();
    let sha = xinyong::crypto::sha256_hex(&proof);
    let stored = app
        .state
        .config
        .data_dir
        .join("attachments")
        .join(&sha[..2])
        .join(&sha);
    let send = |token: String, commitment: String| {
        let (app, record, proof) = (&app, record.clone(), proof.clone());
        async move {
            let r = multipart(
                app,
                &token,
                APPLY,
                json!({ "i": { "record": record, "commitmentSha256": commitment, "acceptedBy": "林晓峰", "proofs": [null] } }),
                &[("variables.i.proofs.0", "凭证.pdf", proof)],
            )
            .await;
            r["data"]["applyForRepair"].clone()
        }
    };

    let other = person(&app).await;
    let p = send(other, "0".repeat(64)).await;
    assert_eq!(codes(&p), vec!["RECORD_NOT_FOUND"]);
    assert!(!stored.exists(), "{} was kept", stored.display());

    let token = owner(&app).await;
    let l = letter(&app, &token, &record).await;
    let commitment = l["sha256"].as_str().expect("sha").to_string();
    let p = send(token, commitment).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p}");
    assert!(stored.exists(), "the owner's proof is stored");
}

#[tokio::test]
async fn repair_approved_ends_publication_and_rejected_can_be_complained_about() {
    let app = app().await;
    let rec = penalty(&app).await; // minor: repairable once obligations are fulfilled
    let record = rid(&rec);
    let token = owner(&app).await;
    let l = letter(&app, &token, &record).await;
    assert!(
        l["text"]
            .as_str()
            .unwrap_or_default()
            .contains("福州闽江电子科技有限公司")
    );
    let sha = l["sha256"].as_str().expect("sha").to_string();
    assert_eq!(
        sha,
        xinyong::crypto::sha256_hex(l["text"].as_str().expect("text").as_bytes())
    );

    // A stale or forged hash is refused.
    let p = apply(&app, &token, &record, &"0".repeat(64)).await;
    assert_eq!(codes(&p), vec!["COMMITMENT_MISMATCH"]);
    // Another subject cannot get the letter for this record.
    let other = person(&app).await;
    let r = app
        .graphql(
            "query($r: ID!) { repairCommitmentLetter(record: $r) { sha256 } }",
            json!({ "r": record }),
            Some(&other),
        )
        .await;
    assert_eq!(
        r.body["errors"][0]["extensions"]["reason"],
        "RECORD_NOT_FOUND"
    );

    let p = apply(&app, &token, &record, &sha).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p}");
    let a = &p["application"];
    assert_eq!(a["commitmentAcceptedBy"], "林晓峰");
    let rd = deadline(a, "repair_decision");
    assert_eq!(rd["ruleId"], "repair.decision");
    // Sat 2026-11-21 + 20 WD = Fri 2026-12-18.
    assert_eq!(rd["dueOn"], "2026-12-18");
    assert!(events(a).contains(&"commitment_accepted".to_string()));
    let aid = a["id"].as_str().expect("id").to_string();
    // A second application while one is open.
    let p2 = apply(&app, &token, &record, &sha).await;
    assert_eq!(codes(&p2), vec!["REPAIR_ALREADY_OPEN"]);

    // The department rejects without saying how to reapply: refused.
    let st = staff(&app).await;
    let dq = "mutation($i: DecideRepairInput!) { decideRepairApplication(input: $i) { application { status outcome decisionReason } userErrors { field code } } }";
    let r = app
        .graphql(
            dq,
            json!({ "i": { "application": aid, "approve": false, "reason": "缴款凭证不清晰" } }),
            Some(&st),
        )
        .await;
    assert_eq!(
        codes(&ok(&r)["decideRepairApplication"]),
        vec!["HOW_TO_REAPPLY_REQUIRED"]
    );
    let r = app
        .graphql(
            dq,
            json!({ "i": { "application": aid, "approve": false, "reason": "缴款凭证不清晰", "howToReapply": "请提交银行盖章的缴款凭证后重新申请" } }),
            Some(&st),
        )
        .await;
    let a = &ok(&r)["decideRepairApplication"]["application"];
    assert_eq!(a["outcome"], "REJECTED");
    assert!(
        a["decisionReason"]
            .as_str()
            .unwrap_or_default()
            .contains("重新申请")
    );
    let r = app
        .graphql(
            "mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { complaint { status } userErrors { code } } }",
            json!({ "i": { "case": aid, "statement": "凭证清晰可辨" } }),
            Some(&token),
        )
        .await;
    assert_eq!(ok(&r)["fileComplaint"]["complaint"]["status"], "RECEIVED");

    // Apply again and get approved: publication ends, agencies are told.
    let p = apply(&app, &token, &record, &sha).await;
    let aid = p["application"]["id"].as_str().expect("id").to_string();
    let r = app
        .graphql(
            dq,
            json!({ "i": { "application": aid, "approve": true } }),
            Some(&st),
        )
        .await;
    assert_eq!(
        ok(&r)["decideRepairApplication"]["application"]["outcome"],
        "APPROVED"
    );
    assert_eq!(record_status(&app, rec.id).await, RecordStatus::Repaired);
    assert_eq!(
        feed_kinds(&app, rec.id).await.last().map(String::as_str),
        Some("repaired")
    );
    assert!(public_node(&app, &record).await.is_null());
    let own = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on CreditRecord { status repairEligibility { status } } } }",
            json!({ "id": record }),
            Some(&token),
        )
        .await;
    assert_eq!(ok(&own)["node"]["status"], "REPAIRED");
    assert_eq!(ok(&own)["node"]["repairEligibility"]["status"], "NEVER");
    let mine = app
        .graphql(
            "{ myCases { repairApplications { status outcome } complaints { status } } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(
        ok(&mine)["myCases"]["repairApplications"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert!(notices_of(&app, "repair_decided").await >= 2);
}

// ---------------------------------------------------------------------------
// Global ids and the calendar

#[tokio::test]
async fn node_resolves_cases_for_their_parties_only() {
    let app = app().await;
    let rec = penalty(&app).await;
    let token = owner(&app).await;
    let p = file_objection(&app, &token, &rid(&rec)).await;
    let id = p["objection"]["id"].as_str().expect("id").to_string();
    let q = "query($id: ID!) { node(id: $id) { __typename id ... on Objection { status record { title } } } }";
    let r = app.graphql(q, json!({ "id": id }), Some(&token)).await;
    let n = &ok(&r)["node"];
    assert_eq!(n["__typename"], "Objection");
    assert_eq!(n["id"], id.as_str());
    assert_eq!(n["status"], "RECEIVED");
    assert_eq!(n["record"]["title"], "产品标识不符合规定");
    // The same visibility as `objection(id:)`: the operator sees it; the
    // department only once it is referred there; another subject never.
    let op = operator(&app).await;
    let st = staff(&app).await;
    let other = person(&app).await;
    let seen = |r: &xinyong_tests::Gql| !ok(r)["node"].is_null();
    assert!(seen(&app.graphql(q, json!({ "id": id }), Some(&op)).await));
    assert!(!seen(&app.graphql(q, json!({ "id": id }), Some(&st)).await));
    assert!(!seen(
        &app.graphql(q, json!({ "id": id }), Some(&other)).await
    ));
    assert!(!seen(&app.graphql(q, json!({ "id": id }), None).await));
    check(&app, &op, &id, "REFER", json!({})).await;
    assert!(seen(&app.graphql(q, json!({ "id": id }), Some(&st)).await));

    // The department upholds it, the subject complains: the complaint is a
    // node too, for the subject and the operators (not the department).
    decide(&app, &st, &id, "UPHOLD", json!({})).await;
    let r = app
        .graphql(
            "mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { complaint { id } userErrors { code } } }",
            json!({ "i": { "case": id, "statement": "核查未听取我方陈述" } }),
            Some(&token),
        )
        .await;
    let cid = ok(&r)["fileComplaint"]["complaint"]["id"]
        .as_str()
        .expect("complaint id")
        .to_string();
    let cq = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Complaint { status objectionId } } }";
    let r = app
        .graphql(cq, json!({ "ids": [cid, id] }), Some(&token))
        .await;
    let ns = &ok(&r)["nodes"];
    assert_eq!(ns[0]["__typename"], "Complaint");
    assert_eq!(ns[0]["objectionId"], id.as_str());
    assert_eq!(ns[1]["__typename"], "Objection");
    let r = app
        .graphql(cq, json!({ "ids": [cid, id] }), Some(&st))
        .await;
    assert!(ok(&r)["nodes"][0].is_null(), "{}", r.body);
    assert_eq!(ok(&r)["nodes"][1]["__typename"], "Objection");
    // A case id is not another kind's: an objection id asked as a repair
    // application is null, not an error.
    let r = app
        .graphql(
            "query($id: ID!) { repairApplication(id: $id) { id } }",
            json!({ "id": id }),
            Some(&token),
        )
        .await;
    assert!(ok(&r)["repairApplication"].is_null());
}

/// A 2027 notice as it might read (test data: New Year Jan 1-3).
const CALENDAR_2027: &str = r#"
year = 2027

[notice]
title = "国务院办公厅关于2027年部分节假日安排的通知（测试）"
published_on = 2026-11-10

[[holiday]]
name_zh = "元旦"
name_en = "New Year's Day"
from = 2027-01-01
to = 2027-01-03
"#;

#[tokio::test]
async fn a_provisional_deadline_is_recomputed_when_its_year_is_loaded() {
    let app = app().await;
    let rec = penalty(&app).await;
    let token = owner(&app).await;
    // An objection filed now: due Wed 2026-11-25, all in 2026 (firm).
    let firm = file_objection(&app, &token, &rid(&rec)).await;
    let firm_id = firm["objection"]["id"].as_str().expect("id").to_string();
    assert_eq!(
        deadline(&firm["objection"], "first_check")["dueOn"],
        "2026-11-25"
    );

    // Wed 2026-12-30, 10:00 in Beijing: 3 WD run into 2027, whose notice is
    // not loaded: Dec 31, Jan 1 (a weekday, so far), Mon Jan 4.
    app.clock.set(at("2026-12-30T02:00:00Z"));
    let token = owner(&app).await;
    let other = credit_record::Entity::find()
        .filter(credit_record::Column::SubjectId.eq(rec.subject_id))
        .filter(credit_record::Column::Title.eq("福州市诚信示范企业"))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the honour record");
    let p = file_objection(&app, &token, &rid(&other)).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p}");
    let id = p["objection"]["id"].as_str().expect("id").to_string();
    let fc = deadline(&p["objection"], "first_check");
    assert_eq!(fc["dueOn"], "2027-01-04");
    assert_eq!(fc["provisional"], true);

    // The 2027 notice makes Jan 1-3 a holiday: the open deadline moves to
    // Tue Jan 5 and is firm; the 2026 one is untouched.
    let year =
        xinyong::service::reference::load_calendar_year(&app.state, CALENDAR_2027, false, "test")
            .await
            .expect("the 2027 calendar loads");
    assert_eq!(year, 2027);
    let o = objection(&app, &token, &id).await;
    let fc = deadline(&o, "first_check");
    assert_eq!(fc["dueOn"], "2027-01-05", "{o}");
    assert_eq!(fc["provisional"], false);
    assert_eq!(fc["workingDaysLeft"], 3);
    assert_eq!(
        events(&o).last().map(String::as_str),
        Some("deadline_recomputed")
    );
    let f = objection(&app, &token, &firm_id).await;
    assert_eq!(deadline(&f, "first_check")["dueOn"], "2026-11-25");
    assert!(!events(&f).contains(&"deadline_recomputed".to_string()));
    // The applicant is told the new day, for the moved case only.
    let moved = notice::Entity::find()
        .filter(notice::Column::Kind.eq("deadline_moved"))
        .all(&app.state.db)
        .await
        .expect("notices");
    assert!(!moved.is_empty(), "no deadline_moved notice");
    let oid =
        xinyong::graphql::node::decode_id_of(&id, NodeType::Objection).expect("an objection id");
    for n in &moved {
        assert_eq!(
            n.link.as_deref(),
            Some(format!("/cases/objections/{oid}").as_str())
        );
        assert_eq!(n.data["due_on"], "2027-01-05", "{:?}", n.data);
        assert_eq!(n.data["due_on_before"], "2027-01-04");
        assert!(
            n.body.contains("2027-01-05") && n.body.contains("2027-01-04"),
            "{}",
            n.body
        );
    }

    // The sweep follows the new day: no "due today" reminder on Jan 4.
    app.clock.set(at("2027-01-04T02:00:00Z"));
    deadlines::sweep(&app.state).await.expect("sweep");
    assert_eq!(notices_of(&app, "deadline_due").await, 0);
    app.clock.set(at("2027-01-05T02:00:00Z"));
    deadlines::sweep(&app.state).await.expect("sweep");
    assert!(notices_of(&app, "deadline_due").await > 0);
}

// ---------------------------------------------------------------------------
// The sweep over a backlog

/// A case milestone of the backlog test: case kind, case id, subject,
/// milestone, the department reminded (`None`: the operators), and the case
/// number and record title its notices carry (`None`: the case is gone).
type Milestone = (
    entity::enums::CaseKind,
    i64,
    i64,
    &'static str,
    Option<i64>,
    Option<(String, String)>,
);

/// One deadline of the backlog test and what the sweep must do with it.
struct Due {
    row: entity::deadline::Model,
    /// The notice kind sent, if any, and to whom (`None`: the operators).
    action: Option<(&'static str, Option<i64>)>,
    /// The case's notice facts (`None`: the case row is missing).
    facts: Option<(String, String)>,
}

/// A received repair application about `r` (sweep fixtures).
fn repair_row(
    r: &credit_record::Model,
    applicant: i64,
    received: chrono::DateTime<chrono::Utc>,
) -> repair_application::ActiveModel {
    repair_application::ActiveModel {
        subject_id: Set(r.subject_id),
        record_id: Set(r.id),
        applicant_account_id: Set(applicant),
        department_id: Set(r.department_id),
        status: Set(entity::enums::RepairStatus::Received),
        outcome: Set(None),
        statement: Set(None),
        commitment_text_hash: Set("0".repeat(64)),
        commitment_accepted_by: Set("-".into()),
        commitment_accepted_at: Set(received),
        decision_reason: Set(None),
        received_at: Set(received),
        decided_at: Set(None),
        created_at: Set(received),
        updated_at: Set(received),
        version: Set(1),
        open_record_id: Set(None),
        ..Default::default()
    }
}

/// A backlog of due deadlines of every kind, over more than one batch of
/// the sweep, with handlers in several departments and among the
/// operators, accounts in both languages and with and without case email,
/// and one notice already sent: each deadline gets exactly its notices
/// (title and body in the recipient's language), emails, timeline event
/// and fields, and a second sweep does nothing.
#[tokio::test]
async fn a_backlog_of_deadlines_is_swept_exactly_as_one_deadline_at_a_time() {
    use entity::enums::{
        AccountRole, AccountStatus, ActorKind, CaseKind, ComplaintStatus, DeadlineStatus,
        ObjectionStatus,
    };
    use entity::{account, case_event, complaint, deadline, objection, outbox_email};
    use std::collections::{BTreeMap, BTreeSet};
    use xinyong::mail::templates::{self, Lang};
    use xinyong::service::cases::{after_due, first_check_at, milestone, milestone_name};
    use xinyong::service::notices::NoticeKind;

    let app = app().await;
    let db = &app.state.db;
    // Wednesday 2026-11-25, 10:00 in Beijing: Friday the 27th is two working days on.
    let now = at("2026-11-25T02:00:00Z");
    app.clock.set(now);
    let today = d("2026-11-25");
    let market = market_department(&app).await.id;

    // Records of three departments: the market department (the demo's
    // staff member), one whose only staff member reads English, and one
    // with no staff at all.
    let records = credit_record::Entity::find()
        .all(db)
        .await
        .expect("records");
    let of_dept = |dept: i64| {
        records
            .iter()
            .filter(|r| r.department_id == dept)
            .min_by_key(|r| r.id)
            .cloned()
            .expect("a record of the department")
    };
    let rec_market = of_dept(market);
    let other: BTreeSet<i64> = records
        .iter()
        .map(|r| r.department_id)
        .filter(|&d| d != market)
        .collect();
    let mut other = other.into_iter();
    let (dept_en, dept_none) = (
        other.next().expect("a second department"),
        other.next().expect("a third department"),
    );
    let (rec_en, rec_none) = (of_dept(dept_en), of_dept(dept_none));

    let new_account = |email: &str,
                       role: AccountRole,
                       dept: Option<i64>,
                       lang: &str,
                       status: AccountStatus,
                       prefs: Value| account::ActiveModel {
        email: Set(email.to_string()),
        display_name: Set(email.to_string()),
        password_hash: Set("-".into()),
        role: Set(role),
        department_id: Set(dept),
        language: Set(lang.to_string()),
        status: Set(status),
        email_verified_at: Set(Some(now)),
        notify_prefs: Set(prefs),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
        ..Default::default()
    };
    for a in [
        new_account(
            "op.en@sweep.test",
            AccountRole::Operator,
            None,
            "en",
            AccountStatus::Active,
            json!({ "email": true, "cases": false }),
        ),
        new_account(
            "op.off@sweep.test",
            AccountRole::Operator,
            None,
            "zh-CN",
            AccountStatus::Disabled,
            json!({ "email": true }),
        ),
        new_account(
            "scjg.en@sweep.test",
            AccountRole::DepartmentStaff,
            Some(market),
            "en",
            AccountStatus::Active,
            json!({ "email": false }),
        ),
        new_account(
            "other.en@sweep.test",
            AccountRole::DepartmentStaff,
            Some(dept_en),
            "en",
            AccountStatus::Active,
            json!({ "email": true }),
        ),
        new_account(
            "other.off@sweep.test",
            AccountRole::DepartmentStaff,
            Some(dept_en),
            "en",
            AccountStatus::Disabled,
            json!({ "email": true }),
        ),
    ] {
        a.insert(db).await.expect("account");
    }
    let accounts = account::Entity::find().all(db).await.expect("accounts");
    let applicant = accounts
        .iter()
        .find(|a| a.role == AccountRole::SubjectUser)
        .expect("a subject user")
        .id;
    // Who the sweep tells: active operators, or a department's active staff.
    let recipients = |to: Option<i64>| -> Vec<account::Model> {
        accounts
            .iter()
            .filter(|a| a.status == AccountStatus::Active)
            .filter(|a| match to {
                None => a.role == AccountRole::Operator,
                Some(dept) => {
                    a.role == AccountRole::DepartmentStaff && a.department_id == Some(dept)
                }
            })
            .cloned()
            .collect()
    };
    assert_eq!(recipients(None).len(), 2);
    assert_eq!(recipients(Some(market)).len(), 2);
    assert_eq!(recipients(Some(dept_en)).len(), 1);
    assert_eq!(recipients(Some(dept_none)).len(), 0);

    // Cases, received on 2026-10-20.
    let received = at("2026-10-20T02:00:00Z");
    let new_objection = |r: &credit_record::Model, status| objection::ActiveModel {
        subject_id: Set(r.subject_id),
        record_id: Set(r.id),
        applicant_account_id: Set(applicant),
        department_id: Set(r.department_id),
        reason_code: Set("FACTUAL_ERROR".into()),
        statement: Set("-".into()),
        status: Set(status),
        outcome: Set(None),
        outcome_reason: Set(None),
        received_at: Set(received),
        referred_at: Set(Some(received)),
        decided_at: Set(None),
        closed_at: Set(None),
        created_at: Set(received),
        updated_at: Set(received),
        version: Set(1),
        open_record_id: Set(None),
        ..Default::default()
    };
    let new_repair = |r: &credit_record::Model| repair_row(r, applicant, received);
    let new_complaint = |subject_id, o: Option<i64>, a: Option<i64>| complaint::ActiveModel {
        subject_id: Set(subject_id),
        objection_id: Set(o),
        repair_application_id: Set(a),
        applicant_account_id: Set(applicant),
        statement: Set("-".into()),
        status: Set(ComplaintStatus::Received),
        outcome_reason: Set(None),
        founded: Set(None),
        received_at: Set(received),
        decided_at: Set(None),
        created_at: Set(received),
        updated_at: Set(received),
        version: Set(1),
        ..Default::default()
    };
    // Only one objection is still with its provider: the others' overdue
    // verifications find them past that stage.
    let o_market = new_objection(&rec_market, ObjectionStatus::Received)
        .insert(db)
        .await
        .expect("objection");
    let o_en = new_objection(&rec_en, ObjectionStatus::Received)
        .insert(db)
        .await
        .expect("objection");
    let o_silent = new_objection(&rec_en, ObjectionStatus::Referred)
        .insert(db)
        .await
        .expect("objection");
    let a_market = new_repair(&rec_market).insert(db).await.expect("repair");
    let a_none = new_repair(&rec_none).insert(db).await.expect("repair");
    let c_o = new_complaint(o_en.subject_id, Some(o_en.id), None)
        .insert(db)
        .await
        .expect("complaint");
    let c_a = new_complaint(a_none.subject_id, None, Some(a_none.id))
        .insert(db)
        .await
        .expect("complaint");
    let title_of = |id: i64| {
        records
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.title.clone())
            .expect("the case's record")
    };
    let no = |prefix: &str, id: i64| format!("{prefix}-2026-{id:04}");
    let cases: Vec<Milestone> = vec![
        (
            CaseKind::Objection,
            o_market.id,
            o_market.subject_id,
            milestone::PROVIDER_VERIFICATION,
            Some(market),
            Some((no("YY", o_market.id), title_of(rec_market.id))),
        ),
        (
            CaseKind::Objection,
            o_en.id,
            o_en.subject_id,
            milestone::PROVIDER_VERIFICATION,
            Some(dept_en),
            Some((no("YY", o_en.id), title_of(rec_en.id))),
        ),
        (
            CaseKind::Objection,
            o_en.id,
            o_en.subject_id,
            milestone::APPLICANT_NOTIFY,
            None,
            Some((no("YY", o_en.id), title_of(rec_en.id))),
        ),
        (
            CaseKind::Repair,
            a_market.id,
            a_market.subject_id,
            milestone::REPAIR_DECISION,
            Some(market),
            Some((no("XF", a_market.id), title_of(rec_market.id))),
        ),
        (
            CaseKind::Repair,
            a_none.id,
            a_none.subject_id,
            milestone::REPAIR_DECISION,
            Some(dept_none),
            Some((no("XF", a_none.id), title_of(rec_none.id))),
        ),
        (
            CaseKind::Complaint,
            c_o.id,
            c_o.subject_id,
            milestone::COMPLAINT_HANDLING,
            None,
            Some((no("TS", c_o.id), title_of(rec_en.id))),
        ),
        (
            CaseKind::Complaint,
            c_a.id,
            c_a.subject_id,
            milestone::COMPLAINT_HANDLING,
            None,
            Some((no("TS", c_a.id), title_of(rec_none.id))),
        ),
        // Case rows that are gone: the operators hear of the milestone alone.
        (
            CaseKind::Objection,
            990_001,
            o_market.subject_id,
            milestone::FIRST_CHECK,
            None,
            None,
        ),
        (
            CaseKind::Repair,
            990_002,
            o_market.subject_id,
            milestone::REPAIR_DECISION,
            None,
            None,
        ),
    ];

    // Each case × each state the sweep distinguishes, several times over:
    // (due day, reminded_at, due_reminded_at, escalated_at).
    let approaching = d("2026-11-27");
    let earlier = at("2026-11-20T02:00:00Z");
    let states: Vec<(NaiveDate, bool, bool, bool)> = vec![
        (approaching, false, false, false),
        (approaching, true, false, false),
        (today, true, false, false),
        (today, false, true, false),
        (d("2026-11-20"), true, true, false),
        (d("2026-11-20"), true, true, true),
        (d("2026-12-15"), false, false, false),
    ];
    let mut rows = Vec::new();
    let mut k = 0i64;
    for _ in 0..7 {
        for c in &cases {
            for s in &states {
                k += 1;
                rows.push(entity::deadline::ActiveModel {
                    case_kind: Set(c.0),
                    case_id: Set(c.1),
                    subject_id: Set(c.2),
                    milestone: Set(c.3.to_string()),
                    due_on: Set(s.0),
                    due_at: Set(xinyong::domain::time::end_of_local_day_utc(s.0)),
                    rule_id: Set("-".into()),
                    rule_source: Set("-".into()),
                    provisional: Set(false),
                    status: Set(DeadlineStatus::Open),
                    reminded_at: Set(s.1.then_some(earlier)),
                    escalated_at: Set(s.3.then_some(earlier)),
                    met_at: Set(None),
                    created_at: Set(received),
                    // Claimed in an order that mixes cases and states.
                    next_check_at: Set(Some(now - chrono::Duration::seconds((k * 7919) % 3600))),
                    due_reminded_at: Set(s.2.then_some(earlier)),
                    ..Default::default()
                });
            }
        }
    }
    // The provider's silence: its verification overdue, the objection referred.
    rows.push(entity::deadline::ActiveModel {
        case_kind: Set(CaseKind::Objection),
        case_id: Set(o_silent.id),
        subject_id: Set(o_silent.subject_id),
        milestone: Set(milestone::PROVIDER_VERIFICATION.to_string()),
        due_on: Set(d("2026-11-20")),
        due_at: Set(xinyong::domain::time::end_of_local_day_utc(d("2026-11-20"))),
        rule_id: Set("-".into()),
        rule_source: Set("-".into()),
        provisional: Set(false),
        status: Set(DeadlineStatus::Open),
        reminded_at: Set(Some(earlier)),
        escalated_at: Set(None),
        met_at: Set(None),
        created_at: Set(received),
        next_check_at: Set(Some(now - chrono::Duration::seconds(1800))),
        due_reminded_at: Set(Some(earlier)),
        ..Default::default()
    });
    for chunk in rows.chunks(100) {
        entity::deadline::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .expect("deadlines");
    }
    let all = entity::deadline::Entity::find()
        .filter(entity::deadline::Column::Status.eq(DeadlineStatus::Open))
        .filter(entity::deadline::Column::NextCheckAt.lte(now))
        .all(db)
        .await
        .expect("deadlines");
    assert!(all.len() > 400, "more than two batches: {}", all.len());

    let reference = app.state.reference();
    let mut expected: Vec<Due> = Vec::new();
    for row in all {
        let case = cases
            .iter()
            .find(|c| (c.0, c.1, c.3) == (row.case_kind, row.case_id, row.milestone.as_str()));
        let (handler, facts) = match case {
            Some(c) => (c.4, c.5.clone()),
            None => {
                assert_eq!(row.case_id, o_silent.id);
                (
                    Some(dept_en),
                    Some((no("YY", o_silent.id), title_of(rec_en.id))),
                )
            }
        };
        let action = if now >= after_due(row.due_on) {
            row.escalated_at
                .is_none()
                .then_some(("deadline_overdue", None))
        } else if today >= row.due_on {
            row.due_reminded_at
                .is_none()
                .then_some(("deadline_due", handler))
        } else if row.due_on == approaching {
            row.reminded_at
                .is_none()
                .then_some(("deadline_approaching", handler))
        } else {
            None
        };
        expected.push(Due { row, action, facts });
    }

    // One notice of the backlog went out before (a sweep that crashed
    // after committing it, say): not again, and no second email.
    let (seen_d, seen_to) = expected
        .iter()
        .find_map(|e| match e.action {
            Some(("deadline_due", Some(dept))) if dept == market => Some((e.row.id, dept)),
            _ => None,
        })
        .expect("a due reminder to the market department");
    let seen_account = recipients(Some(seen_to))[0].id;
    let seen_key = format!("deadline:{seen_d}:due:a{seen_account}");
    let seen = notice::ActiveModel {
        account_id: Set(seen_account),
        subject_id: Set(None),
        kind: Set("deadline_due".into()),
        title: Set("sent before".into()),
        body: Set("sent before".into()),
        link: Set(None),
        data: Set(json!({})),
        dedupe_key: Set(Some(seen_key.clone())),
        created_at: Set(earlier),
        read_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("notice");

    let report = deadlines::sweep(&app.state).await.expect("sweep");
    let count = |kind: &str| {
        expected
            .iter()
            .filter(|e| e.action.map(|a| a.0) == Some(kind))
            .count()
    };
    assert_eq!(report.approaching, count("deadline_approaching"));
    assert_eq!(report.due, count("deadline_due"));
    assert_eq!(report.escalated, count("deadline_overdue"));
    assert_eq!(report.withdrawn, 1);
    assert!(report.approaching > 0 && report.due > 0 && report.escalated > 0);

    // Notices: exactly one per deadline acted on and recipient.
    let notices: BTreeMap<String, notice::Model> = notice::Entity::find()
        .filter(notice::Column::DedupeKey.starts_with("deadline:"))
        .all(db)
        .await
        .expect("notices")
        .into_iter()
        .filter_map(|n| n.dedupe_key.clone().map(|k| (k, n)))
        .collect();
    let emails: BTreeMap<String, outbox_email::Model> = outbox_email::Entity::find()
        .all(db)
        .await
        .expect("emails")
        .into_iter()
        .map(|e| (e.idempotency_key.clone(), e))
        .collect();
    let mut keys = BTreeSet::new();
    let mut emailed = 0;
    for e in &expected {
        let Some((kind, to)) = e.action else { continue };
        let mut params = json!({
            "milestone": milestone_name(&e.row.milestone),
            "due_on": e.row.due_on.to_string(),
        });
        if let Some((case_no, record_title)) = &e.facts {
            params["case_no"] = json!(case_no);
            params["record_title"] = json!(record_title);
        }
        let link = xinyong::service::cases::link(e.row.case_kind, e.row.case_id);
        let notice_kind = *NoticeKind::ALL
            .iter()
            .find(|k| k.as_str() == kind)
            .expect("a notice kind");
        let short = kind.trim_start_matches("deadline_");
        for a in recipients(to) {
            let key = format!("deadline:{}:{short}:a{}", e.row.id, a.id);
            let n = notices
                .get(&key)
                .unwrap_or_else(|| panic!("no notice {key}"));
            keys.insert(key.clone());
            if key == seen_key {
                assert_eq!(n, &seen, "the notice sent before is left alone");
                assert!(!emails.contains_key(&format!("notice:{}", n.id)));
                continue;
            }
            let lang = Lang::from_tag(&a.language);
            let r = templates::render(notice_kind, lang, &params, Some(&link));
            assert_eq!(
                (
                    n.account_id,
                    n.subject_id,
                    n.kind.as_str(),
                    n.link.as_deref(),
                    &n.data
                ),
                (a.id, None, kind, Some(link.as_str()), &params),
                "{key}"
            );
            assert_eq!((&n.title, &n.body), (&r.title, &r.paragraph), "{key}");
            assert_eq!((n.created_at, n.read_at), (now, None));
            if let Some((case_no, _)) = &e.facts {
                assert!(n.title.contains(case_no.as_str()), "{}", n.title);
            }
            let chinese = n.title.chars().any(|c| c >= '\u{4e00}');
            assert_eq!(chinese, lang == Lang::ZhCn, "{key}: {}", n.title);
            let mail = emails.get(&format!("notice:{}", n.id));
            let wants =
                a.notify_prefs["email"] != json!(false) && a.notify_prefs["cases"] != json!(false);
            assert_eq!(mail.is_some(), wants, "{key}");
            if let Some(m) = mail {
                emailed += 1;
                assert_eq!(
                    (
                        m.notice_id,
                        m.to_address.as_str(),
                        m.language.as_str(),
                        &m.subject
                    ),
                    (Some(n.id), a.email.as_str(), lang.tag(), &r.title),
                    "{key}"
                );
                assert_eq!((&m.body_text, &m.body_html), (&r.text, &r.html), "{key}");
                assert_eq!(
                    (
                        m.status,
                        m.attempts,
                        m.next_attempt_at,
                        m.created_at,
                        m.sent_at
                    ),
                    (entity::enums::EmailStatus::Pending, 0, now, now, None)
                );
            }
        }
    }
    assert_eq!(
        notices.keys().cloned().collect::<BTreeSet<_>>(),
        keys,
        "no other deadline notice"
    );
    assert!(emailed > 0);

    // Timeline events: one per deadline acted on.
    let mut want: Vec<String> = expected
        .iter()
        .filter_map(|e| {
            let (kind, _) = e.action?;
            let (event, note, data) = match kind {
                "deadline_overdue" => (
                    "escalated",
                    None,
                    json!({ "milestone": e.row.milestone, "dueOn": e.row.due_on }),
                ),
                "deadline_due" => (
                    "reminder_sent",
                    Some("due today".to_string()),
                    json!({ "milestone": e.row.milestone }),
                ),
                _ => (
                    "reminder_sent",
                    Some(format!("due on {}", e.row.due_on)),
                    json!({ "milestone": e.row.milestone }),
                ),
            };
            Some(format!(
                "{:?} {} {} {event} {note:?} {data}",
                e.row.case_kind, e.row.case_id, e.row.subject_id
            ))
        })
        .collect();
    want.sort();
    let sweep_events = case_event::Entity::find()
        .filter(case_event::Column::Event.is_in(["escalated", "reminder_sent"]))
        .all(db)
        .await
        .expect("events");
    let mut got: Vec<String> = sweep_events
        .iter()
        .map(|ev| {
            assert_eq!(
                (ev.actor_kind, ev.actor_account_id, ev.occurred_at),
                (ActorKind::System, None, now)
            );
            format!(
                "{:?} {} {} {} {:?} {}",
                ev.case_kind, ev.case_id, ev.subject_id, ev.event, ev.note, ev.data
            )
        })
        .collect();
    got.sort();
    assert_eq!(got, want);

    // The provider's silence: escalated first, then the objection closed.
    let silent = xinyong::service::cases::timeline(db, CaseKind::Objection, o_silent.id)
        .await
        .expect("timeline");
    let names: Vec<&str> = silent.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names.first(), Some(&"escalated"), "{names:?}");
    assert!(names.contains(&"withdrawn_provider_silent"), "{names:?}");
    assert_eq!(
        record_status(&app, rec_en.id).await,
        RecordStatus::Withdrawn
    );

    // The deadlines' fields.
    let after: BTreeMap<i64, deadline::Model> = deadline::Entity::find()
        .all(db)
        .await
        .expect("deadlines")
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    for e in &expected {
        let b = &e.row;
        let a = &after[&b.id];
        let acted = e.action.is_some();
        let (status, next, reminded, due_reminded, escalated) = if now >= after_due(b.due_on) {
            let missed = b.milestone == milestone::PROVIDER_VERIFICATION
                && b.case_kind == CaseKind::Objection;
            (
                if missed {
                    DeadlineStatus::Missed
                } else {
                    DeadlineStatus::Open
                },
                None,
                b.reminded_at,
                b.due_reminded_at,
                if acted { Some(now) } else { b.escalated_at },
            )
        } else if today >= b.due_on {
            (
                DeadlineStatus::Open,
                Some(after_due(b.due_on)),
                b.reminded_at,
                if acted { Some(now) } else { b.due_reminded_at },
                b.escalated_at,
            )
        } else if b.due_on == approaching {
            (
                DeadlineStatus::Open,
                Some(xinyong::domain::time::start_of_local_day_utc(b.due_on)),
                if acted { Some(now) } else { b.reminded_at },
                b.due_reminded_at,
                b.escalated_at,
            )
        } else {
            (
                DeadlineStatus::Open,
                Some(first_check_at(&reference, b.due_on, now)),
                b.reminded_at,
                b.due_reminded_at,
                b.escalated_at,
            )
        };
        assert_eq!(
            (
                a.status,
                a.next_check_at,
                a.reminded_at,
                a.due_reminded_at,
                a.escalated_at,
                a.met_at
            ),
            (status, next, reminded, due_reminded, escalated, None),
            "deadline {} ({:?} {} due {})",
            b.id,
            b.case_kind,
            b.milestone,
            b.due_on
        );
    }

    // Nothing is left due, and a second sweep sends nothing.
    let notices_before = notice::Entity::find().count(db).await.expect("count");
    assert!(
        deadlines::sweep(&app.state)
            .await
            .expect("sweep")
            .is_empty()
    );
    assert_eq!(
        notice::Entity::find().count(db).await.expect("count"),
        notices_before
    );
}

/// The sweep's cost follows the number of batches, not of deadlines: a
/// backlog of due reminders to a department and escalations to the
/// operators is worked off with a bounded number of statements per batch
/// of 200 (it was about 16 per deadline).
#[tokio::test]
async fn the_sweep_sends_a_bounded_number_of_statements_per_batch() {
    use entity::deadline;
    use entity::enums::{CaseKind, DeadlineStatus};
    use xinyong::service::cases::milestone;

    let app = app().await;
    let db = &app.state.db;
    let now = at("2026-11-25T02:00:00Z");
    app.clock.set(now);
    let rec = penalty(&app).await;
    let received = at("2026-10-20T02:00:00Z");
    let applicant = entity::account::Entity::find()
        .filter(entity::account::Column::Email.eq(xinyong::service::demo::ENTERPRISE_USER_EMAIL))
        .one(db)
        .await
        .expect("query")
        .expect("the demo owner")
        .id;
    let a = repair_row(&rec, applicant, received)
        .insert(db)
        .await
        .expect("repair");
    let n = 450;
    let rows: Vec<deadline::ActiveModel> = (0..n)
        .map(|i| {
            // Approaching, due today, overdue.
            let due_on = [d("2026-11-27"), d("2026-11-25"), d("2026-11-20")][i % 3];
            deadline::ActiveModel {
                case_kind: Set(CaseKind::Repair),
                case_id: Set(a.id),
                subject_id: Set(a.subject_id),
                milestone: Set(milestone::REPAIR_DECISION.into()),
                due_on: Set(due_on),
                due_at: Set(xinyong::domain::time::end_of_local_day_utc(due_on)),
                rule_id: Set("-".into()),
                rule_source: Set("-".into()),
                provisional: Set(false),
                status: Set(DeadlineStatus::Open),
                reminded_at: Set(None),
                escalated_at: Set(None),
                met_at: Set(None),
                created_at: Set(received),
                next_check_at: Set(Some(now)),
                due_reminded_at: Set(None),
                ..Default::default()
            }
        })
        .collect();
    for chunk in rows.chunks(100) {
        deadline::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .expect("deadlines");
    }
    app.statements.take();
    let r = deadlines::sweep(&app.state).await.expect("sweep");
    assert_eq!((r.approaching, r.due, r.escalated), (150, 150, 150));
    let sent = app.statements.take();
    // Three batches (200, 200, 50) and the claim that finds none left.
    assert!(
        sent.len() <= 3 * 16 + 1,
        "{} statements:\n{}",
        sent.len(),
        sent.join("\n")
    );
    assert_eq!(notices_of(&app, "deadline_overdue").await, 150);
}
