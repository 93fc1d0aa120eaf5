//! Reading records: the subject's own view, public search and lists,
//! government sharing with its query log, paging, and publication windows
//! as the clock moves.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use entity::enums::{Disclosure, RecordStatus, SubjectKind};
use entity::{credit_record, record_category, subject};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Value, json};
use xinyong::domain::disclosure::{Audience, decide};
use xinyong::graphql::node::{NodeType, global_id};
use xinyong::service::{demo, views};
use xinyong_tests::demo::{
    at, chen_meihua_id, copy, logged_ids, logs, nodes, ok, raw_id, record, subject_by_name, titles,
};
use xinyong_tests::{Gql, TestApp};

/// 2026-11-21 12:00 in Beijing: every demo record is decided by then.
const NOW: &str = "2026-11-21T04:00:00Z";
/// The owner's minor penalty: published 2026-09-15 to 2026-12-15.
const MINOR_PENALTY: &str = "SCJG-2026-000102";
const LICENCE: &str = "SCJG-2024-000101";
/// 福州恒达贸易有限公司's tax rating: government sharing only.
const TAX_RATING: &str = "SWJ-2026-000202";

fn date(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

async fn app() -> TestApp {
    let app = TestApp::spawn_at(at(NOW)).await;
    demo::seed(&app.state).await.expect("demo data seeds");
    app
}

async fn update(
    app: &TestApp,
    source_ref: &str,
    change: impl FnOnce(&mut credit_record::ActiveModel),
) -> credit_record::Model {
    let mut am = record(app, source_ref).await.into_active_model();
    change(&mut am);
    am.update(&app.state.db).await.expect("update record")
}

async fn category_id(app: &TestApp, code: &str) -> i64 {
    record_category::Entity::find()
        .filter(record_category::Column::Code.eq(code))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("category")
        .id
}

const RECORD_FIELDS: &str = "id view title status statusReason disclosure sourceRef decidedOn
  publication { start end publicNow hiddenReason { code messageZh messageEn } }
  category { code nameZh nameEn infoClass listKind }
  department { id code nameZh }
  subject { name kind view }
  legalBasis { docType number issuer effectiveOn }
  revisions { version changeKind reason createdAt }";

fn subject_query(records_args: &str) -> String {
    format!(
        "query($id: String!) {{ subjectByIdentifier(identifier: $id) {{
            id view kind kindNameZh name identifier legalRepresentative status regionCode
            records({records_args}) {{ edges {{ node {{ {RECORD_FIELDS} }} }} pageInfo {{ hasNextPage }} }}
        }} }}"
    )
}

/// The owner's penalty under objection, and a government-only rating of
/// the owner's enterprise.
async fn hide_two_of_the_owners_records(app: &TestApp) -> (i64, i64) {
    let objected = update(app, MINOR_PENALTY, |r| {
        r.status = Set(RecordStatus::UnderObjection);
        r.status_reason = Set(Some("企业提出异议，已受理".into()));
    })
    .await;
    let tax = category_id(app, "tax_credit_rating").await;
    let enterprise = subject_by_name(app, demo::ENTERPRISE_NAME).await;
    let rating = copy(app, TAX_RATING, "SWJ-2026-900001", |r| {
        r.subject_id = Set(enterprise.id);
        r.category_id = Set(tax);
        r.title = Set("2025年度纳税信用评价结果（闽江电子）".into());
        r.disclosure = Set(Disclosure::Government);
    })
    .await;
    (objected.id, rating.id)
}

#[tokio::test]
async fn the_own_view_shows_every_record_with_reasons_and_others_only_the_public_ones() {
    let app = app().await;
    let (objected, rating) = hide_two_of_the_owners_records(&app).await;
    let (owner, _) = app
        .login(demo::ENTERPRISE_USER_EMAIL, demo::DEMO_PASSWORD)
        .await;

    let mine = app
        .graphql(
            &format!(
                "{{ viewer {{ subjects {{ id view name identifier legalRepresentative
                    records(first: 20) {{ edges {{ node {{ {RECORD_FIELDS} }} }} }} }} }} }}"
            ),
            json!({}),
            Some(&owner),
        )
        .await;
    let subjects = ok(&mine)["viewer"]["subjects"]
        .as_array()
        .expect("subjects")
        .clone();
    assert_eq!(subjects.len(), 1, "{}", mine.body);
    let me = &subjects[0];
    assert_eq!(me["view"], "OWN");
    assert_eq!(me["name"], demo::ENTERPRISE_NAME);
    assert_eq!(me["identifier"], demo::ENTERPRISE_USCC);
    assert_eq!(
        me["legalRepresentative"], "林晓峰",
        "unmasked for the subject"
    );
    let records = nodes(&me["records"]);
    assert_eq!(records.len(), 5, "four demo records and the rating");
    let by_id: HashMap<i64, &Value> = records.iter().map(|r| (raw_id(&r["id"]), *r)).collect();

    let p = by_id[&objected];
    assert_eq!(p["status"], "UNDER_OBJECTION");
    assert_eq!(p["statusReason"], "企业提出异议，已受理");
    assert_eq!(p["publication"]["publicNow"], false);
    assert_eq!(p["publication"]["hiddenReason"]["code"], "UNDER_OBJECTION");
    assert!(
        p["publication"]["hiddenReason"]["messageZh"]
            .as_str()
            .is_some_and(|m| m.contains("异议"))
    );
    assert!(
        p["publication"]["hiddenReason"]["messageEn"]
            .as_str()
            .is_some_and(|m| m.contains("objection"))
    );
    assert_eq!(p["publication"]["start"], "2026-09-15");
    assert_eq!(p["publication"]["end"], "2026-12-15");
    assert_eq!(p["department"]["code"], demo::MARKET_DEPARTMENT_CODE);
    assert_eq!(p["department"]["nameZh"], "福州市市场监督管理局");
    assert_eq!(p["category"]["nameEn"], "Administrative penalty");
    assert_eq!(p["category"]["infoClass"], "WARNING");
    assert_eq!(p["legalBasis"]["docType"], "行政处罚决定书");
    assert_eq!(p["revisions"][0]["version"], 1);
    assert_eq!(p["revisions"][0]["changeKind"], "CREATE");
    assert_eq!(p["view"], "OWN");

    let g = by_id[&rating];
    assert_eq!(g["disclosure"], "GOVERNMENT");
    assert_eq!(g["publication"]["hiddenReason"]["code"], "GOVERNMENT_ONLY");
    let public_now: Vec<&&Value> = records
        .iter()
        .filter(|r| r["publication"]["publicNow"] == true)
        .collect();
    assert_eq!(public_now.len(), 3);
    assert!(
        public_now
            .iter()
            .all(|r| r["publication"]["hiddenReason"].is_null())
    );

    // The own read is logged with what came back.
    let enterprise = subject_by_name(&app, demo::ENTERPRISE_NAME).await;
    let rows = logs(&app, enterprise.id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].purpose_code, views::PURPOSE_OWN);
    assert_eq!(logged_ids(&rows[0]), by_id.keys().copied().collect());

    // Filters.
    let filtered = |filter: Value| {
        let app = &app;
        let owner = owner.clone();
        async move {
            app.graphql(
                "query($f: RecordFilter) { viewer { subjects { records(first: 20, filter: $f) {
                    edges { node { id title } } } } } }",
                json!({ "f": filter }),
                Some(&owner),
            )
            .await
        }
    };
    let count = |r: &Gql| nodes(&ok(r)["viewer"]["subjects"][0]["records"]).len();
    assert_eq!(
        count(&filtered(json!({ "status": "UNDER_OBJECTION" })).await),
        1
    );
    assert_eq!(count(&filtered(json!({ "infoClass": "GOOD" })).await), 2);
    assert_eq!(count(&filtered(json!({ "infoClass": "HINT" })).await), 1);
    assert_eq!(
        count(&filtered(json!({ "category": "administrative_penalty" })).await),
        1
    );
    assert_eq!(
        count(&filtered(json!({ "department": p["department"]["id"] })).await),
        2
    );
    assert_eq!(
        count(&filtered(json!({ "decidedFrom": "2026-01-01", "decidedTo": "2026-12-31" })).await),
        3
    );
    assert_eq!(
        count(
            &filtered(json!({ "infoClass": "BASIC", "category": "administrative_penalty" })).await
        ),
        0
    );
    let bad = filtered(json!({ "decidedFrom": "2026-12-31", "decidedTo": "2026-01-01" })).await;
    assert_eq!(bad.error_code(), Some("BAD_USER_INPUT"), "{}", bad.body);
    let unknown = filtered(json!({ "category": "no_such_category" })).await;
    assert_eq!(
        unknown.body["errors"][0]["extensions"]["reason"],
        "CATEGORY_UNKNOWN"
    );

    // Another subject's user gets the public view: masked representative, no
    // hidden records, no history, no status reasons.
    let (person, _) = app
        .login(demo::PERSON_USER_EMAIL, demo::DEMO_PASSWORD)
        .await;
    for token in [Some(person.as_str()), None] {
        let r = app
            .graphql(
                &subject_query("first: 20"),
                json!({ "id": demo::ENTERPRISE_USCC }),
                token,
            )
            .await;
        let s = &ok(&r)["subjectByIdentifier"];
        assert_eq!(s["view"], "PUBLIC");
        assert_eq!(s["legalRepresentative"], "林*峰");
        let public = nodes(&s["records"]);
        assert_eq!(public.len(), 3, "{}", r.body);
        for rec in &public {
            let id = raw_id(&rec["id"]);
            assert!(id != objected && id != rating);
            assert!(rec["revisions"].is_null());
            assert!(rec["statusReason"].is_null());
            assert_eq!(rec["publication"]["publicNow"], true);
            assert_eq!(rec["view"], "PUBLIC");
            assert_eq!(rec["subject"]["view"], "PUBLIC");
        }
    }
    // Nor can it fetch them by id.
    let logged = logs(&app, enterprise.id).await.len();
    let node = "query($id: ID!) { node(id: $id) { id ... on CreditRecord { title view } } }";
    for hidden in [objected, rating] {
        let gid = global_id(NodeType::CreditRecord, hidden);
        let r = app.graphql(node, json!({ "id": gid }), Some(&person)).await;
        assert!(ok(&r)["node"].is_null(), "{}", r.body);
        let r = app.graphql(node, json!({ "id": gid }), Some(&owner)).await;
        assert_eq!(ok(&r)["node"]["view"], "OWN");
    }
    let licence = record(&app, LICENCE).await;
    let r = app
        .graphql(
            node,
            json!({ "id": global_id(NodeType::CreditRecord, licence.id) }),
            Some(&person),
        )
        .await;
    assert_eq!(ok(&r)["node"]["view"], "PUBLIC");
    // Public reads are not logged; the owner's node reads are, one row each.
    assert_eq!(logs(&app, enterprise.id).await.len(), logged + 2);

    // An agency's client sees what the public sees, for now.
    let (status, token) = app
        .client_token(demo::AGENCY_CLIENT_ID, demo::AGENCY_CLIENT_SECRET)
        .await;
    assert_eq!(status, 200, "{token}");
    let token = token["access_token"].as_str().expect("token").to_string();
    let r = app
        .graphql(
            &subject_query("first: 20"),
            json!({ "id": demo::ENTERPRISE_USCC }),
            Some(&token),
        )
        .await;
    assert_eq!(ok(&r)["subjectByIdentifier"]["view"], "PUBLIC");
    assert_eq!(nodes(&r.data()["subjectByIdentifier"]["records"]).len(), 3);
}

#[tokio::test]
async fn public_search_finds_organisations_by_name_or_uscc_and_never_people() {
    let app = app().await;
    let search = "query($q: String!) { searchSubjects(query: $q, first: 50) {
        edges { node { id view kind name identifier legalRepresentative } } } }";
    let found = |q: &str| {
        let app = &app;
        let q = q.to_string();
        async move {
            let r = app.graphql(search, json!({ "q": q }), None).await;
            nodes(&ok(&r)["searchSubjects"])
                .into_iter()
                .cloned()
                .collect::<Vec<Value>>()
        }
    };

    let by_name = found("闽江电子").await;
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0]["name"], demo::ENTERPRISE_NAME);
    assert_eq!(by_name[0]["identifier"], demo::ENTERPRISE_USCC);
    assert_eq!(by_name[0]["view"], "PUBLIC");
    assert_eq!(by_name[0]["legalRepresentative"], "林*峰");

    let by_uscc = found(demo::ENTERPRISE_USCC).await;
    assert_eq!(by_uscc.len(), 1);
    assert_eq!(by_uscc[0]["name"], demo::ENTERPRISE_NAME);
    assert_eq!(
        found(&format!("  {}  ", demo::ENTERPRISE_USCC)).await.len(),
        1
    );

    // Partial text matches many, in any case; wildcards match literally.
    assert!(found("有限公司").await.len() > 30);
    let mut donghu = subject_by_name(&app, "福州东湖数字技术有限公司")
        .await
        .into_active_model();
    donghu.name = Set("福州东湖DongHu数字技术有限公司".into());
    donghu.update(&app.state.db).await.expect("rename");
    let ascii = found("donghu").await;
    assert_eq!(ascii.len(), 1, "{ascii:?}");
    assert_eq!(ascii[0]["name"], "福州东湖DongHu数字技术有限公司");
    assert_eq!(found("DONGHU数字").await.len(), 1);
    assert!(found("%%").await.is_empty());
    assert!(found("福州_").await.is_empty());

    // "美华" is both 陈美华 (a person) and 美华小吃店 (her individual business):
    // only the business comes back, its operator's name masked.
    let meihua = found("美华").await;
    assert_eq!(meihua.len(), 1, "{meihua:?}");
    assert_eq!(meihua[0]["kind"], "INDIVIDUAL_BUSINESS");
    assert_eq!(meihua[0]["legalRepresentative"], "陈*华");
    assert!(found(demo::PERSON_NAME).await.is_empty());
    let id_number = chen_meihua_id();
    assert!(found(&id_number).await.is_empty());
    for q in ["张伟", "林晓峰"] {
        assert!(found(q).await.iter().all(|s| s["kind"] != "NATURAL_PERSON"));
    }

    // By identifier: the public never learns of a person; she herself and
    // the government do, with the number masked.
    let by_id = "query($id: String!) { subjectByIdentifier(identifier: $id) { view kind name identifier } }";
    let anon = app.graphql(by_id, json!({ "id": id_number }), None).await;
    assert!(ok(&anon)["subjectByIdentifier"].is_null());
    let (enterprise_owner, _) = app
        .login(demo::ENTERPRISE_USER_EMAIL, demo::DEMO_PASSWORD)
        .await;
    let other = app
        .graphql(by_id, json!({ "id": id_number }), Some(&enterprise_owner))
        .await;
    assert!(ok(&other)["subjectByIdentifier"].is_null());
    let (her, _) = app
        .login(demo::PERSON_USER_EMAIL, demo::DEMO_PASSWORD)
        .await;
    let own = app
        .graphql(by_id, json!({ "id": id_number }), Some(&her))
        .await;
    let s = &ok(&own)["subjectByIdentifier"];
    assert_eq!(s["view"], "OWN");
    assert_eq!(s["kind"], "NATURAL_PERSON");
    let masked = s["identifier"].as_str().expect("identifier");
    assert!(masked.contains('*') && masked != id_number, "{masked}");
    let (staff, _) = app.login(demo::STAFF_EMAIL, demo::DEMO_PASSWORD).await;
    let gov = app
        .graphql(by_id, json!({ "id": id_number }), Some(&staff))
        .await;
    assert_eq!(ok(&gov)["subjectByIdentifier"]["view"], "GOVERNMENT");
    assert_eq!(ok(&gov)["subjectByIdentifier"]["identifier"], masked);
    assert!(!gov.body.to_string().contains(&id_number));

    // Nor by node id.
    let person = subject_by_name(&app, demo::PERSON_NAME).await;
    let node = "query($id: ID!) { node(id: $id) { id } }";
    let gid = global_id(NodeType::Subject, person.id);
    assert!(ok(&app.graphql(node, json!({ "id": gid }), None).await)["node"].is_null());
    assert!(!ok(&app.graphql(node, json!({ "id": gid }), Some(&her)).await)["node"].is_null());

    // Input that cannot be used.
    let short = app.graphql(search, json!({ "q": "福" }), None).await;
    assert_eq!(short.error_code(), Some("BAD_USER_INPUT"));
    let bad = app
        .graphql(by_id, json!({ "id": "91350100MA099QFHX0" }), None)
        .await;
    assert_eq!(bad.error_code(), Some("BAD_USER_INPUT"), "{}", bad.body);
}

#[tokio::test]
async fn public_lists_show_public_records_of_red_and_black_list_categories() {
    let app = app().await;
    let cats = app
        .graphql(
            "{ red: recordCategories(listKind: RED) { code nameZh listKind }
               black: recordCategories(listKind: BLACK) { code listKind } }",
            json!({}),
            None,
        )
        .await;
    let codes = |k: &str| -> Vec<String> {
        ok(&cats)[k]
            .as_array()
            .expect("categories")
            .iter()
            .map(|c| c["code"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert!(codes("red").contains(&"civilised_unit".to_string()));
    assert!(codes("black").contains(&"court_defaulter".to_string()));
    assert!(!codes("black").contains(&"administrative_licence".to_string()));

    // A person's traffic violation made public by mistake still never shows.
    update(&app, "JJZD-2026-000103", |r| {
        r.disclosure = Set(Disclosure::Public)
    })
    .await;

    let list = "query($c: String!) { publicList(category: $c, first: 20) {
        edges { node { title view category { code listKind } department { nameZh }
          legalBasis { number } subject { name kind view legalRepresentative } } } } }";
    let red = app
        .graphql(list, json!({ "c": "civilised_unit" }), None)
        .await;
    let red = nodes(&ok(&red)["publicList"])
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    let names: BTreeSet<&str> = red
        .iter()
        .map(|r| r["subject"]["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "福州三坊七巷文化旅游发展有限公司",
            "福州市榕城科技信息研究所"
        ])
    );
    for r in &red {
        assert_eq!(r["category"]["listKind"], "RED");
        assert_eq!(r["view"], "PUBLIC");
        assert!(r["legalBasis"]["number"].is_string());
        assert!(r["department"]["nameZh"].is_string());
        assert!(
            r["subject"]["legalRepresentative"]
                .as_str()
                .is_some_and(|n| n.contains('*'))
        );
    }

    let black = app
        .graphql(list, json!({ "c": "traffic_violation" }), None)
        .await;
    let black = nodes(&ok(&black)["publicList"])
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(black.len(), 2, "the two transport companies only");
    assert!(
        black
            .iter()
            .all(|r| r["subject"]["kind"] != "NATURAL_PERSON")
    );
    assert!(!black.iter().any(|r| r["title"] == "饮酒后驾驶机动车"));

    let court = app
        .graphql(list, json!({ "c": "court_defaulter" }), None)
        .await;
    assert_eq!(
        nodes(&ok(&court)["publicList"])[0]["subject"]["name"],
        "福州恒达贸易有限公司"
    );

    let not_a_list = app
        .graphql(list, json!({ "c": "administrative_licence" }), None)
        .await;
    assert_eq!(not_a_list.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(
        not_a_list.body["errors"][0]["extensions"]["reason"],
        "CATEGORY_NOT_A_LIST"
    );
    let unknown = app.graphql(list, json!({ "c": "nope" }), None).await;
    assert_eq!(
        unknown.body["errors"][0]["extensions"]["reason"],
        "CATEGORY_UNKNOWN"
    );
}

#[tokio::test]
async fn connections_page_with_cursors_and_require_a_capped_size() {
    let app = app().await;
    let page = "query($first: Int, $after: String, $last: Int, $before: String) {
        searchSubjects(query: \"福州\", first: $first, after: $after, last: $last, before: $before) {
          edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    let names = |r: &Gql| -> Vec<String> {
        nodes(&ok(r)["searchSubjects"])
            .iter()
            .map(|n| n["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let all = app.graphql(page, json!({ "first": 100 }), None).await;
    let everything = names(&all);
    assert!(everything.len() > 20, "{}", everything.len());
    assert_eq!(ok(&all)["searchSubjects"]["pageInfo"]["hasNextPage"], false);

    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let r = app
            .graphql(page, json!({ "first": 7, "after": after }), None)
            .await;
        let got = names(&r);
        assert!(got.len() <= 7);
        paged.extend(got);
        pages += 1;
        let info = &r.data()["searchSubjects"]["pageInfo"];
        assert_eq!(info["hasPreviousPage"], pages > 1);
        if info["hasNextPage"] == false {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_string);
        assert!(pages < 20, "paging does not end");
    }
    assert_eq!(paged, everything, "same items, same order, no repeats");
    assert_eq!(pages, everything.len().div_ceil(7));

    // Backwards from the end, then the page before that.
    let tail = app.graphql(page, json!({ "last": 5 }), None).await;
    let n = everything.len();
    assert_eq!(names(&tail), everything[n - 5..]);
    assert_eq!(
        ok(&tail)["searchSubjects"]["pageInfo"]["hasPreviousPage"],
        true
    );
    let before = ok(&tail)["searchSubjects"]["pageInfo"]["startCursor"].clone();
    let prev = app
        .graphql(page, json!({ "last": 5, "before": before }), None)
        .await;
    assert_eq!(names(&prev), everything[n - 10..n - 5]);
    assert_eq!(ok(&prev)["searchSubjects"]["pageInfo"]["hasNextPage"], true);

    // Records page too (newest first), in the owner's view.
    let (owner, _) = app
        .login(demo::ENTERPRISE_USER_EMAIL, demo::DEMO_PASSWORD)
        .await;
    let recs = "query($after: String) { viewer { subjects { records(first: 3, after: $after) {
        edges { node { id } } pageInfo { hasNextPage endCursor } } } } }";
    let first = app.graphql(recs, json!({}), Some(&owner)).await;
    let c1 = &ok(&first)["viewer"]["subjects"][0]["records"];
    assert_eq!(nodes(c1).len(), 3);
    assert_eq!(c1["pageInfo"]["hasNextPage"], true);
    let second = app
        .graphql(
            recs,
            json!({ "after": c1["pageInfo"]["endCursor"] }),
            Some(&owner),
        )
        .await;
    let c2 = &ok(&second)["viewer"]["subjects"][0]["records"];
    assert_eq!(nodes(c2).len(), 1);
    assert_eq!(c2["pageInfo"]["hasNextPage"], false);
    let ids: Vec<i64> = nodes(c1)
        .into_iter()
        .chain(nodes(c2))
        .map(|n| raw_id(&n["id"]))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");

    // Sizes and cursors that cannot be used.
    let reason = |r: &Gql| r.body["errors"][0]["extensions"]["reason"].clone();
    let missing = app.graphql(page, json!({}), None).await;
    assert_eq!(missing.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(reason(&missing), "PAGE_SIZE_REQUIRED");
    assert!(missing.data()["searchSubjects"].is_null());
    let big = app.graphql(page, json!({ "first": 101 }), None).await;
    assert_eq!(big.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(reason(&big), "PAGE_SIZE_TOO_LARGE");
    let both = app
        .graphql(page, json!({ "first": 5, "last": 5 }), None)
        .await;
    assert_eq!(reason(&both), "PAGE_ARGUMENTS_CONFLICT");
    let cursor = app
        .graphql(page, json!({ "first": 5, "after": "garbage" }), None)
        .await;
    assert_eq!(reason(&cursor), "CURSOR_INVALID");
    let list = app
        .graphql(
            "{ publicList(category: \"civilised_unit\") { edges { node { id } } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(reason(&list), "PAGE_SIZE_REQUIRED");

    // A page of subjects each with a full page of records costs too much.
    let nested = app
        .graphql(
            "{ searchSubjects(query: \"福州\", first: 100) { edges { node { name
                records(first: 100) { edges { node { id title decidedOn } } } } } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(
        nested.error_code(),
        Some("QUERY_TOO_COMPLEX"),
        "{}",
        nested.body
    );
}

#[tokio::test]
async fn government_reads_are_logged_with_the_records_returned() {
    let app = app().await;
    let hengda = subject_by_name(&app, "福州恒达贸易有限公司").await;
    let rating = record(&app, TAX_RATING).await;
    let (staff, _) = app.login(demo::STAFF_EMAIL, demo::DEMO_PASSWORD).await;

    // The public and agencies do not see the government-only rating, and
    // their reads leave no log.
    let q = "query($id: String!, $purpose: String) {
        subjectByIdentifier(identifier: $id, purpose: $purpose) {
          view legalRepresentative records(first: 20) { edges { node { id title disclosure view } } } } }";
    let public = app
        .graphql(q, json!({ "id": demo::COURT_DEFAULTER_USCC }), None)
        .await;
    let s = &ok(&public)["subjectByIdentifier"];
    assert_eq!(s["view"], "PUBLIC");
    assert!(
        !titles(&s["records"]).contains(&rating.title),
        "{}",
        public.body
    );
    assert!(logs(&app, hengda.id).await.is_empty());

    let gov = app
        .graphql(
            q,
            json!({ "id": demo::COURT_DEFAULTER_USCC, "purpose": "行政许可审查" }),
            Some(&staff),
        )
        .await;
    let s = &ok(&gov)["subjectByIdentifier"];
    assert_eq!(s["view"], "GOVERNMENT");
    assert_eq!(s["legalRepresentative"], "王建国");
    let returned: BTreeSet<i64> = nodes(&s["records"])
        .iter()
        .map(|n| raw_id(&n["id"]))
        .collect();
    assert!(returned.contains(&rating.id), "{}", gov.body);
    assert!(
        nodes(&s["records"])
            .iter()
            .all(|n| n["view"] == "GOVERNMENT")
    );

    let staff_account = entity::account::Entity::find()
        .filter(entity::account::Column::Email.eq(demo::STAFF_EMAIL))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("staff account");
    let rows = logs(&app, hengda.id).await;
    assert_eq!(rows.len(), 2, "the look-up and the page of records");
    for row in &rows {
        assert_eq!(row.actor_kind, entity::enums::ActorKind::Department);
        assert_eq!(row.account_id, Some(staff_account.id));
        assert_eq!(row.department_id, staff_account.department_id);
        assert!(row.department_id.is_some());
        assert_eq!(row.purpose_code, views::PURPOSE_GOVERNMENT);
        assert_eq!(row.purpose_text.as_deref(), Some("行政许可审查"));
        assert_eq!(row.channel, entity::enums::Channel::Api);
        assert!(row.request_id.as_deref().is_some_and(|r| !r.is_empty()));
        assert_eq!(row.consent_id, None);
        assert_eq!(row.occurred_at, app.state.now());
    }
    assert!(logged_ids(&rows[0]).is_empty());
    assert_eq!(logged_ids(&rows[1]), returned);

    // A record fetched by id is logged too; the operator's reads as well.
    let node = "query($id: ID!) { node(id: $id) { ... on CreditRecord { title view } } }";
    let by_id = app
        .graphql(
            node,
            json!({ "id": global_id(NodeType::CreditRecord, rating.id) }),
            Some(&staff),
        )
        .await;
    assert_eq!(ok(&by_id)["node"]["view"], "GOVERNMENT");
    let rows = logs(&app, hengda.id).await;
    assert_eq!(rows.len(), 3);
    assert_eq!(logged_ids(&rows[2]), BTreeSet::from([rating.id]));
    let (operator, _) = app.login(demo::OPERATOR_EMAIL, demo::DEMO_PASSWORD).await;
    let op = app
        .graphql(
            q,
            json!({ "id": demo::COURT_DEFAULTER_USCC }),
            Some(&operator),
        )
        .await;
    assert_eq!(ok(&op)["subjectByIdentifier"]["view"], "GOVERNMENT");
    let rows = logs(&app, hengda.id).await;
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4].actor_kind, entity::enums::ActorKind::Operator);
    assert_eq!(rows[4].department_id, None);

    // An agency's client is the public for now: no rating, no log.
    let (_, token) = app
        .client_token(demo::AGENCY_CLIENT_ID, demo::AGENCY_CLIENT_SECRET)
        .await;
    let token = token["access_token"].as_str().expect("token").to_string();
    let agency = app
        .graphql(q, json!({ "id": demo::COURT_DEFAULTER_USCC }), Some(&token))
        .await;
    assert_eq!(ok(&agency)["subjectByIdentifier"]["view"], "PUBLIC");
    assert!(!titles(&agency.data()["subjectByIdentifier"]["records"]).contains(&rating.title));
    assert_eq!(logs(&app, hengda.id).await.len(), 5);
    // The department's own system, with records:read, shares like its staff.
    let (_, token) = app
        .client_token(demo::DEPARTMENT_CLIENT_ID, demo::DEPARTMENT_CLIENT_SECRET)
        .await;
    let token = token["access_token"].as_str().expect("token").to_string();
    let system = app
        .graphql(q, json!({ "id": demo::COURT_DEFAULTER_USCC }), Some(&token))
        .await;
    assert_eq!(ok(&system)["subjectByIdentifier"]["view"], "GOVERNMENT");
    let rows = logs(&app, hengda.id).await;
    assert_eq!(rows.len(), 7);
    assert!(rows[6].api_client_id.is_some());
}

#[tokio::test]
async fn without_a_query_log_row_no_non_public_data_is_returned() {
    let app = app().await;
    let (staff, _) = app.login(demo::STAFF_EMAIL, demo::DEMO_PASSWORD).await;
    let (owner, _) = app
        .login(demo::ENTERPRISE_USER_EMAIL, demo::DEMO_PASSWORD)
        .await;
    // Everything first, while logging works.
    let rating = record(&app, TAX_RATING).await;
    let q = "query($id: String!) { subjectByIdentifier(identifier: $id) {
        view records(first: 20) { edges { node { id title } } } } }";
    let before = app
        .graphql(q, json!({ "id": demo::COURT_DEFAULTER_USCC }), Some(&staff))
        .await;
    assert!(titles(&ok(&before)["subjectByIdentifier"]["records"]).contains(&rating.title));

    app.state
        .db
        .execute_unprepared("DROP TABLE query_log")
        .await
        .expect("drop the query log");

    let gov = app
        .graphql(q, json!({ "id": demo::COURT_DEFAULTER_USCC }), Some(&staff))
        .await;
    assert_eq!(gov.error_code(), Some("INTERNAL"), "{}", gov.body);
    assert!(gov.data()["subjectByIdentifier"].is_null(), "{}", gov.body);
    assert!(!gov.body.to_string().contains(&rating.title));
    assert!(
        !gov.body.to_string().contains("query_log"),
        "nothing leaked"
    );

    let node = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on CreditRecord { title } } }",
            json!({ "id": global_id(NodeType::CreditRecord, rating.id) }),
            Some(&staff),
        )
        .await;
    assert_eq!(node.error_code(), Some("INTERNAL"));
    assert!(!node.body.to_string().contains(&rating.title));

    let own = app
        .graphql(
            "{ viewer { subjects { name records(first: 20) { edges { node { title } } } } } }",
            json!({}),
            Some(&owner),
        )
        .await;
    assert_eq!(own.error_code(), Some("INTERNAL"), "{}", own.body);
    assert!(!own.body.to_string().contains("产品标识不符合规定"));

    // Public reads need no log and still work.
    let public = app
        .graphql(q, json!({ "id": demo::COURT_DEFAULTER_USCC }), None)
        .await;
    assert_eq!(ok(&public)["subjectByIdentifier"]["view"], "PUBLIC");
}

#[tokio::test]
async fn publication_windows_open_and_close_at_midnight_in_beijing() {
    let app = app().await;
    let q = "query($id: String!) { subjectByIdentifier(identifier: $id) {
        records(first: 20) { edges { node { title publication { publicNow hiddenReason { code } } } } } } }";
    let public_titles = || async {
        let r = app
            .graphql(q, json!({ "id": demo::ENTERPRISE_USCC }), None)
            .await;
        titles(&ok(&r)["subjectByIdentifier"]["records"])
    };
    let reason_for_owner = |title: &'static str| {
        let app = &app;
        async move {
            // Signed in afresh: access tokens expire as the clock moves on.
            let (owner, _) = app
                .login(demo::ENTERPRISE_USER_EMAIL, demo::DEMO_PASSWORD)
                .await;
            let r = app
                .graphql(q, json!({ "id": demo::ENTERPRISE_USCC }), Some(&owner))
                .await;
            nodes(&ok(&r)["subjectByIdentifier"]["records"])
                .into_iter()
                .find(|n| n["title"] == title)
                .map(|n| n["publication"]["hiddenReason"]["code"].clone())
                .unwrap_or(Value::Null)
        }
    };
    let penalty = record(&app, MINOR_PENALTY).await;
    assert_eq!(penalty.disclosure_end, Some(date("2026-12-15")));

    // The last second of 15 December in Beijing: still published.
    app.clock.set(at("2026-12-15T15:59:59Z"));
    assert!(public_titles().await.contains(&penalty.title));
    assert_eq!(reason_for_owner("产品标识不符合规定").await, Value::Null);
    // Midnight: the window has ended, before any archiving job has run.
    app.clock.set(at("2026-12-15T16:00:00Z"));
    assert!(!public_titles().await.contains(&penalty.title));
    assert_eq!(reason_for_owner("产品标识不符合规定").await, "WINDOW_ENDED");

    // A window that starts tomorrow opens at midnight.
    app.clock.set(at(NOW));
    let licence = update(&app, LICENCE, |r| {
        r.disclosure_start = Set(date("2026-11-22"))
    })
    .await;
    app.clock.set(at("2026-11-21T15:59:59Z"));
    assert!(!public_titles().await.contains(&licence.title));
    assert_eq!(
        reason_for_owner("工业产品生产许可（电线电缆）").await,
        "NOT_YET_PUBLISHED"
    );
    app.clock.set(at("2026-11-21T16:00:00Z"));
    assert!(public_titles().await.contains(&licence.title));
    assert_eq!(
        reason_for_owner("工业产品生产许可（电线电缆）").await,
        Value::Null
    );
}

#[tokio::test]
async fn the_public_sql_filter_agrees_with_the_disclosure_engine() {
    let app = app().await;
    // Give the demo records every state, attribute and window shape.
    let all = credit_record::Entity::find()
        .order_by_asc(credit_record::Column::Id)
        .all(&app.state.db)
        .await
        .expect("records");
    let statuses = [
        RecordStatus::Active,
        RecordStatus::UnderObjection,
        RecordStatus::Repaired,
        RecordStatus::Withdrawn,
        RecordStatus::Archived,
        RecordStatus::Deleted,
        RecordStatus::Active,
    ];
    let disclosures = [
        Disclosure::Public,
        Disclosure::Public,
        Disclosure::Authorized,
        Disclosure::Government,
        Disclosure::Public,
    ];
    for (i, r) in all.iter().enumerate() {
        let mut am = r.clone().into_active_model();
        am.status = Set(statuses[i % statuses.len()]);
        am.disclosure = Set(disclosures[i % disclosures.len()]);
        if i % 11 == 3 {
            // An empty window: ends before it starts.
            am.disclosure_end = Set(Some(r.disclosure_start - chrono::Duration::days(1)));
        }
        am.update(&app.state.db).await.expect("update");
    }
    let categories: HashMap<i64, record_category::Model> = record_category::Entity::find()
        .all(&app.state.db)
        .await
        .expect("categories")
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let kinds: HashMap<i64, SubjectKind> = subject::Entity::find()
        .all(&app.state.db)
        .await
        .expect("subjects")
        .into_iter()
        .map(|s| (s.id, s.kind))
        .collect();
    let all = credit_record::Entity::find()
        .all(&app.state.db)
        .await
        .expect("records");
    let mut days: Vec<NaiveDate> = all
        .iter()
        .flat_map(|r| {
            let mut d = vec![
                r.disclosure_start,
                r.disclosure_start.pred_opt().unwrap_or(r.disclosure_start),
            ];
            if let Some(end) = r.disclosure_end {
                d.extend([end, end.succ_opt().unwrap_or(end)]);
            }
            d
        })
        .collect();
    days.extend([date("2020-01-01"), date("2026-11-21"), date("2040-01-01")]);
    days.sort();
    days.dedup();
    let mut visible_somewhere = 0;
    for today in days {
        let by_sql: BTreeSet<i64> = views::public_record_query(today)
            .all(&app.state.db)
            .await
            .expect("public query")
            .into_iter()
            .map(|r| r.id)
            .collect();
        let by_engine: BTreeSet<i64> = all
            .iter()
            .filter(|r| {
                let f = views::facts(r, &categories[&r.category_id], kinds[&r.subject_id]);
                decide(&f, &Audience::Public, today).is_visible()
            })
            .map(|r| r.id)
            .collect();
        assert_eq!(by_sql, by_engine, "on {today}");
        visible_somewhere += by_sql.len();
    }
    assert!(visible_somewhere > 0, "the comparison saw visible records");
}
