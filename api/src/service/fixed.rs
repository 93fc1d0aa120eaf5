//! Statements on the hot paths, without the query builder's per-call cost.
//!
//! Every consented query (and every API request's client check) runs the
//! same few statements. Built with `sea_query` on each call and decoded by
//! column name, they cost about a third of the request's instructions
//! (docs/performance.md, "Fourth pass"). Here their SQL text is written once
//! per process and rows are decoded by position ([`FromRow`]).
//!
//! The text uses `$n` placeholders, which PostgreSQL and SQLite both accept
//! (sqlx binds SQLite's `$NNN` parameters by number), and the same quoting
//! as the builder, so one text serves both backends. Each statement has a
//! builder twin elsewhere (the conditions in `service::consents`, the
//! lookups of `service::subjects` and `service::auth`); the e2e tests in
//! `tests/tests/e2e/fixed.rs` compare their results on both backends.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use entity::enums::{ConsentMode, ConsentStatus as StoredConsentStatus};
use entity::positional::FromRow;
use entity::{agency, api_client, consent, subject};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryTrait, Select, Statement, Value};

/// Runs `q` (an `Entity::find()`, which selects the entity's columns in
/// order) and decodes its rows by position.
pub async fn find_all<E>(conn: &impl ConnectionTrait, q: Select<E>) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: FromRow,
{
    let stmt = q.build(conn.get_database_backend());
    conn.query_all_raw(stmt)
        .await?
        .iter()
        .map(E::Model::from_row)
        .collect()
}

async fn all<M: FromRow>(
    conn: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<M>, DbErr> {
    let stmt = Statement::from_sql_and_values(conn.get_database_backend(), sql, values);
    conn.query_all_raw(stmt)
        .await?
        .iter()
        .map(M::from_row)
        .collect()
}

async fn one<M: FromRow>(
    conn: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Option<M>, DbErr> {
    let stmt = Statement::from_sql_and_values(conn.get_database_backend(), sql, values);
    conn.query_one_raw(stmt)
        .await?
        .as_ref()
        .map(M::from_row)
        .transpose()
}

/// One query-log row, unchained: `chain_seq`, `prev_hash` and `hash` stay
/// NULL until the sealer chains it.
const INSERT_QUERY_LOG: &str = r#"INSERT INTO "query_log" ("occurred_at", "subject_id", "actor_kind", "account_id", "api_client_id", "agency_id", "department_id", "consent_id", "purpose_code", "purpose_text", "channel", "record_ids", "request_id") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"#;

/// Writes `e` with [`INSERT_QUERY_LOG`] (its values in the statement's
/// column order).
pub async fn insert_query_log(
    conn: &impl ConnectionTrait,
    e: super::query_log::Entry,
) -> Result<(), DbErr> {
    let values: Vec<Value> = vec![
        e.occurred_at.into(),
        e.subject_id.into(),
        e.actor_kind.into(),
        e.account_id.into(),
        e.api_client_id.into(),
        e.agency_id.into(),
        e.department_id.into(),
        e.consent_id.into(),
        e.purpose_code.into(),
        e.purpose_text.into(),
        e.channel.into(),
        serde_json::json!(e.record_ids).into(),
        e.request_id.into(),
    ];
    let stmt =
        Statement::from_sql_and_values(conn.get_database_backend(), INSERT_QUERY_LOG, values);
    conn.execute_raw(stmt).await?;
    Ok(())
}

/// `"col", …` without the table, for `RETURNING`.
fn bare_list(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

static CLIENT_WITH_AGENCY: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"SELECT {}, {} FROM "api_client" LEFT JOIN "agency" ON "api_client"."agency_id" = "agency"."id" WHERE "api_client"."client_id" = $1 LIMIT 1"#,
        api_client::Model::select_list(),
        agency::Model::select_list(),
    )
});

/// The API client with this `client_id` and its agency (one read; every
/// API request pays it).
pub async fn client_with_agency(
    conn: &impl ConnectionTrait,
    client_id: &str,
) -> Result<Option<(api_client::Model, Option<agency::Model>)>, DbErr> {
    let stmt = Statement::from_sql_and_values(
        conn.get_database_backend(),
        CLIENT_WITH_AGENCY.as_str(),
        [client_id.into()],
    );
    let Some(row) = conn.query_one_raw(stmt).await? else {
        return Ok(None);
    };
    let client = api_client::Model::from_row(&row)?;
    let at = api_client::Model::COLUMNS.len();
    // A left join: the agency's columns are all NULL when there is none.
    let agency = match row.try_get_by_index::<Option<i64>>(at)? {
        Some(_) => Some(agency::Model::from_row_at(&row, at)?),
        None => None,
    };
    Ok(Some((client, agency)))
}

static SUBJECT_BY_HASH: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"SELECT {} FROM "subject" WHERE "subject"."identifier_hash" = $1 LIMIT 1"#,
        subject::Model::select_list()
    )
});

/// The subject whose identifier hashes to `hash`.
pub async fn subject_by_hash(
    conn: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<subject::Model>, DbErr> {
    one(conn, &SUBJECT_BY_HASH, vec![hash.into()]).await
}

/// `service::consents::usable_condition` in SQL, its values from `$first`:
/// active or exhausted, begun, not expired, a use left (one-time and
/// unused, or periodic and under the cap in this month or last used in
/// another).
fn usable_sql(first: usize) -> String {
    let p = |k: usize| format!("${}", first + k);
    format!(
        r#""consent"."status" IN ({}, {}) AND "consent"."valid_until" > {} AND "consent"."valid_from" <= {} AND (("consent"."mode" = {} AND "consent"."uses" < 1) OR ("consent"."mode" = {} AND ("consent"."period_key" IS NULL OR "consent"."period_key" <> {} OR "consent"."period_uses" < "consent"."monthly_cap")))"#,
        p(0),
        p(1),
        p(2),
        p(2),
        p(3),
        p(4),
        p(5)
    )
}

/// The values of [`usable_sql`], in order.
fn usable_values(now: DateTime<Utc>, period_key: &str) -> [Value; 6] {
    [
        StoredConsentStatus::Active.into(),
        StoredConsentStatus::Exhausted.into(),
        now.into(),
        ConsentMode::OneTime.into(),
        ConsentMode::Periodic.into(),
        period_key.into(),
    ]
}

static USABLE_CONSENTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"SELECT {} FROM "consent" WHERE "consent"."agency_id" = $1 AND "consent"."subject_id" = $2 AND "consent"."purpose_code" = $3 AND {} ORDER BY "consent"."id" ASC"#,
        consent::Model::select_list(),
        usable_sql(4)
    )
});

/// The agency's consents from the subject for the purpose that the SQL
/// condition finds usable at `now`, oldest first (the caller re-checks
/// each with the domain's rule).
pub async fn usable_consents(
    conn: &impl ConnectionTrait,
    agency_id: i64,
    subject_id: i64,
    purpose_code: &str,
    now: DateTime<Utc>,
    period_key: &str,
) -> Result<Vec<consent::Model>, DbErr> {
    let mut values: Vec<Value> = vec![agency_id.into(), subject_id.into(), purpose_code.into()];
    values.extend(usable_values(now, period_key));
    all(conn, &USABLE_CONSENTS, values).await
}

static USE_CONSENT: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"UPDATE "consent" SET "uses" = "uses" + 1, "period_uses" = (CASE WHEN ("period_key" = $1) THEN "period_uses" + 1 ELSE 1 END), "period_key" = $1, "last_used_at" = $2 WHERE "consent"."id" = $3 AND "consent"."agency_id" = $4 AND {} RETURNING {}"#,
        usable_sql(5),
        bare_list(consent::Model::COLUMNS)
    )
});

/// One use of the consent if it is usable at `now` (see
/// `consents::use_consent`): the row after the use, or `None`.
pub async fn use_consent(
    conn: &impl ConnectionTrait,
    consent_id: i64,
    agency_id: i64,
    now: DateTime<Utc>,
    period_key: &str,
) -> Result<Option<consent::Model>, DbErr> {
    let mut values: Vec<Value> = vec![
        period_key.into(),
        Some(now).into(),
        consent_id.into(),
        agency_id.into(),
    ];
    values.extend(usable_values(now, period_key));
    one(conn, &USE_CONSENT, values).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Placeholders numbered from 1 without gaps: PostgreSQL infers a type
    /// for each, and sqlx on SQLite binds `$n` to the n-th value.
    fn placeholders(sql: &str) -> Vec<usize> {
        let mut found: Vec<usize> = sql
            .split('$')
            .skip(1)
            .filter_map(|s| {
                let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    #[test]
    fn statements_number_their_values_from_one_without_gaps() {
        for (sql, values) in [
            (CLIENT_WITH_AGENCY.as_str(), 1),
            (SUBJECT_BY_HASH.as_str(), 1),
            (INSERT_QUERY_LOG, 13),
            (
                USABLE_CONSENTS.as_str(),
                3 + usable_values(Utc::now(), "").len(),
            ),
            (
                USE_CONSENT.as_str(),
                4 + usable_values(Utc::now(), "").len(),
            ),
        ] {
            assert_eq!(placeholders(sql), (1..=values).collect::<Vec<_>>(), "{sql}");
        }
    }

    #[test]
    fn the_joined_select_lists_both_tables_in_model_order() {
        let sql = CLIENT_WITH_AGENCY.as_str();
        let client = sql.find(r#""api_client"."last_used_at""#);
        let agency = sql.find(r#""agency"."id""#);
        assert!(
            client.is_some() && agency.is_some() && client < agency,
            "{sql}"
        );
    }
}
