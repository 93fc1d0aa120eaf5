//! The real `xinyong` binary: serving, and the calendar and rules commands.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use xinyong::service::demo;
use xinyong_tests::{TestDb, xinyong_bin};

struct Env {
    db: TestDb,
    dir: tempfile::TempDir,
}

impl Env {
    async fn new() -> Env {
        Env {
            db: TestDb::empty().await,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(xinyong_bin());
        c.args(args)
            .env("XINYONG_DATABASE_URL", &self.db.url)
            .env("XINYONG_DATA_DIR", self.dir.path())
            .env("XINYONG_LOG", "warn")
            .env_remove("XINYONG_CONFIG")
            .current_dir(self.dir.path());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the binary runs")
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn calendar_add_counts_working_and_calendar_days() {
    let env = Env::new().await;
    let o = env.run(&["calendar", "add", "2025-09-30", "3wd"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "2025-10-11\n");
    let o = env.run(&["calendar", "add", "2025-01-18", "10d"]);
    assert_eq!(stdout(&o), "2025-02-05\n", "{}", stderr(&o));
    // Past the last loaded year the answer is provisional.
    let o = env.run(&["calendar", "add", "2026-12-25", "10wd"]);
    assert!(
        stdout(&o).trim_end().ends_with(" provisional"),
        "{}",
        stdout(&o)
    );
}

#[tokio::test]
async fn calendar_add_refuses_bad_input_with_exit_code_2() {
    let env = Env::new().await;
    for args in [
        ["calendar", "add", "2025-02-30", "3wd"],
        ["calendar", "add", "30/09/2025", "3wd"],
        ["calendar", "add", "2025-09-30", "3weeks"],
        ["calendar", "add", "2025-09-30", "wd"],
    ] {
        let o = env.run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).starts_with("error: "),
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(stdout(&o).is_empty());
    }
}

#[tokio::test]
async fn rules_prints_every_rule_in_force_with_its_source() {
    let env = Env::new().await;
    let o = env.run(&["rules", "--on", "2026-06-01"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for id in [
        "objection.first_check",
        "objection.provider_verification",
        "repair.decision",
    ] {
        assert!(out.contains(id), "{id} missing from:\n{out}");
    }
    assert!(out.contains("Art. 44"), "sources are cited:\n{out}");
}

#[tokio::test]
async fn schema_command_prints_the_committed_contract() {
    let env = Env::new().await;
    let o = env.run(&["schema"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o), xinyong::graphql::sdl());
}

#[tokio::test]
async fn serve_seeds_the_demo_and_the_operator_can_sign_in() {
    let env = Env::new().await;
    let mut child = env
        .command(&["serve"])
        .env("XINYONG_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut graphql_url = None;
    let mut printed = String::new();
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.trim().strip_prefix("GraphQL:") {
            graphql_url = rest.split_whitespace().next().map(String::from);
        }
        if line.contains(demo::OPERATOR_EMAIL) {
            break;
        }
    }
    let url = graphql_url.unwrap_or_else(|| panic!("no GraphQL URL printed:\n{printed}"));
    assert!(
        printed.contains(demo::OPERATOR_EMAIL),
        "demo sign-ins are printed:\n{printed}"
    );

    let http = reqwest::Client::new();
    let login = http
        .post(&url)
        .json(&json!({
            "query": "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
            "variables": { "i": { "email": demo::OPERATOR_EMAIL, "password": demo::DEMO_PASSWORD } }
        }))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{login}"));
    let viewer = http
        .post(&url)
        .bearer_auth(token)
        .json(&json!({ "query": "{ viewer { account { role } } }" }))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(
        viewer["data"]["viewer"]["account"]["role"], "OPERATOR",
        "{viewer}"
    );

    // SIGTERM: a clean shutdown.
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
}

/// A made-up 2027 notice for the test (the real one is published in November 2026).
const TEST_2027: &str = r#"
year = 2027
[notice]
title = "国务院办公厅关于2027年部分节假日安排的通知（测试用）"
published_on = 2026-11-10

[[holiday]]
name_zh = "元旦"
name_en = "New Year's Day"
from = 2027-01-01
to = 2027-01-03

[[makeup_workday]]
date = 2027-01-09
name_zh = "元旦调休上班"
name_en = "New Year make-up working day"
"#;

#[tokio::test]
async fn calendar_load_validates_then_makes_next_year_firm() {
    let env = Env::new().await;
    let before = env.run(&["calendar", "add", "2026-12-30", "3wd"]);
    assert_eq!(
        stdout(&before),
        "2027-01-04 provisional\n",
        "{}",
        stderr(&before)
    );

    // A make-up "working day" on a Tuesday is refused, and nothing is loaded.
    let bad = env.dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        TEST_2027.replace("date = 2027-01-09", "date = 2027-01-05"),
    )
    .unwrap();
    let o = env.run(&["calendar", "load", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2027-01-05"),
        "the message names the date: {}",
        stderr(&o)
    );
    let still = env.run(&["calendar", "add", "2026-12-30", "3wd"]);
    assert_eq!(stdout(&still), "2027-01-04 provisional\n");

    let good = env.dir.path().join("2027.toml");
    std::fs::write(&good, TEST_2027).unwrap();
    let o = env.run(&["calendar", "load", good.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    // 2026-12-31 (Thu) is day 1; 1–3 Jan are holidays; Mon 4 and Tue 5 Jan follow.
    let after = env.run(&["calendar", "add", "2026-12-30", "3wd"]);
    assert_eq!(stdout(&after), "2027-01-05\n", "{}", stderr(&after));

    // Loading the same year again needs --replace.
    let again = env.run(&["calendar", "load", good.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--replace"), "{}", stderr(&again));
    let replaced = env.run(&["calendar", "load", "--replace", good.to_str().unwrap()]);
    assert!(replaced.status.success(), "{}", stderr(&replaced));
    let show = env.run(&["calendar", "show"]);
    assert!(stdout(&show).contains("2027"), "{}", stdout(&show));
}

#[tokio::test]
async fn a_running_server_follows_a_calendar_year_loaded_by_the_cli() {
    let app =
        xinyong_tests::TestApp::spawn_at(xinyong_tests::demo::at("2026-11-21T04:00:00Z")).await;
    assert!(
        !app.state
            .reference()
            .calendar
            .loaded_years()
            .contains(&2027)
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2027.toml");
    std::fs::write(&file, TEST_2027).unwrap();
    let o = Command::new(xinyong_bin())
        .args(["calendar", "load", file.to_str().unwrap()])
        .env("XINYONG_DATABASE_URL", &app.db.url)
        .env("XINYONG_DATA_DIR", dir.path())
        .env("XINYONG_LOG", "warn")
        .env_remove("XINYONG_CONFIG")
        .current_dir(dir.path())
        .output()
        .expect("the binary runs");
    assert!(o.status.success(), "{}", stderr(&o));
    // Another process stored it; this server learns of it on its next tick.
    assert!(
        !app.state
            .reference()
            .calendar
            .loaded_years()
            .contains(&2027)
    );
    xinyong::jobs::run_once(&app.state).await;
    let reference = app.state.reference();
    assert!(reference.calendar.loaded_years().contains(&2027));
    assert_eq!(
        reference
            .calendar_loads
            .get(&2027)
            .and_then(|l| l.loaded_by.as_deref()),
        Some("cli")
    );
    // Nothing changed since: the next tick keeps the same snapshot.
    assert!(
        !xinyong::service::reference::refresh(&app.state)
            .await
            .unwrap()
    );
}
