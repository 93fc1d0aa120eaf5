//! The portal inbox, the email outbox and webhooks.

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
                .table(Notice::Table)
                .col(id(Notice::Id))
                .col(big_integer(Notice::AccountId))
                .col(big_integer_null(Notice::SubjectId))
                .col(string_len(Notice::Kind, 48))
                .col(string(Notice::Title))
                .col(text(Notice::Body))
                .col(text_null(Notice::Link))
                .col(json_binary(Notice::Data))
                .col(string_len_null(Notice::DedupeKey, 200))
                .col(timestamp_with_time_zone(Notice::CreatedAt))
                .col(timestamp_with_time_zone_null(Notice::ReadAt))
                .foreign_key(&mut fk(
                    "fk_notice_account_id",
                    Notice::Table,
                    Notice::AccountId,
                    Account::Table,
                    Account::Id,
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    "fk_notice_subject_id",
                    Notice::Table,
                    Notice::SubjectId,
                    Subject::Table,
                    Subject::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                // NULLs are distinct on both backends: notices without a key never collide.
                unique_index("uq_notice_dedupe_key", Notice::Table, &[Notice::DedupeKey]),
                // An inbox, and its unread count.
                index(
                    "idx_notice_account_id_read_at",
                    Notice::Table,
                    &[Notice::AccountId, Notice::ReadAt],
                ),
                index("idx_notice_created_at", Notice::Table, &[Notice::CreatedAt]),
            ],
        )
        .await?;

        use OutboxEmail as E;
        create_table_with_indexes(
            manager,
            Table::create()
                .table(E::Table)
                .col(id(E::Id))
                .col(big_integer_null(E::NoticeId))
                .col(string(E::ToAddress))
                .col(string_len(E::Language, 8))
                .col(string(E::Subject))
                .col(text(E::BodyText))
                .col(text(E::BodyHtml))
                .col(enum_str(E::Status))
                .col(integer(E::Attempts).default(0))
                .col(timestamp_with_time_zone(E::NextAttemptAt))
                .col(text_null(E::LastError))
                .col(string_len(E::IdempotencyKey, 200))
                .col(timestamp_with_time_zone(E::CreatedAt))
                .col(timestamp_with_time_zone_null(E::SentAt))
                .foreign_key(&mut fk(
                    "fk_outbox_email_notice_id",
                    E::Table,
                    E::NoticeId,
                    Notice::Table,
                    Notice::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                unique_index(
                    "uq_outbox_email_idempotency_key",
                    E::Table,
                    &[E::IdempotencyKey],
                ),
                // The worker: pending emails due now.
                index(
                    "idx_outbox_email_status_next_attempt_at",
                    E::Table,
                    &[E::Status, E::NextAttemptAt],
                ),
            ],
        )
        .await?;

        use WebhookSubscription as S;
        create_table_with_indexes(
            manager,
            Table::create()
                .table(S::Table)
                .col(id(S::Id))
                .col(big_integer(S::ApiClientId))
                .col(text(S::Url))
                .col(json_binary(S::Events))
                .col(text(S::SecretCipher))
                .col(enum_str(S::Status))
                .col(integer(S::ConsecutiveFailures).default(0))
                .col(timestamp_with_time_zone(S::CreatedAt))
                .col(timestamp_with_time_zone_null(S::DisabledAt))
                .foreign_key(&mut fk(
                    "fk_webhook_subscription_api_client_id",
                    S::Table,
                    S::ApiClientId,
                    ApiClient::Table,
                    ApiClient::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![index(
                "idx_webhook_subscription_api_client_id",
                S::Table,
                &[S::ApiClientId],
            )],
        )
        .await?;

        use WebhookDelivery as W;
        create_table_with_indexes(
            manager,
            Table::create()
                .table(W::Table)
                .col(id(W::Id))
                .col(big_integer(W::SubscriptionId))
                .col(big_integer_null(W::ChangeEventId))
                .col(string_len(W::EventKind, 48))
                .col(json_binary(W::Payload))
                .col(enum_str(W::Status))
                .col(integer(W::Attempts).default(0))
                .col(timestamp_with_time_zone(W::NextAttemptAt))
                .col(integer_null(W::ResponseStatus))
                .col(text_null(W::LastError))
                .col(timestamp_with_time_zone(W::CreatedAt))
                .col(timestamp_with_time_zone_null(W::DeliveredAt))
                // Deliveries are pure children of their subscription.
                .foreign_key(&mut fk(
                    "fk_webhook_delivery_subscription_id",
                    W::Table,
                    W::SubscriptionId,
                    S::Table,
                    S::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_webhook_delivery_change_event_id",
                    W::Table,
                    W::ChangeEventId,
                    ChangeEvent::Table,
                    ChangeEvent::Id,
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
            vec![
                // The worker: pending deliveries due now.
                index(
                    "idx_webhook_delivery_status_next_attempt_at",
                    W::Table,
                    &[W::Status, W::NextAttemptAt],
                ),
                // A subscription's delivery history.
                index(
                    "idx_webhook_delivery_subscription_id",
                    W::Table,
                    &[W::SubscriptionId],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                WebhookDelivery::Table.into_iden(),
                WebhookSubscription::Table.into_iden(),
                OutboxEmail::Table.into_iden(),
                Notice::Table.into_iden(),
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
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
enum ApiClient {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChangeEvent {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Notice {
    Table,
    Id,
    AccountId,
    SubjectId,
    Kind,
    Title,
    Body,
    Link,
    Data,
    DedupeKey,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum OutboxEmail {
    Table,
    Id,
    NoticeId,
    ToAddress,
    Language,
    Subject,
    BodyText,
    BodyHtml,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    IdempotencyKey,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookSubscription {
    Table,
    Id,
    ApiClientId,
    Url,
    Events,
    SecretCipher,
    Status,
    ConsecutiveFailures,
    CreatedAt,
    DisabledAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookDelivery {
    Table,
    Id,
    SubscriptionId,
    ChangeEventId,
    EventKind,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    ResponseStatus,
    LastError,
    CreatedAt,
    DeliveredAt,
}
