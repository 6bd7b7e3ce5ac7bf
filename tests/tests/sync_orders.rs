//! The `sync_orders` example against the fake HubSpot: JSONL and CSV files, the failures file
//! it writes as outcomes arrive (with each order's line or record), resuming from it, the
//! property catalog check, and stopping it: in process through its `interrupts`, and as a
//! program, with real Ctrl-Cs (SIGINT) sent to a child process. The example lives in the
//! `examples` package (`cargo run -p examples --example sync_orders`); its logic, apart from
//! its command line, is compiled into this test from there.

use examples::sync_orders::sync;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::Stream;
use hubspot_orders::bulk::StopReason;
use hubspot_orders::testing::{FakeHubSpot, Fault, FaultRule, Policy, Route};
use serde_json::Value;

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sync-orders-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(error) = std::fs::create_dir_all(&dir) {
        panic!("{}: {error}", dir.display());
    }
    dir
}

fn write(path: &Path, text: &str) {
    if let Err(error) = std::fs::write(path, text) {
        panic!("{}: {error}", path.display());
    }
}

fn lines(path: &Path) -> Vec<Value> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or(Value::Null))
            .collect(),
        Err(error) => panic!("{}: {error}", path.display()),
    }
}

/// The object type of orders, as the fake's store names it.
const ORDERS: &str = "orders";

/// A property rule (`FakeHubSpotBuilder::property_rule`) that accepts only numbers, as the
/// tests ask of `hs_total_price`.
fn number_rule(value: &str) -> Result<(), String> {
    value
        .parse::<f64>()
        .map(drop)
        .map_err(|_| format!("{value:?} is not a number"))
}

fn fake() -> hubspot_orders::testing::FakeHubSpotBuilder {
    FakeHubSpot::builder()
        .time_scale(0.01)
        .property_rule("hs_total_price", number_rule)
}

/// No Ctrl-C ever.
fn never() -> futures_util::stream::Pending<()> {
    futures_util::stream::pending()
}

type Interrupts = Pin<Box<dyn Stream<Item = ()> + Send>>;

/// One interrupt as each condition becomes true, in order (polled every 2 ms).
fn interrupt_when(conditions: Vec<Box<dyn Fn() -> bool + Send + Sync>>) -> Interrupts {
    Box::pin(futures_util::stream::unfold(
        (conditions, 0),
        |(conditions, next)| async move {
            let condition = conditions.get(next)?;
            while !condition() {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            Some(((), (conditions, next + 1)))
        },
    ))
}

async fn sync_run<S>(fake: &FakeHubSpot, options: &sync::Options, interrupts: S) -> sync::SyncReport
where
    S: Stream<Item = ()> + Unpin,
{
    match sync::run(&fake.client(), options, false, interrupts).await {
        Ok(report) => report,
        Err(error) => panic!("{error}"),
    }
}

/// `count` orders `shop-0`... a line each, keyed by `hs_external_order_id`.
fn orders_jsonl(count: usize) -> String {
    (0..count)
        .map(|n| {
            format!(
                "{{\"id\":\"shop-{n}\",\"idProperty\":\"hs_external_order_id\",\
                 \"properties\":{{\"hs_order_name\":\"Order {n}\",\
                 \"hs_total_price\":\"{n}.50\"}}}}\n"
            )
        })
        .collect()
}

/// How many times each order id was sent in a batch upsert, over every request the fake got.
fn sends(fake: &FakeHubSpot) -> BTreeMap<String, usize> {
    let mut sends = BTreeMap::new();
    for request in fake.requests() {
        if request.route != Some(Route::BatchUpsert) {
            continue;
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        for input in body["inputs"].as_array().into_iter().flatten() {
            if let Some(id) = input["id"].as_str() {
                *sends.entry(id.to_owned()).or_insert(0) += 1;
            }
        }
    }
    sends
}

/// The order ids the fake holds.
fn stored(fake: &FakeHubSpot) -> BTreeSet<String> {
    fake.records(ORDERS)
        .iter()
        .filter_map(|record| record.property("hs_external_order_id").map(str::to_owned))
        .collect()
}

fn all_ids(count: usize) -> BTreeSet<String> {
    (0..count).map(|n| format!("shop-{n}")).collect()
}

/// The ids of the failures file's entries with one of `outcomes`.
fn ids_with(failures: &[Value], outcomes: &[&str]) -> BTreeSet<String> {
    failures
        .iter()
        .filter(|entry| {
            entry["outcome"]
                .as_str()
                .is_some_and(|outcome| outcomes.contains(&outcome))
        })
        .filter_map(|entry| entry["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_jsonl_file_lands_and_what_did_not_is_written_to_resume_from() {
    let dir = scratch("jsonl");
    let input = dir.join("orders.jsonl");
    let mut text = String::new();
    for n in 0..250 {
        let price = if n == 42 {
            "free".to_owned()
        } else {
            format!("{n}.50")
        };
        text.push_str(&format!(
            "{{\"id\":\"shop-{n}\",\"properties\":{{\"hs_order_name\":\"Order {n}\",\
             \"hs_total_price\":\"{price}\"}}}}"
        ));
        text.push('\n');
        if n == 100 {
            text.push_str("{not json\n\n");
        }
    }
    write(&input, &text);
    let fake = fake().reject_ids(["shop-7"]).start().await;
    let mut options = sync::Options::new(input.clone());
    options.id_property = Some("hs_external_order_id".to_owned());
    options.concurrency = 2;
    let report = sync_run(&fake, &options, never()).await;
    assert_eq!(report.summary.created, 248, "{}", report.summary);
    assert_eq!(report.summary.failed, 2);
    assert_eq!(report.unreadable, 1);
    assert!(!report.all_landed());
    // Named after the input without its extension.
    assert_eq!(report.failures_file, dir.join("orders.failures.jsonl"));
    assert_eq!(fake.record_count(ORDERS), 248);

    let failures = lines(&report.failures_file);
    assert_eq!(failures.len(), 3, "{failures:?}");
    let unreadable: Vec<&Value> = failures
        .iter()
        .filter(|f| f["outcome"] == "unreadable")
        .collect();
    assert_eq!(unreadable.len(), 1);
    assert_eq!(unreadable[0]["text"], "{not json");
    assert_eq!(unreadable[0]["line"], 102);
    // Every entry carries its input's line: shop-N is on line N + 1 (N + 2 after line 101).
    for entry in failures.iter().filter(|f| f["outcome"] == "failed") {
        let n: u64 = entry["id"].as_str().unwrap_or_default()[5..]
            .parse()
            .unwrap_or(u64::MAX);
        assert_eq!(entry["line"], n + 1, "{entry}");
        assert_eq!(
            entry["source"],
            format!("{} line {}", input.display(), n + 1)
        );
    }
    assert_eq!(
        ids_with(&failures, &["failed"]),
        ["shop-42", "shop-7"].map(String::from).into()
    );
    assert!(failures.iter().any(|f| {
        f["id"] == "shop-42"
            && f["error"]
                .as_str()
                .is_some_and(|error| error.contains("400"))
    }));

    // Resume: the failures file is itself an input; with the rejection lifted and the price
    // fixed, everything lands, and the next failures file has the next name.
    fake.clear_rejections();
    let fixed: String = failures
        .iter()
        .filter(|f| f["outcome"] == "failed")
        .map(|f| {
            let mut line = f.clone();
            if line["id"] == "shop-42" {
                line["properties"]["hs_total_price"] = "0.00".into();
            }
            format!("{line}\n")
        })
        .collect();
    write(&report.failures_file, &fixed);
    let options = sync::Options::new(report.failures_file.clone());
    let report = sync_run(&fake, &options, never()).await;
    assert!(report.all_landed(), "{}", report.summary);
    assert_eq!(report.failures_file, dir.join("orders.failures-2.jsonl"));
    assert_eq!(fake.record_count(ORDERS), 250);
    assert!(lines(&report.failures_file).is_empty());
}

#[test]
fn failures_files_are_named_once_and_a_resume_finds_the_newest() {
    let dir = scratch("names");
    let named = |input: &str| match sync::Options::new(dir.join(input)).failures_file() {
        Ok(path) => path,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(named("x.jsonl"), dir.join("x.failures.jsonl"));
    assert_eq!(named("x.csv"), dir.join("x.failures.jsonl"));
    assert_eq!(named("x.failures.jsonl"), dir.join("x.failures-2.jsonl"));
    assert_eq!(named("x.failures-2.jsonl"), dir.join("x.failures-3.jsonl"));
    assert_eq!(
        named("x.failures-12.jsonl"),
        dir.join("x.failures-13.jsonl")
    );
    assert_eq!(
        named("my.failures.log.jsonl"),
        dir.join("my.failures.log.failures.jsonl")
    );
    let mut onto_itself = sync::Options::new(dir.join("x.jsonl"));
    onto_itself.failures = Some(dir.join("x.jsonl"));
    assert!(onto_itself.failures_file().is_err());

    assert!(sync::resume_input(&dir.join("x.csv")).is_err());
    write(&dir.join("x.failures.jsonl"), "");
    assert_eq!(
        sync::resume_input(&dir.join("x.csv")).ok(),
        Some(dir.join("x.failures.jsonl"))
    );
    write(&dir.join("x.failures-2.jsonl"), "");
    for from in ["x.csv", "x.jsonl", "x.failures.jsonl"] {
        assert_eq!(
            sync::resume_input(&dir.join(from)).ok(),
            Some(dir.join("x.failures-2.jsonl")),
            "{from}"
        );
    }
}

#[tokio::test]
async fn a_csv_file_lands_keyed_by_its_id_column() {
    let dir = scratch("csv");
    let input = dir.join("orders.csv");
    write(
        &input,
        "hs_external_order_id,hs_order_name,hs_total_price\n\
         A-1,First,10.00\n\
         A-2,\"Second, with a comma\",\n\
         ,No id,1.00\n",
    );
    let fake = fake().start().await;
    let options = sync::Options::new(input.clone());
    let report = sync_run(&fake, &options, never()).await;
    assert_eq!(report.summary.created, 2, "{}", report.summary);
    assert_eq!(report.invalid, 1);
    let Some(second) = fake.record_by(ORDERS, "hs_external_order_id", "A-2") else {
        panic!("A-2 missing");
    };
    assert_eq!(
        second.property("hs_order_name"),
        Some("Second, with a comma")
    );
    // An empty cell is left out, not written as an empty (clearing) value.
    assert_eq!(second.property("hs_total_price"), None);
    let failures = lines(&report.failures_file);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0]["outcome"], "invalid");
    assert_eq!(failures[0]["record"], 3);
    assert_eq!(failures[0]["line"], 4);
}

#[tokio::test]
async fn a_stop_writes_the_inputs_not_attempted() {
    let dir = scratch("daily");
    let input = dir.join("orders.jsonl");
    write(&input, &orders_jsonl(300));
    let fake = fake()
        .fault(FaultRule::new(Fault::RateLimited(Policy::Daily)).on(Route::BatchUpsert))
        .start()
        .await;
    let mut options = sync::Options::new(input);
    options.failures = Some(dir.join("left.jsonl"));
    let report = sync_run(&fake, &options, never()).await;
    assert_eq!(report.summary.not_attempted, 300);
    let left = lines(&dir.join("left.jsonl"));
    assert_eq!(left.len(), 300);
    assert!(left.iter().all(|line| {
        line["outcome"] == "not_attempted"
            && line["error"]
                .as_str()
                .is_some_and(|error| error.contains("daily limit"))
    }));
    let mut numbers: Vec<u64> = left
        .iter()
        .filter_map(|line| line["line"].as_u64())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=300).collect::<Vec<u64>>());
}

#[tokio::test]
async fn the_failures_file_is_written_as_outcomes_arrive() {
    let dir = scratch("as-they-come");
    let input = dir.join("orders.jsonl");
    write(&input, &orders_jsonl(300));
    // shop-5 fails at once (a 207 for the first batch); the batch holding shop-250 answers
    // only after 3 s, while the run is still going.
    let fake = fake()
        .reject_ids(["shop-5"])
        .fault(FaultRule::new(Fault::Slow(Duration::from_secs(3))).for_ids(["shop-250"]))
        .start()
        .await;
    let mut options = sync::Options::new(input);
    options.concurrency = 1;
    let failures_file = dir.join("orders.failures.jsonl");
    let client = fake.client();
    let running = tokio::spawn(async move { sync::run(&client, &options, false, never()).await });
    let started = Instant::now();
    let seen = loop {
        let text = std::fs::read_to_string(&failures_file).unwrap_or_default();
        if text.contains("shop-5") {
            break text;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10) && !running.is_finished(),
            "the failure of shop-5 is not in the failures file while the run goes on"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert!(!running.is_finished(), "the run ended before the check");
    let entry: Value = serde_json::from_str(seen.trim()).unwrap_or(Value::Null);
    assert_eq!(entry["outcome"], "failed");
    assert_eq!(entry["line"], 6);
    let report = match running.await {
        Ok(Ok(report)) => report,
        other => panic!("{other:?}"),
    };
    assert_eq!(report.summary.created, 299, "{}", report.summary);
}

/// A file of `count` orders and a fake that answers every batch upsert 20 ms late (so that
/// requests are in flight when a stop comes), at 100 requests per 100 ms.
async fn slow_setup(name: &str, count: usize) -> (PathBuf, PathBuf, Arc<FakeHubSpot>) {
    let dir = scratch(name);
    let input = dir.join("orders.jsonl");
    write(&input, &orders_jsonl(count));
    let fake = FakeHubSpot::builder()
        .time_scale(0.01)
        .fault(FaultRule::new(Fault::Slow(Duration::from_millis(20))).on(Route::BatchUpsert))
        .start()
        .await;
    (dir, input, Arc::new(fake))
}

fn small_batches(input: &Path) -> sync::Options {
    let mut options = sync::Options::new(input.to_owned());
    options.batch_size = 10;
    options.concurrency = 4;
    options
}

#[tokio::test]
async fn a_stop_lets_the_requests_in_flight_finish_and_the_resume_sends_the_rest_once() {
    let (dir, input, fake) = slow_setup("stop", 2000).await;
    let watched = Arc::clone(&fake);
    let interrupts = interrupt_when(vec![Box::new(move || watched.record_count(ORDERS) >= 500)]);
    let report = sync_run(&fake, &small_batches(&input), interrupts).await;
    let summary = &report.summary;
    assert!(
        matches!(summary.stop, Some(StopReason::Stopped)),
        "{summary}"
    );
    assert!(!report.stopped_at_once);
    assert_eq!(summary.failed + summary.unconfirmed, 0, "{summary}");
    assert_eq!(summary.created + summary.not_attempted, 2000, "{summary}");
    assert!(summary.not_attempted >= 1000, "stopped midway: {summary}");
    // What the run reported stored is what the fake holds: the requests in flight finished.
    let held = stored(&fake);
    assert_eq!(held.len() as u64, summary.created);
    let failures = lines(&report.failures_file);
    let not_stored: BTreeSet<String> = all_ids(2000).difference(&held).cloned().collect();
    assert_eq!(ids_with(&failures, &["not_attempted"]), not_stored);
    assert_eq!(failures.len(), not_stored.len());
    for entry in &failures {
        let n: u64 = entry["id"].as_str().unwrap_or_default()[5..]
            .parse()
            .unwrap_or(u64::MAX);
        assert_eq!(entry["line"], n + 1, "{entry}");
    }

    let resume = sync_run(&fake, &small_batches(&report.failures_file), never()).await;
    assert!(resume.all_landed(), "{}", resume.summary);
    assert_eq!(resume.failures_file, dir.join("orders.failures-2.jsonl"));
    assert_eq!(stored(&fake), all_ids(2000));
    assert_eq!(fake.record_count(ORDERS), 2000);
    let sends = sends(&fake);
    assert_eq!(sends.len(), 2000);
    assert!(
        sends.values().all(|times| *times == 1),
        "every order sent once over the two runs"
    );
}

#[tokio::test]
async fn a_second_stop_quits_at_once_and_the_failures_file_still_resumes_everything() {
    let (_dir, input, fake) = slow_setup("stop-at-once", 2000).await;
    let watched = Arc::clone(&fake);
    let interrupts = interrupt_when(vec![
        Box::new(move || watched.record_count(ORDERS) >= 500),
        Box::new(|| true),
    ]);
    let started = Instant::now();
    let report = sync_run(&fake, &small_batches(&input), interrupts).await;
    assert!(report.stopped_at_once);
    assert!(!report.all_landed());
    assert!(started.elapsed() < Duration::from_secs(20));
    let failures = lines(&report.failures_file);
    let interrupted = ids_with(&failures, &["interrupted"]);
    assert_eq!(interrupted.len() as u64, report.interrupted);
    assert!(report.interrupted > 0, "requests were in flight");
    let markers: Vec<&Value> = failures
        .iter()
        .filter(|entry| entry["outcome"] == "not_read")
        .collect();
    assert_eq!(
        markers.len(),
        1,
        "{} entries, no single not_read",
        failures.len()
    );
    let from = markers[0]["from"].as_u64().unwrap_or(0);
    // Every order is stored, or named in the file, or at or after the `not_read` line.
    let listed = ids_with(&failures, &["interrupted", "not_attempted"]);
    let held = stored(&fake);
    for n in 0..2000_u64 {
        let id = format!("shop-{n}");
        assert!(
            held.contains(&id) || listed.contains(&id) || n + 1 >= from,
            "{id} is lost"
        );
    }

    let resume = sync_run(&fake, &small_batches(&report.failures_file), never()).await;
    assert!(resume.all_landed(), "{}", resume.summary);
    assert_eq!(stored(&fake), all_ids(2000));
    assert_eq!(fake.record_count(ORDERS), 2000, "each order stored once");
    // Only the interrupted orders can have been sent twice.
    for (id, times) in sends(&fake) {
        assert!(
            times == 1 || interrupted.contains(&id),
            "{id} sent {times} times"
        );
    }
}

/// The catalog of `spec/orders-properties.json`.
fn catalog_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/orders-properties.json")
}

#[tokio::test]
async fn with_a_catalog_bad_values_are_reported_by_record_and_not_sent() {
    let dir = scratch("catalog");
    let input = dir.join("orders.csv");
    write(
        &input,
        "hs_external_order_id,hs_order_name,hs_total_price,hs_currency_code,promised_delivery_date,\
         hs_buyer_accepts_marketing,gift_options\n\
         A-1,Good,149.90,EUR,2025-12-31,true,gift_wrap;gift_note\n\
         A-2,Comma,\"12,50\",EUR,,,\n\
         A-3,Yen,3.00,JPY,,,\n\
         A-4,Day first,4.00,USD,31/12/2025,,\n\
         A-5,Yes,5.00,USD,,yes,\n\
         A-6,Gift,6.00,USD,,,gift_wrap;bow\n\
         A-7,Also good,7,GBP,1767139200000,FALSE,\n",
    );
    let fake = FakeHubSpot::builder().time_scale(0.01).start().await;
    let mut options = sync::Options::new(input.clone());
    options.properties = Some(catalog_path());
    let report = sync_run(&fake, &options, never()).await;
    assert_eq!(report.summary.created, 2, "{}", report.summary);
    assert_eq!(report.invalid, 5);
    assert_eq!(stored(&fake), ["A-1", "A-7"].map(String::from).into());
    // Nothing bad was sent: one request, the two good rows.
    assert_eq!(sends(&fake).keys().collect::<Vec<_>>(), ["A-1", "A-7"]);

    let failures = lines(&report.failures_file);
    let problem = |id: &str| -> (u64, String, String, String) {
        let Some(entry) = failures.iter().find(|entry| entry["id"] == id) else {
            panic!("no entry for {id}: {failures:?}");
        };
        assert_eq!(entry["outcome"], "invalid");
        let first = &entry["problems"][0];
        let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
        (
            entry["record"].as_u64().unwrap_or(0),
            text(&first["property"]),
            text(&first["value"]),
            text(&first["why"]),
        )
    };
    let (record, property, value, why) = problem("A-2");
    assert_eq!(
        (record, property.as_str(), value.as_str()),
        (2, "hs_total_price", "12,50")
    );
    assert!(why.contains("`.`"), "{why}");
    let (record, property, value, why) = problem("A-3");
    assert_eq!(
        (record, property.as_str(), value.as_str()),
        (3, "hs_currency_code", "JPY")
    );
    assert!(why.contains("EUR"), "{why}");
    let (record, property, _, why) = problem("A-4");
    assert_eq!((record, property.as_str()), (4, "promised_delivery_date"));
    assert!(why.contains("YYYY-MM-DD"), "{why}");
    assert_eq!(problem("A-5").1, "hs_buyer_accepts_marketing");
    assert_eq!(problem("A-6").2, "gift_wrap;bow");
}

#[tokio::test]
async fn with_a_catalog_a_wrong_column_stops_before_anything_is_sent() {
    let dir = scratch("catalog-columns");
    let fake = FakeHubSpot::builder().time_scale(0.01).start().await;
    for (header, expected) in [
        ("hs_external_order_id,hs_order_nmae", "hs_order_nmae"),
        (
            "hs_order_name,hs_total_price",
            "hs_order_name is not a property with unique",
        ),
    ] {
        let input = dir.join("orders.csv");
        write(&input, &format!("{header}\nA-1,x\n"));
        let mut options = sync::Options::new(input);
        options.properties = Some(catalog_path());
        if header.starts_with("hs_order_name") {
            options.id_column = "hs_order_name".to_owned();
        }
        match sync::run(&fake.client(), &options, false, never()).await {
            Err(message) => assert!(message.contains(expected), "{message}"),
            Ok(report) => panic!("ran: {}", report.summary),
        }
    }
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn without_a_catalog_the_fake_with_one_refuses_the_same_values() {
    let dir = scratch("catalog-fake");
    let input = dir.join("orders.jsonl");
    let text: String = (0..50)
        .map(|n| {
            let currency = if n == 17 { "JPY" } else { "EUR" };
            format!(
                "{{\"id\":\"shop-{n}\",\"properties\":{{\"hs_currency_code\":\"{currency}\"}}}}\n"
            )
        })
        .collect();
    write(&input, &text);
    let catalog = std::fs::read_to_string(catalog_path()).unwrap_or_default();
    let fake = match FakeHubSpot::builder()
        .time_scale(0.01)
        .catalog_of(ORDERS, &catalog)
    {
        Ok(builder) => builder.start().await,
        Err(error) => panic!("{error}"),
    };
    let report = sync_run(&fake, &sync::Options::new(input), never()).await;
    assert_eq!(report.summary.created, 49, "{}", report.summary);
    assert_eq!(report.summary.failed, 1);
    // The 400 names its input: one more request for the rest of the batch.
    assert_eq!(report.summary.requests, 2, "{}", report.summary);
    let failures = lines(&report.failures_file);
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["id"], "shop-17");
    assert_eq!(failures[0]["line"], 18);
    let error = failures[0]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("INVALID_OPTION") && error.contains("hs_currency_code"),
        "{error}"
    );
}

/// The program itself, run as a child process, against a fake HubSpot in this process.
#[cfg(unix)]
mod program {
    use std::io::Read;
    use std::process::{Child, Command, ExitStatus, Stdio};

    use super::*;

    fn spawn(fake: &FakeHubSpot, args: &[&str]) -> Child {
        let spawned = Command::new(workspace_tests::example_binary("sync_orders"))
            .args(args)
            .env("HUBSPOT_BASE_URL", fake.base_url())
            .env("HUBSPOT_TOKEN", hubspot_orders::testing::FAKE_TOKEN)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match spawned {
            Ok(child) => child,
            Err(error) => panic!("cannot start sync_orders: {error}"),
        }
    }

    fn interrupt(child: &Child) {
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        assert!(
            sent.is_ok_and(|status| status.success()),
            "kill -INT failed"
        );
    }

    /// Waits for the child to exit (at most `limit`); its status, stdout and stderr.
    async fn finish(mut child: Child, limit: Duration) -> (ExitStatus, String, String) {
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() < limit => {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                _ => {
                    let _ = child.kill();
                    panic!("sync_orders did not exit within {limit:?}");
                }
            }
        };
        let mut out = String::new();
        let mut err = String::new();
        if let Some(mut stdout) = child.stdout.take() {
            let _ = stdout.read_to_string(&mut out);
        }
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        (status, out, err)
    }

    async fn wait_for(what: &str, limit: Duration, condition: impl Fn() -> bool) {
        let started = Instant::now();
        while !condition() {
            assert!(started.elapsed() < limit, "waited in vain for {what}");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    #[tokio::test]
    async fn ctrl_c_stops_the_program_with_a_summary_and_a_resume_completes_the_store() {
        let (dir, input, fake) = slow_setup("program-stop", 3000).await;
        let path = input.display().to_string();
        let args = [path.as_str(), "--batch-size", "10", "--concurrency", "4"];
        let child = spawn(&fake, &args);
        wait_for("a third of the orders", Duration::from_secs(120), || {
            fake.record_count(ORDERS) >= 1000
        })
        .await;
        interrupt(&child);
        let signalled = Instant::now();
        let (status, out, err) = finish(child, Duration::from_secs(30)).await;
        let stopping = signalled.elapsed();
        assert_eq!(status.code(), Some(1), "stdout: {out}\nstderr: {err}");
        assert!(err.contains("stopping"), "{err}");
        assert!(
            out.contains("created") && out.contains("stopped by the caller"),
            "no summary: {out}"
        );
        assert!(stopping < Duration::from_secs(5), "took {stopping:?}");

        let failures_file = dir.join("orders.failures.jsonl");
        let failures = lines(&failures_file);
        let held = stored(&fake);
        assert!(held.len() < 3000, "stopped midway");
        let not_stored: BTreeSet<String> = all_ids(3000).difference(&held).cloned().collect();
        assert_eq!(ids_with(&failures, &["not_attempted"]), not_stored);
        assert!(
            failures
                .iter()
                .all(|entry| entry["line"].as_u64().is_some())
        );

        let child = spawn(&fake, &[path.as_str(), "--resume"]);
        let (status, out, err) = finish(child, Duration::from_secs(120)).await;
        assert_eq!(status.code(), Some(0), "stdout: {out}\nstderr: {err}");
        assert!(err.contains("resuming from"), "{err}");
        assert_eq!(stored(&fake), all_ids(3000));
        assert_eq!(fake.record_count(ORDERS), 3000);
        let sends = sends(&fake);
        assert!(
            sends.len() == 3000 && sends.values().all(|times| *times == 1),
            "every order sent exactly once over the two runs"
        );
        assert!(lines(&dir.join("orders.failures-2.jsonl")).is_empty());
        eprintln!(
            "graceful stop: exited {stopping:?} after the Ctrl-C; {} stored, {} requests in all",
            3000 - not_stored.len(),
            fake.request_count()
        );
    }

    #[tokio::test]
    async fn a_second_ctrl_c_quits_at_once_with_status_130_and_nothing_is_lost() {
        let dir = scratch("program-at-once");
        let input = dir.join("orders.jsonl");
        write(&input, &orders_jsonl(3000));
        // The batches holding shop-1500 to shop-1519 answer 30 s late: a graceful stop would
        // wait for them.
        let late: Vec<String> = (1500..1520).map(|n| format!("shop-{n}")).collect();
        let fake = FakeHubSpot::builder()
            .time_scale(0.01)
            .fault(FaultRule::new(Fault::Slow(Duration::from_secs(30))).for_ids(late))
            .start()
            .await;
        let path = input.display().to_string();
        let args = [path.as_str(), "--batch-size", "10", "--concurrency", "4"];
        let mut child = spawn(&fake, &args);
        wait_for("the late batches", Duration::from_secs(120), || {
            fake.requests()
                .iter()
                .any(|request| request.fault.is_some())
        })
        .await;
        interrupt(&child);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            matches!(child.try_wait(), Ok(None)),
            "a graceful stop waits for the late batches"
        );
        interrupt(&child);
        let signalled = Instant::now();
        let (status, out, err) = finish(child, Duration::from_secs(10)).await;
        let quitting = signalled.elapsed();
        assert_eq!(status.code(), Some(130), "stdout: {out}\nstderr: {err}");
        assert!(err.contains("stopped at once"), "{err}");
        assert!(quitting < Duration::from_secs(2), "took {quitting:?}");

        let failures = lines(&dir.join("orders.failures.jsonl"));
        assert!(
            !ids_with(&failures, &["interrupted"]).is_empty(),
            "no interrupted order among {} entries",
            failures.len()
        );

        fake.clear_faults();
        let child = spawn(&fake, &[path.as_str(), "--resume"]);
        let (status, out, err) = finish(child, Duration::from_secs(120)).await;
        assert_eq!(status.code(), Some(0), "stdout: {out}\nstderr: {err}");
        assert_eq!(stored(&fake), all_ids(3000));
        assert_eq!(fake.record_count(ORDERS), 3000, "each order stored once");
        eprintln!("stop at once: exited {quitting:?} after the second Ctrl-C");
    }
}
