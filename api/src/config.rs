//! Configuration: defaults, then an optional TOML file, then `XINYONG_*`
//! environment variables (the last one wins). Secrets are wrapped so that no
//! `Debug` or log line can print them.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// A configuration error: the process refuses to start and says why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path} is not valid TOML: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
    #[error("cannot prepare the data folder {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {path}: {reason}")]
    Keys { path: PathBuf, reason: String },
}

/// A value that must never be printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP (only for a relay on the same host or in tests).
    None,
    /// STARTTLS upgrade (port 587).
    Starttls,
    /// Implicit TLS (port 465).
    Implicit,
}

/// Where email goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailTransport {
    /// `.eml` files in a folder: the embedded default needs no mail server.
    Files { dir: PathBuf },
    Smtp {
        host: String,
        port: u16,
        tls: SmtpTls,
        username: Option<String>,
        password: Secret,
    },
}

#[derive(Clone, Debug)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// The From: address of every notice.
    pub from: String,
    /// Attempts before an email is dead-lettered (docs/mail.md).
    pub max_attempts: i32,
    /// Wait after the first failed attempt; doubles with each further one.
    pub retry_base: Duration,
    /// Longest wait between two attempts.
    pub retry_max: Duration,
    /// Emails claimed per worker pass.
    pub batch: u64,
    /// How often the mail worker looks for due email.
    pub poll: Duration,
    /// Timeout of one SMTP conversation.
    pub smtp_timeout: Duration,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub database_max_connections: u32,
    pub addr: SocketAddr,
    /// Base URL used in links (emails, portal): no trailing slash.
    pub public_url: String,
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// HS256 key for access tokens; generated into the data folder on first run if unset.
    pub jwt_secret: Option<Secret>,
    /// Key material for identifier hashing and encryption (see `crypto`).
    pub identifier_key: Option<Secret>,
    /// Ed25519 seed (base64, 32 bytes) that signs consent receipts;
    /// generated into the data folder's key file on first run if unset.
    pub receipt_signing_key: Option<Secret>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub mail: MailConfig,
    /// `serve` seeds demo data into an empty database.
    pub seed_demo: bool,
    /// Largest accepted request body (GraphQL documents and variables included).
    pub max_body_bytes: usize,
    pub graphql_max_depth: usize,
    pub graphql_max_complexity: usize,
    /// Lets webhook subscriptions use `http://` on the loopback interface
    /// (`127.0.0.1`, `localhost`, `[::1]`): tests and local development only.
    /// Off by default: endpoints must be HTTPS on a public address.
    pub webhook_allow_http: bool,
    /// Rate-limit tier of anonymous callers, per address (`custom:<capacity>:<refill per second>`).
    pub rate_limit_anonymous: String,
    /// Rate-limit tier of signed-in people, per account.
    pub rate_limit_account: String,
}

/// The optional TOML file: every field may be omitted.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    database_max_connections: Option<u32>,
    addr: Option<String>,
    public_url: Option<String>,
    data_dir: Option<PathBuf>,
    log_format: Option<LogFormat>,
    log_filter: Option<String>,
    jwt_secret: Option<Secret>,
    identifier_key: Option<Secret>,
    receipt_signing_key: Option<Secret>,
    access_token_ttl_secs: Option<u64>,
    refresh_token_ttl_secs: Option<u64>,
    seed_demo: Option<bool>,
    max_body_bytes: Option<usize>,
    graphql_max_depth: Option<usize>,
    graphql_max_complexity: Option<usize>,
    rate_limit_anonymous: Option<String>,
    rate_limit_account: Option<String>,
    webhook_allow_http: Option<bool>,
    mail: Option<FileMail>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMail {
    transport: Option<String>,
    dir: Option<PathBuf>,
    from: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_tls: Option<SmtpTls>,
    smtp_username: Option<String>,
    smtp_password: Option<Secret>,
    max_attempts: Option<i32>,
    retry_base_secs: Option<u64>,
    retry_max_secs: Option<u64>,
    batch: Option<u64>,
    poll_secs: Option<u64>,
    smtp_timeout_secs: Option<u64>,
}

/// Reads configuration from an environment (a closure so tests need no global state).
pub fn load(env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let file = match env("XINYONG_CONFIG") {
        Some(path) => read_file(Path::new(&path))?,
        None if Path::new("xinyong.toml").exists() => read_file(Path::new("xinyong.toml"))?,
        None => FileConfig::default(),
    };
    let mail_file = file.mail.unwrap_or_default();

    let data_dir = env("XINYONG_DATA_DIR")
        .map(PathBuf::from)
        .or(file.data_dir)
        .unwrap_or_else(|| PathBuf::from("data"));
    let database_url = env("XINYONG_DATABASE_URL")
        .or(file.database_url)
        .unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("xinyong.db").display()
            )
        });
    let addr_text = env("XINYONG_ADDR")
        .or(file.addr)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let addr: SocketAddr = addr_text.parse().map_err(|e| ConfigError::Invalid {
        var: "XINYONG_ADDR",
        reason: format!("{addr_text:?} is not host:port ({e})"),
    })?;
    let public_url = env("XINYONG_PUBLIC_URL")
        .or(file.public_url)
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_string();
    let log_format = match env("XINYONG_LOG_FORMAT").as_deref() {
        Some("json") => LogFormat::Json,
        Some("text") => LogFormat::Text,
        Some(other) => {
            return Err(ConfigError::Invalid {
                var: "XINYONG_LOG_FORMAT",
                reason: format!("{other:?} is neither \"text\" nor \"json\""),
            });
        }
        None => file.log_format.unwrap_or(LogFormat::Text),
    };
    let log_filter = env("XINYONG_LOG")
        .or(file.log_filter)
        .unwrap_or_else(|| "info,sqlx=warn,sea_orm=warn".into());

    let mail_transport_kind = env("XINYONG_MAIL_TRANSPORT")
        .or(mail_file.transport)
        .unwrap_or_else(|| "files".into());
    let transport = match mail_transport_kind.as_str() {
        "files" | "file" => MailTransport::Files {
            dir: env("XINYONG_MAIL_DIR")
                .map(PathBuf::from)
                .or(mail_file.dir)
                .unwrap_or_else(|| data_dir.join("mail")),
        },
        "smtp" => {
            let host =
                env("XINYONG_SMTP_HOST")
                    .or(mail_file.smtp_host)
                    .ok_or(ConfigError::Invalid {
                        var: "XINYONG_SMTP_HOST",
                        reason: "required when the mail transport is smtp".into(),
                    })?;
            let tls = match env("XINYONG_SMTP_TLS").as_deref() {
                Some("none") => SmtpTls::None,
                Some("starttls") => SmtpTls::Starttls,
                Some("implicit") => SmtpTls::Implicit,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        var: "XINYONG_SMTP_TLS",
                        reason: format!("{other:?} is not none, starttls or implicit"),
                    });
                }
                None => mail_file.smtp_tls.unwrap_or(SmtpTls::Starttls),
            };
            let default_port = match tls {
                SmtpTls::Implicit => 465,
                SmtpTls::Starttls => 587,
                SmtpTls::None => 25,
            };
            MailTransport::Smtp {
                host,
                port: parse_env(&env, "XINYONG_SMTP_PORT")?
                    .or(mail_file.smtp_port)
                    .unwrap_or(default_port),
                tls,
                username: env("XINYONG_SMTP_USERNAME").or(mail_file.smtp_username),
                password: env("XINYONG_SMTP_PASSWORD")
                    .map(Secret)
                    .or(mail_file.smtp_password)
                    .unwrap_or_default(),
            }
        }
        other => {
            return Err(ConfigError::Invalid {
                var: "XINYONG_MAIL_TRANSPORT",
                reason: format!("{other:?} is neither \"files\" nor \"smtp\""),
            });
        }
    };

    Ok(Config {
        database_url,
        database_max_connections: parse_env(&env, "XINYONG_DATABASE_MAX_CONNECTIONS")?
            .or(file.database_max_connections)
            .unwrap_or(16),
        addr,
        public_url,
        log_format,
        log_filter,
        jwt_secret: env("XINYONG_JWT_SECRET").map(Secret).or(file.jwt_secret),
        identifier_key: env("XINYONG_IDENTIFIER_KEY")
            .map(Secret)
            .or(file.identifier_key),
        receipt_signing_key: env("XINYONG_RECEIPT_SIGNING_KEY")
            .map(Secret)
            .or(file.receipt_signing_key),
        access_token_ttl: Duration::from_secs(
            parse_env(&env, "XINYONG_ACCESS_TOKEN_TTL_SECS")?
                .or(file.access_token_ttl_secs)
                .unwrap_or(15 * 60),
        ),
        refresh_token_ttl: Duration::from_secs(
            parse_env(&env, "XINYONG_REFRESH_TOKEN_TTL_SECS")?
                .or(file.refresh_token_ttl_secs)
                .unwrap_or(30 * 24 * 3600),
        ),
        mail: MailConfig {
            transport,
            from: env("XINYONG_MAIL_FROM")
                .or(mail_file.from)
                .unwrap_or_else(|| "Xinyong <noreply@xinyong.localhost>".into()),
            max_attempts: parse_env(&env, "XINYONG_MAIL_MAX_ATTEMPTS")?
                .or(mail_file.max_attempts)
                .unwrap_or(8)
                .max(1),
            retry_base: Duration::from_secs(
                parse_env(&env, "XINYONG_MAIL_RETRY_BASE_SECS")?
                    .or(mail_file.retry_base_secs)
                    .unwrap_or(60),
            ),
            retry_max: Duration::from_secs(
                parse_env(&env, "XINYONG_MAIL_RETRY_MAX_SECS")?
                    .or(mail_file.retry_max_secs)
                    .unwrap_or(6 * 3600),
            ),
            batch: parse_env(&env, "XINYONG_MAIL_BATCH")?
                .or(mail_file.batch)
                .unwrap_or(50)
                .max(1),
            poll: Duration::from_secs(
                parse_env(&env, "XINYONG_MAIL_POLL_SECS")?
                    .or(mail_file.poll_secs)
                    .unwrap_or(5)
                    .max(1),
            ),
            smtp_timeout: Duration::from_secs(
                parse_env(&env, "XINYONG_SMTP_TIMEOUT_SECS")?
                    .or(mail_file.smtp_timeout_secs)
                    .unwrap_or(30),
            ),
        },
        seed_demo: parse_env(&env, "XINYONG_SEED_DEMO")?
            .or(file.seed_demo)
            .unwrap_or(true),
        max_body_bytes: parse_env(&env, "XINYONG_MAX_BODY_BYTES")?
            .or(file.max_body_bytes)
            .unwrap_or(2 * 1024 * 1024),
        graphql_max_depth: parse_env(&env, "XINYONG_GRAPHQL_MAX_DEPTH")?
            .or(file.graphql_max_depth)
            .unwrap_or(15),
        graphql_max_complexity: parse_env(&env, "XINYONG_GRAPHQL_MAX_COMPLEXITY")?
            .or(file.graphql_max_complexity)
            .unwrap_or(1000),
        webhook_allow_http: parse_env(&env, "XINYONG_WEBHOOK_ALLOW_HTTP")?
            .or(file.webhook_allow_http)
            .unwrap_or(false),
        rate_limit_anonymous: env("XINYONG_RATE_LIMIT_ANONYMOUS")
            .or(file.rate_limit_anonymous)
            .unwrap_or_else(|| "custom:300:5".into()),
        rate_limit_account: env("XINYONG_RATE_LIMIT_ACCOUNT")
            .or(file.rate_limit_account)
            .unwrap_or_else(|| "custom:1000:20".into()),
        data_dir,
    })
}

/// Reads the process environment.
pub fn from_env() -> Result<Config, ConfigError> {
    load(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: path.to_path_buf(),
        source: Box::new(source),
    })
}

fn parse_env<T: std::str::FromStr>(
    env: &impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<T>, ConfigError>
where
    T::Err: fmt::Display,
{
    match env(var) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|e| ConfigError::Invalid {
                var,
                reason: format!("{v:?}: {e}"),
            }),
    }
}

impl Config {
    /// A configuration for tests and tools: defaults, a given database and data folder.
    pub fn for_database(database_url: &str, data_dir: &Path) -> Config {
        let data = data_dir.display().to_string();
        let url = database_url.to_string();
        load(move |k| match k {
            "XINYONG_DATABASE_URL" => Some(url.clone()),
            "XINYONG_DATA_DIR" => Some(data.clone()),
            "XINYONG_ADDR" => Some("127.0.0.1:0".into()),
            _ => None,
        })
        .expect("built-in defaults are valid")
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let c = load(env_of(&[])).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:8080");
        assert!(c.database_url.starts_with("sqlite://data/xinyong.db"));
        assert_eq!(
            c.mail.transport,
            MailTransport::Files {
                dir: PathBuf::from("data/mail")
            }
        );
        assert_eq!(c.access_token_ttl, Duration::from_secs(900));
        assert!(!c.webhook_allow_http, "webhooks need HTTPS by default");
    }

    #[test]
    fn plain_http_webhooks_are_a_development_switch() {
        let c = load(env_of(&[("XINYONG_WEBHOOK_ALLOW_HTTP", "true")])).unwrap();
        assert!(c.webhook_allow_http);
        let err = load(env_of(&[("XINYONG_WEBHOOK_ALLOW_HTTP", "yes")])).unwrap_err();
        assert!(
            err.to_string().contains("XINYONG_WEBHOOK_ALLOW_HTTP"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        let err = load(env_of(&[("XINYONG_ADDR", "nowhere")])).unwrap_err();
        assert!(err.to_string().contains("XINYONG_ADDR"), "{err}");
        let err = load(env_of(&[("XINYONG_ACCESS_TOKEN_TTL_SECS", "soon")])).unwrap_err();
        assert!(
            err.to_string().contains("XINYONG_ACCESS_TOKEN_TTL_SECS"),
            "{err}"
        );
        let err = load(env_of(&[("XINYONG_MAIL_TRANSPORT", "smtp")])).unwrap_err();
        assert!(err.to_string().contains("XINYONG_SMTP_HOST"), "{err}");
    }

    #[test]
    fn secrets_never_print() {
        let c = load(env_of(&[(
            "XINYONG_JWT_SECRET",
            "hunter2-hunter2-hunter2-hunter2",
        )]))
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("[redacted]"));
    }
}
