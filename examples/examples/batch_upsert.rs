//! Upserts two orders keyed by the shop's order number, and accounts for every input.
//!
//! ```text
//! HUBSPOT_TOKEN=pat-... cargo run -p examples --example batch_upsert
//! ```
//!
//! `HUBSPOT_BASE_URL` sends the requests elsewhere (a mock server, a proxy) instead of
//! `https://api.hubapi.com`.

use std::collections::BTreeMap;

use hubspot_orders::orders::operations::BatchUpsertResponse;
use hubspot_orders::orders::types::{
    BatchInputSimplePublicObjectBatchInputUpsert, SimplePublicObjectBatchInputUpsert,
};
use hubspot_orders::{Client, ClientExt, Error, ErrorBody};

/// One order from the shop, as the application holds it.
struct ShopOrder {
    number: &'static str,
    name: &'static str,
    total: &'static str,
    currency: &'static str,
}

fn input(order: &ShopOrder) -> SimplePublicObjectBatchInputUpsert {
    let properties = BTreeMap::from([
        ("hs_order_name".to_owned(), order.name.to_owned()),
        ("hs_total_price".to_owned(), order.total.to_owned()),
        ("hs_currency_code".to_owned(), order.currency.to_owned()),
    ]);
    SimplePublicObjectBatchInputUpsert::new(
        // Upsert matches on a unique-value property: the shop's own order number.
        order.number.to_owned(),
        properties,
    )
    .with_id_property("hs_external_order_id".to_owned())
    .with_object_write_trace_id(order.number.to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token =
        std::env::var("HUBSPOT_TOKEN").map_err(|_| "set HUBSPOT_TOKEN to a private app token")?;
    let mut builder = Client::builder().token(token);
    if let Ok(base_url) = std::env::var("HUBSPOT_BASE_URL") {
        builder = builder.base_url(&base_url);
    }
    let client = builder.build()?;

    let orders = [
        ShopOrder {
            number: "1001",
            name: "Order #1001",
            total: "149.90",
            currency: "EUR",
        },
        ShopOrder {
            number: "1002",
            name: "Order #1002",
            total: "20.00",
            currency: "EUR",
        },
    ];
    let body =
        BatchInputSimplePublicObjectBatchInputUpsert::new(orders.iter().map(input).collect());

    match client.orders().batch_upsert(&body).await {
        Ok(BatchUpsertResponse::Ok(done)) => {
            for record in &done.results {
                let action = if record.new { "created" } else { "updated" };
                println!("{action} order {}", record.id);
            }
        }
        Ok(BatchUpsertResponse::MultiStatus(partial)) => {
            for record in &partial.results {
                println!("upserted order {}", record.id);
            }
            // The failures: each error names the inputs it concerns in `context`, when it can.
            for error in partial.errors.iter().flatten() {
                let ids = error.context.as_ref().and_then(|c| c.get("ids"));
                println!(
                    "failed {:?}: {}",
                    ids,
                    error.message.as_deref().unwrap_or("(no message)")
                );
            }
        }
        Err(Error::Api(api)) => {
            if let ErrorBody::Decoded(body) = api.body() {
                eprintln!(
                    "HubSpot refused the batch: {:?} {:?}",
                    body.category, body.message
                );
            }
            return Err(Error::Api(api).into());
        }
        // A success answer a later version of the document adds.
        Ok(other) => println!("answered {}", other.status()),
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
