//! Bulk upsert with typed properties: orders built as `OrderPropertiesInput` and keyed by
//! `OrderUniqueKey` (not one property name written as a string, every value of its
//! property's type), upserted with `BulkUpsert` (batches of 100, several in flight, one
//! outcome per order), then read back and decoded as `OrderProperties`.
//!
//! ```text
//! cargo run -p examples --example typed_bulk                      # against a fake HubSpot
//! HUBSPOT_TOKEN=pat-... cargo run -p examples --example typed_bulk # against HubSpot
//! ```
//!
//! Without `HUBSPOT_TOKEN` it starts the fake HubSpot of the `testing` feature, which checks
//! every value against `spec/orders-properties.json` as HubSpot checks them against the
//! portal's catalog. `HUBSPOT_BASE_URL` sends the requests elsewhere than
//! `https://api.hubapi.com`. `--orders N` upserts N orders (1,000 by default).

use examples::typed_bulk::{Failure, run};
use hubspot_orders::Client;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let mut count = 1_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--orders", Some(value)) => count = value.parse()?,
            _ => {
                return Err(
                    format!("unknown argument {arg}; usage: typed_bulk [--orders N]").into(),
                );
            }
        }
    }
    // Keeps the fake (if any) running until the end.
    let mut fake = None;
    let client = match std::env::var("HUBSPOT_TOKEN") {
        Ok(token) => {
            let mut builder = Client::builder().token(token);
            if let Ok(base_url) = std::env::var("HUBSPOT_BASE_URL") {
                builder = builder.base_url(&base_url);
            }
            builder.build()?
        }
        Err(_) => {
            let catalog = include_str!("../../spec/orders-properties.json");
            let started = hubspot_orders::testing::FakeHubSpot::builder()
                .time_scale(0.1)
                .catalog_of("orders", catalog)?
                .start()
                .await;
            println!(
                "no HUBSPOT_TOKEN: against a fake HubSpot at {}",
                started.base_url()
            );
            let client = started.client();
            fake = Some(started);
            client
        }
    };
    let orders = run(&client, count).await?;
    for order in orders.iter().take(3) {
        println!(
            "{:?}: {:?} {:?}, delivery {:?}",
            order.hs_order_name,
            order.hs_total_price,
            order.hs_currency_code,
            order.promised_delivery_date
        );
    }
    println!("read back {} orders, typed", orders.len());
    drop(fake);
    Ok(())
}
