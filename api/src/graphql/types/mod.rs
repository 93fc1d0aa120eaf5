//! GraphQL object types: thin wrappers over entity rows. Reading a related
//! object goes through the service layer's authorisation like any other read.

mod account;
mod agency;
mod department;
mod enums;
mod record;
mod subject;
mod viewer;

pub use account::Account;
pub use agency::{Agency, ApiClient};
pub use department::Department;
pub use enums::*;
pub use record::CreditRecord;
pub use subject::Subject;
pub use viewer::{Viewer, ViewerKind};
