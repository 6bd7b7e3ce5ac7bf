//! Starting and stopping the fake HubSpot, its client helpers and direct access to its store.

#![allow(clippy::unwrap_used)]

use hubspot_orders::operations::GetPageParams;
use hubspot_orders::testing::{FAKE_TOKEN, FakeHubSpot};

#[tokio::test]
async fn the_client_helpers_talk_to_the_fake() {
    let fake = FakeHubSpot::start().await;
    assert!(fake.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(fake.address().ip().to_string(), "127.0.0.1");
    let seeded = fake
        .insert_order([("hs_external_order_id", "shop-1")])
        .unwrap();
    let page = fake
        .client()
        .get_page(&GetPageParams::default())
        .await
        .unwrap();
    let page = serde_json::to_value(&page).unwrap();
    assert_eq!(page["results"][0]["id"], seeded.id.as_str());
    let built = fake
        .client_builder()
        .user_agent("sync-tests")
        .build()
        .unwrap();
    built.get_page(&GetPageParams::default()).await.unwrap();
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn two_fakes_are_independent() {
    let first = FakeHubSpot::start().await;
    let second = FakeHubSpot::start().await;
    assert_ne!(first.base_url(), second.base_url());
    first
        .insert_order([("hs_external_order_id", "shop-1")])
        .unwrap();
    assert_eq!(first.order_count(), 1);
    assert_eq!(second.order_count(), 0);
}

#[tokio::test]
async fn seeding_refuses_a_taken_unique_value() {
    let fake = FakeHubSpot::start().await;
    let first = fake
        .insert_order([("hs_external_order_id", "shop-1")])
        .unwrap();
    let error = fake
        .insert_order([("hs_external_order_id", "shop-1")])
        .unwrap_err();
    assert!(
        error.contains(&first.id) && error.contains("shop-1"),
        "{error}"
    );
    assert_eq!(fake.orders().len(), 1);
    assert!(fake.requests().is_empty(), "seeding sends no request");
}

#[tokio::test]
async fn dropping_the_fake_stops_it() {
    let fake = FakeHubSpot::start().await;
    let url = format!("{}/crm/v3/objects/orders", fake.base_url());
    let http = reqwest::Client::new();
    let before = http.get(&url).bearer_auth(FAKE_TOKEN).send().await.unwrap();
    assert_eq!(before.status(), 200);
    drop(fake);
    // A fresh connection: the listener is gone.
    let fresh = reqwest::Client::new();
    let after = fresh.get(&url).bearer_auth(FAKE_TOKEN).send().await;
    assert!(after.is_err(), "{after:?}");
}

#[test]
fn try_start_works_outside_async_code() {
    let fake = FakeHubSpot::builder().try_start().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let page = runtime.block_on(fake.client().get_page(&GetPageParams::default()));
    assert!(page.is_ok(), "{page:?}");
}
