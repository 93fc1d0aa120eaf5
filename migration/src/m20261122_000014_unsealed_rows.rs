//! The sealer's way to the rows it has not chained yet.
//!
//! The sealer reads `chain_seq IS NULL ORDER BY id LIMIT n` and then writes
//! each row by id. Without an index of its own, PostgreSQL served both
//! through `uq_query_log_chain_seq` (the NULLs sit in that unique index), and
//! with statistics from a moment when most rows were sealed it did so for
//! every single-row write too, scanning every unsealed row each time:
//! sealing grew with the square of the backlog (4 ms per row at 20k rows
//! waiting, measured). These partial indexes hold only the unsealed rows,
//! in id order, so the read is a short range scan and stays that way
//! whatever the table's size. SQLite supports partial indexes with the same
//! statement.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 2] = ["query_log", "audit_event"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for t in TABLES {
            db.execute_unprepared(&format!(
                "CREATE INDEX idx_{t}_unsealed ON {t} (id) WHERE chain_seq IS NULL"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for t in TABLES {
            db.execute_unprepared(&format!("DROP INDEX idx_{t}_unsealed"))
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
