//! The hand-written runtime of the generated HubSpot CRM clients.
//!
//! A crate generated from HubSpot's OpenAPI documents (`hubspot-orders`, for one) holds the
//! types and operations of its documents and nothing else: every call it makes goes through
//! this crate, which names no type, field or path of any document. Applications usually
//! reach it through the generated crate's re-exports.
//!
//! - [`Client`] (built with [`ClientBuilder`]) holds the token, the connection pool and
//!   the settings. Every request goes through one path: the [`RateLimiter`] paces it to
//!   HubSpot's rolling window ([`RateLimit`]), each attempt has a timeout, failed attempts
//!   are retried by what the failure was and whether the operation is safe to repeat
//!   ([`RetryPolicy`], [`Repeat`]), and every call is a `tracing` span. [`Metrics`] and
//!   [`RateLimitStatus`] tell what the client has done and what HubSpot last reported.
//! - [`Error`] is what a call returns when it fails, generic over the document's error
//!   schema: HubSpot's rejection ([`ApiError`]), no answer ([`TransportError`]), a deadline
//!   ([`DeadlineError`]), an answer too large or undecodable.
//! - [`Api`] is a handle of one document's operations (generated); the generic helpers take
//!   one: [`bulk`] upserts any number of records in batches with one outcome per input,
//!   [`paging`] streams every record of a listing or a search.
//! - [`property_values`] converts the strings of a record's `properties` to typed values and
//!   back, for the types a generator writes from a property catalog.
//! - [`codegen`] holds what generated code calls, and nothing an application needs.
//! - With the `testing` feature, `testing` serves a fake HubSpot on 127.0.0.1 for tests.
//! - With the `redis` feature, `RedisLimiter` is a [`RateLimiter`] kept in Redis, so that
//!   several processes of one HubSpot app share its budget.
//!
//! ```no_run
//! use std::time::Duration;
//! use hubspot_runtime::{Client, RateLimit};
//!
//! # fn build() -> Result<(), hubspot_runtime::BuildError> {
//! let client = Client::builder()
//!     .token(std::env::var("HUBSPOT_TOKEN").unwrap_or_default())
//!     .rate_limit(RateLimit::PROFESSIONAL)
//!     .deadline(Duration::from_secs(120))
//!     .build()?;
//! // A generated crate adds the operations: `client.orders().batch_upsert(&body).await`.
//! println!("{:?}", client.metrics());
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod auth;
mod client;
mod error;
mod limiter;
mod metrics;
#[cfg(feature = "redis")]
mod redis_limiter;
mod request;
mod retry;
mod serde_helpers;

pub mod bulk;
pub mod codegen;
pub mod paging;
pub mod property_values;
#[cfg(feature = "testing")]
pub mod testing;

pub use auth::{
    DEFAULT_TOKEN_URL, NewTokens, OAuthRefresh, OAuthRefreshBuilder, StaticToken, Token,
    TokenProvider,
};
pub use client::{Client, ClientBuilder};
pub use error::{
    ApiError, AuthError, BodyTooLargeError, BuildError, DeadlineError, DecodeError, Error,
    ErrorBody, RateLimiterError, RedirectError, TransportError,
};
pub use limiter::{
    Acquire, AcquireError, Observed, Permit, RateLimit, RateLimiter, SlidingWindowLimiter,
    TryAcquire,
};
pub use metrics::{Metrics, RateLimitStatus};
#[cfg(feature = "redis")]
pub use redis_limiter::{OnRedisLoss, RedisLimiter, RedisLimiterBuilder, RedisLimiterError};
pub use request::{FilePart, OperationInfo, RateClass, Repeat};
pub use retry::RetryPolicy;

/// The URL a [`Client`] sends to unless [`ClientBuilder::base_url`] says otherwise.
pub const DEFAULT_BASE_URL: &str = "https://api.hubapi.com";

/// The property that holds a CRM record's id: what a record's `id` is the value of, what
/// search sorts and filters on to page past its cap, and what a batch upsert input without
/// `idProperty` is keyed on.
pub const OBJECT_ID_PROPERTY: &str = "hs_object_id";

/// A handle of one document's operations, as a generated crate defines it (e.g. `Orders`):
/// a [`Client`] and the operations as methods. The generic helpers of [`bulk`] and
/// [`paging`] take a handle, through the traits the generator implements for it.
pub trait Api: Clone + Send + Sync + 'static {
    /// The client every call of this handle goes through.
    fn client(&self) -> &Client;
}
