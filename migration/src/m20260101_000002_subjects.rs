//! Subjects (organisations and people) and the people related to organisations.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table_with_indexes(
            manager,
            Table::create()
                .table(Subject::Table)
                .col(id(Subject::Id))
                .col(enum_str(Subject::Kind))
                .col(string(Subject::Name))
                .col(enum_str(Subject::IdentifierKind))
                .col(hash_hex(Subject::IdentifierHash))
                .col(string_len_null(Subject::IdentifierPlain, 32))
                .col(text_null(Subject::IdentifierCipher))
                .col(string_len(Subject::IdentifierMasked, 32))
                .col(string_null(Subject::LegalRepresentative))
                .col(string_len(Subject::RegionCode, 12))
                .col(string_null(Subject::ContactEmail))
                .col(enum_str(Subject::Status))
                .col(date_null(Subject::RegisteredOn))
                .col(date_null(Subject::EndedOn))
                .col(timestamp_with_time_zone(Subject::CreatedAt))
                .col(timestamp_with_time_zone(Subject::UpdatedAt))
                .col(integer(Subject::Version).default(1))
                .to_owned(),
            vec![
                // One subject per identifier; every lookup by identifier goes here.
                unique_index(
                    "uq_subject_identifier_hash",
                    Subject::Table,
                    &[Subject::IdentifierHash],
                ),
                // Public search by USCC.
                index(
                    "idx_subject_identifier_plain",
                    Subject::Table,
                    &[Subject::IdentifierPlain],
                ),
                // Public search by name (prefix / exact).
                index("idx_subject_name", Subject::Table, &[Subject::Name]),
                index(
                    "idx_subject_region_code",
                    Subject::Table,
                    &[Subject::RegionCode],
                ),
                index("idx_subject_kind", Subject::Table, &[Subject::Kind]),
            ],
        )
        .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(RelatedPerson::Table)
                .col(id(RelatedPerson::Id))
                .col(big_integer(RelatedPerson::SubjectId))
                .col(big_integer_null(RelatedPerson::PersonSubjectId))
                .col(enum_str(RelatedPerson::Role))
                .col(string(RelatedPerson::Name))
                .col(hash_hex_null(RelatedPerson::IdentifierHash))
                .col(string_len_null(RelatedPerson::IdentifierMasked, 32))
                .col(date_null(RelatedPerson::ValidFrom))
                .col(date_null(RelatedPerson::ValidUntil))
                .col(timestamp_with_time_zone(RelatedPerson::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_related_person_subject_id",
                    RelatedPerson::Table,
                    RelatedPerson::SubjectId,
                    Subject::Table,
                    Subject::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_related_person_person_subject_id",
                    RelatedPerson::Table,
                    RelatedPerson::PersonSubjectId,
                    Subject::Table,
                    Subject::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                // An organisation's people.
                index(
                    "idx_related_person_subject_id",
                    RelatedPerson::Table,
                    &[RelatedPerson::SubjectId],
                ),
                // The organisations a person is related to.
                index(
                    "idx_related_person_person_subject_id",
                    RelatedPerson::Table,
                    &[RelatedPerson::PersonSubjectId],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![RelatedPerson::Table.into_iden(), Subject::Table.into_iden()],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Subject {
    Table,
    Id,
    Kind,
    Name,
    IdentifierKind,
    IdentifierHash,
    IdentifierPlain,
    IdentifierCipher,
    IdentifierMasked,
    LegalRepresentative,
    RegionCode,
    ContactEmail,
    Status,
    RegisteredOn,
    EndedOn,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum RelatedPerson {
    Table,
    Id,
    SubjectId,
    PersonSubjectId,
    Role,
    Name,
    IdentifierHash,
    IdentifierMasked,
    ValidFrom,
    ValidUntil,
    CreatedAt,
}
