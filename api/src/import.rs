//! `xinyong import`: a department's records from a CSV or JSON Lines file,
//! submitted in batches through [`records::submit_records`] — the same
//! service, rules and transactions as the `submitRecords` mutation.
//!
//! The file is streamed, never loaded whole: a parser thread reads it and
//! hands batches of at most [`records::MAX_BATCH`] records to the submitting
//! task, so parsing the next batch overlaps with writing this one. Each batch
//! is one transaction: a batch that fails leaves nothing half-written, and
//! batches already committed stay (re-running the file is idempotent, so the
//! remedy for an interrupted import is to run it again).
//!
//! Every row is parsed at the edge into a typed [`RecordSubmission`]; a row
//! that cannot be (bad date, unknown enum value, wrong column count, invalid
//! JSON) is rejected with its line number and the import goes on. The
//! report (`<FILE>.report.csv` by default) has one line per outcome:
//! `line, source_ref, outcome, field, code, message`.
//!
//! The formats are documented in `docs/department-guide.md`.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use entity::enums::{Disclosure, Severity, SubjectKind};
use sea_orm::ActiveEnum;
use serde_json::{Map, Number, Value};

use crate::auth::RequestMeta;
use crate::cli::CliError;
use crate::service::catalogue;
use crate::service::records::{self, ItemOutcome, LegalBasis, RecordSubmission, Submitter};
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;

/// The file formats `xinyong import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One header row, then one record per row (UTF-8, with or without BOM).
    Csv,
    /// One JSON object per line, shaped like a `submitRecords` record.
    Jsonl,
}

impl Format {
    /// The format a file's extension names: `.csv`, `.jsonl` / `.ndjson`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Jsonl => "JSON Lines",
        }
    }
}

/// The flat CSV columns, in the order the sample files use. Every other
/// column must be `content.<field>`.
pub const CSV_COLUMNS: &[&str] = &[
    "source_ref",
    "category",
    "subject_identifier",
    "subject_name",
    "subject_kind",
    "title",
    "decided_on",
    "conduct_ended_on",
    "valid_until",
    "severity",
    "disclosure",
    "disclosure_end",
    "correction_reason",
    "legal_basis_doc_type",
    "legal_basis_number",
    "legal_basis_issuer",
    "legal_basis_effective_on",
];

/// Columns a CSV file must have (the record cannot be built without them).
const REQUIRED_CSV_COLUMNS: &[&str] = &[
    "source_ref",
    "category",
    "subject_identifier",
    "subject_name",
    "title",
    "decided_on",
];

/// Keys of a JSON Lines object.
const JSON_KEYS: &[&str] = &[
    "source_ref",
    "category",
    "subject_identifier",
    "subject_name",
    "subject_kind",
    "title",
    "content",
    "legal_basis",
    "decided_on",
    "conduct_ended_on",
    "valid_until",
    "severity",
    "disclosure",
    "disclosure_end",
    "correction_reason",
];

const LEGAL_BASIS_KEYS: &[&str] = &["doc_type", "number", "issuer", "effective_on"];

/// Codes of the problems found while reading a row, before the service sees
/// it (the service's own codes are in `docs/errors.md`).
pub mod codes {
    /// A CSV row whose number of fields differs from the header's.
    pub const ROW_COLUMN_COUNT: &str = "ROW_COLUMN_COUNT";
    /// A line or cell that is not valid UTF-8.
    pub const ROW_ENCODING: &str = "ROW_ENCODING";
    /// A JSON Lines line that is not a JSON object.
    pub const JSON_INVALID: &str = "JSON_INVALID";
    /// A JSON key that is not a record field.
    pub const FIELD_UNKNOWN: &str = "FIELD_UNKNOWN";
    /// A JSON value of the wrong type (e.g. a number where text is expected).
    pub const TYPE_INVALID: &str = "TYPE_INVALID";
    /// A value that must be given is missing.
    pub const REQUIRED: &str = "REQUIRED";
    /// Not a date written YYYY-MM-DD.
    pub const DATE_INVALID: &str = "DATE_INVALID";
    /// Not one of the allowed values of subject_kind, severity or disclosure.
    pub const ENUM_INVALID: &str = "ENUM_INVALID";
    /// A content field the catalogue types as number/integer that is not one.
    pub const NUMBER_INVALID: &str = "NUMBER_INVALID";
    /// A content field the catalogue types as boolean that is not true/false.
    pub const BOOLEAN_INVALID: &str = "BOOLEAN_INVALID";

    pub const ALL: &[&str] = &[
        ROW_COLUMN_COUNT,
        ROW_ENCODING,
        JSON_INVALID,
        FIELD_UNKNOWN,
        TYPE_INVALID,
        REQUIRED,
        DATE_INVALID,
        ENUM_INVALID,
        NUMBER_INVALID,
        BOOLEAN_INVALID,
    ];
}

// ---------------------------------------------------------------------------
// The job.

/// An import that has been checked (file readable, format known, header
/// usable, report writable) and is ready to run.
pub struct Job {
    department: String,
    file: PathBuf,
    report_path: PathBuf,
    report: csv::Writer<BufWriter<File>>,
    source: Source,
    progress: bool,
    parallel: Option<usize>,
}

/// Where the rows come from, with what was learnt from the header.
// One value per import, never copied around: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
enum Source {
    Csv {
        reader: csv::Reader<CrlfMarks<BufReader<File>>>,
        header: CsvHeader,
        crlf: CrlfOffsets,
    },
    Jsonl {
        reader: BufReader<File>,
    },
}

impl Job {
    /// Opens the file and the report. Problems here are the user's to fix
    /// (exit code 2) and nothing has touched the database yet.
    /// `parallel`: batches in the database at once (default:
    /// [`default_parallel`]).
    pub fn open(
        department: String,
        file: PathBuf,
        format: Option<Format>,
        report: Option<PathBuf>,
        progress: bool,
        parallel: Option<usize>,
    ) -> Result<Job, CliError> {
        if parallel == Some(0) {
            return Err(CliError::Usage("--parallel must be at least 1".to_string()));
        }
        let format = match format.or_else(|| Format::from_path(&file)) {
            Some(f) => f,
            None => {
                return Err(CliError::Usage(format!(
                    "cannot tell the format of {} from its extension; name it .csv or .jsonl, or pass --format csv|jsonl",
                    file.display()
                )));
            }
        };
        let handle = File::open(&file)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", file.display())))?;
        if handle.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(CliError::Usage(format!(
                "{} is a folder, not a file",
                file.display()
            )));
        }
        let buffered = BufReader::with_capacity(256 * 1024, handle);
        let source = match format {
            Format::Csv => {
                let crlf = CrlfOffsets::default();
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(CrlfMarks::new(buffered, crlf.clone()));
                let mut first = csv::ByteRecord::new();
                let has_header = reader
                    .read_byte_record(&mut first)
                    .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", file.display())))?;
                if !has_header {
                    return Err(CliError::Usage(format!(
                        "{} is empty: a CSV file starts with a header row naming its columns",
                        file.display()
                    )));
                }
                let header = CsvHeader::parse(&first, &catalogue_types()?)
                    .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
                Source::Csv {
                    reader,
                    header,
                    crlf,
                }
            }
            Format::Jsonl => Source::Jsonl { reader: buffered },
        };
        let report_path = report.unwrap_or_else(|| default_report_path(&file));
        let report_file = File::create(&report_path).map_err(|e| {
            CliError::Usage(format!(
                "cannot write the report {}: {e}",
                report_path.display()
            ))
        })?;
        let mut report = csv::Writer::from_writer(BufWriter::new(report_file));
        report
            .write_record(["line", "source_ref", "outcome", "field", "code", "message"])
            .map_err(report_error)?;
        Ok(Job {
            department,
            file,
            report_path,
            report,
            source,
            progress,
            parallel,
        })
    }

    /// Submits the file batch by batch. Returns the summary when the whole
    /// file was processed, rejected rows or not; a batch the database
    /// refuses (after retries) stops the import with an error, after the
    /// summary so far has been printed.
    pub async fn run(self, state: &AppState) -> Result<Summary, CliError> {
        let Job {
            department,
            file,
            report_path,
            mut report,
            source,
            progress,
            parallel,
        } = self;
        let submitter = match Submitter::for_department_code(state, &department).await {
            Ok(s) => s,
            Err(ServiceError::Database(e)) => return Err(ServiceError::Database(e).into()),
            Err(ServiceError::Internal(e)) => return Err(ServiceError::Internal(e).into()),
            Err(e) => {
                let _ = std::fs::remove_file(&report_path);
                return Err(CliError::Usage(format!(
                    "department {department:?} cannot submit records: {}",
                    describe(&e)
                )));
            }
        };
        let format = source.format();
        let types = catalogue_types()?;
        let started = Instant::now();
        let mut summary = Summary {
            file: file.clone(),
            department: department.clone(),
            format,
            report: report_path,
            rows: 0,
            accepted: 0,
            unchanged: 0,
            corrected: 0,
            rejected: 0,
            elapsed: Duration::ZERO,
            stopped: None,
        };

        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Chunk, String>>(2);
        let parser = tokio::task::spawn_blocking(move || source.parse(&types, &tx));
        let import_id = uuid::Uuid::now_v7().simple().to_string();
        let in_flight_max = parallel.unwrap_or_else(|| default_parallel(state));
        let mut batch_no = 0u64;
        let mut failure: Option<CliError> = None;
        let mut in_flight: VecDeque<InFlight> = VecDeque::new();
        let mut progress_line = Progress::new(progress, started);

        while failure.is_none() {
            let chunk = match rx.recv().await {
                None => break,
                Some(Ok(c)) => c,
                Some(Err(e)) => {
                    summary.stopped = Some(format!("reading the file failed: {e}"));
                    failure = Some(CliError::Io(std::io::Error::other(format!(
                        "reading {}: {e}",
                        file.display()
                    ))));
                    break;
                }
            };
            batch_no += 1;
            let mut batch = Batch::from_chunk(batch_no, chunk);
            // Batches that share a record or a subject run one after the
            // other, in file order; others may overlap.
            while in_flight.len() >= in_flight_max
                || in_flight
                    .iter()
                    .any(|f| !f.batch.keys.is_disjoint(&batch.keys))
            {
                let Some(done) = in_flight.pop_front() else {
                    break;
                };
                if let Err(e) = finish(state, done, &mut report, &mut summary, format).await {
                    failure = Some(e);
                    break;
                }
                progress_line.show(&summary);
            }
            if failure.is_some() {
                break;
            }
            let handle = if batch.items.is_empty() {
                None
            } else {
                let meta = RequestMeta {
                    request_id: Some(format!("import-{import_id}-{batch_no}")),
                    ip: None,
                    user_agent: Some(format!("xinyong-import/{}", env!("CARGO_PKG_VERSION"))),
                    channel: entity::enums::Channel::Cli,
                };
                let (state, submitter, items) = (
                    state.clone(),
                    submitter.clone(),
                    std::mem::take(&mut batch.items),
                );
                Some(tokio::spawn(async move {
                    submit_with_retry(&state, &submitter, &meta, items).await
                }))
            };
            in_flight.push_back(InFlight { batch, handle });
        }
        // Finish what was started, in order, even after a failure: batches
        // already sent are written or not, and the report says which.
        while let Some(done) = in_flight.pop_front() {
            if let Err(e) = finish(state, done, &mut report, &mut summary, format).await {
                failure.get_or_insert(e);
            }
            progress_line.show(&summary);
        }
        // Stop the parser if we broke off early, then wait for it.
        drop(rx);
        let _ = parser.await;
        progress_line.end();
        summary.elapsed = started.elapsed();
        let flushed = report.flush().map_err(|e| {
            CliError::Io(std::io::Error::other(format!(
                "writing the report {}: {e}",
                summary.report.display()
            )))
        });
        match failure {
            Some(e) => {
                print!("{summary}");
                Err(e)
            }
            None => {
                flushed?;
                Ok(summary)
            }
        }
    }
}

/// How many batches are in the database at once unless `--parallel` says:
/// PostgreSQL runs independent transactions side by side, so more batches
/// overlap each other's round trips and commits; SQLite has one writer at a
/// time. Batches that share a record or a subject never overlap. Four keep
/// two cores busy (100,000 records, docs/performance.md: 6,200 records/s
/// with 2, 8,600–9,500 with 4, 9,300 with 8).
pub fn default_parallel(state: &AppState) -> usize {
    match state.db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => 4,
        _ => 1,
    }
}

/// A chunk ready to submit: the records, the rows for the report, and the
/// keys (source refs and subjects) that order it against other batches.
struct Batch {
    no: u64,
    first_line: u64,
    last_line: u64,
    items: Vec<RecordSubmission>,
    slots: Vec<Slot>,
    keys: HashSet<String>,
}

impl Batch {
    fn from_chunk(no: u64, chunk: Chunk) -> Batch {
        let Chunk {
            rows,
            first_line,
            last_line,
        } = chunk;
        let mut items = Vec::with_capacity(rows.len());
        let mut slots = Vec::with_capacity(rows.len());
        let mut keys = HashSet::with_capacity(rows.len() * 2);
        for row in rows {
            match row {
                Row::Parsed { line, item } => {
                    keys.insert(format!("r:{}", item.source_ref.trim()));
                    keys.insert(subject_key(&item));
                    slots.push(Slot {
                        line,
                        source_ref: item.source_ref.clone(),
                        unreadable: None,
                    });
                    items.push(item);
                }
                Row::Unreadable {
                    line,
                    source_ref,
                    errors,
                } => slots.push(Slot {
                    line,
                    source_ref,
                    unreadable: Some(errors),
                }),
            }
        }
        Batch {
            no,
            first_line,
            last_line,
            items,
            slots,
            keys,
        }
    }
}

fn subject_key(item: &RecordSubmission) -> String {
    format!("s:{}", item.subject_identifier.trim().to_uppercase())
}

/// A batch sent to the database (no handle: nothing in it could be read).
struct InFlight {
    batch: Batch,
    handle: Option<tokio::task::JoinHandle<Result<Vec<ItemOutcome>, ServiceError>>>,
}

/// Waits for a batch and writes its outcomes.
async fn finish(
    state: &AppState,
    done: InFlight,
    report: &mut csv::Writer<BufWriter<File>>,
    summary: &mut Summary,
    format: Format,
) -> Result<(), CliError> {
    let InFlight { batch, handle } = done;
    let outcomes = match handle {
        None => Vec::new(),
        Some(h) => {
            let result = h
                .await
                .map_err(|e| ServiceError::Internal(format!("import batch task: {e}")))
                .and_then(|r| r);
            match result {
                Ok(o) => o,
                Err(e) => {
                    let why = format!(
                        "batch {} (lines {}–{}) was refused and nothing of it was written: {}",
                        batch.no,
                        batch.first_line,
                        batch.last_line,
                        describe(&e)
                    );
                    summary.stopped.get_or_insert(why);
                    return Err(e.into());
                }
            }
        }
    };
    record_chunk(report, summary, format, batch.slots, outcomes)?;
    refresh_statistics(state, batch.no).await;
    Ok(())
}

/// The progress line on stderr (only when it is a terminal).
struct Progress {
    on: bool,
    started: Instant,
    last: Instant,
}

impl Progress {
    fn new(on: bool, started: Instant) -> Progress {
        Progress {
            on,
            started,
            last: started,
        }
    }

    fn show(&mut self, s: &Summary) {
        if !self.on || self.last.elapsed() < Duration::from_millis(200) {
            return;
        }
        self.last = Instant::now();
        let elapsed = self.started.elapsed().as_secs_f64();
        eprint!(
            "\r{} rows: {} accepted, {} unchanged, {} corrected, {} rejected ({:.0} rows/s)   ",
            s.rows,
            s.accepted,
            s.unchanged,
            s.corrected,
            s.rejected,
            s.rows as f64 / elapsed.max(1e-9)
        );
    }

    fn end(&self) {
        if self.on {
            eprintln!();
        }
    }
}

/// On PostgreSQL, refreshes the planner's statistics of the tables a bulk
/// load grows, after batches 1, 2, 4, 8, … (each time the load has doubled).
///
/// Without it the planner keeps believing that the department has the few
/// records it had before the load, and looks existing records up by
/// scanning all of the department's rows instead of probing the
/// `(department_id, source_ref)` index: every batch then costs time in
/// proportion to the rows loaded so far, and a 100,000-row load becomes
/// quadratic (docs/performance.md). PostgreSQL's documentation advises
/// `ANALYZE` after bulk loads; autovacuum does it eventually, but not
/// within a load (and not at all where it is off). Failures (e.g. a role
/// that does not own the tables) only cost speed.
async fn refresh_statistics(state: &AppState, batch_no: u64) {
    use sea_orm::ConnectionTrait;
    if !batch_no.is_power_of_two()
        || state.db.get_database_backend() != sea_orm::DatabaseBackend::Postgres
    {
        return;
    }
    if let Err(e) = state
        .db
        .execute_unprepared(
            "ANALYZE credit_record (department_id, source_ref), subject (identifier_hash)",
        )
        .await
    {
        tracing::warn!(error = %e, "ANALYZE after an import batch failed; the import goes on");
    }
}

/// `<FILE>.report.csv` next to the file.
pub fn default_report_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".report.csv");
    PathBuf::from(name)
}

fn report_error(e: csv::Error) -> CliError {
    CliError::Io(std::io::Error::other(format!("writing the report: {e}")))
}

/// One line of explanation for a service error, nothing internal.
fn describe(e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid(errors) => errors
            .iter()
            .map(|f| format!("{} ({})", f.message, f.code))
            .collect::<Vec<_>>()
            .join("; "),
        ServiceError::Forbidden => "not allowed".into(),
        other => other.to_string(),
    }
}

/// Submits one batch; a database error (a lost race, a dropped connection)
/// is retried twice, which is safe because the batch's transaction rolled
/// back and submission is idempotent.
async fn submit_with_retry(
    state: &AppState,
    submitter: &Submitter,
    meta: &RequestMeta,
    items: Vec<RecordSubmission>,
) -> Result<Vec<ItemOutcome>, ServiceError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match records::submit_records(state, submitter, meta, items.clone()).await {
            Err(ServiceError::Database(e)) if attempt < 3 => {
                tracing::warn!(attempt, error = %e, "import batch failed; retrying");
                tokio::time::sleep(Duration::from_millis(250 * attempt)).await;
            }
            other => return other,
        }
    }
}

/// A row of a chunk as the report needs it.
struct Slot {
    line: u64,
    source_ref: String,
    /// The errors of a row that could not be read (it was not submitted).
    unreadable: Option<Vec<FieldError>>,
}

/// Writes a processed chunk's outcomes to the report and the tally.
fn record_chunk(
    report: &mut csv::Writer<BufWriter<File>>,
    summary: &mut Summary,
    format: Format,
    slots: Vec<Slot>,
    outcomes: Vec<ItemOutcome>,
) -> Result<(), CliError> {
    let mut outcomes = outcomes.into_iter();
    for Slot {
        line,
        source_ref,
        unreadable,
    } in slots
    {
        summary.rows += 1;
        let outcome = match unreadable {
            Some(errors) => ItemOutcome::Rejected { errors },
            None => outcomes.next().ok_or_else(|| {
                ServiceError::Internal(format!(
                    "the service returned fewer outcomes than records (line {line})"
                ))
            })?,
        };
        let line = line.to_string();
        match outcome {
            ItemOutcome::Accepted { .. } => {
                summary.accepted += 1;
                report
                    .write_record([line.as_str(), &source_ref, "accepted", "", "", ""])
                    .map_err(report_error)?;
            }
            ItemOutcome::Unchanged { .. } => {
                summary.unchanged += 1;
                report
                    .write_record([line.as_str(), &source_ref, "unchanged", "", "", ""])
                    .map_err(report_error)?;
            }
            ItemOutcome::Corrected { .. } => {
                summary.corrected += 1;
                report
                    .write_record([line.as_str(), &source_ref, "corrected", "", "", ""])
                    .map_err(report_error)?;
            }
            ItemOutcome::Rejected { errors } => {
                summary.rejected += 1;
                if errors.is_empty() {
                    report
                        .write_record([line.as_str(), &source_ref, "rejected", "", "", ""])
                        .map_err(report_error)?;
                }
                for e in errors {
                    let field = field_name(format, &e.field);
                    report
                        .write_record([
                            line.as_str(),
                            &source_ref,
                            "rejected",
                            &field,
                            e.code,
                            &e.message,
                        ])
                        .map_err(report_error)?;
                }
            }
        }
    }
    if outcomes.next().is_some() {
        return Err(ServiceError::Internal(
            "the service returned more outcomes than records".into(),
        )
        .into());
    }
    Ok(())
}

/// The field an error names, as the file spells it: the CSV column
/// (`legal_basis_number`, `content.fine_amount_yuan`) or the JSON path
/// (`legal_basis.number`). The service's path may start with the GraphQL
/// input's `input`/`records`/index; those are dropped.
fn field_name(format: Format, path: &[String]) -> String {
    let mut rest = path;
    if let Some(("input", tail)) = rest.split_first().map(|(h, t)| (h.as_str(), t)) {
        rest = tail;
    }
    if let Some(("records", tail)) = rest.split_first().map(|(h, t)| (h.as_str(), t)) {
        rest = tail;
    }
    if let Some((head, tail)) = rest.split_first()
        && head.parse::<usize>().is_ok()
    {
        rest = tail;
    }
    let snake: Vec<String> = rest.iter().map(|s| to_snake(s)).collect();
    match (format, snake.as_slice()) {
        (Format::Csv, [first, field]) if first == "legal_basis" => format!("legal_basis_{field}"),
        (Format::Csv, [first, field, ..]) if first == "content" => format!("content.{field}"),
        _ => snake.join("."),
    }
}

/// `sourceRef` → `source_ref` (GraphQL names back to file names).
fn to_snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Summary.

/// What an import did.
#[derive(Clone, Debug)]
pub struct Summary {
    pub file: PathBuf,
    pub department: String,
    pub format: Format,
    pub report: PathBuf,
    pub rows: u64,
    pub accepted: u64,
    pub unchanged: u64,
    pub corrected: u64,
    pub rejected: u64,
    pub elapsed: Duration,
    /// Why the import stopped before the end of the file, if it did.
    pub stopped: Option<String>,
}

impl Summary {
    pub fn records_per_second(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Import of {} ({}) for department {}",
            self.file.display(),
            self.format.name(),
            self.department
        )?;
        writeln!(f, "  rows read:  {}", self.rows)?;
        writeln!(f, "  accepted:   {}", self.accepted)?;
        writeln!(f, "  unchanged:  {}", self.unchanged)?;
        writeln!(f, "  corrected:  {}", self.corrected)?;
        writeln!(f, "  rejected:   {}", self.rejected)?;
        writeln!(f, "  elapsed:    {:.2} s", self.elapsed.as_secs_f64())?;
        writeln!(f, "  records/s:  {:.0}", self.records_per_second())?;
        writeln!(f, "  report:     {}", self.report.display())?;
        if let Some(why) = &self.stopped {
            writeln!(
                f,
                "The import STOPPED before the end of the file: {why}. Earlier batches are saved; run the same command again to continue (rows already imported are left unchanged)."
            )?;
        } else if self.rows == 0 {
            writeln!(f, "The file has no records.")?;
        } else if self.rejected > 0 {
            writeln!(
                f,
                "{} of {} rows were REJECTED: the report gives each one's line and reason. Fix them and import the file again; the rows already imported will be left unchanged.",
                self.rejected, self.rows
            )?;
        } else if self.unchanged == self.rows {
            writeln!(
                f,
                "All {} rows unchanged: every record was already imported exactly so.",
                self.rows
            )?;
        } else {
            writeln!(f, "All {} rows were imported.", self.rows)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Parsing: rows into typed submissions.

/// A run of rows holding at most `MAX_BATCH` parsed records, with the
/// unreadable rows between them, in file order.
struct Chunk {
    rows: Vec<Row>,
    first_line: u64,
    last_line: u64,
}

// Rows are moved once into their batch; boxing would add an allocation
// per row on the import's hot path.
#[allow(clippy::large_enum_variant)]
enum Row {
    Parsed {
        line: u64,
        item: RecordSubmission,
    },
    Unreadable {
        line: u64,
        source_ref: String,
        errors: Vec<FieldError>,
    },
}

impl Row {
    fn line(&self) -> u64 {
        match self {
            Row::Parsed { line, .. } | Row::Unreadable { line, .. } => *line,
        }
    }
}

/// Builds chunks and sends each when it holds `MAX_BATCH` records.
struct Chunker<'a> {
    tx: &'a tokio::sync::mpsc::Sender<Result<Chunk, String>>,
    rows: Vec<Row>,
    parsed: usize,
}

impl Chunker<'_> {
    /// False when the receiver has gone (the import stopped).
    fn push(&mut self, row: Row) -> bool {
        if matches!(row, Row::Parsed { .. }) {
            self.parsed += 1;
        }
        self.rows.push(row);
        if self.parsed >= records::MAX_BATCH {
            let held = self.hold_back_last_subject();
            let sent = self.flush();
            self.parsed = held
                .iter()
                .filter(|r| matches!(r, Row::Parsed { .. }))
                .count();
            self.rows = held;
            return sent;
        }
        true
    }

    /// Files usually list a subject's records together. When the batch is
    /// full in the middle of a subject's run, that run moves to the next
    /// batch, so that two batches rarely share a subject (and may then be in
    /// the database at the same time, see `default_parallel`). A run longer
    /// than half a batch stays.
    fn hold_back_last_subject(&mut self) -> Vec<Row> {
        let key = |r: &Row| match r {
            Row::Parsed { item, .. } => Some(subject_key(item)),
            Row::Unreadable { .. } => None,
        };
        let Some(last) = self.rows.iter().rev().find_map(key) else {
            return Vec::new();
        };
        let mut cut = self.rows.len();
        let mut run = 0;
        for (i, r) in self.rows.iter().enumerate().rev() {
            match key(r) {
                Some(k) if k == last => {
                    run += 1;
                    cut = i;
                }
                Some(_) => break,
                None => {}
            }
        }
        if run * 2 > records::MAX_BATCH || cut == 0 {
            return Vec::new();
        }
        self.rows.split_off(cut)
    }

    fn flush(&mut self) -> bool {
        if self.rows.is_empty() {
            return true;
        }
        let rows = std::mem::take(&mut self.rows);
        self.parsed = 0;
        let chunk = Chunk {
            first_line: rows.first().map(Row::line).unwrap_or(0),
            last_line: rows.last().map(Row::line).unwrap_or(0),
            rows,
        };
        self.tx.blocking_send(Ok(chunk)).is_ok()
    }
}

/// Content field types of each category, from the catalogue.
type CatalogueTypes = HashMap<String, HashMap<String, FieldType>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FieldType {
    Text,
    Number,
    Integer,
    Boolean,
}

fn catalogue_types() -> Result<CatalogueTypes, CliError> {
    let defs = catalogue::builtin()
        .map_err(|e| ServiceError::Internal(format!("built-in catalogue: {e}")))?;
    Ok(defs
        .into_iter()
        .map(|def| {
            let fields = def
                .content_schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .iter()
                        .map(|(name, p)| {
                            let t = match p.get("type").and_then(Value::as_str) {
                                Some("number") => FieldType::Number,
                                Some("integer") => FieldType::Integer,
                                Some("boolean") => FieldType::Boolean,
                                _ => FieldType::Text,
                            };
                            (name.clone(), t)
                        })
                        .collect()
                })
                .unwrap_or_default();
            (def.code, fields)
        })
        .collect())
}

impl Source {
    fn format(&self) -> Format {
        match self {
            Source::Csv { .. } => Format::Csv,
            Source::Jsonl { .. } => Format::Jsonl,
        }
    }

    /// Runs on a blocking thread: reads every row and sends the chunks.
    fn parse(self, types: &CatalogueTypes, tx: &tokio::sync::mpsc::Sender<Result<Chunk, String>>) {
        let mut chunker = Chunker {
            tx,
            rows: Vec::with_capacity(records::MAX_BATCH),
            parsed: 0,
        };
        let result = match self {
            Source::Csv {
                reader,
                header,
                crlf,
            } => parse_csv(reader, &header, &crlf, types, &mut chunker),
            Source::Jsonl { reader } => parse_jsonl(reader, &mut chunker),
        };
        match result {
            Ok(true) => {
                chunker.flush();
            }
            Ok(false) => {}
            Err(e) => {
                // Rows read before the failure are still submitted, then the
                // import stops with the error.
                if chunker.flush() {
                    let _ = tx.blocking_send(Err(e));
                }
            }
        }
    }
}

/// Byte offsets of the `\n` of each `\r\n` read so far. The csv reader
/// ends a row at `\r` and starts the next one at the `\n`, so a row after a
/// CRLF row end reports the previous line; these offsets correct that.
#[derive(Clone, Default)]
struct CrlfOffsets(std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<u64>>>);

impl CrlfOffsets {
    /// Whether a row starting at `byte` starts at the `\n` of a CRLF. Rows
    /// come in order, so offsets before `byte` are dropped.
    fn starts_at_crlf_newline(&self, byte: u64) -> bool {
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        while q.front().is_some_and(|&b| b < byte) {
            q.pop_front();
        }
        q.front() == Some(&byte)
    }
}

/// A reader that notes where each `\r\n` is (see [`CrlfOffsets`]).
struct CrlfMarks<R> {
    inner: R,
    offset: u64,
    last_was_cr: bool,
    marks: CrlfOffsets,
}

impl<R> CrlfMarks<R> {
    fn new(inner: R, marks: CrlfOffsets) -> Self {
        CrlfMarks {
            inner,
            offset: 0,
            last_was_cr: false,
            marks,
        }
    }
}

impl<R: Read> Read for CrlfMarks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut q = self.marks.0.lock().unwrap_or_else(|p| p.into_inner());
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' && self.last_was_cr {
                q.push_back(self.offset + i as u64);
            }
            self.last_was_cr = b == b'\r';
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Ok(false) when the import stopped listening.
fn parse_csv<R: Read>(
    mut reader: csv::Reader<R>,
    header: &CsvHeader,
    crlf: &CrlfOffsets,
    types: &CatalogueTypes,
    chunker: &mut Chunker<'_>,
) -> Result<bool, String> {
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(true),
            Ok(true) => {}
            Err(e) => return Err(e.to_string()),
        }
        let line = record
            .position()
            .map(|p| p.line() + u64::from(crlf.starts_at_crlf_newline(p.byte())))
            .unwrap_or(0);
        // A row of only empty fields (e.g. a trailing ",,,,") is not a record.
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let row = match header.parse_row(&record, types) {
            Ok(item) => Row::Parsed { line, item },
            Err((source_ref, errors)) => Row::Unreadable {
                line,
                source_ref,
                errors,
            },
        };
        if !chunker.push(row) {
            return Ok(false);
        }
    }
}

/// Ok(false) when the import stopped listening.
fn parse_jsonl<R: BufRead>(mut reader: R, chunker: &mut Chunker<'_>) -> Result<bool, String> {
    let mut buf = Vec::with_capacity(4096);
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(true);
        }
        line += 1;
        let mut bytes = buf.as_slice();
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let row = match std::str::from_utf8(bytes) {
            Err(e) => Row::Unreadable {
                line,
                source_ref: String::new(),
                errors: vec![FieldError::new(
                    &[],
                    codes::ROW_ENCODING,
                    format!(
                        "the line is not valid UTF-8 (byte {}); save the file as UTF-8",
                        e.valid_up_to() + 1
                    ),
                )],
            },
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => match parse_json_record(text) {
                Ok(item) => Row::Parsed { line, item },
                Err((source_ref, errors)) => Row::Unreadable {
                    line,
                    source_ref,
                    errors,
                },
            },
        };
        if !chunker.push(row) {
            return Ok(false);
        }
    }
}

type RowError = (String, Vec<FieldError>);

/// The CSV header: which column holds what.
#[derive(Debug)]
struct CsvHeader {
    width: usize,
    flat: HashMap<&'static str, usize>,
    /// `content.<field>` columns: (field, column index).
    content: Vec<(String, usize)>,
}

impl CsvHeader {
    fn parse(record: &csv::ByteRecord, types: &CatalogueTypes) -> Result<CsvHeader, String> {
        let mut flat = HashMap::new();
        let mut content = Vec::new();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (i, raw) in record.iter().enumerate() {
            let mut raw = raw;
            if i == 0 {
                raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
            }
            let name = std::str::from_utf8(raw)
                .map_err(|_| {
                    format!(
                        "header column {} is not valid UTF-8; save the file as UTF-8",
                        i + 1
                    )
                })?
                .trim()
                .to_string();
            if let Some(prev) = seen.insert(name.clone(), i) {
                return Err(format!(
                    "the header names column {name:?} twice (columns {} and {})",
                    prev + 1,
                    i + 1
                ));
            }
            if let Some(field) = name.strip_prefix("content.") {
                if field.is_empty() {
                    return Err(format!(
                        "header column {}: `content.` names no field",
                        i + 1
                    ));
                }
                if !types.values().any(|fields| fields.contains_key(field)) {
                    return Err(format!(
                        "header column {} `{name}`: no category in the catalogue has a content field {field:?} (see docs/catalogue.md)",
                        i + 1
                    ));
                }
                content.push((field.to_string(), i));
            } else if let Some(known) = CSV_COLUMNS.iter().find(|c| **c == name) {
                flat.insert(*known, i);
            } else {
                return Err(format!(
                    "header column {} {name:?} is not a record field; the columns are {} and content.<field>",
                    i + 1,
                    CSV_COLUMNS.join(", ")
                ));
            }
        }
        let missing: Vec<&str> = REQUIRED_CSV_COLUMNS
            .iter()
            .copied()
            .filter(|c| !flat.contains_key(c))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the header lacks the required column(s) {}",
                missing.join(", ")
            ));
        }
        Ok(CsvHeader {
            width: record.len(),
            flat,
            content,
        })
    }

    fn parse_row(
        &self,
        record: &csv::ByteRecord,
        types: &CatalogueTypes,
    ) -> Result<RecordSubmission, RowError> {
        let source_ref = self
            .flat
            .get("source_ref")
            .and_then(|i| record.get(*i))
            .map(|b| String::from_utf8_lossy(b).trim().to_string())
            .unwrap_or_default();
        if record.len() != self.width {
            let errors = vec![FieldError::new(
                &[],
                codes::ROW_COLUMN_COUNT,
                format!(
                    "the row has {} fields but the header has {}; check for an unquoted comma or a missing field",
                    record.len(),
                    self.width
                ),
            )];
            return Err((source_ref, errors));
        }
        let mut errors = Vec::new();
        let mut cell = |column: &'static str| -> Option<String> {
            let i = *self.flat.get(column)?;
            let bytes = record.get(i)?;
            match std::str::from_utf8(bytes) {
                Ok(s) => {
                    let s = s.trim();
                    (!s.is_empty()).then(|| s.to_string())
                }
                Err(_) => {
                    errors.push(FieldError::new(
                        &[column],
                        codes::ROW_ENCODING,
                        "the cell is not valid UTF-8; save the file as UTF-8",
                    ));
                    None
                }
            }
        };
        let source_ref = cell("source_ref").unwrap_or(source_ref);
        let category = cell("category").unwrap_or_default();
        let subject_identifier = cell("subject_identifier").unwrap_or_default();
        let subject_name = cell("subject_name").unwrap_or_default();
        let title = cell("title").unwrap_or_default();
        let subject_kind = cell("subject_kind");
        let decided_on = cell("decided_on");
        let conduct_ended_on = cell("conduct_ended_on");
        let valid_until = cell("valid_until");
        let severity = cell("severity");
        let disclosure = cell("disclosure");
        let disclosure_end = cell("disclosure_end");
        let correction_reason = cell("correction_reason");
        let lb_doc_type = cell("legal_basis_doc_type");
        let lb_number = cell("legal_basis_number");
        let lb_issuer = cell("legal_basis_issuer");
        let lb_effective_on = cell("legal_basis_effective_on");

        let mut p = Parser { errors, csv: true };
        let decided_on = p.required_date("decided_on", &["decided_on"], decided_on.as_deref());
        let conduct_ended_on = p.date(&["conduct_ended_on"], conduct_ended_on.as_deref());
        let valid_until = p.date(&["valid_until"], valid_until.as_deref());
        let disclosure_end = p.date(&["disclosure_end"], disclosure_end.as_deref());
        let subject_kind = p.enumeration::<SubjectKind>(&["subject_kind"], subject_kind.as_deref());
        let severity = p.enumeration::<Severity>(&["severity"], severity.as_deref());
        let disclosure = p.enumeration::<Disclosure>(&["disclosure"], disclosure.as_deref());
        let legal_basis = p.legal_basis(
            [
                ("legal_basis_doc_type", lb_doc_type),
                ("legal_basis_number", lb_number),
                ("legal_basis_issuer", lb_issuer),
            ],
            ("legal_basis_effective_on", lb_effective_on),
        );

        let fields = types.get(&category);
        let mut content = Map::new();
        for (field, i) in &self.content {
            let Some(bytes) = record.get(*i) else {
                continue;
            };
            let column = format!("content.{field}");
            let Ok(text) = std::str::from_utf8(bytes) else {
                p.errors.push(FieldError::new(
                    &[&column],
                    codes::ROW_ENCODING,
                    "the cell is not valid UTF-8; save the file as UTF-8",
                ));
                continue;
            };
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let ty = fields
                .and_then(|f| f.get(field))
                .copied()
                .unwrap_or(FieldType::Text);
            if let Some(v) = p.content_value(&column, ty, text) {
                content.insert(field.clone(), v);
            }
        }

        if !p.errors.is_empty() {
            return Err((source_ref, p.errors));
        }
        match decided_on {
            Some(decided_on) => Ok(RecordSubmission {
                source_ref,
                category,
                subject_identifier,
                subject_name,
                subject_kind,
                title,
                content: Value::Object(content),
                legal_basis,
                decided_on,
                conduct_ended_on,
                valid_until,
                severity,
                disclosure,
                disclosure_end,
                correction_reason,
            }),
            None => Err((source_ref, p.errors)),
        }
    }
}

/// Collects field errors while turning text into typed values.
struct Parser {
    errors: Vec<FieldError>,
    /// CSV accepts `YYYY/MM/DD` too (what spreadsheets often write).
    csv: bool,
}

impl Parser {
    fn date(&mut self, field: &[&str], text: Option<&str>) -> Option<NaiveDate> {
        let text = text?.trim();
        if text.is_empty() {
            return None;
        }
        let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .or_else(|| {
                if self.csv {
                    NaiveDate::parse_from_str(text, "%Y/%m/%d").ok()
                } else {
                    None
                }
            });
        // chrono accepts one-digit months and days and years beyond four digits;
        // keep to what people write.
        let parsed = parsed.filter(|d| {
            let y = chrono::Datelike::year(d);
            (1000..=9999).contains(&y)
        });
        if parsed.is_none() {
            self.errors.push(FieldError::new(
                field,
                codes::DATE_INVALID,
                format!("{text:?} is not a date; write it as YYYY-MM-DD, e.g. 2025-09-30"),
            ));
        }
        parsed
    }

    fn required_date(
        &mut self,
        name: &str,
        field: &[&str],
        text: Option<&str>,
    ) -> Option<NaiveDate> {
        if text.is_none_or(|t| t.trim().is_empty()) {
            self.errors.push(FieldError::new(
                field,
                codes::REQUIRED,
                format!("{name} is required (YYYY-MM-DD)"),
            ));
            return None;
        }
        self.date(field, text)
    }

    fn enumeration<T: ActiveEnum<Value = String>>(
        &mut self,
        field: &[&str],
        text: Option<&str>,
    ) -> Option<T> {
        let text = text?.trim();
        if text.is_empty() {
            return None;
        }
        let value = text.to_ascii_lowercase();
        match T::try_from_value(&value) {
            Ok(v) => Some(v),
            Err(_) => {
                self.errors.push(FieldError::new(
                    field,
                    codes::ENUM_INVALID,
                    format!("{text:?} is not one of: {}", T::values().join(", ")),
                ));
                None
            }
        }
    }

    /// All four legal-basis parts, or none.
    fn legal_basis(
        &mut self,
        texts: [(&'static str, Option<String>); 3],
        effective_on: (&'static str, Option<String>),
    ) -> Option<LegalBasis> {
        let given = texts.iter().filter(|(_, v)| v.is_some()).count()
            + usize::from(effective_on.1.is_some());
        if given == 0 {
            return None;
        }
        let csv = self.csv;
        let field = |name: &'static str| -> Vec<&'static str> {
            if csv {
                vec![name]
            } else {
                vec!["legal_basis", name.trim_start_matches("legal_basis_")]
            }
        };
        if given < 4 {
            for (name, v) in texts.iter().chain(std::iter::once(&effective_on)) {
                if v.is_none() {
                    let f = field(name);
                    self.errors.push(FieldError::new(
                        &f,
                        codes::REQUIRED,
                        "a legal basis needs all four parts: document type, number, issuer and effective date",
                    ));
                }
            }
            return None;
        }
        let f = field(effective_on.0);
        let effective = self.date(&f, effective_on.1.as_deref())?;
        let [(_, doc_type), (_, number), (_, issuer)] = texts;
        Some(LegalBasis {
            doc_type: doc_type.unwrap_or_default(),
            number: number.unwrap_or_default(),
            issuer: issuer.unwrap_or_default(),
            effective_on: effective,
        })
    }

    /// A CSV content cell, typed by the category's schema.
    fn content_value(&mut self, column: &str, ty: FieldType, text: &str) -> Option<Value> {
        match ty {
            FieldType::Text => Some(Value::String(text.to_string())),
            FieldType::Integer => match text.parse::<i64>() {
                Ok(n) => Some(Value::Number(n.into())),
                Err(_) => {
                    self.errors.push(FieldError::new(
                        &[column],
                        codes::NUMBER_INVALID,
                        format!("{text:?} is not a whole number"),
                    ));
                    None
                }
            },
            FieldType::Number => {
                if let Ok(n) = text.parse::<i64>() {
                    return Some(Value::Number(n.into()));
                }
                match text.parse::<f64>().ok().and_then(Number::from_f64) {
                    Some(n) => Some(Value::Number(n)),
                    None => {
                        self.errors.push(FieldError::new(
                            &[column],
                            codes::NUMBER_INVALID,
                            format!(
                                "{text:?} is not a number; write digits with a decimal point, no thousands separators (e.g. 2000 or 1250.50)"
                            ),
                        ));
                        None
                    }
                }
            }
            FieldType::Boolean => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Some(Value::Bool(true)),
                "false" | "no" | "0" => Some(Value::Bool(false)),
                _ => {
                    self.errors.push(FieldError::new(
                        &[column],
                        codes::BOOLEAN_INVALID,
                        format!("{text:?} is not true or false"),
                    ));
                    None
                }
            },
        }
    }
}

/// One JSON Lines line into a submission.
fn parse_json_record(text: &str) -> Result<RecordSubmission, RowError> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Err((
                String::new(),
                vec![FieldError::new(
                    &[],
                    codes::JSON_INVALID,
                    format!("the line is not valid JSON: {e}"),
                )],
            ));
        }
    };
    let Value::Object(mut obj) = value else {
        return Err((
            String::new(),
            vec![FieldError::new(
                &[],
                codes::JSON_INVALID,
                "the line must be one JSON object ({ ... })",
            )],
        ));
    };
    let mut p = Parser {
        errors: Vec::new(),
        csv: false,
    };
    for key in obj.keys() {
        if !JSON_KEYS.contains(&key.as_str()) {
            p.errors.push(FieldError::new(
                &[key],
                codes::FIELD_UNKNOWN,
                format!(
                    "{key:?} is not a record field; the fields are {}",
                    JSON_KEYS.join(", ")
                ),
            ));
        }
    }
    let source_ref = p.json_text(&mut obj, "source_ref").unwrap_or_default();
    let category = p.json_text(&mut obj, "category").unwrap_or_default();
    let subject_identifier = p
        .json_text(&mut obj, "subject_identifier")
        .unwrap_or_default();
    let subject_name = p.json_text(&mut obj, "subject_name").unwrap_or_default();
    let title = p.json_text(&mut obj, "title").unwrap_or_default();
    let correction_reason = p.json_text(&mut obj, "correction_reason");
    let subject_kind = p.json_text(&mut obj, "subject_kind");
    let subject_kind = p.enumeration::<SubjectKind>(&["subject_kind"], subject_kind.as_deref());
    let severity = p.json_text(&mut obj, "severity");
    let severity = p.enumeration::<Severity>(&["severity"], severity.as_deref());
    let disclosure = p.json_text(&mut obj, "disclosure");
    let disclosure = p.enumeration::<Disclosure>(&["disclosure"], disclosure.as_deref());
    let decided_on = p.json_text(&mut obj, "decided_on");
    let decided_on = p.required_date("decided_on", &["decided_on"], decided_on.as_deref());
    let conduct_ended_on = p.json_text(&mut obj, "conduct_ended_on");
    let conduct_ended_on = p.date(&["conduct_ended_on"], conduct_ended_on.as_deref());
    let valid_until = p.json_text(&mut obj, "valid_until");
    let valid_until = p.date(&["valid_until"], valid_until.as_deref());
    let disclosure_end = p.json_text(&mut obj, "disclosure_end");
    let disclosure_end = p.date(&["disclosure_end"], disclosure_end.as_deref());
    let content = match obj.remove("content") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(Value::Object(m)) => Value::Object(m),
        Some(_) => {
            p.errors.push(FieldError::new(
                &["content"],
                codes::TYPE_INVALID,
                "content must be a JSON object of the category's fields",
            ));
            Value::Null
        }
    };
    let legal_basis = match obj.remove("legal_basis") {
        None | Some(Value::Null) => None,
        Some(Value::Object(mut lb)) => {
            for key in lb.keys() {
                if !LEGAL_BASIS_KEYS.contains(&key.as_str()) {
                    p.errors.push(FieldError::new(
                        &["legal_basis", key],
                        codes::FIELD_UNKNOWN,
                        format!(
                            "{key:?} is not a legal-basis field; they are {}",
                            LEGAL_BASIS_KEYS.join(", ")
                        ),
                    ));
                }
            }
            let mut part = |p: &mut Parser, key: &'static str| {
                p.json_text_at(&mut lb, &["legal_basis", key], key)
            };
            let doc_type = part(&mut p, "doc_type");
            let number = part(&mut p, "number");
            let issuer = part(&mut p, "issuer");
            let effective_on = part(&mut p, "effective_on");
            p.legal_basis(
                [
                    ("legal_basis_doc_type", doc_type),
                    ("legal_basis_number", number),
                    ("legal_basis_issuer", issuer),
                ],
                ("legal_basis_effective_on", effective_on),
            )
        }
        Some(_) => {
            p.errors.push(FieldError::new(
                &["legal_basis"],
                codes::TYPE_INVALID,
                "legal_basis must be an object with doc_type, number, issuer and effective_on",
            ));
            None
        }
    };
    match decided_on {
        Some(decided_on) if p.errors.is_empty() => Ok(RecordSubmission {
            source_ref,
            category,
            subject_identifier,
            subject_name,
            subject_kind,
            title,
            content,
            legal_basis,
            decided_on,
            conduct_ended_on,
            valid_until,
            severity,
            disclosure,
            disclosure_end,
            correction_reason,
        }),
        _ => Err((source_ref, p.errors)),
    }
}

impl Parser {
    /// A text field of the object: a string, or absent/null.
    fn json_text(&mut self, obj: &mut Map<String, Value>, key: &'static str) -> Option<String> {
        self.json_text_at(obj, &[key], key)
    }

    fn json_text_at(
        &mut self,
        obj: &mut Map<String, Value>,
        field: &[&str],
        key: &str,
    ) -> Option<String> {
        match obj.remove(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                self.errors.push(FieldError::new(
                    field,
                    codes::TYPE_INVALID,
                    format!(
                        "{} must be text (a JSON string), not {other}",
                        field.join(".")
                    ),
                ));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cols: &[&str]) -> Result<CsvHeader, String> {
        CsvHeader::parse(
            &csv::ByteRecord::from(cols.to_vec()),
            &catalogue_types().unwrap(),
        )
    }

    fn row(h: &CsvHeader, cells: &[&str]) -> Result<RecordSubmission, RowError> {
        h.parse_row(
            &csv::ByteRecord::from(cells.to_vec()),
            &catalogue_types().unwrap(),
        )
    }

    const COLS: &[&str] = &[
        "\u{feff}source_ref",
        "category",
        "subject_identifier",
        "subject_name",
        "title",
        "decided_on",
        "severity",
        "disclosure",
        "legal_basis_doc_type",
        "legal_basis_number",
        "legal_basis_issuer",
        "legal_basis_effective_on",
        "content.fine_amount_yuan",
        "content.violation_type",
        "content.honour_year",
        "content.annual_report_disclosed",
    ];

    #[test]
    fn csv_rows_become_typed_submissions() {
        let h = header(COLS).unwrap();
        let r = row(
            &h,
            &[
                "P-1",
                "administrative_penalty",
                "91350100MA099QFHXF",
                "某公司",
                "罚款",
                "2026/1/5",
                "General",
                "public",
                "行政处罚决定书",
                "榕罚〔2026〕1号",
                "福州市市场监督管理局",
                "2026-01-05",
                "2000.5",
                "无照经营",
                "",
                "",
            ],
        )
        .unwrap();
        assert_eq!(r.decided_on, NaiveDate::from_ymd_opt(2026, 1, 5).unwrap());
        assert_eq!(r.severity, Some(Severity::General));
        assert_eq!(r.content["fine_amount_yuan"], serde_json::json!(2000.5));
        assert_eq!(r.content["violation_type"], "无照经营");
        assert!(r.content.get("honour_year").is_none());
        assert_eq!(r.legal_basis.unwrap().number, "榕罚〔2026〕1号");
    }

    #[test]
    fn csv_row_problems_are_field_errors() {
        let h = header(COLS).unwrap();
        let (sr, errors) = row(
            &h,
            &[
                "P-2",
                "administrative_penalty",
                "x",
                "y",
                "z",
                "2026-02-30",
                "huge",
                "",
                "行政处罚决定书",
                "",
                "",
                "",
                "12,000",
                "",
                "",
                "",
            ],
        )
        .unwrap_err();
        assert_eq!(sr, "P-2");
        let codes: Vec<(&str, String)> =
            errors.iter().map(|e| (e.code, e.field.join("."))).collect();
        assert!(
            codes.contains(&("DATE_INVALID", "decided_on".into())),
            "{codes:?}"
        );
        assert!(
            codes.contains(&("ENUM_INVALID", "severity".into())),
            "{codes:?}"
        );
        assert!(
            codes.contains(&("REQUIRED", "legal_basis_number".into())),
            "{codes:?}"
        );
        assert!(
            codes.contains(&("NUMBER_INVALID", "content.fine_amount_yuan".into())),
            "{codes:?}"
        );
        let (_, errors) = row(&h, &["P-3", "x"]).unwrap_err();
        assert_eq!(errors[0].code, "ROW_COLUMN_COUNT");
        // Integers and booleans by the schema of the row's category.
        let mut cells = vec![""; COLS.len()];
        cells[0] = "H-1";
        cells[1] = "civilised_unit";
        cells[5] = "2025-01-01";
        cells[14] = "2024.5";
        let (_, errors) = row(&h, &cells).unwrap_err();
        assert_eq!(errors[0].code, "NUMBER_INVALID");
        cells[1] = "social_org_annual_inspection";
        cells[14] = "";
        cells[15] = "maybe";
        let (_, errors) = row(&h, &cells).unwrap_err();
        assert_eq!(errors[0].code, "BOOLEAN_INVALID");
        cells[15] = "TRUE";
        assert_eq!(
            row(&h, &cells).unwrap().content["annual_report_disclosed"],
            true
        );
    }

    #[test]
    fn bad_headers_are_refused() {
        assert!(
            header(&["source_ref", "category"])
                .unwrap_err()
                .contains("decided_on")
        );
        assert!(
            header(&["source_ref", "colour"])
                .unwrap_err()
                .contains("colour")
        );
        assert!(
            header(&["content.no_such_field"])
                .unwrap_err()
                .contains("no_such_field")
        );
        assert!(header(&["title", "title"]).unwrap_err().contains("twice"));
    }

    #[test]
    fn json_lines_parse_with_field_errors() {
        let ok = parse_json_record(
            r#"{"source_ref":"J-1","category":"abnormal_operations","subject_identifier":"91350100MA099QFHXF","subject_name":"n","title":"t","decided_on":"2026-03-01","disclosure":"public","content":{"listing_reason":"r","listing_authority":"a"},"legal_basis":{"doc_type":"d","number":"n","issuer":"i","effective_on":"2026-03-01"}}"#,
        )
        .unwrap();
        assert_eq!(ok.disclosure, Some(Disclosure::Public));
        assert_eq!(ok.content["listing_reason"], "r");
        let (_, e) = parse_json_record("{not json").unwrap_err();
        assert_eq!(e[0].code, "JSON_INVALID");
        let (_, e) = parse_json_record("[1]").unwrap_err();
        assert_eq!(e[0].code, "JSON_INVALID");
        let (sr, e) = parse_json_record(
            r#"{"source_ref":"J-2","decided_on":"2026/03/01","colour":1,"title":5,"legal_basis":{"doc_type":"d"}}"#,
        )
        .unwrap_err();
        assert_eq!(sr, "J-2");
        let got: Vec<(&str, String)> = e.iter().map(|e| (e.code, e.field.join("."))).collect();
        assert!(got.contains(&("FIELD_UNKNOWN", "colour".into())), "{got:?}");
        assert!(got.contains(&("TYPE_INVALID", "title".into())), "{got:?}");
        assert!(
            got.contains(&("DATE_INVALID", "decided_on".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&("REQUIRED", "legal_basis.number".into())),
            "{got:?}"
        );
    }

    fn sub(source_ref: &str, subject: &str) -> RecordSubmission {
        RecordSubmission {
            source_ref: source_ref.into(),
            category: "abnormal_operations".into(),
            subject_identifier: subject.into(),
            subject_name: "n".into(),
            subject_kind: None,
            title: "t".into(),
            content: Value::Null,
            legal_basis: None,
            decided_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            conduct_ended_on: None,
            valid_until: None,
            severity: None,
            disclosure: None,
            disclosure_end: None,
            correction_reason: None,
        }
    }

    #[test]
    fn a_full_batch_leaves_its_last_subject_to_the_next() {
        let (tx, mut rx) = tokio::sync::mpsc::channel(8);
        let mut chunker = Chunker {
            tx: &tx,
            rows: Vec::new(),
            parsed: 0,
        };
        let mut line = 1;
        let mut push = |c: &mut Chunker<'_>, subject: String| {
            line += 1;
            c.push(Row::Parsed {
                line,
                item: sub(&format!("R{line}"), &subject),
            })
        };
        // 997 subjects of one record, then a subject with five.
        for i in 0..997 {
            assert!(push(&mut chunker, format!("S{i}")));
        }
        for _ in 0..5 {
            assert!(push(&mut chunker, "LAST".into()));
        }
        chunker.flush();
        let first = rx.try_recv().unwrap().ok().unwrap();
        let second = rx.try_recv().unwrap().ok().unwrap();
        assert_eq!(first.rows.len(), 997);
        assert_eq!((first.first_line, first.last_line), (2, 998));
        assert_eq!(second.rows.len(), 5);
        assert_eq!(second.first_line, 999);
        // One subject filling a whole batch is not held back.
        for _ in 0..1000 {
            push(&mut chunker, "BIG".into());
        }
        assert_eq!(rx.try_recv().unwrap().ok().unwrap().rows.len(), 1000);
    }

    #[test]
    fn formats_and_field_names() {
        assert_eq!(Format::from_path(Path::new("a/b.CSV")), Some(Format::Csv));
        assert_eq!(
            Format::from_path(Path::new("b.ndjson")),
            Some(Format::Jsonl)
        );
        assert_eq!(Format::from_path(Path::new("b.json")), None);
        assert_eq!(
            default_report_path(Path::new("x/r.csv")),
            PathBuf::from("x/r.csv.report.csv")
        );
        let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            field_name(
                Format::Csv,
                &path(&["input", "records", "3", "legalBasis", "number"])
            ),
            "legal_basis_number"
        );
        assert_eq!(
            field_name(Format::Jsonl, &path(&["legal_basis", "number"])),
            "legal_basis.number"
        );
        assert_eq!(
            field_name(Format::Csv, &path(&["content", "fine_amount_yuan"])),
            "content.fine_amount_yuan"
        );
        assert_eq!(field_name(Format::Csv, &path(&["sourceRef"])), "source_ref");
    }
}
