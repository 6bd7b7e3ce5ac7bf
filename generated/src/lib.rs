//! A typed client for HubSpot's CRM Orders API.
//!
//! [`Client`] has one async method per operation of HubSpot's OpenAPI document, taking and
//! returning the types of [`types`]. Operations with several success statuses return an enum
//! by status (batch upsert answers `200` when every input succeeded and `207 Multi-Status`
//! with the failures otherwise); any other status is an [`Error::Api`] carrying the status,
//! the headers and the body, decoded as the document's error schema when it matches.
//!
//! Every request goes through one path: a rate limiter paces it to HubSpot's rolling window
//! ([`RateLimit`], [`RateLimiter`]), each attempt has a timeout, and failed attempts are
//! retried by what the failure was and whether the operation is safe to repeat
//! ([`RetryPolicy`]): a `429` always (unless it is the daily limit), a `502`/`503`/`504`, a
//! timeout or a broken connection only for operations that are safe to repeat. Every
//! call is a `tracing` span; [`Client::metrics`] and [`Client::rate_limits`] tell what the
//! client has done and what HubSpot last reported.
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
//! For more than one batch, [`bulk::BulkUpsert`] upserts any number of orders from an
//! iterator or a stream with one outcome per input, and [`paging`] streams every record of a
//! listing or a search.
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
//!
//! # Testing
//!
//! With the `testing` feature, `testing::FakeHubSpot` serves the orders API from memory on
//! 127.0.0.1, with HubSpot's rate limits and injectable faults, for tests of code that uses
//! this client. It is hand-written and specific to the orders API, apart from the runtime.

#![deny(missing_docs)]

// The generated files are laid out by prettyplease, not rustfmt: `cargo fmt` leaves them be.
#[rustfmt::skip]
mod generated;
mod property_records;
pub mod property_values;
mod runtime;
#[cfg(feature = "testing")]
pub mod testing;

pub mod bulk;
pub mod paging;

pub use generated::{operations, properties, types};

/// The README's examples, compiled as doctests so they cannot drift from the API.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
pub use runtime::{
    Acquire, ApiError, BodyTooLargeError, BuildError, Client, ClientBuilder, DeadlineError,
    DecodeError, Error, ErrorBody, Metrics, Observed, OperationInfo, Permit, RateClass, RateLimit,
    RateLimitStatus, RateLimiter, Repeat, RetryPolicy, SlidingWindowLimiter, TransportError,
};
