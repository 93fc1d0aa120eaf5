//! Authentication building blocks: password hashing and policy, access
//! tokens, and the authenticated actor that every service call receives.
//! The flows that use them (login, refresh, client credentials) are use
//! cases in `service::auth`.

pub mod actor;
pub mod password;
pub mod token;

pub use actor::{AccountActor, Actor, ClientActor, RequestMeta};
