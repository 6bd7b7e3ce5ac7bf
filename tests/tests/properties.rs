//! Typed properties, generated from the property catalogs beside the documents of `spec/`
//! (`orders::properties` and `line_items::properties` of `hubspot-orders`) and from the odd
//! catalog of `tests/family/spec/catalog-properties.json` (`family::catalog::properties`):
//!
//! - every item of the generated modules matches its reviewed snapshot (the modules' freshness
//!   is checked with their crates', in `codegen.rs` and `family.rs`);
//! - every property type goes through HubSpot's wire format and back, on odd values;
//! - a value that does not read as its type is an error naming the property and the value;
//! - odd names and options come out as usable, distinct Rust names;
//! - the README's example (`examples/src/typed_orders.rs`) upserts and reads back
//!   orders against a local server, through Prism's validating proxy so the answers stay
//!   true to the document.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use workspace_tests::workspace_root as root;

use chrono::{DateTime, NaiveDate};
use hubspot_orders::Client;
use hubspot_orders::orders::properties::{
    Decimal, GiftOptions, HsCurrencyCode, OrderProperties, OrderPropertiesInput, OrderUniqueKey,
    SalesChannel, Update,
};
use hubspot_orders::orders::types::{SimplePublicObject, SimplePublicObjectBatchInputUpsert};
use hubspot_orders::property_values::{PropertyError, TypedInput, TypedProperties, UniqueKey};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use workspace_tests::prism::Prism;

use examples::typed_orders;

fn some(text: &str) -> Option<String> {
    Some(text.to_owned())
}

/// Every item of the typed properties of `hubspot-orders` (`orders/properties/Name`,
/// `line_items/properties/Name`) matches its snapshot; `codegen.rs` snapshots the crate's
/// other items.
#[test]
fn generated_properties_match_snapshots() {
    let generated = workspace_tests::generate("generated");
    assert!(generated.warnings.is_empty(), "{:?}", generated.warnings);
    let items: Vec<&(String, String)> = generated
        .items
        .iter()
        .filter(|(name, _)| name.split('/').nth(1) == Some("properties"))
        .collect();
    for module in ["orders", "line_items"] {
        assert!(
            items
                .iter()
                .any(|(name, _)| name.starts_with(&format!("{module}/properties/"))),
            "no typed properties in `{module}`"
        );
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (name, code) in items {
            let snapshot = name.replace('/', "__");
            insta::assert_snapshot!(snapshot, code);
        }
    });
}

/// An answer's `properties` map.
fn answer(pairs: &[(&str, Option<&str>)]) -> BTreeMap<String, Option<String>> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
        .collect()
}

#[test]
fn every_property_type_round_trips_through_the_wire_format() {
    let wire = answer(&[
        ("hs_order_name", Some("Order 1001")),
        ("hs_source_store", Some("")), // empty: no value
        ("hs_tags", None),             // null: no value
        ("warehouse_phone", Some("+44 20 7946 0000")),
        ("hs_total_price", Some("0.1234567890123456789012345678")),
        ("loyalty_points", Some("-12")),
        ("hs_createdate", Some("1795952096123")), // epoch milliseconds
        (
            "hs_external_created_date",
            Some("2026-11-29T12:34:56.123+01:00"),
        ),
        ("hs_processed_date", Some("2026-11-29T11:34:56.123")), // no zone: UTC
        ("promised_delivery_date", Some("1795910400000")),      // midnight UTC, in ms
        ("hs_buyer_accepts_marketing", Some("true")),
        ("vat_exempt", Some("false")),
        ("hs_currency_code", Some("CHF")), // an option the catalog does not list
        ("sales_channel", Some("phone")),  // a hidden option
        ("gift_options", Some("gift_note")), // a multi-select with one value
        ("hs_custom_unlisted", Some("kept")),
    ]);
    let typed = OrderProperties::from_map(wire).expect("reads");
    let instant = DateTime::from_timestamp_millis(1_795_952_096_123).expect("in range");
    assert_eq!(typed.hs_order_name, some("Order 1001"));
    assert_eq!(typed.hs_source_store, None);
    assert_eq!(typed.hs_tags, None);
    assert_eq!(typed.warehouse_phone, some("+44 20 7946 0000"));
    assert_eq!(
        typed.hs_total_price.map(|d| d.to_string()).as_deref(),
        Some("0.1234567890123456789012345678")
    );
    assert_eq!(typed.loyalty_points, Some(Decimal::new(-12, 0)));
    assert_eq!(typed.hs_createdate, Some(instant));
    assert_eq!(typed.hs_external_created_date, Some(instant));
    assert_eq!(typed.hs_processed_date, Some(instant));
    assert_eq!(
        typed.promised_delivery_date,
        NaiveDate::from_ymd_opt(2026, 11, 29)
    );
    assert_eq!(typed.hs_buyer_accepts_marketing, Some(true));
    assert_eq!(typed.vat_exempt, Some(false));
    assert_eq!(
        typed.hs_currency_code,
        Some(HsCurrencyCode::Unknown("CHF".to_owned()))
    );
    assert_eq!(typed.sales_channel, Some(SalesChannel::Phone));
    assert_eq!(typed.gift_options, Some(vec![GiftOptions::GiftNote]));
    assert_eq!(
        typed.other,
        answer(&[("hs_custom_unlisted", Some("kept"))]),
        "a property the catalog does not list is kept, not dropped"
    );

    // Written back in the form HubSpot documents; empty and null values are left out.
    let written = typed.to_map();
    assert_eq!(
        written,
        answer(&[
            ("gift_options", Some("gift_note")),
            ("hs_buyer_accepts_marketing", Some("true")),
            ("hs_createdate", Some("2026-11-29T11:34:56.123Z")),
            ("hs_currency_code", Some("CHF")),
            ("hs_custom_unlisted", Some("kept")),
            ("hs_external_created_date", Some("2026-11-29T11:34:56.123Z")),
            ("hs_order_name", Some("Order 1001")),
            ("hs_processed_date", Some("2026-11-29T11:34:56.123Z")),
            ("hs_total_price", Some("0.1234567890123456789012345678")),
            ("loyalty_points", Some("-12")),
            ("promised_delivery_date", Some("2026-11-29")),
            ("sales_channel", Some("phone")),
            ("vat_exempt", Some("false")),
            ("warehouse_phone", Some("+44 20 7946 0000")),
        ])
    );
    assert_eq!(OrderProperties::from_map(written), Ok(typed));
}

#[test]
fn multi_select_reads_several_options_and_keeps_unknown_ones() {
    let typed =
        OrderProperties::from_map(answer(&[("gift_options", Some("gift_wrap;engraving;"))]))
            .expect("reads");
    assert_eq!(
        typed.gift_options,
        Some(vec![
            GiftOptions::GiftWrap,
            GiftOptions::Unknown("engraving".to_owned())
        ])
    );
    assert_eq!(
        typed.to_map(),
        answer(&[("gift_options", Some("gift_wrap;engraving"))])
    );
}

#[test]
fn a_value_that_does_not_read_is_an_error_naming_property_and_value() {
    for (name, value) in [
        ("hs_total_price", "12,50"),
        ("hs_createdate", "yesterday"),
        ("promised_delivery_date", "29/11/2026"),
        ("vat_exempt", "yes"),
        ("loyalty_points", "0.12345678901234567890123456789"), // more than a Decimal holds
    ] {
        let error: PropertyError =
            OrderProperties::from_map(answer(&[(name, Some(value))])).expect_err("does not read");
        assert_eq!((error.property(), error.value()), (name, value));
        assert!(error.to_string().contains(name) && error.to_string().contains(value));
    }
    // The same through a record of an answer.
    let record: SimplePublicObject = serde_json::from_value(json!({
        "id": "1", "archived": false,
        "createdAt": "2026-11-29T10:00:00Z", "updatedAt": "2026-11-29T10:00:00Z",
        "properties": {"hs_total_price": "12.5 EUR"}
    }))
    .expect("decodes");
    let error = record
        .typed_properties::<OrderProperties>()
        .expect_err("not a number");
    assert_eq!(
        error.to_string(),
        "property `hs_total_price`: \"12.5 EUR\" is not a decimal number (at most 28 digits after the point)"
    );
}

#[test]
fn writes_keep_clear_and_set_apart() {
    let input = OrderPropertiesInput {
        hs_order_name: Update::Set("Order 7".to_owned()),
        hs_shipping_tracking_number: Update::Clear,
        hs_total_price: Decimal::new(14990, 2).into(),
        promised_delivery_date: Update::Set(NaiveDate::from_ymd_opt(2026, 12, 24).expect("date")),
        gift_options: Update::Set(vec![GiftOptions::GiftWrap, GiftOptions::GiftNote]),
        ..OrderPropertiesInput::default()
    };
    let wire = input.to_map();
    let expected: BTreeMap<String, String> = [
        ("gift_options", "gift_wrap;gift_note"),
        ("hs_order_name", "Order 7"),
        ("hs_shipping_tracking_number", ""), // clear
        ("hs_total_price", "149.90"),
        ("promised_delivery_date", "2026-12-24"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(wire, expected, "left-alone properties are not sent");
    assert_eq!(OrderPropertiesInput::from_map(wire), Ok(input));
    // A read-only property in a write map is not typed: it stays in `other` as given.
    let with_read_only = BTreeMap::from([("hs_createdate".to_owned(), "1".to_owned())]);
    let parsed = OrderPropertiesInput::from_map(with_read_only.clone()).expect("reads");
    assert_eq!(parsed.other, with_read_only);
}

#[test]
fn unique_keys_name_their_property_without_a_string() {
    let key = OrderUniqueKey::HsExternalOrderId("shop-1001".to_owned());
    let input = OrderPropertiesInput {
        sales_channel: SalesChannel::Marketplace.into(),
        ..OrderPropertiesInput::default()
    };
    let upsert = SimplePublicObjectBatchInputUpsert::from_typed(&key, &input);
    assert_eq!(upsert.id, "shop-1001");
    assert_eq!(upsert.id_property.as_deref(), Some("hs_external_order_id"));
    assert_eq!(
        upsert.properties,
        BTreeMap::from([("sales_channel".to_owned(), "marketplace".to_owned())])
    );
    assert_eq!(
        OrderUniqueKey::ErpOrderNumber("E-7".to_owned()).property(),
        "erp_order_number"
    );
    let mixed = [key, OrderUniqueKey::ErpOrderNumber("E-7".to_owned())];
    let refused = hubspot_orders::orders::types::BatchReadInputSimplePublicObjectId::by_keys::<
        OrderProperties,
        _,
    >(&mixed)
    .expect_err("one idProperty a batch");
    assert!(refused.contains("hs_external_order_id") && refused.contains("erp_order_number"));
}

#[test]
fn odd_catalog_names_and_options_work() {
    // The object prefix comes from the module's name: `catalog` gives `CatalogProperties`.
    use family::catalog::properties::{
        CatalogProperties as Odd, CatalogPropertiesInput as OddInput, CatalogUniqueKey as OddKey,
        StockStatus, Tags2024,
    };
    use family::property_values::{TypedInput as _, TypedProperties as _, UniqueKey as _};
    let wire = answer(&[
        ("2nd_Address_Line", Some("Flat 2")),
        ("OrderTotal", Some("10.5")),
        ("order_total", Some("11")),
        ("other", Some("a property named other")),
        ("type", Some("retail")),
        ("stock_status", Some("50% off!")),
        ("Tags_2024", Some("Dark Blue;red")),
        ("empty_choice", Some("anything")),
        ("location", Some("52.37,4.89")), // a type the generator does not know: text
        ("not_in_catalog", Some("x")),
    ]);
    let typed = Odd::from_map(wire.clone()).expect("reads");
    assert_eq!(typed._2nd_address_line, some("Flat 2"));
    assert_eq!(typed.order_total, Some(Decimal::new(105, 1)));
    assert_eq!(typed.order_total_2, Some(Decimal::new(11, 0)));
    assert_eq!(typed.other_2, some("a property named other"));
    assert_eq!(typed.r#type, some("retail"));
    assert_eq!(typed.stock_status, Some(StockStatus::_50Off));
    assert_eq!(
        typed.tags_2024,
        Some(vec![Tags2024::DarkBlue, Tags2024::Red])
    );
    assert_eq!(
        typed.empty_choice.as_ref().map(|c| c.as_str()),
        Some("anything")
    );
    assert_eq!(typed.location, some("52.37,4.89"));
    assert_eq!(typed.other, answer(&[("not_in_catalog", Some("x"))]));
    assert_eq!(typed.to_map(), wire, "every value goes back as it came");

    for (variant, value) in [
        (StockStatus::InStock, "In stock"),
        (StockStatus::ABC, "a/b-c"),
        (StockStatus::Unknown2, "Unknown"),
        (StockStatus::Retired, "retired"),
    ] {
        assert_eq!(variant.as_str(), value);
    }
    let key = OddKey::OrderNo(Decimal::new(1001, 0));
    assert_eq!(
        (key.property(), key.value()),
        ("Order_No", "1001".to_owned())
    );
    let input = OddInput {
        stock_status: StockStatus::InStock.into(),
        ..OddInput::default()
    };
    assert_eq!(
        input.to_map(),
        BTreeMap::from([("stock_status".to_owned(), "In stock".to_owned())])
    );
}

/// A stored order: its record id and its properties.
type Stored = (String, BTreeMap<String, String>);

/// A small stand-in for HubSpot's order store: batch upsert by a unique property, batch
/// read by it. Enough to run the README's example; the fake HubSpot of the `testing`
/// feature does far more.
#[derive(Clone, Default)]
struct Store {
    /// Record id and properties, by the value of the unique property.
    orders: Arc<Mutex<BTreeMap<String, Stored>>>,
}

impl Store {
    fn upsert(&self, body: &Value) -> Value {
        let mut orders = self.orders.lock().unwrap_or_else(|e| e.into_inner());
        let mut results = Vec::new();
        for input in body["inputs"].as_array().into_iter().flatten() {
            let key = input["id"].as_str().unwrap_or_default().to_owned();
            let next_id = (orders.len() + 1).to_string();
            let new = !orders.contains_key(&key);
            let (id, stored) = orders.entry(key.clone()).or_insert_with(|| {
                let unique = input["idProperty"].as_str().unwrap_or_default().to_owned();
                (next_id, BTreeMap::from([(unique, key.clone())]))
            });
            for (name, value) in input["properties"].as_object().into_iter().flatten() {
                match value.as_str() {
                    Some("") | None => stored.remove(name), // "" clears
                    Some(text) => stored.insert(name.clone(), text.to_owned()),
                };
            }
            results.push(json!({
                "id": id, "new": new, "archived": false, "properties": stored,
                "createdAt": "2026-11-29T10:00:00.000Z", "updatedAt": "2026-11-29T10:00:00.000Z",
            }));
        }
        json!({"status": "COMPLETE", "results": results,
               "startedAt": "2026-11-29T10:00:00.000Z", "completedAt": "2026-11-29T10:00:00.100Z"})
    }

    fn read(&self, body: &Value) -> Value {
        let orders = self.orders.lock().unwrap_or_else(|e| e.into_inner());
        let asked: Vec<&str> = body["properties"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let results: Vec<Value> = body["inputs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|input| orders.get(input["id"].as_str()?))
            .map(|(id, stored)| {
                // The properties asked for that have a value. (HubSpot also lists the others
                // as `null`, which the orders v3 document does not allow, so Prism's proxy
                // would refuse it; reading `null` is tested above.)
                let properties: serde_json::Map<String, Value> = asked
                    .iter()
                    .filter_map(|name| Some(((*name).to_owned(), json!(stored.get(*name)?))))
                    .collect();
                json!({"id": id, "archived": false, "properties": properties,
                       "createdAt": "2026-11-29T10:00:00.000Z",
                       "updatedAt": "2026-11-29T10:00:00.000Z"})
            })
            .collect();
        json!({"status": "COMPLETE", "results": results,
               "startedAt": "2026-11-29T10:00:00.000Z", "completedAt": "2026-11-29T10:00:00.100Z"})
    }
}

struct Answer(Store, fn(&Store, &Value) -> Value);

impl Respond for Answer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match serde_json::from_slice::<Value>(&request.body) {
            Ok(body) => ResponseTemplate::new(200).set_body_json((self.1)(&self.0, &body)),
            Err(e) => ResponseTemplate::new(400).set_body_string(e.to_string()),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn readme_example_upserts_and_reads_back_typed_orders() {
    let store = Store::default();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/crm/v3/objects/orders/batch/upsert"))
        .respond_with(Answer(store.clone(), Store::upsert))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/crm/v3/objects/orders/batch/read"))
        .respond_with(Answer(store.clone(), Store::read))
        .mount(&server)
        .await;
    let spec = root().join("spec/orders.yaml");
    let upstream = server.uri();
    let prism = tokio::task::spawn_blocking(move || Prism::proxy(&spec, &upstream))
        .await
        .expect("the proxy's start does not panic")
        .unwrap_or_else(|e| panic!("{e}"));
    let client = Client::builder()
        .token("pat-test")
        .base_url(&prism.base_url())
        .max_retries(0)
        .build()
        .expect("the client builds");

    for run in 0..2 {
        let orders = typed_orders::run(&client)
            .await
            .unwrap_or_else(|e| panic!("run {run}: {e}\nPrism's log:\n{}", prism.output()));
        assert_eq!(orders.len(), 2);
        let first = &orders[0];
        assert_eq!(first.hs_order_name.as_deref(), Some("Order 1001"));
        assert_eq!(first.hs_external_order_id.as_deref(), Some("1001"));
        assert_eq!(first.hs_total_price, Some(Decimal::new(14990, 2)));
        assert_eq!(first.hs_currency_code, Some(HsCurrencyCode::Eur));
        assert_eq!(first.sales_channel, Some(SalesChannel::WebShop));
        assert_eq!(first.gift_options, Some(vec![GiftOptions::GiftWrap]));
        assert_eq!(first.hs_tags, None, "never set");
        assert_eq!(orders[1].hs_total_price, Some(Decimal::new(2000, 2)));
        assert_eq!(orders[1].gift_options, None, "cleared");
    }
    let stored = store.orders.lock().unwrap_or_else(|e| e.into_inner()).len();
    assert_eq!(
        stored, 2,
        "upserting twice by the same key creates no duplicates"
    );
}

#[test]
fn readme_shows_the_example_and_it_writes_no_property_name() {
    let source =
        std::fs::read_to_string(root().join("examples/src/typed_orders.rs")).expect("the example");
    let readme = std::fs::read_to_string(root().join("README.md")).expect("the README");
    let body = source
        .find("use hubspot_orders::")
        .map(|start| &source[start..])
        .expect("the example's code");
    assert!(
        readme.contains(body),
        "README.md must show examples/src/typed_orders.rs from its first `use` on"
    );
    for name in OrderProperties::NAMES {
        assert!(
            !source.contains(&format!("\"{name}\"")),
            "the example writes the property name {name:?} as a string"
        );
    }
}

#[test]
fn the_shipped_catalog_says_it_is_an_example() {
    let text =
        std::fs::read_to_string(root().join("spec/orders-properties.json")).expect("the catalog");
    let catalog: Value = serde_json::from_str(&text).expect("JSON");
    let note = catalog["_example"].as_str().unwrap_or_default();
    assert!(
        note.contains("Replace this file with your portal's own export"),
        "{note}"
    );
    assert!(Path::new(&root().join("spec/orders.yaml")).is_file());
}
