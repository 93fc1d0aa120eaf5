//! Command-line interface. Commands print results on stdout and problems on
//! stderr; the exit code is 0 on success, 2 for bad input, 1 for failures.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::clock::{Clock, SystemClock};
use crate::config::{self, Config};
use crate::server::{self, StartError};
use crate::service::{self, ServiceError};

#[derive(Debug, Parser)]
#[command(
    name = "xinyong",
    version,
    about = "Xinyong (信用) public credit information platform"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, seed demo data into an empty database, serve API + portal (the default).
    Serve,
    /// Apply pending database migrations and reference data, then exit.
    Migrate,
    /// Seed the demo data set (departments, subjects, records, accounts, an agency).
    SeedDemo,
    /// Print the GraphQL schema (SDL); `docs/schema.graphql` is this output.
    Schema,
    /// The working-day calendar.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Import a department's records from a CSV or JSON Lines file, in batches
    /// (see docs/department-guide.md). Writes a per-row report and prints a summary.
    Import {
        /// Code of the submitting department, e.g. FZ-SCJG.
        #[arg(long)]
        department: String,
        /// The file: `.csv` (one header row) or `.jsonl` (one JSON object per line).
        file: PathBuf,
        /// The file's format (default: from its extension).
        #[arg(long, value_enum)]
        format: Option<crate::import::Format>,
        /// Where to write the per-row report (default: <FILE>.report.csv).
        #[arg(long)]
        report: Option<PathBuf>,
        /// Batches (of 1,000 records) in the database at once (default: 4 on
        /// PostgreSQL, 1 on SQLite). Batches sharing a record or subject never overlap.
        #[arg(long)]
        parallel: Option<usize>,
    },
    /// The tamper-evident logs (query log, audit trail).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Print the rules (deadlines and periods) in force, with their sources.
    Rules {
        /// The date to judge by (default: today in Asia/Shanghai).
        #[arg(long)]
        on: Option<NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Add a period to a date: `3wd` working days, `10d` calendar days, `2m` months, `1y` years.
    /// Prints the resulting date, followed by `provisional` when it depends on a year not loaded.
    Add { date: String, period: String },
    /// Load a year's State Council holiday notice from a TOML file (validated first).
    Load {
        file: PathBuf,
        /// Replace the year if it is already loaded (an amended notice).
        #[arg(long)]
        replace: bool,
    },
    /// List the loaded years and their notices.
    Show,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Seal new log rows, then check the hash chains. Prints "N rows verified"
    /// per chain, or the first broken link (table, chain_seq, id) with exit code 1.
    Verify {
        /// Only this chain (default: both).
        #[arg(long, value_enum)]
        table: Option<service::chain::Chain>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The user's input is wrong: exit code 2.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("{0}")]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A hash chain does not verify: exit code 1.
    #[error("{0}")]
    ChainBroken(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Service(ServiceError::Invalid(_)) => 2,
            _ => 1,
        }
    }
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Schema = command {
        print!("{}", crate::graphql::sdl());
        return Ok(());
    }
    if let Command::Calendar {
        command: CalendarCommand::Add { date, period },
    } = &command
    {
        // Parse before touching the database: bad input fails fast and changes nothing.
        let (start, period) = (parse_date(date)?, Period::parse(period)?);
        let state = prepare(&load_config()?).await?;
        let reference = state.reference();
        let r = period.apply(start, &reference.calendar);
        println!(
            "{}{}",
            r.date,
            if r.provisional { " provisional" } else { "" }
        );
        return Ok(());
    }
    let config = load_config()?;
    crate::telemetry::init(config.log_format, &config.log_filter);
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            prepare(&config).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::SeedDemo => {
            let state = prepare(&config).await?;
            let summary = service::demo::seed(&state).await?;
            print!("{summary}");
            Ok(())
        }
        Command::Import {
            department,
            file,
            format,
            report,
            parallel,
        } => {
            use std::io::IsTerminal;
            // Check the file before touching the database.
            let progress = std::io::stderr().is_terminal();
            let job =
                crate::import::Job::open(department, file, format, report, progress, parallel)?;
            let state = prepare(&config).await?;
            let summary = job.run(&state).await?;
            print!("{summary}");
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { table },
        } => {
            let state = prepare(&config).await?;
            let reports = service::chain::verify_chains(&state, table).await?;
            for r in reports.iter().filter(|r| r.is_intact()) {
                println!("{r}");
            }
            match reports.into_iter().find_map(|r| r.broken) {
                Some(b) => Err(CliError::ChainBroken(b.to_string())),
                None => Ok(()),
            }
        }
        Command::Rules { on } => {
            let state = prepare(&config).await?;
            let on = on.unwrap_or_else(|| domain::time::local_date(state.now()));
            print!(
                "{}",
                service::reference::describe_rules(&state.reference().rules, on)
            );
            Ok(())
        }
        Command::Calendar { command } => {
            let state = prepare(&config).await?;
            match command {
                CalendarCommand::Load { file, replace } => {
                    let text = std::fs::read_to_string(&file).map_err(|e| {
                        CliError::Usage(format!("cannot read {}: {e}", file.display()))
                    })?;
                    let year =
                        service::reference::load_calendar_year(&state, &text, replace, "cli")
                            .await?;
                    println!("loaded the {year} holiday calendar");
                    Ok(())
                }
                CalendarCommand::Show => {
                    print!(
                        "{}",
                        service::reference::describe_calendar(&state.reference().calendar)
                    );
                    Ok(())
                }
                CalendarCommand::Add { .. } => unreachable!("handled above"),
            }
        }
        Command::Schema => unreachable!("handled above"),
    }
}

fn load_config() -> Result<Config, CliError> {
    Ok(config::from_env()?)
}

async fn prepare(config: &Config) -> Result<crate::state::AppState, CliError> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Ok(server::prepare(config.clone(), clock).await?)
}

async fn serve(config: Config) -> Result<(), CliError> {
    let seed = config.seed_demo;
    let addr = config.addr;
    let state = prepare(&config).await?;
    let demo = if seed {
        service::demo::seed_if_empty(&state).await?
    } else {
        None
    };
    let listener = server::bind(addr).await?;
    crate::jobs::spawn(state.clone());
    let local = listener.local_addr()?;
    let base = if state.config.public_url.ends_with(&local.port().to_string()) {
        state.config.public_url.clone()
    } else {
        format!("http://{local}")
    };
    println!("Xinyong is running.");
    println!("  Portal:   {base}/");
    println!("  GraphQL:  {base}/graphql  (GraphiQL in a browser)");
    println!("  OAuth:    {base}/oauth/token");
    println!("  Health:   {base}/healthz  {base}/readyz  {base}/metrics");
    match &state.config.mail.transport {
        crate::config::MailTransport::Files { dir } => {
            println!("  Mail:     written as .eml files to {}", dir.display())
        }
        crate::config::MailTransport::Smtp { host, port, .. } => {
            println!("  Mail:     SMTP {host}:{port}")
        }
    }
    if let Some(summary) = demo {
        print!("{summary}");
    }
    server::serve(state, listener, server::shutdown_signal()).await?;
    Ok(())
}

fn parse_date(s: &str) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        CliError::Usage(format!(
            "{s:?} is not a date; write it as YYYY-MM-DD, e.g. 2025-09-30"
        ))
    })
}

/// A period as written on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    WorkingDays(u32),
    CalendarDays(u32),
    Months(u32),
    Years(u32),
}

impl Period {
    pub fn parse(s: &str) -> Result<Period, CliError> {
        let s = s.trim().to_ascii_lowercase();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let bad = || {
            CliError::Usage(format!(
                "{s:?} is not a period; write a number and a unit: 3wd (working days), 10d (calendar days), 2m (months), 1y (years)"
            ))
        };
        let n: u32 = num.parse().map_err(|_| bad())?;
        if n > 100_000 {
            return Err(CliError::Usage(format!("{n} is too large a period")));
        }
        Ok(match unit {
            "wd" => Period::WorkingDays(n),
            "d" => Period::CalendarDays(n),
            "m" => Period::Months(n),
            "y" => Period::Years(n),
            _ => return Err(bad()),
        })
    }

    pub fn apply(
        self,
        start: NaiveDate,
        cal: &domain::calendar::Calendar,
    ) -> domain::calendar::Dated {
        match self {
            Period::WorkingDays(n) => cal.add_working_days(start, n),
            Period::CalendarDays(n) => cal.add_calendar_days(start, n),
            Period::Months(n) => cal.add_months(start, n),
            Period::Years(n) => cal.add_years(start, n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        assert_eq!(Period::parse("3wd").unwrap(), Period::WorkingDays(3));
        assert_eq!(Period::parse("10D").unwrap(), Period::CalendarDays(10));
        assert_eq!(Period::parse("2m").unwrap(), Period::Months(2));
        assert_eq!(Period::parse("1y").unwrap(), Period::Years(1));
        for bad in ["", "wd", "3", "3w", "-1d", "1.5d", "3 wd x"] {
            let e = Period::parse(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
        assert!(parse_date("2025-02-30").is_err());
        assert_eq!(
            parse_date(" 2025-09-30 ").unwrap(),
            NaiveDate::from_ymd_opt(2025, 9, 30).unwrap()
        );
    }
}
