//! Stopping a bulk run against the fake HubSpot: a graceful stop reports every input, the
//! writes in flight included, and resending what was not attempted completes the store.

mod bulk_support;

use std::time::Duration;

use bulk_support::{Input, ORDERS, assert_accounted, client, collect, fake, orders, upserts};
use futures_util::StreamExt;
use hubspot_runtime::bulk::{BulkUpsert, OutcomeKind, StopReason};
use hubspot_runtime::testing::{Fault, FaultRule, Route};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_midway_reports_every_write_and_the_rest_resumes() {
    // Slow answers, so that requests are in flight when the stop comes.
    let fake = fake()
        .fault(FaultRule::new(Fault::Slow(Duration::from_millis(30))).on(Route::BatchUpsert))
        .start()
        .await;
    let orders_api = client(&fake);
    let inputs = orders(5_000);
    let mut run = BulkUpsert::new(&orders_api)
        .concurrency(4)
        .run_iter(inputs.clone());
    let stopper = run.stopper();
    let mut outcomes = Vec::new();
    while let Some(outcome) = run.next().await {
        outcomes.push(outcome);
        if outcomes.len() == 970 {
            // As a Ctrl-C handler would, from another task.
            let stopper = stopper.clone();
            tokio::spawn(async move { stopper.stop() });
        }
    }
    let summary = run.summary();
    assert_accounted(&outcomes, &summary, &inputs);
    assert!(stopper.is_stopped());
    assert!(
        matches!(summary.stop, Some(StopReason::Stopped)),
        "{summary}"
    );
    // Every write HubSpot holds has its outcome: none landed unreported.
    assert_eq!(
        fake.record_count(ORDERS) as u64,
        summary.created,
        "{summary}"
    );
    assert!(
        summary.created >= 970 && summary.created < 5_000,
        "{summary}"
    );
    assert_eq!(summary.created + summary.not_attempted, 5_000);

    // Resume: exactly the inputs not attempted.
    let resend: Vec<Input> = outcomes
        .into_iter()
        .filter(|outcome| outcome.is_not_attempted())
        .map(|outcome| outcome.into_input())
        .collect();
    fake.clear_faults();
    let before = upserts(&fake);
    let (again, summary) = collect(BulkUpsert::new(&orders_api).run_iter(resend.clone())).await;
    assert_accounted(&again, &summary, &resend);
    assert_eq!(summary.created, resend.len() as u64, "{summary}");
    assert_eq!(fake.record_count(ORDERS), 5_000);
    assert_eq!(upserts(&fake) - before, resend.len().div_ceil(100));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_and_drain_returns_the_outcomes_not_yet_taken() {
    let fake = fake()
        .fault(FaultRule::new(Fault::Slow(Duration::from_millis(50))).on(Route::BatchUpsert))
        .start()
        .await;
    let orders_api = client(&fake);
    let inputs = orders(3_000);
    let mut run = BulkUpsert::new(&orders_api)
        .concurrency(4)
        .run_iter(inputs.clone());
    let mut taken = Vec::new();
    while taken.len() < 150 {
        match run.next().await {
            Some(outcome) => taken.push(outcome),
            None => panic!("the run ended early"),
        }
    }
    // Instead of dropping the run: its requests in flight finish and are reported.
    let report = run.stop_and_drain().await;
    let mut outcomes = taken;
    outcomes.extend(report.outcomes);
    assert_accounted(&outcomes, &report.summary, &inputs);
    assert_eq!(
        fake.record_count(ORDERS) as u64,
        report.summary.created,
        "{}",
        report.summary
    );
    assert!(report.summary.created > 150, "{}", report.summary);
    // Stopped, not run to the end: the rest of the input was not sent.
    assert!(
        matches!(report.summary.stop, Some(StopReason::Stopped)),
        "{}",
        report.summary
    );
    assert!(report.summary.not_attempted > 1_000, "{}", report.summary);
    assert!(
        outcomes.iter().all(|outcome| matches!(
            outcome.kind(),
            OutcomeKind::Created(_) | OutcomeKind::NotAttempted(StopReason::Stopped)
        )),
        "{}",
        report.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_before_any_answer_sends_nothing_more() {
    let fake = fake()
        .fault(FaultRule::new(Fault::Slow(Duration::from_millis(300))).on(Route::BatchUpsert))
        .start()
        .await;
    let orders_api = client(&fake);
    let inputs = orders(1_000);
    let mut run = BulkUpsert::new(&orders_api)
        .concurrency(8)
        .run_iter(inputs.clone());
    let stopper = run.stopper();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        stopper.stop();
    });
    let mut outcomes = Vec::new();
    while let Some(outcome) = run.next().await {
        outcomes.push(outcome);
    }
    let summary = run.summary();
    assert_accounted(&outcomes, &summary, &inputs);
    // The first request goes alone until HubSpot has answered one; it was in flight.
    assert_eq!(upserts(&fake), 1);
    assert_eq!(
        (summary.created, summary.not_attempted),
        (100, 900),
        "{summary}"
    );
}
