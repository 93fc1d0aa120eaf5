//! Server render time of the portal's main pages.
//!
//! Starts the platform in-process on a fresh database (a temporary SQLite
//! file unless `--database-url` names an empty PostgreSQL database), loads
//! the demo data, signs in through the portal's own form as the demo
//! individual (and the operator and a department's staff member for the
//! workbench), then requests each
//! page `--runs` times over loopback HTTP after `--warmup` unmeasured
//! requests. A request's time is from sending it to the last byte of the
//! HTML: the GraphQL operations the page runs in-process, their database
//! reads, and the rendering.
//!
//! ```text
//! cargo run --release -p xinyong-bench --bin portal_render -- --runs 51
//! ```

use std::sync::Arc;
use std::time::Instant;

use clap::Parser;
use reqwest::redirect::Policy;
use serde_json::{Value, json};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser)]
#[command(about = "Server render time of the portal's main pages")]
struct Args {
    /// Measured requests per page.
    #[arg(long, default_value_t = 51)]
    runs: usize,
    /// Unmeasured requests per page first.
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// An empty database to use instead of a temporary SQLite file.
    #[arg(long)]
    database_url: Option<String>,
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(base: &str) -> Result<Client, BoxError> {
        Ok(Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()?,
            base: base.to_string(),
        })
    }

    async fn get(&self, path: &str) -> Result<(u16, String), BoxError> {
        let r = self.http.get(format!("{}{path}", self.base)).send().await?;
        let status = r.status().as_u16();
        Ok((status, r.text().await?))
    }

    async fn sign_in(&self, email: &str) -> Result<(), BoxError> {
        let (_, form) = self.get("/sign-in").await?;
        let marker = "name=\"csrf\" value=\"";
        let start = form.find(marker).ok_or("no CSRF token on /sign-in")? + marker.len();
        let csrf = form.get(start..start + 64).ok_or("short CSRF token")?;
        let r = self
            .http
            .post(format!("{}/sign-in", self.base))
            .form(&[
                ("csrf", csrf),
                ("email", email),
                ("password", xinyong::service::demo::DEMO_PASSWORD),
                ("next", "/me"),
            ])
            .send()
            .await?;
        if r.status().as_u16() != 303 {
            return Err(format!("sign-in of {email} answered {}", r.status()).into());
        }
        Ok(())
    }
}

async fn graphql(base: &str, token: &str, query: &str, vars: Value) -> Result<Value, BoxError> {
    let r: Value = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": vars }))
        .send()
        .await?
        .json()
        .await?;
    if !r["errors"].is_null() {
        return Err(format!("{query}: {}", r["errors"]).into());
    }
    Ok(r["data"].clone())
}

async fn token(base: &str, email: &str) -> Result<String, BoxError> {
    let r: Value = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({
            "query": "mutation($i:LoginInput!){login(input:$i){accessToken}}",
            "variables": { "i": { "email": email, "password": xinyong::service::demo::DEMO_PASSWORD } },
        }))
        .send()
        .await?
        .json()
        .await?;
    r["data"]["login"]["accessToken"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("login of {email}: {r}").into())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let url = args.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("xinyong.db").display()
        )
    });
    let mut config = xinyong::config::Config::for_database(&url, dir.path());
    // One client asks for everything: room enough not to be slowed down.
    config.rate_limit_anonymous = "custom:1000000:1000".into();
    config.rate_limit_account = "custom:1000000:1000".into();
    let state = xinyong::server::prepare(config, Arc::new(xinyong::clock::SystemClock)).await?;
    xinyong::service::demo::seed(&state).await?;
    let listener = xinyong::server::bind("127.0.0.1:0".parse()?).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let serving = state.clone();
    let server = tokio::spawn(async move {
        let _ = xinyong::server::serve(serving, listener, async {
            let _ = rx.await;
        })
        .await;
    });

    use xinyong::service::demo as d;
    // Ids of the pages to open, as the API gives them.
    let person = token(&base, d::PERSON_USER_EMAIL).await?;
    let data = graphql(
        &base,
        &person,
        "{viewer{subjects{id records(first:50){nodes{id repairEligibility{status}}}}}}",
        json!({}),
    )
    .await?;
    let subject = data["viewer"]["subjects"][0]["id"]
        .as_str()
        .ok_or("the individual has no subject")?
        .to_string();
    let records = data["viewer"]["subjects"][0]["records"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let record = records
        .first()
        .and_then(|r| r["id"].as_str())
        .ok_or("no record")?
        .to_string();
    let repairable = records
        .iter()
        .find(|r| r["repairEligibility"]["status"] == "ELIGIBLE")
        .and_then(|r| r["id"].as_str())
        .map(str::to_string);

    // The category whose submission form has the most fields: the heaviest
    // form page a department's staff member opens.
    let staff_token = token(&base, d::STAFF_EMAIL).await?;
    let cats = graphql(
        &base,
        &staff_token,
        "{recordCategories{code contentFields{key}}}",
        json!({}),
    )
    .await?;
    let category = cats["recordCategories"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .max_by_key(|c| c["contentFields"].as_array().map_or(0, |f| f.len()))
        })
        .and_then(|c| c["code"].as_str())
        .ok_or("no record category")?
        .to_string();

    let chen = Client::new(&base)?;
    chen.sign_in(d::PERSON_USER_EMAIL).await?;
    let operator = Client::new(&base)?;
    operator.sign_in(d::OPERATOR_EMAIL).await?;
    let staff = Client::new(&base)?;
    staff.sign_in(d::STAFF_EMAIL).await?;
    let anonymous = Client::new(&base)?;

    let mut pages: Vec<(&Client, String)> = vec![
        (&anonymous, "/".into()),
        (&anonymous, "/search?q=%E9%97%BD%E6%B1%9F".into()),
        (&anonymous, format!("/subjects/{}", d::ENTERPRISE_USCC)),
        (&anonymous, "/lists/court_defaulter".into()),
        (&chen, "/me".into()),
        (&chen, format!("/me/{subject}/records")),
        (&chen, format!("/records/{record}")),
        (&chen, format!("/me/{subject}/consents")),
        (&chen, format!("/me/{subject}/log")),
        (&chen, "/inbox".into()),
        (&chen, "/settings".into()),
        (&chen, format!("/me/{subject}/accounts")),
        (&chen, "/me/bind/document".into()),
        (&operator, "/staff".into()),
        (&operator, "/staff/overdue".into()),
        (&operator, "/staff/emails".into()),
        (&operator, "/staff/calendar".into()),
        (&operator, "/staff/rules".into()),
        (&operator, "/staff/bindings".into()),
        (&staff, "/staff/records".into()),
        (&staff, "/staff/records/new".into()),
        (&staff, format!("/staff/records/new?category={category}")),
    ];
    // The demo data has no complaint, so no complaint page is measured.
    if let Some(r) = repairable {
        pages.insert(7, (&chen, format!("/records/{r}/repair")));
    }

    println!(
        "{} runs per page after {} warm-up; database: {}",
        args.runs,
        args.warmup,
        if args.database_url.is_some() {
            "given"
        } else {
            "SQLite (temporary)"
        }
    );
    println!(
        "{:<48} {:>9} {:>9} {:>9} {:>8}",
        "page", "median", "p90", "min", "HTML"
    );
    for (client, path) in &pages {
        for _ in 0..args.warmup {
            client.get(path).await?;
        }
        let mut times = Vec::with_capacity(args.runs);
        let mut size = 0;
        for _ in 0..args.runs.max(1) {
            let t = Instant::now();
            let (status, body) = client.get(path).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if status != 200 {
                return Err(format!("{path} answered {status}").into());
            }
            size = body.len();
        }
        times.sort_by(f64::total_cmp);
        // Ids are long and opaque: show the page's shape, not its id.
        let shown = path
            .replace(&subject, "{subject}")
            .replace(&record, "{record}");
        let shown = if shown.contains("/repair") {
            "/records/{repairable}/repair".to_string()
        } else {
            shown
        };
        println!(
            "{:<48} {:>7.2}ms {:>7.2}ms {:>7.2}ms {:>6.1}KB",
            shown,
            percentile(&times, 0.5),
            percentile(&times, 0.9),
            times[0],
            size as f64 / 1024.0
        );
    }
    let _ = tx.send(());
    let _ = server.await;
    Ok(())
}
