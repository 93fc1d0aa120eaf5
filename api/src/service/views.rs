//! Reading credit records and subjects: the subject's own view, public search
//! and lists, and government sharing.
//!
//! Who sees what is decided here, per object, never by hiding fields:
//!
//! - **Own view** ([`View::Own`]): an account with a live binding to the
//!   subject (`account_subject`, `revoked_at` null) sees every record of the
//!   subject, whatever its status or disclosure, with the reason it is hidden
//!   from the public, the revision history and status reasons.
//! - **Government view** ([`View::Government`]): department staff, operators
//!   and department systems with `records:read` see what the disclosure
//!   engine shows the government audience (public, authorised and
//!   government-only records), for their work.
//! - **Public view** ([`View::Public`]): everyone else, including agencies'
//!   clients until consented queries exist. Only records that are public and
//!   inside their window right now, never anything about a natural person.
//!
//! Every read under the own or government view writes a `query_log` row in
//! the transaction of the read and returns nothing unless that row commits.
//! The public path filters in SQL ([`public_record_query`]) and re-checks
//! every row with the disclosure engine (`domain::disclosure::decide`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use domain::disclosure::{self, Attribute, Audience, PublicStatus, RecordFacts, RecordState};
use domain::identifier::{ResidentId, SubjectIdentifier, Uscc};
use entity::enums::{self as e, AccountRole, Disclosure, ListKind, RecordStatus, SubjectKind};
use entity::positional::FromRow;
use entity::{
    account_subject, credit_record, department, query_log, record_category, record_revision,
    subject,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};
use serde_json::json;

use super::{ServiceError, ServiceResult, begin_write, subjects};
use crate::auth::{Actor, RequestMeta};
use crate::state::AppState;

/// Most items one page of a connection may hold.
pub const MAX_PAGE_SIZE: i32 = 100;
/// Scope a department's API client needs for government sharing.
pub const SCOPE_RECORDS_READ: &str = "records:read";
/// Purpose codes written to `query_log`.
pub const PURPOSE_OWN: &str = "subject_own_view";
pub const PURPOSE_GOVERNMENT: &str = "government_sharing";
const MAX_PURPOSE_CHARS: usize = 200;
const MAX_QUERY_CHARS: usize = 100;
const MIN_QUERY_CHARS: usize = 2;
/// A page whose rows the engine keeps hiding stops after this many batches
/// (and says there is more), so one request cannot scan a whole table.
const MAX_SCAN_ROUNDS: usize = 20;

/// Which view of a subject and its records the caller gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Public,
    Own,
    Government,
}

/// A subject as one caller may see it. `purpose` is the caller's stated
/// purpose, carried to the query-log rows of reads made through it.
#[derive(Clone, Debug)]
pub struct SubjectView {
    pub subject: Arc<subject::Model>,
    pub view: View,
    pub purpose: Option<String>,
}

impl SubjectView {
    /// The legal representative as this view may show it: the name of a
    /// natural person is masked for the public.
    pub fn legal_representative(&self) -> Option<String> {
        let name = self.subject.legal_representative.as_deref()?;
        Some(match self.view {
            View::Public => domain::identifier::mask_person_name(name),
            View::Own | View::Government => name.to_string(),
        })
    }
}

/// Why a record is not shown to the public, in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HiddenInfo {
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

/// A record's publication: the window and whether it is public right now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publication {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub public_now: bool,
    pub hidden: Option<HiddenInfo>,
}

/// A record as one caller may see it, with what it is shown with.
#[derive(Clone, Debug)]
pub struct RecordView {
    pub record: credit_record::Model,
    pub category: Arc<record_category::Model>,
    pub department: Arc<department::Model>,
    pub subject: SubjectView,
    pub view: View,
    pub publication: Publication,
    /// The history, oldest first ([`history`]); `None` in the public view.
    pub revisions: Option<Vec<Revision>>,
}

/// One entry of a record's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    /// The record's version after this entry.
    pub version: i32,
    pub change_kind: e::ChangeKind,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A record's history, oldest first: its creation (version 1, at
/// submission; no revision row stores it, see
/// `records::write_revisions`), then each stored change. Records created
/// before that rule have a stored version 1, shown once.
pub fn history(
    record: &credit_record::Model,
    stored: Vec<record_revision::Model>,
) -> Vec<Revision> {
    let created = (!stored.iter().any(|r| r.version == 1)).then_some(Revision {
        version: 1,
        change_kind: e::ChangeKind::Create,
        reason: None,
        created_at: record.submitted_at,
    });
    created
        .into_iter()
        .chain(stored.into_iter().map(|r| Revision {
            version: r.version,
            change_kind: r.change_kind,
            reason: r.reason,
            created_at: r.created_at,
        }))
        .collect()
}

impl RecordView {
    /// Why the record's status changed; not shown to the public.
    pub fn status_reason(&self) -> Option<&str> {
        match self.view {
            View::Public => None,
            View::Own | View::Government => self.record.status_reason.as_deref(),
        }
    }
}

/// Relay paging arguments, cursors already decoded to row ids.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub first: Option<i32>,
    pub after: Option<i64>,
    pub last: Option<i32>,
    pub before: Option<i64>,
}

/// One page, in display order.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_previous: bool,
    pub has_next: bool,
}

#[derive(Clone, Copy, Debug)]
struct PageSpec {
    size: usize,
    backward: bool,
    after: Option<i64>,
    before: Option<i64>,
}

impl PageRequest {
    /// Checks `first`/`last`: exactly one, between 0 and [`MAX_PAGE_SIZE`].
    fn spec(&self) -> ServiceResult<PageSpec> {
        let (field, n, backward) = match (self.first, self.last) {
            (Some(n), None) => ("first", n, false),
            (None, Some(n)) => ("last", n, true),
            (Some(_), Some(_)) => {
                return Err(ServiceError::invalid(
                    &["last"],
                    "PAGE_ARGUMENTS_CONFLICT",
                    "give either `first` (with `after`) or `last` (with `before`), not both",
                ));
            }
            (None, None) => {
                return Err(ServiceError::invalid(
                    &["first"],
                    "PAGE_SIZE_REQUIRED",
                    format!(
                        "give `first` (with `after`) or `last` (with `before`), at most {MAX_PAGE_SIZE}"
                    ),
                ));
            }
        };
        if n > MAX_PAGE_SIZE {
            return Err(ServiceError::invalid(
                &[field],
                "PAGE_SIZE_TOO_LARGE",
                format!("`{field}` may be at most {MAX_PAGE_SIZE}; page with the cursors"),
            ));
        }
        let size = usize::try_from(n).map_err(|_| {
            ServiceError::invalid(
                &[field],
                "PAGE_SIZE_INVALID",
                format!("`{field}` must be between 0 and {MAX_PAGE_SIZE}"),
            )
        })?;
        Ok(PageSpec {
            size,
            backward,
            after: self.after,
            before: self.before,
        })
    }
}

/// Filters on a subject's records; all given conditions must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordFilter {
    pub info_class: Option<e::InfoClass>,
    /// Category code, e.g. `administrative_penalty`.
    pub category: Option<String>,
    pub status: Option<RecordStatus>,
    pub department_id: Option<i64>,
    /// Decision date range, inclusive.
    pub decided_from: Option<NaiveDate>,
    pub decided_to: Option<NaiveDate>,
}

// ---------------------------------------------------------------------------
// Who gets which view.

/// Department staff and operators, and departments' systems allowed to read
/// records: the government-sharing audience.
pub fn is_government(actor: &Actor) -> bool {
    match actor {
        Actor::Account(a) => match a.role {
            AccountRole::Operator => true,
            AccountRole::DepartmentStaff => a.department_id.is_some(),
            AccountRole::SubjectUser => false,
        },
        Actor::Client(c) => {
            c.agency_id.is_none()
                && c.department_id.is_some()
                && c.scopes.iter().any(|s| s == SCOPE_RECORDS_READ)
        }
        Actor::Anonymous => false,
    }
}

pub async fn is_bound(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    subject_id: i64,
) -> Result<bool, sea_orm::DbErr> {
    let Some(a) = actor.account() else {
        return Ok(false);
    };
    let n = account_subject::Entity::find()
        .filter(account_subject::Column::AccountId.eq(a.account_id))
        .filter(account_subject::Column::SubjectId.eq(subject_id))
        .filter(account_subject::Column::RevokedAt.is_null())
        .count(conn)
        .await?;
    Ok(n > 0)
}

/// The widest view `actor` has of the subject: its own, the government's or
/// the public's.
async fn view_for(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    subject_id: i64,
) -> Result<View, sea_orm::DbErr> {
    if is_bound(conn, actor, subject_id).await? {
        Ok(View::Own)
    } else if is_government(actor) {
        Ok(View::Government)
    } else {
        Ok(View::Public)
    }
}

fn audience(view: View) -> Audience<'static> {
    match view {
        View::Public => Audience::Public,
        View::Own => Audience::Subject,
        View::Government => Audience::Government,
    }
}

fn clean_purpose(purpose: Option<String>) -> ServiceResult<Option<String>> {
    let Some(p) = purpose else {
        return Ok(None);
    };
    let p = p.trim();
    if p.chars().count() > MAX_PURPOSE_CHARS {
        return Err(ServiceError::invalid(
            &["purpose"],
            "PURPOSE_TOO_LONG",
            format!("describe the purpose in at most {MAX_PURPOSE_CHARS} characters"),
        ));
    }
    Ok((!p.is_empty()).then(|| p.to_string()))
}

// ---------------------------------------------------------------------------
// The query log.

/// What one non-public read returned, for its `query_log` row.
struct Read<'a> {
    view: View,
    subject_id: i64,
    purpose: Option<&'a str>,
    record_ids: &'a [i64],
}

/// Writes the `query_log` row of a non-public read on `conn` (the read's
/// transaction): who, which subject, why, through which channel, and which
/// records came back.
async fn log_read(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    meta: &RequestMeta,
    now: DateTime<Utc>,
    read: Read<'_>,
) -> Result<(), sea_orm::DbErr> {
    let Read {
        view,
        subject_id,
        purpose,
        record_ids,
    } = read;
    let (account_id, api_client_id, agency_id) = match actor {
        Actor::Account(a) => (Some(a.account_id), None, None),
        Actor::Client(c) => (None, Some(c.api_client_id), c.agency_id),
        Actor::Anonymous => (None, None, None),
    };
    let purpose_code = match view {
        View::Own => PURPOSE_OWN,
        View::Government | View::Public => PURPOSE_GOVERNMENT,
    };
    let row = query_log::ActiveModel {
        occurred_at: Set(now),
        subject_id: Set(subject_id),
        actor_kind: Set(super::auth::actor_kind(actor)),
        account_id: Set(account_id),
        api_client_id: Set(api_client_id),
        agency_id: Set(agency_id),
        department_id: Set(actor.department_id()),
        consent_id: Set(None),
        purpose_code: Set(purpose_code.to_string()),
        purpose_text: Set(purpose.map(str::to_string)),
        channel: Set(meta.channel),
        record_ids: Set(json!(record_ids)),
        request_id: Set(meta.request_id.clone()),
        // Chained afterwards by the single chaining writer.
        chain_seq: Set(None),
        prev_hash: Set(None),
        hash: Set(None),
        ..Default::default()
    };
    query_log::Entity::insert(row)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Disclosure facts.

fn attribute(d: Disclosure) -> Attribute {
    match d {
        Disclosure::Public => Attribute::Public,
        Disclosure::Authorized => Attribute::Authorized,
        Disclosure::Government => Attribute::Government,
    }
}

fn record_state(s: RecordStatus) -> RecordState {
    match s {
        RecordStatus::Active => RecordState::Active,
        RecordStatus::UnderObjection => RecordState::UnderObjection,
        RecordStatus::Repaired => RecordState::Repaired,
        RecordStatus::Withdrawn => RecordState::Withdrawn,
        RecordStatus::Archived => RecordState::Archived,
        RecordStatus::Deleted => RecordState::Deleted,
    }
}

/// What the disclosure engine needs to know about a record.
pub fn facts(
    record: &credit_record::Model,
    category: &record_category::Model,
    subject_kind: SubjectKind,
) -> RecordFacts {
    RecordFacts {
        info_class: super::records::info_class(category.info_class),
        category: category.code.clone(),
        attribute: attribute(record.disclosure),
        state: record_state(record.status),
        natural_person: subject_kind == SubjectKind::NaturalPerson,
        window_start: record.disclosure_start,
        window_end: record.disclosure_end,
    }
}

fn publication(record: &credit_record::Model, f: &RecordFacts, today: NaiveDate) -> Publication {
    let (public_now, hidden) = match disclosure::public_status(f, today) {
        PublicStatus::Public { .. } => (true, None),
        PublicStatus::Hidden(reason) => (
            false,
            Some(HiddenInfo {
                code: reason.code().to_string(),
                message_zh: reason.explain_zh().to_string(),
                message_en: reason.explain_en().to_string(),
            }),
        ),
    };
    Publication {
        start: record.disclosure_start,
        end: record.disclosure_end,
        public_now,
        hidden,
    }
}

/// The rows the public may see on `today`, as a query to refine: public,
/// active, inside the window, not about a natural person. Every row it
/// yields is re-checked with the disclosure engine before it is shown.
pub fn public_record_query(today: NaiveDate) -> Select<credit_record::Entity> {
    credit_record::Entity::find()
        .inner_join(subject::Entity)
        .filter(subject::Column::Kind.ne(SubjectKind::NaturalPerson))
        .filter(credit_record::Column::Disclosure.eq(Disclosure::Public))
        .filter(disclosed_on(today))
}

/// The rows the government audience may see on `today`: every attribute,
/// but only active records inside their window (the engine's rule). Rows are
/// re-checked with the engine like the public's.
pub fn government_record_query(today: NaiveDate) -> Select<credit_record::Entity> {
    credit_record::Entity::find().filter(disclosed_on(today))
}

/// Active and inside the window on `today`, start and end included.
fn disclosed_on(today: NaiveDate) -> Condition {
    Condition::all()
        .add(credit_record::Column::Status.eq(RecordStatus::Active))
        .add(credit_record::Column::DisclosureStart.lte(today))
        .add(
            Condition::any()
                .add(credit_record::Column::DisclosureEnd.is_null())
                .add(credit_record::Column::DisclosureEnd.gte(today)),
        )
}

// ---------------------------------------------------------------------------
// Keyset paging.

/// Walks a query in keyset order on its id column, batch by batch, so rows
/// dropped after the query (by the disclosure engine) never shorten a page
/// that has more behind it.
struct Scan<E: EntityTrait> {
    base: Select<E>,
    id_col: E::Column,
    /// Display order is newest (highest id) first.
    descending: bool,
    spec: PageSpec,
    after: Option<i64>,
    before: Option<i64>,
    exhausted: bool,
}

impl<E: EntityTrait> Scan<E>
where
    E::Model: FromRow,
{
    fn new(base: Select<E>, id_col: E::Column, descending: bool, spec: PageSpec) -> Self {
        Scan {
            base,
            id_col,
            descending,
            spec,
            after: spec.after,
            before: spec.before,
            exhausted: false,
        }
    }

    /// The next `need` rows in scan order (backwards for `last`).
    async fn next(
        &mut self,
        conn: &impl ConnectionTrait,
        need: usize,
        id_of: fn(&E::Model) -> i64,
    ) -> Result<Vec<E::Model>, sea_orm::DbErr> {
        let mut q = self.base.clone();
        // "After" in display order is a smaller id when newest come first.
        if let Some(a) = self.after {
            q = q.filter(if self.descending {
                self.id_col.lt(a)
            } else {
                self.id_col.gt(a)
            });
        }
        if let Some(b) = self.before {
            q = q.filter(if self.descending {
                self.id_col.gt(b)
            } else {
                self.id_col.lt(b)
            });
        }
        let ascending_ids = self.spec.backward == self.descending;
        q = if ascending_ids {
            q.order_by_asc(self.id_col)
        } else {
            q.order_by_desc(self.id_col)
        };
        // Every page of records and subjects: decoded by position.
        let rows = super::fixed::find_all(conn, q.limit(need as u64)).await?;
        if rows.len() < need {
            self.exhausted = true;
        }
        if let Some(last) = rows.last() {
            if self.spec.backward {
                self.before = Some(id_of(last));
            } else {
                self.after = Some(id_of(last));
            }
        }
        Ok(rows)
    }

    /// Rows still wanted to fill the page and learn whether more follow.
    fn wanted(&self, have: usize) -> usize {
        (self.spec.size + 1).saturating_sub(have)
    }

    fn finish<T>(&self, mut items: Vec<T>) -> Page<T> {
        let more = !self.exhausted;
        items.truncate(self.spec.size);
        if self.spec.backward {
            items.reverse();
            Page {
                items,
                has_previous: more,
                has_next: self.spec.before.is_some(),
            }
        } else {
            Page {
                items,
                has_previous: self.spec.after.is_some(),
                has_next: more,
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Assembling record views.

/// The catalogue (a few dozen rows, kept by the process: `AppState::categories`).
struct Catalogue(Arc<crate::state::Categories>);

impl Catalogue {
    async fn load(state: &AppState, conn: &impl ConnectionTrait) -> Result<Self, sea_orm::DbErr> {
        Ok(Catalogue(state.categories(conn).await?))
    }

    fn get(&self, id: i64) -> ServiceResult<Arc<record_category::Model>> {
        self.0
            .get(&id)
            .cloned()
            .ok_or_else(|| ServiceError::Internal(format!("record category {id} missing")))
    }

    fn by_code(&self, code: &str) -> Option<&Arc<record_category::Model>> {
        self.0.values().find(|c| c.code == code)
    }

    /// Category ids a filter allows; `None` when it does not restrict them.
    fn filter_ids(&self, f: &RecordFilter) -> ServiceResult<Option<Vec<i64>>> {
        let mut ids: Option<HashSet<i64>> = None;
        if let Some(code) = &f.category {
            let c = self.by_code(code.trim()).ok_or_else(|| {
                ServiceError::invalid(
                    &["filter", "category"],
                    "CATEGORY_UNKNOWN",
                    "no category has this code; see `recordCategories`",
                )
            })?;
            ids = Some(HashSet::from([c.id]));
        }
        if let Some(class) = f.info_class {
            let of_class: HashSet<i64> = self
                .0
                .values()
                .filter(|c| c.info_class == class)
                .map(|c| c.id)
                .collect();
            ids = Some(match ids {
                Some(prev) => prev.intersection(&of_class).copied().collect(),
                None => of_class,
            });
        }
        Ok(ids.map(|s| s.into_iter().collect()))
    }
}

fn apply_filter(
    mut q: Select<credit_record::Entity>,
    f: &RecordFilter,
    category_ids: Option<Vec<i64>>,
) -> Select<credit_record::Entity> {
    if let Some(ids) = category_ids {
        q = q.filter(credit_record::Column::CategoryId.is_in(ids));
    }
    if let Some(s) = f.status {
        q = q.filter(credit_record::Column::Status.eq(s));
    }
    if let Some(d) = f.department_id {
        q = q.filter(credit_record::Column::DepartmentId.eq(d));
    }
    if let Some(from) = f.decided_from {
        q = q.filter(credit_record::Column::DecidedOn.gte(from));
    }
    if let Some(to) = f.decided_to {
        q = q.filter(credit_record::Column::DecidedOn.lte(to));
    }
    q
}

fn validate_filter(f: &RecordFilter) -> ServiceResult<()> {
    if let (Some(from), Some(to)) = (f.decided_from, f.decided_to)
        && from > to
    {
        return Err(ServiceError::invalid(
            &["filter", "decidedTo"],
            "DATE_RANGE_INVALID",
            "`decidedTo` must not be before `decidedFrom`",
        ));
    }
    Ok(())
}

/// A record that passed its view's check, before departments and revisions
/// are attached.
struct Judged {
    record: credit_record::Model,
    category: Arc<record_category::Model>,
    subject: Arc<subject::Model>,
    publication: Publication,
}

/// Everything one use case reads about records, so each row is loaded once.
struct Assembler {
    catalogue: Catalogue,
    subjects: HashMap<i64, Arc<subject::Model>>,
    view: View,
    /// Show every row, whatever the engine says (the subject's own records,
    /// a provider's own output).
    keep_all: bool,
    /// Rows come from a query that already applied the view's rules in SQL,
    /// so a row the engine hides is a disagreement worth an error log.
    prefiltered: bool,
    /// Judge rows for a credit agency (with its consent's scope, if any)
    /// instead of `view`'s audience; shown at the public level of detail.
    agency: Option<Option<disclosure::ConsentScope>>,
    today: NaiveDate,
}

impl Assembler {
    async fn new(
        state: &AppState,
        conn: &impl ConnectionTrait,
        view: View,
        today: NaiveDate,
    ) -> Result<Self, sea_orm::DbErr> {
        Ok(Assembler {
            catalogue: Catalogue::load(state, conn).await?,
            subjects: HashMap::new(),
            view,
            // The subject sees all of its records, with the reason for any hiding.
            keep_all: view == View::Own,
            prefiltered: false,
            agency: None,
            today,
        })
    }

    /// Keeps the rows this view may show.
    async fn judge(
        &mut self,
        conn: &impl ConnectionTrait,
        rows: Vec<credit_record::Model>,
    ) -> ServiceResult<Vec<Judged>> {
        let missing: Vec<i64> = rows
            .iter()
            .map(|r| r.subject_id)
            .filter(|id| !self.subjects.contains_key(id))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if !missing.is_empty() {
            for s in super::fixed::find_all(
                conn,
                subject::Entity::find().filter(super::one_of(
                    conn.get_database_backend(),
                    subject::Column::Id,
                    missing,
                )),
            )
            .await?
            {
                self.subjects.insert(s.id, Arc::new(s));
            }
        }
        let mut kept = Vec::with_capacity(rows.len());
        for record in rows {
            let category = self.catalogue.get(record.category_id)?;
            let subject = self
                .subjects
                .get(&record.subject_id)
                .cloned()
                .ok_or_else(|| {
                    ServiceError::Internal(format!("subject {} missing", record.subject_id))
                })?;
            let f = facts(&record, &category, subject.kind);
            let publication = publication(&record, &f, self.today);
            let visible = match self.view {
                _ if self.keep_all => true,
                view => {
                    let engine = match &self.agency {
                        Some(scope) => disclosure::decide(
                            &f,
                            &Audience::Agency {
                                consent: scope.as_ref(),
                            },
                            self.today,
                        )
                        .is_visible(),
                        None => {
                            disclosure::decide(&f, &audience(view), self.today).is_visible()
                                && (view != View::Public || publication.public_now)
                        }
                    };
                    if !engine && self.prefiltered {
                        // The SQL filter let through what the engine hides:
                        // the engine wins, and someone should look at why.
                        tracing::error!(
                            record_id = record.id,
                            ?view,
                            "SQL filter and disclosure engine disagree; record withheld"
                        );
                    }
                    engine
                }
            };
            if visible {
                kept.push(Judged {
                    record,
                    category,
                    subject,
                    publication,
                });
            }
        }
        Ok(kept)
    }

    /// Attaches departments, and the revision history outside the public view.
    async fn finish(
        &self,
        conn: &impl ConnectionTrait,
        judged: Vec<Judged>,
        purpose: Option<&str>,
    ) -> ServiceResult<Vec<RecordView>> {
        let dept_ids: Vec<i64> = judged
            .iter()
            .map(|j| j.record.department_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let departments: HashMap<i64, Arc<department::Model>> = if dept_ids.is_empty() {
            HashMap::new()
        } else {
            super::fixed::find_all(
                conn,
                department::Entity::find().filter(super::one_of(
                    conn.get_database_backend(),
                    department::Column::Id,
                    dept_ids,
                )),
            )
            .await?
            .into_iter()
            .map(|d| (d.id, Arc::new(d)))
            .collect()
        };
        let mut revisions: HashMap<i64, Vec<record_revision::Model>> = HashMap::new();
        if self.view != View::Public && !judged.is_empty() {
            let ids: Vec<i64> = judged.iter().map(|j| j.record.id).collect();
            for r in record_revision::Entity::find()
                .filter(super::one_of(
                    conn.get_database_backend(),
                    record_revision::Column::RecordId,
                    ids,
                ))
                .order_by_asc(record_revision::Column::RecordId)
                .order_by_asc(record_revision::Column::Version)
                .all(conn)
                .await?
            {
                revisions.entry(r.record_id).or_default().push(r);
            }
        }
        judged
            .into_iter()
            .map(|j| {
                let department = departments
                    .get(&j.record.department_id)
                    .cloned()
                    .ok_or_else(|| {
                        ServiceError::Internal(format!(
                            "department {} missing",
                            j.record.department_id
                        ))
                    })?;
                let history = (self.view != View::Public).then(|| {
                    history(
                        &j.record,
                        revisions.remove(&j.record.id).unwrap_or_default(),
                    )
                });
                Ok(RecordView {
                    subject: SubjectView {
                        subject: j.subject,
                        view: self.view,
                        purpose: purpose.map(str::to_string),
                    },
                    record: j.record,
                    category: j.category,
                    department,
                    view: self.view,
                    publication: j.publication,
                    revisions: history,
                })
            })
            .collect()
    }

    /// One page of `base` under this view.
    async fn page(
        &mut self,
        conn: &impl ConnectionTrait,
        base: Select<credit_record::Entity>,
        spec: PageSpec,
        purpose: Option<&str>,
    ) -> ServiceResult<Page<RecordView>> {
        // Every caller passes the view's SQL query (or keeps all rows).
        self.prefiltered = true;
        let mut scan = Scan::new(base, credit_record::Column::Id, true, spec);
        let mut kept = Vec::new();
        for _ in 0..MAX_SCAN_ROUNDS {
            let need = scan.wanted(kept.len());
            if need == 0 {
                break;
            }
            let rows = scan.next(conn, need, |r| r.id).await?;
            kept.extend(self.judge(conn, rows).await?);
            if scan.exhausted {
                break;
            }
        }
        let page = scan.finish(kept);
        let items = self.finish(conn, page.items, purpose).await?;
        Ok(Page {
            items,
            has_previous: page.has_previous,
            has_next: page.has_next,
        })
    }
}

// ---------------------------------------------------------------------------
// Use cases: subjects.

fn today(state: &AppState) -> NaiveDate {
    domain::time::local_date(state.now())
}

/// Looks a subject up for `actor` and decides its view; a government view
/// is logged in `conn`'s transaction. `None` when the public may not see it.
async fn present_subject(
    conn: &impl ConnectionTrait,
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    subject: subject::Model,
    purpose: Option<String>,
) -> ServiceResult<Option<SubjectView>> {
    let view = view_for(conn, actor, subject.id).await?;
    if view == View::Public && subject.kind == SubjectKind::NaturalPerson {
        return Ok(None);
    }
    if view == View::Government {
        // The government view shows what the public does not (a person's
        // existence, the unmasked legal representative).
        log_read(
            conn,
            actor,
            meta,
            state.now(),
            Read {
                view,
                subject_id: subject.id,
                purpose: purpose.as_deref(),
                record_ids: &[],
            },
        )
        .await?;
    }
    Ok(Some(SubjectView {
        subject: Arc::new(subject),
        view,
        purpose,
    }))
}

/// A subject by its USCC or ID number, in the widest view `actor` has.
/// The public never learns whether a natural person is known here: an ID
/// number is not even looked up for them.
pub async fn subject_by_identifier(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    identifier: &str,
    purpose: Option<String>,
) -> ServiceResult<Option<SubjectView>> {
    let purpose = clean_purpose(purpose)?;
    let input = identifier.trim();
    // A string can be valid as both kinds; try each reading that parses.
    let mut candidates = Vec::new();
    if let Ok(u) = Uscc::parse(input) {
        candidates.push(SubjectIdentifier::Uscc(u));
    }
    if let Ok(p) = ResidentId::parse(input) {
        candidates.push(SubjectIdentifier::ResidentId(p));
    }
    if candidates.is_empty() {
        let err = SubjectIdentifier::parse_any(input)
            .err()
            .map(|e| (e.code(), e.to_string()))
            .unwrap_or(("IDENTIFIER_INVALID", "not a valid identifier".to_string()));
        return Err(ServiceError::invalid(&["identifier"], err.0, err.1));
    }
    let may_see_people = is_government(actor) || actor.account().is_some();
    candidates.retain(|c| may_see_people || !c.is_natural_person());

    let government = is_government(actor);
    if government {
        let txn = begin_write(&state.db).await?;
        let found = find_first(&txn, state, &candidates).await?;
        let out = match found {
            Some(s) => present_subject(&txn, state, actor, meta, s, purpose).await?,
            None => None,
        };
        txn.commit().await?;
        Ok(out)
    } else {
        match find_first(&state.db, state, &candidates).await? {
            Some(s) => present_subject(&state.db, state, actor, meta, s, purpose).await,
            None => Ok(None),
        }
    }
}

async fn find_first(
    conn: &impl ConnectionTrait,
    state: &AppState,
    candidates: &[SubjectIdentifier],
) -> ServiceResult<Option<subject::Model>> {
    for c in candidates {
        if let Some(s) = subjects::find_by_identifier(conn, &state.keys, c).await? {
            return Ok(Some(s));
        }
    }
    Ok(None)
}

/// A subject by id (Relay `node`), in the widest view `actor` has.
pub async fn subject_by_id(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
) -> ServiceResult<Option<SubjectView>> {
    if is_government(actor) {
        let txn = begin_write(&state.db).await?;
        let out = match subject::Entity::find_by_id(id).one(&txn).await? {
            Some(s) => present_subject(&txn, state, actor, meta, s, None).await?,
            None => None,
        };
        txn.commit().await?;
        Ok(out)
    } else {
        match subject::Entity::find_by_id(id).one(&state.db).await? {
            Some(s) => present_subject(&state.db, state, actor, meta, s, None).await,
            None => Ok(None),
        }
    }
}

/// The subjects the signed-in account acts for (live bindings), in their
/// own view. Empty for API clients and the public.
pub async fn my_subjects(state: &AppState, actor: &Actor) -> ServiceResult<Vec<SubjectView>> {
    let Some(a) = actor.account() else {
        return Ok(vec![]);
    };
    let rows = subject::Entity::find()
        .inner_join(account_subject::Entity)
        .filter(account_subject::Column::AccountId.eq(a.account_id))
        .filter(account_subject::Column::RevokedAt.is_null())
        .order_by_asc(subject::Column::Id)
        .all(&state.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|s| SubjectView {
            subject: Arc::new(s),
            view: View::Own,
            purpose: None,
        })
        .collect())
}

/// `%`, `_` and the escape character itself match literally.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Public search: organisations whose name contains `query` (any case), or
/// whose USCC it is. Natural persons are never returned. Oldest first.
pub async fn search_subjects(
    state: &AppState,
    query: &str,
    page: &PageRequest,
) -> ServiceResult<Page<SubjectView>> {
    let spec = page.spec()?;
    let q = query.trim();
    let len = q.chars().count();
    if !(MIN_QUERY_CHARS..=MAX_QUERY_CHARS).contains(&len) {
        return Err(ServiceError::invalid(
            &["query"],
            "SEARCH_QUERY_LENGTH",
            format!(
                "enter {MIN_QUERY_CHARS} to {MAX_QUERY_CHARS} characters of a name, or a unified social credit code"
            ),
        ));
    }
    let mut base =
        subject::Entity::find().filter(subject::Column::Kind.ne(SubjectKind::NaturalPerson));
    base = match Uscc::parse(q) {
        Ok(u) => base.filter(
            subject::Column::IdentifierHash.eq(subjects::identifier_hash(
                &state.keys,
                &SubjectIdentifier::Uscc(u),
            )),
        ),
        Err(_) => {
            // lower() on both sides: SQLite's LIKE folds only ASCII anyway,
            // PostgreSQL's does not fold at all; Chinese has no case.
            let pattern = format!("%{}%", like_escape(&q.to_lowercase()));
            base.filter(
                Expr::expr(Func::lower(Expr::col((
                    subject::Entity,
                    subject::Column::Name,
                ))))
                .like(LikeExpr::new(pattern).escape('\\')),
            )
        }
    };
    let mut scan = Scan::new(base, subject::Column::Id, false, spec);
    let mut kept = Vec::new();
    for _ in 0..MAX_SCAN_ROUNDS {
        let need = scan.wanted(kept.len());
        if need == 0 {
            break;
        }
        let rows = scan.next(&state.db, need, |s| s.id).await?;
        // Defence in depth: the query already excludes people.
        kept.extend(
            rows.into_iter()
                .filter(|s| s.kind != SubjectKind::NaturalPerson)
                .map(|s| SubjectView {
                    subject: Arc::new(s),
                    view: View::Public,
                    purpose: None,
                }),
        );
        if scan.exhausted {
            break;
        }
    }
    Ok(scan.finish(kept))
}

// ---------------------------------------------------------------------------
// Use cases: records.

/// One page of a subject's records in the view the subject was loaded with,
/// newest first. The view is checked again here (a binding revoked since,
/// a forged view): a caller who no longer has it is refused. Own and
/// government reads are logged with the ids returned, in the same
/// transaction; if the log row cannot be written, nothing is returned.
pub async fn subject_records(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    subject: &SubjectView,
    filter: &RecordFilter,
    page: &PageRequest,
) -> ServiceResult<Page<RecordView>> {
    let spec = page.spec()?;
    validate_filter(filter)?;
    let today = today(state);
    let subject_id = subject.subject.id;
    match subject.view {
        View::Public => {
            if subject.subject.kind == SubjectKind::NaturalPerson {
                return Ok(Page {
                    items: vec![],
                    has_previous: false,
                    has_next: false,
                });
            }
            let mut asm = Assembler::new(state, &state.db, View::Public, today).await?;
            let ids = asm.catalogue.filter_ids(filter)?;
            let base = apply_filter(
                public_record_query(today).filter(credit_record::Column::SubjectId.eq(subject_id)),
                filter,
                ids,
            );
            asm.page(&state.db, base, spec, None).await
        }
        view @ (View::Own | View::Government) => {
            let txn = begin_write(&state.db).await?;
            let allowed = match view {
                View::Own => is_bound(&txn, actor, subject_id).await?,
                _ => is_government(actor),
            };
            if !allowed {
                return Err(ServiceError::Forbidden);
            }
            let mut asm = Assembler::new(state, &txn, view, today).await?;
            let ids = asm.catalogue.filter_ids(filter)?;
            let rows = match view {
                View::Own => credit_record::Entity::find(),
                _ => government_record_query(today),
            };
            let base = apply_filter(
                rows.filter(credit_record::Column::SubjectId.eq(subject_id)),
                filter,
                ids,
            );
            let page = asm
                .page(&txn, base, spec, subject.purpose.as_deref())
                .await?;
            let returned: Vec<i64> = page.items.iter().map(|r| r.record.id).collect();
            log_read(
                &txn,
                actor,
                meta,
                state.now(),
                Read {
                    view,
                    subject_id,
                    purpose: subject.purpose.as_deref(),
                    record_ids: &returned,
                },
            )
            .await?;
            txn.commit().await?;
            Ok(page)
        }
    }
}

/// A record by id (Relay `node`) in the widest view `actor` has of its
/// subject; `None` when that view does not show it.
pub async fn record_by_id(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
) -> ServiceResult<Option<RecordView>> {
    let today = today(state);
    let Some(found) = credit_record::Entity::find_by_id(id).one(&state.db).await? else {
        return Ok(None);
    };
    let view = view_for(&state.db, actor, found.subject_id).await?;
    if view == View::Public {
        let mut asm = Assembler::new(state, &state.db, view, today).await?;
        let judged = asm.judge(&state.db, vec![found]).await?;
        return Ok(asm.finish(&state.db, judged, None).await?.pop());
    }
    // Read again inside the transaction that logs the read.
    let txn = begin_write(&state.db).await?;
    let Some(record) = credit_record::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(None);
    };
    let mut asm = Assembler::new(state, &txn, view, today).await?;
    let judged = asm.judge(&txn, vec![record]).await?;
    let Some(out) = asm.finish(&txn, judged, None).await?.pop() else {
        return Ok(None);
    };
    log_read(
        &txn,
        actor,
        meta,
        state.now(),
        Read {
            view,
            subject_id: out.record.subject_id,
            purpose: None,
            record_ids: &[out.record.id],
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Some(out))
}

/// A public red or black list: the records of one list category that are
/// public right now, newest first.
pub async fn public_list(
    state: &AppState,
    category: &str,
    page: &PageRequest,
) -> ServiceResult<Page<RecordView>> {
    let spec = page.spec()?;
    let today = today(state);
    let mut asm = Assembler::new(state, &state.db, View::Public, today).await?;
    let cat = asm
        .catalogue
        .by_code(category.trim())
        .cloned()
        .ok_or_else(|| {
            ServiceError::invalid(
                &["category"],
                "CATEGORY_UNKNOWN",
                "no category has this code; see `recordCategories(listKind: RED)` or `BLACK`",
            )
        })?;
    if cat.list_kind == ListKind::None {
        return Err(ServiceError::invalid(
            &["category"],
            "CATEGORY_NOT_A_LIST",
            "this category is not a red or black list; see `recordCategories(listKind: RED)` or `BLACK`",
        ));
    }
    let base = public_record_query(today).filter(credit_record::Column::CategoryId.eq(cat.id));
    asm.page(&state.db, base, spec, None).await
}

/// Records a department or operator already holds in its own workflow
/// (what it just submitted or withdrew, an oversight list), in the
/// government view. Not logged: it is the provider's own output, not a
/// read of a subject's data. Callers must have authorised the actor.
pub async fn provider_views(
    state: &AppState,
    records: Vec<credit_record::Model>,
) -> ServiceResult<Vec<RecordView>> {
    let mut asm = Assembler::new(state, &state.db, View::Government, today(state)).await?;
    // The provider sees its own records whatever their state.
    asm.keep_all = true;
    let judged = asm.judge(&state.db, records).await?;
    asm.finish(&state.db, judged, None).await
}

/// One page of a subject's records as a credit agency sees them, newest
/// first: `base` is the agency's entitlement in SQL (see
/// `service::agency_reads`), and every row is re-checked with the
/// disclosure engine for `Audience::Agency { consent }`. Shown at the
/// public level of detail (view PUBLIC: no revisions, no status reasons).
/// Logging the read is the caller's business, in `conn`'s transaction.
#[allow(clippy::too_many_arguments)] // one use case's inputs; a struct would only rename them
pub async fn agency_page(
    state: &AppState,
    conn: &impl ConnectionTrait,
    subject: &Arc<subject::Model>,
    base: Select<credit_record::Entity>,
    consent: Option<&disclosure::ConsentScope>,
    filter: &RecordFilter,
    page: &PageRequest,
    today: NaiveDate,
) -> ServiceResult<Page<RecordView>> {
    let spec = page.spec()?;
    validate_filter(filter)?;
    let mut asm = Assembler::new(state, conn, View::Public, today).await?;
    // The caller has just read the subject: no need to read it again.
    asm.subjects.insert(subject.id, subject.clone());
    asm.agency = Some(consent.cloned());
    let ids = asm.catalogue.filter_ids(filter)?;
    asm.page(conn, apply_filter(base, filter, ids), spec, None)
        .await
}

/// The catalogue, optionally only the red or black lists. Public.
pub async fn categories(
    state: &AppState,
    list_kind: Option<ListKind>,
) -> ServiceResult<Vec<record_category::Model>> {
    let mut q = record_category::Entity::find().filter(record_category::Column::Active.eq(true));
    if let Some(k) = list_kind {
        q = q.filter(record_category::Column::ListKind.eq(k));
    }
    Ok(q.order_by_asc(record_category::Column::Code)
        .all(&state.db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(first: Option<i32>, last: Option<i32>) -> PageRequest {
        PageRequest {
            first,
            last,
            ..Default::default()
        }
    }

    fn code(r: ServiceResult<PageSpec>) -> &'static str {
        match r {
            Err(ServiceError::Invalid(e)) => e.first().map(|f| f.code).unwrap_or(""),
            _ => "ok",
        }
    }

    #[test]
    fn page_sizes_are_required_and_capped() {
        assert_eq!(code(req(None, None).spec()), "PAGE_SIZE_REQUIRED");
        assert_eq!(code(req(Some(101), None).spec()), "PAGE_SIZE_TOO_LARGE");
        assert_eq!(code(req(None, Some(101)).spec()), "PAGE_SIZE_TOO_LARGE");
        assert_eq!(code(req(Some(-1), None).spec()), "PAGE_SIZE_INVALID");
        assert_eq!(
            code(req(Some(1), Some(1)).spec()),
            "PAGE_ARGUMENTS_CONFLICT"
        );
        assert_eq!(code(req(Some(100), None).spec()), "ok");
        assert_eq!(code(req(None, Some(0)).spec()), "ok");
    }

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(like_escape("闽江"), "闽江");
        assert_eq!(like_escape("100%_a\\b"), "100\\%\\_a\\\\b");
    }

    #[test]
    fn the_history_starts_with_the_creation_and_shows_it_once() {
        let at = |s: i64| DateTime::<Utc>::from_timestamp(1_800_000_000 + s, 0).unwrap_or_default();
        let record = credit_record::Model {
            id: 9,
            subject_id: 3,
            category_id: 5,
            department_id: 2,
            source_ref: "R-9".into(),
            title: "罚款".into(),
            content: json!({}),
            legal_basis_type: None,
            legal_basis_number: None,
            legal_basis_issuer: None,
            legal_basis_effective_on: None,
            decided_on: NaiveDate::default(),
            conduct_ended_on: None,
            valid_until: None,
            severity: None,
            disclosure: Disclosure::Public,
            disclosure_start: NaiveDate::default(),
            disclosure_end: None,
            status: RecordStatus::Active,
            status_reason: None,
            payload_hash: String::new(),
            submitted_by_account_id: None,
            submitted_by_client_id: None,
            submitted_at: at(0),
            late_submission: false,
            derived_from_record_id: None,
            version: 2,
            created_at: at(0),
            updated_at: at(60),
        };
        let stored = |version: i32, kind: e::ChangeKind, s: i64| record_revision::Model {
            id: version.into(),
            record_id: 9,
            subject_id: 3,
            version,
            change_kind: kind,
            reason: (version > 1).then(|| "更正".to_string()),
            changed_by_account_id: None,
            changed_by_client_id: None,
            before: None,
            after: json!({}),
            created_at: at(s),
        };
        let created = Revision {
            version: 1,
            change_kind: e::ChangeKind::Create,
            reason: None,
            created_at: at(0),
        };
        let corrected = Revision {
            version: 2,
            change_kind: e::ChangeKind::Correct,
            reason: Some("更正".into()),
            created_at: at(60),
        };
        assert_eq!(history(&record, vec![]), vec![created.clone()]);
        assert_eq!(
            history(&record, vec![stored(2, e::ChangeKind::Correct, 60)]),
            vec![created.clone(), corrected.clone()]
        );
        // A version 1 stored by an earlier release is shown, not doubled.
        let mut legacy = created.clone();
        legacy.created_at = at(1);
        assert_eq!(
            history(
                &record,
                vec![
                    stored(1, e::ChangeKind::Create, 1),
                    stored(2, e::ChangeKind::Correct, 60)
                ]
            ),
            vec![legacy, corrected]
        );
    }

    #[test]
    fn legal_representatives_are_masked_for_the_public_only() {
        let now = chrono::DateTime::<Utc>::MIN_UTC;
        let s = subject::Model {
            id: 1,
            kind: SubjectKind::Enterprise,
            name: "福州闽江电子科技有限公司".into(),
            identifier_kind: e::IdentifierKind::Uscc,
            identifier_hash: String::new(),
            identifier_plain: None,
            identifier_cipher: None,
            identifier_masked: String::new(),
            legal_representative: Some("林晓峰".into()),
            region_code: "350100".into(),
            contact_email: None,
            status: e::SubjectStatus::Registered,
            registered_on: None,
            ended_on: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let view = |v| SubjectView {
            subject: Arc::new(s.clone()),
            view: v,
            purpose: None,
        };
        assert_eq!(
            view(View::Public).legal_representative().as_deref(),
            Some("林*峰")
        );
        assert_eq!(
            view(View::Own).legal_representative().as_deref(),
            Some("林晓峰")
        );
        assert_eq!(
            view(View::Government).legal_representative().as_deref(),
            Some("林晓峰")
        );
    }
}
