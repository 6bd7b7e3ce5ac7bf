//! A typed client for HubSpot's CRM Orders and Line Items APIs.
//!
//! Each OpenAPI document under `spec/` is a module here ([`orders`], [`line_items`]), written
//! by `cargo xtask codegen`: its `types` (one type a schema), its `operations` (one async
//! method an operation, on the module's handle: [`orders::Orders`], [`line_items::LineItems`])
//! and, where a property catalog sits beside the document, its typed `properties`. Every handle
//! works on one shared [`Client`] ([`ClientExt`] gives `client.orders()`,
//! `client.line_items()`), so every object shares one rate limiter and one budget.
//!
//! Everything else comes from [`hubspot_runtime`] and is re-exported here: the [`Client`] and
//! its builder, errors, retries and pacing, [`bulk`] upsert, [`paging`], [`property_values`]
//! and, with the `testing` feature, the fake HubSpot of `testing`.
//!
//! ```no_run
//! use hubspot_orders::orders::types::{
//!     BatchInputSimplePublicObjectBatchInputUpsert, SimplePublicObjectBatchInputUpsert,
//! };
//! use hubspot_orders::orders::operations::BatchUpsertResponse;
//! use hubspot_orders::{Client, ClientExt};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(std::env::var("HUBSPOT_TOKEN")?);
//! // Generated structs are built by `new(required fields…)` and a `with_…` setter an
//! // optional field, so a field HubSpot adds later breaks no caller.
//! let input = SimplePublicObjectBatchInputUpsert::new(
//!     // The value of the unique property named by `id_property`.
//!     "shop-1001".to_owned(),
//!     [("hs_order_name".to_owned(), "Order 1001".to_owned())].into(),
//! )
//! .with_id_property("hs_external_order_id".to_owned());
//! let body = BatchInputSimplePublicObjectBatchInputUpsert::new(vec![input]);
//! match client.orders().batch_upsert(&body).await? {
//!     BatchUpsertResponse::Ok(done) => println!("{} orders upserted", done.results.len()),
//!     BatchUpsertResponse::MultiStatus(partial) => {
//!         println!("{} upserted; failed: {:?}", partial.results.len(), partial.errors)
//!     }
//!     // A status a later version of the document adds.
//!     other => println!("answered {}", other.status()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Which files are generated
//!
//! Everything under `src/generated/` is written by `cargo xtask codegen` and starts with an
//! `@generated` header: never edit it by hand, change the document and regenerate. This file
//! is the only hand-written one.

#![deny(missing_docs)]

// The generated files are laid out by prettyplease, not rustfmt: `cargo fmt` leaves them be.
#[rustfmt::skip]
mod generated;

pub use generated::*;
pub use hubspot_runtime::*;

/// The README's examples, compiled as doctests so they cannot drift from the API.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
