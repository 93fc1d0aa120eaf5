//! Reliability under faults, against a PostgreSQL cluster of its own (so that
//! stopping the database disturbs nothing else on the machine):
//!
//! 1. **database restart under load**: API writers (`submitRecords`, 50
//!    records a call) and public readers run while PostgreSQL is stopped for
//!    a few seconds and started again; `/readyz` is polled every 100 ms.
//!    Checks: the server reported not-ready during the outage and ready
//!    again by itself; every record whose submission was answered success is
//!    in the database; no record lacks its change event (or a changed one its revision).
//! 2. **import interrupted by the database stopping**, and 3. **`kill -9`
//!    of `xinyong import`**: a 40,000-row import is cut mid-way; nothing
//!    half-written remains (every record has its change event),
//!    and running the import again completes it (accepted + unchanged = all
//!    rows, none rejected).
//! 4. **`kill -9` of the server during API ingestion**: writers run, the
//!    server is killed and started again; every acknowledged record is
//!    there, nothing is half-written.
//! 5. **`kill -9` of the server during the deadline sweep**: 20,000 overdue
//!    milestones; the server is killed a quarter of the way through its
//!    sweep and started again; each milestone is escalated exactly once
//!    (one case event, one notice per operator, one email per notice) and
//!    none is half-done.
//!
//! "No partial batch" is checked through the audit row each batch (an
//! import batch, a `submitRecords` call) writes in its transaction with
//! its accepted count: the records present must equal the sum of those
//! counts.
//!
//! ```text
//! cargo run --release -p xinyong-bench --bin faults
//! ```
//!
//! Needs the PostgreSQL server binaries (`/usr/lib/postgresql/<v>/bin`) and,
//! when run as root, the `postgres` system user to own the cluster. The
//! report goes to stdout and `bench/reports/faults-<time>.md`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use xinyong::service::demo;
use xinyong_bench::db::{BoxError, scalar};
use xinyong_bench::proc::{Server, build_release, free_port, spawn_xinyong};
use xinyong_bench::{SUBMIT_RECORDS, generate, graphql_record, write_csv};

/// A private PostgreSQL cluster in a temporary folder.
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    fn pg_bin() -> Result<PathBuf, BoxError> {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("pg_ctl").exists())
            .collect();
        versions.sort();
        versions
            .pop()
            .ok_or_else(|| "no PostgreSQL server binaries under /usr/lib/postgresql".into())
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), BoxError> {
        let exe = self.bin.join(tool);
        let out = if self.as_postgres {
            let mut line = format!("'{}'", exe.display());
            for a in args {
                line.push_str(&format!(" '{a}'"));
            }
            Command::new("su")
                .args(["postgres", "-c", &line])
                .output()?
        } else {
            Command::new(&exe).args(args).output()?
        };
        if !out.status.success() {
            return Err(format!(
                "{tool} {}: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(())
    }

    fn create() -> Result<Cluster, BoxError> {
        let bin = Self::pg_bin()?;
        let dir = std::env::temp_dir().join(format!("xinyong-faults-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        // PostgreSQL refuses to run as root: then the cluster belongs to `postgres`.
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        if as_postgres {
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()?;
        }
        let c = Cluster {
            bin,
            dir,
            port: free_port()?,
            as_postgres,
        };
        let data = c.dir.join("data");
        c.run(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
        )?;
        c.start()?;
        Ok(c)
    }

    fn start(&self) -> Result<(), BoxError> {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on",
            self.port,
            self.dir.display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.dir.join("data").to_string_lossy(),
                "-l",
                &self.dir.join("log").to_string_lossy(),
                "-o",
                &opts,
                "-w",
                "start",
            ],
        )
    }

    fn stop(&self) -> Result<(), BoxError> {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.dir.join("data").to_string_lossy(),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        )
    }

    fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn cli(bin: &Path, url: &str, data: &Path, args: &[&str]) -> Result<String, BoxError> {
    let out = Command::new(bin)
        .args(args)
        .env("XINYONG_DATABASE_URL", url)
        .env("XINYONG_DATA_DIR", data)
        .env("XINYONG_LOG", "warn")
        .env_remove("XINYONG_CONFIG")
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "xinyong {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn fresh_db(
    cluster: &Cluster,
    name: &str,
    bin: &Path,
    data: &Path,
) -> Result<String, BoxError> {
    let admin = Database::connect(cluster.url("postgres")).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    admin.close().await?;
    let url = cluster.url(name);
    cli(bin, &url, data, &["migrate"])?;
    cli(bin, &url, data, &["seed-demo"])?;
    let conn = Database::connect(&url).await?;
    conn.execute_unprepared("UPDATE api_client SET rate_tier = 'custom:1000000000:1000000000'")
        .await?;
    conn.close().await?;
    Ok(url)
}

/// Records without their change event, or changed without the revision of
/// their version (a creation writes none): a half-done write.
async fn half_done(url: &str) -> Result<(i64, i64, i64), BoxError> {
    let conn = Database::connect(url).await?;
    let records = scalar(&conn, "SELECT count(*) FROM credit_record").await?;
    // The harness's own records (API writers `F1-…`/`F2-…`, imports `BENCH-…`); the
    // demo data is seeded directly, without change events.
    let no_rev = scalar(&conn, "SELECT count(*) FROM credit_record r WHERE (r.source_ref LIKE 'F1-%' OR r.source_ref LIKE 'F2-%' OR r.source_ref LIKE 'BENCH-%') AND r.version > 1 AND NOT EXISTS (SELECT 1 FROM record_revision v WHERE v.record_id = r.id AND v.version = r.version)").await?;
    let no_event = scalar(&conn, "SELECT count(*) FROM credit_record r WHERE (r.source_ref LIKE 'F1-%' OR r.source_ref LIKE 'F2-%' OR r.source_ref LIKE 'BENCH-%') AND NOT EXISTS (SELECT 1 FROM change_event e WHERE e.record_id = r.id)").await?;
    conn.close().await?;
    Ok((records, no_rev, no_event))
}

/// A batch is whole when its records and its audit row (written in the same
/// transaction, with the batch's accepted count) are both there: the sum of
/// `accepted` over the committed batches must equal the records present.
/// Returns (records matching `refs_like`, sum of accepted over audit rows
/// whose request id matches `request_like`).
async fn batches_whole(
    url: &str,
    refs_like: &str,
    request_like: &str,
) -> Result<(i64, i64), BoxError> {
    let conn = Database::connect(url).await?;
    let records = scalar(
        &conn,
        &format!("SELECT count(*) FROM credit_record WHERE source_ref LIKE '{refs_like}'"),
    )
    .await?;
    let accepted = scalar(
        &conn,
        &format!(
            "SELECT COALESCE(SUM((detail->>'accepted')::bigint), 0)::bigint FROM audit_event \
             WHERE action = 'records.submit' AND request_id LIKE '{request_like}'"
        ),
    )
    .await?;
    conn.close().await?;
    Ok((records, accepted))
}

async fn department_token(base: &str) -> Result<String, BoxError> {
    let v: Value = reqwest::Client::new()
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
    Ok(v["access_token"].as_str().ok_or("no token")?.to_string())
}

/// What the writers saw.
#[derive(Default)]
struct Writes {
    acknowledged: HashSet<String>,
    ok_calls: u64,
    failed_calls: u64,
}

/// API writers: each call submits 50 new records; acknowledged source refs
/// are kept. Runs until `stop` is set.
fn spawn_writers(
    base: String,
    token: Arc<Mutex<String>>,
    run: u32,
    writers: usize,
    stop: Arc<std::sync::atomic::AtomicBool>,
    writes: Arc<Mutex<Writes>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..writers)
        .map(|w| {
            let (base, token, stop, writes) = (base.clone(), token.clone(), stop.clone(), writes.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap_or_default();
                let mut batch = 0u32;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    // Distinct subjects and refs per writer and batch.
                    let records = generate(50, 5, run * 1000 + w as u32 * 100 + batch % 100);
                    let recs: Vec<Value> = records
                        .iter()
                        .map(|r| {
                            let mut g = graphql_record(r);
                            g["sourceRef"] = json!(format!("F{run}-{w}-{batch}-{}", r.source_ref));
                            g
                        })
                        .collect();
                    let refs: Vec<String> = recs.iter().filter_map(|g| g["sourceRef"].as_str().map(str::to_string)).collect();
                    batch += 1;
                    let t = token.lock().map(|t| t.clone()).unwrap_or_default();
                    let body = json!({ "query": SUBMIT_RECORDS, "variables": { "input": { "records": recs } } });
                    let res = http
                        .post(format!("{base}/graphql"))
                        .bearer_auth(&t)
                        .json(&body)
                        .send()
                        .await;
                    let ok = match res {
                        Ok(r) if r.status().is_success() => match r.json::<Value>().await {
                            Ok(v) => v["data"]["submitRecords"]["accepted"].as_u64() == Some(50),
                            Err(_) => false,
                        },
                        _ => false,
                    };
                    if let Ok(mut w) = writes.lock() {
                        if ok {
                            w.ok_calls += 1;
                            w.acknowledged.extend(refs);
                        } else {
                            w.failed_calls += 1;
                        }
                    }
                    if !ok {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            })
        })
        .collect()
}

async fn acknowledged_present(url: &str, refs: &HashSet<String>) -> Result<usize, BoxError> {
    let conn = Database::connect(url).await?;
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT source_ref FROM credit_record WHERE source_ref LIKE 'F%'".to_string(),
        ))
        .await?;
    let present: HashSet<String> = rows
        .iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect();
    conn.close().await?;
    Ok(refs.iter().filter(|r| present.contains(*r)).count())
}

/// Polls `/readyz` every 100 ms; returns (elapsed, ready) samples.
fn spawn_ready_poller(
    base: String,
    t0: Instant,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<Vec<(f64, bool)>> {
    tokio::spawn(async move {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap_or_default();
        let mut samples = Vec::new();
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let ready = matches!(
                http.get(format!("{base}/readyz")).send().await,
                Ok(r) if r.status().is_success()
            );
            samples.push((t0.elapsed().as_secs_f64(), ready));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        samples
    })
}

async fn scenario_restart(
    cluster: &Cluster,
    bin: &Path,
    md: &mut String,
) -> Result<bool, BoxError> {
    eprintln!("1. database restart under load …");
    let data = tempfile::tempdir()?;
    let url = fresh_db(cluster, "faults_restart", bin, data.path()).await?;
    let mut server = spawn_xinyong(bin, &url, data.path(), &[])?;
    server
        .wait_ready("/readyz", Duration::from_secs(60))
        .await?;
    let token = Arc::new(Mutex::new(department_token(&server.base).await?));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writes = Arc::new(Mutex::new(Writes::default()));
    let t0 = Instant::now();
    let poller = spawn_ready_poller(server.base.clone(), t0, stop.clone());
    let tasks = spawn_writers(
        server.base.clone(),
        token,
        1,
        4,
        stop.clone(),
        writes.clone(),
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    let down_at = t0.elapsed().as_secs_f64();
    cluster.stop()?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    cluster.start()?;
    let up_at = t0.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(10)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let samples = poller.await.unwrap_or_default();
    server.stop();
    let not_ready_seen = samples
        .iter()
        .any(|(t, r)| *t > down_at && *t < up_at && !r);
    let recovered = samples
        .iter()
        .find(|(t, r)| *t >= up_at && *r)
        .map(|(t, _)| t - up_at);
    let (acked, ok_calls, failed_calls) = {
        let w = writes.lock().map_err(|_| "lock")?;
        (w.acknowledged.clone(), w.ok_calls, w.failed_calls)
    };
    let present = acknowledged_present(&url, &acked).await?;
    let (records, no_rev, no_event) = half_done(&url).await?;
    // Every submitRecords call is one transaction with one audit row.
    let (written, in_whole_calls) = batches_whole(&url, "F1-%", "%").await?;
    // Answered within seconds of the database's return.
    let pass = not_ready_seen
        && recovered.is_some_and(|s| s <= 10.0)
        && present == acked.len()
        && written == in_whole_calls
        && no_rev == 0
        && no_event == 0;
    md.push_str(&format!(
        "| database stopped {:.1} s → {:.1} s under API writes | /readyz not-ready during the outage: {}; ready again {} after PostgreSQL started; calls ok {ok_calls}, failed {failed_calls}; acknowledged records present {present} of {}; records written {written} = accepted in whole calls {in_whole_calls}; records {records}, versions without revision {no_rev}, without change event {no_event} | {} |\n",
        down_at,
        up_at,
        if not_ready_seen { "yes" } else { "NO" },
        recovered.map(|s| format!("{:.1} s", s)).unwrap_or_else(|| "NEVER".into()),
        acked.len(),
        if pass { "pass" } else { "FAIL" }
    ));
    Ok(pass)
}

async fn scenario_import_cut(
    cluster: &Cluster,
    bin: &Path,
    md: &mut String,
    kill: bool,
) -> Result<bool, BoxError> {
    let what = if kill {
        "kill -9 of `xinyong import`"
    } else {
        "database stopped during `xinyong import`"
    };
    eprintln!("{what} …");
    let data = tempfile::tempdir()?;
    let name = if kill {
        "faults_kill_import"
    } else {
        "faults_stop_import"
    };
    let url = fresh_db(cluster, name, bin, data.path()).await?;
    let rows = 40_000;
    let csv = data.path().join("records.csv");
    write_csv(&csv, &generate(rows, 4, if kill { 31 } else { 32 }))?;
    let mut child = Command::new(bin)
        .args(["import", "--department", demo::MARKET_DEPARTMENT_CODE])
        .arg(&csv)
        .env("XINYONG_DATABASE_URL", &url)
        .env("XINYONG_DATA_DIR", data.path())
        .env("XINYONG_LOG", "warn")
        .env_remove("XINYONG_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    // Cut once some batches are in.
    let t = Instant::now();
    loop {
        let conn = Database::connect(&url).await?;
        let n = scalar(
            &conn,
            "SELECT count(*) FROM credit_record WHERE source_ref LIKE 'BENCH-%'",
        )
        .await?;
        conn.close().await?;
        if n >= 5_000 || t.elapsed() > Duration::from_secs(60) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if kill {
        child.kill()?;
    } else {
        cluster.stop()?;
    }
    let status = child.wait()?;
    if !kill {
        cluster.start()?;
    }
    let (records_cut, no_rev, no_event) = half_done(&url).await?;
    // No partial batch: what the cut import left equals the sum of the
    // batches whose transaction (records + audit row) committed.
    let (left, in_whole_batches) = batches_whole(&url, "BENCH-%", "import-%").await?;
    let again = cli(
        bin,
        &url,
        data.path(),
        &[
            "import",
            "--department",
            demo::MARKET_DEPARTMENT_CODE,
            &csv.to_string_lossy(),
        ],
    )?;
    let get = |k: &str| {
        again
            .lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{k}:")))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (accepted, unchanged, rejected) = (get("accepted"), get("unchanged"), get("rejected"));
    let (records_after, no_rev2, no_event2) = half_done(&url).await?;
    let pass = no_rev == 0
        && no_event == 0
        && left == in_whole_batches
        && rejected == 0
        && accepted + unchanged == rows as u64
        && no_rev2 == 0
        && no_event2 == 0;
    md.push_str(&format!(
        "| {what} (40,000 rows) | import exited with {status} after {records_cut} records in (the demo's included); imported rows left {left} = accepted in committed batches {in_whole_batches} (no partial batch); versions without revision {no_rev}, without change event {no_event}; re-run: accepted {accepted} + unchanged {unchanged} = {}, rejected {rejected}; records after {records_after} | {} |\n",
        accepted + unchanged,
        if pass { "pass" } else { "FAIL" }
    ));
    Ok(pass)
}

async fn scenario_kill_server(
    cluster: &Cluster,
    bin: &Path,
    md: &mut String,
) -> Result<bool, BoxError> {
    eprintln!("4. kill -9 of the server during API ingestion …");
    let data = tempfile::tempdir()?;
    let url = fresh_db(cluster, "faults_kill_server", bin, data.path()).await?;
    let mut server: Server = spawn_xinyong(bin, &url, data.path(), &[])?;
    server
        .wait_ready("/readyz", Duration::from_secs(60))
        .await?;
    let token = Arc::new(Mutex::new(department_token(&server.base).await?));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writes = Arc::new(Mutex::new(Writes::default()));
    let tasks = spawn_writers(
        server.base.clone(),
        token,
        2,
        4,
        stop.clone(),
        writes.clone(),
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    server.child.kill()?;
    let _ = server.child.wait();
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    // Restart on the same database: the server comes up on its own data.
    let mut again = spawn_xinyong(bin, &url, data.path(), &[])?;
    again.wait_ready("/readyz", Duration::from_secs(60)).await?;
    again.stop();
    let acked = writes.lock().map_err(|_| "lock")?.acknowledged.clone();
    let present = acknowledged_present(&url, &acked).await?;
    let (records, no_rev, no_event) = half_done(&url).await?;
    let (written, in_whole_calls) = batches_whole(&url, "F2-%", "%").await?;
    let pass = present == acked.len() && written == in_whole_calls && no_rev == 0 && no_event == 0;
    md.push_str(&format!(
        "| kill -9 of `xinyong serve` during API writes | acknowledged records present {present} of {}; records written {written} = accepted in whole calls {in_whole_calls}; records {records}, versions without revision {no_rev}, without change event {no_event}; restarted and ready | {} |\n",
        acked.len(),
        if pass { "pass" } else { "FAIL" }
    ));
    Ok(pass)
}

/// Scenario 5, `kill -9` of the server during the deadline sweep: 20,000 overdue
/// milestones (of cases that no longer exist, so each escalates to the
/// operators) are swept when the server starts; it is killed once a
/// quarter are done, started again, and left to finish. Checked: every
/// milestone escalated exactly once (one `escalated` case event, one notice
/// per operator, one email per notice), none half-done (escalated without
/// its notice or event, or the reverse), every email written once.
async fn scenario_kill_sweep(
    cluster: &Cluster,
    bin: &Path,
    md: &mut String,
) -> Result<bool, BoxError> {
    eprintln!("5. kill -9 of the server during the deadline sweep …");
    let data = tempfile::tempdir()?;
    let url = fresh_db(cluster, "faults_kill_sweep", bin, data.path()).await?;
    let n: i64 = 20_000;
    let conn = Database::connect(&url).await?;
    conn.execute_unprepared(&format!(
        "INSERT INTO deadline (case_kind, case_id, subject_id, milestone, due_on, due_at, \
         rule_id, rule_source, provisional, status, created_at, next_check_at) \
         SELECT 'objection', 900000000 + g, (SELECT min(id) FROM subject), 'first_check', \
         DATE '2026-01-05', TIMESTAMPTZ '2026-01-05 16:00:00+00', 'objection.first_check', \
         'faults harness', false, 'open', now(), TIMESTAMPTZ '2026-01-06 16:00:00+00' \
         FROM generate_series(1, {n}) g"
    ))
    .await?;
    let operators = scalar(
        &conn,
        "SELECT count(*) FROM account WHERE role = 'operator' AND status = 'active'",
    )
    .await?;
    let escalated_sql =
        "SELECT count(*) FROM deadline WHERE case_id > 900000000 AND escalated_at IS NOT NULL";
    let mut server = spawn_xinyong(bin, &url, data.path(), &[])?;
    let t = Instant::now();
    let at_kill = loop {
        let c = scalar(&conn, escalated_sql).await?;
        if c >= n / 4 || t.elapsed() > Duration::from_secs(120) {
            break c;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    server.child.kill()?;
    let _ = server.child.wait();
    let after_kill = scalar(&conn, escalated_sql).await?;
    // Started again: the first tick sweeps what is left.
    let mut again = spawn_xinyong(bin, &url, data.path(), &[])?;
    again.wait_ready("/readyz", Duration::from_secs(60)).await?;
    let t = Instant::now();
    let done = loop {
        let c = scalar(&conn, escalated_sql).await?;
        let pending = scalar(
            &conn,
            "SELECT count(*) FROM outbox_email WHERE status IN ('pending', 'sending')",
        )
        .await?;
        if (c >= n && pending == 0) || t.elapsed() > Duration::from_secs(600) {
            break c;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    again.stop();
    let events = scalar(
        &conn,
        "SELECT count(*) FROM case_event WHERE case_id > 900000000 AND event = 'escalated'",
    )
    .await?;
    let twice = scalar(
        &conn,
        "SELECT count(*) FROM (SELECT case_id FROM case_event WHERE case_id > 900000000 \
         AND event = 'escalated' GROUP BY case_id HAVING count(*) > 1) d",
    )
    .await?;
    let notices = scalar(
        &conn,
        "SELECT count(*) FROM notice WHERE dedupe_key LIKE 'deadline:%:overdue%'",
    )
    .await?;
    // Escalated without its notice, or noticed without being escalated
    // (a range on the unique dedupe key, so the index answers it).
    let half = scalar(
        &conn,
        "SELECT count(*) FROM deadline d WHERE d.case_id > 900000000 AND \
         (d.escalated_at IS NOT NULL) <> EXISTS (SELECT 1 FROM notice n \
          WHERE n.dedupe_key >= 'deadline:' || d.id || ':overdue:' \
          AND n.dedupe_key < 'deadline:' || d.id || ':overdue;')",
    )
    .await?;
    let emails = scalar(
        &conn,
        "SELECT count(*) FROM outbox_email e JOIN notice n ON n.id = e.notice_id \
         WHERE n.dedupe_key LIKE 'deadline:%:overdue%'",
    )
    .await?;
    let sent = scalar(
        &conn,
        "SELECT count(*) FROM outbox_email e JOIN notice n ON n.id = e.notice_id \
         WHERE n.dedupe_key LIKE 'deadline:%:overdue%' AND e.status = 'sent'",
    )
    .await?;
    let emails_per_notice_max = scalar(
        &conn,
        "SELECT COALESCE(MAX(c), 0)::bigint FROM (SELECT count(*) AS c FROM outbox_email \
         WHERE notice_id IS NOT NULL GROUP BY notice_id) d",
    )
    .await?;
    conn.close().await?;
    let eml = std::fs::read_dir(data.path().join("mail"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .count()
        })
        .unwrap_or(0);
    let pass = at_kill < n
        && done == n
        && events == n
        && twice == 0
        && half == 0
        && notices == n * operators
        && emails_per_notice_max <= 1
        && sent == emails;
    md.push_str(&format!(
        "| kill -9 of `xinyong serve` during the deadline sweep ({n} overdue milestones, {operators} operator(s)) | killed with {after_kill} escalated; after the restart {done} escalated, `escalated` events {events} (twice: {twice}), half-done {half}; notices {notices} (= milestones × operators); emails {emails}, sent {sent}, most emails for one notice {emails_per_notice_max}; .eml files written {eml} | {} |\n",
        if pass { "pass" } else { "FAIL" }
    ));
    Ok(pass)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn run() -> Result<bool, BoxError> {
    let bins = match std::env::args().nth(1).as_deref() {
        Some("--bin-dir") => PathBuf::from(std::env::args().nth(2).ok_or("--bin-dir DIR")?),
        _ => build_release()?,
    };
    let bin = bins.join("xinyong");
    let started = chrono::Utc::now();
    let cluster = Cluster::create()?;
    eprintln!("private PostgreSQL cluster on port {}", cluster.port);
    let mut md = format!(
        "## Fault run of {} UTC\n\n| scenario | observed | result |\n|---|---|---|\n",
        started.format("%Y-%m-%d %H:%M")
    );
    let mut all = true;
    all &= scenario_restart(&cluster, &bin, &mut md).await?;
    all &= scenario_import_cut(&cluster, &bin, &mut md, false).await?;
    all &= scenario_import_cut(&cluster, &bin, &mut md, true).await?;
    all &= scenario_kill_server(&cluster, &bin, &mut md).await?;
    all &= scenario_kill_sweep(&cluster, &bin, &mut md).await?;
    drop(cluster);
    println!("{md}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    std::fs::create_dir_all(&dir)?;
    let out = dir.join(format!("faults-{}.md", started.format("%Y%m%dT%H%M")));
    std::fs::write(&out, &md)?;
    eprintln!("report written to {}", out.display());
    Ok(all)
}
