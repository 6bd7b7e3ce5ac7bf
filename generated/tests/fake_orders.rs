//! The fake HubSpot's orders API: store semantics, batches, paging and search, over raw HTTP.

#![allow(clippy::unwrap_used)]

mod fake_support;

use fake_support::{Raw, upsert_input};
use hubspot_orders::testing::FakeHubSpot;
use serde_json::{Value, json};

#[allow(dead_code)]
fn ids(reply: &Value) -> Vec<String> {
    reply["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| result["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn batch_upsert_creates_then_updates_by_unique_value() {
    let fake = FakeHubSpot::start().await;
    let raw = Raw::new(&fake);
    let first = raw
        .post(
            "/batch/upsert",
            json!({"inputs": [
                upsert_input("shop-1", json!({"hs_order_name": "One", "hs_total_price": "10.00"})),
                upsert_input("shop-2", json!({"hs_order_name": "Two"})),
            ]}),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let results = first.json["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|result| result["new"] == json!(true)));
    assert_eq!(results[0]["properties"]["hs_external_order_id"], "shop-1");
    assert_eq!(results[0]["properties"]["hs_total_price"], "10.00");
    assert_eq!(first.json["status"], "COMPLETE");
    assert!(first.json.get("errors").is_none());
    assert_eq!(fake.order_count(), 2);

    let second = raw
        .post(
            "/batch/upsert",
            json!({"inputs": [
                upsert_input("shop-1", json!({"hs_total_price": "12.50"})),
                upsert_input("shop-3", json!({"hs_order_name": "Three"})),
            ]}),
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    let results = second.json["results"].as_array().unwrap();
    assert_eq!(results[0]["new"], json!(false));
    assert_eq!(results[0]["id"], first.json["results"][0]["id"]);
    assert_eq!(results[1]["new"], json!(true));
    assert_eq!(fake.order_count(), 3);
    let updated = fake.order_by("hs_external_order_id", "shop-1").unwrap();
    assert_eq!(updated.property("hs_total_price"), Some("12.50"));
    assert_eq!(
        updated.property("hs_order_name"),
        Some("One"),
        "untouched properties stay"
    );
}
