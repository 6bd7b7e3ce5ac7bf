use hubspot_orders::orders::operations::{BatchReadParams, BatchReadResponse, BatchUpsertResponse};
use hubspot_orders::orders::properties::{
    Decimal, GiftOptions, HsCurrencyCode, OrderProperties, OrderPropertiesInput, OrderUniqueKey,
    SalesChannel, Update,
};
use hubspot_orders::orders::types::{
    BatchInputSimplePublicObjectBatchInputUpsert, BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInputUpsert,
};
use hubspot_orders::{Client, ClientExt};

pub type Failure = Box<dyn std::error::Error>;

/// Upserts orders 1001 and 1002, then reads both back by the same key.
pub async fn run(client: &Client) -> Result<Vec<OrderProperties>, Failure> {
    let shop = [
        ("1001", Decimal::new(14990, 2), vec![GiftOptions::GiftWrap]),
        ("1002", Decimal::new(2000, 2), vec![]),
    ];
    let mut keys = Vec::new();
    let mut inputs = Vec::new();
    for (number, total, gifts) in shop {
        let order = OrderPropertiesInput {
            hs_order_name: Update::Set(format!("Order {number}")),
            hs_total_price: Update::Set(total),
            hs_currency_code: Update::Set(HsCurrencyCode::Eur),
            sales_channel: Update::Set(SalesChannel::WebShop),
            gift_options: if gifts.is_empty() {
                Update::Clear // sent as "": HubSpot empties the property
            } else {
                Update::Set(gifts)
            },
            ..OrderPropertiesInput::default() // every other property is left alone
        };
        let key = OrderUniqueKey::HsExternalOrderId(number.to_owned());
        inputs.push(SimplePublicObjectBatchInputUpsert::from_typed(&key, &order));
        keys.push(key);
    }
    let body = BatchInputSimplePublicObjectBatchInputUpsert::new(inputs);
    if let BatchUpsertResponse::MultiStatus(partial) = client.orders().batch_upsert(&body).await? {
        return Err(format!("some orders failed: {:?}", partial.errors).into());
    }

    // Read them back by the same key, asking for every property of the catalog.
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
        // A success answer a later version of the document adds.
        other => return Err(format!("unexpected answer {}", other.status()).into()),
    };
    // A value that does not read as its property's type is an error naming both.
    let orders = found
        .iter()
        .map(|order| order.typed_properties::<OrderProperties>())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(orders)
}
