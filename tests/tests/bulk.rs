//! Bulk upsert against the fake HubSpot: faults, rejections, an invalid input, the daily
//! limit, repeated ids, and inputs of every awkward size and speed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream;
use hubspot_orders::bulk::{BulkRun, BulkUpsert, InputError, OutcomeKind, StopReason};
use hubspot_orders::orders::Orders;
use hubspot_orders::orders::types::SimplePublicObjectBatchInputUpsert as Input;
use hubspot_orders::testing::{FakeHubSpot, FakeHubSpotBuilder, Fault, FaultRule, Policy, Route};
use hubspot_orders::{ClientExt, RetryPolicy};

/// The outcome of one order's input.
type Outcome = hubspot_orders::bulk::Outcome<Orders>;
/// The figures of a run of orders.
type Summary = hubspot_orders::bulk::Summary<Orders>;

/// The object type of orders, as the fake's store names it.
const ORDERS: &str = "orders";
const ID_PROPERTY: &str = "hs_external_order_id";

/// A property rule (`FakeHubSpotBuilder::property_rule`) that accepts only numbers, as the
/// tests ask of `hs_total_price`.
fn number_rule(value: &str) -> Result<(), String> {
    value
        .parse::<f64>()
        .map(drop)
        .map_err(|_| format!("{value:?} is not a number"))
}

fn order(number: usize, version: usize) -> Input {
    Input::new(
        format!("shop-{number}"),
        BTreeMap::from([
            ("hs_order_name".to_owned(), format!("Order {number}")),
            (
                "hs_total_price".to_owned(),
                format!("{number}.{version:02}"),
            ),
        ]),
    )
    .with_id_property(ID_PROPERTY.to_owned())
}

fn orders(count: usize) -> Vec<Input> {
    (0..count).map(|number| order(number, 0)).collect()
}

/// A fake whose windows are 500 times shorter (the ten-second window lasts 20 ms),
/// so that rate-limit waits stay short; prices must be numbers.
fn fake() -> FakeHubSpotBuilder {
    FakeHubSpot::builder()
        .time_scale(0.002)
        .property_rule("hs_total_price", number_rule)
}

/// The orders handle of a client of `fake` with quick retries.
fn client(fake: &FakeHubSpot) -> Orders {
    let retry = RetryPolicy::default()
        .max_retries(5)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(50));
    match fake.client_builder().retry_policy(retry).build() {
        Ok(client) => client.orders(),
        Err(error) => panic!("{error}"),
    }
}

async fn collect(mut run: BulkRun<'_, Orders>) -> (Vec<Outcome>, Summary) {
    let mut outcomes = Vec::new();
    while let Some(outcome) = run.next().await {
        outcomes.push(outcome);
    }
    assert!(run.is_finished());
    (outcomes, run.summary())
}

/// Every input has exactly one outcome, and the outcome holds the input given.
fn assert_accounted(outcomes: &[Outcome], summary: &Summary, inputs: &[Input]) {
    let mut seen = vec![0u32; inputs.len()];
    for outcome in outcomes {
        let index = usize::try_from(outcome.index()).unwrap_or(usize::MAX);
        assert!(index < inputs.len(), "outcome for unknown input {index}");
        seen[index] += 1;
        assert_eq!(outcome.input(), &inputs[index]);
    }
    let wrong: Vec<usize> = (0..inputs.len())
        .filter(|index| seen[*index] != 1)
        .collect();
    assert!(
        wrong.is_empty(),
        "inputs without exactly one outcome: {wrong:?}"
    );
    assert_eq!(summary.total(), inputs.len() as u64);
}

/// The store holds exactly the accepted inputs, once each, with their values.
fn assert_store_holds(fake: &FakeHubSpot, accepted: &[&Input]) {
    let orders = fake.records(ORDERS);
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for order in &orders {
        if let Some(id) = order.property(ID_PROPERTY) {
            *by_id.entry(id).or_insert(0) += 1;
        }
    }
    assert_eq!(orders.len(), accepted.len(), "records in the store");
    for input in accepted {
        assert_eq!(
            by_id.get(input.id.as_str()),
            Some(&1),
            "{} in the store",
            input.id
        );
        let Some(order) = fake.record_by(ORDERS, ID_PROPERTY, &input.id) else {
            panic!("{} missing", input.id);
        };
        for (name, value) in &input.properties {
            assert_eq!(
                order.property(name),
                Some(value.as_str()),
                "{} {name}",
                input.id
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_orders_through_faults_are_each_accounted_for_once() {
    let mut inputs = orders(10_000);
    let bad = 4_321;
    inputs[bad]
        .properties
        .insert("hs_total_price".to_owned(), "not a price".to_owned());
    // 5% of the ids are rejected by HubSpot in 207 answers.
    let rejected: HashSet<String> = (0..10_000)
        .filter(|n| n % 20 == 7)
        .map(|n| format!("shop-{n}"))
        .collect();
    let fake = fake()
        .seed(0x5eed)
        .reject_ids(rejected.iter().cloned())
        .fault(
            FaultRule::new(Fault::RateLimited(Policy::TenSecondlyRolling))
                .on(Route::BatchUpsert)
                .share(0.20),
        )
        .fault(
            FaultRule::new(Fault::Status(503))
                .on(Route::BatchUpsert)
                .share(0.05),
        )
        .fault(
            FaultRule::new(Fault::Reset)
                .on(Route::BatchUpsert)
                .share(0.02),
        )
        .start()
        .await;
    let client = client(&fake);
    let run = BulkUpsert::new(&client)
        .concurrency(4)
        .max_resends(5)
        .run_iter(inputs.clone());
    let (outcomes, summary) = collect(run).await;
    eprintln!("{summary}");

    assert_accounted(&outcomes, &summary, &inputs);
    let mut accepted = Vec::new();
    for outcome in &outcomes {
        let input = outcome.input();
        match outcome.kind() {
            OutcomeKind::Created(record) | OutcomeKind::Updated(record) => {
                assert!(!rejected.contains(&input.id), "{} was rejected", input.id);
                assert_eq!(
                    record
                        .properties
                        .get(ID_PROPERTY)
                        .cloned()
                        .flatten()
                        .as_deref(),
                    Some(input.id.as_str())
                );
                accepted.push(input);
            }
            OutcomeKind::Failed(InputError::Rejected(error)) => {
                assert!(rejected.contains(&input.id), "{}: {error:?}", input.id);
                assert_eq!(error.context.get("ids"), Some(&vec![input.id.clone()]));
            }
            OutcomeKind::Failed(InputError::Request(error)) => {
                assert_eq!(outcome.index(), bad as u64, "{error}");
                assert_eq!(error.status().map(|status| status.as_u16()), Some(400));
            }
            other => panic!("{}: {other:?}", input.id),
        }
    }
    assert_eq!(accepted.len(), 10_000 - rejected.len() - 1);
    assert_eq!(summary.failed, rejected.len() as u64 + 1);
    assert_eq!(summary.not_attempted, 0);
    assert_store_holds(&fake, &accepted);
    // Bounded requests: 100 batches, one split path of at most 2 × 7 requests, and the
    // faulted attempts (about a third more at these shares).
    let attempts = fake.requests().len();
    assert!(summary.requests <= 100 + 14 + 40, "{summary}");
    assert!(attempts <= 200, "{attempts} attempts: {summary}");
    assert!(
        summary.bisections >= 1 && summary.bisections <= 7,
        "{summary}"
    );
}

#[tokio::test]
async fn the_daily_limit_midway_stops_the_run_and_the_rest_completes_the_store() {
    let fake = fake().start().await;
    let client = client(&fake);
    let inputs = orders(5_000);
    let mut run = BulkUpsert::new(&client)
        .concurrency(2)
        .run_iter(inputs.clone());
    let mut outcomes = Vec::new();
    while let Some(outcome) = run.next().await {
        outcomes.push(outcome);
        if outcomes.len() == 2_000 {
            // From now on the account's daily budget is spent.
            fake.add_fault(
                FaultRule::new(Fault::RateLimited(Policy::Daily)).on(Route::BatchUpsert),
            );
        }
    }
    let summary = run.summary();
    assert_accounted(&outcomes, &summary, &inputs);
    assert!(
        matches!(summary.stop, Some(StopReason::DailyLimit(_))),
        "{summary}"
    );
    assert!(summary.not_attempted >= 2_000, "{summary}");
    assert_eq!(summary.created + summary.not_attempted, 5_000);
    // Nothing was sent after the first refusal but the requests already in flight.
    let refused = fake
        .requests()
        .iter()
        .filter(|r| r.status == Some(429))
        .count();
    assert!(refused <= 2, "{refused} requests refused");
    assert_eq!(fake.record_count(ORDERS) as u64, summary.created);

    // The next day: send exactly the inputs not attempted.
    fake.clear_faults();
    let resend: Vec<Input> = outcomes
        .into_iter()
        .filter(Outcome::is_not_attempted)
        .map(Outcome::into_input)
        .collect();
    let (again, summary) = collect(BulkUpsert::new(&client).run_iter(resend.clone())).await;
    assert_accounted(&again, &summary, &resend);
    assert_eq!(summary.created, resend.len() as u64, "{summary}");
    assert_store_holds(&fake, &inputs.iter().collect::<Vec<_>>());
}

#[tokio::test]
async fn repeated_ids_never_share_a_request_and_the_last_write_wins() {
    let fake = fake().start().await;
    let client = client(&fake);
    let mut inputs = Vec::new();
    for n in 0..500 {
        inputs.push(order(n, 0));
        // Order 7 five more times, order 8 right after itself.
        if n % 100 == 50 {
            inputs.push(order(7, n / 100 + 1));
        }
        if n == 300 {
            inputs.push(order(8, 1));
            inputs.push(order(8, 2));
        }
    }
    let run = BulkUpsert::new(&client)
        .concurrency(4)
        .run_iter(inputs.clone());
    let (outcomes, summary) = collect(run).await;
    assert_accounted(&outcomes, &summary, &inputs);
    assert_eq!(summary.failed + summary.not_attempted, 0, "{summary}");
    assert_eq!(summary.updated, 7);
    for request in fake.requests() {
        assert_eq!(request.status, Some(200), "{request:?}");
        let body = request.json().unwrap_or_default();
        let ids: Vec<&str> = body["inputs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|input| input["id"].as_str())
            .collect();
        let distinct: HashSet<&&str> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len(), "a request repeats an id");
    }
    let last = |number: usize| {
        inputs
            .iter()
            .rev()
            .find(|input| input.id == format!("shop-{number}"))
    };
    assert_eq!(
        fake.record_by(ORDERS, ID_PROPERTY, "shop-7")
            .map(|o| o.properties),
        last(7).map(with_id)
    );
    assert_eq!(
        fake.record_by(ORDERS, ID_PROPERTY, "shop-8")
            .map(|o| o.properties),
        last(8).map(with_id)
    );
}

/// An input's properties as the store keeps them: with the id property set.
fn with_id(input: &Input) -> BTreeMap<String, String> {
    let mut properties = input.properties.clone();
    properties.insert(ID_PROPERTY.to_owned(), input.id.clone());
    properties
}

#[tokio::test]
async fn empty_one_hundred_and_hundred_and_one_inputs() {
    for (count, requests) in [(0, 0), (1, 1), (100, 1), (101, 2)] {
        let fake = fake().start().await;
        let client = client(&fake);
        let inputs = orders(count);
        let (outcomes, summary) = collect(BulkUpsert::new(&client).run_iter(inputs.clone())).await;
        assert_accounted(&outcomes, &summary, &inputs);
        assert_eq!(summary.created, count as u64);
        assert_eq!(fake.requests().len(), requests, "{count} inputs");
        assert_store_holds(&fake, &inputs.iter().collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn inputs_arriving_slower_than_requests_complete() {
    let fake = fake().start().await;
    let client = client(&fake);
    let inputs = orders(30);
    let slow = stream::iter(inputs.clone()).then(|input| async move {
        tokio::time::sleep(Duration::from_millis(15)).await;
        input
    });
    let (outcomes, summary) = collect(BulkUpsert::new(&client).run(slow)).await;
    assert_accounted(&outcomes, &summary, &inputs);
    assert_eq!(summary.created, 30);
    // Sent as they came instead of waiting for a full batch.
    assert!(fake.requests().len() > 10, "{summary}");
    assert_store_holds(&fake, &inputs.iter().collect::<Vec<_>>());
}

#[tokio::test]
async fn a_report_gives_back_the_failures_and_the_inputs_to_resend() {
    let fake = fake().reject_ids(["shop-3"]).start().await;
    let client = client(&fake);
    let inputs = orders(250);
    let report = BulkUpsert::new(&client)
        .concurrency(1)
        .run_iter(inputs.clone())
        .report()
        .await;
    assert_eq!(report.outcomes.len(), 250);
    assert!(
        report
            .outcomes
            .windows(2)
            .all(|pair| pair[0].index() < pair[1].index())
    );
    let failed: Vec<&str> = report
        .failures()
        .map(|outcome| outcome.input().id.as_str())
        .collect();
    assert_eq!(failed, ["shop-3"]);
    assert!(report.not_attempted_inputs().is_empty());
    assert_eq!(report.summary.created, 249);

    // Now with the daily limit spent from the start: every input comes back to resend.
    fake.add_fault(FaultRule::new(Fault::RateLimited(Policy::Daily)).on(Route::BatchUpsert));
    let report = BulkUpsert::new(&client)
        .run_iter(inputs.clone())
        .report()
        .await;
    assert_eq!(report.not_attempted_inputs(), inputs);
    assert!(matches!(
        report.summary.stop,
        Some(StopReason::DailyLimit(_))
    ));
}
