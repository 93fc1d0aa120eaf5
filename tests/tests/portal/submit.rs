//! Record submission by department staff through the portal's forms: a
//! valid record goes in and is public on the subject's page; an invalid one
//! comes back with each error next to its field, what was typed kept, and
//! nothing written; a correction needs its reason; withdrawal asks for a
//! reason on a confirmation page; nobody else gets the pages.

use entity::credit_record;
use entity::enums::RecordStatus;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use xinyong::service::demo as d;
use xinyong_tests::TestApp;
use xinyong_tests::demo::{self, DepartmentFilter, at};

use crate::{Page, Visitor};

const NOW: &str = "2026-11-21T04:00:00Z";
const PENALTY: &str = "/staff/records/new?category=administrative_penalty";

async fn app() -> TestApp {
    let app = TestApp::spawn_at(at(NOW)).await;
    d::seed(&app.state).await.expect("demo data seeds");
    app
}

async fn by_ref(app: &TestApp, source_ref: &str) -> Option<credit_record::Model> {
    credit_record::Entity::find()
        .filter(credit_record::Column::SourceRef.eq(source_ref))
        .one(&app.state.db)
        .await
        .expect("query")
}

/// A general penalty on the demo enterprise, as the form posts it.
fn penalty<'a>(csrf: &'a str, source_ref: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("category", "administrative_penalty"),
        ("subjectIdentifier", d::ENTERPRISE_USCC),
        ("subjectName", d::ENTERPRISE_NAME),
        ("sourceRef", source_ref),
        ("title", title),
        ("decidedOn", "2026-11-16"),
        ("conductEndedOn", ""),
        ("severity", "GENERAL"),
        ("content.violation_type", "销售超过保质期的食品"),
        (
            "content.basis",
            "《中华人民共和国食品安全法》第一百二十四条",
        ),
        ("content.penalty_content", "罚款人民币5万元"),
        ("content.fine_amount_yuan", "50000"),
        ("content.violation_facts", ""),
        ("legalBasis.docType", "行政处罚决定书"),
        ("legalBasis.number", "榕市监处罚〔2026〕777号"),
        ("legalBasis.issuer", "福州市市场监督管理局"),
        ("legalBasis.effectiveOn", "2026-11-16"),
        ("disclosure", "PUBLIC"),
        ("disclosureEnd", ""),
        ("correctionReason", ""),
    ]
}

fn with<'a>(
    mut form: Vec<(&'a str, &'a str)>,
    key: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    form.retain(|(k, _)| *k != key);
    form.push((key, value));
    form
}

/// The text of the error shown next to `field` (its `{field}-error`
/// paragraph), if any.
fn error_at(page: &Page, field: &str) -> Option<String> {
    let marker = format!("id=\"{field}-error\"");
    let start = page.body.find(&marker)?;
    let rest = &page.body[start..];
    let end = rest.find("</p>")?;
    Some(rest[..end].to_string())
}

async fn staff() -> (TestApp, Visitor) {
    let app = app().await;
    let v = Visitor::new(&app);
    v.sign_in(d::STAFF_EMAIL, d::DEMO_PASSWORD).await;
    (app, v)
}

#[tokio::test]
async fn department_staff_submit_a_record_that_is_then_public() {
    let (app, v) = staff().await;

    // The workbench links to both pages.
    let bench = v.get("/staff").await;
    assert_eq!(bench.status, 200, "{}", bench.body);
    assert!(bench.body.contains("href=\"/staff/records/new\""));
    assert!(bench.body.contains("href=\"/staff/records\""));

    // Step 1: the categories, grouped by information class.
    let choose = v.get("/staff/records/new").await;
    assert_eq!(choose.status, 200, "{}", choose.body);
    assert!(choose.body.contains("value=\"administrative_penalty\""));
    assert!(choose.body.contains("警示信息"), "grouped by class");

    // Step 2: the penalty's form, with its content fields under their labels.
    let form = v.get(PENALTY).await;
    assert_eq!(form.status, 200, "{}", form.body);
    for name in [
        "subjectIdentifier",
        "sourceRef",
        "decidedOn",
        "severity",
        "content.violation_type",
        "content.fine_amount_yuan",
        "legalBasis.docType",
        "disclosure",
        "correctionReason",
    ] {
        assert!(
            form.body.contains(&format!("name=\"{name}\"")),
            "{name} on the form"
        );
    }
    assert!(form.body.contains("违法行为类型"), "a content label");
    assert!(
        form.body.contains("罚款金额（元）（选填）"),
        "optional marked"
    );

    let csrf = form.csrf();
    let done = v
        .post(
            "/staff/records/new",
            &penalty(
                &csrf,
                "PORTAL-SUBMIT-001",
                "销售超过保质期的食品（门户报送）",
            ),
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let to = done.location.expect("a redirect");
    assert_eq!(to, "/staff/records?done=accepted&ref=PORTAL-SUBMIT-001");

    let rec = by_ref(&app, "PORTAL-SUBMIT-001")
        .await
        .expect("the record was written");
    assert_eq!(rec.version, 1);
    assert_eq!(rec.content["fine_amount_yuan"], 50000);
    assert_eq!(
        rec.department_id,
        demo::market_department(&app).await.id,
        "submitted as the staff member's department"
    );

    let list = v.get(&to).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("记录已报送"), "the notice");
    assert!(list.body.contains("PORTAL-SUBMIT-001"));
    assert!(list.body.contains("销售超过保质期的食品（门户报送）"));

    // Public: on the enterprise's page for anyone.
    let public = Visitor::new(&app)
        .get(&format!("/subjects/{}", d::ENTERPRISE_USCC))
        .await;
    assert_eq!(public.status, 200);
    assert!(
        public.body.contains("销售超过保质期的食品（门户报送）"),
        "{}",
        public.body
    );

    // Sending the same form again changes nothing.
    let again = v
        .post(
            "/staff/records/new",
            &penalty(
                &csrf,
                "PORTAL-SUBMIT-001",
                "销售超过保质期的食品（门户报送）",
            ),
        )
        .await;
    assert_eq!(
        again.location.as_deref(),
        Some("/staff/records?done=unchanged&ref=PORTAL-SUBMIT-001")
    );

    // A change under the same reference needs a reason, said next to it.
    let changed = penalty(&csrf, "PORTAL-SUBMIT-001", "销售过期食品（更正标题）");
    let refused = v.post("/staff/records/new", &changed).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        error_at(&refused, "correctionReason").is_some_and(|e| e.contains("更正原因")),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("销售过期食品（更正标题）"), "kept");
    assert_eq!(
        by_ref(&app, "PORTAL-SUBMIT-001").await.map(|r| r.version),
        Some(1)
    );

    let corrected = v
        .post(
            "/staff/records/new",
            &with(changed, "correctionReason", "标题笔误更正"),
        )
        .await;
    assert_eq!(
        corrected.location.as_deref(),
        Some("/staff/records?done=corrected&ref=PORTAL-SUBMIT-001"),
        "{}",
        corrected.body
    );
    let rec = by_ref(&app, "PORTAL-SUBMIT-001").await.expect("the record");
    assert_eq!(rec.version, 2);
    assert_eq!(rec.title, "销售过期食品（更正标题）");
}

#[tokio::test]
async fn an_invalid_record_shows_errors_next_to_fields_keeps_input_and_writes_nothing() {
    let (app, v) = staff().await;
    let form = v.get(PENALTY).await;
    let csrf = form.csrf();
    // A USCC with the wrong check character, and no legal basis of the
    // penalty (a required content field).
    let bad_uscc = format!("{}0", &d::ENTERPRISE_USCC[..17]);
    assert_ne!(bad_uscc, d::ENTERPRISE_USCC);
    let post = with(
        with(
            penalty(&csrf, "PORTAL-SUBMIT-BAD", "我输入的标题"),
            "subjectIdentifier",
            &bad_uscc,
        ),
        "content.basis",
        "",
    );
    let page = v.post("/staff/records/new", &post).await;
    assert_eq!(page.status, 422, "{}", page.body);
    let id_err = error_at(&page, "subjectIdentifier").expect("an identifier error");
    assert!(id_err.contains("校验码"), "{id_err}");
    let basis_err = error_at(&page, "content.basis").expect("a content error");
    assert!(
        basis_err.contains("处罚依据"),
        "named by its label: {basis_err}"
    );
    assert!(page.body.contains("class=\"error-summary\""));
    // What was typed is kept, the wrong identifier included.
    for typed in [
        bad_uscc.as_str(),
        "我输入的标题",
        "PORTAL-SUBMIT-BAD",
        "罚款人民币5万元",
        "榕市监处罚〔2026〕777号",
    ] {
        assert!(page.body.contains(typed), "{typed} kept");
    }
    assert!(
        page.body.contains("value=\"GENERAL\" checked"),
        "severity kept"
    );
    assert!(
        by_ref(&app, "PORTAL-SUBMIT-BAD").await.is_none(),
        "nothing written"
    );

    // A date and a number the platform could not even read are caught
    // first, in English for an English reader.
    v.get("/language/en?back=/staff").await;
    let post = with(
        with(
            penalty(&csrf, "PORTAL-SUBMIT-BAD", "typed title"),
            "decidedOn",
            "2026-02-30",
        ),
        "content.fine_amount_yuan",
        "five thousand",
    );
    let page = v.post("/staff/records/new", &post).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        error_at(&page, "decidedOn").is_some_and(|e| e.contains("Enter a real date")),
        "{}",
        page.body
    );
    assert!(
        error_at(&page, "content.fine_amount_yuan").is_some_and(|e| e.contains("Enter a number"))
    );
    assert!(page.body.contains("five thousand") && page.body.contains("2026-02-30"));
    assert!(
        by_ref(&app, "PORTAL-SUBMIT-BAD").await.is_none(),
        "nothing written"
    );

    // A natural person's record can never be public: said at the choice.
    let person = demo::chen_meihua_id();
    let post = with(
        with(
            with(
                penalty(&csrf, "PORTAL-SUBMIT-PERSON", "typed title"),
                "subjectIdentifier",
                &person,
            ),
            "subjectName",
            d::PERSON_NAME,
        ),
        "disclosure",
        "PUBLIC",
    );
    let page = v.post("/staff/records/new", &post).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        error_at(&page, "disclosure").is_some_and(|e| e.contains("never be public")),
        "{}",
        page.body
    );
    assert!(by_ref(&app, "PORTAL-SUBMIT-PERSON").await.is_none());
}

#[tokio::test]
async fn staff_withdraw_a_record_after_confirming_with_a_reason() {
    let (app, v) = staff().await;
    let csrf = v.get(PENALTY).await.csrf();
    let done = v
        .post(
            "/staff/records/new",
            &penalty(&csrf, "PORTAL-WITHDRAW-001", "将被撤回的处罚"),
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);

    let list = v.get("/staff/records").await;
    assert!(
        list.body
            .contains("href=\"/staff/records/withdraw?ref=PORTAL-WITHDRAW-001\""),
        "{}",
        list.body
    );
    let confirm = v
        .get("/staff/records/withdraw?ref=PORTAL-WITHDRAW-001")
        .await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.body.contains("将被撤回的处罚"));
    let csrf = confirm.csrf();

    // No reason: refused next to the field, nothing changes.
    let refused = v
        .post(
            "/staff/records/withdraw",
            &[
                ("csrf", &csrf),
                ("ref", "PORTAL-WITHDRAW-001"),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(error_at(&refused, "reason").is_some());
    let rec = by_ref(&app, "PORTAL-WITHDRAW-001")
        .await
        .expect("the record");
    assert_eq!(rec.status, RecordStatus::Active);

    let ok = v
        .post(
            "/staff/records/withdraw",
            &[
                ("csrf", &csrf),
                ("ref", "PORTAL-WITHDRAW-001"),
                ("reason", "行政复议决定撤销原处罚决定"),
            ],
        )
        .await;
    assert_eq!(
        ok.location.as_deref(),
        Some("/staff/records?done=withdrawn&ref=PORTAL-WITHDRAW-001"),
        "{}",
        ok.body
    );
    let rec = by_ref(&app, "PORTAL-WITHDRAW-001")
        .await
        .expect("the record");
    assert_eq!(rec.status, RecordStatus::Withdrawn);
    assert_eq!(
        rec.status_reason.as_deref(),
        Some("行政复议决定撤销原处罚决定")
    );

    // Gone from the public page; shown as withdrawn, without the action.
    let public = Visitor::new(&app)
        .get(&format!("/subjects/{}", d::ENTERPRISE_USCC))
        .await;
    assert!(!public.body.contains("将被撤回的处罚"));
    let list = v.get("/staff/records?status=WITHDRAWN").await;
    assert!(list.body.contains("将被撤回的处罚") && list.body.contains("已撤回"));
    assert!(!list.body.contains("withdraw?ref=PORTAL-WITHDRAW-001"));
    let again = v
        .get("/staff/records/withdraw?ref=PORTAL-WITHDRAW-001")
        .await;
    assert_eq!(again.status, 409, "{}", again.body);

    // Another department's record cannot be found here at all.
    let market = demo::market_department(&app).await;
    let other = demo::first_record(&app, None, DepartmentFilter::IsNot(market.id)).await;
    let page = v
        .get(&format!("/staff/records/withdraw?ref={}", other.source_ref))
        .await;
    assert_eq!(page.status, 404);
    let csrf = v.get("/staff/records").await.csrf();
    let page = v
        .post(
            "/staff/records/withdraw",
            &[("csrf", &csrf), ("ref", &other.source_ref), ("reason", "x")],
        )
        .await;
    assert_eq!(page.status, 404);
    let other = by_ref(&app, &other.source_ref).await.expect("the record");
    assert_ne!(other.status, RecordStatus::Withdrawn);
}

#[tokio::test]
async fn subject_users_and_operators_get_page_not_found() {
    let app = app().await;
    let anonymous = Visitor::new(&app);
    let r = anonymous.get("/staff/records/new").await;
    assert_eq!(r.status, 303);
    assert!(r.location.is_some_and(|l| l.starts_with("/sign-in")));

    for email in [
        d::ENTERPRISE_USER_EMAIL,
        d::PERSON_USER_EMAIL,
        d::OPERATOR_EMAIL,
    ] {
        let v = Visitor::new(&app);
        v.sign_in(email, d::DEMO_PASSWORD).await;
        for path in [
            "/staff/records",
            "/staff/records/new",
            PENALTY,
            "/staff/records/withdraw?ref=PORTAL-SUBMIT-001",
        ] {
            assert_eq!(v.get(path).await.status, 404, "{email} {path}");
        }
        // A post with this browser's own token is refused the same way.
        let csrf = v.get("/settings").await.csrf();
        let r = v
            .post(
                "/staff/records/new",
                &penalty(&csrf, "PORTAL-SUBMIT-INTRUDER", "不应写入"),
            )
            .await;
        assert_eq!(r.status, 404, "{email}");
        // The workbench (operators) does not offer it either.
        if email == d::OPERATOR_EMAIL {
            assert!(!v.get("/staff").await.body.contains("/staff/records/new"));
        }
    }
    assert!(by_ref(&app, "PORTAL-SUBMIT-INTRUDER").await.is_none());
}
