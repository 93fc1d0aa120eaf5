//! Fewer index entries per stored record: every new record writes a
//! record, its first revision and a change event, and each index of those
//! tables is one more entry per record on the ingestion path
//! (docs/performance.md, Ingestion).
//!
//! - `idx_change_event_occurred_at` and `idx_record_revision_subject_id`
//!   serve no query: the feed reads events by id (per subject by
//!   `idx_change_event_subject_id_id`) and revisions are read by record.
//! - `idx_credit_record_derived_from_record_id` indexed every record,
//!   though only the records mirrored onto a related person have a source
//!   record (the look-up is always `= id`); a partial index keeps only
//!   those. SQLite supports partial indexes with the same statement.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in [
            "DROP INDEX idx_change_event_occurred_at",
            "DROP INDEX idx_record_revision_subject_id",
            "DROP INDEX idx_credit_record_derived_from_record_id",
            "CREATE INDEX idx_credit_record_derived_from_record_id ON credit_record \
             (derived_from_record_id) WHERE derived_from_record_id IS NOT NULL",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in [
            "DROP INDEX idx_credit_record_derived_from_record_id",
            "CREATE INDEX idx_credit_record_derived_from_record_id ON credit_record \
             (derived_from_record_id)",
            "CREATE INDEX idx_record_revision_subject_id ON record_revision (subject_id)",
            "CREATE INDEX idx_change_event_occurred_at ON change_event (occurred_at)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
