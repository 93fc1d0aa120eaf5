//! Where email goes: `.eml` files in a folder (the embedded default, no
//! server needed) or an SMTP relay (STARTTLS, implicit TLS, or plain for a
//! relay on the same host and tests), through lettre.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailConfig, MailTransport, SmtpTls};
use crate::crypto::sha256_hex;

/// Why a send failed, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message: String,
    /// The relay refused for good (5xx), or the message cannot be built:
    /// retrying cannot help, the email is dead-lettered at once.
    pub permanent: bool,
}

impl SendError {
    fn transient(message: impl Into<String>) -> Self {
        SendError {
            message: message.into(),
            permanent: false,
        }
    }
    fn permanent(message: impl Into<String>) -> Self {
        SendError {
            message: message.into(),
            permanent: true,
        }
    }
}

/// One email ready to go.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: String,
    pub html: String,
    pub language: &'a str,
    /// The outbox row's idempotency key: the Message-ID is derived from it,
    /// so a resend after a crash carries the same id and receivers can
    /// drop the duplicate.
    pub idempotency_key: &'a str,
    pub date: SystemTime,
}

/// The Message-ID of an email with this idempotency key.
pub fn message_id(idempotency_key: &str, from: &str) -> String {
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').trim())
        .filter(|d| !d.is_empty())
        .unwrap_or("xinyong.localhost");
    let digest = sha256_hex(idempotency_key.as_bytes());
    format!("<{}@{domain}>", &digest[..40])
}

/// Builds the MIME message: multipart/alternative, text then HTML, both
/// UTF-8 and base64 (safe for any script and line length).
pub fn build_message(from: &str, m: &Outgoing<'_>) -> Result<Message, SendError> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| SendError::permanent(format!("the From address is invalid: {e}")))?;
    let to: Mailbox =
        m.to.parse()
            .map_err(|e| SendError::permanent(format!("the recipient address is invalid: {e}")))?;
    let text = Body::new_with_encoding(m.text.clone(), ContentTransferEncoding::Base64)
        .map_err(|_| SendError::permanent("the text body cannot be encoded"))?;
    let html = Body::new_with_encoding(m.html.clone(), ContentTransferEncoding::Base64)
        .map_err(|_| SendError::permanent("the HTML body cannot be encoded"))?;
    Message::builder()
        .message_id(Some(message_id(m.idempotency_key, from.email.as_ref())))
        .from(from)
        .to(to)
        .subject(m.subject)
        .date(m.date)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| SendError::permanent(format!("the message cannot be built: {e}")))
}

/// A transport built from the configuration, for one worker pass.
pub enum Transport {
    Files(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Transport {
    pub fn from_config(c: &MailConfig) -> Result<Transport, SendError> {
        match &c.transport {
            MailTransport::Files { dir } => Ok(Transport::Files(dir.clone())),
            MailTransport::Smtp {
                host,
                port,
                tls,
                username,
                password,
            } => {
                let builder = match tls {
                    SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
                    SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                        .map_err(|e| SendError::transient(format!("SMTP TLS set-up: {e}")))?,
                    SmtpTls::Implicit => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                        .map_err(|e| SendError::transient(format!("SMTP TLS set-up: {e}")))?,
                };
                let mut builder = builder
                    .port(*port)
                    .timeout(Some(c.smtp_timeout.max(Duration::from_secs(1))));
                if let Some(user) = username {
                    builder = builder.credentials(Credentials::new(
                        user.clone(),
                        password.expose().to_string(),
                    ));
                }
                Ok(Transport::Smtp(builder.build()))
            }
        }
    }

    pub async fn send(&self, message: &Message, idempotency_key: &str) -> Result<(), SendError> {
        match self {
            Transport::Files(dir) => write_eml(dir, message, idempotency_key)
                .await
                .map_err(|e| SendError::transient(format!("writing the .eml file: {e}"))),
            Transport::Smtp(t) => t.send(message.clone()).await.map(|_| ()).map_err(|e| {
                let permanent = e.is_permanent();
                SendError {
                    message: format!("SMTP: {e}"),
                    permanent,
                }
            }),
        }
    }
}

/// Writes `<dir>/<hash of key>.eml` through a temporary file and a rename,
/// so a reader never sees half a message and a resend replaces, not adds.
async fn write_eml(dir: &Path, message: &Message, key: &str) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let name = &sha256_hex(key.as_bytes())[..40];
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(format!("{name}.eml"));
    tokio::fs::write(&tmp, message.formatted()).await?;
    tokio::fs::rename(&tmp, &path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_follow_the_key_and_the_from_domain() {
        let a = message_id("notice:1", "Xinyong <noreply@credit.example.cn>");
        assert_eq!(a, message_id("notice:1", "noreply@credit.example.cn"));
        assert!(a.ends_with("@credit.example.cn>"), "{a}");
        assert_ne!(a, message_id("notice:2", "noreply@credit.example.cn"));
    }

    #[test]
    fn messages_are_multipart_base64_with_the_derived_id() {
        let m = Outgoing {
            to: "li.na@example.cn",
            subject: "异议申请已受理",
            text: "您好".into(),
            html: "<p>您好</p>".into(),
            language: "zh-CN",
            idempotency_key: "notice:9",
            date: SystemTime::UNIX_EPOCH,
        };
        let msg = build_message("Xinyong <noreply@x.example>", &m).unwrap();
        let raw = String::from_utf8(msg.formatted()).unwrap();
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains(&message_id("notice:9", "noreply@x.example")));
        assert!(raw.contains("Content-Transfer-Encoding: base64"));
        let bad = Outgoing {
            to: "not an address",
            ..m
        };
        assert!(
            build_message("noreply@x.example", &bad)
                .unwrap_err()
                .permanent
        );
    }
}
