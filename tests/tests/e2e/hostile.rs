//! Hostile input: GraphQL documents built to exhaust the server (oversized,
//! deeply nested, alias floods, huge variables, introspection abuse) each get
//! a clear limit error and the server stays healthy; an import file of random
//! garbage mixed with good records imports exactly the good ones. The long
//! reliability runs (database restart, kill -9) are scripts:
//! docs/reliability.md.

use std::process::Command;

use serde_json::{Value, json};
use xinyong::service::demo;
use xinyong_tests::{TestApp, TestDb, xinyong_bin};

/// POSTs a raw body to /graphql; returns the status and the body text.
async fn post_raw(app: &TestApp, body: String) -> (u16, String) {
    let resp = app
        .http
        .post(format!("{}/graphql", app.base_url))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the server answers");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

fn code_of(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    v["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_string)
}

/// The server still answers health checks and ordinary queries.
async fn assert_healthy(app: &TestApp) {
    let h = app
        .http
        .get(format!("{}/healthz", app.base_url))
        .send()
        .await
        .expect("healthz answers");
    assert_eq!(h.status().as_u16(), 200);
    let r = app
        .graphql("{ recordCategories { code } }", json!({}), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["errors"].is_null(), "{}", r.body);
    assert!(
        r.data()["recordCategories"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
}

#[tokio::test]
async fn an_oversized_document_is_refused_before_it_is_parsed() {
    let app = TestApp::spawn().await;
    let limit = app.state.config.max_body_bytes;
    // A syntactically valid document just over the body limit.
    let filler = "a".repeat(limit);
    let body = json!({ "query": format!("{{ __typename }} # {filler}") }).to_string();
    assert!(body.len() > limit);
    let (status, text) = post_raw(&app, body).await;
    // HTTP 413 Payload Too Large, from the body limit: nothing was parsed.
    assert_eq!(status, 413, "{}", &text[..text.len().min(300)]);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn huge_variables_are_refused_or_rejected_by_the_field_rules() {
    let app = TestApp::spawn().await;
    let limit = app.state.config.max_body_bytes;
    // Over the limit: refused whole.
    let big = "信".repeat(limit / 3 + 10);
    let body = json!({
        "query": "query($q: String!) { searchSubjects(query: $q, first: 5) { edges { node { id } } } }",
        "variables": { "q": big }
    })
    .to_string();
    let (status, text) = post_raw(&app, body).await;
    assert_eq!(status, 413, "{}", &text[..text.len().min(300)]);
    // Under the limit but far beyond what the field allows: a field error.
    let r = app
        .graphql(
            "query($q: String!) { searchSubjects(query: $q, first: 5) { edges { node { id } } } }",
            json!({ "q": "信".repeat(200_000) }),
            None,
        )
        .await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{}", r.body);
    // Thousands of unused variables of nested objects.
    let vars: serde_json::Map<String, Value> = (0..20_000)
        .map(|i| (format!("v{i}"), json!({ "a": [1, 2, { "b": "c" }] })))
        .collect();
    let r = app
        .graphql("{ __typename }", Value::Object(vars), None)
        .await;
    assert!(r.status == 200 || r.status == 400, "{}", r.status);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn deep_nesting_is_refused_as_too_complex_or_unparseable() {
    let app = TestApp::spawn().await;
    // Deep introspection: over the depth limit.
    let mut q = String::from("name");
    for _ in 0..40 {
        q = format!("ofType {{ {q} }}");
    }
    let doc = format!("{{ __schema {{ types {{ fields {{ type {{ {q} }} }} }} }} }}");
    let r = app.graphql(&doc, json!({}), None).await;
    assert_eq!(r.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", r.body);
    assert!(r.data().is_null());

    // Brace bombs: the parser's recursion limit, not a stack overflow.
    for n in [100, 10_000, 200_000] {
        let doc = format!("{}{}", "{ a ".repeat(n), "}".repeat(n));
        let r = app.graphql(&doc, json!({}), None).await;
        assert_eq!(
            r.error_code(),
            Some("GRAPHQL_PARSE_FAILED"),
            "depth {n}: {}",
            r.body
        );
    }
    // Deep JSON in the variables (serde's recursion limit).
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let body = format!("{{\"query\":\"{{ __typename }}\",\"variables\":{{\"x\":{deep}}}}}");
    let (status, _) = post_raw(&app, body).await;
    assert_eq!(status, 400);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn alias_floods_are_refused_by_the_complexity_limit() {
    let app = TestApp::spawn().await;
    let max = app.state.config.graphql_max_complexity;
    // Each alias is a field to resolve: beyond the complexity limit the
    // whole operation is refused before anything runs.
    for field in [
        "__typename",
        "recordCategories { code }",
        "nodes(ids: []) { id }",
    ] {
        let doc: String = (0..max + 1).map(|i| format!("a{i}: {field} ")).collect();
        let r = app.graphql(&format!("{{ {doc} }}"), json!({}), None).await;
        assert_eq!(
            r.error_code(),
            Some("QUERY_TOO_COMPLEX"),
            "{field}: {}",
            r.body
        );
        assert!(r.data().is_null(), "{field}");
    }
    // Fragment spreads multiply the same way.
    let frag = "fragment F on Query { a: recordCategories { code } b: recordCategories { code } }";
    let spreads: String = (0..max)
        .map(|i| format!("x{i}: __typename ...F "))
        .collect();
    let r = app
        .graphql(&format!("{{ {spreads} }} {frag}"), json!({}), None)
        .await;
    assert!(
        matches!(
            r.error_code(),
            Some("QUERY_TOO_COMPLEX") | Some("GRAPHQL_VALIDATION_FAILED")
        ),
        "{}",
        r.body
    );
    assert_healthy(&app).await;
}

#[tokio::test]
async fn introspection_abuse_is_bounded() {
    let app = TestApp::spawn().await;
    // One full introspection is allowed (tools need it) …
    let full = "{ __schema { types { name kind fields { name args { name type { name kind ofType { name kind } } } type { name kind ofType { name kind } } } } } }";
    let r = app.graphql(full, json!({}), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // … fifty of them in one document are not.
    let many: String = (0..50)
        .map(|i| {
            format!("s{i}: __schema {{ types {{ name fields {{ name type {{ name }} }} }} }} ")
        })
        .collect();
    let r = app.graphql(&format!("{{ {many} }}"), json!({}), None).await;
    assert_eq!(r.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", r.body);
    // Directive floods are refused too.
    let directives = "@include(if: true) ".repeat(50);
    let r = app
        .graphql(&format!("{{ __typename {directives} }}"), json!({}), None)
        .await;
    assert!(r.error_code().is_some(), "{}", r.body);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn malformed_requests_get_a_clear_error_and_change_nothing() {
    let app = TestApp::spawn().await;
    for body in [
        String::new(),
        "not json".to_string(),
        "{\"query\": 5}".to_string(),
        "{\"query\": \"{ __typename \"}".to_string(),
        "[]".to_string(),
        String::from_utf8_lossy(&[0xff, 0xfe, 0x00, 0x7b]).into_owned(),
    ] {
        let (status, text) = post_raw(&app, body.clone()).await;
        assert!(
            (200..500).contains(&status),
            "{body:?}: HTTP {status} {text}"
        );
        if status == 200 {
            assert!(code_of(&text).is_some(), "{body:?}: {text}");
        }
    }
    assert_healthy(&app).await;
}

/// splitmix64, so that the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn uscc(n: u64) -> String {
    use xinyong::domain::identifier::{USCC_ALPHABET, Uscc};
    let alphabet = USCC_ALPHABET.as_bytes();
    let mut v = n;
    let mut code = [b'0'; 7];
    for slot in code.iter_mut().rev() {
        *slot = alphabet[(v % 31) as usize];
        v /= 31;
    }
    let body = format!("91350100MH{}", String::from_utf8_lossy(&code));
    Uscc::from_body(&body)
        .map(|u| u.as_str().to_string())
        .unwrap_or(body)
}

fn good_record(i: usize) -> Value {
    json!({
        "source_ref": format!("H-{i:06}"),
        "category": "administrative_licence",
        "subject_identifier": uscc(i as u64 / 3),
        "subject_name": format!("福州抗压测试{}有限公司", i / 3),
        "title": "食品经营许可",
        "content": { "matter": "预包装食品销售", "permit_number": format!("JY{i:010}") },
        "legal_basis": { "doc_type": "行政许可决定书", "number": format!("榕市监许〔2026〕{i}号"),
                         "issuer": "福州市市场监督管理局", "effective_on": "2026-03-02" },
        "decided_on": "2026-03-02",
        "valid_until": "2031-03-01",
        "disclosure": "public"
    })
}

/// A line that is certainly not an acceptable record.
fn bad_line(rng: &mut Rng, i: usize) -> Vec<u8> {
    match rng.below(10) {
        0 => (0..rng.below(200))
            .map(|_| rng.next() as u8)
            .filter(|b| *b != b'\n')
            .collect(),
        1 => b"{\"source_ref\": \"H-".to_vec(),
        2 => b"[1, 2, 3]".to_vec(),
        3 => format!("{}1{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
        4 => {
            let mut r = good_record(i);
            r["title"] = json!("题".repeat(300_000));
            r["decided_on"] = json!("2026-13-45");
            r.to_string().into_bytes()
        }
        5 => {
            let mut r = good_record(i);
            r["subject_identifier"] = json!("91350100MH00000000");
            r.to_string().into_bytes()
        }
        6 => {
            let mut r = good_record(i);
            r["decided_on"] = json!(20260302);
            r.to_string().into_bytes()
        }
        7 => {
            let mut r = good_record(i);
            r["source_ref"] = json!("");
            r.to_string().into_bytes()
        }
        8 => {
            let mut r = good_record(i);
            r["category"] = json!("religion\u{0}");
            r.to_string().into_bytes()
        }
        _ => {
            let mut r = good_record(i).to_string().into_bytes();
            r.truncate(rng.below(r.len()));
            r
        }
    }
}

#[tokio::test]
async fn a_garbage_json_lines_file_imports_exactly_its_good_records() {
    let db = TestDb::empty().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(xinyong_bin())
            .args(args)
            .env("XINYONG_DATABASE_URL", &db.url)
            .env("XINYONG_DATA_DIR", dir.path())
            .env("XINYONG_LOG", "warn")
            .env_remove("XINYONG_CONFIG")
            .output()
            .expect("the binary runs")
    };
    let o = run(&["seed-demo"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let mut rng = Rng(0xBAD_F11E);
    let mut file = Vec::new();
    let (mut good, mut bad) = (0u64, 0u64);
    for i in 0..3000 {
        if rng.below(2) == 0 {
            file.extend(good_record(i).to_string().into_bytes());
            good += 1;
        } else {
            let line = bad_line(&mut rng, i);
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                continue; // blank lines are skipped, not rows
            }
            file.extend(line);
            bad += 1;
        }
        file.push(b'\n');
    }
    let path = dir.path().join("hostile.jsonl");
    std::fs::write(&path, &file).unwrap();
    let o = run(&[
        "import",
        "--department",
        demo::MARKET_DEPARTMENT_CODE,
        path.to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    let count = |key: &str| -> u64 {
        out.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{key}:")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {key} in\n{out}"))
    };
    assert_eq!(count("accepted"), good, "{out}");
    assert_eq!(count("rejected"), bad, "{out}");
    let conn = db.connect().await;
    assert_eq!(
        TestDb::scalar_i64(
            &conn,
            "SELECT COUNT(*) FROM credit_record WHERE source_ref LIKE 'H-%'"
        )
        .await as u64,
        good
    );
    // Running it again changes nothing.
    let o = run(&[
        "import",
        "--department",
        demo::MARKET_DEPARTMENT_CODE,
        path.to_str().unwrap(),
    ]);
    let again = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        again
            .lines()
            .any(|l| l.trim() == format!("unchanged: {good}")
                || l.trim().strip_prefix("unchanged:").map(str::trim) == Some(&good.to_string())),
        "{again}"
    );
}
