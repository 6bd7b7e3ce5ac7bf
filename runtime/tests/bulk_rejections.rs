//! Batches rejected whole with a 400, against the fake HubSpot: a setting wrong for every
//! batch stops the run at once; a bad input costs a bounded number of requests; inputs that
//! cannot be right are never sent.

mod bulk_support;

use bulk_support::{
    ID_PROPERTY, ORDERS, Orders, assert_accounted, client, collect, fake, order, orders, upserts,
};
use hubspot_runtime::bulk::{BulkUpsert, InputError, OutcomeKind, StopReason};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_id_property_stops_ten_thousand_orders_after_one_request() {
    let fake = fake().start().await;
    let orders_api = client(&fake);
    // `order_number` is not a unique property: HubSpot rejects every batch.
    let inputs: Vec<_> = orders(10_000)
        .into_iter()
        .map(|mut input| {
            input.id_property = Some("order_number".to_owned());
            input
        })
        .collect();
    let run = BulkUpsert::new(&orders_api)
        .concurrency(8)
        .run_iter(inputs.clone());
    let (outcomes, summary) = collect(run).await;
    assert_accounted(&outcomes, &summary, &inputs);
    assert!(upserts(&fake) <= 3, "{} requests", upserts(&fake));
    assert_eq!(summary.requests, 1, "{summary}");
    assert_eq!(summary.not_attempted, 10_000);
    let Some(StopReason::Configuration(error)) = &summary.stop else {
        panic!("{summary}");
    };
    let message = error
        .api()
        .and_then(|api| api.message())
        .unwrap_or_default();
    assert!(
        message.contains("non-unique property order_number"),
        "{message}"
    );
    assert!(summary.to_string().contains("order_number"), "{summary}");
    assert_eq!(fake.record_count(ORDERS), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_price_among_ten_thousand_costs_one_more_request() {
    let fake = fake().start().await;
    let orders_api = client(&fake);
    let mut inputs = orders(10_000);
    inputs[4_321]
        .properties
        .insert("hs_total_price".to_owned(), "12,50".to_owned());
    let run = BulkUpsert::new(&orders_api)
        .concurrency(4)
        .run_iter(inputs.clone());
    let (outcomes, summary) = collect(run).await;
    assert_accounted(&outcomes, &summary, &inputs);
    for outcome in &outcomes {
        match outcome.kind() {
            OutcomeKind::Created(_) => assert_ne!(outcome.index(), 4_321),
            OutcomeKind::Failed(InputError::Request(error)) => {
                assert_eq!(outcome.index(), 4_321);
                assert!(error.to_string().contains("12,50"), "{error}");
            }
            other => panic!("{}: {other:?}", outcome.input().id),
        }
    }
    // The fake names the bad input: 100 batches and the rest of one sent again.
    assert!(summary.requests <= 100 + 2 * 7, "{summary}");
    assert_eq!(summary.requests, 101, "{summary}");
    assert_eq!(fake.record_count(ORDERS), 9_999);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inputs_that_cannot_be_right_are_not_sent() {
    let fake = fake().start().await;
    let orders_api = client(&fake);
    let mut inputs = orders(4);
    // Two empty ids would otherwise create two records with no unique value.
    inputs[1].id = String::new();
    inputs[2].id = String::new();
    inputs[3].properties.insert(String::new(), "x".to_owned());
    let (outcomes, summary) =
        collect(BulkUpsert::<Orders>::new(&orders_api).run_iter(inputs.clone())).await;
    assert_accounted(&outcomes, &summary, &inputs);
    assert_eq!((summary.created, summary.failed), (1, 3), "{summary}");
    for outcome in outcomes.iter().filter(|outcome| outcome.index() > 0) {
        let OutcomeKind::Failed(InputError::Invalid(why)) = outcome.kind() else {
            panic!("{:?}", outcome.kind());
        };
        assert!(why.contains("empty"), "{why}");
    }
    assert_eq!(upserts(&fake), 1);
    assert_eq!(fake.record_count(ORDERS), 1);
    assert!(fake.record_by(ORDERS, ID_PROPERTY, &order(0).id).is_some());
}
