//! Accounts, their bindings to subjects, sessions and refresh tokens, login
//! throttling and one-time identity challenges.

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
                .table(Account::Table)
                .col(id(Account::Id))
                .col(string_len(Account::Email, 254))
                .col(string(Account::DisplayName))
                .col(string(Account::PasswordHash))
                .col(enum_str(Account::Role))
                .col(big_integer_null(Account::DepartmentId))
                .col(string_len(Account::Language, 8))
                .col(enum_str(Account::Status))
                .col(timestamp_with_time_zone_null(Account::EmailVerifiedAt))
                .col(json_binary(Account::NotifyPrefs))
                .col(timestamp_with_time_zone(Account::CreatedAt))
                .col(timestamp_with_time_zone(Account::UpdatedAt))
                .col(timestamp_with_time_zone_null(Account::LastLoginAt))
                .foreign_key(&mut fk(
                    "fk_account_department_id",
                    Account::Table,
                    Account::DepartmentId,
                    Department::Table,
                    Department::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                unique_index("uq_account_email", Account::Table, &[Account::Email]),
                // A department's staff.
                index(
                    "idx_account_department_id",
                    Account::Table,
                    &[Account::DepartmentId],
                ),
            ],
        )
        .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(AccountSubject::Table)
                .col(id(AccountSubject::Id))
                .col(big_integer(AccountSubject::AccountId))
                .col(big_integer(AccountSubject::SubjectId))
                .col(enum_str(AccountSubject::Role))
                .col(enum_str(AccountSubject::BoundVia))
                .col(timestamp_with_time_zone(AccountSubject::BoundAt))
                .col(big_integer_null(AccountSubject::VerifiedByAccountId))
                .col(timestamp_with_time_zone_null(AccountSubject::RevokedAt))
                .foreign_key(&mut fk(
                    "fk_account_subject_account_id",
                    AccountSubject::Table,
                    AccountSubject::AccountId,
                    Account::Table,
                    Account::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_account_subject_subject_id",
                    AccountSubject::Table,
                    AccountSubject::SubjectId,
                    Subject::Table,
                    Subject::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_account_subject_verified_by_account_id",
                    AccountSubject::Table,
                    AccountSubject::VerifiedByAccountId,
                    Account::Table,
                    Account::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                // One binding per pair (a revoked one is re-activated, not duplicated);
                // also serves "subjects of this account".
                unique_index(
                    "uq_account_subject_account_id_subject_id",
                    AccountSubject::Table,
                    &[AccountSubject::AccountId, AccountSubject::SubjectId],
                ),
                // Accounts acting for a subject (notices go to all of them).
                index(
                    "idx_account_subject_subject_id",
                    AccountSubject::Table,
                    &[AccountSubject::SubjectId],
                ),
            ],
        )
        .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(Session::Table)
                .col(id(Session::Id))
                .col(big_integer(Session::AccountId))
                .col(timestamp_with_time_zone(Session::CreatedAt))
                .col(timestamp_with_time_zone(Session::ExpiresAt))
                .col(timestamp_with_time_zone_null(Session::RevokedAt))
                .col(text_null(Session::UserAgent))
                .col(string_len_null(Session::Ip, 45))
                .col(enum_str(Session::Kind))
                .col(string_len_null(Session::CsrfSecret, 64))
                .foreign_key(&mut fk(
                    "fk_session_account_id",
                    Session::Table,
                    Session::AccountId,
                    Account::Table,
                    Account::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            // Revoking all sessions of an account.
            vec![index(
                "idx_session_account_id",
                Session::Table,
                &[Session::AccountId],
            )],
        )
        .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(RefreshToken::Table)
                .col(id(RefreshToken::Id))
                .col(big_integer(RefreshToken::SessionId))
                .col(hash_hex(RefreshToken::TokenHash))
                .col(timestamp_with_time_zone(RefreshToken::CreatedAt))
                .col(timestamp_with_time_zone(RefreshToken::ExpiresAt))
                .col(timestamp_with_time_zone_null(RefreshToken::UsedAt))
                .col(big_integer_null(RefreshToken::ReplacedById))
                // Tokens are pure children of their session.
                .foreign_key(&mut fk(
                    "fk_refresh_token_session_id",
                    RefreshToken::Table,
                    RefreshToken::SessionId,
                    Session::Table,
                    Session::Id,
                    ForeignKeyAction::Cascade,
                ))
                // SET NULL so a session's tokens can be deleted together.
                .foreign_key(&mut fk(
                    "fk_refresh_token_replaced_by_id",
                    RefreshToken::Table,
                    RefreshToken::ReplacedById,
                    RefreshToken::Table,
                    RefreshToken::Id,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
            vec![
                // Presenting a token looks it up by hash.
                unique_index(
                    "uq_refresh_token_token_hash",
                    RefreshToken::Table,
                    &[RefreshToken::TokenHash],
                ),
                index(
                    "idx_refresh_token_session_id",
                    RefreshToken::Table,
                    &[RefreshToken::SessionId],
                ),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginThrottle::Table)
                    .col(string_len(LoginThrottle::Key, 64).primary_key())
                    .col(integer(LoginThrottle::Failures).default(0))
                    .col(timestamp_with_time_zone(LoginThrottle::WindowStartedAt))
                    .col(timestamp_with_time_zone_null(LoginThrottle::LockedUntil))
                    .col(timestamp_with_time_zone(LoginThrottle::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(IdentityChallenge::Table)
                .col(id(IdentityChallenge::Id))
                .col(big_integer(IdentityChallenge::AccountId))
                .col(enum_str(IdentityChallenge::Purpose))
                .col(big_integer_null(IdentityChallenge::SubjectId))
                .col(hash_hex(IdentityChallenge::CodeHash))
                .col(string(IdentityChallenge::SentToMasked))
                .col(timestamp_with_time_zone(IdentityChallenge::ExpiresAt))
                .col(integer(IdentityChallenge::Attempts).default(0))
                .col(timestamp_with_time_zone_null(IdentityChallenge::ConsumedAt))
                .col(timestamp_with_time_zone(IdentityChallenge::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_identity_challenge_account_id",
                    IdentityChallenge::Table,
                    IdentityChallenge::AccountId,
                    Account::Table,
                    Account::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_identity_challenge_subject_id",
                    IdentityChallenge::Table,
                    IdentityChallenge::SubjectId,
                    Subject::Table,
                    Subject::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            // An account's open challenges (and rate limiting new ones).
            vec![index(
                "idx_identity_challenge_account_id",
                IdentityChallenge::Table,
                &[IdentityChallenge::AccountId],
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                IdentityChallenge::Table.into_iden(),
                LoginThrottle::Table.into_iden(),
                RefreshToken::Table.into_iden(),
                Session::Table.into_iden(),
                AccountSubject::Table.into_iden(),
                Account::Table.into_iden(),
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
    Email,
    DisplayName,
    PasswordHash,
    Role,
    DepartmentId,
    Language,
    Status,
    EmailVerifiedAt,
    NotifyPrefs,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AccountSubject {
    Table,
    Id,
    AccountId,
    SubjectId,
    Role,
    BoundVia,
    BoundAt,
    VerifiedByAccountId,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Session {
    Table,
    Id,
    AccountId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    UserAgent,
    Ip,
    Kind,
    CsrfSecret,
}

#[derive(DeriveIden, Clone, Copy)]
enum RefreshToken {
    Table,
    Id,
    SessionId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    ReplacedById,
}

#[derive(DeriveIden, Clone, Copy)]
enum LoginThrottle {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LockedUntil,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum IdentityChallenge {
    Table,
    Id,
    AccountId,
    Purpose,
    SubjectId,
    CodeHash,
    SentToMasked,
    ExpiresAt,
    Attempts,
    ConsumedAt,
    CreatedAt,
}
