//! Credit records, their revisions and the change feed.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CreditRecord as R;
        create_table_with_indexes(
            manager,
            Table::create()
                .table(R::Table)
                .col(id(R::Id))
                .col(big_integer(R::SubjectId))
                .col(big_integer(R::CategoryId))
                .col(big_integer(R::DepartmentId))
                .col(string_len(R::SourceRef, 128))
                .col(string(R::Title))
                .col(json_binary(R::Content))
                .col(string_len_null(R::LegalBasisType, 64))
                .col(string_len_null(R::LegalBasisNumber, 128))
                .col(string_null(R::LegalBasisIssuer))
                .col(date_null(R::LegalBasisEffectiveOn))
                .col(date(R::DecidedOn))
                .col(date_null(R::ConductEndedOn))
                .col(date_null(R::ValidUntil))
                .col(enum_str_null(R::Severity))
                .col(enum_str(R::Disclosure))
                .col(date(R::DisclosureStart))
                .col(date_null(R::DisclosureEnd))
                .col(enum_str(R::Status))
                .col(text_null(R::StatusReason))
                .col(hash_hex(R::PayloadHash))
                .col(big_integer_null(R::SubmittedByAccountId))
                .col(big_integer_null(R::SubmittedByClientId))
                .col(timestamp_with_time_zone(R::SubmittedAt))
                .col(boolean(R::LateSubmission).default(false))
                .col(big_integer_null(R::DerivedFromRecordId))
                .col(integer(R::Version).default(1))
                .col(timestamp_with_time_zone(R::CreatedAt))
                .col(timestamp_with_time_zone(R::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_credit_record_subject_id",
                    R::Table,
                    R::SubjectId,
                    Subject::Table,
                    Subject::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_credit_record_category_id",
                    R::Table,
                    R::CategoryId,
                    RecordCategory::Table,
                    RecordCategory::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_credit_record_department_id",
                    R::Table,
                    R::DepartmentId,
                    Department::Table,
                    Department::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_credit_record_submitted_by_account_id",
                    R::Table,
                    R::SubmittedByAccountId,
                    Account::Table,
                    Account::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_credit_record_submitted_by_client_id",
                    R::Table,
                    R::SubmittedByClientId,
                    ApiClient::Table,
                    ApiClient::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_credit_record_derived_from_record_id",
                    R::Table,
                    R::DerivedFromRecordId,
                    R::Table,
                    R::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                // Re-sending a record with the same reference is idempotent.
                unique_index(
                    "uq_credit_record_department_source_ref",
                    R::Table,
                    &[R::DepartmentId, R::SourceRef],
                ),
                // A subject's records, filtered by state (the most common read).
                index(
                    "idx_credit_record_subject_id_status",
                    R::Table,
                    &[R::SubjectId, R::Status],
                ),
                // Public lists by category (red/black lists, 双公示).
                index("idx_credit_record_category_id", R::Table, &[R::CategoryId]),
                // A department's submissions over time (reports, timeliness).
                index(
                    "idx_credit_record_department_id_submitted_at",
                    R::Table,
                    &[R::DepartmentId, R::SubmittedAt],
                ),
                // The publication-expiry job.
                index(
                    "idx_credit_record_disclosure_end",
                    R::Table,
                    &[R::DisclosureEnd],
                ),
                // Records mirrored from one organisation record.
                index(
                    "idx_credit_record_derived_from_record_id",
                    R::Table,
                    &[R::DerivedFromRecordId],
                ),
            ],
        )
        .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(RecordRevision::Table)
                .col(id(RecordRevision::Id))
                .col(big_integer(RecordRevision::RecordId))
                .col(big_integer(RecordRevision::SubjectId))
                .col(integer(RecordRevision::Version))
                .col(enum_str(RecordRevision::ChangeKind))
                .col(text_null(RecordRevision::Reason))
                .col(big_integer_null(RecordRevision::ChangedByAccountId))
                .col(big_integer_null(RecordRevision::ChangedByClientId))
                .col(json_binary_null(RecordRevision::Before))
                .col(json_binary(RecordRevision::After))
                .col(timestamp_with_time_zone(RecordRevision::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_record_revision_record_id",
                    RecordRevision::Table,
                    RecordRevision::RecordId,
                    R::Table,
                    R::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                // One revision per version: two concurrent edits cannot both win.
                unique_index(
                    "uq_record_revision_record_id_version",
                    RecordRevision::Table,
                    &[RecordRevision::RecordId, RecordRevision::Version],
                ),
                index(
                    "idx_record_revision_subject_id",
                    RecordRevision::Table,
                    &[RecordRevision::SubjectId],
                ),
            ],
        )
        .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(ChangeEvent::Table)
                .col(id(ChangeEvent::Id))
                .col(big_integer(ChangeEvent::SubjectId))
                .col(big_integer_null(ChangeEvent::RecordId))
                .col(big_integer_null(ChangeEvent::ConsentId))
                .col(string_len(ChangeEvent::Kind, 32))
                .col(json_binary(ChangeEvent::Data))
                .col(timestamp_with_time_zone(ChangeEvent::OccurredAt))
                .to_owned(),
            vec![
                // Feed of one subject's changes after a cursor.
                index(
                    "idx_change_event_subject_id_id",
                    ChangeEvent::Table,
                    &[ChangeEvent::SubjectId, ChangeEvent::Id],
                ),
                index(
                    "idx_change_event_occurred_at",
                    ChangeEvent::Table,
                    &[ChangeEvent::OccurredAt],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                ChangeEvent::Table.into_iden(),
                RecordRevision::Table.into_iden(),
                CreditRecord::Table.into_iden(),
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Department {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum RecordCategory {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Subject {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiClient {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum CreditRecord {
    Table,
    Id,
    SubjectId,
    CategoryId,
    DepartmentId,
    SourceRef,
    Title,
    Content,
    LegalBasisType,
    LegalBasisNumber,
    LegalBasisIssuer,
    LegalBasisEffectiveOn,
    DecidedOn,
    ConductEndedOn,
    ValidUntil,
    Severity,
    Disclosure,
    DisclosureStart,
    DisclosureEnd,
    Status,
    StatusReason,
    PayloadHash,
    SubmittedByAccountId,
    SubmittedByClientId,
    SubmittedAt,
    LateSubmission,
    DerivedFromRecordId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RecordRevision {
    Table,
    Id,
    RecordId,
    SubjectId,
    Version,
    ChangeKind,
    Reason,
    ChangedByAccountId,
    ChangedByClientId,
    Before,
    After,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChangeEvent {
    Table,
    Id,
    SubjectId,
    RecordId,
    ConsentId,
    Kind,
    Data,
    OccurredAt,
}
