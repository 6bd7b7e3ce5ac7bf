//! The client generated from `deals.yaml`, a deals-like document: the object named by its type id (`/crm/v3/objects/0-3`), operationIds with HubSpot's `_getPage`-style suffixes, and a `merge` operation.
//!
//! One of the family test crates: documents of our own, modelled on the shape HubSpot
//! publishes for its CRM objects, that the generator must turn into a client that compiles
//! clippy-clean and reads well (here: `merge`, `batch_upsert`, `get_page`, `get_by_id`).
//! `tests/tests/family.rs` checks that `src/generated/` is fresh; regenerate it with
//! `cargo xtask codegen --spec tests/family/deals/deals.yaml --out tests/family/deals`.
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
