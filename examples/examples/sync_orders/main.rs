//! Upserts a file of orders into HubSpot, with a progress bar, and writes every order that
//! did not land to a file it names, ready to be run again.
//!
//! ```text
//! HUBSPOT_TOKEN=pat-... cargo run -p examples --example sync_orders -- orders.jsonl
//! HUBSPOT_TOKEN=pat-... cargo run -p examples --example sync_orders -- orders.csv \
//!     --id-column hs_external_order_id --concurrency 4
//! ```
//!
//! Input, chosen by the file's extension:
//! - `.jsonl` (or anything but `.csv`): one batch upsert input a line,
//!   `{"id":"1001","idProperty":"hs_external_order_id","properties":{"hs_order_name":"…"}}`;
//!   `--id-property NAME` fills in `idProperty` where a line has none.
//! - `.csv`: a header row of property names; the `--id-column` column (default
//!   `hs_external_order_id`, which must be a unique property) identifies each order; empty
//!   cells are left out rather than clearing the property.
//!
//! Orders that HubSpot rejected, or that were not sent because the run stopped (daily
//! limit, an error no retry fixes), are written to `<input>.failures.jsonl` (or
//! `--failures PATH`), one a line in the `.jsonl` input format plus `outcome` and `error`
//! fields: after fixing what the errors say, run the example on that file to resume.
//!
//! `HUBSPOT_BASE_URL` sends the requests elsewhere than `https://api.hubapi.com`, e.g. to the
//! fake HubSpot of the `testing` feature:
//!
//! ```text
//! cargo run -p examples --example fake_hubspot   # prints its URL
//! HUBSPOT_BASE_URL=http://127.0.0.1:PORT HUBSPOT_TOKEN=any \
//!     cargo run -p examples --example sync_orders -- orders.jsonl
//! ```
//!
//! Exit status: 0 when every order landed, 1 when some did not (see the failures file), 2
//! when the run could not start.

mod sync;

use std::path::PathBuf;
use std::process::ExitCode;

use hubspot_orders::Client;

const USAGE: &str = "usage: sync_orders FILE.jsonl|FILE.csv [--failures PATH] [--id-column NAME] \
[--id-property NAME] [--batch-size N] [--concurrency N]";

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<sync::Options, String> {
    let mut input = None;
    let mut options = sync::Options::new(PathBuf::new());
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--failures" => options.failures = Some(PathBuf::from(value("--failures")?)),
            "--id-column" => options.id_column = value("--id-column")?,
            "--id-property" => options.id_property = Some(value("--id-property")?),
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
    Ok(options)
}

fn client() -> Result<Client, String> {
    let token = std::env::var("HUBSPOT_TOKEN")
        .map_err(|_| "set HUBSPOT_TOKEN to a private app access token".to_owned())?;
    let mut builder = Client::builder().token(token);
    if let Ok(base_url) = std::env::var("HUBSPOT_BASE_URL") {
        builder = builder.base_url(&base_url);
    }
    builder
        .build()
        .map_err(|error| format!("cannot make the client: {error}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("sync_orders: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let client = match client() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("sync_orders: {message}");
            return ExitCode::from(2);
        }
    };
    match sync::run(&client, &options, true).await {
        Ok(report) => {
            println!("{}", report.summary);
            if report.unreadable > 0 {
                println!("{} lines could not be read", report.unreadable);
            }
            if report.all_landed() {
                ExitCode::SUCCESS
            } else {
                println!(
                    "orders that did not land are in {}",
                    report.failures_file.display()
                );
                ExitCode::from(1)
            }
        }
        Err(message) => {
            eprintln!("sync_orders: {message}");
            ExitCode::from(2)
        }
    }
}
