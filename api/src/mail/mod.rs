//! Email: templates (zh-CN, en; plain text + HTML), the transports (`.eml`
//! files or SMTP through lettre) and the outbox worker that sends what the
//! services enqueued in their transactions. See docs/mail.md.

pub mod templates;
pub mod transport;
pub mod worker;
