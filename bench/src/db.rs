//! Benchmark databases: each measurement gets a PostgreSQL database of its
//! own, `xinyong_bench_<what>_<pid>`, dropped afterwards.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The server's maintenance database (`XINYONG_BENCH_PG_URL`, default
/// postgres://postgres@127.0.0.1:5432/postgres).
pub fn pg_admin_url() -> String {
    std::env::var("XINYONG_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database of the benchmark's own.
pub struct PgDb {
    pub url: String,
    pub name: String,
    admin_url: String,
}

impl PgDb {
    pub async fn create(what: &str) -> Result<PgDb, BoxError> {
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
        Ok(PgDb {
            // Loopback without TLS for every client of the benchmark (Xinyong,
            // the bare handler, pgbench through `libpq_args`, PostGraphile,
            // whose driver does not use TLS unless told): all measured alike.
            url: format!("{server}/{name}?sslmode=disable"),
            name,
            admin_url,
        })
    }

    /// A PostgreSQL URL in the key=value form pgbench and psql take.
    pub fn libpq_args(&self) -> Vec<String> {
        // postgres://user@host:port/db
        let rest = self.url.trim_start_matches("postgres://");
        let (user_host, _) = rest.split_once('/').unwrap_or((rest, ""));
        let (user, host_port) = user_host.split_once('@').unwrap_or(("postgres", user_host));
        let (host, port) = host_port.split_once(':').unwrap_or((host_port, "5432"));
        vec![
            "-h".into(),
            host.into(),
            "-p".into(),
            port.into(),
            "-U".into(),
            user.into(),
            // A connection string in the database name's place (libpq
            // expands it), without TLS like every client of the benchmark.
            format!("dbname={} sslmode=disable", self.name),
        ]
    }

    pub async fn drop(self) -> Result<(), BoxError> {
        let admin = Database::connect(&self.admin_url).await?;
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .await?;
        admin.close().await?;
        Ok(())
    }
}

/// The first column of the first row, as an integer.
pub async fn scalar(conn: &DatabaseConnection, sql: &str) -> Result<i64, BoxError> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            sql.to_string(),
        ))
        .await?
        .ok_or("no row")?;
    Ok(row.try_get_by_index::<i64>(0)?)
}
