//! A complaint through the portal: the individual whose objection was
//! decided against her complains from the objection's page, sees it on its
//! own page (the notice link leads there too), and the operator answers it
//! there; others do not find it.

use entity::enums::{RepairOutcome, RepairStatus};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use xinyong::service::demo as d;
use xinyong_tests::TestApp;
use xinyong_tests::demo::{self, ok};

use crate::Visitor;
use crate::cases::penalty_for_chen;

const REASON: &str = "经核实，撤销决定不涉及本处罚。";

/// 陈美华's objection to a penalty, referred and upheld (the record
/// stands): the case a complaint may be about. Returns its id.
async fn upheld_objection(app: &TestApp) -> String {
    let record = penalty_for_chen(app).await;
    let chen = demo::person(app).await;
    let r = app
        .graphql(
            "mutation($i:FileObjectionInput!){fileObjection(input:$i){objection{id} userErrors{code}}}",
            json!({ "i": { "record": record, "reason": "FACTUAL_ERROR", "statement": "该处罚已被撤销。" } }),
            Some(&chen),
        )
        .await;
    let id = ok(&r)["fileObjection"]["objection"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("filed: {}", r.body))
        .to_string();
    let op = demo::operator(app).await;
    let r = app
        .graphql(
            "mutation($i:CheckObjectionInput!){checkObjection(input:$i){userErrors{code}}}",
            json!({ "i": { "objection": id, "decision": "REFER" } }),
            Some(&op),
        )
        .await;
    assert_eq!(ok(&r)["checkObjection"]["userErrors"], json!([]));
    let staff = demo::staff(app).await;
    let r = app
        .graphql(
            "mutation($i:DecideObjectionInput!){decideObjection(input:$i){userErrors{code}}}",
            json!({ "i": { "objection": id, "answer": "UPHOLD", "reason": REASON } }),
            Some(&staff),
        )
        .await;
    assert_eq!(ok(&r)["decideObjection"]["userErrors"], json!([]));
    id
}

#[tokio::test]
async fn a_complaint_filed_through_the_form_shows_on_its_page_and_the_operator_decides_it() {
    let app = TestApp::spawn_with_demo().await;
    let objection = upheld_objection(&app).await;
    let case = format!("/cases/{objection}");

    let chen = Visitor::new(&app);
    chen.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    let page = chen.get(&case).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let action = format!("action=\"{case}/complain\"");
    assert!(
        page.body.contains(&action),
        "the form is offered: {}",
        page.body
    );

    // Without a statement: refused next to the field.
    let csrf = page.csrf();
    let empty = chen
        .post(
            &format!("{case}/complain"),
            &[("csrf", &csrf), ("statement", "  ")],
        )
        .await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert!(
        empty.body.contains("id=\"statement-error\""),
        "{}",
        empty.body
    );
    assert!(empty.body.contains("请填写投诉内容。"));

    let statement = "提供单位未审查撤销决定书，请平台督促重新核实。";
    let filed = chen
        .post(
            &format!("{case}/complain"),
            &[("csrf", &csrf), ("statement", statement)],
        )
        .await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    let to = filed.location.expect("to the complaint");
    assert!(
        to.starts_with("/complaints/") && to.ends_with("?done=filed"),
        "{to}"
    );
    let complaint_path = to.split('?').next().unwrap_or("").to_string();
    let complaint_id = complaint_path
        .trim_start_matches("/complaints/")
        .to_string();

    let page = chen.get(&to).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let b = &page.body;
    assert!(b.contains("投诉已提交"), "{b}");
    assert!(b.contains(statement), "{b}");
    assert!(b.contains("已收到，平台处理中"), "{b}");
    assert!(
        b.contains(&format!("href=\"{case}\"")),
        "links the objection: {b}"
    );
    assert!(b.contains("未按规定公示经营信息"), "{b}");
    assert!(b.contains("投诉处理"), "the handling clock: {b}");
    assert!(
        !b.contains("action=\"/complaints/"),
        "no answer form for her: {b}"
    );

    // The objection's page now links the open complaint instead of a form.
    let page = chen.get(&case).await;
    assert!(page.body.contains(&format!("href=\"{complaint_path}\"")));
    assert!(!page.body.contains(&action), "one open complaint at a time");

    // The notices' link (database number) leads to the same page.
    let n = demo::raw_id(&json!(complaint_id));
    let link = chen.get(&format!("/cases/complaints/{n}")).await;
    assert_eq!(link.status, 303);
    assert_eq!(link.location.as_deref(), Some(complaint_path.as_str()));

    // Neither the department's staff nor another subject find it.
    for email in [d::STAFF_EMAIL, d::ENTERPRISE_USER_EMAIL] {
        let v = Visitor::new(&app);
        v.sign_in(email, d::DEMO_PASSWORD).await;
        let p = v.get(&complaint_path).await;
        assert_eq!(p.status, 404, "{email}: {}", p.body);
        assert!(!p.body.contains(statement));
    }

    // The operator finds it in the queue and answers it.
    let op = Visitor::new(&app);
    op.sign_in(d::OPERATOR_EMAIL, d::DEMO_PASSWORD).await;
    let queue = op.get("/staff").await;
    assert!(
        queue.body.contains(&format!("href=\"{complaint_path}\"")),
        "{}",
        queue.body
    );
    let page = op.get(&complaint_path).await;
    let decide = format!("{complaint_path}/decide");
    assert!(
        page.body.contains(&format!("action=\"{decide}\"")),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let answer = "撤销决定书已由提供单位审查，处理无误。";
    let missing = op
        .post(&decide, &[("csrf", &csrf), ("reason", answer)])
        .await;
    assert_eq!(missing.status, 422, "founded or not must be chosen");
    assert!(
        missing.body.contains("id=\"founded-error\""),
        "{}",
        missing.body
    );
    assert!(missing.body.contains(answer), "the reasons are kept");
    let done = op
        .post(
            &decide,
            &[("csrf", &csrf), ("founded", "no"), ("reason", answer)],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        done.location.as_deref(),
        Some(format!("{complaint_path}?done=decided").as_str())
    );

    // She sees the answer and its reasons; the clock was met.
    let page = chen.get(&complaint_path).await;
    let b = &page.body;
    assert!(b.contains("已答复：投诉不成立"), "{b}");
    assert!(b.contains(answer), "{b}");
    assert!(b.contains("已按期完成"), "{b}");
    // Decided: she may complain again about the objection.
    assert!(chen.get(&case).await.body.contains(&action));
}

#[tokio::test]
async fn a_rejected_repair_application_offers_the_complaint_form() {
    let app = TestApp::spawn_with_demo().await;
    let records = crate::pages::chen_records(&app).await;
    let record = records
        .iter()
        .find(|r| r["repairEligibility"]["status"] == "ELIGIBLE")
        .and_then(|r| r["id"].as_str())
        .expect("a repairable record")
        .to_string();
    let chen = Visitor::new(&app);
    chen.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    let form = chen.get(&format!("/records/{record}/repair")).await;
    let sha = {
        let token = demo::person(&app).await;
        let r = app
            .graphql(
                "query($r:ID!){repairCommitmentLetter(record:$r){sha256}}",
                json!({ "r": record }),
                Some(&token),
            )
            .await;
        ok(&r)["repairCommitmentLetter"]["sha256"]
            .as_str()
            .expect("a hash")
            .to_string()
    };
    let boundary = "xinyong-complaint-boundary";
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let body = crate::pages::multipart(
        boundary,
        &[
            ("csrf", &form.csrf()),
            ("commitment", &sha),
            ("accept", "true"),
            ("acceptedBy", d::PERSON_NAME),
        ],
        &[("proofs", "缴款凭证.pdf", "application/pdf", pdf)],
    );
    let r =
        crate::pages::post_multipart(&chen, &format!("/records/{record}/repair"), body, boundary)
            .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let application = r
        .location
        .expect("to the application")
        .split('?')
        .next()
        .unwrap_or("")
        .to_string();
    // While it is open there is nothing to complain about.
    let page = chen.get(&application).await;
    assert!(!page.body.contains("/complain\""), "{}", page.body);

    // The deciding department (traffic police, no demo staff account)
    // refuses it: written as its decision would leave the row.
    let n = demo::raw_id(&json!(application.trim_start_matches("/repairs/")));
    let row = entity::repair_application::Entity::find_by_id(n)
        .one(&app.state.db)
        .await
        .expect("read")
        .expect("the application");
    let mut refused: entity::repair_application::ActiveModel = row.into();
    refused.status = Set(RepairStatus::Decided);
    refused.outcome = Set(Some(RepairOutcome::Rejected));
    refused.decision_reason = Set(Some("罚款尚未缴清。".into()));
    refused.decided_at = Set(Some(app.state.now()));
    refused.open_record_id = Set(None);
    refused.update(&app.state.db).await.expect("refused");

    let page = chen.get(&application).await;
    let action = format!("action=\"{application}/complain\"");
    assert!(page.body.contains(&action), "{}", page.body);
    let statement = "罚款已于缴款期限内缴清，附缴款凭证。";
    let filed = chen
        .post(
            &format!("{application}/complain"),
            &[("csrf", &page.csrf()), ("statement", statement)],
        )
        .await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    let to = filed.location.expect("to the complaint");
    let page = chen.get(&to).await;
    assert!(page.body.contains(statement), "{}", page.body);
    assert!(
        page.body.contains(&format!("href=\"{application}\"")),
        "links the application: {}",
        page.body
    );
    assert!(page.body.contains("信用修复申请"));
}
