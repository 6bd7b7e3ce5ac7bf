//! The fake HubSpot checks written values against a property catalog
//! (`FakeHubSpotBuilder::catalog_of`) as HubSpot checks them against the portal's: numbers,
//! dates, date-times, booleans, options and unknown properties, for single writes (a 400
//! `VALIDATION_ERROR`) and batches (the whole batch refused with a 400 naming the property
//! and the input), and the bulk engine isolates the bad input from that answer.

use futures_util::StreamExt;
use hubspot_orders::ClientExt;
use hubspot_orders::bulk::{BulkUpsert, OutcomeKind};
use hubspot_orders::orders::types::SimplePublicObjectBatchInputUpsert;
use hubspot_orders::testing::{FAKE_TOKEN, FakeHubSpot};
use serde_json::{Value, json};

const CATALOG: &str = include_str!("../../spec/orders-properties.json");

async fn fake_with_catalog() -> FakeHubSpot {
    match FakeHubSpot::builder()
        .time_scale(0.01)
        .catalog_of("orders", CATALOG)
    {
        Ok(builder) => builder.start().await,
        Err(error) => panic!("{error}"),
    }
}

/// Posts `body` to `path` under `/crm/v3/objects/orders`; the status and the JSON answer.
async fn post(fake: &FakeHubSpot, path: &str, body: Value) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .post(format!("{}/crm/v3/objects/orders{path}", fake.base_url()))
        .bearer_auth(FAKE_TOKEN)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) => panic!("{error}"),
    };
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn upsert(id: &str, properties: Value) -> Value {
    json!({"id": id, "idProperty": "hs_external_order_id", "properties": properties})
}

/// The embedded list of HubSpot's validation results in a 400's message.
fn results(body: &Value) -> Vec<Value> {
    let message = body["message"].as_str().unwrap_or_default();
    let Some(list) = message
        .strip_prefix("Property values were not valid: ")
        .and_then(|list| serde_json::from_str::<Vec<Value>>(list).ok())
    else {
        panic!("not HubSpot's validation message: {message}");
    };
    list
}

#[tokio::test]
async fn a_single_write_with_a_bad_value_is_refused_with_hubspots_error() {
    let fake = fake_with_catalog().await;
    for (property, value, code) in [
        ("hs_total_price", "12,50", "INVALID_NUMBER"),
        ("hs_currency_code", "JPY", "INVALID_OPTION"),
        ("promised_delivery_date", "31/12/2025", "INVALID_DATE"),
        ("promised_delivery_date", "1767175200123", "INVALID_DATE"),
        (
            "hs_external_created_date",
            "last tuesday",
            "INVALID_DATETIME",
        ),
        ("vat_exempt", "yes", "INVALID_BOOLEAN"),
        ("gift_options", "gift_wrap;bow", "INVALID_OPTION"),
        ("hs_total_price", " 12.50", "INVALID_NUMBER"),
        ("colour", "red", "PROPERTY_DOESNT_EXIST"),
    ] {
        let (status, body) = post(&fake, "", json!({"properties": {property: value}})).await;
        assert_eq!(status, 400, "{property} = {value:?}: {body}");
        assert_eq!(body["category"], "VALIDATION_ERROR");
        let found = results(&body);
        assert_eq!(found.len(), 1, "{body}");
        assert_eq!(found[0]["isValid"], false);
        assert_eq!(found[0]["error"], code, "{property} = {value:?}");
        assert_eq!(found[0]["name"], property);
    }
    assert_eq!(fake.record_count("orders"), 0);

    // What HubSpot takes, in each of its forms; the empty string clears and always passes.
    let good = json!({"properties": {
        "hs_total_price": "149.90",
        "hs_currency_code": "EUR",
        "promised_delivery_date": "1767139200000",
        "hs_external_created_date": "2025-12-31T10:00:00Z",
        "vat_exempt": "TRUE",
        "gift_options": "gift_wrap;gift_note",
        "hs_pipeline": "any-pipeline-id",
        "loyalty_points": "",
    }});
    let (status, body) = post(&fake, "", good).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(fake.record_count("orders"), 1);
}

#[tokio::test]
async fn a_batch_with_one_bad_value_is_refused_whole_naming_the_input_and_property() {
    let fake = fake_with_catalog().await;
    let (status, body) = post(
        &fake,
        "/batch/upsert",
        json!({"inputs": [
            upsert("shop-1", json!({"hs_total_price": "10.00"})),
            upsert("shop-2", json!({"hs_currency_code": "JPY"})),
            upsert("shop-3", json!({"hs_total_price": "30.00"})),
        ]}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["category"], "VALIDATION_ERROR");
    assert_eq!(body["context"]["ids"], json!(["shop-2"]));
    assert_eq!(body["errors"][0]["in"], "hs_currency_code");
    assert_eq!(body["errors"][0]["code"], "INVALID_OPTION");
    let found = results(&body);
    let message = found[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("shop-2") && message.contains("JPY was not one of the allowed options"),
        "{message}"
    );
    assert_eq!(
        fake.record_count("orders"),
        0,
        "nothing of the batch is written"
    );
}

#[tokio::test]
async fn the_catalogs_unique_properties_are_unique_and_other_types_stay_open() {
    let fake = fake_with_catalog().await;
    // `erp_order_number` has `hasUniqueValue` in the catalog: batch upsert may key on it.
    let (status, body) = post(
        &fake,
        "/batch/upsert",
        json!({"inputs": [{
            "id": "ERP-1", "idProperty": "erp_order_number", "properties": {"hs_order_name": "x"},
        }]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The catalog is for orders only: line items take any property.
    let answer = reqwest::Client::new()
        .post(format!("{}/crm/v3/objects/line_items", fake.base_url()))
        .bearer_auth(FAKE_TOKEN)
        .header("content-type", "application/json")
        .body(json!({"properties": {"colour": "red", "price": "12,50"}}).to_string())
        .send()
        .await;
    assert!(answer.is_ok_and(|answer| answer.status() == 201));
}

#[test]
fn a_catalog_that_is_not_one_is_an_error_with_its_place() {
    for (text, place) in [
        ("not json", ""),
        (r#"{"results": [{"name": "a"}]}"#, "/results/0"),
        (
            r#"{"results": [{"name": "a", "type": false}]}"#,
            "/results/0/type",
        ),
    ] {
        match FakeHubSpot::builder().catalog_of("orders", text) {
            Ok(_) => panic!("{text:?} was taken as a catalog"),
            Err(error) => {
                assert_eq!(error.pointer(), place, "{error}");
                assert!(error.to_string().starts_with("property catalog"), "{error}");
            }
        }
    }
}

#[tokio::test]
async fn bulk_upsert_fails_the_one_bad_order_at_the_cost_of_one_request() {
    let fake = fake_with_catalog().await;
    let inputs = (0..300).map(|n| {
        let price = if n == 150 {
            "12,50".to_owned()
        } else {
            format!("{n}.00")
        };
        SimplePublicObjectBatchInputUpsert::new(
            format!("shop-{n}"),
            [("hs_total_price".to_owned(), price)].into(),
        )
        .with_id_property("hs_external_order_id".to_owned())
    });
    let mut run = BulkUpsert::new(&fake.client().orders())
        .concurrency(1)
        .run_iter(inputs);
    let mut failed = Vec::new();
    while let Some(outcome) = run.next().await {
        if let OutcomeKind::Failed(error) = outcome.kind() {
            failed.push((outcome.input().id.clone(), error.to_string()));
        }
    }
    let summary = run.summary();
    assert_eq!(summary.created, 299, "{summary}");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0, "shop-150");
    assert!(failed[0].1.contains("INVALID_NUMBER"), "{}", failed[0].1);
    // Three batches, and one more for the rest of the batch that held the bad order.
    assert_eq!(summary.requests, 4, "{summary}");
    assert_eq!(fake.record_count("orders"), 299);
}
