//! `xinyong import`: the real binary on CSV and JSON Lines files — counts,
//! idempotent re-runs, line-numbered rejections, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sea_orm::DatabaseConnection;
use xinyong::domain::identifier::{USCC_ALPHABET, Uscc};
use xinyong::service::demo;
use xinyong_tests::{TestDb, xinyong_bin};

struct Env {
    db: TestDb,
    dir: tempfile::TempDir,
}

impl Env {
    /// A fresh database with the demo data set (which has the department).
    async fn seeded() -> Env {
        let env = Env {
            db: TestDb::empty().await,
            dir: tempfile::tempdir().unwrap(),
        };
        let o = env.run(&["seed-demo"]);
        assert!(o.status.success(), "seed-demo: {}", stderr(&o));
        env
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(xinyong_bin())
            .args(args)
            .env("XINYONG_DATABASE_URL", &self.db.url)
            .env("XINYONG_DATA_DIR", self.dir.path())
            .env("XINYONG_LOG", "warn")
            .env_remove("XINYONG_CONFIG")
            .current_dir(self.dir.path())
            .output()
            .expect("the binary runs")
    }

    fn import(&self, file: &Path, extra: &[&str]) -> Output {
        let mut args = vec![
            "import",
            "--department",
            demo::MARKET_DEPARTMENT_CODE,
            file.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    async fn conn(&self) -> DatabaseConnection {
        self.db.connect().await
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A number from the summary line `  <key>:  <n>`.
fn count(summary: &str, key: &str) -> u64 {
    summary
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key:?} in the summary:\n{summary}"))
}

/// A valid USCC: `91350100MC` + seven base-31 characters of `n`.
fn uscc(n: u64) -> String {
    let alphabet = USCC_ALPHABET.as_bytes();
    let mut v = n;
    let mut code = [b'0'; 7];
    for slot in code.iter_mut().rev() {
        *slot = alphabet[(v % 31) as usize];
        v /= 31;
    }
    Uscc::from_body(&format!(
        "91350100MC{}",
        std::str::from_utf8(&code).unwrap()
    ))
    .unwrap()
    .as_str()
    .to_string()
}

const HEADER: &str = "source_ref,category,subject_identifier,subject_name,title,decided_on,valid_until,severity,disclosure,legal_basis_doc_type,legal_basis_number,legal_basis_issuer,legal_basis_effective_on,content.matter,content.permit_number,content.violation_type,content.basis,content.penalty_content,content.fine_amount_yuan";

/// One good CSV row: a licence for even `i`, a penalty with a fine for odd.
fn good_row(i: u64, subject: u64) -> String {
    let id = uscc(subject);
    if i.is_multiple_of(2) {
        format!(
            "T-{i:06},administrative_licence,{id},福州测试{subject}有限公司,食品经营许可,2026-03-0{d},2031-03-01,,public,行政许可决定书,榕市监许〔2026〕{i}号,福州市市场监督管理局,2026-03-0{d},预包装食品销售,JY{i:010},,,,\n",
            d = 1 + i % 9
        )
    } else {
        format!(
            "T-{i:06},administrative_penalty,{id},福州测试{subject}有限公司,产品标识不符合规定,2026-04-1{d},,{sev},public,行政处罚决定书,榕市监罚〔2026〕{i}号,福州市市场监督管理局,2026-04-1{d},,,产品标识不符合规定,《中华人民共和国产品质量法》第五十四条,\"责令改正，罚款人民币2,000元\",{fine}\n",
            d = i % 9,
            sev = ["minor", "general"][(i / 2 % 2) as usize],
            fine = 2000 + i % 1000
        )
    }
}

async fn records_of_the_department(conn: &DatabaseConnection, like: &str) -> i64 {
    TestDb::scalar_i64(
        conn,
        &format!(
            "SELECT COUNT(*) FROM credit_record r JOIN department d ON d.id = r.department_id WHERE d.code = '{}' AND r.source_ref LIKE '{like}'",
            demo::MARKET_DEPARTMENT_CODE
        ),
    )
    .await
}

#[tokio::test]
async fn a_100k_row_csv_imports_and_a_rerun_changes_nothing() {
    const ROWS: u64 = 100_000;
    let env = Env::seeded().await;
    let file = env.path("records.csv");
    let mut text = String::with_capacity(ROWS as usize * 330);
    text.push_str(HEADER);
    text.push('\n');
    for i in 0..ROWS {
        // Twenty records per subject: 5,000 new enterprises.
        text.push_str(&good_row(i, i / 20));
    }
    std::fs::write(&file, &text).unwrap();
    drop(text);

    let first = env.import(&file, &[]);
    let out = stdout(&first);
    assert_eq!(first.status.code(), Some(0), "{out}\n{}", stderr(&first));
    assert_eq!(count(&out, "rows read"), ROWS, "{out}");
    assert_eq!(count(&out, "accepted"), ROWS, "{out}");
    assert_eq!(count(&out, "rejected"), 0, "{out}");
    assert!(
        stderr(&first).trim().is_empty(),
        "no progress output when stderr is not a terminal: {}",
        stderr(&first)
    );

    let conn = env.conn().await;
    assert_eq!(records_of_the_department(&conn, "T-%").await, ROWS as i64);
    let totals = |conn: DatabaseConnection| async move {
        let mut v = Vec::new();
        for t in [
            "credit_record",
            "record_revision",
            "subject",
            "change_event",
        ] {
            v.push(TestDb::scalar_i64(&conn, &format!("SELECT COUNT(*) FROM {t}")).await);
        }
        v
    };
    let before = totals(conn.clone()).await;

    // The report has one line per row, in file order.
    let report = std::fs::read_to_string(env.path("records.csv.report.csv")).unwrap();
    let mut lines = report.lines();
    assert_eq!(
        lines.next(),
        Some("line,source_ref,outcome,field,code,message")
    );
    assert_eq!(lines.next(), Some("2,T-000000,accepted,,,"));
    assert_eq!(report.lines().count(), ROWS as usize + 1);

    let again = env.import(&file, &[]);
    let out = stdout(&again);
    assert_eq!(again.status.code(), Some(0), "{out}\n{}", stderr(&again));
    assert_eq!(count(&out, "unchanged"), ROWS, "{out}");
    assert_eq!(count(&out, "accepted"), 0, "{out}");
    assert_eq!(count(&out, "corrected"), 0, "{out}");
    assert!(out.contains("unchanged"), "{out}");
    assert!(
        out.contains(&format!("All {ROWS} rows unchanged")),
        "the summary says nothing changed:\n{out}"
    );
    assert_eq!(totals(conn).await, before, "a re-run writes nothing");
}

#[tokio::test]
async fn bad_rows_are_reported_by_line_and_the_good_ones_imported() {
    let env = Env::seeded().await;
    let file = env.path("mixed.csv");
    let mut text = String::from("\u{feff}");
    text.push_str(HEADER);
    text.push('\n');
    text.push_str(&good_row(0, 900_001)); // line 2
    text.push_str(&good_row(1, 900_001).replace("2026-04-11", "2026-02-30")); // 3: bad dates
    text.push_str(&good_row(2, 900_002)); // 4
    text.push_str(&good_row(3, 900_002).replace(",general,", ",grave,")); // 5: bad enum
    text.push_str("T-000004,administrative_licence,x\n"); // 6: too few fields
    let mut bad_id = uscc(900_003);
    bad_id.pop();
    bad_id.push(if uscc(900_003).ends_with('0') {
        '1'
    } else {
        '0'
    });
    text.push_str(&good_row(6, 900_003).replace(&uscc(900_003), &bad_id)); // 7: check digit
    // Lines 8-9: one record whose quoted title spans two lines.
    text.push_str(&good_row(8, 900_004).replace("食品经营许可", "\"食品经营许可\n（第二行）\""));
    text.push_str(&good_row(9, 900_004).replace(",2009\n", ",lots\n")); // 10: not a number
    text.push_str(&good_row(10, 900_005)); // 11
    text.push_str(&good_row(12, 900_005).replace("T-000012", "")); // 12: no source_ref
    std::fs::write(&file, &text).unwrap();

    let report_path = env.path("out/report.csv");
    std::fs::create_dir_all(report_path.parent().unwrap()).unwrap();
    let o = env.import(&file, &["--report", report_path.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{}", stderr(&o));
    assert_eq!(count(&out, "rows read"), 10, "{out}");
    assert_eq!(count(&out, "accepted"), 4, "{out}");
    assert_eq!(count(&out, "rejected"), 6, "{out}");
    assert!(
        out.contains("REJECTED"),
        "the summary says rows were rejected:\n{out}"
    );

    let report = std::fs::read_to_string(&report_path).unwrap();
    // line,source_ref,outcome,field,code,message: only the message may hold commas here.
    let rows: Vec<(u64, String, String, String, String)> = report
        .lines()
        .skip(1)
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|l| {
            let cols: Vec<&str> = l.splitn(6, ',').collect();
            (
                cols[0].parse().unwrap(),
                cols[1].to_string(),
                cols[2].to_string(),
                cols[3].to_string(),
                cols[4].to_string(),
            )
        })
        .collect();
    let has = |line: u64, outcome: &str, field: &str, code: &str| {
        rows.iter()
            .any(|(l, _, o, f, c)| *l == line && o == outcome && f == field && c == code)
    };
    assert!(has(2, "accepted", "", ""), "{report}");
    assert!(has(3, "rejected", "decided_on", "DATE_INVALID"), "{report}");
    assert!(
        has(3, "rejected", "legal_basis_effective_on", "DATE_INVALID"),
        "{report}"
    );
    assert!(has(4, "accepted", "", ""), "{report}");
    assert!(has(5, "rejected", "severity", "ENUM_INVALID"), "{report}");
    assert!(has(6, "rejected", "", "ROW_COLUMN_COUNT"), "{report}");
    assert!(
        rows.iter().any(|(l, sr, o, f, _)| *l == 7
            && sr == "T-000006"
            && o == "rejected"
            && f == "subject_identifier"),
        "service rejections carry the line and the CSV column:\n{report}"
    );
    assert!(has(8, "accepted", "", ""), "{report}");
    assert!(
        has(10, "rejected", "content.fine_amount_yuan", "NUMBER_INVALID"),
        "{report}"
    );
    assert!(has(11, "accepted", "", ""), "{report}");
    assert!(
        rows.iter()
            .any(|(l, _, o, f, _)| *l == 12 && o == "rejected" && f == "source_ref"),
        "{report}"
    );

    let conn = env.conn().await;
    assert_eq!(records_of_the_department(&conn, "T-%").await, 4);
    // The two-line title arrived whole.
    assert_eq!(
        TestDb::scalar_i64(
            &conn,
            "SELECT COUNT(*) FROM credit_record WHERE source_ref = 'T-000008' AND title LIKE '%第二行%'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn json_lines_import_with_corrections() {
    let env = Env::seeded().await;
    let id = uscc(910_001);
    let line = |source_ref: &str, title: &str, reason: Option<&str>| {
        let mut v = serde_json::json!({
            "source_ref": source_ref,
            "category": "abnormal_operations",
            "subject_identifier": id,
            "subject_name": "福州测试异常有限公司",
            "title": title,
            "decided_on": "2026-05-06",
            "disclosure": "public",
            "legal_basis": { "doc_type": "列入经营异常名录决定书", "number": format!("榕市监异〔2026〕{source_ref}号"), "issuer": "福州市市场监督管理局", "effective_on": "2026-05-06" },
            "content": { "listing_reason": "通过登记的住所或者经营场所无法联系", "listing_authority": "福州市市场监督管理局" }
        });
        if let Some(r) = reason {
            v["correction_reason"] = serde_json::json!(r);
        }
        v.to_string()
    };
    let file = env.path("records.jsonl");
    let text = [
        line("J-1", "列入经营异常名录", None),
        String::new(), // blank lines are skipped
        line("J-2", "列入经营异常名录", None),
        "{\"source_ref\": \"J-3\", ".to_string(),
        line("J-4", "列入经营异常名录", None).replace("abnormal_operations", "no_such_category"),
    ]
    .join("\n");
    std::fs::write(&file, text).unwrap();
    let o = env.import(&file, &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{}", stderr(&o));
    assert_eq!(count(&out, "rows read"), 4, "{out}");
    assert_eq!(count(&out, "accepted"), 2, "{out}");
    assert_eq!(count(&out, "rejected"), 2, "{out}");
    let report = std::fs::read_to_string(env.path("records.jsonl.report.csv")).unwrap();
    assert!(report.contains("\n4,,rejected,,JSON_INVALID,"), "{report}");
    assert!(
        report.contains("\n5,J-4,rejected,category,CATEGORY_UNKNOWN,"),
        "{report}"
    );

    // Changed without a reason: refused; with one: a correction. `--format`
    // overrides the extension.
    let changed = env.path("changed.txt");
    std::fs::write(
        &changed,
        [
            line("J-1", "列入经营异常名录（更正）", None),
            line("J-2", "列入经营异常名录（更正）", Some("决定书文字更正")),
        ]
        .join("\n"),
    )
    .unwrap();
    let o = env.import(&changed, &["--format", "jsonl"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{}", stderr(&o));
    assert_eq!(count(&out, "corrected"), 1, "{out}");
    assert_eq!(count(&out, "rejected"), 1, "{out}");
    let report = std::fs::read_to_string(env.path("changed.txt.report.csv")).unwrap();
    assert!(
        report.contains("1,J-1,rejected,correction_reason,CORRECTION_REASON_REQUIRED"),
        "{report}"
    );
    assert!(report.contains("2,J-2,corrected,"), "{report}");
}

#[tokio::test]
async fn usage_errors_exit_with_2_and_change_nothing() {
    let env = Env::seeded().await;
    let file = env.path("one.csv");
    std::fs::write(&file, format!("{HEADER}\n{}", good_row(0, 920_001))).unwrap();

    let o = env.run(&[
        "import",
        "--department",
        "NO-SUCH-DEPT",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("NO-SUCH-DEPT"), "{}", stderr(&o));

    let o = env.import(&env.path("missing.csv"), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("missing.csv"), "{}", stderr(&o));

    let txt = env.path("records.txt");
    std::fs::copy(&file, &txt).unwrap();
    let o = env.import(&txt, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--format"), "{}", stderr(&o));
    let o = env.import(&txt, &["--format", "xml"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    let bad_header = env.path("bad-header.csv");
    std::fs::write(&bad_header, "source_ref,colour\nA,red\n").unwrap();
    let o = env.import(&bad_header, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("colour"), "{}", stderr(&o));

    let conn = env.conn().await;
    assert_eq!(records_of_the_department(&conn, "T-%").await, 0);

    // The same file with the right department goes in.
    let o = env.import(&file, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(records_of_the_department(&conn, "T-%").await, 1);
}

/// Each created record stores exactly its row's values (on PostgreSQL the
/// batch travels as column arrays, absent values as sentinels turned back
/// into NULL) and no revision: version 1 is the record itself. The stored
/// payload hash is the one a re-run computes, and a correction's revision
/// holds the record as stored as its `before`.
#[tokio::test]
async fn records_hold_their_rows_and_corrections_their_before() {
    use chrono::NaiveDate;
    use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, QueryFilter};
    let env = Env::seeded().await;
    let file = env.path("snap.csv");
    let rows: Vec<String> = (0..40).map(|i| good_row(i, i / 3)).collect();
    std::fs::write(&file, format!("{HEADER}\n{}", rows.concat())).unwrap();
    let o = env.import(&file, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(count(&stdout(&o), "accepted"), 40);

    let conn = env.conn().await;
    let find = || {
        entity::credit_record::Entity::find()
            .filter(entity::credit_record::Column::SourceRef.like("T-%"))
            .all(&conn)
    };
    let records = find().await.unwrap();
    assert_eq!(records.len(), 40);
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    for r in &records {
        let i: u64 = r.source_ref[2..].parse().unwrap();
        let day = (if i.is_multiple_of(2) {
            1 + i % 9
        } else {
            10 + i % 9
        }) as u32;
        assert_eq!(r.version, 1);
        assert_eq!(r.conduct_ended_on, None, "{}", r.source_ref);
        assert_eq!(
            r.legal_basis_issuer.as_deref(),
            Some("福州市市场监督管理局")
        );
        if i.is_multiple_of(2) {
            assert_eq!(r.title, "食品经营许可");
            assert_eq!(r.decided_on, date(2026, 3, day).unwrap());
            assert_eq!(r.valid_until, date(2031, 3, 1), "{}", r.source_ref);
            assert_eq!(r.severity, None, "{}", r.source_ref);
            assert_eq!(r.legal_basis_type.as_deref(), Some("行政许可决定书"));
            assert_eq!(r.legal_basis_number, Some(format!("榕市监许〔2026〕{i}号")));
            assert_eq!(r.legal_basis_effective_on, date(2026, 3, day));
            assert_eq!(r.content["permit_number"], format!("JY{i:010}"));
            // Basic information: public until the subject ends.
            assert_eq!(r.disclosure_end, None, "{}", r.source_ref);
        } else {
            let sev = ["minor", "general"][(i / 2 % 2) as usize];
            assert_eq!(r.decided_on, date(2026, 4, day).unwrap());
            assert_eq!(r.valid_until, None, "{}", r.source_ref);
            assert_eq!(r.severity.map(|s| s.to_value()).as_deref(), Some(sev));
            assert_eq!(r.legal_basis_type.as_deref(), Some("行政处罚决定书"));
            assert_eq!(r.content["fine_amount_yuan"], 2000 + i % 1000);
            assert!(r.disclosure_end.is_some_and(|e| e > r.decided_on));
        }
        assert_eq!(r.payload_hash.len(), 64);
    }
    let revisions = |conn| {
        entity::record_revision::Entity::find()
            .filter(
                entity::record_revision::Column::RecordId
                    .is_in(records.iter().map(|r| r.id).collect::<Vec<_>>()),
            )
            .all(conn)
    };
    assert!(revisions(&conn).await.unwrap().is_empty());

    // The same file again: every stored hash matches the recomputed one.
    let again = env.import(&file, &[]);
    assert_eq!(
        count(&stdout(&again), "unchanged"),
        40,
        "{}",
        stdout(&again)
    );

    // A correction of the first row: its revision's `before` is the record
    // as the first import stored it.
    let first = records.iter().find(|r| r.source_ref == "T-000000").unwrap();
    let corrected: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let row = row.trim_end();
            match i {
                0 => format!(
                    "{},许可事项录入错误\n",
                    row.replacen("食品经营许可", "食品经营许可（更正）", 1)
                ),
                _ => format!("{row},\n"),
            }
        })
        .collect();
    std::fs::write(
        &file,
        format!("{HEADER},correction_reason\n{}", corrected.concat()),
    )
    .unwrap();
    let fix = env.import(&file, &[]);
    assert_eq!(count(&stdout(&fix), "corrected"), 1, "{}", stdout(&fix));
    let stored = revisions(&conn).await.unwrap();
    assert_eq!(stored.len(), 1);
    let expected = serde_json::json!({
        "title": first.title, "content": first.content, "category_id": first.category_id,
        "legal_basis": { "type": first.legal_basis_type, "number": first.legal_basis_number, "issuer": first.legal_basis_issuer, "effective_on": first.legal_basis_effective_on },
        "decided_on": first.decided_on, "conduct_ended_on": first.conduct_ended_on, "valid_until": first.valid_until,
        "severity": first.severity, "disclosure": first.disclosure,
        "disclosure_start": first.disclosure_start, "disclosure_end": first.disclosure_end,
        "status": first.status,
    });
    assert_eq!((stored[0].record_id, stored[0].version), (first.id, 2));
    assert_eq!(stored[0].before.as_ref(), Some(&expected));
    assert_eq!(stored[0].after["title"], "食品经营许可（更正）");
}

/// An import killed (SIGKILL) while batches are in the database leaves
/// whole batches only: every record written has its change event (and no
/// revision: a creation writes none), no subject is left without its records, and running the file
/// again completes it.
#[tokio::test]
async fn a_killed_import_leaves_whole_batches_and_a_rerun_completes_it() {
    const ROWS: u64 = 30_000;
    let env = Env::seeded().await;
    let file = env.path("kill.csv");
    let mut text = format!("{HEADER}\n");
    for i in 0..ROWS {
        text.push_str(&good_row(i, 100_000 + i / 4));
    }
    std::fs::write(&file, &text).unwrap();
    let mut child = Command::new(xinyong_bin())
        .args(["import", "--department", demo::MARKET_DEPARTMENT_CODE])
        .arg(&file)
        .env("XINYONG_DATABASE_URL", &env.db.url)
        .env("XINYONG_DATA_DIR", env.dir.path())
        .env("XINYONG_LOG", "warn")
        .env_remove("XINYONG_CONFIG")
        .current_dir(env.dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let conn = env.conn().await;
    // Kill it once some batches are committed and others are in flight.
    let started = std::time::Instant::now();
    while records_of_the_department(&conn, "T-%").await < 2_000
        && started.elapsed() < std::time::Duration::from_secs(120)
    {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let written = records_of_the_department(&conn, "T-%").await;
    assert!(written > 0, "the kill came before any batch");
    for (what, sql) in [
        (
            "new records with a revision",
            "SELECT COUNT(*) FROM credit_record r WHERE r.source_ref LIKE 'T-%' AND EXISTS (SELECT 1 FROM record_revision v WHERE v.record_id = r.id)",
        ),
        (
            "records without exactly one change event",
            "SELECT COUNT(*) FROM credit_record r WHERE r.source_ref LIKE 'T-%' AND (SELECT COUNT(*) FROM change_event e WHERE e.record_id = r.id) <> 1",
        ),
        (
            "registered subjects without records",
            "SELECT COUNT(*) FROM subject s WHERE s.name LIKE '福州测试%' AND NOT EXISTS (SELECT 1 FROM credit_record r WHERE r.subject_id = s.id)",
        ),
    ] {
        assert_eq!(TestDb::scalar_i64(&conn, sql).await, 0, "{what}");
    }

    let again = env.import(&file, &[]);
    let out = stdout(&again);
    assert_eq!(again.status.code(), Some(0), "{out}\n{}", stderr(&again));
    assert_eq!(count(&out, "unchanged"), written as u64, "{out}");
    assert_eq!(count(&out, "accepted"), ROWS - written as u64, "{out}");
    assert_eq!(records_of_the_department(&conn, "T-%").await, ROWS as i64);
}
