//! Cases a subject opens about a record (objections, repair applications,
//! complaints), their timelines, deadlines and attachments.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Objection as O;
        create_table_with_indexes(
            manager,
            Table::create()
                .table(O::Table)
                .col(id(O::Id))
                .col(big_integer(O::SubjectId))
                .col(big_integer(O::RecordId))
                .col(big_integer(O::ApplicantAccountId))
                .col(big_integer(O::DepartmentId))
                .col(string_len(O::ReasonCode, 48))
                .col(text(O::Statement))
                .col(enum_str(O::Status))
                .col(enum_str_null(O::Outcome))
                .col(text_null(O::OutcomeReason))
                .col(timestamp_with_time_zone(O::ReceivedAt))
                .col(timestamp_with_time_zone_null(O::ReferredAt))
                .col(timestamp_with_time_zone_null(O::DecidedAt))
                .col(timestamp_with_time_zone_null(O::ClosedAt))
                .col(timestamp_with_time_zone(O::CreatedAt))
                .col(timestamp_with_time_zone(O::UpdatedAt))
                .col(integer(O::Version).default(1))
                .foreign_key(&mut fk(
                    "fk_objection_subject_id",
                    O::Table,
                    O::SubjectId,
                    Subject::Table,
                    Subject::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_objection_record_id",
                    O::Table,
                    O::RecordId,
                    CreditRecord::Table,
                    CreditRecord::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_objection_applicant_account_id",
                    O::Table,
                    O::ApplicantAccountId,
                    Account::Table,
                    Account::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_objection_department_id",
                    O::Table,
                    O::DepartmentId,
                    Department::Table,
                    Department::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                // "Is there an open objection on this record?" (withholds it).
                index(
                    "idx_objection_record_id_status",
                    O::Table,
                    &[O::RecordId, O::Status],
                ),
                index("idx_objection_subject_id", O::Table, &[O::SubjectId]),
                // A department's queue.
                index(
                    "idx_objection_department_id_status",
                    O::Table,
                    &[O::DepartmentId, O::Status],
                ),
            ],
        )
        .await?;

        use RepairApplication as A;
        create_table_with_indexes(
            manager,
            Table::create()
                .table(A::Table)
                .col(id(A::Id))
                .col(big_integer(A::SubjectId))
                .col(big_integer(A::RecordId))
                .col(big_integer(A::ApplicantAccountId))
                .col(big_integer(A::DepartmentId))
                .col(enum_str(A::Status))
                .col(enum_str_null(A::Outcome))
                .col(text_null(A::Statement))
                .col(hash_hex(A::CommitmentTextHash))
                .col(string(A::CommitmentAcceptedBy))
                .col(timestamp_with_time_zone(A::CommitmentAcceptedAt))
                .col(text_null(A::DecisionReason))
                .col(timestamp_with_time_zone(A::ReceivedAt))
                .col(timestamp_with_time_zone_null(A::DecidedAt))
                .col(timestamp_with_time_zone(A::CreatedAt))
                .col(timestamp_with_time_zone(A::UpdatedAt))
                .col(integer(A::Version).default(1))
                .foreign_key(&mut fk(
                    "fk_repair_application_subject_id",
                    A::Table,
                    A::SubjectId,
                    Subject::Table,
                    Subject::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_repair_application_record_id",
                    A::Table,
                    A::RecordId,
                    CreditRecord::Table,
                    CreditRecord::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_repair_application_applicant_account_id",
                    A::Table,
                    A::ApplicantAccountId,
                    Account::Table,
                    Account::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_repair_application_department_id",
                    A::Table,
                    A::DepartmentId,
                    Department::Table,
                    Department::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                // "Is there an open application on this record?"
                index(
                    "idx_repair_application_record_id_status",
                    A::Table,
                    &[A::RecordId, A::Status],
                ),
                index(
                    "idx_repair_application_subject_id",
                    A::Table,
                    &[A::SubjectId],
                ),
                // A department's queue.
                index(
                    "idx_repair_application_department_id_status",
                    A::Table,
                    &[A::DepartmentId, A::Status],
                ),
            ],
        )
        .await?;

        use Complaint as C;
        create_table_with_indexes(
            manager,
            Table::create()
                .table(C::Table)
                .col(id(C::Id))
                .col(big_integer(C::SubjectId))
                .col(big_integer_null(C::ObjectionId))
                .col(big_integer_null(C::RepairApplicationId))
                .col(big_integer(C::ApplicantAccountId))
                .col(text(C::Statement))
                .col(enum_str(C::Status))
                .col(text_null(C::OutcomeReason))
                .col(timestamp_with_time_zone(C::ReceivedAt))
                .col(timestamp_with_time_zone_null(C::DecidedAt))
                .col(timestamp_with_time_zone(C::CreatedAt))
                .col(timestamp_with_time_zone(C::UpdatedAt))
                .col(integer(C::Version).default(1))
                .foreign_key(&mut fk(
                    "fk_complaint_subject_id",
                    C::Table,
                    C::SubjectId,
                    Subject::Table,
                    Subject::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_complaint_objection_id",
                    C::Table,
                    C::ObjectionId,
                    O::Table,
                    O::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_complaint_repair_application_id",
                    C::Table,
                    C::RepairApplicationId,
                    A::Table,
                    A::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_complaint_applicant_account_id",
                    C::Table,
                    C::ApplicantAccountId,
                    Account::Table,
                    Account::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![index("idx_complaint_subject_id", C::Table, &[C::SubjectId])],
        )
        .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(CaseEvent::Table)
                .col(id(CaseEvent::Id))
                .col(enum_str(CaseEvent::CaseKind))
                .col(big_integer(CaseEvent::CaseId))
                .col(big_integer(CaseEvent::SubjectId))
                .col(enum_str(CaseEvent::ActorKind))
                .col(big_integer_null(CaseEvent::ActorAccountId))
                .col(string_len(CaseEvent::Event, 48))
                .col(text_null(CaseEvent::Note))
                .col(json_binary(CaseEvent::Data))
                .col(timestamp_with_time_zone(CaseEvent::OccurredAt))
                .to_owned(),
            // A case's timeline, in order.
            vec![index(
                "idx_case_event_case_kind_case_id_occurred_at",
                CaseEvent::Table,
                &[
                    CaseEvent::CaseKind,
                    CaseEvent::CaseId,
                    CaseEvent::OccurredAt,
                ],
            )],
        )
        .await?;

        use Deadline as D;
        create_table_with_indexes(
            manager,
            Table::create()
                .table(D::Table)
                .col(id(D::Id))
                .col(enum_str(D::CaseKind))
                .col(big_integer(D::CaseId))
                .col(big_integer(D::SubjectId))
                .col(string_len(D::Milestone, 48))
                .col(date(D::DueOn))
                .col(timestamp_with_time_zone(D::DueAt))
                .col(string_len(D::RuleId, 64))
                .col(text(D::RuleSource))
                .col(boolean(D::Provisional).default(false))
                .col(enum_str(D::Status))
                .col(timestamp_with_time_zone_null(D::RemindedAt))
                .col(timestamp_with_time_zone_null(D::EscalatedAt))
                .col(timestamp_with_time_zone_null(D::MetAt))
                .col(timestamp_with_time_zone(D::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_deadline_subject_id",
                    D::Table,
                    D::SubjectId,
                    Subject::Table,
                    Subject::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                // The scheduler: open deadlines due before a time.
                index(
                    "idx_deadline_status_due_at",
                    D::Table,
                    &[D::Status, D::DueAt],
                ),
                index(
                    "idx_deadline_case_kind_case_id",
                    D::Table,
                    &[D::CaseKind, D::CaseId],
                ),
            ],
        )
        .await?;

        create_table_with_indexes(
            manager,
            Table::create()
                .table(Attachment::Table)
                .col(id(Attachment::Id))
                .col(big_integer(Attachment::SubjectId))
                .col(big_integer(Attachment::OwnerAccountId))
                .col(enum_str(Attachment::CaseKind))
                .col(big_integer(Attachment::CaseId))
                .col(string(Attachment::FileName))
                .col(string_len(Attachment::MediaType, 128))
                .col(big_integer(Attachment::SizeBytes))
                .col(hash_hex(Attachment::Sha256))
                .col(string(Attachment::StorageKey))
                .col(timestamp_with_time_zone(Attachment::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_attachment_subject_id",
                    Attachment::Table,
                    Attachment::SubjectId,
                    Subject::Table,
                    Subject::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_attachment_owner_account_id",
                    Attachment::Table,
                    Attachment::OwnerAccountId,
                    Account::Table,
                    Account::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![index(
                "idx_attachment_case_kind_case_id",
                Attachment::Table,
                &[Attachment::CaseKind, Attachment::CaseId],
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                Attachment::Table.into_iden(),
                Deadline::Table.into_iden(),
                CaseEvent::Table.into_iden(),
                Complaint::Table.into_iden(),
                RepairApplication::Table.into_iden(),
                Objection::Table.into_iden(),
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Department {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Subject {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum CreditRecord {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Objection {
    Table,
    Id,
    SubjectId,
    RecordId,
    ApplicantAccountId,
    DepartmentId,
    ReasonCode,
    Statement,
    Status,
    Outcome,
    OutcomeReason,
    ReceivedAt,
    ReferredAt,
    DecidedAt,
    ClosedAt,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum RepairApplication {
    Table,
    Id,
    SubjectId,
    RecordId,
    ApplicantAccountId,
    DepartmentId,
    Status,
    Outcome,
    Statement,
    CommitmentTextHash,
    CommitmentAcceptedBy,
    CommitmentAcceptedAt,
    DecisionReason,
    ReceivedAt,
    DecidedAt,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum Complaint {
    Table,
    Id,
    SubjectId,
    ObjectionId,
    RepairApplicationId,
    ApplicantAccountId,
    Statement,
    Status,
    OutcomeReason,
    ReceivedAt,
    DecidedAt,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum CaseEvent {
    Table,
    Id,
    CaseKind,
    CaseId,
    SubjectId,
    ActorKind,
    ActorAccountId,
    Event,
    Note,
    Data,
    OccurredAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Deadline {
    Table,
    Id,
    CaseKind,
    CaseId,
    SubjectId,
    Milestone,
    DueOn,
    DueAt,
    RuleId,
    RuleSource,
    Provisional,
    Status,
    RemindedAt,
    EscalatedAt,
    MetAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Attachment {
    Table,
    Id,
    SubjectId,
    OwnerAccountId,
    CaseKind,
    CaseId,
    FileName,
    MediaType,
    SizeBytes,
    Sha256,
    StorageKey,
    CreatedAt,
}
