//! Credit records from departments: batch submission (API and import),
//! corrections, withdrawal. Reading records is in `service::views`.

use chrono::NaiveDate;
use entity::enums::{Disclosure, Severity, SubjectKind};
use serde::{Deserialize, Serialize};

use super::FieldError;

/// Most records one `submitRecords` call (or one import batch) may carry.
pub const MAX_BATCH: usize = 1000;

/// The legal-basis document of a decision (required for warning
/// information and penalties).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalBasis {
    /// e.g. 行政处罚决定书
    pub doc_type: String,
    /// e.g. 榕市监罚〔2025〕123号
    pub number: String,
    pub issuer: String,
    pub effective_on: NaiveDate,
}

/// One record as a department submits it, after the edge (GraphQL or the
/// importer) has parsed dates and enums. Identifiers and content are checked
/// by the service so that every problem is reported against its field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordSubmission {
    /// The department's own id of the record; (department, source_ref) is unique.
    pub source_ref: String,
    /// Category code from the catalogue, e.g. `administrative_penalty`.
    pub category: String,
    /// USCC or resident ID number of the subject.
    pub subject_identifier: String,
    /// The subject's registered name (creates the subject when unknown and allowed).
    pub subject_name: String,
    /// Only needed when the identifier alone does not say (e.g. a USCC of an unusual type).
    pub subject_kind: Option<SubjectKind>,
    pub title: String,
    /// Category-specific fields, checked against the category's schema.
    pub content: serde_json::Value,
    pub legal_basis: Option<LegalBasis>,
    pub decided_on: NaiveDate,
    pub conduct_ended_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub severity: Option<Severity>,
    /// The disclosure attribute (公开属性); required.
    pub disclosure: Option<Disclosure>,
    /// A publication end the department decided, within the rule's bounds.
    pub disclosure_end: Option<NaiveDate>,
    /// Required when the submission changes an existing record.
    pub correction_reason: Option<String>,
}

/// What happened to one submitted item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemOutcome {
    Accepted {
        record_id: i64,
    },
    /// The same payload again: nothing changed.
    Unchanged {
        record_id: i64,
    },
    Corrected {
        record_id: i64,
        version: i32,
    },
    /// Nothing was written for this item; the errors say why.
    Rejected {
        errors: Vec<FieldError>,
    },
}

// ---------------------------------------------------------------------------
// Submission

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use domain::disclosure::{self, WindowInput};
use domain::identifier::{SubjectIdentifier, SubjectKind as DomainKind};
use entity::enums::{ChangeKind, InfoClass, RecordStatus, RelatedRole};
use entity::{
    change_event, credit_record, department, record_category, record_revision, related_person,
    subject,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use super::audit::{self, AuditEntry};
use super::catalogue::CategoryDef;
use super::{ServiceError, ServiceResult, begin_write, one_of, subjects};
use crate::auth::{Actor, RequestMeta};
use crate::crypto::sha256_hex;
use crate::state::{AppState, Reference};

/// Scope an API client needs to submit records.
pub const SCOPE_RECORDS_WRITE: &str = "records:write";
/// Rows per INSERT statement: keeps bind parameters under SQLite's limit.
const INSERT_CHUNK: usize = 400;
/// Keys per `IN (…)` look-up: a whole batch, so that each look-up is one
/// round trip (one bind parameter per key, far under both databases' limits).
const LOOKUP_CHUNK: usize = MAX_BATCH;

/// Who submits: always a department, through a person or a system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitter {
    pub department_id: i64,
    pub account_id: Option<i64>,
    pub client_id: Option<i64>,
}

impl Submitter {
    /// Department staff, or a department's API client with `records:write`.
    pub fn from_actor(actor: &Actor) -> ServiceResult<Submitter> {
        match actor {
            Actor::Anonymous => Err(ServiceError::Unauthenticated(
                "sign in as department staff or use a department client",
            )),
            Actor::Account(a) => match (a.role, a.department_id) {
                (entity::enums::AccountRole::DepartmentStaff, Some(d)) => Ok(Submitter {
                    department_id: d,
                    account_id: Some(a.account_id),
                    client_id: None,
                }),
                _ => Err(ServiceError::Forbidden),
            },
            Actor::Client(c) => match c.department_id {
                Some(d) if c.scopes.iter().any(|s| s == SCOPE_RECORDS_WRITE) => Ok(Submitter {
                    department_id: d,
                    account_id: None,
                    client_id: Some(c.api_client_id),
                }),
                _ => Err(ServiceError::Forbidden),
            },
        }
    }

    /// The department named by its code, for `xinyong import` run by an operator.
    pub async fn for_department_code(state: &AppState, code: &str) -> ServiceResult<Submitter> {
        let d = department::Entity::find()
            .filter(department::Column::Code.eq(code.trim()))
            .one(&state.db)
            .await?
            .ok_or_else(|| {
                ServiceError::invalid(
                    &["department"],
                    "DEPARTMENT_UNKNOWN",
                    format!("no department has the code {code:?}"),
                )
            })?;
        Ok(Submitter {
            department_id: d.id,
            account_id: None,
            client_id: None,
        })
    }
}

/// The built-in catalogue definitions by code (parsed once; the database rows
/// carry ids and the operator's `active` switch).
fn definitions() -> &'static HashMap<String, CategoryDef> {
    static DEFS: OnceLock<HashMap<String, CategoryDef>> = OnceLock::new();
    DEFS.get_or_init(|| {
        super::catalogue::builtin()
            .map(|defs| defs.into_iter().map(|d| (d.code.clone(), d)).collect())
            .unwrap_or_default()
    })
}

/// An item that passed every check that needs no database.
struct Checked {
    index: usize,
    sub: RecordSubmission,
    identifier: SubjectIdentifier,
    kind: SubjectKind,
    category_id: i64,
    def: &'static CategoryDef,
    window: disclosure::Window,
    late: bool,
    payload_hash: String,
}

fn field(index: usize, name: &str) -> Vec<String> {
    vec![
        "input".into(),
        "records".into(),
        index.to_string(),
        name.into(),
    ]
}

fn err(index: usize, name: &str, code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field(index, name),
        code,
        message: message.into(),
    }
}

/// Submits up to [`MAX_BATCH`] records in one transaction. Each item is
/// answered on its own: a bad item is rejected with field errors and never
/// costs the good ones; a database fault rolls the whole batch back, so
/// nothing half-written remains.
pub async fn submit_records(
    state: &AppState,
    submitter: &Submitter,
    meta: &RequestMeta,
    items: Vec<RecordSubmission>,
) -> ServiceResult<Vec<ItemOutcome>> {
    if items.len() > MAX_BATCH {
        return Err(ServiceError::invalid(
            &["input", "records"],
            "BATCH_TOO_LARGE",
            format!(
                "send at most {MAX_BATCH} records per call ({} given)",
                items.len()
            ),
        ));
    }
    let now = state.now();
    let today = domain::time::local_date(now);
    let reference = state.reference();
    let mut outcomes: Vec<Option<ItemOutcome>> = vec![None; items.len()];

    let txn = begin_write(&state.db).await?;
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        // Every look-up of a batch probes a unique index with the batch's
        // keys. While a load grows a table faster than autovacuum analyses
        // it, the planner still believes the table small and scans it
        // instead, so each batch costs time in proportion to the rows
        // already loaded (measured: `submitRecords` at 3,400 records/s on
        // 20,000 records, 1,300/s on 100,000). `SET LOCAL` ends with the
        // transaction.
        txn.execute_unprepared("SET LOCAL enable_seqscan = off")
            .await?;
    }
    let dept = department::Entity::find_by_id(submitter.department_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::Forbidden)?;
    let categories: HashMap<String, record_category::Model> = record_category::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.code.clone(), c))
        .collect();

    // 1. Everything that needs no database, item by item.
    let mut checked = Vec::new();
    let mut seen_refs = HashSet::new();
    for (index, sub) in items.into_iter().enumerate() {
        let dup = !seen_refs.insert(sub.source_ref.trim().to_string());
        match check_item(index, sub, &categories, &reference, today) {
            Ok(_) if dup => {
                outcomes[index] = Some(ItemOutcome::Rejected {
                    errors: vec![err(
                        index,
                        "sourceRef",
                        "DUPLICATE_IN_BATCH",
                        "this sourceRef appears earlier in the same batch",
                    )],
                })
            }
            Ok(c) => checked.push(c),
            Err(errors) => outcomes[index] = Some(ItemOutcome::Rejected { errors }),
        }
    }

    // 2. Subjects: one look-up for the batch; unknown organisations are
    // registered, all in one statement, when the department may do so.
    let hashes: Vec<String> = checked
        .iter()
        .map(|c| subjects::identifier_hash(&state.keys, &c.identifier))
        .collect();
    let mut subject_by_hash: HashMap<String, subject::Model> = HashMap::new();
    let backend = txn.get_database_backend();
    for chunk in hashes.chunks(LOOKUP_CHUNK) {
        for s in subject::Entity::find()
            .filter(one_of(
                backend,
                subject::Column::IdentifierHash,
                chunk.to_vec(),
            ))
            .all(&txn)
            .await?
        {
            subject_by_hash.insert(s.identifier_hash.clone(), s);
        }
    }
    // Items in batch order, each with the hash of its (known or new) subject.
    let mut placed: Vec<(Checked, String)> = Vec::with_capacity(checked.len());
    let mut new_subjects: Vec<subject::Model> = Vec::new();
    let mut new_hashes: HashSet<String> = HashSet::new();
    for (c, hash) in checked.into_iter().zip(hashes) {
        if let Some(s) = subject_by_hash.get(&hash) {
            if s.kind == SubjectKind::NaturalPerson && !c.def.applies_to(SubjectKind::NaturalPerson)
            {
                outcomes[c.index] = Some(ItemOutcome::Rejected {
                    errors: vec![err(
                        c.index,
                        "subjectIdentifier",
                        "SUBJECT_KIND_NOT_ALLOWED",
                        "this category does not apply to natural persons",
                    )],
                });
                continue;
            }
            placed.push((c, hash));
            continue;
        }
        // A subject new to the platform that an earlier item of this batch registers.
        if new_hashes.contains(&hash) {
            placed.push((c, hash));
            continue;
        }
        if c.kind == SubjectKind::NaturalPerson || !dept.may_register_subjects {
            outcomes[c.index] = Some(ItemOutcome::Rejected {
                errors: vec![err(
                    c.index,
                    "subjectIdentifier",
                    "SUBJECT_UNKNOWN",
                    if c.kind == SubjectKind::NaturalPerson {
                        "no person with this ID number is registered; people are registered through identity binding, not by records"
                    } else {
                        "no subject with this code is registered, and this department may not register subjects; ask the platform operator"
                    },
                )],
            });
            continue;
        }
        let row = subjects::new_subject_model(
            &state.keys,
            subjects::NewSubject {
                kind: c.kind,
                name: c.sub.subject_name.clone(),
                identifier: c.identifier.clone(),
                legal_representative: None,
                region_code: None,
                contact_email: None,
                registered_on: None,
            },
            now,
        );
        match row {
            Ok(row) => {
                new_subjects.push(row);
                new_hashes.insert(hash.clone());
                placed.push((c, hash));
            }
            Err(mut errors) => {
                for e in &mut errors {
                    e.field = field(c.index, "subjectName");
                }
                outcomes[c.index] = Some(ItemOutcome::Rejected { errors });
            }
        }
    }
    // A concurrent submission may register the same organisation first: its
    // row is then used instead (looked up below), not an error.
    for s in insert_new_subjects(&txn, new_subjects, now).await? {
        subject_by_hash.insert(s.identifier_hash.clone(), s);
    }
    let raced: Vec<String> = new_hashes
        .into_iter()
        .filter(|h| !subject_by_hash.contains_key(h))
        .collect();
    for chunk in raced.chunks(LOOKUP_CHUNK) {
        for s in subject::Entity::find()
            .filter(one_of(
                backend,
                subject::Column::IdentifierHash,
                chunk.to_vec(),
            ))
            .all(&txn)
            .await?
        {
            subject_by_hash.insert(s.identifier_hash.clone(), s);
        }
    }
    let mut ready = Vec::with_capacity(placed.len());
    for (c, hash) in placed {
        let s = subject_by_hash
            .get(&hash)
            .ok_or_else(|| ServiceError::Internal("a registered subject is missing".into()))?;
        ready.push((c, s.clone()));
    }

    // 3. Existing records of this department with these sourceRefs.
    let refs: Vec<String> = ready
        .iter()
        .map(|(c, _)| c.sub.source_ref.clone())
        .collect();
    let mut existing: HashMap<String, credit_record::Model> = HashMap::new();
    for chunk in refs.chunks(LOOKUP_CHUNK) {
        for r in credit_record::Entity::find()
            .filter(credit_record::Column::DepartmentId.eq(dept.id))
            .filter(one_of(
                backend,
                credit_record::Column::SourceRef,
                chunk.to_vec(),
            ))
            .all(&txn)
            .await?
        {
            existing.insert(r.source_ref.clone(), r);
        }
    }

    let mut fresh = Vec::new();
    let mut corrections = Vec::new();
    for (c, subj) in ready {
        let Some(old) = existing.remove(&c.sub.source_ref) else {
            fresh.push((c, subj));
            continue;
        };
        if old.payload_hash == c.payload_hash {
            outcomes[c.index] = Some(ItemOutcome::Unchanged { record_id: old.id });
            continue;
        }
        if let Some(e) = correction_problem(&c, &old, &subj) {
            outcomes[c.index] = Some(ItemOutcome::Rejected { errors: vec![e] });
            continue;
        }
        corrections.push((c, old));
    }
    let corrected_ids =
        apply_corrections(&txn, submitter, &corrections, now, &mut outcomes).await?;

    // 4. New records with their revisions and change events.
    let created = insert_new_records(&txn, submitter, fresh, now, &mut outcomes).await?;
    mirror_onto_related_persons(&txn, &created, now).await?;

    let (mut accepted, mut unchanged, mut corrected, mut rejected) = (0, 0, 0, 0);
    let outcomes: Vec<ItemOutcome> = outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| ItemOutcome::Rejected { errors: vec![] }))
        .inspect(|o| match o {
            ItemOutcome::Accepted { .. } => accepted += 1,
            ItemOutcome::Unchanged { .. } => unchanged += 1,
            ItemOutcome::Corrected { .. } => corrected += 1,
            ItemOutcome::Rejected { .. } => rejected += 1,
        })
        .collect();
    audit::record(
        &txn,
        submitter_audit(submitter, "records.submit", now, meta).detail(json!({
            "department_id": dept.id,
            "accepted": accepted, "unchanged": unchanged, "corrected": corrected, "rejected": rejected,
            "corrected_ids": corrected_ids,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(outcomes)
}

/// Inserts a batch's new subjects, skipping any that exist by now
/// (`ON CONFLICT DO NOTHING`); returns those inserted. On PostgreSQL one
/// statement with the rows as one JSON document (as for the records: no
/// ~16 bind parameters per row to plan); elsewhere multi-row inserts.
async fn insert_new_subjects(
    conn: &impl ConnectionTrait,
    rows: Vec<subject::Model>,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<subject::Model>> {
    use sea_orm::{ActiveEnum, DatabaseBackend, Statement};
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    if conn.get_database_backend() != DatabaseBackend::Postgres {
        let mut inserted = Vec::with_capacity(rows.len());
        for chunk in super::insert_chunks(&rows, INSERT_CHUNK) {
            let models = chunk.iter().map(|m| {
                let mut row = subject::ActiveModel::from(m.clone()).reset_all();
                row.id = sea_orm::ActiveValue::NotSet;
                row
            });
            inserted.extend(
                subject::Entity::insert_many(models)
                    .on_conflict(
                        sea_orm::sea_query::OnConflict::column(subject::Column::IdentifierHash)
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_with_returning(conn)
                    .await?,
            );
        }
        return Ok(inserted);
    }

    /// One row of [`INSERT_SUBJECTS_PG`]'s input.
    #[derive(Serialize)]
    struct PgSubject<'a> {
        kind: String,
        name: &'a str,
        identifier_kind: String,
        identifier_hash: &'a str,
        identifier_plain: Option<&'a str>,
        identifier_cipher: Option<&'a str>,
        identifier_masked: &'a str,
        legal_representative: Option<&'a str>,
        region_code: &'a str,
        contact_email: Option<&'a str>,
        status: String,
        registered_on: Option<NaiveDate>,
        ended_on: Option<NaiveDate>,
        version: i32,
    }
    let input: Vec<PgSubject> = rows
        .iter()
        .map(|m| PgSubject {
            kind: m.kind.to_value(),
            name: &m.name,
            identifier_kind: m.identifier_kind.to_value(),
            identifier_hash: &m.identifier_hash,
            identifier_plain: m.identifier_plain.as_deref(),
            identifier_cipher: m.identifier_cipher.as_deref(),
            identifier_masked: &m.identifier_masked,
            legal_representative: m.legal_representative.as_deref(),
            region_code: &m.region_code,
            contact_email: m.contact_email.as_deref(),
            status: m.status.to_value(),
            registered_on: m.registered_on,
            ended_on: m.ended_on,
            version: m.version,
        })
        .collect();
    let input = serde_json::to_string(&input)
        .map_err(|e| ServiceError::Internal(format!("encoding the batch's subjects: {e}")))?;
    let stmt = Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        INSERT_SUBJECTS_PG,
        [input.into(), now.into()],
    );
    Ok(subject::Entity::find().from_raw_sql(stmt).all(conn).await?)
}

/// `$1` the rows (JSON array of `PgSubject`), `$2` now. The function scan
/// keeps the rows' order, so ids are given in batch order as by a multi-row
/// `INSERT`.
const INSERT_SUBJECTS_PG: &str = r#"
INSERT INTO subject (
    kind, name, identifier_kind, identifier_hash, identifier_plain, identifier_cipher,
    identifier_masked, legal_representative, region_code, contact_email, status,
    registered_on, ended_on, created_at, updated_at, version)
SELECT kind, name, identifier_kind, identifier_hash, identifier_plain, identifier_cipher,
    identifier_masked, legal_representative, region_code, contact_email, status,
    registered_on, ended_on, $2, $2, version
FROM jsonb_to_recordset($1::text::jsonb) AS x(
    kind text, name text, identifier_kind text, identifier_hash text, identifier_plain text,
    identifier_cipher text, identifier_masked text, legal_representative text,
    region_code text, contact_email text, status text, registered_on date, ended_on date,
    version integer)
ON CONFLICT (identifier_hash) DO NOTHING
RETURNING *
"#;

fn submitter_audit(
    s: &Submitter,
    action: &'static str,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> AuditEntry {
    match (s.account_id, s.client_id) {
        (Some(a), _) => AuditEntry::account(a, action, "credit_record", now, meta),
        (None, Some(c)) => AuditEntry::client(c, action, "credit_record", now, meta),
        (None, None) => AuditEntry::system(action, "credit_record", now, meta),
    }
}

fn to_domain_kind(k: SubjectKind) -> DomainKind {
    match k {
        SubjectKind::Enterprise => DomainKind::Enterprise,
        SubjectKind::SocialOrg => DomainKind::SocialOrg,
        SubjectKind::PublicInstitution => DomainKind::PublicInstitution,
        SubjectKind::IndividualBusiness => DomainKind::IndividualBusiness,
        SubjectKind::NaturalPerson => DomainKind::NaturalPerson,
        SubjectKind::GovernmentBody => DomainKind::GovernmentBody,
    }
}

fn from_domain_kind(k: DomainKind) -> SubjectKind {
    match k {
        DomainKind::Enterprise => SubjectKind::Enterprise,
        DomainKind::SocialOrg => SubjectKind::SocialOrg,
        DomainKind::PublicInstitution => SubjectKind::PublicInstitution,
        DomainKind::IndividualBusiness => SubjectKind::IndividualBusiness,
        DomainKind::NaturalPerson => SubjectKind::NaturalPerson,
        DomainKind::GovernmentBody => SubjectKind::GovernmentBody,
    }
}

/// The stored information class as the domain's (one mapping for every service).
pub fn info_class(c: InfoClass) -> disclosure::InfoClass {
    match c {
        InfoClass::Basic => disclosure::InfoClass::Basic,
        InfoClass::Good => disclosure::InfoClass::Good,
        InfoClass::Hint => disclosure::InfoClass::Hint,
        InfoClass::Warning => disclosure::InfoClass::Warning,
    }
}

/// The checks that need no database. Every problem of the item is reported.
fn check_item(
    index: usize,
    mut sub: RecordSubmission,
    categories: &HashMap<String, record_category::Model>,
    reference: &Reference,
    today: NaiveDate,
) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    sub.source_ref = sub.source_ref.trim().to_string();
    sub.title = sub.title.trim().to_string();
    sub.subject_name = sub.subject_name.trim().to_string();
    if sub.source_ref.is_empty()
        || sub.source_ref.chars().count() > 128
        || sub.source_ref.chars().any(char::is_control)
    {
        errors.push(err(
            index,
            "sourceRef",
            "SOURCE_REF_INVALID",
            "give your own reference of the record: 1 to 128 printable characters",
        ));
    }
    let category = categories.get(sub.category.trim()).filter(|c| c.active);
    let def = definitions().get(sub.category.trim());
    let (Some(category), Some(def)) = (category, def) else {
        errors.push(err(
            index,
            "category",
            "CATEGORY_UNKNOWN",
            format!(
                "{:?} is not an active category code; see docs/catalogue.md",
                sub.category
            ),
        ));
        return Err(errors);
    };

    let identifier = match sub.subject_kind {
        Some(k) => SubjectIdentifier::parse_as(to_domain_kind(k), &sub.subject_identifier),
        None => SubjectIdentifier::parse_any(&sub.subject_identifier),
    };
    let identifier = match identifier {
        Ok(id) => Some(id),
        Err(e) => {
            errors.push(err(index, "subjectIdentifier", e.code(), e.to_string()));
            None
        }
    };
    let kind = identifier.as_ref().map(|id| {
        sub.subject_kind
            .unwrap_or_else(|| from_domain_kind(id.suggested_subject_kind()))
    });
    if let Some(kind) = kind
        && !def.applies_to(kind)
    {
        errors.push(err(
            index,
            "subjectKind",
            "SUBJECT_KIND_NOT_ALLOWED",
            format!(
                "category {} does not apply to {}",
                def.code,
                to_domain_kind(kind).name_en()
            ),
        ));
    }
    if sub.subject_name.is_empty() || sub.subject_name.chars().count() > 200 {
        errors.push(err(
            index,
            "subjectName",
            "SUBJECT_NAME_INVALID",
            "give the subject's registered name (1 to 200 characters)",
        ));
    }
    if sub.title.is_empty() || sub.title.chars().count() > 500 {
        errors.push(err(
            index,
            "title",
            "TITLE_INVALID",
            "give a title of 1 to 500 characters",
        ));
    }
    let prefix = field(index, "content");
    errors.extend(super::content::check(
        &def.content_schema,
        &sub.content,
        &prefix,
    ));

    // Legal basis: warning information and penalties rest on a document (Measures Art. 18).
    let needs_basis = disclosure::legal_basis_required(
        info_class(def.info_class),
        def.double_publicity,
        &def.code,
    );
    match &sub.legal_basis {
        None if needs_basis => errors.push(err(index, "legalBasis", "LEGAL_BASIS_REQUIRED", "warning information and penalties need the legal-basis document: type, number, issuer and effective date")),
        Some(b) => {
            for (name, value) in [("docType", &b.doc_type), ("number", &b.number), ("issuer", &b.issuer)] {
                if value.trim().is_empty() || value.chars().count() > 200 {
                    errors.push(FieldError {
                        field: [field(index, "legalBasis"), vec![name.to_string()]].concat(),
                        code: "LEGAL_BASIS_INVALID",
                        message: format!("legalBasis.{name} must be 1 to 200 characters"),
                    });
                }
            }
            if b.effective_on > today {
                errors.push(err(index, "legalBasis", "DATE_IN_FUTURE", "the legal-basis document cannot take effect after today"));
            }
        }
        None => {}
    }
    if sub.decided_on > today {
        errors.push(err(
            index,
            "decidedOn",
            "DATE_IN_FUTURE",
            format!(
                "the decision date {} is after today ({today})",
                sub.decided_on
            ),
        ));
    }
    if let Some(d) = sub.conduct_ended_on
        && d > today
    {
        errors.push(err(
            index,
            "conductEndedOn",
            "DATE_IN_FUTURE",
            "the conduct cannot end after today",
        ));
    }
    if let Some(d) = sub.valid_until
        && d < sub.decided_on
    {
        errors.push(err(
            index,
            "validUntil",
            "DATES_OUT_OF_ORDER",
            "validUntil is before decidedOn",
        ));
    }
    if let Some(d) = sub.disclosure_end
        && d < sub.decided_on
    {
        errors.push(err(
            index,
            "disclosureEnd",
            "DATES_OUT_OF_ORDER",
            "disclosureEnd is before decidedOn",
        ));
    }
    if def.severity_required && sub.severity.is_none() {
        errors.push(err(
            index,
            "severity",
            "SEVERITY_REQUIRED",
            "this category needs a severity: MINOR, GENERAL or SERIOUS",
        ));
    }
    match sub.disclosure {
        None => errors.push(err(
            index,
            "disclosure",
            "DISCLOSURE_REQUIRED",
            "give the disclosure attribute (公开属性): PUBLIC, AUTHORIZED or GOVERNMENT",
        )),
        Some(Disclosure::Public) if kind == Some(SubjectKind::NaturalPerson) => errors.push(err(
            index,
            "disclosure",
            "NATURAL_PERSON_NOT_PUBLIC",
            "records about natural persons are never public; use AUTHORIZED or GOVERNMENT",
        )),
        _ => {}
    }
    if let Some(r) = &sub.correction_reason
        && r.chars().count() > 1000
    {
        errors.push(err(
            index,
            "correctionReason",
            "CORRECTION_REASON_INVALID",
            "at most 1000 characters",
        ));
    }

    let rule = def.publication_rule_for(sub.severity, &sub.content);
    let window = disclosure::publication_window(
        &WindowInput {
            publication_rule: &rule,
            decided_on: sub.decided_on,
            conduct_ended_on: sub.conduct_ended_on,
            valid_until: sub.valid_until,
            subject_ended_on: None,
            requested_end: sub.disclosure_end,
        },
        &reference.rules,
        &reference.calendar,
    );
    let window = match window {
        Ok(w) => Some(w),
        Err(e) => {
            let name = match e.field() {
                Some("decided_on") => "decidedOn",
                Some("valid_until") => "validUntil",
                Some("conduct_ended_on") => "conductEndedOn",
                Some("severity") => "severity",
                Some("category") | Some("publication_rule") => "category",
                _ => "disclosureEnd",
            };
            errors.push(err(index, name, e.code(), e.to_string()));
            None
        }
    };
    let (Some(identifier), Some(kind), Some(window), true) =
        (identifier, kind, window, errors.is_empty())
    else {
        return Err(errors);
    };

    // 双公示: licences and penalties are published within 7 working days of the decision.
    let late = def.double_publicity
        && reference
            .rules
            .rule_in_force(domain::rules::DOUBLE_PUBLICITY_PUBLISH, sub.decided_on)
            .is_some_and(|r| today > r.apply(sub.decided_on, &reference.calendar).date);
    let payload_hash = payload_hash(&sub);
    Ok(Checked {
        index,
        sub,
        identifier,
        kind,
        category_id: category.id,
        def,
        window,
        late,
        payload_hash,
    })
}

/// Hash of what the department said (not of why it said it again): the
/// submission as compact JSON with its keys sorted (serde_json's map order),
/// without `correction_reason`, the subject identifier trimmed and upper-cased.
///
/// Stored hashes must keep these exact bytes, or a re-sent record would read
/// as a change. The bytes are written field by field instead of through a
/// `serde_json::Value` of the whole submission (a map and a copy of every
/// string per record); [`payload_hash_via_value`] is the reference the tests
/// hold it to.
fn payload_hash(sub: &RecordSubmission) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(512);
    // Writing JSON into a Vec cannot fail (serde_json only fails on maps with
    // non-string keys, which a `Value` cannot hold); fall back to the
    // reference if it ever did.
    if write_payload(&mut out, sub).is_err() {
        return payload_hash_via_value(sub);
    }
    sha256_hex(out)
}

/// The canonical payload bytes; keys in sorted order, as a
/// `BTreeMap`-backed `serde_json::Map` orders them.
fn write_payload(out: &mut Vec<u8>, sub: &RecordSubmission) -> serde_json::Result<()> {
    fn key(out: &mut Vec<u8>, first: bool, name: &str) {
        if !first {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
    }
    fn val<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) -> serde_json::Result<()> {
        serde_json::to_writer(&mut *out, v)
    }
    out.push(b'{');
    key(out, true, "category");
    val(out, &sub.category)?;
    key(out, false, "conduct_ended_on");
    val(out, &sub.conduct_ended_on)?;
    key(out, false, "content");
    val(out, &sub.content)?;
    key(out, false, "decided_on");
    val(out, &sub.decided_on)?;
    key(out, false, "disclosure");
    val(out, &sub.disclosure)?;
    key(out, false, "disclosure_end");
    val(out, &sub.disclosure_end)?;
    key(out, false, "legal_basis");
    match &sub.legal_basis {
        None => out.extend_from_slice(b"null"),
        Some(b) => {
            out.push(b'{');
            key(out, true, "doc_type");
            val(out, &b.doc_type)?;
            key(out, false, "effective_on");
            val(out, &b.effective_on)?;
            key(out, false, "issuer");
            val(out, &b.issuer)?;
            key(out, false, "number");
            val(out, &b.number)?;
            out.push(b'}');
        }
    }
    key(out, false, "severity");
    val(out, &sub.severity)?;
    key(out, false, "source_ref");
    val(out, &sub.source_ref)?;
    key(out, false, "subject_identifier");
    val(out, &sub.subject_identifier.trim().to_uppercase())?;
    key(out, false, "subject_kind");
    val(out, &sub.subject_kind)?;
    key(out, false, "subject_name");
    val(out, &sub.subject_name)?;
    key(out, false, "title");
    val(out, &sub.title)?;
    key(out, false, "valid_until");
    val(out, &sub.valid_until)?;
    out.push(b'}');
    Ok(())
}

/// The payload hash as first defined: through a `serde_json::Value` of the
/// submission. Kept as the reference [`payload_hash`] must match.
fn payload_hash_via_value(sub: &RecordSubmission) -> String {
    let mut v = serde_json::to_value(sub).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("correction_reason");
        o.insert(
            "subject_identifier".into(),
            Value::String(sub.subject_identifier.trim().to_uppercase()),
        );
    }
    sha256_hex(v.to_string())
}

fn correction_problem(
    c: &Checked,
    old: &credit_record::Model,
    subj: &subject::Model,
) -> Option<FieldError> {
    if c.sub
        .correction_reason
        .as_deref()
        .is_none_or(|r| r.trim().is_empty())
    {
        return Some(err(
            c.index,
            "correctionReason",
            "CORRECTION_REASON_REQUIRED",
            format!(
                "record {} already exists with different content; say why it changes in correctionReason",
                c.sub.source_ref
            ),
        ));
    }
    if old.subject_id != subj.id {
        return Some(err(
            c.index,
            "subjectIdentifier",
            "CORRECTION_CHANGES_SUBJECT",
            "a correction cannot move a record to another subject; withdraw it and submit a new record",
        ));
    }
    if matches!(old.status, RecordStatus::Withdrawn | RecordStatus::Deleted) {
        return Some(err(
            c.index,
            "sourceRef",
            "RECORD_WITHDRAWN",
            "this record was withdrawn or deleted and can no longer be corrected; submit a new record",
        ));
    }
    None
}

/// The record a submission creates, as the database will hold it (the id is
/// filled in once inserted).
fn new_model(
    c: &Checked,
    subject_id: i64,
    s: &Submitter,
    now: DateTime<Utc>,
) -> credit_record::Model {
    let b = c.sub.legal_basis.as_ref();
    credit_record::Model {
        id: 0,
        subject_id,
        category_id: c.category_id,
        department_id: s.department_id,
        source_ref: c.sub.source_ref.clone(),
        title: c.sub.title.clone(),
        content: c.sub.content.clone(),
        legal_basis_type: b.map(|b| b.doc_type.trim().to_string()),
        legal_basis_number: b.map(|b| b.number.trim().to_string()),
        legal_basis_issuer: b.map(|b| b.issuer.trim().to_string()),
        legal_basis_effective_on: b.map(|b| b.effective_on),
        decided_on: c.sub.decided_on,
        conduct_ended_on: c.sub.conduct_ended_on,
        valid_until: c.sub.valid_until,
        severity: c.sub.severity,
        disclosure: c.sub.disclosure.unwrap_or(Disclosure::Authorized),
        disclosure_start: c.window.start,
        disclosure_end: c.window.end,
        status: RecordStatus::Active,
        status_reason: None,
        payload_hash: c.payload_hash.clone(),
        submitted_by_account_id: s.account_id,
        submitted_by_client_id: s.client_id,
        submitted_at: now,
        late_submission: c.late,
        derived_from_record_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

fn new_row(
    c: &Checked,
    subject_id: i64,
    s: &Submitter,
    now: DateTime<Utc>,
) -> credit_record::ActiveModel {
    let mut row = credit_record::ActiveModel::from(new_model(c, subject_id, s, now)).reset_all();
    row.id = sea_orm::ActiveValue::NotSet;
    row
}

/// The fields a revision shows before and after a change.
fn snapshot(r: &credit_record::Model) -> Value {
    json!({
        "title": r.title, "content": r.content, "category_id": r.category_id,
        "legal_basis": { "type": r.legal_basis_type, "number": r.legal_basis_number, "issuer": r.legal_basis_issuer, "effective_on": r.legal_basis_effective_on },
        "decided_on": r.decided_on, "conduct_ended_on": r.conduct_ended_on, "valid_until": r.valid_until,
        "severity": r.severity, "disclosure": r.disclosure,
        "disclosure_start": r.disclosure_start, "disclosure_end": r.disclosure_end,
        "status": r.status,
    })
}

/// Applies the corrections of a batch: one `UPDATE` per record (each row
/// changes differently), then their revisions and change events in
/// multi-row inserts. Returns the corrected records' ids.
async fn apply_corrections(
    conn: &impl ConnectionTrait,
    s: &Submitter,
    corrections: &[(Checked, credit_record::Model)],
    now: DateTime<Utc>,
    outcomes: &mut [Option<ItemOutcome>],
) -> ServiceResult<Vec<i64>> {
    let mut revisions = Vec::with_capacity(corrections.len());
    let mut events = Vec::with_capacity(corrections.len());
    let mut ids = Vec::with_capacity(corrections.len());
    for (c, old) in corrections {
        let mut row: credit_record::ActiveModel = new_row(c, old.subject_id, s, now);
        row.id = Set(old.id);
        row.version = Set(old.version + 1);
        row.created_at = Set(old.created_at);
        // A correction keeps the record's state (an open objection stays open).
        row.status = Set(old.status);
        row.late_submission = Set(old.late_submission);
        row.submitted_at = Set(old.submitted_at);
        let updated = row.update(conn).await?;
        revisions.push(record_revision::ActiveModel {
            record_id: Set(old.id),
            subject_id: Set(old.subject_id),
            version: Set(updated.version),
            change_kind: Set(ChangeKind::Correct),
            reason: Set(c.sub.correction_reason.clone()),
            changed_by_account_id: Set(s.account_id),
            changed_by_client_id: Set(s.client_id),
            before: Set(Some(snapshot(old))),
            after: Set(snapshot(&updated)),
            created_at: Set(now),
            ..Default::default()
        });
        events.push(change_event::ActiveModel {
            subject_id: Set(old.subject_id),
            record_id: Set(Some(old.id)),
            consent_id: Set(None),
            kind: Set("corrected".into()),
            data: Set(json!({ "version": updated.version, "reason": c.sub.correction_reason })),
            occurred_at: Set(now),
            ..Default::default()
        });
        outcomes[c.index] = Some(ItemOutcome::Corrected {
            record_id: old.id,
            version: updated.version,
        });
        ids.push(old.id);
    }
    for chunk in super::insert_chunks(&revisions, INSERT_CHUNK) {
        record_revision::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    for chunk in super::insert_chunks(&events, INSERT_CHUNK) {
        change_event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(ids)
}

/// A record created by a batch, with what the related-person rule needs.
type Created = (credit_record::Model, &'static CategoryDef, SubjectKind);

/// Inserts the batch's new records with their change events and answers
/// their items. On PostgreSQL this is one statement for the
/// whole batch (see [`insert_new_records_pg`]); on SQLite, multi-row
/// inserts of [`INSERT_CHUNK`] rows (an embedded database has no round
/// trips to save, and its statements are cheap to prepare).
async fn insert_new_records(
    conn: &impl ConnectionTrait,
    s: &Submitter,
    fresh: Vec<(Checked, subject::Model)>,
    now: DateTime<Utc>,
    outcomes: &mut [Option<ItemOutcome>],
) -> ServiceResult<Vec<Created>> {
    if fresh.is_empty() {
        return Ok(Vec::new());
    }
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        return insert_new_records_pg(conn, s, fresh, now, outcomes).await;
    }
    let mut created: Vec<Created> = Vec::with_capacity(fresh.len());
    for chunk in super::insert_chunks(&fresh, INSERT_CHUNK) {
        let rows: Vec<credit_record::ActiveModel> = chunk
            .iter()
            .map(|(c, subj)| new_row(c, subj.id, s, now))
            .collect();
        let inserted = credit_record::Entity::insert_many(rows)
            .exec_with_returning(conn)
            .await?;
        let mut by_ref: HashMap<String, credit_record::Model> = inserted
            .into_iter()
            .map(|r| (r.source_ref.clone(), r))
            .collect();
        for (c, subj) in chunk {
            let r = by_ref
                .remove(&c.sub.source_ref)
                .ok_or_else(|| ServiceError::Internal("an inserted record is missing".into()))?;
            outcomes[c.index] = Some(ItemOutcome::Accepted { record_id: r.id });
            created.push((r, c.def, subj.kind));
        }
    }
    let rows: Vec<&credit_record::Model> = created.iter().map(|(r, _, _)| r).collect();
    write_events(conn, &rows, "created", now).await?;
    Ok(created)
}

/// The records of a batch and their change events in one PostgreSQL
/// statement. The rows travel as one array per column
/// (`unnest`), so the statement has the same 24 parameters whatever the
/// batch size (planned once, prepared once) and costs one round trip.
/// Arrays instead of one JSON document: parsing that document into `jsonb`
/// was 14% of the database's CPU in a bulk import (docs/performance.md).
async fn insert_new_records_pg(
    conn: &impl ConnectionTrait,
    s: &Submitter,
    fresh: Vec<(Checked, subject::Model)>,
    now: DateTime<Utc>,
    outcomes: &mut [Option<ItemOutcome>],
) -> ServiceResult<Vec<Created>> {
    use sea_orm::{ActiveEnum, DatabaseBackend, Statement};

    // The submission's text and content move into the model (the checked
    // item is not needed after this): no copy of each record's strings.
    let mut models: Vec<(
        credit_record::Model,
        usize,
        &'static CategoryDef,
        SubjectKind,
    )> = fresh
        .into_iter()
        .map(|(mut c, subj)| {
            let content = std::mem::take(&mut c.sub.content);
            let source_ref = std::mem::take(&mut c.sub.source_ref);
            let title = std::mem::take(&mut c.sub.title);
            let mut m = new_model(&c, subj.id, s, now);
            (m.content, m.source_ref, m.title) = (content, source_ref, title);
            (m, c.index, c.def, subj.kind)
        })
        .collect();
    let mut cols = PgColumns::default();
    for (m, _, _, _) in &models {
        cols.push(m)?;
    }
    let mut values = cols.into_values();
    values.extend([
        s.department_id.into(),
        s.account_id.into(),
        s.client_id.into(),
        now.into(),
        RecordStatus::Active.to_value().into(),
        "created".into(),
    ]);
    let stmt = Statement::from_sql_and_values(DatabaseBackend::Postgres, INSERT_RECORDS_PG, values);
    let mut ids: HashMap<String, i64> = HashMap::with_capacity(models.len());
    for row in conn.query_all_raw(stmt).await? {
        ids.insert(row.try_get("", "source_ref")?, row.try_get("", "id")?);
    }
    let mut created = Vec::with_capacity(models.len());
    for (mut m, index, def, kind) in models.drain(..) {
        m.id = ids
            .remove(&m.source_ref)
            .ok_or_else(|| ServiceError::Internal("an inserted record is missing".into()))?;
        outcomes[index] = Some(ItemOutcome::Accepted { record_id: m.id });
        created.push((m, def, kind));
    }
    Ok(created)
}

/// A date as days since 1970-01-01, [`NO_DAY`] for none: the array
/// parameters cannot hold NULL elements (SeaORM binds them as plain
/// vectors), so absent values travel as a sentinel the statement turns back
/// into NULL. Empty text does the same for the optional text columns,
/// which are never empty when present (`check_item`).
const NO_DAY: i32 = i32::MIN;

fn day_number(d: Option<NaiveDate>) -> i32 {
    d.map_or(NO_DAY, |d| {
        // chrono's dates (±262,000 years) fit an i32 day count.
        (d - NaiveDate::default()).num_days() as i32
    })
}

fn json_text<T: Serialize + ?Sized>(v: &T) -> ServiceResult<String> {
    serde_json::to_string(v).map_err(|e| ServiceError::Internal(format!("encoding the batch: {e}")))
}

/// [`INSERT_RECORDS_PG`]'s `$1`..`$18`: one vector per input column.
#[derive(Default)]
struct PgColumns {
    subject_id: Vec<i64>,
    category_id: Vec<i64>,
    source_ref: Vec<String>,
    title: Vec<String>,
    content: Vec<String>,
    legal_basis_type: Vec<String>,
    legal_basis_number: Vec<String>,
    legal_basis_issuer: Vec<String>,
    legal_basis_effective_on: Vec<i32>,
    decided_on: Vec<i32>,
    conduct_ended_on: Vec<i32>,
    valid_until: Vec<i32>,
    severity: Vec<String>,
    disclosure: Vec<String>,
    disclosure_start: Vec<i32>,
    disclosure_end: Vec<i32>,
    payload_hash: Vec<String>,
    late_submission: Vec<bool>,
}

impl PgColumns {
    fn push(&mut self, m: &credit_record::Model) -> ServiceResult<()> {
        use sea_orm::ActiveEnum;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        self.subject_id.push(m.subject_id);
        self.category_id.push(m.category_id);
        self.source_ref.push(m.source_ref.clone());
        self.title.push(m.title.clone());
        self.content.push(json_text(&m.content)?);
        self.legal_basis_type.push(text(&m.legal_basis_type));
        self.legal_basis_number.push(text(&m.legal_basis_number));
        self.legal_basis_issuer.push(text(&m.legal_basis_issuer));
        self.legal_basis_effective_on
            .push(day_number(m.legal_basis_effective_on));
        self.decided_on.push(day_number(Some(m.decided_on)));
        self.conduct_ended_on.push(day_number(m.conduct_ended_on));
        self.valid_until.push(day_number(m.valid_until));
        self.severity
            .push(m.severity.map(|v| v.to_value()).unwrap_or_default());
        self.disclosure.push(m.disclosure.to_value());
        self.disclosure_start
            .push(day_number(Some(m.disclosure_start)));
        self.disclosure_end.push(day_number(m.disclosure_end));
        self.payload_hash.push(m.payload_hash.clone());
        self.late_submission.push(m.late_submission);
        Ok(())
    }

    fn into_values(self) -> Vec<sea_orm::Value> {
        vec![
            self.subject_id.into(),
            self.category_id.into(),
            self.source_ref.into(),
            self.title.into(),
            self.content.into(),
            self.legal_basis_type.into(),
            self.legal_basis_number.into(),
            self.legal_basis_issuer.into(),
            self.legal_basis_effective_on.into(),
            self.decided_on.into(),
            self.conduct_ended_on.into(),
            self.valid_until.into(),
            self.severity.into(),
            self.disclosure.into(),
            self.disclosure_start.into(),
            self.disclosure_end.into(),
            self.payload_hash.into(),
            self.late_submission.into(),
        ]
    }
}

/// `$1`..`$18` the rows, one array per column ([`PgColumns`]; dates as
/// day numbers, [`NO_DAY`] and empty text for none), `$19` department,
/// `$20`/`$21` submitting account/client, `$22` now, `$23` the status of a
/// new record, `$24` the event kind. Events are written in record-id order,
/// as the feed reads them. No revision: a record's creation is the record
/// itself (see [`write_revisions`]).
const INSERT_RECORDS_PG: &str = r#"
WITH input AS (
    SELECT subject_id, category_id, source_ref, title, content::jsonb AS content,
        NULLIF(lb_type, '') AS legal_basis_type, NULLIF(lb_number, '') AS legal_basis_number,
        NULLIF(lb_issuer, '') AS legal_basis_issuer,
        DATE '1970-01-01' + NULLIF(lb_effective, -2147483648) AS legal_basis_effective_on,
        DATE '1970-01-01' + decided AS decided_on,
        DATE '1970-01-01' + NULLIF(conduct_ended, -2147483648) AS conduct_ended_on,
        DATE '1970-01-01' + NULLIF(valid_to, -2147483648) AS valid_until,
        NULLIF(severity, '') AS severity, disclosure,
        DATE '1970-01-01' + d_start AS disclosure_start,
        DATE '1970-01-01' + NULLIF(d_end, -2147483648) AS disclosure_end,
        payload_hash, late_submission
    FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[],
        $6::text[], $7::text[], $8::text[], $9::int[], $10::int[], $11::int[], $12::int[],
        $13::text[], $14::text[], $15::int[], $16::int[], $17::text[], $18::bool[])
      AS x(subject_id, category_id, source_ref, title, content,
        lb_type, lb_number, lb_issuer, lb_effective, decided, conduct_ended, valid_to,
        severity, disclosure, d_start, d_end, payload_hash, late_submission)
), rec AS (
    INSERT INTO credit_record (
        subject_id, category_id, department_id, source_ref, title, content,
        legal_basis_type, legal_basis_number, legal_basis_issuer, legal_basis_effective_on,
        decided_on, conduct_ended_on, valid_until, severity, disclosure,
        disclosure_start, disclosure_end, status, status_reason, payload_hash,
        submitted_by_account_id, submitted_by_client_id, submitted_at, late_submission,
        derived_from_record_id, version, created_at, updated_at)
    SELECT subject_id, category_id, $19, source_ref, title, content,
        legal_basis_type, legal_basis_number, legal_basis_issuer, legal_basis_effective_on,
        decided_on, conduct_ended_on, valid_until, severity, disclosure,
        disclosure_start, disclosure_end, $23, NULL, payload_hash,
        $20, $21, $22, late_submission,
        NULL, 1, $22, $22
    FROM input
    RETURNING id, subject_id, source_ref, version
), ev AS (
    INSERT INTO change_event (subject_id, record_id, consent_id, kind, data, occurred_at)
    SELECT rec.subject_id, rec.id, NULL, $24, jsonb_build_object('version', rec.version), $22
    FROM rec ORDER BY rec.id
)
SELECT id, source_ref FROM rec
"#;

/// Change-feed events `event` for records written in bulk.
async fn write_events(
    conn: &impl ConnectionTrait,
    rows: &[&credit_record::Model],
    event: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    for chunk in super::insert_chunks(rows, INSERT_CHUNK) {
        let events: Vec<change_event::ActiveModel> = chunk
            .iter()
            .map(|r| change_event::ActiveModel {
                subject_id: Set(r.subject_id),
                record_id: Set(Some(r.id)),
                consent_id: Set(None),
                kind: Set(event.to_string()),
                data: Set(json!({ "version": r.version })),
                occurred_at: Set(now),
                ..Default::default()
            })
            .collect();
        if !events.is_empty() {
            change_event::Entity::insert_many(events)
                .exec_without_returning(conn)
                .await?;
        }
    }
    Ok(())
}

/// Revisions `kind` for records changed in bulk, each from its `before`.
///
/// A revision is written for every change of a record and never for its
/// creation: version 1 is the record as submitted (its `submitted_*`
/// columns, and the first revision's `before` once it changes). The views
/// show it as the history's first entry (`views::history`). Storing it
/// again was a third of the rows, and a quarter of the database's CPU, of
/// a bulk import (docs/performance.md).
async fn write_revisions(
    conn: &impl ConnectionTrait,
    s: &Submitter,
    changed: &[(Value, &credit_record::Model)],
    kind: ChangeKind,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    for chunk in super::insert_chunks(changed, INSERT_CHUNK) {
        let revisions: Vec<record_revision::ActiveModel> = chunk
            .iter()
            .map(|(before, r)| record_revision::ActiveModel {
                record_id: Set(r.id),
                subject_id: Set(r.subject_id),
                version: Set(r.version),
                change_kind: Set(kind),
                reason: Set(None),
                changed_by_account_id: Set(s.account_id),
                changed_by_client_id: Set(s.client_id),
                before: Set(Some(before.clone())),
                after: Set(snapshot(r)),
                created_at: Set(now),
                ..Default::default()
            })
            .collect();
        if !revisions.is_empty() {
            record_revision::Entity::insert_many(revisions)
                .exec_without_returning(conn)
                .await?;
        }
    }
    Ok(())
}

/// Serious dishonesty of an organisation is also recorded against its legal
/// representative and responsible persons (seed 002: 法定代表人、主要负责人
/// 和直接责任人). The mirrored record is the person's own, authorised-query
/// only, and points back to the organisation's record.
async fn mirror_onto_related_persons(
    conn: &impl ConnectionTrait,
    created: &[(credit_record::Model, &'static CategoryDef, SubjectKind)],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let serious: Vec<&(credit_record::Model, &'static CategoryDef, SubjectKind)> = created
        .iter()
        .filter(|(r, def, kind)| {
            *kind != SubjectKind::NaturalPerson
                && def.applies_to(SubjectKind::NaturalPerson)
                && (r.severity == Some(Severity::Serious)
                    || def.list_kind == entity::enums::ListKind::Black)
        })
        .collect();
    if serious.is_empty() {
        return Ok(());
    }
    let org_ids: Vec<i64> = serious.iter().map(|(r, _, _)| r.subject_id).collect();
    let people = related_person::Entity::find()
        .filter(super::one_of(
            conn.get_database_backend(),
            related_person::Column::SubjectId,
            org_ids,
        ))
        .filter(related_person::Column::PersonSubjectId.is_not_null())
        .filter(related_person::Column::Role.is_in([
            RelatedRole::LegalRepresentative,
            RelatedRole::Principal,
            RelatedRole::DirectlyResponsible,
        ]))
        .all(conn)
        .await?;
    let mut rows = Vec::new();
    for (r, def, _) in &serious {
        for p in people.iter().filter(|p| {
            p.subject_id == r.subject_id
                && p.valid_from.is_none_or(|f| f <= r.decided_on)
                && p.valid_until.is_none_or(|u| u >= r.decided_on)
        }) {
            let Some(person) = p.person_subject_id else {
                continue;
            };
            // Every column copied as a value to insert, then the person's own.
            let mut row = credit_record::ActiveModel::from(r.clone()).reset_all();
            row.id = sea_orm::ActiveValue::NotSet;
            row.subject_id = Set(person);
            row.source_ref = Set(format!("{}#person-{person}", r.source_ref));
            row.disclosure = Set(def.disclosure_for(SubjectKind::NaturalPerson));
            row.derived_from_record_id = Set(Some(r.id));
            row.created_at = Set(now);
            row.updated_at = Set(now);
            rows.push(row);
        }
    }
    let mut mirrored = Vec::new();
    for chunk in super::insert_chunks(&rows, INSERT_CHUNK) {
        let inserted = credit_record::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([
                    credit_record::Column::DepartmentId,
                    credit_record::Column::SourceRef,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_with_returning(conn)
            .await?;
        mirrored.extend(inserted);
    }
    let refs: Vec<&credit_record::Model> = mirrored.iter().collect();
    write_events(conn, &refs, "created", now).await
}

/// Takes a record out of disclosure at once (a revoked or annulled decision;
/// the law allows 3 working days) and keeps it archived with the reason.
/// Records mirrored from it onto related persons are withdrawn with it,
/// and open objections and repair applications about any of them are
/// closed (`record_withdrawn`).
pub async fn withdraw_record(
    state: &AppState,
    submitter: &Submitter,
    meta: &RequestMeta,
    source_ref: &str,
    reason: &str,
) -> ServiceResult<credit_record::Model> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ServiceError::invalid(
            &["input", "reason"],
            "REASON_REQUIRED",
            "say why the record is withdrawn (1 to 1000 characters)",
        ));
    }
    let now = state.now();
    let reference = state.reference();
    let txn = begin_write(&state.db).await?;
    let found = credit_record::Entity::find()
        .filter(credit_record::Column::DepartmentId.eq(submitter.department_id))
        .filter(credit_record::Column::SourceRef.eq(source_ref.trim()))
        .one(&txn)
        .await?;
    // Another department's record is reported as unknown: refs are not shared.
    let Some(record) = found else {
        return Err(ServiceError::invalid(
            &["input", "sourceRef"],
            "RECORD_NOT_FOUND",
            "your department has no record with this sourceRef",
        ));
    };
    if matches!(
        record.status,
        RecordStatus::Withdrawn | RecordStatus::Deleted
    ) {
        return Err(ServiceError::invalid(
            &["input", "sourceRef"],
            "RECORD_WITHDRAWN",
            "this record is already withdrawn",
        ));
    }
    let mut ids = vec![record.id];
    ids.extend(
        credit_record::Entity::find()
            .filter(credit_record::Column::DerivedFromRecordId.eq(record.id))
            .all(&txn)
            .await?
            .into_iter()
            .filter(|r| !matches!(r.status, RecordStatus::Withdrawn | RecordStatus::Deleted))
            .map(|r| r.id),
    );
    let mut updated_main = None;
    for id in ids {
        let Some(before) = credit_record::Entity::find_by_id(id).one(&txn).await? else {
            continue;
        };
        credit_record::Entity::update_many()
            .col_expr(
                credit_record::Column::Status,
                Expr::value(RecordStatus::Withdrawn),
            )
            .col_expr(
                credit_record::Column::StatusReason,
                Expr::value(Some(reason.to_string())),
            )
            .col_expr(
                credit_record::Column::Version,
                Expr::value(before.version + 1),
            )
            .col_expr(credit_record::Column::UpdatedAt, Expr::value(now))
            .filter(credit_record::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        let after = credit_record::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| ServiceError::Internal("record vanished".into()))?;
        record_revision::ActiveModel {
            record_id: Set(id),
            subject_id: Set(after.subject_id),
            version: Set(after.version),
            change_kind: Set(ChangeKind::Withdraw),
            reason: Set(Some(reason.to_string())),
            changed_by_account_id: Set(submitter.account_id),
            changed_by_client_id: Set(submitter.client_id),
            before: Set(Some(snapshot(&before))),
            after: Set(snapshot(&after)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        change_event::ActiveModel {
            subject_id: Set(after.subject_id),
            record_id: Set(Some(id)),
            consent_id: Set(None),
            kind: Set("withdrawn".into()),
            data: Set(json!({ "version": after.version, "reason": reason })),
            occurred_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        super::cases::record_withdrawn(&txn, &reference, &after, reason, now).await?;
        if id == record.id {
            updated_main = Some(after);
        }
    }
    audit::record(
        &txn,
        submitter_audit(submitter, "records.withdraw", now, meta)
            .object_id(Some(record.id.to_string()))
            .subject(record.subject_id)
            .detail(json!({ "reason": reason })),
    )
    .await?;
    txn.commit().await?;
    updated_main.ok_or_else(|| ServiceError::Internal("withdrawn record missing".into()))
}

/// Records submitted after the 双公示 deadline, newest first (operators only).
pub async fn late_submissions(
    state: &AppState,
    actor: &Actor,
    department_id: Option<i64>,
    after_id: Option<i64>,
    limit: u64,
) -> ServiceResult<Vec<credit_record::Model>> {
    use sea_orm::{QueryOrder, QuerySelect};
    if !actor.is_operator() {
        return Err(match actor {
            Actor::Anonymous => ServiceError::Unauthenticated("sign in as an operator"),
            _ => ServiceError::Forbidden,
        });
    }
    let mut q = credit_record::Entity::find()
        .filter(credit_record::Column::LateSubmission.eq(true))
        .filter(credit_record::Column::DerivedFromRecordId.is_null());
    if let Some(d) = department_id {
        q = q.filter(credit_record::Column::DepartmentId.eq(d));
    }
    if let Some(a) = after_id {
        q = q.filter(credit_record::Column::Id.lt(a));
    }
    Ok(q.order_by_desc(credit_record::Column::Id)
        .limit(limit)
        .all(&state.db)
        .await?)
}

/// `status = 'active'` as the archiving claim writes it: the predicate of
/// `idx_credit_record_active_disclosure_end`, word for word.
const ACTIVE_LITERAL: &str = r#""credit_record"."status" = 'active'"#;

/// Archives active records whose publication window has ended (seed 002
/// l.587: archived, not deleted) and tells agencies through the change feed.
/// Visibility never waits for this: the disclosure engine already hides a
/// record from the day after its window. Safe to run on several replicas at
/// once: rows are claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL and
/// each transition happens once (`WHERE status = 'active'`).
pub async fn archive_expired(state: &AppState, meta: &RequestMeta) -> ServiceResult<u64> {
    use sea_orm::{QueryOrder, QuerySelect, sea_query::LockBehavior, sea_query::LockType};
    let now = state.now();
    let today = domain::time::local_date(now);
    let mut total = 0u64;
    loop {
        let txn = begin_write(&state.db).await?;
        // In the order of the partial index that holds only active records
        // (migration 17); the status is a literal so that the planner can
        // use it.
        let ids: Vec<i64> = credit_record::Entity::find()
            .select_only()
            .column(credit_record::Column::Id)
            .filter(Expr::cust(ACTIVE_LITERAL))
            .filter(credit_record::Column::DisclosureEnd.lt(today))
            .order_by_asc(credit_record::Column::DisclosureEnd)
            .order_by_asc(credit_record::Column::Id)
            .limit(INSERT_CHUNK as u64)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .into_tuple()
            .all(&txn)
            .await?;
        if ids.is_empty() {
            txn.commit().await?;
            return Ok(total);
        }
        let archived = credit_record::Entity::update_many()
            .col_expr(
                credit_record::Column::Status,
                Expr::value(RecordStatus::Archived),
            )
            .col_expr(
                credit_record::Column::Version,
                Expr::col(credit_record::Column::Version).add(Expr::value(1)),
            )
            .col_expr(credit_record::Column::UpdatedAt, Expr::value(now))
            .filter(super::one_of(
                txn.get_database_backend(),
                credit_record::Column::Id,
                ids,
            ))
            .filter(credit_record::Column::Status.eq(RecordStatus::Active))
            .exec_with_returning(&txn)
            .await?;
        let system = Submitter {
            department_id: 0,
            account_id: None,
            client_id: None,
        };
        // The only change is the status (the update required `active`).
        let changed: Vec<(Value, &credit_record::Model)> = archived
            .iter()
            .map(|r| {
                let mut before = snapshot(r);
                before["status"] = json!(RecordStatus::Active);
                (before, r)
            })
            .collect();
        write_revisions(&txn, &system, &changed, ChangeKind::Archive, now).await?;
        let rows: Vec<&credit_record::Model> = archived.iter().collect();
        write_events(&txn, &rows, "archived", now).await?;
        let n = rows.len() as u64;
        audit::record(
            &txn,
            AuditEntry::system("records.archive", "credit_record", now, meta)
                .detail(json!({ "archived": n })),
        )
        .await?;
        txn.commit().await?;
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_archiving_claim_names_the_active_status_as_stored() {
        use sea_orm::ActiveEnum;
        let stored = RecordStatus::Active.to_value();
        assert!(
            ACTIVE_LITERAL.ends_with(&format!("= '{stored}'")),
            "{ACTIVE_LITERAL}"
        );
    }

    fn date(days: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default() + chrono::Duration::days(days)
    }

    fn submission(
        texts: [String; 6],
        numbers: (f64, i64),
        days: (i64, Option<i64>, Option<i64>),
        enums: (u8, u8, u8),
        with_basis: bool,
    ) -> RecordSubmission {
        let [source_ref, category, identifier, name, title, extra] = texts;
        let mut content = serde_json::Map::new();
        content.insert("violation_type".into(), Value::String(extra.clone()));
        content.insert("fine_amount_yuan".into(), json!(numbers.0));
        content.insert("count".into(), json!(numbers.1));
        content.insert(
            extra.clone(),
            json!({ "nested": [extra.clone(), null, true] }),
        );
        let kinds = [
            None,
            Some(SubjectKind::Enterprise),
            Some(SubjectKind::NaturalPerson),
        ];
        let severities = [None, Some(Severity::Minor), Some(Severity::Serious)];
        let disclosures = [None, Some(Disclosure::Public), Some(Disclosure::Government)];
        RecordSubmission {
            source_ref,
            category,
            subject_identifier: identifier,
            subject_name: name,
            subject_kind: kinds[usize::from(enums.0 % 3)],
            title,
            content: Value::Object(content),
            legal_basis: with_basis.then(|| LegalBasis {
                doc_type: extra.clone(),
                number: "榕罚〔2026〕1号 \"q\"".into(),
                issuer: "\u{7}issuer\\".into(),
                effective_on: date(days.0 / 2),
            }),
            decided_on: date(days.0),
            conduct_ended_on: days.1.map(date),
            valid_until: days.2.map(date),
            severity: severities[usize::from(enums.1 % 3)],
            disclosure: disclosures[usize::from(enums.2 % 3)],
            disclosure_end: days.1.map(|d| date(d + 7)),
            correction_reason: with_basis.then(|| extra.clone()),
        }
    }

    proptest! {
        /// Stored hashes must not change: the direct writer produces the
        /// bytes the `Value` route produced, whatever the text holds.
        #[test]
        fn the_payload_hash_keeps_its_bytes(
            texts in proptest::array::uniform6("\\PC{0,12}|[ \"\\\\\u{0}-\u{1f}\u{7f}a-z0-9中文]{0,12}"),
            f in proptest::num::f64::NORMAL | proptest::num::f64::ZERO,
            i in any::<i64>(),
            d in 0i64..20_000,
            e in proptest::option::of(0i64..20_000),
            v in proptest::option::of(0i64..20_000),
            enums in any::<(u8, u8, u8)>(),
            with_basis in any::<bool>(),
        ) {
            let sub = submission(texts, (f, i), (d, e, v), enums, with_basis);
            prop_assert_eq!(payload_hash(&sub), payload_hash_via_value(&sub));
        }
    }

    /// The statement adds the day number to 1970-01-01: every date chrono
    /// can hold has one, and none of them is the "no date" sentinel.
    #[test]
    fn day_numbers_count_from_1970_and_never_meet_the_sentinel() {
        assert_eq!(day_number(NaiveDate::from_ymd_opt(1970, 1, 1)), 0);
        assert_eq!(day_number(NaiveDate::from_ymd_opt(2026, 11, 22)), 20_779);
        assert_eq!(day_number(NaiveDate::from_ymd_opt(1969, 12, 31)), -1);
        assert_eq!(day_number(None), NO_DAY);
        for d in [NaiveDate::MIN, NaiveDate::MAX] {
            let n = day_number(Some(d));
            assert_ne!(n, NO_DAY);
            assert_eq!(NaiveDate::default() + chrono::Duration::days(n.into()), d);
        }
    }

    #[test]
    fn the_payload_hash_ignores_the_correction_reason_only() {
        let sub = submission(
            [
                "R-1".into(),
                "c".into(),
                " 91350100ma099qfhxf ".into(),
                "n".into(),
                "t".into(),
                "x".into(),
            ],
            (2000.5, 3),
            (100, Some(50), None),
            (1, 1, 1),
            true,
        );
        let mut other = sub.clone();
        other.correction_reason = Some("another reason".into());
        assert_eq!(payload_hash(&sub), payload_hash(&other));
        other.title = "t2".into();
        assert_ne!(payload_hash(&sub), payload_hash(&other));
        assert_eq!(payload_hash(&sub), payload_hash_via_value(&sub));
    }
}
