//! The fake HubSpot's injected faults, each kind, by route, by id and by seeded share, and
//! the request log that records them.

#![allow(clippy::unwrap_used)]

mod fake_support;

use std::time::Duration;

use fake_support::{ORDERS, Raw, upsert_input};
use hubspot_runtime::testing::{FakeHubSpot, Fault, FaultRule, Policy, Route};
use serde_json::{Value, json};

fn upsert(id: &str) -> Value {
    json!({"inputs": [upsert_input(id, json!({"hs_order_name": id}))]})
}

fn create(external_id: &str) -> Value {
    json!({"properties": {"hs_external_order_id": external_id}, "associations": []})
}

#[tokio::test]
async fn status_faults_answer_instead_of_the_api_for_their_count() {
    let fake = FakeHubSpot::builder()
        .fault(
            FaultRule::new(Fault::Status(503))
                .on(Route::BatchUpsert)
                .times(2),
        )
        .start()
        .await;
    let raw = Raw::new(&fake);
    assert_eq!(raw.get("").await.status, 200, "other routes are untouched");
    for _ in 0..2 {
        let reply = raw.post("/batch/upsert", upsert("shop-1")).await;
        assert_eq!(reply.status, 503);
        assert_eq!(reply.json["status"], "error");
        assert!(reply.header("x-hubspot-ratelimit-remaining").is_some());
        assert_eq!(fake.record_count(ORDERS), 0, "a 5xx fault writes nothing");
    }
    assert_eq!(
        raw.post("/batch/upsert", upsert("shop-1")).await.status,
        200
    );
    assert_eq!(fake.record_count(ORDERS), 1);
    let log = fake.requests();
    let statuses: Vec<Option<u16>> = log.iter().map(|request| request.status).collect();
    assert_eq!(statuses, [Some(200), Some(503), Some(503), Some(200)]);
    assert_eq!(log[1].fault, Some(Fault::Status(503)));
    assert_eq!(log[3].fault, None);
}

#[tokio::test]
async fn html_status_faults_send_a_page_not_json() {
    let fake = FakeHubSpot::builder()
        .fault(FaultRule::new(Fault::HtmlStatus(502)))
        .start()
        .await;
    let reply = Raw::new(&fake).get("").await;
    assert_eq!(reply.status, 502);
    assert_eq!(reply.header("content-type"), Some("text/html"));
    assert!(reply.text.starts_with("<html>"));
}

#[tokio::test]
async fn a_reset_closes_the_connection_without_answer_or_write() {
    let fake = FakeHubSpot::builder()
        .fault(FaultRule::new(Fault::Reset).times(1))
        .start()
        .await;
    let raw = Raw::new(&fake);
    let error = raw
        .try_send("POST", "", Some(&create("shop-1")))
        .await
        .unwrap_err();
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    assert_eq!(fake.record_count(ORDERS), 0);
    assert_eq!(fake.requests()[0].status, None);
    assert_eq!(fake.requests()[0].fault, Some(Fault::Reset));
    // The fake serves on after it.
    assert_eq!(raw.post("", create("shop-1")).await.status, 201);
}

#[tokio::test]
async fn a_lost_answer_applies_the_write_then_closes() {
    let fake = FakeHubSpot::builder()
        .fault(FaultRule::new(Fault::LostAnswer).on(Route::Create).times(1))
        .start()
        .await;
    let raw = Raw::new(&fake);
    let error = raw
        .try_send("POST", "", Some(&create("shop-1")))
        .await
        .unwrap_err();
    assert!(!error.is_status(), "{error:?}");
    assert_eq!(
        fake.record_count(ORDERS),
        1,
        "the write happened although no answer came"
    );
    assert_eq!(fake.requests()[0].status, None);
    // Repeating the create blindly makes HubSpot refuse the duplicate unique value.
    assert_eq!(raw.post("", create("shop-1")).await.status, 409);
}

#[tokio::test]
async fn a_slow_answer_outlasts_a_client_timeout_but_the_write_happens() {
    let fake = FakeHubSpot::builder()
        .fault(FaultRule::new(Fault::Slow(Duration::from_millis(2000))).times(1))
        .start()
        .await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let error = http
        .post(format!(
            "{}/crm/v3/objects/orders/batch/upsert",
            fake.base_url()
        ))
        .bearer_auth(hubspot_runtime::testing::FAKE_TOKEN)
        .header("content-type", "application/json")
        .body(upsert("shop-1").to_string())
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    // The fake applies the write before its slow answer; on a loaded machine it may still be
    // applying it when the client gives up, so wait for it (well inside the answer's delay).
    let applied = std::time::Instant::now();
    while fake.record_count(ORDERS) == 0 && applied.elapsed() < Duration::from_millis(1500) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(fake.record_count(ORDERS), 1);
    // Without a client timeout the answer does come, late.
    let slow = FakeHubSpot::builder()
        .fault(FaultRule::new(Fault::Slow(Duration::from_millis(200))))
        .start()
        .await;
    let started = std::time::Instant::now();
    assert_eq!(Raw::new(&slow).get("").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn malformed_json_keeps_the_status_and_breaks_the_body() {
    let fake = FakeHubSpot::builder()
        .fault(FaultRule::new(Fault::MalformedJson))
        .start()
        .await;
    let raw = Raw::new(&fake);
    let reply = raw.post("/batch/upsert", upsert("shop-1")).await;
    assert_eq!(reply.status, 200);
    assert!(!reply.text.is_empty());
    assert!(
        serde_json::from_str::<Value>(&reply.text).is_err(),
        "{}",
        reply.text
    );
    assert_eq!(fake.record_count(ORDERS), 1);
    let archived = raw
        .post("/batch/archive", json!({"inputs": [{"id": "1"}]}))
        .await;
    assert_eq!(
        archived.status, 200,
        "a 204 becomes a 200 with a broken body"
    );
    assert!(serde_json::from_str::<Value>(&archived.text).is_err());
}

#[tokio::test]
async fn injected_429s_carry_the_policy_and_are_counted() {
    let fake = FakeHubSpot::builder()
        .fault(FaultRule::new(Fault::RateLimited(Policy::TenSecondlyRolling)).times(1))
        .fault(FaultRule::new(Fault::RateLimited(Policy::Daily)).times(1))
        .start()
        .await;
    let raw = Raw::new(&fake);
    let first = raw.get("").await;
    assert_eq!(first.status, 429);
    assert_eq!(first.json["policyName"], "TEN_SECONDLY_ROLLING");
    assert_eq!(first.header("x-hubspot-ratelimit-remaining"), Some("0"));
    assert_ne!(
        first.header("x-hubspot-ratelimit-daily-remaining"),
        Some("0")
    );
    let second = raw.get("").await;
    assert_eq!(second.json["policyName"], "DAILY");
    assert_eq!(
        second.header("x-hubspot-ratelimit-daily-remaining"),
        Some("0")
    );
    assert_ne!(second.header("x-hubspot-ratelimit-remaining"), Some("0"));
    assert_eq!(raw.get("").await.status, 200);
    assert_eq!(fake.rate_limited_count(), 2);
    assert_eq!(fake.rate_limited_count_for(Policy::Daily), 1);
}

#[tokio::test]
async fn faults_by_id_hit_only_requests_naming_that_id() {
    let fake = FakeHubSpot::start().await;
    let raw = Raw::new(&fake);
    let seven = fake
        .insert_record(ORDERS, [("hs_external_order_id", "shop-7")])
        .unwrap();
    fake.add_fault(FaultRule::new(Fault::Status(504)).for_ids(["shop-7", seven.id.as_str()]));
    assert_eq!(
        raw.post("/batch/upsert", upsert("shop-6")).await.status,
        200
    );
    assert_eq!(
        raw.post("/batch/upsert", upsert("shop-7")).await.status,
        504
    );
    assert_eq!(raw.get(&format!("/{}", seven.id)).await.status, 504);
    assert_eq!(
        raw.post("", create("shop-7")).await.status,
        504,
        "a unique value counts"
    );
    fake.clear_faults();
    assert_eq!(raw.get(&format!("/{}", seven.id)).await.status, 200);
}

/// Which of `count` upserts a fake with `seed` faults at a share of 0.3.
async fn faulted(seed: u64, count: usize) -> Vec<usize> {
    let fake = FakeHubSpot::builder()
        .unlimited()
        .seed(seed)
        .fault(
            FaultRule::new(Fault::Status(502))
                .share(0.3)
                .on(Route::BatchUpsert),
        )
        .start()
        .await;
    let raw = Raw::new(&fake);
    let mut hit = Vec::new();
    for n in 0..count {
        // Requests to other routes draw nothing: they must not shift the sequence.
        raw.get("?limit=1").await;
        if raw
            .post("/batch/upsert", upsert(&format!("shop-{n}")))
            .await
            .status
            == 502
        {
            hit.push(n);
        }
    }
    hit
}

#[tokio::test]
async fn shares_are_drawn_from_the_seed() {
    let first = faulted(7, 60).await;
    assert_eq!(
        first,
        faulted(7, 60).await,
        "the same seed gives the same faults"
    );
    assert_ne!(first, faulted(8, 60).await, "another seed gives others");
    assert!(
        (8..=30).contains(&first.len()),
        "about 30% of 60: {first:?}"
    );
}

#[tokio::test]
async fn the_log_records_each_request() {
    let fake = FakeHubSpot::start().await;
    let raw = Raw::new(&fake);
    raw.post("/batch/upsert", upsert("shop-1")).await;
    raw.get("?limit=5&properties=hs_order_name&properties=hs_total_price")
        .await;
    let log = fake.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "POST");
    assert_eq!(log[0].path, "/crm/v3/objects/orders/batch/upsert");
    assert_eq!(log[0].route, Some(Route::BatchUpsert));
    assert_eq!(log[0].json().unwrap()["inputs"][0]["id"], "shop-1");
    assert_eq!(log[0].status, Some(200));
    assert_eq!(log[1].route, Some(Route::GetPage));
    assert_eq!(
        log[1].query_values("properties"),
        ["hs_order_name", "hs_total_price"]
    );
    assert_eq!(log[1].query_values("limit"), ["5"]);
    assert!(log[1].at >= log[0].at && log[1].elapsed >= log[0].elapsed);
    fake.clear_requests();
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn a_limited_log_keeps_the_last_requests_and_counts_all() {
    let fake = FakeHubSpot::builder().log_limit(2).start().await;
    let raw = Raw::new(&fake);
    for limit in 1..=4 {
        raw.get(&format!("?limit={limit}")).await;
    }
    let kept: Vec<Vec<String>> = fake
        .requests()
        .iter()
        .map(|request| request.query_values("limit"))
        .collect();
    assert_eq!(kept, [["3"], ["4"]]);
    assert_eq!(fake.request_count(), 4);
}

#[tokio::test]
async fn a_fake_that_never_answers_still_stops_at_once() {
    let fake = FakeHubSpot::builder()
        .fault(FaultRule::new(Fault::Slow(Duration::MAX)))
        .start()
        .await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let error = http
        .get(format!("{}/crm/v3/objects/orders", fake.base_url()))
        .bearer_auth(hubspot_runtime::testing::FAKE_TOKEN)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    let started = std::time::Instant::now();
    drop(fake);
    assert!(started.elapsed() < Duration::from_secs(1));
}
