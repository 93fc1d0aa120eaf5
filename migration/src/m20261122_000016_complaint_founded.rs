//! A complaint's answer as a column: whether the platform found it founded
//! (`NULL` until answered). It was kept only in the case's timeline
//! (`case_event` `founded` / `unfounded`), which every reader had to search;
//! the rows answered before are filled from there.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Complaint {
    Table,
    Founded,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Complaint::Table)
                    .add_column(ColumnDef::new(Complaint::Founded).boolean().null())
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE complaint SET founded = (\
               SELECT e.event = 'founded' FROM case_event e \
               WHERE e.case_kind = 'complaint' AND e.case_id = complaint.id \
                 AND e.event IN ('founded', 'unfounded') \
               ORDER BY e.id DESC LIMIT 1)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Complaint::Table)
                    .drop_column(Complaint::Founded)
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
