//! The demo data set seen from a test: sign-ins for each role, the demo
//! subjects and agency, and small helpers for reading GraphQL answers. Shared
//! so that every test module reaches the demo the same way.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::SubjectKind;
use entity::{agency, credit_record, department, query_log, subject};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, NotSet, QueryFilter, QueryOrder,
    Set,
};
use serde_json::Value;
use xinyong::domain::identifier::ResidentId;
use xinyong::graphql::node::{NodeType, decode_id, global_id};
use xinyong::service::demo;

use crate::{Gql, TestApp};

/// Parses an RFC 3339 instant written in a test.
pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 instant")
}

/// The data of an answer that must have no errors.
pub fn ok(r: &Gql) -> &Value {
    assert!(r.body["errors"].is_null(), "unexpected errors: {}", r.body);
    r.data()
}

/// The numeric id inside a Relay global id.
pub fn raw_id(global: &Value) -> i64 {
    match decode_id(global.as_str().expect("an id")) {
        Some((_, n)) => n,
        None => panic!("not a global id: {global}"),
    }
}

/// The nodes of a connection, in order.
pub fn nodes(connection: &Value) -> Vec<&Value> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("a connection: {connection}"))
        .iter()
        .map(|e| &e["node"])
        .collect()
}

/// The `userErrors` codes of a mutation payload.
pub fn codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("a payload with userErrors: {payload}"))
        .iter()
        .map(|e| e["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Access token of a demo account.
pub async fn sign_in(app: &TestApp, email: &str) -> String {
    app.login(email, demo::DEMO_PASSWORD).await.0
}

pub async fn operator(app: &TestApp) -> String {
    sign_in(app, demo::OPERATOR_EMAIL).await
}

/// The owner of the demo enterprise.
pub async fn owner(app: &TestApp) -> String {
    sign_in(app, demo::ENTERPRISE_USER_EMAIL).await
}

/// The demo individual, 陈美华.
pub async fn person(app: &TestApp) -> String {
    sign_in(app, demo::PERSON_USER_EMAIL).await
}

/// Staff of the market-supervision department (FZ-SCJG).
pub async fn staff(app: &TestApp) -> String {
    sign_in(app, demo::STAFF_EMAIL).await
}

/// An access token by client credentials.
pub async fn client(app: &TestApp, client_id: &str, secret: &str) -> String {
    let (status, body) = app.client_token(client_id, secret).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("a token").to_string()
}

/// The demo agency's client (without `webhooks:manage`).
pub async fn agency_client(app: &TestApp) -> String {
    client(app, demo::AGENCY_CLIENT_ID, demo::AGENCY_CLIENT_SECRET).await
}

/// The market-supervision department's system client.
pub async fn department_client(app: &TestApp) -> String {
    client(
        app,
        demo::DEPARTMENT_CLIENT_ID,
        demo::DEPARTMENT_CLIENT_SECRET,
    )
    .await
}

pub async fn enterprise(app: &TestApp) -> subject::Model {
    subject::Entity::find()
        .filter(subject::Column::IdentifierPlain.eq(demo::ENTERPRISE_USCC))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the demo enterprise")
}

pub async fn chen(app: &TestApp) -> subject::Model {
    subject::Entity::find()
        .filter(subject::Column::Name.eq(demo::PERSON_NAME))
        .filter(subject::Column::Kind.eq(SubjectKind::NaturalPerson))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the demo person")
}

pub async fn demo_agency(app: &TestApp) -> agency::Model {
    agency::Entity::find()
        .filter(agency::Column::Name.eq(demo::AGENCY_NAME))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the demo agency")
}

pub async fn market_department(app: &TestApp) -> department::Model {
    department::Entity::find()
        .filter(department::Column::Code.eq(demo::MARKET_DEPARTMENT_CODE))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the market-supervision department")
}

/// The first record (by id) of a subject, optionally only from one
/// department or only from the others.
pub async fn first_record(
    app: &TestApp,
    subject_id: Option<i64>,
    department: DepartmentFilter,
) -> credit_record::Model {
    let mut q = credit_record::Entity::find().order_by_asc(credit_record::Column::Id);
    if let Some(s) = subject_id {
        q = q.filter(credit_record::Column::SubjectId.eq(s));
    }
    q = match department {
        DepartmentFilter::Any => q,
        DepartmentFilter::Is(d) => q.filter(credit_record::Column::DepartmentId.eq(d)),
        DepartmentFilter::IsNot(d) => q.filter(credit_record::Column::DepartmentId.ne(d)),
    };
    q.one(&app.state.db)
        .await
        .expect("query")
        .expect("a matching demo record")
}

#[derive(Clone, Copy, Debug)]
pub enum DepartmentFilter {
    Any,
    Is(i64),
    IsNot(i64),
}

/// Global id of a subject.
pub fn subject_gid(s: &subject::Model) -> String {
    global_id(NodeType::Subject, s.id).0
}

/// The titles of a connection's nodes.
pub fn titles(connection: &Value) -> BTreeSet<String> {
    nodes(connection)
        .iter()
        .map(|n| n["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A record by its source reference.
pub async fn record(app: &TestApp, source_ref: &str) -> credit_record::Model {
    credit_record::Entity::find()
        .filter(credit_record::Column::SourceRef.eq(source_ref))
        .one(&app.state.db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("demo record {source_ref}"))
}

/// A copy of `source_ref` under a new reference, changed by `change`.
pub async fn copy(
    app: &TestApp,
    source_ref: &str,
    new_ref: &str,
    change: impl FnOnce(&mut credit_record::ActiveModel),
) -> credit_record::Model {
    let mut am = record(app, source_ref).await.into_active_model();
    am.id = NotSet;
    am.source_ref = Set(new_ref.to_string());
    change(&mut am);
    am.insert(&app.state.db).await.expect("insert record")
}

pub async fn subject_by_name(app: &TestApp, name: &str) -> subject::Model {
    subject::Entity::find()
        .filter(subject::Column::Name.eq(name))
        .one(&app.state.db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("subject {name}"))
}

/// A subject's query-log rows, oldest first.
pub async fn logs(app: &TestApp, subject_id: i64) -> Vec<query_log::Model> {
    query_log::Entity::find()
        .filter(query_log::Column::SubjectId.eq(subject_id))
        .order_by_asc(query_log::Column::Id)
        .all(&app.state.db)
        .await
        .expect("query log")
}

/// The record ids a query-log row says were returned.
pub fn logged_ids(row: &query_log::Model) -> BTreeSet<i64> {
    serde_json::from_value(row.record_ids.clone()).expect("record ids are a JSON array")
}

/// 陈美华's ID number (the demo person).
pub fn chen_meihua_id() -> String {
    ResidentId::from_parts(
        "350103",
        NaiveDate::from_ymd_opt(1985, 7, 22).expect("date"),
        148,
    )
    .expect("demo ID number")
    .as_str()
    .to_string()
}
