//! Upserts a file of orders into HubSpot, with a progress bar, and writes every order that
//! did not land to a file, as it happens, ready to be run again.
//!
//! ```text
//! HUBSPOT_TOKEN=pat-... cargo run -p examples --example sync_orders -- orders.jsonl
//! HUBSPOT_TOKEN=pat-... cargo run -p examples --example sync_orders -- orders.csv \
//!     --id-column hs_external_order_id --concurrency 4 --properties spec/orders-properties.json
//! HUBSPOT_TOKEN=pat-... cargo run -p examples --example sync_orders -- orders.csv --resume
//! ```
//!
//! Input, chosen by the file's extension:
//! - `.jsonl` (or anything but `.csv`): one batch upsert input a line,
//!   `{"id":"1001","idProperty":"hs_external_order_id","properties":{"hs_order_name":"…"}}`;
//!   `--id-property NAME` fills in `idProperty` where a line has none (by default the
//!   `--id-column`).
//! - `.csv`: a header row of property names; the `--id-column` column (default
//!   `hs_external_order_id`, which must be a unique property) identifies each order; empty
//!   cells are left out rather than clearing the property.
//!
//! `--properties FILE` checks every order against a property catalog (the answer of
//! `GET /crm/v3/properties/orders`, e.g. `spec/orders-properties.json`) before sending it: a
//! number written `12,50`, a date written `31/12/2025`, an option the catalog does not list
//! (`JPY`), a property it does not know: the order is not sent, and its entry in the failures
//! file (`"outcome": "invalid"`) says which property, which value and why; the other orders
//! go. A CSV column the catalog does not know, or an id column that is not a unique property,
//! stops the program before anything is sent.
//!
//! What did not land goes to the failures file, `orders.failures.jsonl` for `orders.jsonl`
//! or `orders.csv` (`--failures PATH` to choose), written and flushed as each outcome
//! arrives: one entry a line, the order as an input plus `outcome` (`failed`,
//! `not_attempted`, `unconfirmed`, `invalid`, `unreadable`, `interrupted`), `error`, `line`
//! (and `record` for CSV: the input's line or record number) and `source`. Running the
//! program on that file (or on the original with `--resume`, which picks its newest failures
//! file) sends exactly those orders again; a resume writes the next file,
//! `orders.failures-2.jsonl`, then `-3`, so it never overwrites what it reads.
//!
//! Ctrl-C: the first stops gracefully: nothing new is sent, the requests in flight finish,
//! every order gets its outcome (the rest as `not_attempted`), the summary is printed. A
//! second quits at once (status 130): the orders read but without an outcome are written as
//! `interrupted` (sent or not: sending them again is safe, upsert being idempotent), and a
//! `not_read` entry says where reading stopped, so a resume still sends everything that did
//! not land.
//!
//! `HUBSPOT_BASE_URL` sends the requests elsewhere than `https://api.hubapi.com`, e.g. to the
//! fake HubSpot (`cargo run -p examples --example fake_hubspot -- --help`).
//!
//! `--redis URL` makes several processes share one HubSpot budget (one process per input
//! file, say): each paces its requests against the budget kept in that Redis under
//! `--redis-key` (default `hubspot:sync_orders`; one key per app and account), instead of
//! each taking the whole budget and all of them meeting 429s. If Redis stops answering, the
//! calls fail (their orders go to the failures file, to resume), or with `--redis-share S`
//! each process goes on alone at that share of the budget (`0.25` for four processes) until
//! Redis answers again.
//!
//! ```text
//! for file in shop-*.csv; do
//!     HUBSPOT_TOKEN=pat-... cargo run -p examples --example sync_orders -- "$file" \
//!         --redis redis://127.0.0.1:6379 --redis-share 0.25 &
//! done; wait
//! ```
//!
//! Exit status: 0 when every order landed, 1 when some did not (see the failures file; a run
//! stopped by one Ctrl-C included), 2 when the run could not start, 130 when a second Ctrl-C
//! quit at once.

use examples::sync_orders::sync;

use std::path::PathBuf;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;

use futures_util::Stream;
use hubspot_orders::{Client, OnRedisLoss, RedisLimiter};

const USAGE: &str = "usage: sync_orders FILE.jsonl|FILE.csv [--resume] [--failures PATH] \
[--properties CATALOG.json] [--id-column NAME] [--id-property NAME] [--batch-size N] \
[--concurrency N] [--redis URL [--redis-key KEY] [--redis-share S]]";

/// `--redis`: the budget shared with the other processes given the same Redis and key.
#[derive(Debug, Default)]
struct SharedBudget {
    url: Option<String>,
    key: Option<String>,
    share: Option<f64>,
}

/// The rate limiter every process given the same `--redis URL` and `--redis-key` shares: one
/// HubSpot budget, kept in Redis. `None` without `--redis` (the client's own limiter).
async fn shared_limiter(shared: &SharedBudget) -> Result<Option<RedisLimiter>, String> {
    let Some(url) = &shared.url else {
        if shared.key.is_some() || shared.share.is_some() {
            return Err("--redis-key and --redis-share need --redis URL".to_owned());
        }
        return Ok(None);
    };
    let key = shared.key.as_deref().unwrap_or("hubspot:sync_orders");
    let on_loss = match shared.share {
        Some(share) => OnRedisLoss::Local { share },
        None => OnRedisLoss::Fail,
    };
    let limiter = RedisLimiter::builder(url.as_str(), key)
        .on_redis_loss(on_loss)
        .connect()
        .await
        .map_err(|error| format!("--redis: {error}"))?;
    Ok(Some(limiter))
}

/// The options, and whether to resume.
fn parse_args(
    mut args: impl Iterator<Item = String>,
) -> Result<(sync::Options, bool, SharedBudget), String> {
    let mut input = None;
    let mut resume = false;
    let mut shared = SharedBudget::default();
    let mut options = sync::Options::new(PathBuf::new());
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--failures" => options.failures = Some(PathBuf::from(value("--failures")?)),
            "--properties" => options.properties = Some(PathBuf::from(value("--properties")?)),
            "--id-column" => options.id_column = value("--id-column")?,
            "--id-property" => options.id_property = Some(value("--id-property")?),
            "--resume" => resume = true,
            "--redis" => shared.url = Some(value("--redis")?),
            "--redis-key" => shared.key = Some(value("--redis-key")?),
            "--redis-share" => {
                shared.share = Some(
                    value("--redis-share")?
                        .parse()
                        .map_err(|error| format!("--redis-share: {error}"))?,
                );
            }
            "--batch-size" => {
                options.batch_size = value("--batch-size")?
                    .parse()
                    .map_err(|error| format!("--batch-size: {error}"))?;
            }
            "--concurrency" => {
                options.concurrency = value("--concurrency")?
                    .parse()
                    .map_err(|error| format!("--concurrency: {error}"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            path if input.is_none() => input = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument {extra}")),
        }
    }
    options.input = input.ok_or("no input file given")?;
    Ok((options, resume, shared))
}

async fn client(shared: &SharedBudget) -> Result<Client, String> {
    let token = std::env::var("HUBSPOT_TOKEN")
        .map_err(|_| "set HUBSPOT_TOKEN to a private app access token".to_owned())?;
    let mut builder = Client::builder().token(token);
    if let Ok(base_url) = std::env::var("HUBSPOT_BASE_URL") {
        builder = builder.base_url(&base_url);
    }
    if let Some(limiter) = shared_limiter(shared).await? {
        builder = builder.rate_limiter(Arc::new(limiter));
    }
    builder
        .build()
        .map_err(|error| format!("cannot make the client: {error}"))
}

/// Every Ctrl-C (SIGINT), from now on: installed before anything is sent, so that no
/// Ctrl-C kills the program the default way.
fn interrupts() -> Result<Pin<Box<dyn Stream<Item = ()> + Send>>, String> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let signals = signal(SignalKind::interrupt())
            .map_err(|error| format!("cannot listen for Ctrl-C: {error}"))?;
        Ok(Box::pin(futures_util::stream::unfold(
            signals,
            |mut signals| async move { signals.recv().await.map(|()| ((), signals)) },
        )))
    }
    #[cfg(not(unix))]
    {
        Ok(Box::pin(futures_util::stream::unfold((), |()| async {
            tokio::signal::ctrl_c().await.ok().map(|()| ((), ()))
        })))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let (mut options, resume, shared) = match parse_args(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("sync_orders: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if resume {
        match sync::resume_input(&options.input) {
            Ok(newest) => {
                if std::fs::metadata(&newest).is_ok_and(|meta| meta.len() == 0) {
                    println!("nothing left to send: {} is empty", newest.display());
                    return ExitCode::SUCCESS;
                }
                eprintln!("sync_orders: resuming from {}", newest.display());
                options.input = newest;
            }
            Err(message) => {
                eprintln!("sync_orders: {message}");
                return ExitCode::from(2);
            }
        }
    }
    let client = match client(&shared).await {
        Ok(client) => client,
        Err(message) => {
            eprintln!("sync_orders: {message}");
            return ExitCode::from(2);
        }
    };
    // Ctrl-C is taken over once the client is ready (connecting to Redis may take its
    // timeout): until then, nothing is sent or written, and Ctrl-C ends the process at once.
    let interrupts = match interrupts() {
        Ok(interrupts) => interrupts,
        Err(message) => {
            eprintln!("sync_orders: {message}");
            return ExitCode::from(2);
        }
    };
    let report = match sync::run(&client, &options, true, interrupts).await {
        Ok(report) => report,
        Err(message) => {
            eprintln!("sync_orders: {message}");
            return ExitCode::from(2);
        }
    };
    let failures = report.failures_file.display();
    if report.stopped_at_once {
        eprintln!(
            "sync_orders: stopped at once; {} orders read had no outcome yet (in flight or \
             about to be sent): they are in {failures} as `interrupted`, with where reading \
             stopped; run `sync_orders {failures}` to send everything that did not land",
            report.interrupted
        );
        return ExitCode::from(130);
    }
    println!("{}", report.summary);
    if report.unreadable > 0 {
        println!("{} lines could not be read", report.unreadable);
    }
    if report.invalid > 0 {
        println!(
            "{} orders not sent: their values break the property catalog (or their id is empty)",
            report.invalid
        );
    }
    if report.all_landed() {
        ExitCode::SUCCESS
    } else {
        println!(
            "orders that did not land are in {failures}: run `sync_orders {failures}` to resume"
        );
        ExitCode::from(1)
    }
}
