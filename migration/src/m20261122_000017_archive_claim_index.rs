//! The archiving job's way to the records whose publication window has
//! closed.
//!
//! Every job tick claims `status = 'active' AND disclosure_end < today`, 400
//! at a time. Without an index holding only active records, PostgreSQL
//! walked the primary key past every archived and every current record:
//! 0.99 s a tick on the medium preset (990,057 records) even with nothing
//! to archive, and longer for each batch while a backlog was archived. This
//! partial index holds the active records with an end date, in the order
//! the job claims them, so the claim is a short range scan. The job writes
//! the status as a literal (`records::archive_expired`): a bind parameter
//! would not let the planner prove the index's predicate. SQLite supports
//! partial indexes with the same statement.
//!
//! It replaces `idx_credit_record_disclosure_end`, which only that job
//! used (and PostgreSQL did not): one index entry less per record written.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX idx_credit_record_active_disclosure_end \
             ON credit_record (disclosure_end, id) \
             WHERE status = 'active' AND disclosure_end IS NOT NULL",
        )
        .await?;
        db.execute_unprepared("DROP INDEX idx_credit_record_disclosure_end")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX idx_credit_record_disclosure_end ON credit_record (disclosure_end)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX idx_credit_record_active_disclosure_end")
            .await?;
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
