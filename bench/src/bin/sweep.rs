//! Throughput of the deadline sweep (`jobs::deadlines::sweep`) on
//! PostgreSQL: a backlog of due deadlines worked off in one call.
//!
//! ```text
//! cargo run --profile profiling -p xinyong-bench --bin sweep -- --deadlines 6000
//! ```
//!
//! Creates a database of its own (`xinyong_bench_sweep_<pid>`), migrates
//! it, loads the demo data, adds operators and department staff (both
//! languages, some without case email), objections, repair applications
//! and complaints about the demo records, and `--deadlines` milestones of
//! those cases, all due for the sweep at the fixed instant the clock
//! stands at: a third each approaching (reminder day), due today and
//! overdue, handled by the department or by the operators. Then it times
//! one `sweep` and counts the statements it sent. The database is dropped
//! at the end.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use clap::Parser;
use domain::cases::reminder_day;
use domain::time::local_date;
use entity::enums::{
    AccountRole, AccountStatus, CaseKind, ComplaintStatus, DeadlineStatus, ObjectionStatus,
    RepairStatus,
};
use entity::{account, complaint, credit_record, deadline, objection, repair_application};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, QuerySelect, Set};
use serde_json::json;
use xinyong::clock::ManualClock;
use xinyong::config::Config;
use xinyong::jobs::deadlines;
use xinyong::service::cases::{REMIND_BEFORE_WD, milestone};
use xinyong::service::demo;
use xinyong_bench::db::{BoxError, PgDb, scalar};

#[derive(Debug, Parser)]
#[command(name = "sweep", about = "Deadline sweep throughput on PostgreSQL")]
struct Args {
    /// Due deadlines to sweep.
    #[arg(long, default_value_t = 6000)]
    deadlines: u64,
    /// Cases the deadlines belong to (of each kind).
    #[arg(long, default_value_t = 100)]
    cases: u64,
    /// Operators and department staff accounts added to the demo's one each.
    #[arg(long, default_value_t = 3)]
    extra_accounts: u64,
    /// Keep the database (its URL is printed).
    #[arg(long)]
    keep: bool,
}

/// Monday 2026-11-23, 10:00 in Beijing: a working day of a loaded calendar year.
const NOW: &str = "2026-11-23T02:00:00Z";

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    xinyong_bench::main_with(run(args))
}

async fn run(args: Args) -> Result<(), BoxError> {
    let db = PgDb::create("sweep").await?;
    let result = measure(&args, &db).await;
    if args.keep {
        eprintln!("kept {}", db.url);
    } else {
        db.drop().await?;
    }
    result
}

async fn measure(args: &Args, db: &PgDb) -> Result<(), BoxError> {
    let now: DateTime<Utc> = NOW.parse()?;
    let data = tempfile::tempdir()?;
    let config = Config::for_database(&db.url, data.path());
    let clock = Arc::new(ManualClock::new(now));
    let mut state = xinyong::server::prepare(config, clock).await?;
    demo::seed(&state).await?;
    let conn = &state.db;

    // Accounts: languages and email preferences vary, as they do in use.
    let market = account::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .find_map(|a| a.department_id)
        .ok_or("the demo has no department staff")?;
    for i in 0..args.extra_accounts {
        for (role, dept) in [
            (AccountRole::Operator, None),
            (AccountRole::DepartmentStaff, Some(market)),
        ] {
            account::ActiveModel {
                email: Set(format!("{}-{i}@bench.invalid", role_tag(role))),
                display_name: Set(format!("bench {i}")),
                password_hash: Set("x".into()),
                role: Set(role),
                department_id: Set(dept),
                language: Set(if i % 2 == 0 { "en" } else { "zh-CN" }.into()),
                status: Set(AccountStatus::Active),
                email_verified_at: Set(Some(now)),
                notify_prefs: Set(json!({ "email": true, "cases": i % 3 != 2 })),
                created_at: Set(now),
                updated_at: Set(now),
                last_login_at: Set(None),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
    }
    let applicant = account::Entity::find()
        .order_by_asc(account::Column::Id)
        .one(conn)
        .await?
        .ok_or("no account")?
        .id;

    // Cases about the demo records.
    let records = credit_record::Entity::find()
        .order_by_asc(credit_record::Column::Id)
        .limit(50)
        .all(conn)
        .await?;
    if records.is_empty() {
        return Err("the demo has no records".into());
    }
    let received = now - Duration::days(40);
    let mut cases: Vec<(CaseKind, i64, i64)> = Vec::new();
    for k in 0..args.cases {
        let r = &records[(k as usize) % records.len()];
        let o = objection::ActiveModel {
            subject_id: Set(r.subject_id),
            record_id: Set(r.id),
            applicant_account_id: Set(applicant),
            department_id: Set(r.department_id),
            reason_code: Set("FACTUAL_ERROR".into()),
            statement: Set("bench".into()),
            status: Set(ObjectionStatus::Referred),
            outcome: Set(None),
            outcome_reason: Set(None),
            received_at: Set(received),
            referred_at: Set(Some(received)),
            decided_at: Set(None),
            closed_at: Set(None),
            created_at: Set(received),
            updated_at: Set(received),
            version: Set(1),
            open_record_id: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        cases.push((CaseKind::Objection, o.id, o.subject_id));
        let a = repair_application::ActiveModel {
            subject_id: Set(r.subject_id),
            record_id: Set(r.id),
            applicant_account_id: Set(applicant),
            department_id: Set(r.department_id),
            status: Set(RepairStatus::Received),
            outcome: Set(None),
            statement: Set(None),
            commitment_text_hash: Set("0".repeat(64)),
            commitment_accepted_by: Set("bench".into()),
            commitment_accepted_at: Set(received),
            decision_reason: Set(None),
            received_at: Set(received),
            decided_at: Set(None),
            created_at: Set(received),
            updated_at: Set(received),
            version: Set(1),
            open_record_id: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        cases.push((CaseKind::Repair, a.id, a.subject_id));
        let c = complaint::ActiveModel {
            subject_id: Set(r.subject_id),
            objection_id: Set(Some(o.id)),
            repair_application_id: Set(None),
            applicant_account_id: Set(applicant),
            statement: Set("bench".into()),
            status: Set(ComplaintStatus::Received),
            outcome_reason: Set(None),
            founded: Set(None),
            received_at: Set(received),
            decided_at: Set(None),
            created_at: Set(received),
            updated_at: Set(received),
            version: Set(1),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        cases.push((CaseKind::Complaint, c.id, c.subject_id));
    }

    // The deadlines, due now in three ways.
    let reference = state.reference();
    let today = local_date(now);
    let approaching = today + Duration::days(2);
    if reminder_day(&reference.calendar, approaching, REMIND_BEFORE_WD) > today {
        return Err("the reminder day of the approaching deadlines is not yet".into());
    }
    let overdue = today - Duration::days(3);
    let mut rows = Vec::new();
    for i in 0..args.deadlines {
        let (kind, case_id, subject_id) = cases[(i as usize / 3) % cases.len()];
        let due_on = match i % 3 {
            0 => approaching,
            1 => today,
            _ => overdue,
        };
        // An overdue verification closes its objection (provider silence):
        // rare in use, and not what this measures.
        let m = match kind {
            CaseKind::Objection if i % 3 == 2 => milestone::FIRST_CHECK,
            CaseKind::Objection => milestone::PROVIDER_VERIFICATION,
            CaseKind::Repair => milestone::REPAIR_DECISION,
            CaseKind::Complaint => milestone::COMPLAINT_HANDLING,
        };
        rows.push(deadline::ActiveModel {
            case_kind: Set(kind),
            case_id: Set(case_id),
            subject_id: Set(subject_id),
            milestone: Set(m.into()),
            due_on: Set(due_on),
            due_at: Set(domain::time::end_of_local_day_utc(due_on)),
            rule_id: Set("bench".into()),
            rule_source: Set("bench".into()),
            provisional: Set(false),
            status: Set(DeadlineStatus::Open),
            reminded_at: Set(None),
            escalated_at: Set(None),
            met_at: Set(None),
            created_at: Set(received),
            next_check_at: Set(Some(now - Duration::minutes(1 + (i % 600) as i64))),
            due_reminded_at: Set(None),
            ..Default::default()
        });
    }
    for chunk in rows.chunks(1000) {
        deadline::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    conn.execute_unprepared("VACUUM (ANALYZE)").await?;
    let due = scalar(
        conn,
        &format!(
            "SELECT count(*) FROM deadline WHERE status = 'open' AND next_check_at <= '{}'",
            now.to_rfc3339()
        ),
    )
    .await?;
    let notices_before = scalar(conn, "SELECT count(*) FROM notice").await?;

    let statements = Arc::new(AtomicU64::new(0));
    let counter = statements.clone();
    state.db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let t = Instant::now();
    let report = deadlines::sweep(&state).await?;
    let secs = t.elapsed().as_secs_f64();
    let sent = statements.load(Ordering::Relaxed);

    let conn = &state.db;
    let notices = scalar(conn, "SELECT count(*) FROM notice").await? - notices_before;
    let emails = scalar(
        conn,
        "SELECT count(*) FROM outbox_email WHERE idempotency_key LIKE 'notice:%'",
    )
    .await?;
    let events = scalar(
        conn,
        "SELECT count(*) FROM case_event WHERE event IN ('escalated', 'reminder_sent')",
    )
    .await?;
    let left = scalar(
        conn,
        &format!(
            "SELECT count(*) FROM deadline WHERE status = 'open' AND next_check_at <= '{}'",
            now.to_rfc3339()
        ),
    )
    .await?;
    let batches = (due as u64).div_ceil(200).max(1);
    println!(
        "swept {due} due deadlines in {secs:.2} s: {:.0} deadlines/s ({report:?}); \
         {sent} statements ({:.1} per batch of 200, {:.2} per deadline); \
         {notices} notices, {emails} emails, {events} case events; {left} left due",
        due as f64 / secs.max(1e-9),
        sent as f64 / batches as f64,
        sent as f64 / (due as f64).max(1.0),
    );
    Ok(())
}

fn role_tag(role: AccountRole) -> &'static str {
    match role {
        AccountRole::Operator => "operator",
        AccountRole::DepartmentStaff => "staff",
        AccountRole::SubjectUser => "user",
    }
}
