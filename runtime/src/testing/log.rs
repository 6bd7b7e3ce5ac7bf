//! The log of the requests the fake received.

use std::time::{Duration, Instant};

use super::{Fault, Route};

/// One request the fake received, and what it did with it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRequest {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The path as sent (percent-encoded), e.g. `/crm/v3/objects/orders/batch/upsert`.
    pub path: String,
    /// The object type the path names (`orders`), if the path is one of the API's.
    pub object_type: Option<String>,
    /// The query string as sent, without the `?`.
    pub query: Option<String>,
    /// The request body's bytes.
    pub body: Vec<u8>,
    /// When the request was received.
    pub at: Instant,
    /// The time since the fake started, when the request was received.
    pub elapsed: Duration,
    /// The operation the path and method name, if any.
    pub route: Option<Route>,
    /// The status answered, `None` when the connection was closed without an answer.
    pub status: Option<u16>,
    /// The fault injected into this request, if any.
    pub fault: Option<Fault>,
}

impl LoggedRequest {
    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The values of the query parameter `name`, decoded, in order (HubSpot's array
    /// parameters repeat the key).
    pub fn query_values(&self, name: &str) -> Vec<String> {
        super::objects::query_pairs(self.query.as_deref())
            .into_iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value)
            .collect()
    }
}
