//! The query log: writing a row (in the transaction of the read it
//! records), the subject's view of who looked at it, and retention.
//!
//! Rows are append-only and hash-chained (`service::chain`). They are kept
//! for the `query_log.retention` rule (3 years from the day the row was
//! written, Fujian Measures Art. 27) and then purged by the job ticker
//! ([`purge_expired_query_logs`]); purging leaves an anchor so the chain
//! still verifies. See docs/query-log.md.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::rules::QUERY_LOG_RETENTION;
use entity::enums::{ActorKind, Channel};
use entity::{agency, chain_head, credit_record, department, query_log, record_category};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::chain::{self, Chained, PURGE_ACTION};
use super::views::{self, MAX_PAGE_SIZE, Page};
use super::{ServiceError, ServiceResult, begin_write, consents};
use crate::auth::{Actor, RequestMeta};
use crate::state::{AppState, Reference};

/// Rows deleted per purge transaction.
const PURGE_CHUNK: i64 = 1000;

/// One query-log row to write.
#[derive(Clone, Debug)]
pub struct Entry {
    pub occurred_at: DateTime<Utc>,
    pub subject_id: i64,
    pub actor_kind: ActorKind,
    pub account_id: Option<i64>,
    pub api_client_id: Option<i64>,
    pub agency_id: Option<i64>,
    pub department_id: Option<i64>,
    pub consent_id: Option<i64>,
    pub purpose_code: String,
    pub purpose_text: Option<String>,
    pub channel: Channel,
    pub record_ids: Vec<i64>,
    pub request_id: Option<String>,
}

/// Appends one row on `conn` (the read's transaction), unchained: the
/// sealer chains it later, so writing takes no global lock.
pub async fn write(conn: &impl ConnectionTrait, e: Entry) -> Result<(), sea_orm::DbErr> {
    // Every consented query writes one: a fixed statement.
    super::fixed::insert_query_log(conn, e).await
}

// ---------------------------------------------------------------------------
// The subject's view: who looked at me.

/// A purpose's display names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurposeNames {
    pub zh: String,
    pub en: String,
}

/// Display names of a purpose code written to the query log: an agency's
/// purpose (`api/resources/purposes.toml`) or one of the platform's own.
pub fn purpose_names(code: &str) -> Option<PurposeNames> {
    let names = |zh: &str, en: &str| PurposeNames {
        zh: zh.into(),
        en: en.into(),
    };
    match code {
        views::PURPOSE_OWN => Some(names("本主体查看自身信息", "The subject's own view")),
        views::PURPOSE_GOVERNMENT => Some(names("政务共享", "Government sharing")),
        _ => consents::purpose(code).map(|p| names(&p.name_zh, &p.name_en)),
    }
}

/// A record a query returned, as the subject sees it in its log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenRecord {
    pub id: i64,
    pub title: String,
    pub category_code: String,
    pub category_name_zh: String,
    pub category_name_en: String,
}

/// One query-log row with what it refers to, for the subject.
#[derive(Clone, Debug)]
pub struct LogEntryView {
    pub row: query_log::Model,
    pub agency_name: Option<String>,
    pub department: Option<(String, String)>,
    pub purpose: Option<PurposeNames>,
    /// The records the query returned, in the order logged.
    pub records: Vec<SeenRecord>,
}

/// The query log of a subject, newest first, for an account bound to it:
/// who looked (the agency, the department, the platform), when, for what
/// purpose, under which consent, and which records came back. The
/// subject's own reads are left out unless `include_own` is set. Only
/// `first`/`after` paging; `first` is required, at most 100.
pub async fn subject_query_log(
    state: &AppState,
    actor: &Actor,
    subject_id: i64,
    first: Option<i32>,
    after: Option<i64>,
    include_own: bool,
) -> ServiceResult<Page<LogEntryView>> {
    let size = match first {
        None => {
            return Err(ServiceError::invalid(
                &["first"],
                "PAGE_SIZE_REQUIRED",
                format!("give `first` (with `after`), at most {MAX_PAGE_SIZE}"),
            ));
        }
        Some(n) if n > MAX_PAGE_SIZE => {
            return Err(ServiceError::invalid(
                &["first"],
                "PAGE_SIZE_TOO_LARGE",
                format!("`first` may be at most {MAX_PAGE_SIZE}; page with the cursors"),
            ));
        }
        Some(n) => usize::try_from(n).map_err(|_| {
            ServiceError::invalid(
                &["first"],
                "PAGE_SIZE_INVALID",
                format!("`first` must be between 0 and {MAX_PAGE_SIZE}"),
            )
        })?,
    };
    if actor.account().is_none() {
        return Err(match actor {
            Actor::Anonymous => ServiceError::Unauthenticated("sign in to see your query log"),
            _ => ServiceError::Forbidden,
        });
    }
    if !views::is_bound(&state.db, actor, subject_id).await? {
        return Err(ServiceError::Forbidden);
    }
    let mut q = query_log::Entity::find().filter(query_log::Column::SubjectId.eq(subject_id));
    if !include_own {
        q = q.filter(query_log::Column::PurposeCode.ne(views::PURPOSE_OWN));
    }
    if let Some(a) = after {
        q = q.filter(query_log::Column::Id.lt(a));
    }
    let mut rows = q
        .order_by_desc(query_log::Column::Id)
        .limit(size as u64 + 1)
        .all(&state.db)
        .await?;
    let has_next = rows.len() > size;
    rows.truncate(size);

    let ids = |f: fn(&query_log::Model) -> Option<i64>| -> Vec<i64> {
        rows.iter()
            .filter_map(f)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect()
    };
    let agency_ids = ids(|r| r.agency_id);
    let department_ids = ids(|r| r.department_id);
    let agencies: HashMap<i64, String> = if agency_ids.is_empty() {
        HashMap::new()
    } else {
        agency::Entity::find()
            .filter(super::one_of(
                state.db.get_database_backend(),
                agency::Column::Id,
                agency_ids,
            ))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect()
    };
    let departments: HashMap<i64, (String, String)> = if department_ids.is_empty() {
        HashMap::new()
    } else {
        department::Entity::find()
            .filter(super::one_of(
                state.db.get_database_backend(),
                department::Column::Id,
                department_ids,
            ))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|d| (d.id, (d.name_zh, d.name_en)))
            .collect()
    };
    let logged_ids = |r: &query_log::Model| -> Vec<i64> {
        serde_json::from_value(r.record_ids.clone()).unwrap_or_default()
    };
    let record_ids: Vec<i64> = rows
        .iter()
        .flat_map(logged_ids)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut records: HashMap<i64, credit_record::Model> = HashMap::new();
    for chunk in record_ids.chunks(500) {
        for r in credit_record::Entity::find()
            .filter(super::one_of(
                state.db.get_database_backend(),
                credit_record::Column::Id,
                chunk.to_vec(),
            ))
            // Defence in depth: only this subject's records.
            .filter(credit_record::Column::SubjectId.eq(subject_id))
            .all(&state.db)
            .await?
        {
            records.insert(r.id, r);
        }
    }
    let categories: HashMap<i64, record_category::Model> = if records.is_empty() {
        HashMap::new()
    } else {
        record_category::Entity::find()
            .all(&state.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect()
    };
    let items = rows
        .into_iter()
        .map(|row| {
            let seen = logged_ids(&row)
                .into_iter()
                .filter_map(|id| {
                    let r = records.get(&id)?;
                    let c = categories.get(&r.category_id)?;
                    Some(SeenRecord {
                        id,
                        title: r.title.clone(),
                        category_code: c.code.clone(),
                        category_name_zh: c.name_zh.clone(),
                        category_name_en: c.name_en.clone(),
                    })
                })
                .collect();
            LogEntryView {
                agency_name: row.agency_id.and_then(|id| agencies.get(&id).cloned()),
                department: row
                    .department_id
                    .and_then(|id| departments.get(&id).cloned()),
                purpose: purpose_names(&row.purpose_code),
                records: seen,
                row,
            }
        })
        .collect();
    Ok(Page {
        items,
        has_previous: after.is_some(),
        has_next,
    })
}

// ---------------------------------------------------------------------------
// Retention.

/// The last day a row written on `written_on` must be kept, by the rule in
/// force on that day; `None` when no rule is in force (then it is kept).
fn kept_until(reference: &Reference, written_on: NaiveDate) -> Option<NaiveDate> {
    reference
        .rules
        .rule_in_force(QUERY_LOG_RETENTION, written_on)
        .map(|rule| rule.apply(written_on, &reference.calendar).date)
}

/// The earliest day whose rows must still be kept on `today`: rows written
/// before it are past retention. `None` when nothing is past retention.
pub fn retention_cutoff(reference: &Reference, today: NaiveDate) -> Option<NaiveDate> {
    let expired = |d: NaiveDate| kept_until(reference, d).is_some_and(|until| until < today);
    // Start from the retention period counted back, then settle on the
    // exact day with the rule itself (month ends, leap days).
    let rule = reference.rules.rule_in_force(QUERY_LOG_RETENTION, today)?;
    let back = match rule.unit {
        domain::rules::Unit::Years => {
            today.checked_sub_months(chrono::Months::new(rule.amount.saturating_mul(12)))
        }
        domain::rules::Unit::Months => today.checked_sub_months(chrono::Months::new(rule.amount)),
        domain::rules::Unit::CalendarDays => today.checked_sub_days(Days::new(rule.amount.into())),
        domain::rules::Unit::WorkingDays => {
            today.checked_sub_days(Days::new(u64::from(rule.amount) * 2 + 30))
        }
    }?;
    let mut cutoff = back;
    // Never more than a few steps: the guess is off by month-end days at most.
    for _ in 0..400 {
        match cutoff.pred_opt() {
            Some(p) if !expired(p) => cutoff = p,
            _ => break,
        }
    }
    for _ in 0..400 {
        if expired(cutoff) {
            cutoff = cutoff.succ_opt()?;
        } else {
            break;
        }
    }
    // Every day before the cutoff must be expired for the cutoff to hold.
    cutoff.pred_opt().filter(|p| expired(*p)).map(|_| cutoff)
}

/// What one purge did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub rows: u64,
    /// The chain's anchor after the purge (position of the last row deleted).
    pub anchor_seq: Option<i64>,
    /// Rows written before this day were past retention.
    pub cutoff: Option<NaiveDate>,
}

/// Deletes the query-log rows past retention on `now`'s day, oldest first
/// in chain order. Only a prefix of the chain is deleted (a row past
/// retention that follows a row still kept waits for it), and each batch
/// moves the chain's anchor to the last row it deleted and records the
/// anchor in the audit trail, in the same transaction, so the chain still
/// verifies from the anchor. Seals first; safe to run on several replicas.
pub async fn purge_expired_query_logs(
    state: &AppState,
    now: DateTime<Utc>,
) -> ServiceResult<Purged> {
    let today = domain::time::local_date(now);
    let mut out = Purged {
        cutoff: retention_cutoff(&state.reference(), today),
        ..Default::default()
    };
    let Some(cutoff) = out.cutoff else {
        return Ok(out);
    };
    let cutoff_at = domain::time::start_of_local_day_utc(cutoff);
    chain::seal_chain::<query_log::Entity>(state).await?;
    let meta = RequestMeta {
        request_id: Some("job".into()),
        ..Default::default()
    };
    loop {
        let txn = begin_write(&state.db).await?;
        let head = chain::lock_head(&txn, query_log::Entity::CHAIN, now).await?;
        // The first sealed row still kept bounds the prefix that may go.
        let first_kept = query_log::Entity::find()
            .filter(query_log::Column::ChainSeq.is_not_null())
            .filter(query_log::Column::OccurredAt.gte(cutoff_at))
            .order_by_asc(query_log::Column::ChainSeq)
            .one(&txn)
            .await?
            .and_then(|r| r.chain_seq);
        let last_expired = match first_kept {
            Some(seq) => seq - 1,
            None => head.last_seq,
        };
        let from = head.anchor_seq.unwrap_or(0) + 1;
        if last_expired < from {
            txn.commit().await?;
            out.anchor_seq = head.anchor_seq;
            return Ok(out);
        }
        let to = std::cmp::min(last_expired, from + PURGE_CHUNK - 1);
        let anchor = query_log::Entity::find()
            .filter(query_log::Column::ChainSeq.eq(to))
            .one(&txn)
            .await?
            .and_then(|r| r.hash)
            .ok_or_else(|| {
                ServiceError::Internal(format!(
                    "query_log chain_seq {to} is missing: run `xinyong audit verify` before purging"
                ))
            })?;
        let deleted = query_log::Entity::delete_many()
            .filter(query_log::Column::ChainSeq.gte(from))
            .filter(query_log::Column::ChainSeq.lte(to))
            .exec(&txn)
            .await?
            .rows_affected;
        chain_head::Entity::update_many()
            .col_expr(chain_head::Column::AnchorSeq, Expr::value(Some(to)))
            .col_expr(
                chain_head::Column::AnchorHash,
                Expr::value(Some(anchor.clone())),
            )
            .col_expr(
                chain_head::Column::PurgedRows,
                Expr::col(chain_head::Column::PurgedRows).add(Expr::value(deleted as i64)),
            )
            .col_expr(chain_head::Column::UpdatedAt, Expr::value(now))
            .filter(chain_head::Column::Id.eq(head.id))
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            AuditEntry::system(PURGE_ACTION, "query_log", now, &meta).detail(json!({
                "deleted": deleted,
                "from_seq": from,
                "anchor_seq": to,
                "anchor_hash": anchor,
                "written_before": cutoff.to_string(),
            })),
        )
        .await?;
        txn.commit().await?;
        out.rows += deleted;
        out.anchor_seq = Some(to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::calendar::Calendar;
    use domain::rules::RuleSet;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn reference() -> Reference {
        Reference {
            calendar: Calendar::default(),
            rules: RuleSet::builtin(),
            calendar_loads: Default::default(),
        }
    }

    #[test]
    fn rows_are_kept_three_years_to_the_corresponding_day() {
        let r = reference();
        // Written 2024-02-29: kept through 2027-02-28, purged from 2027-03-01.
        assert_eq!(kept_until(&r, d("2024-02-29")), Some(d("2027-02-28")));
        assert_eq!(retention_cutoff(&r, d("2027-02-28")), Some(d("2024-02-28")));
        assert_eq!(retention_cutoff(&r, d("2027-03-01")), Some(d("2024-03-01")));
        // Written 2023-06-10: kept through 2026-06-10.
        assert_eq!(retention_cutoff(&r, d("2026-06-10")), Some(d("2023-06-10")));
        assert_eq!(retention_cutoff(&r, d("2026-06-11")), Some(d("2023-06-11")));
    }
}
