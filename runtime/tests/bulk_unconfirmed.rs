//! Writes whose answer is lost, too large or unreadable, against the fake HubSpot: reported
//! unconfirmed or settled by a bounded resend in halves, never "not attempted", never
//! "updated" when this run created the record; and one definition of transient.

mod bulk_support;

use bulk_support::{
    ORDERS, Orders, assert_accounted, client, collect, fake, orders, quick_retries, upserts,
};
use hubspot_runtime::RetryPolicy;
use hubspot_runtime::bulk::{BulkUpsert, OutcomeKind, StopReason};
use hubspot_runtime::testing::{FakeHubSpot, Fault, FaultRule, Route};

fn client_with(fake: &FakeHubSpot, retry: RetryPolicy, max_body: Option<usize>) -> Orders {
    let mut builder = fake.client_builder().retry_policy(retry);
    if let Some(bytes) = max_body {
        builder = builder.max_body_size(bytes);
    }
    match builder.build() {
        Ok(client) => Orders(client),
        Err(error) => panic!("{error}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_resent_in_halves_and_never_reported_updated() {
    // The first batch is written, then its answer is lost; the client does not retry.
    let fake = fake()
        .fault(
            FaultRule::new(Fault::LostAnswer)
                .on(Route::BatchUpsert)
                .times(1),
        )
        .start()
        .await;
    let orders_api = client_with(&fake, RetryPolicy::never(), None);
    let inputs = orders(300);
    let (outcomes, summary) = collect(BulkUpsert::new(&orders_api).run_iter(inputs.clone())).await;
    assert_accounted(&outcomes, &summary, &inputs);
    assert!(summary.stop.is_none(), "{summary}");
    assert_eq!(fake.record_count(ORDERS), 300);
    // The lost batch's 100 went again as two halves of 50, which found the records this run
    // created: landed, not updated.
    assert_eq!(
        (summary.landed, summary.created, summary.updated),
        (100, 200, 0),
        "{summary}"
    );
    assert_eq!(summary.requests, 3 + 2, "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_the_client_retried_after_a_lost_answer_is_not_reported_updated() {
    let fake = fake()
        .fault(
            FaultRule::new(Fault::LostAnswer)
                .on(Route::BatchUpsert)
                .times(1),
        )
        .start()
        .await;
    let orders_api = client(&fake);
    let inputs = orders(100);
    let (outcomes, summary) = collect(BulkUpsert::new(&orders_api).run_iter(inputs.clone())).await;
    assert_accounted(&outcomes, &summary, &inputs);
    // The client's second attempt found the records its first one created.
    assert_eq!(upserts(&fake), 2);
    assert_eq!((summary.landed, summary.updated), (100, 0), "{summary}");
    assert!(
        outcomes
            .iter()
            .all(|outcome| matches!(outcome.kind(), OutcomeKind::Landed(Some(_))))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_over_the_body_cap_are_resent_smaller_and_the_run_ends() {
    let fake = fake().start().await;
    // Room for the answer to about 20 orders, not 100.
    let orders_api = client_with(&fake, quick_retries(), Some(12_000));
    let inputs = orders(400);
    let (outcomes, summary) = collect(BulkUpsert::new(&orders_api).run_iter(inputs.clone())).await;
    assert_accounted(&outcomes, &summary, &inputs);
    assert_eq!(fake.record_count(ORDERS), 400);
    assert_eq!(summary.unconfirmed + summary.not_attempted, 0, "{summary}");
    assert!(
        outcomes.iter().all(|outcome| outcome.is_success()),
        "{summary}"
    );
    // 4 batches of 100, each sent again as 2 × 50 and 4 × 25.
    assert!(summary.requests <= 4 * 15, "{summary}");

    // A cap no answer fits: every write lands, none is confirmed, and the run still ends
    // after a bounded number of requests.
    let tight = client_with(&fake, quick_retries(), Some(64));
    let (outcomes, summary) = collect(BulkUpsert::new(&tight).run_iter(inputs.clone())).await;
    assert_accounted(&outcomes, &summary, &inputs);
    assert_eq!(summary.unconfirmed, 400, "{summary}");
    assert!(summary.stop.is_none(), "{summary}");
    assert_eq!(summary.requests, 4 * 15, "{summary}");
    assert!(outcomes.iter().all(|outcome| outcome.is_unconfirmed()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_that_is_not_json_is_unconfirmed_until_a_resend_settles_it() {
    let fake = fake()
        .fault(
            FaultRule::new(Fault::MalformedJson)
                .on(Route::BatchUpsert)
                .times(1),
        )
        .start()
        .await;
    let orders_api = client(&fake);
    let inputs = orders(200);
    let (outcomes, summary) = collect(BulkUpsert::new(&orders_api).run_iter(inputs.clone())).await;
    assert_accounted(&outcomes, &summary, &inputs);
    assert!(summary.stop.is_none(), "{summary}");
    assert_eq!(summary.not_attempted, 0, "{summary}");
    assert_eq!((summary.landed, summary.created), (100, 100), "{summary}");
    assert_eq!(fake.record_count(ORDERS), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_is_sent_once_by_the_client_and_the_engine_alike() {
    let fake = fake()
        .fault(FaultRule::new(Fault::Status(500)).on(Route::BatchUpsert))
        .start()
        .await;
    let orders_api = client(&fake);
    let inputs = orders(300);
    let (outcomes, summary) = collect(BulkUpsert::new(&orders_api).run_iter(inputs.clone())).await;
    assert_accounted(&outcomes, &summary, &inputs);
    assert_eq!(upserts(&fake), 1);
    assert_eq!(summary.not_attempted, 300);
    assert!(
        matches!(summary.stop, Some(StopReason::Error(_))),
        "{summary}"
    );

    // A 503 is transient for both: the client retries it, then the engine sends it again.
    let fake = bulk_support::fake()
        .fault(
            FaultRule::new(Fault::Status(503))
                .on(Route::BatchUpsert)
                .times(6),
        )
        .start()
        .await;
    let orders_api = client(&fake);
    let (outcomes, summary) = collect(BulkUpsert::new(&orders_api).run_iter(inputs.clone())).await;
    assert_accounted(&outcomes, &summary, &inputs);
    assert_eq!(fake.record_count(ORDERS), 300);
    assert_eq!(summary.resends, 1, "{summary}");
    assert_eq!(upserts(&fake), 6 + 3);
}
