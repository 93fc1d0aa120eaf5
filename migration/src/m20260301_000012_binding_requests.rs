//! Identity binding on documents checked by staff (docs/accounts.md): an
//! account asks to act for a subject whose registered contact cannot
//! receive a code, shows its documents, and an operator or staff member
//! approves or rejects. The binding itself is an `account_subject` row
//! (`bound_via = staff_document`); this table keeps the request and its
//! decision.
//!
//! - `idx_binding_request_status_created_at`: the staff queue of pending requests.
//! - `idx_binding_request_account_id`: an applicant's own requests.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use BindingRequest as B;
        create_table_with_indexes(
            manager,
            Table::create()
                .table(B::Table)
                .col(id(B::Id))
                .col(big_integer(B::AccountId))
                .col(big_integer(B::SubjectId))
                .col(enum_str(B::Role))
                .col(enum_str(B::Status))
                .col(text(B::Evidence))
                .col(big_integer_null(B::DecidedByAccountId))
                .col(timestamp_with_time_zone_null(B::DecidedAt))
                .col(text_null(B::DecisionNote))
                .col(timestamp_with_time_zone(B::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_binding_request_account_id",
                    B::Table,
                    B::AccountId,
                    Account::Table,
                    Account::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_binding_request_subject_id",
                    B::Table,
                    B::SubjectId,
                    Subject::Table,
                    Subject::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_binding_request_decided_by_account_id",
                    B::Table,
                    B::DecidedByAccountId,
                    Account::Table,
                    Account::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                index(
                    "idx_binding_request_status_created_at",
                    B::Table,
                    &[B::Status, B::CreatedAt],
                ),
                index("idx_binding_request_account_id", B::Table, &[B::AccountId]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, vec![BindingRequest::Table.into_iden()]).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Subject {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum BindingRequest {
    Table,
    Id,
    AccountId,
    SubjectId,
    Role,
    Status,
    Evidence,
    DecidedByAccountId,
    DecidedAt,
    DecisionNote,
    CreatedAt,
}
