//! What the `bulk_*` tests share: an orders handle written by hand the way the generator
//! writes one (`UpsertOperation` for `/crm/v3/objects/orders/batch/upsert`), inputs, a fake
//! with short windows, and the accounting every run must pass.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use hubspot_runtime::bulk::{BulkRun, Outcome, Summary, UpsertOperation};
use hubspot_runtime::codegen::null_as_default;
use hubspot_runtime::testing::{FakeHubSpot, FakeHubSpotBuilder, Route};
use hubspot_runtime::{Api, Client, OperationInfo, RateClass, Repeat, RetryPolicy};

/// The object type, as the fake's store names it.
pub const ORDERS: &str = "orders";
/// The unique property orders are upserted by.
pub const ID_PROPERTY: &str = "hs_external_order_id";

const BATCH_UPSERT: OperationInfo = OperationInfo::new(
    "batch_upsert",
    "post-/crm/v3/objects/orders/batch/upsert",
    "/crm/v3/objects/orders/batch/upsert",
    Repeat::Safe,
    RateClass::Standard,
    "application/json",
);

/// A batch upsert input, as a generated type declares it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_property: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_write_trace_id: Option<String>,
    pub properties: BTreeMap<String, String>,
}

/// A result, as a generated type declares it.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub properties: BTreeMap<String, Option<String>>,
}

/// The orders handle.
#[derive(Debug, Clone)]
pub struct Orders(pub Client);

impl Api for Orders {
    fn client(&self) -> &Client {
        &self.0
    }
}

impl UpsertOperation for Orders {
    type Input = Input;
    type Record = Record;
    type Error = serde_json::Value;
    const OPERATION: &'static OperationInfo = &BATCH_UPSERT;
    const TRACE_IDS: bool = true;
}

/// Order `shop-{number}`, by `hs_external_order_id`.
pub fn order(number: usize) -> Input {
    Input {
        id: format!("shop-{number}"),
        id_property: Some(ID_PROPERTY.to_owned()),
        object_write_trace_id: None,
        properties: BTreeMap::from([
            ("hs_order_name".to_owned(), format!("Order {number}")),
            ("hs_total_price".to_owned(), format!("{number}.00")),
        ]),
    }
}

pub fn orders(count: usize) -> Vec<Input> {
    (0..count).map(order).collect()
}

/// A property rule that accepts only numbers, for `hs_total_price`.
pub fn number_rule(value: &str) -> Result<(), String> {
    value
        .parse::<f64>()
        .map(drop)
        .map_err(|_| format!("{value:?} is not a number"))
}

/// A fake whose windows are 500 times shorter (the ten-second window lasts 20 ms), so that
/// pacing stays quick; prices must be numbers.
pub fn fake() -> FakeHubSpotBuilder {
    FakeHubSpot::builder()
        .time_scale(0.002)
        .property_rule("hs_total_price", number_rule)
}

/// Quick retries: the client's own waits stay short.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

/// The orders handle of a client of `fake` with quick retries.
pub fn client(fake: &FakeHubSpot) -> Orders {
    match fake.client_builder().retry_policy(quick_retries()).build() {
        Ok(client) => Orders(client),
        Err(error) => panic!("{error}"),
    }
}

/// Every outcome of the run, and its final summary.
pub async fn collect(mut run: BulkRun<'_, Orders>) -> (Vec<Outcome<Orders>>, Summary<Orders>) {
    let mut outcomes = Vec::new();
    while let Some(outcome) = run.next().await {
        outcomes.push(outcome);
    }
    assert!(run.is_finished());
    (outcomes, run.summary())
}

/// Every input has exactly one outcome, holding the input given, and the summary agrees.
pub fn assert_accounted(outcomes: &[Outcome<Orders>], summary: &Summary<Orders>, inputs: &[Input]) {
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
    assert_eq!(summary.total(), inputs.len() as u64, "{summary}");
}

/// The batch upsert requests the fake received (attempts, retries included).
pub fn upserts(fake: &FakeHubSpot) -> usize {
    fake.requests()
        .iter()
        .filter(|request| request.route == Some(Route::BatchUpsert))
        .count()
}
