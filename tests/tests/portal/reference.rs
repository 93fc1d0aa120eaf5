//! The operators' reference pages: the holiday calendar and the rules in
//! force, with real content; anyone else gets "not found".

use xinyong::service::demo as d;
use xinyong_tests::TestApp;

use crate::Visitor;

#[tokio::test]
async fn operators_see_the_holiday_calendar_and_the_rules_in_force() {
    let app = TestApp::spawn_with_demo().await;
    let op = Visitor::new(&app);
    op.sign_in(d::OPERATOR_EMAIL, d::DEMO_PASSWORD).await;

    // Linked from the workbench's oversight list.
    let bench = op.get("/staff").await;
    assert!(
        bench.body.contains("href=\"/staff/calendar\""),
        "{}",
        bench.body
    );
    assert!(bench.body.contains("href=\"/staff/rules\""));

    let cal = op.get("/staff/calendar").await;
    assert_eq!(cal.status, 200, "{}", cal.body);
    let b = &cal.body;
    assert!(
        b.contains("国务院办公厅关于2026年部分节假日安排的通知"),
        "{b}"
    );
    assert!(
        b.contains("国庆节") && b.contains("2026年10月1日至7日"),
        "{b}"
    );
    assert!(b.contains("2026年10月10日（星期六）"), "{b}");
    assert!(
        b.contains("国办发明电〔2024〕12号"),
        "2025's document number: {b}"
    );
    assert!(b.contains("平台内置"), "built-in years say so: {b}");
    assert!(
        b.contains("xinyong calendar load 2027.toml"),
        "how to load the next year: {b}"
    );
    // Newest year first.
    let (y26, y24) = (b.find("id=\"year-2026\""), b.find("id=\"year-2024\""));
    assert!(y26.is_some() && y24.is_some() && y26 < y24, "{b}");

    // The same in English.
    let en = op.get("/language/en?back=/staff/calendar").await;
    assert_eq!(en.status, 303);
    let cal_en = op.get("/staff/calendar").await;
    assert!(cal_en.body.contains("1–7 October 2026"), "{}", cal_en.body);
    assert!(cal_en.body.contains("10 October 2026 (Saturday)"));
    assert!(cal_en.body.contains("National Day make-up working day"));

    let rules = op.get("/staff/rules").await;
    assert_eq!(rules.status, 200, "{}", rules.body);
    let r = &rules.body;
    assert!(r.contains("id=\"rule-objection-first_check\""), "{r}");
    assert!(
        r.contains("Objection: platform&#x27;s first check")
            || r.contains("Objection: platform's first check"),
        "{r}"
    );
    assert!(r.contains("3 working days"), "{r}");
    assert!(r.contains("1 August 2015"), "in force since: {r}");
    assert!(r.contains("Art. 44 para. 1"), "the source: {r}");
    assert!(r.contains("45 calendar days"), "{r}");
    let op_zh = op.get("/language/zh-CN?back=/staff/rules").await;
    assert_eq!(op_zh.status, 303);
    let rules_zh = op.get("/staff/rules").await;
    assert!(rules_zh.body.contains("3个工作日"), "{}", rules_zh.body);
    assert!(rules_zh.body.contains("2015年8月1日"));
}

#[tokio::test]
async fn department_staff_and_subject_users_do_not_find_the_reference_pages() {
    let app = TestApp::spawn_with_demo().await;
    for email in [
        d::STAFF_EMAIL,
        d::PERSON_USER_EMAIL,
        d::ENTERPRISE_USER_EMAIL,
    ] {
        let v = Visitor::new(&app);
        v.sign_in(email, d::DEMO_PASSWORD).await;
        for path in ["/staff/calendar", "/staff/rules"] {
            let p = v.get(path).await;
            assert_eq!(p.status, 404, "{email} {path}: {}", p.body);
            assert!(!p.body.contains("国庆节") && !p.body.contains("Art. 44"));
        }
    }
    // Signed out: to the sign-in page.
    let anon = Visitor::new(&app);
    let p = anon.get("/staff/calendar").await;
    assert_eq!(p.status, 303);
    assert!(p.location.unwrap_or_default().starts_with("/sign-in"));
}
