//! GraphQL object types: thin wrappers over entity rows. Reading a related
//! object goes through the service layer's authorisation like any other read.

mod account;
mod agency;
pub mod connection;
mod department;
mod enums;
mod record;
mod subject;
mod view_enums;
mod viewer;

pub use account::Account;
pub use agency::{Agency, ApiClient};
pub use department::Department;
pub use enums::*;
pub use record::{
    CreditRecord, HiddenReason, LegalBasis, Publication, RecordCategory, RecordFilter,
    RecordRevision,
};
pub use subject::Subject;
pub use view_enums::{
    ChangeKind, Disclosure, InfoClass, ListKind, RecordStatus, Severity, SubjectKind,
    SubjectStatus, ViewLevel,
};
pub use viewer::{Viewer, ViewerKind};
