//! The client generated from `contacts.yaml`, a contacts-like document: the usual operations of a CRM object plus `gdpr_delete`, which erases a contact for good.
//!
//! One of the family test crates: documents of our own, modelled on the shape HubSpot
//! publishes for its CRM objects, that the generator must turn into a client that compiles
//! clippy-clean and reads well (here: `gdpr_delete`, `batch_upsert`, `search`).
//! `tests/tests/family.rs` checks that `src/generated/` is fresh; regenerate it with
//! `cargo xtask codegen --spec tests/family/contacts/contacts.yaml --out tests/family/contacts`.
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
