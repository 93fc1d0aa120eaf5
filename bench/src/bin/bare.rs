//! The bare handler: the consented query's SQL statements, in the same
//! transaction shape, behind a minimal axum + sqlx handler that returns the
//! same JSON as the GraphQL answer — without GraphQL parsing and
//! validation, token verification, the rate limiter, tracing, SeaORM or the
//! disclosure engine. Comparing it with `xinyong serve` shows what those
//! layers cost.
//!
//! ```text
//! bare --database-url postgres://… --data-dir DIR --addr 127.0.0.1:PORT
//! GET /agency-subject?identifier=<USCC>   (purpose loan_application, first 20)
//! ```
//!
//! The statements are those PostgreSQL logged (`log_statement = all`) for one
//! `agencySubject` query with records (see docs/performance.md); the data
//! folder gives the server's identifier key, to look the subject up by the
//! same keyed hash.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use sea_orm::sqlx::{self, PgPool, Row, postgres::PgPoolOptions};
use serde::Deserialize;
use serde_json::{Value, json};
use xinyong::domain::identifier::{SubjectIdentifier, Uscc};
use xinyong::graphql::node::{NodeType, global_id};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone)]
struct App {
    pool: PgPool,
    keys: Arc<xinyong::crypto::Keys>,
    /// The catalogue's ids and codes, kept by the process as Xinyong keeps it.
    codes: Arc<std::collections::HashMap<i64, String>>,
}

#[derive(Deserialize)]
struct Params {
    identifier: String,
}

const CLIENT_ID: &str = "demo-xincheng-credit";
const PURPOSE: &str = "loan_application";
const PAGE: i64 = 20;

const SQL_CLIENT: &str = r#"SELECT "api_client"."id" AS "A_id", "api_client"."agency_id" AS "A_agency_id", "api_client"."department_id" AS "A_department_id", "api_client"."client_id" AS "A_client_id", "api_client"."secret_hash" AS "A_secret_hash", "api_client"."secret_hint" AS "A_secret_hint", "api_client"."name" AS "A_name", "api_client"."scopes" AS "A_scopes", "api_client"."rate_tier" AS "A_rate_tier", "api_client"."status" AS "A_status", "api_client"."created_at" AS "A_created_at", "api_client"."rotated_at" AS "A_rotated_at", "api_client"."revoked_at" AS "A_revoked_at", "api_client"."last_used_at" AS "A_last_used_at", "agency"."id" AS "B_id", "agency"."name" AS "B_name", "agency"."uscc" AS "B_uscc", "agency"."licence_number" AS "B_licence_number", "agency"."status" AS "B_status", "agency"."contact_email" AS "B_contact_email", "agency"."created_at" AS "B_created_at", "agency"."updated_at" AS "B_updated_at" FROM "api_client" LEFT JOIN "agency" ON "api_client"."agency_id" = "agency"."id" WHERE "api_client"."client_id" = $1 LIMIT $2"#;
const SQL_SUBJECT: &str = r#"SELECT "subject"."id", "subject"."kind", "subject"."name", "subject"."identifier_kind", "subject"."identifier_hash", "subject"."identifier_plain", "subject"."identifier_cipher", "subject"."identifier_masked", "subject"."legal_representative", "subject"."region_code", "subject"."contact_email", "subject"."status", "subject"."registered_on", "subject"."ended_on", "subject"."created_at", "subject"."updated_at", "subject"."version" FROM "subject" WHERE "subject"."identifier_hash" = $1 LIMIT $2"#;
const SQL_CONSENTS: &str = r#"SELECT "consent"."id", "consent"."subject_id", "consent"."agency_id", "consent"."purpose_code", "consent"."purpose_text", "consent"."scope_classes", "consent"."scope_categories", "consent"."mode", "consent"."monthly_cap", "consent"."valid_from", "consent"."valid_until", "consent"."status", "consent"."uses", "consent"."last_used_at", "consent"."requested_by", "consent"."granted_by_account_id", "consent"."granted_at", "consent"."revoked_at", "consent"."receipt", "consent"."receipt_signature", "consent"."created_at", "consent"."updated_at", "consent"."version", "consent"."period_key", "consent"."period_uses", "consent"."receipt_key_id" FROM "consent" WHERE "consent"."agency_id" = $1 AND "consent"."subject_id" = $2 AND "consent"."purpose_code" = $3 AND "consent"."status" IN ($4, $5) AND "consent"."valid_until" > $6 AND "consent"."valid_from" <= $7 AND (("consent"."mode" = $8 AND "consent"."uses" < $9) OR ("consent"."mode" = $10 AND ("consent"."period_key" IS NULL OR "consent"."period_key" <> $11 OR "period_uses" < "monthly_cap"))) ORDER BY "consent"."id" ASC"#;
const SQL_USE: &str = r#"UPDATE "consent" SET "uses" = "uses" + $1, "period_uses" = (CASE WHEN ("period_key" = $2) THEN "period_uses" + $3 ELSE $4 END), "period_key" = $5, "last_used_at" = $6 WHERE "consent"."id" = $7 AND "consent"."agency_id" = $8 AND "consent"."status" IN ($9, $10) AND "consent"."valid_until" > $11 AND "consent"."valid_from" <= $12 AND (("consent"."mode" = $13 AND "consent"."uses" < $14) OR ("consent"."mode" = $15 AND ("consent"."period_key" IS NULL OR "consent"."period_key" <> $16 OR "period_uses" < "monthly_cap"))) RETURNING "id", "subject_id", "agency_id", "purpose_code", "purpose_text", "scope_classes", "scope_categories", "mode", "monthly_cap", "valid_from", "valid_until", "status", "uses", "last_used_at", "requested_by", "granted_by_account_id", "granted_at", "revoked_at", "receipt", "receipt_signature", "created_at", "updated_at", "version", "period_key", "period_uses", "receipt_key_id""#;
const SQL_CATEGORIES: &str = r#"SELECT "record_category"."id", "record_category"."code", "record_category"."name_zh", "record_category"."name_en", "record_category"."info_class", "record_category"."default_disclosure", "record_category"."repairable", "record_category"."sector", "record_category"."list_kind", "record_category"."double_publicity", "record_category"."subject_kinds", "record_category"."publication_rule", "record_category"."content_schema", "record_category"."active", "record_category"."created_at" FROM "record_category""#;
const RECORD_COLS: &str = r#""credit_record"."id", "credit_record"."subject_id", "credit_record"."category_id", "credit_record"."department_id", "credit_record"."source_ref", "credit_record"."title", "credit_record"."content", "credit_record"."legal_basis_type", "credit_record"."legal_basis_number", "credit_record"."legal_basis_issuer", "credit_record"."legal_basis_effective_on", "credit_record"."decided_on", "credit_record"."conduct_ended_on", "credit_record"."valid_until", "credit_record"."severity", "credit_record"."disclosure", "credit_record"."disclosure_start", "credit_record"."disclosure_end", "credit_record"."status", "credit_record"."status_reason", "credit_record"."payload_hash", "credit_record"."submitted_by_account_id", "credit_record"."submitted_by_client_id", "credit_record"."submitted_at", "credit_record"."late_submission", "credit_record"."derived_from_record_id", "credit_record"."version", "credit_record"."created_at", "credit_record"."updated_at""#;
const SQL_INSERT_LOG: &str = r#"INSERT INTO "query_log" ("occurred_at", "subject_id", "actor_kind", "account_id", "api_client_id", "agency_id", "department_id", "consent_id", "purpose_code", "purpose_text", "channel", "record_ids", "request_id", "chain_seq", "prev_hash", "hash") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"#;
const SQL_BINDINGS: &str = r#"SELECT "account_subject"."id", "account_subject"."account_id", "account_subject"."subject_id", "account_subject"."role", "account_subject"."bound_via", "account_subject"."bound_at", "account_subject"."verified_by_account_id", "account_subject"."revoked_at" FROM "account_subject" WHERE "account_subject"."subject_id" = $1 AND "account_subject"."revoked_at" IS NULL ORDER BY "account_subject"."id" ASC"#;

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The records page: the covered categories as one array parameter, as
/// Xinyong sends them on PostgreSQL (`service::one_of`).
static SQL_RECORDS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        r#"SELECT {RECORD_COLS} FROM "credit_record" WHERE "credit_record"."status" = $1 AND "credit_record"."disclosure_start" <= $2 AND ("credit_record"."disclosure_end" IS NULL OR "credit_record"."disclosure_end" >= $3) AND "credit_record"."subject_id" = $4 AND "credit_record"."disclosure" <> $5 AND ("credit_record"."disclosure" = $6 OR "credit_record"."category_id" = ANY($7)) ORDER BY "credit_record"."id" DESC LIMIT $8"#
    )
});

fn sql_departments(n: usize) -> String {
    format!(
        r#"SELECT "department"."id", "department"."code", "department"."name_zh", "department"."name_en", "department"."region_code", "department"."contact_email", "department"."may_register_subjects", "department"."created_at" FROM "department" WHERE "department"."id" IN ({})"#,
        placeholders(1, n)
    )
}

fn bad(e: impl std::fmt::Display) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(json!({ "errors": [{ "message": e.to_string() }] })),
    )
        .into_response()
}

async fn agency_subject(State(app): State<App>, Query(p): Query<Params>) -> Response {
    match run(&app, &p.identifier).await {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => bad(e),
    }
}

async fn run(app: &App, identifier: &str) -> Result<Value, BoxError> {
    let now = Utc::now();
    let today = (now + chrono::Duration::hours(8)).date_naive();
    let period = (now + chrono::Duration::hours(8))
        .format("%Y-%m")
        .to_string();
    // Authentication's read (the client with its agency).
    let client = sqlx::query(SQL_CLIENT)
        .bind(CLIENT_ID)
        .bind(1i64)
        .fetch_one(&app.pool)
        .await?;
    let agency_id: i64 = client.try_get("A_agency_id")?;
    let client_id: i64 = client.try_get("A_id")?;
    let agency_status: String = client.try_get("B_status")?;
    if agency_status != "active" {
        return Err("agency suspended".into());
    }

    let uscc = Uscc::parse(identifier)?;
    let hash =
        xinyong::service::subjects::identifier_hash(&app.keys, &SubjectIdentifier::Uscc(uscc));
    let mut tx = app.pool.begin().await?;
    let Some(subject) = sqlx::query(SQL_SUBJECT)
        .bind(&hash)
        .bind(1i64)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(json!({ "data": { "agencySubject": null } }));
    };
    let subject_id: i64 = subject.try_get("id")?;
    let consents = sqlx::query(SQL_CONSENTS)
        .bind(agency_id)
        .bind(subject_id)
        .bind(PURPOSE)
        .bind("active")
        .bind("exhausted")
        .bind(now)
        .bind(now)
        .bind("one_time")
        .bind(1i32)
        .bind("periodic")
        .bind(&period)
        .fetch_all(&mut *tx)
        .await?;
    let Some(consent) = consents.last() else {
        return Err("no usable consent".into());
    };
    let consent_id: i64 = consent.try_get("id")?;
    let used = sqlx::query(SQL_USE)
        .bind(1i32)
        .bind(&period)
        .bind(1i32)
        .bind(1i32)
        .bind(&period)
        .bind(now)
        .bind(consent_id)
        .bind(agency_id)
        .bind("active")
        .bind("exhausted")
        .bind(now)
        .bind(now)
        .bind("one_time")
        .bind(1i32)
        .bind("periodic")
        .bind(&period)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or("consent not usable")?;
    let _ = used;
    let codes = &app.codes;
    let covered: Vec<i64> = codes.keys().copied().collect();

    let q = sqlx::query(sqlx::AssertSqlSafe(SQL_RECORDS.as_str()))
        .bind("active")
        .bind(today)
        .bind(today)
        .bind(subject_id)
        .bind("government")
        .bind("public")
        .bind(&covered);
    let records = q.bind(PAGE + 1).fetch_all(&mut *tx).await?;
    let mut departments: Vec<i64> = records
        .iter()
        .filter_map(|r| r.try_get::<i64, _>("department_id").ok())
        .collect();
    departments.sort_unstable();
    departments.dedup();
    if !departments.is_empty() {
        let sql = sql_departments(departments.len());
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for d in &departments {
            q = q.bind(*d);
        }
        q.fetch_all(&mut *tx).await?;
    }

    let mut edges = Vec::new();
    let mut ids = Vec::new();
    for r in records.iter().take(PAGE as usize) {
        let id: i64 = r.try_get("id")?;
        let title: String = r.try_get("title")?;
        let decided: chrono::NaiveDate = r.try_get("decided_on")?;
        let cat: i64 = r.try_get("category_id")?;
        ids.push(id);
        edges.push(json!({ "node": {
            "id": global_id(NodeType::CreditRecord, id).0,
            "title": title,
            "decidedOn": decided,
            "category": { "code": codes.get(&cat) },
        }}));
    }
    sqlx::query(SQL_INSERT_LOG)
        .bind(now)
        .bind(subject_id)
        .bind("agency_client")
        .bind(None::<i64>)
        .bind(client_id)
        .bind(agency_id)
        .bind(None::<i64>)
        .bind(consent_id)
        .bind(PURPOSE)
        .bind(None::<String>)
        .bind("api")
        .bind(json!(ids))
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(None::<i64>)
        .bind(None::<String>)
        .bind(None::<String>)
        .execute(&mut *tx)
        .await?;
    // Whether the subject's accounts want a notice of this query.
    sqlx::query(SQL_BINDINGS)
        .bind(subject_id)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let name: String = subject.try_get("name")?;
    Ok(json!({ "data": { "agencySubject": {
        "subject": { "name": name },
        "consent": { "id": global_id(NodeType::Consent, consent_id).0 },
        "logged": true,
        "records": { "edges": edges },
    }}}))
}

#[derive(clap::Parser)]
struct Args {
    #[arg(long)]
    database_url: String,
    #[arg(long)]
    data_dir: std::path::PathBuf,
    #[arg(long)]
    addr: SocketAddr,
    /// Pool size (the same default as `xinyong serve`).
    #[arg(long, default_value_t = 16)]
    connections: u32,
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = <Args as clap::Parser>::parse();
    let config = xinyong::config::Config::for_database(&args.database_url, &args.data_dir);
    let keys = Arc::new(xinyong::crypto::Keys::load(&config)?);
    let pool = PgPoolOptions::new()
        .max_connections(args.connections)
        .connect(&args.database_url)
        .await?;
    let codes = sqlx::query(SQL_CATEGORIES)
        .fetch_all(&pool)
        .await?
        .iter()
        .filter_map(|r| Some((r.try_get("id").ok()?, r.try_get("code").ok()?)))
        .collect();
    let app = App {
        pool,
        keys,
        codes: Arc::new(codes),
    };
    let router = axum::Router::new()
        .route("/agency-subject", get(agency_subject))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    axum::serve(listener, router).await?;
    Ok(())
}
