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

use chrono::NaiveDate;
use futures_util::StreamExt;
use hubspot_orders::bulk::BulkUpsert;
use hubspot_orders::orders::operations::{BatchReadParams, BatchReadResponse};
use hubspot_orders::orders::properties::{
    Decimal, HsCurrencyCode, OrderProperties, OrderPropertiesInput, OrderUniqueKey, SalesChannel,
    Update,
};
use hubspot_orders::orders::types::{
    BatchReadInputSimplePublicObjectId, SimplePublicObjectBatchInputUpsert,
};
use hubspot_orders::{Client, ClientExt};

type Failure = Box<dyn std::error::Error>;

/// The shop's order `number`, typed: its key and the properties to write.
fn order(number: u32) -> SimplePublicObjectBatchInputUpsert {
    let key = OrderUniqueKey::HsExternalOrderId(format!("shop-{number}"));
    let properties = OrderPropertiesInput {
        hs_order_name: Update::Set(format!("Order {number}")),
        hs_total_price: Update::Set(Decimal::new(i64::from(number) * 100 + 90, 2)),
        hs_currency_code: Update::Set(HsCurrencyCode::Eur),
        sales_channel: Update::Set(SalesChannel::WebShop),
        promised_delivery_date: match NaiveDate::from_ymd_opt(2026, 12, 1 + number % 28) {
            Some(day) => Update::Set(day),
            None => Update::Keep,
        },
        ..OrderPropertiesInput::default() // every other property is left alone
    };
    SimplePublicObjectBatchInputUpsert::from_typed(&key, &properties)
}

/// Upserts orders 1 to `count` in bulk, then reads the first hundred back, typed.
pub async fn run(client: &Client, count: u32) -> Result<Vec<OrderProperties>, Failure> {
    let mut bulk = BulkUpsert::new(&client.orders())
        .concurrency(4)
        .run_iter((1..=count).map(order));
    let mut not_landed = Vec::new();
    while let Some(outcome) = bulk.next().await {
        if !outcome.is_success() {
            not_landed.push(format!("{}: {:?}", outcome.input().id, outcome.kind()));
        }
    }
    println!("{}", bulk.summary());
    if !not_landed.is_empty() {
        return Err(format!("orders that did not land: {not_landed:?}").into());
    }

    // Read back the first hundred (one batch read) by the same keys, every catalog property.
    let keys: Vec<OrderUniqueKey> = (1..=count.min(100))
        .map(|number| OrderUniqueKey::HsExternalOrderId(format!("shop-{number}")))
        .collect();
    let read = BatchReadInputSimplePublicObjectId::by_keys::<OrderProperties, _>(&keys)?;
    let found = match client
        .orders()
        .batch_read(&read, &BatchReadParams::default())
        .await?
    {
        BatchReadResponse::Ok(all) => all.results,
        BatchReadResponse::MultiStatus(partial) => {
            return Err(format!("some orders were not read: {:?}", partial.errors).into());
        }
        other => return Err(format!("an answer this program does not know: {other:?}").into()),
    };
    let orders = found
        .iter()
        .map(|order| order.typed_properties::<OrderProperties>())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(orders)
}

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
