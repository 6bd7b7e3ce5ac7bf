//! Raw HTTP against the fake HubSpot, shared by the `fake_*` test files: the tests speak the
//! wire format directly, so that what they check is the fake, not a client's decoding. Also
//! the property rule the tests against the fake give it.

#![allow(dead_code)]

use hubspot_runtime::testing::{FAKE_TOKEN, FakeHubSpot};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// The object type most tests use.
pub const ORDERS: &str = "orders";
/// The object type the tests put beside orders.
pub const LINE_ITEMS: &str = "line_items";

/// A property rule (`FakeHubSpotBuilder::property_rule`) that accepts only numbers, as the
/// tests ask of `hs_total_price`.
pub fn number_rule(value: &str) -> Result<(), String> {
    value
        .parse::<f64>()
        .map(drop)
        .map_err(|_| format!("{value:?} is not a number"))
}

/// One answer: status, headers and the body parsed as JSON (`Value::Null` when empty or not
/// JSON; `text` keeps it as sent).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The header `name` as a number; panics when it is missing or not one.
    pub fn number(&self, name: &str) -> u64 {
        self.header(name)
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.headers))
            .parse()
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

/// The record ids of a batch answer's `results`, in order.
pub fn ids(reply: &Value) -> Vec<String> {
    reply["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {reply}"))
        .iter()
        .map(|result| {
            result["id"]
                .as_str()
                .unwrap_or_else(|| panic!("no id in {result}"))
                .to_owned()
        })
        .collect()
}

/// A raw HTTP caller bound to one fake and one object type.
pub struct Raw {
    http: reqwest::Client,
    base: String,
}

impl Raw {
    /// A caller of the orders API.
    pub fn new(fake: &FakeHubSpot) -> Raw {
        Raw::of(fake, ORDERS)
    }

    /// A caller of the API of `object_type` (`/crm/v3/objects/{object_type}…`).
    pub fn of(fake: &FakeHubSpot, object_type: &str) -> Raw {
        Raw {
            http: reqwest::Client::new(),
            base: format!("{}/crm/v3/objects/{object_type}", fake.base_url()),
        }
    }

    /// Sends `method path` (path relative to the object type's base path) with an optional
    /// JSON body and the fake's token.
    pub async fn try_send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, reqwest::Error> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(FAKE_TOKEN);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await?;
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(Reply {
            status,
            headers,
            json,
            text,
        })
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.try_send(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send("POST", path, Some(&body)).await
    }
}

/// An upsert input keyed on `hs_external_order_id`.
pub fn upsert_input(id: &str, properties: Value) -> Value {
    serde_json::json!({"id": id, "idProperty": "hs_external_order_id", "properties": properties})
}
