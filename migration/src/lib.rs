//! Schema migrations of Xinyong. Every migration uses the cross-database
//! schema builder only, runs on SQLite and PostgreSQL inside a transaction,
//! and has a `down` that drops what its `up` created, children first.
//! `docs/data-model.md` explains the tables.

pub use sea_orm_migration::prelude::*;

mod common;
mod m20260101_000001_reference;
mod m20260101_000002_subjects;
mod m20260101_000003_accounts;
mod m20260101_000004_agencies;
mod m20260101_000005_records;
mod m20260101_000006_cases;
mod m20260101_000007_notifications;
mod m20260101_000008_logs;
mod m20260201_000009_consent_usage;
mod m20260201_000010_chain;
mod m20260201_000011_webhooks;
mod m20260301_000012_binding_requests;
mod m20260301_000013_case_clocks;
mod m20261122_000014_unsealed_rows;
mod m20261122_000015_lean_record_indexes;
mod m20261122_000016_complaint_founded;
mod m20261122_000017_archive_claim_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    /// In dependency order: a table comes after every table it references.
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_reference::Migration),
            Box::new(m20260101_000002_subjects::Migration),
            Box::new(m20260101_000003_accounts::Migration),
            Box::new(m20260101_000004_agencies::Migration),
            Box::new(m20260101_000005_records::Migration),
            Box::new(m20260101_000006_cases::Migration),
            Box::new(m20260101_000007_notifications::Migration),
            Box::new(m20260101_000008_logs::Migration),
            Box::new(m20260201_000009_consent_usage::Migration),
            Box::new(m20260201_000010_chain::Migration),
            Box::new(m20260201_000011_webhooks::Migration),
            Box::new(m20260301_000012_binding_requests::Migration),
            Box::new(m20260301_000013_case_clocks::Migration),
            Box::new(m20261122_000014_unsealed_rows::Migration),
            Box::new(m20261122_000015_lean_record_indexes::Migration),
            Box::new(m20261122_000016_complaint_founded::Migration),
            Box::new(m20261122_000017_archive_claim_index::Migration),
        ]
    }
}
