//! Acceptance figures of the bulk upsert, against the fake HubSpot (not a timed test: run it
//! by hand, in release mode).
//!
//! ```text
//! cargo bench -p examples --bench bulk -- throughput
//! cargo bench -p examples --bench bulk -- memory
//! ```
//!
//! - `throughput`: 20,000 orders against a fake allowing 100 requests per rolling second.
//!   Prints the throughput as a share of the ceiling (100 requests a second × 100 orders a
//!   request), the share of requests answered 429, and inputs lost or duplicated. A rolling
//!   window lets a first burst of 100 requests through at once, which weighs a lot over a run
//!   of two windows: `--orders 200000` gives the sustained figure.
//! - `memory`: 1,000,000 generated orders streamed through the bulk API to a fake running in
//!   a child process (so that its store does not count), then prints this process's peak
//!   resident set (`VmHWM` of `/proc/self/status`). `--url URL` uses a fake already running
//!   instead (e.g. the `fake_hubspot` example with `--unlimited`), so that `/usr/bin/time -v`
//!   on the bench measures the uploading process alone.
//!
//! `--orders N` changes the number of orders of either, `--concurrency N` the requests in
//! flight of `throughput` (16 by default), `--latency MS` makes the fake answer each batch
//! that many milliseconds after it counted and processed it (as HubSpot takes time to
//! process a batch; 0 by default).
//!
//! Besides the share over the whole run, `throughput` prints the steady-state share (the rate
//! at which the fake admitted requests after the first window, whose burst it leaves out), and
//! where the time goes: the mean wait in the limiter, and the round trip of a request (from
//! its permit to its answer) split at the moment the fake counted it.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hubspot_orders::bulk::BulkUpsert;
use hubspot_orders::orders::types::SimplePublicObjectBatchInputUpsert as Input;
use hubspot_orders::testing::{FAKE_TOKEN, FakeHubSpot, Fault, FaultRule, Route};
use hubspot_orders::{
    Acquire, Client, ClientExt, Observed, Permit, RateClass, RateLimit, RateLimiter,
    SlidingWindowLimiter,
};

/// Set in the child process that serves the fake for the memory figure.
const CHILD_ROLE: &str = "HUBSPOT_BULK_BENCH_FAKE";

fn order(number: u64) -> Input {
    Input::new(
        format!("shop-{number:08}"),
        BTreeMap::from([
            ("hs_order_name".to_owned(), format!("Order {number}")),
            (
                "hs_total_price".to_owned(),
                format!("{}.{:02}", number % 1000, number % 100),
            ),
            ("hs_currency_code".to_owned(), "EUR".to_owned()),
        ]),
    )
    .with_id_property("hs_external_order_id".to_owned())
}

fn option(args: &[String], name: &str) -> Option<u64> {
    let at = args.iter().position(|arg| arg == name)?;
    args.get(at + 1).and_then(|value| value.parse().ok())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => panic!("cannot start a Tokio runtime: {error}"),
    };
    if std::env::var_os(CHILD_ROLE).is_some() {
        runtime.block_on(serve_fake());
        return;
    }
    let throughput_wanted = args.iter().any(|arg| arg == "throughput");
    let memory_wanted = args.iter().any(|arg| arg == "memory");
    let all = !throughput_wanted && !memory_wanted;
    if throughput_wanted || all {
        // Enough in flight to cover a rate of 100 a second times the time one request takes
        // here (the client and the fake share a loaded machine).
        let concurrency = option(&args, "--concurrency").unwrap_or(16);
        runtime.block_on(throughput(
            option(&args, "--orders").unwrap_or(20_000),
            usize::try_from(concurrency).unwrap_or(16),
            Duration::from_millis(option(&args, "--latency").unwrap_or(0)),
        ));
    }
    if memory_wanted || all {
        let url = args
            .iter()
            .position(|arg| arg == "--url")
            .and_then(|at| args.get(at + 1))
            .cloned();
        runtime.block_on(memory(option(&args, "--orders").unwrap_or(1_000_000), url));
    }
}

async fn throughput(count: u64, concurrency: usize, latency: Duration) {
    const BUDGET: u32 = 100;
    // The ten-second window scaled to one second.
    let mut fake = FakeHubSpot::builder()
        .ten_second_budget(BUDGET)
        .time_scale(0.1);
    if !latency.is_zero() {
        fake = fake.fault(FaultRule::new(Fault::Slow(latency)).on(Route::BatchUpsert));
    }
    let fake = fake.start().await;
    // The client told the account's limit, as a user who knows their plan does (it would
    // also adapt to the `X-HubSpot-RateLimit-*` headers of the first answers). The client's
    // own limiter, wrapped to time each request.
    let window = Duration::from_secs(1);
    let limiter = Arc::new(Timed {
        inner: SlidingWindowLimiter::new(RateLimit::new(BUDGET, window), RateLimit::SEARCH),
        trips: Arc::new(Mutex::new(Vec::new())),
    });
    let client = match fake
        .client_builder()
        .rate_limiter(Arc::clone(&limiter) as Arc<dyn RateLimiter>)
        .build()
    {
        Ok(client) => client,
        Err(error) => panic!("{error}"),
    };
    let started = Instant::now();
    let mut run = BulkUpsert::new(&client.orders())
        .concurrency(concurrency)
        .run_iter((0..count).map(order));
    let mut outcomes = vec![0u32; usize::try_from(count).unwrap_or(usize::MAX)];
    let mut succeeded = 0u64;
    while let Some(outcome) = run.next().await {
        if let Some(seen) = usize::try_from(outcome.index())
            .ok()
            .and_then(|i| outcomes.get_mut(i))
        {
            *seen += 1;
        }
        if outcome.is_success() {
            succeeded += 1;
        }
    }
    let elapsed = started.elapsed();
    let summary = run.summary();
    let lost = outcomes.iter().filter(|seen| **seen == 0).count();
    let duplicated = outcomes.iter().filter(|seen| **seen > 1).count();
    let stored = fake.record_count("orders");
    let log = fake.requests();
    let requests = log.len();
    let rate_limited = fake.rate_limited_count();
    let mut admitted: Vec<Instant> = log
        .iter()
        .filter(|request| request.status.is_some_and(|status| status != 429))
        .map(|request| request.at)
        .collect();
    admitted.sort();
    let trips = limiter.trips();
    let refused_at: Vec<String> = log
        .iter()
        .filter(|request| request.status == Some(429))
        .map(|request| format!("{:.2}", request.elapsed.as_secs_f64()))
        .collect();

    let ceiling = f64::from(BUDGET) * 100.0; // orders per second
    let rate = succeeded as f64 / elapsed.as_secs_f64();
    println!(
        "bulk throughput: {count} orders, {BUDGET} requests per rolling 1 s window, \
         {concurrency} in flight, answers {latency:?} after the fake counted them"
    );
    println!("  {summary}");
    println!(
        "  {rate:.0} orders/s over {elapsed:.2?} = {:.3} of the ceiling ({ceiling:.0} orders/s)",
        rate / ceiling
    );
    println!(
        "  {requests} requests received, {rate_limited} answered 429 ({:.2}%)",
        100.0 * rate_limited as f64 / requests.max(1) as f64
    );
    if !refused_at.is_empty() {
        println!("  429s at (s): {}", refused_at.join(" "));
    }
    println!(
        "  outcomes: {lost} inputs lost, {duplicated} duplicated; store holds {stored} orders"
    );
    // After the first window's burst: the time the next budgets of requests took, from the
    // first request past that burst to the first of a later budget (the same phase of the
    // cycle at both ends, wherever windows cut the bursts).
    let budget = BUDGET as usize;
    let cycles = admitted.len().saturating_sub(budget + 1) / budget;
    if cycles > 0 {
        let took = admitted[budget + cycles * budget] - admitted[budget];
        let per_window = (cycles * budget) as f64 * window.as_secs_f64() / took.as_secs_f64();
        println!(
            "  steady state: {} requests after the first window in {took:.2?} = {:.3} of the \
             ceiling",
            cycles * budget,
            per_window / f64::from(BUDGET)
        );
    }
    let metrics = client.metrics();
    let attempts = metrics.requests.max(1) as f64;
    println!(
        "  mean wait in the limiter: {:.1} ms a request",
        metrics.waited.as_secs_f64() * 1000.0 / attempts
    );
    if !trips.is_empty() {
        let mut round_trips: Vec<Duration> =
            trips.iter().map(|(sent, ended)| *ended - *sent).collect();
        round_trips.sort();
        let mean = round_trips.iter().sum::<Duration>()
            / u32::try_from(round_trips.len()).unwrap_or(u32::MAX);
        let at = |share: f64| round_trips[((round_trips.len() - 1) as f64 * share) as usize];
        println!(
            "  round trip (permit to answer): min {:.1?}, median {:.1?}, p99 {:.1?}, \
             max {:.1?}, mean {mean:.1?}",
            at(0.0),
            at(0.5),
            at(0.99),
            at(1.0)
        );
        // The same requests on both sides: the difference of the sums is exact without
        // matching each request to its log entry (retries and 429s included on both sides).
        if log.len() == trips.len() {
            let base = trips.iter().map(|(sent, _)| *sent).min().unwrap_or(started);
            let sent: f64 = trips
                .iter()
                .map(|(sent, _)| (*sent - base).as_secs_f64())
                .sum();
            let counted: f64 = log
                .iter()
                .map(|request| request.at.saturating_duration_since(base).as_secs_f64())
                .sum();
            println!(
                "  mean time from permit to the fake counting the request: {:.1} ms",
                (counted - sent) * 1000.0 / trips.len() as f64
            );
        }
    }
}

/// The client's limiter, timing each request from its permit to its answer.
#[derive(Debug)]
struct Timed {
    inner: SlidingWindowLimiter,
    trips: Arc<Mutex<Vec<(Instant, Instant)>>>,
}

impl Timed {
    fn trips(&self) -> Vec<(Instant, Instant)> {
        self.trips
            .lock()
            .map(|trips| trips.clone())
            .unwrap_or_default()
    }
}

impl RateLimiter for Timed {
    fn acquire(&self, class: RateClass) -> Acquire<'_> {
        Box::pin(async move {
            let permit = self.inner.acquire(class).await;
            let sent = Instant::now();
            let trips = Arc::clone(&self.trips);
            Permit::on_release(move || {
                let ended = Instant::now();
                drop(permit);
                if let Ok(mut trips) = trips.lock() {
                    trips.push((sent, ended));
                }
            })
        })
    }

    fn observe(&self, class: RateClass, answer: &Observed) {
        self.inner.observe(class, answer);
    }
}

/// The child's part: an unlimited fake, its URL on stdout, until stdin closes.
async fn serve_fake() {
    let fake = FakeHubSpot::builder().unlimited().start().await;
    println!("{}", fake.base_url());
    let _ = std::io::stdout().flush();
    let _ = tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        while std::io::stdin()
            .read_line(&mut sink)
            .is_ok_and(|read| read > 0)
        {}
    })
    .await;
    drop(fake);
}

/// The peak resident set of this process, from `/proc/self/status`.
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .map(|line| line.trim_start_matches("VmHWM:").trim().to_owned())
}

async fn memory(count: u64, url: Option<String>) {
    match url {
        Some(url) => stream_through(count, &url).await,
        None => {
            let (url, mut child) = spawn_fake();
            stream_through(count, &url).await;
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }
}

/// Starts this program again as an unlimited fake; its URL and the child.
fn spawn_fake() -> (String, std::process::Child) {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => panic!("cannot find this program to run the fake: {error}"),
    };
    let mut child = match Command::new(exe)
        .env(CHILD_ROLE, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => panic!("cannot start the fake's process: {error}"),
    };
    let mut url = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut url);
    }
    let url = url.trim().to_owned();
    if url.is_empty() {
        panic!("the fake's process printed no URL");
    }
    (url, child)
}

/// Streams `count` generated orders to the fake at `url`, and prints this process's peak RSS.
async fn stream_through(count: u64, url: &str) {
    let client = match Client::builder()
        .token(FAKE_TOKEN)
        .base_url(url)
        .timeout(Duration::from_secs(60))
        // The fake is unlimited (and sends no limit headers): pace nothing.
        .rate_limit(RateLimit::new(1_000_000, Duration::from_secs(1)))
        .build()
    {
        Ok(client) => client,
        Err(error) => panic!("{error}"),
    };
    let before = peak_rss();
    let started = Instant::now();
    let mut run = BulkUpsert::new(&client.orders())
        .concurrency(4)
        .run_iter((0..count).map(order));
    let mut outcomes = 0u64;
    while let Some(outcome) = run.next().await {
        outcomes += 1;
        drop(outcome);
    }
    let summary = run.summary();
    println!(
        "bulk memory: {count} generated orders through the bulk API to a fake in another process"
    );
    println!("  {summary}");
    println!("  {outcomes} outcomes in {:.1?}", started.elapsed());
    println!(
        "  peak RSS (VmHWM) of this process: {} (before the run: {})",
        peak_rss().unwrap_or_else(|| "unknown".to_owned()),
        before.unwrap_or_else(|| "unknown".to_owned())
    );
}
