//! Upserts two orders with typed properties, keyed by the shop's order number, then reads
//! them back: not one property name written as a string.
//!
//! ```text
//! HUBSPOT_TOKEN=pat-... cargo run -p examples --example typed_orders
//! ```
//!
//! `HUBSPOT_BASE_URL` sends the requests elsewhere (a mock server) instead of
//! `https://api.hubapi.com`. The property types come from `spec/orders-properties.json`.

use examples::typed_orders::{Failure, run};
use hubspot_orders::Client;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let token =
        std::env::var("HUBSPOT_TOKEN").map_err(|_| "set HUBSPOT_TOKEN to a private app token")?;
    let mut builder = Client::builder().token(token);
    if let Ok(base_url) = std::env::var("HUBSPOT_BASE_URL") {
        builder = builder.base_url(&base_url);
    }
    for order in run(&builder.build()?).await? {
        println!(
            "{:?}: {:?} {:?}, gifts {:?}",
            order.hs_order_name, order.hs_total_price, order.hs_currency_code, order.gift_options
        );
    }
    Ok(())
}
