//! Use cases. Each public function is one transaction: it checks that the
//! actor may do the thing, does it, writes its audit/log/outbox rows in the
//! same transaction, and commits — or changes nothing.
//!
//! Errors: [`ServiceError`] is this layer's one error type; the GraphQL layer
//! maps it to the wire in one place (`graphql::error`).

pub mod accounts;
pub mod agencies;
pub mod agency_reads;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod catalogue;
pub mod chain;
pub mod consents;
pub mod content;
pub mod demo;
pub mod department_records;
pub mod directory;
pub mod feed;
pub mod fixed;
pub mod notices;
pub mod query_log;
pub mod records;
pub mod reference;
pub mod subjects;
pub mod views;
pub mod webhooks;

use std::time::Duration;

use sea_orm::{DbErr, SqlErr};
use serde::Serialize;

/// An error the caller can fix, tied to the input field that caused it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Path to the input field, e.g. `["input", "email"]`.
    pub field: Vec<String>,
    /// Stable machine-readable code, documented in `docs/errors.md`.
    pub code: &'static str,
    /// Plain-English explanation that says how to fix it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: &[&str], code: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.iter().map(|s| s.to_string()).collect(),
            code,
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No credentials, or credentials that are wrong, expired or revoked.
    #[error("authentication required: {0}")]
    Unauthenticated(&'static str),
    /// Authenticated, but this actor may not do this to this object.
    #[error("forbidden")]
    Forbidden,
    #[error("too many attempts; retry after {} s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    /// Input the caller can fix; nothing was changed.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// A fault of ours; logged in full, shown to nobody.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn invalid(field: &[&str], code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// Turns a unique-constraint violation into the field error the caller can
    /// act on; other database errors stay internal.
    pub fn from_unique(err: DbErr, map: &[(UniqueKey, FieldError)]) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(msg)) = err.sql_err() {
            for (key, field_error) in map {
                if key.matches(&msg) {
                    return ServiceError::Invalid(vec![field_error.clone()]);
                }
            }
        }
        ServiceError::Database(err)
    }
}

/// A unique index, named the way each backend reports it: PostgreSQL names
/// the index, SQLite lists `table.column`s.
#[derive(Clone, Copy, Debug)]
pub struct UniqueKey {
    pub index: &'static str,
    pub table: &'static str,
    pub columns: &'static [&'static str],
}

impl UniqueKey {
    fn matches(&self, msg: &str) -> bool {
        msg.contains(self.index)
            || (msg.contains("UNIQUE constraint failed")
                && self
                    .columns
                    .iter()
                    .all(|c| msg.contains(&format!("{}.{}", self.table, c))))
    }
}

/// Begins the transaction of a use case that writes. On SQLite it takes the
/// write lock up front (`BEGIN IMMEDIATE`): a deferred transaction that reads
/// and then writes can fail with "database is locked" under concurrency
/// instead of waiting its turn. PostgreSQL ignores the option.
pub async fn begin_write(
    db: &sea_orm::DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::TransactionTrait;
    db.begin_with_options(sea_orm::TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
    })
    .await
}

/// `col IN (values)`, written `col = ANY($1)` on PostgreSQL: one array
/// parameter instead of one per value, so the statement text (and its
/// prepared plan) is the same for any count and planning stays cheap. A
/// 1,000-value `IN` list was planned on every execution: 5% of the
/// database's CPU in a bulk import (docs/performance.md).
pub fn one_of<C, V>(backend: sea_orm::DbBackend, col: C, values: Vec<V>) -> sea_orm::sea_query::Expr
where
    C: sea_orm::ColumnTrait,
    V: Into<sea_orm::Value> + sea_orm::sea_query::postgres_array::NotU8,
{
    match backend {
        sea_orm::DbBackend::Postgres => col.eq_any(values),
        _ => col.is_in(values),
    }
}

/// `col NOT IN (values)`, written `col <> ALL($1)` on PostgreSQL (as
/// [`one_of`]).
pub fn none_of<C, V>(
    backend: sea_orm::DbBackend,
    col: C,
    values: Vec<V>,
) -> sea_orm::sea_query::Expr
where
    C: sea_orm::ColumnTrait,
    V: Into<sea_orm::Value> + sea_orm::sea_query::postgres_array::NotU8,
{
    match backend {
        sea_orm::DbBackend::Postgres => col.ne_all(values),
        _ => col.is_not_in(values),
    }
}

/// `rows` in chunks of `max`, the remainder in chunks whose sizes are
/// powers of two (399 rows: 256, 128, 8, 4, 2, 1).
///
/// A multi-row `INSERT … VALUES` is a different statement for every row
/// count, and the driver prepares and caches each (100 per connection):
/// chunks of any size filled the caches with up to `max` variants of tens
/// of kilobytes each and kept re-preparing them (docs/reliability.md,
/// "Memory over time"). With this ladder a table has at most about
/// log2(max) + 2 insert statements, for a few more round trips on the
/// remainder.
pub fn insert_chunks<T>(rows: &[T], max: usize) -> impl Iterator<Item = &[T]> {
    let mut rest = rows;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = if rest.len() >= max {
            max.max(1)
        } else {
            // The largest power of two not above what is left.
            1 << (usize::BITS - 1 - rest.len().leading_zeros())
        };
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        Some(chunk)
    })
}

#[cfg(test)]
mod tests {
    use super::{UniqueKey, insert_chunks};

    #[test]
    fn insert_chunks_use_few_sizes_and_keep_every_row_in_order() {
        let mut sizes = std::collections::BTreeSet::new();
        for n in 0..=1300usize {
            let rows: Vec<usize> = (0..n).collect();
            let chunks: Vec<&[usize]> = insert_chunks(&rows, 400).collect();
            assert_eq!(chunks.concat(), rows, "{n}");
            for c in &chunks {
                assert!(
                    c.len() == 400 || c.len().is_power_of_two(),
                    "{n}: {}",
                    c.len()
                );
                sizes.insert(c.len());
            }
        }
        // 400 and 1, 2, 4, …, 256.
        assert_eq!(sizes.len(), 10, "{sizes:?}");
        let parts: Vec<usize> = insert_chunks(&[0u8; 399], 400).map(<[u8]>::len).collect();
        assert_eq!(parts, [256, 128, 8, 4, 2, 1]);
        assert_eq!(insert_chunks(&[0u8; 3], 0).count(), 3);
    }

    #[test]
    fn unique_messages_of_both_backends_map_to_keys() {
        let key = UniqueKey {
            index: "uq_credit_record_department_source_ref",
            table: "credit_record",
            columns: &["department_id", "source_ref"],
        };
        assert!(key.matches(
            "UNIQUE constraint failed: credit_record.department_id, credit_record.source_ref"
        ));
        assert!(key.matches(
            "duplicate key value violates unique constraint \"uq_credit_record_department_source_ref\""
        ));
        assert!(!key.matches("UNIQUE constraint failed: credit_record.department_id"));
        assert!(!key.matches("UNIQUE constraint failed: account.email"));
    }
}
