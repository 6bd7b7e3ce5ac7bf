//! Typed properties generated from `catalog-properties.json`, a property catalog with every
//! oddity a portal's export may hold: names with digits, uppercase letters and keywords,
//! names that collide once converted, option values with spaces and punctuation, duplicate
//! labels and values, hidden options, an enumeration without options, unique properties of
//! several types, and types the generator does not know.
//!
//! One of the family test crates: the generated code must compile clippy-clean here, and
//! `tests/tests/properties.rs` checks that it is fresh and behaves. The document beside it,
//! `catalog.yaml`, is the smallest orders-like document that carries the catalog. Regenerate
//! with `cargo xtask codegen`.
//!
//! The value conversions are not copied: this crate compiles the very file of
//! `generated/src/property_values.rs`, which must therefore not depend on the orders document.

#![deny(missing_docs)]

// The generated files are laid out by prettyplease, not rustfmt: `cargo fmt` leaves them be.
#[rustfmt::skip]
mod generated;
#[path = "../../../../generated/src/property_values.rs"]
pub mod property_values;
#[path = "../../../../generated/src/runtime/mod.rs"]
mod runtime;

pub use generated::{operations, properties, types};
// Whatever the runtime makes public, as hubspot-orders does, without a list to keep in step.
pub use runtime::*;
