//! Every string-valued enum of the data model.
//!
//! Each is stored as a `varchar(32)` holding the snake_case name of the
//! variant (`natural_person`), serialised by serde the same way. Strings
//! rather than native PostgreSQL enums, so that SQLite and PostgreSQL share
//! one schema and adding a variant needs no migration.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares one enum with the derives and attributes shared by all of them.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))", rename_all = "snake_case")]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }
    };
}

string_enum! {
    /// What kind of legal or natural person a subject is.
    SubjectKind {
        Enterprise,
        SocialOrg,
        PublicInstitution,
        IndividualBusiness,
        NaturalPerson,
        GovernmentBody,
    }
}

string_enum! {
    /// Which identifier scheme a subject's identifier belongs to.
    IdentifierKind {
        /// Unified social credit code (统一社会信用代码), public.
        Uscc,
        /// Resident identity card number, never public.
        ResidentId,
    }
}

string_enum! {
    /// Registration lifecycle of a subject.
    SubjectStatus { Registered, Changed, Deregistered, Revoked }
}

string_enum! {
    /// How a person is related to an organisation.
    RelatedRole {
        LegalRepresentative,
        Principal,
        ActualController,
        Director,
        Supervisor,
        SeniorManager,
        DirectlyResponsible,
    }
}

string_enum! {
    /// Information class of a record category.
    InfoClass { Basic, Good, Hint, Warning }
}

string_enum! {
    /// Who may see a record: everyone, holders of the subject's consent, or
    /// government users only.
    Disclosure { Public, Authorized, Government }
}

string_enum! {
    /// Whether a category puts the subject on a red (honour) or black list.
    ListKind { None, Red, Black }
}

string_enum! {
    /// Severity of a dishonest act or penalty (drives publication periods).
    Severity { Minor, General, Serious }
}

string_enum! {
    /// Lifecycle of a credit record.
    RecordStatus { Active, UnderObjection, Repaired, Withdrawn, Archived, Deleted }
}

string_enum! {
    /// What a record revision did.
    ChangeKind { Create, Correct, Withdraw, Suspend, Restore, Repair, Archive, Delete }
}

string_enum! {
    /// What an account is for.
    AccountRole { SubjectUser, DepartmentStaff, Operator }
}

string_enum! {
    AccountStatus { Active, Disabled }
}

string_enum! {
    /// Capacity in which an account acts for a subject.
    BindingRole { Owner, Agent }
}

string_enum! {
    /// How an account proved it may act for a subject.
    BindingMethod {
        ContactCode,
        StaffDocument,
        ExternalIdp,
        Demo,
        /// An owner of the subject added the account (as an agent).
        OwnerGrant,
    }
}

string_enum! {
    /// API sessions carry bearer tokens; portal sessions carry a cookie and a CSRF secret.
    SessionKind { Api, Portal }
}

string_enum! {
    /// What a one-time code proves.
    ChallengePurpose { BindSubject, PasswordReset, EmailVerify }
}

string_enum! {
    AgencyStatus { Active, Suspended, Revoked }
}

string_enum! {
    ClientStatus { Active, Revoked }
}

string_enum! {
    /// One query, or repeated queries within a monthly cap.
    ConsentMode { OneTime, Periodic }
}

string_enum! {
    ConsentStatus { Pending, Active, Revoked, Expired, Exhausted, Denied }
}

string_enum! {
    /// Who asked for a consent: the subject offering it, or the agency requesting it.
    ConsentRequester { Subject, Agency }
}

string_enum! {
    /// Who did something, for query logs, audit events and case timelines.
    ActorKind { Account, AgencyClient, Department, Operator, Public, System }
}

string_enum! {
    /// Through which door a query came.
    Channel { Api, Portal, Cli }
}

string_enum! {
    WebhookStatus { Active, Disabled }
}

string_enum! {
    DeliveryStatus { Pending, Delivered, Failed, Dead }
}

string_enum! {
    /// Which kind of case a polymorphic `(case_kind, case_id)` pair points to.
    CaseKind { Objection, Repair, Complaint }
}

string_enum! {
    ObjectionStatus { Received, Referred, Decided, Withdrawn }
}

string_enum! {
    ObjectionOutcome {
        /// The provider corrected the record.
        Corrected,
        /// The provider could not verify the record; it was deleted with reason.
        DeletedUnverifiable,
        /// The record stands.
        Upheld,
        /// The provider did not answer in time; the record is withdrawn from query.
        WithdrawnProviderSilent,
        /// The platform's own error, corrected at first check.
        PlatformCorrected,
        /// The provider withdrew the record (its decision revoked or
        /// annulled) while the objection was open: nothing left to decide.
        RecordWithdrawn,
    }
}

string_enum! {
    RepairStatus { Received, Decided, Withdrawn }
}

string_enum! {
    RepairOutcome {
        Approved,
        Rejected,
        /// The provider withdrew the record while the application was open.
        RecordWithdrawn,
    }
}

string_enum! {
    ComplaintStatus { Received, Decided, Withdrawn }
}

string_enum! {
    DeadlineStatus { Open, Met, Missed, Cancelled }
}

string_enum! {
    EmailStatus { Pending, Sending, Sent, Dead }
}

string_enum! {
    /// A calendar row is either a statutory rest day or a make-up working day (调休上班).
    DayKind { Holiday, MakeupWorkday }
}
