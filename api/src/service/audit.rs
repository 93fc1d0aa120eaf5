//! The audit trail: who did what to what. Rows are written in the same
//! transaction as the change they describe, so there is no change without
//! its row and no row without its change.

use chrono::{DateTime, Utc};
use entity::audit_event;
use entity::enums::ActorKind;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde_json::Value;

use crate::auth::{Actor, RequestMeta};

#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub occurred_at: DateTime<Utc>,
    pub actor_kind: ActorKind,
    pub actor_account_id: Option<i64>,
    pub actor_client_id: Option<i64>,
    pub action: &'static str,
    pub object_type: &'static str,
    pub object_id: Option<String>,
    pub subject_id: Option<i64>,
    pub detail: Value,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl AuditEntry {
    fn base(
        kind: ActorKind,
        action: &'static str,
        object_type: &'static str,
        now: DateTime<Utc>,
        meta: &RequestMeta,
    ) -> Self {
        AuditEntry {
            occurred_at: now,
            actor_kind: kind,
            actor_account_id: None,
            actor_client_id: None,
            action,
            object_type,
            object_id: None,
            subject_id: None,
            detail: Value::Object(Default::default()),
            ip: meta.ip.clone(),
            request_id: meta.request_id.clone(),
        }
    }

    /// An action taken by the platform itself or by someone not yet identified.
    pub fn system(
        action: &'static str,
        object_type: &'static str,
        now: DateTime<Utc>,
        meta: &RequestMeta,
    ) -> Self {
        Self::base(ActorKind::System, action, object_type, now, meta)
    }

    pub fn account(
        account_id: i64,
        action: &'static str,
        object_type: &'static str,
        now: DateTime<Utc>,
        meta: &RequestMeta,
    ) -> Self {
        let mut e = Self::base(ActorKind::Account, action, object_type, now, meta);
        e.actor_account_id = Some(account_id);
        e
    }

    pub fn client(
        api_client_id: i64,
        action: &'static str,
        object_type: &'static str,
        now: DateTime<Utc>,
        meta: &RequestMeta,
    ) -> Self {
        let mut e = Self::base(ActorKind::AgencyClient, action, object_type, now, meta);
        e.actor_client_id = Some(api_client_id);
        e
    }

    /// An action by whoever `actor` is.
    pub fn by(
        actor: &Actor,
        action: &'static str,
        object_type: &'static str,
        now: DateTime<Utc>,
        meta: &RequestMeta,
    ) -> Self {
        let mut e = Self::base(
            super::auth::actor_kind(actor),
            action,
            object_type,
            now,
            meta,
        );
        match actor {
            Actor::Account(a) => e.actor_account_id = Some(a.account_id),
            Actor::Client(c) => e.actor_client_id = Some(c.api_client_id),
            Actor::Anonymous => {}
        }
        e
    }

    pub fn object_id(mut self, id: Option<String>) -> Self {
        self.object_id = id;
        self
    }

    pub fn subject(mut self, subject_id: i64) -> Self {
        self.subject_id = Some(subject_id);
        self
    }

    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Appends one audit row on the given connection (normally the use case's
/// transaction).
pub async fn record(conn: &impl ConnectionTrait, e: AuditEntry) -> Result<(), sea_orm::DbErr> {
    let row = audit_event::ActiveModel {
        occurred_at: Set(e.occurred_at),
        actor_kind: Set(e.actor_kind),
        actor_account_id: Set(e.actor_account_id),
        actor_client_id: Set(e.actor_client_id),
        action: Set(e.action.to_string()),
        object_type: Set(e.object_type.to_string()),
        object_id: Set(e.object_id),
        subject_id: Set(e.subject_id),
        detail: Set(e.detail),
        ip: Set(e.ip),
        request_id: Set(e.request_id),
        chain_seq: Set(None),
        prev_hash: Set(None),
        hash: Set(None),
        ..Default::default()
    };
    audit_event::Entity::insert(row)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
