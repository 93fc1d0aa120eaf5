//! GraphQL conventions: error codes, limits, Relay ids, object-level access.

use serde_json::json;
use xinyong::service::demo;
use xinyong_tests::TestApp;

#[tokio::test]
async fn parse_validation_and_limit_errors_have_stable_codes_and_cost_is_reported() {
    let app = TestApp::spawn().await;
    let parse = app.graphql("{ viewer { ", json!({}), None).await;
    assert_eq!(
        parse.error_code(),
        Some("GRAPHQL_PARSE_FAILED"),
        "{}",
        parse.body
    );

    let unknown = app.graphql("{ noSuchField }", json!({}), None).await;
    assert_eq!(
        unknown.error_code(),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{}",
        unknown.body
    );

    // Deeper than the limit (15): nested fragments on `node` would do too,
    // but repeated `__type` introspection is the cheapest deep document.
    let mut deep = String::from("{ __schema { types { fields { type ");
    for _ in 0..20 {
        deep.push_str("{ ofType ");
    }
    deep.push_str("{ name }");
    for _ in 0..20 {
        deep.push_str(" }");
    }
    deep.push_str(" } } } }");
    let too_deep = app.graphql(&deep, json!({}), None).await;
    assert_eq!(
        too_deep.error_code(),
        Some("QUERY_TOO_COMPLEX"),
        "{}",
        too_deep.body
    );

    // Aliases multiply cost: 600 copies of a field exceed the complexity limit.
    let aliases: String = (0..600)
        .map(|i| format!("a{i}: nodes(ids: []) {{ id }} "))
        .collect();
    let wide = app
        .graphql(&format!("{{ {aliases} }}"), json!({}), None)
        .await;
    assert_eq!(
        wide.error_code(),
        Some("QUERY_TOO_COMPLEX"),
        "{}",
        wide.body
    );

    let ok = app
        .graphql(
            "{ a: nodes(ids: []) { id } b: nodes(ids: []) { id } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(
        ok.body["extensions"]["cost"]["complexity"], 4,
        "{}",
        ok.body
    );
    assert_eq!(ok.body["extensions"]["cost"]["depth"], 2, "{}", ok.body);
}

#[tokio::test]
async fn bad_variable_values_are_bad_user_input() {
    let app = TestApp::spawn().await;
    let r = app
        .graphql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": { "not": "a list" } }),
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
}

#[tokio::test]
async fn node_ids_are_opaque_and_objects_are_checked_per_viewer() {
    let app = TestApp::spawn_with_demo().await;
    let (staff, _) = app.login(demo::STAFF_EMAIL, demo::DEMO_PASSWORD).await;
    let (operator, _) = app.login(demo::OPERATOR_EMAIL, demo::DEMO_PASSWORD).await;
    let me = app
        .graphql(
            "{ viewer { account { id email department { id code } } } }",
            json!({}),
            Some(&staff),
        )
        .await;
    let my_id = me.data()["viewer"]["account"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let dept_id = me.data()["viewer"]["account"]["department"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!my_id.contains("Account"), "ids are opaque: {my_id}");

    let q = "query($id: ID!) { node(id: $id) { id __typename ... on Account { email } ... on Department { code } } }";
    let own = app.graphql(q, json!({ "id": my_id }), Some(&staff)).await;
    assert_eq!(own.data()["node"]["email"], demo::STAFF_EMAIL);
    let dept = app.graphql(q, json!({ "id": dept_id }), Some(&staff)).await;
    assert_eq!(dept.data()["node"]["__typename"], "Department");

    // The operator's account is not the staff member's business: null, not an error.
    let op = app
        .graphql("{ viewer { account { id } } }", json!({}), Some(&operator))
        .await;
    let op_id = op.data()["viewer"]["account"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = app.graphql(q, json!({ "id": op_id }), Some(&staff)).await;
    assert!(other.data()["node"].is_null(), "{}", other.body);
    assert!(other.body["errors"].is_null());
    // The operator may see the staff account.
    let seen = app
        .graphql(q, json!({ "id": my_id }), Some(&operator))
        .await;
    assert_eq!(seen.data()["node"]["email"], demo::STAFF_EMAIL);
    // Garbage ids resolve to null.
    let garbage = app
        .graphql(q, json!({ "id": "not-an-id" }), Some(&staff))
        .await;
    assert!(garbage.data()["node"].is_null());
}

#[tokio::test]
async fn the_committed_schema_is_current() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/schema.graphql"
    ))
    .expect("docs/schema.graphql exists");
    let current = xinyong::graphql::sdl();
    assert!(
        committed == current,
        "docs/schema.graphql is stale: regenerate it with `cargo run -p api -- schema > docs/schema.graphql`"
    );
}
