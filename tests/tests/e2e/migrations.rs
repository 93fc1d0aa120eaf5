//! The schema: migrations apply and roll back on the test backend, every
//! entity matches its table and round-trips a row, and the unique and foreign
//! key constraints the services rely on fire.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::*;
use entity::*;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ConnectionTrait, DatabaseConnection, DbErr, EntityName,
    EntityTrait, IntoActiveModel, Iterable, SqlErr, Statement,
};
use serde_json::json;
use xinyong_tests::{Backend, TestDb};

/// A fresh database with every migration applied.
async fn migrated() -> (TestDb, DatabaseConnection) {
    let db = TestDb::empty().await;
    let conn = db.connect().await;
    Migrator::up(&conn, None).await.expect("migrations apply");
    (db, conn)
}

/// A timestamp with microseconds: the finest precision PostgreSQL keeps.
fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("RFC 3339 timestamp")
        .with_timezone(&Utc)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn t0() -> DateTime<Utc> {
    ts("2026-03-04T05:06:07.123456Z")
}

/// Inserts a model with every column set (the database assigns `id` unless
/// the table has a natural key), checks what the insert returned, reads the
/// row back by key and checks it again. Evaluates to the stored model.
macro_rules! round_trip {
    ($conn:expr, $module:ident, $model:expr) => {{
        let expected: $module::Model = $model;
        let mut active = expected.clone().into_active_model().reset_all();
        active.id = NotSet;
        let inserted = active
            .insert($conn)
            .await
            .unwrap_or_else(|e| panic!("insert into {}: {e}", stringify!($module)));
        assert!(inserted.id > 0, "{}: id assigned", stringify!($module));
        let expected = $module::Model {
            id: inserted.id,
            ..expected
        };
        assert_eq!(inserted, expected, "{}: inserted row", stringify!($module));
        let read = $module::Entity::find_by_id(inserted.id)
            .one($conn)
            .await
            .unwrap_or_else(|e| panic!("select from {}: {e}", stringify!($module)))
            .expect("row read back");
        assert_eq!(read, expected, "{}: row read back", stringify!($module));
        read
    }};
    ($conn:expr, $module:ident, key = $key:ident, $model:expr) => {{
        let expected: $module::Model = $model;
        let inserted = expected
            .clone()
            .into_active_model()
            .reset_all()
            .insert($conn)
            .await
            .unwrap_or_else(|e| panic!("insert into {}: {e}", stringify!($module)));
        assert_eq!(inserted, expected, "{}: inserted row", stringify!($module));
        let read = $module::Entity::find_by_id(expected.$key.clone())
            .one($conn)
            .await
            .unwrap_or_else(|e| panic!("select from {}: {e}", stringify!($module)))
            .expect("row read back");
        assert_eq!(read, expected, "{}: row read back", stringify!($module));
        read
    }};
}

/// `(table name, number of entity columns)` of every entity.
macro_rules! entity_tables {
    ($($module:ident),+ $(,)?) => {
        vec![$(($module::Entity.table_name(), $module::Column::iter().count())),+]
    };
}

fn all_entity_tables() -> Vec<(&'static str, usize)> {
    entity_tables![
        account,
        account_subject,
        agency,
        api_client,
        attachment,
        audit_event,
        binding_request,
        calendar_year,
        case_event,
        chain_head,
        change_event,
        complaint,
        consent,
        credit_record,
        deadline,
        department,
        holiday,
        identity_challenge,
        job_run,
        login_throttle,
        notice,
        objection,
        outbox_email,
        query_log,
        record_category,
        record_revision,
        refresh_token,
        related_person,
        repair_application,
        rule_set,
        session,
        subject,
        webhook_delivery,
        webhook_subscription,
    ]
}

/// Runs a query whose rows are one text column.
async fn strings(conn: &DatabaseConnection, sql: &str) -> Vec<String> {
    conn.query_all_raw(Statement::from_string(
        conn.get_database_backend(),
        sql.to_string(),
    ))
    .await
    .expect("query")
    .iter()
    .map(|row| row.try_get_by_index::<String>(0).expect("text column"))
    .collect()
}

/// Tables of the application (not the migrator's own), sorted.
async fn app_tables(db: &TestDb, conn: &DatabaseConnection) -> Vec<String> {
    let sql = match db.backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name <> 'seaql_migrations' ORDER BY table_name"
        }
    };
    strings(conn, sql).await
}

/// Everything left in the catalogue besides the migrator's own table:
/// tables, indexes, sequences.
async fn leftover_objects(db: &TestDb, conn: &DatabaseConnection) -> Vec<String> {
    let sql = match db.backend {
        Backend::Sqlite => {
            "SELECT type || ' ' || name FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> 'seaql_migrations'"
        }
        Backend::Postgres => {
            "SELECT c.relkind::text || ' ' || c.relname::text FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relname NOT LIKE 'seaql_migrations%'"
        }
    };
    strings(conn, sql).await
}

async fn column_count(db: &TestDb, conn: &DatabaseConnection, table: &str) -> i64 {
    let sql = match db.backend {
        Backend::Sqlite => format!("SELECT COUNT(*) FROM pragma_table_info('{table}')"),
        Backend::Postgres => format!(
            "SELECT COUNT(*) FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = '{table}'"
        ),
    };
    TestDb::scalar_i64(conn, &sql).await
}

/// Tables whose `id` is an auto-increment 64-bit key as the conventions require.
async fn auto_increment_id_tables(db: &TestDb, conn: &DatabaseConnection) -> i64 {
    let sql = match db.backend {
        // `integer PRIMARY KEY` is the rowid (64-bit); AUTOINCREMENT stops ids being reused.
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' \
             AND sql LIKE '%\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT%'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = 'public' \
             AND column_name = 'id' AND data_type = 'bigint' AND is_identity = 'YES'"
        }
    };
    TestDb::scalar_i64(conn, sql).await
}

fn unique_violation(err: DbErr) -> String {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => message,
        other => panic!("expected a unique violation, got {other:?} from {err}"),
    }
}

fn foreign_key_violation(err: DbErr) -> String {
    match err.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(message)) => message,
        other => panic!("expected a foreign key violation, got {other:?} from {err}"),
    }
}

/// What a unique violation says on this backend: PostgreSQL names the
/// constraint, SQLite lists the columns (the API maps either to a field).
fn names_unique(db: &TestDb, message: &str, index: &str, sqlite_columns: &str) -> bool {
    match db.backend {
        Backend::Postgres => message.contains(index),
        Backend::Sqlite => message.contains(sqlite_columns),
    }
}

fn department_model(code: &str) -> department::Model {
    department::Model {
        id: 0,
        code: code.to_string(),
        name_zh: "福州市市场监督管理局".into(),
        name_en: "Fuzhou Administration for Market Regulation".into(),
        region_code: "350100".into(),
        contact_email: Some("credit@scjg.fuzhou.gov.cn".into()),
        may_register_subjects: true,
        created_at: t0(),
    }
}

fn subject_model(identifier_hash: &str) -> subject::Model {
    subject::Model {
        id: 0,
        kind: SubjectKind::Enterprise,
        name: "福州示例科技有限公司".into(),
        identifier_kind: IdentifierKind::Uscc,
        identifier_hash: identifier_hash.to_string(),
        identifier_plain: Some("91350100MA2XXXXX1A".into()),
        identifier_cipher: None,
        identifier_masked: "91350100MA2XXXXX1A".into(),
        legal_representative: Some("张三".into()),
        region_code: "350102".into(),
        contact_email: Some("contact@example.com".into()),
        status: SubjectStatus::Registered,
        registered_on: Some(day(2019, 5, 20)),
        ended_on: None,
        created_at: t0(),
        updated_at: ts("2026-03-05T00:00:00Z"),
        version: 1,
    }
}

fn category_model() -> record_category::Model {
    record_category::Model {
        id: 0,
        code: "admin_penalty".into(),
        name_zh: "行政处罚".into(),
        name_en: "Administrative penalty".into(),
        info_class: InfoClass::Warning,
        default_disclosure: Disclosure::Public,
        repairable: true,
        sector: Some("market".into()),
        list_kind: ListKind::None,
        double_publicity: true,
        subject_kinds: json!(["enterprise", "individual_business"]),
        publication_rule: Some("publication.penalty".into()),
        content_schema: json!({"type": "object", "required": ["penalty_content"]}),
        active: true,
        created_at: t0(),
    }
}

fn credit_record_model(
    subject_id: i64,
    category_id: i64,
    department_id: i64,
    source_ref: &str,
) -> credit_record::Model {
    credit_record::Model {
        id: 0,
        subject_id,
        category_id,
        department_id,
        source_ref: source_ref.to_string(),
        title: "未按规定公示年度报告".into(),
        content: json!({"penalty_content": "警告", "amount_yuan": 5000, "nested": {"ok": true}}),
        legal_basis_type: Some("administrative_decision".into()),
        legal_basis_number: Some("榕市监处〔2026〕12号".into()),
        legal_basis_issuer: Some("福州市市场监督管理局".into()),
        legal_basis_effective_on: Some(day(2026, 2, 1)),
        decided_on: day(2026, 2, 10),
        conduct_ended_on: Some(day(2026, 1, 31)),
        valid_until: None,
        severity: Some(Severity::General),
        disclosure: Disclosure::Public,
        disclosure_start: day(2026, 2, 11),
        disclosure_end: Some(day(2027, 2, 10)),
        status: RecordStatus::Active,
        status_reason: None,
        payload_hash: "a".repeat(64),
        submitted_by_account_id: None,
        submitted_by_client_id: None,
        submitted_at: t0(),
        late_submission: false,
        derived_from_record_id: None,
        version: 1,
        created_at: t0(),
        updated_at: t0(),
    }
}

#[tokio::test]
async fn up_creates_every_entity_table_with_matching_columns_and_keys() {
    let (db, conn) = migrated().await;

    let mut expected: Vec<(&str, usize)> = all_entity_tables();
    expected.sort();
    let names: Vec<String> = expected.iter().map(|(t, _)| t.to_string()).collect();
    assert_eq!(app_tables(&db, &conn).await, names, "one table per entity");

    for (table, columns) in &expected {
        assert_eq!(
            column_count(&db, &conn, table).await,
            *columns as i64,
            "{table}: the table has exactly the entity's columns"
        );
    }

    // Every table but the three with natural keys (login_throttle, holiday, calendar_year).
    assert_eq!(
        auto_increment_id_tables(&db, &conn).await,
        expected.len() as i64 - 3
    );

    assert!(
        Migrator::get_pending_migrations(&conn)
            .await
            .expect("migration status")
            .is_empty()
    );
}

#[tokio::test]
async fn every_entity_round_trips_a_row() {
    let (_db, conn) = migrated().await;
    let conn = &conn;
    let t1 = ts("2026-03-06T07:08:09.000001Z");

    // Reference data.
    let dept = round_trip!(conn, department, department_model("FZ-SCJG"));
    let bare_dept = round_trip!(
        conn,
        department,
        department::Model {
            contact_email: None,
            may_register_subjects: false,
            ..department_model("FZ-BARE")
        }
    );
    let category = round_trip!(conn, record_category, category_model());
    round_trip!(
        conn,
        holiday,
        key = date,
        holiday::Model {
            date: day(2026, 2, 17),
            year: 2026,
            kind: DayKind::Holiday,
            name_zh: "春节".into(),
            name_en: "Spring Festival".into(),
        }
    );
    round_trip!(
        conn,
        holiday,
        key = date,
        holiday::Model {
            date: day(2026, 2, 14),
            year: 2026,
            kind: DayKind::MakeupWorkday,
            name_zh: "春节调休上班".into(),
            name_en: "Spring Festival make-up working day".into(),
        }
    );
    round_trip!(
        conn,
        calendar_year,
        key = year,
        calendar_year::Model {
            year: 2026,
            notice: "国务院办公厅关于2026年部分节假日安排的通知".into(),
            published_on: Some(day(2025, 11, 4)),
            source: "year = 2026\n".into(),
            loaded_at: t0(),
            loaded_by: Some("operator@example.com".into()),
        }
    );
    round_trip!(
        conn,
        calendar_year,
        key = year,
        calendar_year::Model {
            year: 2027,
            notice: "provisional".into(),
            published_on: None,
            source: String::new(),
            loaded_at: t0(),
            loaded_by: None,
        }
    );
    round_trip!(
        conn,
        rule_set,
        rule_set::Model {
            id: 0,
            name: "fujian-2015".into(),
            version: "1.0.0".into(),
            content: "[rules.objection_first_check]\ndays = 3\nunit = \"working\"\n".into(),
            sha256: "b".repeat(64),
            loaded_at: t0(),
            active: true,
        }
    );

    // Subjects: an organisation with every optional column, and a person with none.
    let org = round_trip!(conn, subject, subject_model(&"1".repeat(64)));
    let person = round_trip!(
        conn,
        subject,
        subject::Model {
            id: 0,
            kind: SubjectKind::NaturalPerson,
            name: "李四".into(),
            identifier_kind: IdentifierKind::ResidentId,
            identifier_hash: "2".repeat(64),
            identifier_plain: None,
            identifier_cipher: Some("bm9uY2UuY2lwaGVydGV4dA==".into()),
            identifier_masked: "3501**********1234".into(),
            legal_representative: None,
            region_code: "350100".into(),
            contact_email: None,
            status: SubjectStatus::Deregistered,
            registered_on: None,
            ended_on: Some(day(2025, 12, 31)),
            created_at: t0(),
            updated_at: t0(),
            version: 3,
        }
    );
    round_trip!(
        conn,
        related_person,
        related_person::Model {
            id: 0,
            subject_id: org.id,
            person_subject_id: Some(person.id),
            role: RelatedRole::LegalRepresentative,
            name: "李四".into(),
            identifier_hash: Some("2".repeat(64)),
            identifier_masked: Some("3501**********1234".into()),
            valid_from: Some(day(2019, 5, 20)),
            valid_until: Some(day(2030, 1, 1)),
            created_at: t0(),
        }
    );
    round_trip!(
        conn,
        related_person,
        related_person::Model {
            id: 0,
            subject_id: org.id,
            person_subject_id: None,
            role: RelatedRole::DirectlyResponsible,
            name: "王五".into(),
            identifier_hash: None,
            identifier_masked: None,
            valid_from: None,
            valid_until: None,
            created_at: t0(),
        }
    );

    // Accounts and sign-in.
    let staff = round_trip!(
        conn,
        account,
        account::Model {
            id: 0,
            email: "staff@scjg.fuzhou.gov.cn".into(),
            display_name: "审核员".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            role: AccountRole::DepartmentStaff,
            department_id: Some(dept.id),
            language: "zh-CN".into(),
            status: AccountStatus::Active,
            email_verified_at: Some(t0()),
            notify_prefs: json!({"email": true, "digest": "daily"}),
            created_at: t0(),
            updated_at: t1,
            last_login_at: Some(t1),
        }
    );
    let user = round_trip!(
        conn,
        account,
        account::Model {
            id: 0,
            email: "owner@example.com".into(),
            display_name: "Owner".into(),
            password_hash: "$argon2id$placeholder".into(),
            role: AccountRole::SubjectUser,
            department_id: None,
            language: "en".into(),
            status: AccountStatus::Disabled,
            email_verified_at: None,
            notify_prefs: json!({}),
            created_at: t0(),
            updated_at: t0(),
            last_login_at: None,
        }
    );
    round_trip!(
        conn,
        account_subject,
        account_subject::Model {
            id: 0,
            account_id: user.id,
            subject_id: org.id,
            role: BindingRole::Owner,
            bound_via: BindingMethod::StaffDocument,
            bound_at: t0(),
            verified_by_account_id: Some(staff.id),
            revoked_at: Some(t1),
        }
    );
    let session = round_trip!(
        conn,
        session,
        session::Model {
            id: 0,
            account_id: user.id,
            created_at: t0(),
            expires_at: t1,
            revoked_at: None,
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64)".into()),
            ip: Some("2001:db8::1".into()),
            kind: SessionKind::Portal,
            csrf_secret: Some("c".repeat(64)),
        }
    );
    let first_token = round_trip!(
        conn,
        refresh_token,
        refresh_token::Model {
            id: 0,
            session_id: session.id,
            token_hash: "d".repeat(64),
            created_at: t0(),
            expires_at: t1,
            used_at: None,
            replaced_by_id: None,
        }
    );
    round_trip!(
        conn,
        refresh_token,
        refresh_token::Model {
            id: 0,
            session_id: session.id,
            token_hash: "e".repeat(64),
            created_at: t0(),
            expires_at: t1,
            used_at: Some(t1),
            replaced_by_id: Some(first_token.id),
        }
    );
    round_trip!(
        conn,
        login_throttle,
        key = key,
        login_throttle::Model {
            key: "f".repeat(64),
            failures: 5,
            window_started_at: t0(),
            locked_until: Some(t1),
            updated_at: t1,
        }
    );
    round_trip!(
        conn,
        identity_challenge,
        identity_challenge::Model {
            id: 0,
            account_id: user.id,
            purpose: ChallengePurpose::BindSubject,
            subject_id: Some(org.id),
            code_hash: "0".repeat(64),
            sent_to_masked: "c*****t@example.com".into(),
            expires_at: t1,
            attempts: 2,
            consumed_at: None,
            created_at: t0(),
        }
    );

    // Agencies, clients, consent.
    let agency = round_trip!(
        conn,
        agency,
        agency::Model {
            id: 0,
            name: "示例征信有限公司".into(),
            uscc: "91350100MA2YYYYY2B".into(),
            licence_number: "ZX-2026-001".into(),
            status: AgencyStatus::Active,
            contact_email: "ops@agency.example".into(),
            created_at: t0(),
            updated_at: t0(),
        }
    );
    let client = round_trip!(
        conn,
        api_client,
        api_client::Model {
            id: 0,
            agency_id: Some(agency.id),
            department_id: None,
            client_id: "cl_agency_0001".into(),
            secret_hash: "3".repeat(64),
            secret_hint: "x9Zq".into(),
            name: "Agency production".into(),
            scopes: json!(["subject:read", "consent:request"]),
            rate_tier: "standard".into(),
            status: ClientStatus::Active,
            created_at: t0(),
            rotated_at: Some(t1),
            revoked_at: None,
            last_used_at: Some(t1),
        }
    );
    let dept_client = round_trip!(
        conn,
        api_client,
        api_client::Model {
            id: 0,
            agency_id: None,
            department_id: Some(dept.id),
            client_id: "cl_dept_0001".into(),
            secret_hash: "4".repeat(64),
            secret_hint: "ab12".into(),
            name: "Department system".into(),
            scopes: json!(["record:write"]),
            rate_tier: "bulk".into(),
            status: ClientStatus::Revoked,
            created_at: t0(),
            rotated_at: None,
            revoked_at: Some(t1),
            last_used_at: None,
        }
    );
    let consent = round_trip!(
        conn,
        consent,
        consent::Model {
            id: 0,
            subject_id: org.id,
            agency_id: agency.id,
            purpose_code: "loan_approval".into(),
            purpose_text: "贷款审批".into(),
            scope_classes: json!(["basic", "warning"]),
            scope_categories: json!(["admin_penalty"]),
            mode: ConsentMode::Periodic,
            monthly_cap: Some(10),
            valid_from: t0(),
            valid_until: ts("2027-03-04T00:00:00Z"),
            status: ConsentStatus::Active,
            uses: 1,
            last_used_at: Some(t1),
            requested_by: ConsentRequester::Agency,
            granted_by_account_id: Some(user.id),
            granted_at: Some(t0()),
            revoked_at: None,
            receipt: Some(
                json!({"subject": org.id, "agency": agency.id, "purpose": "loan_approval"})
            ),
            receipt_signature: Some("c2lnbmF0dXJl".into()),
            created_at: t0(),
            updated_at: t1,
            version: 2,
            period_key: Some("2026-03".into()),
            period_uses: 1,
            receipt_key_id: Some("kid-thumbprint".into()),
        }
    );
    round_trip!(
        conn,
        consent,
        consent::Model {
            id: 0,
            subject_id: person.id,
            agency_id: agency.id,
            purpose_code: "employment".into(),
            purpose_text: "Background check".into(),
            scope_classes: json!([]),
            scope_categories: json!([]),
            mode: ConsentMode::OneTime,
            monthly_cap: None,
            valid_from: t0(),
            valid_until: t1,
            status: ConsentStatus::Pending,
            uses: 0,
            last_used_at: None,
            requested_by: ConsentRequester::Subject,
            granted_by_account_id: None,
            granted_at: None,
            revoked_at: None,
            receipt: None,
            receipt_signature: None,
            created_at: t0(),
            updated_at: t0(),
            version: 1,
            period_key: None,
            period_uses: 0,
            receipt_key_id: None,
        }
    );

    // Records.
    let record = round_trip!(
        conn,
        credit_record,
        credit_record::Model {
            submitted_by_client_id: Some(dept_client.id),
            ..credit_record_model(org.id, category.id, dept.id, "SRC-0001")
        }
    );
    let mirrored = round_trip!(
        conn,
        credit_record,
        credit_record::Model {
            id: 0,
            subject_id: person.id,
            category_id: category.id,
            department_id: bare_dept.id,
            source_ref: "SRC-0001/related".into(),
            title: "Mirrored onto the legal representative".into(),
            content: json!([1, "two", null, {"three": 3.5}]),
            legal_basis_type: None,
            legal_basis_number: None,
            legal_basis_issuer: None,
            legal_basis_effective_on: None,
            decided_on: day(2026, 2, 10),
            conduct_ended_on: None,
            valid_until: Some(day(2029, 2, 10)),
            severity: None,
            disclosure: Disclosure::Authorized,
            disclosure_start: day(2026, 2, 11),
            disclosure_end: None,
            status: RecordStatus::UnderObjection,
            status_reason: Some("objection received".into()),
            payload_hash: "5".repeat(64),
            submitted_by_account_id: Some(staff.id),
            submitted_by_client_id: None,
            submitted_at: t1,
            late_submission: true,
            derived_from_record_id: Some(record.id),
            version: 2,
            created_at: t0(),
            updated_at: t1,
        }
    );
    round_trip!(
        conn,
        record_revision,
        record_revision::Model {
            id: 0,
            record_id: record.id,
            subject_id: org.id,
            version: 1,
            change_kind: ChangeKind::Create,
            reason: None,
            changed_by_account_id: None,
            changed_by_client_id: Some(dept_client.id),
            before: None,
            after: json!({"title": record.title}),
            created_at: t0(),
        }
    );
    round_trip!(
        conn,
        record_revision,
        record_revision::Model {
            id: 0,
            record_id: record.id,
            subject_id: org.id,
            version: 2,
            change_kind: ChangeKind::Correct,
            reason: Some("typo in the amount".into()),
            changed_by_account_id: Some(staff.id),
            changed_by_client_id: None,
            before: Some(json!({"amount_yuan": 500})),
            after: json!({"amount_yuan": 5000}),
            created_at: t1,
        }
    );
    let change = round_trip!(
        conn,
        change_event,
        change_event::Model {
            id: 0,
            subject_id: org.id,
            record_id: Some(record.id),
            consent_id: Some(consent.id),
            kind: "record.corrected".into(),
            data: json!({"version": 2}),
            occurred_at: t1,
        }
    );
    round_trip!(
        conn,
        change_event,
        change_event::Model {
            id: 0,
            subject_id: person.id,
            record_id: None,
            consent_id: None,
            kind: "subject.changed".into(),
            data: json!(null),
            occurred_at: t1,
        }
    );

    // Cases.
    let objection = round_trip!(
        conn,
        objection,
        objection::Model {
            id: 0,
            subject_id: person.id,
            record_id: mirrored.id,
            applicant_account_id: user.id,
            department_id: bare_dept.id,
            reason_code: "not_me".into(),
            statement: "该处罚与本人无关。".into(),
            status: ObjectionStatus::Decided,
            outcome: Some(ObjectionOutcome::WithdrawnProviderSilent),
            outcome_reason: Some("provider did not answer in 20 working days".into()),
            received_at: t0(),
            referred_at: Some(t0()),
            decided_at: Some(t1),
            closed_at: Some(t1),
            created_at: t0(),
            updated_at: t1,
            version: 4,
            open_record_id: None,
        }
    );
    let repair = round_trip!(
        conn,
        repair_application,
        repair_application::Model {
            id: 0,
            subject_id: org.id,
            record_id: record.id,
            applicant_account_id: user.id,
            department_id: dept.id,
            status: RepairStatus::Received,
            outcome: None,
            statement: None,
            commitment_text_hash: "6".repeat(64),
            commitment_accepted_by: "张三".into(),
            commitment_accepted_at: t0(),
            decision_reason: None,
            received_at: t0(),
            decided_at: None,
            created_at: t0(),
            updated_at: t0(),
            version: 1,
            open_record_id: Some(record.id),
        }
    );
    round_trip!(
        conn,
        repair_application,
        repair_application::Model {
            status: RepairStatus::Decided,
            outcome: Some(RepairOutcome::Approved),
            statement: Some("已履行全部义务".into()),
            decision_reason: Some("conditions met".into()),
            decided_at: Some(t1),
            open_record_id: None,
            ..repair.clone()
        }
    );
    round_trip!(
        conn,
        complaint,
        complaint::Model {
            id: 0,
            subject_id: org.id,
            objection_id: Some(objection.id),
            repair_application_id: Some(repair.id),
            applicant_account_id: user.id,
            statement: "处理超期".into(),
            status: ComplaintStatus::Received,
            outcome_reason: None,
            founded: Some(false),
            received_at: t0(),
            decided_at: None,
            created_at: t0(),
            updated_at: t0(),
            version: 1,
        }
    );
    round_trip!(
        conn,
        case_event,
        case_event::Model {
            id: 0,
            case_kind: CaseKind::Objection,
            case_id: objection.id,
            subject_id: person.id,
            actor_kind: ActorKind::Operator,
            actor_account_id: Some(staff.id),
            event: "referred".into(),
            note: Some("sent to the provider".into()),
            data: json!({"department_id": bare_dept.id}),
            occurred_at: t0(),
        }
    );
    round_trip!(
        conn,
        case_event,
        case_event::Model {
            id: 0,
            case_kind: CaseKind::Repair,
            case_id: repair.id,
            subject_id: org.id,
            actor_kind: ActorKind::System,
            actor_account_id: None,
            event: "received".into(),
            note: None,
            data: json!({}),
            occurred_at: t0(),
        }
    );
    round_trip!(
        conn,
        deadline,
        deadline::Model {
            id: 0,
            case_kind: CaseKind::Objection,
            case_id: objection.id,
            subject_id: person.id,
            milestone: "provider_verification".into(),
            due_on: day(2026, 4, 1),
            due_at: ts("2026-04-01T15:59:59.999999Z"),
            rule_id: "objection.provider_verification".into(),
            rule_source: "福建省公共信用信息管理暂行办法 第四十四条".into(),
            provisional: true,
            status: DeadlineStatus::Missed,
            reminded_at: Some(t0()),
            escalated_at: Some(t1),
            met_at: None,
            created_at: t0(),
            next_check_at: None,
            due_reminded_at: Some(t1),
        }
    );
    round_trip!(
        conn,
        deadline,
        deadline::Model {
            id: 0,
            case_kind: CaseKind::Complaint,
            case_id: 1,
            subject_id: org.id,
            milestone: "decision".into(),
            due_on: day(2026, 3, 31),
            due_at: ts("2026-03-31T15:59:59Z"),
            rule_id: "complaint.decision".into(),
            rule_source: "rule set".into(),
            provisional: false,
            status: DeadlineStatus::Open,
            reminded_at: None,
            escalated_at: None,
            met_at: None,
            created_at: t0(),
            next_check_at: Some(t0()),
            due_reminded_at: None,
        }
    );
    round_trip!(
        conn,
        attachment,
        attachment::Model {
            id: 0,
            subject_id: org.id,
            owner_account_id: user.id,
            case_kind: CaseKind::Repair,
            case_id: repair.id,
            file_name: "缴款凭证.pdf".into(),
            media_type: "application/pdf".into(),
            size_bytes: 5_000_000_000,
            sha256: "7".repeat(64),
            storage_key: "attachments/2026/03/abc".into(),
            created_at: t0(),
        }
    );

    // Notices, email, webhooks.
    let notice = round_trip!(
        conn,
        notice,
        notice::Model {
            id: 0,
            account_id: user.id,
            subject_id: Some(org.id),
            kind: "objection.decided".into(),
            title: "异议处理结果".into(),
            body: "您的异议已处理。".into(),
            link: Some("/objections/1".into()),
            data: json!({"objection_id": objection.id}),
            dedupe_key: Some("objection.decided:1".into()),
            created_at: t0(),
            read_at: Some(t1),
        }
    );
    round_trip!(
        conn,
        notice,
        notice::Model {
            id: 0,
            account_id: user.id,
            subject_id: None,
            kind: "welcome".into(),
            title: "Welcome".into(),
            body: "Hello".into(),
            link: None,
            data: json!({}),
            dedupe_key: None,
            created_at: t0(),
            read_at: None,
        }
    );
    round_trip!(
        conn,
        outbox_email,
        outbox_email::Model {
            id: 0,
            notice_id: Some(notice.id),
            to_address: "owner@example.com".into(),
            language: "zh-CN".into(),
            subject: "异议处理结果".into(),
            body_text: "您的异议已处理。".into(),
            body_html: "<p>您的异议已处理。</p>".into(),
            status: EmailStatus::Sent,
            attempts: 1,
            next_attempt_at: t0(),
            last_error: None,
            idempotency_key: "notice:1:email".into(),
            created_at: t0(),
            sent_at: Some(t1),
        }
    );
    round_trip!(
        conn,
        outbox_email,
        outbox_email::Model {
            id: 0,
            notice_id: None,
            to_address: "ops@agency.example".into(),
            language: "en".into(),
            subject: "Password reset".into(),
            body_text: "Code: 123456".into(),
            body_html: String::new(),
            status: EmailStatus::Dead,
            attempts: 8,
            next_attempt_at: t1,
            last_error: Some("550 mailbox unavailable".into()),
            idempotency_key: "reset:2".into(),
            created_at: t0(),
            sent_at: None,
        }
    );
    let subscription = round_trip!(
        conn,
        webhook_subscription,
        webhook_subscription::Model {
            id: 0,
            api_client_id: client.id,
            url: "https://agency.example/hooks/xinyong".into(),
            events: json!(["record.withdrawn", "consent.revoked"]),
            secret_cipher: "Y2lwaGVy".into(),
            status: WebhookStatus::Disabled,
            consecutive_failures: 10,
            created_at: t0(),
            disabled_at: Some(t1),
            disabled_reason: Some("10 consecutive failed deliveries".into()),
            previous_secret_cipher: Some("b2xkLWNpcGhlcg==".into()),
            previous_secret_expires_at: Some(t1),
        }
    );
    round_trip!(
        conn,
        webhook_delivery,
        webhook_delivery::Model {
            id: 0,
            subscription_id: subscription.id,
            change_event_id: Some(change.id),
            event_kind: "record.corrected".into(),
            payload: json!({"event": change.id}),
            status: DeliveryStatus::Failed,
            attempts: 3,
            next_attempt_at: t1,
            response_status: Some(503),
            last_error: Some("Service Unavailable".into()),
            created_at: t0(),
            delivered_at: None,
            last_attempt_at: Some(t1),
        }
    );
    round_trip!(
        conn,
        webhook_delivery,
        webhook_delivery::Model {
            id: 0,
            subscription_id: subscription.id,
            change_event_id: None,
            event_kind: "ping".into(),
            payload: json!({}),
            status: DeliveryStatus::Delivered,
            attempts: 1,
            next_attempt_at: t0(),
            response_status: None,
            last_error: None,
            created_at: t0(),
            delivered_at: Some(t0()),
            last_attempt_at: None,
        }
    );

    // Logs.
    round_trip!(
        conn,
        query_log,
        query_log::Model {
            id: 0,
            occurred_at: t1,
            subject_id: org.id,
            actor_kind: ActorKind::AgencyClient,
            account_id: None,
            api_client_id: Some(client.id),
            agency_id: Some(agency.id),
            department_id: None,
            consent_id: Some(consent.id),
            purpose_code: "loan_approval".into(),
            purpose_text: Some("贷款审批".into()),
            channel: Channel::Api,
            record_ids: json!([record.id]),
            request_id: Some("req-0001".into()),
            chain_seq: Some(1),
            prev_hash: Some("8".repeat(64)),
            hash: Some("9".repeat(64)),
        }
    );
    round_trip!(
        conn,
        query_log,
        query_log::Model {
            id: 0,
            occurred_at: t1,
            subject_id: person.id,
            actor_kind: ActorKind::Public,
            account_id: None,
            api_client_id: None,
            agency_id: None,
            department_id: None,
            consent_id: None,
            purpose_code: "public_search".into(),
            purpose_text: None,
            channel: Channel::Portal,
            record_ids: json!([]),
            request_id: None,
            chain_seq: None,
            prev_hash: None,
            hash: None,
        }
    );
    round_trip!(
        conn,
        audit_event,
        audit_event::Model {
            id: 0,
            occurred_at: t0(),
            actor_kind: ActorKind::Department,
            actor_account_id: Some(staff.id),
            actor_client_id: Some(dept_client.id),
            action: "record.correct".into(),
            object_type: "credit_record".into(),
            object_id: Some(record.id.to_string()),
            subject_id: Some(org.id),
            detail: json!({"from_version": 1, "to_version": 2}),
            ip: Some("192.0.2.10".into()),
            request_id: Some("req-0002".into()),
            chain_seq: Some(1),
            prev_hash: Some("0".repeat(64)),
            hash: Some("a".repeat(64)),
        }
    );
    round_trip!(
        conn,
        audit_event,
        audit_event::Model {
            id: 0,
            occurred_at: t0(),
            actor_kind: ActorKind::System,
            actor_account_id: None,
            actor_client_id: None,
            action: "calendar.load".into(),
            object_type: "calendar_year".into(),
            object_id: None,
            subject_id: None,
            detail: json!({}),
            ip: None,
            request_id: None,
            chain_seq: None,
            prev_hash: None,
            hash: None,
        }
    );
    round_trip!(
        conn,
        chain_head,
        chain_head::Model {
            id: 0,
            chain: "query_log".into(),
            last_seq: 42,
            last_hash: Some("b".repeat(64)),
            anchor_seq: Some(7),
            anchor_hash: Some("c".repeat(64)),
            purged_rows: 7,
            sealed_at: Some(t1),
            updated_at: t1,
        }
    );
    round_trip!(
        conn,
        job_run,
        job_run::Model {
            id: 0,
            key: format!("deadline.remind:{}", objection.id),
            kind: "deadline.remind".into(),
            run_at: t1,
            detail: json!({"deadline": "provider_verification"}),
        }
    );

    // Enums are stored as their snake_case names.
    let stored = strings(
        conn,
        &format!("SELECT kind FROM subject WHERE id = {}", person.id),
    )
    .await;
    assert_eq!(stored, vec!["natural_person".to_string()]);
    let stored = strings(
        conn,
        &format!("SELECT outcome FROM objection WHERE id = {}", objection.id),
    )
    .await;
    assert_eq!(stored, vec!["withdrawn_provider_silent".to_string()]);
}

#[tokio::test]
async fn unique_and_foreign_key_constraints_fire() {
    let (db, conn) = migrated().await;
    let conn = &conn;

    let dept = department_model("FZ-A").into_active_model().reset_all();
    let mut dept = dept;
    dept.id = NotSet;
    let dept = dept.insert(conn).await.expect("department");
    let mut other = department_model("FZ-B").into_active_model().reset_all();
    other.id = NotSet;
    let other = other.insert(conn).await.expect("second department");

    let insert_subject = |hash: String| async move {
        let mut active = subject_model(&hash).into_active_model().reset_all();
        active.id = NotSet;
        active.insert(conn).await
    };
    let subject = insert_subject("1".repeat(64)).await.expect("subject");

    // Same identifier, same subject: the second insert is refused.
    let message = unique_violation(insert_subject("1".repeat(64)).await.unwrap_err());
    assert!(
        names_unique(
            &db,
            &message,
            "uq_subject_identifier_hash",
            "subject.identifier_hash"
        ),
        "unexpected message: {message}"
    );

    let mut category = category_model().into_active_model().reset_all();
    category.id = NotSet;
    let category = category.insert(conn).await.expect("category");

    let insert_record = |department_id: i64, source_ref: &'static str| {
        let model = credit_record_model(subject.id, category.id, department_id, source_ref);
        async move {
            let mut active = model.into_active_model().reset_all();
            active.id = NotSet;
            active.insert(conn).await
        }
    };
    insert_record(dept.id, "SRC-1").await.expect("record");
    // The same reference from another department is another record.
    insert_record(other.id, "SRC-1")
        .await
        .expect("same source_ref, other department");
    let message = unique_violation(insert_record(dept.id, "SRC-1").await.unwrap_err());
    assert!(
        names_unique(
            &db,
            &message,
            "uq_credit_record_department_source_ref",
            "credit_record.department_id, credit_record.source_ref"
        ),
        "unexpected message: {message}"
    );

    // Foreign keys are enforced on both backends (SQLite: sqlx turns them on).
    let message = foreign_key_violation(insert_record(i64::MAX, "SRC-2").await.unwrap_err());
    if db.backend == Backend::Postgres {
        assert!(
            message.contains("fk_credit_record_department_id"),
            "{message}"
        );
    }

    // A parent with children cannot be deleted.
    let err = department::Entity::delete_by_id(dept.id)
        .exec(conn)
        .await
        .unwrap_err();
    foreign_key_violation(err);
}

#[tokio::test]
async fn down_removes_everything_and_up_applies_again() {
    let (db, conn) = migrated().await;
    let tables = all_entity_tables().len();
    assert_eq!(app_tables(&db, &conn).await.len(), tables);

    Migrator::down(&conn, None)
        .await
        .expect("all migrations roll back");
    assert_eq!(
        leftover_objects(&db, &conn).await,
        Vec::<String>::new(),
        "nothing left after down but the migrator's own table"
    );
    assert_eq!(
        Migrator::get_pending_migrations(&conn)
            .await
            .expect("migration status")
            .len(),
        Migrator::migrations().len()
    );

    Migrator::up(&conn, None)
        .await
        .expect("migrations apply again");
    assert_eq!(app_tables(&db, &conn).await.len(), tables);

    // And one step at a time: the last migration alone goes down and comes back.
    Migrator::down(&conn, Some(1))
        .await
        .expect("last migration rolls back");
    // Whatever the last migration is (it may only add columns), it alone is pending.
    assert!(app_tables(&db, &conn).await.len() <= tables);
    assert_eq!(
        Migrator::get_pending_migrations(&conn)
            .await
            .expect("migration status")
            .len(),
        1
    );
    Migrator::up(&conn, None)
        .await
        .expect("last migration applies again");
    assert_eq!(app_tables(&db, &conn).await.len(), tables);
}
