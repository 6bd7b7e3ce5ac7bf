//! The fake HubSpot's CRM objects API for orders over raw HTTP: store semantics, batches,
//! paging and search.

#![allow(clippy::unwrap_used)]

mod fake_support;

use fake_support::{ORDERS, Raw, ids, upsert_input};
use hubspot_runtime::testing::{FAKE_TOKEN, FakeHubSpot};
use serde_json::{Value, json};

fn external_ids(reply: &Value) -> Vec<String> {
    reply["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {reply}"))
        .iter()
        .map(|result| {
            result["properties"]["hs_external_order_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// `count` orders `shop-1`, `shop-2`… with `hs_source_store` alternating `a`, `b`.
fn seed(fake: &FakeHubSpot, count: usize) -> Vec<String> {
    (1..=count)
        .map(|n| {
            let store = if n % 2 == 1 { "a" } else { "b" };
            fake.insert_record(
                ORDERS,
                [
                    ("hs_external_order_id", format!("shop-{n}")),
                    ("hs_source_store", store.to_owned()),
                    ("hs_total_price", format!("{n}.00")),
                ],
            )
            .unwrap()
            .id
        })
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
    assert_eq!(results[0]["properties"]["hs_object_id"], results[0]["id"]);
    assert_eq!(first.json["status"], "COMPLETE");
    assert!(first.json.get("errors").is_none());
    assert_eq!(fake.record_count(ORDERS), 2);

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
    assert_eq!(fake.record_count(ORDERS), 3);
    let updated = fake
        .record_by(ORDERS, "hs_external_order_id", "shop-1")
        .unwrap();
    assert_eq!(updated.property("hs_total_price"), Some("12.50"));
    assert_eq!(
        updated.property("hs_order_name"),
        Some("One"),
        "untouched properties stay"
    );
}

#[tokio::test]
async fn batch_upsert_reports_rejected_inputs_in_a_207_and_echoes_trace_ids() {
    let fake = FakeHubSpot::builder().reject_ids(["shop-2"]).start().await;
    let raw = Raw::new(&fake);
    let mut rejected = upsert_input("shop-2", json!({"hs_order_name": "Two"}));
    rejected["objectWriteTraceId"] = json!("trace-2");
    let mut accepted = upsert_input("shop-1", json!({"hs_order_name": "One"}));
    accepted["objectWriteTraceId"] = json!("trace-1");
    let reply = raw
        .post("/batch/upsert", json!({"inputs": [accepted, rejected]}))
        .await;
    assert_eq!(reply.status, 207, "{}", reply.text);
    assert_eq!(external_ids(&reply.json), ["shop-1"]);
    assert_eq!(reply.json["results"][0]["objectWriteTraceId"], "trace-1");
    assert_eq!(reply.json["numErrors"], 1);
    let error = &reply.json["errors"][0];
    assert_eq!(error["status"], "error");
    assert_eq!(error["context"]["ids"], json!(["shop-2"]));
    assert_eq!(error["context"]["objectWriteTraceId"], json!(["trace-2"]));
    assert!(
        fake.record_by(ORDERS, "hs_external_order_id", "shop-2")
            .is_none()
    );
    assert_eq!(fake.record_count(ORDERS), 1);

    fake.clear_rejections();
    let retried = raw
        .post(
            "/batch/upsert",
            json!({"inputs": [upsert_input("shop-2", json!({}))]}),
        )
        .await;
    assert_eq!(retried.status, 200, "{}", retried.text);
}

#[tokio::test]
async fn batch_upsert_refuses_two_inputs_for_one_record() {
    let fake = FakeHubSpot::builder()
        .unique_property("shop_order_ref")
        .start()
        .await;
    let raw = Raw::new(&fake);
    let same_value = raw
        .post(
            "/batch/upsert",
            json!({"inputs": [
                upsert_input("shop-1", json!({"hs_order_name": "a"})),
                upsert_input("shop-1", json!({"hs_order_name": "b"})),
            ]}),
        )
        .await;
    assert_eq!(same_value.status, 400, "{}", same_value.text);
    assert_eq!(same_value.json["category"], "VALIDATION_ERROR");
    assert_eq!(
        fake.record_count(ORDERS),
        0,
        "nothing of a refused batch is written"
    );

    // Two unique properties of one existing record.
    fake.insert_record(
        ORDERS,
        [
            ("hs_external_order_id", "shop-9"),
            ("shop_order_ref", "ref-9"),
        ],
    )
    .unwrap();
    let one_record = raw
        .post(
            "/batch/upsert",
            json!({"inputs": [
                upsert_input("shop-9", json!({"hs_order_name": "a"})),
                {
                    "id": "ref-9",
                    "idProperty": "shop_order_ref",
                    "properties": {"hs_order_name": "b"},
                },
            ]}),
        )
        .await;
    assert_eq!(one_record.status, 400, "{}", one_record.text);
    let record = fake.record_by(ORDERS, "shop_order_ref", "ref-9").unwrap();
    assert_eq!(record.property("hs_order_name"), None);
}

#[tokio::test]
async fn batch_upsert_needs_a_unique_id_property() {
    let fake = FakeHubSpot::start().await;
    let raw = Raw::new(&fake);
    for id_property in [json!("hs_object_id"), json!("hs_order_name"), Value::Null] {
        let mut input = upsert_input("x", json!({}));
        input["idProperty"] = id_property.clone();
        let reply = raw.post("/batch/upsert", json!({"inputs": [input]})).await;
        assert_eq!(reply.status, 400, "{id_property}: {}", reply.text);
        assert_eq!(reply.json["category"], "VALIDATION_ERROR");
    }
    assert_eq!(fake.record_count(ORDERS), 0);
}

#[tokio::test]
async fn batches_over_100_inputs_are_refused_whole() {
    let fake = FakeHubSpot::builder().unlimited().start().await;
    let raw = Raw::new(&fake);
    let upserts: Vec<Value> = (0..101)
        .map(|n| upsert_input(&format!("shop-{n}"), json!({})))
        .collect();
    let creates: Vec<Value> = (0..101)
        .map(|n| json!({"properties": {"n": n.to_string()}, "associations": []}))
        .collect();
    let id_inputs: Vec<Value> = (0..101).map(|n| json!({"id": n.to_string()})).collect();
    let updates: Vec<Value> = (0..101)
        .map(|n| json!({"id": n.to_string(), "properties": {}}))
        .collect();
    for (path, inputs) in [
        ("/batch/upsert", upserts.clone()),
        ("/batch/create", creates.clone()),
        ("/batch/update", updates),
        ("/batch/archive", id_inputs.clone()),
    ] {
        let reply = raw.post(path, json!({"inputs": inputs})).await;
        assert_eq!(reply.status, 400, "{path}: {}", reply.text);
        assert!(
            reply.json["message"].as_str().unwrap().contains("101"),
            "{}",
            reply.text
        );
    }
    let read = raw
        .post(
            "/batch/read",
            json!({"inputs": id_inputs, "properties": [], "propertiesWithHistory": []}),
        )
        .await;
    assert_eq!(read.status, 400);
    assert_eq!(fake.record_count(ORDERS), 0);
    // 100 is fine.
    let hundred = raw
        .post("/batch/upsert", json!({"inputs": upserts[..100]}))
        .await;
    assert_eq!(hundred.status, 200, "{}", hundred.text);
    assert_eq!(fake.record_count(ORDERS), 100);
}

#[tokio::test]
async fn a_value_breaking_a_rule_fails_the_whole_batch_naming_it() {
    let fake = FakeHubSpot::builder()
        .property_rule("hs_total_price", fake_support::number_rule)
        .start()
        .await;
    let raw = Raw::new(&fake);
    let reply = raw
        .post(
            "/batch/upsert",
            json!({"inputs": [
                upsert_input("shop-1", json!({"hs_total_price": "10.00"})),
                upsert_input("shop-2", json!({"hs_total_price": "ten"})),
            ]}),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.json["category"], "VALIDATION_ERROR");
    let message = reply.json["message"].as_str().unwrap();
    assert!(
        message.contains("shop-2")
            && message.contains("hs_total_price")
            && message.contains("not a number"),
        "{message}"
    );
    assert_eq!(reply.json["context"]["ids"], json!(["shop-2"]));
    assert_eq!(reply.json["errors"][0]["in"], "hs_total_price");
    assert_eq!(
        fake.record_count(ORDERS),
        0,
        "the valid input is not written either"
    );

    let single = raw
        .post(
            "",
            json!({"properties": {"hs_total_price": "ten"}, "associations": []}),
        )
        .await;
    assert_eq!(single.status, 400);
    let fine = raw
        .post(
            "",
            json!({"properties": {"hs_total_price": "10"}, "associations": []}),
        )
        .await;
    assert_eq!(fine.status, 201, "{}", fine.text);
}

#[tokio::test]
async fn single_record_create_read_update_archive() {
    let fake = FakeHubSpot::start().await;
    let raw = Raw::new(&fake);
    let created = raw
        .post(
            "",
            json!({
                "properties": {"hs_external_order_id": "shop-1", "hs_order_name": "One"},
                "associations": [],
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_owned();
    assert_eq!(created.json["archived"], false);
    assert!(created.json["createdAt"].as_str().unwrap().ends_with('Z'));

    let read = raw.get(&format!("/{id}")).await;
    assert_eq!(read.status, 200);
    assert!(
        read.json["properties"].get("hs_order_name").is_none(),
        "only defaults unless asked"
    );
    assert_eq!(read.json["properties"]["hs_object_id"], id.as_str());
    let named = raw
        .get(&format!(
            "/{id}?properties=hs_order_name&properties=hs_currency_code"
        ))
        .await;
    assert_eq!(named.json["properties"]["hs_order_name"], "One");
    assert!(named.json["properties"].get("hs_currency_code").is_none());
    let by_unique = raw
        .get("/shop-1?idProperty=hs_external_order_id&properties=hs_order_name")
        .await;
    assert_eq!(by_unique.json["id"], id.as_str());

    let updated = raw
        .send(
            "PATCH",
            &format!("/{id}"),
            Some(&json!({"properties": {"hs_order_name": "", "hs_total_price": "5"}})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let order = fake.record(ORDERS, &id).unwrap();
    assert_eq!(
        order.property("hs_order_name"),
        None,
        "an empty string clears a value"
    );
    assert_eq!(order.property("hs_total_price"), Some("5"));

    let conflict = raw
        .post(
            "",
            json!({"properties": {"hs_external_order_id": "shop-1"}, "associations": []}),
        )
        .await;
    assert_eq!(conflict.status, 409, "{}", conflict.text);
    assert_eq!(conflict.json["category"], "CONFLICT");

    let archived = raw.send("DELETE", &format!("/{id}"), None).await;
    assert_eq!(archived.status, 204);
    assert_eq!(raw.get(&format!("/{id}")).await.status, 404);
    let missing = raw.get("/999999").await;
    assert_eq!(missing.json["category"], "OBJECT_NOT_FOUND");
    assert_eq!(
        raw.get(&format!("/{id}?archived=true")).await.json["archived"],
        true
    );
    assert!(fake.record(ORDERS, &id).unwrap().archived());
    assert_eq!(fake.record_count(ORDERS), 0);
    let patch_missing = raw
        .send("PATCH", "/999999", Some(&json!({"properties": {}})))
        .await;
    assert_eq!(patch_missing.status, 404);
}

#[tokio::test]
async fn get_page_pages_with_limit_and_after() {
    let fake = FakeHubSpot::start().await;
    let all = seed(&fake, 25);
    let raw = Raw::new(&fake);
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = after
            .as_ref()
            .map_or(String::new(), |after| format!("&after={after}"));
        let page = raw.get(&format!("?limit=10{query}")).await;
        assert_eq!(page.status, 200, "{}", page.text);
        seen.extend(ids(&page.json));
        pages += 1;
        match page.json["paging"]["next"]["after"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, all);
    let default = raw.get("").await;
    assert_eq!(ids(&default.json).len(), 10, "10 by default");
    assert_eq!(raw.get("?limit=0").await.status, 400);
}

#[tokio::test]
async fn batch_create_read_update_archive() {
    let fake = FakeHubSpot::start().await;
    let raw = Raw::new(&fake);
    let created = raw
        .post(
            "/batch/create",
            json!({"inputs": [
                {
                    "properties": {"hs_external_order_id": "shop-1"},
                    "associations": [],
                    "objectWriteTraceId": "t1",
                },
                {
                    "properties": {"hs_order_name": "no unique value"},
                    "associations": [],
                    "objectWriteTraceId": "t2",
                },
            ]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let traces: Vec<&str> = created.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| result["objectWriteTraceId"].as_str().unwrap())
        .collect();
    assert_eq!(traces, ["t1", "t2"]);
    let created_ids = ids(&created.json);

    let again = raw
        .post(
            "/batch/create",
            json!({"inputs": [
                {
                    "properties": {"hs_external_order_id": "shop-1"},
                    "associations": [],
                    "objectWriteTraceId": "t3",
                },
                {"properties": {"hs_external_order_id": "shop-2"}, "associations": []},
            ]}),
        )
        .await;
    assert_eq!(again.status, 207, "{}", again.text);
    assert_eq!(again.json["errors"][0]["category"], "CONFLICT");
    assert_eq!(
        again.json["errors"][0]["context"]["objectWriteTraceId"],
        json!(["t3"])
    );
    let duplicate = raw
        .post(
            "/batch/create",
            json!({"inputs": [
                {"properties": {"hs_external_order_id": "shop-5"}, "associations": []},
                {"properties": {"hs_external_order_id": "shop-5"}, "associations": []},
            ]}),
        )
        .await;
    assert_eq!(duplicate.status, 400, "{}", duplicate.text);
    assert_eq!(fake.record_count(ORDERS), 3);

    let read = raw
        .post(
            "/batch/read",
            json!({
                "inputs": [{"id": created_ids[0]}, {"id": "424242"}],
                "properties": ["hs_external_order_id"],
                "propertiesWithHistory": [],
            }),
        )
        .await;
    assert_eq!(read.status, 207, "{}", read.text);
    assert_eq!(external_ids(&read.json), ["shop-1"]);
    assert_eq!(read.json["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(read.json["errors"][0]["context"]["ids"], json!(["424242"]));
    let by_unique = raw
        .post(
            "/batch/read",
            json!({
                "idProperty": "hs_external_order_id",
                "inputs": [{"id": "shop-1"}, {"id": "shop-2"}],
                "properties": [],
                "propertiesWithHistory": [],
            }),
        )
        .await;
    assert_eq!(by_unique.status, 200, "{}", by_unique.text);
    assert_eq!(ids(&by_unique.json).len(), 2);

    let updated = raw
        .post(
            "/batch/update",
            json!({"inputs": [
                {
                    "id": created_ids[1],
                    "properties": {"hs_order_name": "renamed"},
                    "objectWriteTraceId": "u1",
                },
                {"id": "424242", "properties": {"hs_order_name": "x"}},
            ]}),
        )
        .await;
    assert_eq!(updated.status, 207, "{}", updated.text);
    assert_eq!(
        updated.json["results"][0]["properties"]["hs_order_name"],
        "renamed"
    );
    assert_eq!(updated.json["results"][0]["objectWriteTraceId"], "u1");
    assert_eq!(updated.json["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(
        updated.json["errors"][0]["context"]["ids"],
        json!(["424242"])
    );
    let all_ok = raw
        .post(
            "/batch/update",
            json!({"inputs": [{"id": created_ids[1], "properties": {"hs_order_name": "again"}}]}),
        )
        .await;
    assert_eq!(all_ok.status, 200, "{}", all_ok.text);

    let archived = raw
        .post(
            "/batch/archive",
            json!({"inputs": [{"id": created_ids[0]}, {"id": "424242"}]}),
        )
        .await;
    assert_eq!(archived.status, 204);
    assert!(fake.record(ORDERS, &created_ids[0]).unwrap().archived());
    assert_eq!(fake.record_count(ORDERS), 2);
}

fn search_body(filter_groups: Value, after: Option<&str>, limit: i64) -> Value {
    json!({
        "filterGroups": filter_groups,
        "sorts": ["hs_object_id"],
        "properties": ["hs_external_order_id"],
        "limit": limit,
        "after": after.unwrap_or(""),
    })
}

#[tokio::test]
async fn search_filters_sorts_and_pages() {
    let fake = FakeHubSpot::builder().search_budget(1000).start().await;
    let all = seed(&fake, 30);
    let raw = Raw::new(&fake);
    let store_a =
        json!([{"filters": [{"propertyName": "hs_source_store", "operator": "EQ", "value": "a"}]}]);
    let first = raw
        .post("/search", search_body(store_a.clone(), None, 10))
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.json["total"], 15);
    let odd: Vec<String> = all.iter().step_by(2).cloned().collect();
    assert_eq!(ids(&first.json), odd[..10]);
    let next = first.json["paging"]["next"]["after"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = raw
        .post("/search", search_body(store_a, Some(&next), 10))
        .await;
    assert_eq!(ids(&second.json), odd[10..]);
    assert!(
        second.json.get("paging").is_none(),
        "no next page after the last"
    );

    // Filter groups are ORed, filters within a group ANDed.
    let either = json!([
        {"filters": [
            {"propertyName": "hs_external_order_id", "operator": "EQ", "value": "shop-3"},
        ]},
        {"filters": [
            {"propertyName": "hs_source_store", "operator": "EQ", "value": "b"},
            {"propertyName": "hs_total_price", "operator": "LTE", "value": "4"},
        ]},
    ]);
    let reply = raw.post("/search", search_body(either, None, 100)).await;
    assert_eq!(external_ids(&reply.json), ["shop-2", "shop-3", "shop-4"]);

    let mut descending = search_body(json!([]), None, 3);
    descending["sorts"] = json!([{"propertyName": "hs_object_id", "direction": "DESCENDING"}]);
    let reply = raw.post("/search", descending).await;
    assert_eq!(external_ids(&reply.json), ["shop-30", "shop-29", "shop-28"]);
    assert_eq!(reply.json["total"], 30);

    let unsupported =
        json!([{"filters": [{"propertyName": "x", "operator": "CONTAINS_TOKEN", "value": "a"}]}]);
    let reply = raw
        .post("/search", search_body(unsupported, None, 10))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        raw.post("/search", search_body(json!([]), None, 201))
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn search_stops_at_10000_results() {
    let fake = FakeHubSpot::builder().search_budget(1000).start().await;
    seed(&fake, 10_050);
    let raw = Raw::new(&fake);
    let near_cap = raw
        .post("/search", search_body(json!([]), Some("9900"), 200))
        .await;
    assert_eq!(near_cap.status, 200, "{}", near_cap.text);
    assert_eq!(near_cap.json["total"], 10_050, "total counts every match");
    assert_eq!(ids(&near_cap.json).len(), 100, "results stop at the cap");
    assert!(
        near_cap.json.get("paging").is_none(),
        "no page past the cap"
    );
    let past = raw
        .post("/search", search_body(json!([]), Some("10000"), 10))
        .await;
    assert_eq!(past.status, 400, "{}", past.text);
    assert_eq!(past.json["category"], "VALIDATION_ERROR");
}

#[tokio::test]
async fn requests_without_the_token_are_refused() {
    let fake = FakeHubSpot::builder().token("the-token").start().await;
    let http = reqwest::Client::new();
    let url = format!("{}/crm/v3/objects/orders", fake.base_url());
    let anonymous = http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = http.get(&url).bearer_auth(FAKE_TOKEN).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let right = http
        .get(&url)
        .bearer_auth("the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    // A path outside the CRM objects API is no operation of the fake's.
    for path in [
        "/crm/v3/properties/orders",
        "/crm/v3/objects",
        "/crm/v3/objects/",
    ] {
        let unknown = http
            .get(format!("{}{path}", fake.base_url()))
            .bearer_auth("the-token")
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), 404, "{path}");
    }
}
