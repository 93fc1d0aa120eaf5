//! The hash chains of the query log and the audit trail: sealing, the
//! verification that finds an edited or removed row (service and CLI), and
//! purging past retention without breaking verification.

use std::process::Output;

use chrono::{DateTime, Utc};
use entity::enums::{ActorKind, Channel};
use entity::{audit_event, chain_head, query_log};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use xinyong::service::chain::{self, Chain, ChainReport, GENESIS_HASH};
use xinyong::service::query_log::{self as qlog, Entry};
use xinyong::service::{demo, views};
use xinyong_tests::{TestApp, xinyong_bin};

/// 2026-11-21 12:00 in Beijing.
const NOW: &str = "2026-11-21T04:00:00Z";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 instant")
}

async fn app() -> TestApp {
    let app = TestApp::spawn_at(at(NOW)).await;
    demo::seed(&app.state).await.expect("demo data seeds");
    app
}

/// A query-log row as a read would write it, at the clock's time.
fn entry(app: &TestApp, subject_id: i64, n: i64) -> Entry {
    Entry {
        occurred_at: app.state.now(),
        subject_id,
        actor_kind: ActorKind::AgencyClient,
        account_id: None,
        api_client_id: Some(1),
        agency_id: Some(1),
        department_id: None,
        consent_id: Some(n),
        purpose_code: "loan_application".into(),
        purpose_text: Some(format!("申请编号 {n}")),
        channel: Channel::Api,
        record_ids: vec![n, n + 1],
        request_id: Some(format!("req-{n}")),
    }
}

async fn write(app: &TestApp, e: Entry) {
    qlog::write(&app.state.db, e)
        .await
        .expect("log row written");
}

async fn verify(app: &TestApp, c: Chain) -> ChainReport {
    chain::verify(&app.state, c)
        .await
        .expect("verification runs")
}

async fn rows(app: &TestApp) -> Vec<query_log::Model> {
    query_log::Entity::find()
        .order_by_asc(query_log::Column::ChainSeq)
        .all(&app.state.db)
        .await
        .expect("query log")
}

async fn exec(app: &TestApp, sql: &str) {
    app.state
        .db
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Runs the real binary against the app's database.
fn cli(app: &TestApp, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::process::Command::new(xinyong_bin())
        .args(args)
        .env("XINYONG_DATABASE_URL", &app.db.url)
        .env("XINYONG_DATA_DIR", dir.path())
        .env("XINYONG_LOG", "warn")
        .env_remove("XINYONG_CONFIG")
        .current_dir(dir.path())
        .output()
        .expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn sealing_chains_every_row_in_order_and_the_chains_verify() {
    let app = app().await;
    // Government reads write query-log rows the way the API does.
    let (staff, _) = app.login(demo::STAFF_EMAIL, demo::DEMO_PASSWORD).await;
    let q = "query($id: String!) { subjectByIdentifier(identifier: $id, purpose: \"核查\") {
        records(first: 5) { edges { node { id } } } } }";
    for _ in 0..2 {
        let r = app
            .graphql(q, json!({ "id": demo::COURT_DEFAULTER_USCC }), Some(&staff))
            .await;
        assert!(r.body["errors"].is_null(), "{}", r.body);
    }
    let before = rows(&app).await;
    assert_eq!(before.len(), 4, "look-up and page, twice");
    assert!(
        before
            .iter()
            .all(|r| r.chain_seq.is_none() && r.hash.is_none())
    );

    let sealed = chain::seal(&app.state).await.expect("sealing runs");
    assert_eq!(sealed.query_log, 4);
    assert!(sealed.audit_event > 0, "the demo seed wrote audit rows");
    let after = rows(&app).await;
    // In id order, contiguous from 1, each linked to the one before.
    let mut prev = GENESIS_HASH.to_string();
    for (i, r) in after.iter().enumerate() {
        assert_eq!(r.chain_seq, Some(i as i64 + 1));
        assert_eq!(r.id, before[i].id);
        assert_eq!(r.prev_hash.as_deref(), Some(prev.as_str()));
        let h = r.hash.clone().expect("sealed");
        assert_eq!(h.len(), 64);
        prev = h;
    }
    let head = chain_head::Entity::find()
        .filter(chain_head::Column::Chain.eq("query_log"))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the query log's head");
    assert_eq!((head.last_seq, head.last_hash), (4, Some(prev)));

    // Nothing left to seal; a new row continues the chain.
    assert_eq!(
        chain::seal(&app.state).await.expect("seal"),
        chain::Sealed {
            query_log: 0,
            audit_event: 0
        }
    );
    write(&app, entry(&app, 1, 1)).await;
    let report = verify(&app, Chain::QueryLog).await;
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.rows_verified, 5);
    assert_eq!(report.head_seq, 5);
    let audit = verify(&app, Chain::AuditEvent).await;
    assert!(audit.is_intact(), "{audit}");
    let audit_rows = audit_event::Entity::find()
        .all(&app.state.db)
        .await
        .expect("audit");
    assert_eq!(audit.rows_verified, audit_rows.len() as u64);
    assert!(audit_rows.iter().all(|r| r.chain_seq.is_some()));

    // The CLI seals and verifies both chains.
    write(&app, entry(&app, 1, 2)).await;
    let o = cli(&app, &["audit", "verify"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("query_log: 6 rows verified"), "{out}");
    assert!(out.contains("audit_event: "), "{out}");
}

#[tokio::test]
async fn an_edited_or_removed_row_is_reported_at_its_position() {
    let app = app().await;
    for n in 1..=5 {
        write(&app, entry(&app, 7, n)).await;
    }
    assert!(verify(&app, Chain::QueryLog).await.is_intact());
    let sealed = rows(&app).await;
    let third = &sealed[2];
    assert_eq!(third.chain_seq, Some(3));

    // Someone edits what the third query returned.
    exec(
        &app,
        &format!(
            "UPDATE query_log SET record_ids = '[999]' WHERE id = {}",
            third.id
        ),
    )
    .await;
    let report = verify(&app, Chain::QueryLog).await;
    let broken = report.broken.clone().expect("the edit is found");
    assert_eq!(broken.chain, "query_log");
    assert_eq!(broken.chain_seq, 3);
    assert_eq!(broken.id, Some(third.id));
    assert_eq!(broken.code, "HASH_MISMATCH");
    assert_eq!(report.rows_verified, 2);

    let o = cli(&app, &["audit", "verify", "--table", "query_log"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!(
            "query_log: broken link at chain_seq 3 (id {})",
            third.id
        )),
        "{err}"
    );
    // The other chain is intact.
    let o = cli(&app, &["audit", "verify", "--table", "audit_event"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains(" rows verified"));
    // Both: the broken one fails the run.
    let o = cli(&app, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    let o = cli(&app, &["audit", "verify", "--table", "nonsense"]);
    assert_eq!(o.status.code(), Some(2), "clap refuses an unknown table");

    // Rewriting the row's hash too moves the break to the next row.
    let h = chain::row_hash::<query_log::Entity>(
        &query_log::Entity::find_by_id(third.id)
            .one(&app.state.db)
            .await
            .expect("query")
            .expect("row"),
        3,
        sealed[1].hash.as_deref().expect("hash"),
    );
    exec(
        &app,
        &format!("UPDATE query_log SET hash = '{h}' WHERE id = {}", third.id),
    )
    .await;
    let broken = verify(&app, Chain::QueryLog)
        .await
        .broken
        .expect("still found");
    assert_eq!((broken.chain_seq, broken.code), (4, "PREV_HASH_MISMATCH"));
    assert_eq!(broken.id, Some(sealed[3].id));

    // A removed row: put the content back, then delete the fourth.
    let app = self::app().await;
    for n in 1..=5 {
        write(&app, entry(&app, 7, n)).await;
    }
    assert!(verify(&app, Chain::QueryLog).await.is_intact());
    let sealed = rows(&app).await;
    exec(
        &app,
        &format!("DELETE FROM query_log WHERE id = {}", sealed[3].id),
    )
    .await;
    let broken = verify(&app, Chain::QueryLog)
        .await
        .broken
        .expect("the gap is found");
    assert_eq!((broken.chain_seq, broken.code), (4, "ROW_MISSING"));
    assert_eq!(broken.id, None);
    // Removing the newest rows is found against the chain head.
    exec(
        &app,
        &format!("DELETE FROM query_log WHERE id >= {}", sealed[3].id),
    )
    .await;
    let broken = verify(&app, Chain::QueryLog)
        .await
        .broken
        .expect("the truncation is found");
    assert_eq!((broken.chain_seq, broken.code), (4, "ROWS_MISSING_AT_END"));

    // The audit trail is checked the same way (once sealed).
    chain::seal(&app.state).await.expect("seal");
    let victim = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("an audit row");
    exec(
        &app,
        &format!(
            "UPDATE audit_event SET action = 'nothing.happened' WHERE id = {}",
            victim.id
        ),
    )
    .await;
    let broken = verify(&app, Chain::AuditEvent)
        .await
        .broken
        .expect("the audit edit is found");
    assert_eq!(broken.chain, "audit_event");
    assert_eq!(broken.id, Some(victim.id));
    assert_eq!(broken.chain_seq, victim.chain_seq.expect("sealed"));
}

#[tokio::test]
async fn purging_past_retention_keeps_the_chain_verifiable() {
    let app = app().await;
    let t0 = app.state.now();
    for n in 1..=3 {
        write(&app, entry(&app, 7, n)).await;
    }
    // Three years later, to the day: still kept (kept through 2029-11-21).
    app.clock.set(at("2029-11-21T15:59:59Z"));
    let p = qlog::purge_expired_query_logs(&app.state, app.state.now())
        .await
        .expect("purge runs");
    assert_eq!(p.rows, 0);
    assert_eq!(rows(&app).await.len(), 3);
    for n in 4..=5 {
        write(&app, entry(&app, 7, n)).await;
    }
    // A row whose clock says 2026 but that is sealed after newer rows: it
    // waits until the rows before it in the chain may go.
    app.clock.set(t0);
    write(&app, entry(&app, 7, 6)).await;
    app.clock.set(at("2029-11-21T23:00:00Z")); // 2029-11-22 in Beijing

    // The job seals and purges.
    xinyong::jobs::run_once(&app.state).await;
    let left = rows(&app).await;
    let kept: Vec<Option<i64>> = left.iter().map(|r| r.consent_id).collect();
    assert_eq!(kept, vec![Some(4), Some(5), Some(6)]);
    let head = chain_head::Entity::find()
        .filter(chain_head::Column::Chain.eq("query_log"))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("head");
    assert_eq!(head.anchor_seq, Some(3));
    assert_eq!(head.purged_rows, 3);
    let report = verify(&app, Chain::QueryLog).await;
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.rows_verified, 3);
    assert_eq!(report.anchor_seq, Some(3));
    // The purge is in the audit trail, which still verifies.
    let purge = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(chain::PURGE_ACTION))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the purge's audit row");
    assert_eq!(purge.detail["deleted"], 3);
    assert_eq!(purge.detail["anchor_seq"], 3);
    assert!(verify(&app, Chain::AuditEvent).await.is_intact());
    let o = cli(&app, &["audit", "verify", "--table", "query_log"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("query_log: 3 rows verified"));

    // Years later everything goes, and the chain continues from the anchor.
    app.clock.set(at("2033-01-01T00:00:00Z"));
    let p = qlog::purge_expired_query_logs(&app.state, app.state.now())
        .await
        .expect("purge runs");
    assert_eq!((p.rows, p.anchor_seq), (3, Some(6)));
    assert!(rows(&app).await.is_empty());
    let report = verify(&app, Chain::QueryLog).await;
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.rows_verified, 0);
    write(&app, entry(&app, 7, 7)).await;
    let report = verify(&app, Chain::QueryLog).await;
    assert!(report.is_intact(), "{report}");
    assert_eq!((report.rows_verified, report.head_seq), (1, 7));

    // Moving the anchor by hand (to hide deleted rows) is found: it no
    // longer matches the purge the audit trail recorded.
    exec(
        &app,
        "UPDATE chain_head SET anchor_seq = 5 WHERE chain = 'query_log'",
    )
    .await;
    let broken = verify(&app, Chain::QueryLog)
        .await
        .broken
        .expect("a forged anchor is found");
    assert_eq!(broken.code, "ANCHOR_MISMATCH");
}

#[tokio::test]
async fn concurrent_writers_and_sealers_build_one_chain() {
    let app = app().await;
    let mut tasks = Vec::new();
    for w in 0..4i64 {
        let state = app.state.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..15i64 {
                let txn = views_txn(&state).await;
                qlog::write(
                    &txn,
                    Entry {
                        occurred_at: state.now(),
                        subject_id: w,
                        actor_kind: ActorKind::Department,
                        account_id: Some(w),
                        api_client_id: None,
                        agency_id: None,
                        department_id: Some(1),
                        consent_id: None,
                        purpose_code: views::PURPOSE_GOVERNMENT.into(),
                        purpose_text: None,
                        channel: Channel::Api,
                        record_ids: vec![n],
                        request_id: None,
                    },
                )
                .await
                .expect("write");
                txn.commit().await.expect("commit");
            }
        }));
    }
    for _ in 0..3 {
        let state = app.state.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..5 {
                chain::seal(&state).await.expect("seal");
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let report = verify(&app, Chain::QueryLog).await;
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.rows_verified, 60);
    let seqs: Vec<i64> = rows(&app)
        .await
        .iter()
        .map(|r| r.chain_seq.expect("sealed"))
        .collect();
    assert_eq!(seqs, (1..=60).collect::<Vec<_>>());
}

async fn views_txn(state: &xinyong::state::AppState) -> sea_orm::DatabaseTransaction {
    xinyong::service::begin_write(&state.db)
        .await
        .expect("begin")
}
