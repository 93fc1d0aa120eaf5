//! Soak: mixed load on one `xinyong serve` for a long run (10 minutes by
//! default), reporting errors and the server's memory every 10 seconds.
//!
//! The database is the benchmark's `tiny` data set (2,000 subjects, their
//! records and consents) on the local PostgreSQL server. Each 10-second
//! window sends, at fixed rates (open loop, so a slow server cannot lower
//! the load it gets):
//!
//! - agency consented queries (`agencySubject`, records, query log written),
//! - public searches by name and by USCC (anonymous),
//! - department `submitRecords` calls of 20 new records each,
//! - portal pages (server-rendered, anonymous) and `/readyz`,
//!
//! and fetches new client-credential tokens before each window.
//!
//! After each window the server's resident memory (`VmRSS`) is sampled.
//! Success means: no request failed (any non-2xx, any GraphQL error, any
//! submission not accepted whole), every acknowledged record is in the
//! database, and memory is flat (the last third of the run is not more than
//! 10 % above the second sixth, once caches and pools have warmed up).
//!
//! ```text
//! cargo build --release -p api -p xinyong-bench --bins
//! target/release/soak --bin-dir target/release [--minutes 10] [--scale 1.0]
//! ```
//!
//! The report goes to stdout and `bench/reports/soak-<time>.md`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use xinyong::service::demo;
use xinyong_bench::dataset::{self, Preset, organisation};
use xinyong_bench::db::{BoxError, PgDb, scalar};
use xinyong_bench::load::{self, Check, MakeReq, Req, Stats};
use xinyong_bench::proc::{build_release, spawn_xinyong};
use xinyong_bench::{SUBMIT_RECORDS, generate, graphql_record};

#[derive(Debug, Parser)]
#[command(
    name = "soak",
    about = "Xinyong soak: mixed load, errors and memory over time"
)]
struct Args {
    /// Length of the run in minutes.
    #[arg(long, default_value_t = 10)]
    minutes: u64,
    /// Multiplies every rate (1.0: 144 requests/s in all).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Use the release binaries in this folder instead of building them.
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Where to write the report (default bench/reports/soak-<time>.md).
    #[arg(long)]
    out: Option<PathBuf>,
}

const WINDOW: Duration = Duration::from_secs(10);
const RECORDS_PER_CALL: usize = 20;

const CONSENTED_QUERY: &str = "query($id: String!) { agencySubject(identifier: $id, purpose: \"loan_application\", first: 20) { subject { name } consent { id } logged records { edges { node { id title decidedOn category { code } } } } } }";
const SEARCH_NAME: &str =
    "query($q: String!) { searchSubjects(query: $q, first: 10) { edges { node { id name } } } }";
const SEARCH_USCC: &str = "query($q: String!) { subjectByIdentifier(identifier: $q) { id name } }";

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match rt.block_on(run(args)) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

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

/// Resident memory of a process now (`VmRSS`), in bytes.
fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

async fn token(base: &str, id: &str, secret: &str, scope: &str) -> Result<String, BoxError> {
    let v: Value = reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", scope),
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

/// A bearer token the request makers read and the window loop replaces.
#[derive(Clone, Default)]
struct Bearer(Arc<std::sync::RwLock<Arc<str>>>);

impl Bearer {
    fn get(&self) -> Arc<str> {
        self.0
            .read()
            .map(|t| t.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    fn set(&self, t: String) {
        if let Ok(mut g) = self.0.write() {
            *g = Arc::from(t.as_str());
        }
    }
}

async fn refresh(base: &str, agency: &Bearer, department: &Bearer) -> Result<(), BoxError> {
    agency.set(
        token(
            base,
            demo::AGENCY_CLIENT_ID,
            demo::AGENCY_CLIENT_SECRET,
            "subjects:read records:read",
        )
        .await?,
    );
    department.set(
        token(
            base,
            demo::DEPARTMENT_CLIENT_ID,
            demo::DEPARTMENT_CLIENT_SECRET,
            "records:write",
        )
        .await?,
    );
    Ok(())
}

/// One workload of the mix.
struct Kind {
    name: &'static str,
    rate: f64,
    make: MakeReq,
    check: Check,
}

/// One 10-second window.
struct Sample {
    at_s: f64,
    rss: u64,
    per_kind: Vec<Stats>,
}

async fn run(args: Args) -> Result<bool, BoxError> {
    let bins = match &args.bin_dir {
        Some(d) => d.clone(),
        None => build_release()?,
    };
    let bin = bins.join("xinyong");
    let started_at = chrono::Utc::now();
    let db = PgDb::create("soak").await?;
    eprintln!("database {}", db.url);
    let work = tempfile::tempdir()?;
    let data = work.path().join("data");
    std::fs::create_dir_all(&data)?;
    let result = soak(&args, &bin, &db.url, work.path(), &data).await;
    db.drop().await?;
    let (report, pass) = result?;
    let report = format!(
        "## Soak of {} UTC, {} minutes\n\n{report}",
        started_at.format("%Y-%m-%d %H:%M"),
        args.minutes
    );
    println!("{report}");
    let out = match &args.out {
        Some(p) => p.clone(),
        None => {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
            std::fs::create_dir_all(&dir)?;
            dir.join(format!("soak-{}.md", started_at.format("%Y%m%dT%H%M")))
        }
    };
    std::fs::write(&out, &report)?;
    eprintln!("report written to {}", out.display());
    Ok(pass)
}

async fn soak(
    args: &Args,
    bin: &Path,
    url: &str,
    work: &Path,
    data: &Path,
) -> Result<(String, bool), BoxError> {
    let preset = Preset::named("tiny").ok_or("preset")?;
    dataset::load(bin, url, data, work, preset).await?;
    let conn = Database::connect(url).await?;
    conn.execute_unprepared(&format!(
        "UPDATE api_client SET rate_tier = '{}'",
        dataset::UNLIMITED_TIER
    ))
    .await?;
    let mut server = spawn_xinyong(
        bin,
        url,
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
    let base = server.base.clone();
    let gql_url = format!("{base}/graphql");
    // Tokens are fetched again before every window (so the run never
    // outlives one, and the token endpoint is part of the mix).
    let agency = Bearer::default();
    let department = Bearer::default();
    refresh(&base, &agency, &department).await?;
    let orgs: Arc<Vec<(String, String)>> =
        Arc::new((0..preset.organisations()).map(organisation).collect());
    let acknowledged = Arc::new(AtomicU64::new(0));

    let consented: MakeReq = {
        let (orgs, url, bearer) = (orgs.clone(), gql_url.clone(), agency.clone());
        Arc::new(move |i| {
            let (id, _) = &orgs[(mix(i) % orgs.len() as u64) as usize];
            gql(
                &url,
                CONSENTED_QUERY,
                json!({ "id": id }),
                Some(bearer.get()),
            )
        })
    };
    let search: MakeReq = {
        let (orgs, url) = (orgs.clone(), gql_url.clone());
        Arc::new(move |i| {
            let (id, name) = &orgs[(mix(i ^ 0xABCD) % orgs.len() as u64) as usize];
            if i % 2 == 0 {
                let part: String = name.chars().skip(2).take(4).collect();
                gql(&url, SEARCH_NAME, json!({ "q": part }), None)
            } else {
                gql(&url, SEARCH_USCC, json!({ "q": id }), None)
            }
        })
    };
    // Calls are numbered across windows so every record is new.
    let calls = Arc::new(AtomicU64::new(0));
    let submit: MakeReq = {
        let (url, bearer, calls) = (gql_url.clone(), department.clone(), calls.clone());
        Arc::new(move |_| {
            let call = calls.fetch_add(1, Ordering::Relaxed);
            let records: Vec<Value> = generate(RECORDS_PER_CALL, 5, 700 + (call % 500) as u32)
                .iter()
                .map(|r| {
                    let mut g = graphql_record(r);
                    g["sourceRef"] = json!(format!("SOAK-{call}-{}", r.source_ref));
                    g
                })
                .collect();
            gql(
                &url,
                SUBMIT_RECORDS,
                json!({ "input": { "records": records } }),
                Some(bearer.get()),
            )
        })
    };
    let submitted: Check = {
        let acknowledged = acknowledged.clone();
        Arc::new(move |status, body| {
            let ok = status == 200
                && serde_json::from_slice::<Value>(body).is_ok_and(|v| {
                    v["errors"].is_null()
                        && v["data"]["submitRecords"]["accepted"].as_u64()
                            == Some(RECORDS_PER_CALL as u64)
                });
            if ok {
                acknowledged.fetch_add(RECORDS_PER_CALL as u64, Ordering::Relaxed);
            }
            ok
        })
    };
    let portal: MakeReq = {
        let base = base.clone();
        Arc::new(move |i| Req {
            body: None,
            url: if i % 3 == 0 {
                format!("{base}/readyz")
            } else {
                format!("{base}/")
            },
            bearer: None,
            cookie: None,
        })
    };
    let s = args.scale.max(0.01);
    let kinds = [
        Kind {
            name: "agency consented query",
            rate: 80.0 * s,
            make: consented,
            check: load::graphql_ok(),
        },
        Kind {
            name: "public search (name, USCC)",
            rate: 40.0 * s,
            make: search,
            check: load::graphql_ok(),
        },
        Kind {
            name: "submitRecords (20 records)",
            rate: 4.0 * s,
            make: submit,
            check: submitted,
        },
        Kind {
            name: "portal page / readyz",
            rate: 20.0 * s,
            make: portal,
            check: load::http_ok(),
        },
    ];

    let windows = (args.minutes * 60).div_ceil(WINDOW.as_secs()).max(1);
    let t0 = Instant::now();
    let mut samples = Vec::new();
    eprintln!("soak: {windows} windows of {} s", WINDOW.as_secs());
    let mut token_errors = 0u64;
    for w in 0..windows {
        if let Err(e) = refresh(&base, &agency, &department).await {
            token_errors += 1;
            eprintln!("    window {w}: token request failed: {e}");
        }
        let runs = kinds
            .iter()
            .map(|k| load::open_loop(k.rate, WINDOW, 64, k.make.clone(), k.check.clone()));
        let per_kind = futures::future::join_all(runs).await;
        let sample = Sample {
            at_s: t0.elapsed().as_secs_f64(),
            rss: rss(server.pid()).unwrap_or(0),
            per_kind,
        };
        let errors: u64 = sample.per_kind.iter().map(|k| k.errors).sum();
        let ok: u64 = sample.per_kind.iter().map(|k| k.ok).sum();
        eprintln!(
            "  {:>4.0} s  RSS {:>6.1} MB  ok {ok}  errors {errors}",
            sample.at_s,
            sample.rss as f64 / 1e6
        );
        if errors > 0 {
            for (k, st) in kinds.iter().zip(&sample.per_kind) {
                if let Some(e) = &st.first_error {
                    eprintln!("    window {w}, {}: {e}", k.name);
                }
            }
        }
        samples.push(sample);
    }
    if let Ok(Some(status)) = server.child.try_wait() {
        return Err(format!("the server exited during the soak ({status})").into());
    }
    let final_rss = rss(server.pid()).unwrap_or(0);
    server.stop();

    let present = scalar(
        &conn,
        "SELECT count(*) FROM credit_record WHERE source_ref LIKE 'SOAK-%'",
    )
    .await?;
    conn.close().await?;
    let acked = acknowledged.load(Ordering::Relaxed) as i64;
    Ok(summarise(
        &kinds,
        &samples,
        final_rss,
        acked,
        present,
        (windows * 2, token_errors),
    ))
}

fn summarise(
    kinds: &[Kind],
    samples: &[Sample],
    final_rss: u64,
    acked: i64,
    present: i64,
    (token_calls, token_errors): (u64, u64),
) -> (String, bool) {
    let mb = |b: u64| b as f64 / 1e6;
    let mut md = String::new();
    md.push_str("| workload | rate/s | ok | errors | p50 ms | p99 ms | first error |\n|---|---:|---:|---:|---:|---:|---|\n");
    let mut total_errors = 0;
    for (i, k) in kinds.iter().enumerate() {
        let mut all = Stats::default();
        let mut first = None;
        for s in samples {
            let st = &s.per_kind[i];
            all.ok += st.ok;
            all.errors += st.errors;
            all.latencies_us.extend(&st.latencies_us);
            if first.is_none() {
                first = st.first_error.clone();
            }
        }
        all.latencies_us.sort_unstable();
        total_errors += all.errors;
        md.push_str(&format!(
            "| {} | {:.0} | {} | {} | {:.1} | {:.1} | {} |\n",
            k.name,
            k.rate,
            all.ok,
            all.errors,
            all.pct_ms(50.0),
            all.pct_ms(99.0),
            first
                .map(|e| e.chars().take(120).collect::<String>().replace('|', "/"))
                .unwrap_or_default()
        ));
    }
    md.push_str(&format!(
        "| OAuth token (agency and department, before each window) | 0.2 | {} | {token_errors} | | | |\n",
        token_calls.saturating_sub(token_errors * 2)
    ));
    total_errors += token_errors;
    // Memory: warm-up is the first sixth; compare the second sixth with the
    // last third.
    let n = samples.len();
    let mean = |s: &[Sample]| {
        if s.is_empty() {
            0.0
        } else {
            s.iter().map(|x| x.rss as f64).sum::<f64>() / s.len() as f64
        }
    };
    let early = mean(&samples[(n / 6).min(n)..(n / 3).max(n / 6 + 1).min(n)]);
    let late = mean(&samples[(2 * n / 3).min(n.saturating_sub(1))..]);
    let growth = if early > 0.0 {
        (late / early - 1.0) * 100.0
    } else {
        0.0
    };
    let max = samples.iter().map(|s| s.rss).max().unwrap_or(0);
    let flat = growth <= 10.0;
    let pass = total_errors == 0 && acked == present && flat;
    md.push_str(&format!(
        "\nRequests failed: {total_errors}. Records acknowledged {acked}, in the database {present}.\n\
         Server RSS: second sixth of the run {:.1} MB, last third {:.1} MB ({growth:+.1} %), peak {:.1} MB, at the end {:.1} MB: {}.\n\n\
         **{}**\n\n",
        early / 1e6,
        late / 1e6,
        mb(max),
        mb(final_rss),
        if flat { "flat" } else { "GROWING" },
        if pass { "pass" } else { "FAIL" }
    ));
    md.push_str("| time s | RSS MB | ok | errors |\n|---:|---:|---:|---:|\n");
    for s in samples {
        let ok: u64 = s.per_kind.iter().map(|k| k.ok).sum();
        let errors: u64 = s.per_kind.iter().map(|k| k.errors).sum();
        md.push_str(&format!(
            "| {:.0} | {:.1} | {ok} | {errors} |\n",
            s.at_s,
            mb(s.rss)
        ));
    }
    (md, pass)
}
