//! The client generated from `dated.yaml`, a date-versioned document: paths under `/crm/objects/2026-03/{objectType}` that serve every object type, operationIds that repeat the whole path, nullable property values, security lists of over a hundred alternatives, and association endpoints with inline array bodies.
//!
//! One of the family test crates: documents of our own, modelled on the shape HubSpot
//! publishes for its CRM objects, that the generator must turn into a client that compiles
//! clippy-clean and reads well (here: `get_page`, `batch_upsert`, `get_associations`, `create_association`, `archive_association`).
//! `tests/tests/family.rs` checks that `src/generated/` is fresh; regenerate it with
//! `cargo xtask codegen --spec tests/family/dated/dated.yaml --out tests/family/dated`.
//!
//! The runtime is not copied: this crate compiles the very files of `generated/src/runtime/`,
//! which must therefore work for whatever object a document describes.

#![deny(missing_docs)]

// The generated files are laid out by prettyplease, not rustfmt: `cargo fmt` leaves them be.
#[rustfmt::skip]
mod generated;
#[path = "../../../../generated/src/runtime/mod.rs"]
mod runtime;

pub use generated::{operations, types};
// Whatever the runtime makes public, as hubspot-orders does, without a list to keep in step.
pub use runtime::*;
