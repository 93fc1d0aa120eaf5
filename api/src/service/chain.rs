//! The hash chains of the append-only logs (`query_log`, `audit_event`):
//! sealing and verification. See docs/query-log.md.
//!
//! - **Writing** a log row takes no lock: the row is inserted with
//!   `chain_seq`, `prev_hash` and `hash` NULL, in the transaction of the act
//!   it records.
//! - **Sealing** ([`seal`]) chains the unsealed rows, in id order, under the
//!   chain's lock: the row of `chain_head` for the table, taken with
//!   `SELECT ... FOR UPDATE` on PostgreSQL (SQLite's write transaction is
//!   already exclusive). Each row gets `chain_seq` = previous + 1,
//!   `prev_hash` = the previous row's `hash`, and `hash` = SHA-256 of the
//!   canonical serialisation of its content, position and `prev_hash`
//!   ([`row_hash`]). The job ticker seals every minute; verification seals
//!   first.
//! - **Verification** ([`verify`]) walks the chain in `chain_seq` order from
//!   the anchor and reports the first broken link: a missing position, a
//!   `prev_hash` that is not the previous row's hash, or a hash that does not
//!   match the row's content.
//! - **Purging** (`service::query_log::purge_expired_query_logs`) deletes a
//!   prefix of the chain and leaves an anchor in `chain_head` (the position
//!   and hash of the last row deleted), also written to the audit trail, so
//!   the remaining rows still verify.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use entity::{audit_event, chain_head, query_log};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    AccessMode, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, IsolationLevel,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde_json::{Value, json};

use super::{ServiceError, ServiceResult, begin_write};
use crate::crypto::sha256_hex;
use crate::state::AppState;

/// `prev_hash` of the first row of a chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Version tag inside every hashed document; a new serialisation gets a new tag.
pub const HASH_FORMAT: &str = "xinyong.chain.v1";
/// Rows sealed (and read back by verification) per statement batch.
const BATCH: u64 = 500;
/// The audit action purging writes, with the anchor in its detail.
pub const PURGE_ACTION: &str = "query_log.purge";

/// The chained tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Chain {
    #[value(name = "query_log")]
    QueryLog,
    #[value(name = "audit_event")]
    AuditEvent,
}

impl Chain {
    pub const ALL: [Chain; 2] = [Chain::QueryLog, Chain::AuditEvent];

    pub fn table(self) -> &'static str {
        match self {
            Chain::QueryLog => <query_log::Entity as Chained>::CHAIN,
            Chain::AuditEvent => <audit_event::Entity as Chained>::CHAIN,
        }
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.table())
    }
}

/// The chain columns of one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Links {
    pub id: i64,
    pub chain_seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// A table whose rows are hash-chained: the same sealing and verification
/// code runs over each.
pub trait Chained: EntityTrait {
    /// The table's name, also its `chain_head.chain`.
    const CHAIN: &'static str;
    fn id_col() -> Self::Column;
    fn seq_col() -> Self::Column;
    fn prev_col() -> Self::Column;
    fn hash_col() -> Self::Column;
    fn links(row: &Self::Model) -> Links;
    /// The row's content fields (everything but the chain columns), by
    /// column name. Timestamps as RFC 3339 UTC with nanoseconds, enums as
    /// their stored names, JSON columns as stored.
    fn content(row: &Self::Model) -> Value;
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn enum_name<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl Chained for query_log::Entity {
    const CHAIN: &'static str = "query_log";
    fn id_col() -> query_log::Column {
        query_log::Column::Id
    }
    fn seq_col() -> query_log::Column {
        query_log::Column::ChainSeq
    }
    fn prev_col() -> query_log::Column {
        query_log::Column::PrevHash
    }
    fn hash_col() -> query_log::Column {
        query_log::Column::Hash
    }
    fn links(r: &query_log::Model) -> Links {
        Links {
            id: r.id,
            chain_seq: r.chain_seq,
            prev_hash: r.prev_hash.clone(),
            hash: r.hash.clone(),
        }
    }
    fn content(r: &query_log::Model) -> Value {
        json!({
            "id": r.id,
            "occurred_at": instant(r.occurred_at),
            "subject_id": r.subject_id,
            "actor_kind": enum_name(&r.actor_kind),
            "account_id": r.account_id,
            "api_client_id": r.api_client_id,
            "agency_id": r.agency_id,
            "department_id": r.department_id,
            "consent_id": r.consent_id,
            "purpose_code": r.purpose_code,
            "purpose_text": r.purpose_text,
            "channel": enum_name(&r.channel),
            "record_ids": r.record_ids,
            "request_id": r.request_id,
        })
    }
}

impl Chained for audit_event::Entity {
    const CHAIN: &'static str = "audit_event";
    fn id_col() -> audit_event::Column {
        audit_event::Column::Id
    }
    fn seq_col() -> audit_event::Column {
        audit_event::Column::ChainSeq
    }
    fn prev_col() -> audit_event::Column {
        audit_event::Column::PrevHash
    }
    fn hash_col() -> audit_event::Column {
        audit_event::Column::Hash
    }
    fn links(r: &audit_event::Model) -> Links {
        Links {
            id: r.id,
            chain_seq: r.chain_seq,
            prev_hash: r.prev_hash.clone(),
            hash: r.hash.clone(),
        }
    }
    fn content(r: &audit_event::Model) -> Value {
        json!({
            "id": r.id,
            "occurred_at": instant(r.occurred_at),
            "actor_kind": enum_name(&r.actor_kind),
            "actor_account_id": r.actor_account_id,
            "actor_client_id": r.actor_client_id,
            "action": r.action,
            "object_type": r.object_type,
            "object_id": r.object_id,
            "subject_id": r.subject_id,
            "detail": r.detail,
            "ip": r.ip,
            "request_id": r.request_id,
        })
    }
}

/// Canonical JSON (keys sorted by their UTF-8 bytes, no whitespace, raw
/// UTF-8): the same serialisation consent receipts are signed in, so a
/// verifier can rebuild a hash with Python's `json.dumps(doc,
/// sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.
pub use domain::consent::canonical_json;

/// The hash of a row at position `chain_seq` after `prev_hash`: lower-case
/// hex SHA-256 of the canonical JSON of
/// `{"format", "chain", "chain_seq", "prev_hash", "row": <content>}`.
pub fn row_hash<E: Chained>(row: &E::Model, chain_seq: i64, prev_hash: &str) -> String {
    let doc = json!({
        "format": HASH_FORMAT,
        "chain": E::CHAIN,
        "chain_seq": chain_seq,
        "prev_hash": prev_hash,
        "row": E::content(row),
    });
    sha256_hex(canonical_json(&doc))
}

// ---------------------------------------------------------------------------
// The chain head and its lock.

/// Locks the chain's head row for the rest of `txn`, creating it on first
/// use. PostgreSQL: `SELECT ... FOR UPDATE` (a second sealer waits here);
/// SQLite: `txn` is a write transaction (`BEGIN IMMEDIATE`), already
/// exclusive.
pub(crate) async fn lock_head(
    txn: &impl ConnectionTrait,
    chain: &'static str,
    now: DateTime<Utc>,
) -> ServiceResult<chain_head::Model> {
    if let Some(head) = select_head(txn, chain, true).await? {
        return Ok(head);
    }
    chain_head::Entity::insert(chain_head::ActiveModel {
        chain: Set(chain.to_string()),
        last_seq: Set(0),
        last_hash: Set(None),
        anchor_seq: Set(None),
        anchor_hash: Set(None),
        purged_rows: Set(0),
        sealed_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(chain_head::Column::Chain)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    select_head(txn, chain, true)
        .await?
        .ok_or_else(|| ServiceError::Internal(format!("chain head of {chain} missing")))
}

async fn select_head(
    conn: &impl ConnectionTrait,
    chain: &str,
    lock: bool,
) -> Result<Option<chain_head::Model>, sea_orm::DbErr> {
    let mut q = chain_head::Entity::find().filter(chain_head::Column::Chain.eq(chain));
    if lock {
        q = q.lock_exclusive();
    }
    q.one(conn).await
}

// ---------------------------------------------------------------------------
// Sealing.

/// Rows chained by one [`seal`], per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sealed {
    pub query_log: u64,
    pub audit_event: u64,
}

/// Chains every unsealed row of both logs. Safe to run on several replicas
/// at once: sealers of one chain take turns on its head row.
pub async fn seal(state: &AppState) -> ServiceResult<Sealed> {
    Ok(Sealed {
        query_log: seal_chain::<query_log::Entity>(state).await?,
        audit_event: seal_chain::<audit_event::Entity>(state).await?,
    })
}

/// Chains the unsealed rows of one table, in id order, in batches of
/// [`BATCH`] (one transaction each, holding the chain's lock). Rows whose
/// transactions commit later are sealed by a later run, after those already
/// sealed: the chain's order is `chain_seq`, not `id`.
pub async fn seal_chain<E: Chained>(state: &AppState) -> ServiceResult<u64> {
    let mut total = 0u64;
    loop {
        let now = state.now();
        let txn = begin_write(&state.db).await?;
        let head = lock_head(&txn, E::CHAIN, now).await?;
        let rows = E::find()
            .filter(E::seq_col().is_null())
            .order_by_asc(E::id_col())
            .limit(BATCH)
            .all(&txn)
            .await?;
        let n = rows.len() as u64;
        if n == 0 {
            txn.commit().await?;
            return Ok(total);
        }
        let mut seq = head.last_seq;
        let mut prev = head
            .last_hash
            .clone()
            .unwrap_or_else(|| GENESIS_HASH.to_string());
        for row in &rows {
            seq += 1;
            let hash = row_hash::<E>(row, seq, &prev);
            let id = E::links(row).id;
            let done = E::update_many()
                .col_expr(E::seq_col(), Expr::value(seq))
                .col_expr(E::prev_col(), Expr::value(prev.clone()))
                .col_expr(E::hash_col(), Expr::value(hash.clone()))
                // By id alone: the row was read unsealed in this transaction,
                // under the chain's lock, and only sealers write these
                // columns. (A `chain_seq IS NULL` guard here let PostgreSQL
                // plan the write through the unique `chain_seq` index,
                // scanning every unsealed row for each one.)
                .filter(E::id_col().eq(id))
                .exec(&txn)
                .await?;
            if done.rows_affected != 1 {
                return Err(ServiceError::Internal(format!(
                    "{} row {id} vanished while being sealed",
                    E::CHAIN
                )));
            }
            prev = hash;
        }
        chain_head::Entity::update_many()
            .col_expr(chain_head::Column::LastSeq, Expr::value(seq))
            .col_expr(chain_head::Column::LastHash, Expr::value(Some(prev)))
            .col_expr(chain_head::Column::SealedAt, Expr::value(Some(now)))
            .col_expr(chain_head::Column::UpdatedAt, Expr::value(now))
            .filter(chain_head::Column::Id.eq(head.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        total += n;
        if n < BATCH {
            return Ok(total);
        }
    }
}

// ---------------------------------------------------------------------------
// Verification.

/// The first place a chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenLink {
    pub chain: &'static str,
    /// The position at which the chain breaks.
    pub chain_seq: i64,
    /// The row at that position; `None` when the row is missing.
    pub id: Option<i64>,
    /// Stable code: `ROW_MISSING`, `ROWS_MISSING_AT_END`, `PREV_HASH_MISMATCH`,
    /// `HASH_MISMATCH`, `HEAD_MISMATCH`, `ANCHOR_MISMATCH`.
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: broken link at chain_seq {}",
            self.chain, self.chain_seq
        )?;
        match self.id {
            Some(id) => write!(f, " (id {id})")?,
            None => write!(f, " (no row)")?,
        }
        write!(f, ": {} [{}]", self.message, self.code)
    }
}

/// What [`verify`] found in one chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    pub chain: &'static str,
    /// Rows checked (up to the first broken link).
    pub rows_verified: u64,
    /// Position and hash of the last purged row, where the chain starts.
    pub anchor_seq: Option<i64>,
    /// Position and hash of the last sealed row.
    pub head_seq: i64,
    pub head_hash: Option<String>,
    pub broken: Option<BrokenLink>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

impl fmt::Display for ChainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.broken {
            Some(b) => write!(f, "{b}"),
            None => {
                write!(f, "{}: {} rows verified", self.chain, self.rows_verified)?;
                if let Some(a) = self.anchor_seq {
                    write!(f, " (after purge anchor at chain_seq {a})")?;
                }
                if let Some(h) = &self.head_hash {
                    write!(f, "; head chain_seq {} hash {h}", self.head_seq)?;
                }
                Ok(())
            }
        }
    }
}

/// Seals, then verifies the given chains (both by default).
pub async fn verify_chains(
    state: &AppState,
    chain: Option<Chain>,
) -> ServiceResult<Vec<ChainReport>> {
    let chains: Vec<Chain> = match chain {
        Some(c) => vec![c],
        None => Chain::ALL.to_vec(),
    };
    let mut out = Vec::with_capacity(chains.len());
    for c in chains {
        out.push(verify(state, c).await?);
    }
    Ok(out)
}

/// Seals, then checks one chain from its anchor to its head.
pub async fn verify(state: &AppState, chain: Chain) -> ServiceResult<ChainReport> {
    match chain {
        Chain::QueryLog => {
            seal_chain::<query_log::Entity>(state).await?;
            verify_chain::<query_log::Entity>(state).await
        }
        Chain::AuditEvent => {
            seal_chain::<audit_event::Entity>(state).await?;
            verify_chain::<audit_event::Entity>(state).await
        }
    }
}

/// Checks one chain in one read transaction (a snapshot: rows sealed or
/// purged meanwhile do not show up half-way).
pub async fn verify_chain<E: Chained>(state: &AppState) -> ServiceResult<ChainReport> {
    let txn = match state.db.get_database_backend() {
        DatabaseBackend::Postgres => {
            state
                .db
                .begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await?
        }
        _ => state.db.begin().await?,
    };
    let report = walk::<E>(&txn).await;
    txn.rollback().await?;
    report
}

async fn walk<E: Chained>(conn: &impl ConnectionTrait) -> ServiceResult<ChainReport> {
    let head = select_head(conn, E::CHAIN, false).await?;
    let (head_seq, head_hash, anchor_seq, anchor_hash) = match &head {
        Some(h) => (
            h.last_seq,
            h.last_hash.clone(),
            h.anchor_seq,
            h.anchor_hash.clone(),
        ),
        None => (0, None, None, None),
    };
    let mut report = ChainReport {
        chain: E::CHAIN,
        rows_verified: 0,
        anchor_seq,
        head_seq,
        head_hash: head_hash.clone(),
        broken: None,
    };
    let broken = |seq: i64, id: Option<i64>, code: &'static str, message: String| BrokenLink {
        chain: E::CHAIN,
        chain_seq: seq,
        id,
        code,
        message,
    };

    if E::CHAIN == <query_log::Entity as Chained>::CHAIN
        && let Some(b) = check_anchor(conn, anchor_seq, anchor_hash.as_deref()).await?
    {
        report.broken = Some(broken(b.0, None, "ANCHOR_MISMATCH", b.1));
        return Ok(report);
    }

    let mut expected = anchor_seq.unwrap_or(0) + 1;
    let mut prev = anchor_hash.unwrap_or_else(|| GENESIS_HASH.to_string());
    let mut after: Option<i64> = None;
    loop {
        let mut q = E::find()
            .filter(E::seq_col().is_not_null())
            .filter(E::seq_col().lte(head_seq));
        if let Some(a) = after {
            q = q.filter(E::seq_col().gt(a));
        }
        let rows = q.order_by_asc(E::seq_col()).limit(BATCH).all(conn).await?;
        let n = rows.len() as u64;
        for row in &rows {
            let links = E::links(row);
            let Some(seq) = links.chain_seq else {
                continue;
            };
            after = Some(seq);
            if seq != expected {
                let (at, message) = if seq > expected {
                    (
                        expected,
                        format!(
                            "the row at this position is missing (the next present is chain_seq {seq}, id {})",
                            links.id
                        ),
                    )
                } else {
                    (
                        seq,
                        format!("a row sits before the chain's start (chain_seq {expected})"),
                    )
                };
                let id = (seq < expected).then_some(links.id);
                report.broken = Some(broken(at, id, "ROW_MISSING", message));
                return Ok(report);
            }
            if links.prev_hash.as_deref() != Some(prev.as_str()) {
                report.broken = Some(broken(
                    seq,
                    Some(links.id),
                    "PREV_HASH_MISMATCH",
                    "prev_hash is not the previous row's hash (a row before it was changed, removed or reordered)".into(),
                ));
                return Ok(report);
            }
            let recomputed = row_hash::<E>(row, seq, &prev);
            if links.hash.as_deref() != Some(recomputed.as_str()) {
                report.broken = Some(broken(
                    seq,
                    Some(links.id),
                    "HASH_MISMATCH",
                    "the hash does not match the row's content (the row was changed)".into(),
                ));
                return Ok(report);
            }
            prev = recomputed;
            expected += 1;
            report.rows_verified += 1;
        }
        if n < BATCH {
            break;
        }
    }
    if expected - 1 != head_seq {
        report.broken = Some(broken(
            expected,
            None,
            "ROWS_MISSING_AT_END",
            format!("the chain ends before its head (chain_seq {head_seq}): rows were removed"),
        ));
    } else if head_seq > 0 && head_hash.as_deref() != Some(prev.as_str()) {
        report.broken = Some(broken(
            head_seq,
            None,
            "HEAD_MISMATCH",
            "the chain head's hash is not the last row's".into(),
        ));
    }
    Ok(report)
}

/// The query log's anchor must be the one the last purge wrote to the audit
/// trail (itself chained and never purged). `Some((seq, message))` when not.
async fn check_anchor(
    conn: &impl ConnectionTrait,
    anchor_seq: Option<i64>,
    anchor_hash: Option<&str>,
) -> ServiceResult<Option<(i64, String)>> {
    let last_purge = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(PURGE_ACTION))
        .order_by_desc(audit_event::Column::Id)
        .one(conn)
        .await?;
    let recorded = last_purge.as_ref().map(|e| {
        (
            e.detail.get("anchor_seq").and_then(Value::as_i64),
            e.detail
                .get("anchor_hash")
                .and_then(Value::as_str)
                .map(str::to_string),
        )
    });
    match (anchor_seq, recorded) {
        (None, None) => Ok(None),
        (Some(seq), Some((Some(rseq), Some(rhash))))
            if seq == rseq && anchor_hash == Some(rhash.as_str()) =>
        {
            Ok(None)
        }
        (Some(seq), _) => Ok(Some((
            seq,
            "the purge anchor is not the one the audit trail recorded for the last purge".into(),
        ))),
        (None, Some(_)) => Ok(Some((
            1,
            "the audit trail records a purge but the chain has no anchor".into(),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a = json!({"b": 1, "a": {"z": [3, {"y": "好", "x": null}], "c": true}});
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"c":true,"z":[3,{"x":null,"y":"好"}]},"b":1}"#
        );
    }

    fn row() -> audit_event::Model {
        audit_event::Model {
            id: 7,
            occurred_at: "2026-03-04T05:06:07.123456Z".parse().unwrap(),
            actor_kind: entity::enums::ActorKind::System,
            actor_account_id: None,
            actor_client_id: None,
            action: "records.archive".into(),
            object_type: "credit_record".into(),
            object_id: None,
            subject_id: None,
            detail: json!({"archived": 3}),
            ip: None,
            request_id: Some("job".into()),
            chain_seq: None,
            prev_hash: None,
            hash: None,
        }
    }

    #[test]
    fn the_hash_covers_content_position_and_predecessor() {
        let r = row();
        let h = row_hash::<audit_event::Entity>(&r, 1, GENESIS_HASH);
        assert_eq!(h.len(), 64);
        assert_eq!(h, row_hash::<audit_event::Entity>(&r, 1, GENESIS_HASH));
        assert_ne!(h, row_hash::<audit_event::Entity>(&r, 2, GENESIS_HASH));
        assert_ne!(h, row_hash::<audit_event::Entity>(&r, 1, &"1".repeat(64)));
        let mut changed = r.clone();
        changed.detail = json!({"archived": 4});
        assert_ne!(
            h,
            row_hash::<audit_event::Entity>(&changed, 1, GENESIS_HASH)
        );
        // The chain columns themselves are not content.
        let mut sealed = r;
        sealed.chain_seq = Some(1);
        sealed.hash = Some(h.clone());
        assert_eq!(h, row_hash::<audit_event::Entity>(&sealed, 1, GENESIS_HASH));
    }
}
