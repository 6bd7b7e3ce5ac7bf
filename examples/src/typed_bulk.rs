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

pub type Failure = Box<dyn std::error::Error>;

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
