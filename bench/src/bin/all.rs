//! Every benchmark of Xinyong in one run, with the report in Markdown.
//!
//! ```text
//! cargo run --release -p xinyong-bench --bin all -- --preset small
//! ```
//!
//! 1. builds the release binaries, creates a PostgreSQL database
//!    (`xinyong_bench_all_<pid>`) and loads the preset's data set
//!    (`dataset`), timing each step;
//! 2. starts `xinyong serve` on it and drives each workload from tokio
//!    clients on the same machine at a fixed concurrency, then the
//!    consented query at a fixed rate (80% of the peak just measured):
//!    throughput, p50/p95/p99 and the server's peak RSS (`VmHWM`);
//! 3. in the same run, on the same data: `pgbench` running the consented
//!    query's statements in the same transaction shape (the database's
//!    ceiling), the bare axum + sqlx handler (`bare`), and PostGraphile
//!    (installed with npm into `bench/.peer/`, git-ignored) for the
//!    equivalent read (no consent check, no log write);
//! 4. the deadline finder over the open deadlines;
//! 5. prints the report and writes it to `bench/reports/`.
//!
//! The database is dropped at the end unless `--keep`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use xinyong::service::demo;
use xinyong_bench::dataset::{self, Preset, organisation};
use xinyong_bench::db::{BoxError, PgDb, scalar};
use xinyong_bench::load::{self, MakeReq, Req, Stats};
use xinyong_bench::proc::{self, Server, build_release, free_port, spawn_xinyong};

#[derive(Debug, Parser)]
#[command(
    name = "all",
    about = "Xinyong benchmarks: data set, workloads, ceiling, peers"
)]
struct Args {
    /// Data set size: tiny (2k subjects), small (10k), medium (100k), large (1M).
    #[arg(long, default_value = "small")]
    preset: String,
    /// Open case deadlines to load (default: one per subject), e.g.
    /// 1000000 to measure the sweep's finder over a million.
    #[arg(long)]
    deadlines: Option<u64>,
    /// Seconds per workload measurement.
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    /// Concurrent clients of the fixed-concurrency runs.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Use the release binaries in this folder instead of building them.
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Skip PostGraphile (e.g. without npm).
    #[arg(long)]
    no_peer: bool,
    /// Keep the database (its URL is printed).
    #[arg(long)]
    keep: bool,
    /// Where to write the report (default bench/reports/<preset>-<time>.md).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Profile the server with `perf record -g` during the consented query's
    /// fixed-concurrency run, writing perf's data to this file.
    #[arg(long)]
    perf: Option<PathBuf>,
}

/// One line of the workload table.
struct Row {
    workload: String,
    mode: String,
    stats: Stats,
    rss: Option<u64>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    xinyong_bench::main_with(run(args))
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

const CONSENTED_QUERY: &str = "query($id: String!) { agencySubject(identifier: $id, purpose: \"loan_application\", first: 20) { subject { name } consent { id } logged records { edges { node { id title decidedOn category { code } } } } } }";
const SEARCH_NAME: &str =
    "query($q: String!) { searchSubjects(query: $q, first: 10) { edges { node { id name } } } }";
const SEARCH_USCC: &str = "query($q: String!) { subjectByIdentifier(identifier: $q) { id name } }";
const PEER_QUERY: &str = "query($id: String!) { allSubjects(condition: {identifierPlain: $id}) { nodes { name creditRecordsBySubjectId(first: 20, orderBy: ID_DESC, condition: {status: \"active\"}) { nodes { id title decidedOn recordCategoryByCategoryId { code } } } } } }";

fn gql(url: &str, query: &str, vars: Value, bearer: Option<Arc<str>>) -> Req {
    Req {
        body: Some(Bytes::from(
            json!({ "query": query, "variables": vars }).to_string(),
        )),
        url: url.to_string(),
        bearer,
        cookie: None,
    }
}

async fn run(args: Args) -> Result<(), BoxError> {
    let mut preset = Preset::named(&args.preset).ok_or("--preset: tiny, small, medium or large")?;
    if let Some(n) = args.deadlines {
        preset = preset.with_deadlines(n);
    }
    let bins = match &args.bin_dir {
        Some(d) => d.clone(),
        None => build_release()?,
    };
    let xinyong_bin = bins.join("xinyong");
    let bare_bin = bins.join("bare");
    let started_at = chrono::Utc::now();
    let dur = Duration::from_secs(args.seconds);
    let conc = args.concurrency;

    let db = PgDb::create("all").await?;
    eprintln!("database {}", db.url);
    let work = tempfile::tempdir()?;
    let data = work.path().join("data");
    std::fs::create_dir_all(&data)?;
    let result = workloads(
        &args,
        preset,
        &db,
        &xinyong_bin,
        &bare_bin,
        work.path(),
        &data,
        dur,
        conc,
    )
    .await;
    if args.keep {
        eprintln!("kept {} (data folder {})", db.url, data.display());
        std::mem::forget(work);
    } else {
        db.drop().await?;
    }
    let report = result?;
    let report = format!(
        "## Run of {} UTC, preset {} ({} subjects)\n\n{}",
        started_at.format("%Y-%m-%d %H:%M"),
        preset.name,
        preset.subjects,
        report
    );
    println!("{report}");
    let out = match &args.out {
        Some(p) => p.clone(),
        None => {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
            std::fs::create_dir_all(&dir)?;
            dir.join(format!(
                "{}-{}.md",
                preset.name,
                started_at.format("%Y%m%dT%H%M")
            ))
        }
    };
    std::fs::write(&out, &report)?;
    eprintln!("report written to {}", out.display());
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn workloads(
    args: &Args,
    preset: Preset,
    db: &PgDb,
    xinyong_bin: &Path,
    bare_bin: &Path,
    work: &Path,
    data: &Path,
    dur: Duration,
    conc: usize,
) -> Result<String, BoxError> {
    let mut md = String::new();
    md.push_str(&machine());

    // 1. The data set.
    let loaded = dataset::load(xinyong_bin, &db.url, data, work, preset).await?;
    md.push_str("\n### Data set\n\n| step | rows | seconds | rows/s |\n|---|---:|---:|---:|\n");
    for s in &loaded.steps {
        md.push_str(&format!(
            "| {} | {} | {:.1} | {} |\n",
            s.what,
            s.rows,
            s.seconds,
            if s.rows > 0 {
                format!("{:.0}", s.rows as f64 / s.seconds.max(1e-9))
            } else {
                String::new()
            }
        ));
    }
    md.push_str("\nRows after loading: ");
    md.push_str(
        &loaded
            .counts
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    md.push_str(".\n");

    let orgs: Arc<Vec<String>> = Arc::new(
        (0..preset.organisations())
            .map(|k| organisation(k).0)
            .collect(),
    );
    let names: Arc<Vec<String>> = Arc::new(
        (0..preset.organisations().min(50_000))
            .map(|k| {
                // A partial name: the name without the city prefix, cut short.
                let n = organisation(k).1;
                n.chars().skip(2).take(4).collect()
            })
            .collect(),
    );

    // The deadline finder, before the server's sweep works the due ones off.
    let finder = deadline_finder(db).await;
    let due_at_start = {
        let conn = Database::connect(&db.url).await?;
        scalar(&conn, DUE_NOW).await?
    };
    let spawned = Instant::now();

    // 2. Xinyong.
    let mut server = spawn_xinyong(
        xinyong_bin,
        &db.url,
        data,
        &[
            (
                "XINYONG_RATE_LIMIT_ANONYMOUS",
                dataset::UNLIMITED_TIER.to_string(),
            ),
            (
                "XINYONG_RATE_LIMIT_ACCOUNT",
                dataset::UNLIMITED_TIER.to_string(),
            ),
        ],
    )?;
    server
        .wait_ready("/readyz", Duration::from_secs(60))
        .await?;
    // The job ticker runs once at start (archiving, sealing, and the
    // deadline sweep over the data set's due deadlines): let it finish, so
    // the workloads do not share the cores with it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let swept_in = sweep_backlog(db, spawned).await?;
    // PostgreSQL on these machines runs without autovacuum: the tables the
    // first tick wrote to (revisions and change events of the records it
    // archived, notices) would be planned with the load's statistics (a
    // parallel scan for a four-id look-up of revisions made `/me` 2.4 times
    // slower on the medium preset). A production server has autovacuum.
    let analyzed_in = analyze(db).await?;
    let token = agency_token(&server.base).await?;
    let gql_url = format!("{}/graphql", server.base);
    let bearer: Arc<str> = Arc::from(token.as_str());

    let consented: MakeReq = {
        let (orgs, url, bearer) = (orgs.clone(), gql_url.clone(), bearer.clone());
        Arc::new(move |i| {
            let id = &orgs[(mix(i) % orgs.len() as u64) as usize];
            gql(
                &url,
                CONSENTED_QUERY,
                json!({ "id": id }),
                Some(bearer.clone()),
            )
        })
    };
    // A check that the answer is right before measuring: records, logged.
    let probe = load::closed_loop(
        1,
        Duration::from_millis(300),
        consented.clone(),
        load::graphql_ok(),
    )
    .await;
    if probe.ok == 0 {
        return Err(format!("the consented query fails: {:?}", probe.first_error).into());
    }
    let sample = reqwest::Client::new()
        .post(&gql_url)
        .bearer_auth(&token)
        .json(&json!({ "query": CONSENTED_QUERY, "variables": { "id": orgs[1] } }))
        .send()
        .await?
        .text()
        .await?;
    if !sample.contains("\"logged\":true") {
        return Err(format!("the consented query was not logged: {sample}").into());
    }

    let mut rows = Vec::new();
    let measure = |name: &str, mode: String, stats: Stats, rss: Option<u64>| Row {
        workload: name.to_string(),
        mode,
        stats,
        rss,
    };
    let closed = format!("{conc} clients");

    // Warm-up (connections, caches), not reported.
    load::closed_loop(
        conc,
        Duration::from_secs(3),
        consented.clone(),
        load::graphql_ok(),
    )
    .await;
    proc::reset_peak_rss(server.pid());
    let profiler = match &args.perf {
        Some(out) => Some(proc::perf_record(server.pid(), out)?),
        None => None,
    };
    let s = load::closed_loop(conc, dur, consented.clone(), load::graphql_ok()).await;
    if let Some(p) = profiler {
        proc::perf_stop(p)?;
    }
    let peak = s.throughput();
    rows.push(measure(
        "consented query (Xinyong)",
        closed.clone(),
        s,
        server.peak_rss(),
    ));
    let consented_xinyong = peak;

    proc::reset_peak_rss(server.pid());
    let rate = (peak * 0.8).max(1.0);
    let s = load::open_loop(rate, dur, 512, consented.clone(), load::graphql_ok()).await;
    rows.push(measure(
        "consented query (Xinyong)",
        format!("fixed rate {rate:.0}/s (80% of peak)"),
        s,
        server.peak_rss(),
    ));

    let by_uscc: MakeReq = {
        let (orgs, url) = (orgs.clone(), gql_url.clone());
        Arc::new(move |i| {
            let id = &orgs[(mix(i ^ 77) % orgs.len() as u64) as usize];
            gql(&url, SEARCH_USCC, json!({ "q": id }), None)
        })
    };
    proc::reset_peak_rss(server.pid());
    let s = load::closed_loop(conc, dur, by_uscc, load::graphql_ok()).await;
    rows.push(measure(
        "public search by USCC",
        closed.clone(),
        s,
        server.peak_rss(),
    ));

    let by_name: MakeReq = {
        let (names, url) = (names.clone(), gql_url.clone());
        Arc::new(move |i| {
            let q = &names[(mix(i ^ 99) % names.len() as u64) as usize];
            gql(&url, SEARCH_NAME, json!({ "q": q }), None)
        })
    };
    proc::reset_peak_rss(server.pid());
    let s = load::closed_loop(conc, dur, by_name, load::graphql_ok()).await;
    rows.push(measure(
        "public search by name (partial)",
        closed.clone(),
        s,
        server.peak_rss(),
    ));

    let page: MakeReq = {
        let (orgs, base) = (orgs.clone(), server.base.clone());
        Arc::new(move |i| Req {
            body: None,
            url: format!(
                "{base}/subjects/{}",
                orgs[(mix(i ^ 5) % orgs.len() as u64) as usize]
            ),
            bearer: None,
            cookie: None,
        })
    };
    proc::reset_peak_rss(server.pid());
    let s = load::closed_loop(conc, dur, page, load::http_ok()).await;
    rows.push(measure(
        "portal: public subject page (SSR)",
        closed.clone(),
        s,
        server.peak_rss(),
    ));

    match portal_session(&server.base).await {
        Ok(cookie) => {
            let cookie: Arc<str> = Arc::from(cookie.as_str());
            let base = server.base.clone();
            let dash: MakeReq = Arc::new(move |_| Req {
                body: None,
                url: format!("{base}/me"),
                bearer: None,
                cookie: Some(cookie.clone()),
            });
            proc::reset_peak_rss(server.pid());
            let s = load::closed_loop(conc, dur, dash, load::http_ok()).await;
            rows.push(measure(
                "portal: subject dashboard /me (SSR, signed in)",
                closed.clone(),
                s,
                server.peak_rss(),
            ));
        }
        Err(e) => eprintln!("portal dashboard skipped: {e}"),
    }
    let server_peak_overall = server.peak_rss();
    server.stop();
    drop(server);

    // 3a. The bare handler.
    let port = free_port()?;
    let mut bare = Server {
        child: Command::new(bare_bin)
            .args(["--database-url", &db.url, "--data-dir"])
            .arg(data)
            .args([
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--connections",
                "16",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?,
        base: format!("http://127.0.0.1:{port}"),
        name: "bare handler",
    };
    bare.wait_ready("/healthz", Duration::from_secs(30)).await?;
    let bare_req: MakeReq = {
        let (orgs, base) = (orgs.clone(), bare.base.clone());
        Arc::new(move |i| Req {
            body: None,
            url: format!(
                "{base}/agency-subject?identifier={}",
                orgs[(mix(i) % orgs.len() as u64) as usize]
            ),
            bearer: None,
            cookie: None,
        })
    };
    load::closed_loop(
        conc,
        Duration::from_secs(3),
        bare_req.clone(),
        load::graphql_ok(),
    )
    .await;
    proc::reset_peak_rss(bare.pid());
    let s = load::closed_loop(conc, dur, bare_req, load::graphql_ok()).await;
    let consented_bare = s.throughput();
    rows.push(measure(
        "consented query (bare axum + sqlx)",
        closed.clone(),
        s,
        bare.peak_rss(),
    ));
    bare.stop();
    drop(bare);

    // 3b. The ceiling.
    let pgbench = run_pgbench(db, work, dur).await;
    let consented_pgbench = match &pgbench {
        Ok(tps) => Some(*tps),
        Err(e) => {
            eprintln!("pgbench failed: {e}");
            None
        }
    };

    // 3c. PostGraphile.
    let mut peer_tp = None;
    if !args.no_peer {
        match spawn_postgraphile(db).await {
            Ok(mut peer) => {
                let peer_req: MakeReq = {
                    let (orgs, url) = (orgs.clone(), format!("{}/graphql", peer.base));
                    Arc::new(move |i| {
                        let id = &orgs[(mix(i) % orgs.len() as u64) as usize];
                        gql(&url, PEER_QUERY, json!({ "id": id }), None)
                    })
                };
                let probe = load::closed_loop(
                    1,
                    Duration::from_millis(500),
                    peer_req.clone(),
                    load::graphql_ok(),
                )
                .await;
                if probe.ok == 0 {
                    eprintln!("PostGraphile query fails: {:?}", probe.first_error);
                } else {
                    load::closed_loop(
                        conc,
                        Duration::from_secs(3),
                        peer_req.clone(),
                        load::graphql_ok(),
                    )
                    .await;
                    proc::reset_peak_rss(peer.pid());
                    let s = load::closed_loop(conc, dur, peer_req, load::graphql_ok()).await;
                    peer_tp = Some(s.throughput());
                    rows.push(measure(
                        "equivalent read (PostGraphile 4, no consent, no log)",
                        closed.clone(),
                        s,
                        peer.peak_rss(),
                    ));
                }
                peer.stop();
            }
            Err(e) => eprintln!("PostGraphile skipped: {e}"),
        }
    }

    md.push_str("\n### Workloads\n\n");
    md.push_str(&format!(
        "Before the first workload the server's first job tick (archiving the records whose publication window has closed, then the sweep of the {due_at_start} deadlines the data set leaves due: reminders, timeline events) was done {swept_in:.1} s after the server was started; the workloads below ran without that backlog, after an `ANALYZE` ({analyzed_in:.1} s) of what that tick wrote (autovacuum is off on this PostgreSQL).\n\n",
    ));
    md.push_str(&format!(
        "Each measurement {} s after a 3 s warm-up; load generator (tokio, reqwest) on the same 2 cores.\n\n",
        dur.as_secs()
    ));
    md.push_str("| workload | load | req/s | p50 ms | p95 ms | p99 ms | errors | server peak RSS |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
    for r in &rows {
        md.push_str(&format!(
            "| {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {} |\n",
            r.workload,
            r.mode,
            r.stats.throughput(),
            r.stats.pct_ms(50.0),
            r.stats.pct_ms(95.0),
            r.stats.pct_ms(99.0),
            r.stats.errors,
            r.rss
                .map(|b| format!("{:.0} MB", b as f64 / 1_048_576.0))
                .unwrap_or_else(|| "–".into())
        ));
        if let Some(e) = &r.stats.first_error {
            md.push_str(&format!(
                "|  | first error: {} |||||||\n",
                e.replace('|', "/").chars().take(200).collect::<String>()
            ));
        }
    }
    if let Some(b) = server_peak_overall {
        md.push_str(&format!(
            "\nXinyong's peak RSS over the whole run: {:.0} MB.\n",
            b as f64 / 1_048_576.0
        ));
    }

    md.push_str("\n### Side by side (consented query)\n\n| compared with | its rate | Xinyong as a fraction | target |\n|---|---:|---:|---|\n");
    if let Some(tps) = consented_pgbench {
        md.push_str(&format!(
            "| pgbench, same statements and transaction (ceiling), 16 clients | {tps:.0} tx/s | {:.0}% | ≥ 50% |\n",
            100.0 * consented_xinyong / tps
        ));
    } else if let Err(e) = &pgbench {
        md.push_str(&format!("| pgbench | failed: {e} | | |\n"));
    }
    md.push_str(&format!(
        "| bare axum + sqlx handler, same statements | {consented_bare:.0} req/s | {:.0}% | ≥ 70% |\n",
        100.0 * consented_xinyong / consented_bare.max(1e-9)
    ));
    if let Some(p) = peer_tp {
        md.push_str(&format!(
            "| PostGraphile, equivalent read | {p:.0} req/s | {:.0}% | > 100% |\n",
            100.0 * consented_xinyong / p.max(1e-9)
        ));
    }
    md.push_str("\n### Deadline finder\n\n");
    match finder {
        Ok(s) => md.push_str(&s),
        Err(e) => md.push_str(&format!("failed: {e}\n")),
    }
    Ok(md)
}

fn machine() -> String {
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
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "Machine: {cpus} CPUs, {mem}; load average at start {}.\n",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    )
}

async fn agency_token(base: &str) -> Result<String, BoxError> {
    let v: Value = reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", demo::AGENCY_CLIENT_ID),
            ("client_secret", demo::AGENCY_CLIENT_SECRET),
            ("scope", "subjects:read records:read"),
        ])
        .send()
        .await?
        .json()
        .await?;
    Ok(v["access_token"]
        .as_str()
        .ok_or_else(|| format!("no access token: {v}"))?
        .to_string())
}

fn cookies_of(resp: &reqwest::Response) -> Vec<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next().map(str::to_string))
        .collect()
}

/// Signs the demo enterprise user in through the portal's form; returns
/// the `Cookie` header of the session.
async fn portal_session(base: &str) -> Result<String, BoxError> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let form = http.get(format!("{base}/sign-in")).send().await?;
    let mut jar = cookies_of(&form);
    let html = form.text().await?;
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .ok_or("no csrf field on /sign-in")?
        .to_string();
    let resp = http
        .post(format!("{base}/sign-in"))
        .header("cookie", jar.join("; "))
        .header("referer", format!("{base}/sign-in"))
        .form(&[
            ("email", demo::ENTERPRISE_USER_EMAIL),
            ("password", demo::DEMO_PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await?;
    let status = resp.status();
    let set = cookies_of(&resp);
    if set.is_empty() {
        return Err(format!("sign-in gave no session cookie (HTTP {status})").into());
    }
    jar.extend(set);
    let cookie = jar.join("; ");
    let me = http
        .get(format!("{base}/me"))
        .header("cookie", &cookie)
        .send()
        .await?;
    if !me.status().is_success() {
        return Err(format!("/me answered {} after sign-in", me.status()).into());
    }
    Ok(cookie)
}

/// The consented query's statements for pgbench (captured with
/// `log_statement = all`, see docs/performance.md). Differences, all
/// equivalent in cost: the subject is found by id (a unique index probe,
/// as by identifier hash), values are literals instead of parameters, and
/// the logged record ids are a fixed list.
fn pgbench_script(categories: &str, department: i64, period: &str) -> String {
    let subject_cols = r#""subject"."id", "subject"."kind", "subject"."name", "subject"."identifier_kind", "subject"."identifier_hash", "subject"."identifier_plain", "subject"."identifier_cipher", "subject"."identifier_masked", "subject"."legal_representative", "subject"."region_code", "subject"."contact_email", "subject"."status", "subject"."registered_on", "subject"."ended_on", "subject"."created_at", "subject"."updated_at", "subject"."version""#;
    let record_cols = r#""credit_record"."id", "credit_record"."subject_id", "credit_record"."category_id", "credit_record"."department_id", "credit_record"."source_ref", "credit_record"."title", "credit_record"."content", "credit_record"."legal_basis_type", "credit_record"."legal_basis_number", "credit_record"."legal_basis_issuer", "credit_record"."legal_basis_effective_on", "credit_record"."decided_on", "credit_record"."conduct_ended_on", "credit_record"."valid_until", "credit_record"."severity", "credit_record"."disclosure", "credit_record"."disclosure_start", "credit_record"."disclosure_end", "credit_record"."status", "credit_record"."status_reason", "credit_record"."payload_hash", "credit_record"."submitted_by_account_id", "credit_record"."submitted_by_client_id", "credit_record"."submitted_at", "credit_record"."late_submission", "credit_record"."derived_from_record_id", "credit_record"."version", "credit_record"."created_at", "credit_record"."updated_at""#;
    let usable = format!(
        r#""consent"."status" IN ('active', 'exhausted') AND "consent"."valid_until" > now() AND "consent"."valid_from" <= now() AND (("consent"."mode" = 'one_time' AND "consent"."uses" < 1) OR ("consent"."mode" = 'periodic' AND ("consent"."period_key" IS NULL OR "consent"."period_key" <> '{period}' OR "period_uses" < "monthly_cap")))"#
    );
    let window = r#""credit_record"."status" = 'active' AND "credit_record"."disclosure_start" <= current_date AND ("credit_record"."disclosure_end" IS NULL OR "credit_record"."disclosure_end" >= current_date) AND "credit_record"."subject_id" = :sid AND "credit_record"."disclosure" <> 'government'"#;
    format!(
        r#"\set sid random(:minsid, :maxsid)
SELECT "api_client"."id" AS "A_id", "api_client"."agency_id" AS "A_agency_id", "api_client"."department_id" AS "A_department_id", "api_client"."client_id" AS "A_client_id", "api_client"."secret_hash" AS "A_secret_hash", "api_client"."secret_hint" AS "A_secret_hint", "api_client"."name" AS "A_name", "api_client"."scopes" AS "A_scopes", "api_client"."rate_tier" AS "A_rate_tier", "api_client"."status" AS "A_status", "api_client"."created_at" AS "A_created_at", "api_client"."rotated_at" AS "A_rotated_at", "api_client"."revoked_at" AS "A_revoked_at", "api_client"."last_used_at" AS "A_last_used_at", "agency"."id" AS "B_id", "agency"."name" AS "B_name", "agency"."uscc" AS "B_uscc", "agency"."licence_number" AS "B_licence_number", "agency"."status" AS "B_status", "agency"."contact_email" AS "B_contact_email", "agency"."created_at" AS "B_created_at", "agency"."updated_at" AS "B_updated_at" FROM "api_client" LEFT JOIN "agency" ON "api_client"."agency_id" = "agency"."id" WHERE "api_client"."client_id" = 'demo-xincheng-credit' LIMIT 1;
BEGIN;
SELECT {subject_cols} FROM "subject" WHERE "subject"."id" = :sid LIMIT 1;
SELECT "consent"."id" AS cid, "consent"."subject_id", "consent"."agency_id", "consent"."purpose_code", "consent"."purpose_text", "consent"."scope_classes", "consent"."scope_categories", "consent"."mode", "consent"."monthly_cap", "consent"."valid_from", "consent"."valid_until", "consent"."status", "consent"."uses", "consent"."last_used_at", "consent"."requested_by", "consent"."granted_by_account_id", "consent"."granted_at", "consent"."revoked_at", "consent"."receipt", "consent"."receipt_signature", "consent"."created_at", "consent"."updated_at", "consent"."version", "consent"."period_key", "consent"."period_uses", "consent"."receipt_key_id" FROM "consent" WHERE "consent"."agency_id" = :aid AND "consent"."subject_id" = :sid AND "consent"."purpose_code" = 'loan_application' AND {usable} ORDER BY "consent"."id" ASC \gset c_
UPDATE "consent" SET "uses" = "uses" + 1, "period_uses" = (CASE WHEN ("period_key" = '{period}') THEN "period_uses" + 1 ELSE 1 END), "period_key" = '{period}', "last_used_at" = now() WHERE "consent"."id" = :c_cid AND "consent"."agency_id" = :aid AND {usable} RETURNING "id", "subject_id", "agency_id", "purpose_code", "purpose_text", "scope_classes", "scope_categories", "mode", "monthly_cap", "valid_from", "valid_until", "status", "uses", "last_used_at", "requested_by", "granted_by_account_id", "granted_at", "revoked_at", "receipt", "receipt_signature", "created_at", "updated_at", "version", "period_key", "period_uses", "receipt_key_id";
SELECT {record_cols} FROM "credit_record" WHERE {window} AND ("credit_record"."disclosure" = 'public' OR "credit_record"."category_id" = ANY('{{{categories}}}'::bigint[])) ORDER BY "credit_record"."id" DESC LIMIT 21;
SELECT "department"."id", "department"."code", "department"."name_zh", "department"."name_en", "department"."region_code", "department"."contact_email", "department"."may_register_subjects", "department"."created_at" FROM "department" WHERE "department"."id" IN ({department});
INSERT INTO "query_log" ("occurred_at", "subject_id", "actor_kind", "account_id", "api_client_id", "agency_id", "department_id", "consent_id", "purpose_code", "purpose_text", "channel", "record_ids", "request_id", "chain_seq", "prev_hash", "hash") VALUES (now(), :sid, 'agency_client', NULL, :cid, :aid, NULL, :c_cid, 'loan_application', NULL, 'api', '[11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]', 'pgbench', NULL, NULL, NULL);
SELECT "account_subject"."id", "account_subject"."account_id", "account_subject"."subject_id", "account_subject"."role", "account_subject"."bound_via", "account_subject"."bound_at", "account_subject"."verified_by_account_id", "account_subject"."revoked_at" FROM "account_subject" WHERE "account_subject"."subject_id" = :sid AND "account_subject"."revoked_at" IS NULL ORDER BY "account_subject"."id" ASC;
COMMIT;
"#
    )
}

/// pgbench over the consented query's transaction; returns transactions/s.
async fn run_pgbench(db: &PgDb, work: &Path, dur: Duration) -> Result<f64, BoxError> {
    let conn = Database::connect(&db.url).await?;
    let min = scalar(
        &conn,
        "SELECT min(id) FROM subject WHERE identifier_plain LIKE '%MB%'",
    )
    .await?;
    let max = scalar(
        &conn,
        "SELECT max(id) FROM subject WHERE identifier_plain LIKE '%MB%'",
    )
    .await?;
    let aid = scalar(
        &conn,
        &format!(
            "SELECT agency_id FROM api_client WHERE client_id = '{}'",
            demo::AGENCY_CLIENT_ID
        ),
    )
    .await?;
    let cid = scalar(
        &conn,
        &format!(
            "SELECT id FROM api_client WHERE client_id = '{}'",
            demo::AGENCY_CLIENT_ID
        ),
    )
    .await?;
    let dept = scalar(
        &conn,
        &format!(
            "SELECT id FROM department WHERE code = '{}'",
            demo::MARKET_DEPARTMENT_CODE
        ),
    )
    .await?;
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT id FROM record_category ORDER BY id".to_string(),
        ))
        .await?;
    let cats: Vec<String> = rows
        .iter()
        .filter_map(|r| r.try_get_by_index::<i64>(0).ok())
        .map(|i| i.to_string())
        .collect();
    conn.close().await?;
    let period = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m")
        .to_string();
    let script = work.join("consented.pgbench");
    std::fs::write(&script, pgbench_script(&cats.join(", "), dept, &period))?;
    let out = Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-c", "16", "-j", "2", "-T"])
        .arg(dur.as_secs().to_string())
        .args([
            "-D",
            &format!("minsid={min}"),
            "-D",
            &format!("maxsid={max}"),
        ])
        .args(["-D", &format!("aid={aid}"), "-D", &format!("cid={cid}")])
        .arg("-f")
        .arg(&script)
        .args(db.libpq_args())
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("pgbench: {}{}", text, String::from_utf8_lossy(&out.stderr)).into());
    }
    // A copy of the script next to the report, for the record.
    let _ = std::fs::copy(
        &script,
        Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/consented.pgbench"),
    );
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| format!("no tps in pgbench's output:\n{text}").into())
}

/// PostGraphile 4 from `bench/.peer/` (installed with npm on first use).
async fn spawn_postgraphile(db: &PgDb) -> Result<Server, BoxError> {
    let peer = Path::new(env!("CARGO_MANIFEST_DIR")).join(".peer");
    let cli = peer.join("node_modules/postgraphile/cli.js");
    if !cli.exists() {
        std::fs::create_dir_all(&peer)?;
        eprintln!(
            "installing PostGraphile 4 with npm into {} …",
            peer.display()
        );
        let st = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&peer)
            .arg("postgraphile@4")
            .status()?;
        if !st.success() {
            return Err("npm install postgraphile@4 failed".into());
        }
    }
    let port = free_port()?;
    let mut s = Server {
        child: Command::new("node")
            .arg(&cli)
            .args([
                "-c",
                &db.url,
                "--schema",
                "public",
                "--host",
                "127.0.0.1",
                "--port",
            ])
            .arg(port.to_string())
            .args(["--disable-query-log", "--max-pool-size", "16"])
            .env("NODE_ENV", "production")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
        base: format!("http://127.0.0.1:{port}"),
        name: "PostGraphile",
    };
    // Ready when it answers a GraphQL request.
    let http = reqwest::Client::new();
    let t = Instant::now();
    loop {
        if let Ok(r) = http
            .post(format!("{}/graphql", s.base))
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            && r.status().is_success()
        {
            break;
        }
        if t.elapsed() > Duration::from_secs(60) {
            s.stop();
            return Err("PostGraphile did not start in 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Ok(s)
}

const DUE_NOW: &str =
    "SELECT count(*) FROM deadline WHERE status = 'open' AND next_check_at <= now()";

/// Waits until the server's deadline sweep has worked off the deadlines
/// due now (the generator leaves two days of them due); returns the
/// seconds since `spawned` when none was left.
async fn sweep_backlog(db: &PgDb, spawned: Instant) -> Result<f64, BoxError> {
    let conn = Database::connect(&db.url).await?;
    loop {
        let due = scalar(&conn, DUE_NOW).await?;
        if due == 0 {
            return Ok(spawned.elapsed().as_secs_f64());
        }
        if spawned.elapsed() > Duration::from_secs(3600) {
            return Err(format!("the sweep left {due} due deadlines after an hour").into());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Brings the planner's statistics up to date; returns the seconds taken.
async fn analyze(db: &PgDb) -> Result<f64, BoxError> {
    let conn = Database::connect(&db.url).await?;
    let started = Instant::now();
    conn.execute_unprepared("ANALYZE").await?;
    Ok(started.elapsed().as_secs_f64())
}

/// The query each batch of the deadline sweep starts with
/// (`jobs::deadlines::sweep`): claim the next 200 open deadlines whose
/// `next_check_at` has come, oldest first, skipping rows another replica
/// holds, among all open deadlines.
async fn deadline_finder(db: &PgDb) -> Result<String, BoxError> {
    let conn = Database::connect(&db.url).await?;
    let open = scalar(&conn, "SELECT count(*) FROM deadline WHERE status = 'open'").await?;
    let due = scalar(&conn, DUE_NOW).await?;
    let sql = "SELECT id, case_kind, case_id, subject_id, milestone, due_on, due_at, next_check_at \
               FROM deadline WHERE status = 'open' AND next_check_at <= now() \
               ORDER BY next_check_at LIMIT 200 FOR UPDATE SKIP LOCKED";
    // The first run reads the index from disk; the median of 11 is what a
    // sweep every minute sees.
    let mut times = Vec::new();
    let mut claimed = 0;
    for _ in 0..11 {
        let t = Instant::now();
        let rows = conn
            .query_all_raw(sea_orm::Statement::from_string(
                conn.get_database_backend(),
                sql.to_string(),
            ))
            .await?;
        times.push(t.elapsed().as_secs_f64());
        claimed = rows.len();
    }
    let first = times[0];
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let plan = conn
        .query_all_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            format!("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}"),
        ))
        .await?;
    let plan: Vec<String> = plan
        .iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect();
    conn.close().await?;
    Ok(format!(
        "A batch of {claimed} claimed among {due} due now and {open} open deadlines in {:.2} ms \
         (median of 11; first, cold: {:.2} ms).\n\n```text\n{}\n```\n",
        median * 1000.0,
        first * 1000.0,
        plan.join("\n")
    ))
}
