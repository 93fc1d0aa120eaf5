//! Webhooks and the change feed for agencies (docs/webhooks.md).
//!
//! - `uq_webhook_delivery_subscription_id_change_event_id`: an event is fanned
//!   out to a subscription at most once, even if two dispatchers race or a
//!   dispatcher re-reads a batch after a crash (pings carry no event: NULLs
//!   never collide).
//! - `webhook_subscription`: why it was disabled, and the previous signing
//!   secret with the instant it stops being used after a rotation.
//! - `webhook_delivery.last_attempt_at`: when the last attempt started (the
//!   delivery log shows it).
//! - `idx_query_log_agency_id_subject_id`: the subjects an agency has received
//!   data about (the feed's "received" basis), read from the index alone.
//!
//! SQLite alters one column per statement, so each column is its own
//! `ALTER TABLE`; `down` drops them again (SQLite ≥ 3.35 and PostgreSQL).

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            text_null(WebhookSubscription::DisabledReason),
            text_null(WebhookSubscription::PreviousSecretCipher),
            timestamp_with_time_zone_null(WebhookSubscription::PreviousSecretExpiresAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(WebhookSubscription::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookDelivery::Table)
                    .add_column(timestamp_with_time_zone_null(
                        WebhookDelivery::LastAttemptAt,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "uq_webhook_delivery_subscription_id_change_event_id",
                WebhookDelivery::Table,
                &[
                    WebhookDelivery::SubscriptionId,
                    WebhookDelivery::ChangeEventId,
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_query_log_agency_id_subject_id",
                QueryLog::Table,
                &[QueryLog::AgencyId, QueryLog::SubjectId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_query_log_agency_id_subject_id")
                    .table(QueryLog::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_webhook_delivery_subscription_id_change_event_id")
                    .table(WebhookDelivery::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookDelivery::Table)
                    .drop_column(WebhookDelivery::LastAttemptAt)
                    .to_owned(),
            )
            .await?;
        for col in [
            WebhookSubscription::PreviousSecretExpiresAt,
            WebhookSubscription::PreviousSecretCipher,
            WebhookSubscription::DisabledReason,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(WebhookSubscription::Table)
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
enum WebhookSubscription {
    Table,
    DisabledReason,
    PreviousSecretCipher,
    PreviousSecretExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookDelivery {
    Table,
    SubscriptionId,
    ChangeEventId,
    LastAttemptAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum QueryLog {
    Table,
    AgencyId,
    SubjectId,
}
