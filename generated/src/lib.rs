//! A typed client for HubSpot's CRM Orders API.
//!
//! [`Client`] has one async method per operation of HubSpot's OpenAPI document, taking and
//! returning the types of [`types`]. Operations with several success statuses return an enum
//! by status (batch upsert answers `200` when every input succeeded and `207 Multi-Status`
//! with the failures otherwise); any other status is an [`Error::Api`] carrying the status,
//! the headers and the body, decoded as the document's error schema when it matches.
//!
//! Requests that HubSpot rate-limits (`429`) are retried after the wait HubSpot asks for,
//! except when the daily limit is reached; see [`RetryPolicy`].
//!
//! ```no_run
//! use hubspot_orders::operations::BatchUpsertResponse;
//! use hubspot_orders::types::{
//!     BatchInputSimplePublicObjectBatchInputUpsert, SimplePublicObjectBatchInputUpsert,
//! };
//! use hubspot_orders::Client;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(std::env::var("HUBSPOT_TOKEN")?);
//! let body = BatchInputSimplePublicObjectBatchInputUpsert {
//!     inputs: vec![SimplePublicObjectBatchInputUpsert {
//!         // The value of the unique property named by `id_property`.
//!         id: "shop-1001".to_owned(),
//!         id_property: Some("hs_external_order_id".to_owned()),
//!         object_write_trace_id: None,
//!         properties: [
//!             ("hs_order_name".to_owned(), "Order 1001".to_owned()),
//!             ("hs_total_price".to_owned(), "149.90".to_owned()),
//!         ]
//!         .into_iter()
//!         .collect(),
//!     }],
//! };
//! match client.batch_upsert(&body).await? {
//!     BatchUpsertResponse::Ok(done) => println!("{} orders upserted", done.results.len()),
//!     BatchUpsertResponse::MultiStatus(partial) => {
//!         println!("{} upserted; failed: {:?}", partial.results.len(), partial.errors)
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Typed properties
//!
//! [`properties`] is generated from the portal's property catalog
//! (`spec/orders-properties.json`): `OrderProperties` (typed answer values),
//! `OrderPropertiesInput` (the writable ones, each keep / clear / set) and `OrderUniqueKey`
//! (the typed `idProperty` of batch upserts and reads). They convert to and from the string
//! maps of [`types`] (`typed_properties()` on answer records, `from_typed` on inputs), through
//! the hand-written conversions of [`property_values`].
//!
//! # Which files are generated
//!
//! Everything under `src/generated/` (re-exported here as [`types`] and [`operations`])
//! is written by `cargo xtask codegen` from the OpenAPI document and starts with an
//! `@generated` header: never edit it by hand, regenerate it. Everything else, this file and
//! `src/runtime/` (client, errors, retries), is hand-written and does not depend on the
//! document; `src/property_values.rs` (value conversions) is hand-written too, and
//! `src/property_records.rs` joins typed properties to the document's types.

#![deny(missing_docs)]

// The generated files are laid out by prettyplease, not rustfmt: `cargo fmt` leaves them be.
#[rustfmt::skip]
mod generated;
mod property_records;
pub mod property_values;
mod runtime;

pub use generated::{operations, properties, types};

/// The README's examples, compiled as doctests so they cannot drift from the API.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
pub use runtime::{
    ApiError, BuildError, Client, ClientBuilder, DecodeError, Error, ErrorBody, OperationInfo,
    RateClass, Repeat, RetryPolicy,
};
