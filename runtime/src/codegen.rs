//! What generated code calls, and nothing else: an application has no use for these.
//!
//! Each generated operation builds a [`Request`] (its path parameters encoded with
//! [`encode_path_segment`]), adds its query and body, [`send`]s it, and reads the
//! [`Response`] by status: a success status's body with [`Response::json`] (or `text`,
//! `bytes`), any other status as the document's error with [`Response::into_error`]. A
//! [`Failure`] converts into [`Error`](crate::Error) with `?`.
//!
//! An operation written by hand exactly as the generator writes one:
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! use hubspot_runtime::codegen::{Method, Request, encode_path_segment, send};
//! use hubspot_runtime::{Api, Client, Error, OperationInfo, RateClass, Repeat};
//!
//! const GET_BY_ID: OperationInfo = OperationInfo::new(
//!     "get_by_id",
//!     "get-crm-v3-objects-things-thingId",
//!     "/crm/v3/objects/things/{thingId}",
//!     Repeat::Safe,
//!     RateClass::Standard,
//!     "application/json",
//! );
//!
//! /// A record, as a generated response type declares it.
//! #[derive(Debug, serde::Deserialize)]
//! pub struct Thing {
//!     pub id: String,
//!     #[serde(default, deserialize_with = "hubspot_runtime::codegen::null_as_default")]
//!     pub properties: BTreeMap<String, Option<String>>,
//! }
//!
//! /// The handle of one document's operations.
//! #[derive(Debug, Clone)]
//! pub struct Things {
//!     client: Client,
//! }
//!
//! impl Api for Things {
//!     fn client(&self) -> &Client {
//!         &self.client
//!     }
//! }
//!
//! impl Things {
//!     pub async fn get_by_id(
//!         &self,
//!         thing_id: &str,
//!         properties: Option<&[String]>,
//!     ) -> Result<Thing, Error<serde_json::Value>> {
//!         let path = format!("/crm/v3/objects/things/{}", encode_path_segment(thing_id));
//!         let mut request = Request::new(Method::GET, path, &GET_BY_ID);
//!         request.query_each("properties", properties)?;
//!         let response = send(&self.client, request).await?;
//!         match response.status() {
//!             200 => Ok(response.json()?),
//!             _ => Err(response.into_error()),
//!         }
//!     }
//! }
//! # let _ = Things { client: Client::new("pat-na1-…") };
//! ```

use std::future::Future;
use std::pin::Pin;

pub use crate::client::send;
pub use crate::error::Failure;
pub use crate::request::{Request, Response, encode_path_segment};
pub use crate::serde_helpers::null_as_default;
pub use reqwest::Method;

/// A boxed future that can be sent between threads: what the paging traits' methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
