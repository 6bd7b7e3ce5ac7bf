//! The fake HubSpot (`hubspot_orders::testing`) behind Stoplight Prism's validating proxy
//! (`prism proxy --errors`, see `workspace_tests::prism`): a scripted session of every
//! operation, their partial (207) and error answers, a 429 and a 5xx, must come through
//! unchanged. Prism replaces any answer of the fake that breaks the document with its own 500
//! `…#VIOLATIONS`, and refuses a request that breaks it with a 422 before the fake sees it, so
//! each step checks the status the fake meant to send.
//!
//! Bodies are built from JSON and decoded answers compared as JSON, so that the session
//! reads like HubSpot's wire format.

#![allow(clippy::unwrap_used)]

use hubspot_orders::orders::operations::{
    BatchCreateResponse, BatchReadParams, BatchReadResponse, BatchUpdateResponse,
    BatchUpsertResponse, GetByIdParams, GetPageParams, UpdateParams,
};
use hubspot_orders::testing::{FAKE_TOKEN, FakeHubSpot, Fault, FaultRule, Policy, Route};
use hubspot_orders::{Client, ClientExt, Error};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use workspace_tests::prism::Prism;

/// A request body of the generated types, from its JSON.
fn body<T: DeserializeOwned>(json: Value) -> T {
    serde_json::from_value(json).unwrap()
}

fn to_json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}

/// Panics with Prism's findings unless `result` is `Ok`.
fn ok<T, E: std::fmt::Debug>(step: &str, result: Result<T, Error<E>>, prism: &Prism) -> T {
    result.unwrap_or_else(|error| panic!("{step}: {error:?}\nPrism's log:\n{}", prism.output()))
}

/// Asserts the call failed with the fake's own `status` (not Prism's 422 or 500).
fn fails_with<T: std::fmt::Debug, E: std::fmt::Debug>(
    step: &str,
    result: Result<T, Error<E>>,
    status: u16,
    prism: &Prism,
) {
    let error = result.expect_err(step);
    assert_eq!(
        error.status().map(|status| status.as_u16()),
        Some(status),
        "{step}: {error:?}\nPrism's log:\n{}",
        prism.output()
    );
}

/// Sends a raw request through the proxy: for the answers a client would retry.
async fn raw(
    prism: &Prism,
    method: reqwest::Method,
    path: &str,
    json: Option<Value>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", prism.base_url()))
        .bearer_auth(FAKE_TOKEN);
    if let Some(json) = json {
        request = request
            .header("content-type", "application/json")
            .body(json.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_through_the_validating_proxy_conforms_to_the_document() {
    let fake = FakeHubSpot::builder()
        .search_budget(100)
        .property_rule("hs_total_price", |value| {
            value
                .parse::<f64>()
                .map(drop)
                .map_err(|_| "not a number".to_owned())
        })
        .start()
        .await;
    let spec = workspace_tests::prism::workspace_root()
        .join("spec")
        .join("orders.yaml");
    let base = fake.base_url();
    let prism = tokio::task::spawn_blocking(move || Prism::proxy(&spec, &base))
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{e}"));
    let client: Client = Client::builder()
        .token(FAKE_TOKEN)
        .base_url(&prism.base_url())
        .build()
        .unwrap();

    // Single records.
    let created = ok(
        "create",
        client
            .orders()
            .create(&body(json!({
                "properties": {"hs_external_order_id": "shop-1", "hs_order_name": "One", "hs_total_price": "10"},
                "associations": [],
            })))
            .await,
        &prism,
    );
    let id = to_json(&created)["id"].as_str().unwrap().to_owned();
    let params = GetByIdParams::new().with_properties(vec![
        "hs_order_name".to_owned(),
        "hs_currency_code".to_owned(),
    ]);
    let read = ok(
        "get_by_id",
        client.orders().get_by_id(&id, &params).await,
        &prism,
    );
    assert_eq!(to_json(&read)["properties"]["hs_order_name"], "One");
    let by_unique = GetByIdParams::new().with_id_property("hs_external_order_id".to_owned());
    ok(
        "get_by_id by unique value",
        client.orders().get_by_id("shop-1", &by_unique).await,
        &prism,
    );
    ok(
        "update",
        client
            .orders()
            .update(
                &id,
                &body(json!({"properties": {"hs_order_name": "Uno"}})),
                &UpdateParams::default(),
            )
            .await,
        &prism,
    );
    fails_with(
        "get_by_id of a missing id",
        client
            .orders()
            .get_by_id("999999", &GetByIdParams::default())
            .await,
        404,
        &prism,
    );
    fails_with(
        "create with a taken unique value",
        client
            .orders()
            .create(&body(
                json!({"properties": {"hs_external_order_id": "shop-1"}, "associations": []}),
            ))
            .await,
        409,
        &prism,
    );
    fails_with(
        "create breaking a property rule",
        client
            .orders()
            .create(&body(
                json!({"properties": {"hs_total_price": "ten"}, "associations": []}),
            ))
            .await,
        400,
        &prism,
    );

    // Batches: full and partial success.
    let batch = ok(
        "batch_create",
        client
            .orders()
            .batch_create(&body(json!({"inputs": [
                {"properties": {"hs_external_order_id": "shop-2"}, "associations": [], "objectWriteTraceId": "t2"},
                {"properties": {"hs_external_order_id": "shop-3"}, "associations": []},
            ]})))
            .await,
        &prism,
    );
    assert!(
        matches!(batch, BatchCreateResponse::Created(_)),
        "{batch:?}"
    );
    let partial = ok(
        "batch_create with a conflict",
        client
            .orders()
            .batch_create(&body(json!({"inputs": [
                {"properties": {"hs_external_order_id": "shop-2"}, "associations": [], "objectWriteTraceId": "t4"},
                {"properties": {"hs_external_order_id": "shop-4"}, "associations": []},
            ]})))
            .await,
        &prism,
    );
    assert!(
        matches!(partial, BatchCreateResponse::MultiStatus(_)),
        "{partial:?}"
    );
    let read = ok(
        "batch_read",
        client
            .orders()
            .batch_read(
                &body(json!({
                    "inputs": [{"id": id}, {"id": "999999"}],
                    "properties": ["hs_order_name"],
                    "propertiesWithHistory": [],
                })),
                &BatchReadParams::default(),
            )
            .await,
        &prism,
    );
    let BatchReadResponse::MultiStatus(read) = read else {
        panic!("{read:?}")
    };
    assert_eq!(
        to_json(&read)["errors"][0]["context"]["ids"],
        json!(["999999"])
    );
    let updated = ok(
        "batch_update",
        client
            .orders()
            .batch_update(&body(
                json!({"inputs": [{"id": id, "properties": {"hs_currency_code": "EUR"}}]}),
            ))
            .await,
        &prism,
    );
    assert!(matches!(updated, BatchUpdateResponse::Ok(_)), "{updated:?}");
    let upsert =
        |ids: &[&str]| -> hubspot_orders::orders::types::BatchInputSimplePublicObjectBatchInputUpsert {
            body(json!({"inputs": ids.iter().map(|id| json!({
            "id": id,
            "idProperty": "hs_external_order_id",
            "objectWriteTraceId": format!("trace-{id}"),
            "properties": {"hs_order_name": id},
        })).collect::<Vec<_>>()}))
        };
    let upserted = ok(
        "batch_upsert",
        client
            .orders()
            .batch_upsert(&upsert(&["shop-1", "shop-9"]))
            .await,
        &prism,
    );
    let BatchUpsertResponse::Ok(upserted) = upserted else {
        panic!("{upserted:?}")
    };
    let upserted = to_json(&upserted);
    assert_eq!(upserted["results"][0]["new"], false);
    assert_eq!(upserted["results"][1]["new"], true);
    fake.reject_ids(["shop-10"]);
    let partial = ok(
        "batch_upsert with a rejection",
        client
            .orders()
            .batch_upsert(&upsert(&["shop-10", "shop-11"]))
            .await,
        &prism,
    );
    assert!(
        matches!(partial, BatchUpsertResponse::MultiStatus(_)),
        "{partial:?}"
    );
    fails_with(
        "batch_upsert naming one record twice",
        client
            .orders()
            .batch_upsert(&upsert(&["shop-1", "shop-1"]))
            .await,
        400,
        &prism,
    );

    // Reading back: pages and search.
    let page = ok(
        "get_page",
        client
            .orders()
            .get_page(&GetPageParams::new().with_limit(2))
            .await,
        &prism,
    );
    let after = to_json(&page)["paging"]["next"]["after"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        "get_page after",
        client
            .orders()
            .get_page(&GetPageParams::new().with_after(after).with_limit(2))
            .await,
        &prism,
    );
    let found = ok(
        "search",
        client
            .orders()
            .search(&body(json!({
                "filterGroups": [{"filters": [{"propertyName": "hs_external_order_id", "operator": "EQ", "value": "shop-9"}]}],
                "sorts": ["hs_object_id"],
                "properties": ["hs_order_name"],
                "limit": 10,
                "after": "",
            })))
            .await,
        &prism,
    );
    assert_eq!(to_json(&found)["total"], 1);

    // Archiving.
    ok("archive", client.orders().archive(&id).await, &prism);
    ok(
        "batch_archive",
        client
            .orders()
            .batch_archive(&body(json!({"inputs": [{"id": "999999"}]})))
            .await,
        &prism,
    );

    // A 429 and a 5xx, sent raw so that no retry policy hides them.
    fake.add_fault(
        FaultRule::new(Fault::RateLimited(Policy::TenSecondlyRolling))
            .on(Route::GetPage)
            .times(1),
    );
    let (status, json, headers) =
        raw(&prism, reqwest::Method::GET, "/crm/v3/objects/orders", None).await;
    assert_eq!(status, 429, "{json}\n{}", prism.output());
    assert_eq!(json["policyName"], "TEN_SECONDLY_ROLLING");
    assert!(headers.contains_key("x-hubspot-ratelimit-remaining"));
    fake.add_fault(
        FaultRule::new(Fault::Status(503))
            .on(Route::GetPage)
            .times(1),
    );
    let (status, json, _) = raw(&prism, reqwest::Method::GET, "/crm/v3/objects/orders", None).await;
    assert_eq!(status, 503, "{json}\n{}", prism.output());
    let (status, json, _) = raw(
        &prism,
        reqwest::Method::GET,
        "/crm/v3/objects/orders/999999",
        None,
    )
    .await;
    assert_eq!(status, 404, "{json}");
    assert_eq!(json["category"], "OBJECT_NOT_FOUND");

    // Every step reached the fake: Prism refused none of the requests.
    let answered = fake
        .requests()
        .iter()
        .filter(|request| request.status.is_some())
        .count();
    assert_eq!(
        answered,
        22,
        "{:#?}",
        fake.requests()
            .iter()
            .map(|r| (&r.method, &r.path, r.status))
            .collect::<Vec<_>>()
    );
}
