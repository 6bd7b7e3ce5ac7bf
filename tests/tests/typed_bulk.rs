//! The `typed_bulk` example (bulk upsert of typed properties) against the fake HubSpot, which
//! checks every value against the orders catalog, and the README showing it.

use examples::typed_bulk;
use workspace_tests::workspace_root as root;

use hubspot_orders::orders::properties::{Decimal, HsCurrencyCode, OrderProperties};
use hubspot_orders::property_values::TypedProperties;
use hubspot_orders::testing::FakeHubSpot;

fn read(path: &str) -> String {
    match std::fs::read_to_string(root().join(path)) {
        Ok(text) => text,
        Err(error) => panic!("{path}: {error}"),
    }
}

#[tokio::test]
async fn typed_orders_go_through_bulk_upsert_and_read_back_typed() {
    let catalog = read("spec/orders-properties.json");
    let fake = match FakeHubSpot::builder()
        .time_scale(0.01)
        .catalog_of("orders", &catalog)
    {
        Ok(builder) => builder.start().await,
        Err(error) => panic!("{error}"),
    };
    let client = fake.client();
    for round in 0..2 {
        let orders = match typed_bulk::run(&client, 250).await {
            Ok(orders) => orders,
            Err(error) => panic!("round {round}: {error}"),
        };
        assert_eq!(orders.len(), 100);
        let first: &OrderProperties = &orders[0];
        assert_eq!(first.hs_order_name.as_deref(), Some("Order 1"));
        assert_eq!(first.hs_external_order_id.as_deref(), Some("shop-1"));
        assert_eq!(first.hs_total_price, Some(Decimal::new(190, 2)));
        assert_eq!(first.hs_currency_code, Some(HsCurrencyCode::Eur));
        assert_eq!(
            first
                .promised_delivery_date
                .map(|day| day.to_string())
                .as_deref(),
            Some("2026-12-02")
        );
    }
    assert_eq!(fake.record_count("orders"), 250, "the second round updated");
    // Three batches of at most 100 a round, and one batch read.
    assert_eq!(fake.request_count(), 8);
}

#[test]
fn the_readme_shows_the_example_and_it_writes_no_property_name() {
    let source = read("examples/src/typed_bulk.rs");
    let readme = read("README.md");
    let start = source.find("use chrono::NaiveDate;").unwrap_or(0);
    let shown = source[start..].trim_end();
    assert!(
        readme.contains(shown),
        "README.md must show examples/src/typed_bulk.rs from its first `use` on"
    );
    for name in OrderProperties::NAMES {
        assert!(
            !shown.contains(&format!("\"{name}\"")),
            "the example writes the property name {name:?} as a string"
        );
    }
}
