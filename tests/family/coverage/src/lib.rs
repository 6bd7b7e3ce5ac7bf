//! The client generated from `coverage.yaml`, a document that uses every OpenAPI construct the
//! generator supports. It exists to be compiled and linted with the workspace, and exercised by
//! `tests/tests/coverage.rs`; it shares the runtime of `hubspot-orders` by path.

#![deny(missing_docs)]

#[rustfmt::skip]
mod generated;
#[path = "../../../../generated/src/runtime/mod.rs"]
mod runtime;

pub use generated::{operations, types};
// Whatever the runtime makes public, as hubspot-orders does, without a list to keep in step.
pub use runtime::*;
