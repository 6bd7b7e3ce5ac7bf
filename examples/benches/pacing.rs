//! Acceptance benchmark of the client's pacing: 8 concurrent callers on one `Client` against
//! the fake HubSpot, whose rolling window is scaled to 100 requests per second. Reports the
//! requests answered per window as a share of the budget (goal: at least 0.95) and the share
//! of requests answered 429 (goal: at most 1%).
//!
//! `cargo bench -p examples --bench pacing`
//! (`PACING_SECONDS` sets how long the callers run, 10 s by default).

use std::time::{Duration, Instant};

use hubspot_orders::orders::operations::GetByIdParams;
use hubspot_orders::testing::FakeHubSpot;
use hubspot_orders::{Client, ClientExt, RateLimit};

const BUDGET: u32 = 100;
const WINDOW: Duration = Duration::from_secs(1);
const CALLERS: usize = 8;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = match std::env::var("PACING_SECONDS") {
        Ok(text) => text.parse()?,
        Err(_) => 10,
    };
    let run_for = Duration::from_secs(seconds);
    // HubSpot's ten-second window, scaled by 0.1: 100 requests in any rolling second.
    let fake = FakeHubSpot::builder()
        .ten_second_budget(BUDGET)
        .time_scale(0.1)
        .start()
        .await;
    let client: Client = fake
        .client_builder()
        .rate_limit(RateLimit::new(BUDGET, WINDOW))
        .build()?;
    let mut ids = Vec::new();
    for n in 0..CALLERS {
        ids.push(
            fake.insert_record("orders", [("hs_external_order_id", format!("bench-{n}"))])?
                .id,
        );
    }

    let started = Instant::now();
    let mut callers = Vec::new();
    for id in ids {
        let orders = client.orders();
        callers.push(tokio::spawn(async move {
            let mut failures = 0_u64;
            let mut busy = Duration::ZERO;
            while started.elapsed() < run_for {
                let call = Instant::now();
                if orders
                    .get_by_id(&id, &GetByIdParams::default())
                    .await
                    .is_err()
                {
                    failures += 1;
                }
                busy += call.elapsed();
            }
            (failures, busy)
        }));
    }
    let mut failures = 0;
    let mut busy = Duration::ZERO;
    for caller in callers {
        let (failed, time) = caller.await?;
        failures += failed;
        busy += time;
    }

    let log = fake.requests();
    let refused = fake.rate_limited_count();
    let sent = log.len();
    let Some(first) = log.iter().map(|request| request.elapsed).min() else {
        return Err("the fake received no request".into());
    };
    let mut answered: Vec<Duration> = log
        .iter()
        .filter(|request| request.status.is_some_and(|status| status != 429))
        .map(|request| request.elapsed - first)
        .collect();
    answered.sort();
    // Whole windows from the first request, within the time the callers ran.
    let windows = (run_for.as_secs_f64() / WINDOW.as_secs_f64()).floor() as u32;
    let in_windows = answered.iter().filter(|at| **at < WINDOW * windows).count();
    let per_window = in_windows as f64 / f64::from(windows);
    // The most in any rolling window, wherever it starts.
    let mut busiest = 0;
    for (i, start) in answered.iter().enumerate() {
        let count = answered[i..]
            .iter()
            .take_while(|at| **at < *start + WINDOW)
            .count();
        busiest = busiest.max(count);
    }
    // Every window starting on a 10 ms step, whatever its phase against the bursts.
    let steps = (windows - 1) * 100;
    let counts: Vec<usize> = (0..steps)
        .map(|step| {
            let start = Duration::from_millis(u64::from(step) * 10);
            answered
                .iter()
                .filter(|at| **at >= start && **at < start + WINDOW)
                .count()
        })
        .collect();
    let mean = counts.iter().sum::<usize>() as f64 / counts.len().max(1) as f64;
    let metrics = client.metrics();

    println!(
        "pacing: {CALLERS} callers on one Client, budget {BUDGET} per {WINDOW:?} \
         (fake HubSpot, time scale 0.1)"
    );
    println!(
        "  ran {:.2?}; {sent} requests sent, {refused} answered 429, {failures} calls failed",
        started.elapsed()
    );
    println!("  {windows} whole windows: {in_windows} answered, {per_window:.1} per window");
    println!(
        "  share of the budget used:   {:.3} (goal >= 0.95)",
        per_window / f64::from(BUDGET)
    );
    println!(
        "  windows of every phase (10 ms steps): mean {mean:.1}, {:.3} of the budget",
        mean / f64::from(BUDGET)
    );
    println!(
        "  share answered 429:         {:.4} (goal <= 0.01)",
        refused as f64 / sent as f64
    );
    println!("  most in any rolling window: {busiest} (budget {BUDGET})");
    println!(
        "  client: {} requests, {} retries, waited {:.2?} in total",
        metrics.requests, metrics.retries, metrics.waited
    );
    let in_flight = busy.saturating_sub(metrics.waited) / u32::try_from(metrics.requests.max(1))?;
    println!("  mean time from permit to answer: {in_flight:.2?}");
    Ok(())
}
