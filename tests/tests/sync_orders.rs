//! The `sync_orders` example's logic against the fake HubSpot: a JSONL and a CSV file, the
//! failures file it writes, and resuming from that file. The example lives in the `examples`
//! package (`cargo run -p examples --example sync_orders`); its logic, apart from its command
//! line, is compiled into this test from there.

#[path = "../../examples/examples/sync_orders/sync.rs"]
mod sync;

use std::path::PathBuf;

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

fn write(path: &PathBuf, text: &str) {
    if let Err(error) = std::fs::write(path, text) {
        panic!("{}: {error}", path.display());
    }
}

fn lines(path: &PathBuf) -> Vec<Value> {
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
    let report = match sync::run(&fake.client(), &options, false).await {
        Ok(report) => report,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(report.summary.created, 248, "{}", report.summary);
    assert_eq!(report.summary.failed, 2);
    assert_eq!(report.unreadable, 1);
    assert!(!report.all_landed());
    assert_eq!(
        report.failures_file,
        dir.join("orders.jsonl.failures.jsonl")
    );
    assert_eq!(fake.record_count(ORDERS), 248);

    let failures = lines(&report.failures_file);
    assert_eq!(failures.len(), 3, "{failures:?}");
    let unreadable: Vec<&Value> = failures
        .iter()
        .filter(|f| f["outcome"] == "unreadable")
        .collect();
    assert_eq!(unreadable.len(), 1);
    assert_eq!(unreadable[0]["text"], "{not json");
    assert!(
        unreadable[0]["at"]
            .as_str()
            .is_some_and(|at| at.ends_with("line 102"))
    );
    let failed: Vec<&str> = failures
        .iter()
        .filter(|f| f["outcome"] == "failed")
        .filter_map(|f| f["id"].as_str())
        .collect();
    let mut failed = failed;
    failed.sort_unstable();
    assert_eq!(failed, ["shop-42", "shop-7"]);
    assert!(failures.iter().any(|f| {
        f["id"] == "shop-42"
            && f["error"]
                .as_str()
                .is_some_and(|error| error.contains("400"))
    }));

    // Resume: the failures file is itself an input; with the rejection lifted and the price
    // fixed, everything lands.
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
    let resume = dir.join("resume.jsonl");
    write(&resume, &fixed);
    let options = sync::Options::new(resume);
    let report = match sync::run(&fake.client(), &options, false).await {
        Ok(report) => report,
        Err(error) => panic!("{error}"),
    };
    assert!(report.all_landed(), "{}", report.summary);
    assert_eq!(fake.record_count(ORDERS), 250);
    assert!(lines(&report.failures_file).is_empty());
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
    let report = match sync::run(&fake.client(), &options, false).await {
        Ok(report) => report,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(report.summary.created, 2, "{}", report.summary);
    assert_eq!(report.unreadable, 1);
    let Some(second) = fake.record_by(ORDERS, "hs_external_order_id", "A-2") else {
        panic!("A-2 missing");
    };
    assert_eq!(
        second.property("hs_order_name"),
        Some("Second, with a comma")
    );
    // An empty cell is left out, not written as an empty (clearing) value.
    assert_eq!(second.property("hs_total_price"), None);
}

#[tokio::test]
async fn a_stop_writes_the_inputs_not_attempted() {
    let dir = scratch("daily");
    let input = dir.join("orders.jsonl");
    let text: String = (0..300)
        .map(|n| {
            format!(
                "{{\"id\":\"shop-{n}\",\"idProperty\":\"hs_external_order_id\",\
                 \"properties\":{{}}}}\n"
            )
        })
        .collect();
    write(&input, &text);
    let fake = fake()
        .fault(FaultRule::new(Fault::RateLimited(Policy::Daily)).on(Route::BatchUpsert))
        .start()
        .await;
    let mut options = sync::Options::new(input);
    options.failures = Some(dir.join("left.jsonl"));
    let report = match sync::run(&fake.client(), &options, false).await {
        Ok(report) => report,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(report.summary.not_attempted, 300);
    let left = lines(&dir.join("left.jsonl"));
    assert_eq!(left.len(), 300);
    assert!(left.iter().all(|line| {
        line["outcome"] == "not_attempted"
            && line["error"]
                .as_str()
                .is_some_and(|error| error.contains("daily limit"))
    }));
}
