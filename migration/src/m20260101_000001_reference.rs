//! Reference data: departments, the record catalogue, the working-day
//! calendar and rule sets.

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
                .table(Department::Table)
                .col(id(Department::Id))
                .col(string_len(Department::Code, 32))
                .col(string(Department::NameZh))
                .col(string(Department::NameEn))
                .col(string_len(Department::RegionCode, 12))
                .col(string_null(Department::ContactEmail))
                .col(boolean(Department::MayRegisterSubjects))
                .col(timestamp_with_time_zone(Department::CreatedAt))
                .to_owned(),
            vec![unique_index(
                "uq_department_code",
                Department::Table,
                &[Department::Code],
            )],
        )
        .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(RecordCategory::Table)
                .col(id(RecordCategory::Id))
                .col(string_len(RecordCategory::Code, 64))
                .col(string(RecordCategory::NameZh))
                .col(string(RecordCategory::NameEn))
                .col(enum_str(RecordCategory::InfoClass))
                .col(enum_str(RecordCategory::DefaultDisclosure))
                .col(boolean(RecordCategory::Repairable))
                .col(string_len_null(RecordCategory::Sector, 64))
                .col(enum_str(RecordCategory::ListKind))
                .col(boolean(RecordCategory::DoublePublicity))
                .col(json_binary(RecordCategory::SubjectKinds))
                .col(string_len_null(RecordCategory::PublicationRule, 64))
                .col(json_binary(RecordCategory::ContentSchema))
                .col(boolean(RecordCategory::Active))
                .col(timestamp_with_time_zone(RecordCategory::CreatedAt))
                .to_owned(),
            vec![unique_index(
                "uq_record_category_code",
                RecordCategory::Table,
                &[RecordCategory::Code],
            )],
        )
        .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(Holiday::Table)
                .col(date(Holiday::Date).primary_key())
                .col(integer(Holiday::Year))
                .col(enum_str(Holiday::Kind))
                .col(string(Holiday::NameZh))
                .col(string(Holiday::NameEn))
                .to_owned(),
            // The calendar is loaded and replaced a year at a time.
            vec![index("idx_holiday_year", Holiday::Table, &[Holiday::Year])],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CalendarYear::Table)
                    .col(integer(CalendarYear::Year).primary_key())
                    .col(text(CalendarYear::Notice))
                    .col(date_null(CalendarYear::PublishedOn))
                    .col(text(CalendarYear::Source))
                    .col(timestamp_with_time_zone(CalendarYear::LoadedAt))
                    .col(string_null(CalendarYear::LoadedBy))
                    .to_owned(),
            )
            .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(RuleSet::Table)
                .col(id(RuleSet::Id))
                .col(string_len(RuleSet::Name, 64))
                .col(string_len(RuleSet::Version, 32))
                .col(text(RuleSet::Content))
                .col(hash_hex(RuleSet::Sha256))
                .col(timestamp_with_time_zone(RuleSet::LoadedAt))
                .col(boolean(RuleSet::Active))
                .to_owned(),
            vec![unique_index(
                "uq_rule_set_name_version",
                RuleSet::Table,
                &[RuleSet::Name, RuleSet::Version],
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                RuleSet::Table.into_iden(),
                CalendarYear::Table.into_iden(),
                Holiday::Table.into_iden(),
                RecordCategory::Table.into_iden(),
                Department::Table.into_iden(),
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        // All or nothing on SQLite too (its DDL is transactional).
        Some(true)
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Department {
    Table,
    Id,
    Code,
    NameZh,
    NameEn,
    RegionCode,
    ContactEmail,
    MayRegisterSubjects,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RecordCategory {
    Table,
    Id,
    Code,
    NameZh,
    NameEn,
    InfoClass,
    DefaultDisclosure,
    Repairable,
    Sector,
    ListKind,
    DoublePublicity,
    SubjectKinds,
    PublicationRule,
    ContentSchema,
    Active,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Holiday {
    Table,
    Date,
    Year,
    Kind,
    NameZh,
    NameEn,
}

#[derive(DeriveIden, Clone, Copy)]
enum CalendarYear {
    Table,
    Year,
    Notice,
    PublishedOn,
    Source,
    LoadedAt,
    LoadedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum RuleSet {
    Table,
    Id,
    Name,
    Version,
    Content,
    Sha256,
    LoadedAt,
    Active,
}
