//! The example's work, apart from its command line so that a test can run it against the
//! fake HubSpot: read the file lazily, upsert through the bulk API, show progress, write
//! what did not land.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use hubspot_orders::bulk::{BulkUpsert, OutcomeKind, Summary};
use hubspot_orders::orders::Orders;
use hubspot_orders::orders::types::SimplePublicObjectBatchInputUpsert as Input;
use hubspot_orders::{Client, ClientExt};
use indicatif::{ProgressBar, ProgressStyle};

/// What to sync and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The `.jsonl` or `.csv` file of orders.
    pub input: PathBuf,
    /// Where to write what did not land; `<input>.failures.jsonl` when `None`.
    pub failures: Option<PathBuf>,
    /// The CSV column holding each order's unique id (and the `idProperty` of its input).
    pub id_column: String,
    /// The `idProperty` given to JSONL inputs that have none.
    pub id_property: Option<String>,
    /// Inputs per request.
    pub batch_size: usize,
    /// Requests in flight.
    pub concurrency: usize,
}

impl Options {
    /// Defaults for `input`: batches of 100, 8 in flight.
    pub fn new(input: PathBuf) -> Self {
        Options {
            input,
            failures: None,
            id_column: "hs_external_order_id".to_owned(),
            id_property: None,
            batch_size: 100,
            concurrency: 8,
        }
    }

    fn failures_file(&self) -> PathBuf {
        self.failures.clone().unwrap_or_else(|| {
            let mut name = self.input.clone().into_os_string();
            name.push(".failures.jsonl");
            PathBuf::from(name)
        })
    }
}

/// How a sync went.
#[derive(Debug)]
pub struct SyncReport {
    /// The bulk run's figures.
    pub summary: Summary<Orders>,
    /// Lines or records of the file that could not be read as an order.
    pub unreadable: u64,
    /// The file holding every order that did not land.
    pub failures_file: PathBuf,
}

impl SyncReport {
    /// Whether every order of the file landed.
    pub fn all_landed(&self) -> bool {
        self.unreadable == 0 && self.summary.failed == 0 && self.summary.not_attempted == 0
    }
}

/// The failures file, shared by the reader (unreadable lines) and the outcome loop.
type Failures = Arc<Mutex<BufWriter<File>>>;

fn write_line(failures: &Failures, line: &serde_json::Value) -> Result<(), String> {
    let mut file = failures
        .lock()
        .map_err(|_| "the failures file's writer panicked".to_owned())?;
    serde_json::to_writer(&mut *file, line)
        .map_err(|error| format!("cannot write the failures file: {error}"))?;
    file.write_all(b"\n")
        .map_err(|error| format!("cannot write the failures file: {error}"))
}

fn is_csv(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("csv"))
}

/// How many orders the file holds, for the progress bar (a quick first pass).
fn count(options: &Options) -> Result<u64, String> {
    let open_error =
        |error: std::io::Error| format!("cannot read {}: {error}", options.input.display());
    if is_csv(&options.input) {
        let mut reader = csv::Reader::from_path(&options.input)
            .map_err(|error| format!("cannot read {}: {error}", options.input.display()))?;
        Ok(reader.records().count() as u64)
    } else {
        let file = File::open(&options.input).map_err(open_error)?;
        let mut lines = 0;
        for line in BufReader::new(file).lines() {
            if !line.map_err(open_error)?.trim().is_empty() {
                lines += 1;
            }
        }
        Ok(lines)
    }
}

/// The orders of the file, read as the bulk run asks for them; what cannot be read goes to
/// the failures file and is counted in `unreadable`.
fn read_orders(
    options: &Options,
    failures: Failures,
    unreadable: Arc<std::sync::atomic::AtomicU64>,
) -> Result<Box<dyn Iterator<Item = Input> + Send>, String> {
    let path = options.input.display().to_string();
    let report = move |place: String, error: String, text: Option<String>| {
        unreadable.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let line = serde_json::json!({
            "outcome": "unreadable", "at": place, "error": error, "text": text,
        });
        if let Err(error) = write_line(&failures, &line) {
            eprintln!("sync_orders: {error}");
        }
    };
    if is_csv(&options.input) {
        let mut reader = csv::Reader::from_path(&options.input)
            .map_err(|error| format!("cannot read {path}: {error}"))?;
        let headers = reader
            .headers()
            .map_err(|error| format!("cannot read the header row of {path}: {error}"))?
            .clone();
        let id_column = options.id_column.clone();
        let Some(id_at) = headers.iter().position(|name| name == id_column) else {
            return Err(format!(
                "{path} has no column named {id_column} (see --id-column)"
            ));
        };
        let orders = reader
            .into_records()
            .enumerate()
            .filter_map(move |(n, record)| {
                let place = format!("{path} record {}", n + 1);
                let record = match record {
                    Ok(record) => record,
                    Err(error) => {
                        report(place, error.to_string(), None);
                        return None;
                    }
                };
                let id = record.get(id_at).unwrap_or_default().trim().to_owned();
                if id.is_empty() {
                    report(
                        place,
                        format!("empty {id_column}"),
                        Some(record.iter().collect::<Vec<_>>().join(",")),
                    );
                    return None;
                }
                let properties = headers
                    .iter()
                    .zip(record.iter())
                    .filter(|(_, value)| !value.is_empty())
                    .map(|(name, value)| (name.to_owned(), value.to_owned()))
                    .collect();
                Some(Input {
                    id,
                    id_property: Some(id_column.clone()),
                    object_write_trace_id: None,
                    properties,
                })
            });
        Ok(Box::new(orders))
    } else {
        let file =
            File::open(&options.input).map_err(|error| format!("cannot read {path}: {error}"))?;
        let id_property = options.id_property.clone();
        let orders = BufReader::new(file)
            .lines()
            .enumerate()
            .filter_map(move |(n, line)| {
                let place = format!("{path} line {}", n + 1);
                let line = match line {
                    Ok(line) => line,
                    Err(error) => {
                        report(place, error.to_string(), None);
                        return None;
                    }
                };
                if line.trim().is_empty() {
                    return None;
                }
                match serde_json::from_str::<Input>(&line) {
                    Ok(mut input) => {
                        if input.id_property.is_none() {
                            input.id_property = id_property.clone();
                        }
                        Some(input)
                    }
                    Err(error) => {
                        report(place, error.to_string(), Some(line));
                        None
                    }
                }
            });
        Ok(Box::new(orders))
    }
}

/// Syncs the file of `options` through `client`; `progress` shows a progress bar on the
/// terminal.
pub async fn run(client: &Client, options: &Options, progress: bool) -> Result<SyncReport, String> {
    let total = count(options)?;
    let failures_file = options.failures_file();
    let file = File::create(&failures_file)
        .map_err(|error| format!("cannot create {}: {error}", failures_file.display()))?;
    let failures: Failures = Arc::new(Mutex::new(BufWriter::new(file)));
    let unreadable = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let orders = read_orders(options, failures.clone(), unreadable.clone())?;

    let bar = if progress {
        ProgressBar::new(total)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} orders, {per_sec}, {eta} left {msg}")
            .map_err(|error| format!("progress bar template: {error}"))?,
    );

    let mut run = BulkUpsert::new(&client.orders())
        .batch_size(options.batch_size)
        .concurrency(options.concurrency)
        .run_iter(orders);
    let mut done = 0u64;
    while let Some(outcome) = run.next().await {
        done += 1;
        bar.inc(1);
        let (status, error) = match outcome.kind() {
            OutcomeKind::Created(_) | OutcomeKind::Updated(_) | OutcomeKind::Landed(_) => {
                (None, None)
            }
            OutcomeKind::Failed(error) => (Some("failed"), Some(error.to_string())),
            OutcomeKind::NotAttempted(reason) => (Some("not_attempted"), Some(reason.to_string())),
            _ => (Some("unknown"), None),
        };
        if let Some(status) = status {
            let mut line = serde_json::to_value(outcome.input())
                .map_err(|error| format!("cannot write an input back: {error}"))?;
            line["outcome"] = status.into();
            line["error"] = error.into();
            write_line(&failures, &line)?;
        }
        if done % 100 == 0 {
            let summary = run.summary();
            bar.set_message(format!(
                "({} failed, {} not attempted)",
                summary.failed, summary.not_attempted
            ));
        }
    }
    bar.finish_and_clear();
    failures
        .lock()
        .map_err(|_| "the failures file's writer panicked".to_owned())?
        .flush()
        .map_err(|error| format!("cannot write {}: {error}", failures_file.display()))?;
    Ok(SyncReport {
        summary: run.summary(),
        unreadable: unreadable.load(std::sync::atomic::Ordering::Relaxed),
        failures_file,
    })
}
