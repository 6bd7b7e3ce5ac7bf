//! The client generated from `uploads.yaml`, a small document of ours with `multipart/form-data` bodies (a `format: binary` field is a file part) and an `application/x-www-form-urlencoded` body.
//!
//! One of the family test crates: it exists to be compiled and linted with the workspace
//! (`cargo clippy --workspace --all-targets -- -D warnings`); `tests/tests/family.rs` checks
//! that `src/generated/` is fresh and what the generator made of the construct. Regenerate it
//! with `cargo xtask codegen`. The runtime is the very one of `generated/src/runtime/`.

#![deny(missing_docs)]

// The generated files are laid out by prettyplease, not rustfmt: `cargo fmt` leaves them be.
#[rustfmt::skip]
mod generated;
// A document this small calls only part of the runtime's crate-internal helpers.
#[allow(dead_code)]
#[path = "../../../../generated/src/runtime/mod.rs"]
mod runtime;

pub use generated::{operations, types};
// Whatever the runtime makes public, as hubspot-orders does, without a list to keep in step.
pub use runtime::*;
