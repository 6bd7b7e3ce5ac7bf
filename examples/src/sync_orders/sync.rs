//! The example's work, apart from its command line so that a test can run it against the
//! fake HubSpot: read the file lazily, check each order against the property catalog, upsert
//! through the bulk API, show progress, write what did not land as it happens, stop on
//! request.
//!
//! The failures file is a JSONL file of entries, one an order that did not land (or a line
//! that could not be read), written and flushed as each outcome arrives. An entry is the
//! order as an upsert input (`id`, `idProperty`, `properties`) plus:
//! - `outcome`: `failed` (HubSpot rejected it), `not_attempted` (the run stopped first),
//!   `unconfirmed` (sent, the answer lost: it may have landed), `invalid` (refused here by
//!   the catalog or for an empty id, not sent), `unreadable` (the line or record could not be
//!   read; `text` holds it), `interrupted` (read, in flight or about to be sent when a second
//!   Ctrl-C stopped the run at once);
//! - `error`: why; `problems` for `invalid`: `[{property, value, why}]`;
//! - `line`: the line of the file read (for a CSV record, the line it starts on) and, for
//!   CSV, `record`: its number among the data records;
//! - `source`: where the order first came from (`orders.csv record 17`), kept through resumes.
//!
//! After a second Ctrl-C the file ends with a `not_read` entry per file not read to its end
//! (`file`, `from`: the first line or record not read). Reading a failures file sends its
//! orders again, carries `unreadable` entries over as they are, and reads a `not_read`
//! entry's file from `from` on: so the failures file always holds everything that did not
//! land, and running the program on it completes the work.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, LineWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use futures_util::{Stream, StreamExt};
use hubspot_orders::bulk::{BulkUpsert, OutcomeKind, Summary};
use hubspot_orders::orders::Orders;
use hubspot_orders::orders::types::SimplePublicObjectBatchInputUpsert as Input;
use hubspot_orders::{Client, ClientExt};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Map, Value, json};

use super::catalog::{Catalog, Problem};

/// How deep `not_read` entries may nest (a failures file pointing at a failures file...).
const MAX_NESTING: usize = 8;

/// What to sync and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The `.jsonl` or `.csv` file of orders.
    pub input: PathBuf,
    /// Where to write what did not land; see [`Options::failures_file`] when `None`.
    pub failures: Option<PathBuf>,
    /// The CSV column holding each order's unique id (and the `idProperty` of its input).
    pub id_column: String,
    /// The `idProperty` given to JSONL inputs that have none; the `id_column` when `None`.
    pub id_property: Option<String>,
    /// Inputs per request.
    pub batch_size: usize,
    /// Requests in flight.
    pub concurrency: usize,
    /// A property catalog (the answer of `GET /crm/v3/properties/orders`) to check each order
    /// against before sending it.
    pub properties: Option<PathBuf>,
}

impl Options {
    /// Defaults for `input`: batches of 100, 8 in flight, no catalog.
    pub fn new(input: PathBuf) -> Self {
        Options {
            input,
            failures: None,
            id_column: "hs_external_order_id".to_owned(),
            id_property: None,
            batch_size: 100,
            concurrency: 8,
            properties: None,
        }
    }

    /// Where what did not land goes: `--failures`, or beside the input, named after it
    /// without its extension: `orders.jsonl` and `orders.csv` give `orders.failures.jsonl`;
    /// a failures file gives the next one (`orders.failures.jsonl` gives
    /// `orders.failures-2.jsonl`, which gives `orders.failures-3.jsonl`), so a resume never
    /// overwrites the file it reads and names never pile up.
    ///
    /// # Errors
    /// When `--failures` names the input itself.
    pub fn failures_file(&self) -> Result<PathBuf, String> {
        let path = match &self.failures {
            Some(path) => path.clone(),
            None => {
                let (base, generation) = failures_base(&self.input);
                failures_name(&base, generation + 1)
            }
        };
        if same_file(&path, &self.input) {
            return Err(format!(
                "the failures file {} would overwrite the input",
                path.display()
            ));
        }
        Ok(path)
    }
}

/// The input's name without its extension and without a failures suffix, and which failures
/// file it is (0 for an input that is none, 1 for `x.failures.jsonl`, N for
/// `x.failures-N.jsonl`).
fn failures_base(input: &Path) -> (PathBuf, u32) {
    let stem = input
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = input.parent().unwrap_or(Path::new(""));
    if let Some(base) = stem.strip_suffix(".failures") {
        return (dir.join(base), 1);
    }
    if let Some((base, number)) = stem.rsplit_once(".failures-") {
        if let Ok(number) = number.parse::<u32>() {
            if number >= 2 {
                return (dir.join(base), number);
            }
        }
    }
    (dir.join(stem), 0)
}

/// The failures file of generation `generation` (1 or more) of `base`.
fn failures_name(base: &Path, generation: u32) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    if generation <= 1 {
        name.push(".failures.jsonl");
    } else {
        name.push(format!(".failures-{generation}.jsonl"));
    }
    PathBuf::from(name)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The file a `--resume` of `input` reads: the newest failures file of `input`
/// (`orders.failures-N.jsonl` with the highest N, or `orders.failures.jsonl`).
///
/// # Errors
/// When there is none.
pub fn resume_input(input: &Path) -> Result<PathBuf, String> {
    let (base, _) = failures_base(input);
    let newest = (1..=u32::MAX)
        .map(|generation| failures_name(&base, generation))
        .take_while(|path| path.exists())
        .last();
    newest.ok_or_else(|| {
        format!(
            "nothing to resume: there is no {}",
            failures_name(&base, 1).display()
        )
    })
}

/// How a sync went.
#[derive(Debug)]
pub struct SyncReport {
    /// The bulk run's figures.
    pub summary: Summary<Orders>,
    /// Lines or records of the file that could not be read as an order.
    pub unreadable: u64,
    /// Orders not sent because their values break the property catalog (or their id is
    /// empty).
    pub invalid: u64,
    /// Orders read but without an outcome when a second Ctrl-C stopped the run at once
    /// (`interrupted` in the failures file).
    pub interrupted: u64,
    /// Whether a second Ctrl-C stopped the run at once.
    pub stopped_at_once: bool,
    /// The file holding every order that did not land.
    pub failures_file: PathBuf,
}

impl SyncReport {
    /// Whether every order of the file landed.
    pub fn all_landed(&self) -> bool {
        !self.stopped_at_once
            && self.unreadable == 0
            && self.invalid == 0
            && self.summary.failed == 0
            && self.summary.unconfirmed == 0
            && self.summary.not_attempted == 0
    }
}

/// Where an order was read.
#[derive(Debug, Clone)]
struct Place {
    /// The line of the file (where the record starts, for CSV).
    line: u64,
    /// The record's number among the data records (CSV only).
    record: Option<u64>,
    /// Where the order first came from, kept through resumes.
    source: String,
}

/// A file being read, for a stop at once: what a `not_read` entry says.
#[derive(Debug, Clone)]
struct Position {
    file: PathBuf,
    /// The first line (JSONL) or record (CSV) not read yet.
    next: u64,
    id_column: String,
    id_property: Option<String>,
}

/// What the reader and the outcome loop share.
struct Shared {
    out: LineWriter<File>,
    /// Orders handed to the run without an outcome yet, by the run's index.
    pending: HashMap<u64, (Place, Input)>,
    /// The files being read, outermost first.
    positions: Vec<Position>,
    next_index: u64,
    unreadable: u64,
    invalid: u64,
    /// The first failure to write the failures file.
    write_error: Option<String>,
}

impl Shared {
    fn write(&mut self, entry: &impl serde::Serialize) {
        let written = serde_json::to_writer(&mut self.out, entry)
            .map_err(|error| error.to_string())
            .and_then(|()| self.out.write_all(b"\n").map_err(|error| error.to_string()));
        if let Err(error) = written {
            if self.write_error.is_none() {
                eprintln!("sync_orders: cannot write the failures file: {error}");
                self.write_error = Some(error);
            }
        }
    }

    /// Writes what a stop at once leaves without an outcome: the orders read (in flight or
    /// about to be sent), and where each file's reading stopped; how many orders it wrote, or
    /// why the failures file `failures` (which would be all that is left of them) is
    /// incomplete.
    fn stop_at_once(&mut self, failures: &Path) -> Result<u64, String> {
        let mut pending: Vec<(u64, (Place, Input))> = self.pending.drain().collect();
        pending.sort_by_key(|(index, _)| *index);
        let interrupted = pending.len() as u64;
        for (_, (place, input)) in pending {
            let error = "read when the run was stopped at once: in flight or about to be sent, \
                         it may or may not have been written; sending it again is safe";
            self.write(&Entry::new(Some(&input), &place, "interrupted", error));
        }
        for position in self.positions.clone().iter().rev() {
            let mut marker = json!({
                "outcome": "not_read",
                "file": position.file.display().to_string(),
                "from": position.next,
                "id_column": position.id_column,
                "error": format!(
                    "not read: the run was stopped at once; running sync_orders on this file \
                     reads {} from line or record {} on",
                    position.file.display(),
                    position.next
                ),
            });
            if let Some(id_property) = &position.id_property {
                marker["id_property"] = id_property.clone().into();
            }
            self.write(&marker);
        }
        if let Err(error) = self.out.flush() {
            self.write_error.get_or_insert(error.to_string());
        }
        match self.write_error.take() {
            Some(error) => Err(format!("cannot write {}: {error}", failures.display())),
            None => Ok(interrupted),
        }
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A failures entry: the input (if any) plus its outcome, error and place, written straight
/// to the file (no intermediate `Value`: a stop may write tens of thousands).
#[derive(serde::Serialize)]
struct Entry<'a> {
    #[serde(flatten)]
    input: Option<&'a Input>,
    outcome: &'a str,
    error: &'a str,
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<u64>,
    source: &'a str,
}

impl<'a> Entry<'a> {
    fn new(input: Option<&'a Input>, place: &'a Place, outcome: &'a str, error: &'a str) -> Self {
        Entry {
            input,
            outcome,
            error,
            line: place.line,
            record: place.record,
            source: &place.source,
        }
    }

    /// The entry as JSON, to add fields to.
    fn value(&self) -> Value {
        match serde_json::to_value(self) {
            Ok(value @ Value::Object(_)) => value,
            _ => Value::Object(Map::new()),
        }
    }
}

fn is_csv(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("csv"))
}

/// How many orders the file holds, for the progress bar (a quick first pass).
fn count(input: &Path) -> Result<u64, String> {
    let open_error = |error: std::io::Error| format!("cannot read {}: {error}", input.display());
    if is_csv(input) {
        let mut reader = csv::Reader::from_path(input)
            .map_err(|error| format!("cannot read {}: {error}", input.display()))?;
        Ok(reader.records().count() as u64)
    } else {
        let file = File::open(input).map_err(open_error)?;
        let mut lines = 0;
        for line in BufReader::new(file).lines() {
            if !line.map_err(open_error)?.trim().is_empty() {
                lines += 1;
            }
        }
        Ok(lines)
    }
}

/// One file the reader is going through.
enum Source {
    Jsonl {
        shown: String,
        lines: std::io::Lines<BufReader<File>>,
        /// The number of the last line read.
        line: u64,
        /// Lines before this one are skipped (a `not_read` entry's `from`).
        from: u64,
        id_property: Option<String>,
    },
    Csv {
        shown: String,
        records: csv::StringRecordsIntoIter<File>,
        headers: csv::StringRecord,
        id_at: usize,
        id_column: String,
        /// The number of the last record read.
        record: u64,
        from: u64,
    },
}

/// What one line or record gave.
enum Read {
    Order(Input, Place),
    Unreadable {
        place: Place,
        error: String,
        text: Option<String>,
    },
    /// An order not sent: an empty id.
    Invalid(Input, Place, String),
    /// A `not_read` entry of a failures file: read this file from `from` on.
    Expand {
        file: PathBuf,
        from: u64,
        id_column: Option<String>,
        id_property: Option<String>,
        place: Place,
    },
}

/// Opens `path` for reading from line or record `from` (1 for all), checking a CSV header
/// against the catalog: the id column must exist (and be a unique property), every column
/// must be a property.
fn open(
    path: &Path,
    from: u64,
    id_column: &str,
    id_property: Option<String>,
    catalog: Option<&Catalog>,
) -> Result<(Source, Position), String> {
    let shown = path.display().to_string();
    let position = Position {
        file: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()),
        next: from.max(1),
        id_column: id_column.to_owned(),
        id_property: id_property.clone(),
    };
    if !is_csv(path) {
        let file = File::open(path).map_err(|error| format!("cannot read {shown}: {error}"))?;
        let source = Source::Jsonl {
            shown,
            lines: BufReader::new(file).lines(),
            line: 0,
            from: from.max(1),
            id_property,
        };
        return Ok((source, position));
    }
    let mut reader =
        csv::Reader::from_path(path).map_err(|error| format!("cannot read {shown}: {error}"))?;
    let headers = reader
        .headers()
        .map_err(|error| format!("cannot read the header row of {shown}: {error}"))?
        .clone();
    let Some(id_at) = headers.iter().position(|name| name == id_column) else {
        return Err(format!(
            "{shown} has no column named {id_column} (see --id-column)"
        ));
    };
    if let Some(catalog) = catalog {
        let unknown: Vec<&str> = headers.iter().filter(|name| !catalog.knows(name)).collect();
        if !unknown.is_empty() {
            return Err(format!(
                "{shown}: columns that are no property of the catalog: {}",
                unknown.join(", ")
            ));
        }
        if !catalog.is_unique(id_column) {
            return Err(format!(
                "{shown}: the id column {id_column} is not a property with unique values \
                 (hasUniqueValue) in the catalog, so HubSpot cannot upsert by it; those are: {}",
                catalog.unique_properties().join(", ")
            ));
        }
    }
    let source = Source::Csv {
        shown,
        records: reader.into_records(),
        headers,
        id_at,
        id_column: id_column.to_owned(),
        record: 0,
        from: from.max(1),
    };
    Ok((source, position))
}

impl Source {
    /// The next line or record, `None` at the end of the file.
    fn read(&mut self) -> Option<Read> {
        match self {
            Source::Jsonl {
                shown,
                lines,
                line,
                from,
                id_property,
            } => loop {
                let text = lines.next()?;
                *line += 1;
                if *line < *from {
                    continue;
                }
                let place = Place {
                    line: *line,
                    record: None,
                    source: format!("{shown} line {line}"),
                };
                let text = match text {
                    Ok(text) => text,
                    Err(error) => {
                        return Some(Read::Unreadable {
                            place,
                            error: error.to_string(),
                            text: None,
                        });
                    }
                };
                if text.trim().is_empty() {
                    continue;
                }
                return Some(read_jsonl(text, place, id_property.as_deref()));
            },
            Source::Csv {
                shown,
                records,
                headers,
                id_at,
                id_column,
                record,
                from,
            } => loop {
                let next = records.next()?;
                *record += 1;
                if *record < *from {
                    continue;
                }
                let line = next
                    .as_ref()
                    .ok()
                    .and_then(|found| found.position())
                    .map_or(0, csv::Position::line);
                let place = Place {
                    line,
                    record: Some(*record),
                    source: format!("{shown} record {record}"),
                };
                let found = match next {
                    Ok(found) => found,
                    Err(error) => {
                        return Some(Read::Unreadable {
                            place,
                            error: error.to_string(),
                            text: None,
                        });
                    }
                };
                let id = found.get(*id_at).unwrap_or_default().trim().to_owned();
                let properties = headers
                    .iter()
                    .zip(found.iter())
                    .filter(|(_, value)| !value.is_empty())
                    .map(|(name, value)| (name.to_owned(), value.to_owned()))
                    .collect();
                let input = Input::new(id.clone(), properties).with_id_property(id_column.clone());
                if id.is_empty() {
                    return Some(Read::Invalid(input, place, format!("empty {id_column}")));
                }
                return Some(Read::Order(input, place));
            },
        }
    }

    /// The first line or record not read yet.
    fn next_position(&self) -> u64 {
        match self {
            Source::Jsonl { line, from, .. } => (*line + 1).max(*from),
            Source::Csv { record, from, .. } => (*record + 1).max(*from),
        }
    }
}

/// One non-empty line of a JSONL file: an order, or an entry of a failures file.
fn read_jsonl(text: String, mut place: Place, id_property: Option<&str>) -> Read {
    let value: Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(error) => {
            return Read::Unreadable {
                place,
                error: error.to_string(),
                text: Some(text),
            };
        }
    };
    let field = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
    if let Some(source) = field("source") {
        place.source = source;
    }
    match field("outcome").as_deref() {
        // Carried over from an earlier failures file as it was.
        Some("unreadable") => {
            return Read::Unreadable {
                place,
                error: field("error").unwrap_or_default(),
                text: field("text"),
            };
        }
        Some("not_read") => {
            let from = value.get("from").and_then(Value::as_u64).unwrap_or(1);
            return match field("file") {
                Some(file) => Read::Expand {
                    file: PathBuf::from(file),
                    from,
                    id_column: field("id_column"),
                    id_property: field("id_property"),
                    place,
                },
                None => Read::Unreadable {
                    place,
                    error: "a not_read entry without a file".to_owned(),
                    text: Some(text),
                },
            };
        }
        _ => {}
    }
    match serde_json::from_value::<Input>(value) {
        Ok(mut input) => {
            if input.id_property.is_none() {
                input.id_property = id_property.map(str::to_owned);
            }
            Read::Order(input, place)
        }
        Err(error) => Read::Unreadable {
            place,
            error: error.to_string(),
            text: Some(text),
        },
    }
}

/// The orders of the file, read as the bulk run asks for them: what cannot be read, or
/// breaks the catalog, goes to the failures file instead.
struct Reader {
    shared: Arc<Mutex<Shared>>,
    sources: Vec<Source>,
    catalog: Option<Arc<Catalog>>,
    id_column: String,
    id_property: Option<String>,
}

impl Reader {
    /// The catalog's objections to an order: its values, and an `idProperty` that is not a
    /// unique property.
    fn problems(&self, input: &Input) -> Vec<Problem> {
        let Some(catalog) = &self.catalog else {
            return Vec::new();
        };
        let mut problems = catalog.problems(&input.properties);
        if let Some(id_property) = &input.id_property {
            if !catalog.is_unique(id_property) {
                problems.push(Problem {
                    property: id_property.clone(),
                    value: input.id.clone(),
                    why: format!(
                        "idProperty {id_property} is not a property with unique values; \
                         upsert by one of: {}",
                        catalog.unique_properties().join(", ")
                    ),
                });
            }
        }
        problems
    }

    fn invalid(&self, input: &Input, place: &Place, why: &str, problems: &[Problem]) {
        let mut entry = Entry::new(Some(input), place, "invalid", why).value();
        if !problems.is_empty() {
            entry["problems"] = problems
                .iter()
                .map(|problem| {
                    json!({
                        "property": problem.property,
                        "value": problem.value,
                        "why": problem.why,
                    })
                })
                .collect();
        }
        let mut shared = lock(&self.shared);
        shared.invalid += 1;
        shared.write(&entry);
    }

    fn unreadable(&self, place: &Place, error: &str, text: Option<String>) {
        let mut entry = Entry::new(None, place, "unreadable", error).value();
        entry["text"] = text.into();
        let mut shared = lock(&self.shared);
        shared.unreadable += 1;
        shared.write(&entry);
    }
}

impl Iterator for Reader {
    type Item = Input;

    fn next(&mut self) -> Option<Input> {
        loop {
            let source = self.sources.last_mut()?;
            let read = source.read();
            let next = source.next_position();
            {
                let mut shared = lock(&self.shared);
                if read.is_none() {
                    shared.positions.pop();
                } else if let Some(position) = shared.positions.last_mut() {
                    position.next = next;
                }
            }
            let Some(read) = read else {
                self.sources.pop();
                continue;
            };
            match read {
                Read::Order(input, place) => {
                    let problems = self.problems(&input);
                    if !problems.is_empty() {
                        let why: Vec<String> = problems
                            .iter()
                            .map(|problem| {
                                format!(
                                    "{} = {:?}: {}",
                                    problem.property, problem.value, problem.why
                                )
                            })
                            .collect();
                        self.invalid(&input, &place, &why.join("; "), &problems);
                        continue;
                    }
                    let mut shared = lock(&self.shared);
                    let index = shared.next_index;
                    shared.next_index += 1;
                    shared.pending.insert(index, (place, input.clone()));
                    return Some(input);
                }
                Read::Invalid(input, place, why) => self.invalid(&input, &place, &why, &[]),
                Read::Unreadable { place, error, text } => self.unreadable(&place, &error, text),
                Read::Expand {
                    file,
                    from,
                    id_column,
                    id_property,
                    place,
                } => {
                    if self.sources.len() >= MAX_NESTING {
                        self.unreadable(&place, "not_read entries nested too deep", None);
                        continue;
                    }
                    let id_column = id_column.unwrap_or_else(|| self.id_column.clone());
                    let id_property = id_property.or_else(|| self.id_property.clone());
                    match open(
                        &file,
                        from,
                        &id_column,
                        id_property,
                        self.catalog.as_deref(),
                    ) {
                        Ok((source, position)) => {
                            self.sources.push(source);
                            lock(&self.shared).positions.push(position);
                        }
                        Err(error) => self.unreadable(&place, &error, None),
                    }
                }
            }
        }
    }
}

/// Syncs the file of `options` through `client`; `progress` shows a progress bar on the
/// terminal. The first item of `interrupts` stops the run gracefully (the requests in flight
/// finish, every order gets its outcome); a second stops it at once (see the module docs).
pub async fn run<S>(
    client: &Client,
    options: &Options,
    progress: bool,
    interrupts: S,
) -> Result<SyncReport, String>
where
    S: Stream<Item = ()> + Unpin,
{
    let catalog = match &options.properties {
        Some(path) => Some(Arc::new(Catalog::read(path)?)),
        None => None,
    };
    let failures_file = options.failures_file()?;
    let id_property = options
        .id_property
        .clone()
        .or_else(|| Some(options.id_column.clone()));
    let (source, position) = open(
        &options.input,
        1,
        &options.id_column,
        id_property.clone(),
        catalog.as_deref(),
    )?;
    let file = File::create(&failures_file)
        .map_err(|error| format!("cannot create {}: {error}", failures_file.display()))?;
    let shared = Arc::new(Mutex::new(Shared {
        out: LineWriter::new(file),
        pending: HashMap::new(),
        positions: vec![position],
        next_index: 0,
        unreadable: 0,
        invalid: 0,
        write_error: None,
    }));
    let reader = Reader {
        shared: Arc::clone(&shared),
        sources: vec![source],
        catalog,
        id_column: options.id_column.clone(),
        id_property,
    };

    // Counting reads the whole input once more: only for a bar someone sees.
    let bar = if progress {
        ProgressBar::new(count(&options.input)?)
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
        .run_iter(reader);
    let stopper = run.stopper();
    let mut interrupts = interrupts.fuse();
    let mut listening = true;
    let mut done = 0u64;
    loop {
        tokio::select! {
            biased;
            signal = interrupts.next(), if listening => match signal {
                None => listening = false,
                Some(()) if !stopper.is_stopped() => {
                    stopper.stop();
                    bar.suspend(|| {
                        eprintln!(
                            "sync_orders: stopping: the requests in flight finish, the rest is \
                             written to {} (Ctrl-C again to quit at once)",
                            failures_file.display()
                        );
                    });
                }
                Some(()) => {
                    bar.finish_and_clear();
                    let summary = run.summary();
                    drop(run);
                    let mut shared = lock(&shared);
                    let interrupted = shared.stop_at_once(&failures_file)?;
                    return Ok(SyncReport {
                        summary,
                        unreadable: shared.unreadable,
                        invalid: shared.invalid,
                        interrupted,
                        stopped_at_once: true,
                        failures_file,
                    });
                }
            },
            outcome = run.next() => {
                let Some(outcome) = outcome else { break };
                done += 1;
                bar.inc(1);
                let index = outcome.index();
                let (input, kind) = outcome.into_parts();
                let (status, error) = match &kind {
                    OutcomeKind::Created(_) | OutcomeKind::Updated(_) | OutcomeKind::Landed(_) => {
                        (None, String::new())
                    }
                    OutcomeKind::Failed(error) => (Some("failed"), error.to_string()),
                    OutcomeKind::Unconfirmed(error) => (Some("unconfirmed"), error.to_string()),
                    OutcomeKind::NotAttempted(reason) => {
                        (Some("not_attempted"), reason.to_string())
                    }
                    _ => (Some("unknown"), "an outcome this program does not know".to_owned()),
                };
                let mut shared = lock(&shared);
                let place = shared.pending.remove(&index).map(|(place, _)| place);
                if let Some(status) = status {
                    let place = place.unwrap_or_else(|| Place {
                        line: 0,
                        record: None,
                        source: String::new(),
                    });
                    shared.write(&Entry::new(Some(&input), &place, status, &error));
                }
                drop(shared);
                if done % 100 == 0 {
                    let summary = run.summary();
                    bar.set_message(format!(
                        "({} failed, {} not attempted)",
                        summary.failed, summary.not_attempted
                    ));
                }
            }
        }
    }
    bar.finish_and_clear();
    let mut shared = lock(&shared);
    shared
        .out
        .flush()
        .map_err(|error| format!("cannot write {}: {error}", failures_file.display()))?;
    if let Some(error) = shared.write_error.take() {
        return Err(format!("cannot write {}: {error}", failures_file.display()));
    }
    Ok(SyncReport {
        summary: run.summary(),
        unreadable: shared.unreadable,
        invalid: shared.invalid,
        interrupted: 0,
        stopped_at_once: false,
        failures_file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stop at once whose failures file cannot be written says so, instead of pointing the
    /// person at a file that lacks the orders it should hold.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_stop_at_once_that_cannot_write_the_failures_file_says_so() {
        // Every write to /dev/full fails: the disk is full.
        let file = match File::options().write(true).open("/dev/full") {
            Ok(file) => file,
            Err(error) => panic!("/dev/full: {error}"),
        };
        let mut shared = Shared {
            out: LineWriter::new(file),
            pending: HashMap::new(),
            positions: vec![Position {
                file: PathBuf::from("orders.jsonl"),
                next: 7,
                id_column: "id".to_owned(),
                id_property: None,
            }],
            next_index: 0,
            unreadable: 0,
            invalid: 0,
            write_error: None,
        };
        match shared.stop_at_once(Path::new("orders.failures.jsonl")) {
            Err(message) => assert!(
                message.starts_with("cannot write orders.failures.jsonl: "),
                "{message}"
            ),
            Ok(interrupted) => panic!("reported {interrupted} orders written to a full disk"),
        }
    }
}
