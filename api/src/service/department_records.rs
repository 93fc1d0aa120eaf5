//! A department's own records, newest first: what its staff or its system
//! submitted, whatever their state now (withdrawn and archived included), so
//! that it can check, correct and withdraw them.
//!
//! Who may read is who may submit ([`Submitter::from_actor`]): department
//! staff and a department's client with `records:write`, each for their own
//! department only. Reading one's own submissions is not a read of a
//! subject's data by a third party, so no query-log row is written (as for
//! `withdrawRecord`'s answer).

use entity::enums::RecordStatus;
use entity::{credit_record, record_category};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::ServiceResult;
use super::records::Submitter;
use crate::auth::Actor;
use crate::state::AppState;

/// Conditions on a department's records; every one given must hold.
#[derive(Clone, Debug, Default)]
pub struct DepartmentRecordFilter {
    /// Category code, e.g. `administrative_penalty`.
    pub category: Option<String>,
    pub status: Option<RecordStatus>,
    /// The department's own reference, exactly.
    pub source_ref: Option<String>,
}

/// Up to `limit` of the actor's department's records with an id below
/// `after_id`, newest first. Records mirrored onto related persons are the
/// platform's copies, not submissions, and are left out.
pub async fn department_records(
    state: &AppState,
    actor: &Actor,
    filter: &DepartmentRecordFilter,
    after_id: Option<i64>,
    limit: u64,
) -> ServiceResult<Vec<credit_record::Model>> {
    let submitter = Submitter::from_actor(actor)?;
    let mut q = credit_record::Entity::find()
        .filter(credit_record::Column::DepartmentId.eq(submitter.department_id))
        .filter(credit_record::Column::DerivedFromRecordId.is_null());
    if let Some(code) = filter.category.as_deref().map(str::trim) {
        let category = record_category::Entity::find()
            .filter(record_category::Column::Code.eq(code))
            .one(&state.db)
            .await?;
        match category {
            Some(c) => q = q.filter(credit_record::Column::CategoryId.eq(c.id)),
            // An unknown code matches nothing (as for a subject's filter).
            None => return Ok(Vec::new()),
        }
    }
    if let Some(status) = filter.status {
        q = q.filter(credit_record::Column::Status.eq(status));
    }
    if let Some(r) = filter.source_ref.as_deref() {
        q = q.filter(credit_record::Column::SourceRef.eq(r.trim()));
    }
    if let Some(a) = after_id {
        q = q.filter(credit_record::Column::Id.lt(a));
    }
    Ok(q.order_by_desc(credit_record::Column::Id)
        .limit(limit)
        .all(&state.db)
        .await?)
}
