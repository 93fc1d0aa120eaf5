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
    Accepted { record_id: i64 },
    /// The same payload again: nothing changed.
    Unchanged { record_id: i64 },
    Corrected { record_id: i64, version: i32 },
    /// Nothing was written for this item; the errors say why.
    Rejected { errors: Vec<FieldError> },
}
