//! The hot paths' fixed statements (`service::fixed`) against the query
//! builder they stand in for, row for row, on the backend under test:
//! decoding by position against decoding by name, the client and subject
//! lookups, and the consent's usable condition and its atomic use at the
//! instants where it changes.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{ConsentMode, ConsentRequester, ConsentStatus};
use entity::positional::FromRow;
use entity::{account_subject, agency, api_client, consent, credit_record, department, subject};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde_json::json;
use xinyong::service::{consents, demo, fixed};
use xinyong_tests::TestApp;
use xinyong_tests::demo::{at, demo_agency, enterprise};

const NOW: &str = "2026-11-21T04:00:00Z";

async fn app() -> TestApp {
    let app = TestApp::spawn_at(at(NOW)).await;
    demo::seed(&app.state).await.expect("demo data seeds");
    app
}

async fn same_rows<E>(conn: &impl ConnectionTrait) -> usize
where
    E: EntityTrait,
    E::Model: FromRow + PartialEq + std::fmt::Debug,
    E::Column: ColumnTrait,
{
    let by_name = E::find().all(conn).await.expect("by name");
    let by_position = fixed::find_all(conn, E::find()).await.expect("by position");
    assert_eq!(by_position, by_name);
    by_name.len()
}

#[tokio::test]
async fn rows_decode_by_position_as_by_name() {
    let app = app().await;
    let db = &app.state.db;
    // Demo data has rows in each, with NULLs and set values in the
    // optional columns.
    assert!(same_rows::<credit_record::Entity>(db).await > 10);
    assert!(same_rows::<subject::Entity>(db).await > 3);
    assert!(same_rows::<department::Entity>(db).await > 1);
    assert!(same_rows::<api_client::Entity>(db).await > 1);
    assert!(same_rows::<agency::Entity>(db).await > 0);
    assert!(same_rows::<account_subject::Entity>(db).await > 0);
    insert_consents(&app).await;
    assert!(same_rows::<consent::Entity>(db).await >= 8);
}

#[tokio::test]
async fn client_and_subject_lookups_agree_with_the_builder() {
    let app = app().await;
    let db = &app.state.db;
    let clients = api_client::Entity::find().all(db).await.expect("clients");
    // Demo data has agency clients and department clients (no agency).
    assert!(clients.iter().any(|c| c.agency_id.is_some()));
    assert!(clients.iter().any(|c| c.agency_id.is_none()));
    for c in clients {
        let built = api_client::Entity::find()
            .filter(api_client::Column::ClientId.eq(c.client_id.as_str()))
            .find_also_related(agency::Entity)
            .one(db)
            .await
            .expect("builder");
        let fixed = fixed::client_with_agency(db, &c.client_id)
            .await
            .expect("fixed");
        assert_eq!(fixed, built);
    }
    assert_eq!(
        fixed::client_with_agency(db, "no-such-client")
            .await
            .expect("fixed"),
        None
    );

    for s in subject::Entity::find().all(db).await.expect("subjects") {
        let fixed = fixed::subject_by_hash(db, &s.identifier_hash)
            .await
            .expect("fixed");
        assert_eq!(fixed, Some(s));
    }
    assert_eq!(
        fixed::subject_by_hash(db, "0".repeat(64).as_str())
            .await
            .expect("fixed"),
        None
    );
}

/// Consents of the demo agency from the demo enterprise covering each
/// branch of the usable condition, valid from `NOW` - 1 day to `NOW` + 30
/// days unless said otherwise.
async fn insert_consents(app: &TestApp) -> Vec<consent::Model> {
    let agency = demo_agency(app).await;
    let subject = enterprise(app).await;
    let now = at(NOW);
    let this_month = xinyong::domain::consent::period_key(now);
    let base = consent::ActiveModel {
        subject_id: Set(subject.id),
        agency_id: Set(agency.id),
        purpose_code: Set("loan_application".into()),
        purpose_text: Set("fixed statements".into()),
        scope_classes: Set(json!(["basic"])),
        scope_categories: Set(json!([])),
        mode: Set(ConsentMode::OneTime),
        monthly_cap: Set(None),
        valid_from: Set(now - Duration::days(1)),
        valid_until: Set(now + Duration::days(30)),
        status: Set(ConsentStatus::Active),
        uses: Set(0),
        last_used_at: Set(None),
        requested_by: Set(ConsentRequester::Subject),
        granted_by_account_id: Set(None),
        granted_at: Set(Some(now - Duration::days(1))),
        revoked_at: Set(None),
        receipt: Set(None),
        receipt_signature: Set(None),
        created_at: Set(now - Duration::days(1)),
        updated_at: Set(now - Duration::days(1)),
        version: Set(1),
        period_key: Set(None),
        period_uses: Set(0),
        receipt_key_id: Set(None),
        ..Default::default()
    };
    let periodic = |cap: i32, key: Option<&str>, uses: i32| {
        let mut c = base.clone();
        c.mode = Set(ConsentMode::Periodic);
        c.monthly_cap = Set(Some(cap));
        c.period_key = Set(key.map(str::to_string));
        c.period_uses = Set(uses);
        c.uses = Set(uses);
        c
    };
    let mut rows = vec![
        // one-time, unused / used
        base.clone(),
        {
            let mut c = base.clone();
            c.uses = Set(1);
            c
        },
        // periodic: never used, under the cap, at the cap this month, at
        // the cap in an earlier month
        periodic(3, None, 0),
        periodic(3, Some(&this_month), 2),
        periodic(3, Some(&this_month), 3),
        periodic(3, Some("2026-10"), 3),
        // not yet valid; expiring at NOW + 1 h; pending; revoked; exhausted
        // (stored) with a use left in a new month; another purpose
        {
            let mut c = base.clone();
            c.valid_from = Set(now + Duration::hours(2));
            c
        },
        {
            let mut c = base.clone();
            c.valid_until = Set(now + Duration::hours(1));
            c
        },
        {
            let mut c = base.clone();
            c.status = Set(ConsentStatus::Pending);
            c
        },
        {
            let mut c = base.clone();
            c.status = Set(ConsentStatus::Revoked);
            c.revoked_at = Set(Some(now));
            c
        },
        {
            let mut c = periodic(2, Some("2026-10"), 2);
            c.status = Set(ConsentStatus::Exhausted);
            c
        },
        {
            let mut c = base.clone();
            c.purpose_code = Set("lease".into());
            c
        },
    ];
    let mut out = Vec::new();
    for c in rows.drain(..) {
        out.push(c.insert(&app.state.db).await.expect("insert consent"));
    }
    out
}

/// The builder form of `consents::use_consent` as it was before the fixed
/// statement.
async fn use_built(
    conn: &impl ConnectionTrait,
    id: i64,
    agency_id: i64,
    now: DateTime<Utc>,
) -> Option<consent::Model> {
    let pk = xinyong::domain::consent::period_key(now);
    let period_uses = Expr::case(
        Expr::col(consent::Column::PeriodKey).eq(pk.clone()),
        Expr::col(consent::Column::PeriodUses).add(1),
    )
    .finally(1);
    consent::Entity::update_many()
        .col_expr(
            consent::Column::Uses,
            Expr::col(consent::Column::Uses).add(1),
        )
        .col_expr(consent::Column::PeriodUses, period_uses.into())
        .col_expr(consent::Column::PeriodKey, Expr::value(Some(pk)))
        .col_expr(consent::Column::LastUsedAt, Expr::value(Some(now)))
        .filter(consent::Column::Id.eq(id))
        .filter(consent::Column::AgencyId.eq(agency_id))
        .filter(consents::usable_condition(now))
        .exec_with_returning(conn)
        .await
        .expect("builder update")
        .pop()
}

#[tokio::test]
async fn the_usable_condition_and_the_use_agree_with_the_builder() {
    let app = app().await;
    let db = &app.state.db;
    let rows = insert_consents(&app).await;
    let agency = demo_agency(&app).await;
    let subject = enterprise(&app).await;
    let now = at(NOW);
    let instants = [
        now,
        now + Duration::hours(1) - Duration::microseconds(1),
        now + Duration::hours(1),
        now + Duration::hours(2),
        // a new month: periodic caps start again
        at("2026-12-01T00:00:00Z"),
        now + Duration::days(30),
    ];
    let mut usable_seen = 0;
    for t in instants {
        for purpose in ["loan_application", "lease"] {
            let built: Vec<consent::Model> = consent::Entity::find()
                .filter(consent::Column::AgencyId.eq(agency.id))
                .filter(consent::Column::SubjectId.eq(subject.id))
                .filter(consent::Column::PurposeCode.eq(purpose))
                .filter(consents::usable_condition(t))
                .order_by_asc(consent::Column::Id)
                .all(db)
                .await
                .expect("builder");
            let fixed = fixed::usable_consents(
                db,
                agency.id,
                subject.id,
                purpose,
                t,
                &xinyong::domain::consent::period_key(t),
            )
            .await
            .expect("fixed");
            assert_eq!(fixed, built, "usable at {t} for {purpose}");
            usable_seen += fixed.len();
        }
        // The use, each consent on its own, in a transaction rolled back.
        for c in &rows {
            let txn = db.begin().await.expect("begin");
            let built = use_built(&txn, c.id, agency.id, t).await;
            txn.rollback().await.expect("rollback");
            let txn = db.begin().await.expect("begin");
            let fixed = fixed::use_consent(
                &txn,
                c.id,
                agency.id,
                t,
                &xinyong::domain::consent::period_key(t),
            )
            .await
            .expect("fixed");
            txn.rollback().await.expect("rollback");
            assert_eq!(fixed, built, "use of consent {} at {t}", c.id);
        }
        // Another agency never uses it.
        let txn = db.begin().await.expect("begin");
        let other = fixed::use_consent(
            &txn,
            rows[0].id,
            agency.id + 1000,
            t,
            &xinyong::domain::consent::period_key(t),
        )
        .await
        .expect("fixed");
        txn.rollback().await.expect("rollback");
        assert_eq!(other, None);
    }
    // The cases above exercise both outcomes.
    assert!(usable_seen > 0);
    assert!(usable_seen < rows.len() * instants.len());
}
