//! Serves the fake HubSpot of the `testing` feature until stopped (Ctrl-C), to point other
//! programs at it: prints its base URL and the token it accepts.
//!
//! ```text
//! cargo run -p examples --example fake_hubspot -- --budget 100 --time-scale 0.1
//! ```
//!
//! Options: `--budget N` requests per ten-second window (default 100), `--time-scale X`
//! to shorten every window (0.1 makes it one second), `--daily N` the daily budget,
//! `--unlimited` for no limits at all, `--reject ID` (repeatable) to make HubSpot reject an
//! input in a 207 answer.

use hubspot_orders::testing::{FAKE_TOKEN, FakeHubSpot};

fn parse<T: std::str::FromStr>(name: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or(format!("{name} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{name}: cannot read {value:?}"))
}

fn builder() -> Result<hubspot_orders::testing::FakeHubSpotBuilder, String> {
    let mut builder = FakeHubSpot::builder();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        builder = match arg.as_str() {
            "--budget" => builder.ten_second_budget(parse("--budget", args.next())?),
            "--time-scale" => builder.time_scale(parse("--time-scale", args.next())?),
            "--daily" => builder.daily_budget(parse("--daily", args.next())?),
            "--unlimited" => builder.unlimited(),
            "--reject" => builder.reject_ids([parse::<String>("--reject", args.next())?]),
            other => return Err(format!("unknown option {other}")),
        };
    }
    Ok(builder)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let builder = match builder() {
        Ok(builder) => builder,
        Err(message) => {
            eprintln!("fake_hubspot: {message}");
            return std::process::ExitCode::from(2);
        }
    };
    let fake = builder.start().await;
    println!("HUBSPOT_BASE_URL={}", fake.base_url());
    println!("HUBSPOT_TOKEN={FAKE_TOKEN}");
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        eprintln!(
            "fake_hubspot: {} orders stored, {} requests, {} answered 429",
            fake.record_count("orders"),
            fake.requests().len(),
            fake.rate_limited_count()
        );
    }
}
