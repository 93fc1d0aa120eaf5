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
        // Every refusal is GraphQL-shaped with a code, 4xx included.
        let code = code_of(&text);
        assert!(code.is_some(), "{body:?}: HTTP {status} {text}");
        if status == 400 {
            assert_eq!(code.as_deref(), Some("BAD_REQUEST"), "{body:?}: {text}");
        }
    }
    assert_healthy(&app).await;
}

#[tokio::test]
async fn batches_of_operations_are_refused_with_a_code() {
    let app = TestApp::spawn().await;
    let one = json!({ "query": "{ __typename }" });
    for n in [2, 1_000] {
        let body = Value::Array(vec![one.clone(); n]).to_string();
        let (status, text) = post_raw(&app, body).await;
        assert_eq!(status, 400, "{text}");
        assert_eq!(code_of(&text).as_deref(), Some("BAD_REQUEST"), "{text}");
        assert!(text.contains("batch"), "{text}");
    }
    // Several operations in one document: only the one named runs, and
    // naming none (or an unknown one) is the caller's mistake, not ours.
    let doc = "query A { __typename } query B { recordCategories { code } }";
    let r = app.graphql(doc, json!({}), None).await;
    assert_eq!(
        r.error_code(),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{}",
        r.body
    );
    let resp = app
        .http
        .post(format!("{}/graphql", app.base_url))
        .json(&json!({ "query": doc, "operationName": "C" }))
        .send()
        .await
        .expect("the server answers");
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{body}"
    );
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_nullable_variable_for_an_argument_with_a_default_is_not_an_internal_error() {
    let app = TestApp::spawn_with_demo().await;
    let (token, _) = app.login(demo::OPERATOR_EMAIL, demo::DEMO_PASSWORD).await;
    let q = "query($f: Int, $o: Boolean) { caseQueue(first: $f, overdueOnly: $o) { __typename } }";
    // Left out: the arguments take their defaults (first 50, overdueOnly false).
    let r = app.graphql(q, json!({}), Some(&token)).await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    assert!(r.data()["caseQueue"].is_array(), "{}", r.body);
    // Given: used.
    let r = app
        .graphql(q, json!({ "f": 5, "o": true }), Some(&token))
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    // Null for a non-null argument: refused before anything runs.
    let r = app.graphql(q, json!({ "f": null }), Some(&token)).await;
    assert_eq!(
        r.error_code(),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{}",
        r.body
    );
    // Out of the argument's range: the caller's input.
    let r = app.graphql(q, json!({ "f": 0 }), Some(&token)).await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{}", r.body);
    // Inside an input object: an omitted nullable variable leaves the field
    // to its default (`everywhere: Boolean! = false`).
    let r = app
        .graphql(
            "mutation($e: Boolean) { logout(input: { everywhere: $e }) { __typename } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_ne!(r.error_code(), Some("INTERNAL"), "{}", r.body);
    assert!(r.body["errors"].is_null(), "{}", r.body);
}

#[tokio::test]
async fn fragments_that_multiply_or_cycle_are_refused() {
    let app = TestApp::spawn().await;
    // F0 spreads F1 twice, F1 spreads F2 twice, …: 2^30 fields once
    // inlined, from a document of under 2 KB. Refused before anything
    // inlines it (async-graphql's depth check would walk all of them).
    let n = 30;
    let mut doc = String::from("{ ...F0 }");
    for i in 0..n {
        doc.push_str(&format!(
            " fragment F{i} on Query {{ ...F{} ...F{} }}",
            i + 1,
            i + 1
        ));
    }
    doc.push_str(&format!(" fragment F{n} on Query {{ __typename }}"));
    let r = app.graphql(&doc, json!({}), None).await;
    assert_eq!(r.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", r.body);
    assert!(r.data().is_null());
    // Wide rather than deep: 1,000 fragments each spread 50 times.
    let frags: String = (0..1_000)
        .map(|i| format!("fragment G{i} on Query {{ __typename }} "))
        .collect();
    let spreads: String = (0..50)
        .flat_map(|_| (0..1_000).map(|i| format!("...G{i} ")))
        .collect();
    let r = app
        .graphql(&format!("{{ {spreads} }} {frags}"), json!({}), None)
        .await;
    assert_eq!(r.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", r.body);
    // Cycles, direct and through another fragment.
    for doc in [
        "{ ...A } fragment A on Query { __typename ...A }",
        "{ ...A } fragment A on Query { ...B ...B } fragment B on Query { ...A }",
        "{ __typename } fragment U on Query { ...U }",
    ] {
        let r = app.graphql(doc, json!({}), None).await;
        assert_eq!(
            r.error_code(),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "{doc}: {}",
            r.body
        );
    }
    assert_healthy(&app).await;
}

#[tokio::test]
async fn type_introspection_recursion_is_bounded() {
    let app = TestApp::spawn().await;
    // __type → fields → type → ofType … far past the depth limit.
    let mut inner = String::from("name");
    for _ in 0..25 {
        inner = format!("name ofType {{ {inner} }} fields {{ name }}");
    }
    let doc = format!("{{ __type(name: \"Query\") {{ fields {{ type {{ {inner} }} }} }} }}");
    let r = app.graphql(&doc, json!({}), None).await;
    assert!(
        matches!(
            r.error_code(),
            Some("QUERY_TOO_COMPLEX") | Some("GRAPHQL_PARSE_FAILED")
        ),
        "{}",
        r.body
    );
    assert!(r.data().is_null());
    // Many shallow __type lookups add up in complexity.
    let many: String = (0..2_000)
        .map(|i| format!("t{i}: __type(name: \"Query\") {{ name fields {{ name }} }} "))
        .collect();
    let r = app.graphql(&format!("{{ {many} }}"), json!({}), None).await;
    assert_eq!(r.error_code(), Some("QUERY_TOO_COMPLEX"), "{}", r.body);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn long_lists_and_long_strings_get_the_fields_own_limits() {
    let app = TestApp::spawn().await;
    // A list variable far over the field's 100 items.
    let ids: Vec<Value> = (0..200_000).map(|i| json!(format!("x{i}"))).collect();
    let r = app
        .graphql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
            None,
        )
        .await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{}", r.body);
    assert!(r.data().is_null());
    // The same list written into the document.
    let literal: String = (0..100_000).map(|i| format!("\"x{i}\",")).collect();
    let r = app
        .graphql(
            &format!("{{ nodes(ids: [{literal}]) {{ id }} }}"),
            json!({}),
            None,
        )
        .await;
    assert!(
        matches!(
            r.error_code(),
            Some("BAD_USER_INPUT") | Some("GRAPHQL_VALIDATION_FAILED")
        ),
        "{}",
        r.body
    );
    // A 1.5 MB string literal as an argument.
    let long = "信".repeat(500_000);
    let r = app
        .graphql(
            &format!(
                "{{ searchSubjects(query: \"{long}\", first: 5) {{ edges {{ node {{ id }} }} }} }}"
            ),
            json!({}),
            None,
        )
        .await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{}", r.body);
    // A 1 MB alias and a 1 MB unknown field name.
    let name = "a".repeat(1_000_000);
    let r = app
        .graphql(&format!("{{ {name}: __typename }}"), json!({}), None)
        .await;
    assert_eq!(r.status, 200);
    let r = app.graphql(&format!("{{ {name} }}"), json!({}), None).await;
    assert_eq!(r.error_code(), Some("GRAPHQL_VALIDATION_FAILED"));
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_document_full_of_mistakes_gets_a_short_answer() {
    let app = TestApp::spawn().await;
    // 20,000 unknown arguments on one field (complexity 1): one error
    // each would make a 2 MB answer.
    let args: String = (0..20_000).map(|i| format!("x{i}: 1 ")).collect();
    let (status, text) = post_raw(
        &app,
        json!({ "query": format!("{{ recordCategories({args}) {{ code }} }}") }).to_string(),
    )
    .await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&text).expect("JSON");
    let errors = v["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 21, "{}", &text[..text.len().min(500)]);
    assert!(
        errors
            .iter()
            .all(|e| e["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"),
        "{}",
        &text[..text.len().min(500)]
    );
    assert!(text.len() < 10_000, "{} bytes", text.len());
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

// ---------------------------------------------------------------------------
// Property tests of the importer: large random corpora of CSV and JSON Lines
// through the import entry point (`xinyong::import::Job`, what `xinyong
// import` runs). Whatever the bytes, the import finishes, every bad row is
// reported as rejected at its own line, and every good row is accepted.
// `HOSTILE_IMPORT_ROWS` (default 4,000) sets the rows per corpus and
// `HOSTILE_SEED` the generator's seed.

fn corpus_rows() -> usize {
    std::env::var("HOSTILE_IMPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_000)
}

fn corpus_seed() -> u64 {
    std::env::var("HOSTILE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED_1DEA)
}

/// Titles a department may well write: separators, quotes, line breaks,
/// CJK, emoji, right-to-left text.
const ODD_TITLES: &[&str] = &[
    "食品经营许可",
    "许可, 含逗号",
    "引号 \"内\" 引号",
    "跨行\n的标题",
    "CRLF\r\n跨行",
    "emoji 🍜 与 ㊙",
    "עברית و العربية",
    "  前后空格  ",
    "'单引号'",
    "\\反斜杠\\",
];

/// Runs an import in-process; returns the summary and, per file line, the
/// outcomes and codes the report gives it.
async fn import_file(
    app: &TestApp,
    path: &std::path::Path,
) -> (
    xinyong::import::Summary,
    std::collections::BTreeMap<u64, Vec<(String, String)>>,
) {
    let job = xinyong::import::Job::open(
        demo::MARKET_DEPARTMENT_CODE.to_string(),
        path.to_path_buf(),
        None,
        None,
        false,
        None,
    )
    .expect("the file opens");
    let summary = job.run(&app.state).await.expect("the import finishes");
    let mut report = csv::Reader::from_path(&summary.report).expect("the report");
    let mut by_line: std::collections::BTreeMap<u64, Vec<(String, String)>> = Default::default();
    for row in report.records() {
        let row = row.expect("a report row");
        let line: u64 = row[0].parse().expect("a line number");
        by_line
            .entry(line)
            .or_default()
            .push((row[2].to_string(), row[4].to_string()));
    }
    (summary, by_line)
}

/// Every expected line has exactly the expected outcome, rejections carry
/// a code, and the report names no other line.
fn check_report(
    by_line: &std::collections::BTreeMap<u64, Vec<(String, String)>>,
    good: &std::collections::BTreeSet<u64>,
    bad: &std::collections::BTreeSet<u64>,
    what: &str,
) {
    for line in good {
        let got = by_line.get(line);
        assert!(
            got.is_some_and(|o| o.len() == 1 && o[0].0 == "accepted"),
            "{what}: good line {line}: {got:?}"
        );
    }
    for line in bad {
        let got = by_line.get(line);
        assert!(
            got.is_some_and(|o| o
                .iter()
                .all(|(out, code)| out == "rejected" && !code.is_empty())),
            "{what}: bad line {line}: {got:?}"
        );
    }
    let extra: Vec<&u64> = by_line
        .keys()
        .filter(|l| !good.contains(l) && !bad.contains(l))
        .collect();
    assert!(
        extra.is_empty(),
        "{what}: lines not in the corpus: {extra:?}"
    );
}

fn random_garbage(rng: &mut Rng, max: usize, forbid: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = (0..1 + rng.below(max))
        .map(|_| rng.next() as u8)
        .filter(|b| !forbid.contains(b))
        .collect();
    // Something that is not blank, so the row is a row.
    out.push(b'#');
    out
}

#[tokio::test]
async fn random_json_lines_corpora_keep_good_rows_and_report_bad_ones_by_line() {
    let app = TestApp::spawn_with_demo().await;
    let dir = tempfile::tempdir().unwrap();
    let seed = corpus_seed();
    let mut rng = Rng(seed);
    let mut file: Vec<u8> = b"\xEF\xBB\xBF".to_vec(); // a BOM before line 1
    let (mut good, mut bad) = (
        std::collections::BTreeSet::new(),
        std::collections::BTreeSet::new(),
    );
    let mut line = 0u64;
    for i in 0..corpus_rows() {
        line += 1;
        let eol: &[u8] = if rng.below(3) == 0 { b"\r\n" } else { b"\n" };
        // Line 1 is good, so the BOM is tested on a record that must pass.
        if i == 0 || rng.below(2) == 0 {
            let mut r = good_record(100_000 + i);
            r["source_ref"] = json!(format!("J-{i:06}"));
            r["title"] = json!(ODD_TITLES[rng.below(ODD_TITLES.len())]);
            file.extend(r.to_string().into_bytes());
            good.insert(line);
        } else {
            let text: Vec<u8> = match rng.below(8) {
                0 => random_garbage(&mut rng, 400, b"\n"),
                1 => {
                    // Invalid UTF-8 inside a string.
                    let mut r = good_record(100_000 + i).to_string().into_bytes();
                    let at = r.len() / 2;
                    r.splice(at..at, [0xC3, 0x28, 0xFF]);
                    r
                }
                2 => {
                    let mut r = good_record(100_000 + i);
                    let key = ["title", "category", "source_ref", "decided_on"][rng.below(4)];
                    r.as_object_mut().map(|o| o.remove(key));
                    r.to_string().into_bytes()
                }
                3 => {
                    // A huge field: over the content schema's 500 characters.
                    let mut r = good_record(100_000 + i);
                    r["content"]["matter"] = json!("许".repeat(200_000 + rng.below(100_000)));
                    r.to_string().into_bytes()
                }
                4 => {
                    // A BOM that is not at the start of the file.
                    let mut r = b"\xEF\xBB\xBF".to_vec();
                    r.extend(good_record(100_000 + i).to_string().into_bytes());
                    r
                }
                5 => {
                    let mut r = good_record(100_000 + i);
                    r["title"] = json!(format!("NUL\u{0}{}", "x".repeat(rng.below(600))));
                    r["subject_identifier"] = json!("9135010OMH0000000X");
                    r.to_string().into_bytes()
                }
                6 => format!(
                    "{{\"source_ref\": \"J-{i:06}\", \"unknown_key\": {}}}",
                    rng.next()
                )
                .into_bytes(),
                _ => bad_line(&mut rng, i),
            };
            if text.iter().all(|b| b.is_ascii_whitespace()) {
                line -= 1;
                continue; // a blank line is not a row
            }
            file.extend(text);
            bad.insert(line);
        }
        file.extend_from_slice(eol);
    }
    let path = dir.path().join("random.jsonl");
    std::fs::write(&path, &file).unwrap();
    let (summary, by_line) = import_file(&app, &path).await;
    assert_eq!(
        summary.accepted,
        good.len() as u64,
        "seed {seed}: {summary}"
    );
    assert_eq!(summary.rejected, bad.len() as u64, "seed {seed}: {summary}");
    assert!(summary.stopped.is_none(), "seed {seed}: {summary}");
    check_report(&by_line, &good, &bad, &format!("JSON Lines, seed {seed}"));
    let conn = app.db.connect().await;
    assert_eq!(
        TestDb::scalar_i64(
            &conn,
            "SELECT COUNT(*) FROM credit_record WHERE source_ref LIKE 'J-%'"
        )
        .await as usize,
        good.len()
    );
}

/// One CSV field, quoted when it must be.
fn csv_field(f: &[u8]) -> Vec<u8> {
    if f.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        let mut out = vec![b'"'];
        for b in f {
            if *b == b'"' {
                out.push(b'"');
            }
            out.push(*b);
        }
        out.push(b'"');
        out
    } else {
        f.to_vec()
    }
}

fn csv_row(fields: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend(csv_field(f));
    }
    out
}

/// A good CSV row in the order of `CSV_COLUMNS`, then content.matter and
/// content.permit_number.
fn good_csv_fields(i: usize, title: &str) -> Vec<Vec<u8>> {
    [
        format!("C-{i:06}"),
        "administrative_licence".into(),
        uscc(200_000 + i as u64 / 3),
        format!("福州随机导入{}有限公司", i / 3),
        String::new(),
        title.into(),
        "2026-03-02".into(),
        String::new(),
        "2031-03-01".into(),
        String::new(),
        "public".into(),
        String::new(),
        String::new(),
        "行政许可决定书".into(),
        format!("榕市监许〔2026〕C{i}号"),
        "福州市市场监督管理局".into(),
        "2026-03-02".into(),
        "预包装食品销售, \"含\" 冷藏".into(),
        format!("JY{i:010}"),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

#[tokio::test]
async fn random_csv_corpora_keep_good_rows_and_report_bad_ones_by_line() {
    let app = TestApp::spawn_with_demo().await;
    let dir = tempfile::tempdir().unwrap();
    let seed = corpus_seed() ^ 0xC5C5;
    let mut rng = Rng(seed);
    let mut header: Vec<Vec<u8>> = xinyong::import::CSV_COLUMNS
        .iter()
        .map(|c| c.as_bytes().to_vec())
        .collect();
    header.push(b"content.matter".to_vec());
    header.push(b"content.permit_number".to_vec());
    let width = header.len();
    let mut file: Vec<u8> = b"\xEF\xBB\xBF".to_vec();
    file.extend(csv_row(&header));
    file.push(b'\n');
    let mut next_line = 2u64; // the line the next row starts on
    let (mut good, mut bad) = (
        std::collections::BTreeSet::new(),
        std::collections::BTreeSet::new(),
    );
    for i in 0..corpus_rows() {
        let title = ODD_TITLES[rng.below(ODD_TITLES.len())];
        let is_good = rng.below(2) == 0;
        let row: Vec<u8> = if is_good {
            csv_row(&good_csv_fields(i, title))
        } else {
            let mut f = good_csv_fields(i, title);
            match rng.below(10) {
                0 => f.truncate(1 + rng.below(width - 1)), // missing columns
                1 => f.extend((0..1 + rng.below(5)).map(|_| b"extra".to_vec())),
                2 => f[5] = vec![b'T', 0xC3, 0x28, 0xFF, 0xFE], // invalid UTF-8
                3 => f[6] = b"2026-13-45".to_vec(),
                4 => f[0] = Vec::new(),
                5 => f[1] = b"religion".to_vec(),
                6 => f[5] = "题".repeat(100_000 + rng.below(200_000)).into_bytes(),
                7 => {
                    f[2] = b"91350100MH00000000".to_vec();
                    f[10] = b"maybe".to_vec();
                }
                8 => f[18] = "号".repeat(70).into_bytes(),
                _ => {
                    // Random bytes, no quotes or line breaks.
                    let g = random_garbage(&mut rng, 300, b"\"\r\n");
                    f = vec![g];
                }
            }
            csv_row(&f)
        };
        (if is_good { &mut good } else { &mut bad }).insert(next_line);
        next_line += 1 + row.iter().filter(|b| **b == b'\n').count() as u64;
        file.extend(row);
        // Line breaks inside quoted fields may be CRLF (ODD_TITLES); rows
        // end with LF here (CRLF row ends: the test below).
        file.push(b'\n');
    }
    let path = dir.path().join("random.csv");
    std::fs::write(&path, &file).unwrap();
    let (summary, by_line) = import_file(&app, &path).await;
    assert_eq!(
        summary.accepted,
        good.len() as u64,
        "seed {seed}: {summary}"
    );
    assert_eq!(summary.rejected, bad.len() as u64, "seed {seed}: {summary}");
    assert!(summary.stopped.is_none(), "seed {seed}: {summary}");
    check_report(&by_line, &good, &bad, &format!("CSV, seed {seed}"));
    let conn = app.db.connect().await;
    assert_eq!(
        TestDb::scalar_i64(
            &conn,
            "SELECT COUNT(*) FROM credit_record WHERE source_ref LIKE 'C-%'"
        )
        .await as usize,
        good.len()
    );
}

/// Files saved on Windows end their rows with CRLF: each bad row is still
/// reported at its own line (the csv reader starts such a row at the
/// previous line's `\n`; the importer corrects for it).
#[tokio::test]
async fn csv_rows_ending_in_crlf_are_reported_at_their_own_line() {
    let app = TestApp::spawn_with_demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut header: Vec<Vec<u8>> = xinyong::import::CSV_COLUMNS
        .iter()
        .map(|c| c.as_bytes().to_vec())
        .collect();
    header.push(b"content.matter".to_vec());
    header.push(b"content.permit_number".to_vec());
    let mut file = csv_row(&header);
    file.extend_from_slice(b"\r\n");
    let mut bad_row = good_csv_fields(1, "t");
    bad_row[6] = b"2026-13-45".to_vec();
    for row in [good_csv_fields(0, "t"), bad_row, good_csv_fields(2, "t")] {
        file.extend(csv_row(&row));
        file.extend_from_slice(b"\r\n");
    }
    let path = dir.path().join("crlf.csv");
    std::fs::write(&path, &file).unwrap();
    let (summary, by_line) = import_file(&app, &path).await;
    assert_eq!((summary.accepted, summary.rejected), (2, 1), "{summary}");
    check_report(
        &by_line,
        &[2, 4].into_iter().collect(),
        &[3].into_iter().collect(),
        "CSV with CRLF",
    );
}
