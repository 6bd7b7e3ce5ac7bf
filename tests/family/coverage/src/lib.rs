//! The client generated from `coverage.yaml`, a document that uses every OpenAPI construct the
//! generator supports. It exists to be compiled and linted with the workspace, and exercised by
//! `tests/tests/coverage.rs`; it shares the runtime of `hubspot-orders` by path.

#![deny(missing_docs)]

#[rustfmt::skip]
mod generated;
#[path = "../../../../generated/src/runtime/mod.rs"]
mod runtime;

pub use generated::{operations, types};
pub use runtime::{
    Acquire, ApiError, BodyTooLargeError, BuildError, Client, ClientBuilder, DeadlineError,
    DecodeError, Error, ErrorBody, FilePart, Metrics, Observed, OperationInfo, Permit, RateClass,
    RateLimit, RateLimitStatus, RateLimiter, Repeat, RetryPolicy, SlidingWindowLimiter,
    TransportError,
};
