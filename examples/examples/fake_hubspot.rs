//! Serves the fake HubSpot of the `testing` feature until stopped (Ctrl-C), to point other
//! programs at it: prints the `HUBSPOT_BASE_URL` and `HUBSPOT_TOKEN` to export, then a line
//! of figures every ten seconds (and a last one when stopped).
//!
//! ```text
//! cargo run -p examples --example fake_hubspot -- --budget 100 --time-scale 0.1 \
//!     --429 0.05 --5xx 0.02 --lost 0.01 --catalog orders:spec/orders-properties.json
//! ```
//!
//! `--help` lists the flags (the README has them as a table). Unknown flags and values that
//! do not read exit with status 2 and a message.

use std::process::ExitCode;
use std::time::Duration;

use hubspot_orders::testing::Policy;
use hubspot_orders::testing::{FAKE_TOKEN, FakeHubSpot, FakeHubSpotBuilder, Fault, FaultRule};

const HELP: &str = "\
fake_hubspot: HubSpot's CRM objects API, served from memory on 127.0.0.1, to point programs at.

usage: fake_hubspot [FLAGS]

Limits (HubSpot's, per app):
  --budget N             requests per rolling ten-second window (default 100)
  --search-budget N      search requests per second (default 4)
  --daily N              requests per day (default 250000)
  --time-scale X         length of every window times X (0.1: the ten-second window lasts 1 s)
  --unlimited            no limits at all, no X-HubSpot-RateLimit-* headers
  --retry-after          send Retry-After with every 429

Faults, each a share of all requests (0 to 1, drawn from the seed; together at most 1):
  --429 SHARE            answer 429 TEN_SECONDLY_ROLLING, as if another client spent the budget
  --5xx SHARE[:STATUS]   answer STATUS (default 503) with a JSON error, write nothing
  --reset SHARE          close the connection without an answer, write nothing
  --lost SHARE           apply the write, then close the connection without an answer
  --slow SHARE[:MS]      apply the request, answer MS milliseconds late (default 2000)
  --seed N               seed of the fault draws (the same seed and requests: the same faults)

Data:
  --unique TYPE:PROPERTY a property with unique values (repeatable), e.g. orders:erp_order_number;
                         orders always have hs_external_order_id
  --catalog TYPE:FILE    check the values written to TYPE against a property catalog (repeatable),
                         e.g. orders:spec/orders-properties.json: unknown properties, numbers,
                         dates, date-times, booleans and options are refused with HubSpot's 400
  --reject ID            reject inputs with this id or unique value in 207 answers (repeatable)

Server:
  --port N               listen on this port (default: one the OS picks)
  --token TOKEN          accept only this bearer token (default: any)
  -h, --help             this text

Prints `export HUBSPOT_BASE_URL=…` and `export HUBSPOT_TOKEN=…`, then runs until Ctrl-C.
";

/// A flag's value, read as `T`.
fn value<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or(format!("{flag} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{flag}: cannot read {value:?}"))
}

/// A share between 0 and 1.
fn share(flag: &str, text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!("{flag}: {text:?} is not a share between 0 and 1")),
    }
}

/// `SHARE` or `SHARE:EXTRA`.
fn share_and<T: std::str::FromStr>(
    flag: &str,
    text: Option<String>,
    default: T,
) -> Result<(f64, T), String> {
    let text = text.ok_or(format!("{flag} needs a value"))?;
    match text.split_once(':') {
        None => Ok((share(flag, &text)?, default)),
        Some((first, extra)) => {
            let extra = extra
                .parse()
                .map_err(|_| format!("{flag}: cannot read {extra:?} in {text:?}"))?;
            Ok((share(flag, first)?, extra))
        }
    }
}

/// `TYPE:REST`, both non-empty.
fn typed_pair(flag: &str, text: Option<String>) -> Result<(String, String), String> {
    let text = text.ok_or(format!("{flag} needs a value"))?;
    match text.split_once(':') {
        Some((object_type, rest)) if !object_type.is_empty() && !rest.is_empty() => {
            Ok((object_type.to_owned(), rest.to_owned()))
        }
        _ => Err(format!(
            "{flag}: {text:?} is not OBJECT_TYPE:VALUE (e.g. orders:...)"
        )),
    }
}

/// What the command line asks for.
#[derive(Debug)]
enum Command {
    Help,
    /// Start this fake, which accepts `token` (any when `None`).
    Serve {
        builder: Box<FakeHubSpotBuilder>,
        token: Option<String>,
    },
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut builder = FakeHubSpot::builder().log_limit(0);
    // Each fault as (share of all requests, fault): turned into rules at the end.
    let mut faults: Vec<(f64, Fault)> = Vec::new();
    let mut token = None;
    while let Some(arg) = args.next() {
        builder = match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--budget" => builder.ten_second_budget(value(&arg, args.next())?),
            "--search-budget" => builder.search_budget(value(&arg, args.next())?),
            "--daily" => builder.daily_budget(value(&arg, args.next())?),
            "--time-scale" => {
                let scale: f64 = value(&arg, args.next())?;
                if !(scale.is_finite() && scale > 0.0) {
                    return Err(format!("--time-scale: {scale} is not a positive number"));
                }
                builder.time_scale(scale)
            }
            "--unlimited" => builder.unlimited(),
            "--retry-after" => builder.retry_after_header(true),
            "--seed" => builder.seed(value(&arg, args.next())?),
            "--port" => builder.port(value(&arg, args.next())?),
            "--token" => {
                let chosen: String = value(&arg, args.next())?;
                token = Some(chosen.clone());
                builder.token(chosen)
            }
            "--reject" => builder.reject_ids([value::<String>(&arg, args.next())?]),
            "--429" => {
                let share = share(&arg, &value::<String>(&arg, args.next())?)?;
                faults.push((share, Fault::RateLimited(Policy::TenSecondlyRolling)));
                builder
            }
            "--5xx" => {
                let (share, status) = share_and(&arg, args.next(), 503_u16)?;
                if !(500..=599).contains(&status) {
                    return Err(format!("--5xx: {status} is not a 5xx status"));
                }
                faults.push((share, Fault::Status(status)));
                builder
            }
            "--reset" => {
                let share = share(&arg, &value::<String>(&arg, args.next())?)?;
                faults.push((share, Fault::Reset));
                builder
            }
            "--lost" => {
                let share = share(&arg, &value::<String>(&arg, args.next())?)?;
                faults.push((share, Fault::LostAnswer));
                builder
            }
            "--slow" => {
                let (share, millis) = share_and(&arg, args.next(), 2000_u64)?;
                faults.push((share, Fault::Slow(Duration::from_millis(millis))));
                builder
            }
            "--unique" => {
                let (object_type, property) = typed_pair(&arg, args.next())?;
                builder.unique_property_of(object_type, property)
            }
            "--catalog" => {
                let (object_type, path) = typed_pair(&arg, args.next())?;
                let text = std::fs::read_to_string(&path)
                    .map_err(|error| format!("--catalog: cannot read {path}: {error}"))?;
                builder
                    .catalog_of(object_type, &text)
                    .map_err(|error| format!("--catalog: {path}: {error}"))?
            }
            other if other.starts_with('-') => {
                return Err(format!("unknown flag {other} (see --help)"));
            }
            other => return Err(format!("unexpected argument {other:?} (see --help)")),
        };
    }
    let total: f64 = faults.iter().map(|(share, _)| share).sum();
    if total > 1.0 + 1e-9 {
        return Err(format!(
            "the fault shares add up to {total}, more than every request"
        ));
    }
    // Rules are tried in order and the first that fires decides: each rule's share is taken
    // of the requests the rules before it left, so that every flag's share is of all requests.
    let mut left = 1.0;
    for (share, fault) in faults {
        if share <= 0.0 {
            continue;
        }
        let of_left = if left > 0.0 {
            (share / left).min(1.0)
        } else {
            0.0
        };
        left -= share;
        builder = builder.fault(FaultRule::new(fault).share(of_left));
    }
    Ok(Command::Serve {
        builder: Box::new(builder),
        token,
    })
}

fn figures(fake: &FakeHubSpot, object_types: &[String]) -> String {
    let stored: Vec<String> = object_types
        .iter()
        .map(|object_type| format!("{} {object_type}", fake.record_count(object_type)))
        .collect();
    let stored = if stored.is_empty() {
        "nothing stored".to_owned()
    } else {
        format!("{} stored", stored.join(", "))
    };
    format!(
        "fake_hubspot: {stored}; {} requests, {} answered 429",
        fake.request_count(),
        fake.rate_limited_count()
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    let (builder, token) = match parse(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Serve { builder, token }) => (*builder, token),
        Err(message) => {
            eprintln!("fake_hubspot: {message}");
            eprintln!("usage: fake_hubspot [FLAGS]; fake_hubspot --help lists them");
            return ExitCode::from(2);
        }
    };
    let fake = match builder.try_start() {
        Ok(fake) => fake,
        Err(error) => {
            eprintln!("fake_hubspot: cannot start: {error}");
            return ExitCode::from(2);
        }
    };
    println!("export HUBSPOT_BASE_URL={}", fake.base_url());
    println!(
        "export HUBSPOT_TOKEN={}",
        token.as_deref().unwrap_or(FAKE_TOKEN)
    );
    let mut ticks = tokio::time::interval(Duration::from_secs(10));
    ticks.tick().await;
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = ticks.tick() => eprintln!("{}", figures(&fake, &fake.object_types())),
        }
    }
    eprintln!("{}", figures(&fake, &fake.object_types()));
    ExitCode::SUCCESS
}
