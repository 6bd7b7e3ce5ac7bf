//! The fake HubSpot's rate limits: the rolling window, the search window, the daily budget,
//! their 429 bodies and headers, and the time scale.

#![allow(clippy::unwrap_used)]

mod fake_support;

use std::time::{Duration, Instant};

use fake_support::Raw;
use hubspot_runtime::testing::{FakeHubSpot, Policy};
use serde_json::json;

fn search() -> serde_json::Value {
    json!({"filterGroups": [], "sorts": [], "properties": [], "limit": 1, "after": ""})
}

#[tokio::test]
async fn the_rolling_window_refuses_past_its_budget_then_frees() {
    // A 10 s window scaled to 1 s.
    let fake = FakeHubSpot::builder()
        .ten_second_budget(5)
        .time_scale(0.1)
        .start()
        .await;
    let raw = Raw::new(&fake);
    let started = Instant::now();
    for expected_remaining in (0..5).rev() {
        let reply = raw.get("").await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.number("x-hubspot-ratelimit-max"), 5);
        assert_eq!(
            reply.number("x-hubspot-ratelimit-remaining"),
            expected_remaining
        );
        assert_eq!(
            reply.number("x-hubspot-ratelimit-interval-milliseconds"),
            1_000
        );
    }
    let refused = raw.get("").await;
    assert!(
        started.elapsed() < Duration::from_millis(1_000),
        "the test ran too slowly to check"
    );
    assert_eq!(refused.status, 429, "{}", refused.text);
    assert_eq!(refused.json["policyName"], "TEN_SECONDLY_ROLLING");
    assert_eq!(refused.json["errorType"], "RATE_LIMIT");
    assert_eq!(refused.json["status"], "error");
    assert_eq!(
        refused.json["message"],
        "You have reached your ten_secondly_rolling limit."
    );
    assert!(refused.json["correlationId"].as_str().unwrap().len() == 36);
    assert_eq!(refused.number("x-hubspot-ratelimit-remaining"), 0);
    assert!(
        refused.header("retry-after").is_none(),
        "no Retry-After unless asked"
    );
    assert_eq!(fake.rate_limited_count(), 1);
    assert_eq!(fake.rate_limited_count_for(Policy::TenSecondlyRolling), 1);

    // Once the window has rolled past the first request, one more is allowed again.
    let first = fake.requests()[0].at;
    tokio::time::sleep_until((first + Duration::from_millis(1_010)).into()).await;
    let again = raw.get("").await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(fake.rate_limited_count(), 1);
}

#[tokio::test]
async fn the_interval_header_gives_the_scaled_window() {
    let real = FakeHubSpot::start().await;
    let reply = Raw::new(&real).get("").await;
    assert_eq!(
        reply.number("x-hubspot-ratelimit-interval-milliseconds"),
        10_000
    );
    assert_eq!(reply.number("x-hubspot-ratelimit-max"), 100);
    assert_eq!(reply.number("x-hubspot-ratelimit-daily"), 250_000);
    assert_eq!(reply.number("x-hubspot-ratelimit-daily-remaining"), 249_999);
    let scaled = FakeHubSpot::builder().time_scale(0.1).start().await;
    let reply = Raw::new(&scaled).get("").await;
    assert_eq!(
        reply.number("x-hubspot-ratelimit-interval-milliseconds"),
        1_000
    );
}

#[tokio::test]
async fn search_has_its_own_per_second_budget() {
    let fake = FakeHubSpot::builder()
        .ten_second_budget(2)
        .search_budget(3)
        .start()
        .await;
    let raw = Raw::new(&fake);
    for expected_remaining in (0..3).rev() {
        let reply = raw.post("/search", search()).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(
            reply.number("x-hubspot-ratelimit-remaining"),
            expected_remaining
        );
        assert_eq!(
            reply.number("x-hubspot-ratelimit-interval-milliseconds"),
            1_000
        );
    }
    let refused = raw.post("/search", search()).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.json["policyName"], "SECONDLY");
    assert_eq!(fake.rate_limited_count_for(Policy::Secondly), 1);
    // Searches did not spend the ten-second budget.
    assert_eq!(raw.get("").await.status, 200);
    assert_eq!(raw.get("").await.status, 200);
    assert_eq!(raw.get("").await.status, 429);
    assert_eq!(fake.rate_limited_count_for(Policy::TenSecondlyRolling), 1);
    assert_eq!(fake.rate_limited_count(), 2);
}

#[tokio::test]
async fn the_daily_budget_answers_daily_once_spent() {
    let fake = FakeHubSpot::builder().daily_budget(3).start().await;
    let raw = Raw::new(&fake);
    for expected_remaining in (0..3).rev() {
        let reply = raw.get("").await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.number("x-hubspot-ratelimit-daily"), 3);
        assert_eq!(
            reply.number("x-hubspot-ratelimit-daily-remaining"),
            expected_remaining
        );
    }
    for _ in 0..2 {
        let refused = raw.post("/search", search()).await;
        assert_eq!(refused.status, 429);
        assert_eq!(refused.json["policyName"], "DAILY");
        assert_eq!(
            refused.json["message"],
            "You have reached your daily limit."
        );
    }
    assert_eq!(fake.rate_limited_count_for(Policy::Daily), 2);
    assert_eq!(fake.rate_limited_count_for(Policy::TenSecondlyRolling), 0);
}

#[tokio::test]
async fn retry_after_is_sent_when_asked_for() {
    let fake = FakeHubSpot::builder()
        .ten_second_budget(1)
        .time_scale(0.25)
        .retry_after_header(true)
        .start()
        .await;
    let raw = Raw::new(&fake);
    assert_eq!(raw.get("").await.status, 200);
    let refused = raw.get("").await;
    assert_eq!(refused.status, 429);
    // 2.5 s window: the first request leaves it in at most 3 whole seconds.
    let seconds = refused.number("retry-after");
    assert!((1..=3).contains(&seconds), "Retry-After: {seconds}");
}

#[tokio::test]
async fn unlimited_sends_no_limit_headers_and_no_429() {
    let fake = FakeHubSpot::builder().unlimited().start().await;
    let raw = Raw::new(&fake);
    for _ in 0..150 {
        let reply = raw.get("?limit=1").await;
        assert_eq!(reply.status, 200);
        assert!(reply.header("x-hubspot-ratelimit-max").is_none());
    }
    assert_eq!(fake.rate_limited_count(), 0);
}

#[tokio::test]
async fn concurrent_callers_get_exactly_the_budget() {
    let fake = FakeHubSpot::builder().ten_second_budget(20).start().await;
    let raw = std::sync::Arc::new(Raw::new(&fake));
    let calls: Vec<_> = (0..30)
        .map(|_| {
            let raw = std::sync::Arc::clone(&raw);
            tokio::spawn(async move { raw.get("?limit=1").await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for call in calls {
        statuses.push(call.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|&&status| status == 200).count(), 20);
    assert_eq!(statuses.iter().filter(|&&status| status == 429).count(), 10);
    assert_eq!(fake.rate_limited_count(), 10);
}

#[tokio::test]
async fn budgets_change_while_running() {
    let fake = FakeHubSpot::builder()
        .ten_second_budget(1)
        .daily_budget(10)
        .start()
        .await;
    let raw = Raw::new(&fake);
    assert_eq!(raw.get("").await.status, 200);
    assert_eq!(raw.get("").await.status, 429);
    fake.set_ten_second_budget(3);
    let reply = raw.get("").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.number("x-hubspot-ratelimit-max"), 3);
    assert_eq!(reply.number("x-hubspot-ratelimit-remaining"), 1);
    fake.set_daily_budget(2);
    let refused = raw.get("").await;
    assert_eq!(refused.json["policyName"], "DAILY");
    fake.set_search_budget(0);
    fake.set_daily_budget(100);
    assert_eq!(
        raw.post("/search", search()).await.json["policyName"],
        "SECONDLY"
    );
}
