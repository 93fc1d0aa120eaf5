//! Data for the ingestion benchmark: deterministic credit records of the
//! market-supervision department (`FZ-SCJG`), in the proportions such a
//! department publishes them, as `RecordSubmission`s, CSV rows and GraphQL
//! `RecordInput`s.
//!
//! Subjects are new enterprises and individual businesses with valid USCCs;
//! each subject has `per_subject` consecutive records, so that batches of
//! 1,000 touch disjoint subjects (concurrent API clients never race to
//! register the same subject).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use chrono::{Days, NaiveDate};
use entity::enums::{Disclosure, Severity, SubjectKind};
use serde_json::{Map, Value, json};
use xinyong::domain::identifier::{USCC_ALPHABET, Uscc};
use xinyong::service::records::{LegalBasis, RecordSubmission};

pub mod dataset;
pub mod db;
pub mod load;
pub mod proc;

/// A benchmark binary's `main`: runs `run` on a multi-threaded runtime and
/// turns an error into a message on stderr and exit code 1.
pub fn main_with<F>(run: F) -> std::process::ExitCode
where
    F: std::future::Future<Output = Result<(), db::BoxError>>,
{
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(db::BoxError::from)
        .and_then(|rt| rt.block_on(run));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// splitmix64: a tiny deterministic generator (no dependency, same data every run).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn pick<'a>(options: &[&'a str], r: u64) -> &'a str {
    options[(r % options.len() as u64) as usize]
}

/// A valid USCC for subject number `serial` (the organisation code is the
/// serial in base 31 after `MB`; `run` keeps runs apart).
pub fn uscc(kind: SubjectKind, run: u32, serial: u64) -> String {
    let alphabet = USCC_ALPHABET.as_bytes();
    let prefix = match kind {
        SubjectKind::IndividualBusiness => "92",
        _ => "91",
    };
    let region =
        ["350102", "350103", "350104", "350105", "350111", "350121"][(serial % 6) as usize];
    let mut v = serial + u64::from(run) * 1_000_000_000;
    let mut code = [b'0'; 7];
    for slot in code.iter_mut().rev() {
        *slot = alphabet[(v % 31) as usize];
        v /= 31;
    }
    let body = format!(
        "{prefix}{region}MB{}",
        std::str::from_utf8(&code).unwrap_or("0000000")
    );
    Uscc::from_body(&body)
        .map(|u| u.as_str().to_string())
        .unwrap_or_else(|e| panic!("benchmark USCC {body}: {e}"))
}

const ROADS: &[&str] = &[
    "五四路",
    "八一七北路",
    "杨桥东路",
    "华林路",
    "六一中路",
    "工业路",
    "福飞路",
    "湖东路",
];
const TRADES: &[&str] = &[
    "贸易",
    "电子科技",
    "食品",
    "建材",
    "物流",
    "餐饮管理",
    "机械制造",
    "网络科技",
];
const AREAS: &[&str] = &[
    "鼓楼", "台江", "仓山", "晋安", "马尾", "长乐", "闽侯", "连江",
];

fn date(days_back: u64) -> NaiveDate {
    // Decisions in the first ten months of 2026, never after today.
    NaiveDate::from_ymd_opt(2026, 10, 31)
        .and_then(|d| d.checked_sub_days(Days::new(days_back)))
        .unwrap_or(NaiveDate::MIN)
}

/// `n` records; record `i` is about subject `i / per_subject`.
pub fn generate(n: usize, per_subject: usize, run: u32) -> Vec<RecordSubmission> {
    let per_subject = per_subject.max(1);
    (0..n)
        .map(|i| record(i as u64, (i / per_subject) as u64, run))
        .collect()
}

/// Kind, USCC and name of generated subject number `subject` of run `run`
/// (the subject of records `subject * per_subject ..`).
pub fn subject_identity(subject: u64, run: u32) -> (SubjectKind, String, String) {
    let s = mix(subject ^ 0xABCD ^ (u64::from(run) << 40));
    // One in eight subjects is an individual business.
    let kind = if s.is_multiple_of(8) {
        SubjectKind::IndividualBusiness
    } else {
        SubjectKind::Enterprise
    };
    (
        kind,
        uscc(kind, run, subject),
        subject_name(kind, subject, s),
    )
}

fn record(i: u64, subject: u64, run: u32) -> RecordSubmission {
    let r = mix(i ^ (u64::from(run) << 40));
    let (kind, subject_identifier, subject_name) = subject_identity(subject, run);
    let decided_on = date(r % 290);
    let year = 2026;
    let serial = i + 1;
    let roll = (r >> 12) % 100;
    record_body(
        r,
        kind,
        subject_identifier,
        subject_name,
        decided_on,
        year,
        serial,
        roll,
        run,
    )
}

fn subject_name(kind: SubjectKind, subject: u64, s: u64) -> String {
    let area = pick(AREAS, s >> 8);
    match kind {
        SubjectKind::IndividualBusiness => {
            format!(
                "福州市{area}区{}号{}店",
                subject % 9973,
                pick(TRADES, s >> 16)
            )
        }
        _ => format!(
            "福州{area}{}{}有限公司",
            pick(&["鑫", "恒", "盛", "达", "融", "闽", "榕", "海"], s >> 20),
            pick(TRADES, s >> 24)
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn record_body(
    r: u64,
    kind: SubjectKind,
    subject_identifier: String,
    subject_name: String,
    decided_on: NaiveDate,
    year: i32,
    serial: u64,
    roll: u64,
    run: u32,
) -> RecordSubmission {
    // Market supervision: licences, penalties, the abnormal-operations list,
    // some elevator records, the serious-violation list and honours.
    let category = match (kind, roll) {
        (_, 0..=44) => "administrative_licence",
        (_, 45..=74) => "administrative_penalty",
        (SubjectKind::Enterprise, 75..=89) => "abnormal_operations",
        (SubjectKind::Enterprise, 90..=93) => "elevator_bad_record",
        (_, 94..=96) => "market_serious_violation",
        (SubjectKind::Enterprise, _) => "industry_honour",
        _ => "administrative_licence",
    };
    let road = pick(ROADS, r >> 20);
    let mut severity = None;
    let mut valid_until = None;
    let (title, doc_type, number, content) = match category {
        "administrative_licence" => {
            valid_until = decided_on.checked_add_days(Days::new(5 * 365));
            let (matter, licence) = match (r >> 24) % 3 {
                0 => ("预包装食品销售、热食类食品制售", "食品经营许可证"),
                1 => ("工业产品生产许可（电线电缆）", "全国工业产品生产许可证"),
                _ => (
                    "特种设备安装改造修理（电梯）",
                    "中华人民共和国特种设备生产许可证",
                ),
            };
            (
                format!("{licence}（{matter}）"),
                "行政许可决定书",
                format!("榕市监许〔{year}〕{serial}号"),
                json!({
                    "matter": matter,
                    "permit_number": format!("JY2350{:010}", serial),
                    "licence_name": licence,
                    "basis": "《中华人民共和国行政许可法》",
                    "valid_from": decided_on.to_string(),
                }),
            )
        }
        "administrative_penalty" => {
            let sev = match (r >> 28) % 10 {
                0..=4 => Severity::Minor,
                5..=8 => Severity::General,
                _ => Severity::Serious,
            };
            severity = Some(sev);
            let fine = match sev {
                Severity::Minor => 500 + (r >> 32) % 5_000,
                Severity::General => 5_000 + (r >> 32) % 100_000,
                Severity::Serious => 100_000 + (r >> 32) % 2_000_000,
            };
            let (violation, basis) = match (r >> 24) % 4 {
                0 => (
                    "销售不符合食品安全标准的食品",
                    "《中华人民共和国食品安全法》第一百二十四条",
                ),
                1 => (
                    "产品标识不符合规定",
                    "《中华人民共和国产品质量法》第五十四条",
                ),
                2 => ("发布虚假广告", "《中华人民共和国广告法》第五十五条"),
                _ => (
                    "未取得营业执照从事经营活动",
                    "《无证无照经营查处办法》第十三条",
                ),
            };
            (
                violation.to_string(),
                "行政处罚决定书",
                format!("榕市监处罚〔{year}〕{serial}号"),
                json!({
                    "violation_type": violation,
                    "violation_facts": format!("经查，当事人于{}在{road}经营场所{violation}，违法事实清楚，证据确凿。", decided_on),
                    "basis": basis,
                    "penalty_type": "罚款",
                    "penalty_content": format!("责令改正，罚款人民币{fine}元"),
                    "fine_amount_yuan": fine,
                }),
            )
        }
        "abnormal_operations" => (
            "列入经营异常名录".to_string(),
            "列入经营异常名录决定书",
            format!("榕市监异〔{year}〕{serial}号"),
            json!({
                "listing_reason": pick(&[
                    "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告",
                    "通过登记的住所或者经营场所无法联系",
                    "公示企业信息隐瞒真实情况、弄虚作假",
                ], r >> 24),
                "listing_authority": "福州市市场监督管理局",
            }),
        ),
        "elevator_bad_record" => (
            "电梯维保不良信用记录".to_string(),
            "不良信用记录告知书",
            format!("榕市监特〔{year}〕{serial}号"),
            json!({
                "case_cause": "电梯维护保养不符合安全技术规范",
                "violation": format!("{road}某小区电梯维护保养记录与实际不符，存在安全隐患未及时消除"),
                "trigger": pick(&["hazard_not_removed", "maintenance_below_standard", "emergency_rescue_failure"], r >> 24),
                "tier": "city",
                "found_via": pick(&["supervision_check", "inspection_testing", "complaint_report"], r >> 26),
            }),
        ),
        "market_serious_violation" => (
            "列入严重违法失信名单".to_string(),
            "列入严重违法失信名单决定书",
            format!("榕市监严〔{year}〕{serial}号"),
            json!({
                "listing_reason": "被列入经营异常名录届满3年仍未履行相关义务",
                "listing_authority": "福州市市场监督管理局",
            }),
        ),
        _ => {
            valid_until = decided_on.checked_add_days(Days::new(3 * 365));
            (
                "福州市守合同重信用企业".to_string(),
                "公示决定",
                format!("榕市监信〔{year}〕{serial}号"),
                json!({
                    "honour_name": "福州市守合同重信用企业",
                    "conferred_by": "福州市市场监督管理局",
                    "level": "city",
                    "honour_year": year,
                }),
            )
        }
    };
    RecordSubmission {
        source_ref: format!("BENCH-{run}-{serial:08}"),
        category: category.to_string(),
        subject_identifier,
        subject_name,
        subject_kind: None,
        title,
        content,
        legal_basis: Some(LegalBasis {
            doc_type: doc_type.to_string(),
            number,
            issuer: "福州市市场监督管理局".to_string(),
            effective_on: decided_on,
        }),
        decided_on,
        conduct_ended_on: None,
        valid_until,
        severity,
        disclosure: Some(Disclosure::Public),
        disclosure_end: None,
        correction_reason: None,
    }
}

fn enum_str<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Writes the records as an import CSV: the flat columns, then one
/// `content.<field>` column per content field used.
pub fn write_csv(path: &Path, records: &[RecordSubmission]) -> std::io::Result<()> {
    let fields: BTreeSet<String> = records
        .iter()
        .filter_map(|r| r.content.as_object())
        .flat_map(|o| o.keys().cloned())
        .collect();
    let mut sink = CsvSink::with_fields(path, fields.into_iter().collect())?;
    for r in records {
        sink.write(r)?;
    }
    sink.finish()
}

/// An import CSV written record by record, so that millions of records
/// never sit in memory at once.
pub struct CsvSink {
    w: csv::Writer<std::io::BufWriter<std::fs::File>>,
    fields: Vec<String>,
}

impl CsvSink {
    /// A CSV with a `content.<field>` column for every content field the
    /// generator uses.
    pub fn create(path: &Path) -> std::io::Result<CsvSink> {
        let fields: BTreeSet<String> = generate(8000, 1, 0)
            .iter()
            .filter_map(|r| r.content.as_object())
            .flat_map(|o| o.keys().cloned())
            .collect();
        CsvSink::with_fields(path, fields.into_iter().collect())
    }

    fn with_fields(path: &Path, fields: Vec<String>) -> std::io::Result<CsvSink> {
        let file = std::io::BufWriter::new(std::fs::File::create(path)?);
        let mut w = csv::Writer::from_writer(file);
        let mut header: Vec<String> = xinyong::import::CSV_COLUMNS
            .iter()
            .map(|s| s.to_string())
            .collect();
        header.extend(fields.iter().map(|f| format!("content.{f}")));
        w.write_record(&header)?;
        Ok(CsvSink { w, fields })
    }

    pub fn write(&mut self, r: &RecordSubmission) -> std::io::Result<()> {
        let empty = Map::new();
        let lb = r.legal_basis.as_ref();
        let opt = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let mut row = vec![
            r.source_ref.clone(),
            r.category.clone(),
            r.subject_identifier.clone(),
            r.subject_name.clone(),
            r.subject_kind.map(|k| enum_str(&k)).unwrap_or_default(),
            r.title.clone(),
            r.decided_on.to_string(),
            opt(r.conduct_ended_on),
            opt(r.valid_until),
            r.severity.map(|s| enum_str(&s)).unwrap_or_default(),
            r.disclosure.map(|d| enum_str(&d)).unwrap_or_default(),
            opt(r.disclosure_end),
            r.correction_reason.clone().unwrap_or_default(),
            lb.map(|b| b.doc_type.clone()).unwrap_or_default(),
            lb.map(|b| b.number.clone()).unwrap_or_default(),
            lb.map(|b| b.issuer.clone()).unwrap_or_default(),
            opt(lb.map(|b| b.effective_on)),
        ];
        let content = r.content.as_object().unwrap_or(&empty);
        for f in &self.fields {
            row.push(match content.get(f) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            });
        }
        self.w.write_record(&row)?;
        Ok(())
    }

    pub fn finish(self) -> std::io::Result<()> {
        self.w
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?
            .flush()
    }
}

/// Record number `i` of run `run` (about subject `i / per_subject`), for
/// streaming generation.
pub fn record_at(i: u64, per_subject: u64, run: u32) -> RecordSubmission {
    record(i, i / per_subject.max(1), run)
}

/// Writes the records as JSON Lines.
pub fn write_jsonl(path: &Path, records: &[RecordSubmission]) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    for r in records {
        serde_json::to_writer(&mut w, r)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

/// A record as the `submitRecords` mutation's `RecordInput` (camelCase
/// names, enum values in capitals).
pub fn graphql_record(r: &RecordSubmission) -> Value {
    let upper = |s: String| s.to_ascii_uppercase();
    let mut o = Map::new();
    o.insert("sourceRef".into(), json!(r.source_ref));
    o.insert("category".into(), json!(r.category));
    o.insert("subjectIdentifier".into(), json!(r.subject_identifier));
    o.insert("subjectName".into(), json!(r.subject_name));
    if let Some(k) = r.subject_kind {
        o.insert("subjectKind".into(), json!(upper(enum_str(&k))));
    }
    o.insert("title".into(), json!(r.title));
    o.insert("content".into(), r.content.clone());
    if let Some(b) = &r.legal_basis {
        o.insert(
            "legalBasis".into(),
            json!({ "docType": b.doc_type, "number": b.number, "issuer": b.issuer, "effectiveOn": b.effective_on }),
        );
    }
    o.insert("decidedOn".into(), json!(r.decided_on));
    for (k, v) in [
        ("conductEndedOn", r.conduct_ended_on),
        ("validUntil", r.valid_until),
        ("disclosureEnd", r.disclosure_end),
    ] {
        if let Some(d) = v {
            o.insert(k.into(), json!(d));
        }
    }
    if let Some(s) = r.severity {
        o.insert("severity".into(), json!(upper(enum_str(&s))));
    }
    if let Some(d) = r.disclosure {
        o.insert("disclosure".into(), json!(upper(enum_str(&d))));
    }
    if let Some(c) = &r.correction_reason {
        o.insert("correctionReason".into(), json!(c));
    }
    Value::Object(o)
}

/// The `submitRecords` mutation, asking only for the counts and the errors.
pub const SUBMIT_RECORDS: &str = "mutation($input: SubmitRecordsInput!) { submitRecords(input: $input) { accepted unchanged corrected rejected userErrors { code message } results { status userErrors { field code message } } } }";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_records_are_valid_and_deterministic() {
        let a = generate(2000, 4, 1);
        assert_eq!(a, generate(2000, 4, 1));
        for r in &a {
            Uscc::parse(&r.subject_identifier).unwrap();
        }
        let cats: BTreeSet<&str> = a.iter().map(|r| r.category.as_str()).collect();
        assert!(cats.len() >= 5, "{cats:?}");
        // Batches of 1,000 have disjoint subjects.
        let first: BTreeSet<&str> = a[..1000]
            .iter()
            .map(|r| r.subject_identifier.as_str())
            .collect();
        assert!(
            a[1000..]
                .iter()
                .all(|r| !first.contains(r.subject_identifier.as_str()))
        );
        assert_ne!(
            generate(1, 1, 2)[0].subject_identifier,
            a[0].subject_identifier
        );
    }
}
