//! What faults cost a bulk upsert of 10,000 orders, in requests and time: a wrong
//! `idProperty`, one bad input (named by HubSpot's error, and not), lost answers, answers over
//! the body cap, and a stop midway. A program that prints figures (not a timed test); it
//! exits with an error when a bound the engine promises is broken.
//!
//! ```text
//! cargo bench -p hubspot-runtime --features testing --bench bulk_faults
//! ```

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hubspot_runtime::bulk::{BulkRun, BulkUpsert, Outcome, Summary, UpsertOperation};
use hubspot_runtime::testing::{FakeHubSpot, Fault, FaultRule, Route};
use hubspot_runtime::{Api, Client, OperationInfo, RateClass, RateLimit, Repeat, RetryPolicy};
use serde_json::{Value, json};

const ORDERS: usize = 10_000;
const BATCH: usize = 100;

const BATCH_UPSERT: OperationInfo = OperationInfo::new(
    "batch_upsert",
    "post-/crm/v3/objects/orders/batch/upsert",
    "/crm/v3/objects/orders/batch/upsert",
    Repeat::Safe,
    RateClass::Standard,
    "application/json",
);

/// A batch upsert input, as a generated type declares it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    id: String,
    id_property: Option<String>,
    properties: BTreeMap<String, String>,
}

/// The orders handle, written as the generator writes one.
#[derive(Debug, Clone)]
struct Orders(Client);

impl Api for Orders {
    fn client(&self) -> &Client {
        &self.0
    }
}

impl UpsertOperation for Orders {
    type Input = Input;
    type Record = Value;
    type Error = Value;
    const OPERATION: &'static OperationInfo = &BATCH_UPSERT;
    const TRACE_IDS: bool = true;
}

fn orders(id_property: &str) -> Vec<Input> {
    (0..ORDERS)
        .map(|n| Input {
            id: format!("shop-{n}"),
            id_property: Some(id_property.to_owned()),
            properties: BTreeMap::from([
                ("hs_order_name".to_owned(), format!("Order {n}")),
                ("hs_total_price".to_owned(), format!("{n}.00")),
                ("hs_currency_code".to_owned(), "EUR".to_owned()),
            ]),
        })
        .collect()
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

/// The fake's ten-second window, scaled by its `time_scale`: the pace its answers' headers
/// announce, set from the start so that a client which never reads an answer (every body
/// over its cap) is not paced at the unscaled window.
const FAKE_WINDOW: RateLimit = RateLimit::new(100, Duration::from_millis(20));

fn handle(client: Result<Client, hubspot_runtime::BuildError>) -> Orders {
    match client {
        Ok(client) => Orders(client),
        Err(error) => panic!("cannot build the client: {error}"),
    }
}

/// A fake with windows 500 times shorter, which refuses prices that are not numbers.
async fn fake(faults: Vec<FaultRule>) -> FakeHubSpot {
    let mut builder = FakeHubSpot::builder()
        .time_scale(0.002)
        .log_limit(0)
        .property_rule("hs_total_price", |value| {
            value
                .parse::<f64>()
                .map(drop)
                .map_err(|_| format!("{value:?} is not a number"))
        });
    for rule in faults {
        builder = builder.fault(rule);
    }
    builder.start().await
}

async fn drain(mut run: BulkRun<'_, Orders>) -> (Vec<Outcome<Orders>>, Summary<Orders>) {
    let mut outcomes = Vec::new();
    while let Some(outcome) = run.next().await {
        outcomes.push(outcome);
    }
    (outcomes, run.summary())
}

/// One scenario's line, and whether its bound held.
struct Figures {
    failures: Vec<String>,
}

impl Figures {
    fn report(&mut self, name: &str, summary: &Summary<Orders>, sent: u64, elapsed: Duration) {
        println!("{name}");
        println!(
            "  requests {} (attempts at the server {sent}), isolating {}, splits {}, resends {}, \
             {:.2?}",
            summary.requests,
            summary.isolation_requests,
            summary.bisections,
            summary.resends,
            elapsed
        );
        println!("  {summary}");
    }

    fn bound(&mut self, what: &str, holds: bool) {
        println!("  bound: {what}: {}", if holds { "ok" } else { "BROKEN" });
        if !holds {
            self.failures.push(what.to_owned());
        }
    }
}

async fn wrong_id_property(figures: &mut Figures) {
    let fake = fake(Vec::new()).await;
    let api = handle(
        fake.client_builder()
            .rate_limit(FAKE_WINDOW)
            .retry_policy(quick_retries())
            .build(),
    );
    let started = Instant::now();
    let run = BulkUpsert::new(&api)
        .concurrency(8)
        .run_iter(orders("order_number"));
    let (_, summary) = drain(run).await;
    let sent = fake.request_count();
    figures.report(
        "wrong idProperty (order_number, not unique) on 10,000 orders",
        &summary,
        sent,
        started.elapsed(),
    );
    figures.bound("stops after at most 3 requests", sent <= 3);
    figures.bound(
        "stopped as a configuration error",
        matches!(
            summary.stop,
            Some(hubspot_runtime::bulk::StopReason::Configuration(_))
        ),
    );
}

async fn one_bad_input_named(figures: &mut Figures) {
    let fake = fake(Vec::new()).await;
    let api = handle(
        fake.client_builder()
            .rate_limit(FAKE_WINDOW)
            .retry_policy(quick_retries())
            .build(),
    );
    let mut inputs = orders("hs_external_order_id");
    inputs[4_321]
        .properties
        .insert("hs_total_price".to_owned(), "12,50".to_owned());
    let started = Instant::now();
    let (_, summary) = drain(BulkUpsert::new(&api).concurrency(4).run_iter(inputs)).await;
    let sent = fake.request_count();
    figures.report(
        "one bad price among 10,000 orders, the 400 naming the input (the fake)",
        &summary,
        sent,
        started.elapsed(),
    );
    let most = (ORDERS / BATCH) as u64 + 2 * 7;
    figures.bound(
        &format!("at most 100 batches + 2·log2(100) = {most} requests"),
        summary.requests <= most && summary.failed == 1,
    );
}

/// A server that answers batch upserts as HubSpot does when a property value is refused:
/// the property is named, the input is not.
struct UnnamedRefusal;

impl wiremock::Respond for UnnamedRefusal {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let inputs = body["inputs"].as_array().cloned().unwrap_or_default();
        if inputs
            .iter()
            .any(|input| input["properties"]["hs_currency_code"] == "JPY")
        {
            let message = "Property values were not valid: [{\"isValid\":false,\"message\":\
                           \"JPY was not one of the allowed options\",\"error\":\
                           \"INVALID_OPTION\",\"name\":\"hs_currency_code\"}]";
            return wiremock::ResponseTemplate::new(400).set_body_json(json!({
                "status": "error",
                "message": message,
                "category": "VALIDATION_ERROR",
            }));
        }
        let results: Vec<Value> = inputs
            .iter()
            .map(|input| {
                json!({
                    "id": "1",
                    "new": true,
                    "objectWriteTraceId": input["objectWriteTraceId"],
                    "properties": {"hs_external_order_id": input["id"]},
                })
            })
            .collect();
        wiremock::ResponseTemplate::new(200).set_body_json(json!({
            "status": "COMPLETE",
            "results": results,
        }))
    }
}

async fn one_bad_input_unnamed(figures: &mut Figures) {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(UnnamedRefusal)
        .mount(&server)
        .await;
    let api = handle(
        Client::builder()
            .token("pat-bench")
            .base_url(&server.uri())
            .rate_limit(RateLimit::new(100_000, Duration::from_secs(1)))
            .retry_policy(quick_retries())
            .build(),
    );
    let mut inputs = orders("hs_external_order_id");
    inputs[4_321]
        .properties
        .insert("hs_currency_code".to_owned(), "JPY".to_owned());
    let started = Instant::now();
    let (_, summary) = drain(BulkUpsert::new(&api).concurrency(4).run_iter(inputs)).await;
    let sent = server
        .received_requests()
        .await
        .map_or(0, |requests| requests.len() as u64);
    figures.report(
        "one bad currency among 10,000 orders, the 400 naming only the property (HubSpot's words)",
        &summary,
        sent,
        started.elapsed(),
    );
    let most = (ORDERS / BATCH) as u64 + 2 * 7;
    figures.bound(
        &format!("at most 100 batches + 2·log2(100) = {most} requests"),
        summary.requests <= most && summary.failed == 1,
    );
}

async fn lost_answers(figures: &mut Figures) {
    let fake = fake(vec![
        FaultRule::new(Fault::LostAnswer)
            .on(Route::BatchUpsert)
            .share(0.02),
    ])
    .await;
    let api = handle(
        fake.client_builder()
            .rate_limit(FAKE_WINDOW)
            .retry_policy(quick_retries())
            .build(),
    );
    let started = Instant::now();
    let run = BulkUpsert::new(&api)
        .concurrency(4)
        .run_iter(orders("hs_external_order_id"));
    let (_, summary) = drain(run).await;
    let sent = fake.request_count();
    figures.report(
        "2% of answers lost after the write, on 10,000 new orders",
        &summary,
        sent,
        started.elapsed(),
    );
    figures.bound(
        "no new order reported updated",
        summary.updated == 0 && summary.created + summary.landed == ORDERS as u64,
    );
}

async fn answers_too_large(figures: &mut Figures) {
    let fake = fake(Vec::new()).await;
    for (cap, name) in [
        (16_000, "answers over a 16 kB body cap (fit at 25 orders)"),
        (64, "answers over a 64-byte body cap (never fit)"),
    ] {
        let api = handle(
            fake.client_builder()
                .rate_limit(FAKE_WINDOW)
                .retry_policy(quick_retries())
                .max_body_size(cap)
                .build(),
        );
        let before = fake.request_count();
        let started = Instant::now();
        let run = BulkUpsert::new(&api)
            .concurrency(4)
            .run_iter(orders("hs_external_order_id"));
        let (_, summary) = drain(run).await;
        figures.report(
            &format!("{name}, on 10,000 orders"),
            &summary,
            fake.request_count() - before,
            started.elapsed(),
        );
        figures.bound(
            "ends within 15 requests per batch, nothing not attempted",
            summary.requests <= 15 * (ORDERS / BATCH) as u64 && summary.not_attempted == 0,
        );
    }
}

async fn stop_midway(figures: &mut Figures) {
    let fake = fake(vec![
        FaultRule::new(Fault::Slow(Duration::from_millis(20))).on(Route::BatchUpsert),
    ])
    .await;
    let api = handle(
        fake.client_builder()
            .rate_limit(FAKE_WINDOW)
            .retry_policy(quick_retries())
            .build(),
    );
    let started = Instant::now();
    let mut run = BulkUpsert::new(&api)
        .concurrency(8)
        .run_iter(orders("hs_external_order_id"));
    let stopper = run.stopper();
    let mut outcomes = 0u64;
    while let Some(_outcome) = run.next().await {
        outcomes += 1;
        if outcomes == 9_700 / 2 {
            stopper.stop();
        }
    }
    let summary = run.summary();
    figures.report(
        "stopped after 4,850 outcomes of 10,000 (Ctrl-C)",
        &summary,
        fake.request_count(),
        started.elapsed(),
    );
    let stored = fake.record_count("orders") as u64;
    println!("  records stored {stored}, outcomes {outcomes}");
    figures.bound(
        "every stored record has its outcome, every input one outcome",
        stored == summary.created && outcomes == ORDERS as u64,
    );
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start a Tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut figures = Figures {
        failures: Vec::new(),
    };
    runtime.block_on(async {
        wrong_id_property(&mut figures).await;
        one_bad_input_named(&mut figures).await;
        one_bad_input_unnamed(&mut figures).await;
        lost_answers(&mut figures).await;
        answers_too_large(&mut figures).await;
        stop_midway(&mut figures).await;
    });
    if figures.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("broken bounds: {}", figures.failures.join("; "));
        ExitCode::FAILURE
    }
}
