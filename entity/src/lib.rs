//! SeaORM entities of the Xinyong data model: one module per table, no
//! business logic. `docs/data-model.md` explains the tables; the schema itself
//! is created by the `migration` crate, which must stay in step with these.

pub mod enums;

// Reference data
pub mod calendar_year;
pub mod department;
pub mod holiday;
pub mod record_category;
pub mod rule_set;

// Subjects and records
pub mod change_event;
pub mod credit_record;
pub mod record_revision;
pub mod related_person;
pub mod subject;

// Accounts and sign-in
pub mod account;
pub mod account_subject;
pub mod binding_request;
pub mod identity_challenge;
pub mod login_throttle;
pub mod refresh_token;
pub mod session;

// Agencies, clients, consent, webhooks
pub mod agency;
pub mod api_client;
pub mod consent;
pub mod webhook_delivery;
pub mod webhook_subscription;

// Cases
pub mod attachment;
pub mod case_event;
pub mod complaint;
pub mod deadline;
pub mod objection;
pub mod repair_application;

// Notices and email
pub mod notice;
pub mod outbox_email;

// Logs and jobs
pub mod audit_event;
pub mod chain_head;
pub mod job_run;
pub mod query_log;

// Decoding by position on hot paths
pub mod positional;

/// The entities under their table names in CamelCase, as `sea-orm-cli` would generate.
pub mod prelude {
    pub use super::account::Entity as Account;
    pub use super::account_subject::Entity as AccountSubject;
    pub use super::agency::Entity as Agency;
    pub use super::api_client::Entity as ApiClient;
    pub use super::attachment::Entity as Attachment;
    pub use super::audit_event::Entity as AuditEvent;
    pub use super::calendar_year::Entity as CalendarYear;
    pub use super::case_event::Entity as CaseEvent;
    pub use super::chain_head::Entity as ChainHead;
    pub use super::change_event::Entity as ChangeEvent;
    pub use super::complaint::Entity as Complaint;
    pub use super::consent::Entity as Consent;
    pub use super::credit_record::Entity as CreditRecord;
    pub use super::deadline::Entity as Deadline;
    pub use super::department::Entity as Department;
    pub use super::holiday::Entity as Holiday;
    pub use super::identity_challenge::Entity as IdentityChallenge;
    pub use super::job_run::Entity as JobRun;
    pub use super::login_throttle::Entity as LoginThrottle;
    pub use super::notice::Entity as Notice;
    pub use super::objection::Entity as Objection;
    pub use super::outbox_email::Entity as OutboxEmail;
    pub use super::query_log::Entity as QueryLog;
    pub use super::record_category::Entity as RecordCategory;
    pub use super::record_revision::Entity as RecordRevision;
    pub use super::refresh_token::Entity as RefreshToken;
    pub use super::related_person::Entity as RelatedPerson;
    pub use super::repair_application::Entity as RepairApplication;
    pub use super::rule_set::Entity as RuleSet;
    pub use super::session::Entity as Session;
    pub use super::subject::Entity as Subject;
    pub use super::webhook_delivery::Entity as WebhookDelivery;
    pub use super::webhook_subscription::Entity as WebhookSubscription;
}
