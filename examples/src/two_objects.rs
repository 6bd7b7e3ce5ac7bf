//! The inputs of the `two_objects` program (orders and line items upserted at once through
//! one client) and how it measures the requests against the budget; the workspace's test of
//! one client for two objects uses the same.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hubspot_orders::line_items::types::SimplePublicObjectBatchInputUpsert as LineItemInput;
use hubspot_orders::orders::types::SimplePublicObjectBatchInputUpsert as OrderInput;

/// The unique property that keys orders (unique for `orders` in the fake by default).
pub const ORDER_KEY: &str = "hs_external_order_id";
/// The unique property that keys line items (the fake must be told it is unique:
/// `unique_property_of("line_items", LINE_ITEM_KEY)`).
pub const LINE_ITEM_KEY: &str = "external_line_item_id";

/// Order `number`, keyed by the shop's order number (`shop-{number}`).
pub fn order(number: u64) -> OrderInput {
    OrderInput::new(
        format!("shop-{number}"),
        BTreeMap::from([
            ("hs_order_name".to_owned(), format!("Order {number}")),
            ("hs_currency_code".to_owned(), "EUR".to_owned()),
        ]),
    )
    .with_id_property(ORDER_KEY.to_owned())
}

/// Line item `number`, keyed by the shop's line reference (`line-{number}`). (Line items and
/// orders define their batch upsert input alike, so the two names are one type of the
/// generated crate.)
pub fn line_item(number: u64) -> LineItemInput {
    LineItemInput::new(
        format!("line-{number}"),
        BTreeMap::from([
            ("name".to_owned(), format!("Item {number}")),
            ("quantity".to_owned(), (1 + number % 3).to_string()),
            ("price".to_owned(), format!("{}.50", number % 40)),
        ]),
    )
    .with_id_property(LINE_ITEM_KEY.to_owned())
}

/// The most instants of `times` that fall in any window of length `window`, wherever it
/// starts.
pub fn busiest_window(mut times: Vec<Instant>, window: Duration) -> usize {
    times.sort_unstable();
    let mut busiest = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end].duration_since(times[start]) >= window {
            start += 1;
        }
        busiest = busiest.max(end + 1 - start);
    }
    busiest
}
