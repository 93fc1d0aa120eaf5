//! Ingestion benchmark: how fast do records get in?
//!
//! ```text
//! cargo run --release -p xinyong-bench --bin ingest -- --rows 100000 --db both
//! ```
//!
//! For each backend it measures
//! - `import`: the release `xinyong import` binary, end to end (process start,
//!   migrations check, parsing, every batch, the report), on a CSV file of
//!   `--rows` generated records; then the same file again (`import again`,
//!   every row unchanged);
//! - `api`: the server started in-process, a department token from
//!   `POST /oauth/token`, and `submitRecords` calls of 1,000 records from
//!   `--clients` concurrent clients.
//!
//! Each measurement starts from a fresh database with the demo data set.
//! PostgreSQL databases are created as `xinyong_bench_*` on
//! `XINYONG_BENCH_PG_URL` (default postgres://postgres@127.0.0.1:5432/postgres)
//! and dropped afterwards. `--append docs/performance.md` appends the table.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use xinyong::clock::{Clock, SystemClock};
use xinyong::config::Config;
use xinyong::service::demo;
use xinyong_bench::{SUBMIT_RECORDS, generate, graphql_record, write_csv};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Db {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum PathKind {
    Import,
    Api,
    Both,
}

#[derive(Debug, Parser)]
#[command(name = "ingest", about = "Xinyong ingestion benchmark")]
struct Args {
    /// Records to ingest per measurement.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// Records per subject (consecutive records share a subject).
    #[arg(long, default_value_t = 4)]
    per_subject: usize,
    #[arg(long, value_enum, default_value_t = Db::Both)]
    db: Db,
    /// Which path to measure.
    #[arg(long, value_enum, default_value_t = PathKind::Both)]
    path: PathKind,
    /// `xinyong import --parallel N` (default: the importer's own default).
    #[arg(long)]
    parallel: Option<usize>,
    /// Concurrent API clients.
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// The `xinyong` binary to run (default: build and use target/release/xinyong).
    #[arg(long)]
    xinyong: Option<PathBuf>,
    /// Append the results table to this Markdown file (e.g. docs/performance.md).
    #[arg(long)]
    append: Option<PathBuf>,
    /// Also count rows per table and, on PostgreSQL, transactions and tuples
    /// (pg_stat_database) after the import.
    #[arg(long)]
    stats: bool,
    /// Only write the generated records to this file (`.csv` or `.jsonl`)
    /// and stop: for profiling `xinyong import` by hand.
    #[arg(long)]
    write: Option<PathBuf>,
}

struct Measurement {
    path: String,
    backend: &'static str,
    rows: usize,
    seconds: f64,
    /// The importer's own figure (excludes process start), when known.
    note: String,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    xinyong_bench::main_with(run(args))
}

async fn run(args: Args) -> Result<(), BoxError> {
    if let Some(path) = &args.write {
        let records = generate(args.rows, args.per_subject, 1);
        if path.extension().is_some_and(|e| e == "jsonl") {
            xinyong_bench::write_jsonl(path, &records)?;
        } else {
            write_csv(path, &records)?;
        }
        eprintln!("wrote {} records to {}", records.len(), path.display());
        return Ok(());
    }
    let bin = match &args.xinyong {
        Some(p) => p.clone(),
        None => build_release_binary()?,
    };
    let work = tempfile::tempdir()?;
    eprintln!("generating {} records …", args.rows);
    let records = generate(args.rows, args.per_subject, 1);
    let csv_path = work.path().join("records.csv");
    write_csv(&csv_path, &records)?;
    let size = std::fs::metadata(&csv_path)?.len();
    eprintln!(
        "  {} ({:.1} MB)",
        csv_path.display(),
        size as f64 / 1_048_576.0
    );

    let backends: Vec<&'static str> = match args.db {
        Db::Sqlite => vec!["sqlite"],
        Db::Postgres => vec!["postgres"],
        Db::Both => vec!["sqlite", "postgres"],
    };
    let mut results = Vec::new();
    for backend in backends {
        if matches!(args.path, PathKind::Import | PathKind::Both) {
            let db = BenchDb::create(backend, "import").await?;
            let data = tempfile::tempdir()?;
            seed(&db.url, data.path()).await?;
            for (label, expect_unchanged) in [("import", false), ("import again", true)] {
                eprintln!("{backend}: {label} …");
                let (secs, summary) =
                    run_import(&bin, &db.url, data.path(), &csv_path, args.parallel)?;
                let inner = summary_value(&summary, "elapsed:")
                    .and_then(|s| s.trim_end_matches(" s").parse::<f64>().ok());
                let counted = summary_value(
                    &summary,
                    if expect_unchanged {
                        "unchanged:"
                    } else {
                        "accepted:"
                    },
                )
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(0);
                if counted != args.rows {
                    return Err(format!(
                        "{backend} {label}: expected {} rows {}, the summary says:\n{summary}",
                        args.rows,
                        if expect_unchanged {
                            "unchanged"
                        } else {
                            "accepted"
                        }
                    )
                    .into());
                }
                let label = match args.parallel {
                    Some(n) => format!("{label}, --parallel {n}"),
                    None => label.to_string(),
                };
                results.push(Measurement {
                    path: format!("`xinyong import` ({label})"),
                    backend,
                    rows: args.rows,
                    seconds: secs,
                    note: inner
                        .map(|t| {
                            format!(
                                "importer's own time {t:.2} s ({:.0}/s)",
                                args.rows as f64 / t
                            )
                        })
                        .unwrap_or_default(),
                });
            }
            if args.stats {
                print_stats(&db, args.rows).await?;
            }
            db.drop().await?;
        }
        if matches!(args.path, PathKind::Api | PathKind::Both) {
            let db = BenchDb::create(backend, "api").await?;
            let data = tempfile::tempdir()?;
            eprintln!("{backend}: api with {} clients …", args.clients);
            let (secs, waited) = run_api(&db.url, data.path(), &records, args.clients).await?;
            results.push(Measurement {
                path: format!("`submitRecords` API ({} clients)", args.clients),
                backend,
                rows: args.rows,
                seconds: secs,
                note: if waited.is_zero() {
                    String::new()
                } else {
                    format!(
                        "clients waited {:.0} s in all for the rate limit (HTTP 429)",
                        waited.as_secs_f64()
                    )
                },
            });
            db.drop().await?;
        }
    }

    let table = table(&results);
    println!("{table}");
    if let Some(doc) = &args.append {
        append(doc, &args, &table)?;
        eprintln!("appended to {}", doc.display());
    }
    Ok(())
}

/// Builds the release `xinyong` binary, so that the binary measured is the
/// current source (`cargo run -p xinyong-bench` builds the api library, not
/// its binary). The same package selection as the benchmark's own build
/// (`-p api -p xinyong-bench`) resolves the same features, so nothing is
/// compiled twice.
fn build_release_binary() -> Result<PathBuf, BoxError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("building the release xinyong binary …");
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "api",
            "-p",
            "xinyong-bench",
            "--bins",
        ])
        .status()?;
    if !status.success() {
        return Err("cargo build --release -p api -p xinyong-bench --bins failed".into());
    }
    let exe = std::env::current_exe()?;
    let dir = exe.parent().ok_or("no directory of the benchmark binary")?;
    let bin = dir.join(format!("xinyong{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        return Err(format!("{} is missing after the build", bin.display()).into());
    }
    Ok(bin)
}

/// A database of its own for one measurement.
struct BenchDb {
    url: String,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

fn pg_admin_url() -> String {
    std::env::var("XINYONG_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl BenchDb {
    async fn create(backend: &str, what: &str) -> Result<BenchDb, BoxError> {
        if backend == "sqlite" {
            let dir = tempfile::tempdir()?;
            return Ok(BenchDb {
                url: format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("bench.db").display()
                ),
                pg: None,
                _dir: Some(dir),
            });
        }
        let admin_url = pg_admin_url();
        let name = format!("xinyong_bench_{what}_{}", std::process::id());
        let admin = Database::connect(&admin_url).await?;
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await?;
        admin.close().await?;
        let server = admin_url
            .rsplit_once('/')
            .map(|(s, _)| s.to_string())
            .unwrap_or(admin_url.clone());
        Ok(BenchDb {
            // Without TLS, as every client of `all` (bench/src/db.rs): on
            // loopback TLS cost the import 40% of its rate (23,000–25,000
            // against 14,000 records/s, docs/performance.md).
            url: format!("{server}/{name}?sslmode=disable"),
            pg: Some((admin_url, name)),
            _dir: None,
        })
    }

    async fn drop(self) -> Result<(), BoxError> {
        if let Some((admin_url, name)) = &self.pg {
            let admin = Database::connect(admin_url).await?;
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await?;
            admin.close().await?;
        }
        Ok(())
    }
}

fn config(url: &str, data: &Path) -> Config {
    Config::for_database(url, data)
}

/// Migrations, reference data and the demo set (which has the department
/// and its API client).
async fn seed(url: &str, data: &Path) -> Result<xinyong::state::AppState, BoxError> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let state = xinyong::server::prepare(config(url, data), clock).await?;
    demo::seed(&state).await?;
    Ok(state)
}

/// Runs `xinyong import`; returns the wall time and the summary.
fn run_import(
    bin: &Path,
    url: &str,
    data: &Path,
    file: &Path,
    parallel: Option<usize>,
) -> Result<(f64, String), BoxError> {
    let started = Instant::now();
    let mut cmd = Command::new(bin);
    cmd.args(["import", "--department", demo::MARKET_DEPARTMENT_CODE])
        .arg(file);
    if let Some(n) = parallel {
        cmd.arg("--parallel").arg(n.to_string());
    }
    let out = cmd
        .env("XINYONG_DATABASE_URL", url)
        .env("XINYONG_DATA_DIR", data)
        .env("XINYONG_LOG", "warn")
        .env_remove("XINYONG_CONFIG")
        .output()?;
    let secs = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "xinyong import failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok((secs, stdout))
}

fn summary_value<'a>(summary: &'a str, key: &str) -> Option<&'a str> {
    summary
        .lines()
        .find_map(|l| l.trim().strip_prefix(key))
        .map(str::trim)
}

/// Serves in-process and submits every record through `submitRecords`.
async fn run_api(
    url: &str,
    data: &Path,
    records: &[xinyong::service::records::RecordSubmission],
    clients: usize,
) -> Result<(f64, Duration), BoxError> {
    let state = seed(url, data).await?;
    let listener = xinyong::server::bind("127.0.0.1:0".parse()?).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(xinyong::server::serve(state, listener, async {
        let _ = stopped.await;
    }));

    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", demo::DEPARTMENT_CLIENT_ID),
            ("client_secret", demo::DEPARTMENT_CLIENT_SECRET),
            ("scope", "records:write"),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = token["access_token"]
        .as_str()
        .ok_or_else(|| format!("no access token: {token}"))?
        .to_string();

    // Request bodies are built before the clock starts: this measures the server.
    let bodies: Arc<Vec<String>> = Arc::new(
        records
            .chunks(xinyong::service::records::MAX_BATCH)
            .map(|chunk| {
                let recs: Vec<Value> = chunk.iter().map(graphql_record).collect();
                json!({ "query": SUBMIT_RECORDS, "variables": { "input": { "records": recs } } })
                    .to_string()
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients.max(1) {
        let (http, base, token, bodies, next) = (
            http.clone(),
            base.clone(),
            token.clone(),
            bodies.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0u64;
            let mut waited = Duration::ZERO;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let resp: Value = loop {
                    let resp = http
                        .post(format!("{base}/graphql"))
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .timeout(Duration::from_secs(300))
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    // The client's rate limit: wait as told, then send the batch again.
                    if resp.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
                        let secs = resp
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.parse::<u64>().ok())
                            .unwrap_or(1);
                        waited += Duration::from_secs(secs);
                        tokio::time::sleep(Duration::from_secs(secs)).await;
                        continue;
                    }
                    break resp.json().await.map_err(|e| e.to_string())?;
                };
                let p = &resp["data"]["submitRecords"];
                let n = p["accepted"]
                    .as_u64()
                    .ok_or_else(|| format!("batch {i}: {resp}"))?;
                if p["rejected"].as_u64() != Some(0) {
                    let first = p["results"]
                        .as_array()
                        .and_then(|a| a.iter().find(|r| r["status"] == "REJECTED"))
                        .cloned()
                        .unwrap_or(Value::Null);
                    return Err(format!("batch {i}: rejected records, e.g. {first}"));
                }
                accepted += n;
            }
            Ok::<(u64, Duration), String>((accepted, waited))
        }));
    }
    let mut accepted = 0;
    let mut waited = Duration::ZERO;
    for t in tasks {
        let (n, w) = t.await??;
        accepted += n;
        waited += w;
    }
    let secs = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    let _ = server.await;
    if accepted as usize != records.len() {
        return Err(format!("api: {accepted} of {} accepted", records.len()).into());
    }
    Ok((secs, waited))
}

/// Rows per table, and (PostgreSQL) statements and transactions, for
/// reasoning about where the time goes.
async fn print_stats(db: &BenchDb, rows: usize) -> Result<(), BoxError> {
    let conn = Database::connect(&db.url).await?;
    let backend = conn.get_database_backend();
    eprintln!("  rows per table after the import:");
    for table in [
        "subject",
        "credit_record",
        "record_revision",
        "change_event",
        "audit_event",
    ] {
        let n = scalar(&conn, backend, &format!("SELECT COUNT(*) FROM {table}")).await?;
        eprintln!("    {table:<16} {n}");
    }
    if db.pg.is_some() {
        let commits = scalar(
            &conn,
            backend,
            "SELECT xact_commit::bigint FROM pg_stat_database WHERE datname = current_database()",
        )
        .await?;
        let fetched = scalar(
            &conn,
            backend,
            "SELECT tup_fetched::bigint FROM pg_stat_database WHERE datname = current_database()",
        )
        .await?;
        let inserted = scalar(
            &conn,
            backend,
            "SELECT tup_inserted::bigint FROM pg_stat_database WHERE datname = current_database()",
        )
        .await?;
        eprintln!(
            "  pg_stat_database: {commits} commits, {inserted} tuples inserted, {fetched} fetched ({:.1} inserted per record)",
            inserted as f64 / rows as f64
        );
    }
    conn.close().await?;
    Ok(())
}

async fn scalar(
    conn: &DatabaseConnection,
    backend: sea_orm::DatabaseBackend,
    sql: &str,
) -> Result<i64, BoxError> {
    let row = conn
        .query_one_raw(Statement::from_string(backend, sql.to_string()))
        .await?
        .ok_or("no row")?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

fn table(results: &[Measurement]) -> String {
    let mut s = String::from(
        "| path | backend | rows | seconds | records/s | note |\n|---|---|---:|---:|---:|---|\n",
    );
    for m in results {
        s.push_str(&format!(
            "| {} | {} | {} | {:.2} | {:.0} | {} |\n",
            m.path,
            m.backend,
            m.rows,
            m.seconds,
            m.rows as f64 / m.seconds.max(1e-9),
            m.note
        ));
    }
    s
}

fn append(doc: &Path, args: &Args, table: &str) -> Result<(), BoxError> {
    use std::io::Write;
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| format!("{:.1} GiB", kb as f64 / 1_048_576.0))
        .unwrap_or_else(|| "unknown".into());
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(doc)?;
    writeln!(
        f,
        "\n### Run of {} UTC\n\nMachine: {cpus} CPUs, {mem} memory. Command: `cargo run --release -p xinyong-bench --bin ingest -- --rows {} --per-subject {} --db {} --path {} --clients {}{}`.\n\n{table}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        args.rows,
        args.per_subject,
        format!("{:?}", args.db).to_lowercase(),
        format!("{:?}", args.path).to_lowercase(),
        args.clients,
        args.parallel
            .map(|n| format!(" --parallel {n}"))
            .unwrap_or_default()
    )?;
    Ok(())
}
