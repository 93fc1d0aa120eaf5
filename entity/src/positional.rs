//! Decoding rows by position, for the statements on hot paths.
//!
//! SeaORM's derived `FromQueryResult` looks every column up by name (a
//! formatted string and a hash lookup per column per row); on the consented
//! query's record page that was a fifth of the request's instructions
//! (docs/performance.md). A statement that selects [`FromRow::COLUMNS`] in
//! order — `Entity::find()` does, and so do the fixed statements built
//! with [`FromRow::select_list`] — can be decoded by index instead.
//!
//! The field lists below are the models' fields in declaration order, which
//! is the order of each entity's `Column` enum: a field left out fails to
//! compile (the struct literal is incomplete), and a test compares each list
//! with `Column::iter()`.

use sea_orm::{DbErr, QueryResult};

/// A model decodable from a row whose columns start at a given position.
pub trait FromRow: Sized {
    /// The table's columns, in the order `from_row_at` reads them.
    const COLUMNS: &'static [&'static str];
    /// The table's name.
    const TABLE: &'static str;

    /// Decodes the columns `start..start + COLUMNS.len()` of `row`.
    fn from_row_at(row: &QueryResult, start: usize) -> Result<Self, DbErr>;

    fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Self::from_row_at(row, 0)
    }

    /// `"table"."col", …` for a hand-written SELECT, in `COLUMNS` order.
    fn select_list() -> String {
        Self::COLUMNS
            .iter()
            .map(|c| format!("\"{}\".\"{c}\"", Self::TABLE))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

macro_rules! by_position {
    ($($module:ident { $($field:ident),+ $(,)? })+) => { $(
        impl FromRow for crate::$module::Model {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];
            const TABLE: &'static str = stringify!($module);

            fn from_row_at(row: &QueryResult, start: usize) -> Result<Self, DbErr> {
                let mut at = start;
                let mut next = || {
                    at += 1;
                    at - 1
                };
                Ok(Self { $($field: row.try_get_by_index(next())?),+ })
            }
        }
    )+ };
}

by_position! {
    credit_record { id, subject_id, category_id, department_id, source_ref, title, content,
        legal_basis_type, legal_basis_number, legal_basis_issuer, legal_basis_effective_on,
        decided_on, conduct_ended_on, valid_until, severity, disclosure, disclosure_start,
        disclosure_end, status, status_reason, payload_hash, submitted_by_account_id,
        submitted_by_client_id, submitted_at, late_submission, derived_from_record_id, version,
        created_at, updated_at }
    subject { id, kind, name, identifier_kind, identifier_hash, identifier_plain,
        identifier_cipher, identifier_masked, legal_representative, region_code, contact_email,
        status, registered_on, ended_on, created_at, updated_at, version }
    consent { id, subject_id, agency_id, purpose_code, purpose_text, scope_classes,
        scope_categories, mode, monthly_cap, valid_from, valid_until, status, uses, last_used_at,
        requested_by, granted_by_account_id, granted_at, revoked_at, receipt, receipt_signature,
        created_at, updated_at, version, period_key, period_uses, receipt_key_id }
    department { id, code, name_zh, name_en, region_code, contact_email, may_register_subjects,
        created_at }
    api_client { id, agency_id, department_id, client_id, secret_hash, secret_hint, name, scopes,
        rate_tier, status, created_at, rotated_at, revoked_at, last_used_at }
    agency { id, name, uscc, licence_number, status, contact_email, created_at, updated_at }
    account_subject { id, account_id, subject_id, role, bound_via, bound_at,
        verified_by_account_id, revoked_at }
}

#[cfg(test)]
mod tests {
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    use super::FromRow;

    fn entity_columns<E: EntityTrait>() -> Vec<&'static str> {
        E::Column::iter().map(|c| c.as_str()).collect()
    }

    fn check<E: EntityTrait>()
    where
        E::Model: FromRow,
    {
        assert_eq!(
            <E::Model as FromRow>::COLUMNS,
            entity_columns::<E>().as_slice(),
            "{}",
            <E::Model as FromRow>::TABLE
        );
        assert_eq!(<E::Model as FromRow>::TABLE, E::default().table_name());
    }

    #[test]
    fn field_lists_are_the_entities_columns_in_order() {
        check::<crate::credit_record::Entity>();
        check::<crate::subject::Entity>();
        check::<crate::consent::Entity>();
        check::<crate::department::Entity>();
        check::<crate::api_client::Entity>();
        check::<crate::agency::Entity>();
        check::<crate::account_subject::Entity>();
    }

    #[test]
    fn the_select_list_quotes_table_and_column() {
        let list = crate::agency::Model::select_list();
        assert!(
            list.starts_with(r#""agency"."id", "agency"."name", "#),
            "{list}"
        );
        assert_eq!(list.matches(", ").count() + 1, 8);
    }
}
