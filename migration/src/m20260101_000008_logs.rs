//! Append-only logs: the query log, the audit trail, and the scheduler's
//! at-most-once job keys. Log rows reference other tables without foreign
//! keys: they record facts as they were, and must never block a write.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use QueryLog as Q;
        create_table_with_indexes(
            manager,
            Table::create()
                .table(Q::Table)
                .col(id(Q::Id))
                .col(timestamp_with_time_zone(Q::OccurredAt))
                .col(big_integer(Q::SubjectId))
                .col(enum_str(Q::ActorKind))
                .col(big_integer_null(Q::AccountId))
                .col(big_integer_null(Q::ApiClientId))
                .col(big_integer_null(Q::AgencyId))
                .col(big_integer_null(Q::DepartmentId))
                .col(big_integer_null(Q::ConsentId))
                .col(string_len(Q::PurposeCode, 48))
                .col(text_null(Q::PurposeText))
                .col(enum_str(Q::Channel))
                .col(json_binary(Q::RecordIds))
                .col(string_len_null(Q::RequestId, 64))
                .col(big_integer_null(Q::ChainSeq))
                .col(hash_hex_null(Q::PrevHash))
                .col(hash_hex_null(Q::Hash))
                .to_owned(),
            vec![
                // The chain has one row per position.
                unique_index("uq_query_log_chain_seq", Q::Table, &[Q::ChainSeq]),
                // "Who looked at me": a subject's log, newest first.
                index(
                    "idx_query_log_subject_id_occurred_at",
                    Q::Table,
                    &[Q::SubjectId, Q::OccurredAt],
                ),
                // An agency's queries (supervision, monthly caps).
                index(
                    "idx_query_log_agency_id_occurred_at",
                    Q::Table,
                    &[Q::AgencyId, Q::OccurredAt],
                ),
                // Retention sweeps and time-range reports.
                index("idx_query_log_occurred_at", Q::Table, &[Q::OccurredAt]),
            ],
        )
        .await?;

        use AuditEvent as A;
        create_table_with_indexes(
            manager,
            Table::create()
                .table(A::Table)
                .col(id(A::Id))
                .col(timestamp_with_time_zone(A::OccurredAt))
                .col(enum_str(A::ActorKind))
                .col(big_integer_null(A::ActorAccountId))
                .col(big_integer_null(A::ActorClientId))
                .col(string_len(A::Action, 64))
                .col(string_len(A::ObjectType, 48))
                .col(string_len_null(A::ObjectId, 64))
                .col(big_integer_null(A::SubjectId))
                .col(json_binary(A::Detail))
                .col(string_len_null(A::Ip, 45))
                .col(string_len_null(A::RequestId, 64))
                .col(big_integer_null(A::ChainSeq))
                .col(hash_hex_null(A::PrevHash))
                .col(hash_hex_null(A::Hash))
                .to_owned(),
            vec![
                unique_index("uq_audit_event_chain_seq", A::Table, &[A::ChainSeq]),
                index("idx_audit_event_occurred_at", A::Table, &[A::OccurredAt]),
                // The history of one object.
                index(
                    "idx_audit_event_object_type_object_id",
                    A::Table,
                    &[A::ObjectType, A::ObjectId],
                ),
                // What one person did.
                index(
                    "idx_audit_event_actor_account_id",
                    A::Table,
                    &[A::ActorAccountId],
                ),
            ],
        )
        .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(JobRun::Table)
                .col(id(JobRun::Id))
                .col(string_len(JobRun::Key, 200))
                .col(string_len(JobRun::Kind, 48))
                .col(timestamp_with_time_zone(JobRun::RunAt))
                .col(json_binary(JobRun::Detail))
                .to_owned(),
            // Inserting the key is the claim: a second insert fails, so the job runs once.
            vec![unique_index(
                "uq_job_run_key",
                JobRun::Table,
                &[JobRun::Key],
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                JobRun::Table.into_iden(),
                AuditEvent::Table.into_iden(),
                QueryLog::Table.into_iden(),
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum QueryLog {
    Table,
    Id,
    OccurredAt,
    SubjectId,
    ActorKind,
    AccountId,
    ApiClientId,
    AgencyId,
    DepartmentId,
    ConsentId,
    PurposeCode,
    PurposeText,
    Channel,
    RecordIds,
    RequestId,
    ChainSeq,
    PrevHash,
    Hash,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvent {
    Table,
    Id,
    OccurredAt,
    ActorKind,
    ActorAccountId,
    ActorClientId,
    Action,
    ObjectType,
    ObjectId,
    SubjectId,
    Detail,
    Ip,
    RequestId,
    ChainSeq,
    PrevHash,
    Hash,
}

#[derive(DeriveIden, Clone, Copy)]
enum JobRun {
    Table,
    Id,
    Key,
    Kind,
    RunAt,
    Detail,
}
