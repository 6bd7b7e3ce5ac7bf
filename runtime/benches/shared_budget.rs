//! Several processes of one HubSpot app on one budget: 4 OS processes x 8 callers, upserting
//! and reading orders against ONE fake HubSpot (100 requests per scaled one-second window),
//! first with an in-process limiter each (the baseline: each process believes the whole
//! budget is its own), then with `RedisLimiter` on one `redis-server`. Prints, for the steady
//! state (after the first window), the share of the budget the fake admitted and the share of
//! answers that were 429. A program that prints figures (not a timed test); it exits with an
//! error when the Redis run misses the targets (at least 0.95 of the budget, at most 1% 429).
//!
//! ```text
//! cargo bench -p hubspot-runtime --features redis,testing --bench shared_budget
//! ```
//!
//! The parent starts `redis-server` (Debian's package) and the fake, then runs this same
//! program as each child process (`--child …`), pointed at them by URL.

use std::collections::BTreeMap;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hubspot_runtime::codegen::{Method, Request, send};
use hubspot_runtime::testing::{FAKE_TOKEN, FakeHubSpot, LoggedRequest};
use hubspot_runtime::{
    Client, Error, OnRedisLoss, OperationInfo, RateClass, RateLimit, RateLimiter, RedisLimiter,
    Repeat, SlidingWindowLimiter,
};
use serde_json::json;

const PROCESSES: usize = 4;
const CALLERS: usize = 8;
/// The fake's budget per window, and the window (HubSpot's ten seconds, scaled by 0.1).
const BUDGET: u32 = 100;
const WINDOW: Duration = Duration::from_secs(1);
/// How long each run lasts: the first window, then the steady state.
const RUN: Duration = Duration::from_secs(7);
/// Orders per batch upsert.
const BATCH: usize = 10;

const TARGET_SHARE: f64 = 0.95;
const TARGET_REJECTED: f64 = 0.01;

const BATCH_UPSERT: OperationInfo = OperationInfo::new(
    "batch_upsert",
    "post-/crm/v3/objects/orders/batch/upsert",
    "/crm/v3/objects/orders/batch/upsert",
    Repeat::Safe,
    RateClass::Standard,
    "application/json",
);

const GET_PAGE: OperationInfo = OperationInfo::new(
    "get_page",
    "get-/crm/v3/objects/orders",
    "/crm/v3/objects/orders",
    Repeat::Safe,
    RateClass::Standard,
    "application/json",
);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let outcome = match args.iter().position(|arg| arg == "--child") {
        Some(at) => child(&args[at + 1..]),
        None => parent(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("shared_budget: {error}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start a Tokio runtime: {error}"))
}

/// What one run gave, in the steady state.
struct Figures {
    windows: u32,
    admitted: usize,
    rejected: usize,
    answers: usize,
}

impl Figures {
    fn share_of_budget(&self) -> f64 {
        self.admitted as f64 / (f64::from(self.windows) * f64::from(BUDGET))
    }

    fn share_rejected(&self) -> f64 {
        self.rejected as f64 / self.answers.max(1) as f64
    }
}

fn parent() -> Result<(), String> {
    let redis = hubspot_runtime::testing::RedisServer::start();
    let runtime = runtime()?;
    let fake = runtime.block_on(
        FakeHubSpot::builder()
            .ten_second_budget(BUDGET)
            .time_scale(0.1)
            .start(),
    );
    println!(
        "{PROCESSES} processes x {CALLERS} callers, batch upserts of {BATCH} orders and page \
         reads, against one fake HubSpot of {BUDGET} requests per {WINDOW:?}; {RUN:?} per run, \
         steady state after the first window"
    );
    let baseline = run(&fake, "local", &redis.url())?;
    report("in-process limiter per process (baseline)", &baseline);
    // Let the fake's window empty between the runs.
    std::thread::sleep(WINDOW * 2);
    let shared = run(&fake, "redis", &redis.url())?;
    report("RedisLimiter, one budget for all", &shared);
    let (share, rejected) = (shared.share_of_budget(), shared.share_rejected());
    if share < TARGET_SHARE || rejected > TARGET_REJECTED {
        return Err(format!(
            "RedisLimiter missed its targets: {share:.3} of the budget (target >= \
             {TARGET_SHARE}), {:.2}% answered 429 (target <= {:.0}%)",
            rejected * 100.0,
            TARGET_REJECTED * 100.0
        ));
    }
    Ok(())
}

fn report(name: &str, figures: &Figures) {
    println!("{name}");
    println!(
        "  steady state over {} windows: {} admitted = {:.3} of the budget; {} of {} answers \
         were 429 = {:.2}%",
        figures.windows,
        figures.admitted,
        figures.share_of_budget(),
        figures.rejected,
        figures.answers,
        figures.share_rejected() * 100.0
    );
}

/// Runs the child processes with `mode` (`local` or `redis`) and reads the fake's log.
fn run(fake: &FakeHubSpot, mode: &str, redis_url: &str) -> Result<Figures, String> {
    fake.clear_requests();
    let program = std::env::current_exe()
        .map_err(|error| format!("cannot find this program to run it again: {error}"))?;
    let key = format!("hubspot:bench:{:016x}", fastrand::u64(..));
    let mut children = Vec::new();
    for process in 0..PROCESSES {
        let spawned = Command::new(&program)
            .args(["--child", &fake.base_url(), mode, redis_url, &key])
            .arg(process.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start child process {process}: {error}"))?;
        children.push(spawned);
    }
    let mut failed = Vec::new();
    for (process, child) in children.into_iter().enumerate() {
        match child.wait_with_output() {
            Ok(output) if output.status.success() => {
                print!("  {}", String::from_utf8_lossy(&output.stdout));
            }
            Ok(output) => failed.push(format!("process {process}: {}", output.status)),
            Err(error) => failed.push(format!("process {process}: {error}")),
        }
    }
    if !failed.is_empty() {
        return Err(format!("child processes failed: {}", failed.join(", ")));
    }
    steady(&fake.requests())
}

/// The figures of the whole windows after the first one.
fn steady(log: &[LoggedRequest]) -> Result<Figures, String> {
    let (Some(first), Some(last)) = (
        log.iter().map(|request| request.elapsed).min(),
        log.iter().map(|request| request.elapsed).max(),
    ) else {
        return Err("the fake received no request".to_owned());
    };
    let from = first + WINDOW;
    let windows =
        u32::try_from(last.saturating_sub(from).as_millis() / WINDOW.as_millis()).unwrap_or(0);
    if windows == 0 {
        return Err("the run was shorter than two windows".to_owned());
    }
    let to = from + WINDOW * windows;
    let steady = log
        .iter()
        .filter(|request| request.elapsed >= from && request.elapsed < to);
    let (mut admitted, mut rejected, mut answers) = (0, 0, 0);
    for request in steady {
        match request.status {
            Some(429) => rejected += 1,
            Some(_) => admitted += 1,
            None => {}
        }
        answers += usize::from(request.status.is_some());
    }
    Ok(Figures {
        windows,
        admitted,
        rejected,
        answers,
    })
}

/// One child process: `CALLERS` callers on one client, for `RUN`.
fn child(args: &[String]) -> Result<(), String> {
    let [fake_url, mode, redis_url, key, process, ..] = args else {
        return Err(format!("child arguments: {args:?}"));
    };
    let runtime = runtime()?;
    runtime.block_on(async {
        let budget = RateLimit::new(BUDGET, WINDOW);
        let limiter: Arc<dyn RateLimiter> = match mode.as_str() {
            "local" => Arc::new(SlidingWindowLimiter::new(budget, RateLimit::SEARCH)),
            "redis" => Arc::new(
                RedisLimiter::builder(redis_url.as_str(), key.as_str())
                    .rate_limit(budget)
                    .on_redis_loss(OnRedisLoss::Fail)
                    .connect()
                    .await
                    .map_err(|error| error.to_string())?,
            ),
            other => return Err(format!("unknown mode {other}")),
        };
        let client = Client::builder()
            .token(FAKE_TOKEN)
            .base_url(fake_url)
            .rate_limiter(limiter)
            .build()
            .map_err(|error| error.to_string())?;
        let until = Instant::now() + RUN;
        let mut callers = Vec::new();
        for caller in 0..CALLERS {
            let client = client.clone();
            let prefix = format!("p{process}-c{caller}");
            callers.push(tokio::spawn(async move {
                let mut failures = 0u64;
                let mut round = 0usize;
                while Instant::now() < until {
                    let outcome = match round % 2 {
                        0 => upsert(&client, &prefix, round).await,
                        _ => read(&client).await,
                    };
                    failures += u64::from(outcome.is_err());
                    round += 1;
                }
                failures
            }));
        }
        let mut failures = 0;
        for caller in callers {
            failures += caller.await.map_err(|error| error.to_string())?;
        }
        let metrics = client.metrics();
        println!(
            "process {process} ({mode}): {} attempts, {} answered 429, {failures} calls failed",
            metrics.requests, metrics.rate_limited
        );
        Ok(())
    })
}

async fn upsert(client: &Client, prefix: &str, round: usize) -> Result<(), Error> {
    let inputs: Vec<_> = (0..BATCH)
        .map(|n| {
            let properties = BTreeMap::from([("hs_total_price", format!("{round}.{n:02}"))]);
            json!({
                "id": format!("{prefix}-{n}"),
                "idProperty": "hs_external_order_id",
                "properties": properties,
            })
        })
        .collect();
    let mut request = Request::new(
        Method::POST,
        BATCH_UPSERT.path_template.to_owned(),
        &BATCH_UPSERT,
    );
    request.json(&json!({ "inputs": inputs }))?;
    let response = send(client, request).await?;
    match response.status() {
        200 | 201 | 207 => Ok(()),
        _ => Err(response.into_error()),
    }
}

async fn read(client: &Client) -> Result<(), Error> {
    let mut request = Request::new(Method::GET, GET_PAGE.path_template.to_owned(), &GET_PAGE);
    request.query("limit", &10)?;
    let response = send(client, request).await?;
    match response.status() {
        200 => Ok(()),
        _ => Err(response.into_error()),
    }
}
