//! Test harness shared by the end-to-end tests.
//!
//! Every database test runs against the backend named by `XINYONG_TEST_DB`
//! (`sqlite`, the default, or `postgres`); `scripts/test` runs the suite once
//! with each. Each test gets a fresh database of its own and drops it after.

pub mod browser;
pub mod demo;
pub mod smtp;

use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

/// The database backend the current test run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Reads `XINYONG_TEST_DB`; anything but `postgres`/`pg` means SQLite.
pub fn backend() -> Backend {
    match std::env::var("XINYONG_TEST_DB").as_deref() {
        Ok("postgres") | Ok("pg") | Ok("postgresql") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

/// Server-level URL of the PostgreSQL used for tests (a database that always exists).
pub fn pg_admin_url() -> String {
    std::env::var("XINYONG_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// Prefix of every database the tests create, so stale ones can be swept.
pub const PG_TEST_DB_PREFIX: &str = "xinyong_t_";

/// A fresh, empty database for one test. Dropped (PostgreSQL) or deleted
/// (SQLite) when the value goes out of scope.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A new empty database (no migrations applied).
    pub async fn empty() -> TestDb {
        match backend() {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory for SQLite");
                let path = dir.path().join("xinyong.db");
                TestDb {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    backend: Backend::Sqlite,
                    pg_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                static COUNTER: AtomicU64 = AtomicU64::new(0);
                let name = format!(
                    "{PG_TEST_DB_PREFIX}{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    uuid::Uuid::new_v4()
                        .simple()
                        .to_string()
                        .get(..8)
                        .unwrap_or("0")
                );
                let admin = Database::connect(pg_admin_url()).await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is required for XINYONG_TEST_DB=postgres but {} is unreachable: {e}",
                        pg_admin_url()
                    )
                });
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let base = pg_admin_url();
                let server = base.rsplit_once('/').map(|(s, _)| s).unwrap_or(&base);
                TestDb {
                    url: format!("{server}/{name}"),
                    backend: Backend::Postgres,
                    pg_name: Some(name),
                    _dir: None,
                }
            }
        }
    }

    /// A connection to this database.
    pub async fn connect(&self) -> DatabaseConnection {
        Database::connect(&self.url)
            .await
            .expect("connect to test database")
    }

    /// Runs a raw SQL statement and returns the first column of the first row as i64.
    pub async fn scalar_i64(conn: &DatabaseConnection, sql: &str) -> i64 {
        let row = conn
            .query_one_raw(Statement::from_string(
                conn.get_database_backend(),
                sql.to_string(),
            ))
            .await
            .expect("query")
            .expect("one row");
        row.try_get_by_index::<i64>(0).expect("i64 column")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop runs outside any runtime we can block on, so use a private one.
        let handle = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async move {
                    if let Ok(admin) = Database::connect(pg_admin_url()).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        admin.close().await.ok();
                    }
                });
            }
        });
        let _ = handle.join();
    }
}

/// A running server on a free port, backed by a fresh database, with a clock
/// the test controls.
pub struct TestApp {
    pub base_url: String,
    pub state: xinyong::state::AppState,
    pub clock: std::sync::Arc<xinyong::clock::ManualClock>,
    pub http: reqwest::Client,
    pub db: TestDb,
    /// The SQL of every statement the server has run (SeaORM's metric
    /// callback), for tests of what a use case sends to the database.
    pub statements: StatementLog,
    _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Statements run through the server's database connection, in order.
#[derive(Clone, Default)]
pub struct StatementLog(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl StatementLog {
    fn push(&self, sql: &str) {
        if let Ok(mut log) = self.0.lock() {
            log.push(sql.to_string());
        }
    }

    /// The statements logged since the last call, oldest first.
    pub fn take(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|mut log| std::mem::take(&mut *log))
            .unwrap_or_default()
    }
}

/// A GraphQL response: HTTP status and JSON body.
pub struct Gql {
    pub status: u16,
    pub body: serde_json::Value,
}

impl Gql {
    /// `extensions.code` of the first error, if any.
    pub fn error_code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    pub fn data(&self) -> &serde_json::Value {
        &self.body["data"]
    }
}

impl TestApp {
    /// Starts the platform with the clock at the current wall time.
    pub async fn spawn() -> TestApp {
        Self::spawn_at(chrono::Utc::now()).await
    }

    /// Starts the platform with the clock at `now`.
    pub async fn spawn_at(now: chrono::DateTime<chrono::Utc>) -> TestApp {
        Self::spawn_configured(now, |_| {}).await
    }

    /// Starts the platform with the clock at `now` and the test
    /// configuration changed by `configure` (e.g. `webhook_allow_http`).
    pub async fn spawn_configured(
        now: chrono::DateTime<chrono::Utc>,
        configure: impl FnOnce(&mut xinyong::config::Config),
    ) -> TestApp {
        let db = TestDb::empty().await;
        let dir = tempfile::tempdir().expect("temporary data folder");
        let mut config = xinyong::config::Config::for_database(&db.url, dir.path());
        // The test clock stands still, so buckets would never refill: people
        // and anonymous callers get room; limits.rs tests the limiter itself.
        config.rate_limit_anonymous = "custom:1000000:1000".into();
        config.rate_limit_account = "custom:1000000:1000".into();
        configure(&mut config);
        let clock = std::sync::Arc::new(xinyong::clock::ManualClock::new(now));
        let mut state = xinyong::server::prepare(config, clock.clone())
            .await
            .expect("the platform starts");
        let statements = StatementLog::default();
        let log = statements.clone();
        state
            .db
            .set_metric_callback(move |info| log.push(&info.statement.sql));
        let listener = xinyong::server::bind("127.0.0.1:0".parse().expect("address"))
            .await
            .expect("bind a free port");
        let addr = listener.local_addr().expect("local address");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serving = state.clone();
        tokio::spawn(async move {
            let _ = xinyong::server::serve(serving, listener, async {
                let _ = rx.await;
            })
            .await;
        });
        TestApp {
            base_url: format!("http://{addr}"),
            state,
            clock,
            http: reqwest::Client::new(),
            db,
            statements,
            _dir: dir,
            shutdown: Some(tx),
        }
    }

    /// Starts the platform and loads the demo data set.
    pub async fn spawn_with_demo() -> TestApp {
        let app = Self::spawn().await;
        xinyong::service::demo::seed(&app.state)
            .await
            .expect("demo data seeds");
        app
    }

    /// POSTs a GraphQL operation, optionally with a bearer token.
    pub async fn graphql(
        &self,
        query: &str,
        variables: serde_json::Value,
        token: Option<&str>,
    ) -> Gql {
        let mut req = self
            .http
            .post(format!("{}/graphql", self.base_url))
            .json(&serde_json::json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request reaches the server");
        let status = resp.status().as_u16();
        let body = resp.json().await.expect("a JSON body");
        Gql { status, body }
    }

    /// Signs in through GraphQL and returns (access token, refresh token).
    pub async fn login(&self, email: &str, password: &str) -> (String, String) {
        let r = self
            .graphql(
                "mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }",
                serde_json::json!({ "i": { "email": email, "password": password } }),
                None,
            )
            .await;
        let access = r.body["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("login of {email} failed: {}", r.body))
            .to_string();
        let refresh = r.body["data"]["login"]["refreshToken"]
            .as_str()
            .expect("refresh token")
            .to_string();
        (access, refresh)
    }

    /// OAuth client credentials: (HTTP status, JSON body).
    pub async fn client_token(&self, client_id: &str, secret: &str) -> (u16, serde_json::Value) {
        let resp = self
            .http
            .post(format!("{}/oauth/token", self.base_url))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
            ])
            .send()
            .await
            .expect("request reaches the server");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("a JSON body"))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Path of the `xinyong` binary built alongside the test binaries
/// (`cargo test --workspace` builds it; `scripts/test` builds it first).
pub fn xinyong_bin() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/e2e-xxxx -> target/<profile>/xinyong
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target profile directory");
    let bin = dir.join(format!("xinyong{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p api --bin xinyong` (scripts/test does)",
        bin.display()
    );
    bin
}
