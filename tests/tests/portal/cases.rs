//! An objection through the portal's forms: the individual files it with a
//! PDF, the operator refers it, the department's staff decide it, and the
//! individual sees the outcome on the case's timeline.

use serde_json::json;
use xinyong::service::demo as d;
use xinyong_tests::TestApp;
use xinyong_tests::demo::{self, ok};

use crate::Visitor;

/// A penalty from the market-supervision department about 陈美华, sent by
/// the department's own system; returns the record's id.
pub(crate) async fn penalty_for_chen(app: &TestApp) -> String {
    let token = demo::department_client(app).await;
    let r = app
        .graphql(
            "mutation($i:SubmitRecordsInput!){submitRecords(input:$i){results{recordId status userErrors{code message field}}}}",
            json!({ "i": { "records": [{
                "sourceRef": "PORTAL-TEST-001",
                "category": "administrative_penalty",
                "subjectIdentifier": demo::chen_meihua_id(),
                "subjectName": d::PERSON_NAME,
                "subjectKind": "NATURAL_PERSON",
                "title": "未按规定公示经营信息",
                "content": { "violation_type": "未按规定公示", "basis": "《市场主体登记管理条例》", "penalty_content": "警告" },
                "legalBasis": { "docType": "行政处罚决定书", "number": "榕市监罚〔2026〕901号", "issuer": "福州市市场监督管理局", "effectiveOn": "2026-09-01" },
                "decidedOn": "2026-09-01",
                "severity": "GENERAL",
                "disclosure": "AUTHORIZED",
            }]}}),
            Some(&token),
        )
        .await;
    let res = &ok(&r)["submitRecords"]["results"][0];
    assert_eq!(res["status"], "ACCEPTED", "{res}");
    res["recordId"].as_str().expect("a record id").to_string()
}

fn multipart(boundary: &str, fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    let (name, ct, bytes) = file;
    b.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(bytes);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    b
}

#[tokio::test]
async fn an_objection_with_a_pdf_is_referred_decided_and_shown_on_the_timeline() {
    let app = TestApp::spawn_with_demo().await;
    let record = penalty_for_chen(&app).await;

    let chen = Visitor::new(&app);
    chen.sign_in(d::PERSON_USER_EMAIL, d::DEMO_PASSWORD).await;
    let form = chen.get(&format!("/records/{record}/object")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.csrf();
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let boundary = "xinyong-test-boundary";
    let body = multipart(
        boundary,
        &[
            ("csrf", &csrf),
            ("reason", "FACTUAL_ERROR"),
            ("statement", "该处罚已于2026年9月5日被撤销，附撤销决定书。"),
        ],
        ("撤销决定书.pdf", "application/pdf", pdf),
    );
    let resp = chen
        .http
        .post(format!("{}/records/{record}/object", app.base_url))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("the portal answers");
    assert_eq!(
        resp.status().as_u16(),
        303,
        "{}",
        resp.text().await.unwrap_or_default()
    );
    let case = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a redirect to the case")
        .split('?')
        .next()
        .unwrap_or("")
        .to_string();
    assert!(case.starts_with("/cases/"), "{case}");
    let page = chen.get(&case).await;
    assert!(page.body.contains("撤销决定书.pdf"), "{}", page.body);
    assert!(
        page.body.contains("平台初步核查"),
        "the first-check clock is shown"
    );

    // The operator refers it to the department.
    let op = Visitor::new(&app);
    op.sign_in(d::OPERATOR_EMAIL, d::DEMO_PASSWORD).await;
    let csrf = op.get(&case).await.csrf();
    let r = op.post(&format!("{case}/check"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 303, "{}", r.body);

    // The department's staff find it in their queue and decide it.
    let staff = Visitor::new(&app);
    staff.sign_in(d::STAFF_EMAIL, d::DEMO_PASSWORD).await;
    let queue = staff.get("/staff").await;
    assert!(
        queue.body.contains("未按规定公示经营信息"),
        "{}",
        queue.body
    );
    let csrf = staff.get(&case).await.csrf();
    let missing = staff
        .post(
            &format!("{case}/decide"),
            &[("csrf", &csrf), ("answer", "UPHOLD")],
        )
        .await;
    assert_eq!(missing.status, 422, "a decision needs its reasons");
    let r = staff
        .post(
            &format!("{case}/decide"),
            &[
                ("csrf", &csrf),
                ("answer", "UPHOLD"),
                ("reason", "经核实，撤销决定不涉及本处罚。"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);

    // She sees the outcome and the reasons on her case's page.
    let page = chen.get(&case).await;
    assert!(page.body.contains("记录无误，恢复公示"), "{}", page.body);
    assert!(page.body.contains("经核实，撤销决定不涉及本处罚。"));
    // Another subject cannot open the case.
    let owner = Visitor::new(&app);
    owner
        .sign_in(d::ENTERPRISE_USER_EMAIL, d::DEMO_PASSWORD)
        .await;
    assert_eq!(owner.get(&case).await.status, 404);
}
