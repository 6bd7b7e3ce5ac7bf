//! Upserts orders and line items at the same time through one `Client`, against the fake
//! HubSpot started in-process: two bulk runs share the client's one rate limiter, and so one
//! budget, as HubSpot counts every request of an app against the same limits whatever the
//! object type.
//!
//! ```text
//! cargo run -p examples --example two_objects
//! cargo run -p examples --example two_objects -- --orders 2000 --line-items 6000 --budget 50
//! ```
//!
//! The fake allows `--budget` requests (100 by default) in any rolling window of one second
//! (HubSpot's ten-second window, scaled by 0.1). The program prints the summary of each run
//! (its own attempts and 429s, though the two share the client), the number of requests the
//! fake answered 429, and the most requests it received in any rolling window, to set beside
//! the budget.
//!
//! Options: `--orders N` (10,000 by default), `--line-items N` (20,000 by default),
//! `--budget N` requests per window, `--concurrency N` requests in flight per run (8).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hubspot_orders::bulk::{BulkRun, BulkUpsert, Summary, UpsertOperation};
use hubspot_orders::testing::FakeHubSpot;
use hubspot_orders::{ClientExt, RateLimit};

use examples::two_objects::{LINE_ITEM_KEY, busiest_window, line_item, order};

/// The window of the fake's (scaled) ten-second limit, and of the client's limiter.
const WINDOW: Duration = Duration::from_secs(1);
/// The command line's figures.
struct Options {
    orders: u64,
    line_items: u64,
    budget: u32,
    concurrency: usize,
}

fn parse<T: std::str::FromStr>(name: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or(format!("{name} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{name}: cannot read {value:?}"))
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        orders: 10_000,
        line_items: 20_000,
        budget: 100,
        concurrency: 8,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--orders" => options.orders = parse("--orders", args.next())?,
            "--line-items" => options.line_items = parse("--line-items", args.next())?,
            "--budget" => options.budget = parse("--budget", args.next())?,
            "--concurrency" => options.concurrency = parse("--concurrency", args.next())?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.budget == 0 {
        return Err("--budget must be at least 1".to_owned());
    }
    Ok(options)
}

/// Reads a run to its end (one outcome per input, counted as they come) and gives its
/// summary and the number of outcomes.
async fn drive<O: UpsertOperation>(mut run: BulkRun<'_, O>) -> (Summary<O>, u64) {
    let mut outcomes = 0;
    while run.next().await.is_some() {
        outcomes += 1;
    }
    (run.summary(), outcomes)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = options().map_err(|message| format!("two_objects: {message}"))?;
    let fake = FakeHubSpot::builder()
        .ten_second_budget(options.budget)
        .time_scale(WINDOW.as_secs_f64() / 10.0)
        .unique_property_of("line_items", LINE_ITEM_KEY)
        .start()
        .await;
    // One client, told the app's limit: one limiter for every object type.
    let client = fake
        .client_builder()
        .rate_limit(RateLimit::new(options.budget, WINDOW))
        .build()?;

    let orders = BulkUpsert::new(&client.orders())
        .concurrency(options.concurrency)
        .run_iter((0..options.orders).map(order));
    let line_items = BulkUpsert::new(&client.line_items())
        .concurrency(options.concurrency)
        .run_iter((0..options.line_items).map(line_item));
    let started = Instant::now();
    let ((orders, order_outcomes), (line_items, line_item_outcomes)) =
        tokio::join!(drive(orders), drive(line_items));
    let elapsed = started.elapsed();

    let log = fake.requests();
    let per_type = |object_type: &str| {
        log.iter()
            .filter(|request| request.object_type.as_deref() == Some(object_type))
            .count()
    };
    let busiest = busiest_window(log.iter().map(|request| request.at).collect(), WINDOW);
    println!(
        "two objects on one client: budget {} requests per rolling {WINDOW:?} (fake HubSpot, \
         time scale 0.1), {} in flight per run",
        options.budget, options.concurrency
    );
    println!("  orders:     {order_outcomes} outcomes; {orders}");
    println!("  line items: {line_item_outcomes} outcomes; {line_items}");
    println!(
        "  store: {} orders, {} line items",
        fake.record_count("orders"),
        fake.record_count("line_items")
    );
    println!(
        "  fake: {} requests ({} for orders, {} for line items) in {elapsed:.2?}, {} answered 429",
        log.len(),
        per_type("orders"),
        per_type("line_items"),
        fake.rate_limited_count()
    );
    println!(
        "  most requests in any rolling {WINDOW:?}: {busiest} (budget {})",
        options.budget
    );
    Ok(())
}
