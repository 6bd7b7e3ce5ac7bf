//! A harness for [Stoplight Prism](https://github.com/stoplightio/prism), the third-party OpenAPI
//! mock server and validating proxy the contract suite (`tests/tests/contract.rs`) checks our
//! generated client against.
//!
//! # Installation
//!
//! [`ensure_installed`] installs `@stoplight/prism-cli` at exactly [`PRISM_VERSION`] into
//! `<workspace>/.tools/prism` (git-ignored) with npm when it is missing or at another version, so
//! the README's test command needs nothing extra. The 5.14 line is the newest that runs on Node 20;
//! later ones need Node 24. Without Node or npm the harness returns an error that says what to
//! install, and the tests fail with it: they never skip.
//!
//! Installs are guarded twice: threads of one test binary share one attempt (a [`OnceLock`]), and
//! concurrent test processes each install into their own staging folder next to the target and
//! rename it into place, so nobody ever runs a half-installed Prism.
//!
//! # What Prism does, measured with 5.14.2
//!
//! What Prism serves is a copy of the document made by [`servable_copy`], because two habits of
//! HubSpot's document break Prism 5.14 as published:
//! - `example: null` on nearly every parameter, media type and property. Prism takes these as
//!   real examples: a 200 answer's body is the literal `null` (a media-type example), and where a
//!   schema is generated, required strings and objects come out `null`. Prism then flags its own
//!   answer. `--ignoreExamples` does not help, and even `--dynamic` still serves the `null`
//!   example of the `default` (error) response. The copy drops every `example` whose value is
//!   null: HubSpot's exporter writes them for "no example".
//! - the shared error response is declared as `*/*`, for which Prism has no serializer: every
//!   answer built from it (422, 401) becomes a 500 `application/problem+json` titled "Cannot find
//!   serializer for */*". The copy declares it `application/json`, which is what HubSpot sends.
//!
//! Mock mode ([`Prism::mock`]):
//! - A request that breaks the document (a missing required property, a query parameter of the
//!   wrong type, a body property of the wrong type) is answered **422**, with the list of
//!   violations in the `sl-violations` response header: a JSON array of
//!   `{"location": ["request", "body"|"query"|…, …], "severity": "Error", "code": "required"|"type"|…,
//!   "message": "Request body must have required property 'inputs'"}`. The 422 *body* is not a
//!   Prism error: Prism looks for a 422, then 400, then `default` response in the document and
//!   serves that, so with HubSpot's document the body is an `Error` object
//!   (`category`, `correlationId`, `message`, …), as the real API would send. Only when the
//!   operation has no such response does Prism answer `application/problem+json` of type
//!   `https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY` with a `validation` array.
//! - A request without credentials for an operation with `security` is answered **401**
//!   ("Invalid security scheme used" in `sl-violations`); any `Authorization: Bearer …`
//!   satisfies OAuth2.
//! - `Prefer: code=207` selects the 207 response of an operation that has one.
//! - [`Answers::Static`] bodies are built from the schemas by Prism itself and are the same on every
//!   run: every property present, optional ones included, strings `"string"`, maps
//!   `{"property1": …, "property2": …}`, date-times `2019-08-24T14:15:22Z`, int32 `-2147483648`,
//!   the first enum value. [`Answers::Dynamic`] (`--dynamic`) bodies come from json-schema-faker
//!   with a fixed `--seed` (Prism reseeds per request, so a request gets the same answer on every
//!   run): optional properties sometimes left out, empty arrays, and extra properties the
//!   document does not name, which a lenient client must tolerate.
//! - With `--errors` (always on here) a violation in Prism's *own* answer would turn it into a
//!   500 `application/problem+json` (shape below), so a 2xx means the exchange conformed both
//!   ways. Request violations still get the 422 above.
//!
//! Proxy mode ([`Prism::proxy`], `prism proxy <copy of spec> <upstream> --errors`):
//! - A request that breaks the document is answered **422** `application/problem+json` by Prism
//!   itself and is **not forwarded** upstream:
//!   `{"type": "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY", "title": "Invalid request",
//!   "status": 422, "detail": "…", "validation": [{"location": ["body"], "severity": "Error",
//!   "code": "required", "message": "Request body must have required property 'inputs'"}]}`
//!   (locations here lack the leading `"request"`; there is no `sl-violations` header).
//! - An upstream answer that breaks the document is replaced by a **500**
//!   `application/problem+json` answer with the `sl-violations` header set:
//!   `{"type": "https://stoplight.io/prism/errors#VIOLATIONS", "title": "Request/Response not valid",
//!   "status": 500, "detail": "…", "validation": [{"location": ["response", "body"], "severity":
//!   "Error", "code": "required", "message": "Response body must have required property
//!   'results'"}]}`.
//! - A conforming answer passes through unchanged: status, body bytes and upstream headers.
//!   Error answers are checked against the `default` response: HubSpot's 429 with a JSON error
//!   body and `Retry-After` passes, but a 5xx with an HTML or empty body ("The received media
//!   type … does not match") or an error body without `category`/`correlationId` is flagged as
//!   above, so test doubles of such off-document answers cannot sit behind the proxy.
//!
//! # Processes
//!
//! Each [`Prism`] is one `node` process (Prism runs single-process unless `--multiprocess` is
//! given, which we never pass) listening on 127.0.0.1 at a free port. It is started as
//! `node -e <watchdog> <prism> …`: the watchdog, run before Prism's own code, exits the process
//! when its stdin, a pipe from the test process, reaches end of file, which the OS guarantees
//! when the test process ends, however it ends (even killed by a CI timeout). Dropping a
//! [`Prism`] also kills and reaps it at once. So no `node` outlives the tests, and
//! [`Prism::shared_mock`] can keep one mock server per document for the whole test binary. The
//! copy of the document Prism serves is deleted when the [`Prism`] is dropped, not before:
//! Prism's file watcher opens it after Prism reports that it listens, and a missing file
//! crashes Prism.

use std::collections::{BTreeMap, VecDeque};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// The exact `@stoplight/prism-cli` version the suite installs and runs.
pub const PRISM_VERSION: &str = "5.14.2";

/// Oldest Node.js that Prism 5.14 runs on (its `engines` field says `>=18.20.1`).
const MIN_NODE: (u32, u32) = (18, 20);

/// The seed for `--dynamic` answers: fixed so every run sees the same bodies.
const SEED: &str = "hubspot-orders";

/// How long Prism may take to start listening before we give up.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How many times to retry when another process takes the port we picked.
const PORT_ATTEMPTS: usize = 5;

/// Runs before Prism in the same `node` process (`node -e WATCHDOG <prism> <args…>`, so that
/// `process.argv[1]` is Prism's script): exits when stdin, a pipe from the test process, closes.
const WATCHDOG: &str = "process.stdin.on('data', () => {}); \
     process.stdin.on('end', () => process.exit(0)); \
     process.stdin.on('error', () => process.exit(0)); \
     require(process.argv[1]);";

/// How many lines of Prism's output to keep for error messages.
const KEPT_LINES: usize = 400;

const NEED_NODE: &str = "the Prism contract tests need Node.js >= 18.20 (Node 20 LTS recommended) \
     and npm on PATH; install them (e.g. `apt-get install nodejs npm`, or from \
     https://nodejs.org/) and rerun";

pub use crate::workspace_root;

/// Returns the path of the `prism` executable, installing Prism [`PRISM_VERSION`] into
/// `<workspace>/.tools/prism` first if it is missing or at another version.
///
/// # Errors
/// When Node.js or npm is missing or too old (the message says what to install), or when
/// `npm install` fails (the message carries npm's output).
pub fn ensure_installed() -> Result<PathBuf, String> {
    static INSTALLED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| install(&workspace_root().join(".tools").join("prism")))
        .clone()
}

fn bin_in(dir: &Path) -> PathBuf {
    dir.join("node_modules").join(".bin").join("prism")
}

/// The version of `@stoplight/prism-cli` installed under `dir`, if any.
fn installed_version(dir: &Path) -> Option<String> {
    let manifest = dir
        .join("node_modules")
        .join("@stoplight")
        .join("prism-cli")
        .join("package.json");
    let text = std::fs::read_to_string(manifest).ok()?;
    // npm writes package.json with one key per line; the top-level "version" is the first one.
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("\"version\":")?;
        Some(
            rest.trim()
                .trim_end_matches(',')
                .trim_matches('"')
                .to_owned(),
        )
    })
}

fn is_current(dir: &Path) -> bool {
    bin_in(dir).exists() && installed_version(dir).as_deref() == Some(PRISM_VERSION)
}

fn install(dir: &Path) -> Result<PathBuf, String> {
    check_node()?;
    if is_current(dir) {
        return Ok(bin_in(dir));
    }
    check_tool("npm")?;
    let parent = dir
        .parent()
        .ok_or_else(|| format!("{} has no parent folder", dir.display()))?;
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    // Install into a folder of our own, then rename it into place: a concurrent test process
    // does the same, and whichever renames first wins.
    let staging = parent.join(format!("prism.staging-{}", std::process::id()));
    remove_dir(&staging)?;
    let package = format!("@stoplight/prism-cli@{PRISM_VERSION}");
    let output = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&staging)
        .arg(&package)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{NEED_NODE} (running npm failed: {e})"))?;
    if !output.status.success() {
        let _ = remove_dir(&staging);
        return Err(format!(
            "`npm install --prefix {} {package}` failed with {}:\n{}{}",
            staging.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        ));
    }
    if !is_current(&staging) {
        let _ = remove_dir(&staging);
        return Err(format!(
            "npm installed {package} but {} is missing or not at {PRISM_VERSION}",
            bin_in(&staging).display()
        ));
    }
    if !is_current(dir) {
        // A stale or broken install: replace it.
        remove_dir(dir)?;
    }
    if let Err(e) = std::fs::rename(&staging, dir) {
        let _ = remove_dir(&staging);
        if !is_current(dir) {
            return Err(format!(
                "cannot move {} to {}: {e}",
                staging.display(),
                dir.display()
            ));
        }
        // Another process installed it meanwhile: use theirs.
    }
    Ok(bin_in(dir))
}

fn remove_dir(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot remove {}: {e}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// Runs `<tool> --version`, failing with what to install when it cannot run.
fn check_tool(tool: &str) -> Result<String, String> {
    let output = Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{NEED_NODE} (running `{tool} --version` failed: {e})"))?;
    if !output.status.success() {
        return Err(format!(
            "{NEED_NODE} (`{tool} --version` exited with {})",
            output.status
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn check_node() -> Result<(), String> {
    let version = check_tool("node")?;
    let mut parts = version
        .trim_start_matches('v')
        .split('.')
        .map(|part| part.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) if (major, minor) >= MIN_NODE => Ok(()),
        _ => Err(format!("{NEED_NODE} (found node {version})")),
    }
}

/// Writes a copy of the OpenAPI document `spec` (YAML or JSON) that Prism can serve faithfully
/// into a fresh file under `.tools/prism-specs/` and returns its path: every `example: null` removed and every
/// `*/*` media type declared `application/json` (see the module docs for why). The caller deletes
/// the file; [`Prism`] does so once Prism has stopped.
///
/// # Errors
/// When `spec` cannot be read or parsed, or the copy cannot be written.
pub fn servable_copy(spec: &Path) -> Result<PathBuf, String> {
    static COPIES: AtomicUsize = AtomicUsize::new(0);
    let text = std::fs::read_to_string(spec)
        .map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let mut document: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| format!("cannot parse {}: {e}", spec.display()))?;
    make_servable(&mut document);
    let text = serde_yaml::to_string(&document)
        .map_err(|e| format!("cannot write a copy of {}: {e}", spec.display()))?;
    // Under `.tools/` (git-ignored) rather than the system's temporary folder: a mock shared
    // for a whole test binary is never dropped, so its copy stays behind; the first copy a
    // process makes clears those more than an hour old, long after their Prism has stopped.
    let dir = workspace_root().join(".tools").join("prism-specs");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let number = COPIES.fetch_add(1, Ordering::Relaxed);
    if number == 0 {
        remove_stale_copies(&dir);
    }
    let copy = dir.join(format!("{}-{number}.yaml", std::process::id()));
    std::fs::write(&copy, text).map_err(|e| format!("cannot write {}: {e}", copy.display()))?;
    Ok(copy)
}

/// Deletes the copies in `dir` last written more than an hour ago.
fn remove_stale_copies(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(3600));
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn make_servable(node: &mut serde_yaml::Value) {
    match node {
        serde_yaml::Value::Mapping(map) => {
            if map.get("example").is_some_and(serde_yaml::Value::is_null) {
                map.remove("example");
            }
            if let Some(serde_yaml::Value::Mapping(content)) = map.get_mut("content") {
                let any = if content.contains_key("application/json") {
                    None
                } else {
                    content.remove("*/*")
                };
                if let Some(media) = any {
                    content.insert("application/json".into(), media);
                }
            }
            for (_, value) in map.iter_mut() {
                make_servable(value);
            }
        }
        serde_yaml::Value::Sequence(items) => items.iter_mut().for_each(make_servable),
        serde_yaml::Value::Tagged(tagged) => make_servable(&mut tagged.value),
        _ => {}
    }
}

/// How [`Prism::mock`] builds answer bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Answers {
    /// Built by Prism from the schemas, every property filled: the same bytes on every run.
    Static,
    /// Generated by json-schema-faker with a fixed seed (`--dynamic --seed …`): optional
    /// properties sometimes absent, extra undocumented properties present.
    Dynamic,
}

/// A running Prism server; dropping it kills the process.
#[derive(Debug)]
pub struct Prism {
    child: Child,
    port: u16,
    output: Arc<Mutex<VecDeque<String>>>,
    drains: Vec<thread::JoinHandle<()>>,
    /// The copy of the document Prism serves. Deleted only once Prism has stopped: Prism's
    /// file watcher starts watching it after Prism says it listens, and crashes Prism if the
    /// file is gone by then.
    spec_copy: PathBuf,
}

enum StartError {
    /// Another process took the port between our probe and Prism's bind.
    PortTaken(String),
    Failed(String),
}

impl Prism {
    /// Starts `prism mock <copy of spec> --errors` (plus `--dynamic --seed …` for
    /// [`Answers::Dynamic`]) on 127.0.0.1 at a free port and waits until it listens. See the
    /// module docs for what it answers.
    ///
    /// # Errors
    /// When Prism cannot be installed or started; the message carries Prism's output.
    pub fn mock(spec: &Path, answers: Answers) -> Result<Self, String> {
        let mut args = vec!["mock".into(), "--errors".into()];
        if answers == Answers::Dynamic {
            args.extend(["--dynamic".into(), "--seed".into(), SEED.into()]);
        }
        Self::start(spec, args)
    }

    /// Like [`Prism::mock`], but every test of the binary that asks for the same `spec` and
    /// `answers` shares one server, started by the first caller. It runs until the test binary
    /// exits (the watchdog described in the module docs then stops it).
    ///
    /// # Errors
    /// As [`Prism::mock`].
    pub fn shared_mock(spec: &Path, answers: Answers) -> Result<Arc<Self>, String> {
        type Started = Arc<OnceLock<Result<Arc<Prism>, String>>>;
        static SHARED: Mutex<BTreeMap<(PathBuf, Answers), Started>> = Mutex::new(BTreeMap::new());
        let started = Arc::clone(
            SHARED
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry((spec.to_path_buf(), answers))
                .or_default(),
        );
        // Concurrent callers for the same server wait for the first one's start.
        started
            .get_or_init(|| Self::mock(spec, answers).map(Arc::new))
            .clone()
    }

    /// Starts `prism proxy <copy of spec> <upstream> --errors` on 127.0.0.1 at a free port: a
    /// validating proxy that forwards valid requests to `upstream` and checks its answers against
    /// `spec`. See the module docs for what it answers on a violation.
    ///
    /// # Errors
    /// When Prism cannot be installed or started; the message carries Prism's output.
    pub fn proxy(spec: &Path, upstream: &str) -> Result<Self, String> {
        Self::start(
            spec,
            vec!["proxy".into(), upstream.into(), "--errors".into()],
        )
    }

    /// The server's base URL, e.g. `http://127.0.0.1:41234`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The last lines Prism printed (its request log), for failure messages.
    pub fn output(&self) -> String {
        let lines = self.output.lock().unwrap_or_else(PoisonError::into_inner);
        lines.iter().fold(String::new(), |mut all, line| {
            let _ = writeln!(all, "{line}");
            all
        })
    }

    /// Runs `prism <command> <copy of spec> <rest…>`, `args` being `[command, rest…]`.
    fn start(spec: &Path, args: Vec<OsString>) -> Result<Self, String> {
        let bin = ensure_installed()?;
        // `node` resolves the main script's symlink itself, but `require` in `-e` does not.
        let script = std::fs::canonicalize(&bin)
            .map_err(|e| format!("cannot resolve {}: {e}", bin.display()))?;
        let mut last = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let spec_copy = servable_copy(spec)?;
            let mut args = args.clone();
            args.insert(1, spec_copy.clone().into());
            let port = free_port()?;
            let spawned = Command::new("node")
                .args(["-e", WATCHDOG])
                .arg(&script)
                .args(&args)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                // Held open by `child` for as long as this process lives: see `WATCHDOG`.
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn();
            let mut child = match spawned {
                Ok(child) => child,
                Err(e) => {
                    let _ = std::fs::remove_file(&spec_copy);
                    return Err(format!("cannot run node {}: {e}", script.display()));
                }
            };
            let output = Arc::new(Mutex::new(VecDeque::new()));
            // Drain both pipes: an unread pipe fills up and blocks Prism's logging.
            let drains = [
                child.stdout.take().map(|out| drain(out, &output)),
                child.stderr.take().map(|err| drain(err, &output)),
            ]
            .into_iter()
            .flatten()
            .collect();
            let mut prism = Self {
                child,
                port,
                output,
                drains,
                spec_copy,
            };
            // A failed start drops `prism`, which stops the process and deletes the copy.
            match prism.wait_until_listening() {
                Ok(()) => return Ok(prism),
                Err(StartError::PortTaken(message)) => last = message,
                Err(StartError::Failed(message)) => return Err(message),
            }
        }
        Err(format!(
            "Prism found no free port in {PORT_ATTEMPTS} attempts; last error:\n{last}"
        ))
    }

    fn wait_until_listening(&mut self) -> Result<(), StartError> {
        let deadline = Instant::now() + START_TIMEOUT;
        let listening = format!("Prism is listening on {}", self.base_url());
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            match self.child.try_wait() {
                Ok(None) => {}
                Ok(Some(status)) => {
                    // The pipes are closed now: collect everything Prism printed.
                    for drain in self.drains.drain(..) {
                        let _ = drain.join();
                    }
                    let output = self.output();
                    let message =
                        format!("Prism exited early with {status}; its output:\n{output}");
                    return Err(if output.contains("EADDRINUSE") {
                        StartError::PortTaken(message)
                    } else {
                        StartError::Failed(message)
                    });
                }
                Err(e) => return Err(StartError::Failed(format!("cannot wait for Prism: {e}"))),
            }
            // Wait for Prism's own "listening" line rather than only a connect, which could
            // reach another process that took the port first.
            if self.output().contains(&listening)
                && TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(StartError::Failed(format!(
                    "Prism did not listen on {} within {} s; its output:\n{}",
                    self.base_url(),
                    START_TIMEOUT.as_secs(),
                    self.output()
                )));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.spec_copy);
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot bind 127.0.0.1:0 to find a free port: {e}"))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|e| format!("cannot read the probe listener's address: {e}"))
}

/// Copies lines from `pipe` into `lines`, keeping the last [`KEPT_LINES`].
fn drain(
    pipe: impl Read + Send + 'static,
    lines: &Arc<Mutex<VecDeque<String>>>,
) -> thread::JoinHandle<()> {
    let lines = Arc::clone(lines);
    thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        // Until end of file: a read error also ends it, as the process is then gone.
        while reader
            .read_until(b'\n', &mut line)
            .is_ok_and(|read| read > 0)
        {
            let text = String::from_utf8_lossy(&line).trim_end().to_owned();
            line.clear();
            let mut lines = lines.lock().unwrap_or_else(PoisonError::into_inner);
            if lines.len() == KEPT_LINES {
                lines.pop_front();
            }
            lines.push_back(text);
        }
    })
}
