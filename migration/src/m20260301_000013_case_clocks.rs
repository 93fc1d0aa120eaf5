//! Case clocks: what the deadline sweep needs to stay cheap with a million
//! open deadlines, and the keys that allow one open case per record.
//!
//! - `deadline.next_check_at`: the next instant the sweep must look at the
//!   row (the reminder two working days before, the due day, the escalation
//!   after it), `NULL` when nothing is left to do. The sweep reads
//!   `status = 'open' AND next_check_at <= now` through
//!   `idx_deadline_status_next_check_at`, so it touches only the rows that
//!   need an action, however many are open.
//! - `deadline.due_reminded_at`: the due-day reminder was sent
//!   (`reminded_at` is the one two working days before).
//! - `objection.open_record_id`, `repair_application.open_record_id`: the
//!   record id while the case is open, `NULL` once it is closed, under a
//!   unique index: a second open case on a record fails on both backends,
//!   also when two requests race (several `NULL`s are allowed).
//!
//! SQLite alters one column per statement, so each column is its own
//! `ALTER TABLE`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            timestamp_with_time_zone_null(Deadline::NextCheckAt),
            timestamp_with_time_zone_null(Deadline::DueRemindedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Deadline::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(index(
                "idx_deadline_status_next_check_at",
                Deadline::Table,
                &[Deadline::Status, Deadline::NextCheckAt],
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Objection::Table)
                    .add_column(big_integer_null(Objection::OpenRecordId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "uq_objection_open_record_id",
                Objection::Table,
                &[Objection::OpenRecordId],
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RepairApplication::Table)
                    .add_column(big_integer_null(RepairApplication::OpenRecordId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "uq_repair_application_open_record_id",
                RepairApplication::Table,
                &[RepairApplication::OpenRecordId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("uq_repair_application_open_record_id")
                    .table(RepairApplication::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RepairApplication::Table)
                    .drop_column(RepairApplication::OpenRecordId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_objection_open_record_id")
                    .table(Objection::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Objection::Table)
                    .drop_column(Objection::OpenRecordId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_deadline_status_next_check_at")
                    .table(Deadline::Table)
                    .to_owned(),
            )
            .await?;
        for col in [Deadline::DueRemindedAt, Deadline::NextCheckAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Deadline::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Deadline {
    Table,
    Status,
    NextCheckAt,
    DueRemindedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Objection {
    Table,
    OpenRecordId,
}

#[derive(DeriveIden, Clone, Copy)]
enum RepairApplication {
    Table,
    OpenRecordId,
}
