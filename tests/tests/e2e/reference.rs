//! The reference data through the API: the holiday calendar with its
//! notices, and the rules in force, read without signing in.

use serde_json::{Value, json};
use xinyong_tests::TestApp;
use xinyong_tests::demo as d;

const CALENDAR: &str = "{ holidayCalendar { lastLoadedYear years { year notice { title number publishedOn url } holidays { nameZh nameEn from to days } makeupWorkdays { date nameZh nameEn } holidayDayCount builtIn loadedAt loadedBy } } }";

const RULES: &str = "query($on: NaiveDate) { ruleSet(on: $on) { name on rules { id titleZh titleEn amount unit unitNameZh unitNameEn periodZh periodEn effectiveFrom effectiveUntil source basis verification } } }";

fn year(data: &Value, y: i64) -> Value {
    data["holidayCalendar"]["years"]
        .as_array()
        .expect("years")
        .iter()
        .find(|v| v["year"] == y)
        .unwrap_or_else(|| panic!("{y} is not loaded: {data}"))
        .clone()
}

fn rule<'a>(data: &'a Value, id: &str) -> Option<&'a Value> {
    data["ruleSet"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["id"] == id)
}

#[tokio::test]
async fn the_built_in_calendar_is_public_with_its_notice_holidays_and_make_up_days() {
    let app = TestApp::spawn().await;
    let r = app.graphql(CALENDAR, json!({}), None).await;
    let data = d::ok(&r);
    let years: Vec<i64> = data["holidayCalendar"]["years"]
        .as_array()
        .expect("years")
        .iter()
        .filter_map(|y| y["year"].as_i64())
        .collect();
    assert_eq!(years, vec![2024, 2025, 2026], "oldest first");
    assert_eq!(data["holidayCalendar"]["lastLoadedYear"], 2026);

    let y = year(data, 2026);
    assert_eq!(
        y["notice"]["title"],
        "国务院办公厅关于2026年部分节假日安排的通知"
    );
    assert_eq!(y["notice"]["publishedOn"], "2025-11-04");
    // The 2026 document number is not confirmed, so none is claimed.
    assert!(y["notice"]["number"].is_null());
    assert_eq!(y["builtIn"], true);
    assert_eq!(y["loadedBy"], "built-in");
    assert!(y["loadedAt"].is_string());

    let national = y["holidays"]
        .as_array()
        .expect("holidays")
        .iter()
        .find(|h| h["nameEn"] == "National Day")
        .expect("National Day");
    assert_eq!(national["nameZh"], "国庆节");
    assert_eq!(national["from"], "2026-10-01");
    assert_eq!(national["to"], "2026-10-07");
    assert_eq!(national["days"], 7);

    let makeups = y["makeupWorkdays"].as_array().expect("make-up days");
    let dates: Vec<&str> = makeups.iter().filter_map(|m| m["date"].as_str()).collect();
    assert_eq!(
        dates,
        vec![
            "2026-01-04",
            "2026-02-14",
            "2026-02-28",
            "2026-05-09",
            "2026-09-20",
            "2026-10-10"
        ]
    );
    let saturday = makeups
        .iter()
        .find(|m| m["date"] == "2026-10-10")
        .expect("10 October");
    assert_eq!(saturday["nameZh"], "国庆节调休上班");
    assert_eq!(saturday["nameEn"], "National Day make-up working day");

    // 2025 as printed in its notice, with the document number.
    let y25 = year(data, 2025);
    assert_eq!(y25["notice"]["number"], "国办发明电〔2024〕12号");
    let spring = y25["holidays"]
        .as_array()
        .expect("holidays")
        .iter()
        .find(|h| h["nameEn"] == "Spring Festival")
        .expect("Spring Festival");
    assert_eq!(
        (&spring["from"], &spring["to"], &spring["days"]),
        (&json!("2025-01-28"), &json!("2025-02-04"), &json!(8))
    );
}

#[tokio::test]
async fn a_year_loaded_by_an_operator_is_shown_as_loaded_and_when() {
    let at = d::at("2026-11-20T02:00:00Z");
    let app = TestApp::spawn_at(at).await;
    let text = "year = 2027\n\n[notice]\ntitle = \"国务院办公厅关于2027年部分节假日安排的通知\"\nnumber = \"国办发明电〔2026〕9号\"\npublished_on = 2026-11-12\nurl = \"https://www.gov.cn/example\"\n\n[[holiday]]\nname_zh = \"元旦\"\nname_en = \"New Year's Day\"\nfrom = 2027-01-01\nto = 2027-01-03\n\n[[makeup_workday]]\ndate = 2027-01-09\nname_zh = \"元旦调休上班\"\nname_en = \"New Year make-up working day\"\n";
    let loaded = xinyong::service::reference::load_calendar_year(&app.state, text, false, "cli")
        .await
        .expect("the year loads");
    assert_eq!(loaded, 2027);

    let r = app.graphql(CALENDAR, json!({}), None).await;
    let data = d::ok(&r);
    assert_eq!(data["holidayCalendar"]["lastLoadedYear"], 2027);
    let y = year(data, 2027);
    assert_eq!(y["builtIn"], false);
    assert_eq!(y["loadedBy"], "cli");
    assert_eq!(
        y["loadedAt"].as_str().map(d::at),
        Some(at),
        "loaded at the platform's time"
    );
    assert_eq!(y["notice"]["number"], "国办发明电〔2026〕9号");
    assert_eq!(y["notice"]["url"], "https://www.gov.cn/example");
    assert_eq!(y["holidayDayCount"], 3);
    assert_eq!(y["makeupWorkdays"][0]["date"], "2027-01-09");
    // The built-in years are still what they were.
    assert_eq!(year(data, 2026)["builtIn"], true);
}

#[tokio::test]
async fn the_rules_in_force_carry_number_unit_date_and_source() {
    let app = TestApp::spawn_at(d::at("2026-06-01T02:00:00Z")).await;
    // Default: today in Asia/Shanghai.
    let r = app.graphql(RULES, json!({}), None).await;
    let data = d::ok(&r);
    assert_eq!(data["ruleSet"]["on"], "2026-06-01");
    assert_eq!(data["ruleSet"]["name"], "default");
    let first = rule(data, "objection.first_check").expect("first check");
    assert_eq!(first["amount"], 3);
    assert_eq!(first["unit"], "WORKING_DAYS");
    assert_eq!(first["unitNameZh"], "个工作日");
    assert_eq!(first["unitNameEn"], "working days");
    assert_eq!(first["periodZh"], "3个工作日");
    assert_eq!(first["periodEn"], "3 working days");
    assert_eq!(first["titleZh"], "异议申请核查");
    assert_eq!(first["effectiveFrom"], "2015-08-01");
    assert!(first["effectiveUntil"].is_null());
    assert_eq!(first["basis"], "LAW");
    assert_eq!(first["verification"], "PRIMARY");
    let source = first["source"].as_str().expect("a source");
    assert!(
        source.contains("福建省公共信用信息管理暂行办法 Art. 44") && source.contains("3个工作日内"),
        "{source}"
    );
    let self_correction = rule(data, "repair.self_correction_window").expect("45 days");
    assert_eq!(self_correction["unit"], "CALENDAR_DAYS");
    assert_eq!(self_correction["periodEn"], "45 calendar days");
    assert_eq!(self_correction["unitNameZh"], "日");
    // Sorted by id, one version each.
    let ids: Vec<&str> = data["ruleSet"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted);

    // NDRC Order 36 (in force 2026-04-01): the day before, the older
    // version of the general penalty's minimum period, ending that day,
    // and no rule yet for minor penalties.
    let before = app
        .graphql(RULES, json!({ "on": "2026-03-31" }), None)
        .await;
    let before = d::ok(&before);
    let general = rule(before, "repair.min_period.general").expect("general");
    assert_eq!(general["effectiveUntil"], "2026-03-31");
    assert!(rule(before, "repair.min_period.minor").is_none());
    let after = app
        .graphql(RULES, json!({ "on": "2026-04-01" }), None)
        .await;
    let after = d::ok(&after);
    assert_eq!(
        rule(after, "repair.min_period.general").expect("general")["effectiveFrom"],
        "2026-04-01"
    );
    assert!(rule(after, "repair.min_period.minor").is_some());
}
