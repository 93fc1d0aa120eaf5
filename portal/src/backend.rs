//! The handle through which the portal reaches the platform: the GraphQL
//! schema executed in-process, and the sign-in that starts a portal session.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde_json::Value;

/// Who is asking, as the platform needs it for authorisation and its logs.
#[derive(Clone, Debug, Default)]
pub struct Caller {
    /// The portal session token from the session cookie, if any.
    pub session: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

/// A file sent with an operation (GraphQL multipart request): it fills
/// the variable at `var_path`, e.g. `variables.i.evidence.0`.
#[derive(Clone, Debug)]
pub struct UploadFile {
    pub var_path: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// The outcome of a sign-in.
#[derive(Clone, Debug)]
pub enum SignIn {
    /// A new portal session: `token` goes in the session cookie.
    Ok {
        token: String,
        expires_at: DateTime<Utc>,
    },
    /// Wrong email or password (indistinguishable on purpose).
    Invalid,
    /// Too many failures: try again later.
    Throttled,
    /// The platform could not answer.
    Unavailable,
}

/// The kinds of object the platform's notices and emails link to by their
/// database number (`/cases/objections/12`): the portal turns the number
/// into the object's API id to show its page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    Objection,
    RepairApplication,
    Complaint,
    Subject,
    Consent,
}

/// Implemented by the platform (`api/src/http/portal.rs`).
pub trait Backend: Send + Sync + 'static {
    /// Executes one GraphQL operation as the caller (the actor behind the
    /// caller's portal session, or anonymous) and returns the JSON response
    /// (`data`, `errors`). `uploads` fill `Upload` variables.
    fn execute<'a>(
        &'a self,
        caller: &'a Caller,
        query: &'a str,
        variables: Value,
        uploads: Vec<UploadFile>,
    ) -> BoxFuture<'a, Value>;

    /// Signs in with email and password, starting a portal session.
    fn sign_in<'a>(
        &'a self,
        caller: &'a Caller,
        email: &'a str,
        password: &'a str,
    ) -> BoxFuture<'a, SignIn>;

    /// The API id (opaque global id) of the object numbered `number` in a
    /// notice's link. Who may open it is still decided by the API.
    fn link_id(&self, kind: LinkKind, number: i64) -> String;

    /// The platform's clock (the same one its services use).
    fn now(&self) -> DateTime<Utc>;

    /// Whether cookies must be marked `Secure` (served over HTTPS).
    fn secure_cookies(&self) -> bool;
}
