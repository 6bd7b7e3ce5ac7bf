//! The client's retries, pacing and error reporting against the fake HubSpot: every fault
//! class the fake can inject, on every kind of operation, through the generated methods.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hubspot_orders::orders::operations::{
    BatchReadParams, GetByIdParams, GetPageParams, UpdateParams,
};
use hubspot_orders::orders::types::{
    BatchInputSimplePublicObjectBatchInput, BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert, BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId, PublicObjectSearchRequest, SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate, SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId, SimplePublicObjectInput, SimplePublicObjectInputForCreate,
};
use hubspot_orders::testing::{FakeHubSpot, Fault, FaultRule, Policy, Route};
use hubspot_orders::{Client, ClientExt, Error, RetryPolicy};

/// Longer than a loopback answer takes, shorter than the fake's slow answers.
const TIMEOUT: Duration = Duration::from_millis(400);
const SLOW: Duration = Duration::from_secs(3);
const UNIQUE: &str = "hs_external_order_id";
/// The object type of orders, as the fake's store names it.
const ORDERS: &str = "orders";

type CallError = Error<hubspot_orders::orders::types::Error>;

/// Retries with short backoffs, so that the tests take no longer than the faults do.
fn client(fake: &FakeHubSpot, retry_unsafe: bool) -> Client {
    let policy = RetryPolicy::default()
        .max_retries(3)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(40))
        .retry_unsafe(retry_unsafe);
    match fake
        .client_builder()
        .timeout(TIMEOUT)
        .retry_policy(policy)
        .build()
    {
        Ok(client) => client,
        Err(error) => panic!("{error}"),
    }
}

/// A fake whose ten-second window lasts 1 s.
async fn fake() -> FakeHubSpot {
    FakeHubSpot::builder().time_scale(0.1).start().await
}

/// A fake whose ten-second window lasts 200 ms: after an injected 429, which reports no
/// budget left, the client waits out a window before it retries.
async fn quick_fake() -> FakeHubSpot {
    FakeHubSpot::builder().time_scale(0.02).start().await
}

/// Each kind of operation the document has.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    GetPage,
    GetById,
    Update,
    Archive,
    Search,
    BatchRead,
    BatchUpdate,
    BatchUpsert,
    BatchArchive,
    Create,
    BatchCreate,
}

const SAFE_OPS: [Op; 9] = [
    Op::GetPage,
    Op::GetById,
    Op::Update,
    Op::Archive,
    Op::Search,
    Op::BatchRead,
    Op::BatchUpdate,
    Op::BatchUpsert,
    Op::BatchArchive,
];

const UNSAFE_OPS: [Op; 2] = [Op::Create, Op::BatchCreate];

fn properties(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

impl Op {
    fn route(self) -> Route {
        match self {
            Op::GetPage => Route::GetPage,
            Op::GetById => Route::GetById,
            Op::Update => Route::Update,
            Op::Archive => Route::Archive,
            Op::Search => Route::Search,
            Op::BatchRead => Route::BatchRead,
            Op::BatchUpdate => Route::BatchUpdate,
            Op::BatchUpsert => Route::BatchUpsert,
            Op::BatchArchive => Route::BatchArchive,
            Op::Create => Route::Create,
            Op::BatchCreate => Route::BatchCreate,
        }
    }

    /// Calls the operation on a record of its own (seeded in `fake` when it needs one).
    async fn call(self, client: &Client, fake: &FakeHubSpot) -> Result<(), CallError> {
        let client = client.orders();
        let key = format!("{self:?}");
        let seeded = || match fake.record_by(ORDERS, UNIQUE, &key) {
            Some(order) => order.id,
            None => match fake.insert_record(ORDERS, [(UNIQUE, key.as_str())]) {
                Ok(order) => order.id,
                Err(error) => panic!("{error}"),
            },
        };
        let one = |id: String| vec![SimplePublicObjectId::new(id)];
        match self {
            Op::GetPage => client.get_page(&GetPageParams::default()).await.map(drop),
            Op::GetById => client
                .get_by_id(&seeded(), &GetByIdParams::default())
                .await
                .map(drop),
            Op::Update => {
                let body =
                    SimplePublicObjectInput::new(properties(&[("hs_order_name", "updated")]));
                client
                    .update(&seeded(), &body, &UpdateParams::default())
                    .await
                    .map(drop)
            }
            Op::Archive => client.archive(&seeded()).await,
            Op::Search => {
                let body = PublicObjectSearchRequest::new(
                    String::new(),
                    Vec::new(),
                    10,
                    Vec::new(),
                    Vec::new(),
                );
                client.search(&body).await.map(drop)
            }
            Op::BatchRead => {
                let body =
                    BatchReadInputSimplePublicObjectId::new(one(seeded()), Vec::new(), Vec::new());
                client
                    .batch_read(&body, &BatchReadParams::default())
                    .await
                    .map(drop)
            }
            Op::BatchUpdate => {
                let body = BatchInputSimplePublicObjectBatchInput::new(vec![
                    SimplePublicObjectBatchInput::new(
                        seeded(),
                        properties(&[("hs_order_name", "updated")]),
                    ),
                ]);
                client.batch_update(&body).await.map(drop)
            }
            Op::BatchUpsert => {
                let mut input = SimplePublicObjectBatchInputUpsert::new(
                    key.clone(),
                    properties(&[("hs_order_name", "upserted")]),
                );
                input.id_property = Some(UNIQUE.to_owned());
                let body = BatchInputSimplePublicObjectBatchInputUpsert::new(vec![input]);
                client.batch_upsert(&body).await.map(drop)
            }
            Op::BatchArchive => {
                let body = BatchInputSimplePublicObjectId::new(one(seeded()));
                client.batch_archive(&body).await
            }
            Op::Create => {
                let body = SimplePublicObjectInputForCreate::new(
                    Vec::new(),
                    properties(&[("hs_order_name", "new")]),
                );
                client.create(&body).await.map(drop)
            }
            Op::BatchCreate => {
                let body = BatchInputSimplePublicObjectBatchInputForCreate::new(vec![
                    SimplePublicObjectBatchInputForCreate::new(
                        Default::default(),
                        properties(&[("hs_order_name", "new")]),
                    ),
                ]);
                client.batch_create(&body).await.map(drop)
            }
        }
    }
}

/// The faults after which an operation safe to repeat is sent again.
fn retryable_faults() -> Vec<Fault> {
    vec![
        Fault::RateLimited(Policy::TenSecondlyRolling),
        Fault::Status(502),
        Fault::Status(503),
        Fault::Status(504),
        Fault::HtmlStatus(502),
        Fault::Reset,
        Fault::Slow(SLOW),
        Fault::LostAnswer,
    ]
}

/// How many requests the fake received on `route`.
fn received(fake: &FakeHubSpot, route: Route) -> usize {
    fake.requests()
        .iter()
        .filter(|request| request.route == Some(route))
        .count()
}

#[tokio::test]
async fn every_retryable_fault_is_retried_on_operations_safe_to_repeat() {
    for fault in retryable_faults() {
        let fake = quick_fake().await;
        let client = client(&fake, false);
        for op in SAFE_OPS {
            fake.add_fault(FaultRule::new(fault.clone()).on(op.route()).times(1));
            let before = client.metrics();
            let started = Instant::now();
            if let Err(error) = op.call(&client, &fake).await {
                panic!("{op:?} after {fault:?}: {error}");
            }
            if matches!(fault, Fault::RateLimited(_)) {
                // The 429 said no budget is left: the retry waited for the window (200 ms;
                // search, whose budget the client keeps apart, a second).
                let waited = started.elapsed();
                assert!(waited >= Duration::from_millis(190), "{op:?}: {waited:?}");
            }
            let done = client.metrics() - before;
            assert_eq!(
                (done.requests, done.retries),
                (2, 1),
                "{op:?} after {fault:?}"
            );
            assert_eq!(received(&fake, op.route()), 2, "{op:?} after {fault:?}");
        }
    }
}

#[tokio::test]
async fn a_create_is_repeated_only_when_hubspot_refused_it_unprocessed() {
    for fault in retryable_faults() {
        let fake = quick_fake().await;
        let client = client(&fake, false);
        for op in UNSAFE_OPS {
            fake.add_fault(FaultRule::new(fault.clone()).on(op.route()).times(1));
            let result = op.call(&client, &fake).await;
            let sent = received(&fake, op.route());
            if matches!(fault, Fault::RateLimited(_)) {
                // A 429 was not processed: sending it again creates nothing twice.
                assert!(result.is_ok(), "{op:?} after {fault:?}: {result:?}");
                assert_eq!(sent, 2, "{op:?} after {fault:?}");
            } else {
                match result {
                    Err(error) => assert_eq!(error.attempts(), 1, "{op:?}: {error}"),
                    Ok(()) => panic!("{op:?} succeeded after {fault:?}"),
                }
                assert_eq!(sent, 1, "{op:?} repeated after {fault:?}");
            }
        }
        // At most one record per create: only the faults that process the request made one.
        let expected = match fault {
            Fault::RateLimited(_) | Fault::Slow(_) | Fault::LostAnswer => 2,
            _ => 0,
        };
        assert_eq!(fake.record_count(ORDERS), expected, "after {fault:?}");
    }
}

#[tokio::test]
async fn retry_unsafe_repeats_a_create_and_may_duplicate_it() {
    let fake = fake().await;
    let client = client(&fake, true);
    fake.add_fault(FaultRule::new(Fault::LostAnswer).on(Route::Create).times(1));
    if let Err(error) = Op::Create.call(&client, &fake).await {
        panic!("{error}");
    }
    assert_eq!(received(&fake, Route::Create), 2);
    // The price of opting in: the lost answer's record, and the retry's.
    assert_eq!(fake.record_count(ORDERS), 2);
}

#[tokio::test]
async fn a_daily_429_surfaces_at_once_as_its_own_error() {
    let fake = FakeHubSpot::builder().daily_budget(2).start().await;
    let client = client(&fake, true);
    for _ in 0..2 {
        if let Err(error) = Op::GetPage.call(&client, &fake).await {
            panic!("{error}");
        }
    }
    let started = Instant::now();
    match Op::BatchUpsert.call(&client, &fake).await {
        Err(error) => {
            assert!(error.is_daily_limit(), "{error}");
            assert_eq!(error.attempts(), 1);
            assert!(error.to_string().contains("daily limit"), "{error}");
        }
        Ok(()) => panic!("the daily budget was spent"),
    }
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(fake.requests().len(), 3);
    assert_eq!(fake.rate_limited_count_for(Policy::Daily), 1);
}

#[tokio::test]
async fn an_injected_daily_429_is_not_retried_either() {
    let fake = fake().await;
    let client = client(&fake, true);
    fake.add_fault(FaultRule::new(Fault::RateLimited(Policy::Daily)).times(1));
    match Op::GetById.call(&client, &fake).await {
        Err(error) => assert!(error.is_daily_limit() && error.attempts() == 1, "{error}"),
        Ok(()) => panic!("expected the daily limit"),
    }
    assert_eq!(received(&fake, Route::GetById), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_clients_worth_of_callers_on_one_client_cause_no_429_storm() {
    // The fake allows 100 requests a (scaled) second; the client starts from its default
    // budget (100 per 10 s) and adopts the fake's figures from the first answers.
    let fake = fake().await;
    let client = fake.client();
    let ids: Vec<String> = (0..10)
        .map(
            |n| match fake.insert_record(ORDERS, [(UNIQUE, format!("storm-{n}"))]) {
                Ok(order) => order.id,
                Err(error) => panic!("{error}"),
            },
        )
        .collect();
    // Ten applications' worth of workers (8 each), all on one client.
    let callers = 80;
    let calls_each = 5;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for caller in 0..callers {
        let orders = client.orders();
        let id = ids[caller % ids.len()].clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..calls_each {
                orders.get_by_id(&id, &GetByIdParams::default()).await?;
            }
            Ok::<(), CallError>(())
        }));
    }
    for task in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => panic!("{error}"),
            Err(error) => panic!("{error}"),
        }
    }
    let elapsed = started.elapsed();
    let sent = fake.requests().len();
    let refused = fake.rate_limited_count();
    eprintln!("{sent} requests in {elapsed:?}, {refused} answered 429");
    assert_eq!(sent as u64 - refused, (callers * calls_each) as u64);
    // No storm: at most 1% answered 429 (none is expected).
    assert!(
        refused * 100 <= sent as u64,
        "{refused} of {sent} answered 429"
    );
    // Paced, not just lucky: 400 requests at 100 a second take over 3 s.
    assert!(elapsed >= Duration::from_secs(3), "{elapsed:?}");
}
