//! Starting and stopping the fake HubSpot, its client helpers and direct access to its store.

#![allow(clippy::unwrap_used)]

use hubspot_runtime::codegen::{Method, Request, send};
use hubspot_runtime::testing::{FAKE_TOKEN, FakeHubSpot};
use hubspot_runtime::{Client, OperationInfo, RateClass, Repeat};
use serde_json::Value;

/// A page of orders, as a generated `get_page` would describe it to the runtime.
const GET_PAGE: OperationInfo = OperationInfo::new(
    "get_page",
    "get-/crm/v3/objects/orders_getPage",
    "/crm/v3/objects/orders",
    Repeat::Safe,
    RateClass::Standard,
    "application/json",
);

/// Reads the first page of orders through the runtime's send path, as generated code does.
async fn get_page(client: &Client) -> Value {
    let request = Request::new(Method::GET, "/crm/v3/objects/orders".to_owned(), &GET_PAGE);
    let response = send(client, request).await.unwrap();
    assert_eq!(response.status(), 200);
    response.json::<Value>().unwrap()
}

#[tokio::test]
async fn the_client_helpers_talk_to_the_fake() {
    let fake = FakeHubSpot::start().await;
    assert!(fake.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(fake.address().ip().to_string(), "127.0.0.1");
    let seeded = fake
        .insert_record("orders", [("hs_external_order_id", "shop-1")])
        .unwrap();
    let page = get_page(&fake.client()).await;
    assert_eq!(page["results"][0]["id"], seeded.id.as_str());
    let built = fake
        .client_builder()
        .user_agent("sync-tests")
        .build()
        .unwrap();
    get_page(&built).await;
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn two_fakes_are_independent() {
    let first = FakeHubSpot::start().await;
    let second = FakeHubSpot::start().await;
    assert_ne!(first.base_url(), second.base_url());
    first
        .insert_record("orders", [("hs_external_order_id", "shop-1")])
        .unwrap();
    assert_eq!(first.record_count("orders"), 1);
    assert_eq!(second.record_count("orders"), 0);
}

#[tokio::test]
async fn seeding_refuses_a_taken_unique_value() {
    let fake = FakeHubSpot::start().await;
    let first = fake
        .insert_record("orders", [("hs_external_order_id", "shop-1")])
        .unwrap();
    let error = fake
        .insert_record("orders", [("hs_external_order_id", "shop-1")])
        .unwrap_err();
    assert!(
        error.contains(&first.id) && error.contains("shop-1"),
        "{error}"
    );
    assert_eq!(fake.records("orders").len(), 1);
    assert!(fake.requests().is_empty(), "seeding sends no request");
}

#[tokio::test]
async fn seeding_keeps_object_types_apart() {
    let fake = FakeHubSpot::builder()
        .object_types(["orders", "line_items"])
        .start()
        .await;
    let order = fake
        .insert_record("orders", [("hs_external_order_id", "shop-1")])
        .unwrap();
    // Line items have no unique property by default: the same value is no conflict.
    let item = fake
        .insert_record("line_items", [("hs_external_order_id", "shop-1")])
        .unwrap();
    assert_eq!(order.object_type, "orders");
    assert_eq!(item.object_type, "line_items");
    assert_ne!(order.id, item.id, "ids come from one counter");
    assert_eq!(fake.record("orders", &item.id), None);
    assert_eq!(fake.record("line_items", &item.id), Some(item.clone()));
    assert_eq!(
        fake.record_by("line_items", "hs_external_order_id", "shop-1"),
        Some(item)
    );
    assert_eq!(fake.object_types(), ["line_items", "orders"]);
    let refused = fake
        .insert_record("contacts", [("email", "a@example.com")])
        .unwrap_err();
    assert!(refused.contains("contacts"), "{refused}");
    assert!(fake.records("contacts").is_empty());
    assert_eq!(fake.record_count("contacts"), 0);
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
    let page = runtime.block_on(get_page(&fake.client()));
    assert!(page["results"].is_array(), "{page}");
}
