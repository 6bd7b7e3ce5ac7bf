//! Orders and line items upserted at the same time through one `Client`, against the fake
//! HubSpot: the two bulk runs share the client's one limiter, so together they stay within
//! the one budget HubSpot counts for the app, whatever the object type. (The example
//! `cargo run -p examples --example two_objects` does the same at a larger size.)

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hubspot_orders::bulk::{BulkRun, BulkUpsert, OutcomeKind, Summary, UpsertOperation};
use hubspot_orders::testing::{FakeHubSpot, LoggedRequest};
use hubspot_orders::{ClientExt, RateLimit};

use examples::two_objects::{LINE_ITEM_KEY, ORDER_KEY, busiest_window, line_item, order};

/// Requests the fake allows in any rolling window (HubSpot's ten-second window, scaled).
const BUDGET: u32 = 25;
/// The fake's scaled ten-second window, and the client's.
const WINDOW: Duration = Duration::from_millis(500);
/// Orders and line items to upsert: 20 and 40 full batches, 60 requests, well over the
/// budget of one window, so that two runs paced apart would send more than it together.
const ORDERS: usize = 2_000;
const LINE_ITEMS: usize = 4_000;
/// Runs to the end; asserts that every input of `count` got exactly one outcome, a created
/// record; gives the summary.
async fn drive<O: UpsertOperation>(mut run: BulkRun<'_, O>, count: usize) -> Summary<O> {
    let mut seen = vec![0u32; count];
    while let Some(outcome) = run.next().await {
        let index = usize::try_from(outcome.index()).unwrap_or(usize::MAX);
        assert!(index < count, "an outcome for input {index} of {count}");
        seen[index] += 1;
        assert!(
            matches!(outcome.kind(), OutcomeKind::Created(_)),
            "input {index}: {}",
            match outcome.kind() {
                OutcomeKind::Failed(error) => error.to_string(),
                OutcomeKind::NotAttempted(reason) => reason.to_string(),
                _ => "not created".to_owned(),
            }
        );
    }
    let wrong: Vec<usize> = (0..count).filter(|index| seen[*index] != 1).collect();
    assert!(
        wrong.is_empty(),
        "inputs without exactly one outcome: {wrong:?}"
    );
    let summary = run.summary();
    assert_eq!(summary.created, count as u64, "{summary}");
    assert_eq!(summary.total(), count as u64, "{summary}");
    summary
}

/// Asserts that the store of `object_type` holds each of `ids` once under `key`, and nothing
/// else: no record without it, none keyed by `foreign_key` (the other object's key).
fn assert_store_holds(
    fake: &FakeHubSpot,
    object_type: &str,
    key: &str,
    foreign_key: &str,
    ids: &BTreeSet<String>,
) {
    let records = fake.records(object_type);
    assert_eq!(records.len(), ids.len(), "{object_type} in the store");
    let mut stored = BTreeSet::new();
    for record in &records {
        assert_eq!(record.object_type, object_type, "record {}", record.id);
        assert_eq!(record.property(foreign_key), None, "{record:?}");
        let Some(id) = record.property(key) else {
            panic!("{object_type} record {} has no {key}", record.id);
        };
        assert!(
            stored.insert(id.to_owned()),
            "{object_type} {id} stored twice"
        );
    }
    assert_eq!(&stored, ids, "{object_type} in the store");
}

/// When the fake received the first and the last request for `object_type`.
fn span(log: &[LoggedRequest], object_type: &str) -> (Instant, Instant) {
    let times: Vec<Instant> = log
        .iter()
        .filter(|request| request.object_type.as_deref() == Some(object_type))
        .map(|request| request.at)
        .collect();
    match (times.iter().min(), times.iter().max()) {
        (Some(first), Some(last)) => (*first, *last),
        _ => panic!("no request for {object_type}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_and_line_items_on_one_client_share_one_budget() {
    let fake = FakeHubSpot::builder()
        .ten_second_budget(BUDGET)
        .time_scale(WINDOW.as_secs_f64() / 10.0)
        .unique_property_of("line_items", LINE_ITEM_KEY)
        .start()
        .await;
    let client = match fake
        .client_builder()
        .rate_limit(RateLimit::new(BUDGET, WINDOW))
        .build()
    {
        Ok(client) => client,
        Err(error) => panic!("{error}"),
    };

    let orders = BulkUpsert::new(&client.orders()).run_iter((0..ORDERS as u64).map(order));
    let line_items =
        BulkUpsert::new(&client.line_items()).run_iter((0..LINE_ITEMS as u64).map(line_item));
    let (orders, line_items) = tokio::join!(drive(orders, ORDERS), drive(line_items, LINE_ITEMS));
    let log = fake.requests();
    let busiest = busiest_window(log.iter().map(|request| request.at).collect(), WINDOW);
    eprintln!("orders: {orders}");
    eprintln!("line items: {line_items}");
    eprintln!(
        "{} requests, {} answered 429, at most {busiest} in any {WINDOW:?} (budget {BUDGET})",
        log.len(),
        fake.rate_limited_count()
    );

    // Each record once, under its own object type, and nowhere else.
    let order_ids = (0..ORDERS as u64).map(|n| order(n).id).collect();
    let line_item_ids = (0..LINE_ITEMS as u64).map(|n| line_item(n).id).collect();
    assert_store_holds(&fake, "orders", ORDER_KEY, LINE_ITEM_KEY, &order_ids);
    assert_store_holds(
        &fake,
        "line_items",
        LINE_ITEM_KEY,
        ORDER_KEY,
        &line_item_ids,
    );
    assert_eq!(fake.object_types(), ["line_items", "orders"]);

    // One request per batch of 100, each answered at once: no 429, no retry.
    assert_eq!(fake.rate_limited_count(), 0, "answered 429");
    assert_eq!(
        log.len() as u64,
        fake.request_count(),
        "the log is complete"
    );
    let per_type = |object_type: &str| {
        log.iter()
            .filter(|request| request.object_type.as_deref() == Some(object_type))
            .count()
    };
    assert_eq!(per_type("orders"), ORDERS / 100);
    assert_eq!(per_type("line_items"), LINE_ITEMS / 100);
    assert!(log.iter().all(|request| request.status == Some(200)));
    assert_eq!(client.metrics().retries, 0);
    // Each run's summary counts its own attempts, not the other's; the client, both.
    assert_eq!(orders.client.requests, (ORDERS / 100) as u64, "{orders}");
    assert_eq!(
        line_items.client.requests,
        (LINE_ITEMS / 100) as u64,
        "{line_items}"
    );
    assert_eq!(client.metrics().requests, log.len() as u64);

    // The runs overlapped: each object's requests began before the other's ended.
    let (orders_from, orders_to) = span(&log, "orders");
    let (items_from, items_to) = span(&log, "line_items");
    assert!(
        orders_from < items_to && items_from < orders_to,
        "the runs did not overlap"
    );

    // Together within the one budget in every rolling window, wherever it starts.
    assert!(
        busiest <= BUDGET as usize,
        "{busiest} requests in one {WINDOW:?} window, over the budget of {BUDGET}"
    );
}
