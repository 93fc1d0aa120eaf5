//! Consent usage per calendar month and the key a receipt was signed with.
//!
//! `period_key` (`"2026-11"`, the Asia/Shanghai month) and `period_uses`
//! let one conditional `UPDATE` decide atomically whether a periodic
//! consent still has a use left this month, resetting the count when the
//! month has turned; `receipt_key_id` names the platform key (JWK
//! thumbprint) that signed the current receipt.
//!
//! SQLite alters one column per statement, so each column is its own
//! `ALTER TABLE`; `down` drops them again (SQLite ≥ 3.35 and PostgreSQL).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            string_len_null(Consent::PeriodKey, 7),
            integer(Consent::PeriodUses).default(0).to_owned(),
            string_len_null(Consent::ReceiptKeyId, 64),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Consent::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            Consent::ReceiptKeyId,
            Consent::PeriodUses,
            Consent::PeriodKey,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Consent::Table)
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
enum Consent {
    Table,
    PeriodKey,
    PeriodUses,
    ReceiptKeyId,
}
