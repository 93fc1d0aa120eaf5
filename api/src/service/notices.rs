//! Notices to people: one portal-inbox row per recipient, plus the email that
//! carries it (transactional outbox), written in the caller's transaction so
//! that a state change and the notice about it commit together or not at all.
//!
//! Callers say *what happened* (a [`NoticeKind`] and its parameters); the
//! wording, language and links are decided here, by the recipient's language
//! (templates in `mail::templates`). The inbox row is always written; the
//! email follows the account's preferences ([`NoticePrefs`]). Account emails
//! that carry a secret (verification link, reset link, binding code) go by
//! [`enqueue_email`] only, never into an inbox.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use entity::enums::{AccountRole, AccountStatus, ConsentStatus, EmailStatus};
use entity::{account, account_subject, agency, consent, notice, outbox_email, query_log, subject};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use super::{ServiceError, ServiceResult, begin_write};
use crate::auth::Actor;
use crate::mail::templates::{self, Lang};
use crate::state::AppState;

/// What a notice is about. The string form is stored in `notice.kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    ObjectionReceived,
    ObjectionReferred,
    ObjectionDecided,
    ObjectionWithdrawn,
    RepairReceived,
    RepairDecided,
    RepairWithdrawn,
    ComplaintReceived,
    ComplaintDecided,
    /// To a handler: a case milestone was assigned to their department.
    CaseAssigned,
    /// To a handler: a milestone is due in two working days.
    DeadlineApproaching,
    /// To a handler: a milestone is due today.
    DeadlineDue,
    /// To operators: a milestone passed its deadline.
    DeadlineOverdue,
    /// To the applicant: a milestone's due day moved when the holiday
    /// calendar of its year was loaded.
    DeadlineMoved,
    ConsentRequested,
    ConsentGranted,
    ConsentRevoked,
    ConsentExpiring,
    RecordPublished,
    SubjectQueried,
    /// The day's consented queries of a subject, for accounts that chose the digest.
    QueryDigest,
    /// Email only: the link that verifies an account's address.
    EmailVerification,
    /// Email only: the password-reset link.
    PasswordReset,
    /// Email only, to the subject's registered contact: the binding code.
    BindingCode,
    /// To operators and staff: a document-checked binding waits.
    BindingRequested,
    /// To the applicant: a document-checked binding was decided.
    BindingDecided,
    /// To an account: it now acts for a subject.
    BindingAdded,
    /// To an account: it no longer acts for a subject.
    BindingRevoked,
}

impl NoticeKind {
    pub const ALL: &'static [NoticeKind] = &[
        NoticeKind::ObjectionReceived,
        NoticeKind::ObjectionReferred,
        NoticeKind::ObjectionDecided,
        NoticeKind::ObjectionWithdrawn,
        NoticeKind::RepairReceived,
        NoticeKind::RepairDecided,
        NoticeKind::RepairWithdrawn,
        NoticeKind::ComplaintReceived,
        NoticeKind::ComplaintDecided,
        NoticeKind::CaseAssigned,
        NoticeKind::DeadlineApproaching,
        NoticeKind::DeadlineDue,
        NoticeKind::DeadlineOverdue,
        NoticeKind::DeadlineMoved,
        NoticeKind::ConsentRequested,
        NoticeKind::ConsentGranted,
        NoticeKind::ConsentRevoked,
        NoticeKind::ConsentExpiring,
        NoticeKind::RecordPublished,
        NoticeKind::SubjectQueried,
        NoticeKind::QueryDigest,
        NoticeKind::EmailVerification,
        NoticeKind::PasswordReset,
        NoticeKind::BindingCode,
        NoticeKind::BindingRequested,
        NoticeKind::BindingDecided,
        NoticeKind::BindingAdded,
        NoticeKind::BindingRevoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::ObjectionReceived => "objection_received",
            NoticeKind::ObjectionReferred => "objection_referred",
            NoticeKind::ObjectionDecided => "objection_decided",
            NoticeKind::ObjectionWithdrawn => "objection_withdrawn",
            NoticeKind::RepairReceived => "repair_received",
            NoticeKind::RepairDecided => "repair_decided",
            NoticeKind::RepairWithdrawn => "repair_withdrawn",
            NoticeKind::ComplaintReceived => "complaint_received",
            NoticeKind::ComplaintDecided => "complaint_decided",
            NoticeKind::CaseAssigned => "case_assigned",
            NoticeKind::DeadlineApproaching => "deadline_approaching",
            NoticeKind::DeadlineDue => "deadline_due",
            NoticeKind::DeadlineOverdue => "deadline_overdue",
            NoticeKind::DeadlineMoved => "deadline_moved",
            NoticeKind::ConsentRequested => "consent_requested",
            NoticeKind::ConsentGranted => "consent_granted",
            NoticeKind::ConsentRevoked => "consent_revoked",
            NoticeKind::ConsentExpiring => "consent_expiring",
            NoticeKind::RecordPublished => "record_published",
            NoticeKind::SubjectQueried => "subject_queried",
            NoticeKind::QueryDigest => "query_digest",
            NoticeKind::EmailVerification => "email_verification",
            NoticeKind::PasswordReset => "password_reset",
            NoticeKind::BindingCode => "binding_code",
            NoticeKind::BindingRequested => "binding_requested",
            NoticeKind::BindingDecided => "binding_decided",
            NoticeKind::BindingAdded => "binding_added",
            NoticeKind::BindingRevoked => "binding_revoked",
        }
    }

    /// Which email preference governs this kind.
    pub fn category(self) -> NoticeCategory {
        use NoticeKind as K;
        match self {
            K::ConsentRequested | K::ConsentGranted | K::ConsentRevoked | K::ConsentExpiring => {
                NoticeCategory::Consents
            }
            K::SubjectQueried | K::QueryDigest => NoticeCategory::Queries,
            K::EmailVerification
            | K::PasswordReset
            | K::BindingCode
            | K::BindingRequested
            | K::BindingDecided
            | K::BindingAdded
            | K::BindingRevoked => NoticeCategory::Account,
            _ => NoticeCategory::Cases,
        }
    }
}

/// Groups of notices an account can choose email for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeCategory {
    /// Objections, repairs, complaints, deadlines, new records: on by default.
    Cases,
    /// Consent requested, granted, revoked, expiring: on by default.
    Consents,
    /// "Your data was queried": see [`QueryNotices`].
    Queries,
    /// Security and identity: always emailed.
    Account,
}

/// How an account hears of consented queries of its subjects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryNotices {
    /// A notice and an email for every query.
    Each,
    /// One notice and email a day listing the previous day's queries.
    Digest,
    /// None (the query log stays visible in the portal).
    Off,
}

impl QueryNotices {
    pub fn as_str(self) -> &'static str {
        match self {
            QueryNotices::Each => "each",
            QueryNotices::Digest => "digest",
            QueryNotices::Off => "none",
        }
    }
}

/// An account's notice preferences, stored as `account.notify_prefs`
/// (`{"email": true, "cases": true, "consents": true, "queries": "digest"}`;
/// missing keys take these defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoticePrefs {
    pub email_cases: bool,
    pub email_consents: bool,
    pub queries: QueryNotices,
}

impl Default for NoticePrefs {
    fn default() -> Self {
        NoticePrefs {
            email_cases: true,
            email_consents: true,
            queries: QueryNotices::Digest,
        }
    }
}

impl NoticePrefs {
    pub fn from_json(v: &Value) -> NoticePrefs {
        let d = NoticePrefs::default();
        // The original single switch `email: false` turns every optional email off.
        let master = v["email"].as_bool().unwrap_or(true);
        NoticePrefs {
            email_cases: master && v["cases"].as_bool().unwrap_or(d.email_cases),
            email_consents: master && v["consents"].as_bool().unwrap_or(d.email_consents),
            queries: match v["queries"].as_str() {
                Some("each") => QueryNotices::Each,
                Some("none") => QueryNotices::Off,
                Some("digest") => QueryNotices::Digest,
                _ if !master => QueryNotices::Off,
                _ => d.queries,
            },
        }
    }

    pub fn to_json(self) -> Value {
        json!({
            "email": true,
            "cases": self.email_cases,
            "consents": self.email_consents,
            "queries": self.queries.as_str(),
        })
    }

    /// Whether a notice of `kind` also goes by email.
    pub fn emails(self, kind: NoticeKind) -> bool {
        match kind.category() {
            NoticeCategory::Account => true,
            NoticeCategory::Cases => self.email_cases,
            NoticeCategory::Consents => self.email_consents,
            NoticeCategory::Queries => self.queries != QueryNotices::Off,
        }
    }
}

/// One notice to one account.
#[derive(Clone, Debug)]
pub struct NewNotice {
    pub account_id: i64,
    pub subject_id: Option<i64>,
    pub kind: NoticeKind,
    /// Facts the templates fill in (case number, record title, due date...).
    /// Only what this recipient may see. Keys: docs/mail.md.
    pub params: Value,
    /// Portal path the notice points to, e.g. `/cases/123`.
    pub link: Option<String>,
    /// Makes a second enqueue of the same notice a no-op (reminders,
    /// escalations, retries on several replicas).
    pub dedupe_key: Option<String>,
}

/// Writes the inbox row (and its email, if the account wants it) in
/// `conn`'s transaction. Returns the notice id, or `None` when `dedupe_key`
/// was already used.
pub async fn notify<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    n: NewNotice,
) -> ServiceResult<Option<i64>> {
    if let Some(key) = &n.dedupe_key {
        let seen = notice::Entity::find()
            .filter(notice::Column::DedupeKey.eq(key.as_str()))
            .one(conn)
            .await?;
        if seen.is_some() {
            return Ok(None);
        }
    }
    let Some(acct) = account::Entity::find_by_id(n.account_id).one(conn).await? else {
        return Err(unknown_account(n.account_id));
    };
    let c = Composed::new(&acct, n);
    let row = c.row(now).insert(conn).await?;
    if let Some(email) = c.email_row(now, row.id) {
        email.insert(conn).await?;
    }
    Ok(Some(row.id))
}

fn unknown_account(id: i64) -> ServiceError {
    ServiceError::Internal(format!("notice to unknown account {id}"))
}

/// A notice rendered for its recipient: what [`notify`] and
/// [`notify_many`] write, decided in one place.
struct Composed {
    n: NewNotice,
    title: String,
    body: String,
    /// The email that carries it, when the account takes this kind by email.
    email: Option<Letter>,
}

struct Letter {
    to: String,
    lang: Lang,
    r: templates::Rendered,
}

impl Composed {
    /// Renders `n` in `acct`'s language.
    fn new(acct: &account::Model, n: NewNotice) -> Composed {
        let lang = Lang::from_tag(&acct.language);
        let r = templates::render(n.kind, lang, &n.params, n.link.as_deref());
        let prefs = NoticePrefs::from_json(&acct.notify_prefs);
        let wants = acct.status == AccountStatus::Active && prefs.emails(n.kind);
        Composed {
            title: truncate(&r.title, 250),
            body: r.paragraph.clone(),
            email: wants.then(|| Letter {
                to: acct.email.clone(),
                lang,
                r,
            }),
            n,
        }
    }

    fn row(&self, now: DateTime<Utc>) -> notice::ActiveModel {
        notice::ActiveModel {
            account_id: Set(self.n.account_id),
            subject_id: Set(self.n.subject_id),
            kind: Set(self.n.kind.as_str().to_string()),
            title: Set(self.title.clone()),
            body: Set(self.body.clone()),
            link: Set(self.n.link.clone()),
            data: Set(self.n.params.clone()),
            dedupe_key: Set(self.n.dedupe_key.clone()),
            created_at: Set(now),
            read_at: Set(None),
            ..Default::default()
        }
    }

    /// The email of the notice once it has its id.
    fn email_row(&self, now: DateTime<Utc>, notice_id: i64) -> Option<outbox_email::ActiveModel> {
        let l = self.email.as_ref()?;
        Some(email_row(
            now,
            Some(notice_id),
            &l.to,
            l.lang,
            &l.r,
            &format!("notice:{notice_id}"),
        ))
    }
}

/// Rows per multi-row INSERT on SQLite: keeps the bind parameters of one
/// statement (13 per email) far under SQLite's limit.
const INSERT_CHUNK: usize = 400;

/// Values per `IN (…)` look-up: one bind parameter each on SQLite, so a
/// long list is cut; on PostgreSQL one array parameter holds them all
/// ([`super::one_of`]).
pub(crate) fn lookup_chunk(backend: DbBackend) -> usize {
    match backend {
        DbBackend::Postgres => usize::MAX,
        _ => 1000,
    }
}

/// Writes a batch of notices as [`notify`] writes each in turn (a dedupe
/// key already used, or used earlier in the batch, skips its notice), in
/// a few statements whatever the batch's size: the keys and the accounts
/// are looked up at once, the inbox rows and their emails inserted
/// together. For jobs that notify many (the deadline sweep). Each notice
/// needs its dedupe key: the key is what pairs an inserted row with its
/// email. Returns how many notices were written.
pub async fn notify_many<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    notices: Vec<NewNotice>,
) -> ServiceResult<usize> {
    if notices.is_empty() {
        return Ok(0);
    }
    let backend = conn.get_database_backend();
    let mut keys = Vec::with_capacity(notices.len());
    for n in &notices {
        let key = n.dedupe_key.clone().ok_or_else(|| {
            ServiceError::Internal("a notice of a batch has no dedupe key".into())
        })?;
        keys.push(key);
    }
    let mut used: HashSet<String> = HashSet::new();
    for chunk in keys.chunks(lookup_chunk(backend)) {
        let seen: Vec<Option<String>> = notice::Entity::find()
            .select_only()
            .column(notice::Column::DedupeKey)
            .filter(super::one_of(
                backend,
                notice::Column::DedupeKey,
                chunk.to_vec(),
            ))
            .into_tuple()
            .all(conn)
            .await?;
        used.extend(seen.into_iter().flatten());
    }
    let mut ids: Vec<i64> = notices.iter().map(|n| n.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut accounts: HashMap<i64, account::Model> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(lookup_chunk(backend)) {
        let rows = account::Entity::find()
            .filter(super::one_of(backend, account::Column::Id, chunk.to_vec()))
            .all(conn)
            .await?;
        accounts.extend(rows.into_iter().map(|a| (a.id, a)));
    }
    let mut batch = Vec::with_capacity(notices.len());
    for (n, key) in notices.into_iter().zip(keys) {
        if !used.insert(key) {
            continue;
        }
        let acct = accounts
            .get(&n.account_id)
            .ok_or_else(|| unknown_account(n.account_id))?;
        batch.push(Composed::new(acct, n));
    }
    if batch.is_empty() {
        return Ok(0);
    }
    if backend == DbBackend::Postgres {
        insert_composed_pg(conn, now, &batch).await?;
    } else {
        for chunk in batch.chunks(INSERT_CHUNK) {
            let inserted = notice::Entity::insert_many(chunk.iter().map(|c| c.row(now)))
                .exec_with_returning(conn)
                .await?;
            let ids: HashMap<String, i64> = inserted
                .into_iter()
                .filter_map(|m| m.dedupe_key.map(|k| (k, m.id)))
                .collect();
            let mut emails = Vec::new();
            for c in chunk {
                let id =
                    c.n.dedupe_key
                        .as_ref()
                        .and_then(|k| ids.get(k))
                        .ok_or_else(|| {
                            ServiceError::Internal("an inserted notice is missing".into())
                        })?;
                emails.extend(c.email_row(now, *id));
            }
            if !emails.is_empty() {
                outbox_email::Entity::insert_many(emails)
                    .exec_without_returning(conn)
                    .await?;
            }
        }
    }
    Ok(batch.len())
}

/// [`INSERT_NOTICES_PG`]: the batch as one array per column, so that the
/// statement is the same whatever the batch's size (planned once).
async fn insert_composed_pg<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    batch: &[Composed],
) -> ServiceResult<()> {
    use sea_orm::{ActiveEnum, Statement};
    let n = batch.len();
    let mut account_id = Vec::with_capacity(n);
    let mut subject_id = Vec::with_capacity(n);
    let mut has_subject = Vec::with_capacity(n);
    let mut kind = Vec::with_capacity(n);
    let mut title = Vec::with_capacity(n);
    let mut body = Vec::with_capacity(n);
    let mut link = Vec::with_capacity(n);
    let mut has_link = Vec::with_capacity(n);
    let mut data = Vec::with_capacity(n);
    let mut dedupe_key = Vec::with_capacity(n);
    let mut emailed = Vec::with_capacity(n);
    let mut to_address = Vec::with_capacity(n);
    let mut language = Vec::with_capacity(n);
    let mut body_text = Vec::with_capacity(n);
    let mut body_html = Vec::with_capacity(n);
    for c in batch {
        account_id.push(c.n.account_id);
        subject_id.push(c.n.subject_id.unwrap_or_default());
        has_subject.push(c.n.subject_id.is_some());
        kind.push(c.n.kind.as_str().to_string());
        title.push(c.title.clone());
        body.push(c.body.clone());
        link.push(c.n.link.clone().unwrap_or_default());
        has_link.push(c.n.link.is_some());
        data.push(
            serde_json::to_string(&c.n.params).map_err(|e| {
                ServiceError::Internal(format!("encoding a notice's parameters: {e}"))
            })?,
        );
        dedupe_key.push(c.n.dedupe_key.clone().unwrap_or_default());
        emailed.push(c.email.is_some());
        let l = c.email.as_ref();
        to_address.push(l.map(|l| l.to.clone()).unwrap_or_default());
        language.push(l.map(|l| l.lang.tag().to_string()).unwrap_or_default());
        body_text.push(l.map(|l| l.r.text.clone()).unwrap_or_default());
        body_html.push(l.map(|l| l.r.html.clone()).unwrap_or_default());
    }
    let values: Vec<sea_orm::Value> = vec![
        account_id.into(),
        subject_id.into(),
        has_subject.into(),
        kind.into(),
        title.into(),
        body.into(),
        link.into(),
        has_link.into(),
        data.into(),
        dedupe_key.into(),
        emailed.into(),
        to_address.into(),
        language.into(),
        body_text.into(),
        body_html.into(),
        now.into(),
        EmailStatus::Pending.to_value().into(),
    ];
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, INSERT_NOTICES_PG, values);
    conn.execute_raw(stmt).await?;
    Ok(())
}

/// `$1`..`$15` the notices, one array per column (absent subject and link
/// as flags: array elements cannot be NULL), `$16` now, `$17` the status
/// of a new email. The notices get their ids in the batch's order, and
/// each email the id of its notice (paired by dedupe key) in the same
/// order, as one [`notify`] after another would write them.
const INSERT_NOTICES_PG: &str = r#"
WITH input AS (
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bool[], $4::text[], $5::text[],
        $6::text[], $7::text[], $8::bool[], $9::text[], $10::text[], $11::bool[], $12::text[],
        $13::text[], $14::text[], $15::text[])
      WITH ORDINALITY AS x(account_id, subject_id, has_subject, kind, title, body, link, has_link,
        data, dedupe_key, emailed, to_address, language, body_text, body_html, ord)
), n AS (
    INSERT INTO notice (account_id, subject_id, kind, title, body, link, data, dedupe_key,
        created_at, read_at)
    SELECT account_id, CASE WHEN has_subject THEN subject_id END, kind, title, body,
        CASE WHEN has_link THEN link END, data::jsonb, dedupe_key, $16, NULL
    FROM input ORDER BY ord
    RETURNING id, dedupe_key
)
INSERT INTO outbox_email (notice_id, to_address, language, subject, body_text, body_html,
    status, attempts, next_attempt_at, last_error, idempotency_key, created_at, sent_at)
SELECT n.id, i.to_address, i.language, i.title, i.body_text, i.body_html,
    $17, 0, $16, NULL, 'notice:' || n.id, $16, NULL
FROM n JOIN input i ON i.dedupe_key = n.dedupe_key
WHERE i.emailed
ORDER BY n.id
"#;

/// An email that is not an inbox notice (it carries a secret, or goes to
/// an address that is not an account's). `idempotency_key` makes a second
/// enqueue a no-op; returns whether a row was written.
#[allow(clippy::too_many_arguments)]
pub async fn enqueue_email<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    to: &str,
    language: &str,
    kind: NoticeKind,
    params: &Value,
    link: Option<&str>,
    idempotency_key: &str,
) -> ServiceResult<bool> {
    let seen = outbox_email::Entity::find()
        .filter(outbox_email::Column::IdempotencyKey.eq(idempotency_key))
        .one(conn)
        .await?;
    if seen.is_some() {
        return Ok(false);
    }
    let lang = Lang::from_tag(language);
    let r = templates::render(kind, lang, params, link);
    insert_email(conn, now, None, to, lang, &r, idempotency_key).await?;
    Ok(true)
}

async fn insert_email<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    notice_id: Option<i64>,
    to: &str,
    lang: Lang,
    r: &templates::Rendered,
    key: &str,
) -> ServiceResult<()> {
    email_row(now, notice_id, to, lang, r, key)
        .insert(conn)
        .await?;
    Ok(())
}

fn email_row(
    now: DateTime<Utc>,
    notice_id: Option<i64>,
    to: &str,
    lang: Lang,
    r: &templates::Rendered,
    key: &str,
) -> outbox_email::ActiveModel {
    outbox_email::ActiveModel {
        notice_id: Set(notice_id),
        to_address: Set(to.to_string()),
        language: Set(lang.tag().to_string()),
        subject: Set(truncate(&r.title, 250)),
        body_text: Set(r.text.clone()),
        body_html: Set(r.html.clone()),
        status: Set(EmailStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        idempotency_key: Set(key.to_string()),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

/// Notifies every account currently bound to `subject_id`. `dedupe_key`, when
/// given, is suffixed with the account id.
pub async fn notify_subject<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    subject_id: i64,
    kind: NoticeKind,
    params: Value,
    link: Option<String>,
    dedupe_key: Option<&str>,
) -> ServiceResult<usize> {
    let bindings = live_bindings(conn, subject_id).await?;
    let mut sent = 0;
    for b in bindings {
        let n = NewNotice {
            account_id: b.account_id,
            subject_id: Some(subject_id),
            kind,
            params: params.clone(),
            link: link.clone(),
            dedupe_key: dedupe_key.map(|k| format!("{k}:a{}", b.account_id)),
        };
        if notify(conn, now, n).await?.is_some() {
            sent += 1;
        }
    }
    Ok(sent)
}

async fn live_bindings<C: ConnectionTrait>(
    conn: &C,
    subject_id: i64,
) -> ServiceResult<Vec<account_subject::Model>> {
    Ok(account_subject::Entity::find()
        .filter(account_subject::Column::SubjectId.eq(subject_id))
        .filter(account_subject::Column::RevokedAt.is_null())
        .order_by_asc(account_subject::Column::Id)
        .all(conn)
        .await?)
}

/// Notifies the active staff accounts of a department.
pub async fn notify_department<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    department_id: i64,
    kind: NoticeKind,
    params: Value,
    link: Option<String>,
    dedupe_key: Option<&str>,
) -> ServiceResult<usize> {
    let staff = active_staff()
        .filter(account::Column::DepartmentId.eq(department_id))
        .all(conn)
        .await?;
    notify_accounts(conn, now, staff, kind, params, link, dedupe_key).await
}

/// Who hears of a department's cases: its active staff accounts.
fn active_staff() -> sea_orm::Select<account::Entity> {
    account::Entity::find()
        .filter(account::Column::Role.eq(AccountRole::DepartmentStaff))
        .filter(account::Column::Status.eq(AccountStatus::Active))
}

/// Who hears of the platform's own cases and of escalations.
fn active_operators() -> sea_orm::Select<account::Entity> {
    account::Entity::find()
        .filter(account::Column::Role.eq(AccountRole::Operator))
        .filter(account::Column::Status.eq(AccountStatus::Active))
}

/// The accounts [`notify_operators`] notifies, by id, for a batch.
pub async fn operators<C: ConnectionTrait>(conn: &C) -> ServiceResult<Vec<account::Model>> {
    Ok(active_operators()
        .order_by_asc(account::Column::Id)
        .all(conn)
        .await?)
}

/// The accounts [`notify_department`] notifies, for each of
/// `departments` (by id), for a batch.
pub async fn staff_of<C: ConnectionTrait>(
    conn: &C,
    mut departments: Vec<i64>,
) -> ServiceResult<HashMap<i64, Vec<account::Model>>> {
    departments.sort_unstable();
    departments.dedup();
    let backend = conn.get_database_backend();
    let mut staff: HashMap<i64, Vec<account::Model>> = HashMap::new();
    for chunk in departments.chunks(lookup_chunk(backend)) {
        let rows = active_staff()
            .filter(super::one_of(
                backend,
                account::Column::DepartmentId,
                chunk.to_vec(),
            ))
            .order_by_asc(account::Column::Id)
            .all(conn)
            .await?;
        for a in rows {
            if let Some(d) = a.department_id {
                staff.entry(d).or_default().push(a);
            }
        }
    }
    Ok(staff)
}

/// Notifies the active operators.
pub async fn notify_operators<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    kind: NoticeKind,
    params: Value,
    link: Option<String>,
    dedupe_key: Option<&str>,
) -> ServiceResult<usize> {
    let ops = active_operators().all(conn).await?;
    notify_accounts(conn, now, ops, kind, params, link, dedupe_key).await
}

async fn notify_accounts<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    accounts: Vec<account::Model>,
    kind: NoticeKind,
    params: Value,
    link: Option<String>,
    dedupe_key: Option<&str>,
) -> ServiceResult<usize> {
    let mut sent = 0;
    for a in accounts {
        let n = NewNotice {
            account_id: a.id,
            subject_id: None,
            kind,
            params: params.clone(),
            link: link.clone(),
            dedupe_key: dedupe_key.map(|k| format!("{k}:a{}", a.id)),
        };
        if notify(conn, now, n).await?.is_some() {
            sent += 1;
        }
    }
    Ok(sent)
}

// ---------------------------------------------------------------------------
// Consent and query notices (issue #4 item 4)

/// Local date-time for a notice text (Asia/Shanghai).
pub fn local_stamp(t: DateTime<Utc>) -> String {
    domain::time::local_datetime(t)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

async fn consent_params<C: ConnectionTrait>(conn: &C, c: &consent::Model) -> ServiceResult<Value> {
    let agency_name = agency::Entity::find_by_id(c.agency_id)
        .one(conn)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let purpose = super::consents::purpose(&c.purpose_code)
        .map(|p| format!("{} / {}", p.name_zh, p.name_en))
        .unwrap_or_else(|| c.purpose_code.clone());
    Ok(json!({
        "agency_name": agency_name,
        "purpose": purpose,
        "purpose_code": c.purpose_code,
        "valid_until": domain::time::local_date(c.valid_until).to_string(),
        "consent_id": c.id,
    }))
}

/// The notice for a consent lifecycle event (`consents::EVENT_*`), to the
/// subject's bound accounts, in the transaction of the change. Events with
/// no notice (denied, renewed: the user did it and sees the result) are
/// ignored.
pub async fn consent_event<C: ConnectionTrait>(
    conn: &C,
    c: &consent::Model,
    event: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let kind = match event {
        super::consents::EVENT_REQUESTED => NoticeKind::ConsentRequested,
        super::consents::EVENT_GRANTED => NoticeKind::ConsentGranted,
        super::consents::EVENT_REVOKED => NoticeKind::ConsentRevoked,
        _ => return Ok(()),
    };
    let params = consent_params(conn, c).await?;
    let key = format!("{}:c{}:v{}", kind.as_str(), c.id, c.version);
    notify_subject(
        conn,
        now,
        c.subject_id,
        kind,
        params,
        Some(format!("/consents/{}", c.id)),
        Some(&key),
    )
    .await?;
    Ok(())
}

/// "Your data was queried": a notice per query to the bound accounts that
/// chose [`QueryNotices::Each`], in the query's transaction. (Accounts on
/// the digest hear of it from [`send_query_digests`].)
#[allow(clippy::too_many_arguments)]
pub async fn subject_queried<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    subject_id: i64,
    agency_id: i64,
    purpose_code: &str,
    records_returned: usize,
) -> ServiceResult<usize> {
    let bindings = live_bindings(conn, subject_id).await?;
    if bindings.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = bindings.iter().map(|b| b.account_id).collect();
    let wanting: Vec<account::Model> = account::Entity::find()
        .filter(account::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .filter(|a| NoticePrefs::from_json(&a.notify_prefs).queries == QueryNotices::Each)
        .collect();
    if wanting.is_empty() {
        return Ok(0);
    }
    let agency_name = agency::Entity::find_by_id(agency_id)
        .one(conn)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let purpose = super::consents::purpose(purpose_code)
        .map(|p| format!("{} / {}", p.name_zh, p.name_en))
        .unwrap_or_else(|| purpose_code.to_string());
    let params = json!({
        "agency_name": agency_name,
        "purpose": purpose,
        "occurred_at": local_stamp(now),
        "count": records_returned,
    });
    let mut sent = 0;
    for a in wanting {
        let n = NewNotice {
            account_id: a.id,
            subject_id: Some(subject_id),
            kind: NoticeKind::SubjectQueried,
            params: params.clone(),
            link: Some(format!("/subjects/{subject_id}/query-log")),
            dedupe_key: None,
        };
        if notify(conn, now, n).await?.is_some() {
            sent += 1;
        }
    }
    Ok(sent)
}

/// The daily digest: for the previous local day (Asia/Shanghai), one notice
/// per bound account that chose [`QueryNotices::Digest`] and per subject
/// that was queried under consent that day. Once per day and account
/// (dedupe key), so every replica may run it every tick.
pub async fn send_query_digests(state: &AppState) -> ServiceResult<usize> {
    let now = state.now();
    let yesterday = domain::time::local_date(now) - Duration::days(1);
    let from = domain::time::start_of_local_day_utc(yesterday);
    let to = domain::time::start_of_local_day_utc(yesterday + Duration::days(1));
    let counts: Vec<(i64, i64)> = query_log::Entity::find()
        .select_only()
        .column(query_log::Column::SubjectId)
        .column_as(query_log::Column::Id.count(), "n")
        .filter(query_log::Column::OccurredAt.gte(from))
        .filter(query_log::Column::OccurredAt.lt(to))
        .filter(query_log::Column::AgencyId.is_not_null())
        .group_by(query_log::Column::SubjectId)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut sent = 0;
    for (subject_id, n) in counts {
        let txn = begin_write(&state.db).await?;
        let Some(s) = subject::Entity::find_by_id(subject_id).one(&txn).await? else {
            continue;
        };
        for b in live_bindings(&txn, subject_id).await? {
            let Some(a) = account::Entity::find_by_id(b.account_id).one(&txn).await? else {
                continue;
            };
            if NoticePrefs::from_json(&a.notify_prefs).queries != QueryNotices::Digest {
                continue;
            }
            let note = NewNotice {
                account_id: a.id,
                subject_id: Some(subject_id),
                kind: NoticeKind::QueryDigest,
                params: json!({ "date": yesterday.to_string(), "count": n, "subject_name": s.name }),
                link: Some(format!("/subjects/{subject_id}/query-log")),
                dedupe_key: Some(format!("query_digest:{yesterday}:s{subject_id}:a{}", a.id)),
            };
            if notify(&txn, now, note).await?.is_some() {
                sent += 1;
            }
        }
        txn.commit().await?;
    }
    Ok(sent)
}

/// Days before a consent's end at which its subject is reminded. Platform
/// practice, not a statutory period: enough time to renew before the
/// agency's access stops (PIPL Art. 15 lets the subject decide either way).
pub const CONSENT_EXPIRY_NOTICE_DAYS: i64 = 7;

/// Reminds the subject of active consents ending within
/// [`CONSENT_EXPIRY_NOTICE_DAYS`], once per consent version (a renewal
/// starts a new version, so it is reminded again before its new end).
pub async fn send_consent_expiry_notices(state: &AppState) -> ServiceResult<usize> {
    let now = state.now();
    let horizon = now + Duration::days(CONSENT_EXPIRY_NOTICE_DAYS);
    let due = consent::Entity::find()
        .filter(consent::Column::Status.eq(ConsentStatus::Active))
        .filter(consent::Column::ValidUntil.gt(now))
        .filter(consent::Column::ValidUntil.lte(horizon))
        .order_by_asc(consent::Column::Id)
        .limit(500)
        .all(&state.db)
        .await?;
    let mut sent = 0;
    for c in due {
        let key = format!("consent_expiring:c{}:v{}", c.id, c.version);
        let txn = begin_write(&state.db).await?;
        let params = consent_params(&txn, &c).await?;
        sent += notify_subject(
            &txn,
            now,
            c.subject_id,
            NoticeKind::ConsentExpiring,
            params,
            Some(format!("/consents/{}", c.id)),
            Some(&key),
        )
        .await?;
        txn.commit().await?;
    }
    Ok(sent)
}

// ---------------------------------------------------------------------------
// The inbox

/// The account whose inbox this is. An API client is authenticated but has
/// no inbox: FORBIDDEN, as for any operation its role may never call.
fn inbox_owner(actor: &Actor) -> ServiceResult<&crate::auth::AccountActor> {
    match actor {
        Actor::Account(a) => Ok(a),
        Actor::Anonymous => Err(ServiceError::Unauthenticated("sign in to see your notices")),
        Actor::Client(_) => Err(ServiceError::Forbidden),
    }
}

/// A page of the signed-in account's notices, newest first (keyset on id).
pub async fn my_notices(
    state: &AppState,
    actor: &Actor,
    first: u64,
    after: Option<i64>,
    unread_only: bool,
) -> ServiceResult<(Vec<notice::Model>, bool)> {
    let me = inbox_owner(actor)?;
    let mut q = notice::Entity::find().filter(notice::Column::AccountId.eq(me.account_id));
    if unread_only {
        q = q.filter(notice::Column::ReadAt.is_null());
    }
    if let Some(a) = after {
        q = q.filter(notice::Column::Id.lt(a));
    }
    let mut rows = q
        .order_by_desc(notice::Column::Id)
        .limit(first + 1)
        .all(&state.db)
        .await?;
    let more = rows.len() as u64 > first;
    rows.truncate(first as usize);
    Ok((rows, more))
}

/// How many of the account's notices are unread.
pub async fn unread_count(state: &AppState, actor: &Actor) -> ServiceResult<u64> {
    let me = inbox_owner(actor)?;
    Ok(notice::Entity::find()
        .filter(notice::Column::AccountId.eq(me.account_id))
        .filter(notice::Column::ReadAt.is_null())
        .count(&state.db)
        .await?)
}

fn notice_not_found() -> ServiceError {
    ServiceError::invalid(
        &["input", "id"],
        "NOTICE_NOT_FOUND",
        "no notice of yours has this id",
    )
}

/// Records the read receipt: the first read time stays (a deadline can run
/// from receipt, so it is never moved). Another account's notice is
/// `NOTICE_NOT_FOUND`, like an unknown id.
pub async fn mark_read(state: &AppState, actor: &Actor, id: i64) -> ServiceResult<notice::Model> {
    let me = inbox_owner(actor)?;
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    notice::Entity::update_many()
        .col_expr(notice::Column::ReadAt, Expr::value(Some(now)))
        .filter(notice::Column::Id.eq(id))
        .filter(notice::Column::AccountId.eq(me.account_id))
        .filter(notice::Column::ReadAt.is_null())
        .exec(&txn)
        .await?;
    let row = notice::Entity::find_by_id(id)
        .filter(notice::Column::AccountId.eq(me.account_id))
        .one(&txn)
        .await?
        .ok_or_else(notice_not_found)?;
    txn.commit().await?;
    Ok(row)
}

/// Marks every unread notice of the account read; returns how many.
pub async fn mark_all_read(state: &AppState, actor: &Actor) -> ServiceResult<u64> {
    let me = inbox_owner(actor)?;
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let r = notice::Entity::update_many()
        .col_expr(notice::Column::ReadAt, Expr::value(Some(now)))
        .filter(notice::Column::AccountId.eq(me.account_id))
        .filter(notice::Column::ReadAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(r.rows_affected)
}

/// One of the account's notices (`None` for another's or an unknown id).
pub async fn get_notice(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<notice::Model>> {
    let Some(me) = actor.account() else {
        return Ok(None);
    };
    Ok(notice::Entity::find_by_id(id)
        .filter(notice::Column::AccountId.eq(me.account_id))
        .one(&state.db)
        .await?)
}

// ---------------------------------------------------------------------------
// The operator's view of failed mail

/// Which failed emails to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailedFilter {
    /// Dead-lettered: no further attempt without an operator.
    Dead,
    /// Failed at least once and waiting for the next attempt.
    Retrying,
    Both,
}

fn operator(actor: &Actor) -> ServiceResult<i64> {
    match actor {
        Actor::Anonymous => Err(ServiceError::Unauthenticated("sign in first")),
        Actor::Account(a) if a.role == AccountRole::Operator => Ok(a.account_id),
        _ => Err(ServiceError::Forbidden),
    }
}

/// Failed mail, newest first (keyset on id), for operators.
pub async fn failed_emails(
    state: &AppState,
    actor: &Actor,
    filter: FailedFilter,
    first: u64,
    after: Option<i64>,
) -> ServiceResult<(Vec<outbox_email::Model>, bool)> {
    operator(actor)?;
    let dead = outbox_email::Column::Status.eq(EmailStatus::Dead);
    let retrying = sea_orm::Condition::all()
        .add(outbox_email::Column::Status.is_in([EmailStatus::Pending, EmailStatus::Sending]))
        .add(outbox_email::Column::LastError.is_not_null());
    let cond = match filter {
        FailedFilter::Dead => sea_orm::Condition::all().add(dead),
        FailedFilter::Retrying => retrying,
        FailedFilter::Both => sea_orm::Condition::any().add(dead).add(retrying),
    };
    let mut q = outbox_email::Entity::find().filter(cond);
    if let Some(a) = after {
        q = q.filter(outbox_email::Column::Id.lt(a));
    }
    let mut rows = q
        .order_by_desc(outbox_email::Column::Id)
        .limit(first + 1)
        .all(&state.db)
        .await?;
    let more = rows.len() as u64 > first;
    rows.truncate(first as usize);
    Ok((rows, more))
}

/// One outbox email, for operators.
pub async fn email(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<outbox_email::Model>> {
    if operator(actor).is_err() {
        return Ok(None);
    }
    Ok(outbox_email::Entity::find_by_id(id).one(&state.db).await?)
}

/// Puts a dead (or still retrying) email back in the queue with a fresh
/// set of attempts, due now. A sent email is never sent again.
pub async fn retry_email(
    state: &AppState,
    actor: &Actor,
    meta: &crate::auth::RequestMeta,
    id: i64,
) -> ServiceResult<outbox_email::Model> {
    let by = operator(actor)?;
    let now = state.now();
    let txn = begin_write(&state.db).await?;
    let e = outbox_email::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ServiceError::invalid(&["input", "id"], "EMAIL_NOT_FOUND", "no email has this id")
        })?;
    match e.status {
        EmailStatus::Dead | EmailStatus::Pending => {}
        EmailStatus::Sent => {
            return Err(ServiceError::invalid(
                &["input", "id"],
                "EMAIL_ALREADY_SENT",
                "this email was sent; it is never sent twice",
            ));
        }
        EmailStatus::Sending => {
            return Err(ServiceError::invalid(
                &["input", "id"],
                "EMAIL_SENDING",
                "a worker is sending this email now; look again in a few minutes",
            ));
        }
    }
    outbox_email::Entity::update_many()
        .col_expr(
            outbox_email::Column::Status,
            Expr::value(EmailStatus::Pending),
        )
        .col_expr(outbox_email::Column::Attempts, Expr::value(0))
        .col_expr(outbox_email::Column::NextAttemptAt, Expr::value(now))
        .filter(outbox_email::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    super::audit::record(
        &txn,
        super::audit::AuditEntry::account(by, "mail.retry", "outbox_email", now, meta)
            .object_id(Some(id.to_string()))
            .detail(json!({ "attempts_before": e.attempts, "status_before": e.status })),
    )
    .await?;
    let row = outbox_email::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::Internal("retried email vanished".into()))?;
    txn.commit().await?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_default_and_round_trip() {
        let d = NoticePrefs::from_json(&json!({ "email": true }));
        assert_eq!(d, NoticePrefs::default());
        assert!(d.emails(NoticeKind::ObjectionDecided));
        let off = NoticePrefs::from_json(&json!({ "email": false }));
        assert!(!off.emails(NoticeKind::ConsentGranted));
        assert!(!off.emails(NoticeKind::SubjectQueried));
        assert!(
            off.emails(NoticeKind::PasswordReset),
            "security mail always goes"
        );
        let p = NoticePrefs {
            email_cases: false,
            email_consents: true,
            queries: QueryNotices::Each,
        };
        assert_eq!(NoticePrefs::from_json(&p.to_json()), p);
    }

    #[test]
    fn kind_names_are_unique() {
        let mut names: Vec<_> = NoticeKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), NoticeKind::ALL.len());
        assert!(names.iter().all(|n| n.len() <= 48));
    }
}
