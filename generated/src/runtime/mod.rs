//! The hand-written, spec-independent runtime that generated code calls: the client and its
//! configuration, requests and answers, errors, retries, pacing, metrics, and serde helpers. Nothing here knows which CRM object the document describes.

mod client;
mod error;
mod limiter;
mod metrics;
mod request;
mod retry;
pub(crate) mod serde_helpers;

pub use client::{Client, ClientBuilder};
pub use error::{
    ApiError, BodyTooLargeError, BuildError, DeadlineError, DecodeError, Error, ErrorBody,
    TransportError,
};
pub use limiter::{Acquire, Observed, Permit, RateLimit, RateLimiter, SlidingWindowLimiter};
pub use metrics::{Metrics, RateLimitStatus};
pub use request::{OperationInfo, RateClass, Repeat};
// Named by the generated code of documents with `multipart/form-data` bodies.
#[allow(unused_imports)]
pub use request::FilePart;
pub use retry::RetryPolicy;

// The crate-internal contract with generated code, reachable as `crate::runtime::…` whether
// or not the current generated code names each item.
#[allow(unused_imports)]
pub(crate) use client::send;
#[allow(unused_imports)]
pub(crate) use error::Failure;
#[allow(unused_imports)]
pub(crate) use request::{Request, Response, encode_path_segment};
