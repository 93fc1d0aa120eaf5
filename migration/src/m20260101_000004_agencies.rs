//! Agencies, API clients (of agencies and of departments' systems) and the
//! consents subjects give agencies.

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
                .table(Agency::Table)
                .col(id(Agency::Id))
                .col(string(Agency::Name))
                .col(string_len(Agency::Uscc, 32))
                .col(string_len(Agency::LicenceNumber, 64))
                .col(enum_str(Agency::Status))
                .col(string(Agency::ContactEmail))
                .col(timestamp_with_time_zone(Agency::CreatedAt))
                .col(timestamp_with_time_zone(Agency::UpdatedAt))
                .to_owned(),
            vec![unique_index(
                "uq_agency_uscc",
                Agency::Table,
                &[Agency::Uscc],
            )],
        )
        .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(ApiClient::Table)
                .col(id(ApiClient::Id))
                .col(big_integer_null(ApiClient::AgencyId))
                .col(big_integer_null(ApiClient::DepartmentId))
                .col(string_len(ApiClient::ClientId, 64))
                .col(hash_hex(ApiClient::SecretHash))
                .col(string_len(ApiClient::SecretHint, 8))
                .col(string(ApiClient::Name))
                .col(json_binary(ApiClient::Scopes))
                .col(string_len(ApiClient::RateTier, 32))
                .col(enum_str(ApiClient::Status))
                .col(timestamp_with_time_zone(ApiClient::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiClient::RotatedAt))
                .col(timestamp_with_time_zone_null(ApiClient::RevokedAt))
                .col(timestamp_with_time_zone_null(ApiClient::LastUsedAt))
                .foreign_key(&mut fk(
                    "fk_api_client_agency_id",
                    ApiClient::Table,
                    ApiClient::AgencyId,
                    Agency::Table,
                    Agency::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_api_client_department_id",
                    ApiClient::Table,
                    ApiClient::DepartmentId,
                    Department::Table,
                    Department::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                // Every authenticated API call looks the client up by id.
                unique_index(
                    "uq_api_client_client_id",
                    ApiClient::Table,
                    &[ApiClient::ClientId],
                ),
                index(
                    "idx_api_client_agency_id",
                    ApiClient::Table,
                    &[ApiClient::AgencyId],
                ),
                index(
                    "idx_api_client_department_id",
                    ApiClient::Table,
                    &[ApiClient::DepartmentId],
                ),
            ],
        )
        .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(Consent::Table)
                .col(id(Consent::Id))
                .col(big_integer(Consent::SubjectId))
                .col(big_integer(Consent::AgencyId))
                .col(string_len(Consent::PurposeCode, 48))
                .col(text(Consent::PurposeText))
                .col(json_binary(Consent::ScopeClasses))
                .col(json_binary(Consent::ScopeCategories))
                .col(enum_str(Consent::Mode))
                .col(integer_null(Consent::MonthlyCap))
                .col(timestamp_with_time_zone(Consent::ValidFrom))
                .col(timestamp_with_time_zone(Consent::ValidUntil))
                .col(enum_str(Consent::Status))
                .col(integer(Consent::Uses).default(0))
                .col(timestamp_with_time_zone_null(Consent::LastUsedAt))
                .col(enum_str(Consent::RequestedBy))
                .col(big_integer_null(Consent::GrantedByAccountId))
                .col(timestamp_with_time_zone_null(Consent::GrantedAt))
                .col(timestamp_with_time_zone_null(Consent::RevokedAt))
                .col(json_binary_null(Consent::Receipt))
                .col(text_null(Consent::ReceiptSignature))
                .col(timestamp_with_time_zone(Consent::CreatedAt))
                .col(timestamp_with_time_zone(Consent::UpdatedAt))
                .col(integer(Consent::Version).default(1))
                .foreign_key(&mut fk(
                    "fk_consent_subject_id",
                    Consent::Table,
                    Consent::SubjectId,
                    Subject::Table,
                    Subject::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_consent_agency_id",
                    Consent::Table,
                    Consent::AgencyId,
                    Agency::Table,
                    Agency::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_consent_granted_by_account_id",
                    Consent::Table,
                    Consent::GrantedByAccountId,
                    Account::Table,
                    Account::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                // The check on every agency query: an active consent of this
                // subject for this agency. Also a subject's consent list.
                index(
                    "idx_consent_subject_id_agency_id_status",
                    Consent::Table,
                    &[Consent::SubjectId, Consent::AgencyId, Consent::Status],
                ),
                // An agency's consents by state.
                index(
                    "idx_consent_agency_id_status",
                    Consent::Table,
                    &[Consent::AgencyId, Consent::Status],
                ),
                // The expiry job.
                index(
                    "idx_consent_valid_until",
                    Consent::Table,
                    &[Consent::ValidUntil],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                Consent::Table.into_iden(),
                ApiClient::Table.into_iden(),
                Agency::Table.into_iden(),
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
enum Agency {
    Table,
    Id,
    Name,
    Uscc,
    LicenceNumber,
    Status,
    ContactEmail,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiClient {
    Table,
    Id,
    AgencyId,
    DepartmentId,
    ClientId,
    SecretHash,
    SecretHint,
    Name,
    Scopes,
    RateTier,
    Status,
    CreatedAt,
    RotatedAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Consent {
    Table,
    Id,
    SubjectId,
    AgencyId,
    PurposeCode,
    PurposeText,
    ScopeClasses,
    ScopeCategories,
    Mode,
    MonthlyCap,
    ValidFrom,
    ValidUntil,
    Status,
    Uses,
    LastUsedAt,
    RequestedBy,
    GrantedByAccountId,
    GrantedAt,
    RevokedAt,
    Receipt,
    ReceiptSignature,
    CreatedAt,
    UpdatedAt,
    Version,
}
