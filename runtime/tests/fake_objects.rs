//! The fake HubSpot as a fake of the CRM objects API: line items beside orders in one fake,
//! each object type with its own store, unique properties, rules and faults, all under one
//! rate budget.

#![allow(clippy::unwrap_used)]

mod fake_support;

use fake_support::{LINE_ITEMS, ORDERS, Raw, ids, number_rule, upsert_input};
use hubspot_runtime::testing::{FakeHubSpot, Fault, FaultRule, Policy, Route};
use serde_json::{Value, json};

fn create(properties: Value) -> Value {
    json!({"properties": properties, "associations": []})
}

fn upsert_by(property: &str, id: &str, properties: Value) -> Value {
    json!({"inputs": [{"id": id, "idProperty": property, "properties": properties}]})
}

fn search_all() -> Value {
    json!({"filterGroups": [], "sorts": [], "properties": [], "limit": 100, "after": ""})
}

#[tokio::test]
async fn line_items_and_orders_keep_separate_stores() {
    let fake = FakeHubSpot::builder()
        .search_budget(100)
        .unique_property_of(LINE_ITEMS, "shop_line_ref")
        .start()
        .await;
    let orders = Raw::of(&fake, ORDERS);
    let items = Raw::of(&fake, LINE_ITEMS);

    let order = orders
        .post(
            "/batch/upsert",
            json!({"inputs": [upsert_input("shop-1", json!({"hs_order_name": "One"}))]}),
        )
        .await;
    assert_eq!(order.status, 200, "{}", order.text);
    let order_id = order.json["results"][0]["id"].as_str().unwrap().to_owned();
    let item = items
        .post(
            "/batch/create",
            json!({"inputs": [
                create(json!({"name": "Mug", "quantity": "2", "shop_line_ref": "line-1"})),
                create(json!({"name": "Cup", "quantity": "1", "shop_line_ref": "line-2"})),
            ]}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.text);
    let item_ids = ids(&item.json);
    assert_eq!(item.json["results"][0]["properties"]["name"], "Mug");
    assert!(
        !item_ids.contains(&order_id),
        "ids do not collide across types"
    );

    // Each store holds its own records, and the accessors see them apart.
    assert_eq!(fake.record_count(ORDERS), 1);
    assert_eq!(fake.record_count(LINE_ITEMS), 2);
    assert_eq!(fake.object_types(), [LINE_ITEMS, ORDERS]);
    let stored = fake.record(LINE_ITEMS, &item_ids[0]).unwrap();
    assert_eq!(stored.object_type, LINE_ITEMS);
    assert_eq!(stored.property("quantity"), Some("2"));
    assert!(fake.record(ORDERS, &item_ids[0]).is_none());
    assert!(fake.record(LINE_ITEMS, &order_id).is_none());
    assert_eq!(
        fake.record_by(LINE_ITEMS, "shop_line_ref", "line-2")
            .map(|record| record.id),
        Some(item_ids[1].clone())
    );
    assert_eq!(
        fake.records(ORDERS)
            .into_iter()
            .map(|record| record.id)
            .collect::<Vec<_>>(),
        [order_id.as_str()]
    );

    // Over HTTP too: pages, reads, searches and batch reads stay within their type.
    assert_eq!(ids(&orders.get("").await.json), [order_id.as_str()]);
    assert_eq!(ids(&items.get("").await.json), item_ids);
    let wrong_type = items.get(&format!("/{order_id}")).await;
    assert_eq!(wrong_type.status, 404, "{}", wrong_type.text);
    assert_eq!(wrong_type.json["category"], "OBJECT_NOT_FOUND");
    assert!(
        wrong_type.json["message"]
            .as_str()
            .unwrap()
            .contains(LINE_ITEMS),
        "{}",
        wrong_type.text
    );
    assert_eq!(orders.get(&format!("/{order_id}")).await.status, 200);
    let found = items.post("/search", search_all()).await;
    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(found.json["total"], 2);
    assert_eq!(ids(&found.json), item_ids);
    let read = items
        .post(
            "/batch/read",
            json!({"inputs": [{"id": item_ids[0]}, {"id": order_id}], "properties": []}),
        )
        .await;
    assert_eq!(read.status, 207, "{}", read.text);
    assert_eq!(ids(&read.json), [item_ids[0].clone()]);
    assert_eq!(read.json["errors"][0]["context"]["ids"], json!([order_id]));

    // Writes and archives of one type leave the other alone.
    let archived = items
        .post("/batch/archive", json!({"inputs": [{"id": order_id}]}))
        .await;
    assert_eq!(archived.status, 204);
    assert!(!fake.record(ORDERS, &order_id).unwrap().archived());
    assert_eq!(
        items
            .send("DELETE", &format!("/{}", item_ids[1]), None)
            .await
            .status,
        204
    );
    assert_eq!(fake.record_count(LINE_ITEMS), 1);
    assert_eq!(fake.record_count(ORDERS), 1);

    // The log says which object type each request was for.
    let types: Vec<Option<String>> = fake
        .requests()
        .into_iter()
        .map(|request| request.object_type)
        .collect();
    assert_eq!(types[0].as_deref(), Some(ORDERS));
    assert_eq!(types[1].as_deref(), Some(LINE_ITEMS));
}

#[tokio::test]
async fn object_types_share_one_ten_second_budget() {
    let fake = FakeHubSpot::builder().ten_second_budget(4).start().await;
    let orders = Raw::of(&fake, ORDERS);
    let items = Raw::of(&fake, LINE_ITEMS);
    let contacts = Raw::of(&fake, "contacts");
    let mut remaining = Vec::new();
    for reply in [
        orders.get("").await,
        items.get("").await,
        orders.get("").await,
        contacts.get("").await,
    ] {
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.number("x-hubspot-ratelimit-max"), 4);
        remaining.push(reply.number("x-hubspot-ratelimit-remaining"));
    }
    assert_eq!(
        remaining,
        [3, 2, 1, 0],
        "every type counts in the one window"
    );
    for raw in [&orders, &items] {
        let refused = raw.get("").await;
        assert_eq!(refused.status, 429, "{}", refused.text);
        assert_eq!(refused.json["policyName"], "TEN_SECONDLY_ROLLING");
    }
    assert_eq!(fake.rate_limited_count_for(Policy::TenSecondlyRolling), 2);
}

#[tokio::test]
async fn object_types_share_one_search_budget_and_one_day() {
    let fake = FakeHubSpot::builder()
        .search_budget(2)
        .daily_budget(5)
        .start()
        .await;
    let orders = Raw::of(&fake, ORDERS);
    let items = Raw::of(&fake, LINE_ITEMS);
    assert_eq!(orders.post("/search", search_all()).await.status, 200);
    let second = items.post("/search", search_all()).await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(second.number("x-hubspot-ratelimit-remaining"), 0);
    let refused = items.post("/search", search_all()).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.json["policyName"], "SECONDLY");
    assert_eq!(fake.rate_limited_count_for(Policy::Secondly), 1);

    // Two searches were admitted, so three requests remain today, whatever the type.
    let day: Vec<u64> = [
        orders.get("").await,
        items.get("").await,
        items.get("").await,
    ]
    .iter()
    .map(|reply| {
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.number("x-hubspot-ratelimit-daily-remaining")
    })
    .collect();
    assert_eq!(day, [2, 1, 0]);
    let spent = orders.get("").await;
    assert_eq!(spent.status, 429);
    assert_eq!(spent.json["policyName"], "DAILY");
    assert_eq!(fake.rate_limited_count(), 2);
}

#[tokio::test]
async fn unique_properties_belong_to_their_object_type() {
    let fake = FakeHubSpot::builder()
        .unique_property_of(LINE_ITEMS, "shop_line_ref")
        .start()
        .await;
    let orders = Raw::of(&fake, ORDERS);
    let items = Raw::of(&fake, LINE_ITEMS);

    let item = items
        .post(
            "/batch/upsert",
            upsert_by("shop_line_ref", "line-1", json!({"quantity": "2"})),
        )
        .await;
    assert_eq!(item.status, 200, "{}", item.text);
    assert_eq!(item.json["results"][0]["new"], true);
    let again = items
        .post(
            "/batch/upsert",
            upsert_by("shop_line_ref", "line-1", json!({"quantity": "3"})),
        )
        .await;
    assert_eq!(again.json["results"][0]["new"], false, "{}", again.text);
    assert_eq!(
        fake.record_by(LINE_ITEMS, "shop_line_ref", "line-1")
            .unwrap()
            .property("quantity"),
        Some("3")
    );

    // Orders do not have line items' unique property, nor line items orders'.
    let order_by_line_ref = orders
        .post(
            "/batch/upsert",
            upsert_by("shop_line_ref", "line-1", json!({})),
        )
        .await;
    assert_eq!(order_by_line_ref.status, 400, "{}", order_by_line_ref.text);
    assert_eq!(order_by_line_ref.json["category"], "VALIDATION_ERROR");
    let message = order_by_line_ref.json["message"].as_str().unwrap();
    assert!(
        message.contains("shop_line_ref") && message.contains("hs_external_order_id"),
        "{message}"
    );
    let item_by_order_ref = items
        .post(
            "/batch/upsert",
            upsert_by("hs_external_order_id", "shop-1", json!({})),
        )
        .await;
    assert_eq!(item_by_order_ref.status, 400, "{}", item_by_order_ref.text);
    assert_eq!(fake.record_count(ORDERS), 0);
    assert_eq!(fake.record_count(LINE_ITEMS), 1);

    // A value unique in one type may be held by a record of another.
    let order = orders
        .post(
            "",
            create(json!({"hs_external_order_id": "shop-1", "shop_line_ref": "line-1"})),
        )
        .await;
    assert_eq!(order.status, 201, "{}", order.text);
    let twin = orders
        .post("", create(json!({"shop_line_ref": "line-1"})))
        .await;
    assert_eq!(twin.status, 201, "not unique for orders: {}", twin.text);
    let item_twin = items
        .post(
            "",
            create(json!({"hs_external_order_id": "shop-1", "shop_line_ref": "line-2"})),
        )
        .await;
    assert_eq!(item_twin.status, 201, "{}", item_twin.text);
    // Within its own type the value is taken.
    let taken = items
        .post("", create(json!({"shop_line_ref": "line-1"})))
        .await;
    assert_eq!(taken.status, 409, "{}", taken.text);
    assert_eq!(taken.json["category"], "CONFLICT");
}

#[tokio::test]
async fn a_unique_property_for_every_type_is_unique_within_each() {
    let fake = FakeHubSpot::builder()
        .unique_property("shop_ref")
        .start()
        .await;
    for object_type in [ORDERS, LINE_ITEMS, "contacts"] {
        let raw = Raw::of(&fake, object_type);
        let first = raw
            .post("/batch/upsert", upsert_by("shop_ref", "ref-1", json!({})))
            .await;
        assert_eq!(first.status, 200, "{object_type}: {}", first.text);
        assert_eq!(first.json["results"][0]["new"], true, "{object_type}");
        let taken = raw.post("", create(json!({"shop_ref": "ref-1"}))).await;
        assert_eq!(taken.status, 409, "{object_type}: {}", taken.text);
        assert_eq!(fake.record_count(object_type), 1);
    }
    // Orders keep their own default besides.
    let orders = Raw::of(&fake, ORDERS);
    let by_default = orders
        .post(
            "/batch/upsert",
            upsert_by("hs_external_order_id", "shop-1", json!({})),
        )
        .await;
    assert_eq!(by_default.status, 200, "{}", by_default.text);
}

#[tokio::test]
async fn property_rules_apply_to_their_object_type() {
    let fake = FakeHubSpot::builder()
        .property_rule_of(LINE_ITEMS, "quantity", |value| {
            value
                .parse::<u32>()
                .map(drop)
                .map_err(|_| format!("{value:?} is not a count"))
        })
        .property_rule("hs_total_price", number_rule)
        .start()
        .await;
    let orders = Raw::of(&fake, ORDERS);
    let items = Raw::of(&fake, LINE_ITEMS);

    let refused = items
        .post(
            "/batch/create",
            json!({"inputs": [
                create(json!({"quantity": "2"})),
                create(json!({"quantity": "two"})),
            ]}),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.json["category"], "VALIDATION_ERROR");
    let message = refused.json["message"].as_str().unwrap();
    assert!(
        message.contains("inputs[1]")
            && message.contains("quantity")
            && message.contains("not a count"),
        "{message}"
    );
    assert_eq!(refused.json["errors"][0]["in"], "quantity");
    assert_eq!(
        fake.record_count(LINE_ITEMS),
        0,
        "nothing of the batch is written"
    );

    // The line items' rule does not hold for orders.
    let order = orders.post("", create(json!({"quantity": "two"}))).await;
    assert_eq!(order.status, 201, "{}", order.text);

    // The rule for every type holds for both.
    for raw in [&orders, &items] {
        let price = raw.post("", create(json!({"hs_total_price": "ten"}))).await;
        assert_eq!(price.status, 400, "{}", price.text);
        assert!(
            price.json["message"]
                .as_str()
                .unwrap()
                .contains("not a number"),
            "{}",
            price.text
        );
    }
    let fine = items
        .post(
            "",
            create(json!({"quantity": "3", "hs_total_price": "9.50"})),
        )
        .await;
    assert_eq!(fine.status, 201, "{}", fine.text);
    assert_eq!(fake.record_count(LINE_ITEMS), 1);
    assert_eq!(fake.record_count(ORDERS), 1);
}

#[tokio::test]
async fn any_object_type_is_served_unless_the_list_is_given() {
    let open = FakeHubSpot::start().await;
    let contacts = Raw::of(&open, "contacts");
    let created = contacts
        .post("", create(json!({"email": "a@example.com"})))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(open.record_count("contacts"), 1);
    let custom = Raw::of(&open, "2-1234567").get("").await;
    assert_eq!(custom.status, 200, "object type ids are object types too");

    let listed = FakeHubSpot::builder()
        .object_types([ORDERS])
        .object_types([LINE_ITEMS])
        .start()
        .await;
    for object_type in [ORDERS, LINE_ITEMS] {
        let reply = Raw::of(&listed, object_type).get("").await;
        assert_eq!(reply.status, 200, "{object_type}: {}", reply.text);
    }
    let unknown = Raw::of(&listed, "contacts")
        .post("", create(json!({"email": "a@example.com"})))
        .await;
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    assert_eq!(unknown.json["category"], "VALIDATION_ERROR");
    assert_eq!(
        unknown.json["message"],
        "Unable to infer object type from: contacts"
    );
    assert!(listed.object_types().is_empty(), "nothing was stored");
    let logged = listed.requests().pop().unwrap();
    assert_eq!(logged.object_type.as_deref(), Some("contacts"));
    assert_eq!(logged.route, Some(Route::Create));
}

#[tokio::test]
async fn fault_rules_may_be_narrowed_to_one_object_type() {
    let fake = FakeHubSpot::builder()
        .fault(
            FaultRule::new(Fault::Status(503))
                .on(Route::BatchUpsert)
                .for_object_type(LINE_ITEMS),
        )
        .unique_property_of(LINE_ITEMS, "shop_line_ref")
        .start()
        .await;
    let orders = Raw::of(&fake, ORDERS);
    let items = Raw::of(&fake, LINE_ITEMS);
    let faulted = items
        .post(
            "/batch/upsert",
            upsert_by("shop_line_ref", "line-1", json!({})),
        )
        .await;
    assert_eq!(faulted.status, 503, "{}", faulted.text);
    let order = orders
        .post(
            "/batch/upsert",
            json!({"inputs": [upsert_input("shop-1", json!({}))]}),
        )
        .await;
    assert_eq!(
        order.status, 200,
        "other object types are untouched: {}",
        order.text
    );
    assert_eq!(
        items.get("").await.status,
        200,
        "other routes are untouched"
    );
    assert_eq!(fake.record_count(LINE_ITEMS), 0);
    assert_eq!(fake.record_count(ORDERS), 1);
    let log = fake.requests();
    assert_eq!(log[0].fault, Some(Fault::Status(503)));
    assert_eq!(log[1].fault, None);
}

#[tokio::test]
async fn rejected_ids_and_id_faults_reach_every_object_type() {
    let fake = FakeHubSpot::builder()
        .unique_property("shop_ref")
        .reject_ids(["ref-bad"])
        .fault(FaultRule::new(Fault::Status(504)).for_ids(["ref-slow"]))
        .start()
        .await;
    for object_type in [ORDERS, LINE_ITEMS] {
        let raw = Raw::of(&fake, object_type);
        let rejected = raw
            .post(
                "/batch/upsert",
                json!({"inputs": [
                    {"id": "ref-ok", "idProperty": "shop_ref", "properties": {}},
                    {"id": "ref-bad", "idProperty": "shop_ref", "properties": {}},
                ]}),
            )
            .await;
        assert_eq!(rejected.status, 207, "{object_type}: {}", rejected.text);
        assert_eq!(
            rejected.json["errors"][0]["context"]["ids"],
            json!(["ref-bad"])
        );
        let faulted = raw.post("", create(json!({"shop_ref": "ref-slow"}))).await;
        assert_eq!(faulted.status, 504, "{object_type}: {}", faulted.text);
        assert_eq!(fake.record_count(object_type), 1);
    }
}

#[test]
fn routes_name_the_object_type_as_a_parameter() {
    assert_eq!(
        Route::BatchUpsert.to_string(),
        "POST /crm/v3/objects/{objectType}/batch/upsert"
    );
    assert_eq!(
        Route::GetById.to_string(),
        "GET /crm/v3/objects/{objectType}/{objectId}"
    );
    assert!(Route::Search.is_search() && !Route::GetPage.is_search());
}
