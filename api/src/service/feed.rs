//! The change feed for credit agencies (`recordChanges`), and the rule of
//! which change events an agency may learn about, shared with the webhook
//! fan-out (`service::webhooks`). See docs/webhooks.md.
//!
//! Agencies republish what the platform gives them and must delete shielded,
//! withdrawn or repaired entries within 3 working days (seed 002 l.393). The
//! feed tells them, in `change_event.id` order, about the subjects they
//! are entitled to follow:
//!
//! - **consented**: the agency holds a live consent for the subject (status
//!   `active`, inside `valid_from`..`valid_until`) — every record event, except
//!   about government-only records (never shown to agencies);
//! - **received**: the agency has received non-public data about the subject
//!   (a `query_log` row with its `agency_id`) but holds no live consent —
//!   every change to records it may hold (corrections, suspensions,
//!   withdrawals, repairs, archiving...), but news of a *new* non-public
//!   record (`created`, `restored`) only with a consent;
//! - its own consents' lifecycle events (`consent_granted`, `consent_revoked`…).
//!
//! An event carries ids, the kind, the time and the deletion deadline —
//! never a record's content: the agency reads the record itself, under the
//! same checks as any other read.
//!
//! **Commit order.** Ids are assigned at insert, but on PostgreSQL
//! transactions commit in any order: a reader could see event 11 while 10 is
//! still uncommitted, move its cursor past 10 and never see it. The feed and
//! the fan-out therefore only read up to a *settled horizon*
//! ([`settled_horizon`]): PostgreSQL takes `LOCK TABLE change_event IN SHARE
//! MODE` briefly, which waits for every transaction still inserting events
//! and holds new ones back for the instant it takes to read `max(id)`;
//! every id at or below that maximum is then final. On SQLite write
//! transactions are serialised, so ids commit in order and nothing is needed.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use domain::calendar::Dated;
use entity::enums::{ConsentStatus, Disclosure};
use entity::{change_event, consent, credit_record, job_run, query_log, subject};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationDef, TransactionTrait,
};
use serde_json::{Value, json};

use super::{ServiceError, ServiceResult};
use crate::auth::{Actor, ClientActor};
use crate::state::{AppState, Reference};

/// Scope an agency's API client needs to read the change feed.
pub const SCOPE_CHANGES_READ: &str = "changes:read";
/// Most events one page of the feed may hold.
pub const MAX_PAGE_SIZE: i32 = 100;

/// Kinds of record events, as stored in `change_event.kind`.
pub const RECORD_KINDS: &[&str] = &[
    "created",
    "corrected",
    "withdrawn",
    "suspended",
    "restored",
    "repaired",
    "archived",
    "deleted",
    "delisted",
];

/// Kinds of consent lifecycle events (they carry `consent_id`).
pub const CONSENT_KINDS: &[&str] = &[
    "consent_requested",
    "consent_granted",
    "consent_denied",
    "consent_renewed",
    "consent_revoked",
];

/// Kinds after which a republisher must delete what it holds about the
/// record: they carry `deleteBy` (rule `delisting.republisher_deletion`).
pub const REMOVAL_KINDS: &[&str] = &["withdrawn", "repaired", "archived", "deleted", "delisted"];

/// Record events that announce a record rather than change one the agency
/// may hold: about non-public records they need a live consent.
const ANNOUNCING_KINDS: &[&str] = &["created", "restored"];

/// Every kind an agency can follow (feed and webhook subscriptions).
pub fn all_kinds() -> impl Iterator<Item = &'static str> {
    RECORD_KINDS.iter().chain(CONSENT_KINDS).copied()
}

/// Whether `kind` is one an agency can follow.
pub fn is_known_kind(kind: &str) -> bool {
    all_kinds().any(|k| k == kind)
}

/// The agency client reading the feed (or managing webhooks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgencyClient {
    pub agency_id: i64,
    pub api_client_id: i64,
}

/// An agency's API client with `scope`, or the error to return.
pub fn agency_client(actor: &Actor, scope: &str) -> ServiceResult<AgencyClient> {
    match actor {
        Actor::Anonymous => Err(ServiceError::Unauthenticated(
            "use an agency API client's access token",
        )),
        Actor::Client(ClientActor {
            agency_id: Some(agency_id),
            api_client_id,
            scopes,
            ..
        }) if scopes.iter().any(|s| s == scope) => Ok(AgencyClient {
            agency_id: *agency_id,
            api_client_id: *api_client_id,
        }),
        _ => Err(ServiceError::Forbidden),
    }
}

// ---------------------------------------------------------------------------
// Who may see which event.

/// `change_event LEFT JOIN credit_record ON record_id`: the record's
/// disclosure decides what an agency may learn.
pub(crate) fn record_join() -> RelationDef {
    change_event::Entity::belongs_to(credit_record::Entity)
        .from(change_event::Column::RecordId)
        .to(credit_record::Column::Id)
        .into()
}

fn consented_subjects(agency_id: i64, now: DateTime<Utc>) -> SelectStatement {
    Query::select()
        .column(consent::Column::SubjectId)
        .from(consent::Entity)
        .and_where(consent::Column::AgencyId.eq(agency_id))
        .and_where(consent::Column::Status.eq(ConsentStatus::Active))
        .and_where(consent::Column::ValidFrom.lte(now))
        .and_where(consent::Column::ValidUntil.gt(now))
        .to_owned()
}

fn received_subjects(agency_id: i64) -> SelectStatement {
    Query::select()
        .column(query_log::Column::SubjectId)
        .from(query_log::Entity)
        .and_where(query_log::Column::AgencyId.eq(agency_id))
        .to_owned()
}

fn own_consents(agency_id: i64) -> SelectStatement {
    Query::select()
        .column(consent::Column::Id)
        .from(consent::Entity)
        .and_where(consent::Column::AgencyId.eq(agency_id))
        .to_owned()
}

/// The events `agency_id` may see at `now`, as a condition over
/// `change_event` joined with [`record_join`] (see the module docs).
pub(crate) fn visible_to(agency_id: i64, now: DateTime<Utc>) -> Condition {
    let not_government = Condition::any()
        .add(credit_record::Column::Id.is_null())
        .add(credit_record::Column::Disclosure.ne(Disclosure::Government));
    let received_basis = Condition::all()
        .add(change_event::Column::SubjectId.in_subquery(received_subjects(agency_id)))
        .add(
            Condition::any()
                .add(credit_record::Column::Disclosure.eq(Disclosure::Public))
                .add(change_event::Column::Kind.is_not_in(ANNOUNCING_KINDS.iter().copied())),
        );
    let record_events = Condition::all()
        .add(change_event::Column::Kind.is_in(RECORD_KINDS.iter().copied()))
        .add(not_government)
        .add(
            Condition::any()
                .add(
                    change_event::Column::SubjectId.in_subquery(consented_subjects(agency_id, now)),
                )
                .add(received_basis),
        );
    let consent_events = Condition::all()
        .add(change_event::Column::Kind.is_in(CONSENT_KINDS.iter().copied()))
        .add(change_event::Column::ConsentId.in_subquery(own_consents(agency_id)));
    Condition::any().add(record_events).add(consent_events)
}

// ---------------------------------------------------------------------------
// The settled horizon.

/// Up to where change events are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Horizon {
    /// Every visible event is final (SQLite: writes are serialised).
    Unbounded,
    /// Every event with an id at or below this one is committed or never will be.
    UpTo(i64),
    /// Writers did not let go within the time allowed; try again later.
    Busy,
}

impl Horizon {
    /// Applies the horizon to a query on `change_event`.
    pub fn bound<Q: QueryFilter>(self, q: Q) -> Q {
        match self {
            Horizon::UpTo(h) => q.filter(change_event::Column::Id.lte(h)),
            Horizon::Unbounded | Horizon::Busy => q,
        }
    }
}

/// The settled horizon of `change_event` (module docs). On PostgreSQL waits
/// at most `lock_timeout_ms` for in-flight writers.
pub async fn settled_horizon(
    db: &DatabaseConnection,
    lock_timeout_ms: u32,
) -> ServiceResult<Horizon> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(Horizon::Unbounded);
    }
    let txn = db.begin().await?;
    txn.execute_unprepared(&format!("SET LOCAL lock_timeout = '{lock_timeout_ms}ms'"))
        .await?;
    if let Err(e) = txn
        .execute_unprepared("LOCK TABLE change_event IN SHARE MODE")
        .await
    {
        tracing::debug!(error = %e, "change_event writers busy; horizon not advanced");
        txn.rollback().await.ok();
        return Ok(Horizon::Busy);
    }
    let max: Option<i64> = change_event::Entity::find()
        .select_only()
        .column_as(change_event::Column::Id.max(), "max_id")
        .into_tuple::<Option<i64>>()
        .one(&txn)
        .await?
        .flatten();
    txn.commit().await?;
    Ok(Horizon::UpTo(max.unwrap_or(0)))
}

/// `job_run` key of the fan-out cursor (`detail.last_event_id`).
pub const FANOUT_CURSOR_KEY: &str = "webhooks.fanout";

/// The last event the webhook fan-out has passed: settled by construction.
pub(crate) async fn fanout_cursor(conn: &impl ConnectionTrait) -> ServiceResult<i64> {
    Ok(job_run::Entity::find()
        .filter(job_run::Column::Key.eq(FANOUT_CURSOR_KEY))
        .one(conn)
        .await?
        .and_then(|r| r.detail.get("last_event_id").and_then(Value::as_i64))
        .unwrap_or(0))
}

/// The horizon for a feed read: exact when writers let go quickly, else
/// what the fan-out has already settled (at most one job tick behind).
async fn feed_horizon(db: &DatabaseConnection) -> ServiceResult<Horizon> {
    match settled_horizon(db, FEED_LOCK_TIMEOUT_MS).await? {
        Horizon::Busy => Ok(Horizon::UpTo(fanout_cursor(db).await?)),
        h => Ok(h),
    }
}

/// How long a feed read waits for in-flight writers on PostgreSQL.
const FEED_LOCK_TIMEOUT_MS: u32 = 100;

// ---------------------------------------------------------------------------
// Events as agencies see them.

/// An event's deletion deadline: 3 working days after the day it happened
/// (rule `delisting.republisher_deletion` in force that day) for removals,
/// none otherwise.
pub fn delete_by(reference: &Reference, kind: &str, occurred_at: DateTime<Utc>) -> Option<Dated> {
    if !REMOVAL_KINDS.contains(&kind) {
        return None;
    }
    let start = domain::time::local_date(occurred_at);
    let rule = reference
        .rules
        .rule_in_force(domain::rules::DELISTING_REPUBLISHER_DELETION, start)?;
    Some(rule.apply(start, &reference.calendar))
}

/// An opaque global id, `base64url("Type:id")`: the same encoding as
/// `graphql::node::global_id`, for ids the service layer puts in payloads.
pub fn opaque_id(type_name: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}"))
}

/// The id of a change event in the feed and in webhook payloads.
pub fn event_id(id: i64) -> String {
    opaque_id("ChangeEvent", id)
}

/// The webhook payload of an event: ids and kind, never content.
pub fn payload(event: &change_event::Model, delete_by: Option<Dated>) -> Value {
    json!({
        "id": event_id(event.id),
        "kind": event.kind,
        "occurredAt": event.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "subjectId": opaque_id("Subject", event.subject_id),
        "recordId": event.record_id.map(|r| opaque_id("CreditRecord", r)),
        "consentId": event.consent_id.map(|c| opaque_id("Consent", c)),
        "deleteBy": delete_by.map(|d| d.date.to_string()),
    })
}

/// One event of the feed.
#[derive(Clone, Debug)]
pub struct FeedItem {
    pub event: change_event::Model,
    /// The subject, shown by id, name and (masked for people) identifier only.
    pub subject: Arc<subject::Model>,
    pub delete_by: Option<Dated>,
}

/// One page of the feed, oldest first.
#[derive(Clone, Debug)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    pub has_next: bool,
    /// Where to resume: the last event of the page, or `after` when empty.
    pub end: Option<i64>,
}

/// The events for the calling agency after `after` (a `change_event.id`),
/// oldest first, at most `first` (1 to [`MAX_PAGE_SIZE`]).
pub async fn record_changes(
    state: &AppState,
    actor: &Actor,
    after: Option<i64>,
    first: i32,
) -> ServiceResult<FeedPage> {
    let reader = agency_client(actor, SCOPE_CHANGES_READ)?;
    if first > MAX_PAGE_SIZE {
        return Err(ServiceError::invalid(
            &["first"],
            "PAGE_SIZE_TOO_LARGE",
            format!("`first` may be at most {MAX_PAGE_SIZE}; page with `after`"),
        ));
    }
    let Ok(size) = u64::try_from(first) else {
        return Err(ServiceError::invalid(
            &["first"],
            "PAGE_SIZE_INVALID",
            format!("`first` must be between 0 and {MAX_PAGE_SIZE}"),
        ));
    };
    let now = state.now();
    let horizon = feed_horizon(&state.db).await?;
    let mut q = change_event::Entity::find()
        .join(JoinType::LeftJoin, record_join())
        .filter(visible_to(reader.agency_id, now));
    if let Some(a) = after {
        q = q.filter(change_event::Column::Id.gt(a));
    }
    let mut rows = horizon
        .bound(q)
        .order_by_asc(change_event::Column::Id)
        .limit(size + 1)
        .all(&state.db)
        .await?;
    let has_next = rows.len() as u64 > size;
    rows.truncate(size as usize);

    let subject_ids: Vec<i64> = rows.iter().map(|e| e.subject_id).collect();
    let subjects: std::collections::HashMap<i64, Arc<subject::Model>> = if subject_ids.is_empty() {
        Default::default()
    } else {
        subject::Entity::find()
            .filter(super::one_of(
                state.db.get_database_backend(),
                subject::Column::Id,
                subject_ids,
            ))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|s| (s.id, Arc::new(s)))
            .collect()
    };
    let reference = state.reference();
    let mut items = Vec::with_capacity(rows.len());
    for event in rows {
        let subject = subjects.get(&event.subject_id).cloned().ok_or_else(|| {
            ServiceError::Internal(format!("event {} names no subject", event.id))
        })?;
        let delete_by = delete_by(&reference, &event.kind, event.occurred_at);
        items.push(FeedItem {
            event,
            subject,
            delete_by,
        });
    }
    let end = items.last().map(|i| i.event.id).or(after);
    Ok(FeedPage {
        items,
        has_next,
        end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::node::{NodeType, global_id};

    #[test]
    fn payload_ids_are_the_graphql_global_ids() {
        assert_eq!(opaque_id("Subject", 42), global_id(NodeType::Subject, 42).0);
        assert_eq!(
            opaque_id("CreditRecord", 7),
            global_id(NodeType::CreditRecord, 7).0
        );
    }

    #[test]
    fn removals_are_due_three_working_days_later() {
        let reference = Reference {
            calendar: domain::calendar::Calendar::builtin(),
            rules: domain::rules::RuleSet::builtin(),
            calendar_loads: Default::default(),
        };
        // Tue 2025-09-30, 10:00 in Shanghai: 1-8 Oct are the National Day
        // holiday, then Thu 9, Fri 10 and the make-up Saturday 11 Oct.
        let at = "2025-09-30T02:00:00Z".parse().unwrap();
        let d = delete_by(&reference, "withdrawn", at).unwrap();
        assert_eq!(d.date.to_string(), "2025-10-11");
        assert!(!d.provisional);
        // 23:30 on 30 Sep in UTC is already 1 Oct in Shanghai: the same deadline.
        let late = "2025-09-30T23:30:00Z".parse().unwrap();
        assert_eq!(
            delete_by(&reference, "archived", late)
                .unwrap()
                .date
                .to_string(),
            "2025-10-11"
        );
        assert_eq!(delete_by(&reference, "corrected", at), None);
        assert_eq!(delete_by(&reference, "consent_revoked", at), None);
    }

    #[test]
    fn kinds_are_known() {
        assert!(is_known_kind("withdrawn"));
        assert!(is_known_kind("consent_granted"));
        assert!(!is_known_kind("ping"));
        assert!(REMOVAL_KINDS.iter().all(|k| RECORD_KINDS.contains(k)));
    }
}
