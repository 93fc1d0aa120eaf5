//! The head of each hash chain (`query_log`, `audit_event`): where the next
//! sealed row continues, and the anchor left by purging old rows.
//!
//! Log rows are written unchained (`chain_seq`, `prev_hash`, `hash` NULL) so
//! the hot path takes no global lock; the sealer chains them afterwards,
//! serialised on this table's row of the chain (`SELECT ... FOR UPDATE` on
//! PostgreSQL, the write transaction on SQLite). See docs/query-log.md.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ChainHead as H;
        create_table_with_indexes(
            manager,
            Table::create()
                .table(H::Table)
                .col(id(H::Id))
                .col(string_len(H::Chain, 32))
                .col(big_integer(H::LastSeq).default(0))
                .col(hash_hex_null(H::LastHash))
                .col(big_integer_null(H::AnchorSeq))
                .col(hash_hex_null(H::AnchorHash))
                .col(big_integer(H::PurgedRows).default(0))
                .col(timestamp_with_time_zone_null(H::SealedAt))
                .col(timestamp_with_time_zone(H::UpdatedAt))
                .to_owned(),
            // One head per chain: the row the sealer locks.
            vec![unique_index("uq_chain_head_chain", H::Table, &[H::Chain])],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, vec![ChainHead::Table.into_iden()]).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ChainHead {
    Table,
    Id,
    Chain,
    LastSeq,
    LastHash,
    AnchorSeq,
    AnchorHash,
    PurgedRows,
    SealedAt,
    UpdatedAt,
}
