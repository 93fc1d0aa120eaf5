//! The data set the workloads run on, at a preset scale, loaded into
//! PostgreSQL the way production data gets there:
//!
//! - organisations and their credit records through `xinyong import` (the
//!   real ingestion path: validation, subject registration,
//!   change events) from a generated CSV file, 11 records per organisation,
//!   one in three of the non-双公示 records `authorized` (consent needed);
//! - natural persons (valid ID numbers, encrypted and hashed with the
//!   server's keys, as `service::subjects::insert_subject` writes them) in
//!   batched inserts: departments' import only registers organisations;
//! - one active consent per subject for the benchmark agency (the demo
//!   agency), query-log rows (5 per subject, sealed into the hash chain by
//!   `xinyong audit verify`, which seals first) and one open case deadline
//!   per subject, with the SQL shape the services write them.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use chrono::{Days, NaiveDate, Utc};
use domain::identifier::{ResidentId, SubjectIdentifier};
use entity::enums::{Disclosure, SubjectKind, SubjectStatus};
use entity::subject;
use sea_orm::{ConnectionTrait, Database, EntityTrait, Set};
use xinyong::config::Config;
use xinyong::service::demo;

use crate::db::{BoxError, scalar};
use crate::{CsvSink, record_at, subject_identity};

/// Records per organisation (1M subjects → ~10M records).
pub const RECORDS_PER_ORG: u64 = 11;
/// Query-log rows per subject (1M subjects → 5M rows).
pub const LOGS_PER_SUBJECT: u64 = 5;
/// The run number the generator's identifiers are made with.
pub const RUN: u32 = 7;
/// The purpose every generated consent is for.
pub const PURPOSE: &str = "loan_application";
/// A rate tier no benchmark reaches: the limiter still runs on every request.
pub const UNLIMITED_TIER: &str = "custom:1000000000:1000000000";

#[derive(Clone, Copy, Debug)]
pub struct Preset {
    pub name: &'static str,
    pub subjects: u64,
    /// Open case deadlines (one per subject unless asked otherwise, so
    /// that the sweep can be measured over 1M on a small data set).
    pub deadlines: u64,
}

impl Preset {
    pub fn named(name: &str) -> Option<Preset> {
        let subjects = match name {
            "tiny" => 2_000,
            "small" => 10_000,
            "medium" => 100_000,
            "large" => 1_000_000,
            _ => return None,
        };
        Some(Preset {
            name: match name {
                "tiny" => "tiny",
                "small" => "small",
                "medium" => "medium",
                _ => "large",
            },
            subjects,
            deadlines: subjects,
        })
    }

    /// The same preset with `n` open deadlines.
    pub fn with_deadlines(self, n: u64) -> Preset {
        Preset {
            deadlines: n,
            ..self
        }
    }

    /// Nine in ten subjects are organisations.
    pub fn organisations(&self) -> u64 {
        self.subjects * 9 / 10
    }

    pub fn persons(&self) -> u64 {
        self.subjects - self.organisations()
    }

    pub fn records(&self) -> u64 {
        self.organisations() * RECORDS_PER_ORG
    }
}

/// One step of loading, for the report.
#[derive(Clone, Debug)]
pub struct Step {
    pub what: String,
    pub rows: u64,
    pub seconds: f64,
}

/// What was loaded.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub steps: Vec<Step>,
    /// Row counts of the main tables after loading.
    pub counts: Vec<(String, i64)>,
    pub preset: Preset,
}

/// The USCC and name of generated organisation `k`.
pub fn organisation(k: u64) -> (String, String) {
    let (_, uscc, name) = subject_identity(k, RUN);
    (uscc, name)
}

/// The ID number of generated person `k`.
pub fn person(k: u64) -> Result<ResidentId, BoxError> {
    let regions = ["350102", "350103", "350104", "350105", "350111", "350121"];
    let birth = NaiveDate::from_ymd_opt(1960, 1, 1)
        .and_then(|d| d.checked_add_days(Days::new(k / 1000)))
        .ok_or("birth date out of range")?;
    Ok(ResidentId::from_parts(
        regions[(k % 6) as usize],
        birth,
        (k % 1000) as u16,
    )?)
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
            "xinyong {} failed ({}): {}{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn timed<F, T>(steps: &mut Vec<Step>, what: &str, rows: u64, f: F) -> Result<T, BoxError>
where
    F: std::future::Future<Output = Result<T, BoxError>>,
{
    eprintln!("  {what} …");
    let t = Instant::now();
    let v = f.await?;
    let seconds = t.elapsed().as_secs_f64();
    eprintln!("    {rows} rows in {seconds:.1} s");
    steps.push(Step {
        what: what.to_string(),
        rows,
        seconds,
    });
    Ok(v)
}

/// Loads `preset` into the (empty) database at `url`, with the server's
/// data folder `data` (its keys hash and encrypt the identifiers).
pub async fn load(
    bin: &Path,
    url: &str,
    data: &Path,
    work: &Path,
    preset: Preset,
) -> Result<Loaded, BoxError> {
    let mut steps = Vec::new();
    eprintln!(
        "loading the {} data set ({} subjects) …",
        preset.name, preset.subjects
    );
    timed(&mut steps, "migrations and demo data", 0, async {
        cli(bin, url, data, &["migrate"])?;
        cli(bin, url, data, &["seed-demo"])?;
        Ok(())
    })
    .await?;

    let csv = work.join("records.csv");
    let n = preset.records();
    timed(&mut steps, "generate the CSV file", n, async {
        let mut sink = CsvSink::create(&csv)?;
        for i in 0..n {
            let mut r = record_at(i, RECORDS_PER_ORG, RUN);
            if i % 3 == 1
                && r.category != "administrative_licence"
                && r.category != "administrative_penalty"
            {
                r.disclosure = Some(Disclosure::Authorized);
            }
            sink.write(&r)?;
        }
        sink.finish()?;
        Ok(())
    })
    .await?;
    timed(&mut steps, "`xinyong import` of the records", n, async {
        let summary = cli(
            bin,
            url,
            data,
            &[
                "import",
                "--department",
                demo::MARKET_DEPARTMENT_CODE,
                csv.to_str().ok_or("path")?,
            ],
        )?;
        let accepted = summary
            .lines()
            .find_map(|l| l.trim().strip_prefix("accepted:"))
            .and_then(|v| v.trim().parse::<u64>().ok());
        if accepted != Some(n) {
            return Err(format!("import accepted {accepted:?} of {n}:\n{summary}").into());
        }
        Ok(())
    })
    .await?;
    let _ = std::fs::remove_file(&csv);

    let conn = Database::connect(url).await?;
    let keys = xinyong::crypto::Keys::load(&Config::for_database(url, data))?;
    let persons = preset.persons();
    timed(
        &mut steps,
        "natural persons (batched inserts)",
        persons,
        async {
            let now = Utc::now();
            let mut k = 0;
            while k < persons {
                let end = (k + 1000).min(persons);
                let mut rows = Vec::with_capacity((end - k) as usize);
                for j in k..end {
                    let id = person(j)?;
                    let region = id.region_code().to_string();
                    let cols = xinyong::service::subjects::identity_columns(
                        &keys,
                        &SubjectIdentifier::ResidentId(id),
                    );
                    rows.push(subject::ActiveModel {
                        kind: Set(SubjectKind::NaturalPerson),
                        name: Set(format!("测试{}", person_name(j))),
                        identifier_kind: Set(cols.kind),
                        identifier_hash: Set(cols.hash),
                        identifier_plain: Set(cols.plain),
                        identifier_cipher: Set(cols.cipher),
                        identifier_masked: Set(cols.masked),
                        legal_representative: Set(None),
                        region_code: Set(region),
                        contact_email: Set(None),
                        status: Set(SubjectStatus::Registered),
                        registered_on: Set(None),
                        ended_on: Set(None),
                        created_at: Set(now),
                        updated_at: Set(now),
                        version: Set(1),
                        ..Default::default()
                    });
                }
                subject::Entity::insert_many(rows)
                    .exec_without_returning(&conn)
                    .await?;
                k = end;
            }
            Ok(())
        },
    )
    .await?;

    let subjects = preset.subjects;
    timed(&mut steps, "consents (one per subject)", subjects, async {
        // Periodic with a cap no benchmark reaches, so that a subject can be
        // queried again and again; valid for 300 days from now.
        conn.execute_unprepared(&format!(
            "INSERT INTO consent (subject_id, agency_id, purpose_code, purpose_text, scope_classes, \
             scope_categories, mode, monthly_cap, valid_from, valid_until, status, uses, requested_by, \
             granted_at, created_at, updated_at, version, period_uses) \
             SELECT s.id, a.id, '{PURPOSE}', '经营贷款申请', '[\"basic\",\"good\",\"hint\",\"warning\"]', \
             '[]', 'periodic', 1000000000, now() - interval '1 day', now() + interval '300 days', 'active', 0, \
             'subject', now() - interval '1 day', now(), now(), 1, 0 \
             FROM subject s CROSS JOIN (SELECT id FROM agency ORDER BY id LIMIT 1) a \
"
        ))
        .await?;
        Ok(())
    })
    .await?;

    let logs = subjects * LOGS_PER_SUBJECT;
    timed(&mut steps, "query-log rows (inserted)", logs, async {
        conn.execute_unprepared(&format!(
            "INSERT INTO query_log (occurred_at, subject_id, actor_kind, api_client_id, agency_id, \
             consent_id, purpose_code, channel, record_ids, request_id) \
             SELECT now() - (g % 700) * interval '1 day' - (g % 86400) * interval '1 second', \
             c.subject_id, 'agency_client', cl.id, c.agency_id, c.id, '{PURPOSE}', 'api', '[]', \
             'bench-' || g \
             FROM generate_series(0, {logs} - 1) g \
             JOIN (SELECT id, subject_id, agency_id, row_number() OVER (ORDER BY id) - 1 AS n FROM consent) c \
               ON c.n = g % (SELECT count(*) FROM consent) \
             CROSS JOIN (SELECT id FROM api_client WHERE agency_id IS NOT NULL ORDER BY id LIMIT 1) cl \
             ORDER BY g"
        ))
        .await?;
        Ok(())
    })
    .await?;
    timed(
        &mut steps,
        "seal the query-log chain (`xinyong audit verify`)",
        logs,
        async {
            cli(bin, url, data, &["audit", "verify", "--table", "query_log"])?;
            Ok(())
        },
    )
    .await?;

    let deadlines = preset.deadlines;
    let per_subject = deadlines.div_ceil(subjects.max(1)).max(1);
    timed(&mut steps, "open case deadlines", deadlines, async {
        // Due over the next 30 days, each with the instant the sweep next
        // looks at it (`next_check_at`, two days before it is due, as the
        // reminder rule sets it): the sweep finds the few due now among them.
        conn.execute_unprepared(&format!(
            "INSERT INTO deadline (case_kind, case_id, subject_id, milestone, due_on, due_at, rule_id, \
             rule_source, provisional, status, next_check_at, created_at) \
             SELECT 'objection', s.id * {per_subject} + g, s.id, 'first_check', \
             ((now() + ((s.id + g) % 30) * interval '1 day') AT TIME ZONE 'Asia/Shanghai')::date, \
             now() + ((s.id + g) % 30) * interval '1 day' + ((s.id * g) % 997) * interval '1 minute', \
             'objection.first_check', 'Fujian Measures Art. 44 (seed 002 l.691)', false, 'open', \
             now() + ((s.id + g) % 30 - 2) * interval '1 day' + ((s.id * g) % 997) * interval '1 minute', now() \
             FROM subject s CROSS JOIN generate_series(1, {per_subject}) g \
             ORDER BY s.id, g LIMIT {deadlines}"
        ))
        .await?;
        Ok(())
    })
    .await?;

    timed(&mut steps, "VACUUM ANALYZE, CHECKPOINT", 0, async {
        // The work a fresh load leaves to the background (autovacuum of the
        // tables just filled, setting hint bits, writing dirty pages) is done
        // here, not during the first measurement that happens to follow.
        conn.execute_unprepared("VACUUM (ANALYZE)").await?;
        // CHECKPOINT needs a superuser or pg_checkpoint; without, the
        // background writer gets to it later.
        if let Err(e) = conn.execute_unprepared("CHECKPOINT").await {
            eprintln!("CHECKPOINT skipped: {e}");
        }
        // Every client may run as fast as the benchmark drives it; the rate
        // limiter still charges each request.
        conn.execute_unprepared(&format!(
            "UPDATE api_client SET rate_tier = '{UNLIMITED_TIER}'"
        ))
        .await?;
        Ok(())
    })
    .await?;

    let mut counts = Vec::new();
    for t in [
        "subject",
        "credit_record",
        "consent",
        "query_log",
        "deadline",
    ] {
        counts.push((
            t.to_string(),
            scalar(&conn, &format!("SELECT count(*) FROM {t}")).await?,
        ));
    }
    conn.close().await?;
    Ok(Loaded {
        steps,
        counts,
        preset,
    })
}

fn person_name(k: u64) -> String {
    const FAMILY: &[&str] = &["陈", "林", "黄", "张", "吴", "王", "郑", "刘"];
    const GIVEN: &[&str] = &["伟", "芳", "敏", "强", "丽", "军", "静", "磊"];
    format!(
        "{}{}{}",
        FAMILY[(k % 8) as usize],
        GIVEN[((k / 8) % 8) as usize],
        k
    )
}
